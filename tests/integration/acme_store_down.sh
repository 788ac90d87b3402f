#!/usr/bin/env bash
# ACME while the store cannot be reached (design section 12, issue 10):
# with PostgreSQL stopped (a cluster of this test's own, tests/pg.sh, so it
# may stop and start it) and with a SQLite store that cannot be written
# (tests/faults/faultfs.c, EIO), newOrder and newNonce answer 503
# serverInternal problems that say the store is unreachable, with
# Retry-After; once the store is back the same newOrder succeeds without a
# restart of privca. The small client is tests/integration/acme/client.py.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/acme_lib.sh"
source "$PRIVCA_SRC/tests/pg.sh"
: "${PRIVCA_FAULTFS:?set PRIVCA_FAULTFS to libprivca_faultfs.so}"
PY=$(dirname "$0")/acme/store_down.py

PG_STATE=$T/pg
pg_start "$PG_STATE" || exit 1
on_cleanup() { pg_stop "$PG_STATE"; }

# ---- PostgreSQL stopped and started --------------------------------------
WHAT=PostgreSQL
DIR=$T/pgca
new_ca "$DIR" --store "$PG_URL"
TOK=$(token team-d --allow .down.test)
eab team-d
csr "$T/r.csr" api.down.test "DNS:api.down.test"
start_server "$DIR" || exit 1
PG_SERVER=$SERVER_PID
DIRURL="$SBASE/acme/directory"
WHAT=$WHAT python3 "$PY" setup "$DIRURL" "$DIR/ca.pem" "$T/pg.state" "$KID" "$HMAC" >"$T/pg1.out" 2>&1 ||
	bad "store_down.py setup stopped early"
report "$T/pg1.out"
pg_halt
WHAT=$WHAT python3 "$PY" down "$DIRURL" "$DIR/ca.pem" "$T/pg.state" >"$T/pg2.out" 2>&1 ||
	bad "store_down.py down stopped early"
report "$T/pg2.out"
st=$(http "$T/api" -H "Authorization: Bearer $TOK" -H "Content-Type: application/x-pem-file" \
	--data-binary "@$T/r.csr" "$BASE/api/v1/certificates")
expect_problem "  the JSON API's issuance meanwhile" "$T/api" "$st" 503 unavailable
pg_resume || exit 1
WHAT=$WHAT python3 "$PY" up "$DIRURL" "$DIR/ca.pem" "$T/pg.state" >"$T/pg3.out" 2>&1 ||
	bad "store_down.py up stopped early"
report "$T/pg3.out"
check "  privca never restarted" kill -0 "$PG_SERVER"
stop_server TERM

# ---- a SQLite store that cannot be written -------------------------------
WHAT=SQLite
DIR=$T/sqca
CTL=$T/fault
new_ca "$DIR"
token team-d --allow .down.test >/dev/null
eab team-d
PRIVCA_FAULT_CTL=$CTL LD_PRELOAD=$PRIVCA_FAULTFS \
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 start_server "$DIR" ||
	exit 1
SQ_SERVER=$SERVER_PID
DIRURL="$SBASE/acme/directory"
WHAT=$WHAT python3 "$PY" setup "$DIRURL" "$DIR/ca.pem" "$T/sq.state" "$KID" "$HMAC" >"$T/sq1.out" 2>&1 ||
	bad "store_down.py setup (SQLite) stopped early"
report "$T/sq1.out"
echo eio >"$CTL"
WHAT=$WHAT python3 "$PY" down "$DIRURL" "$DIR/ca.pem" "$T/sq.state" >"$T/sq2.out" 2>&1 ||
	bad "store_down.py down (SQLite) stopped early"
report "$T/sq2.out"
rm -f "$CTL"
WHAT=$WHAT python3 "$PY" up "$DIRURL" "$DIR/ca.pem" "$T/sq.state" >"$T/sq3.out" 2>&1 ||
	bad "store_down.py up (SQLite) stopped early"
report "$T/sq3.out"
check "  privca never restarted" kill -0 "$SQ_SERVER"
finish

#!/usr/bin/env bash
# Store failures with their reasons (issue 13 item 5): while the disk is
# full, reports I/O errors, or another process holds the database's write
# lock, issuing and revoking answer 503 problems that say why, nothing is
# half-written, /healthz answers 503 with the reason, the log carries
# SQLite's; once the cause is gone the same process works again. A
# read-only filesystem or an immutable privca.db at start: the service says
# so (the log, /healthz) instead of failing request by request.
#
# Faults come from tests/faults/faultfs.c, an LD_PRELOAD library that fails
# the store's own files (privca.db, -wal, -shm) while a control file says
# so: no root or mount is needed in CI, and a fault ends the moment the test
# removes the file.
. "$(dirname "$0")/lib.sh"
: "${PRIVCA_FAULTFS:?set PRIVCA_FAULTFS to libprivca_faultfs.so}"

DIR=$T/ca
CTL=$T/fault
new_ca "$DIR"
TOK=$(token team-a --allow .team-a.internal)
AUTH=(-H "Authorization: Bearer $TOK")
API_PATH=/api/v1/certificates
faulty_server() {
	PRIVCA_FAULT_CTL=$CTL LD_PRELOAD=$PRIVCA_FAULTFS \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 start_server "$DIR"
}
faulty_server
csr "$T/r.csr" web.team-a.internal "DNS:web.team-a.internal"
revoke() {
	http "$1" -H "Authorization: Bearer $2" -H "Content-Type: application/json" \
		--data-binary "{\"reason\": \"$4\"}" "$BASE$API_PATH/$3/revoke"
}
issue() { http "$1" "${AUTH[@]}" --data-binary "@$T/r.csr" "$BASE$API_PATH"; }
detail_has() { python3 -c 'import json,sys; sys.exit(sys.argv[2] not in json.load(open(sys.argv[1]))["detail"])' "$1.body" "$2"; }

st=$(issue "$T/i0")
eq "issued before any fault" "$st" 201
SERIAL0=$(openssl x509 -in "$T/i0.body" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
COUNT0=$(count_certs)

# fault NAME MODE CAUSE: issue and revoke during the fault, then recover.
fault() {
	local name=$1 mode=$2 cause=$3 st
	echo "$mode" >"$CTL"
	st=$(issue "$T/$mode.i")
	expect_problem "$name: issuing" "$T/$mode.i" "$st" 503 unavailable
	check "  the problem says why ($cause)" detail_has "$T/$mode.i" "$cause"
	check "  and that nothing was written" detail_has "$T/$mode.i" "Nothing was written"
	st=$(revoke "$T/$mode.r" "$TOK" "$SERIAL0" keyCompromise)
	expect_problem "$name: revoking" "$T/$mode.r" "$st" 503 unavailable
	check "  the problem says why" detail_has "$T/$mode.r" "$cause"
	st=$(http "$T/$mode.h" "$BASE/healthz")
	eq "$name: /healthz 503" "$st" 503
	check "  and says why" grep -q "$cause" "$T/$mode.h.body"
	eq "$name: the CRL is still served" "$(http "$T/$mode.crl" "$BASE/crl")" 200
	eq "$name: nothing was recorded" "$(count_certs)" "$COUNT0"
	eq "$name: the certificate is still valid" \
		"$(http "$T/$mode.c" "$BASE$API_PATH/$SERIAL0") $(json "$T/$mode.c.body" 'd["status"]')" \
		"200 valid"
	check "$name: the log has SQLite's reason" grep -q "the store cannot record changes: $cause (SQLite:" "$T/server.log"
	rm -f "$CTL"
	eq "$name over: /healthz 200 again, no restart" "$(http "$T/$mode.h2" "$BASE/healthz")" 200
	check "  the log says so" grep -q "the store records changes again" "$T/server.log"
	st=$(issue "$T/$mode.i2")
	eq "$name over: issuing works" "$st" 201
	COUNT0=$((COUNT0 + 1))
}
fault "disk full" enospc "the disk is full"
fault "I/O errors" eio "the disk reports an I/O error"

# Another process holds the write lock for longer than the busy timeout (10 s).
python3 - "$DIR/privca.db" "$T/locked" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(13)
db.execute("ROLLBACK")
EOF
LOCKER=$!
PIDS+=("$LOCKER")
for i in $(seq 1 50); do [ -f "$T/locked" ] && break; sleep 0.1; done
st=$(issue "$T/busy.i")
expect_problem "database locked by another process: issuing" "$T/busy.i" "$st" 503 unavailable
check "  the problem says why" detail_has "$T/busy.i" "locked by another process"
wait "$LOCKER" || true
eq "lock released: /healthz 200" "$(http "$T/busy.h" "$BASE/healthz")" 200
eq "  and issuing works" "$(issue "$T/busy.i2")" 201
COUNT0=$((COUNT0 + 1))
eq "every refusal left nothing behind" "$(count_certs)" "$COUNT0"
sqlite3 "$DIR/privca.db" "PRAGMA integrity_check" >"$T/ic"
eq "integrity_check" "$(cat "$T/ic")" ok
stop_server TERM

# Read-only at start: the filesystem (faultfs), then an immutable file (root
# on a filesystem with chattr only). start_any DIR [env...]: serve DIR and
# wait for any answer of /healthz (false: serve exited first).
start_any() {
	local dir=$1 i
	shift
	HTTP_PORT=$(free_port)
	HTTPS_PORT=$(free_port)
	while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT=$(free_port); done
	env "$@" "$PRIVCA" serve --dir "$dir" --http "127.0.0.1:$HTTP_PORT" \
		--https "127.0.0.1:$HTTPS_PORT" 2>>"$T/server.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BASE="http://127.0.0.1:$HTTP_PORT"
	for i in $(seq 1 100); do
		[ "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$BASE/healthz")" != 000 ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
echo erofs >"$CTL"
: >"$T/server.log"
if start_any "$DIR" PRIVCA_FAULT_CTL="$CTL" LD_PRELOAD="$PRIVCA_FAULTFS" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"; then
	st=$(http "$T/ro.h" "$BASE/healthz")
	eq "read-only filesystem at start: serves, /healthz 503" "$st" 503
	check "  saying the database is read-only" grep -q "read-only" "$T/ro.h.body"
	st=$(issue "$T/ro.i")
	expect_problem "  issuing" "$T/ro.i" "$st" 503 unavailable
	check "  the problem says read-only" detail_has "$T/ro.i" "read-only"
	rm -f "$CTL"
	eq "  filesystem writable again: /healthz 200, no restart" "$(http "$T/ro.h2" "$BASE/healthz")" 200
	eq "  and issuing works" "$(issue "$T/ro.i2")" 201
	stop_server TERM
else
	ok "read-only filesystem at start: serve refused"
fi
check "  the log says the database is read-only" grep -qi "read-only" "$T/server.log"
rm -f "$CTL"
if [ "$(id -u)" = 0 ] && chattr +i "$DIR/privca.db" 2>/dev/null; then
	start_any "$DIR"
	st=$(issue "$T/im.i")
	expect_problem "immutable privca.db: issuing" "$T/im.i" "$st" 503 unavailable
	check "  the problem says read-only" detail_has "$T/im.i" "read-only"
	eq "  /healthz 503" "$(http "$T/im.h" "$BASE/healthz")" 503
	chattr -i "$DIR/privca.db"
	eq "immutable flag removed: /healthz 200, no restart" "$(http "$T/im.h2" "$BASE/healthz")" 200
	eq "  and issuing works" "$(issue "$T/im.i2")" 201
	stop_server TERM
	chattr -i "$DIR/privca.db" 2>/dev/null || true
else
	say "skip immutable privca.db: needs root and chattr"
fi
finish

#!/usr/bin/env bash
# Retention (issue 12): `privca tidy --expired-before DATE [--dry-run]` and
# the background tidy of retain_expired_days, with the clock moved by
# libfaketime (as inventory.sh does). A valid certificate and a revoked one
# still inside its validity (so still on the CRL) are never deleted; a dry
# run changes nothing; bad dates are refused and change nothing; the count
# is in the answer, in an event and in /metrics.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
check "init" new_ca "$DIR"


sign() { # sign NAME DAYS: issue offline, print the serial
	csr "$T/$1.csr" "$1.example.internal" "DNS:$1.example.internal"
	"$PRIVCA" sign --dir "$DIR" --csr "$T/$1.csr" --days "$2" >"$T/$1.pem" 2>>"$T/cli.err"
	openssl x509 -in "$T/$1.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'
}
s1=$(sign one-day 1)
s10=$(sign ten-days 10)
s40=$(sign forty-days 40)
s100=$(sign hundred-days 100)
"$PRIVCA" revoke --dir "$DIR" "$s40" 2>>"$T/cli.err"

# store_sql SQL: one query's rows on DIR's store, SQLite's privca.db or
# the PostgreSQL store privca.conf names (integration-pg/tidy).
store_sql() {
	local url
	url=$(sed -n 's/^store *= *//p' "$DIR/privca.conf")
	if [ -n "$url" ]; then
		psql -qAt "$url" -v ON_ERROR_STOP=1 -c "$1"
	else
		sqlite3 "$DIR/privca.db" "$1"
	fi
}
# present SERIAL: privca show finds it.
present() { "$PRIVCA" show --dir "$DIR" "$1" >/dev/null 2>&1; }
fingerprint() { # what a tidy must not change when it deletes nothing
	store_sql "SELECT serial FROM certificates ORDER BY serial" &&
		store_sql "SELECT count(*) FROM events"
}
day() { date -u -d "$1" +%F; }

# Twenty days on: the one-day and ten-day certificates have expired; the
# forty-day one is revoked but still inside its validity.
before=$(fingerprint)
privca_at +20d tidy --dir "$DIR" --expired-before "$(day '+19 days')" --dry-run \
	>"$T/dry.out" 2>"$T/dry.err"
eq "--dry-run counts the two expired ones" "$(cat "$T/dry.out")" "would delete 2"
eq "  and changes nothing" "$(fingerprint)" "$before"

# Refusals: each is a clear message and changes nothing.
rc=0
privca_at +20d tidy --dir "$DIR" --expired-before "$(day '+25 days')" \
	>"$T/future.out" 2>"$T/future.err" || rc=$?
eq "a date in the (faked) future is refused (exit 1)" "$rc" 1
check "  saying why" grep -q "future" "$T/future.err"
rc=0
"$PRIVCA" tidy --dir "$DIR" --expired-before 2024-02-30 >/dev/null 2>"$T/bad.err" || rc=$?
eq "a date that does not exist is a usage error (exit 2)" "$rc" 2
check "  naming the forms" grep -q "YYYY-MM-DD" "$T/bad.err"
rc=0
"$PRIVCA" tidy --dir "$DIR" >/dev/null 2>"$T/none.err" || rc=$?
eq "no --expired-before is a usage error (exit 2)" "$rc" 2
eq "  the refusals changed nothing" "$(fingerprint)" "$before"

privca_at +20d tidy --dir "$DIR" --expired-before "$(day '+19 days')" \
	>"$T/tidy.out" 2>"$T/tidy.err"
eq "privca tidy deletes the two expired ones" "$(cat "$T/tidy.out")" "deleted 2"
check "  the one-day certificate is gone" sh -c "! '$PRIVCA' show --dir '$DIR' $s1"
check "  the ten-day one too" sh -c "! '$PRIVCA' show --dir '$DIR' $s10"
check "  the revoked, unexpired one stays" present "$s40"
check "  the valid one stays" present "$s100"
eq "  a tidy event says how many" \
	"$(store_sql "SELECT actor || ': ' || detail FROM events WHERE kind = 'tidy'")" \
	"cli: deleted 2 certificates that expired before $(day '+19 days')T00:00:00Z"
eq "  the deleted ones' events went with them" \
	"$(store_sql "SELECT count(*) FROM events WHERE serial IN ('$s1', '$s10')")" 0

check "serve 20 days on" serve_at +20d
check "  the CRL still lists the revoked certificate" sh -c \
	"curl -sf -o '$T/crl.der' '$BASE/crl' && openssl crl -inform DER -in '$T/crl.der' -noout -text | tr 'A-F' 'a-f' | grep -q '$s40'"
check "  the API still answers it as revoked" sh -c \
	"curl -sf '$BASE/api/v1/certificates/$s40' | grep -q '\"status\": *\"revoked\"'"
check "  /metrics counts the tidied" sh -c \
	"curl -sf '$BASE/metrics' | grep -qx 'privca_certificates_tidied_total 2'"
stop_server

# The background tidy: retain_expired_days = 5 in privca.conf. Sixty days
# on, the forty-day certificate (revoked) has been expired for 20 days.
printf 'retain_expired_days = 5\n' >>"$DIR/privca.conf"
check "serve 60 days on with retain_expired_days = 5" serve_at +60d
for _ in $(seq 1 100); do
	curl -sf "$BASE/metrics" | grep -qx 'privca_certificates_tidied_total 3' && break
	sleep 0.1
done
check "  the background tidy deletes it" sh -c \
	"curl -sf '$BASE/metrics' | grep -qx 'privca_certificates_tidied_total 3'"
check "  the valid one stays" sh -c "curl -sf -o /dev/null '$BASE/api/v1/certificates/$s100'"
eq "  recorded as the retention's event" \
	"$(store_sql "SELECT count(*) FROM events WHERE kind = 'tidy' AND actor = 'retention'")" 1
stop_server

# A tidy while the service issues (SQLite: the CLI and the service take
# turns at the write lock). 5,000 expired copies of a real certificate, so
# the tidy takes several steps, and 50 valid ones; `privca tidy` runs while
# a client issues over HTTP: it finishes and reports its count, every
# issuance meanwhile is a 201, and nothing valid is gone.
if [ "${PRIVCA_TEST_STORE:-sqlite}" = sqlite ]; then
	DIR=$T/busy
	check "a second CA for the concurrent tidy" new_ca "$DIR"
	tok=$(token busy --allow "*.busy.example.internal")
	csr "$T/busy.csr" "one.busy.example.internal" "DNS:one.busy.example.internal"
	"$PRIVCA" sign --dir "$DIR" --csr "$T/busy.csr" >/dev/null 2>>"$T/cli.err"
	# Copy i: expired ten days ago for i <= 5000, valid for a year after.
	sqlite3 "$DIR/privca.db" <<'SQL'
BEGIN;
CREATE TEMP TABLE seed AS SELECT * FROM certificates LIMIT 1;
INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, not_after,
	profile, requester, fingerprint_sha256, der, status, revoked_at, revocation_reason,
	created_at)
SELECT printf('%032x', 4096 + i), 'CN=c' || i || '.busy.example.internal',
	'c' || i || '.busy.example.internal', '', now - 86400 * 30,
	CASE WHEN i <= 5000 THEN now - 86400 * 10 ELSE now + 86400 * 365 END,
	'server', 'seeded', s.fingerprint_sha256, s.der,
	CASE WHEN i % 7 = 0 THEN 'revoked' ELSE 'valid' END,
	CASE WHEN i % 7 = 0 THEN now - 86400 * 20 END, CASE WHEN i % 7 = 0 THEN 1 END,
	now - 86400 * 30
FROM (WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 5050)
	SELECT i, CAST(strftime('%s', 'now') AS INTEGER) AS now FROM seq), seed AS s;
INSERT INTO events (at, kind, serial, actor, detail)
	SELECT created_at, 'issue', serial, requester, '' FROM certificates WHERE requester = 'seeded';
COMMIT;
SQL
	valid_before=$(sqlite3 "$DIR/privca.db" \
		"SELECT serial FROM certificates WHERE not_after >= strftime('%s', 'now') ORDER BY serial")
	rows_before=$(sqlite3 "$DIR/privca.db" "SELECT count(*) FROM certificates")
	check "serve it" start_server "$DIR"
	: >"$T/codes"
	(
		while [ ! -e "$T/stop-issuing" ]; do
			curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
				-H "Authorization: Bearer $tok" -H 'Content-Type: application/x-pem-file' \
				--data-binary "@$T/busy.csr" "$BASE/api/v1/certificates" >>"$T/codes"
		done
	) &
	loop=$!
	PIDS+=("$loop")
	for _ in $(seq 1 100); do [ -s "$T/codes" ] && break; sleep 0.1; done
	rc=0
	timeout 300 "$PRIVCA" tidy --dir "$DIR" --expired-before "$(day '-1 day')" \
		>"$T/busy.out" 2>"$T/busy.err" || rc=$?
	during=$(wc -l <"$T/codes")
	touch "$T/stop-issuing"
	wait "$loop" 2>/dev/null || true
	eq "privca tidy beside an issuing service finishes (exit 0)" "$rc" 0
	eq "  and reports its count" "$(cat "$T/busy.out")" "deleted 5000"
	check "  issuances ran meanwhile ($during)" test "$during" -gt 0
	eq "  every issuance got 201" "$(sort -u "$T/codes")" 201
	after=$(sqlite3 "$DIR/privca.db" "SELECT serial FROM certificates ORDER BY serial")
	eq "  every valid certificate is still there" \
		"$(comm -23 <(echo "$valid_before") <(echo "$after") | wc -l)" 0
	eq "  and every one issued meanwhile" "$(echo "$after" | wc -l)" \
		"$((rows_before - 5000 + $(grep -c 201 "$T/codes")))"
	eq "  the expired copies and their events are gone" "$(sqlite3 "$DIR/privca.db" \
		"SELECT (SELECT count(*) FROM certificates WHERE requester = 'seeded' AND \
		not_after < strftime('%s', 'now')) + (SELECT count(*) FROM events e WHERE \
		e.kind = 'issue' AND e.actor = 'seeded' AND NOT EXISTS (SELECT 1 FROM \
		certificates c WHERE c.serial = e.serial))")" 0
	stop_server
fi

finish

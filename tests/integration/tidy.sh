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

finish

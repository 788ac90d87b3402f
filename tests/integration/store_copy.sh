#!/usr/bin/env bash
# privca store copy --to URL (issue 10, design section 12): a SQLite CA of
# 10,000 certificates (some issued over HTTP, the rest cloned into its
# database), copied into PostgreSQL (the ctest fixture's cluster,
# PRIVCA_PG_STATE), verified, and then the same API answers from
# PostgreSQL; a second copy into the same database is refused and changes
# nothing; a target that is not PostgreSQL is refused.
. "$(dirname "$0")/lib.sh"
unset PRIVCA_TEST_STORE

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"
TOK=$(token team --allow .copy.internal)
ADMIN=$(token admin --admin)
: >"$T/issued"
for i in $(seq 1 10); do
	csr "$T/r$i.csr" "host$i.copy.internal" "DNS:host$i.copy.internal"
	st=$(http "$T/iss" -H "Authorization: Bearer $TOK" -H "Accept: application/json" \
		-H "Content-Type: application/x-pem-file" --data-binary "@$T/r$i.csr" \
		"$BASE/api/v1/certificates")
	[ "$st" = 201 ] || bad "issue $i: $st"
	json "$T/iss.body" 'd["serial"]' >>"$T/issued"
done
for k in 1 2; do
	sn=$(sed -n "${k}p" "$T/issued")
	st=$(http "$T/rev" -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \
		--data-binary '{"reason": "superseded"}' "$BASE/api/v1/certificates/$sn/revoke")
	eq "revoke $sn" "$st" 200
done
stop_server TERM

# 9,990 more rows, clones of an issued one with their own serials, names and
# issue times (a CA that has grown for a while).
sqlite3 "$DIR/privca.db" <<'EOF'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9990)
INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, not_after,
	profile, requester, fingerprint_sha256, der, status, created_at)
SELECT printf('%032x', 1000000 + i), subject, 'bulk' || i || '.copy.internal', ip_addresses,
	not_before, not_after, profile, requester, fingerprint_sha256, der, 'valid',
	created_at - 100000 + i
FROM n, (SELECT * FROM certificates WHERE status = 'valid' AND requester = 'team' LIMIT 1);
EOF
eq "the SQLite CA holds 10,001 certificates" \
	"$(sqlite3 "$DIR/privca.db" 'SELECT count(*) FROM certificates')" 10001

# answers FILEPREFIX: what the API says, from the server at $BASE.
answers() {
	local p=$1 sn
	sn=$(sed -n 5p "$T/issued")
	http "$p.ca" "$BASE/api/v1/ca" >/dev/null
	json "$p.ca.body" 'd["counts"]' >"$p.counts"
	http "$p.l1" "$BASE/api/v1/certificates?limit=100" >/dev/null
	json "$p.l1.body" '[c["serial"] for c in d["items"]]' >"$p.page1"
	cur=$(json "$p.l1.body" 'd["next_cursor"]')
	http "$p.l2" "$BASE/api/v1/certificates?limit=100&cursor=$cur" >/dev/null
	json "$p.l2.body" '[c["serial"] for c in d["items"]]' >"$p.page2"
	http "$p.q" "$BASE/api/v1/certificates?q=BULK777" >/dev/null
	json "$p.q.body" 'sorted(c["serial"] for c in d["items"])' >"$p.search"
	http "$p.e" "$BASE/api/v1/certificates?sort=expires&limit=50" >/dev/null
	json "$p.e.body" '[c["serial"] for c in d["items"]]' >"$p.expires"
	http "$p.r" "$BASE/api/v1/certificates?status=revoked" >/dev/null
	json "$p.r.body" 'sorted(c["serial"] for c in d["items"])' >"$p.revoked"
	http "$p.one" "$BASE/certs/$sn.crt" >/dev/null
	cp "$p.one.body" "$p.pem"
	http "$p.crl" "$BASE/crl" >/dev/null
	openssl crl -inform DER -in "$p.crl.body" -noout -text | grep -i 'Serial Number' |
		sort >"$p.crlserials"
	openssl ocsp -no_nonce -issuer "$DIR/ca.pem" -serial "0x$(sed -n 1p "$T/issued")" \
		-url "$BASE/ocsp" -CAfile "$DIR/ca.pem" 2>&1 | grep '^0x' >"$p.ocsp"
}

start_server "$DIR"
answers "$T/sq"
stop_server TERM

pg_store_url || exit 1
URL=$PG_STORE_URL
"$PRIVCA" store copy --dir "$DIR" --to "$URL" >"$T/copy.out" 2>"$T/copy.err"
rc=$?
eq "store copy exits 0" "$rc" 0
check "  reports 10,001 certificates copied" grep -Eq '^certificates +10001 rows' "$T/copy.out"
check "  and 2 tokens" grep -Eq '^tokens +2 rows' "$T/copy.out"
check "  says what to put in privca.conf" grep -qxF "    store = $URL" "$T/copy.err"
eq "  PostgreSQL holds 10,001 certificates" \
	"$(psql -qAt "$URL" -c 'SELECT count(*) FROM certificates')" 10001

# As the message says: the store setting in privca.conf.
echo "store = $URL" >>"$DIR/privca.conf"
start_server "$DIR"
answers "$T/pg"
for a in counts page1 page2 search expires revoked pem crlserials ocsp; do
	check "from PostgreSQL the same $a as from SQLite" cmp -s "$T/sq.$a" "$T/pg.$a"
done
check "  the revoked one is revoked" grep -q ': revoked' "$T/pg.ocsp"
check "  the CRL is SQLite's, byte for byte (its file beside privca.db, copied)" \
	cmp -s "$T/sq.crl.body" "$T/pg.crl.body"
eq "  the search found 11 (bulk777, bulk7770..7779)" "$(json "$T/pg.q.body" 'len(d["items"])')" 11
csr "$T/new.csr" "new.copy.internal" "DNS:new.copy.internal"
st=$(http "$T/iss" -H "Authorization: Bearer $TOK" -H "Accept: application/json" \
	-H "Content-Type: application/x-pem-file" --data-binary "@$T/new.csr" \
	"$BASE/api/v1/certificates")
eq "  the copied token issues on PostgreSQL" "$st" 201
stop_server TERM

sed -i '$d' "$DIR/privca.conf" # back to the SQLite store, to copy it again
"$PRIVCA" store copy --dir "$DIR" --to "$URL" >"$T/again.out" 2>"$T/again.err" && rc=0 || rc=$?
eq "a second copy into the same database is refused" "$rc" 1
check "  saying it is not empty" grep -q "already holds" "$T/again.err"
eq "  and it changed nothing" "$(psql -qAt "$URL" -c 'SELECT count(*) FROM certificates')" 10002

"$PRIVCA" store copy --dir "$DIR" --to "$T/other.db" >/dev/null 2>"$T/notpg.err" && rc=0 || rc=$?
eq "a target that is not PostgreSQL is refused" "$rc" 1
check "  saying so" grep -q "PostgreSQL URL" "$T/notpg.err"

finish

#!/usr/bin/env bash
# A leaf never outlives its CA, and a CA outside its validity issues nothing
# (design section 3; issue 13 items 1 and 2). The clock is moved with
# libfaketime (Debian faketime), applied to the privca binary alone.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
check "init --days 1" new_ca "$DIR" --days 1

enddate() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }
ca_end=$(enddate "$DIR/ca.pem")
check "the service's TLS certificate ends no later than the CA" \
	test "$(enddate "$DIR/tls.pem")" -le "$ca_end"
check "  and verifies against it" openssl verify -x509_strict -CAfile "$DIR/ca.pem" "$DIR/tls.pem"

csr "$T/a.csr" a.example.internal "DNS:a.example.internal"
n0=$("$PRIVCA" list --dir "$DIR" | wc -l)
r=0
"$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr" >"$T/a.pem" 2>"$T/err" || r=$?
eq "sign with the default 397 days under a 1-day CA is refused (1)" "$r" 1
check "  naming the CA's end" grep -q "the CA's certificate ends at $(date -u -d "@$ca_end" +%FT%TZ)" "$T/err"
check "  and printing no certificate" test ! -s "$T/a.pem"
eq "  and recording nothing" "$("$PRIVCA" list --dir "$DIR" | wc -l)" "$n0"

# clamp_to_ca = yes: the leaf is cut to the CA's end and that is said.
clamped() { sqlite3 "$DIR/privca.db" "SELECT count(*) FROM events WHERE kind = 'issue-clamped'"; }
eq "init's TLS certificate was cut to the CA's end, and recorded so" "$(clamped)" 1
sed -i 's/^clamp_to_ca = no$/clamp_to_ca = yes/' "$DIR/privca.conf"
check "privca.conf has clamp_to_ca = yes" grep -qx 'clamp_to_ca = yes' "$DIR/privca.conf"
"$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr" >"$T/a.pem" 2>"$T/err"
eq "with clamp_to_ca the leaf ends with the CA" "$(enddate "$T/a.pem")" "$ca_end"
check "  and sign says it was shortened" grep -q "shortened to end with the CA" "$T/err"
check "  openssl verify -x509_strict accepts it" \
	openssl verify -x509_strict -CAfile "$DIR/ca.pem" "$T/a.pem"
check "  certtool accepts it" sh -c "certtool --verify --load-ca-certificate '$DIR/ca.pem' \
	--infile '$T/a.pem' | grep -q 'Chain verification output: Verified'"
eq "  the record says so (event issue-clamped)" "$(clamped)" 2
sed -i 's/^clamp_to_ca = yes$/clamp_to_ca = maybe/' "$DIR/privca.conf"
r=0
"$PRIVCA" list --dir "$DIR" >/dev/null 2>"$T/err" || r=$?
eq "clamp_to_ca = maybe is refused (1)" "$r" 1
check "  naming the setting" grep -q "clamp_to_ca must be yes or no" "$T/err"
sed -i 's/^clamp_to_ca = maybe$/clamp_to_ca = yes/' "$DIR/privca.conf"

# Over HTTP, in the CA's last day: issuance says it shortened the validity,
# the log and /metrics warn.
check "serve" start_server "$DIR"
tok=$(token team --allow .example.internal)
body=$(python3 -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read()}))' "$T/a.csr")
st=$(http "$T/i" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "$body" "$BASE/api/v1/certificates")
eq "JSON issuance in the CA's last day: 201" "$st" 201
eq "  validity_clamped is true" "$(json "$T/i.body" 'd["validity_clamped"]')" true
check "  with a Warning header" grep -qi '^Warning: 299 privca' "$T/i.hdr"
http "$T/m" "$BASE/metrics" >/dev/null
check "/metrics: privca_ca_expiring 1" grep -qx 'privca_ca_expiring 1' "$T/m.body"
check "/metrics: privca_ca_valid 1" grep -qx 'privca_ca_valid 1' "$T/m.body"
check "/metrics: privca_ca_not_after_seconds" grep -qx "privca_ca_not_after_seconds $ca_end" "$T/m.body"
check "the log warns that the CA expires" grep -q "WARNING: the CA's certificate expires at" "$T/server.log"
check "  and does not renew a TLS certificate that already ends with the CA" \
	sh -c "! grep -q 'renewed the TLS certificate' '$T/server.log'"
serial=$(json "$T/i.body" 'd["serial"]')
http "$T/crl0" "$BASE/crl" >/dev/null
crl0=$(sha256sum <"$T/crl0.body")
check "a CRL is served" openssl crl -inform DER -in "$T/crl0.body" -noout
stop_server

check "two days on, the expired CA still starts" serve_at +2d
check "  and says loudly why it issues nothing" grep -q "ERROR: the CA's certificate expired at" \
	"$T/server-+2d.log"
st=$(http "$T/h" "$BASE/healthz")
eq "  /healthz: 503" "$st" 503
check "  saying the CA expired" grep -q "expired at" "$T/h.body"
n1=$("$PRIVCA" list --dir "$DIR" | wc -l)
st=$(http "$T/x" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "$body" "$BASE/api/v1/certificates")
eq "  issuance: 503" "$st" 503
check "  a problem of type unavailable naming the dates" sh -c "
	grep -q 'urn:privca:error:unavailable' '$T/x.body' && grep -q 'expired at' '$T/x.body'"
eq "  nothing recorded" "$("$PRIVCA" list --dir "$DIR" | wc -l)" "$n1"
r=0
privca_at +2d sign --dir "$DIR" --csr "$T/a.csr" >/dev/null 2>"$T/err" || r=$?
eq "  privca sign: refused (1)" "$r" 1
check "  saying the CA expired" grep -q "expired at" "$T/err"
privca_at +2d revoke --dir "$DIR" "$serial" 2>/dev/null
sleep 1.5
st=$(http "$T/crl1" "$BASE/crl")
eq "  /crl still answers" "$st" 200
eq "  with the CRL signed while the CA was valid, not a new one" "$(sha256sum <"$T/crl1.body")" "$crl0"
ocsp_st=$(openssl ocsp -issuer "$DIR/ca.pem" -serial "0x$serial" -url "$BASE/ocsp" \
	-CAfile "$DIR/ca.pem" -no_nonce 2>&1 | head -n 3 || true)
check "  OCSP still answers" sh -c "printf %s '$ocsp_st' | grep -q '$serial\\|0x'"
http "$T/m" "$BASE/metrics" >/dev/null
check "  /metrics: privca_ca_valid 0" grep -qx 'privca_ca_valid 0' "$T/m.body"
check "  the server keeps serving" server_alive
stop_server

check "two days early, the CA is not yet valid" serve_at -2d
st=$(http "$T/h" "$BASE/healthz")
eq "  /healthz: 503" "$st" 503
check "  saying when it becomes valid" grep -q "not valid before" "$T/h.body"
stop_server

finish

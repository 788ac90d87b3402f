#!/usr/bin/env bash
# Name constraints in the CA certificate are enforced by the issue path
# before signing (design section 11), for privca sign and the HTTP API
# alike: a permitted name issues; outside and excluded names are refused
# with name-not-allowed and nothing is recorded. (The constraints are put
# into ca.pem here with openssl, re-signing it with ca.key; init --two-tier
# --permit/--exclude is what will write them.)
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
check "init" new_ca "$DIR"
printf '%s\n' 'basicConstraints=critical,CA:TRUE' 'keyUsage=critical,keyCertSign,cRLSign' \
	'subjectKeyIdentifier=hash' \
	'nameConstraints=critical,permitted;DNS:example.internal,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:secret.example.internal' \
	>"$T/nc.ext"
openssl x509 -in "$DIR/ca.pem" -signkey "$DIR/ca.key" -extfile "$T/nc.ext" -days 3650 \
	-out "$T/ca-nc.pem" 2>/dev/null
cp "$T/ca-nc.pem" "$DIR/ca.pem"
check "ca.pem now carries critical name constraints" \
	sh -c "openssl x509 -in '$DIR/ca.pem' -noout -text | grep -q 'X509v3 Name Constraints: critical'"

rc() {
	local r=0
	"$@" >"$T/out" 2>"$T/err" || r=$?
	echo "$r"
}
count() { "$PRIVCA" list --dir "$DIR" --status all 2>/dev/null | grep -c . || true; }

csr "$T/in.csr" in "DNS:host.example.internal,IP:10.1.2.3"
eq "a permitted name issues" "$(rc "$PRIVCA" sign --dir "$DIR" --csr "$T/in.csr")" 0
check "  and openssl verifies it under the constrained CA" \
	sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/out' >/dev/null"
n0=$(count)
for spec in "DNS:host.other.test" "DNS:db.secret.example.internal" "DNS:a.example.internal,IP:192.168.1.1" "DNS:*.example.internal"; do
	csr "$T/out.csr" x "$spec"
	eq "$spec: refused, 1" "$(rc "$PRIVCA" sign --dir "$DIR" --csr "$T/out.csr")" 1
	check "  name-not-allowed, naming the constraint" \
		sh -c "grep -q \"name constraints\" '$T/err' && grep -q '(name-not-allowed)' '$T/err'"
done
eq "nothing was recorded" "$(count)" "$n0"

check "serve" start_server "$DIR"
tok=$("$PRIVCA" token create ops --dir "$DIR" --admin 2>>"$T/cli.err")
csr "$T/h.csr" x "DNS:h.other.test"
st=$(http "$T/api" -H "Authorization: Bearer $tok" -H 'Content-Type: application/pkcs10' \
	--data-binary "@$T/h.csr" "$BASE/api/v1/certificates")
eq "the API refuses a name outside: 403" "$st" 403
check "  as name-not-allowed" grep -q 'name-not-allowed' "$T/api.body"
csr "$T/h2.csr" x "DNS:h.example.internal"
st=$(http "$T/api2" -H "Authorization: Bearer $tok" -H 'Content-Type: application/pkcs10' \
	--data-binary "@$T/h2.csr" "$BASE/api/v1/certificates")
eq "and issues a name inside: 201" "$st" 201
stop_server
eq "only that one was recorded" "$(count)" "$((n0 + 1))"
finish

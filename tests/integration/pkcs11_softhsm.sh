#!/usr/bin/env bash
# The CA key in a PKCS#11 token (design section 11), with SoftHSM2:
# init --pkcs11 generates it in the token and ca.key holds only a pkcs11:
# URI; sign, revoke, the CRL, OCSP and serve's issuance are all signed by
# the token's key; pkcs11-tool shows it sensitive and never extractable; a
# wrong PIN and a module that is not a module are one clear error each.
. "$(dirname "$0")/lib.sh"

MODULE=/usr/lib/softhsm/libsofthsm2.so
if [ ! -r "$MODULE" ] || ! command -v softhsm2-util >/dev/null; then
	say "SKIP: softhsm2 is not installed (scripts/deps test installs it)"
	exit 0
fi
export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label privca --pin 4321 --so-pin 8765 >/dev/null
printf '4321\n' >"$T/pin" && chmod 600 "$T/pin"
P11=(pkcs11-tool --module "$MODULE" --token-label privca --login --pin 4321)

rc() {
	local r=0
	"$@" >"$T/out" 2>"$T/err" || r=$?
	echo "$r"
}

# A module path that is not a module; a wrong PIN: refused, nothing made.
printf 'not a library\n' >"$T/fake.so"
eq "init --pkcs11 with a file that is not a module: 1" \
	"$(rc "$PRIVCA" init --dir "$T/none" --pkcs11 "$T/fake.so" --pkcs11-token privca \
		--pkcs11-pin-file "$T/pin")" 1
check "  naming it" grep -qF "'$T/fake.so' is not a PKCS#11 module" "$T/err"
eq "  in one line" "$(wc -l <"$T/err")" 1
check "  and nothing is made" test ! -e "$T/none/ca.key"
printf '0000\n' >"$T/badpin" && chmod 600 "$T/badpin"
eq "init --pkcs11 with a wrong PIN: 1" \
	"$(rc "$PRIVCA" init --dir "$T/none" --pkcs11 "$MODULE" --pkcs11-token privca \
		--pkcs11-pin-file "$T/badpin")" 1
check "  saying so" grep -qF "wrong PIN for PKCS#11 token 'privca'" "$T/err"
check "  and nothing is made" test ! -e "$T/none/ca.key"
eq "an Ed25519 key cannot be made in a token: 2" \
	"$(rc "$PRIVCA" init --dir "$T/none" --key-type ed25519 --pkcs11 "$MODULE" \
		--pkcs11-token privca --pkcs11-pin-file "$T/pin")" 2

DIR=$T/ca
check "init --pkcs11 --pkcs11-token --pkcs11-pin-file" new_ca "$DIR" --pkcs11 "$MODULE" \
	--pkcs11-token privca --pkcs11-pin-file "$T/pin"
check "ca.key holds only a pkcs11: URI" sh -c "[ \$(wc -l <'$DIR/ca.key') = 1 ] && grep -q '^pkcs11:token=privca;object=privca%20CA;id=%[0-9A-F][0-9A-F]' '$DIR/ca.key'"
check "  with the module and the PIN file" \
	grep -qF "?module-path=$MODULE&pin-source=file:$T/pin" "$DIR/ca.key"
check "  and no key" sh -c "! grep -q 'PRIVATE KEY' '$DIR/ca.key'"
id=$(sed -e 's/.*;id=//' -e 's/;.*//' -e 's/%//g' "$DIR/ca.key")
"${P11[@]}" --list-objects --type privkey --id "$id" >"$T/objs" 2>&1
check "pkcs11-tool: the token holds the private key" grep -q "Private Key Object; EC" "$T/objs"
check "  sensitive and never extractable" \
	grep -q "Access: *sensitive, always sensitive, never extractable" "$T/objs"
"${P11[@]}" --read-object --type pubkey --id "$id" -o "$T/tokpub.der" >/dev/null 2>&1
check "the CA certificate's key is the token's key" sh -c "[ \"\$(openssl pkey -pubin -inform DER -in '$T/tokpub.der' -pubout)\" = \"\$(openssl x509 -in '$DIR/ca.pem' -noout -pubkey)\" ]"
check "  and the CA certificate is self-signed by it" \
	sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$DIR/ca.pem' >/dev/null"

# CLI: sign and revoke, signed in the token; no PKCS#11 flags needed.
csr "$T/a.csr" a.example.internal "DNS:a.example.internal"
csr "$T/b.csr" b.example.internal "DNS:b.example.internal"
eq "sign" "$(rc "$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr")" 0
cp "$T/out" "$T/a.pem"
eq "sign another" "$(rc "$PRIVCA" sign --dir "$DIR" --csr "$T/b.csr")" 0
cp "$T/out" "$T/b.pem"
check "  they verify under ca.pem" sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/a.pem' '$T/b.pem' >/dev/null"
sa=$(openssl x509 -in "$T/a.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
eq "revoke" "$(rc "$PRIVCA" revoke --dir "$DIR" "$sa" --reason keyCompromise)" 0
eq "crl" "$(rc "$PRIVCA" crl --dir "$DIR" --pem)" 0
cp "$T/out" "$T/cli.crl"
check "  the CRL verifies under ca.pem and lists it" sh -c "openssl crl -in '$T/cli.crl' -CAfile '$DIR/ca.pem' -noout 2>&1 | grep -q 'verify OK' && openssl crl -in '$T/cli.crl' -noout -text | grep -qi 'Serial Number: $sa'"

# serve: issuance over HTTP, /crl and OCSP, all signed in the token.
check "serve" start_server "$DIR"
tok=$("$PRIVCA" token create ops --dir "$DIR" --admin 2>>"$T/cli.err")
csr "$T/c.csr" c.example.internal "DNS:c.example.internal"
st=$(http "$T/issue" -H "Authorization: Bearer $tok" -H 'Content-Type: application/pkcs10' \
	-H 'Accept: application/x-pem-file' --data-binary "@$T/c.csr" "$BASE/api/v1/certificates")
eq "POST /api/v1/certificates issues" "$st" 201
check "  a certificate that verifies under ca.pem" \
	sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/issue.body' >/dev/null"
curl -sSf --max-time 10 -o "$T/srv.crl" "$BASE/crl"
check "/crl verifies under ca.pem" sh -c "openssl crl -inform DER -in '$T/srv.crl' -CAfile '$DIR/ca.pem' -noout 2>&1 | grep -q 'verify OK'"
ocsp() {
	openssl ocsp -issuer "$DIR/ca.pem" -cert "$1" -url "$BASE/ocsp" -CAfile "$DIR/ca.pem" \
		-timeout 10 >"$T/ocsp" 2>&1 || true
}
ocsp "$T/a.pem"
check "OCSP: the revoked one is revoked, response verified" \
	sh -c "grep -q '^$T/a.pem: revoked' '$T/ocsp' && grep -q '^Response verify OK' '$T/ocsp'"
ocsp "$T/issue.body"
check "OCSP: the new one is good, response verified" \
	sh -c "grep -q ': good' '$T/ocsp' && grep -q '^Response verify OK' '$T/ocsp'"
check "the TLS listener answers with a certificate under ca.pem" \
	sh -c "curl -sSf --max-time 10 --cacert '$DIR/ca.pem' -o /dev/null '$SBASE/healthz'"
stop_server

# A wrong PIN at serve: one line, exit 1, quickly.
cp "$T/badpin" "$T/pin" # the PIN file ca.key names now holds a wrong PIN
start=$(date +%s%N)
eq "serve with a wrong PIN exits 1" \
	"$(rc "$PRIVCA" serve --dir "$DIR" --http 127.0.0.1:0 --https 127.0.0.1:0)" 1
ms=$((($(date +%s%N) - start) / 1000000))
check "  saying so" grep -qF "wrong PIN for PKCS#11 token 'privca' (from '$T/pin')" "$T/err"
eq "  in one line" "$(wc -l <"$T/err")" 1
check "  within 10 s (${ms} ms)" test "$ms" -lt 10000
check "the PIN is not in the server log" sh -c "! grep -q 4321 '$T/server.log'"
finish

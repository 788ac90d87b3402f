#!/usr/bin/env bash
# Two tiers (issue 9, design section 11) with real clients against a real
# `privca serve` on loopback, the root (root.pem) the only trust anchor:
#   - init --two-tier: root.key for the operator, serve refusing while it is
#     in DIR; the intermediate's extensions (CA pathLen 0, keyCertSign +
#     cRLSign, critical nameConstraints, CDP /root.crl, no OCSP URL);
#   - downloads: /ca.pem and /ca.crt the root, /issuer.pem|crt the
#     intermediate, /ca.p7b the chain (openssl pkcs7), /root.crl;
#   - issued leaves with their chain in every answer (JSON chain, PEM,
#     /certs/{serial}.chain.pem and .p7b), verified by openssl verify
#     -x509_strict and certtool --verify; AIA caIssuers /issuer.crt;
#   - the service's TLS chain (curl and openssl s_client trusting the root);
#   - CRL and OCSP signed by the intermediate: verify -crl_check_all with
#     the root CRL and the leaf CRL, openssl ocsp good then revoked;
#   - name constraints: openssl refuses a leaf forged outside them;
#   - intermediate renew and root crl with --root-key, bad root keys refused
#     and nothing changed; a leaf from before the renewal still verifies.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
OFF=$T/offline
mkdir -p "$OFF"
chmod 700 "$OFF"

# ---- init ---------------------------------------------------------------------

# A hostname outside the constraints: refused, nothing written.
st=0
"$PRIVCA" init --dir "$T/bad" --two-tier --permit example.internal \
	--hostname ca.other.test >"$T/bad.out" 2>"$T/bad.err" || st=$?
eq "init refuses a --hostname outside --permit (usage error)" "$st" 2
check "  the message names the hostname" grep -q "ca.other.test" "$T/bad.err"
check "  and nothing is left" test ! -e "$T/bad"
st=0
"$PRIVCA" init --dir "$T/bad" --permit example.internal >"$T/bad.out" 2>"$T/bad.err" || st=$?
eq "init refuses name constraints on a one-tier CA" "$st" 2
check "  nothing is left" test ! -e "$T/bad"
st=0
"$PRIVCA" init --dir "$T/bad" --two-tier --permit '*.example.internal' \
	>"$T/bad.out" 2>"$T/bad.err" || st=$?
eq "init refuses a wildcard constraint" "$st" 2

new_ca "$DIR" --two-tier --root-subject "CN=Hier Test Root,O=privca tests" \
	--subject "CN=Hier Test Issuing CA,O=privca tests" \
	--permit example.internal --permit localhost --permit 127.0.0.0/8 \
	--exclude secret.example.internal --hostname ca.example.internal
for f in root.key root.pem root.crl ca.key ca.pem tls.key tls.pem; do
	check "init --two-tier wrote $f" test -s "$DIR/$f"
done
eq "root.key is 0600" "$(stat -c %a "$DIR/root.key")" 600
check "init tells the operator to take root.key offline" grep -q "root.key" "$T/init.err"
openssl x509 -in "$DIR/ca.pem" -noout -text >"$T/int.txt"
check "intermediate: basicConstraints critical CA:TRUE, pathlen:0" \
	grep -A1 -q "Basic Constraints: critical" "$T/int.txt"
check "  pathlen 0" grep -q "CA:TRUE, pathlen:0" "$T/int.txt"
check "  keyUsage critical with Certificate Sign, CRL Sign" \
	bash -c "grep -A1 'Key Usage: critical' '$T/int.txt' | grep -q 'Certificate Sign, CRL Sign'"
check "  nameConstraints critical" grep -q "Name Constraints: critical" "$T/int.txt"
check "  permits DNS:example.internal" grep -q "DNS:example.internal" "$T/int.txt"
check "  excludes DNS:secret.example.internal" grep -q "DNS:secret.example.internal" "$T/int.txt"
check "  CDP is BASE/root.crl" grep -q "URI:http://127.0.0.1:8080/root.crl" "$T/int.txt"
check "  no OCSP URL (the root is offline)" bash -c "! grep -q 'OCSP - URI' '$T/int.txt'"
check "the intermediate verifies under the root alone (-x509_strict)" \
	openssl verify -x509_strict -CAfile "$DIR/root.pem" "$DIR/ca.pem"
eq "the root is self-signed: subject = issuer" \
	"$(openssl x509 -in "$DIR/root.pem" -noout -subject | sed 's/^subject=//')" \
	"$(openssl x509 -in "$DIR/root.pem" -noout -issuer | sed 's/^issuer=//')"
# tls.pem: the service's certificate, then the intermediate.
eq "tls.pem holds two certificates" "$(grep -c 'BEGIN CERTIFICATE' "$DIR/tls.pem")" 2
openssl x509 -in "$DIR/tls.pem" -noout -ext subjectAltName >"$T/tls.san"
check "tls.pem names ca.example.internal" grep -q "DNS:ca.example.internal" "$T/tls.san"
check "  and 127.0.0.1 (permitted)" grep -q "IP Address:127.0.0.1" "$T/tls.san"
check "  but not ::1 (outside the constraints)" bash -c "! grep -q '::1' '$T/tls.san'"

# ---- serve refuses while root.key is here -------------------------------------

st=0
timeout 20 "$PRIVCA" serve --dir "$DIR" --http "127.0.0.1:$(free_port)" --https "" \
	>"$T/serve1.out" 2>"$T/serve1.err" || st=$?
eq "serve refuses to start while root.key is in DIR" "$st" 1
check "  saying so" grep -q "root.key" "$T/serve1.err"
mv "$DIR/root.key" "$OFF/root.key"

start_server "$DIR"

# ---- downloads ----------------------------------------------------------------

st=$(http "$T/capem" "$BASE/ca.pem")
eq "GET /ca.pem: 200" "$st" 200
check "/ca.pem is the root" cmp "$T/capem.body" "$DIR/root.pem"
openssl x509 -in "$DIR/root.pem" -outform DER -out "$T/root.der"
http "$T/cacrt" "$BASE/ca.crt" >/dev/null
check "/ca.crt is the root, DER" cmp "$T/cacrt.body" "$T/root.der"
http "$T/ipem" "$BASE/issuer.pem" >/dev/null
check "/issuer.pem is the intermediate" cmp "$T/ipem.body" "$DIR/ca.pem"
st=$(http "$T/icrt" "$BASE/issuer.crt")
eq "GET /issuer.crt: 200 application/pkix-cert" "$st $(header "$T/icrt.hdr" Content-Type)" \
	"200 application/pkix-cert"
check "/issuer.crt is the intermediate, DER" \
	bash -c "openssl x509 -in '$DIR/ca.pem' -outform DER | cmp - '$T/icrt.body'"
http "$T/p7b" "$BASE/ca.p7b" >/dev/null
openssl pkcs7 -inform DER -in "$T/p7b.body" -print_certs -out "$T/p7b.pem" 2>>"$T/check.log"
eq "/ca.p7b holds the chain (openssl pkcs7)" "$(grep -c 'BEGIN CERTIFICATE' "$T/p7b.pem")" 2
check "  the intermediate first, then the root" bash -c \
	"cat '$DIR/ca.pem' '$DIR/root.pem' | diff -q <(grep -v '^subject\|^issuer\|^$' '$T/p7b.pem') -"
st=$(http "$T/rcrl" "$BASE/root.crl")
eq "GET /root.crl: 200 application/pkix-crl" "$st $(header "$T/rcrl.hdr" Content-Type)" \
	"200 application/pkix-crl"
check "/root.crl verifies with the root" \
	openssl crl -inform DER -in "$T/rcrl.body" -CAfile "$DIR/root.pem" -noout
http "$T/apica" "$BASE/api/v1/ca" >/dev/null
eq "/api/v1/ca lists the chain (issuer, root)" \
	"$(json "$T/apica.body" '[c["subject"] for c in d["chain"]]')" \
	'["CN=Hier Test Issuing CA,O=privca tests", "CN=Hier Test Root,O=privca tests"]'
eq "  the root's fingerprint last" "$(json "$T/apica.body" 'd["chain"][-1]["fingerprint_sha256"]')" \
	"$(openssl x509 -in "$DIR/root.pem" -outform DER | sha256sum | cut -d' ' -f1)"
http "$T/home" "$BASE/" >/dev/null
check "the home page shows the root" grep -q "Hier Test Root" "$T/home.body"
check "  and the intermediate" grep -q "Issuing intermediate" "$T/home.body"

# ---- the service's own TLS chain ----------------------------------------------

st=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$DIR/root.pem" "$SBASE/healthz" \
	2>>"$T/check.log" || true)
eq "curl trusting only the root reaches the HTTPS listener" "$st" 200
echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername localhost \
	-CAfile "$DIR/root.pem" -x509_strict -verify_return_error >"$T/sclient.out" 2>&1 || true
check "openssl s_client -x509_strict: verify return code 0" \
	grep -q "Verify return code: 0 (ok)" "$T/sclient.out"

# ---- issuance with chains -----------------------------------------------------

ADMIN=$(token admin --admin)
csr "$T/a.csr" a.example.internal "DNS:a.example.internal"
st=$(http "$T/a" -H "Authorization: Bearer $ADMIN" -H "Accept: application/json" \
	-H "Content-Type: application/x-pem-file" --data-binary "@$T/a.csr" \
	"$BASE/api/v1/certificates")
eq "issue a.example.internal: 201" "$st" 201
json "$T/a.body" 'd["certificate"]' >"$T/a.pem"
SERIAL=$(json "$T/a.body" 'd["serial"]')
eq "the JSON chain runs up to the root (2 entries)" "$(json "$T/a.body" 'len(d["chain"])')" 2
json "$T/a.body" 'd["chain"][0]' >"$T/a.chain0"
json "$T/a.body" 'd["chain"][1]' >"$T/a.chain1"
check "  chain[0] is the intermediate" cmp "$T/a.chain0" "$DIR/ca.pem"
check "  chain[1] is the root" cmp "$T/a.chain1" "$DIR/root.pem"
check "openssl verify -x509_strict, root the only anchor, intermediate untrusted" \
	openssl verify -x509_strict -CAfile "$DIR/root.pem" -untrusted "$DIR/ca.pem" "$T/a.pem"
check "openssl verify fails without the intermediate" \
	bash -c "! openssl verify -x509_strict -CAfile '$DIR/root.pem' '$T/a.pem'"
cat "$T/a.pem" "$DIR/ca.pem" >"$T/a.bundle"
check "certtool --verify with the chain, the root the only CA" \
	certtool --verify --load-ca-certificate "$DIR/root.pem" --infile "$T/a.bundle"
openssl x509 -in "$T/a.pem" -noout -ext authorityInfoAccess >"$T/a.aia"
check "the leaf's AIA caIssuers is BASE/issuer.crt" \
	grep -q "CA Issuers - URI:http://127.0.0.1:8080/issuer.crt" "$T/a.aia"
check "  and OCSP BASE/ocsp" grep -q "OCSP - URI:http://127.0.0.1:8080/ocsp" "$T/a.aia"
eq "the leaf's issuer is the intermediate" \
	"$(openssl x509 -in "$T/a.pem" -noout -issuer | sed 's/^issuer=//')" \
	"O = privca tests, CN = Hier Test Issuing CA"

csr "$T/b.csr" b.example.internal "DNS:b.example.internal"
st=$(http "$T/b" -H "Authorization: Bearer $ADMIN" -H "Accept: application/x-pem-file" \
	-H "Content-Type: application/x-pem-file" --data-binary "@$T/b.csr" \
	"$BASE/api/v1/certificates")
eq "issue as PEM: 201" "$st" 201
eq "  leaf, intermediate, root" "$(grep -c 'BEGIN CERTIFICATE' "$T/b.body")" 3
check "  verifies as a bundle (certtool)" \
	certtool --verify --load-ca-certificate "$DIR/root.pem" --infile "$T/b.body"

http "$T/chain" "$BASE/certs/$SERIAL.chain.pem" >/dev/null
eq "/certs/{serial}.chain.pem: leaf, intermediate, root" \
	"$(grep -c 'BEGIN CERTIFICATE' "$T/chain.body")" 3
http "$T/cp7" "$BASE/certs/$SERIAL.p7b" >/dev/null
openssl pkcs7 -inform DER -in "$T/cp7.body" -print_certs -out "$T/cp7.pem" 2>>"$T/check.log"
eq "/certs/{serial}.p7b: leaf, intermediate, root (openssl pkcs7)" \
	"$(grep -c 'BEGIN CERTIFICATE' "$T/cp7.pem")" 3

# ---- CRL and OCSP from the intermediate ---------------------------------------

crls() {
	curl -sf "$BASE/crl" | openssl crl -inform DER >"$T/leaf.crl.pem"
	curl -sf "$BASE/root.crl" | openssl crl -inform DER >"$T/root.crl.pem"
	cat "$T/leaf.crl.pem" "$T/root.crl.pem" >"$T/crls.pem"
}
crls
check "the leaf CRL is signed by the intermediate" \
	openssl crl -in "$T/leaf.crl.pem" -CAfile "$DIR/ca.pem" -noout
check "openssl verify -crl_check_all with the root and leaf CRLs: OK" \
	openssl verify -x509_strict -crl_check_all -CAfile "$DIR/root.pem" \
	-untrusted "$DIR/ca.pem" -CRLfile "$T/crls.pem" "$T/a.pem"
ocsp() {
	openssl ocsp -issuer "$DIR/ca.pem" -cert "$T/a.pem" -url "$BASE/ocsp" \
		-CAfile "$DIR/root.pem" -timeout 10 >"$T/ocsp.out" 2>&1 || true
}
ocsp
check "openssl ocsp: good, the response verifies under the root" \
	bash -c "grep -q '$T/a.pem: good' '$T/ocsp.out' && grep -q 'Response verify OK' '$T/ocsp.out'"
st=$(http "$T/rev" -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \
	--data-binary '{"reason": "keyCompromise"}' "$BASE/api/v1/certificates/$SERIAL/revoke")
eq "revoke a.example.internal: 200" "$st" 200
sleep 0.3
crls
openssl verify -x509_strict -crl_check_all -CAfile "$DIR/root.pem" -untrusted "$DIR/ca.pem" \
	-CRLfile "$T/crls.pem" "$T/a.pem" >"$T/verify.rev" 2>&1 || true
check "openssl verify -crl_check_all: certificate revoked" \
	grep -q "certificate revoked" "$T/verify.rev"
ocsp
check "openssl ocsp: revoked, the response verifies under the root" \
	bash -c "grep -q '$T/a.pem: revoked' '$T/ocsp.out' && grep -q 'Response verify OK' '$T/ocsp.out'"

# ---- name constraints, as a verifier sees them --------------------------------

# Forge leaves with the intermediate's key (as if its signer issued them) and
# let openssl judge: the extension privca wrote is what refuses them.
forge() {
	local name=$1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/forge.key" -subj "/CN=$name" -out "$T/forge.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\n' "$name" >"$T/forge.ext"
	openssl x509 -req -in "$T/forge.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" \
		-CAcreateserial -days 30 -extfile "$T/forge.ext" -out "$T/forge.pem" 2>/dev/null
}
forge ok.example.internal
check "a forged leaf inside the constraints verifies" \
	openssl verify -x509_strict -CAfile "$DIR/root.pem" -untrusted "$DIR/ca.pem" "$T/forge.pem"
forge www.other.test
openssl verify -x509_strict -CAfile "$DIR/root.pem" -untrusted "$DIR/ca.pem" "$T/forge.pem" \
	>"$T/forge.out" 2>&1 || true
check "openssl refuses a forged leaf outside the permitted names" \
	grep -q "permitted subtree violation" "$T/forge.out"
forge db.secret.example.internal
openssl verify -x509_strict -CAfile "$DIR/root.pem" -untrusted "$DIR/ca.pem" "$T/forge.pem" \
	>"$T/forge.out" 2>&1 || true
check "openssl refuses a forged leaf under an excluded name" \
	grep -q "excluded subtree violation" "$T/forge.out"

# ---- root crl and intermediate renew with the offline key ---------------------

before=$(openssl crl -inform DER -in "$DIR/root.crl" -noout -crlnumber)
sleep 1 # cRLNumber is the time in seconds
check "privca root crl --root-key signs a new root CRL" \
	"$PRIVCA" root crl --dir "$DIR" --root-key "$OFF/root.key"
after=$(openssl crl -inform DER -in "$DIR/root.crl" -noout -crlnumber)
check "  its cRLNumber grew" test "$((${after#crlNumber=}))" -gt "$((${before#crlNumber=}))"
http "$T/rcrl2" "$BASE/root.crl" >/dev/null
check "  the running service serves it at once" cmp "$T/rcrl2.body" "$DIR/root.crl"
check "  it verifies with the root" \
	openssl crl -inform DER -in "$T/rcrl2.body" -CAfile "$DIR/root.pem" -noout

cp "$DIR/ca.pem" "$T/ca.before"
cp "$DIR/root.crl" "$T/rootcrl.before"
st=0
"$PRIVCA" intermediate renew --dir "$DIR" --root-key "$DIR/ca.key" 2>"$T/renew.err" || st=$?
eq "intermediate renew with a key that is not the root's: refused (1)" "$st" 1
check "  the message says it is not the root's key" grep -q "is not the key of the root" "$T/renew.err"
check "  ca.pem is unchanged" cmp "$DIR/ca.pem" "$T/ca.before"
printf 'not a key\n' >"$OFF/junk.key"
chmod 600 "$OFF/junk.key"
st=0
"$PRIVCA" root crl --dir "$DIR" --root-key "$OFF/junk.key" 2>"$T/rcrl.err" || st=$?
eq "root crl with a corrupt key file: refused (1)" "$st" 1
check "  the message names the file" grep -q "junk.key" "$T/rcrl.err"
check "  root.crl is unchanged" cmp "$DIR/root.crl" "$T/rootcrl.before"
chmod 644 "$OFF/root.key"
st=0
"$PRIVCA" root crl --dir "$DIR" --root-key "$OFF/root.key" 2>"$T/rcrl.err" || st=$?
eq "root crl with a root key others can read: refused (1)" "$st" 1
chmod 600 "$OFF/root.key"

stop_server
cp "$T/b.body" "$T/b.old" # leaf b, issued under the old intermediate certificate
check "privca intermediate renew --root-key" \
	"$PRIVCA" intermediate renew --dir "$DIR" --root-key "$OFF/root.key" --days 1000
check "  ca.pem changed" bash -c "! cmp -s '$DIR/ca.pem' '$T/ca.before'"
eq "  same subject" "$(openssl x509 -in "$DIR/ca.pem" -noout -subject)" \
	"$(openssl x509 -in "$T/ca.before" -noout -subject)"
eq "  same key" "$(openssl x509 -in "$DIR/ca.pem" -noout -pubkey)" \
	"$(openssl x509 -in "$T/ca.before" -noout -pubkey)"
check "  keeps the name constraints" bash -c \
	"openssl x509 -in '$DIR/ca.pem' -noout -text | grep -q 'Name Constraints: critical'"
check "  verifies under the root" openssl verify -x509_strict -CAfile "$DIR/root.pem" "$DIR/ca.pem"
openssl x509 -in "$T/b.old" -out "$T/b.leaf"
check "a leaf issued before the renewal verifies with the new intermediate" \
	openssl verify -x509_strict -CAfile "$DIR/root.pem" -untrusted "$DIR/ca.pem" "$T/b.leaf"
start_server "$DIR"
http "$T/ipem2" "$BASE/issuer.pem" >/dev/null
check "after a restart /issuer.pem is the renewed intermediate" cmp "$T/ipem2.body" "$DIR/ca.pem"
csr "$T/c.csr" c.example.internal "DNS:c.example.internal"
http "$T/c" -H "Authorization: Bearer $ADMIN" -H "Accept: application/x-pem-file" \
	-H "Content-Type: application/x-pem-file" --data-binary "@$T/c.csr" \
	"$BASE/api/v1/certificates" >/dev/null
check "a new leaf verifies with only the root trusted (certtool)" \
	certtool --verify --load-ca-certificate "$DIR/root.pem" --infile "$T/c.body"
stop_server

finish

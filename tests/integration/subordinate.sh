#!/usr/bin/env bash
# privca under an existing enterprise root (issue 9, design section 11): the
# test plays the enterprise root (AD CS) with `openssl ca` and a config:
#   - init --subordinate writes ca.key and ca.csr (a CA request that openssl
#     ca -extensions signs), serve refuses until install-ca;
#   - install-ca refuses, with one clear message and nothing changed in DIR:
#     a certificate for another key, a non-CA certificate, a chain that does
#     not lead to a root, a forged chain (same names, another key), an
#     expired certificate, garbage and truncated files;
#   - install-ca takes the .p7b with chain as AD CS gives it (certnew.p7b),
#     and DER plus a PEM chain under a three-level hierarchy;
#   - the leaves verify with the enterprise root as the only anchor (openssl
#     verify -x509_strict, certtool), /ca.pem is that root, TLS chains to it.
. "$(dirname "$0")/lib.sh"

DIR=$T/sub
ER=$T/eroot
mkdir -p "$ER/certs"
: >"$ER/index.txt"
echo 1000 >"$ER/serial"

# ---- the enterprise root (the test's AD CS) ------------------------------------

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ER/root.key" -out "$ER/root.pem" \
	-days 3650 -subj "/DC=internal/DC=example/CN=Example Enterprise Root CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cat >"$ER/ca.cnf" <<EOF
[ca]
default_ca = root
[root]
dir = $ER
database = \$dir/index.txt
new_certs_dir = \$dir/certs
serial = \$dir/serial
certificate = \$dir/root.pem
private_key = \$dir/root.key
default_md = sha256
default_days = 1825
policy = any
copy_extensions = copy
unique_subject = no
preserve = yes
[any]
commonName = supplied
organizationName = optional
domainComponent = optional
# What AD CS's "Subordinate Certification Authority" template writes.
[v3_subca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://pki.example.internal/root.crl
authorityInfoAccess = caIssuers;URI:http://pki.example.internal/root.crt
# A policy CA between the root and privca (three levels).
[v3_policy]
basicConstraints = critical,CA:TRUE,pathlen:1
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# A mistake: the request signed with a web server template.
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
EOF
# sign CSR OUT EXTENSIONS [openssl ca options...]: the enterprise root signs.
sign() {
	local csr=$1 out=$2 ext=$3
	shift 3
	openssl ca -batch -config "$ER/ca.cnf" -extensions "$ext" -in "$csr" -out "$out" \
		-notext "$@" 2>>"$T/openssl-ca.log"
}

# ---- init --subordinate -------------------------------------------------------

st=0
"$PRIVCA" init --dir "$T/bad" --subordinate --hostname x.example.internal \
	>"$T/bad.out" 2>"$T/bad.err" || st=$?
eq "init --subordinate with --hostname: usage error (it goes to install-ca)" "$st" 2
new_ca "$DIR" --subordinate --subject "CN=Example privca Issuing CA,O=Example" \
	--permit example.internal --permit localhost --permit 127.0.0.0/8
check "init --subordinate wrote ca.key" test -s "$DIR/ca.key"
check "  and ca.csr" test -s "$DIR/ca.csr"
check "  but no ca.pem" test ! -e "$DIR/ca.pem"
check "  nor tls.pem" test ! -e "$DIR/tls.pem"
check "  and says what to do next" grep -q "install-ca" "$T/init.err"
check "ca.csr's self-signature verifies (openssl req -verify)" \
	openssl req -in "$DIR/ca.csr" -noout -verify
openssl req -in "$DIR/ca.csr" -noout -text >"$T/csr.txt"
check "ca.csr asks for CA:TRUE" grep -q "CA:TRUE" "$T/csr.txt"
check "  with keyCertSign" grep -q "Certificate Sign" "$T/csr.txt"
check "  and the name constraints" grep -q "DNS:example.internal" "$T/csr.txt"
check "  for ca.key" bash -c "diff <(openssl req -in '$DIR/ca.csr' -noout -pubkey) \
	<(openssl pkey -in '$DIR/ca.key' -pubout)"
st=0
timeout 20 "$PRIVCA" serve --dir "$DIR" --http "127.0.0.1:$(free_port)" --https "" \
	>"$T/serve.out" 2>"$T/serve.err" || st=$?
eq "serve refuses a subordinate that is not installed" "$st" 1
check "  saying to run install-ca" grep -q "install-ca" "$T/serve.err"

# ---- bad input: one clear error, nothing changes ------------------------------

snapshot() { (cd "$DIR" && ls -la --time-style=+ | sed 1d && sha256sum ./*); }
snapshot >"$T/before"
# refused DESCRIPTION GREP-PATTERN install-ca-args...
refused() {
	local what=$1 pat=$2 st=0
	shift 2
	"$PRIVCA" install-ca --dir "$DIR" "$@" >"$T/inst.out" 2>"$T/inst.err" || st=$?
	if [ "$st" = 1 ] && grep -q -- "$pat" "$T/inst.err" &&
		[ "$(wc -l <"$T/inst.err")" = 1 ] && snapshot | cmp -s - "$T/before"; then
		ok "install-ca refuses $what"
	else
		bad "install-ca $what: exit $st, $(cat "$T/inst.err")"
	fi
}

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" \
	-subj "/CN=Someone else CA" -out "$T/other.csr" 2>/dev/null
sign "$T/other.csr" "$T/other.pem" v3_subca
refused "a certificate for another key" "is not a certificate for" \
	--cert "$T/other.pem" --chain "$ER/root.pem"

sign "$DIR/ca.csr" "$T/server.pem" v3_server
refused "a certificate that is not a CA" "is not a CA certificate" \
	--cert "$T/server.pem" --chain "$ER/root.pem"

sign "$DIR/ca.csr" "$T/sub.pem" v3_subca
refused "a chain that does not lead to a root (no --chain)" "does not lead to a root" \
	--cert "$T/sub.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/stranger.key" \
	-out "$T/stranger.pem" -days 30 -subj "/CN=A stranger root" \
	-addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
refused "a chain with another root" "does not lead to a root" \
	--cert "$T/sub.pem" --chain "$T/stranger.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/forged.key" -out "$T/forged.pem" \
	-days 3650 -subj "/DC=internal/DC=example/CN=Example Enterprise Root CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
refused "a forged root (the same name, another key)" "does not verify" \
	--cert "$T/sub.pem" --chain "$T/forged.pem"

sign "$DIR/ca.csr" "$T/expired.pem" v3_subca -startdate 20200101000000Z -enddate 20210101000000Z
refused "an expired certificate" "expired at 2021-01-01" \
	--cert "$T/expired.pem" --chain "$ER/root.pem"

head -c 2000 /dev/urandom >"$T/garbage.cer"
refused "a file that holds no certificate" "garbage.cer" \
	--cert "$T/garbage.cer" --chain "$ER/root.pem"
head -c 400 "$T/sub.pem" >"$T/truncated.pem"
refused "a truncated PEM" "truncated.pem" --cert "$T/truncated.pem" --chain "$ER/root.pem"
refused "a missing file" "missing.pem" --cert "$T/missing.pem" --chain "$ER/root.pem"

# ---- the round trip, as AD CS hands it back (certnew.p7b) ---------------------

openssl crl2pkcs7 -nocrl -certfile "$T/sub.pem" -certfile "$ER/root.pem" -outform DER \
	-out "$T/certnew.p7b"
check "install-ca --cert certnew.p7b (PKCS#7 with the chain)" \
	"$PRIVCA" install-ca --dir "$DIR" --cert "$T/certnew.p7b" --hostname privca.example.internal
check "  ca.pem is the signed certificate" \
	bash -c "diff <(openssl x509 -in '$DIR/ca.pem') <(openssl x509 -in '$T/sub.pem')"
check "  root.pem is the enterprise root" \
	bash -c "diff <(openssl x509 -in '$DIR/root.pem') <(openssl x509 -in '$ER/root.pem')"
check "  tls.pem verifies under the root (-x509_strict)" \
	openssl verify -x509_strict -CAfile "$ER/root.pem" -untrusted "$DIR/ca.pem" "$DIR/tls.pem"
check "  tls.pem names privca.example.internal" bash -c \
	"openssl x509 -in '$DIR/tls.pem' -noout -ext subjectAltName | grep -q DNS:privca.example.internal"
st=0
"$PRIVCA" install-ca --dir "$DIR" --cert "$T/certnew.p7b" 2>"$T/again.err" || st=$?
eq "install-ca a second time: refused" "$st" 1
check "  saying it is installed" grep -q "installed already" "$T/again.err"

start_server "$DIR"
http "$T/capem" "$BASE/ca.pem" >/dev/null
check "/ca.pem is the enterprise root" \
	bash -c "diff <(openssl x509 -in '$T/capem.body') <(openssl x509 -in '$ER/root.pem')"
http "$T/ipem" "$BASE/issuer.pem" >/dev/null
check "/issuer.pem is privca's certificate" cmp "$T/ipem.body" "$DIR/ca.pem"
http "$T/p7b" "$BASE/ca.p7b" >/dev/null
eq "/ca.p7b holds the chain (openssl pkcs7)" \
	"$(openssl pkcs7 -inform DER -in "$T/p7b.body" -print_certs | grep -c 'BEGIN CERTIFICATE')" 2
st=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ER/root.pem" "$SBASE/healthz" \
	2>>"$T/check.log" || true)
eq "curl trusting only the enterprise root reaches the HTTPS listener" "$st" 200

ADMIN=$(token admin --admin)
csr "$T/a.csr" app.example.internal "DNS:app.example.internal"
st=$(http "$T/a" -H "Authorization: Bearer $ADMIN" -H "Accept: application/x-pem-file" \
	-H "Content-Type: application/x-pem-file" --data-binary "@$T/a.csr" \
	"$BASE/api/v1/certificates")
eq "issue app.example.internal: 201" "$st" 201
eq "  leaf, privca's CA, the root" "$(grep -c 'BEGIN CERTIFICATE' "$T/a.body")" 3
openssl x509 -in "$T/a.body" -out "$T/a.pem"
check "openssl verify -x509_strict, the enterprise root the only anchor" \
	openssl verify -x509_strict -CAfile "$ER/root.pem" -untrusted "$DIR/ca.pem" "$T/a.pem"
check "certtool --verify with the chain" \
	certtool --verify --load-ca-certificate "$ER/root.pem" --infile "$T/a.body"
curl -sf "$BASE/crl" | openssl crl -inform DER >"$T/leaf.crl" 2>>"$T/check.log"
check "openssl verify -crl_check with privca's CRL" \
	openssl verify -x509_strict -crl_check -CAfile "$ER/root.pem" -untrusted "$DIR/ca.pem" \
	-CRLfile "$T/leaf.crl" "$T/a.pem"
openssl ocsp -issuer "$DIR/ca.pem" -cert "$T/a.pem" -url "$BASE/ocsp" -CAfile "$ER/root.pem" \
	-timeout 10 >"$T/ocsp.out" 2>&1 || true
check "openssl ocsp: good, signed by privca's CA, verified under the root" \
	bash -c "grep -q ': good' '$T/ocsp.out' && grep -q 'Response verify OK' '$T/ocsp.out'"
st=$(http "$T/rc" "$BASE/root.crl")
eq "/root.crl: 404 (the enterprise root publishes its own)" "$st" 404
stop_server

# ---- three levels: DER certificate, PEM chain, constraints first --------------

D3=$T/sub3
new_ca "$D3" --subordinate --subject "CN=Example privca Team CA,O=Example" \
	--permit example.internal --permit localhost --permit 127.0.0.0/8
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/policy.key" \
	-subj "/DC=internal/DC=example/CN=Example Policy CA" -out "$T/policy.csr" 2>/dev/null
sign "$T/policy.csr" "$T/policy.pem" v3_policy
printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" \
	"keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" \
	"authorityKeyIdentifier=keyid" >"$T/team.ext"
# -copy_extensions puts the request's nameConstraints first, before
# basicConstraints: valid X.509 that wolfSSL 5.5.4's parser refuses.
openssl x509 -req -in "$D3/ca.csr" -CA "$T/policy.pem" -CAkey "$T/policy.key" \
	-CAcreateserial -days 1000 -copy_extensions copy -extfile "$T/team.ext" -outform DER \
	-out "$T/team.cer" 2>/dev/null
check "the policy CA's certificate carries the request's name constraints" bash -c \
	"openssl x509 -inform DER -in '$T/team.cer' -noout -text | grep -q 'Name Constraints: critical'"
cat "$T/policy.pem" "$ER/root.pem" >"$T/chain3.pem"
check "install-ca --cert DER --chain policy+root PEM" \
	"$PRIVCA" install-ca --dir "$D3" --cert "$T/team.cer" --chain "$T/chain3.pem"
check "  chain.pem holds the policy CA" \
	bash -c "diff <(openssl x509 -in '$D3/chain.pem') <(openssl x509 -in '$T/policy.pem')"
cat "$D3/ca.pem" "$D3/chain.pem" >"$T/untrusted3.pem"
check "  tls.pem verifies with two untrusted CAs and the root" \
	openssl verify -x509_strict -CAfile "$ER/root.pem" -untrusted "$T/untrusted3.pem" "$D3/tls.pem"
out=$("$PRIVCA" sign --dir "$D3" --csr "$T/a.csr" 2>>"$T/check.log")
printf '%s\n' "$out" >"$T/a3.pem"
check "a leaf of the three-level CA verifies (openssl, -x509_strict)" \
	openssl verify -x509_strict -CAfile "$ER/root.pem" -untrusted "$T/untrusted3.pem" "$T/a3.pem"

finish

#!/usr/bin/env bash
# What privca sign refuses, and what it must accept: every refused request
# says why, exits 1 and records nothing; Windows/Exchange requests and
# unusual subjects go through with their subject copied byte for byte.
. "$(dirname "$0")/lib.sh"

: "${PRIVCA_FIXTURES:?}"
F=$PRIVCA_FIXTURES
DIR=$T/ca
check "init" new_ca "$DIR"
count() { "$PRIVCA" list --dir "$DIR" | wc -l; }
before=$(count)

# refuse NAME FILE WANT-CODE WANT-TEXT [sign options...]
refuse() {
	local name=$1 file=$2 code=$3 text=$4 rc=0
	shift 4
	"$PRIVCA" sign --dir "$DIR" --csr "$file" "$@" >"$T/out.pem" 2>"$T/err" || rc=$?
	if [ "$rc" -ne 1 ]; then
		bad "$name: exit $rc, want 1"
	elif [ -s "$T/out.pem" ]; then
		bad "$name: printed a certificate"
	elif ! grep -q "($code)" "$T/err"; then
		bad "$name: want $code, got: $(cat "$T/err")"
	elif ! grep -qi -- "$text" "$T/err"; then
		bad "$name: message lacks '$text': $(cat "$T/err")"
	else
		ok "$name refused ($code): $(sed 's/^privca: sign: //' "$T/err")"
	fi
}

refuse "garbage" "$F/garbage.csr" bad-csr "not"
refuse "truncated DER" "$F/truncated.der" bad-csr "not"
refuse "trailing bytes" "$F/trailing.der" bad-csr ""
printf '' >"$T/empty.csr"
refuse "empty file" "$T/empty.csr" bad-csr ""
refuse "flipped signature byte (RSA)" "$F/flipped.csr" bad-signature "signature"
refuse "flipped signature byte (P-256)" "$F/flipped-p256.csr" bad-signature "signature"
refuse "tampered request info" "$F/tampered.csr" bad-signature "signature"
refuse "RSA signature algorithm on an EC key" "$F/mismatch.csr" bad-csr "cannot belong"
refuse "RSA-1024" "$F/rsa1024.csr" weak-key "1024"
refuse "RSA e=3" "$F/rsa-e3.csr" weak-key "exponent"
refuse "secp256k1" "$F/secp256k1.csr" weak-key "curve"
refuse "Ed448" "$F/ed448.csr" weak-key ""
refuse "SHA-1 RSA signature" "$F/sha1.csr" weak-key "SHA-1"
refuse "SHA-1 ECDSA signature" "$F/sha1-ecdsa.csr" weak-key "SHA-1"
refuse "bad DNS name (empty label)" "$F/p256.csr" bad-request "label" --san "a..example.internal"
refuse "bad DNS name (underscore)" "$F/p256.csr" bad-request "" --san "under_score.example"
refuse "U-label" "$F/p256.csr" bad-request "xn--" --san "bücher.example"
refuse "wildcard not leftmost" "$F/p256.csr" bad-request "" --san "a.*.example"
refuse "label over 63 octets" "$F/p256.csr" bad-request "63" \
	--san "$(printf 'a%.0s' $(seq 64)).example"
refuse "days over the maximum" "$F/p256.csr" bad-request "maximum of 825 days (--days)" --days 900
openssl req -new -key "$F/p256.key" -subj "/O=No Names/OU=ops" -out "$T/nonames.csr" 2>/dev/null
refuse "no names at all (no SAN, no CN)" "$T/nonames.csr" bad-request "name"
eq "nothing was recorded by refused requests" "$(count)" "$before"

# Accepted: Windows certreq / Exchange (NEW CERTIFICATE REQUEST header,
# Microsoft attributes), IDNA A-labels, P-521, SHA-512.
for good in windows p521 p256-sha512 email-san twocn; do
	if "$PRIVCA" sign --dir "$DIR" --csr "$F/$good.csr" >"$T/$good.pem" 2>"$T/err"; then
		check "$good: accepted and verifies" \
			sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/$good.pem' >/dev/null 2>&1"
	else
		bad "$good: refused: $(cat "$T/err")"
	fi
done
check "Windows header in the fixture" grep -q "BEGIN NEW CERTIFICATE REQUEST" "$F/windows.csr"
check "A-label accepted" sh -c "'$PRIVCA' sign --dir '$DIR' --csr '$F/p256.csr' \
	--san xn--bcher-kva.example >/dev/null 2>&1"

# Subjects copied byte for byte: a BMPString CN and special characters.
subject_hex() { # subject_hex FILE csr|cert: hex of the subject Name TLV
	python3 - "$1" "$2" <<'PY'
import base64, sys
data = open(sys.argv[1], "rb").read()
if b"-----BEGIN" in data:
    body = b"".join(l for l in data.splitlines() if l and not l.startswith(b"-----"))
    data = base64.b64decode(body)
def tlv(b, i):
    l = b[i + 1]; h = 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i + 2:i + 2 + n], "big"); h = 2 + n
    return i + h, l
def children(b, i):
    s, l = tlv(b, i); out = []; j = s
    while j < s + l:
        out.append(j); cs, cl = tlv(b, j); j = cs + cl
    return out
top = children(data, 0)[0]          # CertificationRequestInfo or TBSCertificate
kids = children(data, top)
if sys.argv[2].startswith("csr"):
    subj = kids[1]                   # version, subject
else:
    subj = kids[5]                   # [0]version, serial, sig, issuer, validity, subject
s, l = tlv(data, subj)
if sys.argv[2] != "csr-nocn":
    print(data[subj:s + l].hex())
    sys.exit(0)
# The Name without RDNs that hold a CN (2.5.4.3), re-wrapped.
CN = bytes.fromhex("0603550403")
rdns = b""
for r in children(data, subj):
    rs, rl = tlv(data, r)
    if CN not in data[r:rs + rl]:
        rdns += data[r:rs + rl]
n = len(rdns)
hdr = bytes([0x30, n]) if n < 128 else bytes([0x30, 0x81, n]) if n < 256 else bytes([0x30, 0x82]) + n.to_bytes(2, "big")
print((hdr + rdns).hex())
PY
}
# special: UTF8String with " , + < > ; \ # and trailing space, CN among the names.
"$PRIVCA" sign --dir "$DIR" --csr "$F/special.csr" --san special.example.test \
	--san base.example.test >"$T/special.pem" 2>"$T/err" || bad "special: $(cat "$T/err")"
eq "special characters: subject bytes equal the CSR's" "$(subject_hex "$T/special.pem" cert)" \
	"$(subject_hex "$F/special.csr" csr)"
# bmp: BMPString O and CN; the CN is no DNS name, so (design section 3) its
# RDN leaves the subject and every other RDN stays byte for byte.
"$PRIVCA" sign --dir "$DIR" --csr "$F/bmp.csr" >"$T/bmp.pem" 2>"$T/err" || bad "bmp: $(cat "$T/err")"
eq "BMPString: subject bytes equal the CSR's less the foreign CN" \
	"$(subject_hex "$T/bmp.pem" cert)" "$(subject_hex "$F/bmp.csr" csr-nocn)"
check "BMPString O kept as BMPString" sh -c "openssl x509 -in '$T/bmp.pem' -noout -subject \
	-nameopt RFC2253,show_type | grep -q 'O=BMPSTRING:Gr.C3.BC.C3.9Fe AG'"

# The key file: created 0600, refused when others can read it.
eq "ca.key is 0600" "$(stat -c %a "$DIR/ca.key")" 600
eq "tls.key is 0600" "$(stat -c %a "$DIR/tls.key")" 600
eq "privca.db is 0600" "$(stat -c %a "$DIR/privca.db")" 600
eq "its WAL is 0600" "$(stat -c %a "$DIR/privca.db-wal" 2>/dev/null || echo 600)" 600
chmod 640 "$DIR/ca.key"
rc=0
"$PRIVCA" list --dir "$DIR" >/dev/null 2>"$T/err" || rc=$?
eq "a group-readable ca.key is refused" "$rc" 1
check "and the message says chmod 600" grep -q "chmod 600" "$T/err"
chmod 600 "$DIR/ca.key"

# init refuses a directory that holds a CA.
rc=0
"$PRIVCA" init --dir "$DIR" >/dev/null 2>"$T/err" || rc=$?
eq "second init refused" "$rc" 1
check "second init says why" grep -q "already holds a CA" "$T/err"
rc=0
"$PRIVCA" sign >/dev/null 2>&1 || rc=$?
eq "usage error exits 2" "$rc" 2

finish

#!/usr/bin/env bash
# An encrypted ca.key (design section 11): init --encrypt-key writes PBES2
# PKCS#8 that openssl reads; serve and the signing commands unlock it with
# --key-pass-file or the systemd credential; a wrong, empty or missing
# passphrase is one clear message and exit 1, quickly; the passphrase is
# never on a command line or in the log.
. "$(dirname "$0")/lib.sh"

PASS='Tr0ub4dor & 3 horses'
printf '%s\n' "$PASS" >"$T/pass" # one trailing newline, stripped
chmod 600 "$T/pass"
DIR=$T/ca

# rc CMD...: exit code, stderr kept in $T/err.
rc() {
	local r=0
	"$@" >"$T/out" 2>"$T/err" || r=$?
	echo "$r"
}

eq "init --encrypt-key without --key-pass-file: usage error 2" \
	"$(rc "$PRIVCA" init --dir "$T/none" --encrypt-key)" 2
check "  and nothing is made" test ! -e "$T/none/ca.key"
: >"$T/empty" && chmod 600 "$T/empty"
eq "init --encrypt-key with an empty passphrase file: 2" \
	"$(rc "$PRIVCA" init --dir "$T/none" --encrypt-key --key-pass-file "$T/empty")" 2
check "  says it is empty" grep -q "is empty" "$T/err"
check "  and nothing is made" test ! -e "$T/none/ca.key"

check "init --encrypt-key --key-pass-file" new_ca "$DIR" --encrypt-key --key-pass-file "$T/pass"
check "ca.key is an ENCRYPTED PRIVATE KEY" grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$DIR/ca.key"
check "  with no plain key in it" sh -c "! grep -q 'BEGIN PRIVATE KEY' '$DIR/ca.key'"
check "openssl pkey -passin reads it" \
	sh -c "openssl pkey -in '$DIR/ca.key' -passin 'file:$T/pass' -noout"
check "  and refuses a wrong passphrase" \
	sh -c "! openssl pkey -in '$DIR/ca.key' -passin pass:wrong -noout 2>/dev/null"
openssl asn1parse -in "$DIR/ca.key" >"$T/asn1"
check "  PBES2, PBKDF2 with hmacWithSHA256, AES-256-CBC" \
	sh -c "grep -q PBES2 '$T/asn1' && grep -q hmacWithSHA256 '$T/asn1' && grep -q aes-256-cbc '$T/asn1'"
iter=$(awk '/PBKDF2/{f=1} f && /INTEGER/{sub(/.*:/, ""); print; exit}' "$T/asn1")
check "  600,000 iterations or more (0x$iter)" test "$((16#$iter))" -ge 600000
check "the CA certificate matches the key" sh -c "[ \"\$(openssl pkey -in '$DIR/ca.key' -passin 'file:$T/pass' -pubout)\" = \"\$(openssl x509 -in '$DIR/ca.pem' -noout -pubkey)\" ]"

# Signing commands take --key-pass-file.
csr "$T/a.csr" a.example.internal "DNS:a.example.internal"
eq "sign --key-pass-file" "$(rc "$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr" --key-pass-file "$T/pass")" 0
cp "$T/out" "$T/a.pem"
check "  the certificate verifies under ca.pem" \
	sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/a.pem' >/dev/null"
serial=$(openssl x509 -in "$T/a.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
eq "revoke --key-pass-file" "$(rc "$PRIVCA" revoke --dir "$DIR" "$serial" --key-pass-file "$T/pass")" 0
eq "crl --key-pass-file" "$(rc "$PRIVCA" crl --dir "$DIR" --pem --key-pass-file "$T/pass")" 0
cp "$T/out" "$T/crl.pem"
check "  the CRL verifies and lists the revoked certificate" \
	sh -c "openssl crl -in '$T/crl.pem' -CAfile '$DIR/ca.pem' -noout -text 2>&1 | grep -q 'verify OK' && openssl crl -in '$T/crl.pem' -noout -text | grep -qi 'Serial Number: $serial'"

# Wrong, empty, missing: exit 1, one line, quickly; nothing changes.
printf 'wrong\n' >"$T/wrong" && chmod 600 "$T/wrong"
before=$(sha256sum "$DIR/ca.key" "$DIR/privca.db" | sha256sum)
for what in wrong empty missing; do
	case $what in
	wrong) args=(--key-pass-file "$T/wrong") want="wrong passphrase or corrupt key file '$DIR/ca.key'" ;;
	empty) args=(--key-pass-file "$T/empty") want="is empty" ;;
	missing) args=() want="is encrypted and no passphrase was given" ;;
	esac
	start=$(date +%s%N)
	r=$(rc env -u CREDENTIALS_DIRECTORY "$PRIVCA" serve --dir "$DIR" --http 127.0.0.1:0 \
		--https 127.0.0.1:0 "${args[@]}")
	ms=$((($(date +%s%N) - start) / 1000000))
	eq "serve with a $what passphrase exits 1" "$r" 1
	check "  saying so" grep -qF "$want" "$T/err"
	eq "  in one line" "$(wc -l <"$T/err")" 1
	check "  within 10 s (${ms} ms)" test "$ms" -lt 10000
	eq "sign with a $what passphrase exits 1" \
		"$(rc env -u CREDENTIALS_DIRECTORY "$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr" "${args[@]}")" 1
	check "  saying so" grep -qF "$want" "$T/err"
done
check "nothing in DIR changed" test "$before" = "$(sha256sum "$DIR/ca.key" "$DIR/privca.db" | sha256sum)"

# The systemd credential, when no --key-pass-file is given.
mkdir -m 700 "$T/creds"
cp "$T/pass" "$T/creds/privca-key-pass" && chmod 600 "$T/creds/privca-key-pass"
eq "sign with \$CREDENTIALS_DIRECTORY/privca-key-pass" \
	"$(rc env CREDENTIALS_DIRECTORY="$T/creds" "$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr")" 0
# A passphrase file without the newline is the same passphrase.
printf '%s' "$PASS" >"$T/pass-nonl" && chmod 600 "$T/pass-nonl"
eq "a passphrase file without a trailing newline works too" \
	"$(rc "$PRIVCA" list --dir "$DIR" --key-pass-file "$T/pass-nonl")" 0

# serve: the right passphrase serves and issues; the passphrase is nowhere.
check "serve --key-pass-file answers /healthz" start_server "$DIR" --key-pass-file "$T/pass"
check "  no process has the passphrase on its command line" \
	sh -c "! ps -eo args | grep -F -- '$PASS' | grep -v grep"
tok=$("$PRIVCA" token create ops --dir "$DIR" --admin --key-pass-file "$T/pass" 2>>"$T/cli.err")
csr "$T/b.csr" b.example.internal "DNS:b.example.internal"
st=$(http "$T/issue" -H "Authorization: Bearer $tok" -H 'Content-Type: application/pkcs10' -H 'Accept: application/x-pem-file' \
	--data-binary "@$T/b.csr" "$BASE/api/v1/certificates")
eq "POST /api/v1/certificates issues" "$st" 201
check "  a certificate that verifies under ca.pem" \
	sh -c "openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/issue.body' >/dev/null"
stop_server
check "the passphrase is not in the server log" sh -c "! grep -qF -- '$PASS' '$T/server.log'"
check "  nor in any CLI message" sh -c "! grep -qF -- '$PASS' '$T/cli.err' '$T/err' '$T/init.err'"
finish

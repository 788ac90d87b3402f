#!/usr/bin/env bash
# Every CA key type x every CSR key type: privca init + privca sign, then the
# certificate must verify with OpenSSL (strict, as a TLS server) and GnuTLS,
# and carry each extension of design section 3 with the right criticality.
. "$(dirname "$0")/lib.sh"

: "${PRIVCA_FIXTURES:?}"
F=$PRIVCA_FIXTURES
URL=http://ca.example.internal:8080

# quiet CMD...: run without output (the check line says what happened).
quiet() { "$@" >/dev/null 2>&1; }
# text CERT: openssl's reading of it.
text() { openssl x509 -in "$1" -noout -text; }
# after LINE FILE: the line following the first that contains LINE.
after() { grep -A1 -F "$1" "$2" | sed -n 2p | sed 's/^ *//'; }

for ca in ec-p256 ec-p384 rsa-2048 rsa-3072 rsa-4096 ed25519; do
	DIR=$T/$ca
	check "$ca: init" new_ca "$DIR" --key-type "$ca" --url "$URL"
	mode=$(stat -c %a "$DIR/ca.key")
	eq "$ca: ca.key mode" "$mode" 600
	openssl x509 -in "$DIR/ca.pem" -noout -text >"$T/root.txt"
	check "$ca: root basicConstraints critical CA:TRUE" \
		grep -A1 -q "Basic Constraints: critical" "$T/root.txt"
	eq "$ca: root CA:TRUE" "$(after 'Basic Constraints: critical' "$T/root.txt")" "CA:TRUE"
	eq "$ca: root keyUsage" "$(after 'Key Usage: critical' "$T/root.txt")" \
		"Digital Signature, Certificate Sign, CRL Sign"
	check "$ca: root has SKI" grep -q "Subject Key Identifier" "$T/root.txt"
	check "$ca: root verifies itself strictly" \
		quiet openssl verify -x509_strict -CAfile "$DIR/ca.pem" "$DIR/ca.pem"
	check "$ca: TLS certificate verifies" \
		quiet openssl verify -x509_strict -purpose sslserver -CAfile "$DIR/ca.pem" "$DIR/tls.pem"
	check "$ca: TLS certificate names localhost and loopback" \
		sh -c "openssl x509 -in '$DIR/tls.pem' -noout -ext subjectAltName |
			grep -q 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'"
	ski=$(after "Subject Key Identifier" "$T/root.txt")

	for req in rsa2048 rsa4096 p256 p384 ed25519; do
		leaf=$T/$ca-$req.pem
		if ! "$PRIVCA" sign --dir "$DIR" --csr "$F/$req.csr" >"$leaf" 2>"$T/sign.err"; then
			bad "$ca/$req: sign: $(cat "$T/sign.err")"
			continue
		fi
		check "$ca/$req: quiet openssl verify -x509_strict -purpose sslserver" \
			quiet openssl verify -x509_strict -purpose sslserver -CAfile "$DIR/ca.pem" "$leaf"
		check "$ca/$req: certtool --verify" \
			sh -c "certtool --verify --load-ca-certificate '$DIR/ca.pem' --infile '$leaf' 2>/dev/null |
				grep -q 'Chain verification output: Verified'"
		text "$leaf" >"$T/leaf.txt"
		eq "$ca/$req: basicConstraints critical CA:FALSE" \
			"$(after 'Basic Constraints: critical' "$T/leaf.txt")" "CA:FALSE"
		case $req in
		rsa*) want="Digital Signature, Key Encipherment" ;;
		*) want="Digital Signature" ;;
		esac
		eq "$ca/$req: keyUsage critical" "$(after 'Key Usage: critical' "$T/leaf.txt")" "$want"
		eq "$ca/$req: EKU" "$(after 'Extended Key Usage' "$T/leaf.txt")" \
			"TLS Web Server Authentication"
		eq "$ca/$req: AKI is the CA's SKI" \
			"$(after 'Authority Key Identifier' "$T/leaf.txt")" "$ski"
		check "$ca/$req: SKI present" grep -q "Subject Key Identifier" "$T/leaf.txt"
		eq "$ca/$req: CRL DP" "$(grep -o 'URI:[^ ]*/crl$' "$T/leaf.txt")" "URI:$URL/crl"
		eq "$ca/$req: OCSP URL" "$(grep -o 'OCSP - URI:.*' "$T/leaf.txt")" \
			"OCSP - URI:$URL/ocsp"
		eq "$ca/$req: CA issuers URL" "$(grep -o 'CA Issuers - URI:.*' "$T/leaf.txt")" \
			"CA Issuers - URI:$URL/ca.crt"
		serial=$(openssl x509 -in "$leaf" -noout -serial | cut -d= -f2)
		eq "$ca/$req: serial is 16 bytes, positive" \
			"$(printf %s "$serial" | grep -cE '^[0-7][0-9A-F]{31}$')" 1
	done
done

# Profiles: EKU follows the profile; days are exact.
DIR=$T/ec-p256
"$PRIVCA" sign --dir "$DIR" --csr "$F/p256.csr" --profile client --days 30 >"$T/client.pem" 2>/dev/null
eq "client profile EKU" "$(text "$T/client.pem" | grep -A1 'Extended Key Usage' | sed -n 2p | sed 's/^ *//')" \
	"TLS Web Client Authentication"
check "client certificate verifies as sslclient" \
	quiet openssl verify -x509_strict -purpose sslclient -CAfile "$DIR/ca.pem" "$T/client.pem"
nb=$(date -d "$(openssl x509 -in "$T/client.pem" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$T/client.pem" -noout -enddate | cut -d= -f2)" +%s)
eq "--days 30 gives exactly 30 days" $((na - nb)) $((30 * 86400))
now=$(date +%s)
check "notBefore is about 5 minutes ago" test $((now - nb)) -ge 290 -a $((now - nb)) -le 400
"$PRIVCA" sign --dir "$DIR" --csr "$F/p256.csr" --profile peer >"$T/peer.pem" 2>/dev/null
eq "peer profile EKU" "$(text "$T/peer.pem" | grep -A1 'Extended Key Usage' | sed -n 2p | sed 's/^ *//')" \
	"TLS Web Server Authentication, TLS Web Client Authentication"
eq "default validity is 397 days" \
	$(($(date -d "$(openssl x509 -in "$T/peer.pem" -noout -enddate | cut -d= -f2)" +%s) - \
		$(date -d "$(openssl x509 -in "$T/peer.pem" -noout -startdate | cut -d= -f2)" +%s))) \
	$((397 * 86400))

# --san replaces the CSR's names; a CN that is not among them leaves the subject.
"$PRIVCA" sign --dir "$DIR" --csr "$F/p256.csr" --san api.example.internal --san 10.1.2.3 \
	>"$T/san.pem" 2>/dev/null
eq "--san names" "$(openssl x509 -in "$T/san.pem" -noout -ext subjectAltName | sed -n 2p | sed 's/^ *//')" \
	"DNS:api.example.internal, IP Address:10.1.2.3"
eq "foreign CN dropped from the subject" \
	"$(openssl x509 -in "$T/san.pem" -noout -subject -nameopt RFC2253)" "subject=O=privca tests"

# Every certificate is listed and shown.
n=$("$PRIVCA" list --dir "$DIR" | wc -l)
eq "list shows TLS + 5 + 3 certificates" "$n" 9
s=$("$PRIVCA" list --dir "$DIR" | head -1 | cut -d' ' -f1)
"$PRIVCA" show --dir "$DIR" "$s" >"$T/show.txt"
check "show prints the PEM that verifies" \
	sh -c "sed -n '/BEGIN CERT/,/END CERT/p' '$T/show.txt' |
		openssl verify -x509_strict -CAfile '$DIR/ca.pem' >/dev/null"
"$PRIVCA" list --dir "$DIR" --q api.example.internal >"$T/q.txt"
eq "list --q finds by SAN" "$(wc -l <"$T/q.txt")" 1

finish

#!/usr/bin/env bash
# ACME with lego (design section 10): EAB account, http-01 with several SANs,
# ECDSA and RSA certificate keys, renew, revoke; dns-01 through lego's exec
# provider writing TXT records into pebble-challtestsrv, and a wildcard through
# dns-01. Every certificate verifies with openssl -x509_strict and certtool,
# is listed by the API with the team as requester, and after revocation OCSP
# and the CRL say revoked.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/acme_lib.sh"

DIR=$T/ca
new_ca "$DIR"
token team-a --allow .a.test >/dev/null
token team-w --allow .w.test --allow-wildcard >/dev/null
start_dns
start_acme "$DIR"
export LEGO_CA_CERTIFICATES=$DIR/ca.pem

# lego ARGS...: run lego against privca as team-a's account (EAB on each
# call: lego refuses to start without it when the directory requires EAB).
lego_a() {
	timeout 120 lego --accept-tos --server "$DIRURL" --email ops@a.test --path "$T/lego-a" \
		--eab --kid "$KID_A" --hmac "$HMAC_A" "$@" >>"$T/lego.log" 2>&1
}

eab team-a
KID_A=$KID HMAC_A=$HMAC
check "lego: http-01, two SANs, ECDSA key" \
	lego_a --domains www.a.test --domains api.a.test --http --http.port "127.0.0.1:$ACME_HTTP" run
crt=$T/lego-a/certificates/www.a.test.crt
cert_ok "lego ECDSA" "$crt"
check "lego ECDSA: both names" sh -c "openssl x509 -in '$crt' -noout -ext subjectAltName |
	grep -q 'DNS:www.a.test, DNS:api.a.test'"
check "lego ECDSA: an EC key" sh -c "openssl x509 -in '$crt' -noout -text | grep -q 'id-ecPublicKey'"
s1=$(serial_of "$crt")
eq "lego ECDSA: the API lists team-a as requester" "$(requester_of "$s1")" team-a
check "lego ECDSA: the EAB key is spent" sh -c "'$PRIVCA' acme eab list team-a --dir '$DIR' | grep -q '^$KID_A	used'"

check "lego: http-01, RSA 2048 key" \
	lego_a --key-type rsa2048 --domains rsa.a.test --http --http.port "127.0.0.1:$ACME_HTTP" run
crt=$T/lego-a/certificates/rsa.a.test.crt
cert_ok "lego RSA" "$crt"
check "lego RSA: an RSA key" sh -c "openssl x509 -in '$crt' -noout -text | grep -q 'rsaEncryption'"
eq "lego RSA: requester" "$(requester_of "$(serial_of "$crt")")" team-a

check "lego: renew" lego_a --domains www.a.test --domains api.a.test --http \
	--http.port "127.0.0.1:$ACME_HTTP" renew --days 1000 --no-random-sleep
crt=$T/lego-a/certificates/www.a.test.crt
s2=$(serial_of "$crt")
check "lego renew: a new certificate" test "$s1" != "$s2"
cert_ok "lego renewed" "$crt"
cp "$crt" "$T/renewed.pem" # lego revoke archives its copy
crt=$T/renewed.pem

check "lego: revoke" lego_a --domains www.a.test revoke
revoked_ok "lego revoked" "$crt"
eq "lego revoked: the API says revoked" \
	"$(curl -sf "$BASE/api/v1/certificates/$s2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" revoked

# dns-01 through lego's exec provider: present/cleanup write TXT records
# into the test DNS server, which privca asks (--acme-dns).
cat >"$T/dns-hook" <<HOOK
#!/bin/sh
case "\$1" in
present) curl -sf -X POST -d "{\"host\":\"\$2\",\"value\":\"\$3\"}" "$DNS_API/set-txt" ;;
cleanup) curl -sf -X POST -d "{\"host\":\"\$2\"}" "$DNS_API/clear-txt" ;;
esac
HOOK
chmod +x "$T/dns-hook"
export EXEC_PATH=$T/dns-hook EXEC_POLLING_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=30
eab team-w
lego_w() {
	timeout 120 lego --accept-tos --server "$DIRURL" --email ops@w.test --path "$T/lego-w" \
		--eab --kid "$KID" --hmac "$HMAC" "$@" >>"$T/lego.log" 2>&1
}
check "lego: dns-01 (exec provider)" lego_w --domains dns.w.test --dns exec \
	--dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp run
cert_ok "lego dns-01" "$T/lego-w/certificates/dns.w.test.crt"
check "lego: a wildcard through dns-01" lego_w --domains '*.w.test' --dns exec \
	--dns.resolvers "127.0.0.1:$DNS_PORT" --dns.disable-cp run
crt=$T/lego-w/certificates/_.w.test.crt
cert_ok "lego wildcard" "$crt"
check "lego wildcard: names *.w.test" sh -c "openssl x509 -in '$crt' -noout -ext subjectAltName | grep -q 'DNS:\*.w.test'"
eq "lego wildcard: requester" "$(requester_of "$(serial_of "$crt")")" team-w

check "the server is still up" server_alive
finish

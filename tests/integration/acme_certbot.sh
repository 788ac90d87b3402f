#!/usr/bin/env bash
# ACME with certbot (design section 10): standalone http-01 with
# --eab-kid/--eab-hmac-key, renew, revoke. The certificate verifies with
# openssl -x509_strict and certtool, the API lists the team as requester,
# and after revocation OCSP and the CRL say revoked.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/acme_lib.sh"

DIR=$T/ca
new_ca "$DIR"
token team-c --allow .c.test >/dev/null
start_dns
start_acme "$DIR"
export REQUESTS_CA_BUNDLE=$DIR/ca.pem

cb() {
	timeout 180 certbot --non-interactive --config-dir "$T/cb" --work-dir "$T/cb-work" \
		--logs-dir "$T/cb-logs" --server "$DIRURL" "$@" >>"$T/certbot.log" 2>&1
}

eab team-c
check "certbot: standalone http-01 with EAB" \
	cb certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$ACME_HTTP" \
	--agree-tos -m ops@c.test --eab-kid "$KID" --eab-hmac-key "$HMAC" -d www.c.test -d c.test
live=$T/cb/live/www.c.test
cert_ok "certbot" "$live/cert.pem"
check "certbot: the chain file holds the CA" \
	sh -c "openssl x509 -in '$live/chain.pem' -noout -subject | grep -q 'privca'"
s1=$(serial_of "$live/cert.pem")
eq "certbot: the API lists team-c as requester" "$(requester_of "$s1")" team-c

check "certbot: renew" cb renew --force-renewal --no-random-sleep-on-renew
s2=$(serial_of "$live/cert.pem")
check "certbot renew: a new certificate" test "$s1" != "$s2"
cert_ok "certbot renewed" "$live/cert.pem"

check "certbot: revoke" cb revoke --cert-path "$live/cert.pem" --reason superseded \
	--no-delete-after-revoke
revoked_ok "certbot revoked" "$live/cert.pem"
check "certbot revoked: reason superseded in OCSP" grep -qi "superseded" "$T/ocsp.out"

check "the server is still up" server_alive
finish

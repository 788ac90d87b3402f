#!/usr/bin/env bash
# ACME with the clients not covered elsewhere (issue 14): lego tls-alpn-01,
# uacme against the open team (no EAB; revoking by account and by the
# certificate's key; an IP identifier, RFC 8738, over http-01 to 127.0.0.1)
# and dehydrated with EAB, each getting, renewing and revoking a
# certificate. (lego 4.9.1 sends an address as a "dns" identifier, which
# RFC 8738 does not allow and privca refuses, so the IP case is uacme's.) Every certificate verifies with openssl
# -x509_strict and certtool, is listed by the API with its team as
# requester, and after revocation OCSP and the CRL say revoked.
#
# uacme trusts only the system CA bundle (libcurl's compiled-in path, no
# option or variable), so it runs in a private mount namespace
# (unshare -m) where that one file is privca's CA; nothing outside that
# process sees the change.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/acme_lib.sh"

DIR=$T/ca
new_ca "$DIR"
token team-c --allow .c.test --allow-ip 127.0.0.0/8 >/dev/null
token open-u --allow .u.test --allow-ip 127.0.0.0/8 --acme-open >/dev/null
start_dns
start_acme "$DIR"
export LEGO_CA_CERTIFICATES=$DIR/ca.pem

eab team-c
KID_C=$KID HMAC_C=$HMAC
lego_c() {
	timeout 120 lego --accept-tos --server "$DIRURL" --email ops@c.test --path "$T/lego-c" \
		--eab --kid "$KID_C" --hmac "$HMAC_C" "$@" >>"$T/lego.log" 2>&1
}

# ---- lego tls-alpn-01 ----
check "lego: tls-alpn-01" lego_c --domains alpn.c.test --tls --tls.port "127.0.0.1:$ACME_TLS" run
crt=$T/lego-c/certificates/alpn.c.test.crt
cert_ok "lego tls-alpn-01" "$crt"
eq "lego tls-alpn-01: requester" "$(requester_of "$(serial_of "$crt")")" team-c
check "lego tls-alpn-01: renew" lego_c --domains alpn.c.test --tls \
	--tls.port "127.0.0.1:$ACME_TLS" renew --days 1000 --no-random-sleep
cert_ok "lego tls-alpn-01 renewed" "$crt"

# http-01 for uacme and dehydrated: files under $WWW, served on the port
# privca checks.
WWW=$T/www
mkdir -p "$WWW/.well-known/acme-challenge"
python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$ACME_HTTP" >>"$T/www.log" 2>&1 &
PIDS+=("$!")
for i in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$ACME_HTTP/" && break
	sleep 0.1
done

# ---- uacme, the open team ----
cat >"$T/with-ca" <<'SH'
#!/bin/sh
# with-ca CA.pem CMD...: CMD with CA.pem as the system CA bundle (run under unshare -m).
ca=$1
shift
mount --bind "$ca" /etc/ssl/certs/ca-certificates.crt || exit 1
exec "$@"
SH
cat >"$T/uacme-hook" <<SH
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH; only http-01 is taken.
[ "\$2" = http-01 ] || exit 1
case "\$1" in
begin) printf '%s' "\$5" >"$WWW/.well-known/acme-challenge/\$4" ;;
done|failed) rm -f "$WWW/.well-known/acme-challenge/\$4" ;;
esac
SH
chmod +x "$T/with-ca" "$T/uacme-hook"
uacme_() {
	timeout 120 unshare -m "$T/with-ca" "$DIR/ca.pem" uacme -v -c "$T/uacme" -a "$DIRURL" \
		-h "$T/uacme-hook" -t EC -o "$@" >>"$T/uacme.log" 2>&1
}
check "uacme: new account without EAB (open team)" uacme_ -y new ops@u.test
check "uacme: issue, two names" uacme_ issue web.u.test www.u.test
crt=$T/uacme/web.u.test/cert.pem
cert_ok "uacme" "$crt"
check "uacme: both names" sh -c "openssl x509 -in '$crt' -noout -ext subjectAltName |
	grep -q 'DNS:web.u.test, DNS:www.u.test'"
u1=$(serial_of "$crt")
eq "uacme: requester is the open team" "$(requester_of "$u1")" open-u
check "uacme: renew" uacme_ -d 1000 issue web.u.test www.u.test
u2=$(serial_of "$crt")
check "uacme renew: a new certificate" test "$u1" != "$u2"
cert_ok "uacme renewed" "$crt"
cp "$crt" "$T/u-renewed.pem" # uacme revoke renames its copy
check "uacme: revoke (account key)" uacme_ revoke "$crt"
revoked_ok "uacme revoked" "$T/u-renewed.pem"
check "uacme: issue another" uacme_ issue key.u.test
cp "$T/uacme/key.u.test/cert.pem" "$T/u-key.pem"
check "uacme: revoke signed by the certificate's own key" \
	uacme_ revoke "$T/uacme/key.u.test/cert.pem" "$T/uacme/private/key.u.test/key.pem"
revoked_ok "uacme revoked by its key" "$T/u-key.pem"
# RFC 8738: an ip identifier, checked by http-01 to the address itself.
check "uacme: an IP identifier over http-01" uacme_ issue 127.0.0.1
crt=$T/uacme/127.0.0.1/cert.pem
cert_ok "uacme IP" "$crt"
check "uacme IP: the SAN is the address" sh -c "openssl x509 -in '$crt' -noout -ext subjectAltName |
	grep -qx ' *IP Address:127.0.0.1'"
eq "uacme IP: requester" "$(requester_of "$(serial_of "$crt")")" open-u
cp "$crt" "$T/u-ip.pem"
check "uacme IP: revoke" uacme_ revoke "$crt"
revoked_ok "uacme IP revoked" "$T/u-ip.pem"

# ---- dehydrated, EAB ----
eab team-c
mkdir -p "$T/dh"
cat >"$T/dh/config" <<CONF
CA="$DIRURL"
CHALLENGETYPE="http-01"
BASEDIR="$T/dh"
WELLKNOWN="$WWW/.well-known/acme-challenge"
EAB_KID="$KID"
EAB_HMAC_KEY="$HMAC"
KEY_ALGO=prime256v1
CONTACT_EMAIL=ops@c.test
RENEW_DAYS=1000
CONF
dh() {
	CURL_CA_BUNDLE=$DIR/ca.pem timeout 120 dehydrated -f "$T/dh/config" "$@" >>"$T/dh.log" 2>&1
}
check "dehydrated: register with EAB" dh --register --accept-terms
check "dehydrated: the EAB key is spent" sh -c "'$PRIVCA' acme eab list team-c --dir '$DIR' | grep -q '^$KID	used'"
check "dehydrated: issue" dh -c -d dh.c.test
crt=$T/dh/certs/dh.c.test/cert.pem
cert_ok "dehydrated" "$crt"
d1=$(serial_of "$crt")
eq "dehydrated: requester" "$(requester_of "$d1")" team-c
check "dehydrated: renew" dh -c -d dh.c.test
d2=$(serial_of "$T/dh/certs/dh.c.test/cert.pem")
check "dehydrated renew: a new certificate" test "$d1" != "$d2"
cert_ok "dehydrated renewed" "$T/dh/certs/dh.c.test/cert.pem"
cp "$T/dh/certs/dh.c.test/cert.pem" "$T/dh-renewed.pem" # dehydrated -r renames what it revokes
check "dehydrated: revoke" dh -r "$T/dh/certs/dh.c.test/cert.pem"
revoked_ok "dehydrated revoked" "$T/dh-renewed.pem"

check "the server is still up" server_alive
finish

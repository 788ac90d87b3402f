#!/usr/bin/env bash
# The HTTPS listener offers only AEAD suites (issue 13 item 7): TLS 1.3,
# and TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305. A CBC suite is
# refused by OpenSSL and GnuTLS clients alike; an AEAD one is taken.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"

# s_client_ok ARGS...: a TLS 1.2 handshake with these client options.
s_client_ok() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername localhost \
		-tls1_2 "$@" >"$T/s_client.out" 2>&1 && grep -q '^ *Cipher *: [A-Z]' "$T/s_client.out" &&
		! grep -q 'Cipher *: 0000' "$T/s_client.out"
}
s_refused() { ! s_client_ok "$@"; }
check "TLS 1.2 ECDHE-RSA-AES256-SHA (CBC, SHA-1) refused" s_refused -cipher ECDHE-RSA-AES256-SHA
check "TLS 1.2 ECDHE-ECDSA-AES128-SHA256 (CBC) refused" s_refused -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256'
check "TLS 1.2 AES-GCM accepted" s_client_ok -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256'
check "TLS 1.2 ChaCha20-Poly1305 accepted" s_client_ok -cipher 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305'

gnutls_ok() {
	timeout 10 gnutls-cli --insecure --port "$HTTPS_PORT" --priority "$1" 127.0.0.1 \
		</dev/null >"$T/gnutls.out" 2>&1 && grep -q 'Handshake was completed' "$T/gnutls.out"
}
g_refused() { ! gnutls_ok "$@"; }
check "gnutls-cli with only AES-CBC refused" g_refused 'NONE:+VERS-TLS1.2:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256:+ECDHE-RSA:+ECDHE-ECDSA:+SIGN-ALL:+GROUP-ALL:+COMP-NULL'
check "gnutls-cli with only AES-GCM over TLS 1.2 accepted" gnutls_ok 'NONE:+VERS-TLS1.2:+AES-128-GCM:+AEAD:+ECDHE-RSA:+ECDHE-ECDSA:+SIGN-ALL:+GROUP-ALL:+COMP-NULL'
check "gnutls-cli over TLS 1.3 accepted" gnutls_ok 'NORMAL:-VERS-ALL:+VERS-TLS1.3'
finish

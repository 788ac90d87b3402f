# tests/integration/acme_lib.sh: helpers for the ACME tests (sourced after
# lib.sh; not a test itself). A DNS server on loopback (pebble-challtestsrv,
# every name resolves to 127.0.0.1, TXT records set over its HTTP API) and
# privca serve pointed at it with --acme-dns, --acme-http-port and
# --acme-tls-port on free ports.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	exit 0
fi

# start_dns: pebble-challtestsrv on free ports; sets DNS_PORT, DNS_API.
start_dns() {
	local i
	DNS_PORT=$(free_port)
	local mport
	mport=$(free_port)
	pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -http01 "" -https01 "" -tlsalpn01 "" \
		-management "127.0.0.1:$mport" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		>>"$T/dns.log" 2>&1 &
	PIDS+=("$!")
	DNS_API="http://127.0.0.1:$mport"
	for i in $(seq 1 100); do
		curl -sf -o /dev/null -X POST -d '{"host":"probe.","value":"x"}' "$DNS_API/set-txt" &&
			return 0
		sleep 0.1
	done
	say "pebble-challtestsrv did not start"
	return 1
}

# start_acme DIR: privca serve with the ACME flags; sets what start_server
# sets plus ACME_HTTP, ACME_TLS and DIRURL.
start_acme() {
	local dir=$1 i
	HTTP_PORT=$(free_port)
	HTTPS_PORT=$(free_port)
	ACME_HTTP=$(free_port)
	ACME_TLS=$(free_port)
	"$PRIVCA" serve --dir "$dir" --http "127.0.0.1:$HTTP_PORT" --https "127.0.0.1:$HTTPS_PORT" \
		--acme-dns "127.0.0.1:$DNS_PORT" --acme-http-port "$ACME_HTTP" \
		--acme-tls-port "$ACME_TLS" 2>>"$T/server.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BASE="http://127.0.0.1:$HTTP_PORT"
	SBASE="https://127.0.0.1:$HTTPS_PORT"
	DIRURL="$SBASE/acme/directory"
	for i in $(seq 1 100); do
		curl -sf -o /dev/null --max-time 1 "$BASE/healthz" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || {
			say "privca serve exited early"
			return 1
		}
		sleep 0.1
	done
	return 1
}

# eab TEAM: a binding key; sets KID and HMAC.
eab() {
	local out
	out=$("$PRIVCA" acme eab "$1" --dir "$DIR" 2>"$T/eab.err") ||
		say "privca acme eab $1 failed: $(cat "$T/eab.err")"
	KID=$(printf '%s\n' "$out" | awk '$1 == "kid" {print $2}')
	HMAC=$(printf '%s\n' "$out" | awk '$1 == "hmac" {print $2}')
}

# cert_ok WHAT PEM: the leaf verifies with openssl -x509_strict and certtool.
cert_ok() {
	local what=$1 pem=$2
	openssl x509 -in "$pem" -out "$T/leaf1.pem"
	check "$what: openssl verify -x509_strict" \
		openssl verify -x509_strict -purpose sslserver -CAfile "$DIR/ca.pem" "$T/leaf1.pem"
	check "$what: certtool --verify" \
		sh -c "certtool --verify --load-ca-certificate '$DIR/ca.pem' --infile '$T/leaf1.pem' 2>/dev/null |
			grep -q 'Chain verification output: Verified'"
}

# serial_of PEM: lowercase hex serial of the first certificate.
serial_of() {
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f'
}

# requester_of SERIAL: the requester the JSON API lists.
requester_of() {
	curl -sf "$BASE/api/v1/certificates/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requester"])'
}

# revoked_ok WHAT PEM: OCSP and the CRL say revoked.
revoked_ok() {
	local what=$1 pem=$2 s
	openssl x509 -in "$pem" -out "$T/leaf2.pem"
	s=$(serial_of "$pem" | tr 'a-f' 'A-F')
	openssl ocsp -issuer "$DIR/ca.pem" -cert "$T/leaf2.pem" -url "$BASE/ocsp" \
		-CAfile "$DIR/ca.pem" -timeout 10 >"$T/ocsp.out" 2>&1 || true
	check "$what: OCSP says revoked" grep -q ": revoked" "$T/ocsp.out"
	curl -sf "$BASE/crl" | openssl crl -inform DER -noout -text >"$T/crl.txt" 2>&1 || true
	check "$what: the CRL lists it" grep -q "Serial Number: $s" "$T/crl.txt"
}

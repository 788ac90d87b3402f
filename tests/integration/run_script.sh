#!/usr/bin/env bash
# The README's first command, scripts/run, as a new operator meets it: it
# builds, makes a demo CA with a demo token on the first run, serves it, and
# the openssl and curl lines it prints get a certificate that verifies. A
# second run keeps the CA and prints the same working token.
. "$(dirname "$0")/lib.sh"

SRC=${PRIVCA_SRC:?set PRIVCA_SRC to the source tree}
DEMO=$T/demo

# run_once N: scripts/run on fresh ports; waits until it answers (the first
# run builds the release binary, so allow minutes). Returns 2 when a port
# it was given was taken by the time it listened: the ports are picked
# before the build, a minute or more before they are bound, and the other
# tests running meanwhile open client sockets on ports of the same range.
run_once() {
	HTTP_PORT=$(free_port)
	HTTPS_PORT=$(free_port)
	while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT=$(free_port); done
	PRIVCA_DIR=$DEMO "$SRC/scripts/run" --http "127.0.0.1:$HTTP_PORT" \
		--https "127.0.0.1:$HTTPS_PORT" >"$T/run$1.out" 2>"$T/server-run$1.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BASE="http://127.0.0.1:$HTTP_PORT"
	local i
	for i in $(seq 1 3000); do
		curl -sf -o /dev/null --max-time 1 "$BASE/healthz" && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || {
			grep -q 'cannot listen on .*Address already in use' "$T/server-run$1.log" &&
				return 2
			say "scripts/run exited early"
			cat "$T/run$1.out" >&2
			return 1
		}
		sleep 0.1
	done
	say "scripts/run did not serve within 300 s"
	return 1
}

# run N: run_once, again on other ports if one was taken meanwhile.
run() {
	local attempt rc
	for attempt in 1 2 3; do
		rc=0
		run_once "$1" || rc=$?
		[ "$rc" -eq 2 ] || return "$rc"
		say "a port was taken while scripts/run built; again on other ports"
	done
	return 1
}

# the_commands N: the lines scripts/run printed under "Get a certificate:".
the_commands() { sed -n '/^Get a certificate:/,/^$/p' "$T/run$1.out" | tail -n +2 | sed 's/^  //'; }

run 1
check "first run: made a CA" test -s "$DEMO/ca.pem"
eq "ca.key is 0600" "$(stat -c %a "$DEMO/ca.key")" 600
check "the web page URL it printed answers" \
	curl -sf -o /dev/null "$(sed -n 's/^ *web pages *//p' "$T/run1.out")"
curl -sf -o "$T/root.pem" "$(sed -n 's/^ *CA root *\([^ ]*\).*/\1/p' "$T/run1.out")"
check "the CA root URL it printed serves ca.pem" cmp "$T/root.pem" "$DEMO/ca.pem"
printed_fp=$(sed -n 's/.*(sha256 \([0-9A-F:]*\)).*/\1/p' "$T/run1.out")
eq "the printed fingerprint is the root's" "$printed_fp" \
	"$(openssl x509 -in "$DEMO/ca.pem" -noout -fingerprint -sha256 | cut -d= -f2)"
the_commands 1 >"$T/get.sh"
check "it printed an openssl and a curl line" \
	sh -c "grep -q '^openssl req' '$T/get.sh' && grep -q '^curl ' '$T/get.sh'"
mkdir -p "$T/user"
(cd "$T/user" && bash -e "$T/get.sh") >"$T/web.pem" 2>"$T/get.err" ||
	bad "running the printed lines: $(tail -n 3 "$T/get.err")"
check "they got a certificate that verifies (openssl -x509_strict)" \
	openssl verify -x509_strict -purpose sslserver -CAfile "$DEMO/ca.pem" "$T/web.pem"
check "and with GnuTLS" certtool --verify --load-ca-certificate "$DEMO/ca.pem" --infile "$T/web.pem"
check "for the name in the example" \
	sh -c "openssl x509 -in '$T/web.pem' -noout -ext subjectAltName | grep -q 'DNS:web.example.internal'"
check "HTTPS on the port given answers for localhost" \
	curl -sf -o /dev/null --cacert "$DEMO/ca.pem" "https://localhost:$HTTPS_PORT/healthz"
token1=$(sed -n 's/^ *demo token *\([^ ]*\).*/\1/p' "$T/run1.out")
stop_server TERM
eq "Ctrl-C/SIGTERM stops it cleanly" "$SERVER_RC" 0

run 2
check "second run: the same CA, not a new one" cmp "$T/root.pem" "$DEMO/ca.pem"
eq "the same demo token is printed" "$(sed -n 's/^ *demo token *\([^ ]*\).*/\1/p' "$T/run2.out")" "$token1"
the_commands 2 >"$T/get2.sh"
(cd "$T/user" && bash -e "$T/get2.sh") >"$T/web2.pem" 2>"$T/get.err" ||
	bad "running the printed lines again: $(tail -n 3 "$T/get.err")"
check "and it still gets certificates" openssl verify -x509_strict -CAfile "$DEMO/ca.pem" "$T/web2.pem"
stop_server TERM
finish

#!/usr/bin/env bash
# The HTTPS listener's certificate over the life of a running server.
#
# tls.pem lasts 397 days and the process may well run longer: privca serve
# renews it when it has under 30 days left (at the start, hourly, and on
# SIGHUP) and serves a changed tls.key/tls.pem pair without a restart and
# without cutting the connections that are open. A pair that is broken or
# does not match is refused in words and the previous one stays in service.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
CA=$DIR/ca.pem

# cert_for DAYS OUT: a certificate for tls.key (localhost, 127.0.0.1) from
# this CA, valid for DAYS, recorded like any other.
cert_for() {
	openssl req -new -key "$DIR/tls.key" -subj /CN=localhost -out "$T/tls.csr" 2>/dev/null
	"$PRIVCA" sign --dir "$DIR" --csr "$T/tls.csr" --days "$1" --san localhost \
		--san 127.0.0.1 >"$2" 2>>"$T/cli.err"
}
# install FILE: replace tls.pem in one step, as an operator would.
install() {
	cp "$1" "$DIR/tls.pem.tmp"
	mv "$DIR/tls.pem.tmp" "$DIR/tls.pem"
}
# served: the certificate a new TLS connection is shown (PEM on stdout).
served() {
	echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername localhost \
		-CAfile "$CA" 2>/dev/null | openssl x509 2>/dev/null
}
serial_of() { openssl x509 -noout -serial | sed 's/.*=//'; }
# wait_log TEXT: wait up to 10 s for TEXT in the server log.
wait_log() {
	local i n0=$2
	for i in $(seq 1 100); do
		[ "$(grep -cF -- "$1" "$T/server.log" || true)" -gt "$n0" ] && return 0
		sleep 0.1
	done
	return 1
}
logcount() { grep -cF -- "$1" "$T/server.log" || true; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status"; }

# ---- renewed at the start -------------------------------------------------------
cert_for 10 "$T/short.pem"
install "$T/short.pem"
start_server "$DIR"
check "a tls.pem with 10 days left is renewed when serve starts" \
	grep -q "renewed the TLS certificate" "$T/server.log"
served >"$T/s0.pem"
check "the served certificate verifies for localhost" \
	openssl verify -x509_strict -purpose sslserver -verify_hostname localhost -CAfile "$CA" "$T/s0.pem"
check "it is good for a year, not 10 days" openssl x509 -in "$T/s0.pem" -noout -checkend $((300 * 86400))
cmp -s "$T/s0.pem" <(openssl x509 -in "$DIR/tls.pem") && ok "it is the renewed tls.pem on disk" ||
	bad "the served certificate is not tls.pem"
S0=$(serial_of <"$T/s0.pem")
n=$(curl -sS "$BASE/api/v1/certificates?q=$(tr 'A-F' 'a-f' <<<"$S0")" |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')
eq "the renewal is recorded in the store" "$n" 1

# ---- SIGHUP with the pair unchanged ---------------------------------------------------
n=$(logcount "unchanged")
kill -HUP "$SERVER_PID"
check "SIGHUP with nothing changed says so" wait_log "unchanged" "$n"
check "the server still runs after SIGHUP" server_alive
eq "and serves the same certificate" "$(served | serial_of)" "$S0"

# ---- an operator's new certificate, picked up while a connection stays open ---------
cert_for 200 "$T/new.pem"
S1=$(serial_of <"$T/new.pem")
T0=$(threads)
python3 - "$HTTPS_PORT" "$CA" "$SERVER_PID" "$T" "$S0" "$S1" >"$T/keep.out" 2>&1 <<'EOF' &&
import os, shutil, signal, socket, ssl, sys, time
port, ca, pid, tmp, s0, s1 = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
ctx = ssl.create_default_context(cafile=ca)

def connect():
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5), server_hostname="localhost")

def serial_of(s):
    from subprocess import run
    der = s.getpeercert(binary_form=True)
    out = run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der, capture_output=True).stdout
    return out.decode().strip().split("=")[1]

def get(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b"\r\n")[0]

a = connect()
assert serial_of(a) == s0, "first connection shows " + serial_of(a)
assert get(a).startswith(b"HTTP/1.1 200"), "first request"
shutil.copy(tmp + "/new.pem", tmp + "/ca/tls.pem.tmp")
os.rename(tmp + "/ca/tls.pem.tmp", tmp + "/ca/tls.pem")
os.kill(pid, signal.SIGHUP)
deadline = time.time() + 10
while b"now serving" not in open(tmp + "/server.log", "rb").read():
    assert time.time() < deadline, "no 'now serving' in the log"
    time.sleep(0.05)
b = connect()
assert serial_of(b) == s1, "a new connection shows " + serial_of(b)
assert get(b).startswith(b"HTTP/1.1 200"), "new connection request"
print("threads-during", open("/proc/%d/status" % pid).read().split("Threads:")[1].split()[0])
# The connection opened before the change still works, on the old pair.
for _ in range(3):
    assert get(a).startswith(b"HTTP/1.1 200"), "old connection request"
a.close()
b.close()
print("ok")
EOF
	ok "SIGHUP: new connections get the new certificate, the open one keeps working" ||
	{ bad "SIGHUP rotation with an open connection"; cat "$T/keep.out" >&2; }
eq "served after SIGHUP" "$(served | serial_of)" "$S1"
TD=$(sed -n 's/^threads-during //p' "$T/keep.out")
if [ -n "$TD" ] && [ "$TD" -gt "$T0" ]; then ok "the replaced daemon was still running for the open connection ($T0 -> $TD threads)"; else bad "threads before $T0, during '${TD}'"; fi
for i in $(seq 1 100); do
	[ "$(threads)" -le "$T0" ] && break
	sleep 0.1
done
eq "the replaced daemon is gone once its connection closed (threads)" "$(threads)" "$T0"

# ---- broken or mismatched pairs are refused, the current one stays ---------------------
cp "$DIR/tls.pem" "$T/good.pem"
printf 'not a certificate\n' >"$T/garbage.pem"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" \
	-subj /CN=localhost -out "$T/other.csr" 2>/dev/null
"$PRIVCA" sign --dir "$DIR" --csr "$T/other.csr" --san localhost >"$T/other.pem" 2>>"$T/cli.err"
for bad_pem in garbage other; do
	what=$([ "$bad_pem" = other ] && echo "another key's certificate as" || echo "garbage in")
	n=$(logcount "still serving the previous")
	install "$T/$bad_pem.pem"
	kill -HUP "$SERVER_PID"
	check "SIGHUP with $what tls.pem: refused in the log" wait_log "still serving the previous" "$n"
	eq "  and the previous certificate is still served" "$(served | serial_of)" "$S1"
	st=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$CA" "$SBASE/healthz" || true)
	eq "  HTTPS answers" "$st" 200
done
grep -q "tls.pem is not a certificate for tls.key" "$T/server.log" &&
	ok "a certificate for another key is named as such" || bad "mismatch message missing"

# A pair privca's own check passes but GnuTLS refuses (a broken second
# certificate in the chain): refused before the listener is handed over.
{ cat "$T/good.pem"; printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'; } >"$T/badchain.pem"
n=$(logcount "GnuTLS refused")
install "$T/badchain.pem"
kill -HUP "$SERVER_PID"
check "SIGHUP with a chain GnuTLS refuses: refused in the log" wait_log "GnuTLS refused" "$n"
check "  the server still runs" server_alive
eq "  and serves the previous certificate" "$(served | serial_of)" "$S1"
install "$T/good.pem"

# ---- renewed on SIGHUP when it is due ------------------------------------------------
cert_for 5 "$T/due.pem"
install "$T/due.pem"
n=$(logcount "now serving")
kill -HUP "$SERVER_PID"
check "SIGHUP with a tls.pem due for renewal: a new one is served" wait_log "now serving" "$n"
served >"$T/s2.pem"
check "  the served one is good for a year" openssl x509 -in "$T/s2.pem" -noout -checkend $((300 * 86400))
check "  and verifies for localhost" \
	openssl verify -x509_strict -purpose sslserver -verify_hostname localhost -CAfile "$CA" "$T/s2.pem"
cmp -s "$T/s2.pem" <(openssl x509 -in "$DIR/tls.pem") && ok "  it is tls.pem on disk" ||
	bad "  the served certificate is not tls.pem"
check "certtool verifies the served certificate" \
	sh -c "certtool --verify --load-ca-certificate '$CA' --infile '$T/s2.pem' --verify-hostname localhost"

# ---- the operator's own certificate, from another CA, due soon: served, not replaced ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/corp.key" \
	-subj "/CN=Corp Root" -days 30 -out "$T/corp.pem" 2>/dev/null
openssl req -new -key "$DIR/tls.key" -subj /CN=localhost -out "$T/corp-leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/corp.ext"
openssl x509 -req -in "$T/corp-leaf.csr" -CA "$T/corp.pem" -CAkey "$T/corp.key" -days 10 \
	-extfile "$T/corp.ext" -out "$T/corp-leaf.pem" 2>/dev/null
install "$T/corp-leaf.pem"
n=$(logcount "not issued by this CA")
kill -HUP "$SERVER_PID"
check "a certificate from elsewhere due for renewal: the log says to replace it" \
	wait_log "not issued by this CA; replace it" "$n"
eq "  it is served as the operator put it" "$(served | serial_of)" "$(serial_of <"$T/corp-leaf.pem")"
check "  and tls.pem is left as it is" cmp "$T/corp-leaf.pem" "$DIR/tls.pem"

# ---- an operator's P-521 pair (a key type privca does not make): GnuTLS decides -----
cp "$DIR/tls.key" "$T/p256.key"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -keyout "$T/p521.key" \
	-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -days 90 \
	-out "$T/p521.pem" 2>/dev/null
cp "$T/p521.key" "$DIR/tls.key.tmp" && chmod 600 "$DIR/tls.key.tmp" && mv "$DIR/tls.key.tmp" "$DIR/tls.key"
install "$T/p521.pem"
n=$(logcount "now serving")
kill -HUP "$SERVER_PID"
check "SIGHUP with an operator's P-521 key and certificate: served" wait_log "now serving" "$n"
eq "  the P-521 certificate is what clients get" "$(served | serial_of)" "$(serial_of <"$T/p521.pem")"

st=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/healthz")
eq "plain HTTP was never disturbed" "$st" 200
stop_server TERM
eq "a clean stop after the rotations" "$SERVER_RC" 0
finish

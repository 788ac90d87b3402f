#!/usr/bin/env bash
# Hostile and broken clients: garbage, empty, truncated, oversized (1 MiB,
# Content-Length and chunked), slow-drip bodies, 200 idle connections while
# others are served at once, 500 parallel connections, odd methods, paths,
# headers and media types. Afterwards the same server process answers
# /healthz 200 and the certificate count is what it was.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"
API=$BASE/api/v1/certificates
TOK=$(token team-a --allow .team-a.internal)
AUTH=(-H "Authorization: Bearer $TOK")
csr "$T/r.csr" web.team-a.internal "DNS:web.team-a.internal"
openssl req -in "$T/r.csr" -outform DER -out "$T/r.der"
PID0=$SERVER_PID
COUNT0=$(count_certs)

# ---- bodies ---------------------------------------------------------------------
head -c 4000 /dev/urandom >"$T/garbage"
st=$(http "$T/g1" "${AUTH[@]}" -H "Content-Type: application/pkcs10" --data-binary "@$T/garbage" "$API")
expect_problem "random bytes as a CSR" "$T/g1" "$st" 400 bad-csr
st=$(http "$T/g2" "${AUTH[@]}" -H "Content-Type: application/pkcs10" --data-binary "" "$API")
expect_problem "empty body" "$T/g2" "$st" 400 bad-csr
head -c 300 "$T/r.csr" >"$T/trunc.pem"
st=$(http "$T/g3" "${AUTH[@]}" -H "Content-Type: application/x-pem-file" --data-binary "@$T/trunc.pem" "$API")
expect_problem "truncated PEM CSR" "$T/g3" "$st" 400 bad-csr
head -c 100 "$T/r.der" >"$T/trunc.der"
st=$(http "$T/g4" "${AUTH[@]}" -H "Content-Type: application/pkcs10" --data-binary "@$T/trunc.der" "$API")
expect_problem "truncated DER CSR" "$T/g4" "$st" 400 bad-csr
st=$(http "$T/g5" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary '{"csr": ' "$API")
expect_problem "truncated JSON" "$T/g5" "$st" 400 bad-request
st=$(http "$T/g6" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary '["csr"]' "$API")
expect_problem "JSON that is not an object" "$T/g6" "$st" 400 bad-request
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$T/deep.json"
st=$(http "$T/g7" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary "@$T/deep.json" "$API")
expect_problem "JSON nested 100000 deep (over 64 KiB)" "$T/g7" "$st" 413 payload-too-large
python3 -c 'print("[" * 30000 + "]" * 30000)' >"$T/deep2.json"
st=$(http "$T/g8" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary "@$T/deep2.json" "$API")
expect_problem "JSON nested 30000 deep" "$T/g8" "$st" 400 bad-request
# A NUL in the path is 400, never a cut path (/static/style.css%00.pem
# used to serve the stylesheet).
st=$(http "$T/nul1" --path-as-is "$BASE/static/style.css%00.pem")
expect_problem "%00 in a path" "$T/nul1" "$st" 400 bad-request
st=$(http "$T/nul2" --path-as-is "$BASE/ca.pem%00")
expect_problem "%00 at the end of a path" "$T/nul2" "$st" 400 bad-request
st=$(http "$T/nul3" "$BASE/static/style.css")
eq "the stylesheet itself is still served" "$st" 200
printf '{"csr": "\xff\xfe\x00garbage"}' >"$T/bin.json"
st=$(http "$T/g9" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary "@$T/bin.json" "$API")
expect_problem "JSON with invalid UTF-8 and NUL" "$T/g9" "$st" 400 bad-request
for ct in image/png application/octet-stream application/xml multipart/form-data; do
	st=$(http "$T/g10" "${AUTH[@]}" -H "Content-Type: $ct" --data-binary "@$T/r.csr" "$API")
	expect_problem "content type $ct" "$T/g10" "$st" 415 unsupported-media-type
done
st=$(http "$T/g11" -H "Content-Type: text/plain" --data-binary "@$T/r.csr" "$BASE/ocsp")
expect_problem "OCSP POST with the wrong content type" "$T/g11" "$st" 415 unsupported-media-type
st=$(http "$T/g12" -H "Content-Type: application/ocsp-request" --data-binary "@$T/garbage" "$BASE/ocsp")
eq "OCSP POST of garbage: an OCSP answer" "$st $(header "$T/g12.hdr" Content-Type)" \
	"200 application/ocsp-response"
st=$(http "$T/g13" "$BASE/ocsp/%%%not-base64***")
eq "OCSP GET of garbage: an OCSP answer" "$st" 200

# ---- size limits ------------------------------------------------------------------
head -c 1048576 /dev/zero | tr '\0' A >"$T/1m"
st=$(http "$T/b1" "${AUTH[@]}" -H "Content-Type: application/pkcs10" --data-binary "@$T/1m" "$API")
expect_problem "1 MiB body (Content-Length, Expect: 100-continue)" "$T/b1" "$st" 413 payload-too-large
st=$(http "$T/b2" "${AUTH[@]}" -H "Expect:" -H "Content-Type: application/pkcs10" --data-binary "@$T/1m" "$API")
if [ "$st" = 413 ]; then
	expect_problem "1 MiB body sent without waiting" "$T/b2" "$st" 413 payload-too-large
else
	# The server answers 413 and closes at once; a client still writing may
	# see the reset before it reads the answer. Either way: refused.
	check "1 MiB body sent without waiting: refused (got $st)" test "$st" = 000
fi
st=$(http "$T/b3" "${AUTH[@]}" -H "Transfer-Encoding: chunked" -H "Content-Type: application/pkcs10" \
	--data-binary "@$T/1m" "$API")
expect_problem "1 MiB chunked body" "$T/b3" "$st" 413 payload-too-large
head -c $((8 * 1048576)) /dev/zero | tr '\0' A >"$T/8m"
up=$(curl -sS -o /dev/null -w '%{size_upload}' "${AUTH[@]}" -H "Transfer-Encoding: chunked" \
	-H "Content-Type: application/pkcs10" --data-binary "@$T/8m" "$API" 2>/dev/null || true)
check "8 MiB chunked body: cut off, not read whole (sent ${up:-?} bytes)" \
	test "${up:-0}" -lt $((8 * 1048576))
rm -f "$T/8m"
st=$(http "$T/b4" "${AUTH[@]}" -H "Content-Type: application/pkcs10" -H "Content-Length: 99999999999" \
	--data-binary "@$T/r.der" "$API")
check "a lying, huge Content-Length is refused (got $st)" test "$st" = 413 -o "$st" = 000
head -c 65536 /dev/zero | tr '\0' A >"$T/64k"
st=$(http "$T/b5" "${AUTH[@]}" -H "Content-Type: application/pkcs10" --data-binary "@$T/64k" "$API")
expect_problem "exactly 64 KiB is read (and is no CSR)" "$T/b5" "$st" 400 bad-csr
st=$(http "$T/b6" -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' B)" "$BASE/healthz")
check "70 KB of headers refused (got $st)" test "$st" = 431 -o "$st" = 413 -o "$st" = 400 -o "$st" = 000
st=$(http "$T/b7" "$BASE/$(head -c 100000 /dev/zero | tr '\0' a)")
check "100 KB URL refused (got $st)" test "$st" = 414 -o "$st" = 431 -o "$st" = 400 -o "$st" = 000

# ---- routing ------------------------------------------------------------------------
st=$(http "$T/r1" "$BASE/definitely/not/here")
expect_problem "unknown path" "$T/r1" "$st" 404 not-found
st=$(http "$T/r2" "$BASE/api/v1/certificates/../../../etc/passwd")
check "dot-dot path: 404 (got $st)" test "$st" = 404
st=$(http "$T/r3" "$BASE/certs/%00.pem")
expect_problem "NUL in the path (issue 13 item 6: 400, not a cut path)" "$T/r3" "$st" 400 bad-request
st=$(http "$T/r4" -X PUT --data x "$BASE/ca.pem")
expect_problem "PUT /ca.pem" "$T/r4" "$st" 405 method-not-allowed
check "  Allow: GET, HEAD" grep -qi "^Allow: GET, HEAD" "$T/r4.hdr"
st=$(http "$T/r5" -X DELETE "$API/0123456789abcdef0123456789abcdef")
expect_problem "DELETE a certificate" "$T/r5" "$st" 405 method-not-allowed
st=$(http "$T/r6" -X POST "$BASE/healthz")
expect_problem "POST /healthz" "$T/r6" "$st" 405 method-not-allowed
st=$(http "$T/r7" -X BREW "$BASE/")
check "unknown method BREW: 4xx/5xx answer (got $st)" test "$st" -ge 400

# ---- raw sockets: garbage, truncation, slow drip, idle crowds, parallel load ----------
python3 - "$HTTP_PORT" "$HTTPS_PORT" "$BASE" "$TOK" >"$T/raw.out" 2>&1 <<'EOF' || true
import os, socket, sys, threading, time, urllib.request
hp, sp, base, tok = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def conn(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s
def exchange(port, data, timeout=5):
    s = conn(port, timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    finally:
        s.close()
    return out
def health_time():
    t = time.time()
    ok = urllib.request.urlopen(base + "/healthz", timeout=10).status == 200
    return ok, time.time() - t
def report(name, good, extra=""):
    print(("ok   " if good else "FAIL ") + name + (" " + extra if extra else ""))

# garbage and truncated requests, plain and TLS ports
for port in (hp, sp):
    for data in (os.urandom(3000), b"\x16\x03\x01\x00\x05hello", b"GET\r\n\r\n",
                 b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
                 b"POST /api/v1/certificates HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                 b"", b"\r\n" * 5000):
        exchange(port, data, timeout=3)
ok, dt = health_time()
report("garbage, truncated and empty requests on both ports; still healthy", ok)

# slow drip: a body sent one byte every 0.2 s while others are served at once
res = {}
def drip():
    s = conn(hp, 30)
    body = b"not a certificate request"
    s.sendall(b"POST /api/v1/certificates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
              b"Content-Type: application/pkcs10\r\nContent-Length: %d\r\n\r\n"
              % (tok.encode(), len(body)))
    for i in range(len(body)):
        s.sendall(body[i:i + 1])
        time.sleep(0.2)
    res["drip"] = s.recv(4096)
    s.close()
th = threading.Thread(target=drip)
th.start()
time.sleep(0.5)
times = [health_time()[1] for _ in range(10)]
th.join()
report("slow-drip body: others served at once", max(times) < 1.0, "max %.3fs" % max(times))
report("slow-drip body: answered when complete (400)", res.get("drip", b"").startswith(b"HTTP/1.1 400"),
       repr(res.get("drip", b"")[:40]))

# 200 connections that connect and send nothing (and 50 half-sent headers)
idle = [conn(hp) for _ in range(200)]
half = [conn(hp) for _ in range(50)]
for s in half:
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
time.sleep(0.3)
times = [health_time()[1] for _ in range(20)]
report("200 idle + 50 half-open connections: others served at once", max(times) < 1.0,
       "max %.3fs" % max(times))
tls_idle = [conn(sp) for _ in range(50)]
import ssl
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = time.time()
with socket.create_connection(("127.0.0.1", sp), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as ts:
        ts.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        got = ts.recv(4096)
report("50 idle TLS connections: HTTPS served at once", got.startswith(b"HTTP/1.1 200") and time.time() - t < 2,
       "%.3fs" % (time.time() - t))
for s in idle + half + tls_idle:
    s.close()

# 500 parallel connections, each asking for /healthz. Each thread connects
# only once all are started: on a loaded machine starting 500 threads can
# take longer than the head deadline (GUARD_HEAD_MS, 10 s), and the guard
# rightly shuts a connection that has said nothing for that long.
N = 500
barrier = threading.Barrier(N)
codes = []
lock = threading.Lock()
def one():
    try:
        barrier.wait(timeout=60)
        s = conn(hp, 30)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
        s.close()
        code = out[9:12].decode(errors="replace")
    except Exception as e:
        code = type(e).__name__
    with lock:
        codes.append(code)
ths = [threading.Thread(target=one) for _ in range(N)]
t = time.time()
for th in ths:
    th.start()
for th in ths:
    th.join()
good = codes.count("200")
report("500 parallel connections: all answered 200", good == N,
       "%d of %d in %.2fs; others %s" % (good, N, time.time() - t,
                                          sorted(set(c for c in codes if c != "200"))))
ok, dt = health_time()
report("healthy after the crowd", ok)
EOF
report "$T/raw.out"
check "raw-socket checks ran to the end" grep -q "healthy after the crowd" "$T/raw.out"

# ---- afterwards ---------------------------------------------------------------------
check "the same server process is still running" kill -0 "$PID0"
eq "/healthz after all that" "$(http "$T/h" "$BASE/healthz") $(cat "$T/h.body")" "200 ok"
eq "refused requests issued nothing" "$(count_certs)" "$COUNT0"
st=$(http "$T/ok" "${AUTH[@]}" --data-binary "@$T/r.csr" "$API")
eq "and a good request is still served" "$st" 201
# ---- header values the handlers parse ------------------------------------------------
# odd LABEL WANT CURL-ARGS...: the status is WANT (never a 5xx, never a hang).
odd() {
	local label=$1 want=$2
	shift 2
	eq "odd header: $label" "$(http "$T/odd" "$@")" "$want"
}
long=$(printf 'x%.0s' $(seq 1 4000))
odd "If-None-Match of commas" 200 -H "If-None-Match: ,,,, ,,," "$BASE/crl"
odd "If-None-Match W/ alone" 200 -H "If-None-Match: W/" "$BASE/ca.pem"
odd "If-None-Match 4000 bytes" 200 -H "If-None-Match: \"$long\", W/\"x" "$BASE/crl.pem"
odd "If-None-Match *" 304 -H "If-None-Match: *" "$BASE/ca.crt"
odd "Accept garbage" 201 "${AUTH[@]}" -H "Accept: ;;;q=,/*,text/;q=zz" --data-binary "@$T/r.csr" "$API"
odd "Accept of an unknown type: PEM, as without Accept" 201 "${AUTH[@]}" -H "Accept: image/png" --data-binary "@$T/r.csr" "$API"
check "  and the answer is a PEM certificate" grep -q "BEGIN CERTIFICATE" "$T/odd.body"
odd "Authorization Basic" 401 -H "Authorization: Basic dXNlcjpwYXNz" --data-binary "@$T/r.csr" "$API"
odd "Authorization Bearer of 4000 bytes" 401 -H "Authorization: Bearer $long" --data-binary "@$T/r.csr" "$API"
odd "Authorization Bearer with spaces" 401 -H "Authorization: Bearer  a b c" --data-binary "@$T/r.csr" "$API"
odd "Content-Type with odd parameters" 201 "${AUTH[@]}" -H "Content-Type: application/x-pem-file; ;;charset=;x" --data-binary "@$T/r.csr" "$API"

# A client that sent half a body and went quiet must not hold up a stop.
python3 - "$HTTP_PORT" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
          b"Content-Length: 1000\r\n\r\nab")
time.sleep(30)
EOF
QUIET=$!
PIDS+=("$QUIET")
sleep 0.5
t0=$(date +%s%N)
stop_server TERM
ms=$((($(date +%s%N) - t0) / 1000000))
eq "SIGTERM after the abuse: clean exit 0" "$SERVER_RC" 0
check "a half-sent body does not hold up the stop (${ms} ms)" test "$ms" -lt 3000
kill "$QUIET" 2>/dev/null || true
finish

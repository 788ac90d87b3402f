#!/usr/bin/env bash
# Refusals of the request's size and pace (issue 13 items 3 and 6): a
# chunked body over 64 KiB is answered 413 as soon as it passes the cap (not
# after it was read whole), one over 2 MiB gets its 413 too; 414 and 431 are
# problem+json; a slow-header attack from four addresses on both listeners
# leaves a normal client served within a second, each slow connection is cut
# once its head is 10 s late, and the log says so in a line, not one per
# connection. The server runs with 1024 descriptors, so its connection limit
# (298 per listener) is what the attack would fill without a per-address
# limit.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
ulimit -n 1024
start_server "$DIR"
ulimit -n "$(ulimit -Hn)"
API=$BASE/api/v1/certificates
TOK=$(token team-a --allow .team-a.internal)
AUTH=(-H "Authorization: Bearer $TOK")
csr "$T/r.csr" web.team-a.internal "DNS:web.team-a.internal"
COUNT0=$(count_certs)

# ---- 414 and 431 as problem+json ------------------------------------------------
st=$(http "$T/u1" "$BASE/certs/$(head -c 10000 /dev/zero | tr '\0' a)")
expect_problem "a 10 KB request target" "$T/u1" "$st" 414 uri-too-long
st=$(http "$T/u2" "$BASE/api/v1/certificates?q=$(head -c 9000 /dev/zero | tr '\0' a)")
expect_problem "a 9 KB query" "$T/u2" "$st" 414 uri-too-long
st=$(http "$T/h1" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' B)" "$BASE/healthz")
expect_problem "20 KB of headers" "$T/h1" "$st" 431 header-too-large
hdrs=()
for i in $(seq 1 40); do hdrs+=(-H "X-H$i: $(head -c 500 /dev/zero | tr '\0' C)"); done
st=$(http "$T/h2" "${hdrs[@]}" "$SBASE/healthz" --cacert "$DIR/ca.pem")
expect_problem "40 headers of 500 bytes over HTTPS" "$T/h2" "$st" 431 header-too-large
st=$(http "$T/h3" -H "X-Fine: $(head -c 8000 /dev/zero | tr '\0' D)" "$BASE/healthz")
eq "8 KB of headers are still served" "$st" 200

# ---- chunked bodies over the cap ----------------------------------------------------
# A client that sends 70 KiB of a chunked body and then waits gets its 413
# without sending the rest (before: no answer until the body ended).
python3 - "$HTTP_PORT" "$HTTPS_PORT" "$TOK" >"$T/chunk.out" 2>&1 <<'EOF' || true
import json, socket, ssl, sys, time
hp, sp, tok = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def report(name, good, extra=""):
    print(("ok   " if good else "FAIL ") + name + (" " + extra if extra else ""))
def open_conn(port, tls):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
    return s
for port, tls in ((hp, False), (sp, True)):
    name = "HTTPS" if tls else "HTTP"
    s = open_conn(port, tls)
    s.sendall(b"POST /api/v1/certificates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
              b"Content-Type: application/pkcs10\r\nTransfer-Encoding: chunked\r\n\r\n" % tok.encode())
    piece = b"A" * 70000
    s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
    t = time.time()
    got = b""
    try:
        while b"\r\n\r\n" not in got or len(got.split(b"\r\n\r\n", 1)[1]) < 10:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError as e:
        got += b" (" + type(e).__name__.encode() + b")"
    dt = time.time() - t
    head, _, body = got.partition(b"\r\n\r\n")
    report("%s: 70 KiB of a chunked body, then waiting: 413 at once" % name,
           head.startswith(b"HTTP/1.1 413") and dt < 3, "%.2fs %r" % (dt, head[:40]))
    report("%s:   as application/problem+json" % name,
           b"content-type: application/problem+json" in head.lower(), repr(head[:200]))
    report("%s:   and Connection: close" % name, b"connection: close" in head.lower())
    try:
        p = json.loads(body.decode() or "{}")
    except ValueError:
        p = {}
    report("%s:   type payload-too-large" % name,
           p.get("type") == "urn:privca:error:payload-too-large" and p.get("status") == 413, repr(body[:80]))
    s.close()
EOF
report "$T/chunk.out"
check "chunked checks ran" grep -q "HTTPS:   type payload-too-large" "$T/chunk.out"

head -c $((3 * 1048576)) /dev/zero | tr '\0' A >"$T/3m"
st=$(http "$T/c3" "${AUTH[@]}" -H "Transfer-Encoding: chunked" -H "Content-Type: application/pkcs10" \
	--data-binary "@$T/3m" "$API")
expect_problem "3 MiB chunked body (before: cut with no answer)" "$T/c3" "$st" 413 payload-too-large
st=$(http "$T/c4" "${AUTH[@]}" -H "Transfer-Encoding: chunked" -H "Content-Type: application/pkcs10" \
	--data-binary "@$T/3m" --cacert "$DIR/ca.pem" "$SBASE/api/v1/certificates")
expect_problem "3 MiB chunked body over HTTPS" "$T/c4" "$st" 413 payload-too-large
st=$(http "$T/c5" "${AUTH[@]}" -H "Transfer-Encoding: chunked" -H "Content-Type: application/pkcs10" \
	--data-binary "@$T/r.csr" "$API")
eq "a chunked CSR under the cap is issued" "$st" 201
rm -f "$T/3m"

# ---- slow headers from four addresses on both listeners -----------------------------
lines0=$(wc -l <"$T/server.log")
python3 - "$HTTP_PORT" "$HTTPS_PORT" >"$T/slow.out" 2>&1 <<'EOF' || true
import resource, socket, ssl, sys, threading, time
hp, sp = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
def report(name, good, extra=""):
    print(("ok   " if good else "FAIL ") + name + (" " + extra if extra else ""), flush=True)
ATTACKERS = ["127.0.0.%d" % i for i in (2, 3, 4, 5)]
PER = 100  # per address and listener: 400 per listener, over its limit of 298
socks = []
for port in (hp, sp):
    for a in ATTACKERS:
        for _ in range(PER):
            try:
                s = socket.socket()
                s.settimeout(2)
                s.bind((a, 0))
                s.connect(("127.0.0.1", port))
                # HTTP: a request line; HTTPS: the start of a ClientHello.
                s.sendall(b"GET / HTTP/1.1\r\n" if port == hp else b"\x16\x03\x01")
                socks.append((port, s))
            except OSError:
                pass
t_open = time.time()
stop = threading.Event()
def drip():
    while not stop.wait(2):
        for port, s in socks:
            try:
                s.sendall(b"X-Slow: 1\r\n" if port == hp else b"\x00")
            except OSError:
                pass
th = threading.Thread(target=drip, daemon=True)
th.start()
time.sleep(1)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def normal(port, tls):
    t = time.time()
    try:
        s = socket.socket()
        s.settimeout(5)
        s.bind(("127.0.0.9", 0))
        s.connect(("127.0.0.1", port))
        if tls:
            s = ctx.wrap_socket(s, server_hostname="localhost")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = s.recv(4096)
        s.close()
        ok = got.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, time.time() - t
for port, tls, name in ((hp, False, "HTTP"), (sp, True, "HTTPS")):
    res = [normal(port, tls) for _ in range(5)]
    worst = max(dt for _, dt in res)
    report("%s: %d slow-header connections from 4 addresses open; a normal client served "
           "within a second" % (name, sum(1 for p, _ in socks if p == port)),
           all(ok for ok, _ in res) and worst < 1.0, "worst %.3fs" % worst)
# The server cuts each slow connection once its head is 10 s late.
time.sleep(max(0, t_open + 12 - time.time()))
stop.set()
cut = 0
for port, s in socks:
    try:
        s.settimeout(0.5)
        while True:
            b = s.recv(4096)
            if not b:
                cut += 1
                break
    except (ConnectionError, OSError) as e:
        if isinstance(e, ConnectionError):
            cut += 1
    s.close()
report("slow-header connections cut within 12 s", cut == len(socks), "%d of %d" % (cut, len(socks)))
report("slow-header checks ran to the end", True)
EOF
report "$T/slow.out"
check "slow-header checks ran" grep -q "checks ran to the end" "$T/slow.out"
sleep 1
new_lines=$(($(wc -l <"$T/server.log") - lines0))
check "the attack made a few log lines, not one per connection ($new_lines)" test "$new_lines" -lt 40
check "  one of them says connections were cut" grep -q "cutting connections that do not send" "$T/server.log"

# ---- the request log (issue 13 item 9) --------------------------------------------
st=$(http "$T/l1" "${AUTH[@]}" --data-binary "@$T/r.csr" "$API")
eq "issued for the log" "$st" 201
SERIAL=$(openssl x509 -in "$T/l1.body" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
st=$(http "$T/l2" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary '{"reason": "superseded"}' \
	"$API/$SERIAL/revoke")
eq "revoked for the log" "$st" 200
sleep 0.3
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
check "log: time, listener, peer, method, path, status, bytes, us, token, serial issued" \
	grep -Eq "^$ts http 127\.0\.0\.1 POST /api/v1/certificates 201 [0-9]+ [0-9]+us team-a $SERIAL\$" "$T/server.log"
check "log: the serial revoked" \
	grep -Eq "^$ts http 127\.0\.0\.1 POST /api/v1/certificates/$SERIAL/revoke 200 [0-9]+ [0-9]+us team-a $SERIAL\$" "$T/server.log"
check "log: a public request has - for token and serial" \
	grep -Eq "^$ts http 127\.0\.0\.1 GET /healthz 200 3 [0-9]+us - -\$" "$T/server.log"
check "log: HTTPS requests name their listener" grep -Eq "^$ts https 127\.0\.0\.1 GET /healthz " "$T/server.log"

# A path of hostile bytes (a quote, a backslash, a byte over 0x7f, 400 more)
# is one log line, escaped and cut at 300 bytes of it: nothing raw reaches
# the log.
python3 - "$HTTP_PORT" <<'PYEOF' || bad "log: the hostile path could not be sent"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b'GET /q"\\\xff' + b"a" * 400 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(65536):
    pass
PYEOF
sleep 0.3
want='GET /q\x22\x5c\xff'"$(printf 'a%.0s' $(seq 1 295))"'... '
eq "log: a hostile path is one line, escaped and cut" "$(grep -cF -e "$want" "$T/server.log")" 1
check "log: no byte of it raw (none over 0x7f in the log)" \
	python3 -c "import sys; sys.exit(any(b > 0x7f for b in open('$T/server.log', 'rb').read()))"

# ---- afterwards ---------------------------------------------------------------------
check "the server is still running" server_alive
eq "/healthz afterwards" "$(http "$T/h" "$BASE/healthz") $(cat "$T/h.body")" "200 ok"
eq "refused requests issued nothing (two CSRs were issued)" "$(count_certs)" "$((COUNT0 + 2))"
stop_server TERM
eq "clean stop" "$SERVER_RC" 0
finish

#!/usr/bin/env bash
# scripts/bench store: the store backends side by side (issue 10's figures),
# all in one run so that they compare:
#   - durable HTTP issuance and revocation at c=16, per second: SQLite;
#     PostgreSQL with one node; two and three nodes on the same database
#     (the clients spread over them);
#   - OCSP (no nonce, cached and uncached serials) and list-page latency,
#     p50/p99, on both backends;
#   - the delay from a revocation on node A to OCSP on node B, p50/p99 over
#     BENCH_REVOKES revocations.
# PostgreSQL is a throwaway cluster of Debian's postgresql-15 (tests/pg.sh)
# on this machine, fsync on; the load generator shares the cores: read the
# ratios, not the absolute rates.
#
# Knobs (environment): BENCH_SECONDS (default 8 per issuance or revocation
# point; a revocation point ends early when it runs out of certificates),
# BENCH_REVOKES (default 100), BENCH_LAT (default 300 requests per latency
# figure).
set -euo pipefail
: "${BUILD:?BUILD must name a build directory with the privca binary}"
: "${PRIVCA_SRC:?PRIVCA_SRC must name the source tree}"
privca="$BUILD/privca"
secs=${BENCH_SECONDS:-8}
revokes=${BENCH_REVOKES:-100}
lat=${BENCH_LAT:-300}

. "$PRIVCA_SRC/tests/pg.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/privca-bench-store.XXXXXX")
pids=()
PG_STATE=$work/pg
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	pg_stop "$PG_STATE" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
pg_start "$PG_STATE" >/dev/null

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# serve DIR: start a node; its base URL in URL. Not in a $(...): the
# substitution would wait for the server's stdout, and the PID would be
# lost with the subshell.
serve() {
	local port
	port=$(free_port)
	"$privca" serve --dir "$1" --http "127.0.0.1:$port" --https "" >/dev/null \
		2>>"$work/serve.log" &
	pids+=($!)
	for _ in $(seq 1 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
	URL="http://127.0.0.1:$port"
}

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k" \
	-subj "/CN=a.bench.internal" -addext "subjectAltName=DNS:a.bench.internal" \
	-out "$work/r.csr" 2>/dev/null

# issue_rate OUT SECONDS TOKEN BASE...: certificates per second from 16
# clients; their serials appended to OUT. SECONDS given as nCOUNT: until
# COUNT certificates are issued instead (at most 10 minutes).
issue_rate() {
	python3 - "$work/r.csr" "$@" <<'EOF'
import json, sys, threading, time, urllib.request
csr, out, lim, tok, bases = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
want = int(lim[1:]) if lim.startswith("n") else None
secs = 600.0 if want is not None else float(lim)
got = []; lock = threading.Lock(); t0 = time.time(); end = t0 + secs; started = [0]
def w(k):
    while time.time() < end:
        with lock:
            if want is not None and started[0] >= want:
                return
            started[0] += 1
        req = urllib.request.Request(bases[k % len(bases)] + "/api/v1/certificates",
            data=json.dumps({"csr": csr}).encode(), headers={"Authorization": "Bearer " + tok,
            "Content-Type": "application/json", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status == 201:
                sn = json.load(r)["serial"]
                with lock: got.append(sn)
ts = [threading.Thread(target=w, args=(k,)) for k in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
open(out, "a").write("".join(sn + "\n" for sn in got))
print("%.0f/s" % (len(got) / (secs if want is None else time.time() - t0)))
EOF
}

# revoke_rate SERIALS SECONDS ADMIN BASE...: revocations per second from 16
# clients, of the serials in the file SERIALS (each once), for SECONDS or
# until they run out.
revoke_rate() {
	python3 - "$@" <<'EOF'
import sys, threading, time, urllib.request
todo = open(sys.argv[1]).read().split()
secs, admin, bases = float(sys.argv[2]), sys.argv[3], sys.argv[4:]
n = [0]; lock = threading.Lock(); t0 = time.time(); end = t0 + secs
def w(k):
    while time.time() < end:
        with lock:
            if not todo:
                return
            sn = todo.pop()
        req = urllib.request.Request(bases[k % len(bases)] + "/api/v1/certificates/%s/revoke" % sn,
            data=b'{"reason": "superseded"}', headers={"Authorization": "Bearer " + admin,
            "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status == 200:
                with lock: n[0] += 1
ts = [threading.Thread(target=w, args=(k,)) for k in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
print("%.0f/s (%d revoked)" % (n[0] / (time.time() - t0), n[0]))
EOF
}

# latency N URL [BODYFILE]: p50/p99 in ms of N GETs (POSTs of BODYFILE).
latency() {
	python3 - "$@" <<'EOF'
import sys, time, urllib.request
n, url = int(sys.argv[1]), sys.argv[2]
body = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else None
v = []
for _ in range(n):
    req = urllib.request.Request(url, data=body,
        headers={"Content-Type": "application/ocsp-request"} if body else {})
    t = time.perf_counter()
    urllib.request.urlopen(req, timeout=30).read()
    v.append((time.perf_counter() - t) * 1000)
v.sort()
print("p50 %.2f ms p99 %.2f ms" % (v[len(v) // 2], v[int(len(v) * 0.99)]))
EOF
}

# setup NAME [init options]: a CA with a token and an admin token; TOK,
# ADMIN and DIR set.
setup() {
	DIR=$work/$1
	shift
	"$privca" init --dir "$DIR" "$@" >/dev/null 2>&1
	TOK=$("$privca" token create bench --dir "$DIR" --allow .bench.internal 2>/dev/null)
	ADMIN=$("$privca" token create admin --dir "$DIR" --admin 2>/dev/null)
}

setup sqlite
serve "$DIR"
A=$URL
sq_rate=$(issue_rate "$work/sq.sn" "$secs" "$TOK" "$A")
sn=$(curl -s "$A/api/v1/certificates?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["serial"])')
openssl ocsp -issuer "$DIR/ca.pem" -serial "0x$sn" -no_nonce -reqout "$work/sq.req" >/dev/null 2>&1
sq_ocsp=$(latency "$lat" "$A/ocsp" "$work/sq.req")
sq_list=$(latency "$lat" "$A/api/v1/certificates?limit=50")

sq_revoke=$(revoke_rate "$work/sq.sn" "$secs" "$ADMIN" "$A")

setup pg --store "$PG_URL"
cp -a "$DIR" "$work/pg2"
cp -a "$DIR" "$work/pg3"
serve "$DIR"
A=$URL
pg_rate=$(issue_rate "$work/pg1.sn" "$secs" "$TOK" "$A")
serve "$work/pg2"
B=$URL
pg2_rate=$(issue_rate "$work/pg2.sn" "$secs" "$TOK" "$A" "$B")
serve "$work/pg3"
C=$URL
pg3_rate=$(issue_rate "$work/pg3.sn" "$secs" "$TOK" "$A" "$B" "$C")
sn=$(curl -s "$A/api/v1/certificates?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["serial"])')
openssl ocsp -issuer "$DIR/ca.pem" -serial "0x$sn" -no_nonce -reqout "$work/pg.req" >/dev/null 2>&1
pg_ocsp=$(latency "$lat" "$A/ocsp" "$work/pg.req")
pg_list=$(latency "$lat" "$A/api/v1/certificates?limit=50")

# Revocation on A, OCSP on B: the delay until B says revoked, over
# BENCH_REVOKES certificates issued for it (through both nodes), however
# many the timed issuance points above happened to make.
issue_rate "$work/delay.sn" "n$revokes" "$TOK" "$A" "$B" >/dev/null
delay=$(python3 - "$A" "$B" "$ADMIN" "$DIR/ca.pem" "$revokes" "$work/delay.sn" <<'EOF'
import json, subprocess, sys, time, urllib.request
a, b, admin, ca, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
serials = open(sys.argv[6]).read().split()
if len(serials) != n:
    sys.exit("bench store: %d certificates for the delay figure, not %d" % (len(serials), n))
def req(sn):
    return subprocess.run(["openssl", "ocsp", "-issuer", ca, "-serial", "0x" + sn, "-no_nonce",
        "-reqout", "/dev/stdout"], capture_output=True).stdout
def revoked(body):
    out = subprocess.run(["openssl", "ocsp", "-respin", "/dev/stdin", "-noverify",
        "-resp_text"], input=body, capture_output=True).stdout
    return b"Cert Status: revoked" in out
v = []
for sn in serials:
    q = req(sn)
    r = urllib.request.Request(a + "/api/v1/certificates/%s/revoke" % sn, data=b"{}",
        headers={"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    urllib.request.urlopen(r, timeout=30).read()
    t = time.perf_counter()
    while True:
        body = urllib.request.urlopen(urllib.request.Request(b + "/ocsp", data=q,
            headers={"Content-Type": "application/ocsp-request"}), timeout=30).read()
        if revoked(body) or time.perf_counter() - t > 30:
            break  # (30 s: never, as far as this figure goes)
        time.sleep(0.005)
    v.append((time.perf_counter() - t) * 1000)
v.sort()
print("p50 %.0f ms p99 %.0f ms over %d" % (v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))],
    len(v)))
EOF
)

# Revocation/s on one node (the certificates issued through one), then
# spread over three (those issued through three).
pg_revoke=$(revoke_rate "$work/pg1.sn" "$secs" "$ADMIN" "$A")
pg3_revoke=$(revoke_rate "$work/pg3.sn" "$secs" "$ADMIN" "$A" "$B" "$C")

printf '%-46s %s\n' \
	"durable issuance c=16, SQLite" "$sq_rate" \
	"durable issuance c=16, PostgreSQL, 1 node" "$pg_rate" \
	"durable issuance c=16, PostgreSQL, 2 nodes" "$pg2_rate" \
	"durable issuance c=16, PostgreSQL, 3 nodes" "$pg3_rate" \
	"durable revocation c=16, SQLite" "$sq_revoke" \
	"durable revocation c=16, PostgreSQL, 1 node" "$pg_revoke" \
	"durable revocation c=16, PostgreSQL, 3 nodes" "$pg3_revoke" \
	"OCSP (no nonce), SQLite" "$sq_ocsp" \
	"OCSP (no nonce), PostgreSQL" "$pg_ocsp" \
	"list page (50), SQLite" "$sq_list" \
	"list page (50), PostgreSQL" "$pg_list" \
	"revocation on A -> OCSP on B (PostgreSQL)" "$delay"

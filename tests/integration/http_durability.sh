#!/usr/bin/env bash
# Durability over HTTP: 200 issuances from 16 parallel clients get distinct
# serials and are all listed; a clean restart keeps them; kill -9 in the
# middle of such a load, restart, and every certificate a client received is
# listed (nothing leaves the process before its row is committed).
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"
TOK=$(token load --allow .load.internal)
for i in 1 2 3 4; do
	csr "$T/r$i.csr" "host$i.load.internal" "DNS:host$i.load.internal"
done

# load OUT N SECONDS: N issuances (at most) from 16 threads, stopping early
# after SECONDS or at the first connection error; every serial received
# (a complete 201 answer) is appended to OUT at once, one per line.
load() {
	python3 - "$BASE" "$TOK" "$T" "$1" "$2" "$3" <<'EOF'
import json, sys, threading, time, urllib.request, urllib.error
base, tok, tdir, out, n, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
csrs = [open("%s/r%d.csr" % (tdir, i)).read() for i in range(1, 5)]
lock = threading.Lock()
state = {"next": 0, "stop": False, "errors": 0, "bad": []}
deadline = time.time() + secs
f = open(out, "a")
def worker():
    while True:
        with lock:
            if state["stop"] or state["next"] >= n or time.time() > deadline:
                return
            i = state["next"]
            state["next"] += 1
        body = json.dumps({"csr": csrs[i % 4]}).encode()
        req = urllib.request.Request(base + "/api/v1/certificates", data=body, headers={
            "Authorization": "Bearer " + tok, "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                d = json.load(r)
                code = r.status
        except urllib.error.HTTPError as e:
            with lock:
                state["bad"].append(e.code)
            continue
        except Exception:
            with lock:
                state["errors"] += 1
                state["stop"] = True
            return
        with lock:
            if code == 201:
                f.write(d["serial"] + "\n")
                f.flush()
            else:
                state["bad"].append(code)
ths = [threading.Thread(target=worker) for _ in range(16)]
for t in ths:
    t.start()
for t in ths:
    t.join()
f.close()
print("refused %s, connection errors %d" % (state["bad"], state["errors"]), file=sys.stderr)
EOF
}

# ---- 200 from 16 clients ------------------------------------------------------------
t0=$(date +%s)
load "$T/first" 200 120 2>"$T/first.err"
say "200 issuances took $(($(date +%s) - t0)) s ($(cat "$T/first.err"))"
eq "200 issuances from 16 clients all answered 201" "$(wc -l <"$T/first")" 200
eq "  with 200 distinct serials" "$(sort -u "$T/first" | wc -l)" 200
all_serials | sort >"$T/listed1"
eq "  all listed" "$(sort "$T/first" | comm -23 - "$T/listed1" | wc -l)" 0

# ---- clean restart ---------------------------------------------------------------------
stop_server TERM
eq "SIGTERM: clean exit 0" "$SERVER_RC" 0
start_server "$DIR"
all_serials | sort >"$T/listed2"
eq "after a restart all 200 are still listed" "$(sort "$T/first" | comm -23 - "$T/listed2" | wc -l)" 0
st=$(http "$T/one" "$BASE/certs/$(head -n 1 "$T/first").crt")
eq "  and downloadable" "$st" 200

# background_load OUT SECONDS N: start a load of up to 2000 issuances in the
# background (LOADER) and return once N certificates were handed out.
background_load() {
	: >"$1"
	load "$1" 2000 "$2" 2>"$1.err" &
	LOADER=$!
	PIDS+=("$LOADER")
	for _ in $(seq 1 300); do
		[ "$(wc -l <"$1")" -ge "$3" ] && break
		sleep 0.05
	done
}

# ---- kill -9 under load ---------------------------------------------------------------
background_load "$T/second" 60 30
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
wait "$LOADER" 2>/dev/null || true
got=$(wc -l <"$T/second")
say "kill -9 after $got certificates were received ($(cat "$T/second.err"))"
check "the load was running when the server was killed" test "$got" -ge 30
if command -v sqlite3 >/dev/null; then
	eq "the database is intact after kill -9" \
		"$(sqlite3 "$DIR/privca.db" 'PRAGMA integrity_check' 2>&1)" ok
fi
start_server "$DIR"
all_serials | sort >"$T/listed3"
eq "after kill -9 and a restart, every certificate a client received is listed" \
	"$(sort "$T/second" | comm -23 - "$T/listed3" | wc -l)" 0
eq "  and the first 200 too" "$(sort "$T/first" | comm -23 - "$T/listed3" | wc -l)" 0
for s in $(head -n 3 "$T/second"); do
	st=$(http "$T/d" "$BASE/certs/$s.pem")
	eq "  $s downloadable after the crash" "$st" 200
done

# ---- privca backup under load, then a CA restored from it ------------------------------
background_load "$T/third" 30 20
cp "$T/third" "$T/before-backup" # received before the backup began
"$PRIVCA" backup --dir "$DIR" --out "$T/backup.db" 2>"$T/backup.err" && rc=0 || rc=$?
eq "privca backup while 16 clients issue: exit 0" "$rc" 0
wait "$LOADER" 2>/dev/null || true
say "backup taken after $(wc -l <"$T/before-backup") of $(wc -l <"$T/third") certificates of that load"
eq "the backup file is 0600" "$(stat -c %a "$T/backup.db")" 600
eq "it is intact" "$(sqlite3 "$T/backup.db" 'PRAGMA integrity_check' 2>&1)" ok
check "it is one file (no -wal beside it)" test ! -e "$T/backup.db-wal"
"$PRIVCA" backup --dir "$DIR" --out "$T/backup.db" 2>"$T/backup2.err" && rc=0 || rc=$?
eq "a second backup onto the same file is refused (exit 1)" "$rc" 1
check "  saying the file exists" grep -q "exists" "$T/backup2.err"
eq "  and the first backup is untouched" "$(sqlite3 "$T/backup.db" 'PRAGMA integrity_check' 2>&1)" ok
mkdir -m 700 "$T/restored"
cp "$DIR/ca.key" "$DIR/ca.pem" "$DIR/tls.key" "$DIR/tls.pem" "$DIR/privca.conf" "$T/restored/"
cp "$T/backup.db" "$T/restored/privca.db"
"$PRIVCA" list --dir "$T/restored" --status all | awk '{ print $1 }' | sort >"$T/restored.list"
eq "the restored CA lists every certificate received before the backup began" \
	"$(sort "$T/before-backup" | comm -23 - "$T/restored.list" | wc -l)" 0
eq "  and the first 200" "$(sort "$T/first" | comm -23 - "$T/restored.list" | wc -l)" 0
csr "$T/after.csr" after.load.internal "DNS:after.load.internal"
check "the restored CA issues (privca sign)" sh -c \
	"'$PRIVCA' sign --dir '$T/restored' --csr '$T/after.csr' >'$T/after.pem' &&
	openssl verify -x509_strict -CAfile '$DIR/ca.pem' '$T/after.pem'"

curl -sf -o "$T/served.crl" "$BASE/crl" || true
"$PRIVCA" crl --dir "$T/restored" --out "$T/restored.crl" 2>>"$T/check.log" || true
check "the restored CA's CRL is the served one, carried in the backup (nothing signed anew)" \
	cmp "$T/served.crl" "$T/restored.crl"

# ---- SIGTERM with a request in flight: it is answered, then the server stops ----------
python3 - "$HTTP_PORT" "$TOK" "$T/r1.csr" "$SERVER_PID" >"$T/inflight" 2>&1 <<'EOF' || true
import json, os, signal, socket, sys, time
port, tok, csr, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
body = json.dumps({"csr": open(csr).read()}).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(b"POST /api/v1/certificates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
          b"Content-Type: application/json\r\nAccept: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % (tok.encode(), len(body)) + body[:100])
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    print("new connection after SIGTERM: accepted")
except OSError:
    print("new connection after SIGTERM: refused")
s.sendall(body[100:])
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
print("answer:", out.split(b"\r\n", 1)[0].decode(errors="replace"))
hdr, _, rest = out.partition(b"\r\n\r\n")
try:
    print("serial:", json.loads(rest)["serial"])
except Exception:
    print("serial: none")
EOF
check "SIGTERM: the request in flight is answered 201" grep -q "answer: HTTP/1.1 201" "$T/inflight"
check "  new connections are refused meanwhile" grep -q "after SIGTERM: refused" "$T/inflight"
stop_server TERM
eq "  and the server exits 0" "$SERVER_RC" 0
INFL=$(sed -n 's/^serial: //p' "$T/inflight")
start_server "$DIR"
eq "  that certificate is listed after a restart" "$(http "$T/inf" "$BASE/api/v1/certificates/$INFL")" 200
stop_server TERM
finish

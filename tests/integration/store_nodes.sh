#!/usr/bin/env bash
# Several nodes, one CA (issue 10, design section 12): three `privca serve`
# processes with copies of one DIR on one PostgreSQL database (a cluster of
# this test's own, tests/pg.sh, so it may stop and start it):
#   - issuance on every node, each listing the others' certificates;
#   - 16 clients spread over the nodes: all 201, unique serials;
#   - a revocation on one node: OCSP and the CRL of the others say revoked
#     within a second; CRL numbers fetched from all nodes never go back and
#     one number is always one CRL;
#   - kill -9 of a node under load: every certificate a client got is there;
#   - PostgreSQL stopped under load: issuance and revocation answer 503
#     with a problem naming the store within a few seconds, the CRL and
#     cached OCSP answers keep being served, /healthz says so; PostgreSQL
#     started again: issuance works without a restart, nothing half-written.
. "$(dirname "$0")/lib.sh"
. "$PRIVCA_SRC/tests/pg.sh"

PG_STATE=$T/pg
pg_start "$PG_STATE" || exit 1
# lib.sh's cleanup calls this after it killed the servers: the cluster is
# stopped by its PID.
on_cleanup() { pg_stop "$PG_STATE"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

DIR=$T/node1
new_ca "$DIR" --store "$PG_URL"
check "init --store wrote the URL into privca.conf" grep -qx "store = $PG_URL" "$DIR/privca.conf"
eq "  and privca.conf is 0600 (the URL holds a password)" "$(stat -c %a "$DIR/privca.conf")" 600
check "  and made no privca.db" test ! -e "$DIR/privca.db"
cp -a "$DIR" "$T/node2"
cp -a "$DIR" "$T/node3"
CA=$DIR/ca.pem

NODES=()
NODE_PIDS=()
for n in 1 2 3; do
	start_server "$T/node$n" || exit 1
	NODES+=("$BASE")
	NODE_PIDS+=("$SERVER_PID")
done
ok "three nodes serve one PostgreSQL store"

TOK=$(token team --allow .nodes.internal)
ADMIN=$(token admin --admin)
for i in 1 2 3 4; do
	csr "$T/r$i.csr" "host$i.nodes.internal" "DNS:host$i.nodes.internal"
done

# issue_on BASE CSR: issue; the serial on stdout.
issue_on() {
	local st
	st=$(http "$T/iss" -H "Authorization: Bearer $TOK" -H "Accept: application/json" \
		-H "Content-Type: application/x-pem-file" --data-binary "@$2" "$1/api/v1/certificates")
	[ "$st" = 201 ] || {
		say "issue on $1: $st $(head -c 300 "$T/iss.body")"
		return 1
	}
	json "$T/iss.body" 'd["serial"]'
}

# serials_on BASE: every serial node BASE lists, sorted.
serials_on() {
	BASE=$1 all_serials | sort
}

# ---- issuance on all, listings see each other ---------------------------------
: >"$T/mine"
for n in 0 1 2; do
	issue_on "${NODES[$n]}" "$T/r1.csr" >>"$T/mine" || bad "issue on node $((n + 1))"
done
eq "one issuance on each node" "$(sort -u "$T/mine" | wc -l)" 3
for n in 0 1 2; do
	eq "  node $((n + 1)) lists all three" \
		"$(serials_on "${NODES[$n]}" | comm -13 - <(sort "$T/mine") | wc -l)" 0
done

# load OUT N SECONDS BASE...: N issuances (at most) from 16 threads spread
# over the nodes, stopping after SECONDS; every serial received (a complete
# 201) is appended to OUT at once; other statuses counted on stderr.
load() {
	python3 - "$TOK" "$T" "$@" <<'EOF'
import json, sys, threading, time, urllib.request, urllib.error
tok, tdir, out, n, secs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
bases = sys.argv[6:]
csrs = [open("%s/r%d.csr" % (tdir, i)).read() for i in range(1, 5)]
lock = threading.Lock()
state = {"next": 0, "codes": {}, "errors": 0}
deadline = time.time() + secs
f = open(out, "a")
def worker(k):
    base = bases[k % len(bases)]
    while True:
        with lock:
            if state["next"] >= n or time.time() > deadline:
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
            code, d = e.code, None
        except Exception:
            with lock:
                state["errors"] += 1
            time.sleep(0.05)
            continue
        with lock:
            if code == 201:
                f.write(d["serial"] + "\n")
                f.flush()
            else:
                state["codes"][code] = state["codes"].get(code, 0) + 1
ths = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
for t in ths:
    t.start()
for t in ths:
    t.join()
f.close()
print("other statuses %s, connection errors %d" % (state["codes"], state["errors"]), file=sys.stderr)
EOF
}

# ---- 16 clients over three nodes ----------------------------------------------
: >"$T/load1"
load "$T/load1" 96 120 "${NODES[@]}" 2>"$T/load1.err"
say "96 issuances over 3 nodes: $(cat "$T/load1.err")"
eq "16 clients over 3 nodes: 96 answered 201" "$(wc -l <"$T/load1")" 96
eq "  with 96 distinct serials" "$(sort -u "$T/load1" | wc -l)" 96
eq "  all listed by node 2" "$(sort "$T/load1" | comm -23 - <(serials_on "${NODES[1]}") | wc -l)" 0

# ---- revocation reaches the other nodes within a second -----------------------
# ocsp_on BASE SERIAL: openssl ocsp's status for SERIAL at node BASE (no
# nonce: the answer a node caches).
ocsp_on() {
	openssl ocsp -no_nonce -issuer "$CA" -serial "0x$2" -url "$1/ocsp" -CAfile "$CA" -timeout 5 \
		2>&1 | sed -n "s/^0x$2: //p"
}
# crl_on BASE FILE: node BASE's CRL (DER) into FILE.
crl_on() { curl -sSf --max-time 5 -o "$2" "$1/crl"; }
crl_lists() {
	openssl crl -inform DER -in "$1" -noout -text | grep -qi "Serial Number: $2"
}
crl_num() {
	local h
	h=$(openssl crl -inform DER -in "$1" -noout -crlnumber | sed -n 's/^crlNumber=0x//p')
	echo $((16#${h:-0}))
}

# revoke_on BASE SERIAL: the status code.
revoke_on() {
	http "$T/rev" -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \
		--data-binary '{"reason": "keyCompromise"}' "$1/api/v1/certificates/$2/revoke"
}

# seen_within WHAT COMMAND...: poll COMMAND until it succeeds (at most 3 s);
# says after how many ms, and whether that was within a second.
seen_within() {
	local what=$1 t0 ms=
	shift
	t0=$(now_ms)
	for _ in $(seq 1 60); do
		if "$@"; then
			ms=$(($(now_ms) - t0))
			break
		fi
		sleep 0.02
	done
	say "  $what after ${ms:-no answer in 3000} ms"
	check "  $what within 1 s" test -n "$ms" -a "${ms:-9999}" -le 1000
}
ocsp_revoked() { [ "$(ocsp_on "$1" "$2")" = revoked ]; }
crl_revoked() { crl_on "$1" "$T/c.crl" && crl_lists "$T/c.crl" "$2"; }

for k in 1 2 3 4 5 6; do
	sn=$(sed -n "${k}p" "$T/load1")
	from=$(((k - 1) % 3))
	to=$((k % 3))
	eq "ocsp of $sn on node $((to + 1)) says good first" "$(ocsp_on "${NODES[$to]}" "$sn")" good
	eq "  revoked on node $((from + 1))" "$(revoke_on "${NODES[$from]}" "$sn")" 200
	if [ "$k" -le 3 ]; then
		seen_within "OCSP of node $((to + 1)) says revoked" ocsp_revoked "${NODES[$to]}" "$sn"
	else
		seen_within "the CRL of node $((to + 1)) lists it" crl_revoked "${NODES[$to]}" "$sn"
	fi
done

# ---- CRL numbers from all nodes while revoking --------------------------------
: >"$T/crlnums"
badorder=0
declare -A last_num=()
for k in $(seq 7 15); do
	sn=$(sed -n "${k}p" "$T/load1")
	revoke_on "${NODES[$((k % 3))]}" "$sn" >/dev/null
	for n in 0 1 2; do
		crl_on "${NODES[$n]}" "$T/n.crl" || continue
		num=$(crl_num "$T/n.crl")
		[ "$num" -ge "${last_num[$n]:-0}" ] || badorder=1
		last_num[$n]=$num
		echo "$num $(sha256sum <"$T/n.crl" | cut -c1-64)" >>"$T/crlnums"
	done
done
eq "CRL numbers from each node never go back" "$badorder" 0
eq "  and one number is always the same CRL" \
	"$(sort -u "$T/crlnums" | cut -d' ' -f1 | uniq -d | wc -l)" 0
for n in 0 1 2; do
	crl_on "${NODES[$n]}" "$T/final$n.crl"
done
for k in $(seq 7 15); do
	sn=$(sed -n "${k}p" "$T/load1")
	within_ok=0
	for _ in $(seq 1 20); do
		crl_on "${NODES[0]}" "$T/f.crl" && crl_lists "$T/f.crl" "$sn" && within_ok=1 && break
		sleep 0.1
	done
	[ "$within_ok" = 1 ] || bad "revocation of $sn is not on node 1's CRL"
done
ok "every revocation made on any node is on node 1's CRL"

# ---- kill -9 of a node under load ---------------------------------------------
: >"$T/load2"
load "$T/load2" 600 4 "${NODES[@]}" 2>"$T/load2.err" &
LOADER=$!
for _ in $(seq 1 200); do
	[ "$(wc -l <"$T/load2")" -ge 30 ] && break
	sleep 0.05
done
kill -KILL "${NODE_PIDS[1]}"
wait "$LOADER" || true
say "kill -9 of node 2 under load: $(wc -l <"$T/load2") received ($(cat "$T/load2.err"))"
check "  some certificates were received" test "$(wc -l <"$T/load2")" -gt 30
eq "  every certificate a client received is listed by node 1" \
	"$(sort -u "$T/load2" | comm -23 - <(serials_on "${NODES[0]}") | wc -l)" 0

# ---- PostgreSQL stopped and started under load --------------------------------
B=${NODES[0]}
ocsp_on "$B" "$(sed -n 20p "$T/load1")" >/dev/null # now in the OCSP cache
crl_on "$B" "$T/before.crl"
pg_halt
t0=$(date +%s)
st=$(http "$T/down" -H "Authorization: Bearer $TOK" -H "Accept: application/json" \
	-H "Content-Type: application/x-pem-file" --data-binary "@$T/r2.csr" "$B/api/v1/certificates")
took=$(($(date +%s) - t0))
expect_problem "PostgreSQL down: issuance" "$T/down" "$st" 503 unavailable
check "  within a few seconds ($took s)" test "$took" -le 5
if grep -qi "postgresql" "$T/down.body"; then
	ok "  and the problem names the store"
else
	bad "  and the problem names the store: $(tr '\n' ' ' <"$T/down.body")"
fi
st=$(revoke_on "$B" "$(sed -n 30p "$T/load1")")
expect_problem "PostgreSQL down: revocation" "$T/rev" "$st" 503 unavailable
st=$(http "$T/crl" "$B/crl")
eq "  the CRL is still served" "$st" 200
check "  the same CRL as before" cmp -s "$T/crl.body" "$T/before.crl"
eq "  a cached OCSP answer is still served" "$(ocsp_on "$B" "$(sed -n 20p "$T/load1")")" good
st=$(http "$T/h" "$B/healthz")
eq "  /healthz says it is not healthy" "$st" 503
check "  and why" grep -qi "postgresql" "$T/h.body"
: >"$T/load3"
load "$T/load3" 40 3 "$B" 2>"$T/load3.err"
say "  issuance while down: $(wc -l <"$T/load3") received ($(cat "$T/load3.err"))"
eq "  no issuance succeeds while it is down" "$(wc -l <"$T/load3")" 0
pg_resume || exit 1
got=
for _ in $(seq 1 100); do
	if sn=$(issue_on "$B" "$T/r3.csr" 2>/dev/null); then
		got=$sn
		break
	fi
	sleep 0.1
done
check "PostgreSQL back: issuance works again without a restart" test -n "$got"
check "  the node never restarted" kill -0 "${NODE_PIDS[0]}"
# Another node may still hold its breaker for the outage (ca/store/pg.c:
# DOWN_MS, a second after its last failed connect) and answer 503 so long.
for _ in $(seq 1 30); do
	st=$(http "$T/one" "${NODES[2]}/api/v1/certificates/$got")
	[ "$st" = 503 ] || break
	sleep 0.1
done
eq "  and another node finds that certificate (within its breaker's second)" "$st" 200
before=$(wc -l < <(serials_on "$B"))
: >"$T/load4"
load "$T/load4" 32 60 "${NODES[0]}" "${NODES[2]}" 2>"$T/load4.err"
say "  after recovery: $(cat "$T/load4.err")"
eq "  32 more issuances after recovery all 201" "$(wc -l <"$T/load4")" 32
eq "  listed: exactly those more" "$(wc -l < <(serials_on "$B"))" $((before + 32))

finish

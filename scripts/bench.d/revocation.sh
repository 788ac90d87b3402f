#!/usr/bin/env bash
# scripts/bench revocation: issue 4's figures, printed, never asserted.
#
# (a) CRL build + sign, whole process, wall time and peak RSS
#     (/usr/bin/time), with N revoked certificates: `privca crl` on a store
#     holding N revoked rows (inserted directly with sqlite3), `openssl ca
#     -gencrl` on an index.txt of the same N entries and `cfssl gencrl` on a
#     list of the same N serials, same CA key (P-256), same run.
# (c) A revocation over the API with N revoked (issue 11): milliseconds
#     until /crl/delta lists it and until /crl does, both sizes, and the
#     server's peak RSS.
# (b) OCSP responses per second with wrk (POST, keep-alive, pre-made DER
#     requests cycled by a Lua script) for requests without a nonce (privca
#     answers them from its cache) and with a nonce (signed live), against
#     `privca serve`, `openssl ocsp -index ... -multi 2` (in a network and PID
#     namespace with only loopback: in 3.0 it listens on all interfaces and
#     daemonises its workers) and `cfssl ocspserve` with responses pre-signed
#     by `cfssl ocsprefresh` from a SQLite certdb holding the same
#     certificates. The load generator shares the cores with the server (see
#     ../shared/docs/peers.md): compare ratios within one run.
#
# Called by scripts/bench with BUILD set (release build directory). Knobs:
# BENCH_KEEP=1 keeps the work directory (logs, wrk output) for a look;
# BENCH_CRL_SIZES (default "10000 100000 1000000"), BENCH_CONC (default
# "1 4 16"), BENCH_DURATION (wrk -d, default 5s), BENCH_NONCE_REQS (distinct
# nonce requests, default 256).
set -euo pipefail
: "${BUILD:?BUILD must name a release build directory with the privca binary}"
PRIVCA=${PRIVCA:-$BUILD/privca}
export OPENSSL_CONF=/dev/null LC_ALL=C

read -r -a sizes <<<"${BENCH_CRL_SIZES:-10000 100000 1000000}"
read -r -a concs <<<"${BENCH_CONC:-1 4 16}"
dur=${BENCH_DURATION:-5s}
nnonce=${BENCH_NONCE_REQS:-256}
ncert=16 # certificates the OCSP requests ask about; the first 4 are revoked

# ---- the openssl responder, run inside its own namespaces ----------------------
# scripts/bench.d/revocation.sh --openssl-inner WORKDIR PORT check|SET:C runs
# as init of a fresh network + PID namespace: one responder, then either the
# answer checks or one wrk run. Everything it started dies with the namespace
# when it exits, and every run gets a fresh responder (clients that close
# idle keep-alive connections at the end of a run wedge the 3.0 responder).
if [ "${1:-}" = --openssl-inner ]; then
	W=$2
	port=$3
	what=$4
	ip link set lo up
	cd "$W/openssl"
	openssl ocsp -index index.txt -CA "$W/ocsp/ca.pem" -rsigner "$W/ocsp/ca.pem" \
		-rkey "$W/ocsp/ca.key" -port "$port" -multi 2 -ignore_err -nmin 60 \
		>>responder.log 2>&1 &
	# Wait by looking at the socket table: a probe connection that closes
	# without a request leaves the 3.0 responder answering nothing more.
	for _ in $(seq 1 100); do
		ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.05
	done
	if [ "$what" = check ]; then
		for k in $(seq 1 "$ncert"); do
			curl -sS --max-time 5 -H "Content-Type: application/ocsp-request" \
				--data-binary "@$W/req/plain-$k.der" -o "$W/openssl/check-$k.der" \
				"http://127.0.0.1:$port/ocsp" || true
		done
		exit 0
	fi
	set=${what%%:*}
	c=${what#*:}
	n=$ncert
	[ "$set" = plain ] || n=$(cat "$W/nnonce")
	wrk -t$((c < 2 ? c : 2)) -c"$c" -d"$(cat "$W/dur")" --latency -s "$W/post.lua" \
		"http://127.0.0.1:$port/ocsp" -- "$W/req" "$set" "$n" >"$W/wrk/openssl-$what.txt" 2>&1 ||
		true
	exit 0
fi

for tool in openssl sqlite3 wrk cfssl curl python3 ss unshare ip; do
	command -v "$tool" >/dev/null || {
		echo "bench revocation: $tool is missing (scripts/deps bench installs it)" >&2
		exit 1
	}
done
[ -x /usr/bin/time ] || {
	echo "bench revocation: /usr/bin/time is missing (Debian package time)" >&2
	exit 1
}
[ -x "$PRIVCA" ] || {
	echo "bench revocation: no $PRIVCA" >&2
	exit 1
}

W=$(mktemp -d "${TMPDIR:-/tmp}/privca-bench-rev.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		say "kept $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # free_port

# listening PORT: wait (5 s at most) until something listens on PORT.
listening() {
	for _ in $(seq 1 100); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# timed OUT COMMAND...: run COMMAND (stdout to OUT.out); "SECONDS KIB" in OUT.
timed() {
	local out=$1
	shift
	if ! /usr/bin/time -f '%e %M' -o "$out" "$@" >"$out.out" 2>"$out.err"; then
		say "  failed: $* ($(tail -n 2 "$out.err" | tr '\n' ' '))"
		echo "- -" >"$out"
	fi
}

# fmt_timed FILE: "0.42 s  61 MiB" from a timed result.
fmt_timed() {
	local s k
	read -r s k <"$1"
	if [ "$s" = - ]; then
		echo "failed"
	else
		echo "$s s $((k / 1024)) MiB"
	fi
}

# ---- (a) CRL ----------------------------------------------------------------------

crl_bench() {
	local d=$W/crl have=0 n now
	"$PRIVCA" init --dir "$d" >/dev/null 2>&1
	now=$(date +%s)
	mkdir -p "$W/osl"
	cat >"$W/osl/openssl.cnf" <<EOF
[ ca ]
default_ca = bench
[ bench ]
database = $W/osl/index.txt
crlnumber = $W/osl/crlnumber
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
default_crl_days = 7
unique_subject = no
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
	printf '%-9s | %-28s | %-18s | %-18s | %s\n' entries "privca crl" "openssl ca -gencrl" \
		"cfssl gencrl" "openssl/privca" >"$W/table-a"
	printf '%-9s | %-10s | %-20s | %-20s | %-16s | %s\n' entries "serve up" \
		"on /crl/delta after" "on /crl after" "serve peak RSS" "" >"$W/table-c"
	for n in "${sizes[@]}"; do
		[ "$n" -gt "$have" ] || continue
		say "CRL: $n revoked certificates"
		# Revoked rows as the store keeps them: random 16-byte serials with
		# the first byte in 0x40-0x4f, reasons spread over the codes, not
		# expired. Inserted directly (the trigger only fires on UPDATE), so
		# the revocation generation is raised by hand: otherwise privca crl
		# would rightly take the CRL recorded by the previous size as
		# current, and time nothing.
		sqlite3 "$d/privca.db" >/dev/null <<EOF
PRAGMA synchronous = OFF;
WITH RECURSIVE c(i) AS (SELECT $have + 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, not_after,
	profile, requester, fingerprint_sha256, der, status, revoked_at, revocation_reason,
	created_at)
SELECT s, 'CN=r' || i || '.bench.internal', 'r' || i || '.bench.internal', '',
	$now - 86400, $now + 86400 * 365, 'server', 'bench', '', x'', 'revoked',
	$now - i % 86400, (i % 6) * (i % 6 <> 2), $now - 86400
FROM (SELECT i, '4' || substr(lower(hex(randomblob(16))), 1, 31) AS s FROM c);
UPDATE revocation_state SET generation = generation + 1 WHERE id = 1;
EOF
		have=$n

		timed "$W/a-privca-$n" "$PRIVCA" crl --dir "$d" --out "$W/privca-$n.crl"
		local v=verify-FAILED
		openssl crl -inform DER -in "$W/privca-$n.crl" -CAfile "$d/ca.pem" -noout \
			>/dev/null 2>&1 && v="verify OK"
		local got
		got=$(openssl crl -inform DER -in "$W/privca-$n.crl" -noout -text 2>/dev/null |
			grep -c 'Serial Number:' || true)
		[ "$got" -eq "$n" ] || v="$v, but $got entries, not $n"
		say "  privca: $(fmt_timed "$W/a-privca-$n"), $(wc -c <"$W/privca-$n.crl") bytes, $v"

		# The same entries as an OpenSSL index.txt (R lines with reasons).
		sqlite3 -separator $'\t' "$d/privca.db" >"$W/osl/index.txt" <<'EOF'
SELECT 'R', substr(strftime('%Y%m%d%H%M%S', not_after, 'unixepoch'), 3) || 'Z',
	substr(strftime('%Y%m%d%H%M%S', revoked_at, 'unixepoch'), 3) || 'Z' ||
	CASE revocation_reason WHEN 1 THEN ',keyCompromise' WHEN 3 THEN ',affiliationChanged'
	WHEN 4 THEN ',superseded' WHEN 5 THEN ',cessationOfOperation' ELSE '' END,
	upper(serial), 'unknown', '/CN=' || serial
FROM certificates WHERE status = 'revoked';
EOF
		echo 01 >"$W/osl/crlnumber"
		timed "$W/a-openssl-$n" openssl ca -config "$W/osl/openssl.cnf" -gencrl \
			-out "$W/openssl-$n.crl"
		say "  openssl ca -gencrl: $(fmt_timed "$W/a-openssl-$n")"

		# cfssl gencrl takes decimal serials, one a line.
		sqlite3 "$d/privca.db" "SELECT serial FROM certificates WHERE status = 'revoked'" |
			python3 -c 'import sys
sys.stdout.writelines("%d\n" % int(l, 16) for l in sys.stdin)' >"$W/serials.txt"
		timed "$W/a-cfssl-$n" cfssl gencrl "$W/serials.txt" "$d/ca.pem" "$d/ca.key"
		say "  cfssl gencrl: $(fmt_timed "$W/a-cfssl-$n")"

		local ps os ratio
		read -r ps _ <"$W/a-privca-$n"
		read -r os _ <"$W/a-openssl-$n"
		ratio=$(python3 -c 'import sys
try:
    p, o = float(sys.argv[1]), float(sys.argv[2])
    print("%.1fx" % (o / p) if p > 0 else "-")
except ValueError:
    print("-")' "$ps" "$os")
		printf '%-9s | %-28s | %-18s | %-18s | %s\n' "$n" \
			"$(fmt_timed "$W/a-privca-$n") ($v)" "$(fmt_timed "$W/a-openssl-$n")" \
			"$(fmt_timed "$W/a-cfssl-$n")" "$ratio" >>"$W/table-a"
		say "  privca serve: a revocation at $n"
		delta_bench "$d" "$n"
		have=$((have + 1)) # the row delta_bench revoked
	done
}

# ---- (c) a revocation at N: delta CRL and complete CRL ------------------------------

# ms_now: milliseconds since the epoch.
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# poll_lists URL SERIAL: wait (60 s at most) until the CRL at URL lists
# SERIAL (upper-case hex); prints the milliseconds it took, or "-".
poll_lists() {
	local url=$1 serial=$2 t0 f=$W/poll.crl
	t0=$(ms_now)
	while [ $(($(ms_now) - t0)) -lt 60000 ]; do
		if curl -sf -o "$f" "$url" && openssl crl -inform DER -in "$f" -noout -text 2>/dev/null |
			grep -q "Serial Number: $serial\$"; then
			echo $(($(ms_now) - t0))
			return
		fi
		sleep 0.01
	done
	echo -
}

# delta_bench DIR N: privca serve on DIR (N revoked rows), one certificate
# revoked over the API; how long until /crl/delta and /crl list it, their
# sizes, the server's RSS. Row for table-c.
delta_bench() {
	local d=$1 n=$2 port tok serial up pid rss t0 td tf
	port=$(free_port)
	tok=$("$PRIVCA" token create "admin-$n" --dir "$d" --admin 2>/dev/null)
	# A real certificate to revoke, issued offline before the service starts.
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/CN=d$n.bench.internal" -out "$W/c-$n.csr" 2>/dev/null
	"$PRIVCA" sign --dir "$d" --csr "$W/c-$n.csr" >"$W/c-$n.pem" 2>/dev/null
	serial=$(openssl x509 -in "$W/c-$n.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
	up=$(ms_now)
	"$PRIVCA" serve --dir "$d" --http "127.0.0.1:$port" --https "" 2>"$W/c-serve-$n.log" &
	pid=$!
	pids+=("$pid")
	until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
		sleep 0.05
		[ $(($(ms_now) - up)) -lt 120000 ] || break
	done
	up=$(($(ms_now) - up))
	# Settle: the first CRL is built at start; let the search index catch up.
	sleep 2
	t0=$(ms_now)
	curl -sf -o /dev/null -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
		--data-binary '{"reason": "keyCompromise"}' \
		"http://127.0.0.1:$port/api/v1/certificates/$serial/revoke" || say "  revoke failed"
	local up_serial=${serial^^}
	td=$(poll_lists "http://127.0.0.1:$port/crl/delta" "$up_serial")
	[ "$td" = - ] || td=$(($(ms_now) - t0))
	tf=$(poll_lists "http://127.0.0.1:$port/crl" "$up_serial")
	[ "$tf" = - ] || tf=$(($(ms_now) - t0))
	curl -sf -o "$W/c-delta-$n.crl" "http://127.0.0.1:$port/crl/delta" || true
	curl -sf -o "$W/c-full-$n.crl" "http://127.0.0.1:$port/crl" || true
	rss=$(awk '/^VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo "?")
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	printf '%-9s | %-10s | %-20s | %-20s | %-16s | %s\n' "$n" "${up} ms" \
		"${td} ms, $(wc -c <"$W/c-delta-$n.crl" 2>/dev/null || echo ?) B" \
		"${tf} ms, $(wc -c <"$W/c-full-$n.crl" 2>/dev/null || echo ?) B" "$rss MiB" \
		"$(openssl crl -inform DER -in "$W/c-delta-$n.crl" -CAfile "$d/ca.pem" -noout 2>&1 |
			grep -q 'verify OK' && echo 'delta verify OK' || echo 'delta verify FAILED')" \
		>>"$W/table-c"
}

# ---- (b) OCSP ---------------------------------------------------------------------

# wrk_run NAME URL SET: wrk over the SET requests (plain or nonce) at each
# concurrency; output in $W/wrk/NAME-SET-C.txt.
wrk_run() {
	local name=$1 url=$2 set=$3 c t n=$ncert
	[ "$set" = plain ] || n=$nnonce
	for c in "${concs[@]}"; do
		t=$((c < 2 ? c : 2))
		wrk -t"$t" -c"$c" -d"$dur" --latency -s "$W/post.lua" "$url" -- "$W/req" "$set" "$n" \
			>"$W/wrk/$name-$set-$c.txt" 2>&1 || true
	done
}

# wrk_cell FILE: "12345/s p99 1.2ms" (+ "!N non-2xx" / "!errors") from wrk output.
wrk_cell() {
	local f=$1 rps p99 non2 err
	[ -s "$f" ] || {
		echo "n/a"
		return
	}
	rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$f")
	p99=$(awk '$1 == "99%" { print $2 }' "$f")
	non2=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
	err=$(sed -n 's/^ *Socket errors: //p' "$f")
	printf '%s/s p99 %s%s%s' "${rps:-?}" "${p99:-?}" "${non2:+ !$non2 non-2xx}" \
		"${err:+ !errors}"
}

# check_resp DER CERT STATUS: the response verifies and says STATUS for CERT.
check_resp() {
	openssl ocsp -no_nonce -respin "$1" -issuer "$W/ocsp/ca.pem" -cert "$2" \
		-CAfile "$W/ocsp/ca.pem" 2>&1 | grep -qx "$2: $3"
}

ocsp_bench() {
	local d=$W/ocsp k hp sp port
	mkdir -p "$W/req" "$W/wrk" "$W/leaf" "$W/openssl" "$W/cfssl"
	"$PRIVCA" init --dir "$d" >/dev/null 2>&1
	say "OCSP: $ncert certificates, $nnonce nonce requests"
	for k in $(seq 1 "$ncert"); do
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$W/leaf/$k.key" -subj "/CN=l$k.bench.internal" \
			-out "$W/leaf/$k.csr" 2>/dev/null
		"$PRIVCA" sign --dir "$d" --csr "$W/leaf/$k.csr" >"$W/leaf/$k.pem" 2>/dev/null
		if [ "$k" -le 4 ]; then
			"$PRIVCA" revoke --dir "$d" "$(openssl x509 -in "$W/leaf/$k.pem" -noout -serial |
				cut -d= -f2)" --reason keyCompromise 2>/dev/null
		fi
		openssl ocsp -issuer "$d/ca.pem" -cert "$W/leaf/$k.pem" -no_nonce \
			-reqout "$W/req/plain-$k.der" >/dev/null 2>&1
	done
	for k in $(seq 1 "$nnonce"); do
		openssl ocsp -issuer "$d/ca.pem" -cert "$W/leaf/$(((k - 1) % ncert + 1)).pem" \
			-reqout "$W/req/nonce-$k.der" >/dev/null 2>&1
	done

	# Requests cycle per wrk thread from a different start. wrk.resolve is
	# replaced: the stock one connects and closes once per address to probe,
	# which leaves the OpenSSL 3.0 responder answering nothing more.
	cat >"$W/post.lua" <<'EOF'
local bodies, i = {}, 0
local headers = { ["Content-Type"] = "application/ocsp-request" }

wrk.resolve = function(host, service)
	wrk.addrs = wrk.lookup(host, service)
end

function init(args)
	local dir, set, n = args[1], args[2], tonumber(args[3])
	for k = 1, n do
		local f = assert(io.open(string.format("%s/%s-%d.der", dir, set, k), "rb"))
		bodies[k] = f:read("*a")
		f:close()
	end
	i = math.random(n)
end

function request()
	i = i % #bodies + 1
	return wrk.format("POST", wrk.path, headers, bodies[i])
end
EOF
	echo "$dur" >"$W/dur"
	echo "$nnonce" >"$W/nnonce"

	# privca
	hp=$(free_port)
	sp=$(free_port)
	"$PRIVCA" serve --dir "$d" --http "127.0.0.1:$hp" --https "127.0.0.1:$sp" \
		2>"$W/privca-serve.log" &
	local spid=$!
	pids+=("$spid")
	for _ in $(seq 1 100); do
		curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$hp/healthz" && break
		sleep 0.1
	done
	local okp=0 okn=0
	for k in $(seq 1 "$ncert"); do # also warms the cache
		curl -sS --max-time 5 -H "Content-Type: application/ocsp-request" \
			--data-binary "@$W/req/plain-$k.der" -o "$W/privca-check-$k.der" \
			"http://127.0.0.1:$hp/ocsp" || true
		local want=good
		[ "$k" -gt 4 ] || want=revoked
		check_resp "$W/privca-check-$k.der" "$W/leaf/$k.pem" "$want" && okp=$((okp + 1))
	done
	curl -sS --max-time 5 -H "Content-Type: application/ocsp-request" \
		--data-binary "@$W/req/nonce-1.der" -o "$W/privca-check-nonce.der" \
		"http://127.0.0.1:$hp/ocsp" || true
	openssl ocsp -reqin "$W/req/nonce-1.der" -respin "$W/privca-check-nonce.der" \
		-CAfile "$d/ca.pem" >/dev/null 2>&1 && okn=1
	say "  privca serve: $okp/$ncert no-nonce answers right, nonce echoed: $okn"
	wrk_run privca "http://127.0.0.1:$hp/ocsp" plain
	wrk_run privca "http://127.0.0.1:$hp/ocsp" nonce
	kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true

	# openssl ocsp, from an index.txt of the same certificates
	sqlite3 -separator $'\t' "$d/privca.db" >"$W/openssl/index.txt" <<'EOF'
SELECT CASE status WHEN 'revoked' THEN 'R' ELSE 'V' END,
	substr(strftime('%Y%m%d%H%M%S', not_after, 'unixepoch'), 3) || 'Z',
	CASE WHEN status = 'revoked' THEN substr(strftime('%Y%m%d%H%M%S', revoked_at, 'unixepoch'), 3)
		|| 'Z,keyCompromise' ELSE '' END,
	upper(serial), 'unknown', '/CN=' || serial
FROM certificates;
EOF
	port=$(free_port)
	local oko=0 inner=(unshare --net --pid --fork bash "${BASH_SOURCE[0]}" --openssl-inner "$W")
	if "${inner[@]}" "$port" check >"$W/openssl/inner.log" 2>&1; then
		for k in $(seq 1 "$ncert"); do
			local want=good
			[ "$k" -gt 4 ] || want=revoked
			check_resp "$W/openssl/check-$k.der" "$W/leaf/$k.pem" "$want" && oko=$((oko + 1))
		done
		say "  openssl ocsp -multi 2: $oko/$ncert no-nonce answers right"
		local set c
		for set in plain nonce; do
			for c in "${concs[@]}"; do
				"${inner[@]}" "$port" "$set:$c" >>"$W/openssl/inner.log" 2>&1 || true
				mv "$W/wrk/openssl-$set:$c.txt" "$W/wrk/openssl-$set-$c.txt" 2>/dev/null || true
			done
		done
	else
		say "  openssl ocsp: cannot run in a namespace ($(tail -n 1 "$W/openssl/inner.log"))"
	fi

	# cfssl: the same certificates in a SQLite certdb, responses pre-signed
	sqlite3 "$W/cfssl/certs.db" <<'EOF'
CREATE TABLE certificates (serial_number TEXT NOT NULL, authority_key_identifier TEXT NOT NULL,
	ca_label TEXT, status TEXT NOT NULL, reason INTEGER, expiry TIMESTAMP,
	revoked_at TIMESTAMP, pem TEXT NOT NULL,
	PRIMARY KEY (serial_number, authority_key_identifier));
CREATE TABLE ocsp_responses (serial_number TEXT NOT NULL, authority_key_identifier TEXT NOT NULL,
	body TEXT NOT NULL, expiry TIMESTAMP,
	PRIMARY KEY (serial_number, authority_key_identifier));
EOF
	python3 - "$d/privca.db" "$W/cfssl/certs.db" "$W"/leaf/*.pem <<'EOF'
import datetime, sqlite3, subprocess, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
ts = lambda t: datetime.datetime.utcfromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")
for f in sys.argv[3:]:
    pem = open(f).read()
    serial = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem,
                            capture_output=True, text=True).stdout.split("=")[1].strip().lower()
    st, reason, na, ra = src.execute("SELECT status, revocation_reason, not_after, revoked_at "
                                     "FROM certificates WHERE serial = ?", (serial,)).fetchone()
    dst.execute("INSERT INTO certificates VALUES (?, ?, '', ?, ?, ?, ?, ?)",
                (str(int(serial, 16)), "bench", "revoked" if st == "revoked" else "good",
                 reason or 0, ts(na), ts(ra) if ra else "0001-01-01 00:00:00", pem))
dst.commit()
EOF
	echo '{"driver": "sqlite3", "data_source": "'"$W"'/cfssl/certs.db?_journal_mode=WAL"}' \
		>"$W/cfssl/db.json"
	cfssl ocsprefresh -db-config "$W/cfssl/db.json" -ca "$d/ca.pem" -responder "$d/ca.pem" \
		-responder-key "$d/ca.key" >"$W/cfssl/refresh.log" 2>&1 || true
	cfssl ocspdump -db-config "$W/cfssl/db.json" >"$W/cfssl/responses" 2>>"$W/cfssl/refresh.log" ||
		true
	port=$(free_port)
	cfssl ocspserve -address 127.0.0.1 -port "$port" -responses "$W/cfssl/responses" \
		>"$W/cfssl/serve.log" 2>&1 &
	local cpid=$! okc=0
	pids+=("$cpid")
	if listening "$port"; then
		for k in $(seq 1 "$ncert"); do
			local want=good
			[ "$k" -gt 4 ] || want=revoked
			curl -sS --max-time 5 -H "Content-Type: application/ocsp-request" \
				--data-binary "@$W/req/plain-$k.der" -o "$W/cfssl/check-$k.der" \
				"http://127.0.0.1:$port/ocsp" || true
			check_resp "$W/cfssl/check-$k.der" "$W/leaf/$k.pem" "$want" && okc=$((okc + 1))
		done
		say "  cfssl ocspserve: $(wc -l <"$W/cfssl/responses") pre-signed responses," \
			"$okc/$ncert answers right"
		wrk_run cfssl "http://127.0.0.1:$port/ocsp" plain
		wrk_run cfssl "http://127.0.0.1:$port/ocsp" nonce
	else
		say "  cfssl ocspserve did not start: $(tail -n 2 "$W/cfssl/serve.log")"
	fi
	kill -TERM "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true

	{
		printf '%-34s' "responder, requests"
		for c in "${concs[@]}"; do printf ' | %-24s' "c=$c"; done
		echo
		local row name set label
		for row in "privca plain privca serve, no nonce (cached)" \
			"privca nonce privca serve, nonce (signed live)" \
			"openssl plain openssl ocsp -multi 2, no nonce" \
			"openssl nonce openssl ocsp -multi 2, nonce" \
			"cfssl plain cfssl ocspserve, no nonce" \
			"cfssl nonce cfssl ocspserve, nonce (*)"; do
			read -r name set label <<<"$row"
			printf '%-34s' "$label"
			for c in "${concs[@]}"; do
				printf ' | %-24s' "$(wrk_cell "$W/wrk/$name-$set-$c.txt")"
			done
			echo
		done
		echo "(*) cfssl ignores the nonce and returns the pre-signed answer without one."
		echo "answers checked before the runs: privca $okp/$ncert (nonce echoed: $okn)," \
			"openssl $oko/$ncert, cfssl $okc/$ncert"
	} >"$W/table-b"
}

t0=$(date +%s)
crl_bench
ocsp_bench
echo
echo "(a) CRL build + sign, whole process: wall time, peak RSS (P-256 CA key)"
cat "$W/table-a"
echo
echo "(c) one revocation over the API with N revoked: until the delta CRL and the complete"
echo "    CRL list it (polled every 10 ms), their sizes; privca serve's peak RSS"
cat "$W/table-c"
echo
echo "(b) OCSP responses/s, wrk -d$dur POST keep-alive, p99 latency; $(nproc) cores shared" \
	"with wrk"
cat "$W/table-b"
echo
echo "revocation bench: $(($(date +%s) - t0)) s"

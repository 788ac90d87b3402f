#!/usr/bin/env bash
# scripts/bench http: certificates per second over HTTP, privca against
# Debian's cfssl serve (SQLite certdb in WAL mode, and no database), with the
# same CSRs in the same run (issue 3's figures).
#
# cfssl's SQLite driver (mattn/go-sqlite3) opens with synchronous=NORMAL
# unless told otherwise: in WAL mode its commits are then not fsynced (strace
# shows an fdatasync only at checkpoints), so a power cut can lose
# certificates it has answered for. privca fsyncs every group commit. Both
# are measured: "cfssl+sqlite" as the driver ships, "cfssl+sqlite/FULL" with
# _synchronous=FULL, which is the like-for-like durable peer.
#
# Called by scripts/bench with BUILD set to a release build directory holding
# the privca binary.
#
# The load generator shares the cores with the server (see
# ../shared/docs/peers.md): read the ratios, not the absolute rates.
#
# Knobs (environment): BENCH_CSRS (default 2000 distinct P-256 CSRs),
# BENCH_SECONDS (default 8 per point), BENCH_CONC (default "1 4 16"),
# BENCH_SERVE_ARGS (extra arguments for privca serve, e.g. "--threads 16").
# Each point also gives the server's CPU per certificate (utime + stime from
# /proc/PID/stat over the point, divided by its answers).
set -euo pipefail
: "${BUILD:?BUILD must name a build directory with the privca binary}"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lua="$here/issue.lua"
privca="$BUILD/privca"
ncsr=${BENCH_CSRS:-2000}
secs=${BENCH_SECONDS:-8}
read -r -a concs <<<"${BENCH_CONC:-1 4 16}"
read -r -a serve_args <<<"${BENCH_SERVE_ARGS:-}"
warm=2
suffix=bench.example.internal

for tool in wrk cfssl cfssljson sqlite3 openssl curl; do
	command -v "$tool" >/dev/null || {
		echo "bench http: $tool is missing (scripts/deps bench installs it)" >&2
		exit 1
	}
done
[ -x "$privca" ] || { echo "bench http: no $privca" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/privca-bench-http.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export OPENSSL_CONF=/dev/null

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # free_port

# Wait until something answers HTTP on the port (any status).
wait_up() {
	local port=$1 pid=$2 i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && return 0
		sleep 0.1
	done
	return 1
}

# Stop a server we started: SIGTERM, then SIGKILL after 10 s.
stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	forget "$pid"
}

# Drop a pid we have reaped from the cleanup list.
forget() {
	local keep=() p
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
}

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---- CSRs: ncsr distinct P-256 keys and names, as PEM and as cfssl JSON ----
mkdir -p "$work/csr"
t0=$(date +%s.%N)
# shellcheck disable=SC2016 # expanded by the inner bash
seq 1 "$ncsr" | xargs -P "$(nproc)" -n 100 bash -c '
	for i; do
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout /dev/null -subj "/CN=h$i.'"$suffix"'" \
			-addext "subjectAltName=DNS:h$i.'"$suffix"'" -out "'"$work"'/csr/$i.pem" 2>/dev/null
	done' _
for ((i = 1; i <= ncsr; i++)); do cat "$work/csr/$i.pem"; done >"$work/all.csr"
awk -v pemf="$work/bodies.pem" -v jsonf="$work/bodies.json" -v sfx="$suffix" '
	/-----BEGIN/ { n++; pem = "" }
	{ pem = pem $0 "\n" }
	/-----END/ {
		printf "%s\f", pem >pemf
		gsub(/\n/, "\\n", pem)
		printf "{\"certificate_request\":\"%s\",\"hosts\":[\"h%d.%s\"],\"profile\":\"server\"}\f",
			pem, n, sfx >jsonf
	}' "$work/all.csr"
made=$(grep -c 'BEGIN CERTIFICATE REQUEST' "$work/all.csr")
[ "$made" -eq "$ncsr" ] || { echo "bench http: made $made CSRs of $ncsr" >&2; exit 1; }
t1=$(date +%s.%N)

echo "== http: $(nproc) cores, $ncsr P-256 CSRs (made in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s), ${secs} s per point, keep-alive, $(date -u +%FT%TZ)"

# ---- privca ----
pdir="$work/privca"
"$privca" init --dir "$pdir" --key-type ec-p256 --subject "CN=privca bench CA" >/dev/null 2>&1
token=$("$privca" token create bench --dir "$pdir" --allow "*.$suffix")
listed_before=$("$privca" list --dir "$pdir" | wc -l)

# ---- cfssl: CA, signing profile, certdb (SQLite, WAL) ----
cdir="$work/cfssl"
mkdir -p "$cdir"
(
	cd "$cdir"
	printf '%s\n' '{"CN":"cfssl bench CA","key":{"algo":"ecdsa","size":256},"ca":{"expiry":"87600h"}}' >ca-csr.json
	cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca
	printf '%s\n' '{"signing":{"default":{"expiry":"168h"},"profiles":{"server":{"expiry":"2160h","usages":["signing","key encipherment","server auth","client auth"]}}}}' >config.json
	printf '%s\n' '{"driver":"sqlite3","data_source":"'"$cdir"'/certs.db?_journal_mode=WAL"}' >db.json
	printf '%s\n' '{"driver":"sqlite3","data_source":"'"$cdir"'/certs-full.db?_journal_mode=WAL&_synchronous=FULL"}' >db-full.json
	# This build's certdb schema; serial and key id as TEXT (peers.md).
	schema=$(cat <<-'SQL'
		PRAGMA journal_mode = WAL;
		CREATE TABLE certificates (
			serial_number TEXT NOT NULL,
			authority_key_identifier TEXT NOT NULL,
			ca_label TEXT,
			status TEXT NOT NULL,
			reason INTEGER,
			expiry TIMESTAMP,
			revoked_at TIMESTAMP,
			pem TEXT NOT NULL,
			PRIMARY KEY (serial_number, authority_key_identifier)
		);
		CREATE TABLE ocsp_responses (
			serial_number TEXT NOT NULL,
			authority_key_identifier TEXT NOT NULL,
			body TEXT NOT NULL,
			expiry TIMESTAMP,
			PRIMARY KEY (serial_number, authority_key_identifier)
		);
	SQL
	)
	for db in certs.db certs-full.db; do sqlite3 "$db" <<<"$schema" >/dev/null; done
)
if [ ! -s "$cdir/ca.pem" ] || [ ! -s "$cdir/ca-key.pem" ]; then
	echo "bench http: cfssl CA not made" >&2
	exit 1
fi

# One wrk run: name conc seconds port bodies path ctype token server_pid.
# Appends "name conc ok created bad errors duration_us p50_us p99_us maxrss_kib"
# to results (warm-up runs are named warm-*).
results="$work/results"
: >"$results"
load() {
	local name=$1 conc=$2 dur=$3 port=$4 bodies=$5 path=$6 ctype=$7 tok=$8 spid=$9
	local threads=$((conc < 2 ? 1 : 2)) out="$work/wrk-${name//\//_}-$conc.txt" max=0 r
	local cpu0
	cpu0=$(cpu_ticks "$spid")
	wrk -t"$threads" -c"$conc" -d"${dur}s" --timeout 10s --latency -s "$lua" \
		"http://127.0.0.1:$port$path" -- "$bodies" "$path" "$ctype" "$tok" >"$out" 2>&1 &
	local wpid=$!
	pids+=("$wpid")
	while kill -0 "$wpid" 2>/dev/null; do
		r=$(rss_kib "$spid" VmRSS)
		[ "${r:-0}" -gt "$max" ] && max=$r
		sleep 0.25
	done
	wait "$wpid" || { echo "bench http: wrk failed for $name c=$conc:" >&2; cat "$out" >&2; exit 1; }
	forget "$wpid"
	local line
	line=$(grep '^RESULT ' "$out") || { echo "bench http: no RESULT from wrk ($name):" >&2; cat "$out" >&2; exit 1; }
	# RESULT ok= created= bad= errors= duration_us= p50_us= p99_us=
	echo "$name $conc $(echo "$line" | sed 's/^RESULT //; s/[a-z0-9_]*=//g') $max" \
		"$(($(cpu_ticks "$spid") - cpu0))" >>"$results"
}

# All four servers run side by side (an idle one costs nothing) and the
# points are interleaved, privca then the cfssl ones, concurrency by
# concurrency, so load from elsewhere on the machine falls on all alike.
# launch NAME LOG PORT COMMAND...: start a server in the background, wait
# until it answers on PORT; its pid in launched.
launch() {
	local name=$1 log=$2 port=$3
	shift 3
	"$@" 2>"$log" &
	launched=$!
	pids+=("$launched")
	wait_up "$port" "$launched" || { echo "bench http: $name did not start:" >&2; cat "$log" >&2; exit 1; }
}
cfssl_serve=(cfssl serve -address 127.0.0.1 -ca "$cdir/ca.pem" -ca-key "$cdir/ca-key.pem"
	-config "$cdir/config.json")
port_p=$(free_port)
launch privca "$work/privca.log" "$port_p" \
	"$privca" serve --dir "$pdir" --http "127.0.0.1:$port_p" --https "" "${serve_args[@]}"
pid_p=$launched
port_c=$(free_port)
launch "cfssl (db)" "$work/cfssl-db.log" "$port_c" \
	"${cfssl_serve[@]}" -port "$port_c" -db-config "$cdir/db.json"
pid_c=$launched
port_f=$(free_port)
launch "cfssl (db, FULL)" "$work/cfssl-full.log" "$port_f" \
	"${cfssl_serve[@]}" -port "$port_f" -db-config "$cdir/db-full.json"
pid_f=$launched
port_n=$(free_port)
launch "cfssl (no db)" "$work/cfssl-nodb.log" "$port_n" "${cfssl_serve[@]}" -port "$port_n"
pid_n=$launched

sleep 0.5
rss_idle=$(rss_kib "$pid_p" VmRSS)
cfssl_db_rss_idle=$(rss_kib "$pid_c" VmRSS)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# point NAME CONC SECONDS
point() {
	case $1 in
	*privca) load "$1" "$2" "$3" "$port_p" "$work/bodies.pem" /api/v1/certificates application/x-pem-file "$token" "$pid_p" ;;
	*cfssl+sqlite/FULL) load "$1" "$2" "$3" "$port_f" "$work/bodies.json" /api/v1/cfssl/sign application/json "" "$pid_f" ;;
	*cfssl+sqlite) load "$1" "$2" "$3" "$port_c" "$work/bodies.json" /api/v1/cfssl/sign application/json "" "$pid_c" ;;
	*cfssl-no-db) load "$1" "$2" "$3" "$port_n" "$work/bodies.json" /api/v1/cfssl/sign application/json "" "$pid_n" ;;
	esac
}
servers=(privca cfssl+sqlite cfssl+sqlite/FULL cfssl-no-db)
for srv in "${servers[@]}"; do point "warm-$srv" 4 "$warm"; done
for c in "${concs[@]}"; do
	for srv in "${servers[@]}"; do point "$srv" "$c" "$secs"; done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

rss_hwm=$(rss_kib "$pid_p" VmHWM)
rss_after=$(rss_kib "$pid_p" VmRSS)
stop "$pid_p"
stop "$pid_c"
stop "$pid_f"
stop "$pid_n"
listed_after=$("$privca" list --dir "$pdir" | wc -l)
cfssl_rows=$(sqlite3 "$cdir/certs.db" 'SELECT count(*) FROM certificates')
cfssl_full_rows=$(sqlite3 "$cdir/certs-full.db" 'SELECT count(*) FROM certificates')

# ---- report ----
awk -v concs="${concs[*]}" -v servers="${servers[*]}" -v hz="$hz" '
	{ ok = $3; bad = $5; err = $6; dur = $7 / 1e6
	  cpu[$1, $2] = ok > 0 ? $11 / hz * 1e6 / ok : 0
	  rate[$1, $2] = ok / dur; p50[$1, $2] = $8 / 1000; p99[$1, $2] = $9 / 1000
	  fail[$1, $2] = bad + err; rss[$1, $2] = $10 }
	END {
		n = split(concs, cs, " ")
		ns = split(servers, sv, " ")
		printf "%-17s %4s %10s %9s %9s %8s %9s %12s\n", "server", "conc", "certs/s", "p50 ms", "p99 ms", "failed", "RSS MiB", "CPU us/cert"
		for (s = 1; s <= ns; s++)
			for (i = 1; i <= n; i++) {
				k = sv[s] SUBSEP cs[i]
				printf "%-17s %4d %10.0f %9.2f %9.2f %8d %9.1f %12.0f\n", sv[s], cs[i], rate[k], p50[k], p99[k], fail[k], rss[k] / 1024, cpu[k]
			}
		for (p = 2; p <= ns; p++) {
			printf "%-29s", "privca / " sv[p] ":"
			for (i = 1; i <= n; i++) {
				a = rate["privca", cs[i]]; b = rate[sv[p], cs[i]]
				if (b > 0) printf "  c=%d %.2fx", cs[i], a / b
				else printf "  c=%d n/a", cs[i]
			}
			printf "\n"
		}
		# Issue 11: >= 2x cfssl+SQLite (WAL, as shipped) at c=16 and at least
		# cfssl with no database (issue 3 had asked 3x the first).
		a = rate["privca", 16]; b = rate["cfssl+sqlite", 16]; c = rate["cfssl-no-db", 16]
		if (a > 0 && b > 0 && c > 0)
			printf "target at c=16 (>= 2x cfssl+sqlite, >= cfssl-no-db): %s\n", (a >= 2 * b && a >= c) ? "met" : "not met"
	}' "$results"
echo "(failed = non-2xx answers + socket errors/timeouts; RSS = max VmRSS sampled during the point;"
echo " CPU us/cert = the server process's user+system time during the point / its answers)"

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "privca RSS: idle $(mib "$rss_idle") MiB, after load $(mib "$rss_after") MiB, peak (VmHWM) $(mib "$rss_hwm") MiB; cfssl+sqlite idle $(mib "$cfssl_db_rss_idle") MiB"

# Durability: every 201 answer (warm-up included) must be a listed certificate.
# The store may hold a few more: requests in flight when wrk stopped are
# committed but their answers never read (at most the connection count).
created=$(awk '$1 == "privca" || $1 == "warm-privca" { s += $4 } END { print s + 0 }' "$results")
listed=$((listed_after - listed_before))
maxextra=4 # the warm-up
for c in "${concs[@]}"; do maxextra=$((maxextra + c)); done
if [ "$listed" -eq "$created" ]; then
	verdict="equal"
elif [ "$listed" -gt "$created" ] && [ $((listed - created)) -le "$maxextra" ]; then
	verdict="OK: $((listed - created)) more listed, committed for requests in flight when wrk stopped (at most $maxextra)"
else
	verdict="MISMATCH"
fi
echo "privca durable: $created answers 201, $listed certificates listed by 'privca list' after the run ($verdict)"
cfssl_ok=$(awk '$1 == "cfssl+sqlite" || $1 == "warm-cfssl+sqlite" { s += $3 } END { print s + 0 }' "$results")
cfssl_full_ok=$(awk '$1 == "cfssl+sqlite/FULL" || $1 == "warm-cfssl+sqlite/FULL" { s += $3 } END { print s + 0 }' "$results")
echo "cfssl+sqlite: $cfssl_ok answers 200, $cfssl_rows rows in its certdb; cfssl+sqlite/FULL: $cfssl_full_ok answers 200, $cfssl_full_rows rows"

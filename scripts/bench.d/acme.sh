#!/usr/bin/env bash
# scripts/bench acme: lego http-01 issuances against privca, step-ca 0.19.0
# (built by scripts/deps bench into build/peers, skipped with a note when the
# build failed) and Debian's pebble (PEBBLE_VA_NOSLEEP=1), in the same run
# (issue 14's figures):
#   - one full issuance (new account, order, http-01, finalize, download),
#     wall time, median of BENCH_ACME_SINGLE runs;
#   - BENCH_ACME_PAR orders from as many parallel lego processes (one account
#     each): total wall time, how many came back valid, and on privca how
#     many the store records (counted through the JSON API);
#   - privca's RSS (VmRSS) before the first order and after the last.
#
# Each order names its own DNS name, which resolves to its own loopback
# address 127.0.0.N, so that parallel lego responders can all listen on the
# one port the CA's validator connects to (privca: --acme-http-port; pebble:
# httpPort; step-ca: always 80). privca and pebble resolve through
# pebble-challtestsrv (A records set over its API); step-ca, which has no
# resolver option, runs in a mount namespace of its own whose /etc/hosts
# lists the names (the machine's /etc/hosts is not touched).
#
# Loopback only; every process started here is killed by PID on exit. The
# load generator (lego) shares the cores with the servers, and the machine is
# shared (../shared/docs/peers.md): read the ratios, not absolute figures.
#
# Knobs (environment): BENCH_ACME_SINGLE (default 10), BENCH_ACME_PAR
# (default "20 100"), BENCH_ACME_PEERS (default "privca step-ca pebble"),
# STEP_CA (default build/peers/step-ca under PRIVCA_SRC), BENCH_ACME_KEEP=1
# (keep the work directory: servers' request logs, lego's logs).
set -euo pipefail
: "${BUILD:?BUILD must name a build directory with the privca binary}"

single=${BENCH_ACME_SINGLE:-10}
read -r -a pars <<<"${BENCH_ACME_PAR:-20 100}"
read -r -a peers <<<"${BENCH_ACME_PEERS:-privca step-ca pebble}"
privca="$BUILD/privca"
step_ca=${STEP_CA:-${PRIVCA_SRC:-.}/build/peers/step-ca}
zone=bench.test

for tool in lego pebble pebble-challtestsrv openssl curl python3 unshare; do
	command -v "$tool" >/dev/null || {
		echo "bench acme: $tool is missing (scripts/deps bench installs it)" >&2
		exit 1
	}
done
[ -x "$privca" ] || { echo "bench acme: no $privca" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/privca-bench-acme.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "${BENCH_ACME_KEEP:-0}" = 1 ]; then
		echo "bench acme: logs kept in $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export OPENSSL_CONF=/dev/null

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # free_port

# Orders are numbered 1..total; order i is d<i>.bench.test at 127.0.<i/250>.<i%250+2>.
total=$single
for p in "${pars[@]}"; do total=$((total + p)); done
addr_of() { echo "127.0.$(($1 / 250)).$(($1 % 250 + 2))"; }

# wait_url URL PID: until curl gets any answer from URL (insecure TLS).
wait_url() {
	local i
	for ((i = 0; i < 150; i++)); do
		kill -0 "$2" 2>/dev/null || return 1
		curl -sk -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

ms_now() { date +%s%3N; }
stamp() { [ "${BENCH_ACME_KEEP:-0}" = 1 ] && echo "bench acme: $(date +%T.%3N) $*" >&2 || true; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# The loopback resolver for privca and pebble: every order's A record.
dns_port=$(free_port)
dns_api_port=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$dns_port" -http01 "" -https01 "" -tlsalpn01 "" \
	-management "127.0.0.1:$dns_api_port" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
	>"$work/dns.log" 2>&1 &
pids+=("$!")
dns_api=http://127.0.0.1:$dns_api_port
for ((i = 0; i < 100; i++)); do
	curl -sf -o /dev/null -X POST -d '{"host":"probe.","value":"x"}' "$dns_api/set-txt" && break
	sleep 0.1
done
: >"$work/hosts"
printf '127.0.0.1 localhost\n' >>"$work/hosts"
for ((i = 1; i <= total; i++)); do
	a=$(addr_of "$i")
	curl -sf -o /dev/null -X POST -d "{\"host\":\"d$i.$zone.\",\"addresses\":[\"$a\"]}" \
		"$dns_api/add-a"
	printf '%s d%s.%s\n' "$a" "$i" "$zone" >>"$work/hosts"
done

# One lego issuance: lego_one PEER I RESPONDER_PORT. Needs DIRURL_<peer>,
# LEGO_CA_CERTIFICATES and, for privca, order I's EAB key (eab_kid, eab_hmac).
lego_one() {
	local peer=$1 i=$2 port=$3 eab=()
	if [ "$peer" = privca ]; then
		eab=(--eab --kid "${eab_kid[$i]}" --hmac "${eab_hmac[$i]}")
	fi
	timeout 180 lego --accept-tos --server "$dirurl" --email "ops@$zone" \
		--path "$work/lego-$peer/$i" "${eab[@]}" --domains "d$i.$zone" \
		--http --http.port "$(addr_of "$i"):$port" run >"$work/lego-$peer/$i.log" 2>&1
}

eab_kid=() eab_hmac=() # privca's EAB key per order (run_privca)

# A results table line per peer per figure, printed together at the end.
results=()
note() { results+=("$(printf '%-8s %-26s %s' "$1" "$2" "$3")"); }

# bench_peer PEER PORT: the single and parallel figures against DIRURL.
bench_peer() {
	local peer=$1 port=$2 i n t0 t1 ok times=() med p
	stamp "$peer: up"
	mkdir -p "$work/lego-$peer"
	for ((i = 1; i <= single; i++)); do
		t0=$(ms_now)
		if lego_one "$peer" "$i" "$port"; then
			t1=$(ms_now)
			times+=($((t1 - t0)))
		else
			echo "bench acme: $peer: issuance $i failed (log: $(tail -n 3 "$work/lego-$peer/$i.log"))" >&2
		fi
	done
	if [ ${#times[@]} -gt 0 ]; then
		med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
		note "$peer" "1 issuance (median)" "$med ms (${#times[@]}/$single ok; min $(printf '%s\n' "${times[@]}" | sort -n | head -1), max $(printf '%s\n' "${times[@]}" | sort -n | tail -1) ms)"
	else
		note "$peer" "1 issuance (median)" "all $single failed"
	fi
	n=$single
	for p in "${pars[@]}"; do
		local start=$((n + 1)) end=$((n + p)) jobs=()
		t0=$(ms_now)
		for ((i = start; i <= end; i++)); do
			lego_one "$peer" "$i" "$port" &
			jobs+=("$!")
		done
		ok=0
		for j in "${jobs[@]}"; do
			wait "$j" && ok=$((ok + 1))
		done
		t1=$(ms_now)
		note "$peer" "$p parallel orders" "$((t1 - t0)) ms total, $ok/$p valid"
		stamp "$peer: $p parallel done"
		n=$end
	done
}

# privca certificates recorded in the store (through the JSON API).
privca_count() {
	python3 - "$1" <<'EOF'
import json, sys, urllib.request, urllib.parse
base, n, cursor = sys.argv[1], 0, None
for _ in range(10000):
    url = base + "/api/v1/certificates?limit=500"
    if cursor:
        url += "&cursor=" + urllib.parse.quote(cursor)
    d = json.load(urllib.request.urlopen(url, timeout=20))
    n += len(d["items"])
    cursor = d["next_cursor"]
    if not cursor:
        break
print(n)
EOF
}

run_privca() {
	local dir=$work/privca http https ahttp pid before after rss0 rss1 i
	"$privca" init --dir "$dir" >"$work/privca-init.log" 2>&1
	"$privca" token create bench --dir "$dir" --allow ".$zone" >/dev/null 2>>"$work/privca-init.log"
	mkdir -p "$work/eab"
	for ((i = 1; i <= total; i++)); do
		"$privca" acme eab bench --dir "$dir" >"$work/eab/$i.out"
		awk '$1 == "kid" {print $2}' "$work/eab/$i.out" >"$work/eab/$i.kid"
		awk '$1 == "hmac" {print $2}' "$work/eab/$i.out" >"$work/eab/$i.hmac"
		# Read now, with builtins: a cat per order inside the timing would
		# charge privca (only) two processes per issuance, 5% of the
		# machine's CPU with 100 orders in parallel.
		read -r "eab_kid[$i]" <"$work/eab/$i.kid"
		read -r "eab_hmac[$i]" <"$work/eab/$i.hmac"
	done
	http=$(free_port)
	https=$(free_port)
	ahttp=$(free_port)
	"$privca" serve --dir "$dir" --http "127.0.0.1:$http" --https "127.0.0.1:$https" \
		--acme-dns "127.0.0.1:$dns_port" --acme-http-port "$ahttp" \
		--acme-tls-port "$(free_port)" 2>"$work/privca.log" &
	pid=$!
	pids+=("$pid")
	wait_url "http://127.0.0.1:$http/healthz" "$pid" || {
		echo "bench acme: privca serve did not start" >&2
		tail -n 20 "$work/privca.log" >&2
		return 1
	}
	dirurl=https://127.0.0.1:$https/acme/directory
	export LEGO_CA_CERTIFICATES=$dir/ca.pem
	before=$(privca_count "http://127.0.0.1:$http")
	rss0=$(rss_kib "$pid")
	bench_peer privca "$ahttp"
	rss1=$(rss_kib "$pid")
	after=$(privca_count "http://127.0.0.1:$http")
	note privca "recorded in the store" "$((after - before))/$total certificates (API count)"
	note privca "RSS before/after" "$((rss0 / 1024)) MiB / $((rss1 / 1024)) MiB"
	# Where the time goes: the validator's own time per check (/metrics),
	# against the wall time lego spends per issuance above.
	curl -sf "http://127.0.0.1:$http/metrics" >"$work/privca-metrics.txt" || true
	note privca "validation (worker time)" "$(awk '/^privca_acme_validation_duration_seconds_sum/ {s += $2}
		/^privca_acme_validation_duration_seconds_count/ {n += $2}
		END {if (n) printf "%.1f ms mean over %d checks", 1000 * s / n, n; else print "no figures in /metrics"}' \
		"$work/privca-metrics.txt")"
	kill -TERM "$pid" 2>/dev/null || true
}

# step-ca's PKI by hand (the step CLI is not in Debian): P-256 root and
# intermediate, an ACME provisioner, badgerv2 store.
run_step_ca() {
	local dir=$work/step port pid
	if [ ! -x "$step_ca" ]; then
		note step-ca "(skipped)" "no $step_ca (scripts/deps bench could not build it; see build/peers/step-ca-build.log)"
		return 0
	fi
	if ! unshare -m true 2>/dev/null; then
		note step-ca "(skipped)" "unshare -m is not allowed here (needed for its /etc/hosts)"
		return 0
	fi
	mkdir -p "$dir/db"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$dir/root.key" -out "$dir/root.crt" -subj "/CN=bench step root" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/int.key" -out "$dir/int.csr" -subj "/CN=bench step intermediate" 2>/dev/null
	printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n' \
		>"$dir/int.ext"
	openssl x509 -req -in "$dir/int.csr" -CA "$dir/root.crt" -CAkey "$dir/root.key" \
		-CAcreateserial -days 30 -extfile "$dir/int.ext" -out "$dir/int.crt" 2>/dev/null
	port=$(free_port)
	cat >"$dir/ca.json" <<EOF
{
  "root": "$dir/root.crt",
  "crt": "$dir/int.crt",
  "key": "$dir/int.key",
  "address": "127.0.0.1:$port",
  "dnsNames": ["127.0.0.1", "localhost"],
  "logger": {"format": "text"},
  "db": {"type": "badgerv2", "dataSource": "$dir/db"},
  "authority": {"provisioners": [{"type": "ACME", "name": "acme"}]}
}
EOF
	# Its own /etc/hosts in a mount namespace of its own; exec keeps the PID.
	unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec "$2" "$3"' sh \
		"$work/hosts" "$step_ca" "$dir/ca.json" >"$work/step-ca.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	dirurl=https://127.0.0.1:$port/acme/acme/directory
	wait_url "$dirurl" "$pid" || {
		note step-ca "(failed)" "did not start: $(tail -n 2 "$work/step-ca.log" | tr '\n' ' ')"
		return 0
	}
	export LEGO_CA_CERTIFICATES=$dir/root.crt
	bench_peer step-ca 80
	kill -TERM "$pid" 2>/dev/null || true
}

run_pebble() {
	local dir=$work/pebble port hport pid
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	port=$(free_port)
	hport=$(free_port)
	cat >"$dir/config.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$port", "managementListenAddress": "127.0.0.1:$(free_port)",
  "certificate": "$dir/cert.pem", "privateKey": "$dir/key.pem",
  "httpPort": $hport, "tlsPort": $(free_port), "ocspResponderURL": "",
  "externalAccountBindingRequired": false}}
EOF
	PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$dir/config.json" \
		-dnsserver "127.0.0.1:$dns_port" >"$work/pebble.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	dirurl=https://127.0.0.1:$port/dir
	wait_url "$dirurl" "$pid" || {
		note pebble "(failed)" "did not start: $(tail -n 2 "$work/pebble.log" | tr '\n' ' ')"
		return 0
	}
	export LEGO_CA_CERTIFICATES=$dir/cert.pem
	bench_peer pebble "$hport"
	kill -TERM "$pid" 2>/dev/null || true
}

stamp "resolver ready"
for peer in "${peers[@]}"; do
	case "$peer" in
	privca) run_privca ;;
	step-ca) run_step_ca ;;
	pebble) run_pebble ;;
	*) echo "bench acme: unknown peer '$peer'" >&2 ;;
	esac
done

echo "acme: lego http-01 on loopback, $(nproc) cores shared with the load generator (and with other users of the machine: compare ratios within this run)"
printf '%-8s %-26s %s\n' peer figure value
printf '%s\n' "${results[@]}"

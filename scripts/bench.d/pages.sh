#!/usr/bin/env bash
# scripts/bench pages: with 100k certificates in the store, how long /certs
# takes for page 1, page 1,000 and a search, and the same for the JSON list
# /api/v1/certificates (issue 5's figure; target p50 < 20 ms, printed, not
# asserted). Called by scripts/bench with BUILD set to a release build
# directory holding the privca binary.
#
# The store is filled with the sqlite3 CLI: a few certificates are issued for
# real (privca sign), then their rows are replicated with distinct serials,
# names, dates and statuses, so the list code reads realistic rows (the DER of
# a copy is its source's; the pages measured here never parse it).
#
# Knobs (environment): BENCH_CERTS (default 100000), BENCH_REQUESTS (default
# 200 per figure), BENCH_KEEP=1 keeps the work directory (store, logs).
set -euo pipefail
: "${BUILD:?BUILD must name a build directory with the privca binary}"

privca="$BUILD/privca"
ncerts=${BENCH_CERTS:-100000}
nreq=${BENCH_REQUESTS:-200}
page=50     # the server's default page size
target=1000 # the page number measured besides page 1
for tool in sqlite3 openssl curl; do
	command -v "$tool" >/dev/null || {
		echo "bench pages: $tool is missing (scripts/deps bench installs it)" >&2
		exit 1
	}
done
[ -x "$privca" ] || { echo "bench pages: no $privca" >&2; exit 1; }
[ "$ncerts" -ge $((page * target)) ] || {
	echo "bench pages: BENCH_CERTS must be at least $((page * target))" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/privca-bench-pages.XXXXXX")
spid=
cleanup() {
	if [ -n "$spid" ]; then
		kill -KILL "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench pages: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export OPENSSL_CONF=/dev/null

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # free_port

echo "== pages: $(nproc) cores, $ncerts certificates, $nreq requests per figure, one client, keep-alive, $(date -u +%FT%TZ)"

# ---- a store with real certificates, then ncerts copies ----
dir="$work/ca"
"$privca" init --dir "$dir" --key-type ec-p256 --subject "CN=privca bench CA" >/dev/null 2>&1
"$privca" token create bench --dir "$dir" --allow "*.bench.example.internal" >/dev/null
for i in 1 2 3 4 5 6 7 8; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/CN=seed$i.bench.example.internal" \
		-addext "subjectAltName=DNS:seed$i.bench.example.internal,DNS:alt$i.bench.example.internal" \
		-out "$work/seed$i.csr" 2>/dev/null
	"$privca" sign --dir "$dir" --csr "$work/seed$i.csr" >/dev/null 2>>"$work/sign.log"
done

t0=$(date +%s.%N)
# Copy i: name svc<i>.team<i%20>.example.internal (one name in 20 is in each
# team), 10 per second of created_at going back in time, 1 in 20 expired,
# 1 in 50 revoked. The serial is unique by construction (i in the middle).
sqlite3 "$dir/privca.db" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
CREATE TEMP TABLE seed AS
	SELECT row_number() OVER (ORDER BY serial) - 1 AS k, * FROM certificates
	WHERE subject LIKE 'CN=seed%';
INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, not_after,
	profile, requester, fingerprint_sha256, der, status, revoked_at, revocation_reason,
	created_at)
SELECT serial, 'CN=' || name, name || ',www.' || name, '', now - 86400 * 30,
	CASE WHEN i % 20 = 1 THEN now - 86400 * (1 + i % 30) ELSE now + 86400 * (1 + i % 400) END,
	'server', 'team' || (i % 20), fp, der,
	CASE WHEN i % 50 = 0 THEN 'revoked' ELSE 'valid' END,
	CASE WHEN i % 50 = 0 THEN now - 3600 ELSE NULL END,
	CASE WHEN i % 50 = 0 THEN 1 ELSE NULL END,
	now - 60 - i / 10
FROM (
	WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $ncerts)
	SELECT i, CAST(strftime('%s', 'now') AS INTEGER) AS now,
		printf('svc%06d.team%d.example.internal', i, i % 20) AS name,
		printf('%08x%08x%08x%08x', (i * 2654435761) % 4294967296, i,
			(i * 40503) % 4294967296, (i * 7919 + 12345) % 4294967296) AS serial,
		s.fingerprint_sha256 AS fp, s.der AS der
	FROM seq JOIN seed AS s ON s.k = seq.i % (SELECT count(*) FROM seed)
);
COMMIT;
ANALYZE;
SQL
t1=$(date +%s.%N)
total=$(sqlite3 "$dir/privca.db" 'SELECT count(*) FROM certificates')
seeded=$(sqlite3 "$dir/privca.db" "SELECT count(*) FROM certificates WHERE subject LIKE 'CN=seed%'")
[ "$seeded" -ge 8 ] || { echo "bench pages: the seed certificates were not recorded as expected" >&2; exit 1; }
echo "store: $total certificates (filled in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s), $(du -m "$dir/privca.db" | cut -f1) MiB"

# Page N's cursor is "i<created_at>_<rowid>" of the last row of page N-1.
cursor=$(sqlite3 "$dir/privca.db" "SELECT 'i' || created_at || '_' || rowid FROM certificates
	ORDER BY created_at DESC, rowid DESC LIMIT 1 OFFSET $((page * (target - 1) - 1))")
first_expected=$(sqlite3 "$dir/privca.db" "SELECT serial FROM certificates
	ORDER BY created_at DESC, rowid DESC LIMIT 1 OFFSET $((page * (target - 1)))")
rare=svc054321.team1
common=team7

port=$(free_port)
"$privca" serve --dir "$dir" --http "127.0.0.1:$port" --https "" 2>"$work/serve.log" &
spid=$!
base="http://127.0.0.1:$port"
for ((i = 0; i < 100; i++)); do
	kill -0 "$spid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	curl -s -o /dev/null --max-time 1 "$base/healthz" && break
	sleep 0.1
done

# Sanity: the cursor built from the store is the one the API hands out when
# its next cursors are followed (big pages, then default ones, to page target).
followed=
rows=0
while [ "$rows" -lt $((page * (target - 1))) ]; do
	left=$((page * (target - 1) - rows))
	lim=$((left >= 500 ? 500 : page))
	url="$base/api/v1/certificates?limit=$lim"
	[ -n "$followed" ] && url="$url&cursor=$followed"
	followed=$(curl -sf "$url" | sed -n 's/.*"next_cursor": *"\([^"]*\)".*/\1/p')
	[ -n "$followed" ] || { echo "bench pages: no next_cursor after $rows rows" >&2; exit 1; }
	rows=$((rows + lim))
done
curl -sf -o "$work/page.json" "$base/api/v1/certificates?cursor=$cursor"
got_first=$(sed -n 's/.*"serial": *"\([0-9a-f]*\)".*/\1/p' "$work/page.json" | head -n 1)
if [ "$followed" = "$cursor" ] && [ "$got_first" = "$first_expected" ]; then
	echo "cursor check: page $target's cursor from following next_cursor equals the built one, first row as expected"
else
	echo "cursor check: MISMATCH (followed $followed, built $cursor; first row $got_first, expected $first_expected)"
fi

# Time nreq GETs of one URL on one keep-alive connection. Prints
# "p50_ms p99_ms mean_ms bytes failed".
measure() {
	local url=$1 cfg="$work/curl.cfg" i
	{
		for ((i = 0; i < nreq + 5; i++)); do
			printf 'url = "%s"\noutput = "/dev/null"\n' "$url"
		done
	} >"$cfg"
	curl -s -K "$cfg" -w '%{http_code} %{time_total} %{size_download}\n' >"$work/times" || true
	# The first 5 warm the connection and the page cache.
	tail -n +6 "$work/times" | sort -k2,2g | awk -v n="$nreq" '
		$1 != 200 { bad++ }
		{ t[NR] = $2 * 1000; sum += $2 * 1000; bytes = $3 }
		END {
			m = NR
			i50 = int(m * 0.50 + 0.999999); i99 = int(m * 0.99 + 0.999999)
			printf "%.2f %.2f %.2f %d %d\n", t[i50], t[i99], sum / m, bytes, bad + (n - m)
		}'
}

printf '%-34s %8s %8s %8s %9s %6s  %s\n' "figure ($nreq requests)" "p50 ms" "p99 ms" "mean ms" "bytes" "failed" "p50 < 20 ms"
row() {
	local label=$1 url=$2 r p50 p99 mean bytes bad
	r=$(measure "$base$url")
	read -r p50 p99 mean bytes bad <<<"$r"
	printf '%-34s %8s %8s %8s %9s %6s  %s\n' "$label" "$p50" "$p99" "$mean" "$bytes" "$bad" \
		"$(awk -v v="$p50" 'BEGIN { print (v < 20 ? "yes" : "NO") }')"
}
row "/ (overview: counts, latest)" "/"
row "/certs page 1" "/certs"
row "/certs page $target" "/certs?cursor=$cursor"
row "/certs?q= (1 match: $rare)" "/certs?q=$rare"
row "/certs?q= (1 in 20: $common)" "/certs?q=$common"
row "/api/v1/certificates page 1" "/api/v1/certificates"
row "/api/v1/certificates page $target" "/api/v1/certificates?cursor=$cursor"
row "/api/v1/certificates?q= (1 match)" "/api/v1/certificates?q=$rare"
row "/api/v1/certificates?q= (1 in 20)" "/api/v1/certificates?q=$common"
row "/certs?q= expiry order (1 match)" "/certs?q=$rare&sort=expires"
row "/certs?q= expiry order (1 in 20)" "/certs?q=$common&sort=expires"
echo "(one client, sequential; time_total as curl sees it on loopback; failed = non-200)"
hwm() { awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$spid/status"; }
# The CSV of the whole store, 4 downloads at once: streamed a page at a
# time, so the server's peak memory should not grow with the store.
h0=$(hwm)
t0=$(date +%s.%N)
pids=()
for i in 1 2 3 4; do
	curl -sf -o "$work/all$i.csv" "$base/certs.csv" &
	pids+=($!)
done
wait "${pids[@]}"
t1=$(date +%s.%N)
echo "/certs.csv of all $total, 4 at once: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s," \
	"$(($(wc -l <"$work/all1.csv") - 1)) rows, $(du -m "$work/all1.csv" | cut -f1) MiB each;" \
	"privca peak RSS $h0 -> $(hwm) MiB"
rss=$(awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 }
	END { printf "%.1f MiB, peak (VmHWM) %.1f MiB", r / 1024, h / 1024 }' "/proc/$spid/status")
echo "privca RSS after: $rss"

kill -TERM "$spid" 2>/dev/null || true
for ((i = 0; i < 100; i++)); do
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.1
done
kill -KILL "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
spid=

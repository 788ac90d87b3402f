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
#
# BENCH_LARGE=1 (scripts/bench --large pages): issue 12's sizes and
# targets. BENCH_CERTS defaults to 1,000,000, of which the older half expired
# more than a year ago (what retention deletes); after the figures, it
# measures the store's bytes per certificate (dbstat), then `privca tidy` of
# those 500,000 rows while one client issues certificates over HTTP, with
# issuance p50/p99 before and during the tidy; then, issuing on, the
# service's housekeeping after it (the trigram index rebuilt without the
# tidied rows, free space given back), with the store's size and the
# searches once it is done. Targets (printed, never asserted): every figure
# p50 < 20 ms and p99 < 50 ms, at most 1 KiB per certificate beyond its DER,
# the tidy under a minute with issuance p99 unchanged.
set -euo pipefail
: "${BUILD:?BUILD must name a build directory with the privca binary}"

privca="$BUILD/privca"
large=${BENCH_LARGE:-0}
if [ "$large" = 1 ]; then ncerts=${BENCH_CERTS:-1000000}; else ncerts=${BENCH_CERTS:-100000}; fi
old=0 # rows i > old expired more than a year ago (large: the older half)
[ "$large" = 1 ] && old=$((ncerts / 2))
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
token=$("$privca" token create bench --dir "$dir" --allow "*.bench.example.internal")
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
# 1 in 50 revoked; i > old expired 400-700 days ago. The serial is unique by
# construction (i in the middle). Each row gets its 'issue' event, as
# issuance writes one.
sqlite3 "$dir/privca.db" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
CREATE TEMP TABLE seed AS
	SELECT row_number() OVER (ORDER BY serial) - 1 AS k, * FROM certificates
	WHERE subject LIKE 'CN=seed%';
CREATE TEMP TABLE mark AS SELECT max(rowid) AS r FROM certificates;
INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, not_after,
	profile, requester, fingerprint_sha256, der, status, revoked_at, revocation_reason,
	created_at)
SELECT serial, 'CN=' || name, name || ',www.' || name, '', now - 86400 * 30,
	CASE WHEN $old > 0 AND i > $old THEN now - 86400 * (400 + i % 300)
		WHEN i % 20 = 1 THEN now - 86400 * (1 + i % 30) ELSE now + 86400 * (1 + i % 400) END,
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
INSERT INTO events (at, kind, serial, actor, detail)
	SELECT created_at, 'issue', serial, requester, '' FROM certificates
	WHERE rowid > (SELECT r FROM mark);
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
# The service indexes the bulk rows for search in the background: wait for
# it, so the figures time searches, not the one-off catch-up.
t0=$(date +%s.%N)
for ((i = 0; i < 1200; i++)); do
	[ "$(sqlite3 "$dir/privca.db" "SELECT (SELECT last_rowid FROM fts_state) >=
		(SELECT max(rowid) FROM certificates)" 2>/dev/null)" = 1 ] && break
	sleep 0.5
done
echo "search index caught up with the bulk rows in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

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

printf '%-38s %8s %8s %8s %9s %6s  %s\n' "figure ($nreq requests)" "p50 ms" "p99 ms" "mean ms" "bytes" "failed" "p50 < 20, p99 < 50 ms"
row() {
	local label=$1 url=$2 r p50 p99 mean bytes bad
	r=$(measure "$base$url")
	read -r p50 p99 mean bytes bad <<<"$r"
	printf '%-38s %8s %8s %8s %9s %6s  %s\n' "$label" "$p50" "$p99" "$mean" "$bytes" "$bad" \
		"$(awk -v a="$p50" -v b="$p99" 'BEGIN { print (a < 20 ? "yes" : "NO") ", " (b < 50 ? "yes" : "NO") }')"
}
row "/ (overview: counts, latest)" "/"
row "/api/v1/ca (counts)" "/api/v1/ca"
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
row "/api/v1/certificates?sort=expires" "/api/v1/certificates?sort=expires"
row "/api/v1/certificates?status=valid" "/api/v1/certificates?status=valid"
row "/api/v1/certificates?status=revoked" "/api/v1/certificates?status=revoked"
row "/api/v1/certificates?status=expired" "/api/v1/certificates?status=expired"
row "/api/v1/certificates?within=30" "/api/v1/certificates?status=valid&sort=expires&within=30"
row "/api/v1/certificates?q= expiry (1 in 20)" "/api/v1/certificates?q=$common&sort=expires"
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

# Bytes per certificate (dbstat: every table and index, the FTS5 shadow
# tables as one), and beyond the DER it holds.
store_size() {
	sqlite3 "$dir/privca.db" <<'SQL'
.mode list
.separator " "
CREATE TEMP TABLE n AS SELECT count(*) AS c, avg(length(der)) AS der FROM certificates;
SELECT printf('  %-34s %8.1f', what, bytes * 1.0 / (SELECT c FROM n)) FROM (
	SELECT CASE WHEN name LIKE 'cert_fts%' THEN 'cert_fts (trigram index)' ELSE name END AS what,
		sum(pgsize) AS bytes FROM dbstat GROUP BY what)
WHERE bytes * 1.0 / (SELECT c FROM n) >= 0.5 ORDER BY bytes DESC;
SELECT printf('  %-34s %8.1f (%d certificates, file %.0f MiB, %d free pages)', 'file per certificate',
	(SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) * 1.0 / (SELECT c FROM n),
	(SELECT c FROM n), (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) / 1048576.0,
	(SELECT freelist_count FROM pragma_freelist_count));
SELECT printf('  %-34s %8.1f  (target: at most 1024)', 'beyond the DER (avg ' || CAST((SELECT der FROM n) AS INT) || ')',
	(SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) * 1.0 / (SELECT c FROM n) - (SELECT der FROM n));
SQL
}
echo "store, bytes per certificate:"
store_size

# ---- large: a tidy of the 500,000 old rows while issuance runs ----
if [ "$large" = 1 ]; then
	# issue N: N certificates over HTTP on one keep-alive connection (a
	# seed CSR, the bench token); prints their times, one "code s" a line.
	issue() {
		local cfg="$work/issue.cfg" i
		for ((i = 0; i < $1; i++)); do
			printf 'url = "%s/api/v1/certificates"\noutput = "/dev/null"\n' "$base"
		done >"$cfg"
		curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/x-pem-file' \
			--data-binary "@$work/seed1.csr" -K "$cfg" -w '%{http_code} %{time_total}\n' || true
	}
	pct() { # "p50 p99 n failed" in ms of the "code s" lines on stdin
		sort -k2,2g | awk '$1 != 201 { bad++ } { t[NR] = $2 * 1000 }
			END { i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
				printf "%.2f %.2f %d %d\n", t[i50], t[i99], NR, bad }'
	}
	api_counts() { curl -sf "$base/api/v1/ca" | python3 -c 'import json, sys
c = json.load(sys.stdin)["counts"]; print(c["valid"], c["revoked"], c["expired"])'; }
	cutoff=$(date -u -d '-365 days' +%F)
	due=$("$privca" tidy --dir "$dir" --expired-before "$cutoff" --dry-run)
	read -r v0 r0 x0 <<<"$(api_counts)"
	issue 20 >/dev/null # warm
	issue 500 >"$work/issue-before"
	t0=$(date +%s.%N)
	"$privca" tidy --dir "$dir" --expired-before "$cutoff" >"$work/tidy.out" 2>"$work/tidy.err" &
	tpid=$!
	: >"$work/issue-during"
	walmax=0
	# Issue while the tidy runs, for at most 10 minutes (then the tidy is
	# stopped and its partial count shown), and note the WAL's largest size.
	while kill -0 "$tpid" 2>/dev/null; do
		issue 50 >>"$work/issue-during"
		wal=$(stat -c %s "$dir/privca.db-wal" 2>/dev/null || echo 0)
		[ "$wal" -gt "$walmax" ] && walmax=$wal
		if awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a > 600) }'; then
			kill -TERM "$tpid" 2>/dev/null || true
			echo "tidy: still running after 600 s, stopped" >>"$work/tidy.out"
		fi
	done
	trc=0
	wait "$tpid" || trc=$?
	t1=$(date +%s.%N)
	read -r v1 r1 x1 <<<"$(api_counts)"
	tidied=$(sqlite3 "$dir/privca.db" 'SELECT deleted FROM tidy_state')
	echo "tidy --expired-before $cutoff ($due): $(tr '\n' ' ' <"$work/tidy.out")in" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $tidied deleted (exit $trc; target: under 60 s)"
	read -r p50 p99 n bad <<<"$(pct <"$work/issue-before")"
	echo "  issuance over HTTP, one client, before: p50 $p50 ms, p99 $p99 ms ($n requests, $bad not 201)"
	read -r p50 p99 n bad <<<"$(pct <"$work/issue-during")"
	echo "  issuance during the tidy:              p50 $p50 ms, p99 $p99 ms ($n requests, $bad not 201)"
	echo "  the WAL at most:                      $((walmax / 1048576)) MiB"
	echo "  counts valid/revoked/expired: before $v0/$r0/$x0, after $v1/$r1/$x1" \
		"(valid grows by the issued; revoked falls by the revoked ones long expired, which" \
		"retention deletes too)"
	echo "store after the tidy, bytes per certificate:"
	store_size
	row "/ after the tidy" "/"
	row "/certs?q= expiry order (1 in 20), after" "/certs?q=$common&sort=expires"

	# Then the service's housekeeping: once the dead count stands still, the
	# trigram index rebuilt without the tidied rows (ca/store/sqlite_reindex.c),
	# the old one dropped, and the freed space given back, issuing meanwhile (at most 5 minutes).
	settled() {
		sqlite3 "$dir/privca.db" "SELECT dead = 0 AND rebuild_rowid IS NULL AND
			NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'cert_fts_old') AND
			(SELECT freelist_count FROM pragma_freelist_count) <= 5120 FROM fts_state"
	}
	t2=$(date +%s.%N)
	: >"$work/issue-rebuild"
	while [ "$(settled)" != 1 ]; do
		issue 50 >>"$work/issue-rebuild"
		if awk -v a="$t2" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a > 300) }'; then
			echo "housekeeping: not settled after 300 s"
			break
		fi
	done
	echo "index rebuilt and space given back, by the service, in" \
		"$(awk -v a="$t2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the tidy"
	read -r p50 p99 n bad <<<"$(pct <"$work/issue-rebuild")"
	echo "  issuance meanwhile:                    p50 $p50 ms, p99 $p99 ms ($n requests, $bad not 201)"
	echo "store after the rebuild, bytes per certificate:"
	store_size
	row "/certs?q= expiry order (1 in 20), rebuilt" "/certs?q=$common&sort=expires"
	row "/certs?q= (1 match), rebuilt" "/certs?q=$rare"
fi

kill -TERM "$spid" 2>/dev/null || true
for ((i = 0; i < 100; i++)); do
	kill -0 "$spid" 2>/dev/null || break
	sleep 0.1
done
kill -KILL "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
spid=

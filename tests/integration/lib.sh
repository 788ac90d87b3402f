# tests/integration/lib.sh: helpers for the HTTP integration tests, sourced
# by tests/integration/http_*.sh (not a test itself: ctest runs *.sh, so this
# file exits 0 at once when run directly).
#
# Environment (set by ctest): PRIVCA the binary, PRIVCA_FIXTURES the fixture
# CSR directory, PRIVCA_SRC the source tree. Everything runs on loopback, on
# random free ports, in a temporary directory removed on exit; every process
# started here is killed by PID on exit.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	exit 0
fi

set -euo pipefail

: "${PRIVCA:?set PRIVCA to the privca binary}"
PRIVCA_FIXTURES=${PRIVCA_FIXTURES:-}
export OPENSSL_CONF=/dev/null

T=$(mktemp -d "${TMPDIR:-/tmp}/privca-it.XXXXXX")
PIDS=()
FAILS=0
CHECKS=0
SERVER_PID=
HTTP_PORT=
HTTPS_PORT=

cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	# A test's own clean-up (store_nodes.sh stops its cluster), if it has
	# one, before the wait: the wait is for every child, and a server the
	# test started itself (PostgreSQL's runuser) ends only when it stops.
	if declare -F on_cleanup >/dev/null; then
		on_cleanup || true
	fi
	wait 2>/dev/null || true
	pg_drop_schemas
	if [ "$rc" -ne 0 ] || [ "$FAILS" -ne 0 ]; then
		echo "--- server log (last 40 lines) ---" >&2
		tail -n 40 "$T"/server*.log >&2 2>/dev/null || true
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
ok() {
	CHECKS=$((CHECKS + 1))
	say "ok   $*"
}
bad() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	say "FAIL $*"
}
# report FILE: count the "ok   ..." and "FAIL ..." lines an embedded script
# (python driving raw sockets) printed into FILE; other lines are shown.
report() {
	local line
	while IFS= read -r line; do
		case "$line" in
		ok*) ok "${line#ok   }" ;;
		FAIL*) bad "${line#FAIL }" ;;
		*) say "$line" ;;
		esac
	done <"$1"
}

# check DESCRIPTION COMMAND...: ok if the command succeeds. A failure shows
# the last lines the command printed (a flake in CI then says why).
check() {
	local what=$1 out=$T/check.last rc=0
	shift
	"$@" >"$out" 2>&1 || rc=$?
	cat "$out" >>"$T/check.log"
	if [ "$rc" -eq 0 ]; then
		ok "$what"
	else
		bad "$what (exit $rc)"
		tail -n 5 "$out" | sed 's/^/     | /' >&2
	fi
}
# eq DESCRIPTION GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}
finish() {
	if [ "$FAILS" -ne 0 ]; then
		say "$FAILS of $CHECKS checks failed"
		exit 1
	fi
	say "all $CHECKS checks passed"
	exit 0
}

# A TCP port nobody listens on now (the kernel picks it).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# PRIVCA_TEST_STORE=pg (ctest's integration-pg/ variants): every new_ca
# keeps its store in a schema of its own in the PostgreSQL cluster of
# PRIVCA_PG_STATE (tests/pg.sh, a ctest fixture), dropped on exit.
# pg_store_url: a new schema; its store URL in PG_STORE_URL (not printed:
# the schema must be remembered here, outside any subshell).
PG_SCHEMAS=()
pg_store_url() {
	local name="it_$$_${#PG_SCHEMAS[@]}" url
	url=$(cat "$PRIVCA_PG_STATE/url")
	psql -qAt "$url" -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $name" >/dev/null || return 1
	PG_SCHEMAS+=("$name")
	PG_STORE_URL="$url?options=-csearch_path%3D$name%2Cpublic"
}
pg_drop_schemas() {
	local url n
	[ ${#PG_SCHEMAS[@]} -gt 0 ] || return 0
	url=$(cat "$PRIVCA_PG_STATE/url" 2>/dev/null) || return 0
	for n in "${PG_SCHEMAS[@]}"; do
		psql -qAt "$url" -c "DROP SCHEMA $n CASCADE" >/dev/null 2>&1 || true
	done
}

# store_dump DIR: everything DIR's store holds, as SQL text on stdout
# (sqlite3 .dump of privca.db; pg_dump of the schema privca.conf's store
# URL names). Fails when the store cannot be read.
store_dump() {
	local dir=$1 url schema
	url=$(sed -n 's/^store *= *//p' "$dir/privca.conf")
	if [ -z "$url" ]; then
		sqlite3 "$dir/privca.db" .dump
		return
	fi
	schema=${url#*search_path%3D}
	schema=${schema%%%2C*}
	pg_dump --data-only --schema="$schema" "${url%%\?*}"
}

# new_ca DIR [init options...]: privca init into DIR (its store in
# PostgreSQL under PRIVCA_TEST_STORE=pg).
new_ca() {
	local dir=$1 store=()
	shift
	if [ "${PRIVCA_TEST_STORE:-sqlite}" = pg ]; then
		pg_store_url || return 1
		store=(--store "$PG_STORE_URL")
	fi
	"$PRIVCA" init --dir "$dir" "${store[@]}" "$@" >"$T/init.out" 2>"$T/init.err" || {
		cat "$T/init.err" >&2
		return 1
	}
}

# start_server DIR [serve options...]: serve DIR on fresh ports, wait for
# /healthz. Sets SERVER_PID, HTTP_PORT, HTTPS_PORT, BASE (http) and SBASE (https).
start_server() {
	local dir=$1 i
	shift
	HTTP_PORT=$(free_port)
	HTTPS_PORT=$(free_port)
	while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT=$(free_port); done
	"$PRIVCA" serve --dir "$dir" --http "127.0.0.1:$HTTP_PORT" \
		--https "127.0.0.1:$HTTPS_PORT" "$@" 2>>"$T/server.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BASE="http://127.0.0.1:$HTTP_PORT"
	SBASE="https://localhost:$HTTPS_PORT"
	for i in $(seq 1 100); do
		if curl -sf -o /dev/null --max-time 1 "$BASE/healthz"; then
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			say "privca serve exited early"
			return 1
		fi
		sleep 0.1
	done
	say "privca serve did not answer /healthz within 10 s"
	return 1
}

# stop_server [SIGNAL]: stop the server started last and wait for it.
stop_server() {
	local sig=${1:-TERM} i
	[ -n "$SERVER_PID" ] || return 0
	kill "-$sig" "$SERVER_PID" 2>/dev/null || true
	for i in $(seq 1 150); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		say "privca serve did not stop within 15 s of SIG$sig"
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
	wait "$SERVER_PID" 2>/dev/null && SERVER_RC=0 || SERVER_RC=$?
	SERVER_PID=
}

server_alive() { kill -0 "$SERVER_PID" 2>/dev/null; }

# faketime_env OFFSET: FT_ENV, the env(1) assignments that move privca's
# clock by OFFSET (libfaketime syntax: +2d, -1h). libfaketime is preloaded
# into privca itself rather than run through the faketime program, which
# forks and waits: its PID would be the one stopped, and the server would
# live on, orphaned.
faketime_env() {
	local lib
	lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true)
	[ -n "$lib" ] || { say "libfaketime.so.1 not found (scripts/deps test installs faketime)"; return 1; }
	FT_ENV=("LD_PRELOAD=$lib" "FAKETIME=$1" FAKETIME_DONT_FAKE_MONOTONIC=1
		"ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0")
}

# privca_at OFFSET ARGS...: run privca with its clock moved by OFFSET.
privca_at() {
	local off=$1
	shift
	faketime_env "$off" || return 1
	env "${FT_ENV[@]}" "$PRIVCA" "$@"
}

# serve_at OFFSET: serve $DIR (plain HTTP) with the clock moved by OFFSET,
# server log in $T/server-OFFSET.log; wait until it answers anything (an
# expired CA answers /healthz with 503). Sets SERVER_PID, HTTP_PORT, BASE.
serve_at() {
	faketime_env "$1" || return 1
	HTTP_PORT=$(free_port)
	(exec env "${FT_ENV[@]}" "$PRIVCA" serve --dir "$DIR" --http "127.0.0.1:$HTTP_PORT" \
		--https "") 2>>"$T/server-$1.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	BASE="http://127.0.0.1:$HTTP_PORT"
	for _ in $(seq 1 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/healthz")" != 000 ] &&
			return 0
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# token NAME [token create options...]: print a new token.
token() {
	local name=$1
	shift
	"$PRIVCA" token create "$name" --dir "$DIR" "$@" 2>>"$T/cli.err"
}

# csr OUT CN [SAN-spec]: a P-256 key and CSR (PEM); SAN-spec like
# "DNS:a.example,IP:10.0.0.1". Keys go next to OUT.
csr() {
	local out=$1 cn=$2 sans=${3:-}
	local ext=()
	[ -z "$sans" ] || ext=(-addext "subjectAltName=$sans")
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$out.key" -subj "/CN=$cn" "${ext[@]}" -out "$out" 2>/dev/null
}

# http OUTPREFIX CURL-ARGS...: run curl, body in OUTPREFIX.body, headers in
# OUTPREFIX.hdr; prints the status code (000 if no answer).
http() {
	local out=$1
	shift
	curl -sS --max-time 20 -o "$out.body" -D "$out.hdr" -w '%{http_code}' "$@" 2>"$out.err" ||
		true
}

# header FILE NAME: the value of a response header (last one wins), no CR.
header() {
	grep -i "^$2:" "$1" | tail -n 1 | sed -e 's/^[^:]*:[[:space:]]*//' -e 's/\r$//'
}

# json FILE PYTHON-EXPR: evaluate EXPR with d = the parsed JSON; print it.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
s = json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else str(v)
sys.stdout.write(s if s.endswith("\n") else s + "\n")' "$1" "$2"
}

# problem OUTPREFIX STATUS CODE: the answer is an RFC 9457 problem+json with
# that status and code, a title and a non-empty detail.
problem_ok() {
	local out=$1 status=$2 code=$3
	local ct
	ct=$(header "$out.hdr" Content-Type)
	case "$ct" in application/problem+json*) ;; *)
		say "  content type '$ct', want application/problem+json"
		return 1
		;;
	esac
	python3 - "$out.body" "$status" "$code" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
want_status, want_code = int(sys.argv[2]), sys.argv[3]
errs = []
if d.get("type") != "urn:privca:error:" + want_code:
    errs.append("type %r" % d.get("type"))
if d.get("status") != want_status:
    errs.append("status %r" % d.get("status"))
if not isinstance(d.get("title"), str) or not d["title"]:
    errs.append("no title")
if not isinstance(d.get("detail"), str) or len(d["detail"]) < 10:
    errs.append("detail %r" % d.get("detail"))
if errs:
    print("  problem: " + ", ".join(errs), file=sys.stderr)
    sys.exit(1)
EOF
}

# expect_problem DESCRIPTION OUTPREFIX GOT-STATUS STATUS CODE
expect_problem() {
	local what=$1 out=$2 got=$3 status=$4 code=$5
	if [ "$got" = "$status" ] && problem_ok "$out" "$status" "$code"; then
		ok "$what ($status $code)"
	else
		bad "$what: got $got $(head -c 300 "$out.body" 2>/dev/null | tr '\n' ' '), want $status $code"
	fi
}

# count_certs: how many certificates the server lists (all statuses).
count_certs() {
	python3 - "$BASE" <<'EOF'
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

# all_serials: every serial the server lists, one per line.
all_serials() {
	python3 - "$BASE" <<'EOF'
import json, sys, urllib.request, urllib.parse
base, cursor = sys.argv[1], None
for _ in range(10000):
    url = base + "/api/v1/certificates?limit=500"
    if cursor:
        url += "&cursor=" + urllib.parse.quote(cursor)
    d = json.load(urllib.request.urlopen(url, timeout=20))
    for it in d["items"]:
        print(it["serial"])
    cursor = d["next_cursor"]
    if not cursor:
        break
EOF
}

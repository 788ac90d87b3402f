#!/usr/bin/env bash
# tests/pg.sh: a throwaway PostgreSQL 15 cluster for the tests (Debian's
# postgresql-15, scripts/deps test).
#
#   bash tests/pg.sh start STATE   initdb in a new temporary directory, run
#                                  the server as the user postgres (runuser)
#                                  on a unix socket there and on a free
#                                  loopback port; STATE/url, STATE/admin_url,
#                                  STATE/pid, STATE/data are written.
#   bash tests/pg.sh stop STATE    stop that server by its PID, remove it.
#
# Or source it (integration tests): pg_start STATE sets PG_URL (role privca,
# database privca, password auth over TCP), PG_ADMIN_URL (the same role on
# the database postgres, for CREATE DATABASE), PG_PID, PG_PORT; pg_stop
# STATE; pg_halt / pg_resume stop and start the same cluster (fault tests);
# pg_newdb NAME prints the URL of a new empty database NAME.
#
# The role privca may create databases (the contract test makes one per
# case) but is not a superuser: it is what an operator would give privca.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PASSWORD=privca-test-password

pg_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# pg_run CMD...: as the user postgres.
pg_run() {
	runuser -u postgres -- "$@"
}

# pg_server_up STATE: start the server of STATE/data and wait for it.
pg_server_up() {
	local state=$1 data port
	data=$(cat "$state/data")
	port=$(cat "$state/port")
	pg_run "$PG_BIN/postgres" -D "$data" -p "$port" -k "$data" \
		-c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on \
		>>"$data/server.log" 2>&1 &
	local runner=$!
	for _ in $(seq 1 100); do
		if pg_run "$PG_BIN/pg_isready" -q -h "$data" -p "$port" &&
			[ -s "$data/postmaster.pid" ]; then
			# The postmaster's own PID (runuser is only its parent).
			PG_PID=$(head -n 1 "$data/postmaster.pid")
			echo "$PG_PID" >"$state/pid"
			return 0
		fi
		kill -0 "$runner" 2>/dev/null || break
		sleep 0.1
	done
	echo "tests/pg.sh: PostgreSQL did not start; its log:" >&2
	tail -n 20 "$data/server.log" >&2
	return 1
}

pg_start() {
	local state=$1 data port
	mkdir -p "$state"
	data=$(mktemp -d "${TMPDIR:-/tmp}/privca-pg.XXXXXX")
	chown postgres: "$data"
	chmod 700 "$data"
	echo "$data" >"$state/data"
	port=$(pg_free_port)
	echo "$port" >"$state/port"
	printf '%s\n' "$PG_PASSWORD" >"$data/.pw"
	chown postgres: "$data/.pw"
	if ! pg_run "$PG_BIN/initdb" -D "$data/db" -U postgres -A trust \
		--auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 \
		>"$data/initdb.log" 2>&1; then
		echo "tests/pg.sh: initdb failed:" >&2
		tail -n 20 "$data/initdb.log" >&2
		return 1
	fi
	echo "$data/db" >"$state/data"
	pg_server_up "$state" || return 1
	pg_run "$PG_BIN/psql" -q -h "$data/db" -p "$port" -U postgres -d postgres \
		-v ON_ERROR_STOP=1 >/dev/null <<-EOF || return 1
		CREATE ROLE privca LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
		CREATE DATABASE privca OWNER privca;
		\c privca
		CREATE EXTENSION pg_trgm;
	EOF
	PG_PORT=$port
	PG_URL="postgresql://privca:$PG_PASSWORD@127.0.0.1:$port/privca"
	PG_ADMIN_URL="postgresql://privca:$PG_PASSWORD@127.0.0.1:$port/postgres"
	PG_SOCKET="$data/db"
	echo "$PG_URL" >"$state/url"
	echo "$PG_ADMIN_URL" >"$state/admin_url"
	echo "$data/db" >"$state/socket"
}

# pg_psql SQL...: run SQL as the superuser on the database privca.
pg_psql() {
	local state=$PG_STATE
	pg_run "$PG_BIN/psql" -qAt -h "$(cat "$state/data")" -p "$(cat "$state/port")" \
		-U postgres -d "${PG_DB:-privca}" -v ON_ERROR_STOP=1 -c "$*"
}

# pg_newdb NAME: a new empty database NAME owned by privca; prints its URL.
pg_newdb() {
	PG_DB=postgres pg_psql "CREATE DATABASE $1 OWNER privca" >/dev/null
	echo "postgresql://privca:$PG_PASSWORD@127.0.0.1:$(cat "$PG_STATE/port")/$1"
}

# pg_halt: stop the server (fast shutdown), keep its data.
pg_halt() {
	local pid
	pid=$(cat "$PG_STATE/pid")
	kill -INT "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

pg_resume() {
	pg_server_up "$PG_STATE"
}

pg_stop() {
	local state=$1 pid data
	[ -f "$state/pid" ] || return 0
	pid=$(cat "$state/pid")
	data=$(cat "$state/data" 2>/dev/null || true)
	kill -INT "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$state/pid" "$state/url" "$state/admin_url"
	case "$data" in
	*/privca-pg.*/db) rm -rf "${data%/db}" ;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in
	start)
		PG_STATE=$2
		pg_stop "$2"
		pg_start "$2"
		;;
	stop) pg_stop "$2" ;;
	*)
		echo "usage: tests/pg.sh start|stop STATE" >&2
		exit 2
		;;
	esac
fi

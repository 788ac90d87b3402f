#!/usr/bin/env bash
# libpq and libcurl are opened on first use, not linked (ca/dynlib.h, issue
# 11's idle RSS): a CA on SQLite maps neither, nor OpenSSL, Kerberos and
# LDAP behind them; a PostgreSQL store maps libpq and works; and where libpq
# cannot be loaded (here: a mount namespace with /dev/null bound over it),
# a SQLite CA still issues and a PostgreSQL store is refused in words.
. "$(dirname "$0")/lib.sh"
unset PRIVCA_TEST_STORE

maps_has() { grep -q "/$2" "/proc/$1/maps"; }

DIR=$T/ca
check "init a SQLite CA" new_ca "$DIR"
check "serve it" start_server "$DIR"
TOK=$(token team --allow .libs.internal)
csr "$T/a.csr" a.libs.internal "DNS:a.libs.internal"
st=$(http "$T/a" -H "Authorization: Bearer $TOK" -H "Content-Type: application/x-pem-file" \
	--data-binary "@$T/a.csr" "$BASE/api/v1/certificates")
eq "a certificate is issued" "$st" 201
for lib in libpq.so libcurl libcrypto.so libssl.so libkrb5.so libldap; do
	if maps_has "$SERVER_PID" "$lib"; then
		bad "the serving SQLite CA has $lib mapped"
	else
		ok "the serving SQLite CA has no $lib mapped"
	fi
done
stop_server

# A PostgreSQL store: libpq is mapped then, and answers.
if [ -n "${PRIVCA_PG_STATE:-}" ] && [ -f "$PRIVCA_PG_STATE/url" ] && pg_store_url; then
	check "init a CA on PostgreSQL" "$PRIVCA" init --dir "$T/pgca" --store "$PG_STORE_URL"
	check "serve it" start_server "$T/pgca"
	check "  with libpq mapped" maps_has "$SERVER_PID" libpq.so
	check "  and it answers from PostgreSQL" curl -sf -o /dev/null "$BASE/api/v1/ca"
	stop_server
else
	say "skip: no PostgreSQL fixture (PRIVCA_PG_STATE)"
fi

# Without libpq on the machine: /dev/null bound over it in a mount
# namespace of our own (root and unshare(1) needed; skipped otherwise).
# (awk reads all of ldconfig's list: an early exit would end ldconfig with
# SIGPIPE, and pipefail would end this script.)
libpq=$(ldconfig -p | awk '/libpq\.so\.5 / && !p { p = $NF } END { print p }')
[ -z "$libpq" ] || libpq=$(readlink -f "$libpq")
if [ -n "$libpq" ] && unshare -m true 2>/dev/null; then
	without() { unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$libpq" "$@"; }
	r=0
	without "$PRIVCA" init --dir "$T/nopq" --store "postgresql://127.0.0.1:1/x" \
		>"$T/nopq.out" 2>"$T/nopq.err" || r=$?
	check "without libpq, init --store postgresql:// fails" test "$r" -ne 0
	check "  saying it needs libpq" grep -q "the PostgreSQL store needs libpq" "$T/nopq.err"
	check "  and leaves no CA behind" test ! -e "$T/nopq/ca.pem"
	r=0
	without "$PRIVCA" sign --dir "$DIR" --csr "$T/a.csr" >"$T/b.pem" 2>"$T/b.err" || r=$?
	eq "without libpq, a SQLite CA still signs" "$r" 0
	check "  a certificate openssl verifies" \
		openssl verify -x509_strict -CAfile "$DIR/ca.pem" "$T/b.pem"
else
	say "skip: cannot hide libpq (no unshare -m here)"
fi
finish

#!/usr/bin/env bash
# The command line as an operator uses it: help and exit codes, tokens,
# PRIVCA_DIR, show/list of unknown things (design section 8).
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
check "init" new_ca "$DIR"

# rc CMD...: the exit code, output discarded.
rc() {
	local r=0
	"$@" >/dev/null 2>&1 || r=$?
	echo "$r"
}

for c in init serve sign revoke crl list show token; do
	eq "privca $c --help exits 0" "$(rc "$PRIVCA" "$c" --help)" 0
	check "privca $c --help prints a usage line" sh -c "'$PRIVCA' $c --help | grep -q '^usage: privca'"
done
eq "privca --help exits 0" "$(rc "$PRIVCA" --help)" 0
eq "no command: usage error 2" "$(rc "$PRIVCA")" 2
eq "unknown command: 2" "$(rc "$PRIVCA" frobnicate)" 2
eq "unknown flag: 2" "$(rc "$PRIVCA" list --dir "$DIR" --frob)" 2
eq "stray argument: 2" "$(rc "$PRIVCA" list --dir "$DIR" extra)" 2
eq "show without a serial: 2" "$(rc "$PRIVCA" show --dir "$DIR")" 2
eq "show of an unknown serial: refused, 1" \
	"$(rc "$PRIVCA" show --dir "$DIR" 0123456789abcdef0123456789abcdef)" 1
eq "revoke of an unknown serial: 1" \
	"$(rc "$PRIVCA" revoke --dir "$DIR" 0123456789abcdef0123456789abcdef)" 1
eq "a directory without a CA: 1" "$(rc "$PRIVCA" list --dir "$T/nothing")" 1
"$PRIVCA" list --dir "$T/nothing" 2>"$T/err" >/dev/null || true
check "  and it says how to make one" grep -q "privca init --dir" "$T/err"

# Tokens: printed once, alone on stdout; listed without the secret.
tok=$("$PRIVCA" token create team-a --dir "$DIR" --allow .team-a.internal \
	--allow-ip 10.1.0.0/16 --max-days 90 --profiles server,peer 2>"$T/err")
eq "token create prints one line" "$(printf '%s\n' "$tok" | wc -l)" 1
check "  of 43 base64url characters" sh -c "printf %s '$tok' | grep -Eqx '[A-Za-z0-9_-]{43}'"
"$PRIVCA" token list --dir "$DIR" >"$T/tokens"
check "token list names the token and its policy" \
	grep -q "^team-a	active	.*allow=.team-a.internal allow-ip=10.1.0.0/16 max-days=90 profiles=server,peer" "$T/tokens"
check "token list never shows the token" sh -c "! grep -qF -- '$tok' '$T/tokens'"
check "the store holds only its hash" sh -c "! sqlite3 '$DIR/privca.db' .dump | grep -qF -- '$tok'"
eq "a second token of the same name: 1" "$(rc "$PRIVCA" token create team-a --dir "$DIR" --admin)" 1
eq "a token that allows nothing: usage error 2" "$(rc "$PRIVCA" token create empty --dir "$DIR")" 2
eq "a bad pattern: 2" "$(rc "$PRIVCA" token create bad --dir "$DIR" --allow 'a..b')" 2
"$PRIVCA" token create ip --dir "$DIR" --allow 10.0.0.1 2>"$T/err" >/dev/null || true
check "an address as --allow: the core says CIDR block" grep -q "as CIDR blocks (such as '10.0.0.1/32')" "$T/err"
check "  and the CLI adds its flag" grep -q -- "; use --allow-ip (bad-request)" "$T/err"
eq "a bad CIDR: 2" "$(rc "$PRIVCA" token create bad --dir "$DIR" --allow-ip 10.0.0.1/8)" 2
eq "a bad name: 2" "$(rc "$PRIVCA" token create 'no spaces' --dir "$DIR" --admin)" 2
eq "--max-days over the CA's maximum: 2, like --max-days 0" \
	"$(rc "$PRIVCA" token create big --dir "$DIR" --allow .x --max-days 900) $(rc "$PRIVCA" token create big --dir "$DIR" --allow .x --max-days 0)" "2 2"
eq "token revoke: 0" "$(rc "$PRIVCA" token revoke team-a --dir "$DIR")" 0
check "token list shows it revoked" grep -q "^team-a	revoked" <("$PRIVCA" token list --dir "$DIR")
eq "revoking it again: 1" "$(rc "$PRIVCA" token revoke team-a --dir "$DIR")" 1

# PRIVCA_DIR is the default directory.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k" \
	-subj /CN=env.example.internal -out "$T/r.csr" 2>/dev/null
PRIVCA_DIR=$DIR "$PRIVCA" sign --csr "$T/r.csr" >"$T/env.pem" 2>/dev/null
check "PRIVCA_DIR finds the CA" \
	sh -c "openssl verify -CAfile '$DIR/ca.pem' '$T/env.pem' >/dev/null 2>&1"
check "a CSR from stdin (--csr -)" \
	sh -c "'$PRIVCA' sign --dir '$DIR' --csr - <'$T/r.csr' 2>/dev/null | grep -q 'BEGIN CERTIFICATE'"
check "list --status valid shows it" \
	sh -c "'$PRIVCA' list --dir '$DIR' --status valid | grep -q env.example.internal"
check "list --status revoked does not" \
	sh -c "! '$PRIVCA' list --dir '$DIR' --status revoked | grep -q env.example.internal"

# Exit codes: a value a flag cannot take is a usage error (2) whether the
# command line parser or the core finds it; nothing is created.
for args in "--subject garbage" "--url notaurl" "--hostname bad_host" "--days 0" "--key-type dsa"; do
	read -r -a a <<<"$args"
	eq "init $args: 2" "$(rc "$PRIVCA" init --dir "$T/bad-init" "${a[@]}")" 2
	check "  and leaves no directory behind" test ! -e "$T/bad-init"
done

# --url goes into every certificate's CRL and OCSP URLs (issue 13 item 8):
# only an absolute http(s) URL with a plain host, port and path is taken.
for url in 'http://ca.example.internal/a b' 'https://ca.example.internal/"><script>' \
	"https://ca.example.internal/x'y" 'https://' 'ftp://ca.example.internal' \
	'https://ca.example.internal:0' 'https://ca.example.internal:70000' \
	'https://ca.example.internal/crl?x=1' 'https://ca.example.internal/#f' \
	'https://user@ca.example.internal' 'https://ca example.internal' 'https://[::1'; do
	eq "init --url '$url': 2" "$(rc "$PRIVCA" init --dir "$T/bad-url" --url "$url")" 2
	check "  and leaves no directory behind" test ! -e "$T/bad-url"
done
"$PRIVCA" init --dir "$T/bad-url" --url 'http://x' --url 'https://x y' 2>"$T/url.err" || true
check "  the message says what is wrong" grep -q "is not an absolute http(s) URL" "$T/url.err"
eq "init --url https://pki.example.internal:8443/ca/: 0" \
	"$(rc "$PRIVCA" init --dir "$T/good-url" --url https://pki.example.internal:8443/ca/)" 0
check "  and certificates point to it" sh -c "grep -q '^base_url = https://pki.example.internal:8443/ca\$' '$T/good-url/privca.conf'"
eq "init --url 'http://[::1]:8080': 0" "$(rc "$PRIVCA" init --dir "$T/v6-url" --url 'http://[::1]:8080')" 0
sed -i 's|^base_url = .*|base_url = https://x.example/a b|' "$T/v6-url/privca.conf"
"$PRIVCA" list --dir "$T/v6-url" >/dev/null 2>"$T/conf-url.err" || true
check "a privca.conf base_url with a space is refused when read" \
	grep -q "privca.conf:[0-9]*: base_url is not an absolute http(s) URL" "$T/conf-url.err"

# A directory holding a database (a backup being restored, say) but no CA:
# init refuses it and leaves what is there alone.
mkdir -p "$T/restoring"
printf 'precious' >"$T/restoring/privca.db"
eq "init into a directory with a privca.db but no CA: 1" "$(rc "$PRIVCA" init --dir "$T/restoring")" 1
eq "  and the file is untouched" "$(cat "$T/restoring/privca.db")" precious

finish

#!/usr/bin/env bash
# A two-tier hierarchy (issue 9) judged by two more verifiers than openssl
# and GnuTLS: NSS (vfychain, as Firefox and Chrome on Linux use it) and Go's
# crypto/x509 (as cert-manager, Traefik and Caddy use it), the root the only
# trust anchor:
#   - a leaf privca issued verifies, with the intermediate given as
#     untrusted; without the intermediate it does not;
#   - the intermediate's critical nameConstraints hold: leaves forged with
#     the intermediate's key outside the permitted names, or under an
#     excluded one, are refused by both;
#   - after `privca intermediate renew`, a leaf from before still verifies
#     under the renewed intermediate, and a new one does too.
. "$(dirname "$0")/lib.sh"

command -v vfychain >/dev/null || { say "vfychain missing (scripts/deps test installs libnss3-tools)"; exit 1; }
command -v go >/dev/null || { say "go missing (scripts/deps test installs golang-go)"; exit 1; }

GV=$T/goverify
GO111MODULE=off GOCACHE=$T/gocache GOPATH=$T/gopath \
	go build -o "$GV" "$PRIVCA_SRC/tests/interop/goverify/main.go" 2>"$T/gobuild.err" || {
	cat "$T/gobuild.err" >&2
	exit 1
}

DIR=$T/ca
new_ca "$DIR" --two-tier --permit example.internal --exclude secret.example.internal \
	--hostname ca.example.internal
mv "$DIR/root.key" "$T/root.key"

# nss LEAF [INTERMEDIATE]: vfychain for a TLS server, the root trusted.
nss() {
	local mid=()
	[ -z "${2:-}" ] || mid=("$2")
	vfychain -a -u 1 -pp "$1" "${mid[@]}" -t "$DIR/root.pem" >"$T/nss.out" 2>&1
	local rc=$?
	cat "$T/nss.out" >>"$T/check.log"
	return $rc
}
# gov LEAF NAME [INTERMEDIATES]: Go's x509.Verify for a TLS server NAME.
gov() {
	"$GV" "$DIR/root.pem" "${3:-/dev/null}" "$1" "$2" >"$T/go.out" 2>&1
	local rc=$?
	cat "$T/go.out" >>"$T/check.log"
	return $rc
}
issue() {
	csr "$T/$1.csr" "$2" "DNS:$2"
	"$PRIVCA" sign --dir "$DIR" --csr "$T/$1.csr" >"$T/$1.pem" 2>>"$T/cli.err"
}

# ---- a leaf privca issued ------------------------------------------------------

check "privca sign a.example.internal" issue a a.example.internal
check "NSS vfychain: the chain is good" nss "$T/a.pem" "$DIR/ca.pem"
check "  and says so" grep -q "Chain is good" "$T/nss.out"
st=0
nss "$T/a.pem" || st=$?
check "NSS vfychain without the intermediate: refused" test "$st" -ne 0
check "Go x509: verifies for a.example.internal" gov "$T/a.pem" a.example.internal "$DIR/ca.pem"
check "Go x509 without the intermediate: unknown authority" \
	bash -c "! '$GV' '$DIR/root.pem' /dev/null '$T/a.pem' a.example.internal | grep -q ok"
check "Go x509: not for another name" \
	bash -c "'$GV' '$DIR/root.pem' '$DIR/ca.pem' '$T/a.pem' b.example.internal | grep -q 'not b.example.internal'"

# ---- name constraints ----------------------------------------------------------

# Leaves signed with the intermediate's key directly (as if its signer had
# issued them): the extension privca wrote is all that stops them.
forge() {
	local out=$1 name=$2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$out.key" -subj "/CN=$name" -out "$T/$out.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$name" >"$T/$out.ext"
	openssl x509 -req -in "$T/$out.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" \
		-CAcreateserial -days 30 -extfile "$T/$out.ext" -out "$T/$out.pem" 2>/dev/null
}
forge in ok.example.internal
check "a forged leaf inside the constraints: NSS accepts it" nss "$T/in.pem" "$DIR/ca.pem"
check "  Go accepts it" gov "$T/in.pem" ok.example.internal "$DIR/ca.pem"
forge out www.other.test
st=0
nss "$T/out.pem" "$DIR/ca.pem" || st=$?
# NSS's libpkix reports it at the intermediate as -8187 (invalid args), not
# as a name constraint error; the leaf forged inside the constraints above
# differs only in its name, so the name is what NSS refuses.
check "outside the permitted names: NSS refuses it" test "$st" -ne 0
st=0
gov "$T/out.pem" www.other.test "$DIR/ca.pem" || st=$?
check "  Go refuses it" test "$st" -ne 0
check "  naming the constraint" grep -qi "constraint" "$T/go.out"
forge ex db.secret.example.internal
st=0
nss "$T/ex.pem" "$DIR/ca.pem" || st=$?
check "under an excluded name: NSS refuses it" test "$st" -ne 0
st=0
gov "$T/ex.pem" db.secret.example.internal "$DIR/ca.pem" || st=$?
check "  Go refuses it" test "$st" -ne 0
check "  naming the excluded constraint" grep -qi "excluded" "$T/go.out"

# ---- intermediate renew --------------------------------------------------------

cp "$DIR/ca.pem" "$T/old-ca.pem"
sleep 1 # a new notBefore second, so the renewed intermediate differs
check "privca intermediate renew --root-key" \
	"$PRIVCA" intermediate renew --dir "$DIR" --root-key "$T/root.key"
check "  the intermediate changed" bash -c "! cmp -s '$T/old-ca.pem' '$DIR/ca.pem'"
check "a leaf from before: NSS, renewed intermediate" nss "$T/a.pem" "$DIR/ca.pem"
check "  Go, renewed intermediate" gov "$T/a.pem" a.example.internal "$DIR/ca.pem"
check "a new leaf" issue b b.example.internal
check "  NSS" nss "$T/b.pem" "$DIR/ca.pem"
check "  Go" gov "$T/b.pem" b.example.internal "$DIR/ca.pem"

finish

#!/usr/bin/env bash
# Revocation end to end (issue 4, design sections 4 and 6) with real clients
# against a real `privca serve` on loopback:
#   - for every CA key type: the served CRL verifies with openssl and
#     certtool (empty and with entries), /crl.pem is the same CRL, reason
#     codes and an increasing cRLNumber, `openssl verify -crl_check`; OCSP
#     good / revoked (with reason) / unknown with openssl ocsp (nonce, no
#     nonce, SHA-256 CertIDs), GnuTLS ocsptool, and the GET form;
#   - the revoke API's rules (requester, again, another team, admin, unknown
#     serial), each reflected by the CRL and OCSP within a second;
#   - CRL validators (ETag, If-None-Match, Last-Modified, max-age);
#   - `privca revoke` from another process reaching the running service;
#   - hostile OCSP input: never a crash, /healthz still answers.
. "$(dirname "$0")/lib.sh"

KEY_TYPES=(ec-p256 ec-p384 rsa-2048 ed25519)

# ---- helpers ------------------------------------------------------------------

# now_ms: wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# within MS COMMAND...: retry COMMAND until it succeeds or MS milliseconds
# have passed (bounded: at most 400 tries).
within() {
	local end=$(($(now_ms) + $1)) i
	shift
	for i in $(seq 1 400); do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
	return 1
}

# issue NAME TOKEN CN: issue a P-256 leaf for CN; PEM in $T/NAME.pem, the
# serial on stdout.
issue() {
	local name=$1 tok=$2 cn=$3 st
	csr "$T/$name.csr" "$cn" "DNS:$cn"
	st=$(http "$T/$name.iss" -H "Authorization: Bearer $tok" -H "Accept: application/json" \
		-H "Content-Type: application/x-pem-file" --data-binary "@$T/$name.csr" \
		"$BASE/api/v1/certificates")
	if [ "$st" != 201 ]; then
		say "issue $cn: status $st $(head -c 300 "$T/$name.iss.body")"
		return 1
	fi
	json "$T/$name.iss.body" 'd["certificate"]' >"$T/$name.pem"
	json "$T/$name.iss.body" 'd["serial"]'
}

# revoke OUTPREFIX TOKEN SERIAL [REASON]: POST the revocation; prints the status.
revoke() {
	local out=$1 tok=$2 serial=$3 reason=${4:-} body='{}'
	[ -z "$reason" ] || body="{\"reason\": \"$reason\"}"
	http "$out" -H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
		--data-binary "$body" "$BASE/api/v1/certificates/$serial/revoke"
}

# crl_fetch FILE: the served DER CRL into FILE.
crl_fetch() { curl -sSf --max-time 10 -o "$1" "$BASE/crl"; }

# crl_entries DERFILE: "serial reason" per revoked entry, serial in
# lowercase hex, reason as openssl names it with _ for spaces, - if none.
crl_entries() {
	openssl crl -inform DER -in "$1" -noout -text | awk '
		/Serial Number:/ { if (s != "") print s, r; s = tolower($3); r = "-"; next }
		/CRL Reason Code:/ {
			getline
			gsub(/^[ \t]+|[ \t]+$/, "")
			gsub(/ /, "_")
			r = $0
			next
		}
		/Signature Algorithm:/ { if (s != "") print s, r; s = "" }
		END { if (s != "") print s, r }'
}

# crl_number DERFILE: the cRLNumber, decimal.
crl_number() {
	local h
	h=$(openssl crl -inform DER -in "$1" -noout -crlnumber | sed -n 's/^crlNumber=0x//p')
	echo $((16#${h:-0}))
}

# crl_has SERIAL [REASON]: the served CRL lists SERIAL (with REASON if given).
crl_has() {
	local f=$T/poll.crl
	crl_fetch "$f" || return 1
	if [ $# -gt 1 ]; then
		crl_entries "$f" | grep -qx "$1 $2"
	else
		crl_entries "$f" | grep -q "^$1 "
	fi
}

# not_on_crl SERIAL: the served CRL does not list SERIAL.
not_on_crl() {
	crl_fetch "$T/poll.crl" || return 1
	! crl_entries "$T/poll.crl" | grep -q "^$1 "
}

# delta_has SERIAL [REASON]: the served delta CRL lists SERIAL (with REASON if given).
delta_has() {
	local f=$T/poll.delta
	curl -sSf --max-time 10 -o "$f" "$BASE/crl/delta" || return 1
	if [ -n "${2:-}" ]; then
		crl_entries "$f" | grep -qx "$1 $2"
	else
		crl_entries "$f" | grep -q "^$1 "
	fi
}

# crl_serials DERFILE: the serials a CRL lists, sorted, on one line.
crl_serials() { crl_entries "$1" | cut -d' ' -f1 | sort | tr '\n' ' '; }

# ocsp_q OUT CERT|0xSERIAL [openssl ocsp options...]: ask $BASE/ocsp; the
# openssl output (stdout and stderr) in OUT. Options go before -cert (where
# -sha256 must be).
ocsp_q() {
	local out=$1 what=$2
	shift 2
	local id=(-cert "$what")
	case $what in 0x*) id=(-serial "$what") ;; esac
	openssl ocsp "$@" -issuer "$CA" "${id[@]}" -url "$BASE/ocsp" -CAfile "$CA" \
		-timeout 10 >"$out" 2>&1 || true
}

# ocsp_is CERT|0xSERIAL STATUS [REASON [options...]]: openssl ocsp says
# STATUS (and REASON, unless -), the response verifies, no nonce warning.
ocsp_is() {
	local what=$1 st=$2 reason=${3:--} f=$T/ocsp.poll
	shift 2
	[ $# -eq 0 ] || shift
	ocsp_q "$f" "$what" "$@"
	grep -qx "$what: $st" "$f" && grep -q "^Response verify OK" "$f" &&
		! grep -qi "warning" "$f" || return 1
	[ "$reason" = - ] || grep -qx "[[:space:]]*Reason: $reason" "$f"
}

# ocsptool_is CERT STATUS [--nonce]: GnuTLS ocsptool --ask agrees.
ocsptool_is() {
	local f=$T/ocsptool.out
	ocsptool --ask="$BASE/ocsp" --load-issuer "$CA" --load-cert "$1" ${3:+"$3"} \
		>"$f" 2>&1 || true
	grep -q "Certificate Status: $2\$" "$f" &&
		grep -q "Verifying OCSP Response: Success" "$f"
}

# ocsp_get_is CERT STATUS: the GET form (RFC 6960 appendix A) with a request
# made by openssl ocsp -reqout, URL-encoded; the answer parses and says STATUS.
ocsp_get_is() {
	local cert=$1 st=$2 enc code
	openssl ocsp -issuer "$CA" -cert "$cert" -no_nonce -reqout "$T/get.req" >/dev/null 2>&1
	enc=$(python3 -c 'import base64, sys, urllib.parse
print(urllib.parse.quote(base64.b64encode(open(sys.argv[1], "rb").read()).decode(), safe=""))' \
		"$T/get.req")
	code=$(http "$T/get" "$BASE/ocsp/$enc")
	[ "$code" = 200 ] && [ "$(header "$T/get.hdr" Content-Type)" = application/ocsp-response ] ||
		return 1
	openssl ocsp -no_nonce -respin "$T/get.body" -issuer "$CA" -cert "$cert" -CAfile "$CA" \
		>"$T/get.out" 2>&1 || true
	grep -qx "$cert: $st" "$T/get.out" && grep -q "^Response verify OK" "$T/get.out"
}

# ocsp_rstatus FILE: the OCSPResponseStatus of a DER OCSPResponse
# (0 successful, 1 malformedRequest, 2 internalError, 3 tryLater,
# 5 sigRequired, 6 unauthorized), or "none" if it is not one.
ocsp_rstatus() {
	python3 - "$1" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
i = 2 if len(b) > 1 and b[1] < 0x80 else 2 + (b[1] & 0x7F if len(b) > 1 else 0)
ok = len(b) >= i + 3 and b[0] == 0x30 and b[i:i + 2] == b"\x0a\x01"
print(b[i + 2] if ok else "none")
EOF
}

# serial_hex CERT: the certificate's serial, lowercase hex.
serial_hex() {
	openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr A-F a-f
}

# never_issued: a 16-byte serial of this CA's form that was never issued.
never_issued() { echo "7f$(openssl rand -hex 15)"; }

# ---- every CA key type: CRL and OCSP with real clients -----------------------

key_type_suite() {
	local kt=$1 n0 n1 n2 n3 u
	DIR=$T/ca-$kt
	new_ca "$DIR" --key-type "$kt"
	start_server "$DIR"
	CA=$DIR/ca.pem
	local admin team
	admin=$(token admin --admin)
	team=$(token team-a --allow .team-a.internal)

	# The empty CRL.
	crl_fetch "$T/$kt-empty.crl"
	check "$kt: empty CRL verifies (openssl crl -CAfile)" \
		openssl crl -inform DER -in "$T/$kt-empty.crl" -CAfile "$CA" -noout
	check "$kt: empty CRL has no entries" \
		bash -c "openssl crl -inform DER -in '$T/$kt-empty.crl' -noout -text |
			grep -q 'No Revoked Certificates'"
	openssl crl -inform DER -in "$T/$kt-empty.crl" -out "$T/$kt-empty.pem"
	check "$kt: empty CRL verifies (certtool --verify-crl)" \
		certtool --verify-crl --load-ca-certificate "$CA" --infile "$T/$kt-empty.pem"
	n0=$(crl_number "$T/$kt-empty.crl")

	local sk ss su
	sk=$(issue "$kt-k" "$team" "k.team-a.internal")
	ss=$(issue "$kt-s" "$team" "s.team-a.internal")
	su=$(issue "$kt-u" "$team" "u.team-a.internal")
	issue "$kt-g" "$team" "g.team-a.internal" >/dev/null
	local K=$T/$kt-k.pem S=$T/$kt-s.pem U=$T/$kt-u.pem G=$T/$kt-g.pem
	local url
	url=$(sed -n 's/^base_url *= *//p' "$DIR/privca.conf")
	openssl x509 -in "$K" -noout -ext crlDistributionPoints,authorityInfoAccess >"$T/$kt-ext"
	check "$kt: leaf CRL DP is $url/crl" grep -q "URI:$url/crl\$" "$T/$kt-ext"
	check "$kt: leaf AIA OCSP is $url/ocsp" grep -q "OCSP - URI:$url/ocsp\$" "$T/$kt-ext"

	check "$kt: OCSP good (nonce)" ocsp_is "$K" good
	check "$kt: OCSP good (-no_nonce)" ocsp_is "$K" good - -no_nonce
	check "$kt: OCSP good (-sha256 CertID)" ocsp_is "$K" good - -sha256
	check "$kt: ocsptool --ask: good" ocsptool_is "$K" good

	# Three revocations: keyCompromise by the requester, superseded by an
	# admin, unspecified (no body reason); each shows within a second.
	eq "$kt: revoke keyCompromise (requester)" "$(revoke "$T/$kt-rk" "$team" "$sk" keyCompromise)" 200
	check "$kt:   CRL lists it with reason Key Compromise within 1 s" \
		within 1000 crl_has "$sk" Key_Compromise
	crl_fetch "$T/$kt-1.crl"
	n1=$(crl_number "$T/$kt-1.crl")
	eq "$kt: revoke superseded (admin)" "$(revoke "$T/$kt-rs" "$admin" "$ss" superseded)" 200
	check "$kt:   CRL lists it with reason Superseded within 1 s" \
		within 1000 crl_has "$ss" Superseded
	crl_fetch "$T/$kt-2.crl"
	n2=$(crl_number "$T/$kt-2.crl")
	eq "$kt: revoke with no reason" "$(revoke "$T/$kt-ru" "$team" "$su")" 200
	check "$kt:   CRL lists it with no reasonCode within 1 s" within 1000 crl_has "$su" -
	crl_fetch "$T/$kt.crl"
	n3=$(crl_number "$T/$kt.crl")
	if [ "$n0" -lt "$n1" ] && [ "$n1" -lt "$n2" ] && [ "$n2" -lt "$n3" ]; then
		ok "$kt: cRLNumber increases ($n0 < $n1 < $n2 < $n3)"
	else
		bad "$kt: cRLNumber sequence $n0 $n1 $n2 $n3 does not increase"
	fi

	local want got
	want=$(printf '%s\n' "$sk Key_Compromise" "$ss Superseded" "$su -" | sort)
	got=$(crl_entries "$T/$kt.crl" | sort)
	eq "$kt: CRL entries and reasons exactly" "$got" "$want"
	check "$kt: CRL verifies (openssl crl -CAfile)" \
		openssl crl -inform DER -in "$T/$kt.crl" -CAfile "$CA" -noout
	curl -sSf -o "$T/$kt.crl.pem" "$BASE/crl.pem"
	openssl crl -in "$T/$kt.crl.pem" -outform DER -out "$T/$kt.crl.pem.der" 2>/dev/null || true
	check "$kt: /crl.pem is the same CRL" cmp -s "$T/$kt.crl.pem.der" "$T/$kt.crl"
	check "$kt: CRL verifies (certtool --verify-crl)" \
		certtool --verify-crl --load-ca-certificate "$CA" --infile "$T/$kt.crl.pem"
	openssl verify -crl_check -CAfile "$CA" -CRLfile "$T/$kt.crl.pem" "$K" >"$T/$kt-vk" 2>&1 || true
	check "$kt: openssl verify -crl_check: revoked leaf is revoked" \
		grep -q "certificate revoked" "$T/$kt-vk"
	check "$kt: openssl verify -crl_check: good leaf is OK" \
		openssl verify -crl_check -CAfile "$CA" -CRLfile "$T/$kt.crl.pem" "$G"

	check "$kt: OCSP revoked, keyCompromise (nonce)" ocsp_is "$K" revoked keyCompromise
	check "$kt: OCSP revoked, keyCompromise (-no_nonce)" \
		ocsp_is "$K" revoked keyCompromise -no_nonce
	check "$kt: OCSP revoked, keyCompromise (-sha256)" ocsp_is "$K" revoked keyCompromise -sha256
	check "$kt: OCSP revoked, superseded (-sha256 -no_nonce)" \
		ocsp_is "$S" revoked superseded -sha256 -no_nonce
	check "$kt: OCSP revoked (unspecified)" ocsp_is "$U" revoked
	check "$kt: OCSP good for the unrevoked leaf" ocsp_is "$G" good - -sha256
	u=0x$(never_issued)
	check "$kt: OCSP unknown for a never-issued serial" ocsp_is "$u" unknown
	check "$kt: OCSP unknown for a never-issued serial (-no_nonce -sha256)" \
		ocsp_is "$u" unknown - -no_nonce -sha256
	check "$kt: ocsptool --ask: revoked" ocsptool_is "$K" revoked
	check "$kt: ocsptool --ask --nonce: revoked" ocsptool_is "$K" revoked --nonce
	check "$kt: ocsptool --ask: good" ocsptool_is "$G" good
	check "$kt: OCSP GET: revoked" ocsp_get_is "$K" revoked
	check "$kt: OCSP GET: good" ocsp_get_is "$G" good
	stop_server
}

for kt in "${KEY_TYPES[@]}"; do
	key_type_suite "$kt"
done

# ---- one CA for the rest ------------------------------------------------------

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"
CA=$DIR/ca.pem
ADMIN=$(token admin --admin)
TEAM=$(token team-a --allow .team-a.internal)
OTHER=$(token team-b --allow .team-b.internal)

R1=$(issue r1 "$TEAM" r1.team-a.internal)
R2=$(issue r2 "$TEAM" r2.team-a.internal)
R3=$(issue r3 "$TEAM" r3.team-a.internal)
G=$(issue g "$TEAM" g.team-a.internal)

# ---- CRL validators -----------------------------------------------------------

st=$(http "$T/h1" "$BASE/crl")
eq "/crl: 200 application/pkix-crl" "$st $(header "$T/h1.hdr" Content-Type)" \
	"200 application/pkix-crl"
etag=$(header "$T/h1.hdr" ETag)
lm=$(header "$T/h1.hdr" Last-Modified)
cc=$(header "$T/h1.hdr" Cache-Control)
maxage=$(echo "$cc" | sed -n 's/.*max-age=\([0-9][0-9]*\).*/\1/p')
nu=$(date -d "$(openssl crl -inform DER -in "$T/h1.body" -noout -nextupdate | cut -d= -f2)" +%s)
lu=$(date -d "$(openssl crl -inform DER -in "$T/h1.body" -noout -lastupdate | cut -d= -f2)" +%s)
check "/crl: ETag present" test -n "$etag"
if [ -n "$maxage" ] && [ "$maxage" -le $((nu - $(date +%s))) ]; then
	ok "/crl: Cache-Control max-age=$maxage, not past nextUpdate"
else
	bad "/crl: Cache-Control '$cc' (nextUpdate in $((nu - $(date +%s))) s)"
fi
if [ -n "$lm" ] && [ "$(date -d "$lm" +%s)" = "$lu" ]; then
	ok "/crl: Last-Modified is the CRL's thisUpdate"
else
	bad "/crl: Last-Modified '$lm', thisUpdate $(date -u -d "@$lu")"
fi
st=$(http "$T/h2" -H "If-None-Match: $etag" "$BASE/crl")
body=empty
[ ! -s "$T/h2.body" ] || body="$(wc -c <"$T/h2.body") bytes"
eq "/crl: If-None-Match with its ETag: 304, no body" "$st $body" "304 empty"
eq "/crl: If-None-Match with another ETag: 200" \
	"$(http "$T/h3" -H 'If-None-Match: "nope"' "$BASE/crl")" 200
eq "/crl: If-Modified-Since Last-Modified: 304" \
	"$(http "$T/h4" -H "If-Modified-Since: $lm" "$BASE/crl")" 304
st=$(http "$T/h5" "$BASE/crl.pem")
petag=$(header "$T/h5.hdr" ETag)
check "/crl.pem: 200, PEM" grep -q -- "-----BEGIN X509 CRL-----" "$T/h5.body"
check "/crl.pem: its own ETag" test -n "$petag" -a "$petag" != "$etag"
eq "/crl.pem: If-None-Match: 304" "$(http "$T/h6" -H "If-None-Match: $petag" "$BASE/crl.pem")" 304

# The GET form with '+' and '/' in the base64 (sent as %2B and %2F): nonce
# requests differ each time, so make a few until one has both; the nonce
# must come back.
for i in $(seq 1 60); do
	openssl ocsp -issuer "$CA" -cert "$T/g.pem" -reqout "$T/n.req" >/dev/null 2>&1
	case $(base64 -w0 <"$T/n.req") in *+*/* | */*+*) break ;; esac
done
enc=$(python3 -c 'import base64, sys, urllib.parse
print(urllib.parse.quote(base64.b64encode(open(sys.argv[1], "rb").read()).decode(), safe=""))' \
	"$T/n.req")
st=$(http "$T/nget" "$BASE/ocsp/$enc")
# (-reqin checks the nonce, but only without -cert, which would make a new
# request with a nonce of its own; the status comes from a second look.)
openssl ocsp -reqin "$T/n.req" -respin "$T/nget.body" -CAfile "$CA" >"$T/nget.out" 2>&1 || true
openssl ocsp -no_nonce -respin "$T/nget.body" -issuer "$CA" -cert "$T/g.pem" -CAfile "$CA" \
	>>"$T/nget.out" 2>&1 || true
if [ "$st" = 200 ] && grep -qx "$T/g.pem: good" "$T/nget.out" &&
	grep -q "^Response verify OK" "$T/nget.out" && ! grep -qi "warning\|error" "$T/nget.out"; then
	ok "OCSP GET with %2B/%2F in the path and a nonce: good, nonce echoed"
else
	bad "OCSP GET with %2B/%2F ($enc): $st $(tr '\n' ' ' <"$T/nget.out")"
fi

st=$(http "$T/d0" "$BASE/crl/delta")
expect_problem "/crl/delta before the first revocation (no base yet)" "$T/d0" "$st" 404 not-found

# ---- revocation rules over the API --------------------------------------------

st=$(revoke "$T/v1" "$TEAM" "$R1" keyCompromise)
eq "requester revokes its certificate: 200" "$st" 200
eq "  the JSON record says revoked, keyCompromise, with a time" \
	"$(json "$T/v1.body" '[d["serial"], d["status"], d["revocation_reason"], bool(d["revoked_at"])]')" \
	"[\"$R1\", \"revoked\", \"keyCompromise\", true]"
check "  CRL lists it within 1 s" within 1000 crl_has "$R1" Key_Compromise
check "  OCSP says revoked within 1 s" within 1000 ocsp_is "$T/r1.pem" revoked keyCompromise -no_nonce
crl_fetch "$T/after1.crl"
st=$(http "$T/h7" -H "If-None-Match: $etag" "$BASE/crl")
eq "/crl: the old ETag no longer matches after a revocation" "$st" 200

# ---- delta CRLs (RFC 5280 5.2.4) ------------------------------------------------

check "  the delta CRL lists it within 1 s" within 1000 delta_has "$R1" Key_Compromise
st=$(http "$T/d1" "$BASE/crl/delta")
eq "/crl/delta: 200 application/pkix-crl" "$st $(header "$T/d1.hdr" Content-Type)" \
	"200 application/pkix-crl"
openssl crl -inform DER -in "$T/d1.body" -noout -text >"$T/d1.txt" 2>&1 || true
check "/crl/delta: a critical deltaCRLIndicator" grep -q "Delta CRL Indicator: critical" "$T/d1.txt"
check "/crl/delta: verifies (openssl crl -CAfile)" \
	openssl crl -inform DER -in "$T/d1.body" -CAfile "$CA" -noout
eq "/crl/delta: the same number as /crl" "$(crl_number "$T/d1.body")" \
	"$(crl_number "$T/after1.crl")"
eq "/crl/delta: only the revocation since its base" "$(crl_serials "$T/d1.body")" "$R1 "
url=$(sed -n 's/^base_url *= *//p' "$DIR/privca.conf")
openssl crl -inform DER -in "$T/after1.crl" -noout -text >"$T/after1.txt" 2>&1 || true
check "/crl: freshestCRL names $url/crl/delta" grep -q "URI:$url/crl/delta\$" "$T/after1.txt"
openssl x509 -in "$T/r1.pem" -noout -text >"$T/r1.txt" 2>&1 || true
check "a leaf's freshestCRL names $url/crl/delta" \
	bash -c "grep -A2 'X509v3 Freshest CRL' '$T/r1.txt' | grep -q 'URI:$url/crl/delta\$'"
curl -sSf -o "$T/d1.pem" "$BASE/crl/delta.pem"
check "/crl/delta.pem: certtool --verify-crl" \
	certtool --verify-crl --load-ca-certificate "$CA" --infile "$T/d1.pem"
# The complete CRL from before the revocation plus the delta: revoked.
openssl crl -inform DER -in "$T/h1.body" -out "$T/before.pem"
openssl verify -crl_check -use_deltas -CAfile "$CA" -CRLfile "$T/before.pem" \
	-CRLfile "$T/d1.pem" "$T/r1.pem" >"$T/dv1" 2>&1 || true
check "openssl verify -use_deltas (old complete CRL + delta): revoked" \
	grep -q "certificate revoked" "$T/dv1"
check "openssl verify -use_deltas: the good leaf is OK" \
	openssl verify -crl_check -use_deltas -CAfile "$CA" -CRLfile "$T/before.pem" \
	-CRLfile "$T/d1.pem" "$T/g.pem"
check "openssl verify without the delta: the old CRL alone says OK" \
	openssl verify -crl_check -CAfile "$CA" -CRLfile "$T/before.pem" "$T/r1.pem"

st=$(revoke "$T/v2" "$TEAM" "$R1" superseded)
expect_problem "revoking it again" "$T/v2" "$st" 409 already-revoked
check "  the reason stays keyCompromise" within 1000 crl_has "$R1" Key_Compromise

st=$(revoke "$T/v3" "$OTHER" "$R2" keyCompromise)
expect_problem "another team's token" "$T/v3" "$st" 403 forbidden
sleep 0.3
check "  the certificate stays good in OCSP" ocsp_is "$T/r2.pem" good - -no_nonce
check "  and off the CRL" not_on_crl "$R2"

st=$(revoke "$T/v4" "$ADMIN" "$R2" cessationOfOperation)
eq "admin revokes another team's certificate: 200" "$st" 200
eq "  the JSON record" "$(json "$T/v4.body" '[d["status"], d["revocation_reason"]]')" \
	'["revoked", "cessationOfOperation"]'
check "  CRL lists it within 1 s" within 1000 crl_has "$R2" Cessation_Of_Operation
check "  OCSP says revoked within 1 s" \
	within 1000 ocsp_is "$T/r2.pem" revoked cessationOfOperation -no_nonce

st=$(revoke "$T/v5" "$ADMIN" "$(never_issued)")
expect_problem "unknown serial" "$T/v5" "$st" 404 not-found
st=$(revoke "$T/v6" "$ADMIN" "$R3" notAReason)
expect_problem "unknown reason" "$T/v6" "$st" 400 bad-request
st=$(http "$T/v7" -H "Content-Type: application/json" --data-binary '{}' \
	"$BASE/api/v1/certificates/$R3/revoke")
expect_problem "no token" "$T/v7" "$st" 401 unauthorized
# Bodies and serials that are not what the endpoint takes: refused, nothing revoked.
i=0
for body in 'not json' '[]' '"keyCompromise"' '{"reason": 1}' '{"reason": ["keyCompromise"]}' \
	'{"reason": "keyCompromise", "reason": "superseded"}' '{"reason": "keyCompromise"'; do
	i=$((i + 1))
	st=$(http "$T/vb$i" -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \
		--data-binary "$body" "$BASE/api/v1/certificates/$R3/revoke")
	expect_problem "revoke body $body" "$T/vb$i" "$st" 400 bad-request
done
for s in "${R3}00" "${R3:0:31}" "${R3:0:31}g" "..%2f..%2fca.key"; do
	i=$((i + 1))
	st=$(http "$T/vb$i" -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \
		--data-binary '{}' "$BASE/api/v1/certificates/$s/revoke")
	expect_problem "revoke serial '$s'" "$T/vb$i" "$st" 404 not-found
done
# A NUL in the path is refused before routing (issue 13 item 6: 400, never a cut path).
i=$((i + 1))
st=$(http "$T/vb$i" -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \
	--data-binary '{}' "$BASE/api/v1/certificates/%00$R3/revoke")
expect_problem "revoke serial '%00$R3'" "$T/vb$i" "$st" 400 bad-request
check "  none of them revoked it" ocsp_is "$T/r3.pem" good - -no_nonce
crl_fetch "$T/rules.crl"
eq "  after all that, the CRL lists exactly those two" "$(crl_serials "$T/rules.crl")" \
	"$(printf '%s\n' "$R1" "$R2" | sort | tr '\n' ' ')"
check "  the good one is still good" ocsp_is "$T/g.pem" good

# ---- `privca revoke` in another process ---------------------------------------

if "$PRIVCA" revoke --dir "$DIR" "$R3" --reason affiliationChanged >"$T/cli.out" 2>"$T/cli.err2"
then
	ok "privca revoke (another process) while the service runs"
else
	bad "privca revoke: $(cat "$T/cli.err2")"
fi
t0=$(now_ms)
check "  the served CRL shows it within 5 s" within 5000 crl_has "$R3" Affiliation_Changed
check "  OCSP (cached, no nonce) says revoked within 5 s" \
	within 5000 ocsp_is "$T/r3.pem" revoked affiliationChanged -no_nonce
check "  OCSP (nonce) says revoked" ocsp_is "$T/r3.pem" revoked affiliationChanged
check "  the served delta CRL shows it within 5 s" within 5000 delta_has "$R3" Affiliation_Changed
say "     (seen after $(($(now_ms) - t0)) ms)"
"$PRIVCA" crl --dir "$DIR" --out "$T/cli.crl" 2>>"$T/cli.err" || true
check "privca crl --out writes a CRL that verifies" \
	openssl crl -inform DER -in "$T/cli.crl" -CAfile "$CA" -noout
crl_fetch "$T/served.crl"
eq "  and lists the same serials as the served CRL" "$(crl_serials "$T/cli.crl")" \
	"$(crl_serials "$T/served.crl")"
check "  it is the served CRL itself, byte for byte (nothing new signed)" \
	cmp "$T/cli.crl" "$T/served.crl"
"$PRIVCA" crl --dir "$DIR" --out "$T/cli2.crl" 2>>"$T/cli.err" || true
check "a second privca crl writes the same CRL (no number used up)" cmp "$T/cli.crl" "$T/cli2.crl"
"$PRIVCA" crl --dir "$DIR" --pem --out "$T/cli.crl.pem" 2>>"$T/cli.err" || true
check "privca crl --pem writes PEM" \
	openssl crl -in "$T/cli.crl.pem" -CAfile "$CA" -noout
eq "  of the same CRL" "$(openssl crl -in "$T/cli.crl.pem" -outform DER | sha256sum)" \
	"$(sha256sum <"$T/cli.crl")"
"$PRIVCA" crl --dir "$DIR" --delta --out "$T/cli.delta" 2>>"$T/cli.err" || true
curl -sSf -o "$T/served.delta" "$BASE/crl/delta" || true
check "privca crl --delta writes a delta CRL that verifies" \
	openssl crl -inform DER -in "$T/cli.delta" -CAfile "$CA" -noout
eq "  with the served delta's number and serials" \
	"$(crl_number "$T/cli.delta") $(crl_serials "$T/cli.delta")" \
	"$(crl_number "$T/served.delta") $(crl_serials "$T/served.delta")"
eq "  R1, R2 and R3: every revocation since its base" "$(crl_serials "$T/cli.delta")" \
	"$(printf '%s\n' "$R1" "$R2" "$R3" | sort | tr '\n' ' ')"

# ---- the complete CRL's file beside a SQLite database (issue 11) ---------------

if [ "${PRIVCA_TEST_STORE:-sqlite}" = sqlite ]; then
	crlsum=$(sha256sum <"$T/cli.crl" | cut -c1-64)
	check "the served CRL is the file named by its SHA-256 beside privca.db" \
		cmp "$DIR/privca.db-crl/$crlsum.der" "$T/cli.crl"
	eq "  the directory is 0700, the file 0600" \
		"$(stat -c %a "$DIR/privca.db-crl") $(stat -c %a "$DIR/privca.db-crl/$crlsum.der")" "700 600"
	eq "  and the database holds no copy of it" \
		"$(sqlite3 "file:$DIR/privca.db?mode=ro" "SELECT length(der) FROM crl_state")" 0
	# A damaged file (a disk, a restore that left the directory behind) is
	# no CRL: the next one is signed, and it verifies.
	printf 'x' | dd of="$DIR/privca.db-crl/$crlsum.der" bs=1 seek=200 conv=notrunc 2>/dev/null
	"$PRIVCA" crl --dir "$DIR" --out "$T/cli3.crl" 2>"$T/cli3.err" || true
	check "privca crl with the CRL's file damaged: a new CRL that verifies" \
		openssl crl -inform DER -in "$T/cli3.crl" -CAfile "$CA" -noout
	eq "  numbered after the damaged one, with the same serials" \
		"$(($(crl_number "$T/cli.crl") + 1)) $(crl_serials "$T/cli.crl")" \
		"$(crl_number "$T/cli3.crl") $(crl_serials "$T/cli3.crl")"
	check "  and the log says why" grep -q "missing or damaged" "$T/cli3.err"
	rm -rf "$DIR/privca.db-crl"
	"$PRIVCA" crl --dir "$DIR" --out "$T/cli4.crl" 2>"$T/cli4.err" || true
	check "privca crl with the directory gone: a new CRL that verifies" \
		openssl crl -inform DER -in "$T/cli4.crl" -CAfile "$CA" -noout
	check "  the service serves it within 5 s" \
		within 5000 sh -c "curl -sSf '$BASE/crl' | cmp -s - '$T/cli4.crl'"
fi

# ---- hostile OCSP input -------------------------------------------------------

# hostile DESCRIPTION OUTPREFIX CURL-ARGS...: the answer is an OCSP error
# response (not successful) or a 4xx, and the service still answers.
hostile() {
	local what=$1 out=$2 st rs
	shift 2
	st=$(http "$out" "$@")
	rs=none
	[ "$st" != 200 ] || rs=$(ocsp_rstatus "$out.body")
	case "$st:$rs" in
	200:[1-6] | 4??:none) ok "$what: HTTP $st, OCSP status $rs" ;;
	*) bad "$what: status $st, OCSP response status $rs" ;;
	esac
	check "  /healthz still 200" curl -sf --max-time 5 -o /dev/null "$BASE/healthz"
}
OCSP_POST=(-H "Content-Type: application/ocsp-request" "$BASE/ocsp")

head -c 300 /dev/urandom >"$T/garbage"
hostile "garbage POST" "$T/x1" --data-binary "@$T/garbage" "${OCSP_POST[@]}"
hostile "empty POST" "$T/x2" --data-binary "" "${OCSP_POST[@]}"
openssl ocsp -issuer "$CA" -cert "$T/g.pem" -reqout "$T/good.req" >/dev/null 2>&1
head -c $(($(wc -c <"$T/good.req") - 7)) "$T/good.req" >"$T/trunc.req"
hostile "truncated request" "$T/x3" --data-binary "@$T/trunc.req" "${OCSP_POST[@]}"
printf '\x30\x04\x30\x02\x30\x00' >"$T/zero.req"
hostile "zero CertIDs" "$T/x4" --data-binary "@$T/zero.req" "${OCSP_POST[@]}"
printf '\x30\x84\xff\xff\xff\xf0\x30\x00' >"$T/len.req"
hostile "outer length 4 GiB" "$T/x5" --data-binary "@$T/len.req" "${OCSP_POST[@]}"
python3 -c 'import sys; sys.stdout.buffer.write(b"\x30" * 5000)' >"$T/deep.req"
hostile "5000 nested SEQUENCE tags" "$T/x6" --data-binary "@$T/deep.req" "${OCSP_POST[@]}"
head -c 70000 /dev/urandom >"$T/huge.req"
st=$(http "$T/x7" --data-binary "@$T/huge.req" "${OCSP_POST[@]}")
expect_problem "huge POST (70,000 bytes)" "$T/x7" "$st" 413 payload-too-large
check "  /healthz still 200" curl -sf --max-time 5 -o /dev/null "$BASE/healthz"

# 1,000 CertIDs for this CA (short serials keep the request under 64 KiB):
# an answer for each, or an error; never a crash.
serials=()
for i in $(seq 1 1000); do serials+=(-serial "$i"); done
openssl ocsp -issuer "$CA" "${serials[@]}" -no_nonce -reqout "$T/k.req" >/dev/null 2>&1
st=$(http "$T/x8" --data-binary "@$T/k.req" "${OCSP_POST[@]}")
rs=none
[ "$st" != 200 ] || rs=$(ocsp_rstatus "$T/x8.body")
if [ "$st:$rs" = 200:0 ]; then
	nresp=$(openssl ocsp -respin "$T/x8.body" -resp_text -noverify 2>/dev/null |
		grep -c "Cert Status: unknown" || true)
	eq "1,000 CertIDs ($(wc -c <"$T/k.req") bytes): one unknown answer each" "$nresp" 1000
	check "  and the response verifies" \
		openssl ocsp -respin "$T/x8.body" -CAfile "$CA" -issuer "$CA" -serial 1
else
	case "$st:$rs" in
	200:[1-6] | 4??:none) ok "1,000 CertIDs: refused ($st, OCSP status $rs)" ;;
	*) bad "1,000 CertIDs: status $st, OCSP response status $rs" ;;
	esac
fi
check "  /healthz still 200" curl -sf --max-time 5 -o /dev/null "$BASE/healthz"

# Another CA's CertIDs: unauthorized (RFC 6960 2.3).
new_ca "$T/other"
openssl ocsp -issuer "$T/other/ca.pem" -serial "0x$(never_issued)" -no_nonce \
	-reqout "$T/foreign.req" >/dev/null 2>&1
st=$(http "$T/x9" --data-binary "@$T/foreign.req" "${OCSP_POST[@]}")
eq "CertID of another CA: 200 OCSP unauthorized (6)" "$st $(ocsp_rstatus "$T/x9.body")" "200 6"

hostile "GET with bad base64" "$T/x10" "$BASE/ocsp/%21%21not*base64%7E%7E"
hostile "GET with base64 of garbage" "$T/x11" "$BASE/ocsp/$(head -c 90 /dev/urandom |
	base64 -w0 | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip(), safe=""))')"
hostile "GET with an empty request" "$T/x12" "$BASE/ocsp/"
hostile "GET with a 100 KiB path" "$T/x13" "$BASE/ocsp/$(head -c 75000 /dev/zero | base64 -w0)"
st=$(http "$T/x14" -H "Content-Type: text/plain" --data-binary "@$T/good.req" "$BASE/ocsp")
expect_problem "POST with the wrong content type" "$T/x14" "$st" 415 unsupported-media-type

# A client that connects and goes away without a byte (the OpenSSL 3.0
# responder stops answering after that), then one that sends half a request.
python3 - "$HTTP_PORT" <<'EOF'
import socket, sys
for _ in range(5):
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
          b"Content-Length: 1000\r\n\r\n0\x82")
s.close()
EOF
check "after idle and half-sent connections: OCSP still answers good" ocsp_is "$T/g.pem" good
check "  and the server is still running" server_alive

stop_server
eq "server stops cleanly on SIGTERM" "$SERVER_RC" 0
finish

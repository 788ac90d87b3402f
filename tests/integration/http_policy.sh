#!/usr/bin/env bash
# Team tokens and policy over HTTP (design section 5): allowed names, another
# team's name, wildcards, IPs and CIDRs, days, profiles, revoked, missing and
# garbled tokens, each refusal an RFC 9457 problem+json with the right code;
# refusals issue nothing; the https-required rule for credentials sent in
# clear from another host.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"
API=$BASE/api/v1/certificates

A=$(token team-a --allow .team-a.internal --allow-ip 10.0.0.0/8 --max-days 90 --profiles server)
B=$(token team-b --allow .team-b.internal)
W=$(token team-w --allow '*.wild.internal' --allow-wildcard)
ADMIN=$(token admin --admin)
GONE=$(token gone --allow .gone.internal)
"$PRIVCA" token revoke gone --dir "$DIR" >/dev/null 2>>"$T/cli.err"

csr "$T/r.csr" placeholder.internal

# issue OUT TOKEN JSON-EXTRA: POST a JSON request whose csr is r.csr and whose
# other fields come from the JSON object JSON-EXTRA; prints the status.
issue() {
	local out=$1 tok=$2 extra=$3
	python3 -c 'import json, sys
d = json.loads(sys.argv[2]); d["csr"] = open(sys.argv[1]).read(); print(json.dumps(d))' \
		"$T/r.csr" "$extra" >"$out.req"
	local auth=()
	[ -z "$tok" ] || auth=(-H "Authorization: Bearer $tok")
	http "$out" "${auth[@]}" -H "Content-Type: application/json" --data-binary "@$out.req" "$API"
}

# detail_has OUT TEXT: the problem's detail mentions TEXT.
detail_has() { json "$1.body" 'd["detail"]' | grep -qF -- "$2"; }

# ---- allowed ------------------------------------------------------------------
before=$(count_certs)
good=0
st=$(issue "$T/a1" "$A" '{"sans": ["web.team-a.internal"]}')
eq "team-a: web.team-a.internal is allowed (201)" "$st" 201
[ "$st" != 201 ] || good=$((good + 1))
eq "  requester is the token name" "$(json "$T/a1.body" 'd["requester"]' 2>/dev/null)" team-a
st=$(issue "$T/a2" "$A" '{"sans": ["team-a.internal", "10.1.2.3"]}')
eq "team-a: the .suffix itself and an IP inside 10.0.0.0/8 (201)" "$st" 201
[ "$st" != 201 ] || good=$((good + 1))
st=$(issue "$T/a3" "$A" '{"sans": ["api.team-a.internal"], "validity_days": 90}')
eq "team-a: validity_days at the token's maximum (201)" "$st" 201
[ "$st" != 201 ] || good=$((good + 1))
st=$(issue "$T/w1" "$W" '{"sans": ["*.wild.internal"]}')
eq "team-w (--allow-wildcard): *.wild.internal (201)" "$st" 201
[ "$st" != 201 ] || good=$((good + 1))
st=$(issue "$T/ad" "$ADMIN" '{"sans": ["anything.example.com"], "profile": "client"}')
eq "admin: any valid name, any profile (201)" "$st" 201
[ "$st" != 201 ] || good=$((good + 1))

# ---- refused ------------------------------------------------------------------
mid=$(count_certs)
eq "allowed requests are listed" "$mid" "$((before + good))"

st=$(issue "$T/x1" "$A" '{"sans": ["db.team-b.internal"]}')
expect_problem "team-a asks for team-b's name" "$T/x1" "$st" 403 name-not-allowed
check "  detail names the refused name" detail_has "$T/x1" "db.team-b.internal"
check "  and the allowed patterns" detail_has "$T/x1" ".team-a.internal"
st=$(issue "$T/x2" "$A" '{"sans": ["ok.team-a.internal", "db.team-b.internal"]}')
expect_problem "one allowed name and one not" "$T/x2" "$st" 403 name-not-allowed
check "  detail names the first refused one" detail_has "$T/x2" "db.team-b.internal"
st=$(issue "$T/x3" "$A" '{"sans": ["*.team-a.internal"]}')
expect_problem "wildcard without --allow-wildcard" "$T/x3" "$st" 403 name-not-allowed
check "  detail names the wildcard" detail_has "$T/x3" "*.team-a.internal"
st=$(issue "$T/x4" "$A" '{"sans": ["192.168.1.1"]}')
expect_problem "IP outside the token's CIDR" "$T/x4" "$st" 403 name-not-allowed
check "  detail names the IP and the CIDR" detail_has "$T/x4" "192.168.1.1"
check "  (CIDR)" detail_has "$T/x4" "10.0.0.0/8"
st=$(issue "$T/x5" "$B" '{"sans": ["10.1.2.3"]}')
expect_problem "IP from a token without --allow-ip" "$T/x5" "$st" 403 name-not-allowed
st=$(issue "$T/x6" "$A" '{"sans": ["web.team-a.internal"], "validity_days": 91}')
expect_problem "more days than the token's --max-days" "$T/x6" "$st" 400 bad-request
check "  detail names the maximum" detail_has "$T/x6" "90"
st=$(issue "$T/x7" "$ADMIN" '{"sans": ["web.team-a.internal"], "validity_days": 826}')
expect_problem "more days than the CA's maximum" "$T/x7" "$st" 400 bad-request
check "  detail names the maximum" detail_has "$T/x7" "825"
check "  and the API names its field (the core does not)" detail_has "$T/x7" "days (in 'validity_days')"
st=$(issue "$T/x8" "$A" '{"sans": ["web.team-a.internal"], "profile": "client"}')
expect_problem "a profile outside --profiles" "$T/x8" "$st" 403 forbidden
st=$(issue "$T/x9" "$A" '{"sans": ["web.team-a.internal"], "profile": "nonsense"}')
expect_problem "an unknown profile" "$T/x9" "$st" 400 bad-request
st=$(issue "$T/x10" "$A" '{"sans": ["bad_name!.team-a.internal"]}')
expect_problem "an invalid DNS name" "$T/x10" "$st" 400 bad-request
st=$(issue "$T/x11" "$A" '{"sans": ["web.team-a.internal"], "validity_days": "ten"}')
expect_problem "validity_days not a number" "$T/x11" "$st" 400 bad-request
st=$(http "$T/x12" -H "Authorization: Bearer $A" -H "Content-Type: application/pkcs10" \
	--data-binary "@$T/r.csr" "$API?san=db.team-b.internal")
expect_problem "pkcs10 form with ?san= of another team" "$T/x12" "$st" 403 name-not-allowed

st=$(issue "$T/t1" "$GONE" '{"sans": ["x.gone.internal"]}')
expect_problem "revoked token" "$T/t1" "$st" 401 unauthorized
st=$(issue "$T/t2" "" '{"sans": ["web.team-a.internal"]}')
expect_problem "no token" "$T/t2" "$st" 401 unauthorized
check "  WWW-Authenticate: Bearer" grep -qi "^WWW-Authenticate: Bearer" "$T/t2.hdr"
st=$(issue "$T/t3" "garbled-${A:3:20}" '{"sans": ["web.team-a.internal"]}')
expect_problem "garbled token" "$T/t3" "$st" 401 unauthorized
st=$(issue "$T/t4" "${A}x" '{"sans": ["web.team-a.internal"]}')
expect_problem "token with a byte added" "$T/t4" "$st" 401 unauthorized
st=$(issue "$T/t5" "${A:0:42}" '{"sans": ["web.team-a.internal"]}')
expect_problem "token with a byte missing" "$T/t5" "$st" 401 unauthorized
st=$(http "$T/t6" -H "Authorization: Basic dGVhbS1hOnNlY3JldA==" -H "Content-Type: application/json" \
	--data-binary "@$T/a1.req" "$API")
expect_problem "Basic instead of Bearer" "$T/t6" "$st" 401 unauthorized
st=$(http "$T/t7" -H "Authorization: Bearer" -H "Content-Type: application/json" \
	--data-binary "@$T/a1.req" "$API")
expect_problem "Bearer without a token" "$T/t7" "$st" 401 unauthorized

eq "refused requests issued nothing" "$(count_certs)" "$mid"

# ---- https-required: credentials in clear from another host --------------------
# Bind the plain listener to this host's own non-loopback address, so the
# peer address is not 127.0.0.0/8 while the packets never leave the host.
IP=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n 1 || true)
if [ -n "$IP" ]; then
	stop_server TERM
	HP=$(free_port)
	SP=$(free_port)
	"$PRIVCA" serve --dir "$DIR" --http "$IP:$HP" --https "$IP:$SP" 2>>"$T/server2.log" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	for _ in $(seq 1 100); do
		curl -sf -o /dev/null --max-time 1 "http://$IP:$HP/healthz" && break
		sleep 0.1
	done
	st=$(http "$T/h1" -H "Authorization: Bearer $A" -H "Content-Type: application/json" \
		--data-binary "@$T/a1.req" "http://$IP:$HP/api/v1/certificates")
	expect_problem "a good token over plain HTTP from $IP" "$T/h1" "$st" 403 https-required
	st=$(http "$T/h2" -H "Authorization: Bearer not-even-a-token" "http://$IP:$HP/api/v1/ca")
	expect_problem "any Authorization header over plain HTTP from $IP" "$T/h2" "$st" 403 \
		https-required
	eq "no credentials over plain HTTP from $IP: 200" \
		"$(http "$T/h3" "http://$IP:$HP/api/v1/ca")" 200
	st=$(http "$T/h4" --cacert "$DIR/ca.pem" --resolve "localhost:$SP:$IP" \
		-H "Authorization: Bearer $A" -H "Content-Type: application/json" \
		--data-binary "@$T/a1.req" "https://localhost:$SP/api/v1/certificates")
	eq "the same request over HTTPS from $IP: 201" "$st" 201
	st=$(http "$T/h5" --data-urlencode "csr@$T/r.csr" --data-urlencode "token=$A" \
		"http://$IP:$HP/request")
	eq "a token in the /request form over plain HTTP from $IP: 403" "$st" 403
	check "  the page says HTTPS is required" grep -q "HTTPS required" "$T/h5.body"
	check "  and is a page, not JSON" grep -q '<!doctype html>' "$T/h5.body"
	stop_server TERM
else
	say "skip https-required: no non-loopback IPv4 address on this host"
fi
finish

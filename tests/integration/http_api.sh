#!/usr/bin/env bash
# The HTTP contract of design section 4, end to end with curl, openssl and
# certtool against the real binary: every issuance body form x every Accept,
# JSON fields and Location, listing and pagination, detail, downloads
# byte-equal to what issuance returned, /ca.p7b, CRL and OCSP, revocation,
# /api/v1/ca, /healthz, /metrics, and the same over HTTPS.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"
CA=$DIR/ca.pem

ADMIN=$(token admin --admin)
TEAM=$(token team-a --allow .team-a.internal --allow-ip 10.0.0.0/8)
OTHER=$(token team-b --allow .team-b.internal)
check "token create prints a 43-character token" test ${#TEAM} -eq 43

csr "$T/a.csr" web.team-a.internal "DNS:web.team-a.internal,DNS:api.team-a.internal,IP:10.1.2.3"
openssl req -in "$T/a.csr" -outform DER -out "$T/a.der"
base64 -w0 <"$T/a.der" >"$T/a.b64"
python3 -c 'import json, sys; print(json.dumps({"csr": open(sys.argv[1]).read()}))' "$T/a.csr" \
	>"$T/a.json"

AUTH=(-H "Authorization: Bearer $TEAM")
API=$BASE/api/v1/certificates

# ---- issuance: 4 body forms x 5 Accept values --------------------------------
declare -A BODY=([json]=$T/a.json [pkcs10]=$T/a.der [pkcs10-b64]=$T/a.b64 [pkcs10-pem]=$T/a.csr
	[x-pem-file]=$T/a.csr [text]=$T/a.csr)
declare -A CTYPE=([json]=application/json [pkcs10]=application/pkcs10
	[pkcs10-b64]=application/pkcs10 [pkcs10-pem]=application/pkcs10
	[x-pem-file]=application/x-pem-file [text]=text/plain)
SERIALS=()
n=0
for form in json pkcs10 pkcs10-b64 pkcs10-pem x-pem-file text; do
	for accept in none '*/*' application/json application/x-pem-file text/plain \
		application/pkix-cert; do
		n=$((n + 1))
		hdr=()
		[ "$accept" = none ] || hdr=(-H "Accept: $accept")
		st=$(http "$T/i$n" "${AUTH[@]}" "${hdr[@]}" -H "Content-Type: ${CTYPE[$form]}" \
			--data-binary "@${BODY[$form]}" "$API")
		what="issue $form, Accept $accept"
		if [ "$st" != 201 ]; then
			bad "$what: status $st $(head -c 300 "$T/i$n.body")"
			continue
		fi
		want=$accept
		case "$accept" in none | '*/*')
			if [ "$form" = json ]; then want=application/json; else want=application/x-pem-file; fi
			;;
		esac
		ct=$(header "$T/i$n.hdr" Content-Type)
		loc=$(header "$T/i$n.hdr" Location)
		case "$want" in
		application/json)
			serial=$(json "$T/i$n.body" 'd["serial"]')
			json "$T/i$n.body" 'd["certificate"]' >"$T/i$n.leaf"
			;;
		application/x-pem-file | text/plain)
			openssl x509 -in "$T/i$n.body" -out "$T/i$n.leaf" 2>/dev/null || true
			serial=$(openssl x509 -in "$T/i$n.leaf" -noout -serial 2>/dev/null | cut -d= -f2 |
				tr A-F a-f)
			;;
		application/pkix-cert)
			openssl x509 -inform DER -in "$T/i$n.body" -out "$T/i$n.leaf" 2>/dev/null || true
			serial=$(openssl x509 -in "$T/i$n.leaf" -noout -serial 2>/dev/null | cut -d= -f2 |
				tr A-F a-f)
			;;
		esac
		if [ "${ct%%;*}" = "$want" ] && [ "$loc" = "/api/v1/certificates/$serial" ] &&
			[ ${#serial} -eq 32 ] &&
			openssl verify -x509_strict -CAfile "$CA" "$T/i$n.leaf" >/dev/null 2>&1; then
			ok "$what: 201 $want, Location, verifies"
			SERIALS+=("$serial")
		else
			bad "$what: content type '$ct' (want $want), Location '$loc', serial '$serial'"
		fi
	done
done
# Without a Content-Type at all (a script's plain POST) and as curl sends
# --data-binary by default, the body is read as the CSR it is.
for ct in "Content-Type:" "Content-Type: application/x-www-form-urlencoded"; do
	st=$(http "$T/nct" "${AUTH[@]}" -H "$ct" --data-binary "@$T/a.csr" "$API")
	openssl x509 -in "$T/nct.body" -out "$T/nct.leaf" 2>/dev/null || true
	if [ "$st" = 201 ] && openssl verify -x509_strict -CAfile "$CA" "$T/nct.leaf" >/dev/null 2>&1; then
		ok "issue with '$ct': 201, PEM that verifies"
	else
		bad "issue with '$ct': status $st"
	fi
done
check "every issuance got its own serial" \
	test "$(printf '%s\n' "${SERIALS[@]}" | sort -u | wc -l)" -eq "${#SERIALS[@]}"

# PEM answers carry the leaf then the chain up to the root.
check "PEM answer is leaf then CA" test "$(grep -c 'BEGIN CERTIFICATE' "$T/i4.body")" -eq 2
sed -n '/BEGIN/,/END/p' "$T/i4.body" | tail -n "$(wc -l <"$CA")" >"$T/i4.chain"
check "PEM chain is ca.pem" cmp -s "$T/i4.chain" "$CA"

# JSON answer fields.
check "JSON answer has every field" python3 - "$T/i1.body" "$CA" <<'EOF'
import json, sys, re
d = json.load(open(sys.argv[1]))
ca = open(sys.argv[2]).read()
for k in ["serial", "certificate", "chain", "subject", "dns_names", "ip_addresses",
          "not_before", "not_after", "fingerprint_sha256", "profile", "status"]:
    assert k in d, k
assert re.fullmatch(r"[0-9a-f]{32}", d["serial"])
assert d["certificate"].startswith("-----BEGIN CERTIFICATE-----")
assert d["chain"] == [ca], "chain"
assert sorted(d["dns_names"]) == ["api.team-a.internal", "web.team-a.internal"], d["dns_names"]
assert d["ip_addresses"] == ["10.1.2.3"], d["ip_addresses"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["not_before"])
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["not_after"])
assert re.fullmatch(r"[0-9a-f]{64}", d["fingerprint_sha256"])
assert d["profile"] == "server" and d["status"] == "valid"
EOF
fp=$(openssl x509 -in "$T/i1.leaf" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
eq "fingerprint_sha256 is the certificate's" "$(json "$T/i1.body" 'd["fingerprint_sha256"]')" "$fp"

# Query parameters of the non-JSON forms, and the JSON fields.
st=$(http "$T/q" "${AUTH[@]}" -H "Accept: application/json" -H "Content-Type: application/pkcs10" \
	--data-binary "@$T/a.csr" "$API?profile=client&validity_days=30&san=x.team-a.internal&san=10.9.9.9")
eq "pkcs10 with profile, validity_days and san: 201" "$st" 201
eq "  profile" "$(json "$T/q.body" 'd["profile"]')" client
eq "  san" "$(json "$T/q.body" 'd["dns_names"] + d["ip_addresses"]')" '["x.team-a.internal", "10.9.9.9"]'
eq "  validity 30 days" "$(json "$T/q.body" '__import__("datetime").datetime.fromisoformat(d["not_after"][:-1]).timestamp() - __import__("datetime").datetime.fromisoformat(d["not_before"][:-1]).timestamp()')" \
	"$((30 * 86400)).0"
python3 -c 'import json, sys
print(json.dumps({"csr": open(sys.argv[1]).read(), "profile": "peer", "validity_days": 7,
                  "sans": ["only.team-a.internal"]}))' "$T/a.csr" >"$T/full.json"
st=$(http "$T/j" "${AUTH[@]}" -H "Content-Type: application/json" --data-binary "@$T/full.json" "$API")
eq "JSON with profile, validity_days, sans: 201" "$st" 201
eq "  fields applied" "$(json "$T/j.body" '[d["profile"], d["dns_names"], d["ip_addresses"]]')" \
	'["peer", ["only.team-a.internal"], []]'
openssl x509 -in <(json "$T/j.body" 'd["certificate"]') -noout -ext extendedKeyUsage >"$T/j.eku" 2>&1
check "  peer profile has serverAuth and clientAuth" grep -q "Server Authentication, TLS Web Client" "$T/j.eku"

# What a person types: curl --data-binary @req.csr prints a certificate.
curl -sS -H "Authorization: Bearer $TEAM" --data-binary "@$T/a.csr" "$API" >"$T/plain.out"
check "curl --data-binary @req.csr prints a certificate" \
	openssl verify -x509_strict -CAfile "$CA" "$T/plain.out"

# ---- detail, downloads ----------------------------------------------------------
S=${SERIALS[0]}
st=$(http "$T/d" "$API/$S")
eq "detail: 200" "$st" 200
check "detail has the list fields, certificate and fingerprint" python3 - "$T/d.body" "$S" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["serial", "subject", "dns_names", "ip_addresses", "not_before", "not_after", "status",
          "profile", "requester", "revoked_at", "revocation_reason", "fingerprint_sha256",
          "certificate"]:
    assert k in d, k
assert d["serial"] == sys.argv[2] and d["requester"] == "team-a" and d["revoked_at"] is None
EOF
json "$T/d.body" 'd["certificate"]' >"$T/d.pem"
check "detail PEM is what issuance returned" cmp -s "$T/d.pem" "$T/i1.leaf"
SU=$(echo "$S" | tr a-f A-F)
eq "detail by upper-case serial: 200" "$(http "$T/du" "$API/$SU")" 200
st=$(http "$T/d404" "$API/0123456789abcdef0123456789abcdef")
expect_problem "detail of an unknown serial" "$T/d404" "$st" 404 not-found
st=$(http "$T/d404b" "$API/not-a-serial")
expect_problem "detail of a malformed serial" "$T/d404b" "$st" 404 not-found

st=$(http "$T/cp" "$BASE/certs/$S.pem")
eq "/certs/S.pem: 200" "$st" 200
eq "  content type" "$(header "$T/cp.hdr" Content-Type)" application/x-pem-file
check "  byte-equal to the issued PEM" cmp -s "$T/cp.body" "$T/i1.leaf"
S6=${SERIALS[5]} # the application/pkix-cert answer of the JSON form
st=$(http "$T/cc" "$BASE/certs/$S6.crt")
eq "/certs/S.crt: 200" "$st" 200
eq "  content type" "$(header "$T/cc.hdr" Content-Type)" application/pkix-cert
check "  byte-equal to the DER issuance answer" cmp -s "$T/cc.body" "$T/i6.body"
st=$(http "$T/c404" "$BASE/certs/0123456789abcdef0123456789abcdef.pem")
expect_problem "/certs/unknown.pem" "$T/c404" "$st" 404 not-found

st=$(http "$T/capem" "$BASE/ca.pem")
eq "/ca.pem: 200 application/x-pem-file" "$st $(header "$T/capem.hdr" Content-Type)" \
	"200 application/x-pem-file"
check "  byte-equal to ca.pem in the data directory" cmp -s "$T/capem.body" "$CA"
openssl x509 -in "$CA" -outform DER -out "$T/ca.der"
st=$(http "$T/cacrt" "$BASE/ca.crt")
eq "/ca.crt: 200 application/pkix-cert" "$st $(header "$T/cacrt.hdr" Content-Type)" \
	"200 application/pkix-cert"
check "  byte-equal to ca.pem's DER" cmp -s "$T/cacrt.body" "$T/ca.der"
st=$(http "$T/p7b" "$BASE/ca.p7b")
eq "/ca.p7b: 200 application/pkcs7-mime" "$st $(header "$T/p7b.hdr" Content-Type)" \
	"200 application/pkcs7-mime"
openssl pkcs7 -inform DER -in "$T/p7b.body" -print_certs -out "$T/p7b.pem" 2>"$T/p7b.err" || true
openssl x509 -in "$T/p7b.pem" -outform DER -out "$T/p7b.der" 2>/dev/null || true
check "  openssl pkcs7 -print_certs gives the CA certificate" cmp -s "$T/p7b.der" "$T/ca.der"
check "  certtool --p7-info reads it" certtool --p7-info --inder --infile "$T/p7b.body"
check "certtool verifies an issued certificate" \
	certtool --verify --load-ca-certificate "$CA" --infile "$T/i1.leaf"
etag=$(header "$T/capem.hdr" ETag)
eq "/ca.pem with If-None-Match: 304" "$(http "$T/ca304" -H "If-None-Match: $etag" "$BASE/ca.pem")" 304
eq "HEAD /ca.pem: 200, no body" \
	"$(curl -sS -I -o /dev/null -w '%{http_code} %{size_download}' "$BASE/ca.pem")" "200 0"

# ---- listing ------------------------------------------------------------------
ISSUED=$(count_certs)
check "list: every issued certificate is listed ($ISSUED)" test "$ISSUED" -ge "${#SERIALS[@]}"
all_serials | sort >"$T/listed"
printf '%s\n' "${SERIALS[@]}" | sort >"$T/issued"
check "  and each serial once" test -z "$(comm -13 "$T/listed" "$T/issued")"
check "  no duplicates across pages" test "$(sort -u "$T/listed" | wc -l)" -eq "$(wc -l <"$T/listed")"
st=$(http "$T/l" "$API?limit=3")
eq "list limit=3: 200 application/json" "$st $(header "$T/l.hdr" Content-Type)" "200 application/json"
check "  items have exactly the design fields, next_cursor a string" python3 - "$T/l.body" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["items"]) == 3
want = {"serial", "subject", "dns_names", "ip_addresses", "not_before", "not_after", "status",
        "profile", "requester", "revoked_at", "revocation_reason"}
for it in d["items"]:
    assert want <= set(it), set(it) ^ want
assert isinstance(d["next_cursor"], str) and d["next_cursor"]
EOF
# Walk with limit=2: every serial once, next_cursor null on the last page.
python3 - "$BASE" >"$T/walk" <<'EOF'
import json, sys, urllib.request, urllib.parse
base, cursor, seen, pages = sys.argv[1], None, [], 0
while True:
    url = base + "/api/v1/certificates?limit=2" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    d = json.load(urllib.request.urlopen(url))
    pages += 1
    seen += [it["serial"] for it in d["items"]]
    assert "next_cursor" in d
    cursor = d["next_cursor"]
    if cursor is None:
        break
    assert pages < 1000
print(len(seen), len(set(seen)))
EOF
eq "cursor walk (limit=2) sees every certificate once" "$(cat "$T/walk")" "$ISSUED $ISSUED"
st=$(http "$T/lq" "$API?q=${S:4:12}")
eq "q= serial substring finds it" "$(json "$T/lq.body" '[i["serial"] for i in d["items"]]')" "[\"$S\"]"
st=$(http "$T/lq2" "$API?q=api.team-a")
check "q= SAN substring: 200 and matches" test "$st" = 200 -a \
	"$(json "$T/lq2.body" 'len(d["items"])')" -ge 1
st=$(http "$T/lq3" "$API?q=no-such-name-anywhere")
eq "q= without matches: empty page, next_cursor null" \
	"$st $(json "$T/lq3.body" '[d["items"], d["next_cursor"]]')" '200 [[], null]'
eq "sort=expires: 200" "$(http "$T/ls" "$API?sort=expires&status=valid")" 200
for bad_q in limit=0 limit=501 limit=x status=bogus sort=size; do
	st=$(http "$T/lb" "$API?$bad_q")
	expect_problem "list ?$bad_q" "$T/lb" "$st" 400 bad-request
done

# ---- revocation, CRL, OCSP ------------------------------------------------------
R=${SERIALS[1]}
st=$(http "$T/rv0" -X POST "$API/$R/revoke")
expect_problem "revoke without a token" "$T/rv0" "$st" 401 unauthorized
st=$(http "$T/rv1" -H "Authorization: Bearer $OTHER" -H "Content-Type: application/json" \
	--data '{"reason":"keyCompromise"}' "$API/$R/revoke")
expect_problem "revoke by another team" "$T/rv1" "$st" 403 forbidden
st=$(http "$T/rv2" "${AUTH[@]}" -H "Content-Type: application/json" --data '{"reason":"sometime"}' \
	"$API/$R/revoke")
expect_problem "revoke with an unknown reason" "$T/rv2" "$st" 400 bad-request
st=$(http "$T/rv" "${AUTH[@]}" -H "Content-Type: application/json" \
	--data '{"reason":"keyCompromise"}' "$API/$R/revoke")
eq "revoke by the requesting token: 200" "$st" 200
eq "  record says revoked, keyCompromise" \
	"$(json "$T/rv.body" '[d["serial"], d["status"], d["revocation_reason"], d["revoked_at"] is not None]')" \
	"[\"$R\", \"revoked\", \"keyCompromise\", true]"
st=$(http "$T/rv3" "${AUTH[@]}" -X POST "$API/$R/revoke")
expect_problem "revoke again" "$T/rv3" "$st" 409 already-revoked
st=$(http "$T/rv4" -H "Authorization: Bearer $ADMIN" -X POST "$API/0123456789abcdef0123456789abcdef/revoke")
expect_problem "revoke an unknown serial" "$T/rv4" "$st" 404 not-found
st=$(http "$T/rv5" -H "Authorization: Bearer $ADMIN" -X POST "$API/${SERIALS[2]}/revoke")
eq "admin revokes another team's certificate (no body): 200" "$st" 200
eq "status=revoked lists both" \
	"$(http "$T/lr" "$API?status=revoked" >/dev/null; json "$T/lr.body" 'sorted(i["serial"] for i in d["items"])')" \
	"$(python3 -c 'import json,sys; print(json.dumps(sorted(sys.argv[1:])))' "$R" "${SERIALS[2]}")"

st=$(http "$T/crl" "$BASE/crl")
eq "/crl: 200 application/pkix-crl" "$st $(header "$T/crl.hdr" Content-Type)" "200 application/pkix-crl"
check "  openssl crl verifies it against the CA" \
	openssl crl -inform DER -in "$T/crl.body" -CAfile "$CA" -noout
openssl crl -inform DER -in "$T/crl.body" -noout -text >"$T/crl.txt" 2>&1 || true
check "  it lists the revoked serial" grep -qi "$(echo "$R" | tr a-f A-F)" "$T/crl.txt"
etag=$(header "$T/crl.hdr" ETag)
check "  ETag, Last-Modified and Cache-Control max-age" test -n "$etag" -a \
	-n "$(header "$T/crl.hdr" Last-Modified)" -a -n "$(header "$T/crl.hdr" Cache-Control | grep max-age=)"
eq "  If-None-Match: 304" "$(http "$T/crl304" -H "If-None-Match: $etag" "$BASE/crl")" 304
st=$(http "$T/crlpem" "$BASE/crl.pem")
openssl crl -in "$T/crlpem.body" -outform DER -out "$T/crlpem.der" 2>/dev/null || true
check "/crl.pem is the same CRL in PEM" cmp -s "$T/crlpem.der" "$T/crl.body"

openssl x509 -in "$T/i1.leaf" -out "$T/good.pem"
json "$T/rv.body" 'd["certificate"]' >"$T/revoked.pem"
openssl ocsp -issuer "$CA" -cert "$T/good.pem" -url "$BASE/ocsp" -CAfile "$CA" \
	-resp_text >"$T/ocsp1" 2>&1 || true
check "OCSP POST (openssl ocsp): good, response verifies" grep -q ": good" "$T/ocsp1"
check "  Response verify OK" grep -q "Response verify OK" "$T/ocsp1"
openssl ocsp -issuer "$CA" -cert "$T/revoked.pem" -url "$BASE/ocsp" -CAfile "$CA" >"$T/ocsp2" 2>&1 || true
check "OCSP POST: revoked" grep -q ": revoked" "$T/ocsp2"
openssl ocsp -issuer "$CA" -cert "$T/revoked.pem" -no_nonce -reqout "$T/ocsp.req" >/dev/null 2>&1
enc=$(python3 -c 'import base64, sys, urllib.parse
print(urllib.parse.quote(base64.b64encode(open(sys.argv[1], "rb").read()).decode(), safe=""))' "$T/ocsp.req")
st=$(http "$T/ocspget" "$BASE/ocsp/$enc")
eq "OCSP GET: 200 application/ocsp-response" "$st $(header "$T/ocspget.hdr" Content-Type)" \
	"200 application/ocsp-response"
openssl ocsp -respin "$T/ocspget.body" -issuer "$CA" -cert "$T/revoked.pem" -CAfile "$CA" \
	>"$T/ocsp3" 2>&1 || true
check "  and says revoked" grep -q ": revoked" "$T/ocsp3"

# ---- the CA, health, metrics ------------------------------------------------------
st=$(http "$T/ca" "$BASE/api/v1/ca")
eq "/api/v1/ca: 200" "$st" 200
cafp=$(openssl x509 -in "$CA" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
check "  fields, fingerprint and counts" python3 - "$T/ca.body" "$cafp" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["subject", "fingerprint_sha256", "not_before", "not_after", "key_type", "urls", "counts"]:
    assert k in d, k
assert d["fingerprint_sha256"] == sys.argv[2]
assert d["key_type"] == "ec-p256"
for k in ["ca", "crl", "ocsp"]:
    assert d["urls"][k].startswith("http"), k
c = d["counts"]
assert c["revoked"] == 2 and c["valid"] >= 20 and c["expired"] == 0, c
EOF
st=$(http "$T/h" "$BASE/healthz")
eq "/healthz: 200 ok" "$st $(cat "$T/h.body")" "200 ok"
st=$(http "$T/m" "$BASE/metrics")
eq "/metrics: 200 text/plain" "$st $(header "$T/m.hdr" Content-Type | cut -d';' -f1)" "200 text/plain"
check "  issued counter counts this run" python3 - "$T/m.body" "${#SERIALS[@]}" <<'EOF'
import sys, re
text = open(sys.argv[1]).read()
m = re.search(r"^privca_certificates_issued_total (\d+)$", text, re.M)
assert m and int(m.group(1)) >= int(sys.argv[2]), m
assert re.search(r'^privca_refusals_total\{code="forbidden"\} [1-9]', text, re.M)
assert re.search(r'^privca_http_requests_total\{status="201"\} [1-9]', text, re.M)
assert re.search(r'^privca_http_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]', text, re.M)
assert re.search(r'^privca_http_request_duration_seconds_count [1-9]', text, re.M)
EOF
ver=$("$PRIVCA" --version)
check "privca --version names the wolfSSL build ($PRIVCA_WOLFSSL_MATH)" \
	grep -Eqx "privca \(wolfSSL [0-9]+\.[0-9]+\.[0-9]+, $PRIVCA_WOLFSSL_MATH math\)" <<<"$ver"
wver=$(sed -n 's/^privca (wolfSSL \([^,]*\),.*/\1/p' <<<"$ver")
check "  and /metrics says the same" grep -qx \
	"privca_build_info{wolfssl=\"$wver\",math=\"$PRIVCA_WOLFSSL_MATH\"} 1" "$T/m.body"

# ---- HTTPS ----------------------------------------------------------------------------
st=$(http "$T/s1" --cacert "$CA" "$SBASE/api/v1/ca")
eq "HTTPS with --cacert ca.pem for localhost: 200" "$st" 200
curl -sS --cacert "$CA" -H "Authorization: Bearer $TEAM" --data-binary "@$T/a.csr" \
	"$SBASE/api/v1/certificates" >"$T/s2.pem" 2>"$T/s2.err" || true
check "HTTPS issuance prints a certificate" openssl verify -x509_strict -CAfile "$CA" "$T/s2.pem"
st=$(http "$T/s3" --cacert "$CA" --tlsv1.2 --tls-max 1.2 "$SBASE/healthz")
eq "TLS 1.2: 200" "$st" 200
st=$(http "$T/s4" --cacert "$CA" --tlsv1.1 --tls-max 1.1 "$SBASE/healthz")
eq "TLS 1.1 is refused" "$st" 000
echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername localhost -CAfile "$CA" \
	-verify_return_error -verify_hostname localhost >"$T/sc" 2>&1 || true
check "openssl s_client verifies the server certificate for localhost" \
	grep -q "Verify return code: 0 (ok)" "$T/sc"

# ---- problem shapes for routing ------------------------------------------------------
st=$(http "$T/nf" "$BASE/no/such/thing")
expect_problem "unknown path" "$T/nf" "$st" 404 not-found
st=$(http "$T/ma" -X DELETE "$BASE/api/v1/certificates")
expect_problem "DELETE on the collection" "$T/ma" "$st" 405 method-not-allowed
check "  Allow lists GET and POST" grep -qi "^Allow: .*GET.*POST\|^Allow: .*POST.*GET" "$T/ma.hdr"

stop_server TERM
eq "SIGTERM: clean exit 0" "$SERVER_RC" 0
finish

#!/usr/bin/env bash
# The HTML pages of issue 5 against the real binary.
#
# Part 1 (curl, always runs): every page answers 200 with the security
# headers; hostile certificate subjects and a hostile search come back
# escaped on every page; the CSV export quotes per RFC 4180 and neutralises
# formula cells; forms issue, refuse and revoke; static files and 404s.
#
# Part 2 (a real browser): installs Debian's chromium and playwright-core if
# missing, then runs tests/browser/pages.test.mjs (search, paging, CSV rows,
# PEM and downloads equal to the API, the enrollment form, in-browser key
# generation, XSS as text, screenshots into the build folder). Without a
# browser (no package source reachable) part 2 is reported as skipped unless
# PRIVCA_REQUIRE_BROWSER=1.
. "$(dirname "$0")/lib.sh"

SRC=${PRIVCA_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=$(cd "$(dirname "$PRIVCA")" && pwd)

DIR=$T/ca
new_ca "$DIR" --subject "CN=privca pages test CA,O=privca tests"
start_server "$DIR"

ADMIN=$(token admin --admin)
TEAM=$(token team-a --allow .team-a.internal --allow-ip 10.0.0.0/8)
OTHER=$(token team-b --allow .team-b.internal)
# A token whose name a spreadsheet would compute (-2-3 = -5): CSV injection.
FORMULA=$("$PRIVCA" token create --dir "$DIR" --allow .team-a.internal -- -2-3)
API=$BASE/api/v1/certificates

# issue TOKEN CSR [query]: POST the CSR, print the serial.
issue() {
	curl -sS --fail-with-body -H "Authorization: Bearer $1" -H 'Accept: application/json' \
		-H 'Content-Type: application/x-pem-file' --data-binary "@$2" "$API${3:-}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["serial"])'
}

# ---- certificates to look at --------------------------------------------------
SERIALS=()
for i in $(seq 1 14); do
	csr "$T/web$i.csr" "web$i.team-a.internal" \
		"DNS:web$i.team-a.internal,DNS:api$i.team-a.internal,IP:10.0.1.$i"
	SERIALS+=("$(issue "$TEAM" "$T/web$i.csr")")
done
csr "$T/b.csr" db.team-b.internal "DNS:db.team-b.internal"
B_SERIAL=$(issue "$OTHER" "$T/b.csr")
csr "$T/soon.csr" soon.team-a.internal "DNS:soon.team-a.internal"
SOON_SERIAL=$(issue "$TEAM" "$T/soon.csr" "?validity_days=10")
csr "$T/formula.csr" formula.team-a.internal "DNS:formula.team-a.internal"
FORMULA_SERIAL=$(issue "$FORMULA" "$T/formula.csr")
for s in "${SERIALS[0]}" "${SERIALS[1]}"; do
	curl -sS -o /dev/null --fail -H "Authorization: Bearer $ADMIN" \
		-H 'Content-Type: application/json' -d '{"reason":"superseded"}' "$API/$s/revoke"
done

# The hostile subject: markup in O and OU; the CN must be a SAN to be kept.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/evil.key" \
	-subj "/CN=evil.team-a.internal/O=<img src=x onerror=alert(1)>/OU=\"><script>alert(2)<\/script>" \
	-addext "subjectAltName=DNS:evil.team-a.internal" -out "$T/evil.csr" 2>/dev/null
EVIL=$(issue "$TEAM" "$T/evil.csr")
EVIL_SUBJECT=$(curl -sS "$API/$EVIL" | python3 -c 'import json, sys; print(json.load(sys.stdin)["subject"])')
check "hostile subject kept its markup in the store" grep -q '<img src=x' <<<"$EVIL_SUBJECT"

# ---- part 1: curl ---------------------------------------------------------------
CSP="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

# page NAME PATH [STATUS]: GET, check status, type and security headers.
page() {
	local name=$1 path=$2 want=${3:-200} st
	st=$(http "$T/p-$name" "$BASE$path")
	eq "GET $path status" "$st" "$want"
	eq "GET $path Content-Security-Policy" "$(header "$T/p-$name.hdr" Content-Security-Policy)" "$CSP"
	eq "GET $path nosniff" "$(header "$T/p-$name.hdr" X-Content-Type-Options)" nosniff
	eq "GET $path Referrer-Policy" "$(header "$T/p-$name.hdr" Referrer-Policy)" no-referrer
}

# clean NAME WHAT: the page holds no markup from the hostile subject or query.
clean() {
	local f=$T/p-$1.body
	if grep -qiE '<img|<script>alert|<script>|onerror=alert\(1\)>' <(sed 's/<script src="\/static\/[a-z]*\.js" defer="">//g' "$f"); then
		bad "$2: raw markup from a certificate or the request reached the page"
	else
		ok "$2: no raw markup"
	fi
}

page home /
eq "/ is HTML" "$(header "$T/p-home.hdr" Content-Type)" "text/html; charset=utf-8"
check "/ shows the root SHA-256 fingerprint with colons" grep -q \
	"$(openssl x509 -in "$DIR/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//')" "$T/p-home.body"
check "/ shows the SHA-1 thumbprint" grep -q \
	"$(openssl x509 -in "$DIR/ca.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')" "$T/p-home.body"
for w in update-ca-certificates update-ca-trust 'apk add' 'security add-trusted-cert' \
	'certutil -addstore Root' Import-Certificate ImportEnterpriseRoots 'keytool -importcert -cacerts' \
	NODE_EXTRA_CA_CERTS REQUESTS_CA_BUNDLE /etc/docker/certs.d 'kubectl create configmap'; do
	check "/ install steps mention $w" grep -qF -- "$w" "$T/p-home.body"
done
check "/ install steps use this CA's URL" grep -qF "http://127.0.0.1:8080/ca.pem" "$T/p-home.body"
check "/ has the escaped hostile subject" grep -qF '&lt;img src=x onerror=alert(1)' "$T/p-home.body"
clean home "/"

page certs /certs
clean certs "/certs"
check "/certs lists the hostile certificate" grep -qF "$EVIL" "$T/p-certs.body"
page search "/certs?q=evil"
clean search "/certs?q=evil"
check "/certs?q=evil finds it" grep -qF "$EVIL" "$T/p-search.body"
page detail "/certs/$EVIL"
clean detail "/certs/{evil}"
check "detail shows the escaped subject" grep -qF '\&lt;img src=x onerror=alert(1)\&gt;' "$T/p-detail.body"
check "detail escapes the OU quote" grep -qF '\&quot;\&gt;\&lt;script\&gt;alert(2)' "$T/p-detail.body"
page hostileq "/certs?q=%3Cscript%3Ealert(3)%3C%2Fscript%3E%22%3E%3Cimg%20src%3Dx%3E"
clean hostileq "/certs?q=<script>"
check "a hostile search is echoed escaped" grep -qF 'value="&lt;script&gt;alert(3)&lt;/script&gt;&quot;&gt;&lt;img src=x&gt;"' "$T/p-hostileq.body"
page request /request
page missing /certs/00000000000000000000000000000000 404
check "404 page is HTML" grep -q '<h1>Certificate not found</h1>' "$T/p-missing.body"
page nothex "/certs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E" 404
clean nothex "404 for a hostile serial"
check "404 does not echo the path" sh -c "! grep -q 'onerror' '$T/p-nothex.body'"
page badstatus "/certs?status=%3Cb%3E" 400
clean badstatus "400 for a hostile status"
# Every other /certs parameter, malformed: a 400 page that says which,
# escaped, for the page and for its CSV alike.
i=0
for qs in "sort=%3Cscript%3E" "within=0" "within=36501" "within=9x" "within=%3Cimg%3E" \
	"limit=0" "limit=501" "limit=1.5" "limit=%3Cimg%3E" "cursor=%3Cimg%20src%3Dx%3E" \
	"cursor=i12_nothex" "q=$(printf 'a%.0s' $(seq 1 201))"; do
	i=$((i + 1))
	page "badq$i" "/certs?$qs" 400
	clean "badq$i" "400 for /certs?${qs:0:40}"
	st=$(http "$T/badcsv$i" "$BASE/certs.csv?$qs")
	if [ "$qs" = "${qs#cursor=}" ]; then
		eq "  /certs.csv?${qs:0:40}: 400" "$st" 400
	else
		eq "  /certs.csv ignores the cursor (exports everything): 200" "$st" 200
	fi
done
# Back links carry earlier cursors: hostile ones are escaped, and too many
# are dropped, not an error.
back=$(for j in $(seq 1 40); do printf '&back=%%22%%3E%%3Cimg%%20src%%3Dx%%20onerror%%3Dalert(1)%%3E%d' "$j"; done)
st=$(http "$T/p-manyback" "$BASE/certs?limit=2$back")
eq "/certs with 40 hostile back= cursors: 200" "$st" 200
clean manyback "hostile back= cursors"

st=$(http "$T/css" "$BASE/static/style.css")
eq "/static/style.css" "$st:$(header "$T/css.hdr" Content-Type)" "200:text/css; charset=utf-8"
cmp -s "$T/css.body" "$SRC/web/static/style.css" && ok "style.css is the embedded file" ||
	bad "style.css differs from web/static/style.css"
st=$(http "$T/js" "$BASE/static/request.js")
eq "/static/request.js" "$st:$(header "$T/js.hdr" Content-Type)" "200:text/javascript; charset=utf-8"
st=$(http "$T/nope" "$BASE/static/..%2F..%2Fetc%2Fpasswd")
check "/static/ serves only embedded names ($st)" test "$st" = 404
check "no inline script or style anywhere" sh -c "! cat '$T'/p-*.body | grep -qiE '<script>|<script [^>]*>[^<]|<style|style=\"| on[a-z]+=\"'"

# CSV: same rows as the API, RFC 4180, formulas neutralised.
st=$(http "$T/csv" "$BASE/certs.csv")
eq "/certs.csv status" "$st" 200
case "$(header "$T/csv.hdr" Content-Type)" in text/csv*) ok "/certs.csv is text/csv" ;;
*) bad "/certs.csv type $(header "$T/csv.hdr" Content-Type)" ;; esac
python3 - "$T/csv.body" "$BASE" "$EVIL" "$EVIL_SUBJECT" "$FORMULA_SERIAL" <<'EOF' && ok "CSV: rows, quoting and neutralised formulas" || bad "CSV: see above"
import csv, io, json, sys, urllib.request
path, base, evil, evil_subject, formula = sys.argv[1:6]
raw = open(path, "rb").read().decode()
errs = []
if "\r\n" not in raw:
    errs.append("lines do not end in CRLF")
rows = list(csv.reader(io.StringIO(raw, newline="")))
head, rows = rows[0], rows[1:]
col = {n: i for i, n in enumerate(head)}
serials = [r[col["serial"]] for r in rows]
api, cursor = [], None
while True:
    u = base + "/api/v1/certificates?limit=500" + ("&cursor=" + cursor if cursor else "")
    d = json.load(urllib.request.urlopen(u))
    api += [i["serial"] for i in d["items"]]
    cursor = d["next_cursor"]
    if not cursor:
        break
if sorted(serials) != sorted(api) or len(set(serials)) != len(serials):
    errs.append("CSV serials differ from the API's (%d vs %d)" % (len(serials), len(api)))
by = {r[col["serial"]]: r for r in rows}
if by.get(evil, [None] * 20)[col["subject"]] != evil_subject:
    errs.append("hostile subject did not survive quoting: %r" % by.get(evil))
req = by.get(formula, [None] * 20)[col["requester"]]
if req != "'-2-3":
    errs.append("formula requester not neutralised: %r" % req)
for r in rows:
    for cell in r:
        if cell[:1] in ("=", "+", "-", "@"):
            errs.append("cell starts a formula: %r" % cell)
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
EOF
st=$(http "$T/csvv" "$BASE/certs.csv?status=revoked")
check "CSV with status=revoked has the 2 revoked rows" test "$(($(wc -l <"$T/csvv.body") - 1))" = 2

# Forms without a browser.
metric() { curl -sS "$BASE/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
m_issued0=$(metric privca_certificates_issued_total)
m_unauth0=$(metric 'privca_refusals_total{code="unauthorized"}')
m_name0=$(metric 'privca_refusals_total{code="name-not-allowed"}')
st=$(http "$T/f1" -F "token=$TEAM" -F "csr=<$T/web3.csr" -F profile=server -F days=30 "$BASE/request")
loc=$(header "$T/f1.hdr" Location)
check "POST /request (multipart, pasted CSR) redirects to the new certificate ($st $loc)" \
	sh -c "[ '$st' = 303 ] && echo '$loc' | grep -qE '^/certs/[0-9a-f]{32}\?done=issued$'"
st=$(http "$T/f2" -F "token=$TEAM" -F "csrfile=@$T/web4.csr" "$BASE/request")
check "POST /request with an uploaded CSR file ($st)" test "$st" = 303
st=$(http "$T/f3" --data-urlencode "token=$TEAM" --data-urlencode "csr@$T/web5.csr" "$BASE/request")
check "POST /request urlencoded ($st)" test "$st" = 303
st=$(http "$T/f4" -F "token=not-a-token" -F "csr=<$T/web3.csr" "$BASE/request")
eq "wrong token: 401 page" "$st" 401
check "wrong token: the refusal is in words" grep -q 'id="refusal"' "$T/f4.body"
check "wrong token: HTML, not JSON" grep -q '<!doctype html>' "$T/f4.body"
check "wrong token: CSP on the refusal page" grep -qi '^Content-Security-Policy:' "$T/f4.hdr"
st=$(http "$T/f5" -F "token=$OTHER" -F "csr=<$T/web3.csr" "$BASE/request")
eq "name outside the token's policy: 403" "$st" 403
# /metrics counts what the form did as it counts the API (issue 13 item 4).
eq "/metrics counts the 3 form issuances" "$(metric privca_certificates_issued_total)" "$((m_issued0 + 3))"
eq "/metrics counts the form's wrong token once" "$(metric 'privca_refusals_total{code="unauthorized"}')" "$((m_unauth0 + 1))"
eq "/metrics counts the form's refused name" "$(metric 'privca_refusals_total{code="name-not-allowed"}')" "$((m_name0 + 1))"
check "the refusal names the name" grep -q 'web3.team-a.internal' "$T/f5.body"
st=$(http "$T/r1" --data-urlencode "token=$OTHER" -d reason=keyCompromise "$BASE/certs/${SERIALS[5]}/revoke")
eq "revoke with another team's token: 403" "$st" 403
check "revoke refusal is shown on the certificate page" grep -q 'id="refusal"' "$T/r1.body"
st=$(http "$T/r2" --data-urlencode "token=$TEAM" -d reason=keyCompromise "$BASE/certs/${SERIALS[5]}/revoke")
eq "revoke by the requesting team: 303" "$st" 303
st=$(curl -sS "$API/${SERIALS[5]}" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["status"], d["revocation_reason"])')
eq "the API shows the revocation" "$st" "revoked keyCompromise"
st=$(http "$T/r3" "$BASE/certs/${SERIALS[5]}")
check "detail shows revocation reason" grep -q 'Key compromise' "$T/r3.body"

# Downloads that the pages add: chain and PKCS#7.
http "$T/chain" "$BASE/certs/$EVIL?download=chain" >/dev/null
curl -sS "$BASE/certs/$EVIL.pem" "$BASE/ca.pem" >"$T/chain.want"
cmp -s "$T/chain.body" "$T/chain.want" && ok "chain PEM = leaf PEM + CA PEM" || bad "chain PEM differs"
http "$T/p7" "$BASE/certs/$EVIL.p7b" >/dev/null
check "p7b holds leaf and root" sh -c "openssl pkcs7 -inform DER -in '$T/p7.body' -print_certs 2>/dev/null | grep -c 'BEGIN CERTIFICATE' | grep -qx 2"
# The download paths of their own (the .pem route used to capture .chain.pem: 404).
st=$(http "$T/chainp" "$BASE/certs/$EVIL.chain.pem")
eq "/certs/{serial}.chain.pem: 200" "$st" 200
cmp -s "$T/chainp.body" "$T/chain.want" && ok ".chain.pem = leaf PEM + CA PEM" || bad ".chain.pem differs"
check ".chain.pem verifies against the CA" sh -c "curl -sS '$BASE/ca.pem' >'$T/ca-only.pem' && openssl verify -x509_strict -CAfile '$T/ca-only.pem' '$T/chainp.body' >/dev/null"
st=$(http "$T/derp" "$BASE/certs/$EVIL.der")
eq "/certs/{serial}.der: 200" "$st" 200
check ".der is the leaf in DER" sh -c "openssl x509 -inform DER -in '$T/derp.body' -noout -serial | grep -qi '$EVIL'"
st=$(http "$T/chainbad" "$BASE/certs/zz$EVIL.chain.pem")
eq "a bad serial in .chain.pem: 404" "$st" 404

# Hostile forms: the form parser takes bytes from the network. Each gets a
# 4xx page, issues nothing, and the server keeps serving.
before=$(curl -sS "$API?limit=500" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')
python3 - "$BASE" "$TEAM" "$T/web3.csr" <<'EOF' >"$T/hostile-forms" 2>&1 || true
import http.client, sys, urllib.parse
base, tok, csr = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
host = urllib.parse.urlparse(base)
def post(ctype, body):
    c = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    c.request("POST", "/request", body=body, headers={"Content-Type": ctype})
    r = c.getresponse()
    r.read()
    return r.status
B = "XyZ"
part = lambda name, data: b"--" + B.encode() + b'\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + data + b"\r\n"
cases = {
    "no boundary": ("multipart/form-data", part(b"token", tok.encode())),
    "empty boundary": ("multipart/form-data; boundary=", b"--\r\n"),
    "boundary over 70": ("multipart/form-data; boundary=" + "b" * 200, b"--" + b"b" * 200 + b"--"),
    "no closing delimiter": ("multipart/form-data; boundary=" + B, part(b"token", tok.encode()) + part(b"csr", csr)),
    "part without headers end": ("multipart/form-data; boundary=" + B, b"--" + B.encode() + b"\r\nContent-Disposition: form-data; name=x"),
    "part without a name": ("multipart/form-data; boundary=" + B, b"--" + B.encode() + b"\r\nContent-Disposition: form-data\r\n\r\nv\r\n--" + B.encode() + b"--"),
    "unterminated quoted name": ("multipart/form-data; boundary=" + B, b"--" + B.encode() + b'\r\nContent-Disposition: form-data; name="tok\r\n\r\nv\r\n--' + B.encode() + b"--"),
    "forty parts": ("multipart/form-data; boundary=" + B, b"".join(part(b"f%d" % i, b"v") for i in range(40)) + b"--" + B.encode() + b"--"),
    "NUL bytes inside the CSR": ("multipart/form-data; boundary=" + B, part(b"token", tok.encode()) + part(b"csr", csr[:80] + b"\0" * 100 + csr[80:]) + b"--" + B.encode() + b"--"),
    "urlencoded, bad escapes": ("application/x-www-form-urlencoded", b"token=%zz%&csr=%4&&=&%%%"),
    "urlencoded, no token": ("application/x-www-form-urlencoded", b"csr=" + urllib.parse.quote_from_bytes(csr).encode()),
    "text/plain form": ("text/plain", b"token=" + tok.encode()),
}
for name, (ctype, body) in cases.items():
    st = post(ctype, body)
    print(("ok   " if 400 <= st < 500 else "FAIL ") + "hostile form, %s: %d" % (name, st))
EOF
report "$T/hostile-forms"
check "every hostile form was answered" test "$(grep -c 'hostile form' "$T/hostile-forms")" = 12
after=$(curl -sS "$API?limit=500" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')
eq "hostile forms issued nothing" "$after" "$before"

check "server still running" server_alive

# ---- part 2: the browser ------------------------------------------------------------
browser_ready() { command -v chromium >/dev/null && command -v node >/dev/null && command -v npm >/dev/null; }
if ! browser_ready; then
	say "installing the browser test tools (scripts/deps browser)"
	"$SRC/scripts/deps" browser >&2 || true
	browser_ready || { command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >&2 || true; }
fi
if browser_ready; then
	# playwright-core only (it never downloads a browser); into the source tree's
	# tests/browser/node_modules (gitignored), reused between runs.
	if [ ! -d "$SRC/tests/browser/node_modules/playwright-core" ]; then
		(cd "$SRC/tests/browser" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }) >&2
	fi
	SHOTS=$BUILD/screenshots
	mkdir -p "$SHOTS"
	csr "$T/form.csr" form.team-a.internal "DNS:form.team-a.internal,IP:10.0.2.1"
	csr "$T/upload.csr" upload.team-a.internal "DNS:upload.team-a.internal"
	if PRIVCA_BASE=$BASE PRIVCA_TEAM=$TEAM PRIVCA_ADMIN=$ADMIN PRIVCA_EVIL=$EVIL \
		PRIVCA_SOON=$SOON_SERIAL PRIVCA_WORK=$T PRIVCA_SHOTS=$SHOTS \
		node "$SRC/tests/browser/pages.test.mjs"; then
		ok "browser tests (screenshots in $SHOTS)"
	else
		bad "browser tests"
	fi
elif [ "${PRIVCA_REQUIRE_BROWSER:-0}" = 1 ]; then
	bad "no chromium/node/npm and they could not be installed"
else
	say "SKIP browser part: chromium, node or npm missing and not installable here"
fi

check "server still running after the browser" server_alive
finish

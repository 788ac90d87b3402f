#!/usr/bin/env bash
# /certs.csv over many pages of the store: the export is streamed a page of
# 500 rows at a time (never the whole store in memory), and what arrives is
# exactly the API's list for the same query, once each, in order. A client
# that leaves half-way costs nothing and the server goes on.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
N=1234

# Two real certificates, then N copies of them under new serials and names
# written straight into the store (as a bulk import would), 10 per second.
for i in 1 2; do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/CN=seed$i.csv.internal" -addext "subjectAltName=DNS:seed$i.csv.internal" \
		-out "$T/seed$i.csr" 2>/dev/null
	"$PRIVCA" sign --dir "$DIR" --csr "$T/seed$i.csr" >/dev/null 2>>"$T/cli.err"
done
sqlite3 "$DIR/privca.db" <<SQL
BEGIN;
CREATE TEMP TABLE seed AS SELECT row_number() OVER (ORDER BY serial) - 1 AS k, * FROM certificates
	WHERE subject LIKE 'CN=seed%';
INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, not_after,
	profile, requester, fingerprint_sha256, der, status, revoked_at, revocation_reason,
	created_at)
SELECT printf('%08x%024x', 3735928559, i), 'CN=' || name || ',O="a, ""quoted"" org"', name, '',
	now - 86400, now + 86400 * (1 + i % 300), 'server',
	CASE WHEN i % 7 = 0 THEN '=cmd|calc' ELSE 'team' || (i % 3) END, s.fingerprint_sha256, s.der,
	CASE WHEN i % 10 = 0 THEN 'revoked' ELSE 'valid' END,
	CASE WHEN i % 10 = 0 THEN now - 60 ELSE NULL END, CASE WHEN i % 10 = 0 THEN 4 ELSE NULL END,
	now - 60 - i / 10
FROM (WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $N)
	SELECT i, CAST(strftime('%s', 'now') AS INTEGER) AS now,
		printf('host%05d.team%d.csv.internal', i, i % 3) AS name FROM seq) AS x
JOIN seed AS s ON s.k = x.i % 2;
COMMIT;
SQL
start_server "$DIR"

# rows QUERY: the CSV's serial column, header dropped (python's csv reader,
# so quoted commas and quotes must be right).
rows() {
	curl -sS --fail -D "$T/csv.hdr" "$BASE/certs.csv$1" >"$T/csv.body" &&
		python3 - "$T/csv.body" <<'EOF'
import csv, sys
with open(sys.argv[1], newline="") as f:
    r = list(csv.reader(f))
assert r[0][0] == "serial" and len(r[0]) == 13, r[0]
for row in r[1:]:
    assert len(row) == 13, row
    print(row[0])
EOF
}
# api QUERY: the serials the API lists for the same query, walking its cursors.
api() {
	python3 - "$BASE" "$1" <<'EOF'
import json, sys, urllib.request
base, q = sys.argv[1], sys.argv[2]
cursor = None
while True:
    url = base + "/api/v1/certificates" + (q + "&" if q else "?") + "limit=500"
    if cursor:
        url += "&cursor=" + cursor
    d = json.load(urllib.request.urlopen(url))
    for c in d["items"]:
        print(c["serial"])
    cursor = d.get("next_cursor")
    if not cursor:
        break
EOF
}

TOTAL=$((N + 3)) # the copies, the two seeds, the server's own certificate
rows "" >"$T/all.csv"
eq "the export has every certificate ($TOTAL, 3 pages of 500)" "$(wc -l <"$T/all.csv")" "$TOTAL"
eq "no serial twice" "$(sort -u "$T/all.csv" | wc -l)" "$TOTAL"
api "" >"$T/all.api"
check "the export is the API's list, in the same order" cmp "$T/all.csv" "$T/all.api"
check "the answer is chunked (streamed), not one buffer" grep -qi '^Transfer-Encoding: chunked' "$T/csv.hdr"
check "CSV content type" grep -qi '^Content-Type: text/csv' "$T/csv.hdr"
check "attachment name" grep -qi '^Content-Disposition: attachment; filename="certificates.csv"' "$T/csv.hdr"
check "quoted commas and quotes in the subject survive" grep -qF '"CN=host00001.team1.csv.internal,O=""a, """"quoted"""" org"""' "$T/csv.body"
check "a formula requester is neutralised" grep -qF ",\"'=cmd|calc\"," "$T/csv.body"
check "no formula cell starts a field" sh -c "! grep -qE '(^|,)=cmd' '$T/csv.body'"

for q in "?status=revoked" "?q=team2" "?status=valid&sort=expires" "?q=host0100&status=revoked"; do
	rows "$q" >"$T/q.csv"
	api "$q" >"$T/q.api"
	check "export$q is the API's list ($(wc -l <"$T/q.api") rows)" cmp "$T/q.csv" "$T/q.api"
done
eq "export?status=revoked has the $((N / 10)) revoked" "$(rows "?status=revoked" | wc -l)" $((N / 10))

st=$(curl -sS -o "$T/bad.body" -w '%{http_code}' "$BASE/certs.csv?status=nope")
eq "a bad filter is a 400 before anything is streamed" "$st" 400

# Clients that leave early: read a few bytes, then hang up.
for i in $(seq 1 20); do
	curl -sS --no-buffer "$BASE/certs.csv" 2>/dev/null | head -c 3000 >/dev/null || true
done
python3 - "$HTTP_PORT" <<'EOF' || bad "a client that stops reading"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /certs.csv HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(100)
s.close()
EOF
check "the server still runs" server_alive
st=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/healthz")
eq "and answers" "$st" 200
rows "" >"$T/again.csv"
check "a full export after the aborted ones is complete" cmp "$T/again.csv" "$T/all.api"
check "aborted exports are logged as such" grep -q 'GET /certs.csv 200 .* aborted' "$T/server.log"
stop_server TERM
eq "clean stop" "$SERVER_RC" 0
finish

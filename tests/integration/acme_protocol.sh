#!/usr/bin/env bash
# ACME protocol cases with a small client of the tests' own
# (tests/integration/acme/client.py): EAB (missing, wrong, reused), badNonce
# and retry, a JWS that does not verify, a url that does not match, another
# account's kid, policy at newOrder (rejectedIdentifier with subproblems,
# nothing ordered), a wildcard without --allow-wildcard, finalize with the
# wrong names (badCSR), a wrong challenge answer, keyChange, deactivation,
# an account and a pending order surviving a restart, the open team, and
# 403 https-required on plain HTTP.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/acme_lib.sh"
PY=$(dirname "$0")/acme/protocol.py

DIR=$T/ca
new_ca "$DIR"
token team-p --allow .p.test >/dev/null
token team-q --allow .q.test >/dev/null
start_dns
start_acme "$DIR"

code=$(curl -s -o "$T/plain.body" -w '%{http_code}' "$BASE/acme/directory")
eq "plain HTTP: 403" "$code" 403
check "plain HTTP: https-required" grep -q 'urn:privca:error:https-required' "$T/plain.body"

code=$(curl -s --cacert "$DIR/ca.pem" -H "Host: evil.test:$HTTPS_PORT" -o "$T/evil.json" \
	-w '%{http_code}' "$DIRURL")
check "a Host that is none of the TLS names gets links on the configured address" \
	sh -c "test $code = 200 && grep -q '\"https://127.0.0.1:8443/acme/new-nonce\"' '$T/evil.json'"
check "a TLS name as Host gets links on it" sh -c "curl -s --cacert '$DIR/ca.pem' \
	-H 'Host: localhost:$HTTPS_PORT' '$DIRURL' | grep -q '\"https://localhost:$HTTPS_PORT/acme/new-order\"'"

eab team-p
KA=$KID HA=$HMAC
eab team-q
python3 "$PY" 1 "$DIRURL" "$DIR/ca.pem" "$T/state.json" "$ACME_HTTP" "$KA" "$HA" "$KID" "$HMAC" \
	>"$T/p1.out" 2>&1 || bad "protocol.py phase 1 stopped early"
report "$T/p1.out"
check "the wrong EAB MAC did not spend the key; the good one did" \
	sh -c "'$PRIVCA' acme eab list team-p --dir '$DIR' | grep -q '^$KA	used'"

# /metrics counts what phase 1 did on this fresh server: 2 accounts, 5
# orders (1 valid, 1 invalid), one http-01 validation of each result, the
# problems by type, and the ACME certificate among those issued.
curl -sf "$BASE/metrics" >"$T/metrics.txt"
check "/metrics: the ACME lines count phase 1" python3 - "$T/metrics.txt" <<'PYEOF'
import re, sys
m = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    k, v = line.rsplit(" ", 1)
    m[k] = float(v)
want = {
    "privca_acme_accounts_created_total": 2,
    "privca_acme_orders_created_total": 5,
    'privca_acme_orders_finished_total{status="valid"}': 1,
    'privca_acme_orders_finished_total{status="invalid"}': 1,
    'privca_acme_validations_total{type="http-01",result="valid"}': 1,
    'privca_acme_validations_total{type="http-01",result="invalid"}': 1,
    'privca_acme_validations_total{type="dns-01",result="valid"}': 0,
    'privca_acme_validations_total{type="tls-alpn-01",result="invalid"}': 0,
    'privca_acme_validation_duration_seconds_count{type="http-01"}': 2,
    'privca_acme_validation_duration_seconds_bucket{type="http-01",le="+Inf"}': 2,
    'privca_acme_validation_duration_seconds_count{type="dns-01"}': 0,
    "privca_acme_validations_queued": 0,
    'privca_acme_problems_total{type="badNonce"}': 2,
    'privca_acme_problems_total{type="rejectedIdentifier"}': 3,
    'privca_acme_problems_total{type="badCSR"}': 2,
    'privca_acme_problems_total{type="orderNotReady"}': 1,
    'privca_acme_problems_total{type="externalAccountRequired"}': 1,
    "privca_certificates_issued_total": 1,
    "privca_certificates_revoked_total": 0,
}
bad = {k: (m.get(k), v) for k, v in want.items() if m.get(k) != v}
assert not bad, bad
assert m['privca_acme_validation_duration_seconds_sum{type="http-01"}'] < 20
b = [m['privca_acme_validation_duration_seconds_bucket{type="http-01",le="%s"}' % le]
     for le in ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf")]
assert b == sorted(b), b
PYEOF

stop_server
start_acme "$DIR"
python3 "$PY" 2 "$DIRURL" "$DIR/ca.pem" "$T/state.json" "$ACME_HTTP" >"$T/p2.out" 2>&1 || bad "protocol.py phase 2 stopped early"
report "$T/p2.out"

# Several identifiers, reuse, revokeCert by a compressed-point key, paging.
eab team-p
KM=$KID HM=$HMAC
eab team-p
python3 "$PY" more "$DIRURL" "$DIR/ca.pem" "$T/state.json" "$ACME_HTTP" "$KM" "$HM" "$KID" "$HMAC" \
	>"$T/p4.out" 2>&1 || bad "protocol.py more phase stopped early"
report "$T/p4.out"

# EAB CLI: revoke, list, refusals.
eab team-p
check "acme eab revoke" "$PRIVCA" acme eab revoke --dir "$DIR" -- "$KID"
check "acme eab list shows it revoked" \
	sh -c "'$PRIVCA' acme eab list team-p --dir '$DIR' | grep -q '^$KID	revoked'"
check "acme eab revoke again: refused (1)" \
	sh -c "'$PRIVCA' acme eab revoke --dir '$DIR' -- '$KID' 2>/dev/null; test \$? -eq 1"
check "after --, a kid beginning with '-' is a kid: unknown (1), not usage (2)" \
	sh -c "'$PRIVCA' acme eab revoke --dir '$DIR' -- -AAAAAAAAAAAAAAAAAAAAA 2>/dev/null; test \$? -eq 1"
check "acme eab for an unknown team: refused" \
	sh -c "! '$PRIVCA' acme eab nosuchteam --dir '$DIR' 2>/dev/null"
"$PRIVCA" acme eab team-p --json --dir "$DIR" >"$T/eab.json"
check "acme eab --json: kid and hmac_key" python3 -c "import json,sys
d = json.load(open('$T/eab.json'))
assert set(d) == {'kid', 'hmac_key'} and len(d['hmac_key']) == 43" 
check "acme with no subcommand: usage (2)" sh -c "'$PRIVCA' acme --dir '$DIR' 2>/dev/null; test \$? -eq 2"
check "the EAB secret file is 0600" sh -c "test \"\$(stat -c %a '$DIR/acme-eab.key')\" = 600"
store_dump "$DIR" >"$T/store.dump"
check "the store holds the EAB key's kid" grep -qF -e "$(python3 -c "import json; print(json.load(open('$T/eab.json'))['kid'])")" "$T/store.dump"
check "the store holds no HMAC key" sh -c "! grep -qF -e \"\$(python3 -c \"import json; print(json.load(open('$T/eab.json'))['hmac_key'])\")\" '$T/store.dump'"

# The open team.
token open-team --allow .open.test --acme-open >/dev/null
check "a second open team is refused" sh -c "! '$PRIVCA' token create other --allow .x.test --acme-open --dir '$DIR' >/dev/null 2>&1"
python3 "$PY" open "$DIRURL" "$DIR/ca.pem" "$T/state.json" "$ACME_HTTP" >"$T/p3.out" 2>&1 || bad "protocol.py open phase stopped early"
report "$T/p3.out"

# Revoking a team's token deactivates its accounts.
"$PRIVCA" token revoke open-team --dir "$DIR"
eq "after revoking the open team's token, EAB is required again" \
	"$(curl -sf --cacert "$DIR/ca.pem" "$DIRURL" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["externalAccountRequired"])')" True

check "the server is still up" server_alive
finish

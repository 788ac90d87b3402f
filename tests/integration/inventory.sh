#!/usr/bin/env bash
# The inventory (issue 12): the counts on / and /api/v1/ca right after
# issue, after a `privca revoke` in another process, as time passes (the
# clock moved with libfaketime, as ca_validity.sh does) and after a restart.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
check "init" new_ca "$DIR"


# counts: "valid revoked expired expiring" from /api/v1/ca, then the same
# four numbers read off the tiles of / (they must agree).
counts() {
	local st
	st=$(http "$T/ca" "$BASE/api/v1/ca")
	[ "$st" = 200 ] || { say "  /api/v1/ca: $st"; return 1; }
	st=$(http "$T/home" "$BASE/")
	[ "$st" = 200 ] || { say "  /: $st"; return 1; }
	python3 - "$T/ca.body" "$T/home.body" <<'EOF'
import json, re, sys
c = json.load(open(sys.argv[1]))["counts"]
api = [c["valid"], c["revoked"], c["expired"], c["expiring_30d"]]
html = open(sys.argv[2]).read()
tiles = dict((label, int(n)) for n, label in re.findall(
    r'<span class="num">(\d+)</span><span class="label">([^<]+)</span>', html))
page = [tiles.get(k) for k in ("valid", "revoked", "expired", "expiring within 30 days")]
if page != api:
    print("  / shows %r, /api/v1/ca says %r" % (page, api), file=sys.stderr)
    sys.exit(1)
print(" ".join(map(str, api)))
EOF
}

# The TLS certificate init issued counts too: start from what is there.
check "serve" serve_at +0
read -r v0 r0 x0 e0 < <(counts)
eq "a new CA counts only its TLS certificate" "$v0 $r0 $x0" "1 0 0"
stop_server

sign() { # sign NAME DAYS: issue offline, print the serial
	csr "$T/$1.csr" "$1.example.internal" "DNS:$1.example.internal"
	"$PRIVCA" sign --dir "$DIR" --csr "$T/$1.csr" --days "$2" >"$T/$1.pem" 2>>"$T/cli.err"
	openssl x509 -in "$T/$1.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'
}
s1=$(sign one-day 1)
s10=$(sign ten-days 10)
s40=$(sign forty-days 40)
s100=$(sign hundred-days 100)
check "serve" serve_at +0
eq "after four issues: 4 more valid, 2 of them expiring within 30 days" \
	"$(counts)" "$((v0 + 4)) 0 0 $((e0 + 2))"

# A revocation in another process while the service runs shows at once.
"$PRIVCA" revoke --dir "$DIR" "$s40" 2>>"$T/cli.err"
eq "after privca revoke in another process" "$(counts)" "$((v0 + 3)) 1 0 $((e0 + 2))"
stop_server

# Time passes with no write at all.
check "serve 2 days on" serve_at +2d
eq "  the one-day certificate has expired" "$(counts)" "$((v0 + 2)) 1 1 $((e0 + 1))"
stop_server
check "serve 15 days on" serve_at +15d
eq "  the ten-day one too; the forty-day one (revoked) stays revoked" "$(counts)" \
	"$((v0 + 1)) 1 2 $e0"
stop_server
check "serve 75 days on" serve_at +75d
eq "  the hundred-day one expires within 30 days" "$(counts)" "$((v0 + 1)) 1 2 $((e0 + 1))"
check "  /metrics agrees" sh -c "curl -sf '$BASE/metrics' | grep -qx 'privca_certificates{status=\"expired\"} 2'"
stop_server

# A restart at the real time: the counts are in the store.
check "serve again, now" serve_at +0
eq "after a restart" "$(counts)" "$((v0 + 3)) 1 0 $((e0 + 2))"
stop_server

finish

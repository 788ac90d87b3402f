#!/usr/bin/env bash
# One list query for /certs, /certs.csv and /api/v1/certificates (issue 8:
# it was parsed twice, with different limits): every value is accepted or
# refused alike by all three, and a refusal says the same sentence.
. "$(dirname "$0")/lib.sh"

DIR=$T/ca
new_ca "$DIR"
start_server "$DIR"

a200=$(printf 'a%.0s' $(seq 1 200))
c513=$(printf 'c%.0s' $(seq 1 513))
i=0
# same QUERY WANT: the three answers to ?QUERY all have status WANT.
same() {
	local qs=$1 want=$2 p
	i=$((i + 1))
	for p in /api/v1/certificates /certs.csv /certs; do
		local n=$T/q$i${p//\//_}
		eq "$p?${qs:0:40}: $want" "$(http "$n" "$BASE$p?$qs")" "$want"
	done
	if [ "$want" = 400 ]; then
		local api=$T/q${i}_api_v1_certificates csv=$T/q${i}_certs.csv page=$T/q${i}_certs
		d=$(json "$api.body" 'd["detail"]')
		eq "  the API and the CSV export refuse it in the same words" \
			"$(json "$csv.body" 'd["detail"]')" "$d"
		check "  the page shows that sentence" python3 -c '
import html, sys
sys.exit(0 if html.escape(sys.argv[2]).replace("&#x27;", "&#39;") in open(sys.argv[1]).read() else 1)' \
			"$page.body" "$d"
	fi
}

same "limit=1" 200
same "limit=500" 200
same "limit=501" 400
same "limit=0" 400
same "limit=+5" 400
same "q=$a200" 200
same "q=%20%20$a200" 200
same "q=${a200}b" 400
same "status=valid" 200
same "status=all" 200
same "status=" 200
same "status=bogus" 400
same "sort=expires" 200
same "sort=bogus" 400
same "within=30" 200
same "within=36500" 200
same "within=36501" 400
same "within=0" 400
same "cursor=$c513" 400

stop_server TERM
finish

#!/usr/bin/env bash
# scripts/bench core: in-process issuance rate vs raw signing, and the cost
# of one commit per certificate vs group commits (issue 2's figures).
# Called by scripts/bench with BUILD set to a release build directory.
set -euo pipefail
: "${BUILD:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/privca-bench-core.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OPENSSL_CONF=/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" \
	-subj /CN=bench.example.internal -addext subjectAltName=DNS:bench.example.internal \
	-out "$work/req.csr" 2>/dev/null
# The CA key's forms: a passphrase file, and a SoftHSM2 token when installed.
umask 077
printf 'bench passphrase\n' >"$work/pass"
export PRIVCA_BENCH_PASS_FILE=$work/pass
module=/usr/lib/softhsm/libsofthsm2.so
if [ -r "$module" ] && command -v softhsm2-util >/dev/null; then
	export SOFTHSM2_CONF=$work/softhsm2.conf
	mkdir "$work/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$work/tokens" >"$SOFTHSM2_CONF"
	softhsm2-util --init-token --free --label bench --pin 4321 --so-pin 8765 >/dev/null
	printf '4321\n' >"$work/pin"
	export PRIVCA_BENCH_PKCS11_MODULE=$module PRIVCA_BENCH_PKCS11_TOKEN=bench
	export PRIVCA_BENCH_PKCS11_PIN_FILE=$work/pin
fi
echo "== core: $(nproc) cores, $(date -u +%FT%TZ)"
"$BUILD/tests/bench/bench_core" "$work" "$work/req.csr"

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
echo "== core: $(nproc) cores, $(date -u +%FT%TZ)"
"$BUILD/tests/bench/bench_core" "$work" "$work/req.csr"

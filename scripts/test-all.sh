#!/usr/bin/env bash
# Run all tests: the README's `make test`, then the sanitizer build, with a
# throw-away PostgreSQL cluster so the store tests also run on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ -z "${TJ_PG_URL:-}" ] && [ -x scripts/pg-test-cluster.sh ]; then
  eval "$(bash scripts/pg-test-cluster.sh start)"

  trap 'bash scripts/pg-test-cluster.sh stop || true' EXIT
  export TJ_PG_URL
fi
echo "== make test (TJ_PG_URL=${TJ_PG_URL:-unset})"
make test
echo "== make test-asan"
make test-asan
echo "== make fuzz (a short run of every libFuzzer driver on its corpus)"
make fuzz FUZZ_SECONDS=${TJ_FUZZ_SECONDS:-15}

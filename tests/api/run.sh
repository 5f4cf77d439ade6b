#!/usr/bin/env bash
# ctest driver of the black-box API tests (tests/api/*.test.mjs, node:test).
#   run.sh TANJI [--pg]     --pg: on the PostgreSQL cluster of $TJ_PG_URL
# Exit 77 (skipped) when node is missing or, with --pg, when TJ_PG_URL is unset.
set -u
export TANJI_BIN="$1"
shift
if [ "${1:-}" = "--pg" ]; then
  [ -n "${TJ_PG_URL:-}" ] || { echo "TJ_PG_URL not set: skipped"; exit 77; }
  export TJ_API_PG=1
fi
command -v node >/dev/null || { echo "node not found: skipped"; exit 77; }
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../tools/node_test.sh" "$here"/*.test.mjs

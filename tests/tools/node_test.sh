#!/usr/bin/env bash
# Run node:test files and map the result for ctest: a failure fails; a run with any
# skipped subtest (its data or a tool missing) exits 77, so ctest shows it as skipped
# and CI (TJ_REQUIRE_ALL=1) fails on it, instead of node reporting "pass".
#   node_test.sh FILE...
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
node --test --test-concurrency=1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || exit "$rc"
skipped=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -1)
if [ "${skipped:-0}" -gt 0 ]; then
  echo "node_test.sh: ${skipped} subtest(s) skipped:"
  grep -E '^ *ok .* # SKIP' "$log"
  exit 77
fi
exit 0

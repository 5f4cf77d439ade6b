#!/usr/bin/env bash
# Run ctest in a build directory.  A test that cannot run (its data or the
# PostgreSQL cluster is missing) exits 77 and ctest reports it as skipped.
# With TJ_REQUIRE_ALL=1 (CI sets it) a skipped or not-run test is a failure:
# CI must run every suite, the data and PostgreSQL ones included.
#   scripts/ctest.sh BUILD_DIR [ctest arguments...]
set -uo pipefail
build=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$build" && ctest --output-on-failure "$@") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || exit "$rc"
if [ "${TJ_REQUIRE_ALL:-0}" = 1 ]; then
    if grep -qE '\*\*\*Skipped|\(Skipped\)|\*\*\*Not Run|\(Not Run\)' "$log"; then
        echo "ctest.sh: TJ_REQUIRE_ALL=1 and some tests did not run:" >&2
        grep -E '\*\*\*Skipped|\(Skipped\)|Not Run' "$log" | sed 's/^/  /' >&2
        exit 1
    fi
fi
exit 0

#!/usr/bin/env bash
# Everything CI runs (.ci/run): make test, make test-asan and a short fuzz run,
# with a throw-away PostgreSQL cluster for the store tests; a skipped test fails
# (TJ_REQUIRE_ALL=1).
exec bash "$(dirname "$0")/../.ci/run"

#!/usr/bin/env bash
# Everything CI runs (.ci/run): make test, make test-asan and a short fuzz run,
# with a throw-away PostgreSQL cluster for the store tests.
exec bash "$(dirname "$0")/../.ci/run"

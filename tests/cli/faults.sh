#!/bin/bash
# Fault tests (tests/cli/faults.py): kill -9 during imports, concurrent
# importers and a searcher, a full disk during an import.
exec python3 "$(dirname "$0")/faults.py" "$1"

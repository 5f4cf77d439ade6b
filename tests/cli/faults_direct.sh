#!/bin/bash
# Fault tests of direct imports (tests/cli/faults.py --direct): kill -9, a
# concurrent searcher and importer, the WAL fallback when another connection
# holds the file, a full disk.
exec python3 "$(dirname "$0")/faults.py" "$1" --direct

#!/bin/bash
# Hostile-input suite (tests/cli/hostile.py): crashes, hangs, sanitizer reports,
# damage to committed data and known refusals.
exec python3 "$(dirname "$0")/hostile.py" "$1"

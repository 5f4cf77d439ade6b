#!/usr/bin/env bash
# The main job for now: calculate every shipped example product and print its footprint.
set -euo pipefail
tanji=${1:-build/tanji}
cd "$(dirname "$0")/.."
for m in examples/*.json; do
  echo "=================================================================="
  echo "$m"
  echo "=================================================================="
  "$tanji" calc "$m" --mc 1000 --seed 42
  echo
done

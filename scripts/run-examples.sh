#!/usr/bin/env bash
# The main job for now: calculate every shipped example product, print its
# footprint, and write its report (HTML and PDF) under build/reports/.
# Later this starts the server.
set -euo pipefail
tanji=${1:-build/tanji}
cd "$(dirname "$0")/.."
out=build/reports
mkdir -p "$out"
for m in examples/*.json; do
  name=$(basename "$m" .json)
  echo "=================================================================="
  echo "$m"
  echo "=================================================================="
  "$tanji" calc "$m" --mc 1000 --seed 42
  "$tanji" calc "$m" --mc 1000 --seed 42 --format json -o "$out/$name.json"
  "$tanji" report "$out/$name.json" --format html --lang zh -o "$out/$name.zh.html"
  "$tanji" report "$out/$name.json" --format pdf --lang zh -o "$out/$name.zh.pdf"
  "$tanji" report "$out/$name.json" --format pdf --lang en -o "$out/$name.en.pdf"
  echo
done
echo "Reports (报告): $(ls "$out"/*.html "$out"/*.pdf | tr '\n' ' ')"

#!/usr/bin/env bash
# The main job for now: calculate every shipped example product, print its
# footprint, and write its report (HTML and PDF) under build/reports/.
# Later this starts the server.
set -euo pipefail
tanji=${1:-build/tanji}
cd "$(dirname "$0")/.."
out=build/reports
mkdir -p "$out"
# The database of this run (kept between runs): schema, the shipped factors once,
# and every example footprint saved as a record.
export TANJI_DB=${TANJI_DB:-build/tanji.db}
"$tanji" migrate
if [ "$("$tanji" factor search --format json --limit 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" = 0 ]; then
  "$tanji" factor import --status published data/factors/*.csv
fi
for m in examples/*.json; do
  name=$(basename "$m" .json)
  echo "=================================================================="
  echo "$m"
  echo "=================================================================="
  "$tanji" calc "$m" --mc 1000 --seed 42
  "$tanji" calc "$m" --mc 1000 --seed 42 --format json -o "$out/$name.json" --db "$TANJI_DB" --save
  "$tanji" report "$out/$name.json" --format html --lang zh -o "$out/$name.zh.html"
  "$tanji" report "$out/$name.json" --format pdf --lang zh -o "$out/$name.zh.pdf"
  "$tanji" report "$out/$name.json" --format pdf --lang en -o "$out/$name.en.pdf"
  echo
done
echo "Reports (报告): $(ls "$out"/*.html "$out"/*.pdf | tr '\n' ' ')"
echo
echo "Saved footprints in $TANJI_DB (已保存的碳足迹记录):"
"$tanji" footprint list

#!/usr/bin/env bash
# An update import: N published factors (default 50,000), then N new versions
# of the same factors, each superseding the published one.  Prints both times;
# the first import is the baseline the update is compared with.
#
#   bench/bench_reimport.sh [N] [DB]      DB: a SQLite path (default: a new
#                                          temporary file) or postgresql://...
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=${2:-$tmp/reimport.db}
T=${TANJI:-build/tanji}
for pass in 1 2; do
    awk -v n="$n" -v pass="$pass" 'BEGIN {
        print "id,name_zh,name_en,category,unit,value,region,ref_year,source_doc,quality"
        for (k = 0; k < n; k++)
            printf "re-%d,测试因子%d,test factor %d,metals,t,%.2f,CN,%d,bench synthetic data (example),example\n",
                   k, k % 300, k % 300, pass + (k % 97) / 10, 2015 + k % 10
    }' >"$tmp/pass$pass.csv"
done
"$T" migrate --db "$db" >/dev/null
t0=$(date +%s.%N)
"$T" factor import --db "$db" --status published "$tmp/pass1.csv" >/dev/null
t1=$(date +%s.%N)
"$T" factor import --db "$db" --status published "$tmp/pass2.csv" >/dev/null
t2=$(date +%s.%N)
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    printf "first import of %d published factors: %.1f s (baseline)\n", n, b - a
    printf "update: %d new versions superseding them: %.1f s (%.1fx the first import)\n", n, c - b, (c - b) / (b - a)
}'

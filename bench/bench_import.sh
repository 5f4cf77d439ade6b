#!/bin/bash
# Benchmark (issue 17): a 1,000,000-line factor import and a 100,000-line
# activity sheet, through the CLI, with wall time, CPU time and peak memory.
# Targets: import under 30 s, activity sheet under 3 s on 2 cores.
#
# usage: bench/bench_import.sh [build/tanji] [FACTOR_LINES] [ACTIVITY_LINES]
set -u
T=${1:-build/tanji}
NF=${2:-1000000}
NA=${3:-100000}
T=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$NF" "$NA" <<'PY'
import random, sys
d, nf, na = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(1)
with open(d + "/factors.csv", "w") as out:
    out.write("id,name_zh,name_en,aliases,category,unit,value,gases,boundary,region,ref_year,source_doc,"
              "source_publisher,source_date,method,gwp_set,quality\n")
    for i in range(nf):
        v = r.uniform(0.01, 1000)
        out.write('bench-%07d,测试材料%d,Bench material %d,material %d|item %d,materials.metal,kg,%.6g,'
                  '"{""CO2"": %.6g}",cradle-to-gate,CN,2023,Bench generated data (not real),tanji bench,'
                  '2024-01-01,generated,AR6,example\n' % (i, i, i, i % 977, i % 131, v, v))
# the activity sheet: a bill of materials matched against a factor table of
# 2,000 factors (by id for half the lines, by name for the rest)
with open(d + "/table.csv", "w") as out:
    out.write("id,name_zh,name_en,value,unit,source,example\n")
    for i in range(2000):
        out.write("tf-%d,材料%d,material %d,%.4g,t,bench generated (not real),true\n" % (i, i, i, r.uniform(0.1, 10)))
with open(d + "/bom.csv", "w") as out:
    out.write("物料,数量,单位,因子,数据类型,TeR,GeR,TiR,P,备注\n")
    for i in range(na):
        k = r.randrange(2000)
        out.write("材料%d,%.3f,t,%s,secondary,3,3,2,3,bench\n" % (k, r.uniform(0.1, 5), "tf-%d" % k if i % 2 else ""))
PY
ls -l "$tmp"/factors.csv "$tmp"/bom.csv | awk '{print $5, $9}'
"$T" migrate --db "$tmp/b.db" > /dev/null || exit 1
# run NAME TARGET_S CMD...: wall, CPU (user + sys) and peak memory, and
# whether the target is met.  On a shared machine wall time includes waiting
# for a core: CPU time is the figure to compare with the target there (the
# load average is printed before and after).
run() {
    local name=$1 target=$2
    shift 2
    echo "== $name (target: under $target s on 2 cores)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -o "$tmp/time" -f "%e %U %S %M" "$@" || { echo "FAILED: $name"; return 1; }
    read -r wall user sys rss < "$tmp/time"
    awk -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v t="$target" 'BEGIN {
        cpu = u + s
        printf "wall %.2f s, user %.2f s, sys %.2f s (CPU %.2f s), peak RSS %d KB\n", w, u, s, cpu, m
        printf "target %s s: wall %s, CPU %s\n", t, (w < t ? "met" : "NOT met"), (cpu < t ? "met" : "NOT met")
    }'
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}
run "factor import of $NF lines" 30 "$T" factor import "$tmp/factors.csv" --db "$tmp/b.db"
run "activity sheet of $NA lines (model from-csv)" 3 "$T" model from-csv --product bench --unit t \
    --bom "$tmp/bom.csv" --factors "$tmp/table.csv" -o "$tmp/model.json"
"$T" ledger verify --db "$tmp/b.db" | tail -1

#!/bin/bash
# Benchmark (issue 15): federation at scale.  A provincial instance holds N published factor
# versions (factor import --status published: one ledger entry each) and N certified labels
# (bench_federation_load: signed documents, label.issue entries appended to the real Merkle
# tree).  It publishes one package; a national instance verifies and imports it (every
# inclusion proof, state digest, label document digest, the package signature) in one
# transaction.  Then the province revokes C labels (C ledger entries), publishes from the
# index the national instance saw, and the national instance pulls that incremental package.
# Targets: full package (100,000 + 100,000) verified and imported in < 60 s on 2 cores;
# incremental pull of 1,000 changes < 1 s.  Generated data, not real values.
#
# usage: bench/federation_bench.sh [BUILD_DIR] [N] [CHANGES]
set -u
B=${1:-build}
N=${2:-100000}
C=${3:-1000}
B=$(cd "$B" && pwd)
T=$B/tanji
L=$B/bench/bench_federation_load
[ -x "$L" ] || { echo "build bench_federation_load first (ninja -C $B bench/bench_federation_load)" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "work dir: $tmp" || trap 'rm -rf "$tmp"' EXIT
unset TANJI_AS TANJI_NOW
P=(env TANJI_DB="$tmp/p.db" TANJI_LEDGER_KEY="$tmp/p.key" "$T")
NN=(env TANJI_DB="$tmp/n.db" TANJI_LEDGER_KEY="$tmp/n.key" "$T")
tP() { "${P[@]}" "$@"; }
tN() { "${NN[@]}" "$@"; }
# wall and CPU seconds and peak memory of one command
timed() {
    local what=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
        echo "FAILED: $what" >&2; cat "$tmp/err" >&2; exit 1; }
    read -r wall u s mem <"$tmp/time"
    cpu=$(echo "$u + $s" | bc)
    printf "%-58s wall %7.2f s  cpu %7.2f s  peak %6d MB\n" "$what" "$wall" "$cpu" $((mem / 1024))
}
# the verdict on a target (seconds) for the last timed command: wall time is what the target
# means; CPU time (user + system) is the steadier figure on a shared machine, and on an idle
# 2-core machine the wall time of these single-threaded steps is close to it
verdict() {
    local name=$1 target=$2 w c
    w=$(echo "$wall < $target" | bc); c=$(echo "$cpu < $target" | bc)
    printf "  TARGET %s < %s s: wall %.2f s %s; cpu %.2f s %s (load average %s)\n" "$name" "$target" \
        "$wall" "$([ "$w" = 1 ] && echo met || echo 'NOT met')" "$cpu" "$([ "$c" = 1 ] && echo met || echo 'NOT met')" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$target $wall $cpu $w $c $name" >>"$tmp/verdicts"
}

python3 - "$tmp" "$N" <<'PY'
import random, sys
d, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
with open(d + "/factors.csv", "w") as out:
    out.write("id,name_zh,name_en,category,unit,value,boundary,region,ref_year,source_doc,source_publisher,"
              "source_date,method,gwp_set,quality\n")
    for i in range(n):
        out.write("fedbench-%07d,测试材料%d,Bench material %d,materials.metal,kg,%.6g,cradle-to-gate,530000,2023,"
                  "Bench generated data (not real),tanji bench,2024-01-01,generated,AR6,example\n"
                  % (i, i, i, r.uniform(0.01, 1000)))
PY
tP admin init >/dev/null && tN admin init >/dev/null || exit 1
tP federation identity set --name province --jurisdiction 530000 >/dev/null || exit 1
tN federation identity set --name national --jurisdiction CN >/dev/null || exit 1
tP admin org add "监管局" --kind regulator >/dev/null
tP admin org add "企业" --kind enterprise --region 530100 >/dev/null
tP admin org add "认证中心" --kind certification_body --region 530000 >/dev/null
tP cert catalogue import "$src/data/certification/catalogue-cn-2025.json" >/dev/null || exit 1
tP cert body register "认证中心" --scope electrolytic_aluminium >/dev/null || exit 1
tP cert key new "$tmp/body.key" >"$tmp/body.pub" && tP cert key add "认证中心" --public-key "$tmp/body.pub" >/dev/null || exit 1
body=$(sqlite3 "$tmp/p.db" "SELECT id FROM organisation WHERE name = '认证中心'")
holder=$(sqlite3 "$tmp/p.db" "SELECT id FROM organisation WHERE name = '企业'")

echo "federation benchmark: $N factor versions + $N labels, then $C changes ($(nproc) cores, $(date -u +%F))"
timed "province: import $N published factor versions" "${P[@]}" factor import "$tmp/factors.csv" --status published
timed "province: load $N labels (signed, ledger entries)" "$L" --db "$tmp/p.db" --body-key "$tmp/body.key" \
    --body "$body" --holder "$holder" --labels "$N"
timed "province: publish the full package" "${P[@]}" federation publish -o "$tmp/full.ndjson"
echo "  package: $(wc -l <"$tmp/full.ndjson") lines, $(($(stat -c %s "$tmp/full.ndjson") / 1048576)) MB"
tP federation identity export -o "$tmp/p.id.json" && tN federation trust add "$tmp/p.id.json" --for all >/dev/null || exit 1
timed "national: verify + import the full package (target < 60 s)" "${NN[@]}" federation pull province --file "$tmp/full.ndjson"
cat "$tmp/out" | head -1
verdict "full package ($N + $N) verified and imported" 60
# baseline of the same run: reading and parsing the package's JSON lines alone
timed "  baseline: python json.loads of every line" python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"): json.loads(l)' "$tmp/full.ndjson"

s1=$(sqlite3 "$tmp/n.db" "SELECT head_size FROM fed_peer WHERE name = 'province'")
timed "province: revoke $C labels" "$L" --db "$tmp/p.db" --body-key "$tmp/body.key" --body "$body" \
    --holder "$holder" --revoke "$C"
timed "province: publish the incremental package (--since $s1)" "${P[@]}" federation publish --since "$s1" -o "$tmp/inc.ndjson"
echo "  package: $(wc -l <"$tmp/inc.ndjson") lines, $(($(stat -c %s "$tmp/inc.ndjson") / 1024)) KB"
timed "national: verify + import the incremental package (target < 1 s)" "${NN[@]}" federation pull province --file "$tmp/inc.ndjson"
cat "$tmp/out" | head -1
verdict "incremental pull of $C changes" 1
timed "  baseline: tanji federation trust list (process start, open)" "${NN[@]}" federation trust list
revoked=$(sqlite3 "$tmp/n.db" "SELECT count(*) FROM fed_object WHERE object_type = 'label' AND status = 'revoked'")
echo "national: $revoked revoked labels imported (expected $C)"
[ "$revoked" = "$C" ] || exit 1
echo "targets (issue 15; wall time on 2 cores, CPU time shown as the steadier figure on a shared machine):"
while read -r target w c wm cm name; do
    printf "  %-52s < %4s s  wall %8.2f s %-8s cpu %7.2f s %s\n" "$name" "$target" "$w" \
        "$([ "$wm" = 1 ] && echo met || echo 'NOT met')" "$c" "$([ "$cm" = 1 ] && echo met || echo 'NOT met')"
done <"$tmp/verdicts"

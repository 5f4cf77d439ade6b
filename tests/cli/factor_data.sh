#!/bin/bash
# tanji factor import of every shipped file in data/factors/, resolution of the
# published grid factors, import errors with line and column, export round trip,
# GB18030 input and cross-checks.
set -u
T=$1
D=$TJ_SOURCE_DIR/data/factors
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TANJI_DB=$tmp/f.db TANJI_USER=ci
for d in "$tmp/f.db" "$tmp/e.db" "$tmp/r.db"; do "$T" migrate --db "$d" >/dev/null || fail "migrate"; done

n=0
for f in "$D"/*.csv; do
    "$T" factor import --status published "$f" >/dev/null || fail "import $f"
    n=$((n + $(tail -n +2 "$f" | grep -c .)))
done
out=$("$T" factor search --limit 1 --format json)
echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['total']==$n, (d['total'], $n)" || fail "all $n rows loaded"
# every shipped row has its source
"$T" factor export --format json | python3 -c '
import json,sys
d=json.load(sys.stdin)["factors"]
assert d and all(f.get("source_doc") and f.get("source_date") for f in d), [f["id"] for f in d if not f.get("source_doc")]
' || fail "sources"

resolve() { "$T" factor resolve --format json "$@"; }
chk() { python3 -c "import json,sys; d=json.load(sys.stdin); assert d['ref']=='$1' and abs(d['value']-$2)<1e-12, d"; }
resolve "grid electricity" --region 530000 --year 2023 | chk cn-grid-avg-530000-2022@1 0.1073 || fail "Yunnan 2023"
resolve "grid electricity" --region 530000 --year 2021 | chk cn-grid-avg-530000-2021@1 0.1235 || fail "Yunnan 2021"
# everyday words (issue 9): "电力" lists the electricity families and says how to pick
"$T" factor resolve 电力 --region 530000 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q '4 factor families match' "$tmp/err" && grep -q '电力平均二氧化碳排放因子' "$tmp/err" &&
    grep -q 'Resolve by one of these names' "$tmp/err" || fail "resolve 电力 (rc=$rc): $(cat "$tmp/err")"
"$T" factor resolve electricity --region 530000 >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && grep -q 'factor families match' "$tmp/err" || fail "resolve electricity: $(cat "$tmp/err")"
resolve life cycle wind | chk cn-elec-lca-wind-CN-2023@1 0.0336 || fail "resolve by words, one family"
resolve 电力平均二氧化碳排放因子 --region 530000 | chk cn-grid-avg-530000-2022@1 0.1073 || fail "resolve a listed family"
resolve "grid electricity" --region 130000 --year 2023 | chk cn-grid-avg-130000-2022@1 0.7252 || fail "Hebei"
resolve "grid electricity" --region 440000 --year 2023 | chk cn-grid-avg-GRID-NF-2023@1 0.4042 || fail "Guangdong -> 南方"
resolve "grid electricity" --region 510000 --year 2022 | chk cn-grid-avg-GRID-XN-2022@1 0.2268 || fail "Sichuan -> 西南"
resolve "grid electricity" --region 110000 --year 2021 | chk cn-grid-avg-CN-2021@1 0.5568 || fail "Beijing 2021 -> national"
resolve "grid electricity" --year 2023 | chk cn-grid-avg-CN-2023@1 0.5306 || fail "national 2023"
resolve "life-cycle electricity" --region 530000 --year 2024 | chk cn-elec-lca-avg-CN-2023@1 0.6205 || fail "life cycle"
resolve "natural gas" --region 530000 | chk ipcc2006-co2-natural-gas@1 56100 || fail "IPCC natural gas"
resolve "HGV all HGVs" --region 530000 --year 2023 | chk defra2012-hgv-hgv-all@1 0.14993 || fail "road freight (GLOBAL)"
resolve "HGV all HGVs" --region 530000 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["unit"]=="t*km" and d["quality"]=="unverified", d' || fail "road freight unit and flag"
"$T" factor resolve "grid electricity" --region 530000 --year 2023 | grep -q 'why: .*2022' || fail "explanation"
"$T" factor resolve "grid electricity" --region 530000 --year 2019 >/dev/null 2>&1; [ $? -eq 2 ] || fail "no factor before 2021"

# errors name file, line and column; nothing is imported
printf 'id,name_en,category,unit,value,region,source_doc\na,A,c,kg,1,CN,d\nb,B,c,kg,x1,CN,d\n' >"$tmp/bad.csv"
"$T" factor import --db "$tmp/e.db" "$tmp/bad.csv" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "bad csv exit $rc"
grep -q 'bad.csv:3:5: value' "$tmp/err" || fail "bad csv message: $(cat "$tmp/err")"
[ "$("$T" factor search --db "$tmp/e.db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" = 0 ] || fail "partial import"

# GB18030 (what Chinese spreadsheets save)
printf 'id,name_zh,category,unit,value,region,source_doc\ngb-1,云南小粒咖啡,农业,kg,3.1,530000,示例\n' | iconv -f UTF-8 -t GB18030 >"$tmp/gb.csv"
"$T" factor import --db "$tmp/e.db" "$tmp/gb.csv" >/dev/null || fail "GB18030 import"
"$T" factor show --db "$tmp/e.db" gb-1 | grep -q '云南小粒咖啡' || fail "GB18030 text"

# export and re-import elsewhere
"$T" factor export --format csv --output "$tmp/all.csv" 2>/dev/null || fail "export csv"
"$T" factor import --db "$tmp/r.db" --status published "$tmp/all.csv" >/dev/null || fail "re-import export"
"$T" factor resolve --db "$tmp/r.db" "grid electricity" --region 530000 --year 2022 --format json | chk cn-grid-avg-530000-2022@1 0.1073 || fail "round trip"

# cross-checks
printf 'label,factor,query,region,year,reference_value,emissions_kg,output\nyn,cn-grid-avg-530000-2022,,,,0.105,,\nplant,,grid electricity,130000,2022,,1.0e6,1.0e6\n' >"$tmp/ref.csv"
out=$("$T" factor crosscheck "$tmp/ref.csv" --tolerance 0.05 --format json) || fail "crosscheck"
echo "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
assert d["flagged"]==1 and d["rows"]==2, d
r=d["results"]
assert not r[0]["flagged"] and r[1]["flagged"] and r[1]["factor"]=="cn-grid-avg-130000-2022@1", r
' || fail "crosscheck: $out"
echo ok

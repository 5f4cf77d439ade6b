#!/bin/bash
# tanji model from-csv: UTF-8 and GB18030 sheets give the same model; unmatched lines are
# reported with file:line; --strict refuses; the model passes tanji check's parser.
set -u
T=$1
E=$TJ_SOURCE_DIR/examples/activity/electrolytic_aluminium
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
args=(--product 电解铝 --product-en "electrolytic aluminium" --unit t --year 2024 --geography CN-YN)

"$T" model from-csv "${args[@]}" --bom "$E/bom.csv" --energy "$E/energy.csv" --transport "$E/transport.csv" \
    --waste "$E/waste.csv" --factors "$E/factors-example.csv" -o "$tmp/utf8.json" 2>"$tmp/err" || fail "utf-8 rc=$? $(cat "$tmp/err")"
grep -q '7 lines, 3 matched by factor id, 4 by query, 0 unmatched' "$tmp/err" || fail "summary: $(cat "$tmp/err")"

for f in bom energy transport waste factors-example; do
    iconv -f UTF-8 -t GB18030 "$E/$f.csv" > "$tmp/$f.csv" || fail "iconv $f"
done
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); d.decode("utf-8")' "$tmp/bom.csv" 2>/dev/null && fail "GB18030 fixture is valid UTF-8"
"$T" model from-csv "${args[@]}" --bom "$tmp/bom.csv" --energy "$tmp/energy.csv" --transport "$tmp/transport.csv" \
    --waste "$tmp/waste.csv" --factors "$tmp/factors-example.csv" -o "$tmp/gb.json" 2>/dev/null || fail "gb18030 rc=$?"
cmp -s "$tmp/utf8.json" "$tmp/gb.json" || fail "GB18030 and UTF-8 sheets give different models"
"$T" model from-csv "${args[@]}" --encoding utf-8 --bom "$tmp/bom.csv" -o "$tmp/x.json" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "declared utf-8 on GB18030: rc=$rc"
grep -q 'bom.csv:1:1: not valid UTF-8' "$tmp/err" || fail "encoding error: $(cat "$tmp/err")"

python3 - "$tmp/utf8.json" <<'PY' || fail "model content"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["tanji_model"] == 1 and m["example"] is True
p = m["product"]
assert p["name"] == {"zh": "电解铝", "en": "electrolytic aluminium"} and p["unit"] == "t"
assert p["reference_period"] == {"start": "2024-01-01", "end": "2024-12-31"}
stages = {q["stage"] for q in m["processes"]}
assert stages == {"raw_materials", "production", "distribution"}, stages
ex = [e for q in m["processes"] for e in q["exchanges"]]
truck = [e for e in ex if e["flow"].startswith("公路货运")][0]
assert truck["unit"] == "t*km" and abs(truck["amount"] - 180) < 1e-9, truck
assert all(f["example"] and "EXAMPLE" in f["source"] for f in m["factors"])
PY
"$T" check "$tmp/utf8.json" --rule tpl.cn.electrolytic_aluminium --format json > "$tmp/c.json"; rc=$?
[ $rc -eq 4 ] || fail "check rc=$rc"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["violations"]; assert [x["code"] for x in v]==["missing_input"], v' "$tmp/c.json" \
    || fail "only the direct PFC emissions should be missing"

# unmatched lines: reported with file and line, kept as queries; --strict refuses
printf '物料,数量,单位\n氧化铝,1.9,t\n神秘材料,3,kg\n' > "$tmp/bom2.csv"
"$T" model from-csv "${args[@]}" --bom "$tmp/bom2.csv" --factors "$E/factors-example.csv" -o "$tmp/u.json" 2>"$tmp/err" || fail "unmatched rc=$?"
grep -q "bom2.csv:3: 神秘材料: no factor named \"神秘材料\"" "$tmp/err" || fail "unmatched report: $(cat "$tmp/err")"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert any(e.get("factor")=={"query":"神秘材料"} for p in m["processes"] for e in p["exchanges"])' "$tmp/u.json" || fail "query kept"
"$T" model from-csv "${args[@]}" --bom "$tmp/bom2.csv" --factors "$E/factors-example.csv" --strict -o "$tmp/s.json" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--strict rc=$rc"
[ ! -e "$tmp/s.json" ] || fail "--strict wrote a model"

# bad input
printf '物料,数量,单位\n氧化铝,abc,t\n' > "$tmp/bad.csv"
"$T" model from-csv "${args[@]}" --bom "$tmp/bad.csv" 2>"$tmp/err"; [ $? -eq 2 ] || fail "bad amount rc"
grep -q 'bad.csv:2: amount "abc"' "$tmp/err" || fail "bad amount message: $(cat "$tmp/err")"
"$T" model from-csv --unit t --bom "$tmp/bad.csv" 2>/dev/null; [ $? -eq 1 ] || fail "no product"
"$T" model from-csv "${args[@]}" 2>/dev/null; [ $? -eq 1 ] || fail "no sheets"
"$T" model --help | grep -q 'GB18030' || fail help

# Headers: a misspelt column is refused (it would drop the column silently), so is a
# repeated one, and a column with values but no header; each names its cell.
tr -d '\r' < "$E/bom.csv" > "$tmp/lf.csv"
{ head -1 "$tmp/lf.csv" | sed 's/^物料,/物料,数量x,/'; tail -n +2 "$tmp/lf.csv" | sed 's/^\([^,]*\),/\1,1,/'; } > "$tmp/unknown.csv"
"$T" model from-csv "${args[@]}" --bom "$tmp/unknown.csv" -o "$tmp/x.json" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "unknown column: rc=$rc"
grep -q 'unknown.csv:1.*unknown column "数量x"' "$tmp/err" || fail "unknown column: $(cat "$tmp/err")"
{ head -1 "$tmp/lf.csv" | sed 's/^物料,/物料,名称,/'; tail -n +2 "$tmp/lf.csv" | sed 's/^\([^,]*\),/\1,x,/'; } > "$tmp/dup.csv"
"$T" model from-csv "${args[@]}" --bom "$tmp/dup.csv" -o "$tmp/x.json" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "repeated column: rc=$rc"
grep -q 'dup.csv:1.*column "名称" repeats column 1' "$tmp/err" || fail "repeated column: $(cat "$tmp/err")"
{ head -1 "$tmp/lf.csv" | sed 's/$/,/'; tail -n +2 "$tmp/lf.csv" | sed '2s/$/,stray/; 2!s/$/,/'; } > "$tmp/nohead.csv"
"$T" model from-csv "${args[@]}" --bom "$tmp/nohead.csv" -o "$tmp/x.json" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "headless column: rc=$rc"
grep -q 'nohead.csv:3:.*no header' "$tmp/err" || fail "headless column: $(cat "$tmp/err")"
[ -e "$tmp/x.json" ] && fail "a refused sheet wrote a model"
echo "model_from_csv: ok"

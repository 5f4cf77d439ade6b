#!/bin/bash
# tanji check: each kind of violation, its place in the model, exit codes.
set -u
T=$1
D=$TJ_SOURCE_DIR/tests/data
R=$D/rules
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

out=$("$T" check "$D/models/conforming.json" --rule test.cn.alu --rules "$R") || fail "conforming model: rc=$? $out"
echo "$out" | grep -q 'conforms to test.cn.alu@1.0' || fail "$out"

"$T" check "$D/models/nonconforming.json" --rule test.cn.alu --rules "$R" --format json > "$tmp/c.json"; rc=$?
[ $rc -eq 4 ] || fail "nonconforming: expected exit 4, got $rc"
python3 - "$tmp/c.json" <<'PY' || fail "violations"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["conforms"] is False and r["rule"]["id"] == "test.cn.alu"
got = sorted((v["code"], v["path"]) for v in r["violations"])
want = sorted([
    ("declared_unit_mismatch", "product.unit"),
    ("boundary_mismatch", "product.boundary"),
    ("missing_stage", "processes"),
    ("missing_input", "processes"),
    ("required_input_cut_off", "processes[0].exchanges[2]"),
    ("allocation_not_allowed", "processes[0].allocation"),
    ("dqr_exceeded", "processes[0].quality"),
    ("dqr_exceeded", "processes[0].exchanges[4].quality"),
    ("primary_data_required", "processes[0].data_type"),
    ("cutoff_exceeded", "processes[0].exchanges[2]"),
    ("cutoff_exceeded", "processes[0].exchanges[3]"),
    ("cutoff_exceeded", "processes"),
])
assert got == want, "\n".join(map(str, got))
for v in r["violations"]:
    assert v["message"] and v["message_zh"], v
miss = [v for v in r["violations"] if v["code"] == "missing_input"][0]
assert "electricity" in miss["message"] and "电力" in miss["message_zh"], miss
stage = [v for v in r["violations"] if v["code"] == "missing_stage"][0]
assert "原材料获取" in stage["message_zh"], stage
PY

# cut-offs judged on a footprint result instead of mass
cat > "$tmp/fp.json" <<'J'
{"total": 100, "unit": "kg CO2e", "by_stage": {}, "cutoff_share": 0.06,
 "cutoffs": [{"process": "smelter", "flow": "cryolite", "share": 0.02}]}
J
"$T" check "$D/models/conforming.json" --rule test.cn.alu --rules "$R" --footprint "$tmp/fp.json" --format json > "$tmp/f.json"; rc=$?
[ $rc -eq 4 ] || fail "footprint cut-offs: rc=$rc"
python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
got=sorted((v["code"],v["path"]) for v in r["violations"])
assert got==[("cutoff_exceeded","cutoff_share"),("cutoff_exceeded","cutoffs[0]")], got' "$tmp/f.json" || fail "footprint cut-off paths"

# the shipped template flags the missing aluminium fluoride in the aluminium example
"$T" check "$TJ_SOURCE_DIR/examples/electrolytic-aluminium.json" --rule tpl.cn.electrolytic_aluminium --lang zh > "$tmp/t.txt"; rc=$?
[ $rc -eq 4 ] || fail "template check rc=$rc"
grep -q '结构模板' "$tmp/t.txt" || fail "template note"
grep -q 'aluminium_fluoride' "$tmp/t.txt" || fail "missing AlF3: $(cat "$tmp/t.txt")"

# the check result feeds the report
"$T" report "$D/footprint_example.json" --check "$tmp/c.json" --lang en -o "$tmp/r.html" || fail "report with check"
grep -q 'allocation method not allowed' "$tmp/r.html" || fail "report lacks violations"
grep -q 'does not conform' "$tmp/r.html" || fail "report lacks verdict"

# without --rule: the rule that applies to product.category in the model's geography
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); m["product"]["category"]="alu"; m["product"]["geography"]="CN-YN"; json.dump(m,open(sys.argv[2],"w"))' \
    "$D/models/conforming.json" "$tmp/auto.json"
"$T" check "$tmp/auto.json" --rules "$R" 2>"$tmp/err" >/dev/null || fail "auto rule rc=$?"
grep -q 'using rule test.cn.alu@1.0' "$tmp/err" || fail "auto rule: $(cat "$tmp/err")"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); m["product"]["category"]="tea"; json.dump(m,open(sys.argv[2],"w"))' \
    "$tmp/auto.json" "$tmp/tea.json"
"$T" check "$tmp/tea.json" --rules "$R" --region 530102 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 0 ] || fail "tea in Kunming rc=$rc"
grep -q 'using rule test.km.tea@1.0' "$tmp/err" || fail "Kunming rule: $(cat "$tmp/err")"
"$T" check "$tmp/tea.json" --rules "$R" --region CN-GD 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 2 ] || fail "no tea rule in Guangdong: rc=$rc"
"$T" check "$D/models/conforming.json" --rules "$R" 2>/dev/null; [ $? -eq 1 ] || fail "no category and no --rule"

# errors
"$T" check "$D/models/conforming.json" --rule nosuch --rules "$R" 2>/dev/null; [ $? -eq 2 ] || fail "unknown rule"
printf '{"product": {},\n "processes": [,]}' > "$tmp/bad.json"
"$T" check "$tmp/bad.json" --rule test.cn.alu --rules "$R" 2>"$tmp/err"; [ $? -eq 2 ] || fail "syntax rc"
grep -q 'bad.json:2:' "$tmp/err" || fail "syntax position: $(cat "$tmp/err")"
echo '{"product": {}}' > "$tmp/np.json"
"$T" check "$tmp/np.json" --rule test.cn.alu --rules "$R" 2>"$tmp/err"; [ $? -eq 2 ] || fail "no processes rc"
grep -q 'processes' "$tmp/err" || fail "no processes message"
"$T" check /nonexistent.json --rule test.cn.alu --rules "$R" 2>/dev/null; [ $? -eq 3 ] || fail "missing file"
"$T" check --help | grep -q '核算规则' || fail help
echo ok

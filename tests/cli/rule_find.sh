#!/bin/bash
# tanji rule list/show/find/validate against the test fixtures and shipped templates.
set -u
T=$1
R=$TJ_SOURCE_DIR/tests/data/rules
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

out=$("$T" rule find --rules "$R" --product alu --region 530100 --date 2026-01-01) || fail "find alu rc=$?"
echo "$out" | grep -q '^\* test.cn.alu@1.0' || fail "national rule should apply: $out"
echo "$out" | grep -q 'national rule test.cn.alu@1.0 is in force for this product, so local rules no longer apply' || fail "missing national reason: $out"

out=$("$T" rule find --rules "$R" --product tea --region 530100 --date 2026-01-01 --format json) || fail "find tea json"
echo "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin)
app=[r["id"] for r in d["rules"] if r["applies"]]
assert app==["test.km.tea"], app
why={r["id"]:r["reason"] for r in d["rules"]}
assert "520000" in why["test.gz.tea"], why
assert "withdrawn" in why["test.yn.tea.old"], why
assert d["region"]=="530100"
' || fail "tea json"

out=$("$T" rule find --rules "$R" --product tea --region 530100 --lang zh --date 2026-01-01)
echo "$out" | grep -q '已废止' || fail "zh reason: $out"

"$T" rule find --rules "$R" --product tea --date 2026-01-01 >/dev/null; rc=$?
[ $rc -eq 2 ] || fail "no region: expected exit 2 (no applicable rule), got $rc"
"$T" rule find --rules "$R" --product tea --region 53 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "bad region: rc=$rc"
grep -q 'GB/T 2260' "$tmp/err" || fail "bad region message: $(cat "$tmp/err")"
"$T" rule find --rules "$R" >/dev/null 2>&1; [ $? -eq 1 ] || fail "missing --product should be a usage error"

# shipped templates: drafts apply only with --drafts; the national template beats the Kunming one
"$T" rule find --product electrolytic_aluminium --region 530100 >/dev/null 2>&1; [ $? -eq 2 ] || fail "templates are drafts"
out=$("$T" rule find --product electrolytic_aluminium --region 530100 --drafts) || fail "drafts rc"
echo "$out" | grep -q '^\* tpl.cn.electrolytic_aluminium' || fail "national template should apply: $out"
echo "$out" | grep -q 'structural template, not an official standard' || fail "template not flagged: $out"

n=$("$T" rule list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 57 ] || fail "expected 57 templates, got $n"
"$T" rule show tpl.cn.electrolytic_aluminium | grep -q 'alumina' || fail "show"
"$T" rule show tpl.cn.electrolytic_aluminium --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["template"] is True'  || fail "show json"
"$T" rule show nosuch >/dev/null 2>&1; [ $? -eq 2 ] || fail "show missing rule"

# validate reports file and JSON path
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["required_stages"].append("assembly"); json.dump(d,open(sys.argv[2],"w"))' "$R/test.cn.alu.json" "$tmp/bad.json"
"$T" rule validate "$tmp/bad.json" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "validate rc=$rc"
grep -q "bad.json: required_stages\[2\]: unknown stage \"assembly\"" "$tmp/err" || fail "validate message: $(cat "$tmp/err")"
"$T" rule validate "$R/test.cn.alu.json" | grep -q ok || fail "validate ok"
"$T" rule --help | grep -q '核算规则' || fail "help"
echo ok

#!/bin/bash
# The real pipeline: tanji calc --format json -> tanji check -> tanji report (PDF, HTML).
set -u
T=$1
S=$TJ_SOURCE_DIR
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$T" calc "$S/examples/electrolytic-aluminium.json" --format json > "$tmp/fp.json" || fail "calc rc=$?"
total=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["total"]; print("%.1f" % t if abs(t) >= 1000 else "%.4g" % t)' "$tmp/fp.json")
"$T" check "$S/examples/electrolytic-aluminium.json" --rule tpl.cn.electrolytic_aluminium --footprint "$tmp/fp.json" --format json > "$tmp/check.json"
[ $? -eq 4 ] || fail "check should find the missing aluminium fluoride"
"$T" report "$tmp/fp.json" --check "$tmp/check.json" --format pdf --lang zh -o "$tmp/r.pdf" || fail "pdf rc=$?"
pdftotext "$tmp/r.pdf" - | tr -d ' \n' > "$tmp/r.txt"
grep -qF "$total" "$tmp/r.txt" || fail "PDF lacks the total $total"
grep -qF 'tpl.cn.electrolytic_aluminium' "$tmp/r.txt" || fail "PDF lacks the rule"
digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs_digest"])' "$tmp/fp.json")
grep -qF "$digest" "$tmp/r.txt" || fail "PDF lacks the inputs digest"
grep -qF 'electricity-2023' "$tmp/r.txt" || fail "PDF lacks the factor"
grep -qF '示例值' "$tmp/r.txt" || fail "PDF lacks the example-values banner"
"$T" report "$tmp/fp.json" --format html --lang en -o "$tmp/r.html" || fail "html rc=$?"
grep -qF "$total kg CO2e" "$tmp/r.html" || fail "HTML lacks the total"
grep -qF 'EXAMPLE VALUES' "$tmp/r.html" || fail "HTML lacks the example banner"
echo ok

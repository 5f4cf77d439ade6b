#!/bin/bash
# tanji report --format html|json: content, escaping of hostile strings, JSON structure.
set -u
T=$1
D=$TJ_SOURCE_DIR/tests/data
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$T" report "$D/footprint_example.json" --lang en --check "$D/check_example.json" -o "$tmp/r.html" || fail "html rc=$?"
for s in '<!DOCTYPE html>' 'Goal and scope' 'Hotspots' '13349.9 kg CO2e' 'id="conformance"' 'required input missing' 'EXAMPLE DATA'; do
    grep -qF "$s" "$tmp/r.html" || fail "HTML lacks $s"
done
n=$(grep -o '<svg' "$tmp/r.html" | wc -l)
[ "$n" -ge 3 ] || fail "expected boundary, stage and Pareto charts, got $n svg"
grep -qE '(src|href)="https?:' "$tmp/r.html" && fail "HTML must be self-contained"

# hostile strings everywhere a user can put text
python3 - "$D/footprint_example.json" "$tmp/evil.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
evil = '<script>alert(1)</script>"\'&<img src=x onerror=alert(2)>'
d["by_process"][0]["name"] = evil
d["model"]["name"] = {"zh": evil, "en": evil}
d["unit"] = "kg CO2e</svg><svg onload=alert(3)>"
d["factors_used"][0]["source"] = evil
d["by_gas"][0]["gas"] = evil
d["paths"][1]["name"] = evil
json.dump(d, open(sys.argv[2], "w"))
PY
"$T" report "$tmp/evil.json" --lang zh -o "$tmp/evil.html" || fail "evil html rc"
grep -q '<script' "$tmp/evil.html" && fail "unescaped <script>"
grep -q '<img' "$tmp/evil.html" && fail "unescaped <img>"
grep -q 'onload=alert' "$tmp/evil.html" && grep -q '<svg onload' "$tmp/evil.html" && fail "unescaped svg"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;' "$tmp/evil.html" || fail "escaped text missing"
"$T" report "$tmp/evil.json" --format pdf -o "$tmp/evil.pdf" || fail "evil pdf"
pdftotext "$tmp/evil.pdf" - | grep -qF '<script>alert(1)</script>' || fail "PDF should show the text literally"

# JSON report
"$T" report "$D/footprint_example.json" --format json --lang zh > "$tmp/r.json" || fail "json rc"
python3 - "$tmp/r.json" <<'PY' || fail "json structure"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["format"] == "tanji-report/1" and r["lang"] == "zh", r["format"]
ids = [s["id"] for s in r["sections"]]
assert ids == ["scope", "unit", "boundary", "data", "allocation", "cutoff", "results", "hotspots",
               "uncertainty", "conformance", "factors", "digest"], ids
assert r["total"] == "13349.9 kg CO2e", r["total"]
assert r["example"] is True
hot = next(s for s in r["sections"] if s["id"] == "hotspots")
pareto = next(b for b in hot["blocks"] if b["type"] == "pareto_chart")
vals = [d["value"] for d in pareto["data"]]
assert vals == sorted(vals, reverse=True) and vals[0] == 8990, vals
dig = next(s for s in r["sections"] if s["id"] == "digest")
rows = dig["blocks"][1]["rows"]
assert any(len(v) == 64 for k, v in rows), rows
PY
echo ok

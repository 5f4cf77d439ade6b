#!/bin/bash
# tanji report --format pdf: text (pdftotext), pages, and page 1 rendered (pdftoppm) non-blank.
set -u
T=$1
D=$TJ_SOURCE_DIR/tests/data
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$T" report "$D/footprint_example.json" --format pdf --lang zh --check "$D/check_example.json" -o "$tmp/zh.pdf" || fail "zh pdf rc=$?"
"$T" report "$D/footprint_example.json" --format pdf --lang en -o "$tmp/en.pdf" || fail "en pdf rc=$?"
pdftotext -layout "$tmp/zh.pdf" "$tmp/zh.txt" || fail "pdftotext zh"
pdftotext -layout "$tmp/en.pdf" "$tmp/en.txt" || fail "pdftotext en"
for s in 产品碳足迹报告 目的与范围 声明单位 系统边界 数据来源与数据质量 分配 取舍准则 核算结果 热点分析 不确定性 核算规则符合性 因子版本 计算输入摘要 \
         "13349.9 kg CO2e" 电解铝 不符合 tpl.cn.electrolytic_aluminium 示例数据 良好 从摇篮到大门 缺少规则要求的输入; do
    grep -qF "$s" "$tmp/zh.txt" || fail "zh PDF lacks \"$s\""
done
for s in "Product Carbon Footprint Report" "Goal and scope" "Declared unit" "System boundary" "Hotspots" \
         "Uncertainty" "Rule conformance" "Factor versions" "13349.9 kg CO2e" "Page 1 of" "EXAMPLE DATA"; do
    grep -qF "$s" "$tmp/en.txt" || fail "en PDF lacks \"$s\""
done
# the Chinese PDF holds no English word of the English report (the DQR rating,
# boundary, stage, channel and check names, page numbers ...) other than proper
# names, units and the data the footprint itself carries
"$T" report "$D/footprint_example.json" --format json --lang en --check "$D/check_example.json" > "$tmp/en.json" || fail "en json"
"$T" report "$D/footprint_example.json" --format pdf --lang en --check "$D/check_example.json" -o "$tmp/en_check.pdf" || fail "en pdf with check"
pdftotext -layout "$tmp/en_check.pdf" "$tmp/en_check.txt" || fail "pdftotext en check"
python3 - "$tmp/en.json" "$tmp/en_check.txt" "$tmp/zh.txt" "$D/footprint_example.json" "$D/check_example.json" <<'PY' || fail "English words in the Chinese PDF"
import json, re, sys
words = lambda s: {w.lower() for w in re.findall(r"[A-Za-z]+", s)}
def strings(v, key=None):
    if key in ("rating", "boundary", "method", "code", "stage", "en", "message"):
        return
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from strings(x, k)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x, key)
en = set()
for s in strings(json.load(open(sys.argv[1]))):
    en |= words(s)
en |= words(open(sys.argv[2]).read())
data = set()
for f in sys.argv[4:]:
    for s in strings(json.load(open(f))):
        data |= words(s)
allowed = {"gb", "t", "iso", "gwp", "ipcc", "dqr", "ter", "ger", "tir", "p", "pef", "cfp", "pcfp", "dluc",
           "sha", "utc", "tanji", "co", "e", "kg", "ar", "kwh", "json", "klu"}
# quoted commands ("tanji check MODEL --rule ID --format json") are code, not words
zh = re.sub(r"tanji[ -~]*", " ", open(sys.argv[3]).read())
# digests (hex, maybe cut by line breaks) and UTC timestamps are not words
zh = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", " ", zh)
zh = " ".join(t for t in zh.split() if not (re.fullmatch(r"[0-9a-fTZ:.-]+", t) and re.search(r"[0-9]", t)))
bad = sorted((words(zh) & en) - data - allowed)
if bad:
    sys.exit("English words in the Chinese PDF: " + ", ".join(bad))
assert "good" in en and "excellent" not in data, "the check must be able to see an untranslated rating"
PY
tr -d ' \n' < "$tmp/en.txt" | grep -qF 3f1b8e2c9a7d4e6f0b5c1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f || fail "inputs digest"
sha=$(sha256sum "$D/footprint_example.json" | cut -c1-64)
tr -d ' \n' < "$tmp/en.txt" | grep -qF "$sha" || fail "footprint file digest $sha"
pages=$(pdfinfo "$tmp/zh.pdf" | awk '/^Pages:/ {print $2}')
[ "$pages" -ge 3 ] || fail "expected a multi-page PDF, got $pages pages"
grep -qE "第 *1 *页 */ *共 *$pages *页" "$tmp/zh.txt" || fail "first page number"
grep -qE "第 *$pages *页 */ *共 *$pages *页" "$tmp/zh.txt" || fail "last page number"
# the font is embedded and is Noto Sans CJK
pdffonts "$tmp/zh.pdf" | grep -q 'NotoSansCJK' || fail "Noto Sans CJK not embedded: $(pdffonts "$tmp/zh.pdf")"

# page 1 as PNG, and as PGM to count ink
pdftoppm -r 40 -f 1 -l 1 -png "$tmp/zh.pdf" "$tmp/p" || fail "pdftoppm png"
[ -s "$tmp/p-1.png" ] || fail "no PNG"
pdftoppm -r 40 -f 1 -l 1 -gray "$tmp/zh.pdf" "$tmp/g" || fail "pdftoppm pgm"
python3 - "$tmp/g-1.pgm" <<'PY' || fail "page 1 looks blank"
import sys
data = open(sys.argv[1], "rb").read()
# binary PGM: P5\n<w> <h>\n<max>\n<pixels>
parts = data.split(maxsplit=4)
w, h = int(parts[1]), int(parts[2])
px = parts[4][-w * h:]
dark = sum(1 for b in px if b < 160)
colour = sum(1 for b in px if b < 250)
print("page 1: %dx%d, %.1f%% dark, %.1f%% ink" % (w, h, 100 * dark / len(px), 100 * colour / len(px)))
sys.exit(0 if dark > 0.01 * len(px) and colour > 0.05 * len(px) else 1)
PY

# bad input: clear errors, exit 2; usage errors exit 1
echo '{"unit": "kg CO2e", "by_stage": {}}' > "$tmp/nototal.json"
"$T" report "$tmp/nototal.json" --format pdf -o "$tmp/x.pdf" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "missing total: rc=$rc"
grep -q 'nototal.json: total: required number "total"' "$tmp/err" || fail "message: $(cat "$tmp/err")"
[ ! -e "$tmp/x.pdf" ] || fail "a PDF was written for bad input"
printf '{"total": 1,\n "unit": }' > "$tmp/syntax.json"
"$T" report "$tmp/syntax.json" 2>"$tmp/err"; [ $? -eq 2 ] || fail "syntax rc"
grep -q 'syntax.json:2:' "$tmp/err" || fail "syntax position: $(cat "$tmp/err")"
"$T" report "$D/footprint_example.json" --format pdf >/dev/null 2>&1; [ $? -eq 1 ] || fail "pdf without -o"
"$T" report "$D/footprint_example.json" --lang fr >/dev/null 2>&1; [ $? -eq 1 ] || fail "bad lang"
"$T" report /nonexistent.json 2>/dev/null; [ $? -eq 3 ] || fail "missing file should be an I/O error"
"$T" report --help | grep -q 'GB/T 24067' || fail help
# a long product name is carried whole into the PDF's title (a 600-byte buffer once cut it,
# inside a character) and the headers
python3 - "$D/footprint_example.json" "$tmp/long.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["model"]["name"]["zh"] = "电解铝" * 150 + "结尾"
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
"$T" report "$tmp/long.json" --format pdf --lang zh -o "$tmp/long.pdf" 2>"$tmp/long.err" || fail "long name pdf rc=$?"
pdfinfo "$tmp/long.pdf" | grep -q "^Title:.*结尾$" || fail "PDF title cut: $(pdfinfo "$tmp/long.pdf" | grep Title | tail -c 80)"
! grep -qiE "warning|critical|invalid" "$tmp/long.err" || fail "warnings on a long name: $(head -c 300 "$tmp/long.err")"
echo ok

# Bidirectional controls in a name are shown as their code, never obeyed (a name
# "\u202Egnp.exe" must not read as "exe.png"): the PDF's text has no control left.
python3 - "$D/footprint_example.json" "$tmp/bidi.json" <<'PY' || fail "bidi fixture"
import json, sys
fp = json.load(open(sys.argv[1]))
fp["model"]["name"]["en"] = "\u202egnp.exe \u2066x\u2069 \u200f\u061c"
json.dump(fp, open(sys.argv[2], "w"), ensure_ascii=False)
PY
"$T" report "$tmp/bidi.json" --format pdf --lang en -o "$tmp/bidi.pdf" || fail "bidi pdf rc=$?"
pdftotext "$tmp/bidi.pdf" "$tmp/bidi.txt" || fail "pdftotext bidi"
python3 - "$tmp/bidi.txt" <<'PY' || fail "bidi controls reach the PDF"
import sys
t = open(sys.argv[1], encoding="utf-8").read()
bad = [c for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c" if c in t]
assert not bad, "controls in the PDF text: %r" % bad
assert "[U+202E]gnp.exe" in t.replace("\n", " "), t[:400]
PY

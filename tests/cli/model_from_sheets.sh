#!/bin/bash
# tanji model from-sheets: an .xlsx workbook built from the CSV examples (by tests/tools/csv2xlsx,
# with shared strings and with inline strings) gives the same model as the CSV files; sheets are
# found by name (Chinese or English) or --sheet; errors and unmatched lines name the cell
# (bom!B3); hostile workbooks are refused with a clear message and exit 2.
set -u
T=$1
C2X=$TJ_BINARY_DIR/tests/csv2xlsx
[ -x "$C2X" ] || { echo "SKIP: $C2X not built"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for dir in "$TJ_SOURCE_DIR"/examples/activity/*/; do
    E=${dir%/}; p=$(basename "$E")
    args=(--product "$p" --unit t --year 2024)
    sheets=(); csvs=()
    for k in bom energy transport waste; do
        [ -f "$E/$k.csv" ] && { sheets+=("$k=$E/$k.csv"); csvs+=(--"$k" "$E/$k.csv"); }
    done
    "$T" model from-csv "${args[@]}" "${csvs[@]}" --factors "$E/factors-example.csv" -o "$tmp/$p.csv.json" 2>"$tmp/err" \
        || fail "$p csv rc=$? $(cat "$tmp/err")"
    "$C2X" "$tmp/$p.xlsx" "${sheets[@]}" "factors=$E/factors-example.csv" || fail "csv2xlsx $p"
    "$T" model from-sheets "${args[@]}" --workbook "$tmp/$p.xlsx" -o "$tmp/$p.xlsx.json" 2>"$tmp/err" \
        || fail "$p xlsx rc=$? $(cat "$tmp/err")"
    cmp -s "$tmp/$p.csv.json" "$tmp/$p.xlsx.json" || fail "$p: the workbook gives another model than the CSV files"
    n=$((n+1))
done
[ $n -ge 10 ] || fail "only $n example folders"

E=$TJ_SOURCE_DIR/examples/activity/electrolytic_aluminium
args=(--product 电解铝 --product-en "electrolytic aluminium" --unit t --year 2024 --geography CN-YN)
# Chinese sheet names, inline strings (libxlsxwriter's constant-memory mode), an extra sheet
"$C2X" --inline "$tmp/zh.xlsx" "物料清单=$E/bom.csv" "能源台账=$E/energy.csv" "运输=$E/transport.csv" \
    "废弃物=$E/waste.csv" "因子=$E/factors-example.csv" "说明=$E/waste.csv" || fail "csv2xlsx zh"
"$T" model from-csv "${args[@]}" --bom "$E/bom.csv" --energy "$E/energy.csv" --transport "$E/transport.csv" \
    --waste "$E/waste.csv" --factors "$E/factors-example.csv" -o "$tmp/csv.json" 2>/dev/null || fail "csv"
"$T" model from-sheets "${args[@]}" --workbook "$tmp/zh.xlsx" --sheet energy=能源台账 -o "$tmp/zh.json" 2>"$tmp/err" \
    || fail "zh rc=$? $(cat "$tmp/err")"
cmp -s "$tmp/csv.json" "$tmp/zh.json" || fail "Chinese sheet names: another model"
grep -q '7 lines, 3 matched by factor id, 4 by query, 0 unmatched' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
grep -q 'sheets not read.*: 说明' "$tmp/err" || fail "ignored sheet not reported: $(cat "$tmp/err")"
# without --sheet the energy sheet is not found: fewer lines, and it says which sheets it did not read
"$T" model from-sheets "${args[@]}" --workbook "$tmp/zh.xlsx" -o "$tmp/zh2.json" 2>"$tmp/err" || fail "zh2"
grep -q '6 lines' "$tmp/err" && grep -q 'sheets not read.*能源台账, 说明' "$tmp/err" || fail "unread sheets: $(cat "$tmp/err")"
"$T" model from-sheets "${args[@]}" --workbook "$tmp/zh.xlsx" --sheet energy=nope 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'no sheet named "nope"' "$tmp/err" || fail "--sheet missing: rc=$rc $(cat "$tmp/err")"
"$T" model from-sheets "${args[@]}" --workbook "$tmp/zh.xlsx" --sheet fuel=x 2>/dev/null; [ $? -eq 1 ] || fail "--sheet bad kind"
# --bom with a one-sheet workbook, --factors from another workbook's factors sheet
"$C2X" "$tmp/one.xlsx" "Sheet1=$E/bom.csv" || fail csv2xlsx
"$T" model from-sheets "${args[@]}" --bom "$tmp/one.xlsx" --factors "$tmp/zh.xlsx" -o "$tmp/one.json" 2>"$tmp/err" \
    || fail "one-sheet --bom: $(cat "$tmp/err")"
grep -q '3 lines, 1 matched by factor id, 2 by query, 0 unmatched' "$tmp/err" || fail "one-sheet: $(cat "$tmp/err")"

# errors name the cell; unmatched lines are reported by cell
printf '物料,数量,单位\n氧化铝,1.9,t\n,,\n神秘材料,abc,kg\n' > "$tmp/bad.csv"
"$C2X" "$tmp/bad.xlsx" "bom=$tmp/bad.csv" || fail csv2xlsx
"$T" model from-sheets "${args[@]}" --workbook "$tmp/bad.xlsx" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "bad amount rc=$rc"
grep -q 'bad.xlsx: bom!B4: amount "abc" is not a non-negative number' "$tmp/err" || fail "cell error: $(cat "$tmp/err")"
printf '物料,数量,单位\n氧化铝,1.9,t\n神秘材料,3,kg\n' > "$tmp/um.csv"
"$C2X" "$tmp/um.xlsx" "my bom=$tmp/um.csv" || fail csv2xlsx
"$T" model from-sheets "${args[@]}" --bom "$tmp/um.xlsx" --factors "$E/factors-example.csv" -o "$tmp/um.json" 2>"$tmp/err" \
    || fail "unmatched rc=$?"
grep -q "um.xlsx: 'my bom'!A3: 神秘材料: no factor named" "$tmp/err" || fail "unmatched by cell: $(cat "$tmp/err")"
"$T" model from-sheets "${args[@]}" --bom "$tmp/um.xlsx" --factors "$E/factors-example.csv" --strict -o "$tmp/s.json" 2>/dev/null
[ $? -eq 2 ] && [ ! -e "$tmp/s.json" ] || fail "--strict"

# hostile workbooks: refused, exit 2, a clear message
python3 - "$tmp" <<'PY' || fail "building hostile zips"
import sys, zipfile, zlib
d = sys.argv[1]
ws = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'
base = {
 "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
 "xl/workbook.xml": '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="bom" sheetId="1" r:id="r1"/></sheets></workbook>',
 "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
def book(name, sheet, extra=(), store=False):
    with zipfile.ZipFile(f"{d}/{name}", "w", zipfile.ZIP_STORED if store else zipfile.ZIP_DEFLATED) as z:
        for k, v in base.items(): z.writestr(k, v)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for k, v in extra: z.writestr(k, v)
book("bomb.xlsx", ws % (" " * (16 << 20)))
book("entries.xlsx", ws % "", [(f"junk/{i}", "") for i in range(10001)])
book("xml.xlsx", ws % '<row r="1"><c r="A1"><v>1</v></row>')
book("doctype.xlsx", '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + ws % "")
book("crc.xlsx", ws % '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2"><v>1.5</v></c></row>', store=True)
b = bytearray(open(f"{d}/crc.xlsx", "rb").read())
i = b.find(b"<v>1.5</v>"); b[i + 3] = ord("9")
open(f"{d}/crc.xlsx", "wb").write(bytes(b))
PY
for c in "bomb.xlsx:zip bomb" "entries.xlsx:entries; at most 10000" "xml.xlsx:sheet1.xml:1:" "doctype.xlsx:DOCTYPE" \
         "crc.xlsx:CRC"; do
    f=${c%%:*}; want=${c#*:}
    timeout 60 "$T" model from-sheets "${args[@]}" --workbook "$tmp/$f" 2>"$tmp/err"; rc=$?
    [ $rc -eq 2 ] || fail "$f: rc=$rc $(cat "$tmp/err")"
    grep -qF "$want" "$tmp/err" || fail "$f: message: $(cat "$tmp/err")"
done
"$T" model --help | grep -q 'from-sheets' || fail help
echo "model_from_sheets: $n example workbooks, hostile workbooks refused: ok"

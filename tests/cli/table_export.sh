#!/bin/bash
# Tables as .xlsx and CSV: `calc --db --all --format xlsx` and `factor export --format xlsx` read back
# (tests/tools/xlsx2csv, tanji's own reader) hold the same rows and values as the CSV exports; CSV
# exports neutralise formula-leading text; a failed export leaves no file behind.
set -u
T=$1
X2C=$TJ_BINARY_DIR/tests/xlsx2csv
[ -x "$X2C" ] || { echo "SKIP: $X2C not built"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# all products of the openLCA fixture
"$T" migrate --db "$tmp/o.db" >/dev/null || fail "migrate"
"$T" import olca "$TJ_SOURCE_DIR/tests/data/olca/v1" --db "$tmp/o.db" --quiet >/dev/null || fail "import olca"
"$T" calc --db "$tmp/o.db" --all --allocation none --quiet -o "$tmp/all.csv" || fail "all csv"
"$T" calc --db "$tmp/o.db" --all --allocation none --quiet --format xlsx -o "$tmp/all.xlsx" || fail "all xlsx"
"$X2C" "$tmp/all.xlsx" > "$tmp/all.txt" || fail "read back all.xlsx"
python3 - "$tmp/all.csv" "$tmp/all.txt" <<'PY' || fail "all-products xlsx differs from csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
book = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
assert len(rows) == 6 and len(book) == 6, (len(rows), len(book))
assert book[0][0] == "products!1"
for r, b in zip(rows, book):
    cells = [c[2:] if c != "-" else "" for c in b[1:]]
    types = [c[0] for c in b[1:]]
    assert len(cells) == len(r), (r, cells)
    for i, (x, y) in enumerate(zip(r, cells)):
        try:
            fx = float(x)
        except ValueError:
            assert x == y, (x, y); continue
        if r is rows[0]: continue
        assert types[i] == "N", (x, b)
        assert abs(fx - float(y)) <= 1e-5 * abs(fx) + 1e-12, (x, y)  # CSV rounds (10 or 6 digits)
print("all products: %d rows ok" % (len(rows) - 1))
PY
"$T" calc --db "$tmp/o.db" --all --format xlsx 2>"$tmp/err" >/dev/null; [ $? -eq 1 ] || fail "xlsx to stdout"
grep -q 'needs an output file' "$tmp/err" || fail "xlsx stdout message: $(cat "$tmp/err")"
# a failed export leaves no file: an output folder that does not exist
"$T" calc --db "$tmp/o.db" --all --quiet --format xlsx -o "$tmp/nodir/all.xlsx" 2>/dev/null; [ $? -eq 3 ] || fail "no folder rc"
[ -z "$(ls "$tmp" | grep -v -E '^(o.db|all\.(csv|xlsx|txt)|err)$')" ] || fail "stray files: $(ls "$tmp")"

# factor export: xlsx and csv hold the same table; formula-leading text is neutralised in CSV only
cat > "$tmp/f.csv" <<'CSV'
id,name_zh,name_en,unit,value,region,ref_year,source_doc,category
t-formula,公式,"=HYPERLINK(""http://x"")",kWh,0.5703,CN,2023,test source,electricity
t-minus,负号,-leading minus,kg,1.25,CN,2023,test source,material
t-plain,普通,"plain, with comma",t,2,CN,2023,test source,material
CSV
"$T" migrate --db "$tmp/f.db" >/dev/null || fail "migrate f"
"$T" factor import "$tmp/f.csv" --db "$tmp/f.db" >/dev/null 2>"$tmp/err" || fail "factor import: $(cat "$tmp/err")"
"$T" factor export --db "$tmp/f.db" --output "$tmp/fx.csv" 2>/dev/null || fail "export csv"
"$T" factor export --db "$tmp/f.db" --format xlsx --output "$tmp/fx.xlsx" 2>"$tmp/err" || fail "export xlsx: $(cat "$tmp/err")"
grep -q '3 factor version(s) written to' "$tmp/err" || fail "export xlsx summary: $(cat "$tmp/err")"
"$T" factor export --db "$tmp/f.db" > "$tmp/fx_stdout.csv" || fail "export stdout"
cmp -s "$tmp/fx.csv" "$tmp/fx_stdout.csv" || fail "csv to file and to stdout differ"
grep -qF "\"'=HYPERLINK(\"\"http://x\"\")\"" "$tmp/fx.csv" || fail "formula not neutralised: $(grep t-formula "$tmp/fx.csv")"
grep -qF "\"'-leading minus\"" "$tmp/fx.csv" || fail "minus not neutralised"
"$X2C" "$tmp/fx.xlsx" > "$tmp/fx.txt" || fail "read back fx.xlsx"
python3 - "$tmp/fx.csv" "$tmp/fx.txt" <<'PY' || fail "factor xlsx differs from csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
book = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
assert len(rows) == len(book) == 4, (len(rows), len(book))
hdr = rows[0]
for r, b in zip(rows[1:], book[1:]):
    cells = dict(zip(hdr, [c[2:] if c != "-" else "" for c in b[1:]]))
    types = dict(zip(hdr, [c[0] for c in b[1:]]))
    want = dict(zip(hdr, r))
    for k, v in want.items():
        if v.startswith("'"):
            assert cells[k] == v[1:] and types[k] == "T", (k, v, cells[k])   # xlsx: the text as it is
        elif k in ("value", "ref_year", "version"):
            assert types[k] == "N" and float(cells[k]) == float(v), (k, v, cells[k])
        else:
            assert cells.get(k, "") == v, (k, v, cells.get(k))
f = [b for b in book if "T:t-formula" in b][0]
assert 'T:=HYPERLINK("http://x")' in f, f
print("factor export: ok")
PY
"$T" factor export --db "$tmp/f.db" --format xlsx 2>/dev/null; [ $? -eq 1 ] || fail "factor xlsx to stdout"
echo "table_export: ok"

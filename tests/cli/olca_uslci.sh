#!/bin/bash
# USLCI end to end: import the openLCA JSON-LD zip (twice: idempotent), then
# calculate every product and check all of them against an independent
# SciPy implementation of the documented semantics (olca_check.py).
set -euo pipefail
TANJI=$1
ZIP=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/data/lci/uslci_olca1_5_0_json_ld.zip
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if [ ! -f "$ZIP" ]; then
    echo "SKIPPED: $ZIP not found (the USLCI database ships in data/lci/)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$TANJI" migrate --db "$T/u.db" >/dev/null
"$TANJI" import olca "$ZIP" --db "$T/u.db" --format json --quiet >"$T/imp1.json"
"$TANJI" import olca "$ZIP" --db "$T/u.db" --format json --quiet >"$T/imp2.json"
$PY - "$T/imp1.json" "$T/imp2.json" <<'EOF' || fail "import counts"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
want = {"processes": 766, "flows": 4601, "unit_groups": 27, "exchanges": 32526}
for k, v in want.items():
    assert a["imported"][k] == v, (k, a["imported"][k])
    assert a["database"][k] == v, (k, a["database"][k])
    assert b["database"][k] == v, ("re-import duplicated", k, b["database"][k])
assert a["database"] == b["database"], "re-import changed counts"
print("import counts ok")
EOF

# the rows written are exactly those of the earlier importer (jansson-based,
# reading then writing on one thread): a digest of every olca_* table, rows
# sorted (olca_dbsum.py); after the re-import too
WANT=dfdab2dafed21be2c0caf58e0db216f1b065d92045bb950676654d88226be967
GOT=$($PY "$(dirname "$0")/olca_dbsum.py" "$T/u.db")
[ "$GOT" = "$WANT" ] || fail "olca_* rows differ from the reference import: digest $GOT"

# one product as JSON: keys, unit, inventory entries carry flow UUID etc.
PID=c2a7ddaa-164e-3a05-b063-221f68080142 # Transport, single unit truck, long-haul, diesel, West
"$TANJI" calc --db "$T/u.db" --process $PID --amount 2 --format json >"$T/one.json"
$PY - "$T/one.json" <<'EOF' || fail "single product json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["demand"]["unit"] == "t*km", r["demand"]
assert r["demand"]["amount"] == 2
assert r["unit"] == "kg CO2e" and r["gwp"] == "AR6"
inv = r["inventory"]
assert inv and all(len(e["id"]) == 36 and e["name"] and e["unit"] and "compartment" in e for e in inv)
co2 = [e for e in inv if e["name"] == "Carbon dioxide, fossil" and e["compartment"] == "air/unspecified"]
assert co2 and co2[0]["unit"] == "kg" and co2[0]["channel"] == "fossil", co2
tot = r["total"]
ch = r["fossil"] + r["biogenic_emissions"] + r["biogenic_removals"] + r["dluc"] + r["aircraft"]
assert abs(ch - tot) < 1e-9 * max(1, abs(tot))
assert abs(sum(e["co2e"] for e in inv) - tot) < 1e-6 * abs(tot)
assert r["cutoffs"] and r["cutoff_share"] > 0
db = r["database"]
assert db["columns"] == 766 and db["ghg_like_unmapped"], db.keys()
print("single product ok", tot)
EOF

# the amount scales linearly
"$TANJI" calc --db "$T/u.db" --process $PID --format json >"$T/one1.json"
$PY -c "
import json,sys
a=json.load(open('$T/one.json'))['total']; b=json.load(open('$T/one1.json'))['total']
assert abs(a-2*b) < 1e-9*abs(a), (a,b)" || fail "amount scaling"

# unknown process: exit 2
set +e
"$TANJI" calc --db "$T/u.db" --process 00000000-0000-0000-0000-000000000000 >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "unknown process exit code $rc"

for G in AR6 AR5; do
    "$TANJI" calc --db "$T/u.db" --all --gwp $G --format csv --output "$T/all.csv" --quiet
    [ "$(wc -l <"$T/all.csv")" -eq 767 ] || fail "expected 766 rows"
    $PY "$(dirname "$0")/olca_check.py" "$ZIP" "$TJ_SOURCE_DIR/data/gwp/gwp100.csv" "$T/all.csv" \
        --gwp $G || fail "independent check ($G)"
done
echo PASS

#!/bin/bash
# tanji import olca / calc --db on the hand-made fixtures (tests/data/olca):
# folder import (v1 and v2 names), hand-worked footprints, allocation, bad input.
set -euo pipefail
TANJI=$1
FIX=$TJ_SOURCE_DIR/tests/data/olca
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
STEEL=00000000-0000-4000-8000-000000000300
CO=00000000-0000-4000-8000-000000000105

total() { $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['$2'])" "$1"; }
near() { $PY -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-b)<=1e-9*max(1,abs(b)) else 1)" "$1" "$2" || fail "$3: got $1, want $2"; }

for V in v1 v2; do
    DB=$T/$V.db
    "$TANJI" migrate --db "$DB" >/dev/null
    "$TANJI" import olca "$FIX/$V" --db "$DB" --quiet >/dev/null
    "$TANJI" calc --db "$DB" --process $STEEL --allocation none --format json >"$T/s.json"
    near "$($PY -c "import json; r=json.load(open('$T/s.json')); print(r['total'])")" 3.27038 "$V steel"
    "$TANJI" calc --db "$DB" --process=$STEEL --allocation=physical --format=json >"$T/p.json"
    near "$($PY -c "import json; r=json.load(open('$T/p.json')); print(r['total'])")" 2.616304 "$V steel physical"
    # default: the process's own defaultAllocationMethod (PHYSICAL for steel)
    "$TANJI" calc --db "$DB" --process $STEEL --format json -o "$T/p.json"
    near "$($PY -c "import json; r=json.load(open('$T/p.json')); print(r['total'])")" 2.616304 "$V steel physical"
    "$TANJI" calc --db "$DB" --process $STEEL/$CO --allocation physical --amount 2 --format json >"$T/c.json"
    near "$($PY -c "import json; r=json.load(open('$T/c.json')); print(r['total'])")" 2.616304 "$V co-product physical (2 kg)"
    "$TANJI" calc --db "$DB" --all --allocation none --quiet --output "$T/all.csv"
    [ "$(wc -l <"$T/all.csv")" -eq 6 ] || fail "$V: 5 products expected"
    cp "$T/all.csv" "$T/all_$V.csv"
    "$TANJI" calc --db "$DB" --all --allocation physical --quiet --output "$T/allp.csv"
    [ "$(wc -l <"$T/allp.csv")" -eq 7 ] || fail "$V: 6 products expected with allocation"
done

# bad input: exit 2 and the database is not changed
echo "not a zip" >"$T/bad.zip"
set +e
"$TANJI" import olca "$T/bad.zip" --db "$T/v1.db" --quiet >/dev/null 2>"$T/err"
rc=$?
"$TANJI" import olca "$T/missing.zip" --db "$T/v1.db" --quiet >/dev/null 2>&1
rc2=$?
mkdir "$T/empty"
"$TANJI" import olca "$T/empty" --db "$T/v1.db" --quiet >/dev/null 2>&1
rc3=$?
"$TANJI" import olca "$FIX/v1" --quiet >/dev/null 2>&1
rc4=$?
"$TANJI" calc --db "$T/v1.db" --process $STEEL --allocation bogus >/dev/null 2>&1
rc5=$?
set -e
[ $rc -eq 2 ] || fail "not a zip: exit $rc"
grep -q "zip" "$T/err" || fail "error should name the archive problem"
[ $rc2 -eq 3 ] || fail "missing file: exit $rc2"
[ $rc3 -eq 2 ] || fail "empty folder: exit $rc3"
[ $rc4 -eq 1 ] || fail "missing --db: exit $rc4"
[ $rc5 -eq 1 ] || fail "bad --allocation: exit $rc5"
set +e
"$TANJI" calc --db "$T/v1.db" --all --mc 100 >/dev/null 2>&1
rc6=$?
"$TANJI" calc --process $STEEL >/dev/null 2>&1
rc7=$?
set -e
[ $rc6 -eq 1 ] || fail "--mc with --all: exit $rc6"
# Monte Carlo over the imported distributions, reproducible for a seed
"$TANJI" calc --db "$T/v1.db" --process $STEEL --allocation none --mc 500 --seed 9 --format json -o "$T/mc1.json"
"$TANJI" calc --db "$T/v1.db" --process $STEEL --allocation none --mc 500 --seed 9 --format json -o "$T/mc2.json"
$PY - "$T/mc1.json" "$T/mc2.json" <<'PYEOF' || fail "monte carlo"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
u = a["uncertainty"]
assert u["iterations"] == 500 and u["seed"] == 9
assert u["total"]["sd"] > 0 and u["total"]["p2_5"] < a["total"] < u["total"]["p97_5"], u
assert a["uncertainty"] == b["uncertainty"]
PYEOF
[ $rc7 -eq 1 ] || fail "--process without --db: exit $rc7"
"$TANJI" calc --db "$T/v1.db" --process $STEEL --solver iterative --allocation none --format json -o "$T/it.json"
near "$($PY -c "import json; r=json.load(open('$T/it.json')); print(r['total'])")" 3.27038 "iterative solver"
"$TANJI" calc --db "$T/v1.db" --all --allocation none --quiet --output "$T/after.csv"
cmp -s "$T/all_v1.csv" "$T/after.csv" || fail "database changed by failed imports"

# A malformed process file: the import is all or nothing (exit 2, nothing written)
# unless --skip-invalid is given (then the rest is imported and the exit code is 5).
cp -r "$FIX/v1" "$T/broken"
"$TANJI" migrate --db "$T/broken.db" >/dev/null
"$TANJI" migrate --db "$T/clean.db" >/dev/null
printf '{"@type": "Process", "@id": ' >"$T/broken/processes/00000000-0000-4000-8000-0000000003ff.json"
set +e
"$TANJI" import olca "$T/broken" --db "$T/broken.db" --quiet >"$T/out" 2>"$T/err"
rcb=$?
set -e
[ $rcb -eq 2 ] || fail "malformed process file: exit $rcb, want 2"
grep -q "0000000003ff.json" "$T/err" || fail "the error should name the file: $(cat "$T/err")"
grep -q "nothing was imported" "$T/err" || fail "the error should say nothing was imported: $(cat "$T/err")"
n=$($PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM olca_process').fetchone()[0])" "$T/broken.db")
[ "$n" = 0 ] || fail "a refused import wrote $n processes"
set +e
"$TANJI" import olca "$T/broken" --db "$T/broken.db" --skip-invalid --quiet --format json >"$T/skip.json" 2>"$T/err"
rcs=$?
set -e
[ $rcs -eq 5 ] || fail "--skip-invalid with a skipped file: exit $rcs, want 5"
$PY -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['not_used']['invalid_files'] == 1 and r['database']['processes'] == 5, r" "$T/skip.json" \
    || fail "--skip-invalid summary"
set +e
"$TANJI" import olca "$FIX/v1" --db "$T/clean.db" --skip-invalid --quiet >/dev/null 2>&1
rcc=$?
set -e
[ $rcc -eq 0 ] || fail "--skip-invalid without anything skipped: exit $rcc, want 0"
"$TANJI" import --help | grep -q "olca" || fail "help"
echo PASS

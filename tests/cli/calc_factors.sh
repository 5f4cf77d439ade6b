#!/usr/bin/env bash
# tanji calc MODEL --db: factor references resolved in the factor database and
# recorded in the footprint.  SQLite, and PostgreSQL when TJ_PG_URL is set.
set -u
T=$1
src=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TANJI_USER=tester

cat >"$tmp/m.json" <<'JSON'
{"product":{"name":"x","unit":"kg","boundary":"cradle-to-gate","geography":"CN-YN",
  "reference_period":{"start":"2022-01-01","end":"2022-12-31"},"process":"a"},
 "processes":[{"id":"a","stage":"production","exchanges":[
  {"type":"product","direction":"output","flow":"x","amount":1,"unit":"kg"},
  {"type":"product","direction":"input","flow":"el","amount":10,"unit":"kWh","factor":"cn-elec-lca-avg-CN-2023@1"},
  {"type":"product","direction":"input","flow":"grid","amount":1,"unit":"MWh","factor":{"query":"grid electricity"}}]}]}
JSON

run_suite() {
    local DB=$1
    "$T" migrate --db "$DB" >/dev/null || fail "migrate"
    for f in cn_electricity_lifecycle_2023 cn_grid_co2_2021_2023; do
        "$T" factor import "$src/data/factors/$f.csv" --db "$DB" --status published >/dev/null || fail "import $f"
    done
    # 10 kWh x 0.6205 (life-cycle, national 2023) + 1000 kWh x 0.1073 (Yunnan grid 2022)
    "$T" calc "$tmp/m.json" --db "$DB" --format json >"$tmp/r.json" || fail "calc with --db"
    python3 - "$tmp/r.json" <<'PY' || fail "result check"
import json, sys
r = json.load(open(sys.argv[1]))
assert abs(r["total"] - 113.505) < 1e-9, r["total"]
used = {f["id"]: f for f in r["factors_used"]}
assert used["cn-elec-lca-avg-CN-2023"]["version"] == "1" and used["cn-elec-lca-avg-CN-2023"]["origin"] == "database"
y = used["cn-grid-avg-530000-2022"]
assert y["value"] == 0.1073 and "530000" in y["resolution"], y
assert "MEE" in y["source"]
# the grid factor's record gives {"CO2": value}: its part is CO2; the life-cycle
# factor has no breakdown and is reported as not split by gas
g = {x["gas"]: x for x in r["by_gas"]}
assert list(g) == ["CO2"] and abs(g["CO2"]["co2e_from_factors"] - 107.3) < 1e-9 and g["CO2"]["amount_kg"] is None, g
u = r["unsplit_factors"]
assert len(u) == 1 and abs(u[0]["co2e"] - 6.205) < 1e-9 and "cn-elec-lca-avg-CN-2023" in u[0]["flow"], u
PY
    # the model's year decides: a 2023 reference period picks the 2022 Yunnan factor
    # only while no 2023 Yunnan factor exists; national 2023 exists, but province comes first
    sed 's/2022-12-31/2023-12-31/; s/2022-01-01/2023-01-01/' "$tmp/m.json" >"$tmp/m23.json"
    "$T" calc "$tmp/m23.json" --db "$DB" --format json >"$tmp/r23.json" || fail "calc 2023"
    python3 -c "import json; r=json.load(open('$tmp/r23.json')); assert any(f['id']=='cn-grid-avg-530000-2022' for f in r['factors_used'])" \
        || fail "resolution by year"
    # ISO 3166-2 codes name provinces: CN-HB is Hubei (华中 grid), not the North China grid
    "$T" factor resolve "grid electricity" --region CN-HB --year 2022 --db "$DB" >"$tmp/hb.txt" || fail "resolve CN-HB"
    grep -q "cn-grid-avg-GRID-HZ-2022@1" "$tmp/hb.txt" || fail "CN-HB should resolve via 420000 to GRID-HZ: $(cat "$tmp/hb.txt")"
    # a factor's source is carried whole, however long (a 1,024-byte buffer once cut it)
    long=$(python3 -c "print('Source document ' + 'x' * 3000 + ' END')")
    printf 'id,name_en,category,unit,value,region,ref_year,source_doc,source_publisher\nlong-src,Long source,test,kg,2,CN,2020,%s,Publisher P\n' "$long" >"$tmp/long.csv"
    "$T" factor import "$tmp/long.csv" --db "$DB" --status published >/dev/null || fail "import long source"
    sed 's/cn-elec-lca-avg-CN-2023@1/long-src@1/; s/"amount":10,"unit":"kWh"/"amount":1,"unit":"kg"/' "$tmp/m.json" >"$tmp/long.json"
    "$T" calc "$tmp/long.json" --db "$DB" --format json >"$tmp/rl.json" || fail "calc long source"
    python3 -c "
import json; r = json.load(open('$tmp/rl.json'))
s = [f for f in r['factors_used'] if f['id'] == 'long-src'][0]['source']
assert s.endswith(' END; Publisher P') and len(s) > 3000, s[-40:]" || fail "long source cut"
    # a draft version may not be used
    "$T" factor add --db "$DB" --id cn-elec-lca-avg-CN-2023 --name-en "draft" --category electricity --unit kWh --value 9 --region CN --ref-year 2023 >/dev/null 2>&1 \
        || fail "add draft"
    sed 's/cn-elec-lca-avg-CN-2023@1/cn-elec-lca-avg-CN-2023@2/' "$tmp/m.json" >"$tmp/draft.json"
    "$T" calc "$tmp/draft.json" --db "$DB" 2>"$tmp/err" >/dev/null; rc=$?
    [ $rc = 2 ] || fail "draft factor: exit $rc"
    grep -q "only published versions can be used" "$tmp/err" || fail "draft message: $(cat "$tmp/err")"
    # unknown factor
    sed 's/cn-elec-lca-avg-CN-2023@1/no-such-factor/' "$tmp/m.json" >"$tmp/nf.json"
    "$T" calc "$tmp/nf.json" --db "$DB" 2>"$tmp/err" >/dev/null; rc=$?
    [ $rc = 2 ] || fail "unknown factor: exit $rc"
    grep -q "processes\[0\].exchanges\[1\].factor" "$tmp/err" || fail "unknown factor message: $(cat "$tmp/err")"
}

"$T" calc "$tmp/m.json" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc = 2 ] || fail "no --db: exit $rc"
grep -q "no factor database was given" "$tmp/err" || fail "no --db message: $(cat "$tmp/err")"

# SQLite by default; PostgreSQL when ctest runs the _pg variant (TJ_TEST_PG=1),
# which is skipped (exit 77) without a cluster.
if [ "${TJ_TEST_PG:-}" != 1 ]; then
    run_suite "$tmp/f.db"
elif [ -n "${TJ_PG_URL:-}" ]; then
    name=tjcalc_$$
    psql "$TJ_PG_URL" -qAt -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null || fail "create pg db"
    run_suite "${TJ_PG_URL%/*}/$name"
    psql "$TJ_PG_URL" -qAt -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
else
    echo "calc_factors: PostgreSQL SKIPPED (TJ_PG_URL not set)"
    exit 77
fi
echo ok

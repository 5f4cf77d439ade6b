#!/usr/bin/env bash
# Black-box tests of `tanji calc` on model files.
set -u
tanji=$1
src=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect CODE DESCRIPTION -- command...  (stdout -> $tmp/out, stderr -> $tmp/err)
expect() {
  local want=$1 what=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $(head -c 400 "$tmp/err")"; fi
}
contains() { if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks \"$2\": $(head -c 400 "$1")"; fi; }
json() { python3 -c "import json,sys; r=json.load(open('$tmp/out')); $1" >"$tmp/py" 2>&1 && ok || bad "json check '$1': $(cat "$tmp/py")"; }

al=$src/examples/electrolytic-aluminium.json
tea=$src/examples/tea.json

expect 0 "help" -- "$tanji" --help
contains "$tmp/out" "calc"
expect 1 "no command" -- "$tanji"
expect 1 "unknown command" -- "$tanji" frobnicate
expect 0 "calc help" -- "$tanji" calc --help
contains "$tmp/out" "--gwp AR6|AR5"
contains "$tmp/out" "--mc N"
contains "$tmp/out" "exit codes"

# The aluminium example worked by hand (see docs/model-format.md and the example):
# refinery 906.15 kg/t alumina, anode 693.075 kg/t, smelter direct and factors
# -> 12380.2495 kg CO2e per t.
expect 0 "calc text" -- "$tanji" calc "$al"
contains "$tmp/out" "12380.2"
expect 0 "calc json" -- "$tanji" calc "$al" --format json
json "assert abs(r['total'] - 12380.2495) < 1e-6, r['total']"
json "keys = ['total','unit','fossil','biogenic_emissions','biogenic_removals','dluc','aircraft','by_stage','by_gas','by_process','paths','inventory','dqr','cutoff_share','inputs_digest','factors_used','model','solver']; missing=[k for k in keys if k not in r]; assert not missing, missing"
json "assert 'uncertainty' not in r"
# by gas lists greenhouse gases only; background factors without a per-gas
# breakdown (the aluminium example's caustic soda) are their own group, and
# the two together make the total
json "gases = {'CO2','CH4','N2O','CF4','C2F6','SF6','NF3'}; bad = [g['gas'] for g in r['by_gas'] if g['gas'] not in gases and not g['gas'].startswith(('HFC','PFC'))]; assert not bad, bad"
json "names = [u['name'] for u in r['unsplit_factors']]; assert any('caustic soda' in n for n in names), names"
json "s = sum(g['co2e'] for g in r['by_gas']) + sum(u['co2e'] for u in r['unsplit_factors']); assert abs(s - r['total']) < 1e-6 * abs(r['total']), (s, r['total'])"
json "assert abs(sum(r['by_stage'].values()) - r['total']) < 1e-6"
json "assert abs(sum(p['direct'] for p in r['by_process']) - r['total']) < 1e-6"
json "g={x['gas']:x for x in r['by_gas']}; assert abs(g['CF4']['co2e'] - 295.2) < 1e-9, g['CF4']"
json "assert r['by_process'][0]['direct'] >= r['by_process'][-1]['direct']"
json "assert len(r['inputs_digest']) == 64"
json "f=[x for x in r['factors_used'] if x['id']=='cn-lc-electricity-2023'][0]; assert 'MEE' in f['source']"
cp "$tmp/out" "$tmp/ar6.json"
expect 0 "calc AR5" -- "$tanji" calc "$al" --format json --gwp AR5
json "assert abs(r['total'] - (12380.2495 - 0.04*7380 - 0.004*12400 + 0.04*6630 + 0.004*11100)) < 1e-6, r['total']"

# tea: biogenic channels shown separately
expect 0 "tea json" -- "$tanji" calc "$tea" --format json
json "assert r['biogenic_removals'] < 0 and r['biogenic_emissions'] > 0"
json "assert abs(r['total'] - (r['fossil'] + r['biogenic_emissions'] + r['biogenic_removals'] + r['dluc'] + r['aircraft'])) < 1e-9"

# Monte Carlo: reproducible with a seed
expect 0 "mc" -- "$tanji" calc "$al" --format json --mc 500 --seed 11
json "u=r['uncertainty']; assert u['iterations']==500 and u['seed']==11; t=u['total']; assert t['p2_5'] <= t['p50'] <= t['p97_5'] and t['sd'] > 0"
json "t=r['uncertainty']['total']; assert abs(t['mean'] - r['total']) / r['total'] < 0.02, t"
cp "$tmp/out" "$tmp/mc1.json"
expect 0 "mc again" -- "$tanji" calc "$al" --format json --mc 500 --seed 11
if cmp -s <(python3 -c "import json;print(json.load(open('$tmp/mc1.json'))['uncertainty']['total'])") \
          <(python3 -c "import json;print(json.load(open('$tmp/out'))['uncertainty']['total'])"); then ok; else bad "same seed, different MC"; fi
expect 0 "mc other seed" -- "$tanji" calc "$al" --format json --mc 500 --seed 12
if cmp -s <(python3 -c "import json;print(json.load(open('$tmp/mc1.json'))['uncertainty']['total'])") \
          <(python3 -c "import json;print(json.load(open('$tmp/out'))['uncertainty']['total'])"); then bad "different seeds, same MC"; else ok; fi

# both solvers agree
expect 0 "klu" -- "$tanji" calc "$al" --format json --solver klu
json "assert r['solver']['name'] == 'klu'"
cp "$tmp/out" "$tmp/klu.json"
expect 0 "iterative" -- "$tanji" calc "$al" --format json --solver iterative
json "k=json.load(open('$tmp/klu.json')); assert abs(k['total'] - r['total']) < 1e-6 * abs(k['total'])"

# output file
expect 0 "output file" -- "$tanji" calc "$tea" --format json -o "$tmp/res.json"
python3 -c "import json; json.load(open('$tmp/res.json'))" && ok || bad "output file not JSON"

# bad input: exit 2 and a message naming the place
printf '{\n  "product": {\n    "name": "x",,\n  }\n}\n' >"$tmp/syntax.json"
expect 2 "syntax error" -- "$tanji" calc "$tmp/syntax.json"
contains "$tmp/err" "syntax.json:3:"
python3 - "$al" "$tmp/unit.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["processes"][2]["exchanges"][3]["unit"] = "kwh"
json.dump(m, open(sys.argv[2], "w"))
PY
expect 2 "bad unit" -- "$tanji" calc "$tmp/unit.json"
contains "$tmp/err" 'processes[2].exchanges[3].unit: "kwh" is not a known unit; did you mean "kWh"?'
python3 - "$al" "$tmp/neg.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["processes"][0]["exchanges"][1]["amount"] = -5
json.dump(m, open(sys.argv[2], "w"))
PY
expect 2 "negative amount" -- "$tanji" calc "$tmp/neg.json"
contains "$tmp/err" "processes[0].exchanges[1]"
contains "$tmp/err" "negative"
expect 3 "missing file" -- "$tanji" calc "$tmp/nope.json"
contains "$tmp/err" "nope.json"
expect 1 "bad --mc" -- "$tanji" calc "$al" --mc lots
expect 1 "bad --gwp" -- "$tanji" calc "$al" --gwp AR4
expect 1 "bad option" -- "$tanji" calc "$al" --frobnicate
expect 1 "bad format" -- "$tanji" calc "$al" --format xml
head -c 70000000 /dev/zero | tr '\0' ' ' >"$tmp/huge.json"
expect 2 "huge file" -- "$tanji" calc "$tmp/huge.json"
contains "$tmp/err" "over the limit"

# a singular system names the process involved
cat >"$tmp/sing.json" <<'JSON'
{"product":{"name":"x","unit":"kg","boundary":"cradle-to-gate","process":"a"},
 "processes":[{"id":"a","stage":"production","exchanges":[
  {"type":"product","direction":"output","flow":"x","amount":1,"unit":"kg"},
  {"type":"product","direction":"input","flow":"y","amount":1,"unit":"kg","provider":"b"}]},
  {"id":"b","name":"Self-consuming B","stage":"production","exchanges":[
  {"type":"product","direction":"output","flow":"y","amount":1,"unit":"kg"},
  {"type":"product","direction":"input","flow":"y","amount":1,"unit":"kg","provider":"b"}]}]}
JSON
for s in klu iterative; do
  expect 2 "singular ($s)" -- "$tanji" calc "$tmp/sing.json" --solver $s
  contains "$tmp/err" "'b' (Self-consuming B)"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

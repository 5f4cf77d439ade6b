#!/usr/bin/env bash
# Label certification end to end through the command line: catalogue, body and key,
# application through every step, the label issued, exported, verified offline (and an
# altered copy refused), verified online, drawn as SVG and PNG, suspended, listed in the
# registry; a listed entity refused; the expiry job.  SQLite, and PostgreSQL with TJ_TEST_PG.
set -u
T=$1
src=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset TANJI_AS TANJI_NOW
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
DB=$tmp/t.db
if [ -n "${TJ_TEST_PG:-}" ]; then
    [ -n "${TJ_PG_URL:-}" ] || { echo "SKIPPED: TJ_PG_URL not set"; exit 77; }
    name=tjcli_label_$$
    psql "$TJ_PG_URL" -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
    psql "$TJ_PG_URL" -qc "CREATE DATABASE $name" >/dev/null || exit 77
    DB=$(echo "$TJ_PG_URL" | sed -E "s#/[^/?]*(\?|$)#/$name\1#")
    trap 'rm -rf "$tmp"; psql "$TJ_PG_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1' EXIT
fi
export TANJI_DB=$DB
"$T" migrate >/dev/null || fail migrate
"$T" admin org add "监管局" --kind regulator >/dev/null || fail org
"$T" admin org add "铝业A" --kind enterprise --region 530100 >/dev/null || fail org
"$T" admin org add "铝业C" --kind enterprise --region 530000 >/dev/null || fail org
"$T" admin org add "认证中心" --kind certification_body --region 110000 >/dev/null || fail org
"$T" admin user add reg --org "监管局" --roles regulator >/dev/null || fail user
"$T" admin user add alice --org "铝业A" --roles enterprise >/dev/null || fail user
"$T" admin user add carl --org "铝业C" --roles enterprise >/dev/null || fail user
"$T" admin user add auditor --org "认证中心" --roles verifier >/dev/null || fail user

"$T" cert catalogue import "$src/data/certification/catalogue-cn-2025.json" --as alice >/dev/null 2>&1; [ $? = 2 ] \
    || fail "an enterprise edited the catalogue"
"$T" cert catalogue import "$src/data/certification/catalogue-cn-2025.json" --as reg | grep -q "17" || fail catalogue
"$T" cert body register "认证中心" --scope electrolytic_aluminium --as reg >/dev/null || fail "register body"
"$T" cert key new "$tmp/body.key" >"$tmp/body.pub" || fail "key new"
[ "$(stat -c %a "$tmp/body.key")" = 600 ] || fail "key file mode"
"$T" cert key add "认证中心" --public-key "$tmp/body.pub" --as reg >/dev/null || fail "key add"

M=$src/tests/data/certifiable-aluminium.json
fp=$("$T" calc "$M" --save --rule tpl.cn.electrolytic_aluminium --as alice --format json | jq_ 'd["footprint_id"]') \
    || fail save
app=$("$T" cert apply "$fp" --body "认证中心" --as alice) || fail apply
"$T" cert step "$app" accept --as alice >/dev/null 2>&1; [ $? = 2 ] || fail "the applicant accepted"
"$T" cert step "$app" inspect --as auditor >/dev/null 2>&1; [ $? = 2 ] || fail "a step was skipped"
"$T" cert step "$app" accept --as auditor >/dev/null || fail accept
for s in plan review_documents inspect verify evaluate; do
    echo "$s record" >"$tmp/$s.txt"
    "$T" cert step "$app" $s --as auditor >/dev/null 2>&1; [ $? = 2 ] || fail "$s without evidence"
    "$T" cert doc "$app" "$tmp/$s.txt" --type text/plain --as auditor >/dev/null || fail "doc $s"
    "$T" cert step "$app" $s --comment "done" --due 2030-01-01 --as auditor >/dev/null || fail "$s"
done
"$T" cert step "$app" decide --as auditor >/dev/null 2>&1; [ $? = 1 ] || fail "decide without a key"
out=$("$T" cert step "$app" decide --key "$tmp/body.key" --as auditor) || fail decide
num=$(echo "$out" | sed -E 's/.*label //')
case "$num" in CN-530000-20[0-9][0-9]-000001) ;; *) fail "label number: $out" ;; esac

"$T" label export "$num" -o "$tmp/label.json" || fail export
"$T" cert key export >"$tmp/keyring.json" || fail "keyring"
"$T" label verify "$tmp/label.json" --keyring "$tmp/keyring.json" >"$tmp/v.out" 2>&1 || fail "offline verify: $(cat "$tmp/v.out")"
"$T" label verify "$tmp/label.json" --keyring "$tmp/body.pub" >/dev/null 2>&1 || fail "offline verify, one key"
python3 - "$tmp/label.json" "$tmp/altered.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["label"]["value"] = d["label"]["value"] / 2
json.dump(d, open(sys.argv[2], "w"))
PY
"$T" label verify "$tmp/altered.json" --keyring "$tmp/keyring.json" >/dev/null 2>&1; [ $? = 6 ] || fail "altered label"
"$T" label verify "$num" >/dev/null 2>&1 || fail "online verify"
"$T" label svg "$num" -o "$tmp/label.svg" && grep -q "$num" "$tmp/label.svg" || fail svg
"$T" label png "$tmp/label.json" -o "$tmp/label.png" --scale 2 || fail png
head -c 4 "$tmp/label.png" | od -c | grep -q "P   N   G" || fail "png magic"

# offline verification time (the target is < 5 ms a run)
start=$(date +%s%N)
for i in $(seq 20); do "$T" label verify "$tmp/label.json" --keyring "$tmp/keyring.json" >/dev/null 2>&1; done
end=$(date +%s%N)
echo "label verify offline: $(( (end - start) / 20000 )) us a run (20 runs, process start included)"

"$T" label suspend "$num" --reason "test" --as alice >/dev/null 2>&1; [ $? = 2 ] || fail "holder suspended"
"$T" label suspend "$num" --reason "findings" --as auditor >/dev/null || fail suspend
"$T" label verify "$num" >/dev/null 2>&1; [ $? = 6 ] || fail "suspended label verified"
"$T" label reinstate "$num" --as auditor >/dev/null || fail reinstate
[ "$("$T" registry search --company "铝业" | jq_ 'len(d["items"])')" = 1 ] || fail "registry search"
"$T" registry esg --as alice --format html --lang zh | grep -q "$num" || fail esg

fpc=$("$T" calc "$M" --save --rule tpl.cn.electrolytic_aluminium --as carl --format json | jq_ 'd["footprint_id"]')
"$T" cert dishonest add "铝业C" --reason "falsified data" --basis "test basis" --as reg >/dev/null || fail "list"
"$T" cert apply "$fpc" --body "认证中心" --as carl >/dev/null 2>"$tmp/err"; [ $? = 2 ] || fail "listed entity applied"
grep -q "dishonest" "$tmp/err" || fail "listed message: $(cat "$tmp/err")"
[ "$("$T" cert dishonest list --as alice | jq_ 'len(d)')" = 1 ] || fail "public list"

TANJI_NOW=2099-01-01T00:00:00Z "$T" label expire | grep -q "^1 labels expired" || fail expire
"$T" label verify "$num" >/dev/null 2>&1; [ $? = 6 ] || fail "expired label verified"
"$T" ledger verify >/dev/null 2>&1 || fail "ledger verify"
echo "label: ok"

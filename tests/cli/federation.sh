#!/usr/bin/env bash
# Federation end to end with three instances on loopback: national (国家), Yunnan (云南) and
# Hainan (海南).  Yunnan certifies a label and publishes a factor; the national instance pulls
# Yunnan's package from a file, Hainan pulls from Yunnan's server (HTTP); the label verifies on
# Hainan online and offline; Yunnan revokes it and the revocation arrives with the next pull.
# A tampered package, a package signed by an untrusted key, a replayed old package and a
# rewritten log are each refused with their reason and change nothing.  A national rule
# supersedes Yunnan's provincial one; a factor resolves with its origin; a recognition record
# names the foreign rule a footprint's rule corresponds to.
# SQLite; with TJ_TEST_PG the national instance runs on PostgreSQL (skipped without TJ_PG_URL).
set -u
T=$1
src=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); [ -n "${TJ_KEEP_TMP:-}" ] && echo "tmp: $tmp" >&2
server_pid=
hserver_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -n "$hserver_pid" ] && kill "$hserver_pid" 2>/dev/null; wait 2>/dev/null; [ -n "${TJ_KEEP_TMP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
unset TANJI_AS TANJI_NOW TANJI_DB TANJI_LEDGER_KEY
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

NDB=$tmp/n.db
if [ -n "${TJ_TEST_PG:-}" ]; then
    [ -n "${TJ_PG_URL:-}" ] || { echo "SKIPPED: TJ_PG_URL not set"; exit 77; }
    name=tjcli_fed_$$
    psql "$TJ_PG_URL" -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
    psql "$TJ_PG_URL" -qc "CREATE DATABASE $name" >/dev/null || exit 77
    NDB=$(echo "$TJ_PG_URL" | sed -E "s#/[^/?]*(\?|$)#/$name\1#")
    trap 'cleanup; psql "$TJ_PG_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1' EXIT
fi
tN() { TANJI_DB=$NDB TANJI_LEDGER_KEY=$tmp/n.key "$T" "$@"; }
tY() { TANJI_DB=$tmp/y.db TANJI_LEDGER_KEY=$tmp/y.key "$T" "$@"; }
tH() { TANJI_DB=$tmp/h.db TANJI_LEDGER_KEY=$tmp/h.key "$T" "$@"; }
tF() { TANJI_DB=$tmp/fork.db TANJI_LEDGER_KEY=$tmp/y.key "$T" "$@"; } # a copy of Yunnan that rewrites history

tN admin init >/dev/null || fail "national init"
tY admin init >/dev/null || fail "yunnan init"
tH admin init >/dev/null || fail "hainan init"
tN federation identity set --name national --jurisdiction CN >/dev/null || fail "identity national"
tY federation identity set --name yunnan --jurisdiction 530000 >/dev/null || fail "identity yunnan"
tH federation identity set --name hainan --jurisdiction 460000 >/dev/null || fail "identity hainan"
tY federation identity set --name yunnan --jurisdiction XX9 >/dev/null 2>&1; [ $? = 2 ] || fail "bad jurisdiction accepted"

# --- Yunnan: a published factor, a certified label, a provincial rule ---
tY factor add --id yn-coffee --name-zh 小粒咖啡 --category agriculture --unit kg --value 3.1 --region 530000 \
    --source "example, not real data" --quality example >/dev/null || fail "factor add"
for s in submit review approve publish; do tY factor $s yn-coffee >/dev/null || fail "factor $s"; done
tY factor add --id yn-draft --name-zh 草稿 --category agriculture --unit kg --value 1 --region 530000 >/dev/null \
    || fail "draft factor"
tY admin org add "监管局" --kind regulator >/dev/null || fail org
tY admin org add "铝业A" --kind enterprise --region 530100 >/dev/null || fail org
tY admin org add "认证中心" --kind certification_body --region 530000 >/dev/null || fail org
tY admin user add reg --org "监管局" --roles regulator >/dev/null || fail user
tY admin user add alice --org "铝业A" --roles enterprise >/dev/null || fail user
tY admin user add auditor --org "认证中心" --roles verifier >/dev/null || fail user
out=$(tY cert catalogue import "$src/data/certification/catalogue-cn-2025.json" --as reg 2>&1) || fail "catalogue: $out"
tY cert body register "认证中心" --scope electrolytic_aluminium --as reg >/dev/null || fail "register body"
tY cert key new "$tmp/body.key" >"$tmp/body.pub" || fail "key new"
tY cert key add "认证中心" --public-key "$tmp/body.pub" --as reg >/dev/null || fail "key add"
fp=$(tY calc "$src/tests/data/certifiable-aluminium.json" --save --rule tpl.cn.electrolytic_aluminium --as alice \
    --format json | jq_ 'd["footprint_id"]') || fail "save footprint"
app=$(tY cert apply "$fp" --body "认证中心" --as alice) || fail apply
tY cert step "$app" accept --as auditor >/dev/null || fail accept
for s in plan review_documents inspect verify evaluate; do
    echo "$s record" >"$tmp/$s.txt"
    tY cert doc "$app" "$tmp/$s.txt" --type text/plain --as auditor >/dev/null || fail "doc $s"
    tY cert step "$app" $s --comment done --as auditor >/dev/null || fail "$s"
done
num=$(tY cert step "$app" decide --key "$tmp/body.key" --as auditor | sed -E 's/.*label //') || fail decide
case "$num" in CN-*) ;; *) fail "label number: $num" ;; esac

# rules: a provincial rule in Yunnan, a national one for the same product nationally
mkdir -p "$tmp/yrules" "$tmp/nrules"
python3 - "$src/data/rules/tpl.530000.tea.json" "$tmp" <<'PY' || fail "rules"
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("supersedes", None)
d.update(template=False, status="in_force", effective="2024-01-01")
y = dict(d, id="yn.tea", version="1.0.0", level="local", region="530000")
n = dict(d, id="cn.tea", version="1.0.0", level="national")
n.pop("region", None)
json.dump(y, open(sys.argv[2] + "/yrules/yn.tea.json", "w"), ensure_ascii=False)
json.dump(n, open(sys.argv[2] + "/nrules/cn.tea.json", "w"), ensure_ascii=False)
PY
tY federation rules record --rules "$tmp/yrules" | grep -q "^1 " || fail "yunnan rules record"
tN federation rules record --rules "$tmp/nrules" | grep -q "^1 " || fail "national rules record"

# --- identities and trust ---
for i in N Y H; do t$i federation identity export -o "$tmp/$i.id.json" || fail "identity export $i"; done
tN federation trust add "$tmp/Y.id.json" --for factors,rules,labels,dishonest >/dev/null || fail "trust Y at N"
tH federation trust add "$tmp/Y.id.json" --for labels >/dev/null || fail "trust Y at H"
tY federation trust add "$tmp/N.id.json" --for rules >/dev/null || fail "trust N at Y"
tN federation trust add "$tmp/Y.id.json" --for bogus >/dev/null 2>&1; [ $? = 2 ] || fail "unknown scope accepted"
python3 - "$tmp/Y.id.json" "$tmp/Y.bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["jurisdiction"] = "110000"; json.dump(d, open(sys.argv[2], "w"))
PY
tH federation trust add "$tmp/Y.bad.json" --for labels >/dev/null 2>&1; [ $? = 2 ] || fail "altered identity accepted"

# a copy of Yunnan as it is now, to rewrite history later
python3 -c 'import sqlite3,sys; a=sqlite3.connect(sys.argv[1]); b=sqlite3.connect(sys.argv[2]); a.backup(b); b.close()' \
    "$tmp/y.db" "$tmp/fork.db" || fail "fork copy"

# --- publish in Yunnan, pull nationally (file) ---
tY federation publish -o "$tmp/p1.ndjson" 2>/dev/null || fail "publish 1"
grep -q yn-draft "$tmp/p1.ndjson" && fail "a draft factor was published"
grep -q '"object_type":"footprint"' "$tmp/p1.ndjson" && fail "a footprint was published"
out=$(tN federation pull yunnan --file "$tmp/p1.ndjson") || fail "pull 1: $out"
tN federation objects label --format json | grep -q "$num" || fail "label not imported nationally"
tN federation objects factor_version | grep -q "yn-coffee@1" || fail "factor not imported"
tN federation factor resolve yn-coffee | jq_ 'd["origin"], d["factor"]["value"]' | tr '\n' ' ' \
    | grep -q "^yunnan 3.1" || fail "factor resolve with origin"
# a national footprint that uses Yunnan's factor records where it came from
cat >"$tmp/coffee.json" <<'EOF'
{"tanji_model": 1, "example": true, "product": {"name": {"zh": "烘焙咖啡", "en": "roasted coffee (example)"},
 "unit": "kg", "amount": 1, "boundary": "cradle-to-gate", "geography": "CN-YN"},
 "processes": [{"id": "roast", "name": "roasting", "stage": "production", "exchanges": [
  {"type": "product", "direction": "output", "flow": "roasted coffee", "amount": 1, "unit": "kg"},
  {"type": "product", "direction": "input", "flow": "green coffee", "amount": 2, "unit": "kg", "factor": "yn-coffee"}]}]}
EOF
out=$(tN calc "$tmp/coffee.json" --save --format json 2>/dev/null) || fail "calc with a federated factor: $out"
echo "$out" | grep -q "federated instance yunnan (530000)" || fail "the footprint does not record the factor's origin: $out"
echo "$out" | grep -q '"total": 6.2' || fail "footprint total with the federated factor: $out"

# --- Hainan pulls from Yunnan's server (HTTP on loopback) ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TANJI_DB=$tmp/y.db "$T" serve --listen 127.0.0.1:$port --set ledger_key=$tmp/y.key --set access_log= \
    --set head_interval=1 >"$tmp/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/api/v1/federation/identity" | grep -q '"yunnan"' || fail "identity route"
tH federation pull yunnan --url "http://127.0.0.1:$port/api/v1/federation/package?since=0" >/dev/null \
    || fail "hainan pull over HTTP"
out=$(tH federation label verify "$num") || fail "label does not verify on Hainan: $out"
echo "$out" | grep -q "VALID" || fail "verify output: $out"
echo "$out" | grep -q "yunnan" || fail "verify names no origin: $out"
tH federation label verify "$num" --format json | jq_ 'd["knowledge"]["last_pull_at"] is not None' | grep -q True \
    || fail "verify says nothing of its freshness"
tY federation label verify "$num" | grep -q "this instance" || fail "a local label through federation verify"
# offline: the document Yunnan exports, checked on Hainan with what Hainan pulled
tY label export "$num" -o "$tmp/label.json" || fail "label export"
tH federation label verify "$tmp/label.json" >/dev/null || fail "offline document does not verify on Hainan"
# the plain commands consult the federated data too: `tanji label verify NUMBER` on Hainan finds
# Yunnan's label (read-only, its origin, how fresh the knowledge is)
out=$(tH label verify "$num" 2>"$tmp/err.txt") || fail "tanji label verify NUMBER on Hainan: $out $(cat "$tmp/err.txt")"
echo "$out" | jq_ 'd["origin"]["peer"], d["checks"]["mode"], d["ok"]' | tr '\n' ' ' | grep -q "^yunnan federated True" \
    || fail "label verify NUMBER: origin/mode: $out"
grep -q "issued by instance yunnan (530000)" "$tmp/err.txt" || fail "label verify names no origin: $(cat "$tmp/err.txt")"
grep -Eq "knowledge as of [0-9T:-]+Z, [0-9]+ minutes? old" "$tmp/err.txt" \
    || fail "label verify says nothing of its freshness: $(cat "$tmp/err.txt")"
tH label verify "CN-460000-2099-000009" >/dev/null 2>&1 && fail "an unknown label verifies"
# offline (the launcher, no database): the keyring of Yunnan's bodies as pulled by Hainan, with
# Yunnan's ledger key from the trust list; the document with its inclusion proof from Yunnan's server
tH federation keyring yunnan -o "$tmp/h.kr.json" || fail "federation keyring"
jq_ 'd["ledger_public_key"] == d["instance"]["public_key"] and len(d["keys"]) == 1' <"$tmp/h.kr.json" | grep -q True \
    || fail "keyring: $(cat "$tmp/h.kr.json")"
curl -sf "http://127.0.0.1:$port/api/v1/public/labels/$num?proof=true" >"$tmp/label.proof.json" || fail "label with proof"
env -u TANJI_DB "$T" label verify "$tmp/label.proof.json" --keyring "$tmp/h.kr.json" >"$tmp/off.json" 2>/dev/null \
    || fail "offline verify of Yunnan's label with Hainan's keyring: $(cat "$tmp/off.json")"
jq_ 'd["checks"]["ledger_proof"]' <"$tmp/off.json" | grep -q '^ok$' || fail "offline: proof not checked: $(cat "$tmp/off.json")"
# the same document with another instance's ledger key (national) fails
python3 - "$tmp/h.kr.json" "$tmp/N.id.json" "$tmp/bad.kr.json" <<'PY2'
import json, sys
k = json.load(open(sys.argv[1])); k["ledger_public_key"] = json.load(open(sys.argv[2]))["public_key"]
json.dump(k, open(sys.argv[3], "w"))
PY2
"$T" label verify "$tmp/label.proof.json" --keyring "$tmp/bad.kr.json" >/dev/null 2>&1; [ $? = 6 ] \
    || fail "offline verify with the wrong instance key passed"
tH federation keyring national >/dev/null 2>&1 && fail "a keyring of an instance not on the trust list"
# Hainan's public label routes answer for Yunnan's label
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TANJI_DB=$tmp/h.db "$T" serve --listen 127.0.0.1:$hport --set ledger_key=$tmp/h.key --set access_log= \
    >"$tmp/hserve.log" 2>&1 &
hserver_pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$hport/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$hport/api/v1/public/labels/$num" | jq_ 'd["origin"]["peer"], d["status"]["status"]' \
    | tr '\n' ' ' | grep -q "^yunnan valid" || fail "Hainan's public label route"
curl -sf "http://127.0.0.1:$hport/api/v1/public/labels/$num/verify" \
    | jq_ 'd["ok"], d["origin"]["peer"], " old (last pull from yunnan" in d["knowledge"]["summary_en"]' | tr '\n' ' ' \
    | grep -q "^True yunnan True" || fail "Hainan's public verify route"
# Hainan trusts Yunnan for labels only: no factors
tH federation objects factor_version | grep -q yn-coffee && fail "Hainan imported factors it does not trust Yunnan for"

# --- Yunnan pulls the national rules: the national rule supersedes the provincial one ---
tN federation publish -o "$tmp/n1.ndjson" 2>/dev/null || fail "national publish"
tY federation pull national --file "$tmp/n1.ndjson" >/dev/null || fail "yunnan pulls national"
out=$(tY federation rule find tea --region 530100 --rules "$tmp/yrules" --format json) || fail "rule find"
echo "$out" | python3 -c '
import json, sys
d = {r["id"]: r for r in json.load(sys.stdin)["rules"]}
assert d["cn.tea"]["applies"] and d["cn.tea"]["origin"] == "national", d
assert not d["yn.tea"]["applies"] and d["yn.tea"]["because"] == "cn.tea", d
assert "national" in d["yn.tea"]["explain_en"].lower(), d["yn.tea"]["explain_en"]
' || fail "national rule does not supersede the provincial one: $out"
# the plain `tanji rule find` with a database weighs the pulled rules the same way
out=$(tY rule find --product tea --region 530100 --rules "$tmp/yrules" --format json) || fail "rule find: $out"
echo "$out" | python3 -c '
import json, sys
d = {r["id"]: r for r in json.load(sys.stdin)["rules"]}
assert d["cn.tea"]["applies"] and d["cn.tea"]["origin"] == "national", d
assert not d["yn.tea"]["applies"] and d["yn.tea"]["displaced_by"] == "cn.tea", d
assert d["yn.tea"]["displaced_by_origin"] == "national" and d["yn.tea"]["origin"] == "local", d
assert "national rule cn.tea" in d["yn.tea"]["reason"], d["yn.tea"]["reason"]
' || fail "rule find: the national rule does not supersede the provincial one: $out"
tY rule find --product tea --region 530100 --rules "$tmp/yrules" | grep -q "from instance national" \
    || fail "rule find (text) names no origin"
env -u TANJI_DB "$T" rule find --product tea --region 530100 --rules "$tmp/yrules" --format json | grep -q cn.tea \
    && fail "rule find without a database knows the national rule"

# --- refusals change nothing ---
state_of() { tN federation objects label --format json; tN federation trust list --format json | python3 -c '
import json,sys; print([(p["name"], p["head_size"], p["head_root"]) for p in json.load(sys.stdin)])'; }
before=$(state_of)
s1=$(tN federation trust list --format json | jq_ '[p for p in d if p["name"]=="yunnan"][0]["head_size"]')
# untrusted key: Hainan's own package at the national instance
tH federation publish -o "$tmp/h1.ndjson" 2>/dev/null || fail "hainan publish"
out=$(tN federation pull --file "$tmp/h1.ndjson" 2>&1); rc=$?
[ $rc = 6 ] || fail "untrusted key: exit $rc: $out"
echo "$out" | grep -q "untrusted key" || fail "untrusted key reason: $out"

# revoke in Yunnan; the next package
tY label revoke "$num" --reason "findings at surveillance" --as auditor >/dev/null || fail revoke
tY federation publish --since "$s1" -o "$tmp/p2.ndjson" 2>/dev/null || fail "publish 2"
# tampered: the revocation turned back into "valid" in the package
sed 's/"status":"revoked"/"status":"valid"/' "$tmp/p2.ndjson" >"$tmp/p2.bad.ndjson"
cmp -s "$tmp/p2.ndjson" "$tmp/p2.bad.ndjson" && fail "the tampering did not change the package"
out=$(tN federation pull yunnan --file "$tmp/p2.bad.ndjson" 2>&1); rc=$?
[ $rc = 6 ] && echo "$out" | grep -q "tampered" || fail "tampered package: exit $rc: $out"
# tampered: an item dropped (the package signature covers every line)
sed '2d' "$tmp/p2.ndjson" >"$tmp/p2.cut.ndjson"
out=$(tN federation pull yunnan --file "$tmp/p2.cut.ndjson" 2>&1); rc=$?
[ $rc = 6 ] && echo "$out" | grep -q "tampered" || fail "package with an item dropped: exit $rc: $out"
[ "$(state_of)" = "$before" ] || fail "a refused package changed something"
tN federation log yunnan | grep -q REFUSED || fail "refusals are not logged"

# the real one: the revocation arrives
tN federation pull yunnan --file "$tmp/p2.ndjson" >/dev/null || fail "pull 2"
tN federation objects label | grep "$num" | grep -q revoked || fail "revocation did not arrive nationally"
tH federation pull yunnan >/dev/null 2>&1 && fail "hainan pulled without a URL known"
tH federation pull yunnan --url "http://127.0.0.1:$port/api/v1/federation/package?since=$s1" >/dev/null \
    || fail "hainan pull 2"
out=$(tH label verify "$num" 2>/dev/null); rc=$?
[ $rc = 6 ] && echo "$out" | jq_ 'd["status"]' | grep -q revoked || fail "revoked label: tanji label verify on Hainan: $rc $out"
curl -sf "http://127.0.0.1:$hport/api/v1/public/labels/$num/verify" | jq_ 'd["ok"], d["status"]' | tr '\n' ' ' \
    | grep -q "^False revoked" || fail "Hainan's public verify route after the revocation"
out=$(tH federation label verify "$num"); rc=$?
[ $rc = 6 ] && echo "$out" | grep -q revoked || fail "revoked label still verifies on Hainan: $rc $out"
tH federation label verify "$tmp/label.json" >/dev/null 2>&1; [ $? = 6 ] \
    || fail "the old document (status valid) verifies after the revocation arrived"

# replayed old package
before=$(state_of)
out=$(tN federation pull yunnan --file "$tmp/p1.ndjson" 2>&1); rc=$?
[ $rc = 6 ] && echo "$out" | grep -q "replayed" || fail "replayed package: exit $rc: $out"
# rewritten log: the copy of Yunnan made before publishing writes another history
tF label suspend "$num" --reason "another story" --as auditor >/dev/null || fail "fork suspend"
for i in 1 2 3 4 5; do tF admin org add "org$i" --kind enterprise >/dev/null || fail "fork org"; done
s2=$(tN federation trust list --format json | jq_ '[p for p in d if p["name"]=="yunnan"][0]["head_size"]')
tF federation publish --since "$s2" -o "$tmp/fork.ndjson" 2>/dev/null || fail "fork publish"
out=$(tN federation pull yunnan --file "$tmp/fork.ndjson" 2>&1); rc=$?
[ $rc = 6 ] && echo "$out" | grep -q "rewritten log" || fail "rewritten log: exit $rc: $out"
[ "$(state_of)" = "$before" ] || fail "a refused package changed something"
# up to date: the same head again is not an error
tY federation publish --since "$s2" -o "$tmp/p3.ndjson" 2>/dev/null || fail "publish 3"
tN federation pull yunnan --file "$tmp/p3.ndjson" | grep -q "up to date\|pulled" || fail "pull with nothing new"

# --- mutual recognition ---
cat >"$tmp/rec.json" <<'EOF'
{"scheme": "example ASEAN partner scheme (illustrative)", "partner": "LA example body", "jurisdiction": "LA",
 "crosswalk": [{"tanji_rule": "yn.tea", "foreign_rule": "EXAMPLE-TEA-1", "differences": ["cut-off 1% vs 5%"]}],
 "labels": ["CN-530000-*"], "bodies": ["认证中心"]}
EOF
tH federation recognition add "$tmp/rec.json" >/dev/null 2>&1; [ $? = 0 ] || fail "recognition add"
tH federation recognition for yn.tea@1.0.0 | jq_ 'd[0]["foreign_rule"]' | grep -q EXAMPLE-TEA-1 || fail "recognition for rule"
tH federation recognition for cn.tea | jq_ 'len(d)' | grep -q '^0$' || fail "recognition for another rule"
curl -sf "http://127.0.0.1:$port/api/v1/federation/peers" | grep -q national || fail "peers route"
# an exported footprint says under which recognition it may be accepted
sed 's/"yn.tea"/"tpl.cn.electrolytic_aluminium"/' "$tmp/rec.json" >"$tmp/rec2.json"
tY federation recognition add "$tmp/rec2.json" --as reg >/dev/null || fail "recognition add (regulator)"
tY federation recognition add "$tmp/rec2.json" --as alice >/dev/null 2>&1; [ $? = 2 ] || fail "an enterprise added a recognition"
tY federation recognition for-footprint "$fp" --as alice | jq_ 'd["accepted_under"][0]["foreign_rule"]' \
    | grep -q EXAMPLE-TEA-1 || fail "footprint recognitions"

# the ledgers of all three still verify, and check the federation records against the database
for i in N Y H; do t$i ledger verify >/dev/null || fail "ledger verify $i"; done
# a trust list, identity or recognition changed behind the ledger's back is found
for change in "UPDATE fed_peer SET scopes = 'factors,rules,labels,dishonest' WHERE name = 'yunnan'|federation_peer" \
    "UPDATE fed_self SET jurisdiction = '110000'|federation_identity" \
    "UPDATE fed_recognition SET document = replace(document, 'cut-off 1% vs 5%', 'none')|recognition"; do
    python3 -c 'import sqlite3,sys; a=sqlite3.connect(sys.argv[1]); b=sqlite3.connect(sys.argv[2]); a.backup(b); b.close()' \
        "$tmp/h.db" "$tmp/h2.db" || fail "copy"
    sqlite3 "$tmp/h2.db" "${change%|*}" || fail "tamper ${change#*|}"
    TANJI_DB=$tmp/h2.db TANJI_LEDGER_KEY=$tmp/h.key "$T" ledger verify >"$tmp/v.txt" 2>&1; rc=$?
    [ $rc = 6 ] && grep -q "^state *${change#*|}" "$tmp/v.txt" \
        || fail "tampered ${change#*|} not found by ledger verify: $rc $(cat "$tmp/v.txt")"
    rm -f "$tmp/h2.db"
done
echo "ok"

#!/bin/bash
# tanji factor: add -> submit -> review -> approve -> publish -> new version supersedes,
# history, show, search, errors and exit codes.  SQLite, and PostgreSQL when TJ_PG_URL is set.
set -u
T=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TANJI_AS=alice

run_suite() {
    local DB=$1
    "$T" migrate --db "$DB" >/dev/null || fail "migrate"
    # principals: alice submits for a coffee company, expert reviews, reg
    # publishes (the regulator), bob belongs to another company
    local org other
    org=$(TANJI_AS= "$T" admin org add "Yunnan Coffee Co" --kind enterprise --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "org"
    other=$(TANJI_AS= "$T" admin org add "Other Co" --kind enterprise --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "org 2"
    panel=$(TANJI_AS= "$T" admin org add "Expert panel" --kind expert_panel --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "org 3"
    TANJI_AS= "$T" admin user add alice --org "$org" --roles submitter --db "$DB" >/dev/null || fail "user alice"
    TANJI_AS= "$T" admin user add bob --org "$other" --roles enterprise --db "$DB" >/dev/null || fail "user bob"
    TANJI_AS= "$T" admin user add expert --org "$panel" --roles reviewer --db "$DB" >/dev/null || fail "user expert"
    TANJI_AS= "$T" admin user add reg --org operator --roles regulator --db "$DB" >/dev/null || fail "user reg"
    out=$("$T" factor add --db "$DB" --id yn-tea --name-zh 普洱茶 --name-en "Pu'er tea" --category agriculture \
        --unit kg --value 2.5 --region 云南 --year 2023 --quality example) || fail "add rc=$?"
    [ "$out" = "yn-tea@1 draft" ] || fail "add output: $out"
    "$T" factor submit --db "$DB" yn-tea 2>"$tmp/err"; rc=$?
    [ $rc -eq 2 ] && grep -q 'source' "$tmp/err" || fail "submit without source: rc=$rc $(cat "$tmp/err")"
    "$T" factor publish --db "$DB" yn-tea >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] || fail "publish a draft: expected 2, got $rc"

    "$T" factor add --db "$DB" --id yn-tea --name-zh x --category c --unit kg --value 1 --region CN >/dev/null 2>&1
    [ $? -eq 2 ] || fail "second version while v1 is a draft should be refused"
    # v1 is stuck without a source: reject is only for submitted/under review; add v2 after rejecting is tested below
    out=$("$T" factor add --db "$DB" --id yn-coffee --name-zh 小粒咖啡 --name-en "Arabica coffee" --category agriculture \
        --unit kg --value 3.1 --region 530800 --year 2023 --source "Example report 示例" --quality example --format json) || fail "add json"
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["id"]=="yn-coffee" and d["version"]==1 and d["region_level"]=="city", d' || fail "add json: $out"
    printf 'monitoring report\n' >"$tmp/report.txt"
    "$T" factor add --db "$DB" --id yn-ev --name-en ev --category c --unit kg --value 1 --region CN \
        --source doc --evidence-file "$tmp/report.txt" >/dev/null || fail "add with evidence file"
    want=$(sha256sum "$tmp/report.txt" | cut -c1-64)
    "$T" factor show --db "$DB" yn-ev --format json | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['evidence']==['$want=report.txt'], d" || fail "evidence digest"
    # another organisation does not see the draft (as if it did not exist)
    "$T" factor show --db "$DB" --as bob yn-coffee >/dev/null 2>&1; [ $? -eq 2 ] || fail "bob sees alice's draft"
    out=$("$T" factor search --db "$DB" --as bob 咖啡 --format json)
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["total"]==0, d' || fail "bob searches alice's draft: $out"
    "$T" factor submit --db "$DB" --as bob yn-coffee >/dev/null 2>&1; [ $? -eq 2 ] || fail "bob submits alice's draft"
    "$T" factor show --db "$DB" --as expert yn-coffee >/dev/null || fail "the reviewer sees drafts"
    for step in submit review approve publish; do
        who=alice; case $step in review|approve) who=expert;; publish) who=reg;; esac
        # the submitter may not take the reviewer's and regulator's steps
        if [ $who != alice ]; then
            "$T" factor $step --db "$DB" --as alice yn-coffee >/dev/null 2>"$tmp/err"; rc=$?
            [ $rc -ne 0 ] && grep -q 'may not' "$tmp/err" || fail "alice may not $step (rc=$rc): $(cat "$tmp/err")"
        fi
        TANJI_AS=$who "$T" factor $step --db "$DB" yn-coffee --reason "step $step" >/dev/null || fail "$step rc=$?"
    done
    "$T" factor show --db "$DB" --as bob yn-coffee >/dev/null || fail "published versions are public"
    out=$("$T" factor show --db "$DB" yn-coffee --format json) || fail "show"
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="published" and d["value"]==3.1, d' || fail "show: $out"

    "$T" factor add --db "$DB" --id yn-coffee --name-zh 小粒咖啡 --category agriculture --unit kg --value 2.9 \
        --region 530800 --year 2024 --source "Example report 2 示例" --quality example >/dev/null || fail "add v2"
    "$T" factor submit --db "$DB" yn-coffee >/dev/null || fail "v2 submit"
    "$T" factor review --db "$DB" --as expert yn-coffee >/dev/null || fail "v2 review"
    "$T" factor reject --db "$DB" --as expert yn-coffee >/dev/null 2>&1; [ $? -eq 1 ] || fail "reject without reason: usage error expected"
    "$T" factor approve --db "$DB" --actor expert yn-coffee@2 >/dev/null || fail "approve v2 (--actor, the deprecated alias of --as)"
    out=$("$T" factor publish --db "$DB" --as reg yn-coffee@2) || fail "publish v2"
    [ "$out" = "yn-coffee@2 published" ] || fail "publish v2 output: $out"
    out=$("$T" factor show --db "$DB" yn-coffee@1 --format json)
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="superseded" and d["superseded_by"]==2 and d["value"]==3.1, d' || fail "v1 superseded: $out"

    out=$("$T" factor history --db "$DB" yn-coffee --format json) || fail "history"
    echo "$out" | python3 -c '
import json,sys
d=json.load(sys.stdin); ev=d["events"]
acts=[(e["version"],e["action"]) for e in ev]
assert acts[:5]==[(1,"add"),(1,"submit"),(1,"review"),(1,"approve"),(1,"publish")], acts
assert (1,"supersede") in acts and acts[-1]==(2,"publish"), acts
assert ev[1]["actor"]=="alice" and ev[1]["reason"]=="step submit", ev[1]
assert ev[0]["actor"]=="alice"
assert ev[2]["actor"]=="expert" and [e["actor"] for e in ev if e["action"]=="publish"][0]=="reg", ev
' || fail "history: $out"
    # every change is a ledger entry: add, submit, review, approve, publish (v1); add ... (v2)
    if [[ "$DB" != postgres* ]]; then
        python3 - "$DB" <<'PY' || fail "ledger entries for yn-coffee"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n = c.execute("SELECT COUNT(*) FROM ledger_entry WHERE object_type = 'factor_version' AND object_id LIKE 'yn-coffee@%'").fetchone()[0]
assert n >= 11, n
kinds = [k for (k,) in c.execute("SELECT kind FROM ledger_entry WHERE object_id = 'yn-coffee@1' ORDER BY idx")]
assert kinds[:6] == ["factor.add", "factor.submit", "factor.review", "factor.approve", "factor.publish", "factor.supersede"], kinds
PY
    fi
    "$T" factor history --db "$DB" yn-coffee | grep -q 'supersede' || fail "history text"

    "$T" factor withdraw --db "$DB" --as reg yn-coffee --reason "wrong boundary" >/dev/null || fail "withdraw"
    "$T" factor show --db "$DB" yn-coffee@2 --format json | grep -q '"withdrawn"' || fail "withdrawn"

    # current versions by default (v2, withdrawn); history with --all-versions (v1 superseded too)
    out=$("$T" factor search --db "$DB" 咖啡 --format json) || fail "search"
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["total"]==1 and d["factors"][0]["version"]==2, d' || fail "search: $out"
    out=$("$T" factor search --db "$DB" 咖啡 --all-versions --format json) || fail "search --all-versions"
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["total"]==2, d' || fail "search --all-versions: $out"
    out=$("$T" factor search --db "$DB" 咖啡 --status superseded --format json) || fail "search superseded"
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["total"]==1 and d["factors"][0]["version"]==1, d' || fail "search superseded: $out"
    "$T" factor search --db "$DB" 咖啡 --all-versions=1 >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] && grep -q 'takes no value' "$tmp/err" || fail "--all-versions=1: $(cat "$tmp/err")"
    "$T" factor show --db "$DB" yn-coffee --all-versions >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] && grep -q 'unknown option --all-versions' "$tmp/err" || fail "show --all-versions: $(cat "$tmp/err")"
    # withdrawn and superseded versions do not resolve
    "$T" factor resolve --db "$DB" 小粒咖啡 --region 530800 >/dev/null 2>&1; [ $? -eq 2 ] || fail "resolve after withdraw: exit 2 expected"
    out=$("$T" factor search --db "$DB" --status draft --format json)
    echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [f["id"] for f in d["factors"]]==["yn-tea","yn-ev"], d' || fail "search status: $out"

    "$T" factor show --db "$DB" nope >/dev/null 2>&1; [ $? -eq 2 ] || fail "show missing: exit 2 expected"
    "$T" factor add --db "$DB" --name-zh x --category c --unit kg --value abc --region CN >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q 'value' "$tmp/err" || fail "bad value: $(cat "$tmp/err")"
}

"$T" factor --help | grep -q 'crosscheck' || fail "factor --help"
for s in add submit review approve reject publish withdraw show history search resolve import export crosscheck; do
    "$T" factor $s --help >/dev/null || fail "$s --help"
done
"$T" factor frobnicate >/dev/null 2>&1; [ $? -eq 1 ] || fail "unknown subcommand: exit 1"
"$T" factor search --db "$tmp/x.db" --bogus 1 >/dev/null 2>&1; [ $? -eq 1 ] || fail "unknown option: exit 1"

# SQLite by default; PostgreSQL when ctest runs the _pg variant (TJ_TEST_PG=1),
# which is skipped (exit 77) without a cluster.
if [ "${TJ_TEST_PG:-}" != 1 ]; then
    run_suite "$tmp/f.db"
elif [ -n "${TJ_PG_URL:-}" ]; then
    name=tjcli_$$
    psql "$TJ_PG_URL" -qAt -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null || fail "create pg db"
    run_suite "${TJ_PG_URL%/*}/$name"
    psql "$TJ_PG_URL" -qAt -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
else
    echo "factor_workflow: PostgreSQL SKIPPED (TJ_PG_URL not set)"
    exit 77
fi
echo ok

#!/usr/bin/env bash
# Migration 15: publications of the older footprint_publication table become public
# disclosures (id fp-pub-<footprint>), the table goes, the footprint stays public,
# can be withdrawn as a disclosure, and the ledger verifies.  SQLite (needs sqlite3).
set -u
T=$1
src=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 not found"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset TANJI_AS TANJI_NOW
export TANJI_DB=$tmp/t.db
"$T" migrate >/dev/null || fail migrate
"$T" admin org add E1 --kind enterprise >/dev/null || fail org
"$T" admin user add al --org E1 --roles enterprise >/dev/null || fail user
fp=$("$T" calc "$src/examples/tea.json" --save --as al --format json 2>/dev/null |
    python3 -c "import json,sys; print(json.load(sys.stdin)['footprint_id'])") || fail save
# the schema as migration 14 left it, with one older publication
sqlite3 "$TANJI_DB" "DELETE FROM schema_migrations WHERE version IN (15, 16); DROP INDEX disclosure_footprint;
DROP TABLE IF EXISTS login_limit;
CREATE TABLE footprint_publication (footprint_id TEXT PRIMARY KEY REFERENCES footprint (id),
  published_by TEXT NOT NULL, published_at TEXT NOT NULL) STRICT;
INSERT INTO footprint_publication VALUES ('$fp', 'x', '2026-01-01T00:00:00Z');" || fail "old schema"
# (later migrations may follow 15 in the same run)
out=$("$T" migrate 2>&1); echo "$out" | grep -qE "14 -> [0-9]+" || fail "migration 15 not applied: $out"
[ "$(sqlite3 "$TANJI_DB" "SELECT count(*) FROM schema_migrations WHERE version = 15")" = 1 ] ||
    fail "migration 15 not recorded"
[ "$(sqlite3 "$TANJI_DB" "SELECT id || ' ' || scope || ' ' || status || ' ' || published_at FROM disclosure")" = \
  "fp-pub-$fp public published 2026-01-01T00:00:00Z" ] || fail "the publication is not a public disclosure"
[ -z "$(sqlite3 "$TANJI_DB" "SELECT name FROM sqlite_master WHERE name = 'footprint_publication'")" ] ||
    fail "footprint_publication still there"
"$T" ledger verify >/dev/null 2>&1 || fail "ledger verify after the migration"
"$T" disclose withdraw "fp-pub-$fp" --reason "superseded" --as al >/dev/null || fail "withdraw the migrated one"
[ "$(sqlite3 "$TANJI_DB" "SELECT status FROM disclosure")" = withdrawn ] || fail withdrawn
"$T" ledger verify >/dev/null 2>&1 || fail "ledger verify after the withdrawal"
echo "publication_migration: ok"

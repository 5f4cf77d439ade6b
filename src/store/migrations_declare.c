/* ---- 18: saved declarations -------------------------------------------------
 * declaration: a battery footprint declaration (MIIT 551 / EU Art. 7) or a
 * CBAM communication as computed, with its input, owned by an organisation.
 * A saved declaration never changes (a new calculation is a new row); saving
 * is a ledger entry (services/declaration.c). */
#include "store/migrations_declare.h"

#define DECLARATION_TABLE(STRICT) \
    "CREATE TABLE declaration (\n" \
    "  id TEXT PRIMARY KEY,\n" \
    "  org_id TEXT NOT NULL REFERENCES organisation (id),\n" \
    "  kind TEXT NOT NULL CHECK (kind IN ('battery', 'cbam')),\n" \
    "  created_at TEXT NOT NULL,\n" \
    "  created_by TEXT NOT NULL,\n" \
    "  subject TEXT NOT NULL,\n" \
    "  example INTEGER NOT NULL CHECK (example IN (0, 1)),\n" \
    "  digest TEXT NOT NULL,\n" \
    "  input TEXT NOT NULL,\n" \
    "  result TEXT NOT NULL)" STRICT ";\n" \
    "CREATE INDEX declaration_org ON declaration (org_id, created_at);\n"

const char declare_sqlite[] = DECLARATION_TABLE(" STRICT")
    "CREATE TRIGGER declaration_immutable BEFORE UPDATE ON declaration BEGIN\n"
    "  SELECT RAISE(ABORT, 'a saved declaration never changes');\n"
    "END;\n";
const char declare_postgres[] = DECLARATION_TABLE("")
    "CREATE FUNCTION declaration_immutable() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN RAISE EXCEPTION 'a saved declaration never changes'; END $$;\n"
    "CREATE TRIGGER declaration_immutable BEFORE UPDATE ON declaration\n"
    "  FOR EACH ROW EXECUTE FUNCTION declaration_immutable();\n";

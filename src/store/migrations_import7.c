/* ---- 27: the factor search index without positions (SQLite) ---------------
 * factor_fts keeps, for each trigram, the versions it occurs in and no
 * longer where (detail=none), nor each version's token count (columnsize=0:
 * nothing ranks by it).  A search word of three characters is one trigram;
 * a longer one is found as all of its trigrams, and tj_fts_phrase (SQLite
 * function, store_sqlite.c) checks on those candidates that they are
 * consecutive, with the index's own tokenizer (factor_sql.c build_where):
 * the same results as the phrase queries of the positional index, which
 * cost an import about 40% more index work and 3.4 times the bytes
 * (1,000,000 versions: 279 MB against 81 MB).  The triggers of migration 9
 * keep working (they name the table, not its options).  PostgreSQL: no
 * change. */
#include "store/migrations_import7.h"

const char import7_sqlite[] =
    "DROP TABLE factor_fts;\n"
    "CREATE VIRTUAL TABLE factor_fts USING fts5(search_text, content='factor_version', content_rowid='rid',"
    " tokenize='trigram', detail=none, columnsize=0);\n"
    "INSERT INTO factor_fts (factor_fts, rank) VALUES ('hashsize', 67108864);\n"
    "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text FROM factor_version\n"
    "  WHERE status <> 'superseded';\n";
const char import7_postgres[] = "SELECT 1;\n";

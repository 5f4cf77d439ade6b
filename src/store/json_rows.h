/*
 * store/json_rows: SQL rows as JSON objects, for the store modules whose
 * records are JSON on the service side (institutions, PACT, applications).
 *
 * Binds are a JSON array (consumed): strings bind as text, integers and
 * booleans as integers, reals as doubles, anything else as NULL.
 * A column spec is a space-separated list of names, each prefixed by its
 * type: t text, i integer, d real ("tnumber ivalue dtotal"); the SELECT
 * lists the columns in that order.  NULL columns become JSON null.
 */
#ifndef STORE_JSON_ROWS_H
#define STORE_JSON_ROWS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

void store_json_bind(store_stmt *st, int i, const json_t *v);
/* Prepare sql (cached: through the statement cache, for fixed texts) and
 * bind binds (consumed). */
tj_status store_json_prepare(store_db *db, const char *sql, json_t *binds, int cached, store_stmt **st,
                             tj_error *err);
/* The current row as an object per spec; NULL when out of memory. */
json_t *store_json_row(store_stmt *st, const char *spec);
/* Every row as an array of objects. */
tj_status store_json_rows(store_db *db, const char *sql, const char *spec, json_t *binds, int cached,
                          json_t **out, tj_error *err);
/* One row; TJ_ERR_NOTFOUND "no WHAT \"key\"" when there is none. */
tj_status store_json_one(store_db *db, const char *sql, const char *spec, json_t *binds, const char *what,
                         const char *key, json_t **out, tj_error *err);
/* Run a statement; *changes (may be NULL) the rows it changed. */
tj_status store_json_exec(store_db *db, const char *sql, json_t *binds, int cached, int64_t *changes,
                          tj_error *err);

#endif

/*
 * store declaration: saved declarations (migration 18).  Rows are JSON
 * objects keyed by column: id, org_id, kind, created_at, created_by,
 * subject, example (boolean), digest, and with whole = 1 input and result
 * (parsed JSON values).
 *
 * Ownership: JSON values returned are new references.
 */
#ifndef STORE_DECLARATION_SQL_H
#define STORE_DECLARATION_SQL_H

#include <jansson.h>

#include "store/store.h"

/* Insert a row (strings; input and result as JSON text). */
typedef struct store_declaration {
    const char *id, *org_id, *kind, *created_at, *created_by, *subject, *digest, *input, *result;
    int example;
} store_declaration;
tj_status store_declaration_insert(store_db *db, const store_declaration *d, tj_error *err);
/* One row; TJ_ERR_NOTFOUND when missing. */
tj_status store_declaration_get(store_db *db, const char *id, int whole, json_t **out, tj_error *err);
/* Summaries, newest first; org NULL = every organisation. */
tj_status store_declaration_list(store_db *db, const char *org, int limit, int offset, json_t **out,
                                 tj_error *err);

#endif

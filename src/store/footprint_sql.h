/*
 * store footprint: the SQL of saved footprints (migration 12).
 * Ownership: store_footprint's strings are malloc'ed and owned by the struct
 * (store_footprint_release).
 */
#ifndef STORE_FOOTPRINT_SQL_H
#define STORE_FOOTPRINT_SQL_H

#include "store/store.h"

typedef struct store_footprint {
    char *id, *owner_org, *created_by, *created_at, *product;
    double amount;
    char *unit;
    double total;
    char *gwp, *inputs_digest, *rule_id, *check_status, *factors, *replaces, *replaced_by;
    char *result, *model, *digest;
} store_footprint;

void store_footprint_release(store_footprint *f);
tj_status store_footprint_insert(store_db *db, const store_footprint *f, tj_error *err);
/* whole = 0 leaves result and model NULL.  TJ_ERR_NOTFOUND when absent. */
tj_status store_footprint_get(store_db *db, const char *id, int whole, store_footprint *out, tj_error *err);
/* Summaries (no result/model), newest first; owner_org NULL = all. */
tj_status store_footprint_list(store_db *db, const char *owner_org, int limit, int offset, store_footprint **out,
                               size_t *count, tj_error *err);

#endif

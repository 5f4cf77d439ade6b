/*
 * store model: the SQL of models kept on the platform (migration 13).
 * Ownership: store_model's strings are malloc'ed and owned by the struct
 * (store_model_release).
 */
#ifndef STORE_MODEL_SQL_H
#define STORE_MODEL_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct store_model {
    char *id, *owner_org, *name, *created_by, *created_at, *updated_at;
    int64_t revision;
    char *body, *digest;
} store_model;

void store_model_release(store_model *m);
tj_status store_model_insert(store_db *db, const store_model *m, tj_error *err);
/* whole = 0 leaves body NULL.  TJ_ERR_NOTFOUND when absent. */
tj_status store_model_get(store_db *db, const char *id, int whole, store_model *out, tj_error *err);
/* Update name, body, digest, updated_at and revision (= m->revision) where
 * the stored revision is m->revision - 1; TJ_ERR_CONFLICT when it is not
 * (a concurrent update), TJ_ERR_NOTFOUND when the model is gone. */
tj_status store_model_update(store_db *db, const store_model *m, tj_error *err);
tj_status store_model_delete(store_db *db, const char *id, tj_error *err);
/* Summaries (no body), newest first; owner_org NULL = all. */
tj_status store_model_list(store_db *db, const char *owner_org, int limit, int offset, store_model **out,
                           size_t *count, tj_error *err);

#endif

/* store publication: public footprints; see publication_sql.h. */
#include "store/publication_sql.h"

tj_status store_publication_get(store_db *db, const char *footprint_id, int *published, tj_error *err)
{
    *published = 0;
    store_stmt *st = NULL;
    tj_status rc =
        store_prepare_cached(db, "SELECT 1 FROM footprint_publication WHERE footprint_id = ?", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, footprint_id);
    int r = store_step(st, err);
    *published = r == 1;
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_publication_insert(store_db *db, const char *footprint_id, const char *by, const char *at,
                                   tj_error *err)
{
    int published = 0;
    tj_status rc = store_publication_get(db, footprint_id, &published, err);
    if (rc)
        return rc;
    if (published)
        return tj_error_set(err, TJ_ERR_CONFLICT, "id", "the footprint is already public / 该碳足迹已公开");
    store_stmt *st = NULL;
    if ((rc = store_prepare(db, "INSERT INTO footprint_publication (footprint_id, published_by, published_at) "
                                "VALUES (?, ?, ?)",
                            &st, err)))
        return rc;
    store_bind_text(st, 1, footprint_id);
    store_bind_text(st, 2, by);
    store_bind_text(st, 3, at);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* store ledger by object; see ledger_object_sql.h. */
#include "store/ledger_object_sql.h"

tj_status store_ledger_entries_of(store_db *db, const char *object_type, const char *object_id, int64_t after,
                                  int limit, store_ledger_entry_cb cb, void *arg, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "SELECT idx, at, kind, object_type, object_id, actor, org, state_digest, body "
                                        "FROM ledger_entry WHERE object_type = ? AND object_id = ? AND idx > ? "
                                        "ORDER BY idx LIMIT ?",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, object_type);
    store_bind_text(st, 2, object_id);
    store_bind_int64(st, 3, after);
    store_bind_int64(st, 4, limit);
    int r;
    while ((r = store_step(st, err)) == 1) {
        store_ledger_row row = {.idx = store_col_int64(st, 0), .at = store_col_text(st, 1),
                                .kind = store_col_text(st, 2), .object_type = store_col_text(st, 3),
                                .object_id = store_col_text(st, 4), .actor = store_col_text(st, 5),
                                .org = store_col_text(st, 6), .state_digest = store_col_text(st, 7),
                                .body = store_col_text(st, 8)};
        if (cb(arg, &row))
            break;
    }
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* store publication: a footprint's public disclosure; see publication_sql.h. */
#include "store/publication_sql.h"

#include <stdlib.h>
#include <string.h>

tj_status store_publication_get(store_db *db, const char *footprint_id, char **disclosure_id, tj_error *err)
{
    *disclosure_id = NULL;
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "SELECT id FROM disclosure WHERE footprint_id = ? AND scope = 'public' "
                                        "AND status = 'published' ORDER BY published_at DESC, id LIMIT 1",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, footprint_id);
    int r = store_step(st, err);
    if (r == 1) {
        const char *id = store_col_text(st, 0);
        if (!(*disclosure_id = strdup(id ? id : "")))
            r = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

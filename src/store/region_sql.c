/* region_sql: reading the region table; see region_sql.h. */
#include "store/region_sql.h"

tj_status region_sql_all(store_db *db, region_sql_fn fn, void *arg, tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare(db, "SELECT code, level, parent, name_zh, name_en FROM region ORDER BY code", &st, err);
    if (rc != TJ_OK)
        return rc;
    int s;
    while ((s = store_step(st, err)) == 1)
        if ((rc = fn(arg, store_col_text(st, 0), store_col_text(st, 1), store_col_text(st, 2),
                     store_col_text(st, 3), store_col_text(st, 4), err)) != TJ_OK)
            break;
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

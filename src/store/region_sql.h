/* region_sql: reading the region table (see services/regions.h). */
#ifndef STORE_REGION_SQL_H
#define STORE_REGION_SQL_H

#include "store/store.h"
#include "tanji/error.h"

/* Every region, ordered by code: fn(arg, code, level, parent, name_zh, name_en). */
typedef tj_status (*region_sql_fn)(void *arg, const char *code, const char *level, const char *parent,
                                   const char *name_zh, const char *name_en, tj_error *err);
tj_status region_sql_all(store_db *db, region_sql_fn fn, void *arg, tj_error *err);

#endif

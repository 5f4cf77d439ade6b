/*
 * store ledger by object: the entries of one object, in log order (for
 * GET /api/v1/ledger/entries).  Rows as store_ledger_row (valid during the
 * callback only).
 */
#ifndef STORE_LEDGER_OBJECT_SQL_H
#define STORE_LEDGER_OBJECT_SQL_H

#include "store/ledger_sql.h"

/* At most limit entries from index `after` + 1 on. */
tj_status store_ledger_entries_of(store_db *db, const char *object_type, const char *object_id, int64_t after,
                                  int limit, store_ledger_entry_cb cb, void *arg, tj_error *err);

#endif

/*
 * store/olca_sql: persist an openLCA inventory database (olca_db) in the
 * tanji store and load it back.
 *
 * Tables olca_* (migration "openLCA inventory data"): unit groups and units,
 * flow properties, flows and their flow-property factors, processes,
 * exchanges (amounts in each flow's reference unit, default providers),
 * allocation factors, locations, sources, actors.  Rows are keyed by the
 * openLCA UUIDs: saving the same data twice replaces rows instead of
 * duplicating them.  A save runs in one transaction: all or nothing.
 *
 * Ownership: store_olca_load returns an olca_db the caller frees with
 * olca_db_free.
 */
#ifndef STORE_OLCA_SQL_H
#define STORE_OLCA_SQL_H

#include "io/olca.h"
#include "store/store.h"

typedef struct store_olca_counts {
    long unit_groups, units, flow_properties, flows, processes, exchanges, alloc_factors, locations, sources,
        actors;
} store_olca_counts;

/* Progress: rows written so far of a phase. */
typedef void (*store_olca_progress_fn)(void *user, const char *phase, long done, long total);

tj_status store_olca_save(store_db *db, const olca_db *o, store_olca_progress_fn progress, void *user,
                        tj_error *err);

/* Save what reader a (olca_read_start) reads while it reads: reference data
 * first, then processes in batches as they come, in one transaction like
 * store_olca_save and with the same rows.  When reading fails, or when
 * refuse_invalid is set and an entity file is malformed, nothing is written
 * (rolled back or not begun), *read_failed is set and TJ_OK returned:
 * olca_read_finish tells what happened.  A database error cancels reading
 * and is returned.  Either way the caller then calls olca_read_finish. */
tj_status store_olca_save_async(store_db *db, olca_async *a, int refuse_invalid, int *read_failed,
                                store_olca_progress_fn progress, void *user, tj_error *err);

/* Load everything stored (for calculation). */
tj_status store_olca_load(store_db *db, olca_db **out, tj_error *err);

/* Row counts of the olca_* tables. */
tj_status store_olca_counts_get(store_db *db, store_olca_counts *c, tj_error *err);

#endif

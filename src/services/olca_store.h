/*
 * services/olca_store: persist an openLCA inventory database (olca_db) in the
 * tanji store and load it back.
 *
 * Tables olca_* (migration "openLCA inventory data"): unit groups and units,
 * flow properties, flows and their flow-property factors, processes,
 * exchanges (amounts in each flow's reference unit, default providers),
 * allocation factors, locations, sources, actors.  Rows are keyed by the
 * openLCA UUIDs: saving the same data twice replaces rows instead of
 * duplicating them.  A save runs in one transaction: all or nothing.
 *
 * Ownership: svc_olca_load returns an olca_db the caller frees with
 * olca_db_free.
 */
#ifndef SERVICES_OLCA_STORE_H
#define SERVICES_OLCA_STORE_H

#include "io/olca.h"
#include "store/store.h"

typedef struct svc_olca_counts {
    long unit_groups, units, flow_properties, flows, processes, exchanges, alloc_factors, locations, sources,
        actors;
} svc_olca_counts;

/* Progress: rows written so far of a phase. */
typedef void (*svc_olca_progress_fn)(void *user, const char *phase, long done, long total);

tj_status svc_olca_save(store_db *db, const olca_db *o, svc_olca_progress_fn progress, void *user,
                        tj_error *err);

/* Load everything stored (for calculation). */
tj_status svc_olca_load(store_db *db, olca_db **out, tj_error *err);

/* Row counts of the olca_* tables. */
tj_status svc_olca_counts_get(store_db *db, svc_olca_counts *c, tj_error *err);

#endif

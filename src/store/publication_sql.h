/*
 * store publication: footprints made public by their owner (migration 13).
 */
#ifndef STORE_PUBLICATION_SQL_H
#define STORE_PUBLICATION_SQL_H

#include "store/store.h"

/* TJ_ERR_CONFLICT when already published. */
tj_status store_publication_insert(store_db *db, const char *footprint_id, const char *by, const char *at,
                                   tj_error *err);
/* *published = 1 when the footprint is public. */
tj_status store_publication_get(store_db *db, const char *footprint_id, int *published, tj_error *err);

#endif

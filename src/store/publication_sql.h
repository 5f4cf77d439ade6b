/*
 * store publication: a footprint's public disclosure.  Publishing a
 * footprint is a disclosure with scope public (services/disclosure.h);
 * migration 15 moved the rows of the older footprint_publication table
 * (migration 13) into the disclosure table.
 */
#ifndef STORE_PUBLICATION_SQL_H
#define STORE_PUBLICATION_SQL_H

#include "store/store.h"

/* *disclosure_id (malloc'ed) = the id of the footprint's public disclosure
 * in force (scope public, not withdrawn), NULL when there is none. */
tj_status store_publication_get(store_db *db, const char *footprint_id, char **disclosure_id, tj_error *err);

#endif

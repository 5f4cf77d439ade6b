/*
 * store pact_ledger: every row of the PACT tables, a page at a time, for
 * the ledger state sources (services/pact_ledger.c).  Rows as in
 * pact_sql.h; keyset pages ordered by key, after the given key ("" = from
 * the start).
 */
#ifndef STORE_PACT_LEDGER_SQL_H
#define STORE_PACT_LEDGER_SQL_H

#include <jansson.h>

#include "store/store.h"

/* {id, footprint_id, owner_org, status, created, valid_from, valid_to, geography, doc} */
tj_status store_pact_fp_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err);
tj_status store_pact_fp_row(store_db *db, const char *id, json_t **out, tj_error *err);
/* {footprint_id, owner_org, attrs, set_at} */
tj_status store_pact_attr_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err);
/* {org_id, events_url, client_id, client_secret, set_at} */
tj_status store_pact_partner_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err);
/* the supplier row columns (pact_sql.h), after (owner_org, pf_id) */
tj_status store_pact_supplier_page(store_db *db, const char *after_owner, const char *after_pf, int limit,
                                   json_t **out, tj_error *err);
/* {id, request_id, org_id, url, status} */
tj_status store_pact_outbox_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err);

#endif

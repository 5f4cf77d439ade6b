/*
 * store pact_clients: the PACT API clients enterprises made for their
 * partners (migration 24, table pact_client).  Rows are JSON objects
 * {client_id, name, sponsor_org, partner_org, partner_name, created_by,
 * created_at, revoked_at} (store/json_rows).
 */
#ifndef STORE_PACT_CLIENTS_SQL_H
#define STORE_PACT_CLIENTS_SQL_H

#include <jansson.h>

#include "store/store.h"

tj_status store_pact_client_insert(store_db *db, const char *client_id, const char *name, const char *sponsor_org,
                                   const char *partner_org, const char *created_by, const char *created_at,
                                   tj_error *err);
/* One by client id; TJ_ERR_NOTFOUND when the id is no such client. */
tj_status store_pact_client_get(store_db *db, const char *client_id, json_t **out, tj_error *err);
/* The clients of sponsor_org (every sponsor's when NULL), newest first. */
tj_status store_pact_client_list(store_db *db, const char *sponsor_org, json_t **out, tj_error *err);
tj_status store_pact_client_revoke(store_db *db, const char *client_id, const char *at, tj_error *err);
/* Every row, by client id (the ledger's state source). */
tj_status store_pact_client_all(store_db *db, json_t **out, tj_error *err);
/* The partners lists (JSON text) of owner_org's disclosures to partners. */
tj_status store_pact_client_partner_lists(store_db *db, const char *owner_org, json_t **out, tj_error *err);

#endif

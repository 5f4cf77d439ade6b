/*
 * store pact: the SQL of the PACT exchange (migration 17; services/pact.c).
 *
 * Rows are JSON objects keyed by column name (text columns as strings,
 * integers as integers, reals as reals, NULL as null), as in inst_sql.h.
 * Binds are JSON arrays, consumed.
 *
 * Ownership: JSON returned is a new reference, the caller's.
 */
#ifndef STORE_PACT_SQL_H
#define STORE_PACT_SQL_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* ---- projection of disclosures ---- */
/* The ledger index projected so far and the newest ledger index (-1: none). */
tj_status store_pact_sync_state(store_db *db, int64_t *done, int64_t *newest, tj_error *err);
/* Claim the range (done, newest]: 1 in *claimed when this caller moved the
 * mark from `from` to `to` (another caller did it: 0). */
tj_status store_pact_sync_claim(store_db *db, int64_t from, int64_t to, int *claimed, tj_error *err);
/* Disclosure entries of the ledger in (from, to]: [{idx, kind, object_id}]. */
tj_status store_pact_disclosure_entries(store_db *db, int64_t from, int64_t to, json_t **out, tj_error *err);
/* The live (published, not private) disclosures of a footprint. */
tj_status store_pact_live_disclosures(store_db *db, const char *footprint_id, json_t **out, tj_error *err);

/* ---- PACT footprints ---- */
/* {id, footprint_id, owner_org, status, created, valid_from, valid_to,
 * geography, doc} of footprint_id's PACT footprint; TJ_ERR_NOTFOUND. */
tj_status store_pact_fp_by_footprint(store_db *db, const char *footprint_id, json_t **out, tj_error *err);
tj_status store_pact_fp_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_pact_fp_set_status(store_db *db, const char *id, const char *status, tj_error *err);
/* kind 'p', 'c' or 'k'; value stored lower case by the caller. */
tj_status store_pact_key_insert(store_db *db, const char *pf_id, const char *kind, const char *value, tj_error *err);
tj_status store_pact_access_grant(store_db *db, const char *pf_id, const char *reader, const char *disclosure_id,
                                  tj_error *err);
tj_status store_pact_access_revoke(store_db *db, const char *disclosure_id, tj_error *err);

/* A list filter: each array (of lower-case strings) NULL or empty = no
 * condition; values of one array OR, arrays AND.  Times normalised
 * "YYYY-MM-DDTHH:MM:SSZ" or NULL. */
typedef struct store_pact_filter {
    json_t *product, *company, *geography, *classification;
    const char *valid_on, *valid_after, *valid_before;
    const char *status; /* "Active", "Deprecated" or NULL */
    const char *after;  /* keyset: ids greater than this, or NULL */
    const char *owner;  /* only this organisation's footprints, or NULL (a partner's client, migration 24) */
    int limit;          /* rows wanted (the caller asks one more to know if there is a next page) */
} store_pact_filter;
/* The PACT footprints reader (an organisation id) may read that match f,
 * by id: [{id, status, doc}]. */
tj_status store_pact_fp_list(store_db *db, const char *reader, const store_pact_filter *f, json_t **out,
                             tj_error *err);
/* One, if reader may read it (and owner, unless NULL, owns it): {id, status, doc}; TJ_ERR_NOTFOUND. */
tj_status store_pact_fp_get(store_db *db, const char *reader, const char *owner, const char *id, json_t **out,
                            tj_error *err);

/* ---- product attributes ---- */
tj_status store_pact_attr_get(store_db *db, const char *footprint_id, json_t **out, tj_error *err);
tj_status store_pact_attr_put(store_db *db, const char *footprint_id, const char *owner_org, const char *attrs,
                              const char *at, tj_error *err);

/* ---- partners and the outbox ---- */
tj_status store_pact_partner_get(store_db *db, const char *org_id, json_t **out, tj_error *err);
tj_status store_pact_partner_put(store_db *db, const char *org_id, const char *events_url, const char *client_id,
                                 const char *client_secret, const char *at, tj_error *err);
/* *inserted 0 when (org_id, request_id) is in the outbox already. */
tj_status store_pact_outbox_insert(store_db *db, const json_t *row, int *inserted, tj_error *err);
/* Pending rows due at now (at most limit). */
tj_status store_pact_outbox_due(store_db *db, int64_t now, int limit, json_t **out, tj_error *err);
/* Lease a row: move next_at from `seen` to `until`; *won 1 if this caller did. */
tj_status store_pact_outbox_lease(store_db *db, const char *id, int64_t seen, int64_t until, int *won,
                                  tj_error *err);
tj_status store_pact_outbox_update(store_db *db, const char *id, const char *status, int64_t attempts,
                                   int64_t next_at, const char *last_error, tj_error *err);
tj_status store_pact_outbox_get(store_db *db, const char *id, json_t **out, tj_error *err);

/* ---- suppliers' footprints ---- */
tj_status store_pact_supplier_put(store_db *db, const json_t *row, tj_error *err);
tj_status store_pact_supplier_get(store_db *db, const char *owner_org, const char *pf_id, json_t **out,
                                  tj_error *err);
tj_status store_pact_supplier_set_status(store_db *db, const char *owner_org, const char *pf_id, const char *status,
                                        tj_error *err);
tj_status store_pact_supplier_list(store_db *db, const char *owner_org, json_t **out, tj_error *err);

#endif

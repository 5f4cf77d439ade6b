/*
 * store applications: the SQL of the application scenarios (green
 * procurement, green finance, 碳普惠, parks; docs/applications.md).  Rows
 * come back as JSON objects whose members are named by a column spec: a
 * space-separated list of names each prefixed by its type (t text, i
 * integer, d real), in the SELECT's order.
 *
 * Ownership: JSON returned is a new reference; binds are consumed.
 */
#ifndef STORE_APPS_SQL_H
#define STORE_APPS_SQL_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* ---- generic ---- */
/* binds: a JSON array (consumed; NULL = out of memory).  Cached statements. */
tj_status apps_rows(store_db *db, const char *sql, const char *spec, json_t *binds, json_t **out,
                    tj_error *err);
/* One row; TJ_ERR_NOTFOUND "no WHAT \"key\"" when none. */
tj_status apps_one(store_db *db, const char *sql, const char *spec, json_t *binds, const char *what,
                   const char *key, json_t **out, tj_error *err);
tj_status apps_exec(store_db *db, const char *sql, json_t *binds, int64_t *changes, tj_error *err);

/* ---- roles of organisations in the applications ---- */
tj_status store_app_role_grant(store_db *db, const char *org_id, const char *role, const char *at,
                               const char *by, tj_error *err);
tj_status store_app_role_has(store_db *db, const char *org_id, const char *role, int *out, tj_error *err);
tj_status store_app_role_list(store_db *db, json_t **out, tj_error *err);

/* ---- procurement ---- */
tj_status store_proc_req_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_proc_req_get(store_db *db, const char *id, json_t **out, tj_error *err);
/* open_only 1: open requirements (any buyer); else buyer's (NULL: all). */
tj_status store_proc_req_list(store_db *db, const char *buyer, int open_only, json_t **out, tj_error *err);
tj_status store_proc_req_decide(store_db *db, const char *id, const char *status, const char *offer,
                                const char *reason, tj_error *err);
/* TJ_ERR_CONFLICT when the supplier already offered this product. */
tj_status store_proc_offer_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_proc_offer_list(store_db *db, const char *req_id, json_t **out, tj_error *err);
/* A PACT footprint published in tanji that reader (an organisation id) may
 * read: {id, footprint_id, owner_org, status, valid_from, valid_to, doc
 * (text)}; NOTFOUND otherwise. */
tj_status store_proc_pact_published(store_db *db, const char *reader, const char *pf_id, json_t **out,
                                    tj_error *err);

/* ---- finance ---- */
tj_status store_fin_consent_insert(store_db *db, const json_t *row, tj_error *err);
/* Revoke every consent of borrower to bank in force; *n how many. */
tj_status store_fin_consent_revoke(store_db *db, const char *bank, const char *borrower, const char *at,
                                   int64_t *n, tj_error *err);
/* Is a consent in force at `at`? */
tj_status store_fin_consent_active(store_db *db, const char *bank, const char *borrower, const char *at,
                                   int *out, tj_error *err);
/* bank or borrower (the other NULL). */
tj_status store_fin_consent_list(store_db *db, const char *bank, const char *borrower, json_t **out,
                                 tj_error *err);
tj_status store_fin_position_put(store_db *db, const json_t *row, tj_error *err);
/* The latest position of each label of bank dated at or before as_of (amount > 0). */
tj_status store_fin_positions_at(store_db *db, const char *bank, const char *as_of, json_t **out,
                                 tj_error *err);
/* The dates the bank recorded positions at, ascending. */
tj_status store_fin_position_dates(store_db *db, const char *bank, json_t **out, tj_error *err);
tj_status store_fin_rule_insert(store_db *db, const char *bank, const char *rule, const char *at,
                                int *version, tj_error *err);
/* The latest rule ({version, rule, created_at}); NOTFOUND when none. */
tj_status store_fin_rule_latest(store_db *db, const char *bank, json_t **out, tj_error *err);

/* ---- 碳普惠 ---- */
tj_status store_inc_method_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_inc_method_get(store_db *db, const char *id, json_t **out, tj_error *err);
tj_status store_inc_method_list(store_db *db, json_t **out, tj_error *err);
/* The id of the account of (platform, participant), made when absent. */
tj_status store_inc_account_ensure(store_db *db, const char *id_if_new, const char *platform,
                                   const char *participant, const char *region, const char *at, char **id_out,
                                   tj_error *err);
tj_status store_inc_account_get(store_db *db, const char *platform, const char *participant, json_t **out,
                                tj_error *err);
/* Insert a purchase; *inserted 0 when (platform, purchase id) was reported before. */
tj_status store_inc_purchase_insert(store_db *db, const json_t *row, int *inserted, tj_error *err);
tj_status store_inc_account_credit(store_db *db, const char *account_id, int64_t grams, tj_error *err);
/* Retire grams; TJ_ERR_CONFLICT when the balance is short. */
tj_status store_inc_account_retire(store_db *db, const json_t *row, tj_error *err);
tj_status store_inc_statement(store_db *db, const char *account_id, int limit, int offset, json_t **out,
                              tj_error *err);
/* Mark the credited purchases of methodology/region not yet issued as issued by
 * issuance_id; *grams and *n their totals. */
tj_status store_inc_issue(store_db *db, const char *issuance_id, const char *methodology, const char *region,
                          const char *at, const char *by, int64_t *grams, int64_t *n, tj_error *err);
/* Totals per methodology and region: purchases, credited_g, issued_g. */
tj_status store_inc_registry(store_db *db, json_t **out, tj_error *err);
/* Retired grams per region. */
tj_status store_inc_retired_by_region(store_db *db, json_t **out, tj_error *err);
/* Sum of the balances and of the credits (for checks). */
tj_status store_inc_totals(store_db *db, int64_t *balances, int64_t *credits, int64_t *retired,
                           tj_error *err);

/* ---- parks and statistics ---- */
tj_status store_park_member_put(store_db *db, const char *park, const char *member, const char *status,
                                const char *at, tj_error *err);
tj_status store_park_member_get(store_db *db, const char *park, const char *member, json_t **out,
                                tj_error *err);
/* park's members (with organisation names); member NULL.  Or member's parks: park NULL. */
tj_status store_park_members(store_db *db, const char *park, const char *member, json_t **out, tj_error *err);
/* Labels grouped by region, category, year, grade and status: {region,
 * category, year, grade, status, n, sum, min, max}; park NULL: every
 * holder, else the park's active members. */
tj_status store_label_aggregate(store_db *db, const char *park, json_t **out, tj_error *err);
/* Published disclosures of the park's active members: {id, footprint_id, owner_org}. */
tj_status store_park_disclosures(store_db *db, const char *park, json_t **out, tj_error *err);
/* Labels of a footprint in force: count. */
tj_status store_footprint_valid_labels(store_db *db, const char *footprint_id, int64_t *n, tj_error *err);

/* Ledger states (services/apps_ledger.c): every row of object type `type`
 * (app_org_role, proc_requirement, proc_offer, fin_consent (a pair's latest
 * grant), fin_position, fin_rule, inc_methodology, inc_purchase,
 * inc_retirement, inc_issuance, park_member), or the one whose object id is
 * key (NULL: all), passed to fn with its object id as the service records
 * it (rows streamed; row has the columns of the state and "key"). */
tj_status store_apps_state_each(store_db *db, const char *type, const char *key,
                                tj_status (*fn)(void *arg, const char *key, const json_t *row, tj_error *err),
                                void *arg, tj_error *err);
/* The row of one object (without "key"); NOTFOUND when none. */
tj_status store_apps_state_get(store_db *db, const char *type, const char *key, json_t **out, tj_error *err);

#endif

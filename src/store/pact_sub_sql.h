/*
 * store pact_sub: the SQL of scheduled PACT pulls (migration 22;
 * services/pact_sub.c).  Rows are JSON objects keyed by column name; binds
 * JSON arrays, consumed (store/json_rows.h).
 */
#ifndef STORE_PACT_SUB_SQL_H
#define STORE_PACT_SUB_SQL_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* Columns: id owner_org url client_id secret_box interval_s created_by
 * created_at next_run last_run last_status last_error last_report failures
 * runs. */
tj_status store_pact_sub_insert(store_db *db, const json_t *row, tj_error *err);
/* One subscription (TJ_ERR_NOTFOUND when there is none). */
tj_status store_pact_sub_get(store_db *db, const char *id, json_t **out, tj_error *err);
/* An organisation's subscriptions, oldest first; owner NULL: every one. */
tj_status store_pact_sub_list(store_db *db, const char *owner, json_t **out, tj_error *err);
tj_status store_pact_sub_delete(store_db *db, const char *id, int64_t *deleted, tj_error *err);
/* Up to limit subscriptions due at now (next_run <= now), most overdue first. */
tj_status store_pact_sub_due(store_db *db, int64_t now, int limit, json_t **out, tj_error *err);
/* Lease a subscription: move next_run from seen to until; *won 1 when this
 * caller did (another runner did: 0). */
tj_status store_pact_sub_lease(store_db *db, const char *id, int64_t seen, int64_t until, int *won, tj_error *err);
/* A run's outcome: status "ok" (report) or "error" (error), the failures in
 * a row, the next run. */
tj_status store_pact_sub_result(store_db *db, const char *id, const char *at, const char *status,
                                const char *error, const char *report, int64_t failures, int64_t next_run,
                                tj_error *err);

#endif

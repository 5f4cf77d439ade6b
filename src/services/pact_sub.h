/*
 * svc_pact_sub: scheduled PACT pulls (docs/pact.md, "Scheduled pulls").
 *
 * A subscription is an enterprise's standing `tanji pact pull`: a
 * supplier's PACT base URL, the client id and secret the supplier issued
 * (the secret sealed with the secrets key, services/secret_box.h), and an
 * interval.  The server's job workers run the due ones
 * (svc_pact_sub_run_due) as the principal who created the subscription;
 * each run records its time and outcome (the pull's report, or the error);
 * a failed run is retried after min(interval, 60 s) doubled per failure in
 * a row, never longer than max(interval, 1 h); a success resets the count
 * and the next run is one interval later.  Creating and removing a
 * subscription are ledger entries (object pact_subscription, state
 * svc_pact_sub_state); the pulls themselves record what they import
 * ("pact.pull").
 *
 * Ownership: JSON returned is a new reference.
 */
#ifndef SERVICES_PACT_SUB_H
#define SERVICES_PACT_SUB_H

#include <jansson.h>
#include <stdint.h>

#include "services/ctx.h"
#include "services/ledger_verify.h"

#define SVC_PACT_SUB_MAX_INTERVAL (366 * 86400)

/* A new subscription of the principal's organisation; *out its view. */
tj_status svc_pact_sub_add(svc_ctx *ctx, const char *url, const char *client_id, const char *client_secret,
                           int64_t interval_s, json_t **out, tj_error *err);
/* The organisation's subscriptions (the operator: everyone's). */
tj_status svc_pact_sub_list(svc_ctx *ctx, json_t **out, tj_error *err);
tj_status svc_pact_sub_remove(svc_ctx *ctx, const char *id, tj_error *err);
/* Run one now (whatever its schedule); *out the run's view of the
 * subscription; the pull's error is returned as well as recorded. */
tj_status svc_pact_sub_run(svc_ctx *ctx, const char *id, const char *ca_file, json_t **out, tj_error *err);
/* Run the due subscriptions (each leased first, so that several workers
 * or nodes never run one twice); *worked how many ran.  A pull's failure is
 * recorded on its subscription, not returned. */
tj_status svc_pact_sub_run_due(store_db *db, const char *ca_file, int *worked, tj_error *err);

/* The ledger state of a subscription row (what svc_record is given). */
json_t *svc_pact_sub_state(const json_t *row);
/* Ledger state source for pact_subscription. */
tj_status svc_pact_sub_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
/* The delay before retrying after `failures` failed runs in a row. */
int64_t svc_pact_sub_backoff(int64_t interval_s, int64_t failures);

#endif

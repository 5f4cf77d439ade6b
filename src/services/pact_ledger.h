/*
 * svc_pact ledger states: the state JSON each PACT object's ledger entries
 * carry (svc_record's state) and the state sources `tanji ledger verify`
 * recomputes them with (ledger_sources.c).  One function per object type
 * builds the state from the object's row, used by both sides:
 *
 *   pact_footprint  id = PACT id: the offered document, its footprint,
 *                   owner, status, validity window and geography
 *   pact_attr       id = footprint id: owner and attributes
 *   pact_partner    id = organisation id: events URL, client id, and the
 *                   SHA-256 of the stored (sealed) secret, never the secret
 *   pact_supplier   id = "ORG:PF-ID": a pulled footprint as kept (all but
 *                   the time of the last pull)
 *   pact_event      id = "ORG:EVENT-ID": a request (RequestCreatedEvent)
 *                   and the answer it got; the other events (published,
 *                   fulfilled, rejected) are messages, not objects, and are
 *                   recorded with no state
 *   pact_answer     id = answer id: the answer to a request, where it goes
 *                   and whether it is pending, sent or given up
 *
 * Ownership: JSON returned is a new reference (NULL: out of memory).
 */
#ifndef SERVICES_PACT_LEDGER_H
#define SERVICES_PACT_LEDGER_H

#include <jansson.h>

#include "services/ledger_verify.h"

json_t *svc_pact_fp_state(const json_t *row);
json_t *svc_pact_attr_state(const json_t *row);
json_t *svc_pact_partner_state(const json_t *row);
json_t *svc_pact_supplier_state(const json_t *row);
/* row: the outbox row {id, request_id, org_id, ...} */
json_t *svc_pact_event_state(const json_t *row);
json_t *svc_pact_answer_state(const json_t *row);

tj_status svc_pact_fp_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_pact_attr_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_pact_partner_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_pact_supplier_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_pact_event_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_pact_answer_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);

#endif

/*
 * svc_pact: the WBCSD PACT exchange (Technical Specifications v3.0; see
 * docs/pact.md).
 *
 * Host side: the footprints an enterprise disclosed (services/disclosure.c)
 * to a partner organisation or to the public are offered to that partner's
 * API clients (or everyone's) as PACT ProductFootprints.  svc_pact_sync
 * projects disclosures into the pact_* tables by reading the disclosure
 * entries of the ledger after a mark, so the disclosure service needs no
 * hook: a footprint gets one PACT id the first time it is disclosed (a
 * ledger entry "pact.offer"); when a footprint that replaces another is
 * offered, the PACT footprint of the replaced one turns Deprecated
 * ("pact.deprecate") and is named in precedingPfIds.  The fields tanji does
 * not calculate (product URNs, classifications, fossil carbon content, mass
 * per declared unit for non-mass units) come from the enterprise's PACT
 * attributes (svc_pact_attr_set); a footprint lacking a required one is not
 * offered (svc_pact_attr_set says which).
 *
 * Events: PublishedEvent is accepted and recorded; RequestCreatedEvent is
 * answered with exactly one RequestFulfilledEvent (the matching footprints
 * the requester may read) or RequestRejectedEvent, put in an outbox in the
 * request's transaction and POSTed by svc_pact_outbox_run to the
 * requester's {source}/3/events with a token from {source}/auth/token (the
 * credentials registered for the requester's organisation,
 * svc_pact_partner_set), retried with exponential backoff and given up after
 * 72 hours.  Every event received and every answer sent or given up is a
 * ledger entry.
 *
 * Client side: svc_pact_pull imports a supplier's footprints (those its
 * host offers to the given client) as primary data of the principal's
 * organisation; models use one as an exchange's factor
 * {"supplier": "PF-ID"}; svc_pact_inputs reports a footprint's primary data
 * share and its supplier-specific inputs, flagging those that expired or
 * were deprecated.
 *
 * Ownership: JSON returned is a new reference; strings malloc'ed.
 */
#ifndef SERVICES_PACT_H
#define SERVICES_PACT_H

#include <jansson.h>
#include <stdint.h>

#include "io/model.h"
#include "services/ctx.h"

#define SVC_PACT_SPEC_VERSION "3.0.0"
#define SVC_PACT_GIVE_UP_SECONDS (72 * 3600)
#define SVC_PACT_MAX_LIMIT 1000

/* Project disclosures into PACT footprints up to the newest ledger entry
 * (cheap when nothing changed: one query). */
tj_status svc_pact_sync(store_db *db, tj_error *err);

/* The PACT footprints the principal's organisation may read matching
 * filter (the v3 criteria: productId, companyId, geography, classification
 * (each a string or an array of strings: OR), validOn, validAfter,
 * validBefore (RFC 3339), status (Active|Deprecated); keys compared
 * case-insensitively, values too), after the id `after` (NULL: from the
 * start), at most limit (1..SVC_PACT_MAX_LIMIT).  *out: array of
 * ProductFootprint objects; *next: the last id when more follow, else NULL.
 * Malformed criteria: TJ_ERR_INPUT naming the criterion. */
tj_status svc_pact_list(svc_ctx *ctx, const json_t *filter, const char *after, int limit, json_t **out,
                        char **next, tj_error *err);
/* The same page as the JSON text {"data": [...]} (v3), spliced from the
 * stored documents without parsing them: the list endpoint's fast path. */
tj_status svc_pact_list_text(svc_ctx *ctx, const json_t *filter, const char *after, int limit, char **body,
                             size_t *len, char **next, tj_error *err);
/* One ProductFootprint the principal may read; TJ_ERR_NOTFOUND (also for
 * one it may not read), TJ_ERR_INPUT when id is not a UUID. */
tj_status svc_pact_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err);
/* The same as a v2.3 ProductFootprint. */
json_t *svc_pact_to_v2(const json_t *v3);

/* An event (CloudEvents structured JSON) from the principal.  v = 3 or 2
 * (which event types are accepted); self_url: this host's events URL, the
 * source of the answers.  TJ_ERR_INPUT for a malformed event
 * (the message says what), TJ_ERR_CONFLICT when a request cannot be
 * answered (no callback credentials for the requester). */
tj_status svc_pact_event(svc_ctx *ctx, const json_t *ev, int v, const char *self_url, tj_error *err);

/* Send what is due in the outbox (at most a few per call); *worked = how
 * many were tried.  ca_file: CA bundle to trust for the requesters' HTTPS
 * (NULL: the system's). */
tj_status svc_pact_outbox_run(store_db *db, const char *ca_file, int *worked, tj_error *err);

/* Work that falls due (PACT outbox, scheduled pulls), shared by nodes: each
 * due row is leased (the row's seen_key value compared and replaced by
 * now + lease_s) and run only by the node that won the lease. */
typedef struct svc_leased_work {
    tj_status (*due)(store_db *db, int64_t now, int limit, json_t **out, tj_error *err);
    tj_status (*lease)(store_db *db, const char *id, int64_t seen, int64_t until, int *won, tj_error *err);
    tj_status (*run)(store_db *db, const json_t *row, const char *ca_file, tj_error *err);
    const char *seen_key;
    int limit;
    int64_t lease_s;
} svc_leased_work;
tj_status svc_run_leased(store_db *db, const svc_leased_work *w, const char *ca_file, int *worked, tj_error *err);

/* PACT attributes of a footprint of the principal's organisation: an object
 * with productIds, productClassifications, companyIds (arrays of URNs),
 * fossilCarbonContent, biogenicCarbonContent, productMassPerDeclaredUnit,
 * exemptedEmissionsPercent (decimal strings), crossSectoralStandards
 * (array), comment.  Replaces the previous ones; offers the footprint if it
 * is disclosed.  *missing (may be NULL): what the footprint still lacks to
 * be offered (array of field names; empty when it is offered). */
tj_status svc_pact_attr_set(svc_ctx *ctx, const char *footprint_id, const json_t *attrs, json_t **missing,
                            tj_error *err);
/* A partner organisation's events endpoint base (https://...) and the
 * client credentials tanji uses at its /auth/token: the operator, or an
 * enterprise user of that organisation. */
tj_status svc_pact_partner_set(svc_ctx *ctx, const char *org, const char *base_url, const char *client_id,
                               const char *client_secret, tj_error *err);

/* Pull the footprints the host at base_url offers to client_id into the
 * principal's organisation (enterprise role).  *report: {pulled, updated,
 * footprints: [{id, product, status, value, unit}]}. */
tj_status svc_pact_pull(svc_ctx *ctx, const char *base_url, const char *client_id, const char *client_secret,
                        const char *ca_file, json_t **report, tj_error *err);
/* At most this many footprints in one pull (a host that offers more is refused). */
#define SVC_PACT_PULL_MAX 100000
/* One page of a pull (GET url answered status with body/len and the Link
 * header's next target, or NULL): its footprints appended to all, and in
 * *next the page to fetch after it (malloc'ed; NULL: the last one).  A next
 * page must be on the origin of base_url (the token goes with it). */
tj_status svc_pact_pull_page(const char *base_url, const char *url, long status, const char *body, size_t len,
                             const char *link_next, json_t *all, char **next, tj_error *err);
/* One footprint of a pulled list as the row kept (pact_supplier), or NULL
 * with *why saying what is wrong with it. */
json_t *svc_pact_supplier_row(const json_t *pf, const char *owner, const char *source, const char *at,
                              const char **why);
/* The organisation's supplier footprints, with flags (expired, deprecated). */
tj_status svc_pact_supplier_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* A footprint's primary data share (PACT definition, percent) and its
 * supplier-specific inputs, each flagged when the supplier's footprint has
 * expired or was deprecated: {footprint, primary_data_share,
 * supplier_inputs: [{factor, pf_id, supplier, product, co2e, status,
 * valid_to, flags: [...]}], flagged}. */
tj_status svc_pact_inputs(svc_ctx *ctx, const char *footprint_id, json_t **out, tj_error *err);
/* For model_factors.c: the supplier footprint pf_id of the principal's
 * organisation as a factor (id "pact:PF-ID", kg CO2e per unit excluding
 * biogenic uptake). */
tj_status svc_pact_supplier_factor(svc_ctx *ctx, const char *pf_id, io_factor *out, tj_error *err);

/* Read helpers for the application scenarios (services/park.c): owner's
 * supplier footprint pf_id as svc_pact_supplier_list shows it (NOTFOUND
 * when owner did not pull it), and a footprint result's primary data share
 * (PACT definition, percent) as the PACT document gives it. */
tj_status svc_pact_supplier_view(store_db *db, const char *owner, const char *pf_id, json_t **out, tj_error *err);
double svc_pact_primary_data_share(store_db *db, const char *owner, const json_t *result);

/* Helpers shared with the HTTP adapter and tests. */
int svc_pact_is_uuid(const char *s);
/* RFC 3339 date-time (offset or Z; a space where a '+' was, as an unencoded
 * query gives it) to "YYYY-MM-DDTHH:MM:SSZ"; 0 when malformed. */
int svc_pact_time_norm(const char *s, char out[32]);
/* A decimal string (no exponent) of v: malloc'ed. */
char *svc_pact_decimal(double v);
/* The tanji unit name of a PACT declared unit ("kilogram" -> "kg"), NULL
 * when it is not one (read helper for the application scenarios). */
const char *svc_pact_unit_tanji(const char *pact_unit);

#endif

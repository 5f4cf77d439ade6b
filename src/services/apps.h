/*
 * Application scenarios (docs/applications.md): green procurement
 * (procure.c), green finance (finance.c), 碳普惠 carbon inclusion
 * (inclusion.c), parks, supply chains and regulators' statistics
 * (park.c), on top of labels, grades, disclosure and footprints.
 *
 * What an organisation does here besides its kind is an application role
 * (buyer, bank, park, platform) the operator grants (apps_common.c).  Every
 * decision, consent, credit, issuance and retirement is a ledger entry.
 * Amounts of CO2e in 碳普惠 are integers of grams, so balances are exact.
 *
 * Ownership: JSON returned is a new reference; strings malloc'ed.  JSON
 * arguments are not consumed.
 */
#ifndef SERVICES_APPS_H
#define SERVICES_APPS_H

#include <jansson.h>
#include <stdint.h>

#include "services/ctx.h"

/* ---- common (apps_common.c) ---- */
/* Grant an application role (buyer, bank, park, platform) to organisation
 * org (id or name): operator only. */
tj_status svc_app_role_grant(svc_ctx *ctx, const char *org, const char *role, tj_error *err);
tj_status svc_app_role_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* TJ_OK when the principal's organisation holds the role (the operator
 * always), else TJ_ERR_PERM naming the action. */
tj_status apps_require_role(svc_ctx *ctx, const char *role, const char *action, tj_error *err);
/* A label as the applications use it, checked at time `at` (NULL: now):
 * {number, ok, problems: [..], status, holder_org, holder_name, category,
 * product, rule, value (kg CO2e per one declared_unit), model_amount
 * (the model's amount, for information), declared_unit, grade, valid_until, footprint_id, region,
 * verification (svc_label_verify_number's report)}.  ok: signature, key, ledger, status valid and within
 * validity at `at`.  NOTFOUND for an unknown number. */
tj_status apps_label_check(svc_ctx *ctx, const char *number, const char *at, json_t **out, tj_error *err);
/* kg CO2e per one `to_unit` from kg per (amount from_unit). */
tj_status apps_per_unit(double value, double amount, const char *from_unit, const char *to_unit, double *out,
                        tj_error *err);
/* The share of a footprint's result from processes with primary data
 * (data_type "primary", measured at the site; 0..1), the model's product
 * category and the footprint's rule id (*category, *rule malloc'ed, may be
 * NULL; either pointer may be NULL).  Read without a permission check:
 * callers show only these derived figures. */
tj_status apps_footprint_facts(store_db *db, const char *footprint_id, double *primary_share, char **category,
                               char **rule, tj_error *err);
/* Append one CSV field (RFC 4180 quoting) and the separator sep (',' or '\n'). */
struct sbuf;
void apps_csv(struct sbuf *b, const char *field, char sep);

/* ---- ledger states (apps_ledger.c) ---- */
/* The ledger state of a recorded object of type (app_org_role,
 * proc_requirement, proc_offer, fin_consent, fin_position, fin_rule,
 * inc_methodology, inc_purchase, inc_retirement, inc_issuance, park_member)
 * from its row (columns by name; fin_rule's rule as JSON text or value):
 * what the services pass to svc_record and the ledger state sources emit.
 * NULL for an unknown type or out of memory. */
json_t *apps_state(const char *type, const json_t *row);
/* The state of object key of type as the database holds it now. */
tj_status apps_state_read(store_db *db, const char *type, const char *key, json_t **out, tj_error *err);
/* Ledger state sources (services/ledger_verify.h), one per type. */
typedef tj_status (*apps_state_emit_fn)(void *arg, const char *object_id, const json_t *state, tj_error *err);
tj_status apps_each_role_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_requirement_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_offer_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_consent_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_position_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_rule_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_methodology_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_purchase_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_retirement_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_issuance_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);
tj_status apps_each_member_state(store_db *db, apps_state_emit_fn emit, void *arg, tj_error *err);

/* ---- green procurement (procure.c) ---- */
/* A requirement by a buyer: spec {title, category, declared_unit,
 * max_value (kg CO2e per declared unit) and/or max_grade, label_required,
 * rule (optional rule id), primary_weight (0..1), deadline}. */
tj_status svc_proc_require(svc_ctx *ctx, const json_t *spec, char **id_out, tj_error *err);
tj_status svc_proc_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err);
/* open_only 1: open tenders (anyone signed in); else the buyer's own. */
tj_status svc_proc_list(svc_ctx *ctx, int open_only, json_t **out, tj_error *err);
/* A supplier's offer before the deadline: {product, label}, {product,
 * disclosure} or {product, pact} (a PACT footprint id: one the supplier
 * published here as PACT and the buyer may read, or one the buyer pulled).
 * A label that does not verify, or a PACT footprint the buyer cannot read,
 * of another company, deprecated, out of its validity period or in a unit
 * that does not convert, is refused (CONFLICT, the reasons in the message).
 * *check_out (may be NULL) gets the check. */
tj_status svc_proc_offer(svc_ctx *ctx, const char *req_id, const json_t *offer, char **id_out,
                         json_t **check_out, tj_error *err);
/* The buyer's evaluation: offers checked and ranked, with reasons. */
tj_status svc_proc_evaluate(svc_ctx *ctx, const char *req_id, json_t **out, tj_error *err);
tj_status svc_proc_evaluation_csv(svc_ctx *ctx, const char *req_id, char **csv, tj_error *err);
/* The buyer's decision after the deadline: award a passing offer (offer_id)
 * or cancel (offer_id NULL); a ledger entry with the evaluation's digest. */
tj_status svc_proc_decide(svc_ctx *ctx, const char *req_id, const char *offer_id, const char *reason,
                          tj_error *err);

/* ---- green finance (finance.c) ---- */
/* The borrower (the principal's organisation) consents to bank (id or
 * name) reading its labels; valid_until NULL: until revoked. */
tj_status svc_fin_consent(svc_ctx *ctx, const char *bank, const char *valid_until, tj_error *err);
tj_status svc_fin_consent_revoke(svc_ctx *ctx, const char *bank, tj_error *err);
tj_status svc_fin_consent_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* The bank reads a consenting borrower: every label verified, with its
 * grade, grade history and lifecycle history.  No consent: TJ_ERR_PERM. */
tj_status svc_fin_borrower(svc_ctx *ctx, const char *borrower, json_t **out, tj_error *err);
/* The bank's eligibility rule {max_grade, require_valid_label, categories,
 * max_value: {category: kg per declared unit}} (all optional). */
tj_status svc_fin_rule_set(svc_ctx *ctx, const json_t *rule, int *version, tj_error *err);
/* A label evaluated against the bank's latest rule: {eligible, reasons}. */
tj_status svc_fin_eligibility(svc_ctx *ctx, const char *label, json_t **out, tj_error *err);
/* A financed position: amount in yuan (integer) financed for the product of
 * label (the borrower's) as of date. */
tj_status svc_fin_position(svc_ctx *ctx, const char *borrower, const char *label, int64_t amount,
                           const char *as_of, tj_error *err);
/* The portfolio at as_of (NULL: today): positions with footprints, grades
 * and eligibility, per category the financed amount and the intensity
 * weighted by amount, and the same totals at every recorded date. */
tj_status svc_fin_portfolio(svc_ctx *ctx, const char *as_of, json_t **out, tj_error *err);
tj_status svc_fin_portfolio_csv(svc_ctx *ctx, const char *as_of, char **csv, tj_error *err);

/* ---- 碳普惠 (inclusion.c) ---- */
/* A methodology (regulator): {id, name, category, declared_unit, scope,
 * applicability, baseline: {kind: "benchmark", value (kg per declared
 * unit), source} | {kind: "average"}} (average: of the category's valid
 * labels now). */
tj_status svc_inc_method_create(svc_ctx *ctx, const json_t *spec, json_t **out, tj_error *err);
tj_status svc_inc_method_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* Purchases reported by a platform: [{purchase_id, participant, region,
 * methodology, label, quantity (declared units), purchased_at}], in one
 * transaction.  *results: [{purchase_id, status: credited|refused,
 * reduction_g, account, reason}]; *credited how many.  A purchase id
 * reported before, a label not valid, a methodology of another category
 * are refused (nothing credited). */
tj_status svc_inc_report(svc_ctx *ctx, const json_t *purchases, json_t **results, int *credited,
                         tj_error *err);
tj_status svc_inc_account(svc_ctx *ctx, const char *platform, const char *participant, json_t **out,
                          tj_error *err);
tj_status svc_inc_statement(svc_ctx *ctx, const char *platform, const char *participant, int limit,
                            int offset, json_t **out, tj_error *err);
/* Retire grams from a participant's balance (the platform). */
tj_status svc_inc_retire(svc_ctx *ctx, const char *participant, int64_t grams, const char *purpose,
                         tj_error *err);
/* Issue the credited reductions of methodology in region (regulator). */
tj_status svc_inc_issue(svc_ctx *ctx, const char *methodology, const char *region, json_t **out,
                        tj_error *err);
/* Public registry: totals per methodology and region, retirements per region. */
tj_status svc_inc_registry(svc_ctx *ctx, json_t **out, tj_error *err);

/* ---- parks, supply chains, statistics (park.c) ---- */
tj_status svc_park_invite(svc_ctx *ctx, const char *member, tj_error *err);
/* The member's answer: accept 1 joins, 0 leaves. */
tj_status svc_park_answer(svc_ctx *ctx, const char *park, int accept, tj_error *err);
tj_status svc_park_members(svc_ctx *ctx, json_t **out, tj_error *err);
/* A park's statistics (park NULL: the principal's; a regulator any):
 * labels of its active members by category, grade, year; certified share
 * of the footprints disclosed to the park. */
tj_status svc_park_stats(svc_ctx *ctx, const char *park, json_t **out, tj_error *err);
/* Regulators' statistics from the same aggregation, by province, category,
 * grade and year; filter keys region, category, year (optional). */
tj_status svc_app_stats(svc_ctx *ctx, const json_t *filter, json_t **out, tj_error *err);
/* A product's supply chain: the processes of the footprint (own, or
 * disclosed to the principal with processes/suppliers), their share, data
 * type (primary replaces generic) and supplier with its labels; and every
 * model input with a factor (inputs): primary (a supplier's PACT footprint,
 * with the supplier, status, validity, its primary data share and flags) or
 * generic, its CO2e and share of the total. */
tj_status svc_park_supply_chain(svc_ctx *ctx, const char *footprint_id, json_t **out, tj_error *err);

#endif

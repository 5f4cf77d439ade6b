/*
 * services/check: does a model (docs/model-format.md) conform to its
 * accounting rule (docs/rule-format.md)?
 *
 * svc_check_model() reads the model JSON as written (so every finding can
 * name its place in the file, and models whose factors live in the database
 * can be checked without it) and lists every violation.  A footprint result
 * (tanji calc --format json) may be given: then cut-offs are judged by their
 * estimated share of the result; without it, by mass (ISO 14044 allows mass,
 * energy and environmental significance as cut-off criteria).
 *
 * Ownership: svc_check_result owns its violations; svc_check_result_release()
 * frees them.  The model, footprint and rule are only read.
 */
#ifndef SVC_CHECK_H
#define SVC_CHECK_H

#include <jansson.h>

#include "services/rules.h"
#include "tanji/error.h"

typedef struct svc_violation {
    char *code;       /* missing_stage, missing_input, required_input_cut_off, cutoff_exceeded,
                         allocation_not_allowed, dqr_exceeded, quality_missing,
                         primary_data_required, declared_unit_mismatch, boundary_mismatch */
    char *path;       /* JSON path in the model, e.g. "processes[2].quality" */
    char *message;    /* English */
    char *message_zh; /* Chinese */
} svc_violation;

typedef struct svc_check_result {
    svc_violation *v;
    size_t n, cap;
    int checks_run; /* number of individual checks evaluated */
} svc_check_result;

/* Check model against rule.  footprint may be NULL.  Returns TJ_OK when the
 * check ran (conforming or not: see res->n); errors only for unusable input
 * (model not an object, no processes array) or memory. */
tj_status svc_check_model(const svc_rule *rule, const json_t *model, const json_t *footprint,
                          svc_check_result *res, tj_error *err);
void svc_check_result_release(svc_check_result *res);

/* The rule a model is checked against: the rule `ref` (id or id@version) if
 * given; else the rule that applies to the model's product.category in
 * `region` (a GB/T 2260 or CN-XX code; NULL: the model's product.geography),
 * drafts too when include_drafts.  *why (may be NULL) gets a malloc'ed
 * explanation in zh or en.  TJ_ERR_NOTFOUND (naming the category and region,
 * or the rule) when there is none; TJ_ERR_USAGE for a bad region or a model
 * without a category when no ref is given. */
tj_status svc_check_pick_rule(const svc_ruleset *set, const json_t *model, const char *ref, const char *region,
                              int include_drafts, int zh, const svc_rule **out, char **why, tj_error *err);

/* {"rule": {...}, "model": model_name, "conforms": bool, "violations": [...]}; new reference. */
json_t *svc_check_to_json(const svc_rule *rule, const char *model_name, const svc_check_result *res);

#endif

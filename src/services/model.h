/*
 * svc_model: models (docs/model-format.md) kept on the platform by their
 * owner organisation: create (from JSON, or from activity sheets through
 * services/activity.c), update, list, delete.  Each change is a ledger
 * entry (object "model"); the state recorded is svc_model_state.
 *
 * Private: a model is visible to its owner organisation and the operator;
 * to anyone else it does not exist (TJ_ERR_NOTFOUND, as a missing id).
 * Creating, changing and deleting need the enterprise or operator role.
 *
 * Ownership: JSON values returned are new references; ids malloc'ed.
 */
#ifndef SERVICES_MODEL_H
#define SERVICES_MODEL_H

#include <jansson.h>
#include <stdint.h>

#include "services/activity.h"
#include "services/check.h"
#include "services/ctx.h"
#include "store/model_sql.h"

/* Largest model body accepted (bytes of canonical JSON). */
#define SVC_MODEL_MAX_BYTES (8u << 20)

/* A new model of the principal's organisation.  name NULL: the product's
 * name in the model. */
tj_status svc_model_create(svc_ctx *ctx, const char *name, const json_t *model, char **id_out, tj_error *err);
/* From activity sheets: opt as for svc_activity_to_model (its db is set
 * to ctx->db); *report (may be NULL) gets {lines, by_id, by_query,
 * unmatched: [...]} about the lines matched. */
tj_status svc_model_create_from_sheets(svc_ctx *ctx, const char *name, svc_activity_options *opt, char **id_out,
                                       json_t **report, tj_error *err);
/* The same from an uploaded .xlsx workbook (data, len): kept in a private
 * temporary file while it is read. */
tj_status svc_model_create_from_workbook(svc_ctx *ctx, const char *name, const char *data, size_t len,
                                         svc_activity_options *opt, char **id_out, json_t **report, tj_error *err);
/* Check a stored model (model_id) or a given one (model) against its rule
 * (rule: id[@version], NULL: the one that applies in region / the model's
 * geography) from set.  *out: svc_check_to_json with "why". */
tj_status svc_model_check(svc_ctx *ctx, const svc_ruleset *set, const char *model_id, const json_t *model,
                          const char *rule, const char *region, int zh, json_t **out, tj_error *err);
/* whole = 0: summary; 1: with the model body ("model"). */
tj_status svc_model_get(svc_ctx *ctx, const char *id, int whole, json_t **out, tj_error *err);
/* The model's JSON text (for calculations); *text malloc'ed. */
tj_status svc_model_text(svc_ctx *ctx, const char *id, char **text, size_t *len, tj_error *err);
/* Replace name (NULL: keep) and body (NULL: keep).  revision: the revision
 * the caller last read (0: any); a different stored one is
 * TJ_ERR_CONFLICT. */
tj_status svc_model_update(svc_ctx *ctx, const char *id, int64_t revision, const char *name, const json_t *model,
                           json_t **out, tj_error *err);
tj_status svc_model_delete(svc_ctx *ctx, const char *id, tj_error *err);
tj_status svc_model_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err);
/* The state ledger entries record (every column but the body, whose digest
 * is in it). */
json_t *svc_model_state(const store_model *m);

#endif

/*
 * svc_footprint: calculating a model and keeping the result as a record.
 *
 * svc_calculate loads a model (a file or text), resolves its database factor
 * references in ctx->db (pinned to published versions), solves it and keeps
 * everything a caller needs to encode the result: svc_calculation_json is
 * the stable JSON contract of `tanji calc --format json` (and of the API),
 * svc_calculation_text the readable summary.
 *
 * svc_footprint_save stores a calculation as a footprint record: the result,
 * the model text, the digest of its canonical inputs, the factor versions
 * pinned, the rule and check result, owner organisation, author and time,
 * and a digest of the whole record.  A saved footprint never changes; a
 * recalculation is a new record that names the one it replaces (each is
 * replaced at most once).  Saving is a ledger entry.
 *
 * Private: a footprint is visible to its owner organisation (and the
 * operator); to anyone else it does not exist (TJ_ERR_NOTFOUND).
 *
 * Ownership: svc_calculation owns its model, result and text
 * (svc_calculation_release); JSON values returned are new references.
 */
#ifndef SERVICES_FOOTPRINT_H
#define SERVICES_FOOTPRINT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "calc/lca.h"
#include "io/model.h"
#include "services/ctx.h"
#include "tanji/gwp.h"

typedef struct svc_calc_request {
    const char *model_path; /* a model file, or NULL and ... */
    const char *model_text; /* ... the model's JSON text */
    size_t model_len;
    const char *model_name; /* for messages when model_text is given */
    tj_gwp_set gwp;
    calc_options calc;
    int mc;        /* Monte Carlo iterations, 0 = none */
    uint64_t seed; /* for mc */
} svc_calc_request;
/* Defaults: AR6, calc_options_init, no Monte Carlo, seed 1. */
void svc_calc_request_init(svc_calc_request *rq);

typedef struct svc_calculation {
    io_model *model;
    calc_result *res;
    tj_gwp_set gwp;
    char *model_text; /* the model as given */
    size_t model_len;
    char *model_name;
} svc_calculation;

/* Calculate.  Database factor references resolve in ctx->db (none: only
 * inline factors). */
tj_status svc_calculate(svc_ctx *ctx, const svc_calc_request *rq, svc_calculation *out, tj_error *err);
void svc_calculation_release(svc_calculation *c);
/* The result as JSON (the stable contract: io_result_to_json plus model,
 * factors_used, inputs_digest); NULL when out of memory. */
json_t *svc_calculation_json(const svc_calculation *c);
/* The readable summary. */
void svc_calculation_text(FILE *out, const svc_calculation *c);

typedef struct svc_footprint_save_opts {
    const char *replaces;  /* id of the footprint this recalculation replaces, or NULL */
    const char *rule;      /* rule id[@version] to check against, or NULL: the applicable rule if any */
    const char *rules_dir; /* where the rules are */
} svc_footprint_save_opts;

/* Save a calculation as a footprint of the principal's organisation (roles
 * enterprise or operator).  *id_out gets the new id (malloc'ed). */
tj_status svc_footprint_save(svc_ctx *ctx, const svc_calculation *c, const svc_footprint_save_opts *opt,
                             char **id_out, tj_error *err);

/* A footprint record: what == 0 its summary (the ledger state: every column
 * but result and model, with the record digest); what == 1 the whole record
 * (result and model included, as JSON values). */
tj_status svc_footprint_get(svc_ctx *ctx, const char *id, int whole, json_t **out, tj_error *err);
/* As svc_footprint_get with no permission check, for callers that checked
 * another way (public footprints, services/publication.c). */
tj_status svc_footprint_read(store_db *db, const char *id, int whole, json_t **out, tj_error *err);
/* The footprints the principal may see, newest first, as summaries; owner
 * NULL = all it may see. */
tj_status svc_footprint_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err);
/* The ledger state of a footprint (as svc_footprint_get(..., 0, ...), with
 * no permission check): for ledger verification. */
tj_status svc_footprint_state(store_db *db, const char *id, json_t **out, tj_error *err);

/* Every footprint's state as svc_footprint_state, for ledger verification. */
tj_status svc_footprint_each_state(store_db *db,
                                   tj_status (*emit)(void *arg, const char *object_id, const json_t *state,
                                                     tj_error *err),
                                   void *arg, tj_error *err);

#endif

/*
 * services/model_factors: resolve a model's database factor references
 * ("factor": "ID@VERSION", "ID", or {"query": ..., "region": ..., "year": ...})
 * against the factor database, so that a footprint records exactly which
 * published factor version it used.
 *
 * Use svc_model_factor_resolver as io_model_options.resolver with the open
 * store_db as resolver_ctx.  Strings it puts into the io_factor are
 * malloc'ed and then owned by the model.
 */
#ifndef SERVICES_MODEL_FACTORS_H
#define SERVICES_MODEL_FACTORS_H

#include "io/model.h"
#include "store/store.h"

/* ctx: the svc_ctx * the model is read for. */
tj_status svc_model_factor_resolver(void *ctx, const char *ref_json, const char *region, int year,
                                    io_factor *out, tj_error *err);

#endif

/*
 * svc_declaration: saved declarations (battery footprint declarations and
 * CBAM communications, services/battery.h and services/cbam.h) as records
 * of the principal's organisation.  A saved declaration keeps its input
 * and result, never changes, and saving it is a ledger entry
 * ("declaration.save", object type "declaration"; the state is the record's
 * summary with the SHA-256 digest of the canonical JSON of kind, input and
 * result).  Private: another organisation's declaration does not exist for
 * the caller (TJ_ERR_NOTFOUND); the operator sees all.
 *
 * Ownership: JSON values returned are new references; inputs borrowed.
 */
#ifndef SERVICES_DECLARATION_H
#define SERVICES_DECLARATION_H

#include <jansson.h>

#include "services/ctx.h"

/* kind "battery" (input {"model": ..., "battery": ...}) or "cbam" (input:
 * the installation data).  Roles enterprise or operator. */
tj_status svc_declaration_save(svc_ctx *ctx, const char *kind, const json_t *input, const json_t *result,
                               char **id_out, tj_error *err);
/* whole = 0: the summary (the ledger state); 1: with input and result. */
tj_status svc_declaration_get(svc_ctx *ctx, const char *id, int whole, json_t **out, tj_error *err);
/* Summaries the principal may see, newest first. */
tj_status svc_declaration_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err);
/* Every declaration's ledger state, for ledger verification. */
tj_status svc_declaration_each_state(store_db *db,
                                     tj_status (*emit)(void *arg, const char *object_id, const json_t *state,
                                                       tj_error *err),
                                     void *arg, tj_error *err);

#endif

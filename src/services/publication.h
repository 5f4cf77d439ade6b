/*
 * svc_publication: footprints their owner makes public, readable without an
 * account, and reports of footprints (HTML, PDF, JSON).
 *
 * Publishing is disclosure (services/disclosure.h) with scope public and no
 * business-secret field: one concept.  It is a ledger entry of object
 * "disclosure" (publications before migration 15 have theirs under object
 * "footprint_publication", the footprint id) and can be withdrawn through
 * the disclosure.  The public record is the disclosure's footprint summary.
 *
 * Ownership: JSON values and buffers returned are the caller's.
 */
#ifndef SERVICES_PUBLICATION_H
#define SERVICES_PUBLICATION_H

#include <jansson.h>
#include <stddef.h>

#include "services/ctx.h"

/* Publish footprint id of the principal's organisation (enterprise or
 * operator role): svc_disclosure_publish with scope public.
 * TJ_ERR_CONFLICT when a public disclosure of it is in force. */
tj_status svc_footprint_publish(svc_ctx *ctx, const char *id, tj_error *err);
/* A public footprint: the summary of its public disclosure in force
 * (svc_disclosure_footprint_view); TJ_ERR_NOTFOUND for one that is missing
 * or not public.  Needs no principal. */
tj_status svc_footprint_public_get(store_db *db, const char *id, json_t **out, tj_error *err);

/* A report of footprint id of the principal (reports show stage and
 * process details, business secrets: the public sees the disclosure):
 * format "html", "pdf" or "json", zh = 1 Chinese, 0 English.  *data
 * malloc'ed, *len its size. */
tj_status svc_footprint_report(svc_ctx *ctx, const char *id, const char *format, int zh, char **data, size_t *len,
                               tj_error *err);

#endif

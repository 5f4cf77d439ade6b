/*
 * svc_publication: footprints their owner makes public, readable without an
 * account (the public verifies what the platform publishes), and reports
 * of footprints (HTML, PDF, JSON).
 *
 * Publishing is permanent (a saved footprint never changes; a
 * recalculation is a new footprint, which the public record names as
 * replaced_by) and a ledger entry (object "footprint_publication").  The
 * certification/label/disclosure services build on this later.
 *
 * Ownership: JSON values and buffers returned are the caller's.
 */
#ifndef SERVICES_PUBLICATION_H
#define SERVICES_PUBLICATION_H

#include <jansson.h>
#include <stddef.h>

#include "services/ctx.h"

/* Publish footprint id of the principal's organisation (enterprise or
 * operator role).  TJ_ERR_CONFLICT when it is public already. */
tj_status svc_footprint_publish(svc_ctx *ctx, const char *id, tj_error *err);
/* A public footprint (the whole record); TJ_ERR_NOTFOUND for one that is
 * missing or not public.  Needs no principal. */
tj_status svc_footprint_public_get(store_db *db, const char *id, json_t **out, tj_error *err);

/* A report of footprint id as the principal sees it (or a public one):
 * format "html", "pdf" or "json", zh = 1 Chinese, 0 English.  *data
 * malloc'ed, *len its size. */
tj_status svc_footprint_report(svc_ctx *ctx, const char *id, const char *format, int zh, char **data, size_t *len,
                               tj_error *err);

#endif

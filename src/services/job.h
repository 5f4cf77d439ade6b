/*
 * svc_job: calculations as jobs.  A principal submits a job (kind
 * "calculate": a stored model or one given inline, optionally saved as a
 * footprint); a server node claims it (one node only: on PostgreSQL the
 * claim takes the row FOR UPDATE SKIP LOCKED), runs it as the principal
 * who submitted it, reports progress and honours cancellation between
 * steps.  Jobs belong to the submitter's organisation: others get
 * TJ_ERR_NOTFOUND.
 *
 * Ownership: JSON values returned are new references; ids malloc'ed.
 */
#ifndef SERVICES_JOB_H
#define SERVICES_JOB_H

#include <jansson.h>

#include "services/ctx.h"

/* params of "calculate": {"model_id": ID} or {"model": {...}}, and
 * optionally "save" (bool), "rule" (id[@version]), "gwp" ("AR6"/"AR5"),
 * "mc" (0..100000), "seed", "replaces" (footprint id). */
tj_status svc_job_submit(svc_ctx *ctx, const char *kind, const json_t *params, char **id_out, tj_error *err);
/* {id, kind, status, progress, created_at, ..., result?, error?}. */
tj_status svc_job_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err);
tj_status svc_job_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err);
/* Cancel a queued or running job; TJ_ERR_CONFLICT when it has finished. */
tj_status svc_job_cancel(svc_ctx *ctx, const char *id, tj_error *err);

/* Claim and run the oldest queued job on node (a server's worker).  *ran
 * = 0 when the queue was empty.  rules_dir: where rules are (for saved
 * footprints).  Errors of the job itself are recorded in the job, not
 * returned. */
tj_status svc_job_run_next(store_db *db, const char *node, const char *rules_dir, int *ran, tj_error *err);
/* A node starting again: its jobs left running go back to the queue. */
tj_status svc_job_recover(store_db *db, const char *node, tj_error *err);

#endif

/*
 * store job: the SQL of calculation jobs (migration 13).
 * Ownership: store_job's strings are malloc'ed and owned by the struct
 * (store_job_release).
 */
#ifndef STORE_JOB_SQL_H
#define STORE_JOB_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct store_job {
    char *id, *owner_org, *created_by, *created_at, *kind, *params, *status;
    double progress;
    int cancel;
    char *node, *started_at, *finished_at, *result, *error;
} store_job;

void store_job_release(store_job *j);
tj_status store_job_insert(store_db *db, const store_job *j, tj_error *err);
/* whole = 0 leaves result NULL.  TJ_ERR_NOTFOUND when absent. */
tj_status store_job_get(store_db *db, const char *id, int whole, store_job *out, tj_error *err);
/* Newest first, without result; owner_org NULL = all. */
tj_status store_job_list(store_db *db, const char *owner_org, int limit, int offset, store_job **out, size_t *count,
                         tj_error *err);
/* Claim the oldest queued job for node (status running): *out gets it
 * (whole), or *found = 0 when none is queued.  On PostgreSQL the row is
 * taken FOR UPDATE SKIP LOCKED, so two nodes never claim one job.  Call
 * inside a transaction. */
tj_status store_job_claim(store_db *db, const char *node, const char *now, store_job *out, int *found,
                          tj_error *err);
/* Record progress (0..1); *cancel gets the job's cancel flag. */
tj_status store_job_progress(store_db *db, const char *id, double progress, int *cancel, tj_error *err);
/* Final state: done, failed or cancelled, with result (JSON text) or error. */
tj_status store_job_finish(store_db *db, const char *id, const char *status, const char *result,
                           const char *error, const char *now, tj_error *err);
/* Ask to cancel: a queued job becomes cancelled at once, a running one is
 * flagged.  *changed = 0 when the job had already finished. */
tj_status store_job_cancel(store_db *db, const char *id, const char *now, int *changed, tj_error *err);
/* Jobs left running by node (a restart of that node) go back to the queue. */
tj_status store_job_requeue_node(store_db *db, const char *node, tj_error *err);

#endif

/* store job: calculation jobs; see job_sql.h. */
#include "store/job_sql.h"

#include <stdlib.h>
#include <string.h>

static char *dup_col(store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s ? strdup(s) : NULL;
}

void store_job_release(store_job *j)
{
    free(j->id);
    free(j->owner_org);
    free(j->created_by);
    free(j->created_at);
    free(j->kind);
    free(j->params);
    free(j->status);
    free(j->node);
    free(j->started_at);
    free(j->finished_at);
    free(j->result);
    free(j->error);
    memset(j, 0, sizeof *j);
}

tj_status store_job_insert(store_db *db, const store_job *j, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "INSERT INTO job (id, owner_org, created_by, created_at, kind, params, status, "
                                        "progress, cancel) VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, 0)",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, j->id);
    store_bind_text(st, 2, j->owner_org);
    store_bind_text(st, 3, j->created_by);
    store_bind_text(st, 4, j->created_at);
    store_bind_text(st, 5, j->kind);
    store_bind_text(st, 6, j->params);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

#define COLS "id, owner_org, created_by, created_at, kind, params, status, progress, cancel, node, started_at, " \
             "finished_at, error"

static tj_status read_row(store_stmt *st, int whole, store_job *j, tj_error *err)
{
    j->id = dup_col(st, 0);
    j->owner_org = dup_col(st, 1);
    j->created_by = dup_col(st, 2);
    j->created_at = dup_col(st, 3);
    j->kind = dup_col(st, 4);
    j->params = dup_col(st, 5);
    j->status = dup_col(st, 6);
    j->progress = store_col_double(st, 7);
    j->cancel = (int)store_col_int64(st, 8);
    j->node = dup_col(st, 9);
    j->started_at = dup_col(st, 10);
    j->finished_at = dup_col(st, 11);
    j->error = dup_col(st, 12);
    if (whole)
        j->result = dup_col(st, 13);
    if (!j->id || !j->owner_org || !j->kind || !j->params || !j->status)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return TJ_OK;
}

static tj_status read_summary(store_stmt *st, void *elem, tj_error *err)
{
    return read_row(st, 0, elem, err);
}

static void release_one(void *elem)
{
    store_job_release(elem);
}

tj_status store_job_get(store_db *db, const char *id, int whole, store_job *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db, whole ? "SELECT " COLS ", result FROM job WHERE id = ?" : "SELECT " COLS " FROM job WHERE id = ?", &st,
        err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id);
    int r = store_step(st, err);
    if (r == 1)
        rc = read_row(st, whole, out, err);
    else if (r == 0)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no job \"%.80s\" / 任务不存在", id);
    else
        rc = (tj_status)r;
    store_finalize(st);
    if (rc)
        store_job_release(out);
    return rc;
}

tj_status store_job_list(store_db *db, const char *owner_org, int limit, int offset, store_job **out, size_t *count,
                         tj_error *err)
{
    *out = NULL;
    *count = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 owner_org ? "SELECT " COLS " FROM job WHERE owner_org = ? "
                                             "ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
                                           : "SELECT " COLS " FROM job ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                                 &st, err);
    if (rc)
        return rc;
    int i = 1;
    if (owner_org)
        store_bind_text(st, i++, owner_org);
    store_bind_int64(st, i++, limit);
    store_bind_int64(st, i, offset);
    rc = store_collect(st, sizeof **out, read_summary, release_one, (void **)out, count, err);
    store_finalize(st);
    return rc;
}

tj_status store_job_claim(store_db *db, const char *node, const char *now, store_job *out, int *found,
                          tj_error *err)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    store_stmt *st = NULL;
    /* one text per dialect: SQLite has no row locks (its writer lock, held
     * by the caller's BEGIN IMMEDIATE, serialises claims) */
    tj_status rc = store_prepare_cached(
        db,
        store_backend(db) == STORE_POSTGRES
            ? "UPDATE job SET status = 'running', node = ?, started_at = ? WHERE id = (SELECT id FROM job "
              "WHERE status = 'queued' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
            : "UPDATE job SET status = 'running', node = ?, started_at = ? WHERE id = (SELECT id FROM job "
              "WHERE status = 'queued' ORDER BY created_at, id LIMIT 1) RETURNING id",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, node);
    store_bind_text(st, 2, now);
    int r = store_step(st, err);
    char *id = r == 1 ? dup_col(st, 0) : NULL;
    if (r == 1)
        while (store_step(st, NULL) == 1) {
        }
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    if (r == 0)
        return TJ_OK;
    if (!id)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    rc = store_job_get(db, id, 1, out, err);
    free(id);
    if (!rc)
        *found = 1;
    return rc;
}

tj_status store_job_progress(store_db *db, const char *id, double progress, int *cancel, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, "UPDATE job SET progress = ? WHERE id = ? RETURNING cancel", &st, err);
    if (rc)
        return rc;
    store_bind_double(st, 1, progress);
    store_bind_text(st, 2, id);
    int r = store_step(st, err);
    if (cancel)
        *cancel = r == 1 ? (int)store_col_int64(st, 0) : 0;
    if (r == 1)
        while (store_step(st, NULL) == 1) {
        }
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_job_finish(store_db *db, const char *id, const char *status, const char *result,
                           const char *error, const char *now, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "UPDATE job SET status = ?, result = ?, error = ?, finished_at = ?, "
                                        "progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END WHERE id = ?",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, status);
    store_bind_text(st, 2, result);
    store_bind_text(st, 3, error);
    store_bind_text(st, 4, now);
    store_bind_text(st, 5, status);
    store_bind_text(st, 6, id);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_job_cancel(store_db *db, const char *id, const char *now, int *changed, tj_error *err)
{
    *changed = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 "UPDATE job SET cancel = 1, "
                                 "status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, "
                                 "finished_at = CASE WHEN status = 'queued' THEN ? ELSE finished_at END "
                                 "WHERE id = ? AND status IN ('queued', 'running')",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, now);
    store_bind_text(st, 2, id);
    int r = store_step(st, err);
    if (r >= 0)
        *changed = store_changes(st) > 0;
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_job_requeue_node(store_db *db, const char *node, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 "UPDATE job SET status = 'queued', node = NULL, started_at = NULL, progress = 0 "
                                 "WHERE status = 'running' AND node = ?",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, node);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* store model: models kept on the platform; see model_sql.h. */
#include "store/model_sql.h"

#include <stdlib.h>
#include <string.h>

static char *dup_col(store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s ? strdup(s) : NULL;
}

void store_model_release(store_model *m)
{
    free(m->id);
    free(m->owner_org);
    free(m->name);
    free(m->created_by);
    free(m->created_at);
    free(m->updated_at);
    free(m->body);
    free(m->digest);
    memset(m, 0, sizeof *m);
}

tj_status store_model_insert(store_db *db, const store_model *m, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "INSERT INTO model (id, owner_org, name, created_by, created_at, updated_at, "
                                        "revision, body, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, m->id);
    store_bind_text(st, 2, m->owner_org);
    store_bind_text(st, 3, m->name);
    store_bind_text(st, 4, m->created_by);
    store_bind_text(st, 5, m->created_at);
    store_bind_text(st, 6, m->updated_at);
    store_bind_int64(st, 7, m->revision);
    store_bind_text(st, 8, m->body);
    store_bind_text(st, 9, m->digest);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

#define COLS "id, owner_org, name, created_by, created_at, updated_at, revision, digest"

static tj_status read_row(store_stmt *st, int whole, store_model *m, tj_error *err)
{
    m->id = dup_col(st, 0);
    m->owner_org = dup_col(st, 1);
    m->name = dup_col(st, 2);
    m->created_by = dup_col(st, 3);
    m->created_at = dup_col(st, 4);
    m->updated_at = dup_col(st, 5);
    m->revision = store_col_int64(st, 6);
    m->digest = dup_col(st, 7);
    if (whole)
        m->body = dup_col(st, 8);
    if (!m->id || !m->owner_org || !m->name || !m->digest || (whole && !m->body))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return TJ_OK;
}

static tj_status read_summary(store_stmt *st, void *elem, tj_error *err)
{
    return read_row(st, 0, elem, err);
}

static void release_one(void *elem)
{
    store_model_release(elem);
}

tj_status store_model_get(store_db *db, const char *id, int whole, store_model *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        whole ? "SELECT " COLS ", body FROM model WHERE id = ?"
                                              : "SELECT " COLS " FROM model WHERE id = ?",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id);
    int r = store_step(st, err);
    if (r == 1)
        rc = read_row(st, whole, out, err);
    else if (r == 0)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no model \"%.80s\" / 模型不存在", id);
    else
        rc = (tj_status)r;
    store_finalize(st);
    if (rc)
        store_model_release(out);
    return rc;
}

tj_status store_model_update(store_db *db, const store_model *m, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "UPDATE model SET name = ?, body = ?, digest = ?, updated_at = ?, revision = ? "
                                        "WHERE id = ? AND revision = ?",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, m->name);
    store_bind_text(st, 2, m->body);
    store_bind_text(st, 3, m->digest);
    store_bind_text(st, 4, m->updated_at);
    store_bind_int64(st, 5, m->revision);
    store_bind_text(st, 6, m->id);
    store_bind_int64(st, 7, m->revision - 1);
    int r = store_step(st, err);
    int64_t n = r >= 0 ? store_changes(st) : 0;
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    return n ? TJ_OK
             : tj_error_set(err, TJ_ERR_CONFLICT, "revision",
                            "the model was changed by someone else (revision %lld expected) / 模型已被他人修改",
                            (long long)(m->revision - 1));
}

tj_status store_model_delete(store_db *db, const char *id, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "DELETE FROM model WHERE id = ?", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id);
    int r = store_step(st, err);
    int64_t n = r >= 0 ? store_changes(st) : 0;
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    return n ? TJ_OK : tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no model \"%.80s\" / 模型不存在", id);
}

tj_status store_model_list(store_db *db, const char *owner_org, int limit, int offset, store_model **out,
                           size_t *count, tj_error *err)
{
    *out = NULL;
    *count = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 owner_org ? "SELECT " COLS " FROM model WHERE owner_org = ? "
                                             "ORDER BY updated_at DESC, id LIMIT ? OFFSET ?"
                                           : "SELECT " COLS " FROM model ORDER BY updated_at DESC, id LIMIT ? OFFSET ?",
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

/* store auth: tokens and secrets; see auth_sql.h. */
#include "store/auth_sql.h"

#include <stdlib.h>
#include <string.h>

static char *dup_col(store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s ? strdup(s) : NULL;
}

static tj_status step_changes(store_stmt *st, int64_t *count, tj_error *err)
{
    int r = store_step(st, err);
    if (r >= 0 && count)
        *count = store_changes(st);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_token_insert(store_db *db, const char *token_hash, const char *principal_id, const char *kind,
                             const char *created_at, int64_t expires_at, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db,
                                        "INSERT INTO auth_token (token_hash, principal_id, kind, created_at, "
                                        "expires_at, revoked) VALUES (?, ?, ?, ?, ?, 0)",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, token_hash);
    store_bind_text(st, 2, principal_id);
    store_bind_text(st, 3, kind);
    store_bind_text(st, 4, created_at);
    store_bind_int64(st, 5, expires_at);
    return step_changes(st, NULL, err);
}

tj_status store_token_lookup(store_db *db, const char *token_hash, int64_t now, store_principal *p,
                             int64_t *expires_at, tj_error *err)
{
    memset(p, 0, sizeof *p);
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db,
        "SELECT p.id, p.kind, p.name, p.org_id, p.roles, p.disabled, p.created_at, t.expires_at "
        "FROM auth_token t JOIN principal p ON p.id = t.principal_id "
        "WHERE t.token_hash = ? AND t.revoked = 0 AND t.expires_at > ? AND p.disabled = 0",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, token_hash);
    store_bind_int64(st, 2, now);
    int r = store_step(st, err);
    if (r == 1) {
        p->id = dup_col(st, 0);
        p->kind = dup_col(st, 1);
        p->name = dup_col(st, 2);
        p->org_id = dup_col(st, 3);
        p->roles = dup_col(st, 4);
        p->disabled = (int)store_col_int64(st, 5);
        p->created_at = dup_col(st, 6);
        if (expires_at)
            *expires_at = store_col_int64(st, 7);
        if (!p->id || !p->kind || !p->name || !p->org_id || !p->roles)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    } else if (r == 0) {
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "token", "no such token");
    } else {
        rc = (tj_status)r;
    }
    store_finalize(st);
    if (rc)
        store_principal_release(p);
    return rc;
}

tj_status store_token_revoke(store_db *db, const char *token_hash, int64_t *count, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "UPDATE auth_token SET revoked = 1 WHERE token_hash = ? AND revoked = 0", &st,
                                 err);
    if (rc)
        return rc;
    store_bind_text(st, 1, token_hash);
    return step_changes(st, count, err);
}

tj_status store_token_revoke_principal(store_db *db, const char *principal_id, int64_t *count, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "UPDATE auth_token SET revoked = 1 WHERE principal_id = ? AND revoked = 0",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, principal_id);
    return step_changes(st, count, err);
}

tj_status store_token_purge(store_db *db, int64_t before, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "DELETE FROM auth_token WHERE expires_at < ?", &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, before);
    return step_changes(st, NULL, err);
}

tj_status store_principal_set_secret(store_db *db, const char *id, const char *secret_hash, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "UPDATE principal SET secret_hash = ? WHERE id = ?", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, secret_hash);
    store_bind_text(st, 2, id);
    int64_t n = 0;
    if ((rc = step_changes(st, &n, err)))
        return rc;
    return n ? TJ_OK : tj_error_set(err, TJ_ERR_NOTFOUND, "principal", "no such principal");
}

tj_status store_principal_set_disabled(store_db *db, const char *id, int disabled, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "UPDATE principal SET disabled = ? WHERE id = ?", &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, disabled ? 1 : 0);
    store_bind_text(st, 2, id);
    int64_t n = 0;
    if ((rc = step_changes(st, &n, err)))
        return rc;
    return n ? TJ_OK : tj_error_set(err, TJ_ERR_NOTFOUND, "principal", "no such principal");
}

/* ---- failed-login counters ---- */
tj_status store_login_limit_get(store_db *db, const char *key, int64_t *locked_until, tj_error *err)
{
    *locked_until = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, "SELECT locked_until FROM login_limit WHERE key = ?", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, key);
    int r = store_step(st, err);
    if (r == 1)
        *locked_until = store_col_int64(st, 0);
    store_finalize(st);
    return r < 0 ? r : TJ_OK;
}

tj_status store_login_limit_fail(store_db *db, const char *key, int64_t now, int64_t forget, int64_t *failures,
                                 tj_error *err)
{
    *failures = 0;
    store_stmt *st = NULL;
    /* one statement: concurrent failures on several nodes all count */
    tj_status rc = store_prepare_cached(
        db,
        "INSERT INTO login_limit (key, failures, last, locked_until) VALUES (?, 1, ?, 0) "
        "ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN excluded.last - login_limit.last > ? THEN 1 "
        "ELSE login_limit.failures + 1 END, last = excluded.last RETURNING failures",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, key);
    store_bind_int64(st, 2, now);
    store_bind_int64(st, 3, forget);
    int r = store_step(st, err);
    if (r == 1)
        *failures = store_col_int64(st, 0);
    if (r == 1)
        r = store_step(st, err) < 0 ? -1 : 0;
    store_finalize(st);
    return r < 0 ? (err && err->code ? err->code : TJ_ERR_DB) : TJ_OK;
}

tj_status store_login_limit_lock(store_db *db, const char *key, int64_t locked_until, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db, "UPDATE login_limit SET locked_until = ? WHERE key = ? AND locked_until < ?", &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, locked_until);
    store_bind_text(st, 2, key);
    store_bind_int64(st, 3, locked_until);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? r : TJ_OK;
}

tj_status store_login_limit_clear(store_db *db, const char *key, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, "DELETE FROM login_limit WHERE key = ?", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, key);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? r : TJ_OK;
}

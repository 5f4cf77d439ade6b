/* store accounts: organisations and principals; see accounts.h. */
#include "store/accounts.h"

#include <stdlib.h>
#include <string.h>

static char *dup_col(store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s ? strdup(s) : NULL;
}

void store_org_release(store_org *o)
{
    free(o->id);
    free(o->name);
    free(o->kind);
    free(o->region);
    free(o->created_at);
    memset(o, 0, sizeof *o);
}

void store_principal_release(store_principal *p)
{
    free(p->id);
    free(p->kind);
    free(p->name);
    free(p->org_id);
    free(p->roles);
    free(p->secret_hash);
    free(p->created_at);
    memset(p, 0, sizeof *p);
}

static tj_status step_done(store_stmt *st, tj_error *err)
{
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* The row whose id, else whose name, is key: TJ_ERR_NOTFOUND (with
 * not_found, a format taking the key) when there is none. */
static tj_status get_by_id_or_name(store_db *db, const char *sql, const char *key,
                                   tj_status (*read)(store_stmt *st, void *elem, tj_error *err), void *out,
                                   const char *what, const char *not_found, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, sql, &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, key);
    store_bind_text(st, 2, key);
    store_bind_text(st, 3, key);
    int r = store_step(st, err);
    if (r == 1)
        rc = read(st, out, err);
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    if (r == 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, what, not_found, key);
    return rc;
}

tj_status store_org_insert(store_db *db, const store_org *o, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "INSERT INTO organisation (id, name, kind, region, created_at) VALUES (?, ?, ?, ?, ?)",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, o->id);
    store_bind_text(st, 2, o->name);
    store_bind_text(st, 3, o->kind);
    store_bind_text(st, 4, o->region);
    store_bind_text(st, 5, o->created_at);
    return step_done(st, err);
}

#define ORG_COLS "id, name, kind, region, created_at"

static tj_status read_org(store_stmt *st, void *elem, tj_error *err)
{
    (void)err;
    store_org *o = elem;
    o->id = dup_col(st, 0);
    o->name = dup_col(st, 1);
    o->kind = dup_col(st, 2);
    o->region = dup_col(st, 3);
    o->created_at = dup_col(st, 4);
    return TJ_OK;
}

static void release_org(void *elem)
{
    store_org_release(elem);
}


tj_status store_org_get(store_db *db, const char *id_or_name, store_org *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    return get_by_id_or_name(db, "SELECT " ORG_COLS " FROM organisation WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
                             id_or_name, read_org, out, "organisation", "no organisation \"%s\" / 组织不存在", err);
}

tj_status store_org_list(store_db *db, store_org **out, size_t *count, tj_error *err)
{
    *out = NULL;
    *count = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "SELECT " ORG_COLS " FROM organisation ORDER BY name", &st, err);
    if (rc)
        return rc;
    rc = store_collect(st, sizeof **out, read_org, release_org, (void **)out, count, err);
    store_finalize(st);
    return rc;
}

tj_status store_principal_insert(store_db *db, const store_principal *p, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 "INSERT INTO principal (id, kind, name, org_id, roles, secret_hash, disabled, "
                                 "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, p->id);
    store_bind_text(st, 2, p->kind);
    store_bind_text(st, 3, p->name);
    store_bind_text(st, 4, p->org_id);
    store_bind_text(st, 5, p->roles);
    store_bind_text(st, 6, p->secret_hash);
    store_bind_int64(st, 7, p->disabled);
    store_bind_text(st, 8, p->created_at);
    return step_done(st, err);
}

#define PRINCIPAL_COLS "id, kind, name, org_id, roles, secret_hash, disabled, created_at"

static tj_status read_principal(store_stmt *st, void *elem, tj_error *err)
{
    (void)err;
    store_principal *p = elem;
    p->id = dup_col(st, 0);
    p->kind = dup_col(st, 1);
    p->name = dup_col(st, 2);
    p->org_id = dup_col(st, 3);
    p->roles = dup_col(st, 4);
    p->secret_hash = dup_col(st, 5);
    p->disabled = (int)store_col_int64(st, 6);
    p->created_at = dup_col(st, 7);
    return TJ_OK;
}

static void release_principal(void *elem)
{
    store_principal_release(elem);
}


tj_status store_principal_get(store_db *db, const char *id_or_name, store_principal *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    return get_by_id_or_name(db, "SELECT " PRINCIPAL_COLS " FROM principal WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
                             id_or_name, read_principal, out, "principal", "no user or client \"%s\" / 用户不存在", err);
}

tj_status store_principal_list(store_db *db, const char *org_id, store_principal **out, size_t *count,
                               tj_error *err)
{
    *out = NULL;
    *count = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 "SELECT " PRINCIPAL_COLS " FROM principal WHERE CAST(? AS TEXT) IS NULL OR org_id = ? ORDER BY name",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, org_id);
    store_bind_text(st, 2, org_id);
    rc = store_collect(st, sizeof **out, read_principal, release_principal, (void **)out, count, err);
    store_finalize(st);
    return rc;
}

/* store declaration: saved declarations; see declaration_sql.h. */
#include "store/declaration_sql.h"

#include <string.h>

#define COLS "id, org_id, kind, created_at, created_by, subject, example, digest"

tj_status store_declaration_insert(store_db *db, const store_declaration *d, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare(
        db, "INSERT INTO declaration (" COLS ", input, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st,
        err);
    if (rc)
        return rc;
    store_bind_text(st, 1, d->id);
    store_bind_text(st, 2, d->org_id);
    store_bind_text(st, 3, d->kind);
    store_bind_text(st, 4, d->created_at);
    store_bind_text(st, 5, d->created_by);
    store_bind_text(st, 6, d->subject);
    store_bind_int64(st, 7, d->example ? 1 : 0);
    store_bind_text(st, 8, d->digest);
    store_bind_text(st, 9, d->input);
    store_bind_text(st, 10, d->result);
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

static json_t *row(store_stmt *st, int whole)
{
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "id", store_col_text(st, 0), "org_id",
                  store_col_text(st, 1), "kind", store_col_text(st, 2), "created_at", store_col_text(st, 3),
                  "created_by", store_col_text(st, 4), "subject", store_col_text(st, 5), "example",
                  store_col_int64(st, 6) != 0, "digest", store_col_text(st, 7));
    if (o && whole) {
        const char *in = store_col_text(st, 8), *res = store_col_text(st, 9);
        json_t *a = in ? json_loads(in, 0, NULL) : NULL, *b = res ? json_loads(res, 0, NULL) : NULL;
        if (!a || !b || json_object_set_new(o, "input", a) || json_object_set_new(o, "result", b)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

tj_status store_declaration_get(store_db *db, const char *id, int whole, json_t **out, tj_error *err)
{
    *out = NULL;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db,
                                 whole ? "SELECT " COLS ", input, result FROM declaration WHERE id = ?"
                                       : "SELECT " COLS " FROM declaration WHERE id = ?",
                                 &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id);
    int r = store_step(st, err);
    if (r == 1 && !(*out = row(st, whole)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory or a damaged row");
    else if (r == 0)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no declaration \"%.80s\" / 申报记录不存在", id);
    else if (r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    return rc;
}

tj_status store_declaration_list(store_db *db, const char *org, int limit, int offset, json_t **out,
                                 tj_error *err)
{
    *out = NULL;
    store_stmt *st = NULL;
    tj_status rc =
        store_prepare(db,
                      org ? "SELECT " COLS " FROM declaration WHERE org_id = ? "
                            "ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
                          : "SELECT " COLS " FROM declaration ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                      &st, err);
    if (rc)
        return rc;
    int i = 1;
    if (org)
        store_bind_text(st, i++, org);
    store_bind_int64(st, i++, limit);
    store_bind_int64(st, i, offset);
    json_t *a = json_array();
    int r = 0;
    while (a && (r = store_step(st, err)) == 1) {
        json_t *o = row(st, 0);
        if (!o || json_array_append_new(a, o)) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
    }
    if (!a)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else if (!rc && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}

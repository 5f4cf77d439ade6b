/* store/json_rows: SQL rows as JSON objects; see json_rows.h. */
#include "store/json_rows.h"

#include <string.h>

static tj_status nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

void store_json_bind(store_stmt *st, int i, const json_t *v)
{
    if (json_is_string(v))
        store_bind_text(st, i, json_string_value(v));
    else if (json_is_integer(v))
        store_bind_int64(st, i, (int64_t)json_integer_value(v));
    else if (json_is_real(v))
        store_bind_double(st, i, json_real_value(v));
    else if (json_is_boolean(v))
        store_bind_int64(st, i, json_is_true(v));
    else
        store_bind_null(st, i);
}

tj_status store_json_prepare(store_db *db, const char *sql, json_t *binds, int cached, store_stmt **st,
                             tj_error *err)
{
    tj_status rc = binds ? (cached ? store_prepare_cached(db, sql, st, err) : store_prepare(db, sql, st, err))
                         : nomem(err);
    if (rc == TJ_OK) {
        size_t i;
        json_t *v;
        json_array_foreach(binds, i, v) store_json_bind(*st, (int)i + 1, v);
    }
    json_decref(binds);
    return rc;
}

json_t *store_json_row(store_stmt *st, const char *spec)
{
    json_t *o = json_object();
    const char *p = spec;
    int col = 0;
    while (o && *p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char type = *p++;
        size_t n = strcspn(p, " ");
        json_t *v;
        if (store_col_is_null(st, col))
            v = json_null();
        else if (type == 'i')
            v = json_integer((json_int_t)store_col_int64(st, col));
        else if (type == 'd')
            v = json_real(store_col_double(st, col));
        else
            v = json_string(store_col_text(st, col));
        if (!v || json_object_setn_new(o, p, n, v)) {
            json_decref(o);
            return NULL;
        }
        col++;
        p += n;
    }
    return o;
}

tj_status store_json_rows(store_db *db, const char *sql, const char *spec, json_t *binds, int cached,
                          json_t **out, tj_error *err)
{
    *out = NULL;
    store_stmt *st = NULL;
    tj_status rc = store_json_prepare(db, sql, binds, cached, &st, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    int r = 0;
    while (a && (r = store_step(st, err)) == 1) {
        json_t *o = store_json_row(st, spec);
        if (!o || json_array_append_new(a, o)) {
            r = nomem(err);
            break;
        }
    }
    store_finalize(st);
    if (!a)
        return nomem(err);
    if (r < 0) {
        json_decref(a);
        return (tj_status)r;
    }
    *out = a;
    return TJ_OK;
}

tj_status store_json_one(store_db *db, const char *sql, const char *spec, json_t *binds, const char *what,
                         const char *key, json_t **out, tj_error *err)
{
    json_t *a = NULL;
    *out = NULL;
    tj_status rc = store_json_rows(db, sql, spec, binds, 1, &a, err);
    if (rc)
        return rc;
    if (json_array_size(a) == 0) {
        json_decref(a);
        return tj_error_set(err, TJ_ERR_NOTFOUND, NULL, "no %s \"%s\" / 不存在", what, key ? key : "");
    }
    *out = json_incref(json_array_get(a, 0));
    json_decref(a);
    return TJ_OK;
}

tj_status store_json_exec(store_db *db, const char *sql, json_t *binds, int cached, int64_t *changes,
                          tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_json_prepare(db, sql, binds, cached, &st, err);
    if (rc)
        return rc;
    int r = store_step(st, err);
    if (changes)
        *changes = store_changes(st);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

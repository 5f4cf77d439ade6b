/*
 * svc_factor persistence: reading and writing versions, names, evidence and
 * events (the SQL is in store/factor_sql.c).
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"

/* ---- reading rows ---------------------------------------------------- */

void fx_read_row(store_stmt *st, int first, svc_factor *f)
{
    svc_factor_init(f);
    for (size_t i = 0; i < fx_db_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        void *p = (char *)f + fd->offset;
        int c = first + (int)i;
        switch (fd->type) {
        case SVC_FT_TEXT:
        case SVC_FT_JSON: *(char **)p = fx_strdup(store_col_text(st, c)); break;
        case SVC_FT_INT: *(int *)p = (int)store_col_int64(st, c); break;
        case SVC_FT_DOUBLE: *(double *)p = store_col_is_null(st, c) ? NAN : store_col_double(st, c); break;
        }
    }
}

tj_status fx_load_evidence(store_db *db, svc_factor *f, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(
        db, "SELECT sha256, name FROM factor_evidence WHERE id = ? AND version = ? ORDER BY sha256", &st,
        err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, f->id);
    store_bind_int64(st, 2, f->version);
    char *acc = NULL;
    size_t len = 0;
    int s;
    while ((s = store_step(st, err)) == 1) {
        const char *d = store_col_text(st, 0), *n = store_col_text(st, 1);
        size_t add = strlen(d) + (n ? strlen(n) + 1 : 0) + 2;
        char *na = realloc(acc, len + add);
        if (!na) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        acc = na;
        len += (size_t)sprintf(acc + len, "%s%s%s%s", len ? ";" : "", d, n ? "=" : "", n ? n : "");
    }
    store_finalize(st);
    if (s < 0) {
        free(acc);
        return (tj_status)s;
    }
    free(f->evidence);
    f->evidence = acc;
    return TJ_OK;
}

tj_status svc_factor_get(store_db *db, const char *id, int version, svc_factor *out, tj_error *err)
{
    svc_factor_init(out);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM factor_version fv WHERE fv.id = ? %s "
             "ORDER BY CASE WHEN fv.status = 'published' THEN 0 ELSE 1 END, fv.version DESC LIMIT 1",
             fx_db_columns(), version > 0 ? "AND fv.version = ?" : "");
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, sql, &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    if (version > 0)
        store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    if (s == 1)
        fx_read_row(st, 0, out);
    store_finalize(st);
    if (s < 0)
        return (tj_status)s;
    if (s == 0) {
        if (version > 0)
            return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    }
    rc = fx_load_evidence(db, out, err);
    if (rc != TJ_OK)
        svc_factor_release(out);
    return rc;
}

tj_status svc_factor_get_for_use(store_db *db, const char *id, int version, svc_factor *out, tj_error *err)
{
    tj_status rc = svc_factor_get(db, id, version, out, err);
    if (rc != TJ_OK)
        return rc;
    int ok = !strcmp(out->status, "published") || (version > 0 && !strcmp(out->status, "superseded"));
    if (ok)
        return TJ_OK;
    if (version > 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "factor", "%s@%d is %s: only published versions can be used",
                          id, version, out->status);
    else
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor",
                          "%s has no published version (the newest, %d, is %s)", id, out->version,
                          out->status);
    svc_factor_release(out);
    return rc;
}

/* ---- writing --------------------------------------------------------- */

tj_status fx_event(store_db *db, const char *id, int version, const char *action, const char *from,
                   const char *to, const char *actor, const char *at, const char *reason, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(
        db,
        "INSERT INTO factor_event (id, version, action, from_status, to_status, actor, at, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    store_bind_text(st, 3, action);
    store_bind_text(st, 4, from);
    store_bind_text(st, 5, to);
    store_bind_text(st, 6, actor);
    store_bind_text(st, 7, at);
    store_bind_text(st, 8, fx_empty(reason) ? NULL : reason);
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* Names for resolution: id, name_zh, name_en and every alias. */
typedef struct name_ctx {
    store_stmt *st;
    const svc_factor *f;
} name_ctx;

static tj_status insert_name(void *vctx, const char *norm, tj_error *err)
{
    name_ctx *c = vctx;
    store_reset(c->st);
    store_bind_text(c->st, 1, norm);
    store_bind_text(c->st, 2, c->f->id);
    store_bind_int64(c->st, 3, c->f->version);
    store_bind_text(c->st, 4, c->f->region);
    if (c->f->ref_year)
        store_bind_int64(c->st, 5, c->f->ref_year);
    else
        store_bind_null(c->st, 5);
    store_bind_text(c->st, 6, c->f->source_date);
    int s = store_step(c->st, err);
    return s < 0 ? (tj_status)s : TJ_OK;
}

tj_status fx_insert_evidence(store_db *db, const svc_factor *f, tj_error *err)
{
    if (fx_empty(f->evidence))
        return TJ_OK;
    char *ev = fx_strdup(f->evidence);
    if (!ev)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "INSERT INTO factor_evidence (id, version, sha256, name, traceable) VALUES (?, ?, ?, ?, ?)", &st,
        err);
    if (rc != TJ_OK) {
        free(ev);
        return rc;
    }
    for (char *save = NULL, *e = strtok_r(ev, ";", &save); e && rc == TJ_OK; e = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(e, '=');
        if (eq)
            *eq = 0;
        for (char *p = e; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        store_reset(st);
        store_bind_text(st, 1, f->id);
        store_bind_int64(st, 2, f->version);
        store_bind_text(st, 3, e);
        store_bind_text(st, 4, eq ? eq + 1 : NULL);
        store_bind_int64(st, 5, f->traceable);
        int s = store_step(st, err);
        if (s < 0)
            rc = (tj_status)s;
    }
    store_finalize(st);
    free(ev);
    return rc;
}

/* SQLite: index one version (id != NULL) or every version with rid > since
 * (id == NULL) in factor_fts. */
tj_status fx_fts_sync(store_db *db, const char *id, int64_t since_or_version, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(db,
                                 id ? "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text "
                                      "FROM factor_version WHERE id = ? AND version = ? AND status <> 'superseded'"
                                    : "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text "
                                      "FROM factor_version WHERE rid > ? AND status <> 'superseded'",
                                 &st, err);
    if (rc != TJ_OK)
        return rc;
    if (id) {
        store_bind_text(st, 1, id);
        store_bind_int64(st, 2, since_or_version);
    } else {
        store_bind_int64(st, 1, since_or_version);
    }
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* Insert one version row (f fully set: id, version, status, times). */
tj_status fx_insert_version(store_db *db, const svc_regions *regions, const svc_factor *f, tj_error *err)
{
    char sql[2048];
    size_t o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO factor_version (");
    for (size_t i = 0; i < fx_db_field_count; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s, ", svc_factor_fields[i].name);
    int pg = store_backend(db) == STORE_POSTGRES;
    o += (size_t)snprintf(sql + o, sizeof sql - o, pg ? "search_text, search_keys) VALUES (" : "search_text) VALUES (");
    for (size_t i = 0; i <= fx_db_field_count + (size_t)pg; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?", i ? ", " : "");
    snprintf(sql + o, sizeof sql - o, ")");
    store_stmt *st;
    tj_status rc = store_prepare(db, sql, &st, err);
    if (rc != TJ_OK)
        return rc;
    for (size_t i = 0; i < fx_db_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        const void *p = (const char *)f + fd->offset;
        int k = (int)i + 1;
        switch (fd->type) {
        case SVC_FT_TEXT:
        case SVC_FT_JSON: store_bind_text(st, k, *(char *const *)p); break;
        case SVC_FT_INT: {
            int v = *(const int *)p;
            if (v == 0 && strcmp(fd->name, "traceable"))
                store_bind_null(st, k);
            else
                store_bind_int64(st, k, v);
            break;
        }
        case SVC_FT_DOUBLE: {
            double v = *(const double *)p;
            if (isnan(v))
                store_bind_null(st, k);
            else
                store_bind_double(st, k, v);
            break;
        }
        }
    }
    char *search = fx_search_text(regions, f, !pg);
    char *keys = search && pg ? fx_search_keys(search, f) : NULL;
    if (!search || (pg && !keys)) {
        store_finalize(st);
        free(search);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    store_bind_text(st, (int)fx_db_field_count + 1, search);
    if (pg)
        store_bind_text(st, (int)fx_db_field_count + 2, keys);
    int s = store_step(st, err);
    store_finalize(st);
    free(search);
    free(keys);
    if (s < 0)
        return (tj_status)s;
    if (store_backend(db) == STORE_SQLITE) {
        if ((rc = fx_fts_sync(db, f->id, f->version, err)) != TJ_OK)
            return rc;
    }
    if (f->status && !strcmp(f->status, "published") && (rc = fx_insert_names(db, f, err)) != TJ_OK)
        return rc;
    return fx_insert_evidence(db, f, err);
}

tj_status fx_insert_names(store_db *db, const svc_factor *f, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "INSERT INTO factor_name (name_norm, id, version, region, ref_year, source_date) VALUES (?, ?, ?, ?, ?, ?)",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    name_ctx c = {st, f};
    rc = fx_for_each_name(f, insert_name, &c, err);
    store_finalize(st);
    return rc;
}

tj_status fx_delete_names(store_db *db, const char *id, int version, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, "DELETE FROM factor_name WHERE id = ? AND version = ?", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* Newest version of id and its status (0 if none). */
tj_status fx_latest(store_db *db, const char *id, int *version, char **status, tj_error *err)
{
    *version = 0;
    if (status)
        *status = NULL;
    store_stmt *st;
    tj_status rc = store_prepare(
        db, "SELECT version, status FROM factor_version WHERE id = ? ORDER BY version DESC LIMIT 1", &st,
        err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s = store_step(st, err);
    if (s == 1) {
        *version = (int)store_col_int64(st, 0);
        if (status)
            *status = fx_strdup(store_col_text(st, 1));
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

int fx_status_in_workflow(const char *s)
{
    return !strcmp(s, "draft") || !strcmp(s, "submitted") || !strcmp(s, "under_review") ||
           !strcmp(s, "approved");
}


/*
 * svc_factor persistence: reading and writing versions, names, evidence and
 * events on top of store/factor_sql.c (which holds the SQL).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/ctx.h"
#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "store/factor_sql.h"

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

tj_status fx_row_into(void *arg, store_stmt *st, int first, tj_error *err)
{
    (void)err;
    fx_read_row(st, first, arg);
    return TJ_OK;
}

int fx_columns_agree(void)
{
    if (fx_db_field_count != factor_sql_ncolumns)
        return 0;
    for (size_t i = 0; i < fx_db_field_count; i++)
        if (strcmp(svc_factor_fields[i].name, factor_sql_columns[i]))
            return 0;
    return 1;
}

tj_status fx_load_evidence(store_db *db, svc_factor *f, tj_error *err)
{
    char *ev;
    tj_status rc = factor_sql_load_evidence(db, f->id, f->version, &ev, err);
    if (rc != TJ_OK)
        return rc;
    free(f->evidence);
    f->evidence = ev;
    return TJ_OK;
}

tj_status fx_get(store_db *db, const char *id, int version, svc_factor *out, tj_error *err)
{
    svc_factor_init(out);
    int found;
    tj_status rc = factor_sql_get(db, id, version, 0, fx_row_into, out, &found, err);
    if (rc != TJ_OK) {
        svc_factor_release(out);
        return rc;
    }
    if (!found) {
        if (version > 0)
            return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    }
    rc = fx_load_evidence(db, out, err);
    if (rc != TJ_OK)
        svc_factor_release(out);
    return rc;
}

/* ---- writing --------------------------------------------------------- */

tj_status fx_event(store_db *db, const char *id, int version, const char *action, const char *from,
                   const char *to, const char *actor, const char *at, const char *reason, tj_error *err)
{
    return factor_sql_event(db, id, version, action, from, to, actor, at, reason, err);
}

typedef struct names_acc {
    const char **items;
    char **owned;
    size_t n;
} names_acc;

static tj_status collect_name(void *vctx, const char *norm, tj_error *err)
{
    names_acc *a = vctx;
    const char **ni = realloc(a->items, (a->n + 1) * sizeof *ni);
    if (ni)
        a->items = ni;
    char **no = realloc(a->owned, (a->n + 1) * sizeof *no);
    if (no)
        a->owned = no;
    char *c = fx_strdup(norm);
    if (!ni || !no || !c) {
        free(c);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    a->items[a->n] = c;
    a->owned[a->n++] = c;
    return TJ_OK;
}

tj_status fx_insert_names(store_db *db, const svc_factor *f, tj_error *err)
{
    names_acc a = {0};
    tj_status rc = fx_for_each_name(f, collect_name, &a, err);
    if (rc == TJ_OK)
        rc = factor_sql_insert_names(db, f->id, f->version, f->region, f->ref_year, f->source_date, a.items, a.n,
                                     err);
    for (size_t i = 0; i < a.n; i++)
        free(a.owned[i]);
    free(a.owned);
    free(a.items);
    return rc;
}

tj_status fx_delete_names(store_db *db, const char *id, int version, tj_error *err)
{
    return factor_sql_delete_names(db, id, version, err);
}

tj_status fx_insert_evidence(store_db *db, const svc_factor *f, tj_error *err)
{
    if (fx_empty(f->evidence))
        return TJ_OK;
    char *ev = fx_strdup(f->evidence);
    size_t cap = 1;
    for (const char *p = f->evidence; *p; p++)
        cap += *p == ';';
    const char **digests = calloc(cap, sizeof *digests), **names = calloc(cap, sizeof *names);
    tj_status rc = TJ_OK;
    if (!ev || !digests || !names) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    size_t n = 0;
    for (char *save = NULL, *e = strtok_r(ev, ";", &save); e && n < cap; e = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(e, '=');
        if (eq)
            *eq = 0;
        for (char *p = e; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        digests[n] = e;
        names[n++] = eq ? eq + 1 : NULL;
    }
    rc = factor_sql_insert_evidence(db, f->id, f->version, f->traceable, digests, names, n, err);
out:
    free(digests);
    free(names);
    free(ev);
    return rc;
}

/* The columns of f as text, NULL for unset (factor_sql_columns order);
 * vals[0..fx_db_field_count) malloc'ed: fx_vals_release. */
tj_status fx_vals(const svc_factor *f, char **vals, tj_error *err)
{
    int oom = 0;
    for (size_t k = 0; k < fx_db_field_count; k++) {
        vals[k] = svc_factor_get_field(f, &svc_factor_fields[k]);
        oom |= !vals[k];
        if (vals[k] && !*vals[k]) {
            free(vals[k]);
            vals[k] = NULL;
        }
    }
    if (oom) {
        fx_vals_release(vals);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    return TJ_OK;
}

void fx_vals_borrow(const svc_factor *f, const char **vals, char *scratch)
{
    for (size_t k = 0; k < fx_db_field_count; k++) {
        const svc_field *fd = &svc_factor_fields[k];
        const void *p = (const char *)f + fd->offset;
        char *buf = scratch + 32 * k;
        const char *v = NULL;
        switch (fd->type) {
        case SVC_FT_TEXT:
        case SVC_FT_JSON: v = *(char *const *)p; break;
        case SVC_FT_INT: {
            int x = *(const int *)p;
            if (x != 0 || !strcmp(fd->name, "traceable")) {
                snprintf(buf, 32, "%d", x);
                v = buf;
            }
            break;
        }
        case SVC_FT_DOUBLE: { /* as svc_factor_get_field */
            double x = *(const double *)p;
            if (!isnan(x)) {
                snprintf(buf, 32, "%.15g", x);
                if (strtod(buf, NULL) != x)
                    snprintf(buf, 32, "%.17g", x);
                v = buf;
            }
            break;
        }
        }
        vals[k] = v && *v ? v : NULL;
    }
}

void fx_vals_release(char **vals)
{
    for (size_t k = 0; k < fx_db_field_count; k++) {
        free(vals[k]);
        vals[k] = NULL;
    }
}

/* Insert one version row (f fully set: id, version, status, times). */
tj_status fx_insert_version(store_db *db, const svc_regions *regions, const svc_factor *f, tj_error *err)
{
    char *vals[64];
    tj_status rc = fx_vals(f, vals, err);
    if (rc != TJ_OK)
        return rc;
    char *search = fx_search_text(regions, f);
    if (!search)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else
        rc = factor_sql_insert_version(db, (const char *const *)vals, search, err);
    free(search);
    fx_vals_release(vals);
    if (rc != TJ_OK)
        return rc;
    if (f->status && !strcmp(f->status, "published") && (rc = fx_insert_names(db, f, err)) != TJ_OK)
        return rc;
    return fx_insert_evidence(db, f, err);
}

/* Newest version of id and its status (0 if none). */
tj_status fx_latest(store_db *db, const char *id, int *version, char **status, tj_error *err)
{
    return factor_sql_latest(db, id, version, status, NULL, err);
}

int fx_status_in_workflow(const char *s)
{
    return !strcmp(s, "draft") || !strcmp(s, "submitted") || !strcmp(s, "under_review") ||
           !strcmp(s, "approved");
}

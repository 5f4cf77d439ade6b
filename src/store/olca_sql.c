/*
 * store/olca_sql: olca_db <-> olca_* tables.
 */
#include "store/olca_sql.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOMEM(err) tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory")

/* Rows of one table for a bulk load: fill vals (ncols strings, NULL = SQL
 * NULL) for row i of item k; return 1 when a row was produced, 0 to skip. */
typedef struct save_ctx {
    const olca_db *o;
    int kind; /* entity kind for row_ent */
    char num[5][40];
} save_ctx;

typedef int (*row_fn)(save_ctx *c, int item, int sub, const char **vals);

/* Bulk-load rows produced by fn for items from..to-1 and, per item,
 * sub-rows 0..nsub(item)-1 (nsub NULL: one row per item). */
static tj_status bulk_range(store_db *db, const char *table, const char *const *cols, int ncols, save_ctx *c,
                            int from, int nitems, int (*nsub)(save_ctx *, int), row_fn fn,
                            store_olca_progress_fn progress, void *user, const char *phase, tj_error *err)
{
    if (from >= nitems)
        return TJ_OK;
    store_bulk *b = NULL;
    tj_status rc = store_bulk_begin(db, table, cols, ncols, &b, err);
    long done = 0, total = 0;
    if (progress)
        for (int i = from; i < nitems; i++)
            total += nsub ? nsub(c, i) : 1;
    const char *vals[16];
    for (int i = from; rc == TJ_OK && i < nitems; i++) {
        int ns = nsub ? nsub(c, i) : 1;
        for (int k = 0; rc == TJ_OK && k < ns; k++) {
            if (fn(c, i, k, vals))
                rc = store_bulk_row(b, vals, err);
            done++;
        }
        if (progress && phase && ((i + 1) % 100 == 0 || i + 1 == nitems))
            progress(user, phase, done, total);
    }
    if (!b)
        return rc;
    if (rc == TJ_OK)
        return store_bulk_end(b, err);
    store_bulk_abort(b);
    return rc;
}

static tj_status bulk_rows(store_db *db, const char *table, const char *const *cols, int ncols, save_ctx *c,
                           int nitems, int (*nsub)(save_ctx *, int), row_fn fn, store_olca_progress_fn progress,
                           void *user, const char *phase, tj_error *err)
{
    return bulk_range(db, table, cols, ncols, c, 0, nitems, nsub, fn, progress, user, phase, err);
}

static void fmt_num(char *buf, double v)
{
    snprintf(buf, 40, "%.17g", v);
}

/* unit groups */
static int row_ug(save_ctx *c, int i, int k, const char **v)
{
    (void)k;
    const olca_unit_group *g = &c->o->unit_groups[i];
    v[0] = g->id;
    v[1] = g->name;
    v[2] = g->ref >= 0 ? g->units[g->ref].name : NULL;
    return 1;
}
static int n_units(save_ctx *c, int i)
{
    return c->o->unit_groups[i].nunits;
}
static int row_unit(save_ctx *c, int i, int k, const char **v)
{
    const olca_unit_group *g = &c->o->unit_groups[i];
    snprintf(c->num[0], 40, "%d", k);
    fmt_num(c->num[1], g->units[k].factor);
    v[0] = g->id;
    v[1] = c->num[0];
    v[2] = g->units[k].id;
    v[3] = g->units[k].name;
    v[4] = c->num[1];
    v[5] = k == g->ref ? "1" : "0";
    return 1;
}
static int row_prop(save_ctx *c, int i, int k, const char **v)
{
    (void)k;
    v[0] = c->o->props[i].id;
    v[1] = c->o->props[i].name;
    v[2] = c->o->props[i].unit_group;
    return 1;
}
static int row_flow(save_ctx *c, int i, int k, const char **v)
{
    (void)k;
    const olca_flow *f = &c->o->flows[i];
    v[0] = f->id;
    v[1] = f->name;
    v[2] = olca_flow_type_key(f->type);
    v[3] = f->category;
    v[4] = f->cas;
    v[5] = f->formula;
    v[6] = f->location;
    v[7] = f->ref_property;
    v[8] = f->ref_unit;
    return 1;
}
static int n_fprops(save_ctx *c, int i)
{
    return c->o->flows[i].nprops;
}
static int row_fprop(save_ctx *c, int i, int k, const char **v)
{
    const olca_flow *f = &c->o->flows[i];
    for (int j = 0; j < k; j++) /* a property listed twice: keep the first */
        if (!strcmp(f->props[j].property, f->props[k].property))
            return 0;
    fmt_num(c->num[0], f->props[k].factor);
    v[0] = f->id;
    v[1] = f->props[k].property;
    v[2] = c->num[0];
    v[3] = f->props[k].is_ref ? "1" : "0";
    return 1;
}
static int row_proc(save_ctx *c, int i, int k, const char **v)
{
    (void)k;
    const olca_process *p = &c->o->procs[i];
    v[0] = p->id;
    v[1] = p->name;
    v[2] = p->category;
    v[3] = p->location;
    v[4] = olca_alloc_key(p->default_alloc);
    return 1;
}
static int n_ex(save_ctx *c, int i)
{
    return c->o->procs[i].nex;
}
static int row_ex(save_ctx *c, int i, int k, const char **v)
{
    const olca_process *p = &c->o->procs[i];
    const olca_exchange *e = &p->ex[k];
    snprintf(c->num[0], 40, "%d", k);
    fmt_num(c->num[1], e->amount);
    v[0] = p->id;
    v[1] = c->num[0];
    v[2] = c->o->flows[e->flow].id;
    v[3] = e->input ? "1" : "0";
    v[4] = e->avoided ? "1" : "0";
    v[5] = e->qref ? "1" : "0";
    v[6] = c->num[1];
    v[7] = e->provider;
    static const char *const kinds[] = {NULL, "lognormal", "normal", "triangular", "uniform"};
    v[8] = (unsigned)e->dist.kind < 5 ? kinds[e->dist.kind] : NULL;
    v[9] = v[10] = v[11] = NULL;
    if (v[8]) {
        fmt_num(c->num[2], e->dist.a);
        fmt_num(c->num[3], e->dist.b);
        fmt_num(c->num[4], e->dist.c);
        v[9] = c->num[2];
        v[10] = c->num[3];
        v[11] = c->num[4];
    }
    return 1;
}
static int n_alloc(save_ctx *c, int i)
{
    return c->o->procs[i].nalloc;
}
static int row_alloc(save_ctx *c, int i, int k, const char **v)
{
    const olca_process *p = &c->o->procs[i];
    const olca_alloc_factor *a = &p->alloc[k];
    snprintf(c->num[0], 40, "%d", k);
    fmt_num(c->num[1], a->value);
    v[0] = p->id;
    v[1] = c->num[0];
    v[2] = olca_alloc_key(a->method);
    v[3] = a->product >= 0 ? c->o->flows[a->product].id : NULL;
    v[4] = a->exchange_flow >= 0 ? c->o->flows[a->exchange_flow].id : NULL;
    v[5] = c->num[1];
    return 1;
}
static const olca_entity *ent_arr(const olca_db *o, int kind, int *n)
{
    *n = kind == 0 ? o->nlocations : kind == 1 ? o->nsources : o->nactors;
    return kind == 0 ? o->locations : kind == 1 ? o->sources : o->actors;
}
static int row_ent(save_ctx *c, int i, int k, const char **v)
{
    (void)k;
    int n;
    const olca_entity *e = ent_arr(c->o, c->kind, &n);
    for (int j = 0; j < i; j++) /* the same UUID twice: keep the first */
        if (!strcmp(e[j].id, e[i].id))
            return 0;
    v[0] = e[i].id;
    v[1] = e[i].name;
    v[2] = e[i].code;
    return 1;
}

/* Upsert every row of an entity table through a staging table (bulk load,
 * then one INSERT ... SELECT ... ON CONFLICT), and delete the child rows
 * (tables in children[], column parent_col) of those ids. */
/* 1 if table has no row, 0 if it has, or an error (a negative tj_status). */
static int table_empty(store_db *db, const char *table, tj_error *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", table);
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, sql, &st, err);
    if (rc != TJ_OK)
        return (int)rc;
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? r : !r;
}

/* Rows of items from..nitems-1; empty: the table was empty before this save
 * (-1: find out now). */
static tj_status upsert_range(store_db *db, const char *table, const char *const *cols, int ncols, save_ctx *c,
                              int from, int nitems, int empty, row_fn fn, const char *const *children,
                              store_olca_progress_fn progress, void *user, const char *phase, tj_error *err)
{
    /* Into an empty table (the first import into a database) the rows go
     * directly: the olca_db holds each id once, so nothing can conflict, and
     * no child row can belong to an id that is not there yet. */
    if (from >= nitems)
        return TJ_OK;
    if (empty < 0)
        empty = table_empty(db, table, err);
    if (empty < 0)
        return (tj_status)empty;
    if (empty)
        return bulk_range(db, table, cols, ncols, c, from, nitems, NULL, fn, progress, user, phase, err);

    char *sql = NULL, *set = NULL, *list = NULL, stage[64];
    size_t setlen = 0, listlen = 0;
    FILE *fs = open_memstream(&set, &setlen), *fl = open_memstream(&list, &listlen);
    if (!fs || !fl) {
        if (fs)
            fclose(fs);
        if (fl)
            fclose(fl);
        free(set);
        free(list);
        return NOMEM(err);
    }
    for (int i = 0; i < ncols; i++) {
        fprintf(fl, "%s%s", i ? ", " : "", cols[i]);
        if (i)
            fprintf(fs, "%s%s = excluded.%s", i > 1 ? ", " : "", cols[i], cols[i]);
    }
    fclose(fs);
    fclose(fl);
    snprintf(stage, sizeof stage, "olca_stage_%s", table + 5);
    tj_status rc = TJ_OK;
    if (asprintf(&sql, "DROP TABLE IF EXISTS %s; CREATE TEMP TABLE %s AS SELECT %s FROM %s WHERE 1 = 0",
                 stage, stage, list, table) < 0)
        sql = NULL;
    rc = sql ? store_exec(db, sql, err) : NOMEM(err);
    free(sql);
    sql = NULL;
    if (rc == TJ_OK)
        rc = bulk_range(db, stage, cols, ncols, c, from, nitems, NULL, fn, progress, user, phase, err);
    if (rc == TJ_OK) {
        if (asprintf(&sql,
                     "INSERT INTO %s (%s) SELECT %s FROM %s WHERE 1 = 1 ON CONFLICT (id) DO UPDATE "
                     "SET %s",
                     table, list, list, stage, set) < 0)
            sql = NULL;
        rc = sql ? store_exec(db, sql, err) : NOMEM(err);
        free(sql);
        sql = NULL;
    }
    for (int i = 0; rc == TJ_OK && children && children[i]; i += 2) {
        if (asprintf(&sql, "DELETE FROM %s WHERE %s IN (SELECT id FROM %s)", children[i], children[i + 1],
                     stage) < 0)
            sql = NULL;
        rc = sql ? store_exec(db, sql, err) : NOMEM(err);
        free(sql);
        sql = NULL;
    }
    if (rc == TJ_OK) {
        if (asprintf(&sql, "DROP TABLE %s", stage) < 0)
            sql = NULL;
        rc = sql ? store_exec(db, sql, err) : NOMEM(err);
        free(sql);
    }
    free(set);
    free(list);
    return rc;
}

static tj_status upsert(store_db *db, const char *table, const char *const *cols, int ncols, save_ctx *c,
                        int nitems, row_fn fn, const char *const *children, store_olca_progress_fn progress,
                        void *user, const char *phase, tj_error *err)
{
    return upsert_range(db, table, cols, ncols, c, 0, nitems, -1, fn, children, progress, user, phase, err);
}

static const char *const proc_cols[] = {"id", "name", "category", "location", "default_allocation"};
static const char *const ex_cols[] = {"process", "idx",     "flow",      "is_input", "avoided", "is_qref",
                                      "amount",  "provider", "dist_kind", "dist_a",   "dist_b",  "dist_c"};
static const char *const af_cols[] = {"process", "idx", "method", "product", "exchange_flow", "value"};
static const char *const proc_children[] = {"olca_exchange", "process", "olca_allocation", "process", NULL};

/* Unit groups, units, flow properties, flows and their factors. */
static tj_status save_reference(store_db *db, save_ctx *c, store_olca_progress_fn progress, void *user,
                                tj_error *err)
{
    static const char *const ug_cols[] = {"id", "name", "ref_unit"};
    static const char *const unit_cols[] = {"unit_group", "idx", "id", "name", "factor", "is_ref"};
    static const char *const prop_cols[] = {"id", "name", "unit_group"};
    static const char *const flow_cols[] = {"id",      "name",     "flow_type",    "category", "cas",
                                            "formula", "location", "ref_property", "ref_unit"};
    static const char *const fprop_cols[] = {"flow", "property", "factor", "is_ref"};
    static const char *const ug_children[] = {"olca_unit", "unit_group", NULL};
    static const char *const flow_children[] = {"olca_flow_factor", "flow", NULL};
    const olca_db *o = c->o;
    tj_status rc = upsert(db, "olca_unit_group", ug_cols, 3, c, o->nunit_groups, row_ug, ug_children, NULL, NULL,
                          NULL, err);
    if (rc == TJ_OK)
        rc = bulk_rows(db, "olca_unit", unit_cols, 6, c, o->nunit_groups, n_units, row_unit, NULL, NULL, NULL,
                       err);
    if (rc == TJ_OK)
        rc = upsert(db, "olca_flow_property", prop_cols, 3, c, o->nprops, row_prop, NULL, NULL, NULL, NULL, err);
    if (rc == TJ_OK)
        rc = upsert(db, "olca_flow", flow_cols, 9, c, o->nflows, row_flow, flow_children, progress, user, "flows",
                    err);
    if (rc == TJ_OK)
        rc = bulk_rows(db, "olca_flow_factor", fprop_cols, 4, c, o->nflows, n_fprops, row_fprop, NULL, NULL, NULL,
                       err);
    return rc;
}

/* Processes from..to-1 with their exchanges and allocation factors;
 * proc_empty: olca_process was empty before this save. */
static tj_status save_processes(store_db *db, save_ctx *c, int from, int to, int proc_empty,
                                store_olca_progress_fn progress, void *user, tj_error *err)
{
    tj_status rc = upsert_range(db, "olca_process", proc_cols, 5, c, from, to, proc_empty, row_proc,
                                proc_children, NULL, NULL, NULL, err);
    if (rc == TJ_OK)
        rc = bulk_range(db, "olca_exchange", ex_cols, 12, c, from, to, n_ex, row_ex, progress, user, "exchanges",
                        err);
    if (rc == TJ_OK)
        rc = bulk_range(db, "olca_allocation", af_cols, 6, c, from, to, n_alloc, row_alloc, NULL, NULL, NULL,
                        err);
    return rc;
}

/* Locations, sources, actors. */
static tj_status save_entities(store_db *db, save_ctx *c, tj_error *err)
{
    static const char *const ent_cols[] = {"id", "name", "code"};
    static const char *const ent_tables[] = {"olca_location", "olca_source", "olca_actor"};
    tj_status rc = TJ_OK;
    for (int k = 0; rc == TJ_OK && k < 3; k++) {
        int n;
        ent_arr(c->o, k, &n);
        c->kind = k;
        rc = upsert(db, ent_tables[k], ent_cols, 3, c, n, row_ent, NULL, NULL, NULL, NULL, err);
    }
    return rc;
}

tj_status store_olca_save(store_db *db, const olca_db *o, store_olca_progress_fn progress, void *user,
                        tj_error *err)
{
    save_ctx c = {.o = o};
    tj_status rc = store_begin(db, err);
    if (rc != TJ_OK)
        return rc;
    rc = save_reference(db, &c, progress, user, err);
    if (rc == TJ_OK)
        rc = save_processes(db, &c, 0, o->nprocs, -1, progress, user, err);
    if (rc == TJ_OK)
        rc = save_entities(db, &c, err);
    if (rc == TJ_OK)
        rc = store_commit(db, err);
    if (rc != TJ_OK)
        store_rollback(db);
    return rc;
}

/* Processes are written in batches of at least this many while the rest is
 * read (fewer at the end), so a batch's statements are prepared rarely. */
#define SAVE_BATCH 48

tj_status store_olca_save_async(store_db *db, olca_async *a, int refuse_invalid, int *read_failed,
                                store_olca_progress_fn progress, void *user, tj_error *err)
{
    *read_failed = 0;
    const olca_db *o = NULL;
    int invalid = 0;
    if (!olca_read_wait_reference(a, &o, &invalid) || (refuse_invalid && invalid > 0)) {
        /* not cancelled: the report then counts every malformed file */
        *read_failed = 1;
        return TJ_OK;
    }
    save_ctx c = {.o = o};
    tj_status rc = store_begin(db, err);
    if (rc != TJ_OK) {
        olca_read_cancel(a);
        return rc;
    }
    rc = save_reference(db, &c, progress, user, err);
    int proc_empty = -1;
    if (rc == TJ_OK && (proc_empty = table_empty(db, "olca_process", err)) < 0)
        rc = (tj_status)proc_empty;
    int saved = 0, ended = 0;
    while (rc == TJ_OK && !ended) {
        long done = 0, total = 0;
        int n = olca_read_wait_processes(a, saved + SAVE_BATCH - 1, &ended, &done, &total);
        if (progress && total)
            progress(user, "processes", done, total);
        if (n > saved)
            rc = save_processes(db, &c, saved, n, proc_empty, NULL, NULL, err);
        saved = n;
    }
    if (rc == TJ_OK) {
        tj_status rst = olca_read_ended(a, &invalid);
        if (rst != TJ_OK || (refuse_invalid && invalid > 0)) {
            *read_failed = 1;
            store_rollback(db);
            return TJ_OK;
        }
        /* reading ended: the rest of the database may be read now */
        rc = save_entities(db, &c, err);
    }
    if (rc == TJ_OK)
        rc = store_commit(db, err);
    if (rc != TJ_OK) {
        olca_read_cancel(a);
        store_rollback(db);
    }
    return rc;
}

/* ---- load ---------------------------------------------------------------- */

/* An exchange row as read, with its process and position. */
typedef struct load_ex {
    int proc;
    int64_t idx;
    olca_exchange e; /* provider owned until handed to the process */
} load_ex;

/* Hand the rows to their processes in (process, idx) order: a stable bucket
 * pass by process, then insertion sort by idx within each process (rows are
 * stored in that order, so this is linear in practice). */
static tj_status add_loaded_exchanges(olca_db *o, load_ex *rows, size_t nrows, tj_error *err)
{
    size_t *start = calloc((size_t)o->nprocs + 1, sizeof *start);
    size_t *order = malloc((nrows + 1) * sizeof *order);
    tj_status rc = TJ_OK;
    if (!start || !order) {
        rc = NOMEM(err);
        goto out;
    }
    for (size_t i = 0; i < nrows; i++)
        start[rows[i].proc + 1]++;
    for (int p = 0; p < o->nprocs; p++)
        start[p + 1] += start[p];
    for (size_t i = 0; i < nrows; i++)
        order[start[rows[i].proc]++] = i;
    for (int p = o->nprocs; p > 0; p--) /* back to the starts */
        start[p] = start[p - 1];
    start[0] = 0;
    for (int p = 0; p < o->nprocs && rc == TJ_OK; p++) {
        size_t *c = order + start[p], len = start[p + 1] - start[p];
        for (size_t t = 1; t < len; t++) {
            size_t k = c[t], u = t;
            while (u > 0 && rows[c[u - 1]].idx > rows[k].idx) {
                c[u] = c[u - 1];
                u--;
            }
            c[u] = k;
        }
        /* one allocation per process; the providers change hands */
        olca_exchange *dst;
        if (len == 0)
            continue;
        if (len > (size_t)INT_MAX || olca_process_set_exchanges(&o->procs[p], (int)len, &dst) != TJ_OK) {
            rc = NOMEM(err);
            break;
        }
        for (size_t t = 0; t < len; t++) {
            dst[t] = rows[c[t]].e;
            rows[c[t]].e.provider = NULL;
        }
    }
out:
    free(start);
    free(order);
    return rc;
}

#define EXCHANGE_SQL                                                                                         \
    "SELECT process, flow, is_input, avoided, is_qref, amount, provider, dist_kind, dist_a, dist_b, "        \
    "dist_c, idx FROM olca_exchange"

/* Reads rows of EXCHANGE_SQL, remembering the last process id. */
typedef struct ex_reader {
    olca_db *o;
    char *last; /* malloc'ed */
    int pi;
} ex_reader;

/* The row at st into *e (its provider malloc'ed or NULL), with its process in
 * *proc (-1: a dangling row, which cannot be used) and its position in *idx. */
static tj_status ex_row(ex_reader *rd, store_stmt *st, int *proc, int64_t *idx, olca_exchange *e,
                        tj_error *err)
{
    *proc = -1;
    const char *pid = store_col_text(st, 0);
    if (!rd->last || strcmp(rd->last, pid)) {
        free(rd->last);
        if (!(rd->last = strdup(pid)))
            return NOMEM(err);
        rd->pi = olca_db_find_process(rd->o, pid);
    }
    int fi = olca_db_find_flow(rd->o, store_col_text(st, 1));
    if (rd->pi < 0 || fi < 0)
        return TJ_OK;
    memset(e, 0, sizeof *e);
    e->flow = fi;
    e->input = (int)store_col_int64(st, 2);
    e->avoided = (int)store_col_int64(st, 3);
    e->qref = (int)store_col_int64(st, 4);
    e->amount = store_col_double(st, 5);
    if (!store_col_is_null(st, 7)) {
        const char *k = store_col_text(st, 7);
        e->dist.kind = !strcmp(k, "lognormal")    ? CALC_DIST_LOGNORMAL
                       : !strcmp(k, "normal")     ? CALC_DIST_NORMAL
                       : !strcmp(k, "triangular") ? CALC_DIST_TRIANGULAR
                       : !strcmp(k, "uniform")    ? CALC_DIST_UNIFORM
                                                  : CALC_DIST_NONE;
        e->dist.a = store_col_double(st, 8);
        e->dist.b = store_col_double(st, 9);
        e->dist.c = store_col_double(st, 10);
        if (calc_dist_check(&e->dist, NULL) != TJ_OK)
            memset(&e->dist, 0, sizeof e->dist);
    }
    if (!store_col_is_null(st, 6) && !(e->provider = strdup(store_col_text(st, 6))))
        return NOMEM(err);
    *idx = store_col_int64(st, 11);
    *proc = rd->pi;
    return TJ_OK;
}

static void clear_exchanges(olca_db *o)
{
    for (int p = 0; p < o->nprocs; p++) {
        olca_process *proc = &o->procs[p];
        for (int k = 0; k < proc->nex; k++)
            free(proc->ex[k].provider);
        free(proc->ex);
        proc->ex = NULL;
        proc->nex = 0;
    }
}

/* Each row straight to its process, as long as every process's rows come in
 * increasing idx (they may interleave).  *ordered = 0, and no process has
 * exchanges, when one does not. */
static tj_status load_exchanges_direct(store_db *db, olca_db *o, int *ordered, tj_error *err)
{
    *ordered = 1;
    int64_t *last = malloc(((size_t)o->nprocs + 1) * sizeof *last);
    if (!last)
        return NOMEM(err);
    for (int p = 0; p < o->nprocs; p++)
        last[p] = INT64_MIN;
    store_stmt *st = NULL;
    ex_reader rd = {.o = o, .pi = -1};
    int r = 0;
    tj_status rc = store_prepare(db, EXCHANGE_SQL, &st, err);
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        olca_exchange e;
        int proc;
        int64_t idx;
        if ((rc = ex_row(&rd, st, &proc, &idx, &e, err)) != TJ_OK || proc < 0)
            continue;
        if (idx <= last[proc]) {
            free(e.provider);
            *ordered = 0;
            break;
        }
        last[proc] = idx;
        olca_process *p = &o->procs[proc];
        char *prov = e.provider;
        e.provider = NULL;
        if (olca_process_add_exchange(p, &e) != TJ_OK) {
            free(prov);
            rc = NOMEM(err);
            break;
        }
        p->ex[p->nex - 1].provider = prov;
    }
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    free(rd.last);
    free(last);
    if (rc != TJ_OK || !*ordered)
        clear_exchanges(o);
    return rc;
}

/* Any order: every row into an array, then to the processes in (process,
 * idx) order. */
static tj_status load_exchanges_sorted(store_db *db, olca_db *o, tj_error *err)
{
    store_stmt *st = NULL;
    ex_reader rd = {.o = o, .pi = -1};
    load_ex *rows = NULL;
    size_t nrows = 0, caprows = 0;
    int r = 0;
    tj_status rc = store_prepare(db, EXCHANGE_SQL, &st, err);
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        if (nrows == caprows) {
            size_t nc = caprows ? 2 * caprows : 4096;
            load_ex *nr = realloc(rows, nc * sizeof *nr);
            if (!nr) {
                rc = NOMEM(err);
                break;
            }
            rows = nr;
            caprows = nc;
        }
        load_ex *x = &rows[nrows];
        if ((rc = ex_row(&rd, st, &x->proc, &x->idx, &x->e, err)) == TJ_OK && x->proc >= 0)
            nrows++;
    }
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    free(rd.last);
    if (rc == TJ_OK)
        rc = add_loaded_exchanges(o, rows, nrows, err);
    for (size_t i = 0; i < nrows; i++)
        free(rows[i].e.provider); /* NULL where a process took it over */
    free(rows);
    return rc;
}

tj_status store_olca_load(store_db *db, olca_db **out, tj_error *err)
{
    *out = NULL;
    olca_db *o = olca_db_new();
    if (!o)
        return NOMEM(err);
    store_stmt *st = NULL;
    tj_status rc;
    int r;

    /* unit groups + units */
    rc = store_prepare(db,
                       "SELECT g.id, g.name, u.id, u.name, u.factor, u.is_ref FROM olca_unit_group g "
                       "LEFT JOIN olca_unit u ON u.unit_group = g.id ORDER BY g.id, u.idx",
                       &st, err);
    olca_unit_group *g = NULL;
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        const char *gid = store_col_text(st, 0);
        if (!g || strcmp(g->id, gid)) {
            if (!(g = olca_db_add_unit_group(o, gid, store_col_text(st, 1)))) {
                rc = NOMEM(err);
                break;
            }
        }
        if (!store_col_is_null(st, 3) &&
            olca_unit_group_add_unit(g, store_col_text(st, 2), store_col_text(st, 3), store_col_double(st, 4),
                                     (int)store_col_int64(st, 5)) != TJ_OK)
            rc = NOMEM(err);
    }
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    if (rc == TJ_OK)
        rc = store_prepare(db, "SELECT id, name, unit_group FROM olca_flow_property ORDER BY id", &st, err);
    while (rc == TJ_OK && (r = store_step(st, err)) == 1)
        if (!olca_db_add_property(o, store_col_text(st, 0), store_col_text(st, 1),
                                  store_col_is_null(st, 2) ? NULL : store_col_text(st, 2)))
            rc = NOMEM(err);
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    /* flows (flow-property factors are not needed for calculation: amounts
     * are stored in reference units) */
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "SELECT id, name, flow_type, category, cas, formula, location, "
                           "ref_property, ref_unit FROM olca_flow ORDER BY id",
                           &st, err);
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        int t = olca_flow_type_parse(store_col_text(st, 2));
        olca_flow *f = olca_db_add_flow(o, store_col_text(st, 0), store_col_text(st, 1),
                                        t < 0 ? OLCA_FLOW_ELEMENTARY : (olca_flow_type)t);
        if (!f) {
            rc = NOMEM(err);
            break;
        }
        char **dst[] = {&f->category, &f->cas, &f->formula, &f->location, &f->ref_property, &f->ref_unit};
        for (int k = 0; k < 6; k++)
            if (!store_col_is_null(st, 3 + k) && !(*dst[k] = strdup(store_col_text(st, 3 + k))))
                rc = NOMEM(err);
    }
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "SELECT id, name, category, location, default_allocation FROM olca_process "
                           "ORDER BY id",
                           &st, err);
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        olca_process *p = olca_db_add_process(o, store_col_text(st, 0), store_col_text(st, 1));
        if (!p) {
            rc = NOMEM(err);
            break;
        }
        if (!store_col_is_null(st, 2) && !(p->category = strdup(store_col_text(st, 2))))
            rc = NOMEM(err);
        if (!store_col_is_null(st, 3) && !(p->location = strdup(store_col_text(st, 3))))
            rc = NOMEM(err);
        int m = olca_alloc_parse(store_col_text(st, 4));
        p->default_alloc = m > 0 && m != OLCA_ALLOC_DEFAULT ? (olca_alloc_method)m : OLCA_ALLOC_NONE;
    }
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    /* Exchanges: read in storage order (a table scan; ORDER BY process, idx
     * made SQLite walk the primary-key index and seek the table row by row,
     * a third of the load), straight to their processes when each process's
     * rows come in idx order (as an import writes them), else again into an
     * array put in (process, idx) order here. */
    int ordered = 0;
    if (rc == TJ_OK)
        rc = load_exchanges_direct(db, o, &ordered, err);
    if (rc == TJ_OK && !ordered)
        rc = load_exchanges_sorted(db, o, err);

    const char *last = NULL;
    char *lastbuf = NULL;
    int pi = -1;
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "SELECT process, method, product, exchange_flow, value FROM olca_allocation "
                           "ORDER BY process, idx",
                           &st, err);
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        const char *pid = store_col_text(st, 0);
        if (!last || strcmp(last, pid)) {
            free(lastbuf);
            last = lastbuf = strdup(pid);
            pi = olca_db_find_process(o, pid);
        }
        int m = olca_alloc_parse(store_col_text(st, 1));
        olca_alloc_factor a = {
            .method = (olca_alloc_method)m,
            .product = store_col_is_null(st, 2) ? -1 : olca_db_find_flow(o, store_col_text(st, 2)),
            .exchange_flow = store_col_is_null(st, 3) ? -1 : olca_db_find_flow(o, store_col_text(st, 3)),
            .value = store_col_double(st, 4)};
        if (pi < 0 || m <= 0 || a.product < 0)
            continue;
        if (olca_process_add_alloc(&o->procs[pi], &a) != TJ_OK)
            rc = NOMEM(err);
    }
    free(lastbuf);
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    static const char *const ent[3] = {"olca_location", "olca_source", "olca_actor"};
    for (int k = 0; k < 3 && rc == TJ_OK; k++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT id, name, code FROM %s ORDER BY id", ent[k]);
        rc = store_prepare(db, sql, &st, err);
        while (rc == TJ_OK && (r = store_step(st, err)) == 1)
            if (!olca_db_add_entity(o, k, store_col_text(st, 0), store_col_text(st, 1),
                                    store_col_is_null(st, 2) ? NULL : store_col_text(st, 2)))
                rc = NOMEM(err);
        if (rc == TJ_OK && r < 0)
            rc = (tj_status)r;
        store_finalize(st);
        st = NULL;
    }
    if (rc != TJ_OK) {
        olca_db_free(o);
        return rc;
    }
    *out = o;
    return TJ_OK;
}

tj_status store_olca_counts_get(store_db *db, store_olca_counts *c, tj_error *err)
{
    static const char *const tables[] = {
        "olca_unit_group", "olca_unit",       "olca_flow_property", "olca_flow",   "olca_process",
        "olca_exchange",   "olca_allocation", "olca_location",      "olca_source", "olca_actor"};
    long *dst[] = {&c->unit_groups, &c->units,         &c->flow_properties, &c->flows,   &c->processes,
                   &c->exchanges,   &c->alloc_factors, &c->locations,       &c->sources, &c->actors};
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[i]);
        store_stmt *st = NULL;
        tj_status rc = store_prepare(db, sql, &st, err);
        if (rc != TJ_OK)
            return rc;
        int r = store_step(st, err);
        if (r == 1)
            *dst[i] = (long)store_col_int64(st, 0);
        store_finalize(st);
        if (r < 0)
            return (tj_status)r;
    }
    return TJ_OK;
}

/*
 * services/olca_store: olca_db <-> olca_* tables.
 */
#include "services/olca_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOMEM(err) tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory")

static tj_status step_done(store_stmt *st, tj_error *err)
{
    int rc = store_step(st, err);
    store_reset(st);
    return rc < 0 ? (tj_status)rc : TJ_OK;
}

static tj_status bind_text_or_null(store_stmt *st, int i, const char *s)
{
    return s ? store_bind_text(st, i, s) : store_bind_null(st, i);
}

/* Upsert helpers: one prepared statement per table. */
static tj_status save_entities(store_db *db, const char *table, const olca_entity *e, int n,
                               tj_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (id, name, code) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
             "name = excluded.name, code = excluded.code",
             table);
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, sql, &st, err);
    for (int i = 0; rc == TJ_OK && i < n; i++) {
        store_bind_text(st, 1, e[i].id);
        store_bind_text(st, 2, e[i].name);
        bind_text_or_null(st, 3, e[i].code);
        rc = step_done(st, err);
    }
    store_finalize(st);
    return rc;
}

static void fmt_double(char *buf, size_t n, double v) { snprintf(buf, n, "%.17g", v); }

tj_status svc_olca_save(store_db *db, const olca_db *o, svc_olca_progress_fn progress, void *user,
                        tj_error *err)
{
    tj_status rc = store_begin(db, err);
    if (rc != TJ_OK)
        return rc;
    store_stmt *st = NULL, *del = NULL, *del2 = NULL;
    store_bulk *bulk = NULL;

    /* unit groups and units */
    rc = store_prepare(db,
                       "INSERT INTO olca_unit_group (id, name, ref_unit) VALUES (?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET name = excluded.name, ref_unit = excluded.ref_unit",
                       &st, err);
    if (rc == TJ_OK)
        rc = store_prepare(db, "DELETE FROM olca_unit WHERE unit_group = ?", &del, err);
    for (int i = 0; rc == TJ_OK && i < o->nunit_groups; i++) {
        const olca_unit_group *g = &o->unit_groups[i];
        store_bind_text(st, 1, g->id);
        store_bind_text(st, 2, g->name);
        bind_text_or_null(st, 3, g->ref >= 0 ? g->units[g->ref].name : NULL);
        if ((rc = step_done(st, err)) != TJ_OK)
            break;
        store_bind_text(del, 1, g->id);
        rc = step_done(del, err);
    }
    store_finalize(st);
    store_finalize(del);
    st = del = NULL;
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "INSERT INTO olca_unit (unit_group, idx, id, name, factor, is_ref) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           &st, err);
    for (int i = 0; rc == TJ_OK && i < o->nunit_groups; i++) {
        const olca_unit_group *g = &o->unit_groups[i];
        for (int k = 0; rc == TJ_OK && k < g->nunits; k++) {
            store_bind_text(st, 1, g->id);
            store_bind_int64(st, 2, k);
            bind_text_or_null(st, 3, g->units[k].id);
            store_bind_text(st, 4, g->units[k].name);
            store_bind_double(st, 5, g->units[k].factor);
            store_bind_int64(st, 6, k == g->ref);
            rc = step_done(st, err);
        }
    }
    store_finalize(st);
    st = NULL;

    /* flow properties */
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "INSERT INTO olca_flow_property (id, name, unit_group) VALUES (?, ?, ?) "
                           "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                           "unit_group = excluded.unit_group",
                           &st, err);
    for (int i = 0; rc == TJ_OK && i < o->nprops; i++) {
        store_bind_text(st, 1, o->props[i].id);
        store_bind_text(st, 2, o->props[i].name);
        bind_text_or_null(st, 3, o->props[i].unit_group);
        rc = step_done(st, err);
    }
    store_finalize(st);
    st = NULL;

    /* flows and their flow property factors */
    if (rc == TJ_OK)
        rc = store_prepare(
            db,
            "INSERT INTO olca_flow (id, name, flow_type, category, cas, formula, location, "
            "ref_property, ref_unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET name = excluded.name, flow_type = excluded.flow_type, category = excluded.category, "
            "cas = excluded.cas, formula = excluded.formula, location = excluded.location, "
            "ref_property = excluded.ref_property, ref_unit = excluded.ref_unit",
            &st, err);
    if (rc == TJ_OK)
        rc = store_prepare(db, "DELETE FROM olca_flow_factor WHERE flow = ?", &del, err);
    for (int i = 0; rc == TJ_OK && i < o->nflows; i++) {
        const olca_flow *f = &o->flows[i];
        store_bind_text(st, 1, f->id);
        store_bind_text(st, 2, f->name);
        store_bind_text(st, 3, olca_flow_type_key(f->type));
        bind_text_or_null(st, 4, f->category);
        bind_text_or_null(st, 5, f->cas);
        bind_text_or_null(st, 6, f->formula);
        bind_text_or_null(st, 7, f->location);
        bind_text_or_null(st, 8, f->ref_property);
        bind_text_or_null(st, 9, f->ref_unit);
        if ((rc = step_done(st, err)) != TJ_OK)
            break;
        store_bind_text(del, 1, f->id);
        rc = step_done(del, err);
        if (progress && ((i + 1) % 500 == 0 || i + 1 == o->nflows))
            progress(user, "flows", i + 1, o->nflows);
    }
    store_finalize(st);
    store_finalize(del);
    st = del = NULL;
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "INSERT INTO olca_flow_factor (flow, property, factor, is_ref) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (flow, property) DO NOTHING",
                           &st, err);
    for (int i = 0; rc == TJ_OK && i < o->nflows; i++) {
        const olca_flow *f = &o->flows[i];
        for (int k = 0; rc == TJ_OK && k < f->nprops; k++) {
            store_bind_text(st, 1, f->id);
            store_bind_text(st, 2, f->props[k].property);
            store_bind_double(st, 3, f->props[k].factor);
            store_bind_int64(st, 4, f->props[k].is_ref);
            rc = step_done(st, err);
        }
    }
    store_finalize(st);
    st = NULL;

    /* processes: upsert, then replace their exchanges and allocation factors */
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "INSERT INTO olca_process (id, name, category, location, default_allocation) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                           "category = excluded.category, location = excluded.location, "
                           "default_allocation = excluded.default_allocation",
                           &st, err);
    if (rc == TJ_OK)
        rc = store_prepare(db, "DELETE FROM olca_exchange WHERE process = ?", &del, err);
    if (rc == TJ_OK)
        rc = store_prepare(db, "DELETE FROM olca_allocation WHERE process = ?", &del2, err);
    for (int i = 0; rc == TJ_OK && i < o->nprocs; i++) {
        const olca_process *p = &o->procs[i];
        store_bind_text(st, 1, p->id);
        store_bind_text(st, 2, p->name);
        bind_text_or_null(st, 3, p->category);
        bind_text_or_null(st, 4, p->location);
        store_bind_text(st, 5, olca_alloc_key(p->default_alloc));
        if ((rc = step_done(st, err)) != TJ_OK)
            break;
        store_bind_text(del, 1, p->id);
        if ((rc = step_done(del, err)) != TJ_OK)
            break;
        store_bind_text(del2, 1, p->id);
        rc = step_done(del2, err);
    }
    store_finalize(st);
    store_finalize(del);
    store_finalize(del2);
    st = del = del2 = NULL;

    static const char *const excols[] = {"process", "idx",    "flow",   "is_input",
                                         "avoided", "is_qref", "amount", "provider"};
    if (rc == TJ_OK)
        rc = store_bulk_begin(db, "olca_exchange", excols, 8, &bulk, err);
    long nex = 0, nextotal = 0;
    for (int i = 0; i < o->nprocs; i++)
        nextotal += o->procs[i].nex;
    for (int i = 0; rc == TJ_OK && i < o->nprocs; i++) {
        const olca_process *p = &o->procs[i];
        for (int k = 0; rc == TJ_OK && k < p->nex; k++) {
            const olca_exchange *e = &p->ex[k];
            char idx[24], amt[40];
            snprintf(idx, sizeof idx, "%d", k);
            fmt_double(amt, sizeof amt, e->amount);
            const char *v[8] = {p->id, idx, o->flows[e->flow].id, e->input ? "1" : "0",
                                e->avoided ? "1" : "0", e->qref ? "1" : "0", amt, e->provider};
            rc = store_bulk_row(bulk, v, err);
            nex++;
        }
        if (progress && ((i + 1) % 50 == 0 || i + 1 == o->nprocs))
            progress(user, "exchanges", nex, nextotal);
    }
    if (bulk) {
        if (rc == TJ_OK)
            rc = store_bulk_end(bulk, err);
        else
            store_bulk_abort(bulk);
        bulk = NULL;
    }
    static const char *const afcols[] = {"process", "idx", "method", "product", "exchange_flow",
                                         "value"};
    if (rc == TJ_OK)
        rc = store_bulk_begin(db, "olca_allocation", afcols, 6, &bulk, err);
    for (int i = 0; rc == TJ_OK && i < o->nprocs; i++) {
        const olca_process *p = &o->procs[i];
        for (int k = 0; rc == TJ_OK && k < p->nalloc; k++) {
            const olca_alloc_factor *a = &p->alloc[k];
            char idx[24], val[40];
            snprintf(idx, sizeof idx, "%d", k);
            fmt_double(val, sizeof val, a->value);
            const char *v[6] = {p->id,
                                idx,
                                olca_alloc_key(a->method),
                                a->product >= 0 ? o->flows[a->product].id : NULL,
                                a->exchange_flow >= 0 ? o->flows[a->exchange_flow].id : NULL,
                                val};
            rc = store_bulk_row(bulk, v, err);
        }
    }
    if (bulk) {
        if (rc == TJ_OK)
            rc = store_bulk_end(bulk, err);
        else
            store_bulk_abort(bulk);
        bulk = NULL;
    }

    if (rc == TJ_OK)
        rc = save_entities(db, "olca_location", o->locations, o->nlocations, err);
    if (rc == TJ_OK)
        rc = save_entities(db, "olca_source", o->sources, o->nsources, err);
    if (rc == TJ_OK)
        rc = save_entities(db, "olca_actor", o->actors, o->nactors, err);

    if (rc == TJ_OK)
        rc = store_commit(db, err);
    if (rc != TJ_OK)
        store_rollback(db);
    return rc;
}

/* ---- load ---------------------------------------------------------------- */

tj_status svc_olca_load(store_db *db, olca_db **out, tj_error *err)
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
            olca_unit_group_add_unit(g, store_col_text(st, 2), store_col_text(st, 3),
                                     store_col_double(st, 4), (int)store_col_int64(st, 5)) != TJ_OK)
            rc = NOMEM(err);
    }
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    if (rc == TJ_OK)
        rc = store_prepare(db, "SELECT id, name, unit_group FROM olca_flow_property ORDER BY id", &st,
                           err);
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
        char **dst[] = {&f->category, &f->cas, &f->formula, &f->location, &f->ref_property,
                        &f->ref_unit};
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

    /* exchanges, grouped by process */
    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "SELECT process, flow, is_input, avoided, is_qref, amount, provider "
                           "FROM olca_exchange ORDER BY process, idx",
                           &st, err);
    int pi = -1;
    const char *last = NULL;
    char *lastbuf = NULL;
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        const char *pid = store_col_text(st, 0);
        if (!last || strcmp(last, pid)) {
            free(lastbuf);
            last = lastbuf = strdup(pid);
            pi = olca_db_find_process(o, pid);
        }
        int fi = olca_db_find_flow(o, store_col_text(st, 1));
        if (pi < 0 || fi < 0)
            continue; /* dangling rows cannot be used */
        olca_exchange e = {0};
        e.flow = fi;
        e.input = (int)store_col_int64(st, 2);
        e.avoided = (int)store_col_int64(st, 3);
        e.qref = (int)store_col_int64(st, 4);
        e.amount = store_col_double(st, 5);
        e.provider = store_col_is_null(st, 6) ? NULL : (char *)store_col_text(st, 6);
        if (olca_process_add_exchange(&o->procs[pi], &e) != TJ_OK)
            rc = NOMEM(err);
    }
    free(lastbuf);
    last = lastbuf = NULL;
    if (rc == TJ_OK && r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    st = NULL;

    if (rc == TJ_OK)
        rc = store_prepare(db,
                           "SELECT process, method, product, exchange_flow, value FROM olca_allocation "
                           "ORDER BY process, idx",
                           &st, err);
    pi = -1;
    while (rc == TJ_OK && (r = store_step(st, err)) == 1) {
        const char *pid = store_col_text(st, 0);
        if (!last || strcmp(last, pid)) {
            free(lastbuf);
            last = lastbuf = strdup(pid);
            pi = olca_db_find_process(o, pid);
        }
        int m = olca_alloc_parse(store_col_text(st, 1));
        olca_alloc_factor a = {.method = (olca_alloc_method)m,
                               .product = store_col_is_null(st, 2)
                                              ? -1
                                              : olca_db_find_flow(o, store_col_text(st, 2)),
                               .exchange_flow = store_col_is_null(st, 3)
                                                    ? -1
                                                    : olca_db_find_flow(o, store_col_text(st, 3)),
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

tj_status svc_olca_counts_get(store_db *db, svc_olca_counts *c, tj_error *err)
{
    static const char *const tables[] = {"olca_unit_group", "olca_unit",       "olca_flow_property",
                                         "olca_flow",       "olca_process",    "olca_exchange",
                                         "olca_allocation", "olca_location",   "olca_source",
                                         "olca_actor"};
    long *dst[] = {&c->unit_groups, &c->units,         &c->flow_properties, &c->flows,
                   &c->processes,   &c->exchanges,     &c->alloc_factors,   &c->locations,
                   &c->sources,     &c->actors};
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

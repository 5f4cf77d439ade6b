/*
 * io/olca: openLCA JSON-LD reader (olca-schema v1 and v2) into an olca_db.
 */
#include "io/olca.h"
#include "io/input.h"
#include "io/olca_json.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

/* ---- small string -> int hash index ------------------------------------ */

struct olca_index {
    size_t cap, n;
    const char **key; /* borrowed from the db entries */
    int *val;
};

/* Eight bytes at a time (ids are 36-character UUIDs, looked up for every
 * exchange when a database is loaded), then mixed so that the low bits the
 * table uses depend on all of them. */
static uint64_t hash_str(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 1469598103934665603ULL ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return h;
}

static void index_free(olca_index *ix)
{
    if (!ix)
        return;
    free(ix->key);
    free(ix->val);
    free(ix);
}

static int index_put(olca_index *ix, const char *key, int val);

static int index_grow(olca_index *ix)
{
    size_t ncap = ix->cap ? ix->cap * 2 : 64;
    const char **okey = ix->key;
    int *oval = ix->val;
    size_t ocap = ix->cap;
    ix->key = calloc(ncap, sizeof *ix->key);
    ix->val = calloc(ncap, sizeof *ix->val);
    if (!ix->key || !ix->val) {
        free(ix->key);
        free(ix->val);
        ix->key = okey;
        ix->val = oval;
        return -1;
    }
    ix->cap = ncap;
    ix->n = 0;
    for (size_t i = 0; i < ocap; i++)
        if (okey[i])
            index_put(ix, okey[i], oval[i]);
    free(okey);
    free(oval);
    return 0;
}

/* Insert or replace; returns 0 or -1 on allocation failure. */
static int index_put(olca_index *ix, const char *key, int val)
{
    if ((ix->n + 1) * 2 > ix->cap && index_grow(ix) < 0)
        return -1;
    size_t i = hash_str(key) & (ix->cap - 1);
    while (ix->key[i]) {
        if (!strcmp(ix->key[i], key)) {
            ix->val[i] = val;
            ix->key[i] = key;
            return 0;
        }
        i = (i + 1) & (ix->cap - 1);
    }
    ix->key[i] = key;
    ix->val[i] = val;
    ix->n++;
    return 0;
}

static int index_get(const olca_index *ix, const char *key)
{
    if (!ix || !ix->cap || !key)
        return -1;
    size_t i = hash_str(key) & (ix->cap - 1);
    while (ix->key[i]) {
        if (!strcmp(ix->key[i], key))
            return ix->val[i];
        i = (i + 1) & (ix->cap - 1);
    }
    return -1;
}

static olca_index *index_new(void)
{
    return calloc(1, sizeof(olca_index));
}

/* ---- names ------------------------------------------------------------- */

const char *olca_flow_type_key(olca_flow_type t)
{
    switch (t) {
    case OLCA_FLOW_ELEMENTARY: return "ELEMENTARY_FLOW";
    case OLCA_FLOW_PRODUCT: return "PRODUCT_FLOW";
    case OLCA_FLOW_WASTE: return "WASTE_FLOW";
    }
    return "?";
}

int olca_flow_type_parse(const char *s)
{
    if (!s)
        return -1;
    if (!strcmp(s, "ELEMENTARY_FLOW"))
        return OLCA_FLOW_ELEMENTARY;
    if (!strcmp(s, "PRODUCT_FLOW"))
        return OLCA_FLOW_PRODUCT;
    if (!strcmp(s, "WASTE_FLOW"))
        return OLCA_FLOW_WASTE;
    return -1;
}

const char *olca_alloc_key(olca_alloc_method m)
{
    switch (m) {
    case OLCA_ALLOC_NONE: return "none";
    case OLCA_ALLOC_PHYSICAL: return "physical";
    case OLCA_ALLOC_ECONOMIC: return "economic";
    case OLCA_ALLOC_CAUSAL: return "causal";
    case OLCA_ALLOC_DEFAULT: return "default";
    }
    return "?";
}

int olca_alloc_parse(const char *s)
{
    if (!s)
        return -1;
    static const struct {
        const char *a, *b;
        olca_alloc_method m;
    } t[] = {
        {"none", "NO_ALLOCATION", OLCA_ALLOC_NONE},
        {"physical", "PHYSICAL_ALLOCATION", OLCA_ALLOC_PHYSICAL},
        {"economic", "ECONOMIC_ALLOCATION", OLCA_ALLOC_ECONOMIC},
        {"causal", "CAUSAL_ALLOCATION", OLCA_ALLOC_CAUSAL},
        {"default", "USE_DEFAULT_ALLOCATION", OLCA_ALLOC_DEFAULT},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(s, t[i].a) || !strcmp(s, t[i].b))
            return (int)t[i].m;
    return -1;
}

/* ---- report ------------------------------------------------------------ */

void olca_report_init(olca_report *r)
{
    memset(r, 0, sizeof *r);
}

void olca_report_release(olca_report *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nmsg; i++)
        free(r->msg[i]);
    free(r->msg);
    free(r->first_invalid);
    memset(r, 0, sizeof *r);
}

void olca_report_add(olca_report *r, const char *fmt, ...)
{
    if (!r)
        return;
    if (r->nmsg >= OLCA_REPORT_MAX_MSG) {
        r->dropped_msg++;
        return;
    }
    if (r->nmsg == r->cap_msg) {
        int ncap = r->cap_msg ? r->cap_msg * 2 : 16;
        char **m = realloc(r->msg, (size_t)ncap * sizeof *m);
        if (!m) {
            r->dropped_msg++;
            return;
        }
        r->msg = m;
        r->cap_msg = ncap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        r->dropped_msg++;
        return;
    }
    r->msg[r->nmsg++] = s;
}

/* An entity file that cannot be read or is malformed: counted as skipped and
 * invalid, noted like any other message; the first one is kept for the error
 * an all-or-nothing import reports. */
static void report_invalid(olca_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report_invalid(olca_report *r, const char *fmt, ...)
{
    if (!r)
        return;
    r->skipped_files++;
    r->invalid_files++;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (s) {
        olca_report_add(r, "%s", s);
        if (!r->first_invalid)
            r->first_invalid = s;
        else
            free(s);
    }
}

/* ---- db ---------------------------------------------------------------- */

char *olca_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Copy with surrounding white space removed. */
static char *strdup_trim(const char *s)
{
    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

olca_db *olca_db_new(void)
{
    return calloc(1, sizeof(olca_db));
}

static void entity_release(olca_entity *e)
{
    free(e->id);
    free(e->name);
    free(e->code);
}

void olca_db_free(olca_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < db->nunit_groups; i++) {
        olca_unit_group *g = &db->unit_groups[i];
        for (int k = 0; k < g->nunits; k++) {
            free(g->units[k].id);
            free(g->units[k].name);
        }
        free(g->units);
        free(g->id);
        free(g->name);
    }
    free(db->unit_groups);
    for (int i = 0; i < db->nprops; i++) {
        free(db->props[i].id);
        free(db->props[i].name);
        free(db->props[i].unit_group);
    }
    free(db->props);
    for (int i = 0; i < db->nflows; i++) {
        olca_flow *f = &db->flows[i];
        free(f->id);
        free(f->name);
        free(f->category);
        free(f->cas);
        free(f->formula);
        free(f->location);
        free(f->ref_property);
        free(f->ref_unit);
        for (int k = 0; k < f->nprops; k++)
            free(f->props[k].property);
        free(f->props);
    }
    free(db->flows);
    for (int i = 0; i < db->nprocs; i++) {
        olca_process *p = &db->procs[i];
        free(p->id);
        free(p->name);
        free(p->category);
        free(p->location);
        for (int k = 0; k < p->nex; k++)
            free(p->ex[k].provider);
        free(p->ex);
        free(p->alloc);
    }
    free(db->procs);
    for (int i = 0; i < db->nlocations; i++)
        entity_release(&db->locations[i]);
    for (int i = 0; i < db->nsources; i++)
        entity_release(&db->sources[i]);
    for (int i = 0; i < db->nactors; i++)
        entity_release(&db->actors[i]);
    free(db->locations);
    free(db->sources);
    free(db->actors);
    for (int i = 0; i < db->ncats; i++) {
        free(db->cats[i].id);
        free(db->cats[i].name);
        free(db->cats[i].parent);
    }
    free(db->cats);
    index_free(db->ix_flow);
    index_free(db->ix_proc);
    index_free(db->ix_ug);
    index_free(db->ix_prop);
    index_free(db->ix_cat);
    free(db);
}

/* Grow an array to hold one more element; returns 0 or -1. */
static int grow(void **arr, int *cap, int n, size_t elem)
{
    if (n < *cap)
        return 0;
    int ncap = *cap ? *cap * 2 : 16;
    if ((size_t)ncap > SIZE_MAX / elem)
        return -1;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* Index keys are the entries' heap-allocated id strings, which do not move
 * when the arrays grow; an existing index is updated on append, a missing
 * one is built on first lookup. */
static void note_index(olca_index **ix, const char *id, int i)
{
    if (*ix && index_put(*ix, id, i) < 0) {
        index_free(*ix);
        *ix = NULL; /* rebuilt on the next lookup */
    }
}

static olca_index *build_index(void *arr, int n, size_t elem, size_t id_off)
{
    olca_index *ix = index_new();
    if (!ix)
        return NULL;
    for (int i = 0; i < n; i++) {
        const char *id = *(char **)((char *)arr + (size_t)i * elem + id_off);
        if (id && index_put(ix, id, i) < 0) {
            index_free(ix);
            return NULL;
        }
    }
    return ix;
}

#define FIND_IMPL(fname, arrf, nf, ixf, type)                                                                \
    static int fname(olca_db *db, const char *id)                                                            \
    {                                                                                                        \
        if (!id)                                                                                             \
            return -1;                                                                                       \
        if (!db->ixf)                                                                                        \
            db->ixf = build_index(db->arrf, db->nf, sizeof(type), offsetof(type, id));                       \
        return index_get(db->ixf, id);                                                                       \
    }

FIND_IMPL(find_flow, flows, nflows, ix_flow, olca_flow)
FIND_IMPL(find_proc, procs, nprocs, ix_proc, olca_process)
FIND_IMPL(find_ug, unit_groups, nunit_groups, ix_ug, olca_unit_group)
FIND_IMPL(find_prop, props, nprops, ix_prop, olca_flow_property)
FIND_IMPL(find_cat, cats, ncats, ix_cat, struct olca_category)

int olca_db_find_flow(olca_db *db, const char *id)
{
    return find_flow(db, id);
}
int olca_db_find_process(olca_db *db, const char *id)
{
    return find_proc(db, id);
}

olca_flow *olca_db_add_flow(olca_db *db, const char *id, const char *name, olca_flow_type type)
{
    if (grow((void **)&db->flows, &db->cap_flows, db->nflows, sizeof *db->flows) < 0)
        return NULL;
    olca_flow *f = &db->flows[db->nflows];
    memset(f, 0, sizeof *f);
    f->id = olca_strdup(id);
    f->name = strdup_trim(name ? name : "");
    f->type = type;
    if (!f->id || !f->name) {
        free(f->id);
        free(f->name);
        return NULL;
    }
    note_index(&db->ix_flow, db->flows[db->nflows].id, db->nflows);
    db->nflows++;
    return f;
}

olca_process *olca_db_add_process(olca_db *db, const char *id, const char *name)
{
    if (grow((void **)&db->procs, &db->cap_procs, db->nprocs, sizeof *db->procs) < 0)
        return NULL;
    olca_process *p = &db->procs[db->nprocs];
    memset(p, 0, sizeof *p);
    p->id = olca_strdup(id);
    p->name = strdup_trim(name ? name : "");
    if (!p->id || !p->name) {
        free(p->id);
        free(p->name);
        return NULL;
    }
    note_index(&db->ix_proc, db->procs[db->nprocs].id, db->nprocs);
    db->nprocs++;
    return p;
}

tj_status olca_process_add_exchange(olca_process *p, const olca_exchange *ex)
{
    int cap = p->nex; /* capacity is tracked as the next power of two */
    int c = 16;
    while (c < cap)
        c *= 2;
    if (p->nex == 0 || p->nex == c) {
        int ncap = p->nex == 0 ? 16 : c * 2;
        olca_exchange *n = realloc(p->ex, (size_t)ncap * sizeof *n);
        if (!n)
            return TJ_ERR_NOMEM;
        p->ex = n;
    }
    p->ex[p->nex] = *ex;
    p->ex[p->nex].provider = NULL;
    if (ex->provider && !(p->ex[p->nex].provider = strdup(ex->provider)))
        return TJ_ERR_NOMEM;
    p->nex++;
    return TJ_OK;
}

tj_status olca_process_set_exchanges(olca_process *p, int n, olca_exchange **ex)
{
    *ex = NULL;
    if (p->nex != 0 || n < 0 || n > INT_MAX / 2)
        return TJ_ERR_USAGE;
    int c = 16; /* the capacity olca_process_add_exchange keeps: a power of two */
    while (c < n)
        c *= 2;
    olca_exchange *a = realloc(p->ex, (size_t)c * sizeof *a);
    if (!a)
        return TJ_ERR_NOMEM;
    p->ex = a;
    p->nex = n;
    *ex = a;
    return TJ_OK;
}

tj_status olca_process_add_alloc(olca_process *p, const olca_alloc_factor *af)
{
    int c = 16;
    while (c < p->nalloc)
        c *= 2;
    if (p->nalloc == 0 || p->nalloc == c) {
        int ncap = p->nalloc == 0 ? 16 : c * 2;
        olca_alloc_factor *n = realloc(p->alloc, (size_t)ncap * sizeof *n);
        if (!n)
            return TJ_ERR_NOMEM;
        p->alloc = n;
    }
    p->alloc[p->nalloc++] = *af;
    return TJ_OK;
}

olca_entity *olca_db_add_entity(olca_db *db, int kind, const char *id, const char *name, const char *code)
{
    olca_entity **arr = kind == 0 ? &db->locations : kind == 1 ? &db->sources : &db->actors;
    int *n = kind == 0 ? &db->nlocations : kind == 1 ? &db->nsources : &db->nactors;
    int *cap = kind == 0 ? &db->cap_loc : kind == 1 ? &db->cap_src : &db->cap_act;
    if (grow((void **)arr, cap, *n, sizeof **arr) < 0)
        return NULL;
    olca_entity *e = &(*arr)[*n];
    e->id = olca_strdup(id);
    e->name = strdup_trim(name ? name : "");
    e->code = olca_strdup(code);
    if (!e->id || !e->name || (code && !e->code)) {
        entity_release(e);
        return NULL;
    }
    (*n)++;
    return e;
}

olca_unit_group *olca_db_add_unit_group(olca_db *db, const char *id, const char *name)
{
    if (grow((void **)&db->unit_groups, &db->cap_ug, db->nunit_groups, sizeof *db->unit_groups) < 0)
        return NULL;
    olca_unit_group *g = &db->unit_groups[db->nunit_groups];
    memset(g, 0, sizeof *g);
    g->ref = -1;
    g->id = olca_strdup(id);
    g->name = olca_strdup(name ? name : "");
    if (!g->id || !g->name) {
        free(g->id);
        free(g->name);
        return NULL;
    }
    note_index(&db->ix_ug, db->unit_groups[db->nunit_groups].id, db->nunit_groups);
    db->nunit_groups++;
    return g;
}

tj_status olca_unit_group_add_unit(olca_unit_group *g, const char *id, const char *name, double factor,
                                   int is_ref)
{
    olca_unit *u = realloc(g->units, (size_t)(g->nunits + 1) * sizeof *u);
    if (!u)
        return TJ_ERR_NOMEM;
    g->units = u;
    u = &g->units[g->nunits];
    u->id = olca_strdup(id);
    u->name = olca_strdup(name);
    u->factor = factor;
    if ((id && !u->id) || (name && !u->name)) {
        free(u->id);
        free(u->name);
        return TJ_ERR_NOMEM;
    }
    if (is_ref)
        g->ref = g->nunits;
    g->nunits++;
    return TJ_OK;
}

olca_flow_property *olca_db_add_property(olca_db *db, const char *id, const char *name,
                                         const char *unit_group)
{
    if (grow((void **)&db->props, &db->cap_props, db->nprops, sizeof *db->props) < 0)
        return NULL;
    olca_flow_property *p = &db->props[db->nprops];
    p->id = olca_strdup(id);
    p->name = olca_strdup(name ? name : "");
    p->unit_group = olca_strdup(unit_group);
    if (!p->id || !p->name || (unit_group && !p->unit_group)) {
        free(p->id);
        free(p->name);
        free(p->unit_group);
        return NULL;
    }
    note_index(&db->ix_prop, db->props[db->nprops].id, db->nprops);
    db->nprops++;
    return p;
}

/* ---- JSON helpers (v1 and v2 field names) ------------------------------ */

static const char *jstr(const oj_val *o, const char *key)
{
    return oj_str(oj_get(o, key));
}

/* v2 name first, then v1. */
static int jbool2(const oj_val *o, const char *v2, const char *v1)
{
    const oj_val *v = oj_get(o, v2);
    if (!v && v1)
        v = oj_get(o, v1);
    return oj_is_true(v);
}

static int jnum(const oj_val *o, const char *key, double *out)
{
    const oj_val *v = oj_get(o, key);
    if (!oj_is_num(v))
        return 0;
    *out = oj_num(v);
    return isfinite(*out);
}

static const char *ref_id(const oj_val *o, const char *key)
{
    const oj_val *r = oj_get(o, key);
    if (oj_is_str(r)) /* some exports write bare UUIDs */
        return oj_str(r);
    return oj_is_obj(r) ? jstr(r, "@id") : NULL;
}

/* Category: v1 is a reference (resolved later through categories/), v2 a
 * path string.  Returns a malloc'd marker: v1 refs are stored as "@UUID|name"
 * until olca_resolve_categories replaces them. */
static char *category_of(const oj_val *o)
{
    const oj_val *c = oj_get(o, "category");
    if (oj_is_str(c))
        return strdup(oj_str(c));
    if (oj_is_obj(c)) {
        const char *id = jstr(c, "@id"), *name = jstr(c, "name");
        if (id) {
            char *s = NULL;
            if (asprintf(&s, "@%s|%s", id, name ? name : "") < 0)
                return NULL;
            return s;
        }
        return name ? strdup(name) : NULL;
    }
    /* v1 elementary flows sometimes carry "categoryPath" */
    const oj_val *cp = oj_get(o, "categoryPath");
    if (oj_is_arr(cp)) {
        size_t n = 0;
        for (const oj_val *v = oj_first(cp); v; v = v->next)
            if (oj_is_str(v))
                n += v->len + 1;
        char *s = calloc(1, n + 1);
        if (!s)
            return NULL;
        for (const oj_val *v = oj_first(cp); v; v = v->next)
            if (oj_is_str(v)) {
                if (*s)
                    strcat(s, "/");
                strcat(s, oj_str(v));
            }
        return s;
    }
    return NULL;
}

/* ---- entity parsers ---------------------------------------------------- */

#define NOMEM(err) tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory")

static tj_status parse_unit_group(olca_db *db, const oj_val *o, const char *id, olca_report *rep, tj_error *err)
{
    if (find_ug(db, id) >= 0) {
        olca_report_add(rep, "unit group %s: duplicate, later copy ignored", id);
        return TJ_OK;
    }
    const oj_val *units = oj_get(o, "units");
    if (!oj_is_arr(units) || oj_len(units) == 0) {
        olca_report_add(rep, "unit group %s: no units, skipped", id);
        return TJ_OK;
    }
    olca_unit_group *g = olca_db_add_unit_group(db, id, jstr(o, "name"));
    if (!g)
        return NOMEM(err);
    size_t i = 0;
    for (const oj_val *u = oj_first(units); u; u = u->next, i++) {
        double f = 1.0;
        const char *uname = jstr(u, "name");
        if (!uname || !jnum(u, "conversionFactor", &f) || !(f > 0)) {
            olca_report_add(rep, "unit group %s: unit %zu without name or positive factor, skipped", id, i);
            continue;
        }
        if (olca_unit_group_add_unit(g, jstr(u, "@id"), uname, f, jbool2(u, "isRefUnit", "referenceUnit")) !=
            TJ_OK)
            return NOMEM(err);
    }
    if (g->ref < 0)
        olca_report_add(rep, "unit group %s (%s): no reference unit; its units cannot be converted", id,
                        g->name);
    return TJ_OK;
}

static tj_status parse_flow(olca_db *db, const oj_val *o, const char *id, olca_report *rep, tj_error *err)
{
    int t = olca_flow_type_parse(jstr(o, "flowType"));
    if (t < 0) {
        olca_report_add(rep, "flow %s: unknown flowType \"%s\", skipped", id,
                        jstr(o, "flowType") ? jstr(o, "flowType") : "");
        return TJ_OK;
    }
    if (find_flow(db, id) >= 0) {
        olca_report_add(rep, "flow %s: duplicate, later copy ignored", id);
        return TJ_OK;
    }
    olca_flow *f = olca_db_add_flow(db, id, jstr(o, "name"), (olca_flow_type)t);
    if (!f)
        return NOMEM(err);
    f->category = category_of(o);
    f->cas = strdup_trim(jstr(o, "cas"));
    f->formula = olca_strdup(jstr(o, "formula"));
    f->location = olca_strdup(ref_id(o, "location"));
    const oj_val *props = oj_get(o, "flowProperties");
    size_t n = oj_len(oj_is_arr(props) ? props : NULL);
    if (n) {
        f->props = calloc(n, sizeof *f->props);
        if (!f->props)
            return NOMEM(err);
    }
    size_t i = 0;
    for (const oj_val *pf = oj_first(props); pf; pf = pf->next, i++) {
        const char *pid = ref_id(pf, "flowProperty");
        double fac = 1.0;
        if (!pid || !jnum(pf, "conversionFactor", &fac) || !(fac > 0)) {
            olca_report_add(rep, "flow %s: flow property factor %zu incomplete, skipped", id, i);
            continue;
        }
        olca_flow_prop_factor *x = &f->props[f->nprops];
        if (!(x->property = strdup(pid)))
            return NOMEM(err);
        x->factor = fac;
        x->is_ref = jbool2(pf, "isRefFlowProperty", "referenceFlowProperty");
        if (x->is_ref && !f->ref_property && !(f->ref_property = strdup(pid)))
            return NOMEM(err);
        f->nprops++;
    }
    if (!f->ref_property && f->nprops == 1 && !(f->ref_property = strdup(f->props[0].property)))
        return NOMEM(err);
    if (!f->ref_property)
        olca_report_add(rep, "flow %s (%s): no reference flow property; its exchanges are skipped", id,
                        f->name);
    return TJ_OK;
}

static const olca_flow_prop_factor *flow_prop(const olca_flow *f, const char *pid)
{
    for (int i = 0; i < f->nprops; i++)
        if (!strcmp(f->props[i].property, pid))
            return &f->props[i];
    return NULL;
}

static const olca_unit *ug_unit(const olca_unit_group *g, const char *uid, const char *uname)
{
    if (uid)
        for (int i = 0; i < g->nunits; i++)
            if (g->units[i].id && !strcmp(g->units[i].id, uid))
                return &g->units[i];
    if (uname)
        for (int i = 0; i < g->nunits; i++)
            if (g->units[i].name && !strcmp(g->units[i].name, uname))
                return &g->units[i];
    return NULL;
}

/* Convert amount of exchange e (unit/flowProperty refs) into the flow's
 * reference unit.  Returns 0 and sets *out, or -1 with a reason. */
static int convert_amount(olca_db *db, const olca_flow *f, const oj_val *e, double amount, double *out,
                          double *factor, const char **why)
{
    const char *pid = ref_id(e, "flowProperty");
    if (!pid)
        pid = f->ref_property;
    if (!pid || !f->ref_property) {
        *why = "the flow has no reference flow property";
        return -1;
    }
    const olca_flow_prop_factor *pf = flow_prop(f, pid), *rf = flow_prop(f, f->ref_property);
    if (!pf || !rf) {
        *why = "the exchange's flow property is not one of the flow's properties";
        return -1;
    }
    int pi = find_prop(db, pid);
    if (pi < 0) {
        *why = "unknown flow property";
        return -1;
    }
    int gi = find_ug(db, db->props[pi].unit_group);
    if (gi < 0) {
        *why = "the flow property's unit group is unknown";
        return -1;
    }
    const olca_unit_group *g = &db->unit_groups[gi];
    const oj_val *u = oj_get(e, "unit");
    const olca_unit *unit =
        ug_unit(g, oj_is_obj(u) ? jstr(u, "@id") : NULL, oj_is_obj(u) ? jstr(u, "name") : NULL);
    if (!u)
        unit = g->ref >= 0 ? &g->units[g->ref] : NULL;
    if (!unit) {
        *why = "the exchange's unit is not in the flow property's unit group";
        return -1;
    }
    if (g->ref < 0) {
        *why = "the unit group has no reference unit";
        return -1;
    }
    double k = unit->factor / g->units[g->ref].factor * rf->factor / pf->factor;
    double v = amount * k;
    *factor = k;
    if (!isfinite(v) || !isfinite(k)) {
        *why = "the converted amount is not finite";
        return -1;
    }
    *out = v;
    return 0;
}

/* olca-schema Uncertainty (same names in v1 and v2) -> calc_dist in
 * reference units (k = conversion factor of the exchange).  The lognormal
 * median is the exchange amount (the deterministic value), as in openLCA's
 * calculation; geomSd is kept.  Returns 0 (dist set, NONE when absent) or
 * -1 with a reason. */
static int parse_uncertainty(const oj_val *u, double amount, double k, calc_dist *d, const char **why)
{
    const char *dt = jstr(u, "distributionType");
    double a = 0, b = 0, c = 0, t = 0;
    memset(d, 0, sizeof *d);
    if (!dt || !strcmp(dt, "NO_DISTRIBUTION"))
        return 0;
    if (!strcmp(dt, "LOG_NORMAL_DISTRIBUTION")) {
        if (!jnum(u, "geomSd", &b) || !(b >= 1)) {
            *why = "lognormal geomSd missing or below 1 (USLCI writes 0 for \"none\")";
            return -1;
        }
        if (amount == 0) {
            *why = "lognormal around a zero amount";
            return -1;
        }
        *d = (calc_dist){CALC_DIST_LOGNORMAL, amount, b, 0};
    } else if (!strcmp(dt, "NORMAL_DISTRIBUTION")) {
        if (!jnum(u, "sd", &b) || b < 0) {
            *why = "normal sd missing or negative";
            return -1;
        }
        *d = (calc_dist){CALC_DIST_NORMAL, amount, b * fabs(k), 0};
    } else if (!strcmp(dt, "TRIANGLE_DISTRIBUTION")) {
        if (jnum(u, "minimum", &a) && jnum(u, "mode", &b) && jnum(u, "maximum", &c) && c <= b &&
            b <= a) { /* minimum and maximum written the wrong way round */
            double t = a;
            a = c;
            c = t;
        }
        if (!jnum(u, "minimum", &t) || !jnum(u, "mode", &t) || !jnum(u, "maximum", &t) ||
            !(a <= b && b <= c)) {
            *why = "triangle needs minimum <= mode <= maximum";
            return -1;
        }
        *d = (calc_dist){CALC_DIST_TRIANGULAR, a * k, b * k, c * k};
    } else if (!strcmp(dt, "UNIFORM_DISTRIBUTION")) {
        if (!jnum(u, "minimum", &a) || !jnum(u, "maximum", &b) || !(a <= b)) {
            *why = "uniform needs minimum <= maximum";
            return -1;
        }
        *d = (calc_dist){CALC_DIST_UNIFORM, a * k, b * k, 0};
    } else {
        *why = "unknown distributionType";
        return -1;
    }
    if (calc_dist_check(d, NULL) != TJ_OK) {
        memset(d, 0, sizeof *d);
        *why = "invalid parameters";
        return -1;
    }
    return 0;
}

static tj_status parse_process(olca_db *db, const oj_val *o, const char *id, olca_report *rep, tj_error *err)
{
    if (find_proc(db, id) >= 0) {
        olca_report_add(rep, "process %s: duplicate, later copy ignored", id);
        return TJ_OK;
    }
    olca_process *p = olca_db_add_process(db, id, jstr(o, "name"));
    if (!p)
        return NOMEM(err);
    p->category = category_of(o);
    p->location = olca_strdup(ref_id(o, "location"));
    int dam = olca_alloc_parse(jstr(o, "defaultAllocationMethod"));
    p->default_alloc = dam > 0 && dam != OLCA_ALLOC_DEFAULT ? (olca_alloc_method)dam : OLCA_ALLOC_NONE;

    const oj_val *exs = oj_get(o, "exchanges"), *e;
    size_t i;
    int nq = 0, nunc_bad = 0;
    const char *first_unc_why = NULL;
    for (e = oj_first(exs), i = 0; e; e = e->next, i++) {
        const char *fid = ref_id(e, "flow");
        int fi = find_flow(db, fid);
        double amount;
        if (fi < 0) {
            rep->skipped_exchanges++;
            olca_report_add(rep, "process %s (%s): exchange %zu refers to unknown flow %s, skipped", id,
                            p->name, i, fid ? fid : "(none)");
            continue;
        }
        if (!jnum(e, "amount", &amount)) {
            rep->skipped_exchanges++;
            olca_report_add(rep, "process %s (%s): exchange %zu (%s) has no numeric amount, skipped", id,
                            p->name, i, db->flows[fi].name);
            continue;
        }
        olca_exchange x = {0};
        const char *why = NULL;
        double k = 1;
        if (convert_amount(db, &db->flows[fi], e, amount, &x.amount, &k, &why) < 0) {
            rep->skipped_exchanges++;
            olca_report_add(rep, "process %s (%s): exchange %zu (%s): %s, skipped", id, p->name, i,
                            db->flows[fi].name, why);
            continue;
        }
        x.flow = fi;
        x.input = jbool2(e, "isInput", "input");
        x.avoided = jbool2(e, "isAvoidedProduct", "avoidedProduct");
        x.qref = jbool2(e, "isQuantitativeReference", "quantitativeReference");
        if (x.qref && nq++ > 0) {
            olca_report_add(rep, "process %s (%s): more than one quantitative reference; the first is used",
                            id, p->name);
            x.qref = 0;
        }
        const oj_val *unc = oj_get(e, "uncertainty");
        if (oj_is_obj(unc)) {
            const char *uwhy = NULL;
            if (parse_uncertainty(unc, x.amount, k, &x.dist, &uwhy) == 0) {
                if (x.dist.kind != CALC_DIST_NONE)
                    rep->distributions++;
            } else {
                rep->skipped_distributions++;
                if (!first_unc_why)
                    first_unc_why = uwhy;
                nunc_bad++;
            }
        }
        const oj_val *iid = oj_get(e, "internalId");
        x.internal_id = oj_is_int(iid) ? (int)oj_int(iid) : 0;
        x.provider = (char *)ref_id(e, "defaultProvider"); /* copied by add_exchange */
        if (olca_process_add_exchange(p, &x) != TJ_OK)
            return NOMEM(err);
    }
    if (nq == 0)
        olca_report_add(rep, "process %s (%s): no quantitative reference", id, p->name);
    if (nunc_bad)
        olca_report_add(rep,
                        "process %s (%s): %d uncertainty distribution(s) not used (amounts kept), "
                        "e.g. %s",
                        id, p->name, nunc_bad, first_unc_why);

    const oj_val *afs = oj_get(o, "allocationFactors");
    int bad_kind = 0, no_product = 0, no_exchange = 0;
    for (e = oj_first(afs), i = 0; e; e = e->next, i++) {
        olca_alloc_factor af = {.product = -1, .exchange_flow = -1};
        int m = olca_alloc_parse(jstr(e, "allocationType"));
        double v;
        if (m <= 0 || m == OLCA_ALLOC_DEFAULT || !jnum(e, "value", &v) || v < 0) {
            rep->skipped_alloc++;
            bad_kind++;
            continue;
        }
        af.method = (olca_alloc_method)m;
        af.value = v;
        /* product: v1 "product" (flow ref), v2 "product" too; older "productId" */
        const char *pid = ref_id(e, "product");
        if (!pid)
            pid = jstr(e, "productId");
        af.product = find_flow(db, pid);
        if (af.product < 0) {
            rep->skipped_alloc++;
            no_product++;
            continue;
        }
        if (m == OLCA_ALLOC_CAUSAL) {
            const oj_val *ex = oj_get(e, "exchange");
            const char *efid = oj_is_obj(ex) ? ref_id(ex, "flow") : NULL;
            const oj_val *iid = oj_is_obj(ex) ? oj_get(ex, "internalId") : NULL;
            if (!efid && oj_is_int(iid)) {
                for (int k = 0; k < p->nex; k++)
                    if (p->ex[k].internal_id == (int)oj_int(iid))
                        af.exchange_flow = p->ex[k].flow;
            } else {
                af.exchange_flow = find_flow(db, efid);
            }
            if (af.exchange_flow < 0) {
                rep->skipped_alloc++;
                no_exchange++;
                continue;
            }
        }
        if (olca_process_add_alloc(p, &af) != TJ_OK)
            return NOMEM(err);
    }
    if (bad_kind + no_product + no_exchange)
        olca_report_add(rep,
                        "process %s (%s): %d allocation factor(s) skipped: %d without a known "
                        "product, %d causal without a known exchange, %d with an unknown type or "
                        "a missing/negative value",
                        id, p->name, bad_kind + no_product + no_exchange, no_product, no_exchange, bad_kind);
    return TJ_OK;
}

static tj_status parse_category(olca_db *db, const oj_val *o, const char *id, tj_error *err)
{
    if (find_cat(db, id) >= 0)
        return TJ_OK;
    if (grow((void **)&db->cats, &db->cap_cats, db->ncats, sizeof *db->cats) < 0)
        return NOMEM(err);
    struct olca_category *c = &db->cats[db->ncats];
    c->id = strdup(id);
    c->name = strdup_trim(jstr(o, "name") ? jstr(o, "name") : "");
    c->parent = olca_strdup(ref_id(o, "category"));
    if (!c->id || !c->name) {
        free(c->id);
        free(c->name);
        free(c->parent);
        return NOMEM(err);
    }
    note_index(&db->ix_cat, db->cats[db->ncats].id, db->ncats);
    db->ncats++;
    return TJ_OK;
}

/* olca_parse_entity with the caller's parser document (reused across files). */
static tj_status parse_entity_doc(olca_db *db, oj_doc *doc, const char *kind, const char *text, size_t len,
                                  const char *name, olca_report *rep, tj_error *err)
{
    const oj_val *o = oj_parse(doc, text, len);
    tj_status st = TJ_OK;
    if (!o && oj_error_nomem(doc))
        return NOMEM(err);
    if (!o || !oj_is_obj(o)) {
        report_invalid(rep, "%s: not a JSON object (%s at line %d), skipped", name ? name : kind,
                       o ? "wrong type" : oj_error_text(doc), o ? 1 : oj_error_line(doc));
        return TJ_OK;
    }
    const char *id = jstr(o, "@id");
    if (!id || !*id) {
        report_invalid(rep, "%s: no \"@id\", skipped", name ? name : kind);
        return TJ_OK;
    }
    if (rep)
        rep->files++;
    if (!strcmp(kind, "unit_groups"))
        st = parse_unit_group(db, o, id, rep, err);
    else if (!strcmp(kind, "flow_properties")) {
        if (find_prop(db, id) < 0 && !olca_db_add_property(db, id, jstr(o, "name"), ref_id(o, "unitGroup")))
            st = NOMEM(err);
    } else if (!strcmp(kind, "flows"))
        st = parse_flow(db, o, id, rep, err);
    else if (!strcmp(kind, "processes"))
        st = parse_process(db, o, id, rep, err);
    else if (!strcmp(kind, "categories"))
        st = parse_category(db, o, id, err);
    else if (!strcmp(kind, "locations")) {
        if (!olca_db_add_entity(db, 0, id, jstr(o, "name"), jstr(o, "code")))
            st = NOMEM(err);
    } else if (!strcmp(kind, "sources")) {
        const char *url = jstr(o, "url");
        if (!url)
            url = jstr(o, "textReference");
        if (!olca_db_add_entity(db, 1, id, jstr(o, "name"), url))
            st = NOMEM(err);
    } else if (!strcmp(kind, "actors")) {
        if (!olca_db_add_entity(db, 2, id, jstr(o, "name"), jstr(o, "email")))
            st = NOMEM(err);
    } else if (rep) {
        rep->files--;
        rep->skipped_files++;
    }
    return st;
}

tj_status olca_parse_entity(olca_db *db, const char *kind, const char *text, size_t len, const char *name,
                            olca_report *rep, tj_error *err)
{
    oj_doc *doc = oj_doc_new();
    if (!doc)
        return NOMEM(err);
    tj_status st = parse_entity_doc(db, doc, kind, text, len, name, rep, err);
    oj_doc_free(doc);
    return st;
}

/* Build "a/b/c" for a v1 category UUID (bounded depth against cycles). */
static char *category_path(olca_db *db, const char *id, const char *fallback)
{
    const char *parts[32];
    int n = 0;
    for (int c = find_cat(db, id); c >= 0 && n < 32; c = find_cat(db, db->cats[c].parent))
        parts[n++] = db->cats[c].name;
    if (n == 0)
        return strdup(fallback ? fallback : "");
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *s = calloc(1, len);
    if (!s)
        return NULL;
    for (int i = n - 1; i >= 0; i--) {
        strcat(s, parts[i]);
        if (i)
            strcat(s, "/");
    }
    return s;
}

static void resolve_one(olca_db *db, char **cat)
{
    if (!*cat || (*cat)[0] != '@')
        return;
    char *bar = strchr(*cat, '|');
    if (!bar)
        return;
    *bar = 0;
    char *p = category_path(db, *cat + 1, bar + 1);
    if (p) {
        free(*cat);
        *cat = p;
    } else {
        *bar = '|';
    }
}

void olca_resolve_categories(olca_db *db)
{
    for (int i = 0; i < db->nflows; i++) {
        olca_flow *f = &db->flows[i];
        resolve_one(db, &f->category);
        /* the reference unit name of the reference flow property */
        if (!f->ref_unit && f->ref_property) {
            int pi = find_prop(db, f->ref_property);
            int gi = pi >= 0 ? find_ug(db, db->props[pi].unit_group) : -1;
            if (gi >= 0 && db->unit_groups[gi].ref >= 0)
                f->ref_unit = olca_strdup(db->unit_groups[gi].units[db->unit_groups[gi].ref].name);
        }
    }
    for (int i = 0; i < db->nprocs; i++)
        resolve_one(db, &db->procs[i].category);
}

/* ---- archive / folder reading ----------------------------------------- */

/* Shared with a consumer while reading on a thread of its own (olca_async);
 * NULL when reading synchronously.  Everything here is guarded by mu. */
typedef struct olca_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int ref_ready;     /* reference data complete (pass 1 and categories) */
    int ended;         /* the reader returned */
    int cancel;        /* the consumer asks the reader to stop */
    int nprocs;        /* processes complete (db->procs[0..nprocs) stay put) */
    int invalid_pass1; /* invalid entity files among the reference data */
    olca_db *db;       /* the database being filled, once ref_ready */
    long done, total;  /* process files read / to read */
} olca_sync;

/* Room for n more processes, so that the array does not move while a
 * consumer reads the processes already published. */
static int reserve_procs(olca_db *db, long n)
{
    if (n <= 0 || n > INT32_MAX - db->nprocs)
        return n <= 0 ? 0 : -1;
    int want = db->nprocs + (int)n;
    if (want <= db->cap_procs)
        return 0;
    olca_process *p = realloc(db->procs, (size_t)want * sizeof *p);
    if (!p)
        return -1;
    db->procs = p;
    db->cap_procs = want;
    return 0;
}

static void sync_reference(olca_sync *s, olca_db *db, olca_report *rep)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->ref_ready = 1;
    s->db = db;
    s->nprocs = db->nprocs;
    s->invalid_pass1 = rep ? rep->invalid_files : 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* After a process file: publish; returns 1 when the consumer cancelled. */
static int sync_process(olca_sync *s, olca_db *db, long done, long total)
{
    if (!s)
        return 0;
    pthread_mutex_lock(&s->mu);
    s->nprocs = db->nprocs;
    s->done = done;
    s->total = total;
    int cancel = s->cancel;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return cancel;
}

#define CANCELLED(err) tj_error_set(err, TJ_ERR_INTERNAL, NULL, "reading was cancelled")

static const char *const pass1_kinds[] = {"categories", "unit_groups", "flow_properties", "locations",
                                          "sources",    "actors",      "flows",           NULL};

/* Entity kind of a path "x/y/kind/UUID.json"; NULL if not an entity file. */
static const char *kind_of(const char *path, char *buf, size_t bufsz)
{
    size_t n = strlen(path);
    if (n < 6 || strcmp(path + n - 5, ".json"))
        return NULL;
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return NULL;
    const char *start = slash - 1;
    while (start > path && start[-1] != '/')
        start--;
    size_t k = (size_t)(slash - start);
    if (k + 1 > bufsz)
        return NULL;
    memcpy(buf, start, k);
    buf[k] = 0;
    return buf;
}

static int kind_in_pass(const char *kind, int pass)
{
    if (pass == 2)
        return !strcmp(kind, "processes");
    for (int i = 0; pass1_kinds[i]; i++)
        if (!strcmp(kind, pass1_kinds[i]))
            return 1;
    return 0;
}

static tj_status read_zip(const char *path, olca_db *db, oj_doc *doc, olca_report *rep,
                          olca_progress_fn progress, void *user, olca_sync *sync, tj_error *err)
{
    io_zip *z;
    tj_status st = io_zip_open(path, NULL, &z, err);
    if (st) {
        tj_error_prefix(err, "cannot read %s as a zip archive or folder", path);
        return st;
    }
    char *buf = NULL;
    size_t bufcap = 0, n = io_zip_count(z);
    for (int pass = 1; pass <= 2 && st == TJ_OK; pass++) {
        long total = 0, done = 0;
        char kb[64];
        for (size_t i = 0; i < n; i++) {
            const char *name = io_zip_name(z, i);
            const char *kind = name ? kind_of(name, kb, sizeof kb) : NULL;
            if (kind && kind_in_pass(kind, pass))
                total++;
        }
        if (pass == 2 && sync && reserve_procs(db, total) < 0) {
            st = NOMEM(err);
            break;
        }
        for (size_t i = 0; i < n && st == TJ_OK; i++) {
            const char *name = io_zip_name(z, i);
            const char *kind = name ? kind_of(name, kb, sizeof kb) : NULL;
            if (!kind || !kind_in_pass(kind, pass))
                continue;
            /* a damaged or oversized entry refuses the whole archive: the
             * import is all-or-nothing and a bomb is not read on */
            size_t got;
            if ((st = io_zip_read(z, i, &buf, &bufcap, &got, err)))
                break;
            st = parse_entity_doc(db, doc, kind, buf, got, name, rep, err);
            done++;
            if (progress && (done % 64 == 0 || done == total))
                progress(user, pass == 1 ? "reference data" : "processes", done, total);
            if (pass == 2 && st == TJ_OK && sync_process(sync, db, done, total))
                st = CANCELLED(err);
        }
        if (pass == 1 && st == TJ_OK) {
            olca_resolve_categories(db);
            sync_reference(sync, db, rep);
        }
    }
    free(buf);
    io_zip_close(z);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static tj_status read_dir_kind(const char *root, const char *kind, olca_db *db, oj_doc *doc, olca_report *rep,
                               olca_progress_fn progress, void *user, olca_sync *sync, tj_error *err)
{
    char *dir = NULL;
    io_input_limits lim = io_input_limits_default();
    if (asprintf(&dir, "%s/%s", root, kind) < 0)
        return NOMEM(err);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return TJ_OK; /* a kind may be absent */
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    tj_status st = TJ_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                st = NOMEM(err);
                goto out;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[n] = strdup(de->d_name))) {
            st = NOMEM(err);
            goto out;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str); /* deterministic order */
    int procs = !strcmp(kind, "processes");
    if (procs && sync && reserve_procs(db, (long)n) < 0)
        st = NOMEM(err);
    for (size_t i = 0; i < n && st == TJ_OK; i++) {
        char *p = NULL, *text = NULL;
        size_t len = 0;
        if (asprintf(&p, "%s/%s", kind, names[i]) < 0) {
            st = NOMEM(err);
            break;
        }
        /* bounded; a link to a device or outside the folder is refused */
        st = io_input_read_in(root, p, lim.max_entry_bytes, &text, &len, err);
        if (st == TJ_OK) {
            free(p);
            p = NULL;
            if (asprintf(&p, "%s/%s", dir, names[i]) < 0)
                st = NOMEM(err);
            else
                st = parse_entity_doc(db, doc, kind, text, len, p, rep, err);
        }
        free(text);
        free(p);
        if (progress && ((i + 1) % 64 == 0 || i + 1 == n))
            progress(user, kind, (long)(i + 1), (long)n);
        if (procs && st == TJ_OK && sync_process(sync, db, (long)(i + 1), (long)n))
            st = CANCELLED(err);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    free(dir);
    return st;
}

static tj_status read_any(const char *path, olca_db **out, olca_report *rep, olca_progress_fn progress,
                          void *user, olca_sync *sync, tj_error *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot open %s: %s", path, strerror(errno));
    olca_db *db = olca_db_new();
    oj_doc *doc = oj_doc_new();
    if (!db || !doc) {
        olca_db_free(db);
        oj_doc_free(doc);
        return NOMEM(err);
    }
    tj_status st = TJ_OK;
    if (S_ISDIR(sb.st_mode)) {
        for (int i = 0; pass1_kinds[i] && st == TJ_OK; i++)
            st = read_dir_kind(path, pass1_kinds[i], db, doc, rep, progress, user, NULL, err);
        if (st == TJ_OK) {
            olca_resolve_categories(db);
            sync_reference(sync, db, rep);
            st = read_dir_kind(path, "processes", db, doc, rep, progress, user, sync, err);
        }
    } else {
        st = read_zip(path, db, doc, rep, progress, user, sync, err);
    }
    oj_doc_free(doc);
    if (st == TJ_OK && db->nflows == 0 && db->nprocs == 0 && db->nunit_groups == 0)
        st = tj_error_set(err, TJ_ERR_INPUT, NULL,
                          "%s holds no openLCA JSON-LD entities (no unit_groups/, flows/ or "
                          "processes/ folders)",
                          path);
    if (st != TJ_OK && !sync) {
        olca_db_free(db);
        return st;
    }
    *out = db; /* with a consumer: also on failure, it may still read db */
    return st;
}

tj_status olca_read(const char *path, olca_db **out, olca_report *rep, olca_progress_fn progress, void *user,
                    tj_error *err)
{
    return read_any(path, out, rep, progress, user, NULL, err);
}

/* ---- reading on a thread of its own ------------------------------------ */

struct olca_async {
    olca_sync sync;
    pthread_t thread;
    char *path;
    olca_db *db;
    olca_report rep;
    tj_error err;
    tj_status st;
};

static void *async_main(void *arg)
{
    olca_async *a = arg;
    a->st = read_any(a->path, &a->db, &a->rep, NULL, NULL, &a->sync, &a->err);
    pthread_mutex_lock(&a->sync.mu);
    a->sync.ended = 1;
    pthread_cond_broadcast(&a->sync.cv);
    pthread_mutex_unlock(&a->sync.mu);
    return NULL;
}

tj_status olca_read_start(const char *path, olca_async **out, tj_error *err)
{
    *out = NULL;
    olca_async *a = calloc(1, sizeof *a);
    if (!a || !(a->path = strdup(path))) {
        free(a);
        return NOMEM(err);
    }
    olca_report_init(&a->rep);
    tj_error_clear(&a->err);
    pthread_mutex_init(&a->sync.mu, NULL);
    pthread_cond_init(&a->sync.cv, NULL);
    if (pthread_create(&a->thread, NULL, async_main, a) != 0) {
        pthread_cond_destroy(&a->sync.cv);
        pthread_mutex_destroy(&a->sync.mu);
        free(a->path);
        free(a);
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "cannot start a thread to read %s", path);
    }
    *out = a;
    return TJ_OK;
}

int olca_read_wait_reference(olca_async *a, const olca_db **db, int *invalid_files)
{
    pthread_mutex_lock(&a->sync.mu);
    while (!a->sync.ref_ready && !a->sync.ended)
        pthread_cond_wait(&a->sync.cv, &a->sync.mu);
    int ok = a->sync.ref_ready && !(a->sync.ended && a->st != TJ_OK);
    *invalid_files = a->sync.invalid_pass1;
    *db = ok ? a->sync.db : NULL;
    pthread_mutex_unlock(&a->sync.mu);
    return ok;
}

int olca_read_wait_processes(olca_async *a, int have, int *ended, long *done, long *total)
{
    pthread_mutex_lock(&a->sync.mu);
    while (a->sync.nprocs <= have && !a->sync.ended)
        pthread_cond_wait(&a->sync.cv, &a->sync.mu);
    int n = a->sync.nprocs;
    *ended = a->sync.ended;
    if (done)
        *done = a->sync.done;
    if (total)
        *total = a->sync.total;
    pthread_mutex_unlock(&a->sync.mu);
    return n;
}

tj_status olca_read_ended(olca_async *a, int *invalid_files)
{
    pthread_mutex_lock(&a->sync.mu);
    while (!a->sync.ended)
        pthread_cond_wait(&a->sync.cv, &a->sync.mu);
    tj_status st = a->st;
    *invalid_files = a->rep.invalid_files;
    pthread_mutex_unlock(&a->sync.mu);
    return st;
}

void olca_read_cancel(olca_async *a)
{
    pthread_mutex_lock(&a->sync.mu);
    a->sync.cancel = 1;
    pthread_mutex_unlock(&a->sync.mu);
}

tj_status olca_read_finish(olca_async *a, olca_db **out, olca_report *rep, tj_error *err)
{
    pthread_join(a->thread, NULL);
    tj_status st = a->st;
    *out = NULL;
    if (st == TJ_OK) {
        *out = a->db;
    } else {
        olca_db_free(a->db);
        if (err)
            *err = a->err;
    }
    if (rep) {
        olca_report_release(rep);
        *rep = a->rep;
    } else {
        olca_report_release(&a->rep);
    }
    pthread_cond_destroy(&a->sync.cv);
    pthread_mutex_destroy(&a->sync.mu);
    free(a->path);
    free(a);
    return st;
}

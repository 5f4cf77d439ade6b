/* A product system ready for the matrix method; see calc/system.h. */
#include "calc/system.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const stage_keys[CALC_STAGE_COUNT] = {
    "raw_materials", "production", "distribution", "use", "end_of_life",
};

static const char *const channel_keys[CALC_CH_COUNT] = {
    "fossil", "biogenic", "biogenic_removal", "dluc", "aircraft",
};

const char *calc_stage_key(calc_stage s)
{
    return (unsigned)s < CALC_STAGE_COUNT ? stage_keys[s] : "unknown";
}

const char *calc_channel_key(calc_channel c)
{
    return (unsigned)c < CALC_CH_COUNT ? channel_keys[c] : "unknown";
}

/* Case-insensitive match of key against s with surrounding white space ignored. */
static int key_match(const char *s, const char *key)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(key);
    if (strncasecmp(s, key, n) != 0)
        return 0;
    s += n;
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

int calc_stage_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < CALC_STAGE_COUNT; i++)
        if (key_match(s, stage_keys[i]))
            return i;
    return -1;
}

int calc_channel_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < CALC_CH_COUNT; i++)
        if (key_match(s, channel_keys[i]))
            return i;
    return -1;
}

/* ---- helpers ---- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Grow *arr (elements of size elem) so that it holds at least need elements. */
static tj_status grow(void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return TJ_OK;
    if (need < 0 || need > INT_MAX / 2)
        return TJ_ERR_NOMEM;
    int ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    if ((size_t)ncap > SIZE_MAX / elem)
        return TJ_ERR_NOMEM;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return TJ_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return TJ_OK;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* Hash index over ids: slots hold index + 1 (0 = empty); capacity is a power
 * of two kept at least twice the number of entries. */
typedef const char *(*id_at_fn)(const calc_system *sys, int i);

static const char *proc_id_at(const calc_system *sys, int i)
{
    return sys->proc[i].id;
}

static const char *flow_id_at(const calc_system *sys, int i)
{
    return sys->flow[i].id;
}

static int index_find(const calc_system *sys, const int *slot, int cap, id_at_fn id_at, const char *id)
{
    if (!slot || cap == 0)
        return -1;
    uint32_t mask = (uint32_t)cap - 1;
    for (uint32_t i = fnv1a(id) & mask;; i = (i + 1) & mask) {
        int v = slot[i];
        if (v == 0)
            return -1;
        if (strcmp(id_at(sys, v - 1), id) == 0)
            return v - 1;
    }
}

static void index_put(int *slot, int cap, const char *id, int idx)
{
    uint32_t mask = (uint32_t)cap - 1;
    uint32_t i = fnv1a(id) & mask;
    while (slot[i] != 0)
        i = (i + 1) & mask;
    slot[i] = idx + 1;
}

/* Make room for count + 1 entries (rehashing all count existing ones). */
static tj_status index_reserve(const calc_system *sys, int **slot, int *cap, int count, id_at_fn id_at)
{
    if (*cap >= 2 * (count + 1))
        return TJ_OK;
    if (count > INT_MAX / 8)
        return TJ_ERR_NOMEM;
    int ncap = *cap ? *cap : 64;
    while (ncap < 2 * (count + 1))
        ncap *= 2;
    int *ns = calloc((size_t)ncap, sizeof *ns);
    if (!ns)
        return TJ_ERR_NOMEM;
    for (int i = 0; i < count; i++)
        index_put(ns, ncap, id_at(sys, i), i);
    free(*slot);
    *slot = ns;
    *cap = ncap;
    return TJ_OK;
}

static int dqi_valid(const calc_dqi *q)
{
    const double v[4] = {q->ter, q->ger, q->tir, q->p};
    for (int i = 0; i < 4; i++)
        if (!isfinite(v[i]) || (v[i] != 0 && (v[i] < 1 || v[i] > 5)))
            return 0;
    return 1;
}

tj_status calc_dist_check(const calc_dist *d, tj_error *err)
{
    if (!d)
        return TJ_OK;
    if (!isfinite(d->a) || !isfinite(d->b) || !isfinite(d->c))
        return tj_error_set(err, TJ_ERR_INPUT, NULL, "distribution parameters must be finite");
    switch (d->kind) {
    case CALC_DIST_NONE: return TJ_OK;
    case CALC_DIST_LOGNORMAL:
        if (d->b < 1)
            return tj_error_set(err, TJ_ERR_INPUT, NULL,
                                "lognormal geometric standard deviation must be >= 1 (got %g)", d->b);
        return TJ_OK;
    case CALC_DIST_NORMAL:
        if (d->b < 0)
            return tj_error_set(err, TJ_ERR_INPUT, NULL, "normal standard deviation must be >= 0 (got %g)",
                                d->b);
        return TJ_OK;
    case CALC_DIST_TRIANGULAR:
        if (!(d->a <= d->b && d->b <= d->c))
            return tj_error_set(err, TJ_ERR_INPUT, NULL,
                                "triangular distribution needs min <= mode <= max (got %g, %g, %g)", d->a,
                                d->b, d->c);
        return TJ_OK;
    case CALC_DIST_UNIFORM:
        if (!(d->a <= d->b))
            return tj_error_set(err, TJ_ERR_INPUT, NULL, "uniform distribution needs min <= max (got %g, %g)",
                                d->a, d->b);
        return TJ_OK;
    }
    return tj_error_set(err, TJ_ERR_INPUT, NULL, "unknown distribution kind %d", (int)d->kind);
}

/* ---- life cycle ---- */

calc_system *calc_system_new(const char *name)
{
    calc_system *sys = calloc(1, sizeof *sys);
    if (!sys)
        return NULL;
    sys->name = strdup(name ? name : "");
    if (!sys->name) {
        free(sys);
        return NULL;
    }
    return sys;
}

void calc_system_free(calc_system *sys)
{
    if (!sys)
        return;
    for (int i = 0; i < sys->n; i++) {
        free(sys->proc[i].id);
        free(sys->proc[i].name);
        free(sys->proc[i].product);
        free(sys->proc[i].unit);
    }
    for (int k = 0; k < sys->m; k++) {
        free(sys->flow[k].id);
        free(sys->flow[k].name);
        free(sys->flow[k].compartment);
        free(sys->flow[k].unit);
        free(sys->flow[k].source);
        free(sys->flow[k].parts);
    }
    for (int c = 0; c < sys->ncut; c++) {
        free(sys->cut[c].what);
        free(sys->cut[c].unit);
    }
    free(sys->proc);
    free(sys->flow);
    free(sys->tech);
    free(sys->elem);
    free(sys->cut);
    free(sys->input_mass_kg);
    free(sys->proc_slot);
    free(sys->flow_slot);
    free(sys->name);
    free(sys);
}

const tj_error *calc_system_error(const calc_system *sys)
{
    return sys ? &sys->err : NULL;
}

/* ---- processes and flows ---- */

int calc_system_add_process(calc_system *sys, const char *id, const char *name, const char *product,
                            const char *unit, calc_stage stage, const calc_dqi *dq)
{
    if (!sys)
        return TJ_ERR_USAGE;
    if (!id || !*id)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "id", "a process needs a non-empty id");
    if ((unsigned)stage >= CALC_STAGE_COUNT)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "stage", "process '%s': unknown stage %d", id,
                            (int)stage);
    if (dq && !dqi_valid(dq))
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "dq",
                            "process '%s': data quality ratings must be 0 (unrated) or 1..5", id);
    if (calc_system_find_process(sys, id) >= 0)
        return tj_error_set(&sys->err, TJ_ERR_CONFLICT, "id", "duplicate process id '%s'", id);
    if (sys->n == INT_MAX - 1)
        return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "too many processes");

    int need = sys->n + 1;
    if (grow((void **)&sys->proc, &sys->cap_proc, need, sizeof *sys->proc) != TJ_OK)
        goto nomem;
    if (sys->input_mass_kg) {
        /* input_mass_kg is sized like proc (cap_proc); keep it in step. */
        double *p = realloc(sys->input_mass_kg, (size_t)sys->cap_proc * sizeof *p);
        if (!p)
            goto nomem;
        sys->input_mass_kg = p;
        sys->input_mass_kg[sys->n] = 0;
    }
    if (index_reserve(sys, &sys->proc_slot, &sys->proc_slot_cap, sys->n, proc_id_at) != TJ_OK)
        goto nomem;

    calc_process *p = &sys->proc[sys->n];
    memset(p, 0, sizeof *p);
    p->id = strdup(id);
    p->name = strdup(name ? name : id);
    p->product = strdup(product ? product : (name ? name : id));
    p->unit = strdup(unit ? unit : "");
    if (!p->id || !p->name || !p->product || !p->unit) {
        free(p->id);
        free(p->name);
        free(p->product);
        free(p->unit);
        goto nomem;
    }
    p->stage = stage;
    if (dq)
        p->dq = *dq;
    index_put(sys->proc_slot, sys->proc_slot_cap, p->id, sys->n);
    return sys->n++;
nomem:
    return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "out of memory adding process '%s'", id);
}

int calc_system_add_flow(calc_system *sys, const calc_flow *f)
{
    if (!sys || !f)
        return TJ_ERR_USAGE;
    if (!f->id || !*f->id)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "id", "a flow needs a non-empty id");
    if ((unsigned)f->channel >= CALC_CH_COUNT)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "channel", "flow '%s': unknown channel %d", f->id,
                            (int)f->channel);
    if (!isfinite(f->cf))
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "cf",
                            "flow '%s': characterisation factor is not a finite number", f->id);
    if (f->nparts < 0 || (f->nparts > 0 && !f->parts))
        return tj_error_set(&sys->err, TJ_ERR_USAGE, "parts", "flow '%s': bad per-gas parts", f->id);
    for (int i = 0; i < f->nparts; i++)
        if (!f->parts[i].gas || !isfinite(f->parts[i].cf))
            return tj_error_set(&sys->err, TJ_ERR_INPUT, "parts",
                                "flow '%s': a per-gas part needs a gas and a finite value", f->id);
    if (calc_system_find_flow(sys, f->id) >= 0)
        return tj_error_set(&sys->err, TJ_ERR_CONFLICT, "id", "duplicate flow id '%s'", f->id);
    if (sys->m == INT_MAX - 1)
        return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "too many flows");
    if (grow((void **)&sys->flow, &sys->cap_flow, sys->m + 1, sizeof *sys->flow) != TJ_OK)
        goto nomem;
    if (index_reserve(sys, &sys->flow_slot, &sys->flow_slot_cap, sys->m, flow_id_at) != TJ_OK)
        goto nomem;

    calc_flow *d = &sys->flow[sys->m];
    *d = *f;
    d->id = strdup(f->id);
    d->name = strdup(f->name ? f->name : f->id);
    d->compartment = dup_or_null(f->compartment);
    d->unit = strdup(f->unit ? f->unit : "kg");
    d->source = dup_or_null(f->source);
    d->parts = NULL;
    d->nparts = 0;
    if (f->nparts > 0 && f->parts && (d->parts = malloc((size_t)f->nparts * sizeof *d->parts))) {
        memcpy(d->parts, f->parts, (size_t)f->nparts * sizeof *d->parts);
        d->nparts = f->nparts;
    }
    if (!d->id || !d->name || !d->unit || (f->compartment && !d->compartment) || (f->source && !d->source) ||
        (f->nparts > 0 && f->parts && !d->parts)) {
        free(d->id);
        free(d->name);
        free(d->compartment);
        free(d->unit);
        free(d->source);
        free(d->parts);
        goto nomem;
    }
    index_put(sys->flow_slot, sys->flow_slot_cap, d->id, sys->m);
    return sys->m++;
nomem:
    return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "out of memory adding flow '%s'", f->id);
}

int calc_system_find_flow(const calc_system *sys, const char *id)
{
    if (!sys || !id)
        return -1;
    return index_find(sys, sys->flow_slot, sys->flow_slot_cap, flow_id_at, id);
}

int calc_system_find_process(const calc_system *sys, const char *id)
{
    if (!sys || !id)
        return -1;
    return index_find(sys, sys->proc_slot, sys->proc_slot_cap, proc_id_at, id);
}

/* ---- entries ---- */

static tj_status check_entry(calc_system *sys, const char *what, int row, int nrows, const char *rowname,
                             int col, double amount, const calc_dist *dist, const calc_dqi *dq)
{
    if (col < 0 || col >= sys->n)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "col",
                            "%s entry: process column %d out of range (0..%d)", what, col, sys->n - 1);
    const char *pid = sys->proc[col].id;
    if (row < 0 || row >= nrows)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "row",
                            "%s entry of process '%s': %s %d out of range (0..%d)", what, pid, rowname, row,
                            nrows - 1);
    if (!isfinite(amount))
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "amount",
                            "%s entry of process '%s' (%s %d): amount is not a finite number", what, pid,
                            rowname, row);
    if (dist) {
        tj_error e;
        tj_error_clear(&e);
        if (calc_dist_check(dist, &e) != TJ_OK)
            return tj_error_set(&sys->err, TJ_ERR_INPUT, "dist", "%s entry of process '%s' (%s %d): %s", what,
                                pid, rowname, row, e.message);
    }
    if (dq && !dqi_valid(dq))
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "dq",
                            "%s entry of process '%s' (%s %d): data quality ratings must be 0 "
                            "(unrated) or 1..5",
                            what, pid, rowname, row);
    return TJ_OK;
}

static tj_status add_entry(calc_system *sys, calc_entry **arr, int *count, int *cap, int row, int col,
                           double amount, const calc_dist *dist, const calc_dqi *dq)
{
    if (*count == INT_MAX - 1 || grow((void **)arr, cap, *count + 1, sizeof **arr) != TJ_OK)
        return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "out of memory adding an entry");
    calc_entry *e = &(*arr)[(*count)++];
    memset(e, 0, sizeof *e);
    e->row = row;
    e->col = col;
    e->amount = amount;
    if (dist)
        e->dist = *dist;
    if (dq)
        e->dq = *dq;
    return TJ_OK;
}

tj_status calc_system_add_tech(calc_system *sys, int row, int col, double amount, const calc_dist *dist,
                               const calc_dqi *dq)
{
    if (!sys)
        return TJ_ERR_USAGE;
    tj_status rc = check_entry(sys, "technology", row, sys->n, "product row", col, amount, dist, dq);
    if (rc != TJ_OK)
        return rc;
    return add_entry(sys, &sys->tech, &sys->ntech, &sys->cap_tech, row, col, amount, dist, dq);
}

tj_status calc_system_add_elem(calc_system *sys, int flow, int col, double amount, const calc_dist *dist,
                               const calc_dqi *dq)
{
    if (!sys)
        return TJ_ERR_USAGE;
    tj_status rc = check_entry(sys, "elementary", flow, sys->m, "flow", col, amount, dist, dq);
    if (rc != TJ_OK)
        return rc;
    return add_entry(sys, &sys->elem, &sys->nelem, &sys->cap_elem, flow, col, amount, dist, dq);
}

tj_status calc_system_add_cutoff(calc_system *sys, int col, const char *what, double amount, const char *unit,
                                 double mass_kg)
{
    if (!sys)
        return TJ_ERR_USAGE;
    if (col < 0 || col >= sys->n)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "col", "cut-off: process column %d out of range (0..%d)",
                            col, sys->n - 1);
    if (!what || !*what)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "what", "cut-off of process '%s' needs a description",
                            sys->proc[col].id);
    if (!isfinite(amount))
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "amount",
                            "cut-off '%s' of process '%s': amount is not a finite number", what,
                            sys->proc[col].id);
    if (isinf(mass_kg) || mass_kg < 0)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "mass_kg",
                            "cut-off '%s' of process '%s': mass must be >= 0 kg or NaN (unknown)", what,
                            sys->proc[col].id);
    if (sys->ncut == INT_MAX - 1 ||
        grow((void **)&sys->cut, &sys->cap_cut, sys->ncut + 1, sizeof *sys->cut) != TJ_OK)
        goto nomem;
    calc_cutoff *c = &sys->cut[sys->ncut];
    c->col = col;
    c->what = strdup(what);
    c->unit = strdup(unit ? unit : "");
    c->amount = amount;
    c->mass_kg = mass_kg;
    if (!c->what || !c->unit) {
        free(c->what);
        free(c->unit);
        goto nomem;
    }
    sys->ncut++;
    return TJ_OK;
nomem:
    return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "out of memory adding a cut-off");
}

tj_status calc_system_add_input_mass(calc_system *sys, int col, double kg)
{
    if (!sys)
        return TJ_ERR_USAGE;
    if (col < 0 || col >= sys->n)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "col",
                            "input mass: process column %d out of range (0..%d)", col, sys->n - 1);
    if (!isfinite(kg) || kg < 0)
        return tj_error_set(&sys->err, TJ_ERR_INPUT, "kg",
                            "input mass of process '%s' must be a finite number >= 0 (got %g)",
                            sys->proc[col].id, kg);
    if (!sys->input_mass_kg) {
        sys->input_mass_kg = calloc((size_t)sys->cap_proc, sizeof *sys->input_mass_kg);
        if (!sys->input_mass_kg)
            return tj_error_set(&sys->err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    sys->input_mass_kg[col] += kg;
    return TJ_OK;
}

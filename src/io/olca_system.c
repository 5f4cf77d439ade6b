/*
 * io/olca_system: build a calc_system from an olca_db (linking, allocation,
 * GWP characterisation).  The rules are documented in docs/olca-import.md.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/olca.h"
#include "tanji/units.h"

void olca_build_options_init(olca_build_options *o)
{
    o->allocation = OLCA_ALLOC_NONE;
    o->gwp = TJ_GWP_AR6;
}

void olca_build_info_release(olca_build_info *info)
{
    if (!info)
        return;
    for (int i = 0; i < info->ghg_unmapped; i++)
        free(info->unmapped[i]);
    free(info->unmapped);
    olca_report_release(&info->notes);
    memset(info, 0, sizeof *info);
}

/* ---- characterisation ---------------------------------------------------- */

static int has(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d)
        for (char *p = d; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return d;
}

/* Path component test: "air" matches "air/x", "a/air/x", "a/air"; also the
 * ILCD-style "Emissions to air". */
static int cat_has(const char *cat, const char *comp)
{
    size_t n = strlen(comp);
    for (const char *p = cat; (p = strstr(p, comp)); p++) {
        int start = p == cat || p[-1] == '/';
        int end = p[n] == 0 || p[n] == '/';
        if (start && end)
            return 1;
    }
    return 0;
}

static int looks_like_ghg(const char *lname)
{
    if (has(lname, "non-methane"))
        return 0;
    static const char *const words[] = {"carbon dioxide",
                                        "fluoro",
                                        "hfc",
                                        "pfc",
                                        "cfc",
                                        "halon ",
                                        "halon-",
                                        "sulfur hexafluoride",
                                        "sulphur hexafluoride",
                                        "nitrogen trifluoride",
                                        "nitrous oxide",
                                        "dinitrogen monoxide",
                                        "perfluoro",
                                        NULL};
    for (int i = 0; words[i]; i++)
        if (has(lname, words[i]))
            return 1;
    return !strcmp(lname, "methane") || !strncmp(lname, "methane,", 8) || !strncmp(lname, "methane ", 8);
}

/* Remove trailing " [..]" and " (...)" groups from a lower-cased name. */
static void strip_groups(char *s)
{
    for (;;) {
        size_t n = strlen(s);
        while (n && isspace((unsigned char)s[n - 1]))
            s[--n] = 0;
        if (!n)
            return;
        char close = s[n - 1], open = close == ']' ? '[' : close == ')' ? '(' : 0;
        if (!open)
            return;
        char *o = strrchr(s, open);
        if (!o || o == s)
            return;
        *o = 0;
    }
}

static const tj_gas *find_gas_by_name(const char *lname)
{
    const tj_gas *g = tj_gas_find(lname);
    if (g)
        return g;
    char *s = strdup(lname);
    if (!s)
        return NULL;
    strip_groups(s);
    g = tj_gas_find(s);
    char *comma = strrchr(s, ',');
    if (!g && comma) {
        g = tj_gas_find(comma + 1); /* "Ethane, ..., HFC-134a" */
        if (!g) {
            *comma = 0; /* "Methane, tetrafluoro-, CFC-14" -> "methane, tetrafluoro-" */
            g = tj_gas_find(s);
        }
    }
    free(s);
    return g;
}

const tj_gas *olca_characterise(const olca_flow *f, int as_input, calc_channel *channel, int *biogenic,
                                double *kg_per_unit, int *ghg_like)
{
    *channel = CALC_CH_FOSSIL;
    *biogenic = 0;
    *kg_per_unit = NAN;
    *ghg_like = 0;
    if (f->type != OLCA_FLOW_ELEMENTARY)
        return NULL;
    char *lname = lower_dup(f->name), *lcat = lower_dup(f->category);
    const tj_gas *g = NULL;
    if (!lname || !lcat)
        goto out;
    int air = cat_has(lcat, "air") || has(lcat, "emission to air") || has(lcat, "emissions to air");
    int resource = cat_has(lcat, "resource") || cat_has(lcat, "resources") || has(lcat, "resource/") ||
                   !strncmp(lcat, "resource", 8);
    int other = cat_has(lcat, "water") || cat_has(lcat, "soil") || has(lcat, "emission to water") ||
                has(lcat, "emission to soil") || has(lcat, "emissions to water") ||
                has(lcat, "emissions to soil");
    if (!air && (other || resource)) {
        /* Only CO2 taken from the air (a resource) is a climate flow here. */
        if (!(resource && has(lname, "carbon dioxide") &&
              (has(lname, "in air") || cat_has(lcat, "in air") || has(lcat, "/in air"))))
            goto out;
    }
    *ghg_like = looks_like_ghg(lname);
    g = find_gas_by_name(lname);
    if (!g && f->cas && *f->cas)
        g = tj_gas_find(f->cas);
    if (!g)
        goto out;
    const tj_unit *u = f->ref_unit ? tj_unit_find(f->ref_unit) : NULL;
    if (!u || u->dim != TJ_DIM_MASS) {
        g = NULL; /* characterisation factors are per kg */
        goto out;
    }
    *kg_per_unit = u->to_base;
    int bio = has(lname, "biogenic") || has(lname, "non-fossil") || has(lname, "in air") ||
              has(lname, "from soil or biomass") || has(lname, "to soil or biomass");
    int luc = has(lname, "land transformation") || has(lname, "land use change");
    int is_co2 = !strcmp(g->id, "CO2");
    if (is_co2 && (resource || as_input || has(lname, "in air") || has(lname, "to soil or biomass"))) {
        *channel = CALC_CH_BIOGENIC_REMOVAL;
        *biogenic = 1;
    } else if (luc) {
        *channel = CALC_CH_DLUC;
    } else if (bio) {
        *channel = CALC_CH_BIOGENIC;
        *biogenic = 1;
    }
out:
    free(lname);
    free(lcat);
    return g;
}

/* ---- builder ------------------------------------------------------------- */

typedef struct colinfo {
    int proc; /* process index */
    int ex;   /* exchange index of the column's product */
    int flow; /* product flow index */
    olca_alloc_method method;
} colinfo;

typedef struct builder {
    olca_db *db;
    const olca_build_options *opt;
    calc_system *sys;
    olca_build_info *info;
    colinfo *cols;
    int ncols;
    int *proc_col;             /* process -> column of its quantitative reference, -1 */
    int *qhead, *chead, *next; /* per flow: lists of qref / co-product provider columns */
    int *flow_row;             /* flow -> row in B, -1 not yet added, -2 not added */
    char *flow_noted;          /* flow -> ambiguity already noted */
    tj_error *err;
} builder;

static int is_provider_exchange(const olca_db *db, const olca_exchange *e)
{
    olca_flow_type t = db->flows[e->flow].type;
    if (e->avoided)
        return 0;
    return (t == OLCA_FLOW_PRODUCT && !e->input) || (t == OLCA_FLOW_WASTE && e->input);
}

static int has_factors(const olca_process *p, olca_alloc_method m)
{
    for (int i = 0; i < p->nalloc; i++)
        if (p->alloc[i].method == m)
            return 1;
    return 0;
}

/* Allocation factor of exchange flow ef for product pf; *missing is set when
 * the process has no factor for it (1.0 is used then). */
static double alloc_factor(const olca_process *p, olca_alloc_method m, int pf, int ef, int *missing)
{
    for (int i = 0; i < p->nalloc; i++) {
        const olca_alloc_factor *a = &p->alloc[i];
        if (a->method != m || a->product != pf)
            continue;
        if (m == OLCA_ALLOC_CAUSAL && a->exchange_flow != ef)
            continue;
        return a->value;
    }
    *missing = 1;
    return 1.0;
}

static double mass_kg(const olca_flow *f, double amount)
{
    const tj_unit *u = f->ref_unit ? tj_unit_find(f->ref_unit) : NULL;
    if (u && u->dim == TJ_DIM_MASS)
        return fabs(amount) * u->to_base;
    return NAN;
}

static tj_status sys_fail(builder *b, tj_status st)
{
    const tj_error *e = calc_system_error(b->sys);
    if (e && e->code)
        *b->err = *e;
    else
        tj_error_set(b->err, st, NULL, "building the product system failed");
    return st;
}

/* Choose among the provider columns in list head (linked by next). */
static int choose(builder *b, int head, const olca_process *consumer, int flow)
{
    int n = 0, best = -1, best_loc = 0;
    for (int c = head; c >= 0; c = b->next[c]) {
        n++;
        const olca_process *p = &b->db->procs[b->cols[c].proc];
        int loc = consumer->location && p->location && !strcmp(consumer->location, p->location);
        if (best < 0 || loc > best_loc ||
            (loc == best_loc && strcmp(p->id, b->db->procs[b->cols[best].proc].id) < 0)) {
            best = c;
            best_loc = loc;
        }
    }
    if (n > 1) {
        b->info->ambiguous++;
        if (!b->flow_noted[flow]) {
            b->flow_noted[flow] = 1;
            olca_report_add(&b->info->notes,
                            "product \"%s\" (%s) has %d providers; linked to the one in the "
                            "consumer's location, else the smallest process UUID (first choice: "
                            "%s, %s)",
                            b->db->flows[flow].name, b->db->flows[flow].id, n,
                            b->db->procs[b->cols[best].proc].id, b->db->procs[b->cols[best].proc].name);
        }
    }
    return best;
}

static int find_provider(builder *b, const olca_process *consumer, const olca_exchange *e, int *via_default)
{
    *via_default = 0;
    if (e->provider) {
        int pi = olca_db_find_process(b->db, e->provider);
        if (pi >= 0) {
            for (int c = b->qhead[e->flow]; c >= 0; c = b->next[c])
                if (b->cols[c].proc == pi) {
                    *via_default = 1;
                    return c;
                }
            for (int c = b->chead[e->flow]; c >= 0; c = b->next[c])
                if (b->cols[c].proc == pi) {
                    *via_default = 1;
                    return c;
                }
        }
        olca_report_add(&b->info->notes,
                        "process %s: defaultProvider %s of \"%s\" %s; linked by product instead",
                        consumer->id, e->provider, b->db->flows[e->flow].name,
                        pi < 0 ? "is not in the database" : "does not provide it");
    }
    if (b->qhead[e->flow] >= 0)
        return choose(b, b->qhead[e->flow], consumer, e->flow);
    if (b->chead[e->flow] >= 0)
        return choose(b, b->chead[e->flow], consumer, e->flow);
    return -1;
}

static int flow_row(builder *b, int fi, int as_input)
{
    if (b->flow_row[fi] != -1)
        return b->flow_row[fi];
    const olca_flow *f = &b->db->flows[fi];
    calc_flow cf = {0};
    calc_channel ch;
    int bio, ghg_like;
    double kg;
    const tj_gas *g = olca_characterise(f, as_input, &ch, &bio, &kg, &ghg_like);
    cf.id = f->id;
    cf.name = f->name;
    cf.compartment = f->category;
    cf.unit = f->ref_unit ? f->ref_unit : "";
    cf.channel = CALC_CH_FOSSIL;
    if (g) {
        cf.gas = g;
        cf.channel = ch;
        cf.cf = tj_gas_gwp(g, b->opt->gwp, bio && ch != CALC_CH_BIOGENIC_REMOVAL) * kg;
        cf.source = (char *)g->source;
        b->info->ghg_mapped++;
    } else if (ghg_like) {
        char **n = realloc(b->info->unmapped, (size_t)(b->info->ghg_unmapped + 1) * sizeof *n);
        if (!n)
            return TJ_ERR_NOMEM;
        b->info->unmapped = n;
        if (asprintf(&n[b->info->ghg_unmapped], "%s [%s] (%s)", f->name, f->category ? f->category : "",
                     f->id) < 0)
            return TJ_ERR_NOMEM;
        b->info->ghg_unmapped++;
    }
    int row = calc_system_add_flow(b->sys, &cf);
    if (row >= 0)
        b->flow_row[fi] = row;
    return row;
}

static tj_status add_columns(builder *b)
{
    olca_db *db = b->db;
    for (int pi = 0; pi < db->nprocs; pi++) {
        olca_process *p = &db->procs[pi];
        int q = -1;
        for (int k = 0; k < p->nex; k++)
            if (p->ex[k].qref)
                q = k;
        if (q < 0 || db->flows[p->ex[q].flow].type == OLCA_FLOW_ELEMENTARY || !(p->ex[q].amount != 0) ||
            !is_provider_exchange(db, &p->ex[q])) {
            b->info->bad_qref++;
            olca_report_add(&b->info->notes,
                            "process %s (%s): no usable quantitative reference (a product output "
                            "or waste input with a non-zero amount); left out",
                            p->id, p->name);
            continue;
        }
        olca_alloc_method m =
            b->opt->allocation == OLCA_ALLOC_DEFAULT ? p->default_alloc : b->opt->allocation;
        int nprov = 0;
        for (int k = 0; k < p->nex; k++)
            if (is_provider_exchange(db, &p->ex[k]) && p->ex[k].amount != 0)
                nprov++;
        if (nprov < 2)
            m = OLCA_ALLOC_NONE;
        if (m != OLCA_ALLOC_NONE && !has_factors(p, m)) {
            olca_report_add(&b->info->notes,
                            "process %s (%s): no %s allocation factors; the whole burden goes to "
                            "the quantitative reference",
                            p->id, p->name, olca_alloc_key(m));
            m = OLCA_ALLOC_NONE;
        }
        if (m != OLCA_ALLOC_NONE)
            b->info->processes_split++;
        for (int k = -1; k < p->nex; k++) {
            int ex = k < 0 ? q : k;
            if (k >= 0 && (k == q || m == OLCA_ALLOC_NONE || !is_provider_exchange(db, &p->ex[k]) ||
                           p->ex[k].amount == 0))
                continue;
            const olca_flow *f = &db->flows[p->ex[ex].flow];
            char *id = NULL;
            if (k < 0)
                id = strdup(p->id);
            else if (asprintf(&id, "%s/%s", p->id, f->id) < 0)
                id = NULL;
            if (!id)
                return tj_error_set(b->err, TJ_ERR_NOMEM, NULL, "out of memory");
            int col = calc_system_add_process(b->sys, id, p->name, f->name, f->ref_unit ? f->ref_unit : "",
                                              CALC_STAGE_PRODUCTION, NULL);
            free(id);
            if (col < 0) {
                if (col == TJ_ERR_CONFLICT) { /* same product twice in one process */
                    olca_report_add(&b->info->notes,
                                    "process %s: product \"%s\" appears twice as an output; the "
                                    "second is ignored",
                                    p->id, f->name);
                    continue;
                }
                return sys_fail(b, (tj_status)col);
            }
            if (col != b->ncols)
                return tj_error_set(b->err, TJ_ERR_INTERNAL, NULL, "column numbering");
            colinfo *ci = &b->cols[b->ncols++];
            ci->proc = pi;
            ci->ex = ex;
            ci->flow = p->ex[ex].flow;
            ci->method = m;
            if (k < 0) {
                b->proc_col[pi] = col;
                b->next[col] = b->qhead[ci->flow];
                b->qhead[ci->flow] = col;
            } else {
                b->next[col] = b->chead[ci->flow];
                b->chead[ci->flow] = col;
            }
        }
    }
    return TJ_OK;
}

/* A distribution for an entry amount = k x exchange amount. */
static const calc_dist *dist_scaled(const calc_dist *d, double k, calc_dist *out)
{
    if (d->kind == CALC_DIST_NONE)
        return NULL;
    *out = *d;
    switch (d->kind) {
    case CALC_DIST_LOGNORMAL: out->a *= k; break;
    case CALC_DIST_NORMAL:
        out->a *= k;
        out->b *= fabs(k);
        break;
    case CALC_DIST_TRIANGULAR:
        out->a = d->a * k;
        out->b = d->b * k;
        out->c = d->c * k;
        if (k < 0) {
            out->a = d->c * k;
            out->c = d->a * k;
        }
        break;
    case CALC_DIST_UNIFORM:
        out->a = (k < 0 ? d->b : d->a) * k;
        out->b = (k < 0 ? d->a : d->b) * k;
        break;
    case CALC_DIST_NONE: break;
    }
    return out;
}

static tj_status add_entries(builder *b, int c)
{
    olca_db *db = b->db;
    const colinfo *ci = &b->cols[c];
    const olca_process *p = &db->procs[ci->proc];
    tj_status st;
    int missing_any = 0, coproducts = 0;
    calc_dist dbuf;
    if ((st = calc_system_add_tech(b->sys, c, c, p->ex[ci->ex].amount,
                                   dist_scaled(&p->ex[ci->ex].dist, 1, &dbuf), NULL)) != TJ_OK)
        return sys_fail(b, st);
    for (int k = 0; k < p->nex; k++) {
        const olca_exchange *e = &p->ex[k];
        if (k == ci->ex)
            continue;
        const olca_flow *f = &db->flows[e->flow];
        if (is_provider_exchange(db, e)) {
            /* another product output (or treated waste input) of this process */
            if (ci->method == OLCA_ALLOC_NONE && e->amount != 0)
                coproducts++;
            continue;
        }
        double a = e->amount, af = 1;
        if (ci->method != OLCA_ALLOC_NONE) {
            int missing = 0;
            af = alloc_factor(p, ci->method, ci->flow, e->flow, &missing);
            a *= af;
            missing_any |= missing;
            b->info->alloc_missing += missing;
        }
        if (a == 0)
            continue;
        if (f->type == OLCA_FLOW_ELEMENTARY) {
            int row = flow_row(b, e->flow, e->input);
            if (row < 0)
                return row == TJ_ERR_NOMEM ? tj_error_set(b->err, TJ_ERR_NOMEM, NULL, "out of memory")
                                           : sys_fail(b, (tj_status)row);
            if ((st = calc_system_add_elem(b->sys, row, c, e->input ? -a : a,
                                           dist_scaled(&e->dist, e->input ? -af : af, &dbuf), NULL)) != TJ_OK)
                return sys_fail(b, st);
            continue;
        }
        /* Needs a provider: product input, waste output; avoided product
         * outputs / avoided waste inputs are negative needs. */
        double need = a;
        if (e->avoided)
            need = -a;
        int via_default = 0;
        int prov = find_provider(b, p, e, &via_default);
        if (prov >= 0) {
            b->info->linked++;
            b->info->linked_default += via_default;
            if ((st = calc_system_add_tech(b->sys, prov, c, -need,
                                           dist_scaled(&e->dist, e->avoided ? af : -af, &dbuf), NULL)) !=
                TJ_OK)
                return sys_fail(b, st);
            double kg = mass_kg(f, need);
            if (e->input && !e->avoided && isfinite(kg) &&
                (st = calc_system_add_input_mass(b->sys, c, kg)) != TJ_OK)
                return sys_fail(b, st);
        } else {
            b->info->cutoffs++;
            double kg = e->input && !e->avoided ? mass_kg(f, need) : NAN;
            char *what = NULL;
            if (asprintf(&what, "%s%s (%s)", f->type == OLCA_FLOW_WASTE ? "waste: " : "", f->name, f->id) < 0)
                return tj_error_set(b->err, TJ_ERR_NOMEM, NULL, "out of memory");
            st = calc_system_add_cutoff(b->sys, c, what, need, f->ref_unit ? f->ref_unit : "", kg);
            free(what);
            if (st != TJ_OK)
                return sys_fail(b, st);
        }
    }
    if (coproducts) {
        b->info->ignored_coproducts += coproducts;
        olca_report_add(&b->info->notes,
                        "process %s (%s): %d co-product output(s) ignored (no allocation: the "
                        "whole burden goes to the quantitative reference)",
                        p->id, p->name, coproducts);
    }
    if (missing_any)
        olca_report_add(&b->info->notes,
                        "process %s (%s), product \"%s\": some %s allocation factors are missing; "
                        "factor 1 used for them",
                        p->id, p->name, db->flows[ci->flow].name, olca_alloc_key(ci->method));
    return TJ_OK;
}

tj_status olca_build_system(olca_db *db, const olca_build_options *opt, calc_system **out,
                            olca_build_info *info, tj_error *err)
{
    olca_build_options defopt;
    olca_build_info localinfo;
    if (!opt) {
        olca_build_options_init(&defopt);
        opt = &defopt;
    }
    if (!info)
        info = &localinfo;
    memset(info, 0, sizeof *info);
    *out = NULL;
    builder b = {.db = db, .opt = opt, .info = info, .err = err};
    tj_status st = TJ_OK;
    int maxcols = 0;
    for (int i = 0; i < db->nprocs; i++)
        maxcols += db->procs[i].nex > 0 ? db->procs[i].nex : 1;
    b.sys = calc_system_new("openLCA database");
    b.cols = calloc((size_t)maxcols + 1, sizeof *b.cols);
    b.next = calloc((size_t)maxcols + 1, sizeof *b.next);
    b.proc_col = malloc(((size_t)db->nprocs + 1) * sizeof *b.proc_col);
    b.qhead = malloc(((size_t)db->nflows + 1) * sizeof *b.qhead);
    b.chead = malloc(((size_t)db->nflows + 1) * sizeof *b.chead);
    b.flow_row = malloc(((size_t)db->nflows + 1) * sizeof *b.flow_row);
    b.flow_noted = calloc((size_t)db->nflows + 1, 1);
    if (!b.sys || !b.cols || !b.next || !b.proc_col || !b.qhead || !b.chead || !b.flow_row || !b.flow_noted) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (int i = 0; i < db->nprocs; i++)
        b.proc_col[i] = -1;
    for (int i = 0; i < db->nflows; i++)
        b.qhead[i] = b.chead[i] = b.flow_row[i] = -1;
    if ((st = add_columns(&b)) != TJ_OK)
        goto out;
    if (b.ncols == 0) {
        st = tj_error_set(err, TJ_ERR_INPUT, NULL,
                          "the database has no process with a usable quantitative reference");
        goto out;
    }
    for (int c = 0; c < b.ncols; c++)
        if ((st = add_entries(&b, c)) != TJ_OK)
            goto out;
    info->columns = b.ncols;
    *out = b.sys;
    b.sys = NULL;
out:
    calc_system_free(b.sys);
    free(b.cols);
    free(b.next);
    free(b.proc_col);
    free(b.qhead);
    free(b.chead);
    free(b.flow_row);
    free(b.flow_noted);
    if (info == &localinfo)
        olca_build_info_release(&localinfo);
    else if (st != TJ_OK)
        olca_build_info_release(info);
    return st;
}

/*
 * The matrix method and its analysis; see calc/lca.h.
 *
 * Notation: A (n x n) technology matrix, B (m x n) elementary flows, c (m)
 * characterisation factors.  q = c^T B is each process's direct CO2e per
 * unit of activity; s = A^-1 f the activities for a demand f; the footprint
 * is q.s.  u = A^-T q is the total (cradle-to-gate) CO2e per unit of each
 * product, used for the upstream contribution tree.
 *
 * Conventions documented here because they are choices:
 * - Gas amounts: a flow with a negative factor (uptake, e.g. biogenic CO2
 *   removal characterised -1) counts as a negative amount of its gas, so the
 *   gas list reports net kg emitted.  Gas flows are taken to be in kg (the
 *   model parser converts).  Background factors are not gases: their CO2e
 *   goes to the gases of their per-gas breakdown (CO2e only; no kg of gas),
 *   and what no breakdown covers is listed per factor as not split by gas.
 * - DQR: an elementary entry is rated when all four indicators are set
 *   (non-zero); its own rating wins over its process's.  Weights are the
 *   absolute CO2e of each entry for the demand.
 * - Cut-off share: (sum over cut-offs with known mass of mass x |s_consumer|)
 *   / (that + sum over processes of linked product input mass x |s_j|).
 *   Absolute activities, so that avoided-burden processes (negative s) count
 *   as mass handled, not as negative mass.
 * - Monte Carlo samples distribution parameters in the sign convention of
 *   the entry (a lognormal with a negative median stays negative).
 */
#include "calc/lca.h"
#include "calc/rng.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

struct calc_context {
    const calc_system *sys;
    calc_options opt;
    calc_csc a, b;
    int *amap, *bmap; /* triplet -> index into a.val / b.val */
    calc_solver *solver;
    double setup_seconds;
    double *cf;        /* m: kg CO2e per unit of each flow */
    double *q;         /* n: direct CO2e per unit activity */
    double *qch;       /* CALC_CH_COUNT x n, channel-major */
    double *u;         /* n: total CO2e per unit of product (NULL until needed) */
    double *f, *s, *g; /* work: demand (n), activities (n), inventory (m) */
    /* Elementary entries with a non-zero CO2e weight (cf x amount), in entry
     * order, for the data quality rating: the others weigh nothing in it,
     * and most elementary flows of a database are not greenhouse gases. */
    int ndq;
    int *dq_col;
    double *dq_ca;
    const calc_dqi **dq_q; /* the entry's rating, else its process's, else NULL */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void calc_options_init(calc_options *o)
{
    o->solver = CALC_SOLVER_AUTO;
    o->tol = 1e-9;
    o->path_cutoff = 0.01;
    o->path_max_depth = 8;
    o->path_max_nodes = 200;
    o->mc_threads = 0;
    o->mc_chains = 0;
}

const calc_solver *calc_context_solver(const calc_context *ctx)
{
    return ctx->solver;
}

double calc_context_setup_seconds(const calc_context *ctx)
{
    return ctx->setup_seconds;
}

void calc_context_free(calc_context *ctx)
{
    if (!ctx)
        return;
    calc_solver_free(ctx->solver);
    calc_csc_release(&ctx->a);
    calc_csc_release(&ctx->b);
    free(ctx->amap);
    free(ctx->bmap);
    free(ctx->cf);
    free(ctx->q);
    free(ctx->qch);
    free(ctx->u);
    free(ctx->f);
    free(ctx->s);
    free(ctx->g);
    free(ctx->dq_col);
    free(ctx->dq_ca);
    free(ctx->dq_q);
    free(ctx);
}

static void *xcalloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* Zeroed memory for a large Monte Carlo buffer (free() releases it).  A
 * fresh page costs a fault at its first touch, about 20 microseconds on the
 * virtual machines measured, and Monte Carlo on a 20,000-process system
 * takes some 15 MiB afresh per call: on Linux, buffers of 2 MiB or more are
 * aligned to 2 MiB and marked for transparent huge pages, so that one fault
 * maps 2 MiB (where the kernel has none to give, small pages as before). */
static void *mc_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    size_t bytes = n * size;
    if (bytes >= huge) {
        size_t rounded = (bytes + huge - 1) / huge * huge;
        void *p = NULL;
        if (posix_memalign(&p, huge, rounded) != 0)
            return NULL;
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: no error to report */
        memset(p, 0, bytes);
        return p;
    }
#endif
    return xcalloc(n, size);
}

/* Assemble an nrows x ncols CSC matrix from entries, keeping the map. */
static tj_status assemble(int nrows, int ncols, const calc_entry *e, int ne, calc_csc *out, int **map,
                          tj_error *err)
{
    tj_status rc = TJ_ERR_NOMEM;
    int *ri = xcalloc((size_t)ne, sizeof *ri);
    int *ci = xcalloc((size_t)ne, sizeof *ci);
    double *v = xcalloc((size_t)ne, sizeof *v);
    *map = xcalloc((size_t)ne, sizeof **map);
    if (!ri || !ci || !v || !*map) {
        tj_error_set(err, rc, NULL, "out of memory assembling a %d x %d matrix", nrows, ncols);
        goto out;
    }
    for (int k = 0; k < ne; k++) {
        ri[k] = e[k].row;
        ci[k] = e[k].col;
        v[k] = e[k].amount;
    }
    rc = calc_csc_from_triplets(nrows, ncols, ne, ri, ci, v, out, *map, err);
out:
    free(ri);
    free(ci);
    free(v);
    return rc;
}

/* Append printf output to buf (size cap) at *len, truncating safely. */
static void appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len += (size_t)k < cap - *len ? (size_t)k : cap - 1 - *len;
}

/* Rewrite a numeric failure so it names the processes involved. */
static void name_singular(const calc_system *sys, const calc_solver_diag *diag, tj_error *err)
{
    if (!err)
        return;
    char msg[sizeof err->message];
    size_t len = 0;
    appendf(msg, sizeof msg, &len, "the technology matrix cannot be solved (singular or ill-conditioned)");
    if (diag && diag->ncols > 0) {
        appendf(msg, sizeof msg, &len, "; processes involved:");
        int nc = diag->ncols < 16 ? diag->ncols : 16;
        for (int i = 0; i < nc; i++) {
            int j = diag->cols[i];
            if (j < 0 || j >= sys->n)
                continue;
            appendf(msg, sizeof msg, &len, "%s '%s' (%s)", i ? "," : "", sys->proc[j].id, sys->proc[j].name);
        }
    }
    if (diag && diag->rcond > 0)
        appendf(msg, sizeof msg, &len, "; reciprocal condition estimate %.3g", diag->rcond);
    if (err->message[0])
        appendf(msg, sizeof msg, &len, " [%s]", err->message);
    appendf(msg, sizeof msg, &len,
            ". Check that each process has a positive reference output and that loops do "
            "not consume all of their own product");
    tj_error_set(err, TJ_ERR_NUMERIC, NULL, "%s", msg);
}

/* q = c^T B per channel and in total, for the given B values. */
static void direct_intensity(const calc_context *ctx, const calc_csc *b, double *q, double *qch)
{
    const calc_system *sys = ctx->sys;
    int n = sys->n;
    if (qch)
        memset(qch, 0, (size_t)CALC_CH_COUNT * (size_t)n * sizeof *qch);
    for (int j = 0; j < n; j++) {
        double t = 0;
        for (int p = b->colptr[j]; p < b->colptr[j + 1]; p++) {
            int k = b->rowind[p];
            double x = ctx->cf[k] * b->val[p];
            t += x;
            if (qch)
                qch[(size_t)sys->flow[k].channel * (size_t)n + (size_t)j] += x;
        }
        q[j] = t;
    }
}

static tj_status dq_entries(calc_context *ctx);

tj_status calc_context_new(const calc_system *sys, const calc_options *opt, calc_context **out, tj_error *err)
{
    *out = NULL;
    if (!sys)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "no product system given");
    if (sys->n <= 0)
        return tj_error_set(err, TJ_ERR_INPUT, NULL, "the product system '%s' has no processes",
                            sys->name ? sys->name : "");
    calc_options o;
    calc_options_init(&o);
    if (opt)
        o = *opt;
    if (!(o.tol > 0 && o.tol < 1))
        return tj_error_set(err, TJ_ERR_USAGE, "tol", "tolerance must be in (0, 1), got %g", o.tol);
    if (!(o.path_cutoff >= 0 && o.path_cutoff <= 1) || o.path_max_depth < 0 || o.path_max_nodes < 1 ||
        o.mc_threads < 0 || o.mc_threads > 2 || o.mc_chains < 0 || o.mc_chains > 2)
        return tj_error_set(err, TJ_ERR_USAGE, "path",
                            "options: path cut-off must be in [0, 1], depth >= 0, nodes >= 1; "
                            "mc_threads and mc_chains 0, 1 or 2");

    double t0 = now_seconds();
    tj_status rc = TJ_ERR_NOMEM;
    calc_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return tj_error_set(err, rc, NULL, "out of memory");
    ctx->sys = sys;
    ctx->opt = o;
    size_t n = (size_t)sys->n, m = (size_t)sys->m;
    ctx->cf = xcalloc(m, sizeof *ctx->cf);
    ctx->q = xcalloc(n, sizeof *ctx->q);
    ctx->qch = xcalloc(n * CALC_CH_COUNT, sizeof *ctx->qch);
    ctx->f = xcalloc(n, sizeof *ctx->f);
    ctx->s = xcalloc(n, sizeof *ctx->s);
    ctx->g = xcalloc(m, sizeof *ctx->g);
    if (!ctx->cf || !ctx->q || !ctx->qch || !ctx->f || !ctx->s || !ctx->g) {
        tj_error_set(err, rc, NULL, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < m; k++)
        ctx->cf[k] = sys->flow[k].cf;

    rc = assemble(sys->n, sys->n, sys->tech, sys->ntech, &ctx->a, &ctx->amap, err);
    if (rc != TJ_OK) {
        tj_error_prefix(err, "technology matrix");
        goto out;
    }
    rc = assemble(sys->m, sys->n, sys->elem, sys->nelem, &ctx->b, &ctx->bmap, err);
    if (rc != TJ_OK) {
        tj_error_prefix(err, "elementary flow matrix");
        goto out;
    }
    direct_intensity(ctx, &ctx->b, ctx->q, ctx->qch);
    /* an overflow (1e300 kg x 1e300 kg CO2e/kg) is said as such, with the
     * process where it happens, not left to the solver as a NaN residual */
    for (size_t j = 0; j < n; j++)
        if (!isfinite(ctx->q[j])) {
            rc = tj_error_set(err, TJ_ERR_NUMERIC, "processes",
                              "overflow: the direct emissions of process '%s' exceed the range of numbers "
                              "(about 1.8e308); check its amounts and factors / 数值溢出：过程“%s”的直接排放超出数值范围",
                              sys->proc[j].id, sys->proc[j].id);
            goto out;
        }
    rc = dq_entries(ctx);
    if (rc != TJ_OK) {
        tj_error_set(err, rc, NULL, "out of memory");
        goto out;
    }

    calc_solver_diag diag;
    memset(&diag, 0, sizeof diag);
    rc = calc_solver_new(&ctx->a, o.solver, o.tol, &ctx->solver, &diag, err);
    if (rc == TJ_ERR_NUMERIC)
        name_singular(sys, &diag, err);
    if (rc != TJ_OK)
        goto out;
    ctx->setup_seconds = now_seconds() - t0;
    *out = ctx;
    return TJ_OK;
out:
    calc_context_free(ctx);
    return rc;
}

/* ---- footprint ---- */

static int cmp_abs_desc(double a, double b)
{
    a = fabs(a);
    b = fabs(b);
    return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_proc_item(const void *x, const void *y)
{
    const calc_process_item *a = x, *b = y;
    int c = cmp_abs_desc(a->direct, b->direct);
    return c ? c : (a->col > b->col) - (a->col < b->col);
}

static int cmp_gas_item(const void *x, const void *y)
{
    const calc_gas_item *a = x, *b = y;
    int c = cmp_abs_desc(a->co2e, b->co2e);
    return c ? c : strcmp(a->gas, b->gas);
}

static const char *dqr_rating(double dqr)
{
    if (dqr <= 0)
        return "unrated";
    if (dqr <= 1.5)
        return "excellent";
    if (dqr <= 2.0)
        return "very good";
    if (dqr <= 3.0)
        return "good";
    if (dqr <= 4.0)
        return "fair";
    return "poor";
}

static int dqi_rated(const calc_dqi *q)
{
    return q->ter > 0 && q->ger > 0 && q->tir > 0 && q->p > 0;
}

/* The entries compute_dqr weighs (see calc_context.dq_col). */
static tj_status dq_entries(calc_context *ctx)
{
    const calc_system *sys = ctx->sys;
    int k = 0;
    for (int e = 0; e < sys->nelem; e++)
        k += ctx->cf[sys->elem[e].row] * sys->elem[e].amount != 0;
    ctx->dq_col = xcalloc((size_t)k, sizeof *ctx->dq_col);
    ctx->dq_ca = xcalloc((size_t)k, sizeof *ctx->dq_ca);
    ctx->dq_q = xcalloc((size_t)k, sizeof *ctx->dq_q);
    if (!ctx->dq_col || !ctx->dq_ca || !ctx->dq_q)
        return TJ_ERR_NOMEM;
    for (int e = 0; e < sys->nelem; e++) {
        const calc_entry *en = &sys->elem[e];
        double ca = ctx->cf[en->row] * en->amount;
        if (ca == 0)
            continue;
        ctx->dq_col[ctx->ndq] = en->col;
        ctx->dq_ca[ctx->ndq] = ca;
        ctx->dq_q[ctx->ndq++] = dqi_rated(&en->dq)                  ? &en->dq
                                : dqi_rated(&sys->proc[en->col].dq) ? &sys->proc[en->col].dq
                                                                    : NULL;
    }
    return TJ_OK;
}

static void compute_dqr(const calc_context *ctx, const double *s, calc_dqr *out)
{
    double wsum = 0, wrated = 0, ter = 0, ger = 0, tir = 0, p = 0;
    for (int e = 0; e < ctx->ndq; e++) {
        double w = fabs(ctx->dq_ca[e] * s[ctx->dq_col[e]]);
        if (!(w > 0))
            continue;
        wsum += w;
        const calc_dqi *q = ctx->dq_q[e];
        if (!q)
            continue;
        wrated += w;
        ter += w * q->ter;
        ger += w * q->ger;
        tir += w * q->tir;
        p += w * q->p;
    }
    memset(out, 0, sizeof *out);
    if (wrated > 0) {
        out->ter = ter / wrated;
        out->ger = ger / wrated;
        out->tir = tir / wrated;
        out->p = p / wrated;
        out->dqr = (out->ter + out->ger + out->tir + out->p) / 4;
    }
    out->coverage = wsum > 0 ? wrated / wsum : 0;
    out->rating = dqr_rating(out->dqr);
}

/* Total CO2e per unit of each product, computed once per context. */
static tj_status ensure_upstream(calc_context *ctx, tj_error *err)
{
    if (ctx->u)
        return TJ_OK;
    double *u = xcalloc((size_t)ctx->sys->n, sizeof *u);
    if (!u)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    tj_status rc = calc_solver_solve_transpose(ctx->solver, ctx->q, u, err);
    if (rc != TJ_OK) {
        free(u);
        tj_error_prefix(err, "upstream intensities (A^T u = q)");
        return rc;
    }
    ctx->u = u;
    return TJ_OK;
}

/* Candidate node of the contribution tree (max-heap on |upstream|). */
typedef struct path_cand {
    int parent; /* index into the selection */
    int col, depth;
    double amount, upstream;
} path_cand;

static void heap_push(path_cand *h, int *len, path_cand c)
{
    int i = (*len)++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (fabs(h[p].upstream) >= fabs(c.upstream))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = c;
}

static path_cand heap_pop(path_cand *h, int *len)
{
    path_cand top = h[0], last = h[--(*len)];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, big = i;
        double vb = fabs(last.upstream);
        if (l < *len && fabs(h[l].upstream) > vb) {
            big = l;
            vb = fabs(h[l].upstream);
        }
        if (r < *len && fabs(h[r].upstream) > vb)
            big = r;
        if (big == i)
            break;
        h[i] = h[big];
        i = big;
    }
    if (*len > 0)
        h[i] = last;
    return top;
}

static double diag_of(const calc_csc *a, int j)
{
    for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++)
        if (a->rowind[p] == j)
            return a->val[p];
    return 0;
}

/* Expand the upstream tree best-first (largest |upstream| first) up to
 * path_max_nodes, then lay it out in pre-order with siblings by size. */
static tj_status build_paths(calc_context *ctx, calc_result *res, tj_error *err)
{
    const calc_csc *a = &ctx->a;
    const double *u = ctx->u;
    int maxn = ctx->opt.path_max_nodes;
    double gross = 0;
    for (int i = 0; i < res->nproc; i++)
        gross += fabs(res->proc[i].direct);
    double ref = fabs(res->total) > 0 ? fabs(res->total) : gross;
    double thresh = ctx->opt.path_cutoff * ref;

    tj_status rc = TJ_ERR_NOMEM;
    int hcap = 64, hlen = 0, nsel = 0, scap = maxn < 256 ? maxn : 256;
    path_cand *heap = malloc((size_t)hcap * sizeof *heap);
    path_cand *sel = malloc((size_t)scap * sizeof *sel);
    int *first = NULL, *next = NULL, *last = NULL, *order = NULL, *pos = NULL, *stack = NULL;
    if (!heap || !sel)
        goto nomem;

    int root = res->demand_col;
    heap_push(heap, &hlen, (path_cand){-1, root, 0, res->demand_amount, u[root] * res->demand_amount});
    while (hlen > 0 && nsel < maxn) {
        path_cand c = heap_pop(heap, &hlen);
        if (nsel == scap) {
            int ncap = scap > maxn / 2 ? maxn : 2 * scap;
            path_cand *ns = realloc(sel, (size_t)ncap * sizeof *ns);
            if (!ns)
                goto nomem;
            sel = ns;
            scap = ncap;
        }
        int me = nsel;
        sel[nsel++] = c;
        if (c.depth >= ctx->opt.path_max_depth)
            continue;
        double d = diag_of(a, c.col);
        if (d == 0)
            continue;
        double x = c.amount / d;
        for (int p = a->colptr[c.col]; p < a->colptr[c.col + 1]; p++) {
            int i = a->rowind[p];
            if (i == c.col || a->val[p] == 0)
                continue;
            double amt = -a->val[p] * x;
            double up = u[i] * amt;
            if (!(fabs(up) >= thresh) || up == 0)
                continue;
            if (hlen == hcap) {
                if (hcap > INT_MAX / 4)
                    goto nomem;
                path_cand *nh = realloc(heap, (size_t)hcap * 2 * sizeof *nh);
                if (!nh)
                    goto nomem;
                heap = nh;
                hcap *= 2;
            }
            heap_push(heap, &hlen, (path_cand){me, i, c.depth + 1, amt, up});
        }
    }

    /* Child lists in selection order (= by |upstream| among siblings). */
    first = malloc((size_t)nsel * sizeof *first);
    next = malloc((size_t)nsel * sizeof *next);
    last = malloc((size_t)nsel * sizeof *last);
    order = malloc((size_t)nsel * sizeof *order);
    pos = malloc((size_t)nsel * sizeof *pos);
    stack = malloc((size_t)nsel * sizeof *stack);
    res->path = calloc((size_t)nsel, sizeof *res->path);
    if (!first || !next || !last || !order || !pos || !stack || !res->path)
        goto nomem;
    for (int i = 0; i < nsel; i++)
        first[i] = next[i] = last[i] = -1;
    for (int i = 1; i < nsel; i++) {
        int p = sel[i].parent;
        if (last[p] < 0)
            first[p] = i;
        else
            next[last[p]] = i;
        last[p] = i;
    }
    /* Iterative pre-order: push children in reverse so the first pops first. */
    int sp = 0, no = 0;
    stack[sp++] = 0;
    while (sp > 0) {
        int i = stack[--sp];
        order[no++] = i;
        int cnt = 0;
        for (int c = first[i]; c >= 0; c = next[c])
            cnt++;
        /* children occupy stack[sp .. sp+cnt-1] reversed */
        int k = sp + cnt - 1;
        for (int c = first[i]; c >= 0; c = next[c])
            stack[k--] = c;
        sp += cnt;
    }
    for (int k = 0; k < no; k++)
        pos[order[k]] = k;
    for (int k = 0; k < no; k++) {
        const path_cand *c = &sel[order[k]];
        calc_path_node *nd = &res->path[k];
        double d = diag_of(a, c->col);
        nd->parent = c->parent < 0 ? -1 : pos[c->parent];
        nd->col = c->col;
        nd->depth = c->depth;
        nd->amount = c->amount;
        nd->direct = d != 0 ? ctx->q[c->col] * c->amount / d : 0;
        nd->upstream = c->upstream;
        nd->share = res->total != 0 ? c->upstream / res->total : 0;
    }
    res->npath = no;
    rc = TJ_OK;
    goto out;
nomem:
    tj_error_set(err, rc, NULL, "out of memory building contribution paths");
out:
    free(heap);
    free(sel);
    free(first);
    free(next);
    free(last);
    free(order);
    free(pos);
    free(stack);
    return rc;
}

static int cmp_unsplit_item(const void *x, const void *y)
{
    const calc_unsplit_item *a = x, *b = y;
    int c = cmp_abs_desc(a->co2e, b->co2e);
    return c ? c : (a->flow > b->flow) - (a->flow < b->flow);
}

/* The gas row for gas (rows are few: a linear search). */
static calc_gas_item *gas_row(calc_result *res, const tj_gas *gas)
{
    for (int i = 0; i < res->ngas; i++)
        if (!strcmp(res->gas[i].gas, gas->id))
            return &res->gas[i];
    return NULL;
}

/* By gas: elementary flows of a gas count under it; background factors count
 * under the gases of their per-gas breakdown, and whatever no breakdown
 * covers (all of a factor without one) is listed per flow as not split by
 * gas -- never as if a factor were a gas. */
static tj_status build_gases(const calc_context *ctx, calc_result *res, tj_error *err)
{
    const calc_system *sys = ctx->sys;
    const double *g = ctx->g;
    int ngas_max = 0, nunsplit_max = 0;
    for (int k = 0; k < sys->m; k++) {
        const calc_flow *fl = &sys->flow[k];
        if (g[k] == 0)
            continue;
        if (fl->gas && !fl->background)
            ngas_max++;
        else if (fl->cf != 0) {
            ngas_max += fl->nparts;
            nunsplit_max++;
        }
    }
    if (ngas_max > 0 && !(res->gas = calloc((size_t)ngas_max, sizeof *res->gas)))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (nunsplit_max > 0 && !(res->unsplit = calloc((size_t)nunsplit_max, sizeof *res->unsplit)))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (int k = 0; k < sys->m; k++) {
        const calc_flow *fl = &sys->flow[k];
        if (g[k] == 0 || !((fl->gas && !fl->background) || fl->cf != 0))
            continue;
        int own = fl->gas && !fl->background;
        int nparts = own ? 1 : fl->nparts;
        double rest = fl->cf;
        for (int p = 0; p < nparts; p++) {
            const tj_gas *gas = own ? fl->gas : fl->parts[p].gas;
            double cf = own ? fl->cf : fl->parts[p].cf;
            calc_gas_item *row = gas_row(res, gas);
            if (!row) {
                row = &res->gas[res->ngas];
                if (!(row->gas = strdup(gas->id)))
                    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                row->amount = NAN; /* until a flow of the gas itself counts */
                res->ngas++;
            }
            row->co2e += cf * g[k];
            if (own)
                /* a removal (characterised -1) counts as a negative amount */
                row->amount = (isnan(row->amount) ? 0 : row->amount) + (fl->cf < 0 ? -g[k] : g[k]);
            else
                row->co2e_factors += cf * g[k];
            rest -= cf;
        }
        /* what a breakdown leaves (rounding aside) is not split by gas */
        if (!own && (fl->nparts == 0 || fabs(rest) > 1e-9 * fabs(fl->cf)))
            res->unsplit[res->nunsplit++] = (calc_unsplit_item){k, rest * g[k]};
    }
    if (res->ngas > 1)
        qsort(res->gas, (size_t)res->ngas, sizeof *res->gas, cmp_gas_item);
    if (res->nunsplit > 1)
        qsort(res->unsplit, (size_t)res->nunsplit, sizeof *res->unsplit, cmp_unsplit_item);
    return TJ_OK;
}

void calc_result_free(calc_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->ngas; i++)
        free((char *)res->gas[i].gas);
    free(res->gas);
    free(res->unsplit);
    free(res->proc);
    free(res->path);
    free(res->inv);
    free(res->cut);
    free(res->cut_amount);
    free((char *)res->solver);
    free((char *)res->solver_reason);
    free(res->uncertainty);
    free(res);
}

tj_status calc_context_footprint(calc_context *ctx, int col, double amount, int detail, calc_result **out,
                                 tj_error *err)
{
    *out = NULL;
    const calc_system *sys = ctx->sys;
    int n = sys->n, m = sys->m;
    if (col < 0 || col >= n)
        return tj_error_set(err, TJ_ERR_INPUT, "demand", "demanded process %d out of range (0..%d)", col,
                            n - 1);
    if (!isfinite(amount))
        return tj_error_set(err, TJ_ERR_INPUT, "demand", "demanded amount of '%s' is not a finite number",
                            sys->proc[col].id);
    double t0 = now_seconds();
    tj_status rc = TJ_ERR_NOMEM;
    calc_result *res = calloc(1, sizeof *res);
    if (!res)
        return tj_error_set(err, rc, NULL, "out of memory");
    res->demand_col = col;
    res->demand_amount = amount;

    double *s = ctx->s, *g = ctx->g;
    memset(ctx->f, 0, (size_t)n * sizeof *ctx->f);
    memset(s, 0, (size_t)n * sizeof *s);
    ctx->f[col] = amount;
    rc = calc_solver_solve(ctx->solver, ctx->f, s, err);
    for (int j = 0; j < n; j++)
        if (!isfinite(s[j])) {
            rc = tj_error_set(err, TJ_ERR_NUMERIC, "processes",
                              "overflow: the amount of process '%s' needed for the demand of '%s' exceeds the range "
                              "of numbers (about 1.8e308); check the amounts of its exchanges / 数值溢出：过程“%s”的需求量超出数值范围",
                              sys->proc[j].id, sys->proc[col].id, sys->proc[j].id);
            goto out;
        }
    if (rc != TJ_OK) {
        tj_error_prefix(err, "solving for the demand of '%s'", sys->proc[col].id);
        goto out;
    }
    calc_csc_matvec(&ctx->b, s, g);

    /* Totals by channel and stage. */
    for (int j = 0; j < n; j++) {
        if (s[j] == 0)
            continue;
        double d = ctx->q[j] * s[j];
        res->total += d;
        res->stage[sys->proc[j].stage] += d;
        for (int c = 0; c < CALC_CH_COUNT; c++)
            res->channel[c] += ctx->qch[(size_t)c * (size_t)n + (size_t)j] * s[j];
        if (!isfinite(d) || !isfinite(res->total)) {
            rc = tj_error_set(err, TJ_ERR_NUMERIC, "processes",
                              "overflow: the emissions of process '%s' in the footprint of '%s' exceed the range of "
                              "numbers (about 1.8e308); check its amounts and factors / 数值溢出：过程“%s”的排放超出数值范围",
                              sys->proc[j].id, sys->proc[col].id, sys->proc[j].id);
            goto out;
        }
    }
    rc = build_gases(ctx, res, err);
    if (rc != TJ_OK)
        goto out;
    compute_dqr(ctx, s, &res->dqr);

    /* Cut-offs reached and the cut-off mass share. */
    double cut_mass = 0, linked_mass = 0;
    int ncut = 0;
    for (int c = 0; c < sys->ncut; c++)
        if (s[sys->cut[c].col] != 0)
            ncut++;
    if (ncut > 0) {
        res->cut = malloc((size_t)ncut * sizeof *res->cut);
        res->cut_amount = malloc((size_t)ncut * sizeof *res->cut_amount);
        if (!res->cut || !res->cut_amount) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        for (int c = 0; c < sys->ncut; c++) {
            double sc = s[sys->cut[c].col];
            if (sc == 0)
                continue;
            res->cut[res->ncut] = c;
            res->cut_amount[res->ncut++] = sys->cut[c].amount * sc;
            if (isfinite(sys->cut[c].mass_kg))
                cut_mass += sys->cut[c].mass_kg * fabs(sc);
        }
    }
    if (sys->input_mass_kg)
        for (int j = 0; j < n; j++)
            linked_mass += sys->input_mass_kg[j] * fabs(s[j]);
    res->cutoff_share = cut_mass + linked_mass > 0 ? cut_mass / (cut_mass + linked_mass) : 0;

    if (detail & (CALC_DETAIL_PROCESSES | CALC_DETAIL_PATHS)) {
        int cnt = 0;
        for (int j = 0; j < n; j++)
            if (ctx->q[j] * s[j] != 0)
                cnt++;
        res->proc = calloc((size_t)(cnt ? cnt : 1), sizeof *res->proc);
        if (!res->proc) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        for (int j = 0; j < n; j++) {
            double d = ctx->q[j] * s[j];
            if (d == 0)
                continue;
            calc_process_item *it = &res->proc[res->nproc++];
            it->col = j;
            it->activity = s[j];
            it->direct = d;
            it->share = res->total != 0 ? d / res->total : 0;
        }
        qsort(res->proc, (size_t)res->nproc, sizeof *res->proc, cmp_proc_item);
    }
    if (detail & CALC_DETAIL_PATHS) {
        rc = ensure_upstream(ctx, err);
        if (rc == TJ_OK)
            rc = build_paths(ctx, res, err);
        if (rc != TJ_OK)
            goto out;
        if (!(detail & CALC_DETAIL_PROCESSES)) {
            free(res->proc);
            res->proc = NULL;
            res->nproc = 0;
        }
    }
    if (detail & CALC_DETAIL_INVENTORY) {
        int cnt = 0;
        for (int k = 0; k < m; k++)
            if (g[k] != 0)
                cnt++;
        res->inv = calloc((size_t)(cnt ? cnt : 1), sizeof *res->inv);
        if (!res->inv) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        for (int k = 0; k < m; k++) {
            if (g[k] == 0)
                continue;
            calc_inventory_item *it = &res->inv[res->ninv++];
            it->flow = k;
            it->amount = g[k];
            it->co2e = ctx->cf[k] * g[k];
        }
    }

    res->solver = strdup(calc_solver_name(ctx->solver));
    const char *reason = calc_solver_reason(ctx->solver);
    res->solver_reason = strdup(reason ? reason : "");
    if (!res->solver || !res->solver_reason) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    res->residual = calc_solver_last_residual(ctx->solver);
    res->iterations = calc_solver_last_iterations(ctx->solver);
    res->seconds = now_seconds() - t0;
    *out = res;
    return TJ_OK;
out:
    calc_result_free(res);
    return rc;
}

tj_status calc_context_unit_totals(calc_context *ctx, double *total, double *channel, tj_error *err)
{
    int n = ctx->sys->n;
    tj_status rc = ensure_upstream(ctx, err);
    if (rc != TJ_OK)
        return rc;
    memcpy(total, ctx->u, (size_t)n * sizeof *total);
    if (!channel)
        return TJ_OK;
    for (int c = 0; c < CALC_CH_COUNT; c++) {
        const double *qc = ctx->qch + (size_t)c * (size_t)n;
        double *out = channel + (size_t)c * (size_t)n;
        int any = 0;
        for (int j = 0; j < n && !any; j++)
            any = qc[j] != 0;
        memset(out, 0, (size_t)n * sizeof *out);
        if (!any)
            continue;
        rc = calc_solver_solve_transpose(ctx->solver, qc, out, err);
        if (rc != TJ_OK) {
            tj_error_prefix(err, "per-unit totals of channel %s", calc_channel_key((calc_channel)c));
            return rc;
        }
    }
    return TJ_OK;
}

/* ---- every product at once (calc --all) ---- */

#define UNIT_ROWS_WINDOW 64 /* words of a supply-chain bitset window */

void calc_unit_rows_free(calc_unit_rows *r)
{
    if (!r)
        return;
    free(r->total);
    free(r->channel);
    free(r->cutoff_share);
    free(r->ncut);
    free(r->exact);
    memset(r, 0, sizeof *r);
}

/* y = A^-T w (zeros when w is all zero); *any says whether w had a non-zero. */
static tj_status solve_weights(calc_context *ctx, const double *w, double *y, int *any, tj_error *err)
{
    int n = ctx->sys->n;
    *any = 0;
    for (int j = 0; j < n && !*any; j++)
        *any = w[j] != 0;
    memset(y, 0, (size_t)n * sizeof *y);
    return *any ? calc_solver_solve_transpose(ctx->solver, w, y, err) : TJ_OK;
}

tj_status calc_context_unit_rows(calc_context *ctx, calc_unit_rows *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    const calc_system *sys = ctx->sys;
    const calc_csc *a = &ctx->a;
    int n = sys->n;
    size_t un = (size_t)n;
    tj_status rc = TJ_ERR_NOMEM;
    double *wc = NULL, *wl = NULL, *yc = NULL, *yl = NULL;
    int *comp = NULL, *cutat = NULL, *csize = NULL, *cstart = NULL, *member = NULL, *cncut = NULL;
    unsigned char *bad = NULL, *cbad = NULL, *chasc = NULL, *chasl = NULL;
    uint64_t *reach = NULL, *masks = NULL;

    out->n = n;
    out->total = malloc(un * sizeof *out->total);
    out->channel = malloc(un * CALC_CH_COUNT * sizeof *out->channel);
    out->cutoff_share = calloc(un, sizeof *out->cutoff_share);
    out->ncut = calloc(un, sizeof *out->ncut);
    out->exact = calloc(un, 1);
    if (!out->total || !out->channel || !out->cutoff_share || !out->ncut || !out->exact)
        goto nomem;
    rc = calc_context_unit_totals(ctx, out->total, out->channel, err);
    if (rc != TJ_OK)
        goto out;

    wc = calloc(un, sizeof *wc);
    wl = calloc(un, sizeof *wl);
    yc = malloc(un * sizeof *yc);
    yl = malloc(un * sizeof *yl);
    comp = malloc(un * sizeof *comp);
    cutat = calloc(un, sizeof *cutat);
    bad = calloc(un, 1);
    if (!wc || !wl || !yc || !yl || !comp || !cutat || !bad)
        goto nomem;
    for (int c = 0; c < sys->ncut; c++) {
        int k = sys->cut[c].col;
        if (k < 0 || k >= n)
            continue;
        cutat[k]++;
        if (isfinite(sys->cut[c].mass_kg))
            wc[k] += sys->cut[c].mass_kg;
    }
    if (sys->input_mass_kg)
        memcpy(wl, sys->input_mass_kg, un * sizeof *wl);
    int anyc, anyl;
    rc = solve_weights(ctx, wc, yc, &anyc, err);
    if (rc == TJ_OK)
        rc = solve_weights(ctx, wl, yl, &anyl, err);
    if (rc != TJ_OK) {
        tj_error_prefix(err, "per-unit cut-off masses");
        goto out;
    }

    /* A column whose activity cannot turn a non-negative demand negative:
     * a positive diagonal and only inputs. */
    for (int j = 0; j < n; j++) {
        double d = 0;
        int ok = 1;
        for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++) {
            if (a->rowind[p] == j)
                d += a->val[p];
            else if (!(a->val[p] < 0))
                ok = 0;
        }
        bad[j] = !(ok && d > 0);
    }
    int loops_checked = calc_solver_checks_loop_gain(ctx->solver);
    int largest = 0;
    int ncomp = calc_csc_scc(a, comp, &largest);
    if (ncomp < 0)
        goto nomem;
    /* The supply chains are bitsets over the processes, taken in windows of
     * UNIT_ROWS_WINDOW words (4,096 processes) so that memory stays at
     * ncomp x 512 bytes whatever the size; every window repeats the pass over
     * the edges. */
    size_t words = (un + 63) / 64, win = words < UNIT_ROWS_WINDOW ? words : UNIT_ROWS_WINDOW;
    int *fill = NULL;
    csize = calloc((size_t)ncomp, sizeof *csize);
    cstart = malloc(((size_t)ncomp + 1) * sizeof *cstart);
    member = malloc(un * sizeof *member);
    fill = malloc(((size_t)ncomp + 1) * sizeof *fill);
    cncut = calloc((size_t)ncomp, sizeof *cncut);
    cbad = calloc((size_t)ncomp, 1);
    chasc = calloc((size_t)ncomp, 1);
    chasl = calloc((size_t)ncomp, 1);
    reach = malloc((size_t)ncomp * win * sizeof *reach);
    if (!csize || !cstart || !member || !fill || !cncut || !cbad || !chasc || !chasl || !reach) {
        free(fill);
        goto nomem;
    }
    for (int j = 0; j < n; j++)
        csize[comp[j]]++;
    cstart[0] = 0;
    for (int c = 0; c < ncomp; c++)
        cstart[c + 1] = cstart[c] + csize[c];
    memcpy(fill, cstart, (size_t)ncomp * sizeof *fill);
    for (int j = 0; j < n; j++)
        member[fill[comp[j]]++] = j;
    free(fill);
    /* Per word of processes: which carry a cut-off mass (mask 0), an input
     * mass (1), and bit b of their number of cut-offs (2 + b). */
    int maxcut = 0, nplanes = 0;
    for (int j = 0; j < n; j++)
        maxcut = cutat[j] > maxcut ? cutat[j] : maxcut;
    while (nplanes < 31 && (maxcut >> nplanes) != 0)
        nplanes++;
    int nmask = 2 + nplanes;
    masks = calloc(words * (size_t)nmask, sizeof *masks);
    if (!masks)
        goto nomem;
    for (int j = 0; j < n; j++) {
        uint64_t bit = (uint64_t)1 << (j & 63), *mk = masks + (size_t)(j >> 6) * (size_t)nmask;
        mk[0] |= wc[j] != 0 ? bit : 0;
        mk[1] |= wl[j] != 0 ? bit : 0;
        for (int b = 0; b < nplanes; b++)
            mk[2 + b] |= (cutat[j] >> b) & 1 ? bit : 0;
    }
    /* Tarjan numbers a component after every component it reaches: build each
     * product's supply chain (a bitset per component) in that order.  Should
     * an edge point to a later component, nothing is claimed exact. */
    for (size_t w0 = 0; w0 < words; w0 += win) {
        size_t ww = words - w0 < win ? words - w0 : win;
        int lo = (int)(w0 * 64), hi = (int)((w0 + ww) * 64); /* processes lo..hi-1 */
        memset(reach, 0, (size_t)ncomp * win * sizeof *reach);
        for (int c = 0; c < ncomp; c++) {
            uint64_t *rc_ = reach + (size_t)c * win;
            if (w0 == 0)
                cbad[c] = csize[c] > 1 && !loops_checked;
            for (int m = cstart[c]; m < cstart[c + 1]; m++) {
                int j = member[m];
                if (j >= lo && j < hi)
                    rc_[(j - lo) >> 6] |= (uint64_t)1 << ((j - lo) & 63);
                if (w0 == 0)
                    cbad[c] |= bad[j];
                for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++) {
                    int d = comp[a->rowind[p]];
                    if (d == c)
                        continue;
                    if (d > c) {
                        rc = TJ_OK;
                        goto out;
                    }
                    const uint64_t *rd = reach + (size_t)d * win;
                    for (size_t w = 0; w < ww; w++)
                        rc_[w] |= rd[w];
                    if (w0 == 0)
                        cbad[c] |= cbad[d];
                }
            }
            /* cut-offs reached: the counts per process in bit planes, one
             * popcount per plane and word */
            long cnt = 0;
            uint64_t anyc = 0, anyl = 0;
            for (size_t w = 0; w < ww; w++) {
                uint64_t x = rc_[w];
                const uint64_t *mk = masks + (w0 + w) * (size_t)nmask;
                anyc |= x & mk[0];
                anyl |= x & mk[1];
                for (int b = 0; b < nplanes; b++)
                    cnt += (long)__builtin_popcountll(x & mk[2 + b]) << b;
            }
            chasc[c] |= anyc != 0;
            chasl[c] |= anyl != 0;
            cncut[c] += (int)cnt;
        }
    }
    for (int j = 0; j < n; j++) {
        int c = comp[j];
        if (cbad[c])
            continue;
        double cut = chasc[c] ? yc[j] : 0, lk = chasl[c] ? yl[j] : 0;
        int fin = isfinite(out->total[j]) && isfinite(cut) && isfinite(lk);
        for (int ch = 0; ch < CALC_CH_COUNT; ch++)
            fin &= isfinite(out->channel[(size_t)ch * un + (size_t)j]) != 0;
        if (!fin)
            continue;
        out->cutoff_share[j] = cut + lk > 0 ? cut / (cut + lk) : 0;
        out->ncut[j] = cncut[c];
        out->exact[j] = 1;
    }
    rc = TJ_OK;
    goto out;
nomem:
    rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
out:
    if (rc != TJ_OK)
        calc_unit_rows_free(out);
    free(wc);
    free(wl);
    free(yc);
    free(yl);
    free(comp);
    free(cutat);
    free(bad);
    free(csize);
    free(cstart);
    free(member);
    free(cncut);
    free(cbad);
    free(chasc);
    free(chasl);
    free(reach);
    free(masks);
    return rc;
}

/* ---- Monte Carlo ---- */

/* Standard normals by the ziggurat method (Marsaglia and Tsang, 2000) with
 * 256 layers of equal area ZIG_V under exp(-x^2/2); layer 0 is the base
 * rectangle plus the tail beyond ZIG_R.  x[1] = R > x[2] > ... > x[256] = 0;
 * layer i (1..255) spans heights f(x[i])..f(x[i+1]) with width x[i]. */
#define ZIG_N 256
#define ZIG_R 3.6541528853610088
#define ZIG_V 4.92867323399e-3

typedef struct zig {
    double x[ZIG_N + 1];
    double f[ZIG_N + 1];
    /* For the common case by the low 9 bits (layer and sign bit 8):
     * sx = +-x[k] 2^-53 (the uniform's scale and the sign folded in, both
     * exact) and nx = x[k + 1], so that one product and one comparison of
     * the absolute value give exactly the normal of the x[] form. */
    double sx[2 * ZIG_N];
    double nx[2 * ZIG_N];
    double sx52[2 * ZIG_N]; /* +-x[k] 2^-52: for a 52-bit uniform */
} zig;

static void zig_init(zig *z)
{
    z->x[1] = ZIG_R;
    z->f[1] = exp(-0.5 * ZIG_R * ZIG_R);
    z->x[0] = ZIG_V / z->f[1];
    z->f[0] = 0;
    for (int i = 1; i < ZIG_N - 1; i++) {
        double fi = z->f[i] + ZIG_V / z->x[i];
        z->x[i + 1] = fi < 1 ? sqrt(-2 * log(fi)) : 0;
        z->f[i + 1] = exp(-0.5 * z->x[i + 1] * z->x[i + 1]);
    }
    z->x[ZIG_N] = 0;
    z->f[ZIG_N] = 1;
    for (int i = 0; i < 2 * ZIG_N; i++) {
        int k = i & (ZIG_N - 1);
        z->sx[i] = (i & ZIG_N ? -z->x[k] : z->x[k]) * 0x1.0p-53;
        z->sx52[i] = (i & ZIG_N ? -z->x[k] : z->x[k]) * 0x1.0p-52;
        z->nx[i] = z->x[k + 1];
    }
}

/* The rare part of the ziggurat: edges of the layers and the tail. */
static double rng_normal_slow(calc_rng *r, const zig *z, uint64_t bits);

/* A standard normal; the common case (about 99%) is inline. */
static inline double rng_normal(calc_rng *r, const zig *z)
{
    uint64_t bits = calc_rng_next(r);
    int i = (int)(bits & 0xff);
    double x = (double)(bits >> 11) * 0x1.0p-53 * z->x[i];
    if (x < z->x[i + 1]) { /* inside the layer's core rectangle */
        uint64_t xb;       /* the sign from bit 8 without a branch: exactly -x */
        memcpy(&xb, &x, sizeof xb);
        xb ^= (bits & 0x100) << 55;
        memcpy(&x, &xb, sizeof xb);
        return x;
    }
    return rng_normal_slow(r, z, bits);
}

static double rng_normal_slow(calc_rng *r, const zig *z, uint64_t bits)
{
    for (int first = 1;; first = 0) {
        if (!first)
            bits = calc_rng_next(r);
        int i = (int)(bits & 0xff);
        double sign = (bits & 0x100) ? -1.0 : 1.0;
        double x = (double)(bits >> 11) * 0x1.0p-53 * z->x[i];
        if (x < z->x[i + 1])
            return sign * x; /* inside the layer's core rectangle */
        if (i == 0) {        /* tail beyond R (Marsaglia 1964) */
            double a, b;
            do {
                a = -log(calc_rng_uniform_pos(r)) / ZIG_R;
                b = -log(calc_rng_uniform_pos(r));
            } while (b + b < a * a);
            return sign * (ZIG_R + a);
        }
        double y = z->f[i] + calc_rng_uniform(r) * (z->f[i + 1] - z->f[i]);
        if (y < exp(-0.5 * x * x))
            return sign * x;
    }
}

/* One uncertain matrix entry, with its distribution pre-digested. */
typedef struct mc_item {
    int pos; /* index into the matrix's val[] */
    calc_dist_kind kind;
    double amount;     /* deterministic amount (already in the base values) */
    double p1, p2, p3; /* lognormal: median, ln(gsd); normal: mean, sd;
                          triangular: min, max, (mode-min)/(max-min); uniform: min, max-min */
} mc_item;

static void mc_item_init(mc_item *it, const calc_entry *e, int pos)
{
    const calc_dist *d = &e->dist;
    it->pos = pos;
    it->kind = d->kind;
    it->amount = e->amount;
    it->p1 = d->a;
    it->p2 = d->b;
    it->p3 = 0;
    switch (d->kind) {
    case CALC_DIST_LOGNORMAL: it->p2 = d->b > 1 ? log(d->b) : 0; break;
    case CALC_DIST_TRIANGULAR:
        it->p2 = d->c;
        it->p3 = d->c > d->a ? (d->b - d->a) / (d->c - d->a) : 0;
        break;
    case CALC_DIST_UNIFORM: it->p2 = d->b - d->a; break;
    default: break;
    }
}

static double mc_sample(calc_rng *r, const zig *z, const mc_item *it)
{
    switch (it->kind) {
    case CALC_DIST_LOGNORMAL: return it->p2 > 0 ? it->p1 * exp(it->p2 * rng_normal(r, z)) : it->p1;
    case CALC_DIST_NORMAL: return it->p1 + it->p2 * rng_normal(r, z);
    case CALC_DIST_TRIANGULAR: {
        double lo = it->p1, hi = it->p2, w = hi - lo, fc = it->p3;
        if (!(w > 0))
            return lo;
        double u = calc_rng_uniform(r);
        return u < fc ? lo + w * sqrt(u * fc) : hi - w * sqrt((1 - u) * (1 - fc));
    }
    case CALC_DIST_UNIFORM: return it->p1 + it->p2 * calc_rng_uniform(r);
    case CALC_DIST_NONE: break;
    }
    return it->amount;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Mean, sample sd and percentiles (linear interpolation between order
 * statistics, as numpy's default); sorts v. */
static void stats_of(double *v, int k, calc_stats *st)
{
    /* Shifted by the first value: constant samples give their exact value and sd 0. */
    double mean = 0;
    for (int i = 0; i < k; i++)
        mean += v[i] - v[0];
    mean = v[0] + mean / k;
    double ss = 0;
    for (int i = 0; i < k; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    st->mean = mean;
    st->sd = k > 1 ? sqrt(ss / (k - 1)) : 0;
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    const double pr[3] = {0.025, 0.5, 0.975};
    double *dst[3] = {&st->p2_5, &st->p50, &st->p97_5};
    for (int i = 0; i < 3; i++) {
        double h = (k - 1) * pr[i];
        int lo = (int)floor(h);
        int hi = lo + 1 < k ? lo + 1 : lo;
        *dst[i] = v[lo] + (h - lo) * (v[hi] - v[lo]);
    }
}

/* exp(x) to about two ulp without a library call: x = k ln2 + t (Cody and
 * Waite's split of ln2), exp(t) by its Taylor series to t^13 (|t| <= 0.35,
 * remainder below 2e-16; largest relative error against expl 4e-16 over 2
 * million arguments in [-30, 30]), times 2^k built in the exponent bits.  Written on
 * GCC/Clang vector types of four doubles, so that it runs several lanes at a
 * time at every optimisation level (GCC vectorises the scalar loop only at
 * -O3, and the default build is -O2): two SSE2 halves in the baseline x86-64
 * code, one AVX2 register in sample_items' AVX2 copy.  It is what makes
 * lognormal sampling cheap. */
typedef double v4d __attribute__((vector_size(32))); /* four lanes: one AVX register */
typedef int64_t v4i __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) void fast_exp4(v4d *xp)
{
    v4d x = *xp; /* in and out through memory: a 32-byte vector argument or
                    result would have a different ABI with and without AVX */
    /* Clamped to where 2^k is a normal number; callers pass |x| far below. */
    const v4d lo = {-700.0, -700.0, -700.0, -700.0}, hi = {700.0, 700.0, 700.0, 700.0};
    v4i under = x < lo, over = x > hi;
    x = (v4d)(((v4i)x & ~under) | ((v4i)lo & under));
    x = (v4d)(((v4i)x & ~over) | ((v4i)hi & over));
    /* Round x log2(e) to the nearest integer with the 1.5 x 2^52 trick: the
     * integer lands in the low bits of the mantissa. */
    const v4d shifter = {0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52};
    v4d kd = x * 1.4426950408889634 + shifter;
    v4d k = kd - shifter;
    v4d t = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
    /* The Taylor polynomial by Estrin's scheme: pairs of terms, then powers
     * t^2, t^4, t^8 combine them.  A chain of 5 dependent steps instead of
     * Horner's 26 (the loops around it are bound by that latency). */
    v4d t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    v4d p01 = 1.0 + t, p23 = 0.5 + t * (1.0 / 6.0), p45 = 1.0 / 24.0 + t * (1.0 / 120.0);
    v4d p67 = 1.0 / 720.0 + t * (1.0 / 5040.0), p89 = 1.0 / 40320.0 + t * (1.0 / 362880.0);
    v4d p1011 = 1.0 / 3628800.0 + t * (1.0 / 39916800.0),
        p1213 = 1.0 / 479001600.0 + t * (1.0 / 6227020800.0);
    v4d q0 = p01 + t2 * p23, q1 = p45 + t2 * p67, q2 = p89 + t2 * p1011;
    v4d p = (q0 + t4 * q1) + t8 * (q2 + t4 * p1213);
    v4i sc = ((v4i)kd - 0x4338000000000000LL + 1023) << 52;
    *xp = p * (v4d)sc;
}

/* Draw one value for each item into out (the RNG stream is consumed in item
 * order).  Lognormal items take two passes: the standard normals first, then
 * median x exp(ln(gsd) z) in a branch-free loop over pairs. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
/* An AVX2 copy (four lanes per instruction) chosen at load time where the
 * processor has it; the same IEEE operations in the same order, so the draws
 * are bit for bit those of the baseline copy (no FMA contraction: -std=c17). */
__attribute__((target_clones("avx2", "default")))
#endif
#endif
static void sample_items(calc_rng *r, const zig *z, const mc_item *items, const double *lmed,
                         const double *lsig, int cnt, int all_lognormal, double *out)
{
    if (all_lognormal) {
        /* xoshiro256** and the ziggurat's common case written out on four
         * local words, so that the state stays in registers: the slow path
         * takes the state's address and, through rng_normal, kept all of it
         * in memory.  Same operations as calc_rng_next and rng_normal, so the
         * same stream. */
        uint64_t s0 = r->s[0], s1 = r->s[1], s2 = r->s[2], s3 = r->s[3];
        for (int i = 0; i < cnt; i++) {
            uint64_t bits = calc_rng_rotl(s1 * 5, 7) * 9, t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = calc_rng_rotl(s3, 45);
            int k = (int)(bits & 0xff);
            double x = (double)(bits >> 11) * 0x1.0p-53 * z->x[k];
            if (x < z->x[k + 1]) {
                /* The sign from bit 8 without a branch (a random sign
                 * mispredicts half the time): flipping the sign bit is
                 * exactly -x. */
                uint64_t xb;
                memcpy(&xb, &x, sizeof xb);
                xb ^= (bits & 0x100) << 55;
                memcpy(&out[i], &xb, sizeof xb);
                continue;
            }
            calc_rng slow = {{s0, s1, s2, s3}};
            out[i] = rng_normal_slow(&slow, z, bits);
            s0 = slow.s[0];
            s1 = slow.s[1];
            s2 = slow.s[2];
            s3 = slow.s[3];
        }
        r->s[0] = s0;
        r->s[1] = s1;
        r->s[2] = s2;
        r->s[3] = s3;
    } else {
        for (int i = 0; i < cnt; i++)
            out[i] = items[i].kind == CALC_DIST_LOGNORMAL ? (items[i].p2 > 0 ? rng_normal(r, z) : 0.0)
                                                          : mc_sample(r, z, &items[i]);
    }
    /* lsig is 0 and lmed NaN for the other kinds, whose draws stay. */
    int i = 0;
    for (; i + 4 <= cnt; i += 4) {
        v4d m, g, o;
        memcpy(&m, lmed + i, sizeof m);
        memcpy(&g, lsig + i, sizeof g);
        memcpy(&o, out + i, sizeof o);
        v4d v = g * o;
        fast_exp4(&v);
        v = m * v;
        v4i keep = m == m; /* all ones where lognormal */
        v = (v4d)(((v4i)v & keep) | ((v4i)o & ~keep));
        memcpy(out + i, &v, sizeof v);
    }
    for (; i < cnt; i++) {
        v4d o = {lsig[i] * out[i], 0.0, 0.0, 0.0};
        fast_exp4(&o);
        double v = lmed[i] * o[0];
        out[i] = lmed[i] == lmed[i] ? v : out[i];
    }
}

/* Where the draws go: val[pos[i]] = off[i] + drawn[i], with off = the base
 * value at pos less the item's own deterministic amount.  Where several
 * items share a position (entries that were summed into one position each
 * contribute their own deviation) the first item sets it that way and every
 * later one adds drawn - amount (off = -amount) to it, in item order.  The
 * later items are few (a few thousand of 270,000 on `core50`): in the
 * store pass their pos is the spare slot after the last position (every
 * value array has one, never read) and a second, short pass over `later`
 * adds them, so the pass over all items is a plain store with no select
 * and no read of the value it overwrites. */
typedef struct mc_apply {
    int cnt;
    int nooff; /* no later items and every off[i] is 0: val[pos[i]] = drawn[i] */
    int *pos;
    double *off;
    int nlater;
    int *later; /* the later items' indices, ascending */
    int *lpos;  /* and their positions */
} mc_apply;

/* The cnt uncertain entries of e (those with a distribution) in one pass:
 * where each goes (map: entry -> position in val), the lognormal median and
 * ln(gsd) of each (lmed NaN and lsig 0 for the other kinds), and, only when
 * items is not NULL (some entry is not lognormal), the full item for
 * mc_sample.  Nothing per item beyond what the sampler reads: a large system
 * has hundreds of thousands, and fresh memory costs a page fault per 4 KiB. */
static tj_status mc_apply_build(mc_apply *ap, const calc_entry *e, int ne, const int *map, const double *base,
                                int nnz, int cnt, mc_item *items, double *lmed, double *lsig, tj_error *err)
{
    memset(ap, 0, sizeof *ap);
    ap->cnt = cnt;
    ap->pos = mc_calloc((size_t)cnt, sizeof *ap->pos);
    ap->off = mc_calloc((size_t)cnt, sizeof *ap->off);
    unsigned char *seen = xcalloc((size_t)nnz, 1);
    if (!ap->pos || !ap->off || !seen) {
        free(seen);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for Monte Carlo");
    }
    ap->nooff = 1;
    double last_gsd = NAN, last_log = 0;
    int i = 0;
    for (int t = 0; t < ne && i < cnt; t++) {
        const calc_dist *d = &e[t].dist;
        if (d->kind == CALC_DIST_NONE)
            continue;
        int p = map[t];
        if (items)
            mc_item_init(&items[i], &e[t], p);
        if (d->kind == CALC_DIST_LOGNORMAL) {
            lmed[i] = d->a;
            if (d->b != last_gsd) { /* mostly a few distinct spreads */
                last_gsd = d->b;
                last_log = d->b > 1 ? log(d->b) : 0;
            }
            lsig[i] = last_log > 0 ? last_log : 0.0;
        } else {
            lmed[i] = NAN;
            lsig[i] = 0;
        }
        ap->pos[i] = seen[p] ? -1 - p : p; /* a later item, moved to the spare slot below */
        ap->off[i] = seen[p] ? -e[t].amount : base[p] - e[t].amount;
        ap->nooff &= ap->off[i] == 0;
        ap->nlater += seen[p];
        seen[p] = 1;
        i++;
    }
    free(seen);
    if (ap->nlater > 0) {
        ap->later = xcalloc((size_t)ap->nlater, sizeof *ap->later);
        ap->lpos = xcalloc((size_t)ap->nlater, sizeof *ap->lpos);
        if (!ap->later || !ap->lpos)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for Monte Carlo");
        for (int j = 0, k = 0; j < cnt; j++)
            if (ap->pos[j] < 0) {
                ap->later[k] = j;
                ap->lpos[k++] = -1 - ap->pos[j];
                ap->pos[j] = nnz; /* the spare slot: add_later adds the draw */
            }
        ap->nooff = 0; /* (an item of amount 0 has off 0 too) */
    }
    return TJ_OK;
}

static void mc_apply_free(mc_apply *ap)
{
    free(ap->pos);
    free(ap->off);
    free(ap->later);
    free(ap->lpos);
}

/* The later items k0 .. k1 - 1 of `later`, whose draws are drawn[later[k] -
 * i0], added to their positions (after the store pass over their items). */
static inline void add_later(const mc_apply *ap, int k0, int k1, const double *drawn, int i0, double *val)
{
    for (int k = k0; k < k1; k++) {
        int i = ap->later[k];
        val[ap->lpos[k]] += ap->off[i] + drawn[i - i0];
    }
}

static void apply_items(const mc_apply *ap, const double *drawn, double *val)
{
    const int *pos = ap->pos;
    const double *off = ap->off;
    for (int i = 0; i < ap->cnt; i++)
        val[pos[i]] = off[i] + drawn[i];
    add_later(ap, 0, ap->nlater, drawn, 0, val);
}

/* Lognormal draws applied straight into the values: val[pos[i]] = off[i] +
 * lmed[i] exp(lsig[i] Z_i), for items that are all lognormal with a spread
 * (positions shared by several items: as apply_items).  The same stream and
 * normals as sample_items, in blocks of MC_BLOCK items: the normals into a
 * buffer that stays in the L1 cache, then the exp and the values in a short
 * loop whose iterations overlap, so no array of draws goes out to memory and
 * back three times.  Returns nonzero if a draw is not finite (the values
 * need no other check: the rest of them are the base values). */
enum { MC_BLOCK = 256 };

/* *d = lmed exp(lsig z) for four items (a pointer: no AVX value crosses a
 * call, which would change the ABI). */
static inline void lognormal4(const double *lg, const double *lm, const double *zb, v4d *d)
{
    v4d g, m;
    memcpy(&g, lg, sizeof g);
    memcpy(&m, lm, sizeof m);
    memcpy(d, zb, sizeof *d);
    *d = g * *d;
    fast_exp4(d);
    *d = m * *d;
}

/* Four xoshiro256** streams side by side, word w of lane l in s[w][l]. */
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef struct mc_lanes {
    uint64_t s[4][4];
} mc_lanes;

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
__attribute__((target_clones("avx2", "default")))
#endif
#endif
static int
sample_apply_lognormal(mc_lanes *ln, calc_rng *r, const zig *z, const mc_apply *ap,
                       const double *lmed, const double *lsig, double *val)
{
    const int *pos = ap->pos;
    const double *off = ap->off;
    int cnt = ap->cnt;
    v4u s0, s1, s2, s3;
    memcpy(&s0, ln->s[0], sizeof s0);
    memcpy(&s1, ln->s[1], sizeof s1);
    memcpy(&s2, ln->s[2], sizeof s2);
    memcpy(&s3, ln->s[3], sizeof s3);
    double zb[MC_BLOCK];
    uint64_t bb[MC_BLOCK];
    v4d bad = {0, 0, 0, 0};
    int k = 0; /* the next later item */
    for (int b0 = 0; b0 < cnt; b0 += MC_BLOCK) {
        int bn = cnt - b0 < MC_BLOCK ? cnt - b0 : MC_BLOCK;
        /* The block's random words from the four lanes (item i from lane
         * i mod 4): xoshiro256** on four words at a time, no serial chain. */
        for (int i = 0; i < bn; i += 4) {
            v4u r5 = (s1 << 2) + s1;
            v4u r7 = (r5 << 7) | (r5 >> 57);
            v4u bits = (r7 << 3) + r7;
            v4u t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = (s3 << 45) | (s3 >> 19);
            memcpy(bb + i, &bits, sizeof bits); /* MC_BLOCK is a multiple of 4 */
        }
        /* The ziggurat's common case four at a time: the uniform from the
         * top 52 bits (as a double by the exponent trick: SSE2 and AVX2 have
         * no conversion from 64-bit integers), the layer and sign from the
         * low 9 bits; a trial outside its layer's rectangle (about 1 in 100)
         * is finished by rng_normal_slow on the same word, further numbers
         * from r. */
        const v4u expo = {0x4330000000000000ULL, 0x4330000000000000ULL, 0x4330000000000000ULL,
                          0x4330000000000000ULL};
        const v4u absmask = {0x7fffffffffffffffULL, 0x7fffffffffffffffULL, 0x7fffffffffffffffULL,
                             0x7fffffffffffffffULL};
        for (int i = 0; i < bn; i += 4) {
            v4u b;
            memcpy(&b, bb + i, sizeof b);
            v4d u = (v4d)((b >> 12) | expo) - 0x1.0p52; /* exactly the integer b >> 12 */
            int k0 = (int)(b[0] & 0x1ff), k1 = (int)(b[1] & 0x1ff), k2 = (int)(b[2] & 0x1ff),
                k3 = (int)(b[3] & 0x1ff);
            v4d sk = {z->sx52[k0], z->sx52[k1], z->sx52[k2], z->sx52[k3]};
            v4d nk = {z->nx[k0], z->nx[k1], z->nx[k2], z->nx[k3]};
            v4d x = u * sk;
            v4i ok = (v4d)((v4u)x & absmask) < nk;
            memcpy(zb + i, &x, sizeof x);
            /* all four inside (lanes all ones): AND-reduced by two shuffles */
            v4i all = ok & __builtin_shufflevector(ok, ok, 2, 3, 0, 1);
            all &= __builtin_shufflevector(all, all, 1, 0, 3, 2);
            if (!all[0]) {
                for (int l = 0; l < 4 && i + l < bn; l++)
                    if (!ok[l])
                        zb[i + l] = rng_normal_slow(r, z, b[l]);
            }
        }
        for (int i = bn; i < (bn + 3) / 4 * 4; i++)
            zb[i] = 0; /* a last partial group of four */
        /* lsig and lmed have 4 spare entries after the last item. */
        const double *lg = lsig + b0, *lm = lmed + b0;
        int i = 0;
        for (; i + 4 <= bn; i += 4) {
            v4d d;
            lognormal4(lg + i, lm + i, zb + i, &d);
            bad += d - d; /* 0 for finite draws, NaN otherwise */
            memcpy(zb + i, &d, sizeof d);
        }
        if (i < bn) { /* a last partial group: its spare lanes read NaN medians */
            v4d d;
            lognormal4(lg + i, lm + i, zb + i, &d);
            for (int l = bn - i; l < 4; l++)
                d[l] = 0;
            bad += d - d;
            memcpy(zb + i, &d, sizeof d);
        }
        const int *ps = pos + b0;
        if (ap->nooff) {
            for (int i = 0; i < bn; i++)
                val[ps[i]] = zb[i];
        } else {
            const double *of = off + b0;
            for (i = 0; i < bn; i++)
                val[ps[i]] = of[i] + zb[i];
            int k1 = k;
            while (k1 < ap->nlater && ap->later[k1] < b0 + bn)
                k1++;
            add_later(ap, k, k1, zb, b0, val);
            k = k1;
        }
    }
    memcpy(ln->s[0], &s0, sizeof s0);
    memcpy(ln->s[1], &s1, sizeof s1);
    memcpy(ln->s[2], &s2, sizeof s2);
    memcpy(ln->s[3], &s3, sizeof s3);
    return !(bad[0] == 0 && bad[1] == 0 && bad[2] == 0 && bad[3] == 0);
}

/* Draws for one iteration: A's items from the stream r, B's from rb, and
 * the values of A and B they give (each slot has its own copy of both value
 * arrays; the chain lends A's to its matrix for the iteration).  Items that
 * are all lognormal with a spread are drawn straight into the values
 * (sample_apply_lognormal); any other set one at a time, then applied.  With
 * a sampler thread two slots alternate, so drawing and applying A for
 * iteration k + 1 overlaps the factorisation, solve, B's draws and
 * statistics of iteration k; each stream is drawn in the same order either
 * way, so results do not depend on threading. */
typedef struct mc_sampler {
    calc_rng r, rb;  /* A's stream, B's stream (item by item; the ziggurat's rare cases for lognormal sets) */
    mc_lanes la, lb; /* A's and B's four lanes for lognormal sets */
    const zig *z;
    const mc_item *ia, *ib;
    const double *lmed, *lsig; /* per item (A's then B's): lognormal median and ln(gsd) */
    int nta, ntb, iterations;
    int a_lognormal, b_lognormal; /* every item of A (of B) lognormal with a spread */
    int a_fused, b_fused;         /* so drawn straight into the values */
    int a_nonfinite[2];           /* a fused draw of A for the slot was not finite */
    int nslots;                   /* 2 with a sampler thread, else 1 */
    double *slot[2];              /* nta + ntb draws each (not used by fused items) */
    const mc_apply *apa, *apb;
    const double *abase, *bbase;
    double *aval[2], *bval[2]; /* A's and B's values for each slot */
    /* q = c^T B of each slot's B (direct CO2e per unit activity), computed
     * with B's draws by the chain's solving thread */
    const calc_context *ctx;
    calc_csc bpat; /* B's pattern (a copy: read only) */
    double *qslot[2];
    int full[2];
    int stop;
    int threaded;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} mc_sampler;

/* A's draws for a slot (the sampler thread's share when there is one). */
static void sampler_fill(mc_sampler *sm, int slot)
{
    if (sm->nta > 0) {
        if (sm->a_fused) {
            sm->a_nonfinite[slot] = sample_apply_lognormal(&sm->la, &sm->r, sm->z, sm->apa,
                                                           sm->lmed, sm->lsig, sm->aval[slot]);
        } else {
            sample_items(&sm->r, sm->z, sm->ia, sm->lmed, sm->lsig, sm->nta, sm->a_lognormal, sm->slot[slot]);
            apply_items(sm->apa, sm->slot[slot], sm->aval[slot]);
        }
    }
}

/* B's draws for a slot and q = c^T B from them, on the chain's own thread
 * from B's own stream rb: the sampler thread draws A's (most of the items),
 * the solving thread B's while it waits less, so the two threads carry
 * about the same load. */
static void sampler_fill_b(mc_sampler *sm, int slot)
{
    if (sm->ntb == 0)
        return;
    if (sm->b_fused) {
        (void)sample_apply_lognormal(&sm->lb, &sm->rb, sm->z, sm->apb, sm->lmed + sm->nta,
                                     sm->lsig + sm->nta, sm->bval[slot]);
    } else {
        sample_items(&sm->rb, sm->z, sm->ib, sm->lmed + sm->nta, sm->lsig + sm->nta, sm->ntb, sm->b_lognormal,
                     sm->slot[slot] + sm->nta);
        apply_items(sm->apb, sm->slot[slot] + sm->nta, sm->bval[slot]);
    }
    calc_csc b = sm->bpat; /* B's pattern with the slot's values */
    b.val = sm->bval[slot];
    direct_intensity(sm->ctx, &b, sm->qslot[slot], NULL);
}

static void *sampler_main(void *arg)
{
    mc_sampler *sm = arg;
    for (int it = 0; it < sm->iterations; it++) {
        int k = it & 1;
        pthread_mutex_lock(&sm->mu);
        while (sm->full[k] && !sm->stop)
            pthread_cond_wait(&sm->cv, &sm->mu);
        int stop = sm->stop;
        pthread_mutex_unlock(&sm->mu);
        if (stop)
            break;
        sampler_fill(sm, k);
        pthread_mutex_lock(&sm->mu);
        sm->full[k] = 1;
        pthread_cond_broadcast(&sm->cv);
        pthread_mutex_unlock(&sm->mu);
    }
    return NULL;
}

/* Fill (or wait for the sampler thread to have filled) the slot of the
 * chain's iteration it; returns the slot. */
static int sampler_take(mc_sampler *sm, int it)
{
    if (!sm->threaded) {
        sampler_fill(sm, 0);
        return 0;
    }
    int k = it & 1;
    pthread_mutex_lock(&sm->mu);
    while (!sm->full[k])
        pthread_cond_wait(&sm->cv, &sm->mu);
    pthread_mutex_unlock(&sm->mu);
    return k;
}

/* Hand the slot of iteration it back to the sampler thread. */
static void sampler_release(mc_sampler *sm, int it)
{
    if (!sm->threaded)
        return;
    pthread_mutex_lock(&sm->mu);
    sm->full[it & 1] = 0;
    pthread_cond_broadcast(&sm->cv);
    pthread_mutex_unlock(&sm->mu);
}

/* Below this many uncertain entries a second thread costs more than it
 * saves; from this many on, Monte Carlo runs two chains. */
#define MC_THREAD_MIN_ITEMS 20000

/* Monte Carlo refactorises A every iteration.  When AUTO chose KLU for one
 * solve but a numeric refactorisation would cost more than this many Mflop,
 * the iterations use GMRES with D-ILU instead (warm-started from the previous
 * draw, a few sparse products each).  The choice depends only on KLU's
 * symbolic prediction, so a seed gives the same result on every run. */
#define MC_KLU_MFLOP 2.0

/* The solver for the Monte Carlo iterations: the context's, or (see
 * MC_KLU_MFLOP) a separate iterative one in *own. */
static calc_solver *mc_solver(calc_context *ctx, int a_varies, calc_solver **own)
{
    *own = NULL;
    if (!a_varies || ctx->opt.solver != CALC_SOLVER_AUTO ||
        calc_solver_kind_of(ctx->solver) != CALC_SOLVER_KLU)
        return ctx->solver;
    double mflop = 0;
    tj_error e;
    if (calc_solver_klu_predict(&ctx->a, NULL, &mflop, NULL, &e) != TJ_OK || mflop <= MC_KLU_MFLOP)
        return ctx->solver;
    if (calc_solver_new(&ctx->a, CALC_SOLVER_BLOCK_ITERATIVE, ctx->opt.tol, own, NULL, &e) != TJ_OK) {
        *own = NULL; /* D-ILU or GMRES failed on this matrix: stay with KLU */
        return ctx->solver;
    }
    return *own;
}

/* One chain of Monte Carlo draws: iterations lo..hi-1 of the run, drawn from
 * the chain's own streams, solved by the chain's own solver (warm-started
 * from its previous draw), results in
 * the shared vals at their iteration's index.  One chain uses the context's
 * solver (and a sampler thread for large systems).  With two chains the
 * second gets the streams jumped past the first's, and each has a solver of
 * its own set up on the deterministic values; each chain's sequence of
 * operations is fixed, so the results do not depend on which thread runs a
 * chain or when. */
typedef struct mc_chain {
    mc_sampler sm;
    calc_csc a;   /* two chains: A's pattern with this chain's values */
    calc_csc *am; /* the matrix the chain's solver reads: ctx->a (one chain) or &a */
    calc_solver *solver;
    calc_solver *own; /* two chains: the chain's own solver, made at its start */
    calc_solver_kind own_kind;
    int need_own;
    double tol;
    const calc_system *sys;
    const unsigned char *stage; /* each process's stage, compact (the statistics read it every draw) */
    const double *f;
    double *x;
    double *vals; /* total of iteration it at vals[it], stage k at vals[(1 + k) iterations + it] */
    int iterations, lo, hi;
    int a_touched;
    atomic_int *stop; /* chain 2 stops when chain 1 has failed (chain 1's error is the one reported) */
    int set_stop;     /* chain 1 sets it on failure */
    tj_status rc;
    tj_error err;
} mc_chain;

static void chain_run(mc_chain *c)
{
    tj_error_clear(&c->err);
    c->rc = TJ_OK;
    int nta = c->sm.nta;
    if (c->need_own && nta > 0) {
        c->rc = calc_solver_new(c->am, c->own_kind, c->tol, &c->own, NULL, &c->err);
        if (c->rc != TJ_OK) {
            c->own = NULL;
            tj_error_prefix(&c->err, "Monte Carlo, a chain's solver");
            goto fail;
        }
        c->solver = c->own;
    }
    for (int it = c->lo; it < c->hi; it++) {
        if (c->stop && !c->set_stop && atomic_load(c->stop))
            return;
        int k = sampler_take(&c->sm, it - c->lo);
        if (nta > 0) {
            c->a_touched = 1;
            c->am->val = c->sm.aval[k];
            /* Fused draws were checked for infinities and NaNs as they were
             * made (the other values are the base values, checked at setup);
             * any other draws are checked by the refactor's scan. */
            if (c->sm.a_fused && c->sm.a_nonfinite[k])
                c->rc = tj_error_set(&c->err, TJ_ERR_NUMERIC, NULL,
                                     "the technology matrix holds a non-finite value");
            else if (c->sm.a_fused)
                c->rc = calc_solver_refactor_finite(c->solver, &c->err);
            else
                c->rc = calc_solver_refactor(c->solver, &c->err);
            if (c->rc != TJ_OK) {
                if (c->rc == TJ_ERR_NUMERIC)
                    tj_error_prefix(&c->err,
                                    "Monte Carlo iteration %d: a sampled technology matrix "
                                    "could not be factorised (distributions too wide?)",
                                    it + 1);
                goto fail;
            }
            /* x holds the chain's previous solution: a warm start for the iterative solver. */
            c->rc = calc_solver_solve(c->solver, c->f, c->x, &c->err);
            if (c->rc != TJ_OK) {
                tj_error_prefix(&c->err, "Monte Carlo iteration %d", it + 1);
                goto fail;
            }
        }
        sampler_fill_b(&c->sm, k);
        const double *qit = c->sm.qslot[k]; /* c^T B for this draw */
        const double *x = c->x;
        const unsigned char *stage = c->stage;
        int n = c->sys->n;
        double tot = 0, st[CALC_STAGE_COUNT] = {0};
        for (int j = 0; j < n; j++) {
            double dj = qit[j] * x[j];
            tot += dj;
            st[stage[j]] += dj;
        }
        c->vals[it] = tot;
        for (int s = 0; s < CALC_STAGE_COUNT; s++)
            c->vals[(size_t)(1 + s) * (size_t)c->iterations + (size_t)it] = st[s];
        sampler_release(&c->sm, it - c->lo); /* this iteration is done with the slot's values */
    }
    return;
fail:
    if (c->stop && c->set_stop)
        atomic_store(c->stop, 1);
}

/* Tell a sampler thread to stop and wait for it. */
static void sampler_stop(mc_sampler *sm, pthread_t thread)
{
    pthread_mutex_lock(&sm->mu);
    sm->stop = 1;
    pthread_cond_broadcast(&sm->cv);
    pthread_mutex_unlock(&sm->mu);
    pthread_join(thread, NULL);
}

static void *chain_main(void *arg)
{
    chain_run(arg);
    return NULL;
}

/* A chain's sampler buffers: nslots slots of draws, A's and B's values
 * (starting as the base values) and q. */
static tj_status chain_alloc(mc_sampler *sm, int nslots, size_t ndraw, size_t annz, size_t bnnz, int n)
{
    sm->nslots = nslots;
    for (int k = 0; k < nslots; k++) {
        /* the draws one at a time, for items not drawn straight into the values */
        sm->slot[k] = sm->a_fused && sm->b_fused ? NULL : mc_calloc(ndraw, sizeof(double));
        /* (+ 1: the spare slot of mc_apply) */
        sm->aval[k] = sm->nta > 0 ? mc_calloc(annz + 1, sizeof(double)) : NULL;
        sm->bval[k] = sm->ntb > 0 ? mc_calloc(bnnz + 1, sizeof(double)) : NULL;
        sm->qslot[k] = xcalloc((size_t)n, sizeof(double));
        if ((!sm->slot[k] && !(sm->a_fused && sm->b_fused)) || (sm->nta > 0 && !sm->aval[k]) ||
            (sm->ntb > 0 && !sm->bval[k]) || !sm->qslot[k])
            return TJ_ERR_NOMEM;
        if (sm->nta > 0) /* positions without an item keep their base value */
            memcpy(sm->aval[k], sm->abase, annz * sizeof(double));
        if (sm->ntb > 0)
            memcpy(sm->bval[k], sm->bbase, bnnz * sizeof(double));
    }
    return TJ_OK;
}

static void chain_free(mc_chain *c)
{
    for (int k = 0; k < 2; k++) {
        free(c->sm.slot[k]);
        free(c->sm.aval[k]);
        free(c->sm.bval[k]);
        free(c->sm.qslot[k]);
    }
    free(c->x);
    calc_solver_free(c->own);
}

tj_status calc_context_monte_carlo(calc_context *ctx, calc_result *res, int iterations, uint64_t seed,
                                   tj_error *err)
{
    const calc_system *sys = ctx->sys;
    if (!res || res->demand_col < 0 || res->demand_col >= sys->n)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "Monte Carlo needs a footprint result");
    if (iterations < 2 || iterations > 10000000)
        return tj_error_set(err, TJ_ERR_INPUT, "iterations",
                            "Monte Carlo iterations must be in 2..10000000 (got %d)", iterations);
    int n = sys->n;
    double t0 = now_seconds();
    tj_status rc = TJ_ERR_NOMEM;
    int nta = 0, ntb = 0;
    for (int t = 0; t < sys->ntech; t++)
        nta += sys->tech[t].dist.kind != CALC_DIST_NONE;
    for (int t = 0; t < sys->nelem; t++)
        ntb += sys->elem[t].dist.kind != CALC_DIST_NONE;
    size_t annz = (size_t)ctx->a.colptr[n], bnnz = (size_t)ctx->b.colptr[n];
    size_t nv = (size_t)iterations * (1 + CALC_STAGE_COUNT);
    size_t ndraw = (size_t)nta + (size_t)ntb;
    int a_lognormal = 1, b_lognormal = 1; /* every item lognormal with a spread */
    for (int t = 0; t < sys->ntech; t++) {
        const calc_dist *d = &sys->tech[t].dist;
        a_lognormal &= d->kind == CALC_DIST_NONE || (d->kind == CALC_DIST_LOGNORMAL && d->b > 1);
    }
    for (int t = 0; t < sys->nelem; t++) {
        const calc_dist *d = &sys->elem[t].dist;
        b_lognormal &= d->kind == CALC_DIST_NONE || (d->kind == CALC_DIST_LOGNORMAL && d->b > 1);
    }
    /* Two chains for large systems (or when asked): the choice depends on
     * the system and the options only, never on the threads available. */
    int nchains = ctx->opt.mc_chains ? ctx->opt.mc_chains : ndraw >= MC_THREAD_MIN_ITEMS ? 2 : 1;

    mc_chain ch[2];
    memset(ch, 0, sizeof ch);
    mc_apply apa = {0}, apb = {0}; /* (freed at out: whatever was built) */
    memset(&apa, 0, sizeof apa);
    memset(&apb, 0, sizeof apb);
    int sync_init = 0, thread_started = 0, chain_thread = 0;
    pthread_t thread;
    atomic_int stop;
    atomic_init(&stop, 0);
    /* the full items only for the sampler's general path */
    mc_item *ia = a_lognormal ? NULL : mc_calloc((size_t)nta, sizeof *ia);
    mc_item *ib = b_lognormal ? NULL : mc_calloc((size_t)ntb, sizeof *ib);
    zig *zt = malloc(sizeof *zt);
    /* 4 spare entries: the lanes read whole groups of four */
    double *lmed = mc_calloc(ndraw + 4, sizeof *lmed), *lsig = mc_calloc(ndraw + 4, sizeof *lsig);
    double *aorig = ctx->a.val; /* lent slots are given back at the end */
    /* The deterministic values: the context's own arrays, never written
     * here (the chains' values are copies). */
    const double *abase = aorig, *bbase = ctx->b.val;
    double *f = xcalloc((size_t)n, sizeof *f);
    unsigned char *stage = xcalloc((size_t)n, 1);
    double *vals = malloc(nv * sizeof *vals);
    calc_uncertainty *unc = calloc(1, sizeof *unc);
    int a_touched = 0;
    calc_solver *mcs = ctx->solver, *own_solver = NULL;
    if ((!a_lognormal && !ia) || (!b_lognormal && !ib) || !zt || !lmed || !lsig || !f || !stage || !vals ||
        !unc) {
        tj_error_set(err, rc, NULL, "out of memory for %d Monte Carlo iterations", iterations);
        goto out;
    }
    if (mc_apply_build(&apa, sys->tech, sys->ntech, ctx->amap, abase, (int)annz, nta, ia, lmed, lsig, err) !=
            TJ_OK ||
        mc_apply_build(&apb, sys->elem, sys->nelem, ctx->bmap, bbase, (int)bnnz, ntb, ib, lmed + nta,
                       lsig + nta, err) != TJ_OK)
        goto out;
    f[res->demand_col] = res->demand_amount;
    for (int j = 0; j < n; j++)
        stage[j] = (unsigned char)sys->proc[j].stage;
    mcs = mc_solver(ctx, nta > 0, &own_solver);
    zig_init(zt);

    int threads = ctx->opt.mc_threads;
    int sampler_thread =
        nchains == 1 && (threads == 2 || (threads == 0 && ndraw >= MC_THREAD_MIN_ITEMS)) && ndraw > 0;
    calc_rng base;
    calc_rng_seed(&base, seed);
    for (int c = 0; c < nchains; c++) {
        mc_chain *cc = &ch[c];
        mc_sampler *sm = &cc->sm;
        /* Chain c's streams, 10 per chain: the seed's jumped 10c times for
         * A item by item (chain 1 draws such A from the seed's own stream),
         * 10c + 1 for B, then A's four lanes and B's four lanes. */
        sm->r = base;
        calc_rng_jump(&base);
        sm->rb = base;
        calc_rng_jump(&base);
        for (int l = 0; l < 8; l++) { /* then the four lanes of A and of B */
            mc_lanes *ln = l < 4 ? &sm->la : &sm->lb;
            for (int w = 0; w < 4; w++)
                ln->s[w][l & 3] = base.s[w];
            calc_rng_jump(&base);
        }
        sm->z = zt;
        sm->ia = ia;
        sm->ib = ib;
        sm->lmed = lmed;
        sm->lsig = lsig;
        sm->nta = nta;
        sm->ntb = ntb;
        sm->a_lognormal = a_lognormal;
        sm->b_lognormal = b_lognormal;
        sm->a_fused = a_lognormal;
        sm->b_fused = b_lognormal;
        sm->apa = &apa;
        sm->apb = &apb;
        sm->abase = abase;
        sm->bbase = bbase;
        sm->ctx = ctx; /* read only: sys and cf */
        sm->bpat = ctx->b;
        for (int k = 0; k < 2; k++) /* no B items: q stays the deterministic one */
            sm->qslot[k] = NULL;
        if (chain_alloc(sm, c == 0 && sampler_thread ? 2 : 1, ndraw, annz, bnnz, n) != TJ_OK) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for %d Monte Carlo iterations",
                              iterations);
            goto out;
        }
        for (int k = 0; k < sm->nslots; k++)
            memcpy(sm->qslot[k], ctx->q, (size_t)n * sizeof(double));
        cc->x = xcalloc((size_t)n, sizeof *cc->x);
        if (!cc->x) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for %d Monte Carlo iterations",
                              iterations);
            goto out;
        }
        cc->tol = ctx->opt.tol;
        cc->sys = sys;
        cc->stage = stage;
        cc->f = f;
        cc->vals = vals;
        cc->iterations = iterations;
        cc->stop = nchains == 2 ? &stop : NULL;
        cc->set_stop = c == 0;
        int h = (iterations + 1) / 2;
        cc->lo = nchains == 1 ? 0 : c == 0 ? 0 : h;
        cc->hi = nchains == 1 ? iterations : c == 0 ? h : iterations;
        sm->iterations = cc->hi - cc->lo;
        if (nchains == 1) {
            cc->am = &ctx->a;
            cc->solver = mcs;
        } else {            /* each chain a solver of its own, so that both chains start
                               alike whatever the context's solver did before */
            cc->a = ctx->a; /* the pattern, shared read only, with the chain's values */
            cc->a.val = sm->aval[0];
            cc->am = &cc->a;
            cc->need_own = 1;
            cc->own_kind = own_solver ? CALC_SOLVER_BLOCK_ITERATIVE : ctx->opt.solver;
        }
    }
    rc = calc_solver_solve(mcs, f, ch[0].x, err);
    if (rc != TJ_OK)
        goto out;
    if (nchains == 2) /* the second chain starts from the same solution */
        memcpy(ch[1].x, ch[0].x, (size_t)n * sizeof *ch[1].x);

    mc_sampler *sm0 = &ch[0].sm;
    if (sampler_thread) {
        if (pthread_mutex_init(&sm0->mu, NULL) == 0) {
            if (pthread_cond_init(&sm0->cv, NULL) == 0) {
                sync_init = 1;
                sm0->threaded = 1;
                if (pthread_create(&thread, NULL, sampler_main, sm0) == 0)
                    thread_started = 1;
                else
                    sm0->threaded = 0; /* fall back to drawing inline: same stream */
            } else {
                pthread_mutex_destroy(&sm0->mu);
            }
        }
    } else if (nchains == 2 && threads != 1) {
        if (pthread_create(&thread, NULL, chain_main, &ch[1]) == 0)
            chain_thread = 1; /* else the second chain runs after the first: same results */
    }
    chain_run(&ch[0]);
    if (thread_started) {
        sampler_stop(sm0, thread);
        thread_started = 0;
    }
    if (nchains == 2) {
        if (chain_thread) {
            pthread_join(thread, NULL);
            chain_thread = 0;
        } else if (ch[0].rc == TJ_OK) {
            chain_run(&ch[1]);
        }
    }
    a_touched = nchains == 1 && ch[0].a_touched; /* two chains leave the context's matrix alone */
    for (int c = 0; c < nchains; c++) {
        if (ch[c].rc != TJ_OK) { /* the first chain's error first: the same one on every run */
            rc = ch[c].rc;
            if (err)
                *err = ch[c].err;
            goto out;
        }
    }
    unc->iterations = iterations;
    unc->seed = seed;
    unc->solver = calc_solver_name(mcs);
    double *vt = vals, *vs = vals + iterations;
    calc_histogram_of(vt, iterations, &unc->total_hist);
    stats_of(vt, iterations, &unc->total);
    for (int k = 0; k < CALC_STAGE_COUNT; k++)
        stats_of(vs + (size_t)k * (size_t)iterations, iterations, &unc->stage[k]);
    rc = TJ_OK;
out:
    if (thread_started)
        sampler_stop(sm0, thread);
    if (chain_thread)
        pthread_join(thread, NULL);
    if (sync_init) {
        pthread_cond_destroy(&ch[0].sm.cv);
        pthread_mutex_destroy(&ch[0].sm.mu);
    }
    /* Restore the deterministic matrix, whose own array was never written
     * (and the factorisation: a separate Monte Carlo solver left the
     * context's untouched). */
    ctx->a.val = aorig;
    if (a_touched && !own_solver) {
        tj_error e2;
        tj_error_clear(&e2);
        tj_status rc2 = calc_solver_refactor(ctx->solver, &e2);
        if (rc2 != TJ_OK && rc == TJ_OK) {
            rc = rc2;
            if (err)
                *err = e2;
        }
    }
    if (rc == TJ_OK) {
        unc->seconds = now_seconds() - t0;
        free(res->uncertainty);
        res->uncertainty = unc;
        unc = NULL;
    }
    free(unc);
    for (int c = 0; c < 2; c++)
        chain_free(&ch[c]);
    mc_apply_free(&apa);
    mc_apply_free(&apb);
    calc_solver_free(own_solver);
    free(ia);
    free(ib);
    free(zt);
    free(lmed);
    free(lsig);
    free(f);
    free(stage);
    free(vals);
    return rc;
}

/* Synthetic LCA systems for tests and benchmarks; see calc/gen.h. */
#include "calc/gen.h"

#include <limits.h>
#include <stdio.h>

#include "calc/system.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Half-width of a sector (processes that mostly trade among themselves)
 * and the share of core inputs that cross sectors. */
#ifndef CALC_GEN_SECTOR
#define CALC_GEN_SECTOR 40
#endif
#ifndef CALC_GEN_CROSS
#define CALC_GEN_CROSS 0.05
#endif

void calc_gen_rng_seed(calc_gen_rng *r, uint64_t seed)
{
    calc_rng_seed(&r->r, seed);
    r->has_spare = 0;
}

uint64_t calc_gen_rng_next(calc_gen_rng *r)
{
    return calc_rng_next(&r->r);
}

double calc_gen_rng_uniform(calc_gen_rng *r)
{
    return calc_rng_uniform(&r->r);
}

double calc_gen_rng_normal(calc_gen_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, q;
    do {
        u = 2.0 * calc_gen_rng_uniform(r) - 1.0;
        v = 2.0 * calc_gen_rng_uniform(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * log(q) / q);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

void calc_gen_params_default(calc_gen_params *p)
{
    p->kind = CALC_GEN_LCA;
    p->n = 20000;
    p->inputs = 13;
    p->core = 3000;
    p->basic = 5000;
    p->core_colsum = 0.8;
    p->unit_cycles = 0;
    p->seed = 1;
}

const char *calc_gen_flow_name(int k)
{
    static const char *names[] = {"CO2", "CH4", "N2O"};
    return k >= 0 && k < 3 ? names[k] : "?";
}

void calc_gen_release(calc_gen_system *g)
{
    if (!g)
        return;
    free(g->tri);
    free(g->tci);
    free(g->tv);
    free(g->eri);
    free(g->eci);
    free(g->ev);
    memset(g, 0, sizeof *g);
}

/* Index in [lo, hi) skewed towards lo (hubs) with exponent e >= 1. */
static int skewed(calc_gen_rng *r, int lo, int hi, double e)
{
    double u = calc_gen_rng_uniform(r);
    int i = lo + (int)((hi - lo) * pow(u, e));
    return i < hi ? i : hi - 1;
}

tj_status calc_gen_generate(const calc_gen_params *p, calc_gen_system *g, tj_error *err)
{
    memset(g, 0, sizeof *g);
    int n = p->n;
    if (n < 1 || n > 50000000 || p->inputs < 0 || p->inputs > 1000 || p->core < 0 || p->basic < p->core ||
        p->basic > n || !(p->core_colsum > 0.2 && p->core_colsum < 1.0) || p->unit_cycles < 0 ||
        (p->unit_cycles > 0 && 2 * p->unit_cycles + 40 > p->core))
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "bad generator parameters");
    if ((size_t)n * (size_t)(2 * p->inputs + 2) + 16 > (size_t)INT_MAX)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "generated system too large");
    int core = p->core < 2 ? 0 : p->core;
    int hubs = core / 60 > 10 ? core / 60 : (core < 10 ? core : 10);
    size_t cap = (size_t)n * (size_t)(2 * p->inputs + 2) + 16;
    calc_gen_rng r;
    calc_gen_rng_seed(&r, p->seed);
    g->tri = malloc(cap * sizeof *g->tri);
    g->tci = malloc(cap * sizeof *g->tci);
    g->tv = malloc(cap * sizeof *g->tv);
    g->eri = malloc((size_t)n * 3 * sizeof *g->eri);
    g->eci = malloc((size_t)n * 3 * sizeof *g->eci);
    g->ev = malloc((size_t)n * 3 * sizeof *g->ev);
    double *w = malloc(((size_t)2 * p->inputs + 2) * sizeof *w);
    int *rows = malloc(((size_t)2 * p->inputs + 2) * sizeof *rows);
    double *scale = malloc((size_t)n * sizeof *scale);
    int *partner = malloc((size_t)n * sizeof *partner);
    if (!partner || !g->tri || !g->tci || !g->tv || !g->eri || !g->eci || !g->ev || !w || !rows || !scale) {
        free(w);
        free(rows);
        free(scale);
        free(partner);
        calc_gen_release(g);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory generating a system");
    }
    g->n = n;
    g->m = 3;
    /* Near-unit cycles (electricity trade between two grids, metal
     * recycling): pairs spread over the core, away from the hubs. */
    for (int j = 0; j < n; j++)
        partner[j] = -1;
    for (int t = 0; t < p->unit_cycles; t++) {
        int a = hubs + 10 + 2 * t * ((core - hubs - 20) / (2 * p->unit_cycles));
        partner[a] = a + 1;
        partner[a + 1] = a;
    }
    g->max_core_colsum = 0;

    /* A = R (I - Q) C: Q holds the input shares (columns sum to < 1), R
     * the product units (kg vs t vs g ...) and C the reference amounts (a
     * process per tonne, per kg ...), so values span orders of magnitude as
     * in real data while the system stays well posed. */
    for (int j = 0; j < n; j++) {
        double u = calc_gen_rng_uniform(&r);
        scale[j] = u < 0.05 ? 1000.0 : u < 0.10 ? 0.001 : 1.0; /* R */
    }
    for (int j = 0; j < n; j++) {
        double u = calc_gen_rng_uniform(&r);
        double c = u < 0.05 ? 1000.0 : u < 0.10 ? 0.001 : 1.0; /* C */
        g->tri[j] = j;
        g->tci[j] = j;
        g->tv[j] = scale[j] * c;
        g->ev[j] = c; /* borrowed until B is built */
    }
    int k = n;
    for (int j = 0; j < n; j++) {
        /* Number of inputs: inputs +- half, at least 1 where possible. */
        int nin = p->inputs / 2 + (int)(calc_gen_rng_uniform(&r) * (p->inputs + 1));
        int cnt = 0;
        for (int t = 0; t < nin; t++) {
            int i = -1;
            if (p->kind == CALC_GEN_RANDOM) {
                i = (int)(calc_gen_rng_uniform(&r) * n);
            } else if (j < core) {
                /* Core: half the inputs from the hubs (electricity, heat,
                 * transport markets), most others from the same sector
                 * (nearby indices), a few from anywhere in the core. */
                double u = calc_gen_rng_uniform(&r);
                if (u < 0.5)
                    i = skewed(&r, 0, hubs, 1.5);
                else if (u < 0.5 + CALC_GEN_CROSS)
                    i = skewed(&r, 0, core, 1.0);
                else
                    i = j - CALC_GEN_SECTOR + (int)(calc_gen_rng_uniform(&r) * (2 * CALC_GEN_SECTOR + 1));
                if (i < 0 || i >= core)
                    continue;
            } else if (j < p->basic) {
                /* Basic materials: from the core, or an earlier basic one. */
                double u = calc_gen_rng_uniform(&r);
                if (u < 0.4 || j == core)
                    i = skewed(&r, 0, hubs, 1.5);
                else if (u < 0.7)
                    i = skewed(&r, 0, core, 1.0);
                else
                    i = skewed(&r, core, j, 1.0);
            } else {
                double u = calc_gen_rng_uniform(&r);
                if (u < 0.2 && core > 0)
                    i = skewed(&r, 0, hubs, 1.5);
                else if (u < 0.3 && core > 0)
                    i = skewed(&r, 0, core, 1.0);
                else if (u < 0.6)
                    i = skewed(&r, core, p->basic, 1.5);
                else
                    i = skewed(&r, p->basic, j, 0.5); /* recent, nearby products */
            }
            if (i < 0 || i >= n || i == j)
                continue;
            rows[cnt] = i;
            w[cnt] = exp(1.5 * calc_gen_rng_normal(&r)); /* amounts spread widely */
            cnt++;
        }
        double sum = 0.0;
        for (int t = 0; t < cnt; t++)
            sum += w[t];
        /* Inputs of this column sum to 0.2 .. 0.8 of its output (core:
         * 0.2 .. core_colsum).  A cycle member takes 0.9995 from its partner
         * and 0.0004 from the rest. */
        double hi = j < core ? p->core_colsum : 0.8;
        double total = 0.2 + (hi - 0.2) * calc_gen_rng_uniform(&r);
        if (partner[j] >= 0) {
            total = cnt > 0 ? 0.0004 : 0.0;
            g->tri[k] = partner[j];
            g->tci[k] = j;
            g->tv[k] = -0.9995 * scale[partner[j]] * g->ev[j];
            k++;
        }
        if (j < core) {
            double cs = total + (partner[j] >= 0 ? 0.9995 : 0.0);
            if (cs > g->max_core_colsum)
                g->max_core_colsum = cs;
        }
        for (int t = 0; t < cnt; t++) {
            g->tri[k] = rows[t];
            g->tci[k] = j;
            g->tv[k] = -total * w[t] / sum * scale[rows[t]] * g->ev[j];
            k++;
        }
    }
    g->ntech = k;

    /* Keep C in scale[] now; B entries are per reference amount. */
    for (int j = 0; j < n; j++)
        scale[j] = g->ev[j];
    int e = 0;
    static const double share[3] = {0.9, 0.5, 0.3};
    static const double median[3] = {0.5, 2e-3, 5e-5};
    for (int j = 0; j < n; j++)
        for (int f = 0; f < 3; f++)
            if (calc_gen_rng_uniform(&r) < share[f]) {
                g->eri[e] = f;
                g->eci[e] = j;
                g->ev[e] = median[f] * exp(1.2 * calc_gen_rng_normal(&r)) * scale[j];
                e++;
            }
    g->nelem = e;
    free(w);
    free(rows);
    free(scale);
    free(partner);
    return TJ_OK;
}

calc_system *calc_gen_to_system(const calc_gen_system *g, double tech_gsd, double elem_gsd, tj_error *err)
{
    calc_system *sys = calc_system_new("generated (synthetic, not data)");
    if (!sys) {
        tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    char id[32];
    for (int j = 0; j < g->n; j++) {
        snprintf(id, sizeof id, "p%d", j);
        if (calc_system_add_process(sys, id, NULL, NULL, "kg", (calc_stage)(j % CALC_STAGE_COUNT), NULL) < 0)
            goto fail;
    }
    static const double cf[3] = {1, 29.8, 273}; /* AR6: CO2, CH4 fossil, N2O */
    for (int k = 0; k < g->m; k++) {
        calc_flow f = {.id = (char *)calc_gen_flow_name(k), .unit = "kg", .cf = cf[k % 3]};
        if (calc_system_add_flow(sys, &f) < 0)
            goto fail;
    }
    for (int t = 0; t < g->ntech; t++) {
        calc_dist d = {CALC_DIST_LOGNORMAL, g->tv[t], tech_gsd, 0};
        int plain = g->tri[t] == g->tci[t] || tech_gsd <= 1.0;
        if (calc_system_add_tech(sys, g->tri[t], g->tci[t], g->tv[t], plain ? NULL : &d, NULL))
            goto fail;
    }
    for (int t = 0; t < g->nelem; t++) {
        calc_dist d = {CALC_DIST_LOGNORMAL, g->ev[t], elem_gsd, 0};
        if (calc_system_add_elem(sys, g->eri[t], g->eci[t], g->ev[t], elem_gsd > 1.0 ? &d : NULL, NULL))
            goto fail;
    }
    return sys;
fail:
    if (err)
        *err = *calc_system_error(sys);
    calc_system_free(sys);
    return NULL;
}

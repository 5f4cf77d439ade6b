/*
 * bench_lca: end-to-end timings of the engine (calc/lca) on a generated
 * ecoinvent-like system (calc/gen.h): context set-up (assembly, analysis,
 * factorisation), one footprint with every detail (incl. the upstream tree,
 * which needs A^T u = q), and Monte Carlo iterations per second with every
 * entry of A and B uncertain (lognormal, gsd 1.1 on A's inputs, 1.2 on B).
 * Not a test: it prints figures.  Medians over --runs.
 *
 *   bench_lca [--n N] [--inputs K] [--mc ITER] [--runs R] [--seed S]
 *             [--solver auto|klu|iterative] [--variant lca|random] [--threads 0|1|2]
 *
 * --threads is calc_options.mc_threads (0 auto, 1 none, 2 a sampler thread).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "calc/gen.h"
#include "calc/lca.h"

static calc_system *build(const calc_gen_system *g)
{
    tj_error err;
    calc_system *sys = calc_gen_to_system(g, 1.1, 1.2, &err);
    if (!sys)
        fprintf(stderr, "bench_lca: %s\n", err.message);
    return sys;
}

int main(int argc, char **argv)
{
    calc_gen_params p;
    calc_gen_params_default(&p);
    int runs = 3, mc = 40;
    calc_solver_kind kind = CALC_SOLVER_AUTO;
    int threads = 0;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "--n"))
            p.n = atoi(v);
        else if (!strcmp(a, "--inputs"))
            p.inputs = atoi(v);
        else if (!strcmp(a, "--mc"))
            mc = atoi(v);
        else if (!strcmp(a, "--runs"))
            runs = atoi(v);
        else if (!strcmp(a, "--seed"))
            p.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--solver"))
            kind = !strcmp(v, "klu")         ? CALC_SOLVER_KLU
                   : !strcmp(v, "iterative") ? CALC_SOLVER_ITERATIVE
                                             : CALC_SOLVER_AUTO;
        else if (!strcmp(a, "--threads"))
            threads = atoi(v);
        else if (!strcmp(a, "--variant"))
            p.kind = !strcmp(v, "random") ? CALC_GEN_RANDOM : CALC_GEN_LCA;
        else
            goto usage;
    }
    if (p.n < 10 || runs < 1 || mc < 2)
        goto usage;
    if (p.core > p.n / 2)
        p.core = p.n / 2;
    if (p.basic > p.n)
        p.basic = p.n;

    calc_gen_system g;
    tj_error err;
    tj_error_clear(&err);
    if (calc_gen_generate(&p, &g, &err) != TJ_OK) {
        fprintf(stderr, "bench_lca: %s\n", err.message);
        return 1;
    }
    calc_system *sys = build(&g);
    calc_gen_release(&g);
    if (!sys)
        return 1;
    printf("system: %d processes, %d technology entries, %d elementary entries (%s)\n", sys->n, sys->ntech,
           sys->nelem, p.kind == CALC_GEN_RANDOM ? "random" : "lca");

    double *setup = calloc((size_t)runs, sizeof *setup);
    double *fp = calloc((size_t)runs, sizeof *fp);
    double *rate = calloc((size_t)runs, sizeof *rate);
    calc_options o;
    calc_options_init(&o);
    o.solver = kind;
    o.mc_threads = threads;
    for (int r = 0; r < runs; r++) {
        calc_context *ctx = NULL;
        calc_result *res = NULL;
        double t0 = now();
        if (calc_context_new(sys, &o, &ctx, &err) != TJ_OK) {
            fprintf(stderr, "bench_lca: %s\n", err.message);
            return 1;
        }
        double t1 = now();
        if (calc_context_footprint(ctx, sys->n - 1, 1, CALC_DETAIL_ALL, &res, &err) != TJ_OK) {
            fprintf(stderr, "bench_lca: %s\n", err.message);
            return 1;
        }
        double t2 = now();
        if (calc_context_monte_carlo(ctx, res, mc, (uint64_t)r + 1, &err) != TJ_OK) {
            fprintf(stderr, "bench_lca: %s\n", err.message);
            return 1;
        }
        double t3 = now();
        setup[r] = t1 - t0;
        fp[r] = t2 - t1;
        rate[r] = mc / (t3 - t2);
        if (r == 0)
            printf("solver: %s (%s)\ntotal %.6g kg CO2e; MC mean %.6g, sd %.4g, 95%% [%.6g, "
                   "%.6g]; %d path nodes\n",
                   res->solver, res->solver_reason, res->total, res->uncertainty->total.mean,
                   res->uncertainty->total.sd, res->uncertainty->total.p2_5, res->uncertainty->total.p97_5,
                   res->npath);
        calc_result_free(res);
        calc_context_free(ctx);
    }
    printf("RESULT n=%d threads=%d setup_s=%.4f footprint_all_s=%.4f mc_iter_per_s=%.1f (median "
           "of %d, %d iterations each)\n",
           sys->n, threads, median(setup, runs), median(fp, runs), median(rate, runs), runs, mc);
    free(setup);
    free(fp);
    free(rate);
    calc_system_free(sys);
    return 0;
usage:
    fprintf(stderr, "usage: bench_lca [--n N] [--inputs K] [--mc ITER] [--runs R] [--seed S]\n"
                    "                 [--solver auto|klu|iterative] [--variant lca|random]\n"
                    "                 [--threads 0|1|2]\n");
    return 2;
}

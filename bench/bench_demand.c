/*
 * bench_demand: the cost of further demands and of a Monte Carlo-like
 * sequence of refactor + solve on one generated system, made to be run under
 * `valgrind --tool=callgrind` (instruction counts are steady on a shared
 * machine) or timed by per-thread CPU time.
 *
 *   bench_demand [--variant lca|core50|nearunit|ecoinvent] [--solver auto|block-iterative|iterative|klu]
 *                [--demands K] [--draws D] [--seed S] [--setups S] [--vary 0|1]
 *
 * One first solve, then K further demands (f1 and f2 alternating, each
 * warm-started from the previous x as the engine does), K transposed solves,
 * then D draws (lognormal noise with log-sd 0.1 on every off-diagonal entry,
 * refactor, solve from the previous x).  Prints the CPU time per step
 * (CLOCK_THREAD_CPUTIME_ID), the mean iterations per solve and the largest
 * residual, so a change of Krylov method can be compared step by step.
 * --vary 1: each further demand is one unit of another product (spread
 * over the system) instead of f1 and f2.  --setups S: S more setups on the
 * same matrix, the least CPU time of one printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calc/gen.h"
#include "calc/solver.h"
#include "calc/sparse.h"

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One streaming read of A's three arrays (as bench_solver), the least CPU
 * time of 21: the physical limit a further demand is compared with. */
static double stream_read_min(const calc_csc *a)
{
    int n = a->ncols, nnz = a->colptr[n];
    volatile double sink = 0;
    double best = INFINITY;
    for (int r = 0; r < 21; r++) {
        double t0 = cpu(), sv = 0;
        long si = 0;
        for (int j = 0; j <= n; j++)
            si += a->colptr[j];
        for (int p = 0; p < nnz; p++)
            si += a->rowind[p];
        for (int p = 0; p < nnz; p++)
            sv += a->val[p];
        sink = sink + sv + (double)si;
        best = fmin(best, cpu() - t0);
    }
    (void)sink;
    return best;
}

int main(int argc, char **argv)
{
    const char *variant = "lca", *solver = "auto";
    int demands = 50, draws = 50, setups = 0, vary = 0;
    calc_gen_params p;
    calc_gen_params_default(&p);
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) {
            fprintf(stderr, "usage: %s [--variant V] [--solver S] [--demands K] [--draws D] [--seed S] [--setups S] [--vary 0|1]\n",
                    argv[0]);
            return 2;
        }
        if (!strcmp(argv[i], "--variant"))
            variant = argv[++i];
        else if (!strcmp(argv[i], "--solver"))
            solver = argv[++i];
        else if (!strcmp(argv[i], "--demands"))
            demands = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--draws"))
            draws = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--setups"))
            setups = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--vary"))
            vary = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed"))
            p.seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    /* the variants of bench_solver.c */
    p.kind = CALC_GEN_LCA;
    p.n = 20000, p.inputs = 13, p.core = 3000, p.basic = 5000, p.core_colsum = 0.8, p.unit_cycles = 0;
    if (!strcmp(variant, "core50"))
        p.core = 10000, p.basic = 12000;
    else if (!strcmp(variant, "nearunit"))
        p.core_colsum = 0.98, p.unit_cycles = 5;
    else if (!strcmp(variant, "ecoinvent"))
        p.n = 21000, p.inputs = 17, p.core = 3150, p.basic = 5250;
    else if (strcmp(variant, "lca")) {
        fprintf(stderr, "unknown variant %s\n", variant);
        return 2;
    }
    calc_solver_kind kind = !strcmp(solver, "klu")               ? CALC_SOLVER_KLU
                            : !strcmp(solver, "iterative")       ? CALC_SOLVER_ITERATIVE
                            : !strcmp(solver, "block-iterative") ? CALC_SOLVER_BLOCK_ITERATIVE
                            : !strcmp(solver, "block-klu")       ? CALC_SOLVER_BLOCK_KLU
                                                                 : CALC_SOLVER_AUTO;
    tj_error err;
    calc_gen_system g;
    calc_csc a;
    if (calc_gen_generate(&p, &g, &err) != TJ_OK) {
        fprintf(stderr, "generate: %s\n", err.message);
        return 1;
    }
    int n = g.n;
    int *map = malloc(sizeof(int) * (size_t)g.ntech);
    double *base = malloc(sizeof(double) * (size_t)g.ntech);
    double *f1 = calloc((size_t)n, sizeof(double)), *f2 = calloc((size_t)n, sizeof(double));
    double *c = calloc((size_t)n, sizeof(double)), *x = calloc((size_t)n, sizeof(double));
    double *u = calloc((size_t)n, sizeof(double));
    if (!map || !base || !f1 || !f2 || !c || !x || !u ||
        calc_csc_from_triplets(n, n, g.ntech, g.tri, g.tci, g.tv, &a, map, &err) != TJ_OK) {
        fprintf(stderr, "assemble failed\n");
        return 1;
    }
    memcpy(base, a.val, sizeof(double) * (size_t)a.colptr[n]);
    f1[n - 1] = 1.0;
    for (int k = 0; k < 10; k++)
        f2[n - 1 - (k * 997) % n] += 1.0 + k;
    for (int k = 0; k < g.nelem; k++)
        c[g.eci[k]] += g.ev[k];

    calc_solver *s = NULL;
    double t0 = cpu();
    if (calc_solver_new(&a, kind, 1e-9, &s, NULL, &err) != TJ_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        return 1;
    }
    double tsetup = cpu() - t0;
    int setup_its = calc_solver_setup_iterations(s);
    if (setups > 0) {
        double best = INFINITY;
        for (int k = 0; k < setups; k++) {
            calc_solver *s2 = NULL;
            double t2 = cpu();
            if (calc_solver_new(&a, kind, 1e-9, &s2, NULL, &err) != TJ_OK)
                return 1;
            best = fmin(best, cpu() - t2);
            calc_solver_free(s2);
        }
        printf("setup least CPU time %.3f ms of %d\n", 1e3 * best, setups);
    }
    t0 = cpu();
    if (calc_solver_solve(s, f1, x, &err) != TJ_OK) {
        fprintf(stderr, "solve: %s\n", err.message);
        return 1;
    }
    double tfirst = cpu() - t0, worst = calc_solver_last_residual(s);
    long its = 0;
    double fdmin = INFINITY;
    t0 = cpu();
    for (int k = 0; k < demands; k++) {
        double *fk = k % 2 ? f1 : f2;
        int pk = -1;
        if (vary) {
            pk = (int)(((long)k * 7919 + 13) % n);
            fk = u;
            memset(u, 0, sizeof(double) * (size_t)n);
            u[pk] = 1.0;
        }
        double t1 = cpu();
        tj_status frc = calc_solver_solve(s, fk, x, &err);
        fdmin = fmin(fdmin, cpu() - t1);
        if (frc != TJ_OK) {
            fprintf(stderr, "further demand %d: %s\n", k, err.message);
            return 1;
        }
        its += calc_solver_last_iterations(s);
        worst = fmax(worst, calc_solver_last_residual(s));
    }
    double tfd = cpu() - t0;
    long tits = 0;
    t0 = cpu();
    for (int k = 0; k < demands; k++) {
        if (calc_solver_solve_transpose(s, c, u, &err) != TJ_OK) {
            fprintf(stderr, "transposed solve %d: %s\n", k, err.message);
            return 1;
        }
        tits += calc_solver_last_iterations(s);
        worst = fmax(worst, calc_solver_last_residual(s));
        memset(u, 0, sizeof(double) * (size_t)n); /* a new upstream question each time */
    }
    double ttr = cpu() - t0;
    calc_gen_rng rng;
    calc_gen_rng_seed(&rng, 42);
    long mits = 0;
    double tmc = 0;
    int refused = 0;
    for (int d = 0; d < draws; d++) {
        for (int j = 0; j < n; j++)
            for (int q = a.colptr[j]; q < a.colptr[j + 1]; q++)
                a.val[q] = a.rowind[q] == j ? base[q] : base[q] * exp(0.1 * calc_gen_rng_normal(&rng));
        t0 = cpu();
        tj_status rc = calc_solver_refactor(s, &err);
        if (rc == TJ_OK)
            rc = calc_solver_solve(s, f1, x, &err);
        tmc += cpu() - t0;
        if (rc != TJ_OK) {
            refused++;
            memset(x, 0, sizeof(double) * (size_t)n);
            continue;
        }
        mits += calc_solver_last_iterations(s);
        worst = fmax(worst, calc_solver_last_residual(s));
    }
    printf("%s / %s (%s): setup %.3f ms (%d Krylov steps proving loop gains), first solve %.3f ms, further demand %.3f ms (%.1f it), transposed "
           "%.3f ms (%.1f it), refactor + solve %.3f ms (%.1f it, %d refused), worst residual %.3g (CPU time "
           "per step)\n",
           variant, solver, calc_solver_name(s), 1e3 * tsetup, setup_its, 1e3 * tfirst,
           demands ? 1e3 * tfd / demands : 0, demands ? (double)its / demands : 0,
           demands ? 1e3 * ttr / demands : 0, demands ? (double)tits / demands : 0,
           draws ? 1e3 * tmc / draws : 0, draws - refused ? (double)mits / (draws - refused) : 0, refused, worst);
    if (demands) {
        double sr = stream_read_min(&a);
        printf("further demand least CPU time %.3f ms = %.2fx the least CPU time of one streaming read of A "
               "(%.3f ms)\n",
               1e3 * fdmin, fdmin / sr, 1e3 * sr);
    }
    calc_solver_free(s);
    calc_csc_release(&a);
    calc_gen_release(&g);
    free(map), free(base), free(f1), free(f2), free(c), free(x), free(u);
    return worst <= 1e-9 ? 0 : 1;
}

/*
 * bench_solver: timings of the sparse solvers on generated ecoinvent-like
 * systems (see calc/gen.h).  Not a test: it prints figures.
 *
 *   bench_solver [--n N] [--runs R] [--mc ITER] [--mc-budget S] [--skip-gflop G] [--seed S] [--out DIR]
 *                [--mc-chains 0|1|2] [--mc-threads 0|1|2]   (the engine's Monte Carlo options; 0 = auto)
 *                [--variant lca|core50|nearunit|ecoinvent|random|all] [--solver klu|iterative|auto|lca-auto|all]
 *
 * For each variant it writes the matrix (Matrix Market, A.mtx) and the
 * right-hand sides (rhs.txt: f1 f2 c per row) to DIR/<variant>/ so that
 * bench/scipy_baseline.py solves the very same systems.  Each (variant,
 * solver) runs in a child process so that its peak memory (ru_maxrss) is its
 * own.  "lca-auto" times one complete footprint (calc_context_new +
 * calc_context_footprint with CALC_DETAIL_ALL) and calc_context_monte_carlo
 * on the same system.  Lines starting with "RESULT" are for
 * bench/run_solver_bench.sh.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "calc/gen.h"
#include "calc/lca.h"
#include "calc/solver.h"
#include "calc/sparse.h"

/* User + system CPU seconds of the process or (RUSAGE_THREAD) this thread. */
static double cpu_seconds(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)ru.ru_stime.tv_usec;
}

#define MC_SIGMA 0.1 /* lognormal noise (log-space sd) on A's off-diagonal entries */
#define MC_BATCHES 5
#define MC_GSD 1.1051709180756477 /* exp(MC_SIGMA): the same noise as a lognormal distribution */

typedef struct bench {
    const char *variant;
    calc_gen_system g;
    calc_csc a;
    int *map;
    double *f1, *f2, *c, *x;
    double *base; /* A's triplet values */
    double klu_fill, klu_mflop;
    double stream_s; /* one streaming read of A's three arrays */
} bench;

/* The physical limit of a solve: read A's arrays (colptr, rowind, val) once,
 * as a sum, so the compiler cannot drop the reads.  Median of 21. */
static double stream_read(const calc_csc *a)
{
    int n = a->ncols, nnz = a->colptr[n];
    double t[21];
    volatile double sink = 0;
    for (int r = 0; r < 21; r++) {
        double t0 = now();
        double sv = 0;
        long si = 0;
        for (int j = 0; j <= n; j++)
            si += a->colptr[j];
        for (int p = 0; p < nnz; p++)
            si += a->rowind[p];
        for (int p = 0; p < nnz; p++)
            sv += a->val[p];
        sink = sink + sv + (double)si;
        t[r] = now() - t0;
    }
    (void)sink;
    return median(t, 21);
}

static int write_files(const bench *b, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, b->variant);
    if (mkdir(dir, 0755) && errno != EEXIST)
        return -1;
    if (mkdir(path, 0755) && errno != EEXIST)
        return -1;
    snprintf(path, sizeof path, "%s/%s/A.mtx", dir, b->variant);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int n = b->a.ncols;
    fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", n, n, b->a.colptr[n]);
    for (int j = 0; j < n; j++)
        for (int p = b->a.colptr[j]; p < b->a.colptr[j + 1]; p++)
            fprintf(f, "%d %d %.17g\n", b->a.rowind[p] + 1, j + 1, b->a.val[p]);
    if (fclose(f))
        return -1;
    snprintf(path, sizeof path, "%s/%s/rhs.txt", dir, b->variant);
    f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 0; i < n; i++)
        fprintf(f, "%.17g %.17g %.17g\n", b->f1[i], b->f2[i], b->c[i]);
    return fclose(f) ? -1 : 0;
}

static int setup(bench *b, const calc_gen_params *p)
{
    tj_error err;
    memset(&b->a, 0, sizeof b->a);
    double t0 = now();
    if (calc_gen_generate(p, &b->g, &err) != TJ_OK) {
        fprintf(stderr, "generate: %s\n", err.message);
        return -1;
    }
    int n = b->g.n;
    b->map = malloc(sizeof(int) * (size_t)b->g.ntech);
    b->base = malloc(sizeof(double) * (size_t)b->g.ntech);
    b->f1 = calloc((size_t)n, sizeof(double));
    b->f2 = calloc((size_t)n, sizeof(double));
    b->c = calloc((size_t)n, sizeof(double));
    b->x = calloc((size_t)n, sizeof(double));
    if (!b->map || !b->base || !b->f1 || !b->f2 || !b->c || !b->x)
        return -1;
    memcpy(b->base, b->g.tv, sizeof(double) * (size_t)b->g.ntech);
    if (calc_csc_from_triplets(n, n, b->g.ntech, b->g.tri, b->g.tci, b->g.tv, &b->a, b->map, &err) != TJ_OK) {
        fprintf(stderr, "assemble: %s\n", err.message);
        return -1;
    }
    double tgen = now() - t0;
    /* f1: one unit of the last (most downstream) product; f2: a basket of
     * ten products; c: direct GWP intensity per process, c = B^T cf. */
    b->f1[n - 1] = 1.0;
    for (int k = 0; k < 10; k++)
        b->f2[n - 1 - (k * 997) % n] += 1.0 + k;
    static const double cf[3] = {1.0, 27.0, 273.0}; /* CO2, CH4 fossil, N2O (AR6 GWP100) */
    for (int e = 0; e < b->g.nelem; e++)
        b->c[b->g.eci[e]] += cf[b->g.eri[e]] * b->g.ev[e];
    int largest = 0;
    int *comp = malloc(sizeof(int) * (size_t)n), *csize = calloc((size_t)n, sizeof(int));
    if (!comp || !csize)
        return -1;
    int ncomp = calc_csc_scc(&b->a, comp, &largest);
    for (int j = 0; j < n; j++)
        csize[comp[j]]++;
    int incore = 0, core_nnz = 0;
    for (int j = 0; j < n; j++)
        if (csize[comp[j]] > 1) {
            incore++;
            for (int q = b->a.colptr[j]; q < b->a.colptr[j + 1]; q++)
                core_nnz += comp[b->a.rowind[q]] == comp[j];
        }
    free(comp);
    free(csize);
    b->stream_s = stream_read(&b->a);
    printf("system %s: %d processes, nnz(A) = %d (%d triplets), nnz(B) = %d, "
           "%d strongly connected components, largest (the core) %d; %d processes in loops with "
           "%d non-zeros; largest column sum in the core %.4f; generated in %.3f s\n",
           b->variant, n, b->a.colptr[n], b->g.ntech, b->g.nelem, ncomp, largest, incore, core_nnz,
           b->g.max_core_colsum, tgen);
    printf("stream read of A (colptr, rowind, val: %.2f MB): %.6f s (median of 21)\n",
           (4.0 * (n + 1) + 12.0 * b->a.colptr[n]) / 1e6, b->stream_s);
    printf("RESULT %s system nnz %d\nRESULT %s system largest_scc %d\n", b->variant, b->a.colptr[n],
           b->variant, largest);
    printf("RESULT %s system in_loops %d\nRESULT %s system core_nnz %d\n", b->variant, incore, b->variant,
           core_nnz);
    printf("RESULT %s system max_core_colsum %.6g\nRESULT %s system stream_read_s %.6g\n", b->variant,
           b->g.max_core_colsum, b->variant, b->stream_s);
    if (calc_solver_klu_predict(&b->a, &b->klu_fill, &b->klu_mflop, NULL, &err) == TJ_OK)
        printf("KLU prediction (BTF + AMD): %.0f entries in L + U (%.1fx nnz), %.0f Mflop\n", b->klu_fill,
               b->klu_fill / b->a.colptr[n], b->klu_mflop);
    return 0;
}

static void release(bench *b)
{
    calc_gen_release(&b->g);
    calc_csc_release(&b->a);
    free(b->map);
    free(b->base);
    free(b->f1);
    free(b->f2);
    free(b->c);
    free(b->x);
}

/* Re-assemble A's values with lognormal noise on the off-diagonal entries. */
static void perturb(bench *b, calc_gen_rng *r)
{
    double *val = b->a.val;
    memset(val, 0, sizeof(double) * (size_t)b->a.colptr[b->a.ncols]);
    for (int k = 0; k < b->g.ntech; k++) {
        double v = b->base[k];
        if (b->g.tri[k] != b->g.tci[k])
            v *= exp(MC_SIGMA * calc_gen_rng_normal(r));
        val[b->map[k]] += v;
    }
}

static void restore(bench *b)
{
    double *val = b->a.val;
    memset(val, 0, sizeof(double) * (size_t)b->a.colptr[b->a.ncols]);
    for (int k = 0; k < b->g.ntech; k++)
        val[b->map[k]] += b->base[k];
}

#define REPORT(metric, value, unit)                                                                          \
    do {                                                                                                     \
        printf("  %-28s %12.4f %s\n", metric, value, unit);                                                  \
        printf("RESULT %s %s %s %.6g\n", b->variant, sname, metric, value);                                  \
    } while (0)

static double mc_budget = 60.0; /* seconds of Monte Carlo per solver at most */
static double skip_mflop = 20000.0; /* KLU-based solvers above this predicted cost are skipped */
static int mc_chains = 0, mc_threads = 0; /* calc_options for the engine's Monte Carlo (0: auto) */

static int run_solver(bench *b, calc_solver_kind kind, const char *sname, int runs, int mc)
{
    tj_error err;
    int n = b->a.ncols;
    double *t_setup = calloc((size_t)runs, sizeof(double));
    double *t_solve = calloc((size_t)runs, sizeof(double));
    double *t_further = calloc((size_t)runs, sizeof(double));
    double *t_trans = calloc((size_t)runs, sizeof(double));
    double *rates = calloc(MC_BATCHES, sizeof(double));
    double *wrates = calloc(MC_BATCHES, sizeof(double));
    calc_solver *s = NULL;
    int rc = -1;
    if (!t_setup || !t_solve || !t_further || !t_trans || !rates || !wrates)
        goto out;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        if (calc_solver_new(&b->a, kind, 1e-9, &s, NULL, &err) != TJ_OK) {
            printf("%s / %s: refused (setup): %s\nRESULT %s %s refused 1\n", b->variant, sname, err.message, b->variant, sname);
            rc = 0;
            goto out;
        }
        t_setup[r] = now() - t0;
        memset(b->x, 0, sizeof(double) * (size_t)n);
        t0 = now();
        if (calc_solver_solve(s, b->f1, b->x, &err) != TJ_OK) {
            printf("%s / %s: refused (solve): %s\nRESULT %s %s refused 1\n", b->variant, sname, err.message, b->variant, sname);
            rc = 0;
            goto out;
        }
        t_solve[r] = now() - t0;
        t0 = now();
        if (calc_solver_solve(s, b->f2, b->x, &err) != TJ_OK) {
            printf("%s / %s: refused (further solve): %s\nRESULT %s %s refused 1\n", b->variant, sname, err.message, b->variant, sname);
            rc = 0;
            goto out;
        }
        t_further[r] = now() - t0;
        memset(b->x, 0, sizeof(double) * (size_t)n);
        t0 = now();
        if (calc_solver_solve_transpose(s, b->c, b->x, &err) != TJ_OK) {
            printf("%s / %s: refused (transpose solve): %s\nRESULT %s %s refused 1\n", b->variant, sname, err.message, b->variant, sname);
            rc = 0;
            goto out;
        }
        t_trans[r] = now() - t0;
        if (r < runs - 1) {
            calc_solver_free(s);
            s = NULL;
        }
    }
    printf("%s / %s: %s\n", b->variant, calc_solver_name(s), calc_solver_reason(s));
    printf("RESULT %s %s chosen %s\n", b->variant, sname, calc_solver_name(s));
    double ts = median(t_setup, runs), t1 = median(t_solve, runs);
    REPORT("setup_s", ts, "s (analysis + factorisation)");
    REPORT("solve_s", t1, "s (one demand)");
    REPORT("setup_plus_solve_s", ts + t1, "s");
    double tfd = median(t_further, runs);
    REPORT("further_demand_s", tfd, "s (new demand, same factors)");
    REPORT("further_over_stream", tfd / b->stream_s, "x the streaming read of A");
    REPORT("transpose_solve_s", median(t_trans, runs), "s");
    REPORT("residual", calc_solver_last_residual(s), "(last transpose solve)");
    printf("RESULT %s %s converged 1\n", b->variant, sname);

    /* Monte Carlo: perturb, refactor, solve; warm start from the last x. */
    if (mc > 0) {
        calc_gen_rng rng;
        calc_gen_rng_seed(&rng, 42);
        int per = (mc + MC_BATCHES - 1) / MC_BATCHES, done = 0, nb = 0;
        long iters = 0;
        double tperturb = 0;
        memset(b->x, 0, sizeof(double) * (size_t)n);
        double tend = now() + mc_budget;
        while (done < mc && now() < tend) {
            int cnt = mc - done < per ? mc - done : per;
            double t0 = now(), tp = 0;
            for (int i = 0; i < cnt; i++) {
                if (i > 0 && now() > tend) {
                    cnt = i; /* out of time: a shorter last batch */
                    break;
                }
                double tq = now();
                perturb(b, &rng);
                tp += now() - tq;
                if (calc_solver_refactor(s, &err) != TJ_OK ||
                    calc_solver_solve(s, b->f1, b->x, &err) != TJ_OK) {
                    printf("  Monte Carlo refused at draw %d: %s\n", done + i + 1, err.message);
                    printf("RESULT %s %s mc_refused 1\n", b->variant, sname);
                    restore(b);
                    rc = 0;
                    goto out;
                }
                iters += calc_solver_last_iterations(s);
            }
            double dt = now() - t0 - tp; /* exclude drawing the noise */
            tperturb += tp;
            wrates[nb] = cnt / (now() - t0);
            rates[nb++] = cnt / dt;
            done += cnt;
        }
        restore(b);
        REPORT("mc_iterations_per_s", median(rates, nb), "refactor + solve per second");
        REPORT("mc_whole_per_s", median(wrates, nb), "draws/s incl. the bench's own noise drawing");
        REPORT("mc_draws_timed", (double)done, "draws (stops after the time budget)");
        REPORT("mc_draw_s", tperturb / mc, "s per draw of A's noise (not counted above)");
        if (kind != CALC_SOLVER_KLU && strcmp(calc_solver_name(s), "klu") != 0)
            printf("  (mean %.1f Krylov steps per Monte Carlo solve)\n", (double)iters / done);
    }
    rc = 0;
out:
    calc_solver_free(s);
    free(t_setup);
    free(t_solve);
    free(t_further);
    free(t_trans);
    free(rates);
    free(wrates);
    return rc;
}

/* The generated system as a calc_system: process j is "p<j>", flows are
 * CO2, CH4 and N2O (fossil, AR6 GWP100), every off-diagonal technology entry
 * and every elementary entry carries a lognormal distribution. */
static calc_system *to_system(const bench *b)
{
    calc_system *sys = calc_system_new(b->variant);
    if (!sys)
        return NULL;
    char id[32];
    for (int j = 0; j < b->g.n; j++) {
        snprintf(id, sizeof id, "p%d", j);
        calc_stage st = j < b->g.n / 4 ? CALC_STAGE_RAW_MATERIALS : CALC_STAGE_PRODUCTION;
        if (calc_system_add_process(sys, id, id, id, "kg", st, NULL) != j)
            goto fail;
    }
    for (int k = 0; k < b->g.m; k++) {
        calc_flow f = {0};
        f.id = (char *)calc_gen_flow_name(k);
        f.name = f.id;
        f.unit = "kg";
        f.gas = tj_gas_find(f.id);
        if (!f.gas)
            goto fail;
        f.channel = CALC_CH_FOSSIL;
        f.cf = tj_gas_gwp(f.gas, TJ_GWP_AR6, 0);
        if (calc_system_add_flow(sys, &f) != k)
            goto fail;
    }
    for (int k = 0; k < b->g.ntech; k++) {
        calc_dist d = {CALC_DIST_NONE, 0, 0, 0};
        if (b->g.tri[k] != b->g.tci[k])
            d = (calc_dist){CALC_DIST_LOGNORMAL, b->g.tv[k], MC_GSD, 0};
        if (calc_system_add_tech(sys, b->g.tri[k], b->g.tci[k], b->g.tv[k], &d, NULL) != TJ_OK)
            goto fail;
    }
    for (int k = 0; k < b->g.nelem; k++) {
        calc_dist d = {CALC_DIST_LOGNORMAL, b->g.ev[k], MC_GSD, 0};
        if (calc_system_add_elem(sys, b->g.eri[k], b->g.eci[k], b->g.ev[k], &d, NULL) != TJ_OK)
            goto fail;
    }
    return sys;
fail:
    calc_system_free(sys);
    return NULL;
}

/* One complete footprint with every detail, and Monte Carlo, through
 * calc/lca (the engine the CLI uses). */
static int run_footprint(bench *b, calc_solver_kind kind, const char *sname, int runs, int mc)
{
    tj_error err;
    int rc = -1;
    calc_context *ctx = NULL;
    calc_result *res = NULL;
    double *t_new = calloc((size_t)runs, sizeof(double));
    double *t_fp = calloc((size_t)runs, sizeof(double));
    double t0 = now();
    calc_system *sys = to_system(b);
    double t_sys = now() - t0;
    if (!sys || !t_new || !t_fp) {
        fprintf(stderr, "%s: cannot build the calc_system\n", b->variant);
        goto out;
    }
    calc_options opt;
    calc_options_init(&opt);
    opt.solver = kind;
    opt.mc_chains = mc_chains;
    opt.mc_threads = mc_threads;
    for (int r = 0; r < runs; r++) {
        t0 = now();
        if (calc_context_new(sys, &opt, &ctx, &err) != TJ_OK) {
            fprintf(stderr, "%s/%s: context: %s\n", b->variant, sname, err.message);
            goto out;
        }
        t_new[r] = now() - t0;
        t0 = now();
        if (calc_context_footprint(ctx, b->g.n - 1, 1.0, CALC_DETAIL_ALL, &res, &err) != TJ_OK) {
            fprintf(stderr, "%s/%s: footprint: %s\n", b->variant, sname, err.message);
            goto out;
        }
        t_fp[r] = now() - t0;
        if (r < runs - 1) {
            calc_result_free(res);
            res = NULL;
            calc_context_free(ctx);
            ctx = NULL;
        }
    }
    printf("%s / footprint with %s: total %.6g kg CO2e, %d contributing processes, %d path "
           "nodes, %d gases (system built in %.3f s)\n",
           b->variant, res->solver, res->total, res->nproc, res->npath, res->ngas, t_sys);
    printf("RESULT %s %s chosen %s\n", b->variant, sname, res->solver);
    double tn = median(t_new, runs), tf = median(t_fp, runs);
    REPORT("context_new_s", tn, "s (assemble A and B, factorise)");
    REPORT("footprint_all_s", tf, "s (one footprint, CALC_DETAIL_ALL)");
    REPORT("context_plus_footprint_s", tn + tf, "s");
    /* A further demand: another product's footprint (totals), same context. */
    for (int r = 0; r < runs; r++) {
        calc_result *r2 = NULL;
        t0 = now();
        if (calc_context_footprint(ctx, b->g.n - 2 - r, 1.0, CALC_DETAIL_TOTALS, &r2, &err) != TJ_OK) {
            printf("%s / %s: refused (further footprint): %s\n", b->variant, sname, err.message);
            goto out;
        }
        t_fp[r] = now() - t0;
        calc_result_free(r2);
    }
    REPORT("footprint_further_s", median(t_fp, runs), "s (another product, totals, same context)");
    /* Every product's row at once (what `tanji calc --all` does), with the
     * upstream solve it reuses recomputed each run. */
    {
        int nexact = 0;
        for (int r = 0; r < runs; r++) {
            calc_unit_rows ur;
            calc_context_free(ctx);
            ctx = NULL;
            if (calc_context_new(sys, &opt, &ctx, &err) != TJ_OK) {
                fprintf(stderr, "%s/%s: context: %s\n", b->variant, sname, err.message);
                goto out;
            }
            t0 = now();
            if (calc_context_unit_rows(ctx, &ur, &err) != TJ_OK) {
                printf("%s / %s: refused (all rows): %s\n", b->variant, sname, err.message);
                goto out;
            }
            t_fp[r] = now() - t0;
            nexact = 0;
            for (int j = 0; j < ur.n; j++)
                nexact += ur.exact[j];
            calc_unit_rows_free(&ur);
        }
        REPORT("all_rows_s", median(t_fp, runs), "s (every product's row by transposed solves)");
        REPORT("all_rows_exact", (double)nexact,
               "products from the transposed solves (the rest by their own solve)");
    }
    if (mc > 0) {
        double rate[3], cpu_main[3], cpu_all[3];
        int mruns = runs < 3 ? runs : 3;
        for (int r = 0; r < mruns; r++) {
            /* CPU time of the main thread (refactor, solve, statistics) and of
             * the whole process (plus the sampler thread): on a shared machine
             * the wall rate says more about the load than about the code. */
            double m0 = cpu_seconds(RUSAGE_THREAD), a0 = cpu_seconds(RUSAGE_SELF);
            tj_status mrc = calc_context_monte_carlo(ctx, res, mc, 42 + (uint64_t)r, &err);
            cpu_main[r] = (cpu_seconds(RUSAGE_THREAD) - m0) / mc;
            cpu_all[r] = (cpu_seconds(RUSAGE_SELF) - a0) / mc;
            if (mrc != TJ_OK) {
                printf("  engine Monte Carlo refused: %s\n", err.message);
                printf("RESULT %s %s mc_refused 1\n", b->variant, sname);
                rc = 0;
                goto out;
            }
            rate[r] = mc / res->uncertainty->seconds;
        }
        REPORT("lca_mc_iterations_per_s", median(rate, mruns),
               "draws/s whole engine (sampling A and B, refactor, solve, statistics)");
        double cm = median(cpu_main, mruns), ca = median(cpu_all, mruns), cs = ca - cm;
        REPORT("lca_mc_cpu_ms_per_draw", ca * 1e3, "ms CPU per draw, both threads");
        REPORT("lca_mc_main_ms_per_draw", cm * 1e3,
               "ms CPU per draw, main thread (the first chain; with one chain refactor, solve, stats)");
        REPORT("lca_mc_sampler_ms_per_draw", cs * 1e3,
               "ms CPU per draw, the rest (the second chain's thread, or the sampler thread)");
        REPORT("lca_mc_two_free_cores_per_s", 1.0 / (cm > cs ? cm : cs),
               "draws/s on two free cores (the busier thread's CPU time; target 300)");
        printf("  Monte Carlo total: mean %.6g, 95%% interval %.6g .. %.6g kg CO2e\n",
               res->uncertainty->total.mean, res->uncertainty->total.p2_5, res->uncertainty->total.p97_5);
    }
    rc = 0;
out:
    calc_result_free(res);
    calc_context_free(ctx);
    calc_system_free(sys);
    free(t_new);
    free(t_fp);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_solver [--n N] [--runs R] [--mc ITER] [--mc-budget S] [--skip-gflop G]\n"
                    "                    [--seed S] [--mc-chains 0|1|2] [--mc-threads 0|1|2]\n"
                    "                    [--out DIR]\n"
                    "                    [--variant lca|core50|nearunit|ecoinvent|random|all] "
                    "[--solver klu|iterative|auto|block-klu|block-iterative|lca-auto|all]\n");
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    calc_gen_params p;
    calc_gen_params_default(&p);
    int runs = 5, mc = 1000;
    const char *out = "/tmp/tanji-solver-bench", *variant = "all", *solver = "all";
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (!strcmp(argv[i], "--n"))
            p.n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--mc"))
            mc = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--mc-budget"))
            mc_budget = atof(argv[++i]);
        else if (!strcmp(argv[i], "--mc-chains"))
            mc_chains = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--mc-threads"))
            mc_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--skip-gflop"))
            skip_mflop = 1e3 * atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed"))
            p.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--out"))
            out = argv[++i];
        else if (!strcmp(argv[i], "--variant"))
            variant = argv[++i];
        else if (!strcmp(argv[i], "--solver"))
            solver = argv[++i];
        else
            return usage();
    }
    if (p.n < 10 || runs < 1 || mc < 0 || mc_chains < 0 || mc_chains > 2 || mc_threads < 0 || mc_threads > 2)
        return usage();
    /* The variants of issue 16, scaled with --n (default 20,000). */
    double scale = p.n / 20000.0;
    static const struct {
        const char *name;
        calc_gen_kind kind;
        int n, inputs;
        double core, basic, colsum;
        int cycles;
    } variants[] = {
        {"lca", CALC_GEN_LCA, 20000, 13, 0.15, 0.25, 0.8, 0},       /* 1: the current one */
        {"core50", CALC_GEN_LCA, 20000, 13, 0.50, 0.60, 0.8, 0},    /* 2: a core of 50% */
        {"nearunit", CALC_GEN_LCA, 20000, 13, 0.15, 0.25, 0.98, 5}, /* 3: near-unit loops */
        {"ecoinvent", CALC_GEN_LCA, 21000, 17, 0.15, 0.25, 0.8, 0}, /* 4: ecoinvent-sized */
        {"random", CALC_GEN_RANDOM, 20000, 13, 0.15, 0.25, 0.8, 0}, /* one giant loop (not in all) */
    };
    static const struct {
        const char *name;
        calc_solver_kind kind;
        int footprint;
    } solvers[] = {{"klu", CALC_SOLVER_KLU, 0},
                   {"iterative", CALC_SOLVER_ITERATIVE, 0},
                   {"auto", CALC_SOLVER_AUTO, 0},
                   {"block-klu", CALC_SOLVER_BLOCK_KLU, 0},
                   {"block-iterative", CALC_SOLVER_BLOCK_ITERATIVE, 0},
                   {"lca-auto", CALC_SOLVER_AUTO, 1}};
    int status = 0;
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        if (strcmp(variant, variants[v].name) && (strcmp(variant, "all") || !strcmp(variants[v].name, "random")))
            continue;
        p.kind = variants[v].kind;
        p.n = (int)(variants[v].n * scale);
        p.inputs = variants[v].inputs;
        p.core = (int)(variants[v].core * p.n);
        p.basic = (int)(variants[v].basic * p.n);
        p.core_colsum = variants[v].colsum;
        p.unit_cycles = variants[v].cycles;
        bench b = {.variant = variants[v].name};
        if (setup(&b, &p) || write_files(&b, out)) {
            fprintf(stderr, "cannot set up the %s system in %s\n", b.variant, out);
            release(&b);
            return 3;
        }
        fflush(stdout);
        for (size_t k = 0; k < sizeof solvers / sizeof solvers[0]; k++) {
            if (strcmp(solver, "all") && strcmp(solver, solvers[k].name))
                continue;
            int klu_kind = solvers[k].kind == CALC_SOLVER_KLU || solvers[k].kind == CALC_SOLVER_BLOCK_KLU;
            if (klu_kind && b.klu_fill * 12.0 > 1024.0 * 1048576.0) {
                printf("%s / %s: skipped, its factors would need %.1f GiB\n", b.variant, solvers[k].name,
                       b.klu_fill * 12.0 / (1024.0 * 1048576.0));
                printf("RESULT %s %s skipped 1\n", b.variant, solvers[k].name);
                continue;
            }
            /* The loops hold (nearly) all of KLU's work, so the block solver's
             * factorisation costs about the whole matrix's prediction. */
            if (klu_kind && b.klu_mflop > skip_mflop) {
                printf("%s / %s: skipped, one factorisation would cost about %.0f Gflop (over %.0f: "
                       "minutes for %d runs and Monte Carlo on the shared machine; --skip-gflop)\n",
                       b.variant, solvers[k].name, b.klu_mflop / 1e3, skip_mflop / 1e3, runs);
                printf("RESULT %s %s skipped 1\n", b.variant, solvers[k].name);
                continue;
            }
            pid_t pid = fork();
            if (pid < 0)
                return 3;
            if (pid == 0) {
                int rc = solvers[k].footprint ? run_footprint(&b, solvers[k].kind, solvers[k].name, runs, mc)
                                              : run_solver(&b, solvers[k].kind, solvers[k].name, runs, mc);
                fflush(stdout);
                _exit(rc ? 2 : 0);
            }
            int wst;
            struct rusage ru;
            if (wait4(pid, &wst, 0, &ru) < 0)
                return 3;
            if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
                printf("  %s / %s FAILED\n", b.variant, solvers[k].name);
                status = 2;
                continue;
            }
            double mib = (double)ru.ru_maxrss / 1024.0;
            printf("  %-28s %12.1f MiB (whole process, incl. generated system)\n", "peak_rss_mib", mib);
            printf("RESULT %s %s peak_rss_mib %.1f\n", b.variant, solvers[k].name, mib);
            fflush(stdout);
        }
        release(&b);
    }
    return status;
}

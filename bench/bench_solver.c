/*
 * bench_solver: timings of the sparse solvers on generated ecoinvent-like
 * systems (see calc/gen.h).  Not a test: it prints figures.
 *
 *   bench_solver [--n N] [--runs R] [--mc ITER] [--seed S] [--out DIR]
 *                [--variant lca|random|all] [--solver klu|iterative|auto|all]
 *
 * For each variant it writes the matrix (Matrix Market, A.mtx) and the
 * right-hand sides (rhs.txt: f1 f2 c per row) to DIR/<variant>/ so that
 * bench/scipy_baseline.py solves the very same systems.  Each (variant,
 * solver) runs in a child process so that its peak memory (ru_maxrss) is its
 * own.  Lines starting with "RESULT" are for bench/run_solver_bench.sh.
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

#include "calc/gen.h"
#include "calc/solver.h"
#include "calc/sparse.h"

#define MC_SIGMA 0.1 /* lognormal noise (log-space sd) on A's off-diagonal entries */
#define MC_BATCHES 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct bench {
    const char *variant;
    calc_gen_system g;
    calc_csc a;
    int *map;
    double *f1, *f2, *c, *x;
    double *base; /* A's triplet values */
    double klu_fill, klu_mflop;
} bench;

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
    fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", n, n,
            b->a.colptr[n]);
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
    if (calc_csc_from_triplets(n, n, b->g.ntech, b->g.tri, b->g.tci, b->g.tv, &b->a, b->map,
                               &err) != TJ_OK) {
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
    int ncomp = calc_csc_scc(&b->a, NULL, &largest);
    printf("system %s: %d processes, nnz(A) = %d (%d triplets), nnz(B) = %d, "
           "%d strongly connected components, largest %d; generated in %.3f s\n",
           b->variant, n, b->a.colptr[n], b->g.ntech, b->g.nelem, ncomp, largest, tgen);
    printf("RESULT %s system nnz %d\nRESULT %s system largest_scc %d\n", b->variant,
           b->a.colptr[n], b->variant, largest);
    if (calc_solver_klu_predict(&b->a, &b->klu_fill, &b->klu_mflop, NULL, &err) == TJ_OK)
        printf("KLU prediction (BTF + AMD): %.0f entries in L + U (%.1fx nnz), %.0f Mflop\n",
               b->klu_fill, b->klu_fill / b->a.colptr[n], b->klu_mflop);
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

#define REPORT(metric, value, unit)                                                            \
    do {                                                                                       \
        printf("  %-28s %12.4f %s\n", metric, value, unit);                                  \
        printf("RESULT %s %s %s %.6g\n", b->variant, sname, metric, value);                   \
    } while (0)

static int run_solver(bench *b, calc_solver_kind kind, const char *sname, int runs, int mc)
{
    tj_error err;
    int n = b->a.ncols;
    double *t_setup = calloc((size_t)runs, sizeof(double));
    double *t_solve = calloc((size_t)runs, sizeof(double));
    double *t_further = calloc((size_t)runs, sizeof(double));
    double *t_trans = calloc((size_t)runs, sizeof(double));
    double *rates = calloc(MC_BATCHES, sizeof(double));
    calc_solver *s = NULL;
    int rc = -1;
    if (!t_setup || !t_solve || !t_further || !t_trans || !rates)
        goto out;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        if (calc_solver_new(&b->a, kind, 1e-9, &s, NULL, &err) != TJ_OK) {
            fprintf(stderr, "%s/%s: setup: %s\n", b->variant, sname, err.message);
            goto out;
        }
        t_setup[r] = now() - t0;
        memset(b->x, 0, sizeof(double) * (size_t)n);
        t0 = now();
        if (calc_solver_solve(s, b->f1, b->x, &err) != TJ_OK) {
            fprintf(stderr, "%s/%s: solve: %s\n", b->variant, sname, err.message);
            goto out;
        }
        t_solve[r] = now() - t0;
        t0 = now();
        if (calc_solver_solve(s, b->f2, b->x, &err) != TJ_OK) {
            fprintf(stderr, "%s/%s: further solve: %s\n", b->variant, sname, err.message);
            goto out;
        }
        t_further[r] = now() - t0;
        memset(b->x, 0, sizeof(double) * (size_t)n);
        t0 = now();
        if (calc_solver_solve_transpose(s, b->c, b->x, &err) != TJ_OK) {
            fprintf(stderr, "%s/%s: transpose solve: %s\n", b->variant, sname, err.message);
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
    REPORT("further_demand_s", median(t_further, runs), "s (new demand, same factors)");
    REPORT("transpose_solve_s", median(t_trans, runs), "s");
    REPORT("residual", calc_solver_last_residual(s), "(last transpose solve)");

    /* Monte Carlo: perturb, refactor, solve; warm start from the last x. */
    if (mc > 0) {
        calc_gen_rng rng;
        calc_gen_rng_seed(&rng, 42);
        int per = (mc + MC_BATCHES - 1) / MC_BATCHES, done = 0, nb = 0;
        long iters = 0;
        double tperturb = 0;
        memset(b->x, 0, sizeof(double) * (size_t)n);
        while (done < mc) {
            int cnt = mc - done < per ? mc - done : per;
            double t0 = now(), tp = 0;
            for (int i = 0; i < cnt; i++) {
                double tq = now();
                perturb(b, &rng);
                tp += now() - tq;
                if (calc_solver_refactor(s, &err) != TJ_OK ||
                    calc_solver_solve(s, b->f1, b->x, &err) != TJ_OK) {
                    fprintf(stderr, "%s/%s: Monte Carlo draw %d: %s\n", b->variant, sname,
                            done + i, err.message);
                    goto out;
                }
                iters += calc_solver_last_iterations(s);
            }
            double dt = now() - t0 - tp; /* exclude drawing the noise */
            tperturb += tp;
            rates[nb++] = cnt / dt;
            done += cnt;
        }
        restore(b);
        REPORT("mc_iterations_per_s", median(rates, nb), "refactor + solve per second");
        REPORT("mc_draw_s", tperturb / mc, "s per draw of A's noise (not counted above)");
        if (kind != CALC_SOLVER_KLU && strcmp(calc_solver_name(s), "klu") != 0)
            printf("  (mean %.1f BiCGSTAB iterations per Monte Carlo solve)\n",
                   (double)iters / mc);
    }
    rc = 0;
out:
    calc_solver_free(s);
    free(t_setup);
    free(t_solve);
    free(t_further);
    free(t_trans);
    free(rates);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_solver [--n N] [--runs R] [--mc ITER] [--seed S] [--out DIR]\n"
                    "                    [--variant lca|random|all] "
                    "[--solver klu|iterative|auto|all]\n");
    return 1;
}

int main(int argc, char **argv)
{
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
    if (p.n < 10 || runs < 1 || mc < 0)
        return usage();
    /* Keep the core and basic shares of the default 20,000-process system. */
    p.core = (int)(0.15 * p.n);
    p.basic = (int)(0.25 * p.n);

    static const struct {
        const char *name;
        calc_gen_kind kind;
    } variants[] = {{"lca", CALC_GEN_LCA}, {"random", CALC_GEN_RANDOM}};
    static const struct {
        const char *name;
        calc_solver_kind kind;
    } solvers[] = {{"klu", CALC_SOLVER_KLU},
                   {"iterative", CALC_SOLVER_ITERATIVE},
                   {"auto", CALC_SOLVER_AUTO}};
    int status = 0;
    for (size_t v = 0; v < 2; v++) {
        if (strcmp(variant, "all") && strcmp(variant, variants[v].name))
            continue;
        p.kind = variants[v].kind;
        bench b = {.variant = variants[v].name};
        if (setup(&b, &p) || write_files(&b, out)) {
            fprintf(stderr, "cannot set up the %s system in %s\n", b.variant, out);
            release(&b);
            return 3;
        }
        fflush(stdout);
        for (size_t k = 0; k < 3; k++) {
            if (strcmp(solver, "all") && strcmp(solver, solvers[k].name))
                continue;
            if (solvers[k].kind == CALC_SOLVER_KLU && b.klu_fill * 12.0 > 1024.0 * 1048576.0) {
                printf("%s / klu: skipped, its factors would need %.1f GiB\n", b.variant,
                       b.klu_fill * 12.0 / (1024.0 * 1048576.0));
                continue;
            }
            pid_t pid = fork();
            if (pid < 0)
                return 3;
            if (pid == 0) {
                int rc = run_solver(&b, solvers[k].kind, solvers[k].name, runs, mc);
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
            printf("  %-28s %12.1f MiB (whole process, incl. generated system)\n",
                   "peak_rss_mib", mib);
            printf("RESULT %s %s peak_rss_mib %.1f\n", b.variant, solvers[k].name, mib);
            fflush(stdout);
        }
        release(&b);
    }
    return status;
}

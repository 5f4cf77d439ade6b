/*
 * bench_olca: the openLCA path on a real database.  Not a test: it prints
 * figures (medians of R runs) for reading the JSON-LD zip, saving it into a
 * fresh SQLite database, loading it back, building the product system and
 * computing every product (totals only and with full detail), and for the
 * import as `tanji import olca` runs it: reading on a second thread while
 * the main thread writes (import_2t, into another fresh database).
 *
 *   bench_olca [ZIP] [--runs R] [--db URL] [--mtx DIR]
 *
 * ZIP defaults to data/lci/uslci_olca1_5_0_json_ld.zip (in $TJ_SOURCE_DIR, else
 * the current directory): the copy shipped in the repository.
 * --db saves into that database instead of a temporary SQLite file.
 * Lines starting with "RESULT" are machine-readable.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "calc/lca.h"
#include "calc/solver.h"
#include "calc/sparse.h"
#include "io/olca.h"
#include "store/olca_sql.h"
#include "store/store.h"

#define STEPS 8
static const char *const step_names[STEPS] = {"read_zip",   "save_db",    "load_db",  "build",
                                              "all_totals", "all_detail", "all_rows", "import_2t"};

/* Write USLCI's technology matrix (Matrix Market) and right-hand sides (f1: one
 * unit of the first product, f2: of the second, c: direct CO2e intensities) to
 * DIR/uslci/ for bench/scipy_baseline.py, and time tanji's own KLU on it:
 * setup (analysis + factorisation), a further demand and a transposed solve. */
static int uslci_matrix(const calc_system *sys, const char *dir)
{
    int n = sys->n, rc = -1;
    int *ri = malloc((size_t)sys->ntech * sizeof *ri), *ci = malloc((size_t)sys->ntech * sizeof *ci);
    double *v = malloc((size_t)sys->ntech * sizeof *v);
    double *f1 = calloc((size_t)n, sizeof *f1), *f2 = calloc((size_t)n, sizeof *f2);
    double *c = calloc((size_t)n, sizeof *c), *x = calloc((size_t)n, sizeof *x);
    calc_csc a = {0};
    calc_solver *s = NULL;
    tj_error err;
    if (!ri || !ci || !v || !f1 || !f2 || !c || !x || n < 2)
        goto out;
    for (int t = 0; t < sys->ntech; t++) {
        ri[t] = sys->tech[t].row;
        ci[t] = sys->tech[t].col;
        v[t] = sys->tech[t].amount;
    }
    for (int t = 0; t < sys->nelem; t++)
        c[sys->elem[t].col] += sys->flow[sys->elem[t].row].cf * sys->elem[t].amount;
    f1[0] = 1.0;
    f2[1] = 1.0;
    if (calc_csc_from_triplets(n, n, sys->ntech, ri, ci, v, &a, NULL, &err) != TJ_OK)
        goto out;
    char path[4096];
    snprintf(path, sizeof path, "%s/uslci", dir);
    if ((mkdir(dir, 0755) && errno != EEXIST) || (mkdir(path, 0755) && errno != EEXIST))
        goto out;
    snprintf(path, sizeof path, "%s/uslci/A.mtx", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        goto out;
    fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", n, n, a.colptr[n]);
    for (int j = 0; j < n; j++)
        for (int p = a.colptr[j]; p < a.colptr[j + 1]; p++)
            fprintf(f, "%d %d %.17g\n", a.rowind[p] + 1, j + 1, a.val[p]);
    if (fclose(f))
        goto out;
    snprintf(path, sizeof path, "%s/uslci/rhs.txt", dir);
    if (!(f = fopen(path, "w")))
        goto out;
    for (int i = 0; i < n; i++)
        fprintf(f, "%.17g %.17g %.17g\n", f1[i], f2[i], c[i]);
    if (fclose(f))
        goto out;
    double t0 = now();
    if (calc_solver_new(&a, CALC_SOLVER_AUTO, 1e-9, &s, NULL, &err) != TJ_OK ||
        calc_solver_solve(s, f1, x, &err) != TJ_OK)
        goto out;
    double setup = now() - t0;
    t0 = now();
    if (calc_solver_solve(s, f2, x, &err) != TJ_OK)
        goto out;
    double further = now() - t0;
    t0 = now();
    if (calc_solver_solve_transpose(s, c, x, &err) != TJ_OK)
        goto out;
    double tr = now() - t0;
    printf("USLCI matrix: %d processes, nnz %d, solver %s; written to %s/uslci/\n", n, a.colptr[n],
           calc_solver_name(s), dir);
    printf("  setup + one solve %8.5f s\n  further demand    %8.5f s\n  transpose solve   %8.5f s\n", setup,
           further, tr);
    printf("RESULT uslci tanji setup_solve %.6g\nRESULT uslci tanji further %.6g\nRESULT uslci tanji transpose %.6g\n",
           setup, further, tr);
    rc = 0;
out:
    calc_solver_free(s);
    calc_csc_release(&a);
    free(ri);
    free(ci);
    free(v);
    free(f1);
    free(f2);
    free(c);
    free(x);
    return rc;
}

int main(int argc, char **argv)
{
    char zipbuf[1024];
    const char *zip = NULL, *dburl = NULL, *mtxdir = NULL;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            dburl = argv[++i];
        else if (!strcmp(argv[i], "--mtx") && i + 1 < argc)
            mtxdir = argv[++i];
        else
            zip = argv[i];
    }
    if (runs < 1 || runs > 100)
        runs = 3;
    /* as `tanji import olca` does: libzip's mktime per entry would stat
     * /etc/localtime twice per entry while TZ is unset */
    if (!getenv("TZ"))
        setenv("TZ", ":/etc/localtime", 0);
    /* the reader thread allocates in a malloc arena of its own, which glibc
     * grows a few pages at a time with mprotect(): with the writer running
     * on the other core each call costs a TLB shootdown (about 1,300 calls
     * and 20% more CPU time on USLCI); grow it 16 MiB at a time instead */
    mallopt(M_TOP_PAD, 16 << 20);
    if (!zip) {
        const char *src = getenv("TJ_SOURCE_DIR");
        snprintf(zipbuf, sizeof zipbuf, "%s/data/lci/uslci_olca1_5_0_json_ld.zip", src ? src : ".");
        zip = zipbuf;
    }
    double t[STEPS][100], c[STEPS][100];
    int ncols = 0;
    for (int r = 0; r < runs; r++) {
        tj_error err;
        tj_error_clear(&err);
        olca_report rep;
        olca_report_init(&rep);
        olca_db *o = NULL, *back = NULL;
        store_db *db = NULL;
        calc_system *sys = NULL;
        calc_context *ctx = NULL;
        char tmpl[] = "/tmp/bench_olca_XXXXXX", path[1100];
        double t0 = now(), c0 = cpu_now();
        if (olca_read(zip, &o, &rep, NULL, NULL, &err) != TJ_OK)
            goto fail;
        t[0][r] = now() - t0;
        c[0][r] = cpu_now() - c0;
        if (!dburl) {
            if (!mkdtemp(tmpl))
                goto fail;
            snprintf(path, sizeof path, "%s/b.db", tmpl);
        }
        t0 = now();
        c0 = cpu_now();
        if (store_open_ex(dburl ? dburl : path, STORE_OPEN_MIGRATE, &db, &err) != TJ_OK ||
            store_olca_save(db, o, NULL, NULL, &err) != TJ_OK)
            goto fail;
        t[1][r] = now() - t0;
        c[1][r] = cpu_now() - c0;
        t0 = now();
        c0 = cpu_now();
        if (store_olca_load(db, &back, &err) != TJ_OK)
            goto fail;
        t[2][r] = now() - t0;
        c[2][r] = cpu_now() - c0;
        t0 = now();
        c0 = cpu_now();
        calc_options co;
        calc_options_init(&co);
        if (olca_build_system(back, NULL, &sys, NULL, &err) != TJ_OK ||
            calc_context_new(sys, &co, &ctx, &err) != TJ_OK)
            goto fail;
        t[3][r] = now() - t0;
        c[3][r] = cpu_now() - c0;
        ncols = sys->n;
        if (mtxdir && r == runs - 1 && uslci_matrix(sys, mtxdir) != 0) {
            tj_error_set(&err, TJ_ERR_IO, NULL, "cannot write or solve the USLCI matrix in %s", mtxdir);
            goto fail;
        }
        for (int d = 0; d < 2; d++) {
            t0 = now();
            c0 = cpu_now();
            for (int j = 0; j < sys->n; j++) {
                calc_result *res = NULL;
                if (calc_context_footprint(ctx, j, 1.0, d ? CALC_DETAIL_ALL : CALC_DETAIL_TOTALS, &res,
                                           &err) != TJ_OK)
                    goto fail;
                calc_result_free(res);
            }
            t[4 + d][r] = now() - t0;
            c[4 + d][r] = cpu_now() - c0;
        }
        /* what `tanji calc --all` does: the rows from transposed solves on a
         * fresh context (the first transposed solve included), plus the
         * products that need their own forward solve */
        calc_context_free(ctx);
        ctx = NULL;
        if (calc_context_new(sys, &co, &ctx, &err) != TJ_OK)
            goto fail;
        t0 = now();
        c0 = cpu_now();
        calc_unit_rows ur;
        if (calc_context_unit_rows(ctx, &ur, &err) != TJ_OK)
            goto fail;
        for (int j = 0; j < sys->n; j++) {
            calc_result *res = NULL;
            if (!ur.exact[j] &&
                calc_context_footprint(ctx, j, 1.0, CALC_DETAIL_TOTALS, &res, &err) != TJ_OK) {
                calc_unit_rows_free(&ur);
                goto fail;
            }
            calc_result_free(res);
        }
        calc_unit_rows_free(&ur);
        t[6][r] = now() - t0;
        c[6][r] = cpu_now() - c0;
        calc_context_free(ctx);
        calc_system_free(sys);
        olca_db_free(back);
        olca_db_free(o);
        store_close(db);
        db = NULL;
        o = NULL;
        /* the import as the CLI runs it: read on a second thread, write here
         * (only into a temporary SQLite file) */
        t[7][r] = c[7][r] = 0;
        if (!dburl) {
            snprintf(path, sizeof path, "%s/c.db", tmpl);
            if (store_open_ex(path, STORE_OPEN_MIGRATE, &db, &err) != TJ_OK)
                goto fail;
            olca_report_release(&rep);
            olca_report_init(&rep);
            olca_async *a = NULL;
            int read_failed = 0;
            t0 = now();
            c0 = cpu_now();
            if (olca_read_start(zip, &a, &err) != TJ_OK)
                goto fail;
            tj_status sst = store_olca_save_async(db, a, 1, &read_failed, NULL, NULL, &err);
            tj_error rerr;
            if (olca_read_finish(a, &o, &rep, &rerr) != TJ_OK && sst == TJ_OK) {
                err = rerr;
                goto fail;
            }
            if (sst != TJ_OK || read_failed)
                goto fail;
            t[7][r] = now() - t0;
            c[7][r] = cpu_now() - c0;
            olca_db_free(o);
            store_close(db);
            static const char *const files[] = {"c.db", "c.db-wal", "c.db-shm"};
            for (int k = 0; k < 3; k++) {
                snprintf(path, sizeof path, "%s/%s", tmpl, files[k]);
                unlink(path);
            }
            snprintf(path, sizeof path, "%s/b.db", tmpl);
        }
        olca_report_release(&rep);
        if (!dburl) {
            unlink(path);
            snprintf(path, sizeof path, "%s/b.db-wal", tmpl);
            unlink(path);
            snprintf(path, sizeof path, "%s/b.db-shm", tmpl);
            unlink(path);
            rmdir(tmpl);
        }
        continue;
    fail:
        fprintf(stderr, "bench_olca: %s\n", err.message);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("openLCA database %s: %d products, %d run(s), medians (wall, and CPU time of the process)\n", zip,
           ncols, runs);
    for (int s = 0; s < STEPS; s++) {
        double m = median(t[s], runs), mc = median(c[s], runs);
        printf("  %-12s %8.3f s wall %8.3f s CPU\n", step_names[s], m, mc);
        printf("RESULT olca %s %.6f\nRESULT olca %s_cpu %.6f\n", step_names[s], m, step_names[s], mc);
    }
    printf("  peak RSS     %8.1f MB\n", ru.ru_maxrss / 1024.0);
    printf("RESULT olca peak_rss_kb %ld\n", ru.ru_maxrss);
    return 0;
}

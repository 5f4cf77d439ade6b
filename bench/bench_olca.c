/*
 * bench_olca: the openLCA path on a real database.  Not a test: it prints
 * figures (medians of R runs) for reading the JSON-LD zip, saving it into a
 * fresh SQLite database, loading it back, building the product system and
 * computing every product (totals only and with full detail).
 *
 *   bench_olca [ZIP] [--runs R] [--db URL]
 *
 * ZIP defaults to $TJ_SHARED_DIR/data/uslci/uslci_olca1_5_0_json_ld.zip.
 * --db saves into that database instead of a temporary SQLite file.
 * Lines starting with "RESULT" are machine-readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "calc/lca.h"
#include "io/olca.h"
#include "services/olca_store.h"
#include "store/store.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define STEPS 6
static const char *const step_names[STEPS] = {"read_zip", "save_db",    "load_db",
                                              "build",    "all_totals", "all_detail"};

int main(int argc, char **argv)
{
    char zipbuf[1024];
    const char *zip = NULL, *dburl = NULL;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            dburl = argv[++i];
        else
            zip = argv[i];
    }
    if (runs < 1 || runs > 100)
        runs = 3;
    if (!zip) {
        const char *shared = getenv("TJ_SHARED_DIR");
        snprintf(zipbuf, sizeof zipbuf, "%s/data/uslci/uslci_olca1_5_0_json_ld.zip",
                 shared ? shared : "../shared");
        zip = zipbuf;
    }
    double t[STEPS][100];
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
        double t0 = now();
        if (olca_read(zip, &o, &rep, NULL, NULL, &err) != TJ_OK)
            goto fail;
        t[0][r] = now() - t0;
        if (!dburl) {
            if (!mkdtemp(tmpl))
                goto fail;
            snprintf(path, sizeof path, "%s/b.db", tmpl);
        }
        t0 = now();
        if (store_open(dburl ? dburl : path, &db, &err) != TJ_OK ||
            svc_olca_save(db, o, NULL, NULL, &err) != TJ_OK)
            goto fail;
        t[1][r] = now() - t0;
        t0 = now();
        if (svc_olca_load(db, &back, &err) != TJ_OK)
            goto fail;
        t[2][r] = now() - t0;
        t0 = now();
        calc_options co;
        calc_options_init(&co);
        if (olca_build_system(back, NULL, &sys, NULL, &err) != TJ_OK ||
            calc_context_new(sys, &co, &ctx, &err) != TJ_OK)
            goto fail;
        t[3][r] = now() - t0;
        ncols = sys->n;
        for (int d = 0; d < 2; d++) {
            t0 = now();
            for (int j = 0; j < sys->n; j++) {
                calc_result *res = NULL;
                if (calc_context_footprint(ctx, j, 1.0, d ? CALC_DETAIL_ALL : CALC_DETAIL_TOTALS, &res,
                                           &err) != TJ_OK)
                    goto fail;
                calc_result_free(res);
            }
            t[4 + d][r] = now() - t0;
        }
        calc_context_free(ctx);
        calc_system_free(sys);
        olca_db_free(back);
        olca_db_free(o);
        store_close(db);
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
    printf("openLCA database %s: %d products, %d run(s), medians\n", zip, ncols, runs);
    for (int s = 0; s < STEPS; s++) {
        double m = median(t[s], runs);
        printf("  %-12s %8.3f s\n", step_names[s], m);
        printf("RESULT olca %s %.6f\n", step_names[s], m);
    }
    printf("  peak RSS     %8.1f MB\n", ru.ru_maxrss / 1024.0);
    printf("RESULT olca peak_rss_kb %ld\n", ru.ru_maxrss);
    return 0;
}

/*
 * bench_factors: the factor database at scale.  Imports N factor versions
 * (default 1,000,000: N/4 factors with 4 versions each, the newest published)
 * through svc_factor_import_mem in chunks, then measures search latency
 * (p50/p95/max over mixed Chinese/English queries with filters and paging),
 * resolve latency, and the database size.  Searches cover current
 * versions (the default); a few history searches (--all-versions) are
 * timed apart.
 *
 *   bench_factors [--n N] [--chunk ROWS] [--pg] [--keep]
 *
 * --pg uses a new database in the cluster named by TJ_PG_URL (see
 * scripts/pg-test-cluster.sh); without it a SQLite file in /tmp.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "../tests/unit/tj_testdb.h"
#include "services/factors.h"
#include "store/store.h"

#include "services/ctx.h"
#include "store/factor_sql.h"
/* Test principals: all roles, the operator organisation, named as given
 * (the name is what the history records). */
static svc_ctx tjt_ctx_s[4];
static int tjt_ctx_i;
static svc_ctx *TCA(store_db *db, const char *name)
{
    svc_ctx *c = &tjt_ctx_s[tjt_ctx_i++ % 4];
    svc_ctx_release(c);
    svc_ctx_init(c, db, name, name, SVC_OPERATOR_ORG, SVC_ROLE_ALL, NULL);
    return c;
}
static svc_ctx *TC(store_db *db)
{
    return TCA(db, "operator");
}

static const char *products[][3] = {
    {"电解铝", "primary aluminium", "metals"},
    {"粗钢", "crude steel", "metals"},
    {"电解铜", "electrolytic copper", "metals"},
    {"水泥熟料", "cement clinker", "building materials"},
    {"平板玻璃", "flat glass", "building materials"},
    {"焦炭", "metallurgical coke", "energy"},
    {"原煤", "raw coal", "energy"},
    {"普洱茶", "pu'er tea", "agriculture"},
    {"小粒咖啡", "arabica coffee", "agriculture"},
    {"天然橡胶", "natural rubber", "agriculture"},
    {"甘蔗糖", "cane sugar", "food"},
    {"尿素", "urea fertiliser", "chemicals"},
    {"聚乙烯", "polyethylene", "chemicals"},
    {"工业硅", "industrial silicon", "metals"},
    {"多晶硅", "polysilicon", "metals"},
    {"锂离子电池", "lithium-ion battery", "electronics"},
    {"光伏组件", "photovoltaic module", "electronics"},
    {"瓦楞纸箱", "corrugated box", "paper"},
    {"铝型材", "aluminium profile", "metals"},
    {"钢筋", "reinforcing steel bar", "metals"},
};
#define NPROD (sizeof products / sizeof products[0])
static const char *regions[] = {"CN",      "GRID-HB", "GRID-DB", "GRID-HD", "GRID-HZ", "GRID-XB", "GRID-NF",
                                "GRID-XN", "110000",  "120000",  "130000",  "140000",  "150000",  "210000",
                                "220000",  "230000",  "310000",  "320000",  "330000",  "340000",  "350000",
                                "360000",  "370000",  "410000",  "420000",  "430000",  "440000",  "450000",
                                "460000",  "500000",  "510000",  "520000",  "530000",  "540000",  "610000",
                                "620000",  "630000",  "640000",  "650000",  "530100"};
#define NREG (sizeof regions / sizeof regions[0])
#define NYEAR 10

/* The targets at 1,000,000 versions (issue 4), the baseline every
 * run is compared with.  Import time is scaled to 1M versions for smaller
 * runs, which flatters them a little (indexes grow with the table). */
#define TARGET_IMPORT_S 60.0
#define TARGET_SEARCH_P95_MS 20.0
#define TARGET_RESOLVE_MS 1.0

static void verdict(const char *what, double got, double target, const char *unit)
{
    printf("  %-13s %.2f %s, target %g: %s\n", what, got, unit, target, got <= target ? "met" : "MISSED");
}

/* CPU time of this process (user + system), seconds: the machines are
 * shared, so wall time alone overstates. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Factor k: product, region, year and variant. */
static void factor_of(long k, int *p, int *r, int *y, long *v)
{
    *p = (int)(k % (long)NPROD);
    *r = (int)((k / (long)NPROD) % (long)NREG);
    *y = 2015 + (int)((k / (long)(NPROD * NREG)) % NYEAR);
    *v = k / (long)(NPROD * NREG * NYEAR);
}

/* CSV rows first..first+count-1: row i is version base + i % per_factor
 * (0-based) of factor i / per_factor; versions are not given, so each row
 * becomes the next version of its factor. */
static char *make_rows(long first, long count, int per_factor, int base, size_t *len)
{
    size_t cap = (size_t)count * 400 + 512;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t o = (size_t)snprintf(
        buf, cap, "id,name_zh,name_en,category,unit,value,region,ref_year,source_doc,source_date,quality\n");
    for (long i = first; i < first + count; i++) {
        long k = i / per_factor;
        int ver = base + (int)(i % per_factor);
        int p, r, y;
        long v;
        factor_of(k, &p, &r, &y, &v);
        o += (size_t)snprintf(buf + o, cap - o,
                              "bench-%ld,%s%ld型,%s type %ld,%s,t,%.4f,%s,%d,bench synthetic data "
                              "(example),%d-%02d-01,example\n",
                              k, products[p][0], v, products[p][1], v, products[p][2],
                              1.0 + (double)(k % 997) / 10.0 + ver * 0.01, regions[r], y, y + 1, 1 + ver);
    }
    *len = o;
    return buf;
}

/* 300 searches of six kinds (see the header); prints p50/p95/max under
 * label.  -1 if a search fails. */
static int run_searches(store_db *db, const char *label)
{
    tj_error err;
    enum { NQ = 300 };
    double lat[NQ], case_max[6] = {0};
    long total_hits = 0;
    for (int i = 0; i < NQ; i++) {
        int p = rand() % (int)NPROD;
        svc_factor_query q = {0};
        char text[128];
        switch (i % 6) {
        case 0: q.text = products[p][0]; break; /* 电解铝 */
        case 1:
            snprintf(text, sizeof text, "%s Yunnan", products[p][1]);
            q.text = text;
            break;
        case 2:
            q.text = products[p][1];
            q.year = 2015 + rand() % NYEAR;
            break;
        case 3:
            q.text = products[p][0];
            q.region = regions[rand() % (int)NREG];
            break;
        case 4:
            q.category = products[p][2];
            q.year = 2020;
            q.status = "published";
            q.offset = 40;
            break;
        default:
            snprintf(text, sizeof text, "%s%d型", products[p][0], rand() % 3);
            q.text = text;
            q.offset = 20;
            break;
        }
        q.limit = 20;
        svc_factor_list l;
        double s0 = now();
        if (svc_factor_search(TC(db), &q, &l, &err) != TJ_OK) {
            fprintf(stderr, "search failed: %s\n", err.message);
            return -1;
        }
        lat[i] = (now() - s0) * 1000;
        if (lat[i] > case_max[i % 6])
            case_max[i % 6] = lat[i];
        if (getenv("TJ_BENCH_VERBOSE") && lat[i] > 20)
            fprintf(stderr, "slow search %.1f ms: kind %d text \"%s\" region %s year %d offset %d -> %lld\n",
                    lat[i], i % 6, q.text ? q.text : "", q.region ? q.region : "", q.year, q.offset,
                    (long long)l.total);
        total_hits += l.total;
        svc_factor_list_release(&l);
    }
    qsort(lat, NQ, sizeof lat[0], cmp_double);
    printf("search slowest per kind (ms): zh %.1f, en+region word %.1f, en+year %.1f, zh+region %.1f, "
           "category+year+status %.1f, zh model+offset %.1f\n",
           case_max[0], case_max[1], case_max[2], case_max[3], case_max[4], case_max[5]);
    printf("%s:  p50 %.2f ms, p95 %.2f ms, max %.2f ms (%d queries, mean %ld matches, page of 20)\n", label,
           lat[NQ / 2], lat[NQ * 95 / 100], lat[NQ - 1], NQ, total_hits / NQ);
    verdict("search p95", lat[NQ * 95 / 100], TARGET_SEARCH_P95_MS, "ms");
    return 0;

}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n = 1000000, chunk = 100000;
    int pg = 0, keep = 0;
    const char *reuse = NULL; /* --db URL: search a database a --keep run left, without importing */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--chunk") && i + 1 < argc)
            chunk = atol(argv[++i]);
        else if (!strcmp(argv[i], "--pg"))
            pg = 1;
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            reuse = argv[++i];
        else {
            fprintf(stderr, "usage: bench_factors [--n N] [--chunk ROWS] [--pg] [--keep] [--db URL]\n");
            return 1;
        }
    }
    chunk -= chunk % 4;
    if (n < 4 || chunk < 4) {
        fprintf(stderr, "bench_factors: N and chunk must be >= 4\n");
        return 1;
    }
    if (pg && !tjt_pg_admin_url()) {
        fprintf(stderr,
                "bench_factors: --pg needs TJ_PG_URL (eval \"$(scripts/pg-test-cluster.sh start)\")\n");
        return 1;
    }
    tjt_db *t = reuse ? NULL : tjt_db_create(pg);
    const char *url = reuse ? reuse : t ? t->url : NULL;
    store_db *db;
    tj_error err;
    if (!url || store_open_ex(url, STORE_OPEN_MIGRATE, &db, &err) != TJ_OK) {
        fprintf(stderr, "bench_factors: cannot open database: %s\n", url ? err.message : "");
        return 1;
    }
    printf("backend: %s, %ld factor versions (%ld factors x 4 versions), import chunks of %ld\n",
           store_backend_name(db), n, n / 4, chunk);

    /* import */
    double t0 = now(), c0 = cpu_s(), gen = 0;
    for (long first = 0; first < (reuse ? 0 : n); first += chunk) {
        long count = first + chunk > n ? n - first : chunk;
        double g0 = now();
        size_t len;
        char *data = make_rows(first, count, 4, 0, &len);
        gen += now() - g0;
        if (!data) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        svc_import_result r;
        if (svc_factor_import_mem(TCA(db, "bench"), "bench.csv", data, len, "csv", "published", &r, &err) !=
            TJ_OK) {
            char b[2048];
            fprintf(stderr, "import failed: %s\n", tj_error_format(&err, b, sizeof b));
            return 1;
        }
        free(data);
    }
    double import_s = now() - t0 - gen, import_cpu = cpu_s() - c0 - gen;
    /* After a bulk load: statistics (timed separately). */
    double m0 = now();
    if (pg)
        store_exec(db, "VACUUM (ANALYZE)", &err);
    else
        store_exec(db, "PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)", &err);
    double maint_s = now() - m0;
    printf("import:  %.1f s wall, %.1f s CPU in this process (%.0f versions/s wall; CSV generation excluded: "
           "%.1f s)\n",
           import_s, import_cpu, n / import_s, gen);
    if (!reuse)
        verdict("import", import_s * 1e6 / n, TARGET_IMPORT_S, "s per 1M versions");
    printf("after import: %s %.1f s\n", pg ? "VACUUM (ANALYZE)" : "PRAGMA optimize + checkpoint", maint_s);

    /* size */
    double size_mb = 0;
    if (pg) {
        store_stmt *st;
        if (store_prepare(db, "SELECT pg_database_size(current_database())", &st, &err) == TJ_OK &&
            store_step(st, &err) == 1)
            size_mb = store_col_int64(st, 0) / 1048576.0;
        store_finalize(st);
    } else {
        struct stat sb;
        char path[600];
        if (stat(url, &sb) == 0)
            size_mb += sb.st_size / 1048576.0;
        snprintf(path, sizeof path, "%s-wal", url);
        if (stat(path, &sb) == 0)
            size_mb += sb.st_size / 1048576.0;
    }
    printf("size:    %.0f MB (%.0f bytes per version)\n", size_mb, size_mb * 1048576.0 / n);

    /* search */
    srand(42);
    if (run_searches(db, "search") != 0)
        return 1;

    /* history: superseded versions too (no index: a walk of every version) */
    enum { NH = 12 };
    double hl[NH];
    for (int i = 0; i < NH; i++) {
        int p = rand() % (int)NPROD;
        svc_factor_query q = {0};
        char text[128];
        q.all_versions = 1;
        q.limit = 20;
        if (i % 3 == 0) {
            q.text = products[p][0];
        } else if (i % 3 == 1) {
            q.text = products[p][1];
            q.year = 2015 + rand() % NYEAR;
        } else {
            snprintf(text, sizeof text, "%s%d型", products[p][0], rand() % 3);
            q.text = text;
            q.region = regions[8 + rand() % (int)(NREG - 8)];
        }
        svc_factor_list l;
        double s0 = now();
        if (svc_factor_search(TC(db), &q, &l, &err) != TJ_OK) {
            fprintf(stderr, "search failed: %s\n", err.message);
            return 1;
        }
        hl[i] = (now() - s0) * 1000;
        svc_factor_list_release(&l);
    }
    qsort(hl, NH, sizeof hl[0], cmp_double);
    printf("history search (--all-versions, no target): p50 %.1f ms, max %.1f ms (%d queries: zh; en+year; zh "
           "model+region, the rarest)\n",
           hl[NH / 2], hl[NH - 1], NH);

    /* resolve */
    enum { NR = 2000 };
    static double rl[NR];
    int found = 0;
    long nfactors = n / 4;
    for (int i = 0; i < NR; i++) {
        long k = rand() % nfactors;
        int p, r, y;
        long v;
        factor_of(k, &p, &r, &y, &v);
        char name[128];
        snprintf(name, sizeof name, "%s type %ld", products[p][1], v);
        const char *reg = regions[8 + rand() % (int)(NREG - 8)]; /* a province or city */
        svc_factor_resolution res;
        double s0 = now();
        tj_status st = svc_factor_resolve(TC(db), name, reg, 2015 + rand() % NYEAR, &res, &err);
        rl[i] = (now() - s0) * 1000;
        if (st == TJ_OK) {
            found++;
            svc_factor_resolution_release(&res);
        } else if (st != TJ_ERR_NOTFOUND) {
            fprintf(stderr, "resolve failed: %s\n", err.message);
            return 1;
        }
    }
    qsort(rl, NR, sizeof rl[0], cmp_double);
    double sum = 0;
    for (int i = 0; i < NR; i++)
        sum += rl[i];
    printf("resolve: mean %.3f ms, p50 %.3f ms, p95 %.3f ms (%d resolves, %d found)\n", sum / NR, rl[NR / 2],
           rl[NR * 95 / 100], NR, found);
    verdict("resolve mean", sum / NR, TARGET_RESOLVE_MS, "ms");

    /* an update: new published versions of a tenth of the factors (each
     * supersedes the published one), as a yearly republication would */
    if (!reuse) {
        long nu = n / 4 / 10;
        size_t len;
        char *data = make_rows(0, nu, 1, 4, &len); /* version 5 of factors 0..nu-1 */
        svc_import_result r;
        double u0 = now();
        if (!data || svc_factor_import_mem(TCA(db, "bench"), "update.csv", data, len, "csv", "published", &r, &err) !=
                         TJ_OK) {
            fprintf(stderr, "update import failed: %s\n", data ? err.message : "out of memory");
            return 1;
        }
        free(data);
        printf("update:  %ld new published versions superseding %lld in %.1f s (no target)\n", nu,
               (long long)r.superseded, now() - u0);
        /* the same searches right after it (no ANALYZE, no vacuum yet) */
        srand(43);
        if (run_searches(db, "search after the update") != 0)
            return 1;
    }
    store_close(db);
    if (keep || reuse)
        printf("kept: %s\n", url);
    else
        tjt_db_destroy(t);
    return 0;
}

/* svc_grade: grading benchmarks, grades, statistics; see grading.h. */
#include "services/grading.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services/inst_util.h"
#include "services/label.h"
#include "store/inst_sql.h"

/* Quantile q of sorted v[0..n) (linear interpolation between order
 * statistics, as the Monte Carlo percentiles). */
static double quantile(const double *v, size_t n, double q)
{
    if (n == 1)
        return v[0];
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= n - 1)
        return v[n - 1];
    double f = pos - (double)lo;
    return v[lo] + f * (v[lo + 1] - v[lo]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static json_t *grade_of(const json_t *bench, double value)
{
    json_t *th = json_loads(inst_str(bench, "thresholds") ? inst_str(bench, "thresholds") : "null",
                            JSON_DECODE_ANY, NULL);
    json_t *out;
    json_int_t version = json_integer_value(json_object_get(bench, "version"));
    const char *method = inst_str(bench, "method");
    json_int_t grades = json_integer_value(json_object_get(bench, "grades"));
    if (!json_is_array(th)) {
        char why[200];
        snprintf(why, sizeof why,
                 "only %lld certified footprints in the category, fewer than the %lld the benchmark needs / "
                 "样本量不足，暂不分级",
                 (long long)json_integer_value(json_object_get(bench, "sample")),
                 (long long)json_integer_value(json_object_get(bench, "min_sample")));
        out = json_pack("{s:n,s:I,s:s,s:I,s:s}", "grade", "benchmark_version", version, "method", method,
                        "grades", grades, "reason", why);
    } else {
        json_int_t g = 1;
        size_t i;
        json_t *t;
        json_array_foreach(th, i, t) if (value > json_number_value(t)) g = (json_int_t)i + 2;
        out = json_pack("{s:I,s:I,s:s,s:I}", "grade", g, "benchmark_version", version, "method", method,
                        "grades", grades);
    }
    json_decref(th);
    return out;
}

tj_status svc_grade_assign(store_db *db, const char *category, double value, json_t **out, tj_error *err)
{
    json_t *bench = NULL;
    tj_status rc = store_grade_benchmark_latest(db, category, &bench, err);
    if (rc == TJ_ERR_NOTFOUND) {
        *out = json_pack("{s:n,s:n,s:n,s:n,s:s}", "grade", "benchmark_version", "method", "grades", "reason",
                         "no grading benchmark for this category / 该类别尚无分级基准");
        return *out ? TJ_OK : tj_error_nomem(err);
    }
    if (rc)
        return rc;
    *out = grade_of(bench, value);
    json_decref(bench);
    return *out ? TJ_OK : tj_error_nomem(err);
}

static tj_status regrade_all(svc_ctx *ctx, const json_t *bench, tj_error *err)
{
    json_t *labels = NULL;
    tj_status rc = store_label_values(ctx->db, inst_str(bench, "category"), 1, &labels, err);
    size_t i;
    json_t *l;
    json_array_foreach(labels, i, l)
    {
        if (rc)
            break;
        json_t *g = grade_of(bench, json_number_value(json_object_get(l, "value")));
        if (!g) {
            rc = tj_error_nomem(err);
            break;
        }
        json_t *grade = json_object_get(g, "grade");
        /* every version is recorded on the label, changed grade or not */
        rc = svc_label_regrade(ctx, inst_str(l, "number"), grade, json_object_get(g, "benchmark_version"),
                               inst_str(g, "reason") ? inst_str(g, "reason") : "new benchmark / 分级基准更新",
                               err);
        json_decref(g);
    }
    json_decref(labels);
    return rc;
}

static tj_status make_version(svc_ctx *ctx, const char *category, const char *method, int grades,
                              int min_sample, const json_t *thresholds, const char *note, json_t **out,
                              tj_error *err)
{
    char at[INST_TIME_SIZE];
    inst_now(at);
    json_t *latest = NULL, *labels = NULL, *row = NULL, *th = NULL;
    double *v = NULL;
    json_int_t version = 1;
    tj_status rc = store_grade_benchmark_latest(ctx->db, category, &latest, err);
    if (rc == TJ_OK)
        version = json_integer_value(json_object_get(latest, "version")) + 1;
    else if (rc != TJ_ERR_NOTFOUND)
        goto out;
    rc = TJ_OK;
    size_t n = 0;
    if (!strcmp(method, "percentile")) {
        if ((rc = store_label_values(ctx->db, category, 1, &labels, err)))
            goto out;
        n = json_array_size(labels);
        if (n >= (size_t)min_sample && n > 0) {
            if (!(v = malloc(n * sizeof *v))) {
                rc = tj_error_nomem(err);
                goto out;
            }
            for (size_t i = 0; i < n; i++)
                v[i] = json_number_value(json_object_get(json_array_get(labels, i), "value"));
            qsort(v, n, sizeof *v, cmp_double);
            th = json_array();
            for (int k = 1; k < grades; k++)
                json_array_append_new(th, json_real(quantile(v, n, (double)k / grades)));
        }
    } else {
        th = json_deep_copy(thresholds);
    }
    char *th_text = th ? json_dumps(th, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    row = json_pack("{s:s,s:I,s:s,s:i,s:i,s:s?,s:I,s:s?,s:s,s:s}", "category", category, "version", version,
                    "method", method, "grades", grades, "min_sample", min_sample, "thresholds", th_text,
                    "sample", (json_int_t)n, "note", note, "created_at", at, "created_by", ctx->who.id);
    free(th_text);
    if (!row) {
        rc = tj_error_nomem(err);
        goto out;
    }
    if ((rc = svc_begin(ctx, err)))
        goto out;
    char vid[160];
    snprintf(vid, sizeof vid, "%s@%lld", category, (long long)version);
    rc = store_grade_benchmark_insert(ctx->db, row, err);
    if (!rc) {
        json_t *change = json_pack("{s:s,s:s}", "action", "benchmark", "method", method);
        rc = svc_record(ctx, "grade.benchmark", "grade_benchmark", vid, change, row, err);
        json_decref(change);
    }
    if (!rc)
        rc = regrade_all(ctx, row, err);
    rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    if (!rc && out) {
        *out = row;
        row = NULL;
    }
out:
    free(v);
    json_decref(latest);
    json_decref(labels);
    json_decref(row);
    json_decref(th);
    return rc;
}

tj_status svc_grade_benchmark_set(svc_ctx *ctx, const char *category, const char *method, int grades,
                                  int min_sample, const json_t *thresholds, const char *note, json_t **out,
                                  tj_error *err)
{
    if (out)
        *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR, "set grading benchmarks", err);
    if (rc || (rc = inst_check_text(note, 2000, "note", 0, err)))
        return rc;
    json_t *cat = NULL;
    if ((rc = store_cert_catalogue_get(ctx->db, category, &cat, err)))
        return rc;
    json_decref(cat);
    if (grades == 0)
        grades = SVC_GRADE_DEFAULT_GRADES;
    if (grades < 2 || grades > 10)
        return tj_error_set(err, TJ_ERR_INPUT, "grades", "the number of grades is 2..10");
    if (!method || (strcmp(method, "thresholds") && strcmp(method, "percentile")))
        return tj_error_set(err, TJ_ERR_INPUT, "method", "method is thresholds or percentile");
    if (!strcmp(method, "thresholds")) {
        if (!json_is_array(thresholds) || json_array_size(thresholds) != (size_t)grades - 1)
            return tj_error_set(err, TJ_ERR_INPUT, "thresholds",
                                "%d grades need %d thresholds (upper bounds of grades "
                                "1..%d) / 阈值个数应为等级数减一",
                                grades, grades - 1, grades - 1);
        double prev = -INFINITY;
        size_t i;
        json_t *t;
        json_array_foreach(thresholds, i, t)
        {
            if (!json_is_number(t) || !isfinite(json_number_value(t)) || json_number_value(t) <= prev)
                return tj_error_set(err, TJ_ERR_INPUT, "thresholds",
                                    "thresholds are finite ascending numbers");
            prev = json_number_value(t);
        }
    } else if (min_sample < 1) {
        return tj_error_set(err, TJ_ERR_INPUT, "min_sample",
                            "percentile bands need a minimum sample of 1 or more");
    }
    return make_version(ctx, category, method, grades, min_sample < 0 ? 0 : min_sample, thresholds, note, out,
                        err);
}

tj_status svc_grade_benchmark_recompute(svc_ctx *ctx, const char *category, json_t **out, tj_error *err)
{
    if (out)
        *out = NULL;
    tj_status rc =
        svc_require(ctx, SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR, "recompute grading benchmarks", err);
    json_t *latest = NULL;
    if (rc || (rc = store_grade_benchmark_latest(ctx->db, category, &latest, err)))
        return rc;
    json_t *th = json_loads(inst_str(latest, "thresholds") ? inst_str(latest, "thresholds") : "null",
                            JSON_DECODE_ANY, NULL);
    rc = make_version(ctx, category, inst_str(latest, "method"),
                      (int)json_integer_value(json_object_get(latest, "grades")),
                      (int)json_integer_value(json_object_get(latest, "min_sample")), th,
                      "recomputed / 重新计算", out, err);
    json_decref(th);
    json_decref(latest);
    return rc;
}

tj_status svc_grade_benchmark_list(svc_ctx *ctx, const char *category, json_t **out, tj_error *err)
{
    return store_grade_benchmark_list(ctx->db, category, out, err);
}

tj_status svc_grade_each_benchmark_state(store_db *db,
                                         tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                         void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_grade_benchmark_list(db, NULL, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char vid[160];
        snprintf(vid, sizeof vid, "%s@%lld", inst_str(r, "category"),
                 (long long)json_integer_value(json_object_get(r, "version")));
        if (!rc)
            rc = emit(arg, vid, r, err);
    }
    json_decref(rows);
    return rc;
}

static json_t *group_stats(const char *cat, const char *region, json_int_t year, double *v, size_t n,
                           const int *gcount)
{
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    json_t *g = json_object();
    for (int k = 1; k <= 10; k++)
        if (gcount[k]) {
            char key[4];
            snprintf(key, sizeof key, "%d", k);
            json_object_set_new(g, key, json_integer(gcount[k]));
        }
    if (gcount[0])
        json_object_set_new(g, "none", json_integer(gcount[0]));
    return json_pack("{s:s,s:s,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:o}", "category", cat, "region", region,
                     "year", year, "n", (json_int_t)n, "min", v[0], "p25", quantile(v, n, 0.25), "median",
                     quantile(v, n, 0.5), "p75", quantile(v, n, 0.75), "max", v[n - 1], "mean",
                     sum / (double)n, "grades", g);
}

tj_status svc_grade_stats(svc_ctx *ctx, const json_t *filter, json_t **out, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_label_stat_rows(ctx->db, filter, &rows, err);
    if (rc)
        return rc;
    size_t n = json_array_size(rows);
    double *v = malloc((n ? n : 1) * sizeof *v);
    json_t *res = json_array();
    if (!v || !res) {
        free(v);
        json_decref(rows);
        json_decref(res);
        return tj_error_nomem(err);
    }
    /* rows come ordered by category, region, year */
    size_t start = 0;
    while (start < n) {
        json_t *r0 = json_array_get(rows, start);
        const char *cat = inst_str(r0, "category"), *reg = inst_str(r0, "region");
        json_int_t year = json_integer_value(json_object_get(r0, "year"));
        int gcount[11] = {0};
        size_t m = 0, i = start;
        for (; i < n; i++) {
            json_t *r = json_array_get(rows, i);
            if (strcmp(inst_str(r, "category"), cat) || strcmp(inst_str(r, "region"), reg) ||
                json_integer_value(json_object_get(r, "year")) != year)
                break;
            v[m++] = json_number_value(json_object_get(r, "value"));
            json_t *g = json_object_get(r, "grade");
            json_int_t gi = json_is_integer(g) ? json_integer_value(g) : 0;
            gcount[gi >= 0 && gi <= 10 ? gi : 0]++;
        }
        json_array_append_new(res, group_stats(cat, reg, year, v, m, gcount));
        start = i;
    }
    free(v);
    json_decref(rows);
    *out = res;
    return TJ_OK;
}

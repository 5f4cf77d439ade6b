/*
 * svc_factor resolution: the published factor for a query, region and year.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"

/* ---- resolution ------------------------------------------------------ */

void svc_factor_resolution_release(svc_factor_resolution *r)
{
    svc_factor_release(&r->factor);
    free(r->explanation);
    free(r->chain);
    memset(r, 0, sizeof *r);
    svc_factor_init(&r->factor);
}

/* A resolution candidate, from factor_name (published versions). */
typedef struct res_cand {
    char *id;
    int version;
    int rank; /* index in the region chain (lower better) */
    int ref_year;
    char *source_date;
} res_cand;

static void res_cands_clear(res_cand *c, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free(c[i].id);
        free(c[i].source_date);
    }
    *n = 0;
}

/* Is a better than b? */
static int better(const res_cand *a, const res_cand *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    if (a->ref_year != b->ref_year)
        return a->ref_year > b->ref_year;
    const char *da = a->source_date ? a->source_date : "", *db = b->source_date ? b->source_date : "";
    int c = strcmp(da, db);
    if (c)
        return c > 0;
    c = strcmp(a->id, b->id);
    if (c)
        return c < 0;
    return a->version > b->version;
}

tj_status svc_factor_resolve(store_db *db, const char *query, const char *region, int year,
                             svc_factor_resolution *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    svc_factor_init(&out->factor);
    if (fx_empty(query))
        return tj_error_set(err, TJ_ERR_USAGE, "query", "empty factor query");
    if (fx_check_utf8("query", query, strlen(query), err) != TJ_OK ||
        fx_check_utf8("region", region, region ? strlen(region) : 0, err) != TJ_OK)
        return TJ_ERR_INPUT;
    svc_regions regions;
    tj_status rc = svc_regions_load(db, &regions, err);
    if (rc != TJ_OK)
        return rc;
    char *norm = fx_name_norm(query);
    store_stmt *st = NULL;
    res_cand *cands = NULL;
    size_t ncand = 0;
    int attempts = 0;
    /* the chain of regions */
    const char *chain[6];
    const char *levels[6];
    int nchain = 0;
    char city[8], prov[8];
    if (!norm) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (fx_empty(region))
        region = "CN";
    const char *level;
    const char *code = svc_region_lookup(&regions, region, &level, city);
    if (!code) {
        rc = tj_error_set(err, TJ_ERR_INPUT, "region",
                          "unknown region \"%s\" (use CN, a grid code such as GRID-HB, or a GB/T 2260 code)",
                          region);
        goto out;
    }
    chain[nchain] = code;
    levels[nchain++] = level;
    if (!strcmp(level, "city")) {
        svc_region_province_of(code, prov);
        chain[nchain] = prov;
        levels[nchain++] = "province";
        code = prov;
    }
    for (const svc_region *g = svc_region_find(&regions, code); g && g->parent && nchain < 6;) {
        const svc_region *parent = svc_region_find(&regions, g->parent);
        if (!parent)
            break;
        chain[nchain] = parent->code;
        levels[nchain++] = parent->level;
        g = parent;
    }
    {
        sbuf c = {0};
        for (int i = 0; i < nchain; i++) {
            if (i)
                sb_add(&c, " > ");
            sb_add(&c, chain[i]);
        }
        out->chain = c.s;
    }
again:
    /* Candidates from factor_name alone (it carries the ranking fields);
     * then the chosen version's row. */
    if ((rc = store_prepare_cached(db,
                                   "SELECT id, version, region, ref_year, source_date FROM factor_name "
                                   "WHERE name_norm = ? AND region IN (?, ?, ?, ?, ?, ?)",
                                   &st, err)) != TJ_OK)
        goto out;
    store_bind_text(st, 1, norm);
    for (int i = 0; i < 6; i++)
        store_bind_text(st, 2 + i, chain[i < nchain ? i : nchain - 1]);
    int s;
    int later_only = 0, later_year = 0;
    while ((s = store_step(st, err)) == 1) {
        res_cand c = {NULL, (int)store_col_int64(st, 1), 0, (int)store_col_int64(st, 3), NULL};
        const char *reg = store_col_text(st, 2);
        while (c.rank < nchain && strcmp(chain[c.rank], reg ? reg : ""))
            c.rank++;
        if (year > 0 && c.ref_year > year) {
            later_only++;
            if (!later_year || c.ref_year < later_year)
                later_year = c.ref_year;
            continue;
        }
        res_cand *nc = realloc(cands, (ncand + 1) * sizeof *nc);
        if (nc)
            cands = nc;
        c.id = fx_strdup(store_col_text(st, 0));
        c.source_date = store_col_is_null(st, 4) ? NULL : fx_strdup(store_col_text(st, 4));
        if (!nc || !c.id || (!store_col_is_null(st, 4) && !c.source_date)) {
            free(c.id);
            free(c.source_date);
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        cands[ncand++] = c;
    }
    store_finalize(st);
    st = NULL;
    if (s < 0) {
        rc = (tj_status)s;
        goto out;
    }
    if (ncand == 0) {
        if (later_only)
            rc = tj_error_set(
                err, TJ_ERR_NOTFOUND, "query",
                "no published factor \"%s\" for %s with a reference year up to %d (the earliest is %d)",
                query, out->chain, year, later_year);
        else
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "query", "no published factor \"%s\" for %s", query,
                              out->chain);
        goto out;
    }
    size_t best = 0;
    for (size_t i = 1; i < ncand; i++)
        if (better(&cands[i], &cands[best]))
            best = i;
    int ties = 0;
    for (size_t i = 0; i < ncand; i++)
        if (cands[i].rank == cands[best].rank && cands[i].ref_year == cands[best].ref_year)
            ties++;
    out->candidates = (int)ncand;
    {
        /* the chosen version, published still (else a concurrent change
         * got in between: look again) */
        char sql[2048];
        snprintf(sql, sizeof sql, "SELECT %s FROM factor_version fv WHERE fv.id = ? AND fv.version = ? AND "
                                  "fv.status = 'published'", fx_db_columns());
        if ((rc = store_prepare_cached(db, sql, &st, err)) != TJ_OK)
            goto out;
        store_bind_text(st, 1, cands[best].id);
        store_bind_int64(st, 2, cands[best].version);
        s = store_step(st, err);
        if (s == 1)
            fx_read_row(st, 0, &out->factor);
        store_finalize(st);
        st = NULL;
        if (s < 0) {
            rc = (tj_status)s;
            goto out;
        }
        if (s == 0) {
            res_cands_clear(cands, &ncand);
            if (++attempts < 3)
                goto again;
            rc = tj_error_set(err, TJ_ERR_CONFLICT, "query", "factors for \"%s\" kept changing; try again", query);
            goto out;
        }
    }
    {
        const svc_factor *b = &out->factor;
        sbuf e = {0};
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%d published version(s) match \"%s\" in %s", (int)ncand, query,
                 out->chain);
        sb_add(&e, tmp);
        if (year > 0) {
            snprintf(tmp, sizeof tmp, " with a reference year up to %d", year);
            sb_add(&e, tmp);
        }
        sb_add(&e, ". ");
        for (int i = 0; i < cands[best].rank; i++) {
            snprintf(tmp, sizeof tmp, "None for %s (%s); ", chain[i], levels[i]);
            sb_add(&e, tmp);
        }
        snprintf(tmp, sizeof tmp, "chose %s (%s)", chain[cands[best].rank], levels[cands[best].rank]);
        sb_add(&e, tmp);
        if (b->ref_year) {
            if (year > 0)
                snprintf(tmp, sizeof tmp, ", reference year %d, the newest not after %d%s", b->ref_year, year,
                         b->ref_year == year ? "" : " (no factor for that year there)");
            else
                snprintf(tmp, sizeof tmp, ", reference year %d, the newest", b->ref_year);
            sb_add(&e, tmp);
        }
        if (ties > 1) {
            snprintf(tmp, sizeof tmp,
                     "; %d candidates tied on region and year, broken by newer source date, then "
                     "smaller id",
                     ties);
            sb_add(&e, tmp);
        }
        snprintf(tmp, sizeof tmp, ": %s@%d = %.10g kg CO2e/%s.", b->id, b->version, b->value, b->unit);
        sb_add(&e, tmp);
        if (e.oom) {
            free(e.s);
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        out->explanation = e.s;
    }
out:
    store_finalize(st);
    res_cands_clear(cands, &ncand);
    free(cands);
    free(norm);
    svc_regions_release(&regions);
    if (rc != TJ_OK)
        svc_factor_resolution_release(out);
    return rc;
}


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
#include "store/factor_sql.h"

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

typedef struct cand_acc {
    res_cand **cands;
    size_t *n;
    const char *const *chain;
    int nchain, year;
    int later_only, later_year;
} cand_acc;

static tj_status add_cand(void *arg, const char *id, int version, const char *region, int ref_year,
                          const char *source_date, tj_error *err)
{
    cand_acc *a = arg;
    res_cand c = {NULL, version, 0, ref_year, NULL};
    while (c.rank < a->nchain && strcmp(a->chain[c.rank], region ? region : ""))
        c.rank++;
    if (a->year > 0 && c.ref_year > a->year) {
        a->later_only++;
        if (!a->later_year || c.ref_year < a->later_year)
            a->later_year = c.ref_year;
        return TJ_OK;
    }
    res_cand *nc = realloc(*a->cands, (*a->n + 1) * sizeof *nc);
    if (nc)
        *a->cands = nc;
    c.id = fx_strdup(id);
    c.source_date = fx_strdup(source_date);
    if (!nc || !c.id || (source_date && !c.source_date)) {
        free(c.id);
        free(c.source_date);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    (*a->cands)[(*a->n)++] = c;
    return TJ_OK;
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

static tj_status resolve_name(store_db *db, const char *query, const char *region, int year,
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
    res_cand *cands = NULL;
    size_t ncand = 0;
    int attempts = 0, later_only = 0, later_year = 0;
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
    {
        cand_acc acc = {&cands, &ncand, chain, nchain, year, 0, 0};
        rc = factor_sql_name_candidates(db, norm, chain, nchain, add_cand, &acc, err);
        later_only = acc.later_only;
        later_year = acc.later_year;
        if (rc != TJ_OK)
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
        int found;
        if ((rc = factor_sql_get(db, cands[best].id, cands[best].version, 1, fx_row_into, &out->factor, &found,
                                 err)) != TJ_OK)
            goto out;
        if (!found) {
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
    res_cands_clear(cands, &ncand);
    free(cands);
    free(norm);
    svc_regions_release(&regions);
    if (rc != TJ_OK)
        svc_factor_resolution_release(out);
    return rc;
}


/* The region chain of region (as resolve_name builds it), into codes[6]
 * (malloc'ed each); returns how many, 0 if the region is unknown. */
static int region_chain(store_db *db, const char *region, char *codes[6], tj_error *err)
{
    svc_regions regions;
    if (svc_regions_load(db, &regions, err) != TJ_OK)
        return -1;
    const char *level;
    char city[8], prov[8];
    const char *code = svc_region_lookup(&regions, fx_empty(region) ? "CN" : region, &level, city);
    int n = 0;
    if (code) {
        codes[n++] = fx_strdup(code);
        if (!strcmp(level, "city")) {
            svc_region_province_of(code, prov);
            codes[n++] = fx_strdup(prov);
            code = prov;
        }
        for (const svc_region *g = svc_region_find(&regions, code); g && g->parent && n < 6;) {
            const svc_region *parent = svc_region_find(&regions, g->parent);
            if (!parent)
                break;
            codes[n++] = fx_strdup(parent->code);
            g = parent;
        }
    }
    svc_regions_release(&regions);
    return n;
}

typedef struct family {
    char *norm;     /* the family's name, normalised */
    const char *name; /* as written (borrowed from the list) */
    const svc_factor *sample; /* its version nearest the region */
    int rank;
} family;

/* Everyday words ("电力", "diesel"): the published versions in the region
 * chain whose names, aliases, category, region names or codes contain every
 * word, grouped into families by name (name_zh, else name_en: the versions
 * of one factor for other regions and years share it).  One family: it is
 * resolved by its name as usual.  Several: TJ_ERR_CONFLICT listing them and
 * saying how to pick (a family's name or a factor id), never "no factor". */
static tj_status resolve_words(svc_ctx *ctx, const char *query, const char *region, int year,
                               svc_factor_resolution *out, tj_error *err)
{
    char *chain[6] = {0};
    int nchain = region_chain(ctx->db, region, chain, err);
    if (nchain < 0)
        return err->code;
    svc_factor_query q = {query, NULL, NULL, 0, "published", 1000, 0, 0};
    svc_factor_list l;
    tj_status rc = fx_search(ctx->db, &q, NULL, &l, err);
    family *fam = NULL;
    size_t nfam = 0;
    if (rc != TJ_OK)
        goto out;
    for (size_t i = 0; i < l.count && rc == TJ_OK; i++) {
        const svc_factor *f = &l.items[i];
        int rank = 0;
        while (rank < nchain && strcmp(chain[rank], f->region ? f->region : ""))
            rank++;
        if (rank == nchain)
            continue; /* another region's */
        const char *name = !fx_empty(f->name_zh) ? f->name_zh : !fx_empty(f->name_en) ? f->name_en : f->id;
        char *norm = fx_name_norm(name);
        if (!norm) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        size_t k = 0;
        while (k < nfam && strcmp(fam[k].norm, norm))
            k++;
        if (k < nfam) {
            free(norm);
            if (rank < fam[k].rank)
                fam[k].rank = rank, fam[k].sample = f;
            continue;
        }
        family *nf = realloc(fam, (nfam + 1) * sizeof *nf);
        if (!nf) {
            free(norm);
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        fam = nf;
        fam[nfam++] = (family){norm, name, f, rank};
    }
    if (rc != TJ_OK)
        goto out;
    if (nfam == 0) {
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "query",
                          "no published factor is named \"%s\" or has it in its names, aliases or category for "
                          "%s%s / 未找到匹配的已发布因子",
                          query, fx_empty(region) ? "CN" : region, "");
        goto out;
    }
    if (nfam == 1) {
        tj_error e2;
        rc = resolve_name(ctx->db, fam[0].name, region, year, out, &e2);
        if (rc != TJ_OK) {
            *err = e2;
            goto out;
        }
        char *why = NULL;
        if (asprintf(&why, "\"%s\" is not a factor name; by its words it matches one factor family, \"%s\". %s",
                     query, fam[0].name, out->explanation) < 0) {
            svc_factor_resolution_release(out);
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        free(out->explanation);
        out->explanation = why;
        goto out;
    }
    /* several: nearest region first, then by name */
    for (size_t i = 1; i < nfam; i++)
        for (size_t j = i; j > 0 && (fam[j].rank < fam[j - 1].rank ||
                                     (fam[j].rank == fam[j - 1].rank && strcmp(fam[j].norm, fam[j - 1].norm) < 0));
             j--) {
            family t = fam[j];
            fam[j] = fam[j - 1];
            fam[j - 1] = t;
        }
    sbuf m = {0};
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%zu", nfam);
    sb_add(&m, tmp);
    sb_add(&m, " factor families match \"");
    sb_add(&m, query);
    sb_add(&m, "\" / 多个因子族匹配: ");
    for (size_t i = 0; i < nfam; i++) {
        sb_add(&m, i ? "; " : "");
        sb_add(&m, "\"");
        sb_add(&m, fam[i].name);
        sb_add(&m, "\" (");
        sb_add(&m, fam[i].sample->id);
        sb_add(&m, ", ");
        sb_add(&m, fam[i].sample->region);
        sb_add(&m, ")");
    }
    sb_add(&m, ". Resolve by one of these names or give an id / 请用上列名称之一或因子ID解析");
    out->families = nfam;
    rc = tj_error_set(err, TJ_ERR_CONFLICT, "query", "%s", m.oom ? "several factor families match" : m.s);
    free(m.s);
out:
    for (size_t i = 0; i < nfam; i++)
        free(fam[i].norm);
    free(fam);
    if (rc == TJ_OK || l.items)
        svc_factor_list_release(&l);
    for (int i = 0; i < 6; i++)
        free(chain[i]);
    return rc;
}

tj_status svc_factor_resolve(svc_ctx *ctx, const char *query, const char *region, int year,
                             svc_factor_resolution *out, tj_error *err)
{
    if (query && strlen(query) > SVC_FACTOR_QUERY_MAX)
        return tj_error_set(err, TJ_ERR_INPUT, "query", "the query is longer than %u bytes; refused / 查询过长",
                            SVC_FACTOR_QUERY_MAX);
    /* published versions only: public, no role needed */
    tj_status rc = resolve_name(ctx->db, query, region, year, out, err);
    if (rc != TJ_ERR_NOTFOUND || !strstr(err->message, "no published factor \""))
        return rc;
    if (strstr(err->message, "with a reference year up to"))
        return rc; /* the name exists, only for later years */
    return resolve_words(ctx, query, region, year, out, err);
}

json_t *svc_factor_resolution_json(const svc_factor_resolution *r)
{
    const svc_factor *f = &r->factor;
    char *ref = NULL;
    if (asprintf(&ref, "%s@%d", f->id, f->version) < 0)
        return NULL;
    json_t *j = json_pack("{s:s, s:f, s:s, s:s?, s:s?, s:s, s:s, s:i, s:o}", "ref", ref, "value", f->value, "unit",
                     f->unit, "source", f->source_doc, "quality", f->quality, "chain", r->chain, "explanation",
                     r->explanation, "candidates", r->candidates, "factor", svc_factor_to_json(f));
    free(ref);
    return j;
}

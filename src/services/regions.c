/*
 * Regions: the region table (GB/T 2260 codes, grids, CN), their names, and
 * ISO 3166-2:CN subdivision codes; see services/regions.h.
 */
#include <pthread.h>
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
#include "store/region_sql.h"
#include "tanji/text.h"

/* ISO 3166-2:CN subdivision codes and their GB/T 2260 codes. */
static const struct {
    const char *iso, *gb;
} iso_cn[] = {
    {"CN-BJ", "110000"}, {"CN-TJ", "120000"}, {"CN-HE", "130000"}, {"CN-SX", "140000"},
    {"CN-NM", "150000"}, {"CN-LN", "210000"}, {"CN-JL", "220000"}, {"CN-HL", "230000"},
    {"CN-SH", "310000"}, {"CN-JS", "320000"}, {"CN-ZJ", "330000"}, {"CN-AH", "340000"},
    {"CN-FJ", "350000"}, {"CN-JX", "360000"}, {"CN-SD", "370000"}, {"CN-HA", "410000"},
    {"CN-HB", "420000"}, {"CN-HN", "430000"}, {"CN-GD", "440000"}, {"CN-GX", "450000"},
    {"CN-HI", "460000"}, {"CN-CQ", "500000"}, {"CN-SC", "510000"}, {"CN-GZ", "520000"},
    {"CN-YN", "530000"}, {"CN-XZ", "540000"}, {"CN-SN", "610000"}, {"CN-GS", "620000"},
    {"CN-QH", "630000"}, {"CN-NX", "640000"}, {"CN-XJ", "650000"}, {"CN-TW", "710000"},
    {"CN-HK", "810000"}, {"CN-MO", "820000"},
};

const char *svc_region_from_iso(const char *iso)
{
    if (!iso)
        return NULL;
    if (!strcmp(iso, "CN"))
        return "CN";
    for (size_t i = 0; i < sizeof iso_cn / sizeof iso_cn[0]; i++)
        if (!strcmp(iso_cn[i].iso, iso))
            return iso_cn[i].gb;
    return NULL;
}

/* ---- regions --------------------------------------------------------- */

void svc_regions_release(svc_regions *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].code);
        free(r->items[i].level);
        free(r->items[i].parent);
        free(r->items[i].name_zh);
        free(r->items[i].name_en);
    }
    free(r->items);
    memset(r, 0, sizeof *r);
}

/* The region table changes only with migrations: it is read once per
 * connection and copied from this cache afterwards. */
static pthread_mutex_t region_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t region_cache_serial;
static svc_regions region_cache;

static int regions_copy(svc_regions *dst, const svc_regions *src)
{
    memset(dst, 0, sizeof *dst);
    dst->items = calloc(src->count ? src->count : 1, sizeof *dst->items);
    if (!dst->items)
        return -1;
    for (size_t i = 0; i < src->count; i++) {
        const svc_region *a = &src->items[i];
        svc_region *b = &dst->items[i];
        b->code = fx_strdup(a->code);
        b->level = fx_strdup(a->level);
        b->parent = fx_strdup(a->parent);
        b->name_zh = fx_strdup(a->name_zh);
        b->name_en = fx_strdup(a->name_en);
        dst->count++;
        if (!b->code || !b->level || (a->parent && !b->parent) || !b->name_zh || !b->name_en) {
            svc_regions_release(dst);
            return -1;
        }
    }
    return 0;
}

static tj_status regions_query(store_db *db, svc_regions *r, tj_error *err);

tj_status svc_regions_load(store_db *db, svc_regions *r, tj_error *err)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_lock(&region_cache_lock);
    if (region_cache_serial == store_serial(db)) {
        int bad = regions_copy(r, &region_cache);
        pthread_mutex_unlock(&region_cache_lock);
        return bad ? tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory") : TJ_OK;
    }
    pthread_mutex_unlock(&region_cache_lock);
    tj_status rc = regions_query(db, r, err);
    if (rc != TJ_OK)
        return rc;
    svc_regions copy;
    if (regions_copy(&copy, r) == 0) {
        pthread_mutex_lock(&region_cache_lock);
        svc_regions_release(&region_cache);
        region_cache = copy;
        region_cache_serial = store_serial(db);
        pthread_mutex_unlock(&region_cache_lock);
    }
    return TJ_OK;
}

static tj_status add_region(void *arg, const char *code, const char *level, const char *parent,
                            const char *name_zh, const char *name_en, tj_error *err)
{
    svc_regions *r = arg;
    svc_region *n = realloc(r->items, (r->count + 1) * sizeof *n);
    if (!n)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    r->items = n;
    svc_region *g = &r->items[r->count++];
    g->code = fx_strdup(code);
    g->level = fx_strdup(level);
    g->parent = fx_strdup(parent);
    g->name_zh = fx_strdup(name_zh);
    g->name_en = fx_strdup(name_en);
    if (!g->code || !g->level || (parent && !g->parent) || !g->name_zh || !g->name_en)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return TJ_OK;
}

static tj_status regions_query(store_db *db, svc_regions *r, tj_error *err)
{
    memset(r, 0, sizeof *r);
    tj_status rc = region_sql_all(db, add_region, r, err);
    if (rc != TJ_OK)
        svc_regions_release(r);
    return rc;
}

const svc_region *svc_region_find(const svc_regions *r, const char *code)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->items[i].code, code))
            return &r->items[i];
    return NULL;
}

int svc_region_is_gb_code(const char *s)
{
    if (strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Province of a GB/T 2260 city/county code, into buf[7]. */
void svc_region_province_of(const char *code, char *buf)
{
    memcpy(buf, code, 2);
    memcpy(buf + 2, "0000", 5);
}

/* Resolve a region code or name to a code; level out. */
const char *svc_region_lookup(const svc_regions *r, const char *in, const char **level, char *citybuf)
{
    /* ISO 3166-2:CN subdivision codes (CN-YN) name provinces too. */
    const char *gb = svc_region_from_iso(in);
    if (gb && strcmp(gb, "CN"))
        in = gb;
    const svc_region *g = svc_region_find(r, in);
    if (g) {
        *level = g->level;
        return g->code;
    }
    if (svc_region_is_gb_code(in)) {
        char prov[8];
        svc_region_province_of(in, prov);
        if (svc_region_find(r, prov)) {
            memcpy(citybuf, in, 7);
            *level = "city";
            return citybuf;
        }
        return NULL;
    }
    size_t n = strlen(in);
    for (size_t i = 0; i < r->count; i++) {
        const svc_region *x = &r->items[i];
        if (!strcasecmp(x->name_en, in) || !strcmp(x->name_zh, in)) {
            *level = x->level;
            return x->code;
        }
        /* 云南省, 北京市, 华北 (for 华北电网), North China */
        size_t z = strlen(x->name_zh);
        if (n < z && !strncmp(x->name_zh, in, n) && n >= 6) {
            *level = x->level;
            return x->code;
        }
        if (n > z && !strncmp(x->name_zh, in, z) &&
            (!strcmp(in + z, "省") || !strcmp(in + z, "市") || !strcmp(in + z, "自治区") ||
             !strcmp(in + z, "壮族自治区") || !strcmp(in + z, "回族自治区") ||
             !strcmp(in + z, "维吾尔自治区"))) {
            *level = x->level;
            return x->code;
        }
    }
    return NULL;
}

char *svc_region_normalize(store_db *db, const char *region, tj_error *err)
{
    svc_regions r;
    if (svc_regions_load(db, &r, err) != TJ_OK)
        return NULL;
    const char *level;
    char city[8];
    const char *code = svc_region_lookup(&r, region, &level, city);
    char *out = code ? fx_strdup(code) : NULL;
    svc_regions_release(&r);
    if (!code)
        tj_error_set(err, TJ_ERR_INPUT, "region",
                     "unknown region \"%s\" (use CN, a grid code such as GRID-HB, a GB/T 2260 code such as "
                     "530000, or an ISO 3166-2 code such as CN-YN)",
                     region);
    return out;
}


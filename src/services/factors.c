/*
 * svc_factor: factor records, workflow, reading, history, search and
 * resolution.  Import, export and cross-checks are in factors_io.c.
 */
#include "services/factors.h"
#include "tanji/text.h"
#include "services/factors_internal.h"
#include "services/ctx.h"
#include "services/model_factors.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers --------------------------------------------------- */

char *fx_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

tj_status fx_check_utf8(const char *what, const char *s, size_t n, tj_error *err)
{
    if (s && tj_utf8_valid_prefix(s, n) != n)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s is not valid UTF-8", what);
    return TJ_OK;
}

int fx_empty(const char *s)
{
    return !s || !*s;
}

void svc_now_rfc3339(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* name_norm: ASCII lower case, trimmed, inner white space collapsed. */
char *fx_name_norm(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = 0;
        out[o++] = (char)tolower(c);
    }
    out[o] = 0;
    return out;
}

/* ---- the record ------------------------------------------------------ */

#define F(name, type)                                                                                        \
    {                                                                                                        \
#name, type, offsetof(svc_factor, name)                                                              \
    }
const svc_field svc_factor_fields[] = {
    F(id, SVC_FT_TEXT),           F(version, SVC_FT_INT),        F(status, SVC_FT_TEXT),
    F(name_zh, SVC_FT_TEXT),      F(name_en, SVC_FT_TEXT),       F(aliases, SVC_FT_TEXT),
    F(category, SVC_FT_TEXT),     F(cpc, SVC_FT_TEXT),           F(hs, SVC_FT_TEXT),
    F(unit, SVC_FT_TEXT),         F(value, SVC_FT_DOUBLE),       F(gases, SVC_FT_JSON),
    F(stages, SVC_FT_JSON),       F(boundary, SVC_FT_TEXT),      F(region, SVC_FT_TEXT),
    F(region_level, SVC_FT_TEXT), F(ref_year, SVC_FT_INT),       F(valid_from, SVC_FT_TEXT),
    F(valid_to, SVC_FT_TEXT),     F(source_doc, SVC_FT_TEXT),    F(source_publisher, SVC_FT_TEXT),
    F(source_date, SVC_FT_TEXT),  F(source_url, SVC_FT_TEXT),    F(method, SVC_FT_TEXT),
    F(gwp_set, SVC_FT_TEXT),      F(uncertainty, SVC_FT_DOUBLE), F(dqr, SVC_FT_JSON),
    F(quality, SVC_FT_TEXT),      F(submitter_org, SVC_FT_TEXT), F(traceable, SVC_FT_INT),
    F(superseded_by, SVC_FT_INT), F(created_at, SVC_FT_TEXT),    F(created_by, SVC_FT_TEXT),
    F(updated_at, SVC_FT_TEXT),   F(evidence, SVC_FT_TEXT), /* not a factor_version column: keep last */
};
#undef F
const size_t svc_factor_field_count = sizeof svc_factor_fields / sizeof svc_factor_fields[0];
/* factor_version columns, in svc_factor_fields order (all but evidence). */
const size_t fx_db_field_count = sizeof svc_factor_fields / sizeof svc_factor_fields[0] - 1;

const char *fx_db_columns(void)
{
    static char cols[1024];
    if (!cols[0]) {
        size_t o = 0;
        for (size_t i = 0; i < fx_db_field_count; i++)
            o += (size_t)snprintf(cols + o, sizeof cols - o, "%sfv.%s", i ? ", " : "",
                                  svc_factor_fields[i].name);
    }
    return cols;
}

void svc_factor_init(svc_factor *f)
{
    memset(f, 0, sizeof *f);
    f->value = NAN;
    f->uncertainty = NAN;
}

void svc_factor_release(svc_factor *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < svc_factor_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        if (fd->type == SVC_FT_TEXT || fd->type == SVC_FT_JSON) {
            char **p = (char **)((char *)f + fd->offset);
            free(*p);
        }
    }
    svc_factor_init(f);
}

const svc_field *svc_factor_field_find(const char *name)
{
    for (size_t i = 0; i < svc_factor_field_count; i++)
        if (!strcmp(svc_factor_fields[i].name, name))
            return &svc_factor_fields[i];
    return NULL;
}

static int parse_bool(const char *s)
{
    static const char *yes[] = {"1", "yes", "true", "y", "是"};
    static const char *no[] = {"0", "no", "false", "n", "否"};
    for (size_t i = 0; i < 5; i++) {
        if (!strcasecmp(s, yes[i]))
            return 1;
        if (!strcasecmp(s, no[i]))
            return 0;
    }
    return -1;
}

tj_status svc_factor_set_field(svc_factor *f, const svc_field *fd, const char *text, tj_error *err)
{
    void *p = (char *)f + fd->offset;
    if (!text)
        text = "";
    /* trim surrounding white space */
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r' || text[n - 1] == '\n'))
        n--;
    if (fx_check_utf8(fd->name, text, n, err) != TJ_OK)
        return TJ_ERR_INPUT;
    char *t = malloc(n + 1);
    if (!t)
        return tj_error_set(err, TJ_ERR_NOMEM, fd->name, "out of memory");
    memcpy(t, text, n);
    t[n] = 0;
    tj_status rc = TJ_OK;
    switch (fd->type) {
    case SVC_FT_TEXT:
        free(*(char **)p);
        *(char **)p = n ? t : NULL;
        if (!n)
            free(t);
        return TJ_OK;
    case SVC_FT_INT: {
        int *ip = p;
        if (!n) {
            *ip = 0;
            break;
        }
        if (!strcmp(fd->name, "traceable")) {
            int b = parse_bool(t);
            if (b < 0)
                rc = tj_error_set(err, TJ_ERR_INPUT, fd->name, "\"%s\" is not yes/no", t);
            else
                *ip = b;
            break;
        }
        char *end;
        errno = 0;
        long v = strtol(t, &end, 10);
        if (errno || *end || v < 0 || v > 1000000000)
            rc = tj_error_set(err, TJ_ERR_INPUT, fd->name, "\"%s\" is not a whole number", t);
        else
            *ip = (int)v;
        break;
    }
    case SVC_FT_DOUBLE: {
        double *dp = p;
        if (!n) {
            *dp = NAN;
            break;
        }
        char *end;
        errno = 0;
        double v = strtod(t, &end);
        if (errno || *end || !isfinite(v))
            rc = tj_error_set(err, TJ_ERR_INPUT, fd->name, "\"%s\" is not a number", t);
        else
            *dp = v;
        break;
    }
    case SVC_FT_JSON: {
        char **sp = p;
        free(*sp);
        *sp = NULL;
        if (!n)
            break;
        json_error_t je;
        json_t *j = json_loads(t, 0, &je);
        if (!j || !json_is_object(j)) {
            rc = tj_error_set(err, TJ_ERR_INPUT, fd->name, "not a JSON object: %s",
                              j ? "wrong type" : je.text);
            json_decref(j);
            break;
        }
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            if (strcmp(fd->name, "dqr") && !json_is_number(v)) {
                rc = tj_error_set(err, TJ_ERR_INPUT, fd->name, "\"%s\" must be a number (kg CO2e per unit)",
                                  k);
                break;
            }
        }
        if (rc == TJ_OK) {
            *sp = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            if (!*sp)
                rc = tj_error_set(err, TJ_ERR_NOMEM, fd->name, "out of memory");
        }
        json_decref(j);
        break;
    }
    }
    free(t);
    return rc;
}

char *svc_factor_get_field(const svc_factor *f, const svc_field *fd)
{
    const void *p = (const char *)f + fd->offset;
    char buf[64];
    switch (fd->type) {
    case SVC_FT_TEXT:
    case SVC_FT_JSON: {
        const char *s = *(char *const *)p;
        return fx_strdup(s ? s : "");
    }
    case SVC_FT_INT: {
        int v = *(const int *)p;
        if (v == 0 && strcmp(fd->name, "traceable"))
            return fx_strdup("");
        snprintf(buf, sizeof buf, "%d", v);
        return fx_strdup(buf);
    }
    case SVC_FT_DOUBLE: {
        double v = *(const double *)p;
        if (isnan(v))
            return fx_strdup("");
        /* shortest of %.15g / %.17g that reads back exactly */
        snprintf(buf, sizeof buf, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, sizeof buf, "%.17g", v);
        return fx_strdup(buf);
    }
    }
    return NULL;
}

/* ---- regions --------------------------------------------------------- */

void fx_regions_release(fx_regions *r)
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
static fx_regions region_cache;

static int regions_copy(fx_regions *dst, const fx_regions *src)
{
    memset(dst, 0, sizeof *dst);
    dst->items = calloc(src->count ? src->count : 1, sizeof *dst->items);
    if (!dst->items)
        return -1;
    for (size_t i = 0; i < src->count; i++) {
        const fx_region *a = &src->items[i];
        fx_region *b = &dst->items[i];
        b->code = fx_strdup(a->code);
        b->level = fx_strdup(a->level);
        b->parent = fx_strdup(a->parent);
        b->name_zh = fx_strdup(a->name_zh);
        b->name_en = fx_strdup(a->name_en);
        dst->count++;
        if (!b->code || !b->level || (a->parent && !b->parent) || !b->name_zh || !b->name_en) {
            fx_regions_release(dst);
            return -1;
        }
    }
    return 0;
}

static tj_status regions_query(store_db *db, fx_regions *r, tj_error *err);

tj_status fx_regions_load(store_db *db, fx_regions *r, tj_error *err)
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
    fx_regions copy;
    if (regions_copy(&copy, r) == 0) {
        pthread_mutex_lock(&region_cache_lock);
        fx_regions_release(&region_cache);
        region_cache = copy;
        region_cache_serial = store_serial(db);
        pthread_mutex_unlock(&region_cache_lock);
    }
    return TJ_OK;
}

static tj_status regions_query(store_db *db, fx_regions *r, tj_error *err)
{
    memset(r, 0, sizeof *r);
    store_stmt *st;
    tj_status rc =
        store_prepare(db, "SELECT code, level, parent, name_zh, name_en FROM region ORDER BY code", &st, err);
    if (rc != TJ_OK)
        return rc;
    int s;
    while ((s = store_step(st, err)) == 1) {
        fx_region *n = realloc(r->items, (r->count + 1) * sizeof *n);
        if (!n) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        r->items = n;
        fx_region *g = &r->items[r->count++];
        g->code = fx_strdup(store_col_text(st, 0));
        g->level = fx_strdup(store_col_text(st, 1));
        g->parent = fx_strdup(store_col_text(st, 2));
        g->name_zh = fx_strdup(store_col_text(st, 3));
        g->name_en = fx_strdup(store_col_text(st, 4));
    }
    store_finalize(st);
    if (s < 0) {
        fx_regions_release(r);
        return (tj_status)s;
    }
    return TJ_OK;
}

const fx_region *fx_region_find(const fx_regions *r, const char *code)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->items[i].code, code))
            return &r->items[i];
    return NULL;
}

static int is_six_digits(const char *s)
{
    if (strlen(s) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Province of a GB/T 2260 city/county code, into buf[7]. */
static void province_of(const char *code, char *buf)
{
    memcpy(buf, code, 2);
    memcpy(buf + 2, "0000", 5);
}

/* Resolve a region code or name to a code; level out. */
static const char *region_lookup(const fx_regions *r, const char *in, const char **level, char *citybuf)
{
    /* ISO 3166-2:CN subdivision codes (CN-YN) name provinces too. */
    const char *gb = svc_region_from_iso(in);
    if (gb && strcmp(gb, "CN"))
        in = gb;
    const fx_region *g = fx_region_find(r, in);
    if (g) {
        *level = g->level;
        return g->code;
    }
    if (is_six_digits(in)) {
        char prov[8];
        province_of(in, prov);
        if (fx_region_find(r, prov)) {
            memcpy(citybuf, in, 7);
            *level = "city";
            return citybuf;
        }
        return NULL;
    }
    size_t n = strlen(in);
    for (size_t i = 0; i < r->count; i++) {
        const fx_region *x = &r->items[i];
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
    fx_regions r;
    if (fx_regions_load(db, &r, err) != TJ_OK)
        return NULL;
    const char *level;
    char city[8];
    const char *code = region_lookup(&r, region, &level, city);
    char *out = code ? fx_strdup(code) : NULL;
    fx_regions_release(&r);
    if (!code)
        tj_error_set(err, TJ_ERR_INPUT, "region",
                     "unknown region \"%s\" (use CN, a grid code such as GRID-HB, a GB/T 2260 code such as "
                     "530000, or an ISO 3166-2 code such as CN-YN)",
                     region);
    return out;
}

/* ---- validation ------------------------------------------------------ */

static int valid_date(const char *s)
{
    /* YYYY, YYYY-MM or YYYY-MM-DD */
    size_t n = strlen(s);
    if (n != 4 && n != 7 && n != 10)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int valid_evidence(const char *s)
{
    const char *p = s;
    while (*p) {
        for (int i = 0; i < 64; i++, p++)
            if (!isxdigit((unsigned char)*p))
                return 0;
        if (*p == '=') /* a name up to ';' */
            while (*p && *p != ';')
                p++;
        if (*p == ';')
            p++;
        else if (*p)
            return 0;
    }
    return 1;
}

tj_status fx_validate(const fx_regions *regions, svc_factor *f, tj_error *err)
{
    if (fx_empty(f->name_zh) && fx_empty(f->name_en))
        return tj_error_set(err, TJ_ERR_INPUT, "name_zh", "a factor needs a name (name_zh or name_en)");
    if (fx_empty(f->category))
        return tj_error_set(err, TJ_ERR_INPUT, "category", "missing category");
    if (fx_empty(f->unit))
        return tj_error_set(err, TJ_ERR_INPUT, "unit", "missing declared unit");
    if (!isfinite(f->value))
        return tj_error_set(err, TJ_ERR_INPUT, "value", "missing value (kg CO2e per declared unit)");
    if (fx_empty(f->region))
        return tj_error_set(err, TJ_ERR_INPUT, "region",
                            "missing region (CN, a grid code, or a GB/T 2260 code)");
    const char *level;
    char city[8];
    const char *code = region_lookup(regions, f->region, &level, city);
    if (!code)
        return tj_error_set(
            err, TJ_ERR_INPUT, "region",
            "unknown region \"%s\" (use CN, a grid code such as GRID-HB, or a GB/T 2260 code)", f->region);
    if (strcmp(code, f->region)) {
        char *c = fx_strdup(code);
        if (!c)
            return tj_error_set(err, TJ_ERR_NOMEM, "region", "out of memory");
        free(f->region);
        f->region = c;
    }
    free(f->region_level);
    f->region_level = fx_strdup(level);
    if (f->ref_year && (f->ref_year < 1900 || f->ref_year > 2200))
        return tj_error_set(err, TJ_ERR_INPUT, "ref_year", "reference year %d is out of range", f->ref_year);
    if (!isnan(f->uncertainty) && f->uncertainty < 0)
        return tj_error_set(err, TJ_ERR_INPUT, "uncertainty", "uncertainty must not be negative");
    if (fx_empty(f->quality)) {
        free(f->quality);
        f->quality = fx_strdup("verified");
    } else if (strcmp(f->quality, "verified") && strcmp(f->quality, "unverified") &&
               strcmp(f->quality, "example")) {
        return tj_error_set(err, TJ_ERR_INPUT, "quality",
                            "quality must be verified, unverified or example, not \"%s\"", f->quality);
    }
    if (f->traceable != 0 && f->traceable != 1)
        return tj_error_set(err, TJ_ERR_INPUT, "traceable", "traceable must be yes or no");
    const char *dates[] = {f->valid_from, f->valid_to, f->source_date};
    const char *dnames[] = {"valid_from", "valid_to", "source_date"};
    for (int i = 0; i < 3; i++)
        if (!fx_empty(dates[i]) && !valid_date(dates[i]))
            return tj_error_set(err, TJ_ERR_INPUT, dnames[i],
                                "\"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", dates[i]);
    if (!fx_empty(f->evidence) && !valid_evidence(f->evidence))
        return tj_error_set(
            err, TJ_ERR_INPUT, "evidence",
            "evidence must be SHA-256 digests (64 hex digits), each optionally =name, separated by ;");
    if (f->id) {
        for (const char *p = f->id; *p; p++)
            if ((unsigned char)*p <= ' ' || *p == '@')
                return tj_error_set(err, TJ_ERR_INPUT, "id", "an id may not contain white space or '@'");
        if (strlen(f->id) > 200)
            return tj_error_set(err, TJ_ERR_INPUT, "id", "id is longer than 200 bytes");
    }
    return TJ_OK;
}

/* search_text: what search matches: names, aliases, category, region names,
 * product codes and id. */
char *fx_search_text(const fx_regions *regions, const svc_factor *f, int fts_tokens)
{
    const char *rz = "", *re = "";
    char prov[8];
    const fx_region *g = f->region ? fx_region_find(regions, f->region) : NULL;
    if (!g && f->region && is_six_digits(f->region)) {
        province_of(f->region, prov);
        g = fx_region_find(regions, prov);
    }
    if (g) {
        rz = g->name_zh;
        re = g->name_en;
    }
    const char *parts[] = {f->name_zh, f->name_en, f->aliases, f->category, rz,
                           re,         f->region,  f->cpc,     f->hs,       f->id};
    size_t len = 1 + 3 * STORE_FTS_TOKEN_SIZE;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        len += (parts[i] ? strlen(parts[i]) : 0) + 3;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (fx_empty(parts[i]))
            continue;
        size_t n = strlen(parts[i]);
        if (o)
            s[o++] = ' ', s[o++] = '|', s[o++] = ' ';
        memcpy(s + o, parts[i], n);
        o += n;
    }
    s[o] = 0;
    /* ASCII lower case: PostgreSQL then matches with LIKE (byte-wise) rather
     * than ILIKE (which lowercases every row it tests). */
    for (char *c = s; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    if (fts_tokens) { /* SQLite: the filters' FTS tokens (store_fts_token) */
        char year[16];
        snprintf(year, sizeof year, "%d", f->ref_year);
        const char *fv[3][2] = {{"y", f->ref_year > 0 ? year : NULL}, {"r", f->region}, {"c", f->category}};
        for (int i = 0; i < 3; i++)
            if (!fx_empty(fv[i][1])) {
                s[o++] = ' ';
                store_fts_token(fv[i][0][0], fv[i][1], s + o);
                o += strlen(s + o);
            }
    }
    return s;
}

/* search_keys (PostgreSQL): a tsvector whose lexemes are the character
 * 4-grams and the non-ASCII bigrams (those with a character beyond ASCII:
 * CJK words are often 2-3 characters) of every white-space separated token
 * of search_text.
 * A search word (never containing white space) occurs in search_text only
 * inside one token, so every bigram and 4-gram of the word is a lexeme of
 * the row: the tsquery of some of them (exact lexemes, which GIN intersects
 * fast, unlike prefix queries) finds a superset of the rows LIKE '%word%'
 * matches, and LIKE decides.  One-character words and ASCII words shorter
 * than 4 get no key.  Very long texts get only the marker lexeme ' ' (no
 * token contains a space), which the search also accepts (a second @@
 * condition). */
#define FX_KEYS_MAX_TEXT 4096

static int key_sep(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ','; }

/* Append the quoted lexeme s[0..n) to o (enough room: 2n + 2). */
static size_t key_quote(char *o, const char *s, size_t n)
{
    size_t k = 0;
    o[k++] = '\'';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            o[k++] = '\\';
        o[k++] = s[i];
    }
    o[k++] = '\'';
    return k;
}

/* The filter lexemes: "y 2018", "r 530000", "c metals" (a space: never in an
 * n-gram), for values up to FX_KEY_FILTER_MAX bytes. */
#define FX_KEY_FILTER_MAX 200
static size_t key_quote_prefixed(char *o, const char *prefix, const char *v)
{
    size_t k = 0;
    o[k++] = '\'';
    for (int part = 0; part < 2; part++)
        for (const char *c = part ? v : prefix; *c; c++) {
            if (*c == '\'' || *c == '\\')
                o[k++] = '\\';
            o[k++] = *c;
        }
    o[k++] = '\'';
    return k;
}

/* Byte offsets of the UTF-8 characters of s[0..n): starts[0..count], with
 * starts[count] = n.  Returns count, or (size_t)-1 when out of memory. */
static size_t utf8_starts(const char *s, size_t n, size_t **starts)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    *starts = malloc((c + 1) * sizeof **starts);
    if (!*starts)
        return (size_t)-1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            (*starts)[k++] = i;
    (*starts)[k] = n;
    return c;
}

typedef struct key_lex {
    const char *s;
    size_t n;
} key_lex;

/* PostgreSQL's lexeme order (tsCompareString): bytes, then the shorter first. */
static int key_lex_cmp(const void *pa, const void *pb)
{
    const key_lex *a = pa, *b = pb;
    int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

char *fx_search_keys(const char *text, const svc_factor *f)
{
    size_t n = strlen(text);
    if (n > FX_KEYS_MAX_TEXT)
        return fx_strdup("' '");
    /* The lexemes, sorted and without duplicates as tsvector stores them,
     * so that the server's tsvector input has nothing to sort (its sort
     * checks for sorted input first) and less to parse.  At most two
     * n-grams start at each character; then three filters. */
    char filters[3][FX_KEY_FILTER_MAX + 16];
    size_t *st = NULL;
    size_t nc = utf8_starts(text, n, &st);
    key_lex *lx = nc == (size_t)-1 ? NULL : malloc((2 * nc + 3) * sizeof *lx);
    if (!lx) {
        free(st);
        return NULL;
    }
    size_t nl = 0, bytes = 0;
    for (size_t i = 0; i < nc;) {
        if (key_sep(text[st[i]])) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < nc && !key_sep(text[st[end]]))
            end++;
        static const size_t grams[] = {2, 4};
        for (size_t g = 0; g < 2; g++)
            for (size_t j = i; j + grams[g] <= end; j++) {
                size_t len = st[j + grams[g]] - st[j];
                if (grams[g] == 2 && len == 2)
                    continue; /* ASCII bigrams are not indexed */
                lx[nl++] = (key_lex){text + st[j], len};
                bytes += len;
            }
        i = end;
    }
    int nf = 0;
    if (f->ref_year > 0)
        snprintf(filters[nf++], sizeof filters[0], "y %d", f->ref_year);
    const char *fv[2][2] = {{"r ", f->region}, {"c ", f->category}};
    for (int i = 0; i < 2; i++)
        if (!fx_empty(fv[i][1]) && strlen(fv[i][1]) <= FX_KEY_FILTER_MAX)
            snprintf(filters[nf++], sizeof filters[0], "%s%s", fv[i][0], fv[i][1]);
    for (int i = 0; i < nf; i++) {
        lx[nl++] = (key_lex){filters[i], strlen(filters[i])};
        bytes += lx[nl - 1].n;
    }
    qsort(lx, nl, sizeof *lx, key_lex_cmp);
    /* doubled by escapes, quoted, and a space each */
    char *o = malloc(2 * bytes + 3 * nl + 1);
    if (!o) {
        free(lx);
        free(st);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < nl; i++) {
        if (i && !key_lex_cmp(&lx[i], &lx[i - 1]))
            continue;
        if (k)
            o[k++] = ' ';
        k += key_quote(o + k, lx[i].s, lx[i].n);
    }
    o[k] = 0;
    free(lx);
    free(st);
    return o;
}

char *fx_new_id(void)
{
    return svc_new_uuid();
}

/* ---- reading rows ---------------------------------------------------- */

void fx_read_row(store_stmt *st, int first, svc_factor *f)
{
    svc_factor_init(f);
    for (size_t i = 0; i < fx_db_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        void *p = (char *)f + fd->offset;
        int c = first + (int)i;
        switch (fd->type) {
        case SVC_FT_TEXT:
        case SVC_FT_JSON: *(char **)p = fx_strdup(store_col_text(st, c)); break;
        case SVC_FT_INT: *(int *)p = (int)store_col_int64(st, c); break;
        case SVC_FT_DOUBLE: *(double *)p = store_col_is_null(st, c) ? NAN : store_col_double(st, c); break;
        }
    }
}

tj_status fx_load_evidence(store_db *db, svc_factor *f, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(
        db, "SELECT sha256, name FROM factor_evidence WHERE id = ? AND version = ? ORDER BY sha256", &st,
        err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, f->id);
    store_bind_int64(st, 2, f->version);
    char *acc = NULL;
    size_t len = 0;
    int s;
    while ((s = store_step(st, err)) == 1) {
        const char *d = store_col_text(st, 0), *n = store_col_text(st, 1);
        size_t add = strlen(d) + (n ? strlen(n) + 1 : 0) + 2;
        char *na = realloc(acc, len + add);
        if (!na) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        acc = na;
        len += (size_t)sprintf(acc + len, "%s%s%s%s", len ? ";" : "", d, n ? "=" : "", n ? n : "");
    }
    store_finalize(st);
    if (s < 0) {
        free(acc);
        return (tj_status)s;
    }
    free(f->evidence);
    f->evidence = acc;
    return TJ_OK;
}

tj_status svc_factor_get(store_db *db, const char *id, int version, svc_factor *out, tj_error *err)
{
    svc_factor_init(out);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM factor_version fv WHERE fv.id = ? %s "
             "ORDER BY CASE WHEN fv.status = 'published' THEN 0 ELSE 1 END, fv.version DESC LIMIT 1",
             fx_db_columns(), version > 0 ? "AND fv.version = ?" : "");
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, sql, &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    if (version > 0)
        store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    if (s == 1)
        fx_read_row(st, 0, out);
    store_finalize(st);
    if (s < 0)
        return (tj_status)s;
    if (s == 0) {
        if (version > 0)
            return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    }
    rc = fx_load_evidence(db, out, err);
    if (rc != TJ_OK)
        svc_factor_release(out);
    return rc;
}

tj_status svc_factor_get_for_use(store_db *db, const char *id, int version, svc_factor *out, tj_error *err)
{
    tj_status rc = svc_factor_get(db, id, version, out, err);
    if (rc != TJ_OK)
        return rc;
    int ok = !strcmp(out->status, "published") || (version > 0 && !strcmp(out->status, "superseded"));
    if (ok)
        return TJ_OK;
    if (version > 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "factor", "%s@%d is %s: only published versions can be used",
                          id, version, out->status);
    else
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor",
                          "%s has no published version (the newest, %d, is %s)", id, out->version,
                          out->status);
    svc_factor_release(out);
    return rc;
}

tj_status svc_factor_parse_ref(const char *ref, char **id, int *version, tj_error *err)
{
    *id = NULL;
    *version = 0;
    if (fx_empty(ref))
        return tj_error_set(err, TJ_ERR_USAGE, "factor", "empty factor reference");
    if (fx_check_utf8("factor", ref, strlen(ref), err) != TJ_OK)
        return TJ_ERR_INPUT;
    const char *at = strrchr(ref, '@');
    if (at) {
        char *end;
        errno = 0;
        long v = strtol(at + 1, &end, 10);
        if (errno || *end || v < 1 || v > 1000000000 || at == ref)
            return tj_error_set(err, TJ_ERR_INPUT, "factor", "\"%s\" is not id@version", ref);
        *version = (int)v;
        *id = strndup(ref, (size_t)(at - ref));
    } else {
        *id = fx_strdup(ref);
    }
    return *id ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

/* ---- writing --------------------------------------------------------- */

tj_status fx_event(store_db *db, const char *id, int version, const char *action, const char *from,
                   const char *to, const char *actor, const char *at, const char *reason, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(
        db,
        "INSERT INTO factor_event (id, version, action, from_status, to_status, actor, at, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    store_bind_text(st, 3, action);
    store_bind_text(st, 4, from);
    store_bind_text(st, 5, to);
    store_bind_text(st, 6, actor);
    store_bind_text(st, 7, at);
    store_bind_text(st, 8, fx_empty(reason) ? NULL : reason);
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* Names for resolution: id, name_zh, name_en and every alias. */
tj_status fx_for_each_name(const svc_factor *f, tj_status (*fn)(void *ctx, const char *norm, tj_error *err),
                           void *ctx, tj_error *err)
{
    const char *direct[] = {f->id, f->name_zh, f->name_en};
    tj_status rc = TJ_OK;
    char *seen[64];
    int nseen = 0;
    char *aliases = fx_strdup(f->aliases ? f->aliases : "");
    if (!aliases)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    const char *list[64];
    int n = 0;
    for (int i = 0; i < 3; i++)
        if (!fx_empty(direct[i]))
            list[n++] = direct[i];
    for (char *save = NULL, *a = strtok_r(aliases, "|", &save); a && n < 64; a = strtok_r(NULL, "|", &save))
        list[n++] = a;
    for (int i = 0; i < n && rc == TJ_OK; i++) {
        char *norm = fx_name_norm(list[i]);
        if (!norm) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        int dup = !*norm;
        for (int k = 0; k < nseen && !dup; k++)
            dup = !strcmp(seen[k], norm);
        if (dup) {
            free(norm);
            continue;
        }
        rc = fn(ctx, norm, err);
        seen[nseen++] = norm;
    }
    for (int k = 0; k < nseen; k++)
        free(seen[k]);
    free(aliases);
    return rc;
}

typedef struct name_ctx {
    store_stmt *st;
    const svc_factor *f;
} name_ctx;

static tj_status insert_name(void *vctx, const char *norm, tj_error *err)
{
    name_ctx *c = vctx;
    store_reset(c->st);
    store_bind_text(c->st, 1, norm);
    store_bind_text(c->st, 2, c->f->id);
    store_bind_int64(c->st, 3, c->f->version);
    store_bind_text(c->st, 4, c->f->region);
    if (c->f->ref_year)
        store_bind_int64(c->st, 5, c->f->ref_year);
    else
        store_bind_null(c->st, 5);
    store_bind_text(c->st, 6, c->f->source_date);
    int s = store_step(c->st, err);
    return s < 0 ? (tj_status)s : TJ_OK;
}

tj_status fx_insert_evidence(store_db *db, const svc_factor *f, tj_error *err)
{
    if (fx_empty(f->evidence))
        return TJ_OK;
    char *ev = fx_strdup(f->evidence);
    if (!ev)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "INSERT INTO factor_evidence (id, version, sha256, name, traceable) VALUES (?, ?, ?, ?, ?)", &st,
        err);
    if (rc != TJ_OK) {
        free(ev);
        return rc;
    }
    for (char *save = NULL, *e = strtok_r(ev, ";", &save); e && rc == TJ_OK; e = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(e, '=');
        if (eq)
            *eq = 0;
        for (char *p = e; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        store_reset(st);
        store_bind_text(st, 1, f->id);
        store_bind_int64(st, 2, f->version);
        store_bind_text(st, 3, e);
        store_bind_text(st, 4, eq ? eq + 1 : NULL);
        store_bind_int64(st, 5, f->traceable);
        int s = store_step(st, err);
        if (s < 0)
            rc = (tj_status)s;
    }
    store_finalize(st);
    free(ev);
    return rc;
}

/* SQLite: index one version (id != NULL) or every version with rid > since
 * (id == NULL) in factor_fts. */
tj_status fx_fts_sync(store_db *db, const char *id, int64_t since_or_version, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(db,
                                 id ? "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text "
                                      "FROM factor_version WHERE id = ? AND version = ? AND status <> 'superseded'"
                                    : "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text "
                                      "FROM factor_version WHERE rid > ? AND status <> 'superseded'",
                                 &st, err);
    if (rc != TJ_OK)
        return rc;
    if (id) {
        store_bind_text(st, 1, id);
        store_bind_int64(st, 2, since_or_version);
    } else {
        store_bind_int64(st, 1, since_or_version);
    }
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* Insert one version row (f fully set: id, version, status, times). */
tj_status fx_insert_version(store_db *db, const fx_regions *regions, const svc_factor *f, tj_error *err)
{
    char sql[2048];
    size_t o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO factor_version (");
    for (size_t i = 0; i < fx_db_field_count; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s, ", svc_factor_fields[i].name);
    int pg = store_backend(db) == STORE_POSTGRES;
    o += (size_t)snprintf(sql + o, sizeof sql - o, pg ? "search_text, search_keys) VALUES (" : "search_text) VALUES (");
    for (size_t i = 0; i <= fx_db_field_count + (size_t)pg; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?", i ? ", " : "");
    snprintf(sql + o, sizeof sql - o, ")");
    store_stmt *st;
    tj_status rc = store_prepare(db, sql, &st, err);
    if (rc != TJ_OK)
        return rc;
    for (size_t i = 0; i < fx_db_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        const void *p = (const char *)f + fd->offset;
        int k = (int)i + 1;
        switch (fd->type) {
        case SVC_FT_TEXT:
        case SVC_FT_JSON: store_bind_text(st, k, *(char *const *)p); break;
        case SVC_FT_INT: {
            int v = *(const int *)p;
            if (v == 0 && strcmp(fd->name, "traceable"))
                store_bind_null(st, k);
            else
                store_bind_int64(st, k, v);
            break;
        }
        case SVC_FT_DOUBLE: {
            double v = *(const double *)p;
            if (isnan(v))
                store_bind_null(st, k);
            else
                store_bind_double(st, k, v);
            break;
        }
        }
    }
    char *search = fx_search_text(regions, f, !pg);
    char *keys = search && pg ? fx_search_keys(search, f) : NULL;
    if (!search || (pg && !keys)) {
        store_finalize(st);
        free(search);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    store_bind_text(st, (int)fx_db_field_count + 1, search);
    if (pg)
        store_bind_text(st, (int)fx_db_field_count + 2, keys);
    int s = store_step(st, err);
    store_finalize(st);
    free(search);
    free(keys);
    if (s < 0)
        return (tj_status)s;
    if (store_backend(db) == STORE_SQLITE) {
        if ((rc = fx_fts_sync(db, f->id, f->version, err)) != TJ_OK)
            return rc;
    }
    if (f->status && !strcmp(f->status, "published") && (rc = fx_insert_names(db, f, err)) != TJ_OK)
        return rc;
    return fx_insert_evidence(db, f, err);
}

tj_status fx_insert_names(store_db *db, const svc_factor *f, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "INSERT INTO factor_name (name_norm, id, version, region, ref_year, source_date) VALUES (?, ?, ?, ?, ?, ?)",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    name_ctx c = {st, f};
    rc = fx_for_each_name(f, insert_name, &c, err);
    store_finalize(st);
    return rc;
}

tj_status fx_delete_names(store_db *db, const char *id, int version, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, "DELETE FROM factor_name WHERE id = ? AND version = ?", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* Newest version of id and its status (0 if none). */
tj_status fx_latest(store_db *db, const char *id, int *version, char **status, tj_error *err)
{
    *version = 0;
    if (status)
        *status = NULL;
    store_stmt *st;
    tj_status rc = store_prepare(
        db, "SELECT version, status FROM factor_version WHERE id = ? ORDER BY version DESC LIMIT 1", &st,
        err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s = store_step(st, err);
    if (s == 1) {
        *version = (int)store_col_int64(st, 0);
        if (status)
            *status = fx_strdup(store_col_text(st, 1));
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

int fx_status_in_workflow(const char *s)
{
    return !strcmp(s, "draft") || !strcmp(s, "submitted") || !strcmp(s, "under_review") ||
           !strcmp(s, "approved");
}

tj_status svc_factor_add(store_db *db, svc_factor *f, const char *actor, tj_error *err)
{
    if (fx_empty(actor))
        return tj_error_set(err, TJ_ERR_USAGE, "actor", "who is adding the factor? (actor is required)");
    fx_regions regions;
    tj_status rc = fx_regions_load(db, &regions, err);
    if (rc != TJ_OK)
        return rc;
    if ((rc = fx_validate(&regions, f, err)) != TJ_OK)
        goto out;
    if (!f->id && !(f->id = fx_new_id())) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = store_begin(db, err)) != TJ_OK)
        goto out;
    int latest;
    char *lstatus = NULL;
    if ((rc = fx_latest(db, f->id, &latest, &lstatus, err)) != TJ_OK)
        goto fail;
    if (latest && fx_status_in_workflow(lstatus)) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "id",
                          "%s@%d is still %s; finish or reject it before adding a new version", f->id, latest,
                          lstatus);
        free(lstatus);
        goto fail;
    }
    free(lstatus);
    if (f->version && f->version <= latest) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "version", "%s@%d exists already", f->id, f->version);
        goto fail;
    }
    if (!f->version)
        f->version = latest + 1;
    char now[32];
    svc_now_rfc3339(now, sizeof now);
    free(f->status);
    free(f->created_at);
    free(f->updated_at);
    free(f->created_by);
    f->status = fx_strdup("draft");
    f->created_at = fx_strdup(now);
    f->updated_at = fx_strdup(now);
    f->created_by = fx_strdup(actor);
    f->superseded_by = 0;
    if (!f->status || !f->created_at || !f->updated_at || !f->created_by) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    if ((rc = fx_insert_version(db, &regions, f, err)) != TJ_OK)
        goto fail;
    if ((rc = fx_event(db, f->id, f->version, "add", NULL, "draft", actor, now, NULL, err)) != TJ_OK)
        goto fail;
    rc = store_commit(db, err);
    goto out;
fail:
    store_rollback(db);
out:
    fx_regions_release(&regions);
    return rc;
}

/* ---- workflow -------------------------------------------------------- */

typedef struct transition {
    const char *action, *from, *to;
    int needs_reason;
} transition;

static const transition transitions[] = {
    {"submit", "draft", "submitted", 0},           {"review", "submitted", "under_review", 0},
    {"review", "under_review", "under_review", 1}, /* a further reviewer's comment */
    {"approve", "under_review", "approved", 0},    {"reject", "under_review", "rejected", 1},
    {"reject", "submitted", "rejected", 1},        {"publish", "approved", "published", 0},
    {"withdraw", "published", "withdrawn", 1},
};

tj_status svc_factor_transition(store_db *db, const char *id, int version, const char *action,
                                const char *actor, const char *reason, tj_error *err)
{
    int known = 0;
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        known |= !strcmp(transitions[i].action, action);
    if (!known)
        return tj_error_set(err, TJ_ERR_USAGE, "action", "unknown workflow action \"%s\"", action);
    if (fx_empty(actor))
        return tj_error_set(err, TJ_ERR_USAGE, "actor", "who does this? (actor is required)");
    tj_status rc = store_begin(db, err);
    if (rc != TJ_OK)
        return rc;
    char *status = NULL, *source = NULL;
    store_stmt *st = NULL;
    if (version <= 0) {
        if ((rc = fx_latest(db, id, &version, NULL, err)) != TJ_OK)
            goto fail;
        if (!version) {
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
            goto fail;
        }
    }
    if ((rc = store_prepare(db, "SELECT status, source_doc FROM factor_version WHERE id = ? AND version = ?",
                            &st, err)))
        goto fail;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    if (s == 1) {
        status = fx_strdup(store_col_text(st, 0));
        source = fx_strdup(store_col_text(st, 1));
    }
    store_finalize(st);
    st = NULL;
    if (s < 0) {
        rc = (tj_status)s;
        goto fail;
    }
    if (s == 0) {
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
        goto fail;
    }
    const transition *t = NULL;
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        if (!strcmp(transitions[i].action, action) && !strcmp(transitions[i].from, status))
            t = &transitions[i];
    if (!t) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "cannot %s %s@%d: it is %s", action, id, version,
                          status);
        goto fail;
    }
    if (t->needs_reason && fx_empty(reason)) {
        rc = tj_error_set(err, TJ_ERR_USAGE, "reason", "%s needs a reason", action);
        goto fail;
    }
    if ((!strcmp(action, "publish") || !strcmp(action, "submit")) && fx_empty(source)) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "source_doc",
                          "cannot %s %s@%d: no source document (traceability check)", action, id, version);
        goto fail;
    }
    char now[32];
    svc_now_rfc3339(now, sizeof now);
    if (!strcmp(action, "publish")) {
        /* supersede the version published so far */
        int old = 0;
        if ((rc = store_prepare(
                 db, "SELECT version FROM factor_version WHERE id = ? AND status = 'published'", &st, err)))
            goto fail;
        store_bind_text(st, 1, id);
        s = store_step(st, err);
        if (s == 1)
            old = (int)store_col_int64(st, 0);
        store_finalize(st);
        st = NULL;
        if (s < 0) {
            rc = (tj_status)s;
            goto fail;
        }
        if (old) {
            if ((rc = store_prepare(
                     db,
                     "UPDATE factor_version SET status = 'superseded', superseded_by = ?, updated_at = ? "
                     "WHERE id = ? AND version = ?",
                     &st, err)))
                goto fail;
            store_bind_int64(st, 1, version);
            store_bind_text(st, 2, now);
            store_bind_text(st, 3, id);
            store_bind_int64(st, 4, old);
            s = store_step(st, err);
            store_finalize(st);
            st = NULL;
            if (s < 0) {
                rc = (tj_status)s;
                goto fail;
            }
            if ((rc = fx_delete_names(db, id, old, err)) != TJ_OK)
                goto fail;
            char why[96];
            snprintf(why, sizeof why, "superseded by version %d", version);
            if ((rc = fx_event(db, id, old, "supersede", "published", "superseded", actor, now, why, err)))
                goto fail;
        }
    }
    if ((rc = store_prepare(db,
                            "UPDATE factor_version SET status = ?, updated_at = ? WHERE id = ? AND version = "
                            "? AND status = ?",
                            &st, err)))
        goto fail;
    store_bind_text(st, 1, t->to);
    store_bind_text(st, 2, now);
    store_bind_text(st, 3, id);
    store_bind_int64(st, 4, version);
    store_bind_text(st, 5, status);
    s = store_step(st, err);
    int64_t changed = store_changes(st);
    store_finalize(st);
    st = NULL;
    if (s < 0) {
        rc = (tj_status)s;
        goto fail;
    }
    if (changed != 1) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "%s@%d changed meanwhile", id, version);
        goto fail;
    }
    /* factor_name lists the names of published versions only (resolution) */
    if (!strcmp(t->to, "published")) {
        svc_factor f;
        if ((rc = svc_factor_get(db, id, version, &f, err)) != TJ_OK)
            goto fail;
        rc = fx_insert_names(db, &f, err);
        svc_factor_release(&f);
        if (rc != TJ_OK)
            goto fail;
    } else if (!strcmp(status, "published") && (rc = fx_delete_names(db, id, version, err)) != TJ_OK) {
        goto fail;
    }
    if ((rc = fx_event(db, id, version, action, status, t->to, actor, now, reason, err)))
        goto fail;
    rc = store_commit(db, err);
    free(status);
    free(source);
    return rc;
fail:
    store_finalize(st);
    store_rollback(db);
    free(status);
    free(source);
    return rc;
}

/* ---- history --------------------------------------------------------- */

void svc_factor_events_release(svc_factor_events *ev)
{
    for (size_t i = 0; i < ev->count; i++) {
        svc_factor_event *e = &ev->items[i];
        free(e->action);
        free(e->from_status);
        free(e->to_status);
        free(e->actor);
        free(e->at);
        free(e->reason);
    }
    free(ev->items);
    memset(ev, 0, sizeof *ev);
}

tj_status svc_factor_history(store_db *db, const char *id, svc_factor_events *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    store_stmt *st;
    tj_status rc = store_prepare(db,
                                 "SELECT seq, version, action, from_status, to_status, actor, at, reason "
                                 "FROM factor_event WHERE id = ? ORDER BY seq",
                                 &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s;
    while ((s = store_step(st, err)) == 1) {
        svc_factor_event *n = realloc(out->items, (out->count + 1) * sizeof *n);
        if (!n) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        out->items = n;
        svc_factor_event *e = &out->items[out->count++];
        e->seq = store_col_int64(st, 0);
        e->version = (int)store_col_int64(st, 1);
        e->action = fx_strdup(store_col_text(st, 2));
        e->from_status = fx_strdup(store_col_text(st, 3));
        e->to_status = fx_strdup(store_col_text(st, 4));
        e->actor = fx_strdup(store_col_text(st, 5));
        e->at = fx_strdup(store_col_text(st, 6));
        e->reason = fx_strdup(store_col_text(st, 7));
    }
    store_finalize(st);
    if (s < 0) {
        svc_factor_events_release(out);
        return (tj_status)s;
    }
    if (out->count == 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    return TJ_OK;
}

/* ---- search ---------------------------------------------------------- */

void svc_factor_list_release(svc_factor_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        svc_factor_release(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

/* Growing string for SQL. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *t)
{
    size_t n = strlen(t);
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
}

/* Parameters collected while building the WHERE clause. */
typedef struct qparams {
    char *text[64];
    int is_int[64];
    int64_t ival[64];
    int n;
} qparams;

static void qp_text(qparams *p, char *owned)
{
    if (p->n < 64) {
        p->is_int[p->n] = 0;
        p->text[p->n++] = owned;
    } else {
        free(owned);
    }
}
static void qp_int(qparams *p, int64_t v)
{
    if (p->n < 64) {
        p->is_int[p->n] = 1;
        p->text[p->n] = NULL;
        p->ival[p->n++] = v;
    }
}
static void qp_bind(const qparams *p, store_stmt *st, int first)
{
    for (int i = 0; i < p->n; i++) {
        if (p->is_int[i])
            store_bind_int64(st, first + i, p->ival[i]);
        else
            store_bind_text(st, first + i, p->text[i]);
    }
}

/* Prepare the statement built in sql (consumed: freed here) and bind the
 * query parameters p from 1, then limit and offset after them if
 * paged. */
static tj_status prepare_search(store_db *db, sbuf *sql, const qparams *p, int paged, int64_t limit,
                                int64_t offset, store_stmt **st, tj_error *err)
{
    tj_status rc;
    if (sql->oom)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else
        rc = store_prepare(db, sql->s, st, err);
    free(sql->s);
    sql->s = NULL;
    if (rc != TJ_OK)
        return rc;
    qp_bind(p, *st, 1);
    if (paged) {
        store_bind_int64(*st, p->n + 1, limit);
        store_bind_int64(*st, p->n + 2, offset);
    }
    return TJ_OK;
}
static void qp_release(qparams *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->text[i]);
    p->n = 0;
}

/* The tsquery lexemes for search word w (ASCII lower case, as search_text),
 * joined by " & ", appended to q (see fx_search_keys): one or two of its
 * n-grams; nothing for one character.  Few lexemes: GIN's cost grows with
 * every posting list it intersects, and LIKE decides anyway.  Returns 0 when out of
 * memory. */
static int search_key_query_word(sbuf *q, const char *w)
{
    size_t n = strlen(w), *st = NULL;
    size_t nc = utf8_starts(w, n, &st);
    if (nc == (size_t)-1)
        return 0;
    int ascii = 1;
    for (const char *c = w; *c; c++)
        ascii &= (unsigned char)*c < 0x80;
    /* start (and end) of the word: bigrams for 2-3 characters (those with a
     * non-ASCII character: only they are indexed), 4-grams beyond; a long
     * word, or a CJK word (a run without spaces, whose end often tells models
     * and grades apart), also gets its last 4-gram */
    size_t g = nc >= 4 ? 4 : 2, at[2] = {0, nc >= g ? nc - g : 0};
    int cnt = nc < 2 ? 0 : nc < 4 ? (nc == 3 ? 2 : 1) : ((!ascii && nc > 4) || nc >= 8 ? 2 : 1);
    if (nc < 4 && ascii)
        cnt = 0;
    char *lex = malloc(2 * n + 3);
    if (!lex) {
        free(st);
        return 0;
    }
    for (int e = 0; e < cnt; e++) {
        size_t j = at[e];
        if (g == 2 && st[j + 2] - st[j] == 2)
            continue; /* an ASCII bigram (of a mixed word) */
        size_t m = key_quote(lex, w + st[j], st[j + g] - st[j]);
        for (size_t i = 1; i + 1 < m; i++)
            if (lex[i] >= 'A' && lex[i] <= 'Z')
                lex[i] = (char)(lex[i] - 'A' + 'a');
        lex[m] = 0;
        if (q->len)
            sb_add(q, " & ");
        sb_add(q, lex);
    }
    free(lex);
    free(st);
    return !q->oom;
}

/* LIKE pattern %term% with \ escapes, ASCII lower case (search_text is). */
static char *like_pattern(const char *t)
{
    size_t n = strlen(t);
    char *p = malloc(2 * n + 3);
    if (!p)
        return NULL;
    size_t o = 0;
    p[o++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '%' || t[i] == '_' || t[i] == '\\')
            p[o++] = '\\';
        p[o++] = (t[i] >= 'A' && t[i] <= 'Z') ? (char)(t[i] - 'A' + 'a') : t[i];
    }
    p[o++] = '%';
    p[o] = 0;
    return p;
}

/* Append the FTS5 phrase of a filter token (SQLite; see store_fts_token). */
static void fts_filter_phrase(sbuf *match, char kind, const char *value)
{
    char tok[STORE_FTS_TOKEN_SIZE];
    store_fts_token(kind, value, tok);
    if (match->len)
        sb_add(match, " AND ");
    sb_add(match, "\"");
    sb_add(match, tok);
    sb_add(match, "\"");
}

/* A filter (kind 'y', 'r' or 'c', and its value) in the index queries:
 * SQLite's FTS5 token phrase (sq_fts), PostgreSQL's search_keys lexeme for
 * values of up to FX_KEY_FILTER_MAX bytes (as fx_search_keys writes them). */
static void filter_key(sbuf *match, sbuf *lex, int sq_fts, int pg, char kind, const char *value)
{
    if (sq_fts)
        fts_filter_phrase(match, kind, value);
    if (pg && strlen(value) <= FX_KEY_FILTER_MAX) {
        char l[2 * (FX_KEY_FILTER_MAX + 2) + 3];
        const char prefix[3] = {kind, ' ', 0};
        l[key_quote_prefixed(l, prefix, value)] = 0;
        if (lex->len)
            sb_add(lex, " & ");
        sb_add(lex, l);
    }
}

/* Does q cover current versions only (the default)? */
static int search_current(const svc_factor_query *q)
{
    return !q->all_versions && (fx_empty(q->status) || strcmp(q->status, "superseded"));
}

/* keys (PostgreSQL, may be NULL): receives the tsquery on search_keys that
 * every row matching the words and filters satisfies: the words' n-grams and
 * the filters' lexemes, or for a search of current versions without words
 * the filters' lexemes alone (NULL when there is neither).  noindex: write
 * the category, region and year filters so that the planner does not use
 * btree indexes for them (search_keys serves them). */
static tj_status fx_build_where(store_db *db, const svc_factor_query *q, sbuf *w, qparams *p, int *fts,
                                char **keys, int noindex, tj_error *err)
{
    *fts = 0;
    if (keys)
        *keys = NULL;
    int pg = store_backend(db) == STORE_POSTGRES;
    /* SQLite: match, the FTS5 query (words as phrases, filters as their
     * tokens), over current versions only (the index holds no others).
     * PostgreSQL: the search_keys tsquery of the words (kq) and filters
     * (flt). */
    int sq_fts = !pg && search_current(q);
    sbuf match = {0}, kq = {0}, flt = {0};
    tj_status rc = TJ_OK;
    sb_add(w, " WHERE 1 = 1");
    if (!fx_empty(q->text)) {
        char *words = fx_strdup(q->text);
        if (!words) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        /* Words are separated by ASCII white space or commas, and by the
         * full-width comma and ideographic space (replaced by spaces first:
         * strtok works on bytes). */
        for (char *c = words; *c; c++) {
            if ((!strncmp(c, "，", 3) || !strncmp(c, "　", 3) || !strncmp(c, "、", 3))) {
                memset(c, ' ', 3);
                c += 2;
            } else if ((unsigned char)c[0] == 0xEE && ((unsigned char)c[1] & 0xF8) == 0x80 && c[2]) {
                /* U+E000..U+E1FF: the private-use characters of SQLite's
                 * filter tokens (store_fts_token) are not searchable text */
                memset(c, ' ', 3);
                c += 2;
            }
        }
        for (char *save = NULL, *t = strtok_r(words, " \t\r\n,", &save); t;
             t = strtok_r(NULL, " \t\r\n,", &save)) {
            if (p->n >= 32)
                break;
            if (sq_fts && utf8_chars(t) >= 3) {
                /* FTS5 trigram: a quoted phrase, " doubled */
                if (match.len)
                    sb_add(&match, " AND ");
                sb_add(&match, "\"");
                for (char *c = t; *c; c++) {
                    char one[3] = {*c, 0, 0};
                    if (*c == '"')
                        one[1] = '"';
                    sb_add(&match, one);
                }
                sb_add(&match, "\"");
            } else {
                sb_add(w, pg ? " AND fv.search_text LIKE ?" : " AND fv.search_text LIKE ? ESCAPE '\\'");
                qp_text(p, like_pattern(t));
                if (pg && keys && !search_key_query_word(&kq, t))
                    kq.oom = 1;
            }
        }
        free(words);
    }
    if (!fx_empty(q->category)) {
        filter_key(&match, &flt, sq_fts, pg, 'c', q->category);
        sb_add(w, noindex ? " AND fv.category || '' = ?" : " AND fv.category = ?");
        qp_text(p, fx_strdup(q->category));
    }
    if (!fx_empty(q->region)) {
        char *code = svc_region_normalize(db, q->region, err);
        if (!code) {
            rc = err ? err->code : TJ_ERR_INPUT;
            goto out;
        }
        filter_key(&match, &flt, sq_fts, pg, 'r', code);
        sb_add(w, noindex ? " AND fv.region || '' = ?" : " AND fv.region = ?");
        qp_text(p, code);
    }
    if (q->year > 0) {
        char y[16];
        snprintf(y, sizeof y, "%d", q->year);
        filter_key(&match, &flt, sq_fts, pg, 'y', y);
        sb_add(w, noindex ? " AND fv.ref_year + 0 = ?" : " AND fv.ref_year = ?");
        qp_int(p, q->year);
    }
    if (!fx_empty(q->status)) {
        sb_add(w, " AND fv.status = ?");
        qp_text(p, fx_strdup(q->status));
    }
    if (search_current(q)) /* literal: PostgreSQL's partial search_keys index needs it */
        sb_add(w, " AND fv.status <> 'superseded'");
    if (match.len) {
        /* the FROM clause joins factor_fts (see svc_factor_search) */
        sb_add(w, " AND factor_fts MATCH ?");
        qp_text(p, match.s);
        match = (sbuf){0};
        *fts = 1;
    }
    if (w->oom || match.oom || kq.oom || flt.oom) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (keys && kq.len) { /* the words' n-grams and the filters' lexemes */
        if (flt.len)
            sb_add(&kq, " & "), sb_add(&kq, flt.s);
        if (kq.oom) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        *keys = kq.s;
        kq = (sbuf){0};
    } else if (keys && flt.len && fx_empty(q->text) && search_current(q)) { /* the filters' lexemes */
        *keys = flt.s;
        flt = (sbuf){0};
    }
out:
    free(match.s);
    free(kq.s);
    free(flt.s);
    return rc;
}

int fx_search_force_index;

/* Rows the plan choice samples (see svc_factor_search). */
#define SEARCH_SAMPLE_ROWS 1000

/* A candidate row from the search_keys index costs about this many times a
 * row of a walk in rid order (EXPLAIN ANALYZE on a bench_factors database of
 * 1M versions, all in shared buffers: 8 us against 1.8 us). */
#define SEARCH_BITMAP_ROW_COST 4

/* The planner's row count of factor_version (PostgreSQL), for the sample
 * size; read once a minute per connection. */
static double table_rows(store_db *db)
{
    static _Thread_local uint64_t serial;
    static _Thread_local double rows;
    static _Thread_local time_t at;
    time_t now = time(NULL);
    if (serial == store_serial(db) && now - at < 60)
        return rows;
    store_stmt *st = NULL;
    rows = 0;
    if (store_prepare_cached(db, "SELECT reltuples FROM pg_class WHERE oid = 'factor_version'::regclass", &st,
                             NULL) == TJ_OK &&
        store_step(st, NULL) == 1)
        rows = store_col_double(st, 0);
    store_finalize(st);
    serial = store_serial(db);
    at = now;
    return rows;
}

/* Counting stops here: the total of a broad search is "at least". */
#define SEARCH_COUNT_CAP 200

tj_status svc_factor_search(store_db *db, const svc_factor_query *q, svc_factor_list *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    int limit = q->limit > 0 ? q->limit : 20;
    if (limit > 1000)
        limit = 1000;
    if (q->offset < 0)
        return tj_error_set(err, TJ_ERR_USAGE, "offset", "offset must not be negative");
    tj_status rc = TJ_OK;
    const char *texts[][2] = {
        {"text", q->text}, {"category", q->category}, {"region", q->region}, {"status", q->status}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && rc == TJ_OK; i++)
        rc = fx_check_utf8(texts[i][0], texts[i][1], texts[i][1] ? strlen(texts[i][1]) : 0, err);
    if (rc != TJ_OK)
        return rc;
    sbuf w = {0};
    qparams p = {0};
    store_stmt *st = NULL;
    int fts = 0;
    char *keys = NULL;
    rc = fx_build_where(db, q, &w, &p, &fts, &keys, 0, err);
    if (rc != TJ_OK)
        goto out;
    /* Results come in the order the versions were added (rid), which FTS5
     * and the primary key deliver without sorting. */
    const char *from = fts ? " FROM factor_fts CROSS JOIN factor_version fv ON fv.rid = factor_fts.rowid"
                           : " FROM factor_version fv";
    const char *order = fts ? " ORDER BY factor_fts.rowid" : " ORDER BY fv.rid";
    int selective = 0;
    if (keys && search_current(q)) { /* PostgreSQL, with search_keys lexemes for the words or filters */
        /* PostgreSQL cannot estimate LIKE selectivity.  Two plans: walk the
         * current versions in rid order (factor_version_current) testing
         * every row (fast when matches are dense, very slow when they are
         * rare), or take the rows the search_keys index gives for the words
         * and the category/region/year filters, in one pass (see below).
         * Measure both densities on a block sample of about 1,000 rows
         * (0.1% of a million): walking costs about cap/d current rows, the
         * index d_indexed*N rows, each SEARCH_BITMAP_ROW_COST times
         * dearer (a random heap page each); take the cheaper.  History
         * searches (superseded versions) always walk the primary key. */
        svc_factor_query qi = *q; /* the conditions an index serves */
        qi.status = NULL;
        sbuf wi = {0};
        qparams pi = {0};
        int fts_i;
        rc = fx_build_where(db, &qi, &wi, &pi, &fts_i, NULL, 0, err);
        double rows = rc == TJ_OK ? table_rows(db) : 0;
        double pct = rows > 0 ? 100.0 * SEARCH_SAMPLE_ROWS / rows : 0.5;
        if (pct < 0.1)
            pct = 0.1;
        if (pct > 100)
            pct = 100;
        char tail[128];
        snprintf(tail, sizeof tail, ") FROM factor_version fv TABLESAMPLE SYSTEM (%.4f) REPEATABLE (1)", pct);
        sbuf probe = {0};
        sb_add(&probe, "SELECT COUNT(*), COUNT(*) FILTER (WHERE fv.status <> 'superseded'), COUNT(*) FILTER (");
        sb_add(&probe, w.s + 1); /* "WHERE 1 = 1 AND ..." */
        sb_add(&probe, "), COUNT(*) FILTER (");
        sb_add(&probe, wi.s ? wi.s + 1 : "WHERE 1 = 1");
        sb_add(&probe, tail);
        if (rc == TJ_OK && (probe.oom || wi.oom))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (rc == TJ_OK)
            rc = store_prepare(db, probe.s, &st, err);
        free(probe.s);
        free(wi.s);
        if (rc != TJ_OK) {
            qp_release(&pi);
            goto out;
        }
        qp_bind(&p, st, 1);
        qp_bind(&pi, st, p.n + 1);
        int ps = store_step(st, err);
        qp_release(&pi);
        if (ps < 0) {
            rc = (tj_status)ps;
            goto out;
        }
        double sampled = (double)store_col_int64(st, 0), current = (double)store_col_int64(st, 1),
               hits = (double)store_col_int64(st, 2), ihits = (double)store_col_int64(st, 3);
        store_finalize(st);
        st = NULL;
        if (fx_search_force_index)
            selective = 1;
        else if (sampled >= 200) {
            /* A walk is ruinous when matches are rarer than the sample
             * suggests (it reads every current row if there are none), an
             * index pass merely proportional to them: take the walk's
             * matches at a pessimistic count, two standard deviations
             * below the sampled one (Poisson), so that a few lucky sample
             * blocks do not send a rare search on a walk. */
            double n = sampled / (pct / 100);
            double low = hits - 2 * sqrt(hits);
            double walk = low > 0 ? SEARCH_COUNT_CAP * current / low : current / sampled * n;
            double bitmap = SEARCH_BITMAP_ROW_COST * ihits / sampled * n;
            selective = bitmap < walk;
        }
        if (selective) {
            /* The rows come from the search_keys index alone (words and
             * filters); LIKE and the filters still decide. */
            free(keys);
            keys = NULL;
            free(w.s);
            w = (sbuf){0};
            qp_release(&p);
            if ((rc = fx_build_where(db, q, &w, &p, &fts, &keys, 1, err)) != TJ_OK)
                goto out;
            sb_add(&w, " AND (fv.search_keys @@ ?::tsquery OR fv.search_keys @@ $$' '$$::tsquery)");
            qp_text(&p, keys);
            keys = NULL;
            if (w.oom) {
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                goto out;
            }
        }
    }
    if (selective) {
        /* One pass over the matching rows: their rids, counted (up to the
         * cap) and sorted for the page, whose rows are then read by rid. */
        sbuf sql = {0};
        char mid[256];
        sb_add(&sql, "WITH m AS MATERIALIZED (SELECT fv.rid FROM factor_version fv");
        sb_add(&sql, w.s);
        snprintf(mid, sizeof mid,
                 "), c AS (SELECT COUNT(*) AS n FROM (SELECT 1 FROM m LIMIT %d) x), "
                 "page AS (SELECT m.rid FROM m ORDER BY m.rid LIMIT ? OFFSET ?) SELECT c.n, ",
                 SEARCH_COUNT_CAP + 1);
        sb_add(&sql, mid);
        sb_add(&sql, fx_db_columns());
        sb_add(&sql, " FROM c LEFT JOIN (page JOIN factor_version fv ON fv.rid = page.rid) ON true ORDER BY fv.rid");
        if ((rc = prepare_search(db, &sql, &p, 1, limit, q->offset, &st, err)) != TJ_OK)
            goto out;
        int s;
        while ((s = store_step(st, err)) == 1) {
            out->total = store_col_int64(st, 0);
            if (store_col_is_null(st, 1))
                continue; /* no row on this page */
            svc_factor *n = realloc(out->items, (out->count + 1) * sizeof *n);
            if (!n) {
                s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            out->items = n;
            fx_read_row(st, 1, &out->items[out->count++]);
        }
        if (s < 0)
            rc = (tj_status)s;
        if (out->total > SEARCH_COUNT_CAP) {
            out->total = SEARCH_COUNT_CAP;
            out->total_capped = 1;
        }
        goto out;
    }
    sbuf sql = {0};
    char cap[64];
    snprintf(cap, sizeof cap, " LIMIT %d) x", SEARCH_COUNT_CAP + 1);
    /* in rid order too: a walk from the start of the current versions, not
     * a sequential scan from the start of the table, which after an update
     * may hold only superseded versions for a long way */
    sb_add(&sql, "SELECT COUNT(*) FROM (SELECT 1");
    sb_add(&sql, from);
    sb_add(&sql, w.s);
    sb_add(&sql, order);
    sb_add(&sql, cap);
    if ((rc = prepare_search(db, &sql, &p, 0, 0, 0, &st, err)) != TJ_OK)
        goto out;
    int s = store_step(st, err);
    if (s < 0) {
        rc = (tj_status)s;
        goto out;
    }
    out->total = store_col_int64(st, 0);
    if (out->total > SEARCH_COUNT_CAP) {
        out->total = SEARCH_COUNT_CAP;
        out->total_capped = 1;
    }
    store_finalize(st);
    st = NULL;

    sql = (sbuf){0};
    sb_add(&sql, "SELECT ");
    sb_add(&sql, fx_db_columns());
    sb_add(&sql, from);
    sb_add(&sql, w.s);
    sb_add(&sql, order);
    sb_add(&sql, " LIMIT ? OFFSET ?");
    if ((rc = prepare_search(db, &sql, &p, 1, limit, q->offset, &st, err)) != TJ_OK)
        goto out;
    while ((s = store_step(st, err)) == 1) {
        svc_factor *n = realloc(out->items, (out->count + 1) * sizeof *n);
        if (!n) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        out->items = n;
        fx_read_row(st, 0, &out->items[out->count++]);
    }
    if (s < 0)
        rc = (tj_status)s;
out:
    store_finalize(st);
    free(w.s);
    free(keys);
    qp_release(&p);
    if (rc != TJ_OK)
        svc_factor_list_release(out);
    return rc;
}

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
    fx_regions regions;
    tj_status rc = fx_regions_load(db, &regions, err);
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
    const char *code = region_lookup(&regions, region, &level, city);
    if (!code) {
        rc = tj_error_set(err, TJ_ERR_INPUT, "region",
                          "unknown region \"%s\" (use CN, a grid code such as GRID-HB, or a GB/T 2260 code)",
                          region);
        goto out;
    }
    chain[nchain] = code;
    levels[nchain++] = level;
    if (!strcmp(level, "city")) {
        province_of(code, prov);
        chain[nchain] = prov;
        levels[nchain++] = "province";
        code = prov;
    }
    for (const fx_region *g = fx_region_find(&regions, code); g && g->parent && nchain < 6;) {
        const fx_region *parent = fx_region_find(&regions, g->parent);
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
    fx_regions_release(&regions);
    if (rc != TJ_OK)
        svc_factor_resolution_release(out);
    return rc;
}

tj_status svc_evidence_digest_file(const char *path, char hex[65], tj_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return tj_error_set(err, TJ_ERR_IO, "evidence", "cannot open %s: %s", path, strerror(errno));
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        crypto_hash_sha256_update(&h, buf, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        return tj_error_set(err, TJ_ERR_IO, "evidence", "cannot read %s", path);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    return TJ_OK;
}

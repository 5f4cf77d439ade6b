/*
 * svc_factor: the record: its fields, reading and writing them as text and
 * JSON, validation, references, names and the text search matches.
 */
#include <sodium.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tanji/parse.h"
#include "io/input.h"
#include "ledger/ledger.h"
#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"

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
    F(updated_at, SVC_FT_TEXT),   F(owner_org, SVC_FT_TEXT),
    F(evidence, SVC_FT_TEXT), /* not a factor_version column: keep last */
};
#undef F
const size_t svc_factor_field_count = sizeof svc_factor_fields / sizeof svc_factor_fields[0];
/* factor_import.c keeps per-field tables of 64 (a column per field, a bit per
 * field given, the values of a row) */
_Static_assert(sizeof svc_factor_fields / sizeof svc_factor_fields[0] <= 64, "at most 64 factor fields");
/* factor_version columns, in svc_factor_fields order (all but evidence). */
const size_t fx_db_field_count = sizeof svc_factor_fields / sizeof svc_factor_fields[0] - 1;

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
        long long v;
        if ((rc = tj_parse_int(fd->name, t, 0, 1000000000, &v, err)) == TJ_OK)
            *ip = (int)v;
        break;
    }
    case SVC_FT_DOUBLE: {
        double *dp = p;
        if (!n) {
            *dp = NAN;
            break;
        }
        double v;
        if ((rc = tj_parse_number(fd->name, t, &v, err)) == TJ_OK)
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
        json_t *j = json_loads(t, JSON_REJECT_DUPLICATES, &je);
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
            if (!strcmp(fd->name, "dqr")) {
                /* PEF data-quality scores: the four criteria, each 1..5 */
                if (strcmp(k, "TeR") && strcmp(k, "GeR") && strcmp(k, "TiR") && strcmp(k, "P")) {
                    rc = tj_error_set(err, TJ_ERR_INPUT, fd->name,
                                      "unknown data-quality criterion \"%.64s\" (TeR, GeR, TiR, P)", k);
                    break;
                }
                if (!json_is_number(v)) {
                    rc = tj_error_set(err, TJ_ERR_INPUT, fd->name, "dqr.%s must be a number from 1 to 5", k);
                    break;
                }
                if ((rc = tj_check_dqr_score("dqr", json_number_value(v), err)))
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

/* ---- validation ------------------------------------------------------ */

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

tj_status fx_validate(const svc_regions *regions, svc_factor *f, tj_error *err)
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
    const char *code = svc_region_lookup(regions, f->region, &level, city);
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
    const int forms = TJ_DATE_DAY | TJ_DATE_MONTH | TJ_DATE_YEAR;
    for (int i = 0; i < 3; i++) {
        tj_date d;
        tj_status drc;
        if (!fx_empty(dates[i]) && (drc = tj_parse_date(dnames[i], dates[i], forms, &d, err)))
            return drc;
    }
    tj_status prc = tj_check_period("valid_from", f->valid_from, "valid_to", f->valid_to, forms, err);
    if (prc)
        return prc;
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
char *fx_search_text(const svc_regions *regions, const svc_factor *f)
{
    const char *rz = "", *re = "";
    char prov[8];
    const svc_region *g = f->region ? svc_region_find(regions, f->region) : NULL;
    if (!g && f->region && svc_region_is_gb_code(f->region)) {
        svc_region_province_of(f->region, prov);
        g = svc_region_find(regions, prov);
    }
    if (g) {
        rz = g->name_zh;
        re = g->name_en;
    }
    const char *parts[] = {f->name_zh, f->name_en, f->aliases, f->category, rz,
                           re,         f->region,  f->cpc,     f->hs,       f->id};
    size_t len = 1;
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
    return s;
}

char *fx_new_id(void)
{
    return svc_new_uuid();
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

json_t *svc_factor_to_json(const svc_factor *f)
{
    return fx_factor_json(f);
}

json_t *fx_factor_json(const svc_factor *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < svc_factor_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        const void *p = (const char *)f + fd->offset;
        json_t *v = NULL;
        switch (fd->type) {
        case SVC_FT_TEXT: {
            const char *s = *(char *const *)p;
            if (fx_empty(s))
                break;
            if (!strcmp(fd->name, "aliases") || !strcmp(fd->name, "evidence")) {
                v = json_array();
                char *copy = fx_strdup(s);
                for (char *save = NULL,
                          *t = copy ? strtok_r(copy, fd->name[0] == 'a' ? "|" : ";", &save) : NULL;
                     t; t = strtok_r(NULL, fd->name[0] == 'a' ? "|" : ";", &save))
                    json_array_append_new(v, json_string(t));
                free(copy);
            } else {
                v = json_string(s);
            }
            break;
        }
        case SVC_FT_JSON: {
            const char *s = *(char *const *)p;
            if (!fx_empty(s))
                v = json_loads(s, 0, NULL);
            break;
        }
        case SVC_FT_INT: {
            int x = *(const int *)p;
            if (!strcmp(fd->name, "traceable"))
                v = json_boolean(x);
            else if (x)
                v = json_integer(x);
            break;
        }
        case SVC_FT_DOUBLE: {
            double x = *(const double *)p;
            if (!isnan(x))
                v = json_real(x);
            break;
        }
        }
        if (v)
            json_object_set_new(o, fd->name, v);
    }
    return o;
}
tj_status svc_evidence_digest_file(const char *path, char hex[65], tj_error *err)
{
    char *data;
    size_t len;
    tj_status rc = io_input_read(path, 0, &data, &len, err);
    if (rc != TJ_OK) {
        if (err)
            snprintf(err->path, sizeof err->path, "evidence");
        return rc;
    }
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256((unsigned char *)d, (const unsigned char *)data, len);
    free(data);
    sodium_bin2hex(hex, 65, d, sizeof d);
    return TJ_OK;
}


tj_status svc_factor_add_evidence_file(svc_factor *f, const char *path, tj_error *err)
{
    char hex[65];
    tj_status rc = svc_evidence_digest_file(path, hex, err);
    if (rc != TJ_OK)
        return rc;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t old = f->evidence ? strlen(f->evidence) + 1 : 0;
    size_t len = old + 64 + 1 + strlen(base);
    char *ev = malloc(len + 1);
    if (!ev)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    snprintf(ev, len + 1, "%s%s%s=%s", f->evidence ? f->evidence : "", f->evidence ? ";" : "", hex, base);
    for (char *p = ev + old + 65; *p; p++)
        if (*p == ';')
            *p = '_'; /* ';' separates entries */
    free(f->evidence);
    f->evidence = ev;
    return TJ_OK;
}

/* ---- the canonical state, written directly -------------------------------- */

/* svc_factor_fields in the order RFC 8785 sorts member names (ASCII names:
 * byte order is UTF-16 order). */
static size_t state_order[64];
static pthread_once_t state_once = PTHREAD_ONCE_INIT;

static void state_order_init(void)
{
    for (size_t i = 0; i < svc_factor_field_count; i++) {
        size_t k = i;
        while (k && strcmp(svc_factor_fields[state_order[k - 1]].name, svc_factor_fields[i].name) > 0) {
            state_order[k] = state_order[k - 1];
            k--;
        }
        state_order[k] = i;
    }
}

static void state_key(ledger_jbuf *b, int *first, const char *name)
{
    if (!*first)
        ledger_jbuf_put(b, ",", 1);
    *first = 0;
    ledger_jbuf_string(b, name, strlen(name));
    ledger_jbuf_put(b, ":", 1);
}

int fx_factor_state_jcs(const svc_factor *f, ledger_jbuf *b)
{
    pthread_once(&state_once, state_order_init);
    int first = 1;
    ledger_jbuf_put(b, "{", 1);
    for (size_t o = 0; o < svc_factor_field_count; o++) {
        const svc_field *fd = &svc_factor_fields[state_order[o]];
        const void *p = (const char *)f + fd->offset;
        switch (fd->type) {
        case SVC_FT_TEXT: {
            const char *s = *(char *const *)p;
            if (fx_empty(s))
                break;
            size_t len = strlen(s);
            if (tj_utf8_valid_prefix(s, len) != len)
                return -1; /* jansson refuses it: the generic path decides */
            state_key(b, &first, fd->name);
            if (!strcmp(fd->name, "aliases") || !strcmp(fd->name, "evidence")) {
                /* the non-empty pieces between separators, as strtok_r */
                char sep = fd->name[0] == 'a' ? '|' : ';';
                int firstel = 1;
                ledger_jbuf_put(b, "[", 1);
                for (const char *t = s; *t;) {
                    const char *e = strchr(t, sep);
                    size_t n = e ? (size_t)(e - t) : strlen(t);
                    if (n) {
                        if (!firstel)
                            ledger_jbuf_put(b, ",", 1);
                        firstel = 0;
                        ledger_jbuf_string(b, t, n);
                    }
                    t += n + (e ? 1 : 0);
                }
                ledger_jbuf_put(b, "]", 1);
            } else {
                ledger_jbuf_string(b, s, len);
            }
            break;
        }
        case SVC_FT_JSON: {
            const char *s = *(char *const *)p;
            if (fx_empty(s))
                break;
            json_t *v = json_loads(s, 0, NULL);
            if (!v)
                break;
            state_key(b, &first, fd->name);
            const char *why = ledger_jbuf_value(b, v);
            json_decref(v);
            if (why)
                return -1;
            break;
        }
        case SVC_FT_INT: {
            int x = *(const int *)p;
            if (!strcmp(fd->name, "traceable")) {
                state_key(b, &first, fd->name);
                ledger_jbuf_put(b, x ? "true" : "false", x ? 4 : 5);
            } else if (x) {
                char t[16];
                int n = snprintf(t, sizeof t, "%d", x);
                state_key(b, &first, fd->name);
                ledger_jbuf_put(b, t, (size_t)n);
            }
            break;
        }
        case SVC_FT_DOUBLE: {
            double x = *(const double *)p;
            if (isnan(x))
                break;
            char t[LEDGER_JCS_NUMBER_SIZE];
            if (ledger_jcs_number(x, t))
                return -1; /* an infinity: json_real refuses it */
            state_key(b, &first, fd->name);
            ledger_jbuf_put(b, t, strlen(t));
            break;
        }
        }
    }
    ledger_jbuf_put(b, "}", 1);
    return b->oom ? -1 : 0;
}

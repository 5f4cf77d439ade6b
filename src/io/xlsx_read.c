/* Worksheets of .xlsx workbooks with libzip and expat; see xlsx_read.h. */
#include "io/xlsx_read.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#include "tanji/text.h"

#define XLSX_MAX_ROW 1048576L /* Excel's last row */
#define XLSX_MAX_COL 16384L   /* Excel's last column, XFD */
#define XLSX_MAX_NAME 255     /* bytes of a sheet name or part path */

typedef struct xsheet {
    char *name;
    char *part; /* zip entry of the worksheet */
} xsheet;

struct io_xlsx {
    char *source;
    zip_t *z;
    io_xlsx_limits lim;
    size_t total; /* inflated bytes read so far */
    xsheet *sheets;
    size_t nsheets;
    char **sst; /* shared strings */
    size_t *sst_len;
    size_t nsst, capsst;
};

/* ---- small helpers ------------------------------------------------------- */

typedef struct dbuf {
    char *p;
    size_t n, cap, max;
} dbuf;

/* Append; 1 on success, 0 when over the cap (-1 when out of memory). */
static int dbuf_add(dbuf *b, const char *s, size_t n)
{
    if (n > b->max - b->n)
        return 0;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 1;
}

static const char *local_name(const char *n)
{
    const char *sp = strrchr(n, ' ');
    return sp ? sp + 1 : n;
}

static const char *attr(const char **atts, const char *local, int want_ns)
{
    for (int i = 0; atts[i]; i += 2) {
        const char *sp = strrchr(atts[i], ' ');
        if ((sp != NULL) == want_ns && !strcmp(sp ? sp + 1 : atts[i], local))
            return atts[i + 1];
    }
    return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Parse "C12" into a 0-based column and 1-based row; 0 if malformed. */
static int parse_ref(const char *s, long *col, long *row)
{
    long c = 0, r = 0;
    int nl = 0, nd = 0;
    for (; *s >= 'A' && *s <= 'Z'; s++) {
        if (++nl > 3)
            return 0;
        c = c * 26 + (*s - 'A' + 1);
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++nd > 7 || (nd == 1 && *s == '0'))
            return 0;
        r = r * 10 + (*s - '0');
    }
    if (*s || !nl || !nd || c > XLSX_MAX_COL || r > XLSX_MAX_ROW)
        return 0;
    *col = c - 1;
    *row = r;
    return 1;
}

static int parse_row_number(const char *s, long *row)
{
    long r = 0;
    int nd = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++nd > 7 || (nd == 1 && *s == '0'))
            return 0;
        r = r * 10 + (*s - '0');
    }
    if (*s || !nd || r > XLSX_MAX_ROW)
        return 0;
    *row = r;
    return 1;
}

/* Decode OOXML escapes (_xHHHH_, ECMA-376 ST_Xstring) in place.  Returns 0,
 * or -1 when one decodes to NUL or a lone surrogate. */
static int decode_escapes(char *s, size_t *len)
{
    size_t r = 0, w = 0, n = *len;
    while (r < n) {
        if (s[r] == '_' && r + 6 < n && s[r + 1] == 'x' && s[r + 6] == '_') {
            int h[4] = {tj_hex_digit((unsigned char)s[r + 2]), tj_hex_digit((unsigned char)s[r + 3]),
                        tj_hex_digit((unsigned char)s[r + 4]), tj_hex_digit((unsigned char)s[r + 5])};
            if (h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && h[3] >= 0) {
                unsigned cp = (unsigned)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
                if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                    return -1;
                if (cp < 0x80)
                    s[w++] = (char)cp;
                else if (cp < 0x800) {
                    s[w++] = (char)(0xC0 | cp >> 6);
                    s[w++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    s[w++] = (char)(0xE0 | cp >> 12);
                    s[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    s[w++] = (char)(0x80 | (cp & 0x3F));
                }
                r += 7;
                continue;
            }
        }
        s[w++] = s[r++];
    }
    s[w] = 0;
    *len = w;
    return 0;
}

/* ---- reading one part through expat --------------------------------------- */

typedef struct part_ctx {
    io_xlsx *x;
    const char *part;
    XML_Parser p;
    tj_error *err;
    tj_status st;
    size_t depth;
} part_ctx;

static void pfail(part_ctx *c, tj_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pfail(part_ctx *c, tj_status code, const char *fmt, ...)
{
    if (c->st)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->st = tj_error_set_at(c->err, code, c->x->source, 0, 0, "%s", msg);
    if (c->err)
        snprintf(c->err->path, sizeof c->err->path, "%s:%lu", c->part,
                 (unsigned long)XML_GetCurrentLineNumber(c->p));
    XML_StopParser(c->p, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub,
                               int has_internal)
{
    (void)name, (void)sys, (void)pub, (void)has_internal;
    pfail(ud, TJ_ERR_INPUT, "a DOCTYPE declaration is not allowed in a workbook part");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int pe, const XML_Char *v, int vl,
                              const XML_Char *base, const XML_Char *sys, const XML_Char *pub,
                              const XML_Char *notation)
{
    (void)name, (void)pe, (void)v, (void)vl, (void)base, (void)sys, (void)pub, (void)notation;
    pfail(ud, TJ_ERR_INPUT, "an entity declaration is not allowed in a workbook part");
}

/* Inflate entry `name` and feed it to a parser set up with ud (whose first
 * member is a part_ctx) and the handlers.  missing_ok: a missing entry is
 * not an error (returns TJ_ERR_NOTFOUND without touching err). */
static tj_status read_part(io_xlsx *x, const char *name, part_ctx *c, XML_StartElementHandler start,
                           XML_EndElementHandler end, XML_CharacterDataHandler text, int missing_ok,
                           tj_error *err)
{
    zip_int64_t idx = zip_name_locate(x->z, name, 0);
    if (idx < 0) {
        if (missing_ok)
            return TJ_ERR_NOTFOUND;
        return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                               "not an .xlsx workbook: the archive has no part %s", name);
    }
    zip_stat_t zs;
    zip_stat_init(&zs);
    if (zip_stat_index(x->z, (zip_uint64_t)idx, 0, &zs) < 0 || !(zs.valid & ZIP_STAT_COMP_SIZE))
        return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0, "cannot read the zip entry %s: %s", name,
                               zip_strerror(x->z));
    if ((zs.valid & ZIP_STAT_SIZE) && zs.size > x->lim.max_part_bytes)
        return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                               "part %s inflates to %llu bytes; at most %zu are accepted", name,
                               (unsigned long long)zs.size, x->lim.max_part_bytes);
    zip_file_t *zf = zip_fopen_index(x->z, (zip_uint64_t)idx, 0);
    if (!zf)
        return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0, "cannot open the zip entry %s: %s", name,
                               zip_strerror(x->z));
    XML_Parser p = XML_ParserCreateNS(NULL, ' ');
    if (!p) {
        zip_fclose(zf);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    c->x = x;
    c->part = name;
    c->p = p;
    c->err = err;
    c->st = TJ_OK;
    c->depth = 0;
    XML_SetUserData(p, c);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    XML_SetEntityDeclHandler(p, on_entity);
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);

    enum { CHUNK = 64 * 1024 };
    char *buf = malloc(CHUNK);
    size_t got_total = 0;
    tj_status st = buf ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    while (!st) {
        zip_int64_t got = zip_fread(zf, buf, CHUNK);
        if (got < 0) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0, "part %s is damaged: %s", name,
                                 zip_error_strerror(zip_file_get_error(zf)));
            break;
        }
        got_total += (size_t)got;
        x->total += (size_t)got;
        if (got_total > x->lim.max_part_bytes) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                                 "part %s inflates to more than %zu bytes; refused", name,
                                 x->lim.max_part_bytes);
            break;
        }
        if (x->total > x->lim.max_total_bytes) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                                 "the workbook inflates to more than %zu bytes; refused",
                                 x->lim.max_total_bytes);
            break;
        }
        if (got_total > ((size_t)1 << 20) && got_total / x->lim.max_ratio > zs.comp_size) {
            st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                                 "part %s inflates more than %zu times its compressed size (%llu bytes): "
                                 "refused as a zip bomb",
                                 name, x->lim.max_ratio, (unsigned long long)zs.comp_size);
            break;
        }
        if (XML_Parse(p, buf, (int)got, got == 0) == XML_STATUS_ERROR) {
            if (c->st)
                st = c->st;
            else {
                st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0, "part %s is not well-formed XML: %s",
                                     name, XML_ErrorString(XML_GetErrorCode(p)));
                if (err)
                    snprintf(err->path, sizeof err->path, "%s:%lu:%lu", name,
                             (unsigned long)XML_GetCurrentLineNumber(p),
                             (unsigned long)XML_GetCurrentColumnNumber(p) + 1);
            }
            break;
        }
        if (c->st) {
            st = c->st;
            break;
        }
        if (got == 0)
            break;
    }
    free(buf);
    XML_ParserFree(p);
    zip_fclose(zf);
    return st;
}

/* ---- relationships ---------------------------------------------------------- */

typedef struct rel {
    char *id, *type, *target;
} rel;

typedef struct rels_ctx {
    part_ctx pc;
    const char *base; /* folder of the source part, "" or "xl/" */
    rel *r;
    size_t n, cap;
} rels_ctx;

/* Resolve target relative to base (a folder ending in '/' or ""): absolute
 * targets start at the package root; "." and ".." segments are resolved and
 * may not climb above it.  Returns a malloc'ed path or NULL (invalid). */
static char *resolve_target(const char *base, const char *target)
{
    size_t bl = target[0] == '/' ? 0 : strlen(base), tl = strlen(target);
    if (bl + tl > XLSX_MAX_NAME)
        return NULL;
    char *joined = malloc(bl + tl + 1);
    char *out = malloc(bl + tl + 1);
    if (!joined || !out) {
        free(joined);
        free(out);
        return NULL;
    }
    memcpy(joined, base, bl);
    memcpy(joined + bl, target, tl + 1);
    size_t w = 0;
    const char *s = joined;
    while (*s) {
        while (*s == '/')
            s++;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0)
            break;
        if (n == 1 && s[0] == '.') {
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (w == 0) {
                free(joined);
                free(out);
                return NULL;
            }
            w--;
            while (w > 0 && out[w - 1] != '/')
                w--;
        } else {
            memcpy(out + w, s, n);
            w += n;
            if (e)
                out[w++] = '/';
        }
        s += n;
    }
    out[w] = 0;
    free(joined);
    if (!w || out[w - 1] == '/') {
        free(out);
        return NULL;
    }
    return out;
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    rels_ctx *c = ud;
    if (++c->pc.depth > c->pc.x->lim.max_depth) {
        pfail(&c->pc, TJ_ERR_INPUT, "XML nested deeper than %zu elements", c->pc.x->lim.max_depth);
        return;
    }
    if (strcmp(local_name(name), "Relationship"))
        return;
    const char *id = attr(atts, "Id", 0), *type = attr(atts, "Type", 0), *target = attr(atts, "Target", 0),
               *mode = attr(atts, "TargetMode", 0);
    if (!id || !type || !target) {
        pfail(&c->pc, TJ_ERR_INPUT, "a relationship lacks Id, Type or Target");
        return;
    }
    if (mode && !strcmp(mode, "External"))
        return;
    if (c->n >= c->pc.x->lim.max_entries) {
        pfail(&c->pc, TJ_ERR_INPUT, "more than %zu relationships", c->pc.x->lim.max_entries);
        return;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        rel *nr = realloc(c->r, cap * sizeof *nr);
        if (!nr) {
            pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
            return;
        }
        c->r = nr;
        c->cap = cap;
    }
    rel *r = &c->r[c->n];
    r->target = resolve_target(c->base, target);
    if (!r->target) {
        pfail(&c->pc, TJ_ERR_INPUT, "relationship %.64s has an invalid target \"%.128s\"", id, target);
        return;
    }
    r->id = strdup(id);
    r->type = strdup(type);
    c->n++;
    if (!r->id || !r->type)
        pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
}

static void XMLCALL generic_end(void *ud, const XML_Char *name)
{
    (void)name;
    part_ctx *c = ud;
    c->depth--;
}

static void XMLCALL no_text(void *ud, const XML_Char *s, int len)
{
    (void)ud, (void)s, (void)len;
}

static void rels_free(rels_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->r[i].id);
        free(c->r[i].type);
        free(c->r[i].target);
    }
    free(c->r);
}

static const rel *rel_by_type(const rels_ctx *c, const char *suffix)
{
    for (size_t i = 0; i < c->n; i++)
        if (ends_with(c->r[i].type, suffix))
            return &c->r[i];
    return NULL;
}

/* ---- workbook.xml ---------------------------------------------------------------- */

typedef struct wb_sheet {
    char *name, *rid;
} wb_sheet;

typedef struct wb_ctx {
    part_ctx pc;
    wb_sheet *s;
    size_t n, cap;
} wb_ctx;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    wb_ctx *c = ud;
    if (++c->pc.depth > c->pc.x->lim.max_depth) {
        pfail(&c->pc, TJ_ERR_INPUT, "XML nested deeper than %zu elements", c->pc.x->lim.max_depth);
        return;
    }
    if (strcmp(local_name(name), "sheet"))
        return;
    const char *nm = attr(atts, "name", 0), *rid = attr(atts, "id", 1);
    if (!nm || !rid) {
        pfail(&c->pc, TJ_ERR_INPUT, "a sheet lacks its name or relationship id");
        return;
    }
    if (!*nm || strlen(nm) > XLSX_MAX_NAME) {
        pfail(&c->pc, TJ_ERR_INPUT, "a sheet name is empty or longer than %d bytes", XLSX_MAX_NAME);
        return;
    }
    if (c->n >= c->pc.x->lim.max_sheets) {
        pfail(&c->pc, TJ_ERR_INPUT, "more than %zu sheets", c->pc.x->lim.max_sheets);
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!strcasecmp(c->s[i].name, nm)) {
            pfail(&c->pc, TJ_ERR_INPUT, "two sheets are named \"%s\"", nm);
            return;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        wb_sheet *ns = realloc(c->s, cap * sizeof *ns);
        if (!ns) {
            pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
            return;
        }
        c->s = ns;
        c->cap = cap;
    }
    c->s[c->n].name = strdup(nm);
    c->s[c->n].rid = strdup(rid);
    c->n++;
    if (!c->s[c->n - 1].name || !c->s[c->n - 1].rid)
        pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
}

/* ---- sharedStrings.xml ---------------------------------------------------------- */

typedef struct sst_ctx {
    part_ctx pc;
    dbuf text;
    int in_si, in_t, in_rph;
} sst_ctx;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    sst_ctx *c = ud;
    if (++c->pc.depth > c->pc.x->lim.max_depth) {
        pfail(&c->pc, TJ_ERR_INPUT, "XML nested deeper than %zu elements", c->pc.x->lim.max_depth);
        return;
    }
    const char *ln = local_name(name);
    if (!strcmp(ln, "si")) {
        c->in_si = 1;
        c->text.n = 0;
        if (c->text.p)
            c->text.p[0] = 0;
    } else if (c->in_si && !strcmp(ln, "rPh"))
        c->in_rph = 1;
    else if (c->in_si && !c->in_rph && !strcmp(ln, "t"))
        c->in_t = 1;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    sst_ctx *c = ud;
    c->pc.depth--;
    const char *ln = local_name(name);
    if (!strcmp(ln, "t"))
        c->in_t = 0;
    else if (!strcmp(ln, "rPh"))
        c->in_rph = 0;
    else if (!strcmp(ln, "si") && c->in_si) {
        c->in_si = 0;
        io_xlsx *x = c->pc.x;
        if (x->nsst >= x->lim.max_shared_strings) {
            pfail(&c->pc, TJ_ERR_INPUT, "more than %zu shared strings", x->lim.max_shared_strings);
            return;
        }
        if (x->nsst == x->capsst) {
            size_t cap = x->capsst ? x->capsst * 2 : 256;
            char **ns = realloc(x->sst, cap * sizeof *ns);
            if (ns)
                x->sst = ns;
            size_t *nl = ns ? realloc(x->sst_len, cap * sizeof *nl) : NULL;
            if (nl)
                x->sst_len = nl;
            if (!ns || !nl) {
                pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
                return;
            }
            x->capsst = cap;
        }
        size_t n = c->text.n;
        char *s = malloc(n + 1);
        if (!s) {
            pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
            return;
        }
        if (n)
            memcpy(s, c->text.p, n);
        s[n] = 0;
        if (decode_escapes(s, &n)) {
            free(s);
            pfail(&c->pc, TJ_ERR_INPUT, "shared string %zu holds a NUL or a lone surrogate", x->nsst);
            return;
        }
        x->sst[x->nsst] = s;
        x->sst_len[x->nsst] = n;
        x->nsst++;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    sst_ctx *c = ud;
    if (!c->in_t || c->pc.st)
        return;
    int r = dbuf_add(&c->text, s, (size_t)len);
    if (r == 0)
        pfail(&c->pc, TJ_ERR_INPUT, "shared string %zu is longer than %zu bytes", c->pc.x->nsst, c->text.max);
    else if (r < 0)
        pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
}

/* ---- opening ---------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static tj_status check_entries(io_xlsx *x, tj_error *err)
{
    zip_int64_t n = zip_get_num_entries(x->z, 0);
    if (n < 0)
        return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0, "cannot list the archive");
    if ((zip_uint64_t)n > x->lim.max_entries)
        return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                               "the archive has %lld entries; at most %zu are accepted", (long long)n,
                               x->lim.max_entries);
    const char **names = malloc(((size_t)n + 1) * sizeof *names);
    if (!names)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (zip_int64_t i = 0; i < n; i++) {
        names[i] = zip_get_name(x->z, (zip_uint64_t)i, 0);
        if (!names[i]) {
            free(names);
            return tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0, "entry %lld has no readable name",
                                   (long long)i);
        }
    }
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (zip_int64_t i = 1; i < n; i++)
        if (!strcmp(names[i - 1], names[i])) {
            tj_status st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                                           "the archive holds the entry %.200s twice", names[i]);
            free(names);
            return st;
        }
    free(names);
    return TJ_OK;
}

static tj_status load_structure(io_xlsx *x, tj_error *err)
{
    tj_status st = check_entries(x, err);
    if (st)
        return st;
    /* the package relationships name the workbook */
    rels_ctx pr = {.base = ""};
    st = read_part(x, "_rels/.rels", &pr.pc, rels_start, generic_end, no_text, 0, err);
    const rel *doc = st ? NULL : rel_by_type(&pr, "/officeDocument");
    if (!st && !doc)
        st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                             "not an .xlsx workbook: _rels/.rels names no office document");
    char *wbpart = doc ? strdup(doc->target) : NULL;
    rels_free(&pr);
    if (st)
        return st;
    if (!wbpart)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    /* folder and relationships part of the workbook */
    const char *slash = strrchr(wbpart, '/');
    size_t dl = slash ? (size_t)(slash - wbpart) + 1 : 0;
    char *dir = malloc(dl + 1), *relsname = malloc(strlen(wbpart) + 16);
    if (!dir || !relsname) {
        free(dir);
        free(relsname);
        free(wbpart);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    memcpy(dir, wbpart, dl);
    dir[dl] = 0;
    sprintf(relsname, "%s_rels/%s.rels", dir, wbpart + dl);
    rels_ctx wr = {.base = dir};
    wb_ctx wb = {0};
    st = read_part(x, relsname, &wr.pc, rels_start, generic_end, no_text, 0, err);
    if (!st)
        st = read_part(x, wbpart, &wb.pc, wb_start, generic_end, no_text, 0, err);
    for (size_t i = 0; !st && i < wb.n; i++) {
        const rel *r = NULL;
        for (size_t k = 0; k < wr.n && !r; k++)
            if (!strcmp(wr.r[k].id, wb.s[i].rid))
                r = &wr.r[k];
        if (!r)
            st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                                 "sheet \"%s\" names relationship %.64s, which %s does not have",
                                 wb.s[i].name, wb.s[i].rid, relsname);
        else if (ends_with(r->type, "/worksheet")) {
            xsheet *s = &x->sheets[x->nsheets];
            s->name = wb.s[i].name;
            wb.s[i].name = NULL;
            s->part = strdup(r->target);
            x->nsheets++;
            if (!s->part)
                st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
    }
    /* shared strings, when the workbook has them */
    const rel *sr = st ? NULL : rel_by_type(&wr, "/sharedStrings");
    if (sr) {
        sst_ctx sc = {.text = {.max = x->lim.sheet.max_cell_bytes * 8}};
        st = read_part(x, sr->target, &sc.pc, sst_start, sst_end, sst_text, 0, err);
        free(sc.text.p);
    }
    for (size_t i = 0; i < wb.n; i++) {
        free(wb.s[i].name);
        free(wb.s[i].rid);
    }
    free(wb.s);
    rels_free(&wr);
    free(dir);
    free(relsname);
    free(wbpart);
    return st;
}

static tj_status open_common(io_xlsx *x, tj_error *err)
{
    /* room for every sheet the workbook may list */
    x->sheets = calloc(x->lim.max_sheets, sizeof *x->sheets);
    if (!x->sheets)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return load_structure(x, err);
}

static io_xlsx *xlsx_new(const char *name, const io_xlsx_limits *lim)
{
    io_xlsx *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->source = strdup(name);
    if (!x->source) {
        free(x);
        return NULL;
    }
    x->lim = lim ? *lim : (io_xlsx_limits){0};
    x->lim.sheet = io_sheet_limits_resolve(lim ? &lim->sheet : NULL);
    if (!x->lim.max_entries)
        x->lim.max_entries = 10000;
    if (!x->lim.max_part_bytes)
        x->lim.max_part_bytes = (size_t)256 << 20;
    if (!x->lim.max_total_bytes)
        x->lim.max_total_bytes = (size_t)512 << 20;
    if (!x->lim.max_ratio)
        x->lim.max_ratio = 200;
    if (!x->lim.max_shared_strings)
        x->lim.max_shared_strings = 2000000;
    if (!x->lim.max_sheets)
        x->lim.max_sheets = 1000;
    if (!x->lim.max_depth)
        x->lim.max_depth = 64;
    return x;
}

static tj_status zip_fail(io_xlsx *x, zip_error_t *ze, tj_error *err)
{
    tj_status st = tj_error_set_at(err, TJ_ERR_INPUT, x->source, 0, 0,
                                   "cannot open as an .xlsx (zip) workbook: %s", zip_error_strerror(ze));
    zip_error_fini(ze);
    return st;
}

tj_status io_xlsx_open(const char *path, const io_xlsx_limits *lim, io_xlsx **out, tj_error *err)
{
    *out = NULL;
    io_xlsx *x = xlsx_new(path, lim);
    if (!x)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    struct stat sb;
    tj_status st = TJ_OK;
    if (stat(path, &sb) != 0)
        st = tj_error_set_at(err, TJ_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0, "not a regular file");
    else if ((uintmax_t)sb.st_size > x->lim.sheet.max_file_bytes)
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, 0, 0,
                             "the workbook is %jd bytes; at most %zu are accepted", (intmax_t)sb.st_size,
                             x->lim.sheet.max_file_bytes);
    if (!st) {
        int ze = 0;
        x->z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
        if (!x->z) {
            zip_error_t e;
            zip_error_init_with_code(&e, ze);
            st = zip_fail(x, &e, err);
        }
    }
    if (!st)
        st = open_common(x, err);
    if (st) {
        io_xlsx_close(x);
        return st;
    }
    *out = x;
    return TJ_OK;
}

tj_status io_xlsx_open_mem(const char *name, const void *data, size_t len, const io_xlsx_limits *lim,
                           io_xlsx **out, tj_error *err)
{
    *out = NULL;
    io_xlsx *x = xlsx_new(name, lim);
    if (!x)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    tj_status st = TJ_OK;
    if (len > x->lim.sheet.max_file_bytes)
        st = tj_error_set_at(err, TJ_ERR_INPUT, name, 0, 0,
                             "the workbook is %zu bytes; at most %zu are accepted", len,
                             x->lim.sheet.max_file_bytes);
    if (!st) {
        zip_error_t ze;
        zip_error_init(&ze);
        zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
        if (src && !(x->z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
            zip_source_free(src);
        if (!x->z)
            st = zip_fail(x, &ze, err);
        else
            zip_error_fini(&ze);
    }
    if (!st)
        st = open_common(x, err);
    if (st) {
        io_xlsx_close(x);
        return st;
    }
    *out = x;
    return TJ_OK;
}

size_t io_xlsx_sheet_count(const io_xlsx *x)
{
    return x->nsheets;
}

const char *io_xlsx_sheet_name(const io_xlsx *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

long io_xlsx_find_sheet(const io_xlsx *x, const char *name)
{
    for (size_t i = 0; i < x->nsheets; i++)
        if (!strcasecmp(x->sheets[i].name, name))
            return (long)i;
    return -1;
}

void io_xlsx_close(io_xlsx *x)
{
    if (!x)
        return;
    if (x->z)
        zip_discard(x->z);
    for (size_t i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].part);
    }
    free(x->sheets);
    for (size_t i = 0; i < x->nsst; i++)
        free(x->sst[i]);
    free(x->sst);
    free(x->sst_len);
    free(x->source);
    free(x);
}

/* ---- worksheets ------------------------------------------------------------------- */

typedef struct ws_ctx {
    part_ctx pc;
    io_sheet *s;
    int in_data;
    /* current row */
    int in_row;
    long rownum, prev_row;
    io_cell *cells;
    size_t ncells, capcells;
    size_t total_cells;
    /* current cell */
    int in_c, in_v, in_is, in_t, in_rph, has_v, has_f;
    long col, prev_col;
    char ctype[12];
    dbuf v;
} ws_ctx;

static void ws_fail_cell(ws_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ws_fail_cell(ws_ctx *c, const char *fmt, ...)
{
    if (c->pc.st)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* a one-row sheet view locates the cell as name!C12 */
    io_row row = {NULL, 0, c->rownum};
    io_sheet tmp = {.source = c->s->source, .name = c->s->name, .rows = &row, .n = 1};
    c->pc.st = io_sheet_error(&tmp, 0, c->col, c->pc.err, TJ_ERR_INPUT, "%s", msg);
    XML_StopParser(c->pc.p, XML_FALSE);
}

static void drop_row(ws_ctx *c)
{
    for (size_t i = 0; i < c->ncells; i++)
        free(c->cells[i].text);
    c->total_cells -= c->ncells;
    c->ncells = 0;
}

static void XMLCALL ws_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    ws_ctx *c = ud;
    io_sheet_limits *lim = &c->pc.x->lim.sheet;
    if (++c->pc.depth > c->pc.x->lim.max_depth) {
        pfail(&c->pc, TJ_ERR_INPUT, "XML nested deeper than %zu elements", c->pc.x->lim.max_depth);
        return;
    }
    const char *ln = local_name(name);
    if (!c->in_data) {
        if (!strcmp(ln, "sheetData"))
            c->in_data = 1;
        return;
    }
    if (!c->in_row) {
        if (strcmp(ln, "row"))
            return;
        const char *r = attr(atts, "r", 0);
        long rn = c->prev_row + 1;
        if (r && !parse_row_number(r, &rn)) {
            pfail(&c->pc, TJ_ERR_INPUT, "sheet %s: invalid row number \"%.32s\"", c->s->name, r);
            return;
        }
        if (rn > XLSX_MAX_ROW) {
            pfail(&c->pc, TJ_ERR_INPUT, "sheet %s: more than %ld rows", c->s->name, XLSX_MAX_ROW);
            return;
        }
        c->in_row = 1;
        c->rownum = c->prev_row = rn;
        c->prev_col = -1;
        c->ncells = 0;
        return;
    }
    if (!c->in_c) {
        if (strcmp(ln, "c"))
            return;
        const char *r = attr(atts, "r", 0), *t = attr(atts, "t", 0);
        long col = c->prev_col + 1, row = c->rownum;
        c->col = col;
        if (r && !parse_ref(r, &col, &row)) {
            ws_fail_cell(c, "invalid cell reference \"%.32s\"", r);
            return;
        }
        c->col = col;
        if (row != c->rownum) {
            ws_fail_cell(c, "a cell referenced as %.32s is inside row %ld", r, c->rownum);
            return;
        }
        if (col >= XLSX_MAX_COL || (size_t)col >= lim->max_cols) {
            ws_fail_cell(c, "more than %zu columns",
                         lim->max_cols < (size_t)XLSX_MAX_COL ? lim->max_cols : (size_t)XLSX_MAX_COL);
            return;
        }
        if (t && strlen(t) >= sizeof c->ctype) {
            ws_fail_cell(c, "unknown cell type \"%.32s\"", t);
            return;
        }
        snprintf(c->ctype, sizeof c->ctype, "%s", t ? t : "n");
        c->prev_col = col;
        c->in_c = 1;
        c->in_v = c->in_is = c->in_t = c->in_rph = c->has_v = c->has_f = 0;
        c->v.n = 0;
        return;
    }
    if (!strcmp(ln, "v") && !c->in_is) {
        c->in_v = 1;
        c->has_v = 1;
    } else if (!strcmp(ln, "f"))
        c->has_f = 1;
    else if (!strcmp(ln, "is"))
        c->in_is = 1;
    else if (c->in_is && !strcmp(ln, "rPh"))
        c->in_rph = 1;
    else if (c->in_is && !c->in_rph && !strcmp(ln, "t")) {
        c->in_t = 1;
        c->has_v = 1;
    }
}

static void XMLCALL ws_text(void *ud, const XML_Char *s, int len)
{
    ws_ctx *c = ud;
    if (c->pc.st || !(c->in_v || c->in_t))
        return;
    int r = dbuf_add(&c->v, s, (size_t)len);
    if (r == 0)
        ws_fail_cell(c, "the cell is longer than %zu bytes", c->v.max);
    else if (r < 0)
        pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
}

/* The finished cell c->v as a cell: type and text (malloc'ed, or NULL). */
static void finish_cell(ws_ctx *c)
{
    io_xlsx *x = c->pc.x;
    const char *t = c->ctype;
    const char *v = c->v.n ? c->v.p : "";
    size_t vn = c->v.n;
    io_cell_type type = IO_CELL_TEXT;
    const char *src = v;
    size_t sn = vn;
    int escapes = 0;
    if (c->has_f && !c->has_v) {
        ws_fail_cell(c, "the cell holds a formula without a saved value; open and save the workbook "
                        "in a spreadsheet program first");
        return;
    }
    if (!strcmp(t, "s")) {
        if (!c->has_v)
            return;
        char *end;
        errno = 0;
        unsigned long long k = strtoull(v, &end, 10);
        if (!vn || *end || v[0] < '0' || v[0] > '9' || errno || k >= x->nsst) {
            ws_fail_cell(c, "shared string index \"%.32s\" is not one of the workbook's %zu strings", v,
                         x->nsst);
            return;
        }
        src = x->sst[k];
        sn = x->sst_len[k];
    } else if (!strcmp(t, "inlineStr") || !strcmp(t, "str")) {
        escapes = 1;
    } else if (!strcmp(t, "b")) {
        if (!c->has_v)
            return;
        if (strcmp(v, "0") && strcmp(v, "1")) {
            ws_fail_cell(c, "boolean value \"%.32s\" is not 0 or 1", v);
            return;
        }
        type = IO_CELL_BOOL;
        src = v[0] == '1' ? "TRUE" : "FALSE";
        sn = strlen(src);
    } else if (!strcmp(t, "e")) {
        type = IO_CELL_ERROR;
    } else if (!strcmp(t, "n")) {
        type = IO_CELL_NUMBER;
    } else if (strcmp(t, "d")) {
        ws_fail_cell(c, "unknown cell type \"%s\"", t);
        return;
    }
    char *text = malloc(sn + 1);
    if (!text) {
        pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
        return;
    }
    memcpy(text, src, sn);
    text[sn] = 0;
    if (escapes && decode_escapes(text, &sn)) {
        free(text);
        ws_fail_cell(c, "the text holds a NUL or a lone surrogate");
        return;
    }
    if (memchr(text, 0, sn)) {
        free(text);
        ws_fail_cell(c, "the text holds a NUL");
        return;
    }
    io_cell_trim(text, &sn);
    if (sn > x->lim.sheet.max_cell_bytes) {
        free(text);
        ws_fail_cell(c, "the cell is %zu bytes long; at most %zu are accepted", sn,
                     x->lim.sheet.max_cell_bytes);
        return;
    }
    if (!sn) {
        free(text);
        return;
    }
    if (type == IO_CELL_NUMBER) {
        /* a number as stored: digits, sign, point and exponent only */
        for (size_t i = 0; i < sn; i++)
            if (!strchr("0123456789+-.eE", text[i])) {
                free(text);
                ws_fail_cell(c, "number cell holds \"%.40s\", which is not a number", v);
                return;
            }
    }
    /* place it at its column */
    size_t col = (size_t)c->col;
    if (col >= c->ncells) {
        size_t add = col + 1 - c->ncells;
        if (add > x->lim.sheet.max_cells - c->total_cells) {
            free(text);
            ws_fail_cell(c, "the sheet has more than %zu cells", x->lim.sheet.max_cells);
            return;
        }
        if (col + 1 > c->capcells) {
            size_t cap = c->capcells ? c->capcells : 16;
            while (cap < col + 1)
                cap *= 2;
            io_cell *nc = realloc(c->cells, cap * sizeof *nc);
            if (!nc) {
                free(text);
                pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
                return;
            }
            c->cells = nc;
            c->capcells = cap;
        }
        memset(c->cells + c->ncells, 0, add * sizeof *c->cells);
        c->ncells = col + 1;
        c->total_cells += add;
    } else if (c->cells[col].text) {
        free(text);
        ws_fail_cell(c, "the cell is given twice");
        return;
    }
    c->cells[col] = (io_cell){text, sn, type};
}

static void XMLCALL ws_end(void *ud, const XML_Char *name)
{
    ws_ctx *c = ud;
    c->pc.depth--;
    if (c->pc.st || !c->in_data)
        return;
    const char *ln = local_name(name);
    if (c->in_c) {
        if (!strcmp(ln, "v"))
            c->in_v = 0;
        else if (!strcmp(ln, "t"))
            c->in_t = 0;
        else if (!strcmp(ln, "rPh"))
            c->in_rph = 0;
        else if (!strcmp(ln, "is"))
            c->in_is = 0;
        else if (!strcmp(ln, "c")) {
            c->in_c = 0;
            finish_cell(c);
        }
        return;
    }
    if (c->in_row && !strcmp(ln, "row")) {
        c->in_row = 0;
        if (!c->ncells)
            return;
        io_sheet *s = c->s;
        if (s->n >= c->pc.x->lim.sheet.max_rows) {
            drop_row(c);
            pfail(&c->pc, TJ_ERR_INPUT, "sheet %s has more than %zu rows", s->name,
                  c->pc.x->lim.sheet.max_rows);
            return;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 32;
            io_row *nr = realloc(s->rows, cap * sizeof *nr);
            if (!nr) {
                drop_row(c);
                pfail(&c->pc, TJ_ERR_NOMEM, "out of memory");
                return;
            }
            s->rows = nr;
            s->cap = cap;
        }
        s->rows[s->n++] = (io_row){c->cells, c->ncells, c->rownum};
        c->cells = NULL;
        c->ncells = c->capcells = 0;
        return;
    }
    if (!strcmp(ln, "sheetData"))
        c->in_data = 0;
}

static int cmp_row(const void *a, const void *b)
{
    long x = ((const io_row *)a)->line, y = ((const io_row *)b)->line;
    return (x > y) - (x < y);
}

tj_status io_xlsx_read_sheet(io_xlsx *x, size_t i, io_sheet *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (i >= x->nsheets)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "no sheet %zu", i);
    out->source = strdup(x->source);
    out->name = strdup(x->sheets[i].name);
    if (!out->source || !out->name) {
        io_sheet_release(out);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    ws_ctx c = {.s = out, .v = {.max = x->lim.sheet.max_cell_bytes * 8}};
    tj_status st = read_part(x, x->sheets[i].part, &c.pc, ws_start, ws_end, ws_text, 0, err);
    drop_row(&c);
    free(c.cells);
    free(c.v.p);
    /* rows may come in any order; each row number once */
    int sorted = 1;
    for (size_t r = 1; !st && r < out->n && sorted; r++)
        sorted = out->rows[r - 1].line < out->rows[r].line;
    if (!st && !sorted) {
        qsort(out->rows, out->n, sizeof *out->rows, cmp_row);
        for (size_t r = 1; r < out->n && !st; r++)
            if (out->rows[r - 1].line == out->rows[r].line)
                st = io_sheet_error(out, r, -1, err, TJ_ERR_INPUT, "row %ld is given twice",
                                    out->rows[r].line);
    }
    if (st)
        io_sheet_release(out);
    return st;
}

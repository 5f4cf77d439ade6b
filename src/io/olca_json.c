/*
 * io/olca_json: strict JSON reader with an arena per document; see
 * io/olca_json.h for what it accepts.
 */
#include "io/olca_json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tanji/text.h"

#define OJ_MAX_DEPTH 2048 /* as jansson's JSON_PARSER_MAX_DEPTH */
#define OJ_CHUNK_MIN ((size_t)4096) /* values in the first chunk */
#define OJ_DUP_LINEAR 16 /* members up to which duplicates are found pairwise */

typedef struct oj_chunk {
    struct oj_chunk *next;
    size_t cap, used; /* in values */
    oj_val v[];
} oj_chunk;

struct oj_doc {
    oj_chunk *chunks, *cur; /* all chunks; the one being filled */
    char *text;             /* the copy being parsed (decoded in place) */
    size_t textcap;
    const char *p, *end; /* parse position */
    const oj_val **keys; /* scratch: members of one object, for the duplicate check */
    size_t keycap;
    locale_t c_locale; /* for strtod_l: "." whatever LC_NUMERIC says */
    const char *orig; /* the caller's text, for the line of an error */
    int errline;
    int nomem;
    char errmsg[96];
};

oj_doc *oj_doc_new(void)
{
    oj_doc *d = calloc(1, sizeof *d);
    if (d)
        d->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    return d;
}

void oj_doc_free(oj_doc *d)
{
    if (!d)
        return;
    for (oj_chunk *c = d->chunks, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(d->text);
    free(d->keys);
    if (d->c_locale)
        freelocale(d->c_locale);
    free(d);
}

const char *oj_error_text(const oj_doc *d)
{
    return d->errmsg;
}

int oj_error_nomem(const oj_doc *d)
{
    return d->nomem;
}

int oj_error_line(const oj_doc *d)
{
    return d->errline;
}

static void *fail(oj_doc *d, const char *at, const char *msg)
{
    if (!d->errmsg[0]) {
        snprintf(d->errmsg, sizeof d->errmsg, "%s", msg);
        /* counted in the caller's text: the copy is decoded in place */
        d->errline = 1;
        if (d->orig && at)
            for (size_t i = 0, n = (size_t)(at - d->text); i < n; i++)
                d->errline += d->orig[i] == '\n';
    }
    return NULL;
}

static void *nomem(oj_doc *d)
{
    d->nomem = 1;
    return fail(d, d->p, "out of memory");
}

static oj_val *new_val(oj_doc *d, int type)
{
    oj_chunk *c = d->cur;
    while (c && c->used == c->cap) {
        c = c->next;
        if (c)
            c->used = 0;
    }
    if (!c) {
        size_t cap = OJ_CHUNK_MIN;
        if (d->cur && d->cur->cap * 2 > cap)
            cap = d->cur->cap * 2;
        if (cap > ((size_t)1 << 20))
            cap = (size_t)1 << 20; /* 1 Mi values per chunk at most */
        c = malloc(sizeof *c + cap * sizeof(oj_val));
        if (!c)
            return nomem(d);
        c->cap = cap;
        c->used = 0;
        c->next = NULL;
        if (d->cur)
            d->cur->next = c; /* d->cur is the last chunk here */
        else
            d->chunks = c;
    }
    d->cur = c;
    oj_val *v = &c->v[c->used++];
    v->key = NULL;
    v->next = NULL;
    v->len = v->keylen = 0;
    v->type = type;
    return v;
}

static inline int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline void skip_ws(oj_doc *d)
{
    const char *p = d->p;
    while (p < d->end && is_ws((unsigned char)*p))
        p++;
    d->p = p;
}

/* Four hex digits at p (p + 4 <= end checked by the caller); -1 if not. */
static long hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = tj_hex_digit((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), 0 if invalid
 * (RFC 3629, as tj_utf8_valid_prefix checks it). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t n = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    return (size_t)(end - p) >= n && tj_utf8_valid_prefix((const char *)p, n) == n ? n : 0;
}

static char *put_utf8(char *w, unsigned long cp)
{
    if (cp < 0x80)
        *w++ = (char)cp;
    else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* A string whose opening quote is at d->p: decoded in place and
 * NUL-terminated (over its closing quote or earlier); *out, *len. */
static int parse_string(oj_doc *d, const char **out, size_t *len)
{
    char *start = (char *)d->p + 1, *r = start, *w = NULL;
    const char *end = d->end;
    for (;;) {
        /* the plain run: no quote, backslash, control or non-ASCII byte;
         * eight bytes at a time while nothing had to be moved */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (!w)
            while (end - r >= 8) {
                uint64_t x;
                memcpy(&x, r, 8);
                const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
                uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
                /* high bit of a byte set where it is '"', '\\', < 0x20 or
                 * >= 0x80; exact for the lowest such byte */
                uint64_t m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
                m &= high;
                if (m) {
                    r += __builtin_ctzll(m) / 8;
                    break;
                }
                r += 8;
            }
#endif
        while (r < end) {
            unsigned char c = (unsigned char)*r;
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
                break;
            if (w)
                *w++ = (char)c;
            r++;
        }
        if (r >= end) {
            fail(d, r, "premature end of input in a string");
            return -1;
        }
        unsigned char c = (unsigned char)*r;
        if (c == '"') {
            char *e = w ? w : r;
            *e = '\0';
            *out = start;
            *len = (size_t)(e - start);
            d->p = r + 1;
            return 0;
        }
        if (c < 0x20) {
            fail(d, r, "control character in a string");
            return -1;
        }
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)r, (const unsigned char *)end);
            if (!n) {
                fail(d, r, "invalid UTF-8 in a string");
                return -1;
            }
            if (w)
                memmove(w, r, n), w += n;
            r += n;
            continue;
        }
        /* backslash */
        if (!w)
            w = r;
        if (end - r < 2) {
            fail(d, r, "premature end of input in a string");
            return -1;
        }
        char e = r[1];
        r += 2;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            long v = end - r >= 4 ? hex4(r) : -1;
            if (v < 0) {
                fail(d, r - 2, "invalid \\u escape");
                return -1;
            }
            r += 4;
            unsigned long cp = (unsigned long)v;
            if (v >= 0xD800 && v <= 0xDBFF) {
                long v2 = end - r >= 6 && r[0] == '\\' && r[1] == 'u' ? hex4(r + 2) : -1;
                if (v2 < 0xDC00 || v2 > 0xDFFF) {
                    fail(d, r - 6, "invalid Unicode escape (unpaired surrogate)");
                    return -1;
                }
                r += 6;
                cp = 0x10000 + (((unsigned long)v - 0xD800) << 10) + ((unsigned long)v2 - 0xDC00);
            } else if (v >= 0xDC00 && v <= 0xDFFF) {
                fail(d, r - 6, "invalid Unicode escape (unpaired surrogate)");
                return -1;
            } else if (v == 0) {
                fail(d, r - 6, "\\u0000 is not allowed");
                return -1;
            }
            w = put_utf8(w, cp);
            break;
        }
        default: fail(d, r - 2, "invalid escape in a string"); return -1;
        }
    }
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

static oj_val *parse_number(oj_doc *d)
{
    const char *s = d->p, *p = s, *end = d->end;
    int neg = 0, is_int = 1;
    uint64_t mant = 0; /* first 19 significant digits */
    int ndig = 0;      /* significant digits seen (leading zeros skipped) */
    long scale = 0;    /* decimal exponent adjustment for digits not in mant */
    if (*p == '-')
        neg = 1, p++;
    if (!is_digit(p, end))
        return fail(d, s, "invalid number");
    if (*p == '0') {
        p++;
        if (is_digit(p, end))
            return fail(d, s, "invalid number (leading zero)");
    } else {
        for (; is_digit(p, end); p++) {
            if (ndig < 19)
                mant = mant * 10 + (uint64_t)(*p - '0');
            else
                scale++;
            ndig++;
        }
    }
    if (p < end && *p == '.') {
        is_int = 0;
        p++;
        if (!is_digit(p, end))
            return fail(d, s, "invalid number");
        for (; is_digit(p, end); p++) {
            if (ndig == 0 && *p == '0') {
                scale--;
                continue;
            }
            if (ndig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                scale--;
            }
            ndig++;
        }
    }
    long ex = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_int = 0;
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p == '-', p++;
        if (!is_digit(p, end))
            return fail(d, s, "invalid number");
        for (; is_digit(p, end); p++)
            if (ex < 100000)
                ex = ex * 10 + (*p - '0');
        if (eneg)
            ex = -ex;
    }
    /* the byte after the number exists in a valid document (the top level
     * is an array or object): it is needed to terminate the token */
    if (p >= end)
        return fail(d, p, "premature end of input after a number");
    oj_val *v = new_val(d, is_int ? OJ_INT : OJ_REAL);
    if (!v)
        return NULL;
    d->p = p;
    if (is_int) {
        /* ndig counts significant digits; "0" and "-0" have none */
        if (ndig > 19)
            return fail(d, s, neg ? "too big negative integer" : "too big integer");
        uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        if (mant > lim)
            return fail(d, s, neg ? "too big negative integer" : "too big integer");
        v->u.i = neg ? (mant == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(long long)mant) : (long long)mant;
        return v;
    }
    /* Clinger's fast path: both operands exact, one correctly rounded step */
    long e10 = ex + scale;
    if (ndig <= 15 && mant <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        double m = (double)mant;
        double r = e10 >= 0 ? m * pow10_exact[e10] : m / pow10_exact[-e10];
        v->u.d = neg ? -r : r;
        return v;
    }
    /* the general case: strtod on the token, terminated in place */
    char *t = (char *)p, saved = *t;
    *t = '\0';
    char *stop = NULL;
    errno = 0;
    double r = d->c_locale ? strtod_l(s, &stop, d->c_locale) : strtod(s, &stop);
    int e = errno;
    *t = saved;
    if (stop != p)
        return fail(d, s, "invalid number");
    if ((r == HUGE_VAL || r == -HUGE_VAL) && e == ERANGE)
        return fail(d, s, "real number overflow");
    v->u.d = r;
    return v;
}

static int key_cmp(const void *a, const void *b)
{
    const oj_val *x = *(const oj_val *const *)a, *y = *(const oj_val *const *)b;
    if (x->keylen != y->keylen)
        return x->keylen < y->keylen ? -1 : 1;
    return memcmp(x->key, y->key, x->keylen);
}

/* 1 if two members of obj share a key, 0 if not, -1 out of memory. */
static int has_duplicate(oj_doc *d, const oj_val *obj)
{
    size_t n = obj->len;
    if (n < 2)
        return 0;
    if (n <= OJ_DUP_LINEAR) {
        for (const oj_val *a = obj->u.first; a; a = a->next)
            for (const oj_val *b = a->next; b; b = b->next)
                if (a->keylen == b->keylen && !memcmp(a->key, b->key, a->keylen))
                    return 1;
        return 0;
    }
    if (n > d->keycap) {
        size_t nc = d->keycap ? d->keycap : 64;
        while (nc < n)
            nc *= 2;
        const oj_val **k = realloc(d->keys, nc * sizeof *k);
        if (!k)
            return -1;
        d->keys = k;
        d->keycap = nc;
    }
    size_t i = 0;
    for (const oj_val *a = obj->u.first; a; a = a->next)
        d->keys[i++] = a;
    qsort(d->keys, n, sizeof *d->keys, key_cmp);
    for (i = 1; i < n; i++)
        if (!key_cmp(&d->keys[i - 1], &d->keys[i]))
            return 1;
    return 0;
}

static oj_val *parse_value(oj_doc *d, int depth);

static oj_val *parse_container(oj_doc *d, int depth, int is_obj)
{
    oj_val *v = new_val(d, is_obj ? OJ_OBJ : OJ_ARR), *tail = NULL;
    if (!v)
        return NULL;
    v->u.first = NULL;
    const char close = is_obj ? '}' : ']';
    d->p++; /* '{' or '[' */
    skip_ws(d);
    if (d->p < d->end && *d->p == close) {
        d->p++;
        return v;
    }
    for (;;) {
        const char *key = NULL;
        size_t keylen = 0;
        if (is_obj) {
            if (d->p >= d->end || *d->p != '"')
                return fail(d, d->p, "string or '}' expected");
            if (parse_string(d, &key, &keylen) < 0)
                return NULL;
            skip_ws(d);
            if (d->p >= d->end || *d->p != ':')
                return fail(d, d->p, "':' expected");
            d->p++;
            skip_ws(d);
        }
        oj_val *c = parse_value(d, depth + 1);
        if (!c)
            return NULL;
        c->key = key;
        c->keylen = keylen;
        if (tail)
            tail->next = c;
        else
            v->u.first = c;
        tail = c;
        v->len++;
        skip_ws(d);
        if (d->p >= d->end)
            return fail(d, d->p, is_obj ? "'}' expected" : "']' expected");
        if (*d->p == ',') {
            d->p++;
            skip_ws(d);
            continue;
        }
        if (*d->p == close) {
            d->p++;
            break;
        }
        return fail(d, d->p, is_obj ? "',' or '}' expected" : "',' or ']' expected");
    }
    if (is_obj) {
        int dup = has_duplicate(d, v);
        if (dup < 0)
            return nomem(d);
        if (dup)
            return fail(d, d->p - 1, "duplicate object key");
    }
    return v;
}

static int literal(oj_doc *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n))
        return 0;
    d->p += n;
    return 1;
}

static oj_val *parse_value(oj_doc *d, int depth)
{
    if (depth > OJ_MAX_DEPTH)
        return fail(d, d->p, "maximum parsing depth reached");
    if (d->p >= d->end)
        return fail(d, d->p, "premature end of input");
    switch (*d->p) {
    case '{': return parse_container(d, depth, 1);
    case '[': return parse_container(d, depth, 0);
    case '"': {
        oj_val *v = new_val(d, OJ_STR);
        if (!v)
            return NULL;
        const char *s;
        size_t n;
        if (parse_string(d, &s, &n) < 0) /* never holds a NUL: refused there */
            return NULL;
        v->u.s = s;
        v->len = n;
        return v;
    }
    case 't':
        if (literal(d, "true", 4))
            return new_val(d, OJ_TRUE);
        break;
    case 'f':
        if (literal(d, "false", 5))
            return new_val(d, OJ_FALSE);
        break;
    case 'n':
        if (literal(d, "null", 4))
            return new_val(d, OJ_NULL);
        break;
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9'))
            return parse_number(d);
        break;
    }
    return fail(d, d->p, "invalid token");
}

const oj_val *oj_parse(oj_doc *d, const char *text, size_t len)
{
    d->errmsg[0] = '\0';
    d->errline = 0;
    d->orig = NULL;
    d->nomem = 0;
    if (len + 1 > d->textcap) {
        size_t nc = d->textcap ? d->textcap : 4096;
        while (nc < len + 1) {
            if (nc > SIZE_MAX / 2) {
                nc = len + 1;
                break;
            }
            nc *= 2;
        }
        char *t = realloc(d->text, nc);
        if (!t) {
            d->nomem = 1;
            snprintf(d->errmsg, sizeof d->errmsg, "out of memory");
            return NULL;
        }
        d->text = t;
        d->textcap = nc;
    }
    if (len)
        memcpy(d->text, text, len);
    d->text[len] = '\0';
    d->p = d->text;
    d->end = d->text + len;
    d->orig = text;
    /* reuse the arena from its first chunk */
    d->cur = d->chunks;
    if (d->cur)
        d->cur->used = 0;
    skip_ws(d);
    if (d->p >= d->end || (*d->p != '{' && *d->p != '['))
        return fail(d, d->p, "'[' or '{' expected");
    oj_val *root = parse_value(d, 1);
    if (!root)
        return NULL;
    skip_ws(d);
    if (d->p != d->end)
        return fail(d, d->p, "end of input expected");
    return root;
}

/* ---- accessors ------------------------------------------------------- */

const oj_val *oj_get(const oj_val *obj, const char *key)
{
    if (!obj || obj->type != OJ_OBJ)
        return NULL;
    size_t n = strlen(key);
    for (const oj_val *m = obj->u.first; m; m = m->next)
        if (m->keylen == n && !memcmp(m->key, key, n))
            return m;
    return NULL;
}

const char *oj_str(const oj_val *v)
{
    return v && v->type == OJ_STR ? v->u.s : NULL;
}

int oj_is_obj(const oj_val *v)
{
    return v && v->type == OJ_OBJ;
}

int oj_is_arr(const oj_val *v)
{
    return v && v->type == OJ_ARR;
}

int oj_is_str(const oj_val *v)
{
    return v && v->type == OJ_STR;
}

int oj_is_true(const oj_val *v)
{
    return v && v->type == OJ_TRUE;
}

int oj_is_num(const oj_val *v)
{
    return v && (v->type == OJ_INT || v->type == OJ_REAL);
}

int oj_is_int(const oj_val *v)
{
    return v && v->type == OJ_INT;
}

double oj_num(const oj_val *v)
{
    if (!v)
        return 0;
    return v->type == OJ_INT ? (double)v->u.i : v->type == OJ_REAL ? v->u.d : 0;
}

long long oj_int(const oj_val *v)
{
    return v && v->type == OJ_INT ? v->u.i : 0;
}

size_t oj_len(const oj_val *v)
{
    return v && (v->type == OJ_ARR || v->type == OJ_OBJ) ? v->len : 0;
}

const oj_val *oj_first(const oj_val *v)
{
    return v && v->type == OJ_ARR ? v->u.first : NULL;
}

/*
 * JSON Canonicalization Scheme (RFC 8785) over jansson values.
 *
 * - Object members sorted by their names as arrays of UTF-16 code units
 *   (RFC 8785 section 3.2.3), compared unsigned, no locale.
 * - Numbers as IEEE-754 doubles serialised as ECMAScript's
 *   Number.prototype.toString does (ECMA-262 Number::toString): the
 *   shortest decimal that reads back as the same double, plain notation
 *   for decimal exponents -6 < n <= 21, otherwise d.ddde+X / d.ddde-X.
 *   NaN and the infinities are refused; -0 is "0".  jansson integers
 *   outside +-2^53 are refused, as a double cannot hold them exactly.
 * - Strings: the two-character escapes \b \t \n \f \r \" \\, \u00xx
 *   (lower-case hex) for the other controls below U+0020, every other
 *   character as its UTF-8 bytes.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"

typedef ledger_jbuf jbuf;

static void put(jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(jbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* ---- numbers ------------------------------------------------------------- */

/* d > 0 finite printed with p significant digits: digits into dig (p chars,
 * no NUL needed), decimal exponent of the first digit into *e10. */
static void sci(double d, int p, char *dig, int *e10)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
    /* "D.DDDDe+XX" or "De+XX" */
    int k = 0;
    const char *s = tmp;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            dig[k++] = *s;
    *e10 = atoi(s + 1);
}

/* The double that digits dig[0..p) x 10^(e10 - p + 1) reads as. */
static double readback(const char *dig, int p, int e10)
{
    char tmp[48];
    int n = 0;
    tmp[n++] = dig[0];
    if (p > 1) {
        tmp[n++] = '.';
        memcpy(tmp + n, dig + 1, (size_t)p - 1);
        n += p - 1;
    }
    snprintf(tmp + n, sizeof tmp - (size_t)n, "e%d", e10);
    return strtod(tmp, NULL);
}

/* Add delta (+1 or -1) to the last of p digits; returns 0 when the result
 * would leave p significant digits (a carry past the first digit or a
 * borrow to a leading zero). */
static int step_last(char *dig, int p, int delta)
{
    int i = p - 1;
    if (delta > 0) {
        while (i >= 0 && dig[i] == '9')
            dig[i--] = '0';
        if (i < 0)
            return 0;
        dig[i]++;
    } else {
        while (i >= 0 && dig[i] == '0')
            dig[i--] = '9';
        if (i < 0)
            return 0;
        dig[i]--;
        if (dig[0] == '0')
            return 0;
    }
    return 1;
}

/* Shortest round-trip digits of d > 0 (ECMA-262 Number::toString step 5:
 * the least k such that some k-digit s reads as d, and among those the s
 * closest to d).  Returns k; *e10 is the exponent of the first digit. */
static int shortest(double d, char dig[17], int *e10)
{
    /* Fast path: when the correctly rounded 15-digit decimal reads back,
     * it is (trailing zeros dropped) the shortest one: a k-digit decimal
     * that reads as d (k <= 15) lies within half an ulp of d, far less than
     * half the 15-digit spacing, so padded with zeros it IS the 15-digit
     * rounding.  One format and one parse instead of a search.  Normal
     * numbers only: below DBL_MIN an ulp can exceed the 15-digit spacing. */
    if (d >= DBL_MIN) {
        int e, k = 15;
        sci(d, 15, dig, &e);
        while (k > 1 && dig[k - 1] == '0')
            k--;
        if (readback(dig, k, e) == d) {
            *e10 = e;
            return k;
        }
    }
    /* The correctly rounded p-digit decimal is the closest one; whether it
     * reads back is monotonic in p, so search for the least such p. */
    int lo = d >= DBL_MIN ? 16 : 1, hi = 17; /* 17 digits always read back */
    while (lo < hi) {
        int mid = (lo + hi) / 2, e;
        char t[17];
        sci(d, mid, t, &e);
        if (readback(t, mid, e) == d)
            hi = mid;
        else
            lo = mid + 1;
    }
    int p = hi;
    sci(d, p, dig, e10);
    /* At a power of two the interval that reads as d is narrower below it:
     * the nearest (p-1)-digit decimal may miss it while its neighbour on the
     * other side hits.  Only p-1 can be shorter (a shorter hit padded with
     * a zero would be a (p-1)-digit hit). */
    if (p > 1) {
        char t[17];
        int e;
        sci(d, p - 1, t, &e);
        for (int delta = -1; delta <= 1; delta += 2) {
            char u[17];
            memcpy(u, t, 17);
            if (step_last(u, p - 1, delta) && readback(u, p - 1, e) == d) {
                memcpy(dig, u, (size_t)p - 1);
                *e10 = e;
                return p - 1;
            }
        }
    }
    return p;
}

int ledger_jcs_number(double d, char out[LEDGER_JCS_NUMBER_SIZE])
{
    if (!isfinite(d))
        return -1;
    char *o = out;
    if (d == 0) {
        strcpy(out, "0");
        return 0;
    }
    if (d < 0) {
        *o++ = '-';
        d = -d;
    }
    if (d < 9007199254740992.0 && d == floor(d)) {
        /* an integer below 2^53: its digits are the shortest form */
        char t[20];
        int k = 0;
        for (uint64_t u = (uint64_t)d; u; u /= 10)
            t[k++] = (char)('0' + u % 10);
        while (k)
            *o++ = t[--k];
        *o = '\0';
        return 0;
    }
    char dig[17];
    int e10;
    int k = shortest(d, dig, &e10);
    int n = e10 + 1; /* value = 0.dig x 10^n */
    if (k <= n && n <= 21) {
        memcpy(o, dig, (size_t)k);
        o += k;
        for (int i = 0; i < n - k; i++)
            *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, dig, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, dig + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++)
            *o++ = '0';
        memcpy(o, dig, (size_t)k);
        o += k;
    } else {
        *o++ = dig[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, dig + 1, (size_t)k - 1);
            o += k - 1;
        }
        o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    *o = '\0';
    return 0;
}

/* ---- strings ------------------------------------------------------------- */

static void put_string(jbuf *b, const char *s, size_t n)
{
    put(b, "\"", 1);
    size_t run = 0; /* start of the pending unescaped run */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '\b': esc = "\\b"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\f': esc = "\\f"; break;
        case '\r': esc = "\\r"; break;
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (esc) {
            put(b, s + run, i - run);
            puts_(b, esc);
            run = i + 1;
        }
    }
    put(b, s + run, n - run);
    put(b, "\"", 1);
}

/* ---- member order: UTF-16 code units ------------------------------------- */

typedef struct member {
    const char *key;
    size_t len;
    json_t *value;
} member;

/* Next code point of valid UTF-8 (jansson validates strings and keys). */
static uint32_t next_cp(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    uint32_t c = *s++;
    int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (extra)
        c &= 0x3fu >> extra;
    while (extra-- && s < end)
        c = (c << 6) | (*s++ & 0x3fu);
    *p = s;
    return c;
}

static int member_cmp(const void *a, const void *b)
{
    const member *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->key, *pe = p + x->len;
    const unsigned char *q = (const unsigned char *)y->key, *qe = q + y->len;
    /* Fast path: equal bytes are equal code points, and where the first
     * differing bytes are both ASCII they decide (a multi-byte character
     * or one cut by the common prefix goes the code-point way below). */
    size_t common = x->len < y->len ? x->len : y->len, i = 0;
    while (i < common && p[i] == q[i])
        i++;
    if (i == common)
        return (x->len > common) - (y->len > common);
    if (p[i] < 0x80 && q[i] < 0x80)
        return p[i] < q[i] ? -1 : 1;
    while (p < pe && q < qe) {
        uint32_t cp = next_cp(&p, pe), cq = next_cp(&q, qe);
        if (cp == cq)
            continue;
        /* compare the UTF-16 forms: a supplementary code point becomes a
         * surrogate pair D800..DBFF, which sorts below E000..FFFF */
        uint32_t up = cp >= 0x10000 ? 0xd800 + ((cp - 0x10000) >> 10) : cp;
        uint32_t uq = cq >= 0x10000 ? 0xd800 + ((cq - 0x10000) >> 10) : cq;
        if (up != uq)
            return up < uq ? -1 : 1;
        uint32_t lp = 0xdc00 + ((cp - 0x10000) & 0x3ff), lq = 0xdc00 + ((cq - 0x10000) & 0x3ff);
        return lp < lq ? -1 : 1;
    }
    return (p < pe) - (q < qe);
}

/* ---- values -------------------------------------------------------------- */

#define JCS_MAX_DEPTH 512

static const char *emit(jbuf *b, const json_t *v, int depth)
{
    if (depth > JCS_MAX_DEPTH)
        return "nested deeper than 512 levels";
    switch (json_typeof(v)) {
    case JSON_NULL: puts_(b, "null"); return NULL;
    case JSON_TRUE: puts_(b, "true"); return NULL;
    case JSON_FALSE: puts_(b, "false"); return NULL;
    case JSON_STRING: put_string(b, json_string_value(v), json_string_length(v)); return NULL;
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        if (i > (json_int_t)9007199254740992LL || i < -(json_int_t)9007199254740992LL)
            return "an integer beyond +-2^53 has no exact JSON number (IEEE-754 double)";
        char t[32];
        snprintf(t, sizeof t, "%lld", (long long)i);
        puts_(b, t);
        return NULL;
    }
    case JSON_REAL: {
        char t[LEDGER_JCS_NUMBER_SIZE];
        if (ledger_jcs_number(json_real_value(v), t))
            return "NaN and Infinity are not JSON numbers";
        puts_(b, t);
        return NULL;
    }
    case JSON_ARRAY: {
        put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                put(b, ",", 1);
            const char *why = emit(b, json_array_get(v, i), depth + 1);
            if (why)
                return why;
        }
        put(b, "]", 1);
        return NULL;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        member *m = n ? malloc(n * sizeof *m) : NULL;
        if (n && !m) {
            b->oom = 1;
            return NULL;
        }
        for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            m[k].key = json_object_iter_key(it);
            m[k].len = json_object_iter_key_len(it);
            m[k].value = json_object_iter_value(it);
            k++;
        }
        /* binary insertion sort: objects are small (a factor's state has
         * some 30 members), where qsort's merge sort costs more in calls
         * and copies than the comparisons; names are unique */
        for (size_t i = 1; i < k; i++) {
            member t = m[i];
            size_t lo = 0, hi = i;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (member_cmp(&m[mid], &t) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < i) {
                memmove(&m[lo + 1], &m[lo], (i - lo) * sizeof *m);
                m[lo] = t;
            }
        }
        put(b, "{", 1);
        const char *why = NULL;
        for (size_t i = 0; i < k && !why; i++) {
            if (i)
                put(b, ",", 1);
            put_string(b, m[i].key, m[i].len);
            put(b, ":", 1);
            why = emit(b, m[i].value, depth + 1);
        }
        put(b, "}", 1);
        free(m);
        return why;
    }
    }
    return "unknown JSON type";
}

tj_status ledger_jcs(const json_t *v, char **out, size_t *len, tj_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    jbuf b = {0};
    const char *why = v ? emit(&b, v, 0) : "no value";
    if (why || b.oom) {
        free(b.p);
        if (why)
            return tj_error_set(err, TJ_ERR_INPUT, NULL, "canonical JSON (RFC 8785): %s", why);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    *out = b.p;
    if (len)
        *len = b.n;
    return TJ_OK;
}

char *ledger_canonical_json(const json_t *v)
{
    char *s = NULL;
    tj_error err;
    if (ledger_jcs(v, &s, NULL, &err) != TJ_OK)
        return NULL;
    return s;
}

/* ---- writing canonical JSON piecewise ----------------------------------- */

void ledger_jbuf_put(ledger_jbuf *b, const char *s, size_t n)
{
    put(b, s, n);
}

void ledger_jbuf_string(ledger_jbuf *b, const char *s, size_t n)
{
    put_string(b, s, n);
}

const char *ledger_jbuf_value(ledger_jbuf *b, const json_t *v)
{
    return emit(b, v, 0);
}

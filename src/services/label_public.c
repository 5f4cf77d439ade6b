/* svc_label: the public label document as JSON text (see label.h,
 * svc_label_public_text).
 *
 * svc_label_document parses the stored document (the canonical JSON of
 * {label, signature}), packs it into the public document and the server
 * encodes that again: most of a lookup's time.  Here the public document is
 * written straight from one row (store_label_pub_read): the label and the
 * signature are copied from the stored text token by token, each written as
 * jansson writes it (the encoder behind http_json, flags SVC_LABEL_JSON_FLAGS):
 *   - structure ({ } [ ] : ,) as it is, whitespace dropped;
 *   - a string without backslash or control character, in well-formed UTF-8
 *     (RFC 3629, which is what jansson accepts): its bytes between quotes,
 *     which is how jansson writes such a string back;
 *   - true, false, null, and integers of at most 18 digits (no "-0"): as
 *     they are;
 *   - any other string or number: decoded and encoded by jansson itself.
 * An object whose keys are not strictly increasing (so possibly a repeated
 * key), a key with an escape, nesting deeper than MAX_DEPTH, text after the
 * document, or anything malformed: the general path (svc_label_public and
 * json_dumps), which also makes every error exactly as before.  Canonical
 * documents (RFC 8785: keys sorted, no whitespace) take the fast path.
 * The answer is byte for byte that of the general path
 * (tests/unit/test_certification.c compares both). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/merkle.h"
#include "services/inst_util.h"
#include "services/label.h"
#include "store/inst_sql.h"

#define MAX_DEPTH 32

typedef struct tbuf {
    char *p;
    size_t n, cap;
    int bad; /* out of memory */
} tbuf;

static void put(tbuf *b, const char *s, size_t n)
{
    if (b->bad)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 2048;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->bad = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(tbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Byte classes of a string's content: 0 as it is (printable ASCII), 1 to
 * escape ('"', '\\'), 2 a control character, 3 part of a multi-byte
 * UTF-8 sequence. */
static const unsigned char classes[256] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/* The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) starting at s[0] (>= 0x80),
 * or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xbf; /* range of the second byte */
    size_t len;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* A string value as jansson encodes it: quotes, '"' and '\\' escaped, the
 * rest as it is; 0 (b unchanged) when it holds a control character or is
 * not well-formed UTF-8 (left to jansson). */
static int put_plain_string(tbuf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = b->n;
    put(b, "\"", 1);
    size_t from = 0, i = 0;
    while (i < n) {
        unsigned k = classes[u[i]];
        if (k == 0) {
            i++;
        } else if (k == 3) {
            size_t len = utf8_seq(u + i, n - i);
            if (!len)
                goto refuse;
            i += len;
        } else if (k == 1) {
            put(b, s + from, i - from);
            put(b, u[i] == '"' ? "\\\"" : "\\\\", 2);
            from = ++i;
        } else {
            goto refuse;
        }
    }
    put(b, s + from, n - from);
    put(b, "\"", 1);
    return 1;
refuse:
    b->n = start;
    if (b->p)
        b->p[start] = '\0';
    return 0;
}

/* Any JSON value as jansson encodes it (the general case). */
static int put_by_jansson(tbuf *b, json_t *v)
{
    char *s = v ? json_dumps(v, SVC_LABEL_JSON_FLAGS) : NULL;
    json_decref(v);
    if (!s)
        return 0;
    puts_(b, s);
    free(s);
    return 1;
}

/* A C string as a JSON string value. */
static int put_string(tbuf *b, const char *s)
{
    return put_plain_string(b, s, strlen(s)) || put_by_jansson(b, json_string(s));
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* The end of the string token at p (at its opening quote): past its closing
 * quote, or NULL; *escapes whether it holds a backslash. */
static const char *string_end(const char *p, int *escapes)
{
    *escapes = 0;
    for (p++; *p; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\') {
            *escapes = 1;
            if (!*++p)
                return NULL;
        }
    }
    return NULL;
}

/* One token (string or number) decoded and encoded by jansson. */
static int put_token(tbuf *b, const char *tok, size_t n)
{
    return put_by_jansson(b, json_loadb(tok, n, JSON_DECODE_ANY, NULL));
}

/* Copy the value at *pp to b (see the top); *pp moves past it.  0: not
 * handled here (b is then to be dropped). */
static int value(tbuf *b, const char **pp, int depth)
{
    const char *p = skip_ws(*pp);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        if (depth >= MAX_DEPTH)
            return 0;
        put(b, p, 1);
        p = skip_ws(p + 1);
        const char *prev = NULL;
        size_t prev_n = 0;
        if (*p != close) {
            for (;;) {
                if (close == '}') {
                    p = skip_ws(p);
                    int esc;
                    const char *e = *p == '"' ? string_end(p, &esc) : NULL;
                    if (!e || esc)
                        return 0;
                    size_t kn = (size_t)(e - p);
                    /* strictly increasing keys: none is repeated */
                    if (prev) {
                        int c = memcmp(prev, p, prev_n < kn ? prev_n : kn);
                        if (c > 0 || (c == 0 && prev_n >= kn))
                            return 0;
                    }
                    if (!put_plain_string(b, p + 1, kn - 2))
                        return 0;
                    prev = p;
                    prev_n = kn;
                    p = skip_ws(e);
                    if (*p != ':')
                        return 0;
                    put(b, ":", 1);
                    p++;
                }
                if (!value(b, &p, depth + 1))
                    return 0;
                p = skip_ws(p);
                if (*p == ',') {
                    put(b, ",", 1);
                    p++;
                } else if (*p == close) {
                    break;
                } else {
                    return 0;
                }
            }
        }
        put(b, p, 1);
        *pp = p + 1;
        return 1;
    }
    if (*p == '"') {
        int esc;
        const char *e = string_end(p, &esc);
        if (!e)
            return 0;
        if (!(!esc && put_plain_string(b, p + 1, (size_t)(e - p) - 2)) && !put_token(b, p, (size_t)(e - p)))
            return 0;
        *pp = e;
        return 1;
    }
    static const char *const lit[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lit[i]);
        if (!strncmp(p, lit[i], n)) {
            put(b, lit[i], n);
            *pp = p + n;
            return 1;
        }
    }
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        const char *e = p;
        while (*e == '-' || *e == '+' || *e == '.' || *e == 'e' || *e == 'E' || (*e >= '0' && *e <= '9'))
            e++;
        size_t n = (size_t)(e - p), digits = n - (*p == '-');
        const char *d = p + (*p == '-');
        int plain = digits >= 1 && digits <= 18 && (d[0] != '0' || (digits == 1 && *p != '-'));
        for (size_t i = 0; plain && i < digits; i++)
            plain = d[i] >= '0' && d[i] <= '9';
        if (plain)
            put(b, p, n);
        else if (!put_token(b, p, n))
            return 0;
        *pp = e;
        return 1;
    }
    return 0;
}

/* The stored document's label and signature, each as jansson would write
 * it, into lb and sb; 0 when the document is not for the fast path. */
static int split_document(const char *doc, tbuf *lb, tbuf *sb)
{
    const char *p = skip_ws(doc);
    if (*p != '{')
        return 0;
    p = skip_ws(p + 1);
    const char *prev = NULL;
    size_t prev_n = 0;
    tbuf other = {0};
    int ok = 0;
    while (*p == '"') {
        int esc;
        const char *e = string_end(p, &esc);
        if (!e || esc)
            goto out;
        size_t kn = (size_t)(e - p);
        if (prev) {
            int c = memcmp(prev, p, prev_n < kn ? prev_n : kn);
            if (c > 0 || (c == 0 && prev_n >= kn))
                goto out;
        }
        prev = p;
        prev_n = kn;
        tbuf *to = kn == 7 && !memcmp(p, "\"label\"", 7)         ? lb
                   : kn == 11 && !memcmp(p, "\"signature\"", 11) ? sb
                                                                 : &other;
        p = skip_ws(e);
        if (*p != ':')
            goto out;
        p++;
        other.n = 0;
        if (!value(to, &p, 1))
            goto out;
        p = skip_ws(p);
        if (*p == ',') {
            p = skip_ws(p + 1);
            if (*p != '"') /* no trailing comma */
                goto out;
        } else if (*p != '}') {
            goto out;
        }
    }
    if (*p != '}' || *skip_ws(p + 1))
        goto out;
    ok = lb->n && sb->n && !lb->bad && !sb->bad && !other.bad;
out:
    free(other.p);
    return ok;
}

typedef struct pub_out {
    tbuf b;
    int fallback;
} pub_out;

static tj_status write_public(const store_label_pub *row, void *arg, tj_error *err)
{
    (void)err;
    pub_out *o = arg;
    tbuf lb = {0}, sb = {0};
    if (!row->entry || !split_document(row->document, &lb, &sb)) {
        o->fallback = 1;
        goto out;
    }
    merkle_hash leaf;
    merkle_leaf_hash(row->entry, strlen(row->entry), &leaf);
    char leaf_hex[65], at[INST_TIME_SIZE], num[48];
    merkle_to_hex(&leaf, leaf_hex);
    inst_now(at);
    tbuf *b = &o->b;
    puts_(b, "{\"type\":\"tanji-label/v1\",\"label\":");
    put(b, lb.p, lb.n);
    puts_(b, ",\"signature\":");
    put(b, sb.p, sb.n);
    snprintf(num, sizeof num, "%lld", (long long)row->ledger_index);
    puts_(b, ",\"ledger\":{\"index\":");
    puts_(b, num);
    puts_(b, ",\"entry\":");
    int ok = put_string(b, row->entry);
    puts_(b, ",\"leaf_hash\":\"");
    puts_(b, leaf_hex);
    puts_(b, "\"},\"status\":{\"status\":");
    ok = ok && put_string(b, row->status);
    puts_(b, ",\"grade\":");
    snprintf(num, sizeof num, "%lld", (long long)row->grade);
    puts_(b, row->has_grade ? num : "null");
    puts_(b, ",\"grade_version\":");
    snprintf(num, sizeof num, "%lld", (long long)row->grade_version);
    puts_(b, row->has_grade_version ? num : "null");
    puts_(b, ",\"as_of\":");
    ok = ok && put_string(b, at);
    puts_(b, "}}");
    if (!ok || b->bad)
        o->fallback = 1;
out:
    free(lb.p);
    free(sb.p);
    return TJ_OK;
}

tj_status svc_label_public_text(svc_ctx *ctx, const char *number, char **out, size_t *len, tj_error *err)
{
    *out = NULL;
    *len = 0;
    pub_out o = {0};
    tj_status rc = store_label_pub_read(ctx->db, number, write_public, &o, err);
    if (rc == TJ_OK && !o.fallback) {
        *out = o.b.p;
        *len = o.b.n;
        return TJ_OK;
    }
    free(o.b.p);
    /* the general path: the same answer, or the same error */
    tj_error_clear(err);
    json_t *doc = NULL;
    rc = svc_label_public(ctx, number, 0, &doc, err);
    if (rc)
        return rc;
    *out = json_dumps(doc, SVC_LABEL_JSON_FLAGS);
    json_decref(doc);
    if (!*out)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    *len = strlen(*out);
    return TJ_OK;
}

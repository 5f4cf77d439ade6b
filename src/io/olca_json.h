/*
 * io/olca_json: a strict, allocation-light JSON reader for openLCA JSON-LD
 * entity files (one object per file, read many thousand times per import).
 *
 * It accepts exactly the documents that jansson's
 * json_loadb(text, len, JSON_REJECT_DUPLICATES, ...) accepts, with the same
 * values (tests/fuzz/fuzz_olca_json.c compares the two on every input):
 *   - RFC 8259 syntax; the top-level value is an object or an array; nothing
 *     but white space after it; nesting deeper than 2048 values is refused;
 *   - strings: RFC 3629 UTF-8 only (no overlong forms, surrogates or code
 *     points above U+10FFFF), no control characters, no \u0000, escaped
 *     surrogates only as pairs;
 *   - numbers: decimal JSON numbers only; an integer (no fraction, no
 *     exponent) that does not fit in a long long and a real that overflows
 *     a double are refused; reals are rounded correctly;
 *   - an object that holds the same key twice is refused;
 *   - a NUL byte anywhere is refused (jansson skips one that directly
 *     follows a number or a literal: "[1\0]" - the one difference).
 * Unlike jansson it allocates no memory per value: the text is copied once
 * into the document, strings are decoded in place, and values live in an
 * arena that the next oj_parse on the same document reuses.
 *
 * Ownership: an oj_doc owns the values oj_parse returns; they stay valid
 * until the next oj_parse on that document or oj_doc_free.  A document is
 * used by one thread at a time.
 */
#ifndef IO_OLCA_JSON_H
#define IO_OLCA_JSON_H

#include <stddef.h>

typedef enum oj_type {
    OJ_NULL = 0,
    OJ_FALSE,
    OJ_TRUE,
    OJ_INT,  /* an integer literal: u.i */
    OJ_REAL, /* a number with a fraction or an exponent: u.d */
    OJ_STR,  /* u.s, NUL-terminated, len bytes */
    OJ_ARR,  /* len elements from u.first, linked by next */
    OJ_OBJ,  /* len members from u.first, linked by next, each with key */
} oj_type;

typedef struct oj_val oj_val;
struct oj_val {
    const char *key; /* object member: its name (NUL-terminated, keylen bytes) */
    oj_val *next;    /* next element or member of the enclosing array/object */
    union {
        const char *s;
        double d;
        long long i;
        oj_val *first;
    } u;
    size_t len, keylen;
    int type; /* oj_type */
};

typedef struct oj_doc oj_doc;

oj_doc *oj_doc_new(void);
void oj_doc_free(oj_doc *d);

/* Parse text[0..len) (need not be NUL-terminated).  Returns the root value,
 * or NULL when the text is not accepted (oj_error_text/oj_error_line say
 * why and where) or memory ran out (oj_error_nomem). */
const oj_val *oj_parse(oj_doc *d, const char *text, size_t len);
const char *oj_error_text(const oj_doc *d);
int oj_error_line(const oj_doc *d);
int oj_error_nomem(const oj_doc *d);

/* Accessors; each accepts NULL and values of the wrong type. */
const oj_val *oj_get(const oj_val *obj, const char *key); /* NULL if absent or obj is no object */
const char *oj_str(const oj_val *v);                      /* NULL unless a string */
int oj_is_obj(const oj_val *v);
int oj_is_arr(const oj_val *v);
int oj_is_str(const oj_val *v);
int oj_is_true(const oj_val *v);
int oj_is_num(const oj_val *v); /* integer or real */
int oj_is_int(const oj_val *v);
double oj_num(const oj_val *v);    /* an integer converted, a real, else 0 */
long long oj_int(const oj_val *v); /* an integer, else 0 */
size_t oj_len(const oj_val *v);    /* elements/members of an array/object, else 0 */
const oj_val *oj_first(const oj_val *v); /* first element of an array (NULL if empty or no array) */

#endif

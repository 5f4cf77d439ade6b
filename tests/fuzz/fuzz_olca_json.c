/*
 * libFuzzer driver for io/olca_json, differential against jansson: the
 * openLCA reader must accept exactly what json_loadb(JSON_REJECT_DUPLICATES)
 * accepts (strict numbers, RFC 3629 UTF-8, no \u0000, no duplicate keys,
 * bounded depth) and read the same values.  Any disagreement aborts, but
 * for one: a NUL byte jansson skips is refused here.
 *
 * Build: cmake -S . -B build-fuzz -G Ninja -DTJ_FUZZ=ON -DCMAKE_C_COMPILER=clang
 * Run:   build-fuzz/tests/fuzz_olca_json tests/fuzz/corpus/olca_json
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/olca_json.h"

static oj_doc *doc;

static void differ(const char *what)
{
    fprintf(stderr, "fuzz_olca_json: olca_json and jansson differ: %s\n", what);
    abort();
}

static void same(const oj_val *a, json_t *b)
{
    switch (a->type) {
    case OJ_NULL:
        if (!json_is_null(b))
            differ("null");
        break;
    case OJ_TRUE:
        if (!json_is_true(b))
            differ("true");
        break;
    case OJ_FALSE:
        if (!json_is_false(b))
            differ("false");
        break;
    case OJ_INT:
        if (!json_is_integer(b) || json_integer_value(b) != oj_int(a))
            differ("integer");
        break;
    case OJ_REAL: {
        double x = a->u.d, y = json_is_real(b) ? json_real_value(b) : 0;
        if (!json_is_real(b) || memcmp(&x, &y, sizeof x))
            differ("real");
        break;
    }
    case OJ_STR:
        if (!json_is_string(b) || json_string_length(b) != a->len || memcmp(json_string_value(b), a->u.s, a->len) ||
            a->u.s[a->len] != '\0')
            differ("string");
        break;
    case OJ_ARR: {
        if (!json_is_array(b) || json_array_size(b) != a->len)
            differ("array");
        size_t i = 0;
        for (const oj_val *e = a->u.first; e; e = e->next, i++) {
            if (e->key)
                differ("array element with a key");
            same(e, json_array_get(b, i));
        }
        if (i != a->len)
            differ("array length");
        break;
    }
    case OJ_OBJ: {
        if (!json_is_object(b) || json_object_size(b) != a->len)
            differ("object");
        size_t i = 0;
        for (const oj_val *m = a->u.first; m; m = m->next, i++) {
            if (!m->key || strlen(m->key) != m->keylen)
                differ("member key");
            json_t *bm = json_object_get(b, m->key);
            if (!bm)
                differ("member missing in jansson");
            if (oj_get(a, m->key) != m)
                differ("oj_get");
            same(m, bm);
        }
        if (i != a->len)
            differ("object length");
        break;
    }
    default: differ("type");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc && !(doc = oj_doc_new()))
        return 0;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    const oj_val *v = oj_parse(doc, (const char *)data, size);
    if (!v && oj_error_nomem(doc)) {
        json_decref(j);
        return 0;
    }
    /* jansson skips a NUL byte right after a number or a literal ("[1\0]");
     * olca_json refuses every NUL byte: stricter, as issue 17 asks */
    if (!v && j && memchr(data, 0, size)) {
        json_decref(j);
        return 0;
    }
    if (!!v != !!j) {
        fprintf(stderr, "jansson: %s; olca_json: %s (line %d)\n", j ? "accepted" : jerr.text,
                v ? "accepted" : oj_error_text(doc), v ? 0 : oj_error_line(doc));
        differ("accepted by one only");
    }
    if (v)
        same(v, j);
    json_decref(j);
    return 0;
}

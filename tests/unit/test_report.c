/* Unit tests for io/report: number formatting, axes, validation, document build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "io/report.h"
#include "io/report_strings.h"

static void test_fmt(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(io_fmt_num(0, b, sizeof b), "0");
    assert_string_equal(io_fmt_num(13349.85, b, sizeof b), "13349.9");
    assert_string_equal(io_fmt_num(8990, b, sizeof b), "8990");
    assert_string_equal(io_fmt_num(231.6, b, sizeof b), "231.6");
    assert_string_equal(io_fmt_num(0.004, b, sizeof b), "0.004");
    assert_string_equal(io_fmt_num(-2.5, b, sizeof b), "-2.5");
    assert_string_equal(io_fmt_num(1.5e-7, b, sizeof b), "1.5e-07");
    assert_string_equal(io_fmt_num(0.0 / 0.0, b, sizeof b), "n/a");
}

static void test_axis(void **state)
{
    (void)state;
    double lo, hi, st;
    io_nice_axis(0, 8990, &lo, &hi, &st);
    assert_true(lo == 0 && st == 2500 && hi == 10000);
    io_nice_axis(-30, 70, &lo, &hi, &st);
    assert_true(st == 25 && lo == -50 && hi == 75);
    io_nice_axis(0, 0, &lo, &hi, &st);
    assert_true(hi > lo && st > 0);
}

static void expect_invalid(const char *json, const char *path)
{
    json_error_t je;
    json_t *fp = json_loads(json, 0, &je);
    assert_non_null(fp);
    tj_error err;
    io_report *r = NULL;
    assert_int_equal(io_report_build(fp, NULL, 0, NULL, &r, &err), TJ_ERR_INPUT);
    assert_null(r);
    assert_string_equal(err.path, path);
    json_decref(fp);
}

static void test_validate(void **state)
{
    (void)state;
    expect_invalid("[]", "");
    expect_invalid("{\"unit\":\"kg CO2e\",\"by_stage\":{}}", "total");
    expect_invalid("{\"total\":\"1\",\"unit\":\"kg CO2e\",\"by_stage\":{}}", "total");
    expect_invalid("{\"total\":1,\"by_stage\":{}}", "unit");
    expect_invalid("{\"total\":1,\"unit\":\"kg\"}", "by_stage");
    expect_invalid("{\"total\":1,\"unit\":\"kg\",\"by_stage\":{\"use\":\"x\"}}", "by_stage");
    expect_invalid("{\"total\":1,\"unit\":\"kg\",\"by_stage\":{},\"by_process\":{}}", "by_process");
    expect_invalid("{\"total\":1,\"unit\":\"kg\",\"by_stage\":{},\"paths\":[1]}", "paths[0]");
    expect_invalid("{\"total\":1,\"unit\":\"kg\",\"by_stage\":{},\"dqr\":3}", "dqr");
}

static void test_build_minimal(void **state)
{
    (void)state;
    /* the smallest valid result still yields every section */
    json_error_t je;
    json_t *fp = json_loads("{\"total\":2.5,\"unit\":\"kg CO2e\",\"by_stage\":{\"production\":2.5}}", 0, &je);
    tj_error err;
    io_report *r = NULL;
    assert_int_equal(io_report_build(fp, NULL, 1, NULL, &r, &err), TJ_OK);
    assert_int_equal(r->n, 12);
    assert_string_equal(r->total, "2.5 kg CO2e");
    assert_string_equal(r->sections[0].id, "scope");
    assert_string_equal(r->sections[11].id, "digest");
    json_t *j = io_report_to_json(r);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "lang")), "zh");
    /* by-stage table: five stages plus the total, 100% in production */
    const io_section *res = &r->sections[6];
    const io_block *t = &res->blocks[1];
    assert_int_equal(t->kind, IO_BLOCK_TABLE);
    assert_int_equal(t->nrows, 7);
    assert_string_equal(t->cells[2 * 3 + 2], "100.0%");
    json_decref(j);
    io_report_free(r);
    json_decref(fp);
}

/* ---- languages: every string in both, no English left in a Chinese report ---- */

/* Conversions of a format string as a sorted signature ("d,d,s"); %% is not one,
 * positional %n$ conversions count by type. */
static void conversions(const char *f, char *out, size_t size)
{
    char types[64];
    size_t n = 0;
    for (const char *p = f; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (!*p)
            break;
        if (*p == '%')
            continue;
        /* a conversion: flags, width, precision, length, then its type; "1% and"
         * in a plain text is none */
        while (*p && strchr("0123456789$-+#.lhzjt", *p))
            p++;
        if (*p && strchr("diouxXeEfgGcsp", *p) && n < sizeof types)
            types[n++] = *p;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort */
        for (size_t j = i; j > 0 && types[j - 1] > types[j]; j--) {
            char t = types[j];
            types[j] = types[j - 1];
            types[j - 1] = t;
        }
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < size; i++) {
        out[k++] = types[i];
        out[k++] = ',';
    }
    out[k] = 0;
}

/* Proper names, units, abbreviations and code identifiers that a Chinese report
 * shows as they are. */
static const char *const allowed_words[] = {
    "gb", "t",   "iso", "gwp", "ipcc", "dqr", "ter", "ger", "tir", "p",    "pef", "cfp",
    "pcfp", "dluc", "sha", "utc", "tanji", "co", "e", "kg", "ar",  "kwh", "json", NULL};

static int allowed_word(const char *w)
{
    for (const char *const *a = allowed_words; *a; a++)
        if (!strcasecmp(*a, w))
            return 1;
    return 0;
}

/* A growing set of lower-case words. */
typedef struct wordset {
    char **w;
    size_t n, cap;
} wordset;

static int ws_has(const wordset *s, const char *w)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->w[i], w))
            return 1;
    return 0;
}

static void ws_add(wordset *s, const char *w)
{
    if (ws_has(s, w))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->w = realloc(s->w, s->cap * sizeof *s->w);
        assert_non_null(s->w);
    }
    s->w[s->n] = strdup(w);
    assert_non_null(s->w[s->n]);
    s->n++;
}

static void ws_free(wordset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->w[i]);
    free(s->w);
}

/* Copy of s without format conversions and without command lines quoted in the
 * text ("tanji check MODEL --rule ID ..." up to the next non-ASCII character). */
static char *strip_code(const char *s)
{
    char *o = strdup(s);
    assert_non_null(o);
    size_t k = 0;
    for (size_t i = 0; s[i];) {
        if (s[i] == '%') {
            i++;
            while (s[i] && strchr("0123456789$-+#.lhzjt", s[i]))
                i++;
            if (s[i] && strchr("diouxXeEfgGcsp", s[i]))
                i++;
            o[k++] = ' ';
        } else if (!strncmp(s + i, "tanji", 5)) {
            while (s[i] && !((unsigned char)s[i] & 0x80))
                i++;
            o[k++] = ' ';
        } else
            o[k++] = s[i++];
    }
    o[k] = 0;
    return o;
}

/* Call fn on every ASCII word (a run of letters) of s, lower-cased. */
static void each_word(const char *s, void (*fn)(const char *w, void *arg), void *arg)
{
    char w[128];
    size_t n = 0;
    for (const char *p = s;; p++) {
        int letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        if (letter && n + 1 < sizeof w)
            w[n++] = (char)(*p | 0x20);
        else if (!letter && n) {
            w[n] = 0;
            fn(w, arg);
            n = 0;
        }
        if (!*p)
            break;
    }
}

static void add_word(const char *w, void *arg)
{
    if (!allowed_word(w))
        ws_add(arg, w);
}

/* The words of the English table that a Chinese text must not contain. */
static void english_words(wordset *ws)
{
    for (int k = 0; k < IO_RS_COUNT; k++) {
        char *t = strip_code(io_rs_en[k]);
        each_word(t, add_word, ws);
        free(t);
    }
}

static void test_strings_complete(void **state)
{
    (void)state;
    for (int k = 0; k < IO_RS_COUNT; k++) {
        const char *en = io_rs_en[k], *zh = io_rs_zh[k];
        if (!en || !*en || !zh || !*zh)
            fail_msg("report string %d lacks its %s text", k, !en || !*en ? "English" : "Chinese");
        char ce[64], cz[64];
        conversions(en, ce, sizeof ce);
        conversions(zh, cz, sizeof cz);
        if (strcmp(ce, cz))
            fail_msg("report string %d: conversions differ: \"%s\" (%s) vs \"%s\" (%s)", k, en, ce, zh, cz);
    }
    /* no Chinese text is an English word of the table left untranslated */
    wordset en = {0};
    english_words(&en);
    assert_true(en.n > 100);
    for (int k = 0; k < IO_RS_COUNT; k++) {
        char *t = strip_code(io_rs_zh[k]);
        wordset zw = {0};
        each_word(t, add_word, &zw);
        for (size_t i = 0; i < zw.n; i++)
            if (ws_has(&en, zw.w[i]))
                fail_msg("Chinese report string %d \"%s\" contains the English word \"%s\"", k, io_rs_zh[k],
                         zw.w[i]);
        ws_free(&zw);
        free(t);
    }
    ws_free(&en);
    /* every enumerated value has a label, and an unknown one has none */
    unsigned n;
    const io_rv_entry *v = io_rv_entries(&n);
    assert_true(n >= 25);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(io_rv_key(v[i].kind, v[i].value), (int)v[i].key);
    assert_int_equal(io_rv_key(IO_RV_DQR, "excellent"), IO_RS_DQR_EXCELLENT);
    assert_string_equal(io_rs_text(IO_RS_DQR_EXCELLENT, 1), "优秀");
    assert_int_equal(io_rv_key(IO_RV_DQR, "splendid"), -1);
    assert_int_equal(io_rv_key(IO_RV_CHECK, "missing_input"), IO_RS_CHECK_MISSING_INPUT);
}

static json_t *load_test_json(const char *rel)
{
    const char *src = getenv("TJ_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/%s", src ? src : ".", rel);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

/* Strings of the input that the report shows as data (names, ids, sources,
 * paths, the Chinese side of {zh,en}).  Enumerated values (rating, boundary,
 * method, code, stage) are not data: the report must translate them. */
static void data_strings(const json_t *v, const char *key, wordset *out)
{
    static const char *const enums[] = {"rating", "boundary", "method", "code", "stage", "en", "message", NULL};
    for (const char *const *e = enums; key && *e; e++)
        if (!strcmp(*e, key))
            return;
    if (json_is_string(v) && json_string_length(v) >= 3)
        ws_add(out, json_string_value(v)); /* kept as is: not lower-cased */
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, k, x) data_strings(x, k, out);
    if (json_is_array(v))
        json_array_foreach(v, i, x) data_strings(x, key, out);
}

/* Remove every occurrence of the data strings (longest first) from text. */
static void remove_data(char *text, const wordset *data)
{
    for (size_t round = 0; round < 2; round++)
        for (size_t i = 0; i < data->n; i++) {
            size_t len = strlen(data->w[i]);
            char *p;
            while ((p = strstr(text, data->w[i])))
                memset(p, ' ', len);
        }
}

typedef struct english_check {
    const wordset *en;
    const char *where;
    const char *text;
} english_check;

static void no_english(const char *w, void *arg)
{
    english_check *c = arg;
    if (!allowed_word(w) && ws_has(c->en, w))
        fail_msg("the Chinese %s contains the English word \"%s\" in \"%s\"", c->where, w, c->text);
}

static void check_chinese_text(const char *text, const wordset *data, const wordset *en, const char *where)
{
    char *t = strip_code(text);
    remove_data(t, data);
    english_check c = {en, where, text};
    each_word(t, no_english, &c);
    free(t);
}

static void check_json_strings(const json_t *v, const wordset *data, const wordset *en)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_string(v))
        check_chinese_text(json_string_value(v), data, en, "report");
    if (json_is_object(v))
        json_object_foreach((json_t *)v, k, x) if (strcmp(k, "id") && strcmp(k, "type") && strcmp(k, "lang") &&
                                                   strcmp(k, "format")) check_json_strings(x, data, en);
    if (json_is_array(v))
        json_array_foreach(v, i, x) check_json_strings(x, data, en);
}

/* Text of an HTML page: without <style>, tags and the entities it uses. */
static char *html_text(const char *html)
{
    char *o = strdup(html);
    assert_non_null(o);
    size_t k = 0;
    for (const char *p = html; *p;) {
        if (!strncmp(p, "<style>", 7)) {
            const char *e = strstr(p, "</style>");
            assert_non_null(e);
            p = e + 8;
        } else if (*p == '<') {
            while (*p && *p != '>')
                p++;
            if (*p)
                p++;
            o[k++] = ' ';
        } else if (*p == '&') {
            static const char *const ent[][2] = {
                {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"}};
            int done = 0;
            for (size_t i = 0; i < 5 && !done; i++)
                if (!strncmp(p, ent[i][0], strlen(ent[i][0]))) {
                    o[k++] = ent[i][1][0];
                    p += strlen(ent[i][0]);
                    done = 1;
                }
            if (!done)
                o[k++] = *p++;
        } else
            o[k++] = *p++;
    }
    o[k] = 0;
    return o;
}

static void test_chinese_report_has_no_english(void **state)
{
    (void)state;
    json_t *fp = load_test_json("footprint_example.json"), *check = load_test_json("check_example.json");
    wordset en = {0}, data = {0};
    english_words(&en);
    data_strings(fp, NULL, &data);
    data_strings(check, NULL, &data);
    /* longest first, so that a name is removed before a shorter name inside it */
    for (size_t i = 1; i < data.n; i++)
        for (size_t j = i; j > 0 && strlen(data.w[j - 1]) < strlen(data.w[j]); j--) {
            char *t = data.w[j];
            data.w[j] = data.w[j - 1];
            data.w[j - 1] = t;
        }
    tj_error err;
    io_report *r = NULL, *r_en = NULL;
    assert_int_equal(io_report_build(fp, check, 1, "00ff", &r, &err), TJ_OK);
    assert_int_equal(io_report_build(fp, check, 0, "00ff", &r_en, &err), TJ_OK);
    /* the document: every title, paragraph, cell and chart label */
    json_t *j = io_report_to_json(r);
    assert_non_null(j);
    check_json_strings(j, &data, &en);
    assert_non_null(r->banner);
    check_chinese_text(r->banner, &data, &en, "banner");
    /* the translations are really there: the DQR rating, the boundary, the
     * allocation method and the check codes of the fixture */
    char *dump = json_dumps(j, 0);
    assert_non_null(dump);
    static const char *const want_zh[] = {"良好", "从摇篮到大门", "物理关系", "缺少规则要求的输入", "数据质量评级超出上限"};
    for (size_t i = 0; i < sizeof want_zh / sizeof *want_zh; i++)
        if (!strstr(dump, want_zh[i]))
            fail_msg("the Chinese report lacks \"%s\"", want_zh[i]);
    free(dump);
    json_t *je = io_report_to_json(r_en);
    dump = json_dumps(je, 0);
    static const char *const want_en[] = {"good", "cradle to gate", "physical relationship", "required input missing"};
    for (size_t i = 0; i < sizeof want_en / sizeof *want_en; i++)
        if (!strstr(dump, want_en[i]))
            fail_msg("the English report lacks \"%s\"", want_en[i]);
    assert_null(strstr(dump, "良好"));
    free(dump);
    json_decref(je);
    /* the HTML page adds its own strings (contents, chart legends, footer) */
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    assert_non_null(f);
    assert_int_equal(io_report_write_html(r, f, &err), TJ_OK);
    fclose(f);
    char *t = html_text(html);
    check_chinese_text(t, &data, &en, "HTML page");
    assert_non_null(strstr(t, "目录"));
    assert_non_null(strstr(t, "累计 %"));
    free(t);
    free(html);
    json_decref(j);
    io_report_free(r);
    io_report_free(r_en);
    ws_free(&en);
    ws_free(&data);
    json_decref(fp);
    json_decref(check);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt),
        cmocka_unit_test(test_axis),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_build_minimal),
        cmocka_unit_test(test_strings_complete),
        cmocka_unit_test(test_chinese_report_has_no_english),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

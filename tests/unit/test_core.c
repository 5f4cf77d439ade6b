/* Unit tests: error reports, units, GWP table. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "io/http_fetch.h"
#include "tanji/buf.h"
#include "tanji/error.h"
#include "tanji/gwp.h"
#include "tanji/strmap.h"
#include "tanji/text.h"
#include "tanji/units.h"

static void test_error_format(void **state)
{
    (void)state;
    tj_error e;
    char buf[1024];
    tj_error_set_at(&e, TJ_ERR_INPUT, "m.json", 3, 14, "unexpected token");
    assert_string_equal(tj_error_format(&e, buf, sizeof buf), "m.json:3:14: unexpected token");
    tj_error_set(&e, TJ_ERR_INPUT, "processes[3].exchanges[1].unit", "bad unit");
    assert_string_equal(tj_error_format(&e, buf, sizeof buf), "processes[3].exchanges[1].unit: bad unit");
    tj_error_prefix(&e, "model %s", "x");
    assert_string_equal(e.message, "model x: bad unit");
    assert_int_equal(tj_error_set(NULL, TJ_ERR_IO, NULL, "x"), TJ_ERR_IO);
}

static void test_units_convert(void **state)
{
    (void)state;
    tj_error e;
    const tj_unit *kwh, *mj, *t, *g, *kg;
    assert_int_equal(tj_unit_lookup("kWh", "u", &kwh, &e), TJ_OK);
    assert_int_equal(tj_unit_lookup("MJ", "u", &mj, &e), TJ_OK);
    assert_int_equal(tj_unit_lookup("t", "u", &t, &e), TJ_OK);
    assert_int_equal(tj_unit_lookup("g", "u", &g, &e), TJ_OK);
    assert_int_equal(tj_unit_lookup("tonne", "u", &kg, &e), TJ_OK);
    assert_string_equal(kg->name, "t");
    double f;
    assert_int_equal(tj_unit_factor(kwh, mj, &f, "u", &e), TJ_OK);
    assert_true(fabs(f - 3.6) < 1e-12);
    assert_int_equal(tj_unit_factor(t, g, &f, "u", &e), TJ_OK);
    assert_true(fabs(f - 1e6) < 1e-6);
    assert_int_equal(tj_unit_factor(kwh, t, &f, "x.unit", &e), TJ_ERR_INPUT);
    assert_non_null(strstr(e.message, "energy"));
    assert_non_null(strstr(e.message, "mass"));
}

static void test_units_suggest(void **state)
{
    (void)state;
    tj_error e;
    const tj_unit *u;
    assert_int_equal(tj_unit_lookup("kwh", "processes[3].exchanges[1].unit", &u, &e), TJ_ERR_INPUT);
    assert_string_equal(e.message, "\"kwh\" is not a known unit; did you mean \"kWh\"?");
    assert_string_equal(e.path, "processes[3].exchanges[1].unit");
    assert_int_equal(tj_unit_lookup("kgg", "p", &u, &e), TJ_ERR_INPUT);
    assert_non_null(strstr(e.message, "did you mean \"kg\""));
    assert_int_equal(tj_unit_lookup("furlongs per fortnight", "p", &u, &e), TJ_ERR_INPUT);
    assert_null(strstr(e.message, "did you mean"));
}

static void test_gwp_table(void **state)
{
    (void)state;
    assert_int_equal(tj_gas_count(), 17);
    const tj_gas *ch4 = tj_gas_find("Methane, fossil ");
    assert_non_null(ch4);
    assert_string_equal(ch4->id, "CH4");
    assert_true(tj_gas_gwp(ch4, TJ_GWP_AR6, 0) == 29.8);
    assert_true(tj_gas_gwp(ch4, TJ_GWP_AR6, 1) == 27.0);
    assert_true(tj_gas_gwp(ch4, TJ_GWP_AR5, 0) == 30.0);
    assert_true(tj_gas_gwp(ch4, TJ_GWP_AR5, 1) == 28.0);
    const tj_gas *n2o = tj_gas_find("10024-97-2");
    assert_non_null(n2o);
    assert_string_equal(n2o->id, "N2O");
    assert_true(tj_gas_gwp(n2o, TJ_GWP_AR6, 0) == 273);
    assert_true(tj_gas_gwp(n2o, TJ_GWP_AR5, 0) == 265);
    assert_ptr_equal(tj_gas_find("0124-38-9"), tj_gas_find("co2"));
    assert_string_equal(tj_gas_find("ethane, 1,1,1,2-tetrafluoro-")->id, "HFC-134a");
    assert_true(tj_gas_gwp(tj_gas_find("SF6"), TJ_GWP_AR6, 0) == 25200);
    assert_true(tj_gas_gwp(tj_gas_find("c-C4F8"), TJ_GWP_AR5, 0) == 9540);
    assert_null(tj_gas_find("water"));
    for (int i = 0; i < tj_gas_count(); i++)
        assert_non_null(strstr(tj_gas_at(i)->source, "IPCC"));
    tj_gwp_set s;
    tj_error e;
    assert_int_equal(tj_gwp_set_parse("ar5", &s, &e), TJ_OK);
    assert_int_equal(s, TJ_GWP_AR5);
    assert_int_equal(tj_gwp_set_parse("AR4", &s, &e), TJ_ERR_INPUT);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    const struct {
        const char *s;
        size_t valid;
    } cases[] = {
        {"ascii", 5},
        {"电解铝", 9},
        {"a\xff", 1},
        {"\xc0\xaf", 0},         /* overlong '/' */
        {"\xe0\x80\xaf", 0},     /* overlong, 3 bytes */
        {"\xed\xa0\x80", 0},     /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"\xf0\x9f\x98\x80x", 5}, /* U+1F600 */
        {"ok\xe7\x94", 2},       /* cut short */
        {"\xee\x80\x81", 3},     /* private use */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(tj_utf8_valid_prefix(cases[i].s, strlen(cases[i].s)), cases[i].valid);
}

static void test_text_cells(void **state)
{
    (void)state;
    assert_int_equal(tj_utf8_width("abc"), 3);
    assert_int_equal(tj_utf8_width("电解铝"), 6);
    assert_int_equal(tj_utf8_width("\xff"), 1);
    char buf[64] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    tj_fput_cell(f, "全国电力", 5); /* only two wide characters fit, then one space */
    tj_fput_cell(f, "ab", 3);
    fclose(f);
    assert_string_equal(buf, "全国 ab ");
}

/* The capped buffer grows, refuses what would pass the cap (unchanged, never
 * cut) and formats like printf. */
static void test_buf(void **state)
{
    (void)state;
    tj_buf b;
    tj_buf_init(&b, 10);
    assert_string_equal(tj_buf_str(&b), "");
    assert_int_equal(tj_buf_appends(&b, "abcd"), TJ_OK);
    assert_int_equal(tj_buf_appendf(&b, "%d%s", 42, "xy"), TJ_OK);
    assert_string_equal(tj_buf_str(&b), "abcd42xy");
    assert_int_equal(tj_buf_len(&b), 8);
    /* 3 more bytes would make 11 > 10: refused, the text is unchanged */
    assert_int_equal(tj_buf_appends(&b, "123"), TJ_ERR_INPUT);
    assert_int_equal(tj_buf_appendf(&b, "%s", "123"), TJ_ERR_INPUT);
    assert_string_equal(tj_buf_str(&b), "abcd42xy");
    assert_int_equal(tj_buf_append(&b, "12", 2), TJ_OK); /* exactly the cap */
    assert_string_equal(tj_buf_str(&b), "abcd42xy12");
    assert_int_equal(tj_buf_append(&b, "", 0), TJ_OK);
    assert_int_equal(tj_buf_append(&b, "z", 1), TJ_ERR_INPUT);
    tj_buf_reset(&b);
    assert_string_equal(tj_buf_str(&b), "");
    assert_int_equal(tj_buf_appends(&b, "0123456789"), TJ_OK);
    char *s = tj_buf_take(&b);
    assert_string_equal(s, "0123456789");
    free(s);
    assert_null(tj_buf_take(&b));
    /* a large cap grows through several reallocations */
    tj_buf_init(&b, 100000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(tj_buf_appendf(&b, "%04d", i % 10000), TJ_OK);
    assert_int_equal(tj_buf_len(&b), 40000);
    assert_memory_equal(tj_buf_str(&b) + 39996, "9999", 4);
    tj_buf_release(&b);
    assert_string_equal(tj_buf_str(&b), "");
    tj_buf_release(&b);
}

/* io_http_origin: the origin a URL's text begins with, or none */
static void test_http_origin(void **state)
{
    (void)state;
    static const struct {
        const char *url, *origin;
    } cases[] = {
        {"https://supplier.example:8443/3/footprints?after=y", "https://supplier.example:8443"},
        {"https://supplier.example", "https://supplier.example"},
        {"http://127.0.0.1:8080?x", "http://127.0.0.1:8080"},
        {"HTTPS://Supplier.Example:8443#f", NULL}, /* accepted: see below */
        {"https:///supplier.example:8443/3/footprints", NULL}, /* empty authority */
        {"https:/supplier.example/3", NULL},
        {"https://supplier.example:08443/3", NULL}, /* the port as written is not the origin's */
        {"https://@supplier.example:8443/3", NULL}, /* credentials, even empty */
        {"https://user:pw@supplier.example/3", NULL},
        {"ftp://supplier.example/3", NULL},
        {"not a url", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *o = io_http_origin(cases[i].url);
        if (i == 3) {
            /* accepted, whatever case curl reports */
            assert_non_null(o);
            assert_int_equal(strncasecmp(o, "https://supplier.example:8443", 29), 0);
        } else if (cases[i].origin) {
            assert_non_null(o);
            assert_string_equal(o, cases[i].origin);
        } else if (o) {
            fail_msg("%s: origin %s, expected none", cases[i].url, o);
        }
        free(o);
    }
}

static void count_entries(const char *key, size_t len, void *val, void *arg)
{
    (void)key, (void)len;
    *(size_t *)arg += (size_t)(uintptr_t)val;
}

/* Keys with NUL bytes and prefixes of each other stay apart; the map grows
 * past many doublings and finds every key again. */
static void test_strmap(void **state)
{
    (void)state;
    tj_strmap m;
    tj_strmap_init(&m);
    assert_null(tj_strmap_get(&m, "a", 1));
    int found = -1;
    void **v = tj_strmap_slot(&m, "ab", 2, &found);
    assert_non_null(v);
    assert_int_equal(found, 0);
    assert_null(*v);
    *v = (void *)(uintptr_t)1;
    v = tj_strmap_slot(&m, "a\0b", 3, &found);
    assert_int_equal(found, 0);
    *v = (void *)(uintptr_t)2;
    assert_int_equal((uintptr_t)tj_strmap_get(&m, "ab", 2), 1);
    assert_int_equal((uintptr_t)tj_strmap_get(&m, "a\0b", 3), 2);
    assert_null(tj_strmap_get(&m, "a", 1));
    assert_null(tj_strmap_get(&m, "", 0));
    v = tj_strmap_slot(&m, "ab", 2, &found);
    assert_int_equal(found, 1);
    assert_int_equal((uintptr_t)*v, 1);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        v = tj_strmap_slot(&m, key, (size_t)n, &found);
        assert_non_null(v);
        assert_int_equal(found, 0);
        *v = (void *)(uintptr_t)(i + 10);
    }
    assert_int_equal(m.n, 5002);
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        assert_int_equal((uintptr_t)tj_strmap_get(&m, key, (size_t)n), (uintptr_t)(i + 10));
    }
    size_t sum = 0;
    tj_strmap_each(&m, count_entries, &sum);
    assert_int_equal(sum, 3 + 5000 * 10 + 5000 * 4999 / 2);
    tj_strmap_release(&m);
    assert_int_equal(m.n, 0);
    assert_null(tj_strmap_get(&m, "ab", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_strmap),
        cmocka_unit_test(test_units_convert),
        cmocka_unit_test(test_units_suggest),
        cmocka_unit_test(test_gwp_table),
        cmocka_unit_test(test_text_cells),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_http_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for io/report: number formatting, axes, validation, document build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/report.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt),
        cmocka_unit_test(test_axis),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_build_minimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

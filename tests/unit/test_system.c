/* Tests for calc/system: building a product system, keys, validation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calc/system.h"

static void test_keys(void **state)
{
    (void)state;
    assert_string_equal(calc_stage_key(CALC_STAGE_RAW_MATERIALS), "raw_materials");
    assert_string_equal(calc_stage_key(CALC_STAGE_END_OF_LIFE), "end_of_life");
    assert_string_equal(calc_channel_key(CALC_CH_BIOGENIC_REMOVAL), "biogenic_removal");
    assert_string_equal(calc_channel_key(CALC_CH_DLUC), "dluc");
    for (int i = 0; i < CALC_STAGE_COUNT; i++)
        assert_int_equal(calc_stage_parse(calc_stage_key((calc_stage)i)), i);
    for (int i = 0; i < CALC_CH_COUNT; i++)
        assert_int_equal(calc_channel_parse(calc_channel_key((calc_channel)i)), i);
    assert_int_equal(calc_stage_parse(" Production "), CALC_STAGE_PRODUCTION);
    assert_int_equal(calc_stage_parse("produc"), -1);
    assert_int_equal(calc_stage_parse("productions"), -1);
    assert_int_equal(calc_stage_parse(NULL), -1);
    assert_int_equal(calc_channel_parse("AIRCRAFT"), CALC_CH_AIRCRAFT);
    assert_int_equal(calc_channel_parse("fossils"), -1);
}

static void test_build_and_find(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("demo");
    assert_non_null(sys);
    calc_dqi dq = {1, 2, 3, 4};
    int a = calc_system_add_process(sys, "p/a", "Process A", "widget", "kg", CALC_STAGE_PRODUCTION, &dq);
    int b = calc_system_add_process(sys, "p/b", NULL, NULL, NULL, CALC_STAGE_USE, NULL);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_string_equal(sys->proc[1].name, "p/b");
    assert_string_equal(sys->proc[0].product, "widget");
    assert_true(sys->proc[0].dq.tir == 3);
    /* Duplicate id is refused and changes nothing. */
    assert_int_equal(calc_system_add_process(sys, "p/a", "x", "y", "kg", 0, NULL), TJ_ERR_CONFLICT);
    assert_int_equal(sys->n, 2);
    assert_non_null(strstr(calc_system_error(sys)->message, "p/a"));

    /* Many processes: the hash index grows and still finds every one. */
    char id[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "bulk-%d", i);
        assert_int_equal(calc_system_add_process(sys, id, NULL, NULL, "kg", 0, NULL), i + 2);
    }
    for (int i = 0; i < 5000; i += 7) {
        snprintf(id, sizeof id, "bulk-%d", i);
        assert_int_equal(calc_system_find_process(sys, id), i + 2);
    }
    assert_int_equal(calc_system_find_process(sys, "p/b"), 1);
    assert_int_equal(calc_system_find_process(sys, "missing"), -1);

    calc_flow f = {.id = "CO2/fossil",
                   .name = "CO2",
                   .unit = "kg",
                   .cf = 1,
                   .channel = CALC_CH_FOSSIL,
                   .source = "IPCC"};
    assert_int_equal(calc_system_add_flow(sys, &f), 0);
    f.id = "CH4/fossil";
    f.name = "CH4";
    f.cf = 29.8;
    f.compartment = "air";
    assert_int_equal(calc_system_add_flow(sys, &f), 1);
    assert_int_equal(calc_system_add_flow(sys, &f), TJ_ERR_CONFLICT);
    assert_int_equal(sys->m, 2);
    assert_int_equal(calc_system_find_flow(sys, "CH4/fossil"), 1);
    assert_int_equal(calc_system_find_flow(sys, "CO2/fossil"), 0);
    assert_int_equal(calc_system_find_flow(sys, "N2O/fossil"), -1);
    assert_string_equal(sys->flow[1].compartment, "air");
    assert_null(sys->flow[0].compartment);
    /* The system owns copies of strings. */
    assert_true(sys->flow[1].id != f.id);

    calc_system_free(sys);
}

static void test_entries_validated(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("v");
    assert_int_equal(calc_system_add_process(sys, "a", "A", "a", "kg", 0, NULL), 0);
    assert_int_equal(calc_system_add_process(sys, "b", "B", "b", "kg", 0, NULL), 1);
    calc_flow f = {.id = "CO2", .unit = "kg", .cf = 1};
    assert_int_equal(calc_system_add_flow(sys, &f), 0);

    assert_int_equal(calc_system_add_tech(sys, 0, 0, 1.0, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_tech(sys, 1, 0, -0.5, NULL, NULL), TJ_OK);
    assert_int_equal(sys->ntech, 2);
    assert_int_equal(calc_system_add_tech(sys, 2, 0, 1.0, NULL, NULL), TJ_ERR_INPUT);
    assert_non_null(strstr(calc_system_error(sys)->message, "out of range"));
    assert_int_equal(calc_system_add_tech(sys, 0, -1, 1.0, NULL, NULL), TJ_ERR_INPUT);
    assert_int_equal(calc_system_add_tech(sys, 0, 0, NAN, NULL, NULL), TJ_ERR_INPUT);
    assert_non_null(strstr(calc_system_error(sys)->message, "finite"));
    assert_int_equal(calc_system_add_tech(sys, 0, 0, INFINITY, NULL, NULL), TJ_ERR_INPUT);
    assert_int_equal(calc_system_add_elem(sys, 1, 0, 1.0, NULL, NULL), TJ_ERR_INPUT);
    assert_int_equal(calc_system_add_elem(sys, 0, 2, 1.0, NULL, NULL), TJ_ERR_INPUT);

    calc_dist bad = {CALC_DIST_LOGNORMAL, 1.0, 0.5, 0};
    assert_int_equal(calc_system_add_elem(sys, 0, 0, 1.0, &bad, NULL), TJ_ERR_INPUT);
    assert_non_null(strstr(calc_system_error(sys)->message, "geometric"));
    calc_dist tri = {CALC_DIST_TRIANGULAR, 1, 3, 2};
    assert_int_equal(calc_system_add_elem(sys, 0, 0, 1.0, &tri, NULL), TJ_ERR_INPUT);
    calc_dqi baddq = {0, 6, 0, 0};
    assert_int_equal(calc_system_add_elem(sys, 0, 0, 1.0, NULL, &baddq), TJ_ERR_INPUT);
    assert_int_equal(sys->nelem, 0);

    calc_dist good = {CALC_DIST_LOGNORMAL, 2.0, 1.2, 0};
    calc_dqi dq = {1, 1, 2, 2};
    assert_int_equal(calc_system_add_elem(sys, 0, 1, 2.0, &good, &dq), TJ_OK);
    assert_int_equal(sys->nelem, 1);
    assert_int_equal(sys->elem[0].dist.kind, CALC_DIST_LOGNORMAL);
    assert_true(sys->elem[0].dq.tir == 2);

    /* Cut-offs and input mass. */
    assert_int_equal(calc_system_add_cutoff(sys, 1, "packaging film", 0.01, "kg", 0.01), TJ_OK);
    assert_int_equal(calc_system_add_cutoff(sys, 1, "service", 1, "USD", NAN), TJ_OK);
    assert_int_equal(calc_system_add_cutoff(sys, 5, "x", 1, "kg", 1), TJ_ERR_INPUT);
    assert_int_equal(calc_system_add_cutoff(sys, 0, "x", 1, "kg", -1), TJ_ERR_INPUT);
    assert_int_equal(sys->ncut, 2);
    assert_string_equal(sys->cut[0].what, "packaging film");
    assert_true(isnan(sys->cut[1].mass_kg));
    assert_null(sys->input_mass_kg);
    assert_int_equal(calc_system_add_input_mass(sys, 0, 2.0), TJ_OK);
    assert_int_equal(calc_system_add_input_mass(sys, 0, 0.5), TJ_OK);
    assert_int_equal(calc_system_add_input_mass(sys, 0, -1), TJ_ERR_INPUT);
    assert_true(sys->input_mass_kg[0] == 2.5);
    assert_true(sys->input_mass_kg[1] == 0);
    /* A process added later gets a zero input mass. */
    char id[16];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "late%d", i);
        assert_true(calc_system_add_process(sys, id, NULL, NULL, "kg", 0, NULL) >= 0);
    }
    assert_true(sys->input_mass_kg[101] == 0);
    assert_int_equal(calc_system_add_input_mass(sys, 101, 1), TJ_OK);
    assert_true(sys->input_mass_kg[101] == 1);
    calc_system_free(sys);
}

static void test_bad_process_and_flow(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new(NULL);
    assert_int_equal(calc_system_add_process(sys, "", "x", "x", "kg", 0, NULL), TJ_ERR_INPUT);
    assert_int_equal(calc_system_add_process(sys, NULL, "x", "x", "kg", 0, NULL), TJ_ERR_INPUT);
    assert_int_equal(calc_system_add_process(sys, "a", "x", "x", "kg", (calc_stage)9, NULL), TJ_ERR_INPUT);
    calc_flow f = {.id = "x", .cf = NAN};
    assert_int_equal(calc_system_add_flow(sys, &f), TJ_ERR_INPUT);
    f.cf = 1;
    f.channel = (calc_channel)7;
    assert_int_equal(calc_system_add_flow(sys, &f), TJ_ERR_INPUT);
    assert_int_equal(sys->n, 0);
    assert_int_equal(sys->m, 0);
    calc_system_free(sys);
    calc_system_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_build_and_find),
        cmocka_unit_test(test_entries_validated),
        cmocka_unit_test(test_bad_process_and_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

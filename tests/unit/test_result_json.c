/* Tests for io/result_json: the stable JSON key contract and the text summary. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/result_json.h"

static const char *const contract_keys[] = {
    "total",
    "unit",
    "fossil",
    "biogenic_emissions",
    "biogenic_removals",
    "dluc",
    "aircraft",
    "by_stage",
    "by_gas",
    "unsplit_factors",
    "by_process",
    "paths",
    "inventory",
    "dqr",
    "cutoff_share",
    "cutoffs",
    "demand",
    "gwp",
    "solver",
};
#define NKEYS (sizeof contract_keys / sizeof contract_keys[0])

typedef struct fixture {
    calc_system *sys;
    calc_context *ctx;
    calc_result *res;
} fixture;

/* Widget (production) <- 2 kWh electricity (raw materials); a biogenic
 * packaging uptake; one cut-off; rated processes. */
static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    calc_system *sys = calc_system_new("json");
    calc_dqi dq = {2, 2, 2, 2};
    int w =
        calc_system_add_process(sys, "widget", "Widget assembly", "widget", "kg", CALC_STAGE_PRODUCTION, &dq);
    int e = calc_system_add_process(sys, "grid", "Grid electricity", "electricity", "kWh",
                                    CALC_STAGE_RAW_MATERIALS, NULL);
    calc_flow f = {.id = "CO2/fossil",
                   .name = "carbon dioxide",
                   .compartment = "air",
                   .unit = "kg",
                   .gas = tj_gas_find("CO2"),
                   .channel = CALC_CH_FOSSIL,
                   .cf = 1};
    int co2 = calc_system_add_flow(sys, &f);
    calc_flow r = {.id = "CO2/biogenic_removal",
                   .name = "carbon dioxide, in air",
                   .unit = "kg",
                   .gas = tj_gas_find("CO2"),
                   .channel = CALC_CH_BIOGENIC_REMOVAL,
                   .cf = -1};
    int rem = calc_system_add_flow(sys, &r);
    calc_flow ch4 = {.id = "CH4/fossil",
                     .name = "methane",
                     .compartment = "air",
                     .unit = "kg",
                     .gas = tj_gas_find("CH4"),
                     .channel = CALC_CH_FOSSIL,
                     .cf = 29.8};
    int m = calc_system_add_flow(sys, &ch4);
    calc_dist d = {CALC_DIST_LOGNORMAL, 0.5, 1.1, 0};
    assert_int_equal(calc_system_add_tech(sys, w, w, 1, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_tech(sys, e, w, -2, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_tech(sys, e, e, 1, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_elem(sys, co2, w, 1, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_elem(sys, rem, w, 0.1, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_elem(sys, co2, e, 0.5, &d, NULL), TJ_OK);
    assert_int_equal(calc_system_add_elem(sys, m, e, 0.001, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_cutoff(sys, w, "label glue", 0.01, "kg", 0.01), TJ_OK);
    assert_int_equal(calc_system_add_input_mass(sys, w, 1.0), TJ_OK);
    tj_error err;
    assert_int_equal(calc_context_new(sys, NULL, &fx->ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(fx->ctx, w, 1, CALC_DETAIL_ALL, &fx->res, &err), TJ_OK);
    fx->sys = sys;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    calc_result_free(fx->res);
    calc_context_free(fx->ctx);
    calc_system_free(fx->sys);
    free(fx);
    return 0;
}

static void check_keys(json_t *root, int with_mc)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!json_object_get(root, contract_keys[i])) {
            print_error("missing key %s\n", contract_keys[i]);
            fail();
        }
    assert_int_equal(json_object_get(root, "uncertainty") != NULL, with_mc);
    assert_int_equal(json_object_size(root), NKEYS + (with_mc ? 1 : 0));
}

static void test_contract(void **state)
{
    fixture *fx = *state;
    json_t *j = io_result_to_json(fx->sys, fx->res, TJ_GWP_AR6);
    assert_non_null(j);
    check_keys(j, 0);
    /* total = 1 - 0.1 + 2 * (0.5 + 0.0298) */
    double total = 1 - 0.1 + 2 * (0.5 + 0.001 * 29.8);
    assert_true(fabs(json_real_value(json_object_get(j, "total")) - total) < 1e-12);
    assert_string_equal(json_string_value(json_object_get(j, "unit")), "kg CO2e");
    assert_true(fabs(json_real_value(json_object_get(j, "biogenic_removals")) + 0.1) < 1e-12);
    assert_string_equal(json_string_value(json_object_get(j, "gwp")), "AR6");

    json_t *st = json_object_get(j, "by_stage");
    assert_int_equal(json_object_size(st), 5);
    assert_true(fabs(json_real_value(json_object_get(st, "production")) - 0.9) < 1e-12);
    assert_non_null(json_object_get(st, "end_of_life"));

    json_t *gas = json_object_get(j, "by_gas");
    assert_int_equal(json_array_size(gas), 2);
    json_t *g0 = json_array_get(gas, 0);
    assert_string_equal(json_string_value(json_object_get(g0, "gas")), "CO2");
    assert_true(fabs(json_real_value(json_object_get(g0, "amount_kg")) - 1.9) < 1e-12);
    assert_non_null(json_object_get(g0, "co2e"));
    assert_true(json_real_value(json_object_get(g0, "co2e_from_factors")) == 0);
    /* no background factors here: nothing outside the gases */
    assert_true(json_is_array(json_object_get(j, "unsplit_factors")));
    assert_int_equal(json_array_size(json_object_get(j, "unsplit_factors")), 0);

    json_t *bp = json_object_get(j, "by_process");
    assert_int_equal(json_array_size(bp), 2);
    json_t *p0 = json_array_get(bp, 0);
    const char *pk[] = {"id", "name", "stage", "activity", "direct", "share"};
    for (size_t i = 0; i < 6; i++)
        assert_non_null(json_object_get(p0, pk[i]));
    assert_int_equal(json_object_size(p0), 6);
    assert_string_equal(json_string_value(json_object_get(p0, "id")), "grid");
    assert_string_equal(json_string_value(json_object_get(p0, "stage")), "raw_materials");

    json_t *paths = json_object_get(j, "paths");
    assert_int_equal(json_array_size(paths), 2);
    json_t *n1 = json_array_get(paths, 1);
    const char *nk[] = {"depth", "parent", "id", "name", "amount", "unit", "direct", "upstream", "share"};
    for (size_t i = 0; i < 9; i++)
        assert_non_null(json_object_get(n1, nk[i]));
    assert_int_equal(json_object_size(n1), 9);
    assert_int_equal(json_integer_value(json_object_get(n1, "parent")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(paths, 0), "parent")), -1);
    assert_string_equal(json_string_value(json_object_get(n1, "unit")), "kWh");

    json_t *inv = json_object_get(j, "inventory");
    assert_int_equal(json_array_size(inv), 3);
    json_t *i1 = json_array_get(inv, 1);
    const char *ik[] = {"id", "name", "compartment", "unit", "amount", "co2e", "channel"};
    for (size_t i = 0; i < 7; i++)
        assert_non_null(json_object_get(i1, ik[i]));
    assert_true(json_is_null(json_object_get(i1, "compartment")));
    assert_string_equal(json_string_value(json_object_get(i1, "channel")), "biogenic_removal");

    json_t *dq = json_object_get(j, "dqr");
    const char *dk[] = {"TeR", "GeR", "TiR", "P", "dqr", "rating", "coverage"};
    for (size_t i = 0; i < 7; i++)
        assert_non_null(json_object_get(dq, dk[i]));
    assert_true(fabs(json_real_value(json_object_get(dq, "dqr")) - 2) < 1e-12);
    assert_string_equal(json_string_value(json_object_get(dq, "rating")), "very good");
    /* widget's |1| + |0.1| rated out of 1.1 + 1.0596 */
    assert_true(fabs(json_real_value(json_object_get(dq, "coverage")) - 1.1 / (1.1 + 1.0596)) < 1e-12);

    assert_true(fabs(json_real_value(json_object_get(j, "cutoff_share")) - 0.01 / 1.01) < 1e-12);
    json_t *cut = json_array_get(json_object_get(j, "cutoffs"), 0);
    assert_string_equal(json_string_value(json_object_get(cut, "process")), "widget");
    assert_string_equal(json_string_value(json_object_get(cut, "what")), "label glue");
    assert_non_null(json_object_get(cut, "amount"));
    assert_string_equal(json_string_value(json_object_get(cut, "unit")), "kg");

    json_t *dem = json_object_get(j, "demand");
    assert_string_equal(json_string_value(json_object_get(dem, "id")), "widget");
    assert_string_equal(json_string_value(json_object_get(dem, "product")), "widget");
    assert_string_equal(json_string_value(json_object_get(dem, "unit")), "kg");
    assert_true(json_real_value(json_object_get(dem, "amount")) == 1);
    assert_non_null(json_object_get(dem, "name"));

    json_t *so = json_object_get(j, "solver");
    const char *sk[] = {"name", "reason", "residual", "iterations", "seconds"};
    for (size_t i = 0; i < 5; i++)
        assert_non_null(json_object_get(so, sk[i]));
    assert_true(json_is_string(json_object_get(so, "name")));

    /* Serialises and parses back. */
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    json_error_t jerr;
    json_t *back = json_loads(text, 0, &jerr);
    assert_non_null(back);
    assert_true(json_equal(back, j));
    json_decref(back);
    free(text);
    json_decref(j);

    j = io_result_to_json(fx->sys, fx->res, TJ_GWP_AR5);
    assert_string_equal(json_string_value(json_object_get(j, "gwp")), "AR5");
    json_decref(j);
}

static void test_uncertainty_and_nan(void **state)
{
    fixture *fx = *state;
    tj_error err;
    assert_int_equal(calc_context_monte_carlo(fx->ctx, fx->res, 200, 7, &err), TJ_OK);
    json_t *j = io_result_to_json(fx->sys, fx->res, TJ_GWP_AR6);
    check_keys(j, 1);
    json_t *u = json_object_get(j, "uncertainty");
    assert_int_equal(json_object_size(u), 6);
    json_t *hist = json_object_get(u, "histogram");
    json_t *counts = json_object_get(hist, "counts");
    assert_int_equal(json_array_size(counts), CALC_MC_BINS);
    json_int_t drawn = 0;
    for (size_t i = 0; i < json_array_size(counts); i++)
        drawn += json_integer_value(json_array_get(counts, i));
    assert_int_equal(drawn, 200);
    assert_true(json_real_value(json_object_get(hist, "lo")) < json_real_value(json_object_get(hist, "hi")));
    assert_string_equal(json_string_value(json_object_get(u, "solver")), "triangular"); /* no loop: AUTO substitutes */
    assert_int_equal(json_integer_value(json_object_get(u, "iterations")), 200);
    assert_int_equal(json_integer_value(json_object_get(u, "seed")), 7);
    json_t *t = json_object_get(u, "total");
    const char *k[] = {"mean", "sd", "p2_5", "p50", "p97_5"};
    for (size_t i = 0; i < 5; i++)
        assert_true(json_is_real(json_object_get(t, k[i])));
    assert_true(json_real_value(json_object_get(t, "sd")) > 0);
    json_t *bs = json_object_get(u, "by_stage");
    assert_int_equal(json_object_size(bs), 5);
    assert_true(json_real_value(json_object_get(json_object_get(bs, "production"), "sd")) == 0);
    json_decref(j);

    /* Non-finite numbers become null rather than failing. */
    double saved = fx->res->total;
    fx->res->total = NAN;
    fx->res->uncertainty->seed = UINT64_MAX;
    j = io_result_to_json(fx->sys, fx->res, TJ_GWP_AR6);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "total")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "uncertainty"), "seed")),
                        "18446744073709551615");
    json_decref(j);
    fx->res->total = saved;
}

static void test_text(void **state)
{
    fixture *fx = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    io_result_print_text(f, fx->sys, fx->res, TJ_GWP_AR6);
    fclose(f);
    assert_non_null(strstr(buf, "Total: 1.9596 kg CO2e"));
    assert_non_null(strstr(buf, "AR6"));
    assert_non_null(strstr(buf, "biogenic removals"));
    assert_non_null(strstr(buf, "Grid electricity"));
    assert_non_null(strstr(buf, "methane") || strstr(buf, "CH4") ? buf : NULL);
    assert_non_null(strstr(buf, "DQR 2.00 (very good"));
    assert_non_null(strstr(buf, "Cut-off share"));
    assert_non_null(strstr(buf, "Solver: "));
    /* The child path is indented under the root. */
    assert_non_null(strstr(buf, "\n    1.0596 (54.1%)  Grid electricity"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_uncertainty_and_nan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

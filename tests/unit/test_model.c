/* Unit tests: the model file parser and end-to-end footprints worked by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calc/lca.h"
#include "io/model.h"
#include "tanji/buf.h"

#define HEAD "{\"product\":{\"name\":\"p\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\"},"

static tj_status parse(const char *text, io_model **m, tj_error *err, tj_gwp_set gwp)
{
    io_model_options o;
    io_model_options_init(&o);
    o.gwp = gwp;
    return io_model_parse(text, strlen(text), "m.json", &o, m, err);
}

/* Parse, calculate, return the total (and keep the result for checks). */
static double footprint(const char *text, tj_gwp_set gwp, calc_result **keep)
{
    io_model *m = NULL;
    tj_error err;
    tj_status st = parse(text, &m, &err, gwp);
    if (st)
        fail_msg("parse: %s: %s", err.path, err.message);
    calc_options o;
    calc_options_init(&o);
    calc_context *ctx = NULL;
    assert_int_equal(calc_context_new(m->sys, &o, &ctx, &err), TJ_OK);
    calc_result *r = NULL;
    assert_int_equal(calc_context_footprint(ctx, m->demand_col, m->demand_amount, CALC_DETAIL_ALL, &r, &err), TJ_OK);
    double t = r->total;
    if (keep)
        *keep = r;
    else
        calc_result_free(r);
    calc_context_free(ctx);
    io_model_free(m);
    return t;
}

static void expect_error(const char *text, const char *path_part, const char *msg_part)
{
    io_model *m = NULL;
    tj_error err;
    tj_status st = parse(text, &m, &err, TJ_GWP_AR6);
    if (st == TJ_OK) {
        io_model_free(m);
        fail_msg("expected an error containing \"%s\"", msg_part ? msg_part : "(any)");
    }
    assert_null(m);
    if (path_part && !strstr(err.path, path_part))
        fail_msg("path \"%s\" lacks \"%s\" (message: %s)", err.path, path_part, err.message);
    if (msg_part && !strstr(err.message, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, msg_part);
}

/* Two-process chain: 1 kg product needs 2 kWh of electricity at 0.5 kg CO2/kWh
 * (emitted by the power process) plus 1 kg CO2 directly: 2 kg CO2e. */
static void test_chain(void **state)
{
    (void)state;
    const char *t = HEAD "\"processes\":["
                    "{\"id\":\"make\",\"stage\":\"production\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"el\",\"amount\":7.2,\"unit\":\"MJ\",\"provider\":\"power\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1000,\"unit\":\"g\"}]},"
                    "{\"id\":\"power\",\"stage\":\"raw_materials\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"el\",\"amount\":1,\"unit\":\"kWh\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":0.5,\"unit\":\"kg\"}]}],"
                    "\"note\":\"\"}";
    /* the product's "process" is needed with two processes */
    expect_error(t, "product", "name the process");
    const char *ok = "{\"product\":{\"name\":\"p\",\"unit\":\"t\",\"amount\":0.001,\"boundary\":\"cradle-to-gate\",\"process\":\"make\"},"
                     "\"processes\":["
                     "{\"id\":\"make\",\"stage\":\"production\",\"exchanges\":["
                     "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                     "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"el\",\"amount\":7.2,\"unit\":\"MJ\",\"provider\":\"power\"},"
                     "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1000,\"unit\":\"g\"}]},"
                     "{\"id\":\"power\",\"stage\":\"raw_materials\",\"exchanges\":["
                     "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"el\",\"amount\":1,\"unit\":\"kWh\"},"
                     "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":0.5,\"unit\":\"kg\"}]}]}";
    calc_result *r;
    double total = footprint(ok, TJ_GWP_AR6, &r);
    assert_true(fabs(total - 2.0) < 1e-9);
    assert_true(fabs(r->stage[CALC_STAGE_PRODUCTION] - 1.0) < 1e-9);
    assert_true(fabs(r->stage[CALC_STAGE_RAW_MATERIALS] - 1.0) < 1e-9);
    assert_true(fabs(r->channel[CALC_CH_FOSSIL] - 2.0) < 1e-9);
    calc_result_free(r);
}

/* Loop by hand: steel (1 kg) needs 2 kWh electricity; electricity (1 kWh)
 * needs 0.1 kg steel.  s_steel = 1 + 0.1 s_el, s_el = 2 s_steel
 * -> s_steel = 1.25, s_el = 2.5.  Emissions: steel 1 kg CO2/kg, electricity
 * 0.4 kg CO2/kWh -> 1.25 + 1.0 = 2.25. */
static void test_loop(void **state)
{
    (void)state;
    const char *t = "{\"product\":{\"name\":\"steel\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\",\"process\":\"steel\"},"
                    "\"processes\":["
                    "{\"id\":\"steel\",\"stage\":\"production\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"steel\",\"amount\":1,\"unit\":\"kg\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"el\",\"amount\":2,\"unit\":\"kWh\",\"provider\":\"el\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1,\"unit\":\"kg\"}]},"
                    "{\"id\":\"el\",\"stage\":\"raw_materials\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"el\",\"amount\":1,\"unit\":\"kWh\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"steel\",\"amount\":100,\"unit\":\"g\",\"provider\":\"steel\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":0.4,\"unit\":\"kg\"}]}]}";
    assert_true(fabs(footprint(t, TJ_GWP_AR6, NULL) - 2.25) < 1e-9);
}

/* Allocation: outputs 1 kg A and 3 kg B, physical factors 0.25/0.75, 2 kg
 * CO2: 1 kg of A carries 0.5 kg.  The same by mass without factors. */
static void test_allocation(void **state)
{
    (void)state;
    const char *fmt = "{\"product\":{\"name\":\"A\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\",\"flow\":\"A\"},"
                      "\"processes\":[{\"id\":\"mp\",\"stage\":\"production\",%s\"exchanges\":["
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"A\",\"amount\":1,\"unit\":\"kg\"},"
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"B\",\"amount\":3,\"unit\":\"kg\"},"
                      "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":2,\"unit\":\"kg\"}]}]}";
    char buf[2048];
    snprintf(buf, sizeof buf, fmt, "\"allocation\":{\"method\":\"physical\",\"factors\":{\"A\":0.25,\"B\":0.75}},");
    assert_true(fabs(footprint(buf, TJ_GWP_AR6, NULL) - 0.5) < 1e-12);
    snprintf(buf, sizeof buf, fmt, "\"allocation\":{\"method\":\"physical\"},");
    assert_true(fabs(footprint(buf, TJ_GWP_AR6, NULL) - 0.5) < 1e-12);
    snprintf(buf, sizeof buf, fmt, "\"allocation\":{\"method\":\"economic\",\"factors\":{\"A\":0.6,\"B\":0.4}},");
    assert_true(fabs(footprint(buf, TJ_GWP_AR6, NULL) - 1.2) < 1e-12);
    snprintf(buf, sizeof buf, fmt, "\"allocation\":{\"method\":\"physical\",\"factors\":{\"A\":0.3,\"B\":0.75}},");
    expect_error(buf, "processes[0].allocation", "sum to 1.05");
    snprintf(buf, sizeof buf, fmt, "");
    expect_error(buf, "processes[0]", "has 2 product outputs");
}

/* Biogenic uptake and release net to zero in the total; channels show both. */
static void test_biogenic(void **state)
{
    (void)state;
    const char *t = "{\"product\":{\"name\":\"wood\",\"unit\":\"kg\",\"boundary\":\"cradle-to-grave\"},"
                    "\"processes\":[{\"id\":\"w\",\"stage\":\"raw_materials\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"wood\",\"amount\":1,\"unit\":\"kg\"},"
                    "{\"type\":\"elementary\",\"direction\":\"input\",\"gas\":\"CO2\",\"amount\":1.8,\"unit\":\"kg\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1.8,\"unit\":\"kg\",\"channel\":\"biogenic\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":0.1,\"unit\":\"kg\"}]}]}";
    calc_result *r;
    double total = footprint(t, TJ_GWP_AR6, &r);
    assert_true(fabs(total - 0.1) < 1e-12);
    assert_true(fabs(r->channel[CALC_CH_BIOGENIC] - 1.8) < 1e-12);
    assert_true(fabs(r->channel[CALC_CH_BIOGENIC_REMOVAL] + 1.8) < 1e-12);
    assert_true(fabs(r->channel[CALC_CH_FOSSIL] - 0.1) < 1e-12);
    calc_result_free(r);
}

/* Methane-heavy product: 1 kg fossil CH4 + 1 kg biogenic CH4 + 1 kg CO2.
 * AR6: 29.8 + 27.0 + 1 = 57.8; AR5: 30 + 28 + 1 = 59. */
static void test_ar5_ar6(void **state)
{
    (void)state;
    const char *t = "{\"product\":{\"name\":\"gas\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\"},"
                    "\"processes\":[{\"id\":\"g\",\"stage\":\"production\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"gas\",\"amount\":1,\"unit\":\"kg\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"74-82-8\",\"amount\":1,\"unit\":\"kg\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"methane\",\"amount\":1000,\"unit\":\"g\",\"channel\":\"biogenic\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1,\"unit\":\"kg\"}]}]}";
    assert_true(fabs(footprint(t, TJ_GWP_AR6, NULL) - 57.8) < 1e-9);
    assert_true(fabs(footprint(t, TJ_GWP_AR5, NULL) - 59.0) < 1e-9);
}

/* Background factor with unit conversion, waste treatment and cut-off. */
static void test_factor_waste_cutoff(void **state)
{
    (void)state;
    const char *t = "{\"product\":{\"name\":\"x\",\"unit\":\"kg\",\"boundary\":\"cradle-to-grave\",\"process\":\"make\"},"
                    "\"factors\":[{\"id\":\"el\",\"value\":0.5,\"unit\":\"kWh\",\"source\":\"test value\"}],"
                    "\"processes\":["
                    "{\"id\":\"make\",\"stage\":\"production\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"x\",\"amount\":2,\"unit\":\"kg\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"el\",\"amount\":1,\"unit\":\"MWh\",\"factor\":\"el\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"metal\",\"amount\":3,\"unit\":\"kg\",\"cutoff\":true},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"ore\",\"amount\":97,\"unit\":\"kg\",\"provider\":\"ore\"},"
                    "{\"type\":\"waste\",\"direction\":\"output\",\"flow\":\"scrap\",\"amount\":4,\"unit\":\"kg\",\"provider\":\"landfill\"}]},"
                    "{\"id\":\"ore\",\"stage\":\"raw_materials\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"ore\",\"amount\":1,\"unit\":\"kg\"}]},"
                    "{\"id\":\"landfill\",\"stage\":\"end_of_life\",\"exchanges\":["
                    "{\"type\":\"waste\",\"direction\":\"input\",\"flow\":\"scrap\",\"amount\":1,\"unit\":\"kg\",\"reference\":true},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CH4\",\"amount\":0.01,\"unit\":\"kg\",\"channel\":\"biogenic\"}]}]}";
    calc_result *r;
    /* per kg x: 500 kWh * 0.5 = 250; landfill 2 kg scrap * 0.01 * 27 = 0.54 */
    double total = footprint(t, TJ_GWP_AR6, &r);
    assert_true(fabs(total - 250.54) < 1e-9);
    assert_true(fabs(r->stage[CALC_STAGE_END_OF_LIFE] - 0.54) < 1e-9);
    /* cut-off share by mass: 3 / (3 + 97) */
    assert_true(fabs(r->cutoff_share - 0.03) < 1e-9);
    calc_result_free(r);
}

/* Ids and names longer than any fixed buffer stay distinct: two factors, two
 * processes and two flows whose names differ only after byte 600 are not
 * merged (a 512-byte key once made this model total 2 instead of 101). */
static void test_long_ids(void **state)
{
    (void)state;
    char pre[601];
    memset(pre, 'a', 600);
    pre[600] = '\0';
    size_t cap = 16 * 1024;
    char *t = malloc(cap);
    assert_non_null(t);
    int n = snprintf(t, cap,
        "{\"product\":{\"name\":\"x\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\",\"process\":\"%s1\"},"
        "\"factors\":[{\"id\":\"%s1\",\"value\":1,\"unit\":\"kg\",\"source\":\"test\"},"
        "{\"id\":\"%s2\",\"value\":100,\"unit\":\"kg\",\"source\":\"test\"}],"
        "\"processes\":["
        "{\"id\":\"%s1\",\"stage\":\"production\",\"exchanges\":["
        "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"x\",\"amount\":1,\"unit\":\"kg\"},"
        "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"a\",\"amount\":1,\"unit\":\"kg\",\"factor\":\"%s1\"},"
        "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"b\",\"amount\":1,\"unit\":\"kg\",\"factor\":\"%s2\"},"
        "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"c\",\"amount\":1,\"unit\":\"kg\",\"provider\":\"%s2\"},"
        "{\"type\":\"elementary\",\"direction\":\"output\",\"flow\":\"%s1\",\"amount\":1,\"unit\":\"kg\"},"
        "{\"type\":\"elementary\",\"direction\":\"output\",\"flow\":\"%s2\",\"amount\":2,\"unit\":\"kg\"}]},"
        "{\"id\":\"%s2\",\"stage\":\"raw_materials\",\"exchanges\":["
        "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"c\",\"amount\":1,\"unit\":\"kg\"}]}]}",
        pre, pre, pre, pre, pre, pre, pre, pre, pre, pre);
    assert_true(n > 0 && (size_t)n < cap);
    io_model *m = NULL;
    tj_error err;
    tj_status st = parse(t, &m, &err, TJ_GWP_AR6);
    if (st)
        fail_msg("parse: %s: %s", err.path, err.message);
    assert_int_equal(m->sys->n, 2); /* two process columns */
    io_model_free(m);
    calc_result *r;
    double total = footprint(t, TJ_GWP_AR6, &r);
    assert_true(fabs(total - 101.0) < 1e-9);
    calc_result_free(r);
    free(t);

    /* a flow name longer than the key cap is refused, not cut */
    size_t big = TJ_BUF_KEY_MAX + 10;
    char *name = malloc(big + 1);
    t = malloc(big + 1024);
    assert_non_null(name);
    assert_non_null(t);
    memset(name, 'f', big);
    name[big] = '\0';
    snprintf(t, big + 1024,
             "{\"product\":{\"name\":\"x\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\"},"
             "\"processes\":[{\"id\":\"p\",\"stage\":\"production\",\"exchanges\":["
             "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"x\",\"amount\":1,\"unit\":\"kg\"},"
             "{\"type\":\"elementary\",\"direction\":\"output\",\"flow\":\"%s\",\"amount\":1,\"unit\":\"kg\"}]}]}",
             name);
    expect_error(t, "processes[0].exchanges[1]", "longer than");
    free(name);
    free(t);
}

/* By gas lists gases only: a factor with a per-gas breakdown counts under
 * its gases (what the breakdown leaves is not split), a factor without one
 * is reported as not split by gas -- never as if it were a gas. */
static void test_by_gas_factors(void **state)
{
    (void)state;
    const char *t = "{\"product\":{\"name\":\"x\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\"},"
                    "\"factors\":[{\"id\":\"soda\",\"name\":\"caustic soda (example)\",\"value\":2,\"unit\":\"kg\",\"source\":\"test\"},"
                    "{\"id\":\"el\",\"value\":1,\"unit\":\"kWh\",\"source\":\"test\",\"gases\":{\"CO2\":0.7,\"CH4\":0.2}}],"
                    "\"processes\":[{\"id\":\"make\",\"stage\":\"production\",\"exchanges\":["
                    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"x\",\"amount\":1,\"unit\":\"kg\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"soda\",\"amount\":3,\"unit\":\"kg\",\"factor\":\"soda\"},"
                    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"el\",\"amount\":10,\"unit\":\"kWh\",\"factor\":\"el\"},"
                    "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":5,\"unit\":\"kg\"}]}]}";
    calc_result *r;
    /* 3 x 2 + 10 x 1 + 5 = 21 */
    double total = footprint(t, TJ_GWP_AR6, &r);
    assert_true(fabs(total - 21.0) < 1e-9);
    assert_int_equal(r->ngas, 2);
    assert_string_equal(r->gas[0].gas, "CO2"); /* 5 own + 7 from the factor */
    assert_true(fabs(r->gas[0].co2e - 12.0) < 1e-9);
    assert_true(fabs(r->gas[0].co2e_factors - 7.0) < 1e-9);
    assert_true(fabs(r->gas[0].amount - 5.0) < 1e-9);
    assert_string_equal(r->gas[1].gas, "CH4");
    assert_true(fabs(r->gas[1].co2e - 2.0) < 1e-9);
    assert_true(isnan(r->gas[1].amount)); /* kg of CH4 not known from a CO2e breakdown */
    /* not split: soda 6, and the 1 kg CO2e the electricity breakdown leaves */
    assert_int_equal(r->nunsplit, 2);
    assert_true(fabs(r->unsplit[0].co2e - 6.0) < 1e-9);
    assert_true(fabs(r->unsplit[1].co2e - 1.0) < 1e-9);
    double sum = 0;
    for (int i = 0; i < r->ngas; i++)
        sum += r->gas[i].co2e;
    for (int i = 0; i < r->nunsplit; i++)
        sum += r->unsplit[i].co2e;
    assert_true(fabs(sum - total) < 1e-9);
    calc_result_free(r);

    /* breakdowns are checked */
    const char *bad[][2] = {
        {"{\"CO2\":0.7,\"CH4\":0.4}", "more than the factor's value"},
        {"{\"caustic soda\":0.5}", "not a greenhouse gas"},
        {"{\"CO2\":-0.5}", "sign of the value"},
        {"{\"CO2\":\"lots\"}", "must be a number"},
        {"{\"CO2\":0.1,\"carbon dioxide\":0.1}", "given twice"},
        {"[0.5]", "must be an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char m[1024];
        snprintf(m, sizeof m,
                 "{\"product\":{\"name\":\"x\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\"},"
                 "\"factors\":[{\"id\":\"el\",\"value\":1,\"unit\":\"kWh\",\"source\":\"t\",\"gases\":%s}],"
                 "\"processes\":[{\"id\":\"make\",\"stage\":\"production\",\"exchanges\":["
                 "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"x\",\"amount\":1,\"unit\":\"kg\"},"
                 "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"el\",\"amount\":1,\"unit\":\"kWh\",\"factor\":\"el\"}]}]}",
                 bad[i][0]);
        expect_error(m, "factors[0]", bad[i][1]);
    }
}

static void test_errors(void **state)
{
    (void)state;
    io_model *m = NULL;
    tj_error err;
    /* syntax: file:line:column */
    assert_int_equal(parse("{\n  \"product\": {,\n}", &m, &err, TJ_GWP_AR6), TJ_ERR_INPUT);
    assert_string_equal(err.file, "m.json");
    assert_int_equal(err.line, 2);
    assert_true(err.column > 0);
    const char *unit = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                       "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                       "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1,\"unit\":\"kwh\"}]}]}";
    expect_error(unit, "processes[0].exchanges[1].unit", "\"kwh\" is not a known unit; did you mean \"kWh\"?");
    const char *dim = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                      "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1,\"unit\":\"kWh\"}]}]}";
    expect_error(dim, "processes[0].exchanges[1].unit", "cannot be converted");
    const char *neg = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                      "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":-1,\"unit\":\"kg\"}]}]}";
    expect_error(neg, "processes[0].exchanges[1]", "negative");
    const char *noprov = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                         "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                         "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"steel\",\"amount\":1,\"unit\":\"kg\"}]}]}";
    expect_error(noprov, "processes[0].exchanges[1]", "missing provider");
    const char *badprov = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                          "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                          "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"steel\",\"amount\":1,\"unit\":\"kg\",\"provider\":\"zz\"}]}]}";
    expect_error(badprov, "processes[0].exchanges[1]", "\"zz\" is not a process");
    const char *dup = HEAD "\"processes\":["
                      "{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":[{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"}]},"
                      "{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":[{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"q\",\"amount\":1,\"unit\":\"kg\"}]}]}";
    expect_error(dup, "processes[1]", "duplicate process id");
    const char *typo = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                       "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"ammount\":1,\"unit\":\"kg\"}]}]}";
    expect_error(typo, "processes[0].exchanges[0]", "unknown key \"ammount\"");
    const char *stage = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"making\",\"exchanges\":["
                        "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"}]}]}";
    expect_error(stage, "processes[0]", "unknown stage \"making\"");
    const char *gas = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                      "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"unobtainium\",\"amount\":1,\"unit\":\"kg\"}]}]}";
    expect_error(gas, "processes[0].exchanges[1]", "not a greenhouse gas");
    const char *nosrc = HEAD "\"factors\":[{\"id\":\"f\",\"value\":1,\"unit\":\"kg\"}],\"processes\":[]}";
    expect_error(nosrc, "factors[0]", "missing required key \"source\"");
    const char *nan = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1e999,\"unit\":\"kg\"}]}]}";
    expect_error(nan, NULL, NULL);
    const char *dupkey = "{\"product\":{\"name\":\"p\",\"name\":\"q\"}}";
    expect_error(dupkey, NULL, "duplicate");
    const char *tri = HEAD "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
                      "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"p\",\"amount\":1,\"unit\":\"kg\"},"
                      "{\"type\":\"elementary\",\"direction\":\"output\",\"gas\":\"CO2\",\"amount\":1,\"unit\":\"kg\","
                      "\"uncertainty\":{\"distribution\":\"triangular\",\"min\":2,\"mode\":3,\"max\":4}}]}]}";
    expect_error(tri, "uncertainty", "outside");
    /* size limit */
    io_model_options o;
    io_model_options_init(&o);
    o.max_bytes = 10;
    assert_int_equal(io_model_parse(unit, strlen(unit), "big.json", &o, &m, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "over the limit"));
}

static void test_examples_parse(void **state)
{
    (void)state;
    const char *src = getenv("TJ_SOURCE_DIR");
    assert_non_null(src);
    const char *files[] = {"examples/electrolytic-aluminium.json", "examples/tea.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", src, files[i]);
        io_model *m = NULL;
        tj_error err;
        tj_status st = io_model_load_file(path, NULL, &m, &err);
        if (st)
            fail_msg("%s: %s: %s", files[i], err.path, err.message);
        assert_int_equal(strlen(m->inputs_digest), 64);
        io_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),         cmocka_unit_test(test_loop),
        cmocka_unit_test(test_allocation),    cmocka_unit_test(test_biogenic),
        cmocka_unit_test(test_ar5_ar6),       cmocka_unit_test(test_factor_waste_cutoff),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_long_ids),        cmocka_unit_test(test_by_gas_factors),        cmocka_unit_test(test_examples_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for services/battery and services/cbam with hand-worked
 * numbers (docs/battery.md, docs/cbam.md), and their writers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/declare_out.h"
#include "services/battery.h"
#include "services/cbam.h"

static void near(double a, double b, const char *what, int line)
{
    if (!(fabs(a - b) <= 1e-9 * (fabs(b) + 1e-12)))
        fail_msg("line %d: %s is %.17g, want %.17g", line, what, a, b);
}
#define NEAR(a, b) near((a), (double)(b), #a, __LINE__)

/* One pack: materials 3500, manufacture 620.5, distribution 40, recycling
 * 262.05 kg CO2e, plus 100 kg in the use stage (in neither scheme); the
 * product is 2 packs, so the result is divided by 2. */
static const char *MODEL = "{\"product\": {\"name\": \"test pack\", \"unit\": \"piece\", \"amount\": 2, "
                           "\"boundary\": \"cradle-to-grave\","
                           "  \"process\": \"delivery\"},"
                           " \"processes\": ["
                           "  {\"id\": \"materials\", \"stage\": \"raw_materials\", \"exchanges\": ["
                           "    {\"type\": \"product\", \"direction\": \"output\", \"flow\": \"materials\", "
                           "\"amount\": 1, \"unit\": \"piece\"},"
                           "    {\"type\": \"elementary\", \"direction\": \"output\", \"gas\": \"CO2\", "
                           "\"amount\": 3500, \"unit\": \"kg\"}]},"
                           "  {\"id\": \"pack\", \"stage\": \"production\", \"exchanges\": ["
                           "    {\"type\": \"product\", \"direction\": \"output\", \"flow\": \"pack\", "
                           "\"amount\": 1, \"unit\": \"piece\"},"
                           "    {\"type\": \"product\", \"direction\": \"input\", \"flow\": \"materials\", "
                           "\"amount\": 1, \"unit\": \"piece\", \"provider\": \"materials\"},"
                           "    {\"type\": \"elementary\", \"direction\": \"output\", \"gas\": \"CO2\", "
                           "\"amount\": 620.5, \"unit\": \"kg\"}]},"
                           "  {\"id\": \"usephase\", \"stage\": \"use\", \"exchanges\": ["
                           "    {\"type\": \"product\", \"direction\": \"output\", \"flow\": \"use\", "
                           "\"amount\": 1, \"unit\": \"piece\"},"
                           "    {\"type\": \"elementary\", \"direction\": \"output\", \"gas\": \"CO2\", "
                           "\"amount\": 100, \"unit\": \"kg\"}]},"
                           "  {\"id\": \"delivery\", \"stage\": \"distribution\", \"exchanges\": ["
                           "    {\"type\": \"product\", \"direction\": \"output\", \"flow\": \"delivered "
                           "pack\", \"amount\": 1, \"unit\": \"piece\"},"
                           "    {\"type\": \"product\", \"direction\": \"input\", \"flow\": \"pack\", "
                           "\"amount\": 1, \"unit\": \"piece\", \"provider\": \"pack\"},"
                           "    {\"type\": \"product\", \"direction\": \"input\", \"flow\": \"use\", "
                           "\"amount\": 1, \"unit\": \"piece\", \"provider\": \"usephase\"},"
                           "    {\"type\": \"waste\", \"direction\": \"output\", \"flow\": \"spent pack\", "
                           "\"amount\": 1, \"unit\": \"piece\", \"provider\": \"recycling\"},"
                           "    {\"type\": \"elementary\", \"direction\": \"output\", \"gas\": \"CO2\", "
                           "\"amount\": 40, \"unit\": \"kg\"}]},"
                           "  {\"id\": \"recycling\", \"stage\": \"end_of_life\", \"exchanges\": ["
                           "    {\"type\": \"waste\", \"direction\": \"input\", \"flow\": \"spent pack\", "
                           "\"amount\": 1, \"unit\": \"piece\", \"reference\": true},"
                           "    {\"type\": \"elementary\", \"direction\": \"output\", \"gas\": \"CO2\", "
                           "\"amount\": 262.05, \"unit\": \"kg\"}]}"
                           "]}";

static const char *BATTERY =
    "{\"manufacturer\": {\"name\": \"测试电池\"}, \"battery_model\": \"T-1\", \"plant\": {\"name\": \"plant "
    "1\"},"
    " \"category\": \"ev\", \"rated_energy\": {\"amount\": 60, \"unit\": \"kWh\"},"
    " \"usable_energy\": {\"amount\": 57000, \"unit\": \"Wh\"},"
    " \"total_energy\": {\"method\": \"annual_cycles\", \"full_equivalent_cycles_per_year\": 250,"
    "   \"service_life_years\": 8, \"source\": \"test\"},"
    " \"study_url\": \"https://example.com/study\"}";

static json_t *parse(const char *s)
{
    json_error_t je;
    json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        fail_msg("test JSON: %s at %d:%d", je.text, je.line, je.column);
    return v;
}

static double num(const json_t *o, const char *path)
{
    /* "a.b.c" of objects */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *v = o;
    for (char *t = strtok(buf, "."); t && v; t = strtok(NULL, "."))
        v = json_object_get(v, t);
    if (!json_is_number(v))
        fail_msg("%s is not a number", path);
    return json_number_value(v);
}

static tj_status declare(const char *battery_text, const char *model_text, json_t **out, tj_error *err)
{
    json_t *b = parse(battery_text);
    svc_calc_request rq;
    svc_calc_request_init(&rq);
    rq.model_text = model_text;
    rq.model_len = strlen(model_text);
    rq.model_name = "test";
    tj_status st = svc_battery_declare(NULL, &rq, b, out, err);
    json_decref(b);
    return st;
}

static void test_battery_both_schemes(void **state)
{
    (void)state;
    json_t *d = NULL;
    tj_error err;
    tj_error_clear(&err);
    assert_int_equal(declare(BATTERY, MODEL, &d, &err), TJ_OK);
    /* total energy: 57 kWh (given in Wh) x 250 cycles/year x 8 years */
    double kwh = 57.0 * 250 * 8;
    NEAR(num(d, "total_energy.total_energy_kwh"), 114000);
    /* one calculation: the same per-pack stages in both schemes */
    NEAR(num(d, "calculation.kg_co2e_per_pack"), 4522.55);
    NEAR(num(d, "calculation.excluded_use_stage_kg_co2e_per_pack"), 100);
    NEAR(num(d, "miit.kg_co2e_per_kwh"), 4422.55 / kwh);
    NEAR(num(d, "eu.kg_co2e_per_kwh"), 4422.55 / kwh);
    NEAR(num(d, "miit.kg_co2e_per_pack"), 4422.55);
    const double want[4] = {3500, 620.5, 40, 262.05};
    for (int s = 0; s < 2; s++) {
        const json_t *st = json_object_get(json_object_get(d, s ? "eu" : "miit"), "stages");
        assert_int_equal(json_array_size(st), 4);
        for (size_t i = 0; i < 4; i++) {
            NEAR(json_number_value(json_object_get(json_array_get(st, i), "kg_co2e_per_pack")), want[i]);
            NEAR(json_number_value(json_object_get(json_array_get(st, i), "kg_co2e_per_kwh")), want[i] / kwh);
        }
    }
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(json_object_get(d, "eu"), "stages"), 3), "key")),
                        "end_of_life_and_recycling");
    assert_true(
        json_is_false(json_object_get(json_object_get(json_object_get(d, "eu"), "delegated_act"), "final")));
    assert_true(json_is_true(json_object_get(json_object_get(d, "miit"), "in_scope")));
    /* the use stage is named in a note */
    char *txt = json_dumps(json_object_get(d, "notes"), 0);
    assert_non_null(strstr(txt, "use-stage"));
    free(txt);
    /* the printable form: a report document, and a PDF */
    io_report *r = NULL;
    assert_int_equal(io_battery_report(d, &r, &err), TJ_OK);
    assert_true(r->zh && r->n >= 5);
    io_report_free(r);
    json_decref(d);
}

static void expect_error(const char *battery, const char *model, const char *path)
{
    json_t *d = NULL;
    tj_error err;
    tj_error_clear(&err);
    tj_status st = declare(battery, model, &d, &err);
    if (st != TJ_ERR_INPUT || strcmp(err.path, path))
        fail_msg("want an input error at %s, got %d at \"%s\": %s", path, st, err.path, err.message);
    assert_null(d);
}

static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    if (!p)
        fail_msg("test: %s not found", from);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *o = malloc(n);
    snprintf(o, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return o;
}

static void test_battery_bad_input(void **state)
{
    (void)state;
    struct {
        const char *from, *to, *path;
    } cases[] = {
        {"\"total_energy\": {\"method\": \"annual_cycles\", \"full_equivalent_cycles_per_year\": 250,"
         "   \"service_life_years\": 8, \"source\": \"test\"},",
         "", "total_energy"},
        {"\"usable_energy\": {\"amount\": 57000, \"unit\": \"Wh\"},", "", "usable_energy"},
        {"{\"amount\": 60, \"unit\": \"kWh\"}", "{\"amount\": 60, \"unit\": \"kg\"}", "rated_energy.unit"},
        {"{\"amount\": 60, \"unit\": \"kWh\"}", "{\"amount\": 60, \"unit\": \"kwh\"}", "rated_energy.unit"},
        {"{\"amount\": 60, \"unit\": \"kWh\"}", "{\"amount\": -60, \"unit\": \"kWh\"}",
         "rated_energy.amount"},
        {"\"service_life_years\": 8", "\"service_life_years\": 0", "total_energy.service_life_years"},
        {"\"service_life_years\": 8", "\"service_life_years\": \"8\"", "total_energy.service_life_years"},
        {"\"service_life_years\": 8", "\"cycles\": 8", "total_energy.cycles"},
        {"\"category\": \"ev\"", "\"category\": \"car\"", "category"},
        {"\"study_url\": \"https://example.com/study\"", "\"study_url\": \"example.com\"", "study_url"},
        {"\"battery_model\": \"T-1\"", "\"battery_modle\": \"T-1\"", "battery_modle"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *b = replace(BATTERY, cases[i].from, cases[i].to);
        expect_error(b, MODEL, cases[i].path);
        free(b);
    }
    /* a model that is not counted in packs */
    char *m = replace(MODEL, "\"unit\": \"piece\", \"amount\": 2", "\"unit\": \"kg\", \"amount\": 2");
    char *m2 = replace(m, "\"flow\": \"delivered pack\", \"amount\": 1, \"unit\": \"piece\"",
                       "\"flow\": \"delivered pack\", \"amount\": 1, \"unit\": \"kg\"");
    expect_error(BATTERY, m2, "product.unit");
    free(m);
    free(m2);
}

/* ---- CBAM ------------------------------------------------------------ */

static const char *HEAD =
    "{\"reporting_period\": {\"start\": \"2026-01-01\", \"end\": \"2026-12-31\"},"
    " \"installation\": {\"name\": \"test works\", \"country\": \"CN\"},"
    " \"electricity_factors\": [{\"id\": \"grid\", \"value\": 0.5306, \"unit\": \"kgCO2/kWh\","
    "   \"source\": \"MEE/NBS 2023 national average\"}],";

static json_t *cbam(const char *goods, tj_status want, const char *want_path)
{
    size_t n = strlen(HEAD) + strlen(goods) + 4;
    char *s = malloc(n);
    snprintf(s, n, "%s%s}", HEAD, goods);
    json_t *in = parse(s), *out = NULL;
    free(s);
    tj_error err;
    tj_error_clear(&err);
    tj_status st = svc_cbam_communication(NULL, in, &out, &err);
    json_decref(in);
    if (st != want || (want_path && strcmp(err.path, want_path)))
        fail_msg("want %d at %s, got %d at \"%s\": %s", want, want_path ? want_path : "-", st, err.path,
                 err.message);
    if (st)
        assert_null(out);
    return out;
}

static const json_t *good(const json_t *c, const char *id)
{
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(c, "goods"), i,
                       g) if (!strcmp(json_string_value(json_object_get(g, "id")), id)) return g;
    fail_msg("no good %s", id);
    return NULL;
}

static void test_cbam_simple(void **state)
{
    (void)state;
    /* clinker: 850 t direct, 60,000 kWh x 0.5306 kg/kWh = 31.836 t indirect, 1000 t made */
    json_t *c =
        cbam("\"goods\": [{\"id\": \"clinker\", \"name\": \"cement clinker\", \"cn_code\": \"25231000\","
             " \"sector\": \"cement\", \"activity_level\": {\"amount\": 1000000, \"unit\": \"kg\"},"
             " \"direct_emissions\": {\"amount\": 850, \"unit\": \"t\"},"
             " \"electricity\": {\"amount\": 60000, \"unit\": \"kWh\"}, \"electricity_factor\": \"grid\","
             " \"sector_parameters\": {\"clinker_factor\": 0.9}}]",
             TJ_OK, NULL);
    const json_t *g = good(c, "clinker");
    assert_string_equal(json_string_value(json_object_get(g, "cn_code")), "2523 10 00");
    NEAR(num(g, "see_direct"), 0.85);
    NEAR(num(g, "see_indirect"), 0.031836);
    NEAR(num(g, "see_counted"), 0.881836); /* cement counts indirect */
    NEAR(num(g, "default_share"), 0);
    NEAR(num(g, "embedded_electricity_mwh_per_t"), 0.06);
    NEAR(num(c, "emissions.indirect_tco2e"), 31.836);
    json_decref(c);
}

static const char *STEEL =
    "\"goods\": ["
    " {\"id\": \"hrc\", \"name\": \"hot-rolled coil\", \"cn_code\": \"7208 51 20\", \"sector\": "
    "\"iron_steel\","
    "  \"activity_level\": {\"amount\": 900, \"unit\": \"t\"}, \"direct_emissions\": {\"amount\": 90, "
    "\"unit\": \"t\"},"
    "  \"electricity\": {\"amount\": 100, \"unit\": \"MWh\"}, \"electricity_factor\": \"grid\","
    "  \"precursors\": [{\"good\": \"pig\", \"amount\": {\"amount\": 950, \"unit\": \"t\"}}],"
    "  \"carbon_price\": {\"instrument\": \"CN ETS\", \"currency\": \"CNY\", \"price_per_tco2e\": 60,"
    "    \"covered_share\": 0.5, \"rebate_share\": 0.2}},"
    " {\"id\": \"pig\", \"name\": \"pig iron\", \"cn_code\": \"72011011\", \"sector\": \"iron_steel\", "
    "\"precursor_only\": true,"
    "  \"activity_level\": {\"amount\": 1000, \"unit\": \"t\"}, \"direct_emissions\": {\"amount\": 1200, "
    "\"unit\": \"t\"},"
    "  \"electricity\": {\"amount\": 20, \"unit\": \"MWh\"}, \"electricity_factor\": \"grid\","
    "  \"precursors\": [{\"good\": \"sinter\", \"amount\": {\"amount\": 1500, \"unit\": \"t\"}}]},"
    " {\"id\": \"sinter\", \"name\": \"sinter\", \"cn_code\": \"2601 12 00\", \"sector\": \"iron_steel\", "
    "\"precursor_only\": true,"
    "  \"activity_level\": {\"amount\": 1500, \"unit\": \"t\"}, \"direct_emissions\": {\"amount\": 300, "
    "\"unit\": \"t\"},"
    "  \"electricity\": {\"amount\": 30, \"unit\": \"MWh\"}, \"electricity_factor\": \"grid\"}],"
    "\"deliveries\": [{\"good\": \"hrc\", \"quantity\": {\"amount\": 200, \"unit\": \"t\"}}]";

static void test_cbam_complex_two_levels(void **state)
{
    (void)state;
    json_t *c = cbam(STEEL, TJ_OK, NULL);
    /* sinter: 300/1500 = 0.2 direct; 30 x 0.5306 / 1500 = 0.010612 indirect */
    NEAR(num(good(c, "sinter"), "see_direct"), 0.2);
    NEAR(num(good(c, "sinter"), "see_indirect"), 0.010612);
    /* pig iron: (1200 + 1500 x 0.2) / 1000 = 1.5; (10.612 + 1500 x 0.010612) / 1000 = 0.02653 */
    NEAR(num(good(c, "pig"), "see_direct"), 1.5);
    NEAR(num(good(c, "pig"), "see_indirect"), 0.02653);
    /* coil: (90 + 950 x 1.5) / 900 = 1515/900; (53.06 + 950 x 0.02653) / 900 = 78.2635/900 */
    const json_t *h = good(c, "hrc");
    NEAR(num(h, "see_direct"), 1515.0 / 900);
    NEAR(num(h, "see_indirect"), 78.2635 / 900);
    NEAR(num(h, "see_counted"), 1515.0 / 900); /* iron and steel: direct only */
    NEAR(num(h, "see_total"), (1515.0 + 78.2635) / 900);
    /* carbon price: 1515/900 x 0.5 covered x 60 x (1 - 0.2) per t of coil */
    NEAR(num(h, "carbon_price.price_paid_per_t_good"), 1515.0 / 900 * 0.5 * 48);
    const json_t *line =
        json_array_get(json_object_get(json_object_get(c, "importer_declaration"), "lines"), 0);
    NEAR(num(line, "embedded_emissions_tco2e"), 200 * 1515.0 / 900);
    NEAR(num(c, "emissions.direct_tco2e"), 1590);
    json_decref(c);
}

static void test_cbam_defaults(void **state)
{
    (void)state;
    json_t *c = cbam(
        "\"goods\": ["
        " {\"id\": \"bars\", \"name\": \"aluminium bars\", \"cn_code\": \"7604 10 10\", \"sector\": "
        "\"aluminium\","
        "  \"activity_level\": {\"amount\": 100, \"unit\": \"t\"}, \"direct_emissions\": {\"amount\": 20, "
        "\"unit\": \"t\"},"
        "  \"electricity\": {\"amount\": 50, \"unit\": \"MWh\"}, \"electricity_factor\": \"grid\","
        "  \"precursors\": ["
        "   {\"name\": \"unwrought aluminium\", \"cn_code\": \"7601 10 00\", \"amount\": {\"amount\": 102, "
        "\"unit\": \"t\"},"
        "    \"see_direct\": 1.8, \"see_indirect\": 6.0, \"default_value\": true, \"source\": \"test "
        "default\"},"
        "   {\"name\": \"alloying metal\", \"amount\": {\"amount\": 2, \"unit\": \"t\"},"
        "    \"see_direct\": 5.0, \"see_indirect\": 0, \"source\": \"supplier communication\"}]},"
        " {\"id\": \"ingot\", \"name\": \"unwrought aluminium\", \"cn_code\": \"7601 10 00\", \"sector\": "
        "\"aluminium\","
        "  \"default_values\": {\"see_direct\": 1.8, \"see_indirect\": 6.0, \"source\": \"test default\"}},"
        " {\"id\": \"an\", \"name\": \"ammonium nitrate\", \"cn_code\": \"3102 30 10\", \"sector\": "
        "\"fertilisers\","
        "  \"activity_level\": {\"amount\": 100, \"unit\": \"t\"}, \"direct_emissions\": {\"amount\": 50, "
        "\"unit\": \"t\"},"
        "  \"precursors\": [{\"name\": \"ammonia\", \"amount\": {\"amount\": 45, \"unit\": \"t\"},"
        "    \"see_direct\": 2.0, \"see_indirect\": 0.4, \"default_value\": true, \"source\": \"test "
        "default\"}]}]",
        TJ_OK, NULL);
    /* bars: (20 + 183.6 + 10) / 100 = 2.136 direct, of which 1.836 from defaults */
    const json_t *b = good(c, "bars");
    NEAR(num(b, "see_direct"), 2.136);
    NEAR(num(b, "see_indirect"), (26.53 + 612) / 100);
    NEAR(num(b, "see_counted"), 2.136);
    NEAR(num(b, "default_share"), 1.836 / 2.136);
    assert_true(json_is_false(json_object_get(b, "uses_default_values")));
    /* a good reported on default values: all from defaults */
    const json_t *i = good(c, "ingot");
    assert_true(json_is_true(json_object_get(i, "uses_default_values")));
    NEAR(num(i, "see_counted"), 1.8);
    NEAR(num(i, "default_share"), 1);
    /* fertiliser counts indirect: (50 + 90) / 100 + 18 / 100 = 1.58, of which 1.08 from defaults */
    const json_t *a = good(c, "an");
    NEAR(num(a, "see_counted"), 1.58);
    NEAR(num(a, "default_share"), 1.08 / 1.58);
    json_decref(c);
}

static void test_cbam_bad_input(void **state)
{
    (void)state;
    struct {
        const char *from, *to, *path;
    } cases[] = {
        {"\"7208 51 20\"", "\"7208-51-20\"", "goods[0].cn_code"},
        {"\"7208 51 20\"", "\"720851\"", "goods[0].cn_code"},
        {"\"72011011\"", "\"7201101A\"", "goods[1].cn_code"},
        {"{\"amount\": 900, \"unit\": \"t\"}", "{\"amount\": -900, \"unit\": \"t\"}",
         "goods[0].activity_level.amount"},
        {"{\"amount\": 900, \"unit\": \"t\"}", "{\"amount\": 900, \"unit\": \"MWh\"}",
         "goods[0].activity_level.unit"},
        {"{\"amount\": 100, \"unit\": \"MWh\"}", "{\"amount\": 100, \"unit\": \"t\"}",
         "goods[0].electricity.unit"},
        {"\"sector\": \"iron_steel\"", "\"sector\": \"steel\"", "goods[0].sector"},
        {"\"precursor_only\": true,", "\"precursor_only\": true, \"colour\": 1,", "goods[1].colour"},
        {"{\"good\": \"sinter\"", "{\"good\": \"slag\"", "goods[1].precursors[0].good"},
        {"{\"good\": \"sinter\"", "{\"good\": \"hrc\"", "goods[0]"}, /* a loop: hrc <- pig <- hrc */
        {"\"covered_share\": 0.5", "\"covered_share\": 1.5", "goods[0].carbon_price.covered_share"},
        {"\"electricity_factor\": \"grid\"", "\"electricity_factor\": \"grid-2\"",
         "goods[0].electricity_factor"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *g = replace(STEEL, cases[k].from, cases[k].to);
        cbam(g, TJ_ERR_INPUT, cases[k].path);
        free(g);
    }
}

static void test_cn_code(void **state)
{
    (void)state;
    char out[11];
    assert_int_equal(svc_cbam_cn_code("72085120", "x", out, NULL), TJ_OK);
    assert_string_equal(out, "7208 51 20");
    assert_int_equal(svc_cbam_cn_code("7208 5120", "x", out, NULL), TJ_ERR_INPUT);
    assert_int_equal(svc_cbam_cn_code("", "x", out, NULL), TJ_ERR_INPUT);
    assert_int_equal(svc_cbam_cn_code("7208512０", "x", out, NULL), TJ_ERR_INPUT);
}

static void test_cbam_xlsx(void **state)
{
    (void)state;
    json_t *c = cbam(STEEL, TJ_OK, NULL);
    char *data = NULL;
    size_t len = 0;
    tj_error err;
    assert_int_equal(io_declare_render(c, "xlsx", &data, &len, &err), TJ_OK);
    assert_true(len > 1000 && !memcmp(data, "PK", 2));
    free(data);
    /* a directory that does not exist: an error, no file */
    assert_int_equal(io_cbam_xlsx(c, "/nonexistent-dir/x.xlsx", &err), TJ_ERR_IO);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_battery_both_schemes),
        cmocka_unit_test(test_battery_bad_input),
        cmocka_unit_test(test_cbam_simple),
        cmocka_unit_test(test_cbam_complex_two_levels),
        cmocka_unit_test(test_cbam_defaults),
        cmocka_unit_test(test_cbam_bad_input),
        cmocka_unit_test(test_cn_code),
        cmocka_unit_test(test_cbam_xlsx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for calc/lca: hand-worked closed-form product systems. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calc/gen.h"
#include "calc/lca.h"

#define assert_close(a, b, tol)                                                                              \
    do {                                                                                                     \
        double a_ = (a), b_ = (b);                                                                           \
        if (!(fabs(a_ - b_) <= (tol) * (1 + fabs(b_)))) {                                                    \
            print_error("%s = %.12g, expected %.12g\n", #a, a_, b_);                                         \
            fail();                                                                                          \
        }                                                                                                    \
    } while (0)

static int proc(calc_system *sys, const char *id, calc_stage st)
{
    int j = calc_system_add_process(sys, id, id, id, "kg", st, NULL);
    assert_true(j >= 0);
    return j;
}

static int flow(calc_system *sys, const char *id, const char *gas, calc_channel ch, double cf)
{
    calc_flow f = {.id = (char *)id, .name = (char *)id, .unit = "kg", .channel = ch, .cf = cf};
    if (gas)
        f.gas = tj_gas_find(gas);
    int k = calc_system_add_flow(sys, &f);
    assert_true(k >= 0);
    return k;
}

static void tech(calc_system *sys, int row, int col, double v)
{
    assert_int_equal(calc_system_add_tech(sys, row, col, v, NULL, NULL), TJ_OK);
}

static void elem(calc_system *sys, int k, int col, double v)
{
    assert_int_equal(calc_system_add_elem(sys, k, col, v, NULL, NULL), TJ_OK);
}

static calc_result *footprint_with(calc_system *sys, calc_solver_kind kind, int col, double amount)
{
    calc_options o;
    calc_options_init(&o);
    o.solver = kind;
    calc_context *ctx = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (calc_context_new(sys, &o, &ctx, &err) != TJ_OK) {
        print_error("context: %s\n", err.message);
        fail();
    }
    calc_result *res = NULL;
    if (calc_context_footprint(ctx, col, amount, CALC_DETAIL_ALL, &res, &err) != TJ_OK) {
        print_error("footprint: %s\n", err.message);
        fail();
    }
    calc_context_free(ctx); /* the result owns its memory */
    return res;
}

static calc_result *footprint(calc_system *sys, int col, double amount)
{
    return footprint_with(sys, CALC_SOLVER_AUTO, col, amount);
}

/* widget (production) uses 2 kWh of electricity (raw materials) per kg;
 * widget emits 1 kg CO2 directly, electricity 0.5 kg CO2/kWh. */
static calc_system *chain2(void)
{
    calc_system *sys = calc_system_new("chain");
    int w = proc(sys, "widget", CALC_STAGE_PRODUCTION);
    int e = proc(sys, "electricity", CALC_STAGE_RAW_MATERIALS);
    int co2 = flow(sys, "CO2/fossil", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, w, w, 1);
    tech(sys, e, w, -2);
    tech(sys, e, e, 1);
    elem(sys, co2, w, 1);
    elem(sys, co2, e, 0.5);
    return sys;
}

static void test_chain(void **state)
{
    (void)state;
    calc_system *sys = chain2();
    calc_result *r = footprint(sys, 0, 3);
    /* s = (3, 6); total = 3*1 + 6*0.5 = 6 */
    assert_close(r->total, 6, 1e-12);
    assert_close(r->channel[CALC_CH_FOSSIL], 6, 1e-12);
    assert_close(r->stage[CALC_STAGE_PRODUCTION], 3, 1e-12);
    assert_close(r->stage[CALC_STAGE_RAW_MATERIALS], 3, 1e-12);
    assert_int_equal(r->nproc, 2);
    assert_close(r->proc[0].share + r->proc[1].share, 1, 1e-12);
    assert_int_equal(r->ngas, 1);
    assert_string_equal(r->gas[0].gas, "CO2");
    assert_close(r->gas[0].amount, 6, 1e-12);
    assert_int_equal(r->ninv, 1);
    assert_close(r->inv[0].amount, 6, 1e-12);
    assert_close(r->inv[0].co2e, 6, 1e-12);
    assert_non_null(r->solver);
    assert_true(r->residual <= 1e-9);
    /* Path tree: root widget (3 kg, direct 3, upstream 6), child electricity (6 kWh). */
    assert_int_equal(r->npath, 2);
    assert_int_equal(r->path[0].parent, -1);
    assert_int_equal(r->path[0].col, 0);
    assert_close(r->path[0].amount, 3, 1e-12);
    assert_close(r->path[0].direct, 3, 1e-12);
    assert_close(r->path[0].upstream, 6, 1e-12);
    assert_close(r->path[0].share, 1, 1e-12);
    assert_int_equal(r->path[1].parent, 0);
    assert_int_equal(r->path[1].col, 1);
    assert_int_equal(r->path[1].depth, 1);
    assert_close(r->path[1].amount, 6, 1e-12);
    assert_close(r->path[1].direct, 3, 1e-12);
    assert_close(r->path[1].upstream, 3, 1e-12);
    assert_close(r->path[1].share, 0.5, 1e-12);
    assert_int_equal(r->dqr.coverage == 0, 1);
    assert_string_equal(r->dqr.rating, "unrated");
    calc_result_free(r);
    calc_system_free(sys);
}

/* Three-level chain with a product output of 2 units per activity, to check
 * that path amounts are in product units and the tree's values add up. */
static void test_path_tree_chain(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("chain3");
    int a = proc(sys, "bottle", CALC_STAGE_PRODUCTION);
    int b = proc(sys, "pet", CALC_STAGE_RAW_MATERIALS);
    int c = proc(sys, "truck", CALC_STAGE_DISTRIBUTION);
    int d = proc(sys, "diesel", CALC_STAGE_RAW_MATERIALS);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, a, a, 2);     /* 2 bottles per activity */
    tech(sys, b, a, -0.1);  /* 0.1 kg PET per activity: 0.05 kg per bottle */
    tech(sys, c, a, -0.02); /* 0.02 t*km per activity */
    tech(sys, b, b, 1);
    tech(sys, c, c, 1);
    tech(sys, d, c, -0.03); /* 0.03 kg diesel per t*km */
    tech(sys, d, d, 1);
    elem(sys, co2, a, 0.04); /* 0.02 per bottle */
    elem(sys, co2, b, 3);    /* 3 per kg PET */
    elem(sys, co2, c, 1);    /* combustion, 1 per t*km (toy value) */
    elem(sys, co2, d, 0.5);  /* diesel production */
    calc_result *r = footprint(sys, a, 10);
    /* s_a = 5, s_b = 0.5, s_c = 0.1, s_d = 0.003
     * total = 0.2 + 1.5 + 0.1 + 0.0015 = 1.8015 */
    assert_close(r->total, 1.8015, 1e-12);
    assert_close(r->stage[CALC_STAGE_DISTRIBUTION], 0.1, 1e-12);
    /* Default cut-off 1%: diesel (0.0015, 0.08%) is dropped, truck (0.1015) kept. */
    assert_int_equal(r->npath, 3);
    assert_int_equal(r->path[0].col, a);
    assert_close(r->path[0].direct, 0.2, 1e-12);
    assert_int_equal(r->path[1].col, b); /* larger sibling first */
    assert_close(r->path[1].amount, 0.5, 1e-12);
    assert_close(r->path[1].upstream, 1.5, 1e-12);
    assert_int_equal(r->path[2].col, c);
    assert_close(r->path[2].amount, 0.1, 1e-12);
    assert_close(r->path[2].direct, 0.1, 1e-12);
    assert_close(r->path[2].upstream, 0.1015, 1e-12);
    assert_close(r->path[0].upstream, r->path[0].direct + r->path[1].upstream + r->path[2].upstream, 1e-12);
    calc_result_free(r);

    /* No cut-off: diesel appears at depth 2 under the truck. */
    calc_options o;
    calc_options_init(&o);
    o.path_cutoff = 0;
    calc_context *ctx = NULL;
    tj_error err;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(ctx, a, 10, CALC_DETAIL_PATHS, &r, &err), TJ_OK);
    assert_int_equal(r->npath, 4);
    assert_int_equal(r->path[3].col, d);
    assert_int_equal(r->path[3].parent, 2);
    assert_int_equal(r->path[3].depth, 2);
    assert_close(r->path[3].amount, 0.003, 1e-12);
    assert_close(r->path[3].upstream, 0.0015, 1e-12);
    assert_int_equal(r->nproc, 0); /* not asked for */
    calc_result_free(r);
    /* Depth limit 1: only root and its direct suppliers. */
    calc_context_free(ctx);
    o.path_max_depth = 1;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(ctx, a, 10, CALC_DETAIL_PATHS, &r, &err), TJ_OK);
    assert_int_equal(r->npath, 3);
    calc_result_free(r);
    calc_context_free(ctx);
    calc_system_free(sys);
}

/* Electricity needs steel (0.01 kg/kWh), steel needs electricity (2 kWh/kg). */
static calc_system *loop_system(void)
{
    calc_system *sys = calc_system_new("loop");
    int e = proc(sys, "electricity", CALC_STAGE_RAW_MATERIALS);
    int s = proc(sys, "steel", CALC_STAGE_PRODUCTION);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, e, e, 1);
    tech(sys, s, e, -0.01);
    tech(sys, s, s, 1);
    tech(sys, e, s, -2);
    elem(sys, co2, e, 0.8);
    elem(sys, co2, s, 1.5);
    return sys;
}

static void test_loop(void **state)
{
    (void)state;
    calc_system *sys = loop_system();
    calc_result *r = footprint(sys, 1, 1);
    /* s_s = 1/0.98, s_e = 2/0.98; total = (1.6 + 1.5)/0.98 */
    assert_close(r->total, 3.1 / 0.98, 1e-12);
    assert_close(r->stage[CALC_STAGE_RAW_MATERIALS], 1.6 / 0.98, 1e-12);
    assert_close(r->stage[CALC_STAGE_PRODUCTION], 1.5 / 0.98, 1e-12);
    /* The tree walks the loop until the cut-off or depth ends it. */
    assert_true(r->npath >= 3 && r->npath <= 200);
    assert_close(r->path[0].upstream, r->total, 1e-12);
    for (int i = 0; i < r->npath; i++) {
        assert_true(r->path[i].depth <= 8);
        if (i > 0)
            assert_true(r->path[i].parent < i);
    }
    /* steel -> electricity (2 kWh, upstream 2 * u_e) */
    assert_int_equal(r->path[1].col, 0);
    assert_close(r->path[1].amount, 2, 1e-12);
    /* u_e = (0.8 + 0.01*1.5)/0.98 */
    assert_close(r->path[1].upstream, 2 * (0.8 + 0.015) / 0.98, 1e-12);
    calc_result_free(r);
    calc_system_free(sys);
}

/* A two-output farm allocated 0.75 (milk) / 0.25 (meat) before it gets here. */
static void test_allocation_shares(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("alloc");
    int meal = proc(sys, "meal", CALC_STAGE_PRODUCTION);
    int milk = proc(sys, "farm|milk", CALC_STAGE_RAW_MATERIALS);
    int meat = proc(sys, "farm|meat", CALC_STAGE_RAW_MATERIALS);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    const double farm = 4.0; /* kg CO2 per farm activity, making 1 kg milk and 1 kg meat */
    tech(sys, meal, meal, 1);
    tech(sys, milk, meal, -1);
    tech(sys, meat, meal, -2);
    tech(sys, milk, milk, 1);
    tech(sys, meat, meat, 1);
    elem(sys, co2, milk, 0.75 * farm);
    elem(sys, co2, meat, 0.25 * farm);
    calc_result *r = footprint(sys, meal, 1);
    assert_close(r->total, 0.75 * farm + 2 * 0.25 * farm, 1e-12);
    calc_result_free(r);
    /* The two allocated parts of one farm activity add up to the farm. */
    calc_result *r1 = footprint(sys, milk, 1), *r2 = footprint(sys, meat, 1);
    assert_close(r1->total + r2->total, farm, 1e-12);
    calc_result_free(r1);
    calc_result_free(r2);
    calc_system_free(sys);
}

/* Wood: uptake 1.8 kg CO2 (removal, cf -1), released at end of life (+1);
 * 0.2 kg fossil CO2 in production. */
static void test_biogenic_netting(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("wood");
    int chair = proc(sys, "chair", CALC_STAGE_PRODUCTION);
    int forest = proc(sys, "forestry", CALC_STAGE_RAW_MATERIALS);
    int burn = proc(sys, "incineration", CALC_STAGE_END_OF_LIFE);
    int fossil = flow(sys, "CO2/fossil", "CO2", CALC_CH_FOSSIL, 1);
    int bio = flow(sys, "CO2/biogenic", "CO2", CALC_CH_BIOGENIC, 1);
    int rem = flow(sys, "CO2/biogenic_removal", "CO2", CALC_CH_BIOGENIC_REMOVAL, -1);
    tech(sys, chair, chair, 1);
    tech(sys, forest, chair, -1);
    tech(sys, burn, chair, -1);
    tech(sys, forest, forest, 1);
    tech(sys, burn, burn, 1);
    elem(sys, rem, forest, 1.8);
    elem(sys, bio, burn, 1.8);
    elem(sys, fossil, chair, 0.2);
    calc_result *r = footprint(sys, chair, 1);
    assert_close(r->total, 0.2, 1e-12);
    assert_close(r->channel[CALC_CH_FOSSIL], 0.2, 1e-12);
    assert_close(r->channel[CALC_CH_BIOGENIC], 1.8, 1e-12);
    assert_close(r->channel[CALC_CH_BIOGENIC_REMOVAL], -1.8, 1e-12);
    assert_close(r->channel[CALC_CH_DLUC], 0, 1e-12);
    assert_close(r->stage[CALC_STAGE_RAW_MATERIALS], -1.8, 1e-12);
    assert_close(r->stage[CALC_STAGE_END_OF_LIFE], 1.8, 1e-12);
    /* by gas: CO2 net 0.2 kg emitted */
    assert_int_equal(r->ngas, 1);
    assert_close(r->gas[0].amount, 0.2, 1e-12);
    assert_close(r->gas[0].co2e, 0.2, 1e-12);
    /* Inventory keeps the three flows apart. */
    assert_int_equal(r->ninv, 3);
    assert_close(r->inv[2].co2e, -1.8, 1e-12);
    calc_result_free(r);
    calc_system_free(sys);
}

static double methane_product(tj_gwp_set set, int biogenic)
{
    const tj_gas *ch4 = tj_gas_find("CH4");
    assert_non_null(ch4);
    calc_system *sys = calc_system_new("rice");
    int p = proc(sys, "rice", CALC_STAGE_RAW_MATERIALS);
    int k1 =
        flow(sys, "CH4", "CH4", biogenic ? CALC_CH_BIOGENIC : CALC_CH_FOSSIL, tj_gas_gwp(ch4, set, biogenic));
    int k2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, p, p, 1);
    elem(sys, k1, p, 1.0);
    elem(sys, k2, p, 0.5);
    calc_result *r = footprint(sys, p, 1);
    double t = r->total;
    assert_string_equal(r->gas[0].gas, "CH4");
    assert_close(r->gas[0].amount, 1.0, 1e-12);
    calc_result_free(r);
    calc_system_free(sys);
    return t;
}

static void test_gwp_sets(void **state)
{
    (void)state;
    assert_close(methane_product(TJ_GWP_AR6, 0), 29.8 + 0.5, 1e-12);
    assert_close(methane_product(TJ_GWP_AR5, 0), 30 + 0.5, 1e-12);
    assert_close(methane_product(TJ_GWP_AR6, 1), 27.0 + 0.5, 1e-12);
    assert_close(methane_product(TJ_GWP_AR5, 1), 28 + 0.5, 1e-12);
}

static void test_dqr_weighting(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("dq");
    calc_dqi good = {1, 1, 1, 1}, fair = {3, 3, 3, 3}, mixed = {2, 1, 4, 1};
    int a = calc_system_add_process(sys, "a", "A", "a", "kg", CALC_STAGE_PRODUCTION, &good);
    int b = calc_system_add_process(sys, "b", "B", "b", "kg", CALC_STAGE_PRODUCTION, &fair);
    int c = calc_system_add_process(sys, "c", "C", "c", "kg", CALC_STAGE_PRODUCTION, NULL);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    int ch4 = flow(sys, "CH4", "CH4", CALC_CH_FOSSIL, 30);
    tech(sys, a, a, 1);
    tech(sys, b, b, 1);
    tech(sys, c, c, 1);
    tech(sys, b, a, -1);
    elem(sys, co2, a, 3); /* 3 kg CO2e rated 1 */
    elem(sys, co2, b, 1); /* 1 kg CO2e rated 3 */
    calc_result *r = footprint(sys, a, 1);
    assert_close(r->dqr.dqr, (3 * 1 + 1 * 3) / 4.0, 1e-12);
    assert_string_equal(r->dqr.rating, "excellent");
    assert_close(r->dqr.coverage, 1, 1e-12);
    calc_result_free(r);

    /* An unrated supplier lowers coverage, not the rating. */
    tech(sys, c, a, -1);
    elem(sys, co2, c, 1);
    r = footprint(sys, a, 1);
    assert_close(r->dqr.dqr, 1.5, 1e-12);
    assert_close(r->dqr.coverage, 4.0 / 5.0, 1e-12);
    calc_result_free(r);

    /* An exchange-level rating overrides its process's; uptake counts by |CO2e|. */
    assert_int_equal(calc_system_add_elem(sys, ch4, a, -0.1, NULL, &mixed), TJ_OK);
    r = footprint(sys, a, 1);
    /* weights: 3 (good), 1 (fair), 3 (mixed: ter 2, ger 1, tir 4, p 1), 1 unrated */
    assert_close(r->total, 3 + 1 + 1 - 3, 1e-12);
    assert_close(r->dqr.ter, (3 * 1 + 1 * 3 + 3 * 2) / 7.0, 1e-12);
    assert_close(r->dqr.tir, (3 * 1 + 1 * 3 + 3 * 4) / 7.0, 1e-12);
    assert_close(r->dqr.dqr,
                 (3 * 1 + 1 * 3 + 3 * 2) / 7.0 / 4 + (3 + 3 + 3) / 7.0 / 4 +
                     (3 * 1 + 1 * 3 + 3 * 4) / 7.0 / 4 + (3 + 3 + 3) / 7.0 / 4,
                 1e-12);
    assert_close(r->dqr.coverage, 7.0 / 8.0, 1e-12);
    assert_string_equal(r->dqr.rating, "very good"); /* 1.75 */
    calc_result_free(r);
    calc_system_free(sys);
}

static void test_cutoff_share(void **state)
{
    (void)state;
    calc_system *sys = chain2(); /* s = (1, 2) for one widget */
    /* widget: 2 kg linked inputs and a 0.1 kg cut-off per unit;
     * electricity: 0.5 kg linked and 0.05 kg cut off per kWh (x 2 kWh). */
    assert_int_equal(calc_system_add_input_mass(sys, 0, 2.0), TJ_OK);
    assert_int_equal(calc_system_add_input_mass(sys, 1, 0.5), TJ_OK);
    assert_int_equal(calc_system_add_cutoff(sys, 0, "label glue", 0.1, "kg", 0.1), TJ_OK);
    assert_int_equal(calc_system_add_cutoff(sys, 1, "lubricant", 0.05, "kg", 0.05), TJ_OK);
    assert_int_equal(calc_system_add_cutoff(sys, 1, "maintenance service", 0.001, "USD", NAN), TJ_OK);
    calc_result *r = footprint(sys, 0, 1);
    assert_close(r->cutoff_share, 0.2 / (0.2 + 3.0), 1e-12);
    assert_int_equal(r->ncut, 3);
    assert_int_equal(r->cut[1], 1);
    assert_close(r->cut_amount[1], 0.1, 1e-12);
    assert_close(r->cut_amount[2], 0.002, 1e-12);
    calc_result_free(r);
    /* Electricity alone: widget's cut-off is not reached. */
    r = footprint(sys, 1, 1);
    assert_int_equal(r->ncut, 2);
    assert_close(r->cutoff_share, 0.05 / 0.55, 1e-12);
    calc_result_free(r);
    calc_system_free(sys);
}

static void test_singular_named(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("bad");
    int a = proc(sys, "good-process", 0);
    int b = proc(sys, "no-output-process", 0);
    tech(sys, a, a, 1);
    tech(sys, b, a, -1);
    calc_context *ctx = NULL;
    tj_error err;
    tj_error_clear(&err);
    assert_int_equal(calc_context_new(sys, NULL, &ctx, &err), TJ_ERR_NUMERIC);
    assert_null(ctx);
    assert_non_null(strstr(err.message, "no-output-process"));
    calc_system_free(sys);

    /* Bad demand and empty system. */
    sys = chain2();
    assert_int_equal(calc_context_new(sys, NULL, &ctx, &err), TJ_OK);
    calc_result *r = NULL;
    assert_int_equal(calc_context_footprint(ctx, 7, 1, 0, &r, &err), TJ_ERR_INPUT);
    assert_int_equal(calc_context_footprint(ctx, 0, NAN, 0, &r, &err), TJ_ERR_INPUT);
    assert_null(r);
    calc_context_free(ctx);
    calc_system_free(sys);
    sys = calc_system_new("empty");
    assert_int_equal(calc_context_new(sys, NULL, &ctx, &err), TJ_ERR_INPUT);
    calc_system_free(sys);
}

/* Random sparse system with loops: n processes, each using k random others. */
static calc_system *random_system(int n, int k, unsigned seed, int with_dist)
{
    calc_system *sys = calc_system_new("random");
    char id[32];
    srand(seed);
    for (int j = 0; j < n; j++) {
        snprintf(id, sizeof id, "p%d", j);
        proc(sys, id, (calc_stage)(j % CALC_STAGE_COUNT));
    }
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    int ch4 = flow(sys, "CH4", "CH4", CALC_CH_FOSSIL, 29.8);
    for (int j = 0; j < n; j++) {
        calc_dist dd = {CALC_DIST_NORMAL, 1.0, 0.01, 0};
        assert_int_equal(calc_system_add_tech(sys, j, j, 1.0, with_dist ? &dd : NULL, NULL), TJ_OK);
        for (int t = 0; t < k; t++) {
            int i = rand() % n;
            if (i == j)
                continue;
            double v = -(0.5 / k) * (rand() / (double)RAND_MAX);
            calc_dist d = {CALC_DIST_LOGNORMAL, v, 1.1, 0};
            assert_int_equal(calc_system_add_tech(sys, i, j, v, with_dist ? &d : NULL, NULL), TJ_OK);
        }
        double e = rand() / (double)RAND_MAX;
        calc_dist de = {CALC_DIST_LOGNORMAL, e, 1.2, 0};
        assert_int_equal(calc_system_add_elem(sys, co2, j, e, with_dist ? &de : NULL, NULL), TJ_OK);
        if (j % 7 == 0) {
            calc_dist dt = {CALC_DIST_TRIANGULAR, 0.001, 0.002, 0.004};
            assert_int_equal(calc_system_add_elem(sys, ch4, j, 0.002, with_dist ? &dt : NULL, NULL), TJ_OK);
        }
    }
    return sys;
}

static void check_tree(const calc_result *r, int max_depth)
{
    assert_int_equal(r->path[0].parent, -1);
    for (int i = 1; i < r->npath; i++) {
        const calc_path_node *nd = &r->path[i];
        assert_true(nd->parent >= 0 && nd->parent < i);
        assert_int_equal(nd->depth, r->path[nd->parent].depth + 1);
        assert_true(nd->depth <= max_depth);
        /* pre-order: a node's parent is the nearest earlier node one level up */
        int j = i - 1;
        while (r->path[j].depth >= nd->depth)
            j--;
        assert_int_equal(j, nd->parent);
    }
}

static void test_path_limits(void **state)
{
    (void)state;
    calc_system *sys = random_system(300, 4, 3, 0);
    calc_options o;
    calc_options_init(&o);
    o.path_cutoff = 0;
    o.path_max_nodes = 1000;
    o.path_max_depth = 6;
    calc_context *ctx = NULL;
    tj_error err;
    calc_result *r = NULL;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(ctx, 5, 2, CALC_DETAIL_PATHS, &r, &err), TJ_OK);
    assert_int_equal(r->npath, 1000);
    check_tree(r, 6);
    /* Siblings come largest first. */
    double prev = INFINITY;
    for (int i = 1; i < r->npath; i++)
        if (r->path[i].parent == 0) {
            assert_true(fabs(r->path[i].upstream) <= prev);
            prev = fabs(r->path[i].upstream);
        }
    calc_result_free(r);
    calc_context_free(ctx);

    o.path_max_nodes = 5;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(ctx, 5, 2, CALC_DETAIL_PATHS, &r, &err), TJ_OK);
    assert_int_equal(r->npath, 5);
    check_tree(r, 6);
    calc_result_free(r);
    calc_context_free(ctx);
    calc_system_free(sys);
}

static void test_solvers_agree(void **state)
{
    (void)state;
    calc_system *sys = random_system(400, 5, 42, 0);
    calc_result *r1 = footprint_with(sys, CALC_SOLVER_KLU, 3, 1);
    calc_result *r2 = footprint_with(sys, CALC_SOLVER_ITERATIVE, 3, 1);
    assert_true(r1->total > 0);
    assert_close(r2->total, r1->total, 1e-8);
    for (int s = 0; s < CALC_STAGE_COUNT; s++)
        assert_close(r2->stage[s], r1->stage[s], 1e-8);
    assert_string_not_equal(r1->solver, r2->solver);
    assert_int_equal(r1->npath > 1, 1);
    assert_close(r2->path[0].upstream, r1->path[0].upstream, 1e-8);
    calc_result_free(r1);
    calc_result_free(r2);
    calc_system_free(sys);

    sys = loop_system();
    r1 = footprint_with(sys, CALC_SOLVER_KLU, 1, 1);
    r2 = footprint_with(sys, CALC_SOLVER_ITERATIVE, 1, 1);
    assert_close(r2->total, 3.1 / 0.98, 1e-9);
    assert_close(r1->total, 3.1 / 0.98, 1e-12);
    calc_result_free(r1);
    calc_result_free(r2);
    calc_system_free(sys);
}

static void test_unit_totals(void **state)
{
    (void)state;
    for (calc_solver_kind kind = CALC_SOLVER_KLU; kind <= CALC_SOLVER_ITERATIVE; kind++) {
        calc_system *sys = random_system(150, 4, 11, 0);
        /* a biogenic channel too */
        int bio = flow(sys, "CO2/bio", "CO2", CALC_CH_BIOGENIC, 1);
        for (int j = 0; j < sys->n; j += 3)
            elem(sys, bio, j, 0.1 * (j % 5));
        calc_options o;
        calc_options_init(&o);
        o.solver = kind;
        calc_context *ctx = NULL;
        tj_error err;
        assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
        int n = sys->n;
        double *tot = malloc((size_t)n * sizeof *tot);
        double *ch = malloc((size_t)n * CALC_CH_COUNT * sizeof *ch);
        assert_int_equal(calc_context_unit_totals(ctx, tot, ch, &err), TJ_OK);
        for (int j = 0; j < n; j += 7) {
            calc_result *r = NULL;
            assert_int_equal(calc_context_footprint(ctx, j, 1, 0, &r, &err), TJ_OK);
            assert_close(tot[j], r->total, 1e-7);
            for (int c = 0; c < CALC_CH_COUNT; c++)
                assert_close(ch[(size_t)c * n + j], r->channel[c], 1e-7);
            calc_result_free(r);
        }
        assert_true(ch[(size_t)CALC_CH_BIOGENIC * n + 3] > 0);
        free(tot);
        free(ch);
        calc_context_free(ctx);
        calc_system_free(sys);
    }
}

/* calc --all's rows from transposed solves against one forward solve per
 * product, for every solver kind: a loop core, a triangular tail with
 * cut-offs (with and without a mass), product input masses, a co-product
 * credit (a positive off-diagonal) whose consumers must not be claimed
 * exact, and a process with no inputs. */
static void test_unit_rows(void **state)
{
    (void)state;
    calc_system *sys = random_system(120, 3, 5, 0);
    char id[32];
    srand(17);
    for (int j = 120; j < 201; j++) {
        snprintf(id, sizeof id, "t%d", j);
        proc(sys, id, CALC_STAGE_PRODUCTION);
        tech(sys, j, j, 1.0 + (j % 3));
        for (int t = 0; t < 2 && j < 200; t++)
            tech(sys, rand() % j, j, -0.3 * (0.1 + rand() / (double)RAND_MAX));
        if (j % 4 == 0 && j < 200)
            assert_int_equal(calc_system_add_input_mass(sys, j, 0.5 + j % 5), TJ_OK);
        if (j % 9 == 0 && j < 200)
            assert_int_equal(calc_system_add_cutoff(sys, j, "glue", 0.1, "kg", 0.1 * (j % 7)), TJ_OK);
        if (j % 11 == 0 && j < 200)
            assert_int_equal(calc_system_add_cutoff(sys, j, "service", 0.1, "USD", NAN), TJ_OK);
    }
    assert_int_equal(calc_system_add_cutoff(sys, 7, "catalyst", 0.01, "kg", 0.01), TJ_OK);
    tech(sys, 10, 150, 0.2); /* 150 also delivers some of product 10 */
    tech(sys, 150, 160, -0.5);
    int bio = flow(sys, "CO2/bio", "CO2", CALC_CH_BIOGENIC, 1);
    for (int j = 0; j < sys->n; j += 3)
        elem(sys, bio, j, 0.1 * (j % 5));
    int n = sys->n;
    static const calc_solver_kind kinds[] = {CALC_SOLVER_AUTO, CALC_SOLVER_KLU, CALC_SOLVER_ITERATIVE,
                                             CALC_SOLVER_BLOCK_KLU, CALC_SOLVER_BLOCK_ITERATIVE};
    for (size_t kk = 0; kk < sizeof kinds / sizeof *kinds; kk++) {
        calc_options o;
        calc_options_init(&o);
        o.solver = kinds[kk];
        calc_context *ctx = NULL;
        tj_error err;
        assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
        calc_unit_rows ur;
        assert_int_equal(calc_context_unit_rows(ctx, &ur, &err), TJ_OK);
        assert_int_equal(ur.n, n);
        int exact = 0, with_cut = 0, shared = 0;
        for (int j = 0; j < n; j++) {
            calc_result *r = NULL;
            assert_int_equal(calc_context_footprint(ctx, j, 1, 0, &r, &err), TJ_OK);
            assert_close(ur.total[j], r->total, 1e-7);
            for (int c = 0; c < CALC_CH_COUNT; c++)
                assert_close(ur.channel[(size_t)c * n + j], r->channel[c], 1e-7);
            if (ur.exact[j]) {
                exact++;
                assert_int_equal(ur.ncut[j], r->ncut);
                assert_true(fabs(ur.cutoff_share[j] - r->cutoff_share) <= 1e-9);
                with_cut += r->ncut > 0;
                shared += r->cutoff_share > 0 && r->cutoff_share < 1;
            }
            calc_result_free(r);
        }
        /* the credit's process and its consumer are never claimed */
        assert_false(ur.exact[150]);
        assert_false(ur.exact[160]);
        assert_true(ur.exact[200]);
        assert_true(ur.cutoff_share[200] == 0 && ur.ncut[200] == 0);
        if (calc_solver_checks_loop_gain(calc_context_solver(ctx))) {
            assert_true(exact >= n - 40);
            assert_true(with_cut > 100 && shared > 20);
        } else {
            assert_true(exact >= 1 && exact < n - 40); /* nothing that reaches the loop */
        }
        calc_unit_rows_free(&ur);
        calc_context_free(ctx);
    }
    calc_system_free(sys);
}

/* More processes than one bitset window (4,096): the reach of supply
 * chains that cross windows, against forward solves. */
static void test_unit_rows_windows(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("long");
    char id[32];
    srand(23);
    int n = 9000;
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    for (int j = 0; j < n; j++) {
        snprintf(id, sizeof id, "p%d", j);
        proc(sys, id, CALC_STAGE_PRODUCTION);
        tech(sys, j, j, 1.0);
        for (int t = 0; t < 2 && j > 0; t++)
            tech(sys, t ? rand() % j : j - 1 - rand() % (j < 50 ? j : 50), j,
                 -0.4 * rand() / (double)RAND_MAX - 0.01);
        elem(sys, co2, j, 0.01 * (j % 13));
        if (j % 7 == 3)
            assert_int_equal(calc_system_add_cutoff(sys, j, "glue", 0.1, "kg", 0.01 * (j % 5)), TJ_OK);
        if (j % 5 == 1)
            assert_int_equal(calc_system_add_input_mass(sys, j, 1.0), TJ_OK);
    }
    calc_context *ctx = NULL;
    tj_error err;
    assert_int_equal(calc_context_new(sys, NULL, &ctx, &err), TJ_OK);
    calc_unit_rows ur;
    assert_int_equal(calc_context_unit_rows(ctx, &ur, &err), TJ_OK);
    int checked = 0;
    for (int j = 0; j < n; j += 47) {
        calc_result *r = NULL;
        assert_int_equal(calc_context_footprint(ctx, j, 1, 0, &r, &err), TJ_OK);
        assert_true(ur.exact[j]);
        assert_close(ur.total[j], r->total, 1e-9);
        assert_int_equal(ur.ncut[j], r->ncut);
        assert_true(fabs(ur.cutoff_share[j] - r->cutoff_share) <= 1e-9);
        /* the last window (8,192..8,999) holds at most 116 cut-offs: more
         * means the chain reaches back into other windows */
        checked += j >= 8192 && r->ncut > 120;
        calc_result_free(r);
    }
    assert_true(checked >= 8);
    calc_unit_rows_free(&ur);
    calc_context_free(ctx);
    calc_system_free(sys);
}

static int g_mc_chains; /* calc_options.mc_chains for run_mc */

static void run_mc(calc_system *sys, calc_solver_kind kind, int iters, uint64_t seed, calc_result **out)
{
    calc_options o;
    calc_options_init(&o);
    o.solver = kind;
    o.mc_chains = g_mc_chains;
    calc_context *ctx = NULL;
    tj_error err;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(ctx, 0, 1, CALC_DETAIL_TOTALS, out, &err), TJ_OK);
    double det = (*out)->total;
    if (calc_context_monte_carlo(ctx, *out, iters, seed, &err) != TJ_OK) {
        print_error("mc: %s\n", err.message);
        fail();
    }
    /* The context is deterministic again afterwards. */
    calc_result *again = NULL;
    assert_int_equal(calc_context_footprint(ctx, 0, 1, CALC_DETAIL_TOTALS, &again, &err), TJ_OK);
    assert_close(again->total, det, 1e-10);
    calc_result_free(again);
    calc_context_free(ctx);
}

static void test_monte_carlo_reproducible(void **state)
{
    (void)state;
    calc_system *sys = random_system(200, 4, 7, 1);
    calc_result *r1, *r2, *r3;
    run_mc(sys, CALC_SOLVER_KLU, 300, 12345, &r1);
    run_mc(sys, CALC_SOLVER_KLU, 300, 12345, &r2);
    run_mc(sys, CALC_SOLVER_KLU, 300, 999, &r3);
    assert_non_null(r1->uncertainty);
    assert_int_equal(r1->uncertainty->iterations, 300);
    assert_true(r1->uncertainty->seed == 12345);
    assert_memory_equal(&r1->uncertainty->total, &r2->uncertainty->total, sizeof(calc_stats));
    assert_memory_equal(r1->uncertainty->stage, r2->uncertainty->stage, sizeof r1->uncertainty->stage);
    assert_true(r1->uncertainty->total.mean != r3->uncertainty->total.mean);
    const calc_stats *t = &r1->uncertainty->total;
    assert_true(t->sd > 0);
    assert_true(t->p2_5 < t->p50 && t->p50 < t->p97_5);
    assert_true(t->p2_5 < r1->total && r1->total < t->p97_5);
    /* The iterative solver with warm starts samples the same numbers. */
    calc_result *r4;
    run_mc(sys, CALC_SOLVER_ITERATIVE, 300, 12345, &r4);
    assert_close(r4->uncertainty->total.mean, t->mean, 1e-7);
    assert_close(r4->uncertainty->total.p97_5, t->p97_5, 1e-7);
    calc_result_free(r1);
    calc_result_free(r2);
    calc_result_free(r3);
    calc_result_free(r4);
    calc_system_free(sys);
}

/* The histogram of the draws: counts sum to the draws, the range is min..max,
 * each draw lands in the bin whose edges hold it, constant draws fill bin 0;
 * and a Monte Carlo run's total carries one over its iterations. */
static void test_histogram_bins(void **state)
{
    (void)state;
    double v[1000];
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < 1000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[i] = 10.0 + (double)(s >> 11) / 9007199254740992.0 * (i % 3 ? 5.0 : 1.0); /* skewed */
    }
    v[17] = 7.5;  /* the minimum */
    v[900] = 20.25; /* the maximum */
    calc_histogram h;
    calc_histogram_of(v, 1000, &h);
    assert_true(h.lo == 7.5 && h.hi == 20.25);
    long sum = 0;
    for (int b = 0; b < CALC_MC_BINS; b++)
        sum += h.count[b];
    assert_int_equal(sum, 1000);
    assert_true(h.count[0] >= 1 && h.count[CALC_MC_BINS - 1] >= 1);
    double w = (h.hi - h.lo) / CALC_MC_BINS;
    int again[CALC_MC_BINS] = {0};
    for (int i = 0; i < 1000; i++) {
        int b = 0;
        while (b < CALC_MC_BINS - 1 && v[i] >= h.lo + (b + 1) * w * (1 + 1e-12))
            b++;
        again[b]++;
    }
    assert_memory_equal(again, h.count, sizeof again);
    /* one draw, and equal draws: all in bin 0 */
    double c[5] = {3, 3, 3, 3, 3};
    calc_histogram_of(c, 5, &h);
    assert_true(h.lo == 3 && h.hi == 3);
    assert_int_equal(h.count[0], 5);
    assert_int_equal(h.count[1], 0);
    calc_histogram_of(c, 1, &h);
    assert_int_equal(h.count[0], 1);

    calc_system *sys = random_system(200, 4, 7, 1);
    calc_result *r;
    run_mc(sys, CALC_SOLVER_KLU, 300, 12345, &r);
    const calc_histogram *t = &r->uncertainty->total_hist;
    sum = 0;
    for (int b = 0; b < CALC_MC_BINS; b++)
        sum += t->count[b];
    assert_int_equal(sum, 300);
    assert_true(t->lo < r->uncertainty->total.p2_5 && r->uncertainty->total.p97_5 < t->hi);
    assert_true(t->count[0] >= 1 && t->count[CALC_MC_BINS - 1] >= 1);
    calc_result_free(r);
    calc_system_free(sys);
}

/* Small normal noise on a linear chain: the MC mean equals the
 * deterministic value within sampling error; sd matches the closed form. */
static void test_monte_carlo_normal(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("mc");
    int w = proc(sys, "widget", CALC_STAGE_PRODUCTION);
    int e = proc(sys, "electricity", CALC_STAGE_RAW_MATERIALS);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, w, w, 1);
    tech(sys, e, e, 1);
    calc_dist dt = {CALC_DIST_UNIFORM, -2.02, -1.98, 0};
    assert_int_equal(calc_system_add_tech(sys, e, w, -2, &dt, NULL), TJ_OK);
    calc_dist d1 = {CALC_DIST_NORMAL, 1.0, 0.02, 0};
    calc_dist d2 = {CALC_DIST_NORMAL, 0.5, 0.01, 0};
    assert_int_equal(calc_system_add_elem(sys, co2, w, 1.0, &d1, NULL), TJ_OK);
    assert_int_equal(calc_system_add_elem(sys, co2, e, 0.5, &d2, NULL), TJ_OK);
    calc_result *r;
    run_mc(sys, CALC_SOLVER_AUTO, 4000, 1, &r);
    const calc_uncertainty *u = r->uncertainty;
    assert_close(r->total, 2.0, 1e-12);
    /* total = X1 + Y * X2, Y ~ U(1.98, 2.02), X1 ~ N(1, .02), X2 ~ N(.5, .01)
     * var = .02^2 + E[Y^2] .01^2 + .5^2 var(Y) */
    double vy = 0.04 * 0.04 / 12, ey2 = 4 + vy;
    double sd = sqrt(0.0004 + ey2 * 0.0001 + 0.25 * vy);
    assert_close(u->total.mean, 2.0, 3 * sd / sqrt(4000) + 1e-12);
    assert_true(fabs(u->total.sd - sd) < 0.05 * sd);
    assert_close(u->total.p50, 2.0, 0.01);
    assert_close(u->stage[CALC_STAGE_PRODUCTION].mean, 1.0, 0.002);
    assert_close(u->stage[CALC_STAGE_RAW_MATERIALS].mean, 1.0, 0.002);
    assert_true(u->stage[CALC_STAGE_USE].sd == 0);
    calc_result_free(r);
    calc_system_free(sys);
}

/* Lognormal: a is the median (sign kept for inputs), b the geometric sd;
 * triangular mean (min + mode + max) / 3. */
static void test_monte_carlo_distributions(void **state)
{
    (void)state;
    for (g_mc_chains = 1; g_mc_chains <= 2; g_mc_chains++) { /* one stream, two split ones */
        calc_system *sys = calc_system_new("dists");
        int w = proc(sys, "widget", CALC_STAGE_PRODUCTION);
        int e = proc(sys, "electricity", CALC_STAGE_RAW_MATERIALS);
        int t = proc(sys, "transport", CALC_STAGE_DISTRIBUTION);
        int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
        tech(sys, w, w, 1);
        tech(sys, e, e, 1);
        tech(sys, t, t, 1);
        tech(sys, t, w, -1);
        calc_dist ln = {CALC_DIST_LOGNORMAL, -2, 1.5, 0};
        assert_int_equal(calc_system_add_tech(sys, e, w, -2, &ln, NULL), TJ_OK);
        elem(sys, co2, w, 1);
        elem(sys, co2, e, 0.5);
        calc_dist tri = {CALC_DIST_TRIANGULAR, 0.1, 0.2, 0.6};
        assert_int_equal(calc_system_add_elem(sys, co2, t, 0.2, &tri, NULL), TJ_OK);
        calc_result *r;
        const int iters = 4000;
        run_mc(sys, CALC_SOLVER_AUTO, iters, 77, &r);
        const calc_uncertainty *u = r->uncertainty;
        double s2 = log(1.5) * log(1.5);
        /* raw materials = 0.5 * 2 exp(sigma Z): median 1, mean exp(s2 / 2) */
        const calc_stats *raw = &u->stage[CALC_STAGE_RAW_MATERIALS];
        double sd = exp(s2 / 2) * sqrt(exp(s2) - 1);
        assert_true(fabs(raw->mean - exp(s2 / 2)) < 4 * sd / sqrt(iters));
        assert_true(fabs(raw->p50 - 1) < 0.05);
        assert_true(raw->p2_5 > 0); /* the negative median kept the input positive-valued */
        assert_true(fabs(raw->p97_5 / raw->p50 - exp(1.959964 * log(1.5))) < 0.12);
        const calc_stats *dist = &u->stage[CALC_STAGE_DISTRIBUTION];
        double tsd = sqrt((0.01 + 0.04 + 0.36 - 0.02 - 0.06 - 0.12) / 18);
        assert_true(fabs(dist->mean - 0.3) < 4 * tsd / sqrt(iters));
        assert_true(dist->p2_5 >= 0.1 && dist->p97_5 <= 0.6);
        assert_true(fabs(dist->sd - tsd) < 0.05 * tsd);
        assert_true(u->stage[CALC_STAGE_PRODUCTION].sd == 0);
        calc_result_free(r);
        calc_system_free(sys);
    }
    g_mc_chains = 0;
}

/* The lognormal sampler over many items with different spreads (several
 * blocks of draws and a partial last one): a widget takes one unit from
 * each of K suppliers, each amount lognormal with median 1 and log-sd s_i,
 * and each supplier emits 1 kg CO2 (raw materials); that stage's total is
 * sum exp(s_i Z_i), of mean sum exp(s_i^2 / 2) and variance
 * sum exp(s_i^2) (exp(s_i^2) - 1).  One chain and two. */
static void test_monte_carlo_lognormal_moments(void **state)
{
    (void)state;
    const int K = 1001, iters = 3000;
    calc_system *sys = calc_system_new("moments");
    int w = proc(sys, "widget", CALC_STAGE_PRODUCTION);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, w, w, 1);
    double mean = 0, var = 0;
    for (int i = 0; i < K; i++) {
        char id[32];
        snprintf(id, sizeof id, "supplier-%d", i);
        int j = proc(sys, id, CALC_STAGE_RAW_MATERIALS);
        tech(sys, j, j, 1);
        double si = 0.02 + 0.3 * (i % 7) / 6.0;
        calc_dist d = {CALC_DIST_LOGNORMAL, -1, exp(si), 0};
        assert_int_equal(calc_system_add_tech(sys, j, w, -1, &d, NULL), TJ_OK);
        elem(sys, co2, j, 1);
        mean += exp(si * si / 2);
        var += exp(si * si) * (exp(si * si) - 1);
    }
    for (g_mc_chains = 1; g_mc_chains <= 2; g_mc_chains++) {
        calc_result *r;
        run_mc(sys, CALC_SOLVER_AUTO, iters, 31 + (uint64_t)g_mc_chains, &r);
        const calc_stats *raw = &r->uncertainty->stage[CALC_STAGE_RAW_MATERIALS];
        assert_true(fabs(raw->mean - mean) < 4 * sqrt(var / iters));
        assert_true(fabs(raw->sd / sqrt(var) - 1) < 0.08);
        assert_true(fabs(raw->p50 - mean) < 0.1 * sqrt(var)); /* a nearly normal sum */
        calc_result_free(r);
    }
    g_mc_chains = 0;
    calc_system_free(sys);
}

/* Exchanges that meet in one entry of A (a process buying the same product
 * three times: -1 drawn by d1, -0.5 fixed, -2 drawn by d2): the entry is the
 * fixed amount plus each drawn one, so the raw-materials stage has the mean
 * 0.5 + E|d1| + E|d2| and the variance var (mc_apply: the first item sets the
 * position, later ones add their deviation).  A draw that dropped any item,
 * or the fixed part, moves the mean by 3 to 6 standard errors or more. */
static void check_shared_position(const calc_dist *d1, const calc_dist *d2, double mean, double var,
                                  uint64_t seed)
{
    const int iters = 4000;
    calc_system *sys = calc_system_new("shared");
    int w = proc(sys, "widget", CALC_STAGE_PRODUCTION);
    int j = proc(sys, "supplier", CALC_STAGE_RAW_MATERIALS);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, w, w, 1);
    tech(sys, j, j, 1);
    assert_int_equal(calc_system_add_tech(sys, j, w, -1, d1, NULL), TJ_OK);
    assert_int_equal(calc_system_add_tech(sys, j, w, -0.5, NULL, NULL), TJ_OK);
    assert_int_equal(calc_system_add_tech(sys, j, w, -2, d2, NULL), TJ_OK);
    elem(sys, co2, j, 1);
    calc_result *r;
    run_mc(sys, CALC_SOLVER_AUTO, iters, seed, &r);
    assert_close(r->total, 3.5, 1e-12);
    const calc_stats *raw = &r->uncertainty->stage[CALC_STAGE_RAW_MATERIALS];
    if (!(fabs(raw->mean - mean) < 4 * sqrt(var / iters)))
        fail_msg("mean %.6f, expected %.6f +- %.6f", raw->mean, mean, 4 * sqrt(var / iters));
    assert_true(fabs(raw->sd / sqrt(var) - 1) < 0.1);
    assert_true(raw->p2_5 > 0.5); /* each draw keeps the fixed 0.5 */
    calc_result_free(r);
    calc_system_free(sys);
}

static void test_monte_carlo_shared_position(void **state)
{
    (void)state;
    const double s1 = 0.5, s2 = 0.5; /* equal spreads */
    calc_dist d1 = {CALC_DIST_LOGNORMAL, -1, exp(s1), 0}, d2 = {CALC_DIST_LOGNORMAL, -2, exp(s2), 0};
    /* every item lognormal: drawn straight into the values */
    check_shared_position(&d1, &d2, 0.5 + exp(s1 * s1 / 2) + 2 * exp(s2 * s2 / 2),
                          exp(s1 * s1) * (exp(s1 * s1) - 1) + 4 * exp(s2 * s2) * (exp(s2 * s2) - 1), 77);
    /* a uniform item: the draws are made one at a time, then applied */
    calc_dist du = {CALC_DIST_UNIFORM, -3, -1, 0};
    check_shared_position(&d1, &du, 0.5 + exp(s1 * s1 / 2) + 2, exp(s1 * s1) * (exp(s1 * s1) - 1) + 4.0 / 12.0,
                          78);
}

/* A lognormal draw that overflows (median -1e300, log-sd 10: above DBL_MAX
 * once Z > 2.1, about 1 draw in 50) is refused as a non-finite value, by the
 * check the sampler makes as it draws (the refactor's scan is skipped then),
 * with one chain and two, never passed on to the solver. */
static void test_monte_carlo_nonfinite_draw(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("overflow");
    int w = proc(sys, "widget", CALC_STAGE_PRODUCTION);
    int e = proc(sys, "electricity", CALC_STAGE_RAW_MATERIALS);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, w, w, 1);
    tech(sys, e, e, 1);
    calc_dist d = {CALC_DIST_LOGNORMAL, -1e300, exp(10.0), 0};
    assert_int_equal(calc_system_add_tech(sys, e, w, -1e300, &d, NULL), TJ_OK);
    elem(sys, co2, w, 1);
    for (int chains = 1; chains <= 2; chains++) {
        calc_options o;
        calc_options_init(&o);
        o.mc_chains = chains;
        calc_context *ctx;
        tj_error err;
        assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
        calc_result *r;
        assert_int_equal(calc_context_footprint(ctx, 0, 1.0, CALC_DETAIL_TOTALS, &r, &err), TJ_OK);
        assert_int_equal(calc_context_monte_carlo(ctx, r, 2000, 5, &err), TJ_ERR_NUMERIC);
        assert_non_null(strstr(err.message, "non-finite"));
        assert_null(r->uncertainty);
        calc_result_free(r);
        calc_context_free(ctx);
    }
    calc_system_free(sys);
}

/* A generated system of 2,000 processes with a loop core of 300 and 500
 * basic flows, uncertain entries included. */
static calc_system *gen_loop_system(uint64_t seed)
{
    calc_gen_params p;
    calc_gen_params_default(&p);
    p.n = 2000;
    p.core = 300;
    p.basic = 500;
    p.seed = seed;
    calc_gen_system g;
    tj_error err;
    assert_int_equal(calc_gen_generate(&p, &g, &err), TJ_OK);
    calc_system *sys = calc_gen_to_system(&g, 1.1, 1.2, &err);
    assert_non_null(sys);
    calc_gen_release(&g);
    return sys;
}

/* Two chains (split streams, a solver each): the same statistics to the bit
 * whichever threads run them, and what auto chooses for a system of 20,000
 * or more uncertain entries; one chain draws another stream from the same
 * distributions, so the means agree within their standard errors. */
static void test_monte_carlo_chains(void **state)
{
    (void)state;
    tj_error err;
    calc_system *sys = gen_loop_system(11);
    int nd = 0;
    for (int t = 0; t < sys->ntech; t++)
        nd += sys->tech[t].dist.kind != CALC_DIST_NONE;
    for (int t = 0; t < sys->nelem; t++)
        nd += sys->elem[t].dist.kind != CALC_DIST_NONE;
    assert_true(nd >= 20000); /* auto runs two chains */
    const int iters = 301;    /* odd: the chains' shares differ by one */
    const int chains[4] = {2, 2, 0, 1}, threads[4] = {1, 2, 0, 0};
    calc_uncertainty u[4];
    for (int v = 0; v < 4; v++) {
        calc_options o;
        calc_options_init(&o);
        o.mc_chains = chains[v];
        o.mc_threads = threads[v];
        calc_context *ctx;
        assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
        calc_result *r;
        assert_int_equal(calc_context_footprint(ctx, 0, 1.0, CALC_DETAIL_TOTALS, &r, &err), TJ_OK);
        assert_int_equal(calc_context_monte_carlo(ctx, r, iters, 2026, &err), TJ_OK);
        u[v] = *r->uncertainty;
        calc_result_free(r);
        calc_context_free(ctx);
    }
    for (int v = 1; v < 3; v++) {
        assert_memory_equal(&u[0].total, &u[v].total, sizeof u[0].total);
        assert_memory_equal(u[0].stage, u[v].stage, sizeof u[0].stage);
    }
    assert_true(u[0].total.sd > 0);
    assert_true(memcmp(&u[0].total, &u[3].total, sizeof u[0].total) != 0);
    double se = sqrt((u[0].total.sd * u[0].total.sd + u[3].total.sd * u[3].total.sd) / iters);
    assert_true(fabs(u[0].total.mean - u[3].total.mean) < 4 * se);
    assert_true(fabs(u[0].total.sd / u[3].total.sd - 1) < 0.25);
    calc_system_free(sys);
}

/* A sampler thread draws the same stream: identical statistics. */
static void test_monte_carlo_threads(void **state)
{
    (void)state;
    calc_system *sys = random_system(300, 5, 21, 1);
    calc_stats st[3];
    for (int th = 0; th <= 2; th++) {
        calc_options o;
        calc_options_init(&o);
        o.mc_threads = th;
        calc_context *ctx = NULL;
        calc_result *r = NULL;
        tj_error err;
        assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
        assert_int_equal(calc_context_footprint(ctx, 1, 1, 0, &r, &err), TJ_OK);
        assert_int_equal(calc_context_monte_carlo(ctx, r, 150, 4242, &err), TJ_OK);
        st[th] = r->uncertainty->total;
        calc_result_free(r);
        calc_context_free(ctx);
    }
    assert_memory_equal(&st[0], &st[1], sizeof st[0]);
    assert_memory_equal(&st[1], &st[2], sizeof st[0]);
    assert_true(st[2].sd > 0);
    calc_options o;
    calc_options_init(&o);
    o.mc_threads = 3;
    calc_context *ctx = NULL;
    tj_error err;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_ERR_USAGE);
    calc_system_free(sys);
}

static void test_monte_carlo_args(void **state)
{
    (void)state;
    calc_system *sys = chain2();
    calc_context *ctx = NULL;
    tj_error err;
    calc_result *r = NULL;
    assert_int_equal(calc_context_new(sys, NULL, &ctx, &err), TJ_OK);
    assert_int_equal(calc_context_footprint(ctx, 0, 1, 0, &r, &err), TJ_OK);
    assert_int_equal(calc_context_monte_carlo(ctx, r, 1, 1, &err), TJ_ERR_INPUT);
    assert_null(r->uncertainty);
    /* No distributions at all: every sample equals the deterministic value. */
    assert_int_equal(calc_context_monte_carlo(ctx, r, 10, 1, &err), TJ_OK);
    assert_close(r->uncertainty->total.mean, r->total, 1e-12);
    assert_true(r->uncertainty->total.sd < 1e-12);
    calc_result_free(r);
    calc_context_free(ctx);
    calc_system_free(sys);
}

/* Monte Carlo on a system whose KLU refactorisation is costly: AUTO keeps KLU
 * for the footprint but iterates with BiCGSTAB; the statistics agree with
 * forced KLU to solver precision (the same seed draws the same samples). */
static void test_monte_carlo_solver_switch(void **state)
{
    (void)state;
    tj_error err;
    calc_system *sys = gen_loop_system(5); /* 3,300 non-zeros in the loop: AUTO analyses it for KLU (3 Mflop) */
    calc_stats st[2];
    const char *names[2];
    calc_solver_kind kinds[2] = {CALC_SOLVER_AUTO, CALC_SOLVER_KLU};
    for (int k = 0; k < 2; k++) {
        calc_options o;
        calc_options_init(&o);
        o.solver = kinds[k];
        calc_context *ctx;
        assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_OK);
        assert_string_equal(calc_solver_name(calc_context_solver(ctx)), "klu");
        calc_result *r;
        assert_int_equal(calc_context_footprint(ctx, 0, 1.0, CALC_DETAIL_TOTALS, &r, &err), TJ_OK);
        assert_int_equal(calc_context_monte_carlo(ctx, r, 50, 99, &err), TJ_OK);
        st[k] = r->uncertainty->total;
        names[k] = r->uncertainty->solver;
        /* the deterministic factorisation is intact afterwards */
        calc_result *r2;
        assert_int_equal(calc_context_footprint(ctx, 0, 1.0, CALC_DETAIL_TOTALS, &r2, &err), TJ_OK);
        assert_true(fabs(r2->total - r->total) <= 1e-12 * fabs(r->total));
        calc_result_free(r2);
        calc_result_free(r);
        calc_context_free(ctx);
    }
    assert_string_equal(names[0], "gmres-dilu");
    assert_string_equal(names[1], "klu");
    assert_true(fabs(st[0].mean - st[1].mean) <= 1e-7 * fabs(st[1].mean));
    assert_true(fabs(st[0].p97_5 - st[1].p97_5) <= 1e-7 * fabs(st[1].p97_5));
    assert_true(st[0].sd > 0);
    calc_system_free(sys);
}

/* A loop that consumes more than it makes (steel needs 2 electricity, the
 * grid needs 0.6 steel: gain 1.2): the linear system has a solution with a
 * negative total, which must be an error naming the loop's processes. */
static void test_loop_gain_above_one_refused(void **state)
{
    (void)state;
    calc_system *sys = calc_system_new("bad loop");
    int e = proc(sys, "electricity", CALC_STAGE_RAW_MATERIALS);
    int s = proc(sys, "steel", CALC_STAGE_PRODUCTION);
    int co2 = flow(sys, "CO2", "CO2", CALC_CH_FOSSIL, 1);
    tech(sys, e, e, 1);
    tech(sys, s, e, -0.6);
    tech(sys, s, s, 1);
    tech(sys, e, s, -2);
    elem(sys, co2, e, 0.8);
    elem(sys, co2, s, 1.5);
    calc_options o;
    calc_options_init(&o);
    calc_context *ctx = NULL;
    tj_error err;
    assert_int_equal(calc_context_new(sys, &o, &ctx, &err), TJ_ERR_NUMERIC);
    assert_null(ctx);
    assert_non_null(strstr(err.message, "loop gain of 1 or more"));
    assert_non_null(strstr(err.message, "'electricity'"));
    assert_non_null(strstr(err.message, "'steel'"));
    calc_system_free(sys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_path_tree_chain),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_loop_gain_above_one_refused),
        cmocka_unit_test(test_allocation_shares),
        cmocka_unit_test(test_biogenic_netting),
        cmocka_unit_test(test_gwp_sets),
        cmocka_unit_test(test_dqr_weighting),
        cmocka_unit_test(test_cutoff_share),
        cmocka_unit_test(test_singular_named),
        cmocka_unit_test(test_solvers_agree),
        cmocka_unit_test(test_path_limits),
        cmocka_unit_test(test_unit_totals),
        cmocka_unit_test(test_unit_rows),
        cmocka_unit_test(test_unit_rows_windows),
        cmocka_unit_test(test_monte_carlo_reproducible),
        cmocka_unit_test(test_histogram_bins),
        cmocka_unit_test(test_monte_carlo_normal),
        cmocka_unit_test(test_monte_carlo_distributions),
        cmocka_unit_test(test_monte_carlo_threads),
        cmocka_unit_test(test_monte_carlo_chains),
        cmocka_unit_test(test_monte_carlo_lognormal_moments),
        cmocka_unit_test(test_monte_carlo_shared_position),
        cmocka_unit_test(test_monte_carlo_nonfinite_draw),
        cmocka_unit_test(test_monte_carlo_args),
        cmocka_unit_test(test_monte_carlo_solver_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

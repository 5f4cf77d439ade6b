/* Unit tests for services/rules: validation errors, region matching, precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "services/rules.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("TJ_SOURCE_DIR");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", src ? src : ".", rel);
    return buf;
}

static const char *VALID =
    "{\"format\":\"tanji-rule/1\",\"id\":\"x.rule\",\"version\":\"1.2\",\"title\":{\"zh\":\"测\","
    "\"en\":\"t\"},\"product\":{\"category\":\"alu\",\"name\":{\"zh\":\"铝\",\"en\":\"aluminium\"}},"
    "\"issuer\":\"body\",\"level\":\"local\",\"region\":\"530000\",\"status\":\"in_force\","
    "\"unit\":{\"kind\":\"declared\",\"amount\":1,\"unit\":\"t\"},\"boundary\":\"cradle-to-gate\","
    "\"required_stages\":[\"raw_materials\",\"production\"],"
    "\"required_inputs\":[{\"id\":\"electricity\",\"name\":{\"zh\":\"电力\",\"en\":\"electricity\"},"
    "\"stage\":\"production\"}],\"allocation\":{\"allowed\":[\"physical\"]}}";

static tj_status parse_with(const char *key_path, const char *patch, tj_error *err, svc_rule *r)
{
    /* patch: a JSON value set at key_path (top-level or "a.b"); NULL: unchanged */
    json_error_t je;
    json_t *doc = json_loads(VALID, 0, &je);
    assert_non_null(doc);
    if (key_path) {
        json_t *obj = doc;
        char kp[128];
        snprintf(kp, sizeof kp, "%s", key_path);
        char *dot = strchr(kp, '.');
        if (dot) {
            *dot = 0;
            obj = json_object_get(doc, kp);
        }
        const char *key = dot ? dot + 1 : kp;
        if (patch)
            json_object_set_new(obj, key, json_loads(patch, JSON_DECODE_ANY, &je));
        else
            json_object_del(obj, key);
    }
    tj_status st = svc_rule_parse(doc, "mem.json", r, err);
    json_decref(doc);
    return st;
}

static void test_parse_valid(void **state)
{
    (void)state;
    tj_error err;
    svc_rule r;
    assert_int_equal(parse_with(NULL, NULL, &err, &r), TJ_OK);
    assert_string_equal(r.id, "x.rule");
    assert_int_equal(r.level, SVC_LEVEL_LOCAL);
    assert_int_equal(r.stage_mask, 3u);
    assert_int_equal(r.n_inputs, 1);
    assert_int_equal(r.inputs[0].stage, SVC_STAGE_PRODUCTION);
    assert_int_equal(r.inputs[0].n_match, 2); /* defaults to the names */
    assert_true(r.cutoff_input == 0.01 && r.cutoff_total == 0.05);
    assert_true(r.dqr_max == 5);
    assert_string_equal(r.gwp, "AR6");
    svc_rule_release(&r);
}

static void expect_error(const char *key, const char *patch, const char *path, const char *msg)
{
    tj_error err;
    svc_rule r;
    assert_int_equal(parse_with(key, patch, &err, &r), TJ_ERR_INPUT);
    assert_string_equal(err.path, path);
    assert_string_equal(err.file, "mem.json");
    if (!strstr(err.message, msg))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, msg);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error("id", NULL, "id", "missing");
    expect_error("id", "\"a b\"", "id", "may only contain");
    expect_error("level", "\"provincial\"", "level", "unknown level");
    expect_error("region", NULL, "region", "local rule needs");
    expect_error("region", "\"5300\"", "region", "GB/T 2260");
    expect_error("status", "\"active\"", "status", "unknown status");
    expect_error("required_stages", "[\"production\",\"assembly\"]", "required_stages[1]",
                 "unknown stage \"assembly\"");
    expect_error("required_inputs", "[{\"id\":\"e\",\"name\":\"E\",\"stage\":\"x\"}]",
                 "required_inputs[0].stage", "unknown stage");
    expect_error("required_inputs", "[{\"id\":\"e\"}]", "required_inputs[0].name", "missing");
    expect_error("required_inputs", "[{\"id\":\"e\",\"name\":\"E\"},{\"id\":\"e\",\"name\":\"F\"}]",
                 "required_inputs[1]", "duplicate");
    expect_error("cutoff", "{\"per_input\":2}", "cutoff.per_input", "out of range");
    expect_error("allocation", "{\"allowed\":[\"mass\"]}", "allocation.allowed[0]",
                 "unknown allocation method");
    expect_error("dqr_max", "7", "dqr_max", "out of range");
    expect_error("unit.kind", "\"reference\"", "unit.kind", "declared");
    expect_error("boundary", "\"cradle-to-cradle\"", "boundary", "unknown boundary");
    expect_error("format", "\"tanji-rule/9\"", "format", "unsupported");
    expect_error("gwp", "\"SAR\"", "gwp", "unknown GWP");
}

static void test_regions(void **state)
{
    (void)state;
    assert_true(svc_region_valid("530000"));
    assert_false(svc_region_valid("53000"));
    assert_false(svc_region_valid("53000a"));
    assert_false(svc_region_valid("000000"));
    assert_true(svc_region_covers("530000", "530102"));
    assert_true(svc_region_covers("530100", "530102"));
    assert_false(svc_region_covers("530100", "530300"));
    assert_false(svc_region_covers("520000", "530000"));
    assert_true(svc_region_covers("530102", "530102"));
    assert_false(svc_region_covers("530102", "530100"));
}

static const svc_rule_verdict *verdict(svc_rule_verdict *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].rule->id, id))
            return &v[i];
    fail_msg("no verdict for %s", id);
    return NULL;
}

static void test_find_precedence(void **state)
{
    (void)state;
    svc_ruleset set = {0};
    tj_error err;
    assert_int_equal(svc_ruleset_load_dir(&set, src_path("tests/data/rules"), &err), TJ_OK);
    assert_int_equal(set.n, 11);
    svc_rule_verdict *v;
    size_t n;
    /* national in force displaces the Yunnan rule */
    assert_int_equal(svc_rules_find(&set, "alu", "530100", "2026-01-01", 0, &v, &n, &err), TJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].reason, SVC_APPLIES);
    assert_string_equal(v[0].rule->id, "test.cn.alu");
    assert_int_equal(verdict(v, n, "test.yn.alu")->reason, SVC_NOT_NATIONAL);
    free(v);
    /* before the national rule took effect, the local one applies */
    assert_int_equal(svc_rules_find(&set, "铝", "530100", "2024-06-01", 0, &v, &n, &err), TJ_OK);
    assert_int_equal(verdict(v, n, "test.cn.alu")->reason, SVC_NOT_FUTURE);
    assert_int_equal(verdict(v, n, "test.yn.alu")->reason, SVC_APPLIES);
    free(v);
    /* city over province; other provinces and withdrawn rules excluded */
    assert_int_equal(svc_rules_find(&set, "tea", "530102", "2026-01-01", 0, &v, &n, &err), TJ_OK);
    assert_int_equal(n, 4);
    assert_int_equal(verdict(v, n, "test.km.tea")->reason, SVC_APPLIES);
    assert_int_equal(verdict(v, n, "test.yn.tea")->reason, SVC_NOT_PRECEDENCE);
    assert_int_equal(verdict(v, n, "test.gz.tea")->reason, SVC_NOT_REGION);
    assert_int_equal(verdict(v, n, "test.yn.tea.old")->reason, SVC_NOT_WITHDRAWN);
    free(v);
    /* no region: local rules do not apply */
    assert_int_equal(svc_rules_find(&set, "tea", NULL, "2026-01-01", 0, &v, &n, &err), TJ_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(v[i].reason, SVC_APPLIES);
    free(v);
    /* supersession and future effective date */
    assert_int_equal(svc_rules_find(&set, "cement", NULL, "2026-01-01", 0, &v, &n, &err), TJ_OK);
    assert_int_equal(verdict(v, n, "test.cn.cement.v2")->reason, SVC_APPLIES);
    assert_int_equal(verdict(v, n, "test.cn.cement.v1")->reason, SVC_NOT_SUPERSEDED);
    assert_int_equal(verdict(v, n, "test.cn.cement.v3")->reason, SVC_NOT_FUTURE);
    free(v);
    assert_int_equal(svc_rules_find(&set, "cement", NULL, "2100-01-01", 0, &v, &n, &err), TJ_OK);
    assert_int_equal(verdict(v, n, "test.cn.cement.v3")->reason, SVC_APPLIES);
    assert_int_equal(verdict(v, n, "test.cn.cement.v2")->reason, SVC_NOT_SUPERSEDED);
    free(v);
    /* drafts only with include_drafts, and an in-force rule still wins */
    assert_int_equal(svc_rules_find(&set, "coffee", NULL, "2026-01-01", 1, &v, &n, &err), TJ_OK);
    assert_int_equal(verdict(v, n, "test.grp.coffee")->reason, SVC_APPLIES);
    assert_int_equal(verdict(v, n, "test.ind.coffee")->reason, SVC_NOT_PRECEDENCE);
    free(v);
    assert_int_equal(svc_rules_find(&set, "tea", "5301", NULL, 0, &v, &n, &err), TJ_ERR_INPUT);
    assert_string_equal(err.path, "region");
    assert_non_null(svc_ruleset_get(&set, "test.cn.alu@1.0"));
    assert_null(svc_ruleset_get(&set, "test.cn.alu@2.0"));
    svc_ruleset_release(&set);
}

static void test_shipped_templates(void **state)
{
    (void)state;
    svc_ruleset set = {0};
    tj_error err;
    tj_status st = svc_ruleset_load_dir(&set, src_path("data/rules"), &err);
    if (st)
        fail_msg("%s: %s: %s", err.file, err.path, err.message);
    /* 19 national key products + 15 more from the CNCA catalogue + 23 local */
    assert_int_equal(set.n, 57);
    for (size_t i = 0; i < set.n; i++) {
        assert_true(set.rules[i].is_template);
        assert_int_equal(set.rules[i].status, SVC_STATUS_DRAFT);
        assert_true(set.rules[i].n_inputs >= 3);
        /* templates never carry emission factors */
        char *s = json_dumps(set.rules[i].doc, 0);
        assert_null(strstr(s, "factor\""));
        assert_null(strstr(s, "CO2e"));
        free(s);
    }
    const svc_rule *alu = svc_ruleset_get(&set, "tpl.cn.electrolytic_aluminium");
    assert_non_null(alu);
    const char *want[] = {"electricity", "alumina", "carbon_anode"};
    for (size_t k = 0; k < 3; k++) {
        int found = 0;
        for (size_t i = 0; i < alu->n_inputs; i++)
            found |= !strcmp(alu->inputs[i].id, want[k]);
        assert_true(found);
    }
    svc_ruleset_release(&set);
}

static void test_load_dir_errors(void **state)
{
    (void)state;
    char dir[] = "/tmp/tj_rules_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"id\": \"x\",\n \"id\": 1}", f);
    fclose(f);
    svc_ruleset set = {0};
    tj_error err;
    assert_int_equal(svc_ruleset_load_dir(&set, dir, &err), TJ_ERR_INPUT);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 2);
    assert_int_equal(set.n, 0);
    remove(path);
    rmdir(dir);
    assert_int_equal(svc_ruleset_load_dir(&set, "/nonexistent/rules", &err), TJ_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),       cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_regions),           cmocka_unit_test(test_find_precedence),
        cmocka_unit_test(test_shipped_templates), cmocka_unit_test(test_load_dir_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

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
    /* unknown keys are refused everywhere, with their path */
    expect_error("titel", "\"x\"", "titel", "unknown field \"titel\"");
    expect_error("product.colour", "\"red\"", "product.colour", "unknown field \"colour\" (allowed: category");
    expect_error("unit.description", "{\"zh\":\"1吨\",\"de\":\"1 t\"}", "unit.description.de", "unknown field");
    expect_error("required_inputs", "[{\"id\":\"e\",\"name\":\"E\",\"matches\":[\"e\"]}]",
                 "required_inputs[0].matches", "unknown field");
    expect_error("cutoff", "{\"per_inputs\":0.01}", "cutoff.per_inputs", "unknown field");
    expect_error("product.codes", "[{\"scheme\":\"HS\",\"cod\":\"7601\"}]", "product.codes[0].cod",
                 "unknown field");
    /* the real standard behind the rule */
    static const char *std_ok = "{\"number\":\"T/X 1-2025\",\"level\":\"group\",\"list_batch\":3,"
                                "\"status\":\"listed\",\"verified\":false,\"source\":\"https://example.org/3\"";
    char buf[512];
    snprintf(buf, sizeof buf, "%s,\"numbr\":\"x\"}", std_ok);
    expect_error("standard", buf, "standard.numbr", "unknown field \"numbr\"");
    snprintf(buf, sizeof buf, "%s,\"title\":{\"zh\":\"x\",\"fr\":\"y\"}}", std_ok);
    expect_error("standard", buf, "standard.title.fr", "unknown field");
    snprintf(buf, sizeof buf, "%s,\"issued\":\"2025-13-01\"}", std_ok);
    expect_error("standard", buf, "standard.issued", "not a date");
    snprintf(buf, sizeof buf, "[%s}, {\"status\":\"planned\",\"verified\":false,\"source\":\"u\"}]", std_ok);
    expect_error("standard", buf, "standard[1].number", "\"number\" is missing");
    expect_error("standard", "{\"number\":\"T/X 1\",\"status\":\"none_known\",\"verified\":false,\"source\":\"u\","
                             "\"note\":\"n\"}",
                 "standard.number", "never invent");
    expect_error("standard", "{\"status\":\"none_known\",\"verified\":false,\"source\":\"u\"}", "standard.note",
                 "needs a \"note\"");
    expect_error("standard", "{\"number\":\"T/X 1\",\"status\":\"in_force\",\"source\":\"u\"}", "standard.verified",
                 "missing");
    expect_error("standard", "{\"number\":\"T/X 1\",\"status\":\"active\",\"verified\":true,\"source\":\"u\"}",
                 "standard.status", "unknown standard status");
    expect_error("standard", "{\"status\":\"listed\",\"verified\":false,\"source\":\"u\"}", "standard.list_batch",
                 "needs \"list_batch\"");
    expect_error("standard", "{\"number\":\"T/X 1\",\"status\":\"in_force\",\"verified\":false,\"source\":[]}",
                 "standard.source", "non-empty array");
    expect_error("standard", "{\"number\":\"T/X 1\",\"status\":\"in_force\",\"verified\":false,\"source\":[\"\"]}",
                 "standard.source[0]", "non-empty strings");
    expect_error("standard", "[]", "standard", "empty array");
}

static void expect_follow(const svc_rule *r, int zh, const char *want, const char *unwanted)
{
    char *t = svc_rule_follow_text(r, zh);
    assert_non_null(t);
    if (!strstr(t, want))
        fail_msg("follow text \"%s\" lacks \"%s\"", t, want);
    if (unwanted && strstr(t, unwanted))
        fail_msg("follow text \"%s\" contains \"%s\"", t, unwanted);
    free(t);
}

static void test_standard(void **state)
{
    (void)state;
    tj_error err;
    svc_rule r;
    /* no "standard": the rule says it names none */
    assert_int_equal(parse_with(NULL, NULL, &err, &r), TJ_OK);
    assert_int_equal(r.n_standards, 0);
    expect_follow(&r, 0, "does not name", NULL);
    expect_follow(&r, 1, "未注明", NULL);
    svc_rule_release(&r);

    assert_int_equal(parse_with("standard",
                                "[{\"number\":\"T/X 1-2025\",\"title\":{\"zh\":\"温室气体 某产品\",\"en\":\"GHG product\"},"
                                "\"issuer\":{\"zh\":\"某协会\",\"en\":\"an association\"},\"level\":\"group\","
                                "\"list_batch\":3,\"status\":\"listed\",\"verified\":false,"
                                "\"source\":[\"https://example.org/a\",\"https://example.org/b\"]},"
                                "{\"number\":\"GB/T 9-2026\",\"level\":\"national\",\"status\":\"in_force\","
                                "\"effective\":\"2026-05-01\",\"verified\":true,\"source\":\"https://example.org/c\"}]",
                                &err, &r),
                     TJ_OK);
    assert_int_equal(r.n_standards, 2);
    assert_string_equal(r.standards[0].number, "T/X 1-2025");
    assert_int_equal(r.standards[0].list_batch, 3);
    assert_int_equal(r.standards[0].status, SVC_STD_LISTED);
    assert_int_equal(r.standards[0].level, SVC_LEVEL_GROUP);
    assert_false(r.standards[0].verified);
    assert_int_equal(r.standards[0].n_sources, 2);
    assert_true(r.standards[1].verified);
    assert_string_equal(r.standards[1].effective, "2026-05-01");
    expect_follow(&r, 0, "Follow T/X 1-2025 \"GHG product\" (group standard, issued by an association, on MIIT", NULL);
    expect_follow(&r, 0, "batch 3", NULL);
    expect_follow(&r, 0, "See also GB/T 9-2026 (national standard, in force from 2026-05-01)", NULL);
    expect_follow(&r, 0, "UNVERIFIED", "未核实");
    expect_follow(&r, 1, "应遵循：T/X 1-2025《温室气体 某产品》（团体标准，某协会发布，已列入", NULL);
    expect_follow(&r, 1, "第3批", NULL);
    expect_follow(&r, 1, "未核实", "UNVERIFIED");
    svc_rule_release(&r);

    /* verified entries are not called UNVERIFIED */
    assert_int_equal(parse_with("standard",
                                "{\"number\":\"GB/T 9-2026\",\"status\":\"in_force\",\"verified\":true,"
                                "\"source\":\"https://example.org/c\"}",
                                &err, &r),
                     TJ_OK);
    expect_follow(&r, 0, "Follow GB/T 9-2026 (standard, in force)", "UNVERIFIED");
    svc_rule_release(&r);

    assert_int_equal(parse_with("standard",
                                "{\"status\":\"none_known\",\"verified\":false,\"source\":\"https://example.org/l\","
                                "\"note\":{\"zh\":\"已查阅清单。\",\"en\":\"Lists searched.\"}}",
                                &err, &r),
                     TJ_OK);
    expect_follow(&r, 0, "No carbon footprint standard for this product was found", "UNVERIFIED");
    expect_follow(&r, 0, "Lists searched.", NULL);
    expect_follow(&r, 1, "未找到该产品的碳足迹核算标准", "未核实");
    svc_rule_release(&r);
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
        /* every template says which standard is behind it, or that none is known */
        assert_true(set.rules[i].n_standards >= 1);
        for (size_t k = 0; k < set.rules[i].n_standards; k++)
            assert_false(set.rules[i].standards[k].verified); /* only secondary sources were seen */
    }
    /* numbers shipped in templates, each from research-2026-12.md section 1 or a page it
     * cites; a new number must be added here on purpose */
    static const char *const known[] = {"T/CISA 469-2024",   "T/CPCIF 0466-2025", "T/CPCIF 0467-2025",
                                        "T/CPCIF 0468-2025", "T/CPCIF 0391-2024", "T/CCIIA 0011-2025",
                                        "T/CQAE 12002-2024", "SJ/T 11926-2024",   "GB/T 46340-2025",
                                        "T/CECRPA 010-2024"};
    for (size_t i = 0; i < set.n; i++)
        for (size_t k = 0; k < set.rules[i].n_standards; k++) {
            const char *num = set.rules[i].standards[k].number;
            int ok = !num;
            for (size_t j = 0; num && j < sizeof known / sizeof *known; j++)
                ok |= !strcmp(num, known[j]);
            if (!ok)
                fail_msg("%s: standard number %s is not in the reviewed list", set.rules[i].id, num);
        }
    const svc_rule *h = svc_ruleset_get(&set, "tpl.cn.hydrogen");
    assert_non_null(h);
    assert_string_equal(h->standards[0].number, "T/CPCIF 0466-2025");
    assert_int_equal(h->standards[0].list_batch, 3);
    const svc_rule *ty = svc_ruleset_get(&set, "tpl.cn.tyre");
    assert_int_equal(ty->n_standards, 2);
    const svc_rule *pb = svc_ruleset_get(&set, "tpl.530000.lead");
    assert_int_equal(pb->standards[0].status, SVC_STD_NONE_KNOWN);
    assert_null(pb->standards[0].number);
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
        cmocka_unit_test(test_standard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Application scenarios end to end: green procurement, green finance, 碳普惠
 * and parks, with what must be refused (an expired label in a tender, a
 * bank reading a borrower who gave no consent, a purchase credited twice, a
 * credit for a revoked label).  SQLite, and PostgreSQL with --pg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "services/account.h"
#include "services/apps.h"
#include "services/cert.h"
#include "services/disclosure.h"
#include "services/footprint.h"
#include "services/grading.h"
#include "services/label.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "services/pact.h"
#include "services/pact_ledger.h"
#include "store/pact_sql.h"
#include "tj_testdb.h"

static char src_dir[1024];

typedef struct world {
    svc_ctx op, reg, a, b, body, buyer, bank, park, shop;
    ledger_key key;
    char *fp_a, *fp_b, *label_a, *label_b;
} world;

static void ok(tj_status st, const tj_error *err)
{
    if (st)
        fprintf(stderr, "error: %s (%s)\n", err->message, err->path);
    assert_int_equal(st, TJ_OK);
}

static char *save_footprint(svc_ctx *ctx)
{
    char path[1200], rules[1200];
    snprintf(path, sizeof path, "%s/tests/data/certifiable-aluminium.json", src_dir);
    snprintf(rules, sizeof rules, "%s/data/rules", src_dir);
    svc_calc_request rq;
    svc_calc_request_init(&rq);
    rq.model_path = path;
    svc_calculation c;
    tj_error err;
    ok(svc_calculate(ctx, &rq, &c, &err), &err);
    svc_footprint_save_opts so = {.rule = "tpl.cn.electrolytic_aluminium", .rules_dir = rules};
    char *id = NULL;
    ok(svc_footprint_save(ctx, &c, &so, &id, &err), &err);
    svc_calculation_release(&c);
    return id;
}

static void step(svc_ctx *ctx, const char *app, const char *action, const ledger_key *key)
{
    svc_cert_step_in in = {
        .action = action, .comment = "ok", .key = key, .public_url = "https://registry.example"};
    tj_error err;
    ok(svc_cert_step(ctx, app, &in, NULL, &err), &err);
}

static char *certify(world *w, svc_ctx *ent, const char *fp)
{
    tj_error err;
    char *app = NULL;
    ok(svc_cert_apply(ent, fp, "认证中心", &app, &err), &err);
    const char *acts[] = {"accept", "plan", "review_documents", "inspect", "verify", "evaluate"};
    for (size_t i = 0; i < 6; i++) {
        if (i)
            ok(svc_cert_document_add(i == 2 ? ent : &w->body, app, "r.txt", "text/plain", acts[i],
                                     strlen(acts[i]), NULL, &err),
               &err);
        step(&w->body, app, acts[i], NULL);
    }
    step(&w->body, app, "decide", &w->key);
    json_t *a = NULL;
    ok(svc_cert_application_get(ent, app, &a, &err), &err);
    char *number = strdup(json_string_value(json_object_get(a, "label_number")));
    json_decref(a);
    free(app);
    return number;
}

static void user(world *w, const char *org, const char *kind, const char *name, const char *roles,
                 svc_ctx *ctx)
{
    tj_error err;
    ok(svc_org_create(&w->op, org, kind, "530100", NULL, &err), &err);
    ok(svc_user_create(&w->op, name, org, roles, NULL, &err), &err);
    ok(svc_ctx_local(ctx, w->op.db, name, &err), &err);
}

static void setup_world(store_db *db, world *w)
{
    tj_error err;
    memset(w, 0, sizeof *w);
    setenv("TANJI_NOW", "2027-01-01T00:00:00Z", 1);
    ok(svc_ctx_local(&w->op, db, NULL, &err), &err);
    ok(svc_ledger_seed(&w->op, &err), &err);
    user(w, "监管局", "regulator", "reg", "regulator", &w->reg);
    user(w, "铝业A", "enterprise", "alice", "enterprise", &w->a);
    user(w, "铝业B", "enterprise", "bob", "enterprise", &w->b);
    user(w, "认证中心", "certification_body", "auditor", "verifier", &w->body);
    user(w, "采购中心", "enterprise", "buyer", "enterprise", &w->buyer);
    user(w, "绿色银行", "enterprise", "banker", "enterprise", &w->bank);
    user(w, "滇中园区", "enterprise", "parkadmin", "enterprise", &w->park);
    user(w, "低碳商城", "enterprise", "shop", "enterprise", &w->shop);
    char cat[1200];
    snprintf(cat, sizeof cat, "%s/data/certification/catalogue-cn-2025.json", src_dir);
    int n = 0;
    ok(svc_cert_catalogue_import(&w->reg, cat, &n, &err), &err);
    json_t *scope = json_pack("[s]", "electrolytic_aluminium");
    ok(svc_cert_body_register(&w->reg, "认证中心", NULL, scope, &err), &err);
    json_decref(scope);
    crypto_sign_keypair(w->key.pk, w->key.sk);
    ok(svc_cert_key_add(&w->reg, "认证中心", w->key.pk, NULL, &err), &err);
    json_t *th = json_pack("[f,f,f,f]", 5000.0, 10000.0, 15000.0, 20000.0);
    ok(svc_grade_benchmark_set(&w->reg, "electrolytic_aluminium", "thresholds", 5, 0, th, "test bands", NULL,
                               &err),
       &err);
    json_decref(th);
    w->fp_a = save_footprint(&w->a);
    w->fp_b = save_footprint(&w->b);
    w->label_a = certify(w, &w->a, w->fp_a);
    w->label_b = certify(w, &w->b, w->fp_b);
    /* application roles: only the operator grants them */
    assert_int_equal(svc_app_role_grant(&w->reg, "采购中心", "buyer", &err), TJ_ERR_PERM);
    assert_int_equal(svc_app_role_grant(&w->op, "采购中心", "broker", &err), TJ_ERR_INPUT);
    ok(svc_app_role_grant(&w->op, "采购中心", "buyer", &err), &err);
    ok(svc_app_role_grant(&w->op, "绿色银行", "bank", &err), &err);
    ok(svc_app_role_grant(&w->op, "滇中园区", "park", &err), &err);
    ok(svc_app_role_grant(&w->op, "低碳商城", "platform", &err), &err);
}

static void check_ledger(world *w)
{
    ledger_report vr;
    tj_error err;
    ok(svc_ledger_verify(&w->op, NULL, NULL, &vr, &err), &err);
    for (size_t i = 0; i < vr.nproblems; i++)
        fprintf(stderr, "problem: %s %s %s\n", vr.problems[i].object_type, vr.problems[i].object_id,
                vr.problems[i].detail);
    assert_int_equal(vr.nproblems, 0);
    ledger_report_release(&vr);
}

static void release_world(world *w)
{
    svc_ctx *c[] = {&w->op, &w->reg, &w->a, &w->b, &w->body, &w->buyer, &w->bank, &w->park, &w->shop};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        svc_ctx_release(c[i]);
    free(w->fp_a);
    free(w->fp_b);
    free(w->label_a);
    free(w->label_b);
    unsetenv("TANJI_NOW");
}

static double label_value(world *w, const char *number)
{
    json_t *v = NULL;
    tj_error err;
    ok(svc_label_get(&w->op, number, &v, &err), &err);
    double x = json_number_value(json_object_get(json_object_get(v, "label"), "value"));
    json_decref(v);
    return x;
}

static int has_text(const json_t *arr, const char *needle)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) && strstr(json_string_value(v), needle)) return 1;
    return 0;
}

static void test_procurement(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    json_t *spec = json_pack("{s:s,s:s,s:s,s:f,s:i,s:b,s:s,s:f,s:s}", "title", "原铝采购 2027", "category",
                             "electrolytic_aluminium", "declared_unit", "kg", "max_value", 20.0, "max_grade",
                             4, "label_required", 1, "rule", "tpl.cn.electrolytic_aluminium",
                             "primary_weight", 0.5, "deadline", "2027-02-01");
    char *req = NULL;
    assert_int_equal(svc_proc_require(&w.a, spec, &req, &err), TJ_ERR_PERM); /* not a buyer */
    ok(svc_proc_require(&w.buyer, spec, &req, &err), &err);
    /* offers: A with its label; B with A's label (refused); B with a disclosure */
    setenv("TANJI_NOW", "2027-01-15T00:00:00Z", 1);
    json_t *o1 = json_pack("{s:s,s:s}", "product", "原铝液", "label", w.label_a), *chk = NULL;
    char *off_a = NULL, *off_b = NULL;
    ok(svc_proc_offer(&w.a, req, o1, &off_a, &chk, &err), &err);
    assert_true(json_is_true(json_object_get(chk, "pass")));
    json_decref(chk);
    assert_int_equal(svc_proc_offer(&w.a, req, o1, NULL, NULL, &err), TJ_ERR_CONFLICT); /* twice */
    assert_int_equal(svc_proc_offer(&w.b, req, o1, NULL, NULL, &err), TJ_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "not the supplier"));
    char *disc = NULL;
    ok(svc_disclosure_publish(&w.b, w.fp_b, "public", NULL, NULL, &disc, &err), &err);
    json_t *o2 = json_pack("{s:s,s:s}", "product", "原铝液", "disclosure", disc);
    ok(svc_proc_offer(&w.b, req, o2, &off_b, NULL, &err), &err);
    /* the evaluation: A passes (converted to kg), B fails (no label) */
    json_t *ev = NULL;
    assert_int_equal(svc_proc_evaluate(&w.a, req, &ev, &err), TJ_ERR_PERM);
    ok(svc_proc_evaluate(&w.buyer, req, &ev, &err), &err);
    json_t *first = json_array_get(json_object_get(ev, "offers"), 0),
           *second = json_array_get(json_object_get(ev, "offers"), 1);
    assert_string_equal(json_string_value(json_object_get(first, "offer")), off_a);
    assert_true(json_is_true(json_object_get(first, "pass")));
    double v = label_value(&w, w.label_a); /* kg CO2e per t */
    assert_true(fabs(json_number_value(json_object_get(first, "value")) - v / 1000.0) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(first, "grade")), 3);
    double share = json_number_value(json_object_get(first, "primary_share"));
    assert_true(share > 0 && share < 1);
    assert_true(fabs(json_number_value(json_object_get(first, "score")) - v / 1000.0 * (1 - 0.5 * share)) <
                1e-9);
    assert_false(json_is_true(json_object_get(second, "pass")));
    assert_true(has_text(json_object_get(second, "reasons"), "label is required"));
    json_decref(ev);
    char *csv = NULL;
    ok(svc_proc_evaluation_csv(&w.buyer, req, &csv, &err), &err);
    assert_non_null(strstr(csv, w.label_a));
    assert_non_null(strstr(csv, "label is required"));
    free(csv);
    /* the decision: not before the deadline; not a failing offer; then A */
    assert_int_equal(svc_proc_decide(&w.buyer, req, off_a, "lowest", &err), TJ_ERR_CONFLICT);
    setenv("TANJI_NOW", "2027-03-01T00:00:00Z", 1);
    assert_int_equal(svc_proc_offer(&w.a, req, o2, NULL, NULL, &err), TJ_ERR_CONFLICT); /* closed */
    assert_int_equal(svc_proc_decide(&w.buyer, req, off_b, "x", &err), TJ_ERR_CONFLICT);
    assert_int_equal(svc_proc_decide(&w.a, req, off_a, "x", &err), TJ_ERR_PERM);
    ok(svc_proc_decide(&w.buyer, req, off_a, "lowest footprint / 碳足迹最低", &err), &err);
    assert_int_equal(svc_proc_decide(&w.buyer, req, off_a, "again", &err), TJ_ERR_CONFLICT);
    json_t *r = NULL;
    ok(svc_proc_get(&w.buyer, req, &r, &err), &err);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "awarded");
    json_decref(r);
    assert_int_equal(svc_proc_get(&w.b, req, &r, &err), TJ_ERR_NOTFOUND); /* decided: the buyer's */
    /* an expired label in a tender is refused */
    json_object_set_new(spec, "deadline", json_string("2100-01-01"));
    char *req2 = NULL;
    ok(svc_proc_require(&w.buyer, spec, &req2, &err), &err);
    setenv("TANJI_NOW", "2099-06-01T00:00:00Z", 1);
    json_t *o3 = json_pack("{s:s,s:s}", "product", "原铝液", "label", w.label_b);
    assert_int_equal(svc_proc_offer(&w.b, req2, o3, NULL, NULL, &err), TJ_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "validity"));
    check_ledger(&w);
    json_decref(o1);
    json_decref(o2);
    json_decref(o3);
    json_decref(spec);
    free(req);
    free(req2);
    free(off_a);
    free(off_b);
    free(disc);
    release_world(&w);
}

/* The ledger entry tanji pact pull makes for a kept supplier footprint (the
 * test writes rows with the store, as the pull does, so it records them the
 * same way: ledger verify checks pact_supplier rows against their entries). */
static void record_supplier(world *w, const char *owner, const char *pf_id, const char *action)
{
    tj_error err;
    json_t *row = NULL;
    ok(store_pact_supplier_get(w->op.db, owner, pf_id, &row, &err), &err);
    json_t *st = svc_pact_supplier_state(row);
    json_t *ch = json_pack("{s:s,s:O}", "action", action, "status", json_object_get(row, "status"));
    char oid[400];
    snprintf(oid, sizeof oid, "%s:%s", owner, pf_id);
    ok(svc_begin(&w->op, &err), &err);
    ok(svc_record(&w->op, "pact.pull", "pact_supplier", oid, ch, st, &err), &err);
    ok(svc_commit(&w->op, &err), &err);
    json_decref(ch);
    json_decref(st);
    json_decref(row);
}

/* A pulled supplier footprint (as tanji pact pull stores it) of the buyer
 * (owner) with the given status, unit, validity end and company org id. */
static void put_pulled(world *w, const char *owner, const char *pf_id, const char *company_org, const char *status,
                       const char *unit, const char *valid_to)
{
    char urn[300];
    snprintf(urn, sizeof urn, "urn:tanji:org:%s", company_org);
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:[s],s:[s],s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:[s]}]}}", "id", pf_id,
        "specVersion", "3.0.0", "status", status, "companyIds", urn, "productIds", "urn:pact:test:ingot",
        "productNameCompany", "原铝锭", "companyName", "供应商", "validityPeriodStart", "2026-01-01T00:00:00Z",
        "validityPeriodEnd", valid_to, "pcf", "declaredUnitOfMeasurement", unit, "declaredUnitAmount", "1000",
        "pcfExcludingBiogenicUptake", "12500", "pcfIncludingBiogenicUptake", "12000", "primaryDataShare", "40",
        "productOrSectorSpecificRules", "operator", "Other", "ruleNames", "tpl.cn.electrolytic_aluminium");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:n,s:s,s:s,s:s,s:s,s:s,s:s}", "pf_id", pf_id,
                            "owner_org", owner, "source", "https://supplier.example/pact", "company_name", "供应商",
                            "product_name", "原铝锭", "product_ids", "[\"urn:pact:test:ingot\"]", "unit", "kg",
                            "value", 12.5, "primary_share", 40.0, "dqi", "status", status, "valid_from",
                            "2026-01-01T00:00:00Z", "valid_to", valid_to, "preceding", "[]", "pulled_at",
                            "2027-01-02T00:00:00Z", "doc", text);
    tj_error err;
    ok(store_pact_supplier_put(w->op.db, row, &err), &err);
    json_decref(row);
    json_decref(doc);
    free(text);
    record_supplier(w, owner, pf_id, "pull");
}

static void refused(world *w, svc_ctx *who, const char *req, const char *pf, const char *needle)
{
    tj_error err;
    json_t *o = json_pack("{s:s,s:s}", "product", pf, "pact", pf);
    assert_int_equal(svc_proc_offer(who, req, o, NULL, NULL, &err), TJ_ERR_CONFLICT);
    if (!strstr(err.message, needle))
        fprintf(stderr, "refusal without \"%s\": %s\n", needle, err.message);
    assert_non_null(strstr(err.message, needle));
    json_decref(o);
    (void)w;
}

static void test_procurement_pact(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    const char *buyer = w.buyer.who.org_id, *b = w.b.who.org_id;
    static const char pf_ok[] = "0b6f4a57-1a2b-4c3d-8e9f-0a1b2c3d4e01", pf_dep[] = "0b6f4a57-1a2b-4c3d-8e9f-0a1b2c3d4e02",
                      pf_old[] = "0b6f4a57-1a2b-4c3d-8e9f-0a1b2c3d4e03", pf_kwh[] = "0b6f4a57-1a2b-4c3d-8e9f-0a1b2c3d4e04",
                      pf_other[] = "0b6f4a57-1a2b-4c3d-8e9f-0a1b2c3d4e05", pf_co[] = "0b6f4a57-1a2b-4c3d-8e9f-0a1b2c3d4e06";
    put_pulled(&w, buyer, pf_ok, b, "Active", "kilogram", "2029-01-01T00:00:00Z");
    put_pulled(&w, buyer, pf_dep, b, "Deprecated", "kilogram", "2029-01-01T00:00:00Z");
    put_pulled(&w, buyer, pf_old, b, "Active", "kilogram", "2026-12-31T00:00:00Z");
    put_pulled(&w, buyer, pf_kwh, b, "Active", "kilowatt hour", "2029-01-01T00:00:00Z");
    put_pulled(&w, w.a.who.org_id, pf_other, b, "Active", "kilogram", "2029-01-01T00:00:00Z"); /* A pulled it */
    put_pulled(&w, buyer, pf_co, w.a.who.org_id, "Active", "kilogram", "2029-01-01T00:00:00Z"); /* A's company */
    json_t *spec = json_pack("{s:s,s:s,s:s,s:f,s:b,s:s,s:f,s:s}", "title", "原铝采购 PACT", "category",
                             "electrolytic_aluminium", "declared_unit", "kg", "max_value", 20.0, "label_required", 0,
                             "rule", "tpl.cn.electrolytic_aluminium", "primary_weight", 0.5, "deadline", "2027-02-01");
    char *req = NULL;
    ok(svc_proc_require(&w.buyer, spec, &req, &err), &err);
    setenv("TANJI_NOW", "2027-01-15T00:00:00Z", 1);
    /* refused: deprecated, expired, a unit that does not convert, another
     * organisation's pull, another company's footprint, not a UUID */
    refused(&w, &w.b, req, pf_dep, "Deprecated");
    refused(&w, &w.b, req, pf_old, "validity period ended");
    refused(&w, &w.b, req, pf_kwh, "declared unit");
    refused(&w, &w.b, req, pf_other, "not available to the buyer");
    refused(&w, &w.b, req, pf_co, "another company");
    json_t *o = json_pack("{s:s,s:s}", "product", "x", "pact", "PF-1");
    assert_int_equal(svc_proc_offer(&w.b, req, o, NULL, NULL, &err), TJ_ERR_INPUT);
    json_decref(o);
    o = json_pack("{s:s,s:s,s:s}", "product", "x", "pact", pf_ok, "label", w.label_b);
    assert_int_equal(svc_proc_offer(&w.b, req, o, NULL, NULL, &err), TJ_ERR_USAGE);
    json_decref(o);
    /* accepted: B's pulled footprint (upper case id), and B's footprint
     * published here as PACT to the buyer */
    char upper[40];
    snprintf(upper, sizeof upper, "%s", pf_ok);
    for (char *p = upper; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
    o = json_pack("{s:s,s:s}", "product", "原铝锭", "pact", upper);
    json_t *chk = NULL;
    char *off_pulled = NULL, *off_pub = NULL;
    ok(svc_proc_offer(&w.b, req, o, &off_pulled, &chk, &err), &err);
    assert_true(json_is_true(json_object_get(chk, "pass")));
    /* 12000 kg per 1000 kg, including biogenic uptake */
    assert_true(fabs(json_number_value(json_object_get(chk, "value")) - 12.0) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(chk, "primary_share")) - 0.4) < 1e-12);
    assert_true(fabs(json_number_value(json_object_get(chk, "score")) - 12.0 * (1 - 0.5 * 0.4)) < 1e-9);
    json_t *pfi = json_object_get(chk, "pact_footprint");
    assert_string_equal(json_string_value(json_object_get(pfi, "source")), "pulled");
    assert_string_equal(json_string_value(json_object_get(pfi, "value_basis")), "pcfIncludingBiogenicUptake");
    json_decref(chk);
    json_decref(o);
    char *disc = NULL;
    json_t *partners = json_pack("[s]", "采购中心");
    ok(svc_disclosure_publish(&w.b, w.fp_b, "partners", partners, NULL, &disc, &err), &err);
    json_t *attrs = json_pack("{s:[s],s:s}", "productIds", "urn:pact:test:b-liquid", "fossilCarbonContent", "0"),
           *missing = NULL;
    ok(svc_pact_attr_set(&w.b, w.fp_b, attrs, &missing, &err), &err);
    if (json_array_size(missing))
        fprintf(stderr, "missing: %s\n", json_dumps(missing, 0));
    assert_int_equal(json_array_size(missing), 0);
    ok(svc_pact_sync(w.op.db, &err), &err);
    json_t *pfrow = NULL;
    ok(store_pact_fp_by_footprint(w.op.db, w.fp_b, &pfrow, &err), &err);
    const char *pub_id = json_string_value(json_object_get(pfrow, "id"));
    refused(&w, &w.a, req, pub_id, "not the supplier's"); /* A names B's footprint */
    o = json_pack("{s:s,s:s}", "product", "原铝液", "pact", pub_id);
    ok(svc_proc_offer(&w.b, req, o, &off_pub, &chk, &err), &err);
    assert_true(json_is_true(json_object_get(chk, "pass")));
    double v = label_value(&w, w.label_b); /* the footprint's total per t */
    assert_true(fabs(json_number_value(json_object_get(chk, "value")) - v / 1000.0) < 1e-6 * v);
    assert_string_equal(json_string_value(json_object_get(json_object_get(chk, "pact_footprint"), "source")),
                        "tanji");
    json_decref(chk);
    json_decref(o);
    /* after the offer the pulled footprint is deprecated: the evaluation fails it with the reason */
    ok(store_pact_supplier_set_status(w.op.db, buyer, pf_ok, "Deprecated", &err), &err);
    record_supplier(&w, buyer, pf_ok, "deprecate");
    json_t *ev = NULL;
    ok(svc_proc_evaluate(&w.buyer, req, &ev, &err), &err);
    size_t i;
    json_t *x;
    int seen = 0;
    json_array_foreach(json_object_get(ev, "offers"), i, x)
    {
        const char *id = json_string_value(json_object_get(x, "offer"));
        if (!strcmp(id, off_pulled)) {
            seen++;
            assert_false(json_is_true(json_object_get(x, "pass")));
            assert_true(has_text(json_object_get(x, "reasons"), "Deprecated"));
        } else if (!strcmp(id, off_pub)) {
            seen++;
            assert_true(json_is_true(json_object_get(x, "pass")));
            assert_int_equal(json_integer_value(json_object_get(x, "rank")), 1);
        }
    }
    assert_int_equal(seen, 2);
    json_decref(ev);
    char *csv = NULL;
    ok(svc_proc_evaluation_csv(&w.buyer, req, &csv, &err), &err);
    assert_non_null(strstr(csv, "pact PACT碳足迹"));
    assert_non_null(strstr(csv, pf_ok));
    assert_non_null(strstr(csv, "Deprecated"));
    free(csv);
    /* where a label is required, a PACT footprint fails */
    json_object_set_new(spec, "label_required", json_true());
    char *req2 = NULL;
    ok(svc_proc_require(&w.buyer, spec, &req2, &err), &err);
    o = json_pack("{s:s,s:s}", "product", "原铝液", "pact", pub_id);
    ok(svc_proc_offer(&w.b, req2, o, NULL, &chk, &err), &err);
    assert_false(json_is_true(json_object_get(chk, "pass")));
    assert_true(has_text(json_object_get(chk, "reasons"), "label is required"));
    json_decref(chk);
    json_decref(o);
    check_ledger(&w);
    json_decref(pfrow);
    json_decref(attrs);
    json_decref(missing);
    json_decref(partners);
    json_decref(spec);
    free(disc);
    free(req);
    free(req2);
    free(off_pulled);
    free(off_pub);
    release_world(&w);
}

/* The supply chain follows a model input that resolves to a supplier's
 * PACT footprint: supplier, primary vs generic, CO2e and share. */
static void test_supply_chain_pact(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    static const char pf[] = "7c0e4a57-1a2b-4c3d-8e9f-0a1b2c3d4e07";
    put_pulled(&w, w.b.who.org_id, pf, w.a.who.org_id, "Active", "kilogram", "2029-01-01T00:00:00Z");
    char path[1200];
    snprintf(path, sizeof path, "%s/tests/data/certifiable-aluminium.json", src_dir);
    json_t *m = json_load_file(path, 0, NULL);
    assert_non_null(m);
    size_t i, k;
    json_t *p, *x;
    int replaced = 0;
    json_array_foreach(json_object_get(m, "processes"), i, p) json_array_foreach(json_object_get(p, "exchanges"), k, x)
    {
        const char *fr = json_string_value(json_object_get(x, "factor"));
        if (fr && !strcmp(fr, "example-caustic-soda")) {
            json_object_set_new(x, "factor", json_pack("{s:s}", "supplier", "7C0E4A57-1A2B-4C3D-8E9F-0A1B2C3D4E07"));
            replaced++;
        }
    }
    assert_int_equal(replaced, 1);
    char *text = json_dumps(m, JSON_COMPACT);
    svc_calc_request rq;
    svc_calc_request_init(&rq);
    rq.model_text = text;
    rq.model_len = strlen(text);
    rq.model_name = "supplier-model";
    svc_calculation c;
    ok(svc_calculate(&w.b, &rq, &c, &err), &err);
    svc_footprint_save_opts so = {0};
    char *fp = NULL;
    ok(svc_footprint_save(&w.b, &c, &so, &fp, &err), &err);
    svc_calculation_release(&c);
    json_t *out = NULL;
    assert_int_equal(svc_park_supply_chain(&w.a, fp, &out, &err), TJ_ERR_NOTFOUND); /* not disclosed to A */
    ok(svc_park_supply_chain(&w.b, fp, &out, &err), &err);
    double total = json_number_value(json_object_get(out, "total"));
    int sup = 0, gen = 0;
    double sup_share = 0;
    json_array_foreach(json_object_get(out, "inputs"), i, x)
    {
        if (json_is_true(json_object_get(x, "primary"))) {
            sup++;
            const json_t *s2 = json_object_get(x, "supplier");
            assert_string_equal(json_string_value(json_object_get(x, "flow")), "caustic soda");
            assert_string_equal(json_string_value(json_object_get(s2, "pact_id")), pf);
            assert_string_equal(json_string_value(json_object_get(s2, "company")), "供应商");
            assert_string_equal(json_string_value(json_object_get(s2, "status")), "Active");
            assert_true(fabs(json_number_value(json_object_get(s2, "primary_data_share")) - 40.0) < 1e-9);
            assert_int_equal(json_array_size(json_object_get(s2, "flags")), 0);
            /* 100 kg per t of alumina x 1.92 t alumina x 12.5 kg CO2e/kg */
            assert_true(fabs(json_number_value(json_object_get(x, "co2e")) - 100 * 1.92 * 12.5) < 1e-6);
            sup_share = json_number_value(json_object_get(x, "share"));
            assert_true(fabs(sup_share - 2400.0 / total) < 1e-9);
        } else {
            gen++;
            assert_non_null(json_object_get(x, "generic_factor"));
        }
    }
    assert_int_equal(sup, 1);
    assert_true(gen >= 2);
    assert_true(fabs(json_number_value(json_object_get(out, "supplier_inputs_share")) - sup_share) < 1e-12);
    assert_true(json_number_value(json_object_get(out, "generic_inputs_share")) > 0);
    assert_true(json_number_value(json_object_get(out, "pact_primary_data_share")) > 0);
    json_decref(out);
    /* the supplier's footprint deprecated: flagged in the chain */
    ok(store_pact_supplier_set_status(w.op.db, w.b.who.org_id, pf, "Deprecated", &err), &err);
    record_supplier(&w, w.b.who.org_id, pf, "deprecate");
    ok(svc_park_supply_chain(&w.b, fp, &out, &err), &err);
    json_array_foreach(json_object_get(out, "inputs"), i, x) if (json_is_true(json_object_get(x, "primary")))
    {
        const json_t *fl = json_object_get(json_object_get(x, "supplier"), "flags");
        assert_true(json_array_size(fl) == 1 && !strcmp(json_string_value(json_array_get(fl, 0)), "deprecated"));
    }
    json_decref(out);
    json_decref(m);
    free(text);
    free(fp);
    release_world(&w);
}

static void test_finance(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    json_t *out = NULL;
    /* no consent: refused */
    assert_int_equal(svc_fin_borrower(&w.bank, "铝业A", &out, &err), TJ_ERR_PERM);
    assert_int_equal(svc_fin_position(&w.bank, "铝业A", w.label_a, 100, "2027-01-31", &err), TJ_ERR_PERM);
    assert_int_equal(svc_fin_consent(&w.a, "采购中心", NULL, &err), TJ_ERR_CONFLICT); /* not a bank */
    assert_int_equal(svc_fin_borrower(&w.buyer, "铝业A", &out, &err), TJ_ERR_PERM);   /* not a bank */
    ok(svc_fin_consent(&w.a, "绿色银行", NULL, &err), &err);
    ok(svc_fin_consent(&w.b, "绿色银行", "2028-01-01", &err), &err);
    ok(svc_fin_borrower(&w.bank, "铝业A", &out, &err), &err);
    json_t *l0 = json_array_get(json_object_get(out, "labels"), 0);
    assert_string_equal(json_string_value(json_object_get(l0, "number")), w.label_a);
    assert_true(json_is_true(json_object_get(l0, "ok")));
    assert_int_equal(json_integer_value(json_object_get(l0, "grade")), 3);
    json_decref(out);
    /* eligibility: grade 1-2 with a valid label, then 1-3 */
    json_t *rule = json_pack("{s:i,s:b}", "max_grade", 2, "require_valid_label", 1);
    int ver = 0;
    assert_int_equal(svc_fin_rule_set(&w.a, rule, &ver, &err), TJ_ERR_PERM);
    ok(svc_fin_rule_set(&w.bank, rule, &ver, &err), &err);
    ok(svc_fin_eligibility(&w.bank, w.label_a, &out, &err), &err);
    assert_false(json_is_true(json_object_get(out, "eligible")));
    assert_true(has_text(json_object_get(out, "reasons"), "grade 3"));
    json_decref(out);
    json_object_set_new(rule, "max_grade", json_integer(3));
    ok(svc_fin_rule_set(&w.bank, rule, &ver, &err), &err);
    assert_int_equal(ver, 2);
    json_t *bad = json_pack("{s:i}", "color", 1);
    assert_int_equal(svc_fin_rule_set(&w.bank, bad, NULL, &err), TJ_ERR_INPUT);
    json_decref(bad);
    /* positions and the portfolio */
    assert_int_equal(svc_fin_position(&w.bank, "铝业A", w.label_b, 100, "2027-01-31", &err), TJ_ERR_CONFLICT);
    ok(svc_fin_position(&w.bank, "铝业A", w.label_a, 1000000, "2027-01-31", &err), &err);
    ok(svc_fin_position(&w.bank, "铝业B", w.label_b, 2000000, "2027-02-28", &err), &err);
    setenv("TANJI_NOW", "2027-03-01T00:00:00Z", 1);
    ok(svc_fin_portfolio(&w.bank, NULL, &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(out, "financed")), 3000000);
    json_t *c0 = json_array_get(json_object_get(out, "by_category"), 0);
    double va = label_value(&w, w.label_a), vb = label_value(&w, w.label_b);
    assert_true(fabs(json_number_value(json_object_get(c0, "weighted_intensity")) - (va + 2 * vb) / 3) <
                1e-6);
    assert_true(fabs(json_number_value(json_object_get(c0, "eligible_share")) - 1.0) < 1e-12);
    assert_int_equal(json_array_size(json_object_get(out, "history")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(json_object_get(out, "history"), 0), "financed")),
        1000000);
    json_decref(out);
    /* a suspension shows in the history and the eligibility */
    ok(svc_label_act(&w.body, w.label_a, "suspend", "surveillance findings", &err), &err);
    ok(svc_fin_borrower(&w.bank, "铝业A", &out, &err), &err);
    l0 = json_array_get(json_object_get(out, "labels"), 0);
    assert_string_equal(json_string_value(json_object_get(l0, "status")), "suspended");
    assert_int_equal(json_array_size(json_object_get(l0, "history")), 2);
    json_decref(out);
    ok(svc_fin_portfolio(&w.bank, "2027-03-01", &out, &err), &err);
    c0 = json_array_get(json_object_get(out, "by_category"), 0);
    assert_true(fabs(json_number_value(json_object_get(c0, "eligible_share")) - 2.0 / 3) < 1e-12);
    json_decref(out);
    char *csv = NULL;
    ok(svc_fin_portfolio_csv(&w.bank, "2027-03-01", &csv, &err), &err);
    assert_non_null(strstr(csv, w.label_a));
    assert_non_null(strstr(csv, "1000000"));
    free(csv);
    /* consent revoked: refused again; an expired consent too */
    ok(svc_fin_consent_revoke(&w.a, "绿色银行", &err), &err);
    assert_int_equal(svc_fin_borrower(&w.bank, "铝业A", &out, &err), TJ_ERR_PERM);
    setenv("TANJI_NOW", "2028-02-01T00:00:00Z", 1);
    assert_int_equal(svc_fin_borrower(&w.bank, "铝业B", &out, &err), TJ_ERR_PERM);
    ok(svc_fin_consent_list(&w.a, &out, &err), &err);
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    check_ledger(&w);
    json_decref(rule);
    release_world(&w);
}

static int64_t balance(world *w, const char *who)
{
    json_t *a = NULL;
    tj_error err;
    ok(svc_inc_account(&w->shop, NULL, who, &a, &err), &err);
    int64_t b = json_integer_value(json_object_get(a, "balance"));
    json_decref(a);
    return b;
}

static json_t *purchase(const char *id, const char *who, const char *meth, const char *label, double q)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "purchase_id", id, "participant", who, "region", "530100",
                     "methodology", meth, "label", label, "quantity", q);
}

static void test_inclusion(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:f,s:s}}", "id", "alu-low-carbon", "name",
                          "低碳原铝消费", "category", "electrolytic_aluminium", "declared_unit", "kg",
                          "scope", "purchases of certified primary aluminium", "applicability",
                          "a label valid at the purchase", "baseline", "kind", "benchmark", "value", 15.0,
                          "source", "test benchmark (not an official figure)");
    json_t *out = NULL;
    assert_int_equal(svc_inc_method_create(&w.a, m, &out, &err), TJ_ERR_PERM);
    ok(svc_inc_method_create(&w.reg, m, &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(out, "baseline_g")), 15000);
    json_decref(out);
    assert_int_equal(svc_inc_method_create(&w.reg, m, NULL, &err), TJ_ERR_CONFLICT);
    json_t *avg = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s}}", "id", "alu-avg", "name", "平均基准",
                            "category", "electrolytic_aluminium", "declared_unit", "t", "scope", "s",
                            "applicability", "a", "baseline", "kind", "average");
    ok(svc_inc_method_create(&w.reg, avg, &out, &err), &err);
    double va = label_value(&w, w.label_a), vb = label_value(&w, w.label_b);
    assert_int_equal(json_integer_value(json_object_get(out, "baseline_g")), llround((va + vb) / 2 * 1000));
    json_decref(out);
    json_decref(avg);
    /* reductions per kg: 15000 g - the label's grams per kg */
    int64_t per_a = 15000 - llround(va), per_b = 15000 - llround(vb);
    json_t *batch = json_array();
    json_array_append_new(batch, purchase("p1", "u1", "alu-low-carbon", w.label_a, 2.5));
    json_array_append_new(batch, purchase("p2", "u1", "alu-low-carbon", w.label_b, 1.0));
    json_array_append_new(batch, purchase("p3", "u2", "alu-low-carbon", w.label_a, 4.0));
    json_array_append_new(batch, purchase("p4", "u2", "no-such", w.label_a, 1.0));
    json_t *res = NULL;
    int n = 0;
    assert_int_equal(svc_inc_report(&w.a, batch, &res, &n, &err), TJ_ERR_PERM); /* not a platform */
    ok(svc_inc_report(&w.shop, batch, &res, &n, &err), &err);
    assert_int_equal(n, 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(res, 3), "status")), "refused");
    json_decref(res);
    int64_t u1 = llround((double)per_a * 2.5) + per_b, u2 = per_a * 4;
    assert_int_equal(balance(&w, "u1"), u1);
    assert_int_equal(balance(&w, "u2"), u2);
    /* the same purchase twice: refused, nothing credited */
    json_t *again = json_array();
    json_array_append_new(again, purchase("p1", "u1", "alu-low-carbon", w.label_a, 2.5));
    ok(svc_inc_report(&w.shop, again, &res, &n, &err), &err);
    assert_int_equal(n, 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(res, 0), "reason")), "reported before"));
    json_decref(res);
    json_decref(again);
    assert_int_equal(balance(&w, "u1"), u1);
    /* a revoked label credits nothing */
    ok(svc_label_act(&w.body, w.label_b, "revoke", "falsified data", &err), &err);
    again = json_array();
    json_array_append_new(again, purchase("p5", "u1", "alu-low-carbon", w.label_b, 10.0));
    ok(svc_inc_report(&w.shop, again, &res, &n, &err), &err);
    assert_int_equal(n, 0);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(res, 0), "reason")), "credits nothing"));
    json_decref(res);
    json_decref(again);
    assert_int_equal(balance(&w, "u1"), u1);
    /* retirement, statement */
    assert_int_equal(svc_inc_retire(&w.shop, "u1", u1 + 1, "offset", &err), TJ_ERR_CONFLICT);
    ok(svc_inc_retire(&w.shop, "u1", 1000, "兑换 / redeemed", &err), &err);
    assert_int_equal(balance(&w, "u1"), u1 - 1000);
    ok(svc_inc_statement(&w.shop, NULL, "u1", 0, 0, &out, &err), &err);
    assert_int_equal(json_array_size(json_object_get(out, "lines")), 3);
    json_decref(out);
    assert_int_equal(svc_inc_statement(&w.a, "低碳商城", "u1", 0, 0, &out, &err), TJ_ERR_NOTFOUND);
    /* issuance and the public registry */
    assert_int_equal(svc_inc_issue(&w.shop, "alu-low-carbon", "530100", &out, &err), TJ_ERR_PERM);
    ok(svc_inc_issue(&w.reg, "alu-low-carbon", "530100", &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(out, "amount_g")), u1 + u2);
    json_decref(out);
    assert_int_equal(svc_inc_issue(&w.reg, "alu-low-carbon", "530100", &out, &err), TJ_ERR_CONFLICT);
    ok(svc_inc_registry(&w.a, &out, &err), &err);
    json_t *row = json_array_get(json_object_get(out, "by_methodology_region"), 0);
    assert_int_equal(json_integer_value(json_object_get(row, "purchases")), 3);
    assert_int_equal(json_integer_value(json_object_get(row, "credited_g")), u1 + u2);
    assert_int_equal(json_integer_value(json_object_get(row, "issued_g")), u1 + u2);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(out, "retired_by_region"), 0), "retired_g")),
                     1000);
    json_decref(out);
    check_ledger(&w);
    json_decref(batch);
    json_decref(m);
    release_world(&w);
}

static void test_parks(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    assert_int_equal(svc_park_invite(&w.a, "铝业B", &err), TJ_ERR_PERM);
    ok(svc_park_invite(&w.park, "铝业A", &err), &err);
    ok(svc_park_invite(&w.park, "铝业B", &err), &err);
    assert_int_equal(svc_park_answer(&w.a, "绿色银行", 1, &err), TJ_ERR_NOTFOUND);
    ok(svc_park_answer(&w.a, "滇中园区", 1, &err), &err);
    json_t *out = NULL;
    ok(svc_park_members(&w.park, &out, &err), &err);
    assert_int_equal(json_array_size(out), 2);
    json_decref(out);
    /* A discloses to the park; B (invited only) is not counted */
    json_t *partners = json_pack("[s]", "滇中园区");
    char *d = NULL;
    ok(svc_disclosure_publish(&w.a, w.fp_a, "partners", partners, NULL, &d, &err), &err);
    ok(svc_park_stats(&w.park, NULL, &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(out, "members")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "total"), "valid")), 1);
    assert_int_equal(json_integer_value(json_object_get(out, "disclosed_footprints")), 1);
    assert_true(fabs(json_number_value(json_object_get(out, "certified_share")) - 1.0) < 1e-12);
    json_t *g = json_object_get(json_array_get(json_object_get(out, "by_grade"), 0), "grade");
    assert_int_equal(json_integer_value(g), 3);
    json_decref(out);
    assert_int_equal(svc_park_stats(&w.b, "滇中园区", &out, &err), TJ_ERR_PERM);
    ok(svc_park_stats(&w.reg, "滇中园区", &out, &err), &err);
    json_decref(out);
    /* regulators: by province, category, grade and year from the same aggregation */
    assert_int_equal(svc_app_stats(&w.a, NULL, &out, &err), TJ_ERR_PERM);
    ok(svc_app_stats(&w.reg, NULL, &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "total"), "valid")), 2);
    assert_int_equal(json_array_size(json_object_get(out, "by_region_category_year_grade")), 1);
    json_decref(out);
    json_t *flt = json_pack("{s:s}", "region", "110000");
    ok(svc_app_stats(&w.reg, flt, &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "total"), "labels")), 0);
    json_decref(out);
    json_decref(flt);
    /* the supply chain of A's product: primary data where it replaced generic factors */
    assert_int_equal(svc_park_supply_chain(&w.b, w.fp_a, &out, &err), TJ_ERR_NOTFOUND);
    ok(svc_park_supply_chain(&w.a, w.fp_a, &out, &err), &err);
    assert_true(json_array_size(json_object_get(out, "processes")) >= 3);
    double ps = json_number_value(json_object_get(out, "primary_share"));
    assert_true(ps > 0 && ps < 1);
    json_decref(out);
    ok(svc_park_answer(&w.a, "滇中园区", 0, &err), &err);
    ok(svc_park_stats(&w.park, NULL, &out, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(out, "members")), 0);
    json_decref(out);
    check_ledger(&w);
    json_decref(partners);
    free(d);
    release_world(&w);
}

/* Ledger verification checks every application record against the
 * database: one row of each kind changed behind tanji's back is reported. */
static void test_ledger_tamper(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    /* one record of each kind */
    json_t *spec = json_pack("{s:s,s:s,s:s,s:f,s:b,s:f,s:s}", "title", "t", "category", "electrolytic_aluminium",
                             "declared_unit", "kg", "max_value", 20.0, "label_required", 1, "primary_weight", 0.5,
                             "deadline", "2027-02-01");
    char *req = NULL, *off = NULL;
    ok(svc_proc_require(&w.buyer, spec, &req, &err), &err);
    json_t *o = json_pack("{s:s,s:s}", "product", "原铝液", "label", w.label_a);
    ok(svc_proc_offer(&w.a, req, o, &off, NULL, &err), &err);
    ok(svc_fin_consent(&w.a, "绿色银行", NULL, &err), &err);
    json_t *rule = json_pack("{s:i}", "max_grade", 3);
    int ver = 0;
    ok(svc_fin_rule_set(&w.bank, rule, &ver, &err), &err);
    ok(svc_fin_position(&w.bank, "铝业A", w.label_a, 1000000, "2027-01-01", &err), &err);
    json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:f,s:s}}", "id", "alu-low-carbon", "name", "低碳原铝",
                          "category", "electrolytic_aluminium", "declared_unit", "kg", "scope", "s", "applicability",
                          "a", "baseline", "kind", "benchmark", "value", 15.0, "source", "test benchmark");
    ok(svc_inc_method_create(&w.reg, m, NULL, &err), &err);
    json_t *batch = json_pack("[o]", purchase("p1", "u1", "alu-low-carbon", w.label_a, 2.0)), *res = NULL;
    int n = 0;
    ok(svc_inc_report(&w.shop, batch, &res, &n, &err), &err);
    assert_int_equal(n, 1);
    ok(svc_inc_retire(&w.shop, "u1", 1000, "redeemed", &err), &err);
    json_t *out = NULL;
    ok(svc_inc_issue(&w.reg, "alu-low-carbon", "530100", &out, &err), &err);
    json_decref(out);
    ok(svc_park_invite(&w.park, "铝业A", &err), &err);
    ok(svc_park_answer(&w.a, "滇中园区", 1, &err), &err);
    /* consistent: every kind is checked and nothing is reported (the
     * purchase's later issuance does not change its state) */
    ledger_report vr;
    ok(svc_ledger_verify(&w.op, NULL, NULL, &vr, &err), &err);
    for (size_t i = 0; i < vr.nproblems; i++)
        fprintf(stderr, "problem: %s %s %s\n", vr.problems[i].object_type, vr.problems[i].object_id,
                vr.problems[i].detail);
    assert_int_equal(vr.nproblems, 0);
    int64_t checked = vr.objects_checked;
    ledger_report_release(&vr);
    static const char *const kinds[] = {"app_org_role", "proc_requirement", "proc_offer",     "fin_consent",
                                        "fin_position", "fin_rule",         "inc_methodology", "inc_purchase",
                                        "inc_retirement", "inc_issuance",   "park_member"};
    static const char *const tamper[] = {
        "UPDATE app_org_role SET granted_at = '2000-01-01T00:00:00Z' WHERE role = 'bank'",
        "UPDATE proc_requirement SET max_value = 99",
        "UPDATE proc_offer SET product = 'tampered'",
        "UPDATE fin_consent SET valid_until = '2099-01-01T00:00:00Z'",
        "UPDATE fin_position SET amount = amount + 1",
        "UPDATE fin_rule SET rule = '{\"max_grade\":9}'",
        "UPDATE inc_methodology SET baseline_g = baseline_g + 1",
        "UPDATE inc_purchase SET reduction_g = reduction_g + 1",
        "UPDATE inc_retirement SET amount_g = amount_g + 1",
        "UPDATE inc_issuance SET amount_g = amount_g + 1",
        "UPDATE park_member SET status = 'left'",
    };
    size_t nk = sizeof kinds / sizeof kinds[0];
    for (size_t k = 0; k < nk; k++)
        ok(store_exec(f->db, tamper[k], &err), &err);
    ok(svc_ledger_verify(&w.op, NULL, NULL, &vr, &err), &err);
    assert_int_equal(vr.objects_checked, checked);
    for (size_t k = 0; k < nk; k++) {
        int found = 0;
        for (size_t i = 0; i < vr.nproblems; i++)
            found += vr.problems[i].kind == LEDGER_P_STATE && vr.problems[i].object_type &&
                     !strcmp(vr.problems[i].object_type, kinds[k]);
        if (found != 1)
            fprintf(stderr, "%s: %d state problems\n", kinds[k], found);
        assert_int_equal(found, 1);
    }
    assert_int_equal(vr.nproblems, nk);
    ledger_report_release(&vr);
    json_decref(spec);
    json_decref(o);
    json_decref(rule);
    json_decref(m);
    json_decref(batch);
    json_decref(res);
    free(req);
    free(off);
    release_world(&w);
}

int main(int argc, char **argv)
{
    const char *s = getenv("TJ_SOURCE_DIR");
    snprintf(src_dir, sizeof src_dir, "%s", s ? s : ".");
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_procurement, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_procurement_pact, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_finance, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_inclusion, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_parks, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_supply_chain_pact, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_ledger_tamper, tjt_setup, tjt_teardown),
    };
    if (tjt_want_pg(argc, argv)) {
        if (tjt_pg_missing("apps"))
            return TJT_SKIP_EXIT;
        tjt_use_pg = 1;
        return tjt_exit_code(cmocka_run_group_tests_name("apps/postgresql", tests, NULL, NULL));
    }
    return tjt_exit_code(cmocka_run_group_tests_name("apps/sqlite", tests, NULL, NULL));
}

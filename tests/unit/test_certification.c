/* The three institutions: certification bodies and keys, the catalogue, the
 * certification workflow to an issued label, label verification (online and
 * offline) and lifecycle, the dishonest-entity list, grading, disclosure and
 * the registry; what must be refused.  SQLite, and PostgreSQL with --pg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "services/account.h"
#include "services/cert.h"
#include "services/disclosure.h"
#include "services/footprint.h"
#include "services/grading.h"
#include "services/label.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "store/inst_sql.h"
#include "tj_testdb.h"

static char src_dir[1024];

typedef struct world {
    svc_ctx op, reg, ent, ent2, body, body2, listed;
    char *ent_org, *ent2_org, *body_org, *body2_org, *listed_org;
    ledger_key key, key2;
    char *fp;
} world;

static void ok(tj_status st, const tj_error *err)
{
    if (st)
        fprintf(stderr, "error: %s (%s)\n", err->message, err->path);
    assert_int_equal(st, TJ_OK);
}

static void fresh_key(ledger_key *k)
{
    crypto_sign_keypair(k->pk, k->sk);
}

static char *save_footprint(svc_ctx *ctx, const char *model_file)
{
    char path[1200], rules[1200];
    snprintf(path, sizeof path, "%s/tests/data/%s", src_dir, model_file);
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

static void setup_world(store_db *db, world *w)
{
    tj_error err;
    memset(w, 0, sizeof *w);
    ok(svc_ctx_local(&w->op, db, NULL, &err), &err);
    ok(svc_ledger_seed(&w->op, &err), &err);
    ok(svc_org_create(&w->op, "监管局", "regulator", NULL, NULL, &err), &err);
    ok(svc_org_create(&w->op, "铝业A", "enterprise", "530100", &w->ent_org, &err), &err);
    ok(svc_org_create(&w->op, "铝业B", "enterprise", "110000", &w->ent2_org, &err), &err);
    ok(svc_org_create(&w->op, "铝业C", "enterprise", "530000", &w->listed_org, &err), &err);
    ok(svc_org_create(&w->op, "认证中心", "certification_body", "110000", &w->body_org, &err), &err);
    ok(svc_org_create(&w->op, "另一认证", "certification_body", "310000", &w->body2_org, &err), &err);
    ok(svc_user_create(&w->op, "reg", "监管局", "regulator", NULL, &err), &err);
    ok(svc_user_create(&w->op, "alice", "铝业A", "enterprise", NULL, &err), &err);
    ok(svc_user_create(&w->op, "bob", "铝业B", "enterprise", NULL, &err), &err);
    ok(svc_user_create(&w->op, "carl", "铝业C", "enterprise", NULL, &err), &err);
    ok(svc_user_create(&w->op, "auditor", "认证中心", "verifier", NULL, &err), &err);
    ok(svc_user_create(&w->op, "other", "另一认证", "verifier", NULL, &err), &err);
    ok(svc_ctx_local(&w->reg, db, "reg", &err), &err);
    ok(svc_ctx_local(&w->ent, db, "alice", &err), &err);
    ok(svc_ctx_local(&w->ent2, db, "bob", &err), &err);
    ok(svc_ctx_local(&w->listed, db, "carl", &err), &err);
    ok(svc_ctx_local(&w->body, db, "auditor", &err), &err);
    ok(svc_ctx_local(&w->body2, db, "other", &err), &err);
    /* the catalogue, by the regulator; an enterprise may not edit it */
    char cat[1200];
    snprintf(cat, sizeof cat, "%s/data/certification/catalogue-cn-2025.json", src_dir);
    int n = 0;
    assert_int_equal(svc_cert_catalogue_import(&w->ent, cat, &n, &err), TJ_ERR_PERM);
    ok(svc_cert_catalogue_import(&w->reg, cat, &n, &err), &err);
    assert_int_equal(n, 17);
    /* bodies: 认证中心 for aluminium, 另一认证 for cement only */
    json_t *scope = json_pack("[s]", "electrolytic_aluminium"), *scope2 = json_pack("[s]", "cement"),
           *bad = json_pack("[s]", "bananas");
    assert_int_equal(svc_cert_body_register(&w->reg, "铝业A", NULL, scope, &err), TJ_ERR_CONFLICT);
    assert_int_equal(svc_cert_body_register(&w->reg, "认证中心", NULL, bad, &err), TJ_ERR_INPUT);
    assert_int_equal(svc_cert_body_register(&w->body, "认证中心", NULL, scope, &err), TJ_ERR_PERM);
    ok(svc_cert_body_register(&w->reg, "认证中心", "CNAS-TEST-1", scope, &err), &err);
    ok(svc_cert_body_register(&w->reg, "另一认证", NULL, scope2, &err), &err);
    json_decref(scope);
    json_decref(scope2);
    json_decref(bad);
    fresh_key(&w->key);
    fresh_key(&w->key2);
    ok(svc_cert_key_add(&w->reg, "认证中心", w->key.pk, NULL, &err), &err);
    ok(svc_cert_key_add(&w->reg, "另一认证", w->key2.pk, NULL, &err), &err);
    w->fp = save_footprint(&w->ent, "certifiable-aluminium.json");
}

static void release_world(world *w)
{
    svc_ctx *c[] = {&w->op, &w->reg, &w->ent, &w->ent2, &w->body, &w->body2, &w->listed};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        svc_ctx_release(c[i]);
    free(w->ent_org);
    free(w->ent2_org);
    free(w->body_org);
    free(w->body2_org);
    free(w->listed_org);
    free(w->fp);
}

static void doc(svc_ctx *ctx, const char *app, const char *text)
{
    tj_error err;
    ok(svc_cert_document_add(ctx, app, "report.txt", "text/plain", text, strlen(text), NULL, &err), &err);
}

static void step(svc_ctx *ctx, const char *app, const char *action, const ledger_key *key)
{
    svc_cert_step_in in = {
        .action = action, .comment = "ok", .key = key, .public_url = "https://registry.example"};
    tj_error err;
    ok(svc_cert_step(ctx, app, &in, NULL, &err), &err);
}

/* Apply and take every step to a label; returns the label number. */
static char *certify(world *w, const char *fp)
{
    tj_error err;
    char *app = NULL;
    ok(svc_cert_apply(&w->ent, fp, "认证中心", &app, &err), &err);
    step(&w->body, app, "accept", NULL);
    doc(&w->body, app, "certification plan");
    step(&w->body, app, "plan", NULL);
    doc(&w->ent, app, "process flow chart and licences");
    step(&w->body, app, "review_documents", NULL);
    doc(&w->body, app, "on-site inspection report");
    step(&w->body, app, "inspect", NULL);
    doc(&w->body, app, "verification report");
    step(&w->body, app, "verify", NULL);
    doc(&w->body, app, "evaluation");
    step(&w->body, app, "evaluate", NULL);
    step(&w->body, app, "decide", &w->key);
    json_t *a = NULL;
    ok(svc_cert_application_get(&w->ent, app, &a, &err), &err);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "certified");
    char *number = strdup(json_string_value(json_object_get(a, "label_number")));
    assert_int_equal(json_array_size(json_object_get(a, "steps")), 8);
    json_decref(a);
    free(app);
    return number;
}

static json_t *keyring(world *w)
{
    json_t *k = NULL;
    tj_error err;
    ok(svc_cert_keyring(&w->ent2, NULL, &k, &err), &err);
    return k;
}

static int report_ok(const json_t *r)
{
    return json_is_true(json_object_get(r, "ok"));
}
static const char *check_of(const json_t *r, const char *name)
{
    return json_string_value(json_object_get(json_object_get(r, "checks"), name));
}

static void test_whole_path(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    char *number = certify(&w, w.fp);
    assert_non_null(strstr(number, "CN-530000-"));
    /* online verification by anyone */
    json_t *r = NULL;
    ok(svc_label_verify_number(&w.ent2, number, &r, &err), &err);
    assert_true(report_ok(r));
    json_decref(r);
    /* offline from the document with the keyring */
    json_t *d = NULL, *kr = keyring(&w);
    ok(svc_label_document(&w.ent2, number, &d, &err), &err);
    ok(svc_label_verify_document(d, kr, NULL, NULL, &r, &err), &err);
    assert_true(report_ok(r));
    json_decref(r);
    /* an altered label: one field changed */
    json_t *alt = json_deep_copy(d);
    json_object_set_new(json_object_get(alt, "label"), "value", json_real(1.0));
    ok(svc_label_verify_document(alt, kr, NULL, NULL, &r, &err), &err);
    assert_false(report_ok(r));
    assert_string_equal(check_of(r, "signature"), "failed");
    assert_string_equal(check_of(r, "ledger"), "failed");
    json_decref(r);
    json_decref(alt);
    /* a forged label: signed by an unregistered key */
    ledger_key mallory;
    fresh_key(&mallory);
    alt = json_deep_copy(d);
    json_t *label = json_object_get(alt, "label");
    char *msg = ledger_canonical_json(label);
    unsigned char s[64];
    crypto_sign_detached(s, NULL, (const unsigned char *)msg, strlen(msg), mallory.sk);
    free(msg);
    char shex[129], pkhex[65], kid[17];
    sodium_bin2hex(shex, sizeof shex, s, 64);
    ledger_pk_hex(mallory.pk, pkhex);
    svc_cert_key_id(mallory.pk, kid);
    json_t *sig = json_object_get(alt, "signature");
    json_object_set_new(sig, "value", json_string(shex));
    json_object_set_new(sig, "public_key", json_string(pkhex));
    json_object_set_new(sig, "key_id", json_string(kid));
    ok(svc_label_verify_document(alt, kr, NULL, NULL, &r, &err), &err);
    assert_false(report_ok(r));
    assert_string_equal(check_of(r, "key"), "failed");
    json_decref(r);
    json_decref(alt);
    /* expiry by date: verified at a time after the validity */
    ok(svc_label_verify_document(d, kr, NULL, "2099-01-01", &r, &err), &err);
    assert_false(report_ok(r));
    assert_string_equal(check_of(r, "validity"), "failed");
    json_decref(r);
    /* the public view has the history */
    json_t *v = NULL;
    ok(svc_label_get(&w.ent2, number, &v, &err), &err);
    assert_int_equal(json_array_size(json_object_get(v, "history")), 1);
    json_decref(v);
    /* graphics */
    char *svg = NULL;
    ok(svc_label_svg(json_object_get(d, "label"), &svg, &err), &err);
    assert_non_null(strstr(svg, number));
    assert_non_null(strstr(svg, "<path"));
    free(svg);
    char png[300];
    snprintf(png, sizeof png, "/tmp/tjt-label-%d.png", (int)getpid());
    ok(svc_label_png(json_object_get(d, "label"), png, 2, &err), &err);
    FILE *pf = fopen(png, "rb");
    assert_non_null(pf);
    unsigned char magic[8];
    assert_int_equal(fread(magic, 1, 8, pf), 8);
    fclose(pf);
    remove(png);
    assert_memory_equal(magic, "\x89PNG", 4);

    /* suspension by the body, refused for the holder; reinstatement */
    assert_int_equal(svc_label_act(&w.ent, number, "suspend", "x", &err), TJ_ERR_PERM);
    assert_int_equal(svc_label_act(&w.body2, number, "suspend", "x", &err), TJ_ERR_PERM);
    ok(svc_label_act(&w.body, number, "suspend", "surveillance findings", &err), &err);
    ok(svc_label_verify_number(&w.ent2, number, &r, &err), &err);
    assert_false(report_ok(r));
    assert_string_equal(check_of(r, "status"), "failed");
    json_decref(r);
    ok(svc_label_act(&w.body, number, "reinstate", NULL, &err), &err);
    /* surveillance: a failed one suspends */
    int seq = 0;
    ok(svc_label_surveillance_schedule(&w.body, number, "2030-01-01", &seq, &err), &err);
    assert_int_equal(svc_label_surveillance_record(&w.ent, number, seq, "passed", NULL, &err), TJ_ERR_PERM);
    ok(svc_label_surveillance_record(&w.body, number, seq, "failed", "inventory data not traceable", &err),
       &err);
    ok(svc_label_get(&w.ent2, number, &v, &err), &err);
    assert_string_equal(json_string_value(json_object_get(v, "status")), "suspended");
    json_decref(v);
    ok(svc_label_act(&w.body, number, "reinstate", NULL, &err), &err);
    /* key rotation: the old key is retired, the label still verifies */
    ledger_key k3;
    fresh_key(&k3);
    ok(svc_cert_key_add(&w.reg, "认证中心", k3.pk, NULL, &err), &err);
    ok(svc_label_verify_number(&w.ent2, number, &r, &err), &err);
    assert_true(report_ok(r));
    json_decref(r);
    /* a second label cannot be signed with the retired key */
    char *fp2 = save_footprint(&w.ent, "certifiable-aluminium.json");
    char *app2 = NULL;
    ok(svc_cert_apply(&w.ent, fp2, "认证中心", &app2, &err), &err);
    const char *acts[] = {"accept", "plan", "review_documents", "inspect", "verify", "evaluate"};
    for (size_t i = 0; i < 6; i++) {
        if (i)
            doc(&w.body, app2, acts[i]);
        step(&w.body, app2, acts[i], NULL);
    }
    svc_cert_step_in in = {.action = "decide", .key = &w.key};
    assert_int_equal(svc_cert_step(&w.body, app2, &in, NULL, &err), TJ_ERR_PERM);
    in.key = &k3;
    ok(svc_cert_step(&w.body, app2, &in, NULL, &err), &err);
    /* revoke the old key: the first label no longer verifies */
    char old_id[17];
    svc_cert_key_id(w.key.pk, old_id);
    ok(svc_cert_key_revoke(&w.reg, old_id, "key compromised", &err), &err);
    ok(svc_label_verify_number(&w.ent2, number, &r, &err), &err);
    assert_false(report_ok(r));
    assert_string_equal(check_of(r, "key"), "failed");
    json_decref(r);
    json_decref(kr);
    kr = keyring(&w);
    ok(svc_label_verify_document(d, kr, NULL, NULL, &r, &err), &err);
    assert_false(report_ok(r));
    json_decref(r);
    /* withdrawal by the holder; revocation */
    assert_int_equal(svc_label_act(&w.ent2, number, "withdraw", "x", &err), TJ_ERR_PERM);
    ok(svc_label_act(&w.ent, number, "withdraw", "product discontinued", &err), &err);
    assert_int_equal(svc_label_act(&w.body, number, "revoke", "x", &err), TJ_ERR_CONFLICT);
    /* expiry job */
    setenv("TANJI_NOW", "2099-01-01T00:00:00Z", 1);
    int expired = 0, missed = 0;
    assert_int_equal(svc_label_expire(&w.body, &expired, &missed, &err), TJ_ERR_PERM);
    ok(svc_label_expire(&w.op, &expired, &missed, &err), &err);
    unsetenv("TANJI_NOW");
    assert_int_equal(expired, 1);
    /* the ledger explains every object */
    ledger_report vr;
    ok(svc_ledger_verify(&w.op, NULL, NULL, &vr, &err), &err);
    for (size_t i = 0; i < vr.nproblems; i++)
        fprintf(stderr, "problem: %s %s %s\n", vr.problems[i].object_type, vr.problems[i].object_id,
                vr.problems[i].detail);
    assert_int_equal(vr.nproblems, 0);
    assert_true(vr.objects_checked > 10);
    ledger_report_release(&vr);
    json_decref(kr);
    json_decref(d);
    free(fp2);
    free(app2);
    free(number);
    release_world(&w);
}

static void test_refusals(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    char *app = NULL;
    /* another enterprise's footprint, a body outside the scope */
    assert_int_equal(svc_cert_apply(&w.ent2, w.fp, "认证中心", &app, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_cert_apply(&w.ent, w.fp, "另一认证", &app, &err), TJ_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "not accredited"));
    /* a listed entity */
    char *lfp = save_footprint(&w.listed, "certifiable-aluminium.json");
    assert_int_equal(svc_dishonest_add(&w.ent, "铝业C", "x", "y", NULL, NULL, NULL, &err), TJ_ERR_PERM);
    ok(svc_dishonest_add(&w.reg, "铝业C", "falsified data", "认证认可条例 (test)", NULL, NULL, NULL, &err),
       &err);
    assert_int_equal(svc_cert_apply(&w.listed, lfp, "认证中心", &app, &err), TJ_ERR_PERM);
    json_t *list = NULL;
    ok(svc_dishonest_list(&w.ent2, 0, &list, &err), &err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* roles doing other roles' steps, skipping steps, steps without evidence */
    ok(svc_cert_apply(&w.ent, w.fp, "认证中心", &app, &err), &err);
    svc_cert_step_in in = {.action = "accept"};
    assert_int_equal(svc_cert_step(&w.ent, app, &in, NULL, &err), TJ_ERR_PERM);
    assert_int_equal(svc_cert_step(&w.reg, app, &in, NULL, &err), TJ_ERR_PERM);
    assert_int_equal(svc_cert_step(&w.body2, app, &in, NULL, &err), TJ_ERR_NOTFOUND);
    in.action = "inspect";
    assert_int_equal(svc_cert_step(&w.body, app, &in, NULL, &err), TJ_ERR_CONFLICT);
    in.action = "accept";
    ok(svc_cert_step(&w.body, app, &in, NULL, &err), &err);
    in.action = "plan";
    assert_int_equal(svc_cert_step(&w.body, app, &in, NULL, &err), TJ_ERR_CONFLICT); /* no evidence */
    /* documents: type and content checked */
    assert_int_equal(svc_cert_document_add(&w.body, app, "x.pdf", "application/pdf", "hello", 5, NULL, &err),
                     TJ_ERR_INPUT);
    assert_int_equal(
        svc_cert_document_add(&w.body, app, "x.exe", "application/x-msdownload", "MZ", 2, NULL, &err),
        TJ_ERR_INPUT);
    assert_int_equal(svc_cert_document_add(&w.ent2, app, "x.txt", "text/plain", "hi", 2, NULL, &err),
                     TJ_ERR_NOTFOUND);
    char sha[65];
    ok(svc_cert_document_add(&w.body, app, "plan.pdf", "application/pdf", "%PDF-1.4 plan", 13, sha, &err),
       &err);
    unsigned char *data = NULL;
    size_t len = 0;
    char *mt = NULL;
    ok(svc_cert_document_get(&w.ent, app, sha, &data, &len, &mt, &err), &err);
    assert_int_equal(len, 13);
    assert_string_equal(mt, "application/pdf");
    free(data);
    free(mt);
    /* the holder may withdraw, with a reason */
    in.action = "withdraw";
    assert_int_equal(svc_cert_step(&w.ent, app, &in, NULL, &err), TJ_ERR_USAGE);
    in.comment = "changed our mind";
    assert_int_equal(svc_cert_step(&w.body, app, &in, NULL, &err), TJ_ERR_PERM);
    ok(svc_cert_step(&w.ent, app, &in, NULL, &err), &err);
    /* an application is invisible to a third party */
    json_t *a = NULL;
    assert_int_equal(svc_cert_application_get(&w.ent2, app, &a, &err), TJ_ERR_NOTFOUND);
    free(app);
    free(lfp);
    release_world(&w);
}

static void test_grading_disclosure_registry(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    json_t *th = json_pack("[f,f,f,f]", 5000.0, 10000.0, 15000.0, 20000.0);
    assert_int_equal(
        svc_grade_benchmark_set(&w.ent, "electrolytic_aluminium", "thresholds", 5, 0, th, NULL, NULL, &err),
        TJ_ERR_PERM);
    ok(svc_grade_benchmark_set(&w.reg, "electrolytic_aluminium", "thresholds", 5, 0, th, "test bands", NULL,
                               &err),
       &err);
    json_decref(th);
    char *number = certify(&w, w.fp);
    json_t *v = NULL;
    ok(svc_label_get(&w.ent2, number, &v, &err), &err);
    assert_int_equal(json_integer_value(json_object_get(v, "grade")), 3); /* 12398 kg/t: (10000, 15000] */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(v, "label"), "grade"),
                                                        "benchmark_version")),
                     1);
    json_decref(v);
    /* percentile with a minimum sample above the labels: no grade, reason */
    json_t *b = NULL;
    ok(svc_grade_benchmark_set(&w.reg, "electrolytic_aluminium", "percentile", 5, 10, NULL, NULL, &b, &err),
       &err);
    json_decref(b);
    ok(svc_label_get(&w.ent2, number, &v, &err), &err);
    assert_true(json_is_null(json_object_get(v, "grade")));
    assert_int_equal(json_integer_value(json_object_get(v, "grade_version")), 2);
    assert_int_equal(json_array_size(json_object_get(v, "grade_history")), 2); /* at issue, v2 */
    json_decref(v);
    ok(svc_grade_benchmark_set(&w.reg, "electrolytic_aluminium", "percentile", 4, 1, NULL, NULL, NULL, &err),
       &err);
    json_t *st = NULL, *flt = json_object();
    ok(svc_grade_stats(&w.ent2, flt, &st, &err), &err);
    assert_int_equal(json_array_size(st), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(st, 0), "n")), 1);
    json_decref(st);
    json_decref(flt);
    /* registry: search and compare */
    json_t *q = json_pack("{s:s,s:s}", "company", "铝业", "status", "valid"), *res = NULL;
    ok(svc_registry_search(&w.ent2, q, 10, 0, &res, &err), &err);
    assert_int_equal(json_array_size(json_object_get(res, "items")), 1);
    json_decref(res);
    json_decref(q);
    q = json_pack("{s:s}", "region", "110000");
    ok(svc_registry_search(&w.ent2, q, 10, 0, &res, &err), &err);
    assert_int_equal(json_array_size(json_object_get(res, "items")), 0);
    json_decref(res);
    json_decref(q);
    ok(svc_registry_compare(&w.ent2, "electrolytic_aluminium", 10, &res, &err), &err);
    assert_int_equal(json_array_size(json_object_get(res, "labels")), 1);
    json_decref(res);
    /* disclosure: private, partners, public; secrets only when chosen */
    char *dpriv = NULL, *dpart = NULL, *dpub = NULL;
    json_t *partners = json_pack("[s]", "铝业B"), *fields = json_pack("[s]", "stages");
    assert_int_equal(svc_disclosure_publish(&w.ent2, w.fp, "public", NULL, NULL, &dpub, &err),
                     TJ_ERR_NOTFOUND);
    ok(svc_disclosure_publish(&w.ent, w.fp, "private", NULL, NULL, &dpriv, &err), &err);
    ok(svc_disclosure_publish(&w.ent, w.fp, "partners", partners, NULL, &dpart, &err), &err);
    ok(svc_disclosure_publish(&w.ent, w.fp, "public", NULL, fields, &dpub, &err), &err);
    json_t *dv = NULL;
    assert_int_equal(svc_disclosure_get(&w.ent2, dpriv, &dv, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_disclosure_get(&w.listed, dpart, &dv, &err), TJ_ERR_NOTFOUND);
    ok(svc_disclosure_get(&w.ent2, dpart, &dv, &err), &err);
    assert_null(json_object_get(json_object_get(dv, "footprint"), "disclosed_details"));
    char *text = json_dumps(dv, 0);
    assert_null(strstr(text, "aluminium fluoride")); /* activity data stays in */
    free(text);
    json_decref(dv);
    ok(svc_disclosure_get(&w.listed, dpub, &dv, &err), &err);
    assert_non_null(
        json_object_get(json_object_get(json_object_get(dv, "footprint"), "disclosed_details"), "stages"));
    json_decref(dv);
    assert_int_equal(svc_disclosure_withdraw(&w.ent2, dpub, "x", &err), TJ_ERR_PERM);
    ok(svc_disclosure_withdraw(&w.ent, dpub, "superseded", &err), &err);
    ok(svc_disclosure_get(&w.listed, dpub, &dv, &err), &err);
    assert_string_equal(json_string_value(json_object_get(dv, "status")), "withdrawn");
    assert_null(json_object_get(dv, "footprint"));
    json_decref(dv);
    /* ESG section */
    char *esg = NULL;
    ok(svc_esg_section(&w.ent, NULL, "html", "en", &esg, &err), &err);
    assert_non_null(strstr(esg, number));
    free(esg);
    ok(svc_esg_section(&w.ent, NULL, "csv", "zh", &esg, &err), &err);
    assert_non_null(strstr(esg, "碳标识"));
    free(esg);
    ledger_report vr;
    ok(svc_ledger_verify(&w.op, NULL, NULL, &vr, &err), &err);
    for (size_t i = 0; i < vr.nproblems; i++)
        fprintf(stderr, "problem: %s %s %s\n", vr.problems[i].object_type, vr.problems[i].object_id,
                vr.problems[i].detail);
    assert_int_equal(vr.nproblems, 0);
    assert_true(vr.objects_checked > 10);
    ledger_report_release(&vr);
    json_decref(partners);
    json_decref(fields);
    free(dpriv);
    free(dpart);
    free(dpub);
    free(number);
    release_world(&w);
}

/* svc_label_public_text (the text written from the row) is byte for byte
 * the general path (svc_label_public encoded as http_json does), or fails
 * with the same error, for the issued label and for stored documents made
 * to take every branch: numbers jansson writes differently, escapes,
 * UTF-8, whitespace, unsorted or repeated keys, damaged documents. */
static void same_public_text(svc_ctx *ctx, const char *number, int *fast_ok)
{
    tj_error e1, e2;
    tj_error_clear(&e1);
    tj_error_clear(&e2);
    json_t *d = NULL;
    char *text = NULL;
    size_t len = 0;
    tj_status r1 = svc_label_public(ctx, number, 0, &d, &e1);
    tj_status r2 = svc_label_public_text(ctx, number, &text, &len, &e2);
    assert_int_equal(r1, r2);
    if (r1 == TJ_OK) {
        char *want = json_dumps(d, JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
        assert_non_null(want);
        if (strcmp(want, text))
            fprintf(stderr, "general: %s\nfast:    %s\n", want, text);
        assert_string_equal(want, text);
        assert_int_equal(len, strlen(want));
        free(want);
        (*fast_ok)++;
    } else {
        assert_string_equal(e1.message, e2.message);
    }
    json_decref(d);
    free(text);
}

static void set_document(store_db *db, const char *number, const char *doc)
{
    tj_error err;
    store_stmt *st = NULL;
    ok(store_prepare(db, "UPDATE label SET document = ? WHERE number = ?", &st, &err), &err);
    store_bind_text(st, 1, doc);
    store_bind_text(st, 2, number);
    assert_true(store_step(st, &err) >= 0);
    store_finalize(st);
}

static void test_public_text(void **state)
{
    tjt_fixture *f = *state;
    world w;
    tj_error err;
    setup_world(f->db, &w);
    char *number = certify(&w, w.fp);
    setenv("TANJI_NOW", "2026-12-02T01:02:03Z", 1);
    int n_ok = 0;
    same_public_text(&w.ent2, number, &n_ok);
    same_public_text(&w.ent2, "CN-110000-2025-999999", &n_ok); /* no such label */
    /* a grade and another status */
    json_t *g = json_integer(2), *gv = json_integer(7);
    ok(store_label_set_grade(f->db, number, g, gv, "2026-12-02T00:00:00Z", &err), &err);
    json_decref(g);
    json_decref(gv);
    ok(store_label_set_status(f->db, number, "suspended", "测试 \"quoted\"", "2026-12-02T00:00:00Z", &err),
       &err);
    same_public_text(&w.ent2, number, &n_ok);
    assert_int_equal(n_ok, 2);
    static const char *const docs[] = {
        /* jansson writes these numbers otherwise than the text */
        "{\"label\":{\"a\":1.1,\"b\":-0,\"c\":1e21,\"d\":0.5,\"e\":-12,\"f\":1E2,\"g\":100000000000000000,"
        "\"h\":-999999999999999999,\"i\":1234567890123456789,\"j\":0,\"k\":-0.0,\"l\":2.5e-7,\"m\":[1,2.0,3e0]},"
        "\"signature\":{\"value\":1.7976931348623157e308}}",
        /* strings: escapes, U+2028, DEL, Chinese, a surrogate pair, a raw 4-byte character */
        "{\"label\":{\"a\":\"\\u00e9\\n\\t\\\"\\\\\\/\",\"b\":\"\xe2\x80\xa8\",\"c\":\"\x7f\",\"d\":\"碳标识\","
        "\"e\":\"\\ud83d\\ude00\",\"f\":\"\xf0\x9f\x98\x80\",\"g\":\"\",\"h\":\"a\\u0001b\"},\"signature\":\"s\"}",
        /* whitespace, empty containers, literals */
        " { \"label\" : { \"a\" : [ ] , \"b\" : { } , \"c\" : [ true , false , null ] } ,\n\t\"signature\" : "
        "[ { } ] } \r\n",
        /* other members around, deeper values */
        "{\"a\":{\"x\":[1,[2,[3,{\"y\":\"z\"}]]]},\"label\":{\"n\":\"CN\"},\"signature\":{\"k\":1},\"z\":true}",
        /* keys not sorted (the general path) */
        "{\"signature\":{\"b\":1,\"a\":2},\"label\":{\"z\":1}}",
        "{\"label\":{\"b\":1,\"a\":2},\"signature\":{}}",
        /* a repeated key */
        "{\"label\":1,\"label\":2,\"signature\":3}",
        "{\"label\":{\"a\":1,\"a\":2},\"signature\":3}",
        /* a key with an escape; keys that are prefixes of others */
        "{\"label\":{\"\\u0061\":1},\"signature\":{\"a\":1,\"ab\":2,\"abc\":3}}",
        /* nesting deeper than the fast path goes */
        "{\"label\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"
        "\"signature\":1}",
        /* damaged: each must fail as the general path fails */
        "{\"label\":{},\"signature\":{},}",
        "{\"label\":{},\"signature\":{}} x",
        "{\"label\":{}}",
        "{}",
        "[]",
        "null",
        "",
        "{\"label\":{\"a\":01},\"signature\":1}",
        "{\"label\":{\"a\":-},\"signature\":1}",
        "{\"label\":{\"a\":1.},\"signature\":1}",
        "{\"label\":{\"a\":.5},\"signature\":1}",
        "{\"label\":{\"a\":1-2},\"signature\":1}",
        "{\"label\":{\"a\":123456789012345678901},\"signature\":1}",
        "{\"label\":{\"a\":1e999},\"signature\":1}",
        "{\"label\":{\"a\":tru},\"signature\":1}",
        "{\"label\":{\"a\":truex},\"signature\":1}",
        "{\"label\":{\"a\":\"x\ty\"},\"signature\":1}",
        "{\"label\":{\"a\":\"\\u0000\"},\"signature\":1}",
        "{\"label\":{\"a\":\"\\x\"},\"signature\":1}",
        "{\"label\":{\"a\":\"open},\"signature\":1}",
        "{\"label\":{\"a\" 1},\"signature\":1}",
        "{\"label\":[1,],\"signature\":1}",
        "{\"label\":[1 2],\"signature\":1}",
        "{label:1,\"signature\":1}",
    };
    int fast = 0;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        set_document(f->db, number, docs[i]);
        same_public_text(&w.ent2, number, &fast);
    }
    assert_int_equal(fast, 10); /* the first ten are documents */
    if (store_backend(f->db) == STORE_SQLITE) { /* PostgreSQL keeps no invalid UTF-8 */
        static const char *const bad[] = {
            "{\"label\":{\"a\":\"\xff\"},\"signature\":1}",         /* not UTF-8 */
            "{\"label\":{\"a\":\"\xc0\xaf\"},\"signature\":1}",     /* overlong */
            "{\"label\":{\"a\":\"\xed\xa0\x80\"},\"signature\":1}", /* a surrogate */
            "{\"label\":{\"a\":\"\xf4\x90\x80\x80\"},\"signature\":1}", /* above U+10FFFF */
            "{\"label\":{\"a\":\"\xe7\xa2\"},\"signature\":1}",     /* cut short */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            set_document(f->db, number, bad[i]);
            same_public_text(&w.ent2, number, &fast);
        }
        assert_int_equal(fast, 10);
    }
    unsetenv("TANJI_NOW");
    free(number);
    release_world(&w);
}

int main(int argc, char **argv)
{
    const char *s = getenv("TJ_SOURCE_DIR");
    snprintf(src_dir, sizeof src_dir, "%s", s ? s : ".");
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_whole_path, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_grading_disclosure_registry, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_public_text, tjt_setup, tjt_teardown),
    };
    if (tjt_want_pg(argc, argv)) {
        if (tjt_pg_missing("certification"))
            return TJT_SKIP_EXIT;
        tjt_use_pg = 1;
        return tjt_exit_code(cmocka_run_group_tests_name("certification/postgresql", tests, NULL, NULL));
    }
    return tjt_exit_code(cmocka_run_group_tests_name("certification/sqlite", tests, NULL, NULL));
}

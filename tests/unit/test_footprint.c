/* Footprints as records and the service context: saving, permissions,
 * tenancy, composing transactions and ledger entries, on SQLite and (with
 * TJ_PG_URL) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "services/account.h"
#include "ledger/ledger.h"
#include "services/footprint.h"
#include "tj_testdb.h"

static const char model[] =
    "{\"product\":{\"name\":\"test widget\",\"unit\":\"kg\",\"boundary\":\"cradle-to-gate\",\"process\":\"a\"},"
    "\"factors\":[{\"id\":\"f1\",\"name\":\"f1 (example)\",\"value\":2.5,\"unit\":\"kg\",\"source\":\"example\"}],"
    "\"processes\":[{\"id\":\"a\",\"stage\":\"production\",\"exchanges\":["
    "{\"type\":\"product\",\"direction\":\"output\",\"flow\":\"w\",\"amount\":1,\"unit\":\"kg\"},"
    "{\"type\":\"product\",\"direction\":\"input\",\"flow\":\"m\",\"amount\":4,\"unit\":\"kg\",\"factor\":\"f1\"}]}]}";

static void calc(svc_ctx *ctx, svc_calculation *c)
{
    svc_calc_request rq;
    svc_calc_request_init(&rq);
    rq.model_text = model;
    rq.model_len = strlen(model);
    rq.model_name = "test.json";
    tj_error err;
    tj_status st = svc_calculate(ctx, &rq, c, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, TJ_OK);
    assert_true(c->res->total > 9.99 && c->res->total < 10.01);
}

/* Two enterprises with a user each; ctx a and b act for them. */
static void parties(store_db *db, svc_ctx *a, svc_ctx *b)
{
    svc_ctx op;
    tj_error err;
    assert_int_equal(svc_ctx_local(&op, db, NULL, &err), TJ_OK);
    char *oa = NULL, *ob = NULL;
    assert_int_equal(svc_org_create(&op, "org A", "enterprise", "530000", &oa, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "org B", "enterprise", NULL, &ob, &err), TJ_OK);
    assert_int_equal(svc_user_create(&op, "ua", "org A", "enterprise", NULL, &err), TJ_OK);
    assert_int_equal(svc_user_create(&op, "ub", ob, "enterprise,submitter", NULL, &err), TJ_OK);
    assert_int_equal(svc_user_create(&op, "rv", oa, "reviewer", NULL, &err), TJ_OK);
    /* refused: duplicates, unknown role, a user creating users */
    assert_int_equal(svc_org_create(&op, "org A", "enterprise", NULL, NULL, &err), TJ_ERR_CONFLICT);
    assert_int_equal(svc_user_create(&op, "ux", "org A", "king", NULL, &err), TJ_ERR_INPUT);
    assert_int_equal(svc_ctx_local(a, db, "ua", &err), TJ_OK);
    assert_int_equal(svc_ctx_local(b, db, "ub", &err), TJ_OK);
    assert_string_equal(a->who.org_id, oa);
    assert_int_equal(b->who.roles, SVC_ROLE_ENTERPRISE | SVC_ROLE_SUBMITTER);
    assert_int_equal(svc_user_create(a, "uy", "org A", "enterprise", NULL, &err), TJ_ERR_PERM);
    svc_ctx none;
    assert_int_equal(svc_ctx_local(&none, db, "nobody", &err), TJ_ERR_NOTFOUND);
    free(oa);
    free(ob);
    svc_ctx_release(&op);
}

static void test_save_and_tenancy(void **state)
{
    tjt_fixture *f = *state;
    svc_ctx a, b;
    parties(f->db, &a, &b);
    tj_error err;
    svc_calculation c;
    calc(&a, &c);
    int64_t entries = tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry");
    char *id = NULL;
    svc_footprint_save_opts so = {0};
    assert_int_equal(svc_footprint_save(&a, &c, &so, &id, &err), TJ_OK);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry"), entries + 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'footprint.save'"), 1);

    json_t *j = NULL;
    assert_int_equal(svc_footprint_get(&a, id, 1, &j, &err), TJ_OK);
    assert_string_equal(json_string_value(json_object_get(j, "owner_org")), a.who.org_id);
    assert_string_equal(json_string_value(json_object_get(j, "inputs_digest")), c.model->inputs_digest);
    assert_true(json_is_object(json_object_get(j, "result")));
    json_decref(j);
    /* the other organisation: not found, with the message of a missing id */
    assert_int_equal(svc_footprint_get(&b, id, 0, &j, &err), TJ_ERR_NOTFOUND);
    char msg[sizeof err.message];
    strcpy(msg, err.message);
    assert_int_equal(svc_footprint_get(&b, "no-such-id", 0, &j, &err), TJ_ERR_NOTFOUND);
    assert_non_null(strstr(msg, id));
    assert_int_equal(strlen(msg) - strlen(id), strlen(err.message) - strlen("no-such-id"));
    assert_int_equal(svc_footprint_list(&b, 0, 0, &j, &err), TJ_OK);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    /* b cannot replace a's footprint; a reviewer cannot save */
    char *id2 = NULL;
    so.replaces = id;
    assert_int_equal(svc_footprint_save(&b, &c, &so, &id2, &err), TJ_ERR_NOTFOUND);
    svc_ctx rv;
    assert_int_equal(svc_ctx_local(&rv, f->db, "rv", &err), TJ_OK);
    assert_int_equal(svc_footprint_save(&rv, &c, &so, &id2, &err), TJ_ERR_PERM);
    svc_ctx_release(&rv);
    /* failed saves wrote nothing */
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM footprint"), 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry"), entries + 1);
    /* the state a verifier recomputes equals the ledger's */
    assert_int_equal(svc_footprint_state(f->db, id, &j, &err), TJ_OK);
    char hex[65];
    assert_int_equal(ledger_digest_json(j, hex, &err), TJ_OK);
    json_decref(j);
    store_stmt *st;
    assert_int_equal(store_prepare(f->db, "SELECT state_digest FROM ledger_entry WHERE object_id = ?", &st, &err),
                     TJ_OK);
    store_bind_text(st, 1, id);
    assert_int_equal(store_step(st, &err), 1);
    assert_string_equal(store_col_text(st, 0), hex);
    store_finalize(st);

    free(id);
    svc_calculation_release(&c);
    svc_ctx_release(&a);
    svc_ctx_release(&b);
}

/* A service called inside another's transaction joins it: the outer
 * rollback undoes the footprint and its ledger entry together. */
static void test_transactions_compose(void **state)
{
    tjt_fixture *f = *state;
    svc_ctx a, b;
    parties(f->db, &a, &b);
    tj_error err;
    svc_calculation c;
    calc(&a, &c);
    int64_t entries = tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry");
    char *id = NULL;
    assert_int_equal(svc_begin(&a, &err), TJ_OK);
    assert_int_equal(svc_footprint_save(&a, &c, NULL, &id, &err), TJ_OK);
    assert_int_equal(store_in_transaction(f->db), 1);
    svc_rollback(&a);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM footprint"), 0);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry"), entries);
    free(id);
    /* a failing inner step rolls back only itself */
    assert_int_equal(svc_begin(&a, &err), TJ_OK);
    assert_int_equal(svc_footprint_save(&a, &c, NULL, &id, &err), TJ_OK);
    char *bad = NULL;
    svc_footprint_save_opts so = {.replaces = "missing"};
    assert_int_equal(svc_footprint_save(&a, &c, &so, &bad, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_commit(&a, &err), TJ_OK);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM footprint"), 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM ledger_entry"), entries + 1);
    free(id);
    svc_calculation_release(&c);
    svc_ctx_release(&a);
    svc_ctx_release(&b);
}

static void test_roles(void **state)
{
    (void)state;
    unsigned r;
    tj_error err;
    assert_int_equal(svc_roles_parse("enterprise,reviewer", &r, &err), TJ_OK);
    assert_int_equal(r, SVC_ROLE_ENTERPRISE | SVC_ROLE_REVIEWER);
    assert_int_equal(svc_roles_parse("enterprise,,", &r, &err), TJ_ERR_INPUT);
    assert_int_equal(svc_roles_parse("enterprisex", &r, &err), TJ_ERR_INPUT);
    char *s = svc_roles_format(SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR);
    assert_string_equal(s, "operator,regulator");
    free(s);
    svc_ctx ctx;
    assert_int_equal(svc_ctx_init(&ctx, NULL, "u1", "u1", "org1", SVC_ROLE_SUBMITTER, &err), TJ_OK);
    assert_int_equal(svc_require(&ctx, SVC_ROLE_REVIEWER | SVC_ROLE_REGULATOR, "publish factors", &err),
                     TJ_ERR_PERM);
    assert_non_null(strstr(err.message, "reviewer,regulator"));
    assert_true(svc_owns(&ctx, "org1"));
    assert_false(svc_owns(&ctx, "org2"));
    svc_ctx_release(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_save_and_tenancy, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_transactions_compose, tjt_setup, tjt_teardown),
        cmocka_unit_test(test_roles),
    };
    tjt_use_pg = 0;
    int fails = cmocka_run_group_tests_name("footprint/sqlite", tests, NULL, NULL);
    if (tjt_pg_admin_url()) {
        tjt_use_pg = 1;
        fails += cmocka_run_group_tests_name("footprint/postgresql", tests, NULL, NULL);
    } else {
        printf("footprint/postgresql: SKIPPED (set TJ_PG_URL; see scripts/pg-test-cluster.sh)\n");
        return fails ? 1 : 77;
    }
    return fails ? 1 : 0;
}

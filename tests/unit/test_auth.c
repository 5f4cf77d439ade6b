/* Authentication, tokens and permission checks of the server's services
 * (services/auth.c, model.c, job.c, publication.c), on SQLite and (with
 * TJ_PG_URL) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/account.h"
#include "services/auth.h"
#include "services/job.h"
#include "services/model.h"
#include "services/publication.h"
#include "store/auth_sql.h"
#include "tj_testdb.h"

static void make_user(svc_ctx *op, const char *name, const char *org, const char *roles)
{
    tj_error err;
    char *id = NULL;
    assert_int_equal(svc_user_add(op, name, org, roles, "a-good-password", &id, &err), TJ_OK);
    free(id);
}

static void test_secrets(void **state)
{
    (void)state;
    char *h = NULL;
    tj_error err;
    assert_int_equal(svc_secret_hash("correct horse battery", &h, &err), TJ_OK);
    assert_true(!strncmp(h, "$argon2id$", 10));
    assert_null(strstr(h, "correct horse"));
    assert_true(svc_secret_verify(h, "correct horse battery"));
    assert_false(svc_secret_verify(h, "correct horse batterx"));
    assert_false(svc_secret_verify(NULL, "x"));
    assert_false(svc_secret_verify("garbage", "x"));
    char *h2 = NULL;
    assert_int_equal(svc_secret_hash("correct horse battery", &h2, &err), TJ_OK);
    assert_string_not_equal(h, h2); /* salted */
    free(h);
    free(h2);
}

static void test_login_tokens(void **state)
{
    tjt_fixture *f = *state;
    svc_auth_reset_limits();
    svc_ctx op, who;
    tj_error err;
    assert_int_equal(svc_ctx_local(&op, f->db, NULL, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "Org A", "enterprise", NULL, NULL, &err), TJ_OK);
    make_user(&op, "alice", "Org A", "enterprise");
    /* a password too short is refused */
    assert_int_equal(svc_user_set_password(&op, "alice", "short", &err), TJ_ERR_INPUT);
    svc_token t;
    int retry = 0;
    assert_int_equal(svc_login(f->db, "alice", "a-good-password", "10.0.0.1", &t, &retry, &err), TJ_OK);
    assert_true(!strncmp(t.token, "tjs_", 4));
    assert_true(strlen(t.token) >= 40);
    assert_int_equal(svc_authenticate(f->db, t.token, &who, &err), TJ_OK);
    assert_int_equal(who.who.roles, SVC_ROLE_ENTERPRISE);
    svc_ctx_release(&who);
    /* the token is stored hashed: its text is nowhere in the table */
    store_stmt *st = NULL;
    assert_int_equal(store_prepare(f->db, "SELECT COUNT(*) FROM auth_token WHERE token_hash = ?", &st, &err), TJ_OK);
    store_bind_text(st, 1, t.token);
    assert_int_equal(store_step(st, &err), 1);
    assert_int_equal(store_col_int64(st, 0), 0);
    store_finalize(st);
    /* a token one character off, or truncated, is unknown */
    char *bad = strdup(t.token);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(svc_authenticate(f->db, bad, &who, &err), TJ_ERR_NOTFOUND);
    bad[strlen(bad) - 1] = '\0';
    assert_int_equal(svc_authenticate(f->db, bad, &who, &err), TJ_ERR_NOTFOUND);
    free(bad);
    /* expiry */
    assert_int_equal(store_exec(f->db, "UPDATE auth_token SET expires_at = 5", &err), TJ_OK);
    assert_int_equal(svc_authenticate(f->db, t.token, &who, &err), TJ_ERR_NOTFOUND);
    svc_token_release(&t);
    /* logout and revocation */
    svc_token t2, t3;
    assert_int_equal(svc_login(f->db, "alice", "a-good-password", NULL, &t2, &retry, &err), TJ_OK);
    assert_int_equal(svc_login(f->db, "alice", "a-good-password", NULL, &t3, &retry, &err), TJ_OK);
    assert_int_equal(svc_authenticate(f->db, t2.token, &who, &err), TJ_OK);
    assert_int_equal(svc_logout(&who, t2.token, &err), TJ_OK);
    svc_ctx_release(&who);
    assert_int_equal(svc_authenticate(f->db, t2.token, &who, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_authenticate(f->db, t3.token, &who, &err), TJ_OK);
    svc_ctx_release(&who);
    int64_t n = 0;
    assert_int_equal(svc_revoke_tokens(&op, "alice", &n, &err), TJ_OK);
    assert_int_equal(n, 2); /* t3 and the expired t (t2 was revoked by logout) */
    assert_int_equal(svc_authenticate(f->db, t3.token, &who, &err), TJ_ERR_NOTFOUND);
    svc_token_release(&t2);
    svc_token_release(&t3);
    /* disabled accounts cannot log in */
    assert_int_equal(svc_principal_set_disabled(&op, "alice", 1, &err), TJ_OK);
    assert_int_equal(svc_login(f->db, "alice", "a-good-password", NULL, &t, &retry, &err), TJ_ERR_PERM);
    svc_ctx_release(&op);
}

static void test_rate_limit(void **state)
{
    tjt_fixture *f = *state;
    svc_auth_reset_limits();
    svc_ctx op;
    tj_error err;
    assert_int_equal(svc_ctx_local(&op, f->db, NULL, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "Org A", "enterprise", NULL, NULL, &err), TJ_OK);
    make_user(&op, "bob", "Org A", "enterprise");
    svc_token t;
    int retry = 0, locked = 0;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(svc_login(f->db, "bob", "wrong-password", "10.0.0.2", &t, &retry, &err), TJ_ERR_PERM);
        locked |= retry > 0;
    }
    assert_true(locked);
    /* locked: the right password waits too */
    assert_int_equal(svc_login(f->db, "bob", "a-good-password", "10.0.0.3", &t, &retry, &err), TJ_ERR_PERM);
    assert_true(retry > 0);
    svc_auth_reset_limits();
    assert_int_equal(svc_auth_reset_limits_db(f->db, &err), TJ_OK);
    assert_int_equal(svc_login(f->db, "bob", "a-good-password", "10.0.0.3", &t, &retry, &err), TJ_OK);
    svc_token_release(&t);
    svc_ctx_release(&op);
}

static void test_clients(void **state)
{
    tjt_fixture *f = *state;
    svc_auth_reset_limits();
    svc_ctx op, c;
    tj_error err;
    assert_int_equal(svc_ctx_local(&op, f->db, NULL, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "Org A", "enterprise", NULL, NULL, &err), TJ_OK);
    char *id = NULL, *secret = NULL;
    assert_int_equal(svc_client_create(&op, "erp", "Org A", "operator", &id, &secret, &err), TJ_ERR_INPUT);
    assert_int_equal(svc_client_create(&op, "erp", "Org A", "enterprise", &id, &secret, &err), TJ_OK);
    svc_token t;
    int retry;
    assert_int_equal(svc_client_token(f->db, id, secret, NULL, &t, &retry, &err), TJ_OK);
    assert_true(t.expires_at - (int64_t)time(NULL) <= SVC_CLIENT_TOKEN_TTL);
    assert_int_equal(svc_authenticate(f->db, t.token, &c, &err), TJ_OK);
    assert_int_equal(c.who.roles, SVC_ROLE_ENTERPRISE);
    /* a client may not create clients, nor log in as a user */
    char *i2 = NULL, *s2 = NULL;
    assert_int_equal(svc_client_create(&c, "x", "Org A", "enterprise", &i2, &s2, &err), TJ_ERR_PERM);
    svc_token u;
    assert_int_equal(svc_login(f->db, "erp", secret, NULL, &u, &retry, &err), TJ_ERR_PERM);
    svc_ctx_release(&c);
    svc_token_release(&t);
    free(id);
    svc_secret_free(secret);
    svc_ctx_release(&op);
}

static const char model_json[] = "{\"product\":{\"name\":{\"en\":\"widget\"},\"unit\":\"kg\",\"process\":\"a\"},"
                                 "\"processes\":[{\"id\":\"a\",\"exchanges\":[]}]}";

static void test_model_tenancy(void **state)
{
    tjt_fixture *f = *state;
    svc_ctx op, a, b, reg;
    tj_error err;
    assert_int_equal(svc_ctx_local(&op, f->db, NULL, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "Org A", "enterprise", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "Org B", "enterprise", NULL, NULL, &err), TJ_OK);
    assert_int_equal(svc_org_create(&op, "Reg", "regulator", NULL, NULL, &err), TJ_OK);
    make_user(&op, "ua", "Org A", "enterprise");
    make_user(&op, "ub", "Org B", "enterprise");
    make_user(&op, "ur", "Reg", "regulator");
    assert_int_equal(svc_ctx_local(&a, f->db, "ua", &err), TJ_OK);
    assert_int_equal(svc_ctx_local(&b, f->db, "ub", &err), TJ_OK);
    assert_int_equal(svc_ctx_local(&reg, f->db, "ur", &err), TJ_OK);
    json_t *m = json_loads(model_json, 0, NULL);
    char *id = NULL;
    assert_int_equal(svc_model_create(&reg, NULL, m, &id, &err), TJ_ERR_PERM);
    assert_int_equal(svc_model_create(&a, NULL, m, &id, &err), TJ_OK);
    json_t *out = NULL;
    assert_int_equal(svc_model_get(&a, id, 1, &out, &err), TJ_OK);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "widget");
    json_decref(out);
    /* others: exactly as missing */
    tj_error e1, e2;
    assert_int_equal(svc_model_get(&b, id, 0, &out, &e1), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_model_get(&b, "no-such-id", 0, &out, &e2), TJ_ERR_NOTFOUND);
    assert_string_equal(e1.path, e2.path);
    assert_int_equal(svc_model_get(&reg, id, 0, &out, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_model_update(&b, id, 0, "stolen", NULL, NULL, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_model_delete(&b, id, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_job_cancel(&b, id, &err), TJ_ERR_NOTFOUND);
    json_t *p = json_pack("{s:s}", "model_id", id);
    char *jid = NULL;
    assert_int_equal(svc_job_submit(&b, "calculate", p, &jid, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_job_submit(&a, "calculate", p, &jid, &err), TJ_OK);
    assert_int_equal(svc_job_get(&b, jid, &out, &err), TJ_ERR_NOTFOUND);
    assert_int_equal(svc_job_get(&a, jid, &out, &err), TJ_OK);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "queued");
    json_decref(out);
    assert_int_equal(svc_job_cancel(&a, jid, &err), TJ_OK);
    assert_int_equal(svc_job_cancel(&a, jid, &err), TJ_ERR_CONFLICT);
    /* revisions */
    assert_int_equal(svc_model_update(&a, id, 1, "renamed", NULL, &out, &err), TJ_OK);
    json_decref(out);
    assert_int_equal(svc_model_update(&a, id, 1, "again", NULL, NULL, &err), TJ_ERR_CONFLICT);
    assert_int_equal(svc_model_delete(&a, id, &err), TJ_OK);
    assert_int_equal(svc_model_get(&op, id, 0, &out, &err), TJ_ERR_NOTFOUND);
    /* an unpublished footprint is no public one */
    assert_int_equal(svc_footprint_public_get(f->db, "nope", &out, &err), TJ_ERR_NOTFOUND);
    json_decref(p);
    json_decref(m);
    free(id);
    free(jid);
    svc_ctx_release(&a);
    svc_ctx_release(&b);
    svc_ctx_release(&reg);
    svc_ctx_release(&op);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secrets),
        cmocka_unit_test_setup_teardown(test_login_tokens, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_clients, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_model_tenancy, tjt_setup, tjt_teardown),
    };
    tjt_use_pg = 0;
    int fails = cmocka_run_group_tests_name("auth/sqlite", tests, NULL, NULL);
    if (tjt_pg_admin_url()) {
        tjt_use_pg = 1;
        fails += cmocka_run_group_tests_name("auth/postgresql", tests, NULL, NULL);
    } else {
        printf("auth/postgresql: SKIPPED (set TJ_PG_URL; see scripts/pg-test-cluster.sh)\n");
        return fails ? 1 : 77; /* as test_footprint: the PostgreSQL half did not run */
    }
    return fails ? 1 : 0;
}

/* Unit tests for services/secret_box (secrets sealed at rest) and the
 * scheduled pulls' retry backoff (services/pact_sub). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "services/pact_sub.h"
#include "services/secret_box.h"
#include "store/store.h"

static char dir[64], keyf[128], dbf[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/tanji-sb-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(keyf, sizeof keyf, "%s/secrets.key", dir);
    snprintf(dbf, sizeof dbf, "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[160];
    const char *f[] = {"secrets.key", "t.db", "t.db.secrets-key", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, f[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

static void test_seal_open(void **state)
{
    (void)state;
    setenv("TANJI_SECRETS_KEY", keyf, 1);
    store_db *db = NULL;
    tj_error err;
    assert_int_equal(store_open_ex(":memory:", STORE_OPEN_MIGRATE, &db, &err), TJ_OK);
    char *s1 = NULL, *s2 = NULL, *plain = NULL;
    assert_int_equal(svc_secret_seal(db, "row-1", "top secret", &s1, &err), TJ_OK);
    struct stat sb;
    assert_int_equal(stat(keyf, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* created, private */
    assert_non_null(strstr(s1, "sb1:"));
    assert_null(strstr(s1, "top secret"));
    /* a fresh nonce each time */
    assert_int_equal(svc_secret_seal(db, "row-1", "top secret", &s2, &err), TJ_OK);
    assert_string_not_equal(s1, s2);
    assert_int_equal(svc_secret_open(db, "row-1", s1, &plain, &err), TJ_OK);
    assert_string_equal(plain, "top secret");
    svc_secret_plain_free(plain);
    plain = NULL;
    /* bound to its record */
    assert_int_equal(svc_secret_open(db, "row-2", s1, &plain, &err), TJ_ERR_PERM);
    assert_null(plain);
    /* one bit changed: refused */
    s1[strlen(s1) - 1] = s1[strlen(s1) - 1] == '0' ? '1' : '0';
    assert_int_equal(svc_secret_open(db, "row-1", s1, &plain, &err), TJ_ERR_PERM);
    assert_int_equal(svc_secret_open(db, "row-1", "plain text", &plain, &err), TJ_ERR_INPUT);
    assert_int_equal(svc_secret_open(db, "row-1", "sb1:zz", &plain, &err), TJ_ERR_INPUT);
    /* a key file others may read is refused */
    chmod(keyf, 0644);
    assert_int_equal(svc_secret_open(db, "row-1", s2, &plain, &err), TJ_ERR_PERM);
    assert_non_null(strstr(err.message, "chmod 600"));
    chmod(keyf, 0600);
    assert_int_equal(svc_secret_open(db, "row-1", s2, &plain, &err), TJ_OK);
    svc_secret_plain_free(plain);
    /* another key: the secret does not open */
    unlink(keyf);
    char *s3 = NULL;
    assert_int_equal(svc_secret_seal(db, "row-1", "x", &s3, &err), TJ_OK);
    assert_int_equal(svc_secret_open(db, "row-1", s2, &plain, &err), TJ_ERR_PERM);
    free(s1);
    free(s2);
    free(s3);
    store_close(db);
    unsetenv("TANJI_SECRETS_KEY");
}

static void test_key_path(void **state)
{
    (void)state;
    unsetenv("TANJI_SECRETS_KEY");
    store_db *db = NULL;
    tj_error err;
    char *p = NULL;
    assert_int_equal(store_open_ex(dbf, STORE_OPEN_MIGRATE, &db, &err), TJ_OK);
    assert_int_equal(svc_secret_key_path(db, &p, &err), TJ_OK);
    assert_non_null(strstr(p, "t.db.secrets-key"));
    free(p);
    store_close(db);
    /* an in-memory database has no place for it */
    assert_int_equal(store_open_ex(":memory:", STORE_OPEN_MIGRATE, &db, &err), TJ_OK);
    assert_int_equal(svc_secret_key_path(db, &p, &err), TJ_ERR_USAGE);
    store_close(db);
}

static void test_backoff(void **state)
{
    (void)state;
    /* min(interval, 60) doubled per failure, at most max(interval, 3600) */
    assert_int_equal(svc_pact_sub_backoff(1, 1), 1);
    assert_int_equal(svc_pact_sub_backoff(1, 2), 2);
    assert_int_equal(svc_pact_sub_backoff(1, 3), 4);
    assert_int_equal(svc_pact_sub_backoff(1, 40), 3600);
    assert_int_equal(svc_pact_sub_backoff(86400, 1), 60);
    assert_int_equal(svc_pact_sub_backoff(86400, 2), 120);
    assert_int_equal(svc_pact_sub_backoff(86400, 20), 86400);
    assert_int_equal(svc_pact_sub_backoff(600, 4), 480);
    assert_int_equal(svc_pact_sub_backoff(600, 7), 3600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seal_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_path, setup, teardown),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

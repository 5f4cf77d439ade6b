/* store: the same tests on SQLite and, when TJ_PG_URL is set, on PostgreSQL. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "tj_testdb.h"



static void exec_ok(store_db *db, const char *sql)
{
    tj_error err;
    tj_status st = store_exec(db, sql, &err);
    if (st != TJ_OK)
        fprintf(stderr, "%s: %s\n", sql, err.message);
    assert_int_equal(st, TJ_OK);
}

static void test_migrated(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    int v = -1;
    assert_int_equal(store_schema_version(f->db, &v, &err), TJ_OK);
    assert_int_equal(v, store_schema_latest());
    assert_true(v >= 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM schema_migrations"),
                     (int64_t)store_migration_count);
    /* the region table is seeded: national, 7 grids, 31 provinces */
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM region WHERE level = 'grid'"), 7);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM region WHERE level = 'province'"), 31);
    assert_int_equal(
        tjt_count(f->db, "SELECT COUNT(*) FROM region WHERE code = '530000' AND parent = 'GRID-NF'"), 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM region WHERE code = 'CN' AND parent = 'GLOBAL'"),
                     1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM region"), 40);
    /* reopening applies nothing twice */
    store_close(f->db);
    assert_int_equal(store_open_ex(f->t->url, STORE_OPEN_MIGRATE, &f->db, &err), TJ_OK);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM schema_migrations"),
                     (int64_t)store_migration_count);
    assert_string_equal(store_backend_name(f->db), tjt_use_pg ? "postgresql" : "sqlite");
    assert_int_equal(store_backend(f->db), tjt_use_pg ? STORE_POSTGRES : STORE_SQLITE);
}

static void test_newer_schema_refused(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    exec_ok(f->db,
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999999, 'future', 'x')");
    store_close(f->db);
    f->db = NULL;
    assert_int_equal(store_open_ex(f->t->url, STORE_OPEN_MIGRATE, &f->db, &err), TJ_ERR_DB);
    assert_null(f->db);
    assert_non_null(strstr(err.message, "newer"));
}

static void test_types_and_nulls(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    store_stmt *st;
    exec_ok(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, x DOUBLE PRECISION, n BIGINT)");
    assert_int_equal(store_prepare(f->db, "INSERT INTO t (id, name, x, n) VALUES (?, ?, ?, ?)", &st, &err),
                     TJ_OK);
    assert_int_equal(store_bind_int64(st, 1, 1), TJ_OK);
    assert_int_equal(store_bind_text(st, 2, "云南 Yunnan 'quoted' ?"), TJ_OK);
    assert_int_equal(store_bind_double(st, 3, 0.1073), TJ_OK);
    assert_int_equal(store_bind_int64(st, 4, INT64_C(9007199254740993)), TJ_OK);
    assert_int_equal(store_step(st, &err), 0);
    assert_int_equal(store_changes(st), 1);
    store_reset(st);
    assert_int_equal(store_bind_int64(st, 1, 2), TJ_OK);
    assert_int_equal(store_bind_null(st, 2), TJ_OK);
    assert_int_equal(store_bind_null(st, 3), TJ_OK);
    assert_int_equal(store_bind_null(st, 4), TJ_OK);
    assert_int_equal(store_step(st, &err), 0);
    store_finalize(st);

    assert_int_equal(store_prepare(f->db, "SELECT id, name, x, n FROM t ORDER BY id", &st, &err), TJ_OK);
    assert_int_equal(store_step(st, &err), 1);
    assert_int_equal(store_col_count(st), 4);
    assert_int_equal(store_col_int64(st, 0), 1);
    assert_string_equal(store_col_text(st, 1), "云南 Yunnan 'quoted' ?");
    assert_true(store_col_double(st, 2) == 0.1073); /* exact round trip */
    assert_true(store_col_int64(st, 3) == INT64_C(9007199254740993));
    assert_false(store_col_is_null(st, 1));
    assert_int_equal(store_step(st, &err), 1);
    assert_true(store_col_is_null(st, 1));
    assert_null(store_col_text(st, 1));
    assert_true(store_col_double(st, 2) == 0.0);
    assert_int_equal(store_col_int64(st, 3), 0);
    assert_int_equal(store_step(st, &err), 0);
    store_finalize(st);

    assert_int_equal(store_prepare(f->db, "UPDATE t SET name = ? WHERE id >= ?", &st, &err), TJ_OK);
    store_bind_text(st, 1, "x");
    store_bind_int64(st, 2, 1);
    assert_int_equal(store_step(st, &err), 0);
    assert_int_equal(store_changes(st), 2);
    store_finalize(st);
}

static void test_placeholders_in_quotes(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    store_stmt *st;
    assert_int_equal(store_prepare(f->db, "SELECT '?' AS \"a?\", ? /* ? */ , 'it''s ?', ? -- ?\n", &st, &err),
                     TJ_OK);
    store_bind_text(st, 1, "one");
    store_bind_text(st, 2, "two");
    assert_int_equal(store_step(st, &err), 1);
    assert_string_equal(store_col_text(st, 0), "?");
    assert_string_equal(store_col_text(st, 1), "one");
    assert_string_equal(store_col_text(st, 2), "it's ?");
    assert_string_equal(store_col_text(st, 3), "two");
    store_finalize(st);

    int n = 0;
    char *s = store_pg_rewrite("a = ? AND b = '?''?' AND c = \"?\" AND d = ? -- ?\n AND e = ?", &n);
    assert_non_null(s);
    assert_string_equal(s, "a = $1 AND b = '?''?' AND c = \"?\" AND d = $2 -- ?\n AND e = $3");
    assert_int_equal(n, 3);
    free(s);
}

static void test_transactions(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    exec_ok(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    assert_int_equal(store_commit(f->db, &err), TJ_ERR_USAGE);
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    assert_true(store_in_transaction(f->db));
    /* nested: a savepoint; its rollback undoes only its own work */
    exec_ok(f->db, "INSERT INTO t VALUES (10, 'outer')");
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    assert_int_equal(store_in_transaction(f->db), 2);
    exec_ok(f->db, "INSERT INTO t VALUES (11, 'inner, undone')");
    assert_int_equal(store_rollback(f->db), TJ_OK);
    assert_int_equal(store_in_transaction(f->db), 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    exec_ok(f->db, "INSERT INTO t VALUES (12, 'inner, kept')");
    assert_int_equal(store_commit(f->db, &err), TJ_OK);
    assert_int_equal(store_in_transaction(f->db), 1);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM t"), 2);
    exec_ok(f->db, "INSERT INTO t VALUES (1, 'rolled back')");
    assert_int_equal(store_rollback(f->db), TJ_OK);
    assert_false(store_in_transaction(f->db));
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM t"), 0);

    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    exec_ok(f->db, "INSERT INTO t VALUES (1, 'kept')");
    assert_int_equal(store_commit(f->db, &err), TJ_OK);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM t"), 1);

    /* all or nothing: the second insert violates UNIQUE, the first goes too */
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    exec_ok(f->db, "INSERT INTO t VALUES (2, 'new')");
    store_stmt *st;
    assert_int_equal(store_prepare(f->db, "INSERT INTO t VALUES (?, ?)", &st, &err), TJ_OK);
    store_bind_int64(st, 1, 3);
    store_bind_text(st, 2, "kept");
    assert_int_equal(store_step(st, &err), TJ_ERR_CONFLICT);
    assert_true(strlen(err.message) > 0);
    store_finalize(st);
    store_rollback(f->db);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM t"), 1);
}

static void test_errors(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(f->db, "SELECT nosuchcolumn FROM nosuchtable", &st, &err);
    if (rc == TJ_OK) { /* PostgreSQL reports at execution */
        assert_int_equal(store_step(st, &err), TJ_ERR_DB);
        store_finalize(st);
    } else {
        assert_int_equal(rc, TJ_ERR_DB);
    }
    assert_non_null(strstr(err.message, "nosuch"));
    assert_int_equal(store_exec(f->db, "THIS IS NOT SQL", &err), TJ_ERR_DB);
    /* the connection still works */
    assert_int_equal(tjt_count(f->db, "SELECT 1"), 1);
}

static int64_t cached_lookup(store_db *db, int64_t k, tj_error *err)
{
    store_stmt *st;
    assert_int_equal(store_prepare_cached(db, "SELECT name, id * 10 FROM t WHERE id = ?", &st, err), TJ_OK);
    store_bind_int64(st, 1, k);
    int s = store_step(st, err);
    int64_t v = s == 1 ? store_col_int64(st, 1) : -1;
    store_finalize(st);
    return v;
}

/* Cached statements (PostgreSQL: named prepared statements) give the same
 * results, survive a rolled-back transaction that first prepared them and
 * an error inside a transaction, and other parameter types fall back. */
static void test_prepare_cached(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    exec_ok(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
    exec_ok(f->db, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    assert_int_equal(cached_lookup(f->db, 2, &err), 20); /* first prepared inside this transaction */
    assert_int_equal(store_exec(f->db, "THIS IS NOT SQL", &err), TJ_ERR_DB);
    store_stmt *st;
    assert_int_equal(store_prepare_cached(f->db, "SELECT name, id * 10 FROM t WHERE id = ?", &st, &err), TJ_OK);
    store_bind_int64(st, 1, 1);
    int s = store_step(st, &err);
    if (store_backend(f->db) == STORE_POSTGRES)
        assert_true(s < 0); /* the transaction is aborted */
    else
        assert_int_equal(s, 1);
    store_finalize(st);
    store_rollback(f->db);
    for (int i = 0; i < 7; i++) /* past PostgreSQL's five custom plans */
        assert_int_equal(cached_lookup(f->db, 1 + i % 2, &err), 10 * (1 + i % 2));
    assert_int_equal(cached_lookup(f->db, 3, &err), -1);
    /* text where an integer was prepared: not the prepared statement's types */
    assert_int_equal(store_prepare_cached(f->db, "SELECT name, id * 10 FROM t WHERE id = ?", &st, &err), TJ_OK);
    store_bind_text(st, 1, "2");
    assert_int_equal(store_step(st, &err), 1);
    assert_string_equal(store_col_text(st, 0), "b");
    store_finalize(st);
}

static void test_bulk(void **state)
{
    tjt_fixture *f = *state;
    tj_error err;
    exec_ok(f->db, "CREATE TABLE b (k INTEGER NOT NULL, s TEXT, x DOUBLE PRECISION)");
    const char *cols[] = {"k", "s", "x"};
    store_bulk *b;
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    assert_int_equal(store_bulk_begin(f->db, "b", cols, 3, &b, &err), TJ_OK);
    for (int i = 0; i < 2000; i++) {
        char k[16], x[32];
        snprintf(k, sizeof k, "%d", i);
        snprintf(x, sizeof x, "%.17g", i * 0.1);
        const char *s = (i % 3 == 0) ? NULL : (i % 3 == 1) ? "tab\there\nnew \\ line 电解铝" : "plain";
        const char *vals[] = {k, s, x};
        assert_int_equal(store_bulk_row(b, vals, &err), TJ_OK);
    }
    assert_int_equal(store_bulk_end(b, &err), TJ_OK);
    assert_int_equal(store_commit(f->db, &err), TJ_OK);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM b"), 2000);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM b WHERE s IS NULL"), 667);
    store_stmt *st;
    assert_int_equal(store_prepare(f->db, "SELECT s, x FROM b WHERE k = 7", &st, &err), TJ_OK);
    assert_int_equal(store_step(st, &err), 1);
    assert_string_equal(store_col_text(st, 0), "tab\there\nnew \\ line 电解铝");
    assert_true(store_col_double(st, 1) == 7 * 0.1);
    store_finalize(st);

    /* a bad row fails the import; rolled back, nothing stays */
    assert_int_equal(store_begin(f->db, &err), TJ_OK);
    assert_int_equal(store_bulk_begin(f->db, "b", cols, 3, &b, &err), TJ_OK);
    const char *good[] = {"5000", "ok", "1"};
    const char *bad[] = {NULL, "k is NOT NULL", "1"};
    assert_int_equal(store_bulk_row(b, good, &err), TJ_OK);
    tj_status r1 = store_bulk_row(b, bad, &err);
    tj_status r2 = store_bulk_end(b, &err); /* COPY reports at the end */
    assert_true(r1 != TJ_OK || r2 != TJ_OK);
    store_rollback(f->db);
    assert_int_equal(tjt_count(f->db, "SELECT COUNT(*) FROM b"), 2000);
}

/* A committed write survives kill -9 of the writer; the open transaction of
 * the killed writer leaves nothing. */
static void test_crash_safety(void **state)
{
    tjt_fixture *f = *state;
    exec_ok(f->db, "CREATE TABLE c (id INTEGER PRIMARY KEY, what TEXT NOT NULL)");
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        store_db *db;
        tj_error err;
        if (store_open_ex(f->t->url, STORE_OPEN_MIGRATE, &db, &err) != TJ_OK)
            _exit(10);
        if (store_begin(db, &err) || store_exec(db, "INSERT INTO c VALUES (1, 'committed')", &err) ||
            store_commit(db, &err))
            _exit(11);
        if (store_begin(db, &err) || store_exec(db, "INSERT INTO c VALUES (2, 'uncommitted')", &err))
            _exit(12);
        if (write(pfd[1], "r", 1) != 1)
            _exit(13);
        for (;;)
            pause();
    }
    close(pfd[1]);
    char c = 0;
    assert_int_equal(read(pfd[0], &c, 1), 1);
    close(pfd[0]);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* a new connection sees exactly the committed row (PostgreSQL may need a
     * moment to notice the dead client and release its lock) */
    store_db *db2;
    tj_error err;
    assert_int_equal(store_open_ex(f->t->url, STORE_OPEN_MIGRATE, &db2, &err), TJ_OK);
    assert_int_equal(tjt_count(db2, "SELECT COUNT(*) FROM c WHERE id = 1 AND what = 'committed'"), 1);
    assert_int_equal(tjt_count(db2, "SELECT COUNT(*) FROM c WHERE id = 2"), 0);
    /* and the database is writable again */
    assert_int_equal(store_begin(db2, &err), TJ_OK);
    exec_ok(db2, "INSERT INTO c VALUES (2, 'after crash')");
    assert_int_equal(store_commit(db2, &err), TJ_OK);
    store_close(db2);
}

static void test_bad_url(void **state)
{
    (void)state;
    store_db *db = NULL;
    tj_error err;
    assert_int_equal(store_open_ex("/nonexistent-dir/x/y.db", STORE_OPEN_MIGRATE, &db, &err), TJ_ERR_IO);
    assert_null(db);
    assert_int_equal(store_open_ex("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", STORE_OPEN_MIGRATE, &db, &err),
                     TJ_ERR_IO);
    assert_null(db);
    assert_int_equal(store_open_ex("", STORE_OPEN_MIGRATE, &db, &err), TJ_ERR_USAGE);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrated, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_types_and_nulls, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_placeholders_in_quotes, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_transactions, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_errors, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_prepare_cached, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_bulk, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, tjt_setup, tjt_teardown),
        cmocka_unit_test(test_bad_url),
    };
    tjt_use_pg = tjt_want_pg(argc, argv);
    if (tjt_use_pg && tjt_pg_missing("store"))
        return TJT_SKIP_EXIT;
    int fails = tjt_use_pg ? cmocka_run_group_tests_name("store/postgresql", tests, NULL, NULL)
                           : cmocka_run_group_tests_name("store/sqlite", tests, NULL, NULL);
    return tjt_exit_code(fails);
}

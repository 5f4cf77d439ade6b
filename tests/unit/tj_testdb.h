/*
 * Test helper: a fresh, empty database per test, on SQLite (a file in a new
 * temporary directory) or on PostgreSQL (a new database in the cluster named
 * by env TJ_PG_URL, dropped afterwards).  Header-only; include once per test.
 *
 * Ownership: tjt_db_create returns a tjt_db the caller frees with
 * tjt_db_destroy, which also deletes the database.
 */
#ifndef TJ_TESTDB_H
#define TJ_TESTDB_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct tjt_db {
    int pg; /* 1 = PostgreSQL */
    char url[1024];
    char dir[256]; /* SQLite: temp dir */
    char name[64]; /* PostgreSQL: database name */
} tjt_db;

static const char *tjt_pg_admin_url(void)
{
    const char *u = getenv("TJ_PG_URL");
    return (u && *u) ? u : NULL;
}

/* ---- skips: a test that did not run never reports "passed" ----------------
 * ctest treats exit code 77 as "skipped" (SKIP_RETURN_CODE in
 * tests/CMakeLists.txt).  A test executable with a PostgreSQL variant runs
 * its SQLite tests without arguments and its PostgreSQL tests with --pg
 * (ctest: NAME and NAME_pg); without TJ_PG_URL the --pg run exits 77.  A
 * test whose data is missing calls tjt_skip_missing, and tjt_exit_code
 * turns the run into 77 unless something failed. */
#define TJT_SKIP_EXIT 77
static int tjt_missing __attribute__((unused));

#define tjt_skip_missing(...)                                                                                  \
    do {                                                                                                       \
        fprintf(stderr, "SKIPPED: " __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                                  \
        tjt_missing++;                                                                                         \
        skip();                                                                                                \
    } while (0)

/* 1 if the run asks for the PostgreSQL variant (--pg). */
static __attribute__((unused)) int tjt_want_pg(int argc, char **argv)
{
    return argc > 1 && !strcmp(argv[1], "--pg");
}

/* The exit code of a test run: 1 on failures, 77 if something could not run. */
static __attribute__((unused)) int tjt_exit_code(int fails)
{
    return fails ? 1 : tjt_missing ? TJT_SKIP_EXIT : 0;
}

/* For --pg runs: 77 (and a note) when there is no cluster to run against. */
static __attribute__((unused)) int tjt_pg_missing(const char *suite)
{
    if (tjt_pg_admin_url())
        return 0;
    printf("%s/postgresql: SKIPPED (set TJ_PG_URL; see scripts/pg-test-cluster.sh)\n", suite);
    return 1;
}

/* Replace the database name in a postgresql:// URL. */
static int tjt_pg_url_with_db(const char *url, const char *db, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    if (!p)
        return -1;
    p += 3;
    const char *slash = strchr(p, '/');
    const char *q = strchr(p, '?');
    if (slash && q && slash > q)
        slash = NULL;
    size_t head = slash ? (size_t)(slash - url) : (q ? (size_t)(q - url) : strlen(url));
    const char *tail = q ? q : "";
    int n = snprintf(out, size, "%.*s/%s%s", (int)head, url, db, tail);
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

static void tjt_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int tjt_pg_admin(const char *sql)
{
    PGconn *c = PQconnectdb(tjt_pg_admin_url());
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "tjt: cannot connect to %s: %s", tjt_pg_admin_url(), PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    PQsetNoticeProcessor(c, tjt_quiet, NULL);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "tjt: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static tjt_db *tjt_db_create(int pg)
{
    static int counter;
    tjt_db *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->pg = pg;
    if (!pg) {
        snprintf(t->dir, sizeof t->dir, "/tmp/tjt-XXXXXX");
        if (!mkdtemp(t->dir)) {
            free(t);
            return NULL;
        }
        snprintf(t->url, sizeof t->url, "%s/test.db", t->dir);
        return t;
    }
    snprintf(t->name, sizeof t->name, "tjt_%ld_%d", (long)getpid(), counter++);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->name);
    tjt_pg_admin(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", t->name);
    if (tjt_pg_admin(sql) != 0 ||
        tjt_pg_url_with_db(tjt_pg_admin_url(), t->name, t->url, sizeof t->url) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

static void tjt_db_destroy(tjt_db *t)
{
    if (!t)
        return;
    if (t->pg) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->name);
        tjt_pg_admin(sql);
    } else {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "tjt: could not remove %s\n", t->dir);
    }
    free(t);
}

/* ---- a cmocka fixture: a fresh store per test ------------------------------
 * Include <cmocka.h> and store/store.h first.  tjt_use_pg selects the backend of
 * the group being run (0 SQLite, 1 PostgreSQL).  Only with cmocka (the
 * benchmarks use the database part alone). */
#ifdef cmocka_unit_test
#include "store/store.h"

static int tjt_use_pg __attribute__((unused));

typedef struct tjt_fixture {
    tjt_db *t;
    store_db *db;
} tjt_fixture;

static __attribute__((unused)) int tjt_setup(void **state)
{
    tjt_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->t = tjt_db_create(tjt_use_pg);
    assert_non_null(f->t);
    tj_error err;
    tj_status st = store_open_ex(f->t->url, STORE_OPEN_MIGRATE, &f->db, &err);
    if (st != TJ_OK)
        fprintf(stderr, "store_open(%s): %s\n", f->t->url, err.message);
    assert_int_equal(st, TJ_OK);
    *state = f;
    return 0;
}

static __attribute__((unused)) int tjt_teardown(void **state)
{
    tjt_fixture *f = *state;
    store_close(f->db);
    tjt_db_destroy(f->t);
    free(f);
    return 0;
}

/* The single integer a query returns (COUNT(*) ...). */
static __attribute__((unused)) int64_t tjt_count(store_db *db, const char *sql)
{
    store_stmt *st;
    tj_error err;
    assert_int_equal(store_prepare(db, sql, &st, &err), TJ_OK);
    assert_int_equal(store_step(st, &err), 1);
    int64_t n = store_col_int64(st, 0);
    store_finalize(st);
    return n;
}
#endif /* cmocka_unit_test */

#endif

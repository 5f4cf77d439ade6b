/* The fast factor import path (issue 17 benchmark): batched bulk inserts
 * and the ledger's hashing give the same rows, the same search results and
 * the same RFC 6962 tree as a reference computed here independently (one
 * leaf at a time with libsodium's SHA-256 and the RFC's recursive MTH). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>

#include "store/store.h"
#include "tj_testdb.h"

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "services/ctx.h"
#include "services/factors.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "store/ledger_sql.h"

/* 150 rows: two full batches of 64 and a partial one of 22. */
#define NROWS 150

static svc_ctx ctx_s;
static svc_ctx *CTX(store_db *db)
{
    svc_ctx_release(&ctx_s);
    svc_ctx_init(&ctx_s, db, "tester", "tester", SVC_OPERATOR_ORG, SVC_ROLE_ALL, NULL);
    return &ctx_s;
}

static char *make_csv(void)
{
    size_t cap = 512 + NROWS * 512;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, cap,
                                "id,name_zh,name_en,aliases,category,unit,value,gases,boundary,region,ref_year,"
                                "source_doc,source_publisher,source_date,method,gwp_set,quality\n");
    for (int i = 0; i < NROWS; i++)
        o += (size_t)snprintf(s + o, cap - o,
                              "bulk-%04d,测试材料%d,\"Bulk \"\"quoted\"\" material %d\",m %d|item %d,materials.metal,kg,"
                              "%d.%03d,\"{\"\"CO2\"\": %d.5}\",cradle-to-gate,CN,2023,Test data (not real),"
                              "tanji test,2024-01-01,generated,AR6,example\n",
                              i, i, i, i % 7, i % 5, 1 + i, i % 1000, i);
    return s;
}

/* RFC 6962 section 2.1 MTH over leaf hashes, recursively, with libsodium. */
static void ref_mth(const merkle_hash *leaves, int64_t n, merkle_hash *out)
{
    if (n == 1) {
        *out = leaves[0];
        return;
    }
    int64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    merkle_hash l, r;
    ref_mth(leaves, k, &l);
    ref_mth(leaves + k, n - k, &r);
    unsigned char buf[65];
    buf[0] = 1;
    memcpy(buf + 1, l.b, 32);
    memcpy(buf + 33, r.b, 32);
    crypto_hash_sha256(out->b, buf, sizeof buf);
}

static int64_t one_int(store_db *db, const char *sql)
{
    store_stmt *st;
    tj_error err;
    assert_int_equal(store_prepare(db, sql, &st, &err), TJ_OK);
    assert_int_equal(store_step(st, &err), 1);
    int64_t v = store_col_int64(st, 0);
    store_finalize(st);
    return v;
}

static void test_import_matches_reference(void **state)
{
    tjt_fixture *f = *state;
    store_db *db = f->db;
    char *csv = make_csv();
    tj_error err;
    assert_int_equal(svc_ledger_seed(CTX(db), &err), TJ_OK); /* as tanji migrate does */
    svc_import_result r;
    tj_status rc = svc_factor_import_mem(CTX(db), "bulk.csv", csv, strlen(csv), NULL, "published", &r, &err);
    if (rc != TJ_OK) {
        char buf[2048];
        fprintf(stderr, "import: %s\n", tj_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rc, TJ_OK);
    free(csv);

    /* the rows, in file order, with contiguous row ids */
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM factor_version"), NROWS);
    assert_int_equal(one_int(db, "SELECT MAX(rid) - MIN(rid) + 1 FROM factor_version"), NROWS);
    store_stmt *st;
    assert_int_equal(store_prepare(db, "SELECT id, value, name_en, gases FROM factor_version ORDER BY rid", &st, &err),
                     TJ_OK);
    for (int i = 0; i < NROWS; i++) {
        assert_int_equal(store_step(st, &err), 1);
        char want[64];
        snprintf(want, sizeof want, "bulk-%04d", i);
        assert_string_equal(store_col_text(st, 0), want);
        snprintf(want, sizeof want, "%d.%03d", 1 + i, i % 1000);
        assert_true(fabs(store_col_double(st, 1) - strtod(want, NULL)) < 1e-9);
        snprintf(want, sizeof want, "Bulk \"quoted\" material %d", i);
        assert_string_equal(store_col_text(st, 2), want);
    }
    assert_int_equal(store_step(st, &err), 0);
    store_finalize(st);
    /* names (name_zh, name_en, two aliases) and one event per version */
    assert_int_equal(one_int(db, "SELECT COUNT(DISTINCT id) FROM factor_name"), NROWS);
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM factor_event"), NROWS);

    /* search: the full-text index holds every row */
    svc_factor_query q = {.text = "测试材料149", .limit = 10};
    svc_factor_list l;
    assert_int_equal(svc_factor_search(CTX(db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].id, "bulk-0149");
    svc_factor_list_release(&l);
    q.text = "quoted";
    assert_int_equal(svc_factor_search(CTX(db), &q, &l, &err), TJ_OK);
    assert_int_equal(l.total, NROWS);
    assert_string_equal(l.items[0].id, "bulk-0000");
    assert_string_equal(l.items[9].id, "bulk-0009");
    svc_factor_list_release(&l);

    /* the ledger: one entry per version; every stored leaf is libsodium's
     * SHA-256(0x00 || body), every prefix root the RFC's MTH */
    int64_t size = 0;
    assert_int_equal(ledger_size(db, &size, &err), TJ_OK);
    assert_true(size >= NROWS);
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM ledger_entry WHERE object_type = 'factor_version'"), NROWS);
    merkle_hash *leaves = calloc((size_t)size, sizeof *leaves);
    assert_non_null(leaves);
    for (int64_t i = 0; i < size; i++) {
        char *body = NULL;
        assert_int_equal(store_ledger_entry_body(db, i, &body, NULL, &err), TJ_OK);
        unsigned char buf[1];
        crypto_hash_sha256_state s;
        buf[0] = 0;
        crypto_hash_sha256_init(&s);
        crypto_hash_sha256_update(&s, buf, 1);
        crypto_hash_sha256_update(&s, (const unsigned char *)body, strlen(body));
        crypto_hash_sha256_final(&s, leaves[i].b);
        /* the body is canonical JSON (RFC 8785): parsing and
         * canonicalising it again gives the same bytes */
        json_t *v = json_loads(body, 0, NULL);
        assert_non_null(v);
        char *again = NULL;
        assert_int_equal(ledger_jcs(v, &again, NULL, &err), TJ_OK);
        assert_string_equal(again, body);
        free(again);
        json_decref(v);
        free(body);
        int64_t id = merkle_node_id(0, i);
        char hex[1][65];
        assert_int_equal(store_ledger_node_get(db, &id, 1, hex, &err), TJ_OK);
        char want[65];
        merkle_to_hex(&leaves[i], want);
        assert_string_equal(hex[0], want);
    }
    int64_t sizes[] = {1, 2, 3, 64, 65, 100, 128, 129, size};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        if (sizes[k] > size)
            continue;
        merkle_hash got, want;
        assert_int_equal(ledger_root(db, sizes[k], &got, &err), TJ_OK);
        ref_mth(leaves, sizes[k], &want);
        assert_memory_equal(got.b, want.b, 32);
    }
    free(leaves);
    /* and tanji ledger verify finds nothing wrong (state digests included) */
    ledger_report rep;
    assert_int_equal(svc_ledger_verify(CTX(db), NULL, NULL, &rep, &err), TJ_OK);
    for (size_t i = 0; i < rep.nproblems; i++)
        fprintf(stderr, "  %s %lld: %s\n", ledger_problem_name(rep.problems[i].kind),
                (long long)rep.problems[i].index, rep.problems[i].detail);
    assert_int_equal(rep.nproblems, 0);
    assert_true(rep.objects_checked >= NROWS);
    ledger_report_release(&rep);
}

/* A file above the size read in two parts (4 MB): SPLIT_ROWS rows, the
 * middle one with a quoted name of many lines around the file's middle (so
 * the cut must skip to the line after it), quotes doubled in every row.
 * bad1 / bad2 >= 0: a row whose value is not a number; *line1 / *line2 its
 * physical line. */
#define SPLIT_ROWS 12001
#define SPLIT_BIG_LINES 3000
static char *make_split_csv(int bad1, int bad2, long *line1, long *line2, char **big_name)
{
    size_t cap = 1024 + (size_t)SPLIT_ROWS * 700 + SPLIT_BIG_LINES * 40;
    char *s = malloc(cap);
    assert_non_null(s);
    long line = 1;
    size_t o = (size_t)snprintf(s, cap,
                                "id,name_zh,name_en,aliases,category,unit,value,gases,boundary,region,ref_year,"
                                "source_doc,source_publisher,source_date,method,gwp_set,quality\n");
    char pad[401];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    for (int i = 0; i < SPLIT_ROWS; i++) {
        line++;
        if (i == bad1)
            *line1 = line;
        if (i == bad2)
            *line2 = line;
        const char *value = i == bad1 || i == bad2 ? "abc" : "1.5";
        if (i == SPLIT_ROWS / 2) {
            /* name_en: "line 0\nline 1\n...", quotes doubled in the file */
            size_t bo = 0, bcap = SPLIT_BIG_LINES * 40;
            char *big = malloc(bcap);
            assert_non_null(big);
            o += (size_t)snprintf(s + o, cap - o, "split-%05d,大字段,\"", i);
            for (int k = 0; k < SPLIT_BIG_LINES; k++) {
                bo += (size_t)snprintf(big + bo, bcap - bo, "%sline \"%d\"", k ? "\n" : "", k);
                o += (size_t)snprintf(s + o, cap - o, "%sline \"\"%d\"\"", k ? "\n" : "", k);
            }
            line += SPLIT_BIG_LINES - 1;
            o += (size_t)snprintf(s + o, cap - o,
                                  "\",big,materials.metal,kg,%s,,cradle-to-gate,CN,2023,Test data (not real),"
                                  "tanji test,2024-01-01,generated,AR6,example\n",
                                  value);
            *big_name = big;
            continue;
        }
        o += (size_t)snprintf(s + o, cap - o,
                              "split-%05d,测试材料%d,\"Split \"\"quoted\"\" %d %s\",m %d,materials.metal,kg,%s,"
                              "\"{\"\"CO2\"\": 1.5}\",cradle-to-gate,CN,2023,Test data (not real),tanji test,"
                              "2024-01-01,generated,AR6,example\n",
                              i, i, i, pad, i % 7, value);
    }
    assert_true(o > ((size_t)4 << 20) && o < cap);
    return s;
}

static void test_import_split(void **state)
{
    tjt_fixture *f = *state;
    store_db *db = f->db;
    tj_error err;
    assert_int_equal(svc_ledger_seed(CTX(db), &err), TJ_OK);
    long l1 = 0, l2 = 0;
    char *big = NULL;
    /* errors: one in the second part alone, then one in each part (the
     * first part's is reported, as a single pass would) */
    char *csv = make_split_csv(-1, SPLIT_ROWS - 100, &l1, &l2, &big);
    free(big);
    svc_import_result r;
    assert_int_equal(svc_factor_import_mem(CTX(db), "split.csv", csv, strlen(csv), NULL, "draft", &r, &err),
                     TJ_ERR_INPUT);
    assert_string_equal(err.file, "split.csv");
    assert_int_equal(err.line, l2);
    assert_int_equal(err.column, 7);
    assert_true(l2 > SPLIT_ROWS + SPLIT_BIG_LINES - 200);
    free(csv);
    csv = make_split_csv(100, SPLIT_ROWS - 100, &l1, &l2, &big);
    free(big);
    assert_int_equal(svc_factor_import_mem(CTX(db), "split.csv", csv, strlen(csv), NULL, "draft", &r, &err),
                     TJ_ERR_INPUT);
    assert_int_equal(err.line, 102);
    assert_int_equal(err.column, 7);
    free(csv);
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM factor_version"), 0);

    /* the whole file, in order, the many-line field whole */
    csv = make_split_csv(-1, -1, &l1, &l2, &big);
    tj_status rc = svc_factor_import_mem(CTX(db), "split.csv", csv, strlen(csv), NULL, "draft", &r, &err);
    if (rc != TJ_OK) {
        char buf[2048];
        fprintf(stderr, "import: %s\n", tj_error_format(&err, buf, sizeof buf));
    }
    assert_int_equal(rc, TJ_OK);
    free(csv);
    assert_int_equal(r.rows, SPLIT_ROWS);
    store_stmt *st;
    assert_int_equal(store_prepare(db, "SELECT id, name_en FROM factor_version ORDER BY rid", &st, &err), TJ_OK);
    for (int i = 0; i < SPLIT_ROWS; i++) {
        assert_int_equal(store_step(st, &err), 1);
        char want[64];
        snprintf(want, sizeof want, "split-%05d", i);
        assert_string_equal(store_col_text(st, 0), want);
        if (i == SPLIT_ROWS / 2)
            assert_string_equal(store_col_text(st, 1), big);
    }
    store_finalize(st);
    free(big);
    /* one ledger entry per version (appended in batches), and verify
     * finds nothing wrong */
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM ledger_entry WHERE object_type = 'factor_version'"),
                     SPLIT_ROWS);
    ledger_report rep;
    assert_int_equal(svc_ledger_verify(CTX(db), NULL, NULL, &rep, &err), TJ_OK);
    for (size_t i = 0; i < rep.nproblems; i++)
        fprintf(stderr, "  %s %lld: %s\n", ledger_problem_name(rep.problems[i].kind),
                (long long)rep.problems[i].index, rep.problems[i].detail);
    assert_int_equal(rep.nproblems, 0);
    ledger_report_release(&rep);
}

/* store_bulk: values are copied (the caller's buffer is reused for every
 * row), NULLs kept, full and partial batches inserted in order, and a
 * failing row in a batch is an error naming the constraint. */
static void test_bulk_batches(void **state)
{
    tjt_fixture *f = *state;
    store_db *db = f->db;
    tj_error err;
    assert_int_equal(store_exec(db,
                                "CREATE TABLE tj_bulk_test (n INTEGER NOT NULL, t TEXT, "
                                "k TEXT NOT NULL CHECK (k IN ('a', 'b', 'c')))",
                                &err),
                     TJ_OK);
    const char *cols[] = {"n", "t", "k"};
    for (int bad = 0; bad < 2; bad++) {
        assert_int_equal(store_begin(db, &err), TJ_OK);
        store_bulk *b;
        assert_int_equal(store_bulk_begin(db, "tj_bulk_test", cols, 3, &b, &err), TJ_OK);
        tj_status rc = TJ_OK;
        for (int i = 0; i < 200 && rc == TJ_OK; i++) {
            char n[16], t[32];
            snprintf(n, sizeof n, "%d", i);
            snprintf(t, sizeof t, "text %d", i * 7);
            const char *k = bad && i == 150 ? "z" : (const char *[]){"a", "b", "c"}[i % 3];
            const char *v[] = {n, i % 10 ? t : NULL, k};
            rc = store_bulk_row(b, v, &err);
            memset(t, 'x', sizeof t - 1); /* the row must not refer to it */
        }
        if (rc == TJ_OK)
            rc = store_bulk_end(b, &err);
        else
            store_bulk_abort(b);
        if (bad) {
            assert_int_equal(rc, TJ_ERR_CONFLICT);
            assert_non_null(strstr(err.message, "CHECK"));
            store_rollback(db);
            continue;
        }
        assert_int_equal(rc, TJ_OK);
        assert_int_equal(store_commit(db, &err), TJ_OK);
    }
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM tj_bulk_test"), 200);
    assert_int_equal(one_int(db, "SELECT COUNT(*) FROM tj_bulk_test WHERE t IS NULL"), 20);
    store_stmt *st;
    assert_int_equal(store_prepare(db, "SELECT n, t FROM tj_bulk_test ORDER BY rowid", &st, &err), TJ_OK);
    for (int i = 0; i < 200; i++) {
        assert_int_equal(store_step(st, &err), 1);
        assert_int_equal(store_col_int64(st, 0), i);
        char t[32];
        snprintf(t, sizeof t, "text %d", i * 7);
        if (i % 10)
            assert_string_equal(store_col_text(st, 1), t);
        else
            assert_true(store_col_is_null(st, 1));
    }
    store_finalize(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_matches_reference, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_bulk_batches, tjt_setup, tjt_teardown),
        cmocka_unit_test_setup_teardown(test_import_split, tjt_setup, tjt_teardown),
    };
    int fails = cmocka_run_group_tests_name("import_bulk/sqlite", tests, NULL, NULL);
    svc_ctx_release(&ctx_s);
    return tjt_exit_code(fails);
}

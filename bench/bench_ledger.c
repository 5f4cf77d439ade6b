/*
 * bench_ledger: the ledger at scale.  Appends N entries (default 1,000,000)
 * to a fresh database, then times at that size:
 *   - append: one entry in its own transaction (commit included), and one
 *     entry inside an open transaction (the cost a service call adds);
 *   - inclusion and consistency proofs for random indexes and sizes;
 *   - a full `ledger verify`;
 * and compares verify with same-run baselines: reading every entry row
 * without checking it, and raw SHA-256 over the same bytes (the floor of
 * any verification that hashes every entry).
 *
 * usage: bench_ledger [--entries N] [--db URL] [--keep]   (default: a SQLite file in
 * /tmp, removed afterwards unless --keep)
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "ledger/ledger.h"
#include "services/ctx.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "store/ledger_sql.h"

/* median and p95 of v[0..n) (sorts v) */
static void stats(double *v, int n, double *med, double *p95)
{
    *med = median(v, n);
    *p95 = v[n * 95 / 100];
}

static void die(const char *what, const tj_error *err)
{
    fprintf(stderr, "bench_ledger: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static json_t *change_of(int64_t i)
{
    return json_pack("{s:s,s:I,s:f,s:s,s:[s,s]}", "field", "amount", "version", (json_int_t)(i % 97), "value",
                     (double)i / 7.0, "comment",
                     "quantity corrected after the supplier's invoice / 按发票更正", "evidence",
                     "invoice-2026-001.pdf", "sha256:0f3a9c");
}

static void append_one(svc_ctx *ctx, int64_t i)
{
    tj_error err;
    char oid[48];
    snprintf(oid, sizeof oid, "00000000-0000-4000-8000-%012lld", (long long)(i % 50000));
    json_t *c = change_of(i);
    if (svc_record(ctx, "footprint.save", "bench_object", oid, c, c, &err))
        die("append", &err);
    json_decref(c);
}

typedef struct scan {
    unsigned char h[32];
    size_t bytes;
    int64_t rows;
    crypto_hash_sha256_state st;
    int hash;
} scan;

static int on_row(void *arg, const store_ledger_row *r)
{
    scan *s = arg;
    size_t n = strlen(r->body);
    s->bytes += n;
    s->rows++;
    if (s->hash) {
        unsigned char zero = 0, h[32];
        crypto_hash_sha256_init(&s->st);
        crypto_hash_sha256_update(&s->st, &zero, 1);
        crypto_hash_sha256_update(&s->st, (const unsigned char *)r->body, n);
        crypto_hash_sha256_final(&s->st, h);
        s->h[0] ^= h[0];
    }
    return 0;
}

int main(int argc, char **argv)
{
    double med = 0, p95 = 0;
    int64_t n = 1000000;
    const char *url = NULL;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--entries") && i + 1 < argc)
            n = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            url = argv[++i];
        else {
            fprintf(stderr, "usage: bench_ledger [--entries N] [--db URL] [--keep]\n");
            return 1;
        }
    }
    if (sodium_init() < 0)
        return 1;
    char tmp[] = "/tmp/bench-ledger-XXXXXX", path[256], keyp[300];
    if (!url) {
        if (!mkdtemp(tmp))
            return 1;
        snprintf(path, sizeof path, "%s/ledger.db", tmp);
        url = path;
    }
    snprintf(keyp, sizeof keyp, "/tmp/bench-ledger-key-%ld", (long)getpid());
    tj_error err;
    store_db *db = NULL;
    if (store_open_ex(url, STORE_OPEN_MIGRATE, &db, &err))
        die("open", &err);
    svc_ctx ctx;
    if (svc_ctx_local(&ctx, db, NULL, &err))
        die("ctx", &err);
    ledger_key key;
    int created;
    ledger_head head;
    if (svc_ledger_init(&ctx, keyp, &key, &created, &head, &err))
        die("init", &err);
    printf("bench_ledger: %s, %lld entries\n", store_backend_name(db), (long long)n);

    /* build: 1,000 appends a transaction */
    double t0 = now();
    int64_t size = 1;
    while (size < n) {
        if (svc_begin(&ctx, &err))
            die("begin", &err);
        for (int k = 0; k < 1000 && size < n; k++, size++)
            append_one(&ctx, size);
        if (svc_commit(&ctx, &err))
            die("commit", &err);
    }
    double build = now() - t0;
    printf("build: %lld appends in %.1f s (%.1f us each, 1,000 a transaction)\n", (long long)n, build,
           1e6 * build / (double)n);
    int signed_new;
    if (svc_ledger_sign_head(&ctx, &key, &head, &signed_new, &err))
        die("sign", &err);

    enum { R = 300 };
    double v[R];
    /* the floor of a transaction of its own: one plain row, commit included */
    if (store_exec(db, "CREATE TABLE bench_scratch (x INTEGER)", &err))
        die("scratch", &err);
    for (int i = 0; i < R; i++) {
        double t = now();
        if (svc_begin(&ctx, &err) || store_exec(db, "INSERT INTO bench_scratch VALUES (1)", &err) ||
            svc_commit(&ctx, &err))
            die("scratch", &err);
        v[i] = now() - t;
    }
    stats(v, R, &med, &p95);
    printf("baseline: a plain one-row transaction:  median %.3f ms, p95 %.3f ms\n", 1e3 * med, 1e3 * p95);
    for (int i = 0; i < R; i++) {
        double t = now();
        if (svc_begin(&ctx, &err))
            die("begin", &err);
        append_one(&ctx, n + i);
        if (svc_commit(&ctx, &err))
            die("commit", &err);
        v[i] = now() - t;
    }
    stats(v, R, &med, &p95);
    printf("append, own transaction (commit, fsync): median %.3f ms, p95 %.3f ms\n", 1e3 * med, 1e3 * p95);
    if (svc_begin(&ctx, &err))
        die("begin", &err);
    for (int i = 0; i < R; i++) {
        double t = now();
        append_one(&ctx, n + R + i);
        v[i] = now() - t;
    }
    if (svc_commit(&ctx, &err))
        die("commit", &err);
    stats(v, R, &med, &p95);
    printf("append, inside a transaction:           median %.3f ms, p95 %.3f ms\n", 1e3 * med, 1e3 * p95);
    if (svc_ledger_sign_head(&ctx, &key, &head, &signed_new, &err))
        die("sign", &err);
    int64_t total = head.tree_size;

    srand(42);
    merkle_hash proof[MERKLE_MAX_PROOF];
    size_t pn;
    for (int i = 0; i < R; i++) {
        int64_t idx = ((int64_t)rand() * RAND_MAX + rand()) % total;
        double t = now();
        if (ledger_inclusion_proof(db, idx, total, proof, &pn, &err))
            die("inclusion", &err);
        v[i] = now() - t;
    }
    stats(v, R, &med, &p95);
    printf("inclusion proof at %lld:               median %.3f ms, p95 %.3f ms (%zu hashes)\n",
           (long long)total, 1e3 * med, 1e3 * p95, pn);
    for (int i = 0; i < R; i++) {
        int64_t a = 1 + ((int64_t)rand() * RAND_MAX + rand()) % (total - 1);
        double t = now();
        if (ledger_consistency_proof(db, a, total, proof, &pn, &err))
            die("consistency", &err);
        v[i] = now() - t;
    }
    stats(v, R, &med, &p95);
    printf("consistency proof to %lld:             median %.3f ms, p95 %.3f ms\n", (long long)total,
           1e3 * med, 1e3 * p95);
    for (int i = 0; i < R; i++) {
        int64_t idx = ((int64_t)rand() * RAND_MAX + rand()) % total;
        json_t *doc = NULL;
        double t = now();
        if (svc_ledger_inclusion(&ctx, idx, -1, &doc, &err))
            die("proof document", &err);
        v[i] = now() - t;
        json_decref(doc);
    }
    stats(v, R, &med, &p95);
    printf("inclusion proof document (signed head, entry): median %.3f ms, p95 %.3f ms\n", 1e3 * med,
           1e3 * p95);

    /* baselines, then verify */
    scan s;
    memset(&s, 0, sizeof s);
    double t = now();
    if (store_ledger_scan_entries(db, on_row, &s, &err))
        die("scan", &err);
    double read = now() - t;
    memset(&s, 0, sizeof s);
    s.hash = 1;
    t = now();
    if (store_ledger_scan_entries(db, on_row, &s, &err))
        die("scan", &err);
    double read_hash = now() - t;
    /* SHA-256 alone over the same bytes, from memory */
    size_t bytes = s.bytes;
    unsigned char *buf = malloc(bytes / (size_t)s.rows + 1), h[32];
    memset(buf, 'x', bytes / (size_t)s.rows + 1);
    t = now();
    for (int64_t i = 0; i < s.rows; i++)
        crypto_hash_sha256(h, buf, bytes / (size_t)s.rows + 1);
    double sha = now() - t;
    free(buf);
    ledger_report rep;
    t = now();
    if (svc_ledger_verify(&ctx, key.pk, NULL, &rep, &err))
        die("verify", &err);
    double ver = now() - t;
    printf("baseline: read %lld rows (%.0f MB): %.1f s; read + SHA-256 each: %.1f s; SHA-256 alone: %.2f s\n",
           (long long)s.rows, (double)bytes / 1e6, read, read_hash, sha);
    printf("full verify: %.1f s (%.1fx read + hash), %zu problems, %lld heads\n", ver, ver / read_hash,
           rep.nproblems, (long long)rep.heads);
    ledger_report_release(&rep);
    ledger_key_wipe(&key);
    unlink(keyp);
    svc_ctx_release(&ctx);
    store_close(db);
    if (url == path && keep)
        printf("kept %s\n", path);
    else if (url == path) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd))
            fprintf(stderr, "could not remove %s\n", tmp);
    }
    return 0;
}

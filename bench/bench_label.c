/*
 * bench_label: labels at scale.  Loads N issued labels (default 1,000,000),
 * each with its own signed document and its issue entry in ledger_entry, into
 * a fresh database (the rows svc_label_issue writes: labels by bulk insert,
 * their ledger entries and Merkle nodes by ledger_append_prepared), then times at
 * that size:
 *   - verification by number (svc_label_verify_number: key, signature over
 *     the canonical JSON, record, validity, status, the ledger entry, the
 *     dishonest-entity list), random numbers;
 *   - registry search (svc_registry_search) by category+status, region,
 *     company, product text, grade, and a deep page;
 *   - offline verification of a document in process (svc_label_verify_document).
 * Prints p50/p95/p99 in milliseconds.
 *
 * usage: bench_label [--labels N] [--db URL] [--keep]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "ledger/ledger.h"
#include "services/account.h"
#include "services/cert.h"
#include "services/disclosure.h"
#include "services/label.h"
#include "services/ledger_svc.h"
#include "store/store.h"
#include "tanji/parse.h"

static void die(const char *what, const tj_error *err)
{
    fprintf(stderr, "bench_label: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static void pct(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    printf("%-44s p50 %8.3f  p95 %8.3f  p99 %8.3f ms  (%d runs)\n", what, v[n / 2] * 1e3,
           v[n * 95 / 100] * 1e3, v[n * 99 / 100] * 1e3, n);
}

static const char *const provinces[] = {"110000", "120000", "130000", "140000", "150000", "210000", "220000",
                                        "230000", "310000", "320000", "330000", "340000", "350000", "360000",
                                        "370000", "410000", "420000", "430000", "440000", "450000", "460000",
                                        "500000", "510000", "520000", "530000", "540000", "610000", "620000",
                                        "630000", "640000", "650000"};
#define NPROV 31
#define NORG 200

int main(int argc, char **argv)
{
    long long n = 1000000;
    const char *url = NULL;
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--labels") && i + 1 < argc) {
            tj_error e;
            if (tj_parse_int("--labels", argv[++i], 1000, 100000000, &n, &e)) {
                fprintf(stderr, "bench_label: %s\n", e.message);
                return 1;
            }
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            url = argv[++i];
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else {
            fprintf(stderr, "usage: bench_label [--labels N] [--db URL] [--keep]\n");
            return 1;
        }
    }
    if (sodium_init() < 0)
        return 1;
    char path[128];
    if (!url) {
        snprintf(path, sizeof path, "/tmp/bench_label_%d.db", (int)getpid());
        url = path;
    }
    tj_error err;
    store_db *db = NULL;
    if (store_open_ex(url, STORE_OPEN_MIGRATE, &db, &err))
        die("open", &err);
    svc_ctx op;
    if (svc_ctx_local(&op, db, NULL, &err) || svc_ledger_seed(&op, &err)) /* as `tanji migrate` */
        die("ctx", &err);
    char cat_path[1024];
    snprintf(cat_path, sizeof cat_path, "%s/data/certification/catalogue-cn-2025.json",
             getenv("TJ_SOURCE_DIR") ? getenv("TJ_SOURCE_DIR") : ".");
    int ncat = 0;
    if (svc_cert_catalogue_import(&op, cat_path, &ncat, &err))
        die("catalogue (run from the source tree or set TJ_SOURCE_DIR)", &err);
    json_t *cats = NULL;
    svc_cert_catalogue_list(&op, &cats, &err);
    json_t *scope = json_array();
    for (size_t i = 0; i < json_array_size(cats); i++)
        json_array_append(scope, json_object_get(json_array_get(cats, i), "category"));
    char *body = NULL;
    if (svc_org_create(&op, "bench body", "certification_body", "110000", &body, &err) ||
        svc_cert_body_register(&op, body, NULL, scope, &err))
        die("body", &err);
    ledger_key key;
    crypto_sign_keypair(key.pk, key.sk);
    char *key_id = NULL;
    if (svc_cert_key_add(&op, body, key.pk, &key_id, &err))
        die("key", &err);
    char *orgs[NORG];
    for (int i = 0; i < NORG; i++) {
        char name[64];
        snprintf(name, sizeof name, "企业%03d Enterprise %03d", i, i);
        if (svc_org_create(&op, name, "enterprise", provinces[i % NPROV], &orgs[i], &err))
            die("org", &err);
    }
    int64_t base = 0;
    if (ledger_size(db, &base, &err))
        die("size", &err);
    char pk_hex[65];
    ledger_pk_hex(key.pk, pk_hex);
    double t0 = now();
    static const char *const lcols[] = {
        "number",  "certificate",   "application_id", "holder_org",    "body_org",  "category",
        "product", "region",        "year",           "value",         "unit",      "footprint_id",
        "grade",   "grade_version", "status",         "status_reason", "issued_at", "valid_until",
        "key_id",  "document",      "ledger_index",   "updated_at"};
    if (store_begin(db, &err))
        die("begin", &err);
    /* In chunks: the labels' rows by bulk insert (PostgreSQL: COPY, one table
     * at a time), then their issue entries by ledger_append_prepared, leaves and
     * Merkle nodes as svc_label_issue writes them, so that the database
     * passes `tanji ledger verify` and `tanji migrate`. */
    enum { CHUNK = 4096 };
    json_t **states = malloc(CHUNK * sizeof *states);
    char(*digests)[65] = malloc(CHUNK * sizeof *digests);
    char **numbers = malloc((size_t)n * sizeof *numbers);
    ledger_prepared *prepared = malloc(CHUNK * sizeof *prepared);
    if (!states || !digests || !numbers || !prepared)
        die("out of memory", NULL);
    for (long long c0 = 0; c0 < n; c0 += CHUNK) {
        long long c1 = c0 + CHUNK < n ? c0 + CHUNK : n;
        store_bulk *lb = NULL;
        if (store_bulk_begin(db, "label", lcols, 22, &lb, &err))
            die("bulk", &err);
        for (long long i = c0; i < c1; i++) {
            const char *prov = provinces[i % NPROV], *org = orgs[i % NORG];
            json_t *c = json_array_get(cats, (size_t)(i % ncat));
            int year = 2025 + (int)(i % 2);
            char number[48], cert[64], at[32], until[32], val[32], yr[8], grade[4], idx[24];
            snprintf(number, sizeof number, "CN-%s-%d-%07lld", prov, year, i);
            snprintf(cert, sizeof cert, "CERT-%s", number);
            snprintf(at, sizeof at, "%d-06-01T00:00:00Z", year);
            snprintf(until, sizeof until, "%d-06-01T00:00:00Z", year + 2 + 2); /* valid through the run */
            double value = 100.0 + (double)((i * 7919) % 100000) / 10.0;
            snprintf(val, sizeof val, "%.17g", value);
            snprintf(yr, sizeof yr, "%d", year);
            snprintf(grade, sizeof grade, "%d", (int)(i % 5) + 1);
            snprintf(idx, sizeof idx, "%lld", (long long)(base + i));
            const char *cat = json_string_value(json_object_get(c, "category"));
            const char *pname = json_string_value(json_object_get(c, "name_zh"));
            json_t *label = json_pack("{s:s,s:s,s:s,s:{s:s},s:s,s:f,s:s,s:s,s:s,s:s,s:s}", "format",
                                      "tanji-label/1", "number", number, "certificate", cert, "product", "name",
                                      pname, "category", cat, "value", value, "unit", "kg CO2e", "issued_at", at,
                                      "valid_from", at, "valid_until", until, "key_id", key_id);
            json_object_set_new(label, "body", json_pack("{s:s}", "id", body));
            char *msg = ledger_canonical_json(label);
            unsigned char s[64];
            crypto_sign_detached(s, NULL, (unsigned char *)msg, strlen(msg), key.sk);
            char shex[129];
            sodium_bin2hex(shex, sizeof shex, s, 64);
            json_t *doc = json_pack("{s:o,s:{s:s,s:s,s:s,s:s}}", "label", label, "signature", "alg", "Ed25519",
                                    "key_id", key_id, "public_key", pk_hex, "value", shex);
            char *dtext = ledger_canonical_json(doc);
            unsigned char h[32];
            crypto_hash_sha256(h, (unsigned char *)dtext, strlen(dtext));
            sodium_bin2hex(digests[i - c0], 65, h, 32);
            /* the state svc_label_issue records: the row's fields and the document's digest */
            json_t *srow = json_pack(
                "{s:s,s:s,s:n,s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:s,s:s,s:i,s:i,s:s,s:n,s:s,s:s,s:s,s:s,s:s}", "number",
                number, "certificate", cert, "application_id", "holder_org", org, "body_org", body, "category", cat,
                "product", pname, "region", prov, "year", year, "value", value, "unit", "t", "footprint_id", "bench",
                "grade", (int)(i % 5) + 1, "grade_version", 1, "status", "valid", "status_reason", "issued_at", at,
                "valid_until", until, "key_id", key_id, "updated_at", at, "document", dtext);
            states[i - c0] = srow ? svc_label_state(srow) : NULL;
            if (!states[i - c0])
                die("label state", NULL);
            json_decref(srow);
            json_decref(doc);
            numbers[i] = strdup(number);
            const char *row[] = {number,  cert,  NULL, org,     body, cat, pname, prov,   yr,    val, "t",
                                 "bench", grade, "1",  "valid", NULL, at,  until, key_id, dtext, idx, at};
            if (store_bulk_row(lb, row, &err))
                die("label row", &err);
            free(msg);
            free(dtext);
        }
        if (store_bulk_end(lb, &err))
            die("bulk end", &err);
        for (long long i = c0; i < c1; i++) {
            json_t *change = json_pack("{s:s,s:s}", "action", "issue", "document_digest", digests[i - c0]);
            ledger_entry_in e = {.kind = "label.issue",
                                 .object_type = "label",
                                 .object_id = numbers[i],
                                 .actor = "local:operator",
                                 .org = body,
                                 .change = change,
                                 .state = states[i - c0]};
            if (ledger_prepare(&e, &prepared[i - c0], &err))
                die("ledger entry", &err);
            json_decref(change);
            json_decref(states[i - c0]);
        }
        int64_t first = -1;
        if (ledger_append_prepared(db, prepared, (size_t)(c1 - c0), &first, &err))
            die("ledger entries", &err);
        if (first != base + c0)
            die("ledger entries: not at the indexes the labels name", NULL);
        for (long long i = c0; i < c1; i++)
            ledger_prepared_release(&prepared[i - c0]);
        if (c1 % 100000 < CHUNK)
            fprintf(stderr, "bench_label: %lld of %lld labels (%.0f s)\n", c1, n, now() - t0);
    }
    free(states);
    free(prepared);
    free(digests);
    if (store_commit(db, &err))
        die("commit", &err);
    if (store_backend(db) == STORE_POSTGRES)
        store_exec(db, "ANALYZE label; ANALYZE ledger_entry; ANALYZE organisation", &err);
    else
        store_exec(db, "ANALYZE", &err);
    printf("bench_label: %lld labels loaded in %.1f s (%s)\n", n, now() - t0, store_backend_name(db));

    svc_ctx pub;
    if (svc_ctx_init(&pub, db, "public", "public", "public", 0, &err))
        die("ctx", &err);
    enum { RUNS = 2000 };
    double *v = malloc(RUNS * sizeof *v);
    srand(1);
    int bad = 0;
    double tv0 = now();
    for (int r = 0; r < RUNS; r++) {
        long long i = ((long long)rand() * RAND_MAX + rand()) % n;
        json_t *rep = NULL;
        double a = now();
        if (svc_label_verify_number(&pub, numbers[i], &rep, &err))
            die("verify", &err);
        v[r] = now() - a;
        bad += !json_is_true(json_object_get(rep, "ok"));
        json_decref(rep);
    }
    double tv = now() - tv0;
    pct("verify by number (service call)", v, RUNS);
    printf("  %.0f verifications/s on one connection; %d of %d not ok\n", RUNS / tv, bad, RUNS);
    /* the public label as GET /api/v1/public/labels/{number} serves it */
    size_t bytes = 0;
    tv0 = now();
    for (int r = 0; r < RUNS; r++) {
        long long i = ((long long)rand() * RAND_MAX + rand()) % n;
        char *text = NULL;
        size_t len = 0;
        double a = now();
        if (svc_label_public_text(&pub, numbers[i], &text, &len, &err))
            die("public label", &err);
        v[r] = now() - a;
        bytes += len;
        free(text);
    }
    tv = now() - tv0;
    pct("public label by number, as served (text)", v, RUNS);
    printf("  %.0f documents/s on one connection, %zu bytes on average\n", RUNS / tv, bytes / RUNS);

    struct {
        const char *what;
        const char *json;
        int offset;
    } qs[] = {
        {"search: category + status", "{\"category\":\"cement\",\"status\":\"valid\"}", 0},
        {"search: region", "{\"region\":\"530000\"}", 0},
        {"search: company (name substring)", "{\"company\":\"Enterprise 042\"}", 0},
        {"search: product (substring)", "{\"product\":\"铝\"}", 0},
        {"search: grade + category", "{\"grade\":1,\"category\":\"tyre\"}", 0},
        {"search: no filter, page 1000 (offset 20000)", "{}", 20000},
        /* the same pages by keyset ("after": the number before the page) */
        {"search: no filter, page 1000 by keyset (after)", "{}", -20000},
        {"search: category, page 100 by keyset (after)", "{\"category\":\"cement\"}", -2000},
        {"search: rare company + product", "{\"company\":\"Enterprise 199\",\"product\":\"水泥\"}", 0},
    };
    enum { QRUNS = 100 };
    double *all = malloc(sizeof qs / sizeof qs[0] * QRUNS * sizeof *all);
    int na = 0;
    for (size_t q = 0; q < sizeof qs / sizeof qs[0]; q++) {
        json_t *f = json_loads(qs[q].json, 0, NULL);
        if (qs[q].offset < 0) {
            /* keyset: the cursor is the number just before the page */
            json_t *c = NULL;
            if (svc_registry_search(&pub, f, 1, -qs[q].offset - 1, &c, &err))
                die("search", &err);
            const char *num = json_string_value(json_object_get(json_array_get(json_object_get(c, "items"), 0), "number"));
            if (!num) {
                printf("%-44s skipped: fewer labels than the page needs\n", qs[q].what);
                json_decref(c);
                json_decref(f);
                continue;
            }
            json_object_set_new(f, "after", json_string(num));
            json_decref(c);
        }
        double w[QRUNS];
        for (int r = 0; r < QRUNS; r++) {
            json_t *res = NULL;
            double a = now();
            if (svc_registry_search(&pub, f, 20, qs[q].offset > 0 ? qs[q].offset : 0, &res, &err))
                die("search", &err);
            w[r] = now() - a;
            all[na++] = w[r];
            json_decref(res);
        }
        pct(qs[q].what, w, QRUNS);
        json_decref(f);
    }
    pct("search: all queries above", all, na);

    json_t *kr = NULL;
    svc_cert_keyring(&pub, NULL, &kr, &err);
    json_t *doc = NULL;
    if (svc_label_document(&pub, numbers[n / 2], &doc, &err))
        die("document", &err);
    for (int r = 0; r < RUNS; r++) {
        json_t *rep = NULL;
        double a = now();
        svc_label_verify_document(doc, kr, NULL, NULL, &rep, &err);
        v[r] = now() - a;
        json_decref(rep);
    }
    pct("offline verify of a document (in process)", v, RUNS);
    json_decref(doc);
    json_decref(kr);
    for (long long i = 0; i < n; i++)
        free(numbers[i]);
    free(numbers);
    free(v);
    free(all);
    svc_ctx_release(&pub);
    svc_ctx_release(&op);
    store_close(db);
    if (!keep && url == path) {
        char w[160];
        for (const char *sfx = ""; sfx; sfx = !*sfx ? "-wal" : !strcmp(sfx, "-wal") ? "-shm" : NULL) {
            snprintf(w, sizeof w, "%s%s", path, sfx);
            unlink(w);
        }
    }
    for (int i = 0; i < NORG; i++)
        free(orgs[i]);
    free(body);
    free(key_id);
    json_decref(cats);
    json_decref(scope);
    return 0;
}

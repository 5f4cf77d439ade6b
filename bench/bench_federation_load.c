/*
 * bench_federation_load: loads labels into an instance for the federation
 * benchmark (bench/federation_bench.sh).  Each label is what svc_label_issue
 * writes: a label signed with the body's key, its row and its label.issue
 * ledger entry (appended with ledger_append, so the Merkle tree and proofs are
 * real), 1,000 a transaction.  --revoke N then revokes the first N valid labels
 * through svc_label_act (N ledger entries: the incremental changes).
 * Generated data for timing only: no real product or value.
 *
 * usage: bench_federation_load --db URL --body-key FILE --body ORG_ID --holder ORG_ID
 *                              [--labels N] [--revoke N]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "ledger/ledger.h"
#include "services/cert.h"
#include "services/ctx.h"
#include "services/label.h"
#include "store/inst_sql.h"
#include "store/store.h"

static void die(const char *what, const tj_error *err)
{
    fprintf(stderr, "bench_federation_load: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

int main(int argc, char **argv)
{
    const char *db_url = NULL, *key_path = NULL, *body = NULL, *holder = NULL;
    long nlabels = 0, nrevoke = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--db"))
            db_url = argv[i + 1];
        else if (!strcmp(argv[i], "--body-key"))
            key_path = argv[i + 1];
        else if (!strcmp(argv[i], "--body"))
            body = argv[i + 1];
        else if (!strcmp(argv[i], "--holder"))
            holder = argv[i + 1];
        else if (!strcmp(argv[i], "--labels"))
            nlabels = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--revoke"))
            nrevoke = atol(argv[i + 1]);
    }
    if (!db_url || !key_path || !body || !holder) {
        fputs("usage: bench_federation_load --db URL --body-key FILE --body ORG_ID --holder ORG_ID [--labels "
              "N] "
              "[--revoke N]\n",
              stderr);
        return 1;
    }
    if (sodium_init() < 0)
        return 1;
    tj_error err;
    tj_error_clear(&err);
    store_db *db = NULL;
    ledger_key key;
    if (store_open(db_url, &db, &err))
        die("open", &err);
    if (ledger_key_load(key_path, &key, &err))
        die("body key", &err);
    svc_ctx ctx;
    if (svc_ctx_init(&ctx, db, "local:operator", "operator", SVC_OPERATOR_ORG, SVC_ROLE_ALL, &err))
        die("ctx", &err);
    char key_id[17], pk_hex[65];
    svc_cert_key_id(key.pk, key_id);
    ledger_pk_hex(key.pk, pk_hex);
    double t0 = now();
    const char *at = "2026-06-01T00:00:00Z";
    for (long i = 0; i < nlabels; i++) {
        if (i % 1000 == 0 && svc_begin(&ctx, &err))
            die("begin", &err);
        char number[64], cert[80], fp[64];
        snprintf(number, sizeof number, "CN-530000-2026-%07ld", i + 1);
        snprintf(cert, sizeof cert, "CERT-%s", number);
        snprintf(fp, sizeof fp, "bench-footprint-%07ld", i);
        double value = 1000.0 + (double)(i % 5000);
        json_t *label = json_pack(
            "{s:s,s:s,s:s,s:{s:s},s:s,s:f,s:s,s:{s:f,s:s},s:s,s:s,s:s,s:n,s:{s:s,s:s},s:{s:s,s:s,s:s},"
            "s:{s:s},s:s,s:s,s:s,s:s,s:s}",
            "format", "tanji-label/1", "number", number, "certificate", cert, "product", "name",
            "bench product (generated, not real)", "category", "electrolytic_aluminium", "value", value,
            "unit", "kg CO2e", "declared_unit", "amount", 1.0, "unit", "t", "boundary", "cradle-to-gate",
            "rule", "tpl.cn.electrolytic_aluminium", "gwp", "AR6", "grade", "body", "id", body, "name",
            "bench body", "holder", "id", holder, "name", "bench holder", "region", "530100", "footprint",
            "id", fp, "issued_at", at, "valid_from", at, "valid_until", "2028-06-01T00:00:00Z", "verify_url",
            "http://localhost:8080/api/v1/public/labels/x", "key_id", key_id);
        char *msg = label ? ledger_canonical_json(label) : NULL;
        if (!msg)
            die("label json", NULL);
        unsigned char s[crypto_sign_BYTES];
        crypto_sign_detached(s, NULL, (const unsigned char *)msg, strlen(msg), key.sk);
        free(msg);
        char s_hex[2 * crypto_sign_BYTES + 1];
        sodium_bin2hex(s_hex, sizeof s_hex, s, sizeof s);
        json_t *sig = json_pack("{s:s,s:s,s:s,s:s}", "alg", "Ed25519", "key_id", key_id, "public_key", pk_hex,
                                "value", s_hex);
        json_t *d = json_pack("{s:O,s:O}", "label", label, "signature", sig);
        char *doc = ledger_canonical_json(d);
        json_decref(d);
        char digest[65];
        {
            unsigned char h[32];
            crypto_hash_sha256(h, (const unsigned char *)doc, strlen(doc));
            sodium_bin2hex(digest, sizeof digest, h, sizeof h);
        }
        json_t *row = json_pack(
            "{s:s,s:s,s:n,s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:s,s:s,s:n,s:n,s:s,s:n,s:s,s:s,s:s,"
            "s:s,s:s}",
            "number", number, "certificate", cert, "application_id", "holder_org", holder, "body_org", body,
            "category", "electrolytic_aluminium", "product", "bench product (generated, not real)", "region",
            "530000", "year", 2026, "value", value, "unit", "t", "footprint_id", fp, "grade", "grade_version",
            "status", "valid", "status_reason", "issued_at", at, "valid_until", "2028-06-01T00:00:00Z",
            "key_id", key_id, "document", doc, "updated_at", at);
        json_t *state = row ? svc_label_state(row) : NULL;
        json_t *change =
            json_pack("{s:s,s:s,s:s}", "action", "issue", "document_digest", digest, "key_id", key_id);
        if (!state || !change)
            die("row", NULL);
        int64_t idx = -1;
        ledger_entry_in e = {.kind = "label.issue",
                             .object_type = "label",
                             .object_id = number,
                             .actor = ctx.who.id,
                             .org = ctx.who.org_id,
                             .change = change,
                             .state = state};
        if (ledger_append(db, &e, &idx, &err))
            die("append", &err);
        json_object_set_new(row, "ledger_index", json_integer((json_int_t)idx));
        if (store_label_insert(db, row, &err))
            die("insert", &err);
        free(doc);
        json_decref(label);
        json_decref(sig);
        json_decref(row);
        json_decref(state);
        json_decref(change);
        if ((i % 1000 == 999 || i == nlabels - 1) && svc_commit(&ctx, &err))
            die("commit", &err);
    }
    if (nlabels)
        printf("loaded %ld labels in %.1f s\n", nlabels, now() - t0);
    t0 = now();
    json_t *valid = NULL;
    if (nrevoke) {
        store_stmt *st = NULL;
        if (store_prepare(db, "SELECT number FROM label WHERE status = 'valid' ORDER BY number LIMIT ?", &st,
                          &err))
            die("select", &err);
        store_bind_int64(st, 1, nrevoke);
        valid = json_array();
        while (store_step(st, &err) == 1)
            json_array_append_new(valid, json_string(store_col_text(st, 0)));
        store_finalize(st);
        if (svc_begin(&ctx, &err))
            die("begin", &err);
        size_t i;
        json_t *n;
        json_array_foreach(valid, i, n) if (svc_label_act(&ctx, json_string_value(n), "revoke",
                                                          "bench: generated revocation", &err))
            die("revoke", &err);
        if (svc_commit(&ctx, &err))
            die("commit", &err);
        printf("revoked %zu labels in %.1f s\n", json_array_size(valid), now() - t0);
    }
    json_decref(valid);
    ledger_key_wipe(&key);
    svc_ctx_release(&ctx);
    store_close(db);
    return 0;
}

/* ledger: appending entries; see ledger.h. */
#include "ledger/ledger.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *ledger_canonical_json(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
}

static void to_hex(const unsigned char *b, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[b[i] >> 4];
        hex[2 * i + 1] = digits[b[i] & 15];
    }
    hex[2 * n] = '\0';
}

tj_status ledger_digest_json(const json_t *v, char hex[65], tj_error *err)
{
    char *c = ledger_canonical_json(v);
    if (!c)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)c, strlen(c));
    free(c);
    to_hex(h, sizeof h, hex);
    return TJ_OK;
}

static void leaf_hash(const char *data, char hex[65])
{
    crypto_hash_sha256_state s;
    unsigned char zero = 0, h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, &zero, 1);
    crypto_hash_sha256_update(&s, (const unsigned char *)data, strlen(data));
    crypto_hash_sha256_final(&s, h);
    to_hex(h, sizeof h, hex);
}

tj_status ledger_append(store_db *db, const ledger_entry_in *e, int64_t *index_out, tj_error *err)
{
    if (!store_in_transaction(db))
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "ledger_append needs an open transaction");
    if (!e->kind || !e->object_type || !e->object_id || !e->actor)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "ledger entry without kind, object or actor");
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char state_digest[65] = "";
    tj_status rc = TJ_OK;
    if (e->state && (rc = ledger_digest_json(e->state, state_digest, err)) != TJ_OK)
        return rc;
    json_t *body = json_pack("{s:s,s:s,s:O,s:s,s:s,s:s,s:s?,s:s?}", "actor", e->actor, "at", at, "change",
                             e->change ? e->change : json_null(), "kind", e->kind, "object_id", e->object_id,
                             "object_type", e->object_type, "org", e->org, "state_digest",
                             e->state ? state_digest : NULL);
    char *data = body ? ledger_canonical_json(body) : NULL;
    json_decref(body);
    if (!data)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    char leaf[65];
    leaf_hash(data, leaf);
    store_stmt *st = NULL;
    int64_t index = 0;
    /* One appender at a time: PostgreSQL takes a transaction-scoped lock,
     * SQLite's writer lock (BEGIN IMMEDIATE) already serialises. */
    if (store_backend(db) == STORE_POSTGRES && (rc = store_exec(db, "SELECT pg_advisory_xact_lock(74697)", err)))
        goto out;
    if ((rc = store_prepare_cached(db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entry", &st, err)))
        goto out;
    int r = store_step(st, err);
    if (r < 0) {
        rc = (tj_status)r;
        goto out;
    }
    index = store_col_int64(st, 0);
    store_finalize(st);
    st = NULL;
    if ((rc = store_prepare_cached(db,
                                   "INSERT INTO ledger_entry (idx, at, kind, object_type, object_id, actor, org, "
                                   "state_digest, body, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   &st, err)))
        goto out;
    store_bind_int64(st, 1, index);
    store_bind_text(st, 2, at);
    store_bind_text(st, 3, e->kind);
    store_bind_text(st, 4, e->object_type);
    store_bind_text(st, 5, e->object_id);
    store_bind_text(st, 6, e->actor);
    store_bind_text(st, 7, e->org);
    store_bind_text(st, 8, e->state ? state_digest : NULL);
    store_bind_text(st, 9, data);
    store_bind_text(st, 10, leaf);
    if ((r = store_step(st, err)) < 0)
        rc = (tj_status)r;
    else if (index_out)
        *index_out = index;
out:
    store_finalize(st);
    free(data);
    return rc;
}

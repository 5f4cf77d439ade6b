/* ledger: appending entries, the stored tree, proofs; see ledger.h. */
#include "ledger/ledger.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/ledger_sql.h"

tj_status ledger_digest_json(const json_t *v, char hex[65], tj_error *err)
{
    char *c = NULL;
    size_t len = 0;
    tj_status rc = ledger_jcs(v, &c, &len, err);
    if (rc)
        return rc;
    merkle_hash h;
    merkle_sha256(c, len, h.b);
    free(c);
    merkle_to_hex(&h, hex);
    return TJ_OK;
}

/* Fetch nodes from the node table (merkle_fetch_fn). */
static tj_status fetch_nodes(void *arg, const int64_t *ids, size_t n, merkle_hash *out, tj_error *err)
{
    store_db *db = arg;
    char(*hex)[65] = malloc(n * sizeof *hex);
    if (!hex)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    tj_status rc = store_ledger_node_get(db, ids, n, hex, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (merkle_from_hex(hex[i], &out[i]))
            rc = tj_error_set(err, TJ_ERR_DB, NULL, "ledger node %lld holds no hash: run tanji ledger verify",
                              (long long)ids[i]);
    free(hex);
    return rc;
}

/* The right edge of the tree as of the last append of this thread's open
 * transaction: node[L] is the complete subtree of 2^L leaves ending the
 * tree when bit L of size is set.  Appends in one transaction (an import of
 * a million factor versions) then neither re-read the size nor fetch left
 * siblings; store_tx_epoch invalidates it at commit and rollback. */
typedef struct ledger_frontier {
    store_db *db;
    uint64_t epoch;
    int64_t size;
    merkle_hash node[64];
} ledger_frontier;
static _Thread_local ledger_frontier frontier;

static tj_status frontier_load(store_db *db, int64_t size, ledger_frontier *fr, tj_error *err)
{
    int64_t ids[64];
    int levels[64];
    size_t n = 0;
    int64_t start = 0;
    for (int l = 62; l >= 0; l--)
        if (size >> l & 1) {
            ids[n] = merkle_node_id(l, start >> l);
            levels[n++] = l;
            start += (int64_t)1 << l;
        }
    merkle_hash h[64];
    tj_status rc = n ? fetch_nodes(db, ids, n, h, err) : TJ_OK;
    for (size_t i = 0; !rc && i < n; i++)
        fr->node[levels[i]] = h[i];
    fr->size = size;
    return rc;
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
    if (!body)
        return tj_error_set(err, TJ_ERR_INPUT, NULL, "ledger entry: a field is not valid UTF-8");
    char *data = NULL;
    size_t len = 0;
    rc = ledger_jcs(body, &data, &len, err);
    json_decref(body);
    if (rc)
        return rc;
    int64_t index = 0;
    ledger_frontier *fr = &frontier;
    int cached = fr->db == db && fr->epoch == store_tx_epoch(db);
    fr->db = NULL; /* valid again only if this append succeeds */
    if (!cached) {
        /* One appender at a time: PostgreSQL takes a transaction-scoped
         * lock, SQLite's writer lock (BEGIN IMMEDIATE) already serialises. */
        if ((rc = store_ledger_lock(db, err)) || (rc = store_ledger_tree_size(db, &index, err)) ||
            (rc = frontier_load(db, index, fr, err)))
            goto out;
    } else {
        index = fr->size;
    }
    if (index >= MERKLE_MAX_LEAVES) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, NULL, "the ledger is full (2^40 entries)");
        goto out;
    }
    store_ledger_row row = {.idx = index,
                            .at = at,
                            .kind = e->kind,
                            .object_type = e->object_type,
                            .object_id = e->object_id,
                            .actor = e->actor,
                            .org = e->org,
                            .state_digest = e->state ? state_digest : NULL,
                            .body = data};
    if ((rc = store_ledger_entry_insert(db, &row, err)))
        goto out;
    /* The leaf, then every complete subtree it completes: node (L, j) with
     * (index + 1) a multiple of 2^L; its left child is the frontier's
     * subtree of level L - 1, which it replaces. */
    merkle_hash h;
    char hex[65];
    merkle_leaf_hash(data, len, &h);
    merkle_to_hex(&h, hex);
    if ((rc = store_ledger_node_put(db, merkle_node_id(0, index), hex, err)))
        goto out;
    int l = 0;
    for (; ((index + 1) >> l & 1) == 0; l++) {
        merkle_node_hash(&fr->node[l], &h, &h);
        merkle_to_hex(&h, hex);
        if ((rc = store_ledger_node_put(db, merkle_node_id(l + 1, ((index + 1) >> (l + 1)) - 1), hex, err)))
            goto out;
    }
    fr->node[l] = h;
    fr->size = index + 1;
    fr->epoch = store_tx_epoch(db);
    fr->db = db;
    if (index_out)
        *index_out = index;
out:
    free(data);
    return rc;
}

tj_status ledger_size(store_db *db, int64_t *size, tj_error *err)
{
    return store_ledger_tree_size(db, size, err);
}

tj_status ledger_root(store_db *db, int64_t size, merkle_hash *root, tj_error *err)
{
    return merkle_root(fetch_nodes, db, size, root, err);
}

tj_status ledger_inclusion_proof(store_db *db, int64_t index, int64_t size, merkle_hash *proof, size_t *n,
                                 tj_error *err)
{
    return merkle_inclusion_proof(fetch_nodes, db, index, size, proof, n, err);
}

tj_status ledger_consistency_proof(store_db *db, int64_t from, int64_t to, merkle_hash *proof, size_t *n,
                                   tj_error *err)
{
    return merkle_consistency_proof(fetch_nodes, db, from, to, proof, n, err);
}

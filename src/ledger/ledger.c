/* ledger: appending entries, the stored tree, proofs; see ledger.h. */
#include "ledger/ledger.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/ledger_sql.h"
#include "tanji/text.h"

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

static tj_status hex_to_hashes(const int64_t *ids, const char (*hex)[65], size_t n, merkle_hash *out,
                               tj_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (merkle_from_hex(hex[i], &out[i]))
            return tj_error_set(err, TJ_ERR_DB, NULL, "ledger node %lld holds no hash: run tanji ledger verify",
                                (long long)ids[i]);
    return TJ_OK;
}

/* The hash of node (level, index) for 1 <= level < LEDGER_NODE_FROM, which
 * is not stored: folded from its 2^level stored leaf hashes. */
static tj_status derive_node(store_db *db, int level, int64_t index, merkle_hash *out, tj_error *err)
{
    enum { MAXN = 1 << (LEDGER_NODE_FROM - 1) };
    int64_t n = (int64_t)1 << level, first = index << level, ids[MAXN] = {0};
    char hex[MAXN][65];
    merkle_hash h[MAXN];
    for (int64_t i = 0; i < n; i++)
        ids[i] = merkle_node_id(0, first + i);
    tj_status rc = store_ledger_node_get(db, ids, (size_t)n, hex, err);
    if (!rc)
        rc = hex_to_hashes(ids, (const char(*)[65])hex, (size_t)n, h, err);
    if (rc)
        return rc;
    for (; n > 1; n /= 2)
        for (int64_t i = 0; i < n / 2; i++)
            merkle_node_hash(&h[2 * i], &h[2 * i + 1], &h[i]);
    *out = h[0];
    return TJ_OK;
}

static int node_stored(int64_t id)
{
    int level = merkle_node_level(id);
    return level == 0 || level >= LEDGER_NODE_FROM;
}

/* Fetch nodes from the node table (merkle_fetch_fn): the stored ones in
 * one batch, those of the levels not stored from their leaves. */
static tj_status fetch_nodes(void *arg, const int64_t *ids, size_t n, merkle_hash *out, tj_error *err)
{
    store_db *db = arg;
    char(*hex)[65] = malloc((n ? n : 1) * sizeof *hex);
    int64_t *sid = malloc((n ? n : 1) * sizeof *sid);
    merkle_hash *sh = malloc((n ? n : 1) * sizeof *sh);
    tj_status rc = hex && sid && sh ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    size_t m = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (node_stored(ids[i]))
            sid[m++] = ids[i];
    if (!rc && m && !(rc = store_ledger_node_get(db, sid, m, hex, err)))
        rc = hex_to_hashes(sid, (const char(*)[65])hex, m, sh, err);
    for (size_t i = 0, k = 0; !rc && i < n; i++)
        if (node_stored(ids[i]))
            out[i] = sh[k++];
        else
            rc = derive_node(db, merkle_node_level(ids[i]), merkle_node_index(ids[i]), &out[i], err);
    free(hex);
    free(sid);
    free(sh);
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

/* The body's canonical JSON written directly into p->data (members in
 * RFC 8785 order: actor, at, change, kind, object_id, object_type, org,
 * state_digest; org and state_digest null when absent), as ledger_jcs
 * writes the json_pack'ed object; -1 (nothing
 * kept) for what the generic way is to refuse or handle: a text that is not
 * UTF-8, a change without canonical form. */
static void body_member(ledger_jbuf *b, const char *key, const char *v)
{
    ledger_jbuf_put(b, ",\"", 2);
    ledger_jbuf_put(b, key, strlen(key));
    ledger_jbuf_put(b, "\":", 2);
    if (v)
        ledger_jbuf_string(b, v, strlen(v));
    else
        ledger_jbuf_put(b, "null", 4);
}

static int utf8_ok(const char *s)
{
    size_t n = strlen(s);
    return tj_utf8_valid_prefix(s, n) == n;
}

static int body_direct(const ledger_entry_in *e, ledger_prepared *p, int has_state)
{
    const char *sd = has_state ? p->state_digest : NULL;
    if (!utf8_ok(e->actor) || !utf8_ok(e->kind) || !utf8_ok(e->object_id) || !utf8_ok(e->object_type) ||
        (e->org && !utf8_ok(e->org)))
        return -1;
    ledger_jbuf b = {0};
    ledger_jbuf_put(&b, "{\"actor\":", 9);
    ledger_jbuf_string(&b, e->actor, strlen(e->actor));
    body_member(&b, "at", p->at);
    ledger_jbuf_put(&b, ",\"change\":", 10);
    const char *why = e->change ? ledger_jbuf_value(&b, e->change) : (ledger_jbuf_put(&b, "null", 4), NULL);
    body_member(&b, "kind", e->kind);
    body_member(&b, "object_id", e->object_id);
    body_member(&b, "object_type", e->object_type);
    body_member(&b, "org", e->org); /* json_pack's "s?": null when absent */
    body_member(&b, "state_digest", sd);
    ledger_jbuf_put(&b, "}", 1);
    if (why || b.oom) {
        free(b.p);
        return -1;
    }
    char *fit = realloc(b.p, b.n + 1); /* the body is kept until appended */
    p->data = fit ? fit : b.p;
    p->len = b.n;
    return 0;
}

tj_status ledger_prepare(const ledger_entry_in *e, ledger_prepared *p, tj_error *err)
{
    memset(p, 0, sizeof *p);
    if (!e->kind || !e->object_type || !e->object_id || !e->actor)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "ledger entry without kind, object or actor");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(p->at, sizeof p->at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    tj_status rc = TJ_OK;
    int has_state = e->state || e->state_canonical;
    if (e->state_canonical) {
        merkle_hash h;
        merkle_sha256(e->state_canonical, e->state_canonical_len, h.b);
        merkle_to_hex(&h, p->state_digest);
    } else if (e->state && (rc = ledger_digest_json(e->state, p->state_digest, err)) != TJ_OK) {
        return rc;
    }
    if (body_direct(e, p, has_state)) { /* the generic way decides */
        json_t *body = json_pack("{s:s,s:s,s:O,s:s,s:s,s:s,s:s?,s:s?}", "actor", e->actor, "at", p->at, "change",
                                 e->change ? e->change : json_null(), "kind", e->kind, "object_id", e->object_id,
                                 "object_type", e->object_type, "org", e->org, "state_digest",
                                 has_state ? p->state_digest : NULL);
        if (!body)
            return tj_error_set(err, TJ_ERR_INPUT, NULL, "ledger entry: a field is not valid UTF-8");
        rc = ledger_jcs(body, &p->data, &p->len, err);
        json_decref(body);
        if (rc)
            return rc;
    }
    if (!(p->object_id = strdup(e->object_id))) {
        ledger_prepared_release(p);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    merkle_leaf_hash(p->data, p->len, &p->leaf);
    p->kind = e->kind;
    p->object_type = e->object_type;
    p->actor = e->actor;
    p->org = e->org;
    return TJ_OK;
}

void ledger_prepared_release(ledger_prepared *p)
{
    free(p->data);
    free(p->object_id);
    memset(p, 0, sizeof *p);
}

static store_ledger_row prepared_row(const ledger_prepared *p, int64_t index)
{
    return (store_ledger_row){.idx = index,
                              .at = p->at,
                              .kind = p->kind,
                              .object_type = p->object_type,
                              .object_id = p->object_id,
                              .actor = p->actor,
                              .org = p->org,
                              .state_digest = p->state_digest[0] ? p->state_digest : NULL,
                              .body = p->data};
}

/* The nodes leaf `index` (hash h) completes: the leaf, then every complete
 * subtree, node (L, j) with (index + 1) a multiple of 2^L, whose left child
 * is the frontier's subtree of level L - 1, which it replaces.  Appends
 * those the table stores (the leaf and levels from LEDGER_NODE_FROM) to
 * ids/hex (at most 64 at a time) and advances fr. */
static size_t frontier_push(ledger_frontier *fr, int64_t index, merkle_hash h, int64_t *ids, char (*hex)[65])
{
    size_t n = 0;
    ids[n] = merkle_node_id(0, index);
    merkle_to_hex(&h, hex[n++]);
    int l = 0;
    for (; ((index + 1) >> l & 1) == 0; l++) {
        merkle_node_hash(&fr->node[l], &h, &h);
        if (l + 1 >= LEDGER_NODE_FROM) {
            ids[n] = merkle_node_id(l + 1, ((index + 1) >> (l + 1)) - 1);
            merkle_to_hex(&h, hex[n++]);
        }
    }
    fr->node[l] = h;
    fr->size = index + 1;
    return n;
}

/* The frontier of this transaction, loaded (with the appenders' lock) on
 * its first append; fr->db is cleared until the caller's append succeeds. */
static tj_status frontier_get(store_db *db, ledger_frontier **out, tj_error *err)
{
    if (!store_in_transaction(db))
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "ledger_append needs an open transaction");
    ledger_frontier *fr = &frontier;
    int cached = fr->db == db && fr->epoch == store_tx_epoch(db);
    fr->db = NULL; /* valid again only if this append succeeds */
    *out = fr;
    if (cached)
        return TJ_OK;
    /* One appender at a time: PostgreSQL takes a transaction-scoped lock,
     * SQLite's writer lock (BEGIN IMMEDIATE) already serialises. */
    int64_t index = 0;
    tj_status rc;
    if ((rc = store_ledger_lock(db, err)) || (rc = store_ledger_tree_size(db, &index, err)))
        return rc;
    return frontier_load(db, index, fr, err);
}

static void frontier_done(store_db *db, ledger_frontier *fr)
{
    fr->epoch = store_tx_epoch(db);
    fr->db = db;
}

tj_status ledger_append(store_db *db, const ledger_entry_in *e, int64_t *index_out, tj_error *err)
{
    if (!store_in_transaction(db))
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "ledger_append needs an open transaction");
    ledger_prepared p;
    tj_status rc = ledger_prepare(e, &p, err);
    if (!rc)
        rc = ledger_append_prepared(db, &p, 1, index_out, err);
    ledger_prepared_release(&p);
    return rc;
}

tj_status ledger_append_prepared(store_db *db, const ledger_prepared *p, size_t n, int64_t *first_index,
                                 tj_error *err)
{
    ledger_frontier *fr;
    tj_status rc = frontier_get(db, &fr, err);
    if (rc)
        return rc;
    int64_t first = fr->size;
    if (n > (size_t)(MERKLE_MAX_LEAVES - first))
        return tj_error_set(err, TJ_ERR_CONFLICT, NULL, "the ledger is full (2^40 entries)");
    if (!n) {
        frontier_done(db, fr);
        if (first_index)
            *first_index = first;
        return TJ_OK;
    }
    /* a leaf completes one subtree on average: fewer than 2n + 64 nodes */
    store_ledger_row *rows = malloc(n * sizeof *rows);
    int64_t *ids = malloc((2 * n + 64) * sizeof *ids);
    char(*hex)[65] = malloc((2 * n + 64) * sizeof *hex);
    if (!rows || !ids || !hex) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    ledger_frontier next = *fr;
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        rows[i] = prepared_row(&p[i], first + (int64_t)i);
        nn += frontier_push(&next, first + (int64_t)i, p[i].leaf, ids + nn, hex + nn);
    }
    if ((rc = store_ledger_entry_insert_many(db, rows, n, err)) ||
        (rc = store_ledger_node_put_many(db, ids, (const char(*)[65])hex, nn, err)))
        goto out;
    *fr = next;
    frontier_done(db, fr);
    if (first_index)
        *first_index = first;
out:
    free(rows);
    free(ids);
    free(hex);
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

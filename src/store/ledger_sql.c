/* store ledger: rows of the ledger's tables; see ledger_sql.h. */
#include "store/ledger_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096 /* rows per page of a scan */
#define NODE_BATCH 32

static char *dup_col(store_stmt *st, int i)
{
    const char *s = store_col_text(st, i);
    return s ? strdup(s) : NULL;
}

void store_ledger_head_release(store_ledger_head *h)
{
    free(h->root_hash);
    free(h->signed_at);
    free(h->public_key);
    free(h->signature);
    memset(h, 0, sizeof *h);
}

static tj_status step_done(store_stmt *st, tj_error *err)
{
    int r = store_step(st, err);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_ledger_lock(store_db *db, tj_error *err)
{
    if (store_backend(db) != STORE_POSTGRES)
        return TJ_OK;
    return store_exec(db, "SELECT pg_advisory_xact_lock(74697)", err);
}

static tj_status one_int(store_db *db, const char *sql, int64_t *out, tj_error *err)
{
    store_stmt *st = NULL;
    *out = 0;
    tj_status rc = store_prepare_cached(db, sql, &st, err);
    if (rc)
        return rc;
    int r = store_step(st, err);
    if (r == 1)
        *out = store_col_int64(st, 0);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_ledger_entry_count(store_db *db, int64_t *out, tj_error *err)
{
    return one_int(db, "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entry", out, err);
}

tj_status store_ledger_tree_size(store_db *db, int64_t *out, tj_error *err)
{
    /* level-0 nodes have ids below 2^40 */
    return one_int(db, "SELECT COALESCE(MAX(node) + 1, 0) FROM ledger_node WHERE node < 1099511627776", out,
                   err);
}

tj_status store_ledger_entry_insert(store_db *db, const store_ledger_row *r, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc =
        store_prepare_cached(db,
                             "INSERT INTO ledger_entry (idx, at, kind, object_type, object_id, actor, "
                             "org, state_digest, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, r->idx);
    store_bind_text(st, 2, r->at);
    store_bind_text(st, 3, r->kind);
    store_bind_text(st, 4, r->object_type);
    store_bind_text(st, 5, r->object_id);
    store_bind_text(st, 6, r->actor);
    store_bind_text(st, 7, r->org);
    store_bind_text(st, 8, r->state_digest);
    store_bind_text(st, 9, r->body);
    return step_done(st, err);
}

/* Below this many rows the _many functions insert row by row. */
#define SMALL_BATCH 8

tj_status store_ledger_entry_insert_many(store_db *db, const store_ledger_row *r, size_t n, tj_error *err)
{
    static const char *const cols[] = {"idx", "at", "kind", "object_type", "object_id",
                                       "actor", "org", "state_digest", "body"};
    if (n < SMALL_BATCH) { /* one cached statement beats a bulk statement (COPY on PostgreSQL) */
        tj_status rc = TJ_OK;
        for (size_t i = 0; i < n && rc == TJ_OK; i++)
            rc = store_ledger_entry_insert(db, &r[i], err);
        return rc;
    }
    store_bulk *b = NULL;
    tj_status rc = store_bulk_begin(db, "ledger_entry", cols, 9, &b, err);
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        char idx[24];
        snprintf(idx, sizeof idx, "%lld", (long long)r[i].idx);
        const char *v[] = {idx,            r[i].at,    r[i].kind, r[i].object_type,
                           r[i].object_id, r[i].actor, r[i].org, r[i].state_digest, r[i].body};
        rc = store_bulk_row(b, v, err);
    }
    if (rc != TJ_OK) {
        store_bulk_abort(b);
        return rc;
    }
    return store_bulk_end(b, err);
}

tj_status store_ledger_entry_body(store_db *db, int64_t idx, char **body, char **org, tj_error *err)
{
    *body = NULL;
    if (org)
        *org = NULL;
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, "SELECT body, org FROM ledger_entry WHERE idx = ?", &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, idx);
    int r = store_step(st, err);
    if (r == 1) {
        *body = dup_col(st, 0);
        if (org)
            *org = dup_col(st, 1);
        if (!*body)
            r = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    } else if (r == 0) {
        r = tj_error_set(err, TJ_ERR_NOTFOUND, "index", "no ledger entry %lld / 无此条目", (long long)idx);
    }
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_ledger_node_put(store_db *db, int64_t node, const char *hex, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, "INSERT INTO ledger_node (node, hash) VALUES (?, ?)", &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, node);
    store_bind_text(st, 2, hex);
    return step_done(st, err);
}

tj_status store_ledger_node_put_many(store_db *db, const int64_t *node, const char (*hex)[65], size_t n,
                                     tj_error *err)
{
    static const char *const cols[] = {"node", "hash"};
    if (n < SMALL_BATCH) {
        tj_status rc = TJ_OK;
        for (size_t i = 0; i < n && rc == TJ_OK; i++)
            rc = store_ledger_node_put(db, node[i], hex[i], err);
        return rc;
    }
    store_bulk *b = NULL;
    tj_status rc = store_bulk_begin(db, "ledger_node", cols, 2, &b, err);
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)node[i]);
        const char *v[] = {id, hex[i]};
        rc = store_bulk_row(b, v, err);
    }
    if (rc != TJ_OK) {
        store_bulk_abort(b);
        return rc;
    }
    return store_bulk_end(b, err);
}

tj_status store_ledger_node_get(store_db *db, const int64_t *nodes, size_t n, char (*hex)[65], tj_error *err)
{
    static const char sql[] = "SELECT node, hash FROM ledger_node WHERE node IN "
                              "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    for (size_t i = 0; i < n; i++)
        hex[i][0] = '\0';
    for (size_t start = 0; start < n; start += NODE_BATCH) {
        size_t m = n - start < NODE_BATCH ? n - start : NODE_BATCH;
        store_stmt *st = NULL;
        tj_status rc = store_prepare_cached(db, sql, &st, err);
        if (rc)
            return rc;
        for (size_t i = 0; i < NODE_BATCH; i++)
            store_bind_int64(st, (int)i + 1, i < m ? nodes[start + i] : -1);
        int r;
        while ((r = store_step(st, err)) == 1) {
            int64_t id = store_col_int64(st, 0);
            const char *h = store_col_text(st, 1);
            for (size_t i = start; i < start + m; i++)
                if (nodes[i] == id && h && strlen(h) == 64)
                    memcpy(hex[i], h, 65);
        }
        store_finalize(st);
        if (r < 0)
            return (tj_status)r;
    }
    for (size_t i = 0; i < n; i++)
        if (!hex[i][0])
            return tj_error_set(
                err, TJ_ERR_NOTFOUND, NULL,
                "the ledger's tree has no node %lld (level %d, index %lld): run tanji ledger verify",
                (long long)nodes[i], (int)(nodes[i] >> 40), (long long)(nodes[i] & ((1LL << 40) - 1)));
    return TJ_OK;
}

tj_status store_ledger_scan_entries(store_db *db, store_ledger_entry_cb cb, void *arg, tj_error *err)
{
    int64_t next = -1;
    for (;;) {
        store_stmt *st = NULL;
        tj_status rc =
            store_prepare_cached(db,
                                 "SELECT idx, at, kind, object_type, object_id, actor, org, state_digest, "
                                 "body FROM ledger_entry WHERE idx > ? ORDER BY idx LIMIT 4096",
                                 &st, err);
        if (rc)
            return rc;
        store_bind_int64(st, 1, next);
        int r, rows = 0, stop = 0;
        while (!stop && (r = store_step(st, err)) == 1) {
            store_ledger_row row = {
                .idx = store_col_int64(st, 0),
                .at = store_col_text(st, 1),
                .kind = store_col_text(st, 2),
                .object_type = store_col_text(st, 3),
                .object_id = store_col_text(st, 4),
                .actor = store_col_text(st, 5),
                .org = store_col_text(st, 6),
                .state_digest = store_col_text(st, 7),
                .body = store_col_text(st, 8),
            };
            next = row.idx;
            rows++;
            stop = cb(arg, &row);
        }
        store_finalize(st);
        if (!stop && r < 0)
            return (tj_status)r;
        if (stop || rows < PAGE)
            return TJ_OK;
    }
}

tj_status store_ledger_scan_nodes(store_db *db, store_ledger_node_cb cb, void *arg, tj_error *err)
{
    int64_t next = -1;
    for (;;) {
        store_stmt *st = NULL;
        tj_status rc = store_prepare_cached(
            db, "SELECT node, hash FROM ledger_node WHERE node > ? ORDER BY node LIMIT 4096", &st, err);
        if (rc)
            return rc;
        store_bind_int64(st, 1, next);
        int r, rows = 0, stop = 0;
        while (!stop && (r = store_step(st, err)) == 1) {
            next = store_col_int64(st, 0);
            rows++;
            stop = cb(arg, next, store_col_text(st, 1));
        }
        store_finalize(st);
        if (!stop && r < 0)
            return (tj_status)r;
        if (stop || rows < PAGE)
            return TJ_OK;
    }
}

#define HEAD_COLS "seq, tree_size, root_hash, signed_at, public_key, signature"

static int read_head(store_stmt *st, store_ledger_head *h)
{
    h->seq = store_col_int64(st, 0);
    h->tree_size = store_col_int64(st, 1);
    h->root_hash = dup_col(st, 2);
    h->signed_at = dup_col(st, 3);
    h->public_key = dup_col(st, 4);
    h->signature = dup_col(st, 5);
    return h->root_hash && h->signed_at && h->public_key && h->signature;
}

tj_status store_ledger_head_insert(store_db *db, store_ledger_head *h, tj_error *err)
{
    tj_status rc = one_int(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_head", &h->seq, err);
    if (rc)
        return rc;
    store_stmt *st = NULL;
    if ((rc = store_prepare(db, "INSERT INTO ledger_head (" HEAD_COLS ") VALUES (?, ?, ?, ?, ?, ?)", &st,
                            err)))
        return rc;
    store_bind_int64(st, 1, h->seq);
    store_bind_int64(st, 2, h->tree_size);
    store_bind_text(st, 3, h->root_hash);
    store_bind_text(st, 4, h->signed_at);
    store_bind_text(st, 5, h->public_key);
    store_bind_text(st, 6, h->signature);
    return step_done(st, err);
}

tj_status store_ledger_heads(store_db *db, store_ledger_head **out, size_t *n, tj_error *err)
{
    *out = NULL;
    *n = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "SELECT " HEAD_COLS " FROM ledger_head ORDER BY seq", &st, err);
    if (rc)
        return rc;
    size_t cap = 0;
    int r;
    while ((r = store_step(st, err)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            store_ledger_head *a = realloc(*out, cap * sizeof *a);
            if (!a) {
                r = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            *out = a;
        }
        memset(&(*out)[*n], 0, sizeof **out);
        int ok = read_head(st, &(*out)[(*n)++]);
        if (!ok) {
            r = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
    }
    store_finalize(st);
    if (r < 0) {
        for (size_t i = 0; i < *n; i++)
            store_ledger_head_release(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
        return (tj_status)r;
    }
    return TJ_OK;
}

static tj_status head_query(store_db *db, const char *sql, int64_t arg, store_ledger_head *out, int *found,
                            tj_error *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(db, sql, &st, err);
    if (rc)
        return rc;
    if (arg >= 0)
        store_bind_int64(st, 1, arg);
    int r = store_step(st, err);
    if (r == 1) {
        *found = 1;
        if (!read_head(st, out)) {
            store_ledger_head_release(out);
            r = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
    }
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_ledger_head_latest(store_db *db, store_ledger_head *out, int *found, tj_error *err)
{
    return head_query(db, "SELECT " HEAD_COLS " FROM ledger_head ORDER BY seq DESC LIMIT 1", -1, out, found,
                      err);
}

tj_status store_ledger_head_of_size(store_db *db, int64_t tree_size, store_ledger_head *out, int *found,
                                    tj_error *err)
{
    return head_query(db,
                      "SELECT " HEAD_COLS " FROM ledger_head WHERE tree_size = ? ORDER BY seq DESC LIMIT 1",
                      tree_size, out, found, err);
}

tj_status store_ledger_snapshot_begin(store_db *db, tj_error *err)
{
    if (store_in_transaction(db))
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "a ledger snapshot needs no open transaction");
    return store_exec(db,
                      store_backend(db) == STORE_POSTGRES ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                                          : "BEGIN DEFERRED",
                      err);
}

void store_ledger_snapshot_end(store_db *db)
{
    tj_error err;
    store_exec(db, "COMMIT", &err);
}

tj_status store_ledger_has_entry(store_db *db, const char *object_type, const char *object_id, int *out,
                                 tj_error *err)
{
    store_stmt *st = NULL;
    *out = 0;
    tj_status rc = store_prepare(
        db, "SELECT 1 FROM ledger_entry WHERE object_type = ? AND object_id = ? LIMIT 1", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, object_type);
    store_bind_text(st, 2, object_id);
    int r = store_step(st, err);
    store_finalize(st);
    if (r < 0)
        return (tj_status)r;
    *out = r == 1;
    return TJ_OK;
}

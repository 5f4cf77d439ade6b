/*
 * store ledger: the SQL of the ledger's tables (migration 10): entries, the
 * Merkle tree's node table and signed tree heads.  The hashing, proofs and
 * checks live in ledger/ and services/; this file only reads and writes rows.
 *
 * Ownership: strings of a store_ledger_row handed to a scan callback stay
 * valid during that call only; store_ledger_head strings are malloc'ed and
 * owned by the struct (store_ledger_head_release).
 */
#ifndef STORE_LEDGER_SQL_H
#define STORE_LEDGER_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct store_ledger_row {
    int64_t idx;
    const char *at, *kind, *object_type, *object_id, *actor, *org, *state_digest, *body;
} store_ledger_row;

typedef struct store_ledger_head {
    int64_t seq, tree_size;
    char *root_hash, *signed_at, *public_key, *signature;
} store_ledger_head;

void store_ledger_head_release(store_ledger_head *h);

/* Serialise appenders until the end of the transaction (PostgreSQL: an
 * advisory lock; SQLite's BEGIN IMMEDIATE already holds the writer lock). */
tj_status store_ledger_lock(store_db *db, tj_error *err);
/* One past the highest entry index (the log's size when it is dense). */
tj_status store_ledger_entry_count(store_db *db, int64_t *out, tj_error *err);
/* One past the highest leaf in the node table (the tree's size). */
tj_status store_ledger_tree_size(store_db *db, int64_t *out, tj_error *err);
tj_status store_ledger_entry_insert(store_db *db, const store_ledger_row *r, tj_error *err);
/* n entries at once (multi-row INSERT on SQLite, COPY on PostgreSQL). */
tj_status store_ledger_entry_insert_many(store_db *db, const store_ledger_row *r, size_t n, tj_error *err);
/* The body of entry idx, malloc'ed into *body; TJ_ERR_NOTFOUND when none. */
tj_status store_ledger_entry_body(store_db *db, int64_t idx, char **body, char **org, tj_error *err);

/* Does any entry name this object? */
tj_status store_ledger_has_entry(store_db *db, const char *object_type, const char *object_id, int *out,
                                 tj_error *err);

tj_status store_ledger_node_put(store_db *db, int64_t node, const char *hex, tj_error *err);
/* n nodes at once: node[i] gets hex[i]. */
tj_status store_ledger_node_put_many(store_db *db, const int64_t *node, const char (*hex)[65], size_t n,
                                     tj_error *err);
/* Hashes (hex) of n nodes into hex[i] (65 bytes each); TJ_ERR_NOTFOUND
 * naming the first node missing. */
tj_status store_ledger_node_get(store_db *db, const int64_t *nodes, size_t n, char (*hex)[65], tj_error *err);

/* Every entry in index order, read in pages; cb returns non-zero to stop
 * (that value is returned as a TJ_ERR_INTERNAL-free status: the scan just
 * ends).  Likewise every node in node order. */
typedef int (*store_ledger_entry_cb)(void *arg, const store_ledger_row *r);
tj_status store_ledger_scan_entries(store_db *db, store_ledger_entry_cb cb, void *arg, tj_error *err);
typedef int (*store_ledger_node_cb)(void *arg, int64_t node, const char *hex);
tj_status store_ledger_scan_nodes(store_db *db, store_ledger_node_cb cb, void *arg, tj_error *err);

/* Heads: h->seq is assigned (the next number). */
tj_status store_ledger_head_insert(store_db *db, store_ledger_head *h, tj_error *err);
/* Every head in seq order; *out malloc'ed, each released by the caller. */
tj_status store_ledger_heads(store_db *db, store_ledger_head **out, size_t *n, tj_error *err);
/* The latest head; *found 0 when none. */
tj_status store_ledger_head_latest(store_db *db, store_ledger_head *out, int *found, tj_error *err);
/* The latest head of exactly tree_size leaves; *found 0 when none. */
tj_status store_ledger_head_of_size(store_db *db, int64_t tree_size, store_ledger_head *out, int *found,
                                    tj_error *err);

/* A read-only snapshot for a long read (verify): PostgreSQL REPEATABLE READ,
 * SQLite a deferred transaction (writers are not blocked in WAL mode).
 * Outside any other transaction only. */
tj_status store_ledger_snapshot_begin(store_db *db, tj_error *err);
void store_ledger_snapshot_end(store_db *db);

#endif

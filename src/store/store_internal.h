/*
 * store internals: the backend vtable.  store.c dispatches every call of
 * store.h to the backend chosen by store_open.  Each backend allocates its own
 * handle types that begin with the common headers below.
 *
 * Ownership: as in store.h.  A backend's close frees everything it allocated
 * for the handle; statements are freed by their finalize.
 */
#ifndef STORE_STORE_INTERNAL_H
#define STORE_STORE_INTERNAL_H

#include "store/store.h"

typedef struct store_ops {
    const char *name;
    void (*close)(store_db *db);
    tj_status (*exec)(store_db *db, const char *sql, tj_error *err);
    tj_status (*prepare)(store_db *db, const char *sql, store_stmt **out, tj_error *err);
    /* as prepare, but the backend may keep the parsed statement for the
     * connection's lifetime (NULL: same as prepare) */
    tj_status (*prepare_cached)(store_db *db, const char *sql, store_stmt **out, tj_error *err);
    tj_status (*bind_text)(store_stmt *st, int i, const char *s);
    tj_status (*bind_double)(store_stmt *st, int i, double v);
    tj_status (*bind_int64)(store_stmt *st, int i, int64_t v);
    tj_status (*bind_null)(store_stmt *st, int i);
    int (*step)(store_stmt *st, tj_error *err);
    void (*reset)(store_stmt *st);
    void (*finalize)(store_stmt *st);
    const char *(*col_text)(store_stmt *st, int i);
    double (*col_double)(store_stmt *st, int i);
    int64_t (*col_int64)(store_stmt *st, int i);
    int (*col_is_null)(store_stmt *st, int i);
    int (*col_count)(store_stmt *st);
    int64_t (*changes)(store_stmt *st);
    tj_status (*bulk_begin)(store_db *db, const char *table, const char *const *columns, int ncols,
                            store_bulk **out, tj_error *err);
    tj_status (*bulk_row)(store_bulk *b, const char *const *values, tj_error *err);
    tj_status (*bulk_end)(store_bulk *b, tj_error *err);
    void (*bulk_abort)(store_bulk *b);
    /* Group commit (NULL: the backend makes each commit durable itself).
     * commit_mark is called right after a commit (or a write outside a
     * transaction) while the writer lock is still held: it returns the
     * commit's sequence number (0: nothing to wait for).  commit_sync,
     * called after the lock is released, returns once that commit is on
     * stable storage; one fsync serves every commit made before it began. */
    uint64_t (*commit_mark)(store_db *db);
    tj_status (*commit_sync)(store_db *db, uint64_t seq, tj_error *err);
    void (*set_sync)(store_db *db, int on);
    /* store_direct_begin / store_direct_end (NULL: not supported) */
    int (*direct_begin)(store_db *db, char *why, size_t whylen);
    void (*direct_end)(store_db *db);
} store_ops;

/* Common head of every backend's store_db. */
struct store_db {
    const store_ops *ops;
    store_backend_kind kind;
    int in_tx; /* nesting depth: 1 = transaction, more = savepoints */
    uint64_t serial;
    uint64_t tx_epoch; /* store_tx_epoch */
};

/* Common head of every backend's store_stmt. */
struct store_stmt {
    store_db *db;
};

/* Common head of every backend's store_bulk. */
struct store_bulk {
    store_db *db;
};

tj_status store_sqlite_open(const char *path, unsigned flags, store_db **out, tj_error *err);
tj_status store_pg_open(const char *url, store_db **out, tj_error *err);

/* Apply every pending migration (store/migrations.c). */
tj_status store_migrate(store_db *db, tj_error *err);

/* Rewrite '?' placeholders to $1, $2, ... outside quotes and comments.
 * Returns a malloc'ed string (caller frees) or NULL on allocation failure;
 * *nparams receives the number of placeholders. */
char *store_pg_rewrite(const char *sql, int *nparams);

#endif

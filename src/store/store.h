/*
 * store: one database interface, two backends (SQLite, PostgreSQL via libpq).
 *
 * Everything above store/ talks SQL through this interface only, so it is
 * backend-agnostic.  SQL passed here uses '?' placeholders (rewritten to $1..
 * for PostgreSQL) and the portable subset both engines accept; where the
 * dialects differ, a migration provides one text per backend.
 *
 * Ownership: store_open returns a handle the caller frees with store_close.
 * A statement belongs to its handle and is freed with store_finalize, before
 * store_close.  Strings returned by store_col_text stay valid until the next
 * store_step/store_reset/store_finalize on that statement.  A handle is used
 * by one thread at a time (open one per thread).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tanji/error.h"

typedef struct store_db store_db;
typedef struct store_stmt store_stmt;

typedef enum store_backend_kind { STORE_SQLITE = 1, STORE_POSTGRES = 2 } store_backend_kind;

/* Open a tanji database.  url is a file path or "sqlite:PATH" for SQLite,
 * "postgresql://..." or "postgres://..." for PostgreSQL.  A database whose
 * schema is behind this build's (or that has none yet) is refused with an
 * error that says to run `tanji migrate`; so is a SQLite file that belongs to
 * another application (its application_id), without writing a byte to it. */
tj_status store_open(const char *url, store_db **out, tj_error *err);
/* STORE_OPEN_MIGRATE: create the database if needed and apply pending
 * migrations (the operator step `tanji migrate`; tests).  Without it a
 * missing SQLite file is not created. */
#define STORE_OPEN_MIGRATE 1u
tj_status store_open_ex(const char *url, unsigned flags, store_db **out, tj_error *err);
/* SQLite application_id of tanji databases ("tnji"). */
#define STORE_SQLITE_APPLICATION_ID 0x746e6a69
void store_close(store_db *db);
store_backend_kind store_backend(const store_db *db);
const char *store_backend_name(const store_db *db); /* "sqlite" or "postgresql" */
/* The file of a SQLite database, malloc'ed into *path ("" for an in-memory
 * one); TJ_ERR_USAGE on PostgreSQL. */
tj_status store_sqlite_file(store_db *db, char **path, tj_error *err);

/* Transactions.  store_begin inside an open transaction opens a savepoint:
 * the matching store_commit releases it into the enclosing transaction and
 * store_rollback undoes only the work since it.  Only the outermost commit
 * makes anything durable. */
tj_status store_begin(store_db *db, tj_error *err);
tj_status store_commit(store_db *db, tj_error *err);
tj_status store_rollback(store_db *db); /* never fails the caller; logs nothing */

/* Run SQL without parameters or results (may hold several statements). */
tj_status store_exec(store_db *db, const char *sql, tj_error *err);

tj_status store_prepare(store_db *db, const char *sql, store_stmt **out, tj_error *err);
/* As store_prepare, for a fixed SQL text run many times (point lookups):
 * PostgreSQL parses it once per connection (a named prepared statement,
 * planned generically once the server finds that as good); SQLite prepares
 * it as usual.  Use only for SQL whose text does not vary with input. */
tj_status store_prepare_cached(store_db *db, const char *sql, store_stmt **out, tj_error *err);
/* Parameters are 1-based. Text is copied. */
tj_status store_bind_text(store_stmt *st, int i, const char *s);
tj_status store_bind_double(store_stmt *st, int i, double v);
tj_status store_bind_int64(store_stmt *st, int i, int64_t v);
tj_status store_bind_null(store_stmt *st, int i);
/* Run / advance: 1 = a row is available, 0 = done, < 0 = error (a tj_status). */
int store_step(store_stmt *st, tj_error *err);
/* Make a statement runnable again with new bindings. */
void store_reset(store_stmt *st);
void store_finalize(store_stmt *st);

/* Columns are 0-based. NULL reads as NULL / 0 / 0.0. */
const char *store_col_text(store_stmt *st, int i);
double store_col_double(store_stmt *st, int i);
int64_t store_col_int64(store_stmt *st, int i);
int store_col_is_null(store_stmt *st, int i);
int store_col_count(store_stmt *st);

/* Step st to its end, one array element of elem_size bytes per row, zeroed
 * and then filled by read(st, elem, err); the array grows geometrically.
 * On any error the elements read so far are released (release(elem)) and
 * *out is NULL.  st is not finalized.  *out is malloc'ed, the caller's. */
tj_status store_collect(store_stmt *st, size_t elem_size, tj_status (*read)(store_stmt *st, void *elem, tj_error *err),
                        void (*release)(void *elem), void **out, size_t *count, tj_error *err);

/* Rows changed by the last executed statement. */
int64_t store_changes(store_stmt *st);

/* Bulk insert into one table, for imports.  PostgreSQL uses COPY FROM STDIN
 * (text format); SQLite a prepared INSERT.  Call inside a transaction.
 * values[i] NULL means SQL NULL.  store_bulk_end frees the handle whether or
 * not it succeeds; store_bulk_abort frees it without finishing (the caller
 * then rolls back). */
typedef struct store_bulk store_bulk;
tj_status store_bulk_begin(store_db *db, const char *table, const char *const *columns, int ncols,
                           store_bulk **out, tj_error *err);
tj_status store_bulk_row(store_bulk *b, const char *const *values, tj_error *err);
tj_status store_bulk_end(store_bulk *b, tj_error *err);
void store_bulk_abort(store_bulk *b);

/* SQLite full-text filter tokens.  A factor's reference year, region and
 * category are indexed in the FTS5 trigram index as tokens of three
 * private-use characters (U+E001..U+E003 for the kind, then two characters
 * U+E100..U+E1FF holding a 16-bit FNV-1a hash of the value), so each is one
 * trigram and a filter is one posting list.  A hash collision only widens
 * the candidates: the filter's own condition decides.  kind: 'y', 'r' or
 * 'c'.  The token is written NUL-terminated to buf.  SQLite connections
 * also have it as the SQL function tj_fts_token(kind, value). */
#define STORE_FTS_TOKEN_SIZE 10
void store_fts_token(char kind, const char *value, char buf[STORE_FTS_TOKEN_SIZE]);

/* Schema version recorded in schema_migrations (0 if none). */
tj_status store_schema_version(store_db *db, int *out, tj_error *err);
/* Newest schema version this build knows. */
int store_schema_latest(void);
/* A number unique to this open handle in this process (for caches keyed by
 * connection). */
uint64_t store_serial(const store_db *db);
/* A number that grows with every commit (and every write outside a
 * transaction) made through any handle of this process: caches of read
 * results compare it to know that this process wrote nothing since. */
uint64_t store_commit_generation(void);
/* SQLite: on (default), a commit returns once it is on stable storage
 * (group commit: concurrent commits share one fsync of the WAL); off, it
 * returns once written (survives a killed process, not a power loss).
 * PostgreSQL: no effect (the server's synchronous_commit decides). */
void store_set_commit_sync(store_db *db, int on);
/* The nesting depth of open transactions (0 = none). */
int store_in_transaction(const store_db *db);
/* A number unique in this process to the current stretch of the open
 * transaction: it changes when the outermost transaction begins or commits
 * and on every rollback (a savepoint's too), so state cached against it
 * (ledger.c's frontier) is never used after the database may have changed
 * under it. */
uint64_t store_tx_epoch(const store_db *db);

/* Direct writes for one large transaction (bulk imports).  SQLite in WAL
 * mode writes every page twice: into the WAL, then again into the database
 * file by the checkpoint.  store_direct_begin, called outside a
 * transaction, switches the file to a rollback journal when no other
 * connection has it open (SQLite needs an exclusive lock to leave WAL mode):
 * pages appended beyond the file's original end need no journal copy, so a
 * bulk load is written once; a crash leaves a hot journal that the next
 * read-write opener rolls back (all-or-nothing as before).  Returns 1 when
 * switched; 0 when not, with the reason in why (e.g. another connection
 * holds the database: the transaction then goes through the WAL as usual).
 * store_direct_end, after the transaction's commit or rollback, switches
 * the file back to WAL (if another process got in first and did so, or a
 * busy lock prevents it now, the next opener does it).  PostgreSQL: 0,
 * nothing to do. */
int store_direct_begin(store_db *db, char *why, size_t whylen);
void store_direct_end(store_db *db);

#endif

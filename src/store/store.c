/* store: dispatch to the SQLite or PostgreSQL backend; see store.h. */
#include "store/store_internal.h"

#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_uint_fast64_t open_count;
/* bumped by every commit (and every write outside a transaction) of this
 * process: store_commit_generation */
static atomic_uint_fast64_t commit_generation;

uint64_t store_commit_generation(void)
{
    return atomic_load_explicit(&commit_generation, memory_order_acquire);
}

void store_set_commit_sync(store_db *db, int on)
{
    if (db->ops->set_sync)
        db->ops->set_sync(db, on);
}

int store_direct_begin(store_db *db, char *why, size_t whylen)
{
    if (whylen)
        *why = 0;
    if (db->in_tx) {
        snprintf(why, whylen, "a transaction is open");
        return 0;
    }
    if (!db->ops->direct_begin)
        return 0; /* nothing to do, nothing to say */
    return db->ops->direct_begin(db, why, whylen);
}

void store_direct_end(store_db *db)
{
    if (db->ops->direct_end)
        db->ops->direct_end(db);
}

static tj_status committed(store_db *db, uint64_t seq, tj_error *err)
{
    atomic_fetch_add_explicit(&commit_generation, 1, memory_order_release);
    return seq && db->ops->commit_sync ? db->ops->commit_sync(db, seq, err) : TJ_OK;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

tj_status store_open(const char *url, store_db **out, tj_error *err)
{
    return store_open_ex(url, 0, out, err);
}

/* A schema that is behind (or absent) is refused unless the caller migrates:
 * migrating is an operator step (`tanji migrate`), not a side effect. */
static tj_status check_schema(store_db *db, const char *url, tj_error *err)
{
    /* A PostgreSQL URL may hold a password: never echo it. */
    if (db->kind == STORE_POSTGRES)
        url = "URL";
    int current = 0;
    tj_status st = store_schema_version(db, &current, err);
    if (st != TJ_OK)
        return tj_error_set(err, TJ_ERR_DB, "db",
                            "the database %s has no tanji schema yet: run `tanji migrate --db %s` first / "
                            "数据库尚未初始化，请先运行 tanji migrate",
                            url, url);
    if (current > store_schema_latest())
        return tj_error_set(err, TJ_ERR_DB, "db",
                            "the database %s has schema version %d, newer than this tanji knows (%d): "
                            "use a newer tanji / 数据库版本比本程序新",
                            url, current, store_schema_latest());
    if (current < store_schema_latest())
        return tj_error_set(err, TJ_ERR_DB, "db",
                            "the database %s has schema version %d, this tanji needs %d: run `tanji migrate "
                            "--db %s` first / 数据库结构需要升级，请先运行 tanji migrate",
                            url, current, store_schema_latest(), url);
    return TJ_OK;
}

tj_status store_open_ex(const char *url, unsigned flags, store_db **out, tj_error *err)
{
    *out = NULL;
    if (!url || !*url)
        return tj_error_set(err, TJ_ERR_USAGE, "db", "no database given");
    store_db *db = NULL;
    tj_status st;
    if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
        st = store_pg_open(url, &db, err);
    else if (has_prefix(url, "sqlite:"))
        st = store_sqlite_open(url + strlen("sqlite:"), flags, &db, err);
    else
        st = store_sqlite_open(url, flags, &db, err);
    if (st != TJ_OK)
        return st;
    db->serial = atomic_fetch_add(&open_count, 1) + 1;
    st = (flags & STORE_OPEN_MIGRATE) ? store_migrate(db, err) : check_schema(db, url, err);
    if (st != TJ_OK) {
        store_close(db);
        return st;
    }
    *out = db;
    return TJ_OK;
}

void store_close(store_db *db)
{
    if (!db)
        return;
    while (db->in_tx)
        store_rollback(db);
    db->ops->close(db);
}

store_backend_kind store_backend(const store_db *db)
{
    return db->kind;
}
const char *store_backend_name(const store_db *db)
{
    return db->ops->name;
}
tj_status store_sqlite_file(store_db *db, char **path, tj_error *err)
{
    *path = NULL;
    if (store_backend(db) != STORE_SQLITE)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "not a SQLite database");
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, "SELECT file FROM pragma_database_list WHERE name = 'main'", &st, err);
    if (rc)
        return rc;
    int r = store_step(st, err);
    const char *f = r == 1 ? store_col_text(st, 0) : NULL;
    if (r == 1 && !(*path = strdup(f ? f : "")))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else if (r != 1)
        rc = r < 0 ? (tj_status)r : tj_error_set(err, TJ_ERR_DB, NULL, "no main database");
    store_finalize(st);
    return rc;
}

int store_in_transaction(const store_db *db)
{
    return db->in_tx;
}
uint64_t store_serial(const store_db *db)
{
    return db->serial;
}

static _Atomic uint64_t tx_epochs;
static void new_epoch(store_db *db)
{
    db->tx_epoch = atomic_fetch_add(&tx_epochs, 1) + 1;
}
uint64_t store_tx_epoch(const store_db *db)
{
    return db->tx_epoch;
}

/* SQLite has one writer per file: threads of this process take turns at this
 * mutex before BEGIN IMMEDIATE instead of spinning in SQLite's busy handler
 * (which sleeps in growing steps, and made a server's concurrent writers wait
 * tens of milliseconds).  Other processes still meet the busy timeout. */
static pthread_mutex_t sqlite_writer_mu = PTHREAD_MUTEX_INITIALIZER;

/* Nesting: level 1 is the transaction, deeper levels are savepoints named by
 * their depth, so a service called inside another's transaction joins it and
 * can still undo its own part. */
tj_status store_begin(store_db *db, tj_error *err)
{
    tj_status st;
    if (!db->in_tx && db->kind == STORE_SQLITE) {
        /* bounded: a thread that already writes through another connection
         * (or a stuck writer) gives a busy error, never a deadlock */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (pthread_mutex_timedlock(&sqlite_writer_mu, &until) != 0)
            return tj_error_set(err, TJ_ERR_DB, "db",
                                "busy: another writer of this process holds the database for over 10 s; try again "
                                "/ 数据库忙，请稍后重试");
        st = db->ops->exec(db, "BEGIN IMMEDIATE", err);
        if (st == TJ_OK) {
            db->in_tx++;
            new_epoch(db);
        } else
            pthread_mutex_unlock(&sqlite_writer_mu);
        return st;
    }
    if (db->in_tx) {
        char sql[48];
        snprintf(sql, sizeof sql, "SAVEPOINT tj_sp%d", db->in_tx);
        st = db->ops->exec(db, sql, err);
    } else {
        st = db->ops->exec(db, db->kind == STORE_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
        if (st == TJ_OK)
            new_epoch(db);
    }
    if (st == TJ_OK)
        db->in_tx++;
    return st;
}

tj_status store_commit(store_db *db, tj_error *err)
{
    if (!db->in_tx)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "store_commit: no transaction is open");
    if (db->in_tx > 1) {
        char sql[48];
        snprintf(sql, sizeof sql, "RELEASE SAVEPOINT tj_sp%d", db->in_tx - 1);
        tj_status st = db->ops->exec(db, sql, err);
        if (st != TJ_OK) {
            store_rollback(db);
            return st;
        }
        db->in_tx--;
        return TJ_OK;
    }
    tj_status st = db->ops->exec(db, "COMMIT", err);
    if (st != TJ_OK) {
        store_rollback(db);
        return st;
    }
    db->in_tx = 0;
    new_epoch(db);
    /* group commit: the next writer may start while this one waits for
     * the fsync that covers it */
    uint64_t seq = db->ops->commit_mark ? db->ops->commit_mark(db) : 0;
    if (db->kind == STORE_SQLITE)
        pthread_mutex_unlock(&sqlite_writer_mu);
    return committed(db, seq, err);
}

tj_status store_rollback(store_db *db)
{
    if (!db->in_tx)
        return TJ_OK;
    tj_error ignored;
    if (db->in_tx > 1) {
        char sql[96];
        snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT tj_sp%d; RELEASE SAVEPOINT tj_sp%d", db->in_tx - 1,
                 db->in_tx - 1);
        db->ops->exec(db, sql, &ignored);
        db->in_tx--;
        new_epoch(db);
        return TJ_OK;
    }
    db->ops->exec(db, "ROLLBACK", &ignored);
    db->in_tx = 0;
    new_epoch(db);
    if (db->kind == STORE_SQLITE)
        pthread_mutex_unlock(&sqlite_writer_mu);
    return TJ_OK;
}

tj_status store_exec(store_db *db, const char *sql, tj_error *err)
{
    return db->ops->exec(db, sql, err);
}

tj_status store_prepare(store_db *db, const char *sql, store_stmt **out, tj_error *err)
{
    *out = NULL;
    return db->ops->prepare(db, sql, out, err);
}

tj_status store_prepare_cached(store_db *db, const char *sql, store_stmt **out, tj_error *err)
{
    *out = NULL;
    if (db->ops->prepare_cached)
        return db->ops->prepare_cached(db, sql, out, err);
    return db->ops->prepare(db, sql, out, err);
}

tj_status store_bind_text(store_stmt *st, int i, const char *s)
{
    if (!s)
        return st->db->ops->bind_null(st, i);
    return st->db->ops->bind_text(st, i, s);
}
tj_status store_bind_double(store_stmt *st, int i, double v)
{
    return st->db->ops->bind_double(st, i, v);
}
tj_status store_bind_int64(store_stmt *st, int i, int64_t v)
{
    return st->db->ops->bind_int64(st, i, v);
}
tj_status store_bind_null(store_stmt *st, int i)
{
    return st->db->ops->bind_null(st, i);
}
int store_step(store_stmt *st, tj_error *err)
{
    store_db *db = st->db;
    int r = db->ops->step(st, err);
    /* a write outside a transaction is its own commit */
    if (r == 0 && !db->in_tx && db->ops->changes(st) > 0) {
        uint64_t seq = db->ops->commit_mark ? db->ops->commit_mark(db) : 0;
        tj_status rc = committed(db, seq, err);
        if (rc)
            return rc;
    }
    return r;
}
void store_reset(store_stmt *st)
{
    st->db->ops->reset(st);
}
void store_finalize(store_stmt *st)
{
    if (st)
        st->db->ops->finalize(st);
}
const char *store_col_text(store_stmt *st, int i)
{
    return st->db->ops->col_text(st, i);
}
double store_col_double(store_stmt *st, int i)
{
    return st->db->ops->col_double(st, i);
}
int64_t store_col_int64(store_stmt *st, int i)
{
    return st->db->ops->col_int64(st, i);
}
int store_col_is_null(store_stmt *st, int i)
{
    return st->db->ops->col_is_null(st, i);
}
int store_col_count(store_stmt *st)
{
    return st->db->ops->col_count(st);
}
int64_t store_changes(store_stmt *st)
{
    return st->db->ops->changes(st);
}

tj_status store_bulk_begin(store_db *db, const char *table, const char *const *columns, int ncols,
                           store_bulk **out, tj_error *err)
{
    *out = NULL;
    if (ncols <= 0)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "store_bulk_begin: no columns");
    return db->ops->bulk_begin(db, table, columns, ncols, out, err);
}
tj_status store_bulk_row(store_bulk *b, const char *const *values, tj_error *err)
{
    return b->db->ops->bulk_row(b, values, err);
}
tj_status store_bulk_end(store_bulk *b, tj_error *err)
{
    return b->db->ops->bulk_end(b, err);
}
void store_bulk_abort(store_bulk *b)
{
    if (b)
        b->db->ops->bulk_abort(b);
}

static size_t put_pua(char *o, unsigned cp)
{
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

void store_fts_token(char kind, const char *value, char buf[STORE_FTS_TOKEN_SIZE])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)(value ? value : ""); *c; c++)
        h = (h ^ *c) * 16777619u;
    h = (h >> 16) ^ (h & 0xFFFF);
    unsigned k = kind == 'y' ? 0xE001 : kind == 'r' ? 0xE002 : 0xE003;
    size_t o = put_pua(buf, k);
    o += put_pua(buf + o, 0xE100 + (h >> 8));
    o += put_pua(buf + o, 0xE100 + (h & 0xFF));
    buf[o] = 0;
}

tj_status store_collect(store_stmt *st, size_t elem_size, tj_status (*read)(store_stmt *st, void *elem, tj_error *err),
                        void (*release)(void *elem), void **out, size_t *count, tj_error *err)
{
    char *a = NULL;
    size_t n = 0, cap = 0;
    tj_status rc = TJ_OK;
    int r;
    while ((r = store_step(st, err)) == 1) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char *na = realloc(a, nc * elem_size);
            if (!na) {
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            a = na;
            cap = nc;
        }
        void *e = a + n * elem_size;
        memset(e, 0, elem_size);
        if ((rc = read(st, e, err)) != TJ_OK) {
            release(e);
            break;
        }
        n++;
    }
    if (r < 0 && rc == TJ_OK)
        rc = (tj_status)r;
    if (rc != TJ_OK) {
        for (size_t k = 0; k < n; k++)
            release(a + k * elem_size);
        free(a);
        a = NULL;
        n = 0;
    }
    *out = a;
    *count = n;
    return rc;
}

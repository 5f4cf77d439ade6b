/*
 * store backend: SQLite 3.  One file in WAL mode with foreign keys on, a busy
 * timeout and synchronous=FULL (a commit survives a crash of the process and
 * of the machine).
 */
#include "store/store_internal.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Statements of store_prepare_cached are kept per connection (prepared
 * once, reset and reused), as PostgreSQL keeps named prepared statements. */
#define SQ_CACHE 64
typedef struct sq_cached {
    uint64_t hash;
    char *sql;
    sqlite3_stmt *s;
    int in_use;
} sq_cached;

/* Group commit of one database file: connections commit with
 * synchronous=NORMAL (the WAL is written, not synced) and then wait until
 * one fsync of the WAL made after their commit has finished; whoever finds
 * no fsync running starts one for every commit made so far.  The same
 * durability as synchronous=FULL, with one fsync per group of concurrent
 * commits instead of one each. */
typedef struct sq_group {
    char *path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_uint_fast64_t committed; /* commits made (sequence) */
    uint64_t synced;                /* commits known on stable storage */
    int syncing;
} sq_group;
#define SQ_GROUPS 32
static sq_group *sq_groups[SQ_GROUPS];
static pthread_mutex_t sq_groups_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct sq_db {
    store_db base;
    sqlite3 *h;
    sq_cached cache[SQ_CACHE];
    int ncache;
    sq_group *group; /* NULL: synchronous=FULL does it per commit */
    int sync;        /* commits wait for stable storage */
    int direct;      /* store_direct_begin switched the file to a rollback journal */
    fts5_tokenizer trigram; /* tj_fts_phrase's tokenizer, made on first use */
    Fts5Tokenizer *trigram_inst;
} sq_db;

typedef struct sq_stmt {
    store_stmt base;
    sqlite3_stmt *s;
    int64_t changes;
    sq_cached *cached; /* the cache entry it borrows, or NULL */
} sq_stmt;

/* Rows go in batches of up to SQ_BULK_ROWS per multi-row INSERT: a
 * statement's fixed cost (its transaction and statement journal, the
 * ephemeral tables SQLite builds once per run for a CHECK (x IN (...)))
 * is then paid once per batch instead of once per row.  store_bulk_row
 * copies the values into one buffer (the caller's strings need not outlive
 * the call); rows are in the table after store_bulk_end. */
#define SQ_BULK_ROWS 64
typedef struct sq_bulk {
    store_bulk base;
    sqlite3_stmt *s; /* INSERT of `batch` rows */
    char *sql;       /* "INSERT INTO t (cols) VALUES " */
    size_t sql_len;
    int ncols;
    int batch;   /* rows per full statement */
    int n;       /* rows held, not yet inserted */
    char *buf;   /* their values, each NUL-terminated */
    size_t used, cap;
    size_t *off; /* batch x ncols offsets into buf; SIZE_MAX: NULL */
} sq_bulk;

static sqlite3 *H(store_db *db)
{
    return ((sq_db *)db)->h;
}

/* Milliseconds a writer waits for another process's write transaction:
 * TANJI_BUSY_TIMEOUT_MS, default 5000 (docs/limits.md). */
static int busy_timeout_ms(void)
{
    const char *s = getenv("TANJI_BUSY_TIMEOUT_MS");
    long v = s && *s ? strtol(s, NULL, 10) : 5000;
    return v >= 0 && v <= 3600000 ? (int)v : 5000;
}

/* 1 when rc (with the handle's errno) means the disk or the file size limit
 * is full. */
static int is_full(sqlite3 *h, int rc)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_FULL)
        return 1;
    if (prim == SQLITE_IOERR && h) {
        int e = sqlite3_system_errno(h);
        return e == ENOSPC || e == EDQUOT || e == EFBIG;
    }
    return 0;
}

static tj_status sq_fail(sqlite3 *h, int rc, tj_error *err, const char *what)
{
    int prim = rc & 0xff;
    tj_status code = TJ_ERR_DB;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return tj_error_set(err, TJ_ERR_DB, "db",
                            "busy: another tanji process is writing to the database; try again (waited %.1f s) / "
                            "数据库正忙：另一个 tanji 进程正在写入，请稍后重试",
                            busy_timeout_ms() / 1000.0);
    if (is_full(h, rc))
        return tj_error_set(err, TJ_ERR_IO, "db",
                            "disk full: the database cannot grow (%s); nothing was changed / 磁盘已满，未做任何更改",
                            h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    if (prim == SQLITE_CONSTRAINT)
        code = TJ_ERR_CONFLICT;
    else if (prim == SQLITE_NOMEM)
        code = TJ_ERR_NOMEM;
    else if (prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR)
        code = TJ_ERR_IO;
    return tj_error_set(err, code, NULL, "sqlite: %s: %s", what, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
}

static void sq_close(store_db *db)
{
    sq_db *d = (sq_db *)db;
    if (d->trigram_inst)
        d->trigram.xDelete(d->trigram_inst);
    for (int i = 0; i < d->ncache; i++) {
        sqlite3_finalize(d->cache[i].s);
        free(d->cache[i].sql);
    }
    sqlite3_close_v2(d->h);
    free(db);
}

static tj_status sq_exec(store_db *db, const char *sql, tj_error *err)
{
    int rc = sqlite3_exec(H(db), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? TJ_OK : sq_fail(H(db), rc, err, "exec");
}

static tj_status sq_prepare(store_db *db, const char *sql, store_stmt **out, tj_error *err)
{
    sq_stmt *st = calloc(1, sizeof *st);
    if (!st)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    int rc = sqlite3_prepare_v2(H(db), sql, -1, &st->s, NULL);
    if (rc != SQLITE_OK) {
        free(st);
        return sq_fail(H(db), rc, err, "prepare");
    }
    st->base.db = db;
    *out = &st->base;
    return TJ_OK;
}

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static tj_status sq_prepare_cached(store_db *db, const char *sql, store_stmt **out, tj_error *err)
{
    sq_db *d = (sq_db *)db;
    uint64_t h = sql_hash(sql);
    sq_cached *c = NULL;
    for (int i = 0; i < d->ncache && !c; i++)
        if (d->cache[i].hash == h && !strcmp(d->cache[i].sql, sql))
            c = &d->cache[i];
    if (c && c->in_use) /* the same text in use twice: an ordinary statement */
        return sq_prepare(db, sql, out, err);
    if (!c) {
        if (d->ncache == SQ_CACHE)
            return sq_prepare(db, sql, out, err);
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (rc != SQLITE_OK)
            return sq_fail(d->h, rc, err, "prepare");
        char *copy = strdup(sql);
        if (!copy) {
            sqlite3_finalize(s);
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
        c = &d->cache[d->ncache++];
        *c = (sq_cached){.hash = h, .sql = copy, .s = s};
    }
    sq_stmt *st = calloc(1, sizeof *st);
    if (!st)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    st->s = c->s;
    st->cached = c;
    st->base.db = db;
    c->in_use = 1;
    *out = &st->base;
    return TJ_OK;
}

#define S(st) (((sq_stmt *)(st))->s)

static tj_status bind_rc(int rc)
{
    if (rc == SQLITE_OK)
        return TJ_OK;
    return rc == SQLITE_NOMEM ? TJ_ERR_NOMEM : TJ_ERR_USAGE;
}
static tj_status sq_bind_text(store_stmt *st, int i, const char *s)
{
    return bind_rc(sqlite3_bind_text(S(st), i, s, -1, SQLITE_TRANSIENT));
}
static tj_status sq_bind_double(store_stmt *st, int i, double v)
{
    return bind_rc(sqlite3_bind_double(S(st), i, v));
}
static tj_status sq_bind_int64(store_stmt *st, int i, int64_t v)
{
    return bind_rc(sqlite3_bind_int64(S(st), i, v));
}
static tj_status sq_bind_null(store_stmt *st, int i)
{
    return bind_rc(sqlite3_bind_null(S(st), i));
}

static int sq_step(store_stmt *stb, tj_error *err)
{
    sq_stmt *st = (sq_stmt *)stb;
    int rc = sqlite3_step(st->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        st->changes = sqlite3_stmt_readonly(st->s) ? 0 : sqlite3_changes64(H(stb->db));
        return 0;
    }
    tj_status code = sq_fail(H(stb->db), rc, err, "step");
    sqlite3_reset(st->s);
    return code;
}

static void sq_reset(store_stmt *st)
{
    sqlite3_reset(S(st));
}
static void sq_finalize(store_stmt *stb)
{
    sq_stmt *st = (sq_stmt *)stb;
    if (st->cached) {
        sqlite3_reset(st->s);
        sqlite3_clear_bindings(st->s);
        st->cached->in_use = 0;
    } else {
        sqlite3_finalize(st->s);
    }
    free(st);
}
static const char *sq_col_text(store_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(S(st), i);
}
static double sq_col_double(store_stmt *st, int i)
{
    return sqlite3_column_double(S(st), i);
}
static int64_t sq_col_int64(store_stmt *st, int i)
{
    return sqlite3_column_int64(S(st), i);
}
static int sq_col_is_null(store_stmt *st, int i)
{
    return sqlite3_column_type(S(st), i) == SQLITE_NULL;
}
static int sq_col_count(store_stmt *st)
{
    return sqlite3_column_count(S(st));
}
static int64_t sq_changes(store_stmt *st)
{
    return ((sq_stmt *)st)->changes;
}

/* INSERT of rows x ncols placeholders: "... VALUES (?,?),(?,?)". */
static tj_status sq_bulk_prepare(sq_bulk *b, int rows, sqlite3_stmt **out, tj_error *err)
{
    size_t len = b->sql_len + (size_t)rows * ((size_t)b->ncols * 2 + 3) + 1;
    char *sql = malloc(len);
    if (!sql)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    char *p = sql;
    memcpy(p, b->sql, b->sql_len);
    p += b->sql_len;
    for (int r = 0; r < rows; r++) {
        if (r)
            *p++ = ',';
        *p++ = '(';
        for (int i = 0; i < b->ncols; i++) {
            if (i)
                *p++ = ',';
            *p++ = '?';
        }
        *p++ = ')';
    }
    *p = '\0';
    int rc = sqlite3_prepare_v2(H(b->base.db), sql, (int)(p - sql), out, NULL);
    free(sql);
    return rc == SQLITE_OK ? TJ_OK : sq_fail(H(b->base.db), rc, err, "bulk insert");
}

static tj_status sq_bulk_begin(store_db *db, const char *table, const char *const *columns, int ncols,
                               store_bulk **out, tj_error *err)
{
    size_t len = strlen(table) + 64;
    for (int i = 0; i < ncols; i++)
        len += strlen(columns[i]) + 4;
    char *sql = malloc(len);
    sq_bulk *b = calloc(1, sizeof *b);
    if (!sql || !b) {
        free(sql);
        free(b);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    char *p = sql;
    p += sprintf(p, "INSERT INTO %s (", table);
    for (int i = 0; i < ncols; i++)
        p += sprintf(p, "%s%s", i ? "," : "", columns[i]);
    p += sprintf(p, ") VALUES ");
    b->base.db = db;
    b->sql = sql;
    b->sql_len = (size_t)(p - sql);
    b->ncols = ncols;
    int maxvar = sqlite3_limit(H(db), SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    b->batch = maxvar / ncols < SQ_BULK_ROWS ? maxvar / ncols : SQ_BULK_ROWS;
    if (b->batch < 1)
        b->batch = 1;
    b->off = malloc((size_t)b->batch * (size_t)ncols * sizeof *b->off);
    tj_status rc = b->off ? sq_bulk_prepare(b, b->batch, &b->s, err)
                          : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (rc != TJ_OK) {
        free(b->off);
        free(sql);
        free(b);
        return rc;
    }
    *out = &b->base;
    return TJ_OK;
}

/* Insert the rows held (b->n of them) with st, prepared for b->n rows. */
static tj_status sq_bulk_run(sq_bulk *b, sqlite3_stmt *st, tj_error *err)
{
    int rc = SQLITE_OK;
    for (int i = 0; i < b->n * b->ncols && rc == SQLITE_OK; i++)
        rc = b->off[i] == SIZE_MAX ? sqlite3_bind_null(st, i + 1)
                                   : sqlite3_bind_text(st, i + 1, b->buf + b->off[i], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    b->n = 0;
    b->used = 0;
    if (rc != SQLITE_DONE)
        return sq_fail(H(b->base.db), rc, err, "bulk insert");
    return TJ_OK;
}

static tj_status sq_bulk_row(store_bulk *bb, const char *const *values, tj_error *err)
{
    sq_bulk *b = (sq_bulk *)bb;
    size_t need = 0;
    for (int i = 0; i < b->ncols; i++)
        if (values[i])
            need += strlen(values[i]) + 1;
    if (need > b->cap - b->used) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->used < need) {
            if (cap > SIZE_MAX / 2)
                return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            cap *= 2;
        }
        char *q = realloc(b->buf, cap);
        if (!q)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        b->buf = q;
        b->cap = cap;
    }
    size_t *off = b->off + (size_t)b->n * (size_t)b->ncols;
    for (int i = 0; i < b->ncols; i++) {
        if (!values[i]) {
            off[i] = SIZE_MAX;
            continue;
        }
        size_t len = strlen(values[i]) + 1;
        memcpy(b->buf + b->used, values[i], len);
        off[i] = b->used;
        b->used += len;
    }
    if (++b->n == b->batch)
        return sq_bulk_run(b, b->s, err);
    return TJ_OK;
}

static void sq_bulk_abort(store_bulk *bb)
{
    sq_bulk *b = (sq_bulk *)bb;
    sqlite3_finalize(b->s);
    free(b->sql);
    free(b->buf);
    free(b->off);
    free(b);
}

/* The last, partial batch: a statement of its size. */
static tj_status sq_bulk_end(store_bulk *bb, tj_error *err)
{
    sq_bulk *b = (sq_bulk *)bb;
    tj_status rc = TJ_OK;
    if (b->n) {
        sqlite3_stmt *st = NULL;
        if ((rc = sq_bulk_prepare(b, b->n, &st, err)) == TJ_OK)
            rc = sq_bulk_run(b, st, err);
        sqlite3_finalize(st);
    }
    sq_bulk_abort(bb);
    return rc;
}

/* The group of the file behind h (made on first use); NULL for in-memory
 * databases and past SQ_GROUPS files. */
static sq_group *group_of(sqlite3 *h)
{
    const char *f = sqlite3_db_filename(h, "main");
    if (!f || !*f)
        return NULL;
    sq_group *g = NULL;
    pthread_mutex_lock(&sq_groups_mu);
    int i = 0;
    for (; i < SQ_GROUPS && sq_groups[i] && !g; i++)
        if (!strcmp(sq_groups[i]->path, f))
            g = sq_groups[i];
    if (!g && i < SQ_GROUPS && (g = calloc(1, sizeof *g)) && (g->path = strdup(f))) {
        pthread_mutex_init(&g->mu, NULL);
        pthread_cond_init(&g->cv, NULL);
        sq_groups[i] = g;
    } else if (g && !g->path) {
        free(g);
        g = NULL;
    }
    pthread_mutex_unlock(&sq_groups_mu);
    return g;
}

static uint64_t sq_commit_mark(store_db *db)
{
    sq_db *d = (sq_db *)db;
    if (!d->group || !d->sync || d->direct)
        return 0; /* direct: synchronous=FULL synced the commit */
    return atomic_fetch_add(&d->group->committed, 1) + 1;
}

static tj_status sq_commit_sync(store_db *db, uint64_t seq, tj_error *err)
{
    sq_db *d = (sq_db *)db;
    sq_group *g = d->group;
    int rc = SQLITE_OK;
    pthread_mutex_lock(&g->mu);
    while (g->synced < seq && rc == SQLITE_OK) {
        if (g->syncing) {
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        g->syncing = 1;
        /* every commit numbered up to target has written its frames */
        uint64_t target = atomic_load(&g->committed);
        pthread_mutex_unlock(&g->mu);
        sqlite3_file *wal = NULL;
        rc = sqlite3_file_control(d->h, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
        if (rc == SQLITE_OK && wal && wal->pMethods)
            rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
        else if (rc == SQLITE_OK) { /* no WAL open: sync the database file */
            sqlite3_file *f = NULL;
            rc = sqlite3_file_control(d->h, "main", SQLITE_FCNTL_FILE_POINTER, &f);
            if (rc == SQLITE_OK && f && f->pMethods)
                rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
        }
        pthread_mutex_lock(&g->mu);
        g->syncing = 0;
        if (rc == SQLITE_OK && target > g->synced)
            g->synced = target;
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    if (rc != SQLITE_OK)
        return tj_error_set(err, TJ_ERR_IO, "db",
                            "the commit was written but could not be synced to disk (%s) / 已写入但无法同步到磁盘",
                            sqlite3_errstr(rc));
    return TJ_OK;
}

static void sq_set_sync(store_db *db, int on)
{
    ((sq_db *)db)->sync = on;
}

/* The file's journal mode ("wal", "delete", ...), malloc'ed; NULL on error. */
static char *sq_journal_mode(sqlite3 *h, const char *set, int *rc)
{
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA journal_mode%s%s", set ? "=" : "", set ? set : "");
    sqlite3_stmt *q = NULL;
    char *jm = NULL;
    *rc = sqlite3_prepare_v2(h, sql, -1, &q, NULL);
    if (*rc == SQLITE_OK && (*rc = sqlite3_step(q)) == SQLITE_ROW) {
        *rc = SQLITE_OK;
        if (sqlite3_column_text(q, 0) && !(jm = strdup((const char *)sqlite3_column_text(q, 0))))
            *rc = SQLITE_NOMEM;
    }
    sqlite3_finalize(q);
    return jm;
}

/* Milliseconds store_direct_begin waits for the exclusive lock that leaving
 * WAL mode needs: rides over a short read elsewhere; a connection that
 * keeps the file open (a server) holds it for good, and the import then
 * goes through the WAL. */
#define SQ_DIRECT_WAIT_MS 200

static int sq_direct_begin(store_db *db, char *why, size_t whylen)
{
    sq_db *d = (sq_db *)db;
    int rc;
    char *jm = sq_journal_mode(d->h, NULL, &rc);
    int wal = jm && !strcmp(jm, "wal");
    free(jm);
    if (!wal) {
        if (rc == SQLITE_OK)
            snprintf(why, whylen, "the database is not in WAL mode");
        else
            snprintf(why, whylen, "%s", sqlite3_errstr(rc));
        return 0;
    }
    sqlite3_busy_timeout(d->h, SQ_DIRECT_WAIT_MS);
    jm = sq_journal_mode(d->h, "DELETE", &rc);
    sqlite3_busy_timeout(d->h, busy_timeout_ms());
    int ok = jm && !strcmp(jm, "delete");
    free(jm);
    if (!ok) {
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED || rc == SQLITE_OK)
            snprintf(why, whylen, "another connection has the database open (a server, a search or another import)");
        else
            snprintf(why, whylen, "%s", sqlite3_errmsg(d->h));
        return 0;
    }
    /* a rollback journal is durable at commit with FULL only */
    if (sqlite3_exec(d->h, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "%s", sqlite3_errmsg(d->h));
        sq_journal_mode(d->h, "WAL", &rc);
        return 0;
    }
    /* a 64 MB page cache while writing directly: the pages go to the file
     * once when spilled, and the smaller cache saves fresh memory (1,000,000
     * versions: 44-45 s CPU against 46-62 s with 256 MB in three
     * alternating pairs; docs/limits.md, session 7) */
    sqlite3_exec(d->h, "PRAGMA cache_size=-65536", NULL, NULL, NULL);
    d->direct = 1;
    return 1;
}

static void sq_direct_end(store_db *db)
{
    sq_db *d = (sq_db *)db;
    if (!d->direct)
        return;
    int rc;
    char *jm = sq_journal_mode(d->h, "WAL", &rc);
    /* group commit (NORMAL) in WAL mode only; else FULL stays */
    if (d->group && jm && !strcmp(jm, "wal"))
        sqlite3_exec(d->h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    free(jm);
    sqlite3_exec(d->h, "PRAGMA cache_size=-262144", NULL, NULL, NULL); /* as store_sqlite_open */
    d->direct = 0;
}

static const store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .prepare_cached = sq_prepare_cached,
    .bind_text = sq_bind_text,
    .bind_double = sq_bind_double,
    .bind_int64 = sq_bind_int64,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .col_text = sq_col_text,
    .col_double = sq_col_double,
    .col_int64 = sq_col_int64,
    .col_is_null = sq_col_is_null,
    .col_count = sq_col_count,
    .changes = sq_changes,
    .bulk_begin = sq_bulk_begin,
    .bulk_row = sq_bulk_row,
    .bulk_end = sq_bulk_end,
    .bulk_abort = sq_bulk_abort,
    .commit_mark = sq_commit_mark,
    .commit_sync = sq_commit_sync,
    .set_sync = sq_set_sync,
    .direct_begin = sq_direct_begin,
    .direct_end = sq_direct_end,
};

/* SQL function tj_fts_token(kind, value): store_fts_token (migrations use it). */
static void sq_fts_token(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *kind = sqlite3_value_text(argv[0]);
    const unsigned char *value = sqlite3_value_text(argv[1]);
    if (!kind || !value) {
        sqlite3_result_null(ctx);
        return;
    }
    char tok[STORE_FTS_TOKEN_SIZE];
    store_fts_token((char)kind[0], (const char *)value, tok);
    sqlite3_result_text(ctx, tok, -1, SQLITE_TRANSIENT);
}

/* tj_fts_phrase(text, phrase): 1 when the trigrams of phrase occur
 * consecutively in those of text, as FTS5's trigram tokenizer makes them
 * (case-folded): what a phrase query on factor_fts answered when the index
 * kept positions, decided here for the candidates an index without them
 * (detail=none, migration 27) returns. */
typedef struct sq_toks {
    char *buf; /* the tokens, each NUL-terminated */
    size_t used, cap;
    size_t *off; /* token i at buf + off[i] */
    size_t n, ncap;
    int oom;
} sq_toks;

static int sq_toks_add(void *ctx, int tflags, const char *tok, int ntok, int start, int end)
{
    (void)tflags, (void)start, (void)end;
    sq_toks *t = ctx;
    size_t need = (size_t)ntok + 1;
    if (t->n == t->ncap) {
        size_t nc = t->ncap ? t->ncap * 2 : 64;
        size_t *no = realloc(t->off, nc * sizeof *no);
        if (!no)
            return t->oom = 1, SQLITE_NOMEM;
        t->off = no;
        t->ncap = nc;
    }
    if (need > t->cap - t->used) {
        size_t nc = t->cap ? t->cap : 512;
        while (nc - t->used < need)
            nc *= 2;
        char *nb = realloc(t->buf, nc);
        if (!nb)
            return t->oom = 1, SQLITE_NOMEM;
        t->buf = nb;
        t->cap = nc;
    }
    memcpy(t->buf + t->used, tok, (size_t)ntok);
    t->buf[t->used + (size_t)ntok] = 0;
    t->off[t->n++] = t->used;
    t->used += need;
    return SQLITE_OK;
}

static void sq_toks_free(void *p)
{
    sq_toks *t = p;
    if (t) {
        free(t->buf);
        free(t->off);
        free(t);
    }
}

/* The connection's trigram tokenizer (FTS5's own), made on first use. */
static int sq_trigram(sq_db *d)
{
    if (d->trigram_inst)
        return SQLITE_OK;
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->h, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api)
        return SQLITE_ERROR;
    void *ud = NULL;
    if ((rc = api->xFindTokenizer(api, "trigram", &ud, &d->trigram)) != SQLITE_OK)
        return rc;
    return d->trigram.xCreate(ud, NULL, 0, &d->trigram_inst);
}

static void sq_fts_phrase(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sq_db *d = sqlite3_user_data(ctx);
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    int ntext = sqlite3_value_bytes(argv[0]);
    const char *phrase = (const char *)sqlite3_value_text(argv[1]);
    int nphrase = sqlite3_value_bytes(argv[1]);
    if (!text || !phrase) {
        sqlite3_result_null(ctx);
        return;
    }
    int rc = sq_trigram(d);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sq_toks *w = sqlite3_get_auxdata(ctx, 1);
    if (!w) {
        if (!(w = calloc(1, sizeof *w))) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        rc = d->trigram.xTokenize(d->trigram_inst, w, FTS5_TOKENIZE_QUERY, phrase, nphrase, sq_toks_add);
        if (rc != SQLITE_OK || w->oom) {
            sq_toks_free(w);
            sqlite3_result_error_nomem(ctx);
            return;
        }
        sqlite3_set_auxdata(ctx, 1, w, sq_toks_free);
        if (!(w = sqlite3_get_auxdata(ctx, 1))) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    if (!w->n) { /* no trigram: the index query decided */
        sqlite3_result_int(ctx, 1);
        return;
    }
    sq_toks t = {0};
    rc = d->trigram.xTokenize(d->trigram_inst, &t, FTS5_TOKENIZE_DOCUMENT, text, ntext, sq_toks_add);
    if (rc != SQLITE_OK || t.oom) {
        free(t.buf);
        free(t.off);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int found = 0;
    for (size_t i = 0; !found && i + w->n <= t.n; i++) {
        size_t k = 0;
        while (k < w->n && !strcmp(t.buf + t.off[i + k], w->buf + w->off[k]))
            k++;
        found = k == w->n;
    }
    free(t.buf);
    free(t.off);
    sqlite3_result_int(ctx, found);
}

/* Is this file tanji's?  Ours carry STORE_SQLITE_APPLICATION_ID; databases
 * made before the id was set are recognised by their schema_migrations
 * table; an empty file is a new database.  Anything else is another
 * application's and is refused before any pragma writes to it. */
static tj_status sq_check_owner(sqlite3 *h, const char *path, unsigned flags, tj_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t app_id = -1, tables = -1, migrations = 0;
    if (sqlite3_prepare_v2(h, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        app_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(h,
                           "SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations') FROM sqlite_master",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        tables = sqlite3_column_int64(st, 0);
        migrations = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (app_id < 0 || tables < 0)
        return tj_error_set(err, TJ_ERR_IO, "db", "%s is not a SQLite database (%s) / 不是 SQLite 数据库", path,
                            sqlite3_errmsg(h));
    if (app_id == STORE_SQLITE_APPLICATION_ID || (app_id == 0 && migrations))
        return TJ_OK;
    if (app_id == 0 && tables == 0) {
        if (flags & STORE_OPEN_MIGRATE)
            return TJ_OK;
        return tj_error_set(err, TJ_ERR_DB, "db",
                            "%s is an empty database without tanji's schema: run `tanji migrate --db %s` first / "
                            "数据库尚未初始化，请先运行 tanji migrate",
                            path, path);
    }
    return tj_error_set(err, TJ_ERR_DB, "db",
                        "%s belongs to another application (SQLite application_id %#llx, %lld tables), not to "
                        "tanji: refused, nothing was written / 该文件不是 tanji 数据库，已拒绝且未作任何修改",
                        path, (unsigned long long)app_id, (long long)tables);
}

tj_status store_sqlite_open(const char *path, unsigned flags, store_db **out, tj_error *err)
{
    *out = NULL;
    if (!(flags & STORE_OPEN_MIGRATE) && strncmp(path, "file:", 5) != 0 && strcmp(path, ":memory:") != 0 &&
        access(path, F_OK) != 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "db",
                            "no tanji database at %s: run `tanji migrate --db %s` to create one / 数据库不存在，"
                            "请先运行 tanji migrate 创建",
                            path, path);
    sq_db *db = calloc(1, sizeof *db);
    if (!db)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    if (flags & STORE_OPEN_MIGRATE)
        oflags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &db->h, oflags, NULL);
    if (rc == SQLITE_OK)
        sqlite3_busy_timeout(db->h, busy_timeout_ms());
    tj_status owner = rc == SQLITE_OK ? sq_check_owner(db->h, path, flags, err) : TJ_OK;
    if (owner != TJ_OK) {
        sqlite3_close_v2(db->h);
        free(db);
        return owner;
    }
    if (rc != SQLITE_OK) {
        tj_status st = tj_error_set(err, TJ_ERR_IO, "db", "cannot open SQLite database %s: %s", path,
                                    db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        sqlite3_close_v2(db->h);
        free(db);
        return st;
    }
    db->base.ops = &sq_ops;
    db->base.kind = STORE_SQLITE;
    sqlite3_busy_timeout(db->h, busy_timeout_ms());
    sqlite3_create_function(db->h, "tj_fts_token", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sq_fts_token,
                            NULL, NULL);
    sqlite3_create_function(db->h, "tj_fts_phrase", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, db, sq_fts_phrase, NULL,
                            NULL);
    sqlite3_extended_result_codes(db->h, 1);
    /* journal_mode returns a row; sqlite3_exec ignores it.  A file that is
     * not a database fails here. */
    rc = sqlite3_exec(db->h,
                      "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; "
                      "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int prim = rc & 0xff;
        tj_status st = prim == SQLITE_BUSY || prim == SQLITE_LOCKED || is_full(db->h, rc)
                           ? sq_fail(db->h, rc, err, "open")
                           : tj_error_set(err, TJ_ERR_IO, "db", "cannot use SQLite database %s: %s", path,
                                          sqlite3_errmsg(db->h));
        sqlite3_close_v2(db->h);
        free(db);
        return st;
    }
    /* group commit when the file has a WAL (see sq_group) */
    char *jm = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_text(q, 0))
        jm = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (jm && !strcmp(jm, "wal") && (db->group = group_of(db->h)) &&
        sqlite3_exec(db->h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
        db->group = NULL;
    free(jm);
    db->sync = 1;
    *out = &db->base;
    return TJ_OK;
}

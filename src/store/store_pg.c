/*
 * store backend: PostgreSQL through libpq.  Statements run with
 * PQexecParams (text parameters; doubles and integers typed float8/int8, text
 * left for the server to infer), or for store_prepare_cached as named
 * prepared statements (PQprepare once per connection, then PQexecPrepared);
 * SQL '?' placeholders are rewritten to $n.
 * Bulk inserts use COPY FROM STDIN in text format.
 */
#include "store/store_internal.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_INT8 20
#define OID_FLOAT8 701

/* Statements prepared with store_prepare_cached: named server-side
 * prepared statements "tj_<index>", created at their first step with that
 * step's parameter types.  Protocol-level prepared statements live until
 * the connection closes, whatever happens to transactions. */
#define PG_CACHE_MAX 64
typedef struct pg_cached {
    char *sql; /* rewritten to $n */
    Oid *types;
    int nparams;
    int prepared;
} pg_cached;

typedef struct pg_db {
    store_db base;
    PGconn *conn;
    pg_cached cache[PG_CACHE_MAX];
    int ncache;
} pg_db;

typedef struct pg_stmt {
    store_stmt base;
    char *sql; /* rewritten to $n */
    int nparams;
    char **vals; /* owned copies, NULL = SQL NULL */
    Oid *types;
    PGresult *res;
    int ran;
    int row;
    int nrows;
    int64_t changes;
    int cache_ix; /* index into pg_db.cache, or -1 */
} pg_stmt;

typedef struct pg_bulk {
    store_bulk base;
    int ncols;
    char *buf;
    size_t len, cap;
} pg_bulk;

static PGconn *C(store_db *db)
{
    return ((pg_db *)db)->conn;
}

char *store_pg_rewrite(const char *sql, int *nparams)
{
    size_t n = strlen(sql), q = 0;
    for (size_t i = 0; i < n; i++)
        if (sql[i] == '?')
            q++;
    if (q > (SIZE_MAX - n - 1) / 12)
        return NULL;
    char *out = malloc(n + q * 12 + 1);
    if (!out)
        return NULL;
    char *o = out;
    int k = 0;
    const char *p = sql;
    while (*p) {
        if (*p == '\'' || *p == '"') {
            char quote = *p;
            *o++ = *p++;
            while (*p) {
                if (*p == quote) {
                    *o++ = *p++;
                    if (*p == quote) { /* doubled quote: still inside */
                        *o++ = *p++;
                        continue;
                    }
                    break;
                }
                *o++ = *p++;
            }
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (p[0] == '/' && p[1] == '*') {
            *o++ = *p++;
            *o++ = *p++;
            while (*p && !(p[0] == '*' && p[1] == '/'))
                *o++ = *p++;
            if (*p) {
                *o++ = *p++;
                *o++ = *p++;
            }
        } else if (*p == '?') {
            o += sprintf(o, "$%d", ++k);
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    *nparams = k;
    return out;
}

static tj_status pg_result_fail(PGresult *res, PGconn *conn, tj_error *err, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    tj_status code = TJ_ERR_DB;
    if (state && state[0] == '2' && state[1] == '3')
        code = TJ_ERR_CONFLICT; /* integrity constraint violation */
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    if (!msg || !*msg)
        msg = PQerrorMessage(conn);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    return tj_error_set(err, code, NULL, "postgresql: %s: %.*s", what, (int)len, msg);
}

static void pg_close(store_db *db)
{
    pg_db *d = (pg_db *)db;
    PQfinish(d->conn);
    for (int i = 0; i < d->ncache; i++) {
        free(d->cache[i].sql);
        free(d->cache[i].types);
    }
    free(db);
}

static tj_status pg_exec(store_db *db, const char *sql, tj_error *err)
{
    PGresult *res = PQexec(C(db), sql);
    ExecStatusType s = PQresultStatus(res);
    tj_status st = TJ_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        st = pg_result_fail(res, C(db), err, "exec");
    PQclear(res);
    return st;
}

static tj_status pg_prepare(store_db *db, const char *sql, store_stmt **out, tj_error *err)
{
    pg_stmt *st = calloc(1, sizeof *st);
    if (!st)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    st->base.db = db;
    st->sql = store_pg_rewrite(sql, &st->nparams);
    if (!st->sql)
        goto nomem;
    if (st->nparams > 0) {
        st->vals = calloc((size_t)st->nparams, sizeof *st->vals);
        st->types = calloc((size_t)st->nparams, sizeof *st->types);
        if (!st->vals || !st->types)
            goto nomem;
    }
    st->cache_ix = -1;
    *out = &st->base;
    return TJ_OK;
nomem:
    free(st->sql);
    free(st->vals);
    free(st->types);
    free(st);
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

static tj_status pg_prepare_cached(store_db *dbb, const char *sql, store_stmt **out, tj_error *err)
{
    tj_status rc = pg_prepare(dbb, sql, out, err);
    if (rc != TJ_OK)
        return rc;
    pg_db *db = (pg_db *)dbb;
    pg_stmt *st = (pg_stmt *)*out;
    for (int i = 0; i < db->ncache; i++)
        if (!strcmp(db->cache[i].sql, st->sql)) {
            st->cache_ix = i;
            return TJ_OK;
        }
    if (db->ncache < PG_CACHE_MAX) {
        pg_cached *c = &db->cache[db->ncache];
        c->sql = strdup(st->sql);
        c->types = calloc((size_t)st->nparams + 1, sizeof *c->types);
        if (!c->sql || !c->types) {
            free(c->sql);
            free(c->types);
            *c = (pg_cached){0};
            return TJ_OK; /* uncached still works */
        }
        c->nparams = st->nparams;
        st->cache_ix = db->ncache++;
    }
    return TJ_OK;
}

/* Run st: as a named prepared statement when it is cached and its
 * parameter types are those it was prepared with, else with PQexecParams. */
static PGresult *pg_run(pg_stmt *st)
{
    pg_db *db = (pg_db *)st->base.db;
    if (st->cache_ix >= 0) {
        pg_cached *c = &db->cache[st->cache_ix];
        char name[24];
        snprintf(name, sizeof name, "tj_%d", st->cache_ix);
        if (!c->prepared) {
            PGresult *r = PQprepare(db->conn, name, st->sql, st->nparams, st->types);
            if (PQresultStatus(r) == PGRES_COMMAND_OK) {
                c->prepared = 1;
                if (st->nparams)
                    memcpy(c->types, st->types, (size_t)st->nparams * sizeof *c->types);
            }
            PQclear(r);
        }
        if (c->prepared &&
            (!st->nparams || !memcmp(c->types, st->types, (size_t)st->nparams * sizeof *c->types)))
            return PQexecPrepared(db->conn, name, st->nparams, (const char *const *)st->vals, NULL, NULL, 0);
    }
    return PQexecParams(db->conn, st->sql, st->nparams, st->types, (const char *const *)st->vals, NULL, NULL,
                        0);
}

static tj_status pg_set(store_stmt *stb, int i, char *val, Oid type)
{
    pg_stmt *st = (pg_stmt *)stb;
    if (i < 1 || i > st->nparams) {
        free(val);
        return TJ_ERR_USAGE;
    }
    free(st->vals[i - 1]);
    st->vals[i - 1] = val;
    st->types[i - 1] = type;
    return TJ_OK;
}

static tj_status pg_bind_text(store_stmt *st, int i, const char *s)
{
    char *v = strdup(s);
    if (!v)
        return TJ_ERR_NOMEM;
    return pg_set(st, i, v, 0);
}
static tj_status pg_bind_double(store_stmt *st, int i, double x)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", x);
    char *v = strdup(buf);
    if (!v)
        return TJ_ERR_NOMEM;
    return pg_set(st, i, v, OID_FLOAT8);
}
static tj_status pg_bind_int64(store_stmt *st, int i, int64_t x)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, x);
    char *v = strdup(buf);
    if (!v)
        return TJ_ERR_NOMEM;
    return pg_set(st, i, v, OID_INT8);
}
static tj_status pg_bind_null(store_stmt *st, int i)
{
    return pg_set(st, i, NULL, 0);
}

static int pg_step(store_stmt *stb, tj_error *err)
{
    pg_stmt *st = (pg_stmt *)stb;
    if (!st->ran) {
        st->ran = 1;
        st->res = pg_run(st);
        ExecStatusType s = PQresultStatus(st->res);
        if (s == PGRES_TUPLES_OK) {
            st->nrows = PQntuples(st->res);
            st->row = -1;
            /* rows changed: a SELECT changes none (PQcmdTuples counts the
             * rows it returned) */
            const char *ct = PQcmdTuples(st->res), *cs = PQcmdStatus(st->res);
            st->changes = (ct && *ct && !(cs && !strncmp(cs, "SELECT", 6))) ? strtoll(ct, NULL, 10) : 0;
        } else if (s == PGRES_COMMAND_OK) {
            st->nrows = 0;
            st->row = -1;
            const char *ct = PQcmdTuples(st->res);
            st->changes = (ct && *ct) ? strtoll(ct, NULL, 10) : 0;
        } else {
            tj_status code = pg_result_fail(st->res, C(stb->db), err, "step");
            PQclear(st->res);
            st->res = NULL;
            st->ran = 0;
            return code;
        }
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return 1;
    }
    st->row = st->nrows;
    return 0;
}

static void pg_reset(store_stmt *stb)
{
    pg_stmt *st = (pg_stmt *)stb;
    PQclear(st->res);
    st->res = NULL;
    st->ran = 0;
    st->row = -1;
    st->nrows = 0;
}

static void pg_finalize(store_stmt *stb)
{
    pg_stmt *st = (pg_stmt *)stb;
    PQclear(st->res);
    for (int i = 0; i < st->nparams; i++)
        free(st->vals[i]);
    free(st->vals);
    free(st->types);
    free(st->sql);
    free(st);
}

static int pg_valid(pg_stmt *st, int i)
{
    return st->res && st->row >= 0 && st->row < st->nrows && i >= 0 && i < PQnfields(st->res);
}

static const char *pg_col_text(store_stmt *stb, int i)
{
    pg_stmt *st = (pg_stmt *)stb;
    if (!pg_valid(st, i) || PQgetisnull(st->res, st->row, i))
        return NULL;
    return PQgetvalue(st->res, st->row, i);
}
static double pg_col_double(store_stmt *stb, int i)
{
    const char *s = pg_col_text(stb, i);
    return s ? strtod(s, NULL) : 0.0;
}
static int64_t pg_col_int64(store_stmt *stb, int i)
{
    const char *s = pg_col_text(stb, i);
    if (!s)
        return 0;
    if (s[0] == 't' && s[1] == 0)
        return 1; /* boolean */
    return strtoll(s, NULL, 10);
}
static int pg_col_is_null(store_stmt *stb, int i)
{
    pg_stmt *st = (pg_stmt *)stb;
    return !pg_valid(st, i) || PQgetisnull(st->res, st->row, i);
}
static int pg_col_count(store_stmt *stb)
{
    pg_stmt *st = (pg_stmt *)stb;
    return st->res ? PQnfields(st->res) : 0;
}
static int64_t pg_changes(store_stmt *stb)
{
    return ((pg_stmt *)stb)->changes;
}

/* --- COPY ------------------------------------------------------------- */

static tj_status pg_bulk_begin(store_db *db, const char *table, const char *const *columns, int ncols,
                               store_bulk **out, tj_error *err)
{
    size_t len = strlen(table) + 64;
    for (int i = 0; i < ncols; i++)
        len += strlen(columns[i]) + 2;
    char *sql = malloc(len);
    pg_bulk *b = calloc(1, sizeof *b);
    if (!sql || !b) {
        free(sql);
        free(b);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    char *p = sql;
    p += sprintf(p, "COPY %s (", table);
    for (int i = 0; i < ncols; i++)
        p += sprintf(p, "%s%s", i ? "," : "", columns[i]);
    sprintf(p, ") FROM STDIN");
    PGresult *res = PQexec(C(db), sql);
    free(sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        tj_status st = pg_result_fail(res, C(db), err, "COPY");
        PQclear(res);
        free(b);
        return st;
    }
    PQclear(res);
    b->base.db = db;
    b->ncols = ncols;
    *out = &b->base;
    return TJ_OK;
}

static int buf_reserve(pg_bulk *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + extra)
        cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (!nb)
        return -1;
    b->buf = nb;
    b->cap = cap;
    return 0;
}

static tj_status pg_flush(pg_bulk *b, tj_error *err)
{
    if (b->len == 0)
        return TJ_OK;
    if (PQputCopyData(C(b->base.db), b->buf, (int)b->len) != 1)
        return tj_error_set(err, TJ_ERR_DB, NULL, "postgresql: COPY: %s", PQerrorMessage(C(b->base.db)));
    b->len = 0;
    return TJ_OK;
}

static tj_status pg_bulk_row(store_bulk *bb, const char *const *values, tj_error *err)
{
    pg_bulk *b = (pg_bulk *)bb;
    for (int i = 0; i < b->ncols; i++) {
        const char *v = values[i];
        size_t n = v ? strlen(v) : 0;
        if (n > SIZE_MAX / 4 || buf_reserve(b, 2 * n + 4))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (i)
            b->buf[b->len++] = '\t';
        if (!v) {
            b->buf[b->len++] = '\\';
            b->buf[b->len++] = 'N';
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            char c = v[k];
            switch (c) {
            case '\\':
                b->buf[b->len++] = '\\';
                b->buf[b->len++] = '\\';
                break;
            case '\t':
                b->buf[b->len++] = '\\';
                b->buf[b->len++] = 't';
                break;
            case '\n':
                b->buf[b->len++] = '\\';
                b->buf[b->len++] = 'n';
                break;
            case '\r':
                b->buf[b->len++] = '\\';
                b->buf[b->len++] = 'r';
                break;
            default: b->buf[b->len++] = c;
            }
        }
    }
    if (buf_reserve(b, 1))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    b->buf[b->len++] = '\n';
    if (b->len >= 1 << 20)
        return pg_flush(b, err);
    return TJ_OK;
}

static void pg_bulk_free(pg_bulk *b)
{
    free(b->buf);
    free(b);
}

static tj_status pg_bulk_end(store_bulk *bb, tj_error *err)
{
    pg_bulk *b = (pg_bulk *)bb;
    PGconn *conn = C(bb->db);
    tj_status st = pg_flush(b, err);
    if (st != TJ_OK) {
        PQputCopyEnd(conn, "aborted");
    } else if (PQputCopyEnd(conn, NULL) != 1) {
        st = tj_error_set(err, TJ_ERR_DB, NULL, "postgresql: COPY: %s", PQerrorMessage(conn));
    }
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        if (st == TJ_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
            st = pg_result_fail(res, conn, err, "COPY");
        PQclear(res);
    }
    pg_bulk_free(b);
    return st;
}

static void pg_bulk_abort(store_bulk *bb)
{
    PGconn *conn = C(bb->db);
    PQputCopyEnd(conn, "aborted");
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL)
        PQclear(res);
    pg_bulk_free((pg_bulk *)bb);
}

static const store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .prepare_cached = pg_prepare_cached,
    .bind_text = pg_bind_text,
    .bind_double = pg_bind_double,
    .bind_int64 = pg_bind_int64,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .col_text = pg_col_text,
    .col_double = pg_col_double,
    .col_int64 = pg_col_int64,
    .col_is_null = pg_col_is_null,
    .col_count = pg_col_count,
    .changes = pg_changes,
    .bulk_begin = pg_bulk_begin,
    .bulk_row = pg_bulk_row,
    .bulk_end = pg_bulk_end,
    .bulk_abort = pg_bulk_abort,
};

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

tj_status store_pg_open(const char *url, store_db **out, tj_error *err)
{
    *out = NULL;
    pg_db *db = calloc(1, sizeof *db);
    if (!db)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    db->conn = PQconnectdb(url);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        const char *m = db->conn ? PQerrorMessage(db->conn) : "out of memory";
        size_t len = strlen(m);
        while (len && m[len - 1] == '\n')
            len--;
        tj_status st = tj_error_set(err, TJ_ERR_IO, "db", "cannot connect to PostgreSQL: %.*s", (int)len, m);
        PQfinish(db->conn);
        free(db);
        return st;
    }
    PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
    db->base.ops = &pg_ops;
    db->base.kind = STORE_POSTGRES;
    tj_status st =
        pg_exec(&db->base, "SET client_encoding TO 'UTF8'; SET client_min_messages TO warning", err);
    if (st != TJ_OK) {
        pg_close(&db->base);
        return st;
    }
    *out = &db->base;
    return TJ_OK;
}

/*
 * factor_sql: the factor database's SQL; see factor_sql.h.  Statements use
 * the portable subset with '?' placeholders; where SQLite and PostgreSQL
 * differ (the search indexes: SQLite's FTS5 trigram table factor_fts,
 * PostgreSQL's search_keys tsvector with a GIN index; COPY vs INSERT for
 * bulk writes) each dialect has its own text, chosen by store_backend.
 */
#include "store/factor_sql.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Supersessions in one import above which SQLite's FTS index is merged. */
#define FACTOR_SQL_FTS_OPTIMIZE_AFTER 1000
/* SQLite FTS5's in-memory hash for pending postings, bytes (see
 * factor_sql_bulk_versions_done). */
#define FACTOR_SQL_FTS_HASHSIZE 67108864
#define TJ_STR_(x) #x
#define TJ_STR(x) TJ_STR_(x)

const char *const factor_sql_columns[] = {
    "id",          "version",     "status",    "name_zh",          "name_en",     "aliases",
    "category",    "cpc",         "hs",        "unit",             "value",       "gases",
    "stages",      "boundary",    "region",    "region_level",     "ref_year",    "valid_from",
    "valid_to",    "source_doc",  "source_publisher", "source_date", "source_url", "method",
    "gwp_set",     "uncertainty", "dqr",       "quality",          "submitter_org", "traceable",
    "superseded_by", "created_at", "created_by", "updated_at",     "owner_org",
};
const size_t factor_sql_ncolumns = sizeof factor_sql_columns / sizeof factor_sql_columns[0];

static char select_list[1024];
static pthread_once_t select_once = PTHREAD_ONCE_INIT;

static void select_init(void)
{
    size_t o = 0;
    for (size_t i = 0; i < factor_sql_ncolumns; i++)
        o += (size_t)snprintf(select_list + o, sizeof select_list - o, "%sfv.%s", i ? ", " : "",
                              factor_sql_columns[i]);
}

const char *factor_sql_select_list(void)
{
    pthread_once(&select_once, select_init);
    return select_list;
}

static int empty(const char *s)
{
    return !s || !*s;
}

static char *strdup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

#include "core/sbuf.h"

static tj_status step_done(store_stmt *st, tj_error *err)
{
    int s = store_step(st, err);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

static tj_status nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

/* ---- point reads and writes --------------------------------------------- */

tj_status factor_sql_get(store_db *db, const char *id, int version, int published_only, factor_sql_row_fn fn,
                         void *arg, int *found, tj_error *err)
{
    *found = 0;
    char sql[2048];
    if (published_only)
        snprintf(sql, sizeof sql,
                 "SELECT %s FROM factor_version fv WHERE fv.id = ? AND fv.version = ? AND fv.status = 'published'",
                 factor_sql_select_list());
    else
        snprintf(sql, sizeof sql,
                 "SELECT %s FROM factor_version fv WHERE fv.id = ? %s "
                 "ORDER BY CASE WHEN fv.status = 'published' THEN 0 ELSE 1 END, fv.version DESC LIMIT 1",
                 factor_sql_select_list(), version > 0 ? "AND fv.version = ?" : "");
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, sql, &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    if (version > 0)
        store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    if (s == 1) {
        *found = 1;
        rc = fn(arg, st, 0, err);
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

tj_status factor_sql_each(store_db *db, int page, factor_sql_row_fn fn, void *arg, tj_error *err)
{
    static const char sql[] = "SELECT fv.id, fv.version FROM factor_version fv WHERE fv.id > ? OR "
                              "(fv.id = ? AND fv.version > ?) ORDER BY fv.id, fv.version LIMIT ?";
    char *last_id = strdup("");
    int64_t last_version = 0;
    tj_status rc = last_id ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (int got = page; rc == TJ_OK && got == page;) {
        store_stmt *st;
        if ((rc = store_prepare_cached(db, sql, &st, err)) != TJ_OK)
            break;
        store_bind_text(st, 1, last_id);
        store_bind_text(st, 2, last_id);
        store_bind_int64(st, 3, last_version);
        store_bind_int64(st, 4, page);
        /* the rows of a page first, then the callbacks (which may query) */
        char **ids = calloc((size_t)page, sizeof *ids);
        int64_t *versions = calloc((size_t)page, sizeof *versions);
        got = 0;
        int s = 0;
        if (!ids || !versions)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        while (rc == TJ_OK && (s = store_step(st, err)) == 1) {
            ids[got] = strdup(store_col_text(st, 0) ? store_col_text(st, 0) : "");
            versions[got] = store_col_int64(st, 1);
            if (!ids[got])
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            got++;
        }
        store_finalize(st);
        if (s < 0 && rc == TJ_OK)
            rc = (tj_status)s;
        for (int i = 0; i < got && rc == TJ_OK; i++) {
            int found;
            rc = factor_sql_get(db, ids[i], (int)versions[i], 0, fn, arg, &found, err);
        }
        if (got > 0 && rc == TJ_OK) {
            free(last_id);
            last_id = ids[got - 1];
            ids[got - 1] = NULL;
            last_version = versions[got - 1];
        }
        for (int i = 0; i < got; i++)
            free(ids[i]);
        free(ids);
        free(versions);
    }
    free(last_id);
    return rc;
}

tj_status factor_sql_latest(store_db *db, const char *id, int *version, char **status, char **owner_org,
                            tj_error *err)
{
    *version = 0;
    if (status)
        *status = NULL;
    if (owner_org)
        *owner_org = NULL;
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "SELECT version, status, owner_org FROM factor_version WHERE id = ? ORDER BY version DESC LIMIT 1",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s = store_step(st, err);
    if (s == 1) {
        *version = (int)store_col_int64(st, 0);
        if (status && !(*status = strdup_or_null(store_col_text(st, 1))))
            rc = nomem(err);
        if (owner_org && !(*owner_org = strdup_or_null(store_col_text(st, 2))))
            rc = nomem(err);
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

tj_status factor_sql_state(store_db *db, const char *id, int version, char **status, char **source_doc,
                           char **owner_org, int *found, tj_error *err)
{
    *status = *source_doc = *owner_org = NULL;
    *found = 0;
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "SELECT status, source_doc, owner_org FROM factor_version WHERE id = ? AND version = ?", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    if (s == 1) {
        *found = 1;
        *status = strdup_or_null(store_col_text(st, 0));
        *source_doc = strdup_or_null(store_col_text(st, 1));
        *owner_org = strdup_or_null(store_col_text(st, 2));
        if (!*status)
            rc = nomem(err);
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

tj_status factor_sql_published_version(store_db *db, const char *id, int *version, tj_error *err)
{
    *version = 0;
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "SELECT version FROM factor_version WHERE id = ? AND status = 'published'", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s = store_step(st, err);
    if (s == 1)
        *version = (int)store_col_int64(st, 0);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

tj_status factor_sql_supersede(store_db *db, const char *id, int old_version, int new_version, const char *now,
                               tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db,
                                        "UPDATE factor_version SET status = 'superseded', superseded_by = ?, "
                                        "updated_at = ? WHERE id = ? AND version = ?",
                                        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_int64(st, 1, new_version);
    store_bind_text(st, 2, now);
    store_bind_text(st, 3, id);
    store_bind_int64(st, 4, old_version);
    return step_done(st, err);
}

tj_status factor_sql_set_status(store_db *db, const char *id, int version, const char *from, const char *to,
                                const char *now, int64_t *changed, tj_error *err)
{
    *changed = 0;
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "UPDATE factor_version SET status = ?, updated_at = ? WHERE id = ? AND version = ? AND status = ?", &st,
        err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, to);
    store_bind_text(st, 2, now);
    store_bind_text(st, 3, id);
    store_bind_int64(st, 4, version);
    store_bind_text(st, 5, from);
    int s = store_step(st, err);
    *changed = store_changes(st);
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* The FTS filter tokens SQLite's search_text carries (store_fts_token). */
static char *sqlite_search_text(const char *text, int ref_year, const char *region, const char *category)
{
    size_t n = strlen(text);
    char *s = malloc(n + 3 * (STORE_FTS_TOKEN_SIZE + 1) + 1);
    if (!s)
        return NULL;
    memcpy(s, text, n + 1);
    size_t o = n;
    char year[16];
    snprintf(year, sizeof year, "%d", ref_year);
    const char *fv[3][2] = {{"y", ref_year > 0 ? year : NULL}, {"r", region}, {"c", category}};
    for (int i = 0; i < 3; i++)
        if (!empty(fv[i][1])) {
            s[o++] = ' ';
            store_fts_token(fv[i][0][0], fv[i][1], s + o);
            o += strlen(s + o);
        }
    return s;
}

tj_status factor_sql_index_values(store_db *db, const char *text, int ref_year, const char *region,
                                  const char *category, int current, char **search_text, char **keys,
                                  tj_error *err)
{
    *keys = NULL;
    if (store_backend(db) == STORE_SQLITE) {
        *search_text = sqlite_search_text(text, ref_year, region, category);
        return *search_text ? TJ_OK : nomem(err);
    }
    /* search_keys serve the index of current versions only: a version
     * stored as superseded (it never becomes current again) gets none */
    *search_text = strdup(text);
    *keys = current ? factor_sql_search_keys(text, ref_year, region, category) : strdup("");
    if (!*search_text || !*keys) {
        free(*search_text);
        free(*keys);
        *search_text = *keys = NULL;
        return nomem(err);
    }
    return TJ_OK;
}

/* SQLite: index one version (id != NULL) or every version with rid > since
 * (id == NULL) in factor_fts. */
static tj_status fts_sync(store_db *db, const char *id, int64_t since_or_version, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare(db,
                                 id ? "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text "
                                      "FROM factor_version WHERE id = ? AND version = ? AND status <> 'superseded'"
                                    : "INSERT INTO factor_fts (rowid, search_text) SELECT rid, search_text "
                                      "FROM factor_version WHERE rid > ? AND status <> 'superseded'",
                                 &st, err);
    if (rc != TJ_OK)
        return rc;
    if (id) {
        store_bind_text(st, 1, id);
        store_bind_int64(st, 2, since_or_version);
    } else {
        store_bind_int64(st, 1, since_or_version);
    }
    return step_done(st, err);
}

static const char *col_value(const char *const *vals, const char *name)
{
    for (size_t i = 0; i < factor_sql_ncolumns; i++)
        if (!strcmp(factor_sql_columns[i], name))
            return vals[i];
    return NULL;
}

tj_status factor_sql_insert_version(store_db *db, const char *const *vals, const char *text, tj_error *err)
{
    int pg = store_backend(db) == STORE_POSTGRES;
    sbuf sql = {0};
    sb_add(&sql, "INSERT INTO factor_version (");
    for (size_t i = 0; i < factor_sql_ncolumns; i++) {
        sb_add(&sql, factor_sql_columns[i]);
        sb_add(&sql, ", ");
    }
    sb_add(&sql, pg ? "search_text, search_keys) VALUES (" : "search_text) VALUES (");
    for (size_t i = 0; i <= factor_sql_ncolumns + (size_t)pg; i++)
        sb_add(&sql, i ? ", ?" : "?");
    sb_add(&sql, ")");
    if (sql.oom)
        return nomem(err);
    const char *year = col_value(vals, "ref_year"), *status = col_value(vals, "status");
    char *search = NULL, *keys = NULL;
    tj_status rc = factor_sql_index_values(db, text, year ? atoi(year) : 0, col_value(vals, "region"),
                                           col_value(vals, "category"), !status || strcmp(status, "superseded"),
                                           &search, &keys, err);
    store_stmt *st = NULL;
    if (rc == TJ_OK)
        rc = store_prepare_cached(db, sql.s, &st, err);
    free(sql.s);
    if (rc == TJ_OK) {
        for (size_t i = 0; i < factor_sql_ncolumns; i++) {
            if (vals[i])
                store_bind_text(st, (int)i + 1, vals[i]);
            else
                store_bind_null(st, (int)i + 1);
        }
        store_bind_text(st, (int)factor_sql_ncolumns + 1, search);
        if (pg)
            store_bind_text(st, (int)factor_sql_ncolumns + 2, keys);
        rc = step_done(st, err);
    }
    free(search);
    free(keys);
    if (rc == TJ_OK && !pg)
        rc = fts_sync(db, vals[0], atoi(vals[1]), err);
    return rc;
}

tj_status factor_sql_insert_names(store_db *db, const char *id, int version, const char *region, int ref_year,
                                  const char *source_date, const char *const *norms, size_t n, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "INSERT INTO factor_name (name_norm, id, version, region, ref_year, source_date) VALUES (?, ?, ?, ?, ?, ?)",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        store_reset(st);
        store_bind_text(st, 1, norms[i]);
        store_bind_text(st, 2, id);
        store_bind_int64(st, 3, version);
        store_bind_text(st, 4, region);
        if (ref_year)
            store_bind_int64(st, 5, ref_year);
        else
            store_bind_null(st, 5);
        store_bind_text(st, 6, source_date);
        int s = store_step(st, err);
        if (s < 0)
            rc = (tj_status)s;
    }
    store_finalize(st);
    return rc;
}

tj_status factor_sql_delete_names(store_db *db, const char *id, int version, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, "DELETE FROM factor_name WHERE id = ? AND version = ?", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    return step_done(st, err);
}

tj_status factor_sql_insert_evidence(store_db *db, const char *id, int version, int traceable,
                                     const char *const *digests, const char *const *names, size_t n,
                                     tj_error *err)
{
    if (!n)
        return TJ_OK;
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "INSERT INTO factor_evidence (id, version, sha256, name, traceable) VALUES (?, ?, ?, ?, ?)", &st, err);
    if (rc != TJ_OK)
        return rc;
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        store_reset(st);
        store_bind_text(st, 1, id);
        store_bind_int64(st, 2, version);
        store_bind_text(st, 3, digests[i]);
        store_bind_text(st, 4, names[i]);
        store_bind_int64(st, 5, traceable);
        int s = store_step(st, err);
        if (s < 0)
            rc = (tj_status)s;
    }
    store_finalize(st);
    return rc;
}

tj_status factor_sql_load_evidence(store_db *db, const char *id, int version, char **out, tj_error *err)
{
    *out = NULL;
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "SELECT sha256, name FROM factor_evidence WHERE id = ? AND version = ? ORDER BY sha256", &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    sbuf acc = {0};
    int s;
    while ((s = store_step(st, err)) == 1) {
        const char *d = store_col_text(st, 0), *n = store_col_text(st, 1);
        if (acc.len)
            sb_add(&acc, ";");
        sb_add(&acc, d);
        if (n) {
            sb_add(&acc, "=");
            sb_add(&acc, n);
        }
    }
    store_finalize(st);
    if (s >= 0 && acc.oom)
        s = nomem(err);
    if (s < 0) {
        free(acc.s);
        return (tj_status)s;
    }
    *out = acc.s;
    return TJ_OK;
}

tj_status factor_sql_event(store_db *db, const char *id, int version, const char *action, const char *from,
                           const char *to, const char *actor, const char *at, const char *reason, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db,
        "INSERT INTO factor_event (id, version, action, from_status, to_status, actor, at, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    store_bind_text(st, 3, action);
    store_bind_text(st, 4, from);
    store_bind_text(st, 5, to);
    store_bind_text(st, 6, actor);
    store_bind_text(st, 7, at);
    store_bind_text(st, 8, empty(reason) ? NULL : reason);
    return step_done(st, err);
}

tj_status factor_sql_history(store_db *db, const char *id, factor_sql_event_fn fn, void *arg, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db,
                                        "SELECT seq, version, action, from_status, to_status, actor, at, reason "
                                        "FROM factor_event WHERE id = ? ORDER BY seq",
                                        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s;
    while ((s = store_step(st, err)) == 1) {
        rc = fn(arg, store_col_int64(st, 0), (int)store_col_int64(st, 1), store_col_text(st, 2),
                store_col_text(st, 3), store_col_text(st, 4), store_col_text(st, 5), store_col_text(st, 6),
                store_col_text(st, 7), err);
        if (rc != TJ_OK)
            break;
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

tj_status factor_sql_name_candidates(store_db *db, const char *norm, const char *const *regions, int n,
                                     factor_sql_cand_fn fn, void *arg, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db,
                                        "SELECT id, version, region, ref_year, source_date FROM factor_name "
                                        "WHERE name_norm = ? AND region IN (?, ?, ?, ?, ?, ?)",
                                        &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, norm);
    for (int i = 0; i < 6; i++)
        store_bind_text(st, 2 + i, regions[i < n ? i : n - 1]);
    int s;
    while ((s = store_step(st, err)) == 1) {
        rc = fn(arg, store_col_text(st, 0), (int)store_col_int64(st, 1), store_col_text(st, 2),
                (int)store_col_int64(st, 3), store_col_is_null(st, 4) ? NULL : store_col_text(st, 4), err);
        if (rc != TJ_OK)
            break;
    }
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

/* search_keys (PostgreSQL): a tsvector whose lexemes are the character
 * 4-grams and the non-ASCII bigrams (those with a character beyond ASCII:
 * CJK words are often 2-3 characters) of every white-space separated token
 * of search_text.
 * A search word (never containing white space) occurs in search_text only
 * inside one token, so every bigram and 4-gram of the word is a lexeme of
 * the row: the tsquery of some of them (exact lexemes, which GIN intersects
 * fast, unlike prefix queries) finds a superset of the rows LIKE '%word%'
 * matches, and LIKE decides.  One-character words and ASCII words shorter
 * than 4 get no key.  Very long texts get only the marker lexeme ' ' (no
 * token contains a space), which the search also accepts (a second @@
 * condition). */
#define FACTOR_SQL_KEYS_MAX_TEXT 4096

static int key_sep(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ','; }

/* Append the quoted lexeme s[0..n) to o (enough room: 2n + 2). */
static size_t key_quote(char *o, const char *s, size_t n)
{
    size_t k = 0;
    o[k++] = '\'';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            o[k++] = '\\';
        o[k++] = s[i];
    }
    o[k++] = '\'';
    return k;
}

/* The filter lexemes: "y 2018", "r 530000", "c metals" (a space: never in an
 * n-gram), for values up to FACTOR_SQL_KEY_FILTER_MAX bytes. */
#define FACTOR_SQL_KEY_FILTER_MAX 200
static size_t key_quote_prefixed(char *o, const char *prefix, const char *v)
{
    size_t k = 0;
    o[k++] = '\'';
    for (int part = 0; part < 2; part++)
        for (const char *c = part ? v : prefix; *c; c++) {
            if (*c == '\'' || *c == '\\')
                o[k++] = '\\';
            o[k++] = *c;
        }
    o[k++] = '\'';
    return k;
}

/* Byte offsets of the UTF-8 characters of s[0..n): starts[0..count], with
 * starts[count] = n.  Returns count, or (size_t)-1 when out of memory. */
static size_t utf8_starts(const char *s, size_t n, size_t **starts)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    *starts = malloc((c + 1) * sizeof **starts);
    if (!*starts)
        return (size_t)-1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            (*starts)[k++] = i;
    (*starts)[k] = n;
    return c;
}

typedef struct key_lex {
    const char *s;
    size_t n;
} key_lex;

/* PostgreSQL's lexeme order (tsCompareString): bytes, then the shorter first. */
static int key_lex_cmp(const void *pa, const void *pb)
{
    const key_lex *a = pa, *b = pb;
    int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

char *factor_sql_search_keys(const char *text, int ref_year, const char *region, const char *category)
{
    size_t n = strlen(text);
    if (n > FACTOR_SQL_KEYS_MAX_TEXT)
        return strdup("' '");
    /* The lexemes, sorted and without duplicates as tsvector stores them,
     * so that the server's tsvector input has nothing to sort (its sort
     * checks for sorted input first) and less to parse.  At most two
     * n-grams start at each character; then three filters. */
    char filters[3][FACTOR_SQL_KEY_FILTER_MAX + 16];
    size_t *st = NULL;
    size_t nc = utf8_starts(text, n, &st);
    key_lex *lx = nc == (size_t)-1 ? NULL : malloc((2 * nc + 3) * sizeof *lx);
    if (!lx) {
        free(st);
        return NULL;
    }
    size_t nl = 0, bytes = 0;
    for (size_t i = 0; i < nc;) {
        if (key_sep(text[st[i]])) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < nc && !key_sep(text[st[end]]))
            end++;
        static const size_t grams[] = {2, 4};
        for (size_t g = 0; g < 2; g++)
            for (size_t j = i; j + grams[g] <= end; j++) {
                size_t len = st[j + grams[g]] - st[j];
                if (grams[g] == 2 && len == 2)
                    continue; /* ASCII bigrams are not indexed */
                lx[nl++] = (key_lex){text + st[j], len};
                bytes += len;
            }
        i = end;
    }
    int nf = 0;
    if (ref_year > 0)
        snprintf(filters[nf++], sizeof filters[0], "y %d", ref_year);
    const char *fv[2][2] = {{"r ", region}, {"c ", category}};
    for (int i = 0; i < 2; i++)
        if (!empty(fv[i][1]) && strlen(fv[i][1]) <= FACTOR_SQL_KEY_FILTER_MAX)
            snprintf(filters[nf++], sizeof filters[0], "%s%s", fv[i][0], fv[i][1]);
    for (int i = 0; i < nf; i++) {
        lx[nl++] = (key_lex){filters[i], strlen(filters[i])};
        bytes += lx[nl - 1].n;
    }
    qsort(lx, nl, sizeof *lx, key_lex_cmp);
    /* doubled by escapes, quoted, and a space each */
    char *o = malloc(2 * bytes + 3 * nl + 1);
    if (!o) {
        free(lx);
        free(st);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < nl; i++) {
        if (i && !key_lex_cmp(&lx[i], &lx[i - 1]))
            continue;
        if (k)
            o[k++] = ' ';
        k += key_quote(o + k, lx[i].s, lx[i].n);
    }
    o[k] = 0;
    free(lx);
    free(st);
    return o;
}


/* ---- search ----------------------------------------------------------- */

/* Bytes of the UTF-8 character at s (1 for a stray byte; never past a NUL). */
static size_t utf8_len_at(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return i;
    return n;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

/* Parameters collected while building the WHERE clause. */
typedef struct qparams {
    char *text[64];
    int is_int[64];
    int64_t ival[64];
    int n;
} qparams;

static void qp_text(qparams *p, char *owned)
{
    if (p->n < 64) {
        p->is_int[p->n] = 0;
        p->text[p->n++] = owned;
    } else {
        free(owned);
    }
}
static void qp_int(qparams *p, int64_t v)
{
    if (p->n < 64) {
        p->is_int[p->n] = 1;
        p->text[p->n] = NULL;
        p->ival[p->n++] = v;
    }
}
static void qp_bind(const qparams *p, store_stmt *st, int first)
{
    for (int i = 0; i < p->n; i++) {
        if (p->is_int[i])
            store_bind_int64(st, first + i, p->ival[i]);
        else
            store_bind_text(st, first + i, p->text[i]);
    }
}

/* Prepare the statement built in sql (consumed: freed here) and bind the
 * query parameters p from 1, then limit and offset after them if
 * paged. */
static tj_status prepare_search(store_db *db, sbuf *sql, const qparams *p, int paged, int64_t limit,
                                int64_t offset, store_stmt **st, tj_error *err)
{
    tj_status rc;
    if (sql->oom)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else
        rc = store_prepare(db, sql->s, st, err);
    free(sql->s);
    sql->s = NULL;
    if (rc != TJ_OK)
        return rc;
    qp_bind(p, *st, 1);
    if (paged) {
        store_bind_int64(*st, p->n + 1, limit);
        store_bind_int64(*st, p->n + 2, offset);
    }
    return TJ_OK;
}
static void qp_release(qparams *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->text[i]);
    p->n = 0;
}

/* The tsquery lexemes for search word w (ASCII lower case, as search_text),
 * joined by " & ", appended to q (see factor_sql_search_keys): one or two of its
 * n-grams; nothing for one character.  Few lexemes: GIN's cost grows with
 * every posting list it intersects, and LIKE decides anyway.  Returns 0 when out of
 * memory. */
static int search_key_query_word(sbuf *q, const char *w)
{
    size_t n = strlen(w), *st = NULL;
    size_t nc = utf8_starts(w, n, &st);
    if (nc == (size_t)-1)
        return 0;
    int ascii = 1;
    for (const char *c = w; *c; c++)
        ascii &= (unsigned char)*c < 0x80;
    /* start (and end) of the word: bigrams for 2-3 characters (those with a
     * non-ASCII character: only they are indexed), 4-grams beyond; a long
     * word, or a CJK word (a run without spaces, whose end often tells models
     * and grades apart), also gets its last 4-gram */
    size_t g = nc >= 4 ? 4 : 2, at[2] = {0, nc >= g ? nc - g : 0};
    int cnt = nc < 2 ? 0 : nc < 4 ? (nc == 3 ? 2 : 1) : ((!ascii && nc > 4) || nc >= 8 ? 2 : 1);
    if (nc < 4 && ascii)
        cnt = 0;
    char *lex = malloc(2 * n + 3);
    if (!lex) {
        free(st);
        return 0;
    }
    for (int e = 0; e < cnt; e++) {
        size_t j = at[e];
        if (g == 2 && st[j + 2] - st[j] == 2)
            continue; /* an ASCII bigram (of a mixed word) */
        size_t m = key_quote(lex, w + st[j], st[j + g] - st[j]);
        for (size_t i = 1; i + 1 < m; i++)
            if (lex[i] >= 'A' && lex[i] <= 'Z')
                lex[i] = (char)(lex[i] - 'A' + 'a');
        lex[m] = 0;
        if (q->len)
            sb_add(q, " & ");
        sb_add(q, lex);
    }
    free(lex);
    free(st);
    return !q->oom;
}

/* LIKE pattern %term% with \ escapes, ASCII lower case (search_text is). */
static char *like_pattern(const char *t)
{
    size_t n = strlen(t);
    char *p = malloc(2 * n + 3);
    if (!p)
        return NULL;
    size_t o = 0;
    p[o++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '%' || t[i] == '_' || t[i] == '\\')
            p[o++] = '\\';
        p[o++] = (t[i] >= 'A' && t[i] <= 'Z') ? (char)(t[i] - 'A' + 'a') : t[i];
    }
    p[o++] = '%';
    p[o] = 0;
    return p;
}

/* Append the FTS5 phrase of a filter token (SQLite; see store_fts_token). */
static void fts_filter_phrase(sbuf *match, char kind, const char *value)
{
    char tok[STORE_FTS_TOKEN_SIZE];
    store_fts_token(kind, value, tok);
    if (match->len)
        sb_add(match, " AND ");
    sb_add(match, "\"");
    sb_add(match, tok);
    sb_add(match, "\"");
}

/* A filter (kind 'y', 'r' or 'c', and its value) in the index queries:
 * SQLite's FTS5 token phrase (sq_fts), PostgreSQL's search_keys lexeme for
 * values of up to FACTOR_SQL_KEY_FILTER_MAX bytes (as factor_sql_search_keys writes them). */
static void filter_key(sbuf *match, sbuf *lex, int sq_fts, int pg, char kind, const char *value)
{
    if (sq_fts)
        fts_filter_phrase(match, kind, value);
    if (pg && strlen(value) <= FACTOR_SQL_KEY_FILTER_MAX) {
        char l[2 * (FACTOR_SQL_KEY_FILTER_MAX + 2) + 3];
        const char prefix[3] = {kind, ' ', 0};
        l[key_quote_prefixed(l, prefix, value)] = 0;
        if (lex->len)
            sb_add(lex, " & ");
        sb_add(lex, l);
    }
}

/* Does q cover current versions only (the default)? */
static int search_current(const factor_sql_query *q)
{
    return !q->all_versions && (empty(q->status) || strcmp(q->status, "superseded"));
}

/* keys (PostgreSQL, may be NULL): receives the tsquery on search_keys that
 * every row matching the words and filters satisfies: the words' n-grams and
 * the filters' lexemes, or for a search of current versions without words
 * the filters' lexemes alone (NULL when there is neither).  noindex: write
 * the category, region and year filters so that the planner does not use
 * btree indexes for them (search_keys serves them). */
static tj_status build_where(store_db *db, const factor_sql_query *q, sbuf *w, qparams *p, int *fts,
                                char **keys, int noindex, tj_error *err)
{
    *fts = 0;
    if (keys)
        *keys = NULL;
    int pg = store_backend(db) == STORE_POSTGRES;
    /* SQLite: match, the FTS5 query (words as phrases, filters as their
     * tokens), over current versions only (the index holds no others).
     * PostgreSQL: the search_keys tsquery of the words (kq) and filters
     * (flt). */
    int sq_fts = !pg && search_current(q);
    sbuf match = {0}, kq = {0}, flt = {0};
    tj_status rc = TJ_OK;
    sb_add(w, " WHERE 1 = 1");
    if (!empty(q->text)) {
        char *words = strdup_or_null(q->text);
        if (!words) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        /* Words are separated by ASCII white space or commas, and by the
         * full-width comma and ideographic space (replaced by spaces first:
         * strtok works on bytes). */
        for (char *c = words; *c; c++) {
            if ((!strncmp(c, "，", 3) || !strncmp(c, "　", 3) || !strncmp(c, "、", 3))) {
                memset(c, ' ', 3);
                c += 2;
            } else if ((unsigned char)c[0] == 0xEE && ((unsigned char)c[1] & 0xF8) == 0x80 && c[2]) {
                /* U+E000..U+E1FF: the private-use characters of SQLite's
                 * filter tokens (store_fts_token) are not searchable text */
                memset(c, ' ', 3);
                c += 2;
            }
        }
        for (char *save = NULL, *t = strtok_r(words, " \t\r\n,", &save); t;
             t = strtok_r(NULL, " \t\r\n,", &save)) {
            if (p->n >= 32)
                break;
            if (sq_fts && utf8_chars(t) >= 3) {
                /* FTS5 trigram index without positions (detail=none,
                 * migration 27): the word's trigrams, each a quoted
                 * one-token phrase (" doubled), narrow the candidates;
                 * tj_fts_phrase decides whether they are consecutive in
                 * the text, as the phrase query of a positional index did
                 * (the same tokenizer, so the same case folding). */
                for (const char *c = t; *c;) {
                    const char *e = c;
                    int k = 0;
                    for (; *e && k < 3; k++)
                        e += utf8_len_at(e);
                    if (k < 3)
                        break;
                    if (match.len)
                        sb_add(&match, " AND ");
                    sb_add(&match, "\"");
                    for (const char *q = c; q < e; q++) {
                        char one[3] = {*q, 0, 0};
                        if (*q == '"')
                            one[1] = '"';
                        sb_add(&match, one);
                    }
                    sb_add(&match, "\"");
                    c += utf8_len_at(c);
                }
                if (utf8_chars(t) > 3) {
                    sb_add(w, " AND tj_fts_phrase(fv.search_text, ?)");
                    qp_text(p, strdup_or_null(t));
                }
            } else {
                sb_add(w, pg ? " AND fv.search_text LIKE ?" : " AND fv.search_text LIKE ? ESCAPE '\\'");
                qp_text(p, like_pattern(t));
                if (pg && keys && !search_key_query_word(&kq, t))
                    kq.oom = 1;
            }
        }
        free(words);
    }
    if (!empty(q->category)) {
        filter_key(&match, &flt, sq_fts, pg, 'c', q->category);
        sb_add(w, noindex ? " AND fv.category || '' = ?" : " AND fv.category = ?");
        qp_text(p, strdup_or_null(q->category));
    }
    if (!empty(q->region)) {
        char *code = strdup_or_null(q->region);
        if (!code) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        filter_key(&match, &flt, sq_fts, pg, 'r', code);
        sb_add(w, noindex ? " AND fv.region || '' = ?" : " AND fv.region = ?");
        qp_text(p, code);
    }
    if (q->year > 0) {
        char y[16];
        snprintf(y, sizeof y, "%d", q->year);
        filter_key(&match, &flt, sq_fts, pg, 'y', y);
        sb_add(w, noindex ? " AND fv.ref_year + 0 = ?" : " AND fv.ref_year = ?");
        qp_int(p, q->year);
    }
    if (!empty(q->status)) {
        sb_add(w, " AND fv.status = ?");
        qp_text(p, strdup_or_null(q->status));
    }
    if (q->visible_org) { /* drafts and versions in review: their owner's only */
        sb_add(w, " AND (fv.status IN ('published', 'superseded', 'withdrawn') OR fv.owner_org = ?)");
        qp_text(p, strdup_or_null(q->visible_org));
    }
    if (search_current(q)) /* literal: PostgreSQL's partial search_keys index needs it */
        sb_add(w, " AND fv.status <> 'superseded'");
    if (match.len) {
        /* the FROM clause joins factor_fts (see factor_sql_search) */
        sb_add(w, " AND factor_fts MATCH ?");
        qp_text(p, match.s);
        match = (sbuf){0};
        *fts = 1;
    }
    if (w->oom || match.oom || kq.oom || flt.oom) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (keys && kq.len) { /* the words' n-grams and the filters' lexemes */
        if (flt.len)
            sb_add(&kq, " & "), sb_add(&kq, flt.s);
        if (kq.oom) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        *keys = kq.s;
        kq = (sbuf){0};
    } else if (keys && flt.len && empty(q->text) && search_current(q)) { /* the filters' lexemes */
        *keys = flt.s;
        flt = (sbuf){0};
    }
out:
    free(match.s);
    free(kq.s);
    free(flt.s);
    return rc;
}

int factor_sql_force_index;

/* Rows the plan choice samples (see factor_sql_search). */
#define SEARCH_SAMPLE_ROWS 1000

/* A candidate row from the search_keys index costs about this many times a
 * row of a walk in rid order (EXPLAIN ANALYZE on a bench_factors database of
 * 1M versions, all in shared buffers: 8 us against 1.8 us). */
#define SEARCH_BITMAP_ROW_COST 4

/* The planner's row count of factor_version (PostgreSQL), for the sample
 * size; read once a minute per connection. */
static double table_rows(store_db *db)
{
    static _Thread_local uint64_t serial;
    static _Thread_local double rows;
    static _Thread_local time_t at;
    time_t now = time(NULL);
    if (serial == store_serial(db) && now - at < 60)
        return rows;
    store_stmt *st = NULL;
    rows = 0;
    if (store_prepare_cached(db, "SELECT reltuples FROM pg_class WHERE oid = 'factor_version'::regclass", &st,
                             NULL) == TJ_OK &&
        store_step(st, NULL) == 1)
        rows = store_col_double(st, 0);
    store_finalize(st);
    serial = store_serial(db);
    at = now;
    return rows;
}

/* Counting stops here: the total of a broad search is "at least". */
#define SEARCH_COUNT_CAP FACTOR_SQL_COUNT_CAP

tj_status factor_sql_search(store_db *db, const factor_sql_query *q, factor_sql_row_fn fn, void *arg,
                            int64_t *total, int *capped, tj_error *err)
{
    *total = 0;
    *capped = 0;
    int limit = q->limit;
    tj_status rc = TJ_OK;
    sbuf w = {0};
    qparams p = {0};
    store_stmt *st = NULL;
    int fts = 0;
    char *keys = NULL;
    rc = build_where(db, q, &w, &p, &fts, &keys, 0, err);
    if (rc != TJ_OK)
        goto out;
    /* Results come in the order the versions were added (rid), which FTS5
     * and the primary key deliver without sorting. */
    const char *from = fts ? " FROM factor_fts CROSS JOIN factor_version fv ON fv.rid = factor_fts.rowid"
                           : " FROM factor_version fv";
    const char *order = fts ? " ORDER BY factor_fts.rowid" : " ORDER BY fv.rid";
    int selective = 0;
    if (keys && search_current(q)) { /* PostgreSQL, with search_keys lexemes for the words or filters */
        /* PostgreSQL cannot estimate LIKE selectivity.  Two plans: walk the
         * current versions in rid order (factor_version_current) testing
         * every row (fast when matches are dense, very slow when they are
         * rare), or take the rows the search_keys index gives for the words
         * and the category/region/year filters, in one pass (see below).
         * Measure both densities on a block sample of about 1,000 rows
         * (0.1% of a million): walking costs about cap/d current rows, the
         * index d_indexed*N rows, each SEARCH_BITMAP_ROW_COST times
         * dearer (a random heap page each); take the cheaper.  History
         * searches (superseded versions) always walk the primary key. */
        factor_sql_query qi = *q; /* the conditions an index serves */
        qi.status = NULL;
        qi.visible_org = NULL;
        sbuf wi = {0};
        qparams pi = {0};
        int fts_i;
        rc = build_where(db, &qi, &wi, &pi, &fts_i, NULL, 0, err);
        double rows = rc == TJ_OK ? table_rows(db) : 0;
        double pct = rows > 0 ? 100.0 * SEARCH_SAMPLE_ROWS / rows : 0.5;
        if (pct < 0.1)
            pct = 0.1;
        if (pct > 100)
            pct = 100;
        char tail[128];
        snprintf(tail, sizeof tail, ") FROM factor_version fv TABLESAMPLE SYSTEM (%.4f) REPEATABLE (1)", pct);
        sbuf probe = {0};
        sb_add(&probe, "SELECT COUNT(*), COUNT(*) FILTER (WHERE fv.status <> 'superseded'), COUNT(*) FILTER (");
        sb_add(&probe, w.s + 1); /* "WHERE 1 = 1 AND ..." */
        sb_add(&probe, "), COUNT(*) FILTER (");
        sb_add(&probe, wi.s ? wi.s + 1 : "WHERE 1 = 1");
        sb_add(&probe, tail);
        if (rc == TJ_OK && (probe.oom || wi.oom))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (rc == TJ_OK)
            rc = store_prepare(db, probe.s, &st, err);
        free(probe.s);
        free(wi.s);
        if (rc != TJ_OK) {
            qp_release(&pi);
            goto out;
        }
        qp_bind(&p, st, 1);
        qp_bind(&pi, st, p.n + 1);
        int ps = store_step(st, err);
        qp_release(&pi);
        if (ps < 0) {
            rc = (tj_status)ps;
            goto out;
        }
        double sampled = (double)store_col_int64(st, 0), current = (double)store_col_int64(st, 1),
               hits = (double)store_col_int64(st, 2), ihits = (double)store_col_int64(st, 3);
        store_finalize(st);
        st = NULL;
        if (factor_sql_force_index)
            selective = 1;
        else if (sampled >= 200) {
            /* A walk is ruinous when matches are rarer than the sample
             * suggests (it reads every current row if there are none), an
             * index pass merely proportional to them: take the walk's
             * matches at a pessimistic count, two standard deviations
             * below the sampled one (Poisson), so that a few lucky sample
             * blocks do not send a rare search on a walk. */
            double n = sampled / (pct / 100);
            double low = hits - 2 * sqrt(hits);
            double walk = low > 0 ? SEARCH_COUNT_CAP * current / low : current / sampled * n;
            double bitmap = SEARCH_BITMAP_ROW_COST * ihits / sampled * n;
            selective = bitmap < walk;
        }
        if (selective) {
            /* The rows come from the search_keys index alone (words and
             * filters); LIKE and the filters still decide. */
            free(keys);
            keys = NULL;
            free(w.s);
            w = (sbuf){0};
            qp_release(&p);
            if ((rc = build_where(db, q, &w, &p, &fts, &keys, 1, err)) != TJ_OK)
                goto out;
            sb_add(&w, " AND (fv.search_keys @@ ?::tsquery OR fv.search_keys @@ $$' '$$::tsquery)");
            qp_text(&p, keys);
            keys = NULL;
            if (w.oom) {
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                goto out;
            }
        }
    }
    if (selective) {
        /* One pass over the matching rows: their rids, counted (up to the
         * cap) and sorted for the page, whose rows are then read by rid. */
        sbuf sql = {0};
        char mid[256];
        sb_add(&sql, "WITH m AS MATERIALIZED (SELECT fv.rid FROM factor_version fv");
        sb_add(&sql, w.s);
        snprintf(mid, sizeof mid,
                 "), c AS (SELECT COUNT(*) AS n FROM (SELECT 1 FROM m LIMIT %d) x), "
                 "page AS (SELECT m.rid FROM m ORDER BY m.rid LIMIT ? OFFSET ?) SELECT c.n, ",
                 SEARCH_COUNT_CAP + 1);
        sb_add(&sql, mid);
        sb_add(&sql, factor_sql_select_list());
        sb_add(&sql, " FROM c LEFT JOIN (page JOIN factor_version fv ON fv.rid = page.rid) ON true ORDER BY fv.rid");
        if ((rc = prepare_search(db, &sql, &p, 1, limit, q->offset, &st, err)) != TJ_OK)
            goto out;
        int s;
        while ((s = store_step(st, err)) == 1) {
            *total = store_col_int64(st, 0);
            if (store_col_is_null(st, 1))
                continue; /* no row on this page */
            tj_status fr = fn(arg, st, 1, err);
            if (fr != TJ_OK) {
                s = fr;
                break;
            }
        }
        if (s < 0)
            rc = (tj_status)s;
        if (*total > SEARCH_COUNT_CAP) {
            *total = SEARCH_COUNT_CAP;
            *capped = 1;
        }
        goto out;
    }
    sbuf sql = {0};
    char cap[64];
    snprintf(cap, sizeof cap, " LIMIT %d) x", SEARCH_COUNT_CAP + 1);
    /* in rid order too: a walk from the start of the current versions, not
     * a sequential scan from the start of the table, which after an update
     * may hold only superseded versions for a long way */
    sb_add(&sql, "SELECT COUNT(*) FROM (SELECT 1");
    sb_add(&sql, from);
    sb_add(&sql, w.s);
    sb_add(&sql, order);
    sb_add(&sql, cap);
    if ((rc = prepare_search(db, &sql, &p, 0, 0, 0, &st, err)) != TJ_OK)
        goto out;
    int s = store_step(st, err);
    if (s < 0) {
        rc = (tj_status)s;
        goto out;
    }
    *total = store_col_int64(st, 0);
    if (*total > SEARCH_COUNT_CAP) {
        *total = SEARCH_COUNT_CAP;
        *capped = 1;
    }
    store_finalize(st);
    st = NULL;

    sql = (sbuf){0};
    sb_add(&sql, "SELECT ");
    sb_add(&sql, factor_sql_select_list());
    sb_add(&sql, from);
    sb_add(&sql, w.s);
    sb_add(&sql, order);
    sb_add(&sql, " LIMIT ? OFFSET ?");
    if ((rc = prepare_search(db, &sql, &p, 1, limit, q->offset, &st, err)) != TJ_OK)
        goto out;
    while ((s = store_step(st, err)) == 1) {
        tj_status fr = fn(arg, st, 0, err);
        if (fr != TJ_OK) {
            s = fr;
            break;
        }
    }
    if (s < 0)
        rc = (tj_status)s;
out:
    store_finalize(st);
    free(w.s);
    free(keys);
    qp_release(&p);
    return rc;
}

/* ---- import -------------------------------------------------------------- */

tj_status factor_sql_any(store_db *db, int *any, tj_error *err)
{
    *any = 0;
    store_stmt *st;
    tj_status rc = store_prepare(db, "SELECT COUNT(*) FROM (SELECT 1 FROM factor_version LIMIT 1) x", &st, err);
    if (rc != TJ_OK)
        return rc;
    int s = store_step(st, err);
    if (s == 1)
        *any = store_col_int64(st, 0) > 0;
    store_finalize(st);
    return s < 0 ? (tj_status)s : TJ_OK;
}

/* The ids go into a temporary table (bulk), joined with factor_version:
 * one query whatever their number. */
tj_status factor_sql_known_versions(store_db *db, const char *const *ids, size_t n, factor_sql_known_fn fn,
                                    void *arg, tj_error *err)
{
    tj_status rc;
    if ((rc = store_exec(db, "CREATE TEMP TABLE IF NOT EXISTS tj_import_ids (id TEXT PRIMARY KEY)", err)) ||
        (rc = store_exec(db, "DELETE FROM tj_import_ids", err)))
        return rc;
    store_bulk *b;
    const char *icol[] = {"id"};
    if ((rc = store_bulk_begin(db, "tj_import_ids", icol, 1, &b, err)))
        return rc;
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        const char *v[] = {ids[i]};
        rc = store_bulk_row(b, v, err);
    }
    if (rc != TJ_OK) {
        store_bulk_abort(b);
        return rc;
    }
    if ((rc = store_bulk_end(b, err)))
        return rc;
    store_stmt *st;
    if ((rc = store_prepare(db,
                            "SELECT fv.id, fv.version, fv.status FROM tj_import_ids i JOIN factor_version fv "
                            "ON fv.id = i.id ORDER BY fv.id, fv.version",
                            &st, err)))
        return rc;
    int s;
    while ((s = store_step(st, err)) == 1)
        if ((rc = fn(arg, store_col_text(st, 0), (int)store_col_int64(st, 1), store_col_text(st, 2), err)))
            break;
    store_finalize(st);
    return s < 0 ? (tj_status)s : rc;
}

/* Set-based: the (id, old version, new version) triples go into a temporary
 * table and one UPDATE and one DELETE of their names do the rest.
 * (Statements per row cost PostgreSQL a round trip each, 87.8 s for 50,000,
 * and made SQLite's FTS5 flush a segment per row, 324 s;
 * bench/bench_reimport.sh.) */
tj_status factor_sql_supersede_many(store_db *db, const char *const *ids, const int *old_versions,
                                    const int *new_versions, size_t n, const char *now, int64_t *changed,
                                    tj_error *err)
{
    *changed = 0;
    tj_status rc;
    if ((rc = store_exec(db,
                         "CREATE TEMP TABLE IF NOT EXISTS tj_import_supersede (id TEXT PRIMARY KEY, "
                         "old_version INTEGER NOT NULL, new_version INTEGER NOT NULL)",
                         err)) ||
        (rc = store_exec(db, "DELETE FROM tj_import_supersede", err)))
        return rc;
    store_bulk *b;
    const char *scol[] = {"id", "old_version", "new_version"};
    if ((rc = store_bulk_begin(db, "tj_import_supersede", scol, 3, &b, err)))
        return rc;
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        char oldv[16], newv[16];
        snprintf(oldv, sizeof oldv, "%d", old_versions[i]);
        snprintf(newv, sizeof newv, "%d", new_versions[i]);
        const char *v[] = {ids[i], oldv, newv};
        rc = store_bulk_row(b, v, err);
    }
    if (rc != TJ_OK) {
        store_bulk_abort(b);
        return rc;
    }
    if ((rc = store_bulk_end(b, err)))
        return rc;
    store_stmt *st;
    if ((rc = store_prepare(db,
                            "UPDATE factor_version SET status = 'superseded', superseded_by = (SELECT "
                            "s.new_version FROM tj_import_supersede s WHERE s.id = factor_version.id), "
                            "updated_at = ? WHERE status = 'published' AND id IN (SELECT id FROM "
                            "tj_import_supersede)",
                            &st, err)))
        return rc;
    store_bind_text(st, 1, now);
    int s = store_step(st, err);
    *changed = store_changes(st);
    store_finalize(st);
    if (s < 0)
        return (tj_status)s;
    return store_exec(db,
                      "DELETE FROM factor_name WHERE (id, version) IN "
                      "(SELECT id, old_version FROM tj_import_supersede)",
                      err);
}

struct factor_sql_bulk {
    store_db *db;
    store_bulk *b; /* the table being written */
    int stage;     /* 0 versions, 1 names, 2 events */
    int64_t max_rid;
};

tj_status factor_sql_bulk_begin(store_db *db, factor_sql_bulk **out, tj_error *err)
{
    *out = NULL;
    factor_sql_bulk *b = calloc(1, sizeof *b);
    if (!b)
        return nomem(err);
    b->db = db;
    store_stmt *st;
    tj_status rc = store_prepare(db, "SELECT COALESCE(MAX(rid), 0) FROM factor_version", &st, err);
    if (rc == TJ_OK) {
        int s = store_step(st, err);
        b->max_rid = s == 1 ? store_col_int64(st, 0) : 0;
        store_finalize(st);
        if (s < 0)
            rc = (tj_status)s;
    }
    const char *cols[64];
    for (size_t i = 0; i < factor_sql_ncolumns; i++)
        cols[i] = factor_sql_columns[i];
    cols[factor_sql_ncolumns] = "search_text";
    cols[factor_sql_ncolumns + 1] = "search_keys"; /* PostgreSQL only */
    int pg = store_backend(db) == STORE_POSTGRES;
    if (rc == TJ_OK)
        rc = store_bulk_begin(db, "factor_version", cols, (int)factor_sql_ncolumns + 1 + pg, &b->b, err);
    if (rc != TJ_OK) {
        free(b);
        return rc;
    }
    *out = b;
    return TJ_OK;
}

tj_status factor_sql_bulk_version(factor_sql_bulk *b, const char *const *vals, const char *text, int ref_year,
                                  const char *region, const char *category, int current, tj_error *err)
{
    const char *row[64];
    for (size_t i = 0; i < factor_sql_ncolumns; i++)
        row[i] = vals[i];
    char *search, *keys;
    tj_status rc = factor_sql_index_values(b->db, text, ref_year, region, category, current, &search, &keys, err);
    if (rc != TJ_OK)
        return rc;
    row[factor_sql_ncolumns] = search;
    row[factor_sql_ncolumns + 1] = keys;
    rc = store_bulk_row(b->b, row, err);
    free(search);
    free(keys);
    return rc;
}

tj_status factor_sql_bulk_versions_done(factor_sql_bulk *b, int64_t superseded, tj_error *err)
{
    store_bulk *sb = b->b;
    b->b = NULL;
    tj_status rc = store_bulk_end(sb, err);
    if (rc != TJ_OK)
        return rc;
    if (store_backend(b->db) == STORE_SQLITE) {
        /* FTS5 buffers new postings in a hash of 'hashsize' bytes (default
         * 1 MB) and writes a segment, merging older ones, each time it
         * fills: some 8,000 trigrams' worth, so a large import spent a
         * third of the index's work merging.  64 MB (a setting kept in
         * factor_fts_config; small transactions flush at commit anyway)
         * cuts the index fill of a 20,000-line import from 2.0 to 1.4 G
         * instructions.  Postings and search results are the same. */
        if ((rc = store_exec(b->db, "INSERT INTO factor_fts (factor_fts, rank) VALUES ('hashsize', "
                                    TJ_STR(FACTOR_SQL_FTS_HASHSIZE) ")",
                             err)) != TJ_OK ||
            (rc = fts_sync(b->db, NULL, b->max_rid, err)) != TJ_OK)
            return rc;
        /* Superseding leaves FTS5 delete markers for every trigram of every
         * superseded row, which searches read until segments merge (25,000
         * superseded of 250,000 current: search p95 9 -> 18 ms).  After a
         * large update, merge the index now (about 4 s for 250,000 current
         * versions), inside the import's transaction. */
        if (superseded >= FACTOR_SQL_FTS_OPTIMIZE_AFTER &&
            (rc = store_exec(b->db, "INSERT INTO factor_fts (factor_fts) VALUES ('optimize')", err)) != TJ_OK)
            return rc;
    } else {
        /* Merge the GIN pending list now, while the data is hot, rather than
         * leaving searches to scan it (up to 4 MB) until some later insert or
         * vacuum does.  Only the index owner may. */
        if ((rc = store_exec(b->db,
                             "DO $$ BEGIN PERFORM gin_clean_pending_list('factor_version_keys'::regclass);\n"
                             "EXCEPTION WHEN insufficient_privilege THEN NULL; END $$",
                             err)) != TJ_OK)
            return rc;
    }
    const char *ncols[] = {"name_norm", "id", "version", "region", "ref_year", "source_date"};
    b->stage = 1;
    return store_bulk_begin(b->db, "factor_name", ncols, 6, &b->b, err);
}

tj_status factor_sql_bulk_name(factor_sql_bulk *b, const char *norm, const char *id, int version,
                               const char *region, int ref_year, const char *source_date, tj_error *err)
{
    char ver[16], year[16];
    snprintf(ver, sizeof ver, "%d", version);
    snprintf(year, sizeof year, "%d", ref_year);
    const char *vals[] = {norm, id, ver, region, ref_year ? year : NULL, source_date};
    return store_bulk_row(b->b, vals, err);
}

tj_status factor_sql_bulk_names_done(factor_sql_bulk *b, tj_error *err)
{
    store_bulk *sb = b->b;
    b->b = NULL;
    tj_status rc = store_bulk_end(sb, err);
    if (rc != TJ_OK)
        return rc;
    const char *ecols[] = {"id", "version", "action", "from_status", "to_status", "actor", "at", "reason"};
    b->stage = 2;
    return store_bulk_begin(b->db, "factor_event", ecols, 8, &b->b, err);
}

tj_status factor_sql_bulk_event(factor_sql_bulk *b, const char *id, int version, const char *action,
                                const char *from, const char *to, const char *actor, const char *at,
                                const char *reason, tj_error *err)
{
    char ver[16];
    snprintf(ver, sizeof ver, "%d", version);
    const char *vals[] = {id, ver, action, from, to, actor, at, reason};
    return store_bulk_row(b->b, vals, err);
}

tj_status factor_sql_bulk_end(factor_sql_bulk *b, tj_error *err)
{
    tj_status rc = b->b ? store_bulk_end(b->b, err) : TJ_OK;
    free(b);
    return rc;
}

void factor_sql_bulk_abort(factor_sql_bulk *b)
{
    if (!b)
        return;
    if (b->b)
        store_bulk_abort(b->b);
    free(b);
}


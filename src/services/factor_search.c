/*
 * svc_factor search: words in Chinese or English with filters and paging.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"


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
#define FX_KEYS_MAX_TEXT 4096

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
 * n-gram), for values up to FX_KEY_FILTER_MAX bytes. */
#define FX_KEY_FILTER_MAX 200
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

char *fx_search_keys(const char *text, const svc_factor *f)
{
    size_t n = strlen(text);
    if (n > FX_KEYS_MAX_TEXT)
        return fx_strdup("' '");
    /* The lexemes, sorted and without duplicates as tsvector stores them,
     * so that the server's tsvector input has nothing to sort (its sort
     * checks for sorted input first) and less to parse.  At most two
     * n-grams start at each character; then three filters. */
    char filters[3][FX_KEY_FILTER_MAX + 16];
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
    if (f->ref_year > 0)
        snprintf(filters[nf++], sizeof filters[0], "y %d", f->ref_year);
    const char *fv[2][2] = {{"r ", f->region}, {"c ", f->category}};
    for (int i = 0; i < 2; i++)
        if (!fx_empty(fv[i][1]) && strlen(fv[i][1]) <= FX_KEY_FILTER_MAX)
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


/* ---- search ---------------------------------------------------------- */

void svc_factor_list_release(svc_factor_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        svc_factor_release(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
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
 * joined by " & ", appended to q (see fx_search_keys): one or two of its
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
 * values of up to FX_KEY_FILTER_MAX bytes (as fx_search_keys writes them). */
static void filter_key(sbuf *match, sbuf *lex, int sq_fts, int pg, char kind, const char *value)
{
    if (sq_fts)
        fts_filter_phrase(match, kind, value);
    if (pg && strlen(value) <= FX_KEY_FILTER_MAX) {
        char l[2 * (FX_KEY_FILTER_MAX + 2) + 3];
        const char prefix[3] = {kind, ' ', 0};
        l[key_quote_prefixed(l, prefix, value)] = 0;
        if (lex->len)
            sb_add(lex, " & ");
        sb_add(lex, l);
    }
}

/* Does q cover current versions only (the default)? */
static int search_current(const svc_factor_query *q)
{
    return !q->all_versions && (fx_empty(q->status) || strcmp(q->status, "superseded"));
}

/* keys (PostgreSQL, may be NULL): receives the tsquery on search_keys that
 * every row matching the words and filters satisfies: the words' n-grams and
 * the filters' lexemes, or for a search of current versions without words
 * the filters' lexemes alone (NULL when there is neither).  noindex: write
 * the category, region and year filters so that the planner does not use
 * btree indexes for them (search_keys serves them). */
static tj_status fx_build_where(store_db *db, const svc_factor_query *q, sbuf *w, qparams *p, int *fts,
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
    if (!fx_empty(q->text)) {
        char *words = fx_strdup(q->text);
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
                /* FTS5 trigram: a quoted phrase, " doubled */
                if (match.len)
                    sb_add(&match, " AND ");
                sb_add(&match, "\"");
                for (char *c = t; *c; c++) {
                    char one[3] = {*c, 0, 0};
                    if (*c == '"')
                        one[1] = '"';
                    sb_add(&match, one);
                }
                sb_add(&match, "\"");
            } else {
                sb_add(w, pg ? " AND fv.search_text LIKE ?" : " AND fv.search_text LIKE ? ESCAPE '\\'");
                qp_text(p, like_pattern(t));
                if (pg && keys && !search_key_query_word(&kq, t))
                    kq.oom = 1;
            }
        }
        free(words);
    }
    if (!fx_empty(q->category)) {
        filter_key(&match, &flt, sq_fts, pg, 'c', q->category);
        sb_add(w, noindex ? " AND fv.category || '' = ?" : " AND fv.category = ?");
        qp_text(p, fx_strdup(q->category));
    }
    if (!fx_empty(q->region)) {
        char *code = svc_region_normalize(db, q->region, err);
        if (!code) {
            rc = err ? err->code : TJ_ERR_INPUT;
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
    if (!fx_empty(q->status)) {
        sb_add(w, " AND fv.status = ?");
        qp_text(p, fx_strdup(q->status));
    }
    if (search_current(q)) /* literal: PostgreSQL's partial search_keys index needs it */
        sb_add(w, " AND fv.status <> 'superseded'");
    if (match.len) {
        /* the FROM clause joins factor_fts (see svc_factor_search) */
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
    } else if (keys && flt.len && fx_empty(q->text) && search_current(q)) { /* the filters' lexemes */
        *keys = flt.s;
        flt = (sbuf){0};
    }
out:
    free(match.s);
    free(kq.s);
    free(flt.s);
    return rc;
}

int fx_search_force_index;

/* Rows the plan choice samples (see svc_factor_search). */
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
#define SEARCH_COUNT_CAP 200

tj_status svc_factor_search(store_db *db, const svc_factor_query *q, svc_factor_list *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    int limit = q->limit > 0 ? q->limit : 20;
    if (limit > 1000)
        limit = 1000;
    if (q->offset < 0)
        return tj_error_set(err, TJ_ERR_USAGE, "offset", "offset must not be negative");
    tj_status rc = TJ_OK;
    const char *texts[][2] = {
        {"text", q->text}, {"category", q->category}, {"region", q->region}, {"status", q->status}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] && rc == TJ_OK; i++)
        rc = fx_check_utf8(texts[i][0], texts[i][1], texts[i][1] ? strlen(texts[i][1]) : 0, err);
    if (rc != TJ_OK)
        return rc;
    sbuf w = {0};
    qparams p = {0};
    store_stmt *st = NULL;
    int fts = 0;
    char *keys = NULL;
    rc = fx_build_where(db, q, &w, &p, &fts, &keys, 0, err);
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
        svc_factor_query qi = *q; /* the conditions an index serves */
        qi.status = NULL;
        sbuf wi = {0};
        qparams pi = {0};
        int fts_i;
        rc = fx_build_where(db, &qi, &wi, &pi, &fts_i, NULL, 0, err);
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
        if (fx_search_force_index)
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
            if ((rc = fx_build_where(db, q, &w, &p, &fts, &keys, 1, err)) != TJ_OK)
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
        sb_add(&sql, fx_db_columns());
        sb_add(&sql, " FROM c LEFT JOIN (page JOIN factor_version fv ON fv.rid = page.rid) ON true ORDER BY fv.rid");
        if ((rc = prepare_search(db, &sql, &p, 1, limit, q->offset, &st, err)) != TJ_OK)
            goto out;
        int s;
        while ((s = store_step(st, err)) == 1) {
            out->total = store_col_int64(st, 0);
            if (store_col_is_null(st, 1))
                continue; /* no row on this page */
            svc_factor *n = realloc(out->items, (out->count + 1) * sizeof *n);
            if (!n) {
                s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            out->items = n;
            fx_read_row(st, 1, &out->items[out->count++]);
        }
        if (s < 0)
            rc = (tj_status)s;
        if (out->total > SEARCH_COUNT_CAP) {
            out->total = SEARCH_COUNT_CAP;
            out->total_capped = 1;
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
    out->total = store_col_int64(st, 0);
    if (out->total > SEARCH_COUNT_CAP) {
        out->total = SEARCH_COUNT_CAP;
        out->total_capped = 1;
    }
    store_finalize(st);
    st = NULL;

    sql = (sbuf){0};
    sb_add(&sql, "SELECT ");
    sb_add(&sql, fx_db_columns());
    sb_add(&sql, from);
    sb_add(&sql, w.s);
    sb_add(&sql, order);
    sb_add(&sql, " LIMIT ? OFFSET ?");
    if ((rc = prepare_search(db, &sql, &p, 1, limit, q->offset, &st, err)) != TJ_OK)
        goto out;
    while ((s = store_step(st, err)) == 1) {
        svc_factor *n = realloc(out->items, (out->count + 1) * sizeof *n);
        if (!n) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        out->items = n;
        fx_read_row(st, 0, &out->items[out->count++]);
    }
    if (s < 0)
        rc = (tj_status)s;
out:
    store_finalize(st);
    free(w.s);
    free(keys);
    qp_release(&p);
    if (rc != TJ_OK)
        svc_factor_list_release(out);
    return rc;
}


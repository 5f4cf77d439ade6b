/*
 * svc_factor import, export and cross-checks.  CSV is parsed with libcsv;
 * input may be UTF-8 (with or without BOM) or GB18030 (converted with iconv).
 * Every error names the file, line and column.
 */
#include "services/factors.h"
#include "tanji/text.h"
#include "services/factors_internal.h"
#include "io/table_write.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Supersessions in one import above which SQLite's FTS index is merged. */
#define FX_FTS_OPTIMIZE_AFTER 1000

/* ---- CSV ------------------------------------------------------------- */

typedef struct csv_row {
    long line;
    size_t n;
    char **f;
} csv_row;

typedef struct csv_rows {
    csv_row *rows;
    size_t count, cap;
    /* while parsing */
    csv_row cur;
    size_t curcap;
    long line;
    int oom;
} csv_rows;

static void csv_rows_release(csv_rows *r)
{
    for (size_t i = 0; i < r->count; i++) {
        for (size_t k = 0; k < r->rows[i].n; k++)
            free(r->rows[i].f[k]);
        free(r->rows[i].f);
    }
    for (size_t k = 0; k < r->cur.n; k++)
        free(r->cur.f[k]);
    free(r->cur.f);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static void cb_field(void *s, size_t len, void *data)
{
    csv_rows *r = data;
    if (r->oom)
        return;
    if (r->cur.n == 0)
        r->cur.line = r->line;
    if (r->cur.n == r->curcap) {
        size_t cap = r->curcap ? r->curcap * 2 : 16;
        char **nf = realloc(r->cur.f, cap * sizeof *nf);
        if (!nf) {
            r->oom = 1;
            return;
        }
        r->cur.f = nf;
        r->curcap = cap;
    }
    char *v = malloc(len + 1);
    if (!v) {
        r->oom = 1;
        return;
    }
    if (len)
        memcpy(v, s, len);
    v[len] = 0;
    r->cur.f[r->cur.n++] = v;
}

static void cb_row(int c, void *data)
{
    (void)c;
    csv_rows *r = data;
    if (r->oom)
        return;
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        csv_row *nr = realloc(r->rows, cap * sizeof *nr);
        if (!nr) {
            r->oom = 1;
            return;
        }
        r->rows = nr;
        r->cap = cap;
    }
    r->rows[r->count++] = r->cur;
    memset(&r->cur, 0, sizeof r->cur);
    r->curcap = 0;
}

static tj_status csv_read(const char *name, const char *text, size_t len, csv_rows *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    size_t pos = 0;
    out->line = 0;
    tj_status rc = TJ_OK;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        out->line++;
        if (csv_parse(&p, text + pos, n, cb_field, cb_row, out) != n) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, name, out->line, 0, "CSV: %s",
                                 csv_strerror(csv_error(&p)));
            break;
        }
        if (out->oom) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        pos += n;
    }
    if (rc == TJ_OK && csv_fini(&p, cb_field, cb_row, out) != 0)
        rc = tj_error_set_at(err, TJ_ERR_INPUT, name, out->line, 0, "CSV: %s", csv_strerror(csv_error(&p)));
    if (rc == TJ_OK && out->oom)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    csv_free(&p);
    if (rc != TJ_OK)
        csv_rows_release(out);
    return rc;
}

static int row_blank(const csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        for (const char *p = r->f[i]; *p; p++)
            if (*p != ' ' && *p != '\t' && *p != '\r')
                return 0;
    return 1;
}

/* ---- parsed input ---------------------------------------------------- */

typedef struct in_row {
    svc_factor f;
    long line;
    long col_of[64]; /* column (CSV) or line (JSON: see json_pos) per field index */
} in_row;

typedef struct in_rows {
    in_row *items;
    size_t count;
} in_rows;

static void in_rows_release(in_rows *r)
{
    for (size_t i = 0; i < r->count; i++)
        svc_factor_release(&r->items[i].f);
    free(r->items);
    memset(r, 0, sizeof *r);
}

/* Fields the database derives (region_level, superseded_by, the workflow
 * status and bookkeeping): accepted in input, so that exports re-import,
 * and ignored. */
static int fx_derived_field(const char *name)
{
    static const char *derived[] = {"region_level", "superseded_by", "status",
                                    "created_at",   "created_by",    "updated_at"};
    for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++)
        if (!strcmp(name, derived[i]))
            return 1;
    return 0;
}

static size_t field_index(const svc_field *fd)
{
    return (size_t)(fd - svc_factor_fields);
}

static tj_status parse_csv_factors(const char *name, const char *text, size_t len, in_rows *out,
                                   tj_error *err)
{
    csv_rows rows;
    tj_status rc = csv_read(name, text, len, &rows, err);
    if (rc != TJ_OK)
        return rc;
    memset(out, 0, sizeof *out);
    const svc_field **map = NULL;
    size_t hdr = 0;
    while (hdr < rows.count && row_blank(&rows.rows[hdr]))
        hdr++;
    if (hdr == rows.count) {
        rc = tj_error_set_at(err, TJ_ERR_INPUT, name, 1, 1, "empty file: expected a header row");
        goto out;
    }
    const csv_row *h = &rows.rows[hdr];
    map = calloc(h->n, sizeof *map);
    if (!map) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < h->n; i++) {
        char *col = fx_name_norm(h->f[i]);
        if (!col) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        map[i] = svc_factor_field_find(col);
        if (!map[i]) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, name, h->line, (long)i + 1, "unknown column \"%s\"",
                                 h->f[i]);
            free(col);
            goto out;
        }
        for (size_t k = 0; k < i; k++)
            if (map[k] == map[i]) {
                rc = tj_error_set_at(err, TJ_ERR_INPUT, name, h->line, (long)i + 1,
                                     "column \"%s\" appears twice", col);
                free(col);
                goto out;
            }
        free(col);
    }
    out->items = calloc(rows.count - hdr, sizeof *out->items);
    if (!out->items && rows.count > hdr + 1) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t r = hdr + 1; r < rows.count; r++) {
        const csv_row *row = &rows.rows[r];
        if (row_blank(row))
            continue;
        if (row->n != h->n) {
            rc =
                tj_error_set_at(err, TJ_ERR_INPUT, name, row->line, (long)(row->n < h->n ? row->n : h->n + 1),
                                "row has %zu fields, the header has %zu", row->n, h->n);
            goto out;
        }
        in_row *ir = &out->items[out->count++];
        svc_factor_init(&ir->f);
        ir->line = row->line;
        for (size_t i = 0; i < h->n; i++) {
            ir->col_of[field_index(map[i])] = (long)i + 1;
            if (fx_derived_field(map[i]->name))
                continue;
            if ((rc = svc_factor_set_field(&ir->f, map[i], row->f[i], err)) != TJ_OK) {
                char msg[sizeof err->message];
                snprintf(msg, sizeof msg, "%s", err->message);
                rc = tj_error_set_at(err, rc, name, row->line, (long)i + 1, "%s: %s", map[i]->name, msg);
                goto out;
            }
        }
    }
out:
    free(map);
    csv_rows_release(&rows);
    if (rc != TJ_OK)
        in_rows_release(out);
    return rc;
}

/* ---- JSON ------------------------------------------------------------ */

/* Position of element idx of the factor array (and of key within it, if
 * key != NULL) in the JSON text.  Best effort: 0/0 when not found. */
static void json_pos(const char *s, size_t idx, const char *key, long *line, long *col)
{
    *line = 0;
    *col = 0;
    size_t i = 0, n = strlen(s);
    int depth = 0, arr_depth = -1;
    size_t elem = 0;
    int want_key = 0;     /* inside target element at depth arr_depth+1 */
    int expect_value = 0; /* in the root object, after "factors": */
    /* Is the root an array? */
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    int root_array = i < n && s[i] == '[';
    int elem_start = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t start = i++;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            size_t slen = i - start - 1;
            if (elem_start) {
                elem_start = 0;
                if (elem == idx && !key) {
                    tj_text_line_col(s, start, line, col);
                    return;
                }
            }
            if (!root_array && depth == 1 && slen == 7 && !strncmp(s + start + 1, "factors", 7))
                expect_value = 1;
            if (want_key && key && depth == arr_depth + 1 && slen == strlen(key) &&
                !strncmp(s + start + 1, key, slen)) {
                size_t k = i + 1;
                while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r'))
                    k++;
                if (k < n && s[k] == ':') { /* a key, not a value */
                    k++;
                    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r'))
                        k++;
                    tj_text_line_col(s, k, line, col);
                    return;
                }
            }
            continue;
        }
        if (c == '[' || c == '{') {
            depth++;
            if (c == '[' && arr_depth < 0 && ((root_array && depth == 1) || (expect_value && depth == 2))) {
                arr_depth = depth;
                elem = 0;
                elem_start = 1;
                continue;
            }
            if (elem_start && depth == arr_depth + 1) {
                elem_start = 0;
                if (elem == idx) {
                    if (!key) {
                        tj_text_line_col(s, i, line, col);
                        return;
                    }
                    tj_text_line_col(s, i, line, col); /* fallback: the object */
                    want_key = 1;
                }
            }
        } else if (c == ']' || c == '}') {
            if (depth == arr_depth + 1 && want_key)
                return;
            depth--;
            if (arr_depth >= 0 && depth < arr_depth)
                return;
        } else if (c == ',' && arr_depth >= 0 && depth == arr_depth) {
            elem++;
            elem_start = 1;
        } else if (elem_start && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            elem_start = 0;
            if (elem == idx) {
                tj_text_line_col(s, i, line, col);
                return;
            }
        }
    }
}

/* JSON value -> text for svc_factor_set_field. */
static char *json_to_text(const char *field, json_t *v, int *bad)
{
    *bad = 0;
    if (json_is_null(v))
        return fx_strdup("");
    if (json_is_string(v))
        return fx_strdup(json_string_value(v));
    if (json_is_integer(v) || json_is_real(v)) {
        char buf[64];
        double d = json_number_value(v);
        if (json_is_integer(v))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        else
            snprintf(buf, sizeof buf, "%.17g", d);
        return fx_strdup(buf);
    }
    if (json_is_boolean(v))
        return fx_strdup(json_is_true(v) ? "yes" : "no");
    if (json_is_object(v))
        return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (json_is_array(v) && (!strcmp(field, "aliases") || !strcmp(field, "evidence"))) {
        const char *sep = !strcmp(field, "aliases") ? "|" : ";";
        size_t len = 1, i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e)) {
                *bad = 1;
                return NULL;
            }
            len += strlen(json_string_value(e)) + 1;
        }
        char *s = malloc(len);
        if (!s)
            return NULL;
        s[0] = 0;
        json_array_foreach(v, i, e)
        {
            if (i)
                strcat(s, sep);
            strcat(s, json_string_value(e));
        }
        return s;
    }
    *bad = 1;
    return NULL;
}

static tj_status parse_json_factors(const char *name, const char *text, size_t len, in_rows *out,
                                    tj_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return tj_error_set_at(err, TJ_ERR_INPUT, name, je.line, je.column, "JSON: %s", je.text);
    json_t *arr = json_is_array(root) ? root : json_object_get(root, "factors");
    tj_status rc = TJ_OK;
    if (!json_is_array(arr)) {
        rc = tj_error_set_at(err, TJ_ERR_INPUT, name, 1, 1,
                             "expected an array of factors or {\"factors\": [...]}");
        goto out;
    }
    size_t n = json_array_size(arr);
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        in_row *ir = &out->items[out->count++];
        svc_factor_init(&ir->f);
        ir->line = (long)i; /* element index; positions computed on error */
        long l, c;
        if (!json_is_object(o)) {
            json_pos(text, i, NULL, &l, &c);
            rc = tj_error_set_at(err, TJ_ERR_INPUT, name, l, c, "factors[%zu]: expected an object", i);
            goto out;
        }
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v)
        {
            const svc_field *fd = svc_factor_field_find(k);
            if (fd && fx_derived_field(k))
                continue;
            if (!fd) {
                json_pos(text, i, k, &l, &c);
                rc = tj_error_set_at(err, TJ_ERR_INPUT, name, l, c, "factors[%zu]: unknown field \"%s\"", i,
                                     k);
                goto out;
            }
            int bad;
            char *t = json_to_text(k, v, &bad);
            if (!t) {
                json_pos(text, i, k, &l, &c);
                if (bad)
                    rc = tj_error_set_at(err, TJ_ERR_INPUT, name, l, c, "factors[%zu].%s: wrong JSON type", i,
                                         k);
                else
                    rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                goto out;
            }
            ir->col_of[field_index(fd)] = 1; /* present: errors point at its value */
            rc = svc_factor_set_field(&ir->f, fd, t, err);
            free(t);
            if (rc != TJ_OK) {
                char msg[sizeof err->message];
                snprintf(msg, sizeof msg, "%s", err->message);
                json_pos(text, i, k, &l, &c);
                rc = tj_error_set_at(err, rc, name, l, c, "factors[%zu].%s: %s", i, k, msg);
                goto out;
            }
        }
    }
out:
    json_decref(root);
    if (rc != TJ_OK)
        in_rows_release(out);
    return rc;
}

/* ---- import ---------------------------------------------------------- */

/* Small open-addressing map id -> index of the last row with that id. */
typedef struct idmap {
    char **keys;
    size_t *vals;
    size_t cap;
} idmap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int idmap_init(idmap *m, size_t n)
{
    m->cap = 16;
    while (m->cap < n * 2 + 16)
        m->cap *= 2;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    return (m->keys && m->vals) ? 0 : -1;
}
static void idmap_free(idmap *m)
{
    free(m->keys);
    free(m->vals);
}
/* Returns the slot for key (keys are borrowed). */
static size_t idmap_slot(idmap *m, const char *key)
{
    size_t i = (size_t)hash_str(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key))
        i = (i + 1) & (m->cap - 1);
    return i;
}

typedef struct bulk_name_ctx {
    store_bulk *b;
    const svc_factor *f;
    char ver[16];
    char year[16];
} bulk_name_ctx;

static tj_status bulk_name(void *vctx, const char *norm, tj_error *err)
{
    bulk_name_ctx *c = vctx;
    const char *vals[] = {norm, c->f->id, c->ver, c->f->region, c->year[0] ? c->year : NULL, c->f->source_date};
    return store_bulk_row(c->b, vals, err);
}

static tj_status row_error(tj_error *err, const char *name, const in_row *ir, int json, const char *text)
{
    /* err holds a field-level error: add the position. */
    char msg[sizeof err->message];
    snprintf(msg, sizeof msg, "%s%s%s", err->path, err->path[0] ? ": " : "", err->message);
    long line = ir->line, col = 0;
    const svc_field *fd = err->path[0] ? svc_factor_field_find(err->path) : NULL;
    if (json) {
        json_pos(text, (size_t)ir->line, fd && ir->col_of[field_index(fd)] ? fd->name : NULL, &line, &col);
        if (!col)
            json_pos(text, (size_t)ir->line, NULL, &line, &col);
        char m2[sizeof err->message];
        snprintf(m2, sizeof m2, "factors[%ld].%s", ir->line, msg);
        return tj_error_set_at(err, err->code, name, line, col, "%s", m2);
    }
    if (fd)
        col = ir->col_of[field_index(fd)];
    return tj_error_set_at(err, err->code, name, line, col ? col : 1, "%s", msg);
}

tj_status svc_factor_import_mem(store_db *db, const char *name, const char *data, size_t len,
                                const char *format, const char *status, const char *actor,
                                svc_import_result *res, tj_error *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (!status)
        status = "draft";
    if (strcmp(status, "draft") && strcmp(status, "published"))
        return tj_error_set(err, TJ_ERR_USAGE, "status",
                            "imported versions are draft or published, not \"%s\"", status);
    if (fx_empty(actor))
        return tj_error_set(err, TJ_ERR_USAGE, "actor", "who is importing? (actor is required)");
    int json;
    if (format)
        json = !strcasecmp(format, "json");
    else {
        size_t n = strlen(name);
        json = n > 5 && !strcasecmp(name + n - 5, ".json");
    }
    if (format && !json && strcasecmp(format, "csv"))
        return tj_error_set(err, TJ_ERR_USAGE, "format", "unknown format \"%s\" (csv or json)", format);
    char *text = NULL;
    size_t tlen = 0;
    in_rows rows = {0};
    fx_regions regions = {0};
    idmap map = {0};
    int *latest = NULL;
    tj_status rc = tj_text_to_utf8(name, data, len, NULL, &text, &tlen, err);
    if (rc != TJ_OK)
        return rc;
    rc = json ? parse_json_factors(name, text, tlen, &rows, err)
              : parse_csv_factors(name, text, tlen, &rows, err);
    if (rc != TJ_OK)
        goto out;
    if ((rc = fx_regions_load(db, &regions, err)) != TJ_OK)
        goto out;
    int publish = !strcmp(status, "published");
    for (size_t i = 0; i < rows.count; i++) {
        svc_factor *f = &rows.items[i].f;
        rc = fx_validate(&regions, f, err);
        if (rc == TJ_OK && publish && fx_empty(f->source_doc))
            rc =
                tj_error_set(err, TJ_ERR_INPUT, "source_doc", "a published factor needs its source document");
        if (rc != TJ_OK) {
            rc = row_error(err, name, &rows.items[i], json, text);
            goto out;
        }
        if (!f->id && !(f->id = fx_new_id())) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
    }
    if (idmap_init(&map, rows.count) || !(latest = calloc(rows.count ? rows.count : 1, sizeof *latest))) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    char now[32];
    svc_now_rfc3339(now, sizeof now);
    if ((rc = store_begin(db, err)) != TJ_OK)
        goto out;
    /* Is the table empty?  Then no id exists yet (the fast path). */
    int64_t existing = 0;
    {
        store_stmt *st;
        if ((rc = store_prepare(db, "SELECT COUNT(*) FROM (SELECT 1 FROM factor_version LIMIT 1) x", &st,
                                err)))
            goto fail;
        int s = store_step(st, err);
        existing = s == 1 ? store_col_int64(st, 0) : 0;
        store_finalize(st);
        if (s < 0) {
            rc = (tj_status)s;
            goto fail;
        }
    }
    /* Existing versions of the ids in the file, in one query: the ids go
     * into a temporary table (bulk), joined with factor_version. */
    idmap known = {0};
    int *known_ver = NULL, *known_pub = NULL;
    char **known_status = NULL;
    size_t nknown = 0;
    if (existing) {
        if ((rc = store_exec(db, "CREATE TEMP TABLE IF NOT EXISTS tj_import_ids (id TEXT PRIMARY KEY)",
                             err)) ||
            (rc = store_exec(db, "DELETE FROM tj_import_ids", err)))
            goto fail;
        store_bulk *b;
        const char *icol[] = {"id"};
        if ((rc = store_bulk_begin(db, "tj_import_ids", icol, 1, &b, err)))
            goto fail;
        idmap seen;
        if (idmap_init(&seen, rows.count)) {
            store_bulk_abort(b);
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < rows.count && rc == TJ_OK; i++) {
            size_t slot = idmap_slot(&seen, rows.items[i].f.id);
            if (seen.keys[slot])
                continue;
            seen.keys[slot] = rows.items[i].f.id;
            const char *v[] = {rows.items[i].f.id};
            rc = store_bulk_row(b, v, err);
        }
        idmap_free(&seen);
        if (rc != TJ_OK) {
            store_bulk_abort(b);
            goto fail;
        }
        if ((rc = store_bulk_end(b, err)))
            goto fail;
        if (idmap_init(&known, rows.count) || !(known_ver = calloc(rows.count + 1, sizeof *known_ver)) ||
            !(known_pub = calloc(rows.count + 1, sizeof *known_pub)) ||
            !(known_status = calloc(rows.count + 1, sizeof *known_status))) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto fail_known;
        }
        store_stmt *st;
        if ((rc = store_prepare(
                 db,
                 "SELECT fv.id, fv.version, fv.status FROM tj_import_ids i JOIN factor_version fv "
                 "ON fv.id = i.id ORDER BY fv.id, fv.version",
                 &st, err)))
            goto fail_known;
        int s;
        while ((s = store_step(st, err)) == 1) {
            const char *kid = store_col_text(st, 0);
            size_t slot = idmap_slot(&known, kid);
            if (!known.keys[slot]) {
                if (nknown >= rows.count)
                    continue;
                known.keys[slot] = fx_strdup(kid);
                known.vals[slot] = nknown++;
                if (!known.keys[slot]) {
                    s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                    break;
                }
            }
            size_t k = known.vals[slot];
            known_ver[k] = (int)store_col_int64(st, 1); /* ordered: the last is the newest */
            free(known_status[k]);
            known_status[k] = fx_strdup(store_col_text(st, 2));
            if (known_status[k] && !strcmp(known_status[k], "published"))
                known_pub[k] = known_ver[k];
        }
        store_finalize(st);
        if (s < 0) {
            rc = (tj_status)s;
            goto fail_known;
        }
    }
    /* Assign versions; an id repeated in the file gets consecutive versions
     * (and when publishing, the last one is published, earlier superseded). */
    svc_import_result r = {0};
    for (size_t i = 0; i < rows.count; i++) {
        in_row *ir = &rows.items[i];
        svc_factor *f = &ir->f;
        size_t slot = idmap_slot(&map, f->id);
        int base;
        if (map.keys[slot]) {
            in_row *prev = &rows.items[map.vals[slot]];
            base = prev->f.version;
            if (publish) {
                free(prev->f.status);
                prev->f.status = fx_strdup("superseded");
                if (!prev->f.status) {
                    rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                    goto fail_known;
                }
            }
        } else {
            base = 0;
            if (existing) {
                size_t ks = idmap_slot(&known, f->id);
                if (known.keys[ks]) {
                    base = known_ver[known.vals[ks]];
                    const char *ls = known_status[known.vals[ks]];
                    if (ls && fx_status_in_workflow(ls)) {
                        tj_error_set(err, TJ_ERR_CONFLICT, "id", "%s@%d is still %s", f->id, base, ls);
                        rc = row_error(err, name, ir, json, text);
                        goto fail_known;
                    }
                }
                /* the version published in the database, to supersede */
                latest[i] = known.keys[ks] ? known_pub[known.vals[ks]] : 0;
            }
            map.keys[slot] = f->id;
        }
        if (f->version && f->version <= base) {
            tj_error_set(err, TJ_ERR_CONFLICT, "version", "%s@%d exists already", f->id, f->version);
            rc = row_error(err, name, ir, json, text);
            goto fail_known;
        }
        if (!f->version)
            f->version = base + 1;
        map.vals[slot] = i;
        free(f->status);
        f->status = fx_strdup(status);
        free(f->created_at);
        f->created_at = fx_strdup(now);
        free(f->updated_at);
        f->updated_at = fx_strdup(now);
        free(f->created_by);
        f->created_by = fx_strdup(actor);
        f->superseded_by = 0;
        if (!f->status || !f->created_at || !f->updated_at || !f->created_by) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto fail_known;
        }
    }
    if (existing) {
        for (size_t k = 0; k < known.cap; k++)
            free(known.keys[k]);
        for (size_t k = 0; k < nknown; k++)
            free(known_status[k]);
        idmap_free(&known);
        free(known_ver);
        free(known_pub);
        free(known_status);
    }
    if (0) {
    fail_known:
        for (size_t k = 0; k < known.cap; k++)
            free(known.keys[k]);
        for (size_t k = 0; k < nknown; k++)
            free(known_status[k]);
        idmap_free(&known);
        free(known_ver);
        free(known_pub);
        free(known_status);
        goto fail;
    }
    /* superseded_by inside the file */
    if (publish)
        for (size_t i = 0; i < rows.count; i++)
            if (!strcmp(rows.items[i].f.status, "superseded"))
                rows.items[i].f.superseded_by = rows.items[i].f.version + 1;
    /* Supersede the versions published before this import, set-based: the
     * (id, old version, new version) triples go into a temporary table and
     * one UPDATE, one DELETE of their names and the bulk events below do
     * the rest.  (Statements per row cost PostgreSQL a round trip each,
     * 87.8 s for 50,000, and made SQLite's FTS5 flush a segment per row,
     * 324 s; bench/bench_reimport.sh.) */
    size_t nsup = 0;
    if (publish && existing) {
        for (size_t i = 0; i < rows.count; i++)
            nsup += latest[i] > 0; /* set on the first row of an id published in the database */
    }
    if (nsup) {
        if ((rc = store_exec(db,
                             "CREATE TEMP TABLE IF NOT EXISTS tj_import_supersede (id TEXT PRIMARY KEY, "
                             "old_version INTEGER NOT NULL, new_version INTEGER NOT NULL)",
                             err)) ||
            (rc = store_exec(db, "DELETE FROM tj_import_supersede", err)))
            goto fail;
        store_bulk *b;
        const char *scol[] = {"id", "old_version", "new_version"};
        if ((rc = store_bulk_begin(db, "tj_import_supersede", scol, 3, &b, err)))
            goto fail;
        for (size_t i = 0; i < rows.count && rc == TJ_OK; i++) {
            if (latest[i] <= 0)
                continue;
            char oldv[16], newv[16];
            snprintf(oldv, sizeof oldv, "%d", latest[i]);
            snprintf(newv, sizeof newv, "%d", rows.items[i].f.version);
            const char *v[] = {rows.items[i].f.id, oldv, newv};
            rc = store_bulk_row(b, v, err);
        }
        if (rc != TJ_OK) {
            store_bulk_abort(b);
            goto fail;
        }
        if ((rc = store_bulk_end(b, err)))
            goto fail;
        store_stmt *st;
        if ((rc = store_prepare(db,
                                "UPDATE factor_version SET status = 'superseded', superseded_by = (SELECT "
                                "s.new_version FROM tj_import_supersede s WHERE s.id = factor_version.id), "
                                "updated_at = ? WHERE status = 'published' AND id IN (SELECT id FROM "
                                "tj_import_supersede)",
                                &st, err)))
            goto fail;
        store_bind_text(st, 1, now);
        int s = store_step(st, err);
        int64_t ch = store_changes(st);
        store_finalize(st);
        if (s < 0) {
            rc = (tj_status)s;
            goto fail;
        }
        if (ch != (int64_t)nsup) { /* another writer got in between */
            rc = tj_error_set(err, TJ_ERR_CONFLICT, NULL,
                              "%s: %lld of the %zu published versions to supersede changed meanwhile; import again",
                              name, (long long)((int64_t)nsup - ch), nsup);
            goto fail;
        }
        r.superseded = ch;
        if ((rc = store_exec(db,
                             "DELETE FROM factor_name WHERE (id, version) IN "
                             "(SELECT id, old_version FROM tj_import_supersede)",
                             err)))
            goto fail;
    }
    /* Bulk insert versions, names, events. */
    int64_t max_rid = 0;
    {
        store_stmt *st;
        if ((rc = store_prepare(db, "SELECT COALESCE(MAX(rid), 0) FROM factor_version", &st, err)))
            goto fail;
        int s = store_step(st, err);
        max_rid = s == 1 ? store_col_int64(st, 0) : 0;
        store_finalize(st);
        if (s < 0) {
            rc = (tj_status)s;
            goto fail;
        }
    }
    {
        const char *cols[64];
        for (size_t i = 0; i < fx_db_field_count; i++)
            cols[i] = svc_factor_fields[i].name;
        cols[fx_db_field_count] = "search_text";
        cols[fx_db_field_count + 1] = "search_keys"; /* PostgreSQL only */
        int pg = store_backend(db) == STORE_POSTGRES;
        store_bulk *b;
        if ((rc = store_bulk_begin(db, "factor_version", cols, (int)fx_db_field_count + 1 + pg, &b, err)))
            goto fail;
        char *vals[64];
        for (size_t i = 0; i < rows.count && rc == TJ_OK; i++) {
            svc_factor *f = &rows.items[i].f;
            int oom = 0;
            for (size_t k = 0; k < fx_db_field_count; k++) {
                vals[k] = svc_factor_get_field(f, &svc_factor_fields[k]);
                oom |= !vals[k];
                if (vals[k] && !*vals[k]) {
                    free(vals[k]);
                    vals[k] = NULL;
                }
            }
            char *text = vals[fx_db_field_count] = fx_search_text(&regions, f, !pg);
            oom |= !text;
            /* search_keys serve the index of current versions only: a version
             * stored as superseded (it never becomes current again) gets none */
            vals[fx_db_field_count + 1] = NULL;
            if (pg && text) {
                int current = strcmp(f->status, "superseded") != 0;
                vals[fx_db_field_count + 1] = current ? fx_search_keys(text, f) : fx_strdup("");
                oom |= !vals[fx_db_field_count + 1];
            }
            if (oom)
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            else if ((rc = store_bulk_row(b, (const char *const *)vals, err)) != TJ_OK)
                rc = row_error(err, name, &rows.items[i], json, text);
            for (size_t k = 0; k <= fx_db_field_count + 1; k++)
                free(vals[k]);
        }
        if (rc != TJ_OK) {
            store_bulk_abort(b);
            goto fail;
        }
        if ((rc = store_bulk_end(b, err)) != TJ_OK)
            goto fail;

        if (store_backend(db) == STORE_SQLITE && (rc = fx_fts_sync(db, NULL, max_rid, err)) != TJ_OK)
            goto fail;
        /* SQLite: superseding leaves FTS5 delete markers for every trigram
         * of every superseded row, which searches read until segments
         * merge (25,000 superseded of 250,000 current: search p95 9 ->
         * 18 ms).  After a large update, merge the index now (about 4 s
         * for 250,000 current versions), inside the import's transaction. */
        if (store_backend(db) == STORE_SQLITE && nsup >= FX_FTS_OPTIMIZE_AFTER &&
            (rc = store_exec(db, "INSERT INTO factor_fts (factor_fts) VALUES ('optimize')", err)) != TJ_OK)
            goto fail;
        /* PostgreSQL: merge the GIN pending list now, while the data is hot,
         * rather than leaving searches to scan it (up to 4 MB) until some
         * later insert or vacuum does.  Only the index owner may. */
        if (pg && (rc = store_exec(db,
                                   "DO $$ BEGIN PERFORM gin_clean_pending_list('factor_version_keys'::regclass);\n"
                                   "EXCEPTION WHEN insufficient_privilege THEN NULL; END $$",
                                   err)) != TJ_OK)
            goto fail;
        const char *ncols[] = {"name_norm", "id", "version", "region", "ref_year", "source_date"};
        if ((rc = store_bulk_begin(db, "factor_name", ncols, 6, &b, err)))
            goto fail;
        for (size_t i = 0; i < rows.count && rc == TJ_OK; i++) {
            if (strcmp(rows.items[i].f.status, "published"))
                continue; /* names of published versions only (see fx_insert_names) */
            bulk_name_ctx c = {b, &rows.items[i].f, {0}, {0}};
            snprintf(c.ver, sizeof c.ver, "%d", rows.items[i].f.version);
            if (rows.items[i].f.ref_year)
                snprintf(c.year, sizeof c.year, "%d", rows.items[i].f.ref_year);
            rc = fx_for_each_name(&rows.items[i].f, bulk_name, &c, err);
        }
        if (rc != TJ_OK) {
            store_bulk_abort(b);
            goto fail;
        }
        if ((rc = store_bulk_end(b, err)) != TJ_OK)
            goto fail;

        const char *ecols[] = {"id",        "version", "action", "from_status",
                               "to_status", "actor",   "at",     "reason"};
        if ((rc = store_bulk_begin(db, "factor_event", ecols, 8, &b, err)))
            goto fail;
        for (size_t i = 0; nsup && i < rows.count && rc == TJ_OK; i++) {
            if (latest[i] <= 0)
                continue;
            char oldv[16], why[96];
            snprintf(oldv, sizeof oldv, "%d", latest[i]);
            snprintf(why, sizeof why, "superseded by version %d (import)", rows.items[i].f.version);
            const char *sv[] = {rows.items[i].f.id, oldv, "supersede", "published", "superseded", actor, now, why};
            rc = store_bulk_row(b, sv, err);
        }
        for (size_t i = 0; i < rows.count && rc == TJ_OK; i++) {
            svc_factor *f = &rows.items[i].f;
            char ver[16];
            snprintf(ver, sizeof ver, "%d", f->version);
            /* A version that a later row of the same import supersedes is
             * stored as superseded: one event says so. */
            char *why = NULL;
            if (!strcmp(f->status, "superseded") &&
                asprintf(&why, "%s; superseded by version %d in the same import", name, f->superseded_by) < 0) {
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            const char *ev[] = {f->id, ver, "import", NULL, f->status, actor, now, why ? why : name};
            rc = store_bulk_row(b, ev, err);
            free(why);
        }
        if (rc != TJ_OK) {
            store_bulk_abort(b);
            goto fail;
        }
        if ((rc = store_bulk_end(b, err)) != TJ_OK)
            goto fail;
    }
    for (size_t i = 0; i < rows.count; i++)
        if (!fx_empty(rows.items[i].f.evidence) &&
            (rc = fx_insert_evidence(db, &rows.items[i].f, err)) != TJ_OK) {
            rc = row_error(err, name, &rows.items[i], json, text);
            goto fail;
        }
    if ((rc = store_commit(db, err)) != TJ_OK)
        goto out;
    r.rows = (int64_t)rows.count;
    if (res)
        *res = r;
    goto out;
fail:
    store_rollback(db);
out:
    free(latest);
    idmap_free(&map);
    fx_regions_release(&regions);
    in_rows_release(&rows);
    free(text);
    return rc;
}

static tj_status read_file(const char *path, char **data, size_t *len, tj_error *err)
{
    *data = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return tj_error_set(err, TJ_ERR_IO, path, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    tj_status rc = TJ_OK;
    while (buf) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                rc = tj_error_set(err, TJ_ERR_INPUT, path, "file too large");
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (r == 0)
            break;
    }
    if (!buf && rc == TJ_OK)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (rc == TJ_OK && ferror(fp))
        rc = tj_error_set(err, TJ_ERR_IO, path, "cannot read %s", path);
    fclose(fp);
    if (rc != TJ_OK) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return TJ_OK;
}

tj_status svc_factor_import(store_db *db, const char *path, const char *format, const char *status,
                            const char *actor, svc_import_result *res, tj_error *err)
{
    char *data;
    size_t len;
    tj_status rc = read_file(path, &data, &len, err);
    if (rc != TJ_OK)
        return rc;
    rc = svc_factor_import_mem(db, path, data, len, format, status, actor, res, err);
    free(data);
    return rc;
}

/* ---- export ---------------------------------------------------------- */

json_t *svc_factor_to_json(const svc_factor *f)
{
    return fx_factor_json(f);
}

json_t *fx_factor_json(const svc_factor *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < svc_factor_field_count; i++) {
        const svc_field *fd = &svc_factor_fields[i];
        const void *p = (const char *)f + fd->offset;
        json_t *v = NULL;
        switch (fd->type) {
        case SVC_FT_TEXT: {
            const char *s = *(char *const *)p;
            if (fx_empty(s))
                break;
            if (!strcmp(fd->name, "aliases") || !strcmp(fd->name, "evidence")) {
                v = json_array();
                char *copy = fx_strdup(s);
                for (char *save = NULL,
                          *t = copy ? strtok_r(copy, fd->name[0] == 'a' ? "|" : ";", &save) : NULL;
                     t; t = strtok_r(NULL, fd->name[0] == 'a' ? "|" : ";", &save))
                    json_array_append_new(v, json_string(t));
                free(copy);
            } else {
                v = json_string(s);
            }
            break;
        }
        case SVC_FT_JSON: {
            const char *s = *(char *const *)p;
            if (!fx_empty(s))
                v = json_loads(s, 0, NULL);
            break;
        }
        case SVC_FT_INT: {
            int x = *(const int *)p;
            if (!strcmp(fd->name, "traceable"))
                v = json_boolean(x);
            else if (x)
                v = json_integer(x);
            break;
        }
        case SVC_FT_DOUBLE: {
            double x = *(const double *)p;
            if (!isnan(x))
                v = json_real(x);
            break;
        }
        }
        if (v)
            json_object_set_new(o, fd->name, v);
    }
    return o;
}

tj_status svc_factor_export(store_db *db, const svc_factor_query *q, const char *format, FILE *out,
                            int64_t *rows, tj_error *err)
{
    int json = format && !strcasecmp(format, "json");
    if (format && !json && strcasecmp(format, "csv"))
        return tj_error_set(err, TJ_ERR_USAGE, "format", "unknown format \"%s\" (csv or json; xlsx: "
                            "svc_factor_export_table)", format);
    if (!json) {
        /* CSV through the table writer (checked writes, formula-leading
         * text neutralised) */
        io_table *t;
        tj_status rc = io_table_open_stream(out, NULL, &t, err);
        if (rc == TJ_OK)
            rc = svc_factor_export_table(db, q, t, rows, err);
        if (rc == TJ_OK)
            return io_table_close(t, err);
        io_table_abort(t);
        return rc;
    }
    svc_factor_query page = *q;
    page.limit = 1000;
    page.offset = 0;
    int64_t n = 0;
    fputs("{\"factors\": [", out);
    for (;;) {
        svc_factor_list l;
        tj_status rc = svc_factor_search(db, &page, &l, err);
        if (rc != TJ_OK)
            return rc;
        for (size_t i = 0; i < l.count; i++) {
            svc_factor *f = &l.items[i];
            if ((rc = fx_load_evidence(db, f, err)) != TJ_OK) {
                svc_factor_list_release(&l);
                return rc;
            }
            json_t *o = fx_factor_json(f);
            char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            json_decref(o);
            if (!s) {
                svc_factor_list_release(&l);
                return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            }
            fprintf(out, "%s\n  %s", n ? "," : "", s);
            free(s);
            n++;
        }
        size_t got = l.count;
        svc_factor_list_release(&l);
        if (got < (size_t)page.limit)
            break;
        page.offset += page.limit;
    }
    fputs("\n]}\n", out);
    if (rows)
        *rows = n;
    if (ferror(out))
        return tj_error_set(err, TJ_ERR_IO, NULL, "write error");
    return TJ_OK;
}

tj_status svc_factor_export_table(store_db *db, const svc_factor_query *q, io_table *t, int64_t *rows,
                                  tj_error *err)
{
    for (size_t i = 0; i < svc_factor_field_count; i++) {
        const char *name = svc_factor_fields[i].name;
        if (strcmp(name, "region_level") && strcmp(name, "superseded_by"))
            io_table_text(t, name);
    }
    io_table_end_row(t);
    svc_factor_query page = *q;
    page.limit = 1000;
    page.offset = 0;
    int64_t n = 0;
    for (;;) {
        svc_factor_list l;
        tj_status rc = svc_factor_search(db, &page, &l, err);
        if (rc != TJ_OK)
            return rc;
        for (size_t i = 0; i < l.count; i++) {
            svc_factor *f = &l.items[i];
            if ((rc = fx_load_evidence(db, f, err)) != TJ_OK) {
                svc_factor_list_release(&l);
                return rc;
            }
            for (size_t k = 0; k < svc_factor_field_count; k++) {
                const svc_field *fd = &svc_factor_fields[k];
                if (!strcmp(fd->name, "region_level") || !strcmp(fd->name, "superseded_by"))
                    continue;
                char *v = svc_factor_get_field(f, fd);
                if (fd->type == SVC_FT_DOUBLE || fd->type == SVC_FT_INT)
                    io_table_number_text(t, v);
                else
                    io_table_text(t, v);
                free(v);
            }
            io_table_end_row(t);
            n++;
        }
        size_t got = l.count;
        svc_factor_list_release(&l);
        if (got < (size_t)page.limit)
            break;
        page.offset += page.limit;
    }
    if (rows)
        *rows = n;
    return TJ_OK; /* write errors: io_table_close() */
}

/* ---- cross-checks ---------------------------------------------------- */

void svc_crosscheck_report_release(svc_crosscheck_report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->rows[i].label);
        free(r->rows[i].factor_ref);
        free(r->rows[i].note);
    }
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static int parse_num(const char *s, double *out)
{
    if (fx_empty(s))
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 1;
}

tj_status svc_factor_crosscheck(store_db *db, const char *path, double tolerance, svc_crosscheck_report *out,
                                tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(tolerance >= 0))
        return tj_error_set(err, TJ_ERR_USAGE, "tolerance", "tolerance must be a number >= 0");
    char *data = NULL, *text = NULL;
    size_t len, tlen;
    csv_rows rows = {0};
    tj_status rc = read_file(path, &data, &len, err);
    if (rc != TJ_OK)
        return rc;
    if ((rc = tj_text_to_utf8(path, data, len, NULL, &text, &tlen, err)) != TJ_OK)
        goto out;
    if ((rc = csv_read(path, text, tlen, &rows, err)) != TJ_OK)
        goto out;
    enum { C_FACTOR, C_QUERY, C_REGION, C_YEAR, C_REF, C_EMIS, C_OUTPUT, C_TOL, C_LABEL, C_N };
    static const char *names[C_N] = {"factor",       "query",  "region",    "year", "reference_value",
                                     "emissions_kg", "output", "tolerance", "label"};
    int col[C_N];
    for (int i = 0; i < C_N; i++)
        col[i] = -1;
    if (rows.count == 0) {
        rc = tj_error_set_at(err, TJ_ERR_INPUT, path, 1, 1, "empty file: expected a header row");
        goto out;
    }
    const csv_row *h = &rows.rows[0];
    for (size_t i = 0; i < h->n; i++) {
        int k = 0;
        while (k < C_N && strcmp(names[k], h->f[i]))
            k++;
        if (k == C_N) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, path, h->line, (long)i + 1,
                                 "unknown column \"%s\" (factor, query, region, year, reference_value, "
                                 "emissions_kg, output, tolerance, label)",
                                 h->f[i]);
            goto out;
        }
        col[k] = (int)i;
    }
    if (col[C_FACTOR] < 0 && col[C_QUERY] < 0) {
        rc = tj_error_set_at(err, TJ_ERR_INPUT, path, h->line, 1, "need a factor or a query column");
        goto out;
    }
    if (col[C_REF] < 0 && (col[C_EMIS] < 0 || col[C_OUTPUT] < 0)) {
        rc = tj_error_set_at(err, TJ_ERR_INPUT, path, h->line, 1,
                             "need a reference_value column, or emissions_kg and output");
        goto out;
    }
    out->rows = calloc(rows.count, sizeof *out->rows);
    if (!out->rows) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t r = 1; r < rows.count; r++) {
        const csv_row *row = &rows.rows[r];
        if (row_blank(row))
            continue;
        if (row->n != h->n) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, path, row->line, 1,
                                 "row has %zu fields, the header has %zu", row->n, h->n);
            goto out;
        }
#define CELL(k) (col[k] >= 0 ? row->f[col[k]] : "")
        svc_crosscheck_row *cr = &out->rows[out->count++];
        cr->line = row->line;
        cr->label = fx_strdup(CELL(C_LABEL));
        cr->tolerance = tolerance;
        double ref = NAN, emis = 0, outp = 0, tol;
        int p;
        if ((p = parse_num(CELL(C_TOL), &tol)) < 0 || (p > 0 && tol < 0)) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, path, row->line, col[C_TOL] + 1,
                                 "tolerance: not a number >= 0");
            goto out;
        } else if (p > 0) {
            cr->tolerance = tol;
        }
        if ((p = parse_num(CELL(C_REF), &ref)) < 0) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, path, row->line, col[C_REF] + 1,
                                 "reference_value: not a number");
            goto out;
        }
        if (p == 0) {
            int pe = parse_num(CELL(C_EMIS), &emis), po = parse_num(CELL(C_OUTPUT), &outp);
            if (pe < 0 || po < 0 || (po > 0 && outp <= 0)) {
                rc = tj_error_set_at(err, TJ_ERR_INPUT, path, row->line, col[pe < 0 ? C_EMIS : C_OUTPUT] + 1,
                                     "%s: not a %snumber", pe < 0 ? "emissions_kg" : "output",
                                     pe < 0 ? "" : "positive ");
                goto out;
            }
            if (pe > 0 && po > 0)
                ref = emis / outp;
        }
        long year = 0;
        if (!fx_empty(CELL(C_YEAR))) {
            char *end;
            year = strtol(CELL(C_YEAR), &end, 10);
            if (*end || year < 1900 || year > 2200) {
                rc = tj_error_set_at(err, TJ_ERR_INPUT, path, row->line, col[C_YEAR] + 1, "year: not a year");
                goto out;
            }
        }
        svc_factor f;
        svc_factor_init(&f);
        tj_error ferr;
        tj_status fr;
        if (!fx_empty(CELL(C_FACTOR))) {
            char *id;
            int version;
            fr = svc_factor_parse_ref(CELL(C_FACTOR), &id, &version, &ferr);
            if (fr == TJ_OK) {
                fr = svc_factor_get(db, id, version, &f, &ferr);
                free(id);
            }
        } else {
            svc_factor_resolution res;
            fr = svc_factor_resolve(db, CELL(C_QUERY), fx_empty(CELL(C_REGION)) ? NULL : CELL(C_REGION),
                                    (int)year, &res, &ferr);
            if (fr == TJ_OK) {
                f = res.factor;
                svc_factor_init(&res.factor);
                svc_factor_resolution_release(&res);
            }
        }
        if (fr == TJ_OK) {
            char ref_s[256];
            snprintf(ref_s, sizeof ref_s, "%s@%d", f.id, f.version);
            cr->factor_ref = fx_strdup(ref_s);
            cr->factor_value = f.value;
        }
        svc_factor_release(&f);
        if (fr != TJ_OK) {
            cr->note = fx_strdup(ferr.message);
            out->unchecked++;
            continue;
        }
        if (isnan(ref) || ref == 0) {
            cr->note = fx_strdup(isnan(ref) ? "no reference value" : "reference value is zero");
            out->unchecked++;
            continue;
        }
        cr->reference_value = ref;
        cr->deviation = cr->factor_value / ref - 1.0;
        cr->flagged = fabs(cr->deviation) > cr->tolerance;
        if (cr->flagged)
            out->flagged++;
#undef CELL
    }
out:
    csv_rows_release(&rows);
    free(text);
    free(data);
    if (rc != TJ_OK)
        svc_crosscheck_report_release(out);
    return rc;
}

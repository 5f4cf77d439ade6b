/*
 * svc_factor import: CSV (UTF-8 with or without BOM, or GB18030) or JSON;
 * every error names the file, line and column.  Steps: parse, validate,
 * match (versions against the database), write.
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
#include <pthread.h>
#include <stdatomic.h>

#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/parse.h"
#include "tanji/text.h"
#include "services/workflow.h"
#include "store/factor_sql.h"
#include <csv.h>


/* ---- parsed input ---------------------------------------------------- */

typedef struct in_row {
    svc_factor f;
    long line;
    uint64_t present; /* JSON: the fields given (errors point at their value) */
} in_row;

typedef struct in_rows {
    in_row *items;
    size_t count, cap;
    long col_of[64]; /* CSV: the column of each field (svc_factor_fields index), 0 if none */
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
                                    "created_at",   "created_by",    "updated_at", "owner_org"};
    for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++)
        if (!strcmp(name, derived[i]))
            return 1;
    return 0;
}

static size_t field_index(const svc_field *fd)
{
    return (size_t)(fd - svc_factor_fields);
}

/* CSV, row by row (fx_csv_each): the header, then the factors.  A large
 * file is read in two parts, the second on another thread (see
 * csv_split). */
typedef struct csv_part csv_part;
typedef struct csv_in {
    const char *name;
    in_rows *out;
    const svc_field **map; /* per column; NULL until the header was read */
    int *derived;          /* per column: a field the database derives */
    size_t ncols;
    csv_part *second;   /* the second part, started once the header is known */
    atomic_int *stop;   /* the second part's: set when the first failed */
} csv_in;

/* The second part of a file: text[0, len) after lines_before lines. */
struct csv_part {
    const char *text;
    size_t len;
    long lines_before;
    csv_in in; /* its own rows; map, derived, ncols borrowed from the first */
    in_rows rows;
    tj_status rc;
    tj_error err;
    atomic_int stop;
    pthread_t thread;
    int started;
};

static tj_status csv_factor_row(void *arg, const csv_row *row, tj_error *err);

static void *csv_part_run(void *arg)
{
    csv_part *p = arg;
    p->rc = fx_csv_each_from(p->in.name, p->text, p->len, p->lines_before, csv_factor_row, &p->in, &p->err);
    return NULL;
}

static tj_status csv_header(csv_in *c, const csv_row *h, tj_error *err)
{
    if (!(c->map = calloc(h->n ? h->n : 1, sizeof *c->map)) ||
        !(c->derived = calloc(h->n ? h->n : 1, sizeof *c->derived)))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    c->ncols = h->n;
    for (size_t i = 0; i < h->n; i++) {
        char *col = fx_name_norm(h->f[i]);
        if (!col)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        tj_status rc = TJ_OK;
        if (!(c->map[i] = svc_factor_field_find(col)))
            rc = tj_error_set_at(err, TJ_ERR_INPUT, c->name, h->line, (long)i + 1, "unknown column \"%s\"",
                                 h->f[i]);
        for (size_t k = 0; rc == TJ_OK && k < i; k++)
            if (c->map[k] == c->map[i])
                rc = tj_error_set_at(err, TJ_ERR_INPUT, c->name, h->line, (long)i + 1,
                                     "column \"%s\" appears twice", col);
        free(col);
        if (rc != TJ_OK)
            return rc;
        c->out->col_of[field_index(c->map[i])] = (long)i + 1;
        c->derived[i] = fx_derived_field(c->map[i]->name);
    }
    csv_part *p = c->second;
    if (p) { /* the header is known: read the second part meanwhile */
        p->in.map = c->map;
        p->in.derived = c->derived;
        p->in.ncols = c->ncols;
        p->started = pthread_create(&p->thread, NULL, csv_part_run, p) == 0;
    }
    return TJ_OK;
}

static tj_status csv_factor_row(void *arg, const csv_row *row, tj_error *err)
{
    csv_in *c = arg;
    if (c->stop && atomic_load_explicit(c->stop, memory_order_relaxed))
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "stopped");
    if (fx_csv_row_blank(row))
        return TJ_OK;
    if (!c->map)
        return csv_header(c, row, err);
    if (row->n != c->ncols)
        return tj_error_set_at(err, TJ_ERR_INPUT, c->name, row->line,
                               (long)(row->n < c->ncols ? row->n : c->ncols + 1),
                               "row has %zu fields, the header has %zu", row->n, c->ncols);
    in_rows *out = c->out;
    if (out->count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 64;
        in_row *ni = realloc(out->items, cap * sizeof *ni);
        if (!ni)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        out->items = ni;
        out->cap = cap;
    }
    in_row *ir = &out->items[out->count++];
    svc_factor_init(&ir->f);
    ir->line = row->line;
    ir->present = 0;
    for (size_t i = 0; i < c->ncols; i++) {
        if (c->derived[i])
            continue;
        tj_status rc = svc_factor_set_field(&ir->f, c->map[i], row->f[i], err);
        if (rc != TJ_OK) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err->message);
            return tj_error_set_at(err, rc, c->name, row->line, (long)i + 1, "%s: %s", c->map[i]->name, msg);
        }
    }
    return TJ_OK;
}

static size_t count_lines(const char *s, size_t len)
{
    size_t n = 0;
    for (const char *p = s, *e = s + len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        n++;
    return n;
}

/* Below this size a file is read on one thread. */
#define CSV_SPLIT_MIN ((size_t)4 << 20)

/* Where to cut text in two at a record boundary near the middle: after a
 * line end with an even number of quotes before it.  In a file that libcsv
 * (strict) reads without error up to that point, quotes come in pairs
 * within quoted fields, so an even count means no quoted field is open and
 * the second part starts a record; the first part is the file's prefix,
 * so an error in it is the one a single pass reports, and it is reported
 * before any error of the second part.  0: no cut. */
static size_t csv_split(const char *text, size_t len)
{
    if (len < CSV_SPLIT_MIN)
        return 0;
    size_t quotes = 0, pos = 0, mid = len / 2;
    for (const char *p = text, *e = text + mid; (p = memchr(p, '"', (size_t)(e - p))); p++)
        quotes++;
    pos = mid;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl || (size_t)(nl - text) + 1 >= len)
            return 0;
        for (const char *p = text + pos; (p = memchr(p, '"', (size_t)(nl - p))); p++)
            quotes++;
        pos = (size_t)(nl - text) + 1;
        if (quotes % 2 == 0)
            return pos;
        if (pos - mid > len / 4) /* a field of a quarter of the file: one pass */
            return 0;
    }
    return 0;
}

static tj_status parse_csv_factors(const char *name, const char *text, size_t len, in_rows *out,
                                   tj_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cut = csv_split(text, len);
    /* the rows are at most the lines: one allocation for a large file */
    size_t lines = count_lines(text, len) + 1;
    if (!(out->items = malloc(lines * sizeof *out->items)))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    out->cap = lines;
    csv_part part = {.text = text + cut, .len = len - cut};
    csv_in c = {.name = name, .out = out, .second = cut ? &part : NULL};
    tj_status rc = TJ_OK;
    if (cut) {
        part.lines_before = (long)count_lines(text, cut);
        size_t n2 = count_lines(part.text, part.len) + 1;
        part.in = (csv_in){.name = name, .out = &part.rows, .stop = &part.stop};
        atomic_init(&part.stop, 0);
        tj_error_clear(&part.err);
        if (!(part.rows.items = malloc(n2 * sizeof *part.rows.items)))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        part.rows.cap = n2;
    }
    if (rc == TJ_OK)
        rc = fx_csv_each(name, text, cut ? cut : len, csv_factor_row, &c, err);
    c.second = NULL;
    if (cut && part.started) {
        if (rc != TJ_OK)
            atomic_store(&part.stop, 1);
        pthread_join(part.thread, NULL);
    } else if (cut && rc == TJ_OK) /* no header in the first part, or no thread: go on here */
        part.rc = fx_csv_each_from(name, part.text, part.len, part.lines_before, csv_factor_row, &c, &part.err);
    if (cut && rc == TJ_OK && part.rc != TJ_OK) {
        *err = part.err;
        rc = part.rc;
    }
    if (cut && rc == TJ_OK && part.rows.count) { /* the second part's rows after the first's */
        if (out->cap - out->count < part.rows.count) {
            in_row *ni = realloc(out->items, (out->count + part.rows.count) * sizeof *ni);
            if (!ni)
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            else
                out->items = ni;
        }
        if (rc == TJ_OK) {
            memcpy(out->items + out->count, part.rows.items, part.rows.count * sizeof *part.rows.items);
            out->count += part.rows.count;
            part.rows.count = 0;
        }
    }
    in_rows_release(&part.rows);
    if (rc == TJ_OK && !c.map)
        rc = tj_error_set_at(err, TJ_ERR_INPUT, name, 1, 1, "empty file: expected a header row");
    free(c.map);
    free(c.derived);
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
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
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
            ir->present |= (uint64_t)1 << field_index(fd); /* errors point at its value */
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

static tj_status row_error(tj_error *err, const long *col_of, const char *name, const in_row *ir, int json,
                           const char *text)
{
    /* err holds a field-level error: add the position. */
    char msg[sizeof err->message];
    snprintf(msg, sizeof msg, "%s%s%s", err->path, err->path[0] ? ": " : "", err->message);
    long line = ir->line, col = 0;
    const svc_field *fd = err->path[0] ? svc_factor_field_find(err->path) : NULL;
    if (json) {
        json_pos(text, (size_t)ir->line, fd && (ir->present >> field_index(fd) & 1) ? fd->name : NULL, &line,
                 &col);
        if (!col)
            json_pos(text, (size_t)ir->line, NULL, &line, &col);
        char m2[sizeof err->message];
        snprintf(m2, sizeof m2, "factors[%ld].%s", ir->line, msg);
        return tj_error_set_at(err, err->code, name, line, col, "%s", m2);
    }
    if (fd)
        col = col_of[field_index(fd)];
    return tj_error_set_at(err, err->code, name, line, col ? col : 1, "%s", msg);
}

/* An import in progress: the parsed rows and what matching found. */
typedef struct import_job {
    const char *name, *text; /* file name and UTF-8 text (for positions) */
    int json, publish;
    const char *status;
    in_rows rows;
    svc_regions regions;
    int *latest; /* per row: the version published in the database it supersedes (0 none) */
    size_t nsup;
    char now[32];
} import_job;

/* Step 1, parse: the rows of the file. */
static tj_status import_parse(import_job *j, size_t tlen, tj_error *err)
{
    return j->json ? parse_json_factors(j->name, j->text, tlen, &j->rows, err)
                   : parse_csv_factors(j->name, j->text, tlen, &j->rows, err);
}

/* Step 2, validate: every row on its own (fields, region, source for
 * publishing); ids for new factors. */
static tj_status import_validate(import_job *j, store_db *db, tj_error *err)
{
    tj_status rc = svc_regions_load(db, &j->regions, err);
    if (rc != TJ_OK)
        return rc;
    for (size_t i = 0; i < j->rows.count; i++) {
        svc_factor *f = &j->rows.items[i].f;
        rc = fx_validate(&j->regions, f, err);
        if (rc == TJ_OK && j->publish && fx_empty(f->source_doc))
            rc = tj_error_set(err, TJ_ERR_INPUT, "source_doc", "a published factor needs its source document");
        if (rc != TJ_OK)
            return row_error(err, j->rows.col_of, j->name, &j->rows.items[i], j->json, j->text);
        if (!f->id && !(f->id = fx_new_id()))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    return TJ_OK;
}

/* What the database holds of the file's ids (matching). */
typedef struct known_acc {
    idmap map;      /* id -> index */
    int *ver, *pub; /* newest version, published version */
    char **status, **owner;
    size_t n, cap;
} known_acc;

static tj_status add_known(void *arg, const char *id, int version, const char *status, tj_error *err)
{
    known_acc *k = arg;
    size_t slot = idmap_slot(&k->map, id);
    if (!k->map.keys[slot]) {
        if (k->n >= k->cap)
            return TJ_OK;
        if (!(k->map.keys[slot] = fx_strdup(id)))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        k->map.vals[slot] = k->n++;
    }
    size_t i = k->map.vals[slot];
    k->ver[i] = version; /* ordered: the last is the newest */
    free(k->status[i]);
    if (!(k->status[i] = fx_strdup(status)))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!strcmp(status, "published"))
        k->pub[i] = version;
    return TJ_OK;
}

static void known_release(known_acc *k)
{
    for (size_t i = 0; k->map.keys && i < k->map.cap; i++)
        free(k->map.keys[i]);
    for (size_t i = 0; k->status && i < k->n; i++)
        free(k->status[i]);
    idmap_free(&k->map);
    free(k->ver);
    free(k->pub);
    free(k->status);
}

/* Step 3, match: versions for every row against those in the database
 * (one query for all ids); an id repeated in the file gets consecutive
 * versions (and when publishing, the last one is published, the earlier
 * superseded).  Inside the import's transaction. */
static tj_status import_match(import_job *j, svc_ctx *ctx, tj_error *err)
{
    store_db *db = ctx->db;
    size_t n = j->rows.count;
    int any;
    tj_status rc = factor_sql_any(db, &any, err);
    if (rc != TJ_OK)
        return rc;
    known_acc k = {0};
    idmap map = {0};
    const char **ids = NULL;
    if (!(j->latest = calloc(n ? n : 1, sizeof *j->latest)) || idmap_init(&map, n)) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (any) {
        if (idmap_init(&k.map, n) || !(k.ver = calloc(n + 1, sizeof *k.ver)) ||
            !(k.pub = calloc(n + 1, sizeof *k.pub)) || !(k.status = calloc(n + 1, sizeof *k.status)) ||
            !(ids = calloc(n + 1, sizeof *ids))) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        k.cap = n;
        size_t nids = 0;
        for (size_t i = 0; i < n; i++) { /* distinct ids */
            size_t slot = idmap_slot(&map, j->rows.items[i].f.id);
            if (map.keys[slot])
                continue;
            map.keys[slot] = j->rows.items[i].f.id;
            ids[nids++] = j->rows.items[i].f.id;
        }
        memset(map.keys, 0, map.cap * sizeof *map.keys);
        if ((rc = factor_sql_known_versions(db, ids, nids, add_known, &k, err)) != TJ_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        in_row *ir = &j->rows.items[i];
        svc_factor *f = &ir->f;
        size_t slot = idmap_slot(&map, f->id);
        int base = 0;
        if (map.keys[slot]) {
            in_row *prev = &j->rows.items[map.vals[slot]];
            base = prev->f.version;
            if (j->publish) {
                free(prev->f.status);
                if (!(prev->f.status = fx_strdup("superseded"))) {
                    rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                    goto out;
                }
            }
        } else {
            if (any) {
                size_t ks = idmap_slot(&k.map, f->id);
                if (k.map.keys[ks]) {
                    base = k.ver[k.map.vals[ks]];
                    const char *ls = k.status[k.map.vals[ks]];
                    if (ls && fx_status_in_workflow(ls)) {
                        tj_error_set(err, TJ_ERR_CONFLICT, "id", "%s@%d is still %s", f->id, base, ls);
                        rc = row_error(err, j->rows.col_of, j->name, ir, j->json, j->text);
                        goto out;
                    }
                    /* the version published in the database, to supersede */
                    j->latest[i] = k.pub[k.map.vals[ks]];
                }
            }
            map.keys[slot] = f->id;
        }
        if (f->version && f->version <= base) {
            tj_error_set(err, TJ_ERR_CONFLICT, "version", "%s@%d exists already", f->id, f->version);
            rc = row_error(err, j->rows.col_of, j->name, ir, j->json, j->text);
            goto out;
        }
        if (!f->version)
            f->version = base + 1;
        map.vals[slot] = i;
        const char **fs[] = {(const char **)&f->status, (const char **)&f->created_at, (const char **)&f->updated_at,
                             (const char **)&f->created_by, (const char **)&f->owner_org};
        const char *vs[] = {j->status, j->now, j->now, ctx->who.name, ctx->who.org_id};
        for (size_t q = 0; q < 5; q++) {
            free((char *)*fs[q]);
            if (!(*fs[q] = fx_strdup(vs[q]))) {
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                goto out;
            }
        }
        f->superseded_by = 0;
    }
    /* superseded_by inside the file */
    for (size_t i = 0; j->publish && i < n; i++)
        if (!strcmp(j->rows.items[i].f.status, "superseded"))
            j->rows.items[i].f.superseded_by = j->rows.items[i].f.version + 1;
    for (size_t i = 0; j->publish && i < n; i++)
        j->nsup += j->latest[i] > 0; /* set on the first row of an id published in the database */
out:
    free(ids);
    idmap_free(&map);
    if (any)
        known_release(&k);
    return rc;
}

typedef struct bulk_name_ctx {
    factor_sql_bulk *b;
    const svc_factor *f;
} bulk_name_ctx;

static tj_status bulk_name(void *vctx, const char *norm, tj_error *err)
{
    bulk_name_ctx *c = vctx;
    return factor_sql_bulk_name(c->b, norm, c->f->id, c->f->version, c->f->region, c->f->ref_year,
                                c->f->source_date, err);
}

/* The ledger entries of the imported versions (canonical state and entry
 * JSON, two SHA-256 each: a third of an import's work) are prepared on a
 * second thread while this one writes the versions, the search index and
 * the events, then appended in multi-row batches.  The worker only reads
 * the rows, which nothing changes during the write step. */
typedef struct ledger_worker {
    const svc_ctx *ctx;
    const import_job *j;
    ledger_prepared *p; /* one per row */
    atomic_int stop;
    tj_status rc;
    tj_error err;
    pthread_t thread;
    int started;
} ledger_worker;

static void *ledger_worker_run(void *arg)
{
    ledger_worker *w = arg;
    const import_job *j = w->j;
    for (size_t i = 0; i < j->rows.count && !atomic_load_explicit(&w->stop, memory_order_relaxed); i++) {
        const svc_factor *f = &j->rows.items[i].f;
        if ((w->rc = fx_record_prepare(w->ctx, "factor.import", f, "import", NULL, f->status, j->name, &w->p[i],
                                       &w->err)) != TJ_OK)
            break;
    }
    return NULL;
}

static tj_status ledger_worker_start(ledger_worker *w, const svc_ctx *ctx, const import_job *j, tj_error *err)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->j = j;
    atomic_init(&w->stop, 0);
    tj_error_clear(&w->err);
    if (!(w->p = calloc(j->rows.count ? j->rows.count : 1, sizeof *w->p)))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    /* no second thread (resources): the entries are prepared at the end */
    w->started = pthread_create(&w->thread, NULL, ledger_worker_run, w) == 0;
    return TJ_OK;
}

/* Wait for the worker (or do its work now); stop early when abandoning. */
static tj_status ledger_worker_finish(ledger_worker *w, int abandon, tj_error *err)
{
    if (abandon)
        atomic_store(&w->stop, 1);
    if (w->started)
        pthread_join(w->thread, NULL);
    else if (!abandon)
        ledger_worker_run(w);
    w->started = 0;
    if (!abandon && w->rc != TJ_OK)
        *err = w->err;
    return abandon ? TJ_OK : w->rc;
}

static void ledger_worker_release(ledger_worker *w)
{
    for (size_t i = 0; w->p && i < w->j->rows.count; i++)
        ledger_prepared_release(&w->p[i]);
    free(w->p);
    w->p = NULL;
}

/* Rows of ledger entries appended per multi-row batch (then freed). */
#define IMPORT_LEDGER_CHUNK 4096

/* Step 4, write: supersede (set-based), bulk versions, names and events,
 * evidence, and a ledger entry per version (and per version superseded). */
static tj_status import_write(import_job *j, svc_ctx *ctx, svc_import_result *r, tj_error *err)
{
    store_db *db = ctx->db;
    size_t n = j->rows.count;
    tj_status rc = TJ_OK;
    const char *actor = ctx->who.name;
    if (j->nsup) {
        const char **ids = calloc(j->nsup, sizeof *ids);
        int *oldv = calloc(j->nsup, sizeof *oldv), *newv = calloc(j->nsup, sizeof *newv);
        if (!ids || !oldv || !newv)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        size_t k = 0;
        for (size_t i = 0; rc == TJ_OK && i < n; i++)
            if (j->latest[i] > 0) {
                ids[k] = j->rows.items[i].f.id;
                oldv[k] = j->latest[i];
                newv[k++] = j->rows.items[i].f.version;
            }
        int64_t ch = 0;
        if (rc == TJ_OK)
            rc = factor_sql_supersede_many(db, ids, oldv, newv, k, j->now, &ch, err);
        free(ids);
        free(oldv);
        free(newv);
        if (rc != TJ_OK)
            return rc;
        if (ch != (int64_t)j->nsup) /* another writer got in between */
            return tj_error_set(err, TJ_ERR_CONFLICT, NULL,
                                "%s: %lld of the %zu published versions to supersede changed meanwhile; import again",
                                j->name, (long long)((int64_t)j->nsup - ch), j->nsup);
        r->superseded = ch;
    }
    ledger_worker w;
    if ((rc = ledger_worker_start(&w, ctx, j, err)) != TJ_OK)
        return rc;
    factor_sql_bulk *b;
    if ((rc = factor_sql_bulk_begin(db, &b, err)) != TJ_OK)
        goto out;
    const char *vals[64];
    char scratch[FX_VALS_SCRATCH];
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        svc_factor *f = &j->rows.items[i].f;
        fx_vals_borrow(f, vals, scratch); /* no copies: 35 allocations a row fewer */
        char *text = fx_search_text(&j->regions, f);
        if (!text)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        else if ((rc = factor_sql_bulk_version(b, vals, text, f->ref_year, f->region,
                                               f->category, strcmp(f->status, "superseded") != 0, err)) != TJ_OK)
            rc = row_error(err, j->rows.col_of, j->name, &j->rows.items[i], j->json, j->text);
        free(text);
    }
    if (rc == TJ_OK)
        rc = factor_sql_bulk_versions_done(b, (int64_t)j->nsup, err);
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        if (strcmp(j->rows.items[i].f.status, "published"))
            continue; /* names of published versions only (see fx_insert_names) */
        bulk_name_ctx c = {b, &j->rows.items[i].f};
        rc = fx_for_each_name(&j->rows.items[i].f, bulk_name, &c, err);
    }
    if (rc == TJ_OK)
        rc = factor_sql_bulk_names_done(b, err);
    for (size_t i = 0; j->nsup && i < n && rc == TJ_OK; i++) {
        if (j->latest[i] <= 0)
            continue;
        char why[96];
        snprintf(why, sizeof why, "superseded by version %d (import)", j->rows.items[i].f.version);
        rc = factor_sql_bulk_event(b, j->rows.items[i].f.id, j->latest[i], "supersede", "published", "superseded",
                                   actor, j->now, why, err);
    }
    for (size_t i = 0; i < n && rc == TJ_OK; i++) {
        svc_factor *f = &j->rows.items[i].f;
        /* A version that a later row of the same import supersedes is
         * stored as superseded: one event says so. */
        char *why = NULL;
        if (!strcmp(f->status, "superseded") &&
            asprintf(&why, "%s; superseded by version %d in the same import", j->name, f->superseded_by) < 0) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        rc = factor_sql_bulk_event(b, f->id, f->version, "import", NULL, f->status, actor, j->now,
                                   why ? why : j->name, err);
        free(why);
    }
    if (rc != TJ_OK) {
        factor_sql_bulk_abort(b);
        goto out;
    }
    if ((rc = factor_sql_bulk_end(b, err)) != TJ_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (!fx_empty(j->rows.items[i].f.evidence) &&
            (rc = fx_insert_evidence(db, &j->rows.items[i].f, err)) != TJ_OK) {
            rc = row_error(err, j->rows.col_of, j->name, &j->rows.items[i], j->json, j->text);
            goto out;
        }
    /* the ledger: the versions superseded, then one entry per version */
    for (size_t i = 0; j->nsup && i < n && rc == TJ_OK; i++) {
        if (j->latest[i] <= 0)
            continue;
        svc_factor o;
        if ((rc = fx_get(db, j->rows.items[i].f.id, j->latest[i], &o, err)) != TJ_OK)
            break;
        rc = fx_record(ctx, "factor.supersede", &o, "supersede", "published", "superseded", j->name, err);
        svc_factor_release(&o);
    }
    if (rc != TJ_OK)
        goto out;
    /* then one entry per version, in row order */
    if ((rc = ledger_worker_finish(&w, 0, err)) != TJ_OK)
        goto out;
    for (size_t i = 0; i < n && rc == TJ_OK; i += IMPORT_LEDGER_CHUNK) {
        size_t k = n - i < IMPORT_LEDGER_CHUNK ? n - i : IMPORT_LEDGER_CHUNK;
        rc = ledger_append_prepared(db, w.p + i, k, NULL, err);
        for (size_t q = i; q < i + k; q++)
            ledger_prepared_release(&w.p[q]);
    }
out:
    ledger_worker_finish(&w, 1, err);
    ledger_worker_release(&w);
    return rc;
}

static atomic_int import_direct;

void svc_import_set_direct(int on)
{
    atomic_store(&import_direct, on != 0);
}

long svc_import_direct_rows(void)
{
    const char *s = getenv("TANJI_IMPORT_DIRECT_ROWS");
    long long v;
    tj_error ignored;
    return s && *s && tj_parse_int("TANJI_IMPORT_DIRECT_ROWS", s, 1, 1000000000, &v, &ignored) == TJ_OK ? (long)v
                                                                                                   : 50000;
}

/* data[0, len) is the file; *release (NULL: none) a buffer to free as soon
 * as the text is converted (the file read by svc_factor_import). */
static tj_status factor_import(svc_ctx *ctx, const char *name, const char *data, size_t len, char **release,
                               const char *format, const char *status, svc_import_result *res, tj_error *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (!status)
        status = "draft";
    if (strcmp(status, "draft") && strcmp(status, "published"))
        return tj_error_set(err, TJ_ERR_USAGE, "status",
                            "imported versions are draft or published, not \"%s\"", status);
    int publish = !strcmp(status, "published");
    /* drafts: whoever may add factors; published versions (official
     * publications): the regulator and the operator */
    tj_status rc = publish ? svc_require(ctx, SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR, "import published factors", err)
                           : svc_require(ctx, SVC_FACTOR_ADD_ROLES, "import factors", err);
    if (rc != TJ_OK)
        return rc;
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
    if (release && *release == data && !data[len] && !(len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) &&
        !memchr(data, 0, len) && tj_utf8_valid_prefix(data, len) == len) {
        /* a file read by svc_factor_import (NUL-terminated) that is UTF-8
         * without a byte order mark: its buffer is the text, which
         * tj_text_to_utf8 would copy (223 MB for 1,000,000 lines) */
        text = *release;
        tlen = len;
        *release = NULL;
    } else {
        if ((rc = tj_text_to_utf8(name, data, len, NULL, &text, &tlen, err)) != TJ_OK)
            return rc;
        if (release) {
            free(*release);
            *release = NULL;
        }
    }
    import_job j = {.name = name, .text = text, .json = json, .publish = publish, .status = status};
    svc_now_rfc3339(j.now, sizeof j.now);
    svc_import_result r = {0};
    if ((rc = import_parse(&j, tlen, err)) != TJ_OK)
        goto out;
    if (!json) { /* errors from here on name lines and columns kept in the rows */
        free(text);
        text = NULL;
        j.text = NULL;
    }
    if ((rc = import_validate(&j, ctx->db, err)) != TJ_OK)
        goto out;
    /* a large import on SQLite: written once, straight into the file, when
     * nothing else has it open (store_direct_begin) */
    int direct = 0;
    if (atomic_load(&import_direct) && j.rows.count >= (size_t)svc_import_direct_rows() &&
        !store_in_transaction(ctx->db))
        r.direct = direct = store_direct_begin(ctx->db, r.why_wal, sizeof r.why_wal);
    if ((rc = svc_begin(ctx, err)) != TJ_OK)
        goto out_direct;
    if ((rc = import_match(&j, ctx, err)) != TJ_OK || (rc = import_write(&j, ctx, &r, err)) != TJ_OK) {
        svc_rollback(ctx);
        goto out_direct;
    }
    rc = svc_commit(ctx, err);
out_direct:
    if (direct)
        store_direct_end(ctx->db);
    if (rc != TJ_OK)
        goto out;
    r.rows = (int64_t)j.rows.count;
    if (res)
        *res = r;
out:
    free(j.latest);
    svc_regions_release(&j.regions);
    in_rows_release(&j.rows);
    free(text);
    return rc;
}

tj_status svc_factor_import_mem(svc_ctx *ctx, const char *name, const char *data, size_t len,
                                const char *format, const char *status, svc_import_result *res, tj_error *err)
{
    return factor_import(ctx, name, data, len, NULL, format, status, res, err);
}

tj_status svc_factor_import(svc_ctx *ctx, const char *path, const char *format, const char *status,
                            svc_import_result *res, tj_error *err)
{
    char *data;
    size_t len;
    tj_status rc = fx_read_file(path, &data, &len, err);
    if (rc != TJ_OK)
        return rc;
    rc = factor_import(ctx, path, data, len, &data, format, status, res, err);
    free(data);
    return rc;
}

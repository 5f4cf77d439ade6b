/*
 * CSV input shared by factor import and cross-checks (libcsv), and reading
 * whole files.
 */
#include <csv.h>
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

#include "io/input.h"
#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"

/* ---- CSV ------------------------------------------------------------- */


void fx_csv_rows_release(csv_rows *r)
{
    for (size_t i = 0; i < r->count; i++) {
        for (size_t k = 0; k < r->rows[i].n; k++)
            free(r->rows[i].f[k]);
        free(r->rows[i].f);
    }
    for (size_t k = 0; k < (r->each ? r->nbuf : r->cur.n); k++)
        free(r->cur.f[k]);
    free(r->cur.f);
    free(r->fcap);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* One field of a factor file: names, sources and notes; longer is refused
 * (never cut).  The same cap as a sheet's cell (io/sheet.h). */
#define FX_FIELD_MAX ((size_t)128 << 10)
/* Fields in one row. */
#define FX_FIELDS_MAX 1000

static void cb_field(void *s, size_t len, void *data)
{
    csv_rows *r = data;
    if (r->oom)
        return;
    if (len > FX_FIELD_MAX || r->cur.n >= FX_FIELDS_MAX) {
        r->oom = 2; /* refused as too long / too wide */
        return;
    }
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
        if (r->each) {
            size_t *nc = realloc(r->fcap, cap * sizeof *nc);
            if (!nc) {
                r->oom = 1;
                return;
            }
            r->fcap = nc;
        }
    }
    if (r->each) { /* streaming: the field's buffer of the rows before */
        size_t i = r->cur.n;
        if (i == r->nbuf) {
            r->cur.f[i] = NULL;
            r->fcap[i] = 0;
            r->nbuf++;
        }
        if (r->fcap[i] < len + 1) {
            size_t cap = len + 1 < 64 ? 64 : len + 1;
            char *nb = realloc(r->cur.f[i], cap);
            if (!nb) {
                r->oom = 1;
                return;
            }
            r->cur.f[i] = nb;
            r->fcap[i] = cap;
        }
        if (len)
            memcpy(r->cur.f[i], s, len);
        r->cur.f[i][len] = 0;
        r->cur.n++;
        return;
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
    if (r->each) {
        if (r->cur.n == 0) /* a row of no fields: libcsv does not call for it */
            r->cur.line = r->line;
        if ((r->each_rc = r->each(r->each_arg, &r->cur, r->each_err)) != TJ_OK)
            r->oom = 3; /* stopped by the callback */
        r->cur.n = 0;
        return;
    }
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

static tj_status csv_run(const char *name, const char *text, size_t len, csv_rows *out, tj_error *err)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    csv_set_blk_size(&p, 64 * 1024);
    size_t pos = 0;
    tj_status rc = TJ_OK;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        out->line++;
        /* fed in slices so that a field growing past the cap is refused
         * before it is buffered whole */
        for (size_t off = 0; off < n && rc == TJ_OK;) {
            size_t k = n - off < 65536 ? n - off : 65536;
            if (csv_parse(&p, text + pos + off, k, cb_field, cb_row, out) != k)
                rc = tj_error_set_at(err, TJ_ERR_INPUT, name, out->line, 0, "CSV: %s",
                                     csv_strerror(csv_error(&p)));
            else if (p.entry_pos > FX_FIELD_MAX)
                out->oom = 2;
            off += k;
            if (out->oom)
                break;
        }
        if (rc)
            break;
        if (out->oom == 3) {
            rc = out->each_rc;
            break;
        }
        if (out->oom == 2) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, name, out->line, 0,
                                 "a field longer than %zu bytes or a row of more than %d fields; refused / "
                                 "字段过长或列数过多",
                                 FX_FIELD_MAX, FX_FIELDS_MAX);
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
    if (rc == TJ_OK && out->oom == 3)
        rc = out->each_rc;
    else if (rc == TJ_OK && out->oom)
        rc = out->oom == 2 ? tj_error_set_at(err, TJ_ERR_INPUT, name, out->line, 0,
                                             "a field longer than %zu bytes; refused / 字段过长", FX_FIELD_MAX)
                           : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    csv_free(&p);
    return rc;
}

tj_status fx_csv_read(const char *name, const char *text, size_t len, csv_rows *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    tj_status rc = csv_run(name, text, len, out, err);
    if (rc != TJ_OK)
        fx_csv_rows_release(out);
    return rc;
}

tj_status fx_csv_each(const char *name, const char *text, size_t len, fx_csv_row_fn fn, void *arg, tj_error *err)
{
    return fx_csv_each_from(name, text, len, 0, fn, arg, err);
}

tj_status fx_csv_each_from(const char *name, const char *text, size_t len, long lines_before, fx_csv_row_fn fn,
                           void *arg, tj_error *err)
{
    csv_rows r;
    memset(&r, 0, sizeof r);
    r.line = lines_before;
    r.each = fn;
    r.each_arg = arg;
    r.each_err = err;
    tj_status rc = csv_run(name, text, len, &r, err);
    fx_csv_rows_release(&r);
    return rc;
}

int fx_csv_row_blank(const csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        for (const char *p = r->f[i]; *p; p++)
            if (*p != ' ' && *p != '\t' && *p != '\r')
                return 0;
    return 1;
}
tj_status fx_read_file(const char *path, char **data, size_t *len, tj_error *err)
{
    return io_input_read(path, 0, data, len, err);
}


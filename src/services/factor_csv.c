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

tj_status fx_csv_read(const char *name, const char *text, size_t len, csv_rows *out, tj_error *err)
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
        fx_csv_rows_release(out);
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


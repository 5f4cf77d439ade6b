/*
 * svc_factor export (CSV, JSON) and cross-checks against reference figures.
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

#include "tanji/parse.h"
#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"
#include "io/table_write.h"

/* ---- export ---------------------------------------------------------- */

tj_status svc_factor_export(svc_ctx *ctx, const svc_factor_query *q, const char *format, FILE *out,
                            int64_t *rows, tj_error *err)
{
    int json = format && !strcasecmp(format, "json");
    if (format && !json && strcasecmp(format, "csv"))
        return tj_error_set(err, TJ_ERR_USAGE, "format",
                            "unknown format \"%s\" (csv or json; xlsx: svc_factor_export_table)", format);
    if (!json) {
        /* CSV through the table writer (checked writes, formula-leading
         * text neutralised) */
        io_table *t;
        tj_status rc = io_table_open_stream(out, NULL, &t, err);
        if (rc == TJ_OK)
            rc = svc_factor_export_table(ctx, q, t, rows, err);
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
        tj_status rc = fx_search(ctx->db, &page, fx_visible_org(ctx), &l, err);
        if (rc != TJ_OK)
            return rc;
        for (size_t i = 0; i < l.count; i++) {
            svc_factor *f = &l.items[i];
            if ((rc = fx_load_evidence(ctx->db, f, err)) != TJ_OK) {
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

tj_status svc_factor_export_table(svc_ctx *ctx, const svc_factor_query *q, io_table *t, int64_t *rows,
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
        tj_status rc = fx_search(ctx->db, &page, fx_visible_org(ctx), &l, err);
        if (rc != TJ_OK)
            return rc;
        for (size_t i = 0; i < l.count; i++) {
            svc_factor *f = &l.items[i];
            if ((rc = fx_load_evidence(ctx->db, f, err)) != TJ_OK) {
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
    return TJ_OK;
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
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    double v;
    if (tj_parse_number_n("value", s, n, &v, NULL))
        return -1;
    *out = v;
    return 1;
}

tj_status svc_factor_crosscheck(svc_ctx *ctx, const char *path, double tolerance, svc_crosscheck_report *out,
                                tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(tolerance >= 0))
        return tj_error_set(err, TJ_ERR_USAGE, "tolerance", "tolerance must be a number >= 0");
    char *data = NULL, *text = NULL;
    size_t len, tlen;
    csv_rows rows = {0};
    tj_status rc = fx_read_file(path, &data, &len, err);
    if (rc != TJ_OK)
        return rc;
    if ((rc = tj_text_to_utf8(path, data, len, NULL, &text, &tlen, err)) != TJ_OK)
        goto out;
    if ((rc = fx_csv_read(path, text, tlen, &rows, err)) != TJ_OK)
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
        if (fx_csv_row_blank(row))
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
                fr = svc_factor_get(ctx, id, version, &f, &ferr);
                free(id);
            }
        } else {
            svc_factor_resolution res;
            fr = svc_factor_resolve(ctx, CELL(C_QUERY), fx_empty(CELL(C_REGION)) ? NULL : CELL(C_REGION),
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
    fx_csv_rows_release(&rows);
    free(text);
    free(data);
    if (rc != TJ_OK)
        svc_crosscheck_report_release(out);
    return rc;
}


json_t *svc_crosscheck_report_json(const svc_crosscheck_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->count; i++) {
        const svc_crosscheck_row *x = &r->rows[i];
        json_t *row = json_pack("{s:I, s:s?, s:s?, s:b}", "line", (json_int_t)x->line, "label", x->label, "factor",
                                x->factor_ref, "flagged", x->flagged);
        if (!row)
            continue;
        if (x->note)
            json_object_set_new(row, "note", json_string(x->note));
        else {
            json_object_set_new(row, "factor_value", json_real(x->factor_value));
            json_object_set_new(row, "reference_value", json_real(x->reference_value));
            json_object_set_new(row, "deviation", json_real(x->deviation));
            json_object_set_new(row, "tolerance", json_real(x->tolerance));
        }
        json_array_append_new(a, row);
    }
    return a ? json_pack("{s:I, s:I, s:I, s:o}", "rows", (json_int_t)r->count, "flagged", (json_int_t)r->flagged,
                         "unchecked", (json_int_t)r->unchecked, "results", a)
             : NULL;
}

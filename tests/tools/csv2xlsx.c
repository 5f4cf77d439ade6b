/*
 * Test tool: build an .xlsx workbook from CSV files with libxlsxwriter, one
 * sheet per file, the way a spreadsheet program saves a ledger: cells that
 * are plain decimal numbers become number cells, everything else text
 * (shared strings; with --inline, inline strings as libxlsxwriter's
 * constant-memory mode writes them).
 *
 *   csv2xlsx [--inline] OUT.xlsx SHEET=FILE.csv [SHEET=FILE.csv ...]
 *
 * A test tool, not part of tanji: it trusts its input.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct st {
    lxw_worksheet *ws;
    lxw_row_t row;
    lxw_col_t col;
    int bad;
} st;

static int is_number(const char *s, size_t n)
{
    if (!n)
        return 0;
    char *end;
    char buf[64];
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789.-+eE", buf[i]))
            return 0;
    strtod(buf, &end);
    return *end == 0;
}

static void on_field(void *s, size_t n, void *d)
{
    st *t = d;
    if (n) {
        char *v = malloc(n + 1);
        memcpy(v, s, n);
        v[n] = 0;
        lxw_error e = is_number(v, n) ? worksheet_write_number(t->ws, t->row, t->col, strtod(v, NULL), NULL)
                                      : worksheet_write_string(t->ws, t->row, t->col, v, NULL);
        if (e != LXW_NO_ERROR)
            t->bad = 1;
        free(v);
    }
    t->col++;
}

static void on_row(int c, void *d)
{
    (void)c;
    st *t = d;
    t->row++;
    t->col = 0;
}

int main(int argc, char **argv)
{
    int a = 1;
    lxw_workbook_options o = {0};
    if (a < argc && !strcmp(argv[a], "--inline")) {
        o.constant_memory = LXW_TRUE;
        a++;
    }
    if (argc - a < 2) {
        fprintf(stderr, "usage: csv2xlsx [--inline] OUT.xlsx SHEET=FILE.csv...\n");
        return 1;
    }
    lxw_workbook *wb = workbook_new_opt(argv[a++], &o);
    if (!wb)
        return 1;
    int rc = 0;
    for (; a < argc; a++) {
        char *eq = strchr(argv[a], '=');
        if (!eq) {
            fprintf(stderr, "csv2xlsx: %s: need SHEET=FILE\n", argv[a]);
            rc = 1;
            break;
        }
        *eq = 0;
        st t = {workbook_add_worksheet(wb, argv[a]), 0, 0, 0};
        FILE *f = fopen(eq + 1, "rb");
        if (!t.ws || !f) {
            fprintf(stderr, "csv2xlsx: cannot add %s from %s\n", argv[a], eq + 1);
            if (f)
                fclose(f);
            rc = 1;
            break;
        }
        struct csv_parser p;
        csv_init(&p, CSV_APPEND_NULL);
        char buf[4096];
        size_t n;
        int skip_bom = 1;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
            size_t off = 0;
            if (skip_bom && n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
                off = 3;
            skip_bom = 0;
            csv_parse(&p, buf + off, n - off, on_field, on_row, &t);
        }
        csv_fini(&p, on_field, on_row, &t);
        csv_free(&p);
        fclose(f);
        if (t.bad)
            rc = 1;
    }
    if (workbook_close(wb) != LXW_NO_ERROR)
        rc = 1;
    return rc;
}

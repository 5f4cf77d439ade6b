/* Tables as CSV or .xlsx with checked output; see table_write.h. */
#include "io/table_write.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xlsxwriter.h>

#include "io/output.h"
#include "tanji/text.h"

#define XLSX_MAX_CHARS 32767

struct io_table {
    io_table_format fmt;
    FILE *f;
    io_out *out;  /* the output file (temporary file renamed on success, or a device); NULL for a stream */
    char *path;   /* its name, for errors */
    lxw_workbook *wb;
    lxw_worksheet *ws;
    long row, col;
    tj_status st;
    tj_error err;
};

tj_status io_table_format_parse(const char *s, io_table_format *out, tj_error *err)
{
    if (s && !strcasecmp(s, "csv"))
        *out = IO_TABLE_CSV;
    else if (s && !strcasecmp(s, "xlsx"))
        *out = IO_TABLE_XLSX;
    else
        return tj_error_set(err, TJ_ERR_USAGE, "format", "unknown table format \"%s\" (csv or xlsx)",
                            s ? s : "");
    return TJ_OK;
}

static tj_status tfail(io_table *t, tj_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static tj_status tfail(io_table *t, tj_status code, const char *fmt, ...)
{
    if (t->st)
        return t->st;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    t->st = tj_error_set_at(&t->err, code, t->path ? t->path : "", 0, 0, "%s", msg);
    return t->st;
}

static void table_free(io_table *t)
{
    if (t->wb)
        lxw_workbook_free(t->wb);
    io_out_abort(t->out);
    free(t->path);
    free(t);
}

tj_status io_table_open(const char *path, io_table_format fmt, const char *sheet, io_table **out,
                        tj_error *err)
{
    *out = NULL;
    int to_stdout = !path || !strcmp(path, "-");
    if (to_stdout && fmt == IO_TABLE_XLSX)
        return tj_error_set(err, TJ_ERR_USAGE, "output",
                            "an .xlsx table needs an output file (-o FILE.xlsx), not standard output");
    if (to_stdout)
        return io_table_open_stream(stdout, "standard output", out, err);
    io_table *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path))) {
        free(t);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    t->fmt = fmt;
    tj_status st = io_out_open(path, &t->out, err);
    if (st) {
        table_free(t);
        return st;
    }
    if (fmt == IO_TABLE_CSV) {
        t->f = io_out_file(t->out);
        *out = t;
        return TJ_OK;
    }
    if (!io_out_tmpname(t->out)) { /* a device or FIFO */
        st = tj_error_set_at(err, TJ_ERR_USAGE, path, 0, 0, "an .xlsx table needs a regular file");
        table_free(t);
        return st;
    }
    /* libxlsxwriter writes the temporary file itself on close */
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
    t->wb = workbook_new_opt(io_out_tmpname(t->out), &o);
    if (t->wb)
        t->ws = workbook_add_worksheet(t->wb, sheet);
    if (!t->wb || !t->ws) {
        st = tj_error_set_at(err, t->wb ? TJ_ERR_USAGE : TJ_ERR_NOMEM, path, 0, 0,
                            t->wb ? "invalid worksheet name \"%s\"" : "cannot start the workbook%s",
                            t->wb ? (sheet ? sheet : "") : "");
        table_free(t);
        return st;
    }
    *out = t;
    return TJ_OK;
}

tj_status io_table_open_stream(FILE *f, const char *name, io_table **out, tj_error *err)
{
    io_table *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(name ? name : ""))) {
        free(t);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    t->fmt = IO_TABLE_CSV;
    t->f = f;
    *out = t;
    return TJ_OK;
}

int io_csv_formula_leading(const char *s)
{
    return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
}

static tj_status put(io_table *t, const char *s, size_t n)
{
    if (n && fwrite(s, 1, n, t->f) != n)
        return tfail(t, TJ_ERR_IO, "write failed: %s", strerror(errno));
    return TJ_OK;
}

static tj_status csv_sep(io_table *t)
{
    return t->col > 0 ? put(t, ",", 1) : TJ_OK;
}

static tj_status next_col(io_table *t)
{
    if (t->fmt == IO_TABLE_XLSX && t->col >= LXW_COL_MAX)
        return tfail(t, TJ_ERR_INPUT, "more than %d columns do not fit an .xlsx sheet", LXW_COL_MAX);
    if (t->fmt == IO_TABLE_XLSX && t->row >= LXW_ROW_MAX)
        return tfail(t, TJ_ERR_INPUT, "more than %d rows do not fit an .xlsx sheet", LXW_ROW_MAX);
    return TJ_OK;
}

static tj_status lxw_check(io_table *t, lxw_error e)
{
    if (e != LXW_NO_ERROR)
        return tfail(t, TJ_ERR_IO, "row %ld, column %ld: cannot write the cell: %s", t->row + 1, t->col + 1,
                     lxw_strerror(e));
    return TJ_OK;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

tj_status io_table_text(io_table *t, const char *s)
{
    if (t->st)
        return t->st;
    if (!s || !*s)
        return io_table_empty(t);
    size_t n = strlen(s);
    if (tj_utf8_valid_prefix(s, n) != n)
        return tfail(t, TJ_ERR_INPUT, "row %ld, column %ld: the text is not valid UTF-8", t->row + 1,
                     t->col + 1);
    if (next_col(t))
        return t->st;
    if (t->fmt == IO_TABLE_XLSX) {
        if (utf8_chars(s) > XLSX_MAX_CHARS)
            return tfail(t, TJ_ERR_INPUT,
                         "row %ld, column %ld: more than %d characters do not fit an .xlsx cell", t->row + 1,
                         t->col + 1, XLSX_MAX_CHARS);
        if (lxw_check(t, worksheet_write_string(t->ws, (lxw_row_t)t->row, (lxw_col_t)t->col, s, NULL)))
            return t->st;
        t->col++;
        return TJ_OK;
    }
    if (csv_sep(t))
        return t->st;
    int formula = io_csv_formula_leading(s);
    int quote = formula || strpbrk(s, ",\"\n\r") || s[0] == ' ' || s[n - 1] == ' ';
    if (!quote) {
        put(t, s, n);
    } else {
        put(t, "\"", 1);
        if (formula)
            put(t, "'", 1);
        for (const char *p = s; *p && !t->st;) {
            const char *q = strchr(p, '"');
            size_t k = q ? (size_t)(q - p) + 1 : strlen(p);
            put(t, p, k);
            if (q)
                put(t, "\"", 1);
            p += k;
        }
        put(t, "\"", 1);
    }
    t->col++;
    return t->st;
}

/* A plain decimal number: optional sign, digits with an optional point,
 * optional exponent; nothing else. */
static int is_decimal(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == 0;
}

static tj_status write_double(io_table *t, double v, const char *text)
{
    if (!isfinite(v))
        return tfail(t, TJ_ERR_NUMERIC, "row %ld, column %ld: the number is not finite", t->row + 1,
                     t->col + 1);
    if (next_col(t))
        return t->st;
    if (t->fmt == IO_TABLE_XLSX) {
        if (lxw_check(t, worksheet_write_number(t->ws, (lxw_row_t)t->row, (lxw_col_t)t->col, v, NULL)))
            return t->st;
    } else {
        if (csv_sep(t) || put(t, text, strlen(text)))
            return t->st;
    }
    t->col++;
    return TJ_OK;
}

tj_status io_table_number(io_table *t, double v, int significant_digits)
{
    if (t->st)
        return t->st;
    char buf[64];
    if (significant_digits < 1 || significant_digits > 17)
        significant_digits = 17;
    snprintf(buf, sizeof buf, "%.*g", significant_digits, v);
    return write_double(t, v, buf);
}

tj_status io_table_number_text(io_table *t, const char *s)
{
    if (t->st)
        return t->st;
    if (!s || !*s)
        return io_table_empty(t);
    if (!is_decimal(s))
        return io_table_text(t, s);
    return write_double(t, strtod(s, NULL), s);
}

tj_status io_table_empty(io_table *t)
{
    if (t->st)
        return t->st;
    if (next_col(t))
        return t->st;
    if (t->fmt == IO_TABLE_CSV && csv_sep(t))
        return t->st;
    t->col++;
    return TJ_OK;
}

tj_status io_table_end_row(io_table *t)
{
    if (t->st)
        return t->st;
    if (t->fmt == IO_TABLE_CSV && put(t, "\n", 1))
        return t->st;
    t->row++;
    t->col = 0;
    return TJ_OK;
}

tj_status io_table_close(io_table *t, tj_error *err)
{
    if (!t)
        return TJ_OK;
    if (!t->st && t->fmt == IO_TABLE_XLSX) {
        lxw_error e = workbook_close(t->wb); /* frees the workbook in any case */
        t->wb = NULL;
        if (e != LXW_NO_ERROR)
            tfail(t, TJ_ERR_IO, "cannot write the workbook: %s", lxw_strerror(e));
    }
    if (!t->st && t->f && !t->out && (fflush(t->f) != 0 || ferror(t->f)))
        tfail(t, TJ_ERR_IO, "write failed: %s", strerror(errno));
    if (t->out) { /* flush, fsync, close, rename: the error names the file */
        io_out *o = t->out;
        t->out = NULL;
        if (t->st)
            io_out_abort(o);
        else if (io_out_commit(o, &t->err))
            t->st = t->err.code;
    }
    tj_status st = t->st;
    if (st && err)
        *err = t->err;
    table_free(t);
    return st;
}

void io_table_abort(io_table *t)
{
    if (t)
        table_free(t);
}

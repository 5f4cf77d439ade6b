/* Sheets of rows of cells from CSV files; see sheet.h. */
#include "io/sheet.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/model.h"
#include "tanji/text.h"

io_sheet_limits io_sheet_limits_resolve(const io_sheet_limits *lim)
{
    io_sheet_limits l = lim ? *lim : (io_sheet_limits){0};
    if (!l.max_file_bytes)
        l.max_file_bytes = (size_t)64 << 20;
    if (!l.max_cell_bytes)
        l.max_cell_bytes = (size_t)128 << 10; /* Excel's 32,767 characters, in UTF-8 */
    if (!l.max_rows)
        l.max_rows = 1048576;
    if (!l.max_cols)
        l.max_cols = 16384;
    if (!l.max_cells)
        l.max_cells = 4000000;
    return l;
}

const char *io_sheet_text(const io_sheet *s, size_t r, long col)
{
    if (col < 0 || r >= s->n || (size_t)col >= s->rows[r].n || !s->rows[r].cells[col].text)
        return "";
    return s->rows[r].cells[col].text;
}

io_cell_type io_sheet_type(const io_sheet *s, size_t r, long col)
{
    if (col < 0 || r >= s->n || (size_t)col >= s->rows[r].n)
        return IO_CELL_EMPTY;
    return s->rows[r].cells[col].type;
}

void io_col_letters(long col, char buf[8])
{
    char tmp[8];
    int n = 0;
    if (col < 0)
        col = 0;
    long c = col + 1;
    while (c > 0 && n < 7) {
        long rem = (c - 1) % 26;
        tmp[n++] = (char)('A' + rem);
        c = (c - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
}

/* Excel quotes a sheet name in a reference unless it is letters, digits,
 * underscores or non-ASCII characters. */
static int sheet_name_needs_quotes(const char *s)
{
    if (!*s)
        return 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!(*p >= 0x80 || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return 1;
    return 0;
}

void io_sheet_ref(const io_sheet *s, size_t r, long col, char *buf, size_t size)
{
    if (!size)
        return;
    buf[0] = 0;
    long line = r < s->n ? s->rows[r].line : 0;
    if (!s->name) {
        if (line > 0)
            snprintf(buf, size, "%s:%ld", s->source ? s->source : "", line);
        else
            snprintf(buf, size, "%s", s->source ? s->source : "");
        return;
    }
    size_t n = 0;
    if (sheet_name_needs_quotes(s->name)) {
        if (n + 1 < size)
            buf[n++] = '\'';
        for (const char *p = s->name; *p && n + 1 < size; p++) {
            if (*p == '\'' && n + 2 < size)
                buf[n++] = '\'';
            buf[n++] = *p;
        }
        if (n + 1 < size)
            buf[n++] = '\'';
    } else {
        for (const char *p = s->name; *p && n + 1 < size; p++)
            buf[n++] = *p;
    }
    buf[n] = 0;
    if (col >= 0) {
        char letters[8];
        io_col_letters(col, letters);
        snprintf(buf + n, size - n, "!%s%ld", letters, line);
    } else
        snprintf(buf + n, size - n, "!%ld:%ld", line, line);
}

tj_status io_sheet_error(const io_sheet *s, size_t r, long col, tj_error *err, tj_status code,
                         const char *fmt, ...)
{
    if (!err)
        return code;
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = r < s->n ? s->rows[r].line : 0;
    if (!s->name)
        return tj_error_set_at(err, code, s->source, line, 0, "%s", msg);
    char ref[sizeof err->path];
    io_sheet_ref(s, r, col, ref, sizeof ref);
    tj_error_set_at(err, code, s->source, 0, 0, "%s", msg);
    snprintf(err->path, sizeof err->path, "%s", ref);
    return code;
}

char *io_cell_trim(char *f, size_t *len)
{
    char *b = f, *e = f + *len;
    for (;;) {
        if (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
            b++;
        else if (e - b >= 3 && !memcmp(b, "\xE3\x80\x80", 3))
            b += 3;
        else
            break;
    }
    for (;;) {
        if (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        else if (e - b >= 3 && !memcmp(e - 3, "\xE3\x80\x80", 3))
            e -= 3;
        else
            break;
    }
    memmove(f, b, (size_t)(e - b));
    f[e - b] = 0;
    *len = (size_t)(e - b);
    return f;
}

int io_file_is_zip(const char *path)
{
    /* never blocks on a FIFO and never consumes a stream: only regular files */
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct stat st;
    unsigned char m[4] = {0};
    ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, m, 4) : 0;
    close(fd);
    return got == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

void io_sheet_release(io_sheet *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->rows[i].n; j++)
            free(s->rows[i].cells[j].text);
        free(s->rows[i].cells);
    }
    free(s->rows);
    free(s->source);
    free(s->name);
    memset(s, 0, sizeof *s);
}

/* ---- CSV ----------------------------------------------------------------- */

typedef struct csv_state {
    io_sheet *s;
    io_sheet_limits lim;
    io_cell *cur;
    size_t ncur, capcur;
    size_t cells; /* cells kept so far */
    long line;
    tj_status st;
    tj_error *err;
} csv_state;

static void csv_fail(csv_state *t, tj_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void csv_fail(csv_state *t, tj_status code, const char *fmt, ...)
{
    if (t->st)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    t->st = tj_error_set_at(t->err, code, t->s->source, t->line, 0, "%s", msg);
}

static void cb_field(void *data, size_t len, void *arg)
{
    csv_state *t = arg;
    if (t->st)
        return;
    if (memchr(data, 0, len)) {
        csv_fail(t, TJ_ERR_INPUT, "a field holds a NUL byte");
        return;
    }
    if (t->ncur >= t->lim.max_cols) {
        csv_fail(t, TJ_ERR_INPUT, "more than %zu fields in one row", t->lim.max_cols);
        return;
    }
    if (t->ncur == t->capcur) {
        size_t cap = t->capcur ? t->capcur * 2 : 16;
        io_cell *nc = realloc(t->cur, cap * sizeof *nc);
        if (!nc) {
            csv_fail(t, TJ_ERR_NOMEM, "out of memory");
            return;
        }
        t->cur = nc;
        t->capcur = cap;
    }
    char *f = malloc(len + 1);
    if (!f) {
        csv_fail(t, TJ_ERR_NOMEM, "out of memory");
        return;
    }
    memcpy(f, data, len);
    f[len] = 0;
    io_cell_trim(f, &len);
    if (len > t->lim.max_cell_bytes) {
        free(f);
        csv_fail(t, TJ_ERR_INPUT, "field %zu is %zu bytes long; at most %zu are accepted", t->ncur + 1, len,
                 t->lim.max_cell_bytes);
        return;
    }
    if (!len) {
        free(f);
        f = NULL;
    }
    t->cur[t->ncur++] = (io_cell){f, len, f ? IO_CELL_TEXT : IO_CELL_EMPTY};
}

static void drop_cur(csv_state *t)
{
    for (size_t i = 0; i < t->ncur; i++)
        free(t->cur[i].text);
    t->ncur = 0;
}

static void cb_row(int c, void *arg)
{
    (void)c;
    csv_state *t = arg;
    if (t->st) {
        drop_cur(t);
        return;
    }
    int empty = 1;
    for (size_t i = 0; i < t->ncur && empty; i++)
        if (t->cur[i].text)
            empty = 0;
    if (empty) {
        drop_cur(t);
        return;
    }
    io_sheet *s = t->s;
    if (s->n >= t->lim.max_rows) {
        csv_fail(t, TJ_ERR_INPUT, "more than %zu rows", t->lim.max_rows);
        drop_cur(t);
        return;
    }
    if (t->ncur > t->lim.max_cells - t->cells) {
        csv_fail(t, TJ_ERR_INPUT, "more than %zu cells", t->lim.max_cells);
        drop_cur(t);
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        io_row *nr = realloc(s->rows, cap * sizeof *nr);
        if (!nr) {
            csv_fail(t, TJ_ERR_NOMEM, "out of memory");
            drop_cur(t);
            return;
        }
        s->rows = nr;
        s->cap = cap;
    }
    t->cells += t->ncur;
    s->rows[s->n++] = (io_row){t->cur, t->ncur, t->line};
    t->cur = NULL;
    t->ncur = t->capcur = 0;
}

tj_status io_sheet_read_csv(const char *path, const char *encoding, const io_sheet_limits *lim, io_sheet *out,
                            tj_error *err)
{
    memset(out, 0, sizeof *out);
    csv_state t = {.s = out, .lim = io_sheet_limits_resolve(lim), .err = err};
    out->source = strdup(path);
    if (!out->source)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    char *raw = NULL, *text = NULL;
    size_t rawlen = 0, len = 0;
    tj_status st = io_read_file(path, t.lim.max_file_bytes, &raw, &rawlen, err);
    if (!st) {
        st = tj_text_to_utf8(path, raw, rawlen, encoding, &text, &len, err);
        free(raw);
    }
    if (st) {
        io_sheet_release(out);
        return st;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        free(text);
        io_sheet_release(out);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    /* libcsv grows its field buffer by this step: large enough to stay fast */
    csv_set_blk_size(&p, 64 * 1024);
    /* feed line by line so each row knows its line */
    size_t pos = 0;
    while (pos < len && !t.st) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        t.line++;
        if (csv_parse(&p, text + pos, n, cb_field, cb_row, &t) != n && !t.st)
            t.st =
                tj_error_set_at(err, TJ_ERR_INPUT, path, t.line, 0, "CSV: %s", csv_strerror(csv_error(&p)));
        pos += n;
    }
    if (!t.st && csv_fini(&p, cb_field, cb_row, &t) != 0 && !t.st)
        t.st = tj_error_set_at(err, TJ_ERR_INPUT, path, t.line, 0, "CSV: %s", csv_strerror(csv_error(&p)));
    csv_free(&p);
    free(text);
    drop_cur(&t);
    free(t.cur);
    st = t.st;
    if (!st && out->n == 0)
        st = tj_error_set_at(err, TJ_ERR_INPUT, path, 1, 0, "the file has no header row");
    if (st)
        io_sheet_release(out);
    return st;
}

/*
 * io/sheet: a sheet of rows of cells, read from a CSV file or from one
 * worksheet of an .xlsx workbook (io/xlsx_read.h), so that services read
 * both through one interface.
 *
 * Every cell keeps the text that the file holds: for a number cell of a
 * workbook that is the number exactly as stored in the sheet XML ("0.1",
 * "1.5E-3"), never a double printed again, so the strict number parser sees
 * what the file says.  Text is UTF-8 without NUL bytes; leading and trailing
 * white space (including the ideographic space U+3000) is trimmed.  Rows with
 * no text in any cell are left out; each row keeps its line (CSV: the line
 * where the row ends) or its row number (workbook), so errors can locate it:
 * "file.csv:12" or "book.xlsx: bom!C12".
 *
 * Ownership: io_sheet owns everything in it; io_sheet_release() frees it.
 */
#ifndef IO_SHEET_H
#define IO_SHEET_H

#include <stddef.h>

#include "tanji/error.h"

typedef enum io_cell_type {
    IO_CELL_EMPTY = 0,
    IO_CELL_TEXT,   /* CSV fields, shared and inline strings, formula strings */
    IO_CELL_NUMBER, /* workbook number cells: text is the stored decimal */
    IO_CELL_BOOL,   /* workbook booleans: text is "TRUE" or "FALSE" */
    IO_CELL_ERROR,  /* workbook error values: text such as "#DIV/0!" */
} io_cell_type;

typedef struct io_cell {
    char *text; /* NULL when empty */
    size_t len;
    io_cell_type type;
} io_cell;

typedef struct io_row {
    io_cell *cells;
    size_t n;
    long line; /* CSV line or workbook row number (1-based) */
} io_row;

typedef struct io_sheet {
    char *source; /* file name as given */
    char *name;   /* worksheet name; NULL for CSV */
    io_row *rows;
    size_t n, cap;
} io_sheet;

/* Limits of what is read; 0 in a field means its default. */
typedef struct io_sheet_limits {
    size_t max_file_bytes; /* CSV file / workbook archive size; default 64 MiB */
    size_t max_cell_bytes; /* one cell; default 128 KiB (Excel's 32,767 characters in UTF-8) */
    size_t max_rows;       /* default 1048576 (Excel's row limit) */
    size_t max_cols;       /* default 16384 (Excel's column limit, XFD) */
    size_t max_cells;      /* all cells of a sheet, gaps included; default 4,000,000 */
} io_sheet_limits;

/* Limits with defaults filled in where lim is NULL or a field is 0. */
io_sheet_limits io_sheet_limits_resolve(const io_sheet_limits *lim);

/* Text of cell (r, col): "" when the row has no such cell. */
const char *io_sheet_text(const io_sheet *s, size_t r, long col);
io_cell_type io_sheet_type(const io_sheet *s, size_t r, long col);

/* Where cell (r, col) is, for messages: "bom!C12" (quoted as Excel quotes
 * sheet names when needed: 'my sheet'!C12) for workbooks, "file.csv:12" for
 * CSV.  col < 0 means the whole row ("bom!12:12" / "file.csv:12").  buf is
 * always NUL-terminated; a reference longer than size is cut. */
void io_sheet_ref(const io_sheet *s, size_t r, long col, char *buf, size_t size);

/* Column letters of a 0-based column index (0 -> "A", 26 -> "AA"). */
void io_col_letters(long col, char buf[8]);

/* Record an error located at cell (r, col) (col < 0: the row): CSV errors
 * carry file and line; workbook errors carry the file and, as the error's
 * path, the cell reference ("bom!C12"). */
tj_status io_sheet_error(const io_sheet *s, size_t r, long col, tj_error *err, tj_status code,
                         const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Read a CSV file (UTF-8 with or without BOM, or GB18030; encoding NULL
 * detects, or "utf-8" / "gb18030") into a sheet.  A file with no non-empty
 * row is an error.  Limits as above; a cell or file over its limit is
 * refused, never cut. */
tj_status io_sheet_read_csv(const char *path, const char *encoding, const io_sheet_limits *lim, io_sheet *out,
                            tj_error *err);

/* Trim white space (ASCII space, tab, CR and U+3000) from both ends of
 * s[0..*len) in place; returns s (NUL-terminated at the new length). */
char *io_cell_trim(char *s, size_t *len);

/* 1 when s starts with the bytes of a zip archive (an .xlsx workbook). */
int io_file_is_zip(const char *path);

void io_sheet_release(io_sheet *s);

#endif

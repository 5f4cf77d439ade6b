/*
 * io/table_write: tables (rows of text and number cells) written as CSV or
 * as an .xlsx workbook of one sheet (libxlsxwriter), for exports and result
 * tables.
 *
 * Checked output: every write is checked, and the first failure is kept and
 * returned by io_table_close().  A table written to a file goes to a
 * temporary file in the same folder, renamed over the target only when
 * everything succeeded; on failure (or io_table_abort) the partial file is
 * removed, so a failed export never leaves a damaged file behind.
 *
 * CSV follows RFC 4180 (quotes where needed).  Text cells whose first
 * character makes spreadsheets read them as a formula (=, +, -, @, tab, CR)
 * are written with a leading single quote, so that opening an export never
 * runs what a cell holds (OWASP "CSV injection").  Number cells are written
 * as numbers.  In .xlsx every cell is typed (string or number), so nothing
 * needs neutralising there.
 *
 * Limits: an .xlsx sheet holds at most 1,048,576 rows, 16,384 columns and
 * 32,767 characters per cell; a table over them is refused, never cut.
 */
#ifndef IO_TABLE_WRITE_H
#define IO_TABLE_WRITE_H

#include <stdio.h>

#include "tanji/error.h"

typedef enum io_table_format { IO_TABLE_CSV = 0, IO_TABLE_XLSX } io_table_format;

typedef struct io_table io_table;

/* "csv" or "xlsx" (any case); TJ_ERR_USAGE otherwise. */
tj_status io_table_format_parse(const char *s, io_table_format *out, tj_error *err);

/* Start a table written to path.  path NULL or "-" means standard output,
 * for CSV only.  sheet: the worksheet name for .xlsx (NULL: "Sheet1"). */
tj_status io_table_open(const char *path, io_table_format fmt, const char *sheet, io_table **out,
                        tj_error *err);

/* Start a CSV table written to an open stream (not closed by the table). */
tj_status io_table_open_stream(FILE *f, const char *name, io_table **out, tj_error *err);

/* Cells of the current row, left to right.  Each returns the table's status
 * (the first failure, sticky): callers may stop at the first error. */
tj_status io_table_text(io_table *t, const char *s); /* NULL is an empty cell */
tj_status io_table_number(io_table *t, double v, int significant_digits);
/* A number given as decimal text (e.g. "0.5703", as the data holds it): CSV
 * writes the text as it is; .xlsx a number cell of its value.  Text that is
 * not a plain decimal number is written as a text cell. */
tj_status io_table_number_text(io_table *t, const char *s);
tj_status io_table_empty(io_table *t);
tj_status io_table_end_row(io_table *t);

/* Finish: write, flush, close and rename into place.  Returns the first
 * failure of the whole table (with the file named); frees t in any case. */
tj_status io_table_close(io_table *t, tj_error *err);

/* Give up: free t and remove what was written to a file. */
void io_table_abort(io_table *t);

/* The CSV cell text of s: s itself or, when it starts like a formula, s with
 * a leading single quote.  Returns 1 when neutralised (exposed for tests). */
int io_csv_formula_leading(const char *s);

#endif

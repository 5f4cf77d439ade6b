/*
 * io/xlsx_read: worksheets of an Office Open XML workbook (.xlsx, ECMA-376 /
 * ISO/IEC 29500) as sheets of rows of cells (io/sheet.h).
 *
 * The archive is read with libzip (CRC-32 of every entry checked at its
 * end) and every XML part is parsed as it is inflated, with expat (a
 * streaming parser; DOCTYPE and entity declarations are refused).  The parts
 * are found as a spreadsheet program finds them: _rels/.rels names the
 * workbook, the workbook's relationships name its worksheets and shared
 * strings, and workbook.xml gives each worksheet's name.
 *
 * Cells: shared strings (t="s"), inline strings (t="inlineStr", rich text
 * runs joined, phonetic runs left out), formula strings (t="str"), numbers
 * (no t or t="n": the stored text, exactly), booleans (t="b"), errors
 * (t="e") and ISO dates (t="d", as text).  Formulas count by their saved
 * value; a formula without one is refused.  Cells and rows may come in any
 * order and with or without references; a cell given twice is refused.
 * OOXML escapes (_x000D_) in text are decoded; a NUL is refused.
 *
 * Everything is bounded, and what goes past a bound is refused with an
 * error, never cut: the archive's size and entry count, each part's inflated
 * size, the inflated total, the compression ratio, XML nesting, shared
 * strings, rows, columns, cells and the bytes of a cell.
 */
#ifndef IO_XLSX_READ_H
#define IO_XLSX_READ_H

#include <stddef.h>

#include "io/sheet.h"
#include "tanji/error.h"

typedef struct io_xlsx_limits {
    io_sheet_limits sheet;     /* per sheet, and max_file_bytes for the archive */
    size_t max_entries;        /* entries in the archive; default 10,000 */
    size_t max_part_bytes;     /* one XML part inflated; default 256 MiB */
    size_t max_total_bytes;    /* all parts read, inflated; default 512 MiB */
    size_t max_ratio;          /* inflated / compressed of a part over 1 MiB; default 200 */
    size_t max_shared_strings; /* default 2,000,000 */
    size_t max_sheets;         /* default 1,000 */
    size_t max_depth;          /* XML element nesting; default 64 */
} io_xlsx_limits;

typedef struct io_xlsx io_xlsx;

/* Open a workbook and read its list of worksheets (and shared strings, when
 * it has them).  lim may be NULL (defaults); 0 in a field means its default. */
tj_status io_xlsx_open(const char *path, const io_xlsx_limits *lim, io_xlsx **out, tj_error *err);

/* The same from memory (name is used in messages; data must outlive x). */
tj_status io_xlsx_open_mem(const char *name, const void *data, size_t len, const io_xlsx_limits *lim,
                           io_xlsx **out, tj_error *err);

/* Worksheets in workbook order. */
size_t io_xlsx_sheet_count(const io_xlsx *x);
const char *io_xlsx_sheet_name(const io_xlsx *x, size_t i);

/* Index of the worksheet named name (compared as Excel does: ASCII letters
 * in any case), or -1. */
long io_xlsx_find_sheet(const io_xlsx *x, const char *name);

/* Read worksheet i into out (an io_sheet whose name is the sheet's name and
 * source the workbook's file name). */
tj_status io_xlsx_read_sheet(io_xlsx *x, size_t i, io_sheet *out, tj_error *err);

void io_xlsx_close(io_xlsx *x);

#endif

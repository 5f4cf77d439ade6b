/*
 * io/declare_out: printable and spreadsheet forms of declarations.
 *
 * io_battery_pdf: the battery declaration JSON (services/battery.h) as a
 * printable A4 PDF in Chinese (with English terms), through the report
 * renderer (io/report.h: cairo + pango, Noto Sans CJK).
 *
 * io_cbam_xlsx: the CBAM communication JSON (services/cbam.h) as an .xlsx
 * workbook laid out after the Commission's communication template for
 * installations (sheet Summary_Communication, plus Precursors,
 * Importer_Declaration and Notes).  Written under a temporary name and
 * renamed when complete; a failure leaves no file.
 *
 * Ownership: the JSON is only read.
 */
#ifndef IO_DECLARE_OUT_H
#define IO_DECLARE_OUT_H

#include <jansson.h>

#include "io/report.h"
#include "tanji/error.h"

/* The report document of a battery declaration (Chinese). */
tj_status io_battery_report(const json_t *decl, io_report **out, tj_error *err);
tj_status io_battery_pdf(const json_t *decl, const char *path, tj_error *err);
tj_status io_cbam_xlsx(const json_t *comm, const char *path, tj_error *err);

/* The battery PDF ("pdf") or the CBAM workbook ("xlsx") in memory (through
 * a private temporary file under $TMPDIR, removed afterwards); *data is
 * malloc'ed. */
tj_status io_declare_render(const json_t *decl, const char *format, char **data, size_t *len, tj_error *err);

#endif

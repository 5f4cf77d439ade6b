/*
 * io/report: footprint reports (GB/T 24067 / ISO 14067) in HTML, PDF and JSON.
 *
 * io_report_build() reads a footprint result (the JSON of `tanji calc --format
 * json`, docs/report-format.md) and an optional conformance check result and
 * lays the report out as a document of sections and blocks (paragraphs,
 * key-value lists, tables, charts) in one language.  The renderers walk that
 * document: HTML (self-contained, inline SVG, every string escaped), PDF
 * (cairo + pango, Noto Sans CJK) and JSON.
 *
 * Ownership: an io_report owns all its strings and arrays; io_report_free()
 * releases it.  The footprint and check JSON are only read.
 */
#ifndef IO_REPORT_H
#define IO_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "tanji/error.h"

typedef enum io_block_kind {
    IO_BLOCK_PARA,     /* text */
    IO_BLOCK_NOTE,     /* text, shown as a highlighted note */
    IO_BLOCK_KV,       /* rows of (key, value): cells[2*i], cells[2*i+1] */
    IO_BLOCK_TABLE,    /* ncols x nrows cells, row 0 is the header */
    IO_BLOCK_BARS,     /* horizontal bar chart: labels[i], values[i] */
    IO_BLOCK_PARETO,   /* Pareto chart: bars sorted descending + cumulative share */
    IO_BLOCK_BOUNDARY, /* system boundary diagram: 5 stages, labels[i], values[i], flags */
} io_block_kind;

typedef struct io_block {
    io_block_kind kind;
    char *text;          /* PARA, NOTE; caption of charts */
    size_t ncols, nrows; /* KV: ncols = 2, no header */
    char **cells;        /* row-major */
    unsigned right_mask; /* TABLE: bit i set = column i is numeric (right-aligned) */
    size_t n;            /* charts */
    char **labels;
    double *values;
    int *flags; /* BOUNDARY: 1 = stage inside the boundary */
    char *unit; /* charts: unit of values */
} io_block;

typedef struct io_section {
    char *id; /* stable id: "scope", "unit", "boundary", ... */
    char *title;
    io_block *blocks;
    size_t n, cap;
} io_section;

typedef struct io_report {
    int zh; /* language: 1 Chinese, 0 English */
    char *title;
    char *subtitle;  /* product name */
    char *total;     /* formatted total with unit */
    char *generated; /* UTC timestamp */
    int example;     /* the footprint is marked as example data */
    char *banner;    /* warning shown under the title (example data), or NULL */
    io_section *sections;
    size_t n, cap;
} io_report;

/* Check that fp has the required keys of a footprint result (total, unit,
 * by_stage) with the right types; errors name the JSON path. */
tj_status io_footprint_validate(const json_t *fp, tj_error *err);

/* Build a report.  check may be NULL; fp_sha256 (hex, may be NULL) is the
 * digest of the footprint file itself. */
tj_status io_report_build(const json_t *fp, const json_t *check, int zh, const char *fp_sha256,
                          io_report **out, tj_error *err);
void io_report_free(io_report *r);

/* Renderers. */
tj_status io_report_write_html(const io_report *r, FILE *out, tj_error *err);
tj_status io_report_write_pdf(const io_report *r, const char *path, tj_error *err);
json_t *io_report_to_json(const io_report *r); /* new reference, NULL on OOM */

/* Format a number for reports: about 4 significant digits, no exponent for
 * ordinary magnitudes.  Returns buf. */
char *io_fmt_num(double v, char *buf, size_t size);

/* Round an axis range [lo, hi] outwards to multiples of a 1-2-2.5-5 step
 * giving about four intervals. */
void io_nice_axis(double lo, double hi, double *axis_lo, double *axis_hi, double *step);

#endif

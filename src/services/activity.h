/*
 * services/activity: enterprise activity data (.xlsx workbooks, or sheets
 * saved as CSV) -> a tanji model (docs/model-format.md).
 *
 * Four kinds of sheet, each optional: bill of materials (BOM), energy use,
 * transport legs and waste (docs/activity-csv.md lists the columns, in
 * Chinese or English).  CSV files may be UTF-8 (with or without BOM) or
 * GB18030; a workbook holds one sheet per kind, found by its name (bom /
 * 物料清单, energy / 能源消耗, transport / 运输, waste / 废弃物, factors /
 * 因子), and both are read through io/sheet.h, so the same checks apply and
 * errors locate the cell ("bom!C12") or the line ("bom.csv:12").
 * Every line is matched to a factor: by the id in its factor column, or by a
 * resolution query (its name) - first in an inline factor table (CSV), then
 * in the factor database when one is given.  Lines that match nothing are
 * kept in the model with a {"query": ...} reference and reported.
 *
 * Ownership: svc_activity_result owns the model (a jansson reference) and
 * the list of unmatched lines; svc_activity_result_release() frees both.
 * The options' strings are borrowed for the duration of the call.
 */
#ifndef SVC_ACTIVITY_H
#define SVC_ACTIVITY_H

#include <jansson.h>

#include "services/ctx.h"
#include "store/store.h"
#include "tanji/error.h"

typedef enum svc_sheet_kind {
    SVC_SHEET_BOM = 0,
    SVC_SHEET_ENERGY,
    SVC_SHEET_TRANSPORT,
    SVC_SHEET_WASTE,
    SVC_SHEET_COUNT
} svc_sheet_kind;

typedef struct svc_activity_options {
    const char *product_zh, *product_en;      /* at least one */
    const char *unit;                         /* declared unit, e.g. "t" */
    double amount;                            /* default 1 */
    const char *boundary;                     /* default cradle-to-gate */
    const char *geography;                    /* ISO 3166-2 for the model, e.g. CN-YN; may be NULL */
    const char *region;                       /* region for factor resolution (code or name); may be NULL */
    int year;                                 /* reference year for resolution, 0 = newest */
    const char *category;                     /* product category (rule), may be NULL */
    const char *workbook;                     /* .xlsx with one sheet per kind, may be NULL */
    const char *sheet_names[SVC_SHEET_COUNT]; /* workbook sheet of each kind, NULL = by its usual names */
    const char *sheets[SVC_SHEET_COUNT];      /* CSV or .xlsx paths (overriding the workbook), NULL = none;
                                               * an .xlsx here: its sheet of that kind, or its only sheet */
    const char *factors_csv;                  /* inline factor table (CSV or .xlsx), may be NULL */
    const char *encoding;                     /* NULL (detect), "utf-8" or "gb18030" */
} svc_activity_options;

typedef struct svc_unmatched {
    char *file;
    long line;  /* CSV line or workbook row */
    char *cell; /* workbook cell ("bom!A5"), NULL for CSV */
    char *name;
    char *reason;
} svc_unmatched;

typedef struct svc_activity_result {
    json_t *model;
    svc_unmatched *unmatched;
    size_t n_unmatched;
    size_t lines, by_id, by_query;
    char **sheets_ignored; /* workbook sheets that no kind reads */
    size_t n_sheets_ignored;
} svc_activity_result;

/* Factor ids and queries are looked up in ctx->db as ctx's principal (ctx
 * NULL or without a database: inline factors only). */
tj_status svc_activity_to_model(svc_ctx *ctx, const svc_activity_options *opt, svc_activity_result *res,
                                tj_error *err);
void svc_activity_result_release(svc_activity_result *res);

#endif

/*
 * svc_factor internals shared by the services/factor_*.c files.
 * Ownership: svc_regions owns its strings (svc_regions_release); functions
 * returning char * return malloc'ed strings the caller frees.
 */
#ifndef SERVICES_FACTORS_INTERNAL_H
#define SERVICES_FACTORS_INTERNAL_H

#include "services/factors.h"

#include "services/regions.h"
#include "ledger/ledger.h"

extern const size_t fx_db_field_count;
/* Do svc_factor_fields and store/factor_sql_columns agree (tests)? */
int fx_columns_agree(void);
char *fx_strdup(const char *s);
/* TJ_OK, or TJ_ERR_INPUT naming what when s[0..n) is not valid UTF-8 (NULL
 * passes): text from outside, checked before any database sees it. */
tj_status fx_check_utf8(const char *what, const char *s, size_t n, tj_error *err);
int fx_empty(const char *s);
char *fx_name_norm(const char *s);
char *fx_new_id(void);
tj_status fx_validate(const svc_regions *regions, svc_factor *f, tj_error *err);
char *fx_search_text(const svc_regions *regions, const svc_factor *f);
void fx_read_row(store_stmt *st, int first, svc_factor *f);
/* factor_sql_row_fn reading into the svc_factor arg. */
tj_status fx_row_into(void *arg, store_stmt *st, int first, tj_error *err);
/* A version with its evidence (no visibility check). */
tj_status fx_get(store_db *db, const char *id, int version, svc_factor *out, tj_error *err);
/* The canonical JSON (RFC 8785) of fx_factor_json(f), the state a ledger
 * entry's digest covers, written into b without building the JSON: 0, or
 * -1 when f holds what only the generic path handles (a text jansson
 * refuses, an infinity, a JSON field without canonical form) or memory ran
 * out; b is then to be discarded. */
struct ledger_jbuf;
int fx_factor_state_jcs(const svc_factor *f, struct ledger_jbuf *b);
tj_status fx_vals(const svc_factor *f, char **vals, tj_error *err);
/* The same values without copies, for bulk writes: vals[k] points into f
 * (text) or into scratch (numbers, FX_VALS_SCRATCH bytes), NULL where
 * fx_vals gives NULL; valid while f and scratch are. */
#define FX_VALS_SCRATCH (64 * 32)
void fx_vals_borrow(const svc_factor *f, const char **vals, char *scratch);
void fx_vals_release(char **vals);
tj_status fx_event(store_db *db, const char *id, int version, const char *action, const char *from,
                   const char *to, const char *actor, const char *at, const char *reason, tj_error *err);
tj_status fx_for_each_name(const svc_factor *f, tj_status (*fn)(void *ctx, const char *norm, tj_error *err),
                           void *ctx, tj_error *err);
tj_status fx_insert_evidence(store_db *db, const svc_factor *f, tj_error *err);
tj_status fx_insert_version(store_db *db, const svc_regions *regions, const svc_factor *f, tj_error *err);
/* factor_name rows (the names resolution looks up) exist for published
 * versions only: added when a version is published, removed when it is
 * superseded or withdrawn. */
tj_status fx_insert_names(store_db *db, const svc_factor *f, tj_error *err);
tj_status fx_delete_names(store_db *db, const char *id, int version, tj_error *err);
tj_status fx_latest(store_db *db, const char *id, int *version, char **status, tj_error *err);
int fx_status_in_workflow(const char *s);
tj_status fx_load_evidence(store_db *db, svc_factor *f, tj_error *err);
/* Visibility: statuses everyone may read; the organisation a principal's
 * searches are limited to for other statuses (NULL: all); may ctx see f? */
int fx_status_public(const char *s);
const char *fx_visible_org(const svc_ctx *ctx);
int fx_visible(const svc_ctx *ctx, const svc_factor *f);
/* The ledger entry of a change of f (object "factor_version", "ID@VERSION"). */
tj_status fx_record(svc_ctx *ctx, const char *kind, const svc_factor *f, const char *action, const char *from,
                    const char *to, const char *reason, tj_error *err);
/* The same entry made ready (ledger_prepare) but not appended: no database,
 * safe on another thread while ctx and f do not change. */
tj_status fx_record_prepare(const svc_ctx *ctx, const char *kind, const svc_factor *f, const char *action,
                            const char *from, const char *to, const char *reason, ledger_prepared *p,
                            tj_error *err);
/* Search; visible_org non-NULL: versions not yet published only of that owner. */
tj_status fx_search(store_db *db, const svc_factor_query *q, const char *visible_org, svc_factor_list *out,
                    tj_error *err);

#include <jansson.h>
json_t *fx_factor_json(const svc_factor *f);

/* CSV rows (factor_csv.c): each row's fields, malloc'ed, and its line. */
typedef struct csv_row {
    long line;
    size_t n;
    char **f;
} csv_row;
/* A row handed to fx_csv_each's callback: valid during the call only. */
typedef tj_status (*fx_csv_row_fn)(void *arg, const csv_row *row, tj_error *err);
typedef struct csv_rows {
    csv_row *rows;
    size_t count, cap;
    /* while parsing */
    csv_row cur;
    size_t curcap;
    long line;
    int oom;
    /* streaming (fx_csv_each): rows go to each, field buffers are reused */
    fx_csv_row_fn each;
    void *each_arg;
    tj_error *each_err;
    tj_status each_rc;
    size_t *fcap; /* capacity of cur.f[i], for the first nbuf fields */
    size_t nbuf;
} csv_rows;
tj_status fx_csv_read(const char *name, const char *text, size_t len, csv_rows *out, tj_error *err);
/* The same parse, row by row: fn gets each row (blank ones included) in
 * order, without the file's rows being held; a status other than TJ_OK
 * from fn stops the parse and is returned. */
tj_status fx_csv_each(const char *name, const char *text, size_t len, fx_csv_row_fn fn, void *arg, tj_error *err);
/* The same for a part of a file that starts at a record boundary after
 * lines_before lines: line numbers are the file's. */
tj_status fx_csv_each_from(const char *name, const char *text, size_t len, long lines_before, fx_csv_row_fn fn,
                           void *arg, tj_error *err);
void fx_csv_rows_release(csv_rows *r);
int fx_csv_row_blank(const csv_row *r);
/* A whole file into a malloc'ed buffer. */
tj_status fx_read_file(const char *path, char **data, size_t *len, tj_error *err);

#include <stdlib.h>
#include <string.h>
#include "core/sbuf.h"

#endif

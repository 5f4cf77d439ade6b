/*
 * svc_factor: the factor database (碳足迹因子数据库) on top of store/.
 *
 * A factor has an id and numbered versions.  Each version moves through the
 * workflow draft -> submitted -> under_review -> approved | rejected ->
 * published -> superseded | withdrawn; every transition is one transaction
 * and is recorded (who, when, why) in the history.  A published version never
 * changes; publishing a new version supersedes the previously published one.
 *
 * Every function takes the caller's svc_ctx: permissions are checked here
 * (see workflow.h for who may take each step); versions not yet published
 * are visible only to their owner organisation and to reviewers, regulators
 * and the operator (others get TJ_ERR_NOTFOUND, as for a missing id);
 * published versions are public.  Every change appends a ledger entry
 * (object "factor_version", id "ID@VERSION") in the same transaction.
 *
 * Ownership: svc_factor holds malloc'ed strings owned by the struct; release
 * them with svc_factor_release (the struct itself is the caller's).  Lists
 * (svc_factor_list, svc_factor_events, svc_crosscheck_report) are released
 * with their _release function.  Strings passed in are copied.
 */
#ifndef SERVICES_FACTORS_H
#define SERVICES_FACTORS_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "services/ctx.h"
#include "store/store.h"
#include "tanji/error.h"

typedef struct svc_factor {
    char *id;
    int version;  /* 0 = not yet assigned */
    char *status; /* draft, submitted, under_review, approved, rejected, published, superseded, withdrawn */
    char *name_zh, *name_en;
    char *aliases; /* '|' separated */
    char *category;
    char *cpc, *hs;     /* product codes */
    char *unit;         /* declared unit, e.g. kWh, kg, t, t.km */
    double value;       /* kg CO2e per declared unit (kg CO2 for CO2-only factors, see gwp_set) */
    char *gases;        /* JSON object gas -> kg CO2e per unit, or NULL */
    char *stages;       /* JSON object stage -> kg CO2e per unit, or NULL */
    char *boundary;     /* cradle-to-gate, cradle-to-grave, combustion, grid-average ... */
    char *region;       /* CN, a grid code (GRID-HB ...), or a GB/T 2260 code */
    char *region_level; /* national, grid, province, city (derived) */
    int ref_year;       /* 0 = unknown */
    char *valid_from, *valid_to;
    char *source_doc, *source_publisher, *source_date, *source_url;
    char *method, *gwp_set;
    double uncertainty; /* relative, percent; NAN = unknown */
    char *dqr;          /* JSON object of data quality scores, or NULL */
    char *quality;      /* verified, unverified, example */
    char *submitter_org;
    int traceable;     /* metrology traceability: 1 yes, 0 no */
    char *evidence;    /* ';' separated SHA-256 hex digests, each optionally "digest=name" */
    int superseded_by; /* version, 0 = none */
    char *created_at, *created_by, *updated_at;
    char *owner_org; /* the organisation that added the version (drafts are visible to it only) */
} svc_factor;

void svc_factor_init(svc_factor *f);
void svc_factor_release(svc_factor *f);

/* Field table, shared by import, export and the CLI. */
typedef enum svc_field_type { SVC_FT_TEXT, SVC_FT_INT, SVC_FT_DOUBLE, SVC_FT_JSON } svc_field_type;
typedef struct svc_field {
    const char *name;
    svc_field_type type;
    size_t offset;
} svc_field;
extern const svc_field svc_factor_fields[];
extern const size_t svc_factor_field_count;
/* Set a field from text (as in a CSV cell).  "" clears it.  Errors name the
 * field. */
tj_status svc_factor_set_field(svc_factor *f, const svc_field *fd, const char *text, tj_error *err);
/* Field value as text ("" when unset); returns a malloc'ed string or NULL. */
char *svc_factor_get_field(const svc_factor *f, const svc_field *fd);
const svc_field *svc_factor_field_find(const char *name);

/* Add a new version as a draft (status "draft").  f->id NULL = a new factor
 * with a generated id; an existing id gets version max+1 (refused while an
 * earlier version is still in the workflow).  Returns id and version in f. */
tj_status svc_factor_add(svc_ctx *ctx, svc_factor *f, tj_error *err);

/* Workflow step: action is one of submit, review (start review), approve,
 * reject, publish, withdraw.  version 0 = the newest version.  reason is
 * required for reject and withdraw.  review on a version already under review
 * records a further reviewer's comment (reason required) without changing
 * its status. */
tj_status svc_factor_transition(svc_ctx *ctx, const char *id, int version, const char *action,
                                const char *reason, svc_factor *out, tj_error *err);
/* {id, version, status, action} of a transition's result.  New reference. */
json_t *svc_factor_transition_json(const svc_factor *f, const char *action);

/* Read a version.  version 0 = the current published version (or, if none,
 * the newest version).  This is what the engine calls for "id@version". */
tj_status svc_factor_get(svc_ctx *ctx, const char *id, int version, svc_factor *out, tj_error *err);
/* For a calculation: version 0 = the published version only (not found if
 * none is published); a given version must have been published (published
 * or superseded).  Drafts, versions in review, rejected and withdrawn
 * versions are refused (TJ_ERR_CONFLICT) so a footprint only ever pins
 * published, immutable factor versions. */
tj_status svc_factor_get_for_use(svc_ctx *ctx, const char *id, int version, svc_factor *out, tj_error *err);
/* Parse "id@version" or "id" (version 0). */
tj_status svc_factor_parse_ref(const char *ref, char **id, int *version, tj_error *err);

typedef struct svc_factor_event {
    int64_t seq;
    int version;
    char *action, *from_status, *to_status, *actor, *at, *reason;
} svc_factor_event;
typedef struct svc_factor_events {
    svc_factor_event *items;
    size_t count;
} svc_factor_events;
/* version 0: every version's events. */
tj_status svc_factor_history(svc_ctx *ctx, const char *id, int version, svc_factor_events *out, tj_error *err);
/* {id, events: [{seq, version, action, from, to, actor, at, reason}]}.  New reference. */
json_t *svc_factor_events_json(const char *id, const svc_factor_events *ev);
void svc_factor_events_release(svc_factor_events *ev);

typedef struct svc_factor_list {
    svc_factor *items;
    size_t count;
    int64_t total;    /* all matches, for paging ... */
    int total_capped; /* ... or, when 1, at least total (counting stops at 200) */
} svc_factor_list;
void svc_factor_list_release(svc_factor_list *l);

/* The longest search or resolution query accepted (bytes); longer is
 * refused (docs/limits.md). */
#define SVC_FACTOR_QUERY_MAX 1024u

typedef struct svc_factor_query {
    const char *text;     /* words in Chinese or English; all must match; NULL = any */
    const char *category; /* exact; NULL = any */
    const char *region;   /* code or name; NULL = any */
    int year;             /* reference year; 0 = any */
    const char *status;   /* NULL = any */
    int limit;            /* page size, default 20, max 1000 */
    int offset;
    int all_versions;     /* 0: current versions only (not superseded); 1: history too */
} svc_factor_query;
/* Results are in the order the versions were added.  Superseded versions
 * are left out unless all_versions is set or status is "superseded". */
tj_status svc_factor_search(svc_ctx *ctx, const svc_factor_query *q, svc_factor_list *out, tj_error *err);

/* Resolution: the published factor matching query (its id, or exactly one of
 * its names or aliases, case-insensitive) for region and year: the region
 * itself, then its province (for a city), its grid, then national; within a
 * region the newest reference year not after year (year 0 = newest).  Ties
 * are broken by newer source date, then smaller id.  explanation says why.
 * The factor's evidence is not loaded (svc_factor_get loads it).
 * Everyday words: a query that is no factor's name or alias ("电力",
 * "electricity") matches the published versions in the region chain whose
 * names, aliases, category or codes contain every word, grouped into
 * families by name (name_zh, else name_en).  One family is resolved by its
 * name as above (the explanation says so); several give TJ_ERR_CONFLICT
 * with a message listing them (nearest region first) and how to pick: one
 * of the names, or an id. */
typedef struct svc_factor_resolution {
    svc_factor factor;
    char *explanation;
    char *chain; /* regions tried, e.g. "530000 > GRID-NF > CN" */
    int candidates;
    size_t families; /* on TJ_ERR_CONFLICT: how many factor families the words matched */
} svc_factor_resolution;
tj_status svc_factor_resolve(svc_ctx *ctx, const char *query, const char *region, int year,
                             svc_factor_resolution *out, tj_error *err);
void svc_factor_resolution_release(svc_factor_resolution *r);

/* Region code for a code or name ("530000", "云南", "Yunnan", "华北", "CN");
 * malloc'ed, or NULL with err set. */
char *svc_region_normalize(store_db *db, const char *region, tj_error *err);

/* Import CSV (UTF-8 with or without BOM, or GB18030) or JSON (an array of
 * factor objects, or {"factors": [...]}).  format "csv", "json" or NULL
 * (from the file name).  Rows become new versions with status `status`
 * ("draft" or "published"; published needs source_doc on every row).  All or
 * nothing: any error (with file, line and column) changes nothing. */
typedef struct svc_import_result {
    int64_t rows;
    int64_t superseded;
    /* SQLite, an import of at least svc_import_direct_rows() versions:
     * direct = 1 when it was written straight into the database file
     * (store_direct_begin), else why_wal says why it went through the WAL
     * ("" when it was too small to try). */
    int direct;
    char why_wal[160];
} svc_import_result;
/* Versions from which an import tries direct writes: TANJI_IMPORT_DIRECT_ROWS,
 * default 50000 (docs/limits.md). */
long svc_import_direct_rows(void);
/* Direct writes are for a process that holds the database alone for the
 * import (the CLI's `factor import` turns them on): off by default, so that
 * a server, whose other threads open connections at any time, never makes
 * them wait for a long import. */
void svc_import_set_direct(int on);
tj_status svc_factor_import(svc_ctx *ctx, const char *path, const char *format, const char *status,
                            svc_import_result *res, tj_error *err);
/* Same, from memory (name is used in error messages). */
tj_status svc_factor_import_mem(svc_ctx *ctx, const char *name, const char *data, size_t len,
                                const char *format, const char *status,
                                svc_import_result *res, tj_error *err);

/* Export versions matching q (limit ignored: all) as CSV or JSON. */
tj_status svc_factor_export(svc_ctx *ctx, const svc_factor_query *q, const char *format, FILE *out,
                            int64_t *rows, tj_error *err);
/* The same as a table (CSV or .xlsx, io/table_write.h): a header row of
 * field names, then one row per version; numeric fields as number cells.
 * Write errors surface at io_table_close(t). */
struct io_table;
tj_status svc_factor_export_table(svc_ctx *ctx, const svc_factor_query *q, struct io_table *t, int64_t *rows,
                                  tj_error *err);

/* Cross-check: reference figures in CSV with columns
 *   factor (id or id@version) or query+region+year,
 *   reference_value, or emissions_kg and output (reference = emissions/output),
 *   optional tolerance (relative, e.g. 0.1) and label.
 * Each row is compared with the factor; |factor/reference - 1| > tolerance is
 * flagged. */
typedef struct svc_crosscheck_row {
    long line;
    char *label, *factor_ref; /* id@version used */
    double factor_value, reference_value, deviation, tolerance;
    int flagged;
    char *note; /* why not checked, or NULL */
} svc_crosscheck_row;
typedef struct svc_crosscheck_report {
    svc_crosscheck_row *rows;
    size_t count;
    size_t flagged, unchecked;
} svc_crosscheck_report;
tj_status svc_factor_crosscheck(svc_ctx *ctx, const char *path, double tolerance, svc_crosscheck_report *out,
                                tj_error *err);
void svc_crosscheck_report_release(svc_crosscheck_report *r);

/* The record as a JSON object (fields as in svc_factor_fields; aliases and
 * evidence as arrays).  New reference, caller decrefs. */
json_t *svc_factor_to_json(const svc_factor *f);
/* The current state of a factor version "ID@VERSION" as svc_factor_to_json
 * (what ledger entries' state digests are checked against).  New reference
 * in *out. */
tj_status svc_factor_state_json(svc_ctx *ctx, const char *object_id, json_t **out, tj_error *err);
/* Every factor version's current state as above, for ledger verification:
 * emit(arg, "ID@VERSION", state) in (id, version) order; no permission
 * check (verification reads everything). */
tj_status svc_factor_each_state(store_db *db, tj_status (*emit)(void *arg, const char *object_id, const json_t *state,
                                                                 tj_error *err),
                                void *arg, tj_error *err);
/* JSON of a resolution ({ref, value, unit, source, quality, chain,
 * explanation, candidates, factor}) and of a cross-check report.  New
 * references. */
json_t *svc_factor_resolution_json(const svc_factor_resolution *r);
json_t *svc_crosscheck_report_json(const svc_crosscheck_report *r);
/* Add the SHA-256 digest and base name of the file at path to f->evidence. */
tj_status svc_factor_add_evidence_file(svc_factor *f, const char *path, tj_error *err);

/* SHA-256 of a file (an evidence document) as 64 lower-case hex digits. */
tj_status svc_evidence_digest_file(const char *path, char hex[65], tj_error *err);

/* Current UTC time as RFC 3339 into buf (>= 21 bytes). */
void svc_now_rfc3339(char *buf, size_t size);

#endif

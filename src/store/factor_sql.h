/*
 * factor_sql: the SQL of the factor database (factor_version, factor_name,
 * factor_evidence, factor_event, and SQLite's factor_fts), one text per
 * dialect where they differ, and PostgreSQL's search plan chooser.
 * services/factor_*.c call these functions; no SQL text lives there.
 *
 * Rows of factor_version are read by the caller's callback from the columns
 * factor_sql_columns (in that order) starting at column `first`.
 *
 * Ownership: strings returned through char ** are malloc'ed and the
 * caller's; strings passed in are copied or only read.
 */
#ifndef STORE_FACTOR_SQL_H
#define STORE_FACTOR_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "tanji/error.h"

/* factor_version columns, in the order of svc_factor_fields (all but
 * evidence, which is factor_evidence). */
extern const char *const factor_sql_columns[];
extern const size_t factor_sql_ncolumns;
/* "fv.id, fv.version, ..." */
const char *factor_sql_select_list(void);

typedef tj_status (*factor_sql_row_fn)(void *arg, store_stmt *st, int first, tj_error *err);

/* One version: version > 0 that version; 0 the published one, else the
 * newest; published_only: only if its status is published.  *found 0/1. */
tj_status factor_sql_get(store_db *db, const char *id, int version, int published_only, factor_sql_row_fn fn,
                         void *arg, int *found, tj_error *err);
/* Every version, in (id, version) order, a page of `page` rows at a time
 * (keyset paging: memory stays bounded however many there are). */
tj_status factor_sql_each(store_db *db, int page, factor_sql_row_fn fn, void *arg, tj_error *err);
/* Newest version of id (0 if none), its status and owner (may be NULL). */
tj_status factor_sql_latest(store_db *db, const char *id, int *version, char **status, char **owner_org,
                            tj_error *err);
/* Status, source_doc and owner of a version; *found 0/1. */
tj_status factor_sql_state(store_db *db, const char *id, int version, char **status, char **source_doc,
                           char **owner_org, int *found, tj_error *err);
/* The version of id now published (0 if none). */
tj_status factor_sql_published_version(store_db *db, const char *id, int *version, tj_error *err);
/* Mark old superseded by new_version. */
tj_status factor_sql_supersede(store_db *db, const char *id, int old_version, int new_version, const char *now,
                               tj_error *err);
/* Move a version from status `from` to `to`; *changed: rows changed (0 when
 * another writer moved it meanwhile). */
tj_status factor_sql_set_status(store_db *db, const char *id, int version, const char *from, const char *to,
                                const char *now, int64_t *changed, tj_error *err);

/* What a row's search columns hold, from its search text (names, codes:
 * see fx_search_text) and filters: SQLite's search_text carries the FTS
 * filter tokens; PostgreSQL's search_keys is a tsvector literal (see
 * factor_sql.c), "" for a version stored superseded (current = 0).
 * *keys is NULL on SQLite. */
tj_status factor_sql_index_values(store_db *db, const char *text, int ref_year, const char *region,
                                  const char *category, int current, char **search_text, char **keys,
                                  tj_error *err);
/* The PostgreSQL search_keys literal (exposed for tests). */
char *factor_sql_search_keys(const char *text, int ref_year, const char *region, const char *category);

/* Insert one version: vals[factor_sql_ncolumns] as text (NULL = SQL NULL),
 * its search text as for factor_sql_index_values. */
tj_status factor_sql_insert_version(store_db *db, const char *const *vals, const char *text, tj_error *err);

/* Names (resolution looks them up) of a published version. */
tj_status factor_sql_insert_names(store_db *db, const char *id, int version, const char *region, int ref_year,
                                  const char *source_date, const char *const *norms, size_t n, tj_error *err);
tj_status factor_sql_delete_names(store_db *db, const char *id, int version, tj_error *err);
/* Evidence: digests[n] (lower-case hex) and names (NULL allowed). */
tj_status factor_sql_insert_evidence(store_db *db, const char *id, int version, int traceable,
                                     const char *const *digests, const char *const *names, size_t n,
                                     tj_error *err);
/* "digest=name;digest;..." ordered by digest, NULL if none. */
tj_status factor_sql_load_evidence(store_db *db, const char *id, int version, char **out, tj_error *err);
tj_status factor_sql_event(store_db *db, const char *id, int version, const char *action, const char *from,
                           const char *to, const char *actor, const char *at, const char *reason, tj_error *err);
/* Events of id in order: fn(arg, seq, version, action, from, to, actor, at, reason). */
typedef tj_status (*factor_sql_event_fn)(void *arg, int64_t seq, int version, const char *action,
                                         const char *from, const char *to, const char *actor, const char *at,
                                         const char *reason, tj_error *err);
tj_status factor_sql_history(store_db *db, const char *id, factor_sql_event_fn fn, void *arg, tj_error *err);

/* Resolution candidates: published versions with the name norm in one of
 * regions[n] (n <= 6): fn(arg, id, version, region, ref_year, source_date). */
typedef tj_status (*factor_sql_cand_fn)(void *arg, const char *id, int version, const char *region,
                                        int ref_year, const char *source_date, tj_error *err);
tj_status factor_sql_name_candidates(store_db *db, const char *norm, const char *const *regions, int n,
                                     factor_sql_cand_fn fn, void *arg, tj_error *err);

/* Search (see factor_sql.c for the plans). */
typedef struct factor_sql_query {
    const char *text;     /* words; all must match (LIKE on search_text) */
    const char *category; /* exact, or NULL */
    const char *region;   /* a region code, or NULL */
    int year;             /* 0 = any */
    const char *status;   /* NULL = any */
    int limit, offset;    /* the page */
    int all_versions;     /* 0: superseded versions left out (unless status is superseded) */
    const char *visible_org; /* non-NULL: versions not published, superseded or withdrawn only of this owner */
} factor_sql_query;
/* Counting stops here: the total of a broad search is "at least". */
#define FACTOR_SQL_COUNT_CAP 200
tj_status factor_sql_search(store_db *db, const factor_sql_query *q, factor_sql_row_fn fn, void *arg,
                            int64_t *total, int *capped, tj_error *err);
/* Tests: nonzero makes PostgreSQL searches take the index plan. */
extern int factor_sql_force_index;

/* ---- import (set-based; see services/factor_import.c) ---- */
/* Does factor_version hold any row? */
tj_status factor_sql_any(store_db *db, int *any, tj_error *err);
/* The versions of ids[n] in the database, ordered by id and version:
 * fn(arg, id, version, status). */
typedef tj_status (*factor_sql_known_fn)(void *arg, const char *id, int version, const char *status,
                                         tj_error *err);
tj_status factor_sql_known_versions(store_db *db, const char *const *ids, size_t n, factor_sql_known_fn fn,
                                    void *arg, tj_error *err);
/* Supersede the published versions of ids[n]: new_versions[i] supersedes
 * old_versions[i]; their names go.  *changed: versions superseded. */
tj_status factor_sql_supersede_many(store_db *db, const char *const *ids, const int *old_versions,
                                    const int *new_versions, size_t n, const char *now, int64_t *changed,
                                    tj_error *err);
/* Bulk writers for an import (inside a transaction). */
typedef struct factor_sql_bulk factor_sql_bulk;
tj_status factor_sql_bulk_begin(store_db *db, factor_sql_bulk **out, tj_error *err);
/* A version: vals as factor_sql_insert_version. */
tj_status factor_sql_bulk_version(factor_sql_bulk *b, const char *const *vals, const char *text, int ref_year,
                                  const char *region, const char *category, int current, tj_error *err);
/* After the versions: indexes (SQLite FTS, PostgreSQL's GIN pending list);
 * superseded: how many versions the import superseded. */
tj_status factor_sql_bulk_versions_done(factor_sql_bulk *b, int64_t superseded, tj_error *err);
tj_status factor_sql_bulk_name(factor_sql_bulk *b, const char *norm, const char *id, int version,
                               const char *region, int ref_year, const char *source_date, tj_error *err);
tj_status factor_sql_bulk_names_done(factor_sql_bulk *b, tj_error *err);
tj_status factor_sql_bulk_event(factor_sql_bulk *b, const char *id, int version, const char *action,
                                const char *from, const char *to, const char *actor, const char *at,
                                const char *reason, tj_error *err);
/* Finish (the events) and free b. */
tj_status factor_sql_bulk_end(factor_sql_bulk *b, tj_error *err);
/* Free b without finishing (the caller rolls back). */
void factor_sql_bulk_abort(factor_sql_bulk *b);

#endif

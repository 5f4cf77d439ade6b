/*
 * svc_factor internals shared by factors.c and factors_io.c.
 * Ownership: fx_regions owns its strings (fx_regions_release); functions
 * returning char * return malloc'ed strings the caller frees.
 */
#ifndef SERVICES_FACTORS_INTERNAL_H
#define SERVICES_FACTORS_INTERNAL_H

#include "services/factors.h"

typedef struct fx_region {
    char *code, *level, *parent, *name_zh, *name_en;
} fx_region;
typedef struct fx_regions {
    fx_region *items;
    size_t count;
} fx_regions;

extern const size_t fx_db_field_count;
const char *fx_db_columns(void);
char *fx_strdup(const char *s);
/* TJ_OK, or TJ_ERR_INPUT naming what when s[0..n) is not valid UTF-8 (NULL
 * passes): text from outside, checked before any database sees it. */
tj_status fx_check_utf8(const char *what, const char *s, size_t n, tj_error *err);
int fx_empty(const char *s);
char *fx_name_norm(const char *s);
char *fx_new_id(void);
tj_status fx_regions_load(store_db *db, fx_regions *r, tj_error *err);
void fx_regions_release(fx_regions *r);
const fx_region *fx_region_find(const fx_regions *r, const char *code);
tj_status fx_validate(const fx_regions *regions, svc_factor *f, tj_error *err);
char *fx_search_text(const fx_regions *regions, const svc_factor *f, int fts_tokens);
/* PostgreSQL search_keys (a tsvector literal) for a version and its search_text. */
char *fx_search_keys(const char *search_text, const svc_factor *f);
/* Tests: nonzero makes PostgreSQL searches take the index plan (search_keys
 * and the filter indexes) whatever the sampled densities say. */
extern int fx_search_force_index;
void fx_read_row(store_stmt *st, int first, svc_factor *f);
tj_status fx_event(store_db *db, const char *id, int version, const char *action, const char *from,
                   const char *to, const char *actor, const char *at, const char *reason, tj_error *err);
tj_status fx_for_each_name(const svc_factor *f, tj_status (*fn)(void *ctx, const char *norm, tj_error *err),
                           void *ctx, tj_error *err);
tj_status fx_insert_evidence(store_db *db, const svc_factor *f, tj_error *err);
tj_status fx_insert_version(store_db *db, const fx_regions *regions, const svc_factor *f, tj_error *err);
/* factor_name rows (the names resolution looks up) exist for published
 * versions only: added when a version is published, removed when it is
 * superseded or withdrawn. */
tj_status fx_insert_names(store_db *db, const svc_factor *f, tj_error *err);
tj_status fx_delete_names(store_db *db, const char *id, int version, tj_error *err);
tj_status fx_latest(store_db *db, const char *id, int *version, char **status, tj_error *err);
int fx_status_in_workflow(const char *s);
tj_status fx_fts_sync(store_db *db, const char *id, int64_t since_or_version, tj_error *err);
tj_status fx_load_evidence(store_db *db, svc_factor *f, tj_error *err);

#include <jansson.h>
json_t *fx_factor_json(const svc_factor *f);

#endif

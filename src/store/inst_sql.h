/*
 * store institutions: the SQL of certification bodies, keys, the
 * certification catalogue, applications, evidence documents, labels,
 * surveillance, grading benchmarks, the dishonest-entity list and
 * disclosures (migration 14).  Services check permissions and build the
 * records; this file only reads and writes rows.
 *
 * Rows travel as JSON objects whose keys are the column names (integers as
 * JSON integers, REAL as reals, NULL as null), so a service can record the
 * very row it reads as a ledger state.  *_insert functions take such an
 * object and bind the table's columns from it (missing keys bind NULL).
 *
 * Ownership: objects passed in are not consumed; JSON returned through
 * out-parameters is a new reference the caller owns.
 */
#ifndef STORE_INST_SQL_H
#define STORE_INST_SQL_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* ---- certification bodies and keys ---- */
tj_status store_cert_body_insert(store_db *db, const json_t *row, tj_error *err);
/* The body row joined with its organisation (name, region).  NOTFOUND. */
tj_status store_cert_body_get(store_db *db, const char *org_id, json_t **out, tj_error *err);
tj_status store_cert_body_list(store_db *db, json_t **out, tj_error *err);
tj_status store_cert_body_set_status(store_db *db, const char *org_id, const char *status, tj_error *err);
/* Replace the scope (a JSON array of category strings). */
tj_status store_cert_scope_set(store_db *db, const char *org_id, const json_t *categories, tj_error *err);
tj_status store_cert_scope_list(store_db *db, const char *org_id, json_t **out, tj_error *err);
tj_status store_cert_key_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_cert_key_get(store_db *db, const char *key_id, json_t **out, tj_error *err);
/* org_id NULL: every body's keys. */
tj_status store_cert_key_list(store_db *db, const char *org_id, json_t **out, tj_error *err);
/* status 'retired' sets retired_at, 'revoked' revoked_at and the reason. */
tj_status store_cert_key_set_status(store_db *db, const char *key_id, const char *status, const char *at,
                                    const char *reason, tj_error *err);

/* ---- the certification catalogue ---- */
tj_status store_cert_catalogue_put(store_db *db, const json_t *row, tj_error *err);
tj_status store_cert_catalogue_get(store_db *db, const char *category, json_t **out, tj_error *err);
tj_status store_cert_catalogue_list(store_db *db, json_t **out, tj_error *err);

/* ---- the dishonest-entity list ---- */
tj_status store_dishonest_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_dishonest_get(store_db *db, const char *id, json_t **out, tj_error *err);
/* at NULL: every entry; else those in force at `at` (with org names). */
tj_status store_dishonest_list(store_db *db, const char *at, json_t **out, tj_error *err);
tj_status store_dishonest_in_force(store_db *db, const char *org_id, const char *at, int *listed,
                                   tj_error *err);
tj_status store_dishonest_remove(store_db *db, const char *id, const char *at, const char *reason,
                                 tj_error *err);

/* ---- applications, steps, evidence ---- */
tj_status store_cert_app_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_cert_app_get(store_db *db, const char *id, json_t **out, tj_error *err);
/* org NULL: all; else applications where org applies or certifies. */
tj_status store_cert_app_list(store_db *db, const char *org, int limit, int offset, json_t **out,
                              tj_error *err);
tj_status store_cert_app_update(store_db *db, const json_t *row, tj_error *err);
tj_status store_cert_app_each(store_db *db, const char *after, int limit, json_t **out, tj_error *err);
tj_status store_cert_step_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_cert_step_list(store_db *db, const char *app_id, json_t **out, tj_error *err);
/* Insert a document unless one with its digest exists. */
tj_status store_cert_doc_put(store_db *db, const char *sha256, const char *media_type, int64_t size,
                             const char *content_b64, tj_error *err);
tj_status store_cert_doc_get(store_db *db, const char *sha256, json_t **out, tj_error *err);
tj_status store_cert_evidence_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_cert_evidence_list(store_db *db, const char *app_id, json_t **out, tj_error *err);

/* ---- labels ---- */
/* The next sequence number of a number prefix (1, 2, ...): one upsert,
 * safe with concurrent writers. */
tj_status store_label_seq_next(store_db *db, const char *prefix, int64_t *out, tj_error *err);
tj_status store_label_insert(store_db *db, const json_t *row, tj_error *err);
/* with_doc 0 leaves out the document.  Joined: holder_name, body_name. */
tj_status store_label_get(store_db *db, const char *number, int with_doc, json_t **out, tj_error *err);
/* What the public label document needs, in one statement: the label's
 * document, status, grade, grade_version and ledger_index, and the body of
 * the ledger entry at that index (entry NULL when there is none).  The
 * strings are the statement's: valid only during fn, which is called once
 * when the label exists (with its holder and body organisations, as
 * store_label_get); NOTFOUND otherwise. */
typedef struct store_label_pub {
    const char *document, *status, *entry;
    int64_t ledger_index, grade, grade_version;
    int has_grade, has_grade_version;
} store_label_pub;
tj_status store_label_pub_read(store_db *db, const char *number,
                               tj_status (*fn)(const store_label_pub *row, void *arg, tj_error *err),
                               void *arg, tj_error *err);
tj_status store_label_set_status(store_db *db, const char *number, const char *status, const char *reason,
                                 const char *at, tj_error *err);
tj_status store_label_set_grade(store_db *db, const char *number, const json_t *grade, const json_t *version,
                                const char *at, tj_error *err);
/* Labels valid or suspended whose validity ended before `at`. */
tj_status store_label_expiring(store_db *db, const char *at, int limit, json_t **out, tj_error *err);
/* Labels in keyset order (number > after), for ledger verification. */
tj_status store_label_each(store_db *db, const char *after, int limit, json_t **out, tj_error *err);
/* Registry search.  filter keys (all optional): product (substring),
 * category, region (province code), company (organisation id, or name
 * substring), grade (integer), status, after (keyset paging: labels
 * numbered after it); limit/offset.  *total gets the
 * number of matches when total is not NULL.  Rows: number, holder_org,
 * category, product, region, year, value, unit, grade, grade_version,
 * status, issued_at, valid_until, holder_name, body_name (what the public
 * registry shows). */
tj_status store_label_search(store_db *db, const json_t *filter, int limit, int offset, json_t **out,
                             tj_error *err);
/* {number, value, grade, region, year, holder_org} of the labels of a
 * category (status valid when valid_only). */
/* The valid labels of a category, lowest value first (at most limit, as
 * store_label_search's rows), and in *total how many there are. */
tj_status store_label_compare(store_db *db, const char *category, int limit, json_t **out, json_int_t *total,
                              tj_error *err);
tj_status store_label_values(store_db *db, const char *category, int valid_only, json_t **out, tj_error *err);
/* Rows {category, region, year, value, grade} for statistics; filter keys
 * category, region, year (all optional), valid labels only. */
tj_status store_label_stat_rows(store_db *db, const json_t *filter, json_t **out, tj_error *err);
tj_status store_label_holder_list(store_db *db, const char *holder_org, json_t **out, tj_error *err);

tj_status store_label_surv_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_label_surv_list(store_db *db, const char *number, json_t **out, tj_error *err);
tj_status store_label_surv_record(store_db *db, const char *number, int64_t seq, const char *status,
                                  const char *result, const char *at, const char *by, tj_error *err);
/* Scheduled surveillances due before `at` (for missed ones). */
tj_status store_label_surv_overdue(store_db *db, const char *at, json_t **out, tj_error *err);
tj_status store_label_grade_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_label_grade_list(store_db *db, const char *number, json_t **out, tj_error *err);

/* ---- grading benchmarks ---- */
tj_status store_grade_benchmark_insert(store_db *db, const json_t *row, tj_error *err);
/* The newest version for a category; NOTFOUND when none. */
tj_status store_grade_benchmark_latest(store_db *db, const char *category, json_t **out, tj_error *err);
/* category NULL: every version of every category. */
tj_status store_grade_benchmark_list(store_db *db, const char *category, json_t **out, tj_error *err);

/* ---- disclosures ---- */
tj_status store_disclosure_insert(store_db *db, const json_t *row, tj_error *err);
tj_status store_disclosure_get(store_db *db, const char *id, json_t **out, tj_error *err);
/* owner NULL: all; public_only: scope public (published or withdrawn). */
tj_status store_disclosure_list(store_db *db, const char *owner, int public_only, int limit, int offset,
                                json_t **out, tj_error *err);
tj_status store_disclosure_withdraw(store_db *db, const char *id, const char *at, const char *reason,
                                    tj_error *err);

#endif

#ifndef STORE_INST_SQL_HISTORY
#define STORE_INST_SQL_HISTORY
/* The ledger entries of one object, oldest first: {idx, at, kind, body}. */
tj_status store_inst_object_history(store_db *db, const char *object_type, const char *object_id,
                                    json_t **out, tj_error *err);
#endif

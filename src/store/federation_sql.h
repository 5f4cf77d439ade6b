/*
 * store federation: the SQL of migration 20 (see migrations_federation.c):
 * this instance's identity, the trust list of peers, entries and objects
 * imported from peers, the pull log and mutual recognition records.
 * Hashing, signatures and proofs live in services/federation.c.
 *
 * Ownership: JSON returned is a new reference (rows as objects, column
 * names as keys); strings passed in are copied by the database.
 */
#ifndef STORE_FEDERATION_SQL_H
#define STORE_FEDERATION_SQL_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

extern const char federation_sqlite[];
extern const char federation_postgres[];

/* This instance: {name, jurisdiction, url, updated_at}, *out NULL when unset. */
tj_status store_fed_self_get(store_db *db, json_t **out, tj_error *err);
tj_status store_fed_self_put(store_db *db, const char *name, const char *jurisdiction, const char *url,
                             const char *at, tj_error *err);

/* Peers: {name, jurisdiction, public_key, scopes, url, added_at, added_by,
 * head_size, head_root, head_signed_at, last_pull_at, items, package_at}. */
tj_status store_fed_peer_insert(store_db *db, const char *name, const char *jurisdiction, const char *pk_hex,
                                const char *scopes, const char *url, const char *at, const char *by,
                                tj_error *err);
/* Change scopes / url of an existing peer (NULL: unchanged). */
tj_status store_fed_peer_update(store_db *db, const char *name, const char *scopes, const char *url,
                                tj_error *err);
/* By name (pk_hex NULL) or by key (name NULL); *out NULL when none. */
tj_status store_fed_peer_get(store_db *db, const char *name, const char *pk_hex, json_t **out, tj_error *err);
tj_status store_fed_peer_list(store_db *db, json_t **out, tj_error *err);
/* Record the head a pull verified, the time of the pull and the (signed)
 * creation time of the package. */
tj_status store_fed_peer_advance(store_db *db, const char *name, int64_t head_size, const char *root_hex,
                                 const char *signed_at, const char *pulled_at, const char *package_at,
                                 int64_t items, tj_error *err);
/* Record only the times of a pull that found nothing new. */
tj_status store_fed_peer_touch(store_db *db, const char *name, const char *pulled_at, const char *package_at,
                               tj_error *err);

/* An imported entry (ignored when the peer's index is already there). */
tj_status store_fed_entry_put(store_db *db, const char *peer, int64_t idx, const char *object_type,
                              const char *object_id, const char *kind, const char *at, const char *body,
                              tj_error *err);
/* The entries of one object of a peer (or of every peer: peer NULL), index order:
 * [{peer, idx, kind, at, body}]. */
tj_status store_fed_entry_history(store_db *db, const char *peer, const char *object_type,
                                  const char *object_id, json_t **out, tj_error *err);
/* An imported object's latest state (replaced only by a later index). */
tj_status store_fed_object_put(store_db *db, const char *peer, const char *object_type, const char *object_id,
                               int64_t idx, const char *status, const char *category, const char *region,
                               const char *state, const char *extra, const char *at, tj_error *err);
/* Every peer's copy of one object: [{peer, object_type, object_id, idx,
 * status, category, region, state, extra, imported_at}] (state and extra
 * as text). */
tj_status store_fed_object_get(store_db *db, const char *object_type, const char *object_id, json_t **out,
                               tj_error *err);
/* Objects of a type (peer NULL: every peer; category NULL: any), by
 * object_id, a page. */
tj_status store_fed_object_list(store_db *db, const char *peer, const char *object_type, const char *category,
                                int limit, int offset, json_t **out, tj_error *err);

/* The pull log. */
tj_status store_fed_pull_log(store_db *db, const char *peer, const char *at, int ok, const char *reason,
                             int64_t since, int64_t head_size, int64_t items, const char *source,
                             tj_error *err);
tj_status store_fed_pull_list(store_db *db, const char *peer, int limit, json_t **out, tj_error *err);

/* Recognition records: {id, scheme, partner, document (text), created_at, created_by}. */
tj_status store_fed_recognition_insert(store_db *db, const char *id, const char *scheme, const char *partner,
                                       const char *document, const char *at, const char *by, tj_error *err);
tj_status store_fed_recognition_list(store_db *db, json_t **out, tj_error *err);

/* Ledger entries with index in [from, to) whose object_type is one of
 * types (NULL-terminated), index order; cb returns non-zero to stop. */
typedef int (*store_fed_entry_cb)(void *arg, int64_t idx, const char *object_type, const char *object_id,
                                  const char *kind, const char *state_digest, const char *body);
tj_status store_fed_ledger_scan(store_db *db, int64_t from, int64_t to, const char *const *types,
                                store_fed_entry_cb cb, void *arg, tj_error *err);
/* The latest entry index of each object touched in [from, to) (of those
 * types): cb(arg, idx) for each. */
typedef int (*store_fed_idx_cb)(void *arg, int64_t idx);
tj_status store_fed_ledger_latest(store_db *db, int64_t from, int64_t to, const char *const *types,
                                  store_fed_idx_cb cb, void *arg, tj_error *err);

#endif

/*
 * store auth: the SQL of access tokens (migration 13) and of principals'
 * secrets.  Only SHA-256 digests of tokens are stored; secrets are Argon2id
 * hash strings made by services/auth.c.
 *
 * Ownership: strings returned are malloc'ed, the caller frees them.
 */
#ifndef STORE_AUTH_SQL_H
#define STORE_AUTH_SQL_H

#include <stdint.h>

#include "store/accounts.h"
#include "store/store.h"

tj_status store_token_insert(store_db *db, const char *token_hash, const char *principal_id, const char *kind,
                             const char *created_at, int64_t expires_at, tj_error *err);
/* The principal of a live token (not revoked, expires_at > now, principal
 * not disabled) into *p (store_principal_release); TJ_ERR_NOTFOUND
 * otherwise.  *expires_at (may be NULL) gets the token's expiry. */
tj_status store_token_lookup(store_db *db, const char *token_hash, int64_t now, store_principal *p,
                             int64_t *expires_at, tj_error *err);
/* Revoke one token (*count 0 or 1), or every token of a principal. */
tj_status store_token_revoke(store_db *db, const char *token_hash, int64_t *count, tj_error *err);
tj_status store_token_revoke_principal(store_db *db, const char *principal_id, int64_t *count, tj_error *err);
/* Delete tokens that expired before `before` (housekeeping). */
tj_status store_token_purge(store_db *db, int64_t before, tj_error *err);

/* Failed-login counters (migration 16), key a hex hash.  limit_get: the
 * end of the key's lock (0: none).  limit_fail: count a failure at now
 * (counts older than forget seconds start again) and return the count;
 * limit_lock sets the end of the lock; limit_clear forgets the key. */
tj_status store_login_limit_get(store_db *db, const char *key, int64_t *locked_until, tj_error *err);
tj_status store_login_limit_fail(store_db *db, const char *key, int64_t now, int64_t forget, int64_t *failures,
                                 tj_error *err);
tj_status store_login_limit_lock(store_db *db, const char *key, int64_t locked_until, tj_error *err);
tj_status store_login_limit_clear(store_db *db, const char *key, tj_error *err);

tj_status store_principal_set_secret(store_db *db, const char *id, const char *secret_hash, tj_error *err);
tj_status store_principal_set_disabled(store_db *db, const char *id, int disabled, tj_error *err);

#endif

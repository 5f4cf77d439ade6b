/*
 * svc_auth: passwords, API client secrets, access tokens.
 *
 * Secrets (user passwords, API client secrets) are stored as Argon2id hash
 * strings (libsodium crypto_pwhash_str); tokens are 256-bit random values
 * handed out once and stored as their SHA-256, with an expiry and a revoked
 * flag.  Failed logins are rate-limited per name and per client address
 * (in this process; see docs/permissions.md).  Logins of operators, API
 * client creation, secret changes and revocations are ledger entries.
 *
 * Ownership: svc_token's strings are malloc'ed (svc_token_release); secret
 * strings returned are malloc'ed and must be wiped by the caller
 * (sodium_free is not needed: they are ordinary heap strings, see
 * svc_secret_free).
 */
#ifndef SERVICES_AUTH_H
#define SERVICES_AUTH_H

#include <stdint.h>

#include "services/ctx.h"

/* Token lifetimes, seconds. */
#define SVC_SESSION_TTL (12 * 3600)
#define SVC_CLIENT_TOKEN_TTL 3600
/* Password length bounds (bytes). */
#define SVC_PASSWORD_MIN 10
#define SVC_PASSWORD_MAX 1024

typedef struct svc_token {
    char *token;        /* the bearer token, shown once */
    char *principal_id; /* whom it authenticates */
    int64_t expires_at; /* Unix seconds */
} svc_token;
void svc_token_release(svc_token *t);

/* Argon2id hash string of a secret (malloc'ed in *out). */
tj_status svc_secret_hash(const char *secret, char **out, tj_error *err);
/* 1 when secret matches the hash string. */
int svc_secret_verify(const char *hash, const char *secret);
/* Wipe and free a secret string. */
void svc_secret_free(char *s);

/* Set a user's password: the operator for anyone, a user for itself. */
tj_status svc_user_set_password(svc_ctx *ctx, const char *user, const char *password, tj_error *err);
/* A new user (svc_user_create) with a password, in one transaction. */
tj_status svc_user_add(svc_ctx *ctx, const char *name, const char *org, const char *roles, const char *password,
                       char **id_out, tj_error *err);
/* Disable or enable a principal (operator); disabling revokes its tokens. */
tj_status svc_principal_set_disabled(svc_ctx *ctx, const char *name, int disabled, tj_error *err);

/* A new API client of organisation org (operator) with roles; *secret_out
 * gets its secret (shown once, svc_secret_free).  The client authenticates
 * at /auth/token with its id and secret (OAuth2 client credentials). */
tj_status svc_client_create(svc_ctx *ctx, const char *name, const char *org, const char *roles, char **id_out,
                            char **secret_out, tj_error *err);

/* Log a user in with name and password.  client_key identifies the caller
 * for rate limiting (its address), may be NULL.  Wrong name and wrong
 * password give the same TJ_ERR_PERM; too many failures give TJ_ERR_PERM
 * with *retry_after > 0 (seconds to wait). */
tj_status svc_login(store_db *db, const char *name, const char *password, const char *client_key, svc_token *out,
                    int *retry_after, tj_error *err);
/* OAuth2 client credentials: a token for API client id (or name) with its
 * secret; the same rate limits. */
tj_status svc_client_token(store_db *db, const char *client, const char *secret, const char *client_key,
                           svc_token *out, int *retry_after, tj_error *err);
/* The principal of a live token into *ctx (svc_ctx_release);
 * TJ_ERR_NOTFOUND when the token is unknown, expired or revoked, or its
 * principal disabled. */
tj_status svc_authenticate(store_db *db, const char *token, svc_ctx *ctx, tj_error *err);
/* The same on the PACT listener, where the tokens of partners' PACT
 * clients (services/partner_clients.h) are valid too; svc_authenticate
 * refuses them (TJ_ERR_NOTFOUND). */
tj_status svc_authenticate_pact(store_db *db, const char *token, svc_ctx *ctx, tj_error *err);
/* Revoke the token the caller authenticated with (logout). */
tj_status svc_logout(svc_ctx *ctx, const char *token, tj_error *err);
/* Revoke every token of a principal (by name or id): the operator, or the
 * principal itself.  *count gets how many were not yet revoked (expired ones
 * included). */
tj_status svc_revoke_tokens(svc_ctx *ctx, const char *principal, int64_t *count, tj_error *err);

/* Rate limiter state (tests): forget every failure. */
void svc_auth_reset_limits(void);
/* The same for the counters a PostgreSQL database keeps (login_limit). */
tj_status svc_auth_reset_limits_db(store_db *db, tj_error *err);

#endif

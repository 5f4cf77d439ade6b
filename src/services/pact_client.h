/*
 * pact_client: the HTTPS requests tanji makes as a PACT client (libcurl):
 * getting a token with client credentials, posting events, reading
 * footprint lists, through io/http_fetch.  Only https:// URLs are accepted (http:// only when
 * $TANJI_PACT_ALLOW_HTTP=1, for tests of the refusal itself it is unset).
 *
 * Ownership: see io/http_fetch.h.
 */
#ifndef SERVICES_PACT_CLIENT_H
#define SERVICES_PACT_CLIENT_H

#include <stddef.h>

#include "io/http_fetch.h"
#include "tanji/error.h"


/* One request.  auth: a full Authorization header value or NULL.
 * content_type: of body (NULL: none).  Transport failures are TJ_ERR_IO;
 * any HTTP status is TJ_OK with r->status set.  Bodies over 64 MiB are
 * refused. */
tj_status pact_http(const char *method, const char *url, const char *auth, const char *content_type,
                    const char *body, size_t len, const char *ca_file, io_http_resp *r, tj_error *err);

/* A bearer token for client_id/secret from base_url: the token_endpoint of
 * {base}/.well-known/openid-configuration when there is one, else
 * {base}/auth/token.  *token malloc'ed. */
tj_status pact_get_token(const char *base_url, const char *client_id, const char *secret, const char *ca_file,
                         char **token, tj_error *err);

#endif

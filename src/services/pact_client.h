/*
 * pact_client: the HTTPS requests tanji makes as a PACT client (libcurl):
 * getting a token with client credentials, posting events, reading
 * footprint lists.  Only https:// URLs are accepted (http:// only when
 * $TANJI_PACT_ALLOW_HTTP=1, for tests of the refusal itself it is unset).
 *
 * Ownership: pact_http_resp's strings are malloc'ed
 * (pact_http_resp_release).
 */
#ifndef SERVICES_PACT_CLIENT_H
#define SERVICES_PACT_CLIENT_H

#include <stddef.h>

#include "tanji/error.h"

typedef struct pact_http_resp {
    long status;
    char *body; /* NUL-terminated */
    size_t len;
    char *content_type;
    char *link_next; /* the target of Link: <...>; rel="next", or NULL */
} pact_http_resp;
void pact_http_resp_release(pact_http_resp *r);

/* One request.  auth: a full Authorization header value or NULL.
 * content_type: of body (NULL: none).  Transport failures are TJ_ERR_IO;
 * any HTTP status is TJ_OK with r->status set.  Bodies over 64 MiB are
 * refused. */
tj_status pact_http(const char *method, const char *url, const char *auth, const char *content_type,
                    const char *body, size_t len, const char *ca_file, pact_http_resp *r, tj_error *err);

/* A bearer token for client_id/secret from base_url: the token_endpoint of
 * {base}/.well-known/openid-configuration when there is one, else
 * {base}/auth/token.  *token malloc'ed. */
tj_status pact_get_token(const char *base_url, const char *client_id, const char *secret, const char *ca_file,
                         char **token, tj_error *err);

#endif

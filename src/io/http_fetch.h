/*
 * io/http_fetch: tanji's one HTTP client (libcurl), for everything it
 * fetches from another server: PACT tokens, events and footprint lists
 * (services/pact_client.c), a label to verify online (`tanji label verify
 * URL`), a federation peer's package (`tanji federation pull --url`).
 *
 * http:// and https:// only, no redirects, 10 s to connect, a total time
 * limit, and a cap on the answer: a body over max_bytes is refused, never
 * cut.  Transport failures are TJ_ERR_IO naming the URL; any HTTP status is
 * TJ_OK with r->status set.
 *
 * Ownership: io_http_resp's strings are malloc'ed (io_http_resp_release).
 */
#ifndef IO_HTTP_FETCH_H
#define IO_HTTP_FETCH_H

#include <stddef.h>
#include <stdio.h>

#include "tanji/error.h"

typedef struct io_http_req {
    const char *method; /* "GET" when NULL */
    const char *url;
    const char *auth;         /* a full Authorization header value, or NULL */
    const char *content_type; /* of body, or NULL */
    const char *accept;       /* Accept header; "application/json" when NULL */
    const char *body;         /* NULL: none */
    size_t len;
    const char *ca_file; /* trusted CAs for https, or NULL (the system's) */
    size_t max_bytes;    /* the largest answer accepted; 0: 64 MiB */
    long timeout_s;      /* whole request; 0: 60 s */
    FILE *sink;          /* when set, the body goes here instead of r->body */
} io_http_req;

typedef struct io_http_resp {
    long status;
    char *body; /* NUL-terminated (empty when written to a sink) */
    size_t len; /* body bytes (also when written to a sink) */
    char *content_type;
    char *link_next; /* the target of Link: <...>; rel="next", or NULL */
} io_http_resp;
void io_http_resp_release(io_http_resp *r);

tj_status io_http_fetch(const io_http_req *q, io_http_resp *r, tj_error *err);

/* The origin (scheme://host[:port]) of an http(s) URL, malloc'ed; NULL
 * when url is not an absolute http:// or https:// URL or carries credentials
 * (user or password, even empty). */
char *io_http_origin(const char *url);
/* The target of the rel="next" link in a Link header's value (the text
 * after "Link:", len bytes, not NUL-terminated), malloc'ed; NULL when there
 * is none (or out of memory). */
char *io_http_link_next(const char *value, size_t len);

#endif

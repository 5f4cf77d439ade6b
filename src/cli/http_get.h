/*
 * A minimal HTTP/1.1 GET client for `tanji label verify URL`: http:// only
 * (tanji has no TLS client library; https needs one, e.g. libcurl), one
 * request per connection, a body of at most HTTP_GET_MAX bytes, 10 s
 * timeouts.  No proxies, no redirects.
 *
 * Ownership: *body is malloc'ed (NUL-terminated), the caller frees it.
 */
#ifndef CLI_HTTP_GET_H
#define CLI_HTTP_GET_H

#include <stddef.h>

#include "tanji/error.h"

#define HTTP_GET_MAX (8u * 1024u * 1024u)

/* GET url: *status the HTTP status, *body the (de-chunked) body. */
tj_status http_get(const char *url, int *status, char **body, size_t *len, tj_error *err);
/* The origin "http://host:port" of an http:// URL into a malloc'ed string
 * (NULL when url is not http://). */
char *http_origin(const char *url);

#endif

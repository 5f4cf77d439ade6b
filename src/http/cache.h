/*
 * http cache: an in-process cache of whole public responses, like a reverse
 * proxy's micro-cache.  The server (not the handlers) uses it: a GET without
 * Authorization and without a query whose answer a handler marked
 * cache_public (Cache-Control: public, max-age=60) is kept as a finished
 * libmicrohttpd response (status 200, headers, body and its ETag), shared
 * by reference between connections, so a hit costs no database read, no
 * JSON encoding and no copy of the body.  A request whose If-None-Match
 * names the ETag is answered 304 without a body.
 *
 * An entry is served while it is younger than HTTP_CACHE_TTL_MS and no
 * write transaction of this process has committed since it was made
 * (store_commit_generation), so a node never shows its own writes late;
 * another node's writes may show up to the TTL late, as the response's
 * Cache-Control already allows any client or proxy.  Bounded in entries
 * and bytes; guarded by a mutex.
 */
#ifndef HTTP_CACHE_H
#define HTTP_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;

#define HTTP_CACHE_TTL_MS 2000
#define HTTP_ETAG_SIZE 24 /* "\"" + 20 hex + "\"" + NUL */

/* The ETag of a body: a quoted hash of its bytes. */
void http_etag(const char *body, size_t len, char etag[HTTP_ETAG_SIZE]);

/* Does an If-None-Match header value name etag (or "*")? */
int http_etag_match(const char *if_none_match, const char *etag);

/* Serve key from the cache: queues the cached response (or a 304 when
 * if_none_match names its ETag) on c and returns 1 with *status and
 * *bytes set, or returns 0 (nothing fresh; *queued untouched).  *queued
 * is libmicrohttpd's answer to the queueing. */
int http_cache_serve(struct MHD_Connection *c, const char *key, const char *if_none_match, int *status,
                     size_t *bytes, int *queued);
/* Keep r (status 200, made from a body of len bytes with ETag etag) under
 * key; the cache takes one reference (MHD_destroy_response when evicted).
 * gen is store_commit_generation() read before the handler ran.  Returns 1
 * when kept (the caller must not destroy r then), 0 when not. */
int http_cache_store(const char *key, struct MHD_Response *r, const char *etag, size_t len, uint64_t gen);
/* Drop every entry (server stop). */
void http_cache_clear(void);

#endif

/*
 * http cache: a small in-process cache of encoded public responses (public
 * footprints), each kept for a short time (HTTP_CACHE_TTL_MS), like a
 * reverse proxy's micro-cache.  A saved footprint never changes and
 * publishing is permanent; the only field that can change is replaced_by
 * (once, when a recalculation is saved), which the cache may show up to
 * the TTL late, as the response's Cache-Control (max-age=60) already
 * allows any client or proxy.  Bounded in entries and bytes; guarded by a
 * mutex.
 */
#ifndef HTTP_CACHE_H
#define HTTP_CACHE_H

#include <stddef.h>

#define HTTP_CACHE_TTL_MS 2000

/* A malloc'ed copy of the cached bytes for key (NULL: none fresh). */
char *http_cache_get(const char *key, size_t *len);
/* Keep a copy of data under key. */
void http_cache_put(const char *key, const char *data, size_t len);

#endif

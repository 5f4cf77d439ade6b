/* http cache; see cache.h. */
#include "http/cache.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define SLOTS 4096
#define MAX_ENTRY (1u << 20)
#define MAX_KEY 512

typedef struct entry {
    char *key;
    struct MHD_Response *r, *not_modified;
    char etag[HTTP_ETAG_SIZE];
    size_t len;
    int64_t at_ms;
    uint64_t gen;
} entry;

static entry slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

void http_etag(const char *body, size_t len, char etag[HTTP_ETAG_SIZE])
{
    /* two FNV-1a passes (forward hash, and the same seeded by the length):
     * 80 bits are plenty to tell versions of one resource apart */
    uint64_t a = fnv(body, len), b = fnv(body, len / 2) ^ ((uint64_t)len * 0x9e3779b97f4a7c15ull);
    static const char hx[] = "0123456789abcdef";
    etag[0] = '"';
    for (int i = 0; i < 16; i++)
        etag[1 + i] = hx[(a >> (60 - 4 * i)) & 15];
    for (int i = 0; i < 4; i++)
        etag[17 + i] = hx[(b >> (60 - 4 * i)) & 15];
    etag[21] = '"';
    etag[22] = '\0';
}

static void drop(entry *e)
{
    if (e->r)
        MHD_destroy_response(e->r);
    if (e->not_modified)
        MHD_destroy_response(e->not_modified);
    free(e->key);
    memset(e, 0, sizeof *e);
}

int http_etag_match(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!strncmp(p, "W/", 2))
            p += 2;
        if (*p == '*')
            return 1;
        if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

int http_cache_serve(struct MHD_Connection *c, const char *key, const char *if_none_match, int *status,
                     size_t *bytes, int *queued)
{
    size_t kn = strlen(key);
    if (kn > MAX_KEY)
        return 0;
    entry *e = &slots[fnv(key, kn) % SLOTS];
    int hit = 0;
    pthread_mutex_lock(&mu);
    if (e->key && !strcmp(e->key, key)) {
        if (now_ms() - e->at_ms < HTTP_CACHE_TTL_MS && e->gen == store_commit_generation()) {
            /* queued under the mutex: the entry cannot be dropped (and its
             * response destroyed) before MHD has taken its reference */
            hit = 1;
            if (if_none_match && e->not_modified && http_etag_match(if_none_match, e->etag)) {
                *status = MHD_HTTP_NOT_MODIFIED;
                *bytes = 0;
                *queued = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, e->not_modified);
            } else {
                *status = MHD_HTTP_OK;
                *bytes = e->len;
                *queued = MHD_queue_response(c, MHD_HTTP_OK, e->r);
            }
        } else {
            drop(e);
        }
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

int http_cache_store(const char *key, struct MHD_Response *r, const char *etag, size_t len, uint64_t gen)
{
    size_t kn = strlen(key);
    if (kn > MAX_KEY || len > MAX_ENTRY || strlen(etag) >= HTTP_ETAG_SIZE)
        return 0;
    /* the 304 carries the validators and caching headers of the 200 */
    struct MHD_Response *nm = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    char *k = strdup(key);
    if (!nm || !k) {
        if (nm)
            MHD_destroy_response(nm);
        free(k);
        return 0;
    }
    MHD_add_response_header(nm, "ETag", etag);
    MHD_add_response_header(nm, "Cache-Control", "public, max-age=60");
    entry *e = &slots[fnv(key, kn) % SLOTS];
    pthread_mutex_lock(&mu);
    drop(e);
    e->key = k;
    e->r = r;
    e->not_modified = nm;
    memcpy(e->etag, etag, strlen(etag) + 1);
    e->len = len;
    e->at_ms = now_ms();
    e->gen = gen;
    pthread_mutex_unlock(&mu);
    return 1;
}

void http_cache_clear(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < SLOTS; i++)
        drop(&slots[i]);
    pthread_mutex_unlock(&mu);
}

/* http cache; see cache.h. */
#include "http/cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 1024
#define MAX_ENTRY (1u << 20)

typedef struct entry {
    char *key;
    char *data;
    size_t len;
    int64_t at_ms;
} entry;

static entry slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t slot_of(const char *key)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h % SLOTS);
}

char *http_cache_get(const char *key, size_t *len)
{
    char *out = NULL;
    size_t i = slot_of(key);
    pthread_mutex_lock(&mu);
    entry *e = &slots[i];
    if (e->key && !strcmp(e->key, key) && now_ms() - e->at_ms < HTTP_CACHE_TTL_MS && (out = malloc(e->len + 1))) {
        memcpy(out, e->data, e->len);
        out[e->len] = '\0';
        *len = e->len;
    }
    pthread_mutex_unlock(&mu);
    return out;
}

void http_cache_put(const char *key, const char *data, size_t len)
{
    if (len > MAX_ENTRY)
        return;
    char *k = strdup(key), *d = malloc(len + 1);
    if (!k || !d) {
        free(k);
        free(d);
        return;
    }
    memcpy(d, data, len);
    d[len] = '\0';
    size_t i = slot_of(key);
    pthread_mutex_lock(&mu);
    entry *e = &slots[i];
    char *ok = e->key, *od = e->data;
    e->key = k;
    e->data = d;
    e->len = len;
    e->at_ms = now_ms();
    pthread_mutex_unlock(&mu);
    free(ok);
    free(od);
}

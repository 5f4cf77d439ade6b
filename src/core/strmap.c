/* A map from text keys to pointers; see tanji/strmap.h. */
#include "tanji/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

void tj_strmap_init(tj_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void tj_strmap_release(tj_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->e[i].key);
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* The slot holding key, or the free slot where it would go (cap > 0). */
static tj_strmap_ent *probe(const tj_strmap *m, const char *key, size_t len)
{
    size_t j = (size_t)fnv1a(key, len) & (m->cap - 1);
    while (m->e[j].key && !(m->e[j].len == len && !memcmp(m->e[j].key, key, len)))
        j = (j + 1) & (m->cap - 1);
    return &m->e[j];
}

static int grow(tj_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    tj_strmap_ent *e = calloc(cap, sizeof *e);
    if (!e)
        return -1;
    tj_strmap bigger = {e, cap, m->n};
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key)
            *probe(&bigger, m->e[i].key, m->e[i].len) = m->e[i];
    free(m->e);
    *m = bigger;
    return 0;
}

void **tj_strmap_slot(tj_strmap *m, const char *key, size_t len, int *found)
{
    if ((m->n + 1) * 2 > m->cap && grow(m))
        return NULL;
    tj_strmap_ent *s = probe(m, key, len);
    *found = s->key != NULL;
    if (!s->key) {
        char *k = malloc(len + 1);
        if (!k)
            return NULL;
        memcpy(k, key, len);
        k[len] = '\0';
        s->key = k;
        s->len = len;
        s->val = NULL;
        m->n++;
    }
    return &s->val;
}

void *tj_strmap_get(const tj_strmap *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    return probe(m, key, len)->val;
}

void tj_strmap_each(const tj_strmap *m, void (*fn)(const char *key, size_t len, void *val, void *arg), void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key)
            fn(m->e[i].key, m->e[i].len, m->e[i].val, arg);
}

/*
 * sbuf: a growing string for text the program builds itself (SQL, an
 * explanation), not for outside input (that is tj_buf, which has a cap).
 * Appends after a failed allocation do nothing and leave oom set, so a
 * builder checks once at the end.
 *
 * Ownership: s is malloc'ed and owned by the sbuf; the caller frees it.
 */
#ifndef CORE_SBUF_H
#define CORE_SBUF_H

#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static inline void sb_add(sbuf *b, const char *t)
{
    size_t n = strlen(t);
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
}

#endif

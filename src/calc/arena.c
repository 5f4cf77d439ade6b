/* One region for a solver's arrays; see calc/arena.h. */
#include "calc/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define CALC_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CALC_ARENA_ASAN 1
#endif
#endif
#ifndef CALC_ARENA_ASAN
#define CALC_ARENA_ASAN 0
#endif

#define ALIGN ((size_t)64)
#define HUGE_PAGE ((size_t)2 << 20)

typedef struct chunk {
    struct chunk *next;
    void *base; /* what to give back: the mapping, or the heap block */
    size_t len; /* mapping length; 0 for a heap block */
} chunk;

struct calc_arena {
    chunk *head;
    char *cur, *end;
    size_t used, hint;
};

/* A chunk of at least bytes (zeroed), made current. */
static int arena_grow(calc_arena *a, size_t bytes)
{
    chunk *c = malloc(sizeof *c);
    if (!c)
        return -1;
    char *start;
    size_t avail;
    if (!CALC_ARENA_ASAN && bytes >= CALC_ARENA_HUGE && bytes <= SIZE_MAX - 2 * HUGE_PAGE) {
        /* Round up to whole huge pages and map one more, to align. */
        size_t want = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        size_t len = want + HUGE_PAGE;
        void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            free(c);
            return -1;
        }
        start = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
        (void)madvise(start, want, MADV_HUGEPAGE); /* a hint: fine if refused */
#endif
        c->base = m;
        c->len = len;
        avail = want;
    } else {
        if (bytes > SIZE_MAX - ALIGN) {
            free(c);
            return -1;
        }
        void *m = calloc(1, bytes + ALIGN);
        if (!m) {
            free(c);
            return -1;
        }
        start = (char *)(((uintptr_t)m + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
        c->base = m;
        c->len = 0;
        avail = bytes;
    }
    c->next = a->head;
    a->head = c;
    a->cur = start;
    a->end = start + avail;
    return 0;
}

calc_arena *calc_arena_new(size_t hint)
{
    calc_arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->hint = hint;
    /* If the hint cannot be had in one piece (strict overcommit accounting
     * counts address space), the arena starts empty and grows as used. */
    if (!CALC_ARENA_ASAN && hint > 0)
        (void)arena_grow(a, hint);
    return a;
}

void *calc_arena_alloc(calc_arena *a, size_t count, size_t size)
{
    if (size != 0 && count > (SIZE_MAX - 2 * ALIGN) / size)
        return NULL;
    size_t bytes = (count * size + ALIGN - 1) & ~(ALIGN - 1);
    if (bytes == 0)
        bytes = ALIGN;
    if (CALC_ARENA_ASAN) {
        /* Each block on its own, exactly sized, so overruns are caught. */
        chunk *c = malloc(sizeof *c);
        size_t len = count * size;
        void *m = NULL;
        if (!c || posix_memalign(&m, ALIGN, len > 0 ? len : 1) != 0) {
            free(c);
            return NULL;
        }
        memset(m, 0, len > 0 ? len : 1);
        c->base = m;
        c->len = 0;
        c->next = a->head;
        a->head = c;
        a->used += bytes;
        return m;
    }
    if ((size_t)(a->end - a->cur) < bytes) {
        /* Beyond the hint: a chunk of at least a quarter of what was used. */
        size_t grow = a->used / 4 > bytes ? a->used / 4 : bytes;
        if (arena_grow(a, grow) != 0)
            return NULL;
    }
    void *p = a->cur;
    a->cur += bytes;
    a->used += bytes;
    return p;
}

int calc_arena_reserve(calc_arena *a, size_t bytes)
{
    if (CALC_ARENA_ASAN || (size_t)(a->end - a->cur) >= bytes)
        return 0;
    return arena_grow(a, bytes);
}

size_t calc_arena_used(const calc_arena *a)
{
    return a ? a->used : 0;
}

void calc_arena_free(calc_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        if (c->len)
            munmap(c->base, c->len);
        else
            free(c->base);
        free(c);
    }
    free(a);
}

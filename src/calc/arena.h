/*
 * calc/arena: one region for the many arrays a solver allocates at setup,
 * freed all at once.
 *
 * Why: a solver for a large system touches a few MB of fresh memory at setup
 * (the structure, the loop's CSR copy, the preconditioner, GMRES's basis), and
 * the allocator hands most of it out as fresh pages (blocks of 128 KB and up
 * come from mmap and go back to the kernel when freed).  Each first touch of
 * a 4 KB page is a page fault; on a paravirtualised guest one costs about
 * 15-20 us, so the 500 faults of a 20,000-process system's setup were most
 * of its time.  An arena of at least CALC_ARENA_HUGE bytes is one mapping
 * aligned to 2 MB and marked MADV_HUGEPAGE: with transparent huge pages
 * available (the "madvise" mode is the common default) each 2 MB is one
 * fault; without them it behaves as before, page by page.  Smaller arenas
 * are ordinary heap blocks.
 *
 * Every block is zeroed and aligned to 64 bytes.  Under AddressSanitizer
 * every block is its own heap allocation, so overruns are still caught.
 * Not thread-safe: one owner allocates.
 */
#ifndef CALC_ARENA_H
#define CALC_ARENA_H

#include <stddef.h>

/* Arenas from this size up are mapped for huge pages. */
#define CALC_ARENA_HUGE ((size_t)1 << 20)

typedef struct calc_arena calc_arena;

/* An arena expecting about hint bytes, reserved in one chunk if it can be
 * (it grows beyond, or without it, in more chunks).  NULL if out of
 * memory. */
calc_arena *calc_arena_new(size_t hint);

/* count * size bytes, zeroed, 64-byte aligned; NULL on overflow or out of
 * memory.  Lives until calc_arena_free. */
void *calc_arena_alloc(calc_arena *a, size_t count, size_t size);

/* Make sure the next bytes bytes of blocks come from one chunk (a new
 * chunk of exactly that size if the current one has less room): a caller
 * that knows what it will allocate next reserves it in one mapping.
 * Returns 0, or -1 if that chunk could not be had (the arena still grows
 * block by block). */
int calc_arena_reserve(calc_arena *a, size_t bytes);

/* Bytes handed out so far (blocks and their alignment). */
size_t calc_arena_used(const calc_arena *a);

void calc_arena_free(calc_arena *a);

#endif

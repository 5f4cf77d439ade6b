/*
 * tanji: a map from text keys to pointers (open addressing, FNV-1a, linear
 * probing; it doubles at half full).  For lookups that would otherwise scan a
 * list once per input line (names in an activity sheet, labels of a report).
 *
 * Keys are copied into the map (the caller's text may go away); values are
 * the caller's and are not freed by the map.  A key of len bytes may contain
 * any byte, NUL included.
 *
 * Ownership: tj_strmap_init allocates nothing; tj_strmap_release frees the
 * keys and the slots (the values are the caller's to free first, e.g. with
 * tj_strmap_each).
 */
#ifndef TANJI_STRMAP_H
#define TANJI_STRMAP_H

#include <stddef.h>

typedef struct tj_strmap_ent {
    char *key; /* NULL: a free slot */
    size_t len;
    void *val;
} tj_strmap_ent;

typedef struct tj_strmap {
    tj_strmap_ent *e;
    size_t cap, n;
} tj_strmap;

void tj_strmap_init(tj_strmap *m);
void tj_strmap_release(tj_strmap *m);

/* The value slot of key (len bytes), added with value NULL when absent
 * (*found = 0) or the existing one (*found = 1); NULL when out of memory
 * (the map is unchanged then). */
void **tj_strmap_slot(tj_strmap *m, const char *key, size_t len, int *found);

/* The value of key, or NULL when absent. */
void *tj_strmap_get(const tj_strmap *m, const char *key, size_t len);

/* Calls fn for every entry (in no particular order). */
void tj_strmap_each(const tj_strmap *m, void (*fn)(const char *key, size_t len, void *val, void *arg), void *arg);

#endif

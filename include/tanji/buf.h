/*
 * tanji: a growable text buffer with a hard size cap (as curl's dynbuf).
 *
 * Use it wherever text built from outside input (ids, names, paths, keys)
 * would otherwise go into a fixed-size array: an append that would make the
 * text longer than the cap fails with TJ_ERR_INPUT and leaves the buffer as it
 * was, so input is refused, never silently cut.  Every append's result must be
 * checked (warn_unused_result).
 *
 * Ownership: a tj_buf owns its memory.  tj_buf_init allocates nothing;
 * tj_buf_release frees the contents and makes the buffer empty again (it can
 * be reused); tj_buf_take hands the string to the caller.
 */
#ifndef TANJI_BUF_H
#define TANJI_BUF_H

#include <stddef.h>

#include "tanji/error.h"

#if defined(__GNUC__) || defined(__clang__)
#define TJ_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define TJ_WARN_UNUSED
#endif

/* Caps for common uses (bytes, without the terminating NUL). */
#define TJ_BUF_KEY_MAX 65536u    /* lookup keys built from ids and names */
#define TJ_BUF_TEXT_MAX 1048576u /* one text field built from several (a source) */

typedef struct tj_buf {
    char *data;   /* NUL-terminated text, NULL until the first append */
    size_t len;   /* bytes of text, without the NUL */
    size_t alloc; /* bytes allocated for data */
    size_t cap;   /* the longest text allowed (len <= cap) */
} tj_buf;

/* An empty buffer whose text may grow to cap bytes (cap > 0). */
void tj_buf_init(tj_buf *b, size_t cap);

/* Append n bytes of s.  TJ_ERR_INPUT when the text would exceed the cap,
 * TJ_ERR_NOMEM when memory runs out; either way the buffer is unchanged. */
tj_status tj_buf_append(tj_buf *b, const char *s, size_t n) TJ_WARN_UNUSED;

/* Append the NUL-terminated string s (NULL appends nothing). */
tj_status tj_buf_appends(tj_buf *b, const char *s) TJ_WARN_UNUSED;

/* Append printf-formatted text; as tj_buf_append on errors. */
tj_status tj_buf_appendf(tj_buf *b, const char *fmt, ...) TJ_WARN_UNUSED __attribute__((format(printf, 2, 3)));

/* Make the text empty, keeping the memory and the cap. */
void tj_buf_reset(tj_buf *b);

/* The text ("" when nothing was appended); valid until the next change. */
const char *tj_buf_str(const tj_buf *b);

/* The text's length in bytes. */
size_t tj_buf_len(const tj_buf *b);

/* Hand the malloc'ed text to the caller (NULL if nothing was appended) and
 * leave the buffer empty. */
char *tj_buf_take(tj_buf *b);

/* Free the contents; the buffer is empty again with the same cap. */
void tj_buf_release(tj_buf *b);

#endif

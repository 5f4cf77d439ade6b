/* Capped growable text buffer; see include/tanji/buf.h. */
#include "tanji/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tj_buf_init(tj_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

/* Make room for n more bytes plus the NUL; the cap is checked by callers. */
static tj_status reserve(tj_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    if (need <= b->alloc)
        return TJ_OK;
    size_t a = b->alloc ? b->alloc : 32;
    while (a < need)
        a = a > b->cap / 2 + 1 ? b->cap + 1 : a * 2;
    char *d = realloc(b->data, a);
    if (!d)
        return TJ_ERR_NOMEM;
    b->data = d;
    b->alloc = a;
    return TJ_OK;
}

tj_status tj_buf_append(tj_buf *b, const char *s, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return TJ_ERR_INPUT;
    tj_status st = reserve(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TJ_OK;
}

tj_status tj_buf_appends(tj_buf *b, const char *s)
{
    return s ? tj_buf_append(b, s, strlen(s)) : TJ_OK;
}

tj_status tj_buf_appendf(tj_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TJ_ERR_INPUT;
    if ((size_t)n > b->cap || b->len > b->cap - (size_t)n)
        return TJ_ERR_INPUT;
    tj_status st = reserve(b, (size_t)n);
    if (st)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TJ_OK;
}

void tj_buf_reset(tj_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

const char *tj_buf_str(const tj_buf *b) { return b->data ? b->data : ""; }

size_t tj_buf_len(const tj_buf *b) { return b->len; }

char *tj_buf_take(tj_buf *b)
{
    char *d = b->data;
    tj_buf_init(b, b->cap);
    return d;
}

void tj_buf_release(tj_buf *b)
{
    free(b->data);
    tj_buf_init(b, b->cap);
}

/* Status codes and error reports; see include/tanji/error.h. */
#include "tanji/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tj_error_clear(tj_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

tj_status tj_error_set(tj_error *err, tj_status code, const char *path, const char *fmt, ...)
{
    if (!err)
        return code;
    tj_error_clear(err);
    err->code = code;
    if (path)
        snprintf(err->path, sizeof err->path, "%s", path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

tj_status tj_error_nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

tj_status tj_error_set_at(tj_error *err, tj_status code, const char *file, long line, long column,
                          const char *fmt, ...)
{
    if (!err)
        return code;
    tj_error_clear(err);
    err->code = code;
    if (file)
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void tj_error_prefix(tj_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char head[256];
    char old[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    size_t hn = strlen(head);
    if (hn > sizeof err->message - 3)
        hn = sizeof err->message - 3;
    memcpy(err->message, head, hn);
    memcpy(err->message + hn, ": ", 2);
    size_t room = sizeof err->message - hn - 3;
    size_t on = strnlen(old, room);
    memcpy(err->message + hn + 2, old, on);
    err->message[hn + 2 + on] = '\0';
}

const char *tj_strerror(tj_status code)
{
    switch (code) {
    case TJ_OK: return "ok";
    case TJ_ERR_USAGE: return "usage error";
    case TJ_ERR_INPUT: return "bad input";
    case TJ_ERR_IO: return "I/O error";
    case TJ_ERR_NOMEM: return "out of memory";
    case TJ_ERR_NUMERIC: return "numerical error";
    case TJ_ERR_NOTFOUND: return "not found";
    case TJ_ERR_CONFLICT: return "conflict";
    case TJ_ERR_DB: return "database error";
    case TJ_ERR_PERM: return "permission denied";
    case TJ_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

char *tj_error_format(const tj_error *err, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (err->file[0]) {
        if (err->line > 0 && err->column > 0)
            n += snprintf(buf + n, size - n, "%s:%ld:%ld: ", err->file, err->line, err->column);
        else if (err->line > 0)
            n += snprintf(buf + n, size - n, "%s:%ld: ", err->file, err->line);
        else
            n += snprintf(buf + n, size - n, "%s: ", err->file);
    }
    if (n < size && err->path[0])
        n += snprintf(buf + n, size - n, "%s: ", err->path);
    if (n < size)
        snprintf(buf + n, size - n, "%s", err->message[0] ? err->message : tj_strerror(err->code));
    return buf;
}

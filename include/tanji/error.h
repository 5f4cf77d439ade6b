/*
 * tanji: status codes and error reports.
 *
 * Every fallible function in libtanji returns a tj_status (TJ_OK == 0, errors
 * negative) and, when given a non-NULL tj_error, fills it with a message, the
 * path of the offending field (e.g. "processes[3].exchanges[1].unit") and, for
 * files, the file name, line and column.  A tj_error owns no heap memory: it
 * can live on the stack and needs no cleanup.
 */
#ifndef TANJI_ERROR_H
#define TANJI_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tj_status {
    TJ_OK = 0,
    TJ_ERR_USAGE = -1,     /* wrong use of an API or command */
    TJ_ERR_INPUT = -2,     /* bad input data: syntax, schema, semantics */
    TJ_ERR_IO = -3,        /* file or network I/O failed */
    TJ_ERR_NOMEM = -4,     /* allocation failed */
    TJ_ERR_NUMERIC = -5,   /* singular, ill-conditioned or non-converging system */
    TJ_ERR_NOTFOUND = -6,  /* a referenced object does not exist */
    TJ_ERR_CONFLICT = -7,  /* state conflict: duplicate, wrong workflow state */
    TJ_ERR_DB = -8,        /* the database failed */
    TJ_ERR_PERM = -9,      /* not allowed */
    TJ_ERR_INTERNAL = -10, /* a bug: an impossible state was reached */
} tj_status;

typedef struct tj_error {
    tj_status code;
    char message[768];
    char path[256]; /* JSON path or field name, "" if none */
    char file[256]; /* file name, "" if none */
    long line;      /* 1-based, 0 if unknown */
    long column;    /* 1-based, 0 if unknown */
} tj_error;

/* Reset an error to "no error". */
void tj_error_clear(tj_error *err);

/* Record an error; returns code so callers can `return tj_error_set(...)`.
 * path may be NULL.  err may be NULL (then only the code is returned). */
tj_status tj_error_set(tj_error *err, tj_status code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record "out of memory" (TJ_ERR_NOMEM); returns TJ_ERR_NOMEM. */
tj_status tj_error_nomem(tj_error *err);

/* Record an error located in a file. */
tj_status tj_error_set_at(tj_error *err, tj_status code, const char *file, long line, long column,
                          const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prefix the existing message with context ("while reading X: ..."). */
void tj_error_prefix(tj_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short name of a status ("bad input", "not found", ...). */
const char *tj_strerror(tj_status code);

/* Format the error as one line: "file:line:col: path: message" (parts that are
 * unknown are left out).  Returns buf. */
char *tj_error_format(const tj_error *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

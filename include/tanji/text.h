/*
 * tanji: text helpers for terminal output of UTF-8 strings (Chinese names
 * take two columns) and decoding of text files from outside.
 */
#ifndef TANJI_TEXT_H
#define TANJI_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "tanji/error.h"

/* Display width of a UTF-8 string (East Asian wide characters count 2;
 * invalid bytes count 1 each). */
int tj_utf8_width(const char *s);

/* Print s in exactly `width` display columns: cut at a character boundary
 * (never inside a UTF-8 sequence) and padded with spaces. */
void tj_fput_cell(FILE *out, const char *s, int width);

/* UTF-8 copy of data, for files from outside (CSV sheets, factor files): a
 * UTF-8 BOM is removed; GB18030 (what Chinese spreadsheets save) is converted
 * with iconv when encoding says so ("gb18030", "gbk", "gb2312"), or when
 * encoding is NULL and the text is not valid UTF-8.  Errors name the file
 * (name), line and column.  *out is malloc'ed and NUL-terminated. */
tj_status tj_text_to_utf8(const char *name, const char *data, size_t len, const char *encoding, char **out,
                          size_t *outlen, tj_error *err);

/* Length of the longest valid UTF-8 prefix of s[0..len) (RFC 3629: no
 * overlong forms, surrogates or code points above U+10FFFF): len when all of
 * it is valid. */
size_t tj_utf8_valid_prefix(const char *s, size_t len);

/* A one-line name or label from outside (an organisation, a user, a
 * product): valid UTF-8 of at most max bytes, no control characters and no
 * Unicode bidirectional controls (which can disguise text).  TJ_OK, or
 * TJ_ERR_INPUT naming `what` and the offending character's position. */
tj_status tj_text_check_line(const char *what, const char *s, size_t max, tj_error *err);

/* Line and column (1-based, columns in characters) of byte offset off in s. */
void tj_text_line_col(const char *s, size_t off, long *line, long *col);

/* The Unicode bidirectional control at s (U+202A..U+202E, U+2066..U+2069,
 * U+200E, U+200F, U+061C), which can make text read differently from what
 * it is: returns its length in bytes (0 if s[0..left) does not start with
 * one) and its code point in *cp.  Reports show such a character as its
 * code ("[U+202E]"), never obey it. */
size_t tj_bidi_control(const char *s, size_t left, unsigned *cp);
/* s with every bidirectional control replaced by "[U+XXXX]": a malloc'ed
 * copy (NULL when out of memory), or s itself (not a copy) when it holds
 * none; *copied says which. */
char *tj_bidi_neutralise(const char *s, int *copied);

/* The value of one hexadecimal digit (0-9, a-f, A-F), or -1. */
static inline int tj_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif

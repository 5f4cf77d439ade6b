/*
 * tanji: text helpers for terminal output of UTF-8 strings (Chinese names
 * take two columns).  Nothing here allocates.
 */
#ifndef TANJI_TEXT_H
#define TANJI_TEXT_H

#include <stdio.h>

/* Display width of a UTF-8 string (East Asian wide characters count 2;
 * invalid bytes count 1 each). */
int tj_utf8_width(const char *s);

/* Print s in exactly `width` display columns: cut at a character boundary
 * (never inside a UTF-8 sequence) and padded with spaces. */
void tj_fput_cell(FILE *out, const char *s, int width);

#endif

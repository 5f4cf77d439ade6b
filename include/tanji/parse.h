/*
 * tanji: the one strict parser of numbers and dates from outside input
 * (sheets, CSV, JSON strings, command-line options).
 *
 * Numbers are decimal only: an optional sign, digits with an optional
 * fraction, an optional exponent ("-1.5", "2e-3", ".5", "5."); no hexadecimal
 * ("0x1p4"), no "inf"/"nan", no white space, no thousands separators, no
 * trailing bytes and no NUL inside; the value must be finite (1e999 is
 * refused as out of range).
 *
 * Dates are ISO 8601 calendar dates YYYY-MM-DD (years 1000..9999) that exist
 * in the Gregorian calendar (2024-02-29 yes, 2023-02-29 and 2023-13-45 no);
 * where a field allows it, YYYY-MM and YYYY name a month or a year.  A
 * validity period whose end comes before its start is refused.
 *
 * Each function returns TJ_OK or TJ_ERR_INPUT; when err is given the message
 * says what is wrong and `what` is the field's name (kept in err->path).
 */
#ifndef TANJI_PARSE_H
#define TANJI_PARSE_H

#include <stddef.h>

#include "tanji/error.h"

/* s[0..len) as a strict decimal number. */
tj_status tj_parse_number_n(const char *what, const char *s, size_t len, double *out, tj_error *err);

/* The NUL-terminated s as a strict decimal number. */
tj_status tj_parse_number(const char *what, const char *s, double *out, tj_error *err);

/* 1 when s[0..len) is a strict decimal number (no error filled). */
int tj_is_number_n(const char *s, size_t len);

/* A whole decimal number from min to max (optional sign, digits only). */
tj_status tj_parse_int(const char *what, const char *s, long long min, long long max, long long *out,
                       tj_error *err);

typedef struct tj_date {
    int year, month, day; /* month/day 0 when only a year or month was given */
} tj_date;

enum {
    TJ_DATE_DAY = 1,   /* YYYY-MM-DD */
    TJ_DATE_MONTH = 2, /* YYYY-MM */
    TJ_DATE_YEAR = 4,  /* YYYY */
};

/* A calendar-valid date in one of the forms allowed by `forms` (TJ_DATE_*). */
tj_status tj_parse_date(const char *what, const char *s, int forms, tj_date *out, tj_error *err);

/* Days in a month of a year (Gregorian, leap years included). */
int tj_days_in_month(int year, int month);

/* Compare the first day of a (a year or month stands for its first day)
 * with the first day of b: <0, 0, >0.  For a period's end, use
 * tj_date_cmp_end, which reads a year or month as its last day. */
int tj_date_cmp(const tj_date *a, const tj_date *b);

/* from and to (either may be NULL or "") as a validity period: each a date
 * in the allowed forms and to not before from. */
tj_status tj_check_period(const char *what_from, const char *from, const char *what_to, const char *to,
                          int forms, tj_error *err);

/* A data-quality (DQR) score: a number from 1 (best) to 5. */
tj_status tj_check_dqr_score(const char *what, double v, tj_error *err);

#endif

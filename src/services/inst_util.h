/*
 * Helpers shared by the institution services (certification, labels,
 * grading, disclosure): UTC times as RFC 3339 text, month arithmetic,
 * digests, small JSON conveniences.  Internal to services/.
 *
 * Ownership: returned strings are malloc'ed (caller frees); JSON helpers
 * say what they consume.
 */
#ifndef SERVICES_INST_UTIL_H
#define SERVICES_INST_UTIL_H

#include <jansson.h>
#include <stddef.h>

#include "services/ctx.h"

#define INST_TIME_SIZE 32
/* Now as "YYYY-MM-DDTHH:MM:SSZ"; $TANJI_NOW (same form) overrides the clock
 * (tests and drills of expiry). */
void inst_now(char out[INST_TIME_SIZE]);
/* Is s a time of that form (or a date YYYY-MM-DD, taken as its midnight)?
 * The normalised time into out. */
int inst_time_parse(const char *s, char out[INST_TIME_SIZE]);
/* at + months (same day-of-month, clamped to the month's end). */
void inst_time_add_months(const char *at, int months, char out[INST_TIME_SIZE]);
/* at + days. */
void inst_time_add_days(const char *at, int days, char out[INST_TIME_SIZE]);
/* SHA-256 of bytes as lower-case hex. */
void inst_sha256_hex(const void *data, size_t len, char hex[65]);
/* The text of a JSON string member, or NULL. */
const char *inst_str(const json_t *o, const char *key);
/* TJ_ERR_INPUT unless s is a non-empty text of at most max bytes without
 * control characters (names, reasons, comments). */
tj_status inst_check_text(const char *s, size_t max, const char *field, int required, tj_error *err);

#endif

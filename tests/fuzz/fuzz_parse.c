/* libFuzzer driver: the strict number and date parser (core/parse) and the
 * text decoder (core/text).  Checks what the parser promises: a number it
 * accepts is finite and made of decimal characters only; a date it accepts
 * exists in the calendar; decoded text is valid UTF-8 without NUL. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tanji/parse.h"
#include "tanji/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    double v;
    if (tj_parse_number_n("x", s, size, &v, NULL) == TJ_OK) {
        if (!isfinite(v))
            abort();
        for (size_t i = 0; i < size; i++)
            if (!strchr("0123456789+-.eE", s[i]) || !s[i])
                abort();
    }
    char *z = malloc(size + 1);
    if (!z)
        return 0;
    memcpy(z, data, size);
    z[size] = 0;
    tj_date d;
    if (tj_parse_date("d", z, TJ_DATE_DAY | TJ_DATE_MONTH | TJ_DATE_YEAR, &d, NULL) == TJ_OK) {
        if (d.month < 0 || d.month > 12 || d.day < 0 || (d.day && d.day > tj_days_in_month(d.year, d.month)))
            abort();
    }
    long long k;
    (void)tj_parse_int("i", z, -1000, 1000, &k, NULL);
    (void)tj_check_period("a", z, "b", z + size / 2, TJ_DATE_DAY | TJ_DATE_MONTH | TJ_DATE_YEAR, NULL);
    free(z);
    char *out = NULL;
    size_t outlen = 0;
    tj_error err;
    if (tj_text_to_utf8("fuzz", s, size, NULL, &out, &outlen, &err) == TJ_OK) {
        if (memchr(out, 0, outlen) || tj_utf8_valid_prefix(out, outlen) != outlen)
            abort();
        free(out);
    }
    return 0;
}

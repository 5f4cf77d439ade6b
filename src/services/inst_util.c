/* Helpers of the institution services; see inst_util.h. */
#include "services/inst_util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_tm(const char *s, struct tm *tm)
{
    memset(tm, 0, sizeof *tm);
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    size_t len = s ? strlen(s) : 0;
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
            return 0;
    } else if (len == 20) {
        if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 20)
            return 0;
    } else {
        return 0;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return 0;
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = sec;
    /* reject 2025-02-31 and the like */
    struct tm chk = *tm;
    time_t t = timegm(&chk);
    return t != (time_t)-1 && chk.tm_mday == d && chk.tm_mon == mo - 1;
}

static void fmt(time_t t, char out[INST_TIME_SIZE])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, INST_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void inst_now(char out[INST_TIME_SIZE])
{
    const char *env = getenv("TANJI_NOW");
    if (env && inst_time_parse(env, out))
        return;
    fmt(time(NULL), out);
}

int inst_time_parse(const char *s, char out[INST_TIME_SIZE])
{
    struct tm tm;
    if (!parse_tm(s, &tm))
        return 0;
    fmt(timegm(&tm), out);
    return 1;
}

void inst_time_add_months(const char *at, int months, char out[INST_TIME_SIZE])
{
    struct tm tm;
    if (!parse_tm(at, &tm)) {
        snprintf(out, INST_TIME_SIZE, "%s", at);
        return;
    }
    int m = tm.tm_mon + months;
    tm.tm_year += m >= 0 ? m / 12 : -((11 - m) / 12);
    tm.tm_mon = ((m % 12) + 12) % 12;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = tm.tm_year + 1900;
    int last = mdays[tm.tm_mon] + (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
    if (tm.tm_mday > last)
        tm.tm_mday = last;
    fmt(timegm(&tm), out);
}

void inst_time_add_days(const char *at, int days, char out[INST_TIME_SIZE])
{
    struct tm tm;
    if (!parse_tm(at, &tm)) {
        snprintf(out, INST_TIME_SIZE, "%s", at);
        return;
    }
    fmt(timegm(&tm) + (time_t)days * 86400, out);
}

void inst_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

const char *inst_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

tj_status inst_check_text(const char *s, size_t max, const char *field, int required, tj_error *err)
{
    if (!s || !*s)
        return required ? tj_error_set(err, TJ_ERR_USAGE, field, "%s is required / 必填", field) : TJ_OK;
    size_t n = strlen(s);
    if (n > max)
        return tj_error_set(err, TJ_ERR_INPUT, field, "%s is %zu bytes, more than the %zu allowed / 过长",
                            field, n, max);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            return tj_error_set(err, TJ_ERR_INPUT, field, "%s holds a control character / 含控制字符", field);
    return TJ_OK;
}

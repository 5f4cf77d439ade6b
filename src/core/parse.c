/* Strict numbers and dates; see include/tanji/parse.h. */
#include "tanji/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tanji/buf.h"

/* Length of the longest strict decimal number at the start of s[0..len), or
 * 0 when there is none; the whole of s must match for a number. */
static int syntax_ok(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (!ed)
            return 0;
    }
    return i == len;
}

int tj_is_number_n(const char *s, size_t len)
{
    return s && syntax_ok(s, len);
}

/* Printable excerpt of s for messages (bytes other than printable ASCII and
 * UTF-8 shown as \xNN), at most 64 bytes. */
static void excerpt(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != '"')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
    }
    if (len > 64 && o + 4 < cap)
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = 0;
}

tj_status tj_parse_number_n(const char *what, const char *s, size_t len, double *out, tj_error *err)
{
    char ex[300];
    if (!s || !len)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s is empty; a number is needed / 缺少数值", what);
    if (memchr(s, 0, len)) {
        excerpt(s, len, ex, sizeof ex);
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s \"%s\" holds a NUL byte / 含空字符", what, ex);
    }
    if (!syntax_ok(s, len)) {
        excerpt(s, len, ex, sizeof ex);
        return tj_error_set(
            err, TJ_ERR_INPUT, what,
            "%s \"%s\" is not a decimal number (digits, optional . and exponent; no hex, inf or "
            "nan) / 不是十进制数值",
            what, ex);
    }
    /* strtod needs a terminated string; numbers are short, longer is refused */
    if (len > 4096)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s is a number of %zu characters; refused / 数值过长",
                            what, len);
    char tmp[4097];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    errno = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (*end)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s \"%s\" is not a decimal number / 不是十进制数值",
                            what, tmp);
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return tj_error_set(err, TJ_ERR_INPUT, what,
                            "%s \"%.64s\" is out of range (not a finite number) / 数值超出范围", what, tmp);
    *out = v;
    return TJ_OK;
}

tj_status tj_parse_number(const char *what, const char *s, double *out, tj_error *err)
{
    return tj_parse_number_n(what, s, s ? strlen(s) : 0, out, err);
}

tj_status tj_parse_int(const char *what, const char *s, long long min, long long max, long long *out,
                       tj_error *err)
{
    size_t i = 0, len = s ? strlen(s) : 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    int ok = i < len;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            ok = 0;
    char *end;
    errno = 0;
    long long v = ok ? strtoll(s, &end, 10) : 0;
    if (!ok || errno || v < min || v > max) {
        char ex[300];
        excerpt(s ? s : "", len, ex, sizeof ex);
        return tj_error_set(err, TJ_ERR_INPUT, what,
                            "%s \"%s\" is not a whole number from %lld to %lld / 不是有效整数", what, ex, min,
                            max);
    }
    *out = v;
    return TJ_OK;
}

int tj_days_in_month(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

tj_status tj_parse_date(const char *what, const char *s, int forms, tj_date *out, tj_error *err)
{
    size_t n = s ? strlen(s) : 0;
    tj_date d = {0, 0, 0};
    int ok = (n == 10 && (forms & TJ_DATE_DAY)) || (n == 7 && (forms & TJ_DATE_MONTH)) ||
             (n == 4 && (forms & TJ_DATE_YEAR));
    ok = ok && digits(s, 4, &d.year) && d.year >= 1000;
    if (ok && n >= 7)
        ok = s[4] == '-' && digits(s + 5, 2, &d.month) && d.month >= 1 && d.month <= 12;
    if (ok && n == 10)
        ok = s[7] == '-' && digits(s + 8, 2, &d.day) && d.day >= 1 &&
             d.day <= tj_days_in_month(d.year, d.month);
    if (!ok) {
        char ex[300];
        excerpt(s ? s : "", n, ex, sizeof ex);
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s \"%s\" is not a calendar date (%s) / 不是有效日期",
                            what, ex, forms == TJ_DATE_DAY ? "YYYY-MM-DD" : "YYYY-MM-DD, YYYY-MM or YYYY");
    }
    *out = d;
    return TJ_OK;
}

int tj_date_cmp(const tj_date *a, const tj_date *b)
{
    long x = (long)a->year * 10000 + a->month * 100 + a->day;
    long y = (long)b->year * 10000 + b->month * 100 + b->day;
    return x < y ? -1 : x > y;
}

tj_status tj_check_period(const char *wf, const char *from, const char *wt, const char *to, int forms,
                          tj_error *err)
{
    tj_date a, b;
    int hf = from && *from, ht = to && *to;
    tj_status st;
    if (hf && (st = tj_parse_date(wf, from, forms, &a, err)))
        return st;
    if (ht && (st = tj_parse_date(wt, to, forms, &b, err)))
        return st;
    if (hf && ht) {
        /* a year or month as the end stands for its last day */
        tj_date e = b;
        if (!e.month)
            e.month = 12;
        if (!e.day)
            e.day = tj_days_in_month(e.year, e.month);
        if (tj_date_cmp(&e, &a) < 0)
            return tj_error_set(err, TJ_ERR_INPUT, wt,
                                "%s %s comes before %s %s: the period ends before it starts / "
                                "结束日期早于开始日期",
                                wt, to, wf, from);
    }
    return TJ_OK;
}

tj_status tj_check_dqr_score(const char *what, double v, tj_error *err)
{
    if (!(v >= 1 && v <= 5))
        return tj_error_set(err, TJ_ERR_INPUT, what,
                            "%s = %g is outside the range 1 (best) to 5 / 数据质量评分须在 1 到 5 之间", what,
                            v);
    return TJ_OK;
}

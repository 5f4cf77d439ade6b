/* Text helpers for terminal output; see include/tanji/text.h. */
#include "tanji/text.h"

#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Decode one UTF-8 sequence at s; returns its length (1 for invalid bytes)
 * and the code point (U+FFFD for invalid). */
static int decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t v = s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

static int cp_width(uint32_t c)
{
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

int tj_utf8_width(const char *s)
{
    int w = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        p += decode(p, &cp);
        w += cp_width(cp);
    }
    return w;
}

void tj_fput_cell(FILE *out, const char *s, int width)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    int used = 0;
    while (*p) {
        uint32_t cp;
        int n = decode(p, &cp);
        int w = cp_width(cp);
        if (used + w > width)
            break;
        fwrite(p, 1, (size_t)n, out);
        used += w;
        p += n;
    }
    for (; used < width; used++)
        fputc(' ', out);
}

/* ---- encodings ------------------------------------------------------- */

size_t tj_utf8_valid_prefix(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        /* the second byte's range (RFC 3629): no overlong forms, no
         * surrogates, nothing above U+10FFFF */
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return i;
        }
        if (i + n >= len || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        i += n + 1;
    }
    return len;
}

void tj_text_line_col(const char *s, size_t off, long *line, long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

/* Count, over the text, the valid multi-byte UTF-8 characters and the
 * bytes where UTF-8 decoding fails (skipping one byte each time). */
static void utf8_census(const char *s, size_t len, size_t *good, size_t *bad)
{
    *good = *bad = 0;
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t ok = tj_utf8_valid_prefix(s + i, len - i < 4 ? len - i : 4);
        if (ok) {
            (*good)++;
            i += ok;
        } else {
            (*bad)++;
            i++;
        }
    }
}

tj_status tj_text_to_utf8(const char *name, const char *data, size_t len, const char *encoding, char **out,
                          size_t *outlen, tj_error *err)
{
    *out = NULL;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
        data += 3;
        len -= 3;
    }
    const char *nul = memchr(data, 0, len);
    if (nul) {
        long l, c;
        tj_text_line_col(data, (size_t)(nul - data), &l, &c);
        return tj_error_set_at(err, TJ_ERR_INPUT, name, l, c, "a NUL byte in a text file; refused / 文本中含空字符");
    }
    int gb = encoding && (!strcasecmp(encoding, "gb18030") || !strcasecmp(encoding, "gbk") ||
                          !strcasecmp(encoding, "gb2312"));
    if (encoding && !gb && strcasecmp(encoding, "utf-8") && strcasecmp(encoding, "utf8"))
        return tj_error_set(err, TJ_ERR_USAGE, "encoding", "unknown encoding \"%s\" (utf-8 or gb18030)",
                            encoding);
    size_t bad = tj_utf8_valid_prefix(data, len);
    if (!gb && bad == len) {
        char *c = malloc(len + 1);
        if (!c)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        memcpy(c, data, len);
        c[len] = 0;
        *out = c;
        *outlen = len;
        return TJ_OK;
    }
    if (!gb) {
        /* The per-file rule (docs/limits.md): undeclared text that is not
         * valid UTF-8 is read as GB18030 only when it does not look like
         * UTF-8, i.e. when fewer of its non-ASCII characters decode as
         * UTF-8 than fail to; a UTF-8 file with a few stray bytes is
         * refused at the first one, never re-read as GB18030. */
        size_t good = 0, nbad = 0;
        if (!encoding)
            utf8_census(data, len, &good, &nbad);
        if (encoding || good >= nbad) {
            long l, c;
            tj_text_line_col(data, bad, &l, &c);
            return tj_error_set_at(err, TJ_ERR_INPUT, name, l, c,
                                   "not valid UTF-8: byte 0x%02X (the file is read as UTF-8; save it as UTF-8 "
                                   "or declare --encoding gb18030) / 非法 UTF-8 字节",
                                   (unsigned)(unsigned char)data[bad]);
        }
    }
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "iconv cannot convert GB18030");
    if (len > (SIZE_MAX - 1) / 4) {
        iconv_close(cd);
        return tj_error_set(err, TJ_ERR_INPUT, name, "file too large");
    }
    size_t cap = len * 4 + 1;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    char *in = (char *)data, *o = buf;
    size_t inleft = len, oleft = cap - 1;
    size_t r = iconv(cd, &in, &inleft, &o, &oleft);
    iconv_close(cd);
    if (r == (size_t)-1) {
        long l, c;
        tj_text_line_col(data, (size_t)(in - data), &l, &c);
        free(buf);
        return tj_error_set_at(err, TJ_ERR_INPUT, name, l, c, "neither UTF-8 nor GB18030 text");
    }
    *o = 0;
    *out = buf;
    *outlen = (size_t)(o - buf);
    return TJ_OK;
}

tj_status tj_text_check_line(const char *what, const char *s, size_t max, tj_error *err)
{
    size_t len = strlen(s);
    if (len > max)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s is %zu bytes long, at most %zu are allowed / 过长", what, len,
                            max);
    size_t ok = tj_utf8_valid_prefix(s, len);
    if (ok != len)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s is not valid UTF-8 at byte %zu / 不是有效的 UTF-8", what,
                            ok + 1);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, ch = 1; i < len; ch++) {
        unsigned c = u[i];
        if (c < 0x20 || c == 0x7f)
            return tj_error_set(err, TJ_ERR_INPUT, what, "%s has a control character at character %zu / 含控制字符",
                                what, ch);
        /* U+202A..U+202E and U+2066..U+2069 are E2 80 AA..AE and E2 81 A6..A9;
         * U+200E/U+200F (marks) are E2 80 8E/8F */
        if (c == 0xe2 && i + 2 < len &&
            ((u[i + 1] == 0x80 && ((u[i + 2] >= 0xaa && u[i + 2] <= 0xae) || u[i + 2] == 0x8e || u[i + 2] == 0x8f)) ||
             (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9)))
            return tj_error_set(err, TJ_ERR_INPUT, what,
                                "%s has a Unicode direction control at character %zu / 含文字方向控制字符", what, ch);
        i += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    }
    return TJ_OK;
}

size_t tj_bidi_control(const char *s, size_t left, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (left >= 3 && u[0] == 0xe2 && u[1] == 0x80 && ((u[2] >= 0xaa && u[2] <= 0xae) || u[2] == 0x8e || u[2] == 0x8f)) {
        *cp = 0x2000 + (unsigned)(u[2] - 0x80);
        return 3;
    }
    if (left >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9) {
        *cp = 0x2040 + (unsigned)(u[2] - 0x80);
        return 3;
    }
    if (left >= 2 && u[0] == 0xd8 && u[1] == 0x9c) {
        *cp = 0x061c;
        return 2;
    }
    return 0;
}

char *tj_bidi_neutralise(const char *s, int *copied)
{
    *copied = 0;
    size_t len = strlen(s), extra = 0;
    unsigned cp;
    for (size_t i = 0; i < len; i++)
        if (tj_bidi_control(s + i, len - i, &cp))
            extra += 8; /* "[U+XXXX]" for at least 2 bytes */
    if (!extra)
        return (char *)s;
    char *o = malloc(len + extra + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t k = tj_bidi_control(s + i, len - i, &cp);
        if (k) {
            p += sprintf(p, "[U+%04X]", cp);
            i += k;
        } else {
            *p++ = s[i++];
        }
    }
    *p = 0;
    *copied = 1;
    return o;
}

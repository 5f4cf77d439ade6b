/* http router: match a method and path against the route table; see http.h.
 * Pure (no I/O), so it is fuzzed on its own (tests/fuzz/fuzz_router.c). */
#include <string.h>

#include "http/http.h"

static int param_ok(const char *s, size_t n)
{
    if (n == 0 || n > 200)
        return 0;
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '~' || c == '@' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

/* Does path match pattern?  Parameters are written (NUL-terminated) into buf. */
static int match(const char *pattern, const char *path, char *buf, size_t bufsize, const char *params[4],
                 size_t *np)
{
    size_t used = 0;
    *np = 0;
    const char *p = pattern, *s = path;
    while (*p) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            if (!pe)
                return 0;
            size_t n = strcspn(s, "/");
            if (!param_ok(s, n) || *np == 4 || used + n + 1 > bufsize)
                return 0;
            memcpy(buf + used, s, n);
            buf[used + n] = '\0';
            params[(*np)++] = buf + used;
            used += n + 1;
            s += n;
            p = pe + 1;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *s == '\0';
}

const http_route *http_route_match(const char *method, const char *path, char *buf, size_t bufsize,
                                   const char *params[4], size_t *nparams, int *path_known)
{
    *path_known = 0;
    *nparams = 0;
    if (!method || !path)
        return NULL;
    for (size_t i = 0; i < http_route_count; i++) {
        const http_route *r = &http_routes[i];
        size_t np = 0;
        if (!match(r->pattern, path, buf, bufsize, params, &np))
            continue;
        if (strcmp(r->method, method)) {
            *path_known = 1;
            continue;
        }
        *nparams = np;
        return r;
    }
    return NULL;
}

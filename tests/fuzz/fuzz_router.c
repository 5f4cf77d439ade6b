/* libFuzzer driver: the HTTP router (src/http/router.c) with hostile methods
 * and paths.  Input: METHOD, a NUL byte, then the path.  A match must hand
 * back parameters that pass the router's own rules. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 2);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    s[size + 1] = '\0';
    const char *method = s;
    size_t ml = strlen(method);
    const char *path = ml < size ? s + ml + 1 : "";
    char buf[1024];
    const char *params[4];
    size_t np = 0;
    int known = 0;
    const http_route *r = http_route_match(method, path, buf, sizeof buf, params, &np, &known);
    if (r) {
        if (strcmp(r->method, method))
            abort();
        for (size_t i = 0; i < np; i++) {
            size_t n = strlen(params[i]);
            if (n == 0 || n > 200 || !strcmp(params[i], "..") || !strcmp(params[i], ".") || strchr(params[i], '/'))
                abort();
        }
    }
    free(s);
    return 0;
}

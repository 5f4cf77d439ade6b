/* libFuzzer driver: JSON request bodies as the server decodes them
 * (http_json_decode: depth limit before jansson), then the decoders of the
 * model and job bodies' first checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    char lc[300];
    json_t *v = http_json_decode((const char *)data, size, 64, &why, lc, sizeof lc);
    if (!v && !why)
        abort(); /* a refusal always says why */
    if (v && http_json_depth((const char *)data, size, 64) > 64)
        abort(); /* nothing deeper than the limit is decoded */
    json_decref(v);
    return 0;
}

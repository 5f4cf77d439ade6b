/* libFuzzer driver: the declaration input parsers (battery declaration data,
 * docs/battery.md; CBAM installation data, docs/cbam.md) must accept or
 * reject any JSON without crashing, leaking or reading out of bounds. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "services/battery.h"
#include "services/cbam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!in)
        return 0;
    tj_error err;
    (void)svc_battery_check(in, &err);
    json_t *out = NULL;
    if (svc_cbam_communication(NULL, in, &out, &err) == TJ_OK)
        json_decref(out);
    json_decref(in);
    return 0;
}

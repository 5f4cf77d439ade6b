/* libFuzzer driver: rule documents (the JSON files under data/rules) from outside. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "services/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return 0;
    svc_rule r;
    memset(&r, 0, sizeof r);
    tj_error err;
    if (svc_rule_parse(doc, "fuzz.json", &r, &err) == TJ_OK)
        svc_rule_release(&r);
    json_decref(doc);
    return 0;
}

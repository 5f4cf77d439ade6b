/* libFuzzer driver: the model-file parser must reject or accept any bytes
 * without crashing, leaking or reading out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "io/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    io_model *m = NULL;
    tj_error err;
    io_model_options o;
    io_model_options_init(&o);
    o.max_bytes = 1 << 20;
    if (io_model_parse((const char *)data, size, "fuzz.json", &o, &m, &err) == TJ_OK)
        io_model_free(m);
    return 0;
}

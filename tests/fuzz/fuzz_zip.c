/* libFuzzer driver: the bounded archive reader (io/input) over any bytes,
 * every entry inflated with small caps so that bombs stop quickly.  The
 * corpus is shared with fuzz_xlsx and fuzz_olca (zip files). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    io_input_limits lim = {.max_bytes = 1 << 20,
                           .max_entries = 200,
                           .max_entry_bytes = 2 << 20,
                           .max_total_bytes = 4 << 20,
                           .max_ratio = 100};
    io_zip *z = NULL;
    tj_error err;
    if (io_zip_open_mem("fuzz.zip", data, size, &lim, &z, &err) != TJ_OK)
        return 0;
    char *buf = NULL;
    size_t cap = 0, len;
    for (size_t i = 0; i < io_zip_count(z); i++)
        if (io_zip_read(z, i, &buf, &cap, &len, &err) == TJ_OK && buf[len] != 0)
            abort();
    free(buf);
    io_zip_close(z);
    return 0;
}

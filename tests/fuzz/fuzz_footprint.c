/* libFuzzer driver: footprint result files given to `tanji report`. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *fp = json_loadb((const char *)data, size, 0, &jerr);
    if (!fp)
        return 0;
    tj_error err;
    io_report *r = NULL;
    if (io_footprint_validate(fp, &err) == TJ_OK && io_report_build(fp, NULL, (int)(size & 1), NULL, &r, &err) == TJ_OK) {
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            io_report_write_html(r, devnull, &err);
            fclose(devnull);
        }
        json_decref(io_report_to_json(r));
        io_report_free(r);
    }
    json_decref(fp);
    return 0;
}

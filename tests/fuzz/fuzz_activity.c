/* libFuzzer driver: enterprise activity sheets (CSV, UTF-8 or GB18030) for
 * `tanji model from-csv`.  The first byte picks the sheet kind. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "services/activity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/tmp/tanji-fuzz-activity-%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    svc_activity_options o = {0};
    o.product_en = "fuzz";
    o.unit = "kg";
    o.amount = 1;
    o.sheets[data[0] % SVC_SHEET_COUNT] = path;
    svc_activity_result res = {0};
    tj_error err;
    if (svc_activity_to_model(NULL, &o, &res, &err) == TJ_OK)
        svc_activity_result_release(&res);
    unlink(path);
    return 0;
}

/* libFuzzer driver: factor files (CSV in UTF-8/GB18030, or JSON) imported by
 * `tanji factor import`, into an in-memory SQLite database.  The first byte
 * picks the format.  An import is all or nothing, so failed inputs leave the
 * database unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "services/factors.h"
#include "store/store.h"

#include "services/ctx.h"

static store_db *db;
static svc_ctx ctx; /* all roles, the operator organisation */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tj_error err;
    if (!db && (store_open_ex(":memory:", STORE_OPEN_MIGRATE, &db, &err) != TJ_OK ||
                svc_ctx_init(&ctx, db, "fuzzer", "fuzzer", SVC_OPERATOR_ORG, SVC_ROLE_ALL, &err) != TJ_OK))
        abort();
    if (size < 1)
        return 0;
    svc_import_result res;
    svc_factor_import_mem(&ctx, "fuzz", (const char *)data + 1, size - 1, (data[0] & 1) ? "json" : "csv",
                          (data[0] & 2) ? "published" : "draft", &res, &err);
    return 0;
}

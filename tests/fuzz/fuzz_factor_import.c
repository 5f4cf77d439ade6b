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
#include "store/factor_sql.h"
/* Test principals: all roles, the operator organisation, named as given
 * (the name is what the history records). */
static svc_ctx tjt_ctx_s[4];
static int tjt_ctx_i;
static svc_ctx *TCA(store_db *db, const char *name)
{
    svc_ctx *c = &tjt_ctx_s[tjt_ctx_i++ % 4];
    svc_ctx_release(c);
    svc_ctx_init(c, db, name, name, SVC_OPERATOR_ORG, SVC_ROLE_ALL, NULL);
    return c;
}
static svc_ctx *TC(store_db *db)
{
    return TCA(db, "operator");
}

static store_db *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tj_error err;
    if (!db && store_open_ex(":memory:", STORE_OPEN_MIGRATE, &db, &err) != TJ_OK)
        abort();
    if (size < 1)
        return 0;
    svc_import_result res;
    svc_factor_import_mem(TCA(db, "fuzzer"), "fuzz", (const char *)data + 1, size - 1, (data[0] & 1) ? "json" : "csv", (data[0] & 2) ? "published" : "draft", &res, &err);
    return 0;
}

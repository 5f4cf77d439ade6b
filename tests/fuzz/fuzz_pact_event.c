/* libFuzzer driver: PACT event bodies as POST /3/events (and /2/events)
 * decodes them (http_json_decode with the server's depth limit, then
 * svc_pact_event), into an in-memory SQLite database whose organisation has
 * a registered events endpoint, so that requests go as far as the outbox.
 * The first byte picks the version.  Invariants: a refusal says why; an
 * accepted event is a CloudEvents 1.0 object of a known type; no
 * transaction is left open. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "services/ctx.h"
#include "services/pact.h"
#include "store/store.h"

static store_db *db;
static svc_ctx ctx; /* an enterprise user of the operator organisation */

static void init(void)
{
    tj_error err;
    char key[64];
    snprintf(key, sizeof key, "/tmp/tanji-fuzz-%d.secrets-key", (int)getpid());
    setenv("TANJI_SECRETS_KEY", key, 1);
    setenv("TANJI_PACT_ALLOW_HTTP", "1", 1);
    if (store_open_ex(":memory:", STORE_OPEN_MIGRATE, &db, &err) != TJ_OK ||
        svc_ctx_init(&ctx, db, "fuzzer", "fuzzer", SVC_OPERATOR_ORG, SVC_ROLE_ALL, &err) != TJ_OK ||
        svc_pact_partner_set(&ctx, SVC_OPERATOR_ORG, "https://partner.example", "id", "secret", &err) != TJ_OK)
        abort();
    unlink(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        init();
    if (size < 1)
        return 0;
    int v = (data[0] & 1) ? 2 : 3;
    const char *why = NULL;
    char lc[64];
    json_t *ev = http_json_decode((const char *)data + 1, size - 1, 64, &why, lc, sizeof lc);
    if (!ev) {
        if (!why)
            abort();
        return 0;
    }
    tj_error err;
    tj_error_clear(&err);
    tj_status rc = svc_pact_event(&ctx, ev, v, "https://tanji.example/3/events", &err);
    if (rc && !err.message[0])
        abort(); /* a refusal says why */
    if (!rc) {
        const char *sv = json_string_value(json_object_get(ev, "specversion"));
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (!sv || strcmp(sv, "1.0") || !type || !json_is_object(json_object_get(ev, "data")))
            abort();
    }
    if (store_in_transaction(db))
        abort();
    json_decref(ev);
    return 0;
}

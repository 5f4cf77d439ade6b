/* libFuzzer driver: what a PACT client decodes from a supplier's host when
 * pulling: the Link header of a /3/footprints page (io_http_link_next) and
 * the page body (svc_pact_pull_page), then each footprint as the row kept
 * (svc_pact_supplier_row) and its ledger state.  Input: the Link header's
 * value up to the first newline, then the body.  Invariants: a next page is
 * only ever on the supplier's origin; a refusal says why; every row kept
 * has a UUID id, a unit and a value. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/http_fetch.h"
#include "services/inst_util.h"
#include "services/pact.h"
#include "services/pact_ledger.h"

#define BASE "https://supplier.example:8443"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *nl = memchr(p, '\n', size);
    size_t hl = nl ? (size_t)(nl - p) : 0;
    char *link = nl ? io_http_link_next(p, hl) : NULL;
    const char *body = nl ? nl + 1 : p;
    size_t blen = nl ? size - hl - 1 : size;
    json_t *all = json_array();
    char *next = NULL;
    tj_error err;
    tj_error_clear(&err);
    tj_status rc = svc_pact_pull_page(BASE, BASE "/3/footprints?limit=100", 200, body, blen, link, all, &next, &err);
    if (rc && !err.message[0])
        abort();
    if (next && (strncasecmp(next, BASE, strlen(BASE)) || !strchr("/?#", next[strlen(BASE)])))
        abort(); /* the token would leave the supplier's host */
    size_t i;
    json_t *pf;
    json_array_foreach(all, i, pf)
    {
        const char *why = NULL;
        json_t *row = svc_pact_supplier_row(pf, "org", BASE, "2026-01-01T00:00:00Z", &why);
        if (!row && !why)
            abort();
        if (row) {
            if (!svc_pact_is_uuid(inst_str(row, "pf_id")) || !inst_str(row, "unit") ||
                !json_is_real(json_object_get(row, "value")))
                abort();
            json_t *st = svc_pact_supplier_state(row);
            if (!st)
                abort();
            json_decref(st);
        }
        json_decref(row);
    }
    free(next);
    free(link);
    json_decref(all);
    return 0;
}

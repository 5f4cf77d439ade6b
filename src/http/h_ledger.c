/* http handlers: the ledger (public heads and proofs; entries by object). */
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "ledger/merkle.h"
#include "services/ledger_objects.h"
#include "services/ledger_svc.h"

void h_ledger_head(http_req *rq, http_resp *rs)
{
    ledger_head h;
    int found = 0;
    int64_t size = 0;
    merkle_hash root;
    tj_error err;
    tj_error_clear(&err);
    if (svc_ledger_head(&rq->ctx, &h, &found, &size, &root, &err)) {
        http_fail(rs, &err);
        return;
    }
    char rh[2 * MERKLE_HASH_SIZE + 1], pk[2 * LEDGER_PK_SIZE + 1];
    merkle_to_hex(&root, rh);
    json_t *o = json_pack("{s:o,s:I,s:s}", "signed_head", found ? ledger_head_json(&h) : json_null(), "tree_size",
                          (json_int_t)size, "root_hash", rh);
    if (o && found) {
        ledger_pk_hex(h.public_key, pk);
        json_object_set_new(o, "public_key", json_string(pk));
    }
    http_json(rs, 200, o);
}

void h_ledger_proof(http_req *rq, http_resp *rs)
{
    long index, size, from, to;
    if (http_query_int(rq, rs, "index", -1, 1L << 50, -1, &index) || http_query_int(rq, rs, "size", -1, 1L << 50, -1, &size) ||
        http_query_int(rq, rs, "from", -1, 1L << 50, -1, &from) || http_query_int(rq, rs, "to", -1, 1L << 50, -1, &to))
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    tj_status rc;
    if (index >= 0)
        rc = svc_ledger_inclusion(&rq->ctx, index, size, &out, &err);
    else if (from >= 0 && to >= 0)
        rc = svc_ledger_consistency(&rq->ctx, from, to, &out, &err);
    else {
        http_error(rs, 400, "bad_request", "give index (inclusion) or from and to (consistency) / 缺少参数", "index");
        return;
    }
    if (rc)
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_ledger_entries(http_req *rq, http_resp *rs)
{
    long after, limit;
    if (http_query_int(rq, rs, "after", -1, 1L << 50, -1, &after) || http_query_int(rq, rs, "limit", 1, 1000, 100, &limit))
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_ledger_entries(&rq->ctx, http_query(rq, "object_type"), http_query(rq, "object_id"), after, (int)limit, &out,
                           &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

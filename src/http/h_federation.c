/* http handlers: federation (docs/federation.md): this instance's identity
 * and packages for peers' pulls, the trust list, imported objects, labels of
 * other instances, mutual recognition.  Everything here is public data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "services/federation.h"

static int load_key(http_req *rq, http_resp *rs, ledger_key *key)
{
    tj_error err;
    tj_error_clear(&err);
    if (!rq->cfg->ledger_key || !*rq->cfg->ledger_key) {
        http_error(
            rs, 503, "unavailable",
            "this server has no ledger key (ledger_key): it cannot sign federation data / 服务未配置台账密钥",
            NULL);
        return -1;
    }
    if (ledger_key_load(rq->cfg->ledger_key, key, &err)) {
        http_fail(rs, &err);
        return -1;
    }
    return 0;
}

void h_fed_identity(http_req *rq, http_resp *rs)
{
    ledger_key key;
    if (load_key(rq, rs, &key))
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    tj_status rc = svc_fed_identity_export(&rq->ctx, &key, 0, &out, &err);
    ledger_key_wipe(&key);
    if (rc)
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_fed_package(http_req *rq, http_resp *rs)
{
    long since;
    if (http_query_int(rq, rs, "since", 0, 1L << 50, 0, &since))
        return;
    ledger_key key;
    if (load_key(rq, rs, &key))
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tj_error err;
    tj_error_clear(&err);
    tj_status rc = f ? svc_fed_publish(&rq->ctx, &key, since, 0, f, NULL, &err)
                     : tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
    ledger_key_wipe(&key);
    if (f)
        fclose(f);
    if (rc) {
        free(buf);
        http_fail(rs, &err);
        return;
    }
    http_bytes(rs, 200, "application/x-ndjson", buf, len);
}

void h_fed_peers(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_fed_trust_list(&rq->ctx, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "peers", out));
}

void h_fed_objects(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (http_query_int(rq, rs, "limit", 1, 1000, 100, &limit) ||
        http_query_int(rq, rs, "offset", 0, 1L << 40, 0, &offset))
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_fed_objects(&rq->ctx, http_query(rq, "peer"), http_query(rq, "type"), http_query(rq, "category"),
                        (int)limit, (int)offset, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "objects", out));
}

void h_fed_label_verify(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_fed_label_verify(&rq->ctx, rq->params[0], NULL, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_fed_recognitions(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    const char *rule = http_query(rq, "rule");
    tj_status rc = rule ? svc_fed_recognitions_for_rule(&rq->ctx, rule, &out, &err)
                        : svc_fed_recognition_list(&rq->ctx, &out, &err);
    if (rc)
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "recognitions", out));
}

void h_fed_footprint_recognitions(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_fed_footprint_recognitions(&rq->ctx, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

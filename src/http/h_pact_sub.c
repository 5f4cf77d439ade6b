/* http handlers: scheduled PACT pulls (services/pact_sub.h, docs/pact.md). */
#include <stdlib.h>

#include "http/handlers.h"
#include "services/pact_sub.h"

void h_pact_sub_add(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    tj_error err;
    tj_error_clear(&err);
    json_t *out = NULL, *iv = json_object_get(b, "interval");
    const char *url = json_string_value(json_object_get(b, "url"));
    if (!url)
        url = json_string_value(json_object_get(b, "from"));
    if (iv && !json_is_integer(iv))
        tj_error_set(&err, TJ_ERR_INPUT, "interval", "interval is a number of seconds / interval 为秒数");
    else
        svc_pact_sub_add(&rq->ctx, url, json_string_value(json_object_get(b, "client_id")),
                         json_string_value(json_object_get(b, "client_secret")),
                         iv ? (int64_t)json_integer_value(iv) : 86400, &out, &err);
    if (err.code)
        http_fail(rs, &err);
    else
        http_json(rs, 201, out);
    json_decref(b);
}

void h_pact_sub_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_sub_list(&rq->ctx, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_pact_sub_remove(http_req *rq, http_resp *rs)
{
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_sub_remove(&rq->ctx, rq->params[0], &err))
        http_fail(rs, &err);
    else
        http_bytes(rs, 204, "application/json", NULL, 0);
}

void h_pact_sub_run(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_sub_run(&rq->ctx, rq->params[0], rq->cfg->pact_ca_file, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

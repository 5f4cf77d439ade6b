/*
 * /api/v1/pact/clients: the PACT API clients an enterprise makes for its
 * partners (services/partner_clients.h; docs/pact.md).  The secret is in
 * the answer to the creation only.
 */
#include <jansson.h>

#include "http/handlers.h"
#include "services/auth.h"
#include "services/partner_clients.h"

void h_pact_clients_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_partner_client_list(&rq->ctx, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_pact_clients_create(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *out = NULL;
    char *secret = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_partner_client_create(&rq->ctx, json_string_value(json_object_get(b, "name")),
                                  json_string_value(json_object_get(b, "partner")), &out, &secret, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 201, out);
    svc_secret_free(secret);
    json_decref(b);
}

void h_pact_clients_revoke(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_partner_client_revoke(&rq->ctx, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

/* http handlers: battery footprint declarations and the CBAM communication
 * (services/battery.h, services/cbam.h), computed and, with ?save=1, kept
 * (services/declaration.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "io/declare_out.h"
#include "services/battery.h"
#include "services/cbam.h"
#include "services/declaration.h"

/* ?save=1: keep the declaration (services/declaration.h); its id is added
 * to the JSON.  Returns 0 when the reply was sent (an error). */
static int maybe_save(http_req *rq, http_resp *rs, const char *kind, const json_t *input, json_t *out,
                      int *saved)
{
    const char *save = http_query(rq, "save");
    *saved = 0;
    if (!save || !strcmp(save, "0"))
        return 1;
    if (strcmp(save, "1")) {
        http_error(rs, 400, "bad_request", "save is 0 or 1", "save");
        return 0;
    }
    char *id = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_declaration_save(&rq->ctx, kind, input, out, &id, &err)) {
        http_fail(rs, &err);
        return 0;
    }
    json_object_set_new(out, "id", json_string(id));
    free(id);
    *saved = 1;
    return 1;
}

/* The declaration as JSON, or rendered (?format=pdf|xlsx) as a download. */
static void reply(http_req *rq, http_resp *rs, json_t *out, const char *binary, const char *ct,
                  const char *name, int saved)
{
    const char *format = http_query(rq, "format");
    if (!format || !strcmp(format, "json")) {
        http_json(rs, saved ? 201 : 200, out);
        return;
    }
    if (strcmp(format, binary)) {
        json_decref(out);
        http_error(rs, 400, "bad_request", "format must be json or the declaration's document format",
                   "format");
        return;
    }
    char *data = NULL;
    size_t len = 0;
    tj_error err;
    tj_error_clear(&err);
    tj_status st = io_declare_render(out, format, &data, &len, &err);
    json_decref(out);
    if (st) {
        http_fail(rs, &err);
        return;
    }
    http_bytes(rs, 200, ct, data, len);
    rs->disposition = name;
}

void h_declare_battery(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *model = json_object_get(b, "model"), *battery = json_object_get(b, "battery"),
           *gwp = json_object_get(b, "gwp");
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) if (strcmp(k, "model") && strcmp(k, "battery") && strcmp(k, "gwp"))
    {
        http_error(rs, 400, "bad_request", "unknown key (model, battery, gwp) / 未知字段", k);
        json_decref(b);
        return;
    }
    if (!json_is_object(model) || !json_is_object(battery) || (gwp && !json_is_string(gwp))) {
        http_error(rs, 400, "bad_request",
                   "give model (a model object) and battery (declaration data) / 须给出 model 与 battery",
                   !json_is_object(model)     ? "model"
                   : !json_is_object(battery) ? "battery"
                                              : "gwp");
        json_decref(b);
        return;
    }
    tj_error err;
    tj_error_clear(&err);
    svc_calc_request crq;
    svc_calc_request_init(&crq);
    char *text = json_dumps(model, JSON_COMPACT);
    json_t *out = NULL;
    tj_status st = text ? TJ_OK : tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!st && gwp && tj_gwp_set_parse(json_string_value(gwp), &crq.gwp, &err))
        st = tj_error_set(&err, TJ_ERR_INPUT, "gwp", "gwp must be AR6 or AR5");
    if (!st) {
        crq.model_text = text;
        crq.model_len = strlen(text);
        crq.model_name = "model";
        st = svc_battery_declare(&rq->ctx, &crq, battery, &out, &err);
    }
    free(text);
    int saved = 0;
    if (st)
        http_fail(rs, &err);
    else if (maybe_save(rq, rs, "battery", b, out, &saved))
        reply(rq, rs, out, "pdf", "application/pdf", "battery-declaration.pdf", saved);
    else
        json_decref(out);
    json_decref(b);
}

void h_declare_cbam(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    tj_status st = svc_cbam_communication(&rq->ctx, b, &out, &err);
    int saved = 0;
    if (st)
        http_fail(rs, &err);
    else if (maybe_save(rq, rs, "cbam", b, out, &saved))
        reply(rq, rs, out, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "cbam-communication.xlsx", saved);
    else
        json_decref(out);
    json_decref(b);
}

void h_declaration_list(http_req *rq, http_resp *rs)
{
    long limit = 50, offset = 0;
    if (http_query_int(rq, rs, "limit", 1, 1000, 50, &limit) ||
        http_query_int(rq, rs, "offset", 0, 1000000000, 0, &offset))
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_declaration_list(&rq->ctx, (int)limit, (int)offset, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_declaration_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_declaration_get(&rq->ctx, rq->params[0], 1, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

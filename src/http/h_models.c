/* http handlers: rules, models, checks, calculations, footprints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "http/server.h"
#include "services/footprint.h"
#include "services/job.h"
#include "services/model.h"
#include "services/publication.h"
#include "services/rules_json.h"

#define ERR_DECL \
    tj_error err; \
    tj_error_clear(&err)

static int lang_zh(http_req *rq)
{
    const char *l = http_query(rq, "lang");
    return !l || strcmp(l, "en");
}

void h_openapi(http_req *rq, http_resp *rs)
{
    (void)rq;
    char *s = strdup(tj_openapi_json);
    if (!s)
        http_error(rs, 503, "unavailable", "out of memory", NULL);
    else
        http_bytes(rs, 200, "application/json", s, strlen(s));
    rs->cache_public = 1;
}

/* ---- rules (the rule set is loaded once at start, read-only) ---------- */
void h_rule_list(http_req *rq, http_resp *rs)
{
    http_json(rs, 200, json_pack("{s:o}", "items", svc_ruleset_json(rq->rules)));
}

void h_rule_find(http_req *rq, http_resp *rs)
{
    const char *product = http_query(rq, "product");
    if (!product || !*product) {
        http_error(rs, 400, "bad_request", "product is required / 缺少 product", "product");
        return;
    }
    const char *d = http_query(rq, "drafts");
    json_t *out = NULL;
    ERR_DECL;
    if (svc_rules_find_json(rq->rules, product, http_query(rq, "region"), http_query(rq, "date"),
                            d && !strcmp(d, "true"), lang_zh(rq), &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_rule_validate(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *out = NULL;
    ERR_DECL;
    if (svc_rule_validate_json(b, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
    json_decref(b);
}

void h_rule_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    if (svc_rule_show_json(rq->rules, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

/* ---- models ------------------------------------------------------------- */
static int paging(http_req *rq, http_resp *rs, long *limit, long *offset)
{
    return http_query_int(rq, rs, "limit", 1, 1000, 50, limit) ||
           http_query_int(rq, rs, "offset", 0, 1000000000, 0, offset);
}

void h_model_list(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (paging(rq, rs, &limit, &offset))
        return;
    json_t *out = NULL;
    ERR_DECL;
    if (svc_model_list(&rq->ctx, (int)limit, (int)offset, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_model_create(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *name = json_object_get(b, "name"), *model = json_object_get(b, "model");
    if (name && !json_is_string(name))
        http_error(rs, 400, "bad_request", "name is a string", "name");
    else if (!model)
        http_error(rs, 400, "bad_request", "model (the model JSON) is required / 缺少 model", "model");
    else {
        char *id = NULL;
        ERR_DECL;
        json_t *out = NULL;
        if (svc_model_create(&rq->ctx, json_string_value(name), model, &id, &err))
            http_fail(rs, &err);
        else if (svc_model_get(&rq->ctx, id, 0, &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, out);
        free(id);
    }
    json_decref(b);
}

void h_model_from_sheets(http_req *rq, http_resp *rs)
{
    if (!rq->content_type || (strcmp(rq->content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") &&
                              strcmp(rq->content_type, "application/octet-stream"))) {
        http_error(rs, 415, "unsupported_media_type",
                   "send the workbook as application/vnd.openxmlformats-officedocument.spreadsheetml.sheet / 须上传 xlsx",
                   NULL);
        return;
    }
    long year;
    if (http_query_int(rq, rs, "year", 0, 9999, 0, &year))
        return;
    svc_activity_options o;
    memset(&o, 0, sizeof o);
    o.product_zh = http_query(rq, "product_zh");
    o.product_en = http_query(rq, "product_en");
    o.unit = http_query(rq, "unit");
    o.boundary = http_query(rq, "boundary");
    o.geography = http_query(rq, "geography");
    o.region = http_query(rq, "region");
    o.category = http_query(rq, "category");
    o.year = (int)year;
    o.amount = 1;
    const char *amount = http_query(rq, "amount");
    if (amount) {
        char *end;
        o.amount = strtod(amount, &end);
        if (*end || !(o.amount > 0) || o.amount > 1e15) {
            http_error(rs, 400, "bad_request", "amount is a positive number", "amount");
            return;
        }
    }
    char *id = NULL;
    json_t *report = NULL, *out = NULL;
    ERR_DECL;
    if (svc_model_create_from_workbook(&rq->ctx, http_query(rq, "name"), rq->body ? rq->body : "", rq->body_len, &o,
                                       &id, &report, &err))
        http_fail(rs, &err);
    else if (svc_model_get(&rq->ctx, id, 0, &out, &err))
        http_fail(rs, &err);
    else {
        json_object_set_new(out, "sheets", report ? report : json_null());
        report = NULL;
        http_json(rs, 201, out);
    }
    json_decref(report);
    free(id);
}

void h_model_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    if (svc_model_get(&rq->ctx, rq->params[0], 1, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_model_update(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *name = json_object_get(b, "name"), *model = json_object_get(b, "model"), *rev = json_object_get(b, "revision");
    if (name && !json_is_string(name))
        http_error(rs, 400, "bad_request", "name is a string", "name");
    else if (rev && (!json_is_integer(rev) || json_integer_value(rev) < 1))
        http_error(rs, 400, "bad_request", "revision is a positive integer", "revision");
    else if (!name && !model)
        http_error(rs, 400, "bad_request", "give name and/or model / 须给出 name 或 model", NULL);
    else {
        json_t *out = NULL;
        ERR_DECL;
        if (svc_model_update(&rq->ctx, rq->params[0], json_integer_value(rev), json_string_value(name), model, &out,
                             &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, out);
    }
    json_decref(b);
}

void h_model_delete(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    if (svc_model_delete(&rq->ctx, rq->params[0], &err))
        http_fail(rs, &err);
    else
        http_bytes(rs, 204, "application/json", NULL, 0);
}

void h_check(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *mid = json_object_get(b, "model_id"), *rule = json_object_get(b, "rule"),
           *region = json_object_get(b, "region");
    if ((mid && !json_is_string(mid)) || (rule && !json_is_string(rule)) || (region && !json_is_string(region)))
        http_error(rs, 400, "bad_request", "model_id, rule and region are strings", NULL);
    else {
        json_t *out = NULL;
        ERR_DECL;
        if (svc_model_check(&rq->ctx, rq->rules, json_string_value(mid), json_object_get(b, "model"),
                            json_string_value(rule), json_string_value(region), lang_zh(rq), &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, out);
    }
    json_decref(b);
}

/* ---- calculations ------------------------------------------------------- */
void h_calc_submit(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    char *id = NULL;
    ERR_DECL;
    if (svc_job_submit(&rq->ctx, "calculate", b, &id, &err))
        http_fail(rs, &err);
    else {
        http_jobs_kick();
        http_json(rs, 202, json_pack("{s:s,s:s}", "id", id, "status", "queued"));
    }
    free(id);
    json_decref(b);
}

void h_calc_list(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (paging(rq, rs, &limit, &offset))
        return;
    json_t *out = NULL;
    ERR_DECL;
    if (svc_job_list(&rq->ctx, (int)limit, (int)offset, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_calc_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    if (svc_job_get(&rq->ctx, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_calc_cancel(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    if (svc_job_cancel(&rq->ctx, rq->params[0], &err) || svc_job_get(&rq->ctx, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

/* ---- footprints --------------------------------------------------------- */
void h_fp_list(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (paging(rq, rs, &limit, &offset))
        return;
    json_t *out = NULL;
    ERR_DECL;
    if (svc_footprint_list(&rq->ctx, (int)limit, (int)offset, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_fp_get(http_req *rq, http_resp *rs)
{
    const char *w = http_query(rq, "whole");
    json_t *out = NULL;
    ERR_DECL;
    if (svc_footprint_get(&rq->ctx, rq->params[0], !w || strcmp(w, "false"), &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_fp_export(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    if (svc_footprint_get(&rq->ctx, rq->params[0], 1, &out, &err)) {
        http_fail(rs, &err);
        return;
    }
    http_json(rs, 200, out);
    /* the id passed the router's character check: safe in a header */
    size_t n = strlen(rq->params[0]) + 16;
    rs->attachment_buf = malloc(n);
    if (rs->attachment_buf) {
        snprintf(rs->attachment_buf, n, "footprint-%s.json", rq->params[0]);
        rs->disposition = rs->attachment_buf;
    }
}

void h_fp_publish(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    if (svc_footprint_publish(&rq->ctx, rq->params[0], &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:s,s:b}", "id", rq->params[0], "public", 1));
}

void h_fp_report(http_req *rq, http_resp *rs)
{
    const char *format = http_query(rq, "format");
    if (!format)
        format = "html";
    char *data = NULL;
    size_t len = 0;
    ERR_DECL;
    if (svc_footprint_report(&rq->ctx, rq->params[0], format, lang_zh(rq), &data, &len, &err)) {
        http_fail(rs, &err);
        return;
    }
    const char *ct = !strcmp(format, "pdf")    ? "application/pdf"
                     : !strcmp(format, "html") ? "text/html; charset=utf-8"
                                               : "application/json";
    http_bytes(rs, 200, ct, data, len);
    size_t n = strlen(rq->params[0]) + 20;
    rs->attachment_buf = malloc(n);
    if (rs->attachment_buf) {
        snprintf(rs->attachment_buf, n, "report-%s.%s", rq->params[0], format);
        rs->disposition = rs->attachment_buf;
    }
}

void h_fp_public(http_req *rq, http_resp *rs)
{
    /* public and cacheable: the server keeps the answer (http/cache.h) */
    json_t *out = NULL;
    ERR_DECL;
    if (svc_footprint_public_get(rq->db, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else {
        http_json(rs, 200, out);
        rs->cache_public = 1;
    }
}

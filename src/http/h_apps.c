/* http handlers: green procurement, green finance, 碳普惠, parks and
 * statistics (decode, call one service function, encode). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/h_apps.h"
#include "services/apps.h"

#define ERR_DECL                                                                                             \
    tj_error err;                                                                                            \
    tj_error_clear(&err)

/* Answer a service call that produced JSON. */
static void reply(http_resp *rs, tj_status rc, const tj_error *err, int status, json_t *out)
{
    if (rc)
        http_fail(rs, err);
    else
        http_json(rs, status, out);
}

static void ok_empty(http_resp *rs, tj_status rc, const tj_error *err)
{
    if (rc)
        http_fail(rs, err);
    else
        http_json(rs, 200, json_pack("{s:b}", "ok", 1));
}

static void csv(http_resp *rs, tj_status rc, const tj_error *err, char *text, const char *name)
{
    if (rc) {
        http_fail(rs, err);
        return;
    }
    http_bytes(rs, 200, "text/csv; charset=utf-8", text, strlen(text));
    rs->disposition = name;
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int want_csv(http_req *rq)
{
    const char *f = http_query(rq, "format");
    return f && !strcmp(f, "csv");
}

/* ---- roles ---- */
void h_app_role_list(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_app_role_list(&rq->ctx, &out, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_app_role_grant(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    ok_empty(rs, svc_app_role_grant(&rq->ctx, str(b, "org"), str(b, "role"), &err), &err);
    json_decref(b);
}

/* ---- procurement ---- */
void h_proc_list(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    const char *open = http_query(rq, "open");
    json_t *out = NULL;
    tj_status rc = svc_proc_list(&rq->ctx, open && !strcmp(open, "true"), &out, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_proc_require(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    char *id = NULL;
    json_t *out = NULL;
    tj_status rc = svc_proc_require(&rq->ctx, b, &id, &err);
    if (!rc)
        rc = svc_proc_get(&rq->ctx, id, &out, &err);
    reply(rs, rc, &err, 201, out);
    free(id);
    json_decref(b);
}

void h_proc_get(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_proc_get(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_proc_offer(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    char *id = NULL;
    json_t *chk = NULL;
    tj_status rc = svc_proc_offer(&rq->ctx, rq->params[0], b, &id, &chk, &err);
    reply(rs, rc, &err, 201, rc ? NULL : json_pack("{s:s,s:o}", "id", id, "check", chk));
    free(id);
    json_decref(b);
}

void h_proc_evaluation(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    if (want_csv(rq)) {
        char *text = NULL;
        tj_status rc = svc_proc_evaluation_csv(&rq->ctx, rq->params[0], &text, &err);
        csv(rs, rc, &err, text, "evaluation.csv");
        return;
    }
    json_t *out = NULL;
    tj_status rc = svc_proc_evaluate(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_proc_decide(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_proc_decide(&rq->ctx, rq->params[0], str(b, "offer"), str(b, "reason"), &err);
    if (!rc)
        rc = svc_proc_get(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
    json_decref(b);
}

/* ---- finance ---- */
void h_fin_consent_list(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_fin_consent_list(&rq->ctx, &out, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_fin_consent(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    ok_empty(rs, svc_fin_consent(&rq->ctx, str(b, "bank"), str(b, "valid_until"), &err), &err);
    json_decref(b);
}

void h_fin_consent_revoke(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    ok_empty(rs, svc_fin_consent_revoke(&rq->ctx, str(b, "bank"), &err), &err);
    json_decref(b);
}

void h_fin_borrower(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_fin_borrower(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_fin_rule(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    int v = 0;
    tj_status rc = svc_fin_rule_set(&rq->ctx, b, &v, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:i,s:O}", "version", v, "rule", b));
    json_decref(b);
}

void h_fin_eligibility(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_fin_eligibility(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_fin_position(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    const json_t *amount = json_object_get(b, "amount");
    if (!json_is_integer(amount))
        http_error(rs, 400, "bad_request", "amount is an integer number of yuan / 金额为整数（元）",
                   "amount");
    else
        ok_empty(rs,
                 svc_fin_position(&rq->ctx, str(b, "borrower"), str(b, "label"), json_integer_value(amount),
                                  str(b, "as_of"), &err),
                 &err);
    json_decref(b);
}

void h_fin_portfolio(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    if (want_csv(rq)) {
        char *text = NULL;
        tj_status rc = svc_fin_portfolio_csv(&rq->ctx, http_query(rq, "as_of"), &text, &err);
        csv(rs, rc, &err, text, "portfolio.csv");
        return;
    }
    json_t *out = NULL;
    tj_status rc = svc_fin_portfolio(&rq->ctx, http_query(rq, "as_of"), &out, &err);
    reply(rs, rc, &err, 200, out);
}

/* ---- 碳普惠 ---- */
void h_inc_method_list(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_inc_method_list(&rq->ctx, &out, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_inc_method_create(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_inc_method_create(&rq->ctx, b, &out, &err);
    reply(rs, rc, &err, 201, out);
    json_decref(b);
}

void h_inc_report(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    json_t *out = NULL;
    int n = 0;
    tj_status rc = svc_inc_report(&rq->ctx, json_object_get(b, "purchases"), &out, &n, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:i,s:o}", "credited", n, "results", out));
    json_decref(b);
}

void h_inc_account(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_inc_account(&rq->ctx, http_query(rq, "platform"), rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_inc_statement(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (http_query_int(rq, rs, "limit", 1, 1000, 100, &limit) ||
        http_query_int(rq, rs, "offset", 0, 1L << 40, 0, &offset))
        return;
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_inc_statement(&rq->ctx, http_query(rq, "platform"), rq->params[0], (int)limit,
                                     (int)offset, &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_inc_retire(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    const json_t *g = json_object_get(b, "amount_g");
    if (!json_is_integer(g))
        http_error(rs, 400, "bad_request", "amount_g is an integer number of grams / 克数为整数", "amount_g");
    else
        ok_empty(rs, svc_inc_retire(&rq->ctx, rq->params[0], json_integer_value(g), str(b, "purpose"), &err),
                 &err);
    json_decref(b);
}

void h_inc_issue(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_inc_issue(&rq->ctx, str(b, "methodology"), str(b, "region"), &out, &err);
    reply(rs, rc, &err, 201, out);
    json_decref(b);
}

void h_inc_registry(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_inc_registry(&rq->ctx, &out, &err);
    reply(rs, rc, &err, 200, out);
}

/* ---- parks, supply chains, statistics ---- */
void h_park_members(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_park_members(&rq->ctx, &out, &err);
    reply(rs, rc, &err, 200, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_park_invite(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    ok_empty(rs, svc_park_invite(&rq->ctx, str(b, "member"), &err), &err);
    json_decref(b);
}

void h_park_join(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    ok_empty(rs, svc_park_answer(&rq->ctx, rq->params[0], 1, &err), &err);
}

void h_park_leave(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    ok_empty(rs, svc_park_answer(&rq->ctx, rq->params[0], 0, &err), &err);
}

void h_park_stats(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_park_stats(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_supply_chain(http_req *rq, http_resp *rs)
{
    ERR_DECL;
    json_t *out = NULL;
    tj_status rc = svc_park_supply_chain(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, rc, &err, 200, out);
}

void h_statistics(http_req *rq, http_resp *rs)
{
    long year;
    if (http_query_int(rq, rs, "year", 0, 9999, 0, &year))
        return;
    ERR_DECL;
    json_t *f =
        json_pack("{s:s?,s:s?}", "region", http_query(rq, "region"), "category", http_query(rq, "category"));
    if (year)
        json_object_set_new(f, "year", json_integer(year));
    json_t *out = NULL;
    tj_status rc = svc_app_stats(&rq->ctx, f, &out, &err);
    reply(rs, rc, &err, 200, out);
    json_decref(f);
}

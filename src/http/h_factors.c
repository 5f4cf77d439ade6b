/* http handlers: the factor database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "services/factors.h"

static int query_bool(http_req *rq, const char *name)
{
    const char *v = http_query(rq, name);
    return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

/* Search filters from the query string; -1 after an error response. */
static int read_query(http_req *rq, http_resp *rs, svc_factor_query *q)
{
    memset(q, 0, sizeof *q);
    long year, limit, offset;
    if (http_query_int(rq, rs, "year", 0, 9999, 0, &year) || http_query_int(rq, rs, "limit", 1, 1000, 20, &limit) ||
        http_query_int(rq, rs, "offset", 0, 1000000000, 0, &offset))
        return -1;
    q->text = http_query(rq, "q");
    q->category = http_query(rq, "category");
    q->region = http_query(rq, "region");
    q->status = http_query(rq, "status");
    q->year = (int)year;
    q->limit = (int)limit;
    q->offset = (int)offset;
    q->all_versions = query_bool(rq, "all_versions");
    return 0;
}

void h_factor_search(http_req *rq, http_resp *rs)
{
    svc_factor_query q;
    if (read_query(rq, rs, &q))
        return;
    svc_factor_list l;
    memset(&l, 0, sizeof l);
    tj_error err;
    tj_error_clear(&err);
    if (svc_factor_search(&rq->ctx, &q, &l, &err)) {
        http_fail(rs, &err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < l.count; i++)
        json_array_append_new(items, svc_factor_to_json(&l.items[i]));
    http_json(rs, 200, json_pack("{s:I,s:b,s:o}", "total", (json_int_t)l.total, "total_capped", l.total_capped, "items",
                                 items));
    svc_factor_list_release(&l);
}

/* A JSON value as the text svc_factor_set_field reads; NULL if its type
 * does not fit. */
static char *field_text(const svc_field *fd, json_t *v)
{
    char buf[64];
    if (json_is_null(v))
        return strdup("");
    switch (fd->type) {
    case SVC_FT_TEXT:
        if (json_is_string(v))
            return strdup(json_string_value(v));
        if (json_is_array(v) && (!strcmp(fd->name, "aliases") || !strcmp(fd->name, "evidence"))) {
            const char *sep = !strcmp(fd->name, "aliases") ? "|" : ";";
            size_t n = 1, i;
            json_t *e;
            json_array_foreach(v, i, e)
            {
                if (!json_is_string(e))
                    return NULL;
                n += json_string_length(e) + 1;
            }
            char *s = malloc(n);
            if (!s)
                return NULL;
            s[0] = '\0';
            json_array_foreach(v, i, e)
            {
                if (i)
                    strcat(s, sep);
                strcat(s, json_string_value(e));
            }
            return s;
        }
        return NULL;
    case SVC_FT_INT:
        if (json_is_integer(v)) {
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            return strdup(buf);
        }
        return NULL;
    case SVC_FT_DOUBLE:
        if (json_is_number(v) && isfinite(json_number_value(v))) {
            snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
            return strdup(buf);
        }
        return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    case SVC_FT_JSON:
        return json_is_object(v) ? json_dumps(v, JSON_COMPACT) : json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    }
    return NULL;
}

void h_factor_add(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    /* fields the workflow sets, never the caller */
    static const char *const fixed[] = {"version", "status", "region_level", "superseded_by", "created_at",
                                        "created_by", "updated_at", "owner_org", NULL};
    svc_factor f;
    svc_factor_init(&f);
    tj_error err;
    tj_error_clear(&err);
    const char *k;
    json_t *v;
    int bad = 0;
    json_object_foreach(b, k, v)
    {
        for (const char *const *x = fixed; *x; x++)
            if (!strcmp(*x, k)) {
                http_error(rs, 400, "bad_request", "this field is set by the workflow / 该字段由流程设定", k);
                bad = 1;
                break;
            }
        if (bad)
            break;
        const svc_field *fd = svc_factor_field_find(k);
        if (!fd) {
            http_error(rs, 400, "bad_request", "unknown field / 未知字段", k);
            bad = 1;
            break;
        }
        char *t = field_text(fd, v);
        if (!t) {
            http_error(rs, 400, "bad_request", "wrong type for this field / 字段类型错误", k);
            bad = 1;
            break;
        }
        tj_status rc = svc_factor_set_field(&f, fd, t, &err);
        free(t);
        if (rc) {
            http_fail(rs, &err);
            bad = 1;
            break;
        }
    }
    if (!bad) {
        if (svc_factor_add(&rq->ctx, &f, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, svc_factor_to_json(&f));
    }
    svc_factor_release(&f);
    json_decref(b);
}

void h_factor_resolve(http_req *rq, http_resp *rs)
{
    long year;
    if (http_query_int(rq, rs, "year", 0, 9999, 0, &year))
        return;
    const char *q = http_query(rq, "q");
    if (!q || !*q) {
        http_error(rs, 400, "bad_request", "q (what to resolve) is required / 缺少 q", "q");
        return;
    }
    svc_factor_resolution r;
    memset(&r, 0, sizeof r);
    tj_error err;
    tj_error_clear(&err);
    if (svc_factor_resolve(&rq->ctx, q, http_query(rq, "region"), (int)year, &r, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, svc_factor_resolution_json(&r));
    svc_factor_resolution_release(&r);
}

void h_factor_export(http_req *rq, http_resp *rs)
{
    svc_factor_query q;
    if (read_query(rq, rs, &q))
        return;
    const char *format = http_query(rq, "format");
    if (!format)
        format = "csv";
    if (strcmp(format, "csv") && strcmp(format, "json")) {
        http_error(rs, 400, "bad_request", "format is csv or json / 格式须为 csv 或 json", "format");
        return;
    }
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m) {
        http_error(rs, 503, "unavailable", "out of memory", NULL);
        return;
    }
    int64_t rows = 0;
    tj_error err;
    tj_error_clear(&err);
    tj_status rc = svc_factor_export(&rq->ctx, &q, format, m, &rows, &err);
    if (fclose(m) != 0 && !rc)
        rc = tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (rc) {
        free(buf);
        http_fail(rs, &err);
        return;
    }
    http_bytes(rs, 200, strcmp(format, "csv") ? "application/json" : "text/csv; charset=utf-8", buf, n);
    rs->disposition = strcmp(format, "csv") ? "factors.json" : "factors.csv";
}

void h_factor_import(http_req *rq, http_resp *rs)
{
    const char *format = http_query(rq, "format");
    if (!format && rq->content_type)
        format = !strcmp(rq->content_type, "text/csv") ? "csv"
                 : !strcmp(rq->content_type, "application/json") ? "json"
                                                                  : NULL;
    if (!format || (strcmp(format, "csv") && strcmp(format, "json"))) {
        http_error(rs, 415, "unsupported_media_type",
                   "send text/csv or application/json (or ?format=csv|json) / 须为 CSV 或 JSON", "format");
        return;
    }
    const char *status = http_query(rq, "status");
    svc_import_result res = {0};
    tj_error err;
    tj_error_clear(&err);
    if (svc_factor_import_mem(&rq->ctx, strcmp(format, "csv") ? "upload.json" : "upload.csv",
                              rq->body ? rq->body : "", rq->body_len, format, status ? status : "draft", &res, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:I,s:I}", "rows", (json_int_t)res.rows, "superseded",
                                     (json_int_t)res.superseded));
}

void h_factor_get(http_req *rq, http_resp *rs)
{
    long version;
    if (http_query_int(rq, rs, "version", 0, 1000000, 0, &version))
        return;
    svc_factor f;
    svc_factor_init(&f);
    tj_error err;
    tj_error_clear(&err);
    if (svc_factor_get(&rq->ctx, rq->params[0], (int)version, &f, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, svc_factor_to_json(&f));
    svc_factor_release(&f);
}

void h_factor_history(http_req *rq, http_resp *rs)
{
    long version;
    if (http_query_int(rq, rs, "version", 0, 1000000, 0, &version))
        return;
    svc_factor_events ev = {0};
    tj_error err;
    tj_error_clear(&err);
    if (svc_factor_history(&rq->ctx, rq->params[0], (int)version, &ev, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, svc_factor_events_json(rq->params[0], &ev));
    svc_factor_events_release(&ev);
}

void h_factor_transition(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *a = json_object_get(b, "action"), *v = json_object_get(b, "version"), *r = json_object_get(b, "reason");
    if (!json_is_string(a))
        http_error(rs, 400, "bad_request", "action is a string: submit, review, approve, reject, publish or withdraw",
                   "action");
    else if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000))
        http_error(rs, 400, "bad_request", "version is a non-negative integer", "version");
    else if (r && !json_is_string(r))
        http_error(rs, 400, "bad_request", "reason is a string", "reason");
    else {
        svc_factor f;
        svc_factor_init(&f);
        tj_error err;
        tj_error_clear(&err);
        if (svc_factor_transition(&rq->ctx, rq->params[0], (int)json_integer_value(v), json_string_value(a),
                                  json_string_value(r), &f, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, svc_factor_transition_json(&f, json_string_value(a)));
        svc_factor_release(&f);
    }
    json_decref(b);
}

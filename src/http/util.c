/* http responses, query parameters and JSON bodies; see http.h. */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

void http_bytes(http_resp *rs, int status, const char *content_type, char *data, size_t len)
{
    free(rs->body);
    rs->status = status;
    rs->content_type = content_type;
    rs->body = data;
    rs->len = len;
}

void http_json(http_resp *rs, int status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!s) {
        http_error(rs, 500, "internal", "out of memory / 内存不足", NULL);
        return;
    }
    http_bytes(rs, status, "application/json", s, strlen(s));
}

void http_error(http_resp *rs, int status, const char *code, const char *message, const char *field)
{
    json_t *o = json_pack("{s:s,s:s}", "code", code, "message", message ? message : "");
    if (o && field && *field)
        json_object_set_new(o, "field", json_string(field));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {
        /* the fixed text of last resort */
        static const char oom[] = "{\"code\":\"internal\",\"message\":\"out of memory\"}";
        s = strdup(oom);
        status = 500;
    }
    http_bytes(rs, status, "application/json", s, s ? strlen(s) : 0);
}

void http_fail(http_resp *rs, const tj_error *err)
{
    int status;
    const char *code;
    switch (err->code) {
    case TJ_ERR_USAGE:
    case TJ_ERR_INPUT:
    case TJ_ERR_NUMERIC: status = 400, code = "bad_request"; break;
    case TJ_ERR_PERM: status = 403, code = "forbidden"; break;
    case TJ_ERR_NOTFOUND: status = 404, code = "not_found"; break;
    case TJ_ERR_CONFLICT: status = 409, code = "conflict"; break;
    case TJ_ERR_NOMEM: status = 503, code = "unavailable"; break;
    default: status = 500, code = "internal"; break;
    }
    if (status >= 500) {
        /* database and I/O details stay in the server's log */
        http_error(rs, status, code, "internal error / 服务器内部错误", NULL);
        return;
    }
    char msg[1200];
    if (err->file[0] && err->line)
        snprintf(msg, sizeof msg, "%s:%ld:%ld: %s", err->file, err->line, err->column, err->message);
    else
        snprintf(msg, sizeof msg, "%s", err->message);
    http_error(rs, status, code, msg, err->path);
}

const char *http_query(http_req *rq, const char *name)
{
    if (!rq->conn)
        return NULL;
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_query_int(http_req *rq, http_resp *rs, const char *name, long lo, long hi, long dflt, long *out)
{
    const char *s = http_query(rq, name);
    *out = dflt;
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s must be an integer from %ld to %ld / 参数须为整数", name, lo, hi);
        http_error(rs, 400, "bad_request", msg, name);
        return -1;
    }
    *out = v;
    return 0;
}

int http_json_depth(const char *s, size_t n, int limit)
{
    int depth = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"')
            in_str = 1;
        else if (c == '[' || c == '{') {
            if (++depth > max && (max = depth) > limit)
                return max;
        } else if (c == ']' || c == '}')
            depth--;
    }
    return max;
}

json_t *http_json_decode(const char *s, size_t n, int max_depth, const char **why, char *line_col, size_t lcsize)
{
    *why = NULL;
    if (line_col && lcsize)
        line_col[0] = '\0';
    if (http_json_depth(s, n, max_depth) > max_depth) {
        *why = "the JSON nests deeper than allowed / JSON 嵌套过深";
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v) {
        *why = "the body is not valid JSON / 请求体不是有效的 JSON";
        if (line_col && lcsize)
            snprintf(line_col, lcsize, "%d:%d: %s", je.line, je.column, je.text);
    }
    return v;
}

json_t *http_body_json(http_req *rq, http_resp *rs, int want_object)
{
    if (!rq->content_type || strcmp(rq->content_type, "application/json")) {
        http_error(rs, 415, "unsupported_media_type", "send the body as application/json / 请求体须为 JSON", NULL);
        return NULL;
    }
    const char *why;
    char lc[300];
    json_t *v = http_json_decode(rq->body ? rq->body : "", rq->body_len, rq->cfg->max_json_depth, &why, lc, sizeof lc);
    if (!v) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s%s%s", why, lc[0] ? ": " : "", lc);
        http_error(rs, 400, "bad_request", msg, NULL);
        return NULL;
    }
    if (want_object && !json_is_object(v)) {
        json_decref(v);
        http_error(rs, 400, "bad_request", "the body must be a JSON object / 请求体须为 JSON 对象", NULL);
        return NULL;
    }
    return v;
}

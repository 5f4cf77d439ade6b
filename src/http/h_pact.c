/* http handlers: the PACT exchange (services/pact.h, docs/pact.md).
 *
 * The routes flagged HTTP_PACT are served on the PACT listener only (HTTPS):
 * /auth/token, the OpenID discovery document, /3/... and /2/...; their
 * errors are PACT's {"code", "message"} with its codes.  The /api/v1/pact
 * routes on the main listener manage attributes, partners and pulls. */
#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/handlers.h"
#include "http/server.h"
#include "services/auth.h"
#include "services/pact.h"
#include "tanji/buf.h"

/* ---- PACT errors ---- */
static void pact_fail(http_resp *rs, const tj_error *err)
{
    int status;
    const char *code;
    switch (err->code) {
    case TJ_ERR_USAGE:
    case TJ_ERR_INPUT:
    case TJ_ERR_CONFLICT:
        status = 400, code = "BadRequest";
        break;
    case TJ_ERR_PERM:
        status = 403, code = "AccessDenied";
        break;
    case TJ_ERR_NOTFOUND:
        status = 404, code = "NotFound";
        break;
    default:
        http_error(rs, 500, "InternalError", "internal error", NULL);
        return;
    }
    char msg[1200];
    if (err->path[0])
        snprintf(msg, sizeof msg, "%s: %s", err->path, err->message);
    else
        snprintf(msg, sizeof msg, "%s", err->message);
    http_error(rs, status, code, msg, NULL);
}

/* The request's Host header if it is a plain host[:port], else NULL. */
static const char *host_of(http_req *rq)
{
    const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Host");
    if (!h || !*h || strlen(h) > 255)
        return NULL;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return NULL;
    return h;
}

/* ---- token and discovery ---- */
static int hexv(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* application/x-www-form-urlencoded value of key, decoded (malloc'ed), or NULL. */
static char *form_value(const char *body, size_t len, const char *key)
{
    size_t kl = strlen(key), i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && body[e] != '&')
            e++;
        if (e - i > kl && !memcmp(body + i, key, kl) && body[i + kl] == '=') {
            char *out = malloc(e - i);
            if (!out)
                return NULL;
            size_t o = 0;
            for (size_t k = i + kl + 1; k < e; k++) {
                if (body[k] == '+')
                    out[o++] = ' ';
                else if (body[k] == '%' && k + 2 < e && hexv(body[k + 1]) >= 0 && hexv(body[k + 2]) >= 0) {
                    out[o++] = (char)(hexv(body[k + 1]) * 16 + hexv(body[k + 2]));
                    k += 2;
                } else
                    out[o++] = body[k];
            }
            out[o] = '\0';
            if (strlen(out) != o) {
                free(out);
                return NULL;
            }
            return out;
        }
        i = e + 1;
    }
    return NULL;
}

/* HTTP Basic credentials (RFC 7617) into *id and *secret (malloc'ed). */
static int basic_credentials(http_req *rq, char **id, char **secret)
{
    *id = *secret = NULL;
    const char *a = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Authorization");
    if (!a || strncasecmp(a, "Basic ", 6))
        return 0;
    a += 6;
    while (*a == ' ')
        a++;
    size_t n = strlen(a);
    if (n > 4096)
        return 0;
    unsigned char *out = malloc(n + 1);
    if (!out)
        return 0;
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = a[i], d = c >= 'A' && c <= 'Z'   ? c - 'A'
                          : c >= 'a' && c <= 'z' ? c - 'a' + 26
                          : c >= '0' && c <= '9' ? c - '0' + 52
                          : c == '+'             ? 62
                          : c == '/'             ? 63
                                                 : -1;
        if (c == '=')
            break;
        if (d < 0) {
            free(out);
            return 0;
        }
        v = v << 6 | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits & 0xff);
        }
    }
    out[o] = '\0';
    char *colon = strlen((char *)out) == o ? strchr((char *)out, ':') : NULL;
    if (colon) {
        *colon = '\0';
        *id = strdup((char *)out);
        *secret = strdup(colon + 1);
    }
    memset(out, 0, o);
    free(out);
    return *id && *secret;
}

static void oauth_error(http_resp *rs, int status, const char *error, const char *desc)
{
    http_json(rs, status, json_pack("{s:s,s:s}", "error", error, "error_description", desc));
}

void h_pact_token(http_req *rq, http_resp *rs)
{
    const char *body = rq->body ? rq->body : "";
    char *grant = form_value(body, rq->body_len, "grant_type");
    char *id = NULL, *secret = NULL;
    if (!basic_credentials(rq, &id, &secret)) {
        free(id);
        svc_secret_free(secret);
        id = form_value(body, rq->body_len, "client_id");
        secret = form_value(body, rq->body_len, "client_secret");
    }
    if (!rq->content_type || strcmp(rq->content_type, "application/x-www-form-urlencoded"))
        oauth_error(rs, 400, "invalid_request", "send grant_type=client_credentials as application/x-www-form-urlencoded");
    else if (!grant || strcmp(grant, "client_credentials"))
        oauth_error(rs, 400, "unsupported_grant_type", "grant_type must be client_credentials");
    else if (!id || !secret)
        oauth_error(rs, 401, "invalid_client", "client credentials are required (HTTP Basic)");
    else {
        svc_token t;
        int retry = 0;
        tj_error err;
        tj_error_clear(&err);
        if (svc_client_token(rq->db, id, secret, rq->client, &t, &retry, &err)) {
            if (retry > 0) {
                oauth_error(rs, 429, "slow_down", "too many failed attempts: wait");
                rs->retry_after = retry;
            } else if (err.code == TJ_ERR_PERM || err.code == TJ_ERR_NOTFOUND || err.code == TJ_ERR_INPUT)
                oauth_error(rs, 401, "invalid_client", "the client credentials are not valid");
            else
                oauth_error(rs, 500, "server_error", "internal error");
        } else {
            http_json(rs, 200, json_pack("{s:s,s:s,s:I}", "access_token", t.token, "token_type", "Bearer",
                                         "expires_in", (json_int_t)(t.expires_at - (int64_t)time(NULL))));
            svc_token_release(&t);
        }
    }
    free(grant);
    free(id);
    svc_secret_free(secret);
}

void h_pact_openid(http_req *rq, http_resp *rs)
{
    const char *host = host_of(rq);
    if (!host) {
        http_error(rs, 400, "BadRequest", "the Host header is missing or malformed", NULL);
        return;
    }
    char issuer[300], token[320];
    snprintf(issuer, sizeof issuer, "https://%s", host);
    snprintf(token, sizeof token, "https://%s/auth/token", host);
    http_json(rs, 200,
              json_pack("{s:s,s:s,s:[s],s:[s,s],s:[s],s:[s],s:[s]}", "issuer", issuer, "token_endpoint", token,
                        "grant_types_supported", "client_credentials", "token_endpoint_auth_methods_supported",
                        "client_secret_basic", "client_secret_post", "response_types_supported", "token",
                        "subject_types_supported", "public", "id_token_signing_alg_values_supported", "none"));
}

/* ---- footprints ---- */
typedef struct qctx {
    json_t *filter;
    const char *after;
    const char *limit;
    int bad;
    const char *bad_key;
    int n;
} qctx;

static const char *const list_arrays[] = {"productId", "companyId", "geography", "classification", NULL};
static const char *const list_singles[] = {"validOn", "validAfter", "validBefore", "status", NULL};

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    qctx *q = cls;
    if (++q->n > 200) {
        q->bad = 1;
        q->bad_key = "too many query parameters";
        return MHD_NO;
    }
    if (!key)
        return MHD_YES;
    if (!value)
        value = "";
    for (int i = 0; list_arrays[i]; i++)
        if (!strcasecmp(key, list_arrays[i])) {
            json_t *a = json_object_get(q->filter, list_arrays[i]);
            if (!a) {
                a = json_array();
                json_object_set_new(q->filter, list_arrays[i], a);
            }
            json_array_append_new(a, json_string(value));
            return MHD_YES;
        }
    for (int i = 0; list_singles[i]; i++)
        if (!strcasecmp(key, list_singles[i])) {
            if (json_object_get(q->filter, list_singles[i])) {
                q->bad = 1;
                q->bad_key = list_singles[i];
                return MHD_NO;
            }
            json_object_set_new(q->filter, list_singles[i], json_string(value));
            return MHD_YES;
        }
    if (!strcasecmp(key, "limit"))
        q->limit = value;
    else if (!strcasecmp(key, "after"))
        q->after = value;
    else if (!strcmp(key, "$filter")) {
        q->bad = 2;
        return MHD_NO;
    }
    /* other parameters (x-... extensions of other hosts) are ignored */
    return MHD_YES;
}

/* "?key=value&..." of the filter, url-encoded, for the next page's link. */
static tj_status append_enc(tj_buf *b, const char *s)
{
    tj_status rc = TJ_OK;
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++)
        rc = isalnum(*p) || strchr("-._~:", *p) ? tj_buf_append(b, (const char *)p, 1) : tj_buf_appendf(b, "%%%02X", *p);
    return rc;
}

static char *next_link(http_req *rq, int v, const json_t *filter, long limit, const char *after)
{
    const char *host = host_of(rq);
    if (!host)
        return NULL;
    tj_buf b;
    tj_buf_init(&b, 1u << 16);
    tj_status rc = tj_buf_appendf(&b, "<https://%s/%d/footprints?limit=%ld&after=", host, v, limit);
    if (!rc)
        rc = append_enc(&b, after);
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)filter, k, val)
    {
        size_t i;
        json_t *x;
        if (json_is_array(val)) {
            json_array_foreach(val, i, x) if (!rc && !(rc = tj_buf_appendf(&b, "&%s=", k))) rc =
                append_enc(&b, json_string_value(x));
        } else if (!rc && !(rc = tj_buf_appendf(&b, "&%s=", k)))
            rc = append_enc(&b, json_string_value(val));
    }
    if (!rc)
        rc = tj_buf_appends(&b, ">; rel=\"next\"");
    char *s = rc ? NULL : tj_buf_take(&b);
    tj_buf_release(&b);
    return s;
}

static void list(http_req *rq, http_resp *rs, int v)
{
    qctx q = {.filter = json_object()};
    if (!q.filter) {
        http_error(rs, 500, "InternalError", "out of memory", NULL);
        return;
    }
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, on_arg, &q);
    if (q.bad) {
        if (q.bad == 2)
            http_error(rs, 400, "NotImplemented", "$filter is not supported; use the v3 query parameters", NULL);
        else {
            char msg[200];
            snprintf(msg, sizeof msg, "%s: give it once", q.bad_key);
            http_error(rs, 400, "BadRequest", msg, NULL);
        }
        json_decref(q.filter);
        return;
    }
    long limit = SVC_PACT_MAX_LIMIT;
    if (q.limit) {
        char *end;
        limit = strtol(q.limit, &end, 10);
        if (!*q.limit || *end || limit < 0) {
            http_error(rs, 400, "BadRequest", "limit must be a non-negative integer", NULL);
            json_decref(q.filter);
            return;
        }
        if (limit > SVC_PACT_MAX_LIMIT)
            limit = SVC_PACT_MAX_LIMIT;
    }
    json_t *out = NULL;
    char *next = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (v == 3 && limit > 0) {
        char *text = NULL;
        size_t len = 0;
        if (svc_pact_list_text(&rq->ctx, q.filter, q.after, (int)limit, &text, &len, &next, &err))
            pact_fail(rs, &err);
        else {
            http_bytes(rs, 200, "application/json", text, len);
            if (next)
                rs->link = next_link(rq, v, q.filter, limit, next);
        }
        free(next);
        json_decref(q.filter);
        return;
    }
    if (limit == 0)
        out = json_array();
    else if (svc_pact_list(&rq->ctx, q.filter, q.after, (int)limit, &out, &next, &err)) {
        pact_fail(rs, &err);
        json_decref(q.filter);
        return;
    }
    if (v == 2) {
        json_t *v2 = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(out, i, x) json_array_append_new(v2, svc_pact_to_v2(x));
        json_decref(out);
        out = v2;
    }
    http_json(rs, 200, json_pack("{s:o}", "data", out));
    if (next)
        rs->link = next_link(rq, v, q.filter, limit, next);
    free(next);
    json_decref(q.filter);
}

static void get(http_req *rq, http_resp *rs, int v)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_get(&rq->ctx, rq->params[0], &out, &err)) {
        if (v == 2 && err.code == TJ_ERR_NOTFOUND)
            http_error(rs, 404, "NoSuchFootprint", "no such footprint", NULL);
        else
            pact_fail(rs, &err);
        return;
    }
    if (v == 2) {
        json_t *x = svc_pact_to_v2(out);
        json_decref(out);
        out = x;
    }
    http_json(rs, 200, json_pack("{s:o}", "data", out));
}

static void events(http_req *rq, http_resp *rs, int v)
{
    if (rq->content_type && strcmp(rq->content_type, "application/cloudevents+json") &&
        strcmp(rq->content_type, "application/json")) {
        http_error(rs, 400, "BadRequest", "send the event as application/cloudevents+json", NULL);
        return;
    }
    const char *why = NULL;
    char lc[64] = "";
    json_t *ev = rq->body_len ? http_json_decode(rq->body, rq->body_len, rq->cfg->max_json_depth, &why, lc, sizeof lc)
                              : NULL;
    if (!ev) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not JSON%s%s%s%s", why ? ": " : "", why ? why : "", *lc ? " at " : "",
                 lc);
        http_error(rs, 400, "BadRequest", msg, NULL);
        return;
    }
    const char *host = host_of(rq);
    char self[320];
    snprintf(self, sizeof self, "https://%s/%d/events", host ? host : "localhost", v);
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_event(&rq->ctx, ev, v, self, &err))
        pact_fail(rs, &err);
    else {
        http_bytes(rs, 200, "application/json", NULL, 0);
        http_jobs_kick_pact();
    }
    json_decref(ev);
}

void h_pact3_list(http_req *rq, http_resp *rs) { list(rq, rs, 3); }
void h_pact3_get(http_req *rq, http_resp *rs) { get(rq, rs, 3); }
void h_pact3_events(http_req *rq, http_resp *rs) { events(rq, rs, 3); }
void h_pact2_list(http_req *rq, http_resp *rs) { list(rq, rs, 2); }
void h_pact2_get(http_req *rq, http_resp *rs) { get(rq, rs, 2); }
void h_pact2_events(http_req *rq, http_resp *rs) { events(rq, rs, 2); }

/* ---- /api/v1/pact ---- */
static const char *str_member(json_t *b, const char *k)
{
    return json_string_value(json_object_get(b, k));
}

void h_pact_attr(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *missing = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_attr_set(&rq->ctx, rq->params[0], b, &missing, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:s,s:o,s:b}", "footprint", rq->params[0], "missing",
                                     missing ? missing : json_array(), "complete", !json_array_size(missing)));
    json_decref(b);
}

void h_pact_inputs(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_inputs(&rq->ctx, rq->params[0], &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
}

void h_pact_partner(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_partner_set(&rq->ctx, rq->params[0], str_member(b, "url"), str_member(b, "client_id"),
                             str_member(b, "client_secret"), &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:s,s:s?}", "org", rq->params[0], "url", str_member(b, "url")));
    json_decref(b);
}

void h_pact_pull(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_pull(&rq->ctx, str_member(b, "from"), str_member(b, "client_id"), str_member(b, "client_secret"),
                      rq->cfg->pact_ca_file, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, out);
    json_decref(b);
}

void h_pact_suppliers(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_pact_supplier_list(&rq->ctx, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

/* http handlers: authentication and accounts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/handlers.h"
#include "services/account.h"
#include "services/auth.h"

/* A string member of a JSON body, or NULL (absent); a present non-string
 * member is an error response. */
static int member_str(json_t *body, const char *key, int required, const char **out, http_resp *rs)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v && !required)
        return 0;
    if (!json_is_string(v)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must be a string / 须为字符串", key);
        http_error(rs, 400, "bad_request", msg, key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static void token_reply(http_resp *rs, const svc_token *t, int oauth)
{
    if (oauth)
        http_json(rs, 200, json_pack("{s:s,s:s,s:I}", "access_token", t->token, "token_type", "Bearer", "expires_in",
                                     (json_int_t)(t->expires_at - (int64_t)time(NULL))));
    else
        http_json(rs, 200, json_pack("{s:s,s:s,s:I,s:s}", "token", t->token, "token_type", "Bearer", "expires_at",
                                     (json_int_t)t->expires_at, "principal_id", t->principal_id));
}

static void login_failed(http_resp *rs, const tj_error *err, int retry_after, const char *code)
{
    if (retry_after > 0) {
        http_error(rs, 429, "too_many_requests", err->message, NULL);
        rs->retry_after = retry_after;
    } else if (err->code == TJ_ERR_PERM) {
        http_error(rs, 401, code, err->message, NULL);
    } else {
        http_fail(rs, err);
    }
}

void h_login(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    const char *name, *pw;
    if (!b)
        return;
    if (!member_str(b, "name", 1, &name, rs) && !member_str(b, "password", 1, &pw, rs)) {
        svc_token t;
        int retry = 0;
        tj_error err;
        tj_error_clear(&err);
        if (svc_login(rq->db, name, pw, rq->client, &t, &retry, &err))
            login_failed(rs, &err, retry, "unauthorized");
        else {
            token_reply(rs, &t, 0);
            svc_token_release(&t);
        }
    }
    json_decref(b);
}

/* application/x-www-form-urlencoded value of key in body, decoded
 * (malloc'ed), or NULL. */
static int hexv(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *form_value(const char *body, size_t len, const char *key)
{
    size_t kl = strlen(key);
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && body[e] != '&')
            e++;
        if (e - i > kl && !memcmp(body + i, key, kl) && body[i + kl] == '=') {
            size_t vs = i + kl + 1;
            char *out = malloc(e - vs + 1);
            if (!out)
                return NULL;
            size_t o = 0;
            for (size_t k = vs; k < e; k++) {
                if (body[k] == '+')
                    out[o++] = ' ';
                else if (body[k] == '%' && k + 2 < e && hexv(body[k + 1]) >= 0 && hexv(body[k + 2]) >= 0) {
                    out[o++] = (char)(hexv(body[k + 1]) * 16 + hexv(body[k + 2]));
                    k += 2;
                } else
                    out[o++] = body[k];
            }
            out[o] = '\0';
            if (strlen(out) != o) { /* an encoded NUL */
                free(out);
                return NULL;
            }
            return out;
        }
        i = e + 1;
    }
    return NULL;
}

void h_token(http_req *rq, http_resp *rs)
{
    if (!rq->content_type || strcmp(rq->content_type, "application/x-www-form-urlencoded")) {
        http_error(rs, 415, "unsupported_media_type",
                   "send grant_type=client_credentials&client_id=...&client_secret=... as "
                   "application/x-www-form-urlencoded (RFC 6749 4.4) / 须为表单编码",
                   NULL);
        return;
    }
    const char *body = rq->body ? rq->body : "";
    char *grant = form_value(body, rq->body_len, "grant_type");
    char *id = form_value(body, rq->body_len, "client_id");
    char *secret = form_value(body, rq->body_len, "client_secret");
    if (!grant || strcmp(grant, "client_credentials"))
        http_error(rs, 400, "unsupported_grant_type", "grant_type must be client_credentials", "grant_type");
    else if (!id || !secret)
        http_error(rs, 400, "invalid_request", "client_id and client_secret are required", !id ? "client_id" : "client_secret");
    else {
        svc_token t;
        int retry = 0;
        tj_error err;
        tj_error_clear(&err);
        if (svc_client_token(rq->db, id, secret, rq->client, &t, &retry, &err))
            login_failed(rs, &err, retry, "invalid_client");
        else {
            token_reply(rs, &t, 1);
            svc_token_release(&t);
        }
    }
    free(grant);
    free(id);
    svc_secret_free(secret);
}

void h_logout(http_req *rq, http_resp *rs)
{
    tj_error err;
    tj_error_clear(&err);
    if (svc_logout(&rq->ctx, rq->token, &err))
        http_fail(rs, &err);
    else
        http_bytes(rs, 204, "application/json", NULL, 0);
}

void h_me(http_req *rq, http_resp *rs)
{
    char *roles = svc_roles_format(rq->ctx.who.roles);
    http_json(rs, 200, json_pack("{s:s,s:s,s:s,s:s}", "id", rq->ctx.who.id, "name", rq->ctx.who.name, "org_id",
                                 rq->ctx.who.org_id, "roles", roles ? roles : ""));
    free(roles);
}

void h_revoke(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    const char *who;
    if (!b)
        return;
    if (!member_str(b, "principal", 1, &who, rs)) {
        int64_t n = 0;
        tj_error err;
        tj_error_clear(&err);
        if (svc_revoke_tokens(&rq->ctx, who, &n, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, json_pack("{s:I}", "revoked", (json_int_t)n));
    }
    json_decref(b);
}

void h_password(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    const char *user, *pw;
    if (!b)
        return;
    if (!member_str(b, "user", 0, &user, rs) && !member_str(b, "password", 1, &pw, rs)) {
        tj_error err;
        tj_error_clear(&err);
        if (svc_user_set_password(&rq->ctx, user ? user : rq->ctx.who.id, pw, &err))
            http_fail(rs, &err);
        else
            http_bytes(rs, 204, "application/json", NULL, 0);
    }
    json_decref(b);
}

void h_org_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_org_list(&rq->ctx, &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_org_create(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    const char *name, *kind, *region;
    if (!b)
        return;
    if (!member_str(b, "name", 1, &name, rs) && !member_str(b, "kind", 1, &kind, rs) &&
        !member_str(b, "region", 0, &region, rs)) {
        char *id = NULL;
        tj_error err;
        tj_error_clear(&err);
        if (svc_org_create(&rq->ctx, name, kind, region, &id, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, json_pack("{s:s,s:s,s:s}", "id", id, "name", name, "kind", kind));
        free(id);
    }
    json_decref(b);
}

void h_user_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    tj_error err;
    tj_error_clear(&err);
    if (svc_user_list(&rq->ctx, http_query(rq, "org"), &out, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:o}", "items", out));
}

void h_user_create(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    const char *name, *org, *roles, *pw;
    if (!b)
        return;
    if (!member_str(b, "name", 1, &name, rs) && !member_str(b, "org", 1, &org, rs) &&
        !member_str(b, "roles", 1, &roles, rs) && !member_str(b, "password", 0, &pw, rs)) {
        char *id = NULL;
        tj_error err;
        tj_error_clear(&err);
        if (svc_user_add(&rq->ctx, name, org, roles, pw, &id, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, json_pack("{s:s,s:s}", "id", id, "name", name));
        free(id);
    }
    json_decref(b);
}

static void set_disabled(http_req *rq, http_resp *rs, int disabled)
{
    tj_error err;
    tj_error_clear(&err);
    if (svc_principal_set_disabled(&rq->ctx, rq->params[0], disabled, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:s,s:b}", "name", rq->params[0], "disabled", disabled));
}

void h_user_disable(http_req *rq, http_resp *rs)
{
    set_disabled(rq, rs, 1);
}

void h_user_enable(http_req *rq, http_resp *rs)
{
    set_disabled(rq, rs, 0);
}

void h_client_create(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    const char *name, *org, *roles;
    if (!b)
        return;
    if (!member_str(b, "name", 1, &name, rs) && !member_str(b, "org", 1, &org, rs) &&
        !member_str(b, "roles", 1, &roles, rs)) {
        char *id = NULL, *secret = NULL;
        tj_error err;
        tj_error_clear(&err);
        if (svc_client_create(&rq->ctx, name, org, roles, &id, &secret, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, json_pack("{s:s,s:s,s:s}", "client_id", id, "name", name, "client_secret", secret));
        free(id);
        svc_secret_free(secret);
    }
    json_decref(b);
}

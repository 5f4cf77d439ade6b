/* pact_client: HTTPS requests as a PACT client; see pact_client.h. */
#include "services/pact_client.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/http_fetch.h"

static int allowed_url(const char *url)
{
    if (!strncasecmp(url, "https://", 8))
        return 1;
    const char *e = getenv("TANJI_PACT_ALLOW_HTTP");
    return e && !strcmp(e, "1") && !strncasecmp(url, "http://", 7);
}

tj_status pact_http(const char *method, const char *url, const char *auth, const char *content_type,
                    const char *body, size_t len, const char *ca_file, io_http_resp *r, tj_error *err)
{
    memset(r, 0, sizeof *r);
    if (!allowed_url(url))
        return tj_error_set(err, TJ_ERR_INPUT, "url", "PACT exchange needs an https:// URL, not \"%.200s\"",
                            url);
    io_http_req q = {.method = method,
                     .url = url,
                     .auth = auth,
                     .content_type = content_type,
                     .body = body,
                     .len = len,
                     .ca_file = ca_file};
    return io_http_fetch(&q, r, err);
}

tj_status pact_get_token(const char *base_url, const char *client_id, const char *secret, const char *ca_file,
                         char **token, tj_error *err)
{
    *token = NULL;
    size_t bl = strlen(base_url);
    while (bl && base_url[bl - 1] == '/')
        bl--;
    char *disc = NULL, *tok_url = NULL;
    if (asprintf(&disc, "%.*s/.well-known/openid-configuration", (int)bl, base_url) < 0)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    io_http_resp r;
    tj_error e2;
    tj_error_clear(&e2);
    if (pact_http("GET", disc, NULL, NULL, NULL, 0, ca_file, &r, &e2) == TJ_OK) {
        if (r.status == 200) {
            json_t *d = json_loadb(r.body, r.len, 0, NULL);
            const char *te = json_string_value(json_object_get(d, "token_endpoint"));
            if (te && !strncasecmp(te, "https://", 8))
                tok_url = strdup(te);
            json_decref(d);
        }
        io_http_resp_release(&r);
    }
    free(disc);
    if (!tok_url && asprintf(&tok_url, "%.*s/auth/token", (int)bl, base_url) < 0)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    /* Basic base64(id:secret) */
    char *pair = NULL, *body = NULL;
    tj_status rc = TJ_OK;
    if (asprintf(&pair, "%s:%s", client_id, secret) < 0 ||
        asprintf(&body, "grant_type=client_credentials") < 0)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    char *auth = NULL;
    if (!rc) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = strlen(pair), o = 6;
        auth = malloc(6 + 4 * ((n + 2) / 3) + 1);
        if (!auth)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        else {
            memcpy(auth, "Basic ", 6);
            for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned char)pair[i] << 16 |
                             (i + 1 < n ? (unsigned char)pair[i + 1] << 8 : 0) |
                             (i + 2 < n ? (unsigned char)pair[i + 2] : 0);
                auth[o++] = b64[v >> 18 & 63];
                auth[o++] = b64[v >> 12 & 63];
                auth[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
                auth[o++] = i + 2 < n ? b64[v & 63] : '=';
            }
            auth[o] = '\0';
        }
    }
    if (!rc && !(rc = pact_http("POST", tok_url, auth, "application/x-www-form-urlencoded", body,
                                strlen(body), ca_file, &r, err))) {
        json_t *d = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
        const char *t = json_string_value(json_object_get(d, "access_token"));
        if (!t)
            rc = tj_error_set(err, TJ_ERR_PERM, "client_id", "%s refused the client credentials (HTTP %ld)",
                              tok_url, r.status);
        else if (!(*token = strdup(t)))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        json_decref(d);
        io_http_resp_release(&r);
    }
    if (pair) {
        memset(pair, 0, strlen(pair));
        free(pair);
    }
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    free(body);
    free(tok_url);
    return rc;
}

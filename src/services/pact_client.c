/* pact_client: HTTPS requests as a PACT client; see pact_client.h. */
#include "services/pact_client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tanji/buf.h"

#define RESP_MAX (64u << 20)

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void pact_http_resp_release(pact_http_resp *r)
{
    free(r->body);
    free(r->content_type);
    free(r->link_next);
    memset(r, 0, sizeof *r);
}

typedef struct sink {
    tj_buf body;
    char *link_next;
    int too_big;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    if (tj_buf_append(&s->body, p, size * n)) {
        s->too_big = 1;
        return 0;
    }
    return size * n;
}

/* Link: <url>; rel="next" (one of possibly several comma-separated links). */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t len = size * n;
    if (len > 5 && !strncasecmp(p, "link:", 5) && !s->link_next) {
        char *h = strndup(p + 5, len - 5);
        if (!h)
            return len;
        for (char *part = h; part && *part;) {
            char *lt = strchr(part, '<'), *gt = lt ? strchr(lt, '>') : NULL;
            if (!lt || !gt)
                break;
            char *next = strchr(gt, ',');
            size_t plen = next ? (size_t)(next - gt) : strlen(gt);
            char *params = strndup(gt, plen);
            if (params && (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))) {
                s->link_next = strndup(lt + 1, (size_t)(gt - lt - 1));
                free(params);
                break;
            }
            free(params);
            part = next ? next + 1 : NULL;
        }
        free(h);
    }
    return len;
}

static int allowed_url(const char *url)
{
    if (!strncasecmp(url, "https://", 8))
        return 1;
    const char *e = getenv("TANJI_PACT_ALLOW_HTTP");
    return e && !strcmp(e, "1") && !strncasecmp(url, "http://", 7);
}

tj_status pact_http(const char *method, const char *url, const char *auth, const char *content_type,
                    const char *body, size_t len, const char *ca_file, pact_http_resp *r, tj_error *err)
{
    memset(r, 0, sizeof *r);
    if (!allowed_url(url))
        return tj_error_set(err, TJ_ERR_INPUT, "url", "PACT exchange needs an https:// URL, not \"%.200s\"", url);
    pthread_once(&g_once, curl_init_once);
    CURL *c = curl_easy_init();
    if (!c)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory (curl)");
    sink s = {0};
    tj_buf_init(&s.body, RESP_MAX);
    struct curl_slist *h = NULL;
    char *ah = NULL, *ch = NULL;
    if (auth && asprintf(&ah, "Authorization: %s", auth) > 0)
        h = curl_slist_append(h, ah);
    if (content_type && asprintf(&ch, "Content-Type: %s", content_type) > 0)
        h = curl_slist_append(h, ch);
    h = curl_slist_append(h, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    if (ca_file && *ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode cc = curl_easy_perform(c);
    tj_status rc = TJ_OK;
    if (s.too_big)
        rc = tj_error_set(err, TJ_ERR_INPUT, "url", "%.200s: the answer is larger than %u bytes", url, RESP_MAX);
    else if (cc != CURLE_OK)
        rc = tj_error_set(err, TJ_ERR_IO, "url", "%.200s: %s", url, *ebuf ? ebuf : curl_easy_strerror(cc));
    else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        r->content_type = ct ? strdup(ct) : NULL;
        r->len = tj_buf_len(&s.body);
        r->body = tj_buf_take(&s.body);
        if (!r->body)
            r->body = strdup("");
        r->link_next = s.link_next;
        s.link_next = NULL;
        if (!r->body)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    free(s.link_next);
    tj_buf_release(&s.body);
    curl_slist_free_all(h);
    free(ah);
    free(ch);
    curl_easy_cleanup(c);
    if (rc)
        pact_http_resp_release(r);
    return rc;
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
    pact_http_resp r;
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
        pact_http_resp_release(&r);
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
                unsigned v = (unsigned char)pair[i] << 16 | (i + 1 < n ? (unsigned char)pair[i + 1] << 8 : 0) |
                             (i + 2 < n ? (unsigned char)pair[i + 2] : 0);
                auth[o++] = b64[v >> 18 & 63];
                auth[o++] = b64[v >> 12 & 63];
                auth[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
                auth[o++] = i + 2 < n ? b64[v & 63] : '=';
            }
            auth[o] = '\0';
        }
    }
    if (!rc && !(rc = pact_http("POST", tok_url, auth, "application/x-www-form-urlencoded", body, strlen(body),
                                ca_file, &r, err))) {
        json_t *d = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
        const char *t = json_string_value(json_object_get(d, "access_token"));
        if (!t)
            rc = tj_error_set(err, TJ_ERR_PERM, "client_id", "%s refused the client credentials (HTTP %ld)", tok_url,
                              r.status);
        else if (!(*token = strdup(t)))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        json_decref(d);
        pact_http_resp_release(&r);
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

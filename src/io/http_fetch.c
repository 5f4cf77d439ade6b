/* io/http_fetch: tanji's one HTTP client (libcurl); see http_fetch.h. */
#include "io/http_fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tanji/buf.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void io_http_resp_release(io_http_resp *r)
{
    free(r->body);
    free(r->content_type);
    free(r->link_next);
    memset(r, 0, sizeof *r);
}

typedef struct sink {
    tj_buf body;
    FILE *file;
    size_t written, max;
    char *link_next;
    int too_big, write_failed;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t k = size * n;
    if (s->file) {
        if (k > s->max - s->written) {
            s->too_big = 1;
            return 0;
        }
        if (fwrite(p, 1, k, s->file) != k) {
            s->write_failed = 1;
            return 0;
        }
        s->written += k;
        return k;
    }
    if (tj_buf_append(&s->body, p, k)) {
        s->too_big = 1;
        return 0;
    }
    return k;
}

/* Link: <url>; rel="next" (one of possibly several comma-separated links). */
char *io_http_link_next(const char *value, size_t len)
{
    char *h = strndup(value, len), *found = NULL;
    if (!h)
        return NULL;
    for (char *part = h; part && *part;) {
        char *lt = strchr(part, '<'), *gt = lt ? strchr(lt, '>') : NULL;
        if (!lt || !gt)
            break;
        char *next = strchr(gt, ',');
        size_t plen = next ? (size_t)(next - gt) : strlen(gt);
        char *params = strndup(gt, plen);
        if (params && (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))) {
            found = strndup(lt + 1, (size_t)(gt - lt - 1));
            free(params);
            break;
        }
        free(params);
        part = next ? next + 1 : NULL;
    }
    free(h);
    return found;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t len = size * n;
    if (len > 5 && !strncasecmp(p, "link:", 5) && !s->link_next)
        s->link_next = io_http_link_next(p + 5, len - 5);
    return len;
}

tj_status io_http_fetch(const io_http_req *q, io_http_resp *r, tj_error *err)
{
    memset(r, 0, sizeof *r);
    const char *url = q->url;
    if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)))
        return tj_error_set(err, TJ_ERR_USAGE, "url", "not an http:// or https:// URL: \"%.200s\"",
                            url ? url : "");
    size_t max = q->max_bytes ? q->max_bytes : (size_t)64 << 20;
    pthread_once(&g_once, curl_init_once);
    CURL *c = curl_easy_init();
    if (!c)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory (curl)");
    sink s = {.file = q->sink, .max = max};
    tj_buf_init(&s.body, max);
    struct curl_slist *h = NULL;
    char *ah = NULL, *ch = NULL, *acc = NULL;
    if (q->auth && asprintf(&ah, "Authorization: %s", q->auth) > 0)
        h = curl_slist_append(h, ah);
    if (q->content_type && asprintf(&ch, "Content-Type: %s", q->content_type) > 0)
        h = curl_slist_append(h, ch);
    if (asprintf(&acc, "Accept: %s", q->accept ? q->accept : "application/json") > 0)
        h = curl_slist_append(h, acc);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method ? q->method : "GET");
    if (q->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, q->timeout_s > 0 ? q->timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    if (q->ca_file && *q->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, q->ca_file);
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode cc = curl_easy_perform(c);
    tj_status rc = TJ_OK;
    if (s.too_big)
        rc = tj_error_set(err, TJ_ERR_INPUT, "url", "%.200s: the answer is larger than %zu bytes", url, max);
    else if (s.write_failed)
        rc = tj_error_set(err, TJ_ERR_IO, "url", "%.200s: cannot store the answer (disk full?)", url);
    else if (cc != CURLE_OK)
        rc = tj_error_set(err, TJ_ERR_IO, "url", "%.200s: %s", url, *ebuf ? ebuf : curl_easy_strerror(cc));
    else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        r->content_type = ct ? strdup(ct) : NULL;
        r->len = s.file ? s.written : tj_buf_len(&s.body);
        r->body = s.file ? NULL : tj_buf_take(&s.body);
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
    free(acc);
    curl_easy_cleanup(c);
    if (rc)
        io_http_resp_release(r);
    return rc;
}

char *io_http_origin(const char *url)
{
    pthread_once(&g_once, curl_init_once);
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL, *user = NULL, *pass = NULL;
    /* a URL with credentials in it (even empty: https://@host/) has no origin
     * tanji accepts: a token must not go out beside other credentials */
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK &&
        curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) != CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")) &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK
                ? asprintf(&o, "%s://%s:%s", scheme, host, port) < 0
                : asprintf(&o, "%s://%s", scheme, host) < 0)
            o = NULL;
        /* only a URL that begins with its origin as written here: curl also
         * reads "https:///host", "https:/host" or a port "08443", which a
         * check of the text (or a peer's) would not take for this origin */
        size_t n = o ? strlen(o) : 0;
        if (o && (strncasecmp(url, o, n) || (url[n] && !strchr("/?#", url[n])))) {
            free(o);
            o = NULL;
        }
    }
    curl_free(user);
    curl_free(pass);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return o;
}

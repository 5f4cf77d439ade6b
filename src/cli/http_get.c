/* A minimal HTTP/1.1 GET client over a socket; see http_get.h. */
#include "cli/http_get.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define HOST_MAX 255
#define PATH_MAX_LEN 4096

typedef struct url_parts {
    char host[HOST_MAX + 1], port[8], path[PATH_MAX_LEN + 1];
} url_parts;

static tj_status parse_url(const char *url, url_parts *u, tj_error *err)
{
    if (!strncasecmp(url, "https://", 8))
        return tj_error_set(err, TJ_ERR_USAGE, url,
                            "https URLs need a TLS client, which tanji does not link (libcurl); use http:// or "
                            "download the label and verify the file / 不支持 https，请下载后离线校验");
    if (strncasecmp(url, "http://", 7))
        return tj_error_set(err, TJ_ERR_USAGE, url, "not an http:// URL");
    const char *h = url + 7, *end;
    const char *host_start = h, *host_end;
    if (*h == '[') { /* IPv6 literal */
        host_start = h + 1;
        if (!(host_end = strchr(h, ']')))
            return tj_error_set(err, TJ_ERR_USAGE, url, "bad IPv6 address in the URL");
        end = host_end + 1;
    } else {
        end = h + strcspn(h, ":/?#");
        host_end = end;
    }
    size_t hn = (size_t)(host_end - host_start);
    if (hn == 0 || hn > HOST_MAX)
        return tj_error_set(err, TJ_ERR_USAGE, url, "the URL's host is empty or too long");
    memcpy(u->host, host_start, hn);
    u->host[hn] = '\0';
    strcpy(u->port, "80");
    if (*end == ':') {
        size_t pn = strspn(end + 1, "0123456789");
        if (pn == 0 || pn > 5)
            return tj_error_set(err, TJ_ERR_USAGE, url, "bad port in the URL");
        memcpy(u->port, end + 1, pn);
        u->port[pn] = '\0';
        end += 1 + pn;
    }
    const char *path = *end ? end : "/";
    if (*path != '/' || strlen(path) > PATH_MAX_LEN)
        return tj_error_set(err, TJ_ERR_USAGE, url, "bad or too long path in the URL");
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return tj_error_set(err, TJ_ERR_USAGE, url, "the URL has spaces or control characters");
    strcpy(u->path, path);
    char *frag = strchr(u->path, '#');
    if (frag)
        *frag = '\0';
    return TJ_OK;
}

char *http_origin(const char *url)
{
    url_parts u;
    tj_error err;
    if (parse_url(url, &u, &err))
        return NULL;
    char *o = NULL;
    if (asprintf(&o, strchr(u.host, ':') ? "http://[%s]:%s" : "http://%s:%s", u.host, u.port) < 0)
        return NULL;
    return o;
}

/* Decode a chunked body in place; -1 when malformed. */
static long dechunk(char *b, size_t n)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *e;
        errno = 0;
        unsigned long sz = strtoul(b + in, &e, 16);
        if (errno || e == b + in)
            return -1;
        char *crlf = strstr(e, "\r\n");
        if (!crlf)
            return -1;
        in = (size_t)(crlf - b) + 2;
        if (sz == 0)
            return (long)out;
        if (sz > n - in)
            return -1;
        memmove(b + out, b + in, sz);
        out += sz;
        in += sz;
        if (n - in < 2 || b[in] != '\r' || b[in + 1] != '\n')
            return -1;
        in += 2;
    }
}

tj_status http_get(const char *url, int *status, char **body, size_t *len, tj_error *err)
{
    *status = 0;
    *body = NULL;
    *len = 0;
    url_parts u;
    tj_status rc = parse_url(url, &u, err);
    if (rc)
        return rc;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(u.host, u.port, &hints, &ai);
    if (gai)
        return tj_error_set(err, TJ_ERR_IO, url, "cannot resolve %s: %s", u.host, gai_strerror(gai));
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return tj_error_set(err, TJ_ERR_IO, url, "cannot connect to %s:%s: %s", u.host, u.port, strerror(errno));
    char *rq = NULL;
    int rn = asprintf(&rq,
                      "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nAccept: application/json\r\nUser-Agent: tanji\r\n"
                      "Connection: close\r\n\r\n",
                      u.path, strchr(u.host, ':') ? "[" : "", u.host, strchr(u.host, ':') ? "]" : "",
                      strcmp(u.port, "80") ? ":" : "", strcmp(u.port, "80") ? u.port : "");
    if (rn < 0) {
        close(fd);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    ssize_t w = 0;
    for (size_t off = 0; off < (size_t)rn; off += (size_t)w)
        if ((w = send(fd, rq + off, (size_t)rn - off, MSG_NOSIGNAL)) <= 0)
            break;
    free(rq);
    if (w <= 0) {
        close(fd);
        return tj_error_set(err, TJ_ERR_IO, url, "cannot send the request: %s", strerror(errno));
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t r = 0;
    while (buf && (r = recv(fd, buf + n, cap - n, 0)) > 0) {
        n += (size_t)r;
        if (n == cap) {
            if (cap >= HTTP_GET_MAX + 65536) {
                r = -2;
                break;
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int rerr = errno;
    close(fd);
    if (!buf)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (r < 0) {
        free(buf);
        return r == -2 ? tj_error_set(err, TJ_ERR_INPUT, url, "the response is larger than %u bytes", HTTP_GET_MAX)
                       : tj_error_set(err, TJ_ERR_IO, url, "cannot read the response: %s", strerror(rerr));
    }
    buf[n] = '\0';
    char *hend = strstr(buf, "\r\n\r\n");
    int st = 0;
    if (!hend || sscanf(buf, "HTTP/1.%*d %3d", &st) != 1) {
        free(buf);
        return tj_error_set(err, TJ_ERR_INPUT, url, "not an HTTP response");
    }
    *hend = '\0';
    int chunked = 0;
    for (char *line = strstr(buf, "\r\n"); line; line = strstr(line + 2, "\r\n"))
        if (!strncasecmp(line + 2, "transfer-encoding:", 18) && strstr(line + 20, "chunked"))
            chunked = 1;
    char *b = hend + 4;
    size_t bn = n - (size_t)(b - buf);
    if (chunked) {
        long m = dechunk(b, bn);
        if (m < 0) {
            free(buf);
            return tj_error_set(err, TJ_ERR_INPUT, url, "a malformed chunked response");
        }
        bn = (size_t)m;
    }
    if (bn > HTTP_GET_MAX) {
        free(buf);
        return tj_error_set(err, TJ_ERR_INPUT, url, "the response is larger than %u bytes", HTTP_GET_MAX);
    }
    memmove(buf, b, bn);
    buf[bn] = '\0';
    *status = st;
    *body = buf;
    *len = bn;
    return TJ_OK;
}

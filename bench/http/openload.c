/* openload: an open-loop HTTP/1.1 load generator for the label benchmark.
 *
 * wrk keeps every connection busy (a closed loop): at saturation the
 * latencies it reports are mostly queueing behind the other connections, and
 * a stalled server sends fewer requests, so its worst moments are sampled
 * less (coordinated omission).  A target such as "10,000 requests/s with p99
 * under 10 ms" is a statement about a fixed arrival rate, so this tool sends
 * request k at t0 + k/RATE whatever the server does, and measures each
 * latency from that scheduled time, not from when a connection became free
 * to send it (the correction wrk2 makes).  A request that had to wait for a
 * free connection is charged its wait.
 *
 *   openload --port P [--host 127.0.0.1] --rate R --seconds S [--conns C]
 *            (--path /api/... | --labels N) [--seed X]
 *
 * --labels N asks for random labels of bench_label's numbering
 * (CN-<province>-<2025 + i % 2>-<i, 7 digits>, province i % 31), as
 * bench/http/labels.lua does for wrk.  One thread, epoll; at 10,000
 * requests/s it needs about a tenth of a core.  Prints one line of figures;
 * exits 1 when the server answered anything but 200 or a connection failed,
 * 2 on a bad option (named, with its accepted range). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tanji/parse.h"

static const char *const provinces[] = {"110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
                                        "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
                                        "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
                                        "530000", "540000", "610000", "620000", "630000", "640000", "650000"};

typedef struct conn {
    int fd;
    int busy;
    int64_t sched; /* scheduled send time of the request in flight, ns */
    char *buf;
    size_t n, cap;
} conn;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rng_state;
static uint64_t rng_next(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static int open_conn(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0)
        die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A complete response in c->buf?  1 with its status, 0 when more bytes are
 * needed, -1 when it is not a response with a Content-Length. */
static int response_done(const conn *c, int *status)
{
    const char *end = memmem(c->buf, c->n, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - c->buf) + 4;
    if (c->n < 12 || memcmp(c->buf, "HTTP/1.1 ", 9) != 0)
        return -1;
    if (!tj_is_number_n(c->buf + 9, 3) || c->buf[12] != ' ')
        return -1;
    *status = (c->buf[9] - '0') * 100 + (c->buf[10] - '0') * 10 + (c->buf[11] - '0');
    const char *p = c->buf;
    long long len = -1;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        if (!eol)
            break;
        if (eol - p > 15 && strncasecmp(p, "content-length:", 15) == 0) {
            char v[24];
            const char *q = p + 15;
            while (q < eol && *q == ' ')
                q++;
            if ((size_t)(eol - q) >= sizeof v)
                return -1;
            memcpy(v, q, (size_t)(eol - q));
            v[eol - q] = '\0';
            if (tj_parse_int("Content-Length", v, 0, 1 << 30, &len, NULL))
                return -1;
        }
        p = eol + 2;
    }
    if (len < 0)
        return -1;
    return c->n >= head + (size_t)len ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *path = NULL;
    long long port = 0, conns = 32, labels = 0, seed = 42;
    double rate = 0, seconds = 10;
    tj_error err;
    tj_status bad = TJ_OK;
    for (int i = 1; i < argc && !bad; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--path"))
            path = v;
        else if (!strcmp(a, "--port"))
            bad = tj_parse_int("--port", v, 1, 65535, &port, &err);
        else if (!strcmp(a, "--conns"))
            bad = tj_parse_int("--conns", v, 1, 4096, &conns, &err);
        else if (!strcmp(a, "--labels"))
            bad = tj_parse_int("--labels", v, 1, 1LL << 40, &labels, &err);
        else if (!strcmp(a, "--seed"))
            bad = tj_parse_int("--seed", v, 0, 1LL << 62, &seed, &err);
        else if (!strcmp(a, "--rate")) {
            if (!(bad = tj_parse_number("--rate", v, &rate, &err)) && !(rate >= 1 && rate <= 1e6))
                bad = tj_error_set(&err, TJ_ERR_USAGE, "--rate", "--rate is 1 to 1,000,000 requests/s");
        } else if (!strcmp(a, "--seconds")) {
            if (!(bad = tj_parse_number("--seconds", v, &seconds, &err)) && !(seconds > 0 && seconds <= 3600))
                bad = tj_error_set(&err, TJ_ERR_USAGE, "--seconds", "--seconds is over 0 and at most 3600");
        } else
            goto usage;
    }
    if (bad) {
        fprintf(stderr, "openload: %s\n", err.message);
        return 2;
    }
    if (!port || (!path && !labels) || (path && labels))
        goto usage;
    rng_state = (uint64_t)seed;
    if (path && strlen(path) > 400) {
        fprintf(stderr, "openload: --path is longer than 400 bytes\n");
        return 2;
    }

    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "openload: --host must be an IPv4 address\n");
        return 2;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    conn *cs = calloc((size_t)conns, sizeof *cs);
    int *idle = malloc((size_t)conns * sizeof *idle);
    size_t total = (size_t)(rate * seconds);
    int64_t *lat = malloc((total + 1) * sizeof *lat);
    if (!cs || !idle || !lat)
        die("malloc");
    int nidle = 0;
    for (int i = 0; i < conns; i++) {
        cs[i].fd = open_conn(&sa);
        cs[i].cap = 4096;
        cs[i].buf = malloc(cs[i].cap);
        if (!cs[i].buf)
            die("malloc");
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0)
            die("epoll_ctl");
        idle[nidle++] = i;
    }

    size_t sent = 0, done = 0, non200 = 0, errors = 0, waited = 0;
    double step = 1e9 / rate;
    int64_t t0 = now_ns() + 1000000, end_drain = 0;
    char req[512];
    while (done + errors < total) {
        int64_t now = now_ns();
        /* send every request whose time has come, while a connection is free */
        while (sent < total && nidle > 0) {
            int64_t sched = t0 + (int64_t)((double)sent * step);
            if (sched > now)
                break;
            if (now - sched > 1000000)
                waited++; /* sent more than 1 ms after its time (no connection free, or this process not running) */
            conn *c = &cs[idle[--nidle]];
            int len;
            if (path) {
                len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
            } else {
                long long k = (long long)(rng_next() % (uint64_t)labels);
                len = snprintf(req, sizeof req, "GET /api/v1/public/labels/CN-%s-%lld-%07lld HTTP/1.1\r\nHost: %s\r\n\r\n",
                               provinces[k % 31], 2025 + k % 2, k, host);
            }
            if (len <= 0 || (size_t)len >= sizeof req)
                die("snprintf"); /* cannot happen: --path is at most 400 bytes */
            if (send(c->fd, req, (size_t)len, MSG_NOSIGNAL) != len)
                die("send");
            c->busy = 1;
            c->sched = sched;
            c->n = 0;
            sent++;
        }
        if (sent == total && !end_drain)
            end_drain = now + 5000000000LL;
        if (end_drain && now > end_drain)
            break; /* answers still missing 5 s after the last send: counted below */
        int64_t wait = 100000000; /* 100 ms */
        if (sent < total && nidle > 0) {
            wait = t0 + (int64_t)((double)sent * step) - now;
            if (wait < 0)
                wait = 0;
        }
        struct timespec to = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
        struct epoll_event evs[64];
        int ne = epoll_pwait2(ep, evs, 64, &to, NULL);
        if (ne < 0 && errno != EINTR)
            die("epoll_pwait2");
        for (int e = 0; e < ne; e++) {
            int i = (int)evs[e].data.u32;
            conn *c = &cs[i];
            if (c->n + 4096 > c->cap) {
                c->cap *= 2;
                c->buf = realloc(c->buf, c->cap);
                if (!c->buf)
                    die("realloc");
            }
            ssize_t r = recv(c->fd, c->buf + c->n, c->cap - c->n, 0);
            if (r <= 0) {
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
                /* the server closed the connection: count the request, reconnect */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                if (c->busy)
                    errors++;
                c->busy = 0;
                c->fd = open_conn(&sa);
                struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
                    die("epoll_ctl");
                idle[nidle++] = i;
                continue;
            }
            c->n += (size_t)r;
            int status = 0, st = response_done(c, &status);
            if (st == 0)
                continue;
            if (st < 0 || !c->busy) {
                fprintf(stderr, "openload: unexpected bytes from the server\n");
                return 2;
            }
            lat[done++] = now_ns() - c->sched;
            if (status != 200)
                non200++;
            c->busy = 0;
            c->n = 0;
            idle[nidle++] = i;
        }
    }
    double span = (double)(now_ns() - t0) / 1e9;
    size_t missing = total - done - errors;
    if (done == 0) {
        fprintf(stderr, "openload: no answer\n");
        return 1;
    }
    qsort(lat, done, sizeof *lat, cmp_i64);
#define PCT(p) ((double)lat[(size_t)((double)(done - 1) * (p))] / 1e6)
    printf("openload: %.0f req/s scheduled for %.0f s on %lld connections: %zu answered (%.0f/s), latency from the "
           "scheduled time p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; sent over 1 ms "
           "after its time %zu; non-200 %zu; failed %zu; unanswered %zu\n",
           rate, seconds, conns, done, (double)done / span, PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999),
           (double)lat[done - 1] / 1e6, waited, non200, errors, missing);
    for (int i = 0; i < conns; i++) {
        close(cs[i].fd);
        free(cs[i].buf);
    }
    free(cs);
    free(idle);
    free(lat);
    return non200 || errors || missing ? 1 : 0;
usage:
    fprintf(stderr, "usage: openload --port P [--host IPv4] --rate R --seconds S [--conns C] "
                    "(--path PATH | --labels N) [--seed X]\n");
    return 2;
}

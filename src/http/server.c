/* http server: see server.h and docs/server.md. */
#include "http/server.h"
#include "http/static.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/cache.h"
#include "ledger/ledger.h"
#include "services/auth.h"
#include "services/ledger_svc.h"
#include "services/job.h"
#include "services/pact.h"
#include "services/pact_sub.h"
#include "store/job_sql.h"

/* ---- shared state: made before the daemon starts, then read-only or
 * guarded ------------------------------------------------------------- */
static http_config *g_cfg;
static svc_ruleset g_rules;
static pthread_key_t g_db_key;
static FILE *g_log;
static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_long g_inflight;
static atomic_int g_stopping;

/* metrics */
#define NBUCKETS 12
static const double bucket_le[NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                           0.05,   0.1,   0.25,   0.5,   1,    5};
#define MAX_ROUTES 256
static atomic_ullong m_requests[MAX_ROUTES + 1][6]; /* [route or unmatched][status / 100] */
static atomic_ullong m_buckets[NBUCKETS + 1];
static atomic_ullong m_sum_us;
static atomic_ullong m_rate_limited;
static time_t g_started;

/* job workers */
static pthread_mutex_t g_job_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_job_cv = PTHREAD_COND_INITIALIZER;
static int g_job_stop;

/* ---- per-thread database connection ---------------------------------- */
static void db_destroy(void *p)
{
    store_close(p);
}

/* A connection with the server's SQLite settings (commit sync, memory map,
 * page cache); every thread of the server opens its own. */
static store_db *server_db_open(tj_error *err)
{
    store_db *db = NULL;
    if (store_open(g_cfg->db_url, &db, err))
        return NULL;
    if (store_backend(db) != STORE_SQLITE)
        return db;
    if (g_cfg->sqlite_sync && !strcmp(g_cfg->sqlite_sync, "normal")) {
        store_set_commit_sync(db, 0);
        if (store_exec(db, "PRAGMA synchronous=NORMAL", err))
            goto fail;
    }
    /* The file is read through the kernel's page cache with pread and a
     * small private cache by default (sqlite_mmap 0, sqlite_cache 2 MiB):
     * what a process maps (a 2 GB database map, a 256 MB page cache per
     * thread) is what the kernel's page-access sampling walks, and on this
     * project's reference machine (DAMON reclaim in the guest) that walk
     * held a CPU for 5-75 ms at a time and made the label lookups' p99 at
     * 10,000 req/s 15-60 ms instead of 1-2 ms (docs/deployment.md). */
    char q[96];
    snprintf(q, sizeof q, "PRAGMA mmap_size=%.0f; PRAGMA cache_size=-%.0f", g_cfg->sqlite_mmap,
             g_cfg->sqlite_cache / 1024);
    if (store_exec(db, q, err))
        goto fail;
    return db;
fail:
    store_close(db);
    return NULL;
}

static store_db *worker_db(tj_error *err)
{
    store_db *db = pthread_getspecific(g_db_key);
    if (db)
        return db;
    db = server_db_open(err);
    if (db)
        pthread_setspecific(g_db_key, db);
    return db;
}

/* ---- rate limits: a token bucket per client ----------------------------- */
#define RL_SLOTS 8192
typedef struct rl_slot {
    unsigned char key[16];
    int used;
    double tokens;
    double last;
} rl_slot;
static rl_slot rl_slots[RL_SLOTS];
static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 0: allowed; else seconds to wait. */
static int rate_take(const char *kind, const char *who)
{
    if (g_cfg->rate <= 0 || !who)
        return 0;
    unsigned char key[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof key);
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind));
    crypto_generichash_update(&st, (const unsigned char *)who, strlen(who));
    crypto_generichash_final(&st, key, sizeof key);
    double t = now_s();
    int wait = 0;
    pthread_mutex_lock(&rl_mu);
    size_t h = ((size_t)key[0] << 16 | (size_t)key[1] << 8 | key[2]) % RL_SLOTS;
    rl_slot *s = NULL, *victim = NULL;
    for (size_t i = 0; i < 8 && !s; i++) {
        rl_slot *c = &rl_slots[(h + i) % RL_SLOTS];
        if (c->used && !memcmp(c->key, key, sizeof key))
            s = c;
        else if (!victim || !c->used || (victim->used && c->last < victim->last))
            victim = (victim && !victim->used) ? victim : c;
    }
    if (!s) {
        s = victim;
        memset(s, 0, sizeof *s);
        memcpy(s->key, key, sizeof key);
        s->used = 1;
        s->tokens = g_cfg->burst;
        s->last = t;
    }
    s->tokens += (t - s->last) * g_cfg->rate;
    if (s->tokens > g_cfg->burst)
        s->tokens = g_cfg->burst;
    s->last = t;
    if (s->tokens >= 1)
        s->tokens -= 1;
    else
        wait = (int)((1 - s->tokens) / g_cfg->rate) + 1;
    pthread_mutex_unlock(&rl_mu);
    return wait;
}

/* ---- connections ------------------------------------------------------- */
typedef struct conn_state {
    double start;
    const http_route *route;
    int path_known;
    char pbuf[1024];
    const char *params[4];
    size_t nparams;
    char *body;
    size_t len, cap, limit;
    int too_large;
    int responded;
} conn_state;

static void client_addr(struct MHD_Connection *c, char *buf, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buf[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)n);
}

/* The access log: one JSON line per request, formatted without allocating
 * and gathered in a buffer that is written when it passes LOG_FLUSH bytes
 * and by the main thread every LOG_INTERVAL_MS (and at stop), so a request
 * costs no system call.  A killed process loses at most that interval. */
#define LOG_FLUSH (64u << 10)
#define LOG_INTERVAL_MS 250
static char *g_logbuf;
static size_t g_loglen, g_logcap;

static void log_flush_locked(void)
{
    if (g_log && g_loglen) {
        fwrite(g_logbuf, 1, g_loglen, g_log);
        fflush(g_log);
    }
    g_loglen = 0;
}

static void log_flush(void)
{
    pthread_mutex_lock(&g_log_mu);
    log_flush_locked();
    pthread_mutex_unlock(&g_log_mu);
}

/* s (at most max bytes of it) as a JSON string body into o; returns the end. */
static char *json_str(char *o, const char *s, size_t max)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            /* bytes outside printable ASCII as \u00XX: the line stays
             * valid JSON whatever the path holds */
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hx[c >> 4];
            *o++ = hx[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    return o;
}

static void access_log(const char *method, const char *path, const http_route *route, int status, size_t bytes,
                       double secs, const char *client, const char *principal)
{
    if (!g_log)
        return;
    /* the path without its query (MHD gives it without), at most 512
     * bytes of it; no headers, no bodies, no tokens */
    char line[6 * (512 + 16 + 128 + 64 + 128) + 256]; /* every field at its longest, escaped */
    static _Thread_local time_t last_t;
    static _Thread_local char ts[32];
    time_t t = time(NULL);
    if (t != last_t) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last_t = t;
    }
    char *o = line;
    o += sprintf(o, "{\"ts\":\"%s\",\"method\":\"", ts);
    o = json_str(o, method, 16);
    o += sprintf(o, "\",\"path\":\"");
    o = json_str(o, path, 512);
    *o++ = '"';
    if (route) {
        o += sprintf(o, ",\"route\":\"");
        o = json_str(o, route->pattern, 128);
        *o++ = '"';
    }
    o += sprintf(o, ",\"status\":%d,\"bytes\":%zu,\"ms\":%.4g,\"client\":\"", status, bytes, secs * 1000.0);
    o = json_str(o, client, 64);
    *o++ = '"';
    if (principal) {
        o += sprintf(o, ",\"principal\":\"");
        o = json_str(o, principal, 128);
        *o++ = '"';
    }
    *o++ = '}';
    *o++ = '\n';
    size_t n = (size_t)(o - line);
    pthread_mutex_lock(&g_log_mu);
    if (g_loglen + n > g_logcap) {
        size_t cap = g_logcap ? g_logcap : LOG_FLUSH * 2;
        char *nb = g_loglen + n <= cap ? realloc(g_logbuf, cap) : NULL;
        if (nb) {
            g_logbuf = nb;
            g_logcap = cap;
        } else {
            log_flush_locked();
        }
    }
    if (g_loglen + n <= g_logcap) {
        memcpy(g_logbuf + g_loglen, line, n);
        g_loglen += n;
    } else if (g_log) {
        fwrite(line, 1, n, g_log); /* no buffer: write through */
        fflush(g_log);
    }
    if (g_loglen >= LOG_FLUSH)
        log_flush_locked();
    pthread_mutex_unlock(&g_log_mu);
}

static void record_metrics(const http_route *route, int status, double secs)
{
    size_t ri = route ? (size_t)(route - http_routes) : MAX_ROUTES;
    if (ri > MAX_ROUTES)
        ri = MAX_ROUTES;
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        cls = 0;
    atomic_fetch_add(&m_requests[ri][cls], 1);
    size_t b = 0;
    while (b < NBUCKETS && secs > bucket_le[b])
        b++;
    atomic_fetch_add(&m_buckets[b], 1);
    atomic_fetch_add(&m_sum_us, (unsigned long long)(secs * 1e6));
}

static void finish(conn_state *cs, const char *method, const char *url, int status, size_t bytes,
                   const char *client, const char *principal)
{
    cs->responded = 1;
    double secs = now_s() - cs->start;
    record_metrics(cs->route, status, secs);
    access_log(method, url, cs->route, status, bytes, secs, client, principal);
}

/* cache_key: the request may be answered from the cache later (a GET
 * without token or query); gen: store_commit_generation() before the
 * handler ran. */
static enum MHD_Result send_resp(struct MHD_Connection *c, conn_state *cs, const char *method, const char *url,
                                 http_resp *rs, const char *client, const char *principal, const char *cache_key,
                                 uint64_t gen)
{
    /* public responses carry an ETag; If-None-Match naming it gets a 304 */
    int tagged = rs->cache_public && rs->status == 200;
    char etag[HTTP_ETAG_SIZE] = "";
    if (tagged)
        http_etag(rs->body ? rs->body : "", rs->len, etag);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(rs->len, rs->body ? rs->body : (void *)"", rs->body ? MHD_RESPMEM_MUST_FREE
                                                                                              : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(rs->body);
        free(rs->attachment_buf);
        free(rs->link);
        return MHD_NO;
    }
    size_t bytes = rs->len;
    rs->body = NULL;
    MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type : "application/json");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", rs->cache_public ? "public, max-age=60" : "no-store");
    if (tagged)
        MHD_add_response_header(r, "ETag", etag);
    if (rs->retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", rs->retry_after);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    if (rs->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"tanji\"");
    if (rs->link) {
        MHD_add_response_header(r, "Link", rs->link);
        free(rs->link);
        rs->link = NULL;
    }
    if (rs->disposition) {
        char cd[300];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", rs->disposition);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    free(rs->attachment_buf);
    rs->attachment_buf = NULL;
    const char *inm = tagged ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match") : NULL;
    int status = rs->status;
    enum MHD_Result ok;
    if (inm && http_etag_match(inm, etag)) {
        struct MHD_Response *nm = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (nm) {
            MHD_add_response_header(nm, "ETag", etag);
            MHD_add_response_header(nm, "Cache-Control", "public, max-age=60");
            status = MHD_HTTP_NOT_MODIFIED;
            bytes = 0;
            ok = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, nm);
            MHD_destroy_response(nm);
        } else {
            ok = MHD_queue_response(c, (unsigned)status, r);
        }
    } else {
        ok = MHD_queue_response(c, (unsigned)status, r);
    }
    if (!(tagged && cache_key && http_cache_store(cache_key, r, etag, bytes, gen)))
        MHD_destroy_response(r);
    finish(cs, method, url, status, bytes, client, principal);
    return ok;
}

static const char *bearer(struct MHD_Connection *c)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!a)
        return NULL;
    if (strncasecmp(a, "Bearer ", 7))
        return "";
    a += 7;
    while (*a == ' ')
        a++;
    return a;
}

/* "application/json; charset=utf-8" -> "application/json" (lower case). */
static char *media_type(struct MHD_Connection *c)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ct)
        return NULL;
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    if (n > 200)
        n = 0; /* no media type is that long: treat as unknown */
    char *s = strndup(ct, n);
    for (char *p = s; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

/* The PACT listener's daemon passes this as its cls. */
static int g_pact_tag;

/* An error response: the API's codes, or on the PACT listener the PACT
 * codes (BadRequest, AccessDenied, NotFound, InternalError). */
static void req_error(http_resp *rs, int on_pact, int status, const char *code, const char *msg)
{
    if (on_pact)
        code = status == 403 ? "AccessDenied" : status == 404 ? "NotFound" : status >= 500 ? "InternalError" : "BadRequest";
    http_error(rs, status, code, msg, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    int on_pact = cls == &g_pact_tag;
    conn_state *cs = *con_cls;
    char client[INET6_ADDRSTRLEN + 1];
    if (!cs) {
        cs = calloc(1, sizeof *cs);
        if (!cs)
            return MHD_NO;
        *con_cls = cs;
        atomic_fetch_add(&g_inflight, 1);
        cs->start = now_s();
        cs->route = http_route_match(method, url, cs->pbuf, sizeof cs->pbuf, cs->params, &cs->nparams,
                                     &cs->path_known);
        if (cs->route && !!(cs->route->flags & HTTP_PACT) != on_pact) {
            /* PACT routes on the PACT listener only, the rest on the main one */
            cs->route = NULL;
            cs->path_known = 0;
        }
        cs->limit = cs->route && (cs->route->flags & HTTP_UPLOAD) ? g_cfg->max_upload : g_cfg->max_body;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || *end || n > cs->limit) {
                http_resp rs = {0};
                req_error(&rs, on_pact, 413, "payload_too_large", "the body is larger than allowed / 请求体过大");
                client_addr(c, client, sizeof client);
                return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (cs->responded || cs->too_large)
            return MHD_YES;
        if (cs->len + n > cs->limit) {
            cs->too_large = 1;
            free(cs->body);
            cs->body = NULL;
            cs->len = cs->cap = 0;
            return MHD_YES;
        }
        if (cs->len + n + 1 > cs->cap) {
            size_t nc = cs->cap ? cs->cap : 4096;
            while (nc < cs->len + n + 1)
                nc *= 2;
            char *nb = realloc(cs->body, nc);
            if (!nb)
                return MHD_NO;
            cs->body = nb;
            cs->cap = nc;
        }
        memcpy(cs->body + cs->len, upload_data, n);
        cs->len += n;
        cs->body[cs->len] = '\0';
        return MHD_YES;
    }
    if (cs->responded)
        return MHD_YES;

    client_addr(c, client, sizeof client);
    http_resp rs = {0};
    if (cs->too_large) {
        req_error(&rs, on_pact, 413, "payload_too_large", "the body is larger than allowed / 请求体过大");
        return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
    }
    /* the PACT listener's public routes (its token endpoint takes HTTP Basic
     * credentials) look at no bearer token */
    const char *token = on_pact && cs->route && !(cs->route->flags & HTTP_AUTH) ? NULL : bearer(c);
    /* a client is its token when it sends one, else its address */
    int wait = token && *token ? rate_take("t:", token) : rate_take("a:", client);
    if (wait) {
        atomic_fetch_add(&m_rate_limited, 1);
        req_error(&rs, on_pact, 429, "too_many_requests", "too many requests: slow down / 请求过于频繁");
        rs.retry_after = wait;
        return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
    }
    /* (the PACT listener serves no web UI) */
    int get = !on_pact && (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
    int page = get && http_static_browser_page(c, url);
    if (get && (page || (!cs->route && !cs->path_known))) {
        /* the web UI's files (http/static.h) */
        unsigned st = 404;
        size_t bytes = 0;
        struct MHD_Response *r = http_static_response(c, g_cfg, page ? "/" : url, &st, &bytes);
        if (r) {
            enum MHD_Result ok = MHD_queue_response(c, st, r);
            MHD_destroy_response(r);
            cs->responded = 1;
            double secs = now_s() - cs->start;
            record_metrics(NULL, (int)st, secs);
            access_log(method, url, NULL, (int)st, bytes, secs, client, NULL);
            return ok;
        }
    }
    if (!cs->route) {
        if (cs->path_known)
            req_error(&rs, on_pact, 405, "method_not_allowed", "this method is not allowed here / 不支持该方法");
        else
            req_error(&rs, on_pact, 404, "not_found", "no such resource / 资源不存在");
        return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
    }
    /* a public GET without token or query: maybe answered from the cache
     * (cache.h), without the database */
    const char *cache_key = NULL;
    uint64_t gen = 0;
    if (!on_pact && !token && !(cs->route->flags & HTTP_AUTH) && !strcmp(method, "GET") &&
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) == 0) {
        cache_key = url;
        gen = store_commit_generation();
        int status = 0, queued = 0;
        size_t bytes = 0;
        if (http_cache_serve(c, url, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"), &status,
                             &bytes, &queued)) {
            finish(cs, method, url, status, bytes, client, NULL);
            return queued ? MHD_YES : MHD_NO;
        }
    }
    tj_error err;
    tj_error_clear(&err);
    http_req rq = {.conn = c, .method = method, .path = url, .nparams = cs->nparams, .body = cs->body,
                   .body_len = cs->len, .client = client, .cfg = g_cfg, .rules = &g_rules, .pact = on_pact};
    memcpy(rq.params, cs->params, sizeof rq.params);
    char *ct = media_type(c);
    rq.content_type = ct;
    rq.db = worker_db(&err);
    if (!rq.db) {
        fprintf(stderr, "tanji serve: database: %s\n", err.message);
        req_error(&rs, on_pact, 503, "unavailable", "the database is not available / 数据库不可用");
        free(ct);
        return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
    }
    if (token) {
        rq.token = token;
        if (!*token || (on_pact ? svc_authenticate_pact : svc_authenticate)(rq.db, token, &rq.ctx, &err)) {
            if (err.code && err.code != TJ_ERR_NOTFOUND)
                fprintf(stderr, "tanji serve: authentication: %s\n", err.message);
            req_error(&rs, on_pact, 401, "unauthorized",
                      "the token is invalid, expired or revoked / 令牌无效、已过期或已撤销");
            free(ct);
            return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
        }
        rq.authed = 1;
    } else if (cs->route->flags & HTTP_AUTH) {
        req_error(&rs, on_pact, 401, "unauthorized", "log in first (Authorization: Bearer TOKEN) / 请先登录");
        free(ct);
        return send_resp(c, cs, method, url, &rs, client, NULL, NULL, 0);
    } else {
        /* anonymous: no roles, no organisation */
        svc_ctx_init(&rq.ctx, rq.db, "anonymous", "anonymous", "", 0, NULL);
    }
    cs->route->fn(&rq, &rs);
    if (!rs.status)
        req_error(&rs, on_pact, 500, "internal", "internal error / 服务器内部错误");
    if (store_in_transaction(rq.db)) {
        /* a handler's service left a transaction open: a bug; undo it */
        fprintf(stderr, "tanji serve: %s %s left a transaction open\n", method, cs->route->pattern);
        while (store_in_transaction(rq.db))
            store_rollback(rq.db);
    }
    enum MHD_Result ok =
        send_resp(c, cs, method, url, &rs, client, rq.authed ? rq.ctx.who.id : NULL, cache_key, gen);
    svc_ctx_release(&rq.ctx);
    free(ct);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_state *cs = *con_cls;
    if (!cs)
        return;
    free(cs->body);
    free(cs);
    *con_cls = NULL;
    atomic_fetch_sub(&g_inflight, 1);
}

/* ---- job workers ------------------------------------------------------- */
void http_jobs_kick(void)
{
    pthread_mutex_lock(&g_job_mu);
    pthread_cond_broadcast(&g_job_cv);
    pthread_mutex_unlock(&g_job_mu);
}

void http_jobs_kick_pact(void)
{
    http_jobs_kick();
}

/* One background loop: open the database (again after a failure), run a
 * step while it finds work, else wait up to a second or until stop. */
static void *background_loop(const char *what, int (*step)(store_db *db, tj_error *err))
{
    tj_error err;
    tj_error_clear(&err);
    store_db *db = NULL;
    for (;;) {
        pthread_mutex_lock(&g_job_mu);
        int stop = g_job_stop;
        pthread_mutex_unlock(&g_job_mu);
        if (stop)
            break;
        if (!db && !(db = server_db_open(&err)))
            fprintf(stderr, "tanji serve: %s: %s\n", what, err.message);
        if (db && step(db, &err))
            continue;
        pthread_mutex_lock(&g_job_mu);
        if (!g_job_stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&g_job_cv, &g_job_mu, &ts);
        }
        pthread_mutex_unlock(&g_job_mu);
    }
    store_close(db);
    return NULL;
}

/* A failed step: said on stderr, its transaction rolled back. */
static void step_failed(store_db *db, const char *what, const tj_error *err)
{
    fprintf(stderr, "tanji serve: %s: %s\n", what, err->message);
    while (store_in_transaction(db))
        store_rollback(db);
}

/* queued jobs first; scheduled PACT pulls (services/pact_sub.h) when no job
 * is waiting */
static int job_step(store_db *db, tj_error *err)
{
    int ran = 0;
    if (svc_job_run_next(db, g_cfg->node, g_cfg->rules_dir, &ran, err)) {
        step_failed(db, "jobs", err);
        ran = 0;
    }
    if (!ran && svc_pact_sub_run_due(db, g_cfg->pact_ca_file, &ran, err)) {
        step_failed(db, "PACT subscriptions", err);
        ran = 0;
    }
    return ran;
}

static void *job_worker(void *arg)
{
    (void)arg;
    return background_loop("jobs", job_step);
}

/* ---- signed tree heads -------------------------------------------------- */
static ledger_key g_key;

static void *head_signer(void *arg)
{
    (void)arg;
    store_db *db = NULL;
    tj_error err;
    tj_error_clear(&err);
    for (;;) {
        pthread_mutex_lock(&g_job_mu);
        if (!g_job_stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += g_cfg->head_interval;
            pthread_cond_timedwait(&g_job_cv, &g_job_mu, &ts);
        }
        int stop = g_job_stop;
        pthread_mutex_unlock(&g_job_mu);
        if (!db && !(db = server_db_open(&err)))
            fprintf(stderr, "tanji serve: heads: %s\n", err.message);
        if (db) {
            svc_ctx ctx;
            ledger_head h;
            int signed_new = 0;
            if (!svc_ctx_local(&ctx, db, NULL, &err)) {
                if (svc_ledger_sign_head(&ctx, &g_key, &h, &signed_new, &err))
                    fprintf(stderr, "tanji serve: heads: %s\n", err.message);
                svc_ctx_release(&ctx);
            }
        }
        if (stop)
            break; /* a last head on the way out */
    }
    store_close(db);
    return NULL;
}

/* ---- health and metrics -------------------------------------------------- */
void http_h_healthz(http_req *rq, http_resp *rs)
{
    int ver = 0;
    tj_error err;
    if (store_schema_version(rq->db, &ver, &err)) {
        http_error(rs, 503, "unavailable", "the database does not answer / 数据库无响应", NULL);
        return;
    }
    http_json(rs, atomic_load(&g_stopping) ? 503 : 200,
              json_pack("{s:s,s:s,s:i,s:s}", "status", atomic_load(&g_stopping) ? "stopping" : "ok", "database",
                        store_backend_name(rq->db), "schema", ver, "node", g_cfg->node));
}

static int job_counts(store_db *db, long long counts[5])
{
    static const char *const st[5] = {"queued", "running", "done", "failed", "cancelled"};
    store_stmt *s = NULL;
    tj_error err;
    memset(counts, 0, 5 * sizeof counts[0]);
    if (store_prepare_cached(db, "SELECT status, COUNT(*) FROM job GROUP BY status", &s, &err))
        return -1;
    int r;
    while ((r = store_step(s, &err)) == 1)
        for (int i = 0; i < 5; i++)
            if (!strcmp(store_col_text(s, 0), st[i]))
                counts[i] = store_col_int64(s, 1);
    store_finalize(s);
    return r < 0 ? -1 : 0;
}

void http_h_metrics(http_req *rq, http_resp *rs)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m) {
        http_error(rs, 503, "unavailable", "out of memory", NULL);
        return;
    }
    fprintf(m, "# HELP tanji_http_requests_total HTTP requests by route and status class.\n"
               "# TYPE tanji_http_requests_total counter\n");
    static const char *const cls[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (size_t i = 0; i <= http_route_count && i <= MAX_ROUTES; i++) {
        size_t ri = i == http_route_count ? MAX_ROUTES : i;
        for (int k = 0; k < 6; k++) {
            unsigned long long v = atomic_load(&m_requests[ri][k]);
            if (!v)
                continue;
            if (ri == MAX_ROUTES)
                fprintf(m, "tanji_http_requests_total{route=\"unmatched\",code=\"%s\"} %llu\n", cls[k], v);
            else
                fprintf(m, "tanji_http_requests_total{method=\"%s\",route=\"%s\",code=\"%s\"} %llu\n",
                        http_routes[ri].method, http_routes[ri].pattern, cls[k], v);
        }
    }
    fprintf(m, "# HELP tanji_http_request_duration_seconds Time from request to response.\n"
               "# TYPE tanji_http_request_duration_seconds histogram\n");
    unsigned long long cum = 0;
    for (int b = 0; b <= NBUCKETS; b++) {
        cum += atomic_load(&m_buckets[b]);
        if (b < NBUCKETS)
            fprintf(m, "tanji_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bucket_le[b], cum);
        else
            fprintf(m, "tanji_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    }
    fprintf(m, "tanji_http_request_duration_seconds_sum %.6f\n", atomic_load(&m_sum_us) / 1e6);
    fprintf(m, "tanji_http_request_duration_seconds_count %llu\n", cum);
    fprintf(m, "# HELP tanji_http_in_flight Requests being handled.\n# TYPE tanji_http_in_flight gauge\n"
               "tanji_http_in_flight %ld\n",
            atomic_load(&g_inflight));
    fprintf(m, "# HELP tanji_http_rate_limited_total Requests answered 429.\n"
               "# TYPE tanji_http_rate_limited_total counter\ntanji_http_rate_limited_total %llu\n",
            atomic_load(&m_rate_limited));
    long long jc[5];
    int jok = job_counts(rq->db, jc) == 0;
    if (jok) {
        static const char *const st[5] = {"queued", "running", "done", "failed", "cancelled"};
        fprintf(m, "# HELP tanji_jobs Calculation jobs by status (all nodes).\n# TYPE tanji_jobs gauge\n");
        for (int i = 0; i < 5; i++)
            fprintf(m, "tanji_jobs{status=\"%s\"} %lld\n", st[i], jc[i]);
    }
    int ver = 0;
    tj_error err;
    double t0 = now_s();
    int up = store_schema_version(rq->db, &ver, &err) == TJ_OK;
    fprintf(m, "# HELP tanji_db_up Whether the database answers.\n# TYPE tanji_db_up gauge\n"
               "tanji_db_up{backend=\"%s\"} %d\n",
            store_backend_name(rq->db), up);
    fprintf(m, "# HELP tanji_db_ping_seconds Time of a trivial query.\n# TYPE tanji_db_ping_seconds gauge\n"
               "tanji_db_ping_seconds %.6f\n",
            now_s() - t0);
    fprintf(m, "# HELP tanji_db_schema_version Schema version.\n# TYPE tanji_db_schema_version gauge\n"
               "tanji_db_schema_version %d\n",
            ver);
    fprintf(m, "# HELP tanji_uptime_seconds Seconds since start.\n# TYPE tanji_uptime_seconds gauge\n"
               "tanji_uptime_seconds %lld\n",
            (long long)(time(NULL) - g_started));
    if (fclose(m) != 0) {
        free(buf);
        http_error(rs, 503, "unavailable", "out of memory", NULL);
        return;
    }
    http_bytes(rs, 200, "text/plain; version=0.0.4", buf, n);
}

/* ---- start and stop ---------------------------------------------------- */
static char *read_pem(const char *path, tj_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tj_error_set(err, TJ_ERR_IO, NULL, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4097 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20)) {
                tj_error_set(err, TJ_ERR_INPUT, NULL, "%s is larger than 1 MiB: not a PEM file", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r < 4096)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static tj_status make_addr(const char *addr, int port, const char *key, struct sockaddr_storage *ss, int *v6,
                           tj_error *err)
{
    memset(ss, 0, sizeof *ss);
    *v6 = strchr(addr, ':') != NULL;
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
            return tj_error_set(err, TJ_ERR_USAGE, key, "not an IPv6 address: %.60s", addr);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
            return tj_error_set(err, TJ_ERR_USAGE, key, "not an IPv4 address: %.60s", addr);
    }
    return TJ_OK;
}

/* ---- the PACT outbox (answers to partners' requests) --------------------- */
static int outbox_step(store_db *db, tj_error *err)
{
    int worked = 0;
    if (svc_pact_outbox_run(db, g_cfg->pact_ca_file, &worked, err)) {
        step_failed(db, "PACT outbox", err);
        worked = 0;
    }
    return worked;
}

static void *pact_outbox_worker(void *arg)
{
    (void)arg;
    return background_loop("PACT outbox", outbox_step);
}

tj_status http_serve(http_config *cfg, FILE *status, tj_error *err)
{
    g_cfg = cfg;
    g_started = time(NULL);
    if (http_route_count > MAX_ROUTES)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "too many routes");
    if (sodium_init() < 0)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "libsodium failed to start");
    /* the database must be there and migrated before anything listens */
    store_db *probe = NULL;
    tj_status rc = store_open(cfg->db_url, &probe, err);
    if (rc)
        return rc;
    if (!cfg->node) {
        char host[256];
        if (gethostname(host, sizeof host) != 0)
            strcpy(host, "node");
        host[sizeof host - 1] = '\0';
        char node[300];
        snprintf(node, sizeof node, "%s:%ld", host, (long)getpid());
        cfg->node = strdup(node);
    }
    /* a node that runs no jobs writes nothing at start: it may serve
     * public reads from a read-only streaming replica */
    if (cfg->job_workers > 0 && (rc = svc_job_recover(probe, cfg->node, err))) {
        store_close(probe);
        return rc;
    }
    store_close(probe);
    memset(&g_rules, 0, sizeof g_rules);
    if (cfg->rules_dir && (rc = svc_ruleset_load_dir(&g_rules, cfg->rules_dir, err)))
        return rc;
    if (cfg->access_log && !strcmp(cfg->access_log, "-"))
        g_log = stdout;
    else if (cfg->access_log && *cfg->access_log && !(g_log = fopen(cfg->access_log, "a"))) {
        svc_ruleset_release(&g_rules);
        return tj_error_set(err, TJ_ERR_IO, "access_log", "cannot open %s: %s", cfg->access_log, strerror(errno));
    }
    if (pthread_key_create(&g_db_key, db_destroy) != 0) {
        svc_ruleset_release(&g_rules);
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "pthread_key_create failed");
    }
    char *cert = NULL, *key = NULL, *pcert = NULL, *pkey = NULL;
    struct MHD_Daemon *pd = NULL;
    if (cfg->ledger_key && (rc = ledger_key_load(cfg->ledger_key, &g_key, err)))
        goto out;
    if (!!cfg->tls_cert != !!cfg->tls_key) {
        rc = tj_error_set(err, TJ_ERR_USAGE, "tls_cert", "TLS needs both --tls-cert and --tls-key");
        goto out;
    }
    if (cfg->tls_cert && (!(cert = read_pem(cfg->tls_cert, err)) || !(key = read_pem(cfg->tls_key, err)))) {
        rc = err->code;
        goto out;
    }
    if (cfg->pact_addr) {
        /* PACT: HTTPS only (a plain HTTP request to it must not succeed) */
        const char *pc = cfg->pact_tls_cert ? cfg->pact_tls_cert : cfg->tls_cert;
        const char *pk = cfg->pact_tls_key ? cfg->pact_tls_key : cfg->tls_key;
        if (!pc || !pk) {
            rc = tj_error_set(err, TJ_ERR_USAGE, "pact_listen",
                              "the PACT listener is HTTPS only: give --pact-tls-cert and --pact-tls-key (or --tls-cert "
                              "and --tls-key) / PACT 接口仅支持 HTTPS，须提供证书与私钥");
            goto out;
        }
        if (!(pcert = read_pem(pc, err)) || !(pkey = read_pem(pk, err))) {
            rc = err->code;
            goto out;
        }
    }

    /* signals: handled by this thread (sigwait); every thread started from
     * here inherits the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_storage ss, pss;
    int v6 = 0, pv6 = 0;
    if ((rc = make_addr(cfg->listen_addr, cfg->port, "listen", &ss, &v6, err)) ||
        (cfg->pact_addr && (rc = make_addr(cfg->pact_addr, cfg->pact_port, "pact_listen", &pss, &pv6, err))))
        goto out;
    /* default: one per CPU; more (threads = 2 x CPUs) let a thread waiting
     * for its commit's fsync leave the CPU to another request, so that
     * group commit batches (docs/server.md) */
    unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     (v6 ? MHD_USE_IPv6 : 0) | (cert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->request_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!d) {
        rc = tj_error_set(err, TJ_ERR_IO, "listen", "cannot listen on %s:%d (in use, or not allowed)", cfg->listen_addr,
                          cfg->port);
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? di->port : cfg->port;
    int pport = 0;
    if (pcert) {
        unsigned pthreads = threads > 2 ? 2 : threads;
        pd = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_TLS |
                (pv6 ? MHD_USE_IPv6 : 0),
            0, NULL, NULL, on_request, &g_pact_tag, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&pss,
            MHD_OPTION_THREAD_POOL_SIZE, pthreads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->request_timeout,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)cfg->max_connections, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_HTTPS_MEM_CERT, pcert,
            MHD_OPTION_HTTPS_MEM_KEY, pkey, MHD_OPTION_END);
        if (!pd) {
            MHD_stop_daemon(d);
            rc = tj_error_set(err, TJ_ERR_IO, "pact_listen",
                              "cannot listen on %s:%d for PACT (in use, not allowed, or the certificate and key do "
                              "not load)",
                              cfg->pact_addr, cfg->pact_port);
            goto out;
        }
        const union MHD_DaemonInfo *pdi = MHD_get_daemon_info(pd, MHD_DAEMON_INFO_BIND_PORT);
        pport = pdi ? pdi->port : cfg->pact_port;
    }

    pthread_t workers[65];
    int nworkers = 0;
    g_job_stop = 0;
    for (int i = 0; i < cfg->job_workers && i < 64; i++)
        if (pthread_create(&workers[nworkers], NULL, job_worker, NULL) == 0)
            nworkers++;
    if (cfg->ledger_key && pthread_create(&workers[nworkers], NULL, head_signer, NULL) == 0)
        nworkers++;
    pthread_t pact_worker;
    int have_pact_worker = pd && pthread_create(&pact_worker, NULL, pact_outbox_worker, NULL) == 0;
    if (status) {
        fprintf(status, "tanji: listening on %s://%s%s%s:%d (node %s, %u threads, %s)\n", cert ? "https" : "http",
                v6 ? "[" : "", cfg->listen_addr, v6 ? "]" : "", port, cfg->node, threads,
                strncmp(cfg->db_url, "postgres", 8) ? "SQLite" : "PostgreSQL");
        if (pd)
            fprintf(status, "tanji: PACT API listening on https://%s%s%s:%d\n", pv6 ? "[" : "", cfg->pact_addr,
                    pv6 ? "]" : "", pport);
        fflush(status);
    }

    int sig = 0;
    for (;;) {
        struct timespec tick = {0, LOG_INTERVAL_MS * 1000000L};
        sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                log_flush();
                continue;
            }
            break;
        }
        if (sig != SIGHUP)
            break;
        /* SIGHUP: reopen the access log (log rotation) */
        if (g_log && g_log != stdout && cfg->access_log) {
            pthread_mutex_lock(&g_log_mu);
            log_flush_locked();
            FILE *nf = fopen(cfg->access_log, "a");
            if (nf) {
                fclose(g_log);
                g_log = nf;
            }
            pthread_mutex_unlock(&g_log_mu);
        }
    }
    /* stop: no new connections, let the requests in flight finish */
    atomic_store(&g_stopping, 1);
    if (status) {
        fprintf(status, "tanji: stopping (signal %d): finishing %ld requests in flight\n", sig,
                atomic_load(&g_inflight));
        fflush(status);
    }
    MHD_socket ls = MHD_quiesce_daemon(d);
    MHD_socket pls = pd ? MHD_quiesce_daemon(pd) : MHD_INVALID_SOCKET;
    for (int i = 0; i < 3000 && atomic_load(&g_inflight) > 0; i++)
        usleep(10000);
    pthread_mutex_lock(&g_job_mu);
    g_job_stop = 1;
    pthread_cond_broadcast(&g_job_cv);
    pthread_mutex_unlock(&g_job_mu);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    if (have_pact_worker)
        pthread_join(pact_worker, NULL);
    MHD_stop_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    http_cache_clear();
    log_flush();
    if (pd)
        MHD_stop_daemon(pd);
    if (pls != MHD_INVALID_SOCKET)
        close(pls);
    if (status) {
        fprintf(status, "tanji: stopped\n");
        fflush(status);
    }
out:
    ledger_key_wipe(&g_key);
    if (key) {
        sodium_memzero(key, strlen(key));
        free(key);
    }
    free(cert);
    log_flush();
    if (pkey) {
        sodium_memzero(pkey, strlen(pkey));
        free(pkey);
    }
    free(pcert);
    if (g_log && g_log != stdout)
        fclose(g_log);
    g_log = NULL;
    free(g_logbuf);
    g_logbuf = NULL;
    g_loglen = g_logcap = 0;
    svc_ruleset_release(&g_rules);
    pthread_key_delete(g_db_key);
    return rc;
}

/*
 * http: the thin adapter between HTTP (libmicrohttpd) and the services.
 *
 * A handler decodes the request (path parameters, query, JSON body), calls
 * ONE service function with the request's svc_ctx, and encodes the result
 * or the error.  Permissions are the services'; the adapter only knows
 * whether a route needs an authenticated principal at all.
 *
 * Errors have one body everywhere: {"code": "...", "message": "...",
 * "field": "..."?}.  Another organisation's private object answers 404
 * exactly as a missing one (the services return TJ_ERR_NOTFOUND for both).
 *
 * Threads: MHD runs handlers on a pool of worker threads; each worker has
 * its own database connection (store handles are single-threaded), opened
 * by that thread on its first request.  Shared state (metrics, limiters,
 * the rule set, the configuration) is created before the daemon starts or
 * guarded by a mutex.
 *
 * Ownership: http_resp owns its body (malloc'ed, freed after sending).
 */
#ifndef HTTP_HTTP_H
#define HTTP_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "services/ctx.h"
#include "services/rules.h"
#include "tanji/error.h"

struct MHD_Connection;

typedef struct http_config {
    char *listen_addr; /* "127.0.0.1" */
    int port;          /* 8080 */
    char *db_url;      /* SQLite path or postgresql:// URL */
    char *tls_cert, *tls_key;
    char *rules_dir;
    char *access_log; /* path, "-" = stdout, "" = off */
    char *node;       /* this node's name (jobs it claims) */
    char *ledger_key; /* the ledger key file: sign tree heads (NULL: this node signs none) */
    int head_interval; /* seconds between signed heads */
    char *sqlite_sync; /* "full" (default) or "normal" (WAL: durable across process crashes, not power loss) */
    double sqlite_mmap;  /* bytes of a SQLite file read through mmap (PRAGMA mmap_size; 0: off) */
    double sqlite_cache; /* bytes of SQLite page cache per server connection (PRAGMA cache_size) */
    char *web_root;    /* the web UI's files (web/); NULL or "": no UI */
    char *vendor_dir;  /* node_modules: the browser libraries the UI loads */
    int threads;      /* worker threads (0: number of CPUs) */
    int job_workers;  /* calculation job threads */
    size_t max_body;     /* bytes of a JSON body */
    size_t max_upload;   /* bytes of an upload (sheets, factor files) */
    size_t max_header;   /* bytes of a connection's header memory */
    int max_json_depth;  /* nesting of a JSON body */
    int request_timeout; /* seconds a connection may stay idle */
    double rate;         /* requests per second per client (0: no limit) */
    double burst;        /* bucket size */
    int max_connections;
    /* PACT exchange (docs/pact.md): its own HTTPS-only listener */
    char *pact_addr; /* NULL: no PACT listener */
    int pact_port;
    char *pact_tls_cert, *pact_tls_key; /* default: tls_cert, tls_key */
    char *pact_ca_file;                 /* CAs trusted for outgoing PACT calls (default: the system's) */
} http_config;

void http_config_defaults(http_config *c);
void http_config_release(http_config *c);
/* Settings: key = value lines (# comments) from a file; environment
 * variables TANJI_<KEY> (upper case); flags.  Later sources override:
 * defaults < file < environment < flags (the caller applies flags last
 * with http_config_set).  Unknown keys and bad values are errors. */
tj_status http_config_load_file(http_config *c, const char *path, tj_error *err);
tj_status http_config_load_env(http_config *c, tj_error *err);
tj_status http_config_set(http_config *c, const char *key, const char *value, tj_error *err);
/* Every key with its description (docs and --help). */
extern const char *const http_config_keys[][2];

typedef struct http_req {
    struct MHD_Connection *conn;
    const char *method, *path;
    const char *params[4]; /* path parameters in route order */
    size_t nparams;
    const char *body;
    size_t body_len;
    const char *content_type; /* without parameters, lower case; NULL if none */
    const char *client;       /* the client's address */
    const char *token;        /* bearer token, NULL if none */
    store_db *db;             /* this worker's connection */
    svc_ctx ctx;              /* the authenticated principal (who.id NULL: anonymous) */
    int authed;
    const http_config *cfg;
    const svc_ruleset *rules;
    int pact; /* the request came to the PACT listener */
} http_req;

typedef struct http_resp {
    int status;
    const char *content_type; /* static string */
    char *body;               /* malloc'ed */
    size_t len;
    const char *disposition; /* attachment file name (static or owned by attachment_buf) */
    char *attachment_buf;
    int retry_after; /* seconds, 0 = none */
    int cache_public; /* Cache-Control: public, max-age=60 */
    char *link;       /* Link header value (malloc'ed), or NULL */
} http_resp;

typedef void (*http_handler)(http_req *rq, http_resp *rs);

enum {
    HTTP_PUBLIC = 0,      /* no principal needed */
    HTTP_AUTH = 1u << 0,  /* an authenticated principal needed */
    HTTP_UPLOAD = 1u << 1, /* the body may be an upload (max_upload) */
    HTTP_PACT = 1u << 2    /* served on the PACT listener only (and only there) */
};

typedef struct http_route {
    const char *method;
    const char *pattern; /* "/api/v1/models/{id}" */
    http_handler fn;
    unsigned flags;
    const char *summary;
} http_route;

extern const http_route http_routes[];
extern const size_t http_route_count;

/* Match method and path against the routes: the route, with its path
 * parameters pointing into a copy made in buf (size bufsize), or NULL;
 * *path_known = 1 when the path matched some route with another method
 * (405).  Parameters must be 1..200 bytes of [A-Za-z0-9._~@:-], not "."
 * or "..". */
const http_route *http_route_match(const char *method, const char *path, char *buf, size_t bufsize,
                                   const char *params[4], size_t *nparams, int *path_known);

/* Responses. */
void http_json(http_resp *rs, int status, json_t *body); /* steals body */
void http_error(http_resp *rs, int status, const char *code, const char *message, const char *field);
/* From a service error: status by code (input 400, perm 403, not found 404,
 * conflict 409, others 500; internal details are not shown). */
void http_fail(http_resp *rs, const tj_error *err);
void http_bytes(http_resp *rs, int status, const char *content_type, char *data, size_t len); /* steals data */

/* Request helpers. */
const char *http_query(http_req *rq, const char *name);
/* An integer query parameter in [lo, hi], dflt when absent; -1 and an error
 * response when malformed. */
int http_query_int(http_req *rq, http_resp *rs, const char *name, long lo, long hi, long dflt, long *out);
/* The body as a JSON value (object or array as `want_object`): checks the
 * content type, size and depth; on failure fills rs and returns NULL. */
json_t *http_body_json(http_req *rq, http_resp *rs, int want_object);
/* Depth of the deepest nesting in a JSON text (strings skipped); stops
 * counting past limit + 1. */
int http_json_depth(const char *s, size_t n, int limit);
/* Decode a JSON text with the depth limit; NULL with *why set. */
json_t *http_json_decode(const char *s, size_t n, int max_depth, const char **why, char *line_col, size_t lcsize);

/* The OpenAPI document served at /api/v1/openapi.json. */
extern const char tj_openapi_json[];

#endif

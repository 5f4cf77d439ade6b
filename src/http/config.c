/* http configuration: defaults, file, environment, flags; see http.h and
 * docs/server.md. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "tanji/parse.h"

const char *const http_config_keys[][2] = {
    {"listen", "ADDR:PORT to listen on (default 127.0.0.1:8080)"},
    {"db", "database: a SQLite file or postgresql://... (default ./tanji.db)"},
    {"tls_cert", "PEM certificate file: serve HTTPS"},
    {"tls_key", "PEM private key file of tls_cert"},
    {"rules_dir", "directory of accounting rules (default: the shipped ones)"},
    {"access_log", "JSON-lines access log: a file, - for standard output, empty for none (default -)"},
    {"node", "this node's name, for jobs it claims (default: host name and process id)"},
    {"ledger_key", "the ledger's key file (tanji admin init): sign a tree head every head_interval s when the log grew"},
    {"head_interval", "seconds between signed tree heads (default 10)"},
    {"sqlite_sync", "SQLite commits: full (fsync every commit; default) or normal (WAL: survives a killed process, "
                    "may lose the last commits on power loss)"},
    {"sqlite_mmap", "SQLite: bytes of the database file read through a memory map (no read call and no copy per "
                    "page; SQLite caps it at 2 GiB; default 0: off, reads through the kernel's page cache)"},
    {"sqlite_cache", "SQLite: bytes of private page cache per server thread (default 2097152; at least 65536)"},
    {"threads", "HTTP worker threads (default: number of CPUs; twice that lets group commit batch writes)"},
    {"job_workers", "calculation job threads (default 1; 0: this node runs no jobs)"},
    {"max_body", "largest JSON body, bytes (default 1048576)"},
    {"max_upload", "largest upload (sheets, factor files), bytes (default 33554432)"},
    {"max_header", "memory for a connection's request line and headers, bytes (default 32768)"},
    {"max_json_depth", "deepest nesting of a JSON body (default 64)"},
    {"request_timeout", "seconds a connection may stay idle, slow clients included (default 30)"},
    {"rate", "requests per second per client (token, else address); 0: no limit (default 50)"},
    {"burst", "requests a client may send at once above the rate (default 200)"},
    {"max_connections", "simultaneous connections (default 1024)"},
    {"web_root", "directory of the web UI served at / (default: the source tree's web/; empty: no UI)"},
    {"vendor_dir", "node_modules directory of the UI's browser libraries (default: the source tree's node_modules)"},
    {"pact_listen", "ADDR:PORT of the PACT exchange listener (/3, /2, /auth/token; HTTPS only: needs a certificate)"},
    {"pact_tls_cert", "PEM certificate of the PACT listener (default: tls_cert)"},
    {"pact_tls_key", "PEM private key of pact_tls_cert (default: tls_key)"},
    {"pact_ca_file", "CA bundle trusted when tanji calls partners' PACT hosts (default: the system's)"},
    {NULL, NULL},
};

void http_config_defaults(http_config *c)
{
    memset(c, 0, sizeof *c);
    c->listen_addr = strdup("127.0.0.1");
    c->port = 8080;
    c->db_url = strdup("tanji.db");
    c->access_log = strdup("-");
    c->threads = 0;
    c->job_workers = 1;
    c->max_body = 1u << 20;
    c->max_upload = 32u << 20;
    c->max_header = 32u << 10;
    c->max_json_depth = 64;
    c->request_timeout = 30;
    c->rate = 50;
    c->burst = 200;
    c->max_connections = 1024;
    c->head_interval = 10;
    c->sqlite_mmap = 0;
    c->sqlite_cache = 2097152.0;
}

/* The settings that are strings, and where each is kept. */
static const struct {
    const char *key;
    size_t off;
} str_settings[] = {
    {"db", offsetof(http_config, db_url)},
    {"tls_cert", offsetof(http_config, tls_cert)},
    {"tls_key", offsetof(http_config, tls_key)},
    {"rules_dir", offsetof(http_config, rules_dir)},
    {"access_log", offsetof(http_config, access_log)},
    {"node", offsetof(http_config, node)},
    {"sqlite_sync", offsetof(http_config, sqlite_sync)},
    {"ledger_key", offsetof(http_config, ledger_key)},
    {"web_root", offsetof(http_config, web_root)},
    {"vendor_dir", offsetof(http_config, vendor_dir)},
    {"pact_tls_cert", offsetof(http_config, pact_tls_cert)},
    {"pact_tls_key", offsetof(http_config, pact_tls_key)},
    {"pact_ca_file", offsetof(http_config, pact_ca_file)},
};

/* The numeric settings: range, kind and where each is kept. */
enum num_kind { NUM_INT, NUM_SIZE, NUM_DOUBLE };
static const struct {
    const char *key;
    double lo, hi;
    enum num_kind kind;
    size_t off;
} num_settings[] = {
    {"threads", 0, 256, NUM_INT, offsetof(http_config, threads)},
    {"job_workers", 0, 64, NUM_INT, offsetof(http_config, job_workers)},
    {"max_body", 1024, 1 << 30, NUM_SIZE, offsetof(http_config, max_body)},
    {"max_upload", 1024, 1u << 31, NUM_SIZE, offsetof(http_config, max_upload)},
    {"max_header", 4096, 1 << 24, NUM_SIZE, offsetof(http_config, max_header)},
    {"max_json_depth", 2, 1000, NUM_INT, offsetof(http_config, max_json_depth)},
    {"request_timeout", 1, 3600, NUM_INT, offsetof(http_config, request_timeout)},
    {"rate", 0, 1e9, NUM_DOUBLE, offsetof(http_config, rate)},
    {"burst", 1, 1e9, NUM_DOUBLE, offsetof(http_config, burst)},
    {"max_connections", 1, 1e6, NUM_INT, offsetof(http_config, max_connections)},
    {"head_interval", 1, 86400, NUM_INT, offsetof(http_config, head_interval)},
    {"sqlite_mmap", 0, 1e15, NUM_DOUBLE, offsetof(http_config, sqlite_mmap)},
    {"sqlite_cache", 65536, 1e12, NUM_DOUBLE, offsetof(http_config, sqlite_cache)},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

void http_config_release(http_config *c)
{
    for (size_t i = 0; i < N_OF(str_settings); i++)
        free(*(char **)((char *)c + str_settings[i].off));
    free(c->listen_addr);
    free(c->pact_addr);
    memset(c, 0, sizeof *c);
}

static tj_status set_str(char **dst, const char *v, tj_error *err)
{
    char *s = strdup(v);
    if (!s)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    free(*dst);
    *dst = s;
    return TJ_OK;
}

/* A decimal number within [lo, hi] (the strict parser: no hex, no trailing bytes). */
static tj_status set_num(const char *key, const char *v, double lo, double hi, double *out, tj_error *err)
{
    double d;
    if (tj_parse_number(key, v, &d, NULL) || !(d >= lo && d <= hi))
        return tj_error_set(err, TJ_ERR_USAGE, key, "%s must be a number from %g to %g, not \"%.40s\"", key, lo, hi,
                            v);
    *out = d;
    return TJ_OK;
}

/* ADDR:PORT ([::1]:8080 for IPv6) into *addr and *port. */
static tj_status set_addr_port(const char *key, const char *v, const char *example, char **addr, int *port,
                               tj_error *err)
{
    const char *colon = strrchr(v, ':');
    double d = 0;
    tj_status rc;
    if (!colon || colon == v)
        return tj_error_set(err, TJ_ERR_USAGE, key, "%s is ADDR:PORT, e.g. %s", key, example);
    if ((rc = set_num(key, colon + 1, 0, 65535, &d, err)))
        return rc;
    char *a = strndup(v, (size_t)(colon - v));
    if (!a)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    size_t n = strlen(a);
    if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
        memmove(a, a + 1, n - 2);
        a[n - 2] = '\0';
    }
    free(*addr);
    *addr = a;
    *port = (int)d;
    return TJ_OK;
}

tj_status http_config_set(http_config *c, const char *key, const char *v, tj_error *err)
{
    if (!strcmp(key, "listen"))
        return set_addr_port(key, v, "127.0.0.1:8080", &c->listen_addr, &c->port, err);
    if (!strcmp(key, "pact_listen"))
        return set_addr_port(key, v, "0.0.0.0:8443", &c->pact_addr, &c->pact_port, err);
    if (!strcmp(key, "sqlite_sync") && strcmp(v, "full") && strcmp(v, "normal"))
        return tj_error_set(err, TJ_ERR_USAGE, key, "sqlite_sync is full or normal");
    for (size_t i = 0; i < N_OF(str_settings); i++)
        if (!strcmp(key, str_settings[i].key))
            return set_str((char **)((char *)c + str_settings[i].off), v, err);
    for (size_t i = 0; i < N_OF(num_settings); i++) {
        if (strcmp(key, num_settings[i].key))
            continue;
        double d = 0;
        tj_status rc = set_num(key, v, num_settings[i].lo, num_settings[i].hi, &d, err);
        if (rc)
            return rc;
        void *dst = (char *)c + num_settings[i].off;
        switch (num_settings[i].kind) {
        case NUM_INT: *(int *)dst = (int)d; break;
        case NUM_SIZE: *(size_t *)dst = (size_t)d; break;
        case NUM_DOUBLE: *(double *)dst = d; break;
        }
        return TJ_OK;
    }
    return tj_error_set(err, TJ_ERR_USAGE, key, "unknown setting \"%.60s\" (see tanji serve --help)", key);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

tj_status http_config_load_file(http_config *c, const char *path, tj_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return tj_error_set(err, TJ_ERR_IO, NULL, "cannot open the configuration %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    tj_status rc = TJ_OK;
    while (!rc && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > 8192) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, path, lineno, 1, "line too long");
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = tj_error_set_at(err, TJ_ERR_INPUT, path, lineno, 1, "expected key = value");
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = '\0';
            v++;
        }
        if ((rc = http_config_set(c, k, v, err)))
            tj_error_prefix(err, "%s:%ld", path, lineno);
    }
    free(line);
    fclose(f);
    return rc;
}

tj_status http_config_load_env(http_config *c, tj_error *err)
{
    for (size_t i = 0; http_config_keys[i][0]; i++) {
        char name[64] = "TANJI_";
        size_t k = strlen(name);
        for (const char *p = http_config_keys[i][0]; *p && k + 1 < sizeof name; p++)
            name[k++] = (char)toupper((unsigned char)*p);
        name[k] = '\0';
        const char *v = getenv(name);
        tj_status rc;
        if (v && *v && (rc = http_config_set(c, http_config_keys[i][0], v, err))) {
            tj_error_prefix(err, "$%s", name);
            return rc;
        }
    }
    return TJ_OK;
}

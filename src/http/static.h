/*
 * http static files: `tanji serve` answers GET and HEAD of every path that
 * is no API route from the web UI's directory (web_root, default the
 * source tree's web/), and /vendor/NAME from a fixed list of browser
 * libraries in node_modules (vendor_dir).
 *
 * Paths: 1..8 segments of [A-Za-z0-9._-], none starting with '.', at most
 * 512 bytes, no trailing slash (so no traversal and no hidden files); a
 * symbolic link as the last component is refused.  A missing path whose
 * last segment has no served extension is a page of the UI and gets
 * index.html (client-side routes such as /labels/NUMBER, the QR target).
 * Responses carry a content type by extension, an ETag (size, mtime,
 * inode; If-None-Match answers 304), Cache-Control (no-cache for ours,
 * a day for the libraries) and, for HTML, a Content-Security-Policy.
 */
#ifndef HTTP_STATIC_H
#define HTTP_STATIC_H

#include <stddef.h>

#include "http/http.h"

struct MHD_Response;

/* Is url a path the static resolver accepts (see above)? */
int http_static_path_ok(const char *url);

/* Is this a browser opening a label's verification URL (the QR code's
 * target, /api/v1/public/labels/NUMBER, with Accept: text/html first)?
 * Then it gets the UI's label page instead of the JSON document. */
int http_static_browser_page(struct MHD_Connection *c, const char *url);

/* The response for a GET or HEAD of url (status 200 or 304 in *status,
 * file size in *bytes), or NULL when there is no such file (the caller
 * answers 404). */
struct MHD_Response *http_static_response(struct MHD_Connection *c, const http_config *cfg, const char *url,
                                          unsigned *status, size_t *bytes);

#endif

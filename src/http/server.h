/*
 * http server: `tanji serve` on libmicrohttpd (a thread pool of epoll
 * loops, TLS through its GnuTLS support), with per-thread database
 * connections, calculation job workers, limits, rate limits, metrics, an
 * access log and a graceful stop on SIGTERM.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdio.h>

#include "http/http.h"

/* Run until SIGTERM or SIGINT: then stop accepting, finish the requests in
 * flight (up to 30 s) and the jobs running, and return.  *ready (may be
 * NULL) is written to status (stderr) once listening:
 * "tanji: listening on http://ADDR:PORT". */
tj_status http_serve(http_config *cfg, FILE *status, tj_error *err);

/* Wake the job workers (a job was submitted). */
void http_jobs_kick(void);
/* Wake the PACT outbox (an answer was queued). */
void http_jobs_kick_pact(void);

/* /healthz and /metrics. */
void http_h_healthz(http_req *rq, http_resp *rs);
void http_h_metrics(http_req *rq, http_resp *rs);

#endif

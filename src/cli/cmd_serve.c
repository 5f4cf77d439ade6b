/* tanji serve: the platform server (src/http); settings in docs/server.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "http/server.h"

static void serve_usage(FILE *out)
{
    fputs("usage: tanji serve [--listen ADDR:PORT] [--db PATH|postgresql://...] [--tls-cert F --tls-key F]\n"
          "                   [--config FILE] [--set KEY=VALUE]... [--print-routes]\n"
          "                   [--web-root DIR] [--pact-listen ADDR:PORT [--pact-tls-cert F --pact-tls-key F]]\n\n"
          "Runs the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json), /healthz, /metrics and the web UI\n"
          "(at /: open http://127.0.0.1:8080/ in a browser; 浏览器打开 http://127.0.0.1:8080/ 即可使用网页界面) until\n"
          "SIGTERM or SIGINT, then finishes the requests in flight and stops.  The database must be\n"
          "migrated first (tanji migrate).  运行平台服务（JSON API）；收到 SIGTERM 后处理完进行中的请求再退出。\n\n"
          "Settings, later sources winning: defaults < --config FILE (key = value lines) <\n"
          "environment TANJI_<KEY> < flags.  配置优先级：默认值 < 配置文件 < 环境变量 < 命令行参数。\n\n"
          "keys:\n",
          out);
    for (size_t i = 0; http_config_keys[i][0]; i++)
        fprintf(out, "  %-16s %s\n", http_config_keys[i][0], http_config_keys[i][1]);
}

int cmd_serve(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            serve_usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--print-routes")) {
            for (size_t r = 0; r < http_route_count; r++)
                printf("%s %s\n", http_routes[r].method, http_routes[r].pattern);
            return 0;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config = argv[i + 1];
    }
    http_config cfg;
    http_config_defaults(&cfg);
    tj_error err;
    tj_error_clear(&err);
    int rc = 0;
    if (!cfg.listen_addr || !cfg.db_url || !cfg.access_log) {
        fprintf(stderr, "tanji serve: out of memory\n");
        http_config_release(&cfg);
        return EXIT_INTERNAL;
    }
    if ((config && http_config_load_file(&cfg, config, &err)) || http_config_load_env(&cfg, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    static const struct {
        const char *flag, *key;
    } flags[] = {{"--listen", "listen"},     {"--db", "db"},           {"--tls-cert", "tls_cert"},
                 {"--tls-key", "tls_key"},   {"--rules", "rules_dir"}, {"--access-log", "access_log"},
                 {"--threads", "threads"},   {"--node", "node"},       {"--job-workers", "job_workers"},
                 {"--web-root", "web_root"},   {"--pact-listen", "pact_listen"}, {"--pact-tls-cert", "pact_tls_cert"},
                 {"--pact-tls-key", "pact_tls_key"}};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            i++;
            continue;
        }
        int known = 0;
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
            if (!strcmp(argv[i], flags[f].flag)) {
                known = 1;
                if (i + 1 >= argc) {
                    fprintf(stderr, "tanji serve: %s needs a value\n", argv[i]);
                    rc = EXIT_USAGE;
                    goto out;
                }
                if (http_config_set(&cfg, flags[f].key, argv[++i], &err)) {
                    rc = cli_fail(&err);
                    goto out;
                }
            }
        if (!known && !strcmp(argv[i], "--set") && i + 1 < argc) {
            known = 1;
            char *kv = argv[++i], *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "tanji serve: --set needs KEY=VALUE\n");
                rc = EXIT_USAGE;
                goto out;
            }
            *eq = '\0';
            tj_status st = http_config_set(&cfg, kv, eq + 1, &err);
            *eq = '=';
            if (st) {
                rc = cli_fail(&err);
                goto out;
            }
        }
        if (!known) {
            fprintf(stderr, "tanji serve: unknown option \"%s\" (see tanji serve --help)\n", argv[i]);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (!cfg.rules_dir && http_config_set(&cfg, "rules_dir", cli_rules_dir(NULL), &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    if ((!cfg.web_root && http_config_set(&cfg, "web_root", TJ_DEFAULT_WEB_DIR, &err)) ||
        (!cfg.vendor_dir && http_config_set(&cfg, "vendor_dir", TJ_DEFAULT_VENDOR_DIR, &err))) {
        rc = cli_fail(&err);
        goto out;
    }
    if (http_serve(&cfg, stderr, &err))
        rc = cli_fail(&err);
out:
    http_config_release(&cfg);
    return rc;
}

/* tanji footprint: saved footprint records (list, show, export). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "services/footprint.h"

static void usage(FILE *out)
{
    fputs("usage: tanji footprint list [--limit N] [--offset N] [--format text|json]\n"
          "       tanji footprint show ID [--format text|json]\n"
          "       tanji footprint export ID [-o FILE]\n"
          "common options: --db URL (default $TANJI_DB, then ./tanji.db), --as NAME\n\n"
          "Saved footprints (碳足迹记录), made by `tanji calc MODEL --db DB --save`.  A record\n"
          "keeps the result, the model, the digest of its canonical inputs, the factor versions\n"
          "pinned, the rule and check result, owner and time; it never changes.  A\n"
          "recalculation (--save --replaces ID) is a new record naming the one it replaces.\n"
          "list and show give the summary; export writes the whole record as JSON, with the\n"
          "record digest (SHA-256 over its canonical content) anyone can recompute.\n"
          "Commands act as the local operator unless --as (or $TANJI_AS) names a user; a user\n"
          "sees the footprints of its own organisation only.\n",
          out);
}

int cmd_footprint(int argc, char **argv)
{
    const char *db_opt = NULL, *as = NULL, *format = "text", *output = NULL, *sub = NULL, *id = NULL;
    uint64_t limit = 50, offset = 0;
    tj_error err;
    tj_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--db"))
            dst = &db_opt;
        else if (!strcmp(a, "--as"))
            dst = &as;
        else if (!strcmp(a, "--format"))
            dst = &format;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            dst = &output;
        else if (!strcmp(a, "--limit") || !strcmp(a, "--offset")) {
            if (i + 1 >= argc || cli_parse_u64(argv[i + 1], a, 1000000, a[2] == 'l' ? &limit : &offset, &err))
                return i + 1 >= argc ? (fprintf(stderr, "tanji footprint: %s needs a value\n", a), EXIT_USAGE)
                                     : cli_fail(&err);
            i++;
            continue;
        } else if (a[0] == '-') {
            fprintf(stderr, "tanji footprint: unknown option %s (see tanji footprint --help)\n", a);
            return EXIT_USAGE;
        } else if (!sub)
            sub = a;
        else if (!id)
            id = a;
        else {
            fprintf(stderr, "tanji footprint: unexpected argument %s\n", a);
            return EXIT_USAGE;
        }
        if (dst) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tanji footprint: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            *dst = argv[++i];
        }
    }
    int list = sub && !strcmp(sub, "list"), show = sub && !strcmp(sub, "show"),
        export = sub && !strcmp(sub, "export");
    if (!(list || show || export) || (list == !!id) || (strcmp(format, "text") && strcmp(format, "json"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_ctx ctx;
    if (cli_open_ctx(db_opt, as, &db, &ctx, &err))
        return cli_fail(&err);
    json_t *j = NULL;
    tj_status st = list ? svc_footprint_list(&ctx, (int)limit, (int)offset, &j, &err)
                        : svc_footprint_get(&ctx, id, export, &j, &err);
    int rc = 0;
    FILE *out = NULL;
    if (st) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!(out = cli_open_output(output, &err))) {
        rc = cli_fail(&err);
        goto done;
    }
    if (export || !strcmp(format, "json")) {
        if (json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) == 0)
            fputc('\n', out);
    } else if (list) {
        size_t i;
        json_t *f;
        fprintf(out, "%-36s  %-20s  %14s  %-10s  %-13s  %s\n", "id", "created", "total kg CO2e", "per", "check",
                "product");
        json_array_foreach(j, i, f)
        {
            fprintf(out, "%-36s  %-20s  %14.6g  %-10s  %-13s  %s%s\n", json_string_value(json_object_get(f, "id")),
                    json_string_value(json_object_get(f, "created_at")),
                    json_number_value(json_object_get(f, "total")), json_string_value(json_object_get(f, "unit")),
                    json_string_value(json_object_get(f, "check_status")),
                    json_string_value(json_object_get(f, "product")),
                    json_is_string(json_object_get(f, "replaced_by")) ? "  (replaced 已替代)" : "");
        }
    } else {
        static const char *const keys[] = {"id", "product", "unit", "total", "gwp", "owner_org", "created_by",
                                           "created_at", "rule_id", "check_status", "inputs_digest", "replaces",
                                           "replaced_by", "digest", NULL};
        for (const char *const *k = keys; *k; k++) {
            json_t *v = json_object_get(j, *k);
            if (json_is_string(v))
                fprintf(out, "%-14s %s\n", *k, json_string_value(v));
            else if (json_is_number(v))
                fprintf(out, "%-14s %.10g\n", *k, json_number_value(v));
        }
        size_t i;
        json_t *f;
        fprintf(out, "factors pinned (固定的因子版本):\n");
        json_array_foreach(json_object_get(j, "factors"), i, f)
        {
            const char *v = json_string_value(json_object_get(f, "version"));
            fprintf(out, "  %s%s%s (%s)\n", json_string_value(json_object_get(f, "id")), v ? "@" : "", v ? v : "",
                    json_string_value(json_object_get(f, "origin")));
        }
    }
    if (cli_commit_output(out, &err))
        rc = cli_fail(&err);
    out = NULL;
done:
    cli_close_output(out);
    json_decref(j);
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

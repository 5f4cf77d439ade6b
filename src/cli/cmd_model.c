/* tanji model from-csv: enterprise spreadsheets (CSV) -> model JSON. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "services/activity.h"
#include "store/store.h"

static void model_usage(FILE *out)
{
    fputs("usage: tanji model from-csv --product NAME [--product-en NAME] --unit UNIT\n"
          "           [--amount X] [--boundary cradle-to-gate|cradle-to-grave]\n"
          "           [--bom FILE] [--energy FILE] [--transport FILE] [--waste FILE]\n"
          "           [--factors FILE] [--db URL] [--region CODE] [--year YYYY]\n"
          "           [--geography ISO3166-2] [--category ID] [--encoding utf-8|gb18030]\n"
          "           [--strict] [-o MODEL.json]\n\n"
          "Turn the spreadsheets an enterprise keeps (saved as CSV, UTF-8 or GB18030) into a\n"
          "tanji model: bill of materials, energy use, transport legs and waste.  Each line is\n"
          "matched to a factor by the id in its factor column, or by its name as a resolution\n"
          "query: first in --factors (a CSV factor table), then in the factor database (--db).\n"
          "Lines that match nothing are listed and kept as {\"query\": ...} references.\n"
          "将企业的物料清单、能源消耗、运输和废弃物台账（CSV，UTF-8 或 GB18030）转换为模型，\n"
          "并将每一行匹配到排放因子；列出未能匹配的行。Columns: docs/activity-csv.md.\n\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input (or unmatched lines with --strict), 3 I/O.\n",
          out);
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        model_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "from-csv")) {
        fprintf(stderr, "tanji model: unknown subcommand \"%s\" (from-csv)\n", argv[1]);
        return EXIT_USAGE;
    }
    svc_activity_options o;
    memset(&o, 0, sizeof o);
    const char *amount = NULL, *year = NULL, *dburl = NULL, *outpath = NULL;
    int strict = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            model_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--strict")) {
            strict = 1;
            continue;
        }
        static const struct {
            const char *opt;
            size_t off;
        } opts[] = {
            {"--product", offsetof(svc_activity_options, product_zh)},
            {"--product-en", offsetof(svc_activity_options, product_en)},
            {"--unit", offsetof(svc_activity_options, unit)},
            {"--boundary", offsetof(svc_activity_options, boundary)},
            {"--geography", offsetof(svc_activity_options, geography)},
            {"--region", offsetof(svc_activity_options, region)},
            {"--category", offsetof(svc_activity_options, category)},
            {"--bom", offsetof(svc_activity_options, sheets[SVC_SHEET_BOM])},
            {"--energy", offsetof(svc_activity_options, sheets[SVC_SHEET_ENERGY])},
            {"--transport", offsetof(svc_activity_options, sheets[SVC_SHEET_TRANSPORT])},
            {"--waste", offsetof(svc_activity_options, sheets[SVC_SHEET_WASTE])},
            {"--factors", offsetof(svc_activity_options, factors_csv)},
            {"--encoding", offsetof(svc_activity_options, encoding)},
        };
        for (size_t k = 0; k < sizeof opts / sizeof *opts; k++)
            if (!strcmp(a, opts[k].opt))
                dst = (const char **)((char *)&o + opts[k].off);
        if (!dst) {
            if (!strcmp(a, "--amount"))
                dst = &amount;
            else if (!strcmp(a, "--year"))
                dst = &year;
            else if (!strcmp(a, "--db"))
                dst = &dburl;
            else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
                dst = &outpath;
            else {
                fprintf(stderr, "tanji model from-csv: unknown option %s\n", a);
                return EXIT_USAGE;
            }
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "tanji model from-csv: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        *dst = argv[++i];
    }
    tj_error err;
    tj_error_clear(&err);
    o.amount = 1;
    if (amount && cli_parse_double(amount, "--amount", &o.amount, &err))
        return cli_fail(&err);
    if (year) {
        uint64_t y;
        if (cli_parse_u64(year, "--year", 9999, &y, &err))
            return cli_fail(&err);
        o.year = (int)y;
    }
    if (!o.product_zh && !o.product_en) {
        fprintf(stderr, "tanji model from-csv: --product is required\n");
        return EXIT_USAGE;
    }
    if (!o.unit) {
        fprintf(stderr, "tanji model from-csv: --unit (the declared unit) is required\n");
        return EXIT_USAGE;
    }
    if (o.boundary && strcmp(o.boundary, "cradle-to-gate") && strcmp(o.boundary, "cradle-to-grave")) {
        fprintf(stderr, "tanji model from-csv: --boundary must be cradle-to-gate or cradle-to-grave\n");
        return EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_activity_result res;
    memset(&res, 0, sizeof res);
    int rc = 0;
    if (dburl && store_open(dburl, &db, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    o.db = db;
    if (svc_activity_to_model(&o, &res, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    fprintf(stderr,
            "tanji model from-csv: %zu lines, %zu matched by factor id, %zu by query, %zu unmatched\n",
            res.lines, res.by_id, res.by_query, res.n_unmatched);
    for (size_t i = 0; i < res.n_unmatched; i++)
        fprintf(stderr, "  %s:%ld: %s: %s\n", res.unmatched[i].file, res.unmatched[i].line,
                res.unmatched[i].name, res.unmatched[i].reason);
    if (strict && res.n_unmatched) {
        fprintf(
            stderr,
            "tanji model from-csv: %zu lines could not be matched to a factor (--strict): no model written\n",
            res.n_unmatched);
        rc = EXIT_INPUT;
        goto out;
    }
    FILE *f = outpath ? fopen(outpath, "w") : stdout;
    if (!f) {
        fprintf(stderr, "tanji model from-csv: cannot create %s\n", outpath);
        rc = EXIT_INTERNAL;
        goto out;
    }
    int bad = json_dumpf(res.model, f, JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF;
    if (outpath)
        bad |= fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "tanji model from-csv: writing the model failed\n");
        rc = EXIT_INTERNAL;
    }
out:
    svc_activity_result_release(&res);
    if (db)
        store_close(db);
    return rc;
}

/* tanji model from-sheets (alias from-csv): enterprise spreadsheets (.xlsx or CSV) -> model JSON. */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "services/activity.h"
#include "store/store.h"

static void model_usage(FILE *out)
{
    fputs("usage: tanji model from-sheets --product NAME [--product-en NAME] --unit UNIT\n"
          "           [--amount X] [--boundary cradle-to-gate|cradle-to-grave]\n"
          "           [--workbook BOOK.xlsx] [--sheet KIND=NAME]...\n"
          "           [--bom FILE] [--energy FILE] [--transport FILE] [--waste FILE]\n"
          "           [--factors FILE] [--db URL] [--region CODE] [--year YYYY]\n"
          "           [--geography ISO3166-2] [--category ID] [--encoding utf-8|gb18030]\n"
          "           [--strict] [-o MODEL.json]\n"
          "       (tanji model from-csv is the same command)\n\n"
          "Turn the ledgers an enterprise keeps (an Excel .xlsx workbook, or sheets saved as\n"
          "CSV, UTF-8 or GB18030) into a tanji model: bill of materials, energy use, transport\n"
          "legs and waste.  A workbook holds one sheet per kind, found by its name: bom\n"
          "(物料清单), energy (能源消耗), transport (运输), waste (废弃物) and optionally factors\n"
          "(因子); --sheet energy=能源台账 names another.  --bom etc. take a CSV file or a\n"
          "workbook (its sheet of that kind, or its only sheet) and override the workbook.\n"
          "Each line is matched to a factor by the id in its factor column, or by its name as a\n"
          "resolution query: first in the factor table (--factors or the factors sheet), then\n"
          "in the factor database (--db).  Lines that match nothing are listed (bom!A5 or\n"
          "bom.csv:5) and kept as {\"query\": ...} references.\n"
          "将企业台账（Excel .xlsx 工作簿，或另存为 CSV 的表格，UTF-8 或 GB18030）转换为模型：\n"
          "工作簿中每类台账一个工作表，按名称识别：物料清单 (bom)、能源消耗 (energy)、运输\n"
          "(transport)、废弃物 (waste)、因子 (factors)；其他名称可用 --sheet 指定。每一行匹配到\n"
          "排放因子；错误和未匹配的行以单元格 (如 bom!C12) 或文件行号标出。\n"
          "Columns: docs/activity-csv.md.\n\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input (or unmatched lines with --strict), 3 I/O.\n",
          out);
}

static int set_sheet_name(svc_activity_options *o, const char *spec)
{
    static const char *const kinds[SVC_SHEET_COUNT] = {"bom", "energy", "transport", "waste"};
    const char *eq = strchr(spec, '=');
    if (eq && eq[1])
        for (int k = 0; k < SVC_SHEET_COUNT; k++)
            if (strlen(kinds[k]) == (size_t)(eq - spec) && !strncmp(spec, kinds[k], (size_t)(eq - spec))) {
                o->sheet_names[k] = eq + 1;
                return 0;
            }
    fprintf(stderr,
            "tanji model: --sheet needs KIND=NAME with KIND bom, energy, transport or waste, not \"%s\"\n",
            spec);
    return -1;
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        model_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "from-sheets") && strcmp(argv[1], "from-csv")) {
        fprintf(stderr, "tanji model: unknown subcommand \"%s\" (from-sheets, or its alias from-csv)\n",
                argv[1]);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
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
        } else if (!strcmp(a, "--sheet")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tanji model %s: --sheet needs a value\n", cmd);
                return EXIT_USAGE;
            }
            if (set_sheet_name(&o, argv[++i]))
                return EXIT_USAGE;
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
            {"--workbook", offsetof(svc_activity_options, workbook)},
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
                fprintf(stderr, "tanji model %s: unknown option %s\n", cmd, a);
                return EXIT_USAGE;
            }
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "tanji model %s: %s needs a value\n", cmd, a);
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
        fprintf(stderr, "tanji model %s: --product is required\n", cmd);
        return EXIT_USAGE;
    }
    if (!o.unit) {
        fprintf(stderr, "tanji model %s: --unit (the declared unit) is required\n", cmd);
        return EXIT_USAGE;
    }
    if (o.boundary && strcmp(o.boundary, "cradle-to-gate") && strcmp(o.boundary, "cradle-to-grave")) {
        fprintf(stderr, "tanji model %s: --boundary must be cradle-to-gate or cradle-to-grave\n", cmd);
        return EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_ctx ctx = {0};
    svc_activity_result res;
    memset(&res, 0, sizeof res);
    int rc = 0;
    if (dburl && cli_open_ctx(dburl, NULL, &db, &ctx, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    if (svc_activity_to_model(db ? &ctx : NULL, &o, &res, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    fprintf(stderr, "tanji model %s: %zu lines, %zu matched by factor id, %zu by query, %zu unmatched\n", cmd,
            res.lines, res.by_id, res.by_query, res.n_unmatched);
    if (res.n_sheets_ignored) {
        fprintf(stderr, "  sheets not read (未读取的工作表; names not recognised, see --sheet):");
        for (size_t i = 0; i < res.n_sheets_ignored; i++)
            fprintf(stderr, "%s %s", i ? "," : "", res.sheets_ignored[i]);
        fputc('\n', stderr);
    }
    for (size_t i = 0; i < res.n_unmatched; i++) {
        const svc_unmatched *u = &res.unmatched[i];
        if (u->cell)
            fprintf(stderr, "  %s: %s: %s: %s\n", u->file, u->cell, u->name, u->reason);
        else
            fprintf(stderr, "  %s:%ld: %s: %s\n", u->file, u->line, u->name, u->reason);
    }
    if (strict && res.n_unmatched) {
        fprintf(stderr,
                "tanji model %s: %zu lines could not be matched to a factor (--strict): no model written\n",
                cmd, res.n_unmatched);
        rc = EXIT_INPUT;
        goto out;
    }
    {
        /* written under a temporary name, renamed when complete */
        tj_error oerr;
        tj_error_clear(&oerr);
        FILE *f = cli_open_output(outpath, &oerr);
        tj_status ost = f ? TJ_OK : oerr.code;
        if (f && (json_dumpf(res.model, f, JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF))
            ost = tj_error_set_at(&oerr, TJ_ERR_IO, outpath ? outpath : "standard output", 0, 0,
                                  "writing the model failed");
        if (f && !ost)
            ost = cli_commit_output(f, &oerr);
        else if (f)
            cli_close_output(f);
        if (ost)
            rc = cli_fail(&oerr);
    }
out:
    svc_activity_result_release(&res);
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

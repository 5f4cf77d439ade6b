/* tanji report: a footprint report (GB/T 24067 / ISO 14067) as HTML, PDF or JSON. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/model.h"
#include "io/report.h"

static void report_usage(FILE *out)
{
    fputs("usage: tanji report FOOTPRINT.json [--format html|pdf|json] [--lang zh|en]\n"
          "                    [--check CHECK.json] [-o FILE]\n\n"
          "Write the carbon footprint report of a result of `tanji calc --format json`:\n"
          "goal and scope, declared unit, system boundary, data quality, allocation, cut-offs,\n"
          "results by stage, gas and channel, hotspots (Pareto), uncertainty, rule conformance\n"
          "(from `tanji check --format json`, with --check), factor versions and digests.\n"
          "生成产品碳足迹报告（GB/T 24067 / ISO 14067）：HTML（自包含）、PDF 或 JSON。\n\n"
          "  --format   html (default), pdf (needs -o) or json\n"
          "  --lang     zh (default) or en\n"
          "  -o FILE    output file (default standard output)\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input, 3 I/O error.\n",
          out);
}

/* Footprint and check files: JSON of at most 256 MiB. */
#define REPORT_INPUT_MAX ((size_t)256 << 20)

int cmd_report(int argc, char **argv)
{
    const char *in = NULL, *format = "html", *lang = "zh", *outpath = NULL, *checkpath = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            report_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--format"))
            dst = &format;
        else if (!strcmp(a, "--lang"))
            dst = &lang;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            dst = &outpath;
        else if (!strcmp(a, "--check"))
            dst = &checkpath;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tanji report: unknown option %s\n", a);
            return EXIT_USAGE;
        } else if (!in)
            in = a;
        else {
            fprintf(stderr, "tanji report: unexpected argument %s\n", a);
            return EXIT_USAGE;
        }
        if (dst) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tanji report: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            *dst = argv[++i];
        }
    }
    if (!in) {
        report_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(format, "html") && strcmp(format, "pdf") && strcmp(format, "json")) {
        fprintf(stderr, "tanji report: --format must be html, pdf or json\n");
        return EXIT_USAGE;
    }
    if (strcmp(lang, "zh") && strcmp(lang, "en")) {
        fprintf(stderr, "tanji report: --lang must be zh or en\n");
        return EXIT_USAGE;
    }
    if (!strcmp(format, "pdf") && !outpath) {
        fprintf(stderr, "tanji report: a PDF report needs -o FILE\n");
        return EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "tanji report: libsodium failed to initialise\n");
        return EXIT_INTERNAL;
    }
    tj_error err;
    tj_error_clear(&err);
    json_t *fp = NULL, *check = NULL;
    io_report *rep = NULL;
    int rc = 0;
    char sha[65];
    tj_status st = io_load_json_file(in, REPORT_INPUT_MAX, &fp, sha, &err);
    if (!st && checkpath)
        st = io_load_json_file(checkpath, REPORT_INPUT_MAX, &check, NULL, &err);
    if (!st) {
        st = io_report_build(fp, check, !strcmp(lang, "zh"), sha, &rep, &err);
        if (st && !err.file[0])
            snprintf(err.file, sizeof err.file, "%s", in);
    }
    if (st) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!strcmp(format, "pdf")) {
        if ((st = io_report_write_pdf(rep, outpath, &err)))
            rc = cli_fail(&err);
        goto out;
    }
    FILE *f = cli_open_output(outpath, &err);
    if (!f) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!strcmp(format, "html"))
        st = io_report_write_html(rep, f, &err);
    else {
        json_t *j = io_report_to_json(rep);
        if (!j)
            st = tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
        else {
            if (json_dumpf(j, f, JSON_INDENT(2)) || fputc('\n', f) == EOF)
                st = tj_error_set(&err, TJ_ERR_IO, NULL, "writing the report failed");
            json_decref(j);
        }
    }
    if (!st)
        st = cli_commit_output(f, &err);
    else
        cli_close_output(f);
    if (st)
        rc = cli_fail(&err);
out:
    io_report_free(rep);
    json_decref(fp);
    json_decref(check);
    return rc;
}

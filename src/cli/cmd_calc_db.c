/*
 * tanji calc --db: footprints of products in an imported inventory database
 * (openLCA JSON-LD via `tanji import olca`).  One process (--process) or every
 * process's reference product (--all, the way a factor table is generated).
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calc/lca.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/olca.h"
#include "io/result_json.h"
#include "io/table_write.h"
#include "services/inventory.h"
#include "store/store.h"

static void calc_db_usage(FILE *out)
{
    fputs("usage: tanji calc --db FILE --process UUID [--amount X] [--gwp AR6|AR5]\n"
          "                  [--allocation default|none|physical|economic|causal]\n"
          "                  [--format json|text] [--output FILE] [--solver auto|klu|iterative]\n"
          "                  [--path-cutoff X] [--mc N [--seed S]]\n"
          "       tanji calc --db FILE --all [--gwp AR6|AR5] [--allocation ...]\n"
          "                  [--format csv|xlsx|json] [--output FILE] [--quiet]\n\n"
          "Cradle-to-gate carbon footprint of a process's reference product in a database\n"
          "imported with `tanji import olca`; --all computes every product (one row each),\n"
          "which is how a factor table is generated from an inventory database.\n"
          "计算已导入的生命周期清单数据库中某一过程（或全部过程）参考产品的从摇篮到大门碳足迹。\n\n"
          "  --process UUID  the process (its quantitative reference); a column of a process\n"
          "                  split by allocation is PROCESS_UUID/FLOW_UUID\n"
          "  --amount X      amount of the reference product in the reference unit of its\n"
          "                  reference flow property (default 1; the result names the unit)\n"
          "  --gwp SET       AR6 (default) or AR5 GWP100\n"
          "  --allocation M  default (each process's own method; none when it has none),\n"
          "                  none (whole burden to the quantitative reference), physical,\n"
          "                  economic or causal\n"
          "  --format F      --process: json or text (default text); --all: csv (default), xlsx\n"
          "                  (an Excel workbook, needs -o FILE.xlsx) or json\n"
          "  -o, --output F  write there instead of stdout\n"
          "  --mc N          Monte Carlo with N iterations over the imported uncertainty\n"
          "                  distributions (--seed S, default 1: same seed, same result)\n"
          "  --quiet         no progress bar or summary on stderr\n\n"
          "Options may also be written --opt=VALUE.  Semantics (linking, allocation,\n"
          "characterisation, cut-offs): docs/olca-import.md\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input / unknown process, 3 I/O or database error.\n",
          out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One row of --all into the JSON array or the table, and the progress bar. */
typedef struct all_out {
    json_t *rows;
    io_table *tab;
    int bar;
} all_out;

static int all_row(void *ud, const svc_inventory *inv, int j, const calc_result *r, const char *error)
{
    all_out *o = ud;
    int stop = 0;
    if (o->rows)
        json_array_append_new(o->rows, svc_product_row_json(inv, j, r, error));
    else
        stop = svc_product_table_row(o->tab, inv, j, r, error) != TJ_OK; /* reported at close */
    int n = inv->sys->n;
    if (o->bar && (j % 16 == 0 || j + 1 == n)) {
        int w = 40, done = (int)((long)w * (j + 1) / n);
        fprintf(stderr, "\r  [%.*s%*s] %d/%d", done, "########################################", w - done, "", j + 1,
                n);
        if (j + 1 == n)
            fputc('\n', stderr);
    }
    return stop;
}

int cli_calc_db(int argc, char **argv)
{
    const char *dburl = NULL, *process = NULL, *format = NULL, *output = NULL, *gwp = "AR6",
               *alloc = "default";
    double amount = 1.0;
    int all = 0, quiet = 0;
    tj_error err;
    tj_error_clear(&err);
    const char *solver = "auto", *path_cutoff = NULL;
    uint64_t mc = 0, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            calc_db_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--all")) {
            all = 1;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        /* options with a value: "--opt VALUE" or "--opt=VALUE" */
        static const char *const names[] = {"--db",     "--process", "--amount", "--gwp",    "--allocation",
                                            "--format", "--output",  "-o",       "--solver", "--path-cutoff",
                                            "--mc",     "--seed",    NULL};
        const char *val = NULL;
        int k;
        for (k = 0; names[k]; k++) {
            size_t n = strlen(names[k]);
            if (!strncmp(a, names[k], n) && a[n] == '=') {
                val = a + n + 1;
                break;
            }
            if (!strcmp(a, names[k])) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "tanji calc: %s needs a value\n", a);
                    return EXIT_USAGE;
                }
                val = argv[++i];
                break;
            }
        }
        if (!names[k]) {
            fprintf(stderr,
                    "tanji calc: unknown option %s with --db (see tanji calc --db X --process Y --help)\n",
                    a);
            return EXIT_USAGE;
        }
        const char *nm = names[k];
        if (!strcmp(nm, "--db"))
            dburl = val;
        else if (!strcmp(nm, "--process"))
            process = val;
        else if (!strcmp(nm, "--amount")) {
            if (cli_parse_double(val, "--amount", &amount, &err) != TJ_OK)
                return cli_fail(&err);
        } else if (!strcmp(nm, "--gwp"))
            gwp = val;
        else if (!strcmp(nm, "--allocation"))
            alloc = val;
        else if (!strcmp(nm, "--format"))
            format = val;
        else if (!strcmp(nm, "--output") || !strcmp(nm, "-o"))
            output = val;
        else if (!strcmp(nm, "--solver"))
            solver = val;
        else if (!strcmp(nm, "--path-cutoff"))
            path_cutoff = val;
        else if (!strcmp(nm, "--mc")) {
            if (cli_parse_u64(val, "--mc", 10000000, &mc, &err) != TJ_OK)
                return cli_fail(&err);
        } else if (!strcmp(nm, "--seed")) {
            if (cli_parse_u64(val, "--seed", UINT64_MAX, &seed, &err) != TJ_OK)
                return cli_fail(&err);
        }
    }
    if (!dburl || (!process && !all) || (process && all)) {
        fprintf(stderr, "tanji calc: --db needs exactly one of --process UUID or --all\n");
        calc_db_usage(stderr);
        return EXIT_USAGE;
    }
    if (mc > 0 && all) {
        fprintf(stderr, "tanji calc: --mc works with --process, not with --all\n");
        return EXIT_USAGE;
    }
    if (!format)
        format = all ? "csv" : "text";
    if ((all && strcmp(format, "csv") && strcmp(format, "xlsx") && strcmp(format, "json")) ||
        (!all && strcmp(format, "text") && strcmp(format, "json"))) {
        fprintf(stderr, "tanji calc: --format must be %s\n", all ? "csv, xlsx or json" : "text or json");
        return EXIT_USAGE;
    }
    if (all && !strcmp(format, "xlsx") && (!output || !strcmp(output, "-"))) {
        fprintf(stderr, "tanji calc: --format xlsx needs an output file (-o FILE.xlsx)\n");
        return EXIT_USAGE;
    }
    olca_build_options opt;
    olca_build_options_init(&opt);
    if (tj_gwp_set_parse(gwp, &opt.gwp, &err) != TJ_OK) {
        err.code = TJ_ERR_USAGE;
        return cli_fail(&err);
    }
    int m = olca_alloc_parse(alloc);
    if (m < 0) {
        fprintf(stderr, "tanji calc: --allocation must be none, physical, economic, causal or default\n");
        return EXIT_USAGE;
    }
    opt.allocation = (olca_alloc_method)m;

    int rc = 0;
    store_db *db = NULL;
    svc_ctx sctx = {0};
    svc_inventory inv = {0};
    calc_result *res = NULL;
    FILE *out = NULL;
    all_out ao = {0};
    calc_options copt;
    calc_options_init(&copt);
    if (!strcmp(solver, "klu"))
        copt.solver = CALC_SOLVER_KLU;
    else if (!strcmp(solver, "iterative"))
        copt.solver = CALC_SOLVER_ITERATIVE;
    else if (strcmp(solver, "auto")) {
        fprintf(stderr, "tanji calc: --solver must be auto, klu or iterative, not \"%s\"\n", solver);
        return EXIT_USAGE;
    }
    if (path_cutoff) {
        if (cli_parse_double(path_cutoff, "--path-cutoff", &copt.path_cutoff, &err) != TJ_OK)
            return cli_fail(&err);
        if (copt.path_cutoff < 0 || copt.path_cutoff > 1) {
            fprintf(stderr, "tanji calc: --path-cutoff must be between 0 and 1\n");
            return EXIT_USAGE;
        }
    }
    double t0 = now_s();

    tj_status st = cli_open_ctx(dburl, NULL, &db, &sctx, &err);
    if (st == TJ_OK)
        st = svc_inventory_open(&sctx, &opt, &copt, &inv, &err);
    if (st != TJ_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    double t1 = now_s();

    if (!all) {
        if ((st = svc_inventory_product(&inv, process, amount, (int)mc, seed, &res, &err)) != TJ_OK ||
            !(out = cli_open_output(output, &err))) {
            rc = cli_fail(&err);
            goto out;
        }
        if (!strcmp(format, "json")) {
            json_t *j = svc_inventory_product_json(&inv, res);
            if (!j || json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0)
                st = tj_error_set(&err, j ? TJ_ERR_IO : TJ_ERR_NOMEM, output, j ? "cannot write" : "out of memory");
            fputc('\n', out);
            json_decref(j);
        } else {
            io_result_print_text(out, inv.sys, res, opt.gwp);
            svc_inventory_info_text(out, &inv);
        }
        if (!st) {
            st = cli_commit_output(out, &err);
            out = NULL;
        }
        if (st)
            rc = cli_fail(&err);
        goto out;
    }

    /* --all: one row per product, totals and channels; CSV and xlsx through
     * the table writer (checked, written to a temporary file and renamed) */
    ao.bar = !quiet && isatty(2);
    int failed = 0;
    if (!strcmp(format, "json")) {
        if (!(out = cli_open_output(output, &err))) {
            rc = cli_fail(&err);
            goto out;
        }
        ao.rows = json_array();
    } else if (io_table_open(output, strcmp(format, "xlsx") ? IO_TABLE_CSV : IO_TABLE_XLSX, "products", &ao.tab,
                             &err) ||
               svc_product_table_header(ao.tab)) {
        rc = cli_fail(&err);
        goto out;
    }
    svc_inventory_all(&inv, all_row, &ao, &failed, &err);
    if (ao.rows) {
        json_t *j = json_pack("{s:o, s:O}", "database", svc_inventory_info_json(&inv), "products", ao.rows);
        int bad = !j || json_dumpf(j, out, JSON_INDENT(1) | JSON_REAL_PRECISION(10)) != 0;
        fputc('\n', out);
        json_decref(j);
        if (bad)
            tj_error_set_at(&err, TJ_ERR_IO, output ? output : "standard output", 0, 0, "cannot write the table");
        else if (cli_commit_output(out, &err) == TJ_OK)
            out = NULL;
        else
            bad = 1;
        if (bad) {
            rc = cli_fail(&err);
            goto out;
        }
    } else {
        io_table *t = ao.tab;
        ao.tab = NULL;
        if (io_table_close(t, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    if (!quiet) {
        const olca_build_info *info = &inv.info;
        fprintf(stderr, "%d products (%d failed): load+build %.3f s, calculate %.3f s\n", inv.sys->n, failed,
                t1 - t0, now_s() - t1);
        fprintf(stderr,
                "links %d (%d among several providers), cut-off exchanges %d, co-products ignored "
                "%d, processes split %d, GHG-like flows without a factor %d%s\n",
                info->linked, info->ambiguous, info->cutoffs, info->ignored_coproducts, info->processes_split,
                info->ghg_unmapped, info->ghg_unmapped && ao.rows == NULL ? " (listed with --format json)" : "");
    }
    if (failed)
        rc = EXIT_INPUT;
out:
    io_table_abort(ao.tab);
    json_decref(ao.rows);
    cli_close_output(out);
    calc_result_free(res);
    svc_inventory_release(&inv);
    svc_ctx_release(&sctx);
    store_close(db);
    return rc;
}

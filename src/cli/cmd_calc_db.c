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
#include "services/olca_store.h"
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

static json_t *info_json(const olca_build_info *info, const olca_build_options *opt)
{
    json_t *un = json_array(), *notes = json_array();
    for (int i = 0; i < info->ghg_unmapped; i++)
        json_array_append_new(un, json_string(info->unmapped[i]));
    for (int i = 0; i < info->notes.nmsg; i++)
        json_array_append_new(notes, json_string(info->notes.msg[i]));
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:i}",
                     "allocation", olca_alloc_key(opt->allocation), "gwp", tj_gwp_set_name(opt->gwp),
                     "columns", info->columns, "processes_split", info->processes_split, "linked",
                     info->linked, "linked_default_provider", info->linked_default, "linked_among_several",
                     info->ambiguous, "cutoff_exchanges", info->cutoffs, "coproducts_ignored",
                     info->ignored_coproducts, "allocation_factors_missing", info->alloc_missing,
                     "ghg_flows_mapped", info->ghg_mapped, "processes_left_out", info->bad_qref,
                     "ghg_like_unmapped", un, "notes", notes, "notes_not_shown", info->notes.dropped_msg);
}

/* JSON result keys of a channel, as in io/result_json.h. */
static const char *const channel_json_key[CALC_CH_COUNT] = {"fossil", "biogenic_emissions",
                                                            "biogenic_removals", "dluc", "aircraft"};

static void print_db_summary(FILE *out, const olca_build_info *info)
{
    fprintf(out,
            "database: %d products, %d links (%d among several providers), %d cut-off exchanges, %d "
            "co-products ignored, %d processes split by allocation, %d GHG-like flows without a "
            "factor\n",
            info->columns, info->linked, info->ambiguous, info->cutoffs, info->ignored_coproducts,
            info->processes_split, info->ghg_unmapped);
    for (int i = 0; i < info->ghg_unmapped && i < 10; i++)
        fprintf(out, "  no factor: %s\n", info->unmapped[i]);
    if (info->ghg_unmapped > 10)
        fprintf(out, "  ... %d more (see --format json)\n", info->ghg_unmapped - 10);
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
    olca_db *o = NULL;
    calc_system *sys = NULL;
    calc_context *ctx = NULL;
    calc_result *res = NULL;
    FILE *out = NULL;
    io_table *tab = NULL;
    olca_build_info info;
    memset(&info, 0, sizeof info);
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

    tj_status st = store_open(dburl, &db, &err);
    if (st == TJ_OK)
        st = svc_olca_load(db, &o, &err);
    if (st == TJ_OK && o->nprocs == 0)
        st = tj_error_set(&err, TJ_ERR_NOTFOUND, "--db",
                          "%s holds no openLCA processes; import some with `tanji import olca`", dburl);
    if (st == TJ_OK)
        st = olca_build_system(o, &opt, &sys, &info, &err);
    if (st == TJ_OK)
        st = calc_context_new(sys, &copt, &ctx, &err);
    if (st != TJ_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    double t1 = now_s();

    if (!all) {
        int col = calc_system_find_process(sys, process);
        if (col < 0) {
            int pi = olca_db_find_process(o, process);
            tj_error_set(&err, TJ_ERR_NOTFOUND, "--process",
                         pi >= 0 ? "process %s (%s) has no usable quantitative reference and was "
                                   "left out (see docs/olca-import.md)"
                                 : "no process %s in %s",
                         process, pi >= 0 ? o->procs[pi].name : dburl);
            rc = cli_fail(&err);
            goto out;
        }
        if ((st = calc_context_footprint(ctx, col, amount, CALC_DETAIL_ALL, &res, &err)) != TJ_OK ||
            (mc > 0 && (st = calc_context_monte_carlo(ctx, res, (int)mc, seed, &err)) != TJ_OK)) {
            rc = cli_fail(&err);
            goto out;
        }
        if (!(out = cli_open_output(output, &err))) {
            rc = cli_fail(&err);
            goto out;
        }
        if (!strcmp(format, "json")) {
            json_t *j = io_result_to_json(sys, res, opt.gwp);
            if (!j) {
                tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
                rc = cli_fail(&err);
                goto out;
            }
            json_object_set_new(j, "database", info_json(&info, &opt));
            json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
            fputc('\n', out);
            json_decref(j);
        } else {
            io_result_print_text(out, sys, res, opt.gwp);
            print_db_summary(out, &info);
        }
        goto out;
    }

    /* --all: one row per product, totals and channels; CSV and xlsx through
     * the table writer (checked, written to a temporary file and renamed) */
    int bar = !quiet && isatty(2);
    int failed = 0;
    json_t *rows = NULL;
    if (!strcmp(format, "json")) {
        if (!(out = cli_open_output(output, &err))) {
            rc = cli_fail(&err);
            goto out;
        }
        rows = json_array();
    } else {
        if (io_table_open(output, strcmp(format, "xlsx") ? IO_TABLE_CSV : IO_TABLE_XLSX, "products", &tab,
                          &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        static const char *const head[] = {"process_id", "process_name", "product",
                                           "amount",     "unit",         "total_kg_co2e"};
        for (size_t h = 0; h < sizeof head / sizeof *head; h++)
            io_table_text(tab, head[h]);
        for (int c = 0; c < CALC_CH_COUNT; c++) {
            char col[64];
            snprintf(col, sizeof col, "%s_kg_co2e", calc_channel_key((calc_channel)c));
            io_table_text(tab, col);
        }
        static const char *const tail[] = {"cutoff_share", "cutoffs", "gwp", "allocation", "status"};
        for (size_t h = 0; h < sizeof tail / sizeof *tail; h++)
            io_table_text(tab, tail[h]);
        io_table_end_row(tab);
    }
    for (int j = 0; j < sys->n; j++) {
        const calc_process *p = &sys->proc[j];
        tj_error e2;
        tj_error_clear(&e2);
        calc_result *r = NULL;
        tj_status fs = calc_context_footprint(ctx, j, 1.0, CALC_DETAIL_TOTALS, &r, &e2);
        if (fs != TJ_OK)
            failed++;
        if (rows) {
            json_t *row = json_pack("{s:s, s:s, s:s, s:f, s:s}", "id", p->id, "name", p->name, "product",
                                    p->product, "amount", 1.0, "unit", p->unit);
            if (fs == TJ_OK) {
                json_object_set_new(row, "total", json_real(r->total));
                for (int c = 0; c < CALC_CH_COUNT; c++)
                    json_object_set_new(row, channel_json_key[c], json_real(r->channel[c]));
                json_object_set_new(row, "cutoff_share", json_real(r->cutoff_share));
                json_object_set_new(row, "cutoffs", json_integer(r->ncut));
            } else {
                json_object_set_new(row, "error", json_string(e2.message));
            }
            json_array_append_new(rows, row);
        } else {
            io_table_text(tab, p->id);
            io_table_text(tab, p->name);
            io_table_text(tab, p->product);
            io_table_number(tab, 1, 10);
            io_table_text(tab, p->unit);
            if (fs == TJ_OK) {
                io_table_number(tab, r->total, 10);
                for (int c = 0; c < CALC_CH_COUNT; c++)
                    io_table_number(tab, r->channel[c], 10);
                io_table_number(tab, r->cutoff_share, 6);
                io_table_number(tab, r->ncut, 10);
            } else {
                for (int c = 0; c < CALC_CH_COUNT + 3; c++)
                    io_table_empty(tab);
            }
            io_table_text(tab, tj_gwp_set_name(opt.gwp));
            io_table_text(tab, olca_alloc_key(opt.allocation));
            io_table_text(tab, fs == TJ_OK ? "ok" : e2.message);
            if (io_table_end_row(tab)) {
                calc_result_free(r);
                break; /* the error is reported when the table is closed */
            }
        }
        calc_result_free(r);
        if (bar && (j % 16 == 0 || j + 1 == sys->n)) {
            int w = 40, done = (int)((long)w * (j + 1) / sys->n);
            fprintf(stderr, "\r  [%.*s%*s] %d/%d", done, "########################################", w - done,
                    "", j + 1, sys->n);
            if (j + 1 == sys->n)
                fputc('\n', stderr);
        }
    }
    if (rows) {
        json_t *j = json_pack("{s:o, s:o}", "database", info_json(&info, &opt), "products", rows);
        json_dumpf(j, out, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
        fputc('\n', out);
        json_decref(j);
    } else {
        io_table *t = tab;
        tab = NULL;
        if (io_table_close(t, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    if (!quiet) {
        fprintf(stderr, "%d products (%d failed): load+build %.3f s, calculate %.3f s\n", sys->n, failed,
                t1 - t0, now_s() - t1);
        fprintf(stderr,
                "links %d (%d among several providers), cut-off exchanges %d, co-products ignored "
                "%d, processes split %d, GHG-like flows without a factor %d%s\n",
                info.linked, info.ambiguous, info.cutoffs, info.ignored_coproducts, info.processes_split,
                info.ghg_unmapped, info.ghg_unmapped && rows == NULL ? " (listed with --format json)" : "");
    }
    if (failed)
        rc = EXIT_INPUT;
out:
    io_table_abort(tab);
    cli_close_output(out);
    calc_result_free(res);
    calc_context_free(ctx);
    calc_system_free(sys);
    olca_build_info_release(&info);
    olca_db_free(o);
    store_close(db);
    return rc;
}

/* tanji calc: calculate a product carbon footprint from a model file (or,
 * with --db and --process/--all, from an imported inventory database). */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc/lca.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/model.h"
#include "io/result_json.h"
#include "services/model_factors.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fputs("usage: tanji calc MODEL.json [options]\n"
          "       tanji calc --db DB (--process UUID [--amount X] | --all) [options]\n"
          "\n"
          "Calculate the carbon footprint of a product (计算产品碳足迹) with the matrix method\n"
          "(A s = f, g = B s, h = C g).  MODEL.json is described in docs/model-format.md.\n"
          "\n"
          "options:\n"
          "  --format text|json|csv  output format (default text; csv with --all)   输出格式\n"
          "  --gwp AR6|AR5         GWP100 characterisation set (default AR6)          全球变暖潜势\n"
          "  --mc N                Monte Carlo uncertainty analysis with N iterations  蒙特卡洛不确定性分析\n"
          "  --seed S              random seed for --mc (default 1); same seed, same result\n"
          "  --solver auto|klu|iterative\n"
          "                        linear solver (default auto: tanji picks and says which)\n"
          "  --path-cutoff X       hide upstream paths below this share of the total (default 0.01)\n"
          "  -o, --output FILE     write the result to FILE instead of standard output\n"
          "  --db DB               database: factors referenced by the model are resolved there;\n"
          "                        with --process/--all, calculate products of an imported\n"
          "                        openLCA database (see tanji import olca --help)\n"
          "  --process UUID        (with --db) the process whose reference product is calculated\n"
          "  --amount X            (with --process) amount in the reference unit (default 1)\n"
          "  --all                 (with --db) every process's reference product, one row each\n"
          "  --allocation none|physical|economic|causal\n"
          "                        (with --db) multi-output allocation (default: process default)\n"
          "  -h, --help            this help\n"
          "\n"
          "JSON result keys: total, unit, fossil, biogenic_emissions, biogenic_removals, dluc,\n"
          "aircraft, by_stage, by_gas, by_process, paths, inventory, dqr, cutoff_share,\n"
          "uncertainty (with --mc), demand, gwp, solver, model, factors_used, inputs_digest.\n"
          "\n"
          "exit codes: 0 ok, 1 usage error, 2 bad input (the message names file:line:column or\n"
          "the JSON path), 3 internal or I/O error.\n",
          out);
}


static json_t *model_json(const io_model *m)
{
    json_t *j = json_object();
    json_t *name = json_object();
    if (m->name_zh)
        json_object_set_new(name, "zh", json_string(m->name_zh));
    if (m->name_en)
        json_object_set_new(name, "en", json_string(m->name_en));
    json_object_set_new(j, "name", name);
    json_object_set_new(j, "unit", json_string(m->unit));
    json_object_set_new(j, "amount", json_real(m->amount));
    json_object_set_new(j, "boundary", json_string(m->boundary));
    if (m->period_start) {
        json_object_set_new(j, "reference_period",
                            json_pack("{s:s,s:s}", "start", m->period_start, "end", m->period_end));
    }
    if (m->geography)
        json_object_set_new(j, "geography", json_string(m->geography));
    if (m->functional_unit_text)
        json_object_set_new(j, "functional_unit", json_string(m->functional_unit_text));
    json_object_set_new(j, "processes", json_integer(m->nproc));
    json_object_set_new(j, "columns", json_integer(m->sys->n));
    return j;
}

static json_t *factors_json(const io_model *m)
{
    json_t *a = json_array();
    for (int i = 0; i < m->nfactor; i++) {
        const io_factor *x = &m->factor[i];
        if (!x->used)
            continue;
        json_t *f = json_pack("{s:s,s:s,s:f,s:s,s:s,s:s}", "id", x->id, "name", x->name, "value", x->value,
                              "unit", x->unit, "source", x->source ? x->source : "", "origin",
                              x->inline_def ? "model" : "database");
        json_object_set_new(f, "version", x->version ? json_string(x->version) : json_null());
        if (x->note)
            json_object_set_new(f, "resolution", json_string(x->note));
        json_array_append_new(a, f);
    }
    return a;
}

/* Is this a calculation over an imported inventory database (--process /
 * --all)?  Those options, and everything else on such a command line, belong
 * to cli_calc_db. */
static int wants_db_mode(int argc, char **argv, int *has_db)
{
    static const char *const db_opts[] = {"--process", "--all", "--amount", "--allocation", NULL};
    int want = 0;
    *has_db = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strncmp(argv[i], "--db", 4) && (argv[i][4] == '\0' || argv[i][4] == '='))
            *has_db = 1;
        for (const char *const *o = db_opts; *o; o++) {
            size_t n = strlen(*o);
            if (!strncmp(argv[i], *o, n) && (argv[i][n] == '\0' || argv[i][n] == '='))
                want = 1;
        }
    }
    return want;
}

int cmd_calc(int argc, char **argv)
{
    int has_db;
    if (wants_db_mode(argc, argv, &has_db)) {
        if (!has_db) {
            fprintf(stderr, "tanji calc: --process, --all, --amount and --allocation need --db\n");
            return EXIT_USAGE;
        }
        return cli_calc_db(argc, argv);
    }
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},  {"gwp", required_argument, NULL, 'g'},
        {"mc", required_argument, NULL, 'm'},      {"seed", required_argument, NULL, 's'},
        {"solver", required_argument, NULL, 'S'},  {"path-cutoff", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'},  {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *format = "text", *gwp_s = "AR6", *solver_s = "auto", *output = NULL, *db = NULL;
    uint64_t mc = 0, seed = 1;
    double path_cutoff = 0.01;
    tj_error err;
    tj_error_clear(&err);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'g': gwp_s = optarg; break;
        case 'm':
            if (cli_parse_u64(optarg, "--mc", 10000000, &mc, &err))
                return cli_fail(&err);
            break;
        case 's':
            if (cli_parse_u64(optarg, "--seed", UINT64_MAX, &seed, &err))
                return cli_fail(&err);
            break;
        case 'S': solver_s = optarg; break;
        case 'p':
            if (cli_parse_double(optarg, "--path-cutoff", &path_cutoff, &err))
                return cli_fail(&err);
            if (path_cutoff < 0 || path_cutoff >= 1) {
                tj_error_set(&err, TJ_ERR_USAGE, "--path-cutoff", "must be in [0, 1)");
                return cli_fail(&err);
            }
            break;
        case 'o': output = optarg; break;
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        case ':':
            fprintf(stderr, "tanji calc: option %s needs a value\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "tanji calc: unknown option %s (see tanji calc --help)\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tanji calc: give exactly one MODEL.json (see tanji calc --help)\n");
        return EXIT_USAGE;
    }
    const char *model_path = argv[optind];
    int as_json = !strcmp(format, "json");
    if (!as_json && strcmp(format, "text")) {
        fprintf(stderr, "tanji calc: --format must be text or json for a model file, not \"%s\"\n", format);
        return EXIT_USAGE;
    }
    io_model_options mopt;
    io_model_options_init(&mopt);
    if (tj_gwp_set_parse(gwp_s, &mopt.gwp, &err)) {
        err.code = TJ_ERR_USAGE;
        return cli_fail(&err);
    }
    calc_options copt;
    calc_options_init(&copt);
    copt.path_cutoff = path_cutoff;
    if (!strcmp(solver_s, "auto"))
        copt.solver = CALC_SOLVER_AUTO;
    else if (!strcmp(solver_s, "klu"))
        copt.solver = CALC_SOLVER_KLU;
    else if (!strcmp(solver_s, "iterative"))
        copt.solver = CALC_SOLVER_ITERATIVE;
    else {
        fprintf(stderr, "tanji calc: --solver must be auto, klu or iterative, not \"%s\"\n", solver_s);
        return EXIT_USAGE;
    }

    int rc = 0;
    io_model *m = NULL;
    calc_context *ctx = NULL;
    calc_result *res = NULL;
    FILE *out = NULL;
    store_db *store = NULL;
    svc_ctx sctx; /* the factor database is read as the local operator */
    int have_sctx = 0;
    tj_status st = TJ_OK;
    if (db) {
        /* Database factor references ("ID@VERSION" or a query) resolve there. */
        if ((st = store_open(db, &store, &err)))
            goto fail;
        if ((st = svc_ctx_local(&sctx, store, NULL, &err)))
            goto fail;
        have_sctx = 1;
        mopt.resolver = svc_model_factor_resolver;
        mopt.resolver_ctx = &sctx;
    }
    st = io_model_load_file(model_path, &mopt, &m, &err);
    if (st)
        goto fail;
    if ((st = calc_context_new(m->sys, &copt, &ctx, &err)))
        goto fail;
    if ((st = calc_context_footprint(ctx, m->demand_col, m->demand_amount, CALC_DETAIL_ALL, &res, &err)))
        goto fail;
    if (mc > 0 && (st = calc_context_monte_carlo(ctx, res, (int)mc, seed, &err)))
        goto fail;
    if (!(out = cli_open_output(output, &err))) {
        st = err.code;
        goto fail;
    }
    if (as_json) {
        json_t *j = io_result_to_json(m->sys, res, mopt.gwp);
        if (!j) {
            st = tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto fail;
        }
        json_object_set_new(j, "model", model_json(m));
        json_object_set_new(j, "factors_used", factors_json(m));
        json_object_set_new(j, "inputs_digest", json_string(m->inputs_digest));
        if (json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) != 0)
            st = tj_error_set(&err, TJ_ERR_IO, NULL, "cannot write the result");
        fputc('\n', out);
        json_decref(j);
    } else {
        fprintf(out, "%s%s%s\n", m->name_zh ? m->name_zh : "", m->name_zh && m->name_en ? " / " : "",
                m->name_en ? m->name_en : "");
        fprintf(out, "per %g %s, %s%s%s, GWP100 %s\n", m->amount, m->unit, m->boundary,
                m->geography ? ", " : "", m->geography ? m->geography : "", tj_gwp_set_name(mopt.gwp));
        io_result_print_text(out, m->sys, res, mopt.gwp);
        int header = 0;
        for (int i = 0; i < m->nfactor; i++) {
            if (!m->factor[i].used)
                continue;
            if (!header++)
                fprintf(out, "\nFactors used (使用的因子):\n");
            fprintf(out, "  %s%s%s = %g kg CO2e/%s  [%s]\n", m->factor[i].id, m->factor[i].version ? "@" : "",
                    m->factor[i].version ? m->factor[i].version : "", m->factor[i].value, m->factor[i].unit,
                    m->factor[i].source);
        }
        fprintf(out, "\nInputs digest (SHA-256): %s\n", m->inputs_digest);
    }
    if (ferror(out) && !st)
        st = tj_error_set(&err, TJ_ERR_IO, NULL, "cannot write the result");
    if (st)
        goto fail;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    cli_close_output(out);
    calc_result_free(res);
    calc_context_free(ctx);
    io_model_free(m);
    if (have_sctx)
        svc_ctx_release(&sctx);
    store_close(store);
    return rc;
}

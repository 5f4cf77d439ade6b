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
#include "services/footprint.h"
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
          "  --save                (with --db) keep the result as a footprint record of the\n"
          "                        organisation acted for (保存为碳足迹记录); prints its id\n"
          "  --replaces ID         (with --save) this recalculation replaces footprint ID\n"
          "  --rule ID[@V]         (with --save) check against this rule (default: the rule that\n"
          "                        applies to the product, if any); --rules DIR: where rules are\n"
          "  --as NAME             act as this user (default $TANJI_AS, then the local operator)\n"
          "  -h, --help            this help\n"
          "\n"
          "JSON result keys: total, unit, fossil, biogenic_emissions, biogenic_removals, dluc,\n"
          "aircraft, by_stage, by_gas, unsplit_factors, by_process, paths, inventory, dqr, cutoff_share,\n"
          "uncertainty (with --mc), demand, gwp, solver, model, factors_used, inputs_digest.\n"
          "\n"
          "exit codes: 0 ok, 1 usage error, 2 bad input (the message names file:line:column or\n"
          "the JSON path), 3 internal or I/O error.\n",
          out);
}


int cmd_calc(int argc, char **argv)
{
    int has_db;
    if (cli_calc_wants_db(argc, argv, &has_db)) {
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
        {"save", no_argument, NULL, 'V'},          {"replaces", required_argument, NULL, 'R'},
        {"rule", required_argument, NULL, 'r'},    {"rules", required_argument, NULL, 'D'},
        {"as", required_argument, NULL, 'A'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "text", *gwp_s = "AR6", *solver_s = "auto", *output = NULL, *db = NULL;
    const char *replaces = NULL, *rule = NULL, *rules_dir = NULL, *as = NULL;
    int save = 0;
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
        case 'V': save = 1; break;
        case 'R': replaces = optarg; break;
        case 'r': rule = optarg; break;
        case 'D': rules_dir = optarg; break;
        case 'A': as = optarg; break;
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
    if ((save || as) && !db)
        db = cli_db_url(NULL); /* $TANJI_DB, then ./tanji.db */
    if (!save && (replaces || rule || rules_dir)) {
        fprintf(stderr, "tanji calc: --replaces, --rule and --rules go with --save\n");
        return EXIT_USAGE;
    }
    svc_calc_request rq;
    svc_calc_request_init(&rq);
    rq.model_path = model_path;
    rq.mc = (int)mc;
    rq.seed = seed;
    if (tj_gwp_set_parse(gwp_s, &rq.gwp, &err)) {
        err.code = TJ_ERR_USAGE;
        return cli_fail(&err);
    }
    rq.calc.path_cutoff = path_cutoff;
    if (!strcmp(solver_s, "auto"))
        rq.calc.solver = CALC_SOLVER_AUTO;
    else if (!strcmp(solver_s, "klu"))
        rq.calc.solver = CALC_SOLVER_KLU;
    else if (!strcmp(solver_s, "iterative"))
        rq.calc.solver = CALC_SOLVER_ITERATIVE;
    else {
        fprintf(stderr, "tanji calc: --solver must be auto, klu or iterative, not \"%s\"\n", solver_s);
        return EXIT_USAGE;
    }

    int rc = 0;
    svc_calculation calc = {0};
    svc_ctx ctx = {0};
    store_db *store = NULL;
    FILE *out = NULL;
    char *saved_id = NULL;
    tj_status st = TJ_OK;
    /* Database factor references ("ID@VERSION" or a query) resolve there. */
    if (db && (st = cli_open_ctx(db, as, &store, &ctx, &err)))
        goto fail;
    if ((st = svc_calculate(db ? &ctx : NULL, &rq, &calc, &err)))
        goto fail;
    if (save) {
        svc_footprint_save_opts so = {.replaces = replaces, .rule = rule, .rules_dir = cli_rules_dir(rules_dir)};
        if ((st = svc_footprint_save(&ctx, &calc, &so, &saved_id, &err)))
            goto fail;
        fprintf(stderr, "tanji calc: saved footprint %s / 已保存碳足迹记录\n", saved_id);
    }
    if (!(out = cli_open_output(output, &err))) {
        st = err.code;
        goto fail;
    }
    if (as_json) {
        json_t *j = svc_calculation_json(&calc);
        if (!j) {
            st = tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto fail;
        }
        if (saved_id)
            json_object_set_new(j, "footprint_id", json_string(saved_id));
        if (json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) != 0)
            st = tj_error_set(&err, TJ_ERR_IO, NULL, "cannot write the result");
        fputc('\n', out);
        json_decref(j);
    } else {
        svc_calculation_text(out, &calc);
        if (saved_id)
            fprintf(out, "Footprint record (碳足迹记录): %s\n", saved_id);
    }
    if (st)
        goto fail;
    if ((st = cli_commit_output(out, &err)))
        goto fail;
    out = NULL;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    cli_close_output(out);
    free(saved_id);
    svc_calculation_release(&calc);
    svc_ctx_release(&ctx);
    store_close(store);
    return rc;
}

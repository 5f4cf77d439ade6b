/* tanji grade / tanji disclose / tanji registry: grading, disclosure and the
 * public registry (thin: parse, call the service, print). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/inst_opts.h"
#include "services/disclosure.h"
#include "services/grading.h"

static const char grade_usage[] =
    "usage: tanji grade set CATEGORY --method thresholds|percentile [--grades N] [--min-sample N]\n"
    "                 [--thresholds A,B,...] [--note T]\n"
    "       tanji grade recompute CATEGORY | list [CATEGORY]\n"
    "       tanji grade stats [--category C] [--region CODE] [--year Y]\n"
    "common options: --db URL, --as NAME\n\n"
    "Grading (分级), configured per catalogue category by a regulator: thresholds (upper bounds of\n"
    "grades 1..N-1, kg CO2e per declared unit) or percentile bands of the category's valid labels\n"
    "(no grade below --min-sample labels).  Default 5 grades; grade 1 is the lowest footprint.\n"
    "Each change is a new benchmark version; every valid label is regraded, with history.\n";

static const char disclose_usage[] =
    "usage: tanji disclose publish FOOTPRINT_ID --scope public|partners|private [--partners ORG,...]\n"
    "                 [--fields stages,processes,suppliers,activity_data,factors]\n"
    "       tanji disclose withdraw ID [--reason T] | show ID | list [--mine]\n"
    "common options: --db URL, --as NAME\n\n"
    "Disclosure (信息披露).  Only the summary leaves tanji (product, value, declared unit, boundary,\n"
    "rule and check, GWP set, period, geography) plus the business-secret fields chosen one by one.\n"
    "A withdrawal is public; the record stays in the ledger.\n";

static const char registry_usage[] =
    "usage: tanji registry search [--product T] [--category C] [--region CODE] [--company T]\n"
    "                 [--grade N] [--status S] [--limit N] [--offset N]\n"
    "       tanji registry compare CATEGORY [--limit N]\n"
    "       tanji registry esg [--org ORG] [--format json|csv|html] [--lang zh|en] [-o FILE]\n"
    "common options: --db URL, --as NAME\n\n"
    "The public registry of labels (公示查询): search with paging, a category side by side, and the\n"
    "ESG disclosure section of an enterprise's products.\n";

static int done_json(json_t *j)
{
    inst_print_json(j);
    json_decref(j);
    return 0;
}

static int num(const inst_opts *o, const char *name, uint64_t max, uint64_t *v, tj_error *err)
{
    const char *s = inst_opt(o, name);
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", name);
    return s && cli_parse_u64(s, opt, max, v, err) != TJ_OK;
}

static int open_ctx(inst_opts *o, store_db **db, svc_ctx *ctx)
{
    tj_error err;
    if (cli_open_ctx(inst_opt(o, "db"), inst_opt(o, "as"), db, ctx, &err))
        return cli_fail(&err);
    return 0;
}

int cmd_grade(int argc, char **argv)
{
    inst_opts o;
    if (inst_opts_parse(&o, argc, argv, NULL, "grade"))
        return EXIT_USAGE;
    if (o.help || o.npos == 0) {
        fputs(grade_usage, o.help ? stdout : stderr);
        return o.help ? 0 : EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = open_ctx(&o, &db, &ctx);
    if (rc)
        return rc;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "set") && o.npos == 2) {
        uint64_t grades = 0, min_sample = 0;
        json_t *th = NULL;
        if (inst_opt(&o, "thresholds")) {
            json_t *parts = inst_list(inst_opt(&o, "thresholds"));
            th = json_array();
            size_t i;
            json_t *p;
            json_array_foreach(parts, i, p)
            {
                double d;
                if (cli_parse_double(json_string_value(p), "--thresholds", &d, &err)) {
                    rc = cli_fail(&err);
                    break;
                }
                json_array_append_new(th, json_real(d));
            }
            json_decref(parts);
        }
        if (!rc &&
            (num(&o, "grades", 10, &grades, &err) || num(&o, "min-sample", 100000000, &min_sample, &err)))
            rc = cli_fail(&err);
        if (!rc)
            rc = svc_grade_benchmark_set(&ctx, o.pos[1], inst_opt(&o, "method"), (int)grades, (int)min_sample,
                                         th, inst_opt(&o, "note"), &j, &err)
                     ? cli_fail(&err)
                     : done_json(j);
        json_decref(th);
    } else if (!strcmp(sub, "recompute") && o.npos == 2)
        rc = svc_grade_benchmark_recompute(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "list") && o.npos <= 2)
        rc = svc_grade_benchmark_list(&ctx, o.npos == 2 ? o.pos[1] : NULL, &j, &err) ? cli_fail(&err)
                                                                                     : done_json(j);
    else if (!strcmp(sub, "stats") && o.npos == 1) {
        uint64_t year = 0;
        if (num(&o, "year", 9999, &year, &err))
            rc = cli_fail(&err);
        else {
            json_t *f = json_pack("{s:s?,s:s?}", "category", inst_opt(&o, "category"), "region",
                                  inst_opt(&o, "region"));
            if (year)
                json_object_set_new(f, "year", json_integer((json_int_t)year));
            rc = svc_grade_stats(&ctx, f, &j, &err) ? cli_fail(&err) : done_json(j);
            json_decref(f);
        }
    } else {
        fputs(grade_usage, stderr);
        rc = EXIT_USAGE;
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

int cmd_disclose(int argc, char **argv)
{
    static const char *const flags[] = {"mine", NULL};
    inst_opts o;
    if (inst_opts_parse(&o, argc, argv, flags, "disclose"))
        return EXIT_USAGE;
    if (o.help || o.npos == 0) {
        fputs(disclose_usage, o.help ? stdout : stderr);
        return o.help ? 0 : EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = open_ctx(&o, &db, &ctx);
    if (rc)
        return rc;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "publish") && o.npos == 2) {
        json_t *p = inst_list(inst_opt(&o, "partners")), *f = inst_list(inst_opt(&o, "fields"));
        char *id = NULL;
        rc = svc_disclosure_publish(&ctx, o.pos[1], inst_opt(&o, "scope"), p, f, &id, &err)
                 ? cli_fail(&err)
                 : (printf("%s\n", id), 0);
        free(id);
        json_decref(p);
        json_decref(f);
    } else if (!strcmp(sub, "withdraw") && o.npos == 2)
        rc = svc_disclosure_withdraw(&ctx, o.pos[1], inst_opt(&o, "reason"), &err) ? cli_fail(&err) : 0;
    else if (!strcmp(sub, "show") && o.npos == 2)
        rc = svc_disclosure_get(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "list") && o.npos == 1)
        rc = svc_disclosure_list(&ctx, inst_opt(&o, "mine") != NULL, 100, 0, &j, &err) ? cli_fail(&err)
                                                                                       : done_json(j);
    else {
        fputs(disclose_usage, stderr);
        rc = EXIT_USAGE;
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

int cmd_registry(int argc, char **argv)
{
    inst_opts o;
    if (inst_opts_parse(&o, argc, argv, NULL, "registry"))
        return EXIT_USAGE;
    if (o.help || o.npos == 0) {
        fputs(registry_usage, o.help ? stdout : stderr);
        return o.help ? 0 : EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = open_ctx(&o, &db, &ctx);
    if (rc)
        return rc;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    uint64_t limit = 0, offset = 0, grade = 0;
    if (num(&o, "limit", 1000, &limit, &err) || num(&o, "offset", 100000000, &offset, &err) ||
        num(&o, "grade", 10, &grade, &err))
        rc = cli_fail(&err);
    else if (!strcmp(sub, "search") && o.npos == 1) {
        json_t *f = json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?}", "product", inst_opt(&o, "product"), "category",
                              inst_opt(&o, "category"), "region", inst_opt(&o, "region"), "company",
                              inst_opt(&o, "company"), "status", inst_opt(&o, "status"));
        if (grade)
            json_object_set_new(f, "grade", json_integer((json_int_t)grade));
        rc = svc_registry_search(&ctx, f, (int)limit, (int)offset, &j, &err) ? cli_fail(&err) : done_json(j);
        json_decref(f);
    } else if (!strcmp(sub, "compare") && o.npos == 2)
        rc = svc_registry_compare(&ctx, o.pos[1], (int)limit, &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "esg") && o.npos == 1) {
        char *text = NULL;
        FILE *f = NULL;
        if (svc_esg_section(&ctx, inst_opt(&o, "org"),
                            inst_opt(&o, "format") ? inst_opt(&o, "format") : "json", inst_opt(&o, "lang"),
                            &text, &err) ||
            !(f = cli_open_output(inst_opt(&o, "output"), &err)))
            rc = cli_fail(&err);
        else {
            fputs(text, f);
            if (cli_commit_output(f, &err))
                rc = cli_fail(&err);
        }
        free(text);
    } else {
        fputs(registry_usage, stderr);
        rc = EXIT_USAGE;
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

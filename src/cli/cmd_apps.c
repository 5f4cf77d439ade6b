/* tanji procure / finance / inclusion / park: the application scenarios
 * (thin: parse, call the service, print).  docs/applications.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/label_verify_file.h"
#include "cli/inst_opts.h"
#include "services/apps.h"

static const char procure_usage[] =
    "usage: tanji procure require --title T --category C --unit U [--max-value KG] [--max-grade N]\n"
    "                 [--label-required] [--rule RULE] [--primary-weight W] --deadline DATE\n"
    "       tanji procure offer REQ_ID --product P (--label NUMBER | --disclosure ID | --pact PF_ID)\n"
    "       tanji procure evaluate REQ_ID [--format json|csv] [-o FILE]\n"
    "       tanji procure decide REQ_ID (--offer OFFER_ID | --cancel) [--reason T]\n"
    "       tanji procure show REQ_ID | list [--open]\n"
    "       tanji procure role ORG buyer|bank|park|platform   (operator: grant an application role)\n"
    "common options: --db URL, --as NAME\n\n"
    "Green procurement (绿色采购): a buyer publishes a requirement (max footprint in kg CO2e per\n"
    "declared unit and/or best grade allowed, label required, weight of supplier-specific data\n"
    "0..1); suppliers offer labels, disclosed footprints or PACT footprints (pulled by the buyer or\n"
    "published here to it); tanji checks each (label signature and status, PACT status and validity,\n"
    "rule, unit conversion, grade), ranks them with reasons; the decision is a ledger entry.\n"
    "供应商以碳标识、披露的碳足迹或PACT碳足迹报价；tanji逐一核验、排序并说明原因，决定记入账本。\n";

static const char finance_usage[] =
    "usage: tanji finance consent BANK [--until DATE] | revoke BANK | consents\n"
    "       tanji finance borrower ORG\n"
    "       tanji finance rule [--max-grade N] [--require-valid-label] [--categories C,...]\n"
    "       tanji finance eligible LABEL\n"
    "       tanji finance position BORROWER LABEL AMOUNT_YUAN --as-of DATE\n"
    "       tanji finance portfolio [--as-of DATE] [--format json|csv] [-o FILE]\n"
    "common options: --db URL, --as NAME\n\n"
    "Green finance (绿色金融): a borrower consents; the bank verifies its labels and grades with their\n"
    "history, records financed amounts, and reads its portfolio (intensity weighted by amount,\n"
    "changes over time) and the eligibility of each product under its rule, with the reasons.\n";

static const char inclusion_usage[] =
    "usage: tanji inclusion methodology --id ID --name N --category C --unit U --scope T\n"
    "                 --applicability T (--benchmark KG --source T | --average)\n"
    "       tanji inclusion methodologies\n"
    "       tanji inclusion report FILE.json    (a JSON array of purchases)\n"
    "       tanji inclusion account PARTICIPANT [--platform ORG] | statement PARTICIPANT [--platform ORG]\n"
    "       tanji inclusion retire PARTICIPANT GRAMS --purpose T\n"
    "       tanji inclusion issue METHODOLOGY REGION\n"
    "       tanji inclusion registry\n"
    "common options: --db URL, --as NAME\n\n"
    "碳普惠 (carbon inclusion): methodologies as data (baseline = benchmark or category average;\n"
    "project = the certified footprint; reduction per unit = baseline - project), purchases reported\n"
    "by a platform credited once (grams CO2e, integers), statements, retirement, issuance and the\n"
    "public registry of totals per methodology and region.\n";

static const char park_usage[] =
    "usage: tanji park invite ORG | join PARK | leave PARK | members\n"
    "       tanji park stats [PARK]\n"
    "       tanji park chain FOOTPRINT_ID\n"
    "       tanji park regulator-stats [--region CODE] [--category C] [--year Y]\n"
    "common options: --db URL, --as NAME\n\n"
    "Parks and supply chains (园区与供应链): a park groups enterprises (invited, then accepted) and\n"
    "sees their labels and what they disclose to it, aggregated by category, grade and year with the\n"
    "certified share; the chain view shows where primary data replaced generic factors.  Regulators'\n"
    "statistics (by province, category, grade, year) come from the same aggregation.\n";

static int done_json(json_t *j)
{
    inst_print_json(j);
    json_decref(j);
    return 0;
}

static int open_ctx(inst_opts *o, store_db **db, svc_ctx *ctx)
{
    tj_error err;
    if (cli_open_ctx(inst_opt(o, "db"), inst_opt(o, "as"), db, ctx, &err))
        return cli_fail(&err);
    return 0;
}

static int write_text(const inst_opts *o, const char *text)
{
    tj_error err;
    FILE *f = cli_open_output(inst_opt(o, "output"), &err);
    if (!f)
        return cli_fail(&err);
    fputs(text, f);
    return cli_commit_output(f, &err) ? cli_fail(&err) : 0;
}

/* Common start: parse, usage, open.  Returns -1 to go on. */
static int start(inst_opts *o, int argc, char **argv, const char *const *flags, const char *cmd,
                 const char *usage, store_db **db, svc_ctx *ctx)
{
    if (inst_opts_parse(o, argc, argv, flags, cmd))
        return EXIT_USAGE;
    if (o->help || o->npos == 0) {
        fputs(usage, o->help ? stdout : stderr);
        return o->help ? 0 : EXIT_USAGE;
    }
    int rc = open_ctx(o, db, ctx);
    return rc ? rc : -1;
}

static int finish(int rc, store_db *db, svc_ctx *ctx)
{
    svc_ctx_release(ctx);
    store_close(db);
    return rc;
}

static int usage_error(const char *usage)
{
    fputs(usage, stderr);
    return EXIT_USAGE;
}

int cmd_procure(int argc, char **argv)
{
    static const char *const flags[] = {"label-required", "open", "cancel", NULL};
    inst_opts o;
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = start(&o, argc, argv, flags, "procure", procure_usage, &db, &ctx);
    if (rc >= 0)
        return rc;
    rc = 0;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "require") && o.npos == 1) {
        json_t *spec = json_pack("{s:s?,s:s?,s:s?,s:b,s:s?,s:s?}", "title", inst_opt(&o, "title"), "category",
                                 inst_opt(&o, "category"), "declared_unit", inst_opt(&o, "unit"),
                                 "label_required", inst_opt(&o, "label-required") != NULL, "rule",
                                 inst_opt(&o, "rule"), "deadline", inst_opt(&o, "deadline"));
        double d;
        uint64_t g;
        if (inst_opt(&o, "max-value")) {
            if (cli_parse_double(inst_opt(&o, "max-value"), "--max-value", &d, &err))
                rc = cli_fail(&err);
            json_object_set_new(spec, "max_value", json_real(d));
        }
        if (!rc && inst_opt(&o, "max-grade")) {
            if (cli_parse_u64(inst_opt(&o, "max-grade"), "--max-grade", 10, &g, &err))
                rc = cli_fail(&err);
            json_object_set_new(spec, "max_grade", json_integer((json_int_t)g));
        }
        if (!rc && inst_opt(&o, "primary-weight")) {
            if (cli_parse_double(inst_opt(&o, "primary-weight"), "--primary-weight", &d, &err))
                rc = cli_fail(&err);
            json_object_set_new(spec, "primary_weight", json_real(d));
        }
        char *id = NULL;
        if (!rc)
            rc = svc_proc_require(&ctx, spec, &id, &err) ? cli_fail(&err) : (printf("%s\n", id), 0);
        free(id);
        json_decref(spec);
    } else if (!strcmp(sub, "offer") && o.npos == 2) {
        json_t *offer = json_pack("{s:s?,s:s?,s:s?,s:s?}", "product", inst_opt(&o, "product"), "label",
                                  inst_opt(&o, "label"), "disclosure", inst_opt(&o, "disclosure"), "pact",
                                  inst_opt(&o, "pact"));
        char *id = NULL;
        rc = svc_proc_offer(&ctx, o.pos[1], offer, &id, &j, &err)
                 ? cli_fail(&err)
                 : done_json(json_pack("{s:s,s:o}", "offer", id, "check", j));
        free(id);
        json_decref(offer);
    } else if (!strcmp(sub, "evaluate") && o.npos == 2) {
        const char *fmt = inst_opt(&o, "format") ? inst_opt(&o, "format") : "json";
        if (!strcmp(fmt, "csv")) {
            char *csv = NULL;
            rc = svc_proc_evaluation_csv(&ctx, o.pos[1], &csv, &err) ? cli_fail(&err) : write_text(&o, csv);
            free(csv);
        } else if (!strcmp(fmt, "json")) {
            rc = svc_proc_evaluate(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
        } else
            rc = usage_error(procure_usage);
    } else if (!strcmp(sub, "decide") && o.npos == 2 && (!inst_opt(&o, "offer") != !inst_opt(&o, "cancel")))
        rc = svc_proc_decide(&ctx, o.pos[1], inst_opt(&o, "offer"), inst_opt(&o, "reason"), &err)
                 ? cli_fail(&err)
                 : 0;
    else if (!strcmp(sub, "show") && o.npos == 2)
        rc = svc_proc_get(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "list") && o.npos == 1)
        rc = svc_proc_list(&ctx, inst_opt(&o, "open") != NULL, &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "role") && o.npos == 3)
        rc = svc_app_role_grant(&ctx, o.pos[1], o.pos[2], &err) ? cli_fail(&err) : 0;
    else
        rc = usage_error(procure_usage);
    return finish(rc, db, &ctx);
}

int cmd_finance(int argc, char **argv)
{
    static const char *const flags[] = {"require-valid-label", NULL};
    inst_opts o;
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = start(&o, argc, argv, flags, "finance", finance_usage, &db, &ctx);
    if (rc >= 0)
        return rc;
    rc = 0;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "consent") && o.npos == 2)
        rc = svc_fin_consent(&ctx, o.pos[1], inst_opt(&o, "until"), &err) ? cli_fail(&err) : 0;
    else if (!strcmp(sub, "revoke") && o.npos == 2)
        rc = svc_fin_consent_revoke(&ctx, o.pos[1], &err) ? cli_fail(&err) : 0;
    else if (!strcmp(sub, "consents") && o.npos == 1)
        rc = svc_fin_consent_list(&ctx, &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "borrower") && o.npos == 2)
        rc = svc_fin_borrower(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "rule") && o.npos == 1) {
        json_t *rule = json_object();
        uint64_t g;
        if (inst_opt(&o, "max-grade")) {
            if (cli_parse_u64(inst_opt(&o, "max-grade"), "--max-grade", 10, &g, &err))
                rc = cli_fail(&err);
            json_object_set_new(rule, "max_grade", json_integer((json_int_t)g));
        }
        json_object_set_new(rule, "require_valid_label",
                            json_boolean(inst_opt(&o, "require-valid-label") != NULL));
        if (inst_opt(&o, "categories"))
            json_object_set_new(rule, "categories", inst_list(inst_opt(&o, "categories")));
        int v = 0;
        if (!rc)
            rc =
                svc_fin_rule_set(&ctx, rule, &v, &err) ? cli_fail(&err) : (printf("rule version %d\n", v), 0);
        json_decref(rule);
    } else if (!strcmp(sub, "eligible") && o.npos == 2)
        rc = svc_fin_eligibility(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "position") && o.npos == 4) {
        uint64_t amount = 0;
        rc = cli_parse_u64(o.pos[3], "AMOUNT", (uint64_t)1 << 52, &amount, &err) ||
                     svc_fin_position(&ctx, o.pos[1], o.pos[2], (int64_t)amount, inst_opt(&o, "as-of"), &err)
                 ? cli_fail(&err)
                 : 0;
    } else if (!strcmp(sub, "portfolio") && o.npos == 1) {
        const char *fmt = inst_opt(&o, "format") ? inst_opt(&o, "format") : "json";
        if (!strcmp(fmt, "csv")) {
            char *csv = NULL;
            rc = svc_fin_portfolio_csv(&ctx, inst_opt(&o, "as-of"), &csv, &err) ? cli_fail(&err)
                                                                                : write_text(&o, csv);
            free(csv);
        } else if (!strcmp(fmt, "json"))
            rc = svc_fin_portfolio(&ctx, inst_opt(&o, "as-of"), &j, &err) ? cli_fail(&err) : done_json(j);
        else
            rc = usage_error(finance_usage);
    } else
        rc = usage_error(finance_usage);
    return finish(rc, db, &ctx);
}

int cmd_inclusion(int argc, char **argv)
{
    static const char *const flags[] = {"average", NULL};
    inst_opts o;
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = start(&o, argc, argv, flags, "inclusion", inclusion_usage, &db, &ctx);
    if (rc >= 0)
        return rc;
    rc = 0;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "methodology") && o.npos == 1) {
        json_t *spec = json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "id", inst_opt(&o, "id"), "name",
                                 inst_opt(&o, "name"), "category", inst_opt(&o, "category"), "declared_unit",
                                 inst_opt(&o, "unit"), "scope", inst_opt(&o, "scope"), "applicability",
                                 inst_opt(&o, "applicability"));
        double d = 0;
        if (inst_opt(&o, "average"))
            json_object_set_new(spec, "baseline", json_pack("{s:s}", "kind", "average"));
        else if (inst_opt(&o, "benchmark")) {
            if (cli_parse_double(inst_opt(&o, "benchmark"), "--benchmark", &d, &err))
                rc = cli_fail(&err);
            json_object_set_new(spec, "baseline",
                                json_pack("{s:s,s:f,s:s?}", "kind", "benchmark", "value", d, "source",
                                          inst_opt(&o, "source")));
        }
        if (!rc)
            rc = svc_inc_method_create(&ctx, spec, &j, &err) ? cli_fail(&err) : done_json(j);
        json_decref(spec);
    } else if (!strcmp(sub, "methodologies") && o.npos == 1)
        rc = svc_inc_method_list(&ctx, &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "report") && o.npos == 2) {
        json_t *p = cli_load_json(o.pos[1], &err);
        int n = 0;
        rc = !p || svc_inc_report(&ctx, p, &j, &n, &err) ? cli_fail(&err) : done_json(j);
        json_decref(p);
    } else if (!strcmp(sub, "account") && o.npos == 2)
        rc = svc_inc_account(&ctx, inst_opt(&o, "platform"), o.pos[1], &j, &err) ? cli_fail(&err)
                                                                                 : done_json(j);
    else if (!strcmp(sub, "statement") && o.npos == 2)
        rc = svc_inc_statement(&ctx, inst_opt(&o, "platform"), o.pos[1], 1000, 0, &j, &err) ? cli_fail(&err)
                                                                                            : done_json(j);
    else if (!strcmp(sub, "retire") && o.npos == 3) {
        uint64_t g = 0;
        rc = cli_parse_u64(o.pos[2], "GRAMS", (uint64_t)1 << 52, &g, &err) ||
                     svc_inc_retire(&ctx, o.pos[1], (int64_t)g, inst_opt(&o, "purpose"), &err)
                 ? cli_fail(&err)
                 : 0;
    } else if (!strcmp(sub, "issue") && o.npos == 3)
        rc = svc_inc_issue(&ctx, o.pos[1], o.pos[2], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "registry") && o.npos == 1)
        rc = svc_inc_registry(&ctx, &j, &err) ? cli_fail(&err) : done_json(j);
    else
        rc = usage_error(inclusion_usage);
    return finish(rc, db, &ctx);
}

int cmd_park(int argc, char **argv)
{
    inst_opts o;
    store_db *db = NULL;
    svc_ctx ctx;
    int rc = start(&o, argc, argv, NULL, "park", park_usage, &db, &ctx);
    if (rc >= 0)
        return rc;
    rc = 0;
    tj_error err;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "invite") && o.npos == 2)
        rc = svc_park_invite(&ctx, o.pos[1], &err) ? cli_fail(&err) : 0;
    else if ((!strcmp(sub, "join") || !strcmp(sub, "leave")) && o.npos == 2)
        rc = svc_park_answer(&ctx, o.pos[1], !strcmp(sub, "join"), &err) ? cli_fail(&err) : 0;
    else if (!strcmp(sub, "members") && o.npos == 1)
        rc = svc_park_members(&ctx, &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "stats") && o.npos <= 2)
        rc = svc_park_stats(&ctx, o.npos == 2 ? o.pos[1] : NULL, &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "chain") && o.npos == 2)
        rc = svc_park_supply_chain(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    else if (!strcmp(sub, "regulator-stats") && o.npos == 1) {
        uint64_t year = 0;
        json_t *f =
            json_pack("{s:s?,s:s?}", "region", inst_opt(&o, "region"), "category", inst_opt(&o, "category"));
        if (inst_opt(&o, "year") && cli_parse_u64(inst_opt(&o, "year"), "--year", 9999, &year, &err))
            rc = cli_fail(&err);
        if (year)
            json_object_set_new(f, "year", json_integer((json_int_t)year));
        if (!rc)
            rc = svc_app_stats(&ctx, f, &j, &err) ? cli_fail(&err) : done_json(j);
        json_decref(f);
    } else
        rc = usage_error(park_usage);
    return finish(rc, db, &ctx);
}

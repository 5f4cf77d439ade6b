/* tanji rule: list, show, find and validate accounting rules (核算规则). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "services/federation.h"
#include "services/rules.h"
#include "store/store.h"

#ifndef TJ_DEFAULT_DATA_DIR
#define TJ_DEFAULT_DATA_DIR "data"
#endif

static void rule_usage(FILE *out)
{
    fputs("usage: tanji rule list [--rules DIR] [--format text|json]\n"
          "       tanji rule show ID[@VERSION] [--rules DIR] [--format text|json] [--lang zh|en]\n"
          "       tanji rule find --product P [--region CODE] [--date YYYY-MM-DD] [--drafts]\n"
          "                       [--rules DIR] [--db URL] [--format text|json] [--lang zh|en]\n"
          "       tanji rule validate FILE...\n\n"
          "Accounting rules (核算规则): list them, show one, find the rule that applies to a\n"
          "product in a region (GB/T 2260 code, e.g. 530000 Yunnan) and why the others do not,\n"
          "or validate rule files.  列出、查看、查找适用的产品碳足迹核算规则并说明其他规则不适用的原因。\n"
          "`rule show` says which real standard to follow (number, title, issuer, MIIT list\n"
          "batch), marked UNVERIFIED where only secondary sources were seen.\n"
          "`rule show` "
          "说明应遵循的正式标准（编号、名称、发布机构、推荐清单批次），仅见于二手资料的标为未核实。\n\n"
          "  --rules DIR   rules directory (default $TJ_RULES_DIR or " TJ_DEFAULT_DATA_DIR "/rules)\n"
          "  --db URL      with a database (or $TANJI_DB), rule find also weighs the rule versions\n"
          "                pulled from instances trusted for rules (tanji federation), each with\n"
          "                its origin: a national rule from the national instance supersedes a\n"
          "                provincial one here (国家实例的规则优先于本省规则)\n"
          "  --drafts      let draft rules (and the shipped templates) apply when no rule in\n"
          "                force does\n\n"
          "Precedence: in force before draft; national > industry > local > group (a national\n"
          "rule in force makes local rules for the product not apply); among local rules the\n"
          "most specific region; then the latest effective date.\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input or no applicable rule, 3 I/O error.\n",
          out);
}

const char *cli_rules_dir(const char *opt)
{
    static char buf[4096];
    if (opt)
        return opt;
    const char *env = getenv("TJ_RULES_DIR");
    if (env && *env)
        return env;
    snprintf(buf, sizeof buf, "%s/rules", TJ_DEFAULT_DATA_DIR);
    return buf;
}

static json_t *rule_summary_json(const svc_rule *r)
{
    return json_pack("{s:s, s:s, s:b, s:{s:s, s:s}, s:s, s:s, s:s, s:s?, s:s}", "id", r->id, "version",
                     r->version, "template", r->is_template, "title", "zh", r->title_zh, "en", r->title_en,
                     "category", r->category, "level", svc_level_name(r->level), "status",
                     svc_status_name(r->status), "region", r->region, "file", r->file);
}

static int print_json(json_t *j)
{
    if (!j) {
        fprintf(stderr, "tanji rule: out of memory\n");
        return EXIT_INTERNAL;
    }
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
    return 0;
}

static int show_text(const svc_rule *r, int zh)
{
    char *follow = svc_rule_follow_text(r, zh);
    if (!follow) {
        fprintf(stderr, "tanji rule: out of memory\n");
        return EXIT_INTERNAL;
    }
    printf("%s@%s%s\n", r->id, r->version, r->is_template ? "  [TEMPLATE / 模板]" : "");
    printf("  %s\n  %s\n", r->title_zh, r->title_en);
    if (r->is_template) {
        json_t *note = json_object_get(r->doc, "note");
        const char *en = json_string_value(json_object_get(note, "en"));
        if (!en)
            en = json_string_value(note);
        if (en)
            printf("  note: %s\n", en);
    }
    printf("  product:   %s / %s (%s)\n", r->product_zh, r->product_en, r->category);
    printf("  level:     %s%s%s    status: %s%s%s\n", svc_level_name(r->level), r->region ? "  region " : "",
           r->region ? r->region : "", svc_status_name(r->status), r->effective ? "  effective " : "",
           r->effective ? r->effective : "");
    printf("  issuer:    %s\n", r->issuer);
    printf("  %s %s\n", zh ? "标准：    " : "standard: ", follow);
    free(follow);
    for (size_t i = 0; i < r->n_standards; i++)
        for (size_t k = 0; k < r->standards[i].n_sources; k++)
            printf("  %s %s\n", zh ? "来源：    " : "source:   ", r->standards[i].sources[k]);
    printf("  unit:      %s unit %g %s\n", r->unit_kind, r->unit_amount, r->unit);
    printf("  boundary:  %s\n  stages:   ", r->boundary);
    for (int s = 0; s < SVC_STAGE_COUNT; s++)
        if (r->stage_mask & (1u << s))
            printf(" %s", svc_stage_name(s));
    printf("\n  required inputs:\n");
    for (size_t i = 0; i < r->n_inputs; i++)
        printf("    - %-22s %s / %s%s%s%s%s\n", r->inputs[i].id, r->inputs[i].name_zh, r->inputs[i].name_en,
               r->inputs[i].stage >= 0 ? "  stage " : "",
               r->inputs[i].stage >= 0 ? svc_stage_name(r->inputs[i].stage) : "",
               r->inputs[i].unit ? "  unit " : "", r->inputs[i].unit ? r->inputs[i].unit : "");
    printf("  cut-off:   %g%% per input, %g%% total\n", r->cutoff_input * 100, r->cutoff_total * 100);
    printf("  allocation:");
    for (int a = 0; a < SVC_ALLOC_COUNT; a++)
        if (r->allocation_mask & (1u << a))
            printf(" %s", svc_alloc_name(a));
    printf("\n  GWP:       %s (GWP100)\n  primary data required for stages:", r->gwp);
    for (int s = 0; s < SVC_STAGE_COUNT; s++)
        if (r->primary_stage_mask & (1u << s))
            printf(" %s", svc_stage_name(s));
    printf("\n  DQR max:   %g\n  file:      %s\n", r->dqr_max, r->file);
    return 0;
}

/* `rule show --format json`: the rule document and, in both languages, which
 * standard to follow. */
static json_t *show_json(const svc_rule *r)
{
    char *zh = svc_rule_follow_text(r, 1), *en = svc_rule_follow_text(r, 0);
    json_t *j = zh && en ? json_pack("{s:O, s:{s:s, s:s}}", "rule", r->doc, "follow", "zh", zh, "en", en) : NULL;
    free(zh);
    free(en);
    return j;
}

int cmd_rule(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        rule_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    const char *dir = NULL, *db_url = NULL, *format = "text", *product = NULL, *region = NULL, *date = NULL,
               *lang = "en", *pos = NULL;
    int drafts = 0;
    if (!strcmp(sub, "validate")) {
        if (argc < 3) {
            rule_usage(stderr);
            return EXIT_USAGE;
        }
        int rc = 0;
        for (int i = 2; i < argc; i++) {
            svc_ruleset set = {0};
            tj_error err;
            tj_error_clear(&err);
            if (svc_ruleset_load_file(&set, argv[i], &err))
                rc = cli_fail(&err);
            else
                printf("%s: ok (%s@%s)\n", argv[i], set.rules[0].id, set.rules[0].version);
            svc_ruleset_release(&set);
        }
        return rc;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            rule_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--drafts"))
            drafts = 1;
        else if (!strcmp(a, "--rules"))
            dst = &dir;
        else if (!strcmp(a, "--db"))
            dst = &db_url;
        else if (!strcmp(a, "--format"))
            dst = &format;
        else if (!strcmp(a, "--product"))
            dst = &product;
        else if (!strcmp(a, "--region"))
            dst = &region;
        else if (!strcmp(a, "--date"))
            dst = &date;
        else if (!strcmp(a, "--lang"))
            dst = &lang;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tanji rule: unknown option %s\n", a);
            return EXIT_USAGE;
        } else if (!pos)
            pos = a;
        else {
            fprintf(stderr, "tanji rule: unexpected argument %s\n", a);
            return EXIT_USAGE;
        }
        if (dst) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tanji rule: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            *dst = argv[++i];
        }
    }
    int json = !strcmp(format, "json");
    if (!json && strcmp(format, "text")) {
        fprintf(stderr, "tanji rule: --format must be text or json\n");
        return EXIT_USAGE;
    }
    if (strcmp(lang, "en") && strcmp(lang, "zh")) {
        fprintf(stderr, "tanji rule: --lang must be zh or en\n");
        return EXIT_USAGE;
    }
    int zh = !strcmp(lang, "zh");
    svc_ruleset set = {0};
    json_t *origins = NULL; /* rule find with a database: where each rule comes from */
    tj_error err;
    tj_error_clear(&err);
    int rc = 0;
    if (svc_ruleset_load_dir(&set, cli_rules_dir(dir), &err))
        return cli_fail(&err);
    if (!strcmp(sub, "list")) {
        if (json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < set.n; i++)
                json_array_append_new(arr, rule_summary_json(&set.rules[i]));
            rc = print_json(arr);
        } else {
            for (size_t i = 0; i < set.n; i++) {
                const svc_rule *r = &set.rules[i];
                printf("%-40s %-8s %-9s %-9s %-7s %s%s\n", r->id, r->version, svc_level_name(r->level),
                       svc_status_name(r->status), r->region ? r->region : "-",
                       zh ? r->title_zh : r->title_en,
                       r->is_template ? (zh ? " [模板]" : " [template]") : "");
            }
        }
    } else if (!strcmp(sub, "show")) {
        if (!pos) {
            fprintf(stderr, "tanji rule show: which rule? (tanji rule show ID)\n");
            rc = EXIT_USAGE;
            goto out;
        }
        const svc_rule *r = svc_ruleset_get(&set, pos);
        if (!r) {
            fprintf(stderr, "tanji rule show: no rule \"%s\" in %s\n", pos, cli_rules_dir(dir));
            rc = EXIT_INPUT;
            goto out;
        }
        if (json)
            rc = print_json(show_json(r));
        else
            rc = show_text(r, zh);
    } else if (!strcmp(sub, "find")) {
        if (!product) {
            fprintf(stderr, "tanji rule find: --product is required\n");
            rc = EXIT_USAGE;
            goto out;
        }
        /* with a database: the rules pulled from trusted instances too */
        const char *env_db = getenv("TANJI_DB");
        if (db_url || (env_db && *env_db)) {
            store_db *db = NULL;
            svc_ctx ctx;
            if (cli_open_ctx(db_url, NULL, &db, &ctx, &err)) {
                rc = cli_fail(&err);
                goto out;
            }
            tj_status frc = svc_fed_rules_add(&ctx, &set, &origins, &err);
            svc_ctx_release(&ctx);
            store_close(db);
            if (frc) {
                rc = cli_fail(&err);
                goto out;
            }
        }
        svc_rule_verdict *v = NULL;
        size_t n = 0;
        if (svc_rules_find(&set, product, region, date, drafts, &v, &n, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        size_t napp = 0;
        for (size_t i = 0; i < n; i++)
            napp += v[i].reason == SVC_APPLIES;
        char buf[1024];
        if (json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++) {
                json_t *o = rule_summary_json(v[i].rule);
                json_object_set_new(o, "applies", json_boolean(v[i].reason == SVC_APPLIES));
                json_object_set_new(o, "reason",
                                    json_string(svc_verdict_explain(&v[i], region, zh, buf, sizeof buf)));
                if (v[i].because)
                    json_object_set_new(o, "displaced_by", json_string(v[i].because->id));
                if (origins) {
                    json_object_set(o, "origin", json_array_get(origins, (size_t)(v[i].rule - set.rules)));
                    if (v[i].because)
                        json_object_set(o, "displaced_by_origin",
                                        json_array_get(origins, (size_t)(v[i].because - set.rules)));
                }
                json_array_append_new(arr, o);
            }
            json_t *res = json_pack("{s:s, s:s?, s:o}", "product", product, "region", region, "rules", arr);
            rc = print_json(res);
        } else {
            if (n == 0)
                printf(zh ? "没有产品 \"%s\" 的规则\n" : "no rule for product \"%s\"\n", product);
            for (size_t i = 0; i < n; i++) {
                const svc_rule *r = v[i].rule;
                const char *from = json_string_value(json_array_get(origins, (size_t)(r - set.rules)));
                int peer = from && strcmp(from, "local");
                printf("%s %s@%s  [%s] %s%s%s%s\n    %s\n", v[i].reason == SVC_APPLIES ? "*" : "-", r->id,
                       r->version, r->category, zh ? r->title_zh : r->title_en,
                       peer ? (zh ? "  (来自实例 " : "  (from instance ") : "", peer ? from : "",
                       peer ? ")" : "", svc_verdict_explain(&v[i], region, zh, buf, sizeof buf));
            }
        }
        if (!napp && rc == 0) {
            if (n)
                fprintf(stderr,
                        zh ? "tanji rule find: 没有适用的规则\n" : "tanji rule find: no rule applies\n");
            rc = EXIT_INPUT;
        }
        free(v);
    } else {
        fprintf(stderr, "tanji rule: unknown subcommand \"%s\"\n", sub);
        rc = EXIT_USAGE;
    }
out:
    json_decref(origins);
    svc_ruleset_release(&set);
    return rc;
}

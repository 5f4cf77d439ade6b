/* tanji check: does a model conform to its accounting rule? */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "io/model.h"
#include "services/check.h"
#include "services/rules.h"

static void check_usage(FILE *out)
{
    fputs("usage: tanji check MODEL.json [--rule ID[@VERSION]] [--footprint RESULT.json]\n"
          "                   [--region CODE] [--drafts] [--rules DIR] [--format text|json]\n"
          "                   [--lang zh|en]\n\n"
          "Check a model against its product accounting rule and list every violation with\n"
          "where it is in the model: declared unit and boundary, required stages, required\n"
          "inputs, cut-offs (by mass, or by share of the result with --footprint), allocation\n"
          "methods, maximum DQR, primary data.  Without --rule, the rule that applies to the\n"
          "model's product.category in --region (default: product.geography, e.g. CN-YN)\n"
          "is used, as `tanji rule find` would choose it (--drafts: templates may apply).\n"
          "检查模型是否符合产品碳足迹核算规则，列出全部不符合项及其在模型中的位置。\n\n"
          "Exit codes: 0 conforms, 1 usage, 2 bad input or unknown rule, 3 I/O error,\n"
          "            4 the model does not conform.\n",
          out);
}

/* Model and footprint files, with the model parser's size limit. */
static int load(const char *path, json_t **out)
{
    io_model_options o;
    io_model_options_init(&o);
    tj_error err;
    return io_load_json_file(path, o.max_bytes, out, NULL, &err) ? cli_fail(&err) : 0;
}

int cmd_check(int argc, char **argv)
{
    const char *model_path = NULL, *rule_ref = NULL, *fp_path = NULL, *dir = NULL, *format = "text",
               *lang = "en", *region = NULL;
    int drafts = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            check_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--drafts")) {
            drafts = 1;
            continue;
        } else if (!strcmp(a, "--region"))
            dst = &region;
        else if (!strcmp(a, "--rule"))
            dst = &rule_ref;
        else if (!strcmp(a, "--footprint"))
            dst = &fp_path;
        else if (!strcmp(a, "--rules"))
            dst = &dir;
        else if (!strcmp(a, "--format"))
            dst = &format;
        else if (!strcmp(a, "--lang"))
            dst = &lang;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tanji check: unknown option %s\n", a);
            return EXIT_USAGE;
        } else if (!model_path)
            model_path = a;
        else {
            fprintf(stderr, "tanji check: unexpected argument %s\n", a);
            return EXIT_USAGE;
        }
        if (dst) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tanji check: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            *dst = argv[++i];
        }
    }
    if (!model_path) {
        check_usage(stderr);
        return EXIT_USAGE;
    }
    int json = !strcmp(format, "json"), zh = !strcmp(lang, "zh");
    if ((!json && strcmp(format, "text")) || (!zh && strcmp(lang, "en"))) {
        fprintf(stderr, "tanji check: --format must be text or json, --lang zh or en\n");
        return EXIT_USAGE;
    }
    svc_ruleset set = {0};
    svc_check_result res = {0};
    json_t *model = NULL, *fp = NULL;
    tj_error err;
    tj_error_clear(&err);
    int rc = 0;
    if (svc_ruleset_load_dir(&set, cli_rules_dir(dir), &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    if ((rc = load(model_path, &model)) || (fp_path && (rc = load(fp_path, &fp))))
        goto out;
    const svc_rule *rule = NULL;
    char *why = NULL;
    if (svc_check_pick_rule(&set, model, rule_ref, region, drafts, zh, &rule, &why, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    if (why)
        fprintf(stderr, zh ? "tanji check: 使用规则 %s\n" : "tanji check: using rule %s\n", why);
    free(why);
    if (svc_check_model(rule, model, fp, &res, &err)) {
        if (!err.file[0])
            snprintf(err.file, sizeof err.file, "%s", model_path);
        rc = cli_fail(&err);
        goto out;
    }
    if (json) {
        json_t *j = svc_check_to_json(rule, model_path, &res);
        if (!j) {
            fprintf(stderr, "tanji check: out of memory\n");
            rc = EXIT_INTERNAL;
            goto out;
        }
        json_dumpf(j, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(j);
    } else {
        if (zh)
            printf("%s：%s %s@%s（%d 项检查，%zu 项不符合）\n", model_path, res.n ? "不符合" : "符合",
                   rule->id, rule->version, res.checks_run, res.n);
        else
            printf("%s: %s %s@%s (%d checks, %zu violations)\n", model_path,
                   res.n ? "does NOT conform to" : "conforms to", rule->id, rule->version, res.checks_run,
                   res.n);
        if (rule->is_template)
            printf(zh ? "  注意：%s 是结构模板，非官方标准\n"
                      : "  note: %s is a structural template, not an official standard\n",
                   rule->id);
        for (size_t i = 0; i < res.n; i++)
            printf("  [%s] %s: %s\n", res.v[i].code, res.v[i].path,
                   zh ? res.v[i].message_zh : res.v[i].message);
    }
    rc = res.n ? EXIT_NONCONFORM : 0;
out:
    svc_check_result_release(&res);
    json_decref(model);
    json_decref(fp);
    svc_ruleset_release(&set);
    return rc;
}

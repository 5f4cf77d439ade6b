/* tanji pact: the PACT exchange from the command line (thin: parse, call
 * services/pact.h, print).  The host API itself runs in `tanji serve
 * --pact-listen`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/inst_opts.h"
#include "services/pact.h"
#include "services/pact_sub.h"

static const char pact_usage[] =
    "usage: tanji pact pull --from URL --client-id ID (--client-secret S | --client-secret-env VAR) [--cacert F]\n"
    "       tanji pact attributes FOOTPRINT_ID (--json TEXT | --file F)\n"
    "       tanji pact partner ORG --url URL --client-id ID (--client-secret S | --client-secret-env VAR)\n"
    "       tanji pact inputs FOOTPRINT_ID | suppliers | sync\n"
    "       tanji pact subscription add --from URL --client-id ID (--client-secret S | --client-secret-env VAR)\n"
    "                                   [--interval SECONDS]\n"
    "       tanji pact subscription list | rm ID | run ID [--cacert F]\n"
    "common options: --db URL, --as NAME\n\n"
    "PACT (WBCSD Technical Specifications v3.0) exchange.  See docs/pact.md.\n"
    "  pull        import a supplier's footprints (those its PACT host offers to the client) as primary\n"
    "              data of your organisation; a model uses one as {\"factor\": {\"supplier\": \"PF-ID\"}}\n"
    "  attributes  PACT fields tanji does not calculate (productIds, productClassifications, companyIds,\n"
    "              fossilCarbonContent, productMassPerDeclaredUnit, ...) for a footprint you disclose\n"
    "  partner     a partner organisation's PACT host and the credentials tanji answers its requests with\n"
    "  inputs      a footprint's primary data share and supplier-specific inputs (flags: expired, deprecated)\n"
    "  suppliers   the suppliers' footprints your organisation pulled\n"
    "  sync        offer newly disclosed footprints now (the server does it on each request)\n"
    "  subscription  a standing pull the server runs every --interval seconds (default 86400); the secret\n"
    "              is kept encrypted with the secrets key file ($TANJI_SECRETS_KEY, else DB + .secrets-key)\n"
    "PACT 数据交换：拉取供应商碳足迹（一手数据）、定时拉取订阅、设置 PACT 属性、登记合作方回调、查看一手数据占比。\n";

static int done_json(json_t *j)
{
    inst_print_json(j);
    json_decref(j);
    return 0;
}

static const char *secret_opt(const inst_opts *o)
{
    const char *env = inst_opt(o, "client-secret-env");
    return env ? getenv(env) : inst_opt(o, "client-secret");
}

int cmd_pact(int argc, char **argv)
{
    inst_opts o;
    if (inst_opts_parse(&o, argc, argv, NULL, "pact"))
        return EXIT_USAGE;
    if (o.help || o.npos == 0) {
        fputs(pact_usage, o.help ? stdout : stderr);
        return o.help ? 0 : EXIT_USAGE;
    }
    store_db *db = NULL;
    svc_ctx ctx;
    tj_error err;
    tj_error_clear(&err);
    if (cli_open_ctx(inst_opt(&o, "db"), inst_opt(&o, "as"), &db, &ctx, &err))
        return cli_fail(&err);
    int rc;
    json_t *j = NULL;
    const char *sub = o.pos[0];
    if (!strcmp(sub, "pull") && o.npos == 1) {
        rc = svc_pact_pull(&ctx, inst_opt(&o, "from"), inst_opt(&o, "client-id"), secret_opt(&o), inst_opt(&o, "cacert"),
                           &j, &err)
                 ? cli_fail(&err)
                 : done_json(j);
    } else if (!strcmp(sub, "attributes") && o.npos == 2) {
        const char *text = inst_opt(&o, "json"), *file = inst_opt(&o, "file");
        json_error_t je;
        json_t *a = text ? json_loads(text, 0, &je) : file ? json_load_file(file, 0, &je) : NULL;
        json_t *missing = NULL;
        if (!a) {
            fprintf(stderr, "tanji pact: %s%s\n", text || file ? "not JSON: " : "give --json TEXT or --file F",
                    text || file ? je.text : "");
            rc = text || file ? EXIT_INPUT : EXIT_USAGE;
        } else if (svc_pact_attr_set(&ctx, o.pos[1], a, &missing, &err))
            rc = cli_fail(&err);
        else {
            if (json_array_size(missing)) {
                char *m = json_dumps(missing, JSON_COMPACT);
                fprintf(stderr,
                        "tanji pact: footprint %s is not offered on PACT until it has: %s / 补全这些字段后才会通过 PACT 提供\n",
                        o.pos[1], m ? m : "?");
                free(m);
            }
            rc = 0;
        }
        json_decref(missing);
        json_decref(a);
    } else if (!strcmp(sub, "partner") && o.npos == 2) {
        rc = svc_pact_partner_set(&ctx, o.pos[1], inst_opt(&o, "url"), inst_opt(&o, "client-id"), secret_opt(&o),
                                  &err)
                 ? cli_fail(&err)
                 : 0;
    } else if (!strcmp(sub, "inputs") && o.npos == 2) {
        rc = svc_pact_inputs(&ctx, o.pos[1], &j, &err) ? cli_fail(&err) : done_json(j);
    } else if (!strcmp(sub, "suppliers") && o.npos == 1) {
        rc = svc_pact_supplier_list(&ctx, &j, &err) ? cli_fail(&err) : done_json(j);
    } else if (!strcmp(sub, "subscription") && o.npos == 2 && !strcmp(o.pos[1], "add")) {
        const char *iv = inst_opt(&o, "interval");
        char *end = NULL;
        long long n = iv ? strtoll(iv, &end, 10) : 86400;
        if (iv && (!*iv || *end)) {
            fprintf(stderr, "tanji pact: --interval is a number of seconds / --interval 为秒数\n");
            rc = EXIT_USAGE;
        } else
            rc = svc_pact_sub_add(&ctx, inst_opt(&o, "from"), inst_opt(&o, "client-id"), secret_opt(&o), n, &j, &err)
                     ? cli_fail(&err)
                     : done_json(j);
    } else if (!strcmp(sub, "subscription") && o.npos == 2 && !strcmp(o.pos[1], "list")) {
        rc = svc_pact_sub_list(&ctx, &j, &err) ? cli_fail(&err) : done_json(j);
    } else if (!strcmp(sub, "subscription") && o.npos == 3 && !strcmp(o.pos[1], "rm")) {
        rc = svc_pact_sub_remove(&ctx, o.pos[2], &err) ? cli_fail(&err) : 0;
    } else if (!strcmp(sub, "subscription") && o.npos == 3 && !strcmp(o.pos[1], "run")) {
        rc = svc_pact_sub_run(&ctx, o.pos[2], inst_opt(&o, "cacert"), &j, &err) ? cli_fail(&err) : done_json(j);
    } else if (!strcmp(sub, "sync") && o.npos == 1) {
        rc = svc_pact_sync(db, &err) ? cli_fail(&err) : 0;
    } else {
        fputs(pact_usage, stderr);
        rc = EXIT_USAGE;
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

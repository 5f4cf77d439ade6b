/* tanji cert / tanji label: certification and labels (thin: parse, call the
 * service, print).  See docs/certification.md. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/http_fetch.h"
#include "cli/label_verify_file.h"
#include "cli/inst_opts.h"
#include "io/model.h"
#include "services/cert.h"
#include "services/federation.h"
#include "services/label.h"

static const char cert_usage[] =
    "usage: tanji cert catalogue list | import FILE | set CATEGORY --rule ID --name-zh T --name-en T\n"
    "                 [--validity MONTHS] [--status active|removed] [--source T] [--note T]\n"
    "       tanji cert body list | register ORG --scope CAT,... [--accreditation T] | scope ORG --scope "
    "CAT,...\n"
    "       tanji cert key new KEYFILE | add ORG --public-key HEX|FILE | revoke KEY_ID --reason T\n"
    "                 | export [--body ORG]   (the keyring `tanji label verify FILE` takes)\n"
    "       tanji cert apply FOOTPRINT_ID --body ORG\n"
    "       tanji cert doc APPLICATION FILE --type MEDIA_TYPE [--name T]\n"
    "       tanji cert step APPLICATION ACTION [--comment T] [--due DATE] [--key KEYFILE]\n"
    "                 [--public-url URL] [--model MODEL --rule ID [--rules DIR]]\n"
    "       tanji cert show APPLICATION | list [--limit N] [--offset N]\n"
    "       tanji cert dishonest list [--all] | add ORG --reason T --basis T [--from D] [--until D]\n"
    "                 | remove ID --reason T\n"
    "common options: --db URL (default $TANJI_DB, then ./tanji.db), --as NAME\n\n"
    "Label certification (碳标识认证).  ACTION: accept, decline, plan, review_documents, inspect,\n"
    "verify, evaluate, decide, refuse (the certification body), withdraw (the applicant), comment.\n"
    "plan, review_documents, inspect, verify and evaluate need a document added (cert doc) in the\n"
    "state they leave; decide signs the label with the body's key file (--key).  verify with\n"
    "--model recalculates: a new footprint of the applicant replaces the application's one.\n"
    "Regulators register bodies, keys, the catalogue and the dishonest-entity list (失信名单).\n";

static const char label_usage[] =
    "usage: tanji label show NUMBER | list | export NUMBER [-o FILE]\n"
    "       tanji label verify FILE|NUMBER|URL [--keyring FILE] [--ledger-key PUBFILE] [--at DATE]\n"
    "       tanji label svg|png NUMBER|FILE -o OUT [--scale N]\n"
    "       tanji label suspend|revoke|withdraw NUMBER --reason T | reinstate NUMBER\n"
    "       tanji label surveil NUMBER --due DATE | surveil-result NUMBER SEQ passed|failed [--comment T]\n"
    "       tanji label expire                       (the daily job; run it from cron)\n"
    "common options: --db URL, --as NAME\n\n"
    "Certified labels (碳标识).  verify FILE checks a label document offline: the signature with\n"
    "the keyring (tanji cert key export), validity, the status it carries, the ledger entry of its\n"
    "issue (and an inclusion proof when the document has one, with --ledger-key, or the\n"
    "ledger_public_key of a keyring from tanji federation keyring PEER); verify NUMBER checks\n"
    "against the database, or a label of a trusted instance against the data pulled from it\n"
    "(its origin and how fresh that knowledge is); verify URL (http://, e.g. the label's QR code) fetches "
    "the label\n"
    "and checks it here with --keyring (else the server's keyring) and adds the server's report.\n"
    "Exit 0 valid, 6 not valid (the report says why).\n";

static int fail(const tj_error *err)
{
    return cli_fail(err);
}

static int done_json(json_t *j)
{
    inst_print_json(j);
    json_decref(j);
    return 0;
}

static int cert_catalogue(svc_ctx *ctx, inst_opts *o)
{
    tj_error err;
    json_t *j = NULL;
    const char *sub = o->npos > 1 ? o->pos[1] : "list";
    if (!strcmp(sub, "list"))
        return svc_cert_catalogue_list(ctx, &j, &err) ? fail(&err) : done_json(j);
    if (!strcmp(sub, "import") && o->npos == 3) {
        int n = 0;
        if (svc_cert_catalogue_import(ctx, o->pos[2], &n, &err))
            return fail(&err);
        printf("%d catalogue entries put / 已写入认证目录条目 %d 条\n", n, n);
        return 0;
    }
    if (!strcmp(sub, "set") && o->npos == 3) {
        const char *v = inst_opt(o, "validity");
        json_t *e = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "category", o->pos[2], "rule_id",
                              inst_opt(o, "rule"), "name_zh", inst_opt(o, "name-zh"), "name_en",
                              inst_opt(o, "name-en"), "status", inst_opt(o, "status"), "source",
                              inst_opt(o, "source"), "note", inst_opt(o, "note"));
        if (v) {
            uint64_t m;
            if (cli_parse_u64(v, "--validity", 120, &m, &err)) {
                json_decref(e);
                return fail(&err);
            }
            json_object_set_new(e, "validity_months", json_integer((json_int_t)m));
        }
        tj_status rc = svc_cert_catalogue_put(ctx, e, &err);
        json_decref(e);
        return rc ? fail(&err) : 0;
    }
    fputs(cert_usage, stderr);
    return EXIT_USAGE;
}

static int cert_body(svc_ctx *ctx, inst_opts *o)
{
    tj_error err;
    json_t *j = NULL;
    const char *sub = o->npos > 1 ? o->pos[1] : "list";
    if (!strcmp(sub, "list"))
        return svc_cert_body_list(ctx, &j, &err) ? fail(&err) : done_json(j);
    if ((!strcmp(sub, "register") || !strcmp(sub, "scope")) && o->npos == 3) {
        json_t *scope = inst_list(inst_opt(o, "scope"));
        tj_status rc = !strcmp(sub, "register")
                           ? svc_cert_body_register(ctx, o->pos[2], inst_opt(o, "accreditation"), scope, &err)
                           : svc_cert_body_set_scope(ctx, o->pos[2], scope, &err);
        json_decref(scope);
        if (rc)
            return fail(&err);
        printf("%s: %s / 已登记认证机构及其认可范围\n", o->pos[2], sub);
        return 0;
    }
    fputs(cert_usage, stderr);
    return EXIT_USAGE;
}

static int cert_key(svc_ctx *ctx, inst_opts *o)
{
    tj_error err;
    const char *sub = o->npos > 1 ? o->pos[1] : "";
    if (!strcmp(sub, "add") && o->npos == 3) {
        unsigned char pk[32];
        char *id = NULL;
        if (!inst_opt(o, "public-key")) {
            fputs("tanji cert key add: --public-key is required\n", stderr);
            return EXIT_USAGE;
        }
        if (cli_read_pk(inst_opt(o, "public-key"), pk, &err) ||
            svc_cert_key_add(ctx, o->pos[2], pk, &id, &err))
            return fail(&err);
        printf("%s\n", id);
        free(id);
        return 0;
    }
    if (!strcmp(sub, "revoke") && o->npos == 3)
        return svc_cert_key_revoke(ctx, o->pos[2], inst_opt(o, "reason"), &err) ? fail(&err) : 0;
    if (!strcmp(sub, "export")) {
        json_t *j = NULL;
        return svc_cert_keyring(ctx, inst_opt(o, "body"), &j, &err) ? fail(&err) : done_json(j);
    }
    fputs(cert_usage, stderr);
    return EXIT_USAGE;
}

static int cert_dishonest(svc_ctx *ctx, inst_opts *o)
{
    tj_error err;
    json_t *j = NULL;
    const char *sub = o->npos > 1 ? o->pos[1] : "list";
    if (!strcmp(sub, "list"))
        return svc_dishonest_list(ctx, inst_opt(o, "all") != NULL, &j, &err) ? fail(&err) : done_json(j);
    if (!strcmp(sub, "add") && o->npos == 3) {
        char *id = NULL;
        if (svc_dishonest_add(ctx, o->pos[2], inst_opt(o, "reason"), inst_opt(o, "basis"),
                              inst_opt(o, "from"), inst_opt(o, "until"), &id, &err))
            return fail(&err);
        printf("%s\n", id);
        free(id);
        return 0;
    }
    if (!strcmp(sub, "remove") && o->npos == 3)
        return svc_dishonest_remove(ctx, o->pos[2], inst_opt(o, "reason"), &err) ? fail(&err) : 0;
    fputs(cert_usage, stderr);
    return EXIT_USAGE;
}

static int cert_step(svc_ctx *ctx, inst_opts *o)
{
    tj_error err;
    if (o->npos != 3) {
        fputs(cert_usage, stderr);
        return EXIT_USAGE;
    }
    svc_cert_step_in in = {.action = o->pos[2],
                           .comment = inst_opt(o, "comment"),
                           .due_at = inst_opt(o, "due"),
                           .public_url = inst_opt(o, "public-url"),
                           .rules_dir = cli_rules_dir(inst_opt(o, "rules"))};
    ledger_key key;
    svc_calculation calc;
    memset(&calc, 0, sizeof calc);
    int have_key = 0, rc = 0;
    if (inst_opt(o, "key")) {
        if (ledger_key_load(inst_opt(o, "key"), &key, &err))
            return fail(&err);
        have_key = 1;
        in.key = &key;
    }
    if (inst_opt(o, "model")) {
        svc_calc_request rq;
        svc_calc_request_init(&rq);
        rq.model_path = inst_opt(o, "model");
        if (svc_calculate(ctx, &rq, &calc, &err)) {
            rc = fail(&err);
            goto out;
        }
        in.recalculation = &calc;
    }
    json_t *j = NULL;
    if (svc_cert_step(ctx, o->pos[1], &in, &j, &err))
        rc = fail(&err);
    else {
        printf("%s: %s -> %s%s%s\n", o->pos[1], o->pos[2], json_string_value(json_object_get(j, "status")),
               json_is_string(json_object_get(j, "label_number")) ? ", label " : "",
               json_is_string(json_object_get(j, "label_number"))
                   ? json_string_value(json_object_get(j, "label_number"))
                   : "");
        json_decref(j);
    }
out:
    if (have_key)
        ledger_key_wipe(&key);
    if (in.recalculation)
        svc_calculation_release(&calc);
    return rc;
}

int cmd_cert(int argc, char **argv)
{
    static const char *const flags[] = {"all", NULL};
    inst_opts o;
    if (inst_opts_parse(&o, argc, argv, flags, "cert"))
        return EXIT_USAGE;
    if (o.help || o.npos == 0) {
        fputs(cert_usage, o.help ? stdout : stderr);
        return o.help ? 0 : EXIT_USAGE;
    }
    const char *sub = o.pos[0];
    tj_error err;
    store_db *db = NULL;
    svc_ctx ctx;
    int rc;
    if (!strcmp(sub, "key") && o.npos == 3 && !strcmp(o.pos[1], "new")) {
        /* a body's key pair, made where the body keeps it; no database */
        ledger_key k;
        if (ledger_key_create(o.pos[2], &k, &err))
            return fail(&err);
        char hex[65];
        ledger_pk_hex(k.pk, hex);
        ledger_key_wipe(&k);
        printf("%s\n", hex);
        return 0;
    }
    if (cli_open_ctx(inst_opt(&o, "db"), inst_opt(&o, "as"), &db, &ctx, &err))
        return fail(&err);
    json_t *j = NULL;
    if (!strcmp(sub, "catalogue"))
        rc = cert_catalogue(&ctx, &o);
    else if (!strcmp(sub, "body"))
        rc = cert_body(&ctx, &o);
    else if (!strcmp(sub, "key"))
        rc = cert_key(&ctx, &o);
    else if (!strcmp(sub, "dishonest"))
        rc = cert_dishonest(&ctx, &o);
    else if (!strcmp(sub, "apply") && o.npos == 2 && inst_opt(&o, "body")) {
        char *id = NULL;
        rc = svc_cert_apply(&ctx, o.pos[1], inst_opt(&o, "body"), &id, &err) ? fail(&err)
                                                                             : (printf("%s\n", id), 0);
        free(id);
    } else if (!strcmp(sub, "doc") && o.npos == 3 && inst_opt(&o, "type")) {
        char *data = NULL, sha[65];
        size_t len = 0;
        const char *name = inst_opt(&o, "name")     ? inst_opt(&o, "name")
                           : strrchr(o.pos[2], '/') ? strrchr(o.pos[2], '/') + 1
                                                    : o.pos[2];
        if (io_read_file(o.pos[2], SVC_CERT_DOC_MAX, &data, &len, &err) ||
            svc_cert_document_add(&ctx, o.pos[1], name, inst_opt(&o, "type"), data, len, sha, &err))
            rc = fail(&err);
        else
            rc = (printf("%s\n", sha), 0);
        free(data);
    } else if (!strcmp(sub, "step"))
        rc = cert_step(&ctx, &o);
    else if (!strcmp(sub, "show") && o.npos == 2)
        rc = svc_cert_application_get(&ctx, o.pos[1], &j, &err) ? fail(&err) : done_json(j);
    else if (!strcmp(sub, "list")) {
        uint64_t limit = 50, offset = 0;
        if ((inst_opt(&o, "limit") && cli_parse_u64(inst_opt(&o, "limit"), "--limit", 1000, &limit, &err)) ||
            (inst_opt(&o, "offset") &&
             cli_parse_u64(inst_opt(&o, "offset"), "--offset", 100000000, &offset, &err)))
            rc = fail(&err);
        else
            rc = svc_cert_application_list(&ctx, (int)limit, (int)offset, &j, &err) ? fail(&err)
                                                                                    : done_json(j);
    } else {
        fputs(cert_usage, stderr);
        rc = EXIT_USAGE;
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

/* ---- tanji label ---- */

/* GET url as JSON (status 200); NULL with err set otherwise. */
static json_t *get_json(const char *url, tj_error *err)
{
    io_http_req q = {.url = url, .max_bytes = 8u << 20, .timeout_s = 30};
    io_http_resp r;
    if (io_http_fetch(&q, &r, err))
        return NULL;
    json_error_t je;
    json_t *j = r.status == 200 ? json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (r.status != 200) {
        json_t *e = json_loadb(r.body, r.len, 0, NULL);
        tj_error_set(err, r.status == 404 ? TJ_ERR_NOTFOUND : TJ_ERR_IO, url, "HTTP %ld: %s", r.status,
                     json_is_string(json_object_get(e, "message"))
                         ? json_string_value(json_object_get(e, "message"))
                         : "no answer");
        json_decref(e);
    } else if (!j)
        tj_error_set_at(err, TJ_ERR_INPUT, url, je.line, je.column, "not JSON: %s", je.text);
    io_http_resp_release(&r);
    return j;
}

/* Online verification from a URL (a label's verify_url, the public label
 * route): the document is checked here, with --keyring or else the keyring
 * the server publishes, and the registry's own report is added.  No
 * database is opened. */
static int label_verify_url(inst_opts *o)
{
    tj_error err;
    tj_error_clear(&err);
    const char *url = o->pos[1];
    char *origin = io_http_origin(url), *u = NULL;
    const char *q = strchr(url, '?');
    json_t *doc = NULL, *kr = NULL, *reg = NULL, *r = NULL;
    unsigned char lpk[32];
    int rc = 0;
    if (!origin) {
        tj_error_set(&err, TJ_ERR_USAGE, url, "not an http:// or https:// URL (without user or password)");
        return fail(&err);
    }
    if (inst_opt(o, "ledger-key") && cli_read_pk(inst_opt(o, "ledger-key"), lpk, &err))
        goto failed;
    /* the document, with its inclusion proof when a ledger key checks it */
    if (asprintf(&u, "%.*s%s", q ? (int)(q - url) : (int)strlen(url), url,
                 inst_opt(o, "ledger-key") ? "?proof=true" : "") < 0 ||
        !(doc = get_json(u, &err)))
        goto failed;
    free(u);
    u = NULL;
    if (inst_opt(o, "keyring")) {
        tj_error ignored;
        if (!(kr = cli_load_json(inst_opt(o, "keyring"), &ignored))) {
            unsigned char pk[32];
            char hex[65];
            if (cli_read_pk(inst_opt(o, "keyring"), pk, &err))
                goto failed;
            ledger_pk_hex(pk, hex);
            kr = json_pack("{s:s}", "public_key", hex);
        }
    } else {
        if (asprintf(&u, "%s/api/v1/public/keyring", origin) < 0 || !(kr = get_json(u, &err)))
            goto failed;
        free(u);
        u = NULL;
    }
    if (svc_label_verify_document(doc, kr, inst_opt(o, "ledger-key") ? lpk : NULL, inst_opt(o, "at"), &r,
                                  &err))
        goto failed;
    /* the registry's report: status now, key status, the ledger row */
    const char *number = json_string_value(json_object_get(json_object_get(doc, "label"), "number"));
    if (number && asprintf(&u, "%s/api/v1/public/labels/%s/verify", origin, number) >= 0 &&
        (reg = get_json(u, &err))) {
        json_object_set_new(r, "keyring", json_string(inst_opt(o, "keyring") ? "given" : "the server's"));
        json_object_set(r, "registry", reg);
        if (!json_is_true(json_object_get(reg, "ok")))
            json_object_set_new(r, "ok", json_false());
    } else {
        json_decref(r);
        goto failed;
    }
    rc = cli_print_report(r);
    goto out;
failed:
    rc = fail(&err);
out:
    free(u);
    free(origin);
    json_decref(doc);
    json_decref(kr);
    json_decref(reg);
    return rc;
}

static int label_graphic(svc_ctx *ctx, inst_opts *o, int png)
{
    tj_error err;
    json_t *d = NULL;
    const char *out = inst_opt(o, "output");
    if (!out) {
        fputs("tanji label svg|png: -o OUT is required\n", stderr);
        return EXIT_USAGE;
    }
    if (cli_is_file(o->pos[1]) ? !(d = cli_load_json(o->pos[1], &err))
                               : svc_label_document(ctx, o->pos[1], &d, &err) != TJ_OK)
        return fail(&err);
    int rc = 0;
    const json_t *label = json_object_get(d, "label");
    if (png) {
        double scale = 4;
        if (inst_opt(o, "scale") && cli_parse_double(inst_opt(o, "scale"), "--scale", &scale, &err))
            rc = fail(&err);
        else if (svc_label_png(label, out, scale, &err))
            rc = fail(&err);
    } else {
        char *svg = NULL;
        FILE *f = NULL;
        if (svc_label_svg(label, &svg, &err) || !(f = cli_open_output(out, &err)))
            rc = fail(&err);
        else {
            fputs(svg, f);
            if (cli_commit_output(f, &err))
                rc = fail(&err);
        }
        free(svg);
    }
    json_decref(d);
    return rc;
}

int cmd_label(int argc, char **argv)
{
    inst_opts o;
    if (inst_opts_parse(&o, argc, argv, NULL, "label"))
        return EXIT_USAGE;
    if (o.help || o.npos == 0) {
        fputs(label_usage, o.help ? stdout : stderr);
        return o.help ? 0 : EXIT_USAGE;
    }
    const char *sub = o.pos[0];
    if (!strcmp(sub, "verify") && o.npos == 2 && cli_is_file(o.pos[1]))
        return cli_label_verify_file(&o);
    if (!strcmp(sub, "verify") && o.npos == 2 && strstr(o.pos[1], "://"))
        return label_verify_url(&o);
    tj_error err;
    store_db *db = NULL;
    svc_ctx ctx;
    if (cli_open_ctx(inst_opt(&o, "db"), inst_opt(&o, "as"), &db, &ctx, &err))
        return fail(&err);
    int rc = 0;
    json_t *j = NULL;
    if (!strcmp(sub, "verify") && o.npos == 2) {
        /* this instance's label, else one imported from a trusted instance
         * (federation: read-only, its origin and how fresh that is) */
        if (svc_fed_label_verify_number(&ctx, o.pos[1], &j, &err))
            rc = fail(&err);
        else {
            const json_t *org = json_object_get(j, "origin"), *k = json_object_get(j, "knowledge");
            if (json_string_value(json_object_get(org, "peer")))
                fprintf(stderr, "issued by instance %s (%s) / 发证实例；%s / %s\n",
                        json_string_value(json_object_get(org, "peer")),
                        json_string_value(json_object_get(org, "jurisdiction")) ?: "?",
                        json_string_value(json_object_get(k, "summary_en")) ?: "",
                        json_string_value(json_object_get(k, "summary_zh")) ?: "");
            rc = cli_print_report(j);
        }
    } else if (!strcmp(sub, "show") && o.npos == 2)
        rc = svc_label_get(&ctx, o.pos[1], &j, &err) ? fail(&err) : done_json(j);
    else if (!strcmp(sub, "list") && o.npos == 1)
        rc = svc_label_list_own(&ctx, &j, &err) ? fail(&err) : done_json(j);
    else if (!strcmp(sub, "export") && o.npos == 2) {
        FILE *f = NULL;
        if (svc_label_document(&ctx, o.pos[1], &j, &err) ||
            !(f = cli_open_output(inst_opt(&o, "output"), &err)))
            rc = fail(&err);
        else {
            if (json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) == 0)
                fputc('\n', f);
            if (cli_commit_output(f, &err))
                rc = fail(&err);
        }
        json_decref(j);
    } else if ((!strcmp(sub, "svg") || !strcmp(sub, "png")) && o.npos == 2)
        rc = label_graphic(&ctx, &o, !strcmp(sub, "png"));
    else if ((!strcmp(sub, "suspend") || !strcmp(sub, "reinstate") || !strcmp(sub, "revoke") ||
              !strcmp(sub, "withdraw")) &&
             o.npos == 2) {
        if (svc_label_act(&ctx, o.pos[1], sub, inst_opt(&o, "reason"), &err))
            rc = fail(&err);
        else
            printf("%s: %s\n", o.pos[1], sub);
    } else if (!strcmp(sub, "surveil") && o.npos == 2) {
        int seq = 0;
        if (svc_label_surveillance_schedule(&ctx, o.pos[1], inst_opt(&o, "due"), &seq, &err))
            rc = fail(&err);
        else
            printf("%d\n", seq);
    } else if (!strcmp(sub, "surveil-result") && o.npos == 4) {
        uint64_t seq;
        if (cli_parse_u64(o.pos[2], "SEQ", 100000, &seq, &err) ||
            svc_label_surveillance_record(&ctx, o.pos[1], (int)seq, o.pos[3], inst_opt(&o, "comment"), &err))
            rc = fail(&err);
    } else if (!strcmp(sub, "expire") && o.npos == 1) {
        int expired = 0, missed = 0;
        if (svc_label_expire(&ctx, &expired, &missed, &err))
            rc = fail(&err);
        else
            printf("%d labels expired, %d surveillances missed / 过期标识 %d 个，未按期监督 %d 次\n", expired,
                   missed, expired, missed);
    } else {
        fputs(label_usage, stderr);
        rc = EXIT_USAGE;
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return rc;
}

/* tanji federation: instance identity, trust list, packages, pulls, labels of
 * other instances, rules and factors across instances, mutual recognition
 * (see docs/federation.md). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/http_fetch.h"
#include "io/input.h"
#include "cli/label_verify_file.h"
#include "services/federation.h"

static void usage(FILE *out)
{
    fputs("usage: tanji federation identity set --name NAME --jurisdiction CODE [--url URL]\n"
          "       tanji federation identity export [-o FILE] [--key PATH]\n"
          "       tanji federation trust add FILE --for factors,rules,labels,dishonest [--url URL]\n"
          "       tanji federation trust list\n"
          "       tanji federation rules record [--rules DIR]\n"
          "       tanji federation publish [--since N] [-o FILE] [--key PATH] [--rules DIR]\n"
          "       tanji federation pull [PEER] [--file FILE | --url URL] | --all\n"
          "       tanji federation log [PEER]\n"
          "       tanji federation objects TYPE [--peer NAME] [--category C]\n"
          "       tanji federation label verify NUMBER|FILE\n"
          "       tanji federation keyring PEER [-o FILE]\n"
          "       tanji federation rule find PRODUCT [--region CODE] [--date D] [--rules DIR]\n"
          "       tanji federation factor resolve ID[@VERSION]\n"
          "       tanji federation recognition add FILE | list | for RULE_ID | for-footprint ID\n"
          "common options: --db URL  --as NAME  --format text|json\n\n"
          "Federation (联邦互认): tanji instances (national, provincial, foreign partners) exchange\n"
          "signed data packages and verify each other without a central server.\n"
          "  identity    this instance's name, jurisdiction (GB/T 2260 code, CN or ISO country code)\n"
          "              and ledger key, as a signed file to give to peers (实例身份)\n"
          "  trust       add a peer from its identity file, trusted for some of factors, rules,\n"
          "              labels, dishonest (信任列表)\n"
          "  publish     a signed package of published factor versions, rule versions, labels and\n"
          "              their status changes, body keys and dishonest-list entries from ledger\n"
          "              index N, each with its inclusion proof and the signed tree head (发布数据包)\n"
          "  pull        verify a peer's package (trusted key, signatures, proofs, consistency with\n"
          "              the head seen before) and import it read-only, or refuse it whole (拉取);\n"
          "              from --file, --url, or the peer's URL (GET URL/api/v1/federation/package);\n"
          "              --all pulls every peer that has a URL (for cron)\n"
          "  label verify  a label of another instance, by number or document, with how fresh the\n"
          "              knowledge is (跨实例校验碳标识); tanji label verify NUMBER does the same\n"
          "  keyring     a peer's body keys as pulled, with its ledger key: the --keyring of an\n"
          "              offline tanji label verify FILE of that peer's labels (离线校验公钥文件)\n"
          "  rule find   rules of this instance and of peers; a national rule supersedes provincial ones\n"
          "              (tanji rule find does the same when it is given a database)\n"
          "  factor resolve  a factor here or at a peer trusted for factors, with its origin\n"
          "  recognition  mutual recognition records: foreign scheme, rule crosswalk, labels, bodies\n"
          "The instance key is the ledger key (--key, else $TANJI_LEDGER_KEY, else next to the\n"
          "SQLite file).\n"
          "exit codes: 0 ok, 2 bad input, 6 a package or label was refused (tampered, untrusted key,\n"
          "replayed, rewritten log; the reason is printed).\n",
          out);
}

typedef struct opts {
    const char *db, *as, *format, *key, *out, *url, *file, *scopes, *name, *jurisdiction, *rules, *since,
        *peer, *category, *region, *date;
    int all;
    const char *pos[4];
    int npos;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = "text";
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(argv[i], "--all"))
            o->all = 1;
        else if ((v = cli_opt_value(argc, argv, &i, "--db")))
            o->db = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--as")))
            o->as = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--format")))
            o->format = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--key")))
            o->key = v;
        else if ((v = cli_opt_value(argc, argv, &i, "-o")) || (v = cli_opt_value(argc, argv, &i, "--out")))
            o->out = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--url")))
            o->url = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--file")))
            o->file = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--for")))
            o->scopes = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--name")))
            o->name = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--jurisdiction")))
            o->jurisdiction = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--rules")))
            o->rules = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--since")))
            o->since = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--peer")))
            o->peer = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--category")))
            o->category = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--region")))
            o->region = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--date")))
            o->date = v;
        else if (argv[i][0] == '-' || o->npos == 4) {
            fprintf(stderr, "tanji federation: unexpected argument %s (see tanji federation --help)\n",
                    argv[i]);
            return EXIT_USAGE;
        } else
            o->pos[o->npos++] = argv[i];
    }
    return 0;
}

static int print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
        puts(s);
    free(s);
    return s ? 0 : EXIT_INTERNAL;
}

static tj_status load_key(const opts *o, ledger_key *key, tj_error *err)
{
    char *path = cli_ledger_key_path(o->key, cli_db_url(o->db), err);
    if (!path)
        return err->code ? err->code : TJ_ERR_NOMEM;
    tj_status rc = ledger_key_load(path, key, err);
    free(path);
    return rc;
}

/* A peer's package from its server into a temporary file (io/http_fetch:
 * capped at the input limit, TANJI_MAX_INPUT_BYTES). */
static tj_status http_get(const char *url, FILE **out, tj_error *err)
{
    *out = NULL;
    FILE *f = tmpfile();
    if (!f)
        return tj_error_set(err, TJ_ERR_IO, NULL, "no temporary file: %s", strerror(errno));
    io_http_req q = {.url = url,
                     .accept = "application/x-ndjson",
                     .sink = f,
                     .max_bytes = io_input_limits_default().max_bytes,
                     .timeout_s = 3600};
    io_http_resp r;
    tj_status rc = io_http_fetch(&q, &r, err);
    if (rc == TJ_OK && r.status != 200)
        rc = tj_error_set(err, TJ_ERR_IO, "url", "%.200s answered HTTP %ld", url, r.status);
    if (rc == TJ_OK && (fflush(f) || fseek(f, 0, SEEK_SET)))
        rc = tj_error_set(err, TJ_ERR_IO, NULL, "temporary file: %s", strerror(errno));
    if (rc == TJ_OK)
        io_http_resp_release(&r);
    if (rc) {
        fclose(f);
        return rc;
    }
    *out = f;
    return TJ_OK;
}

static void print_summary(const json_t *s)
{
    printf("pulled from %s: %lld items (imported %lld, skipped %lld, states %lld), head size %lld%s\n"
           "已拉取 %s：%lld 项\n",
           json_string_value(json_object_get(s, "peer")),
           (long long)json_integer_value(json_object_get(s, "items")),
           (long long)json_integer_value(json_object_get(s, "imported")),
           (long long)json_integer_value(json_object_get(s, "skipped")),
           (long long)json_integer_value(json_object_get(s, "states")),
           (long long)json_integer_value(json_object_get(s, "tree_size")),
           json_is_true(json_object_get(s, "up_to_date")) ? " (up to date / 已是最新)" : "",
           json_string_value(json_object_get(s, "peer")),
           (long long)json_integer_value(json_object_get(s, "items")));
}

/* Pull one peer: from a file, a URL, or the peer's stored URL. */
static int pull_one(svc_ctx *ctx, const opts *o, const char *peer, const char *file, const char *url)
{
    tj_error err;
    tj_error_clear(&err);
    char *fetch = NULL;
    FILE *in = NULL;
    tj_status rc = TJ_OK;
    if (!file && !url) {
        json_t *peers = NULL;
        if ((rc = svc_fed_trust_list(ctx, &peers, &err)))
            return cli_fail(&err);
        size_t i;
        json_t *p;
        json_array_foreach(peers, i, p) if (!strcmp(json_string_value(json_object_get(p, "name")), peer))
        {
            const char *u = json_string_value(json_object_get(p, "url"));
            size_t ul = u ? strlen(u) : 0;
            while (ul && u[ul - 1] == '/')
                ul--;
            if (u && asprintf(&fetch, "%.*s/api/v1/federation/package?since=%lld", (int)ul, u,
                              (long long)json_integer_value(json_object_get(p, "head_size"))) < 0)
                fetch = NULL;
            if (!u)
                tj_error_set(&err, TJ_ERR_USAGE, "peer", "peer %s has no URL: use --file or --url", peer);
        }
        json_decref(peers);
        if (!fetch) {
            if (!err.code)
                tj_error_set(&err, TJ_ERR_NOTFOUND, "peer", "no trusted peer \"%s\" / 未登记该实例", peer);
            return cli_fail(&err);
        }
        url = fetch;
    }
    if (file) {
        in = fopen(file, "rb");
        if (!in) {
            tj_error_set(&err, TJ_ERR_IO, file, "cannot open: %s", strerror(errno));
            return cli_fail(&err);
        }
    } else if ((rc = http_get(url, &in, &err))) {
        free(fetch);
        return cli_fail(&err);
    }
    json_t *sum = NULL;
    rc = svc_fed_pull(ctx, peer, in, file ? file : url, &sum, &err);
    fclose(in);
    free(fetch);
    if (rc) {
        fprintf(stderr, "tanji federation pull: refused, nothing imported / 已拒绝，未导入任何数据: %s\n",
                err.message);
        return rc == TJ_ERR_INPUT || rc == TJ_ERR_PERM ? EXIT_TAMPERED : cli_exit_code(rc);
    }
    if (!strcmp(o->format, "json"))
        print_json(sum);
    else
        print_summary(sum);
    json_decref(sum);
    return 0;
}

static int print_verify(json_t *rep, const opts *o)
{
    int ok = json_is_true(json_object_get(rep, "ok"));
    if (!strcmp(o->format, "json")) {
        print_json(rep);
    } else {
        const json_t *k = json_object_get(rep, "knowledge");
        const json_t *origin = json_object_get(rep, "origin");
        const char *peer = json_string_value(json_object_get(origin, "peer"));
        const char *jur = json_string_value(json_object_get(origin, "jurisdiction"));
        printf("label %s: %s (status %s), issued by %s %s (%s)\n",
               json_string_value(json_object_get(rep, "number")), ok ? "VALID / 有效" : "NOT VALID / 无效",
               json_string_value(json_object_get(rep, "status")) ?: "?", peer ? "instance" : "this instance",
               peer ? peer : "", jur ? jur : "?");
        if (!peer) {
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(rep, "problems"), i, p) printf(
                "  problem: %s\n",
                json_is_string(p) ? json_string_value(p) : json_string_value(json_object_get(p, "problem")));
            return ok ? 0 : EXIT_TAMPERED;
        }
        printf("%s, head size %lld\n%s\n", json_string_value(json_object_get(k, "summary_en")) ?: "?",
               (long long)json_integer_value(json_object_get(k, "head_size")),
               json_string_value(json_object_get(k, "summary_zh")) ?: "");
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(rep, "problems"), i, p)
            printf("  problem: %s\n", json_is_string(p) ? json_string_value(p)
                                                        : json_string_value(json_object_get(p, "problem")));
    }
    return ok ? 0 : EXIT_TAMPERED;
}

int cmd_federation(int argc, char **argv)
{
    opts o;
    int r = parse(argc, argv, &o);
    if (r)
        return r < 0 ? 0 : r;
    if (o.npos < 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *a = o.pos[0], *b = o.npos > 1 ? o.pos[1] : "";
    store_db *db = NULL;
    svc_ctx ctx;
    tj_error err;
    tj_error_clear(&err);
    if (cli_open_ctx(o.db, o.as, &db, &ctx, &err))
        return cli_fail(&err);
    int code = 0;
    tj_status rc = TJ_OK;
    json_t *out = NULL;
    ledger_key key;
    memset(&key, 0, sizeof key);
    if (!strcmp(a, "identity") && !strcmp(b, "set")) {
        if (!o.name || !o.jurisdiction) {
            fputs("tanji federation identity set: --name and --jurisdiction are required\n", stderr);
            code = EXIT_USAGE;
        } else if (!(rc = svc_fed_identity_set(&ctx, o.name, o.jurisdiction, o.url, &err)))
            printf("identity: %s (%s)\n", o.name, o.jurisdiction);
    } else if (!strcmp(a, "identity") && !strcmp(b, "export")) {
        if (!(rc = load_key(&o, &key, &err)) && !(rc = svc_fed_identity_export(&ctx, &key, 1, &out, &err))) {
            FILE *f = cli_open_output(o.out, &err);
            if (!f)
                rc = err.code;
            else {
                json_dumpf(out, f, JSON_INDENT(2) | JSON_SORT_KEYS);
                fputc('\n', f);
                rc = cli_commit_output(f, &err);
            }
        }
    } else if (!strcmp(a, "trust") && !strcmp(b, "add") && o.npos == 3) {
        unsigned scopes = 0;
        json_t *id = NULL;
        char *name = NULL;
        if (!(rc = svc_fed_scopes_parse(o.scopes, &scopes, &err)) && (id = cli_load_json(o.pos[2], &err)) &&
            !(rc = svc_fed_trust_add(&ctx, id, scopes, o.url, &name, &err)))
            printf("trusted %s for %s / 已信任\n", name, o.scopes);
        if (!id && !rc)
            rc = err.code;
        json_decref(id);
        free(name);
    } else if (!strcmp(a, "trust") && !strcmp(b, "list")) {
        if (!(rc = svc_fed_trust_list(&ctx, &out, &err))) {
            if (!strcmp(o.format, "json"))
                print_json(out);
            else {
                size_t i;
                json_t *p;
                json_array_foreach(out, i, p)
                    printf("%s\t%s\t%s\thead %lld\tlast pull %s\t%s\n",
                           json_string_value(json_object_get(p, "name")),
                           json_string_value(json_object_get(p, "jurisdiction")),
                           json_string_value(json_object_get(p, "scopes")),
                           (long long)json_integer_value(json_object_get(p, "head_size")),
                           json_string_value(json_object_get(p, "last_pull_at")) ?: "never",
                           json_string_value(json_object_get(p, "public_key")));
            }
        }
    } else if (!strcmp(a, "rules") && !strcmp(b, "record")) {
        int added = 0;
        if (!(rc = svc_fed_rules_record(&ctx, cli_rules_dir(o.rules), &added, &err)))
            printf("%d rule versions recorded in the ledger / 已记入台账\n", added);
    } else if (!strcmp(a, "publish")) {
        uint64_t since = 0;
        int added = 0;
        if (o.since)
            rc = cli_parse_u64(o.since, "--since", (uint64_t)1 << 50, &since, &err);
        if (!rc && o.rules)
            rc = svc_fed_rules_record(&ctx, o.rules, &added, &err);
        if (!rc)
            rc = load_key(&o, &key, &err);
        FILE *f = rc ? NULL : cli_open_output(o.out, &err);
        if (!rc && !f)
            rc = err.code;
        if (!rc) {
            rc = svc_fed_publish(&ctx, &key, (int64_t)since, 1, f, &out, &err);
            if (!rc)
                rc = cli_commit_output(f, &err);
            else
                cli_close_output(f);
        }
        if (!rc && o.out)
            fprintf(stderr, "package: %lld items from index %lld, head size %lld / 数据包已生成\n",
                    (long long)json_integer_value(json_object_get(out, "items")), (long long)since,
                    (long long)json_integer_value(json_object_get(out, "tree_size")));
    } else if (!strcmp(a, "pull")) {
        if (o.all) {
            json_t *peers = NULL;
            if (!(rc = svc_fed_trust_list(&ctx, &peers, &err))) {
                size_t i;
                json_t *p;
                json_array_foreach(peers, i, p) if (json_string_value(json_object_get(p, "url")))
                {
                    int c = pull_one(&ctx, &o, json_string_value(json_object_get(p, "name")), NULL, NULL);
                    if (c && !code)
                        code = c;
                }
            }
            json_decref(peers);
        } else if (o.npos < 2 && !o.file && !o.url) {
            fputs("tanji federation pull: name a PEER, or give --file or --url\n", stderr);
            code = EXIT_USAGE;
        } else
            code = pull_one(&ctx, &o, o.npos > 1 ? b : NULL, o.file, o.url);
    } else if (!strcmp(a, "log")) {
        if (!(rc = svc_fed_pull_log(&ctx, o.npos > 1 ? b : NULL, 100, &out, &err))) {
            if (!strcmp(o.format, "json"))
                print_json(out);
            else {
                size_t i;
                json_t *p;
                json_array_foreach(out, i, p) printf(
                    "%s\t%s\t%s\thead %lld\titems %lld\t%s\n", json_string_value(json_object_get(p, "at")),
                    json_string_value(json_object_get(p, "peer")) ?: "?",
                    json_integer_value(json_object_get(p, "ok")) ? "imported" : "REFUSED",
                    (long long)json_integer_value(json_object_get(p, "head_size")),
                    (long long)json_integer_value(json_object_get(p, "items")),
                    json_string_value(json_object_get(p, "reason")) ?: "");
            }
        }
    } else if (!strcmp(a, "objects") && o.npos == 2) {
        if (!(rc = svc_fed_objects(&ctx, o.peer, b, o.category, 1000, 0, &out, &err))) {
            if (!strcmp(o.format, "json"))
                print_json(out);
            else {
                size_t i;
                json_t *p;
                json_array_foreach(out, i, p)
                    printf("%s\t%s\t%s\t%s\n", json_string_value(json_object_get(p, "object_id")),
                           json_string_value(json_object_get(p, "peer")),
                           json_string_value(json_object_get(p, "status")) ?: "",
                           json_string_value(json_object_get(p, "category")) ?: "");
            }
        }
    } else if (!strcmp(a, "label") && !strcmp(b, "verify") && o.npos == 3) {
        json_t *doc = NULL;
        const char *arg = o.pos[2];
        if (strchr(arg, '/') || strstr(arg, ".json")) {
            if (!(doc = cli_load_json(arg, &err)))
                rc = err.code;
        }
        if (!rc && !(rc = svc_fed_label_verify(&ctx, doc ? NULL : arg, doc, &out, &err)))
            code = print_verify(out, &o);
        json_decref(doc);
    } else if (!strcmp(a, "keyring") && o.npos == 2) {
        if (!(rc = svc_fed_keyring(&ctx, b, &out, &err))) {
            FILE *f = cli_open_output(o.out, &err);
            if (!f)
                rc = err.code;
            else {
                json_dumpf(out, f, JSON_INDENT(2));
                fputc('\n', f);
                rc = cli_commit_output(f, &err);
            }
        }
    } else if (!strcmp(a, "rule") && !strcmp(b, "find") && o.npos == 3) {
        if (!(rc =
                  svc_fed_rules_find(&ctx, cli_rules_dir(o.rules), o.pos[2], o.region, o.date, &out, &err))) {
            if (!strcmp(o.format, "json"))
                print_json(out);
            else {
                size_t i;
                json_t *p;
                json_array_foreach(json_object_get(out, "rules"), i, p) printf(
                    "%s %s@%s [%s]: %s\n    %s\n", json_is_true(json_object_get(p, "applies")) ? "*" : " ",
                    json_string_value(json_object_get(p, "id")),
                    json_string_value(json_object_get(p, "version")),
                    json_string_value(json_object_get(p, "origin")),
                    json_string_value(json_object_get(p, "explain_en")),
                    json_string_value(json_object_get(p, "explain_zh")));
            }
        }
    } else if (!strcmp(a, "factor") && !strcmp(b, "resolve") && o.npos == 3) {
        if (!(rc = svc_fed_factor_resolve(&ctx, o.pos[2], &out, &err)))
            print_json(out);
    } else if (!strcmp(a, "recognition") && !strcmp(b, "add") && o.npos == 3) {
        json_t *doc = cli_load_json(o.pos[2], &err);
        char *id = NULL;
        if (!doc)
            rc = err.code;
        else if (!(rc = svc_fed_recognition_add(&ctx, doc, &id, &err)))
            printf("%s\n", id);
        free(id);
        json_decref(doc);
    } else if (!strcmp(a, "recognition") && !strcmp(b, "list")) {
        if (!(rc = svc_fed_recognition_list(&ctx, &out, &err)))
            print_json(out);
    } else if (!strcmp(a, "recognition") && !strcmp(b, "for-footprint") && o.npos == 3) {
        if (!(rc = svc_fed_footprint_recognitions(&ctx, o.pos[2], &out, &err)))
            print_json(out);
    } else if (!strcmp(a, "recognition") && !strcmp(b, "for") && o.npos == 3) {
        if (!(rc = svc_fed_recognitions_for_rule(&ctx, o.pos[2], &out, &err)))
            print_json(out);
    } else {
        fprintf(stderr, "tanji federation: unknown command \"%s %s\" (see tanji federation --help)\n", a, b);
        code = EXIT_USAGE;
    }
    ledger_key_wipe(&key);
    json_decref(out);
    svc_ctx_release(&ctx);
    store_close(db);
    if (rc)
        return cli_fail(&err);
    return code;
}

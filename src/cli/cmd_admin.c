/* tanji migrate and tanji admin: operator commands (schema, organisations, users). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "ledger/ledger.h"
#include "services/account.h"
#include "services/ledger_svc.h"
#include "store/store.h"

static void migrate_usage(FILE *out)
{
    fputs("usage: tanji migrate [--db URL]\n\n"
          "Create the database if needed and bring its schema up to this tanji's version\n"
          "(建库或升级数据库结构).  An operator step: other commands refuse a database whose\n"
          "schema is behind and say to run this.  --db defaults to $TANJI_DB, then ./tanji.db;\n"
          "postgresql://... for PostgreSQL.  A SQLite file of another application is refused\n"
          "untouched.\n",
          out);
}

int cmd_migrate(int argc, char **argv)
{
    const char *db_opt = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            migrate_usage(stdout);
            return 0;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db"))) {
            db_opt = v;
        } else {
            fprintf(stderr, "tanji migrate: unexpected argument %s (see tanji migrate --help)\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    tj_error err;
    tj_error_clear(&err);
    store_db *db = NULL;
    const char *url = cli_db_url(db_opt);
    int before = 0;
    /* the version before, when the database exists and is tanji's */
    if (store_open_ex(url, 0, &db, &err) == TJ_OK) {
        store_schema_version(db, &before, &err);
        store_close(db);
        db = NULL;
    } else if (err.code == TJ_ERR_DB && strstr(err.message, "has schema version")) {
        sscanf(strstr(err.message, "has schema version") + 19, "%d", &before);
    }
    tj_error_clear(&err);
    if (store_open_ex(url, STORE_OPEN_MIGRATE, &db, &err))
        return cli_fail(&err);
    int after = 0;
    tj_status rc = store_schema_version(db, &after, &err);
    svc_ctx ctx;
    if (!rc && !(rc = svc_ctx_local(&ctx, db, NULL, &err))) {
        rc = svc_ledger_seed(&ctx, &err);
        svc_ctx_release(&ctx);
    }
    store_close(db);
    if (rc)
        return cli_fail(&err);
    if (before == after)
        printf("schema version %d: up to date / 数据库结构已是最新\n", after);
    else
        printf("schema version %d -> %d: migrated / 数据库结构已升级\n", before, after);
    return 0;
}

static void admin_usage(FILE *out)
{
    fputs("usage: tanji admin init [--key PATH]\n"
          "       tanji admin org add NAME --kind KIND [--region CODE]\n"
          "       tanji admin org list\n"
          "       tanji admin user add NAME --org ORG --roles ROLE[,ROLE...]\n"
          "       tanji admin user list [--org ORG]\n",
          out);
    cli_admin_server_usage(out);
    fputs("common options: --db URL  --as NAME  --format text|json\n\n"
          "Organisations and their users (组织与用户).  KIND: enterprise 企业, submitter 因子提交方,\n"
          "expert_panel 专家组, certification_body 认证机构, regulator 主管部门, operator 运营方.\n"
          "ROLE: operator, enterprise, submitter, reviewer, verifier, regulator.\n"
          "Commands act as the local operator unless --as (or $TANJI_AS) names a user; creating\n"
          "organisations and users is the operator's.  Every creation is a ledger entry.\n\n"
          "init (初始化): migrate the database, create the ledger's Ed25519 key file if absent\n"
          "(mode 0600; --key, else $TANJI_LEDGER_KEY, else the SQLite file's path + \".ledger-key\";\n"
          "PostgreSQL needs one of the first two), write the public key to KEYFILE.pub, record the\n"
          "operator organisation in the ledger and sign the first tree head.  The secret key is\n"
          "never printed; keep the file safe and backed up (密钥文件请妥善保管).\n",
          out);
}

static int admin_init(const char *db_opt, const char *as, const char *key_opt, int json)
{
    tj_error err;
    tj_error_clear(&err);
    const char *url = cli_db_url(db_opt);
    store_db *db = NULL;
    if (store_open_ex(url, STORE_OPEN_MIGRATE, &db, &err))
        return cli_fail(&err);
    store_close(db);
    db = NULL;
    char *key_path = cli_ledger_key_path(key_opt, url, &err);
    if (!key_path)
        return cli_fail(&err);
    svc_ctx ctx;
    if (cli_open_ctx(db_opt, as, &db, &ctx, &err)) {
        free(key_path);
        return cli_fail(&err);
    }
    ledger_key key;
    ledger_head head;
    int created = 0, code = 0;
    if (svc_ledger_init(&ctx, key_path, &key, &created, &head, &err)) {
        code = cli_fail(&err);
    } else {
        char pk[2 * LEDGER_PK_SIZE + 1], *pub_path = NULL;
        ledger_pk_hex(key.pk, pk);
        ledger_key_wipe(&key);
        FILE *f = asprintf(&pub_path, "%s.pub", key_path) < 0 ? NULL : fopen(pub_path, "w");
        if (!f || fprintf(f, "%s\n", pk) < 0 || fclose(f)) {
            tj_error_set(&err, TJ_ERR_IO, pub_path, "cannot write the public key file");
            code = cli_fail(&err);
        } else if (json) {
            json_t *j = json_pack("{s:s,s:b,s:s,s:s,s:o}", "key_file", key_path, "key_created", created,
                                  "public_key_file", pub_path, "public_key", pk, "head", ledger_head_json(&head));
            json_dumpf(j, stdout, JSON_INDENT(2));
            putchar('\n');
            json_decref(j);
        } else {
            printf("%s %s\npublic key 公钥: %s (also in %s)\nsigned head 签名树头: %lld entries\n",
                   created ? "ledger key created / 已创建台账密钥:" : "ledger key kept / 沿用已有密钥:", key_path, pk,
                   pub_path, (long long)head.tree_size);
        }
        free(pub_path);
    }
    free(key_path);
    svc_ctx_release(&ctx);
    store_close(db);
    return code;
}

int cmd_admin(int argc, char **argv)
{
    int handled = 0, server_rc = cli_admin_server(argc, argv, &handled); /* cmd_admin_server.c */
    if (handled)
        return server_rc;
    const char *db_opt = NULL, *as = NULL, *format = "text", *kind = NULL, *region = NULL, *org = NULL,
               *roles = NULL, *key = NULL;
    const char *pos[4];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            admin_usage(stdout);
            return 0;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db"))) {
            db_opt = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--as"))) {
            as = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format"))) {
            format = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--kind"))) {
            kind = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--region"))) {
            region = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--org"))) {
            org = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--roles"))) {
            roles = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--key"))) {
            key = v;
        } else if (argv[i][0] == '-' || npos == 4) {
            fprintf(stderr, "tanji admin: unexpected argument %s (see tanji admin --help)\n", argv[i]);
            return EXIT_USAGE;
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (strcmp(format, "text") && strcmp(format, "json")) {
        fprintf(stderr, "tanji admin: --format must be text or json\n");
        return EXIT_USAGE;
    }
    if (npos == 1 && !strcmp(pos[0], "init"))
        return admin_init(db_opt, as, key, !strcmp(format, "json"));
    int is_org = npos >= 2 && !strcmp(pos[0], "org"), is_user = npos >= 2 && !strcmp(pos[0], "user");
    int add = npos == 3 && !strcmp(pos[1], "add"), list = npos == 2 && !strcmp(pos[1], "list");
    if (!(is_org || is_user) || !(add || list)) {
        admin_usage(stderr);
        return EXIT_USAGE;
    }
    tj_error err;
    tj_error_clear(&err);
    store_db *db = NULL;
    svc_ctx ctx;
    if (cli_open_ctx(db_opt, as, &db, &ctx, &err))
        return cli_fail(&err);
    tj_status rc = TJ_OK;
    char *id = NULL;
    json_t *list_json = NULL;
    if (add && is_org)
        rc = svc_org_create(&ctx, pos[2], kind, region, &id, &err);
    else if (add)
        rc = svc_user_create(&ctx, pos[2], org, roles, &id, &err);
    else if (is_org)
        rc = svc_org_list(&ctx, &list_json, &err);
    else
        rc = svc_user_list(&ctx, org, &list_json, &err);
    int code = 0;
    if (rc) {
        code = cli_fail(&err);
    } else if (id) {
        if (!strcmp(format, "json"))
            printf("{\"id\": \"%s\"}\n", id);
        else
            printf("%s %s: %s\n", is_org ? "organisation" : "user", pos[2], id);
    } else if (!strcmp(format, "json")) {
        json_dumpf(list_json, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        size_t i;
        json_t *o;
        json_array_foreach(list_json, i, o)
        {
            if (is_org)
                printf("%-36s  %-18s  %s\n", json_string_value(json_object_get(o, "id")),
                       json_string_value(json_object_get(o, "kind")), json_string_value(json_object_get(o, "name")));
            else
                printf("%-36s  %-24s  %s\n", json_string_value(json_object_get(o, "id")),
                       json_string_value(json_object_get(o, "roles")), json_string_value(json_object_get(o, "name")));
        }
    }
    if (!code && (fflush(stdout) || ferror(stdout))) {
        tj_error_set(&err, TJ_ERR_IO, NULL, "cannot write the output");
        code = cli_fail(&err);
    }
    free(id);
    json_decref(list_json);
    svc_ctx_release(&ctx);
    store_close(db);
    return code;
}

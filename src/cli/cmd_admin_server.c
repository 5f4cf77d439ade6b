/* tanji admin: the server's operator commands (passwords, API clients,
 * the first administrator, backup and restore).  cmd_admin hands these
 * sub-commands here (cli_admin_server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "services/account.h"
#include "services/auth.h"
#include "store/accounts.h"
#include "store/backup.h"

void cli_admin_server_usage(FILE *out)
{
    fputs("       tanji admin user passwd NAME [--password-env VAR]   (else one line on stdin)\n"
          "       tanji admin user disable|enable NAME\n"
          "       tanji admin client add NAME --org ORG --roles ROLE[,ROLE...]   (prints the secret once)\n"
          "       tanji admin first-admin NAME [--password-env VAR]   (make run: create if missing)\n"
          "       tanji admin backup FILE      (SQLite online backup; PostgreSQL: pg_dump)\n"
          "       tanji admin restore FILE     (stop the servers first)\n",
          out);
}

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return NULL;
}

/* The password from $VAR, else a line of stdin (malloc'ed). */
static char *read_password(const char *var)
{
    if (var) {
        const char *v = getenv(var);
        return v ? strdup(v) : NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n <= 0) {
        free(line);
        return NULL;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

/* A random password for the first administrator: 20 characters. */
static char *random_password(void)
{
    static const char al[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    char *p = malloc(21);
    if (!p)
        return NULL;
    for (int i = 0; i < 20; i++)
        p[i] = al[randombytes_uniform(sizeof al - 1)];
    p[20] = '\0';
    return p;
}

int cli_admin_server(int argc, char **argv, int *handled)
{
    *handled = 0;
    if (argc < 2)
        return 0;
    const char *a = argv[1], *b = argc > 2 ? argv[2] : "";
    int passwd = !strcmp(a, "user") && !strcmp(b, "passwd"), dis = !strcmp(a, "user") && !strcmp(b, "disable"),
        en = !strcmp(a, "user") && !strcmp(b, "enable"), client = !strcmp(a, "client") && !strcmp(b, "add"),
        first = !strcmp(a, "first-admin"), backup = !strcmp(a, "backup"), restore = !strcmp(a, "restore");
    if (!(passwd || dis || en || client || first || backup || restore))
        return 0;
    *handled = 1;
    const char *db_opt = opt(argc, argv, "--db"), *as = opt(argc, argv, "--as");
    const char *name = (first || backup || restore) ? (argc > 2 ? argv[2] : NULL) : (argc > 3 ? argv[3] : NULL);
    if (!name || name[0] == '-') {
        fprintf(stderr, "tanji admin: a name is needed (see tanji admin --help)\n");
        return EXIT_USAGE;
    }
    tj_error err;
    tj_error_clear(&err);
    if (sodium_init() < 0) {
        fprintf(stderr, "tanji admin: libsodium failed to start\n");
        return EXIT_INTERNAL;
    }
    if (backup || restore) {
        tj_status rc = backup ? store_sqlite_backup(cli_db_url(db_opt), name, &err)
                              : store_sqlite_restore(cli_db_url(db_opt), name, &err);
        if (rc)
            return cli_fail(&err);
        printf("%s: %s\n", backup ? "backed up to / 已备份到" : "restored from / 已恢复自", name);
        return 0;
    }
    store_db *db = NULL;
    svc_ctx ctx;
    if (cli_open_ctx(db_opt, as, &db, &ctx, &err))
        return cli_fail(&err);
    int code = 0;
    tj_status rc = TJ_OK;
    if (passwd) {
        char *pw = read_password(opt(argc, argv, "--password-env"));
        rc = pw ? svc_user_set_password(&ctx, name, pw, &err)
                : tj_error_set(&err, TJ_ERR_USAGE, "password", "no password given");
        svc_secret_free(pw);
        if (!rc)
            printf("password set / 已设置密码: %s\n", name);
    } else if (dis || en) {
        if (!(rc = svc_principal_set_disabled(&ctx, name, dis, &err)))
            printf("%s %s\n", name, dis ? "disabled / 已停用" : "enabled / 已启用");
    } else if (client) {
        char *id = NULL, *secret = NULL;
        if (!(rc = svc_client_create(&ctx, name, opt(argc, argv, "--org"), opt(argc, argv, "--roles"), &id, &secret,
                                     &err)))
            printf("client_id: %s\nclient_secret: %s\n(the secret is shown once: keep it / 密钥只显示一次，请妥善保存)\n",
                   id, secret);
        free(id);
        svc_secret_free(secret);
    } else {
        store_principal p;
        if (store_principal_get(db, name, &p, NULL) == TJ_OK) {
            printf("administrator %s exists: its password is unchanged / 管理员已存在，密码未变\n", name);
            store_principal_release(&p);
        } else {
            const char *var = opt(argc, argv, "--password-env");
            char *pw = var && getenv(var) ? strdup(getenv(var)) : random_password();
            char *id = NULL;
            if (!pw)
                rc = tj_error_set(&err, TJ_ERR_NOMEM, NULL, "out of memory");
            else if (!(rc = svc_user_add(&ctx, name, SVC_OPERATOR_ORG, "operator", pw, &id, &err))) {
                if (var && getenv(var))
                    printf("administrator %s created with the password in $%s / 已创建管理员\n", name, var);
                else
                    printf("administrator %s created; password (shown once) / 已创建管理员，密码仅显示一次: %s\n", name,
                           pw);
            }
            free(id);
            svc_secret_free(pw);
        }
    }
    if (rc)
        code = cli_fail(&err);
    svc_ctx_release(&ctx);
    store_close(db);
    return code;
}

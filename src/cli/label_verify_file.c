/* tanji label verify FILE: offline verification of a label document with a
 * keyring, without a database.  Linked into the full CLI and into the small
 * `tanji` launcher (src/launch/main.c), which runs it without loading the
 * rest of tanji's libraries.  See docs/certification.md. */
#include "cli/label_verify_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "ledger/ledger.h"
#include "services/label.h"

json_t *cli_load_json(const char *path, tj_error *err)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        tj_error_set_at(err, TJ_ERR_INPUT, path, je.line, je.column, "%s", je.text);
    return j;
}

/* A public key: 64 hex digits, or a file holding them. */
tj_status cli_read_pk(const char *s, unsigned char pk[32], tj_error *err)
{
    if (s && strlen(s) == 64 && !ledger_pk_from_hex(s, pk))
        return TJ_OK;
    char text[200];
    FILE *f = s ? fopen(s, "rb") : NULL;
    if (!f)
        return tj_error_set(err, TJ_ERR_INPUT, s, "not a public key (64 hex digits) nor a readable file / 不是公钥");
    size_t len = fread(text, 1, sizeof text - 1, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (more)
        return tj_error_set(err, TJ_ERR_INPUT, s, "not a public key (64 hex digits) / 不是公钥");
    text[len] = '\0';
    tj_status rc;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    rc = len == 64 && !ledger_pk_from_hex(text, pk)
             ? TJ_OK
             : tj_error_set(err, TJ_ERR_INPUT, s, "not a public key (64 hex digits) / 不是公钥");
    return rc;
}

int cli_is_file(const char *s)
{
    struct stat st;
    return stat(s, &st) == 0 && S_ISREG(st.st_mode);
}

int cli_print_report(json_t *r)
{
    int valid = json_is_true(json_object_get(r, "ok"));
    inst_print_json(r);
    fprintf(stderr, "%s: %s\n", json_string_value(json_object_get(r, "number")),
            valid ? "valid label / 标识有效" : "NOT valid / 标识无效");
    json_decref(r);
    return valid ? 0 : EXIT_TAMPERED;
}

/* Offline verification: no database is opened. */
int cli_label_verify_file(inst_opts *o)
{
    tj_error err;
    if (!inst_opt(o, "keyring")) {
        fputs(
            "tanji label verify FILE: --keyring FILE is required (tanji cert key export, or a file with one "
            "public key) / 离线校验需提供公钥文件\n",
            stderr);
        return EXIT_USAGE;
    }
    json_t *doc = cli_load_json(o->pos[1], &err), *kr = NULL;
    if (!doc)
        return cli_fail(&err);
    unsigned char pk[32], lpk[32];
    int rc = 0;
    if (cli_is_file(inst_opt(o, "keyring")) && (kr = json_load_file(inst_opt(o, "keyring"), 0, NULL)) == NULL) {
        /* not JSON: a single public key */
        if (cli_read_pk(inst_opt(o, "keyring"), pk, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        char hex[65];
        ledger_pk_hex(pk, hex);
        kr = json_pack("{s:s}", "public_key", hex);
    }
    if (!kr) {
        tj_error_set(&err, TJ_ERR_INPUT, inst_opt(o, "keyring"), "cannot read the keyring");
        rc = cli_fail(&err);
        goto out;
    }
    if (inst_opt(o, "ledger-key") && cli_read_pk(inst_opt(o, "ledger-key"), lpk, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    json_t *r = NULL;
    if (svc_label_verify_document(doc, kr, inst_opt(o, "ledger-key") ? lpk : NULL, inst_opt(o, "at"), &r,
                                  &err))
        rc = cli_fail(&err);
    else
        rc = cli_print_report(r);
out:
    json_decref(doc);
    json_decref(kr);
    return rc;
}


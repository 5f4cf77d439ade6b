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
    /* bounded: a regular file of at most CLI_JSON_MAX bytes (a device, a
     * pipe or a file that grows past the cap while read is refused) */
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0) {
        if (f)
            fclose(f);
        tj_error_set(err, TJ_ERR_IO, path, "cannot read %s", path);
        return NULL;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size > CLI_JSON_MAX) {
        fclose(f);
        tj_error_set(err, TJ_ERR_INPUT, path, "%s is not a regular file of at most %d MiB", path,
                     CLI_JSON_MAX >> 20);
        return NULL;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        return NULL;
    }
    n = fread(buf, 1, cap, f);
    int bad = ferror(f) || n == cap; /* n == cap: it grew while read */
    fclose(f);
    if (bad) {
        free(buf);
        tj_error_set(err, TJ_ERR_IO, path, "cannot read %s (changed while read?)", path);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
    free(buf);
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
        return tj_error_set(err, TJ_ERR_INPUT, s,
                            "not a public key (64 hex digits) nor a readable file / 不是公钥");
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
    tj_error ignored;
    if (cli_is_file(inst_opt(o, "keyring")) && (kr = cli_load_json(inst_opt(o, "keyring"), &ignored)) == NULL) {
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
    /* a keyring exported from the federation data (tanji federation keyring
     * PEER) names the issuing instance's ledger key */
    int have_lpk = inst_opt(o, "ledger-key") != NULL;
    const char *klpk = json_string_value(json_object_get(kr, "ledger_public_key"));
    if (!have_lpk && klpk) {
        if (ledger_pk_from_hex(klpk, lpk)) {
            tj_error_set(&err, TJ_ERR_INPUT, inst_opt(o, "keyring"),
                         "ledger_public_key is not 64 hex digits");
            rc = cli_fail(&err);
            goto out;
        }
        have_lpk = 1;
    }
    json_t *r = NULL;
    if (svc_label_verify_document(doc, kr, have_lpk ? lpk : NULL, inst_opt(o, "at"), &r, &err))
        rc = cli_fail(&err);
    else
        rc = cli_print_report(r);
out:
    json_decref(doc);
    json_decref(kr);
    return rc;
}

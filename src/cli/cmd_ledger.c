/* tanji ledger: signed tree heads, proofs, verification (see docs/ledger.md). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/label_verify_file.h"
#include "ledger/ledger.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fputs("usage: tanji ledger head [--no-sign] [--key PATH] [--format text|json]\n"
          "       tanji ledger proof --index N [--size M] [--out FILE]\n"
          "       tanji ledger proof --from A --to B [--out FILE]\n"
          "       tanji ledger verify [--key PATH | --public-key HEX|FILE] [--format text|json]\n"
          "       tanji ledger verify-proof FILE --public-key HEX|FILE\n"
          "common options: --db URL  --as NAME\n\n"
          "The ledger (台账日志): every state change is an entry of an append-only Merkle tree\n"
          "(RFC 6962); tree heads are signed with the Ed25519 key made by `tanji admin init`.\n"
          "  head          sign a head of the log if it grew since the last one (needs the key;\n"
          "                --no-sign only shows), print size, root, signature, public key\n"
          "                (签名并显示树头)\n"
          "  proof         inclusion proof of entry N in the signed head of size M (default: the\n"
          "                latest), or consistency proof between the signed heads of sizes A and\n"
          "                B, as JSON that verify-proof checks offline (包含/一致性证明)\n"
          "  verify        recompute everything from the database: entries changed, deleted,\n"
          "                inserted or reordered, tree nodes, signed heads the log does not\n"
          "                extend, records whose state their entries do not explain (全量校验)\n"
          "  verify-proof  check a proof file with the public key only (离线验证证明)\n"
          "The key file: --key, else $TANJI_LEDGER_KEY, else the SQLite file's path + \".ledger-key\"\n"
          "(PostgreSQL needs --key or $TANJI_LEDGER_KEY).  --public-key takes the hex key or a file\n"
          "holding it (admin init writes KEYFILE.pub).\n"
          "exit codes: 0 ok, 6 verification found problems or the proof does not hold.\n",
          out);
}

char *cli_ledger_key_path(const char *opt, const char *db_url, tj_error *err)
{
    const char *env = getenv("TANJI_LEDGER_KEY");
    char *p = NULL;
    if (opt && *opt)
        p = strdup(opt);
    else if (env && *env)
        p = strdup(env);
    else if (db_url && (strncmp(db_url, "postgres://", 11) && strncmp(db_url, "postgresql://", 13))) {
        const char *path = strncmp(db_url, "sqlite:", 7) ? db_url : db_url + 7;
        if (asprintf(&p, "%s.ledger-key", path) < 0)
            p = NULL;
    } else {
        tj_error_set(err, TJ_ERR_USAGE, "key",
                     "with PostgreSQL the ledger key file must be named: --key PATH or $TANJI_LEDGER_KEY / "
                     "请用 --key 指定密钥文件");
        return NULL;
    }
    if (!p)
        tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return p;
}

static int parse_count(const char *s, int64_t *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* --public-key: 64 hex digits, or a file holding them */
static tj_status read_pk(const char *arg, unsigned char pk[LEDGER_PK_SIZE], tj_error *err)
{
    if (!ledger_pk_from_hex(arg, pk))
        return TJ_OK;
    FILE *f = fopen(arg, "r");
    if (!f)
        return tj_error_set(err, TJ_ERR_USAGE, "public-key",
                            "--public-key must be 64 hex digits or a file holding them / 公钥格式无效");
    char buf[130] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    if (ledger_pk_from_hex(buf, pk))
        return tj_error_set(err, TJ_ERR_INPUT, arg, "the file does not hold a public key (64 hex digits)");
    return TJ_OK;
}

static void print_head_text(const ledger_head *h)
{
    json_t *j = ledger_head_json(h);
    printf("tree size 条目数:  %lld\nroot hash 根哈希:  %s\nsigned at 签名时间: %s\npublic key 公钥:   %s\n"
           "signature 签名:    %s\n",
           (long long)h->tree_size, json_string_value(json_object_get(j, "root_hash")), h->signed_at,
           json_string_value(json_object_get(j, "public_key")),
           json_string_value(json_object_get(j, "signature")));
    json_decref(j);
}

static int write_json(json_t *j, const char *out_path, tj_error *err)
{
    int rc;
    if (out_path) {
        rc = json_dump_file(j, out_path, JSON_INDENT(2));
        if (rc)
            tj_error_set(err, TJ_ERR_IO, out_path, "cannot write the file");
    } else {
        rc = json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    return rc;
}

int cmd_ledger(int argc, char **argv)
{
    const char *db_opt = NULL, *as = NULL, *format = "text", *key_opt = NULL, *pk_opt = NULL,
               *out_path = NULL;
    const char *index_s = NULL, *size_s = NULL, *from_s = NULL, *to_s = NULL;
    const char *pos[3];
    int npos = 0, no_sign = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--no-sign")) {
            no_sign = 1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db"))) {
            db_opt = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--as"))) {
            as = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format"))) {
            format = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--key"))) {
            key_opt = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--public-key"))) {
            pk_opt = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--out"))) {
            out_path = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--index"))) {
            index_s = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--size"))) {
            size_s = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--from"))) {
            from_s = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--to"))) {
            to_s = v;
        } else if (argv[i][0] == '-' || npos == 3) {
            fprintf(stderr, "tanji ledger: unexpected argument %s (see tanji ledger --help)\n", argv[i]);
            return EXIT_USAGE;
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos < 1 || (strcmp(format, "text") && strcmp(format, "json"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int json = !strcmp(format, "json");
    const char *sub = pos[0];
    tj_error err;
    tj_error_clear(&err);

    if (!strcmp(sub, "verify-proof")) {
        unsigned char pk[LEDGER_PK_SIZE];
        if (npos != 2 || !pk_opt) {
            fprintf(stderr, "tanji ledger verify-proof: give the proof file and --public-key\n");
            return EXIT_USAGE;
        }
        if (read_pk(pk_opt, pk, &err))
            return cli_fail(&err);
        json_t *doc = cli_load_json(pos[1], &err);
        if (!doc)
            return cli_fail(&err);
        int ok = 0;
        const char *why = NULL;
        tj_status rc = ledger_verify_proof_json(doc, pk, &ok, &why, &err);
        json_decref(doc);
        if (rc)
            return cli_fail(&err);
        if (ok)
            printf("proof holds: signed by the key and consistent / 证明成立\n");
        else
            printf("proof does NOT hold / 证明不成立: %s\n", why);
        return ok ? 0 : EXIT_TAMPERED;
    }

    store_db *db = NULL;
    svc_ctx ctx;
    if (cli_open_ctx(db_opt, as, &db, &ctx, &err))
        return cli_fail(&err);
    int code = 0;
    tj_status rc = TJ_OK;
    if (!strcmp(sub, "head") && npos == 1) {
        ledger_key key;
        int have_key = 0, found = 0, signed_new = 0;
        ledger_head h;
        if (!no_sign && (ctx.who.roles & SVC_ROLE_OPERATOR)) {
            char *path = cli_ledger_key_path(key_opt, cli_db_url(db_opt), &err);
            tj_error kerr;
            if (path && ledger_key_load(path, &key, &kerr) == TJ_OK)
                have_key = 1;
            else if (path && key_opt)
                err = kerr;
            free(path);
            if (!have_key && key_opt) {
                code = cli_fail(&err);
                goto done;
            }
        }
        if (have_key) {
            rc = svc_ledger_sign_head(&ctx, &key, &h, &signed_new, &err);
            ledger_key_wipe(&key);
            found = 1;
        }
        int64_t size = 0;
        merkle_hash root;
        ledger_head latest;
        int latest_found = 0;
        if (!rc)
            rc = svc_ledger_head(&ctx, &latest, &latest_found, &size, &root, &err);
        if (rc) {
            code = cli_fail(&err);
            goto done;
        }
        if (!found && latest_found) {
            h = latest;
            found = 1;
        }
        char root_hex[65];
        merkle_to_hex(&root, root_hex);
        if (json) {
            json_t *j = json_pack("{s:I,s:s,s:o,s:b}", "tree_size", (json_int_t)size, "root_hash", root_hex,
                                  "signed_head", found ? ledger_head_json(&h) : json_null(), "signed_now",
                                  signed_new);
            write_json(j, NULL, &err);
            json_decref(j);
        } else if (found) {
            print_head_text(&h);
            if (h.tree_size != size)
                printf(
                    "(the log has %lld entries now; the latest signed head covers %lld: sign with the key / "
                    "日志已增长，尚未签名)\n",
                    (long long)size, (long long)h.tree_size);
        } else {
            printf("tree size 条目数:  %lld\nroot hash 根哈希:  %s\n(no signed head: run tanji admin init / "
                   "尚无签名树头)\n",
                   (long long)size, root_hex);
        }
    } else if (!strcmp(sub, "proof") && npos == 1) {
        json_t *doc = NULL;
        int64_t index = 0, size = -1, from = 0, to = 0;
        if (index_s && !from_s && !to_s && !parse_count(index_s, &index) &&
            (!size_s || !parse_count(size_s, &size)))
            rc = svc_ledger_inclusion(&ctx, index, size, &doc, &err);
        else if (!index_s && !size_s && from_s && to_s && !parse_count(from_s, &from) &&
                 !parse_count(to_s, &to))
            rc = svc_ledger_consistency(&ctx, from, to, &doc, &err);
        else {
            fprintf(stderr,
                    "tanji ledger proof: give --index N [--size M], or --from A --to B (whole numbers)\n");
            code = EXIT_USAGE;
            goto done;
        }
        if (rc || write_json(doc, out_path, &err))
            code = cli_fail(&err);
        json_decref(doc);
    } else if (!strcmp(sub, "verify") && npos == 1) {
        unsigned char pk[LEDGER_PK_SIZE];
        const unsigned char *trusted = NULL;
        if (pk_opt) {
            if ((rc = read_pk(pk_opt, pk, &err))) {
                code = cli_fail(&err);
                goto done;
            }
            trusted = pk;
        } else {
            ledger_key key;
            tj_error kerr;
            char *path = cli_ledger_key_path(key_opt, cli_db_url(db_opt), &kerr);
            if (path && ledger_key_load(path, &key, &kerr) == TJ_OK) {
                memcpy(pk, key.pk, sizeof pk);
                trusted = pk;
                ledger_key_wipe(&key);
            } else if (key_opt) {
                free(path);
                code = cli_fail(&kerr);
                goto done;
            }
            free(path);
        }
        ledger_report r;
        if ((rc = svc_ledger_verify(&ctx, trusted, NULL, &r, &err))) {
            code = cli_fail(&err);
            goto done;
        }
        if (json) {
            json_t *j = ledger_report_json(&r);
            write_json(j, NULL, &err);
            json_decref(j);
        } else {
            printf("entries 条目: %lld, tree 树: %lld, signed heads 签名树头: %lld, records checked 记录: "
                   "%lld\n",
                   (long long)r.entries, (long long)r.tree_size, (long long)r.heads,
                   (long long)r.objects_checked);
            if (!r.key_trusted)
                printf("(no trusted key given: heads checked against the first head's key / "
                       "未指定受信任公钥)\n");
            for (size_t i = 0; i < r.nproblems && i < 1000; i++)
                printf("%-9s %s\n", ledger_problem_name(r.problems[i].kind), r.problems[i].detail);
            if (r.nproblems > 1000)
                printf("... and %zu more (--format json lists all)\n", r.nproblems - 1000);
            printf(r.nproblems ? "%zu problem(s) found / 发现问题\n"
                               : "ledger verified: no problems / 校验通过\n",
                   r.nproblems);
        }
        code = r.nproblems ? EXIT_TAMPERED : 0;
        ledger_report_release(&r);
    } else {
        usage(stderr);
        code = EXIT_USAGE;
    }
done:
    if (!code && (fflush(stdout) || ferror(stdout))) {
        tj_error_set(&err, TJ_ERR_IO, NULL, "cannot write the output");
        code = cli_fail(&err);
    }
    svc_ctx_release(&ctx);
    store_close(db);
    return code;
}

/* ledger: Ed25519 keys, signed tree heads, offline proof checks; see ledger.h. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"

#define KEY_TYPE "tanji-ledger-key/ed25519"
#define HEAD_TYPE "tanji-ledger-head/v1"

static void hex_of(const unsigned char *b, size_t n, char *hex)
{
    sodium_bin2hex(hex, 2 * n + 1, b, n);
}

/* exactly 2n hex digits into b */
static int bin_of(const char *hex, unsigned char *b, size_t n)
{
    size_t got = 0;
    if (!hex || strlen(hex) != 2 * n)
        return -1;
    if (sodium_hex2bin(b, n, hex, 2 * n, NULL, &got, NULL) || got != n)
        return -1;
    return 0;
}

void ledger_pk_hex(const unsigned char pk[LEDGER_PK_SIZE], char hex[2 * LEDGER_PK_SIZE + 1])
{
    hex_of(pk, LEDGER_PK_SIZE, hex);
}

int ledger_pk_from_hex(const char *hex, unsigned char pk[LEDGER_PK_SIZE])
{
    return bin_of(hex, pk, LEDGER_PK_SIZE);
}

void ledger_key_wipe(ledger_key *key)
{
    sodium_memzero(key, sizeof *key);
}

tj_status ledger_key_create(const char *path, ledger_key *key, tj_error *err)
{
    if (sodium_init() < 0)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "libsodium failed to initialise");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return tj_error_set(err, errno == EEXIST ? TJ_ERR_CONFLICT : TJ_ERR_IO, path,
                            "cannot create the ledger key file: %s / 无法创建密钥文件", strerror(errno));
    crypto_sign_keypair(key->pk, key->sk);
    char pk[2 * LEDGER_PK_SIZE + 1], sk[2 * 64 + 1];
    hex_of(key->pk, sizeof key->pk, pk);
    hex_of(key->sk, sizeof key->sk, sk);
    char text[400];
    int n =
        snprintf(text, sizeof text, "{\"type\": \"%s\", \"public_key\": \"%s\", \"secret_key\": \"%s\"}\n",
                 KEY_TYPE, pk, sk);
    sodium_memzero(sk, sizeof sk);
    ssize_t w = write(fd, text, (size_t)n);
    int bad = w != n || fsync(fd) != 0;
    sodium_memzero(text, sizeof text);
    if (close(fd) != 0 || bad) {
        unlink(path);
        ledger_key_wipe(key);
        return tj_error_set(err, TJ_ERR_IO, path, "cannot write the ledger key file");
    }
    return TJ_OK;
}

tj_status ledger_key_load(const char *path, ledger_key *key, tj_error *err)
{
    memset(key, 0, sizeof *key);
    if (sodium_init() < 0)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "libsodium failed to initialise");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tj_error_set(
            err, errno == ENOENT ? TJ_ERR_NOTFOUND : TJ_ERR_IO, path,
            "cannot read the ledger key file: %s (tanji admin init creates it) / 无法读取密钥文件",
            strerror(errno));
    if (sb.st_mode & 077)
        return tj_error_set(
            err, TJ_ERR_PERM, path,
            "the ledger key file may be read by others (mode %03o): chmod 600 it / 密钥文件权限过宽",
            (unsigned)(sb.st_mode & 0777));
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return tj_error_set_at(err, TJ_ERR_INPUT, path, je.line, je.column, "not a ledger key file: %s",
                               je.text);
    const char *type = json_string_value(json_object_get(j, "type"));
    tj_status rc = TJ_OK;
    unsigned char derived[LEDGER_PK_SIZE];
    if (!type || strcmp(type, KEY_TYPE))
        rc = tj_error_set(err, TJ_ERR_INPUT, path, "not a ledger key file (type is not %s)", KEY_TYPE);
    else if (bin_of(json_string_value(json_object_get(j, "public_key")), key->pk, sizeof key->pk) ||
             bin_of(json_string_value(json_object_get(j, "secret_key")), key->sk, sizeof key->sk))
        rc = tj_error_set(err, TJ_ERR_INPUT, path,
                          "the ledger key file's keys are not hex of the right length");
    else if (crypto_sign_ed25519_sk_to_pk(derived, key->sk) != 0 || memcmp(derived, key->pk, sizeof derived))
        rc = tj_error_set(err, TJ_ERR_INPUT, path,
                          "the ledger key file's public key does not match its secret key");
    /* the secret's hex stays in jansson's buffers until freed; wipe it */
    json_t *s = json_object_get(j, "secret_key");
    if (json_is_string(s))
        sodium_memzero((char *)json_string_value(s), json_string_length(s));
    json_decref(j);
    if (rc)
        ledger_key_wipe(key);
    return rc;
}

static json_t *head_body(const ledger_head *h)
{
    char root[65];
    merkle_to_hex(&h->root, root);
    return json_pack("{s:s,s:s,s:I,s:s}", "root_hash", root, "signed_at", h->signed_at, "tree_size",
                     (json_int_t)h->tree_size, "type", HEAD_TYPE);
}

char *ledger_head_message(const ledger_head *h)
{
    json_t *b = head_body(h);
    char *s = b ? ledger_canonical_json(b) : NULL;
    json_decref(b);
    return s;
}

tj_status ledger_head_sign(ledger_head *h, const ledger_key *key, tj_error *err)
{
    char *m = ledger_head_message(h);
    if (!m)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    memcpy(h->public_key, key->pk, LEDGER_PK_SIZE);
    crypto_sign_detached(h->signature, NULL, (const unsigned char *)m, strlen(m), key->sk);
    free(m);
    return TJ_OK;
}

int ledger_head_signature_ok(const ledger_head *h, const unsigned char *pk)
{
    if (pk && sodium_memcmp(pk, h->public_key, LEDGER_PK_SIZE))
        return 0;
    char *m = ledger_head_message(h);
    if (!m)
        return 0;
    int ok =
        crypto_sign_verify_detached(h->signature, (const unsigned char *)m, strlen(m), h->public_key) == 0;
    free(m);
    return ok;
}

json_t *ledger_head_json(const ledger_head *h)
{
    char root[65], pk[2 * LEDGER_PK_SIZE + 1], sig[129];
    merkle_to_hex(&h->root, root);
    hex_of(h->public_key, LEDGER_PK_SIZE, pk);
    hex_of(h->signature, 64, sig);
    return json_pack("{s:I,s:s,s:s,s:s,s:s}", "tree_size", (json_int_t)h->tree_size, "root_hash", root,
                     "signed_at", h->signed_at, "public_key", pk, "signature", sig);
}

tj_status ledger_head_from_json(const json_t *j, ledger_head *h, tj_error *err)
{
    memset(h, 0, sizeof *h);
    json_t *size = json_object_get(j, "tree_size");
    const char *at = json_string_value(json_object_get(j, "signed_at"));
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return tj_error_set(err, TJ_ERR_INPUT, "tree_size",
                            "a tree head needs tree_size, a whole number >= 0");
    h->tree_size = (int64_t)json_integer_value(size);
    if (merkle_from_hex(json_string_value(json_object_get(j, "root_hash")), &h->root))
        return tj_error_set(err, TJ_ERR_INPUT, "root_hash", "a tree head needs root_hash, 64 hex digits");
    if (!at || strlen(at) >= sizeof h->signed_at)
        return tj_error_set(err, TJ_ERR_INPUT, "signed_at", "a tree head needs signed_at (RFC 3339, UTC)");
    strcpy(h->signed_at, at);
    if (bin_of(json_string_value(json_object_get(j, "public_key")), h->public_key, LEDGER_PK_SIZE))
        return tj_error_set(err, TJ_ERR_INPUT, "public_key", "a tree head needs public_key, 64 hex digits");
    if (bin_of(json_string_value(json_object_get(j, "signature")), h->signature, 64))
        return tj_error_set(err, TJ_ERR_INPUT, "signature", "a tree head needs signature, 128 hex digits");
    return TJ_OK;
}

/* proof: a JSON array of hex hashes */
static tj_status read_path(const json_t *a, merkle_hash *out, size_t *n, tj_error *err)
{
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) > MERKLE_MAX_PROOF)
        return tj_error_set(err, TJ_ERR_INPUT, "proof", "proof must be an array of at most %d hashes",
                            MERKLE_MAX_PROOF);
    for (size_t i = 0; i < json_array_size(a); i++)
        if (merkle_from_hex(json_string_value(json_array_get(a, i)), &out[i]))
            return tj_error_set(err, TJ_ERR_INPUT, "proof", "proof[%zu] is not 64 hex digits", i);
    *n = json_array_size(a);
    return TJ_OK;
}

tj_status ledger_verify_proof_json(const json_t *doc, const unsigned char pk[LEDGER_PK_SIZE], int *ok,
                                   const char **why, tj_error *err)
{
    *ok = 0;
    *why = NULL;
    const char *type = json_string_value(json_object_get(doc, "type"));
    merkle_hash path[MERKLE_MAX_PROOF];
    size_t n = 0;
    tj_status rc;
    if (!type)
        return tj_error_set(err, TJ_ERR_INPUT, "type", "not a ledger proof (no type)");
    if ((rc = read_path(json_object_get(doc, "proof"), path, &n, err)))
        return rc;
    if (!strcmp(type, "tanji-ledger-inclusion-proof/v1")) {
        ledger_head h;
        if ((rc = ledger_head_from_json(json_object_get(doc, "head"), &h, err)))
            return rc;
        json_t *idx = json_object_get(doc, "index");
        const char *entry = json_string_value(json_object_get(doc, "entry"));
        if (!json_is_integer(idx) || !entry)
            return tj_error_set(err, TJ_ERR_INPUT, "index", "an inclusion proof needs index and entry");
        merkle_hash leaf;
        merkle_leaf_hash(entry, strlen(entry), &leaf);
        if (!ledger_head_signature_ok(&h, pk))
            *why = "the tree head is not signed by this public key / 树头签名无效";
        else if (!merkle_verify_inclusion((int64_t)json_integer_value(idx), h.tree_size, &leaf, path, n,
                                          &h.root))
            *why = "the entry is not in the signed tree: the proof does not hold / 包含证明不成立";
        else
            *ok = 1;
        return TJ_OK;
    }
    if (!strcmp(type, "tanji-ledger-consistency-proof/v1")) {
        ledger_head a, b;
        if ((rc = ledger_head_from_json(json_object_get(doc, "from"), &a, err)) ||
            (rc = ledger_head_from_json(json_object_get(doc, "to"), &b, err)))
            return rc;
        if (!ledger_head_signature_ok(&a, pk) || !ledger_head_signature_ok(&b, pk))
            *why = "a tree head is not signed by this public key / 树头签名无效";
        else if (!merkle_verify_consistency(a.tree_size, b.tree_size, &a.root, &b.root, path, n))
            *why =
                "the later tree does not extend the earlier one: the proof does not hold / 一致性证明不成立";
        else
            *ok = 1;
        return TJ_OK;
    }
    return tj_error_set(err, TJ_ERR_INPUT, "type", "not a ledger proof: type \"%.60s\"", type);
}

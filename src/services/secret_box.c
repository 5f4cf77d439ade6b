/* secret_box: secrets encrypted at rest; see secret_box.h. */
#include "services/secret_box.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_TYPE "tanji-secrets-key/secretbox"
#define PREFIX "sb1:"

tj_status svc_secret_key_path(store_db *db, char **path, tj_error *err)
{
    *path = NULL;
    const char *env = getenv("TANJI_SECRETS_KEY");
    if (env && *env) {
        if (!(*path = strdup(env)))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        return TJ_OK;
    }
    if (store_backend(db) != STORE_SQLITE)
        return tj_error_set(err, TJ_ERR_USAGE, "TANJI_SECRETS_KEY",
                            "with PostgreSQL the secrets key file must be named by $TANJI_SECRETS_KEY / "
                            "使用 PostgreSQL 时须用 TANJI_SECRETS_KEY 指定密钥文件");
    char *f = NULL;
    tj_status rc = store_sqlite_file(db, &f, err);
    if (!rc && !*f)
        rc = tj_error_set(err, TJ_ERR_USAGE, "TANJI_SECRETS_KEY",
                          "an in-memory database has no place for the secrets key: set $TANJI_SECRETS_KEY");
    else if (!rc && asprintf(path, "%s.secrets-key", f) < 0) {
        *path = NULL;
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    free(f);
    return rc;
}

static tj_status key_create(const char *path, unsigned char key[crypto_secretbox_KEYBYTES], tj_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return tj_error_set(err, errno == EEXIST ? TJ_ERR_CONFLICT : TJ_ERR_IO, path,
                            "cannot create the secrets key file: %s / 无法创建密钥文件", strerror(errno));
    crypto_secretbox_keygen(key);
    char hex[2 * crypto_secretbox_KEYBYTES + 1], text[200];
    sodium_bin2hex(hex, sizeof hex, key, crypto_secretbox_KEYBYTES);
    int n = snprintf(text, sizeof text, "{\"type\": \"%s\", \"key\": \"%s\"}\n", KEY_TYPE, hex);
    sodium_memzero(hex, sizeof hex);
    ssize_t w = write(fd, text, (size_t)n);
    int bad = w != n || fsync(fd) != 0;
    sodium_memzero(text, sizeof text);
    if (close(fd) != 0 || bad) {
        unlink(path);
        sodium_memzero(key, crypto_secretbox_KEYBYTES);
        return tj_error_set(err, TJ_ERR_IO, path, "cannot write the secrets key file");
    }
    return TJ_OK;
}

static tj_status key_load(const char *path, unsigned char key[crypto_secretbox_KEYBYTES], tj_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tj_error_set(err, errno == ENOENT ? TJ_ERR_NOTFOUND : TJ_ERR_IO, path,
                            "cannot read the secrets key file: %s / 无法读取密钥文件", strerror(errno));
    if (sb.st_mode & 077)
        return tj_error_set(err, TJ_ERR_PERM, path,
                            "the secrets key file may be read by others (mode %03o): chmod 600 it / 密钥文件权限过宽",
                            (unsigned)(sb.st_mode & 0777));
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return tj_error_set_at(err, TJ_ERR_INPUT, path, je.line, je.column, "not a secrets key file: %s", je.text);
    const char *type = json_string_value(json_object_get(j, "type"));
    json_t *k = json_object_get(j, "key");
    const char *hex = json_string_value(k);
    size_t got = 0;
    tj_status rc = TJ_OK;
    if (!type || strcmp(type, KEY_TYPE))
        rc = tj_error_set(err, TJ_ERR_INPUT, path, "not a secrets key file (type is not %s)", KEY_TYPE);
    else if (!hex || strlen(hex) != 2 * crypto_secretbox_KEYBYTES ||
             sodium_hex2bin(key, crypto_secretbox_KEYBYTES, hex, strlen(hex), NULL, &got, NULL) ||
             got != crypto_secretbox_KEYBYTES)
        rc = tj_error_set(err, TJ_ERR_INPUT, path, "the secrets key file's key is not 64 hex digits");
    if (json_is_string(k))
        sodium_memzero((char *)json_string_value(k), json_string_length(k));
    json_decref(j);
    if (rc)
        sodium_memzero(key, crypto_secretbox_KEYBYTES);
    return rc;
}

static tj_status key_get(store_db *db, int create, unsigned char key[crypto_secretbox_KEYBYTES], tj_error *err)
{
    if (sodium_init() < 0)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "libsodium failed to initialise");
    char *path = NULL;
    tj_status rc = svc_secret_key_path(db, &path, err);
    if (rc)
        return rc;
    rc = key_load(path, key, err);
    if (rc == TJ_ERR_NOTFOUND && create) {
        tj_error_clear(err);
        rc = key_create(path, key, err);
        if (rc == TJ_ERR_CONFLICT) { /* another process created it meanwhile */
            tj_error_clear(err);
            rc = key_load(path, key, err);
        }
    }
    free(path);
    return rc;
}

tj_status svc_secret_seal(store_db *db, const char *bind_id, const char *plain, char **sealed, tj_error *err)
{
    *sealed = NULL;
    unsigned char key[crypto_secretbox_KEYBYTES];
    tj_status rc = key_get(db, 1, key, err);
    if (rc)
        return rc;
    size_t bl = strlen(bind_id), pl = strlen(plain), ml = bl + 1 + pl;
    unsigned char *m = malloc(ml), *c = malloc(crypto_secretbox_MACBYTES + ml);
    char *out = malloc(strlen(PREFIX) + 2 * (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + ml) + 1);
    if (!m || !c || !out)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else {
        memcpy(m, bind_id, bl);
        m[bl] = 0;
        memcpy(m + bl + 1, plain, pl);
        unsigned char nonce[crypto_secretbox_NONCEBYTES];
        randombytes_buf(nonce, sizeof nonce);
        crypto_secretbox_easy(c, m, ml, nonce, key);
        strcpy(out, PREFIX);
        size_t o = strlen(PREFIX);
        sodium_bin2hex(out + o, 2 * sizeof nonce + 1, nonce, sizeof nonce);
        o += 2 * sizeof nonce;
        sodium_bin2hex(out + o, 2 * (crypto_secretbox_MACBYTES + ml) + 1, c, crypto_secretbox_MACBYTES + ml);
        *sealed = out;
        out = NULL;
    }
    if (m)
        sodium_memzero(m, ml);
    free(m);
    free(c);
    free(out);
    sodium_memzero(key, sizeof key);
    return rc;
}

tj_status svc_secret_open(store_db *db, const char *bind_id, const char *sealed, char **plain, tj_error *err)
{
    *plain = NULL;
    size_t pre = strlen(PREFIX), sl = sealed ? strlen(sealed) : 0;
    size_t min = pre + 2 * (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES);
    if (!sealed || sl < min || strncmp(sealed, PREFIX, pre) || (sl - pre) % 2)
        return tj_error_set(err, TJ_ERR_INPUT, "secret", "the stored secret is not a sealed secret (sb1:...)");
    unsigned char key[crypto_secretbox_KEYBYTES];
    tj_status rc = key_get(db, 0, key, err);
    if (rc)
        return rc;
    size_t cl = (sl - pre) / 2 - crypto_secretbox_NONCEBYTES, ml = cl - crypto_secretbox_MACBYTES, got = 0;
    unsigned char nonce[crypto_secretbox_NONCEBYTES];
    unsigned char *c = malloc(cl), *m = malloc(ml + 1);
    if (!c || !m)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else if (sodium_hex2bin(nonce, sizeof nonce, sealed + pre, 2 * sizeof nonce, NULL, &got, NULL) ||
             got != sizeof nonce ||
             sodium_hex2bin(c, cl, sealed + pre + 2 * sizeof nonce, 2 * cl, NULL, &got, NULL) || got != cl)
        rc = tj_error_set(err, TJ_ERR_INPUT, "secret", "the stored secret is not hex");
    else if (crypto_secretbox_open_easy(m, c, cl, nonce, key) != 0)
        rc = tj_error_set(err, TJ_ERR_PERM, "secret",
                          "the stored secret does not open with the secrets key file (another key? tampered?) / "
                          "密钥无法解密所存的凭据");
    else {
        size_t bl = strlen(bind_id);
        m[ml] = 0;
        if (ml < bl + 1 || memcmp(m, bind_id, bl) || m[bl] != 0)
            rc = tj_error_set(err, TJ_ERR_PERM, "secret", "the stored secret belongs to another record");
        else if (!(*plain = strdup((char *)m + bl + 1)))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    if (m)
        sodium_memzero(m, ml + 1);
    free(m);
    free(c);
    sodium_memzero(key, sizeof key);
    return rc;
}

void svc_secret_plain_free(char *plain)
{
    if (plain) {
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
}

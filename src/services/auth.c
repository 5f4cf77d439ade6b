/* svc_auth: secrets, tokens, logins; see auth.h. */
#include "services/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/account.h"
#include "services/factors.h"
#include "services/partner_clients.h"
#include "store/accounts.h"
#include "store/auth_sql.h"
#include "tanji/text.h"

void svc_token_release(svc_token *t)
{
    if (t->token) {
        sodium_memzero(t->token, strlen(t->token));
        free(t->token);
    }
    free(t->principal_id);
    memset(t, 0, sizeof *t);
}

void svc_secret_free(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

tj_status svc_secret_hash(const char *secret, char **out, tj_error *err)
{
    *out = NULL;
    char *h = malloc(crypto_pwhash_STRBYTES);
    if (!h)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (crypto_pwhash_str_alg(h, secret, strlen(secret), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        free(h);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory (password hashing)");
    }
    *out = h;
    return TJ_OK;
}

int svc_secret_verify(const char *hash, const char *secret)
{
    if (!hash || !secret || strlen(hash) >= crypto_pwhash_STRBYTES)
        return 0;
    return crypto_pwhash_str_verify(hash, secret, strlen(secret)) == 0;
}

static tj_status check_password(const char *pw, tj_error *err)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < SVC_PASSWORD_MIN)
        return tj_error_set(err, TJ_ERR_INPUT, "password", "a password needs at least %d characters / 密码至少 %d 个字符",
                            SVC_PASSWORD_MIN, SVC_PASSWORD_MIN);
    if (n > SVC_PASSWORD_MAX)
        return tj_error_set(err, TJ_ERR_INPUT, "password", "a password has at most %d bytes / 密码过长",
                            SVC_PASSWORD_MAX);
    return TJ_OK;
}

/* The principal's state as ledger entries record it (account.h). */
static json_t *principal_state(const store_principal *p)
{
    return svc_principal_state(p);
}

/* A ledger entry about principal p (its state after the change). */
static tj_status record_principal(svc_ctx *ctx, const char *kind, const store_principal *p, const char *what,
                                  tj_error *err)
{
    json_t *state = principal_state(p);
    json_t *change = json_pack("{s:s,s:s}", "id", p->id, "action", what);
    tj_status rc = state && change ? svc_record(ctx, kind, "principal", p->id, change, state, err)
                                   : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_decref(state);
    json_decref(change);
    return rc;
}

tj_status svc_user_set_password(svc_ctx *ctx, const char *user, const char *password, tj_error *err)
{
    store_principal p;
    tj_status rc = store_principal_get(ctx->db, user ? user : "", &p, err);
    if (rc)
        return rc;
    int self = !strcmp(p.id, ctx->who.id);
    if (!self && !(ctx->who.roles & SVC_ROLE_OPERATOR)) {
        /* others' accounts do not exist for this caller */
        store_principal_release(&p);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "user", "no user \"%.80s\" / 用户不存在", user);
    }
    if (strcmp(p.kind, "user")) {
        store_principal_release(&p);
        return tj_error_set(err, TJ_ERR_INPUT, "user", "\"%.80s\" is an API client, not a user / 不是用户", user);
    }
    char *hash = NULL;
    if (!(rc = check_password(password, err)) && !(rc = svc_secret_hash(password, &hash, err)) &&
        !(rc = svc_begin(ctx, err))) {
        rc = store_principal_set_secret(ctx->db, p.id, hash, err);
        if (!rc)
            rc = record_principal(ctx, "principal.secret", &p, "set_password", err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    free(hash);
    store_principal_release(&p);
    return rc;
}

tj_status svc_user_add(svc_ctx *ctx, const char *name, const char *org, const char *roles, const char *password,
                       char **id_out, tj_error *err)
{
    *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "create users", err);
    if (rc || (password && (rc = check_password(password, err))) || (rc = svc_begin(ctx, err)))
        return rc;
    if (!(rc = svc_user_create(ctx, name, org, roles, id_out, err)) && password)
        rc = svc_user_set_password(ctx, *id_out, password, err);
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
    if (rc) {
        free(*id_out);
        *id_out = NULL;
    }
    return rc;
}

tj_status svc_principal_set_disabled(svc_ctx *ctx, const char *name, int disabled, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "disable accounts", err);
    if (rc)
        return rc;
    store_principal p;
    if ((rc = store_principal_get(ctx->db, name ? name : "", &p, err)))
        return rc;
    if (!(rc = svc_begin(ctx, err))) {
        p.disabled = disabled ? 1 : 0;
        rc = store_principal_set_disabled(ctx->db, p.id, p.disabled, err);
        if (!rc && disabled)
            rc = store_token_revoke_principal(ctx->db, p.id, NULL, err);
        if (!rc)
            rc = record_principal(ctx, disabled ? "principal.disable" : "principal.enable", &p,
                                  disabled ? "disable" : "enable", err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    store_principal_release(&p);
    return rc;
}

/* 32 random bytes, URL-safe base64 with a prefix: "tjs_..." (session),
 * "tjc_..." (client secret), "tjt_..." (client token). */
static char *random_secret(const char *prefix)
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    size_t enc = sodium_base64_ENCODED_LEN(sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t plen = strlen(prefix);
    char *s = malloc(plen + enc);
    if (!s)
        return NULL;
    memcpy(s, prefix, plen);
    sodium_bin2base64(s + plen, enc, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof b);
    return s;
}

static void token_digest(const char *token, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

tj_status svc_client_create(svc_ctx *ctx, const char *name, const char *org, const char *roles, char **id_out,
                            char **secret_out, tj_error *err)
{
    *id_out = NULL;
    *secret_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "create API clients", err);
    if (rc)
        return rc;
    if (!name || !*name)
        return tj_error_set(err, TJ_ERR_INPUT, "name", "name is empty / 不能为空");
    if ((rc = tj_text_check_line("name", name, 200, err)))
        return rc;
    if (!strcmp(name, "operator") || !strncmp(name, "local:", 6))
        return tj_error_set(err, TJ_ERR_INPUT, "name", "\"%s\" is reserved / 保留名称", name);
    unsigned bits = 0;
    if ((rc = svc_roles_parse(roles, &bits, err)))
        return rc;
    if (!bits)
        return tj_error_set(err, TJ_ERR_INPUT, "roles", "a client needs at least one role / 至少需要一个角色");
    if (bits & SVC_ROLE_OPERATOR)
        return tj_error_set(err, TJ_ERR_INPUT, "roles", "API clients may not hold the operator role / 客户端不能为运维角色");
    store_org o;
    if ((rc = store_org_get(ctx->db, org ? org : "", &o, err)))
        return rc;
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    char *canon = svc_roles_format(bits);
    char *secret = random_secret("tjc_");
    char *hash = NULL;
    store_principal p = {.id = svc_new_uuid(), .kind = "client", .name = (char *)name, .org_id = o.id,
                         .roles = canon, .created_at = at};
    if (!canon || !secret || !p.id) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = svc_secret_hash(secret, &hash, err)))
        goto out;
    p.secret_hash = hash;
    if ((rc = svc_begin(ctx, err)))
        goto out;
    store_principal existing;
    if (store_principal_get(ctx->db, name, &existing, NULL) == TJ_OK) {
        store_principal_release(&existing);
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "name", "a principal named \"%s\" exists / 名称已存在", name);
    }
    if (!rc)
        rc = store_principal_insert(ctx->db, &p, err);
    if (!rc)
        rc = record_principal(ctx, "principal.create", &p, "create_client", err);
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
out:
    free(canon);
    free(hash);
    store_org_release(&o);
    if (!rc) {
        *id_out = p.id;
        *secret_out = secret;
    } else {
        free(p.id);
        svc_secret_free(secret);
    }
    return rc;
}

/* ---- failed-login limiter ---------------------------------------------
 * Slots keyed by a 16-byte hash of "n:" NAME or "a:" ADDRESS; five failures
 * lock the key for 1 s, doubling with each further failure up to 15 min.
 * A success clears the name's slot.  On SQLite the state lives in this
 * process; on PostgreSQL the names' counters are in the table login_limit
 * (migration 16), so every node of one database counts the same failures
 * of a name; addresses are counted per node (a load balancer's per-address
 * limits are the second line). */
#define LIMIT_SLOTS 4096
#define LIMIT_FREE 5
#define LIMIT_MAX_LOCK 900
typedef struct limit_slot {
    unsigned char key[16];
    int used;
    int failures;
    time_t last, locked_until;
} limit_slot;
static limit_slot limit_slots[LIMIT_SLOTS];
static pthread_mutex_t limit_mu = PTHREAD_MUTEX_INITIALIZER;

static void limit_key(const char *kind, const char *s, unsigned char key[16])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind));
    crypto_generichash_update(&st, (const unsigned char *)s, strlen(s));
    crypto_generichash_final(&st, key, 16);
}

/* End of the lock after the failures-th failure of a key allowed free_n
 * (0: not locked).  time() counts whole seconds and part of the current one
 * is gone, so the lock ends one second later than its length: a lock of
 * 1 s lasts 1-2 s, never the few milliseconds left of the current second. */
static time_t limit_until(time_t now, int64_t failures, int free_n)
{
    if (failures < free_n)
        return 0;
    int64_t shift = failures - free_n;
    long lock = shift >= 10 ? LIMIT_MAX_LOCK : 1L << shift;
    if (lock > LIMIT_MAX_LOCK)
        lock = LIMIT_MAX_LOCK;
    return now + lock + 1;
}

static limit_slot *limit_find(const unsigned char key[16], int create, time_t now)
{
    size_t h = ((size_t)key[0] << 8 | key[1]) % LIMIT_SLOTS;
    limit_slot *victim = NULL;
    for (size_t i = 0; i < 8; i++) {
        limit_slot *s = &limit_slots[(h + i) % LIMIT_SLOTS];
        if (s->used && !memcmp(s->key, key, 16))
            return s;
        if (!victim || !s->used || (victim->used && s->last < victim->last))
            victim = s->used && victim && !victim->used ? victim : s;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    memcpy(victim->key, key, 16);
    victim->used = 1;
    victim->last = now;
    return victim;
}

static int limit_shared(store_db *db)
{
    return db && store_backend(db) == STORE_POSTGRES;
}

static void limit_hex(const char *kind, const char *s, char hex[33])
{
    unsigned char k[16];
    limit_key(kind, s, k);
    sodium_bin2hex(hex, 33, k, 16);
}

/* Seconds the caller must wait (0: may try); shared: the database's
 * counters (a database error falls back to this process's). */
static int limit_check_db(store_db *db, const char *name, const char *addr, int *ok)
{
    time_t now = time(NULL);
    int wait = 0;
    *ok = 1;
    for (int i = 0; i < 2 && *ok; i++) {
        const char *s = i ? addr : name;
        if (!s)
            continue;
        char hex[33];
        int64_t until = 0;
        tj_error e;
        limit_hex(i ? "a:" : "n:", s, hex);
        if (store_login_limit_get(db, hex, &until, &e))
            *ok = 0;
        else if (until > now && (int)(until - now) > wait)
            wait = (int)(until - now);
    }
    return wait;
}

static int limit_fail_db(store_db *db, const char *name, const char *addr)
{
    time_t now = time(NULL);
    for (int i = 0; i < 2; i++) {
        const char *s = i ? addr : name;
        if (!s)
            continue;
        char hex[33];
        int64_t failures = 0;
        tj_error e;
        limit_hex(i ? "a:" : "n:", s, hex);
        if (store_login_limit_fail(db, hex, (int64_t)now, LIMIT_MAX_LOCK, &failures, &e))
            return 0;
        time_t until = limit_until(now, failures, i ? 4 * LIMIT_FREE : LIMIT_FREE);
        if (until && store_login_limit_lock(db, hex, (int64_t)until, &e))
            return 0;
    }
    return 1;
}

/* Seconds the caller must wait (0: may try). */
static int limit_check(const char *name, const char *addr)
{
    time_t now = time(NULL);
    unsigned char k[16];
    int wait = 0;
    pthread_mutex_lock(&limit_mu);
    for (int i = 0; i < 2; i++) {
        const char *s = i ? addr : name;
        if (!s)
            continue;
        limit_key(i ? "a:" : "n:", s, k);
        limit_slot *sl = limit_find(k, 0, now);
        if (sl && sl->locked_until > now && (int)(sl->locked_until - now) > wait)
            wait = (int)(sl->locked_until - now);
    }
    pthread_mutex_unlock(&limit_mu);
    return wait;
}

static void limit_fail(const char *name, const char *addr)
{
    time_t now = time(NULL);
    unsigned char k[16];
    pthread_mutex_lock(&limit_mu);
    for (int i = 0; i < 2; i++) {
        const char *s = i ? addr : name;
        if (!s)
            continue;
        limit_key(i ? "a:" : "n:", s, k);
        limit_slot *sl = limit_find(k, 1, now);
        if (now - sl->last > LIMIT_MAX_LOCK)
            sl->failures = 0;
        sl->failures++;
        sl->last = now;
        /* an address is allowed more failures than a name (several users behind one address) */
        time_t until = limit_until(now, sl->failures, i ? 4 * LIMIT_FREE : LIMIT_FREE);
        if (until)
            sl->locked_until = until;
    }
    pthread_mutex_unlock(&limit_mu);
}

static void limit_success(const char *name)
{
    unsigned char k[16];
    limit_key("n:", name, k);
    pthread_mutex_lock(&limit_mu);
    limit_slot *sl = limit_find(k, 0, time(NULL));
    if (sl)
        memset(sl, 0, sizeof *sl);
    pthread_mutex_unlock(&limit_mu);
}

void svc_auth_reset_limits(void)
{
    pthread_mutex_lock(&limit_mu);
    memset(limit_slots, 0, sizeof limit_slots);
    pthread_mutex_unlock(&limit_mu);
}

tj_status svc_auth_reset_limits_db(store_db *db, tj_error *err)
{
    return limit_shared(db) ? store_exec(db, "DELETE FROM login_limit", err) : TJ_OK;
}

/* A hash to verify against when the name is unknown, so that a wrong name
 * costs as much time as a wrong password.  Made once, under a once-flag. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void)
{
    if (crypto_pwhash_str_alg(dummy_hash, "tanji-no-such-user", 18, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        dummy_hash[0] = '\0';
}

static tj_status issue(store_db *db, const store_principal *p, const char *kind, int ttl, const char *prefix,
                       svc_token *out, tj_error *err)
{
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    char *tok = random_secret(prefix);
    out->principal_id = strdup(p->id);
    if (!tok || !out->principal_id) {
        free(tok);
        svc_token_release(out);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    char hex[65];
    token_digest(tok, hex);
    out->expires_at = (int64_t)time(NULL) + ttl;
    tj_status rc = store_begin(db, err);
    if (!rc) {
        rc = store_token_insert(db, hex, p->id, kind, at, out->expires_at, err);
        unsigned roles = 0;
        /* logins of operators are ledger entries */
        if (!rc && !strcmp(kind, "session") && svc_roles_parse(p->roles, &roles, NULL) == TJ_OK &&
            (roles & SVC_ROLE_OPERATOR)) {
            svc_ctx c;
            if (!(rc = svc_ctx_init(&c, db, p->id, p->name, p->org_id, roles, err))) {
                rc = record_principal(&c, "principal.login", p, "login", err);
                svc_ctx_release(&c);
            }
        }
        if (!rc)
            rc = store_commit(db, err);
        else
            store_rollback(db);
    }
    if (rc) {
        free(tok);
        svc_token_release(out);
        return rc;
    }
    out->token = tok;
    return TJ_OK;
}

static tj_status credential_login(store_db *db, const char *kind, const char *name, const char *secret,
                                  const char *client_key, svc_token *out, int *retry_after, tj_error *err)
{
    memset(out, 0, sizeof *out);
    *retry_after = 0;
    if (!name || !*name || !secret || strlen(name) > 200 || strlen(secret) > SVC_PASSWORD_MAX)
        return tj_error_set(err, TJ_ERR_PERM, NULL, "wrong name or secret / 名称或密码错误");
    /* names: in the database when shared (every node counts them);
     * addresses: per node (behind a balancer they are its address) */
    int shared = limit_shared(db), dbok = 0;
    int wait = shared ? limit_check_db(db, name, NULL, &dbok) : 0;
    int wmem = limit_check(dbok ? NULL : name, client_key);
    if (wmem > wait)
        wait = wmem;
    if (wait > 0) {
        *retry_after = wait;
        return tj_error_set(err, TJ_ERR_PERM, NULL,
                            "too many failed logins: try again in %d s / 登录失败次数过多，请 %d 秒后再试", wait, wait);
    }
    store_principal p;
    tj_status rc = store_principal_get(db, name, &p, err);
    if (rc && rc != TJ_ERR_NOTFOUND)
        return rc;
    int ok;
    if (rc == TJ_ERR_NOTFOUND) {
        pthread_once(&dummy_once, make_dummy);
        (void)svc_secret_verify(dummy_hash, secret);
        ok = 0;
    } else {
        ok = svc_secret_verify(p.secret_hash, secret) && !p.disabled && !strcmp(p.kind, kind);
    }
    if (!ok) {
        if (rc == TJ_OK)
            store_principal_release(&p);
        limit_fail(shared && limit_fail_db(db, name, NULL) ? NULL : name, client_key);
        return tj_error_set(err, TJ_ERR_PERM, NULL, "wrong name or secret / 名称或密码错误");
    }
    limit_success(name);
    if (shared) {
        char hex[33];
        tj_error e;
        limit_hex("n:", name, hex);
        (void)store_login_limit_clear(db, hex, &e);
    }
    rc = !strcmp(kind, "user") ? issue(db, &p, "session", SVC_SESSION_TTL, "tjs_", out, err)
                               : issue(db, &p, "client", SVC_CLIENT_TOKEN_TTL, "tjt_", out, err);
    store_principal_release(&p);
    return rc;
}

tj_status svc_login(store_db *db, const char *name, const char *password, const char *client_key, svc_token *out,
                    int *retry_after, tj_error *err)
{
    return credential_login(db, "user", name, password, client_key, out, retry_after, err);
}

tj_status svc_client_token(store_db *db, const char *client, const char *secret, const char *client_key,
                           svc_token *out, int *retry_after, tj_error *err)
{
    return credential_login(db, "client", client, secret, client_key, out, retry_after, err);
}

static tj_status authenticate(store_db *db, const char *token, int pact, svc_ctx *ctx, tj_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    if (!token || strlen(token) < 8 || strlen(token) > 128)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "token", "no such token");
    char hex[65];
    token_digest(token, hex);
    store_principal p;
    tj_status rc = store_token_lookup(db, hex, (int64_t)time(NULL), &p, NULL, err);
    if (rc)
        return rc;
    unsigned roles = 0;
    char *sponsor = NULL;
    /* a partner's PACT client made by an enterprise: the PACT listener only */
    if (!pact && !strcmp(p.kind, "client") && !(rc = svc_partner_client_scope(db, p.id, &sponsor, err)) && sponsor)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "token", "this token is for the PACT API only");
    free(sponsor);
    if (!rc && !(rc = svc_roles_parse(p.roles, &roles, err)))
        rc = svc_ctx_init(ctx, db, p.id, p.name, p.org_id, roles, err);
    store_principal_release(&p);
    return rc;
}

tj_status svc_authenticate(store_db *db, const char *token, svc_ctx *ctx, tj_error *err)
{
    return authenticate(db, token, 0, ctx, err);
}

tj_status svc_authenticate_pact(store_db *db, const char *token, svc_ctx *ctx, tj_error *err)
{
    return authenticate(db, token, 1, ctx, err);
}

tj_status svc_logout(svc_ctx *ctx, const char *token, tj_error *err)
{
    if (!token)
        return TJ_OK;
    char hex[65];
    token_digest(token, hex);
    return store_token_revoke(ctx->db, hex, NULL, err);
}

tj_status svc_revoke_tokens(svc_ctx *ctx, const char *principal, int64_t *count, tj_error *err)
{
    if (count)
        *count = 0;
    store_principal p;
    tj_status rc = store_principal_get(ctx->db, principal ? principal : "", &p, err);
    if (rc)
        return rc;
    if (strcmp(p.id, ctx->who.id) && !(ctx->who.roles & SVC_ROLE_OPERATOR)) {
        store_principal_release(&p);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "principal", "no principal \"%.80s\" / 不存在", principal);
    }
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_token_revoke_principal(ctx->db, p.id, count, err);
        if (!rc)
            rc = record_principal(ctx, "principal.revoke", &p, "revoke_tokens", err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    store_principal_release(&p);
    return rc;
}

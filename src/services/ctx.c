/* svc_ctx: principals, permission checks, transactions, ledger entries; see ctx.h. */
#include "services/ctx.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "store/accounts.h"

static const struct {
    const char *name;
    unsigned bit;
} role_names[] = {
    {"operator", SVC_ROLE_OPERATOR},   {"enterprise", SVC_ROLE_ENTERPRISE}, {"submitter", SVC_ROLE_SUBMITTER},
    {"reviewer", SVC_ROLE_REVIEWER},   {"verifier", SVC_ROLE_VERIFIER},     {"regulator", SVC_ROLE_REGULATOR},
};
#define NROLES (sizeof role_names / sizeof role_names[0])

tj_status svc_roles_parse(const char *text, unsigned *out, tj_error *err)
{
    *out = 0;
    if (!text)
        return TJ_OK;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        size_t i;
        for (i = 0; i < NROLES; i++)
            if (strlen(role_names[i].name) == n && !strncmp(role_names[i].name, p, n))
                break;
        if (i == NROLES)
            return tj_error_set(err, TJ_ERR_INPUT, "roles",
                                "unknown role \"%.*s\": use operator, enterprise, submitter, reviewer, verifier or "
                                "regulator / 未知角色",
                                (int)(n > 64 ? 64 : n), p);
        *out |= role_names[i].bit;
        p += n;
        if (*p == ',')
            p++;
    }
    return TJ_OK;
}

char *svc_roles_format(unsigned roles)
{
    size_t len = 1;
    for (size_t i = 0; i < NROLES; i++)
        len += strlen(role_names[i].name) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < NROLES; i++)
        if (roles & role_names[i].bit) {
            if (s[0])
                strcat(s, ",");
            strcat(s, role_names[i].name);
        }
    return s;
}

tj_status svc_ctx_init(svc_ctx *ctx, store_db *db, const char *id, const char *name, const char *org_id,
                       unsigned roles, tj_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->db = db;
    ctx->who.roles = roles;
    ctx->who.id = strdup(id);
    ctx->who.name = strdup(name ? name : id);
    ctx->who.org_id = strdup(org_id);
    if (!ctx->who.id || !ctx->who.name || !ctx->who.org_id) {
        svc_ctx_release(ctx);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    return TJ_OK;
}

tj_status svc_ctx_local(svc_ctx *ctx, store_db *db, const char *name, tj_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    if (!name || !*name || !strcmp(name, "operator"))
        return svc_ctx_init(ctx, db, "local:operator", "operator", SVC_OPERATOR_ORG, SVC_ROLE_ALL, err);
    if (!db)
        return tj_error_set(err, TJ_ERR_USAGE, "as",
                            "acting as \"%s\" needs a database (--db) that knows that user / 需要指定数据库", name);
    store_principal p;
    tj_status rc = store_principal_get(db, name, &p, err);
    if (rc)
        return rc;
    unsigned roles = 0;
    if (p.disabled)
        rc = tj_error_set(err, TJ_ERR_PERM, "as", "user \"%s\" is disabled / 该用户已停用", name);
    else if ((rc = svc_roles_parse(p.roles, &roles, err)) == TJ_OK)
        rc = svc_ctx_init(ctx, db, p.id, p.name, p.org_id, roles, err);
    store_principal_release(&p);
    return rc;
}

tj_status svc_ctx_of_principal(svc_ctx *ctx, store_db *db, const char *principal_id, const char *disabled_msg,
                               tj_error *err)
{
    if (!strncmp(principal_id, "local:", 6))
        return svc_ctx_local(ctx, db, principal_id + 6, err);
    store_principal p;
    tj_status rc = store_principal_get(db, principal_id, &p, err);
    if (rc)
        return rc;
    unsigned roles = 0;
    if (p.disabled)
        rc = tj_error_set(err, TJ_ERR_PERM, NULL, "%s", disabled_msg);
    else if (!(rc = svc_roles_parse(p.roles, &roles, err)))
        rc = svc_ctx_init(ctx, db, p.id, p.name, p.org_id, roles, err);
    store_principal_release(&p);
    return rc;
}

char *svc_error_json_text(const tj_error *e)
{
    json_t *o = json_pack("{s:s,s:s}", "code", tj_strerror(e->code), "message", e->message);
    if (o && e->path[0])
        json_object_set_new(o, "field", json_string(e->path));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

void svc_ctx_release(svc_ctx *ctx)
{
    free(ctx->who.id);
    free(ctx->who.name);
    free(ctx->who.org_id);
    memset(&ctx->who, 0, sizeof ctx->who);
}

tj_status svc_require(const svc_ctx *ctx, unsigned roles, const char *action, tj_error *err)
{
    if (ctx->who.roles & roles)
        return TJ_OK;
    char *names = svc_roles_format(roles);
    tj_status rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                                "%s may not %s: that needs the role %s / 无权执行该操作", ctx->who.name, action,
                                names ? names : "?");
    free(names);
    return rc;
}

int svc_owns(const svc_ctx *ctx, const char *org_id)
{
    if (ctx->who.roles & SVC_ROLE_OPERATOR)
        return 1;
    return org_id && ctx->who.org_id && !strcmp(org_id, ctx->who.org_id);
}

void svc_page(int *limit, int *offset)
{
    if (*limit <= 0 || *limit > 1000)
        *limit = *limit <= 0 ? 50 : 1000;
    if (*offset < 0)
        *offset = 0;
}

const char *svc_list_owner(const svc_ctx *ctx)
{
    return ctx->who.roles & SVC_ROLE_OPERATOR ? NULL : ctx->who.org_id;
}

tj_status svc_begin(svc_ctx *ctx, tj_error *err)
{
    return store_begin(ctx->db, err);
}

tj_status svc_commit(svc_ctx *ctx, tj_error *err)
{
    return store_commit(ctx->db, err);
}

void svc_rollback(svc_ctx *ctx)
{
    store_rollback(ctx->db);
}

tj_status svc_finish(svc_ctx *ctx, tj_status rc, tj_error *err)
{
    if (rc) {
        svc_rollback(ctx);
        return rc;
    }
    return svc_commit(ctx, err);
}

tj_status svc_record(svc_ctx *ctx, const char *kind, const char *object_type, const char *object_id,
                     const json_t *change, const json_t *state, tj_error *err)
{
    ledger_entry_in e = {
        .kind = kind,
        .object_type = object_type,
        .object_id = object_id,
        .actor = ctx->who.id,
        .org = ctx->who.org_id,
        .change = change,
        .state = state,
    };
    return ledger_append(ctx->db, &e, NULL, err);
}

char *svc_new_uuid(void)
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *s = malloc(37);
    if (!s)
        return NULL;
    snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return s;
}

/* svc_account: organisations and users; see account.h. */
#include "services/account.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tanji/text.h"
#include "store/accounts.h"

static const char *const org_kinds[] = {"operator",           "enterprise", "submitter", "expert_panel",
                                        "certification_body", "regulator",  NULL};

/* Names are what people read in lists and logs: printable UTF-8, bounded. */
static tj_status check_name(const char *what, const char *s, tj_error *err)
{
    if (!s || !*s)
        return tj_error_set(err, TJ_ERR_INPUT, what, "%s is empty / 不能为空", what);
    return tj_text_check_line(what, s, 200, err);
}

static void now_rfc3339(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

tj_status svc_org_create(svc_ctx *ctx, const char *name, const char *kind, const char *region, char **id_out,
                         tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "create organisations", err);
    if (rc || (rc = check_name("name", name, err)))
        return rc;
    int known = 0;
    for (const char *const *k = org_kinds; *k; k++)
        known |= kind && !strcmp(kind, *k);
    if (!known)
        return tj_error_set(err, TJ_ERR_INPUT, "kind",
                            "organisation kind must be enterprise, submitter, expert_panel, certification_body, "
                            "regulator or operator, not \"%.40s\" / 组织类型无效",
                            kind ? kind : "");
    if (region && *region && (rc = tj_text_check_line("region", region, 16, err)))
        return rc;
    char at[32];
    now_rfc3339(at, sizeof at);
    store_org o = {.id = svc_new_uuid(), .name = (char *)name, .kind = (char *)kind,
                   .region = region && *region ? (char *)region : NULL, .created_at = at};
    if (!o.id)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_t *state = svc_org_state(&o);
    if ((rc = svc_begin(ctx, err)) == TJ_OK) {
        store_org existing;
        if (store_org_get(ctx->db, name, &existing, NULL) == TJ_OK) {
            store_org_release(&existing);
            rc = tj_error_set(err, TJ_ERR_CONFLICT, "name", "an organisation named \"%s\" exists / 组织已存在", name);
        }
        if (!rc)
            rc = store_org_insert(ctx->db, &o, err);
        if (!rc)
            rc = svc_record(ctx, "organisation.create", "organisation", o.id, state, state, err);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    json_decref(state);
    if (!rc && id_out)
        *id_out = o.id;
    else
        free(o.id);
    return rc;
}

json_t *svc_org_state(const store_org *o)
{
    return json_pack("{s:s,s:s,s:s,s:s?,s:s}", "id", o->id, "name", o->name, "kind", o->kind, "region", o->region,
                     "created_at", o->created_at);
}

json_t *svc_principal_state(const store_principal *p)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "id", p->id, "kind", p->kind, "name", p->name, "org_id", p->org_id,
                     "roles", p->roles, "disabled", p->disabled);
}

tj_status svc_org_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    *out = NULL;
    store_org *orgs = NULL;
    size_t n = 0;
    tj_status rc = store_org_list(ctx->db, &orgs, &n, err);
    if (rc)
        return rc;
    int all = (ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR)) != 0;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        if (all || svc_owns(ctx, orgs[i].id))
            json_array_append_new(a, svc_org_state(&orgs[i]));
        store_org_release(&orgs[i]);
    }
    free(orgs);
    *out = a;
    return TJ_OK;
}

tj_status svc_user_create(svc_ctx *ctx, const char *name, const char *org, const char *roles, char **id_out,
                          tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "create users", err);
    if (rc || (rc = check_name("name", name, err)))
        return rc;
    if (!strcmp(name, "operator") || !strncmp(name, "local:", 6))
        return tj_error_set(err, TJ_ERR_INPUT, "name", "\"%s\" is reserved for the local operator / 保留名称", name);
    unsigned bits = 0;
    if ((rc = svc_roles_parse(roles, &bits, err)))
        return rc;
    if (!bits)
        return tj_error_set(err, TJ_ERR_INPUT, "roles", "a user needs at least one role / 至少需要一个角色");
    store_org o;
    if ((rc = store_org_get(ctx->db, org ? org : "", &o, err)))
        return rc;
    char *canon = svc_roles_format(bits);
    char at[32];
    now_rfc3339(at, sizeof at);
    store_principal p = {.id = svc_new_uuid(), .kind = "user", .name = (char *)name, .org_id = o.id,
                         .roles = canon, .created_at = at};
    json_t *state = NULL;
    if (!p.id || !canon) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    state = svc_principal_state(&p);
    if ((rc = svc_begin(ctx, err)))
        goto out;
    store_principal existing;
    if (store_principal_get(ctx->db, name, &existing, NULL) == TJ_OK) {
        store_principal_release(&existing);
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "name", "a user named \"%s\" exists / 用户已存在", name);
    }
    if (!rc)
        rc = store_principal_insert(ctx->db, &p, err);
    if (!rc)
        rc = svc_record(ctx, "principal.create", "principal", p.id, state, state, err);
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
out:
    json_decref(state);
    free(canon);
    store_org_release(&o);
    if (!rc && id_out)
        *id_out = p.id;
    else
        free(p.id);
    return rc;
}

tj_status svc_user_list(svc_ctx *ctx, const char *org, json_t **out, tj_error *err)
{
    *out = NULL;
    char *org_id = NULL;
    tj_status rc;
    if (org) {
        store_org o;
        if ((rc = store_org_get(ctx->db, org, &o, err)))
            return rc;
        org_id = o.id;
        o.id = NULL;
        store_org_release(&o);
    }
    if (!(ctx->who.roles & SVC_ROLE_OPERATOR)) {
        /* others see their own organisation's users only */
        free(org_id);
        org_id = strdup(ctx->who.org_id);
    }
    store_principal *ps = NULL;
    size_t n = 0;
    rc = store_principal_list(ctx->db, org_id, &ps, &n, err);
    free(org_id);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "id", ps[i].id, "kind", ps[i].kind,
                                           "name", ps[i].name, "org_id", ps[i].org_id, "roles", ps[i].roles,
                                           "disabled", ps[i].disabled, "created_at", ps[i].created_at));
        store_principal_release(&ps[i]);
    }
    free(ps);
    *out = a;
    return TJ_OK;
}

/* svc_partner_client: PACT API clients of partners; see partner_clients.h. */
#include "services/partner_clients.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "services/account.h"
#include "services/auth.h"
#include "services/factors.h"
#include "services/inst_util.h"
#include "store/accounts.h"
#include "store/auth_sql.h"
#include "store/pact_clients_sql.h"
#include "tanji/text.h"

/* What the ledger records of a client (the row without the partner's
 * current name). */
static json_t *grant_state(const json_t *row)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "client_id", inst_str(row, "client_id"), "name",
                     inst_str(row, "name"), "sponsor_org", inst_str(row, "sponsor_org"), "partner_org",
                     inst_str(row, "partner_org"), "created_by", inst_str(row, "created_by"), "created_at",
                     inst_str(row, "created_at"), "revoked_at", json_object_get(row, "revoked_at"));
}

/* The object the API shows. */
static json_t *view(const svc_ctx *ctx, const json_t *row)
{
    json_t *rev = json_object_get(row, "revoked_at");
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:s,s:O,s:s}", "id", inst_str(row, "client_id"), "name",
                          inst_str(row, "name"), "partner", "id", inst_str(row, "partner_org"), "name",
                          inst_str(row, "partner_name"), "created_by", inst_str(row, "created_by"), "created_at",
                          inst_str(row, "created_at"), "revoked_at", rev ? rev : json_null(), "status",
                          json_is_string(rev) ? "revoked" : "active");
    if (o && (ctx->who.roles & SVC_ROLE_OPERATOR))
        json_object_set_new(o, "sponsor", json_string(inst_str(row, "sponsor_org")));
    return o;
}

static tj_status record_grant(svc_ctx *ctx, const char *kind, const char *action, const json_t *row, tj_error *err)
{
    json_t *state = grant_state(row);
    json_t *change = json_pack("{s:s,s:s,s:s}", "id", inst_str(row, "client_id"), "action", action, "partner_org",
                               inst_str(row, "partner_org"));
    tj_status rc = state && change ? svc_record(ctx, kind, "pact_client", inst_str(row, "client_id"), change, state, err)
                                   : tj_error_nomem(err);
    json_decref(state);
    json_decref(change);
    return rc;
}

static tj_status record_principal(svc_ctx *ctx, const char *kind, const store_principal *p, const char *action,
                                  tj_error *err)
{
    json_t *state = svc_principal_state(p);
    json_t *change = json_pack("{s:s,s:s}", "id", p->id, "action", action);
    tj_status rc = state && change ? svc_record(ctx, kind, "principal", p->id, change, state, err) : tj_error_nomem(err);
    json_decref(state);
    json_decref(change);
    return rc;
}

/* Is org_id named by one of owner's disclosures to partners? */
static tj_status is_partner(store_db *db, const char *owner, const char *org_id, int *yes, tj_error *err)
{
    *yes = 0;
    json_t *rows = NULL;
    tj_status rc = store_pact_client_partner_lists(db, owner, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *l = json_loads(inst_str(r, "partners"), 0, NULL);
        size_t j;
        json_t *v;
        json_array_foreach(l, j, v) *yes |= json_is_string(v) && !strcmp(json_string_value(v), org_id);
        json_decref(l);
        if (*yes)
            break;
    }
    json_decref(rows);
    return rc;
}

/* 32 random bytes, URL-safe base64, prefixed "tjc_" (as other client secrets). */
static char *new_secret(void)
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    size_t enc = sodium_base64_ENCODED_LEN(sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(4 + enc);
    if (s) {
        memcpy(s, "tjc_", 4);
        sodium_bin2base64(s + 4, enc, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    }
    sodium_memzero(b, sizeof b);
    return s;
}

tj_status svc_partner_client_create(svc_ctx *ctx, const char *name, const char *partner, json_t **out,
                                    char **secret_out, tj_error *err)
{
    *out = NULL;
    *secret_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE, "create PACT API clients for partners", err);
    if (rc)
        return rc;
    if (!name || !*name)
        return tj_error_set(err, TJ_ERR_INPUT, "name", "name is empty / 名称不能为空");
    if ((rc = tj_text_check_line("name", name, 200, err)))
        return rc;
    if (!partner || !*partner)
        return tj_error_set(err, TJ_ERR_INPUT, "partner", "name the partner organisation / 请指定合作伙伴");
    if ((rc = tj_text_check_line("partner", partner, 200, err)))
        return rc;
    store_org o;
    int yes = 0;
    if (store_org_get(ctx->db, partner, &o, NULL) != TJ_OK)
        memset(&o, 0, sizeof o);
    else if (strcmp(o.id, ctx->who.org_id) && (rc = is_partner(ctx->db, ctx->who.org_id, o.id, &yes, err))) {
        store_org_release(&o);
        return rc;
    }
    if (!yes) {
        /* the same answer for an unknown organisation: names cannot be probed */
        store_org_release(&o);
        return tj_error_set(err, TJ_ERR_INPUT, "partner",
                            "\"%.80s\" is not a partner of yours: disclose a footprint to it first (scope partners) / "
                            "不是本企业的合作伙伴：请先向其披露碳足迹",
                            partner);
    }
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    char *secret = new_secret();
    char *id = svc_new_uuid();
    char *pname = id ? malloc(strlen(id) + 6) : NULL;
    char *hash = NULL;
    json_t *row = NULL;
    if (!secret || !id || !pname) {
        rc = tj_error_nomem(err);
        goto out;
    }
    memcpy(pname, "pact-", 5);
    strcpy(pname + 5, id);
    if ((rc = svc_secret_hash(secret, &hash, err)))
        goto out;
    store_principal p = {.id = id, .kind = "client", .name = pname, .org_id = o.id, .roles = "", .secret_hash = hash,
                         .created_at = at};
    if ((rc = svc_begin(ctx, err)))
        goto out;
    if (!(rc = store_principal_insert(ctx->db, &p, err)) &&
        !(rc = store_pact_client_insert(ctx->db, id, name, ctx->who.org_id, o.id, ctx->who.id, at, err)) &&
        !(rc = store_pact_client_get(ctx->db, id, &row, err)) &&
        !(rc = record_principal(ctx, "principal.create", &p, "create_partner_client", err)) &&
        !(rc = record_grant(ctx, "pact_client.create", "create", row, err)))
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
    if (!rc) {
        *out = view(ctx, row);
        if (!*out || json_object_set_new(*out, "client_secret", json_string(secret)))
            rc = tj_error_nomem(err);
    }
out:
    json_decref(row);
    free(hash);
    free(pname);
    free(id);
    store_org_release(&o);
    if (!rc)
        *secret_out = secret;
    else {
        svc_secret_free(secret);
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

tj_status svc_partner_client_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    *out = NULL;
    int op = (ctx->who.roles & SVC_ROLE_OPERATOR) != 0;
    tj_status rc = op ? TJ_OK : svc_require(ctx, SVC_ROLE_ENTERPRISE, "list PACT API clients of partners", err);
    json_t *rows = NULL;
    if (!rc)
        rc = store_pact_client_list(ctx->db, op ? NULL : ctx->who.org_id, &rows, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (!a || json_array_append_new(a, view(ctx, r))) {
            rc = tj_error_nomem(err);
            break;
        }
    }
    json_decref(rows);
    if (!rc && !(*out = json_pack("{s:o}", "items", a)))
        rc = tj_error_nomem(err);
    if (rc && !*out)
        json_decref(a);
    return rc;
}

tj_status svc_partner_client_revoke(svc_ctx *ctx, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *row = NULL;
    tj_status rc = store_pact_client_get(ctx->db, id ? id : "", &row, NULL);
    if (rc == TJ_OK && !svc_owns(ctx, inst_str(row, "sponsor_org")))
        rc = TJ_ERR_NOTFOUND; /* another enterprise's client does not exist for this caller */
    if (rc) {
        json_decref(row);
        return rc == TJ_ERR_NOTFOUND
                   ? tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no PACT API client \"%.80s\" / 不存在", id ? id : "")
                   : tj_error_set(err, rc, "id", "cannot read PACT API client");
    }
    if (!(ctx->who.roles & (SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR)))
        rc = svc_require(ctx, SVC_ROLE_ENTERPRISE, "revoke PACT API clients of partners", err);
    else if (json_is_string(json_object_get(row, "revoked_at"))) {
        /* revoked already */
    } else if (!(rc = svc_begin(ctx, err))) {
        char at[32];
        svc_now_rfc3339(at, sizeof at);
        store_principal p;
        int have_p = 0;
        json_t *now = NULL;
        if (!(rc = store_pact_client_revoke(ctx->db, id, at, err)) &&
            !(rc = store_principal_set_disabled(ctx->db, id, 1, err)) &&
            !(rc = store_token_revoke_principal(ctx->db, id, NULL, err)) &&
            !(rc = store_principal_get(ctx->db, id, &p, err))) {
            have_p = 1;
            if (!(rc = record_principal(ctx, "principal.disable", &p, "revoke_partner_client", err)) &&
                !(rc = store_pact_client_get(ctx->db, id, &now, err)) &&
                !(rc = record_grant(ctx, "pact_client.revoke", "revoke", now, err))) {
                json_decref(row);
                row = now;
                now = NULL;
            }
        }
        if (have_p)
            store_principal_release(&p);
        json_decref(now);
        if (!rc)
            rc = svc_commit(ctx, err);
        else
            svc_rollback(ctx);
    }
    if (!rc && !(*out = view(ctx, row)))
        rc = tj_error_nomem(err);
    json_decref(row);
    return rc;
}

tj_status svc_partner_client_scope(store_db *db, const char *principal_id, char **owner, tj_error *err)
{
    *owner = NULL;
    json_t *row = NULL;
    tj_status rc = store_pact_client_get(db, principal_id ? principal_id : "", &row, err);
    if (rc == TJ_ERR_NOTFOUND) {
        tj_error_clear(err);
        return TJ_OK;
    }
    if (!rc && !(*owner = strdup(inst_str(row, "sponsor_org"))))
        rc = tj_error_nomem(err);
    json_decref(row);
    return rc;
}

tj_status svc_partner_client_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_pact_client_all(db, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *s = rc ? NULL : grant_state(r);
        if (!rc && !s)
            rc = tj_error_nomem(err);
        if (!rc)
            rc = emit(arg, inst_str(r, "client_id"), s, err);
        json_decref(s);
    }
    json_decref(rows);
    return rc;
}

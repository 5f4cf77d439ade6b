/* svc_ledger_objects: ledger entries by object; see ledger_objects.h. */
#include "services/ledger_objects.h"

#include <string.h>

#include "services/disclosure.h"
#include "services/declaration.h"
#include "services/factors.h"
#include "services/footprint.h"
#include "services/model.h"
#include "store/ledger_object_sql.h"

/* Records of the application scenarios that are one party's business (a
 * borrower's consent, a bank's positions and rules, a supplier's offer, a
 * consumer's purchase, a park membership, a partner's PACT client an
 * enterprise made): outside the operator and the
 * regulator, a caller sees only the entries its own organisation made. */
static int party_private(const char *type)
{
    static const char *const types[] = {"fin_consent", "fin_position", "fin_rule", "proc_offer",
                                        "inc_purchase", "park_member", "pact_client", NULL};
    for (int i = 0; types[i]; i++)
        if (!strcmp(type, types[i]))
            return 1;
    return 0;
}

static tj_status may_see(svc_ctx *ctx, const char *type, const char *id, tj_error *err)
{
    json_t *j = NULL;
    tj_status rc;
    if (!strcmp(type, "model")) {
        /* a deleted model's entries stay the operator's */
        rc = svc_model_get(ctx, id, 0, &j, err);
        if (rc == TJ_ERR_NOTFOUND && (ctx->who.roles & SVC_ROLE_OPERATOR))
            rc = TJ_OK;
    } else if (!strcmp(type, "footprint")) {
        rc = svc_footprint_get(ctx, id, 0, &j, err);
    } else if (!strcmp(type, "declaration")) {
        rc = svc_declaration_get(ctx, id, 0, &j, err);
    } else if (!strcmp(type, "factor_version")) {
        rc = svc_factor_state_json(ctx, id, &j, err);
    } else if (!strcmp(type, "footprint_publication")) {
        rc = TJ_OK;
    } else if (!strcmp(type, "disclosure")) {
        /* who may read the disclosure may read its history (a withdrawal is public) */
        rc = svc_disclosure_get(ctx, id, &j, err);
    } else if (!strcmp(type, "organisation")) {
        rc = svc_owns(ctx, id) || (ctx->who.roles & SVC_ROLE_REGULATOR) ? TJ_OK : TJ_ERR_NOTFOUND;
    } else if (!strcmp(type, "principal")) {
        rc = (ctx->who.id && !strcmp(ctx->who.id, id)) || (ctx->who.roles & SVC_ROLE_OPERATOR) ? TJ_OK : TJ_ERR_NOTFOUND;
    } else if (party_private(type)) {
        rc = TJ_OK; /* filtered by organisation in add_row */
    } else {
        rc = ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR | SVC_ROLE_VERIFIER) ? TJ_OK : TJ_ERR_NOTFOUND;
    }
    json_decref(j);
    if (rc == TJ_ERR_NOTFOUND)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "object_id", "no object %.40s \"%.80s\" / 对象不存在", type, id);
    return rc;
}

typedef struct rows_acc {
    json_t *a;
    const char *only_org; /* party_private: entries of this organisation only */
} rows_acc;

static int add_row(void *arg, const store_ledger_row *r)
{
    rows_acc *acc = arg;
    if (acc->only_org && (!r->org || strcmp(r->org, acc->only_org)))
        return 0;
    json_t *entry = json_loads(r->body, 0, NULL);
    json_array_append_new(acc->a, json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s?,s:o?}", "index", (json_int_t)r->idx, "at", r->at,
                                         "kind", r->kind, "actor", r->actor, "org", r->org, "state_digest",
                                         r->state_digest, "entry", entry));
    return 0;
}

tj_status svc_ledger_entries(svc_ctx *ctx, const char *object_type, const char *object_id, int64_t after, int limit,
                             json_t **out, tj_error *err)
{
    *out = NULL;
    if (!object_type || !*object_type || !object_id || !*object_id)
        return tj_error_set(err, TJ_ERR_INPUT, !object_type || !*object_type ? "object_type" : "object_id",
                            "object_type and object_id are required / 须给出对象类型与编号");
    if (strlen(object_type) > 64 || strlen(object_id) > 256)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "object_id", "no such object / 对象不存在");
    if (limit <= 0 || limit > 1000)
        limit = limit <= 0 ? 100 : 1000;
    tj_status rc = may_see(ctx, object_type, object_id, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    if (!a)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    rows_acc acc = {a, NULL};
    if (party_private(object_type) && !(ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR)))
        acc.only_org = ctx->who.org_id ? ctx->who.org_id : "";
    if ((rc = store_ledger_entries_of(ctx->db, object_type, object_id, after, limit, add_row, &acc, err))) {
        json_decref(a);
        return rc;
    }
    if (acc.only_org && json_array_size(a) == 0) {
        json_decref(a);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "object_id", "no object %.40s \"%.80s\" / 对象不存在", object_type,
                            object_id);
    }
    *out = json_pack("{s:s,s:s,s:o}", "object_type", object_type, "object_id", object_id, "entries", a);
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

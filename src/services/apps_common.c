/* Application scenarios: roles, label checks, unit conversion; see apps.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

#include "services/apps.h"
#include "services/footprint.h"
#include "services/inst_util.h"
#include "services/label.h"
#include "store/accounts.h"
#include "store/apps_sql.h"
#include "tanji/units.h"

static const char *const app_roles[] = {"buyer", "bank", "park", "platform", NULL};

tj_status svc_app_role_grant(svc_ctx *ctx, const char *org, const char *role, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "grant an application role", err);
    if (rc)
        return rc;
    int known = 0;
    for (const char *const *r = app_roles; *r; r++)
        known |= role && !strcmp(role, *r);
    if (!known)
        return tj_error_set(err, TJ_ERR_INPUT, "role",
                            "application role must be buyer, bank, park or platform / 应用角色无效: \"%s\"",
                            role ? role : "");
    store_org o = {0};
    if ((rc = store_org_get(ctx->db, org ? org : "", &o, err)))
        return rc;
    char now[INST_TIME_SIZE];
    inst_now(now);
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_app_role_grant(ctx->db, o.id, role, now, ctx->who.id, err);
        json_t *ch = json_pack("{s:s,s:s}", "action", "grant", "role", role);
        json_t *st = NULL;
        char key[300];
        snprintf(key, sizeof key, "%s/%s", o.id, role);
        if (!rc)
            rc = apps_state_read(ctx->db, "app_org_role", key, &st, err);
        if (!rc)
            rc = svc_record(ctx, "app.role.grant", "app_org_role", key, ch, st, err);
        json_decref(ch);
        json_decref(st);
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    store_org_release(&o);
    return rc;
}

tj_status svc_app_role_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "list application roles", err);
    return rc ? rc : store_app_role_list(ctx->db, out, err);
}

tj_status apps_require_role(svc_ctx *ctx, const char *role, const char *action, tj_error *err)
{
    if (ctx->who.roles & SVC_ROLE_OPERATOR)
        return TJ_OK;
    int has = 0;
    tj_status rc = ctx->who.org_id ? store_app_role_has(ctx->db, ctx->who.org_id, role, &has, err) : TJ_OK;
    if (rc)
        return rc;
    if (!has)
        return tj_error_set(err, TJ_ERR_PERM, NULL,
                            "%s: the organisation is not registered as %s / 本机构未登记为该应用角色", action,
                            role);
    return TJ_OK;
}

tj_status apps_per_unit(double value, double amount, const char *from_unit, const char *to_unit, double *out,
                        tj_error *err)
{
    const tj_unit *from = NULL, *to = NULL;
    tj_status rc = tj_unit_lookup(from_unit ? from_unit : "", "declared_unit", &from, err);
    if (!rc)
        rc = tj_unit_lookup(to_unit ? to_unit : "", "declared_unit", &to, err);
    double f = 0;
    if (!rc)
        rc = tj_unit_factor(from, to, &f, "declared_unit", err);
    if (rc)
        return rc;
    if (!(amount > 0) || !(f > 0))
        return tj_error_set(err, TJ_ERR_INPUT, "declared_unit", "declared amount must be positive");
    /* value per (amount from) = value / (amount * f) per one `to` */
    *out = value / (amount * f);
    return TJ_OK;
}

/* The report's problems as text: "check: problem". */
static json_t *problem_list(const json_t *report)
{
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(report, "problems"), i, p)
        json_array_append_new(out, json_sprintf("%s: %s", inst_str(p, "check") ? inst_str(p, "check") : "?",
                                                inst_str(p, "problem") ? inst_str(p, "problem") : "?"));
    return out;
}

tj_status apps_label_check(svc_ctx *ctx, const char *number, const char *at, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *view = NULL, *rep = NULL;
    tj_status rc = svc_label_get(ctx, number, &view, err);
    if (!rc)
        rc = svc_label_verify_number(ctx, number, &rep, err);
    if (rc) {
        json_decref(view);
        return rc;
    }
    char now[INST_TIME_SIZE];
    if (!at) {
        inst_now(now);
        at = now;
    }
    const json_t *label = json_object_get(view, "label");
    const json_t *du = json_object_get(label, "declared_unit");
    json_t *problems = problem_list(rep);
    int ok = json_is_true(json_object_get(rep, "ok"));
    const char *from = inst_str(label, "valid_from"), *until = inst_str(view, "valid_until");
    if (!from || !until || strcmp(at, from) < 0 || strcmp(at, until) >= 0) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "validity: the label is not valid at %s (valid until %s) / 标识在该时间不在有效期内", at,
                 until ? until : "?");
        json_array_append_new(problems, json_string(msg));
        ok = 0;
    }
    json_t *o = json_pack("{s:s,s:b,s:o}", "number", number, "ok", ok, "problems", problems);
    const json_t *holder = json_object_get(label, "holder");
    struct {
        const char *key;
        const json_t *v;
    } kv[] = {{"status", json_object_get(view, "status")},
              {"holder_org", json_object_get(holder, "id")},
              {"holder_name", json_object_get(holder, "name")},
              {"region", json_object_get(holder, "region")},
              {"category", json_object_get(label, "category")},
              {"product", json_object_get(json_object_get(label, "product"), "name")},
              {"rule", json_object_get(label, "rule")},
              {"value", json_object_get(label, "value")},
              {"model_amount", json_object_get(du, "amount")},
              {"declared_unit", json_object_get(du, "unit")},
              {"grade", json_object_get(view, "grade")},
              {"valid_from", json_object_get(label, "valid_from")},
              {"valid_until", json_object_get(view, "valid_until")},
              {"footprint_id", json_object_get(json_object_get(label, "footprint"), "id")},
              {"verification", rep}};
    for (size_t i = 0; o && i < sizeof kv / sizeof kv[0]; i++)
        json_object_set(o, kv[i].key, kv[i].v ? (json_t *)kv[i].v : json_null());
    *out = o;
    json_decref(view);
    json_decref(rep);
    if (!*out)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    return TJ_OK;
}

tj_status apps_footprint_facts(store_db *db, const char *footprint_id, double *primary_share, char **category,
                               char **rule, tj_error *err)
{
    *primary_share = 0;
    if (category)
        *category = NULL;
    if (rule)
        *rule = NULL;
    json_t *f = NULL;
    tj_status rc = svc_footprint_read(db, footprint_id, 1, &f, err);
    if (rc)
        return rc;
    json_t *model = json_loads(inst_str(f, "model") ? inst_str(f, "model") : "{}", 0, NULL);
    const json_t *procs = json_object_get(json_object_get(f, "result"), "by_process");
    double share = 0;
    size_t i, k;
    json_t *p, *m;
    json_array_foreach(procs, i, p)
    {
        const char *id = inst_str(p, "id");
        json_array_foreach(json_object_get(model, "processes"), k, m)
        {
            const char *dt = inst_str(m, "data_type");
            if (id && inst_str(m, "id") && !strcmp(id, inst_str(m, "id")) && dt && !strcmp(dt, "primary"))
                share += json_number_value(json_object_get(p, "share"));
        }
    }
    *primary_share = share < 0 ? 0 : share > 1 ? 1 : share;
    const char *cat = inst_str(json_object_get(model, "product"), "category");
    if (category && cat && !(*category = strdup(cat)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    const char *rid = inst_str(f, "rule_id");
    if (!rc && rule && rid && !(*rule = strdup(rid)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_decref(model);
    json_decref(f);
    return rc;
}

void apps_csv(sbuf *b, const char *field, char sep)
{
    const char *s = field ? field : "";
    if (strpbrk(s, ",\"\r\n")) {
        sb_add(b, "\"");
        for (const char *c = s; *c; c++) {
            char one[2] = {*c, 0};
            sb_add(b, *c == '"' ? "\"\"" : one);
        }
        sb_add(b, "\"");
    } else {
        sb_add(b, s);
    }
    sb_add(b, sep == ',' ? "," : "\r\n");
}

/* 碳普惠 (carbon inclusion): methodologies, purchases credited once, accounts,
 * retirement, issuance, the public registry; see apps.h.  Amounts are
 * integers of grams CO2e. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/apps.h"
#include "services/disclosure.h"
#include "services/inst_util.h"
#include "services/ledger_svc.h"
#include "store/accounts.h"
#include "store/apps_sql.h"
#include "store/inst_sql.h"
#include "tanji/strmap.h"
#include "tanji/units.h"

static int id_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 100)
        return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_'))
            return 0;
    return 1;
}

tj_status svc_inc_method_create(svc_ctx *ctx, const json_t *spec, json_t **out, tj_error *err)
{
    if (out)
        *out = NULL;
    tj_status rc =
        svc_require(ctx, SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR, "publish a 碳普惠 methodology", err);
    if (rc)
        return rc;
    const char *id = inst_str(spec, "id"), *name = inst_str(spec, "name"), *cat = inst_str(spec, "category"),
               *unit = inst_str(spec, "declared_unit"), *scope = inst_str(spec, "scope"),
               *appl = inst_str(spec, "applicability");
    const json_t *bl = json_object_get(spec, "baseline");
    const char *kind = inst_str(bl, "kind");
    const tj_unit *u = NULL;
    json_t *catrow = NULL, *row = NULL, *cmp = NULL;
    if (!id_ok(id))
        return tj_error_set(err, TJ_ERR_INPUT, "id", "a methodology id is 1-100 of a-z 0-9 . - _");
    if ((rc = inst_check_text(name, 200, "name", 1, err)) ||
        (rc = inst_check_text(scope, 2000, "scope", 1, err)) ||
        (rc = inst_check_text(appl, 2000, "applicability", 1, err)) ||
        (rc = tj_unit_lookup(unit ? unit : "", "declared_unit", &u, err)))
        return rc;
    if ((rc = store_cert_catalogue_get(ctx->db, cat ? cat : "", &catrow, err)))
        return rc == TJ_ERR_NOTFOUND
                   ? tj_error_set(err, TJ_ERR_INPUT, "category",
                                  "\"%s\" is not a catalogue category / 非目录类别", cat ? cat : "")
                   : rc;
    json_decref(catrow);
    double base = NAN;
    char source[400];
    char now[INST_TIME_SIZE];
    inst_now(now);
    if (kind && !strcmp(kind, "benchmark")) {
        const json_t *v = json_object_get(bl, "value");
        const char *src = inst_str(bl, "source");
        if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 1e12)
            return tj_error_set(err, TJ_ERR_INPUT, "baseline.value",
                                "the benchmark is a positive number of kg CO2e per declared unit");
        if ((rc = inst_check_text(src, 300, "baseline.source", 1, err)))
            return rc;
        base = json_number_value(v);
        snprintf(source, sizeof source, "%s", src);
    } else if (kind && !strcmp(kind, "average")) {
        /* the mean of the category's valid labels now, in the declared unit */
        if ((rc = svc_registry_compare(ctx, cat, 200, &cmp, err)))
            return rc;
        long double sum = 0;
        size_t n = 0, i;
        json_t *l;
        json_array_foreach(json_object_get(cmp, "labels"), i, l)
        {
            double per = 0;
            tj_error uerr;
            if (apps_per_unit(json_number_value(json_object_get(l, "value")), 1, inst_str(l, "declared_unit"),
                              u->name, &per, &uerr) == TJ_OK) {
                sum += per;
                n++;
            }
        }
        json_decref(cmp);
        if (!n)
            return tj_error_set(err, TJ_ERR_CONFLICT, "baseline",
                                "no valid label of %s to average / 该类别无有效标识，无法取平均", cat);
        base = (double)(sum / (long double)n);
        snprintf(source, sizeof source, "average of %zu valid labels of %s at %s / %s 有效标识平均值", n, cat,
                 now, cat);
    } else
        return tj_error_set(err, TJ_ERR_INPUT, "baseline.kind", "baseline kind is benchmark or average");
    row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "id", id, "name", name, "category",
                    cat, "declared_unit", u->name, "scope", scope, "applicability", appl, "baseline_kind",
                    kind, "baseline_g", (json_int_t)llround(base * 1000.0), "baseline_source", source,
                    "status", "active", "created_at", now, "created_by", ctx->who.id);
    if (!row)
        return tj_error_nomem(err);
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_inc_method_insert(ctx->db, row, err);
        json_t *ch = json_pack("{s:s}", "action", "publish");
        json_t *st = apps_state("inc_methodology", row);
        if (!rc && !st)
            rc = tj_error_nomem(err);
        if (!rc)
            rc = svc_record(ctx, "inclusion.methodology", "inc_methodology", id, ch, st, err);
        json_decref(st);
        json_decref(ch);
        rc = svc_finish(ctx, rc, err);
    }
    if (!rc && out)
        *out = json_incref(row);
    json_decref(row);
    return rc;
}

tj_status svc_inc_method_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    return store_inc_method_list(ctx->db, out, err); /* public */
}

/* ---- purchases ---- */

/* The caches of one report (labels, methodologies, accounts) are
 * tj_strmaps; their values are freed by these. */
static void free_json(const char *key, size_t len, void *val, void *arg)
{
    (void)key, (void)len, (void)arg;
    json_decref(val);
}

static void free_text(const char *key, size_t len, void *val, void *arg)
{
    (void)key, (void)len, (void)arg;
    free(val);
}

/* What a (label, methodology) pair gives: {ok, reason, per_unit_g, region}. */
static tj_status pair_facts(svc_ctx *ctx, tj_strmap *labels, tj_strmap *meths, const char *label, const char *meth,
                            const json_t **out, tj_error *err)
{
    char key[512];
    if (snprintf(key, sizeof key, "%s\x1f%s", label, meth) >= (int)sizeof key)
        return tj_error_set(err, TJ_ERR_INPUT, "label", "label or methodology too long");
    int found = 0;
    void **slot = tj_strmap_slot(labels, key, strlen(key), &found);
    if (!slot)
        return tj_error_nomem(err);
    if (found) {
        *out = *slot;
        return TJ_OK;
    }
    void **ms = tj_strmap_slot(meths, meth, strlen(meth), &found);
    if (!ms)
        return tj_error_nomem(err);
    tj_status rc = TJ_OK;
    if (!found) {
        json_t *m = NULL;
        rc = store_inc_method_get(ctx->db, meth, &m, err);
        if (rc == TJ_ERR_NOTFOUND) {
            m = json_null();
            rc = TJ_OK;
        }
        if (rc)
            return rc;
        *ms = m;
    }
    const json_t *m = *ms;
    json_t *chk = NULL, *facts = NULL;
    char why[600] = "";
    long long per_unit = 0;
    if (json_is_null(m))
        snprintf(why, sizeof why, "no methodology \"%s\" / 方法学不存在", meth);
    else if (strcmp(inst_str(m, "status"), "active"))
        snprintf(why, sizeof why, "methodology %s is closed / 方法学已关闭", meth);
    else {
        rc = apps_label_check(ctx, label, NULL, &chk, err); /* valid now */
        if (rc == TJ_ERR_NOTFOUND) {
            rc = TJ_OK;
            snprintf(why, sizeof why, "no label \"%s\" / 标识不存在", label);
        } else if (rc)
            return rc;
        else if (!json_is_true(json_object_get(chk, "ok")))
            snprintf(why, sizeof why, "label %s credits nothing: %s / 标识无效，不予计入", label,
                     json_string_value(json_array_get(json_object_get(chk, "problems"), 0)));
        else if (strcmp(inst_str(chk, "category"), inst_str(m, "category")))
            snprintf(why, sizeof why, "label category %s is not the methodology's %s / 类别不适用",
                     inst_str(chk, "category"), inst_str(m, "category"));
        else {
            double per = 0;
            tj_error uerr;
            if (apps_per_unit(json_number_value(json_object_get(chk, "value")), 1,
                              inst_str(chk, "declared_unit"), inst_str(m, "declared_unit"), &per, &uerr))
                snprintf(why, sizeof why, "unit: %s", uerr.message);
            else
                per_unit =
                    (long long)json_integer_value(json_object_get(m, "baseline_g")) - llround(per * 1000.0);
        }
    }
    facts =
        json_pack("{s:b,s:s,s:I,s:s?,s:s?}", "ok", !*why, "reason", why, "per_unit_g", (json_int_t)per_unit,
                  "valid_from", inst_str(chk, "valid_from"), "valid_until", inst_str(chk, "valid_until"));
    json_decref(chk);
    if (!facts)
        return tj_error_nomem(err);
    *slot = facts;
    *out = facts;
    return TJ_OK;
}

static json_t *refused(const char *pid, const char *why)
{
    return json_pack("{s:s?,s:s,s:i,s:s}", "purchase_id", pid, "status", "refused", "reduction_g", 0,
                     "reason", why);
}

tj_status svc_inc_report(svc_ctx *ctx, const json_t *purchases, json_t **results, int *credited,
                         tj_error *err)
{
    *results = NULL;
    if (credited)
        *credited = 0;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "report purchases", err);
    if (!rc)
        rc = apps_require_role(ctx, "platform", "report purchases", err);
    if (rc)
        return rc;
    if (!json_is_array(purchases))
        return tj_error_set(err, TJ_ERR_INPUT, "purchases", "purchases is an array");
    if (json_array_size(purchases) > 100000)
        return tj_error_set(err, TJ_ERR_INPUT, "purchases", "at most 100000 purchases a report");
    char now[INST_TIME_SIZE];
    inst_now(now);
    tj_strmap labels, meths, accounts;
    tj_strmap_init(&labels);
    tj_strmap_init(&meths);
    tj_strmap_init(&accounts);
    json_t *res = json_array();
    int n_ok = 0;
    if (!res)
        return tj_error_nomem(err);
    if ((rc = svc_begin(ctx, err))) {
        json_decref(res);
        return rc;
    }
    size_t i;
    json_t *p;
    json_array_foreach(purchases, i, p)
    {
        const char *pid = inst_str(p, "purchase_id"), *who = inst_str(p, "participant"),
                   *region = inst_str(p, "region"), *meth = inst_str(p, "methodology"),
                   *label = inst_str(p, "label");
        const json_t *q = json_object_get(p, "quantity");
        char when[INST_TIME_SIZE];
        tj_error verr;
        const char *bad = NULL;
        if (inst_check_text(pid, 200, "purchase_id", 1, &verr) ||
            inst_check_text(who, 200, "participant", 1, &verr) ||
            inst_check_text(region, 20, "region", 1, &verr) ||
            inst_check_text(meth, 100, "methodology", 1, &verr) ||
            inst_check_text(label, 100, "label", 1, &verr))
            bad = verr.message;
        else if (!json_is_number(q) || !(json_number_value(q) > 0) || json_number_value(q) > 1e9)
            bad = "quantity must be a positive number of declared units / 数量无效";
        else if (inst_str(p, "purchased_at") && !inst_time_parse(inst_str(p, "purchased_at"), when))
            bad = "purchased_at must be a date or time / 购买时间无效";
        else if (inst_str(p, "purchased_at") && strcmp(when, now) > 0)
            bad = "purchased_at is in the future / 购买时间晚于当前";
        if (bad) {
            json_array_append_new(res, refused(pid, bad));
            continue;
        }
        if (!inst_str(p, "purchased_at"))
            memcpy(when, now, sizeof when);
        const json_t *facts = NULL;
        if ((rc = pair_facts(ctx, &labels, &meths, label, meth, &facts, err)))
            break;
        if (!json_is_true(json_object_get(facts, "ok"))) {
            json_array_append_new(res, refused(pid, inst_str(facts, "reason")));
            continue;
        }
        if (strcmp(when, inst_str(facts, "valid_from")) < 0 ||
            strcmp(when, inst_str(facts, "valid_until")) >= 0) {
            json_array_append_new(
                res, refused(pid, "the label was not valid when bought / 购买时标识不在有效期内"));
            continue;
        }
        /* the participant's account (cached for the report) */
        int found = 0;
        char akey[300];
        snprintf(akey, sizeof akey, "%s\x1f%s", who, region);
        void **slot = tj_strmap_slot(&accounts, akey, strlen(akey), &found);
        if (!slot) {
            rc = tj_error_nomem(err);
            break;
        }
        if (!found) {
            char *fresh = svc_new_uuid(), *acc = NULL;
            rc = fresh
                     ? store_inc_account_ensure(ctx->db, fresh, ctx->who.org_id, who, region, now, &acc, err)
                     : tj_error_nomem(err);
            free(fresh);
            if (rc)
                break;
            *slot = acc;
        }
        const char *acc = *slot;
        long long per = (long long)json_integer_value(json_object_get(facts, "per_unit_g"));
        double g = (double)per * json_number_value(q);
        long long grams = g > 0 ? llround(g) : 0;
        json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:I,s:s,s:s}", "platform_org", ctx->who.org_id,
                                "purchase_id", pid, "account_id", acc, "methodology_id", meth, "label_number",
                                label, "region", region, "quantity", q, "reduction_g", (json_int_t)grams,
                                "purchased_at", when, "reported_at", now);
        int inserted = 0;
        if (!row) {
            rc = tj_error_nomem(err);
            break;
        }
        rc = store_inc_purchase_insert(ctx->db, row, &inserted, err);
        if (!rc && inserted && grams)
            rc = store_inc_account_credit(ctx->db, acc, grams, err);
        if (!rc && inserted) {
            char key[500];
            snprintf(key, sizeof key, "%s/%s", ctx->who.org_id, pid);
            json_t *ch = json_pack("{s:s,s:I}", "action", "credit", "reduction_g", (json_int_t)grams);
            json_t *st = apps_state("inc_purchase", row);
            rc = ch && st ? svc_record(ctx, "inclusion.credit", "inc_purchase", key, ch, st, err)
                          : tj_error_nomem(err);
            json_decref(ch);
            json_decref(st);
        }
        json_decref(row);
        if (rc)
            break;
        if (!inserted)
            json_array_append_new(
                res, refused(pid, "this purchase was reported before: one purchase, one credit / "
                                  "该购买已报送，不重复计入"));
        else {
            n_ok++;
            json_array_append_new(res,
                                  json_pack("{s:s,s:s,s:I,s:s}", "purchase_id", pid, "status", "credited",
                                            "reduction_g", (json_int_t)grams, "account", acc));
        }
    }
    rc = svc_finish(ctx, rc, err);
    tj_strmap_each(&labels, free_json, NULL);
    tj_strmap_each(&meths, free_json, NULL);
    tj_strmap_each(&accounts, free_text, NULL);
    tj_strmap_release(&labels);
    tj_strmap_release(&meths);
    tj_strmap_release(&accounts);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *results = res;
    if (credited)
        *credited = n_ok;
    return TJ_OK;
}

/* The platform an account belongs to: the principal's own, or any for operator/regulator. */
static tj_status account_of(svc_ctx *ctx, const char *platform, const char *participant, json_t **acc,
                            tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "read a 碳普惠 account", err);
    char *pid = NULL;
    if (rc)
        return rc;
    if (platform) {
        store_org o = {0};
        if ((rc = store_org_get(ctx->db, platform, &o, err)))
            return rc;
        pid = strdup(o.id);
        store_org_release(&o);
    } else
        pid = strdup(ctx->who.org_id ? ctx->who.org_id : "");
    if (!pid)
        return tj_error_nomem(err);
    if (!svc_owns(ctx, pid) && !(ctx->who.roles & SVC_ROLE_REGULATOR))
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "participant", "no account \"%s\" / 账户不存在", participant);
    if (!rc)
        rc = store_inc_account_get(ctx->db, pid, participant ? participant : "", acc, err);
    free(pid);
    return rc;
}

tj_status svc_inc_account(svc_ctx *ctx, const char *platform, const char *participant, json_t **out,
                          tj_error *err)
{
    return account_of(ctx, platform, participant, out, err);
}

tj_status svc_inc_statement(svc_ctx *ctx, const char *platform, const char *participant, int limit,
                            int offset, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *acc = NULL, *lines = NULL;
    svc_page(&limit, &offset);
    tj_status rc = account_of(ctx, platform, participant, &acc, err);
    if (!rc)
        rc = store_inc_statement(ctx->db, inst_str(acc, "id"), limit, offset, &lines, err);
    if (!rc && !(*out = json_pack("{s:O,s:O}", "account", acc, "lines", lines)))
        rc = tj_error_nomem(err);
    json_decref(acc);
    json_decref(lines);
    return rc;
}

tj_status svc_inc_retire(svc_ctx *ctx, const char *participant, int64_t grams, const char *purpose,
                         tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "retire credits", err);
    if (!rc)
        rc = apps_require_role(ctx, "platform", "retire credits", err);
    if (!rc)
        rc = inst_check_text(purpose, 500, "purpose", 1, err);
    if (!rc && grams <= 0)
        rc = tj_error_set(err, TJ_ERR_INPUT, "amount_g", "retire a positive number of grams");
    json_t *acc = NULL, *row = NULL;
    if (!rc)
        rc = store_inc_account_get(ctx->db, ctx->who.org_id, participant ? participant : "", &acc, err);
    if (rc)
        return rc;
    char now[INST_TIME_SIZE];
    inst_now(now);
    char *id = svc_new_uuid();
    row = json_pack("{s:s?,s:s,s:I,s:s,s:s}", "id", id, "account_id", inst_str(acc, "id"), "amount_g",
                    (json_int_t)grams, "purpose", purpose, "retired_at", now);
    if (!row || !id)
        rc = tj_error_nomem(err);
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_inc_account_retire(ctx->db, row, err);
        json_t *ch = json_pack("{s:s}", "action", "retire");
        json_t *st = apps_state("inc_retirement", row);
        if (!rc && !st)
            rc = tj_error_nomem(err);
        if (!rc)
            rc = svc_record(ctx, "inclusion.retire", "inc_retirement", id, ch, st, err);
        json_decref(st);
        json_decref(ch);
        rc = svc_finish(ctx, rc, err);
    }
    free(id);
    json_decref(acc);
    json_decref(row);
    return rc;
}

tj_status svc_inc_issue(svc_ctx *ctx, const char *methodology, const char *region, json_t **out,
                        tj_error *err)
{
    if (out)
        *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR, "issue 碳普惠 reductions", err);
    json_t *m = NULL;
    if (!rc)
        rc = store_inc_method_get(ctx->db, methodology ? methodology : "", &m, err);
    json_decref(m);
    if (!rc)
        rc = inst_check_text(region, 20, "region", 1, err);
    if (rc)
        return rc;
    char now[INST_TIME_SIZE];
    inst_now(now);
    char *id = svc_new_uuid();
    int64_t grams = 0, n = 0;
    json_t *st = NULL;
    if (!id)
        return tj_error_nomem(err);
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_inc_issue(ctx->db, id, methodology, region, now, ctx->who.id, &grams, &n, err);
        st = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "id", id, "methodology_id", methodology, "region",
                       region, "amount_g", (json_int_t)grams, "purchases", (json_int_t)n, "issued_at", now,
                       "issued_by", ctx->who.id);
        json_t *ch = json_pack("{s:s}", "action", "issue");
        json_t *is = apps_state("inc_issuance", st);
        if (!rc && !is)
            rc = tj_error_nomem(err);
        if (!rc)
            rc = svc_record(ctx, "inclusion.issue", "inc_issuance", id, ch, is, err);
        json_decref(is);
        json_decref(ch);
        rc = svc_finish(ctx, rc, err);
    }
    if (!rc && out)
        *out = json_incref(st);
    json_decref(st);
    free(id);
    return rc;
}

tj_status svc_inc_registry(svc_ctx *ctx, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *rows = NULL, *ret = NULL;
    tj_status rc = store_inc_registry(ctx->db, &rows, err);
    if (!rc)
        rc = store_inc_retired_by_region(ctx->db, &ret, err);
    if (!rc && !(*out = json_pack("{s:s,s:O,s:O}", "unit", "g CO2e", "by_methodology_region", rows,
                                  "retired_by_region", ret)))
        rc = tj_error_nomem(err);
    json_decref(rows);
    json_decref(ret);
    return rc;
}

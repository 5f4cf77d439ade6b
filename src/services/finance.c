/* Green finance (绿色金融): consent, borrower verification, eligibility, portfolio; see apps.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "services/apps.h"
#include "services/inst_util.h"
#include "services/label.h"
#include "store/accounts.h"
#include "store/apps_sql.h"
#include "store/inst_sql.h"

/* org (id or name) -> id (malloc'ed) if it holds role. */
static tj_status org_with_role(svc_ctx *ctx, const char *org, const char *role, char **id, tj_error *err)
{
    store_org o = {0};
    tj_status rc = store_org_get(ctx->db, org ? org : "", &o, err);
    int has = 0;
    if (!rc && role)
        rc = store_app_role_has(ctx->db, o.id, role, &has, err);
    if (!rc && role && !has)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, NULL, "\"%s\" is not registered as %s / 该机构未登记为%s",
                          org, role, role);
    if (!rc && !(*id = strdup(o.id)))
        rc = tj_error_nomem(err);
    store_org_release(&o);
    return rc;
}

static tj_status consent_change(svc_ctx *ctx, const char *bank, const char *valid_until, int grant,
                                tj_error *err)
{
    tj_status rc =
        svc_require(ctx, SVC_ROLE_ENTERPRISE, grant ? "consent to a bank" : "revoke a consent", err);
    char *bank_id = NULL, *id = NULL;
    char until[INST_TIME_SIZE], now[INST_TIME_SIZE];
    inst_now(now);
    if (!rc && valid_until && !inst_time_parse(valid_until, until))
        rc = tj_error_set(err, TJ_ERR_INPUT, "valid_until", "valid_until must be a date or time / 日期无效");
    if (!rc)
        rc = org_with_role(ctx, bank, "bank", &bank_id, err);
    if (rc)
        return rc;
    json_t *row = NULL, *ch = NULL;
    if (!(rc = svc_begin(ctx, err))) {
        int64_t n = 0;
        if (grant) {
            id = svc_new_uuid();
            row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?}", "id", id, "bank_org", bank_id, "borrower_org",
                            ctx->who.org_id, "granted_at", now, "granted_by", ctx->who.id, "valid_until",
                            valid_until ? until : NULL);
            rc = row ? store_fin_consent_insert(ctx->db, row, err) : tj_error_nomem(err);
        } else {
            rc = store_fin_consent_revoke(ctx->db, bank_id, ctx->who.org_id, now, &n, err);
            if (!rc && n == 0)
                rc = tj_error_set(err, TJ_ERR_NOTFOUND, "bank", "no consent to \"%s\" in force / 无有效授权",
                                  bank);
        }
        json_decref(row);
        row = NULL;
        ch = json_pack("{s:s,s:s}", "action", grant ? "grant" : "revoke", "bank", bank_id);
        char key[300];
        snprintf(key, sizeof key, "%s/%s", ctx->who.org_id, bank_id);
        if (!rc)
            rc = apps_state_read(ctx->db, "fin_consent", key, &row, err);
        if (!rc)
            rc = svc_record(ctx, grant ? "finance.consent" : "finance.consent.revoke", "fin_consent", key, ch,
                            row, err);
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(row);
    json_decref(ch);
    free(bank_id);
    free(id);
    return rc;
}

tj_status svc_fin_consent(svc_ctx *ctx, const char *bank, const char *valid_until, tj_error *err)
{
    return consent_change(ctx, bank, valid_until, 1, err);
}

tj_status svc_fin_consent_revoke(svc_ctx *ctx, const char *bank, tj_error *err)
{
    return consent_change(ctx, bank, NULL, 0, err);
}

tj_status svc_fin_consent_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "list consents", err);
    if (rc)
        return rc;
    if (ctx->who.roles & SVC_ROLE_OPERATOR)
        return store_fin_consent_list(ctx->db, NULL, NULL, out, err);
    int bank = 0;
    if ((rc = store_app_role_has(ctx->db, ctx->who.org_id, "bank", &bank, err)))
        return rc;
    return bank ? store_fin_consent_list(ctx->db, ctx->who.org_id, NULL, out, err)
                : store_fin_consent_list(ctx->db, NULL, ctx->who.org_id, out, err);
}

/* The bank (principal's org) may read borrower (id or name): *id gets its id. */
static tj_status consented(svc_ctx *ctx, const char *borrower, char **id, tj_error *err)
{
    *id = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "read a borrower", err);
    if (!rc)
        rc = apps_require_role(ctx, "bank", "read a borrower", err);
    if (!rc)
        rc = org_with_role(ctx, borrower, NULL, id, err);
    char now[INST_TIME_SIZE];
    inst_now(now);
    int ok = 0;
    if (!rc)
        rc = store_fin_consent_active(ctx->db, ctx->who.org_id, *id, now, &ok, err);
    if (!rc && !ok)
        rc = tj_error_set(err, TJ_ERR_PERM, "borrower",
                          "\"%s\" has given this bank no consent in force / 借款人未授权本行查询", borrower);
    if (rc) {
        free(*id);
        *id = NULL;
    }
    return rc;
}

tj_status svc_fin_borrower(svc_ctx *ctx, const char *borrower, json_t **out, tj_error *err)
{
    *out = NULL;
    char *bid = NULL;
    tj_status rc = consented(ctx, borrower, &bid, err);
    json_t *labels = NULL, *items = json_array();
    if (!rc)
        rc = store_label_holder_list(ctx->db, bid, &labels, err);
    size_t i;
    json_t *l;
    json_array_foreach(labels, i, l)
    {
        if (rc)
            break;
        json_t *chk = NULL, *view = NULL;
        const char *num = inst_str(l, "number");
        if (!(rc = apps_label_check(ctx, num, NULL, &chk, err)))
            rc = svc_label_get(ctx, num, &view, err);
        if (!rc) {
            json_object_set(chk, "grade_history", json_object_get(view, "grade_history"));
            json_object_set(chk, "history", json_object_get(view, "history"));
            json_object_set(chk, "surveillance", json_object_get(view, "surveillance"));
            json_array_append(items, chk);
        }
        json_decref(chk);
        json_decref(view);
    }
    if (!rc && !(*out = json_pack("{s:s,s:O}", "borrower_org", bid, "labels", items)))
        rc = tj_error_nomem(err);
    json_decref(labels);
    json_decref(items);
    free(bid);
    return rc;
}

static const char *const rule_keys[] = {"max_grade", "require_valid_label", "categories", "max_value", NULL};

tj_status svc_fin_rule_set(svc_ctx *ctx, const json_t *rule, int *version, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "set an eligibility rule", err);
    if (!rc)
        rc = apps_require_role(ctx, "bank", "set an eligibility rule", err);
    if (rc)
        return rc;
    if (!json_is_object(rule))
        return tj_error_set(err, TJ_ERR_INPUT, "rule", "the rule is a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)rule, k, v)
    {
        int known = 0;
        for (const char *const *p = rule_keys; *p; p++)
            known |= !strcmp(k, *p);
        if (!known)
            return tj_error_set(
                err, TJ_ERR_INPUT, k,
                "unknown rule key \"%s\": max_grade, require_valid_label, categories, max_value", k);
    }
    const json_t *mg = json_object_get(rule, "max_grade"), *cats = json_object_get(rule, "categories"),
                 *mv = json_object_get(rule, "max_value");
    if (mg && !(json_is_integer(mg) && json_integer_value(mg) >= 1 && json_integer_value(mg) <= 10))
        return tj_error_set(err, TJ_ERR_INPUT, "max_grade", "max_grade is an integer 1..10");
    if (cats && !json_is_array(cats))
        return tj_error_set(err, TJ_ERR_INPUT, "categories", "categories is an array of category ids");
    if (mv && !json_is_object(mv))
        return tj_error_set(err, TJ_ERR_INPUT, "max_value",
                            "max_value maps categories to kg CO2e per declared unit");
    char *text = json_dumps(rule, JSON_SORT_KEYS | JSON_COMPACT);
    char now[INST_TIME_SIZE];
    inst_now(now);
    int ver = 0;
    if (!text)
        return tj_error_nomem(err);
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_fin_rule_insert(ctx->db, ctx->who.org_id, text, now, &ver, err);
        json_t *r = json_pack("{s:s,s:i,s:s,s:s}", "bank_org", ctx->who.org_id, "version", ver, "rule", text,
                              "created_at", now),
               *st = apps_state("fin_rule", r);
        json_decref(r);
        json_t *ch = json_pack("{s:s}", "action", "set");
        char key[300];
        snprintf(key, sizeof key, "%s/%d", ctx->who.org_id, ver);
        if (!rc)
            rc = svc_record(ctx, "finance.rule", "fin_rule", key, ch, st, err);
        json_decref(st);
        json_decref(ch);
        rc = svc_finish(ctx, rc, err);
    }
    free(text);
    if (!rc && version)
        *version = ver;
    return rc;
}

/* {eligible, reasons, rule_version} of a checked label under the rule (may be NULL). */
static json_t *eligibility(const json_t *chk, const json_t *rule_row)
{
    json_t *reasons = json_array();
    json_t *rule = rule_row ? json_loads(inst_str(rule_row, "rule"), 0, NULL) : NULL;
    if (!rule_row)
        json_array_append_new(reasons, json_string("the bank has no eligibility rule / 未设置准入规则"));
    const json_t *mg = json_object_get(rule, "max_grade"), *cats = json_object_get(rule, "categories");
    const json_t *g = json_object_get(chk, "grade");
    const char *cat = inst_str(chk, "category");
    char msg[300];
    if (rule && !json_is_false(json_object_get(rule, "require_valid_label")) &&
        !json_is_true(json_object_get(chk, "ok"))) {
        snprintf(msg, sizeof msg, "the label is not valid (%s) / 标识无效", inst_str(chk, "status"));
        json_array_append_new(reasons, json_string(msg));
    }
    if (json_is_integer(mg) && (!json_is_integer(g) || json_integer_value(g) > json_integer_value(mg))) {
        snprintf(msg, sizeof msg, "grade %s is not within 1-%lld / 等级不满足",
                 json_is_integer(g) ? "" : "none", (long long)json_integer_value(mg));
        if (json_is_integer(g))
            snprintf(msg, sizeof msg, "grade %lld is not within 1-%lld / 等级不满足",
                     (long long)json_integer_value(g), (long long)json_integer_value(mg));
        json_array_append_new(reasons, json_string(msg));
    }
    if (json_is_array(cats)) {
        int in = 0;
        size_t i;
        json_t *c;
        json_array_foreach(cats, i, c) in |= cat && json_is_string(c) && !strcmp(cat, json_string_value(c));
        if (!in) {
            snprintf(msg, sizeof msg, "category %s is not eligible / 类别不在准入范围", cat ? cat : "?");
            json_array_append_new(reasons, json_string(msg));
        }
    }
    const json_t *mv = cat ? json_object_get(json_object_get(rule, "max_value"), cat) : NULL;
    double v = json_number_value(json_object_get(chk, "value"));
    if (json_is_number(mv) && v > json_number_value(mv)) {
        snprintf(msg, sizeof msg, "footprint %.6g above %.6g kg CO2e/%s / 碳足迹超过上限", v,
                 json_number_value(mv), inst_str(chk, "declared_unit"));
        json_array_append_new(reasons, json_string(msg));
    }
    json_t *out = json_pack("{s:b,s:o,s:O?}", "eligible", json_array_size(reasons) == 0, "reasons", reasons,
                            "rule_version", json_object_get(rule_row, "version"));
    json_decref(rule);
    return out;
}

static tj_status latest_rule(svc_ctx *ctx, json_t **rule, tj_error *err)
{
    tj_status rc = store_fin_rule_latest(ctx->db, ctx->who.org_id, rule, err);
    if (rc == TJ_ERR_NOTFOUND) {
        *rule = NULL;
        return TJ_OK;
    }
    return rc;
}

tj_status svc_fin_eligibility(svc_ctx *ctx, const char *label, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *chk = NULL, *rule = NULL;
    char *bid = NULL;
    json_t *row = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "evaluate eligibility", err);
    if (!rc)
        rc = store_label_get(ctx->db, label ? label : "", 0, &row, err);
    if (!rc)
        rc = consented(ctx, inst_str(row, "holder_org"), &bid, err);
    if (!rc)
        rc = apps_label_check(ctx, label, NULL, &chk, err);
    if (!rc)
        rc = latest_rule(ctx, &rule, err);
    if (!rc) {
        *out = eligibility(chk, rule);
        json_object_set_new(*out, "label", json_string(label));
    }
    json_decref(row);
    json_decref(chk);
    json_decref(rule);
    free(bid);
    return rc;
}

tj_status svc_fin_position(svc_ctx *ctx, const char *borrower, const char *label, int64_t amount,
                           const char *as_of, tj_error *err)
{
    char *bid = NULL;
    json_t *row = NULL, *pos = NULL;
    char date[INST_TIME_SIZE], now[INST_TIME_SIZE];
    inst_now(now);
    tj_status rc = consented(ctx, borrower, &bid, err);
    if (!rc && (!as_of || !inst_time_parse(as_of, date)))
        rc = tj_error_set(err, TJ_ERR_INPUT, "as_of", "as_of must be a date / 日期无效");
    if (!rc && amount < 0)
        rc = tj_error_set(err, TJ_ERR_INPUT, "amount", "the financed amount is not negative");
    if (!rc)
        rc = store_label_get(ctx->db, label ? label : "", 0, &row, err);
    if (!rc && strcmp(inst_str(row, "holder_org"), bid))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "label", "label %s is not the borrower's / 标识不属于借款人",
                          label);
    if (rc)
        goto out;
    pos = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "bank_org", ctx->who.org_id, "borrower_org", bid,
                    "label_number", label, "as_of", date, "amount", (json_int_t)amount, "recorded_at", now);
    if (!pos) {
        rc = tj_error_nomem(err);
        goto out;
    }
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_fin_position_put(ctx->db, pos, err);
        json_t *ch = json_pack("{s:s}", "action", "position");
        char key[400];
        snprintf(key, sizeof key, "%s/%s/%s", ctx->who.org_id, label, date);
        json_t *st = apps_state("fin_position", pos);
        if (!rc && !st)
            rc = tj_error_nomem(err);
        if (!rc)
            rc = svc_record(ctx, "finance.position", "fin_position", key, ch, st, err);
        json_decref(st);
        json_decref(ch);
        rc = svc_finish(ctx, rc, err);
    }
out:
    json_decref(row);
    json_decref(pos);
    free(bid);
    return rc;
}

typedef struct cat_total {
    char category[128], unit[32];
    long double amount, weighted, eligible;
} cat_total;

/* Positions at date with checks and per-category totals. */
static tj_status portfolio_at(svc_ctx *ctx, const char *date, const json_t *rule, int details, json_t **out,
                              tj_error *err)
{
    *out = NULL;
    json_t *pos = NULL, *items = json_array(), *cats = json_array();
    tj_status rc = store_fin_positions_at(ctx->db, ctx->who.org_id, date, &pos, err);
    cat_total *t = NULL;
    size_t nt = 0;
    long double total = 0;
    size_t i;
    json_t *p;
    json_array_foreach(pos, i, p)
    {
        if (rc)
            break;
        json_t *chk = NULL;
        int ok = 0;
        if ((rc = store_fin_consent_active(ctx->db, ctx->who.org_id, inst_str(p, "borrower_org"), date, &ok,
                                           err)))
            break;
        json_t *item = json_deep_copy(p);
        json_object_set_new(item, "consent", json_boolean(ok));
        if (ok) {
            if ((rc = apps_label_check(ctx, inst_str(p, "label_number"), NULL, &chk, err))) {
                json_decref(item);
                break;
            }
            double intensity = json_number_value(json_object_get(chk, "value"));
            json_t *el = eligibility(chk, rule);
            json_object_set(item, "category", json_object_get(chk, "category"));
            json_object_set(item, "product", json_object_get(chk, "product"));
            json_object_set_new(item, "intensity", json_real(intensity));
            json_object_set_new(item, "unit", json_sprintf("kg CO2e/%s", inst_str(chk, "declared_unit")));
            json_object_set(item, "grade", json_object_get(chk, "grade"));
            json_object_set(item, "status", json_object_get(chk, "status"));
            json_object_set(item, "label_ok", json_object_get(chk, "ok"));
            json_object_set(item, "eligibility", el);
            const char *cat = inst_str(chk, "category") ? inst_str(chk, "category") : "?";
            size_t k;
            for (k = 0; k < nt && strcmp(t[k].category, cat); k++)
                ;
            if (k == nt) {
                cat_total *nt2 = realloc(t, (nt + 1) * sizeof *t);
                if (!nt2) {
                    rc = tj_error_nomem(err);
                    json_decref(el);
                    json_decref(chk);
                    json_decref(item);
                    break;
                }
                t = nt2;
                memset(&t[nt], 0, sizeof t[nt]);
                snprintf(t[nt].category, sizeof t[nt].category, "%s", cat);
                snprintf(t[nt].unit, sizeof t[nt].unit, "%s",
                         inst_str(chk, "declared_unit") ? inst_str(chk, "declared_unit") : "");
                nt++;
            }
            long double a = (long double)json_integer_value(json_object_get(p, "amount"));
            t[k].amount += a;
            t[k].weighted += a * intensity;
            if (json_is_true(json_object_get(el, "eligible")))
                t[k].eligible += a;
            json_decref(el);
            json_decref(chk);
        }
        total += (long double)json_integer_value(json_object_get(p, "amount"));
        if (details)
            json_array_append(items, item);
        json_decref(item);
    }
    for (size_t k = 0; !rc && k < nt; k++)
        json_array_append_new(cats, json_pack("{s:s,s:I,s:f,s:s+,s:f}", "category", t[k].category, "financed",
                                              (json_int_t)t[k].amount, "weighted_intensity",
                                              (double)(t[k].amount > 0 ? t[k].weighted / t[k].amount : 0),
                                              "unit", "kg CO2e/", t[k].unit, "eligible_share",
                                              (double)(t[k].amount > 0 ? t[k].eligible / t[k].amount : 0)));
    if (!rc && !(*out = json_pack("{s:s,s:I,s:O,s:O}", "as_of", date, "financed", (json_int_t)total,
                                  "by_category", cats, "positions", items)))
        rc = tj_error_nomem(err);
    free(t);
    json_decref(pos);
    json_decref(items);
    json_decref(cats);
    return rc;
}

tj_status svc_fin_portfolio(svc_ctx *ctx, const char *as_of, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "read a portfolio", err);
    if (!rc)
        rc = apps_require_role(ctx, "bank", "read a portfolio", err);
    char date[INST_TIME_SIZE];
    if (!rc && as_of && !inst_time_parse(as_of, date))
        rc = tj_error_set(err, TJ_ERR_INPUT, "as_of", "as_of must be a date / 日期无效");
    if (!rc && !as_of)
        inst_now(date);
    json_t *rule = NULL, *dates = NULL, *now = NULL, *hist = json_array();
    if (!rc)
        rc = latest_rule(ctx, &rule, err);
    if (!rc)
        rc = portfolio_at(ctx, date, rule, 1, &now, err);
    if (!rc)
        rc = store_fin_position_dates(ctx->db, ctx->who.org_id, &dates, err);
    size_t i;
    json_t *d;
    json_array_foreach(dates, i, d)
    {
        if (rc || strcmp(inst_str(d, "as_of"), date) > 0)
            break;
        json_t *h = NULL;
        if (!(rc = portfolio_at(ctx, inst_str(d, "as_of"), rule, 0, &h, err))) {
            json_object_del(h, "positions");
            json_array_append_new(hist, h);
        }
    }
    if (!rc) {
        json_object_set(now, "history", hist);
        json_object_set(now, "rule", rule ? rule : json_null());
        *out = now;
        now = NULL;
    }
    json_decref(rule);
    json_decref(dates);
    json_decref(now);
    json_decref(hist);
    return rc;
}

tj_status svc_fin_portfolio_csv(svc_ctx *ctx, const char *as_of, char **csv, tj_error *err)
{
    *csv = NULL;
    json_t *p = NULL;
    tj_status rc = svc_fin_portfolio(ctx, as_of, &p, err);
    if (rc)
        return rc;
    sbuf b = {0};
    const char *head[] = {"as_of 日期",    "borrower 借款人",   "label 碳标识",      "product 产品",
                          "category 类别", "amount 融资额(元)", "intensity 碳强度",  "unit 单位",
                          "grade 等级",    "status 状态",       "eligible 是否合格", "reasons 原因"};
    size_t nh = sizeof head / sizeof head[0];
    for (size_t i = 0; i < nh; i++)
        apps_csv(&b, head[i], i + 1 < nh ? ',' : '\n');
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(p, "positions"), i, x)
    {
        char num[64];
        apps_csv(&b, inst_str(p, "as_of"), ',');
        apps_csv(&b, inst_str(x, "borrower_name"), ',');
        apps_csv(&b, inst_str(x, "label_number"), ',');
        apps_csv(&b, inst_str(x, "product"), ',');
        apps_csv(&b, inst_str(x, "category"), ',');
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_object_get(x, "amount")));
        apps_csv(&b, num, ',');
        snprintf(num, sizeof num, "%.10g", json_number_value(json_object_get(x, "intensity")));
        apps_csv(&b, json_object_get(x, "intensity") ? num : "", ',');
        apps_csv(&b, inst_str(x, "unit"), ',');
        const json_t *g = json_object_get(x, "grade");
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(g));
        apps_csv(&b, json_is_integer(g) ? num : "", ',');
        apps_csv(&b,
                 json_is_true(json_object_get(x, "consent")) ? inst_str(x, "status") : "no consent / 未授权",
                 ',');
        const json_t *el = json_object_get(x, "eligibility");
        apps_csv(&b, json_is_true(json_object_get(el, "eligible")) ? "yes" : "no", ',');
        sbuf r = {0};
        size_t k;
        json_t *y;
        json_array_foreach(json_object_get(el, "reasons"), k, y)
        {
            sb_add(&r, k ? "; " : "");
            sb_add(&r, json_string_value(y));
        }
        apps_csv(&b, r.s, '\n');
        free(r.s);
    }
    json_decref(p);
    if (b.oom) {
        free(b.s);
        return tj_error_nomem(err);
    }
    *csv = b.s ? b.s : strdup("");
    return *csv ? TJ_OK : tj_error_nomem(err);
}

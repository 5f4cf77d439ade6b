/* Green procurement (绿色采购): requirements, offers, evaluation, decision; see apps.h. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sbuf.h"
#include "ledger/ledger.h"
#include "services/apps.h"
#include "services/disclosure.h"
#include "services/inst_util.h"
#include "services/pact.h"
#include "store/accounts.h"
#include "store/pact_sql.h"
#include "store/apps_sql.h"
#include "tanji/units.h"

tj_status svc_proc_require(svc_ctx *ctx, const json_t *spec, char **id_out, tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR,
                               "publish a procurement requirement", err);
    if (!rc)
        rc = apps_require_role(ctx, "buyer", "publish a procurement requirement", err);
    if (rc)
        return rc;
    const char *title = inst_str(spec, "title"), *category = inst_str(spec, "category"),
               *unit = inst_str(spec, "declared_unit"), *rule = inst_str(spec, "rule");
    char deadline[INST_TIME_SIZE];
    const json_t *mv = json_object_get(spec, "max_value"), *mg = json_object_get(spec, "max_grade"),
                 *pw = json_object_get(spec, "primary_weight");
    const tj_unit *u = NULL;
    if ((rc = inst_check_text(title, 200, "title", 1, err)) ||
        (rc = inst_check_text(category, 100, "category", 1, err)) ||
        (rc = inst_check_text(rule, 200, "rule", 0, err)))
        return rc;
    if ((rc = tj_unit_lookup(unit ? unit : "", "declared_unit", &u, err)))
        return rc;
    if (!inst_str(spec, "deadline") || !inst_time_parse(inst_str(spec, "deadline"), deadline))
        return tj_error_set(err, TJ_ERR_INPUT, "deadline",
                            "deadline must be a date or time (RFC 3339) / 截止时间无效");
    if (mv && !json_is_null(mv) && !(json_is_number(mv) && json_number_value(mv) > 0))
        return tj_error_set(err, TJ_ERR_INPUT, "max_value",
                            "max_value must be a positive number (kg CO2e per declared unit)");
    if (mg && !json_is_null(mg) &&
        !(json_is_integer(mg) && json_integer_value(mg) >= 1 && json_integer_value(mg) <= 10))
        return tj_error_set(err, TJ_ERR_INPUT, "max_grade", "max_grade must be an integer 1..10");
    if ((!mv || json_is_null(mv)) && (!mg || json_is_null(mg)))
        return tj_error_set(err, TJ_ERR_INPUT, "max_value",
                            "give max_value or max_grade / 需给出最大碳足迹或等级");
    double w = pw && !json_is_null(pw) ? json_number_value(pw) : 0;
    if (pw && !json_is_null(pw) && (!json_is_number(pw) || w < 0 || w > 1))
        return tj_error_set(err, TJ_ERR_INPUT, "primary_weight", "primary_weight must be between 0 and 1");
    char now[INST_TIME_SIZE];
    inst_now(now);
    char *id = svc_new_uuid();
    json_t *row = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:O?,s:O?,s:b,s:s?,s:f,s:s,s:s,s:s}", "id", id, "buyer_org", ctx->who.org_id,
        "title", title, "category", category, "declared_unit", u->name, "max_value", mv, "max_grade", mg,
        "label_required", json_is_true(json_object_get(spec, "label_required")), "rule_id", rule,
        "primary_weight", w, "deadline", deadline, "created_at", now, "created_by", ctx->who.id);
    if (!id || !row) {
        free(id);
        json_decref(row);
        return tj_error_nomem(err);
    }
    json_object_set_new(row, "label_required",
                        json_integer(json_is_true(json_object_get(spec, "label_required"))));
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_proc_req_insert(ctx->db, row, err);
        json_t *ch = json_pack("{s:s}", "action", "publish"), *st = NULL;
        if (!rc)
            rc = apps_state_read(ctx->db, "proc_requirement", id, &st, err);
        if (!rc)
            rc = svc_record(ctx, "procure.require", "proc_requirement", id, ch, st, err);
        json_decref(ch);
        json_decref(st);
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(row);
    if (!rc && id_out)
        *id_out = id;
    else
        free(id);
    return rc;
}

/* The requirement, visible to anyone signed in while open (a public
 * tender), afterwards to its buyer. */
static tj_status load_req(svc_ctx *ctx, const char *id, json_t **req, tj_error *err)
{
    tj_status rc = store_proc_req_get(ctx->db, id ? id : "", req, err);
    if (!rc && strcmp(inst_str(*req, "status"), "open") && !svc_owns(ctx, inst_str(*req, "buyer_org"))) {
        json_decref(*req);
        *req = NULL;
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no procurement requirement \"%s\" / 不存在", id);
    }
    return rc;
}

tj_status svc_proc_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "read a procurement requirement", err);
    return rc ? rc : load_req(ctx, id, out, err);
}

tj_status svc_proc_list(svc_ctx *ctx, int open_only, json_t **out, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "list procurement requirements", err);
    return rc ? rc
              : store_proc_req_list(ctx->db, open_only ? NULL : svc_list_owner(ctx), open_only, out, err);
}

static void reason(json_t *reasons, const char *fmt, const char *a, double x)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a ? a : "", x);
    json_array_append_new(reasons, json_string(msg));
}

/* ---- PACT footprints in offers ---- */

/* A PACT decimal (a string in v2/v3; a number tolerated). */
static double pact_dec(const json_t *o, const char *k3, const char *k2, int *have)
{
    const json_t *v = json_object_get(o, k3);
    if (!v && k2)
        v = json_object_get(o, k2);
    char *end = NULL;
    double d = NAN;
    if (json_is_string(v)) {
        d = strtod(json_string_value(v), &end);
        if (end == json_string_value(v) || *end)
            d = NAN;
    } else if (json_is_number(v))
        d = json_number_value(v);
    *have = !isnan(d);
    return d;
}

typedef struct pact_facts {
    double raw, amount, share; /* kg CO2e per `amount` `unit`; primary data share 0..1 */
    const char *unit;          /* tanji unit (static), NULL when not a PACT unit */
    char *rule, *category;     /* malloc'ed, may be NULL */
    json_t *info;              /* what the check shows about the PACT footprint */
} pact_facts;

static void pact_facts_release(pact_facts *p)
{
    free(p->rule);
    free(p->category);
    json_decref(p->info);
    memset(p, 0, sizeof *p);
}

/* Is the pulled footprint doc the supplier's?  Its companyIds name the
 * supplier's tanji organisation (urn:tanji:org:ID, what tanji hosts give),
 * or its companyName is the supplier organisation's name. */
static int pact_is_suppliers(store_db *db, const json_t *doc, const char *supplier)
{
    char urn[300];
    snprintf(urn, sizeof urn, "urn:tanji:org:%s", supplier);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "companyIds"), i, c) if (json_is_string(c) &&
                                                                     !strcasecmp(json_string_value(c), urn)) return 1;
    store_org o = {0};
    tj_error e;
    int yes = 0;
    if (store_org_get(db, supplier, &o, &e) == TJ_OK) {
        const char *cn = inst_str(doc, "companyName");
        yes = cn && !strcasecmp(cn, o.name);
        store_org_release(&o);
    }
    return yes;
}

/* The PACT footprint pf_id named by supplier's offer, as buyer sees it at
 * `at`: published in tanji by the supplier and readable by the buyer, or
 * pulled by the buyer (tanji pact pull).  Problems go to reasons, each
 * starting "PACT" (the offer is refused on them); *pf gets the value,
 * unit, primary data share and what to show. */
static tj_status pact_check(svc_ctx *ctx, const char *buyer, const char *supplier, const char *pf_id,
                            const char *at, json_t *reasons, pact_facts *pf, tj_error *err)
{
    memset(pf, 0, sizeof *pf);
    pf->raw = NAN;
    json_t *row = NULL, *doc = NULL;
    const char *source = "tanji";
    /* the PACT projection of the disclosures, brought up to date */
    tj_status rc = svc_pact_sync(ctx->db, err);
    if (!rc)
        rc = store_proc_pact_published(ctx->db, buyer, pf_id, &row, err);
    if (rc == TJ_ERR_NOTFOUND) {
        tj_error_clear(err);
        source = "pulled";
        rc = store_pact_supplier_get(ctx->db, buyer, pf_id, &row, err);
    }
    if (rc == TJ_ERR_NOTFOUND) {
        tj_error_clear(err);
        reason(reasons,
               "PACT footprint %s is not available to the buyer (neither pulled by the buyer nor published to "
               "it) / 采购方无法读取该PACT碳足迹",
               pf_id, 0);
        return TJ_OK;
    }
    if (rc)
        return rc;
    doc = json_loads(inst_str(row, "doc") ? inst_str(row, "doc") : "{}", 0, NULL);
    const json_t *pcf = json_object_get(doc, "pcf");
    if (!strcmp(source, "tanji")) {
        if (strcmp(inst_str(row, "owner_org") ? inst_str(row, "owner_org") : "", supplier))
            reason(reasons, "PACT footprint %s is not the supplier's / PACT碳足迹不属于该供应商", pf_id, 0);
        double ignored;
        rc = apps_footprint_facts(ctx->db, inst_str(row, "footprint_id"), &ignored, &pf->category, &pf->rule, err);
        if (rc)
            goto out;
    } else {
        if (!pact_is_suppliers(ctx->db, doc, supplier))
            reason(reasons, "PACT footprint %s is of another company, not the supplier / PACT碳足迹的企业不是该供应商",
                   pf_id, 0);
        /* the rule: a product or sector rule the footprint names */
        const char *want = NULL;
        size_t i, k;
        json_t *r, *n;
        json_array_foreach(json_object_get(pcf, "productOrSectorSpecificRules"), i, r)
            json_array_foreach(json_object_get(r, "ruleNames"), k, n) if (json_is_string(n) && !want) want =
                json_string_value(n);
        if (want && !(pf->rule = strdup(want))) {
            rc = tj_error_nomem(err);
            goto out;
        }
    }
    const char *status = inst_str(row, "status"), *vf = inst_str(row, "valid_from"), *vt = inst_str(row, "valid_to");
    if (status && !strcmp(status, "Deprecated"))
        reason(reasons, "PACT footprint %s is Deprecated (replaced by a newer one) / PACT碳足迹已废止", pf_id, 0);
    if (vt && strcmp(at, vt) >= 0)
        reason(reasons, "PACT footprint's validity period ended at %s / PACT碳足迹已过有效期", vt, 0);
    if (vf && strcmp(at, vf) < 0)
        reason(reasons, "PACT footprint's validity period starts at %s / PACT碳足迹尚未生效", vf, 0);
    /* declared unit (v3 declaredUnitOfMeasurement/declaredUnitAmount, v2
     * declaredUnit/unitaryProductAmount) */
    const char *pu = inst_str(pcf, "declaredUnitOfMeasurement");
    if (!pu)
        pu = inst_str(pcf, "declaredUnit");
    int have = 0;
    pf->amount = pact_dec(pcf, "declaredUnitAmount", "unitaryProductAmount", &have);
    pf->unit = svc_pact_unit_tanji(pu);
    if (!pf->unit || !have || !(pf->amount > 0))
        reason(reasons, "PACT footprint's declared unit is not a PACT unit with a positive amount / 声明单位无效%s",
               "", 0);
    /* the value: including biogenic uptake, the basis of tanji's footprints
     * and labels (GB/T 24067 total); excluding it when that is all given */
    const char *basis = "pcfIncludingBiogenicUptake";
    double v = pact_dec(pcf, "pcfIncludingBiogenicUptake", "pCfIncludingBiogenic", &have);
    if (!have) {
        basis = "pcfExcludingBiogenicUptake";
        v = pact_dec(pcf, "pcfExcludingBiogenicUptake", "pCfExcludingBiogenic", &have);
    }
    if (!have)
        reason(reasons, "PACT footprint %s gives no pcfExcludingBiogenicUptake / 缺少碳足迹值", pf_id, 0);
    else if (pf->unit && pf->amount > 0)
        pf->raw = v;
    double pds = pact_dec(pcf, "primaryDataShare", NULL, &have);
    pf->share = have ? (pds < 0 ? 0 : pds > 100 ? 1 : pds / 100.0) : 0;
    pf->info = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s,s:o,s:s?}", "id", pf_id, "source", source, "company",
                         inst_str(doc, "companyName"), "status", status, "valid_from", vf, "valid_to", vt,
                         "value_basis", basis, "primary_data_share", have ? json_real(pds) : json_null(),
                         "declared_unit", pu);
    if (!pf->info)
        rc = tj_error_nomem(err);
out:
    json_decref(row);
    json_decref(doc);
    return rc;
}

/* Check one offer against the requirement at `at`, as the buyer sees it:
 * {offer, supplier_org, supplier_name, product, label, disclosure, pass,
 * reasons, value, unit, grade, primary_share, score}. */
static tj_status check_offer(svc_ctx *ctx, const json_t *req, const json_t *offer, const char *at,
                             json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *reasons = json_array(), *lc = NULL;
    const char *label = inst_str(offer, "label_number"), *disc = inst_str(offer, "disclosure_id"),
               *pact = inst_str(offer, "pact_id");
    pact_facts pf = {0};
    const char *supplier = inst_str(offer, "supplier_org");
    const char *want_unit = inst_str(req, "declared_unit"), *want_cat = inst_str(req, "category");
    const char *want_rule = inst_str(req, "rule_id");
    double value = NAN, share = 0;
    json_t *grade = json_null();
    char *fp_id = NULL, *category = NULL;
    const char *rule = NULL, *from_unit = NULL;
    double amount = 1, raw = NAN;
    tj_status rc = TJ_OK;
    json_t *dv = NULL;
    if (label) {
        rc = apps_label_check(ctx, label, at, &lc, err);
        if (rc == TJ_ERR_NOTFOUND) {
            reason(reasons, "label %s does not exist / 标识不存在", label, 0);
            rc = TJ_OK;
        } else if (!rc) {
            if (!json_is_true(json_object_get(lc, "ok"))) {
                size_t i;
                json_t *p;
                json_array_foreach(json_object_get(lc, "problems"), i, p)
                    reason(reasons, "label: %s", json_string_value(p), 0);
            }
            if (strcmp(inst_str(lc, "holder_org") ? inst_str(lc, "holder_org") : "", supplier))
                reason(reasons, "the label is not the supplier's / 标识持有人不是该供应商%s", "", 0);
            json_decref(grade);
            grade = json_incref(json_object_get(lc, "grade"));
            if (!grade)
                grade = json_null();
            raw = json_number_value(json_object_get(lc, "value"));
            amount = 1; /* a label's value is per one declared unit */
            from_unit = inst_str(lc, "declared_unit");
            rule = inst_str(lc, "rule");
            if (inst_str(lc, "footprint_id") && !(fp_id = strdup(inst_str(lc, "footprint_id"))))
                rc = tj_error_nomem(err);
            if (inst_str(lc, "category") && !(category = strdup(inst_str(lc, "category"))))
                rc = tj_error_nomem(err);
        }
    } else if (disc) {
        if (json_is_true(json_object_get(req, "label_required")) ||
            json_integer_value(json_object_get(req, "label_required")))
            reason(reasons, "a valid label is required / 需要有效的碳标识%s", "", 0);
        rc = svc_disclosure_get(ctx, disc, &dv, err);
        if (rc == TJ_ERR_NOTFOUND) {
            reason(reasons, "disclosure %s is not visible to the buyer / 披露对采购方不可见", disc, 0);
            rc = TJ_OK;
        } else if (!rc) {
            const json_t *fp = json_object_get(dv, "footprint");
            if (strcmp(inst_str(dv, "status"), "published") || !fp)
                reason(reasons, "the disclosure was withdrawn / 披露已撤回%s", "", 0);
            else if (strcmp(inst_str(dv, "owner_org") ? inst_str(dv, "owner_org") : "", supplier))
                reason(reasons, "the disclosure is not the supplier's / 披露不属于该供应商%s", "", 0);
            else {
                raw = json_number_value(json_object_get(fp, "value"));
                amount = 1;
                from_unit = inst_str(fp, "declared_unit");
                rule = inst_str(fp, "rule");
                if (strcmp(inst_str(fp, "check_status") ? inst_str(fp, "check_status") : "", "conforming"))
                    reason(reasons, "the footprint does not conform to its rule / 碳足迹不符合核算规则%s", "",
                           0);
                if (!(fp_id = strdup(inst_str(fp, "id"))))
                    rc = tj_error_nomem(err);
            }
        }
    } else if (pact) {
        if (json_is_true(json_object_get(req, "label_required")) ||
            json_integer_value(json_object_get(req, "label_required")))
            reason(reasons, "a valid label is required / 需要有效的碳标识%s", "", 0);
        rc = pact_check(ctx, inst_str(req, "buyer_org"), supplier, pact, at, reasons, &pf, err);
        if (!rc && !isnan(pf.raw)) {
            raw = pf.raw;
            amount = pf.amount;
            from_unit = pf.unit;
            rule = pf.rule;
            share = pf.share;
            category = pf.category;
            pf.category = NULL;
        }
    }
    if (!rc && fp_id)
        rc = apps_footprint_facts(ctx->db, fp_id, &share, category ? NULL : &category, NULL, err);
    if (rc)
        goto out;
    if (category && strcmp(category, want_cat))
        reason(reasons, "category %s is not the requirement's / 产品类别不符", category, 0);
    if (want_rule && (!rule || strncmp(rule, want_rule, strlen(want_rule)) ||
                      (rule[strlen(want_rule)] && rule[strlen(want_rule)] != '@')))
        reason(reasons, "not calculated by rule %s / 未按要求的核算规则", want_rule, 0);
    if (!isnan(raw)) {
        tj_error uerr;
        if (apps_per_unit(raw, amount, from_unit, want_unit, &value, &uerr) != TJ_OK) {
            reason(reasons, "declared unit cannot be converted: %s / 声明单位无法换算", uerr.message, 0);
            value = NAN;
        }
    }
    const json_t *mv = json_object_get(req, "max_value"), *mg = json_object_get(req, "max_grade");
    if (!isnan(value) && json_is_number(mv) && value > json_number_value(mv))
        reason(reasons, "footprint %s above the maximum / 碳足迹超过上限 (%.6g)", "", json_number_value(mv));
    if (json_is_integer(mg) &&
        (!json_is_integer(grade) || json_integer_value(grade) > json_integer_value(mg)))
        reason(reasons, "grade%s worse than required or missing / 等级不满足要求 (%g)", "",
               (double)json_integer_value(mg));
    if (isnan(value) && !json_array_size(reasons))
        reason(reasons, "no footprint to evaluate / 无可评价的碳足迹%s", "", 0);
    double w = json_number_value(json_object_get(req, "primary_weight"));
    double score = isnan(value) ? NAN : value * (1 - w * share);
    *out = json_pack("{s:O?,s:O?,s:O?,s:O?,s:s?,s:s?,s:s?,s:O?,s:b,s:o,s:o,s:s,s:O,s:f,s:o}", "offer",
                     json_object_get(offer, "id"), "supplier_org", json_object_get(offer, "supplier_org"),
                     "supplier_name", json_object_get(offer, "supplier_name"), "product",
                     json_object_get(offer, "product"), "label", label, "disclosure", disc, "pact", pact,
                     "pact_footprint", pf.info, "pass",
                     json_array_size(reasons) == 0, "reasons", reasons, "value",
                     isnan(value) ? json_null() : json_real(value), "unit", want_unit, "grade", grade,
                     "primary_share", share, "score", isnan(score) ? json_null() : json_real(score));
    reasons = NULL;
    if (!*out)
        rc = tj_error_nomem(err);
out:
    json_decref(reasons);
    json_decref(grade);
    json_decref(lc);
    json_decref(dv);
    free(fp_id);
    free(category);
    pact_facts_release(&pf);
    return rc;
}

tj_status svc_proc_offer(svc_ctx *ctx, const char *req_id, const json_t *offer, char **id_out,
                         json_t **check_out, tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    if (check_out)
        *check_out = NULL;
    tj_status rc =
        svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "offer a product in a tender", err);
    json_t *req = NULL, *chk = NULL, *row = NULL;
    char *id = NULL;
    if (!rc)
        rc = load_req(ctx, req_id, &req, err);
    if (rc)
        return rc;
    char now[INST_TIME_SIZE];
    inst_now(now);
    const char *product = inst_str(offer, "product"), *label = inst_str(offer, "label"),
               *disc = inst_str(offer, "disclosure"), *pact = inst_str(offer, "pact");
    char pact_id[40] = "";
    if (strcmp(inst_str(req, "status"), "open") || strcmp(now, inst_str(req, "deadline")) >= 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "deadline", "the tender closed at %s / 投标已截止",
                          inst_str(req, "deadline"));
    else if (!rc && !(rc = inst_check_text(product, 200, "product", 1, err)) && (!!label + !!disc + !!pact) != 1)
        rc = tj_error_set(err, TJ_ERR_USAGE, "label",
                          "an offer names one label, disclosure or PACT footprint / 需提供碳标识、披露或PACT碳足迹之一");
    else if (pact && !svc_pact_is_uuid(pact))
        rc = tj_error_set(err, TJ_ERR_INPUT, "pact", "a PACT footprint is named by its id (a UUID) / PACT碳足迹编号无效");
    if (rc)
        goto out;
    if (pact) {
        snprintf(pact_id, sizeof pact_id, "%s", pact); /* a UUID: 36 characters */
        for (char *p = pact_id; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    id = svc_new_uuid();
    row = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s,s:s}", "id", id, "requirement_id", req_id,
                    "supplier_org", ctx->who.org_id, "product", product, "label_number", label, "disclosure_id",
                    disc, "pact_id", pact ? pact_id : NULL, "submitted_at", now, "submitted_by", ctx->who.id);
    if (!id || !row) {
        rc = tj_error_nomem(err);
        goto out;
    }
    /* the buyer's check of this offer now (it decides what is refused) */
    if ((rc = check_offer(ctx, req, row, now, &chk, err)))
        goto out;
    if (label || pact) {
        /* a label that does not verify or is not the supplier's is refused;
         * so is a PACT footprint the buyer cannot read, of another company,
         * deprecated, out of its validity period or in a unit that does not
         * convert to the requirement's */
        sbuf why = {0};
        size_t i;
        json_t *r;
        int refuse = 0;
        json_array_foreach(json_object_get(chk, "reasons"), i, r)
        {
            const char *t = json_string_value(r);
            if ((label && (!strncmp(t, "label", 5) || strstr(t, "not the supplier"))) ||
                (pact && (!strncmp(t, "PACT", 4) || !strncmp(t, "declared unit", 13)))) {
                refuse = 1;
                sb_add(&why, why.len ? "; " : "");
                sb_add(&why, t);
            }
        }
        if (refuse) {
            rc = tj_error_set(err, TJ_ERR_CONFLICT, label ? "label" : "pact", "the offer's %s is refused: %s",
                              label ? "label" : "PACT footprint", why.s ? why.s : "");
            free(why.s);
            goto out;
        }
        free(why.s);
    }
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_proc_offer_insert(ctx->db, row, err);
        json_t *ch = json_pack("{s:s,s:s,s:O}", "action", "offer", "requirement", req_id, "check", chk),
               *st = apps_state("proc_offer", row);
        if (!rc && !st)
            rc = tj_error_nomem(err);
        if (!rc)
            rc = svc_record(ctx, "procure.offer", "proc_offer", id, ch, st, err);
        json_decref(ch);
        json_decref(st);
        rc = svc_finish(ctx, rc, err);
    }
out:
    if (!rc && id_out) {
        *id_out = id;
        id = NULL;
    }
    if (!rc && check_out) {
        *check_out = chk;
        chk = NULL;
    }
    free(id);
    json_decref(req);
    json_decref(chk);
    json_decref(row);
    return rc;
}

static int cmp_eval(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int px = json_is_true(json_object_get(x, "pass")), py = json_is_true(json_object_get(y, "pass"));
    if (px != py)
        return py - px;
    const json_t *sx = json_object_get(x, "score"), *sy = json_object_get(y, "score");
    if (json_is_number(sx) != json_is_number(sy))
        return json_is_number(sx) ? -1 : 1;
    if (json_is_number(sx) && json_number_value(sx) != json_number_value(sy))
        return json_number_value(sx) < json_number_value(sy) ? -1 : 1;
    const char *ix = json_string_value(json_object_get(x, "offer")),
               *iy = json_string_value(json_object_get(y, "offer"));
    return strcmp(ix ? ix : "", iy ? iy : "");
}

static tj_status evaluate(svc_ctx *ctx, const char *req_id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *req = NULL, *offers = NULL, *items = NULL;
    tj_status rc = load_req(ctx, req_id, &req, err);
    if (!rc && !svc_owns(ctx, inst_str(req, "buyer_org")))
        rc = tj_error_set(err, TJ_ERR_PERM, NULL, "only the buyer evaluates its tender / 仅采购方可评审");
    if (!rc)
        rc = store_proc_offer_list(ctx->db, req_id, &offers, err);
    if (rc)
        goto out;
    char now[INST_TIME_SIZE];
    inst_now(now);
    size_t n = json_array_size(offers);
    json_t **arr = calloc(n ? n : 1, sizeof *arr);
    if (!arr) {
        rc = tj_error_nomem(err);
        goto out;
    }
    size_t i;
    for (i = 0; !rc && i < n; i++)
        rc = check_offer(ctx, req, json_array_get(offers, i), now, &arr[i], err);
    if (!rc) {
        qsort(arr, n, sizeof *arr, cmp_eval);
        items = json_array();
        for (i = 0; items && i < n; i++) {
            json_object_set_new(arr[i], "rank", json_integer((json_int_t)i + 1));
            json_array_append(items, arr[i]);
        }
    }
    for (i = 0; i < n; i++)
        json_decref(arr[i]);
    free(arr);
    if (!rc) {
        *out = json_pack("{s:O,s:s,s:o}", "requirement", req, "evaluated_at", now, "offers", items);
        items = NULL;
        if (!*out)
            rc = tj_error_nomem(err);
    }
out:
    json_decref(req);
    json_decref(offers);
    json_decref(items);
    return rc;
}

tj_status svc_proc_evaluate(svc_ctx *ctx, const char *req_id, json_t **out, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "evaluate a tender", err);
    return rc ? rc : evaluate(ctx, req_id, out, err);
}

tj_status svc_proc_evaluation_csv(svc_ctx *ctx, const char *req_id, char **csv, tj_error *err)
{
    *csv = NULL;
    json_t *ev = NULL;
    tj_status rc = svc_proc_evaluate(ctx, req_id, &ev, err);
    if (rc)
        return rc;
    sbuf b = {0};
    const char *head[] = {"rank 排名",
                          "offer 报价",
                          "supplier 供应商",
                          "product 产品",
                          "label 碳标识",
                          "disclosure 披露",
                          "pact PACT碳足迹",
                          "pact_status PACT状态",
                          "pact_valid_to PACT有效期至",
                          "pass 是否合格",
                          "value kg CO2e",
                          "unit 声明单位",
                          "grade 等级",
                          "primary_share 实测数据占比",
                          "score 评分",
                          "reasons 原因"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        apps_csv(&b, head[i], i + 1 < sizeof head / sizeof head[0] ? ',' : '\n');
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(ev, "offers"), i, o)
    {
        char num[64];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_object_get(o, "rank")));
        apps_csv(&b, num, ',');
        apps_csv(&b, inst_str(o, "offer"), ',');
        apps_csv(&b, inst_str(o, "supplier_name"), ',');
        apps_csv(&b, inst_str(o, "product"), ',');
        apps_csv(&b, inst_str(o, "label"), ',');
        apps_csv(&b, inst_str(o, "disclosure"), ',');
        const json_t *pf = json_object_get(o, "pact_footprint");
        apps_csv(&b, inst_str(o, "pact"), ',');
        apps_csv(&b, inst_str(pf, "status"), ',');
        apps_csv(&b, inst_str(pf, "valid_to"), ',');
        apps_csv(&b, json_is_true(json_object_get(o, "pass")) ? "yes" : "no", ',');
        const json_t *v = json_object_get(o, "value");
        snprintf(num, sizeof num, "%.10g", json_number_value(v));
        apps_csv(&b, json_is_number(v) ? num : "", ',');
        apps_csv(&b, inst_str(o, "unit"), ',');
        v = json_object_get(o, "grade");
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        apps_csv(&b, json_is_integer(v) ? num : "", ',');
        snprintf(num, sizeof num, "%.4f", json_number_value(json_object_get(o, "primary_share")));
        apps_csv(&b, num, ',');
        v = json_object_get(o, "score");
        snprintf(num, sizeof num, "%.10g", json_number_value(v));
        apps_csv(&b, json_is_number(v) ? num : "", ',');
        sbuf r = {0};
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(o, "reasons"), k, x)
        {
            sb_add(&r, k ? "; " : "");
            sb_add(&r, json_string_value(x));
        }
        apps_csv(&b, r.s ? r.s : "", '\n');
        free(r.s);
    }
    json_decref(ev);
    if (b.oom) {
        free(b.s);
        return tj_error_nomem(err);
    }
    *csv = b.s ? b.s : strdup("");
    return *csv ? TJ_OK : tj_error_nomem(err);
}

tj_status svc_proc_decide(svc_ctx *ctx, const char *req_id, const char *offer_id, const char *why,
                          tj_error *err)
{
    json_t *ev = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "decide a tender", err);
    if (!rc)
        rc = inst_check_text(why, 1000, "reason", 0, err);
    if (!rc)
        rc = evaluate(ctx, req_id, &ev, err);
    if (rc)
        return rc;
    const json_t *req = json_object_get(ev, "requirement");
    char now[INST_TIME_SIZE];
    inst_now(now);
    if (strcmp(inst_str(req, "status"), "open"))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "id", "the tender is decided already / 已决定");
    else if (offer_id && strcmp(now, inst_str(req, "deadline")) < 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "deadline", "the tender is open until %s / 投标尚未截止",
                          inst_str(req, "deadline"));
    const json_t *chosen = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(ev, "offers"), i,
                       o) if (offer_id && inst_str(o, "offer") && !strcmp(inst_str(o, "offer"), offer_id))
        chosen = o;
    if (!rc && offer_id && !chosen)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "offer", "no offer \"%s\" in this tender / 无此报价",
                          offer_id);
    if (!rc && chosen && !json_is_true(json_object_get(chosen, "pass")))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "offer",
                          "offer \"%s\" does not meet the requirement / 该报价不满足采购要求", offer_id);
    char digest[65];
    if (!rc)
        rc = ledger_digest_json(ev, digest, err);
    if (!rc && !(rc = svc_begin(ctx, err))) {
        const char *status = offer_id ? "awarded" : "cancelled";
        rc = store_proc_req_decide(ctx->db, req_id, status, offer_id, why, err);
        json_t *ch =
            json_pack("{s:s,s:s?,s:s?,s:s,s:O?}", "action", status, "offer", offer_id, "reason", why,
                      "evaluation_digest", digest, "rank", chosen ? json_object_get(chosen, "rank") : NULL);
        json_t *st = NULL;
        if (!rc)
            rc = apps_state_read(ctx->db, "proc_requirement", req_id, &st, err);
        if (!rc)
            rc = svc_record(ctx, "procure.decide", "proc_requirement", req_id, ch, st, err);
        json_decref(ch);
        json_decref(st);
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(ev);
    return rc;
}

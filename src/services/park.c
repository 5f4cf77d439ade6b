/* Parks and supply chains (园区与供应链), regulators' statistics; see apps.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/apps.h"
#include "services/disclosure.h"
#include "services/footprint.h"
#include "services/inst_util.h"
#include "services/pact.h"
#include "store/accounts.h"
#include "store/apps_sql.h"
#include "store/inst_sql.h"
#include "tanji/units.h"

static tj_status member_change(svc_ctx *ctx, const char *park, const char *member, const char *status,
                               const char *kind, tj_error *err)
{
    char now[INST_TIME_SIZE];
    inst_now(now);
    tj_status rc = svc_begin(ctx, err);
    if (rc)
        return rc;
    rc = store_park_member_put(ctx->db, park, member, status, now, err);
    json_t *st = NULL, *ch = json_pack("{s:s}", "action", status);
    char key[300];
    snprintf(key, sizeof key, "%s/%s", park, member);
    if (!rc)
        rc = apps_state_read(ctx->db, "park_member", key, &st, err);
    if (!rc)
        rc = svc_record(ctx, kind, "park_member", key, ch, st, err);
    json_decref(st);
    json_decref(ch);
    return svc_finish(ctx, rc, err);
}

tj_status svc_park_invite(svc_ctx *ctx, const char *member, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR,
                               "invite a member", err);
    if (!rc)
        rc = apps_require_role(ctx, "park", "invite a member", err);
    store_org o = {0};
    if (!rc)
        rc = store_org_get(ctx->db, member ? member : "", &o, err);
    if (!rc && !strcmp(o.id, ctx->who.org_id))
        rc = tj_error_set(err, TJ_ERR_INPUT, "member", "a park does not invite itself");
    if (!rc)
        rc = member_change(ctx, ctx->who.org_id, o.id, "invited", "park.invite", err);
    store_org_release(&o);
    return rc;
}

tj_status svc_park_answer(svc_ctx *ctx, const char *park, int accept, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE, "answer a park", err);
    store_org o = {0};
    json_t *m = NULL;
    if (!rc)
        rc = store_org_get(ctx->db, park ? park : "", &o, err);
    if (!rc)
        rc = store_park_member_get(ctx->db, o.id, ctx->who.org_id, &m, err);
    if (!rc && accept && strcmp(inst_str(m, "status"), "invited"))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "park", "no invitation to accept / 无待接受的邀请");
    if (!rc)
        rc = member_change(ctx, o.id, ctx->who.org_id, accept ? "active" : "left",
                           accept ? "park.join" : "park.leave", err);
    json_decref(m);
    store_org_release(&o);
    return rc;
}

tj_status svc_park_members(svc_ctx *ctx, json_t **out, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "list park members", err);
    if (rc)
        return rc;
    if (ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR))
        return store_park_members(ctx->db, NULL, NULL, out, err);
    int park = 0;
    if ((rc = store_app_role_has(ctx->db, ctx->who.org_id, "park", &park, err)))
        return rc;
    return park ? store_park_members(ctx->db, ctx->who.org_id, NULL, out, err)
                : store_park_members(ctx->db, NULL, ctx->who.org_id, out, err);
}

/* ---- the aggregation behind parks' and regulators' statistics ---- */

typedef struct acc {
    int64_t n, valid;
    double sum, min, max;
    int64_t grades[11], ungraded;
} acc;

static void acc_add(acc *a, const json_t *r)
{
    int64_t n = json_integer_value(json_object_get(r, "n"));
    int valid = !strcmp(inst_str(r, "status"), "valid");
    if (!valid) /* values and grades: of labels in force */
        return;
    double mn = json_number_value(json_object_get(r, "min")),
           mx = json_number_value(json_object_get(r, "max"));
    if (!a->valid || mn < a->min)
        a->min = mn;
    if (!a->valid || mx > a->max)
        a->max = mx;
    a->valid += n;
    a->sum += json_number_value(json_object_get(r, "sum"));
    const json_t *g = json_object_get(r, "grade");
    if (json_is_integer(g) && json_integer_value(g) >= 1 && json_integer_value(g) <= 10)
        a->grades[json_integer_value(g)] += n;
    else
        a->ungraded += n;
}

static json_t *acc_json(const acc *a)
{
    json_t *g = json_object();
    for (int i = 1; i <= 10; i++)
        if (a->grades[i]) {
            char k[4];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(g, k, json_integer((json_int_t)a->grades[i]));
        }
    return json_pack("{s:I,s:I,s:o,s:I,s:o,s:o,s:o}", "labels", (json_int_t)a->n, "valid",
                     (json_int_t)a->valid, "mean",
                     a->valid ? json_real(a->sum / (double)a->valid) : json_null(), "ungraded",
                     (json_int_t)a->ungraded, "min", a->valid ? json_real(a->min) : json_null(), "max",
                     a->valid ? json_real(a->max) : json_null(), "grades", g);
}

/* Group the aggregate rows by the keys named (space-separated among
 * region, category, year, grade) into [{key values..., labels, valid, mean, min, max, grades}]. */
static json_t *group(const json_t *rows, const char *const *keys, size_t nkeys)
{
    json_t *index = json_object(), *out = json_array();
    size_t i;
    json_t *r;
    acc *accs = calloc(json_array_size(rows) + 1, sizeof *accs);
    json_t **heads = calloc(json_array_size(rows) + 1, sizeof *heads);
    size_t ng = 0;
    if (!index || !out || !accs || !heads) {
        json_decref(index);
        json_decref(out);
        free(accs);
        free(heads);
        return NULL;
    }
    json_array_foreach(rows, i, r)
    {
        char key[512] = "";
        json_t *head = json_object();
        for (size_t k = 0; k < nkeys; k++) {
            json_t *v = json_object_get(r, keys[k]);
            char part[160];
            if (json_is_integer(v))
                snprintf(part, sizeof part, "%lld\x1f", (long long)json_integer_value(v));
            else
                snprintf(part, sizeof part, "%s\x1f", json_is_string(v) ? json_string_value(v) : "");
            strncat(key, part, sizeof key - strlen(key) - 1);
            json_object_set(head, keys[k], v ? v : json_null());
        }
        json_t *slot = json_object_get(index, key);
        size_t g;
        if (slot)
            g = (size_t)json_integer_value(slot);
        else {
            g = ng++;
            json_object_set_new(index, key, json_integer((json_int_t)g));
            heads[g] = json_incref(head);
        }
        accs[g].n += json_integer_value(json_object_get(r, "n"));
        acc_add(&accs[g], r);
        json_decref(head);
    }
    for (size_t g = 0; g < ng; g++) {
        json_t *a = acc_json(&accs[g]);
        json_object_update(heads[g], a);
        json_decref(a);
        json_array_append_new(out, heads[g]);
    }
    json_decref(index);
    free(accs);
    free(heads);
    return out;
}

static json_t *aggregate(const json_t *rows, int with_region)
{
    static const char *const k_cat[] = {"category"}, *const k_grade[] = {"category", "grade"},
                             *const k_year[] = {"category", "year"},
                             *const k_region[] = {"region", "category"},
                             *const k_full[] = {"region", "category", "year", "grade"};
    acc all = {0};
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        all.n += json_integer_value(json_object_get(r, "n"));
        acc_add(&all, r);
    }
    json_t *o = json_pack("{s:o,s:o,s:o,s:o}", "total", acc_json(&all), "by_category", group(rows, k_cat, 1),
                          "by_grade", group(rows, k_grade, 2), "trend_by_year", group(rows, k_year, 2));
    if (o && with_region) {
        json_object_set_new(o, "by_region", group(rows, k_region, 2));
        json_object_set_new(o, "by_region_category_year_grade", group(rows, k_full, 4));
    }
    return o;
}

tj_status svc_park_stats(svc_ctx *ctx, const char *park, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ALL, "read park statistics", err);
    store_org o = {0};
    if (!rc)
        rc = store_org_get(ctx->db, park ? park : ctx->who.org_id ? ctx->who.org_id : "", &o, err);
    if (!rc && !(svc_owns(ctx, o.id) || (ctx->who.roles & SVC_ROLE_REGULATOR)))
        rc = tj_error_set(err, TJ_ERR_PERM, "park", "only the park and regulators read its statistics");
    int is_park = 0;
    if (!rc)
        rc = store_app_role_has(ctx->db, o.id, "park", &is_park, err);
    if (!rc && !is_park)
        rc =
            tj_error_set(err, TJ_ERR_CONFLICT, "park", "\"%s\" is not registered as a park / 非园区", o.name);
    json_t *rows = NULL, *discs = NULL, *members = NULL;
    if (!rc)
        rc = store_label_aggregate(ctx->db, o.id, &rows, err);
    if (!rc)
        rc = store_park_disclosures(ctx->db, o.id, &discs, err);
    if (!rc)
        rc = store_park_members(ctx->db, o.id, NULL, &members, err);
    /* certified share: of the footprints members disclose to the park (as
     * the disclosure service lets the park read them), those with a label
     * in force */
    int64_t disclosed = 0, certified = 0;
    json_t *seen = json_object();
    svc_ctx pc = *ctx; /* the park's view: the park's principal, or a regulator reading as itself */
    size_t i;
    json_t *d;
    json_array_foreach(discs, i, d)
    {
        if (rc)
            break;
        json_t *view = NULL;
        tj_status vrc = svc_disclosure_get(&pc, inst_str(d, "id"), &view, err);
        if (vrc == TJ_ERR_NOTFOUND)
            continue;
        if ((rc = vrc))
            break;
        const char *fp = inst_str(d, "footprint_id");
        if (json_object_get(view, "footprint") && !json_object_get(seen, fp)) {
            json_object_set_new(seen, fp, json_true());
            int64_t n = 0;
            if ((rc = store_footprint_valid_labels(ctx->db, fp, &n, err))) {
                json_decref(view);
                break;
            }
            disclosed++;
            certified += n > 0;
        }
        json_decref(view);
    }
    json_decref(seen);
    if (!rc) {
        int64_t active = 0;
        json_t *m;
        json_array_foreach(members, i, m) active += !strcmp(inst_str(m, "status"), "active");
        *out = aggregate(rows, 0);
        if (!*out)
            rc = tj_error_nomem(err);
        else {
            json_object_set_new(*out, "park", json_pack("{s:s,s:s}", "id", o.id, "name", o.name));
            json_object_set_new(*out, "members", json_integer((json_int_t)active));
            json_object_set_new(*out, "disclosed_footprints", json_integer((json_int_t)disclosed));
            json_object_set_new(*out, "certified_footprints", json_integer((json_int_t)certified));
            json_object_set_new(*out, "certified_share",
                                disclosed ? json_real((double)certified / (double)disclosed) : json_null());
        }
    }
    json_decref(rows);
    json_decref(discs);
    json_decref(members);
    store_org_release(&o);
    return rc;
}

tj_status svc_app_stats(svc_ctx *ctx, const json_t *filter, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR, "read statistics", err);
    json_t *rows = NULL, *kept = json_array();
    if (!rc)
        rc = store_label_aggregate(ctx->db, NULL, &rows, err);
    const char *fr = inst_str(filter, "region"), *fc = inst_str(filter, "category");
    const json_t *fy = json_object_get(filter, "year");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (fr && strncmp(inst_str(r, "region") ? inst_str(r, "region") : "", fr, strlen(fr)))
            continue;
        if (fc && strcmp(inst_str(r, "category"), fc))
            continue;
        if (json_is_integer(fy) && json_integer_value(fy) != json_integer_value(json_object_get(r, "year")))
            continue;
        json_array_append(kept, r);
    }
    if (!rc && !(*out = aggregate(kept, 1)))
        rc = tj_error_nomem(err);
    json_decref(rows);
    json_decref(kept);
    return rc;
}

/* The factor of factors_used an exchange's factor reference names: a
 * string "ID" or "ID@VERSION", or {"supplier": "PF-ID"} ("pact:pf-id"). */
static const json_t *used_factor(const json_t *used, const json_t *ref, char *pf, size_t pfsize)
{
    char want[300] = "";
    pf[0] = '\0';
    if (json_is_string(ref)) {
        const char *r = json_string_value(ref), *at = strchr(r, '@');
        size_t n = at ? (size_t)(at - r) : strlen(r);
        if (n >= sizeof want)
            return NULL;
        memcpy(want, r, n);
        want[n] = '\0';
    } else if (json_is_string(json_object_get(ref, "supplier"))) {
        const char *id = json_string_value(json_object_get(ref, "supplier"));
        if (strlen(id) >= pfsize)
            return NULL;
        size_t i;
        for (i = 0; id[i]; i++)
            pf[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] + 32 : id[i]);
        pf[i] = '\0';
        snprintf(want, sizeof want, "pact:%s", pf);
    } else
        return NULL;
    size_t i;
    json_t *u;
    json_array_foreach(used, i, u) if (inst_str(u, "id") && !strcmp(inst_str(u, "id"), want)) return u;
    return NULL;
}

/* Every input exchange of the model with a factor: where its emissions
 * come from (a supplier's PACT footprint, primary data; or a generic
 * database or inline factor), its CO2e (amount x the process's activity x
 * the factor) and share of the total.  *primary / *generic: the shares of
 * the total from supplier footprints and from generic factors. */
static tj_status chain_inputs(svc_ctx *ctx, const json_t *f, const json_t *model, json_t **out, double *primary,
                              double *generic, tj_error *err)
{
    *out = json_array();
    *primary = *generic = 0;
    if (!*out)
        return tj_error_nomem(err);
    const json_t *result = json_object_get(f, "result");
    const json_t *used = json_object_get(result, "factors_used");
    double total = json_number_value(json_object_get(result, "total"));
    const char *owner = inst_str(f, "owner_org");
    size_t i, k, j;
    json_t *p, *x, *bp;
    json_array_foreach(json_object_get(model, "processes"), i, p)
    {
        double activity = NAN;
        json_array_foreach(json_object_get(result, "by_process"), j, bp) if (inst_str(bp, "id") &&
                                                                           inst_str(p, "id") &&
                                                                           !strcmp(inst_str(bp, "id"),
                                                                                   inst_str(p, "id")))
            activity = json_number_value(json_object_get(bp, "activity"));
        json_array_foreach(json_object_get(p, "exchanges"), k, x)
        {
            const json_t *ref = json_object_get(x, "factor");
            const char *dir = inst_str(x, "direction");
            if (!ref || !dir || strcmp(dir, "input"))
                continue;
            char pf[64];
            const json_t *u = used_factor(used, ref, pf, sizeof pf);
            double co2e = NAN, conv = 0;
            const tj_unit *from = tj_unit_find(inst_str(x, "unit") ? inst_str(x, "unit") : ""),
                          *to = tj_unit_find(inst_str(u, "unit") ? inst_str(u, "unit") : "");
            tj_error uerr;
            if (u && from && to && tj_unit_factor(from, to, &conv, "unit", &uerr) == TJ_OK && !isnan(activity))
                co2e = json_number_value(json_object_get(x, "amount")) * activity * conv *
                       json_number_value(json_object_get(u, "value"));
            double share = !isnan(co2e) && total > 0 ? co2e / total : NAN;
            json_t *item = json_pack(
                "{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:s,s:o,s:o}", "process", json_object_get(p, "id"), "process_name",
                json_object_get(p, "name"), "flow", json_object_get(x, "flow"), "amount", json_object_get(x, "amount"),
                "unit", json_object_get(x, "unit"), "factor", u ? json_object_get(u, "id") : NULL, "data",
                *pf ? "primary: supplier's PACT footprint (replaces a generic factor) / 一手数据：供应商PACT碳足迹"
                    : "generic factor / 通用因子",
                "co2e", isnan(co2e) ? json_null() : json_real(co2e), "share",
                isnan(share) ? json_null() : json_real(share));
            if (!item)
                return tj_error_nomem(err);
            json_object_set_new(item, "primary", json_boolean(*pf));
            if (*pf) {
                json_t *sv = NULL;
                tj_status rc = svc_pact_supplier_view(ctx->db, owner, pf, &sv, err);
                if (rc == TJ_ERR_NOTFOUND) {
                    tj_error_clear(err);
                    sv = json_pack("{s:s,s:[s]}", "id", pf, "flags", "unknown");
                } else if (rc) {
                    json_decref(item);
                    return rc;
                }
                json_t *sup = json_pack("{s:s,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?}", "pact_id", pf, "company",
                                        json_object_get(sv, "supplier"), "product", json_object_get(sv, "product"),
                                        "value", json_object_get(sv, "value"), "unit", json_object_get(sv, "unit"),
                                        "status", json_object_get(sv, "status"), "valid_to",
                                        json_object_get(sv, "valid_to"), "primary_data_share",
                                        json_object_get(sv, "primary_data_share"), "flags",
                                        json_object_get(sv, "flags"));
                json_decref(sv);
                json_object_set_new(item, "supplier", sup);
                if (!isnan(share))
                    *primary += share;
            } else {
                json_t *g = json_pack("{s:O?,s:O?}", "name", json_object_get(u, "name"), "source",
                                      json_object_get(u, "source"));
                json_object_set_new(item, "generic_factor", g);
                if (!isnan(share))
                    *generic += share;
            }
            json_array_append_new(*out, item);
        }
    }
    return TJ_OK;
}

tj_status svc_park_supply_chain(svc_ctx *ctx, const char *footprint_id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *f = NULL, *model = NULL, *procs = NULL;
    tj_status rc = svc_footprint_get(ctx, footprint_id ? footprint_id : "", 1, &f, err);
    if (rc)
        return rc;
    model = json_loads(inst_str(f, "model") ? inst_str(f, "model") : "{}", 0, NULL);
    procs = json_array();
    double primary = 0, secondary = 0, unknown = 0;
    size_t i, k;
    json_t *p, *m;
    json_array_foreach(json_object_get(json_object_get(f, "result"), "by_process"), i, p)
    {
        const char *id = inst_str(p, "id");
        const json_t *mp = NULL;
        json_array_foreach(json_object_get(model, "processes"), k,
                           m) if (id && inst_str(m, "id") && !strcmp(id, inst_str(m, "id"))) mp = m;
        const char *dt = inst_str(mp, "data_type");
        double share = json_number_value(json_object_get(p, "share"));
        if (dt && !strcmp(dt, "primary"))
            primary += share;
        else if (dt && !strcmp(dt, "secondary"))
            secondary += share;
        else
            unknown += share;
        json_t *item =
            json_pack("{s:s?,s:O?,s:O?,s:f,s:s}", "process", id, "name", json_object_get(p, "name"), "stage",
                      json_object_get(p, "stage"), "share", share, "data",
                      dt && !strcmp(dt, "primary") ? "primary (replaces generic factors) / 实测数据"
                      : dt                         ? "secondary (generic) / 通用数据"
                                                   : "not stated / 未说明");
        json_t *sup = json_object_get(mp, "supplier");
        if (sup) {
            json_object_set(item, "supplier", sup);
            /* the supplier's labels, when it is an organisation here */
            const char *sname = json_is_string(sup) ? json_string_value(sup) : inst_str(sup, "name");
            store_org o = {0};
            tj_error e2;
            if (sname && store_org_get(ctx->db, sname, &o, &e2) == TJ_OK) {
                json_t *ls = NULL;
                if (store_label_holder_list(ctx->db, o.id, &ls, &e2) == TJ_OK) {
                    json_t *pub = json_array();
                    size_t j;
                    json_t *l;
                    json_array_foreach(ls, j, l) json_array_append_new(
                        pub, json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?}", "number", json_object_get(l, "number"),
                                       "product", json_object_get(l, "product"), "value",
                                       json_object_get(l, "value"), "unit", json_object_get(l, "unit"),
                                       "status", json_object_get(l, "status")));
                    json_object_set_new(item, "supplier_labels", pub);
                }
                json_decref(ls);
                store_org_release(&o);
            }
        }
        json_array_append_new(procs, item);
    }
    json_t *inputs = NULL;
    double in_primary = 0, in_generic = 0;
    rc = chain_inputs(ctx, f, model, &inputs, &in_primary, &in_generic, err);
    if (rc) {
        json_decref(inputs);
        json_decref(model);
        json_decref(f);
        json_decref(procs);
        return rc;
    }
    *out = json_pack("{s:O?,s:O?,s:O?,s:o,s:f,s:f,s:f,s:o,s:f,s:f,s:f}", "footprint", json_object_get(f, "id"),
                     "product", json_object_get(f, "product"), "total", json_object_get(f, "total"), "processes",
                     procs, "primary_share", primary, "secondary_share", secondary, "unstated_share", unknown,
                     "inputs", inputs, "supplier_inputs_share", in_primary, "generic_inputs_share", in_generic,
                     "pact_primary_data_share",
                     svc_pact_primary_data_share(ctx->db, inst_str(f, "owner_org"), json_object_get(f, "result")));
    procs = NULL;
    json_decref(model);
    json_decref(f);
    json_decref(procs);
    return *out ? TJ_OK : tj_error_nomem(err);
}

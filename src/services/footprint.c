/* svc_footprint: calculation and footprint records; see footprint.h. */
#include "services/footprint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/result_json.h"
#include "ledger/ledger.h"
#include "services/check.h"
#include "services/model_factors.h"
#include "services/rules.h"
#include "store/footprint_sql.h"

void svc_calc_request_init(svc_calc_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->gwp = TJ_GWP_AR6;
    calc_options_init(&rq->calc);
    rq->seed = 1;
}

void svc_calculation_release(svc_calculation *c)
{
    calc_result_free(c->res);
    io_model_free(c->model);
    free(c->model_text);
    free(c->model_name);
    memset(c, 0, sizeof *c);
}

tj_status svc_calculate(svc_ctx *ctx, const svc_calc_request *rq, svc_calculation *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    io_model_options mopt;
    io_model_options_init(&mopt);
    mopt.gwp = rq->gwp;
    if (ctx && ctx->db) {
        mopt.resolver = svc_model_factor_resolver;
        mopt.resolver_ctx = ctx; /* svc_model_factor_resolver reads as this principal */
    }
    tj_status rc;
    const char *name = rq->model_path ? rq->model_path : rq->model_name ? rq->model_name : "model";
    if (rq->model_path) {
        if ((rc = io_read_file(rq->model_path, mopt.max_bytes, &out->model_text, &out->model_len, err)))
            return rc;
    } else if (rq->model_text) {
        if (rq->model_len > mopt.max_bytes)
            return tj_error_set(err, TJ_ERR_INPUT, NULL, "the model is %zu bytes, more than the %zu allowed / 模型过大",
                                rq->model_len, mopt.max_bytes);
        if (!(out->model_text = malloc(rq->model_len + 1)))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        memcpy(out->model_text, rq->model_text, rq->model_len);
        out->model_text[rq->model_len] = '\0';
        out->model_len = rq->model_len;
    } else {
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "no model given");
    }
    calc_context *cc = NULL;
    out->gwp = rq->gwp;
    if (!(out->model_name = strdup(name)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else if (!(rc = io_model_parse(out->model_text, out->model_len, name, &mopt, &out->model, err)) &&
             !(rc = calc_context_new(out->model->sys, &rq->calc, &cc, err)) &&
             !(rc = calc_context_footprint(cc, out->model->demand_col, out->model->demand_amount, CALC_DETAIL_ALL,
                                           &out->res, err)) &&
             rq->mc > 0)
        rc = calc_context_monte_carlo(cc, out->res, rq->mc, rq->seed, err);
    calc_context_free(cc);
    if (rc)
        svc_calculation_release(out);
    return rc;
}

static json_t *model_json(const io_model *m)
{
    json_t *j = json_object();
    json_t *name = json_object();
    if (m->name_zh)
        json_object_set_new(name, "zh", json_string(m->name_zh));
    if (m->name_en)
        json_object_set_new(name, "en", json_string(m->name_en));
    json_object_set_new(j, "name", name);
    json_object_set_new(j, "unit", json_string(m->unit));
    json_object_set_new(j, "amount", json_real(m->amount));
    json_object_set_new(j, "boundary", json_string(m->boundary));
    if (m->period_start)
        json_object_set_new(j, "reference_period",
                            json_pack("{s:s,s:s}", "start", m->period_start, "end", m->period_end));
    if (m->geography)
        json_object_set_new(j, "geography", json_string(m->geography));
    if (m->functional_unit_text)
        json_object_set_new(j, "functional_unit", json_string(m->functional_unit_text));
    json_object_set_new(j, "processes", json_integer(m->nproc));
    json_object_set_new(j, "columns", json_integer(m->sys->n));
    return j;
}

static json_t *factors_json(const io_model *m)
{
    json_t *a = json_array();
    for (int i = 0; i < m->nfactor; i++) {
        const io_factor *x = &m->factor[i];
        if (!x->used)
            continue;
        json_t *f = json_pack("{s:s,s:s,s:f,s:s,s:s,s:s}", "id", x->id, "name", x->name, "value", x->value, "unit",
                              x->unit, "source", x->source ? x->source : "", "origin",
                              x->inline_def ? "model" : "database");
        json_object_set_new(f, "version", x->version ? json_string(x->version) : json_null());
        if (x->note)
            json_object_set_new(f, "resolution", json_string(x->note));
        json_array_append_new(a, f);
    }
    return a;
}

json_t *svc_calculation_json(const svc_calculation *c)
{
    json_t *j = io_result_to_json(c->model->sys, c->res, c->gwp);
    if (!j)
        return NULL;
    json_object_set_new(j, "model", model_json(c->model));
    json_object_set_new(j, "factors_used", factors_json(c->model));
    json_object_set_new(j, "inputs_digest", json_string(c->model->inputs_digest));
    return j;
}

void svc_calculation_text(FILE *out, const svc_calculation *c)
{
    const io_model *m = c->model;
    fprintf(out, "%s%s%s\n", m->name_zh ? m->name_zh : "", m->name_zh && m->name_en ? " / " : "",
            m->name_en ? m->name_en : "");
    fprintf(out, "per %g %s, %s%s%s, GWP100 %s\n", m->amount, m->unit, m->boundary, m->geography ? ", " : "",
            m->geography ? m->geography : "", tj_gwp_set_name(c->gwp));
    io_result_print_text(out, m->sys, c->res, c->gwp);
    int header = 0;
    for (int i = 0; i < m->nfactor; i++) {
        if (!m->factor[i].used)
            continue;
        if (!header++)
            fprintf(out, "\nFactors used (使用的因子):\n");
        fprintf(out, "  %s%s%s = %g kg CO2e/%s  [%s]\n", m->factor[i].id, m->factor[i].version ? "@" : "",
                m->factor[i].version ? m->factor[i].version : "", m->factor[i].value, m->factor[i].unit,
                m->factor[i].source);
    }
    fprintf(out, "\nInputs digest (SHA-256): %s\n", m->inputs_digest);
}

/* ---- records -------------------------------------------------------------- */

/* The ledger state of a record: every column but the result and the model
 * (which the record digest covers) and the derived replaced_by. */
static json_t *state_json(const store_footprint *f)
{
    json_t *factors = json_loads(f->factors ? f->factors : "[]", 0, NULL);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:f,s:s,s:s,s:s?,s:s,s:o,s:s?,s:s}", "id", f->id, "owner_org",
                     f->owner_org, "created_by", f->created_by, "created_at", f->created_at, "product", f->product,
                     "amount", f->amount, "unit", f->unit, "total", f->total, "gwp", f->gwp, "inputs_digest",
                     f->inputs_digest, "rule_id", f->rule_id, "check_status", f->check_status, "factors",
                     factors ? factors : json_array(), "replaces", f->replaces, "digest", f->digest ? f->digest : "");
}

/* The record digest: SHA-256 of the canonical JSON of the state without its
 * digest, plus the result and the model text. */
static tj_status record_digest(const store_footprint *f, char hex[65], tj_error *err)
{
    json_t *j = state_json(f);
    if (!j)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_object_del(j, "digest");
    json_object_set_new(j, "result", json_string(f->result ? f->result : ""));
    json_object_set_new(j, "model", json_string(f->model ? f->model : ""));
    tj_status rc = ledger_digest_json(j, hex, err);
    json_decref(j);
    return rc;
}

static char *pinned_factors(const io_model *m)
{
    json_t *a = json_array();
    for (int i = 0; i < m->nfactor; i++) {
        const io_factor *x = &m->factor[i];
        if (!x->used)
            continue;
        json_t *o = json_pack("{s:s,s:s?,s:s,s:f}", "id", x->id, "version", x->version, "origin",
                              x->inline_def ? "model" : "database", "value", x->value);
        json_array_append_new(a, o);
    }
    char *s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(a);
    return s;
}

/* Check the model against its rule: "not_checked" when no rule applies. */
static tj_status run_check(const svc_calculation *c, const json_t *result, const svc_footprint_save_opts *opt,
                           char **rule_id, const char **status, tj_error *err)
{
    *rule_id = NULL;
    *status = "not_checked";
    if (!opt || !opt->rules_dir)
        return TJ_OK;
    svc_ruleset set = {0};
    tj_status rc = svc_ruleset_load_dir(&set, opt->rules_dir, err);
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *model = json_loadb(c->model_text, c->model_len, JSON_REJECT_DUPLICATES, &jerr);
    const svc_rule *rule = NULL;
    tj_error pick_err;
    tj_error_clear(&pick_err);
    if (!model) {
        rc = tj_error_set(err, TJ_ERR_INPUT, NULL, "the model is not JSON: %s", jerr.text);
    } else if ((rc = svc_check_pick_rule(&set, model, opt->rule, NULL, 0, 0, &rule, NULL, &pick_err))) {
        /* no applicable rule (or no category to find one by) leaves the
         * footprint unchecked, unless a rule was named */
        if (opt->rule || (rc != TJ_ERR_NOTFOUND && rc != TJ_ERR_USAGE)) {
            if (err)
                *err = pick_err;
        } else {
            rc = TJ_OK;
        }
    } else {
        svc_check_result res = {0};
        if (!(rc = svc_check_model(rule, model, result, &res, err))) {
            *status = res.n ? "nonconforming" : "conforming";
            size_t len = strlen(rule->id) + strlen(rule->version) + 2;
            if ((*rule_id = malloc(len)))
                snprintf(*rule_id, len, "%s@%s", rule->id, rule->version);
            else
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
        svc_check_result_release(&res);
    }
    json_decref(model);
    svc_ruleset_release(&set);
    return rc;
}

tj_status svc_footprint_save(svc_ctx *ctx, const svc_calculation *c, const svc_footprint_save_opts *opt,
                             char **id_out, tj_error *err)
{
    *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "save footprints", err);
    if (rc)
        return rc;
    if (!ctx->db)
        return tj_error_set(err, TJ_ERR_USAGE, "db", "saving a footprint needs a database (--db)");
    const io_model *m = c->model;
    json_t *result = svc_calculation_json(c);
    store_footprint f = {0};
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char digest[65];
    json_t *state = NULL;
    const char *check_status = NULL;
    if (!result) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (!isfinite(c->res->total)) {
        rc = tj_error_set(err, TJ_ERR_NUMERIC, "total", "the total is not a finite number: not saved");
        goto out;
    }
    if ((rc = run_check(c, result, opt, &f.rule_id, &check_status, err)))
        goto out;
    f.id = svc_new_uuid();
    f.owner_org = ctx->who.org_id;
    f.created_by = ctx->who.id;
    f.created_at = at;
    f.product = m->name_zh ? m->name_zh : m->name_en ? m->name_en : "";
    f.amount = m->amount;
    f.unit = m->unit;
    f.total = c->res->total;
    f.gwp = (char *)tj_gwp_set_name(c->gwp);
    f.inputs_digest = (char *)m->inputs_digest;
    f.check_status = (char *)check_status;
    f.factors = pinned_factors(m);
    f.replaces = opt && opt->replaces ? (char *)opt->replaces : NULL;
    f.result = json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(17));
    f.model = c->model_text;
    if (!f.id || !f.factors || !f.result) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = record_digest(&f, digest, err)))
        goto out;
    f.digest = digest;
    if ((rc = svc_begin(ctx, err)))
        goto out;
    if (f.replaces) {
        store_footprint old;
        /* the replaced footprint must be the principal's own and current */
        if ((rc = store_footprint_get(ctx->db, f.replaces, 0, &old, err)) == TJ_OK) {
            if (!svc_owns(ctx, old.owner_org))
                rc = tj_error_set(err, TJ_ERR_NOTFOUND, "replaces", "no footprint \"%s\" / 碳足迹记录不存在",
                                  f.replaces);
            else if (old.replaced_by)
                rc = tj_error_set(err, TJ_ERR_CONFLICT, "replaces",
                                  "footprint %s was already replaced by %s: replace that one / 该记录已被替代",
                                  f.replaces, old.replaced_by);
            else if (strcmp(old.owner_org, ctx->who.org_id))
                rc = tj_error_set(err, TJ_ERR_CONFLICT, "replaces",
                                  "footprint %s belongs to another organisation / 该记录属于其他组织", f.replaces);
            store_footprint_release(&old);
        }
    }
    if (!rc)
        rc = store_footprint_insert(ctx->db, &f, err);
    if (!rc && !(state = state_json(&f)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    if (!rc) {
        json_t *change = json_pack("{s:s,s:s?,s:s,s:s?}", "action", f.replaces ? "recalculate" : "save", "replaces",
                                   f.replaces, "check_status", f.check_status, "rule_id", f.rule_id);
        rc = svc_record(ctx, "footprint.save", "footprint", f.id, change, state, err);
        json_decref(change);
    }
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
out:
    if (!rc) {
        *id_out = f.id;
        f.id = NULL;
    }
    free(f.id);
    free(f.rule_id);
    free(f.factors);
    free(f.result);
    json_decref(state);
    json_decref(result);
    return rc;
}

static json_t *record_json(const store_footprint *f, int whole)
{
    json_t *j = state_json(f);
    if (!j)
        return NULL;
    json_object_set_new(j, "replaced_by", f->replaced_by ? json_string(f->replaced_by) : json_null());
    if (whole) {
        json_t *res = json_loads(f->result ? f->result : "null", JSON_DECODE_ANY, NULL);
        json_object_set_new(j, "result", res ? res : json_null());
        json_object_set_new(j, "model", json_string(f->model ? f->model : ""));
    }
    return j;
}

tj_status svc_footprint_get(svc_ctx *ctx, const char *id, int whole, json_t **out, tj_error *err)
{
    *out = NULL;
    store_footprint f;
    tj_status rc = store_footprint_get(ctx->db, id, whole, &f, err);
    if (rc)
        return rc;
    /* another organisation's footprint answers exactly as a missing one */
    if (!svc_owns(ctx, f.owner_org))
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no footprint \"%s\" / 碳足迹记录不存在", id);
    else if (!(*out = record_json(&f, whole)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    store_footprint_release(&f);
    return rc;
}

tj_status svc_footprint_read(store_db *db, const char *id, int whole, json_t **out, tj_error *err)
{
    *out = NULL;
    store_footprint f;
    tj_status rc = store_footprint_get(db, id, whole, &f, err);
    if (rc)
        return rc;
    if (!(*out = record_json(&f, whole)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    store_footprint_release(&f);
    return rc;
}

tj_status svc_footprint_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err)
{
    *out = NULL;
    svc_page(&limit, &offset);
    store_footprint *fs = NULL;
    size_t n = 0;
    const char *owner = svc_list_owner(ctx);
    tj_status rc = store_footprint_list(ctx->db, owner, limit, offset, &fs, &n, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, record_json(&fs[i], 0));
        store_footprint_release(&fs[i]);
    }
    free(fs);
    *out = a;
    return TJ_OK;
}

tj_status svc_footprint_state(store_db *db, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    store_footprint f;
    tj_status rc = store_footprint_get(db, id, 1, &f, err);
    if (rc)
        return rc;
    /* the digest is recomputed from the row, so a changed result or model
     * shows as a state its ledger entry does not explain */
    char digest[65];
    if ((rc = record_digest(&f, digest, err)) == TJ_OK) {
        free(f.digest);
        f.digest = strdup(digest);
        if (!(*out = state_json(&f)))
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    store_footprint_release(&f);
    return rc;
}

tj_status svc_footprint_each_state(store_db *db,
                                   tj_status (*emit)(void *arg, const char *object_id, const json_t *state,
                                                     tj_error *err),
                                   void *arg, tj_error *err)
{
    enum { PAGE = 500 };
    tj_status rc = TJ_OK;
    for (int offset = 0;; offset += PAGE) {
        store_footprint *fs = NULL;
        size_t n = 0;
        if ((rc = store_footprint_list(db, NULL, PAGE, offset, &fs, &n, err)) != TJ_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            json_t *state = NULL;
            if (rc == TJ_OK && (rc = svc_footprint_state(db, fs[i].id, &state, err)) == TJ_OK)
                rc = emit(arg, fs[i].id, state, err);
            json_decref(state);
            store_footprint_release(&fs[i]);
        }
        free(fs);
        if (rc != TJ_OK || n < PAGE)
            return rc;
    }
}

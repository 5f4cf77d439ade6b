/* svc_job: calculations as jobs; see job.h. */
#include "services/job.h"

#include <stdlib.h>
#include <string.h>

#include "services/factors.h"
#include "services/footprint.h"
#include "services/inventory.h"
#include "services/model.h"
#include "store/accounts.h"
#include "store/job_sql.h"

/* {"inventory": {"all": true, "allocation"?: "...", "gwp"?: "AR6"|"AR5"}}:
 * every product of the imported openLCA database (tanji calc --db --all). */
static tj_status check_inventory(const json_t *p, tj_error *err)
{
    const json_t *inv = json_object_get(p, "inventory"), *v;
    if (json_object_size(p) != 1)
        return tj_error_set(err, TJ_ERR_INPUT, "inventory",
                            "an inventory job takes only \"inventory\" / 清单计算任务只接受 inventory 参数");
    if (!json_is_object(inv) || !json_is_true(json_object_get(inv, "all")))
        return tj_error_set(err, TJ_ERR_INPUT, "inventory.all",
                            "inventory is {\"all\": true, \"allocation\"?, \"gwp\"?} / inventory 须含 all: true");
    tj_gwp_set g;
    if ((v = json_object_get(inv, "gwp")) && (!json_is_string(v) || tj_gwp_set_parse(json_string_value(v), &g, err)))
        return tj_error_set(err, TJ_ERR_INPUT, "inventory.gwp", "gwp is \"AR6\" or \"AR5\"");
    if ((v = json_object_get(inv, "allocation")) && (!json_is_string(v) || olca_alloc_parse(json_string_value(v)) < 0))
        return tj_error_set(err, TJ_ERR_INPUT, "inventory.allocation",
                            "allocation is none, physical, economic, causal or default");
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)inv, k, val)
    if (strcmp(k, "all") && strcmp(k, "gwp") && strcmp(k, "allocation"))
        return tj_error_set(err, TJ_ERR_INPUT, k, "unknown parameter \"%.40s\" / 未知参数", k);
    return TJ_OK;
}

static tj_status check_params(svc_ctx *ctx, const json_t *p, tj_error *err)
{
    if (!json_is_object(p))
        return tj_error_set(err, TJ_ERR_INPUT, "params", "job parameters are a JSON object / 参数须为对象");
    if (json_object_get(p, "inventory"))
        return check_inventory(p, err);
    json_t *mid = json_object_get(p, "model_id"), *model = json_object_get(p, "model");
    if (!!mid == !!model)
        return tj_error_set(err, TJ_ERR_INPUT, "model_id", "give either model_id or model / 须给出 model_id 或 model");
    if (mid) {
        if (!json_is_string(mid))
            return tj_error_set(err, TJ_ERR_INPUT, "model_id", "model_id is a string / 须为字符串");
        json_t *m = NULL;
        tj_status rc = svc_model_get(ctx, json_string_value(mid), 0, &m, err);
        json_decref(m);
        if (rc)
            return rc;
    } else if (!json_is_object(model)) {
        return tj_error_set(err, TJ_ERR_INPUT, "model", "model is a JSON object / 模型须为对象");
    }
    json_t *v;
    if ((v = json_object_get(p, "save")) && !json_is_boolean(v))
        return tj_error_set(err, TJ_ERR_INPUT, "save", "save is true or false");
    tj_gwp_set g;
    if ((v = json_object_get(p, "gwp")) && (!json_is_string(v) || tj_gwp_set_parse(json_string_value(v), &g, err)))
        return tj_error_set(err, TJ_ERR_INPUT, "gwp", "gwp is \"AR6\" or \"AR5\"");
    if ((v = json_object_get(p, "mc")) && (!json_is_integer(v) || json_integer_value(v) < 0 ||
                                           json_integer_value(v) > 100000))
        return tj_error_set(err, TJ_ERR_INPUT, "mc", "mc is an integer from 0 to 100000");
    if ((v = json_object_get(p, "seed")) && (!json_is_integer(v) || json_integer_value(v) < 0))
        return tj_error_set(err, TJ_ERR_INPUT, "seed", "seed is a non-negative integer");
    const char *keys[] = {"rule", "replaces"};
    for (size_t i = 0; i < 2; i++)
        if ((v = json_object_get(p, keys[i])) && (!json_is_string(v) || json_string_length(v) > 200))
            return tj_error_set(err, TJ_ERR_INPUT, keys[i], "%s is a string of at most 200 bytes", keys[i]);
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)p, k, val)
    {
        static const char *known[] = {"model_id", "model", "save", "rule", "gwp", "mc", "seed", "replaces", NULL};
        int ok = 0;
        for (const char **q = known; *q; q++)
            ok |= !strcmp(*q, k);
        if (!ok)
            return tj_error_set(err, TJ_ERR_INPUT, k, "unknown parameter \"%.40s\" / 未知参数", k);
    }
    return TJ_OK;
}

tj_status svc_job_submit(svc_ctx *ctx, const char *kind, const json_t *params, char **id_out, tj_error *err)
{
    *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "run calculations", err);
    if (rc)
        return rc;
    if (!kind || strcmp(kind, "calculate"))
        return tj_error_set(err, TJ_ERR_INPUT, "kind", "job kind must be \"calculate\" / 任务类型无效");
    if ((rc = check_params(ctx, params, err)))
        return rc;
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    char *text = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    store_job j = {.id = svc_new_uuid(), .owner_org = ctx->who.org_id, .created_by = ctx->who.id, .created_at = at,
                   .kind = (char *)kind, .params = text};
    if (!j.id || !text)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    else
        rc = store_job_insert(ctx->db, &j, err);
    free(text);
    if (!rc)
        *id_out = j.id;
    else
        free(j.id);
    return rc;
}

static json_t *job_json(const store_job *j)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:f,s:s,s:s,s:s?,s:s?,s:b}", "id", j->id, "kind", j->kind, "status", j->status,
                          "progress", j->progress, "created_at", j->created_at, "created_by", j->created_by,
                          "started_at", j->started_at, "finished_at", j->finished_at, "cancel_requested", j->cancel);
    if (!o)
        return NULL;
    json_t *p = json_loads(j->params, 0, NULL);
    if (p) {
        json_object_del(p, "model"); /* an inline model can be large: its presence only */
        json_object_set_new(o, "params", p);
    }
    if (j->result)
        json_object_set_new(o, "result", json_loads(j->result, 0, NULL));
    if (j->error)
        json_object_set_new(o, "error", json_loads(j->error, 0, NULL));
    return o;
}

static tj_status load(svc_ctx *ctx, const char *id, int whole, store_job *j, tj_error *err)
{
    tj_status rc = store_job_get(ctx->db, id ? id : "", whole, j, err);
    if (rc)
        return rc;
    if (!svc_owns(ctx, j->owner_org)) {
        store_job_release(j);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no job \"%.80s\" / 任务不存在", id);
    }
    return TJ_OK;
}

tj_status svc_job_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    store_job j;
    tj_status rc = load(ctx, id, 1, &j, err);
    if (rc)
        return rc;
    if (!(*out = job_json(&j)))
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    store_job_release(&j);
    return rc;
}

tj_status svc_job_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err)
{
    *out = NULL;
    svc_page(&limit, &offset);
    store_job *js = NULL;
    size_t n = 0;
    tj_status rc = store_job_list(ctx->db, svc_list_owner(ctx), limit,
                                  offset, &js, &n, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, job_json(&js[i]));
        store_job_release(&js[i]);
    }
    free(js);
    *out = a;
    return TJ_OK;
}

tj_status svc_job_cancel(svc_ctx *ctx, const char *id, tj_error *err)
{
    store_job j;
    tj_status rc = load(ctx, id, 0, &j, err);
    if (rc)
        return rc;
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    int changed = 0;
    if (!(rc = store_job_cancel(ctx->db, j.id, at, &changed, err)) && !changed)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "the job has already finished (%s) / 任务已结束", j.status);
    store_job_release(&j);
    return rc;
}

tj_status svc_job_recover(store_db *db, const char *node, tj_error *err)
{
    return store_job_requeue_node(db, node, err);
}

/* The principal a job runs as. */
/* Progress; *stop = 1 when cancellation was asked for. */
static tj_status progress(store_db *db, const char *id, double p, int *stop, tj_error *err)
{
    return store_job_progress(db, id, p, stop, err);
}

static tj_status run_inventory(svc_ctx *ctx, const store_job *j, json_t *p, char **result, int *cancelled,
                               tj_error *err);

static tj_status run_calculate(svc_ctx *ctx, const store_job *j, const char *rules_dir, char **result, int *cancelled,
                               tj_error *err)
{
    *result = NULL;
    *cancelled = 0;
    json_t *p = json_loads(j->params, 0, NULL);
    if (!p)
        return tj_error_set(err, TJ_ERR_INTERNAL, "params", "job parameters are not JSON");
    if (json_object_get(p, "inventory")) {
        tj_status irc = run_inventory(ctx, j, p, result, cancelled, err);
        json_decref(p);
        return irc;
    }
    svc_calc_request rq;
    svc_calc_request_init(&rq);
    char *text = NULL;
    size_t len = 0;
    tj_status rc = TJ_OK;
    const char *mid = json_string_value(json_object_get(p, "model_id"));
    if (mid) {
        rc = svc_model_text(ctx, mid, &text, &len, err);
    } else {
        text = json_dumps(json_object_get(p, "model"), JSON_COMPACT);
        len = text ? strlen(text) : 0;
        if (!text)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    json_t *v;
    if (!rc && (v = json_object_get(p, "gwp")))
        rc = tj_gwp_set_parse(json_string_value(v), &rq.gwp, err);
    rq.mc = (int)json_integer_value(json_object_get(p, "mc"));
    if ((v = json_object_get(p, "seed")))
        rq.seed = (uint64_t)json_integer_value(v);
    rq.model_text = text;
    rq.model_len = len;
    rq.model_name = mid ? mid : "model";
    int stop = 0;
    if (!rc)
        rc = progress(ctx->db, j->id, 0.1, &stop, err);
    svc_calculation calc;
    memset(&calc, 0, sizeof calc);
    int have_calc = 0;
    if (!rc && !stop && !(rc = svc_calculate(ctx, &rq, &calc, err)))
        have_calc = 1;
    if (!rc && !stop)
        rc = progress(ctx->db, j->id, 0.8, &stop, err);
    if (!rc && stop)
        *cancelled = 1;
    if (!rc && !stop) {
        if (json_is_true(json_object_get(p, "save"))) {
            svc_footprint_save_opts so = {.replaces = json_string_value(json_object_get(p, "replaces")),
                                          .rule = json_string_value(json_object_get(p, "rule")),
                                          .rules_dir = rules_dir};
            char *fid = NULL;
            if (!(rc = svc_footprint_save(ctx, &calc, &so, &fid, err))) {
                json_t *r = json_pack("{s:s,s:f,s:s}", "footprint_id", fid, "total", calc.res->total, "unit",
                                      calc.model->unit ? calc.model->unit : "");
                *result = r ? json_dumps(r, JSON_COMPACT) : NULL;
                json_decref(r);
            }
            free(fid);
        } else {
            json_t *r = svc_calculation_json(&calc);
            *result = r ? json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
            json_decref(r);
        }
        if (!rc && !*result)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    if (have_calc)
        svc_calculation_release(&calc);
    free(text);
    json_decref(p);
    return rc;
}

/* ---- inventory --all ---- */
typedef struct inv_run {
    store_db *db;
    const char *id;
    json_t *rows;
    int step, stop;
    tj_status rc;
    tj_error *err;
} inv_run;

static int inv_row(void *ud, const svc_inventory *inv, int j, const calc_result *res, const char *error)
{
    inv_run *r = ud;
    json_array_append_new(r->rows, svc_product_row_json(inv, j, res, error));
    int n = inv->sys->n;
    /* progress (and the cancel flag) about 50 times over the run */
    if ((j + 1) % r->step == 0 || j + 1 == n)
        r->rc = progress(r->db, r->id, 0.2 + 0.79 * (double)(j + 1) / n, &r->stop, r->err);
    return r->rc || r->stop;
}

static tj_status run_inventory(svc_ctx *ctx, const store_job *j, json_t *p, char **result, int *cancelled,
                               tj_error *err)
{
    const json_t *in = json_object_get(p, "inventory"), *v;
    olca_build_options opt;
    olca_build_options_init(&opt);
    tj_status rc = TJ_OK;
    if ((v = json_object_get(in, "gwp")))
        rc = tj_gwp_set_parse(json_string_value(v), &opt.gwp, err);
    /* as tanji calc --db --all: each process's own default allocation
     * unless one is named */
    v = json_object_get(in, "allocation");
    opt.allocation = (olca_alloc_method)olca_alloc_parse(v ? json_string_value(v) : "default");
    calc_options co;
    calc_options_init(&co);
    int stop = 0;
    if (!rc)
        rc = progress(ctx->db, j->id, 0.05, &stop, err);
    svc_inventory inv;
    memset(&inv, 0, sizeof inv);
    int open = 0;
    if (!rc && !stop && !(rc = svc_inventory_open(ctx, &opt, &co, &inv, err)))
        open = 1;
    if (!rc && !stop)
        rc = progress(ctx->db, j->id, 0.2, &stop, err);
    if (!rc && !stop) {
        inv_run r = {.db = ctx->db, .id = j->id, .rows = json_array(), .err = err};
        r.step = inv.sys->n / 50 > 0 ? inv.sys->n / 50 : 1;
        int failed = 0;
        rc = svc_inventory_all(&inv, inv_row, &r, &failed, err);
        if (!rc)
            rc = r.rc;
        stop = r.stop;
        if (!rc && !stop) {
            json_t *out = json_pack("{s:o,s:i,s:i,s:O}", "database", svc_inventory_info_json(&inv), "products",
                                    inv.sys->n, "failed", failed, "rows", r.rows);
            *result = out ? json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
            json_decref(out);
            if (!*result)
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        }
        json_decref(r.rows);
    }
    if (!rc && stop)
        *cancelled = 1;
    if (open)
        svc_inventory_release(&inv);
    return rc;
}

tj_status svc_job_run_next(store_db *db, const char *node, const char *rules_dir, int *ran, tj_error *err)
{
    *ran = 0;
    char at[32];
    svc_now_rfc3339(at, sizeof at);
    store_job j;
    int found = 0;
    tj_status rc = store_begin(db, err);
    if (rc)
        return rc;
    if ((rc = store_job_claim(db, node, at, &j, &found, err)) || (rc = store_commit(db, err))) {
        store_rollback(db);
        if (found)
            store_job_release(&j);
        return rc;
    }
    if (!found)
        return TJ_OK;
    *ran = 1;
    tj_error jerr;
    tj_error_clear(&jerr);
    svc_ctx ctx;
    char *result = NULL;
    int cancelled = 0;
    tj_status jrc = svc_ctx_of_principal(&ctx, db, j.created_by, "the principal who submitted the job is disabled / 提交者已停用", &jerr);
    if (!jrc) {
        jrc = run_calculate(&ctx, &j, rules_dir, &result, &cancelled, &jerr);
        svc_ctx_release(&ctx);
    }
    char *etext = jrc ? svc_error_json_text(&jerr) : NULL;
    svc_now_rfc3339(at, sizeof at);
    rc = store_job_finish(db, j.id, jrc ? "failed" : cancelled ? "cancelled" : "done", result, etext, at, err);
    free(etext);
    free(result);
    store_job_release(&j);
    return rc;
}

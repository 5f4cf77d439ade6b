/* Rule conformance checks; see check.h. */
#include "services/check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tanji/units.h"

static char *vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = vfmt(f, ap);
    va_end(ap);
    return s;
}

/* Record a violation; takes ownership of en and zh (either may be NULL on OOM). */
static tj_status add(svc_check_result *res, const char *code, const char *path, char *en, char *zh)
{
    svc_violation *x = NULL;
    if (res->n == res->cap) {
        size_t cap = res->cap ? res->cap * 2 : 16;
        svc_violation *nv = realloc(res->v, cap * sizeof *nv);
        if (!nv)
            goto oom;
        res->v = nv;
        res->cap = cap;
    }
    x = &res->v[res->n];
    x->code = strdup(code);
    x->path = strdup(path);
    x->message = en;
    x->message_zh = zh;
    if (!x->message || !x->message_zh || !x->code || !x->path) {
        free(x->code);
        free(x->path);
        goto oom;
    }
    res->n++;
    return TJ_OK;
oom:
    free(en);
    free(zh);
    return TJ_ERR_NOMEM;
}

void svc_check_result_release(svc_check_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        free(res->v[i].code);
        free(res->v[i].path);
        free(res->v[i].message);
        free(res->v[i].message_zh);
    }
    free(res->v);
    memset(res, 0, sizeof *res);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Text that names an exchange: flow, gas, and factor reference. */
static int exchange_matches(const json_t *ex, const svc_rule_input *in)
{
    const char *fields[3] = {jstr(ex, "flow"), jstr(ex, "gas"), NULL};
    json_t *f = json_object_get(ex, "factor");
    if (json_is_string(f))
        fields[2] = json_string_value(f);
    else if (json_is_object(f))
        fields[2] = jstr(f, "name") ? jstr(f, "name") : jstr(f, "id");
    for (size_t k = 0; k < in->n_match; k++)
        for (int i = 0; i < 3; i++)
            if (fields[i] && strcasestr(fields[i], in->match[k]))
                return 1;
    return 0;
}

static int is_product_input(const json_t *ex)
{
    const char *t = jstr(ex, "type"), *d = jstr(ex, "direction");
    return t && d && !strcmp(d, "input") && (!strcmp(t, "product") || !strcmp(t, "waste"));
}

/* Mass in kg of an exchange, NAN when its unit is not a mass. */
static double mass_kg(const json_t *ex)
{
    const char *u = jstr(ex, "unit");
    json_t *a = json_object_get(ex, "amount");
    const tj_unit *unit = u ? tj_unit_find(u) : NULL;
    if (!unit || unit->dim != TJ_DIM_MASS || !json_is_number(a))
        return NAN;
    return json_number_value(a) * unit->to_base;
}

static double dqr_of(const json_t *q, int *ok)
{
    static const char *const keys[4] = {"TeR", "GeR", "TiR", "P"};
    double s = 0;
    *ok = json_is_object(q);
    for (int i = 0; *ok && i < 4; i++) {
        json_t *v = json_object_get(q, keys[i]);
        if (!json_is_number(v)) {
            *ok = 0;
            break;
        }
        s += json_number_value(v);
    }
    return s / 4;
}

static tj_status check_unit(const svc_rule *r, const json_t *prod, svc_check_result *res)
{
    tj_status st = TJ_OK;
    const char *unit = jstr(prod, "unit");
    json_t *amt = json_object_get(prod, "amount");
    double amount = json_is_number(amt) ? json_number_value(amt) : 1;
    res->checks_run++;
    if (!unit)
        return add(res, "declared_unit_mismatch", "product.unit",
                   fmt("the model has no declared unit; the rule requires %g %s", r->unit_amount, r->unit),
                   fmt("模型未给出声明单位；规则要求 %g %s", r->unit_amount, r->unit));
    const tj_unit *mu = tj_unit_find(unit), *ru = tj_unit_find(r->unit);
    int same;
    if (mu && ru)
        same = mu->dim == ru->dim && fabs(amount * mu->to_base - r->unit_amount * ru->to_base) <=
                                         1e-9 * fabs(r->unit_amount * ru->to_base);
    else
        same = !strcasecmp(unit, r->unit) && fabs(amount - r->unit_amount) <= 1e-9 * r->unit_amount;
    if (!same)
        st = add(res, "declared_unit_mismatch", "product.unit",
                 fmt("declared unit is %g %s; the rule requires %g %s (%s unit)", amount, unit,
                     r->unit_amount, r->unit, r->unit_kind),
                 fmt("声明单位为 %g %s；规则要求 %g %s", amount, unit, r->unit_amount, r->unit));
    if (st)
        return st;
    res->checks_run++;
    const char *b = jstr(prod, "boundary");
    if (!b || strcmp(b, r->boundary))
        st = add(res, "boundary_mismatch", "product.boundary",
                 fmt("system boundary is %s; the rule requires %s", b ? b : "(none)", r->boundary),
                 fmt("系统边界为 %s；规则要求 %s", b ? b : "（无）", r->boundary));
    return st;
}

static tj_status check_stages(const svc_rule *r, const json_t *procs, svc_check_result *res)
{
    size_t np = json_array_size(procs);
    for (int s = 0; s < SVC_STAGE_COUNT; s++) {
        if (!(r->stage_mask & (1u << s)))
            continue;
        res->checks_run++;
        int found = 0;
        for (size_t i = 0; i < np && !found; i++) {
            const char *ps = jstr(json_array_get(procs, i), "stage");
            found = ps && !strcmp(ps, svc_stage_name(s));
        }
        if (found)
            continue;
        tj_status st =
            add(res, "missing_stage", "processes",
                fmt("no process in the required stage \"%s\" (%s)", svc_stage_name(s), svc_stage_label(s, 0)),
                fmt("缺少规则要求的阶段“%s”（%s）", svc_stage_label(s, 1), svc_stage_name(s)));
        if (st)
            return st;
    }
    return TJ_OK;
}

static tj_status check_inputs(const svc_rule *r, const json_t *procs, svc_check_result *res)
{
    size_t np = json_array_size(procs);
    char path[160];
    for (size_t k = 0; k < r->n_inputs; k++) {
        const svc_rule_input *in = &r->inputs[k];
        res->checks_run++;
        int found = 0, cut = 0;
        size_t cut_i = 0, cut_j = 0;
        for (size_t i = 0; i < np && !found; i++) {
            const json_t *exs = json_object_get(json_array_get(procs, i), "exchanges");
            for (size_t j = 0; j < json_array_size(exs); j++) {
                const json_t *ex = json_array_get(exs, j);
                if (!exchange_matches(ex, in))
                    continue;
                if (!json_is_true(json_object_get(ex, "cutoff"))) {
                    found = 1;
                    break;
                }
                if (!cut) {
                    cut = 1;
                    cut_i = i;
                    cut_j = j;
                }
            }
        }
        if (found)
            continue;
        tj_status st;
        if (cut) {
            snprintf(path, sizeof path, "processes[%zu].exchanges[%zu]", cut_i, cut_j);
            st = add(res, "required_input_cut_off", path,
                     fmt("required input \"%s\" (%s) is cut off; the rule requires it", in->id, in->name_en),
                     fmt("规则要求的输入“%s”（%s）被舍去", in->name_zh, in->id));
        } else
            st = add(res, "missing_input", "processes",
                     fmt("required input \"%s\" (%s) is not in the model", in->id, in->name_en),
                     fmt("模型中缺少规则要求的输入“%s”（%s）", in->name_zh, in->id));
        if (st)
            return st;
    }
    return TJ_OK;
}

static tj_status check_process(const svc_rule *r, const json_t *p, size_t i, int have_fp, double *total_in,
                               double *total_cut, svc_check_result *res)
{
    char path[160];
    tj_status st = TJ_OK;
    const char *pid = jstr(p, "id") ? jstr(p, "id") : "?";
    int stage = svc_stage_parse(jstr(p, "stage"));
    /* allocation */
    const json_t *al = json_object_get(p, "allocation");
    if (al) {
        res->checks_run++;
        const char *m = json_is_string(al) ? json_string_value(al) : jstr(al, "method");
        int a = svc_alloc_parse(m);
        if (a < 0 || !(r->allocation_mask & (1u << a))) {
            char allowed[160] = "";
            for (int x = 0; x < SVC_ALLOC_COUNT; x++)
                if (r->allocation_mask & (1u << x)) {
                    strncat(allowed, allowed[0] ? ", " : "", sizeof allowed - strlen(allowed) - 1);
                    strncat(allowed, svc_alloc_name(x), sizeof allowed - strlen(allowed) - 1);
                }
            snprintf(path, sizeof path, "processes[%zu].allocation", i);
            if ((st = add(
                     res, "allocation_not_allowed", path,
                     fmt("process \"%s\" uses allocation \"%s\"; the rule allows %s", pid, m ? m : "?",
                         allowed),
                     fmt("过程“%s”采用的分配方法“%s”不被规则允许（允许：%s）", pid, m ? m : "?", allowed))))
                return st;
        }
    }
    /* data quality */
    if (r->dqr_max < 5) {
        res->checks_run++;
        int ok;
        double d = dqr_of(json_object_get(p, "quality"), &ok);
        snprintf(path, sizeof path, "processes[%zu].quality", i);
        if (!ok)
            st = add(res, "quality_missing", path,
                     fmt("process \"%s\" has no complete data quality rating (TeR, GeR, TiR, P); "
                         "the rule sets a maximum DQR of %g",
                         pid, r->dqr_max),
                     fmt("过程“%s”缺少完整的数据质量评分（TeR、GeR、TiR、P）；规则规定 DQR 上限为 %g", pid,
                         r->dqr_max));
        else if (d > r->dqr_max + 1e-9)
            st = add(res, "dqr_exceeded", path,
                     fmt("process \"%s\" has DQR %.2f, above the rule's maximum %g", pid, d, r->dqr_max),
                     fmt("过程“%s”的 DQR 为 %.2f，高于规则上限 %g", pid, d, r->dqr_max));
        const json_t *exs = json_object_get(p, "exchanges");
        for (size_t j = 0; !st && j < json_array_size(exs); j++) {
            const json_t *q = json_object_get(json_array_get(exs, j), "quality");
            double dq = q ? dqr_of(q, &ok) : 0;
            if (q && ok && dq > r->dqr_max + 1e-9) {
                snprintf(path, sizeof path, "processes[%zu].exchanges[%zu].quality", i, j);
                st = add(res, "dqr_exceeded", path,
                         fmt("an exchange of process \"%s\" has DQR %.2f, above the rule's "
                             "maximum %g",
                             pid, dq, r->dqr_max),
                         fmt("过程“%s”的一项交换数据 DQR 为 %.2f，高于规则上限 %g", pid, dq, r->dqr_max));
            }
        }
        if (st)
            return st;
    }
    /* primary data */
    int need_primary = stage >= 0 && (r->primary_stage_mask & (1u << stage));
    json_t *plist = json_object_get(json_object_get(r->doc, "primary_data"), "processes");
    for (size_t k = 0; k < json_array_size(plist); k++) {
        const char *want = json_string_value(json_array_get(plist, k));
        const char *name = jstr(p, "name");
        if (want && (!strcasecmp(want, pid) || (name && strcasestr(name, want))))
            need_primary = 1;
    }
    if (need_primary) {
        res->checks_run++;
        const char *dt = jstr(p, "data_type");
        if (!dt || strcmp(dt, "primary")) {
            snprintf(path, sizeof path, "processes[%zu].data_type", i);
            if ((st = add(res, "primary_data_required", path,
                          fmt("process \"%s\" (stage %s) uses %s data; the rule requires primary "
                              "(site-specific) data",
                              pid, stage >= 0 ? svc_stage_name(stage) : "?", dt ? dt : "unspecified"),
                          fmt("过程“%s”（%s阶段）%s；规则要求初级（现场）数据", pid,
                              stage >= 0 ? svc_stage_label(stage, 1) : "?",
                              dt ? "使用次级数据" : "未标明数据类型"))))
                return st;
        }
    }
    /* cut-offs by mass */
    const json_t *exs = json_object_get(p, "exchanges");
    double proc_in = 0;
    for (size_t j = 0; j < json_array_size(exs); j++) {
        const json_t *ex = json_array_get(exs, j);
        double m = is_product_input(ex) ? mass_kg(ex) : NAN;
        if (isfinite(m))
            proc_in += m;
    }
    *total_in += proc_in;
    for (size_t j = 0; j < json_array_size(exs); j++) {
        const json_t *ex = json_array_get(exs, j);
        if (!json_is_true(json_object_get(ex, "cutoff")) || !is_product_input(ex))
            continue;
        double m = mass_kg(ex);
        if (!isfinite(m))
            continue;
        *total_cut += m;
        if (have_fp)
            continue;
        res->checks_run++;
        double limit = r->cutoff_input;
        for (size_t k = 0; k < r->n_inputs; k++)
            if (r->inputs[k].cutoff >= 0 && exchange_matches(ex, &r->inputs[k]))
                limit = r->inputs[k].cutoff;
        double share = proc_in > 0 ? m / proc_in : 0;
        if (share > limit + 1e-12) {
            snprintf(path, sizeof path, "processes[%zu].exchanges[%zu]", i, j);
            const char *flow = jstr(ex, "flow") ? jstr(ex, "flow") : "?";
            if ((st = add(res, "cutoff_exceeded", path,
                          fmt("cut-off input \"%s\" is %.2f%% of the mass of process \"%s\"'s "
                              "inputs; the rule allows %.2f%% per input",
                              flow, share * 100, pid, limit * 100),
                          fmt("被舍去的输入“%s”占过程“%s”输入质量的 %.2f%%；规则允许单项 %.2f%%", flow, pid,
                              share * 100, limit * 100))))
                return st;
        }
    }
    return TJ_OK;
}

static tj_status check_cutoff_totals(const svc_rule *r, const json_t *fp, double total_in, double total_cut,
                                     svc_check_result *res)
{
    char path[64];
    tj_status st = TJ_OK;
    if (!fp) {
        if (total_in <= 0)
            return TJ_OK;
        res->checks_run++;
        double share = total_cut / total_in;
        if (share > r->cutoff_total + 1e-12)
            st = add(res, "cutoff_exceeded", "processes",
                     fmt("cut-off inputs are %.2f%% of the mass of all inputs; the rule allows "
                         "%.2f%% in total",
                         share * 100, r->cutoff_total * 100),
                     fmt("被舍去的输入合计占全部输入质量的 %.2f%%；规则允许合计 %.2f%%", share * 100,
                         r->cutoff_total * 100));
        return st;
    }
    const json_t *cuts = json_object_get(fp, "cutoffs");
    for (size_t k = 0; !st && k < json_array_size(cuts); k++) {
        const json_t *c = json_array_get(cuts, k);
        json_t *sh = json_object_get(c, "share");
        if (!json_is_number(sh))
            continue;
        res->checks_run++;
        double share = json_number_value(sh);
        if (share > r->cutoff_input + 1e-12) {
            snprintf(path, sizeof path, "cutoffs[%zu]", k);
            const char *flow = jstr(c, "flow") ? jstr(c, "flow") : "?";
            st = add(res, "cutoff_exceeded", path,
                     fmt("cut-off flow \"%s\" is estimated at %.2f%% of the result; the rule "
                         "allows %.2f%% per input",
                         flow, share * 100, r->cutoff_input * 100),
                     fmt("被舍去的流“%s”估计占结果的 %.2f%%；规则允许单项 %.2f%%", flow, share * 100,
                         r->cutoff_input * 100));
        }
    }
    json_t *cs = json_object_get(fp, "cutoff_share");
    if (!st && json_is_number(cs)) {
        res->checks_run++;
        double share = json_number_value(cs);
        if (share > r->cutoff_total + 1e-12)
            st = add(res, "cutoff_exceeded", "cutoff_share",
                     fmt("cut-off flows are estimated at %.2f%% of the result; the rule allows "
                         "%.2f%% in total",
                         share * 100, r->cutoff_total * 100),
                     fmt("被舍去的流估计合计占结果的 %.2f%%；规则允许合计 %.2f%%", share * 100,
                         r->cutoff_total * 100));
    }
    return st;
}

tj_status svc_check_model(const svc_rule *r, const json_t *model, const json_t *fp, svc_check_result *res,
                          tj_error *err)
{
    memset(res, 0, sizeof *res);
    if (!json_is_object(model))
        return tj_error_set(err, TJ_ERR_INPUT, "", "a model must be a JSON object");
    const json_t *procs = json_object_get(model, "processes");
    if (!json_is_array(procs))
        return tj_error_set(err, TJ_ERR_INPUT, "processes",
                            "the model has no \"processes\" array (is this a tanji model file?)");
    if (fp && !json_is_object(fp))
        return tj_error_set(err, TJ_ERR_INPUT, "", "the footprint result must be a JSON object");
    double total_in = 0, total_cut = 0;
    tj_status st = check_unit(r, json_object_get(model, "product"), res);
    if (!st)
        st = check_stages(r, procs, res);
    if (!st)
        st = check_inputs(r, procs, res);
    for (size_t i = 0; !st && i < json_array_size(procs); i++)
        st = check_process(r, json_array_get(procs, i), i, fp != NULL, &total_in, &total_cut, res);
    if (!st)
        st = check_cutoff_totals(r, fp, total_in, total_cut, res);
    if (st) {
        svc_check_result_release(res);
        return tj_error_set(err, st, NULL, "out of memory");
    }
    return TJ_OK;
}

json_t *svc_check_to_json(const svc_rule *r, const char *model_name, const svc_check_result *res)
{
    json_t *viol = json_array();
    json_t *o =
        json_pack("{s:{s:s, s:s, s:b, s:{s:s, s:s}, s:s}, s:s, s:b, s:i, s:o}", "rule", "id", r->id,
                  "version", r->version, "template", r->is_template, "title", "zh", r->title_zh, "en",
                  r->title_en, "status", svc_status_name(r->status), "model", model_name ? model_name : "",
                  "conforms", res->n == 0, "checks_run", res->checks_run, "violations", viol);
    if (!o)
        return NULL;
    for (size_t i = 0; i < res->n; i++)
        json_array_append_new(viol, json_pack("{s:s, s:s, s:s, s:s}", "code", res->v[i].code, "path",
                                              res->v[i].path, "message", res->v[i].message, "message_zh",
                                              res->v[i].message_zh));
    return o;
}

tj_status svc_check_pick_rule(const svc_ruleset *set, const json_t *model, const char *ref, const char *region,
                              int include_drafts, int zh, const svc_rule **out, char **why, tj_error *err)
{
    *out = NULL;
    if (why)
        *why = NULL;
    if (ref) {
        if (!(*out = svc_ruleset_get(set, ref)))
            return tj_error_set(err, TJ_ERR_NOTFOUND, "rule", "no rule \"%s\" (see tanji rule list) / 规则不存在", ref);
        return TJ_OK;
    }
    const json_t *prod = json_object_get(model, "product");
    const char *cat = json_string_value(json_object_get(prod, "category"));
    if (!cat)
        return tj_error_set(err, TJ_ERR_USAGE, "product.category",
                            "the model has no product.category: name the rule / 模型未给出产品类别，请指定规则");
    const char *geo = json_string_value(json_object_get(prod, "geography"));
    const char *code = region ? svc_rule_region_code(region) : svc_rule_region_code(geo);
    if (region && !code)
        return tj_error_set(err, TJ_ERR_USAGE, "region", "%s is neither a GB/T 2260 code nor CN-XX / 地区代码无效",
                            region);
    svc_rule_verdict *v = NULL;
    size_t n = 0;
    tj_status rc = svc_rules_find(set, cat, code, NULL, include_drafts, &v, &n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (v[i].reason == SVC_APPLIES && !strcmp(v[i].rule->category, cat)) {
            *out = v[i].rule;
            if (why) {
                char buf[512];
                const char *e = svc_verdict_explain(&v[i], code, zh, buf, sizeof buf);
                size_t len = strlen(e) + strlen(v[i].rule->id) + strlen(v[i].rule->version) + 8;
                if ((*why = malloc(len)))
                    snprintf(*why, len, "%s@%s: %s", v[i].rule->id, v[i].rule->version, e);
            }
            free(v);
            return TJ_OK;
        }
    free(v);
    return tj_error_set(err, TJ_ERR_NOTFOUND, "product.category",
                        "no rule applies to product category \"%s\"%s%s (see tanji rule find; drafts let the "
                        "templates apply) / 没有适用于该产品类别的规则",
                        cat, code ? " in region " : "", code ? code : "");
}

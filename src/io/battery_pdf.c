/* The battery declaration as a report document and PDF; see io/declare_out.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/declare_out.h"

typedef struct bb {
    io_report *r;
    int oom;
} bb;

static char *dup(bb *b, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        b->oom = 1;
    return d;
}

static char *fmtd(bb *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static char *fmtd(bb *b, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0) {
        s = NULL;
        b->oom = 1;
    }
    va_end(ap);
    return s;
}

static char *num(bb *b, double v)
{
    char buf[64];
    return dup(b, io_fmt_num(v, buf, sizeof buf));
}

static io_section *section(bb *b, const char *id, const char *title)
{
    io_report *r = b->r;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        io_section *s = realloc(r->sections, cap * sizeof *s);
        if (!s) {
            b->oom = 1;
            return NULL;
        }
        r->sections = s;
        r->cap = cap;
    }
    io_section *s = &r->sections[r->n++];
    memset(s, 0, sizeof *s);
    s->id = dup(b, id);
    s->title = dup(b, title);
    return s;
}

static io_block *block(bb *b, io_section *s, io_block_kind kind, size_t ncols)
{
    if (!s)
        return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4;
        io_block *x = realloc(s->blocks, cap * sizeof *x);
        if (!x) {
            b->oom = 1;
            return NULL;
        }
        s->blocks = x;
        s->cap = cap;
    }
    io_block *k = &s->blocks[s->n++];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->ncols = ncols;
    return k;
}

static void text(bb *b, io_section *s, io_block_kind kind, char *owned)
{
    io_block *k = block(b, s, kind, 0);
    if (k)
        k->text = owned;
    else
        free(owned);
}

/* Append a row of ncols owned cells. */
static void row(bb *b, io_block *k, char **cells, size_t n)
{
    if (!k || k->ncols != n) {
        for (size_t i = 0; i < n; i++)
            free(cells[i]);
        return;
    }
    char **c = realloc(k->cells, (k->nrows + 1) * k->ncols * sizeof *c);
    if (!c) {
        b->oom = 1;
        for (size_t i = 0; i < k->ncols; i++)
            free(cells[i]);
        return;
    }
    k->cells = c;
    for (size_t i = 0; i < k->ncols; i++)
        c[k->nrows * k->ncols + i] = cells[i];
    k->nrows++;
}

static void kv(bb *b, io_block *k, const char *key, char *owned)
{
    char *cells[2] = {dup(b, key), owned};
    row(b, k, cells, 2);
}

static const char *js(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "—";
}

static double jn(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static void stage_table(bb *b, io_section *s, const json_t *stages, double total, double per_pack)
{
    io_block *t = block(b, s, IO_BLOCK_TABLE, 4);
    if (!t)
        return;
    t->right_mask = 0x6;
    char *h[4] = {dup(b, "阶段 Stage"), dup(b, "kg CO2e/kWh"), dup(b, "kg CO2e/包 pack"),
                  dup(b, "模型阶段 model stage")};
    row(b, t, h, 4);
    size_t i;
    const json_t *st;
    json_array_foreach(stages, i, st)
    {
        char *c[4] = {fmtd(b, "%s %s", js(st, "name_zh"), js(st, "name_en")),
                      num(b, jn(st, "kg_co2e_per_kwh")), num(b, jn(st, "kg_co2e_per_pack")),
                      dup(b, js(st, "model_stage"))};
        row(b, t, c, 4);
    }
    char *c[4] = {dup(b, "合计 Total"), num(b, total), num(b, per_pack), dup(b, "")};
    row(b, t, c, 4);
}

tj_status io_battery_report(const json_t *d, io_report **out, tj_error *err)
{
    *out = NULL;
    const json_t *bat = json_object_get(d, "battery"), *en = json_object_get(d, "total_energy"),
                 *calc = json_object_get(d, "calculation"), *miit = json_object_get(d, "miit"),
                 *eu = json_object_get(d, "eu");
    if (!json_is_object(bat) || !json_is_object(en) || !json_is_object(calc) || !json_is_object(miit) ||
        !json_is_object(eu))
        return tj_error_set(err, TJ_ERR_INPUT, NULL,
                            "not a tanji battery declaration (battery, total_energy, "
                            "calculation, miit, eu expected)");
    bb b = {0};
    b.r = calloc(1, sizeof *b.r);
    if (!b.r)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    io_report *r = b.r;
    r->zh = 1;
    r->title = dup(&b, "汽车动力电池碳足迹申报");
    r->subtitle =
        fmtd(&b, "%s · %s · %s", js(bat, "manufacturer"), js(bat, "battery_model"), js(bat, "plant"));
    char nb[64];
    r->total = fmtd(&b, "%s kg CO2e/kWh", io_fmt_num(jn(miit, "kg_co2e_per_kwh"), nb, sizeof nb));
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    r->generated = dup(&b, ts);
    r->example = json_is_true(json_object_get(d, "example"));
    if (r->example)
        r->banner = dup(&b, "示例数据，非真实申报 · EXAMPLE data, not a real declaration");

    io_section *s = section(&b, "declarant", "申报信息 Declaration");
    io_block *k = block(&b, s, IO_BLOCK_KV, 2);
    kv(&b, k, "依据 Basis", dup(&b, js(miit, "scheme")));
    kv(&b, k, "申报主体 Declarant", dup(&b, js(bat, "manufacturer")));
    kv(&b, k, "电池包型号 Pack model", dup(&b, js(bat, "battery_model")));
    kv(&b, k, "生产工厂 Plant", dup(&b, js(bat, "plant")));
    kv(&b, k, "电池类别 Category", dup(&b, js(bat, "category")));
    kv(&b, k, "化学体系 Chemistry", dup(&b, js(bat, "chemistry")));
    kv(&b, k, "额定能量 Rated energy",
       fmtd(&b, "%s kWh", io_fmt_num(jn(bat, "rated_energy_kwh"), nb, sizeof nb)));
    kv(&b, k, "申报编号 Declaration id", dup(&b, js(bat, "declaration_id")));
    kv(&b, k, "适用范围 Scope",
       fmtd(&b, "%s（%s）", js(miit, "scope"),
            json_is_true(json_object_get(miit, "in_scope")) ? "在范围内 in scope"
                                                            : "不在范围内 out of scope"));
    kv(&b, k, "时间安排 Timeline", dup(&b, js(miit, "timeline")));

    s = section(&b, "energy", "全生命周期总能量 Total energy over the life");
    k = block(&b, s, IO_BLOCK_KV, 2);
    kv(&b, k, "功能单位 Functional unit", dup(&b, js(miit, "functional_unit")));
    kv(&b, k, "方法 Method", dup(&b, js(en, "method")));
    kv(&b, k, "公式 Formula", dup(&b, js(en, "formula")));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(en, "inputs"), key, v)
        kv(&b, k, key, num(&b, json_number_value(v)));
    kv(&b, k, "总能量 Total energy",
       fmtd(&b, "%s kWh", io_fmt_num(jn(en, "total_energy_kwh"), nb, sizeof nb)));
    kv(&b, k, "数据来源 Source", dup(&b, js(en, "source")));
    text(&b, s, IO_BLOCK_NOTE, dup(&b, js(en, "status")));

    s = section(&b, "result", "碳足迹（四阶段）Carbon footprint by stage");
    text(&b, s, IO_BLOCK_PARA,
         dup(&b, "按工信厅通装函〔2025〕551号：材料获取、电池制造、分销运输、回收利用四个阶段的排放总量除以电"
                 "池包全生命周期提供的总能量。"));
    stage_table(&b, s, json_object_get(miit, "stages"), jn(miit, "kg_co2e_per_kwh"),
                jn(miit, "kg_co2e_per_pack"));

    s = section(&b, "eu", "欧盟电池法规第 7 条 EU Regulation 2023/1542 Art. 7");
    text(&b, s, IO_BLOCK_PARA,
         dup(&b,
             "同一模型、同一次计算，按欧盟法规的生命周期阶段列示。Same model and calculation, EU stages."));
    stage_table(&b, s, json_object_get(eu, "stages"), jn(eu, "kg_co2e_per_kwh"), jn(eu, "kg_co2e_per_pack"));
    k = block(&b, s, IO_BLOCK_KV, 2);
    kv(&b, k, "公开研究报告 Study", dup(&b, js(eu, "study_url")));
    kv(&b, k, "性能等级 Performance class", dup(&b, "未分级（授权法案未定）not assigned"));
    text(&b, s, IO_BLOCK_NOTE, dup(&b, js(json_object_get(eu, "delegated_act"), "status")));

    s = section(&b, "basis", "计算依据 Calculation");
    k = block(&b, s, IO_BLOCK_KV, 2);
    kv(&b, k, "模型 Model", fmtd(&b, "%s / %s", js(calc, "model_name_zh"), js(calc, "model_name_en")));
    kv(&b, k, "系统边界 Boundary", dup(&b, js(calc, "boundary")));
    kv(&b, k, "GWP", dup(&b, js(calc, "gwp")));
    kv(&b, k, "每包排放 kg CO2e per pack", num(&b, jn(calc, "kg_co2e_per_pack")));
    kv(&b, k, "未计入的使用阶段 Use stage excluded",
       num(&b, jn(calc, "excluded_use_stage_kg_co2e_per_pack")));
    kv(&b, k, "输入摘要 Inputs digest (SHA-256)", dup(&b, js(calc, "inputs_digest")));
    kv(&b, k, "来源 Source", dup(&b, js(miit, "source")));
    size_t i;
    json_array_foreach(json_object_get(d, "notes"), i, v)
        text(&b, s, IO_BLOCK_NOTE, dup(&b, json_string_value(v)));

    if (b.oom) {
        io_report_free(r);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    *out = r;
    return TJ_OK;
}

tj_status io_battery_pdf(const json_t *decl, const char *path, tj_error *err)
{
    io_report *r;
    tj_status st = io_battery_report(decl, &r, err);
    if (st)
        return st;
    st = io_report_write_pdf(r, path, err);
    io_report_free(r);
    return st;
}

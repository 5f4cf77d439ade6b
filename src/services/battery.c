/* Battery carbon footprint declarations (MIIT 551 and EU 2023/1542 Art. 7)
 * from one calculation; see services/battery.h and docs/battery.md. */
#include "services/battery.h"

#include <math.h>
#include <string.h>

#include "services/declare_json.h"
#include "tanji/units.h"

/* Where each scheme's facts come from (shared/reference/FACTS.md sections 9
 * and research-2026-12.md section 1 and 3). */
#define SRC_MIIT                                                                                             \
    "工信厅通装函〔2025〕551号 (MIIT, 2025-12-30), as reported by Xinhua 2025-12-31 "               \
    "(https://www.yuhaojiang.com/redian/1441623.html, reprint): footprint = emissions of materials, "        \
    "battery "                                                                                               \
    "manufacture, distribution and recycling / total energy the pack provides over its life; rated energy "  \
    "> 2 kWh"
#define SRC_EU                                                                                               \
    "Regulation (EU) 2023/1542 Art. 7 (FACTS.md section 9): kg CO2e per kWh of total energy over the "       \
    "expected "                                                                                              \
    "service life; stages raw material acquisition and pre-processing, main product production, "            \
    "distribution, "                                                                                         \
    "end of life and recycling"
#define EU_DA_STATUS                                                                                         \
    "The carbon-footprint methodology delegated act under Art. 7 is not final (draft Ares(2024)3131389 of "  \
    "2024-04-29; no Official Journal number found as of 2026-12, research-2026-12.md section 3). tanji "     \
    "applies "                                                                                               \
    "no rule of the draft as law: the total-energy formula and every parameter below are the declarant's "   \
    "input; "                                                                                                \
    "performance classes are not assigned. "                                                                 \
    "欧盟碳足迹核算方法授权法案尚未最终通过：总能量公式与参数均为申报方输入，未分级。"

typedef struct scheme_stage {
    calc_stage model;
    const char *key, *zh, *en;
} scheme_stage;

static const scheme_stage miit_stages[] = {
    {CALC_STAGE_RAW_MATERIALS, "materials", "材料获取", "materials acquisition"},
    {CALC_STAGE_PRODUCTION, "manufacture", "电池制造（电芯与电池包）", "cell and pack manufacture"},
    {CALC_STAGE_DISTRIBUTION, "distribution", "分销运输", "distribution"},
    {CALC_STAGE_END_OF_LIFE, "recycling", "回收利用", "recycling"},
};
static const scheme_stage eu_stages[] = {
    {CALC_STAGE_RAW_MATERIALS, "raw_material_acquisition_and_pre_processing", "原材料获取与预处理",
     "raw material acquisition and pre-processing"},
    {CALC_STAGE_PRODUCTION, "main_product_production", "主要产品生产", "main product production"},
    {CALC_STAGE_DISTRIBUTION, "distribution", "分销", "distribution"},
    {CALC_STAGE_END_OF_LIFE, "end_of_life_and_recycling", "报废与回收", "end of life and recycling"},
};
#define NSCHEME 4

/* ---- input ---------------------------------------------------------- */

typedef struct spec {
    const char *manufacturer, *manufacturer_en, *manufacturer_address;
    const char *model, *plant, *plant_address, *category, *chemistry, *study_url, *declaration_id;
    double rated_kwh, usable_kwh;
    int have_usable, example;
    const char *method, *energy_source;
    double fec_per_year, years, cycles, declared_kwh;
    double total_kwh;
} spec;

static tj_status party(const json_t *b, const char *key, const char **name, const char **name_en,
                       const char **address, tj_error *err)
{
    static const char *const keys[] = {"name", "name_en", "address", NULL};
    char p[DJ_PATH_MAX + 64];
    dj_path_key(p, "", key);
    const json_t *o = json_object_get(b, key);
    if (!o)
        return tj_error_set(err, TJ_ERR_INPUT, p, "missing required key / 缺少必填项");
    tj_status st;
    if ((st = dj_object(o, keys, p, err)) || (st = dj_str(o, "name", 1, p, name, err)) ||
        (st = dj_str(o, "address", 0, p, address, err)))
        return st;
    return dj_str(o, "name_en", 0, p, name_en, err);
}

static tj_status parse_spec(const json_t *b, spec *s, tj_error *err)
{
    static const char *const keys[] = {
        "tanji_battery",  "example",   "note",         "manufacturer",  "battery_model", "plant",
        "category",       "chemistry", "rated_energy", "usable_energy", "total_energy",  "study_url",
        "declaration_id", NULL};
    static const char *const ekeys[] = {"method",
                                        "full_equivalent_cycles_per_year",
                                        "service_life_years",
                                        "cycles",
                                        "amount",
                                        "unit",
                                        "source",
                                        NULL};
    memset(s, 0, sizeof *s);
    tj_status st;
    const char *note;
    if ((st = dj_object(b, keys, "", err)))
        return st;
    json_t *ver = json_object_get(b, "tanji_battery");
    if (ver && !(json_is_integer(ver) && json_integer_value(ver) == 1))
        return tj_error_set(err, TJ_ERR_INPUT, "tanji_battery", "format version must be 1");
    const char *plant_en = NULL;
    if ((st = dj_bool(b, "example", 0, "", &s->example, err)) ||
        (st = dj_str(b, "note", 0, "", &note, err)) ||
        (st = party(b, "manufacturer", &s->manufacturer, &s->manufacturer_en, &s->manufacturer_address,
                    err)) ||
        (st = dj_str(b, "battery_model", 1, "", &s->model, err)) ||
        (st = party(b, "plant", &s->plant, &plant_en, &s->plant_address, err)) ||
        (st = dj_str(b, "category", 1, "", &s->category, err)) ||
        (st = dj_str(b, "chemistry", 0, "", &s->chemistry, err)) ||
        (st = dj_str(b, "study_url", 1, "", &s->study_url, err)) ||
        (st = dj_str(b, "declaration_id", 0, "", &s->declaration_id, err)))
        return st;
    (void)plant_en;
    if (strcmp(s->category, "ev") && strcmp(s->category, "lmt") && strcmp(s->category, "industrial"))
        return tj_error_set(
            err, TJ_ERR_INPUT, "category",
            "\"%.40s\" is not a battery category: ev (electric vehicle), lmt (light means of transport) "
            "or industrial / 电池类别须为 ev、lmt 或 industrial",
            s->category);
    if (strncmp(s->study_url, "https://", 8) && strncmp(s->study_url, "http://", 7))
        return tj_error_set(err, TJ_ERR_INPUT, "study_url",
                            "must be an http(s) URL of the public study / 须为公开研究报告的网址");
    if ((st = dj_qty(b, "rated_energy", 1, 1, "kWh", "", &s->rated_kwh, NULL, err)) ||
        (st = dj_qty(b, "usable_energy", 0, 1, "kWh", "", &s->usable_kwh, &s->have_usable, err)))
        return st;
    const json_t *te = json_object_get(b, "total_energy");
    if (!te)
        return tj_error_set(
            err, TJ_ERR_INPUT, "total_energy",
            "missing: the total energy the pack delivers over its life is the denominator of both "
            "declarations / 缺少全生命周期总能量数据");
    if ((st = dj_object(te, ekeys, "total_energy", err)) ||
        (st = dj_str(te, "method", 1, "total_energy", &s->method, err)) ||
        (st = dj_str(te, "source", 1, "total_energy", &s->energy_source, err)))
        return st;
    /* only the keys of the chosen method */
    const char *allowed[4] = {NULL};
    if (!strcmp(s->method, "annual_cycles")) {
        allowed[0] = "full_equivalent_cycles_per_year";
        allowed[1] = "service_life_years";
    } else if (!strcmp(s->method, "cycle_life")) {
        allowed[0] = "cycles";
    } else if (!strcmp(s->method, "declared")) {
        allowed[0] = "amount";
        allowed[1] = "unit";
    } else
        return tj_error_set(err, TJ_ERR_INPUT, "total_energy.method",
                            "\"%.40s\" is not a method: annual_cycles, cycle_life or declared", s->method);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)te, key, v)
    {
        if (!strcmp(key, "method") || !strcmp(key, "source"))
            continue;
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            ok |= !strcmp(allowed[i], key);
        if (!ok) {
            char p[DJ_PATH_MAX + 64];
            dj_path_key(p, "total_energy", key);
            return tj_error_set(err, TJ_ERR_INPUT, p, "does not belong to method \"%s\"", s->method);
        }
    }
    if (!strcmp(s->method, "declared")) {
        /* {"method": "declared", "amount": x, "unit": "kWh"} reads like a quantity */
        json_t *q = json_pack("{s:O?,s:O?}", "amount", json_object_get(te, "amount"), "unit",
                              json_object_get(te, "unit"));
        json_t *w = json_pack("{s:o}", "total_energy", q);
        if (!w)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        st = dj_qty(w, "total_energy", 1, 1, "kWh", "", &s->declared_kwh, NULL, err);
        json_decref(w);
        if (st)
            return st;
        s->total_kwh = s->declared_kwh;
    } else {
        if (!s->have_usable)
            return tj_error_set(err, TJ_ERR_INPUT, "usable_energy",
                                "missing: method \"%s\" multiplies the usable energy at beginning of life / "
                                "缺少可用能量（该方法需要）",
                                s->method);
        if (!strcmp(s->method, "annual_cycles")) {
            if ((st = dj_num(te, "full_equivalent_cycles_per_year", 1, 0, 1, "total_energy", &s->fec_per_year,
                             NULL, err)) ||
                (st = dj_num(te, "service_life_years", 1, 0, 1, "total_energy", &s->years, NULL, err)))
                return st;
            s->total_kwh = s->usable_kwh * s->fec_per_year * s->years;
        } else {
            if ((st = dj_num(te, "cycles", 1, 0, 1, "total_energy", &s->cycles, NULL, err)))
                return st;
            s->total_kwh = s->usable_kwh * s->cycles;
        }
    }
    if (!isfinite(s->total_kwh) || !(s->total_kwh > 0))
        return tj_error_set(err, TJ_ERR_INPUT, "total_energy",
                            "the total energy is not a positive finite number");
    return TJ_OK;
}

tj_status svc_battery_check(const json_t *battery, tj_error *err)
{
    spec s;
    return parse_spec(battery, &s, err);
}

/* ---- output --------------------------------------------------------- */

static int set(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v ? v : json_null());
}

static json_t *stages_json(const scheme_stage *st, const double *stage_kg, double kwh, double *sum)
{
    json_t *a = json_array();
    *sum = 0;
    for (int i = 0; a && i < NSCHEME; i++) {
        double kg = stage_kg[st[i].model];
        *sum += kg;
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:f,s:f}", "key", st[i].key, "name_zh", st[i].zh,
                                           "name_en", st[i].en, "model_stage", calc_stage_key(st[i].model),
                                           "kg_co2e_per_pack", kg, "kg_co2e_per_kwh", kg / kwh));
    }
    return a;
}

tj_status svc_battery_from_calculation(const svc_calculation *c, const json_t *battery, json_t **out,
                                       tj_error *err)
{
    *out = NULL;
    spec s;
    tj_status st = parse_spec(battery, &s, err);
    if (st)
        return st;
    const io_model *m = c->model;
    const tj_unit *u = tj_unit_find(m->unit);
    if (!u || u->dim != TJ_DIM_ITEMS)
        return tj_error_set(
            err, TJ_ERR_INPUT, "product.unit",
            "the model's product unit is \"%s\"; a battery declaration needs the footprint of whole "
            "packs (a unit counted in items, e.g. \"piece\") / 模型产品单位须为件（电池包）",
            m->unit ? m->unit : "");
    double packs = m->amount * u->to_base;
    if (!(packs > 0) || !isfinite(packs))
        return tj_error_set(err, TJ_ERR_INPUT, "product.amount", "must be a positive number of packs");
    double stage_kg[CALC_STAGE_COUNT];
    for (int i = 0; i < CALC_STAGE_COUNT; i++)
        stage_kg[i] = c->res->stage[i] / packs;
    double per_pack = c->res->total / packs;
    double kwh = s.total_kwh;

    json_t *notes = json_array();
    if (m->boundary && strcmp(m->boundary, "cradle-to-grave"))
        json_array_append_new(notes,
                              json_string("The model's boundary is cradle-to-gate: distribution and end of "
                                          "life are not modelled, so those stages are 0. "
                                          "模型边界为摇篮到大门：分销与回收阶段未建模，计为 0。"));
    if (stage_kg[CALC_STAGE_USE] != 0)
        json_array_append_new(
            notes, json_string("The model has use-stage emissions; neither scheme has a use stage, so "
                               "they are excluded from both declarations (excluded_use_stage). "
                               "模型含使用阶段排放，两种申报均不计入。"));
    if (s.have_usable && s.usable_kwh > s.rated_kwh)
        json_array_append_new(
            notes, json_string(
                       "usable energy exceeds rated energy: check the data. 可用能量大于额定能量，请核对。"));
    if (s.example)
        json_array_append_new(notes,
                              json_string("EXAMPLE data, not a real declaration. 示例数据，非真实申报。"));

    const char *formula = !strcmp(s.method, "annual_cycles")
                              ? "usable_energy_kwh × full_equivalent_cycles_per_year × service_life_years"
                          : !strcmp(s.method, "cycle_life") ? "usable_energy_kwh × cycles"
                                                            : "declared amount";
    const char *method_status =
        !strcmp(s.method, "annual_cycles")
            ? "Shape of the draft EU delegated act (FACTS.md section 9, UNVERIFIED, not final); the cycles "
              "per year "
              "and years are the declarant's input, not a rule. 欧盟草案形式（未定稿），参数为申报方输入。"
        : !strcmp(s.method, "cycle_life") ? "The declarant's choice: the MIIT rule's own formula for the "
                                            "life-time energy was not found in the "
                                            "sources tanji has; check it against the MIIT accounting rule. "
                                            "申报方选择；工信部规则中的总能量公式未找到原文，需核对。"
                                          : "Given by the declarant with its source. 申报方直接给出。";
    json_t *energy = json_pack("{s:s,s:s,s:s,s:f,s:s}", "method", s.method, "formula", formula, "source",
                               s.energy_source, "total_energy_kwh", kwh, "status", method_status);
    json_t *ein = json_object();
    set(ein, "rated_energy_kwh", json_real(s.rated_kwh));
    if (s.have_usable)
        set(ein, "usable_energy_kwh", json_real(s.usable_kwh));
    if (!strcmp(s.method, "annual_cycles")) {
        set(ein, "full_equivalent_cycles_per_year", json_real(s.fec_per_year));
        set(ein, "service_life_years", json_real(s.years));
    } else if (!strcmp(s.method, "cycle_life"))
        set(ein, "cycles", json_real(s.cycles));
    else
        set(ein, "declared_total_energy_kwh", json_real(s.declared_kwh));
    set(energy, "inputs", ein);

    json_t *by_stage = json_object();
    for (int i = 0; i < CALC_STAGE_COUNT; i++)
        set(by_stage, calc_stage_key((calc_stage)i), json_real(stage_kg[i]));
    json_t *calc =
        json_pack("{s:s?,s:s?,s:s,s:s?,s:s,s:f,s:f,s:f,s:o,s:f}", "model_name_zh", m->name_zh,
                  "model_name_en", m->name_en, "inputs_digest", m->inputs_digest, "boundary", m->boundary,
                  "gwp", c->gwp == TJ_GWP_AR5 ? "AR5" : "AR6", "product_amount", m->amount, "packs", packs,
                  "kg_co2e_per_pack", per_pack, "by_stage_kg_co2e_per_pack", by_stage,
                  "excluded_use_stage_kg_co2e_per_pack", stage_kg[CALC_STAGE_USE]);
    json_t *mapping = json_array();
    for (int i = 0; i < NSCHEME; i++)
        json_array_append_new(mapping,
                              json_pack("{s:s,s:s,s:s}", "model_stage", calc_stage_key(miit_stages[i].model),
                                        "miit", miit_stages[i].key, "eu", eu_stages[i].key));
    json_array_append_new(mapping, json_pack("{s:s,s:n,s:n}", "model_stage", "use", "miit", "eu"));

    double miit_sum, eu_sum;
    json_t *miit_st = stages_json(miit_stages, stage_kg, kwh, &miit_sum);
    json_t *eu_st = stages_json(eu_stages, stage_kg, kwh, &eu_sum);
    int miit_scope = !strcmp(s.category, "ev") && s.rated_kwh > 2;
    int eu_scope = strcmp(s.category, "industrial") || s.rated_kwh > 2;
    json_t *miit = json_pack(
        "{s:s,s:s,s:b,s:s,s:s,s:s,s:s?,s:s,s:f,s:f,s:o,s:s,s:s}", "scheme", "工信厅通装函〔2025〕551号",
        "title_zh", "汽车动力电池碳足迹申报", "in_scope", miit_scope, "scope",
        "在中国境内销售、额定能量大于 2 kWh 的汽车动力电池；电池包生产企业申报 (vehicle traction batteries "
        "sold in "
        "China with rated energy > 2 kWh; the pack maker declares)",
        "declarant", s.manufacturer, "battery_model", s.model, "plant", s.plant, "functional_unit",
        "1 kWh 动力电池包全生命周期提供的总能量 (1 kWh of total energy delivered over the pack's life)",
        "kg_co2e_per_kwh", miit_sum / kwh, "kg_co2e_per_pack", miit_sum, "stages", miit_st, "timeline",
        "试运行至 2026-12-31（每家不少于 5 款典型电池包，第三方核查报告）；自 2027-01-01 常态化申报",
        "source", SRC_MIIT);
    json_t *eu = json_pack(
        "{s:s,s:b,s:s,s:s?,s:s?,s:s,s:s,s:s?,s:s,s:f,s:f,s:o,s:s,s:{s:b,s:s},s:n,s:s}", "regulation",
        "Regulation (EU) 2023/1542, Article 7", "in_scope", eu_scope, "manufacturer", s.manufacturer,
        "manufacturer_name_en", s.manufacturer_en, "manufacturer_address", s.manufacturer_address,
        "battery_model", s.model, "plant", s.plant, "plant_address", s.plant_address, "functional_unit",
        "1 kWh of total energy delivered over the expected service life", "kg_co2e_per_kwh", eu_sum / kwh,
        "kg_co2e_per_pack", eu_sum, "stages", eu_st, "study_url", s.study_url, "delegated_act", "final", 0,
        "status", EU_DA_STATUS, "performance_class", "source", SRC_EU);
    json_t *bat = json_pack("{s:s,s:s?,s:s,s:s,s:s?,s:s,s:s?,s:f}", "manufacturer", s.manufacturer,
                            "manufacturer_name_en", s.manufacturer_en, "battery_model", s.model, "plant",
                            s.plant, "chemistry", s.chemistry, "category", s.category, "declaration_id",
                            s.declaration_id, "rated_energy_kwh", s.rated_kwh);
    json_t *o =
        json_pack("{s:s,s:i,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "tanji_declaration", "battery", "version", 1,
                  "example", s.example, "battery", bat, "total_energy", energy, "calculation", calc,
                  "stage_mapping", mapping, "miit", miit, "eu", eu, "notes", notes);
    if (!o)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    *out = o;
    return TJ_OK;
}

tj_status svc_battery_declare(svc_ctx *ctx, const svc_calc_request *rq, const json_t *battery, json_t **out,
                              tj_error *err)
{
    *out = NULL;
    tj_status st;
    if (ctx && (st = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "battery declaration", err)))
        return st;
    /* the declaration data first: missing energy data fails before any work */
    if ((st = svc_battery_check(battery, err)))
        return st;
    svc_calculation c = {0};
    if ((st = svc_calculate(ctx, rq, &c, err)))
        return st;
    st = svc_battery_from_calculation(&c, battery, out, err);
    svc_calculation_release(&c);
    return st;
}

/* EU CBAM specific embedded emissions and the exporter's communication; see
 * services/cbam.h and docs/cbam.md. */
#include "services/cbam.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services/declare_json.h"
#include "tanji/parse.h"

#define MAX_GOODS 10000
#define MAX_PRECURSORS 1000
#define MAX_DELIVERIES 100000

#define RULE_DIRECT_ONLY                                                                                     \
    "direct emissions only: Reg. (EU) 2023/956 Annex II (iron and steel, aluminium, hydrogen), "             \
    "research-2026-12.md "                                                                                   \
    "section 3"
#define RULE_DIRECT_INDIRECT                                                                                 \
    "direct and indirect emissions (cement, fertilisers), research-2026-12.md section 3"

typedef enum { SEC_CEMENT, SEC_IRON_STEEL, SEC_ALUMINIUM, SEC_FERTILISERS, SEC_HYDROGEN, SEC_N } sector;
static const char *const sector_keys[SEC_N] = {"cement", "iron_steel", "aluminium", "fertilisers",
                                               "hydrogen"};

/* Sector parameters of the communication template (research-2026-12.md
 * section 3); *_pct are percentages 0..100. */
static const char *const params_iron_steel[] = {"reducing_agent", "mill_id",       "mn_pct",
                                                "cr_pct",         "ni_pct",        "other_alloys_pct",
                                                "carbon_pct",     "scrap_t_per_t", NULL};
static const char *const params_aluminium[] = {"scrap_t_per_t", "pre_consumer_scrap_pct",
                                               "non_aluminium_alloys_pct", NULL};
static const char *const params_cement[] = {"clinker_factor", "calcined_clay", NULL};
static const char *const params_fertilisers[] = {"n_total_pct",
                                                 "n_ammonium_pct",
                                                 "n_nitrate_pct",
                                                 "n_urea_pct",
                                                 "n_organic_pct",
                                                 "nitric_acid_pct",
                                                 "urea_pct",
                                                 "solution_concentration_pct",
                                                 NULL};
static const char *const params_hydrogen[] = {NULL};
static const char *const *const sector_params[SEC_N] = {params_cement, params_iron_steel, params_aluminium,
                                                        params_fertilisers, params_hydrogen};

static int direct_only(sector s)
{
    return s == SEC_IRON_STEEL || s == SEC_ALUMINIUM || s == SEC_HYDROGEN;
}

typedef struct efactor {
    const char *id, *unit, *source;
    double t_per_mwh;
} efactor;

typedef struct precursor {
    int good; /* index of an installation good, or -1 */
    const char *name, *source;
    char cn[11];
    double amount_t;
    double see_dir, see_ind; /* bought-in precursors */
    int is_default;
} precursor;

typedef struct good {
    const char *id, *name, *route, *process, *category;
    char cn[11];
    sector sec;
    int precursor_only;
    int uses_default;
    const char *default_source;
    double al_t, direct_t, elec_mwh;
    int ef; /* index into efactors, -1 none */
    precursor *pre;
    size_t npre;
    const json_t *params, *price;
    /* results */
    int state; /* 0 new, 1 in progress, 2 done */
    double see_dir, see_ind, def_dir, def_ind;
} good;

typedef struct cbam {
    const json_t *in;
    efactor *ef;
    size_t nef;
    good *g;
    size_t ng;
    json_t *index; /* good id -> its index in g (a hash table) */
} cbam;

static void cbam_release(cbam *c)
{
    for (size_t i = 0; i < c->ng; i++)
        free(c->g[i].pre);
    free(c->g);
    free(c->ef);
    json_decref(c->index);
}

tj_status svc_cbam_cn_code(const char *s, const char *path, char out[11], tj_error *err)
{
    char d[9];
    size_t n = 0, len = strlen(s);
    /* "72085120" or "7208 51 20" (spaces only between the groups) */
    if (len == 8) {
        for (size_t i = 0; i < 8; i++)
            if (!isdigit((unsigned char)s[i]))
                goto bad;
        memcpy(d, s, 8);
        n = 8;
    } else if (len == 10 && s[4] == ' ' && s[7] == ' ') {
        for (size_t i = 0; i < 10; i++) {
            if (i == 4 || i == 7)
                continue;
            if (!isdigit((unsigned char)s[i]))
                goto bad;
            d[n++] = s[i];
        }
    } else
        goto bad;
    snprintf(out, 11, "%.4s %.2s %.2s", d, d + 4, d + 6);
    return TJ_OK;
bad:
    return tj_error_set(
        err, TJ_ERR_INPUT, path,
        "\"%.40s\" is not a CN code: 8 digits, written \"72085120\" or \"7208 51 20\" / CN 编码须为 8 位数字",
        s);
}

static tj_status parse_period(const json_t *in, tj_error *err)
{
    static const char *const keys[] = {"start", "end", NULL};
    const json_t *p = json_object_get(in, "reporting_period");
    if (!p)
        return tj_error_set(err, TJ_ERR_INPUT, "reporting_period", "missing required key / 缺少必填项");
    const char *a, *b;
    tj_status st;
    if ((st = dj_object(p, keys, "reporting_period", err)) ||
        (st = dj_str(p, "start", 1, "reporting_period", &a, err)) ||
        (st = dj_str(p, "end", 1, "reporting_period", &b, err)))
        return st;
    return tj_check_period("reporting_period.start", a, "reporting_period.end", b, TJ_DATE_DAY, err);
}

static tj_status parse_installation(const json_t *in, tj_error *err)
{
    static const char *const keys[] = {"name",     "name_en",  "street",   "city",      "postcode",
                                       "country",  "unlocode", "latitude", "longitude", "economic_activity",
                                       "operator", "contact",  "id",       NULL};
    const json_t *o = json_object_get(in, "installation");
    const char *P = "installation";
    if (!o)
        return tj_error_set(err, TJ_ERR_INPUT, P, "missing required key / 缺少必填项");
    tj_status st = dj_object(o, keys, P, err);
    if (st)
        return st;
    const char *s;
    static const char *const text[] = {"name_en",  "street",  "city", "postcode", "economic_activity",
                                       "operator", "contact", "id",   NULL};
    if ((st = dj_str(o, "name", 1, P, &s, err)))
        return st;
    for (const char *const *k = text; *k; k++)
        if ((st = dj_str(o, *k, 0, P, &s, err)))
            return st;
    if ((st = dj_str(o, "country", 1, P, &s, err)))
        return st;
    if (strlen(s) != 2 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]))
        return tj_error_set(err, TJ_ERR_INPUT, "installation.country",
                            "must be an ISO 3166-1 alpha-2 code such as \"CN\"");
    if ((st = dj_str(o, "unlocode", 0, P, &s, err)))
        return st;
    if (s) {
        int ok = strlen(s) == 5 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
        for (int i = 2; ok && i < 5; i++)
            ok = isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]);
        if (!ok)
            return tj_error_set(err, TJ_ERR_INPUT, "installation.unlocode",
                                "must be a UN/LOCODE such as \"CNSHA\"");
    }
    double lat = 0, lon = 0;
    int hl, ho;
    if ((st = dj_num(o, "latitude", 0, -90, 0, P, &lat, &hl, err)) ||
        (st = dj_num(o, "longitude", 0, -180, 0, P, &lon, &ho, err)))
        return st;
    if (lat > 90)
        return tj_error_set(err, TJ_ERR_INPUT, "installation.latitude", "must be between -90 and 90");
    if (lon > 180)
        return tj_error_set(err, TJ_ERR_INPUT, "installation.longitude", "must be between -180 and 180");
    return TJ_OK;
}

static tj_status parse_factors(cbam *c, tj_error *err)
{
    static const char *const keys[] = {"id", "value", "unit", "source", "note", NULL};
    const json_t *a = json_object_get(c->in, "electricity_factors");
    if (!a)
        return TJ_OK;
    if (!json_is_array(a))
        return tj_error_set(err, TJ_ERR_INPUT, "electricity_factors", "must be an array");
    if (json_array_size(a) > MAX_GOODS)
        return tj_error_set(err, TJ_ERR_INPUT, "electricity_factors", "more than %d entries; refused",
                            MAX_GOODS);
    c->ef = calloc(json_array_size(a) + 1, sizeof *c->ef);
    if (!c->ef)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(a); i++) {
        char p[DJ_PATH_MAX + 64];
        dj_path_index(p, "electricity_factors", i);
        const json_t *f = json_array_get(a, i);
        efactor *e = &c->ef[i];
        const char *note;
        tj_status st;
        if ((st = dj_object(f, keys, p, err)) || (st = dj_str(f, "id", 1, p, &e->id, err)) ||
            (st = dj_num(f, "value", 1, 0, 0, p, &e->t_per_mwh, NULL, err)) ||
            (st = dj_str(f, "unit", 1, p, &e->unit, err)) ||
            (st = dj_str(f, "source", 1, p, &e->source, err)) || (st = dj_str(f, "note", 0, p, &note, err)))
            return st;
        /* t/MWh and kg/kWh are the same number */
        if (strcmp(e->unit, "tCO2/MWh") && strcmp(e->unit, "tCO2e/MWh") && strcmp(e->unit, "kgCO2/kWh") &&
            strcmp(e->unit, "kgCO2e/kWh")) {
            char up[DJ_PATH_MAX + 64];
            dj_path_key(up, p, "unit");
            return tj_error_set(
                err, TJ_ERR_INPUT, up,
                "\"%.40s\" is not an emission-factor unit: tCO2/MWh, tCO2e/MWh, kgCO2/kWh or kgCO2e/kWh / "
                "排放因子单位不符",
                e->unit);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->ef[j].id, e->id))
                return tj_error_set(err, TJ_ERR_INPUT, p, "id \"%.60s\" is given twice", e->id);
        c->nef = i + 1;
    }
    return TJ_OK;
}

static int find_good(const cbam *c, const char *id)
{
    json_t *v = c->index ? json_object_get(c->index, id) : NULL;
    return v ? (int)json_integer_value(v) : -1;
}

static tj_status parse_params(good *g, const json_t *o, const char *path, tj_error *err)
{
    if (!o)
        return TJ_OK;
    tj_status st = dj_object(o, sector_params[g->sec], path, err);
    if (st) {
        tj_error_prefix(err, "not a parameter of sector %s (docs/cbam.md lists them): ", sector_keys[g->sec]);
        return st;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        char p[DJ_PATH_MAX + 64];
        dj_path_key(p, path, key);
        if (json_is_string(v)) {
            const char *s;
            if ((st = dj_str(o, key, 0, path, &s, err)))
                return st;
            continue;
        }
        double d = 0;
        if ((st = dj_num(o, key, 1, 0, 0, path, &d, NULL, err)))
            return st;
        size_t kl = strlen(key);
        if (kl > 4 && !strcmp(key + kl - 4, "_pct") && d > 100)
            return tj_error_set(err, TJ_ERR_INPUT, p, "is %g; a percentage is between 0 and 100", d);
        if (!strcmp(key, "clinker_factor") && d > 1)
            return tj_error_set(err, TJ_ERR_INPUT, p, "is %g; the clinker factor is a share between 0 and 1",
                                d);
    }
    g->params = o;
    return TJ_OK;
}

static tj_status parse_price(good *g, const json_t *o, const char *path, tj_error *err)
{
    static const char *const keys[] = {
        "instrument", "currency", "price_per_tco2e", "covered_share", "rebate_share", "rebate_type",
        "note",       NULL};
    if (!o)
        return TJ_OK;
    tj_status st;
    const char *s;
    double d;
    if ((st = dj_object(o, keys, path, err)) || (st = dj_str(o, "instrument", 1, path, &s, err)) ||
        (st = dj_str(o, "currency", 1, path, &s, err)) ||
        (st = dj_num(o, "price_per_tco2e", 1, 0, 0, path, &d, NULL, err)) ||
        (st = dj_share(o, "covered_share", 1, path, &d, NULL, err)) ||
        (st = dj_share(o, "rebate_share", 0, path, &d, NULL, err)) ||
        (st = dj_str(o, "rebate_type", 0, path, &s, err)) || (st = dj_str(o, "note", 0, path, &s, err)))
        return st;
    s = json_string_value(json_object_get(o, "currency"));
    if (strlen(s) != 3 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]) ||
        !isupper((unsigned char)s[2]))
        return tj_error_set(err, TJ_ERR_INPUT, path, "currency must be an ISO 4217 code such as \"CNY\"");
    g->price = o;
    return TJ_OK;
}

static tj_status parse_precursors(cbam *c, good *g, const json_t *a, const char *gpath, tj_error *err)
{
    static const char *const keys[] = {"good",         "name",          "cn_code", "amount", "see_direct",
                                       "see_indirect", "default_value", "source",  NULL};
    char path[DJ_PATH_MAX + 64];
    dj_path_key(path, gpath, "precursors");
    if (!a)
        return TJ_OK;
    if (!json_is_array(a))
        return tj_error_set(err, TJ_ERR_INPUT, path, "must be an array");
    if (json_array_size(a) > MAX_PRECURSORS)
        return tj_error_set(err, TJ_ERR_INPUT, path, "more than %d precursors; refused", MAX_PRECURSORS);
    g->pre = calloc(json_array_size(a) + 1, sizeof *g->pre);
    if (!g->pre)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(a); i++) {
        char p[DJ_PATH_MAX + 64];
        dj_path_index(p, path, i);
        const json_t *o = json_array_get(a, i);
        precursor *x = &g->pre[i];
        const char *ref, *cn;
        tj_status st;
        x->good = -1;
        if ((st = dj_object(o, keys, p, err)) || (st = dj_str(o, "good", 0, p, &ref, err)) ||
            (st = dj_qty(o, "amount", 1, 0, "t", p, &x->amount_t, NULL, err)))
            return st;
        if (ref) {
            /* a good of this installation: its own data, nothing else */
            static const char *const own[] = {"good", "amount", NULL};
            if ((st = dj_object(o, own, p, err))) {
                tj_error_prefix(err, "a precursor made in the installation takes only good and amount: ");
                return st;
            }
            x->good = find_good(c, ref);
            if (x->good < 0) {
                char rp[DJ_PATH_MAX + 64];
                dj_path_key(rp, p, "good");
                return tj_error_set(err, TJ_ERR_INPUT, rp,
                                    "no good with id \"%.60s\" in goods[] / 未找到该前体产品", ref);
            }
        } else {
            int hd, hi;
            if ((st = dj_str(o, "name", 1, p, &x->name, err)) ||
                (st = dj_str(o, "cn_code", 0, p, &cn, err)) ||
                (st = dj_num(o, "see_direct", 1, 0, 0, p, &x->see_dir, &hd, err)) ||
                (st = dj_num(o, "see_indirect", 1, 0, 0, p, &x->see_ind, &hi, err)) ||
                (st = dj_bool(o, "default_value", 0, p, &x->is_default, err)) ||
                (st = dj_str(o, "source", 1, p, &x->source, err)))
                return st;
            if (cn) {
                char cp[DJ_PATH_MAX + 64];
                dj_path_key(cp, p, "cn_code");
                if ((st = svc_cbam_cn_code(cn, cp, x->cn, err)))
                    return st;
            }
        }
        g->npre = i + 1;
    }
    return TJ_OK;
}

static tj_status parse_goods(cbam *c, tj_error *err)
{
    static const char *const keys[] = {"id",
                                       "name",
                                       "cn_code",
                                       "sector",
                                       "aggregated_category",
                                       "production_route",
                                       "production_process",
                                       "precursor_only",
                                       "activity_level",
                                       "direct_emissions",
                                       "electricity",
                                       "electricity_factor",
                                       "precursors",
                                       "default_values",
                                       "sector_parameters",
                                       "carbon_price",
                                       NULL};
    const json_t *a = json_object_get(c->in, "goods");
    if (!a)
        return tj_error_set(err, TJ_ERR_INPUT, "goods", "missing required key / 缺少必填项");
    if (!json_is_array(a) || json_array_size(a) == 0)
        return tj_error_set(err, TJ_ERR_INPUT, "goods", "must be a non-empty array");
    if (json_array_size(a) > MAX_GOODS)
        return tj_error_set(err, TJ_ERR_INPUT, "goods", "more than %d goods; refused", MAX_GOODS);
    c->g = calloc(json_array_size(a), sizeof *c->g);
    if (!c->g)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    c->ng = json_array_size(a);
    if (!(c->index = json_object()))
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    tj_status st;
    /* ids first, so precursors may name a good listed after them */
    for (size_t i = 0; i < c->ng; i++) {
        char p[DJ_PATH_MAX + 64];
        dj_path_index(p, "goods", i);
        const json_t *o = json_array_get(a, i);
        if ((st = dj_object(o, keys, p, err)) || (st = dj_str(o, "id", 1, p, &c->g[i].id, err)))
            return st;
        c->g[i].ef = -1;
        if (json_object_get(c->index, c->g[i].id))
            return tj_error_set(err, TJ_ERR_INPUT, p, "id \"%.60s\" is given twice", c->g[i].id);
        if (json_object_set_new(c->index, c->g[i].id, json_integer((json_int_t)i)))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < c->ng; i++) {
        char p[DJ_PATH_MAX + 64], q[DJ_PATH_MAX + 64];
        dj_path_index(p, "goods", i);
        const json_t *o = json_array_get(a, i);
        good *g = &c->g[i];
        const char *cn, *sec, *efid;
        if ((st = dj_str(o, "name", 1, p, &g->name, err)) || (st = dj_str(o, "cn_code", 1, p, &cn, err)) ||
            (st = dj_str(o, "sector", 1, p, &sec, err)) ||
            (st = dj_str(o, "aggregated_category", 0, p, &g->category, err)) ||
            (st = dj_str(o, "production_route", 0, p, &g->route, err)) ||
            (st = dj_str(o, "production_process", 0, p, &g->process, err)) ||
            (st = dj_bool(o, "precursor_only", 0, p, &g->precursor_only, err)))
            return st;
        dj_path_key(q, p, "cn_code");
        if ((st = svc_cbam_cn_code(cn, q, g->cn, err)))
            return st;
        int s = -1;
        for (int k = 0; k < SEC_N; k++)
            if (!strcmp(sec, sector_keys[k]))
                s = k;
        if (s < 0) {
            dj_path_key(q, p, "sector");
            if (!strcmp(sec, "electricity"))
                return tj_error_set(err, TJ_ERR_INPUT, q,
                                    "electricity as a CBAM good is not supported by tanji yet");
            return tj_error_set(
                err, TJ_ERR_INPUT, q,
                "\"%.40s\" is not a CBAM sector: cement, iron_steel, aluminium, fertilisers, hydrogen", sec);
        }
        g->sec = (sector)s;
        const json_t *dv = json_object_get(o, "default_values");
        if (dv) {
            static const char *const dkeys[] = {"see_direct", "see_indirect", "source", NULL};
            static const char *const actual[] = {"activity_level",     "direct_emissions", "electricity",
                                                 "electricity_factor", "precursors",       NULL};
            dj_path_key(q, p, "default_values");
            if ((st = dj_object(dv, dkeys, q, err)) ||
                (st = dj_num(dv, "see_direct", 1, 0, 0, q, &g->see_dir, NULL, err)) ||
                (st = dj_num(dv, "see_indirect", 1, 0, 0, q, &g->see_ind, NULL, err)) ||
                (st = dj_str(dv, "source", 1, q, &g->default_source, err)))
                return st;
            for (const char *const *k = actual; *k; k++)
                if (json_object_get(o, *k)) {
                    char kp[DJ_PATH_MAX + 64];
                    dj_path_key(kp, p, *k);
                    return tj_error_set(
                        err, TJ_ERR_INPUT, kp,
                        "a good reported with default values has no actual data; give one or the other "
                        "/ 使用默认值的产品不应同时给出实测数据");
                }
            g->uses_default = 1;
            g->def_dir = g->see_dir;
            g->def_ind = g->see_ind;
            g->state = 2;
        } else {
            int he;
            if ((st = dj_qty(o, "activity_level", 1, 1, "t", p, &g->al_t, NULL, err)) ||
                (st = dj_qty(o, "direct_emissions", 1, 0, "t", p, &g->direct_t, NULL, err)) ||
                (st = dj_qty(o, "electricity", 0, 0, "MWh", p, &g->elec_mwh, &he, err)) ||
                (st = dj_str(o, "electricity_factor", he && g->elec_mwh > 0, p, &efid, err)))
                return st;
            if (efid) {
                for (size_t k = 0; k < c->nef; k++)
                    if (!strcmp(c->ef[k].id, efid))
                        g->ef = (int)k;
                if (g->ef < 0) {
                    dj_path_key(q, p, "electricity_factor");
                    return tj_error_set(err, TJ_ERR_INPUT, q,
                                        "no electricity factor with id \"%.60s\" in electricity_factors[]",
                                        efid);
                }
            }
            if ((st = parse_precursors(c, g, json_object_get(o, "precursors"), p, err)))
                return st;
        }
        dj_path_key(q, p, "sector_parameters");
        if ((st = parse_params(g, json_object_get(o, "sector_parameters"), q, err)))
            return st;
        dj_path_key(q, p, "carbon_price");
        if ((st = parse_price(g, json_object_get(o, "carbon_price"), q, err)))
            return st;
    }
    return TJ_OK;
}

/* SEE of good i, its precursors first (depth-first; a cycle is an error). */
static tj_status compute(cbam *c, size_t i, int depth, tj_error *err)
{
    good *g = &c->g[i];
    if (g->state == 2)
        return TJ_OK;
    char p[DJ_PATH_MAX + 64];
    dj_path_index(p, "goods", i);
    if (g->state == 1 || depth > (int)c->ng)
        return tj_error_set(err, TJ_ERR_INPUT, p,
                            "good \"%.60s\" is its own precursor (a precursor loop) / 前体循环", g->id);
    g->state = 1;
    double ind = g->ef >= 0 ? g->elec_mwh * c->ef[g->ef].t_per_mwh : 0;
    double dir = g->direct_t, ddir = 0, dind = 0;
    for (size_t k = 0; k < g->npre; k++) {
        precursor *x = &g->pre[k];
        double sd, si, fd, fi;
        if (x->good >= 0) {
            tj_status st = compute(c, (size_t)x->good, depth + 1, err);
            if (st)
                return st;
            const good *pg = &c->g[x->good];
            sd = pg->see_dir, si = pg->see_ind, fd = pg->def_dir, fi = pg->def_ind;
        } else {
            sd = x->see_dir, si = x->see_ind;
            fd = x->is_default ? sd : 0;
            fi = x->is_default ? si : 0;
        }
        dir += x->amount_t * sd;
        ind += x->amount_t * si;
        ddir += x->amount_t * fd;
        dind += x->amount_t * fi;
    }
    g->see_dir = dir / g->al_t;
    g->see_ind = ind / g->al_t;
    g->def_dir = ddir / g->al_t;
    g->def_ind = dind / g->al_t;
    if (!isfinite(g->see_dir) || !isfinite(g->see_ind))
        return tj_error_set(err, TJ_ERR_INPUT, p, "the specific embedded emissions are not finite numbers");
    g->state = 2;
    return TJ_OK;
}

static double counted(const good *g)
{
    return direct_only(g->sec) ? g->see_dir : g->see_dir + g->see_ind;
}

static double counted_default(const good *g)
{
    return direct_only(g->sec) ? g->def_dir : g->def_dir + g->def_ind;
}

static double share(double part, double whole)
{
    return whole > 0 ? part / whole : 0;
}

static json_t *price_json(const good *g)
{
    if (!g->price)
        return json_null();
    const json_t *o = g->price;
    double price = json_number_value(json_object_get(o, "price_per_tco2e"));
    double cov = json_number_value(json_object_get(o, "covered_share"));
    json_t *rs = json_object_get(o, "rebate_share");
    double reb = rs ? json_number_value(rs) : 0;
    double eff = price * (1 - reb);
    double see = counted(g);
    json_t *r = json_deep_copy(o);
    json_object_set_new(r, "rebate_share", json_real(reb));
    json_object_set_new(r, "covered_tco2e_per_t", json_real(see * cov));
    json_object_set_new(r, "effective_price_per_tco2e", json_real(eff));
    json_object_set_new(r, "price_paid_per_t_good", json_real(see * cov * eff));
    return r;
}

static json_t *good_json(const cbam *c, const good *g)
{
    json_t *pre = json_array();
    for (size_t k = 0; k < g->npre; k++) {
        const precursor *x = &g->pre[k];
        json_t *e;
        if (x->good >= 0) {
            const good *pg = &c->g[x->good];
            e = json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:b}", "source_kind", "installation", "good", pg->id,
                          "name", pg->name, "cn_code", pg->cn, "amount_t", x->amount_t, "see_direct",
                          pg->see_dir, "see_indirect", pg->see_ind, "default_value",
                          pg->uses_default || pg->def_dir + pg->def_ind > 0);
        } else
            e = json_pack("{s:s,s:s,s:s?,s:f,s:f,s:f,s:b,s:s}", "source_kind", "purchased", "name", x->name,
                          "cn_code", x->cn[0] ? x->cn : NULL, "amount_t", x->amount_t, "see_direct",
                          x->see_dir, "see_indirect", x->see_ind, "default_value", x->is_default, "source",
                          x->source);
        if (e) {
            double sd = json_number_value(json_object_get(e, "see_direct")),
                   si = json_number_value(json_object_get(e, "see_indirect"));
            json_object_set_new(e, "direct_tco2e", json_real(x->amount_t * sd));
            json_object_set_new(e, "indirect_tco2e", json_real(x->amount_t * si));
        }
        json_array_append_new(pre, e);
    }
    double see_c = counted(g), see_cd = counted_default(g);
    json_t *ef = json_null();
    if (g->ef >= 0)
        ef = json_pack("{s:s,s:f,s:s,s:s}", "id", c->ef[g->ef].id, "tco2_per_mwh", c->ef[g->ef].t_per_mwh,
                       "unit_given", c->ef[g->ef].unit, "source", c->ef[g->ef].source);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s,s:b,s:f,s:f,s:f,s:f,s:s,s:f,s:f,s:f,s:f,s:s,s:o,s:o}", "id",
        g->id, "name", g->name, "cn_code", g->cn, "sector", sector_keys[g->sec], "aggregated_category",
        g->category, "production_route", g->route, "production_process", g->process, "role",
        g->precursor_only ? "precursor" : "aggregated_good", "uses_default_values", g->uses_default,
        "see_direct", g->see_dir, "see_indirect", g->see_ind, "see_total", g->see_dir + g->see_ind,
        "see_counted", see_c, "counted_basis", direct_only(g->sec) ? RULE_DIRECT_ONLY : RULE_DIRECT_INDIRECT,
        "default_share", share(see_cd, see_c), "default_share_direct", share(g->def_dir, g->see_dir),
        "default_share_indirect", share(g->def_ind, g->see_ind), "embedded_electricity_mwh_per_t",
        g->uses_default ? 0.0 : g->elec_mwh / g->al_t, "unit", "tCO2e/t", "electricity_factor", ef,
        "precursors", pre);
    if (!o)
        return NULL;
    if (g->uses_default)
        json_object_set_new(o, "default_values_source", json_string(g->default_source));
    else {
        json_object_set_new(o, "activity_level_t", json_real(g->al_t));
        json_object_set_new(o, "direct_emissions_tco2e", json_real(g->direct_t));
        json_object_set_new(o, "electricity_mwh", json_real(g->elec_mwh));
        json_object_set_new(o, "indirect_emissions_tco2e",
                            json_real(g->ef >= 0 ? g->elec_mwh * c->ef[g->ef].t_per_mwh : 0));
    }
    json_object_set_new(o, "sector_parameters", g->params ? json_deep_copy(g->params) : json_object());
    json_object_set_new(o, "carbon_price", price_json(g));
    return o;
}

static tj_status parse_deliveries(cbam *c, json_t *lines, tj_error *err)
{
    static const char *const keys[] = {"good", "quantity", "importer", "note", NULL};
    const json_t *a = json_object_get(c->in, "deliveries");
    if (!a)
        return TJ_OK;
    if (!json_is_array(a))
        return tj_error_set(err, TJ_ERR_INPUT, "deliveries", "must be an array");
    if (json_array_size(a) > MAX_DELIVERIES)
        return tj_error_set(err, TJ_ERR_INPUT, "deliveries", "more than %d deliveries; refused",
                            MAX_DELIVERIES);
    for (size_t i = 0; i < json_array_size(a); i++) {
        char p[DJ_PATH_MAX + 64];
        dj_path_index(p, "deliveries", i);
        const json_t *o = json_array_get(a, i);
        const char *ref, *imp, *note;
        double q;
        tj_status st;
        if ((st = dj_object(o, keys, p, err)) || (st = dj_str(o, "good", 1, p, &ref, err)) ||
            (st = dj_qty(o, "quantity", 1, 0, "t", p, &q, NULL, err)) ||
            (st = dj_str(o, "importer", 0, p, &imp, err)) || (st = dj_str(o, "note", 0, p, &note, err)))
            return st;
        int gi = find_good(c, ref);
        if (gi < 0) {
            char rp[DJ_PATH_MAX + 64];
            dj_path_key(rp, p, "good");
            return tj_error_set(err, TJ_ERR_INPUT, rp, "no good with id \"%.60s\" in goods[]", ref);
        }
        const good *g = &c->g[gi];
        double see = counted(g);
        json_t *pr = price_json(g);
        double paid =
            json_is_object(pr) ? json_number_value(json_object_get(pr, "price_paid_per_t_good")) * q : 0;
        json_t *cur = json_is_object(pr) ? json_object_get(pr, "currency") : NULL;
        json_t *e =
            json_pack("{s:s,s:s,s:s?,s:s,s:f,s:f,s:f,s:f,s:b,s:f,s:O?}", "good", g->id, "cn_code", g->cn,
                      "importer", imp, "country_of_origin",
                      json_string_value(json_object_get(json_object_get(c->in, "installation"), "country")),
                      "quantity_t", q, "see_counted", see, "embedded_emissions_tco2e", q * see,
                      "embedded_emissions_from_defaults_tco2e", q * counted_default(g), "actual_data",
                      !g->uses_default, "carbon_price_paid", paid, "carbon_price_currency", cur);
        json_decref(pr);
        if (!e || json_array_append_new(lines, e))
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    return TJ_OK;
}

tj_status svc_cbam_communication(svc_ctx *ctx, const json_t *input, json_t **out, tj_error *err)
{
    static const char *const keys[] = {
        "tanji_cbam", "example",    "note", "reporting_period", "installation", "electricity_factors",
        "goods",      "deliveries", NULL};
    *out = NULL;
    tj_status st;
    if (ctx && (st = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "CBAM communication", err)))
        return st;
    cbam c = {.in = input};
    int example = 0;
    const char *note;
    json_t *o = NULL, *lines = NULL;
    if ((st = dj_object(input, keys, "", err)))
        goto out;
    json_t *ver = json_object_get(input, "tanji_cbam");
    if (ver && !(json_is_integer(ver) && json_integer_value(ver) == 1)) {
        st = tj_error_set(err, TJ_ERR_INPUT, "tanji_cbam", "format version must be 1");
        goto out;
    }
    if ((st = dj_bool(input, "example", 0, "", &example, err)) ||
        (st = dj_str(input, "note", 0, "", &note, err)) || (st = parse_period(input, err)) ||
        (st = parse_installation(input, err)) || (st = parse_factors(&c, err)) || (st = parse_goods(&c, err)))
        goto out;
    for (size_t i = 0; i < c.ng; i++)
        if ((st = compute(&c, i, 0, err)))
            goto out;
    lines = json_array();
    if ((st = parse_deliveries(&c, lines, err)))
        goto out;
    json_t *goods = json_array(), *processes = json_array();
    double dir = 0, ind = 0;
    for (size_t i = 0; i < c.ng; i++) {
        const good *g = &c.g[i];
        json_array_append_new(goods, good_json(&c, g));
        if (!g->uses_default) {
            dir += g->direct_t;
            ind += g->ef >= 0 ? g->elec_mwh * c.ef[g->ef].t_per_mwh : 0;
            json_array_append_new(processes, json_pack("{s:s,s:s?,s:s?}", "good", g->id, "production_route",
                                                       g->route, "production_process", g->process));
        }
    }
    json_t *efs = json_array();
    for (size_t i = 0; i < c.nef; i++)
        json_array_append_new(efs, json_pack("{s:s,s:f,s:s,s:s}", "id", c.ef[i].id, "tco2_per_mwh",
                                             c.ef[i].t_per_mwh, "unit_given", c.ef[i].unit, "source",
                                             c.ef[i].source));
    json_t *notes = json_pack(
        "[s,s,s,s]",
        "Default values are the declarant's input with their source; tanji ships none: the values of Impl. "
        "Reg. "
        "(EU) 2025/2621 and its mark-up schedule (10/20/30 % for 2026/27/28 is UNVERIFIED) are not in "
        "tanji's "
        "sources, and no mark-up is applied. 默认值由申报方输入并注明来源；tanji 不内置默认值，也不加成。",
        "Carbon price: amounts are in the currency given; conversion to EUR and the Art. 9 deduction rules "
        "are "
        "the importer's and are not applied here. 碳价按所给币种计，未换算欧元，未套用第 9 条扣减规则。",
        "Layout follows the field list of the Commission's communication template for installations "
        "(Summary_Communication, version en_20241213, from a secondary copy); no definitive-period version "
        "of the "
        "template was found. 版式依据委员会模板（en_20241213，二手副本）；未找到最终期新版模板。",
        "Quantities for the importer's annual declaration (Art. 6, first due in 2027 for 2026) come from "
        "deliveries[]; "
        "verification by an accredited verifier is still required. 年度申报需经认可核查机构核查。");
    if (example)
        json_array_append_new(notes, json_string("EXAMPLE data, not a real communication. 示例数据。"));
    o = json_pack(
        "{s:s,s:i,s:b,s:O,s:O,s:o,s:o,s:{s:f,s:f,s:f},s:o,s:{s:o,s:s},s:o}", "tanji_declaration",
        "cbam_communication", "version", 1, "example", example, "reporting_period",
        json_object_get(input, "reporting_period"), "installation", json_object_get(input, "installation"),
        "electricity_factors", efs, "production_processes", processes, "emissions", "direct_tco2e", dir,
        "indirect_tco2e", ind, "total_tco2e", dir + ind, "goods", goods, "importer_declaration", "lines",
        lines, "basis",
        "Reg. (EU) 2023/956 Art. 6 as amended by Reg. (EU) 2025/2083 (annual declaration; 50 t threshold "
        "per importer and year, electricity and hydrogen excepted)",
        "notes", notes);
    lines = NULL;
    if (!o)
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
out:
    json_decref(lines);
    cbam_release(&c);
    if (!st)
        *out = o;
    return st;
}

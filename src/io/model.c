/* The tanji model file -> calc_system; see io/model.h and docs/model-format.md. */
#include "tanji/parse.h"
#include "io/model.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/input.h"
#include "tanji/buf.h"
#include "tanji/units.h"

#define DEFAULT_MAX_BYTES ((size_t)64 << 20)
/* One text value of a model (docs/limits.md). */
#define IO_MODEL_TEXT_MAX 65536u

void io_model_options_init(io_model_options *o)
{
    memset(o, 0, sizeof *o);
    o->gwp = TJ_GWP_AR6;
    o->max_bytes = DEFAULT_MAX_BYTES;
}

tj_status io_read_file(const char *path, size_t max_bytes, char **out, size_t *len, tj_error *err)
{
    return io_input_read(path, max_bytes, out, len, err);
}

tj_status io_load_json_file(const char *path, size_t max_bytes, json_t **out, char *sha256_hex, tj_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    tj_status st = io_read_file(path, max_bytes, &text, &len, err);
    if (st)
        return st;
    if (sha256_hex) {
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)text, len);
        sodium_bin2hex(sha256_hex, 2 * sizeof h + 1, h, sizeof h);
    }
    json_error_t je;
    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!*out)
        return tj_error_set_at(err, TJ_ERR_INPUT, path, je.line, je.column, "%s", je.text);
    return TJ_OK;
}

/* ---- small helpers -------------------------------------------------- */

typedef struct refout {
    json_t *ex;
    int index;  /* exchange index in the process */
    double share;
} refout;

typedef struct parser {
    const io_model_options *opt;
    io_model *m;
    tj_error *err;
    int cap_ex;
    refout **refs; /* per process: its reference outputs and their shares */
    int *nrefs;
} parser;

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

tj_status io_factor_set_gases(io_factor *x, const json_t *gases, const char *path, tj_error *err)
{
    free(x->parts);
    x->parts = NULL;
    x->nparts = 0;
    if (!gases || json_is_null(gases))
        return TJ_OK;
    if (!json_is_object(gases))
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"gases\" must be an object {gas: kg CO2e per unit, ...}");
    size_t n = json_object_size(gases);
    if (n == 0)
        return TJ_OK;
    if (n > 1000)
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"gases\" lists %zu gases (at most 1000)", n);
    calc_gas_part *parts = calloc(n, sizeof *parts);
    if (!parts)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    int np = 0;
    double sum = 0;
    const char *key;
    json_t *v;
    tj_status st = TJ_OK;
    json_object_foreach((json_t *)gases, key, v) {
        const tj_gas *gas = tj_gas_find(key);
        if (!gas) {
            st = tj_error_set(err, TJ_ERR_INPUT, path,
                              "gases: \"%s\" is not a greenhouse gas tanji knows (CO2, CH4, N2O, SF6, NF3, "
                              "HFCs, PFCs by name or CAS)", key);
            goto fail;
        }
        if (!json_is_number(v) || !isfinite(json_number_value(v))) {
            st = tj_error_set(err, TJ_ERR_INPUT, path, "gases: \"%s\" must be a number (kg CO2e per unit)", key);
            goto fail;
        }
        double c = json_number_value(v);
        if ((c < 0 && !(x->value < 0)) || (c > 0 && !(x->value > 0))) {
            st = tj_error_set(err, TJ_ERR_INPUT, path, "gases: \"%s\" is %g but the factor's value is %g (parts "
                              "have the sign of the value)", key, c, x->value);
            goto fail;
        }
        for (int i = 0; i < np; i++)
            if (parts[i].gas == gas) {
                st = tj_error_set(err, TJ_ERR_INPUT, path, "gases: %s is given twice", gas->id);
                goto fail;
            }
        parts[np++] = (calc_gas_part){gas, c};
        sum += c;
    }
    if (fabs(sum) > fabs(x->value) * (1 + 1e-6) + 1e-12) {
        st = tj_error_set(err, TJ_ERR_INPUT, path, "gases add up to %.10g, more than the factor's value %.10g", sum,
                          x->value);
        goto fail;
    }
    x->parts = parts;
    x->nparts = np;
    return TJ_OK;
fail:
    free(parts);
    return st;
}

/* The error for a lookup key that could not be built (st from tj_buf). */
static tj_status key_error(tj_error *err, tj_status st, const char *path, const char *what)
{
    if (st == TJ_ERR_NOMEM)
        return tj_error_set(err, st, NULL, "out of memory");
    return tj_error_set(err, TJ_ERR_INPUT, path, "%s longer than %u bytes together", what, TJ_BUF_KEY_MAX);
}

/* Reject keys not in the NULL-terminated allowed list (catches typos). */
static tj_status check_keys(json_t *obj, const char *const *allowed, const char *path, tj_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(*a, key)) {
                ok = 1;
                break;
            }
        if (!ok) {
            char p[320];
            snprintf(p, sizeof p, "%s", path);
            return tj_error_set(err, TJ_ERR_INPUT, p, "unknown key \"%s\"", key);
        }
    }
    return TJ_OK;
}

static tj_status get_string(json_t *obj, const char *key, int required, const char *path,
                            const char **out, tj_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return tj_error_set(err, TJ_ERR_INPUT, path, "missing required key \"%s\"", key);
        return TJ_OK;
    }
    if (!json_is_string(v))
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"%s\" must be a string", key);
    if (required && json_string_length(v) == 0)
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"%s\" must not be empty", key);
    /* names, ids, units and notes are short; a longer text is refused, not
     * cut (and never reaches a report's typesetting) */
    if (json_string_length(v) > IO_MODEL_TEXT_MAX)
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"%s\" is longer than %u bytes (%zu); refused / 文本过长",
                            key, IO_MODEL_TEXT_MAX, json_string_length(v));
    *out = json_string_value(v);
    return TJ_OK;
}

static tj_status get_number(json_t *obj, const char *key, int required, const char *path,
                            double *out, tj_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            return tj_error_set(err, TJ_ERR_INPUT, path, "missing required key \"%s\"", key);
        return TJ_OK;
    }
    if (!json_is_number(v))
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"%s\" must be a number", key);
    double d = json_number_value(v);
    if (!isfinite(d))
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"%s\" must be a finite number", key);
    *out = d;
    return TJ_OK;
}

static tj_status parse_quality(json_t *q, const char *path, calc_dqi *dq, tj_error *err)
{
    static const char *const keys[] = {"TeR", "GeR", "TiR", "P", NULL};
    memset(dq, 0, sizeof *dq);
    if (!q)
        return TJ_OK;
    if (!json_is_object(q))
        return tj_error_set(err, TJ_ERR_INPUT, path, "must be an object {TeR, GeR, TiR, P}");
    tj_status st = check_keys(q, keys, path, err);
    if (st)
        return st;
    double *dst[4] = {&dq->ter, &dq->ger, &dq->tir, &dq->p};
    for (int i = 0; i < 4; i++) {
        double v = 0;
        if ((st = get_number(q, keys[i], 1, path, &v, err)))
            return st;
        if (v < 1 || v > 5)
            return tj_error_set(err, TJ_ERR_INPUT, path, "%s = %g is outside the range 1 (best) to 5", keys[i], v);
        *dst[i] = v;
    }
    return TJ_OK;
}

/* Parse an uncertainty object for a value `amount` (in the exchange's unit).
 * Distribution parameters are in the same unit. */
static tj_status parse_uncertainty(json_t *u, double amount, const char *path, calc_dist *d,
                                   tj_error *err)
{
    memset(d, 0, sizeof *d);
    if (!u)
        return TJ_OK;
    if (!json_is_object(u))
        return tj_error_set(err, TJ_ERR_INPUT, path, "must be an object with \"distribution\"");
    static const char *const keys[] = {"distribution", "gsd", "sd", "min", "mode", "max", NULL};
    tj_status st = check_keys(u, keys, path, err);
    if (st)
        return st;
    const char *kind;
    if ((st = get_string(u, "distribution", 1, path, &kind, err)))
        return st;
    if (!strcmp(kind, "lognormal")) {
        double gsd = 0;
        if ((st = get_number(u, "gsd", 1, path, &gsd, err)))
            return st;
        if (!(gsd >= 1.0))
            return tj_error_set(err, TJ_ERR_INPUT, path, "gsd (geometric standard deviation) must be >= 1, got %g", gsd);
        if (amount == 0)
            return tj_error_set(err, TJ_ERR_INPUT, path, "a lognormal distribution needs a non-zero amount");
        *d = (calc_dist){CALC_DIST_LOGNORMAL, amount, gsd, 0};
    } else if (!strcmp(kind, "normal")) {
        double sd = -1;
        if ((st = get_number(u, "sd", 1, path, &sd, err)))
            return st;
        if (sd < 0)
            return tj_error_set(err, TJ_ERR_INPUT, path, "sd must not be negative");
        *d = (calc_dist){CALC_DIST_NORMAL, amount, sd, 0};
    } else if (!strcmp(kind, "triangular") || !strcmp(kind, "uniform")) {
        int tri = kind[0] == 't';
        double lo = 0, mode = amount, hi = 0;
        if ((st = get_number(u, "min", 1, path, &lo, err)) || (st = get_number(u, "max", 1, path, &hi, err)))
            return st;
        if (tri && (st = get_number(u, "mode", 0, path, &mode, err)))
            return st;
        if (!(lo <= mode && mode <= hi) || !(lo < hi))
            return tj_error_set(err, TJ_ERR_INPUT, path, "need min < max%s (got min %g%s max %g)",
                                tri ? " and min <= mode <= max" : "", lo, tri ? ", mode ..." : "", hi);
        if (amount < lo || amount > hi)
            return tj_error_set(err, TJ_ERR_INPUT, path, "the amount %g lies outside [min %g, max %g]", amount, lo, hi);
        *d = tri ? (calc_dist){CALC_DIST_TRIANGULAR, lo, mode, hi} : (calc_dist){CALC_DIST_UNIFORM, lo, hi, 0};
    } else {
        return tj_error_set(err, TJ_ERR_INPUT, path,
                            "unknown distribution \"%s\" (lognormal, normal, triangular, uniform)", kind);
    }
    return TJ_OK;
}

/* Scale a distribution by a (possibly negative) factor. */
static calc_dist dist_scale(calc_dist d, double k)
{
    switch (d.kind) {
    case CALC_DIST_LOGNORMAL: d.a *= k; break;
    case CALC_DIST_NORMAL: d.a *= k; d.b *= fabs(k); break;
    case CALC_DIST_TRIANGULAR:
        d.a *= k; d.b *= k; d.c *= k;
        if (k < 0) { double t = d.a; d.a = d.c; d.c = t; }
        break;
    case CALC_DIST_UNIFORM:
        d.a *= k; d.b *= k;
        if (k < 0) { double t = d.a; d.a = d.b; d.b = t; }
        break;
    case CALC_DIST_NONE: break;
    }
    return d;
}

static double mass_kg_of(double amount, const tj_unit *u)
{
    return u->dim == TJ_DIM_MASS ? amount * u->to_base : NAN;
}

/* ---- factors --------------------------------------------------------- */

static tj_status parse_factors(parser *ps, json_t *arr)
{
    tj_error *err = ps->err;
    io_model *m = ps->m;
    if (!arr)
        return TJ_OK;
    if (!json_is_array(arr))
        return tj_error_set(err, TJ_ERR_INPUT, "factors", "must be an array");
    size_t n = json_array_size(arr);
    m->factor = calloc(n ? n : 1, sizeof *m->factor);
    if (!m->factor)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    static const char *const keys[] = {"id", "name", "value", "unit", "source", "channel", "gases", "example", "note", NULL};
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "factors[%zu]", i);
        json_t *f = json_array_get(arr, i);
        if (!json_is_object(f))
            return tj_error_set(err, TJ_ERR_INPUT, path, "must be an object");
        tj_status st = check_keys(f, keys, path, err);
        if (st)
            return st;
        const char *id, *name, *unit, *source, *channel;
        double value = 0;
        if ((st = get_string(f, "id", 1, path, &id, err)) || (st = get_string(f, "name", 0, path, &name, err)) ||
            (st = get_number(f, "value", 1, path, &value, err)) ||
            (st = get_string(f, "unit", 1, path, &unit, err)) ||
            (st = get_string(f, "source", 1, path, &source, err)) ||
            (st = get_string(f, "channel", 0, path, &channel, err)))
            return st;
        for (int k = 0; k < m->nfactor; k++)
            if (!strcmp(m->factor[k].ref, id))
                return tj_error_set(err, TJ_ERR_INPUT, path, "duplicate factor id \"%s\" (also factors[%d])", id, k);
        const tj_unit *u;
        char upath[80];
        snprintf(upath, sizeof upath, "%s.unit", path);
        if ((st = tj_unit_lookup(unit, upath, &u, err)))
            return st;
        int ch = CALC_CH_FOSSIL;
        if (channel && (ch = calc_channel_parse(channel)) < 0)
            return tj_error_set(err, TJ_ERR_INPUT, path,
                                "unknown channel \"%s\" (fossil, biogenic, biogenic_removal, dluc, aircraft)", channel);
        io_factor *x = &m->factor[m->nfactor++];
        x->ref = xstrdup(id);
        x->id = xstrdup(id);
        x->name = xstrdup(name ? name : id);
        x->value = value;
        x->unit = xstrdup(u->name);
        x->source = xstrdup(source);
        x->channel = (calc_channel)ch;
        x->inline_def = 1;
        if (!x->ref || !x->id || !x->name || !x->unit || !x->source)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        if ((st = io_factor_set_gases(x, json_object_get(f, "gases"), path, err)))
            return st;
    }
    return TJ_OK;
}

/* Find or resolve the factor an exchange refers to; returns its index. */
static tj_status use_factor(parser *ps, json_t *ref, const char *path, int *out)
{
    io_model *m = ps->m;
    tj_error *err = ps->err;
    if (json_is_string(ref)) {
        for (int k = 0; k < m->nfactor; k++)
            if (!strcmp(m->factor[k].ref, json_string_value(ref))) {
                *out = k;
                return TJ_OK;
            }
    }
    if (!ps->opt->resolver)
        return tj_error_set(err, TJ_ERR_INPUT, path,
                            "factor %s is not defined in \"factors\" (and no factor database was given: --db)",
                            json_is_string(ref) ? json_string_value(ref) : "query");
    char *ref_json = json_dumps(ref, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!ref_json)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    for (int k = 0; k < m->nfactor; k++)
        if (!strcmp(m->factor[k].ref, ref_json)) {
            free(ref_json);
            *out = k;
            return TJ_OK;
        }
    io_factor *grown = realloc(m->factor, (size_t)(m->nfactor + 1) * sizeof *grown);
    if (!grown) {
        free(ref_json);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    m->factor = grown;
    io_factor *x = &m->factor[m->nfactor];
    memset(x, 0, sizeof *x);
    int year = 0;
    if (m->period_end && strlen(m->period_end) >= 4)
        year = atoi(m->period_end);
    tj_status st = ps->opt->resolver(ps->opt->resolver_ctx, ref_json, m->geography, year, x, err);
    if (st) {
        free(ref_json);
        tj_error_prefix(err, "%s", path);
        return st;
    }
    x->ref = ref_json;
    *out = m->nfactor++;
    return TJ_OK;
}

/* The characterised flow a factor contributes through. */
static tj_status factor_flow(parser *ps, int fi, const char *path, int *out)
{
    io_factor *x = &ps->m->factor[fi];
    tj_buf key;
    tj_buf_init(&key, TJ_BUF_KEY_MAX);
    tj_status st = tj_buf_appendf(&key, "factor:%s%s%s", x->id, x->version ? "@" : "", x->version ? x->version : "");
    if (st) {
        tj_buf_release(&key);
        return key_error(ps->err, st, path, "factor id and version");
    }
    int k = calc_system_find_flow(ps->m->sys, tj_buf_str(&key));
    if (k < 0) {
        calc_flow f = {0};
        f.id = (char *)tj_buf_str(&key);
        f.name = x->name;
        f.unit = x->unit;
        f.channel = x->channel;
        f.cf = x->value;
        f.background = 1;
        f.source = x->source;
        f.nparts = x->nparts;
        f.parts = x->parts;
        k = calc_system_add_flow(ps->m->sys, &f);
    }
    tj_buf_release(&key);
    if (k < 0)
        return tj_error_set(ps->err, (tj_status)k, path, "cannot add factor flow: %s", ps->m->sys->err.message);
    *out = k;
    return TJ_OK;
}

/* ---- processes -------------------------------------------------------- */

static const char *const exchange_keys[] = {"type", "direction", "flow", "gas", "amount", "unit",
                                            "provider", "factor", "cutoff", "channel", "quality",
                                            "uncertainty", "reference", "compartment", "note", NULL};

static tj_status add_exchange_record(parser *ps, int pi, json_t *ex, const tj_unit *u, double amount,
                                     int reference, int *out)
{
    io_model *m = ps->m;
    if (m->nex == ps->cap_ex) {
        int cap = ps->cap_ex ? ps->cap_ex * 2 : 64;
        io_model_exchange *g = realloc(m->ex, (size_t)cap * sizeof *g);
        if (!g)
            return tj_error_set(ps->err, TJ_ERR_NOMEM, NULL, "out of memory");
        m->ex = g;
        ps->cap_ex = cap;
    }
    io_model_exchange *e = &m->ex[m->nex];
    memset(e, 0, sizeof *e);
    e->process = pi;
    e->type = xstrdup(json_string_value(json_object_get(ex, "type")));
    e->direction = xstrdup(json_string_value(json_object_get(ex, "direction")));
    const char *flow = json_string_value(json_object_get(ex, "flow"));
    if (!flow)
        flow = json_string_value(json_object_get(ex, "gas"));
    e->flow = xstrdup(flow ? flow : "");
    e->amount = amount;
    e->unit = xstrdup(u->name);
    e->provider = xstrdup(json_string_value(json_object_get(ex, "provider")));
    e->factor = -1;
    e->cutoff = json_is_true(json_object_get(ex, "cutoff"));
    e->reference = reference;
    e->mass_kg = mass_kg_of(amount, u);
    *out = m->nex++;
    return TJ_OK;
}

/* First pass over one process: validate, pick reference outputs, create its
 * columns (one per reference output, split by allocation). */
static tj_status parse_process_head(parser *ps, json_t *p, int pi)
{
    tj_error *err = ps->err;
    io_model *m = ps->m;
    io_model_process *mp = &m->proc[pi];
    char path[64];
    snprintf(path, sizeof path, "processes[%d]", pi);
    if (!json_is_object(p))
        return tj_error_set(err, TJ_ERR_INPUT, path, "must be an object");
    static const char *const keys[] = {"id", "name", "stage", "data_type", "quality", "allocation",
                                       "exchanges", "location", "note", NULL};
    tj_status st = check_keys(p, keys, path, err);
    if (st)
        return st;
    const char *id, *name, *stage, *dtype;
    if ((st = get_string(p, "id", 1, path, &id, err)) || (st = get_string(p, "name", 0, path, &name, err)) ||
        (st = get_string(p, "stage", 1, path, &stage, err)) ||
        (st = get_string(p, "data_type", 0, path, &dtype, err)))
        return st;
    for (int k = 0; k < pi; k++)
        if (!strcmp(m->proc[k].id, id))
            return tj_error_set(err, TJ_ERR_INPUT, path, "duplicate process id \"%s\" (also processes[%d])", id, k);
    int sg = calc_stage_parse(stage);
    if (sg < 0)
        return tj_error_set(err, TJ_ERR_INPUT, path,
                            "unknown stage \"%s\" (raw_materials, production, distribution, use, end_of_life)", stage);
    if (dtype && strcmp(dtype, "primary") && strcmp(dtype, "secondary"))
        return tj_error_set(err, TJ_ERR_INPUT, path, "data_type must be \"primary\" or \"secondary\", not \"%s\"", dtype);
    calc_dqi dq;
    char qpath[80];
    snprintf(qpath, sizeof qpath, "%s.quality", path);
    if ((st = parse_quality(json_object_get(p, "quality"), qpath, &dq, err)))
        return st;
    mp->id = xstrdup(id);
    mp->name = xstrdup(name ? name : id);
    mp->stage = (calc_stage)sg;
    mp->data_type = xstrdup(dtype);
    if (!mp->id || !mp->name)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");

    json_t *exs = json_object_get(p, "exchanges");
    if (!json_is_array(exs) || json_array_size(exs) == 0)
        return tj_error_set(err, TJ_ERR_INPUT, path, "\"exchanges\" must be a non-empty array");

    /* Reference outputs: product outputs, or a waste input marked reference
     * (a treatment process). */
    size_t nex = json_array_size(exs);
    refout *refs = calloc(nex, sizeof *refs);
    if (!refs)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    int nref = 0;
    for (size_t i = 0; i < nex; i++) {
        json_t *ex = json_array_get(exs, i);
        char epath[96];
        snprintf(epath, sizeof epath, "%s.exchanges[%zu]", path, i);
        if (!json_is_object(ex)) {
            st = tj_error_set(err, TJ_ERR_INPUT, epath, "must be an object");
            goto fail;
        }
        const char *type = json_string_value(json_object_get(ex, "type"));
        const char *dir = json_string_value(json_object_get(ex, "direction"));
        int is_ref = json_is_true(json_object_get(ex, "reference"));
        if (type && dir &&
            ((!strcmp(type, "product") && !strcmp(dir, "output")) ||
             (is_ref && !strcmp(type, "waste") && !strcmp(dir, "input"))))
            refs[nref++] = (refout){ex, (int)i, 1.0};
        else if (is_ref) {
            st = tj_error_set(err, TJ_ERR_INPUT, epath,
                                "\"reference\" is only for a product output or a treated waste input");
            goto fail;
        }
    }
    if (nref == 0) {
        st = tj_error_set(err, TJ_ERR_INPUT, path,
                            "process \"%s\" has no reference product: add a product output "
                            "(or a waste input with \"reference\": true for a treatment process)", id);
        goto fail;
    }

    /* Allocation between several outputs. */
    json_t *alloc = json_object_get(p, "allocation");
    char apath[96];
    snprintf(apath, sizeof apath, "%s.allocation", path);
    if (nref > 1) {
        if (!json_is_object(alloc)) {
            st = tj_error_set(err, TJ_ERR_INPUT, path,
                                "process \"%s\" has %d product outputs: give \"allocation\": {\"method\": "
                                "\"physical\"|\"economic\", \"factors\": {product: share, ...}}", id, nref);
            goto fail;
        }
        static const char *const akeys[] = {"method", "factors", NULL};
        const char *method;
        if ((st = check_keys(alloc, akeys, apath, err)) || (st = get_string(alloc, "method", 1, apath, &method, err))) {
            goto fail;
        }
        if (strcmp(method, "physical") && strcmp(method, "economic")) {
            st = tj_error_set(err, TJ_ERR_INPUT, apath, "method must be \"physical\" or \"economic\", not \"%s\"", method);
            goto fail;
        }
        mp->allocation = xstrdup(method);
        json_t *fac = json_object_get(alloc, "factors");
        double sum = 0;
        if (fac) {
            if (!json_is_object(fac)) {
                st = tj_error_set(err, TJ_ERR_INPUT, apath, "\"factors\" must be an object {product: share}");
                goto fail;
            }
            for (int r = 0; r < nref; r++) {
                const char *flow = json_string_value(json_object_get(refs[r].ex, "flow"));
                json_t *v = flow ? json_object_get(fac, flow) : NULL;
                if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0) {
                    st = tj_error_set(err, TJ_ERR_INPUT, apath,
                                        "factors: missing or invalid share for output \"%s\" (a number >= 0)",
                                        flow ? flow : "?");
                    goto fail;
                }
                refs[r].share = json_number_value(v);
                sum += refs[r].share;
            }
            if (json_object_size(fac) != (size_t)nref) {
                st = tj_error_set(err, TJ_ERR_INPUT, apath,
                                    "factors name %zu products but the process has %d product outputs",
                                    json_object_size(fac), nref);
                goto fail;
            }
        } else if (!strcmp(method, "physical")) {
            /* Derive from the outputs' masses. */
            for (int r = 0; r < nref; r++) {
                const char *unit = json_string_value(json_object_get(refs[r].ex, "unit"));
                const tj_unit *u = tj_unit_find(unit);
                double a = json_number_value(json_object_get(refs[r].ex, "amount"));
                if (!u || u->dim != TJ_DIM_MASS) {
                    st = tj_error_set(err, TJ_ERR_INPUT, apath,
                                        "physical allocation without \"factors\" needs every output in a mass unit");
                    goto fail;
                }
                refs[r].share = a * u->to_base;
                sum += refs[r].share;
            }
            if (!(sum > 0)) {
                st = tj_error_set(err, TJ_ERR_INPUT, apath, "outputs have no mass to allocate by");
                goto fail;
            }
            for (int r = 0; r < nref; r++)
                refs[r].share /= sum;
            sum = 1.0;
        } else {
            st = tj_error_set(err, TJ_ERR_INPUT, apath, "economic allocation needs explicit \"factors\"");
            goto fail;
        }
        if (fabs(sum - 1.0) > 1e-6) {
            st = tj_error_set(err, TJ_ERR_INPUT, apath, "allocation factors sum to %.10g, not 1", sum);
            goto fail;
        }
    } else if (alloc) {
        st = tj_error_set(err, TJ_ERR_INPUT, apath, "allocation given but the process has one reference output");
        goto fail;
    }

    /* Columns. */
    mp->ncols = nref;
    for (int r = 0; r < nref; r++) {
        json_t *ex = refs[r].ex;
        char epath[96];
        snprintf(epath, sizeof epath, "%s.exchanges[%d]", path, refs[r].index);
        if ((st = check_keys(ex, exchange_keys, epath, err)))
            goto fail;
        const char *flow, *unit;
        double amount = 0;
        if ((st = get_string(ex, "flow", 1, epath, &flow, err)) || (st = get_string(ex, "unit", 1, epath, &unit, err)) ||
            (st = get_number(ex, "amount", 1, epath, &amount, err)))
            goto fail;
        for (int q = 0; q < r; q++)
            if (!strcmp(flow, json_string_value(json_object_get(refs[q].ex, "flow")))) {
                st = tj_error_set(err, TJ_ERR_INPUT, epath, "two reference outputs named \"%s\"", flow);
                goto fail;
            }
        if (!(amount > 0)) {
            st = tj_error_set(err, TJ_ERR_INPUT, epath, "a reference output amount must be > 0, got %g", amount);
            goto fail;
        }
        const tj_unit *u;
        char upath[112];
        snprintf(upath, sizeof upath, "%s.unit", epath);
        if ((st = tj_unit_lookup(unit, upath, &u, err)))
            goto fail;
        tj_buf colid;
        tj_buf_init(&colid, TJ_BUF_KEY_MAX);
        if ((st = nref > 1 ? tj_buf_appendf(&colid, "%s/%s", id, flow) : tj_buf_appends(&colid, id))) {
            tj_buf_release(&colid);
            st = key_error(err, st, epath, "process id and product name");
            goto fail;
        }
        int col = calc_system_add_process(m->sys, tj_buf_str(&colid), mp->name, flow, u->name, mp->stage, &dq);
        tj_buf_release(&colid);
        if (col < 0) {
            st = tj_error_set(err, (tj_status)col, epath, "cannot add process: %s", m->sys->err.message);
            goto fail;
        }
        if (r == 0)
            mp->first_col = col;
        if ((st = calc_system_add_tech(m->sys, col, col, amount, NULL, NULL))) {
            tj_error_set(err, st, epath, "cannot add output");
            goto fail;
        }
    }
    /* The second pass splits every other exchange by these shares. */
    ps->refs[pi] = refs;
    ps->nrefs[pi] = nref;
    return TJ_OK;
fail:
    free(refs);
    return st;
}

/* Share of process pi's burden carried by its r-th column. */
static double col_share(const parser *ps, int pi, int r)
{
    return ps->refs[pi][r].share;
}

/* Is exchange i of process pi one of its reference outputs? */
static int is_ref_index(const parser *ps, int pi, int i)
{
    for (int r = 0; r < ps->nrefs[pi]; r++)
        if (ps->refs[pi][r].index == i)
            return 1;
    return 0;
}

static int find_proc(io_model *m, const char *id)
{
    for (int k = 0; k < m->nproc; k++)
        if (!strcmp(m->proc[k].id, id))
            return k;
    return -1;
}

static tj_status parse_elementary(parser *ps, json_t *ex, const char *epath, const char *dir,
                                  const tj_unit *u, int *flow_out, double *sign_out,
                                  double *conv_out)
{
    tj_error *err = ps->err;
    io_model *m = ps->m;
    const char *gasname, *flowname, *channel, *compartment;
    tj_status st;
    if ((st = get_string(ex, "gas", 0, epath, &gasname, err)) || (st = get_string(ex, "flow", 0, epath, &flowname, err)) ||
        (st = get_string(ex, "channel", 0, epath, &channel, err)) ||
        (st = get_string(ex, "compartment", 0, epath, &compartment, err)))
        return st;
    if (!gasname && !flowname)
        return tj_error_set(err, TJ_ERR_INPUT, epath, "an elementary exchange needs \"gas\" (name or CAS) or \"flow\"");
    const tj_gas *gas = tj_gas_find(gasname ? gasname : flowname);
    if (gasname && !gas)
        return tj_error_set(err, TJ_ERR_INPUT, epath,
                            "\"%s\" is not a greenhouse gas tanji knows (CO2, CH4, N2O, SF6, NF3, HFCs, PFCs by "
                            "name or CAS); use \"flow\" for other substances", gasname);
    int input = !strcmp(dir, "input");
    int ch;
    if (channel) {
        if ((ch = calc_channel_parse(channel)) < 0)
            return tj_error_set(err, TJ_ERR_INPUT, epath,
                                "unknown channel \"%s\" (fossil, biogenic, biogenic_removal, dluc, aircraft)", channel);
    } else {
        ch = input ? CALC_CH_BIOGENIC_REMOVAL : CALC_CH_FOSSIL;
    }
    if (input && gas && ch != CALC_CH_BIOGENIC_REMOVAL)
        return tj_error_set(err, TJ_ERR_INPUT, epath,
                            "a greenhouse gas input is an uptake: its channel must be \"biogenic_removal\"");
    if (!input && ch == CALC_CH_BIOGENIC_REMOVAL)
        return tj_error_set(err, TJ_ERR_INPUT, epath,
                            "channel \"biogenic_removal\" is for uptakes: use direction \"input\"");
    double conv = 1.0;
    const char *funit = u->name;
    if (gas) {
        const tj_unit *kg = tj_unit_find("kg");
        char upath[128];
        snprintf(upath, sizeof upath, "%s.unit", epath);
        if ((st = tj_unit_factor(u, kg, &conv, upath, err)))
            return st;
        funit = "kg";
    }
    tj_buf key;
    tj_buf_init(&key, TJ_BUF_KEY_MAX);
    if (gas)
        st = tj_buf_appendf(&key, "%s/%s", gas->id, calc_channel_key((calc_channel)ch));
    else
        st = tj_buf_appendf(&key, "%s/%s/%s", flowname, compartment ? compartment : "", funit);
    if (st) {
        tj_buf_release(&key);
        return key_error(err, st, epath, "flow name and compartment");
    }
    int k = calc_system_find_flow(m->sys, tj_buf_str(&key));
    if (k < 0) {
        calc_flow f = {0};
        f.id = (char *)tj_buf_str(&key);
        f.name = (char *)(gas ? gas->id : flowname);
        f.compartment = (char *)compartment;
        f.unit = (char *)funit;
        f.gas = gas;
        f.channel = (calc_channel)ch;
        f.cf = gas ? tj_gas_gwp(gas, m->gwp, ch == CALC_CH_BIOGENIC || ch == CALC_CH_BIOGENIC_REMOVAL) : 0.0;
        f.source = gas ? (char *)gas->source : NULL;
        k = calc_system_add_flow(m->sys, &f);
        if (k < 0) {
            tj_buf_release(&key);
            return tj_error_set(err, (tj_status)k, epath, "cannot add flow");
        }
    }
    tj_buf_release(&key);
    *flow_out = k;
    *sign_out = input ? -1.0 : 1.0;
    *conv_out = conv;
    return TJ_OK;
}

/* Second pass over one process: every exchange that is not a reference
 * output becomes entries of A or B (once per column, scaled by its share). */
static tj_status parse_process_body(parser *ps, json_t *p, int pi)
{
    tj_error *err = ps->err;
    io_model *m = ps->m;
    io_model_process *mp = &m->proc[pi];
    json_t *exs = json_object_get(p, "exchanges");
    tj_status st = TJ_OK;
    mp->first_exchange = m->nex;
    mp->nexchanges = (int)json_array_size(exs);
    for (size_t i = 0; i < json_array_size(exs); i++) {
        json_t *ex = json_array_get(exs, i);
        char epath[96];
        snprintf(epath, sizeof epath, "processes[%d].exchanges[%zu]", pi, i);
        if ((st = check_keys(ex, exchange_keys, epath, err)))
            return st;
        const char *type, *dir, *unit;
        double amount = 0;
        if ((st = get_string(ex, "type", 1, epath, &type, err)) || (st = get_string(ex, "direction", 1, epath, &dir, err)) ||
            (st = get_string(ex, "unit", 1, epath, &unit, err)) || (st = get_number(ex, "amount", 1, epath, &amount, err)))
            return st;
        if (strcmp(type, "product") && strcmp(type, "waste") && strcmp(type, "elementary"))
            return tj_error_set(err, TJ_ERR_INPUT, epath, "type must be \"product\", \"waste\" or \"elementary\", not \"%s\"", type);
        if (strcmp(dir, "input") && strcmp(dir, "output"))
            return tj_error_set(err, TJ_ERR_INPUT, epath, "direction must be \"input\" or \"output\", not \"%s\"", dir);
        if (amount < 0)
            return tj_error_set(err, TJ_ERR_INPUT, epath,
                                "amount %g is negative: amounts are >= 0 and \"direction\" gives the sign", amount);
        const tj_unit *u;
        char upath[128];
        snprintf(upath, sizeof upath, "%s.unit", epath);
        if ((st = tj_unit_lookup(unit, upath, &u, err)))
            return st;
        int exi;
        if (is_ref_index(ps, pi, (int)i)) {
            if ((st = add_exchange_record(ps, pi, ex, u, amount, 1, &exi)))
                return st;
            continue;
        }
        if ((st = add_exchange_record(ps, pi, ex, u, amount, 0, &exi)))
            return st;
        calc_dqi dq;
        calc_dist dist;
        char qpath[128];
        snprintf(qpath, sizeof qpath, "%s.quality", epath);
        if ((st = parse_quality(json_object_get(ex, "quality"), qpath, &dq, err)))
            return st;
        snprintf(qpath, sizeof qpath, "%s.uncertainty", epath);
        if ((st = parse_uncertainty(json_object_get(ex, "uncertainty"), amount, qpath, &dist, err)))
            return st;

        if (!strcmp(type, "elementary")) {
            int fk = -1;
            double sign = 1.0, conv = 1.0;
            if ((st = parse_elementary(ps, ex, epath, dir, u, &fk, &sign, &conv)))
                return st;
            for (int c = 0; c < mp->ncols; c++) {
                double k = sign * conv * col_share(ps, pi, c);
                calc_dist d = dist_scale(dist, k);
                if ((st = calc_system_add_elem(m->sys, fk, mp->first_col + c, amount * k, &d, &dq)))
                    return tj_error_set(err, st, epath, "cannot add exchange");
            }
            continue;
        }
        /* product input, or waste output: consumes a product or a treatment */
        int consumes = (!strcmp(type, "product") && !strcmp(dir, "input")) ||
                       (!strcmp(type, "waste") && !strcmp(dir, "output"));
        if (!consumes)
            return tj_error_set(err, TJ_ERR_INPUT, epath,
                                !strcmp(type, "waste")
                                    ? "a waste input is only allowed as the reference of a treatment process (\"reference\": true)"
                                    : "unexpected product exchange");
        const char *flow, *provider;
        json_t *fref = json_object_get(ex, "factor");
        int cutoff = json_is_true(json_object_get(ex, "cutoff"));
        if ((st = get_string(ex, "flow", 1, epath, &flow, err)) ||
            (st = get_string(ex, "provider", 0, epath, &provider, err)))
            return st;
        int nlinks = (provider != NULL) + (fref != NULL) + cutoff;
        if (nlinks == 0)
            return tj_error_set(err, TJ_ERR_INPUT, epath,
                                "missing provider for \"%s\": give \"provider\" (a process id), \"factor\" "
                                "(a background factor) or \"cutoff\": true", flow);
        if (nlinks > 1)
            return tj_error_set(err, TJ_ERR_INPUT, epath, "give only one of \"provider\", \"factor\" and \"cutoff\"");
        /* Only product inputs count towards the cut-off share's mass base. */
        double mass = !strcmp(type, "product") ? mass_kg_of(amount, u) : NAN;
        if (cutoff) {
            for (int c = 0; c < mp->ncols; c++) {
                double sh = col_share(ps, pi, c);
                if ((st = calc_system_add_cutoff(m->sys, mp->first_col + c, flow, amount * sh, u->name, mass * sh)))
                    return tj_error_set(err, st, epath, "cannot add cut-off");
            }
            continue;
        }
        if (provider) {
            int pk = find_proc(m, provider);
            if (pk < 0)
                return tj_error_set(err, TJ_ERR_INPUT, epath, "provider \"%s\" is not a process of this model", provider);
            io_model_process *pp = &m->proc[pk];
            int pcol = -1;
            if (pp->ncols == 1) {
                pcol = pp->first_col;
            } else {
                for (int c = 0; c < pp->ncols; c++)
                    if (!strcmp(m->sys->proc[pp->first_col + c].product, flow))
                        pcol = pp->first_col + c;
                if (pcol < 0)
                    return tj_error_set(err, TJ_ERR_INPUT, epath,
                                        "provider \"%s\" has several outputs and none is named \"%s\"", provider, flow);
            }
            const char *punit = m->sys->proc[pcol].unit;
            const tj_unit *pu = tj_unit_find(punit);
            double conv;
            if ((st = tj_unit_factor(u, pu, &conv, upath, err))) {
                tj_error_prefix(err, "provider \"%s\" makes \"%s\" in %s", provider, m->sys->proc[pcol].product, punit);
                return st;
            }
            for (int c = 0; c < mp->ncols; c++) {
                double k = -conv * col_share(ps, pi, c);
                calc_dist d = dist_scale(dist, k);
                if ((st = calc_system_add_tech(m->sys, pcol, mp->first_col + c, amount * k, &d, &dq)))
                    return tj_error_set(err, st, epath, "cannot add exchange");
                if (!isnan(mass) && (st = calc_system_add_input_mass(m->sys, mp->first_col + c, mass * col_share(ps, pi, c))))
                    return tj_error_set(err, st, epath, "cannot add exchange");
            }
            continue;
        }
        /* background factor */
        int fi = -1;
        char fpath[128];
        snprintf(fpath, sizeof fpath, "%s.factor", epath);
        if ((st = use_factor(ps, fref, fpath, &fi)))
            return st;
        m->ex[exi].factor = fi;
        io_factor *x = &m->factor[fi];
        x->used = 1;
        const tj_unit *fu = tj_unit_find(x->unit);
        double conv;
        if (!fu)
            return tj_error_set(err, TJ_ERR_INPUT, fpath, "factor unit \"%s\" is not known", x->unit);
        if ((st = tj_unit_factor(u, fu, &conv, upath, err))) {
            tj_error_prefix(err, "factor \"%s\" is per %s", x->id, x->unit);
            return st;
        }
        int fk = -1;
        if ((st = factor_flow(ps, fi, fpath, &fk)))
            return st;
        for (int c = 0; c < mp->ncols; c++) {
            double k = conv * col_share(ps, pi, c);
            calc_dist d = dist_scale(dist, k);
            if ((st = calc_system_add_elem(m->sys, fk, mp->first_col + c, amount * k, &d, &dq)))
                return tj_error_set(err, st, epath, "cannot add exchange");
            if (!isnan(mass) && (st = calc_system_add_input_mass(m->sys, mp->first_col + c, mass * col_share(ps, pi, c))))
                return tj_error_set(err, st, epath, "cannot add exchange");
        }
    }
    return TJ_OK;
}

static tj_status parse_product(parser *ps, json_t *prod)
{
    tj_error *err = ps->err;
    io_model *m = ps->m;
    if (!json_is_object(prod))
        return tj_error_set(err, TJ_ERR_INPUT, "product", "missing or not an object");
    static const char *const keys[] = {"name", "unit", "amount", "boundary", "reference_period", "geography",
                                       "process", "flow", "functional_unit", "category", "codes", NULL};
    tj_status st = check_keys(prod, keys, "product", err);
    if (st)
        return st;
    json_t *name = json_object_get(prod, "name");
    if (json_is_string(name)) {
        m->name_en = xstrdup(json_string_value(name));
    } else if (json_is_object(name)) {
        static const char *const nkeys[] = {"zh", "en", NULL};
        const char *zh, *en;
        if ((st = check_keys(name, nkeys, "product.name", err)) || (st = get_string(name, "zh", 0, "product.name", &zh, err)) ||
            (st = get_string(name, "en", 0, "product.name", &en, err)))
            return st;
        if (!zh && !en)
            return tj_error_set(err, TJ_ERR_INPUT, "product.name", "give \"zh\" and/or \"en\"");
        m->name_zh = xstrdup(zh);
        m->name_en = xstrdup(en);
    } else {
        return tj_error_set(err, TJ_ERR_INPUT, "product", "missing \"name\" (a string or {\"zh\", \"en\"})");
    }
    const char *unit, *boundary, *geo, *fu;
    double amount = 1.0;
    if ((st = get_string(prod, "unit", 1, "product", &unit, err)) || (st = get_number(prod, "amount", 0, "product", &amount, err)) ||
        (st = get_string(prod, "boundary", 1, "product", &boundary, err)) ||
        (st = get_string(prod, "geography", 0, "product", &geo, err)) ||
        (st = get_string(prod, "functional_unit", 0, "product", &fu, err)))
        return st;
    if (!(amount > 0))
        return tj_error_set(err, TJ_ERR_INPUT, "product.amount", "must be > 0, got %g", amount);
    const tj_unit *u;
    if ((st = tj_unit_lookup(unit, "product.unit", &u, err)))
        return st;
    if (strcmp(boundary, "cradle-to-gate") && strcmp(boundary, "cradle-to-grave"))
        return tj_error_set(err, TJ_ERR_INPUT, "product.boundary",
                            "must be \"cradle-to-gate\" (partial footprint) or \"cradle-to-grave\", not \"%s\"", boundary);
    if (geo && (strlen(geo) < 2 || strlen(geo) > 6 || geo[0] < 'A' || geo[0] > 'Z'))
        return tj_error_set(err, TJ_ERR_INPUT, "product.geography",
                            "\"%s\" is not an ISO 3166 code (e.g. CN, CN-YN)", geo);
    m->unit = xstrdup(u->name);
    m->amount = amount;
    m->boundary = xstrdup(boundary);
    m->geography = xstrdup(geo);
    m->functional_unit_text = xstrdup(fu);
    json_t *rp = json_object_get(prod, "reference_period");
    if (rp) {
        static const char *const rkeys[] = {"start", "end", NULL};
        const char *s, *e;
        if (!json_is_object(rp))
            return tj_error_set(err, TJ_ERR_INPUT, "product.reference_period", "must be {\"start\", \"end\"}");
        if ((st = check_keys(rp, rkeys, "product.reference_period", err)) ||
            (st = get_string(rp, "start", 1, "product.reference_period", &s, err)) ||
            (st = get_string(rp, "end", 1, "product.reference_period", &e, err)))
            return st;
        if ((st = tj_check_period("product.reference_period.start", s, "product.reference_period.end", e,
                                  TJ_DATE_DAY, err)))
            return st;
        m->period_start = xstrdup(s);
        m->period_end = xstrdup(e);
    }
    return TJ_OK;
}

static tj_status resolve_demand(parser *ps, json_t *prod)
{
    io_model *m = ps->m;
    tj_error *err = ps->err;
    const char *pid = json_string_value(json_object_get(prod, "process"));
    const char *flow = json_string_value(json_object_get(prod, "flow"));
    int pk = 0;
    if (pid) {
        if ((pk = find_proc(m, pid)) < 0)
            return tj_error_set(err, TJ_ERR_INPUT, "product.process", "\"%s\" is not a process of this model", pid);
    } else if (m->nproc > 1) {
        return tj_error_set(err, TJ_ERR_INPUT, "product", "name the process that makes the product: \"process\": ID");
    }
    io_model_process *mp = &m->proc[pk];
    int col = mp->first_col;
    if (mp->ncols > 1) {
        if (!flow)
            return tj_error_set(err, TJ_ERR_INPUT, "product", "process \"%s\" has several outputs: name one with \"flow\"", mp->id);
        col = -1;
        for (int c = 0; c < mp->ncols; c++)
            if (!strcmp(m->sys->proc[mp->first_col + c].product, flow))
                col = mp->first_col + c;
        if (col < 0)
            return tj_error_set(err, TJ_ERR_INPUT, "product.flow", "process \"%s\" has no output \"%s\"", mp->id, flow);
    }
    const tj_unit *from = tj_unit_find(m->unit), *to = tj_unit_find(m->sys->proc[col].unit);
    double conv;
    tj_status st = tj_unit_factor(from, to, &conv, "product.unit", err);
    if (st) {
        tj_error_prefix(err, "the product is made by \"%s\" in %s", mp->id, to->name);
        return st;
    }
    m->demand_col = col;
    m->demand_amount = m->amount * conv;
    return TJ_OK;
}

tj_status io_model_parse(const char *text, size_t len, const char *filename,
                         const io_model_options *opt, io_model **out, tj_error *err)
{
    io_model_options defaults;
    if (!opt) {
        io_model_options_init(&defaults);
        opt = &defaults;
    }
    *out = NULL;
    if (len > opt->max_bytes)
        return tj_error_set_at(err, TJ_ERR_INPUT, filename, 0, 0, "model is %zu bytes, over the limit of %zu bytes",
                               len, opt->max_bytes);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return tj_error_set_at(err, TJ_ERR_INPUT, filename, jerr.line, jerr.column, "%s", jerr.text);
    tj_status st = TJ_OK;
    io_model *m = calloc(1, sizeof *m);
    parser ps = {opt, m, err, 0, NULL, NULL};
    if (!m) {
        json_decref(root);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    m->gwp = opt->gwp;
    m->demand_col = -1;
    if (!json_is_object(root)) {
        st = tj_error_set(err, TJ_ERR_INPUT, "$", "a model must be a JSON object");
        goto out;
    }
    static const char *const keys[] = {"tanji_model", "product", "factors", "processes", "note", "example", NULL};
    if ((st = check_keys(root, keys, "$", err)))
        goto out;
    /* Digest of the canonical input, before we annotate the tree. */
    char *canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!canon) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    unsigned char dig[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(dig, (const unsigned char *)canon, strlen(canon));
    free(canon);
    sodium_bin2hex(m->inputs_digest, sizeof m->inputs_digest, dig, sizeof dig);

    json_t *ver = json_object_get(root, "tanji_model");
    if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1)) {
        st = tj_error_set(err, TJ_ERR_INPUT, "tanji_model", "unsupported model format version (this tanji reads 1)");
        goto out;
    }
    json_t *prod = json_object_get(root, "product");
    if ((st = parse_product(&ps, prod)))
        goto out;
    m->sys = calc_system_new(m->name_en ? m->name_en : m->name_zh);
    if (!m->sys) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((st = parse_factors(&ps, json_object_get(root, "factors"))))
        goto out;
    json_t *procs = json_object_get(root, "processes");
    if (!json_is_array(procs) || json_array_size(procs) == 0) {
        st = tj_error_set(err, TJ_ERR_INPUT, "processes", "must be a non-empty array");
        goto out;
    }
    if (json_array_size(procs) > 1000000) {
        st = tj_error_set(err, TJ_ERR_INPUT, "processes", "more than 1,000,000 processes");
        goto out;
    }
    m->proc = calloc(json_array_size(procs), sizeof *m->proc);
    ps.refs = calloc(json_array_size(procs), sizeof *ps.refs);
    ps.nrefs = calloc(json_array_size(procs), sizeof *ps.nrefs);
    if (!m->proc || !ps.refs || !ps.nrefs) {
        st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(procs); i++) {
        m->nproc = (int)i + 1;
        if ((st = parse_process_head(&ps, json_array_get(procs, i), (int)i)))
            goto out;
    }
    for (size_t i = 0; i < json_array_size(procs); i++)
        if ((st = parse_process_body(&ps, json_array_get(procs, i), (int)i)))
            goto out;
    if ((st = resolve_demand(&ps, prod)))
        goto out;
out:
    json_decref(root);
    for (int k = 0; ps.refs && k < m->nproc; k++)
        free(ps.refs[k]);
    free(ps.refs);
    free(ps.nrefs);
    if (st) {
        io_model_free(m);
        return st;
    }
    *out = m;
    return TJ_OK;
}

tj_status io_model_load_file(const char *path, const io_model_options *opt, io_model **out, tj_error *err)
{
    io_model_options defaults;
    if (!opt) {
        io_model_options_init(&defaults);
        opt = &defaults;
    }
    char *text;
    size_t len;
    tj_status st = io_read_file(path, opt->max_bytes, &text, &len, err);
    if (st)
        return st;
    st = io_model_parse(text, len, path, opt, out, err);
    free(text);
    return st;
}

void io_model_free(io_model *m)
{
    if (!m)
        return;
    free(m->name_zh);
    free(m->name_en);
    free(m->unit);
    free(m->boundary);
    free(m->period_start);
    free(m->period_end);
    free(m->geography);
    free(m->functional_unit_text);
    calc_system_free(m->sys);
    for (int i = 0; i < m->nproc; i++) {
        free(m->proc[i].id);
        free(m->proc[i].name);
        free(m->proc[i].data_type);
        free(m->proc[i].allocation);
    }
    free(m->proc);
    for (int i = 0; i < m->nex; i++) {
        free(m->ex[i].type);
        free(m->ex[i].direction);
        free(m->ex[i].flow);
        free(m->ex[i].unit);
        free(m->ex[i].provider);
    }
    free(m->ex);
    for (int i = 0; i < m->nfactor; i++) {
        io_factor *x = &m->factor[i];
        free(x->ref);
        free(x->id);
        free(x->version);
        free(x->name);
        free(x->unit);
        free(x->source);
        free(x->note);
        free(x->parts);
    }
    free(m->factor);
    free(m);
}

/* Footprint report document: built from a footprint result; see report.h. */
#include "io/report.h"

#include "io/report_strings.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSTAGES 5
static const char *const stage_keys[NSTAGES] = {"raw_materials", "production", "distribution", "use",
                                                "end_of_life"};

typedef struct bctx {
    io_report *r;
    int oom;
} bctx;

/* Every user-facing string comes from the tables in report_strings.c. */
#define S(key_) io_rs_text((key_), c->r->zh)

/* The label of an enumerated value (a DQR rating, a boundary, ...) in the
 * report's language; a value the tables do not know is shown as it is. */
static const char *value_label(bctx *c, io_rv_kind kind, const char *value)
{
    int k = io_rv_key(kind, value);
    return k >= 0 ? S((io_rs)k) : value;
}

void io_nice_axis(double lo, double hi, double *axis_lo, double *axis_hi, double *step)
{
    if (!(hi > lo)) {
        hi = lo + 1;
    }
    double raw = (hi - lo) / 4, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    double st = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
    *step = st;
    *axis_lo = floor(lo / st) * st;
    *axis_hi = ceil(hi / st) * st;
    if (*axis_hi <= *axis_lo)
        *axis_hi = *axis_lo + st;
}

char *io_fmt_num(double v, char *buf, size_t size)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, size, "%s", isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf"));
    else if (v == 0)
        snprintf(buf, size, "0");
    else if (a >= 1e12 || a < 1e-4)
        snprintf(buf, size, "%.4g", v);
    else if (v == floor(v))
        snprintf(buf, size, "%.0f", v);
    else if (a >= 1000)
        snprintf(buf, size, "%.1f", v);
    else
        snprintf(buf, size, "%.4g", v);
    return buf;
}

static char *xstrdup(bctx *c, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        c->oom = 1;
    return d;
}

static char *xprintf(bctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xprintf(bctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
        c->oom = 1;
    }
    va_end(ap);
    return s;
}

static char *num(bctx *c, double v)
{
    char b[64];
    return xstrdup(c, io_fmt_num(v, b, sizeof b));
}

static char *pct(bctx *c, double share)
{
    if (!isfinite(share))
        return xstrdup(c, "-");
    if (share != 0 && fabs(share) < 0.001)
        return xprintf(c, "%.3f%%", share * 100);
    return xprintf(c, "%.1f%%", share * 100);
}

static io_section *section(bctx *c, const char *id, const char *title)
{
    io_report *r = c->r;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        io_section *ns = realloc(r->sections, cap * sizeof *ns);
        if (!ns) {
            c->oom = 1;
            return NULL;
        }
        r->sections = ns;
        r->cap = cap;
    }
    io_section *s = &r->sections[r->n++];
    memset(s, 0, sizeof *s);
    s->id = xstrdup(c, id);
    s->title = xstrdup(c, title);
    return s;
}

static io_block *block(bctx *c, io_section *s, io_block_kind kind)
{
    if (!s)
        return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        io_block *nb = realloc(s->blocks, cap * sizeof *nb);
        if (!nb) {
            c->oom = 1;
            return NULL;
        }
        s->blocks = nb;
        s->cap = cap;
    }
    io_block *b = &s->blocks[s->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

static void text(bctx *c, io_section *s, io_block_kind kind, char *owned)
{
    io_block *b = block(c, s, kind);
    if (!b) {
        free(owned);
        return;
    }
    b->text = owned;
}

/* Append a row of owned cells (exactly b->ncols of them). */
static void row(bctx *c, io_block *b, char **cells)
{
    char **nc = realloc(b->cells, (b->nrows + 1) * b->ncols * sizeof *nc);
    if (!nc) {
        c->oom = 1;
        for (size_t i = 0; i < b->ncols; i++)
            free(cells[i]);
        return;
    }
    b->cells = nc;
    memcpy(b->cells + b->nrows * b->ncols, cells, b->ncols * sizeof *cells);
    b->nrows++;
}

static void kv(bctx *c, io_block *b, const char *key, char *owned_value)
{
    char *cells[2] = {xstrdup(c, key), owned_value ? owned_value : xstrdup(c, "-")};
    if (!b) {
        free(cells[0]);
        free(cells[1]);
        return;
    }
    row(c, b, cells);
}

static io_block *table(bctx *c, io_section *s, size_t ncols, unsigned right_mask, ...)
{
    io_block *b = block(c, s, IO_BLOCK_TABLE);
    if (!b)
        return NULL;
    b->ncols = ncols;
    b->right_mask = right_mask;
    char *cells[16];
    va_list ap;
    va_start(ap, right_mask);
    for (size_t i = 0; i < ncols && i < 16; i++)
        cells[i] = xstrdup(c, va_arg(ap, const char *));
    va_end(ap);
    row(c, b, cells);
    return b;
}

static void row_n(bctx *c, io_block *b, ...)
{
    char *cells[16];
    va_list ap;
    va_start(ap, b);
    size_t n = b ? b->ncols : 0;
    for (size_t i = 0; i < n && i < 16; i++)
        cells[i] = va_arg(ap, char *);
    va_end(ap);
    if (b)
        row(c, b, cells);
}

static void chart_add(bctx *c, io_block *b, char *owned_label, double v, int flag)
{
    if (!b) {
        free(owned_label);
        return;
    }
    char **nl = realloc(b->labels, (b->n + 1) * sizeof *nl);
    if (nl)
        b->labels = nl;
    double *nv = realloc(b->values, (b->n + 1) * sizeof *nv);
    if (nv)
        b->values = nv;
    int *nf = realloc(b->flags, (b->n + 1) * sizeof *nf);
    if (nf)
        b->flags = nf;
    if (!nl || !nv || !nf) {
        c->oom = 1;
        free(owned_label);
        return;
    }
    b->labels[b->n] = owned_label;
    b->values[b->n] = v;
    b->flags[b->n] = flag;
    b->n++;
}

/* ---- reading the footprint --------------------------------------------- */

static double jnum(const json_t *o, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A value as display text: strings as they are, {zh,en} in the report's
 * language, numbers formatted, anything else as compact JSON. */
static char *jtext(bctx *c, const json_t *v)
{
    if (!v || json_is_null(v))
        return xstrdup(c, "-");
    if (json_is_string(v))
        return xstrdup(c, json_string_value(v));
    if (json_is_number(v))
        return num(c, json_number_value(v));
    if (json_is_boolean(v))
        return xstrdup(c, json_is_true(v) ? S(IO_RS_YES) : S(IO_RS_NO));
    if (json_is_object(v)) {
        const char *zh = jstr(v, "zh"), *en = jstr(v, "en");
        if (zh || en)
            return xstrdup(c, c->r->zh ? (zh ? zh : en) : (en ? en : zh));
        const char *s = jstr(v, "start"), *e = jstr(v, "end");
        if (s && e)
            return xprintf(c, "%s — %s", s, e);
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        c->oom = 1;
    return s;
}

/* An enumerated value as display text: its label where the tables know it. */
static char *jvalue(bctx *c, io_rv_kind kind, const json_t *v)
{
    return json_is_string(v) ? xstrdup(c, value_label(c, kind, json_string_value(v))) : jtext(c, v);
}

tj_status io_footprint_validate(const json_t *fp, tj_error *err)
{
    if (!json_is_object(fp))
        return tj_error_set(err, TJ_ERR_INPUT, "", "a footprint result must be a JSON object");
    if (!json_is_number(json_object_get(fp, "total")))
        return tj_error_set(err, TJ_ERR_INPUT, "total",
                            "required number \"total\" is missing (is this the output of `tanji "
                            "calc --format json`?)");
    if (!json_is_string(json_object_get(fp, "unit")))
        return tj_error_set(err, TJ_ERR_INPUT, "unit", "required string \"unit\" is missing");
    json_t *bs = json_object_get(fp, "by_stage");
    if (!json_is_object(bs))
        return tj_error_set(err, TJ_ERR_INPUT, "by_stage", "required object \"by_stage\" is missing");
    for (int i = 0; i < NSTAGES; i++) {
        json_t *v = json_object_get(bs, stage_keys[i]);
        if (v && !json_is_number(v))
            return tj_error_set(err, TJ_ERR_INPUT, "by_stage", "by_stage.%s must be a number", stage_keys[i]);
    }
    static const char *const arrays[] = {"by_gas", "unsplit_factors", "by_process", "paths", "factors_used", "inventory"};
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) {
        json_t *v = json_object_get(fp, arrays[i]);
        if (v && !json_is_array(v))
            return tj_error_set(err, TJ_ERR_INPUT, arrays[i], "\"%s\" must be an array", arrays[i]);
        size_t k;
        json_t *e;
        json_array_foreach(v, k, e) if (!json_is_object(e))
        {
            char p[64];
            snprintf(p, sizeof p, "%s[%zu]", arrays[i], k);
            return tj_error_set(err, TJ_ERR_INPUT, p, "must be an object");
        }
    }
    static const char *const objects[] = {"dqr", "uncertainty", "demand", "model", "solver"};
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++) {
        json_t *v = json_object_get(fp, objects[i]);
        if (v && !json_is_object(v) && !json_is_null(v))
            return tj_error_set(err, TJ_ERR_INPUT, objects[i], "\"%s\" must be an object", objects[i]);
    }
    return TJ_OK;
}

/* ---- sections ------------------------------------------------------------ */

static const char *stage_label(bctx *c, int i)
{
    return value_label(c, IO_RV_STAGE, stage_keys[i]);
}

static int stage_index(const char *s)
{
    for (int i = 0; s && i < NSTAGES; i++)
        if (!strcmp(s, stage_keys[i]))
            return i;
    return -1;
}

static const char *boundary_of(const json_t *fp)
{
    const char *b = jstr(json_object_get(fp, "model"), "boundary");
    if (!b)
        b = jstr(json_object_get(fp, "demand"), "boundary");
    return b;
}

static void sec_scope(bctx *c, const json_t *fp, const char *unit, const char *product)
{
    io_section *s = section(c, "scope", S(IO_RS_GOAL_AND_SCOPE));
    const json_t *model = json_object_get(fp, "model");
    const json_t *demand = json_object_get(fp, "demand");
    const char *boundary = boundary_of(fp);
    int grave = boundary && !strcmp(boundary, "cradle-to-grave");
    text(c, s, IO_BLOCK_PARA,
         xprintf(c,
                 S(IO_RS_SCOPE_TEXT),
                 product,
                 grave ? S(IO_RS_CARBON_FOOTPRINT_CFP)
                       : S(IO_RS_PARTIAL_CARBON_FOOTPRINT_PCFP)));
    io_block *b = block(c, s, IO_BLOCK_KV);
    if (b)
        b->ncols = 2;
    kv(c, b, S(IO_RS_PRODUCT), xstrdup(c, product));
    const json_t *cat = json_object_get(model, "category");
    if (cat)
        kv(c, b, S(IO_RS_PRODUCT_CATEGORY), jtext(c, cat));
    kv(c, b, S(IO_RS_STUDY_TYPE),
       xstrdup(c, grave ? S(IO_RS_FULL_CARBON_FOOTPRINT_CFP)
                        : S(IO_RS_PARTIAL_CARBON_FOOTPRINT_PCFP)));
    kv(c, b, S(IO_RS_SYSTEM_BOUNDARY), xstrdup(c, boundary ? value_label(c, IO_RV_BOUNDARY, boundary) : "-"));
    kv(c, b, S(IO_RS_REFERENCE_PERIOD), jtext(c, json_object_get(model, "reference_period")));
    kv(c, b, S(IO_RS_GEOGRAPHY), jtext(c, json_object_get(model, "geography")));
    kv(c, b, S(IO_RS_GWP_SET),
       json_object_get(fp, "gwp") ? xprintf(c, "IPCC %s GWP100",
                                            json_string_value(json_object_get(fp, "gwp"))
                                                ? json_string_value(json_object_get(fp, "gwp"))
                                                : "?")
                                  : xstrdup(c, "-"));
    kv(c, b, S(IO_RS_RESULT_UNIT), xstrdup(c, unit));
    kv(c, b, S(IO_RS_STANDARDS),
       xstrdup(c, "GB/T 24067-2024; ISO 14067:2018; GB/T 24040/24044 (ISO 14040/14044)"));
    const json_t *solver = json_object_get(fp, "solver");
    if (solver) {
        const char *sn = jstr(solver, "name") ? jstr(solver, "name") : jstr(solver, "method");
        char nb[64];
        json_t *res = json_object_get(solver, "residual");
        kv(c, b, S(IO_RS_CALCULATION),
           json_is_number(res)
               ? xprintf(c, "%s, %s %s, %s %s", S(IO_RS_MATRIX_METHOD), S(IO_RS_SOLVER),
                         sn ? sn : "-", S(IO_RS_RESIDUAL),
                         io_fmt_num(json_number_value(res), nb, sizeof nb))
               : xprintf(c, "%s, %s %s", S(IO_RS_MATRIX_METHOD), S(IO_RS_SOLVER), sn ? sn : "-"));
    }
    (void)demand;
}

static void sec_unit(bctx *c, const json_t *fp, const char *unit, const char *product)
{
    io_section *s = section(c, "unit", S(IO_RS_DECLARED_UNIT));
    const json_t *model = json_object_get(fp, "model");
    const json_t *demand = json_object_get(fp, "demand");
    const char *boundary = boundary_of(fp);
    int grave = boundary && !strcmp(boundary, "cradle-to-grave");
    double amount = jnum(demand, "amount", jnum(model, "amount", 1));
    const char *dunit = jstr(demand, "unit");
    if (!dunit)
        dunit = jstr(model, "declared_unit") ? jstr(model, "declared_unit") : jstr(model, "unit");
    char nb[64];
    io_block *b = block(c, s, IO_BLOCK_KV);
    if (b)
        b->ncols = 2;
    kv(c, b, grave ? S(IO_RS_FUNCTIONAL_UNIT) : S(IO_RS_DECLARED_UNIT),
       dunit ? xprintf(c, "%s %s %s", io_fmt_num(amount, nb, sizeof nb), dunit, product) : xstrdup(c, "-"));
    if (json_object_get(model, "functional_unit"))
        kv(c, b, S(IO_RS_DESCRIPTION), jtext(c, json_object_get(model, "functional_unit")));
    kv(c, b, S(IO_RS_CARBON_FOOTPRINT_PER_UNIT),
       xprintf(c, "%s %s", io_fmt_num(jnum(fp, "total", NAN), nb, sizeof nb), unit));
}

static void sec_boundary(bctx *c, const json_t *fp, const char *unit)
{
    io_section *s = section(c, "boundary", S(IO_RS_SYSTEM_BOUNDARY));
    const json_t *bs = json_object_get(fp, "by_stage");
    const char *boundary = boundary_of(fp);
    int grave = boundary && !strcmp(boundary, "cradle-to-grave");
    int gate2gate = boundary && !strcmp(boundary, "gate-to-gate");
    io_block *b = block(c, s, IO_BLOCK_BOUNDARY);
    if (b) {
        b->text = xstrdup(c, S(IO_RS_BOUNDARY_CAPTION));
        b->unit = xstrdup(c, unit);
    }
    for (int i = 0; i < NSTAGES; i++) {
        double v = jnum(bs, stage_keys[i], 0);
        int in = grave || (gate2gate ? i == 1 : i <= 1) || v != 0;
        if (!boundary)
            in = v != 0 || i <= 1;
        chart_add(c, b, xstrdup(c, stage_label(c, i)), v, in);
    }
    text(c, s, IO_BLOCK_PARA,
         grave ? xstrdup(c, S(IO_RS_BOUNDARY_GRAVE_TEXT))
               : xstrdup(c, S(IO_RS_BOUNDARY_GATE_TEXT)));
}

static void sec_data(bctx *c, const json_t *fp)
{
    io_section *s = section(c, "data", S(IO_RS_DATA_SOURCES_AND_QUALITY));
    const json_t *d = json_object_get(fp, "dqr");
    text(c, s, IO_BLOCK_PARA,
         xstrdup(c, S(IO_RS_DQR_TEXT)));
    if (!d) {
        text(c, s, IO_BLOCK_NOTE,
             xstrdup(c, S(IO_RS_NO_DQR)));
        return;
    }
    io_block *b = table(c, s, 2, 2u, S(IO_RS_CRITERION), S(IO_RS_DQR_SCORE));
    static const char *const keys[] = {"TeR", "GeR", "TiR", "P", "dqr"};
    const char *names[] = {S(IO_RS_TECHNOLOGICAL_REPRESENTATIVENESS_TER),
                           S(IO_RS_GEOGRAPHICAL_REPRESENTATIVENESS_GER),
                           S(IO_RS_TIME_REPRESENTATIVENESS_TIR), S(IO_RS_PRECISION_P),
                           S(IO_RS_DATA_QUALITY_RATING_DQR)};
    for (int i = 0; i < 5; i++) {
        json_t *v = json_object_get(d, keys[i]);
        if (v)
            row_n(c, b, xstrdup(c, names[i]), jtext(c, v));
    }
    if (json_object_get(d, "rating"))
        row_n(c, b, xstrdup(c, S(IO_RS_DQR_RATING_LABEL)), jvalue(c, IO_RV_DQR, json_object_get(d, "rating")));
    if (json_is_number(json_object_get(d, "coverage")))
        row_n(c, b, xstrdup(c, S(IO_RS_SHARE_OF_RESULT_WITH_A)),
              pct(c, jnum(d, "coverage", 0)));
    size_t nf = json_array_size(json_object_get(fp, "factors_used"));
    size_t ni = json_array_size(json_object_get(fp, "inventory"));
    size_t np = json_array_size(json_object_get(fp, "by_process"));
    text(c, s, IO_BLOCK_PARA,
         xprintf(c,
                 S(IO_RS_MODEL_COUNTS),
                 np, ni, nf));
}

static void sec_allocation(bctx *c, const json_t *fp)
{
    io_section *s = section(c, "allocation", S(IO_RS_ALLOCATION));
    const json_t *a = json_object_get(fp, "allocation");
    text(c, s, IO_BLOCK_PARA,
         xstrdup(c, S(IO_RS_ALLOCATION_TEXT)));
    if (json_is_array(a) && json_array_size(a)) {
        io_block *b = table(c, s, 3, 0, S(IO_RS_PROCESS), S(IO_RS_METHOD), S(IO_RS_DETAILS));
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e)
        {
            const char *p = jstr(e, "process") ? jstr(e, "process") : jstr(e, "id");
            row_n(c, b, xstrdup(c, p ? p : "-"), jvalue(c, IO_RV_ALLOCATION, json_object_get(e, "method")),
                  jtext(c, json_object_get(e, "factors") ? json_object_get(e, "factors")
                                                         : json_object_get(e, "note")));
        }
    } else {
        text(c, s, IO_BLOCK_NOTE,
             xstrdup(c, S(IO_RS_NO_ALLOCATION)));
    }
}

static void sec_cutoff(bctx *c, const json_t *fp)
{
    io_section *s = section(c, "cutoff", S(IO_RS_CUT_OFF_CRITERIA));
    const json_t *cs = json_object_get(fp, "cutoff_share");
    const json_t *co = json_object_get(fp, "cutoffs");
    text(c, s, IO_BLOCK_PARA,
         xstrdup(c, S(IO_RS_CUTOFF_TEXT)));
    io_block *b = block(c, s, IO_BLOCK_KV);
    if (b)
        b->ncols = 2;
    kv(c, b, S(IO_RS_ESTIMATED_SHARE_OF_EXCLUDED_FLOWS),
       json_is_number(cs) ? pct(c, json_number_value(cs)) : xstrdup(c, "-"));
    if (json_is_array(co) && json_array_size(co)) {
        io_block *t = table(c, s, 4, 8u, S(IO_RS_PROCESS), S(IO_RS_FLOW), S(IO_RS_AMOUNT),
                            S(IO_RS_ESTIMATED_SHARE));
        size_t i;
        json_t *e;
        json_array_foreach(co, i, e)
        {
            if (!json_is_object(e)) {
                row_n(c, t, jtext(c, e), xstrdup(c, ""), xstrdup(c, ""), xstrdup(c, ""));
                continue;
            }
            const json_t *amt = json_object_get(e, "amount");
            char *at = amt ? jtext(c, amt) : NULL;
            row_n(c, t, jtext(c, json_object_get(e, "process")),
                  jtext(c, json_object_get(e, "flow")   ? json_object_get(e, "flow")
                           : json_object_get(e, "what") ? json_object_get(e, "what")
                                                        : json_object_get(e, "name")),
                  at ? xprintf(c, "%s %s", at, jstr(e, "unit") ? jstr(e, "unit") : "") : xstrdup(c, "-"),
                  json_is_number(json_object_get(e, "share")) ? pct(c, jnum(e, "share", 0))
                                                              : xstrdup(c, "-"));
            free(at);
        }
    } else
        text(c, s, IO_BLOCK_NOTE, xstrdup(c, S(IO_RS_NO_FLOW_WAS_CUT_OFF)));
}

static void sec_results(bctx *c, const json_t *fp, const char *unit)
{
    io_section *s = section(c, "results", S(IO_RS_RESULTS));
    double total = jnum(fp, "total", NAN);
    char nb[64];
    text(
        c, s, IO_BLOCK_NOTE,
        xprintf(c, "%s: %s %s", S(IO_RS_CARBON_FOOTPRINT), io_fmt_num(total, nb, sizeof nb), unit));
    /* by stage */
    const json_t *bs = json_object_get(fp, "by_stage");
    io_block *t = table(c, s, 3, 6u, S(IO_RS_LIFE_CYCLE_STAGE), unit, S(IO_RS_SHARE));
    io_block *ch = block(c, s, IO_BLOCK_BARS);
    if (ch) {
        ch->text = xstrdup(c, S(IO_RS_RESULTS_BY_LIFE_CYCLE_STAGE));
        ch->unit = xstrdup(c, unit);
    }
    for (int i = 0; i < NSTAGES; i++) {
        double v = jnum(bs, stage_keys[i], 0);
        row_n(c, t, xstrdup(c, stage_label(c, i)), num(c, v),
              total != 0 ? pct(c, v / total) : xstrdup(c, "-"));
        chart_add(c, ch, xstrdup(c, stage_label(c, i)), v, 0);
    }
    row_n(c, t, xstrdup(c, S(IO_RS_TOTAL)), num(c, total), xstrdup(c, "100.0%"));
    /* by gas */
    const json_t *bg = json_object_get(fp, "by_gas");
    if (json_array_size(bg)) {
        io_block *g = table(c, s, 4, 14u, S(IO_RS_GREENHOUSE_GAS), S(IO_RS_MASS_KG),
                            unit, S(IO_RS_SHARE));
        size_t i;
        json_t *e;
        json_array_foreach(bg, i, e)
        {
            double v = jnum(e, "co2e", 0);
            row_n(c, g, jtext(c, json_object_get(e, "gas")), num(c, jnum(e, "amount_kg", NAN)), num(c, v),
                  total != 0 ? pct(c, v / total) : xstrdup(c, "-"));
        }
    }
    /* background factors without a per-gas breakdown: their own group, never
     * listed as if they were gases */
    const json_t *us = json_object_get(fp, "unsplit_factors");
    if (json_array_size(us)) {
        io_block *g = table(c, s, 3, 6u, S(IO_RS_FACTORS_NOT_SPLIT_BY_GAS), unit, S(IO_RS_SHARE));
        size_t i;
        json_t *e;
        json_array_foreach(us, i, e)
        {
            double v = jnum(e, "co2e", 0);
            row_n(c, g, jtext(c, json_object_get(e, "name")), num(c, v), total != 0 ? pct(c, v / total) : xstrdup(c, "-"));
        }
    }
    /* by channel */
    static const char *const ch_keys[] = {"fossil", "biogenic_emissions", "biogenic_removals", "dluc",
                                          "aircraft"};
    const char *ch_names[] = {S(IO_RS_FOSSIL_GHG), S(IO_RS_BIOGENIC_EMISSIONS),
                              S(IO_RS_BIOGENIC_REMOVALS),
                              S(IO_RS_DIRECT_LAND_USE_CHANGE_DLUC),
                              S(IO_RS_AIRCRAFT_EMISSIONS)};
    io_block *k = table(c, s, 2, 2u, S(IO_RS_REPORTED_SEPARATELY_GB_T_24067), unit);
    for (int i = 0; i < 5; i++) {
        json_t *v = json_object_get(fp, ch_keys[i]);
        row_n(c, k, xstrdup(c, ch_names[i]),
              json_is_number(v) ? num(c, json_number_value(v)) : xstrdup(c, "-"));
    }
}

static int cmp_abs_desc(const void *a, const void *b)
{
    double x = fabs(json_number_value(json_object_get(*(json_t *const *)a, "direct")));
    double y = fabs(json_number_value(json_object_get(*(json_t *const *)b, "direct")));
    return x < y ? 1 : x > y ? -1 : 0;
}

static void sec_hotspots(bctx *c, const json_t *fp, const char *unit)
{
    io_section *s = section(c, "hotspots", S(IO_RS_HOTSPOTS));
    const json_t *bp = json_object_get(fp, "by_process");
    size_t n = json_array_size(bp);
    double total = jnum(fp, "total", NAN);
    if (!n) {
        text(c, s, IO_BLOCK_NOTE,
             xstrdup(c, S(IO_RS_NO_PROCESSES)));
        return;
    }
    json_t **sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(bp, i);
    qsort(sorted, n, sizeof *sorted, cmp_abs_desc);
    text(c, s, IO_BLOCK_PARA,
         xstrdup(c, S(IO_RS_HOTSPOTS_TEXT)));
    io_block *p = block(c, s, IO_BLOCK_PARETO);
    if (p) {
        p->text = xstrdup(c, S(IO_RS_PROCESS_CONTRIBUTIONS_PARETO));
        p->unit = xstrdup(c, unit);
    }
    size_t shown = n < 12 ? n : 12;
    for (size_t i = 0; i < shown; i++) {
        const char *name = jstr(sorted[i], "name") ? jstr(sorted[i], "name") : jstr(sorted[i], "id");
        chart_add(c, p, xstrdup(c, name ? name : "?"), jnum(sorted[i], "direct", 0), 0);
    }
    if (n > shown) {
        double rest = 0;
        for (size_t i = shown; i < n; i++)
            rest += jnum(sorted[i], "direct", 0);
        chart_add(c, p, xprintf(c, S(IO_RS_N_OTHERS), n - shown), rest, 1);
    }
    io_block *t = table(c, s, 6, 0x38u, "#", S(IO_RS_PROCESS), S(IO_RS_STAGE), unit,
                        S(IO_RS_SHARE), S(IO_RS_CUMULATIVE));
    double cum = 0;
    size_t rows = n < 20 ? n : 20;
    for (size_t i = 0; i < rows; i++) {
        double v = jnum(sorted[i], "direct", 0);
        cum += v;
        const char *name = jstr(sorted[i], "name") ? jstr(sorted[i], "name") : jstr(sorted[i], "id");
        int st = stage_index(jstr(sorted[i], "stage"));
        row_n(c, t, xprintf(c, "%zu", i + 1), xstrdup(c, name ? name : "?"),
              xstrdup(c, st >= 0 ? stage_label(c, st) : "-"), num(c, v),
              total != 0 ? pct(c, v / total) : xstrdup(c, "-"),
              total != 0 ? pct(c, cum / total) : xstrdup(c, "-"));
    }
    free(sorted);
    const json_t *paths = json_object_get(fp, "paths");
    if (json_array_size(paths)) {
        text(c, s, IO_BLOCK_PARA,
             xstrdup(c, S(IO_RS_PATHS_TEXT)));
        io_block *pt = table(c, s, 5, 0x1cu, S(IO_RS_PATH_NODE), S(IO_RS_AMOUNT),
                             S(IO_RS_DIRECT), S(IO_RS_UPSTREAM_TOTAL), S(IO_RS_SHARE));
        size_t i;
        json_t *e;
        size_t np = json_array_size(paths);
        for (i = 0; i < np && i < 25; i++) {
            e = json_array_get(paths, i);
            int depth = (int)jnum(e, "depth", 0);
            if (depth < 0)
                depth = 0;
            if (depth > 12)
                depth = 12;
            const char *name = jstr(e, "name") ? jstr(e, "name") : jstr(e, "id");
            char nb[64];
            row_n(c, pt, xprintf(c, "%*s%s%s", depth * 2, "", depth ? "└ " : "", name ? name : "?"),
                  xprintf(c, "%s %s", io_fmt_num(jnum(e, "amount", NAN), nb, sizeof nb),
                          jstr(e, "unit") ? jstr(e, "unit") : ""),
                  num(c, jnum(e, "direct", NAN)), num(c, jnum(e, "upstream", NAN)),
                  json_is_number(json_object_get(e, "share")) ? pct(c, jnum(e, "share", 0))
                                                              : xstrdup(c, "-"));
        }
    }
}

static void sec_uncertainty(bctx *c, const json_t *fp, const char *unit)
{
    io_section *s = section(c, "uncertainty", S(IO_RS_UNCERTAINTY));
    const json_t *u = json_object_get(fp, "uncertainty");
    const json_t *t = json_object_get(u, "total");
    if (!json_is_object(t)) {
        text(c, s, IO_BLOCK_NOTE,
             xstrdup(c, S(IO_RS_NO_UNCERTAINTY)));
        return;
    }
    char nb[64], nb2[64];
    text(c, s, IO_BLOCK_PARA,
         xprintf(c,
                 S(IO_RS_MONTE_CARLO_TEXT),
                 io_fmt_num(jnum(u, "iterations", NAN), nb, sizeof nb),
                 io_fmt_num(jnum(u, "seed", NAN), nb2, sizeof nb2)));
    io_block *b = table(c, s, 2, 2u, S(IO_RS_STATISTIC), unit);
    row_n(c, b, xstrdup(c, S(IO_RS_MEAN)), num(c, jnum(t, "mean", NAN)));
    row_n(c, b, xstrdup(c, S(IO_RS_STANDARD_DEVIATION)), num(c, jnum(t, "sd", NAN)));
    row_n(c, b, xstrdup(c, "P2.5"), num(c, jnum(t, "p2_5", NAN)));
    row_n(c, b, xstrdup(c, S(IO_RS_MEDIAN_P50)), num(c, jnum(t, "p50", NAN)));
    row_n(c, b, xstrdup(c, "P97.5"), num(c, jnum(t, "p97_5", NAN)));
    double mean = jnum(t, "mean", NAN);
    if (isfinite(mean) && mean != 0)
        row_n(c, b, xstrdup(c, S(IO_RS_INTERVAL_95_RELATIVE)),
              xprintf(c, "%+.1f%% / %+.1f%%", (jnum(t, "p2_5", NAN) / mean - 1) * 100,
                      (jnum(t, "p97_5", NAN) / mean - 1) * 100));
    const json_t *bs = json_object_get(u, "by_stage");
    if (json_is_object(bs) && json_object_size(bs)) {
        io_block *g = table(c, s, 4, 14u, S(IO_RS_STAGE), S(IO_RS_MEAN), "P2.5", "P97.5");
        for (int i = 0; i < NSTAGES; i++) {
            const json_t *x = json_object_get(bs, stage_keys[i]);
            if (json_is_object(x))
                row_n(c, g, xstrdup(c, stage_label(c, i)), num(c, jnum(x, "mean", NAN)),
                      num(c, jnum(x, "p2_5", NAN)), num(c, jnum(x, "p97_5", NAN)));
        }
    }
}

static void sec_conformance(bctx *c, const json_t *check)
{
    io_section *s = section(c, "conformance", S(IO_RS_RULE_CONFORMANCE));
    if (!check) {
        text(c, s, IO_BLOCK_NOTE,
             xstrdup(c, S(IO_RS_NO_CHECK)));
        return;
    }
    const json_t *viol = json_object_get(check, "violations");
    int conforms = json_is_true(json_object_get(check, "conforms"));
    const json_t *rule = json_object_get(check, "rule");
    io_block *b = block(c, s, IO_BLOCK_KV);
    if (b)
        b->ncols = 2;
    kv(c, b, S(IO_RS_RULE),
       json_is_object(rule) ? xprintf(c, "%s@%s", jstr(rule, "id") ? jstr(rule, "id") : "?",
                                      jstr(rule, "version") ? jstr(rule, "version") : "?")
                            : jtext(c, rule));
    if (json_is_object(rule) && json_object_get(rule, "title"))
        kv(c, b, S(IO_RS_TITLE), jtext(c, json_object_get(rule, "title")));
    if (json_is_object(rule) && json_is_true(json_object_get(rule, "template")))
        kv(c, b, S(IO_RS_NOTE),
           xstrdup(c, S(IO_RS_RULE_IS_TEMPLATE)));
    kv(c, b, S(IO_RS_RESULT),
       xstrdup(c, conforms ? S(IO_RS_CONFORMS) : S(IO_RS_DOES_NOT_CONFORM)));
    kv(c, b, S(IO_RS_VIOLATIONS), xprintf(c, "%zu", json_array_size(viol)));
    if (json_array_size(viol)) {
        io_block *t = table(c, s, 3, 0, S(IO_RS_CHECK), S(IO_RS_WHERE_IN_THE_MODEL),
                            S(IO_RS_FINDING));
        size_t i;
        json_t *e;
        json_array_foreach(viol, i, e)
        {
            const char *msg = c->r->zh && jstr(e, "message_zh") ? jstr(e, "message_zh") : jstr(e, "message");
            row_n(c, t, jvalue(c, IO_RV_CHECK, json_object_get(e, "code")), jtext(c, json_object_get(e, "path")),
                  xstrdup(c, msg ? msg : "-"));
        }
    }
}

static void sec_factors(bctx *c, const json_t *fp)
{
    io_section *s = section(c, "factors", S(IO_RS_FACTOR_VERSIONS));
    const json_t *f = json_object_get(fp, "factors_used");
    if (!json_array_size(f)) {
        text(c, s, IO_BLOCK_NOTE,
             xstrdup(c, S(IO_RS_NO_FACTORS)));
        return;
    }
    io_block *t = table(c, s, 4, 0, S(IO_RS_FACTOR), S(IO_RS_VERSION), S(IO_RS_VALUE),
                        S(IO_RS_SOURCE));
    size_t i;
    json_t *e;
    json_array_foreach(f, i, e)
    {
        const json_t *v = json_object_get(e, "version");
        const char *id = jstr(e, "id"), *name = jstr(e, "name");
        char nb[64];
        row_n(c, t, name ? xprintf(c, "%s\n%s", id ? id : "-", name) : xstrdup(c, id ? id : "-"),
              v && !json_is_null(v) ? jtext(c, v) : xstrdup(c, S(IO_RS_INLINE_MODEL)),
              json_is_number(json_object_get(e, "value"))
                  ? xprintf(c, "%s kg CO2e/%s", io_fmt_num(jnum(e, "value", NAN), nb, sizeof nb),
                            jstr(e, "unit") ? jstr(e, "unit") : "?")
                  : xstrdup(c, "-"),
              jtext(c, json_object_get(e, "source")));
    }
}

static void sec_digest(bctx *c, const json_t *fp, const char *fp_sha256)
{
    io_section *s = section(c, "digest", S(IO_RS_DIGEST));
    text(c, s, IO_BLOCK_PARA,
         xstrdup(c, S(IO_RS_DIGEST_TEXT)));
    io_block *b = block(c, s, IO_BLOCK_KV);
    if (b)
        b->ncols = 2;
    kv(c, b, S(IO_RS_SHA256_INPUTS),
       jstr(fp, "inputs_digest") ? xstrdup(c, jstr(fp, "inputs_digest"))
                                 : xstrdup(c, S(IO_RS_NOT_RECORDED)));
    if (fp_sha256)
        kv(c, b, S(IO_RS_SHA256_FILE), xstrdup(c, fp_sha256));
    kv(c, b, S(IO_RS_REPORT_GENERATED_UTC), xstrdup(c, c->r->generated));
}

tj_status io_report_build(const json_t *fp, const json_t *check, int zh, const char *fp_sha256,
                          io_report **out, tj_error *err)
{
    *out = NULL;
    tj_status st = io_footprint_validate(fp, err);
    if (st)
        return st;
    if (check && !json_is_object(check))
        return tj_error_set(err, TJ_ERR_INPUT, "", "the check result must be a JSON object");
    io_report *r = calloc(1, sizeof *r);
    if (!r)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    bctx cc = {r, 0}, *c = &cc;
    r->zh = zh;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    r->generated = xstrdup(c, ts);
    const char *unit = jstr(fp, "unit");
    const json_t *model = json_object_get(fp, "model");
    const json_t *demand = json_object_get(fp, "demand");
    char *product = NULL;
    if (json_object_get(model, "name"))
        product = jtext(c, json_object_get(model, "name"));
    else if (json_object_get(demand, "product"))
        product = jtext(c, json_object_get(demand, "product"));
    else if (json_object_get(demand, "name"))
        product = jtext(c, json_object_get(demand, "name"));
    else
        product = xstrdup(c, S(IO_RS_THE_PRODUCT));
    r->example =
        json_is_true(json_object_get(fp, "example")) || json_is_true(json_object_get(model, "example"));
    int example_factors = 0;
    {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(fp, "factors_used"), i, e)
        {
            const char *src = jstr(e, "source");
            if (json_is_true(json_object_get(e, "example")) || (src && strstr(src, "EXAMPLE")))
                example_factors = 1;
        }
    }
    if (r->example)
        r->banner = xstrdup(c, S(IO_RS_BANNER_EXAMPLE_DATA));
    else if (example_factors)
        r->banner = xstrdup(c, S(IO_RS_BANNER_EXAMPLE_VALUES));
    r->title = xstrdup(c, S(IO_RS_PRODUCT_CARBON_FOOTPRINT_REPORT));
    r->subtitle = xstrdup(c, product);
    char nb[64];
    r->total = xprintf(c, "%s %s", io_fmt_num(jnum(fp, "total", NAN), nb, sizeof nb), unit);
    if (!c->oom && product) {
        sec_scope(c, fp, unit, product);
        sec_unit(c, fp, unit, product);
        sec_boundary(c, fp, unit);
        sec_data(c, fp);
        sec_allocation(c, fp);
        sec_cutoff(c, fp);
        sec_results(c, fp, unit);
        sec_hotspots(c, fp, unit);
        sec_uncertainty(c, fp, unit);
        sec_conformance(c, check);
        sec_factors(c, fp);
        sec_digest(c, fp, fp_sha256);
    }
    free(product);
    if (c->oom) {
        io_report_free(r);
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    *out = r;
    return TJ_OK;
}

void io_report_free(io_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        io_section *s = &r->sections[i];
        for (size_t j = 0; j < s->n; j++) {
            io_block *b = &s->blocks[j];
            free(b->text);
            free(b->unit);
            for (size_t k = 0; k < b->ncols * b->nrows; k++)
                free(b->cells[k]);
            free(b->cells);
            for (size_t k = 0; k < b->n; k++)
                free(b->labels[k]);
            free(b->labels);
            free(b->values);
            free(b->flags);
        }
        free(s->blocks);
        free(s->id);
        free(s->title);
    }
    free(r->sections);
    free(r->title);
    free(r->subtitle);
    free(r->total);
    free(r->generated);
    free(r->banner);
    free(r);
}

static const char *const kind_names[] = {"paragraph", "note",         "key_values",      "table",
                                         "bar_chart", "pareto_chart", "boundary_diagram"};

json_t *io_report_to_json(const io_report *r)
{
    json_t *secs = json_array();
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "format", "tanji-report/1", "lang",
                             r->zh ? "zh" : "en", "title", r->title, "product", r->subtitle, "total",
                             r->total, "generated", r->generated, "example", r->example, "sections", secs);
    if (!root)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        const io_section *s = &r->sections[i];
        json_t *blocks = json_array();
        json_array_append_new(secs, json_pack("{s:s, s:i, s:s, s:o}", "id", s->id, "number", (int)i + 1,
                                              "title", s->title, "blocks", blocks));
        for (size_t j = 0; j < s->n; j++) {
            const io_block *b = &s->blocks[j];
            json_t *o = json_pack("{s:s}", "type", kind_names[b->kind]);
            if (b->text)
                json_object_set_new(o, "text", json_string(b->text));
            if (b->unit)
                json_object_set_new(o, "unit", json_string(b->unit));
            if (b->nrows) {
                json_t *rows = json_array();
                for (size_t y = 0; y < b->nrows; y++) {
                    json_t *rw = json_array();
                    for (size_t x = 0; x < b->ncols; x++)
                        json_array_append_new(rw, json_string(b->cells[y * b->ncols + x]));
                    json_array_append_new(rows, rw);
                }
                json_object_set_new(o, "rows", rows);
            }
            if (b->n) {
                json_t *data = json_array();
                for (size_t k = 0; k < b->n; k++)
                    json_array_append_new(data, json_pack("{s:s, s:f, s:b}", "label", b->labels[k], "value",
                                                          b->values[k], "flag", b->flags[k]));
                json_object_set_new(o, "data", data);
            }
            json_array_append_new(blocks, o);
        }
    }
    return root;
}

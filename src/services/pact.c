/* svc_pact: the PACT exchange (host and client); see pact.h and docs/pact.md. */
#include "services/pact.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/http_fetch.h"
#include "services/inst_util.h"
#include "services/pact_client.h"
#include "services/pact_ledger.h"
#include "services/secret_box.h"
#include "services/partner_clients.h"
#include "store/accounts.h"
#include "store/footprint_sql.h"
#include "store/inst_sql.h"
#include "store/pact_ledger_sql.h"
#include "store/pact_sql.h"
#include "tanji/buf.h"
#include "tanji/units.h"

/* ---- small helpers ------------------------------------------------------ */
int svc_pact_is_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int svc_pact_time_norm(const char *s, char out[32])
{
    int Y, M, D, h = 0, m = 0, sec = 0;
    if (!s || strlen(s) < 10 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
        !digits(s + 8, 2, &D))
        return 0;
    const char *p = s + 10;
    long off = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &m))
            return 0;
        p += 5;
        if (*p == ':') {
            if (!digits(p + 1, 2, &sec))
                return 0;
            p += 3;
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return 0;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-' || *p == ' ') {
            int oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
                return 0;
            off = sign * (oh * 3600L + om * 60L);
            p += 6;
        } else
            return 0;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return 0;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    time_t t = timegm(&tm) - off;
    struct tm u;
    if (!gmtime_r(&t, &u))
        return 0;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &u);
    return 1;
}

char *svc_pact_decimal(double v)
{
    if (!isfinite(v))
        return NULL;
    if (v == 0)
        return strdup("0");
    int mag = (int)floor(log10(fabs(v)));
    int prec = 12 - 1 - mag;
    if (prec < 0)
        prec = 0;
    if (prec > 40)
        prec = 40;
    char buf[400];
    snprintf(buf, sizeof buf, "%.*f", prec, v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    if (!strcmp(buf, "-0"))
        return strdup("0");
    return strdup(buf);
}

static json_t *dec(double v)
{
    char *s = svc_pact_decimal(v);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s ? s : "");
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static void now_utc(char out[32])
{
    inst_now(out);
}

static time_t parse_utc(const char *s)
{
    char n[32];
    if (!svc_pact_time_norm(s, n))
        return 0;
    struct tm tm = {0};
    sscanf(n, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* A "YYYY-MM-DD" date plus days as a UTC time. */
static int date_plus(const char *d, int days, char out[32])
{
    char n[32];
    if (!d || strlen(d) != 10 || !svc_pact_time_norm(d, n))
        return 0;
    time_t t = parse_utc(n) + (time_t)days * 86400;
    struct tm u;
    gmtime_r(&t, &u);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &u);
    return 1;
}

static void add_years(const char *at, int years, char out[32])
{
    inst_time_add_months(at, 12 * years, out);
}

static int is_urn(const char *s)
{
    return s && strlen(s) > 4 && !strncasecmp(s, "urn:", 4) && strlen(s) <= 500;
}

/* ---- the PACT document of a footprint ----------------------------------- */
typedef struct pact_unit {
    tj_dimension dim;
    const char *pact, *tanji; /* PACT name, tanji symbol of 1 PACT unit */
    double base;              /* 1 PACT unit in tanji base units of dim */
} pact_unit;
static const pact_unit pact_units[] = {
    {TJ_DIM_MASS, "kilogram", "kg", 1.0},           {TJ_DIM_ENERGY, "kilowatt hour", "kWh", 3.6},
    {TJ_DIM_ENERGY, "megajoule", "MJ", 1.0},         {TJ_DIM_VOLUME, "liter", "L", 1e-3},
    {TJ_DIM_VOLUME, "cubic meter", "m3", 1.0},       {TJ_DIM_AREA, "square meter", "m2", 1.0},
    {TJ_DIM_TIME, "hour", "h", 1.0},                 {TJ_DIM_TRANSPORT, "ton kilometer", "t*km", 1.0},
    {TJ_DIM_ITEMS, "piece", "piece", 1.0},
};

/* The PACT unit for a tanji unit: kWh-like energy as kilowatt hour, litres
 * as liter. */
static const pact_unit *unit_for(const tj_unit *u)
{
    if (u->dim == TJ_DIM_ENERGY)
        return strstr(u->name, "Wh") ? &pact_units[1] : &pact_units[2];
    if (u->dim == TJ_DIM_VOLUME)
        return u->to_base < 0.5 ? &pact_units[3] : &pact_units[4];
    for (size_t i = 0; i < sizeof pact_units / sizeof pact_units[0]; i++)
        if (pact_units[i].dim == u->dim)
            return &pact_units[i];
    return NULL;
}

static const pact_unit *unit_by_pact(const char *name)
{
    for (size_t i = 0; name && i < sizeof pact_units / sizeof pact_units[0]; i++)
        if (!strcmp(pact_units[i].pact, name))
            return &pact_units[i];
    return NULL;
}

const char *svc_pact_unit_tanji(const char *name)
{
    const pact_unit *pu = unit_by_pact(name);
    return pu ? pu->tanji : NULL;
}

static const char *product_name(const json_t *model_product, const char *fallback)
{
    const json_t *n = json_object_get(model_product, "name");
    if (json_is_string(n))
        return json_string_value(n);
    const char *en = json_string_value(json_object_get(n, "en")), *zh = json_string_value(json_object_get(n, "zh"));
    return en ? en : zh ? zh : fallback;
}

/* Array of URN strings from attrs[key], or NULL. */
static json_t *urns(const json_t *attrs, const char *key)
{
    json_t *a = json_object_get(attrs, key);
    if (!json_is_array(a) || !json_array_size(a))
        return NULL;
    return json_deep_copy(a);
}

/* Supplier primary data share (percent) of inventory entry "factor:pact:ID". */
static double supplier_share(store_db *db, const char *owner, const char *pf_id, int *known)
{
    json_t *s = NULL;
    tj_error e;
    *known = 0;
    if (store_pact_supplier_get(db, owner, pf_id, &s, &e))
        return 0;
    json_t *v = json_object_get(s, "primary_share");
    double d = json_is_number(v) ? json_number_value(v) : 0;
    *known = json_is_number(v);
    json_decref(s);
    return d;
}

/* Primary data share (percent of the emissions excluding biogenic uptake):
 * the elementary flows of the model's own processes are primary; a
 * supplier's footprint counts with its own primary data share; database
 * and inline factors are secondary. */
static double primary_share(store_db *db, const char *owner, const json_t *result)
{
    double prim = 0, all = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(result, "inventory"), i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        const char *ch = json_string_value(json_object_get(e, "channel"));
        double c = json_number_value(json_object_get(e, "co2e"));
        if (!id || (ch && !strcmp(ch, "biogenic_removal")))
            continue;
        all += c;
        if (!strncmp(id, "factor:pact:", 12)) {
            /* "factor:pact:PF-ID@pact" */
            char pf[37];
            snprintf(pf, sizeof pf, "%s", id + 12);
            int known;
            double s = supplier_share(db, owner, pf, &known);
            prim += c * s / 100.0;
        } else if (strncmp(id, "factor:", 7))
            prim += c;
    }
    if (!(all > 0))
        return 0;
    double s = 100.0 * prim / all;
    return s < 0 ? 0 : s > 100 ? 100 : s;
}

typedef struct built {
    json_t *doc; /* without id, created, status, precedingPfIds */
    char valid_from[32], valid_to[32];
    char *geography; /* lower case, "" when none */
    json_t *missing;  /* names of required fields tanji could not fill */
} built;

static void built_release(built *b)
{
    json_decref(b->doc);
    json_decref(b->missing);
    free(b->geography);
    memset(b, 0, sizeof *b);
}

static void set_dec(json_t *o, const char *k, double v)
{
    json_t *d = dec(v);
    if (d)
        json_object_set_new(o, k, d);
}

/* A decimal string attribute (validated), or NULL. */
static const char *attr_dec(const json_t *attrs, const char *k)
{
    const char *s = json_string_value(json_object_get(attrs, k));
    if (!s || !*s)
        return NULL;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return NULL;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p ? NULL : s;
}

static tj_status build_doc(store_db *db, const store_footprint *f, const json_t *attrs, const char *company_name,
                           built *b, tj_error *err)
{
    memset(b, 0, sizeof *b);
    b->missing = json_array();
    json_t *result = json_loads(f->result ? f->result : "{}", 0, NULL);
    json_t *model = json_loads(f->model ? f->model : "{}", 0, NULL);
    json_t *prod = json_object_get(model, "product");
    json_t *doc = json_object(), *pcf = json_object();
    if (!b->missing || !result || !model || !doc || !pcf) {
        json_decref(result);
        json_decref(model);
        json_decref(doc);
        json_decref(pcf);
        return tj_error_nomem(err);
    }
    const char *pname = product_name(prod, f->product);
    json_object_set_new(doc, "specVersion", json_string(SVC_PACT_SPEC_VERSION));
    json_object_set_new(doc, "companyName", json_string(company_name));
    json_t *cids = urns(attrs, "companyIds");
    if (!cids) {
        char u[300];
        snprintf(u, sizeof u, "urn:tanji:org:%s", f->owner_org);
        cids = json_pack("[s]", u);
    }
    json_object_set_new(doc, "companyIds", cids);
    const char *boundary = json_string_value(json_object_get(prod, "boundary"));
    char desc[1200];
    snprintf(desc, sizeof desc, "%.900s (%s, tanji footprint %s)", pname, boundary ? boundary : "boundary not stated",
             f->id);
    json_object_set_new(doc, "productDescription", json_string(desc));
    json_t *pids = urns(attrs, "productIds");
    if (!pids) {
        char hex[65], u[300];
        inst_sha256_hex(f->product, strlen(f->product), hex);
        snprintf(u, sizeof u, "urn:tanji:product:%s:%.16s", f->owner_org, hex);
        pids = json_pack("[s]", u);
    }
    json_object_set_new(doc, "productIds", pids);
    json_t *cls = urns(attrs, "productClassifications");
    if (cls)
        json_object_set_new(doc, "productClassifications", cls);
    json_object_set_new(doc, "productNameCompany", json_string(pname && *pname ? pname : "?"));
    const char *comment = json_string_value(json_object_get(attrs, "comment"));
    char cm[600];
    snprintf(cm, sizeof cm, "Calculated with tanji (GB/T 24067 / ISO 14067); rule %s, check %s.",
             f->rule_id ? f->rule_id : "none", f->check_status);
    json_object_set_new(doc, "comment", json_string(comment ? comment : cm));

    /* declared unit: 1 PACT unit */
    const tj_unit *u = tj_unit_find(f->unit);
    const pact_unit *pu = u ? unit_for(u) : NULL;
    double units = pu ? f->amount * u->to_base / pu->base : 0; /* PACT units in the footprint */
    if (!pu || !(units > 0))
        json_array_append_new(b->missing, json_string("declaredUnitOfMeasurement"));
    else {
        json_object_set_new(pcf, "declaredUnitOfMeasurement", json_string(pu->pact));
        json_object_set_new(pcf, "declaredUnitAmount", json_string("1"));
        const char *mass = attr_dec(attrs, "productMassPerDeclaredUnit");
        if (mass)
            json_object_set_new(pcf, "productMassPerDeclaredUnit", json_string(mass));
        else if (pu->dim == TJ_DIM_MASS)
            json_object_set_new(pcf, "productMassPerDeclaredUnit", json_string("1"));
        else if (pu->dim == TJ_DIM_ENERGY || pu->dim == TJ_DIM_TRANSPORT || pu->dim == TJ_DIM_TIME)
            json_object_set_new(pcf, "productMassPerDeclaredUnit", json_string("0"));
        else
            json_array_append_new(b->missing, json_string("productMassPerDeclaredUnit"));
    }
    /* reference period */
    json_t *rp = json_object_get(prod, "reference_period");
    char rs[32] = "", re[32] = "";
    const char *ars = json_string_value(json_object_get(attrs, "referencePeriodStart"));
    const char *are = json_string_value(json_object_get(attrs, "referencePeriodEnd"));
    if (ars && are) {
        if (!svc_pact_time_norm(ars, rs) || !svc_pact_time_norm(are, re))
            rs[0] = re[0] = '\0';
    } else if (!date_plus(json_string_value(json_object_get(rp, "start")), 0, rs) ||
               !date_plus(json_string_value(json_object_get(rp, "end")), 1, re))
        rs[0] = re[0] = '\0';
    if (!*rs)
        json_array_append_new(b->missing, json_string("referencePeriodStart"));
    else {
        json_object_set_new(pcf, "referencePeriodStart", json_string(rs));
        json_object_set_new(pcf, "referencePeriodEnd", json_string(re));
    }
    /* geography */
    const char *geo = json_string_value(json_object_get(prod, "geography"));
    b->geography = lower_dup("");
    if (geo && strlen(geo) == 2 && isupper((unsigned char)geo[0]) && isupper((unsigned char)geo[1])) {
        json_object_set_new(pcf, "geographyCountry", json_string(geo));
        free(b->geography);
        b->geography = lower_dup(geo);
    } else if (geo && strlen(geo) >= 4 && strlen(geo) <= 6 && isupper((unsigned char)geo[0]) &&
               isupper((unsigned char)geo[1]) && geo[2] == '-') {
        json_object_set_new(pcf, "geographyCountrySubdivision", json_string(geo));
        free(b->geography);
        b->geography = lower_dup(geo);
    }
    if (boundary)
        json_object_set_new(pcf, "boundaryProcessesDescription", json_string(boundary));
    /* values per PACT unit */
    double per = units > 0 ? 1.0 / units : 0;
    double total = json_number_value(json_object_get(result, "total"));
    double fossil = json_number_value(json_object_get(result, "fossil"));
    double removals = json_number_value(json_object_get(result, "biogenic_removals"));
    double dluc = json_number_value(json_object_get(result, "dluc"));
    double aircraft = json_number_value(json_object_get(result, "aircraft"));
    set_dec(pcf, "pcfExcludingBiogenicUptake", (total - removals) * per);
    set_dec(pcf, "pcfIncludingBiogenicUptake", total * per);
    const char *fcc = attr_dec(attrs, "fossilCarbonContent");
    if (fcc)
        json_object_set_new(pcf, "fossilCarbonContent", json_string(fcc));
    else
        json_array_append_new(b->missing, json_string("fossilCarbonContent"));
    const char *bcc = attr_dec(attrs, "biogenicCarbonContent");
    if (bcc)
        json_object_set_new(pcf, "biogenicCarbonContent", json_string(bcc));
    if (fossil < 0)
        json_array_append_new(b->missing, json_string("fossilGhgEmissions"));
    else
        set_dec(pcf, "fossilGhgEmissions", fossil * per);
    if (dluc >= 0)
        set_dec(pcf, "landUseChangeGhgEmissions", dluc * per);
    if (removals <= 0)
        set_dec(pcf, "biogenicCO2Uptake", removals * per);
    if (aircraft >= 0)
        set_dec(pcf, "aircraftGhgEmissions", aircraft * per);
    json_object_set_new(pcf, "ipccCharacterizationFactors", json_pack("[s]", f->gwp));
    json_t *std = json_object_get(attrs, "crossSectoralStandards");
    json_object_set_new(pcf, "crossSectoralStandards",
                        json_is_array(std) && json_array_size(std) ? json_deep_copy(std) : json_pack("[s]", "ISO14067"));
    const char *ex = attr_dec(attrs, "exemptedEmissionsPercent");
    if (ex)
        json_object_set_new(pcf, "exemptedEmissionsPercent", json_string(ex));
    else {
        /* tanji's cut-off share: the mass share of the inputs cut off */
        double cut = json_number_value(json_object_get(result, "cutoff_share"));
        set_dec(pcf, "exemptedEmissionsPercent", cut > 0 ? cut * 100.0 : 0);
    }
    set_dec(pcf, "primaryDataShare", primary_share(db, f->owner_org, result));
    json_t *dq = json_object_get(result, "dqr");
    if (json_is_number(json_object_get(dq, "TeR")) && json_is_number(json_object_get(dq, "GeR")) &&
        json_is_number(json_object_get(dq, "TiR"))) {
        json_t *d = json_object();
        set_dec(d, "technologicalDQR", json_number_value(json_object_get(dq, "TeR")));
        set_dec(d, "geographicalDQR", json_number_value(json_object_get(dq, "GeR")));
        set_dec(d, "temporalDQR", json_number_value(json_object_get(dq, "TiR")));
        json_object_set_new(pcf, "dqi", d);
    }
    json_object_set_new(doc, "pcf", pcf);
    /* validity: as given, else PACT's default (3 years from the end of the
     * reference period) */
    const char *vs = json_string_value(json_object_get(attrs, "validityPeriodStart"));
    const char *ve = json_string_value(json_object_get(attrs, "validityPeriodEnd"));
    if (vs && ve && svc_pact_time_norm(vs, b->valid_from) && svc_pact_time_norm(ve, b->valid_to)) {
    } else if (*re) {
        snprintf(b->valid_from, sizeof b->valid_from, "%s", re);
        add_years(re, 3, b->valid_to);
    }
    if (*b->valid_from) {
        json_object_set_new(doc, "validityPeriodStart", json_string(b->valid_from));
        json_object_set_new(doc, "validityPeriodEnd", json_string(b->valid_to));
    }
    json_decref(result);
    json_decref(model);
    b->doc = doc;
    return TJ_OK;
}

/* ---- projection ----------------------------------------------------------- */
static tj_status system_ctx(store_db *db, svc_ctx *ctx, tj_error *err)
{
    return svc_ctx_init(ctx, db, "system:pact", "PACT exchange", SVC_OPERATOR_ORG, 0, err);
}

/* The PACT footprint preceding footprint f: the nearest replaced footprint
 * that has one. */
static tj_status preceding_of(store_db *db, const char *replaces, json_t **pf, tj_error *err)
{
    *pf = NULL;
    char *cur = replaces ? strdup(replaces) : NULL;
    tj_status rc = TJ_OK;
    for (int guard = 0; cur && guard < 10000 && !rc; guard++) {
        json_t *p = NULL;
        rc = store_pact_fp_by_footprint(db, cur, &p, err);
        if (rc == TJ_OK) {
            *pf = p;
            break;
        }
        if (rc != TJ_ERR_NOTFOUND)
            break;
        tj_error_clear(err);
        rc = TJ_OK;
        store_footprint g;
        if ((rc = store_footprint_get(db, cur, 0, &g, err)))
            break;
        free(cur);
        cur = g.replaces ? strdup(g.replaces) : NULL;
        store_footprint_release(&g);
    }
    free(cur);
    return rc;
}

/* Is footprint id replaced, directly or later, by one offered on PACT? */
static tj_status replaced_offered(store_db *db, const char *id, int *yes, tj_error *err)
{
    *yes = 0;
    char *cur = strdup(id);
    tj_status rc = TJ_OK;
    for (int guard = 0; cur && guard < 10000; guard++) {
        store_footprint g;
        if ((rc = store_footprint_get(db, cur, 0, &g, err)))
            break;
        free(cur);
        cur = g.replaced_by ? strdup(g.replaced_by) : NULL;
        store_footprint_release(&g);
        if (!cur)
            break;
        json_t *p = NULL;
        rc = store_pact_fp_by_footprint(db, cur, &p, err);
        json_decref(p);
        if (rc == TJ_OK) {
            *yes = 1;
            break;
        }
        if (rc != TJ_ERR_NOTFOUND)
            break;
        tj_error_clear(err);
        rc = TJ_OK;
    }
    free(cur);
    return rc;
}

static tj_status add_keys(store_db *db, const char *pf_id, const char *kind, const json_t *arr, tj_error *err)
{
    size_t i;
    json_t *v;
    tj_status rc = TJ_OK;
    json_array_foreach(arr, i, v)
    {
        char *l = lower_dup(json_string_value(v));
        rc = l ? store_pact_key_insert(db, pf_id, kind, l, err) : tj_error_nomem(err);
        free(l);
        if (rc)
            break;
    }
    return rc;
}

/* Offer footprint_id (disclosed by disclosure d) on PACT: its PACT
 * footprint (made if needed and possible) and the readers d grants. */
static tj_status offer(svc_ctx *sys, const char *footprint_id, const json_t *d, tj_error *err)
{
    store_db *db = sys->db;
    json_t *pf = NULL;
    tj_status rc = store_pact_fp_by_footprint(db, footprint_id, &pf, err);
    if (rc == TJ_ERR_NOTFOUND) {
        tj_error_clear(err);
        store_footprint f;
        if ((rc = store_footprint_get(db, footprint_id, 1, &f, err)))
            return rc;
        json_t *ar = NULL, *attrs = NULL;
        if (store_pact_attr_get(db, footprint_id, &ar, err) == TJ_OK)
            attrs = json_loads(json_string_value(json_object_get(ar, "attrs")), 0, NULL);
        else
            tj_error_clear(err);
        json_decref(ar);
        store_org o;
        int have_org = store_org_get(db, f.owner_org, &o, err) == TJ_OK;
        built b;
        rc = have_org ? build_doc(db, &f, attrs, o.name, &b, err) : err->code;
        if (have_org)
            store_org_release(&o);
        json_decref(attrs);
        if (!rc && json_array_size(b.missing)) {
            /* not offerable yet: svc_pact_attr_set offers it once complete */
            built_release(&b);
            store_footprint_release(&f);
            return TJ_OK;
        }
        json_t *prev = NULL;
        int deprecated = 0;
        if (!rc)
            rc = preceding_of(db, f.replaces, &prev, err);
        if (!rc)
            rc = replaced_offered(db, f.id, &deprecated, err);
        char *id = rc ? NULL : svc_new_uuid();
        char created[32];
        now_utc(created);
        if (!rc && !id)
            rc = tj_error_nomem(err);
        if (!rc) {
            json_t *doc = b.doc;
            json_t *full = json_object();
            json_object_set_new(full, "id", json_string(id));
            json_object_set(full, "specVersion", json_object_get(doc, "specVersion"));
            if (prev)
                json_object_set_new(full, "precedingPfIds", json_pack("[O]", json_object_get(prev, "id")));
            json_object_set_new(full, "created", json_string(created));
            json_object_update_missing(full, doc);
            json_object_del(full, "status");
            char *text = json_dumps(full, JSON_COMPACT | JSON_PRESERVE_ORDER);
            json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s?}", "id", id, "footprint_id", f.id,
                                    "owner_org", f.owner_org, "status", deprecated ? "Deprecated" : "Active",
                                    "created", created, "valid_from", *b.valid_from ? b.valid_from : created,
                                    "valid_to", *b.valid_to ? b.valid_to : "9999-12-31T00:00:00Z", "geography",
                                    b.geography, "doc", text);
            rc = row && text ? store_pact_fp_insert(db, row, err) : tj_error_nomem(err);
            if (!rc)
                rc = add_keys(db, id, "p", json_object_get(full, "productIds"), err);
            if (!rc)
                rc = add_keys(db, id, "c", json_object_get(full, "companyIds"), err);
            if (!rc)
                rc = add_keys(db, id, "k", json_object_get(full, "productClassifications"), err);
            if (!rc && prev && !strcmp(json_string_value(json_object_get(prev, "status")), "Active")) {
                const char *pid = json_string_value(json_object_get(prev, "id"));
                rc = store_pact_fp_set_status(db, pid, "Deprecated", err);
                json_t *now_row = NULL;
                if (!rc)
                    rc = store_pact_fp_row(db, pid, &now_row, err);
                if (!rc) {
                    json_t *ch = json_pack("{s:s,s:s}", "status", "Deprecated", "successor", id);
                    json_t *st = svc_pact_fp_state(now_row);
                    rc = ch && st ? svc_record(sys, "pact.deprecate", "pact_footprint", pid, ch, st, err) : tj_error_nomem(err);
                    json_decref(ch);
                    json_decref(st);
                }
                json_decref(now_row);
            }
            if (!rc) {
                json_t *ch = json_pack("{s:s,s:s,s:s}", "action", "offer", "footprint", f.id, "status",
                                       deprecated ? "Deprecated" : "Active");
                json_t *st = svc_pact_fp_state(row);
                rc = ch && st ? svc_record(sys, "pact.offer", "pact_footprint", id, ch, st, err) : tj_error_nomem(err);
                json_decref(ch);
                json_decref(st);
            }
            if (!rc)
                pf = json_pack("{s:s}", "id", id);
            json_decref(row);
            json_decref(full);
            free(text);
        }
        free(id);
        json_decref(prev);
        if (!rc || b.doc)
            built_release(&b);
        store_footprint_release(&f);
    }
    if (rc)
        return rc;
    const char *pid = json_string_value(json_object_get(pf, "id"));
    const char *did = inst_str(d, "id");
    rc = store_pact_access_grant(db, pid, inst_str(d, "owner_org"), did, err);
    if (!rc && !strcmp(inst_str(d, "scope"), "public"))
        rc = store_pact_access_grant(db, pid, "*", did, err);
    else if (!rc) {
        json_t *p = json_loads(inst_str(d, "partners"), 0, NULL);
        size_t i;
        json_t *v;
        json_array_foreach(p, i, v) if (!rc && json_is_string(v)) rc =
            store_pact_access_grant(db, pid, json_string_value(v), did, err);
        json_decref(p);
    }
    json_decref(pf);
    return rc;
}

static tj_status offer_footprint(svc_ctx *sys, const char *footprint_id, tj_error *err)
{
    json_t *ds = NULL;
    tj_status rc = store_pact_live_disclosures(sys->db, footprint_id, &ds, err);
    size_t i;
    json_t *d;
    json_array_foreach(ds, i, d) if (!rc) rc = offer(sys, footprint_id, d, err);
    json_decref(ds);
    return rc;
}

tj_status svc_pact_sync(store_db *db, tj_error *err)
{
    int64_t done = 0, newest = 0;
    tj_status rc = store_pact_sync_state(db, &done, &newest, err);
    if (rc || newest <= done)
        return rc;
    svc_ctx sys;
    if ((rc = system_ctx(db, &sys, err)))
        return rc;
    if ((rc = store_begin(db, err))) {
        svc_ctx_release(&sys);
        return rc;
    }
    int claimed = 0;
    rc = store_pact_sync_claim(db, done, newest, &claimed, err);
    json_t *rows = NULL;
    if (!rc && claimed)
        rc = store_pact_disclosure_entries(db, done, newest, &rows, err);
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e)
    {
        if (rc)
            break;
        const char *kind = inst_str(e, "kind"), *oid = inst_str(e, "object_id");
        json_t *d = NULL;
        if (!strcmp(kind, "disclosure.withdraw")) {
            rc = store_pact_access_revoke(db, oid, err);
        } else if (!strcmp(kind, "disclosure.publish") && !(rc = store_disclosure_get(db, oid, &d, err)) &&
                   !strcmp(inst_str(d, "status"), "published") && strcmp(inst_str(d, "scope"), "private")) {
            rc = offer(&sys, inst_str(d, "footprint_id"), d, err);
        }
        if (rc == TJ_ERR_NOTFOUND) { /* a disclosure the ledger names but the table lost: nothing to offer */
            tj_error_clear(err);
            rc = TJ_OK;
        }
        json_decref(d);
    }
    json_decref(rows);
    rc = rc || !claimed ? (store_rollback(db), rc) : store_commit(db, err);
    svc_ctx_release(&sys);
    return rc;
}

/* ---- list and get -------------------------------------------------------- */
static const char *const array_keys[] = {"productId", "companyId", "geography", "classification", NULL};
static const char *const time_keys[] = {"validOn", "validAfter", "validBefore", NULL};

/* Member k of filter, keys compared case-insensitively. */
static json_t *fget(const json_t *filter, const char *k)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)filter, key, v) if (!strcasecmp(key, k)) return v;
    return NULL;
}

/* filter -> store filter (arrays lower-cased, times normalised).  times
 * holds the normalised times (3 x 32 bytes). */
static tj_status parse_filter(const json_t *filter, store_pact_filter *f, char times[3][32], tj_error *err)
{
    memset(f, 0, sizeof *f);
    json_t **arrs[] = {&f->product, &f->company, &f->geography, &f->classification};
    if (filter && !json_is_object(filter))
        return tj_error_set(err, TJ_ERR_INPUT, "filter", "the criteria must be an object");
    tj_status rc = TJ_OK;
    for (int i = 0; array_keys[i] && !rc; i++) {
        json_t *v = fget(filter, array_keys[i]);
        if (!v || json_is_null(v))
            continue;
        json_t *out = json_array();
        *arrs[i] = out;
        if (json_is_string(v)) {
            char *l = lower_dup(json_string_value(v));
            json_array_append_new(out, json_string(l));
            free(l);
        } else if (json_is_array(v) && json_array_size(v) <= 100) {
            size_t k;
            json_t *x;
            json_array_foreach(v, k, x)
            {
                if (!json_is_string(x) || strlen(json_string_value(x)) > 500) {
                    rc = tj_error_set(err, TJ_ERR_INPUT, array_keys[i], "%s: each value must be a string",
                                      array_keys[i]);
                    break;
                }
                char *l = lower_dup(json_string_value(x));
                json_array_append_new(out, json_string(l));
                free(l);
            }
        } else
            rc = tj_error_set(err, TJ_ERR_INPUT, array_keys[i], "%s must be a string or an array of at most 100",
                              array_keys[i]);
    }
    const char **tp[] = {&f->valid_on, &f->valid_after, &f->valid_before};
    for (int i = 0; time_keys[i] && !rc; i++) {
        json_t *v = fget(filter, time_keys[i]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v) || !svc_pact_time_norm(json_string_value(v), times[i]))
            rc = tj_error_set(err, TJ_ERR_INPUT, time_keys[i], "%s must be an RFC 3339 date-time, e.g. 2025-01-01T00:00:00Z",
                              time_keys[i]);
        else
            *tp[i] = times[i];
    }
    json_t *st = fget(filter, "status");
    if (!rc && st && !json_is_null(st)) {
        const char *s = json_string_value(st);
        if (s && !strcasecmp(s, "active"))
            f->status = "Active";
        else if (s && !strcasecmp(s, "deprecated"))
            f->status = "Deprecated";
        else
            rc = tj_error_set(err, TJ_ERR_INPUT, "status", "status is Active or Deprecated");
    }
    return rc;
}

static void filter_release(store_pact_filter *f)
{
    json_decref(f->product);
    json_decref(f->company);
    json_decref(f->geography);
    json_decref(f->classification);
}

/* The stored document with its status, as a ProductFootprint. */
static json_t *row_doc(const json_t *row)
{
    json_t *doc = json_loads(inst_str(row, "doc"), 0, NULL);
    if (!doc)
        return NULL;
    /* status after created, as the spec lists it */
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        json_object_set(out, k, v);
        if (!strcmp(k, "created"))
            json_object_set(out, "status", json_object_get(row, "status"));
    }
    json_decref(doc);
    return out;
}

/* The organisation whose footprints the caller is limited to: a partner's
 * PACT client an enterprise made reads only that enterprise's footprints
 * (services/partner_clients.h); NULL for anyone else. */
static tj_status caller_owner(svc_ctx *ctx, char **owner, tj_error *err)
{
    *owner = NULL;
    return ctx->who.id ? svc_partner_client_scope(ctx->db, ctx->who.id, owner, err) : TJ_OK;
}

static tj_status list_for(svc_ctx *ctx, const json_t *filter, const char *after, int limit, json_t **out,
                          char **next, tj_error *err)
{
    store_db *db = ctx->db;
    const char *reader = ctx->who.org_id;
    *out = NULL;
    if (next)
        *next = NULL;
    store_pact_filter f;
    char times[3][32];
    char *owner = NULL;
    tj_status rc = caller_owner(ctx, &owner, err);
    if (rc)
        return rc;
    rc = parse_filter(filter, &f, times, err);
    f.owner = owner;
    if (!rc && after && !svc_pact_is_uuid(after))
        rc = tj_error_set(err, TJ_ERR_INPUT, "after", "not a page of this list");
    if (rc) {
        filter_release(&f);
        free(owner);
        return rc;
    }
    if (limit < 1 || limit > SVC_PACT_MAX_LIMIT)
        limit = SVC_PACT_MAX_LIMIT;
    char *al = after ? lower_dup(after) : NULL;
    f.after = al;
    f.limit = limit + 1;
    json_t *rows = NULL;
    rc = store_pact_fp_list(db, reader ? reader : "", &f, &rows, err);
    filter_release(&f);
    free(al);
    free(owner);
    if (rc)
        return rc;
    json_t *res = json_array();
    size_t n = json_array_size(rows);
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        json_t *d = row_doc(json_array_get(rows, i));
        if (d)
            json_array_append_new(res, d);
    }
    if (n > (size_t)limit && next)
        *next = strdup(inst_str(json_array_get(rows, (size_t)limit - 1), "id"));
    json_decref(rows);
    *out = res;
    return TJ_OK;
}

tj_status svc_pact_list(svc_ctx *ctx, const json_t *filter, const char *after, int limit, json_t **out,
                        char **next, tj_error *err)
{
    tj_status rc = svc_pact_sync(ctx->db, err);
    return rc ? rc : list_for(ctx, filter, after, limit, out, next, err);
}

tj_status svc_pact_list_text(svc_ctx *ctx, const json_t *filter, const char *after, int limit, char **body,
                             size_t *len, char **next, tj_error *err)
{
    *body = NULL;
    *len = 0;
    *next = NULL;
    tj_status rc = svc_pact_sync(ctx->db, err);
    store_pact_filter f;
    char times[3][32];
    char *owner = NULL;
    if (rc || (rc = caller_owner(ctx, &owner, err)))
        return rc;
    if ((rc = parse_filter(filter, &f, times, err))) {
        free(owner);
        return rc;
    }
    f.owner = owner;
    if (after && !svc_pact_is_uuid(after))
        rc = tj_error_set(err, TJ_ERR_INPUT, "after", "not a page of this list");
    if (limit < 1 || limit > SVC_PACT_MAX_LIMIT)
        limit = SVC_PACT_MAX_LIMIT;
    char *al = after ? lower_dup(after) : NULL;
    f.after = al;
    f.limit = limit + 1;
    json_t *rows = NULL;
    if (!rc)
        rc = store_pact_fp_list(ctx->db, ctx->who.org_id ? ctx->who.org_id : "", &f, &rows, err);
    filter_release(&f);
    free(al);
    free(owner);
    if (rc)
        return rc;
    /* the stored documents spliced as they are: {"status":"...", + the
     * document after its "{" (no parsing, see pact_footprint.doc) */
    tj_buf b;
    tj_buf_init(&b, 1u << 30);
    rc = tj_buf_appends(&b, "{\"data\":[");
    size_t n = json_array_size(rows);
    for (size_t i = 0; !rc && i < n && i < (size_t)limit; i++) {
        const json_t *r = json_array_get(rows, i);
        const char *doc = inst_str(r, "doc");
        rc = tj_buf_appendf(&b, "%s{\"status\":\"%s\",", i ? "," : "", inst_str(r, "status"));
        if (!rc)
            rc = tj_buf_appends(&b, doc + 1);
    }
    if (!rc)
        rc = tj_buf_appends(&b, "]}");
    if (!rc && n > (size_t)limit && !(*next = strdup(inst_str(json_array_get(rows, (size_t)limit - 1), "id"))))
        rc = TJ_ERR_NOMEM;
    json_decref(rows);
    if (rc) {
        tj_buf_release(&b);
        free(*next);
        *next = NULL;
        return rc == TJ_ERR_NOMEM ? tj_error_nomem(err) : tj_error_set(err, TJ_ERR_INPUT, NULL, "the page is too large");
    }
    *len = tj_buf_len(&b);
    *body = tj_buf_take(&b);
    return TJ_OK;
}

tj_status svc_pact_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    if (!svc_pact_is_uuid(id))
        return tj_error_set(err, TJ_ERR_INPUT, "id", "a footprint id is a UUID");
    tj_status rc = svc_pact_sync(ctx->db, err);
    char *owner = NULL;
    if (!rc)
        rc = caller_owner(ctx, &owner, err);
    char *l = rc ? NULL : lower_dup(id);
    json_t *row = NULL;
    if (!rc)
        rc = store_pact_fp_get(ctx->db, ctx->who.org_id ? ctx->who.org_id : "", owner, l, &row, err);
    free(l);
    free(owner);
    if (rc == TJ_ERR_NOTFOUND)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no footprint %s", id);
    if (!rc && !(*out = row_doc(row)))
        rc = tj_error_nomem(err);
    json_decref(row);
    return rc;
}

/* v2.3: the same footprint in the older data model (numbers as decimal
 * strings, the names of 2.3). */
json_t *svc_pact_to_v2(const json_t *v3)
{
    const json_t *p = json_object_get(v3, "pcf");
    json_t *o = json_pack("{s:O,s:s,s:O,s:O,s:i,s:O,s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(v3, "id"),
                          "specVersion", "2.3.0", "created", json_object_get(v3, "created"), "status",
                          json_object_get(v3, "status"), "version", 1, "companyName",
                          json_object_get(v3, "companyName"), "companyIds", json_object_get(v3, "companyIds"),
                          "productDescription", json_object_get(v3, "productDescription"), "productIds",
                          json_object_get(v3, "productIds"), "productNameCompany",
                          json_object_get(v3, "productNameCompany"), "comment", json_object_get(v3, "comment"));
    if (!o)
        return NULL;
    if (json_object_get(v3, "precedingPfIds"))
        json_object_set(o, "precedingPfIds", json_object_get(v3, "precedingPfIds"));
    if (json_object_get(v3, "validityPeriodStart")) {
        json_object_set(o, "validityPeriodStart", json_object_get(v3, "validityPeriodStart"));
        json_object_set(o, "validityPeriodEnd", json_object_get(v3, "validityPeriodEnd"));
    }
    json_t *cls = json_object_get(v3, "productClassifications");
    json_object_set_new(o, "productCategoryCpc",
                        json_string(json_array_size(cls) ? json_string_value(json_array_get(cls, 0)) : "0"));
    json_t *q = json_object();
    const char *u = json_string_value(json_object_get(p, "declaredUnitOfMeasurement"));
    json_object_set_new(q, "declaredUnit", json_string(u ? u : "kilogram"));
    json_object_set(q, "unitaryProductAmount", json_object_get(p, "declaredUnitAmount"));
    json_object_set(q, "pCfExcludingBiogenic", json_object_get(p, "pcfExcludingBiogenicUptake"));
    json_object_set(q, "pCfIncludingBiogenic", json_object_get(p, "pcfIncludingBiogenicUptake"));
    json_object_set(q, "fossilGhgEmissions", json_object_get(p, "fossilGhgEmissions"));
    json_object_set(q, "fossilCarbonContent", json_object_get(p, "fossilCarbonContent"));
    json_object_set_new(q, "biogenicCarbonContent",
                        json_object_get(p, "biogenicCarbonContent") ? json_incref(json_object_get(p, "biogenicCarbonContent"))
                                                                    : json_string("0"));
    if (json_object_get(p, "landUseChangeGhgEmissions"))
        json_object_set(q, "dLucGhgEmissions", json_object_get(p, "landUseChangeGhgEmissions"));
    if (json_object_get(p, "aircraftGhgEmissions"))
        json_object_set(q, "aircraftGhgEmissions", json_object_get(p, "aircraftGhgEmissions"));
    if (json_object_get(p, "biogenicCO2Uptake"))
        json_object_set(q, "biogenicCO2Uptake", json_object_get(p, "biogenicCO2Uptake"));
    json_object_set(q, "characterizationFactors", json_array_get(json_object_get(p, "ipccCharacterizationFactors"), 0));
    json_object_set(q, "ipccCharacterizationFactorsSources", json_object_get(p, "ipccCharacterizationFactors"));
    json_object_set_new(q, "crossSectoralStandardsUsed", json_pack("[s]", "ISO Standard 14067"));
    json_object_set_new(q, "productOrSectorSpecificRules", json_array());
    json_object_set_new(q, "boundaryProcessesDescription",
                        json_string(json_string_value(json_object_get(p, "boundaryProcessesDescription"))
                                        ? json_string_value(json_object_get(p, "boundaryProcessesDescription"))
                                        : ""));
    json_object_set(q, "referencePeriodStart", json_object_get(p, "referencePeriodStart"));
    json_object_set(q, "referencePeriodEnd", json_object_get(p, "referencePeriodEnd"));
    if (json_object_get(p, "geographyCountrySubdivision"))
        json_object_set(q, "geographyCountrySubdivision", json_object_get(p, "geographyCountrySubdivision"));
    if (json_object_get(p, "geographyCountry"))
        json_object_set(q, "geographyCountry", json_object_get(p, "geographyCountry"));
    json_t *ex = json_object_get(p, "exemptedEmissionsPercent");
    json_object_set_new(q, "exemptedEmissionsPercent", json_real(atof(json_string_value(ex) ? json_string_value(ex) : "0")));
    json_object_set_new(q, "exemptedEmissionsDescription", json_string(""));
    json_object_set_new(q, "packagingEmissionsIncluded", json_false());
    json_t *pds = json_object_get(p, "primaryDataShare");
    if (pds)
        json_object_set_new(q, "primaryDataShare", json_real(atof(json_string_value(pds))));
    json_t *dqi = json_object_get(p, "dqi");
    if (dqi) {
        /* v2 ratings run from 1 to 3: a rating outside leaves dqi out */
        json_t *d = json_object();
        const char *k3[] = {"technologicalDQR", "temporalDQR", "geographicalDQR"};
        int ok = 1;
        for (int i = 0; i < 3; i++) {
            const char *t = json_string_value(json_object_get(dqi, k3[i]));
            double v = t ? atof(t) : 0;
            ok &= v >= 1 && v <= 3;
            json_object_set_new(d, k3[i], json_real(v));
        }
        if (ok)
            json_object_set_new(q, "dqi", d);
        else
            json_decref(d);
    }
    json_object_set_new(o, "pcf", q);
    return o;
}

/* ---- events --------------------------------------------------------------- */
#define T3 "org.wbcsd.pact.ProductFootprint."
#define T2P "org.wbcsd.pathfinder.ProductFootprint.Published.v1"
#define T2R "org.wbcsd.pathfinder.ProductFootprintRequest."

static tj_status bad(tj_error *err, const char *field, const char *msg)
{
    return tj_error_set(err, TJ_ERR_INPUT, field, "%s", msg);
}

static int base_matches(const char *source, const char *base)
{
    size_t sl = strlen(source), bl = strlen(base);
    while (sl && source[sl - 1] == '/')
        sl--;
    while (bl && base[bl - 1] == '/')
        bl--;
    return sl == bl && !strncasecmp(source, base, sl);
}

static tj_status record_event(svc_ctx *ctx, const char *kind, const json_t *ev, const json_t *extra,
                              const json_t *state, tj_error *err)
{
    char oid[600];
    snprintf(oid, sizeof oid, "%s:%.500s", ctx->who.org_id ? ctx->who.org_id : "", inst_str(ev, "id"));
    json_t *ch = json_pack("{s:O,s:O,s:O,s:O?}", "type", json_object_get(ev, "type"), "event_id",
                           json_object_get(ev, "id"), "source", json_object_get(ev, "source"), "detail", extra);
    tj_status rc = ch ? svc_record(ctx, kind, "pact_event", oid, ch, state, err) : tj_error_nomem(err);
    json_decref(ch);
    return rc;
}

static tj_status on_request(svc_ctx *ctx, const json_t *ev, int v, const char *self_url, tj_error *err)
{
    const json_t *data = json_object_get(ev, "data");
    json_t *filter = NULL;
    if (v == 3)
        filter = json_deep_copy(data);
    else {
        const json_t *pf = json_object_get(data, "pf");
        if (!json_is_object(pf))
            return bad(err, "data.pf", "a v2 request names the footprint wanted in data.pf");
        filter = json_object();
        if (json_object_get(pf, "productIds"))
            json_object_set(filter, "productId", json_object_get(pf, "productIds"));
        if (json_object_get(pf, "companyIds"))
            json_object_set(filter, "companyId", json_object_get(pf, "companyIds"));
    }
    if (!filter)
        return tj_error_nomem(err);
    json_object_del(filter, "comment");
    /* check the criteria before anything else */
    store_pact_filter f;
    char times[3][32];
    tj_status rc = parse_filter(filter, &f, times, err);
    filter_release(&f);
    const char *k;
    json_t *x;
    int known_only = 1;
    json_object_foreach(filter, k, x)
    {
        int ok = !strcasecmp(k, "status");
        for (int i = 0; array_keys[i]; i++)
            ok |= !strcasecmp(k, array_keys[i]);
        for (int i = 0; time_keys[i]; i++)
            ok |= !strcasecmp(k, time_keys[i]);
        known_only &= ok;
    }
    if (!rc && !known_only)
        rc = bad(err, "data", "a request's criteria are productId, companyId, geography, classification, validOn, "
                              "validAfter, validBefore, status and comment");
    json_t *partner = NULL;
    const char *source = inst_str(ev, "source");
    if (!rc && store_pact_partner_get(ctx->db, ctx->who.org_id ? ctx->who.org_id : "", &partner, err) != TJ_OK) {
        tj_error_clear(err);
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "source",
                          "no events endpoint is registered for your organisation: this host cannot answer requests "
                          "(tanji pact partner)");
    }
    if (!rc && !base_matches(source, inst_str(partner, "events_url")))
        rc = bad(err, "source", "source is not the events endpoint registered for your organisation");
    json_t *pfs = NULL;
    if (!rc)
        rc = list_for(ctx, filter, NULL, 100, &pfs, NULL, err);
    json_decref(filter);
    if (rc) {
        json_decref(partner);
        return rc;
    }
    char now[32];
    now_utc(now);
    char *eid = svc_new_uuid();
    json_t *answer;
    const char *outcome = json_array_size(pfs) ? "fulfilled" : "rejected";
    if (v == 2) {
        json_t *v2 = json_array();
        size_t i;
        json_array_foreach(pfs, i, x) json_array_append_new(v2, svc_pact_to_v2(x));
        json_decref(pfs);
        pfs = v2;
    }
    if (json_array_size(pfs))
        answer = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:O,s:O}}", "type",
                           v == 3 ? T3 "RequestFulfilledEvent.3" : T2R "Fulfilled.v1", "specversion", "1.0", "id",
                           eid, "source", self_url ? self_url : "urn:tanji:pact", "time", now, "data",
                           "requestEventId", json_object_get(ev, "id"), "pfs", pfs);
    else
        answer = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:O,s:{s:s,s:s}}}", "type",
                           v == 3 ? T3 "RequestRejectedEvent.3" : T2R "Rejected.v1", "specversion", "1.0", "id",
                           eid, "source", self_url ? self_url : "urn:tanji:pact", "time", now, "data",
                           "requestEventId", json_object_get(ev, "id"), "error", "code", "NotFound", "message",
                           "no footprint this organisation may read matches the request");
    char *body = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    char url[2200];
    const char *base = inst_str(partner, "events_url");
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    snprintf(url, sizeof url, "%.*s/%d/events", (int)(bl > 2000 ? 2000 : bl), base, v);
    int64_t t = (int64_t)time(NULL);
    json_t *row = body && eid ? json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:I}", "id", eid, "request_id",
                                          inst_str(ev, "id"), "org_id", ctx->who.org_id, "url", url, "token_url", base,
                                          "body", body, "status", "pending", "attempts", 0, "first_at", (json_int_t)t,
                                          "next_at", (json_int_t)t)
                              : NULL;
    if (!row)
        rc = tj_error_nomem(err);
    int inserted = 0;
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_pact_outbox_insert(ctx->db, row, &inserted, err);
        if (!rc && inserted) {
            json_t *ids = json_array();
            size_t i;
            json_array_foreach(pfs, i, x) json_array_append(ids, json_object_get(x, "id"));
            json_t *detail = json_pack("{s:s,s:s,s:o}", "answer", outcome, "answer_id", eid, "pf_ids", ids);
            json_t *st = svc_pact_event_state(row);
            rc = st ? record_event(ctx, "pact.request", ev, detail, st, err) : tj_error_nomem(err);
            json_decref(detail);
            json_decref(st);
            /* the answer, queued */
            json_t *ach = json_pack("{s:s,s:s,s:s}", "request_id", inst_str(ev, "id"), "url", url, "answer", outcome);
            json_t *ast = svc_pact_answer_state(row);
            if (!rc)
                rc = ach && ast ? svc_record(ctx, "pact.answer.queued", "pact_answer", eid, ach, ast, err) : tj_error_nomem(err);
            json_decref(ach);
            json_decref(ast);
        }
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    json_decref(row);
    free(body);
    json_decref(answer);
    json_decref(pfs);
    json_decref(partner);
    free(eid);
    return rc;
}

tj_status svc_pact_event(svc_ctx *ctx, const json_t *ev, int v, const char *self_url, tj_error *err)
{
    if (!json_is_object(ev))
        return bad(err, NULL, "an event is a CloudEvents JSON object");
    const char *sv = inst_str(ev, "specversion"), *id = inst_str(ev, "id"), *src = inst_str(ev, "source"),
               *type = inst_str(ev, "type"), *tm = inst_str(ev, "time");
    char tn[32];
    if (!sv || strcmp(sv, "1.0"))
        return bad(err, "specversion", "specversion must be \"1.0\"");
    if (!id || !*id || strlen(id) > 500)
        return bad(err, "id", "id must be a non-empty string (at most 500 bytes)");
    if (!src || !*src || strlen(src) > 2000)
        return bad(err, "source", "source must be a non-empty string (at most 2000 bytes)");
    if (!type)
        return bad(err, "type", "type is missing");
    if (v == 3 && (!tm || !svc_pact_time_norm(tm, tn)))
        return bad(err, "time", "time must be an RFC 3339 date-time");
    const json_t *data = json_object_get(ev, "data");
    if (!json_is_object(data))
        return bad(err, "data", "data must be an object");
    int published = v == 3 ? !strcmp(type, T3 "PublishedEvent.3") : !strcmp(type, T2P);
    int created = v == 3 ? !strcmp(type, T3 "RequestCreatedEvent.3") : !strcmp(type, T2R "Created.v1");
    int fulfilled = v == 3 ? !strcmp(type, T3 "RequestFulfilledEvent.3") : !strcmp(type, T2R "Fulfilled.v1");
    int rejected = v == 3 ? !strcmp(type, T3 "RequestRejectedEvent.3") : !strcmp(type, T2R "Rejected.v1");
    tj_status rc;
    if (published) {
        const json_t *ids = json_object_get(data, "pfIds");
        if (!json_is_array(ids) || !json_array_size(ids) || json_array_size(ids) > 1000)
            return bad(err, "data.pfIds", "data.pfIds must be a non-empty array of footprint ids");
        size_t i;
        json_t *x;
        json_array_foreach(ids, i, x) if (!svc_pact_is_uuid(json_string_value(x))) return bad(
            err, "data.pfIds", "every footprint id in data.pfIds must be a UUID");
        if ((rc = svc_begin(ctx, err)))
            return rc;
        rc = record_event(ctx, "pact.event.published", ev, json_object_get(data, "pfIds"), NULL, err);
        return rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    if (created)
        return on_request(ctx, ev, v, self_url, err);
    if (fulfilled || rejected) {
        if (!json_is_string(json_object_get(data, "requestEventId")))
            return bad(err, "data.requestEventId", "data.requestEventId must be a string");
        if (fulfilled && (!json_is_array(json_object_get(data, "pfs")) || !json_array_size(json_object_get(data, "pfs"))))
            return bad(err, "data.pfs", "data.pfs must be a non-empty array of footprints");
        const json_t *e = json_object_get(data, "error");
        if (rejected && (!json_is_string(json_object_get(e, "code")) || !json_is_string(json_object_get(e, "message"))))
            return bad(err, "data.error", "data.error must have code and message");
        json_t *detail = json_pack("{s:O}", "requestEventId", json_object_get(data, "requestEventId"));
        if ((rc = svc_begin(ctx, err))) {
            json_decref(detail);
            return rc;
        }
        rc = record_event(ctx, fulfilled ? "pact.event.fulfilled" : "pact.event.rejected", ev, detail, NULL, err);
        json_decref(detail);
        return rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    return bad(err, "type", "unknown event type");
}

/* ---- the outbox ------------------------------------------------------------- */
static tj_status outbox_record(store_db *db, const json_t *row, const char *kind, const char *why, tj_error *err)
{
    svc_ctx sys;
    tj_status rc = system_ctx(db, &sys, err);
    if (rc)
        return rc;
    json_t *ch = json_pack("{s:O,s:O,s:O,s:O,s:s?}", "request_id", json_object_get(row, "request_id"), "org",
                           json_object_get(row, "org_id"), "url", json_object_get(row, "url"), "attempts",
                           json_object_get(row, "attempts"), "error", why);
    json_t *st = svc_pact_answer_state(row);
    rc = ch && st ? svc_record(&sys, kind, "pact_answer", inst_str(row, "id"), ch, st, err) : tj_error_nomem(err);
    json_decref(ch);
    json_decref(st);
    svc_ctx_release(&sys);
    return rc;
}

static tj_status send_one(store_db *db, const json_t *row, const char *ca_file, tj_error *err)
{
    json_t *partner = NULL;
    char *token = NULL, *why = NULL;
    tj_error e;
    tj_error_clear(&e);
    int ok = 0;
    char *secret = NULL, bind[200];
    snprintf(bind, sizeof bind, "pact_partner:%.150s", inst_str(row, "org_id"));
    if (store_pact_partner_get(db, inst_str(row, "org_id"), &partner, &e) == TJ_OK &&
        (strncmp(inst_str(partner, "client_secret"), "sb1:", 4)
             ? !!(secret = strdup(inst_str(partner, "client_secret"))) /* stored before secrets were sealed */
             : svc_secret_open(db, bind, inst_str(partner, "client_secret"), &secret, &e) == TJ_OK) &&
        pact_get_token(inst_str(row, "token_url"), inst_str(partner, "client_id"), secret, ca_file, &token, &e) ==
            TJ_OK) {
        char *auth = NULL;
        io_http_resp r;
        if (asprintf(&auth, "Bearer %s", token) > 0 &&
            pact_http("POST", inst_str(row, "url"), auth, "application/cloudevents+json; charset=UTF-8",
                      inst_str(row, "body"), strlen(inst_str(row, "body")), ca_file, &r, &e) == TJ_OK) {
            ok = r.status >= 200 && r.status < 300;
            if (!ok && asprintf(&why, "HTTP %ld", r.status) < 0)
                why = NULL;
            io_http_resp_release(&r);
        }
        free(auth);
    }
    if (!ok && !why)
        why = strdup(e.message[0] ? e.message : "failed");
    json_decref(partner);
    svc_secret_plain_free(secret);
    free(token);
    int64_t now = (int64_t)time(NULL), attempts = json_integer_value(json_object_get(row, "attempts")) + 1;
    json_t *r2 = json_deep_copy(row);
    json_object_set_new(r2, "attempts", json_integer(attempts));
    tj_status rc = store_begin(db, err);
    if (!rc) {
        if (ok) {
            rc = store_pact_outbox_update(db, inst_str(row, "id"), "sent", attempts, now, NULL, err);
            json_object_set_new(r2, "status", json_string("sent"));
            if (!rc)
                rc = outbox_record(db, r2, "pact.answer.sent", NULL, err);
        } else if (now - json_integer_value(json_object_get(row, "first_at")) >= SVC_PACT_GIVE_UP_SECONDS) {
            rc = store_pact_outbox_update(db, inst_str(row, "id"), "given_up", attempts, now, why, err);
            json_object_set_new(r2, "status", json_string("given_up"));
            if (!rc)
                rc = outbox_record(db, r2, "pact.answer.given_up", why, err);
        } else {
            /* exponential backoff: 2, 4, 8 ... seconds, at most an hour */
            int64_t wait = attempts >= 12 ? 3600 : (int64_t)1 << attempts;
            if (wait > 3600)
                wait = 3600;
            rc = store_pact_outbox_update(db, inst_str(row, "id"), "pending", attempts, now + wait, why, err);
        }
        rc = rc ? (store_rollback(db), rc) : store_commit(db, err);
    }
    json_decref(r2);
    free(why);
    return rc;
}

tj_status svc_run_leased(store_db *db, const svc_leased_work *w, const char *ca_file, int *worked, tj_error *err)
{
    *worked = 0;
    int64_t now = (int64_t)time(NULL);
    json_t *rows = NULL;
    tj_status rc = w->due(db, now, w->limit, &rows, err);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (rc)
            break;
        int won = 0;
        int64_t seen = json_integer_value(json_object_get(row, w->seen_key));
        if ((rc = w->lease(db, inst_str(row, "id"), seen, now + w->lease_s, &won, err)) || !won)
            continue;
        (*worked)++;
        rc = w->run(db, row, ca_file, err);
    }
    json_decref(rows);
    return rc;
}

tj_status svc_pact_outbox_run(store_db *db, const char *ca_file, int *worked, tj_error *err)
{
    /* a lease of two minutes: another node skips it meanwhile */
    static const svc_leased_work w = {store_pact_outbox_due, store_pact_outbox_lease, send_one, "next_at", 8, 120};
    return svc_run_leased(db, &w, ca_file, worked, err);
}

/* ---- attributes and partners ------------------------------------------------ */
static const char *const attr_urn_keys[] = {"productIds", "productClassifications", "companyIds", NULL};
static const char *const attr_dec_keys[] = {"fossilCarbonContent", "biogenicCarbonContent",
                                            "productMassPerDeclaredUnit", "exemptedEmissionsPercent", NULL};
static const char *const attr_time_keys[] = {"referencePeriodStart", "referencePeriodEnd", "validityPeriodStart",
                                             "validityPeriodEnd", NULL};

static int in_list(const char *const *l, const char *k)
{
    for (; *l; l++)
        if (!strcmp(*l, k))
            return 1;
    return 0;
}

static tj_status check_attrs(const json_t *a, tj_error *err)
{
    if (!json_is_object(a))
        return bad(err, "attributes", "the PACT attributes are a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (in_list(attr_urn_keys, k)) {
            size_t i;
            json_t *x;
            if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 100)
                return tj_error_set(err, TJ_ERR_INPUT, k, "%s must be a non-empty array of URNs", k);
            json_array_foreach(v, i, x)
            {
                const char *s = json_string_value(x);
                if (!is_urn(s) || strpbrk(s, " #&+?"))
                    return tj_error_set(err, TJ_ERR_INPUT, k,
                                        "%s[%zu] must be a URN (urn:...) without spaces, #, &, + or ?", k, i);
            }
        } else if (in_list(attr_dec_keys, k)) {
            json_t *tmp = json_pack("{s:O}", "x", v);
            int ok = tmp && attr_dec(tmp, "x") && json_string_value(v)[0] != '-';
            json_decref(tmp);
            if (!ok)
                return tj_error_set(err, TJ_ERR_INPUT, k, "%s must be a decimal string >= 0, e.g. \"0.25\"", k);
        } else if (in_list(attr_time_keys, k)) {
            char t[32];
            if (!json_is_string(v) || !svc_pact_time_norm(json_string_value(v), t))
                return tj_error_set(err, TJ_ERR_INPUT, k, "%s must be an RFC 3339 date-time", k);
        } else if (!strcmp(k, "crossSectoralStandards")) {
            size_t i;
            json_t *x;
            if (!json_is_array(v) || !json_array_size(v))
                return bad(err, k, "crossSectoralStandards must be a non-empty array of strings");
            json_array_foreach(v, i, x) if (!json_is_string(x) || strlen(json_string_value(x)) > 100) return bad(
                err, k, "crossSectoralStandards must be a non-empty array of strings");
        } else if (!strcmp(k, "comment")) {
            if (!json_is_string(v) || strlen(json_string_value(v)) > 4000)
                return bad(err, k, "comment must be a string of at most 4000 bytes");
        } else
            return tj_error_set(err, TJ_ERR_INPUT, k, "\"%s\" is not a PACT attribute tanji takes", k);
    }
    if (!!json_object_get(a, "referencePeriodStart") != !!json_object_get(a, "referencePeriodEnd") ||
        !!json_object_get(a, "validityPeriodStart") != !!json_object_get(a, "validityPeriodEnd"))
        return bad(err, "attributes", "a period needs both its start and its end");
    return TJ_OK;
}

tj_status svc_pact_attr_set(svc_ctx *ctx, const char *footprint_id, const json_t *attrs, json_t **missing,
                            tj_error *err)
{
    if (missing)
        *missing = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "set PACT attributes", err);
    if (rc || (rc = check_attrs(attrs, err)))
        return rc;
    store_footprint f;
    if ((rc = store_footprint_get(ctx->db, footprint_id, 1, &f, err)))
        return rc;
    if (!svc_owns(ctx, f.owner_org)) {
        store_footprint_release(&f);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "footprint", "no footprint \"%s\" / 碳足迹记录不存在", footprint_id);
    }
    char *text = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
    char at[32];
    now_utc(at);
    svc_ctx sys;
    int have_sys = 0;
    if (!text)
        rc = tj_error_nomem(err);
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_pact_attr_put(ctx->db, f.id, f.owner_org, text, at, err);
        if (!rc)
        {
            json_t *r = json_pack("{s:s,s:s}", "owner_org", f.owner_org, "attrs", text);
            json_t *st = r ? svc_pact_attr_state(r) : NULL;
            rc = st ? svc_record(ctx, "pact.attributes", "pact_attr", f.id, attrs, st, err) : tj_error_nomem(err);
            json_decref(st);
            json_decref(r);
        }
        if (!rc && !(rc = system_ctx(ctx->db, &sys, err))) {
            have_sys = 1;
            rc = offer_footprint(&sys, f.id, err);
        }
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    if (have_sys)
        svc_ctx_release(&sys);
    if (!rc && missing) {
        store_org o;
        built b;
        if (store_org_get(ctx->db, f.owner_org, &o, err) == TJ_OK) {
            if (build_doc(ctx->db, &f, attrs, o.name, &b, err) == TJ_OK) {
                *missing = json_incref(b.missing);
                built_release(&b);
            }
            store_org_release(&o);
        }
        tj_error_clear(err);
    }
    free(text);
    store_footprint_release(&f);
    return rc;
}

static int url_ok(const char *u)
{
    if (!u || strlen(u) > 1000 || strpbrk(u, " \"<>\\"))
        return 0;
    const char *e = getenv("TANJI_PACT_ALLOW_HTTP");
    return !strncasecmp(u, "https://", 8) || (e && !strcmp(e, "1") && !strncasecmp(u, "http://", 7));
}

tj_status svc_pact_partner_set(svc_ctx *ctx, const char *org, const char *base_url, const char *client_id,
                               const char *client_secret, tj_error *err)
{
    store_org o;
    tj_status rc = store_org_get(ctx->db, org, &o, err);
    if (rc)
        return rc;
    if (!(ctx->who.roles & SVC_ROLE_OPERATOR) &&
        !((ctx->who.roles & SVC_ROLE_ENTERPRISE) && ctx->who.org_id && !strcmp(ctx->who.org_id, o.id)))
        rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                          "the operator, or an enterprise user of the organisation itself, registers its PACT endpoint");
    else if (!url_ok(base_url))
        rc = bad(err, "url", "the partner's base URL must be https://...");
    else if (!client_id || !*client_id || strlen(client_id) > 500 || !client_secret || !*client_secret ||
             strlen(client_secret) > 500)
        rc = bad(err, "client_id", "client id and secret are required (at most 500 bytes each)");
    char at[32];
    now_utc(at);
    /* the secret sealed at rest (services/secret_box.h), bound to the organisation */
    char *sealed = NULL, bind[200];
    snprintf(bind, sizeof bind, "pact_partner:%s", o.id);
    if (!rc)
        rc = svc_secret_seal(ctx->db, bind, client_secret, &sealed, err);
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_pact_partner_put(ctx->db, o.id, base_url, client_id, sealed, at, err);
        json_t *ch = json_pack("{s:s,s:s}", "url", base_url, "client_id", client_id);
        json_t *r = json_pack("{s:s,s:s,s:s}", "events_url", base_url, "client_id", client_id, "client_secret", sealed);
        json_t *st = r ? svc_pact_partner_state(r) : NULL;
        if (!rc)
            rc = ch && st ? svc_record(ctx, "pact.partner", "pact_partner", o.id, ch, st, err) : tj_error_nomem(err);
        json_decref(ch);
        json_decref(st);
        json_decref(r);
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    free(sealed);
    store_org_release(&o);
    return rc;
}

/* ---- supplier footprints ------------------------------------------------------ */
static json_t *supplier_view(const json_t *r, const char *now)
{
    json_t *flags = json_array();
    if (!strcmp(inst_str(r, "status"), "Deprecated"))
        json_array_append_new(flags, json_string("deprecated"));
    const char *vt = inst_str(r, "valid_to");
    if (vt && strcmp(vt, now) < 0)
        json_array_append_new(flags, json_string("expired"));
    json_t *pids = json_loads(inst_str(r, "product_ids"), 0, NULL);
    json_t *dqi = inst_str(r, "dqi") ? json_loads(inst_str(r, "dqi"), 0, NULL) : NULL;
    json_t *prec = json_loads(inst_str(r, "preceding"), 0, NULL);
    return json_pack("{s:O,s:O,s:O,s:o?,s:O,s:O,s:O,s:O,s:o?,s:O,s:O,s:O,s:o?,s:O,s:o}", "id",
                     json_object_get(r, "pf_id"), "supplier", json_object_get(r, "company_name"), "product",
                     json_object_get(r, "product_name"), "product_ids", pids, "value", json_object_get(r, "value"),
                     "unit", json_object_get(r, "unit"), "primary_data_share", json_object_get(r, "primary_share"),
                     "status", json_object_get(r, "status"), "dqi", dqi, "valid_from",
                     json_object_get(r, "valid_from"), "valid_to", json_object_get(r, "valid_to"), "source",
                     json_object_get(r, "source"), "preceding", prec, "pulled_at", json_object_get(r, "pulled_at"),
                     "flags", flags);
}

/* One footprint of a supplier's list as a pact_supplier row, or NULL with
 * *why set. */
json_t *svc_pact_supplier_row(const json_t *pf, const char *owner, const char *source, const char *at,
                              const char **why)
{
    const json_t *pcf = json_object_get(pf, "pcf");
    const char *id = inst_str(pf, "id"), *status = inst_str(pf, "status");
    const pact_unit *pu = unit_by_pact(inst_str(pcf, "declaredUnitOfMeasurement"));
    const char *amt = attr_dec(pcf, "declaredUnitAmount"), *val = attr_dec(pcf, "pcfExcludingBiogenicUptake");
    *why = NULL;
    if (!svc_pact_is_uuid(id))
        *why = "id is not a UUID";
    else if (!status || (strcmp(status, "Active") && strcmp(status, "Deprecated")))
        *why = "status is not Active or Deprecated";
    else if (!pu)
        *why = "pcf.declaredUnitOfMeasurement is not a PACT unit";
    else if (!amt || !(atof(amt) > 0))
        *why = "pcf.declaredUnitAmount is not a positive decimal";
    else if (!val)
        *why = "pcf.pcfExcludingBiogenicUptake is not a decimal";
    else if (!json_is_array(json_object_get(pf, "productIds")))
        *why = "productIds is missing";
    if (*why)
        return NULL;
    const char *pds = attr_dec(pcf, "primaryDataShare");
    char vf[32] = "", vt[32] = "";
    const char *s = inst_str(pf, "validityPeriodStart"), *e = inst_str(pf, "validityPeriodEnd");
    if (s && e && svc_pact_time_norm(s, vf) && svc_pact_time_norm(e, vt)) {
    } else if (inst_str(pcf, "referencePeriodEnd") && svc_pact_time_norm(inst_str(pcf, "referencePeriodEnd"), vf))
        add_years(vf, 3, vt);
    char *pids = json_dumps(json_object_get(pf, "productIds"), JSON_COMPACT);
    json_t *pre = json_object_get(pf, "precedingPfIds");
    char *prec = json_is_array(pre) ? json_dumps(pre, JSON_COMPACT) : strdup("[]");
    char *dqi = json_object_get(pcf, "dqi") ? json_dumps(json_object_get(pcf, "dqi"), JSON_COMPACT) : NULL;
    char *doc = json_dumps(pf, JSON_COMPACT);
    char lid[40];
    snprintf(lid, sizeof lid, "%s", id);
    for (char *p = lid; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *cn = inst_str(pf, "companyName"), *pn = inst_str(pf, "productNameCompany");
    json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:o,s:s?,s:s,s:s?,s:s?,s:s,s:s,s:s}", "pf_id", lid,
                            "owner_org", owner, "source", source, "company_name", cn ? cn : "?", "product_name",
                            pn ? pn : "?", "product_ids", pids ? pids : "[]", "unit", pu->tanji, "value",
                            atof(val) / atof(amt), "primary_share", pds ? json_real(atof(pds)) : json_null(), "dqi",
                            dqi, "status", status, "valid_from", *vf ? vf : NULL, "valid_to", *vt ? vt : NULL,
                            "preceding", prec ? prec : "[]", "pulled_at", at, "doc", doc ? doc : "{}");
    free(pids);
    free(prec);
    free(dqi);
    free(doc);
    return row;
}

tj_status svc_pact_pull_page(const char *base_url, const char *url, long status, const char *body, size_t len,
                             const char *link_next, json_t *all, char **next, tj_error *err)
{
    *next = NULL;
    json_t *d = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *data = json_object_get(d, "data");
    tj_status rc = TJ_OK;
    if (!json_is_array(data))
        rc = tj_error_set(err, TJ_ERR_INPUT, "from", "%.200s answered HTTP %ld without a footprint list", url, status);
    else if (json_array_size(all) + json_array_size(data) > SVC_PACT_PULL_MAX)
        rc = tj_error_set(err, TJ_ERR_INPUT, "from", "%.200s offers more than %d footprints: refused", base_url,
                          SVC_PACT_PULL_MAX);
    else
        json_array_extend(all, data);
    json_decref(d);
    if (!rc && link_next && *link_next) {
        /* the bearer token goes with the next request: only to the supplier's own origin */
        char *o1 = io_http_origin(base_url), *o2 = url_ok(link_next) ? io_http_origin(link_next) : NULL;
        if (!o1 || !o2 || strcasecmp(o1, o2))
            rc = tj_error_set(err, TJ_ERR_INPUT, "from",
                              "%.200s: the next page (Link header) is not on the supplier's host: refused", url);
        else if (!(*next = strdup(link_next)))
            rc = tj_error_nomem(err);
        free(o1);
        free(o2);
    }
    return rc;
}

tj_status svc_pact_pull(svc_ctx *ctx, const char *base_url, const char *client_id, const char *client_secret,
                        const char *ca_file, json_t **report, tj_error *err)
{
    *report = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "pull suppliers' footprints", err);
    if (rc)
        return rc;
    if (!url_ok(base_url))
        return bad(err, "from", "the supplier's PACT base URL must be https://...");
    if (!client_id || !*client_id || !client_secret || !*client_secret)
        return bad(err, "client_id", "client id and secret are required");
    char *token = NULL;
    if ((rc = pact_get_token(base_url, client_id, client_secret, ca_file, &token, err)))
        return rc;
    char *auth = NULL;
    if (asprintf(&auth, "Bearer %s", token) < 0)
        auth = NULL;
    free(token);
    if (!auth)
        return tj_error_nomem(err);
    size_t bl = strlen(base_url);
    while (bl && base_url[bl - 1] == '/')
        bl--;
    char *url = NULL;
    if (asprintf(&url, "%.*s/3/footprints?limit=100", (int)bl, base_url) < 0)
        url = NULL;
    json_t *all = json_array();
    for (int page = 0; url && !rc && page < 1000; page++) {
        io_http_resp r;
        if ((rc = pact_http("GET", url, auth, NULL, NULL, 0, ca_file, &r, err)))
            break;
        char *next = NULL;
        rc = svc_pact_pull_page(base_url, url, r.status, r.body, r.len, r.link_next, all, &next, err);
        free(url);
        url = next;
        io_http_resp_release(&r);
    }
    free(url);
    memset(auth, 0, strlen(auth));
    free(auth);
    char at[32];
    now_utc(at);
    json_t *list = json_array();
    int pulled = 0, updated = 0;
    if (!rc && !(rc = svc_begin(ctx, err))) {
        size_t i;
        json_t *pf;
        json_array_foreach(all, i, pf)
        {
            const char *why = NULL;
            json_t *row = svc_pact_supplier_row(pf, ctx->who.org_id, base_url, at, &why);
            if (!row) {
                rc = tj_error_set(err, TJ_ERR_INPUT, "from", "footprint %zu of %.200s: %s", i, base_url, why);
                break;
            }
            json_t *old = NULL;
            int had = store_pact_supplier_get(ctx->db, ctx->who.org_id, inst_str(row, "pf_id"), &old, err) == TJ_OK;
            tj_error_clear(err);
            /* a ledger entry whenever what is kept changes (not for the time of the pull) */
            json_t *st = svc_pact_supplier_state(row), *ost = had ? svc_pact_supplier_state(old) : NULL;
            int changed = !had || !json_equal(st, ost);
            json_decref(old);
            json_decref(ost);
            if (!st)
                rc = tj_error_nomem(err);
            if (!rc && !(rc = store_pact_supplier_put(ctx->db, row, err)) && changed) {
                char oid[400];
                snprintf(oid, sizeof oid, "%s:%s", ctx->who.org_id, inst_str(row, "pf_id"));
                json_t *ch = json_pack("{s:s,s:O,s:O,s:O,s:O}", "action", had ? "update" : "pull", "source",
                                       json_object_get(row, "source"), "status", json_object_get(row, "status"),
                                       "value", json_object_get(row, "value"), "unit", json_object_get(row, "unit"));
                rc = ch ? svc_record(ctx, "pact.pull", "pact_supplier", oid, ch, st, err) : tj_error_nomem(err);
                json_decref(ch);
                had ? updated++ : pulled++;
            }
            json_decref(st);
            /* a footprint that names its predecessors deprecates them */
            size_t k;
            json_t *x;
            json_array_foreach(json_object_get(pf, "precedingPfIds"), k, x)
            {
                if (rc || !json_is_string(x))
                    continue;
                char *l = lower_dup(json_string_value(x));
                json_t *pr = NULL;
                if (!l)
                    rc = tj_error_nomem(err);
                else if (store_pact_supplier_get(ctx->db, ctx->who.org_id, l, &pr, err) != TJ_OK)
                    tj_error_clear(err); /* a predecessor not pulled: nothing to deprecate */
                else if (strcmp(inst_str(pr, "status"), "Deprecated")) {
                    rc = store_pact_supplier_set_status(ctx->db, ctx->who.org_id, l, "Deprecated", err);
                    json_object_set_new(pr, "status", json_string("Deprecated"));
                    json_t *st2 = svc_pact_supplier_state(pr);
                    json_t *ch = json_pack("{s:s,s:s,s:O}", "action", "deprecate", "status", "Deprecated",
                                           "successor", json_object_get(row, "pf_id"));
                    char oid[400];
                    snprintf(oid, sizeof oid, "%s:%s", ctx->who.org_id, l);
                    if (!rc)
                        rc = st2 && ch ? svc_record(ctx, "pact.pull", "pact_supplier", oid, ch, st2, err) : tj_error_nomem(err);
                    json_decref(st2);
                    json_decref(ch);
                }
                json_decref(pr);
                free(l);
            }
            if (!rc)
                json_array_append_new(list, json_pack("{s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(row, "pf_id"),
                                                      "product", json_object_get(row, "product_name"), "status",
                                                      json_object_get(row, "status"), "value",
                                                      json_object_get(row, "value"), "unit",
                                                      json_object_get(row, "unit")));
            json_decref(row);
            if (rc)
                break;
        }
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    json_decref(all);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *report = json_pack("{s:i,s:i,s:o}", "pulled", pulled, "updated", updated, "footprints", list);
    return TJ_OK;
}

tj_status svc_pact_supplier_view(store_db *db, const char *owner, const char *pf_id, json_t **out, tj_error *err)
{
    *out = NULL;
    char *l = lower_dup(pf_id ? pf_id : "");
    json_t *r = NULL;
    tj_status rc = l ? store_pact_supplier_get(db, owner ? owner : "", l, &r, err) : tj_error_nomem(err);
    free(l);
    if (rc)
        return rc;
    char now[32];
    now_utc(now);
    *out = supplier_view(r, now);
    json_decref(r);
    return *out ? TJ_OK : tj_error_nomem(err);
}

double svc_pact_primary_data_share(store_db *db, const char *owner, const json_t *result)
{
    return primary_share(db, owner, result);
}

tj_status svc_pact_supplier_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *rows = NULL;
    tj_status rc = store_pact_supplier_list(ctx->db, ctx->who.org_id ? ctx->who.org_id : "", &rows, err);
    if (rc)
        return rc;
    char now[32];
    now_utc(now);
    json_t *res = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_array_append_new(res, supplier_view(r, now));
    json_decref(rows);
    *out = res;
    return TJ_OK;
}

tj_status svc_pact_inputs(svc_ctx *ctx, const char *footprint_id, json_t **out, tj_error *err)
{
    *out = NULL;
    store_footprint f;
    tj_status rc = store_footprint_get(ctx->db, footprint_id, 1, &f, err);
    if (rc)
        return rc;
    if (!svc_owns(ctx, f.owner_org)) {
        store_footprint_release(&f);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "footprint", "no footprint \"%s\" / 碳足迹记录不存在", footprint_id);
    }
    json_t *result = json_loads(f.result ? f.result : "{}", 0, NULL);
    char now[32];
    now_utc(now);
    json_t *inputs = json_array();
    int flagged = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(result, "inventory"), i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        if (!id || strncmp(id, "factor:pact:", 12))
            continue;
        json_t *row = NULL;
        json_t *v;
        char pf[37]; /* "factor:pact:PF-ID@pact" */
        snprintf(pf, sizeof pf, "%s", id + 12);
        if (store_pact_supplier_get(ctx->db, f.owner_org, pf, &row, err) == TJ_OK) {
            v = supplier_view(row, now);
            json_decref(row);
        } else {
            tj_error_clear(err);
            v = json_pack("{s:s,s:[s]}", "id", pf, "flags", "unknown");
        }
        json_object_set(v, "co2e", json_object_get(e, "co2e"));
        json_object_set_new(v, "factor", json_string(id + 7));
        json_object_set_new(v, "pf_id", json_string(pf));
        flagged |= json_array_size(json_object_get(v, "flags")) > 0;
        json_array_append_new(inputs, v);
    }
    *out = json_pack("{s:s,s:f,s:o,s:b}", "footprint", f.id, "primary_data_share",
                     primary_share(ctx->db, f.owner_org, result), "supplier_inputs", inputs, "flagged", flagged);
    json_decref(result);
    store_footprint_release(&f);
    return *out ? TJ_OK : tj_error_nomem(err);
}

tj_status svc_pact_supplier_factor(svc_ctx *ctx, const char *pf_id, io_factor *out, tj_error *err)
{
    if (!svc_pact_is_uuid(pf_id))
        return bad(err, "factor", "a supplier footprint is named by its PACT id (a UUID)");
    char *l = lower_dup(pf_id);
    json_t *r = NULL;
    tj_status rc = l ? store_pact_supplier_get(ctx->db, ctx->who.org_id ? ctx->who.org_id : "", l, &r, err)
                     : tj_error_nomem(err);
    if (rc == TJ_ERR_NOTFOUND)
        rc = tj_error_set(err, TJ_ERR_INPUT, "factor",
                          "no supplier footprint %s in your organisation (tanji pact pull first)", pf_id);
    if (!rc) {
        char id[64], now[32];
        snprintf(id, sizeof id, "pact:%s", l);
        now_utc(now);
        json_t *v = supplier_view(r, now);
        char *flags = json_dumps(json_object_get(v, "flags"), JSON_COMPACT);
        out->id = strdup(id);
        out->version = strdup("pact");
        if (asprintf(&out->name, "%s (%s, PACT)", inst_str(r, "product_name"), inst_str(r, "company_name")) < 0)
            out->name = NULL;
        out->value = json_real_value(json_object_get(r, "value"));
        out->unit = strdup(inst_str(r, "unit"));
        if (asprintf(&out->source, "PACT footprint %s of %s from %s, pulled %s (primary data)", l,
                     inst_str(r, "company_name"), inst_str(r, "source"), inst_str(r, "pulled_at")) < 0)
            out->source = NULL;
        out->channel = CALC_CH_FOSSIL;
        out->inline_def = 0;
        if (json_array_size(json_object_get(v, "flags")) &&
            asprintf(&out->note, "supplier footprint flagged: %s", flags ? flags : "") < 0)
            out->note = NULL;
        free(flags);
        json_decref(v);
        if (!out->id || !out->version || !out->name || !out->unit || !out->source)
            rc = tj_error_nomem(err);
    }
    json_decref(r);
    free(l);
    return rc;
}

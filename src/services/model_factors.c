/* Model factor references resolved against the factor database; see
 * services/model_factors.h. */
#include "services/model_factors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/factors.h"
#include "services/federation.h"
#include "services/pact.h"
#include "services/regions.h"
#include "tanji/buf.h"

/* Move what the footprint needs from a factor record (published: both
 * svc_factor_get_for_use and resolution return only those) into out. */
static tj_status fill(const svc_factor *f, io_factor *out, tj_error *err)
{
    char version[32];
    snprintf(version, sizeof version, "%d", f->version);
    /* the source as one line: document; publisher; date (no length limit
     * but the buffer's cap, which refuses rather than cuts) */
    tj_buf source;
    tj_buf_init(&source, TJ_BUF_TEXT_MAX);
    tj_status st = TJ_OK;
    if ((st = tj_buf_appends(&source, f->source_doc ? f->source_doc : "")) ||
        (f->source_publisher && (st = tj_buf_appendf(&source, "; %s", f->source_publisher))) ||
        (f->source_date && (st = tj_buf_appendf(&source, "; %s", f->source_date)))) {
        tj_buf_release(&source);
        return st == TJ_ERR_NOMEM ? tj_error_set(err, st, NULL, "out of memory")
                                  : tj_error_set(err, TJ_ERR_INPUT, "factor", "factor %s: its source is longer than %u bytes",
                                                 f->id, TJ_BUF_TEXT_MAX);
    }
    const char *name = f->name_zh && *f->name_zh ? f->name_zh : f->name_en ? f->name_en : f->id;
    out->id = strdup(f->id);
    out->version = strdup(version);
    out->name = strdup(name);
    out->value = f->value;
    out->unit = strdup(f->unit ? f->unit : "");
    out->source = tj_buf_take(&source);
    out->channel = CALC_CH_FOSSIL;
    out->inline_def = 0;
    if (!out->source)
        out->source = strdup("");
    if (!out->id || !out->version || !out->name || !out->unit || !out->source)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    /* the per-gas breakdown the record carries, if any */
    if (f->gases && *f->gases) {
        json_error_t jerr;
        json_t *g = json_loads(f->gases, 0, &jerr);
        if (!g)
            return tj_error_set(err, TJ_ERR_INPUT, "factor", "factor %s@%d: gases is not JSON: %s", f->id, f->version,
                                jerr.text);
        st = io_factor_set_gases(out, g, "factor", err);
        json_decref(g);
        if (st) {
            tj_error_prefix(err, "factor %s@%d", f->id, f->version);
            return st;
        }
    }
    return TJ_OK;
}

/* A factor published by a peer trusted for factors (federation.h), when
 * this instance has none: the footprint records its origin in the factor's
 * source and note.  Returns st (the local lookup's NOTFOUND, err kept) when
 * no peer publishes it either. */
static tj_status fill_federated(svc_ctx *sctx, const char *id, int version, io_factor *out, tj_status st,
                                tj_error *err)
{
    json_t *fed = NULL;
    tj_error ferr;
    tj_error_clear(&ferr);
    if (svc_fed_factor_for_model(sctx, id, version, &fed, &ferr) || !fed)
        return st;
    const json_t *f = json_object_get(fed, "factor");
    const char *origin = json_string_value(json_object_get(fed, "origin"));
    const char *jur = json_string_value(json_object_get(fed, "peer_jurisdiction"));
    long long idx = (long long)json_integer_value(json_object_get(fed, "ledger_index"));
    const char *nz = json_string_value(json_object_get(f, "name_zh"));
    const char *ne = json_string_value(json_object_get(f, "name_en"));
    const char *doc = json_string_value(json_object_get(f, "source_doc"));
    const char *pub = json_string_value(json_object_get(f, "source_publisher"));
    const char *date = json_string_value(json_object_get(f, "source_date"));
    const char *unit = json_string_value(json_object_get(f, "unit"));
    json_t *jv = json_object_get(f, "value");
    tj_error_clear(err);
    if (!json_is_number(jv) || !unit) {
        json_decref(fed);
        return tj_error_set(err, TJ_ERR_INPUT, "factor", "factor %s from instance %s has no value or unit", id,
                            origin ? origin : "?");
    }
    char version_s[32];
    snprintf(version_s, sizeof version_s, "%lld", (long long)json_integer_value(json_object_get(f, "version")));
    out->id = strdup(id);
    out->version = strdup(version_s);
    out->name = strdup(nz && *nz ? nz : ne && *ne ? ne : id);
    out->value = json_number_value(jv);
    out->unit = strdup(unit);
    if (asprintf(&out->source, "%s%s%s%s%s [instance %s (%s), ledger entry %lld]", doc ? doc : "", pub ? "; " : "",
                 pub ? pub : "", date ? "; " : "", date ? date : "", origin ? origin : "?", jur ? jur : "?", idx) < 0)
        out->source = NULL;
    if (asprintf(&out->note, "published by federated instance %s (%s), ledger entry %lld / 来自联邦实例 %s",
                 origin ? origin : "?", jur ? jur : "?", idx, origin ? origin : "?") < 0)
        out->note = NULL;
    out->channel = CALC_CH_FOSSIL;
    out->inline_def = 0;
    tj_status rc = TJ_OK;
    if (!out->id || !out->version || !out->name || !out->unit || !out->source || !out->note)
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    const json_t *g = json_object_get(f, "gases");
    if (!rc && json_is_object(g))
        rc = io_factor_set_gases(out, g, "factor", err);
    json_decref(fed);
    return rc;
}

tj_status svc_model_factor_resolver(void *ctx, const char *ref_json, const char *region, int year,
                                    io_factor *out, tj_error *err)
{
    svc_ctx *sctx = ctx;
    json_error_t jerr;
    json_t *ref = json_loads(ref_json, JSON_DECODE_ANY, &jerr);
    if (!ref)
        return tj_error_set(err, TJ_ERR_INPUT, "factor", "not a factor reference: %s", jerr.text);
    tj_status st;
    svc_factor f;
    svc_factor_init(&f);
    if (json_is_string(ref)) {
        char *id = NULL;
        int version = 0;
        if ((st = svc_factor_parse_ref(json_string_value(ref), &id, &version, err)) == TJ_OK) {
            st = svc_factor_get_for_use(sctx, id, version, &f, err);
            if (st == TJ_ERR_CONFLICT)
                st = TJ_ERR_INPUT;
            if (st == TJ_OK)
                st = fill(&f, out, err);
            else if (st == TJ_ERR_NOTFOUND)
                st = fill_federated(sctx, id, version, out, st, err);
            free(id);
            svc_factor_release(&f);
        }
    } else if (json_is_object(ref) && json_object_get(ref, "supplier")) {
        /* a supplier's footprint pulled over PACT (services/pact.h) */
        const char *pf = json_string_value(json_object_get(ref, "supplier"));
        st = json_object_size(ref) != 1 || !pf
                 ? tj_error_set(err, TJ_ERR_INPUT, "factor", "a supplier factor is {\"supplier\": \"PACT-FOOTPRINT-ID\"}")
                 : svc_pact_supplier_factor(sctx, pf, out, err);
    } else if (json_is_object(ref)) {
        const char *query = json_string_value(json_object_get(ref, "query"));
        const char *r = json_string_value(json_object_get(ref, "region"));
        json_t *y = json_object_get(ref, "year");
        const char *k;
        json_t *v;
        st = TJ_OK;
        json_object_foreach(ref, k, v) {
            if (strcmp(k, "query") && strcmp(k, "region") && strcmp(k, "year")) {
                st = tj_error_set(err, TJ_ERR_INPUT, "factor", "unknown key \"%s\" (query, region, year)", k);
                break;
            }
        }
        if (st == TJ_OK && !query)
            st = tj_error_set(err, TJ_ERR_INPUT, "factor", "a factor query needs \"query\": a name, alias or id");
        if (st == TJ_OK && y && !json_is_integer(y))
            st = tj_error_set(err, TJ_ERR_INPUT, "factor", "\"year\" must be an integer");
        if (st == TJ_OK) {
            /* The model's geography is ISO 3166-2; the database speaks GB/T 2260. */
            if (!r && region)
                r = svc_region_from_iso(region) ? svc_region_from_iso(region) : region;
            svc_factor_resolution res;
            memset(&res, 0, sizeof res);
            st = svc_factor_resolve(sctx, query, r ? r : "CN", y ? (int)json_integer_value(y) : year, &res, err);
            if (st == TJ_OK) {
                st = fill(&res.factor, out, err);
                if (st == TJ_OK && res.explanation && !(out->note = strdup(res.explanation)))
                    st = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
                svc_factor_resolution_release(&res);
            }
        }
    } else {
        st = tj_error_set(err, TJ_ERR_INPUT, "factor", "a factor is \"ID\", \"ID@VERSION\" or {\"query\": ...}");
    }
    json_decref(ref);
    if (st) {
        free(out->id);
        free(out->version);
        free(out->name);
        free(out->unit);
        free(out->source);
        free(out->note);
        free(out->parts);
        memset(out, 0, sizeof *out);
    }
    return st;
}

/* svc_disclosure: disclosure, registry, comparison, ESG section; see disclosure.h. */
#include "services/disclosure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/inst_util.h"
#include "store/accounts.h"
#include "store/footprint_sql.h"
#include "store/inst_sql.h"

static const char *const secret_fields[] = {"stages",        "processes", "suppliers",
                                            "activity_data", "factors",   NULL};

static json_t *disc_state(const json_t *row)
{
    return json_deep_copy(row);
}

tj_status svc_disclosure_publish(svc_ctx *ctx, const char *footprint_id, const char *scope,
                                 const json_t *partners, const json_t *fields, char **id_out, tj_error *err)
{
    if (id_out)
        *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "publish footprints", err);
    if (rc)
        return rc;
    if (!scope || (strcmp(scope, "public") && strcmp(scope, "partners") && strcmp(scope, "private")))
        return tj_error_set(err, TJ_ERR_USAGE, "scope", "scope is public, partners or private");
    json_t *pids = json_array(), *fl = json_array();
    size_t i;
    json_t *v;
    if (!strcmp(scope, "partners") && (!json_is_array(partners) || !json_array_size(partners)))
        rc = tj_error_set(err, TJ_ERR_USAGE, "partners",
                          "a disclosure for partners names them / 需指定合作伙伴");
    json_array_foreach(partners, i, v)
    {
        store_org o;
        if (rc || !json_is_string(v))
            break;
        if ((rc = store_org_get(ctx->db, json_string_value(v), &o, err)))
            break;
        json_array_append_new(pids, json_string(o.id));
        store_org_release(&o);
    }
    json_array_foreach(fields, i, v)
    {
        int known = 0;
        for (const char *const *f = secret_fields; *f; f++)
            known |= json_is_string(v) && !strcmp(*f, json_string_value(v));
        if (!rc && !known)
            rc = tj_error_set(err, TJ_ERR_INPUT, "fields",
                              "\"%s\" is not a field that can be disclosed: stages, processes, suppliers, "
                              "activity_data or factors",
                              json_is_string(v) ? json_string_value(v) : "?");
        if (!rc)
            json_array_append(fl, v);
    }
    store_footprint f = {0};
    if (!rc && !(rc = store_footprint_get(ctx->db, footprint_id, 0, &f, err)) &&
        strcmp(f.owner_org, ctx->who.org_id))
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "footprint", "no footprint \"%s\" / 碳足迹记录不存在",
                          footprint_id);
    char *id = NULL, *ptext = NULL, *ftext = NULL;
    char at[INST_TIME_SIZE];
    inst_now(at);
    json_t *row = NULL;
    if (!rc) {
        id = svc_new_uuid();
        ptext = json_dumps(pids, JSON_COMPACT);
        ftext = json_dumps(fl, JSON_COMPACT);
        row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:n}", "id", id, "footprint_id", f.id,
                        "owner_org", ctx->who.org_id, "scope", scope, "partners", ptext, "fields", ftext,
                        "status", "published", "published_at", at, "withdrawn_at", "withdraw_reason");
        if (!row)
            rc = tj_error_nomem(err);
    }
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_disclosure_insert(ctx->db, row, err);
        if (!rc) {
            json_t *change = json_pack("{s:s,s:s}", "action", "publish", "scope", scope);
            json_t *state = disc_state(row);
            rc = svc_record(ctx, "disclosure.publish", "disclosure", id, change, state, err);
            json_decref(change);
            json_decref(state);
        }
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    if (!rc && id_out) {
        *id_out = id;
        id = NULL;
    }
    free(id);
    free(ptext);
    free(ftext);
    json_decref(row);
    json_decref(pids);
    json_decref(fl);
    store_footprint_release(&f);
    return rc;
}

/* May the reader see the disclosure's content? */
static int may_read(const svc_ctx *ctx, const json_t *d)
{
    if (svc_owns(ctx, inst_str(d, "owner_org")))
        return 1;
    const char *scope = inst_str(d, "scope");
    if (!strcmp(scope, "public"))
        return 1;
    if (!strcmp(scope, "partners")) {
        json_t *p = json_loads(inst_str(d, "partners"), 0, NULL);
        int ok = 0;
        size_t i;
        json_t *v;
        json_array_foreach(p, i, v) ok |= ctx->who.org_id && !strcmp(json_string_value(v), ctx->who.org_id);
        json_decref(p);
        return ok;
    }
    return 0;
}

tj_status svc_disclosure_withdraw(svc_ctx *ctx, const char *id, const char *reason, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "withdraw disclosures", err);
    if (rc || (rc = inst_check_text(reason, 2000, "reason", 0, err)))
        return rc;
    json_t *d = NULL;
    char at[INST_TIME_SIZE];
    inst_now(at);
    if ((rc = store_disclosure_get(ctx->db, id, &d, err)))
        return rc;
    if (!svc_owns(ctx, inst_str(d, "owner_org"))) {
        rc = may_read(ctx, d)
                 ? tj_error_set(err, TJ_ERR_PERM, NULL,
                                "only its owner withdraws a disclosure / 仅披露方可撤回")
                 : tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no disclosure \"%s\" / 披露记录不存在", id);
    } else if (!strcmp(inst_str(d, "status"), "withdrawn")) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "disclosure %s is withdrawn already / 已撤回", id);
    } else if (!(rc = svc_begin(ctx, err))) {
        rc = store_disclosure_withdraw(ctx->db, id, at, reason, err);
        json_decref(d);
        d = NULL;
        if (!rc)
            rc = store_disclosure_get(ctx->db, id, &d, err);
        if (!rc) {
            json_t *change = json_pack("{s:s,s:s?}", "action", "withdraw", "reason", reason);
            rc = svc_record(ctx, "disclosure.withdraw", "disclosure", id, change, d, err);
            json_decref(change);
        }
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    json_decref(d);
    return rc;
}

/* The chosen secret fields from the record's model and result. */
static void add_secret(json_t *out, const char *field, const json_t *model, const json_t *result)
{
    if (!strcmp(field, "stages")) {
        json_object_set(out, "stages", json_object_get(result, "by_stage"));
    } else if (!strcmp(field, "factors")) {
        json_object_set(out, "factors", json_object_get(result, "factors_used"));
    } else {
        json_t *a = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(model, "processes"), i, p)
        {
            if (!strcmp(field, "processes"))
                json_array_append_new(a, json_pack("{s:O?,s:O?,s:O?}", "id", json_object_get(p, "id"), "name",
                                                   json_object_get(p, "name"), "stage",
                                                   json_object_get(p, "stage")));
            else if (!strcmp(field, "suppliers")) {
                json_t *s = json_object_get(p, "supplier");
                if (s)
                    json_array_append_new(
                        a, json_pack("{s:O?,s:O}", "process", json_object_get(p, "id"), "supplier", s));
            } else { /* activity_data */
                size_t k;
                json_t *x;
                json_array_foreach(json_object_get(p, "exchanges"), k, x) json_array_append_new(
                    a, json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?}", "process", json_object_get(p, "id"), "flow",
                                 json_object_get(x, "flow"), "direction", json_object_get(x, "direction"),
                                 "amount", json_object_get(x, "amount"), "unit", json_object_get(x, "unit")));
            }
        }
        json_object_set_new(out, field, a);
    }
}

static tj_status disclosure_view(store_db *db, const json_t *d, json_t **out, tj_error *err)
{
    json_t *v = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O?,s:O?}", "id", json_object_get(d, "id"), "owner_org",
                          json_object_get(d, "owner_org"), "scope", json_object_get(d, "scope"), "status",
                          json_object_get(d, "status"), "published_at", json_object_get(d, "published_at"),
                          "withdrawn_at", json_object_get(d, "withdrawn_at"), "withdraw_reason",
                          json_object_get(d, "withdraw_reason"));
    if (!v)
        return tj_error_nomem(err);
    store_org o;
    if (store_org_get(db, inst_str(d, "owner_org"), &o, NULL) == TJ_OK) {
        json_object_set_new(v, "owner", json_pack("{s:s,s:s?}", "name", o.name, "region", o.region));
        store_org_release(&o);
    }
    if (!strcmp(inst_str(d, "status"), "withdrawn")) {
        *out = v;
        return TJ_OK;
    }
    store_footprint f;
    tj_status rc = store_footprint_get(db, inst_str(d, "footprint_id"), 1, &f, err);
    if (rc) {
        json_decref(v);
        return rc;
    }
    json_t *result = json_loads(f.result ? f.result : "{}", 0, NULL);
    json_t *model = json_loads(f.model ? f.model : "{}", 0, NULL);
    json_t *rm = json_object_get(result, "model");
    json_t *fp = json_pack(
        "{s:s,s:s,s:f,s:s,s:f,s:f,s:s,s:s?,s:s,s:O?,s:O?,s:O?,s:s}", "id", f.id, "product", f.product,
        "value", f.total / (f.amount > 0 ? f.amount : 1), "unit", "kg CO2e", "declared_amount", f.amount,
        "total", f.total, "declared_unit", f.unit, "rule", f.rule_id, "check_status", f.check_status,
        "boundary", json_object_get(rm, "boundary"), "reference_period",
        json_object_get(rm, "reference_period"), "geography", json_object_get(rm, "geography"), "gwp", f.gwp);
    json_t *fl = json_loads(inst_str(d, "fields"), 0, NULL);
    size_t i;
    json_t *x;
    json_t *secret = json_object();
    json_array_foreach(fl, i, x) add_secret(secret, json_string_value(x), model, result);
    if (json_object_size(secret))
        json_object_set(fp, "disclosed_details", secret);
    json_decref(secret);
    json_object_set_new(v, "footprint", fp);
    json_object_set_new(v, "fields", fl ? fl : json_array());
    json_decref(result);
    json_decref(model);
    store_footprint_release(&f);
    *out = v;
    return TJ_OK;
}

tj_status svc_disclosure_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *d = NULL;
    tj_status rc = store_disclosure_get(ctx->db, id, &d, err);
    if (rc == TJ_OK && !may_read(ctx, d))
        rc = TJ_ERR_NOTFOUND;
    if (rc == TJ_ERR_NOTFOUND)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no disclosure \"%s\" / 披露记录不存在", id);
    if (!rc)
        rc = disclosure_view(ctx->db, d, out, err);
    json_decref(d);
    return rc;
}

tj_status svc_disclosure_footprint_view(store_db *db, const char *id, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *d = NULL, *v = NULL;
    tj_status rc = store_disclosure_get(db, id, &d, err);
    if (!rc && (strcmp(inst_str(d, "scope"), "public") || strcmp(inst_str(d, "status"), "published")))
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no public disclosure \"%s\" / 公开披露不存在", id);
    if (!rc)
        rc = disclosure_view(db, d, &v, err);
    if (!rc) {
        *out = json_incref(json_object_get(v, "footprint"));
        json_object_set_new(*out, "disclosure",
                            json_pack("{s:O,s:O,s:O,s:O?,s:O}", "id", json_object_get(v, "id"), "scope",
                                      json_object_get(v, "scope"), "published_at",
                                      json_object_get(v, "published_at"), "owner",
                                      json_object_get(v, "owner"), "fields", json_object_get(v, "fields")));
        json_object_set(*out, "owner_org", json_object_get(v, "owner_org"));
    }
    json_decref(v);
    json_decref(d);
    return rc;
}

tj_status svc_disclosure_list(svc_ctx *ctx, int mine, int limit, int offset, json_t **out, tj_error *err)
{
    svc_page(&limit, &offset);
    json_t *rows = NULL;
    tj_status rc = store_disclosure_list(ctx->db, mine ? ctx->who.org_id : NULL, !mine, limit,
                                         offset, &rows, err);
    if (rc)
        return rc;
    json_t *res = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(rows, i, d)
    {
        json_t *v = NULL;
        if ((rc = disclosure_view(ctx->db, d, &v, err)))
            break;
        json_array_append_new(res, v);
    }
    json_decref(rows);
    if (rc)
        json_decref(res);
    else
        *out = res;
    return rc;
}

tj_status svc_disclosure_each_state(store_db *db,
                                    tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                    void *arg, tj_error *err)
{
    tj_status rc = TJ_OK;
    for (int offset = 0;; offset += 500) {
        json_t *rows = NULL;
        if ((rc = store_disclosure_list(db, NULL, 0, 500, offset, &rows, err)))
            return rc;
        size_t i, n = json_array_size(rows);
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            /* rows migration 15 moved from footprint_publication: their ledger
             * history is under that object until a change records one here */
            if (!rc && !(!strncmp(inst_str(r, "id"), SVC_DISCLOSURE_MIGRATED_PREFIX,
                                  strlen(SVC_DISCLOSURE_MIGRATED_PREFIX)) &&
                         !strcmp(inst_str(r, "status"), "published")))
                rc = emit(arg, inst_str(r, "id"), r, err);
        }
        json_decref(rows);
        if (rc || n < 500)
            return rc;
    }
}

/* ---- registry ---- */

static json_t *public_label(const json_t *l)
{
    return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "number",
                     json_object_get(l, "number"), "product", json_object_get(l, "product"), "category",
                     json_object_get(l, "category"), "holder", json_object_get(l, "holder_name"),
                     "holder_org", json_object_get(l, "holder_org"), "region", json_object_get(l, "region"),
                     "value", json_object_get(l, "value"), "declared_unit", json_object_get(l, "unit"),
                     "grade", json_object_get(l, "grade"), "grade_version",
                     json_object_get(l, "grade_version"), "status", json_object_get(l, "status"), "body",
                     json_object_get(l, "body_name"), "issued_at", json_object_get(l, "issued_at"),
                     "valid_until", json_object_get(l, "valid_until"), "year", json_object_get(l, "year"));
}

tj_status svc_registry_search(svc_ctx *ctx, const json_t *filter, int limit, int offset, json_t **out,
                              tj_error *err)
{
    if (limit <= 0 || limit > 200)
        limit = limit <= 0 ? 20 : 200;
    if (offset < 0)
        offset = 0;
    const char *keys[] = {"product", "category", "region", "company", "status", "after", NULL};
    for (const char **k = keys; *k; k++) {
        tj_status rc = inst_check_text(inst_str(filter, *k), 200, *k, 0, err);
        if (rc)
            return rc;
    }
    json_t *rows = NULL;
    tj_status rc = store_label_search(ctx->db, filter, limit + 1, offset, &rows, err);
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *l;
    const char *last = NULL;
    json_array_foreach(rows, i, l) if (i < (size_t)limit)
    {
        json_array_append_new(items, public_label(l));
        last = inst_str(l, "number");
    }
    int more = json_array_size(rows) > (size_t)limit;
    /* next: the cursor of the following page (pass it as "after") */
    *out = json_pack("{s:o,s:i,s:i,s:b,s:s?}", "items", items, "limit", limit, "offset", offset, "more", more,
                     "next", more ? last : NULL);
    json_decref(rows);
    return *out ? TJ_OK : tj_error_nomem(err);
}

tj_status svc_registry_compare(svc_ctx *ctx, const char *category, int limit, json_t **out, tj_error *err)
{
    if (limit <= 0 || limit > 200)
        limit = limit <= 0 ? 50 : 200;
    json_t *cat = NULL, *rows = NULL;
    json_int_t n = 0;
    tj_status rc = store_cert_catalogue_get(ctx->db, category, &cat, err);
    if (!rc)
        rc = store_label_compare(ctx->db, category, limit, &rows, &n, err); /* lowest value first */
    if (rc) {
        json_decref(cat);
        return rc;
    }
    json_t *items = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(rows, i, l) json_array_append_new(items, public_label(l));
    *out = json_pack("{s:s,s:{s:O,s:O},s:s,s:o,s:I}", "category", category, "name", "zh",
                     json_object_get(cat, "name_zh"), "en", json_object_get(cat, "name_en"), "unit",
                     "kg CO2e", "labels", items, "total", n);
    json_decref(rows);
    json_decref(cat);
    return *out ? TJ_OK : tj_error_nomem(err);
}

/* ---- ESG section ---- */

static void html_esc(FILE *o, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '&': fputs("&amp;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
}

static void csv_cell(FILE *o, const char *s)
{
    /* quote always; neutralise formula-leading cells */
    fputc('"', o);
    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@') &&
        !(s[0] == '-' && s[1] >= '0' && s[1] <= '9'))
        fputc('\'', o);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

tj_status svc_esg_section(svc_ctx *ctx, const char *org, const char *format, const char *lang, char **out,
                          tj_error *err)
{
    *out = NULL;
    int zh = !lang || !strcmp(lang, "zh");
    if (lang && strcmp(lang, "zh") && strcmp(lang, "en"))
        return tj_error_set(err, TJ_ERR_USAGE, "lang", "lang is zh or en");
    if (!format || (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "html")))
        return tj_error_set(err, TJ_ERR_USAGE, "format", "format is json, csv or html");
    store_org o;
    tj_status rc = store_org_get(ctx->db, org ? org : ctx->who.org_id, &o, err);
    if (rc)
        return rc;
    json_t *labels = NULL, *discs = NULL, *rows = NULL;
    if (!(rc = store_label_holder_list(ctx->db, o.id, &rows, err)) &&
        !(rc = store_disclosure_list(ctx->db, o.id, 1, 1000, 0, &discs, err))) {
        labels = json_array();
        size_t i;
        json_t *l;
        json_array_foreach(rows, i, l) json_array_append_new(labels, public_label(l));
    }
    json_t *products = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(discs, i, d)
    {
        json_t *v = NULL;
        if (rc || !strcmp(inst_str(d, "status"), "withdrawn"))
            continue;
        if (!(rc = disclosure_view(ctx->db, d, &v, err)))
            json_array_append_new(products, v);
    }
    char at[INST_TIME_SIZE];
    inst_now(at);
    json_t *doc =
        rc ? NULL
           : json_pack("{s:s,s:s,s:{s:s,s:s,s:s?},s:s,s:o,s:o}", "type", "tanji-esg-section/v1", "lang",
                       zh ? "zh" : "en", "organisation", "id", o.id, "name", o.name, "region", o.region,
                       "generated_at", at, "labels", labels, "disclosed_footprints", products);
    if (rc)
        json_decref(labels), json_decref(products);
    labels = products = NULL;
    if (!rc && !doc)
        rc = tj_error_nomem(err);
    if (!rc && !strcmp(format, "json")) {
        if (!(*out = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12))))
            rc = tj_error_nomem(err);
    } else if (!rc) {
        size_t len = 0;
        FILE *f = open_memstream(out, &len);
        if (!f) {
            rc = tj_error_nomem(err);
        } else if (!strcmp(format, "csv")) {
            fputs(zh ? "\"类型\",\"编号\",\"产品\",\"碳足迹 (kg "
                       "CO2e)\",\"声明单位\",\"等级\",\"状态\",\"有效期至\"\n"
                     : "\"kind\",\"id\",\"product\",\"footprint (kg CO2e)\",\"declared "
                       "unit\",\"grade\",\"status\","
                       "\"valid until\"\n",
                  f);
            json_array_foreach(json_object_get(doc, "labels"), i, d)
            {
                char num[64], gr[16];
                snprintf(num, sizeof num, "%.6g", json_number_value(json_object_get(d, "value")));
                snprintf(gr, sizeof gr, "%lld", (long long)json_integer_value(json_object_get(d, "grade")));
                csv_cell(f, zh ? "碳标识" : "label");
                fputc(',', f);
                csv_cell(f, inst_str(d, "number"));
                fputc(',', f);
                csv_cell(f, inst_str(d, "product"));
                fprintf(f, ",%s,", num);
                csv_cell(f, inst_str(d, "declared_unit"));
                fputc(',', f);
                csv_cell(f, json_is_integer(json_object_get(d, "grade")) ? gr : "");
                fputc(',', f);
                csv_cell(f, inst_str(d, "status"));
                fputc(',', f);
                csv_cell(f, inst_str(d, "valid_until"));
                fputc('\n', f);
            }
            json_array_foreach(json_object_get(doc, "disclosed_footprints"), i, d)
            {
                json_t *fp = json_object_get(d, "footprint");
                csv_cell(f, zh ? "披露" : "disclosure");
                fputc(',', f);
                csv_cell(f, inst_str(d, "id"));
                fputc(',', f);
                csv_cell(f, inst_str(fp, "product"));
                fprintf(f, ",%.6g,", json_number_value(json_object_get(fp, "value")));
                csv_cell(f, inst_str(fp, "declared_unit"));
                fputs(",\"\",", f);
                csv_cell(f, inst_str(d, "status"));
                fputs(",\"\"\n", f);
            }
        } else {
            fprintf(f, "<section class=\"tanji-esg\" lang=\"%s\">\n<h2>%s</h2>\n<p>", zh ? "zh-CN" : "en",
                    zh ? "产品碳足迹信息披露" : "Product carbon footprint disclosure");
            html_esc(f, o.name);
            fprintf(f, " &middot; %s %s</p>\n", zh ? "生成时间" : "generated", at);
            fprintf(
                f,
                "<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                "</thead>\n<tbody>\n",
                zh ? "标识编号" : "label number", zh ? "产品" : "product",
                zh ? "碳足迹 (kg CO2e / 声明单位)" : "footprint (kg CO2e per declared unit)",
                zh ? "等级" : "grade", zh ? "状态" : "status", zh ? "有效期至" : "valid until");
            json_array_foreach(json_object_get(doc, "labels"), i, d)
            {
                fputs("<tr><td>", f);
                html_esc(f, inst_str(d, "number"));
                fputs("</td><td>", f);
                html_esc(f, inst_str(d, "product"));
                fprintf(f, "</td><td>%.6g / ", json_number_value(json_object_get(d, "value")));
                html_esc(f, inst_str(d, "declared_unit"));
                if (json_is_integer(json_object_get(d, "grade")))
                    fprintf(f, "</td><td>%lld", (long long)json_integer_value(json_object_get(d, "grade")));
                else
                    fputs("</td><td>-", f);
                fputs("</td><td>", f);
                html_esc(f, inst_str(d, "status"));
                fputs("</td><td>", f);
                html_esc(f, inst_str(d, "valid_until"));
                fputs("</td></tr>\n", f);
            }
            fputs("</tbody>\n</table>\n", f);
            fprintf(f, "<h3>%s</h3>\n<ul>\n", zh ? "公开披露的产品碳足迹" : "Footprints disclosed publicly");
            json_array_foreach(json_object_get(doc, "disclosed_footprints"), i, d)
            {
                json_t *fp = json_object_get(d, "footprint");
                fputs("<li>", f);
                html_esc(f, inst_str(fp, "product"));
                fprintf(f, ": %.6g kg CO2e / ", json_number_value(json_object_get(fp, "value")));
                html_esc(f, inst_str(fp, "declared_unit"));
                fputs(" (", f);
                html_esc(f, inst_str(fp, "boundary"));
                fputs(")</li>\n", f);
            }
            fputs("</ul>\n</section>\n", f);
        }
        if (f && fclose(f))
            rc = tj_error_nomem(err);
    }
    json_decref(doc);
    json_decref(rows);
    json_decref(discs);
    store_org_release(&o);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

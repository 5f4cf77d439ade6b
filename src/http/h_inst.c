/* http handlers: the three institutions (certification, labels, grading,
 * disclosure) and the public registry.  Each decodes, calls one service
 * function (services/cert.h, label.h, grading.h, disclosure.h) and
 * encodes; permissions are the services'.  Route list and JSON shapes:
 * docs/server.md. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "services/cert.h"
#include "services/disclosure.h"
#include "services/footprint.h"
#include "services/federation.h"
#include "services/grading.h"
#include "services/label.h"

#define ERR_DECL                                                                                             \
    tj_error err;                                                                                            \
    tj_error_clear(&err)

static void reply(http_resp *rs, int status, tj_status rc, const tj_error *err, json_t *out)
{
    if (rc)
        http_fail(rs, err);
    else
        http_json(rs, status, out);
}

/* A string member of a JSON body: NULL when absent; -1 (and a 400) when
 * present but not a string. */
static int body_str(http_resp *rs, const json_t *b, const char *key, const char **out)
{
    json_t *v = json_object_get(b, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        char msg[120];
        snprintf(msg, sizeof msg, "%s is a string / %s 须为字符串", key, key);
        http_error(rs, 400, "bad_request", msg, key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int body_strs(http_resp *rs, const json_t *b, const char *const *keys, const char **out)
{
    for (size_t i = 0; keys[i]; i++)
        if (body_str(rs, b, keys[i], &out[i]))
            return -1;
    return 0;
}

static int paging(http_req *rq, http_resp *rs, long *limit, long *offset, long dflt)
{
    return http_query_int(rq, rs, "limit", 1, 200, dflt, limit) ||
           http_query_int(rq, rs, "offset", 0, 1000000000, 0, offset);
}

/* ---- public: labels, registry, lists --------------------------------- */

void h_pub_label(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    const char *p = http_query(rq, "proof");
    if (!(p && !strcmp(p, "true"))) {
        /* without proof: this instance's label straight from the row (the same bytes) */
        char *text = NULL;
        size_t len = 0;
        tj_status r = svc_label_public_text(&rq->ctx, rq->params[0], &text, &len, &err);
        if (!r) {
            http_bytes(rs, 200, "application/json", text, len);
            return;
        }
        if (r != TJ_ERR_NOTFOUND) {
            http_fail(rs, &err);
            return;
        }
        tj_error_clear(&err);
    }
    /* this instance's label, else one imported from a trusted instance */
    tj_status rc = svc_fed_label_public(&rq->ctx, rq->params[0], p && !strcmp(p, "true"), &out, &err);
    reply(rs, 200, rc, &err, out);
}

void h_pub_label_history(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_label_get(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, 200, rc, &err, out);
}

void h_pub_label_verify(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_fed_label_verify_number(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, 200, rc, &err, out);
}

static void label_graphic(http_req *rq, http_resp *rs, const char *format)
{
    double scale = 4;
    const char *s = http_query(rq, "scale");
    if (s) {
        char *end;
        scale = strtod(s, &end);
        if (*end || !(scale >= 1 && scale <= 16)) {
            http_error(rs, 400, "bad_request", "scale is a number from 1 to 16 / scale 须为 1 到 16",
                       "scale");
            return;
        }
    }
    char *data = NULL;
    size_t len = 0;
    ERR_DECL;
    if (svc_label_graphic(&rq->ctx, rq->params[0], format, scale, &data, &len, &err)) {
        http_fail(rs, &err);
        return;
    }
    http_bytes(rs, 200, !strcmp(format, "png") ? "image/png" : "image/svg+xml", data, len);
    rs->cache_public = 1;
}

void h_pub_label_svg(http_req *rq, http_resp *rs)
{
    label_graphic(rq, rs, "svg");
}

void h_pub_label_png(http_req *rq, http_resp *rs)
{
    label_graphic(rq, rs, "png");
}

void h_pub_registry(http_req *rq, http_resp *rs)
{
    long limit, offset, grade, year;
    if (paging(rq, rs, &limit, &offset, 20) || http_query_int(rq, rs, "grade", 0, 10, 0, &grade) ||
        http_query_int(rq, rs, "year", 0, 9999, 0, &year))
        return;
    json_t *f = json_object();
    static const char *const keys[] = {"product", "category", "region", "company", "status", "after", NULL};
    for (size_t i = 0; keys[i]; i++) {
        const char *v = http_query(rq, keys[i]);
        if (v && *v)
            json_object_set_new(f, keys[i], json_string(v));
    }
    if (grade)
        json_object_set_new(f, "grade", json_integer(grade));
    if (year)
        json_object_set_new(f, "year", json_integer(year));
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_registry_search(&rq->ctx, f, (int)limit, (int)offset, &out, &err);
    json_decref(f);
    reply(rs, 200, rc, &err, out);
}

void h_pub_compare(http_req *rq, http_resp *rs)
{
    long limit;
    const char *cat = http_query(rq, "category");
    if (!cat || !*cat) {
        http_error(rs, 400, "bad_request", "category is required / 缺少 category", "category");
        return;
    }
    if (http_query_int(rq, rs, "limit", 1, 200, 50, &limit))
        return;
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_registry_compare(&rq->ctx, cat, (int)limit, &out, &err);
    reply(rs, 200, rc, &err, out);
}

void h_pub_dishonest(http_req *rq, http_resp *rs)
{
    const char *all = http_query(rq, "all");
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_dishonest_list(&rq->ctx, all && !strcmp(all, "true"), &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_pub_keyring(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_cert_keyring(&rq->ctx, http_query(rq, "body"), &out, &err);
    reply(rs, 200, rc, &err, out);
}

void h_pub_grade_stats(http_req *rq, http_resp *rs)
{
    long year;
    if (http_query_int(rq, rs, "year", 0, 9999, 0, &year))
        return;
    json_t *f = json_object();
    const char *c = http_query(rq, "category"), *r = http_query(rq, "region");
    if (c && *c)
        json_object_set_new(f, "category", json_string(c));
    if (r && *r)
        json_object_set_new(f, "region", json_string(r));
    if (year)
        json_object_set_new(f, "year", json_integer(year));
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_grade_stats(&rq->ctx, f, &out, &err);
    json_decref(f);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_pub_disclosures(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (paging(rq, rs, &limit, &offset, 50))
        return;
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_disclosure_list(&rq->ctx, 0, (int)limit, (int)offset, &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

/* ESG section of organisation {org} (public: its labels and public
 * disclosures); format json (default), csv or html; lang zh or en. */
static void esg(http_req *rq, http_resp *rs, const char *org)
{
    const char *format = http_query(rq, "format");
    if (!format)
        format = "json";
    char *data = NULL;
    ERR_DECL;
    if (svc_esg_section(&rq->ctx, org, format, http_query(rq, "lang"), &data, &err)) {
        http_fail(rs, &err);
        return;
    }
    const char *ct = !strcmp(format, "csv")    ? "text/csv; charset=utf-8"
                     : !strcmp(format, "html") ? "text/html; charset=utf-8"
                                               : "application/json";
    http_bytes(rs, 200, ct, data, strlen(data));
}

void h_pub_esg(http_req *rq, http_resp *rs)
{
    esg(rq, rs, rq->params[0]);
}

void h_esg_own(http_req *rq, http_resp *rs)
{
    esg(rq, rs, NULL);
}

/* ---- certification bodies, keys, catalogue, dishonest list ----------- */

void h_cert_body_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_cert_body_list(&rq->ctx, &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_cert_body_register(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"org", "accreditation", NULL};
    const char *v[2];
    if (!body_strs(rs, b, keys, v)) {
        ERR_DECL;
        if (!v[0])
            http_error(rs, 400, "bad_request", "org is required / 缺少 org", "org");
        else if (svc_cert_body_register(&rq->ctx, v[0], v[1], json_object_get(b, "scope"), &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, json_pack("{s:s,s:O?}", "org", v[0], "scope", json_object_get(b, "scope")));
    }
    json_decref(b);
}

void h_cert_body_scope(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    ERR_DECL;
    if (svc_cert_body_set_scope(&rq->ctx, rq->params[0], json_object_get(b, "scope"), &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200,
                  json_pack("{s:s,s:O?}", "org", rq->params[0], "scope", json_object_get(b, "scope")));
    json_decref(b);
}

void h_cert_key_add(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    const char *hex;
    unsigned char pk[LEDGER_PK_SIZE];
    if (!body_str(rs, b, "public_key", &hex)) {
        if (!hex || ledger_pk_from_hex(hex, pk))
            http_error(rs, 400, "bad_request",
                       "public_key is the 64 hex digits of an Ed25519 public key / 公钥须为 64 位十六进制",
                       "public_key");
        else {
            char *id = NULL;
            ERR_DECL;
            if (svc_cert_key_add(&rq->ctx, rq->params[0], pk, &id, &err))
                http_fail(rs, &err);
            else
                http_json(rs, 201,
                          json_pack("{s:s,s:s,s:s}", "key_id", id, "org", rq->params[0], "public_key", hex));
            free(id);
        }
    }
    json_decref(b);
}

void h_cert_key_revoke(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    const char *reason;
    if (!body_str(rs, b, "reason", &reason)) {
        ERR_DECL;
        if (svc_cert_key_revoke(&rq->ctx, rq->params[0], reason, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, json_pack("{s:s,s:s}", "key_id", rq->params[0], "status", "revoked"));
    }
    json_decref(b);
}

void h_cert_catalogue_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_cert_catalogue_list(&rq->ctx, &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_cert_catalogue_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_cert_catalogue_get(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, 200, rc, &err, out);
}

void h_cert_catalogue_put(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    json_t *c = json_object_get(b, "category");
    if (c && (!json_is_string(c) || strcmp(json_string_value(c), rq->params[0])))
        http_error(rs, 400, "bad_request", "category differs from the path / category 与路径不符",
                   "category");
    else {
        json_object_set_new(b, "category", json_string(rq->params[0]));
        ERR_DECL;
        if (svc_cert_catalogue_put(&rq->ctx, b, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, json_incref(b));
    }
    json_decref(b);
}

void h_dishonest_add(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"org", "reason", "legal_basis", "from", "until", NULL};
    const char *v[5];
    if (!body_strs(rs, b, keys, v)) {
        char *id = NULL;
        ERR_DECL;
        if (!v[0])
            http_error(rs, 400, "bad_request", "org is required / 缺少 org", "org");
        else if (svc_dishonest_add(&rq->ctx, v[0], v[1], v[2], v[3], v[4], &id, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, json_pack("{s:s,s:s}", "id", id, "org", v[0]));
        free(id);
    }
    json_decref(b);
}

void h_dishonest_remove(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    const char *reason;
    if (!body_str(rs, b, "reason", &reason)) {
        ERR_DECL;
        if (svc_dishonest_remove(&rq->ctx, rq->params[0], reason, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, json_pack("{s:s,s:s}", "id", rq->params[0], "status", "removed"));
    }
    json_decref(b);
}

/* ---- applications ---------------------------------------------------- */

void h_cert_apply(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"footprint_id", "body", NULL};
    const char *v[2];
    if (!body_strs(rs, b, keys, v)) {
        char *id = NULL;
        json_t *out = NULL;
        ERR_DECL;
        if (!v[0] || !v[1])
            http_error(rs, 400, "bad_request",
                       "footprint_id and body are required / 缺少 footprint_id 或 body",
                       v[0] ? "body" : "footprint_id");
        else if (svc_cert_apply(&rq->ctx, v[0], v[1], &id, &err) ||
                 svc_cert_application_get(&rq->ctx, id, &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, out);
        free(id);
    }
    json_decref(b);
}

void h_cert_app_list(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (paging(rq, rs, &limit, &offset, 50))
        return;
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_cert_application_list(&rq->ctx, (int)limit, (int)offset, &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_cert_app_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_cert_application_get(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, 200, rc, &err, out);
}

/* The body's signing key as the key file's JSON ({public_key, secret_key}
 * in hex, tanji cert key new): used for this request only, then wiped. */
static int decode_key(http_resp *rs, const json_t *k, ledger_key *key)
{
    const char *pk = json_string_value(json_object_get(k, "public_key")),
               *sk = json_string_value(json_object_get(k, "secret_key"));
    size_t n = 0;
    unsigned char derived[LEDGER_PK_SIZE];
    memset(key, 0, sizeof *key);
    if (!json_is_object(k) || !pk || !sk || ledger_pk_from_hex(pk, key->pk) ||
        sodium_hex2bin(key->sk, sizeof key->sk, sk, strlen(sk), NULL, &n, NULL) || n != sizeof key->sk ||
        crypto_sign_ed25519_sk_to_pk(derived, key->sk) || memcmp(derived, key->pk, sizeof derived)) {
        ledger_key_wipe(key);
        http_error(
            rs, 400, "bad_request",
            "signing_key is the body's key file ({public_key, secret_key} hex of one Ed25519 key pair) / "
            "签名密钥无效",
            "signing_key");
        return -1;
    }
    return 0;
}

/* The body's recalculation at the verify step: {"model": {...}}, the model
 * with the body's own findings, calculated here; the service saves it as a
 * new footprint of the applicant that replaces the application's one.
 * Returns -1 when the request was answered (an error). */
static int recalculate(http_req *rq, http_resp *rs, const json_t *r, svc_calculation *calc, int *have)
{
    *have = 0;
    if (!r)
        return 0;
    const json_t *m = json_object_get(r, "model");
    if (!json_is_object(r) || !json_is_object(m) || json_object_size(r) != 1) {
        http_error(rs, 400, "bad_request",
                   "recalculation is {\"model\": {...}}: the model with the body's findings / "
                   "复核计算须给出模型 {\"model\": {...}}",
                   "recalculation");
        return -1;
    }
    char *text = json_dumps(m, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text) {
        http_error(rs, 500, "internal", "out of memory / 内存不足", NULL);
        return -1;
    }
    svc_calc_request cr;
    svc_calc_request_init(&cr);
    cr.model_text = text;
    cr.model_len = strlen(text);
    cr.model_name = "recalculation.model";
    ERR_DECL;
    memset(calc, 0, sizeof *calc);
    tj_status rc = svc_calculate(&rq->ctx, &cr, calc, &err);
    free(text);
    if (rc) {
        http_fail(rs, &err);
        return -1;
    }
    *have = 1;
    return 0;
}

void h_cert_step(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"action", "comment", "due_at", "public_url", NULL};
    const char *v[4];
    ledger_key key;
    svc_calculation calc;
    int have_key = 0, have_calc = 0;
    json_t *k = json_object_get(b, "signing_key");
    if (!body_strs(rs, b, keys, v) && (!k || !decode_key(rs, k, &key))) {
        have_key = k != NULL;
        svc_cert_step_in in = {.action = v[0],
                               .comment = v[1],
                               .due_at = v[2],
                               .public_url = v[3],
                               .key = have_key ? &key : NULL};
        json_t *out = NULL;
        ERR_DECL;
        if (!v[0])
            http_error(rs, 400, "bad_request", "action is required / 缺少 action", "action");
        else if (recalculate(rq, rs, json_object_get(b, "recalculation"), &calc, &have_calc))
            ; /* answered */
        else {
            in.recalculation = have_calc ? &calc : NULL;
            in.rules_dir = rq->cfg ? rq->cfg->rules_dir : NULL;
            if (svc_cert_step(&rq->ctx, rq->params[0], &in, &out, &err))
                http_fail(rs, &err);
            else
                http_json(rs, 200, out);
        }
    }
    if (have_calc)
        svc_calculation_release(&calc);
    if (have_key)
        ledger_key_wipe(&key);
    /* the secret's hex in the body: wipe it */
    json_t *s = json_object_get(k, "secret_key");
    if (json_is_string(s))
        sodium_memzero((char *)json_string_value(s), json_string_length(s));
    json_decref(b);
    if (rq->body && rq->body_len)
        sodium_memzero((char *)rq->body, rq->body_len);
}

void h_cert_doc_add(http_req *rq, http_resp *rs)
{
    const char *name = http_query(rq, "name");
    if (!name || !*name) {
        http_error(rs, 400, "bad_request", "name (the document's file name) is required / 缺少 name", "name");
        return;
    }
    if (!rq->content_type) {
        http_error(rs, 415, "unsupported_media_type",
                   "send the document with its media type / 须给出文件类型", NULL);
        return;
    }
    char sha[65];
    ERR_DECL;
    if (svc_cert_document_add(&rq->ctx, rq->params[0], name, rq->content_type, rq->body ? rq->body : "",
                              rq->body_len, sha, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 201,
                  json_pack("{s:s,s:s,s:s,s:I}", "sha256", sha, "name", name, "media_type", rq->content_type,
                            "size", (json_int_t)rq->body_len));
}

void h_cert_doc_get(http_req *rq, http_resp *rs)
{
    unsigned char *data = NULL;
    size_t len = 0;
    char *type = NULL;
    ERR_DECL;
    if (svc_cert_document_get(&rq->ctx, rq->params[0], rq->params[1], &data, &len, &type, &err)) {
        http_fail(rs, &err);
        return;
    }
    /* the response's content type is a static string: map the allowed types */
    static const char *const types[] = {"application/pdf",
                                        "image/png",
                                        "image/jpeg",
                                        "text/plain",
                                        "text/csv",
                                        "application/json",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                        NULL};
    const char *ct = "application/octet-stream";
    for (size_t i = 0; types[i]; i++)
        if (type && !strcmp(type, types[i]))
            ct = types[i];
    free(type);
    http_bytes(rs, 200, ct, (char *)data, len);
    size_t n = strlen(rq->params[1]) + 8;
    rs->attachment_buf = malloc(n);
    if (rs->attachment_buf) {
        snprintf(rs->attachment_buf, n, "%s", rq->params[1]);
        rs->disposition = rs->attachment_buf;
    }
}

/* ---- labels (authenticated) ------------------------------------------ */

void h_label_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_label_list_own(&rq->ctx, &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_label_act(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    /* the action is the last path segment */
    const char *action = strrchr(rq->path, '/') + 1;
    const char *reason;
    if (!body_str(rs, b, "reason", &reason)) {
        ERR_DECL;
        json_t *out = NULL;
        if (svc_label_act(&rq->ctx, rq->params[0], action, reason, &err) ||
            svc_label_get(&rq->ctx, rq->params[0], &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, out);
    }
    json_decref(b);
}

void h_label_surveil(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    const char *due;
    if (!body_str(rs, b, "due_at", &due)) {
        int seq = 0;
        ERR_DECL;
        if (svc_label_surveillance_schedule(&rq->ctx, rq->params[0], due, &seq, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201,
                      json_pack("{s:s,s:i,s:s?}", "number", rq->params[0], "seq", seq, "due_at", due));
    }
    json_decref(b);
}

void h_label_surveil_result(http_req *rq, http_resp *rs)
{
    char *end;
    long seq = strtol(rq->params[1], &end, 10);
    if (*end || seq < 1 || seq > 100000) {
        http_error(rs, 400, "bad_request", "seq is a positive integer / seq 须为正整数", "seq");
        return;
    }
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"result", "comment", NULL};
    const char *v[2];
    if (!body_strs(rs, b, keys, v)) {
        ERR_DECL;
        if (svc_label_surveillance_record(&rq->ctx, rq->params[0], (int)seq, v[0], v[1], &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200,
                      json_pack("{s:s,s:i,s:s?}", "number", rq->params[0], "seq", (int)seq, "result", v[0]));
    }
    json_decref(b);
}

void h_label_expire(http_req *rq, http_resp *rs)
{
    int expired = 0, missed = 0;
    ERR_DECL;
    if (svc_label_expire(&rq->ctx, &expired, &missed, &err))
        http_fail(rs, &err);
    else
        http_json(rs, 200, json_pack("{s:i,s:i}", "expired", expired, "missed", missed));
}

/* ---- grading ---------------------------------------------------------- */

void h_grade_list(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_grade_benchmark_list(&rq->ctx, http_query(rq, "category"), &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_grade_set(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"category", "method", "note", NULL};
    const char *v[3];
    json_t *g = json_object_get(b, "grades"), *ms = json_object_get(b, "min_sample"),
           *th = json_object_get(b, "thresholds");
    if (!body_strs(rs, b, keys, v)) {
        json_t *out = NULL;
        ERR_DECL;
        if (!v[0] || !v[1])
            http_error(rs, 400, "bad_request", "category and method are required / 缺少 category 或 method",
                       v[0] ? "method" : "category");
        else if ((g && !json_is_integer(g)) || (ms && !json_is_integer(ms)))
            http_error(rs, 400, "bad_request", "grades and min_sample are integers / 须为整数",
                       g && !json_is_integer(g) ? "grades" : "min_sample");
        else if (svc_grade_benchmark_set(&rq->ctx, v[0], v[1], (int)json_integer_value(g),
                                         (int)json_integer_value(ms), json_is_null(th) ? NULL : th, v[2],
                                         &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, out);
    }
    json_decref(b);
}

void h_grade_recompute(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_grade_benchmark_recompute(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, 201, rc, &err, out);
}

/* ---- disclosure ------------------------------------------------------- */

void h_disc_publish(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    static const char *const keys[] = {"footprint_id", "scope", NULL};
    const char *v[2];
    json_t *partners = json_object_get(b, "partners"), *fields = json_object_get(b, "fields");
    if (!body_strs(rs, b, keys, v)) {
        char *id = NULL;
        json_t *out = NULL;
        ERR_DECL;
        if (!v[0] || !v[1])
            http_error(rs, 400, "bad_request",
                       "footprint_id and scope are required / 缺少 footprint_id 或 scope",
                       v[0] ? "scope" : "footprint_id");
        else if ((partners && !json_is_array(partners)) || (fields && !json_is_array(fields)))
            http_error(rs, 400, "bad_request", "partners and fields are arrays of strings / 须为字符串数组",
                       partners && !json_is_array(partners) ? "partners" : "fields");
        else if (svc_disclosure_publish(&rq->ctx, v[0], v[1], partners, fields, &id, &err) ||
                 svc_disclosure_get(&rq->ctx, id, &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 201, out);
        free(id);
    }
    json_decref(b);
}

void h_disc_list(http_req *rq, http_resp *rs)
{
    long limit, offset;
    if (paging(rq, rs, &limit, &offset, 50))
        return;
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_disclosure_list(&rq->ctx, 1, (int)limit, (int)offset, &out, &err);
    reply(rs, 200, rc, &err, rc ? NULL : json_pack("{s:o}", "items", out));
}

void h_disc_get(http_req *rq, http_resp *rs)
{
    json_t *out = NULL;
    ERR_DECL;
    tj_status rc = svc_disclosure_get(&rq->ctx, rq->params[0], &out, &err);
    reply(rs, 200, rc, &err, out);
}

void h_disc_withdraw(http_req *rq, http_resp *rs)
{
    json_t *b = http_body_json(rq, rs, 1);
    if (!b)
        return;
    const char *reason;
    if (!body_str(rs, b, "reason", &reason)) {
        json_t *out = NULL;
        ERR_DECL;
        if (svc_disclosure_withdraw(&rq->ctx, rq->params[0], reason, &err) ||
            svc_disclosure_get(&rq->ctx, rq->params[0], &out, &err))
            http_fail(rs, &err);
        else
            http_json(rs, 200, out);
    }
    json_decref(b);
}

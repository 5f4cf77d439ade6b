/* svc_label: issue, documents, verification, lifecycle; see label.h. */
#include "services/label.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/merkle.h"
#include "services/cert.h"
#include "services/grading.h"
#include "services/inst_util.h"
#include "services/label_internal.h"
#include "services/ledger_svc.h"
#include "store/accounts.h"
#include "store/footprint_sql.h"
#include "store/inst_sql.h"
#include "store/ledger_sql.h"

/* ---- the lifecycle workflow ---- */

static const char *const label_states[] = {"valid", "suspended", "revoked", "withdrawn", "expired", NULL};
#define ISSUERS (SVC_ROLE_VERIFIER | SVC_ROLE_REGULATOR)
static const svc_transition label_transitions[] = {
    {"suspend", "valid", "suspended", ISSUERS, 1, 0, "label.suspend"},
    {"reinstate", "suspended", "valid", ISSUERS, 0, 0, "label.reinstate"},
    {"revoke", "valid", "revoked", ISSUERS, 1, 0, "label.revoke"},
    {"revoke", "suspended", "revoked", ISSUERS, 1, 0, "label.revoke"},
    {"withdraw", "valid", "withdrawn", SVC_ROLE_ENTERPRISE, 1, 0, "label.withdraw"},
    {"withdraw", "suspended", "withdrawn", SVC_ROLE_ENTERPRISE, 1, 0, "label.withdraw"},
    {"expire", "valid", "expired", SVC_ROLE_OPERATOR, 0, 0, "label.expire"},
    {"expire", "suspended", "expired", SVC_ROLE_OPERATOR, 0, 0, "label.expire"},
};
const svc_workflow svc_label_workflow = {"label", label_states, label_transitions,
                                         sizeof label_transitions / sizeof label_transitions[0]};

/* ---- state ---- */

static const char *const state_keys[] = {
    "number", "certificate",   "application_id", "holder_org",  "body_org",     "category",   "product",
    "region", "year",          "value",          "unit",        "footprint_id", "grade",      "grade_version",
    "status", "status_reason", "issued_at",      "valid_until", "key_id",       "updated_at", NULL};

json_t *svc_label_state(const json_t *row)
{
    json_t *s = json_object();
    for (const char *const *k = state_keys; s && *k; k++) {
        json_t *v = json_object_get(row, *k);
        json_object_set(s, *k, v ? v : json_null());
    }
    const char *doc = inst_str(row, "document");
    char hex[65];
    inst_sha256_hex(doc ? doc : "", doc ? strlen(doc) : 0, hex);
    json_object_set_new(s, "document_digest", json_string(hex));
    return s;
}

static tj_status record_label(svc_ctx *ctx, const char *kind, const char *number, json_t *change,
                              tj_error *err)
{
    json_t *row = NULL, *state = NULL;
    tj_status rc = store_label_get(ctx->db, number, 1, &row, err);
    if (!rc && !(state = svc_label_state(row)))
        rc = tj_error_nomem(err);
    if (!rc)
        rc = svc_record(ctx, kind, "label", number, change, state, err);
    json_decref(row);
    json_decref(state);
    json_decref(change);
    return rc;
}

tj_status svc_label_each_state(store_db *db,
                               tj_status (*emit)(void *, const char *, const json_t *, tj_error *), void *arg,
                               tj_error *err)
{
    char *after = strdup("");
    tj_status rc = after ? TJ_OK : tj_error_nomem(err);
    while (!rc) {
        json_t *rows = NULL;
        if ((rc = store_label_each(db, after, 500, &rows, err)))
            break;
        size_t i, n = json_array_size(rows);
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            json_t *s = rc ? NULL : svc_label_state(r);
            if (!rc)
                rc = s ? emit(arg, inst_str(r, "number"), s, err) : tj_error_nomem(err);
            json_decref(s);
        }
        if (n) {
            free(after);
            if (!(after = strdup(inst_str(json_array_get(rows, n - 1), "number"))))
                rc = tj_error_nomem(err);
        }
        json_decref(rows);
        if (n < 500)
            break;
    }
    free(after);
    return rc;
}

/* ---- issue ---- */

static json_t *result_model(const char *result_text)
{
    json_t *r = json_loads(result_text ? result_text : "{}", 0, NULL);
    json_t *m = json_incref(json_object_get(r, "model"));
    json_decref(r);
    return m;
}

tj_status svc_label_issue(svc_ctx *ctx, const json_t *app, const ledger_key *key, const char *public_url,
                          const char *at, char **number_out, tj_error *err)
{
    *number_out = NULL;
    const char *body_org = inst_str(app, "body_org"), *holder = inst_str(app, "applicant_org"),
               *category = inst_str(app, "category");
    char key_id[17], pk_hex[65];
    svc_cert_key_id(key->pk, key_id);
    ledger_pk_hex(key->pk, pk_hex);
    json_t *k = NULL, *cat = NULL, *model = NULL, *grade = NULL, *label = NULL, *sig = NULL, *row = NULL,
           *state = NULL, *change = NULL;
    store_footprint f = {0};
    store_org ho = {0}, bo = {0};
    char *doc = NULL, *msg = NULL, *number = NULL;
    tj_status rc = store_cert_key_get(ctx->db, key_id, &k, err);
    if (rc == TJ_ERR_NOTFOUND)
        rc = tj_error_set(err, TJ_ERR_PERM, "key", "key %s is not registered for any body / 该密钥未登记",
                          key_id);
    if (rc)
        goto out;
    if (strcmp(inst_str(k, "org_id"), body_org) || strcmp(inst_str(k, "status"), "active")) {
        rc = tj_error_set(err, TJ_ERR_PERM, "key",
                          "key %s is not the active key of the body (it is %s) / 非该机构的有效密钥", key_id,
                          inst_str(k, "status"));
        goto out;
    }
    if ((rc = store_cert_catalogue_get(ctx->db, category, &cat, err)) ||
        (rc = store_footprint_get(ctx->db, inst_str(app, "footprint_id"), 1, &f, err)) ||
        (rc = store_org_get(ctx->db, holder, &ho, err)) || (rc = store_org_get(ctx->db, body_org, &bo, err)))
        goto out;
    if (!(f.amount > 0) || !isfinite(f.total)) {
        rc = tj_error_set(err, TJ_ERR_NUMERIC, "footprint", "footprint %s has no usable amount", f.id);
        goto out;
    }
    double value = f.total / f.amount;
    if ((rc = svc_grade_assign(ctx->db, category, value, &grade, err)))
        goto out;
    char province[8], year[5], prefix[32];
    snprintf(province, sizeof province, "%.2s0000", ho.region);
    memcpy(year, at, 4);
    year[4] = '\0';
    snprintf(prefix, sizeof prefix, "CN-%s-%s", province, year);
    int64_t seq = 0;
    if ((rc = store_label_seq_next(ctx->db, prefix, &seq, err)))
        goto out;
    if (asprintf(&number, "%s-%06lld", prefix, (long long)seq) < 0) {
        number = NULL;
        rc = tj_error_nomem(err);
        goto out;
    }
    char valid_until[INST_TIME_SIZE];
    inst_time_add_months(at, (int)json_integer_value(json_object_get(cat, "validity_months")), valid_until);
    const char *base = public_url ? public_url : getenv("TANJI_PUBLIC_URL");
    if (!base || !*base)
        base = "http://localhost:8080";
    char *url = NULL;
    if (asprintf(&url, "%s%s/api/v1/public/labels/%s", base, base[strlen(base) - 1] == '/' ? "" : "",
                 number) < 0) {
        rc = tj_error_nomem(err);
        goto out;
    }
    if (base[strlen(base) - 1] == '/') /* no double slash */
        memmove(url + strlen(base) - 1, url + strlen(base), strlen(url + strlen(base)) + 1);
    model = result_model(f.result);
    json_t *bnd = json_object_get(model, "boundary");
    char cert_no[64];
    snprintf(cert_no, sizeof cert_no, "CERT-%s", number);
    json_error_t jerr;
    label = json_pack_ex(
        &jerr, 0,
        "{s:s,s:s,s:s,s:{s:s,s:s,s:s},s:s,s:f,s:s,s:{s:f,s:s},s:s?,s:s?,s:s,s:O,s:{s:s,s:s},s:{s:s,s:s,s:s},"
        "s:{s:s,s:s},s:s,s:s,s:s,s:s,s:s}",
        "format", "tanji-label/1", "number", number, "certificate", cert_no, "product", "name", f.product,
        "zh", inst_str(cat, "name_zh"), "en", inst_str(cat, "name_en"), "category", category, "value", value,
        "unit", "kg CO2e", "declared_unit", "amount", f.amount, "unit", f.unit, "boundary",
        json_string_value(bnd), "rule", f.rule_id, "gwp", f.gwp, "grade", grade, "body", "id", bo.id, "name",
        bo.name, "holder", "id", ho.id, "name", ho.name, "region", ho.region, "footprint", "id", f.id,
        "digest", f.digest, "issued_at", at, "valid_from", at, "valid_until", valid_until, "verify_url", url,
        "key_id", key_id);
    free(url);
    if (!label || !(msg = ledger_canonical_json(label))) {
        rc = label ? tj_error_set(err, TJ_ERR_INPUT, "label", "the label cannot be put in canonical form")
                   : tj_error_set(err, TJ_ERR_INPUT, "label", "the label cannot be built: %s", jerr.text);
        goto out;
    }
    unsigned char s[crypto_sign_BYTES];
    crypto_sign_detached(s, NULL, (const unsigned char *)msg, strlen(msg), key->sk);
    char s_hex[2 * crypto_sign_BYTES + 1];
    sodium_bin2hex(s_hex, sizeof s_hex, s, sizeof s);
    sig = json_pack("{s:s,s:s,s:s,s:s}", "alg", "Ed25519", "key_id", key_id, "public_key", pk_hex, "value",
                    s_hex);
    if (!sig || !(doc = label_signed_document(label, sig))) {
        rc = tj_error_nomem(err);
        goto out;
    }
    char doc_digest[65];
    inst_sha256_hex(doc, strlen(doc), doc_digest);
    json_t *g = json_object_get(grade, "grade"), *gv = json_object_get(grade, "benchmark_version");
    row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:s,s:s,s:O,s:O,s:s,s:n,s:s,s:s,s:s,s:s,s:s}",
                    "number", number, "certificate", cert_no, "application_id", inst_str(app, "id"),
                    "holder_org", ho.id, "body_org", bo.id, "category", category, "product", f.product,
                    "region", province, "year", atoi(year), "value", value, "unit", f.unit, "footprint_id",
                    f.id, "grade", g ? g : json_null(), "grade_version", gv ? gv : json_null(), "status",
                    "valid", "status_reason", "issued_at", at, "valid_until", valid_until, "key_id", key_id,
                    "document", doc, "updated_at", at);
    if (!row || !(state = svc_label_state(row))) {
        rc = tj_error_nomem(err);
        goto out;
    }
    change = json_pack("{s:s,s:s,s:s,s:s}", "action", "issue", "application", inst_str(app, "id"),
                       "document_digest", doc_digest, "key_id", key_id);
    int64_t idx = -1;
    ledger_entry_in e = {.kind = "label.issue",
                         .object_type = "label",
                         .object_id = number,
                         .actor = ctx->who.id,
                         .org = ctx->who.org_id,
                         .change = change,
                         .state = state};
    if ((rc = ledger_append(ctx->db, &e, &idx, err)))
        goto out;
    json_object_set_new(row, "ledger_index", json_integer((json_int_t)idx));
    if ((rc = store_label_insert(ctx->db, row, err)))
        goto out;
    json_t *gh =
        json_pack("{s:s,s:i,s:O,s:O,s:s?,s:s}", "number", number, "seq", 1, "grade", g ? g : json_null(),
                  "grade_version", gv ? gv : json_null(), "reason", inst_str(grade, "reason"), "at", at);
    rc = gh ? store_label_grade_insert(ctx->db, gh, err) : tj_error_nomem(err);
    json_decref(gh);
out:
    if (!rc) {
        *number_out = number;
        number = NULL;
    }
    free(number);
    free(doc);
    free(msg);
    json_decref(k);
    json_decref(cat);
    json_decref(model);
    json_decref(grade);
    json_decref(label);
    json_decref(sig);
    json_decref(row);
    json_decref(state);
    json_decref(change);
    store_footprint_release(&f);
    store_org_release(&ho);
    store_org_release(&bo);
    return rc;
}

/* ---- reading ---- */

static tj_status history(store_db *db, const char *number, json_t **out, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_inst_object_history(db, "label", number, &rows, err);
    if (rc)
        return rc;
    json_t *h = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *body = json_loads(inst_str(r, "body"), 0, NULL);
        json_t *change = json_object_get(body, "change");
        json_array_append_new(h, json_pack("{s:O,s:O,s:O,s:O?}", "ledger_index", json_object_get(r, "idx"),
                                           "at", json_object_get(r, "at"), "kind", json_object_get(r, "kind"),
                                           "change", change));
        json_decref(body);
    }
    json_decref(rows);
    *out = h;
    return TJ_OK;
}

tj_status svc_label_get(svc_ctx *ctx, const char *number, json_t **out, tj_error *err)
{
    json_t *row = NULL, *grades = NULL, *surv = NULL, *hist = NULL;
    tj_status rc = store_label_get(ctx->db, number, 1, &row, err);
    int listed = 0;
    if (!rc)
        rc = store_label_grade_list(ctx->db, number, &grades, err);
    if (!rc)
        rc = store_label_surv_list(ctx->db, number, &surv, err);
    if (!rc)
        rc = history(ctx->db, number, &hist, err);
    if (!rc)
        rc = svc_dishonest_listed(ctx->db, inst_str(row, "holder_org"), &listed, err);
    if (!rc) {
        json_t *doc = json_loads(inst_str(row, "document"), 0, NULL);
        *out = json_pack(
            "{s:O?,s:O?,s:s,s:O,s:O,s:O,s:b,s:O,s:o,s:o,s:o,s:O}", "label", json_object_get(doc, "label"),
            "signature", json_object_get(doc, "signature"), "status", inst_str(row, "status"),
            "status_reason", json_object_get(row, "status_reason"), "grade", json_object_get(row, "grade"),
            "grade_version", json_object_get(row, "grade_version"), "holder_listed", listed, "valid_until",
            json_object_get(row, "valid_until"), "grade_history", grades, "surveillance", surv, "history",
            hist, "ledger_index", json_object_get(row, "ledger_index"));
        grades = surv = hist = NULL;
        json_decref(doc);
        if (!*out)
            rc = tj_error_nomem(err);
    }
    json_decref(row);
    json_decref(grades);
    json_decref(surv);
    json_decref(hist);
    return rc;
}

tj_status svc_label_document(svc_ctx *ctx, const char *number, json_t **out, tj_error *err)
{
    json_t *row = NULL;
    tj_status rc = store_label_get(ctx->db, number, 1, &row, err);
    if (rc)
        return rc;
    char *body = NULL, *org = NULL;
    int64_t idx = json_integer_value(json_object_get(row, "ledger_index"));
    if (!(rc = store_ledger_entry_body(ctx->db, idx, &body, &org, err))) {
        merkle_hash leaf;
        merkle_leaf_hash(body, strlen(body), &leaf);
        char leaf_hex[65], at[INST_TIME_SIZE];
        merkle_to_hex(&leaf, leaf_hex);
        inst_now(at);
        json_t *doc = json_loads(inst_str(row, "document"), 0, NULL);
        *out =
            json_pack("{s:s,s:O,s:O,s:{s:I,s:s,s:s},s:{s:s,s:O,s:O,s:s}}", "type", "tanji-label/v1", "label",
                      json_object_get(doc, "label"), "signature", json_object_get(doc, "signature"), "ledger",
                      "index", (json_int_t)idx, "entry", body, "leaf_hash", leaf_hex, "status", "status",
                      inst_str(row, "status"), "grade", json_object_get(row, "grade"), "grade_version",
                      json_object_get(row, "grade_version"), "as_of", at);
        json_decref(doc);
        if (!*out)
            rc = tj_error_set(err, TJ_ERR_DB, "document", "label %s has a damaged document", number);
    }
    free(body);
    free(org);
    json_decref(row);
    return rc;
}

tj_status svc_label_public(svc_ctx *ctx, const char *number, int with_proof, json_t **out, tj_error *err)
{
    tj_status rc = svc_label_document(ctx, number, out, err);
    if (rc || !with_proof)
        return rc;
    /* a label's issue entry is public (its history is): the proof is made
     * with a reader's rights on entries, for this entry only */
    json_t *lg = json_object_get(*out, "ledger"), *proof = NULL;
    svc_ctx rd;
    tj_error perr;
    if (svc_ctx_init(&rd, ctx->db, "label-public", "label-public", "", SVC_ROLE_VERIFIER, &perr) == TJ_OK) {
        tj_status prc =
            svc_ledger_inclusion(&rd, json_integer_value(json_object_get(lg, "index")), -1, &proof, &perr);
        svc_ctx_release(&rd);
        if (prc == TJ_OK)
            json_object_set_new(lg, "proof", proof);
        else if (prc != TJ_ERR_INPUT && prc != TJ_ERR_NOTFOUND) { /* not yet in a signed head: no proof */
            json_decref(*out);
            *out = NULL;
            return tj_error_set(err, prc, perr.path, "%s", perr.message);
        }
    }
    json_object_set_new(lg, "proof_status",
                        json_string(json_object_get(lg, "proof") ? "included" : "pending"));
    return TJ_OK;
}

tj_status svc_label_list_own(svc_ctx *ctx, json_t **out, tj_error *err)
{
    return store_label_holder_list(ctx->db, ctx->who.org_id, out, err);
}

/* ---- verification (offline part: label_verify.c) ---- */

tj_status svc_label_verify_number(svc_ctx *ctx, const char *number, json_t **report, tj_error *err)
{
    *report = NULL;
    json_t *row = NULL, *k = NULL, *doc = NULL;
    tj_status rc = store_label_get(ctx->db, number, 1, &row, err);
    if (rc)
        return rc;
    vreport r = {json_object(), json_array()};
    doc = json_loads(inst_str(row, "document"), 0, NULL);
    const json_t *label = json_object_get(doc, "label"), *sig = json_object_get(doc, "signature");
    char now[INST_TIME_SIZE];
    inst_now(now);
    unsigned char pk[32];
    int have = 0;
    tj_status krc = store_cert_key_get(ctx->db, inst_str(row, "key_id"), &k, err);
    if (krc && krc != TJ_ERR_NOTFOUND) {
        rc = krc;
        goto out;
    }
    if (krc)
        label_check(&r, "key", 0, "the signing key is not a registered body key / 签名密钥未登记");
    else if (ledger_pk_from_hex(inst_str(k, "public_key"), pk) ||
             strcmp(inst_str(sig, "public_key") ?: "", inst_str(k, "public_key")))
        label_check(&r, "key", 0,
                    "the document's public key differs from the registered one / 公钥与登记不符");
    else if (!strcmp(inst_str(k, "status"), "revoked"))
        label_check(&r, "key", 0, "the signing key was revoked / 签名密钥已吊销");
    else if (strcmp(inst_str(k, "org_id"), inst_str(row, "body_org")))
        label_check(&r, "key", 0, "the key belongs to another body / 密钥不属于该认证机构");
    else {
        label_check(&r, "key", 1, NULL);
        have = 1;
    }
    label_check(&r, "signature", have && label && label_sig_ok(label, sig, pk),
                "the signature does not match the label / 签名无效");
    /* the row and the signed content agree */
    int same = label && !strcmp(inst_str(label, "number") ?: "", number) &&
               fabs(json_number_value(json_object_get(label, "value")) -
                    json_number_value(json_object_get(row, "value"))) <=
                   1e-9 * fabs(json_number_value(json_object_get(row, "value"))) &&
               !strcmp(inst_str(label, "valid_until") ?: "", inst_str(row, "valid_until"));
    label_check(&r, "record", same,
                "the registry row differs from the signed label / 登记信息与签名内容不符");
    label_check_validity(&r, label, now);
    label_check_status(&r, inst_str(row, "status"));
    char *body = NULL, *org = NULL;
    const char *why = "no ledger entry at the recorded index / 台账中无对应记录";
    int64_t idx = json_integer_value(json_object_get(row, "ledger_index"));
    int ok = 0;
    tj_status lrc = store_ledger_entry_body(ctx->db, idx, &body, &org, err);
    if (lrc && lrc != TJ_ERR_NOTFOUND) {
        rc = lrc;
        goto out;
    }
    if (!lrc)
        ok = label_entry_ok(body, number, label, sig, &why);
    free(body);
    free(org);
    label_check(&r, "ledger", ok, why);
    json_object_set_new(r.checks, "mode", json_string("online"));
    int listed = 0;
    if ((rc = svc_dishonest_listed(ctx->db, inst_str(row, "holder_org"), &listed, err)))
        goto out;
    json_object_set_new(r.checks, "listed", json_string(listed ? "flagged" : "ok"));
    *report = label_finish_report(&r, number, inst_str(row, "status"), listed);
    r.checks = r.problems = NULL;
    if (!*report)
        rc = tj_error_nomem(err);
out:
    json_decref(r.checks);
    json_decref(r.problems);
    json_decref(row);
    json_decref(k);
    json_decref(doc);
    return rc;
}

/* ---- lifecycle ---- */

static tj_status label_step(svc_ctx *ctx, const json_t *row, const char *action, const char *reason,
                            const char *at, json_t *extra, tj_error *err)
{
    const char *number = inst_str(row, "number"), *from = inst_str(row, "status");
    const svc_transition *t = NULL;
    tj_status rc = svc_workflow_step(&svc_label_workflow, ctx, action, from, number, reason, 1, &t, err);
    if (!rc && !(ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR))) {
        const char *owner =
            t->roles & SVC_ROLE_ENTERPRISE ? inst_str(row, "holder_org") : inst_str(row, "body_org");
        if (strcmp(owner, ctx->who.org_id))
            rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                              "%s may not %s label %s: that is the %s's / 无权操作该标识", ctx->who.name,
                              action, number, t->roles & SVC_ROLE_ENTERPRISE ? "holder" : "issuing body");
    }
    if (!rc)
        rc = store_label_set_status(ctx->db, number, t->to, reason, at, err);
    if (!rc) {
        json_t *change = svc_workflow_change_json(action, from, t->to, reason);
        if (extra)
            json_object_update(change, extra);
        rc = record_label(ctx, t->kind, number, change, err);
    }
    json_decref(extra); /* consumed */
    return rc;
}

tj_status svc_label_act(svc_ctx *ctx, const char *number, const char *action, const char *reason,
                        tj_error *err)
{
    if (!strcmp(action, "expire"))
        return tj_error_set(err, TJ_ERR_USAGE, "action", "labels expire by themselves (tanji label expire)");
    tj_status rc = inst_check_text(reason, 2000, "reason", 0, err);
    json_t *row = NULL;
    char at[INST_TIME_SIZE];
    inst_now(at);
    if (rc || (rc = store_label_get(ctx->db, number, 0, &row, err)))
        return rc;
    if (!strcmp(action, "reinstate") && strcmp(inst_str(row, "valid_until"), at) <= 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "valid_until", "label %s is past its validity / 已过有效期",
                          number);
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = label_step(ctx, row, action, reason, at, NULL, err);
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    json_decref(row);
    return rc;
}

tj_status svc_label_surveillance_schedule(svc_ctx *ctx, const char *number, const char *due_at, int *seq_out,
                                          tj_error *err)
{
    char due[INST_TIME_SIZE], at[INST_TIME_SIZE];
    inst_now(at);
    tj_status rc = svc_require(ctx, SVC_ROLE_VERIFIER | SVC_ROLE_OPERATOR, "schedule surveillance", err);
    if (rc)
        return rc;
    if (!due_at || !inst_time_parse(due_at, due))
        return tj_error_set(err, TJ_ERR_USAGE, "due", "a surveillance needs a due date (YYYY-MM-DD)");
    json_t *row = NULL, *list = NULL;
    if ((rc = store_label_get(ctx->db, number, 0, &row, err)))
        return rc;
    if (!(ctx->who.roles & SVC_ROLE_OPERATOR) && strcmp(inst_str(row, "body_org"), ctx->who.org_id))
        rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                          "only the issuing body schedules surveillance / 仅发证机构可安排监督");
    else if (strcmp(inst_str(row, "status"), "valid") && strcmp(inst_str(row, "status"), "suspended"))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "label %s is %s", number, inst_str(row, "status"));
    if (!rc && !(rc = store_label_surv_list(ctx->db, number, &list, err)) && !(rc = svc_begin(ctx, err))) {
        int seq = (int)json_array_size(list) + 1;
        json_t *s = json_pack("{s:s,s:i,s:s,s:s}", "number", number, "seq", seq, "due_at", due, "status",
                              "scheduled");
        rc = store_label_surv_insert(ctx->db, s, err);
        json_decref(s);
        if (!rc)
            rc = record_label(
                ctx, "label.surveillance.schedule", number,
                json_pack("{s:s,s:i,s:s}", "action", "schedule_surveillance", "seq", seq, "due_at", due),
                err);
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
        if (!rc && seq_out)
            *seq_out = seq;
    }
    json_decref(row);
    json_decref(list);
    return rc;
}

tj_status svc_label_surveillance_record(svc_ctx *ctx, const char *number, int seq, const char *result,
                                        const char *comment, tj_error *err)
{
    char at[INST_TIME_SIZE];
    inst_now(at);
    tj_status rc = svc_require(ctx, SVC_ROLE_VERIFIER | SVC_ROLE_OPERATOR, "record surveillance", err);
    if (rc || (rc = inst_check_text(comment, 4000, "comment", 0, err)))
        return rc;
    if (!result || (strcmp(result, "passed") && strcmp(result, "failed")))
        return tj_error_set(err, TJ_ERR_USAGE, "result", "the result is passed or failed");
    if (!strcmp(result, "failed") && (!comment || !*comment))
        return tj_error_set(err, TJ_ERR_USAGE, "comment",
                            "a failed surveillance needs its findings / 需说明不合格原因");
    json_t *row = NULL, *list = NULL;
    if ((rc = store_label_get(ctx->db, number, 0, &row, err)))
        return rc;
    if (!(ctx->who.roles & SVC_ROLE_OPERATOR) && strcmp(inst_str(row, "body_org"), ctx->who.org_id))
        rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                          "only the issuing body records surveillance / 仅发证机构可记录监督结果");
    json_t *s = NULL;
    if (!rc && !(rc = store_label_surv_list(ctx->db, number, &list, err))) {
        s = json_array_get(list, (size_t)(seq - 1));
        if (seq < 1 || !s)
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "seq", "label %s has no surveillance %d", number, seq);
        else if (strcmp(inst_str(s, "status"), "scheduled"))
            rc = tj_error_set(err, TJ_ERR_CONFLICT, "seq", "surveillance %d of %s is %s already", seq, number,
                              inst_str(s, "status"));
    }
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_label_surv_record(ctx->db, number, seq, result, comment, at, ctx->who.id, err);
        if (!rc)
            rc = record_label(ctx, "label.surveillance", number,
                              json_pack("{s:s,s:i,s:s,s:s?}", "action", "surveillance", "seq", seq, "result",
                                        result, "comment", comment),
                              err);
        if (!rc && !strcmp(result, "failed") && !strcmp(inst_str(row, "status"), "valid")) {
            json_decref(row);
            row = NULL;
            if (!(rc = store_label_get(ctx->db, number, 0, &row, err)))
                rc = label_step(ctx, row, "suspend", "surveillance failed / 监督不合格", at,
                                json_pack("{s:i}", "surveillance", seq), err);
        }
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    json_decref(row);
    json_decref(list);
    return rc;
}

tj_status svc_label_expire(svc_ctx *ctx, int *expired, int *missed, tj_error *err)
{
    *expired = *missed = 0;
    tj_status rc = svc_require(ctx, SVC_ROLE_OPERATOR, "run the expiry job", err);
    if (rc)
        return rc;
    char at[INST_TIME_SIZE];
    inst_now(at);
    json_t *over = NULL;
    if ((rc = svc_begin(ctx, err)))
        return rc;
    /* missed surveillance suspends */
    if (!(rc = store_label_surv_overdue(ctx->db, at, &over, err))) {
        size_t i;
        json_t *s;
        json_array_foreach(over, i, s)
        {
            const char *number = inst_str(s, "number");
            json_int_t seq = json_integer_value(json_object_get(s, "seq"));
            json_t *row = NULL;
            if (rc ||
                (rc = store_label_surv_record(ctx->db, number, seq, "missed", NULL, at, ctx->who.id, err)) ||
                (rc = record_label(
                     ctx, "label.surveillance", number,
                     json_pack("{s:s,s:I,s:s}", "action", "surveillance", "seq", seq, "result", "missed"),
                     err)) ||
                (rc = store_label_get(ctx->db, number, 0, &row, err)))
                break;
            if (!strcmp(inst_str(row, "status"), "valid"))
                rc = label_step(ctx, row, "suspend", "surveillance missed / 未按期接受监督", at,
                                json_pack("{s:I}", "surveillance", seq), err);
            json_decref(row);
            (*missed)++;
        }
    }
    json_decref(over);
    /* expiry, in pages */
    while (!rc) {
        json_t *due = NULL;
        if ((rc = store_label_expiring(ctx->db, at, 500, &due, err)))
            break;
        size_t i, n = json_array_size(due);
        json_t *d;
        json_array_foreach(due, i, d)
        {
            json_t *row = NULL;
            if (rc || (rc = store_label_get(ctx->db, inst_str(d, "number"), 0, &row, err)))
                break;
            rc = label_step(ctx, row, "expire", NULL, at, NULL, err);
            json_decref(row);
            (*expired)++;
        }
        json_decref(due);
        if (n < 500)
            break;
    }
    return rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
}

tj_status svc_label_regrade(svc_ctx *ctx, const char *number, const json_t *grade, const json_t *version,
                            const char *reason, tj_error *err)
{
    char at[INST_TIME_SIZE];
    inst_now(at);
    json_t *list = NULL;
    tj_status rc = store_label_grade_list(ctx->db, number, &list, err);
    if (rc)
        return rc;
    json_t *h = json_pack("{s:s,s:I,s:O,s:O,s:s?,s:s}", "number", number, "seq",
                          (json_int_t)json_array_size(list) + 1, "grade", grade ? grade : json_null(),
                          "grade_version", version ? version : json_null(), "reason", reason, "at", at);
    json_decref(list);
    if (!h)
        return tj_error_nomem(err);
    if (!(rc = store_label_set_grade(ctx->db, number, grade, version, at, err)) &&
        !(rc = store_label_grade_insert(ctx->db, h, err)))
        rc = record_label(ctx, "label.grade", number,
                          json_pack("{s:s,s:O,s:O,s:s?}", "action", "grade", "grade",
                                    grade ? grade : json_null(), "benchmark_version",
                                    version ? version : json_null(), "reason", reason),
                          err);
    json_decref(h);
    return rc;
}

/* svc_label offline verification: a label document checked with a keyring,
 * without a database (so `tanji label verify FILE` links only jansson and
 * libsodium: the tanji launcher, src/cli/launch.c); see label.h. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "services/inst_util.h"
#include "services/label.h"
#include "services/label_internal.h"

/* canonical JSON of {label, signature} */
char *label_signed_document(const json_t *label, const json_t *sig)
{
    json_t *d = json_pack("{s:O,s:O}", "label", label, "signature", sig);
    char *s = d ? ledger_canonical_json(d) : NULL;
    json_decref(d);
    return s;
}

void label_check(vreport *r, const char *name, int ok, const char *why)
{
    json_object_set_new(r->checks, name, json_string(ok ? "ok" : "failed"));
    if (!ok)
        json_array_append_new(r->problems, json_pack("{s:s,s:s}", "check", name, "problem", why));
}

int label_sig_ok(const json_t *label, const json_t *sig, const unsigned char pk[32])
{
    const char *hex = inst_str(sig, "value");
    unsigned char s[crypto_sign_BYTES];
    size_t n = 0;
    if (!hex || sodium_hex2bin(s, sizeof s, hex, strlen(hex), NULL, &n, NULL) || n != sizeof s)
        return 0;
    char *msg = ledger_canonical_json(label);
    int ok = msg && crypto_sign_verify_detached(s, (const unsigned char *)msg, strlen(msg), pk) == 0;
    free(msg);
    return ok;
}

/* The issue entry names this document: kind, object, document digest. */
int label_entry_ok(const char *entry, const char *number, const json_t *label, const json_t *sig,
                    const char **why)
{
    json_t *e = json_loads(entry ? entry : "", 0, NULL);
    char *doc = label_signed_document(label, sig);
    char hex[65] = "";
    if (doc)
        inst_sha256_hex(doc, strlen(doc), hex);
    int ok = 0;
    if (!e)
        *why = "the ledger entry is not JSON";
    else if (strcmp(inst_str(e, "kind") ? inst_str(e, "kind") : "", "label.issue") ||
             strcmp(inst_str(e, "object_id") ? inst_str(e, "object_id") : "", number))
        *why = "the ledger entry is not the issue of this label";
    else if (strcmp(inst_str(json_object_get(e, "change"), "document_digest") ?: "", hex))
        *why = "the ledger entry records another document: the label was altered";
    else
        ok = 1;
    json_decref(e);
    free(doc);
    return ok;
}

json_t *label_finish_report(vreport *r, const char *number, const char *status, int listed)
{
    json_t *j =
        json_pack("{s:s?,s:b,s:s?,s:b,s:o,s:o}", "number", number, "ok", json_array_size(r->problems) == 0,
                  "status", status, "holder_listed", listed, "checks", r->checks, "problems", r->problems);
    return j;
}

void label_check_validity(vreport *r, const json_t *label, const char *at)
{
    const char *from = inst_str(label, "valid_from"), *until = inst_str(label, "valid_until");
    int ok = from && until && strcmp(at, from) >= 0 && strcmp(at, until) < 0;
    label_check(r, "validity", ok,
          !from || strcmp(at, from) < 0 ? "the label is not valid yet / 标识尚未生效"
                                        : "the label's validity has ended / 标识已过有效期");
}

void label_check_status(vreport *r, const char *status)
{
    static char why[96];
    snprintf(why, sizeof why, "the label is %s / 标识状态：%s", status ? status : "unknown",
             !status                        ? "未知"
             : !strcmp(status, "suspended") ? "暂停"
             : !strcmp(status, "revoked")   ? "撤销"
             : !strcmp(status, "withdrawn") ? "注销"
             : !strcmp(status, "expired")   ? "过期"
                                            : status);
    label_check(r, "status", status && !strcmp(status, "valid"), why);
}

tj_status svc_label_verify_document(const json_t *doc, const json_t *keyring, const unsigned char *ledger_pk,
                                    const char *at, json_t **report, tj_error *err)
{
    *report = NULL;
    const json_t *label = json_object_get(doc, "label"), *sig = json_object_get(doc, "signature");
    if (!json_is_object(label) || !json_is_object(sig) || !inst_str(label, "number"))
        return tj_error_set(err, TJ_ERR_INPUT, NULL,
                            "this is not a tanji label document (label, signature) / 不是碳标识文件");
    char now[INST_TIME_SIZE];
    if (!at)
        inst_now(now);
    else if (!inst_time_parse(at, now))
        return tj_error_set(err, TJ_ERR_INPUT, "at", "at is a date or RFC 3339 UTC time");
    vreport r = {json_object(), json_array()};
    const char *number = inst_str(label, "number");
    /* the key: in the keyring, not revoked, of the label's body */
    const char *key_id = inst_str(sig, "key_id"), *pk_hex = inst_str(sig, "public_key");
    const json_t *kr = NULL;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(keyring, "keys"), i,
                       k) if (key_id && inst_str(k, "key_id") && !strcmp(inst_str(k, "key_id"), key_id)) kr =
        k;
    if (!kr && inst_str(keyring, "public_key") && pk_hex && !strcmp(inst_str(keyring, "public_key"), pk_hex))
        kr = keyring; /* a single trusted key */
    unsigned char pk[32];
    int have_pk = 0;
    if (!kr)
        label_check(&r, "key", 0, "the signing key is not a registered body key / 签名密钥未登记");
    else if (!inst_str(kr, "public_key") || !pk_hex || strcmp(inst_str(kr, "public_key"), pk_hex) ||
             ledger_pk_from_hex(pk_hex, pk))
        label_check(&r, "key", 0, "the document's public key differs from the registered one / 公钥与登记不符");
    else if (inst_str(kr, "status") && !strcmp(inst_str(kr, "status"), "revoked"))
        label_check(&r, "key", 0, "the signing key was revoked / 签名密钥已吊销");
    else if (inst_str(kr, "org_id") &&
             strcmp(inst_str(kr, "org_id"), inst_str(json_object_get(label, "body"), "id") ?: ""))
        label_check(&r, "key", 0, "the key belongs to another body / 密钥不属于该认证机构");
    else {
        label_check(&r, "key", 1, NULL);
        have_pk = 1;
    }
    /* the signature (with the document's own key when the key check failed,
     * so a report says both) */
    if (!have_pk && pk_hex && !ledger_pk_from_hex(pk_hex, pk))
        have_pk = 2;
    label_check(&r, "signature", have_pk && label_sig_ok(label, sig, pk),
          "the signature does not match the label / 签名无效");
    label_check_validity(&r, label, now);
    const json_t *st = json_object_get(doc, "status");
    label_check_status(&r, inst_str(st, "status"));
    /* the ledger entry of the issue, and its inclusion proof if there is one */
    const json_t *lg = json_object_get(doc, "ledger");
    const char *why = "the document carries no ledger entry / 无台账记录";
    const char *entry = inst_str(lg, "entry");
    int ok = entry && label_entry_ok(entry, number, label, sig, &why);
    if (ok) {
        merkle_hash leaf;
        merkle_leaf_hash(entry, strlen(entry), &leaf);
        char hex[65];
        merkle_to_hex(&leaf, hex);
        if (!inst_str(lg, "leaf_hash") || strcmp(hex, inst_str(lg, "leaf_hash")))
            ok = 0, why = "the leaf hash does not match the entry";
    }
    const json_t *proof = json_object_get(lg, "proof");
    if (ok && proof) {
        int pok = 0;
        const char *pwhy = NULL;
        tj_error perr;
        if (!ledger_pk)
            ok = 0, why = "an inclusion proof needs the ledger's public key (--ledger-key)";
        else if (ledger_verify_proof_json(proof, ledger_pk, &pok, &pwhy, &perr) || !pok)
            ok = 0, why = pwhy ? pwhy : "the inclusion proof does not hold";
        else if (strcmp(inst_str(proof, "entry") ?: "", entry))
            ok = 0, why = "the inclusion proof is for another entry";
    }
    label_check(&r, "ledger", ok, why);
    json_object_set_new(r.checks, "ledger_proof", json_string(proof ? (ok ? "ok" : "failed") : "absent"));
    json_object_set_new(r.checks, "mode", json_string("offline"));
    *report = label_finish_report(&r, number, inst_str(st, "status"), 0);
    return *report ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

/* svc_cert: certification bodies, keys, catalogue, dishonest list,
 * applications; see cert.h. */
#include "io/input.h"
#include "services/cert.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tanji/text.h"
#include "services/inst_util.h"
#include "services/label.h"
#include "store/accounts.h"
#include "store/footprint_sql.h"
#include "store/inst_sql.h"

#define REGULATORS (SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR)

/* ---- bodies ---------------------------------------------------------------- */

static json_t *body_state(store_db *db, const char *org_id, tj_error *err, tj_status *rc)
{
    json_t *b = NULL, *scope = NULL;
    if ((*rc = store_cert_body_get(db, org_id, &b, err)) ||
        (*rc = store_cert_scope_list(db, org_id, &scope, err))) {
        json_decref(b);
        return NULL;
    }
    json_object_del(b, "name");
    json_object_del(b, "region");
    json_object_set_new(b, "scope", scope);
    return b;
}

static tj_status check_scope(store_db *db, const json_t *scope, tj_error *err)
{
    if (!json_is_array(scope) || json_array_size(scope) == 0)
        return tj_error_set(err, TJ_ERR_USAGE, "scope",
                            "a scope of at least one catalogue category is needed / "
                            "需指定认证范围（目录产品类别）");
    size_t i;
    json_t *c;
    json_array_foreach(scope, i, c)
    {
        json_t *e = NULL;
        if (!json_is_string(c))
            return tj_error_set(err, TJ_ERR_INPUT, "scope", "scope entries are category names");
        tj_status rc = store_cert_catalogue_get(db, json_string_value(c), &e, err);
        json_decref(e);
        if (rc == TJ_ERR_NOTFOUND)
            return tj_error_set(err, TJ_ERR_INPUT, "scope",
                                "\"%s\" is not a category of the certification catalogue / 不在认证目录中",
                                json_string_value(c));
        if (rc)
            return rc;
    }
    return TJ_OK;
}

static tj_status record_body(svc_ctx *ctx, const char *kind, const char *org_id, json_t *change,
                             tj_error *err)
{
    tj_status rc;
    json_t *state = body_state(ctx->db, org_id, err, &rc);
    if (!rc)
        rc = svc_record(ctx, kind, "cert_body", org_id, change, state, err);
    json_decref(state);
    json_decref(change);
    return rc;
}

tj_status svc_cert_body_register(svc_ctx *ctx, const char *org, const char *accreditation,
                                 const json_t *scope, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "register certification bodies", err);
    if (rc || (rc = inst_check_text(accreditation, 500, "accreditation", 0, err)))
        return rc;
    store_org o;
    if ((rc = store_org_get(ctx->db, org, &o, err)))
        return rc;
    char at[INST_TIME_SIZE];
    inst_now(at);
    if (strcmp(o.kind, "certification_body"))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "org",
                          "%s is an organisation of kind %s, not certification_body / 该组织不是认证机构",
                          o.name, o.kind);
    else if (!(rc = check_scope(ctx->db, scope, err)) && !(rc = svc_begin(ctx, err))) {
        json_t *row = json_pack("{s:s,s:s?,s:s,s:s,s:s}", "org_id", o.id, "accreditation", accreditation,
                                "status", "active", "registered_by", ctx->who.id, "registered_at", at);
        json_t *b = NULL;
        if (store_cert_body_get(ctx->db, o.id, &b, NULL) == TJ_OK)
            rc = tj_error_set(err, TJ_ERR_CONFLICT, "org", "%s is registered already / 已登记", o.name);
        json_decref(b);
        if (!rc)
            rc = store_cert_body_insert(ctx->db, row, err);
        if (!rc)
            rc = store_cert_scope_set(ctx->db, o.id, scope, err);
        if (!rc)
            rc = record_body(ctx, "cert.body.register", o.id,
                             json_pack("{s:s,s:O}", "action", "register", "scope", scope), err);
        json_decref(row);
        rc = svc_finish(ctx, rc, err);
    }
    store_org_release(&o);
    return rc;
}

tj_status svc_cert_body_set_scope(svc_ctx *ctx, const char *org, const json_t *scope, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "change accreditation scopes", err);
    if (rc)
        return rc;
    store_org o;
    if ((rc = store_org_get(ctx->db, org, &o, err)))
        return rc;
    json_t *b = NULL;
    if (!(rc = store_cert_body_get(ctx->db, o.id, &b, err)) && !(rc = check_scope(ctx->db, scope, err)) &&
        !(rc = svc_begin(ctx, err))) {
        rc = store_cert_scope_set(ctx->db, o.id, scope, err);
        if (!rc)
            rc = record_body(ctx, "cert.body.scope", o.id,
                             json_pack("{s:s,s:O}", "action", "scope", "scope", scope), err);
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(b);
    store_org_release(&o);
    return rc;
}

tj_status svc_cert_body_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    json_t *bodies = NULL;
    tj_status rc = store_cert_body_list(ctx->db, &bodies, err);
    size_t i;
    json_t *b;
    json_array_foreach(bodies, i, b)
    {
        json_t *scope = NULL, *keys = NULL;
        if (rc || (rc = store_cert_scope_list(ctx->db, inst_str(b, "org_id"), &scope, err)) ||
            (rc = store_cert_key_list(ctx->db, inst_str(b, "org_id"), &keys, err)))
            break;
        json_object_set_new(b, "scope", scope);
        json_object_set_new(b, "keys", keys);
    }
    if (rc)
        json_decref(bodies);
    else
        *out = bodies;
    return rc;
}

void svc_cert_key_id(const unsigned char pk[LEDGER_PK_SIZE], char id[17])
{
    char hex[65];
    inst_sha256_hex(pk, LEDGER_PK_SIZE, hex);
    memcpy(id, hex, 16);
    id[16] = '\0';
}

static tj_status record_key(svc_ctx *ctx, const char *kind, const char *key_id, json_t *change, tj_error *err)
{
    json_t *state = NULL;
    tj_status rc = store_cert_key_get(ctx->db, key_id, &state, err);
    if (!rc)
        rc = svc_record(ctx, kind, "cert_key", key_id, change, state, err);
    json_decref(state);
    json_decref(change);
    return rc;
}

tj_status svc_cert_key_add(svc_ctx *ctx, const char *org, const unsigned char pk[LEDGER_PK_SIZE],
                           char **key_id_out, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "register body keys", err);
    if (rc)
        return rc;
    store_org o;
    if ((rc = store_org_get(ctx->db, org, &o, err)))
        return rc;
    char id[17], hex[65], at[INST_TIME_SIZE];
    svc_cert_key_id(pk, id);
    ledger_pk_hex(pk, hex);
    inst_now(at);
    json_t *b = NULL, *keys = NULL, *existing = NULL;
    if (!(rc = store_cert_body_get(ctx->db, o.id, &b, err)) && !(rc = svc_begin(ctx, err))) {
        if (store_cert_key_get(ctx->db, id, &existing, NULL) == TJ_OK)
            rc = tj_error_set(err, TJ_ERR_CONFLICT, "key", "key %s is registered already / 该公钥已登记", id);
        if (!rc)
            rc = store_cert_key_list(ctx->db, o.id, &keys, err);
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k)
        {
            if (rc || strcmp(inst_str(k, "status"), "active"))
                continue;
            if (!(rc = store_cert_key_set_status(ctx->db, inst_str(k, "key_id"), "retired", at, NULL, err)))
                rc = record_key(ctx, "cert.key.retire", inst_str(k, "key_id"),
                                json_pack("{s:s,s:s}", "action", "retire", "replaced_by", id), err);
        }
        json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s}", "key_id", id, "org_id", o.id, "public_key", hex,
                                "status", "active", "added_at", at);
        if (!rc)
            rc = store_cert_key_insert(ctx->db, row, err);
        json_decref(row);
        if (!rc)
            rc = record_key(ctx, "cert.key.add", id, json_pack("{s:s}", "action", "add"), err);
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(b);
    json_decref(keys);
    json_decref(existing);
    store_org_release(&o);
    if (!rc && key_id_out && !(*key_id_out = strdup(id)))
        rc = tj_error_nomem(err);
    return rc;
}

tj_status svc_cert_key_revoke(svc_ctx *ctx, const char *key_id, const char *reason, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "revoke body keys", err);
    if (rc || (rc = inst_check_text(reason, 2000, "reason", 1, err)))
        return rc;
    json_t *k = NULL;
    char at[INST_TIME_SIZE];
    inst_now(at);
    if ((rc = store_cert_key_get(ctx->db, key_id, &k, err)))
        return rc;
    if (!strcmp(inst_str(k, "status"), "revoked"))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "key", "key %s is revoked already / 已吊销", key_id);
    else if (!(rc = svc_begin(ctx, err))) {
        rc = store_cert_key_set_status(ctx->db, key_id, "revoked", at, reason, err);
        if (!rc)
            rc = record_key(ctx, "cert.key.revoke", key_id,
                            json_pack("{s:s,s:s}", "action", "revoke", "reason", reason), err);
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(k);
    return rc;
}

tj_status svc_cert_keyring(svc_ctx *ctx, const char *org, json_t **out, tj_error *err)
{
    json_t *keys = NULL;
    char *org_id = NULL;
    tj_status rc = TJ_OK;
    if (org) {
        store_org o;
        if ((rc = store_org_get(ctx->db, org, &o, err)))
            return rc;
        org_id = strdup(o.id);
        store_org_release(&o);
        if (!org_id)
            return tj_error_nomem(err);
    }
    rc = store_cert_key_list(ctx->db, org_id, &keys, err);
    free(org_id);
    if (rc)
        return rc;
    char at[INST_TIME_SIZE];
    inst_now(at);
    *out = json_pack("{s:s,s:s,s:o}", "type", "tanji-keyring/v1", "exported_at", at, "keys", keys);
    return *out ? TJ_OK : tj_error_nomem(err);
}

/* ---- the catalogue ---------------------------------------------------------- */

tj_status svc_cert_catalogue_put(svc_ctx *ctx, const json_t *entry, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "edit the certification catalogue", err);
    if (rc)
        return rc;
    const char *cat = inst_str(entry, "category"), *zh = inst_str(entry, "name_zh"),
               *en = inst_str(entry, "name_en"), *rule = inst_str(entry, "rule_id"),
               *status = inst_str(entry, "status");
    json_t *vm = json_object_get(entry, "validity_months");
    if ((rc = inst_check_text(cat, 100, "category", 1, err)) ||
        (rc = inst_check_text(zh, 200, "name_zh", 1, err)) ||
        (rc = inst_check_text(en, 200, "name_en", 1, err)) ||
        (rc = inst_check_text(rule, 200, "rule_id", 1, err)) ||
        (rc = inst_check_text(inst_str(entry, "source"), 2000, "source", 0, err)) ||
        (rc = inst_check_text(inst_str(entry, "note"), 2000, "note", 0, err)))
        return rc;
    if (vm && !json_is_null(vm) &&
        (!json_is_integer(vm) || json_integer_value(vm) < 1 || json_integer_value(vm) > 120))
        return tj_error_set(err, TJ_ERR_INPUT, "validity_months", "validity_months is a whole number 1..120");
    if (status && strcmp(status, "active") && strcmp(status, "removed"))
        return tj_error_set(err, TJ_ERR_INPUT, "status", "status is active or removed");
    char at[INST_TIME_SIZE];
    inst_now(at);
    json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s?,s:s?,s:s,s:s}", "category", cat, "name_zh", zh,
                            "name_en", en, "rule_id", rule, "validity_months",
                            (json_int_t)(json_is_integer(vm) ? json_integer_value(vm) : 24), "status",
                            status ? status : "active", "source", inst_str(entry, "source"), "note",
                            inst_str(entry, "note"), "updated_at", at, "updated_by", ctx->who.id);
    if (!row)
        return tj_error_nomem(err);
    json_t *state = NULL;
    if (!(rc = svc_begin(ctx, err))) {
        rc = store_cert_catalogue_put(ctx->db, row, err);
        if (!rc)
            rc = store_cert_catalogue_get(ctx->db, cat, &state, err);
        if (!rc) {
            json_t *change = json_pack("{s:s}", "action", "put");
            rc = svc_record(ctx, "cert.catalogue.put", "cert_catalogue", cat, change, state, err);
            json_decref(change);
        }
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(state);
    json_decref(row);
    return rc;
}

tj_status svc_cert_catalogue_import(svc_ctx *ctx, const char *path, int *count, tj_error *err)
{
    *count = 0;
    char *text;
    size_t len;
    tj_status rd = io_input_read(path, 0, &text, &len, err);
    if (rd != TJ_OK)
        return rd;
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!doc)
        return tj_error_set_at(err, TJ_ERR_INPUT, path, jerr.line, jerr.column, "%s", jerr.text);
    json_t *entries = json_object_get(doc, "entries");
    tj_status rc = json_is_array(entries)
                       ? TJ_OK
                       : tj_error_set(err, TJ_ERR_INPUT, path, "a catalogue file has \"entries\"");
    if (!rc)
        rc = svc_begin(ctx, err);
    if (!rc) {
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e)
        {
            if ((rc = svc_cert_catalogue_put(ctx, e, err))) {
                tj_error_prefix(err, "%s: entries[%zu]", path, i);
                break;
            }
            (*count)++;
        }
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(doc);
    return rc;
}

tj_status svc_cert_catalogue_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    return store_cert_catalogue_list(ctx->db, out, err);
}

tj_status svc_cert_catalogue_get(svc_ctx *ctx, const char *category, json_t **out, tj_error *err)
{
    return store_cert_catalogue_get(ctx->db, category, out, err);
}

/* ---- the dishonest-entity list ------------------------------------------------ */

tj_status svc_dishonest_add(svc_ctx *ctx, const char *org, const char *reason, const char *legal_basis,
                            const char *from, const char *until, char **id_out, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "list dishonest entities", err);
    if (rc || (rc = inst_check_text(reason, 2000, "reason", 1, err)) ||
        (rc = inst_check_text(legal_basis, 2000, "legal_basis", 1, err)))
        return rc;
    char f[INST_TIME_SIZE], u[INST_TIME_SIZE];
    if (from && !inst_time_parse(from, f))
        return tj_error_set(err, TJ_ERR_INPUT, "from", "from is a date (YYYY-MM-DD) or time (RFC 3339 UTC)");
    if (!from)
        inst_now(f);
    if (until && !inst_time_parse(until, u))
        return tj_error_set(err, TJ_ERR_INPUT, "until",
                            "until is a date (YYYY-MM-DD) or time (RFC 3339 UTC)");
    if (until && strcmp(u, f) <= 0)
        return tj_error_set(err, TJ_ERR_INPUT, "until", "the period ends before it begins / 期限有误");
    store_org o;
    if ((rc = store_org_get(ctx->db, org, &o, err)))
        return rc;
    char *id = svc_new_uuid();
    json_t *row =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:s}", "id", id, "org_id", o.id, "reason", reason, "legal_basis",
                  legal_basis, "listed_from", f, "listed_until", until ? u : NULL, "listed_by", ctx->who.id);
    json_t *state = NULL;
    if (!id || !row)
        rc = tj_error_nomem(err);
    else if (!(rc = svc_begin(ctx, err))) {
        rc = store_dishonest_insert(ctx->db, row, err);
        if (!rc)
            rc = store_dishonest_get(ctx->db, id, &state, err);
        if (!rc) {
            json_object_del(state, "org_name");
            json_t *change = json_pack("{s:s}", "action", "list");
            rc = svc_record(ctx, "dishonest.list", "dishonest_entity", id, change, state, err);
            json_decref(change);
        }
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(row);
    json_decref(state);
    store_org_release(&o);
    if (!rc && id_out) {
        *id_out = id;
        id = NULL;
    }
    free(id);
    return rc;
}

tj_status svc_dishonest_remove(svc_ctx *ctx, const char *id, const char *reason, tj_error *err)
{
    tj_status rc = svc_require(ctx, REGULATORS, "change the dishonest-entity list", err);
    if (rc || (rc = inst_check_text(reason, 2000, "reason", 1, err)))
        return rc;
    json_t *e = NULL;
    char at[INST_TIME_SIZE];
    inst_now(at);
    if ((rc = store_dishonest_get(ctx->db, id, &e, err)))
        return rc;
    if (!json_is_null(json_object_get(e, "removed_at")))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "id", "entry %s was removed already / 已移出", id);
    else if (!(rc = svc_begin(ctx, err))) {
        rc = store_dishonest_remove(ctx->db, id, at, reason, err);
        json_decref(e);
        e = NULL;
        if (!rc)
            rc = store_dishonest_get(ctx->db, id, &e, err);
        if (!rc) {
            json_object_del(e, "org_name");
            json_t *change = json_pack("{s:s,s:s}", "action", "remove", "reason", reason);
            rc = svc_record(ctx, "dishonest.remove", "dishonest_entity", id, change, e, err);
            json_decref(change);
        }
        rc = svc_finish(ctx, rc, err);
    }
    json_decref(e);
    return rc;
}

tj_status svc_dishonest_list(svc_ctx *ctx, int all, json_t **out, tj_error *err)
{
    char at[INST_TIME_SIZE];
    inst_now(at);
    return store_dishonest_list(ctx->db, all ? NULL : at, out, err);
}

tj_status svc_dishonest_listed(store_db *db, const char *org_id, int *listed, tj_error *err)
{
    char at[INST_TIME_SIZE];
    inst_now(at);
    return store_dishonest_in_force(db, org_id, at, listed, err);
}

/* ---- the certification workflow ------------------------------------------------- */

static const char *const cert_states[] = {
    "applied",  "accepted",  "declined",  "planned", "documents_reviewed", "inspected",
    "verified", "evaluated", "certified", "refused", "withdrawn",          NULL};

#define BODY SVC_ROLE_VERIFIER
#define HOLDER SVC_ROLE_ENTERPRISE
static const svc_transition cert_transitions[] = {
    {"accept", "applied", "accepted", BODY, 0, 0, "cert.accept"},
    {"decline", "applied", "declined", BODY, 1, 0, "cert.decline"},
    {"plan", "accepted", "planned", BODY, 0, 1, "cert.plan"},
    {"review_documents", "planned", "documents_reviewed", BODY, 0, 1, "cert.review_documents"},
    {"inspect", "documents_reviewed", "inspected", BODY, 0, 1, "cert.inspect"},
    {"verify", "inspected", "verified", BODY, 0, 1, "cert.verify"},
    {"evaluate", "verified", "evaluated", BODY, 0, 1, "cert.evaluate"},
    {"decide", "evaluated", "certified", BODY, 0, 0, "cert.decide"},
    {"refuse", "evaluated", "refused", BODY, 1, 0, "cert.refuse"},
    {"withdraw", "applied", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"withdraw", "accepted", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"withdraw", "planned", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"withdraw", "documents_reviewed", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"withdraw", "inspected", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"withdraw", "verified", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"withdraw", "evaluated", "withdrawn", HOLDER, 1, 0, "cert.withdraw"},
    {"comment", "applied", "applied", BODY | HOLDER, 1, 0, "cert.comment"},
    {"comment", "accepted", "accepted", BODY | HOLDER, 1, 0, "cert.comment"},
    {"comment", "planned", "planned", BODY | HOLDER, 1, 0, "cert.comment"},
    {"comment", "documents_reviewed", "documents_reviewed", BODY | HOLDER, 1, 0, "cert.comment"},
    {"comment", "inspected", "inspected", BODY | HOLDER, 1, 0, "cert.comment"},
    {"comment", "verified", "verified", BODY | HOLDER, 1, 0, "cert.comment"},
    {"comment", "evaluated", "evaluated", BODY | HOLDER, 1, 0, "cert.comment"},
};

const svc_workflow svc_cert_workflow = {
    "certification",
    cert_states,
    cert_transitions,
    sizeof cert_transitions / sizeof cert_transitions[0],
};

/* The rule id without its version. */
static int same_rule(const char *footprint_rule, const char *catalogue_rule)
{
    if (!footprint_rule)
        return 0;
    const char *at = strchr(footprint_rule, '@');
    size_t n = at ? (size_t)(at - footprint_rule) : strlen(footprint_rule);
    const char *cat_at = strchr(catalogue_rule, '@');
    if (cat_at) /* the catalogue names a version: it must be that one */
        return !strcmp(footprint_rule, catalogue_rule);
    return strlen(catalogue_rule) == n && !strncmp(footprint_rule, catalogue_rule, n);
}

static tj_status app_state_record(svc_ctx *ctx, const char *kind, const char *id, json_t *change,
                                  tj_error *err)
{
    json_t *state = NULL;
    tj_status rc = store_cert_app_get(ctx->db, id, &state, err);
    if (!rc)
        rc = svc_record(ctx, kind, "cert_application", id, change, state, err);
    json_decref(state);
    json_decref(change);
    return rc;
}

static tj_status add_step(svc_ctx *ctx, const char *app_id, const char *action, const char *from,
                          const char *to, const char *comment, const char *due, const char *footprint,
                          const char *at, tj_error *err)
{
    json_t *steps = NULL;
    tj_status rc = store_cert_step_list(ctx->db, app_id, &steps, err);
    if (rc)
        return rc;
    json_t *row = json_pack("{s:s,s:I,s:s,s:s?,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?}", "application_id", app_id,
                            "seq", (json_int_t)json_array_size(steps) + 1, "action", action, "from_state",
                            from, "to_state", to, "actor", ctx->who.id, "org", ctx->who.org_id, "at", at,
                            "comment", comment, "due_at", due, "footprint_id", footprint);
    json_decref(steps);
    rc = row ? store_cert_step_insert(ctx->db, row, err) : tj_error_nomem(err);
    json_decref(row);
    return rc;
}

tj_status svc_cert_apply(svc_ctx *ctx, const char *footprint_id, const char *body, char **id_out,
                         tj_error *err)
{
    *id_out = NULL;
    tj_status rc =
        svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "apply for label certification", err);
    if (rc)
        return rc;
    int listed = 0;
    if ((rc = svc_dishonest_listed(ctx->db, ctx->who.org_id, &listed, err)))
        return rc;
    if (listed)
        return tj_error_set(err, TJ_ERR_PERM, NULL,
                            "your organisation is on the dishonest-entity list and may not apply / "
                            "贵单位在失信名单中，不得申请认证");
    store_footprint f;
    if ((rc = store_footprint_get(ctx->db, footprint_id, 0, &f, err)))
        return rc;
    store_org bo = {0}, me = {0};
    json_t *cats = NULL, *entry = NULL, *b = NULL, *scope = NULL, *row = NULL;
    char *id = NULL;
    char at[INST_TIME_SIZE];
    inst_now(at);
    if (strcmp(f.owner_org, ctx->who.org_id)) {
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "footprint", "no footprint \"%s\" / 碳足迹记录不存在",
                          footprint_id);
        goto out;
    }
    if (f.replaced_by) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "footprint",
                          "footprint %s was replaced by %s: apply with the current one / 该记录已被替代",
                          f.id, f.replaced_by);
        goto out;
    }
    if (strcmp(f.check_status, "conforming")) {
        rc = tj_error_set(
            err, TJ_ERR_CONFLICT, "footprint",
            "footprint %s is %s against its rule: only a footprint whose rule check passed may be "
            "certified / 仅核算规则检查通过的碳足迹可申请认证",
            f.id, f.check_status);
        goto out;
    }
    if ((rc = store_cert_catalogue_list(ctx->db, &cats, err)))
        goto out;
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c) if (!strcmp(inst_str(c, "status"), "active") &&
                                       same_rule(f.rule_id, inst_str(c, "rule_id"))) entry = c;
    if (!entry) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "footprint",
                          "the rule of footprint %s (%s) is not the rule of any product in the certification "
                          "catalogue / 该产品不在认证目录中",
                          f.id, f.rule_id ? f.rule_id : "none");
        goto out;
    }
    const char *category = inst_str(entry, "category");
    if ((rc = store_org_get(ctx->db, body, &bo, err)) || (rc = store_cert_body_get(ctx->db, bo.id, &b, err)))
        goto out;
    if (strcmp(inst_str(b, "status"), "active")) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "body", "%s is %s / 该认证机构不在有效状态", bo.name,
                          inst_str(b, "status"));
        goto out;
    }
    if ((rc = store_cert_scope_list(ctx->db, bo.id, &scope, err)))
        goto out;
    int in_scope = 0;
    json_array_foreach(scope, i, c) in_scope |= !strcmp(json_string_value(c), category);
    if (!in_scope) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "body",
                          "%s is not accredited for %s (%s) / 该认证机构的认可范围不含此产品类别", bo.name,
                          category, inst_str(entry, "name_zh"));
        goto out;
    }
    if ((rc = store_org_get(ctx->db, ctx->who.org_id, &me, err)))
        goto out;
    if (!me.region || strlen(me.region) < 2 || me.region[0] < '1' || me.region[0] > '9') {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "region",
                          "organisation %s has no GB/T 2260 region: the label number needs its province / "
                          "申请单位须登记所在地区（行政区划代码）",
                          me.name);
        goto out;
    }
    if (!(id = svc_new_uuid()) ||
        !(row =
              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:n,s:s,s:s}", "id", id, "applicant_org",
                        ctx->who.org_id, "body_org", bo.id, "category", category, "footprint_id", f.id,
                        "status", "applied", "due_at", "label_number", "created_at", at, "updated_at", at))) {
        rc = tj_error_nomem(err);
        goto out;
    }
    if ((rc = svc_begin(ctx, err)))
        goto out;
    rc = store_cert_app_insert(ctx->db, row, err);
    if (!rc)
        rc = add_step(ctx, id, "apply", NULL, "applied", NULL, NULL, f.id, at, err);
    if (!rc)
        rc = app_state_record(ctx, "cert.apply", id,
                              json_pack("{s:s,s:s,s:s,s:s}", "action", "apply", "footprint", f.id, "body",
                                        bo.id, "category", category),
                              err);
    rc = svc_finish(ctx, rc, err);
out:
    if (!rc) {
        *id_out = id;
        id = NULL;
    }
    free(id);
    json_decref(row);
    json_decref(cats);
    json_decref(b);
    json_decref(scope);
    store_org_release(&bo);
    store_org_release(&me);
    store_footprint_release(&f);
    return rc;
}

/* May the principal see this application?  Applicant, body, regulators,
 * the operator. */
static int may_see(const svc_ctx *ctx, const json_t *app)
{
    if (ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR))
        return 1;
    return svc_owns(ctx, inst_str(app, "applicant_org")) || svc_owns(ctx, inst_str(app, "body_org"));
}

static tj_status load_app(svc_ctx *ctx, const char *id, json_t **app, tj_error *err)
{
    tj_status rc = store_cert_app_get(ctx->db, id, app, err);
    if (rc == TJ_OK && !may_see(ctx, *app)) {
        json_decref(*app);
        *app = NULL;
        rc = TJ_ERR_NOTFOUND;
    }
    if (rc == TJ_ERR_NOTFOUND)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no application \"%s\" / 认证申请不存在", id);
    return rc;
}

static const char *const doc_types[] = {"application/pdf",
                                        "image/png",
                                        "image/jpeg",
                                        "text/plain",
                                        "text/csv",
                                        "application/json",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                        NULL};

/* Do the bytes look like the media type? */
static int looks_like(const char *type, const unsigned char *d, size_t n)
{
    if (!strcmp(type, "application/pdf"))
        return n >= 5 && !memcmp(d, "%PDF-", 5);
    if (!strcmp(type, "image/png"))
        return n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8);
    if (!strcmp(type, "image/jpeg"))
        return n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff;
    if (!strncmp(type, "application/vnd.openxml", 23))
        return n >= 4 && !memcmp(d, "PK\x03\x04", 4);
    /* text: UTF-8 without NUL */
    if (memchr(d, 0, n))
        return 0;
    return tj_utf8_valid_prefix((const char *)d, n) == n;
}

tj_status svc_cert_document_add(svc_ctx *ctx, const char *app_id, const char *name, const char *media_type,
                                const void *data, size_t len, char sha_out[65], tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_VERIFIER | SVC_ROLE_OPERATOR,
                               "add certification documents", err);
    if (rc || (rc = inst_check_text(name, 255, "name", 1, err)))
        return rc;
    int known = 0;
    for (const char *const *t = doc_types; *t; t++)
        known |= media_type && !strcmp(*t, media_type);
    if (!known)
        return tj_error_set(
            err, TJ_ERR_INPUT, "media_type",
            "media type %s is not accepted: PDF, PNG, JPEG, text, CSV, JSON or .xlsx / 不接受的文件类型",
            media_type ? media_type : "(none)");
    if (len == 0 || len > SVC_CERT_DOC_MAX)
        return tj_error_set(err, TJ_ERR_INPUT, "size",
                            "a document is 1 byte to %u MiB; this one is %zu bytes / "
                            "文件大小超出限制",
                            SVC_CERT_DOC_MAX >> 20, len);
    if (!looks_like(media_type, data, len))
        return tj_error_set(err, TJ_ERR_INPUT, "media_type",
                            "the content of %s is not %s / 文件内容与类型不符", name, media_type);
    json_t *app = NULL;
    if ((rc = load_app(ctx, app_id, &app, err)))
        return rc;
    const char *st = inst_str(app, "status");
    if (!(ctx->who.roles & SVC_ROLE_OPERATOR) && !svc_owns(ctx, inst_str(app, "applicant_org")) &&
        !svc_owns(ctx, inst_str(app, "body_org")))
        rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                          "only the applicant and the body add documents / 仅申请方和认证机构可提交文件");
    else if (!strcmp(st, "certified") || !strcmp(st, "declined") || !strcmp(st, "refused") ||
             !strcmp(st, "withdrawn"))
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status",
                          "application %s is %s: no more documents / 申请已结束", app_id, st);
    char sha[65], at[INST_TIME_SIZE];
    inst_sha256_hex(data, len, sha);
    inst_now(at);
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = rc ? NULL : malloc(b64len);
    if (!rc && !b64)
        rc = tj_error_nomem(err);
    if (!rc) {
        sodium_bin2base64(b64, b64len, data, len, sodium_base64_VARIANT_ORIGINAL);
        json_t *row =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "application_id", app_id, "sha256", sha, "name", name,
                      "state", st, "added_by", ctx->who.id, "org", ctx->who.org_id, "added_at", at);
        if (!(rc = svc_begin(ctx, err))) {
            rc = store_cert_doc_put(ctx->db, sha, media_type, (int64_t)len, b64, err);
            if (!rc)
                rc = store_cert_evidence_insert(ctx->db, row, err);
            if (rc == TJ_ERR_DB)
                tj_error_set(err, TJ_ERR_CONFLICT, "document",
                             "this document is on the application already / 文件已提交");
            if (!rc)
                rc = app_state_record(ctx, "cert.document", app_id,
                                      json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "action", "document", "sha256",
                                                sha, "name", name, "media_type", media_type, "size",
                                                (json_int_t)len, "state", st),
                                      err);
            if (rc == TJ_ERR_DB)
                rc = TJ_ERR_CONFLICT;
            rc = svc_finish(ctx, rc, err);
        }
        json_decref(row);
    }
    free(b64);
    json_decref(app);
    if (!rc && sha_out)
        memcpy(sha_out, sha, 65);
    return rc;
}

tj_status svc_cert_document_get(svc_ctx *ctx, const char *app_id, const char *sha256, unsigned char **data,
                                size_t *len, char **media_type, tj_error *err)
{
    *data = NULL;
    *media_type = NULL;
    json_t *app = NULL, *ev = NULL, *doc = NULL;
    tj_status rc = load_app(ctx, app_id, &app, err);
    if (!rc)
        rc = store_cert_evidence_list(ctx->db, app_id, &ev, err);
    int found = 0;
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e) found |= !strcmp(inst_str(e, "sha256"), sha256);
    if (!rc && !found)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "sha256", "no document %s on application %s / 文件不存在",
                          sha256, app_id);
    if (!rc)
        rc = store_cert_doc_get(ctx->db, sha256, &doc, err);
    if (!rc) {
        const char *b64 = inst_str(doc, "content");
        size_t cap = strlen(b64) + 1;
        if (!(*data = malloc(cap)) || !(*media_type = strdup(inst_str(doc, "media_type"))))
            rc = tj_error_nomem(err);
        else if (sodium_base642bin(*data, cap, b64, strlen(b64), NULL, len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL))
            rc = tj_error_set(err, TJ_ERR_DB, "content", "document %s is damaged in the database", sha256);
        else {
            char check[65];
            inst_sha256_hex(*data, *len, check);
            if (strcmp(check, sha256))
                rc = tj_error_set(err, TJ_ERR_DB, "content",
                                  "document %s does not match its digest / 文件摘要不符", sha256);
        }
        if (rc) {
            free(*data);
            free(*media_type);
            *data = NULL;
            *media_type = NULL;
        }
    }
    json_decref(app);
    json_decref(ev);
    json_decref(doc);
    return rc;
}

tj_status svc_cert_step(svc_ctx *ctx, const char *app_id, const svc_cert_step_in *in, json_t **out,
                        tj_error *err)
{
    if (out)
        *out = NULL;
    json_t *app = NULL, *ev = NULL;
    tj_status rc = load_app(ctx, app_id, &app, err);
    if (rc)
        return rc;
    /* a copy: the application's status changes below */
    char from[64];
    snprintf(from, sizeof from, "%s", inst_str(app, "status"));
    char due[INST_TIME_SIZE], at[INST_TIME_SIZE];
    char *new_fp = NULL, *number = NULL;
    inst_now(at);
    const svc_transition *t = NULL;
    int has_evidence = 0;
    if ((rc = inst_check_text(in->comment, 4000, "comment", 0, err)))
        goto out;
    if (in->due_at && !inst_time_parse(in->due_at, due)) {
        rc = tj_error_set(err, TJ_ERR_INPUT, "due_at",
                          "a deadline is a date (YYYY-MM-DD) or RFC 3339 UTC time");
        goto out;
    }
    if ((rc = store_cert_evidence_list(ctx->db, app_id, &ev, err)))
        goto out;
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e) has_evidence |= !strcmp(inst_str(e, "state"), from);
    if ((rc = svc_workflow_step(&svc_cert_workflow, ctx, in->action, from, app_id, in->comment, has_evidence,
                                &t, err)))
        goto out;
    /* the owner of the step: the body's own principals, the applicant's own */
    if (!(ctx->who.roles & SVC_ROLE_OPERATOR)) {
        int body_step = (t->roles & SVC_ROLE_VERIFIER) && (ctx->who.roles & SVC_ROLE_VERIFIER) &&
                        !strcmp(ctx->who.org_id, inst_str(app, "body_org"));
        int holder_step = (t->roles & SVC_ROLE_ENTERPRISE) && (ctx->who.roles & SVC_ROLE_ENTERPRISE) &&
                          !strcmp(ctx->who.org_id, inst_str(app, "applicant_org"));
        if (!body_step && !holder_step) {
            rc = tj_error_set(err, TJ_ERR_PERM, NULL,
                              "%s may not %s application %s: that is the %s's step / 无权执行该步骤",
                              ctx->who.name, in->action, app_id,
                              (t->roles & SVC_ROLE_VERIFIER) ? "certification body" : "applicant");
            goto out;
        }
    }
    if (in->recalculation && strcmp(in->action, "verify")) {
        rc = tj_error_set(err, TJ_ERR_USAGE, "recalculation", "a recalculation belongs to the verify step");
        goto out;
    }
    if (!strcmp(in->action, "decide") && !in->key) {
        rc = tj_error_set(err, TJ_ERR_USAGE, "key",
                          "a positive decision signs the label: give the body's key / "
                          "颁发标识需认证机构私钥");
        goto out;
    }
    if ((rc = svc_begin(ctx, err)))
        goto out;
    if (in->recalculation) {
        /* the body's recalculation: a new footprint of the applicant that
         * replaces the application's one, authored by the body's principal */
        svc_ctx as;
        store_footprint old;
        /* checked against the rule the replaced footprint was checked by */
        if (!(rc = store_footprint_get(ctx->db, inst_str(app, "footprint_id"), 0, &old, err))) {
            if (!(rc = svc_ctx_init(&as, ctx->db, ctx->who.id, ctx->who.name, inst_str(app, "applicant_org"),
                                    SVC_ROLE_ENTERPRISE, err))) {
                svc_footprint_save_opts so = {
                    .replaces = inst_str(app, "footprint_id"), .rule = old.rule_id, .rules_dir = in->rules_dir};
                rc = svc_footprint_save(&as, in->recalculation, &so, &new_fp, err);
                svc_ctx_release(&as);
            }
            store_footprint_release(&old);
        }
        store_footprint nf;
        if (!rc && !(rc = store_footprint_get(ctx->db, new_fp, 0, &nf, err))) {
            if (strcmp(nf.check_status, "conforming"))
                rc = tj_error_set(
                    err, TJ_ERR_CONFLICT, "recalculation",
                    "the recalculated footprint is %s against its rule / 复核计算结果不符合核算规则",
                    nf.check_status);
            store_footprint_release(&nf);
        }
        if (!rc)
            json_object_set_new(app, "footprint_id", json_string(new_fp));
    }
    if (!rc && !strcmp(in->action, "decide")) {
        int listed = 0;
        if (!(rc = svc_dishonest_listed(ctx->db, inst_str(app, "applicant_org"), &listed, err)) && listed)
            rc = tj_error_set(
                err, TJ_ERR_CONFLICT, NULL,
                "the applicant is on the dishonest-entity list: no label may be issued / 申请方在失信名单中");
        if (!rc)
            rc = svc_label_issue(ctx, app, in->key, in->public_url, at, &number, err);
        if (!rc)
            json_object_set_new(app, "label_number", json_string(number));
    }
    if (!rc) {
        json_object_set_new(app, "status", json_string(t->to));
        json_object_set_new(app, "due_at", in->due_at ? json_string(due) : json_null());
        json_object_set_new(app, "updated_at", json_string(at));
        rc = store_cert_app_update(ctx->db, app, err);
    }
    if (!rc)
        rc = add_step(ctx, app_id, in->action, from, t->to, in->comment, in->due_at ? due : NULL, new_fp, at,
                      err);
    if (!rc) {
        json_t *change = svc_workflow_change_json(in->action, from, t->to, in->comment);
        if (in->due_at)
            json_object_set_new(change, "due_at", json_string(due));
        if (new_fp)
            json_object_set_new(change, "footprint", json_string(new_fp));
        if (number)
            json_object_set_new(change, "label", json_string(number));
        rc = app_state_record(ctx, t->kind, app_id, change, err);
    }
    rc = svc_finish(ctx, rc, err);
    if (!rc && out)
        rc = svc_cert_application_get(ctx, app_id, out, err);
out:
    free(new_fp);
    free(number);
    json_decref(app);
    json_decref(ev);
    return rc;
}

tj_status svc_cert_application_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err)
{
    json_t *app = NULL, *steps = NULL, *ev = NULL;
    tj_status rc = load_app(ctx, id, &app, err);
    if (!rc)
        rc = store_cert_step_list(ctx->db, id, &steps, err);
    if (!rc)
        rc = store_cert_evidence_list(ctx->db, id, &ev, err);
    if (!rc) {
        json_object_set_new(app, "steps", steps);
        json_object_set_new(app, "evidence", ev);
        steps = ev = NULL;
        /* what may come next */
        json_t *next = json_array();
        const char *st = inst_str(app, "status");
        for (size_t i = 0; i < svc_cert_workflow.ntransitions; i++)
            if (!strcmp(cert_transitions[i].from, st) && strcmp(cert_transitions[i].action, "comment"))
                json_array_append_new(
                    next, json_pack("{s:s,s:s,s:b}", "action", cert_transitions[i].action, "by",
                                    cert_transitions[i].roles & SVC_ROLE_VERIFIER ? "body" : "applicant",
                                    "needs_evidence", cert_transitions[i].needs_evidence));
        json_object_set_new(app, "next", next);
        *out = app;
        app = NULL;
    }
    json_decref(app);
    json_decref(steps);
    json_decref(ev);
    return rc;
}

tj_status svc_cert_application_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err)
{
    svc_page(&limit, &offset);
    const char *org = ctx->who.roles & (SVC_ROLE_OPERATOR | SVC_ROLE_REGULATOR) ? NULL : ctx->who.org_id;
    return store_cert_app_list(ctx->db, org, limit, offset, out, err);
}

/* ---- ledger state sources ---------------------------------------------------------- */

typedef tj_status (*emit_fn)(void *, const char *, const json_t *, tj_error *);

tj_status svc_cert_each_body_state(store_db *db, emit_fn emit, void *arg, tj_error *err)
{
    json_t *bodies = NULL;
    tj_status rc = store_cert_body_list(db, &bodies, err);
    size_t i;
    json_t *b;
    json_array_foreach(bodies, i, b)
    {
        if (rc)
            break;
        json_t *s = body_state(db, inst_str(b, "org_id"), err, &rc);
        if (!rc)
            rc = emit(arg, inst_str(b, "org_id"), s, err);
        json_decref(s);
    }
    json_decref(bodies);
    return rc;
}

tj_status svc_cert_each_key_state(store_db *db, emit_fn emit, void *arg, tj_error *err)
{
    json_t *keys = NULL;
    tj_status rc = store_cert_key_list(db, NULL, &keys, err);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) if (!rc) rc = emit(arg, inst_str(k, "key_id"), k, err);
    json_decref(keys);
    return rc;
}

tj_status svc_cert_each_catalogue_state(store_db *db, emit_fn emit, void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_cert_catalogue_list(db, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) if (!rc) rc = emit(arg, inst_str(r, "category"), r, err);
    json_decref(rows);
    return rc;
}

tj_status svc_cert_each_dishonest_state(store_db *db, emit_fn emit, void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_dishonest_list(db, NULL, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_object_del(r, "org_name");
        if (!rc)
            rc = emit(arg, inst_str(r, "id"), r, err);
    }
    json_decref(rows);
    return rc;
}

tj_status svc_cert_each_application_state(store_db *db, emit_fn emit, void *arg, tj_error *err)
{
    char *after = strdup("");
    tj_status rc = after ? TJ_OK : tj_error_nomem(err);
    while (!rc) {
        json_t *rows = NULL;
        if ((rc = store_cert_app_each(db, after, 500, &rows, err)))
            break;
        size_t i, n = json_array_size(rows);
        json_t *r;
        json_array_foreach(rows, i, r) if (!rc) rc = emit(arg, inst_str(r, "id"), r, err);
        if (n) {
            free(after);
            after = strdup(inst_str(json_array_get(rows, n - 1), "id"));
            if (!after)
                rc = tj_error_nomem(err);
        }
        json_decref(rows);
        if (n < 500)
            break;
    }
    free(after);
    return rc;
}

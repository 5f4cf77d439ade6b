/* svc_pact ledger states; see pact_ledger.h. */
#include "services/pact_ledger.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/inst_util.h"
#include "store/pact_ledger_sql.h"

#define PAGE 500

/* a JSON text column as JSON (null when it does not parse) */
static json_t *parsed(const json_t *row, const char *k)
{
    const char *s = inst_str(row, k);
    json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

json_t *svc_pact_fp_state(const json_t *r)
{
    return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:o}", "footprint_id", json_object_get(r, "footprint_id"),
                     "owner_org", json_object_get(r, "owner_org"), "status", json_object_get(r, "status"), "created",
                     json_object_get(r, "created"), "valid_from", json_object_get(r, "valid_from"), "valid_to",
                     json_object_get(r, "valid_to"), "geography", json_object_get(r, "geography"), "doc",
                     parsed(r, "doc"));
}

json_t *svc_pact_attr_state(const json_t *r)
{
    return json_pack("{s:O,s:o}", "owner_org", json_object_get(r, "owner_org"), "attrs", parsed(r, "attrs"));
}

json_t *svc_pact_partner_state(const json_t *r)
{
    const char *s = inst_str(r, "client_secret");
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(h, (const unsigned char *)(s ? s : ""), s ? strlen(s) : 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return json_pack("{s:O,s:O,s:s}", "events_url", json_object_get(r, "events_url"), "client_id",
                     json_object_get(r, "client_id"), "secret_sha256", hex);
}

json_t *svc_pact_supplier_state(const json_t *r)
{
    json_t *s = json_pack("{s:O,s:O,s:O,s:O,s:O,s:o,s:O,s:O,s:O?,s:o,s:O,s:O?,s:O?,s:o,s:o}", "pf_id",
                          json_object_get(r, "pf_id"), "owner_org", json_object_get(r, "owner_org"), "source",
                          json_object_get(r, "source"), "company_name", json_object_get(r, "company_name"),
                          "product_name", json_object_get(r, "product_name"), "product_ids", parsed(r, "product_ids"),
                          "unit", json_object_get(r, "unit"), "value", json_object_get(r, "value"), "primary_share",
                          json_object_get(r, "primary_share"), "dqi", parsed(r, "dqi"), "status",
                          json_object_get(r, "status"), "valid_from", json_object_get(r, "valid_from"), "valid_to",
                          json_object_get(r, "valid_to"), "preceding", parsed(r, "preceding"), "doc", parsed(r, "doc"));
    return s;
}

json_t *svc_pact_event_state(const json_t *r)
{
    return json_pack("{s:O,s:O,s:O}", "org_id", json_object_get(r, "org_id"), "request_id",
                     json_object_get(r, "request_id"), "answer_id", json_object_get(r, "id"));
}

json_t *svc_pact_answer_state(const json_t *r)
{
    return json_pack("{s:O,s:O,s:O,s:O}", "request_id", json_object_get(r, "request_id"), "org_id",
                     json_object_get(r, "org_id"), "url", json_object_get(r, "url"), "status",
                     json_object_get(r, "status"));
}

typedef tj_status (*page_fn)(store_db *db, const char *after, int limit, json_t **out, tj_error *err);

/* Every row by pages of `page`, keyed by key; id_of builds the object id. */
static tj_status each(store_db *db, page_fn page, const char *key, json_t *(*state)(const json_t *),
                      void (*id_of)(const json_t *row, char *buf, size_t n), ledger_state_emit_fn emit, void *arg,
                      tj_error *err)
{
    char *after = strdup("");
    tj_status rc = after ? TJ_OK : tj_error_nomem(err);
    while (!rc) {
        json_t *rows = NULL;
        if ((rc = page(db, after, PAGE, &rows, err)))
            break;
        size_t i, n = json_array_size(rows);
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            if (rc)
                break;
            json_t *s = state(r);
            char id[1200];
            const char *oid = inst_str(r, key);
            if (id_of) {
                id_of(r, id, sizeof id);
                oid = id;
            }
            rc = s ? emit(arg, oid, s, err) : tj_error_nomem(err);
            json_decref(s);
        }
        if (!rc && n) {
            free(after);
            after = strdup(inst_str(json_array_get(rows, n - 1), key));
            if (!after)
                rc = tj_error_nomem(err);
        }
        json_decref(rows);
        if (n < PAGE)
            break;
    }
    free(after);
    return rc;
}

tj_status svc_pact_fp_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    return each(db, store_pact_fp_page, "id", svc_pact_fp_state, NULL, emit, arg, err);
}

tj_status svc_pact_attr_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    return each(db, store_pact_attr_page, "footprint_id", svc_pact_attr_state, NULL, emit, arg, err);
}

tj_status svc_pact_partner_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    return each(db, store_pact_partner_page, "org_id", svc_pact_partner_state, NULL, emit, arg, err);
}

tj_status svc_pact_answer_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    return each(db, store_pact_outbox_page, "id", svc_pact_answer_state, NULL, emit, arg, err);
}

/* the ids record_event in pact.c gives: ORG ":" first 500 bytes of the event id */
static void event_id(const json_t *r, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%.500s", inst_str(r, "org_id"), inst_str(r, "request_id"));
}

tj_status svc_pact_event_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    return each(db, store_pact_outbox_page, "id", svc_pact_event_state, event_id, emit, arg, err);
}

tj_status svc_pact_supplier_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    char *owner = strdup(""), *pf = strdup("");
    tj_status rc = owner && pf ? TJ_OK : tj_error_nomem(err);
    while (!rc) {
        json_t *rows = NULL;
        if ((rc = store_pact_supplier_page(db, owner, pf, PAGE, &rows, err)))
            break;
        size_t i, n = json_array_size(rows);
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            if (rc)
                break;
            json_t *s = svc_pact_supplier_state(r);
            char id[1200];
            snprintf(id, sizeof id, "%s:%s", inst_str(r, "owner_org"), inst_str(r, "pf_id"));
            rc = s ? emit(arg, id, s, err) : tj_error_nomem(err);
            json_decref(s);
        }
        if (!rc && n) {
            const json_t *last = json_array_get(rows, n - 1);
            free(owner);
            free(pf);
            owner = strdup(inst_str(last, "owner_org"));
            pf = strdup(inst_str(last, "pf_id"));
            if (!owner || !pf)
                rc = tj_error_nomem(err);
        }
        json_decref(rows);
        if (n < PAGE)
            break;
    }
    free(owner);
    free(pf);
    return rc;
}

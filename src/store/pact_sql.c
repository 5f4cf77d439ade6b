/* store pact: the SQL of the PACT exchange; see pact_sql.h. */
#include "store/pact_sql.h"
#include "store/json_rows.h"

#include <stdlib.h>
#include <string.h>

#include "tanji/buf.h"

static tj_status nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

/* ---- projection ---- */
tj_status store_pact_sync_state(store_db *db, int64_t *done, int64_t *newest, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db, "SELECT s.ledger_idx, (SELECT MAX(idx) FROM ledger_entry) FROM pact_sync s WHERE s.id = 1", &st,
        err);
    if (rc)
        return rc;
    int r = store_step(st, err);
    if (r == 1) {
        *done = store_col_int64(st, 0);
        *newest = store_col_is_null(st, 1) ? -1 : store_col_int64(st, 1);
    }
    store_finalize(st);
    if (r == 0)
        return tj_error_set(err, TJ_ERR_DB, NULL, "pact_sync has no row: run tanji migrate");
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_pact_sync_claim(store_db *db, int64_t from, int64_t to, int *claimed, tj_error *err)
{
    int64_t n = 0;
    tj_status rc = store_json_exec(db, "UPDATE pact_sync SET ledger_idx = ? WHERE id = 1 AND ledger_idx = ?",
                                   json_pack("[II]", (json_int_t)to, (json_int_t)from), 1, &n, err);
    *claimed = rc == TJ_OK && n == 1;
    return rc;
}

tj_status store_pact_disclosure_entries(store_db *db, int64_t from, int64_t to, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           "SELECT idx, kind, object_id FROM ledger_entry WHERE idx > ? AND idx <= ? AND "
                           "object_type = 'disclosure' ORDER BY idx",
                           "iidx tkind tobject_id", json_pack("[II]", (json_int_t)from, (json_int_t)to), 1,
                           out, err);
}

tj_status store_pact_live_disclosures(store_db *db, const char *footprint_id, json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT id, scope, partners, owner_org FROM disclosure WHERE footprint_id = ? AND status = "
        "'published' AND scope <> 'private' ORDER BY published_at, id",
        "tid tscope tpartners towner_org", json_pack("[s]", footprint_id), 1, out, err);
}

/* ---- PACT footprints ---- */
#define FP_SPEC "tid tfootprint_id towner_org tstatus tcreated tvalid_from tvalid_to tgeography tdoc"
#define FP_SEL                                                                                               \
    "SELECT id, footprint_id, owner_org, status, created, valid_from, valid_to, geography, doc FROM "        \
    "pact_footprint"

tj_status store_pact_fp_by_footprint(store_db *db, const char *footprint_id, json_t **out, tj_error *err)
{
    return store_json_one(db, FP_SEL " WHERE footprint_id = ?", FP_SPEC, json_pack("[s]", footprint_id),
                          "PACT footprint of footprint", footprint_id, out, err);
}

tj_status store_pact_fp_insert(store_db *db, const json_t *r, tj_error *err)
{
    const char *k[] = {"id",         "footprint_id", "owner_org", "status", "created",
                       "valid_from", "valid_to",     "geography", "doc"};
    json_t *b = json_array();
    for (size_t i = 0; b && i < sizeof k / sizeof k[0]; i++)
        json_array_append(b, json_object_get(r, k[i]));
    return store_json_exec(
        db,
        "INSERT INTO pact_footprint (id, footprint_id, owner_org, status, created, valid_from, valid_to, "
        "geography, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        b, 1, NULL, err);
}

tj_status store_pact_fp_set_status(store_db *db, const char *id, const char *status, tj_error *err)
{
    return store_json_exec(db, "UPDATE pact_footprint SET status = ? WHERE id = ?",
                           json_pack("[ss]", status, id), 1, NULL, err);
}

tj_status store_pact_key_insert(store_db *db, const char *pf_id, const char *kind, const char *value,
                                tj_error *err)
{
    return store_json_exec(
        db, "INSERT INTO pact_key (pf_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        json_pack("[sss]", pf_id, kind, value), 1, NULL, err);
}

tj_status store_pact_access_grant(store_db *db, const char *pf_id, const char *reader,
                                  const char *disclosure_id, tj_error *err)
{
    return store_json_exec(
        db, "INSERT INTO pact_access (pf_id, reader, disclosure_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        json_pack("[sss]", pf_id, reader, disclosure_id), 1, NULL, err);
}

tj_status store_pact_access_revoke(store_db *db, const char *disclosure_id, tj_error *err)
{
    return store_json_exec(db, "DELETE FROM pact_access WHERE disclosure_id = ?",
                           json_pack("[s]", disclosure_id), 1, NULL, err);
}

/* " AND <col> IN (?, ?, ...)" or the pact_key form, binding the values. */
static tj_status add_in(tj_buf *sql, json_t *binds, const char *kind, const char *col, const json_t *values)
{
    size_t n = json_array_size(values);
    if (!n)
        return TJ_OK;
    tj_status rc = kind ? tj_buf_appendf(sql,
                                         " AND p.id IN (SELECT k.pf_id FROM pact_key k WHERE k.kind = '%s' "
                                         "AND k.value IN (",
                                         kind)
                        : tj_buf_appendf(sql, " AND %s IN (", col);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = tj_buf_appends(sql, i ? ", ?" : "?");
        if (!rc && json_array_append(binds, json_array_get(values, i)))
            rc = TJ_ERR_NOMEM;
    }
    return rc ? rc : tj_buf_appends(sql, kind ? "))" : ")");
}

tj_status store_pact_fp_list(store_db *db, const char *reader, const store_pact_filter *f, json_t **out,
                             tj_error *err)
{
    *out = NULL;
    tj_buf sql;
    tj_buf_init(&sql, 1u << 20);
    json_t *b = json_pack("[s]", reader);
    tj_status rc =
        b ? tj_buf_appends(&sql, "SELECT p.id, p.status, p.doc FROM pact_footprint p WHERE EXISTS "
                                 "(SELECT 1 FROM pact_access a WHERE a.pf_id = p.id AND a.reader IN "
                                 "(?, '*'))")
          : TJ_ERR_NOMEM;
    if (!rc)
        rc = add_in(&sql, b, "p", NULL, f->product);
    if (!rc)
        rc = add_in(&sql, b, "c", NULL, f->company);
    if (!rc)
        rc = add_in(&sql, b, "k", NULL, f->classification);
    if (!rc)
        rc = add_in(&sql, b, NULL, "p.geography", f->geography);
    struct {
        const char *v, *cond;
    } c[] = {{f->status, " AND p.status = ?"},         {f->valid_on, " AND p.valid_from <= ?"},
             {f->valid_on, " AND p.valid_to >= ?"},    {f->valid_after, " AND p.valid_from > ?"},
             {f->valid_before, " AND p.valid_to < ?"}, {f->after, " AND p.id > ?"},
             {f->owner, " AND p.owner_org = ?"}};
    for (size_t i = 0; !rc && i < sizeof c / sizeof c[0]; i++)
        if (c[i].v && !(rc = tj_buf_appends(&sql, c[i].cond)) &&
            json_array_append_new(b, json_string(c[i].v)))
            rc = TJ_ERR_NOMEM;
    if (!rc)
        rc = tj_buf_appends(&sql, " ORDER BY p.id LIMIT ?");
    if (!rc && json_array_append_new(b, json_integer(f->limit)))
        rc = TJ_ERR_NOMEM;
    if (rc) {
        json_decref(b);
        tj_buf_release(&sql);
        return rc == TJ_ERR_NOMEM ? nomem(err) : tj_error_set(err, TJ_ERR_INPUT, NULL, "filter too long");
    }
    rc = store_json_rows(db, tj_buf_str(&sql), "tid tstatus tdoc", b, 0, out, err);
    tj_buf_release(&sql);
    return rc;
}

tj_status store_pact_fp_get(store_db *db, const char *reader, const char *owner, const char *id, json_t **out,
                            tj_error *err)
{
    if (owner)
        return store_json_one(
            db,
            "SELECT p.id, p.status, p.doc FROM pact_footprint p WHERE p.id = ? AND p.owner_org = ? AND EXISTS "
            "(SELECT 1 FROM pact_access a WHERE a.pf_id = p.id AND a.reader IN (?, '*'))",
            "tid tstatus tdoc", json_pack("[sss]", id, owner, reader), "PACT footprint", id, out, err);
    return store_json_one(
        db,
        "SELECT p.id, p.status, p.doc FROM pact_footprint p WHERE p.id = ? AND EXISTS (SELECT 1 FROM "
        "pact_access a WHERE a.pf_id = p.id AND a.reader IN (?, '*'))",
        "tid tstatus tdoc", json_pack("[ss]", id, reader), "PACT footprint", id, out, err);
}

/* ---- attributes ---- */
tj_status store_pact_attr_get(store_db *db, const char *footprint_id, json_t **out, tj_error *err)
{
    return store_json_one(
        db, "SELECT footprint_id, owner_org, attrs, set_at FROM pact_attr WHERE footprint_id = ?",
        "tfootprint_id towner_org tattrs tset_at", json_pack("[s]", footprint_id), "PACT attributes of",
        footprint_id, out, err);
}

tj_status store_pact_attr_put(store_db *db, const char *footprint_id, const char *owner_org,
                              const char *attrs, const char *at, tj_error *err)
{
    return store_json_exec(
        db,
        "INSERT INTO pact_attr (footprint_id, owner_org, attrs, set_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (footprint_id) DO UPDATE SET attrs = excluded.attrs, set_at = excluded.set_at",
        json_pack("[ssss]", footprint_id, owner_org, attrs, at), 1, NULL, err);
}

/* ---- partners, outbox ---- */
tj_status store_pact_partner_get(store_db *db, const char *org_id, json_t **out, tj_error *err)
{
    return store_json_one(
        db, "SELECT org_id, events_url, client_id, client_secret, set_at FROM pact_partner WHERE org_id = ?",
        "torg_id tevents_url tclient_id tclient_secret tset_at", json_pack("[s]", org_id), "PACT partner",
        org_id, out, err);
}

tj_status store_pact_partner_put(store_db *db, const char *org_id, const char *events_url,
                                 const char *client_id, const char *client_secret, const char *at,
                                 tj_error *err)
{
    return store_json_exec(
        db,
        "INSERT INTO pact_partner (org_id, events_url, client_id, client_secret, set_at) VALUES "
        "(?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET events_url = excluded.events_url, "
        "client_id = excluded.client_id, client_secret = excluded.client_secret, set_at = excluded.set_at",
        json_pack("[sssss]", org_id, events_url, client_id, client_secret, at), 1, NULL, err);
}

#define OB_SPEC                                                                                              \
    "tid trequest_id torg_id turl ttoken_url tbody tstatus iattempts ifirst_at inext_at tlast_error"
#define OB_SEL                                                                                               \
    "SELECT id, request_id, org_id, url, token_url, body, status, attempts, first_at, next_at, last_error "  \
    "FROM pact_outbox"

tj_status store_pact_outbox_insert(store_db *db, const json_t *r, int *inserted, tj_error *err)
{
    const char *k[] = {"id",   "request_id", "org_id",   "url",      "token_url",
                       "body", "status",     "attempts", "first_at", "next_at"};
    json_t *b = json_array();
    for (size_t i = 0; b && i < sizeof k / sizeof k[0]; i++)
        json_array_append(b, json_object_get(r, k[i]));
    int64_t n = 0;
    tj_status rc = store_json_exec(
        db,
        "INSERT INTO pact_outbox (id, request_id, org_id, url, token_url, body, status, attempts, "
        "first_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        b, 1, &n, err);
    *inserted = rc == TJ_OK && n == 1;
    return rc;
}

tj_status store_pact_outbox_due(store_db *db, int64_t now, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           OB_SEL " WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
                           OB_SPEC, json_pack("[Ii]", (json_int_t)now, limit), 1, out, err);
}

tj_status store_pact_outbox_lease(store_db *db, const char *id, int64_t seen, int64_t until, int *won,
                                  tj_error *err)
{
    int64_t n = 0;
    tj_status rc = store_json_exec(
        db, "UPDATE pact_outbox SET next_at = ? WHERE id = ? AND next_at = ? AND status = 'pending'",
        json_pack("[IsI]", (json_int_t)until, id, (json_int_t)seen), 1, &n, err);
    *won = rc == TJ_OK && n == 1;
    return rc;
}

tj_status store_pact_outbox_update(store_db *db, const char *id, const char *status, int64_t attempts,
                                   int64_t next_at, const char *last_error, tj_error *err)
{
    return store_json_exec(
        db, "UPDATE pact_outbox SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
        json_pack("[sIIs?s]", status, (json_int_t)attempts, (json_int_t)next_at, last_error, id), 1, NULL,
        err);
}

tj_status store_pact_outbox_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return store_json_one(db, OB_SEL " WHERE id = ?", OB_SPEC, json_pack("[s]", id), "outbox event", id, out,
                          err);
}

/* ---- suppliers ---- */
#define SUP_SPEC                                                                                             \
    "tpf_id towner_org tsource tcompany_name tproduct_name tproduct_ids tunit dvalue dprimary_share tdqi "   \
    "tstatus "                                                                                               \
    "tvalid_from tvalid_to tpreceding tpulled_at tdoc"
#define SUP_SEL                                                                                              \
    "SELECT pf_id, owner_org, source, company_name, product_name, product_ids, unit, value, primary_share, " \
    "dqi, "                                                                                                  \
    "status, valid_from, valid_to, preceding, pulled_at, doc FROM pact_supplier"

tj_status store_pact_supplier_put(store_db *db, const json_t *r, tj_error *err)
{
    const char *k[] = {"pf_id",         "owner_org",   "source",    "company_name",
                       "product_name",  "product_ids", "unit",      "value",
                       "primary_share", "dqi",         "status",    "valid_from",
                       "valid_to",      "preceding",   "pulled_at", "doc"};
    json_t *b = json_array();
    for (size_t i = 0; b && i < sizeof k / sizeof k[0]; i++)
        json_array_append(b, json_object_get(r, k[i]));
    return store_json_exec(
        db,
        "INSERT INTO pact_supplier (pf_id, owner_org, source, company_name, product_name, product_ids, "
        "unit, value, primary_share, dqi, status, valid_from, valid_to, preceding, pulled_at, doc) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_org, pf_id) DO UPDATE SET "
        "status = excluded.status, pulled_at = excluded.pulled_at, doc = excluded.doc",
        b, 1, NULL, err);
}

tj_status store_pact_supplier_get(store_db *db, const char *owner_org, const char *pf_id, json_t **out,
                                  tj_error *err)
{
    return store_json_one(db, SUP_SEL " WHERE owner_org = ? AND pf_id = ?", SUP_SPEC,
                          json_pack("[ss]", owner_org, pf_id), "supplier footprint", pf_id, out, err);
}

tj_status store_pact_supplier_list(store_db *db, const char *owner_org, json_t **out, tj_error *err)
{
    return store_json_rows(db, SUP_SEL " WHERE owner_org = ? ORDER BY pulled_at DESC, pf_id", SUP_SPEC,
                           json_pack("[s]", owner_org), 1, out, err);
}

tj_status store_pact_supplier_set_status(store_db *db, const char *owner_org, const char *pf_id,
                                         const char *status, tj_error *err)
{
    return store_json_exec(db, "UPDATE pact_supplier SET status = ? WHERE owner_org = ? AND pf_id = ?",
                           json_pack("[sss]", status, owner_org, pf_id), 1, NULL, err);
}

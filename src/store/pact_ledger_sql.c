/* store pact_ledger: PACT rows by pages; see pact_ledger_sql.h. */
#include "store/pact_ledger_sql.h"

#include "store/json_rows.h"

tj_status store_pact_fp_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           "SELECT id, footprint_id, owner_org, status, created, valid_from, valid_to, geography, doc "
                           "FROM pact_footprint WHERE id > ? ORDER BY id LIMIT ?",
                           "tid tfootprint_id towner_org tstatus tcreated tvalid_from tvalid_to tgeography tdoc",
                           json_pack("[si]", after, limit), 1, out, err);
}

tj_status store_pact_fp_row(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return store_json_one(db,
                          "SELECT id, footprint_id, owner_org, status, created, valid_from, valid_to, geography, doc "
                          "FROM pact_footprint WHERE id = ?",
                          "tid tfootprint_id towner_org tstatus tcreated tvalid_from tvalid_to tgeography tdoc",
                          json_pack("[s]", id), "PACT footprint", id, out, err);
}

tj_status store_pact_attr_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           "SELECT footprint_id, owner_org, attrs, set_at FROM pact_attr WHERE footprint_id > ? "
                           "ORDER BY footprint_id LIMIT ?",
                           "tfootprint_id towner_org tattrs tset_at", json_pack("[si]", after, limit), 1, out, err);
}

tj_status store_pact_partner_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           "SELECT org_id, events_url, client_id, client_secret, set_at FROM pact_partner WHERE "
                           "org_id > ? ORDER BY org_id LIMIT ?",
                           "torg_id tevents_url tclient_id tclient_secret tset_at", json_pack("[si]", after, limit),
                           1, out, err);
}

tj_status store_pact_supplier_page(store_db *db, const char *after_owner, const char *after_pf, int limit,
                                   json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT pf_id, owner_org, source, company_name, product_name, product_ids, unit, value, primary_share, dqi, "
        "status, valid_from, valid_to, preceding, pulled_at, doc FROM pact_supplier WHERE owner_org > ? OR "
        "(owner_org = ? AND pf_id > ?) ORDER BY owner_org, pf_id LIMIT ?",
        "tpf_id towner_org tsource tcompany_name tproduct_name tproduct_ids tunit dvalue dprimary_share tdqi tstatus "
        "tvalid_from tvalid_to tpreceding tpulled_at tdoc",
        json_pack("[sssi]", after_owner, after_owner, after_pf, limit), 1, out, err);
}

tj_status store_pact_outbox_page(store_db *db, const char *after, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           "SELECT id, request_id, org_id, url, status FROM pact_outbox WHERE id > ? ORDER BY id "
                           "LIMIT ?",
                           "tid trequest_id torg_id turl tstatus", json_pack("[si]", after, limit), 1, out, err);
}

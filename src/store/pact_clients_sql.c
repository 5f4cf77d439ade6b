/* store pact_clients: see pact_clients_sql.h. */
#include "store/pact_clients_sql.h"

#include "store/json_rows.h"

#define COLS \
    "c.client_id, c.name, c.sponsor_org, c.partner_org, o.name, c.created_by, c.created_at, c.revoked_at " \
    "FROM pact_client c JOIN organisation o ON o.id = c.partner_org"
#define SPEC "tclient_id tname tsponsor_org tpartner_org tpartner_name tcreated_by tcreated_at trevoked_at"

tj_status store_pact_client_insert(store_db *db, const char *client_id, const char *name, const char *sponsor_org,
                                   const char *partner_org, const char *created_by, const char *created_at,
                                   tj_error *err)
{
    return store_json_exec(db,
                           "INSERT INTO pact_client (client_id, name, sponsor_org, partner_org, created_by, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           json_pack("[ssssss]", client_id, name, sponsor_org, partner_org, created_by, created_at),
                           1, NULL, err);
}

tj_status store_pact_client_get(store_db *db, const char *client_id, json_t **out, tj_error *err)
{
    return store_json_one(db, "SELECT " COLS " WHERE c.client_id = ?", SPEC, json_pack("[s]", client_id),
                          "PACT API client", client_id, out, err);
}

tj_status store_pact_client_list(store_db *db, const char *sponsor_org, json_t **out, tj_error *err)
{
    if (!sponsor_org)
        return store_json_rows(db, "SELECT " COLS " ORDER BY c.created_at DESC, c.client_id", SPEC, json_array(), 1,
                               out, err);
    return store_json_rows(db, "SELECT " COLS " WHERE c.sponsor_org = ? ORDER BY c.created_at DESC, c.client_id",
                           SPEC, json_pack("[s]", sponsor_org), 1, out, err);
}

tj_status store_pact_client_revoke(store_db *db, const char *client_id, const char *at, tj_error *err)
{
    return store_json_exec(db, "UPDATE pact_client SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL",
                           json_pack("[ss]", at, client_id), 1, NULL, err);
}

tj_status store_pact_client_all(store_db *db, json_t **out, tj_error *err)
{
    return store_json_rows(db, "SELECT " COLS " ORDER BY c.client_id", SPEC, json_array(), 1, out, err);
}

tj_status store_pact_client_partner_lists(store_db *db, const char *owner_org, json_t **out, tj_error *err)
{
    return store_json_rows(db, "SELECT partners FROM disclosure WHERE owner_org = ? AND scope = 'partners'",
                           "tpartners", json_pack("[s]", owner_org), 1, out, err);
}

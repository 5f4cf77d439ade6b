/* store pact_sub: the SQL of scheduled PACT pulls; see pact_sub_sql.h. */
#include "store/pact_sub_sql.h"

#include "store/json_rows.h"

#define SUB_SPEC                                                                                              \
    "tid towner_org turl tclient_id tsecret_box iinterval_s tcreated_by tcreated_at inext_run tlast_run "     \
    "tlast_status tlast_error tlast_report ifailures iruns"
#define SUB_SEL                                                                                               \
    "SELECT id, owner_org, url, client_id, secret_box, interval_s, created_by, created_at, next_run, "        \
    "last_run, last_status, last_error, last_report, failures, runs FROM pact_subscription"

tj_status store_pact_sub_insert(store_db *db, const json_t *r, tj_error *err)
{
    const char *k[] = {"id",         "owner_org",  "url",        "client_id", "secret_box",
                       "interval_s", "created_by", "created_at", "next_run"};
    json_t *b = json_array();
    for (size_t i = 0; b && i < sizeof k / sizeof k[0]; i++)
        json_array_append(b, json_object_get(r, k[i]));
    return store_json_exec(db,
                           "INSERT INTO pact_subscription (id, owner_org, url, client_id, secret_box, interval_s, "
                           "created_by, created_at, next_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           b, 1, NULL, err);
}

tj_status store_pact_sub_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return store_json_one(db, SUB_SEL " WHERE id = ?", SUB_SPEC, json_pack("[s]", id), "PACT subscription", id,
                          out, err);
}

tj_status store_pact_sub_list(store_db *db, const char *owner, json_t **out, tj_error *err)
{
    if (!owner)
        return store_json_rows(db, SUB_SEL " ORDER BY created_at, id", SUB_SPEC, json_array(), 1, out, err);
    return store_json_rows(db, SUB_SEL " WHERE owner_org = ? ORDER BY created_at, id", SUB_SPEC,
                           json_pack("[s]", owner), 1, out, err);
}

tj_status store_pact_sub_delete(store_db *db, const char *id, int64_t *deleted, tj_error *err)
{
    return store_json_exec(db, "DELETE FROM pact_subscription WHERE id = ?", json_pack("[s]", id), 1, deleted,
                           err);
}

tj_status store_pact_sub_due(store_db *db, int64_t now, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db, SUB_SEL " WHERE next_run <= ? ORDER BY next_run, id LIMIT ?", SUB_SPEC,
                           json_pack("[Ii]", (json_int_t)now, limit), 1, out, err);
}

tj_status store_pact_sub_lease(store_db *db, const char *id, int64_t seen, int64_t until, int *won, tj_error *err)
{
    int64_t n = 0;
    tj_status rc = store_json_exec(db, "UPDATE pact_subscription SET next_run = ? WHERE id = ? AND next_run = ?",
                                   json_pack("[IsI]", (json_int_t)until, id, (json_int_t)seen), 1, &n, err);
    *won = rc == TJ_OK && n == 1;
    return rc;
}

tj_status store_pact_sub_result(store_db *db, const char *id, const char *at, const char *status,
                                const char *error, const char *report, int64_t failures, int64_t next_run,
                                tj_error *err)
{
    return store_json_exec(db,
                           "UPDATE pact_subscription SET last_run = ?, last_status = ?, last_error = ?, "
                           "last_report = ?, failures = ?, next_run = ?, runs = runs + 1 WHERE id = ?",
                           json_pack("[sss?s?IIs]", at, status, error, report, (json_int_t)failures,
                                     (json_int_t)next_run, id),
                           1, NULL, err);
}

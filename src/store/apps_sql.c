/* store applications: procurement, finance, 碳普惠, parks; see apps_sql.h. */
#include "store/json_rows.h"
#include "store/apps_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tj_status nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

tj_status apps_rows(store_db *db, const char *sql, const char *spec, json_t *binds, json_t **out,
                    tj_error *err)
{
    return store_json_rows(db, sql, spec, binds, 1, out, err);
}

tj_status apps_one(store_db *db, const char *sql, const char *spec, json_t *binds, const char *what,
                   const char *key, json_t **out, tj_error *err)
{
    return store_json_one(db, sql, spec, binds, what, key, out, err);
}

tj_status apps_exec(store_db *db, const char *sql, json_t *binds, int64_t *changes, tj_error *err)
{
    return store_json_exec(db, sql, binds, 1, changes, err);
}

static int64_t first_int(const json_t *rows, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(json_array_get(rows, 0), key));
}

/* ---- roles ---- */

tj_status store_app_role_grant(store_db *db, const char *org_id, const char *role, const char *at,
                               const char *by, tj_error *err)
{
    return apps_exec(db,
                     "INSERT INTO app_org_role (org_id, role, granted_at, granted_by) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (org_id, role) DO NOTHING",
                     json_pack("[s,s,s,s]", org_id, role, at, by), NULL, err);
}

tj_status store_app_role_has(store_db *db, const char *org_id, const char *role, int *out, tj_error *err)
{
    json_t *a = NULL;
    tj_status rc = apps_rows(db, "SELECT COUNT(*) FROM app_org_role WHERE org_id = ? AND role = ?", "in",
                             json_pack("[s,s]", org_id, role), &a, err);
    *out = !rc && first_int(a, "n") > 0;
    json_decref(a);
    return rc;
}

tj_status store_app_role_list(store_db *db, json_t **out, tj_error *err)
{
    return apps_rows(db,
                     "SELECT r.org_id, o.name, r.role, r.granted_at FROM app_org_role r "
                     "JOIN organisation o ON o.id = r.org_id ORDER BY o.name, r.role",
                     "torg_id tname trole tgranted_at", json_array(), out, err);
}

/* ---- procurement ---- */

#define REQ_COLS                                                                                             \
    "id, buyer_org, title, category, declared_unit, max_value, max_grade, label_required, rule_id, "         \
    "primary_weight, deadline, status, awarded_offer, decision_reason, created_at, created_by"
#define REQ_SPEC                                                                                             \
    "tid tbuyer_org ttitle tcategory tdeclared_unit dmax_value imax_grade ilabel_required trule_id "         \
    "dprimary_weight tdeadline tstatus tawarded_offer tdecision_reason tcreated_at tcreated_by"

tj_status store_proc_req_insert(store_db *db, const json_t *r, tj_error *err)
{
    return apps_exec(db,
                     "INSERT INTO proc_requirement (" REQ_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                     "?, ?, ?, ?, ?)",
                     json_pack("[O?,O?,O?,O?,O?,O?,O?,O?,O?,O?,O?,s,n,n,O?,O?]", json_object_get(r, "id"),
                               json_object_get(r, "buyer_org"), json_object_get(r, "title"),
                               json_object_get(r, "category"), json_object_get(r, "declared_unit"),
                               json_object_get(r, "max_value"), json_object_get(r, "max_grade"),
                               json_object_get(r, "label_required"), json_object_get(r, "rule_id"),
                               json_object_get(r, "primary_weight"), json_object_get(r, "deadline"), "open",
                               json_object_get(r, "created_at"), json_object_get(r, "created_by")),
                     NULL, err);
}

tj_status store_proc_req_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return apps_one(db, "SELECT " REQ_COLS " FROM proc_requirement WHERE id = ?", REQ_SPEC,
                    json_pack("[s]", id), "procurement requirement", id, out, err);
}

tj_status store_proc_req_list(store_db *db, const char *buyer, int open_only, json_t **out, tj_error *err)
{
    if (open_only)
        return apps_rows(
            db, "SELECT " REQ_COLS " FROM proc_requirement WHERE status = 'open' ORDER BY deadline, id",
            REQ_SPEC, json_array(), out, err);
    return apps_rows(db,
                     "SELECT " REQ_COLS
                     " FROM proc_requirement WHERE CAST(? AS TEXT) IS NULL OR buyer_org = ? "
                     "ORDER BY created_at DESC, id",
                     REQ_SPEC, json_pack("[s?,s?]", buyer, buyer), out, err);
}

tj_status store_proc_req_decide(store_db *db, const char *id, const char *status, const char *offer,
                                const char *reason, tj_error *err)
{
    int64_t n = 0;
    tj_status rc = apps_exec(db,
                             "UPDATE proc_requirement SET status = ?, awarded_offer = ?, decision_reason = ? "
                             "WHERE id = ? AND status = 'open'",
                             json_pack("[s,s?,s?,s]", status, offer, reason, id), &n, err);
    if (!rc && n == 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "id", "requirement \"%s\" is not open / 采购需求已结束", id);
    return rc;
}

tj_status store_proc_offer_insert(store_db *db, const json_t *r, tj_error *err)
{
    int64_t n = 0;
    tj_status rc = apps_exec(
        db,
        "INSERT INTO proc_offer (id, requirement_id, supplier_org, product, label_number, disclosure_id, "
        "pact_id, submitted_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (requirement_id, supplier_org, product) DO NOTHING",
        json_pack("[O?,O?,O?,O?,O?,O?,O?,O?,O?]", json_object_get(r, "id"), json_object_get(r, "requirement_id"),
                  json_object_get(r, "supplier_org"), json_object_get(r, "product"),
                  json_object_get(r, "label_number"), json_object_get(r, "disclosure_id"),
                  json_object_get(r, "pact_id"), json_object_get(r, "submitted_at"),
                  json_object_get(r, "submitted_by")),
        &n, err);
    if (!rc && n == 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "product",
                          "this supplier already offered this product / 该供应商已就此产品报价");
    return rc;
}

tj_status store_proc_offer_list(store_db *db, const char *req_id, json_t **out, tj_error *err)
{
    return apps_rows(db,
                     "SELECT f.id, f.requirement_id, f.supplier_org, o.name, f.product, f.label_number, "
                     "f.disclosure_id, f.pact_id, f.submitted_at, f.submitted_by FROM proc_offer f "
                     "JOIN organisation o ON o.id = f.supplier_org WHERE f.requirement_id = ? "
                     "ORDER BY f.submitted_at, f.id",
                     "tid trequirement_id tsupplier_org tsupplier_name tproduct tlabel_number tdisclosure_id "
                     "tpact_id tsubmitted_at tsubmitted_by",
                     json_pack("[s]", req_id), out, err);
}

tj_status store_proc_pact_published(store_db *db, const char *reader, const char *pf_id, json_t **out,
                                    tj_error *err)
{
    return apps_one(db,
                    "SELECT p.id, p.footprint_id, p.owner_org, p.status, p.valid_from, p.valid_to, p.doc "
                    "FROM pact_footprint p WHERE p.id = ? AND EXISTS (SELECT 1 FROM pact_access a "
                    "WHERE a.pf_id = p.id AND a.reader IN (?, '*'))",
                    "tid tfootprint_id towner_org tstatus tvalid_from tvalid_to tdoc",
                    json_pack("[s,s]", pf_id, reader), "PACT footprint", pf_id, out, err);
}

/* ---- finance ---- */

tj_status store_fin_consent_insert(store_db *db, const json_t *r, tj_error *err)
{
    return apps_exec(
        db,
        "INSERT INTO fin_consent (id, bank_org, borrower_org, granted_at, granted_by, valid_until) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        json_pack("[O?,O?,O?,O?,O?,O?]", json_object_get(r, "id"), json_object_get(r, "bank_org"),
                  json_object_get(r, "borrower_org"), json_object_get(r, "granted_at"),
                  json_object_get(r, "granted_by"), json_object_get(r, "valid_until")),
        NULL, err);
}

tj_status store_fin_consent_revoke(store_db *db, const char *bank, const char *borrower, const char *at,
                                   int64_t *n, tj_error *err)
{
    return apps_exec(db,
                     "UPDATE fin_consent SET revoked_at = ? WHERE bank_org = ? AND borrower_org = ? AND "
                     "revoked_at IS NULL",
                     json_pack("[s,s,s]", at, bank, borrower), n, err);
}

tj_status store_fin_consent_active(store_db *db, const char *bank, const char *borrower, const char *at,
                                   int *out, tj_error *err)
{
    json_t *a = NULL;
    tj_status rc =
        apps_rows(db,
                  "SELECT COUNT(*) FROM fin_consent WHERE bank_org = ? AND borrower_org = ? AND "
                  "revoked_at IS NULL AND granted_at <= ? AND (valid_until IS NULL OR valid_until > ?)",
                  "in", json_pack("[s,s,s,s]", bank, borrower, at, at), &a, err);
    *out = !rc && first_int(a, "n") > 0;
    json_decref(a);
    return rc;
}

tj_status store_fin_consent_list(store_db *db, const char *bank, const char *borrower, json_t **out,
                                 tj_error *err)
{
    return apps_rows(
        db,
        "SELECT c.id, c.bank_org, b.name, c.borrower_org, w.name, c.granted_at, c.valid_until, "
        "c.revoked_at FROM fin_consent c JOIN organisation b ON b.id = c.bank_org "
        "JOIN organisation w ON w.id = c.borrower_org "
        "WHERE (CAST(? AS TEXT) IS NULL OR c.bank_org = ?) AND (CAST(? AS TEXT) IS NULL OR c.borrower_org = "
        "?) "
        "ORDER BY c.granted_at, c.id",
        "tid tbank_org tbank_name tborrower_org tborrower_name tgranted_at tvalid_until trevoked_at",
        json_pack("[s?,s?,s?,s?]", bank, bank, borrower, borrower), out, err);
}

tj_status store_fin_position_put(store_db *db, const json_t *r, tj_error *err)
{
    return apps_exec(
        db,
        "INSERT INTO fin_position (bank_org, borrower_org, label_number, as_of, amount, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bank_org, label_number, as_of) DO UPDATE SET "
        "amount = excluded.amount, recorded_at = excluded.recorded_at, "
        "borrower_org = excluded.borrower_org",
        json_pack("[O?,O?,O?,O?,O?,O?]", json_object_get(r, "bank_org"), json_object_get(r, "borrower_org"),
                  json_object_get(r, "label_number"), json_object_get(r, "as_of"),
                  json_object_get(r, "amount"), json_object_get(r, "recorded_at")),
        NULL, err);
}

tj_status store_fin_positions_at(store_db *db, const char *bank, const char *as_of, json_t **out,
                                 tj_error *err)
{
    return apps_rows(db,
                     "SELECT p.borrower_org, o.name, p.label_number, p.as_of, p.amount FROM fin_position p "
                     "JOIN organisation o ON o.id = p.borrower_org WHERE p.bank_org = ? AND p.as_of = "
                     "(SELECT MAX(q.as_of) FROM fin_position q WHERE q.bank_org = p.bank_org AND "
                     "q.label_number = p.label_number AND q.as_of <= ?) AND p.amount > 0 "
                     "ORDER BY p.label_number",
                     "tborrower_org tborrower_name tlabel_number tas_of iamount",
                     json_pack("[s,s]", bank, as_of), out, err);
}

tj_status store_fin_position_dates(store_db *db, const char *bank, json_t **out, tj_error *err)
{
    return apps_rows(db, "SELECT DISTINCT as_of FROM fin_position WHERE bank_org = ? ORDER BY as_of",
                     "tas_of", json_pack("[s]", bank), out, err);
}

tj_status store_fin_rule_insert(store_db *db, const char *bank, const char *rule, const char *at,
                                int *version, tj_error *err)
{
    json_t *a = NULL;
    tj_status rc = apps_rows(db, "SELECT COALESCE(MAX(version), 0) FROM fin_rule WHERE bank_org = ?", "iv",
                             json_pack("[s]", bank), &a, err);
    int v = rc ? 0 : (int)first_int(a, "v") + 1;
    json_decref(a);
    if (!rc)
        rc = apps_exec(db, "INSERT INTO fin_rule (bank_org, version, rule, created_at) VALUES (?, ?, ?, ?)",
                       json_pack("[s,i,s,s]", bank, v, rule, at), NULL, err);
    if (!rc && version)
        *version = v;
    return rc;
}

tj_status store_fin_rule_latest(store_db *db, const char *bank, json_t **out, tj_error *err)
{
    return apps_one(db,
                    "SELECT version, rule, created_at FROM fin_rule WHERE bank_org = ? "
                    "ORDER BY version DESC LIMIT 1",
                    "iversion trule tcreated_at", json_pack("[s]", bank), "eligibility rule of bank", bank,
                    out, err);
}

/* ---- 碳普惠 ---- */

#define METH_COLS                                                                                            \
    "id, name, category, declared_unit, scope, applicability, baseline_kind, baseline_g, baseline_source, "  \
    "status, created_at, created_by"
#define METH_SPEC                                                                                            \
    "tid tname tcategory tdeclared_unit tscope tapplicability tbaseline_kind ibaseline_g tbaseline_source "  \
    "tstatus tcreated_at tcreated_by"

tj_status store_inc_method_insert(store_db *db, const json_t *r, tj_error *err)
{
    int64_t n = 0;
    tj_status rc =
        apps_exec(db,
                  "INSERT INTO inc_methodology (" METH_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (id) DO NOTHING",
                  json_pack("[O?,O?,O?,O?,O?,O?,O?,O?,O?,s,O?,O?]", json_object_get(r, "id"),
                            json_object_get(r, "name"), json_object_get(r, "category"),
                            json_object_get(r, "declared_unit"), json_object_get(r, "scope"),
                            json_object_get(r, "applicability"), json_object_get(r, "baseline_kind"),
                            json_object_get(r, "baseline_g"), json_object_get(r, "baseline_source"), "active",
                            json_object_get(r, "created_at"), json_object_get(r, "created_by")),
                  &n, err);
    if (!rc && n == 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "id", "methodology \"%s\" exists / 方法学已存在",
                          json_string_value(json_object_get(r, "id")));
    return rc;
}

tj_status store_inc_method_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return apps_one(db, "SELECT " METH_COLS " FROM inc_methodology WHERE id = ?", METH_SPEC,
                    json_pack("[s]", id), "methodology", id, out, err);
}

tj_status store_inc_method_list(store_db *db, json_t **out, tj_error *err)
{
    return apps_rows(db, "SELECT " METH_COLS " FROM inc_methodology ORDER BY id", METH_SPEC, json_array(),
                     out, err);
}

/* The hot path of 碳普惠 reports binds directly (no JSON binds). */
static tj_status step_once(store_stmt *st, int64_t *changes, tj_error *err)
{
    int r = store_step(st, err);
    if (changes)
        *changes = r < 0 ? 0 : store_changes(st);
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_inc_account_ensure(store_db *db, const char *id_if_new, const char *platform,
                                   const char *participant, const char *region, const char *at, char **id_out,
                                   tj_error *err)
{
    *id_out = NULL;
    store_stmt *st = NULL;
    tj_status rc =
        store_prepare_cached(db,
                             "INSERT INTO inc_account (id, platform_org, participant, region, created_at) "
                             "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform_org, participant) DO NOTHING",
                             &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id_if_new);
    store_bind_text(st, 2, platform);
    store_bind_text(st, 3, participant);
    store_bind_text(st, 4, region);
    store_bind_text(st, 5, at);
    if ((rc = step_once(st, NULL, err)))
        return rc;
    rc = store_prepare_cached(db, "SELECT id FROM inc_account WHERE platform_org = ? AND participant = ?",
                              &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, platform);
    store_bind_text(st, 2, participant);
    int r = store_step(st, err);
    if (r == 1 && !(*id_out = strdup(store_col_text(st, 0))))
        r = nomem(err);
    else if (r == 0)
        r = tj_error_set(err, TJ_ERR_INTERNAL, NULL, "the account just made is not there");
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

#define ACC_SPEC "tid tplatform_org tparticipant tregion icredited iretired ibalance tcreated_at"
tj_status store_inc_account_get(store_db *db, const char *platform, const char *participant, json_t **out,
                                tj_error *err)
{
    return apps_one(db,
                    "SELECT id, platform_org, participant, region, credited, retired, balance, created_at "
                    "FROM inc_account WHERE platform_org = ? AND participant = ?",
                    ACC_SPEC, json_pack("[s,s]", platform, participant), "account of participant",
                    participant, out, err);
}

tj_status store_inc_purchase_insert(store_db *db, const json_t *r, int *inserted, tj_error *err)
{
    static const char *const cols[] = {"platform_org", "purchase_id", "account_id", "methodology_id",
                                       "label_number", "region",      "quantity",   "reduction_g",
                                       "purchased_at", "reported_at"};
    *inserted = 0;
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db,
        "INSERT INTO inc_purchase (platform_org, purchase_id, account_id, methodology_id, label_number, "
        "region, "
        "quantity, reduction_g, purchased_at, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (platform_org, purchase_id) DO NOTHING",
        &st, err);
    if (rc)
        return rc;
    for (int i = 0; i < 10; i++)
        store_json_bind(st, i + 1, json_object_get(r, cols[i]));
    int64_t n = 0;
    rc = step_once(st, &n, err);
    *inserted = !rc && n > 0;
    return rc;
}

tj_status store_inc_account_credit(store_db *db, const char *account_id, int64_t grams, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db, "UPDATE inc_account SET credited = credited + ?, balance = balance + ? WHERE id = ?", &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, grams);
    store_bind_int64(st, 2, grams);
    store_bind_text(st, 3, account_id);
    return step_once(st, NULL, err);
}

tj_status store_inc_account_retire(store_db *db, const json_t *r, tj_error *err)
{
    int64_t n = 0;
    json_int_t g = json_integer_value(json_object_get(r, "amount_g"));
    const char *acc = json_string_value(json_object_get(r, "account_id"));
    tj_status rc = apps_exec(db,
                             "UPDATE inc_account SET retired = retired + ?, balance = balance - ? "
                             "WHERE id = ? AND balance >= ?",
                             json_pack("[I,I,s,I]", g, g, acc, g), &n, err);
    if (!rc && n == 0)
        return tj_error_set(err, TJ_ERR_CONFLICT, "amount_g", "the balance is less than %lld g / 余额不足",
                            (long long)g);
    if (!rc)
        rc = apps_exec(db,
                       "INSERT INTO inc_retirement (id, account_id, amount_g, purpose, retired_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       json_pack("[O?,s,I,O?,O?]", json_object_get(r, "id"), acc, g,
                                 json_object_get(r, "purpose"), json_object_get(r, "retired_at")),
                       NULL, err);
    return rc;
}

tj_status store_inc_statement(store_db *db, const char *account_id, int limit, int offset, json_t **out,
                              tj_error *err)
{
    return apps_rows(db,
                     "SELECT at, kind, ref, label_number, amount_g FROM ("
                     "SELECT reported_at AS at, 'credit' AS kind, purchase_id AS ref, label_number, "
                     "reduction_g AS amount_g FROM inc_purchase WHERE account_id = ? "
                     "UNION ALL SELECT retired_at, 'retire', id, NULL, -amount_g FROM inc_retirement "
                     "WHERE account_id = ?) s ORDER BY at, kind, ref LIMIT ? OFFSET ?",
                     "tat tkind tref tlabel_number iamount_g",
                     json_pack("[s,s,i,i]", account_id, account_id, limit, offset), out, err);
}

tj_status store_inc_issue(store_db *db, const char *issuance_id, const char *methodology, const char *region,
                          const char *at, const char *by, int64_t *grams, int64_t *n, tj_error *err)
{
    json_t *a = NULL;
    tj_status rc = apps_rows(db,
                             "SELECT COALESCE(SUM(reduction_g), 0), COUNT(*) FROM inc_purchase WHERE "
                             "methodology_id = ? AND region = ? AND issuance_id IS NULL AND reduction_g > 0",
                             "ig in", json_pack("[s,s]", methodology, region), &a, err);
    *grams = rc ? 0 : first_int(a, "g");
    *n = rc ? 0 : first_int(a, "n");
    json_decref(a);
    if (!rc && *n == 0)
        return tj_error_set(err, TJ_ERR_CONFLICT, NULL, "nothing to issue for %s in %s / 无可签发的减排量",
                            methodology, region);
    if (!rc)
        rc = apps_exec(db,
                       "UPDATE inc_purchase SET issuance_id = ? WHERE methodology_id = ? AND region = ? AND "
                       "issuance_id IS NULL AND reduction_g > 0",
                       json_pack("[s,s,s]", issuance_id, methodology, region), NULL, err);
    if (!rc)
        rc =
            apps_exec(db,
                      "INSERT INTO inc_issuance (id, methodology_id, region, amount_g, purchases, issued_at, "
                      "issued_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      json_pack("[s,s,s,I,I,s,s]", issuance_id, methodology, region, (json_int_t)*grams,
                                (json_int_t)*n, at, by),
                      NULL, err);
    return rc;
}

tj_status store_inc_registry(store_db *db, json_t **out, tj_error *err)
{
    return apps_rows(db,
                     "SELECT p.methodology_id, m.name, p.region, COUNT(*), SUM(p.reduction_g), "
                     "SUM(CASE WHEN p.issuance_id IS NULL THEN 0 ELSE p.reduction_g END) "
                     "FROM inc_purchase p JOIN inc_methodology m ON m.id = p.methodology_id "
                     "GROUP BY p.methodology_id, m.name, p.region ORDER BY p.methodology_id, p.region",
                     "tmethodology tname tregion ipurchases icredited_g iissued_g", json_array(), out, err);
}

tj_status store_inc_retired_by_region(store_db *db, json_t **out, tj_error *err)
{
    return apps_rows(db,
                     "SELECT a.region, SUM(r.amount_g) FROM inc_retirement r JOIN inc_account a ON a.id = "
                     "r.account_id GROUP BY a.region ORDER BY a.region",
                     "tregion iretired_g", json_array(), out, err);
}

tj_status store_inc_totals(store_db *db, int64_t *balances, int64_t *credits, int64_t *retired, tj_error *err)
{
    json_t *a = NULL, *b = NULL;
    tj_status rc =
        apps_rows(db, "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(retired), 0) FROM inc_account", "ib ir",
                  json_array(), &a, err);
    if (!rc)
        rc = apps_rows(db, "SELECT COALESCE(SUM(reduction_g), 0) FROM inc_purchase", "ic", json_array(), &b,
                       err);
    if (!rc) {
        *balances = first_int(a, "b");
        *retired = first_int(a, "r");
        *credits = first_int(b, "c");
    }
    json_decref(a);
    json_decref(b);
    return rc;
}

/* ---- parks ---- */

tj_status store_park_member_put(store_db *db, const char *park, const char *member, const char *status,
                                const char *at, tj_error *err)
{
    if (!strcmp(status, "invited"))
        return apps_exec(
            db,
            "INSERT INTO park_member (park_org, member_org, status, invited_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (park_org, member_org) DO UPDATE SET status = excluded.status, "
            "invited_at = excluded.invited_at, joined_at = NULL",
            json_pack("[s,s,s,s]", park, member, status, at), NULL, err);
    return apps_exec(db,
                     "UPDATE park_member SET status = ?, joined_at = CASE WHEN CAST(? AS TEXT) = 'active' "
                     "THEN ? ELSE joined_at "
                     "END WHERE park_org = ? AND member_org = ?",
                     json_pack("[s,s,s,s,s]", status, status, at, park, member), NULL, err);
}

tj_status store_park_member_get(store_db *db, const char *park, const char *member, json_t **out,
                                tj_error *err)
{
    return apps_one(db,
                    "SELECT park_org, member_org, status, invited_at, joined_at FROM park_member "
                    "WHERE park_org = ? AND member_org = ?",
                    "tpark_org tmember_org tstatus tinvited_at tjoined_at", json_pack("[s,s]", park, member),
                    "park membership", member, out, err);
}

tj_status store_park_members(store_db *db, const char *park, const char *member, json_t **out, tj_error *err)
{
    return apps_rows(db,
                     "SELECT m.park_org, p.name, m.member_org, o.name, o.region, m.status, m.invited_at, "
                     "m.joined_at FROM park_member m JOIN organisation o ON o.id = m.member_org "
                     "JOIN organisation p ON p.id = m.park_org "
                     "WHERE (CAST(? AS TEXT) IS NULL OR m.park_org = ?) AND (CAST(? AS TEXT) IS NULL OR "
                     "m.member_org = ?) ORDER BY p.name, o.name",
                     "tpark_org tpark_name tmember_org tmember_name tregion tstatus tinvited_at tjoined_at",
                     json_pack("[s?,s?,s?,s?]", park, park, member, member), out, err);
}

#define AGG_SPEC "tregion tcategory iyear igrade tstatus in dsum dmin dmax"
tj_status store_label_aggregate(store_db *db, const char *park, json_t **out, tj_error *err)
{
    if (park)
        return apps_rows(db,
                         "SELECT l.region, l.category, l.year, l.grade, l.status, COUNT(*), SUM(l.value), "
                         "MIN(l.value), MAX(l.value) FROM label l JOIN park_member m ON m.member_org = "
                         "l.holder_org AND m.park_org = ? AND m.status = 'active' "
                         "GROUP BY l.region, l.category, l.year, l.grade, l.status "
                         "ORDER BY l.region, l.category, l.year, l.grade, l.status",
                         AGG_SPEC, json_pack("[s]", park), out, err);
    return apps_rows(
        db,
        "SELECT region, category, year, grade, status, COUNT(*), SUM(value), MIN(value), MAX(value) "
        "FROM label GROUP BY region, category, year, grade, status "
        "ORDER BY region, category, year, grade, status",
        AGG_SPEC, json_array(), out, err);
}

tj_status store_park_disclosures(store_db *db, const char *park, json_t **out, tj_error *err)
{
    return apps_rows(db,
                     "SELECT d.id, d.footprint_id, d.owner_org FROM disclosure d JOIN park_member m ON "
                     "m.member_org = d.owner_org AND m.park_org = ? AND m.status = 'active' "
                     "WHERE d.status = 'published' ORDER BY d.owner_org, d.published_at, d.id",
                     "tid tfootprint_id towner_org", json_pack("[s]", park), out, err);
}

tj_status store_footprint_valid_labels(store_db *db, const char *footprint_id, int64_t *n, tj_error *err)
{
    json_t *a = NULL;
    tj_status rc = apps_rows(db, "SELECT COUNT(*) FROM label WHERE footprint_id = ? AND status = 'valid'",
                             "in", json_pack("[s]", footprint_id), &a, err);
    *n = rc ? 0 : first_int(a, "n");
    json_decref(a);
    return rc;
}

/* ---- ledger states: every recorded object, keyed as its service records it ---- */

typedef struct state_sql {
    const char *type, *from, *key, *cols, *spec;
} state_sql;

/* from: the FROM ... (and WHERE) part; key: the object id expression. */
static const state_sql state_sqls[] = {
    {"app_org_role", "FROM app_org_role x WHERE 1 = 1", "x.org_id || '/' || x.role",
     "x.org_id, x.role, x.granted_at, x.granted_by", "torg_id trole tgranted_at tgranted_by"},
    {"proc_requirement", "FROM proc_requirement x WHERE 1 = 1", "x.id",
     "x.id, x.buyer_org, x.title, x.category, x.declared_unit, x.max_value, x.max_grade, x.label_required, "
     "x.rule_id, x.primary_weight, x.deadline, x.status, x.awarded_offer, x.decision_reason, x.created_at, "
     "x.created_by",
     REQ_SPEC},
    {"proc_offer", "FROM proc_offer x WHERE 1 = 1", "x.id",
     "x.id, x.requirement_id, x.supplier_org, x.product, x.label_number, x.disclosure_id, x.pact_id, "
     "x.submitted_at, x.submitted_by",
     "tid trequirement_id tsupplier_org tproduct tlabel_number tdisclosure_id tpact_id tsubmitted_at "
     "tsubmitted_by"},
    /* a pair's consent: its latest grant (revoked or not) */
    {"fin_consent",
     "FROM fin_consent x WHERE NOT EXISTS (SELECT 1 FROM fin_consent y WHERE y.bank_org = x.bank_org AND "
     "y.borrower_org = x.borrower_org AND (y.granted_at > x.granted_at OR (y.granted_at = x.granted_at AND "
     "y.id > x.id)))",
     "x.borrower_org || '/' || x.bank_org",
     "x.id, x.bank_org, x.borrower_org, x.granted_at, x.granted_by, x.valid_until, x.revoked_at",
     "tid tbank_org tborrower_org tgranted_at tgranted_by tvalid_until trevoked_at"},
    {"fin_position", "FROM fin_position x WHERE 1 = 1",
     "x.bank_org || '/' || x.label_number || '/' || x.as_of",
     "x.bank_org, x.borrower_org, x.label_number, x.as_of, x.amount, x.recorded_at",
     "tbank_org tborrower_org tlabel_number tas_of iamount trecorded_at"},
    {"fin_rule", "FROM fin_rule x WHERE 1 = 1", "x.bank_org || '/' || CAST(x.version AS TEXT)",
     "x.bank_org, x.version, x.rule, x.created_at", "tbank_org iversion trule tcreated_at"},
    {"inc_methodology", "FROM inc_methodology x WHERE 1 = 1", "x.id",
     "x.id, x.name, x.category, x.declared_unit, x.scope, x.applicability, x.baseline_kind, x.baseline_g, "
     "x.baseline_source, x.status, x.created_at, x.created_by",
     METH_SPEC},
    {"inc_purchase", "FROM inc_purchase x WHERE 1 = 1", "x.platform_org || '/' || x.purchase_id",
     "x.platform_org, x.purchase_id, x.account_id, x.methodology_id, x.label_number, x.region, x.quantity, "
     "x.reduction_g, x.purchased_at, x.reported_at",
     "tplatform_org tpurchase_id taccount_id tmethodology_id tlabel_number tregion dquantity ireduction_g "
     "tpurchased_at treported_at"},
    {"inc_retirement", "FROM inc_retirement x WHERE 1 = 1", "x.id",
     "x.id, x.account_id, x.amount_g, x.purpose, x.retired_at", "tid taccount_id iamount_g tpurpose tretired_at"},
    {"inc_issuance", "FROM inc_issuance x WHERE 1 = 1", "x.id",
     "x.id, x.methodology_id, x.region, x.amount_g, x.purchases, x.issued_at, x.issued_by",
     "tid tmethodology_id tregion iamount_g ipurchases tissued_at tissued_by"},
    {"park_member", "FROM park_member x WHERE 1 = 1", "x.park_org || '/' || x.member_org",
     "x.park_org, x.member_org, x.status, x.invited_at, x.joined_at",
     "tpark_org tmember_org tstatus tinvited_at tjoined_at"},
};

static const state_sql *state_sql_of(const char *type)
{
    for (size_t i = 0; i < sizeof state_sqls / sizeof state_sqls[0]; i++)
        if (!strcmp(state_sqls[i].type, type))
            return &state_sqls[i];
    return NULL;
}

tj_status store_apps_state_each(store_db *db, const char *type, const char *key,
                                tj_status (*fn)(void *arg, const char *key, const json_t *row, tj_error *err),
                                void *arg, tj_error *err)
{
    const state_sql *q = state_sql_of(type);
    if (!q)
        return tj_error_set(err, TJ_ERR_INTERNAL, "type", "no state query for \"%s\"", type);
    char *sql = NULL, *spec = NULL;
    if (asprintf(&sql, "SELECT %s, %s %s%s%s%s ORDER BY 1", q->key, q->cols, q->from, key ? " AND " : "",
                 key ? q->key : "", key ? " = ?" : "") < 0)
        sql = NULL;
    if (asprintf(&spec, "tkey %s", q->spec) < 0)
        spec = NULL;
    store_stmt *st = NULL;
    tj_status rc = sql && spec ? store_json_prepare(db, sql, key ? json_pack("[s]", key) : json_array(), key != NULL, &st, err)
                               : nomem(err);
    int r = 0;
    while (!rc && (r = store_step(st, err)) == 1) {
        json_t *row = store_json_row(st, spec);
        rc = row ? fn(arg, json_string_value(json_object_get(row, "key")), row, err) : nomem(err);
        json_decref(row);
    }
    if (!rc && r < 0)
        rc = (tj_status)r;
    if (st)
        store_finalize(st);
    free(sql);
    free(spec);
    return rc;
}

static tj_status take_one(void *arg, const char *key, const json_t *row, tj_error *err)
{
    (void)key;
    (void)err;
    json_t **out = arg;
    json_decref(*out);
    *out = json_deep_copy(row);
    json_object_del(*out, "key");
    return TJ_OK;
}

tj_status store_apps_state_get(store_db *db, const char *type, const char *key, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = store_apps_state_each(db, type, key, take_one, out, err);
    if (!rc && !*out)
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no %s \"%s\"", type, key);
    return rc;
}

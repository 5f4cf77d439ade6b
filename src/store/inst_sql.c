/* store institutions: certification, labels, grading, disclosure; see inst_sql.h. */
#include "store/inst_sql.h"
#include "store/json_rows.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers: rows as JSON (store/json_rows.h) ---------------------------- */

static tj_status nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

/* INSERT INTO table (cols) VALUES (?, ...), bound from row by column name;
 * cols is a spec as above (types unused). */
static tj_status insert_obj(store_db *db, const char *table, const char *spec, const json_t *row,
                            const char *conflict, tj_error *err)
{
    char sql[2048], names[1024], marks[512];
    size_t nl = 0, ml = 0;
    json_t *binds = json_array();
    const char *p = spec;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        p++; /* type */
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (nl + n + 3 >= sizeof names || ml + 4 >= sizeof marks) {
            json_decref(binds);
            return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "insert_obj: spec too long");
        }
        char name[64];
        memcpy(name, p, n < sizeof name ? n : sizeof name - 1);
        name[n < sizeof name ? n : sizeof name - 1] = '\0';
        nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s%s", nl ? ", " : "", name);
        ml += (size_t)snprintf(marks + ml, sizeof marks - ml, "%s?", ml ? ", " : "");
        json_t *v = json_object_get(row, name);
        json_array_append(binds, v ? v : json_null());
        p += n;
    }
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (%s)%s", table, names, marks,
             conflict ? conflict : "");
    return store_json_exec(db, sql, binds, 0, NULL, err);
}

#define S(x) json_string(x)

/* ---- bodies and keys ------------------------------------------------------- */

#define BODY_SPEC "torg_id taccreditation tstatus tregistered_by tregistered_at"
#define BODY_GET_SPEC BODY_SPEC " tname tregion"
#define BODY_SEL                                                                                             \
    "SELECT b.org_id, b.accreditation, b.status, b.registered_by, b.registered_at, o.name, o.region FROM "   \
    "cert_body b JOIN organisation o ON o.id = b.org_id"

tj_status store_cert_body_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "cert_body", BODY_SPEC, row, NULL, err);
}

tj_status store_cert_body_get(store_db *db, const char *org_id, json_t **out, tj_error *err)
{
    return store_json_one(db, BODY_SEL " WHERE b.org_id = ?", BODY_GET_SPEC, json_pack("[s]", org_id),
                          "certification body / 认证机构", org_id, out, err);
}

tj_status store_cert_body_list(store_db *db, json_t **out, tj_error *err)
{
    return store_json_rows(db, BODY_SEL " ORDER BY o.name", BODY_GET_SPEC, json_array(), 0, out, err);
}

tj_status store_cert_body_set_status(store_db *db, const char *org_id, const char *status, tj_error *err)
{
    return store_json_exec(db, "UPDATE cert_body SET status = ? WHERE org_id = ?",
                           json_pack("[ss]", status, org_id), 0, NULL, err);
}

tj_status store_cert_scope_set(store_db *db, const char *org_id, const json_t *categories, tj_error *err)
{
    tj_status rc = store_json_exec(db, "DELETE FROM cert_scope WHERE org_id = ?", json_pack("[s]", org_id), 0,
                                   NULL, err);
    size_t i;
    json_t *c;
    json_array_foreach(categories, i, c)
    {
        if (rc)
            break;
        rc = store_json_exec(db, "INSERT INTO cert_scope (org_id, category) VALUES (?, ?)",
                             json_pack("[sO]", org_id, c), 0, NULL, err);
    }
    return rc;
}

tj_status store_cert_scope_list(store_db *db, const char *org_id, json_t **out, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_json_rows(db, "SELECT category FROM cert_scope WHERE org_id = ? ORDER BY category",
                                   "tcategory", json_pack("[s]", org_id), 1, &rows, err);
    if (rc)
        return rc;
    *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_array_append(*out, json_object_get(r, "category"));
    json_decref(rows);
    return TJ_OK;
}

#define KEY_SPEC "tkey_id torg_id tpublic_key tstatus tadded_at tretired_at trevoked_at trevoke_reason"
#define KEY_SEL                                                                                              \
    "SELECT key_id, org_id, public_key, status, added_at, retired_at, revoked_at, revoke_reason FROM "       \
    "cert_key"

tj_status store_cert_key_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "cert_key", KEY_SPEC, row, NULL, err);
}

tj_status store_cert_key_get(store_db *db, const char *key_id, json_t **out, tj_error *err)
{
    return store_json_one(db, KEY_SEL " WHERE key_id = ?", KEY_SPEC, json_pack("[s]", key_id), "key / 密钥",
                          key_id, out, err);
}

tj_status store_cert_key_list(store_db *db, const char *org_id, json_t **out, tj_error *err)
{
    return store_json_rows(
        db, KEY_SEL " WHERE CAST(? AS TEXT) IS NULL OR org_id = ? ORDER BY org_id, added_at, key_id",
        KEY_SPEC, json_pack("[s?s?]", org_id, org_id), 0, out, err);
}

tj_status store_cert_key_set_status(store_db *db, const char *key_id, const char *status, const char *at,
                                    const char *reason, tj_error *err)
{
    if (!strcmp(status, "retired"))
        return store_json_exec(db, "UPDATE cert_key SET status = 'retired', retired_at = ? WHERE key_id = ?",
                               json_pack("[ss]", at, key_id), 0, NULL, err);
    return store_json_exec(
        db, "UPDATE cert_key SET status = 'revoked', revoked_at = ?, revoke_reason = ? WHERE key_id = ?",
        json_pack("[ss?s]", at, reason, key_id), 0, NULL, err);
}

/* ---- catalogue ------------------------------------------------------------- */

#define CAT_SPEC                                                                                             \
    "tcategory tname_zh tname_en trule_id ivalidity_months tstatus tsource tnote tupdated_at tupdated_by"
#define CAT_SEL                                                                                              \
    "SELECT category, name_zh, name_en, rule_id, validity_months, status, source, note, updated_at, "        \
    "updated_by "                                                                                            \
    "FROM cert_catalogue"

tj_status store_cert_catalogue_put(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(
        db, "cert_catalogue", CAT_SPEC, row,
        " ON CONFLICT (category) DO UPDATE SET name_zh = excluded.name_zh, name_en = "
        "excluded.name_en, rule_id = excluded.rule_id, validity_months = excluded.validity_months, "
        "status = excluded.status, source = excluded.source, note = excluded.note, updated_at = "
        "excluded.updated_at, updated_by = excluded.updated_by",
        err);
}

tj_status store_cert_catalogue_get(store_db *db, const char *category, json_t **out, tj_error *err)
{
    return store_json_one(db, CAT_SEL " WHERE category = ?", CAT_SPEC, json_pack("[s]", category),
                          "catalogue entry / 认证目录条目", category, out, err);
}

tj_status store_cert_catalogue_list(store_db *db, json_t **out, tj_error *err)
{
    return store_json_rows(db, CAT_SEL " ORDER BY category", CAT_SPEC, json_array(), 0, out, err);
}

/* ---- dishonest-entity list -------------------------------------------------- */

#define DIS_SPEC                                                                                             \
    "tid torg_id treason tlegal_basis tlisted_from tlisted_until tlisted_by tremoved_at tremoved_reason"
#define DIS_SEL                                                                                              \
    "SELECT d.id, d.org_id, d.reason, d.legal_basis, d.listed_from, d.listed_until, d.listed_by, "           \
    "d.removed_at, "                                                                                         \
    "d.removed_reason, o.name FROM dishonest_entity d JOIN organisation o ON o.id = d.org_id"
#define IN_FORCE                                                                                             \
    "d.removed_at IS NULL AND d.listed_from <= ? AND (d.listed_until IS NULL OR d.listed_until > ?)"

tj_status store_dishonest_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "dishonest_entity", DIS_SPEC, row, NULL, err);
}

tj_status store_dishonest_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return store_json_one(db, DIS_SEL " WHERE d.id = ?", DIS_SPEC " torg_name", json_pack("[s]", id),
                          "dishonest-list entry / 失信名单条目", id, out, err);
}

tj_status store_dishonest_list(store_db *db, const char *at, json_t **out, tj_error *err)
{
    if (!at)
        return store_json_rows(db, DIS_SEL " ORDER BY d.listed_from, d.id", DIS_SPEC " torg_name",
                               json_array(), 0, out, err);
    return store_json_rows(db, DIS_SEL " WHERE " IN_FORCE " ORDER BY d.listed_from, d.id",
                           DIS_SPEC " torg_name", json_pack("[ss]", at, at), 0, out, err);
}

tj_status store_dishonest_in_force(store_db *db, const char *org_id, const char *at, int *listed,
                                   tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc =
        store_json_rows(db, "SELECT COUNT(*) FROM dishonest_entity d WHERE d.org_id = ? AND " IN_FORCE, "in",
                        json_pack("[sss]", org_id, at, at), 1, &rows, err);
    if (rc)
        return rc;
    *listed = json_integer_value(json_object_get(json_array_get(rows, 0), "n")) > 0;
    json_decref(rows);
    return TJ_OK;
}

tj_status store_dishonest_remove(store_db *db, const char *id, const char *at, const char *reason,
                                 tj_error *err)
{
    return store_json_exec(db, "UPDATE dishonest_entity SET removed_at = ?, removed_reason = ? WHERE id = ?",
                           json_pack("[sss]", at, reason, id), 0, NULL, err);
}

/* ---- applications ------------------------------------------------------------ */

#define APP_SPEC                                                                                             \
    "tid tapplicant_org tbody_org tcategory tfootprint_id tstatus tdue_at tlabel_number tcreated_at "        \
    "tupdated_at"
#define APP_SEL                                                                                              \
    "SELECT id, applicant_org, body_org, category, footprint_id, status, due_at, label_number, created_at, " \
    "updated_at FROM cert_application"

tj_status store_cert_app_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "cert_application", APP_SPEC, row, NULL, err);
}

tj_status store_cert_app_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return store_json_one(db, APP_SEL " WHERE id = ?", APP_SPEC, json_pack("[s]", id),
                          "application / 认证申请", id, out, err);
}

tj_status store_cert_app_list(store_db *db, const char *org, int limit, int offset, json_t **out,
                              tj_error *err)
{
    return store_json_rows(db,
                           APP_SEL " WHERE CAST(? AS TEXT) IS NULL OR applicant_org = ? OR body_org = ? "
                                   "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                           APP_SPEC, json_pack("[s?s?s?ii]", org, org, org, limit, offset), 0, out, err);
}

tj_status store_cert_app_each(store_db *db, const char *after, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db, APP_SEL " WHERE id > ? ORDER BY id LIMIT ?", APP_SPEC,
                           json_pack("[si]", after, limit), 1, out, err);
}

tj_status store_cert_app_update(store_db *db, const json_t *row, tj_error *err)
{
    return store_json_exec(
        db,
        "UPDATE cert_application SET status = ?, due_at = ?, footprint_id = ?, label_number = ?, "
        "updated_at = ? WHERE id = ?",
        json_pack("[OOOOOO]", json_object_get(row, "status"), json_object_get(row, "due_at"),
                  json_object_get(row, "footprint_id"), json_object_get(row, "label_number"),
                  json_object_get(row, "updated_at"), json_object_get(row, "id")),
        0, NULL, err);
}

#define STEP_SPEC                                                                                            \
    "tapplication_id iseq taction tfrom_state tto_state tactor torg tat tcomment tdue_at tfootprint_id"

tj_status store_cert_step_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "cert_step", STEP_SPEC, row, NULL, err);
}

tj_status store_cert_step_list(store_db *db, const char *app_id, json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT application_id, seq, action, from_state, to_state, actor, org, at, comment, due_at, "
        "footprint_id FROM cert_step WHERE application_id = ? ORDER BY seq",
        STEP_SPEC, json_pack("[s]", app_id), 1, out, err);
}

tj_status store_cert_doc_put(store_db *db, const char *sha256, const char *media_type, int64_t size,
                             const char *content_b64, tj_error *err)
{
    return store_json_exec(
        db,
        "INSERT INTO cert_document (sha256, media_type, size, content) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO NOTHING",
        json_pack("[ssIs]", sha256, media_type, (json_int_t)size, content_b64), 0, NULL, err);
}

tj_status store_cert_doc_get(store_db *db, const char *sha256, json_t **out, tj_error *err)
{
    return store_json_one(db, "SELECT sha256, media_type, size, content FROM cert_document WHERE sha256 = ?",
                          "tsha256 tmedia_type isize tcontent", json_pack("[s]", sha256), "document / 文件",
                          sha256, out, err);
}

#define EVI_SPEC "tapplication_id tsha256 tname tstate tadded_by torg tadded_at"

tj_status store_cert_evidence_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "cert_evidence", EVI_SPEC, row, NULL, err);
}

tj_status store_cert_evidence_list(store_db *db, const char *app_id, json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT e.application_id, e.sha256, e.name, e.state, e.added_by, e.org, e.added_at, "
        "d.media_type, d.size FROM cert_evidence e JOIN cert_document d ON d.sha256 = e.sha256 "
        "WHERE e.application_id = ? ORDER BY e.added_at, e.sha256",
        EVI_SPEC " tmedia_type isize", json_pack("[s]", app_id), 1, out, err);
}

/* ---- labels ------------------------------------------------------------------- */

tj_status store_label_seq_next(store_db *db, const char *prefix, int64_t *out, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc =
        store_json_rows(db,
                        "INSERT INTO label_seq (prefix, last) VALUES (?, 1) ON CONFLICT (prefix) DO UPDATE "
                        "SET last = label_seq.last + 1 RETURNING last",
                        "ilast", json_pack("[s]", prefix), 0, &rows, err);
    if (rc)
        return rc;
    *out = json_integer_value(json_object_get(json_array_get(rows, 0), "last"));
    json_decref(rows);
    return *out > 0 ? TJ_OK : tj_error_set(err, TJ_ERR_DB, NULL, "no sequence number for %s", prefix);
}

#define LABEL_SPEC                                                                                           \
    "tnumber tcertificate tapplication_id tholder_org tbody_org tcategory tproduct tregion iyear dvalue "    \
    "tunit "                                                                                                 \
    "tfootprint_id igrade igrade_version tstatus tstatus_reason tissued_at tvalid_until tkey_id "            \
    "iledger_index tupdated_at"
#define LABEL_COLS                                                                                           \
    "l.number, l.certificate, l.application_id, l.holder_org, l.body_org, l.category, l.product, l.region, " \
    "l.year, l.value, l.unit, l.footprint_id, l.grade, l.grade_version, l.status, l.status_reason, "         \
    "l.issued_at, l.valid_until, l.key_id, l.ledger_index, l.updated_at"
#define LABEL_JOIN                                                                                           \
    " FROM label l JOIN organisation h ON h.id = l.holder_org JOIN organisation b ON b.id = l.body_org"

tj_status store_label_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "label", LABEL_SPEC " tdocument", row, NULL, err);
}

tj_status store_label_get(store_db *db, const char *number, int with_doc, json_t **out, tj_error *err)
{
    return store_json_one(
        db,
        with_doc ? "SELECT " LABEL_COLS ", h.name, b.name, l.document" LABEL_JOIN " WHERE l.number = ?"
                 : "SELECT " LABEL_COLS ", h.name, b.name" LABEL_JOIN " WHERE l.number = ?",
        with_doc ? LABEL_SPEC " tholder_name tbody_name tdocument" : LABEL_SPEC " tholder_name tbody_name",
        json_pack("[s]", number), "label / 碳标识", number, out, err);
}

tj_status store_label_pub_read(store_db *db, const char *number,
                               tj_status (*fn)(const store_label_pub *row, void *arg, tj_error *err),
                               void *arg, tj_error *err)
{
    store_stmt *st = NULL;
    tj_status rc = store_prepare_cached(
        db,
        "SELECT l.document, l.status, l.grade, l.grade_version, l.ledger_index, e.body" LABEL_JOIN
        " LEFT JOIN ledger_entry e ON e.idx = l.ledger_index WHERE l.number = ?",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, number);
    int r = store_step(st, err);
    if (r == 1) {
        store_label_pub row = {.document = store_col_text(st, 0),
                               .status = store_col_text(st, 1),
                               .has_grade = !store_col_is_null(st, 2),
                               .grade = store_col_int64(st, 2),
                               .has_grade_version = !store_col_is_null(st, 3),
                               .grade_version = store_col_int64(st, 3),
                               .ledger_index = store_col_int64(st, 4),
                               .entry = store_col_text(st, 5)};
        r = row.document && row.status ? fn(&row, arg, err) : nomem(err);
    } else if (r == 0) {
        r = tj_error_set(err, TJ_ERR_NOTFOUND, NULL, "no label / 碳标识 \"%s\" / 不存在", number);
    }
    store_finalize(st);
    return r < 0 ? (tj_status)r : TJ_OK;
}

tj_status store_label_set_status(store_db *db, const char *number, const char *status, const char *reason,
                                 const char *at, tj_error *err)
{
    return store_json_exec(db,
                           "UPDATE label SET status = ?, status_reason = ?, updated_at = ? WHERE number = ?",
                           json_pack("[ss?ss]", status, reason, at, number), 0, NULL, err);
}

tj_status store_label_set_grade(store_db *db, const char *number, const json_t *grade, const json_t *version,
                                const char *at, tj_error *err)
{
    return store_json_exec(
        db, "UPDATE label SET grade = ?, grade_version = ?, updated_at = ? WHERE number = ?",
        json_pack("[OOss]", grade ? grade : json_null(), version ? version : json_null(), at, number), 0,
        NULL, err);
}

tj_status store_label_expiring(store_db *db, const char *at, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT number, status FROM label WHERE status IN ('valid', 'suspended') AND valid_until <= ? "
        "ORDER BY valid_until, number LIMIT ?",
        "tnumber tstatus", json_pack("[si]", at, limit), 0, out, err);
}

tj_status store_label_each(store_db *db, const char *after, int limit, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           "SELECT " LABEL_COLS ", h.name, b.name, l.document" LABEL_JOIN
                           " WHERE l.number > ? ORDER BY l.number LIMIT ?",
                           LABEL_SPEC " tholder_name tbody_name tdocument", json_pack("[si]", after, limit),
                           1, out, err);
}

/* the columns of a registry item (svc_disclosure's public_label) */
#define SEARCH_SPEC                                                                                          \
    "tnumber tholder_org tcategory tproduct tregion iyear dvalue tunit igrade igrade_version tstatus "       \
    "tissued_at tvalid_until tholder_name tbody_name"
#define SEARCH_COLS                                                                                          \
    "l.number, l.holder_org, l.category, l.product, l.region, l.year, l.value, l.unit, l.grade, "            \
    "l.grade_version, l.status, l.issued_at, l.valid_until, h.name, b.name"

tj_status store_label_search(store_db *db, const json_t *f, int limit, int offset, json_t **out,
                             tj_error *err)
{
    /* only the filters given are in the SQL, so each can use its index */
    const char *product = json_string_value(json_object_get(f, "product"));
    const char *company = json_string_value(json_object_get(f, "company"));
    const char *category = json_string_value(json_object_get(f, "category"));
    const char *region = json_string_value(json_object_get(f, "region"));
    const char *status = json_string_value(json_object_get(f, "status"));
    json_t *grade = json_object_get(f, "grade");
    char sql[2048];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT " SEARCH_COLS LABEL_JOIN " WHERE 1 = 1");
    json_t *binds = json_array();
    char *plike = NULL, *clike = NULL;
    if (product && asprintf(&plike, "%%%s%%", product) < 0)
        plike = NULL;
    if (company && asprintf(&clike, "%%%s%%", company) < 0)
        clike = NULL;
    if ((product && !plike) || (company && !clike)) {
        free(plike);
        json_decref(binds);
        return nomem(err);
    }
#define ADD(cond, b)                                                                                         \
    do {                                                                                                     \
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s", cond);                                          \
        json_array_append_new(binds, b);                                                                     \
    } while (0)
    if (category)
        ADD(" AND l.category = ?", json_string(category));
    if (region)
        ADD(" AND l.region = ?", json_string(region));
    if (status)
        ADD(" AND l.status = ?", json_string(status));
    if (json_is_integer(grade))
        ADD(" AND l.grade = ?", json_integer(json_integer_value(grade)));
    if (plike)
        ADD(" AND l.product LIKE ?", json_string(plike));
    if (clike) {
        ADD(" AND l.holder_org IN (SELECT o.id FROM organisation o WHERE o.id = ? OR o.name LIKE ?)",
            json_string(company));
        json_array_append_new(binds, json_string(clike));
    }
    /* keyset paging: the page after the label number "after" is a range
     * start on an index ending in number, as cheap on page 50,000 as on
     * page 1 (OFFSET reads and drops every row before the page) */
    const char *after = json_string_value(json_object_get(f, "after"));
    if (after)
        ADD(" AND l.number > ?", json_string(after));
#undef ADD
    snprintf(sql + n, sizeof sql - n, " ORDER BY l.number LIMIT ? OFFSET ?");
    json_array_append_new(binds, json_integer(limit));
    json_array_append_new(binds, json_integer(offset));
    free(plike);
    free(clike);
    /* cached: the text depends only on which filters are given */
    return store_json_rows(db, sql, SEARCH_SPEC, binds, 1, out, err);
}

tj_status store_label_compare(store_db *db, const char *category, int limit, json_t **out, json_int_t *total,
                              tj_error *err)
{
    json_t *n = NULL;
    tj_status rc = store_json_rows(db, "SELECT COUNT(*) FROM label WHERE category = ? AND status = 'valid'",
                                   "in", json_pack("[s]", category), 1, &n, err);
    if (rc)
        return rc;
    *total = json_integer_value(json_object_get(json_array_get(n, 0), "n"));
    json_decref(n);
    return store_json_rows(db,
                           "SELECT " SEARCH_COLS LABEL_JOIN " WHERE l.category = ? AND l.status = 'valid'"
                           " ORDER BY l.value, l.number LIMIT ?",
                           SEARCH_SPEC, json_pack("[si]", category, limit), 1, out, err);
}

tj_status store_label_values(store_db *db, const char *category, int valid_only, json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        valid_only ? "SELECT number, value, grade, region, year, holder_org FROM label WHERE category = ? "
                     "AND status = 'valid' ORDER BY value, number"
                   : "SELECT number, value, grade, region, year, holder_org FROM label WHERE category = ? "
                     "ORDER BY value, number",
        "tnumber dvalue igrade tregion iyear tholder_org", json_pack("[s]", category), 0, out, err);
}

tj_status store_label_stat_rows(store_db *db, const json_t *f, json_t **out, tj_error *err)
{
    json_t *cat = json_object_get(f, "category"), *reg = json_object_get(f, "region"),
           *year = json_object_get(f, "year");
    return store_json_rows(
        db,
        "SELECT category, region, year, value, grade FROM label WHERE status = 'valid'"
        " AND (CAST(? AS TEXT) IS NULL OR category = ?) AND (CAST(? AS TEXT) IS NULL OR region = ?)"
        " AND (CAST(? AS BIGINT) IS NULL OR year = ?) ORDER BY category, region, year, value",
        "tcategory tregion iyear dvalue igrade", json_pack("[O?O?O?O?O?O?]", cat, cat, reg, reg, year, year),
        0, out, err);
}

tj_status store_label_holder_list(store_db *db, const char *holder_org, json_t **out, tj_error *err)
{
    return store_json_rows(
        db, "SELECT " LABEL_COLS ", h.name, b.name" LABEL_JOIN " WHERE l.holder_org = ? ORDER BY l.number",
        LABEL_SPEC " tholder_name tbody_name", json_pack("[s]", holder_org), 0, out, err);
}

#define SURV_SPEC "tnumber iseq tdue_at tstatus tresult trecorded_at trecorded_by"
#define SURV_SEL                                                                                             \
    "SELECT number, seq, due_at, status, result, recorded_at, recorded_by FROM label_surveillance"

tj_status store_label_surv_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "label_surveillance", SURV_SPEC, row, NULL, err);
}

tj_status store_label_surv_list(store_db *db, const char *number, json_t **out, tj_error *err)
{
    return store_json_rows(db, SURV_SEL " WHERE number = ? ORDER BY seq", SURV_SPEC, json_pack("[s]", number),
                           1, out, err);
}

tj_status store_label_surv_record(store_db *db, const char *number, int64_t seq, const char *status,
                                  const char *result, const char *at, const char *by, tj_error *err)
{
    return store_json_exec(
        db,
        "UPDATE label_surveillance SET status = ?, result = ?, recorded_at = ?, recorded_by = ? "
        "WHERE number = ? AND seq = ?",
        json_pack("[ss?sssI]", status, result, at, by, number, (json_int_t)seq), 0, NULL, err);
}

tj_status store_label_surv_overdue(store_db *db, const char *at, json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           SURV_SEL " WHERE status = 'scheduled' AND due_at < ? ORDER BY due_at, number, seq",
                           SURV_SPEC, json_pack("[s]", at), 0, out, err);
}

#define GRADE_SPEC "tnumber iseq igrade igrade_version treason tat"

tj_status store_label_grade_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "label_grade", GRADE_SPEC, row, NULL, err);
}

tj_status store_label_grade_list(store_db *db, const char *number, json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT number, seq, grade, grade_version, reason, at FROM label_grade WHERE number = ? "
        "ORDER BY seq",
        GRADE_SPEC, json_pack("[s]", number), 1, out, err);
}

/* ---- grading benchmarks ------------------------------------------------------- */

#define BENCH_SPEC                                                                                           \
    "tcategory iversion tmethod igrades imin_sample tthresholds isample tnote tcreated_at tcreated_by"
#define BENCH_SEL                                                                                            \
    "SELECT category, version, method, grades, min_sample, thresholds, sample, note, created_at, "           \
    "created_by "                                                                                            \
    "FROM grade_benchmark"

tj_status store_grade_benchmark_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "grade_benchmark", BENCH_SPEC, row, NULL, err);
}

tj_status store_grade_benchmark_latest(store_db *db, const char *category, json_t **out, tj_error *err)
{
    return store_json_one(db, BENCH_SEL " WHERE category = ? ORDER BY version DESC LIMIT 1", BENCH_SPEC,
                          json_pack("[s]", category), "grading benchmark / 分级基准", category, out, err);
}

tj_status store_grade_benchmark_list(store_db *db, const char *category, json_t **out, tj_error *err)
{
    return store_json_rows(
        db, BENCH_SEL " WHERE CAST(? AS TEXT) IS NULL OR category = ? ORDER BY category, version", BENCH_SPEC,
        json_pack("[s?s?]", category, category), 0, out, err);
}

/* ---- disclosures ---------------------------------------------------------------- */

#define DISC_SPEC                                                                                            \
    "tid tfootprint_id towner_org tscope tpartners tfields tstatus tpublished_at twithdrawn_at "             \
    "twithdraw_reason"
#define DISC_SEL                                                                                             \
    "SELECT id, footprint_id, owner_org, scope, partners, fields, status, published_at, withdrawn_at, "      \
    "withdraw_reason FROM disclosure"

tj_status store_disclosure_insert(store_db *db, const json_t *row, tj_error *err)
{
    return insert_obj(db, "disclosure", DISC_SPEC, row, NULL, err);
}

tj_status store_disclosure_get(store_db *db, const char *id, json_t **out, tj_error *err)
{
    return store_json_one(db, DISC_SEL " WHERE id = ?", DISC_SPEC, json_pack("[s]", id),
                          "disclosure / 披露记录", id, out, err);
}

tj_status store_disclosure_list(store_db *db, const char *owner, int public_only, int limit, int offset,
                                json_t **out, tj_error *err)
{
    return store_json_rows(db,
                           public_only ? DISC_SEL
                               " WHERE scope = 'public' AND (CAST(? AS TEXT) IS NULL OR owner_org = ?) "
                               "ORDER BY published_at DESC, id LIMIT ? OFFSET ?"
                                       : DISC_SEL " WHERE (CAST(? AS TEXT) IS NULL OR owner_org = ?) "
                                                  "ORDER BY published_at DESC, id LIMIT ? OFFSET ?",
                           DISC_SPEC, json_pack("[s?s?ii]", owner, owner, limit, offset), 0, out, err);
}

tj_status store_disclosure_withdraw(store_db *db, const char *id, const char *at, const char *reason,
                                    tj_error *err)
{
    return store_json_exec(
        db, "UPDATE disclosure SET status = 'withdrawn', withdrawn_at = ?, withdraw_reason = ? WHERE id = ?",
        json_pack("[ss?s]", at, reason, id), 0, NULL, err);
}

tj_status store_inst_object_history(store_db *db, const char *object_type, const char *object_id,
                                    json_t **out, tj_error *err)
{
    return store_json_rows(
        db,
        "SELECT idx, at, kind, body FROM ledger_entry WHERE object_type = ? AND object_id = ? ORDER BY idx",
        "iidx tat tkind tbody", json_pack("[ss]", object_type, object_id), 1, out, err);
}

/* store federation: see federation_sql.h. */
#include "store/federation_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tj_status nomem(tj_error *err)
{
    return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

static void bind_opt(store_stmt *st, int i, const char *s)
{
    if (s)
        store_bind_text(st, i, s);
    else
        store_bind_null(st, i);
}

/* Run a statement that returns no rows. */
static tj_status run(store_stmt *st, tj_error *err)
{
    int r = store_step(st, err);
    return r < 0 ? (tj_status)r : TJ_OK;
}

/* Rows of st as JSON objects; spec lists the columns: a type letter (t
 * text, i integer) and the name, separated by spaces. */
static tj_status rows(store_stmt *st, const char *const *names, const char *types, json_t **out,
                      tj_error *err)
{
    json_t *a = json_array();
    if (!a)
        return nomem(err);
    int r;
    while ((r = store_step(st, err)) == 1) {
        json_t *o = json_object();
        for (int c = 0; o && names[c]; c++) {
            json_t *v = store_col_is_null(st, c) ? json_null()
                        : types[c] == 'i'        ? json_integer((json_int_t)store_col_int64(st, c))
                                                 : json_string(store_col_text(st, c));
            if (!v || json_object_set_new(o, names[c], v)) {
                json_decref(o);
                o = NULL;
            }
        }
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return nomem(err);
        }
    }
    if (r < 0) {
        json_decref(a);
        return (tj_status)r;
    }
    *out = a;
    return TJ_OK;
}

/* The first row or NULL. */
static tj_status one_row(store_stmt *st, const char *const *names, const char *types, json_t **out,
                         tj_error *err)
{
    json_t *a = NULL;
    tj_status rc = rows(st, names, types, &a, err);
    *out = rc ? NULL : json_incref(json_array_get(a, 0));
    json_decref(a);
    return rc;
}

tj_status store_fed_self_get(store_db *db, json_t **out, tj_error *err)
{
    static const char *const names[] = {"name", "jurisdiction", "url", "updated_at", NULL};
    store_stmt *st;
    *out = NULL;
    tj_status rc = store_prepare_cached(
        db, "SELECT name, jurisdiction, url, updated_at FROM fed_self WHERE id = 1", &st, err);
    if (rc)
        return rc;
    rc = one_row(st, names, "tttt", out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_self_put(store_db *db, const char *name, const char *jurisdiction, const char *url,
                             const char *at, tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "INSERT INTO fed_self (id, name, jurisdiction, url, updated_at) "
                             "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = "
                             "excluded.name, jurisdiction = excluded.jurisdiction, url = excluded.url, "
                             "updated_at = excluded.updated_at",
                             &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, name);
    store_bind_text(st, 2, jurisdiction);
    bind_opt(st, 3, url);
    store_bind_text(st, 4, at);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_peer_insert(store_db *db, const char *name, const char *jurisdiction, const char *pk_hex,
                                const char *scopes, const char *url, const char *at, const char *by,
                                tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db,
                                        "INSERT INTO fed_peer (name, jurisdiction, public_key, scopes, url, "
                                        "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, name);
    store_bind_text(st, 2, jurisdiction);
    store_bind_text(st, 3, pk_hex);
    store_bind_text(st, 4, scopes);
    bind_opt(st, 5, url);
    store_bind_text(st, 6, at);
    store_bind_text(st, 7, by);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_peer_update(store_db *db, const char *name, const char *scopes, const char *url,
                                tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "UPDATE fed_peer SET scopes = COALESCE(?, scopes), url = COALESCE(?, url) "
                             "WHERE name = ?",
                             &st, err);
    if (rc)
        return rc;
    bind_opt(st, 1, scopes);
    bind_opt(st, 2, url);
    store_bind_text(st, 3, name);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

#define PEER_COLS                                                                                            \
    "name, jurisdiction, public_key, scopes, url, added_at, added_by, head_size, head_root, "                \
    "head_signed_at, "                                                                                       \
    "last_pull_at, items, package_at"
static const char *const peer_names[] = {
    "name",      "jurisdiction", "public_key",     "scopes",       "url",   "added_at",   "added_by",
    "head_size", "head_root",    "head_signed_at", "last_pull_at", "items", "package_at", NULL};
static const char peer_types[] = "tttttttitttit";

tj_status store_fed_peer_get(store_db *db, const char *name, const char *pk_hex, json_t **out, tj_error *err)
{
    store_stmt *st;
    *out = NULL;
    tj_status rc = store_prepare_cached(db,
                                        name ? "SELECT " PEER_COLS " FROM fed_peer WHERE name = ?"
                                             : "SELECT " PEER_COLS " FROM fed_peer WHERE public_key = ?",
                                        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, name ? name : pk_hex ? pk_hex : "");
    rc = one_row(st, peer_names, peer_types, out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_peer_list(store_db *db, json_t **out, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(db, "SELECT " PEER_COLS " FROM fed_peer ORDER BY name", &st, err);
    if (rc)
        return rc;
    rc = rows(st, peer_names, peer_types, out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_peer_advance(store_db *db, const char *name, int64_t head_size, const char *root_hex,
                                 const char *signed_at, const char *pulled_at, const char *package_at,
                                 int64_t items, tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "UPDATE fed_peer SET head_size = ?, head_root = ?, head_signed_at = ?, "
                             "last_pull_at = ?, package_at = ?, items = items + ? WHERE name = ?",
                             &st, err);
    if (rc)
        return rc;
    store_bind_int64(st, 1, head_size);
    store_bind_text(st, 2, root_hex);
    store_bind_text(st, 3, signed_at);
    store_bind_text(st, 4, pulled_at);
    store_bind_text(st, 5, package_at);
    store_bind_int64(st, 6, items);
    store_bind_text(st, 7, name);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_peer_touch(store_db *db, const char *name, const char *pulled_at, const char *package_at,
                               tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "UPDATE fed_peer SET last_pull_at = ?, package_at = ? WHERE name = ?", &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, pulled_at);
    store_bind_text(st, 2, package_at);
    store_bind_text(st, 3, name);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_entry_put(store_db *db, const char *peer, int64_t idx, const char *object_type,
                              const char *object_id, const char *kind, const char *at, const char *body,
                              tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "INSERT INTO fed_entry (peer, idx, object_type, object_id, kind, at, body) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (peer, idx) DO NOTHING",
                             &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, peer);
    store_bind_int64(st, 2, idx);
    store_bind_text(st, 3, object_type);
    store_bind_text(st, 4, object_id);
    store_bind_text(st, 5, kind);
    store_bind_text(st, 6, at);
    store_bind_text(st, 7, body);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_entry_history(store_db *db, const char *peer, const char *object_type,
                                  const char *object_id, json_t **out, tj_error *err)
{
    static const char *const names[] = {"peer", "idx", "kind", "at", "body", NULL};
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "SELECT peer, idx, kind, at, body FROM fed_entry WHERE object_type = ? AND "
                             "object_id = ? AND (CAST(? AS TEXT) IS NULL OR peer = ?) ORDER BY peer, idx",
                             &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, object_type);
    store_bind_text(st, 2, object_id);
    bind_opt(st, 3, peer);
    bind_opt(st, 4, peer);
    rc = rows(st, names,
              "titt"
              "t",
              out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_object_put(store_db *db, const char *peer, const char *object_type, const char *object_id,
                               int64_t idx, const char *status, const char *category, const char *region,
                               const char *state, const char *extra, const char *at, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db,
        "INSERT INTO fed_object (peer, object_type, object_id, idx, status, category, region, state, extra, "
        "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (peer, object_type, object_id) DO "
        "UPDATE "
        "SET idx = excluded.idx, status = excluded.status, category = excluded.category, region = "
        "excluded.region, state = excluded.state, extra = COALESCE(excluded.extra, fed_object.extra), "
        "imported_at = excluded.imported_at WHERE excluded.idx > fed_object.idx",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, peer);
    store_bind_text(st, 2, object_type);
    store_bind_text(st, 3, object_id);
    store_bind_int64(st, 4, idx);
    bind_opt(st, 5, status);
    bind_opt(st, 6, category);
    bind_opt(st, 7, region);
    store_bind_text(st, 8, state);
    bind_opt(st, 9, extra);
    store_bind_text(st, 10, at);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

#define OBJ_COLS "peer, object_type, object_id, idx, status, category, region, state, extra, imported_at"
static const char *const obj_names[] = {"peer",   "object_type", "object_id", "idx",
                                        "status", "category",    "region",    "state",
                                        "extra",  "imported_at", NULL};
static const char obj_types[] = "tttitttttt";

tj_status store_fed_object_get(store_db *db, const char *object_type, const char *object_id, json_t **out,
                               tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db, "SELECT " OBJ_COLS " FROM fed_object WHERE object_type = ? AND object_id = ? ORDER BY peer", &st,
        err);
    if (rc)
        return rc;
    store_bind_text(st, 1, object_type);
    store_bind_text(st, 2, object_id);
    rc = rows(st, obj_names, obj_types, out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_object_list(store_db *db, const char *peer, const char *object_type, const char *category,
                                int limit, int offset, json_t **out, tj_error *err)
{
    store_stmt *st;
    tj_status rc = store_prepare_cached(
        db,
        "SELECT " OBJ_COLS " FROM fed_object WHERE object_type = ? AND (CAST(? AS TEXT) IS NULL "
        "OR peer = ?) AND (CAST(? AS TEXT) IS NULL OR category = ?) ORDER BY object_id, peer "
        "LIMIT ? OFFSET ?",
        &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, object_type);
    bind_opt(st, 2, peer);
    bind_opt(st, 3, peer);
    bind_opt(st, 4, category);
    bind_opt(st, 5, category);
    store_bind_int64(st, 6, limit);
    store_bind_int64(st, 7, offset);
    rc = rows(st, obj_names, obj_types, out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_pull_log(store_db *db, const char *peer, const char *at, int ok, const char *reason,
                             int64_t since, int64_t head_size, int64_t items, const char *source,
                             tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "INSERT INTO fed_pull (peer, at, ok, reason, since, head_size, items, source) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc)
        return rc;
    bind_opt(st, 1, peer);
    store_bind_text(st, 2, at);
    store_bind_int64(st, 3, ok);
    bind_opt(st, 4, reason);
    store_bind_int64(st, 5, since);
    store_bind_int64(st, 6, head_size);
    store_bind_int64(st, 7, items);
    bind_opt(st, 8, source);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_pull_list(store_db *db, const char *peer, int limit, json_t **out, tj_error *err)
{
    static const char *const names[] = {"seq",   "peer",      "at",    "ok",     "reason",
                                        "since", "head_size", "items", "source", NULL};
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "SELECT seq, peer, at, ok, reason, since, head_size, items, source FROM "
                             "fed_pull WHERE (CAST(? AS TEXT) IS NULL OR peer = ?) ORDER BY seq DESC LIMIT ?",
                             &st, err);
    if (rc)
        return rc;
    bind_opt(st, 1, peer);
    bind_opt(st, 2, peer);
    store_bind_int64(st, 3, limit);
    rc = rows(st, names, "ittitiiit", out, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_recognition_insert(store_db *db, const char *id, const char *scheme, const char *partner,
                                       const char *document, const char *at, const char *by, tj_error *err)
{
    store_stmt *st;
    tj_status rc =
        store_prepare_cached(db,
                             "INSERT INTO fed_recognition (id, scheme, partner, document, created_at, "
                             "created_by) VALUES (?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, id);
    store_bind_text(st, 2, scheme);
    bind_opt(st, 3, partner);
    store_bind_text(st, 4, document);
    store_bind_text(st, 5, at);
    store_bind_text(st, 6, by);
    rc = run(st, err);
    store_finalize(st);
    return rc;
}

tj_status store_fed_recognition_list(store_db *db, json_t **out, tj_error *err)
{
    static const char *const names[] = {"id",         "scheme",     "partner", "document",
                                        "created_at", "created_by", NULL};
    store_stmt *st;
    tj_status rc = store_prepare_cached(db,
                                        "SELECT id, scheme, partner, document, created_at, created_by FROM "
                                        "fed_recognition ORDER BY created_at, id",
                                        &st, err);
    if (rc)
        return rc;
    rc = rows(st, names, "tttttt", out, err);
    store_finalize(st);
    return rc;
}

/* "SELECT <cols> FROM ledger_entry WHERE idx >= ? AND idx < ? AND
 * object_type IN (?, ...) <tail>", malloc'ed. */
static char *scan_sql(const char *cols, const char *const *types, const char *tail)
{
    size_t n = 0;
    while (types[n])
        n++;
    size_t len = strlen(cols) + strlen(tail) + 3 * n + 128;
    char *sql = malloc(len);
    if (!sql)
        return NULL;
    int w = snprintf(sql, len, "SELECT %s FROM ledger_entry WHERE idx >= ? AND idx < ? AND object_type IN (",
                     cols);
    for (size_t i = 0; i < n; i++)
        w += snprintf(sql + w, len - (size_t)w, i ? ", ?" : "?");
    snprintf(sql + w, len - (size_t)w, ") %s", tail);
    return sql;
}

static void bind_range(store_stmt *st, int64_t from, int64_t to, const char *const *types)
{
    store_bind_int64(st, 1, from);
    store_bind_int64(st, 2, to);
    for (int i = 0; types[i]; i++)
        store_bind_text(st, 3 + i, types[i]);
}

tj_status store_fed_ledger_scan(store_db *db, int64_t from, int64_t to, const char *const *types,
                                store_fed_entry_cb cb, void *arg, tj_error *err)
{
    /* In pages by index, so that a large log is not one result set held in
     * memory (libpq reads a whole result). */
    const int64_t page = 5000;
    char *sql =
        scan_sql("idx, object_type, object_id, kind, state_digest, body", types, "ORDER BY idx LIMIT ?");
    if (!sql)
        return nomem(err);
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, sql, &st, err);
    free(sql);
    int ntypes = 0;
    while (types[ntypes])
        ntypes++;
    int64_t at = from;
    while (rc == TJ_OK && at < to) {
        store_reset(st);
        bind_range(st, at, to, types);
        store_bind_int64(st, 3 + ntypes, page);
        int r, got = 0, stop = 0;
        while (!stop && (r = store_step(st, err)) == 1) {
            got++;
            int64_t idx = store_col_int64(st, 0);
            at = idx + 1;
            stop = cb(arg, idx, store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3),
                      store_col_text(st, 4), store_col_text(st, 5));
        }
        if (!stop && r < 0)
            rc = (tj_status)r;
        if (stop || got < page)
            break;
    }
    store_finalize(st);
    return rc;
}

tj_status store_fed_ledger_latest(store_db *db, int64_t from, int64_t to, const char *const *types,
                                  store_fed_idx_cb cb, void *arg, tj_error *err)
{
    char *sql = scan_sql("MAX(idx)", types, "GROUP BY object_type, object_id");
    if (!sql)
        return nomem(err);
    store_stmt *st = NULL;
    tj_status rc = store_prepare(db, sql, &st, err);
    free(sql);
    if (rc)
        return rc;
    bind_range(st, from, to, types);
    int r;
    while ((r = store_step(st, err)) == 1)
        if (cb(arg, store_col_int64(st, 0)))
            break;
    if (r < 0)
        rc = (tj_status)r;
    store_finalize(st);
    return rc;
}

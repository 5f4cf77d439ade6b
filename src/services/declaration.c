/* Saved declarations; see services/declaration.h. */
#include "services/declaration.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"
#include "store/declaration_sql.h"

static const char *subject_of(const char *kind, const json_t *result)
{
    const char *s = NULL;
    if (!strcmp(kind, "battery"))
        s = json_string_value(json_object_get(json_object_get(result, "battery"), "battery_model"));
    else
        s = json_string_value(json_object_get(json_object_get(result, "installation"), "name"));
    return s ? s : "";
}

tj_status svc_declaration_save(svc_ctx *ctx, const char *kind, const json_t *input, const json_t *result,
                               char **id_out, tj_error *err)
{
    *id_out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "save declarations", err);
    if (rc)
        return rc;
    if (!ctx->db)
        return tj_error_set(err, TJ_ERR_USAGE, "db", "saving a declaration needs a database (--db)");
    if (strcmp(kind, "battery") && strcmp(kind, "cbam"))
        return tj_error_set(err, TJ_ERR_USAGE, "kind", "battery or cbam");
    char at[32], digest[65];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *canon = NULL, *in_text = NULL, *res_text = NULL;
    size_t clen = 0;
    json_t *whole = json_pack("{s:s,s:O,s:O}", "kind", kind, "input", input, "result", result), *state = NULL;
    store_declaration d = {0};
    d.id = svc_new_uuid();
    if (!whole || !d.id) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = ledger_jcs(whole, &canon, &clen, err)))
        goto out;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)canon, clen);
    sodium_bin2hex(digest, sizeof digest, h, sizeof h);
    in_text = json_dumps(input, JSON_COMPACT | JSON_REAL_PRECISION(17));
    res_text = json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!in_text || !res_text) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    d.org_id = ctx->who.org_id;
    d.kind = kind;
    d.created_at = at;
    d.created_by = ctx->who.id;
    d.subject = subject_of(kind, result);
    d.example = json_is_true(json_object_get(result, "example"));
    d.digest = digest;
    d.input = in_text;
    d.result = res_text;
    if ((rc = svc_begin(ctx, err)))
        goto out;
    if (!(rc = store_declaration_insert(ctx->db, &d, err)) &&
        !(rc = store_declaration_get(ctx->db, d.id, 0, &state, err))) {
        json_t *change = json_pack("{s:s,s:s}", "action", "save", "kind", kind);
        rc = svc_record(ctx, "declaration.save", "declaration", d.id, change, state, err);
        json_decref(change);
    }
    if (!rc)
        rc = svc_commit(ctx, err);
    else
        svc_rollback(ctx);
out:
    if (!rc) {
        *id_out = (char *)d.id;
        d.id = NULL;
    }
    free((char *)d.id);
    free(canon);
    free(in_text);
    free(res_text);
    json_decref(whole);
    json_decref(state);
    return rc;
}

tj_status svc_declaration_get(svc_ctx *ctx, const char *id, int whole, json_t **out, tj_error *err)
{
    *out = NULL;
    json_t *o = NULL;
    tj_status rc = store_declaration_get(ctx->db, id, whole, &o, err);
    if (rc)
        return rc;
    if (!svc_owns(ctx, json_string_value(json_object_get(o, "org_id")))) {
        json_decref(o);
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no declaration \"%.80s\" / 申报记录不存在", id);
    }
    *out = o;
    return TJ_OK;
}

tj_status svc_declaration_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err)
{
    svc_page(&limit, &offset);
    return store_declaration_list(ctx->db, svc_list_owner(ctx), limit, offset, out, err);
}

tj_status svc_declaration_each_state(store_db *db,
                                     tj_status (*emit)(void *arg, const char *object_id, const json_t *state,
                                                       tj_error *err),
                                     void *arg, tj_error *err)
{
    enum { PAGE = 500 };
    for (int offset = 0;; offset += PAGE) {
        json_t *a = NULL;
        tj_status rc = store_declaration_list(db, NULL, PAGE, offset, &a, err);
        if (rc)
            return rc;
        size_t i, n = json_array_size(a);
        json_t *s;
        json_array_foreach(a, i, s) if (!rc) rc =
            emit(arg, json_string_value(json_object_get(s, "id")), s, err);
        json_decref(a);
        if (rc || n < PAGE)
            return rc;
    }
}

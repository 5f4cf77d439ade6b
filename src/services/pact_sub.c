/* svc_pact_sub: scheduled PACT pulls; see pact_sub.h. */
#include "services/pact_sub.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "services/inst_util.h"
#include "services/pact.h"
#include "services/secret_box.h"
#include "store/accounts.h"
#include "store/pact_sub_sql.h"

static void utc_of(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int url_ok(const char *u)
{
    if (!u || strlen(u) > 1000 || strpbrk(u, " \"<>\\"))
        return 0;
    const char *e = getenv("TANJI_PACT_ALLOW_HTTP");
    return !strncasecmp(u, "https://", 8) || (e && !strcmp(e, "1") && !strncasecmp(u, "http://", 7));
}

int64_t svc_pact_sub_backoff(int64_t interval_s, int64_t failures)
{
    int64_t base = interval_s < 60 ? interval_s : 60, cap = interval_s > 3600 ? interval_s : 3600;
    if (base < 1)
        base = 1;
    int64_t d = base;
    for (int64_t i = 1; i < failures && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

json_t *svc_pact_sub_state(const json_t *row)
{
    const char *box = inst_str(row, "secret_box");
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(h, (const unsigned char *)(box ? box : ""), box ? strlen(box) : 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    /* the sealed secret by its digest: a swapped secret shows, the secret does not */
    return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:s}", "owner_org", json_object_get(row, "owner_org"), "url",
                     json_object_get(row, "url"), "client_id", json_object_get(row, "client_id"), "interval_s",
                     json_object_get(row, "interval_s"), "created_by", json_object_get(row, "created_by"),
                     "created_at", json_object_get(row, "created_at"), "secret_sha256", hex);
}

tj_status svc_pact_sub_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err)
{
    json_t *rows = NULL;
    tj_status rc = store_pact_sub_list(db, NULL, &rows, err);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc)
            break;
        json_t *s = svc_pact_sub_state(r);
        rc = s ? emit(arg, inst_str(r, "id"), s, err) : tj_error_nomem(err);
        json_decref(s);
    }
    json_decref(rows);
    return rc;
}

/* What users see: never the secret. */
static json_t *view(const json_t *r)
{
    char next[32];
    utc_of(json_integer_value(json_object_get(r, "next_run")), next);
    const char *rep = inst_str(r, "last_report"), *e = inst_str(r, "last_error");
    return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:s,s:O?,s:O?,s:o?,s:o?,s:O,s:O}", "id", json_object_get(r, "id"),
                     "org", json_object_get(r, "owner_org"), "url", json_object_get(r, "url"), "client_id",
                     json_object_get(r, "client_id"), "interval", json_object_get(r, "interval_s"), "created_by",
                     json_object_get(r, "created_by"), "created_at", json_object_get(r, "created_at"), "next_run",
                     next, "last_run", json_object_get(r, "last_run"), "last_status",
                     json_object_get(r, "last_status"), "last_report", rep ? json_loads(rep, 0, NULL) : NULL,
                     "last_error", e ? json_loads(e, 0, NULL) : NULL, "failures", json_object_get(r, "failures"),
                     "runs", json_object_get(r, "runs"));
}

tj_status svc_pact_sub_add(svc_ctx *ctx, const char *url, const char *client_id, const char *client_secret,
                           int64_t interval_s, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE, "subscribe to a supplier's PACT footprints", err);
    if (rc)
        return rc;
    if (!ctx->who.org_id)
        return tj_error_set(err, TJ_ERR_PERM, NULL, "the principal acts for no organisation");
    if (!url_ok(url))
        return tj_error_set(err, TJ_ERR_INPUT, "url", "the supplier's PACT base URL must be https://... "
                                                      "(at most 1000 bytes) / 须为 https:// 地址");
    if (!client_id || !*client_id || strlen(client_id) > 500)
        return tj_error_set(err, TJ_ERR_INPUT, "client_id", "client_id is required (at most 500 bytes)");
    if (!client_secret || !*client_secret || strlen(client_secret) > 500)
        return tj_error_set(err, TJ_ERR_INPUT, "client_secret", "client_secret is required (at most 500 bytes)");
    if (interval_s < 1 || interval_s > SVC_PACT_SUB_MAX_INTERVAL)
        return tj_error_set(err, TJ_ERR_INPUT, "interval", "interval is 1 to %d seconds / 间隔为 1 至 %d 秒",
                            SVC_PACT_SUB_MAX_INTERVAL, SVC_PACT_SUB_MAX_INTERVAL);
    char *id = svc_new_uuid(), *box = NULL;
    if (!id)
        return tj_error_nomem(err);
    if ((rc = svc_secret_seal(ctx->db, id, client_secret, &box, err))) {
        free(id);
        return rc;
    }
    int64_t now = (int64_t)time(NULL);
    char at[32];
    utc_of(now, at);
    json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:I,s:i,s:i}", "id", id, "owner_org", ctx->who.org_id,
                            "url", url, "client_id", client_id, "secret_box", box, "interval_s",
                            (json_int_t)interval_s, "created_by", ctx->who.id, "created_at", at, "next_run",
                            (json_int_t)now, "failures", 0, "runs", 0);
    if (!row)
        rc = tj_error_nomem(err);
    if (!rc && !(rc = svc_begin(ctx, err))) {
        rc = store_pact_sub_insert(ctx->db, row, err);
        json_t *ch = json_pack("{s:s,s:s,s:s,s:I}", "action", "add", "url", url, "client_id", client_id,
                               "interval_s", (json_int_t)interval_s);
        json_t *st = svc_pact_sub_state(row);
        if (!rc)
            rc = ch && st ? svc_record(ctx, "pact.subscription.add", "pact_subscription", id, ch, st, err)
                          : tj_error_nomem(err);
        json_decref(ch);
        json_decref(st);
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    if (!rc && !(*out = view(row)))
        rc = tj_error_nomem(err);
    json_decref(row);
    free(box);
    free(id);
    return rc;
}

tj_status svc_pact_sub_list(svc_ctx *ctx, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "list PACT subscriptions", err);
    if (rc)
        return rc;
    json_t *rows = NULL;
    int all = (ctx->who.roles & SVC_ROLE_OPERATOR) != 0;
    if ((rc = store_pact_sub_list(ctx->db, all ? NULL : (ctx->who.org_id ? ctx->who.org_id : ""), &rows, err)))
        return rc;
    json_t *res = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_array_append_new(res, view(r));
    json_decref(rows);
    *out = res;
    return TJ_OK;
}

/* The subscription id of the principal's organisation (the operator: any). */
static tj_status load_own(svc_ctx *ctx, const char *id, json_t **row, tj_error *err)
{
    *row = NULL;
    if (!id || strlen(id) > 100)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no PACT subscription \"%.100s\"", id ? id : "");
    tj_status rc = store_pact_sub_get(ctx->db, id, row, err);
    if (!rc && !svc_owns(ctx, inst_str(*row, "owner_org"))) {
        json_decref(*row);
        *row = NULL;
        /* another organisation's: as if it did not exist */
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no PACT subscription \"%s\"", id);
    }
    return rc;
}

tj_status svc_pact_sub_remove(svc_ctx *ctx, const char *id, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "remove a PACT subscription", err);
    json_t *row = NULL;
    if (rc || (rc = load_own(ctx, id, &row, err)))
        return rc;
    if (!(rc = svc_begin(ctx, err))) {
        int64_t n = 0;
        rc = store_pact_sub_delete(ctx->db, id, &n, err);
        if (!rc && n != 1)
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "id", "no PACT subscription \"%s\"", id);
        json_t *ch = json_pack("{s:s,s:O}", "action", "remove", "url", json_object_get(row, "url"));
        if (!rc)
            rc = ch ? svc_record(ctx, "pact.subscription.remove", "pact_subscription", id, ch, NULL, err)
                    : tj_error_nomem(err);
        json_decref(ch);
        rc = rc ? (svc_rollback(ctx), rc) : svc_commit(ctx, err);
    }
    json_decref(row);
    return rc;
}

/* Run one (already leased or asked for) and record its outcome; the
 * pull's error in *pull_err. */
static tj_status run_one(store_db *db, const json_t *row, const char *ca_file, tj_error *pull_err, tj_error *err)
{
    tj_error_clear(pull_err);
    svc_ctx c;
    char *secret = NULL;
    json_t *report = NULL;
    tj_status prc = svc_ctx_of_principal(&c, db, inst_str(row, "created_by"),
                                         "the principal who created the subscription is disabled / 订阅的创建者已停用", pull_err);
    if (!prc) {
        if (!c.who.org_id || strcmp(c.who.org_id, inst_str(row, "owner_org")))
            prc = tj_error_set(pull_err, TJ_ERR_PERM, NULL,
                               "the subscription's creator no longer acts for its organisation");
        else if (!(prc = svc_secret_open(db, inst_str(row, "id"), inst_str(row, "secret_box"), &secret, pull_err)))
            prc = svc_pact_pull(&c, inst_str(row, "url"), inst_str(row, "client_id"), secret, ca_file, &report,
                                pull_err);
        svc_ctx_release(&c);
    }
    svc_secret_plain_free(secret);
    while (store_in_transaction(db))
        store_rollback(db);
    int64_t now = (int64_t)time(NULL), interval = json_integer_value(json_object_get(row, "interval_s"));
    int64_t failures = prc ? json_integer_value(json_object_get(row, "failures")) + 1 : 0;
    char at[32];
    utc_of(now, at);
    char *rep = NULL, *etext = NULL;
    if (report) {
        /* the counts, not the whole list */
        json_t *brief = json_pack("{s:O,s:O,s:I}", "pulled", json_object_get(report, "pulled"), "updated",
                                  json_object_get(report, "updated"), "footprints",
                                  (json_int_t)json_array_size(json_object_get(report, "footprints")));
        rep = brief ? json_dumps(brief, JSON_COMPACT) : NULL;
        json_decref(brief);
    }
    if (prc)
        etext = svc_error_json_text(pull_err);
    tj_status rc = store_pact_sub_result(db, inst_str(row, "id"), at, prc ? "error" : "ok", etext, rep, failures,
                                         now + (prc ? svc_pact_sub_backoff(interval, failures) : interval), err);
    free(rep);
    free(etext);
    json_decref(report);
    return rc;
}

tj_status svc_pact_sub_run(svc_ctx *ctx, const char *id, const char *ca_file, json_t **out, tj_error *err)
{
    *out = NULL;
    tj_status rc = svc_require(ctx, SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR, "run a PACT subscription", err);
    json_t *row = NULL;
    if (rc || (rc = load_own(ctx, id, &row, err)))
        return rc;
    tj_error pe;
    if (!(rc = run_one(ctx->db, row, ca_file, &pe, err))) {
        json_decref(row);
        row = NULL;
        if (pe.code) {
            *err = pe;
            rc = pe.code;
        } else if (!(rc = store_pact_sub_get(ctx->db, id, &row, err)) && !(*out = view(row)))
            rc = tj_error_nomem(err);
    }
    json_decref(row);
    return rc;
}

/* A due pull: its own failure is recorded with the subscription, not returned. */
static tj_status run_due_one(store_db *db, const json_t *row, const char *ca_file, tj_error *err)
{
    tj_error pe;
    return run_one(db, row, ca_file, &pe, err);
}

tj_status svc_pact_sub_run_due(store_db *db, const char *ca_file, int *worked, tj_error *err)
{
    /* a lease of ten minutes (a pull's pages time out well before) */
    static const svc_leased_work w = {store_pact_sub_due, store_pact_sub_lease, run_due_one, "next_run", 4, 600};
    return svc_run_leased(db, &w, ca_file, worked, err);
}

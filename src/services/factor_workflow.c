/*
 * svc_factor workflow: adding versions, workflow transitions (the table is
 * svc_factor_workflow in workflow.c), history, visibility and the ledger
 * entries of every change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "services/ctx.h"
#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/workflow.h"
#include "store/factor_sql.h"

/* Statuses everyone may read: versions that were published. */
int fx_status_public(const char *s)
{
    return s && (!strcmp(s, "published") || !strcmp(s, "superseded") || !strcmp(s, "withdrawn"));
}

const char *fx_visible_org(const svc_ctx *ctx)
{
    if (ctx->who.roles & SVC_FACTOR_REVIEW_ROLES)
        return NULL;
    return ctx->who.org_id ? ctx->who.org_id : "";
}

int fx_visible(const svc_ctx *ctx, const svc_factor *f)
{
    return fx_status_public(f->status) || !fx_visible_org(ctx) || svc_owns(ctx, f->owner_org);
}

tj_status fx_record(svc_ctx *ctx, const char *kind, const svc_factor *f, const char *action, const char *from,
                    const char *to, const char *reason, tj_error *err)
{
    char oid[320];
    if (snprintf(oid, sizeof oid, "%s@%d", f->id, f->version) >= (int)sizeof oid)
        return tj_error_set(err, TJ_ERR_INPUT, "id", "id is too long");
    json_t *change = svc_workflow_change_json(action, from, to, reason);
    json_t *state = svc_factor_to_json(f);
    tj_status rc = change && state ? svc_record(ctx, kind, "factor_version", oid, change, state, err)
                                   : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_decref(change);
    json_decref(state);
    return rc;
}

tj_status fx_record_prepare(const svc_ctx *ctx, const char *kind, const svc_factor *f, const char *action,
                            const char *from, const char *to, const char *reason, ledger_prepared *p,
                            tj_error *err)
{
    memset(p, 0, sizeof *p);
    char oid[320];
    if (snprintf(oid, sizeof oid, "%s@%d", f->id, f->version) >= (int)sizeof oid)
        return tj_error_set(err, TJ_ERR_INPUT, "id", "id is too long");
    json_t *change = svc_workflow_change_json(action, from, to, reason);
    /* the state's canonical JSON written directly (a third of the work of
     * building the object and canonicalising it); the generic path for
     * what it leaves */
    ledger_jbuf sb = {0};
    json_t *state = NULL;
    if (fx_factor_state_jcs(f, &sb)) {
        free(sb.p);
        sb = (ledger_jbuf){0};
        state = svc_factor_to_json(f);
    }
    ledger_entry_in e = {
        .kind = kind,
        .object_type = "factor_version",
        .object_id = oid,
        .actor = ctx->who.id,
        .org = ctx->who.org_id,
        .change = change,
        .state = state,
        .state_canonical = state ? NULL : sb.p,
        .state_canonical_len = sb.n,
    };
    tj_status rc = change && (state || sb.p) ? ledger_prepare(&e, p, err)
                                             : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    json_decref(change);
    json_decref(state);
    free(sb.p);
    return rc;
}

tj_status svc_factor_add(svc_ctx *ctx, svc_factor *f, tj_error *err)
{
    tj_status rc = svc_require(ctx, SVC_FACTOR_ADD_ROLES, "add factor versions", err);
    if (rc != TJ_OK)
        return rc;
    store_db *db = ctx->db;
    svc_regions regions;
    if ((rc = svc_regions_load(db, &regions, err)) != TJ_OK)
        return rc;
    if ((rc = fx_validate(&regions, f, err)) != TJ_OK)
        goto out;
    if (!f->id && !(f->id = fx_new_id())) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = svc_begin(ctx, err)) != TJ_OK)
        goto out;
    int latest;
    char *lstatus = NULL, *lowner = NULL;
    if ((rc = factor_sql_latest(db, f->id, &latest, &lstatus, &lowner, err)) != TJ_OK)
        goto fail;
    /* A new version of another organisation's factor: only reviewers,
     * regulators and the operator may (the owner adds its own). */
    if (latest && !svc_owns(ctx, lowner) && !(ctx->who.roles & SVC_FACTOR_REVIEW_ROLES)) {
        rc = tj_error_set(err, TJ_ERR_PERM, "id", "%s belongs to another organisation / 该因子属于其他机构",
                          f->id);
        free(lstatus);
        free(lowner);
        goto fail;
    }
    free(lowner);
    if (latest && fx_status_in_workflow(lstatus)) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "id",
                          "%s@%d is still %s; finish or reject it before adding a new version", f->id, latest,
                          lstatus);
        free(lstatus);
        goto fail;
    }
    free(lstatus);
    if (f->version && f->version <= latest) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "version", "%s@%d exists already", f->id, f->version);
        goto fail;
    }
    if (!f->version)
        f->version = latest + 1;
    char now[32];
    svc_now_rfc3339(now, sizeof now);
    free(f->status);
    free(f->created_at);
    free(f->updated_at);
    free(f->created_by);
    free(f->owner_org);
    f->status = fx_strdup("draft");
    f->created_at = fx_strdup(now);
    f->updated_at = fx_strdup(now);
    f->created_by = fx_strdup(ctx->who.name);
    f->owner_org = fx_strdup(ctx->who.org_id);
    f->superseded_by = 0;
    if (!f->status || !f->created_at || !f->updated_at || !f->created_by || !f->owner_org) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    if ((rc = fx_insert_version(db, &regions, f, err)) != TJ_OK)
        goto fail;
    if ((rc = fx_event(db, f->id, f->version, "add", NULL, "draft", ctx->who.name, now, NULL, err)) != TJ_OK)
        goto fail;
    if ((rc = fx_record(ctx, "factor.add", f, "add", NULL, "draft", NULL, err)) != TJ_OK)
        goto fail;
    rc = svc_commit(ctx, err);
    goto out;
fail:
    svc_rollback(ctx);
out:
    svc_regions_release(&regions);
    return rc;
}

/* The version a transition moved, read back for the ledger and the caller. */
static tj_status moved(svc_ctx *ctx, const char *id, int version, svc_factor *out, tj_error *err)
{
    return fx_get(ctx->db, id, version, out, err);
}

tj_status svc_factor_transition(svc_ctx *ctx, const char *id, int version, const char *action,
                                const char *reason, svc_factor *out, tj_error *err)
{
    if (out)
        svc_factor_init(out);
    if (!svc_workflow_knows(&svc_factor_workflow, action))
        return tj_error_set(err, TJ_ERR_USAGE, "action", "unknown workflow action \"%s\"", action);
    store_db *db = ctx->db;
    tj_status rc = svc_begin(ctx, err);
    if (rc != TJ_OK)
        return rc;
    char *status = NULL, *source = NULL, *owner = NULL;
    svc_factor f;
    svc_factor_init(&f);
    if (version <= 0) {
        if ((rc = factor_sql_latest(db, id, &version, NULL, NULL, err)) != TJ_OK)
            goto fail;
        if (!version) {
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
            goto fail;
        }
    }
    int found;
    if ((rc = factor_sql_state(db, id, version, &status, &source, &owner, &found, err)) != TJ_OK)
        goto fail;
    /* a version the principal may not see is not found, as a missing one */
    if (!found || (!fx_status_public(status) && fx_visible_org(ctx) && !svc_owns(ctx, owner))) {
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
        goto fail;
    }
    char what[320];
    snprintf(what, sizeof what, "%s@%d", id, version);
    const svc_transition *t;
    if ((rc = svc_workflow_step(&svc_factor_workflow, ctx, action, status, what, reason, !fx_empty(source), &t,
                                err)) != TJ_OK)
        goto fail;
    char now[32];
    svc_now_rfc3339(now, sizeof now);
    const char *actor = ctx->who.name;
    if (!strcmp(t->to, "published")) {
        /* supersede the version published so far */
        int old = 0;
        if ((rc = factor_sql_published_version(db, id, &old, err)) != TJ_OK)
            goto fail;
        if (old) {
            if ((rc = factor_sql_supersede(db, id, old, version, now, err)) != TJ_OK ||
                (rc = fx_delete_names(db, id, old, err)) != TJ_OK)
                goto fail;
            char why[96];
            snprintf(why, sizeof why, "superseded by version %d", version);
            if ((rc = fx_event(db, id, old, "supersede", "published", "superseded", actor, now, why, err)))
                goto fail;
            svc_factor o;
            if ((rc = moved(ctx, id, old, &o, err)) != TJ_OK)
                goto fail;
            rc = fx_record(ctx, "factor.supersede", &o, "supersede", "published", "superseded", why, err);
            svc_factor_release(&o);
            if (rc != TJ_OK)
                goto fail;
        }
    }
    int64_t changed;
    if ((rc = factor_sql_set_status(db, id, version, status, t->to, now, &changed, err)) != TJ_OK)
        goto fail;
    if (changed != 1) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "%s@%d changed meanwhile", id, version);
        goto fail;
    }
    if ((rc = moved(ctx, id, version, &f, err)) != TJ_OK)
        goto fail;
    /* factor_name lists the names of published versions only (resolution) */
    if (!strcmp(t->to, "published")) {
        if ((rc = fx_insert_names(db, &f, err)) != TJ_OK)
            goto fail;
    } else if (!strcmp(status, "published") && (rc = fx_delete_names(db, id, version, err)) != TJ_OK) {
        goto fail;
    }
    if ((rc = fx_event(db, id, version, action, status, t->to, actor, now, reason, err)))
        goto fail;
    if ((rc = fx_record(ctx, t->kind, &f, action, status, t->to, reason, err)) != TJ_OK)
        goto fail;
    if ((rc = svc_commit(ctx, err)) != TJ_OK)
        goto out;
    if (out) {
        *out = f;
        svc_factor_init(&f);
    }
    goto out;
fail:
    svc_rollback(ctx);
out:
    svc_factor_release(&f);
    free(status);
    free(source);
    free(owner);
    return rc;
}

json_t *svc_factor_transition_json(const svc_factor *f, const char *action)
{
    return json_pack("{s:s, s:i, s:s, s:s}", "id", f->id, "version", f->version, "status", f->status, "action",
                     action);
}

/* ---- history --------------------------------------------------------- */

void svc_factor_events_release(svc_factor_events *ev)
{
    for (size_t i = 0; i < ev->count; i++) {
        svc_factor_event *e = &ev->items[i];
        free(e->action);
        free(e->from_status);
        free(e->to_status);
        free(e->actor);
        free(e->at);
        free(e->reason);
    }
    free(ev->items);
    memset(ev, 0, sizeof *ev);
}

typedef struct hist_ctx {
    svc_factor_events *out;
    int version; /* 0 = all */
} hist_ctx;

static tj_status add_event(void *arg, int64_t seq, int version, const char *action, const char *from,
                           const char *to, const char *actor, const char *at, const char *reason, tj_error *err)
{
    hist_ctx *h = arg;
    if (h->version && version != h->version)
        return TJ_OK;
    svc_factor_events *out = h->out;
    svc_factor_event *n = realloc(out->items, (out->count + 1) * sizeof *n);
    if (!n)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    out->items = n;
    svc_factor_event *e = &out->items[out->count++];
    e->seq = seq;
    e->version = version;
    e->action = fx_strdup(action);
    e->from_status = fx_strdup(from);
    e->to_status = fx_strdup(to);
    e->actor = fx_strdup(actor);
    e->at = fx_strdup(at);
    e->reason = fx_strdup(reason);
    return TJ_OK;
}

tj_status svc_factor_history(svc_ctx *ctx, const char *id, int version, svc_factor_events *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    /* The history of a factor is visible when its newest version is (or,
     * for one version, that version is). */
    svc_factor f;
    tj_status rc = fx_get(ctx->db, id, version, &f, err);
    if (rc == TJ_OK && !fx_visible(ctx, &f)) {
        int ok = 0;
        if (!version && factor_sql_published_version(ctx->db, id, &ok, NULL) != TJ_OK)
            ok = 0; /* a published version makes the factor's history public */
        if (!ok)
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    }
    svc_factor_release(&f);
    if (rc != TJ_OK)
        return rc;
    hist_ctx h = {out, version};
    rc = factor_sql_history(ctx->db, id, add_event, &h, err);
    if (rc != TJ_OK) {
        svc_factor_events_release(out);
        return rc;
    }
    if (out->count == 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    return TJ_OK;
}

json_t *svc_factor_events_json(const char *id, const svc_factor_events *ev)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < ev->count; i++) {
        const svc_factor_event *e = &ev->items[i];
        json_array_append_new(a, json_pack("{s:I, s:i, s:s, s:s?, s:s, s:s, s:s, s:s?}", "seq", (json_int_t)e->seq,
                                           "version", e->version, "action", e->action, "from", e->from_status,
                                           "to", e->to_status, "actor", e->actor, "at", e->at, "reason",
                                           e->reason));
    }
    return a ? json_pack("{s:s, s:o}", "id", id, "events", a) : NULL;
}

/* ---- reading --------------------------------------------------------- */

tj_status svc_factor_get(svc_ctx *ctx, const char *id, int version, svc_factor *out, tj_error *err)
{
    tj_status rc = fx_get(ctx->db, id, version, out, err);
    if (rc != TJ_OK)
        return rc;
    if (fx_visible(ctx, out))
        return TJ_OK;
    svc_factor_release(out);
    if (version > 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
    return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
}

tj_status svc_factor_get_for_use(svc_ctx *ctx, const char *id, int version, svc_factor *out, tj_error *err)
{
    tj_status rc = svc_factor_get(ctx, id, version, out, err);
    if (rc != TJ_OK)
        return rc;
    int ok = !strcmp(out->status, "published") || (version > 0 && !strcmp(out->status, "superseded"));
    if (ok)
        return TJ_OK;
    if (version > 0)
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "factor", "%s@%d is %s: only published versions can be used",
                          id, version, out->status);
    else
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor",
                          "%s has no published version (the newest, %d, is %s)", id, out->version,
                          out->status);
    svc_factor_release(out);
    return rc;
}

tj_status svc_factor_state_json(svc_ctx *ctx, const char *object_id, json_t **out, tj_error *err)
{
    *out = NULL;
    char *id;
    int version;
    tj_status rc = svc_factor_parse_ref(object_id, &id, &version, err);
    if (rc != TJ_OK)
        return rc;
    if (!version) {
        free(id);
        return tj_error_set(err, TJ_ERR_INPUT, "object_id", "\"%s\" is not ID@VERSION", object_id);
    }
    svc_factor f;
    rc = svc_factor_get(ctx, id, version, &f, err);
    free(id);
    if (rc != TJ_OK)
        return rc;
    *out = svc_factor_to_json(&f);
    svc_factor_release(&f);
    return *out ? TJ_OK : tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
}

typedef struct each_state {
    store_db *db;
    tj_status (*emit)(void *arg, const char *object_id, const json_t *state, tj_error *err);
    void *arg;
} each_state;

static tj_status each_state_row(void *arg, store_stmt *st, int first, tj_error *err)
{
    each_state *e = arg;
    svc_factor f;
    fx_read_row(st, first, &f);
    tj_status rc = fx_load_evidence(e->db, &f, err);
    char *ref = NULL;
    json_t *state = NULL;
    if (rc == TJ_OK && (asprintf(&ref, "%s@%d", f.id, f.version) < 0 || !(state = svc_factor_to_json(&f)))) {
        if (ref == NULL || state == NULL)
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    }
    if (rc == TJ_OK)
        rc = e->emit(e->arg, ref, state, err);
    json_decref(state);
    free(ref);
    svc_factor_release(&f);
    return rc;
}

tj_status svc_factor_each_state(store_db *db, tj_status (*emit)(void *arg, const char *object_id, const json_t *state,
                                                                 tj_error *err),
                                void *arg, tj_error *err)
{
    each_state e = {db, emit, arg};
    return factor_sql_each(db, 1000, each_state_row, &e, err);
}

/*
 * svc_factor workflow: adding versions, workflow transitions and history.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "services/factors.h"
#include "services/factors_internal.h"
#include "services/regions.h"
#include "services/ctx.h"
#include "tanji/text.h"

tj_status svc_factor_add(store_db *db, svc_factor *f, const char *actor, tj_error *err)
{
    if (fx_empty(actor))
        return tj_error_set(err, TJ_ERR_USAGE, "actor", "who is adding the factor? (actor is required)");
    svc_regions regions;
    tj_status rc = svc_regions_load(db, &regions, err);
    if (rc != TJ_OK)
        return rc;
    if ((rc = fx_validate(&regions, f, err)) != TJ_OK)
        goto out;
    if (!f->id && !(f->id = fx_new_id())) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = store_begin(db, err)) != TJ_OK)
        goto out;
    int latest;
    char *lstatus = NULL;
    if ((rc = fx_latest(db, f->id, &latest, &lstatus, err)) != TJ_OK)
        goto fail;
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
    f->status = fx_strdup("draft");
    f->created_at = fx_strdup(now);
    f->updated_at = fx_strdup(now);
    f->created_by = fx_strdup(actor);
    f->superseded_by = 0;
    if (!f->status || !f->created_at || !f->updated_at || !f->created_by) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    if ((rc = fx_insert_version(db, &regions, f, err)) != TJ_OK)
        goto fail;
    if ((rc = fx_event(db, f->id, f->version, "add", NULL, "draft", actor, now, NULL, err)) != TJ_OK)
        goto fail;
    rc = store_commit(db, err);
    goto out;
fail:
    store_rollback(db);
out:
    svc_regions_release(&regions);
    return rc;
}

/* ---- workflow -------------------------------------------------------- */

typedef struct transition {
    const char *action, *from, *to;
    int needs_reason;
} transition;

static const transition transitions[] = {
    {"submit", "draft", "submitted", 0},           {"review", "submitted", "under_review", 0},
    {"review", "under_review", "under_review", 1}, /* a further reviewer's comment */
    {"approve", "under_review", "approved", 0},    {"reject", "under_review", "rejected", 1},
    {"reject", "submitted", "rejected", 1},        {"publish", "approved", "published", 0},
    {"withdraw", "published", "withdrawn", 1},
};

tj_status svc_factor_transition(store_db *db, const char *id, int version, const char *action,
                                const char *actor, const char *reason, tj_error *err)
{
    int known = 0;
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        known |= !strcmp(transitions[i].action, action);
    if (!known)
        return tj_error_set(err, TJ_ERR_USAGE, "action", "unknown workflow action \"%s\"", action);
    if (fx_empty(actor))
        return tj_error_set(err, TJ_ERR_USAGE, "actor", "who does this? (actor is required)");
    tj_status rc = store_begin(db, err);
    if (rc != TJ_OK)
        return rc;
    char *status = NULL, *source = NULL;
    store_stmt *st = NULL;
    if (version <= 0) {
        if ((rc = fx_latest(db, id, &version, NULL, err)) != TJ_OK)
            goto fail;
        if (!version) {
            rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
            goto fail;
        }
    }
    if ((rc = store_prepare(db, "SELECT status, source_doc FROM factor_version WHERE id = ? AND version = ?",
                            &st, err)))
        goto fail;
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, version);
    int s = store_step(st, err);
    if (s == 1) {
        status = fx_strdup(store_col_text(st, 0));
        source = fx_strdup(store_col_text(st, 1));
    }
    store_finalize(st);
    st = NULL;
    if (s < 0) {
        rc = (tj_status)s;
        goto fail;
    }
    if (s == 0) {
        rc = tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s@%d", id, version);
        goto fail;
    }
    const transition *t = NULL;
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        if (!strcmp(transitions[i].action, action) && !strcmp(transitions[i].from, status))
            t = &transitions[i];
    if (!t) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "cannot %s %s@%d: it is %s", action, id, version,
                          status);
        goto fail;
    }
    if (t->needs_reason && fx_empty(reason)) {
        rc = tj_error_set(err, TJ_ERR_USAGE, "reason", "%s needs a reason", action);
        goto fail;
    }
    if ((!strcmp(action, "publish") || !strcmp(action, "submit")) && fx_empty(source)) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "source_doc",
                          "cannot %s %s@%d: no source document (traceability check)", action, id, version);
        goto fail;
    }
    char now[32];
    svc_now_rfc3339(now, sizeof now);
    if (!strcmp(action, "publish")) {
        /* supersede the version published so far */
        int old = 0;
        if ((rc = store_prepare(
                 db, "SELECT version FROM factor_version WHERE id = ? AND status = 'published'", &st, err)))
            goto fail;
        store_bind_text(st, 1, id);
        s = store_step(st, err);
        if (s == 1)
            old = (int)store_col_int64(st, 0);
        store_finalize(st);
        st = NULL;
        if (s < 0) {
            rc = (tj_status)s;
            goto fail;
        }
        if (old) {
            if ((rc = store_prepare(
                     db,
                     "UPDATE factor_version SET status = 'superseded', superseded_by = ?, updated_at = ? "
                     "WHERE id = ? AND version = ?",
                     &st, err)))
                goto fail;
            store_bind_int64(st, 1, version);
            store_bind_text(st, 2, now);
            store_bind_text(st, 3, id);
            store_bind_int64(st, 4, old);
            s = store_step(st, err);
            store_finalize(st);
            st = NULL;
            if (s < 0) {
                rc = (tj_status)s;
                goto fail;
            }
            if ((rc = fx_delete_names(db, id, old, err)) != TJ_OK)
                goto fail;
            char why[96];
            snprintf(why, sizeof why, "superseded by version %d", version);
            if ((rc = fx_event(db, id, old, "supersede", "published", "superseded", actor, now, why, err)))
                goto fail;
        }
    }
    if ((rc = store_prepare(db,
                            "UPDATE factor_version SET status = ?, updated_at = ? WHERE id = ? AND version = "
                            "? AND status = ?",
                            &st, err)))
        goto fail;
    store_bind_text(st, 1, t->to);
    store_bind_text(st, 2, now);
    store_bind_text(st, 3, id);
    store_bind_int64(st, 4, version);
    store_bind_text(st, 5, status);
    s = store_step(st, err);
    int64_t changed = store_changes(st);
    store_finalize(st);
    st = NULL;
    if (s < 0) {
        rc = (tj_status)s;
        goto fail;
    }
    if (changed != 1) {
        rc = tj_error_set(err, TJ_ERR_CONFLICT, "status", "%s@%d changed meanwhile", id, version);
        goto fail;
    }
    /* factor_name lists the names of published versions only (resolution) */
    if (!strcmp(t->to, "published")) {
        svc_factor f;
        if ((rc = svc_factor_get(db, id, version, &f, err)) != TJ_OK)
            goto fail;
        rc = fx_insert_names(db, &f, err);
        svc_factor_release(&f);
        if (rc != TJ_OK)
            goto fail;
    } else if (!strcmp(status, "published") && (rc = fx_delete_names(db, id, version, err)) != TJ_OK) {
        goto fail;
    }
    if ((rc = fx_event(db, id, version, action, status, t->to, actor, now, reason, err)))
        goto fail;
    rc = store_commit(db, err);
    free(status);
    free(source);
    return rc;
fail:
    store_finalize(st);
    store_rollback(db);
    free(status);
    free(source);
    return rc;
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

tj_status svc_factor_history(store_db *db, const char *id, svc_factor_events *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    store_stmt *st;
    tj_status rc = store_prepare(db,
                                 "SELECT seq, version, action, from_status, to_status, actor, at, reason "
                                 "FROM factor_event WHERE id = ? ORDER BY seq",
                                 &st, err);
    if (rc != TJ_OK)
        return rc;
    store_bind_text(st, 1, id);
    int s;
    while ((s = store_step(st, err)) == 1) {
        svc_factor_event *n = realloc(out->items, (out->count + 1) * sizeof *n);
        if (!n) {
            s = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        out->items = n;
        svc_factor_event *e = &out->items[out->count++];
        e->seq = store_col_int64(st, 0);
        e->version = (int)store_col_int64(st, 1);
        e->action = fx_strdup(store_col_text(st, 2));
        e->from_status = fx_strdup(store_col_text(st, 3));
        e->to_status = fx_strdup(store_col_text(st, 4));
        e->actor = fx_strdup(store_col_text(st, 5));
        e->at = fx_strdup(store_col_text(st, 6));
        e->reason = fx_strdup(store_col_text(st, 7));
    }
    store_finalize(st);
    if (s < 0) {
        svc_factor_events_release(out);
        return (tj_status)s;
    }
    if (out->count == 0)
        return tj_error_set(err, TJ_ERR_NOTFOUND, "factor", "no factor %s", id);
    return TJ_OK;
}


/* svc_workflow: table-driven workflows; see workflow.h. */
#include "services/workflow.h"

#include <stdio.h>
#include <string.h>

int svc_workflow_knows(const svc_workflow *wf, const char *action)
{
    for (size_t i = 0; i < wf->ntransitions; i++)
        if (!strcmp(wf->transitions[i].action, action))
            return 1;
    return 0;
}

const svc_transition *svc_workflow_find(const svc_workflow *wf, const char *action, const char *from)
{
    for (size_t i = 0; i < wf->ntransitions; i++)
        if (!strcmp(wf->transitions[i].action, action) && !strcmp(wf->transitions[i].from, from))
            return &wf->transitions[i];
    return NULL;
}

tj_status svc_workflow_step(const svc_workflow *wf, const svc_ctx *ctx, const char *action, const char *from,
                            const char *what, const char *reason, int has_evidence, const svc_transition **out,
                            tj_error *err)
{
    *out = NULL;
    if (!svc_workflow_knows(wf, action))
        return tj_error_set(err, TJ_ERR_USAGE, "action", "unknown %s workflow action \"%s\"", wf->name, action);
    const svc_transition *t = svc_workflow_find(wf, action, from);
    if (!t)
        return tj_error_set(err, TJ_ERR_CONFLICT, "status", "cannot %s %s: it is %s", action, what, from);
    char act[160];
    snprintf(act, sizeof act, "%s %s", action, what);
    tj_status rc = svc_require(ctx, t->roles | SVC_ROLE_OPERATOR, act, err);
    if (rc != TJ_OK)
        return rc;
    if (t->needs_reason && (!reason || !*reason))
        return tj_error_set(err, TJ_ERR_USAGE, "reason", "%s needs a reason", action);
    if (t->needs_evidence && !has_evidence)
        return tj_error_set(err, TJ_ERR_CONFLICT, "source_doc",
                            "cannot %s %s: no source document (traceability check)", action, what);
    *out = t;
    return TJ_OK;
}

json_t *svc_workflow_change_json(const char *action, const char *from, const char *to, const char *reason)
{
    return json_pack("{s:s, s:s?, s:s?, s:s?}", "action", action, "from", from, "to", to, "reason",
                     reason && *reason ? reason : NULL);
}

/* ---- the factor workflow ---- */

static const char *const factor_states[] = {"draft",     "submitted",  "under_review", "approved", "rejected",
                                            "published", "superseded", "withdrawn",    NULL};

#define SUBMITTERS (SVC_ROLE_SUBMITTER | SVC_ROLE_ENTERPRISE)
static const svc_transition factor_transitions[] = {
    {"submit", "draft", "submitted", SUBMITTERS, 0, 1, "factor.submit"},
    {"review", "submitted", "under_review", SVC_ROLE_REVIEWER, 0, 0, "factor.review"},
    {"review", "under_review", "under_review", SVC_ROLE_REVIEWER, 1, 0, "factor.review"}, /* a further comment */
    {"approve", "under_review", "approved", SVC_ROLE_REVIEWER, 0, 0, "factor.approve"},
    {"reject", "under_review", "rejected", SVC_ROLE_REVIEWER, 1, 0, "factor.reject"},
    {"reject", "submitted", "rejected", SVC_ROLE_REVIEWER, 1, 0, "factor.reject"},
    {"publish", "approved", "published", SVC_ROLE_REGULATOR, 0, 1, "factor.publish"},
    {"withdraw", "published", "withdrawn", SVC_ROLE_REGULATOR, 1, 0, "factor.withdraw"},
};

const svc_workflow svc_factor_workflow = {
    "factor",
    factor_states,
    factor_transitions,
    sizeof factor_transitions / sizeof factor_transitions[0],
};

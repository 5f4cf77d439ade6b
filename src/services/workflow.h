/*
 * svc_workflow: table-driven workflows for records that move through review
 * states (factor versions now; rules, certifications and the rest later).
 *
 * A workflow is a table of transitions: an action, the state it leaves and
 * the state it reaches, the roles that may take it, whether a reason
 * (comment) is required, whether evidence (a source document) must be on
 * the record, and the ledger kind recorded.  svc_workflow_step checks one
 * step (action known, allowed from the state, role, reason, evidence); the
 * caller changes the record, and records who and when (its history and the
 * ledger entry) in the same transaction.
 *
 * Ownership: tables are static data; nothing is allocated.
 */
#ifndef SERVICES_WORKFLOW_H
#define SERVICES_WORKFLOW_H

#include "services/ctx.h"
#include "tanji/error.h"

typedef struct svc_transition {
    const char *action; /* "submit", "approve", ... */
    const char *from, *to;
    unsigned roles;       /* SVC_ROLE_* bits that may take it (the operator always may) */
    int needs_reason;     /* a reason / comment is required */
    int needs_evidence;   /* the record must name its evidence (source document) */
    const char *kind;     /* ledger entry kind, e.g. "factor.submit" */
} svc_transition;

typedef struct svc_workflow {
    const char *name;          /* "factor" */
    const char *const *states; /* NULL-terminated, the first is the initial state */
    const svc_transition *transitions;
    size_t ntransitions;
} svc_workflow;

/* Is action one of the workflow's actions? */
int svc_workflow_knows(const svc_workflow *wf, const char *action);
/* The transition for action from state `from`, or NULL. */
const svc_transition *svc_workflow_find(const svc_workflow *wf, const char *action, const char *from);
/* Check one step: TJ_ERR_USAGE for an unknown action or a missing reason,
 * TJ_ERR_CONFLICT when the action is not allowed from `from` or evidence is
 * missing (has_evidence 0), TJ_ERR_PERM when the principal lacks the role.
 * what names the record ("al-ingot@2") in messages.  *out gets the
 * transition. */
tj_status svc_workflow_step(const svc_workflow *wf, const svc_ctx *ctx, const char *action, const char *from,
                            const char *what, const char *reason, int has_evidence, const svc_transition **out,
                            tj_error *err);
/* The JSON of a ledger "change": {action, from, to, reason}.  New reference. */
json_t *svc_workflow_change_json(const char *action, const char *from, const char *to, const char *reason);

/* The factor workflow: draft -submit-> submitted -review-> under_review
 * -approve-> approved -publish-> published -withdraw-> withdrawn; reject from
 * submitted or under_review; review on a version under review records a
 * further reviewer's comment.  Submitter/enterprise submit, reviewers
 * review/approve/reject, regulators publish/withdraw; the operator all. */
extern const svc_workflow svc_factor_workflow;
/* Who may add factor versions (drafts). */
#define SVC_FACTOR_ADD_ROLES (SVC_ROLE_SUBMITTER | SVC_ROLE_ENTERPRISE | SVC_ROLE_OPERATOR)
/* Who may see versions not yet published of any organisation. */
#define SVC_FACTOR_REVIEW_ROLES (SVC_ROLE_REVIEWER | SVC_ROLE_REGULATOR | SVC_ROLE_OPERATOR)

#endif

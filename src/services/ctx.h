/*
 * svc_ctx: what every service function is given: the database, the acting
 * principal (user, API client or the local operator of the command line)
 * with its organisation and roles, and through the database the open
 * transaction.  Services check permissions here, not in the adapters.
 *
 * Transactions compose: svc_begin inside an open transaction opens a
 * savepoint (store_begin), so a service called by another joins its
 * transaction; a workflow step, its permission check and its ledger entry
 * commit together or not at all.
 *
 * Ownership: svc_ctx owns the strings of its principal (svc_ctx_release);
 * the database handle is the caller's.
 */
#ifndef SERVICES_CTX_H
#define SERVICES_CTX_H

#include <jansson.h>

#include "store/store.h"
#include "tanji/error.h"

/* Roles (a principal may hold several). */
enum {
    SVC_ROLE_OPERATOR = 1u << 0,   /* platform operator: accounts, keys, every record */
    SVC_ROLE_ENTERPRISE = 1u << 1, /* 企业: models, footprints, labels of its own organisation */
    SVC_ROLE_SUBMITTER = 1u << 2,  /* 因子提交方: submits factors with evidence */
    SVC_ROLE_REVIEWER = 1u << 3,   /* 专家: reviews submitted factors and rules */
    SVC_ROLE_VERIFIER = 1u << 4,   /* 核查/认证机构 */
    SVC_ROLE_REGULATOR = 1u << 5,  /* 主管部门: publishes factors and rules, statistics */
};
#define SVC_ROLE_ALL 0x3fu

/* The operator organisation every database has (migration 11). */
#define SVC_OPERATOR_ORG "operator"

typedef struct svc_principal {
    char *id;     /* "local:NAME", or a principal id from the database */
    char *name;   /* display name */
    char *org_id; /* the organisation it acts for */
    unsigned roles;
} svc_principal;

typedef struct svc_ctx {
    store_db *db; /* may be NULL for work that needs no database */
    svc_principal who;
} svc_ctx;

/* The command line's principal.  name NULL or "operator": the local
 * operator (all roles, operator organisation), which needs no account.  Any
 * other name must be a principal in the database; the command then acts
 * with that principal's organisation and roles. */
tj_status svc_ctx_local(svc_ctx *ctx, store_db *db, const char *name, tj_error *err);
/* A principal given explicitly (server sessions, tests).  Strings copied. */
tj_status svc_ctx_init(svc_ctx *ctx, store_db *db, const char *id, const char *name, const char *org_id,
                       unsigned roles, tj_error *err);
void svc_ctx_release(svc_ctx *ctx);
/* The context of work done later for a principal (a job, a scheduled pull):
 * "local:NAME" as svc_ctx_local, else the principal's organisation and roles
 * as stored now; a disabled principal is refused with disabled_msg. */
tj_status svc_ctx_of_principal(svc_ctx *ctx, store_db *db, const char *principal_id, const char *disabled_msg,
                               tj_error *err);
/* An error as the JSON text kept with failed work: {"code","message","field"?};
 * malloc'ed, NULL when out of memory. */
char *svc_error_json_text(const tj_error *e);

/* Role names <-> bits: "operator,enterprise" ... Unknown names are errors. */
tj_status svc_roles_parse(const char *text, unsigned *out, tj_error *err);
/* Comma-separated names of the bits set, into a malloc'ed string. */
char *svc_roles_format(unsigned roles);

/* TJ_OK when the principal holds any of roles, else TJ_ERR_PERM naming the
 * action and the roles that may take it. */
tj_status svc_require(const svc_ctx *ctx, unsigned roles, const char *action, tj_error *err);
/* May the principal see a record owned by org_id that is not public?  Its
 * own organisation's records, and the operator's (every record). */
int svc_owns(const svc_ctx *ctx, const char *org_id);

/* A page of a listing: limit 0 or less gives 50, more than 1000 gives 1000;
 * a negative offset gives 0. */
void svc_page(int *limit, int *offset);
/* The owner organisation a listing is limited to: NULL (every record) for
 * the operator, else the principal's own organisation. */
const char *svc_list_owner(const svc_ctx *ctx);

/* Transactions (see above). */
tj_status svc_begin(svc_ctx *ctx, tj_error *err);
tj_status svc_commit(svc_ctx *ctx, tj_error *err);
void svc_rollback(svc_ctx *ctx);
/* The end of a service call's transaction: commit when rc is TJ_OK, else
 * roll back and return rc. */
tj_status svc_finish(svc_ctx *ctx, tj_status rc, tj_error *err);

/* Append a ledger entry for a state change, inside the open transaction:
 * kind ("factor.publish", "footprint.save", ...), the object changed, the
 * change itself and the object's state after it (NULL when it was
 * deleted).  Actor and organisation come from the context.  Neither JSON
 * value is consumed. */
tj_status svc_record(svc_ctx *ctx, const char *kind, const char *object_type, const char *object_id,
                     const json_t *change, const json_t *state, tj_error *err);

/* A new random id (UUIDv4, lower-case), malloc'ed. */
char *svc_new_uuid(void);

#endif

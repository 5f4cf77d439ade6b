/*
 * svc_account: organisations and principals (users, API clients), the
 * parties every record belongs to.  Creating them is the operator's; every
 * creation is a ledger entry.
 *
 * Ownership: returned ids are malloc'ed, the caller frees them; JSON values
 * returned are new references.
 */
#ifndef SERVICES_ACCOUNT_H
#define SERVICES_ACCOUNT_H

#include <jansson.h>

#include "services/ctx.h"
#include "store/accounts.h"

/* kind: operator, enterprise, submitter, expert_panel, certification_body,
 * regulator.  region: a GB/T 2260 code or NULL.  *id_out (may be NULL) gets
 * the new organisation's id. */
tj_status svc_org_create(svc_ctx *ctx, const char *name, const char *kind, const char *region, char **id_out,
                         tj_error *err);
/* Every organisation as a JSON array (operator and regulators), or the
 * principal's own. */
tj_status svc_org_list(svc_ctx *ctx, json_t **out, tj_error *err);

/* A user of organisation org (id or name) with roles ("enterprise,..."). */
tj_status svc_user_create(svc_ctx *ctx, const char *name, const char *org, const char *roles, char **id_out,
                          tj_error *err);
/* The state JSON of an organisation / a principal as ledger entries record
 * it (svc_record's state) and as `tanji ledger verify` recomputes it from
 * the database (services/ledger_sources.c): one definition for both. */
json_t *svc_org_state(const store_org *o);
json_t *svc_principal_state(const store_principal *p);

tj_status svc_user_list(svc_ctx *ctx, const char *org, json_t **out, tj_error *err);

#endif

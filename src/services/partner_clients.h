/*
 * svc_partner_client: PACT API clients an enterprise makes for its
 * partners (docs/pact.md, docs/permissions.md).
 *
 * Such a client is a principal of the partner organisation with no role.
 * Its tokens work on the PACT listener only (svc_authenticate refuses
 * them on the main API), and there it reads only the footprints the
 * enterprise that made it (the sponsor) disclosed to the partner or to the
 * public -- not the partner's own, nor what others disclosed to it.  The
 * sponsor lists and revokes its clients; to anyone else they do not exist
 * (TJ_ERR_NOTFOUND).  The secret is returned once.
 *
 * Objects are JSON {id, name, partner: {id, name}, created_by, created_at,
 * revoked_at, status: "active"|"revoked"}; the operator sees every
 * sponsor's (with "sponsor").
 */
#ifndef SERVICES_PARTNER_CLIENTS_H
#define SERVICES_PARTNER_CLIENTS_H

#include <jansson.h>

#include "services/ctx.h"
#include "services/ledger_verify.h"

/* A client for partner (organisation id or name) named name (a label, at
 * most 200 characters).  Enterprise role; partner: another organisation
 * one of the caller's disclosures to partners names (else TJ_ERR_INPUT
 * "partner", the same for an unknown organisation).  *secret_out: the
 * client secret (svc_secret_free). */
tj_status svc_partner_client_create(svc_ctx *ctx, const char *name, const char *partner, json_t **out,
                                    char **secret_out, tj_error *err);
/* The caller's organisation's clients (the operator: all). */
tj_status svc_partner_client_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* Revoke one: disables its principal and revokes its tokens.  Another
 * organisation's client: TJ_ERR_NOTFOUND.  Revoking twice is no error. */
tj_status svc_partner_client_revoke(svc_ctx *ctx, const char *id, json_t **out, tj_error *err);
/* The organisation whose footprints principal_id is limited to on the
 * PACT host: *owner (malloc'ed) the sponsor for such a client, NULL for
 * any other principal. */
tj_status svc_partner_client_scope(store_db *db, const char *principal_id, char **owner, tj_error *err);
/* Ledger state source of object type "pact_client". */
tj_status svc_partner_client_each_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);

#endif

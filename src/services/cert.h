/*
 * svc_cert: certification (碳标识认证): certification bodies and their keys,
 * the certification catalogue (认证目录), the dishonest-entity list
 * (失信名单) and label applications through the certification workflow.
 *
 * Bodies are organisations of kind certification_body that a regulator
 * registers with an accreditation scope (catalogue categories) and Ed25519
 * public keys.  Adding a key retires the body's active one: a retired key
 * still verifies the labels it signed, a revoked key verifies none.
 *
 * An enterprise applies for one of its saved footprints whose rule check
 * passed (check_status conforming) and whose rule is the rule of an active
 * catalogue entry, to a body accredited for that category, unless it is on
 * the dishonest-entity list.  The body then takes each step of
 * svc_cert_workflow in order (accept or decline, plan, review documents,
 * inspect on site, verify, evaluate, decide or refuse); each step has its
 * owner role, a comment, an optional deadline for the next step and, where
 * the table says so, evidence: a document added to the application in the
 * state the step leaves.  A positive decision issues the certificate and
 * label (label.h) in the same transaction.  Every step is a ledger entry.
 *
 * Visibility: an application is visible to the applicant, the body, the
 * regulators and the operator; to anyone else it does not exist.  Bodies,
 * keys, the catalogue and the dishonest-entity list are public.
 *
 * Ownership: JSON returned is a new reference; ids returned are malloc'ed.
 */
#ifndef SERVICES_CERT_H
#define SERVICES_CERT_H

#include <jansson.h>

#include "ledger/ledger.h"
#include "services/ctx.h"
#include "services/footprint.h"
#include "services/workflow.h"

/* ---- bodies and keys ---- */
/* Register an organisation of kind certification_body (regulator).  scope:
 * a JSON array of catalogue categories (each must be in the catalogue). */
tj_status svc_cert_body_register(svc_ctx *ctx, const char *org, const char *accreditation,
                                 const json_t *scope, tj_error *err);
/* Replace a body's scope (regulator). */
tj_status svc_cert_body_set_scope(svc_ctx *ctx, const char *org, const json_t *scope, tj_error *err);
/* Every body with its scope and keys (public). */
tj_status svc_cert_body_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* Register a public key for a body (regulator); the body's active key, if
 * any, is retired.  *key_id_out (may be NULL) gets its id (the first 16 hex
 * digits of SHA-256 of the key). */
tj_status svc_cert_key_add(svc_ctx *ctx, const char *org, const unsigned char pk[LEDGER_PK_SIZE],
                           char **key_id_out, tj_error *err);
/* Revoke a key (regulator): labels it signed no longer verify. */
tj_status svc_cert_key_revoke(svc_ctx *ctx, const char *key_id, const char *reason, tj_error *err);
/* The keyring {type: "tanji-keyring/v1", keys: [...]}, every body's keys
 * (org NULL) or one body's (public).  `tanji label verify` takes it offline. */
tj_status svc_cert_keyring(svc_ctx *ctx, const char *org, json_t **out, tj_error *err);
/* key id of a public key. */
void svc_cert_key_id(const unsigned char pk[LEDGER_PK_SIZE], char id[17]);

/* ---- the catalogue ---- */
/* Add or change an entry (regulator): {category, name_zh, name_en, rule_id,
 * validity_months (default 24), status (active|removed), source, note}. */
tj_status svc_cert_catalogue_put(svc_ctx *ctx, const json_t *entry, tj_error *err);
/* Put every entry of a catalogue file ({entries: [...]}, e.g.
 * data/certification/catalogue-cn-2025.json); *count entries put. */
tj_status svc_cert_catalogue_import(svc_ctx *ctx, const char *path, int *count, tj_error *err);
tj_status svc_cert_catalogue_list(svc_ctx *ctx, json_t **out, tj_error *err);
/* One entry (public); TJ_ERR_NOTFOUND when the category is not in it. */
tj_status svc_cert_catalogue_get(svc_ctx *ctx, const char *category, json_t **out, tj_error *err);

/* ---- the dishonest-entity list ---- */
/* List an organisation (regulator): reason, legal basis, period [from,
 * until) (from NULL: now; until NULL: open-ended).  *id_out may be NULL. */
tj_status svc_dishonest_add(svc_ctx *ctx, const char *org, const char *reason, const char *legal_basis,
                            const char *from, const char *until, char **id_out, tj_error *err);
/* End a listing early (regulator). */
tj_status svc_dishonest_remove(svc_ctx *ctx, const char *id, const char *reason, tj_error *err);
/* The public list: entries in force now (all 0) or every entry (all 1). */
tj_status svc_dishonest_list(svc_ctx *ctx, int all, json_t **out, tj_error *err);
/* Is org listed now?  (For labels' flag and applications.) */
tj_status svc_dishonest_listed(store_db *db, const char *org_id, int *listed, tj_error *err);

/* ---- applications ---- */
/* The certification workflow table. */
extern const svc_workflow svc_cert_workflow;

/* Apply (enterprise): footprint of the applicant's organisation, to body
 * (organisation id or name).  *id_out gets the application id. */
tj_status svc_cert_apply(svc_ctx *ctx, const char *footprint_id, const char *body, char **id_out,
                         tj_error *err);

/* Evidence limits. */
#define SVC_CERT_DOC_MAX (20u * 1024u * 1024u)
/* Add a document to an application (its applicant or its body), stored by
 * SHA-256; media_type one of application/pdf, image/png, image/jpeg,
 * text/plain, text/csv, application/json, and the .xlsx type, and the bytes
 * must look like it.  sha_out (may be NULL) gets the digest. */
tj_status svc_cert_document_add(svc_ctx *ctx, const char *app_id, const char *name, const char *media_type,
                                const void *data, size_t len, char sha_out[65], tj_error *err);
/* A document's bytes (who may see the application may read it). */
tj_status svc_cert_document_get(svc_ctx *ctx, const char *app_id, const char *sha256, unsigned char **data,
                                size_t *len, char **media_type, tj_error *err);

typedef struct svc_cert_step_in {
    const char *action; /* accept, decline, plan, review_documents, inspect, verify, evaluate, decide, refuse,
                           withdraw, comment */
    const char *comment; /* required for decline, refuse, withdraw, comment */
    const char *due_at;  /* deadline of the next step (RFC 3339 or date), optional */
    /* verify: the body's recalculation with its own findings, saved as a new
     * footprint of the applicant replacing the application's one (optional) */
    const svc_calculation *recalculation;
    const char *rules_dir;
    /* decide: the body's signing key (its public half must be the body's
     * active registered key), and the public base URL for the QR code */
    const ledger_key *key;
    const char *public_url;
} svc_cert_step_in;

/* Take one step.  *out (may be NULL) gets the application after it. */
tj_status svc_cert_step(svc_ctx *ctx, const char *app_id, const svc_cert_step_in *in, json_t **out,
                        tj_error *err);
/* An application with its steps and evidence. */
tj_status svc_cert_application_get(svc_ctx *ctx, const char *id, json_t **out, tj_error *err);
/* Applications the principal may see, newest first. */
tj_status svc_cert_application_list(svc_ctx *ctx, int limit, int offset, json_t **out, tj_error *err);

/* Ledger state sources (services/ledger_sources.c). */
tj_status svc_cert_each_body_state(store_db *db,
                                   tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                   void *arg, tj_error *err);
tj_status svc_cert_each_key_state(store_db *db,
                                  tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                  void *arg, tj_error *err);
tj_status svc_cert_each_catalogue_state(store_db *db,
                                        tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                        void *arg, tj_error *err);
tj_status svc_cert_each_dishonest_state(store_db *db,
                                        tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                        void *arg, tj_error *err);
tj_status svc_cert_each_application_state(store_db *db,
                                          tj_status (*emit)(void *, const char *, const json_t *, tj_error *),
                                          void *arg, tj_error *err);

#endif

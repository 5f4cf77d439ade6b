/*
 * svc_label: certified labels (碳标识): issue, the signed document that
 * travels with a label, verification (offline from a document and a
 * keyring, online against the database), the lifecycle (surveillance,
 * suspension, reinstatement, revocation, withdrawal by the holder, expiry)
 * and the label graphic (SVG, PNG, with a QR code of the public
 * verification URL).
 *
 * A label's signed content ("label") is the canonical JSON (RFC 8785) of
 * {format, number, certificate, product, category, value, unit,
 * declared_unit, boundary, rule, gwp, grade, body, holder, footprint,
 * issued_at, valid_from, valid_until, verify_url, key_id}; the body signs it
 * with Ed25519.  The issue ledger entry (kind label.issue, object the
 * number) records document_digest = SHA-256 of the canonical JSON of
 * {label, signature}, so the entry names exactly this document.  The
 * document (svc_label_document) is {type: "tanji-label/v1", label,
 * signature, ledger: {index, entry, leaf_hash[, proof]}, status}; its
 * status part is a snapshot, not signed.
 *
 * Label numbers are CN-<province code (GB/T 2260, 6 digits)>-<year>-<sequence
 * (6 digits or more)>, allocated per prefix by one upsert.
 *
 * Ownership: JSON returned is a new reference; strings malloc'ed.
 */
#ifndef SERVICES_LABEL_H
#define SERVICES_LABEL_H

#include <jansson.h>

#include "ledger/ledger.h"
#include "services/ctx.h"
#include "services/workflow.h"

/* The label lifecycle: valid -suspend-> suspended -reinstate-> valid;
 * revoke from valid or suspended (body or regulator); withdraw by the
 * holder; expire (operator, the daily job). */
extern const svc_workflow svc_label_workflow;

/* Issue the label of an application the body has just decided (called by
 * svc_cert_step inside its transaction).  app: the application row.
 * *number_out gets the number. */
tj_status svc_label_issue(svc_ctx *ctx, const json_t *app, const ledger_key *key, const char *public_url,
                          const char *at, char **number_out, tj_error *err);

/* The public view of a label: its signed content, status (with a flag when
 * the holder is on the dishonest-entity list), current grade, grade
 * history, surveillance, and its history from the ledger (public). */
tj_status svc_label_get(svc_ctx *ctx, const char *number, json_t **out, tj_error *err);
/* The document that travels with the label (see above), with an inclusion
 * proof when ledger_proof is not NULL (a proof as svc_ledger_inclusion
 * makes, consumed). */
tj_status svc_label_document(svc_ctx *ctx, const char *number, json_t **out, tj_error *err);
/* The public label (GET /api/v1/public/labels/{number}): the document,
 * and with_proof: ledger.proof, the inclusion proof of its issue entry in
 * the latest signed tree head (svc_ledger_inclusion's form), and
 * ledger.proof_status "included", or "pending" while no signed head covers
 * the entry yet. */
tj_status svc_label_public(svc_ctx *ctx, const char *number, int with_proof, json_t **out, tj_error *err);
/* The public label without proof as JSON text, exactly the bytes of
 * svc_label_public(ctx, number, 0, ...) encoded with SVC_LABEL_JSON_FLAGS
 * (as http_json encodes), made without decoding the stored document
 * (label_public.c); *len its length.  The same errors as svc_label_public. */
#define SVC_LABEL_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)
tj_status svc_label_public_text(svc_ctx *ctx, const char *number, char **out, size_t *len, tj_error *err);
/* The labels of the principal's organisation (holder). */
tj_status svc_label_list_own(svc_ctx *ctx, json_t **out, tj_error *err);

/* Verification report: {number, ok, status, checks: {signature, key,
 * validity, status, ledger, listed}, problems: [..]}.  Online: against the
 * database (the registered key and its status, the row's status, the ledger
 * entry at the recorded index).  Offline: a document checked with a keyring
 * (svc_cert_keyring's JSON; a single {public_key} also works, then key
 * status is unknown), and ledger_pk (may be NULL) for an inclusion proof in
 * the document; at NULL = now. */
tj_status svc_label_verify_number(svc_ctx *ctx, const char *number, json_t **report, tj_error *err);
tj_status svc_label_verify_document(const json_t *doc, const json_t *keyring, const unsigned char *ledger_pk,
                                    const char *at, json_t **report, tj_error *err);

/* suspend, reinstate, revoke (the issuing body or a regulator), withdraw
 * (the holder); a reason for all but reinstate. */
tj_status svc_label_act(svc_ctx *ctx, const char *number, const char *action, const char *reason,
                        tj_error *err);
/* Surveillance: the body schedules one (due date) and records its result
 * (passed, failed: a failed one suspends the label). */
tj_status svc_label_surveillance_schedule(svc_ctx *ctx, const char *number, const char *due_at, int *seq_out,
                                          tj_error *err);
tj_status svc_label_surveillance_record(svc_ctx *ctx, const char *number, int seq, const char *result,
                                        const char *comment, tj_error *err);
/* The daily job (operator): labels past their validity expire; scheduled
 * surveillance past its date is recorded missed and suspends its label. */
tj_status svc_label_expire(svc_ctx *ctx, int *expired, int *missed, tj_error *err);

/* The label graphic from a label's signed content ("label" object):
 * SVG text, or a PNG file (scale: pixels per SVG unit, e.g. 4). */
tj_status svc_label_svg(const json_t *label, char **svg, tj_error *err);
tj_status svc_label_png(const json_t *label, const char *path, double scale, tj_error *err);
/* The graphic of label number (public): format "svg" or "png" (scale as
 * svc_label_png); *data malloc'ed, *len its size. */
tj_status svc_label_graphic(svc_ctx *ctx, const char *number, const char *format, double scale, char **data,
                            size_t *len, tj_error *err);

/* The ledger state of a label row (store_label_get with the document). */
json_t *svc_label_state(const json_t *row);
tj_status svc_label_each_state(store_db *db,
                               tj_status (*emit)(void *, const char *, const json_t *, tj_error *), void *arg,
                               tj_error *err);

/* Set a label's grade (grading.c) and record it: history row and ledger entry. */
tj_status svc_label_regrade(svc_ctx *ctx, const char *number, const json_t *grade, const json_t *version,
                            const char *reason, tj_error *err);

#endif

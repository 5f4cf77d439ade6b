/*
 * ledger services: initialising the ledger (key pair, first signed head),
 * signing tree heads, and proofs as self-contained JSON documents that
 * `tanji ledger verify-proof` (ledger_verify_proof_json) checks offline with
 * the public key alone.  Verification of the whole database is in
 * ledger_verify.h.
 *
 * Ownership: returned JSON values are new references.
 */
#ifndef SERVICES_LEDGER_SVC_H
#define SERVICES_LEDGER_SVC_H

#include <jansson.h>

#include "ledger/ledger.h"
#include "services/ctx.h"

/* The operator's step after `tanji migrate`: create the key file at
 * key_path when absent (*created 1), record the operator organisation the
 * migration made (an "organisation.seed" entry, once), and sign a head of
 * the log.  *key gets the key pair (wipe it with ledger_key_wipe). */
/* Record what migrations made (the operator organisation) in the ledger,
 * once: `tanji migrate` and svc_ledger_init call it. */
tj_status svc_ledger_seed(svc_ctx *ctx, tj_error *err);
tj_status svc_ledger_init(svc_ctx *ctx, const char *key_path, ledger_key *key, int *created,
                          ledger_head *head, tj_error *err);

/* Sign and store a head of the current log unless the latest signed head
 * already has its size (*signed_new 0); *head gets the latest head.
 * Operator only. */
tj_status svc_ledger_sign_head(svc_ctx *ctx, const ledger_key *key, ledger_head *head, int *signed_new,
                               tj_error *err);

/* The latest signed head (*found 0 when none) and the tree as it is now. */
tj_status svc_ledger_head(svc_ctx *ctx, ledger_head *head, int *found, int64_t *size, merkle_hash *root,
                          tj_error *err);

/* Inclusion proof of entry index in the signed head of tree size `size`
 * (size < 0: the latest signed head): {type, index, entry, leaf_hash,
 * proof, head}.  The entry's own organisation, the operator, regulators and
 * verifiers may have it. */
tj_status svc_ledger_inclusion(svc_ctx *ctx, int64_t index, int64_t size, json_t **out, tj_error *err);
/* Consistency proof between the signed heads of sizes from and to:
 * {type, from, to, proof}. */
tj_status svc_ledger_consistency(svc_ctx *ctx, int64_t from, int64_t to, json_t **out, tj_error *err);

#endif

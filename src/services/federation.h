/*
 * svc_fed: federation between tanji instances and mutual recognition
 * (docs/federation.md).
 *
 * Each instance has an identity: a name, a jurisdiction (a GB/T 2260 code,
 * "CN", or an ISO 3166-1 alpha-2 country code) and its ledger key: the
 * Ed25519 key that signs the instance's tree heads also signs its identity
 * file and its packages, so a peer's signed heads and packages are checked
 * with one public key.  Operators exchange identity files out of band and
 * add each other to a trust list, for some of: factors, rules, labels,
 * dishonest.
 *
 * A package (svc_fed_publish) is JSON Lines:
 *   line 1   {type: "tanji-federation-package/v1", instance: {name,
 *            jurisdiction, public_key}, since, head: <signed tree head>,
 *            consistency: [hex...] (from tree size `since` to the head),
 *            created_at}
 *   items    {index, entry: "<the entry's canonical JSON>", proof: [hex...]
 *            (inclusion in the head), state: {...} (the object's state
 *            after the entry, when it is the object's latest entry),
 *            document: "<signed label document>" (labels)}
 *   last     {type: "tanji-federation-package-end/v1", items, sha256 (of
 *            every byte before this line), signature (Ed25519 over the
 *            canonical JSON of {items, sha256, type}, hex)}
 * Items are the entries with index in [since, head) of the public object
 * types: factor_version (published, superseded or withdrawn versions),
 * rule_version, label, cert_key, dishonest_entity.
 *
 * svc_fed_pull verifies a package and imports it in one transaction or not
 * at all: trusted key, head signature, consistency with the last head seen
 * from that peer, each item's inclusion proof and state digest, the
 * package signature; refusals are logged (fed_pull) with their reason.
 *
 * Ownership: JSON returned is a new reference; strings malloc'ed.
 */
#ifndef SERVICES_FEDERATION_H
#define SERVICES_FEDERATION_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "ledger/ledger.h"
#include "services/ctx.h"
#include "services/ledger_verify.h"
#include "services/rules.h"

/* Scope bits of a trust list entry. */
enum {
    SVC_FED_FACTORS = 1u << 0,
    SVC_FED_RULES = 1u << 1,
    SVC_FED_LABELS = 1u << 2,
    SVC_FED_DISHONEST = 1u << 3,
};
/* "factors,rules,labels,dishonest" (or "all") -> bits; TJ_ERR_INPUT naming an unknown one. */
tj_status svc_fed_scopes_parse(const char *text, unsigned *out, tj_error *err);

/* Is jurisdiction valid (GB/T 2260 six digits, "CN", ISO alpha-2)? */
int svc_fed_jurisdiction_valid(const char *j);

/* Set this instance's name, jurisdiction and public URL (operator). */
tj_status svc_fed_identity_set(svc_ctx *ctx, const char *name, const char *jurisdiction, const char *url,
                               tj_error *err);
/* The identity file, signed with key: {type: "tanji-federation-identity/v1",
 * name, jurisdiction, url, public_key, head, exported_at, signature}.
 * sign_head 1 (operator): sign a new tree head first when the log grew;
 * 0: the latest signed head (public data: anyone may have it). */
tj_status svc_fed_identity_export(svc_ctx *ctx, const ledger_key *key, int sign_head, json_t **out,
                                  tj_error *err);
/* Check an identity file's signature (TJ_ERR_INPUT naming what is wrong). */
tj_status svc_fed_identity_check(const json_t *doc, tj_error *err);

/* Add (or, same key, update) a peer from its identity file (operator).
 * url: where to pull from (NULL: the identity's url).  *name_out may be NULL. */
tj_status svc_fed_trust_add(svc_ctx *ctx, const json_t *identity, unsigned scopes, const char *url,
                            char **name_out, tj_error *err);
/* The trust list with what was last seen from each peer. */
tj_status svc_fed_trust_list(svc_ctx *ctx, json_t **out, tj_error *err);

/* Record the rule documents of rules_dir in the ledger (rule.publish,
 * object rule_version ID@VERSION) unless already recorded; *added counts
 * the new ones.  Operator or regulator. */
tj_status svc_fed_rules_record(svc_ctx *ctx, const char *rules_dir, int *added, tj_error *err);

/* Write a package of entries from index `since` to out.  key: this
 * instance's ledger key; sign_head 1: sign a head of the log first (else
 * the latest signed head is used; anyone may have a package: it holds
 * public records only; signing a new head needs the operator).  *summary (may be NULL): {since,
 * tree_size, items, states}. */
tj_status svc_fed_publish(svc_ctx *ctx, const ledger_key *key, int64_t since, int sign_head, FILE *out,
                          json_t **summary, tj_error *err);

/* Verify and import a package read from in.  peer: the peer it must come
 * from (NULL: whichever trusted peer's key signed it).  source: where it
 * came from (logged).  On success *summary = {peer, since, tree_size,
 * items, imported, skipped, states, up_to_date}.  A refusal returns
 * TJ_ERR_VERIFY (TJ_ERR_PERM for an untrusted key) with the reason in err,
 * imports nothing and is logged. */
tj_status svc_fed_pull(svc_ctx *ctx, const char *peer, FILE *in, const char *source, json_t **summary,
                       tj_error *err);
/* The pull log (peer NULL: all), newest first. */
tj_status svc_fed_pull_log(svc_ctx *ctx, const char *peer, int limit, json_t **out, tj_error *err);

/* Verify a label issued by a trusted peer: by number (what was imported),
 * or a label document (offline: with the imported keys of the body and the
 * peer's ledger key).  Report: {number, ok, origin: {peer, jurisdiction},
 * status, checks: {signature, key, status, ledger, trusted}, problems,
 * knowledge: {last_pull_at, head_size, head_signed_at, age_seconds}}. */
tj_status svc_fed_label_verify(svc_ctx *ctx, const char *number, const json_t *doc, json_t **report,
                               tj_error *err);

/* `tanji label verify NUMBER` and the public verify route: this instance's
 * label (svc_label_verify_number), else one imported from a trusted peer
 * (svc_fed_label_verify: read-only, with origin and knowledge).  The
 * report's knowledge: {as_of, last_pull_at, package_created_at,
 * age_seconds, last_pull_age_seconds, head_size, head_signed_at,
 * summary_en, summary_zh ("knowledge as of T, N minutes old")}. */
tj_status svc_fed_label_verify_number(svc_ctx *ctx, const char *number, json_t **report, tj_error *err);
/* The public label document (svc_label_public), else the document of a
 * label imported from a trusted peer, with its status as of the last pull,
 * origin and knowledge (no inclusion proof: the peer's tree is not kept). */
tj_status svc_fed_label_public(svc_ctx *ctx, const char *number, int with_proof, json_t **out, tj_error *err);
/* The keyring of peer's certification bodies as imported (a
 * tanji-keyring/v1 that `tanji label verify FILE --keyring` takes), with
 * the peer's ledger key (ledger_public_key: checks a document's inclusion
 * proof), instance and knowledge. */
tj_status svc_fed_keyring(svc_ctx *ctx, const char *peer, json_t **out, tj_error *err);
/* Append the rule versions imported from peers trusted for rules to set
 * (`tanji rule find` with a database); *origins: one name per rule of set,
 * "local" for the rules set held before. */
tj_status svc_fed_rules_add(svc_ctx *ctx, svc_ruleset *set, json_t **origins, tj_error *err);

/* Ledger state sources (services/ledger_sources.c): the identity
 * ("federation_identity", id "self"), the trust list ("federation_peer", by
 * name) and the recognition records ("recognition"), each state built by
 * the function the service records it with. */
tj_status svc_fed_each_identity_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_fed_each_peer_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
tj_status svc_fed_each_recognition_state(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);

/* Imported objects: type "factor_version", "rule_version", "label",
 * "dishonest_entity", "cert_key"; peer/category may be NULL. */
tj_status svc_fed_objects(svc_ctx *ctx, const char *peer, const char *object_type, const char *category,
                          int limit, int offset, json_t **out, tj_error *err);

/* `rule find` across instances: the local rules of rules_dir (may be NULL)
 * and the rule versions imported from peers trusted for rules, with the
 * verdicts of svc_rules_find; each rule says its origin (local or the
 * peer) and why it applies or not (a national rule supersedes provincial
 * ones).  {product, region, rules: [{id, version, origin, level, region,
 * applies, reason, because, explain_zh, explain_en}]}. */
tj_status svc_fed_rules_find(svc_ctx *ctx, const char *rules_dir, const char *product, const char *region,
                             const char *date, json_t **out, tj_error *err);

/* A factor for use, with its origin: local published version first, else
 * a version published by a peer trusted for factors.  ref "ID" or
 * "ID@VERSION".  *out: {origin: "local" | peer, peer_jurisdiction,
 * ledger_index, factor: {...}}. */
tj_status svc_fed_factor_resolve(svc_ctx *ctx, const char *ref, json_t **out, tj_error *err);
/* Only at peers (for model resolution when the factor is not published
 * here): *out as above, NULL when no trusted peer publishes it (TJ_OK). */
tj_status svc_fed_factor_for_model(svc_ctx *ctx, const char *id, int version, json_t **out, tj_error *err);

/* Mutual recognition: add a record (operator or regulator) {scheme,
 * partner (instance name or foreign scheme owner), jurisdiction,
 * crosswalk: [{tanji_rule, foreign_rule, differences}], labels: [...],
 * bodies: [...], valid_from, valid_until, note}; list them; and the
 * recognitions under which a footprint (or label) of rule rule_id may be
 * accepted: [{recognition, scheme, partner, foreign_rule, differences}]. */
tj_status svc_fed_recognition_add(svc_ctx *ctx, const json_t *doc, char **id_out, tj_error *err);
tj_status svc_fed_recognition_list(svc_ctx *ctx, json_t **out, tj_error *err);
tj_status svc_fed_recognitions_for_rule(svc_ctx *ctx, const char *rule_id, json_t **out, tj_error *err);
/* For a saved footprint the caller may see: {footprint, rule_id,
 * accepted_under: [as svc_fed_recognitions_for_rule]} (what a PACT or EU
 * export adds to say under which recognition it may be accepted). */
tj_status svc_fed_footprint_recognitions(svc_ctx *ctx, const char *footprint_id, json_t **out, tj_error *err);

#endif

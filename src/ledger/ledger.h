/*
 * ledger: the append-only, tamper-evident log of every state change.
 *
 * Entries are appended inside the caller's transaction (so a change and its
 * entry commit together).  Each entry's leaf data is the canonical JSON
 * (RFC 8785) of {actor, at, change, kind, object_id, object_type, org,
 * state_digest}; leaves form a Merkle tree hashed as in Certificate
 * Transparency (RFC 6962 / RFC 9162: leaf = SHA-256(0x00 || data), node =
 * SHA-256(0x01 || left || right)).  Appending also stores the leaf hash and
 * the hash of every complete subtree of LEDGER_NODE_FROM or more levels the
 * new leaf completes (1 + 1/16 rows an entry); a subtree of the levels
 * between is folded from its (at most 16) leaf hashes when a root or a proof
 * needs it, so either reads O(log n) stored hashes.
 *
 * Tree heads {root_hash, signed_at, tree_size, type} are signed with
 * Ed25519 (libsodium) over their canonical JSON; the key pair lives in a
 * file (mode 0600) made by ledger_key_create.  docs/ledger.md describes the
 * formats.
 *
 * Ownership: ledger_entry_in points to the caller's data; nothing is
 * consumed.  Returned strings and JSON values belong to the caller.
 */
#ifndef LEDGER_LEDGER_H
#define LEDGER_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "store/store.h"
#include "tanji/error.h"

/* The lowest level of internal nodes the node table stores (levels 1 ..
 * LEDGER_NODE_FROM - 1 are computed from the leaves: migration 28). */
#define LEDGER_NODE_FROM 5

typedef struct ledger_entry_in {
    const char *kind;        /* "factor.publish", "footprint.save", ... */
    const char *object_type; /* "factor_version", "footprint", "organisation", ... */
    const char *object_id;
    const char *actor; /* principal id */
    const char *org;   /* the actor's organisation, may be NULL */
    const json_t *change;
    const json_t *state; /* the object after the change, NULL when deleted */
    /* or its canonical JSON (RFC 8785) already made, len bytes (state NULL) */
    const char *state_canonical;
    size_t state_canonical_len;
} ledger_entry_in;

/* Append one entry; *index_out (may be NULL) gets its 0-based leaf index.
 * A transaction must be open.  Concurrent appenders (other processes on
 * PostgreSQL) are serialised, so indexes are dense and the log one. */
tj_status ledger_append(store_db *db, const ledger_entry_in *e, int64_t *index_out, tj_error *err);

/* An entry made ready for appending: its canonical body and leaf hash,
 * which do not depend on its index, so that a large batch (an import) can
 * compute them on another thread while the caller writes other rows, and
 * append them later with ledger_append_prepared.  ledger_prepare touches no
 * database and no shared state.  kind, object_type, actor and org are
 * borrowed from e (they must outlive the append); object_id is copied. */
typedef struct ledger_prepared {
    const char *kind, *object_type, *actor, *org;
    char *object_id;
    char *data; /* the canonical JSON body (the leaf data) */
    size_t len;
    char at[32];
    char state_digest[65]; /* "" when the entry has no state */
    merkle_hash leaf;
} ledger_prepared;
tj_status ledger_prepare(const ledger_entry_in *e, ledger_prepared *p, tj_error *err);
void ledger_prepared_release(ledger_prepared *p);
/* Append n prepared entries in order (their indexes are consecutive; the
 * first one's into *first_index, may be NULL), with multi-row inserts.  The
 * same rows and tree as n calls of ledger_append.  A transaction must be
 * open. */
tj_status ledger_append_prepared(store_db *db, const ledger_prepared *p, size_t n, int64_t *first_index,
                                 tj_error *err);

/* ---- canonical JSON (RFC 8785) ------------------------------------------ */

/* Canonical JSON of v into a malloc'ed NUL-terminated string (*len its
 * length, may be NULL).  Refuses NaN, infinities and integers beyond
 * +-2^53 (TJ_ERR_INPUT). */
tj_status ledger_jcs(const json_t *v, char **out, size_t *len, tj_error *err);
/* The same, NULL on any error. */
char *ledger_canonical_json(const json_t *v);
/* Canonical JSON written piece by piece (an object whose members the caller
 * knows, in order, without building it): a growing buffer ({0} to start,
 * p malloc'ed, NUL-terminated; oom set when an allocation failed), raw
 * bytes, a string as RFC 8785 escapes it (s valid UTF-8), and any value
 * (returns NULL, or why it has no canonical form). */
typedef struct ledger_jbuf {
    char *p;
    size_t n, cap;
    int oom;
} ledger_jbuf;
void ledger_jbuf_put(ledger_jbuf *b, const char *s, size_t n);
void ledger_jbuf_string(ledger_jbuf *b, const char *s, size_t n);
const char *ledger_jbuf_value(ledger_jbuf *b, const json_t *v);
/* One IEEE-754 double as ECMAScript serialises it; -1 for NaN/Infinity. */
#define LEDGER_JCS_NUMBER_SIZE 32
int ledger_jcs_number(double d, char out[LEDGER_JCS_NUMBER_SIZE]);

/* SHA-256 of the canonical JSON of v as 64 lower-case hex digits. */
tj_status ledger_digest_json(const json_t *v, char hex[65], tj_error *err);

/* ---- the tree in the database -------------------------------------------- */

/* The size of the tree (leaves in the node table). */
tj_status ledger_size(store_db *db, int64_t *size, tj_error *err);
tj_status ledger_root(store_db *db, int64_t size, merkle_hash *root, tj_error *err);
tj_status ledger_inclusion_proof(store_db *db, int64_t index, int64_t size, merkle_hash *proof, size_t *n,
                                 tj_error *err);
tj_status ledger_consistency_proof(store_db *db, int64_t from, int64_t to, merkle_hash *proof, size_t *n,
                                   tj_error *err);

/* ---- keys and signed tree heads ------------------------------------------- */

#define LEDGER_PK_SIZE 32
typedef struct ledger_key {
    unsigned char pk[LEDGER_PK_SIZE];
    unsigned char sk[64];
} ledger_key;

/* Create a new key pair in a new file at path (mode 0600; an existing file
 * is never overwritten: TJ_ERR_CONFLICT). */
tj_status ledger_key_create(const char *path, ledger_key *key, tj_error *err);
/* Load a key file; refuses one that others may read (mode & 077). */
tj_status ledger_key_load(const char *path, ledger_key *key, tj_error *err);
/* Wipe the secret. */
void ledger_key_wipe(ledger_key *key);
void ledger_pk_hex(const unsigned char pk[LEDGER_PK_SIZE], char hex[2 * LEDGER_PK_SIZE + 1]);
int ledger_pk_from_hex(const char *hex, unsigned char pk[LEDGER_PK_SIZE]);

typedef struct ledger_head {
    int64_t tree_size;
    merkle_hash root;
    char signed_at[32]; /* RFC 3339 UTC, seconds */
    unsigned char public_key[LEDGER_PK_SIZE];
    unsigned char signature[64];
} ledger_head;

/* The signed bytes: canonical JSON of {root_hash, signed_at, tree_size,
 * type: "tanji-ledger-head/v1"}, malloc'ed. */
char *ledger_head_message(const ledger_head *h);
tj_status ledger_head_sign(ledger_head *h, const ledger_key *key, tj_error *err);
/* 1 when h's signature is valid for public key pk (NULL: h's own key). */
int ledger_head_signature_ok(const ledger_head *h, const unsigned char *pk);
/* JSON form {tree_size, root_hash, signed_at, public_key, signature} and
 * back (TJ_ERR_INPUT naming the field that is wrong). */
json_t *ledger_head_json(const ledger_head *h);
tj_status ledger_head_from_json(const json_t *j, ledger_head *h, tj_error *err);

/* Check a proof file (as `tanji ledger proof` writes) offline with only the
 * public key pk: the signatures of its head(s), then the Merkle proof.
 * *ok 1 when everything holds; else *why (static text) says what failed.
 * Returns non-OK only for a document that is not a proof at all. */
tj_status ledger_verify_proof_json(const json_t *doc, const unsigned char pk[LEDGER_PK_SIZE], int *ok,
                                   const char **why, tj_error *err);

#endif

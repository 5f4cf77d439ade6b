/*
 * ledger: the append-only, tamper-evident log of every state change.
 *
 * Entries are appended inside the caller's transaction (so a change and its
 * entry commit together).  Each entry's leaf data is the canonical JSON
 * (RFC 8785) of {actor, at, change, kind, object_id, object_type, org,
 * state_digest}; leaves form a Merkle tree hashed as in Certificate
 * Transparency (RFC 6962 / RFC 9162: leaf = SHA-256(0x00 || data), node =
 * SHA-256(0x01 || left || right)).
 *
 * Ownership: ledger_entry_in points to the caller's data; nothing is
 * consumed.
 */
#ifndef LEDGER_LEDGER_H
#define LEDGER_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"
#include "tanji/error.h"

typedef struct ledger_entry_in {
    const char *kind;        /* "factor.publish", "footprint.save", ... */
    const char *object_type; /* "factor_version", "footprint", "organisation", ... */
    const char *object_id;
    const char *actor; /* principal id */
    const char *org;   /* the actor's organisation, may be NULL */
    const json_t *change;
    const json_t *state; /* the object after the change, NULL when deleted */
} ledger_entry_in;

/* Append one entry; *index_out (may be NULL) gets its 0-based leaf index.
 * A transaction must be open.  Concurrent appenders (other processes on
 * PostgreSQL) are serialised, so indexes are dense and the log one. */
tj_status ledger_append(store_db *db, const ledger_entry_in *e, int64_t *index_out, tj_error *err);

/* Canonical JSON (RFC 8785) of v into a malloc'ed NUL-terminated string. */
char *ledger_canonical_json(const json_t *v);

/* SHA-256 of the canonical JSON of v as 64 lower-case hex digits. */
tj_status ledger_digest_json(const json_t *v, char hex[65], tj_error *err);

#endif

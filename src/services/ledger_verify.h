/*
 * ledger verification: recompute the whole ledger from the database and
 * report, by entry, everything that was changed behind tanji's back:
 *
 *   changed    an entry's body (or a column beside it) is not what was
 *              appended: its leaf hash differs from the tree's leaf
 *   deleted    the tree has a leaf for an index that has no entry row
 *   inserted   an entry row the tree has no leaf for
 *   reordered  the entry at index i is the one appended at index j
 *   node       a stored tree node is not the hash of its children (proofs
 *              served from it would be wrong), or one is missing
 *   head       a signed tree head whose signature fails, whose key is not
 *              the trusted one, or that the log does not extend (its root
 *              is not the root of the log's first tree_size entries)
 *   state      a record whose current state its entries do not explain:
 *              the digest of its state now differs from the state_digest
 *              of its latest entry, it has no entry, or it is gone though
 *              no entry deleted it
 *
 * State sources: for each object_type a function that produces the
 * current state JSON of every object of that type from the database, the
 * same JSON its service passes to svc_record.  ledger_state_sources (in
 * ledger_sources.c) lists the built-in ones; adding a type is one function
 * and one line there.
 *
 * Ownership: a ledger_report owns its problems (ledger_report_release).
 */
#ifndef SERVICES_LEDGER_VERIFY_H
#define SERVICES_LEDGER_VERIFY_H

#include <jansson.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "services/ctx.h"

/* emit is called with each object's id and current state (not consumed). */
typedef tj_status (*ledger_state_emit_fn)(void *arg, const char *object_id, const json_t *state,
                                          tj_error *err);

typedef struct ledger_state_source {
    const char *object_type;
    tj_status (*each)(store_db *db, ledger_state_emit_fn emit, void *arg, tj_error *err);
} ledger_state_source;

/* Built-in sources, ended by an entry whose object_type is NULL. */
extern const ledger_state_source ledger_state_sources[];

typedef enum ledger_problem_kind {
    LEDGER_P_CHANGED,
    LEDGER_P_DELETED,
    LEDGER_P_INSERTED,
    LEDGER_P_REORDERED,
    LEDGER_P_NODE,
    LEDGER_P_HEAD,
    LEDGER_P_STATE,
} ledger_problem_kind;

typedef struct ledger_problem {
    ledger_problem_kind kind;
    int64_t index; /* entry index; head seq for head; node id for node; -1 if none */
    int64_t other; /* reordered: where the entry was appended; node: first entry covered; else -1 */
    char *object_type, *object_id; /* state problems, else NULL */
    char *detail;                  /* what was found, English / 中文 */
} ledger_problem;

typedef struct ledger_report {
    int64_t entries;         /* entry rows read */
    int64_t tree_size;       /* leaves in the node table */
    int64_t heads;           /* signed heads checked */
    int64_t objects_checked; /* objects compared with their entries */
    int key_trusted;         /* heads checked against a key given by the caller */
    ledger_problem *problems;
    size_t nproblems, cap;
} ledger_report;

/* Verify everything.  trusted_pk: the public key heads must be signed with
 * (NULL: the key of the first head is taken, and the report says so).
 * sources: NULL for ledger_state_sources.  Needs the operator, regulator or
 * verifier role.  Runs in a read-only snapshot; returns TJ_OK with problems
 * in the report (a database error is an error). */
tj_status svc_ledger_verify(svc_ctx *ctx, const unsigned char *trusted_pk, const ledger_state_source *sources,
                            ledger_report *out, tj_error *err);
void ledger_report_release(ledger_report *r);
const char *ledger_problem_name(ledger_problem_kind k);
json_t *ledger_report_json(const ledger_report *r);

#endif

/*
 * merkle: the Merkle tree hash of RFC 6962 / RFC 9162 section 2.1 (SHA-256;
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right)),
 * inclusion and consistency proofs and their verification.
 *
 * No storage here: a tree is given as a function that returns the hashes
 * of complete subtrees ("nodes").  A node is identified by its level L (0 =
 * leaves) and its index i on that level; it covers the leaves
 * [i * 2^L, (i + 1) * 2^L).  merkle_node_id packs both into one integer
 * (L * 2^40 + i), the key of the ledger's node table.
 *
 * Every hash a proof holds is the hash of a range of leaves [a, b) that is
 * either one node or, at the right edge of a tree, several nodes of
 * decreasing size (the RFC's MTH of an incomplete subtree), so a proof of
 * a tree of n leaves needs O(log n) nodes, which are fetched in one batch.
 */
#ifndef LEDGER_MERKLE_H
#define LEDGER_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "tanji/error.h"

#define MERKLE_HASH_SIZE 32
/* The longest proof of a tree of up to 2^63 leaves. */
#define MERKLE_MAX_PROOF 128
/* Node ids: level * 2^40 + index; trees of up to 2^40 leaves. */
#define MERKLE_MAX_LEAVES ((int64_t)1 << 40)

typedef struct merkle_hash {
    unsigned char b[MERKLE_HASH_SIZE];
} merkle_hash;

/* SHA-256 of data (the ledger's one hash function). */
void merkle_sha256(const void *data, size_t len, unsigned char out[MERKLE_HASH_SIZE]);
void merkle_leaf_hash(const void *data, size_t len, merkle_hash *out);
void merkle_node_hash(const merkle_hash *left, const merkle_hash *right, merkle_hash *out);
/* The root of the empty tree: SHA-256 of nothing. */
void merkle_empty_root(merkle_hash *out);

static inline int64_t merkle_node_id(int level, int64_t index)
{
    return ((int64_t)level << 40) | index;
}
static inline int merkle_node_level(int64_t id)
{
    return (int)(id >> 40);
}
static inline int64_t merkle_node_index(int64_t id)
{
    return id & (((int64_t)1 << 40) - 1);
}

/* Fetch the hashes of n nodes (ids may repeat) into out[0..n).  A node that
 * does not exist is an error (TJ_ERR_NOTFOUND). */
typedef tj_status (*merkle_fetch_fn)(void *arg, const int64_t *ids, size_t n, merkle_hash *out,
                                     tj_error *err);

/* Root hash of the first size leaves. */
tj_status merkle_root(merkle_fetch_fn fetch, void *arg, int64_t size, merkle_hash *root, tj_error *err);
/* Inclusion proof (RFC 9162 2.1.3.1) of leaf index in the tree of size
 * leaves: *n hashes into proof[MERKLE_MAX_PROOF]. */
tj_status merkle_inclusion_proof(merkle_fetch_fn fetch, void *arg, int64_t index, int64_t size,
                                 merkle_hash *proof, size_t *n, tj_error *err);
/* Consistency proof (RFC 9162 2.1.4.1) between tree sizes 0 < from <= to. */
tj_status merkle_consistency_proof(merkle_fetch_fn fetch, void *arg, int64_t from, int64_t to,
                                   merkle_hash *proof, size_t *n, tj_error *err);

/* Verification (RFC 9162 2.1.3.2 and 2.1.4.2): 1 when the proof shows that
 * leaf_hash is leaf index of the tree of size leaves with that root (resp.
 * that the tree of size `from` with root1 is a prefix of the tree of size
 * `to` with root2), else 0.  As the RFC, a consistency proof from the empty
 * tree proves nothing and is refused; equal sizes need an empty proof and
 * equal roots. */
int merkle_verify_inclusion(int64_t index, int64_t size, const merkle_hash *leaf_hash,
                            const merkle_hash *proof, size_t n, const merkle_hash *root);
int merkle_verify_consistency(int64_t from, int64_t to, const merkle_hash *root1, const merkle_hash *root2,
                              const merkle_hash *proof, size_t n);

/* Hex (64 lower-case digits + NUL) <-> hash; merkle_from_hex returns 0 on
 * success, -1 for anything but 64 hex digits. */
void merkle_to_hex(const merkle_hash *h, char hex[2 * MERKLE_HASH_SIZE + 1]);
int merkle_from_hex(const char *hex, merkle_hash *out);

#endif

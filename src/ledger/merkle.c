/* merkle: RFC 6962 / 9162 tree hashing and proofs; see merkle.h. */
#include "ledger/merkle.h"

#include <nettle/sha2.h>
#include <sodium.h>
#include <string.h>

#include "tanji/text.h"

/* SHA-256 is nettle's: it uses the CPU's SHA instructions where there are
 * any (x86-64 SHA-NI, ARMv8 crypto), about 4x libsodium's portable code on
 * the ledger's short inputs; the digests are of course the same
 * (tests/unit/test_ledger_hash.c checks them against libsodium's). */
void merkle_sha256(const void *data, size_t len, unsigned char out[MERKLE_HASH_SIZE])
{
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, len, data);
    sha256_digest(&c, MERKLE_HASH_SIZE, out);
}

void merkle_leaf_hash(const void *data, size_t len, merkle_hash *out)
{
    struct sha256_ctx c;
    static const uint8_t zero = 0;
    sha256_init(&c);
    sha256_update(&c, 1, &zero);
    sha256_update(&c, len, data);
    sha256_digest(&c, MERKLE_HASH_SIZE, out->b);
}

void merkle_node_hash(const merkle_hash *left, const merkle_hash *right, merkle_hash *out)
{
    unsigned char buf[1 + 2 * MERKLE_HASH_SIZE];
    buf[0] = 1;
    memcpy(buf + 1, left->b, MERKLE_HASH_SIZE);
    memcpy(buf + 1 + MERKLE_HASH_SIZE, right->b, MERKLE_HASH_SIZE);
    merkle_sha256(buf, sizeof buf, out->b);
}

void merkle_empty_root(merkle_hash *out)
{
    merkle_sha256("", 0, out->b);
}

void merkle_to_hex(const merkle_hash *h, char hex[2 * MERKLE_HASH_SIZE + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < MERKLE_HASH_SIZE; i++) {
        hex[2 * i] = digits[h->b[i] >> 4];
        hex[2 * i + 1] = digits[h->b[i] & 15];
    }
    hex[2 * MERKLE_HASH_SIZE] = '\0';
}

int merkle_from_hex(const char *hex, merkle_hash *out)
{
    if (!hex)
        return -1;
    for (size_t i = 0; i < MERKLE_HASH_SIZE; i++) {
        int hi = tj_hex_digit((unsigned char)hex[2 * i]),
            lo = hi < 0 ? -1 : tj_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out->b[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[2 * MERKLE_HASH_SIZE] ? -1 : 0;
}

/* ---- proofs as lists of leaf ranges -------------------------------------- */

typedef struct range {
    int64_t a, b;
} range;

typedef struct plan {
    range r[MERKLE_MAX_PROOF];
    size_t n;
} plan;

/* Largest power of two strictly less than n (n >= 2). */
static int64_t split(int64_t n)
{
    int64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static void add(plan *p, int64_t a, int64_t b)
{
    if (p->n < MERKLE_MAX_PROOF)
        p->r[p->n++] = (range){a, b};
}

/* PATH(m, D[lo:hi]) of RFC 9162 2.1.3.1, innermost first. */
static void path(plan *p, int64_t m, int64_t lo, int64_t hi)
{
    if (hi - lo <= 1)
        return;
    int64_t k = split(hi - lo);
    if (m < lo + k) {
        path(p, m, lo, lo + k);
        add(p, lo + k, hi);
    } else {
        path(p, m, lo + k, hi);
        add(p, lo, lo + k);
    }
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 9162 2.1.4.1; m counts from lo. */
static void subproof(plan *p, int64_t m, int64_t lo, int64_t hi, int b)
{
    int64_t n = hi - lo;
    if (m == n) {
        if (!b)
            add(p, lo, hi);
        return;
    }
    int64_t k = split(n);
    if (m <= k) {
        subproof(p, m, lo, lo + k, b);
        add(p, lo + k, hi);
    } else {
        subproof(p, m - k, lo + k, hi, 0);
        add(p, lo, lo + k);
    }
}

/* The nodes that make up [a, b): maximal aligned complete subtrees, left to
 * right (for the ranges above, of decreasing size). */
static size_t range_nodes(int64_t a, int64_t b, int64_t *ids, size_t cap)
{
    size_t n = 0;
    while (a < b && n < cap) {
        int level = 0;
        while (level < 40 && !(a & ((int64_t)1 << level)) && a + ((int64_t)2 << level) <= b)
            level++;
        ids[n++] = merkle_node_id(level, a >> level);
        a += (int64_t)1 << level;
    }
    return n;
}

/* Hash every range of the plan: fetch all nodes in one batch, then fold
 * each range from the right (MTH of an incomplete subtree). */
static tj_status resolve(merkle_fetch_fn fetch, void *arg, const plan *p, merkle_hash *out, tj_error *err)
{
    int64_t ids[MERKLE_MAX_PROOF * 2];
    size_t first[MERKLE_MAX_PROOF + 1], n = 0;
    for (size_t i = 0; i < p->n; i++) {
        first[i] = n;
        n += range_nodes(p->r[i].a, p->r[i].b, ids + n, sizeof ids / sizeof ids[0] - n);
    }
    first[p->n] = n;
    if (!n)
        return TJ_OK;
    merkle_hash hs[MERKLE_MAX_PROOF * 2];
    tj_status rc = fetch(arg, ids, n, hs, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = first[i + 1] - 1;
        merkle_hash h = hs[j];
        while (j-- > first[i])
            merkle_node_hash(&hs[j], &h, &h);
        out[i] = h;
    }
    return TJ_OK;
}

tj_status merkle_root(merkle_fetch_fn fetch, void *arg, int64_t size, merkle_hash *root, tj_error *err)
{
    if (size < 0 || size > MERKLE_MAX_LEAVES)
        return tj_error_set(err, TJ_ERR_USAGE, "size", "tree size %lld out of range", (long long)size);
    if (size == 0) {
        merkle_empty_root(root);
        return TJ_OK;
    }
    plan p = {.n = 0};
    add(&p, 0, size);
    return resolve(fetch, arg, &p, root, err);
}

tj_status merkle_inclusion_proof(merkle_fetch_fn fetch, void *arg, int64_t index, int64_t size,
                                 merkle_hash *proof, size_t *n, tj_error *err)
{
    *n = 0;
    if (size > MERKLE_MAX_LEAVES || index < 0 || index >= size)
        return tj_error_set(err, TJ_ERR_INPUT, "index",
                            "entry %lld is not in a log of %lld entries / 条目不在该日志范围内",
                            (long long)index, (long long)size);
    plan p = {.n = 0};
    path(&p, index, 0, size);
    tj_status rc = resolve(fetch, arg, &p, proof, err);
    if (!rc)
        *n = p.n;
    return rc;
}

tj_status merkle_consistency_proof(merkle_fetch_fn fetch, void *arg, int64_t from, int64_t to,
                                   merkle_hash *proof, size_t *n, tj_error *err)
{
    *n = 0;
    if (to > MERKLE_MAX_LEAVES || from <= 0 || from > to)
        return tj_error_set(err, TJ_ERR_INPUT, "from",
                            "a consistency proof needs 0 < from <= to, not %lld and %lld / 树大小无效",
                            (long long)from, (long long)to);
    if (from == to)
        return TJ_OK;
    plan p = {.n = 0};
    subproof(&p, from, 0, to, 1);
    tj_status rc = resolve(fetch, arg, &p, proof, err);
    if (!rc)
        *n = p.n;
    return rc;
}

/* ---- verification --------------------------------------------------------- */

int merkle_verify_inclusion(int64_t index, int64_t size, const merkle_hash *leaf_hash,
                            const merkle_hash *proof, size_t n, const merkle_hash *root)
{
    if (index < 0 || index >= size)
        return 0;
    uint64_t fn = (uint64_t)index, sn = (uint64_t)size - 1;
    merkle_hash r = *leaf_hash;
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return 0;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(&proof[i], &r, &r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(&r, &proof[i], &r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && sodium_memcmp(r.b, root->b, MERKLE_HASH_SIZE) == 0;
}

int merkle_verify_consistency(int64_t from, int64_t to, const merkle_hash *root1, const merkle_hash *root2,
                              const merkle_hash *proof, size_t n)
{
    if (from <= 0 || from > to)
        return 0;
    if (from == to)
        return n == 0 && sodium_memcmp(root1->b, root2->b, MERKLE_HASH_SIZE) == 0;
    if (n == 0)
        return 0;
    size_t i = 0;
    merkle_hash fr, sr;
    /* a first tree that is a complete subtree is the proof's implicit first
     * element */
    if (!((uint64_t)from & ((uint64_t)from - 1)))
        fr = sr = *root1;
    else
        fr = sr = proof[i++];
    uint64_t fn = (uint64_t)from - 1, sn = (uint64_t)to - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n; i++) {
        if (sn == 0)
            return 0;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(&proof[i], &fr, &fr);
            merkle_node_hash(&proof[i], &sr, &sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(&sr, &proof[i], &sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && sodium_memcmp(fr.b, root1->b, MERKLE_HASH_SIZE) == 0 &&
           sodium_memcmp(sr.b, root2->b, MERKLE_HASH_SIZE) == 0;
}

/* libFuzzer driver: the federation package reader (svc_fed_pull,
 * docs/federation.md), which reads what another instance sends.  Two modes,
 * picked by the first byte:
 *   - raw: the bytes are the whole package;
 *   - wrapped: the driver builds a valid package around the fuzzed lines,
 *     signed with a fixed test key that the in-memory instance trusts, so
 *     the checks that come first (the head's signature, the inclusion
 *     proofs, the state and document digests, the package signature) pass
 *     and the parsing and import behind them are exercised.  Each line is
 *     {"entry": {...}, "state": ..., "document": "..."}: the driver fills in
 *     the entry's state_digest and the state's document_digest, builds the
 *     Merkle tree of the entries and their proofs; a line that is not such
 *     an object goes in as it is (the item parser sees it behind a valid
 *     header).
 * The peer's head is reset after each input, so every package is a first
 * pull.  Test key only: generated from a fixed seed, it signs nothing real. */
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "services/ctx.h"
#include "services/federation.h"
#include "services/inst_util.h"
#include "store/store.h"

#define MAX_ITEMS 64

static store_db *db;
static svc_ctx ctx; /* all roles, the operator organisation */
static ledger_key key;
static char pk_hex[2 * LEDGER_PK_SIZE + 1];

static void sign_into(json_t *doc)
{
    char *msg = ledger_canonical_json(doc);
    unsigned char sig[crypto_sign_BYTES];
    char hex[2 * crypto_sign_BYTES + 1];
    if (!msg)
        abort();
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), key.sk);
    free(msg);
    sodium_bin2hex(hex, sizeof hex, sig, sizeof sig);
    json_object_set_new(doc, "signature", json_string(hex));
}

static void setup(void)
{
    tj_error err;
    static const unsigned char seed[crypto_sign_SEEDBYTES] = "tanji fuzz test key: not real!!";
    if (sodium_init() < 0 || crypto_sign_seed_keypair(key.pk, key.sk, seed))
        abort();
    ledger_pk_hex(key.pk, pk_hex);
    if (store_open_ex(":memory:", STORE_OPEN_MIGRATE, &db, &err) != TJ_OK ||
        svc_ctx_init(&ctx, db, "fuzzer", "fuzzer", SVC_OPERATOR_ORG, SVC_ROLE_ALL, &err) != TJ_OK)
        abort();
    json_t *id =
        json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "tanji-federation-identity/v1", "name", "fuzzpeer",
                  "jurisdiction", "530000", "public_key", pk_hex, "exported_at", "2026-01-01T00:00:00Z");
    sign_into(id);
    if (svc_fed_trust_add(&ctx, id, SVC_FED_FACTORS | SVC_FED_RULES | SVC_FED_LABELS | SVC_FED_DISHONEST,
                          NULL, NULL, &err) != TJ_OK) {
        fprintf(stderr, "fuzz_federation: trust add: %s\n", err.message);
        abort();
    }
    json_decref(id);
}

static void reset(void)
{
    tj_error err;
    static const char *const sql[] = {
        "DELETE FROM fed_entry", "DELETE FROM fed_object", "DELETE FROM fed_pull",
        "UPDATE fed_peer SET head_size = 0, head_root = NULL, head_signed_at = NULL, last_pull_at = NULL, "
        "package_at = NULL, items = 0",
        NULL};
    for (int i = 0; sql[i]; i++)
        if (store_exec(db, sql[i], &err) != TJ_OK)
            abort();
}

/* ---- an in-memory Merkle tree over the entries (RFC 9162 node ids) ---- */

typedef struct tree {
    merkle_hash leaves[MAX_ITEMS];
    int64_t n;
} tree;

/* the hash of the perfect subtree of 2^level leaves from index << level */
static void node(const tree *t, int level, int64_t index, merkle_hash *out)
{
    if (level == 0) {
        *out = t->leaves[index];
        return;
    }
    merkle_hash l, r;
    node(t, level - 1, 2 * index, &l);
    node(t, level - 1, 2 * index + 1, &r);
    merkle_node_hash(&l, &r, out);
}

static tj_status fetch(void *arg, const int64_t *ids, size_t n, merkle_hash *out, tj_error *err)
{
    const tree *t = arg;
    for (size_t i = 0; i < n; i++) {
        int level = merkle_node_level(ids[i]);
        int64_t index = merkle_node_index(ids[i]);
        if (level > 20 || ((index + 1) << level) > t->n)
            return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "no such node");
        node(t, level, index, &out[i]);
    }
    return TJ_OK;
}

static char *hashes(const merkle_hash *h, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        merkle_to_hex(&h[i], hex);
        json_array_append_new(a, json_string(hex));
    }
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* The entry body of a wrapped line (NULL: the line goes in as it is); fills
 * in the digests. */
static char *wrap_item(json_t *item)
{
    json_t *entry = json_object_get(item, "entry");
    if (!json_is_object(entry))
        return NULL;
    json_t *state = json_object_get(item, "state");
    const char *doc = json_string_value(json_object_get(item, "document"));
    char hex[65];
    tj_error err;
    if (doc && json_is_object(state)) {
        inst_sha256_hex(doc, strlen(doc), hex);
        json_object_set_new(state, "document_digest", json_string(hex));
    }
    if (state && !json_object_get(entry, "state_digest") && ledger_digest_json(state, hex, &err) == TJ_OK)
        json_object_set_new(entry, "state_digest", json_string(hex));
    return json_dumps(entry, JSON_COMPACT);
}

static void wrapped(const char *data, size_t size)
{
    char *lines[MAX_ITEMS], *bodies[MAX_ITEMS];
    json_t *items[MAX_ITEMS];
    tree *t = calloc(1, sizeof *t);
    size_t n = 0;
    const char *p = data, *end = data + size;
    while (p < end && n < MAX_ITEMS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lines[n] = strndup(p, len);
        items[n] = json_loadb(p, len, 0, NULL);
        bodies[n] = json_is_object(items[n]) ? wrap_item(items[n]) : NULL;
        merkle_leaf_hash(bodies[n] ? bodies[n] : lines[n], strlen(bodies[n] ? bodies[n] : lines[n]),
                         &t->leaves[n]);
        n++;
        p = nl ? nl + 1 : end;
    }
    t->n = (int64_t)n;
    tj_error err;
    ledger_head head;
    memset(&head, 0, sizeof head);
    head.tree_size = (int64_t)n;
    if (n == 0)
        merkle_empty_root(&head.root);
    else if (merkle_root(fetch, t, (int64_t)n, &head.root, &err) != TJ_OK)
        abort();
    strcpy(head.signed_at, "2026-01-01T00:00:00Z");
    memcpy(head.public_key, key.pk, LEDGER_PK_SIZE);
    if (ledger_head_sign(&head, &key, &err) != TJ_OK)
        abort();
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    json_t *hdr =
        json_pack("{s:s,s:{s:s,s:s,s:s},s:i,s:o,s:[],s:s}", "type", "tanji-federation-package/v1", "instance",
                  "name", "fuzzpeer", "jurisdiction", "530000", "public_key", pk_hex, "since", 0, "head",
                  ledger_head_json(&head), "consistency", "created_at", "2026-01-01T00:00:00Z");
    char *line = json_dumps(hdr, JSON_COMPACT);
    json_decref(hdr);
#define EMIT(s)                                                                                              \
    do {                                                                                                     \
        fputs((s), f);                                                                                       \
        fputc('\n', f);                                                                                      \
        crypto_hash_sha256_update(&sha, (const unsigned char *)(s), strlen(s));                              \
        crypto_hash_sha256_update(&sha, (const unsigned char *)"\n", 1);                                     \
    } while (0)
    EMIT(line);
    free(line);
    for (size_t i = 0; i < n; i++) {
        if (!bodies[i]) {
            EMIT(lines[i]);
            continue;
        }
        merkle_hash proof[MERKLE_MAX_PROOF];
        size_t pn = 0;
        if (merkle_inclusion_proof(fetch, t, (int64_t)i, (int64_t)n, proof, &pn, &err) != TJ_OK)
            abort();
        char *ph = hashes(proof, pn);
        json_t *proof_json = json_loads(ph, 0, NULL);
        free(ph);
        json_object_set_new(items[i], "index", json_integer((json_int_t)i));
        json_object_set_new(items[i], "entry", json_string(bodies[i]));
        json_object_set_new(items[i], "proof", proof_json);
        line = json_dumps(items[i], JSON_COMPACT);
        if (line) {
            EMIT(line);
            free(line);
        }
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char dhex[65];
    crypto_hash_sha256_final(&sha, digest);
    sodium_bin2hex(dhex, sizeof dhex, digest, sizeof digest);
    json_t *sp = json_pack("{s:s,s:I,s:s}", "type", "tanji-federation-package-signature/v1", "items",
                           (json_int_t)n, "sha256", dhex);
    sign_into(sp);
    json_t *endl = json_pack("{s:s,s:I,s:s,s:O}", "type", "tanji-federation-package-end/v1", "items",
                             (json_int_t)n, "sha256", dhex, "signature", json_object_get(sp, "signature"));
    line = json_dumps(endl, JSON_COMPACT);
    fputs(line, f);
    fputc('\n', f);
    free(line);
    json_decref(sp);
    json_decref(endl);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        free(lines[i]);
        free(bodies[i]);
        json_decref(items[i]);
    }
    free(t);
    FILE *in = fmemopen(buf, blen, "r");
    json_t *sum = NULL;
    if (in) {
        tj_status rc = svc_fed_pull(&ctx, "fuzzpeer", in, "fuzz", &sum, &err);
        if (getenv("FUZZ_FEDERATION_VERBOSE")) /* to check that the seeds get through */
            fprintf(stderr, "pull: %s\n", rc ? err.message : "imported");
        json_decref(sum);
        fclose(in);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    if (size < 1)
        return 0;
    tj_error err;
    if (data[0] & 1) {
        wrapped((const char *)data + 1, size - 1);
    } else if (size > 1) {
        FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
        json_t *sum = NULL;
        if (in) {
            if (svc_fed_pull(&ctx, NULL, in, "fuzz", &sum, &err) == TJ_OK)
                json_decref(sum);
            fclose(in);
        }
    }
    reset();
    return 0;
}

/*
 * The ledger: canonical JSON (RFC 8785), the Merkle tree and its proofs
 * (RFC 6962 / 9162) against published vectors, signed heads, and
 * verification of a database tampered with behind tanji's back, on SQLite
 * and (with TJ_PG_URL) PostgreSQL, including two concurrent writers.
 *
 * Published data used here (transcribed as facts, with their origin):
 * - RFC 8785 section 3.2.2 (the example with numbers, string, literals),
 *   section 3.2.3 (the sorting example) and Appendix B (number
 *   serialisation samples, IEEE-754 bit patterns -> text); every Appendix B
 *   value was also checked against node's Number.prototype.toString.
 * - The 8-leaf tree of Certificate Transparency's merkle_tree_test.cc as
 *   published in transparency-dev/merkle (testonly/constants.go: leaf
 *   inputs, node and root hashes; cmd/proofgen/main.go: inclusion and
 *   consistency proofs), commit 417fb0c314750d94e53942e9f92e79b6d35915db.
 * Optional: TJ_MERKLE_TESTDATA=<transparency-dev/merkle>/testdata runs every
 * inclusion/ and consistency/ probe file there; TJ_JCS_TESTDATA=
 * <cyberphone/json-canonicalization>/testdata every input/output pair.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "services/account.h"
#include "services/ledger_svc.h"
#include "services/ledger_verify.h"
#include "store/ledger_sql.h"
#include "store/store.h"
#include "tj_testdb.h"

/* ---- RFC 8785 ---------------------------------------------------------- */

static void jcs_is(const char *input, const char *want)
{
    json_error_t je;
    json_t *v = json_loads(input, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v)
        fail_msg("parse %s: %s", input, je.text);
    char *got = ledger_canonical_json(v);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    json_decref(v);
}

static void test_jcs_rfc8785(void **state)
{
    (void)state;
    /* RFC 8785 3.2.2 */
    jcs_is("{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
           "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
           "  \"literals\": [null, true, false]\n}",
           "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
           "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    /* RFC 8785 3.2.3: sorting by UTF-16 code units */
    jcs_is(
        "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": \"Hebrew Letter Dalet With "
        "Dagesh\", \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\", "
        "\"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}",
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\",\"\xc3\xb6\":\"Latin Small "
        "Letter O "
        "With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    /* nesting, empty containers, U+007F and U+2028 unescaped, NUL escaped */
    jcs_is("[56, {\"d\": true, \"10\": null, \"1\": [ ]}, {}, \"\\u007f\\u2028\\u0000\"]",
           "[56,{\"1\":[],\"10\":null,\"d\":true},{},\"\x7f\xe2\x80\xa8\\u0000\"]");
}

static void test_jcs_numbers(void **state)
{
    (void)state;
    /* RFC 8785 Appendix B */
    static const struct {
        uint64_t bits;
        const char *want;
    } v[] = {
        {0x0000000000000000ull, "0"},
        {0x8000000000000000ull, "0"},
        {0x0000000000000001ull, "5e-324"},
        {0x8000000000000001ull, "-5e-324"},
        {0x7fefffffffffffffull, "1.7976931348623157e+308"},
        {0xffefffffffffffffull, "-1.7976931348623157e+308"},
        {0x4340000000000000ull, "9007199254740992"},
        {0xc340000000000000ull, "-9007199254740992"},
        {0x4430000000000000ull, "295147905179352830000"},
        {0x44b52d02c7e14af5ull, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6ull, "1e+23"},
        {0x44b52d02c7e14af7ull, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4eull, "999999999999999700000"},
        {0x444b1ae4d6e2ef4full, "999999999999999900000"},
        {0x444b1ae4d6e2ef50ull, "1e+21"},
        {0x3eb0c6f7a0b5ed8cull, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8dull, "0.000001"},
        {0x41b3de4355555553ull, "333333333.3333332"},
        {0x41b3de4355555554ull, "333333333.33333325"},
        {0x41b3de4355555555ull, "333333333.3333333"},
        {0x41b3de4355555556ull, "333333333.3333334"},
        {0x41b3de4355555557ull, "333333333.33333343"},
        {0xbecbf647612f3696ull, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959ull, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        double d;
        memcpy(&d, &v[i].bits, sizeof d);
        char got[LEDGER_JCS_NUMBER_SIZE];
        assert_int_equal(ledger_jcs_number(d, got), 0);
        assert_string_equal(got, v[i].want);
    }
    uint64_t nan = 0x7fffffffffffffffull, inf = 0x7ff0000000000000ull;
    double d;
    char got[LEDGER_JCS_NUMBER_SIZE];
    memcpy(&d, &nan, sizeof d);
    assert_int_equal(ledger_jcs_number(d, got), -1);
    memcpy(&d, &inf, sizeof d);
    assert_int_equal(ledger_jcs_number(d, got), -1);
    /* refused values */
    json_t *a = json_pack("[f]", d);
    char *s = NULL;
    tj_error err;
    assert_int_equal(ledger_jcs(a, &s, NULL, &err), TJ_ERR_INPUT);
    json_decref(a);
    a = json_pack("[I]", (json_int_t)9007199254740993LL);
    assert_int_equal(ledger_jcs(a, &s, NULL, &err), TJ_ERR_INPUT);
    json_decref(a);
    jcs_is("[1.0, -0.0, 100, 1e21, 1e-7, 123e-20, -9007199254740992]",
           "[1,0,100,1e+21,1e-7,1.23e-18,-9007199254740992]");
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* every input/X.json -> output/X.json of the cyberphone test data, if given */
static void test_jcs_testdata_dir(void **state)
{
    (void)state;
    const char *dir = getenv("TJ_JCS_TESTDATA");
    if (!dir || !*dir) {
        printf("  (TJ_JCS_TESTDATA not set: the cyberphone/json-canonicalization files are not run)\n");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/input", dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".json"))
            continue;
        snprintf(path, sizeof path, "%s/input/%s", dir, e->d_name);
        char *in = slurp(path);
        snprintf(path, sizeof path, "%s/output/%s", dir, e->d_name);
        char *want = slurp(path);
        assert_non_null(in);
        assert_non_null(want);
        size_t wl = strlen(want);
        while (wl && (want[wl - 1] == '\n' || want[wl - 1] == '\r'))
            want[--wl] = '\0';
        jcs_is(in, want);
        free(in);
        free(want);
        n++;
    }
    closedir(d);
    printf("  cyberphone testdata: %d files canonicalised as published\n", n);
    assert_true(n > 0);
}

/* ---- RFC 6962 vectors ---------------------------------------------------- */

static const char *const ct_leaves[] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
static const char *const ct_roots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
/* leaf hashes (level 0 of NodeHashes) */
static const char *const ct_leaf_hashes[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};
static const struct {
    int64_t a, b; /* inclusion: leaf index, tree size; consistency: size1, size2 */
    int n;
    const char *p[3];
} ct_incl[] =
    {
        {0, 1, 0, {NULL}},
        {0,
         8,
         3,
         {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
        {5,
         8,
         3,
         {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
        {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
        {1,
         5,
         3,
         {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
},
  ct_cons[] = {
      {1, 1, 0, {NULL}},
      {1,
       8,
       3,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       3,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       2,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {6,
       7,
       3,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static merkle_hash H(const char *hex)
{
    merkle_hash h;
    assert_int_equal(merkle_from_hex(hex, &h), 0);
    return h;
}

/* An in-memory tree: every complete subtree of the leaves, for the fetcher. */
typedef struct memtree {
    merkle_hash *lv[41];
    int64_t n;
} memtree;

static void memtree_build(memtree *t, const merkle_hash *leaves, int64_t n)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->lv[0] = malloc((size_t)(n ? n : 1) * sizeof(merkle_hash));
    memcpy(t->lv[0], leaves, (size_t)n * sizeof(merkle_hash));
    for (int L = 1; L < 41 && (n >> L); L++) {
        t->lv[L] = malloc((size_t)(n >> L) * sizeof(merkle_hash));
        for (int64_t i = 0; i < (n >> L); i++)
            merkle_node_hash(&t->lv[L - 1][2 * i], &t->lv[L - 1][2 * i + 1], &t->lv[L][i]);
    }
}

static void memtree_free(memtree *t)
{
    for (int L = 0; L < 41; L++)
        free(t->lv[L]);
}

static tj_status mem_fetch(void *arg, const int64_t *ids, size_t n, merkle_hash *out, tj_error *err)
{
    memtree *t = arg;
    for (size_t i = 0; i < n; i++) {
        int L = merkle_node_level(ids[i]);
        int64_t j = merkle_node_index(ids[i]);
        if (L > 40 || !t->lv[L] || j >= (t->n >> L))
            return tj_error_set(err, TJ_ERR_NOTFOUND, NULL, "no node");
        out[i] = t->lv[L][j];
    }
    return TJ_OK;
}

static void ct_tree(memtree *t)
{
    merkle_hash leaves[8];
    for (int i = 0; i < 8; i++) {
        unsigned char b[16];
        size_t len = 0;
        assert_int_equal(sodium_hex2bin(b, sizeof b, ct_leaves[i], strlen(ct_leaves[i]), NULL, &len, NULL),
                         0);
        merkle_leaf_hash(b, len, &leaves[i]);
        merkle_hash want = H(ct_leaf_hashes[i]);
        assert_memory_equal(leaves[i].b, want.b, 32);
    }
    memtree_build(t, leaves, 8);
}

static void test_merkle_ct_vectors(void **state)
{
    (void)state;
    memtree t;
    ct_tree(&t);
    tj_error err;
    merkle_hash root, empty, want;
    merkle_empty_root(&empty);
    want = H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_memory_equal(empty.b, want.b, 32);
    for (int s = 1; s <= 8; s++) {
        assert_int_equal(merkle_root(mem_fetch, &t, s, &root, &err), TJ_OK);
        want = H(ct_roots[s - 1]);
        assert_memory_equal(root.b, want.b, 32);
    }
    for (size_t k = 0; k < sizeof ct_incl / sizeof ct_incl[0]; k++) {
        merkle_hash p[MERKLE_MAX_PROOF], pub[3];
        size_t n = 0;
        assert_int_equal(merkle_inclusion_proof(mem_fetch, &t, ct_incl[k].a, ct_incl[k].b, p, &n, &err),
                         TJ_OK);
        assert_int_equal(n, ct_incl[k].n);
        for (int i = 0; i < ct_incl[k].n; i++) {
            pub[i] = H(ct_incl[k].p[i]);
            assert_memory_equal(p[i].b, pub[i].b, 32);
        }
        merkle_hash r = H(ct_roots[ct_incl[k].b - 1]), leaf = t.lv[0][ct_incl[k].a];
        assert_true(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b, &leaf, pub, n, &r));
        /* the probes transparency-dev derives from each vector */
        assert_false(merkle_verify_inclusion(ct_incl[k].a + 1, ct_incl[k].b, &leaf, pub, n, &r));
        assert_false(merkle_verify_inclusion(ct_incl[k].a ^ 2, ct_incl[k].b, &leaf, pub, n, &r));
        assert_false(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b * 2, &leaf, pub, n, &r));
        assert_false(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b / 2, &leaf, pub, n, &r));
        assert_false(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b, &leaf, pub, n, &empty));
        merkle_hash more[4];
        memcpy(more, pub, n * sizeof *pub);
        more[n] = r;
        assert_false(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b, &leaf, more, n + 1, &r));
        for (size_t i = 0; i < n; i++) {
            merkle_hash bad[3];
            memcpy(bad, pub, sizeof bad);
            bad[i].b[0] ^= 8;
            assert_false(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b, &leaf, bad, n, &r));
        }
        if (n)
            assert_false(merkle_verify_inclusion(ct_incl[k].a, ct_incl[k].b, &leaf, pub, n - 1, &r));
    }
    for (size_t k = 0; k < sizeof ct_cons / sizeof ct_cons[0]; k++) {
        merkle_hash p[MERKLE_MAX_PROOF], pub[3];
        size_t n = 0;
        assert_int_equal(merkle_consistency_proof(mem_fetch, &t, ct_cons[k].a, ct_cons[k].b, p, &n, &err),
                         TJ_OK);
        assert_int_equal(n, ct_cons[k].n);
        for (int i = 0; i < ct_cons[k].n; i++) {
            pub[i] = H(ct_cons[k].p[i]);
            assert_memory_equal(p[i].b, pub[i].b, 32);
        }
        merkle_hash r1 = H(ct_roots[ct_cons[k].a - 1]), r2 = H(ct_roots[ct_cons[k].b - 1]);
        assert_true(merkle_verify_consistency(ct_cons[k].a, ct_cons[k].b, &r1, &r2, pub, n));
        if (ct_cons[k].a != ct_cons[k].b) {
            assert_false(merkle_verify_consistency(ct_cons[k].a, ct_cons[k].b, &r2, &r1, pub, n));
            assert_false(merkle_verify_consistency(ct_cons[k].a + 1, ct_cons[k].b, &r1, &r2, pub, n));
            assert_false(merkle_verify_consistency(ct_cons[k].a, ct_cons[k].b * 2, &r1, &r2, pub, n));
            assert_false(merkle_verify_consistency(ct_cons[k].a, ct_cons[k].b, &r1, &r2, pub, 0));
            for (size_t i = 0; i < n; i++) {
                merkle_hash bad[3];
                memcpy(bad, pub, sizeof bad);
                bad[i].b[0] ^= 16;
                assert_false(merkle_verify_consistency(ct_cons[k].a, ct_cons[k].b, &r1, &r2, bad, n));
            }
        }
    }
    /* edge cases as RFC 9162 and transparency-dev: from the empty tree is
     * refused, equal sizes need equal roots and no proof */
    merkle_hash r1 = H(ct_roots[0]), r2 = H(ct_roots[1]);
    assert_false(merkle_verify_consistency(0, 0, &empty, &empty, NULL, 0));
    assert_false(merkle_verify_consistency(0, 1, &empty, &r1, NULL, 0));
    assert_false(merkle_verify_consistency(1, 1, &r1, &r2, NULL, 0));
    assert_false(merkle_verify_consistency(1, 1, &r1, &r1, &r1, 1));
    assert_false(merkle_verify_consistency(2, 1, &r2, &r1, NULL, 0));
    memtree_free(&t);
}

/* Every proof of every tree up to 70 leaves verifies; flipped bits fail. */
static void test_merkle_exhaustive(void **state)
{
    (void)state;
    enum { N = 70 };
    merkle_hash leaves[N];
    for (int i = 0; i < N; i++) {
        unsigned char b = (unsigned char)i;
        merkle_leaf_hash(&b, 1, &leaves[i]);
    }
    memtree t;
    memtree_build(&t, leaves, N);
    tj_error err;
    merkle_hash roots[N + 1];
    for (int s = 1; s <= N; s++) {
        assert_int_equal(merkle_root(mem_fetch, &t, s, &roots[s], &err), TJ_OK);
        /* the RFC definition, recursively from the leaves */
        memtree t2;
        memtree_build(&t2, leaves, s);
        merkle_hash r2;
        assert_int_equal(merkle_root(mem_fetch, &t2, s, &r2, &err), TJ_OK);
        assert_memory_equal(r2.b, roots[s].b, 32);
        memtree_free(&t2);
    }
    for (int s = 1; s <= N; s++)
        for (int i = 0; i < s; i++) {
            merkle_hash p[MERKLE_MAX_PROOF];
            size_t n;
            assert_int_equal(merkle_inclusion_proof(mem_fetch, &t, i, s, p, &n, &err), TJ_OK);
            assert_true(merkle_verify_inclusion(i, s, &leaves[i], p, n, &roots[s]));
            if (n) {
                p[n / 2].b[5] ^= 1;
                assert_false(merkle_verify_inclusion(i, s, &leaves[i], p, n, &roots[s]));
            }
            assert_false(merkle_verify_inclusion(i, s, &leaves[(i + 1) % N], p, n, &roots[s]));
        }
    for (int a = 1; a <= N; a++)
        for (int b = a; b <= N; b++) {
            merkle_hash p[MERKLE_MAX_PROOF];
            size_t n;
            assert_int_equal(merkle_consistency_proof(mem_fetch, &t, a, b, p, &n, &err), TJ_OK);
            assert_true(merkle_verify_consistency(a, b, &roots[a], &roots[b], p, n));
            if (n) {
                p[0].b[0] ^= 1;
                assert_false(merkle_verify_consistency(a, b, &roots[a], &roots[b], p, n));
            }
        }
    memtree_free(&t);
}

/* transparency-dev/merkle's probe files, if given (not shipped) */
static int b64(const json_t *v, unsigned char *out, size_t cap, size_t *len)
{
    const char *s = json_string_value(v);
    *len = 0;
    if (!s)
        return -1;
    return sodium_base642bin(out, cap, s, strlen(s), NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL);
}

static int64_t probe_int(const json_t *j, const char *key)
{
    double v = json_number_value(json_object_get(j, key));
    return v >= 0 && v < 9e18 ? (int64_t)v : -1;
}

static int run_probe(const char *path, int consistency)
{
    json_error_t je;
    /* indexes are uint64 there (one probe has 2^64 - 1): read as doubles,
     * anything beyond int64 becomes -1, which no proof accepts */
    json_t *j = json_load_file(path, JSON_DECODE_INT_AS_REAL, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    int want_err = json_is_true(json_object_get(j, "wantErr"));
    unsigned char buf[64];
    size_t len;
    int bad = 0; /* a hash not of 32 bytes makes the proof invalid */
    merkle_hash proof[MERKLE_MAX_PROOF], r1, r2, leaf;
    json_t *pa = json_object_get(j, "proof");
    size_t n = json_array_size(pa);
    for (size_t i = 0; i < n && i < MERKLE_MAX_PROOF; i++) {
        if (b64(json_array_get(pa, i), buf, sizeof buf, &len) || len != 32)
            bad = 1;
        else
            memcpy(proof[i].b, buf, 32);
    }
    int ok;
    if (consistency) {
        size_t l1 = 0, l2 = 0;
        unsigned char b1[64], b2[64];
        int e1 = b64(json_object_get(j, "root1"), b1, sizeof b1, &l1),
            e2 = b64(json_object_get(j, "root2"), b2, sizeof b2, &l2);
        int64_t s1 = probe_int(j, "size1"), s2 = probe_int(j, "size2");
        if (e1 || e2 || l1 != 32 || l2 != 32) {
            /* hashes of another size: only "equal sizes, equal roots, no proof" holds */
            ok = !bad && !e1 && !e2 && s1 == s2 && s1 > 0 && n == 0 && l1 == l2 && !memcmp(b1, b2, l1);
        } else {
            memcpy(r1.b, b1, 32);
            memcpy(r2.b, b2, 32);
            ok = !bad && merkle_verify_consistency(s1, s2, &r1, &r2, proof, n);
        }
    } else {
        int e1 = b64(json_object_get(j, "root"), buf, sizeof buf, &len);
        if (!e1 && len == 32)
            memcpy(r1.b, buf, 32);
        else
            bad = 1;
        if (b64(json_object_get(j, "leafHash"), buf, sizeof buf, &len) || len != 32)
            bad = 1;
        else
            memcpy(leaf.b, buf, 32);
        ok = !bad &&
             merkle_verify_inclusion(probe_int(j, "leafIdx"), probe_int(j, "treeSize"), &leaf, proof, n, &r1);
    }
    json_decref(j);
    if (ok == want_err)
        fprintf(stderr, "probe %s: verified %d, wantErr %d\n", path, ok, want_err);
    return ok == want_err;
}

static int walk(const char *dir, int consistency, int *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    struct dirent *e;
    int fails = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            fails += walk(path, consistency, count);
        else if (strstr(e->d_name, ".json")) {
            fails += run_probe(path, consistency);
            ++*count;
        }
    }
    closedir(d);
    return fails;
}

static void test_merkle_testdata_dir(void **state)
{
    (void)state;
    const char *dir = getenv("TJ_MERKLE_TESTDATA");
    if (!dir || !*dir) {
        printf("  (TJ_MERKLE_TESTDATA not set: the transparency-dev/merkle probe files are not run)\n");
        return;
    }
    char path[1024];
    int n = 0, fails;
    snprintf(path, sizeof path, "%s/inclusion", dir);
    fails = walk(path, 0, &n);
    snprintf(path, sizeof path, "%s/consistency", dir);
    fails += walk(path, 1, &n);
    printf("  transparency-dev/merkle testdata: %d probes, %d disagree\n", n, fails);
    assert_true(n > 0);
    assert_int_equal(fails, 0);
}

/* ---- the ledger in a database ------------------------------------------- */

typedef struct lfix {
    tjt_fixture f;
    svc_ctx ctx;
    char key_path[512];
    ledger_key key;
} lfix;

/* doc (an offline proof) verifies under the ledger's key; it is freed. */
static void assert_proof_ok(lfix *l, json_t *doc)
{
    int ok = 0;
    const char *why = NULL;
    tj_error err;
    assert_int_equal(ledger_verify_proof_json(doc, l->key.pk, &ok, &why, &err), TJ_OK);
    assert_true(ok);
    json_decref(doc);
}

static int lsetup(void **state)
{
    void *f = NULL;
    tjt_setup(&f);
    lfix *l = calloc(1, sizeof *l);
    l->f = *(tjt_fixture *)f;
    free(f);
    tj_error err;
    assert_int_equal(svc_ctx_local(&l->ctx, l->f.db, NULL, &err), TJ_OK);
    char dir[] = "/tmp/tjkey-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(l->key_path, sizeof l->key_path, "%s/ledger.key", dir);
    *state = l;
    return 0;
}

static int lteardown(void **state)
{
    lfix *l = *state;
    svc_ctx_release(&l->ctx);
    ledger_key_wipe(&l->key);
    unlink(l->key_path);
    char *slash = strrchr(l->key_path, '/');
    *slash = '\0';
    rmdir(l->key_path);
    tjt_fixture *f = malloc(sizeof *f);
    *f = l->f;
    void *fp = f;
    free(l);
    return tjt_teardown(&fp);
}

static void exec_sql(store_db *db, const char *sql)
{
    tj_error err;
    if (store_exec(db, sql, &err) != TJ_OK)
        fail_msg("%s: %s", sql, err.message);
}

/* init, two organisations, a user, 10 more entries; head signed: 14 entries */
static void populate(lfix *l)
{
    tj_error err;
    int created = 0;
    ledger_head h;
    assert_int_equal(svc_ledger_init(&l->ctx, l->key_path, &l->key, &created, &h, &err), TJ_OK);
    assert_true(created);
    assert_int_equal(h.tree_size, 1);
    struct stat sb;
    assert_int_equal(stat(l->key_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *id = NULL;
    assert_int_equal(svc_org_create(&l->ctx, "Acme 钢铁", "enterprise", "110000", &id, &err), TJ_OK);
    free(id);
    assert_int_equal(svc_org_create(&l->ctx, "Verif", "certification_body", NULL, &id, &err), TJ_OK);
    free(id);
    assert_int_equal(svc_user_create(&l->ctx, "alice", "Acme 钢铁", "enterprise", &id, &err), TJ_OK);
    free(id);
    for (int i = 0; i < 10; i++) {
        char oid[32];
        snprintf(oid, sizeof oid, "obj-%d", i);
        json_t *st = json_pack("{s:i,s:f}", "n", i, "x", i / 3.0);
        assert_int_equal(svc_begin(&l->ctx, &err), TJ_OK);
        assert_int_equal(svc_record(&l->ctx, "test.change", "test", oid, st, st, &err), TJ_OK);
        assert_int_equal(svc_commit(&l->ctx, &err), TJ_OK);
        json_decref(st);
    }
    int signed_new = 0;
    assert_int_equal(svc_ledger_sign_head(&l->ctx, &l->key, &h, &signed_new, &err), TJ_OK);
    assert_true(signed_new);
    assert_int_equal(h.tree_size, 14);
    assert_int_equal(svc_ledger_sign_head(&l->ctx, &l->key, &h, &signed_new, &err), TJ_OK);
    assert_false(signed_new); /* nothing new to sign */
}

static void verify(lfix *l, ledger_report *r)
{
    tj_error err;
    tj_status st = svc_ledger_verify(&l->ctx, l->key.pk, NULL, r, &err);
    if (st)
        fail_msg("verify: %s", err.message);
}

/* exactly one problem of kind k at index */
static int has(const ledger_report *r, ledger_problem_kind k, int64_t index)
{
    for (size_t i = 0; i < r->nproblems; i++)
        if (r->problems[i].kind == k && r->problems[i].index == index)
            return 1;
    return 0;
}

static void dump(const ledger_report *r)
{
    for (size_t i = 0; i < r->nproblems; i++)
        fprintf(stderr, "  %s %lld: %s\n", ledger_problem_name(r->problems[i].kind),
                (long long)r->problems[i].index, r->problems[i].detail);
}

/* verify finds exactly one problem: the stored node id. */
static void expect_one_node_problem(lfix *l, int64_t id)
{
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 1);
    assert_true(has(&r, LEDGER_P_NODE, id));
    ledger_report_release(&r);
}

static void test_clean_and_proofs(void **state)
{
    lfix *l = *state;
    populate(l);
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 0);
    assert_int_equal(r.entries, 14);
    assert_int_equal(r.tree_size, 14);
    assert_int_equal(r.heads, 2);
    assert_int_equal(r.objects_checked, 4); /* operator, 2 organisations, alice */
    ledger_report_release(&r);

    /* the stored tree's root is the RFC root of the entries' bodies */
    tj_error err;
    merkle_hash root, leaves[14];
    for (int i = 0; i < 14; i++) {
        char *body = NULL;
        assert_int_equal(store_ledger_entry_body(l->f.db, i, &body, NULL, &err), TJ_OK);
        merkle_leaf_hash(body, strlen(body), &leaves[i]);
        free(body);
    }
    memtree t;
    memtree_build(&t, leaves, 14);
    for (int s = 1; s <= 14; s++) {
        merkle_hash want;
        assert_int_equal(ledger_root(l->f.db, s, &root, &err), TJ_OK);
        assert_int_equal(merkle_root(mem_fetch, &t, s, &want, &err), TJ_OK);
        assert_memory_equal(root.b, want.b, 32);
    }
    memtree_free(&t);

    /* offline proofs */
    json_t *doc = NULL;
    int ok = 0;
    const char *why = NULL;
    assert_int_equal(svc_ledger_inclusion(&l->ctx, 6, -1, &doc, &err), TJ_OK);
    assert_int_equal(ledger_verify_proof_json(doc, l->key.pk, &ok, &why, &err), TJ_OK);
    assert_true(ok);
    /* another key, another entry text */
    unsigned char other[32];
    memcpy(other, l->key.pk, 32);
    other[0] ^= 1;
    assert_int_equal(ledger_verify_proof_json(doc, other, &ok, &why, &err), TJ_OK);
    assert_false(ok);
    json_t *copy = json_deep_copy(doc);
    json_object_set_new(copy, "entry", json_string("{\"forged\":true}"));
    assert_int_equal(ledger_verify_proof_json(copy, l->key.pk, &ok, &why, &err), TJ_OK);
    assert_false(ok);
    json_decref(copy);
    json_decref(doc);
    assert_int_equal(svc_ledger_consistency(&l->ctx, 1, 14, &doc, &err), TJ_OK);
    assert_int_equal(ledger_verify_proof_json(doc, l->key.pk, &ok, &why, &err), TJ_OK);
    assert_true(ok);
    json_object_set_new(json_object_get(doc, "to"), "tree_size", json_integer(13));
    assert_int_equal(ledger_verify_proof_json(doc, l->key.pk, &ok, &why, &err), TJ_OK);
    assert_false(ok);
    json_decref(doc);
    /* a size without a signed head is refused */
    assert_int_equal(svc_ledger_consistency(&l->ctx, 2, 14, &doc, &err), TJ_ERR_NOTFOUND);
    /* an enterprise user may not have another organisation's entry */
    svc_ctx alice;
    assert_int_equal(svc_ctx_local(&alice, l->f.db, "alice", &err), TJ_OK);
    assert_int_equal(svc_ledger_inclusion(&alice, 0, -1, &doc, &err), TJ_ERR_PERM);
    assert_int_equal(svc_ledger_verify(&alice, NULL, NULL, &r, &err), TJ_ERR_PERM);
    svc_ctx_release(&alice);

    /* the key file is refused when others may read it */
    ledger_key k;
    assert_int_equal(ledger_key_load(l->key_path, &k, &err), TJ_OK);
    assert_memory_equal(k.pk, l->key.pk, 32);
    chmod(l->key_path, 0644);
    assert_int_equal(ledger_key_load(l->key_path, &k, &err), TJ_ERR_PERM);
    chmod(l->key_path, 0600);
    /* init again: the key is kept, no second seed entry */
    int created = 1;
    ledger_head h;
    assert_int_equal(svc_ledger_init(&l->ctx, l->key_path, &k, &created, &h, &err), TJ_OK);
    assert_false(created);
    assert_int_equal(h.tree_size, 14);
    ledger_key_wipe(&k);
}

static void test_tamper_body(void **state)
{
    lfix *l = *state;
    populate(l);
    exec_sql(l->f.db, "UPDATE ledger_entry SET body = replace(body, '\"n\":3', '\"n\":4') WHERE idx = 7");
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_true(has(&r, LEDGER_P_CHANGED, 7));
    assert_true(has(&r, LEDGER_P_HEAD, 1)); /* the signed head no longer matches */
    ledger_report_release(&r);
    /* a column beside the body */
    exec_sql(l->f.db, "UPDATE ledger_entry SET body = replace(body, '\"n\":4', '\"n\":3') WHERE idx = 7");
    exec_sql(l->f.db, "UPDATE ledger_entry SET actor = 'mallory' WHERE idx = 9");
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 1);
    assert_true(has(&r, LEDGER_P_CHANGED, 9));
    ledger_report_release(&r);
}

static void test_tamper_delete_insert(void **state)
{
    lfix *l = *state;
    populate(l);
    exec_sql(l->f.db, "DELETE FROM ledger_entry WHERE idx = 5");
    exec_sql(l->f.db,
             "INSERT INTO ledger_entry (idx, at, kind, object_type, object_id, actor, org, state_digest, "
             "body) VALUES (14, '2026-01-01T00:00:00Z', 'x', 'test', 'y', 'z', NULL, NULL, '{}')");
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_true(has(&r, LEDGER_P_DELETED, 5));
    assert_true(has(&r, LEDGER_P_INSERTED, 14));
    ledger_report_release(&r);
}

static void test_tamper_reorder(void **state)
{
    lfix *l = *state;
    populate(l);
    exec_sql(l->f.db, "UPDATE ledger_entry SET idx = -1 WHERE idx = 6");
    exec_sql(l->f.db, "UPDATE ledger_entry SET idx = 6 WHERE idx = 10");
    exec_sql(l->f.db, "UPDATE ledger_entry SET idx = 10 WHERE idx = -1");
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_true(has(&r, LEDGER_P_REORDERED, 6));
    assert_true(has(&r, LEDGER_P_REORDERED, 10));
    for (size_t i = 0; i < r.nproblems; i++)
        if (r.problems[i].kind == LEDGER_P_REORDERED)
            assert_int_equal(r.problems[i].other, r.problems[i].index == 6 ? 10 : 6);
    ledger_report_release(&r);
}

static void test_tamper_state(void **state)
{
    lfix *l = *state;
    populate(l);
    exec_sql(l->f.db, "UPDATE organisation SET kind = 'regulator' WHERE name = 'Verif'");
    exec_sql(l->f.db, "UPDATE principal SET roles = 'operator' WHERE name = 'alice'");
    exec_sql(l->f.db, "INSERT INTO organisation (id, name, kind, region, created_at) VALUES "
                      "('ghost', 'Ghost', 'enterprise', NULL, '2026-01-01T00:00:00Z')");
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 3);
    assert_true(has(&r, LEDGER_P_STATE, 2));  /* Verif was created by entry 2 */
    assert_true(has(&r, LEDGER_P_STATE, 3));  /* alice by entry 3 */
    assert_true(has(&r, LEDGER_P_STATE, -1)); /* Ghost: no entry */
    int ghost = 0;
    for (size_t i = 0; i < r.nproblems; i++)
        ghost |= r.problems[i].object_id && !strcmp(r.problems[i].object_id, "ghost");
    assert_true(ghost);
    ledger_report_release(&r);
}

static void test_tamper_heads_and_nodes(void **state)
{
    lfix *l = *state;
    populate(l);
    ledger_report r;
    /* a head's root replaced: the signature fails */
    exec_sql(l->f.db, "UPDATE ledger_head SET root_hash = "
                      "'0000000000000000000000000000000000000000000000000000000000000000' WHERE seq = 0");
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 1);
    assert_true(has(&r, LEDGER_P_HEAD, 0));
    ledger_report_release(&r);
    exec_sql(l->f.db, "DELETE FROM ledger_head WHERE seq = 0");
    /* a head signed with the real key over a log that is not this one */
    ledger_head h;
    memset(&h, 0, sizeof h);
    h.tree_size = 10;
    memset(h.root.b, 7, 32);
    strcpy(h.signed_at, "2026-01-01T00:00:00Z");
    tj_error err;
    assert_int_equal(ledger_head_sign(&h, &l->key, &err), TJ_OK);
    json_t *j = ledger_head_json(&h);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO ledger_head (seq, tree_size, root_hash, signed_at, public_key, signature) VALUES "
             "(5, 10, '%s', '%s', '%s', '%s')",
             json_string_value(json_object_get(j, "root_hash")), h.signed_at,
             json_string_value(json_object_get(j, "public_key")),
             json_string_value(json_object_get(j, "signature")));
    json_decref(j);
    exec_sql(l->f.db, sql);
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 1);
    assert_true(has(&r, LEDGER_P_HEAD, 5));
    ledger_report_release(&r);
    exec_sql(l->f.db, "DELETE FROM ledger_head WHERE seq = 5");
    /* a node of a level the tree computes (1-4) added behind tanji's back
     * (stored levels changed: test_sparse_nodes) */
    assert_int_equal(tjt_count(l->f.db, "SELECT COUNT(*) FROM ledger_node WHERE node >= 1099511627776"), 0);
    exec_sql(l->f.db, "INSERT INTO ledger_node (node, hash) VALUES (1099511627777, "
                      "'1111111111111111111111111111111111111111111111111111111111111111')");
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 1);
    assert_true(has(&r, LEDGER_P_NODE, merkle_node_id(1, 1)));
    ledger_report_release(&r);
}

/* ---- sparse node storage (migration 28) ----------------------------------- */

/* The RFC 6962 Merkle tree hash of leaves[0, n), by its recursive
 * definition (n > 0). */
static void rfc_mth(const merkle_hash *leaves, int64_t n, merkle_hash *out)
{
    if (n == 1) {
        *out = leaves[0];
        return;
    }
    int64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    merkle_hash a, b;
    rfc_mth(leaves, k, &a);
    rfc_mth(leaves + k, n - k, &b);
    merkle_node_hash(&a, &b, out);
}

static void leaves_of(store_db *db, merkle_hash *leaves, int64_t n)
{
    tj_error err;
    for (int64_t i = 0; i < n; i++) {
        char *body = NULL;
        assert_int_equal(store_ledger_entry_body(db, i, &body, NULL, &err), TJ_OK);
        merkle_leaf_hash(body, strlen(body), &leaves[i]);
        free(body);
    }
}

/* Roots and proofs of the database's tree (levels 1-4 computed) are the
 * bytes of those of the whole tree built from the entries, for sizes up to
 * n: roots for every size, proofs for sizes up to `all`, multiples of
 * `step` and n. */
static void check_tree(store_db *db, int64_t n, int step, int64_t all)
{
    merkle_hash *leaves = calloc((size_t)n, sizeof *leaves);
    assert_non_null(leaves);
    leaves_of(db, leaves, n);
    memtree t;
    memtree_build(&t, leaves, n);
    tj_error err;
    int64_t size = -1;
    assert_int_equal(ledger_size(db, &size, &err), TJ_OK);
    assert_int_equal(size, n);
    for (int64_t s = 1; s <= n; s++) {
        merkle_hash got, want;
        assert_int_equal(ledger_root(db, s, &got, &err), TJ_OK);
        rfc_mth(leaves, s, &want);
        assert_memory_equal(got.b, want.b, 32);
        if (s % step && s != n && s > all)
            continue;
        for (int64_t i = 0; i < s; i++) {
            merkle_hash p[MERKLE_MAX_PROOF], q[MERKLE_MAX_PROOF];
            size_t np = 0, nq = 0;
            assert_int_equal(ledger_inclusion_proof(db, i, s, p, &np, &err), TJ_OK);
            assert_int_equal(merkle_inclusion_proof(mem_fetch, &t, i, s, q, &nq, &err), TJ_OK);
            assert_int_equal(np, nq);
            assert_memory_equal(p, q, np * sizeof *p);
            assert_true(merkle_verify_inclusion(i, s, &leaves[i], p, np, &want));
        }
        for (int64_t a = 1; a <= s; a++) {
            merkle_hash p[MERKLE_MAX_PROOF], q[MERKLE_MAX_PROOF], ra;
            size_t np = 0, nq = 0;
            assert_int_equal(ledger_consistency_proof(db, a, s, p, &np, &err), TJ_OK);
            assert_int_equal(merkle_consistency_proof(mem_fetch, &t, a, s, q, &nq, &err), TJ_OK);
            assert_int_equal(np, nq);
            if (np)
                assert_memory_equal(p, q, np * sizeof *p);
            rfc_mth(leaves, a, &ra);
            assert_true(merkle_verify_consistency(a, s, &ra, &want, p, np));
        }
    }
    memtree_free(&t);
    free(leaves);
}

/* The node table holds the leaves and the levels from LEDGER_NODE_FROM:
 * 300 entries appended in transactions of 1 to 60 entries (singly and as
 * prepared batches, so the frontier is loaded at many sizes); roots and
 * proofs for every size 1..300 against the RFC; verify clean, then a
 * stored upper node changed, one deleted; a database with every level
 * stored (before migration 28) migrates and verifies. */
static void test_sparse_nodes(void **state)
{
    lfix *l = *state;
    enum { N = 300 };
    tj_error err;
    int created = 0;
    ledger_head h;
    assert_int_equal(svc_ledger_init(&l->ctx, l->key_path, &l->key, &created, &h, &err), TJ_OK);
    int64_t size = 1;
    for (int tx = 0; size < N; tx++) {
        int k = 1 + (tx * 7) % 23;
        if (tx % 5 == 4)
            k = 60;
        if (size + k > N)
            k = (int)(N - size);
        assert_int_equal(svc_begin(&l->ctx, &err), TJ_OK);
        if (tx % 2) {
            ledger_prepared p[60];
            json_t *st[60];
            char oid[60][32];
            for (int i = 0; i < k; i++) {
                snprintf(oid[i], sizeof oid[i], "p-%lld", (long long)(size + i));
                st[i] = json_pack("{s:I}", "n", (json_int_t)(size + i));
                ledger_entry_in e = {.kind = "test.batch", .object_type = "test", .object_id = oid[i],
                                     .actor = "local:operator", .change = st[i], .state = st[i]};
                assert_int_equal(ledger_prepare(&e, &p[i], &err), TJ_OK);
            }
            int64_t first = -1;
            assert_int_equal(ledger_append_prepared(l->f.db, p, (size_t)k, &first, &err), TJ_OK);
            assert_int_equal(first, size);
            for (int i = 0; i < k; i++) {
                ledger_prepared_release(&p[i]);
                json_decref(st[i]);
            }
        } else {
            for (int i = 0; i < k; i++) {
                char oid[32];
                snprintf(oid, sizeof oid, "s-%lld", (long long)(size + i));
                json_t *st = json_pack("{s:I}", "n", (json_int_t)(size + i));
                assert_int_equal(svc_record(&l->ctx, "test.single", "test", oid, st, st, &err), TJ_OK);
                json_decref(st);
            }
        }
        assert_int_equal(svc_commit(&l->ctx, &err), TJ_OK);
        size += k;
        if (tx % 6 == 0) /* proofs at every size so far, now and then */
            check_tree(l->f.db, size, 1000, 0);
    }
    /* 300 leaves; levels 5.. hold 9 + 4 + 2 + 1 nodes; none of levels 1-4 */
    assert_int_equal(tjt_count(l->f.db, "SELECT COUNT(*) FROM ledger_node"), N + 16);
    assert_int_equal(tjt_count(l->f.db, "SELECT COUNT(*) FROM ledger_node WHERE node >= 1099511627776 AND "
                                        "node < 5497558138880"),
                     0);
    check_tree(l->f.db, N, 9, 40);
    int signed_new = 0;
    assert_int_equal(svc_ledger_sign_head(&l->ctx, &l->key, &h, &signed_new, &err), TJ_OK);
    assert_int_equal(h.tree_size, N);
    merkle_hash *leaves = malloc(N * sizeof *leaves), want;
    leaves_of(l->f.db, leaves, N);
    rfc_mth(leaves, N, &want);
    assert_memory_equal(h.root.b, want.b, 32);
    json_t *doc = NULL;
    assert_int_equal(svc_ledger_inclusion(&l->ctx, 77, -1, &doc, &err), TJ_OK);
    assert_proof_ok(l, doc);
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 0);
    assert_int_equal(r.tree_size, N);
    ledger_report_release(&r);

    /* a stored upper node changed, then deleted */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE ledger_node SET hash = '%064d' WHERE node = %lld", 1,
             (long long)merkle_node_id(5, 3));
    exec_sql(l->f.db, sql);
    expect_one_node_problem(l, merkle_node_id(5, 3));
    snprintf(sql, sizeof sql, "DELETE FROM ledger_node WHERE node = %lld", (long long)merkle_node_id(5, 3));
    exec_sql(l->f.db, sql);
    expect_one_node_problem(l, merkle_node_id(5, 3));
    /* a stored leaf changed: the entry, and the stored node above it */
    snprintf(sql, sizeof sql, "UPDATE ledger_node SET hash = '%064d' WHERE node = 200", 2);
    exec_sql(l->f.db, sql);
    verify(l, &r);
    dump(&r);
    assert_true(has(&r, LEDGER_P_CHANGED, 200));
    assert_true(has(&r, LEDGER_P_NODE, merkle_node_id(5, 6)));
    ledger_report_release(&r);

    /* a database from before migration 28: every level stored */
    memtree t;
    memtree_build(&t, leaves, N);
    exec_sql(l->f.db, "DELETE FROM ledger_node");
    assert_int_equal(svc_begin(&l->ctx, &err), TJ_OK);
    for (int L = 0; L < 9; L++)
        for (int64_t i = 0; i < (N >> L); i++) {
            char hex[65];
            merkle_to_hex(&t.lv[L][i], hex);
            assert_int_equal(store_ledger_node_put(l->f.db, merkle_node_id(L, i), hex, &err), TJ_OK);
        }
    exec_sql(l->f.db, "DELETE FROM schema_migrations WHERE version = 28");
    assert_int_equal(svc_commit(&l->ctx, &err), TJ_OK);
    assert_int_equal(tjt_count(l->f.db, "SELECT COUNT(*) FROM ledger_node"), 2 * N - 4); /* 300 + 150 + ... */
    store_db *db2 = NULL;
    assert_int_equal(store_open_ex(l->f.t->url, STORE_OPEN_MIGRATE, &db2, &err), TJ_OK);
    assert_int_equal(tjt_count(db2, "SELECT COUNT(*) FROM ledger_node"), N + 16);
    assert_int_equal(tjt_count(db2, "SELECT COUNT(*) FROM schema_migrations WHERE version = 28"), 1);
    store_close(db2);
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 0);
    ledger_report_release(&r);
    check_tree(l->f.db, N, 61, 0);
    memtree_free(&t);
    free(leaves);
}

/* ledger_prepare writes the body directly: the bytes of the canonical JSON
 * of the object the generic way packs, with and without org, state and
 * change, escapes and Unicode; a text that is not UTF-8 is refused as
 * before. */
static void body_agrees(const ledger_entry_in *e)
{
    ledger_prepared p;
    tj_error err;
    assert_int_equal(ledger_prepare(e, &p, &err), TJ_OK);
    json_t *want = json_pack("{s:s,s:s,s:O,s:s,s:s,s:s,s:s?,s:s?}", "actor", e->actor, "at", p.at, "change",
                             e->change ? e->change : json_null(), "kind", e->kind, "object_id", e->object_id,
                             "object_type", e->object_type, "org", e->org, "state_digest",
                             e->state || e->state_canonical ? p.state_digest : NULL);
    assert_non_null(want);
    char *w = ledger_canonical_json(want);
    json_decref(want);
    assert_non_null(w);
    assert_string_equal(p.data, w);
    assert_int_equal(p.len, strlen(w));
    merkle_hash leaf;
    merkle_leaf_hash(w, strlen(w), &leaf);
    assert_memory_equal(leaf.b, p.leaf.b, 32);
    free(w);
    ledger_prepared_release(&p);
}

static void test_prepare_body(void **state)
{
    (void)state;
    json_t *change = json_pack("{s:s,s:n,s:f,s:[i,f,b],s:s}", "action", "import", "from", "n", 1e-7, "list", 3,
                               -0.0, 1, "why", "quote \" back \\ nl \n \x01 é 钢 \xe2\x80\xa8");
    json_t *st = json_pack("{s:s,s:f}", "id", "x", "value", 2.5);
    ledger_entry_in e = {.kind = "factor.import",
                         .object_type = "factor_version",
                         .object_id = "bench-0000001@1",
                         .actor = "local:operator",
                         .org = "operator",
                         .change = change,
                         .state = st};
    body_agrees(&e);
    e.org = NULL;
    body_agrees(&e);
    e.state = NULL;
    body_agrees(&e);
    e.change = NULL;
    body_agrees(&e);
    e.state_canonical = "{\"id\":\"x\"}";
    e.state_canonical_len = strlen(e.state_canonical);
    e.object_id = "id with \"quotes\", tab\t and 中文@2";
    e.org = "org \x7f";
    body_agrees(&e);
    e.change = json_null();
    body_agrees(&e);
    /* not UTF-8: refused, as the generic way refuses it */
    e.actor = "bad \xff actor";
    ledger_prepared p;
    tj_error err;
    assert_int_equal(ledger_prepare(&e, &p, &err), TJ_ERR_INPUT);
    json_decref(change);
    json_decref(st);
}

static void test_tamper_truncate(void **state)
{
    lfix *l = *state;
    populate(l);
    /* the last two entries and their nodes removed: the tree looks whole,
     * but the signed head of 14 entries is not extended */
    exec_sql(l->f.db, "DELETE FROM ledger_entry WHERE idx >= 12");
    exec_sql(l->f.db, "DELETE FROM ledger_node WHERE node IN (12, 13, 1099511627782)");
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 1);
    assert_true(has(&r, LEDGER_P_HEAD, 1));
    ledger_report_release(&r);
}

/* Two processes append through their own connections at once (on SQLite
 * the writer lock and busy timeout serialise them). */
static void test_concurrent_writers(void **state)
{
    lfix *l = *state;
    populate(l);
    enum { PER = 150 };
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            store_db *db = NULL;
            tj_error err;
            svc_ctx c;
            if (store_open(l->f.t->url, &db, &err) || svc_ctx_local(&c, db, NULL, &err))
                _exit(2);
            for (int i = 0; i < PER; i++) {
                char oid[32];
                snprintf(oid, sizeof oid, "w%d-%d", k, i);
                json_t *st = json_pack("{s:i}", "i", i);
                if (svc_begin(&c, &err) || svc_record(&c, "test.concurrent", "test", oid, st, st, &err) ||
                    svc_commit(&c, &err)) {
                    fprintf(stderr, "writer %d: %s\n", k, err.message);
                    _exit(3);
                }
                json_decref(st);
            }
            svc_ctx_release(&c);
            store_close(db);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(tjt_count(l->f.db, "SELECT COUNT(*) FROM ledger_entry"), 14 + 2 * PER);
    assert_int_equal(tjt_count(l->f.db, "SELECT MAX(idx) FROM ledger_entry"), 14 + 2 * PER - 1);
    tj_error err;
    ledger_head h;
    int signed_new = 0;
    assert_int_equal(svc_ledger_sign_head(&l->ctx, &l->key, &h, &signed_new, &err), TJ_OK);
    assert_int_equal(h.tree_size, 14 + 2 * PER);
    ledger_report r;
    verify(l, &r);
    dump(&r);
    assert_int_equal(r.nproblems, 0);
    ledger_report_release(&r);
    json_t *doc = NULL;
    assert_int_equal(svc_ledger_consistency(&l->ctx, 14, 14 + 2 * PER, &doc, &err), TJ_OK);
    assert_proof_ok(l, doc);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_jcs_rfc8785),       cmocka_unit_test(test_jcs_numbers),
        cmocka_unit_test(test_jcs_testdata_dir),  cmocka_unit_test(test_merkle_ct_vectors),
        cmocka_unit_test(test_merkle_exhaustive), cmocka_unit_test(test_merkle_testdata_dir),
        cmocka_unit_test(test_prepare_body),
    };
    const struct CMUnitTest db[] = {
        cmocka_unit_test_setup_teardown(test_clean_and_proofs, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_tamper_body, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete_insert, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_tamper_reorder, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_tamper_state, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_tamper_heads_and_nodes, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_tamper_truncate, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_sparse_nodes, lsetup, lteardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, lsetup, lteardown),
    };
    tjt_use_pg = tjt_want_pg(argc, argv);
    if (tjt_use_pg && tjt_pg_missing("ledger"))
        return TJT_SKIP_EXIT;
    int fails = 0;
    if (!tjt_use_pg)
        fails += cmocka_run_group_tests_name("ledger", pure, NULL, NULL);
    fails += cmocka_run_group_tests_name(tjt_use_pg ? "ledger/postgresql" : "ledger/sqlite", db, NULL, NULL);
    return tjt_exit_code(fails);
}

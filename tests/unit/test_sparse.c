/* Tests for calc/sparse: CSC assembly, products, strongly connected components. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "calc/sparse.h"

static void test_triplets_sum_duplicates_and_map(void **state)
{
    (void)state;
    /* 3x3 with entries given out of order and (1,0) twice. */
    int ri[] = {2, 1, 0, 1, 2, 0};
    int ci[] = {0, 0, 0, 0, 2, 2};
    double v[] = {5.0, 1.5, 1.0, 2.5, 7.0, -3.0};
    int map[6];
    calc_csc m;
    tj_error err;
    assert_int_equal(calc_csc_from_triplets(3, 3, 6, ri, ci, v, &m, map, &err), TJ_OK);
    assert_int_equal(m.nrows, 3);
    assert_int_equal(m.ncols, 3);
    int cp[] = {0, 3, 3, 5};
    assert_memory_equal(m.colptr, cp, sizeof cp);
    int rows[] = {0, 1, 2, 0, 2};
    assert_memory_equal(m.rowind, rows, sizeof rows);
    assert_true(m.val[0] == 1.0 && m.val[1] == 4.0 && m.val[2] == 5.0);
    assert_true(m.val[3] == -3.0 && m.val[4] == 7.0);
    int expect_map[] = {2, 1, 0, 1, 4, 3};
    assert_memory_equal(map, expect_map, sizeof expect_map);
    calc_csc_release(&m);
    assert_null(m.colptr);
}

/* Random triplets in shuffled order, with long columns (the merge-sort path)
 * and many duplicates: rows sorted in each column, duplicates summed in
 * triplet order (bit for bit), and the map pointing at each triplet's entry. */
static void test_triplets_random_long_columns(void **state)
{
    (void)state;
    enum { N = 50, NNZ = 6000 };
    static int ri[NNZ], ci[NNZ], map[NNZ];
    static double v[NNZ], dense[N][N];
    uint64_t x = 12345;
    memset(dense, 0, sizeof dense);
    for (int k = 0; k < NNZ; k++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        ri[k] = (int)((x >> 33) % N);
        ci[k] = (int)((x >> 13) % (k % 3 ? 5 : N)); /* columns 0..4 hold over 800 entries each */
        v[k] = (double)((x >> 40) % 1000) / 7.0 - 50.0;
        dense[ri[k]][ci[k]] += v[k];
    }
    calc_csc m;
    tj_error err;
    assert_int_equal(calc_csc_from_triplets(N, N, NNZ, ri, ci, v, &m, map, &err), TJ_OK);
    int seen = 0;
    for (int j = 0; j < N; j++)
        for (int p = m.colptr[j]; p < m.colptr[j + 1]; p++) {
            if (p > m.colptr[j])
                assert_true(m.rowind[p] > m.rowind[p - 1]);
            assert_true(m.val[p] == dense[m.rowind[p]][j]);
            seen++;
        }
    assert_int_equal(seen, m.colptr[N]);
    for (int k = 0; k < NNZ; k++) {
        int p = map[k];
        assert_int_equal(m.rowind[p], ri[k]);
        assert_true(p >= m.colptr[ci[k]] && p < m.colptr[ci[k] + 1]);
    }
    calc_csc_release(&m);
}

static void test_triplets_reject_out_of_range(void **state)
{
    (void)state;
    int ri[] = {0, 3};
    int ci[] = {0, 1};
    double v[] = {1, 1};
    calc_csc m;
    tj_error err;
    assert_int_equal(calc_csc_from_triplets(3, 3, 2, ri, ci, v, &m, NULL, &err), TJ_ERR_INPUT);
    assert_non_null(strstr(err.message, "(3, 1)"));
    assert_null(m.colptr);
    assert_int_equal(calc_csc_from_triplets(-1, 3, 0, NULL, NULL, NULL, &m, NULL, &err), TJ_ERR_USAGE);
}

static void test_empty_matrix(void **state)
{
    (void)state;
    calc_csc m;
    assert_int_equal(calc_csc_from_triplets(4, 2, 0, NULL, NULL, NULL, &m, NULL, NULL), TJ_OK);
    assert_int_equal(m.colptr[2], 0);
    double x[2] = {1, 2}, y[4] = {9, 9, 9, 9};
    calc_csc_matvec(&m, x, y);
    for (int i = 0; i < 4; i++)
        assert_true(y[i] == 0.0);
    calc_csc_release(&m);
}

static void test_matvec_and_transpose(void **state)
{
    (void)state;
    /* M = [1 0 2; 0 3 0] (2x3) */
    int ri[] = {0, 0, 1};
    int ci[] = {0, 2, 1};
    double v[] = {1, 2, 3};
    calc_csc m;
    assert_int_equal(calc_csc_from_triplets(2, 3, 3, ri, ci, v, &m, NULL, NULL), TJ_OK);
    double x[3] = {1, 10, 100}, y[2];
    calc_csc_matvec(&m, x, y);
    assert_true(y[0] == 201.0 && y[1] == 30.0);
    double u[2] = {1, 2}, z[3];
    calc_csc_tmatvec(&m, u, z);
    assert_true(z[0] == 1.0 && z[1] == 6.0 && z[2] == 2.0);
    calc_csc_release(&m);
}

static void test_scc_small(void **state)
{
    (void)state;
    /* 0 -> 1 -> 2 -> 0 is a loop; 3 feeds 0; 4 isolated with self loop. */
    /* edge j->i for entry A[i][j] */
    int ri[] = {1, 2, 0, 0, 4, 0, 1, 2, 3};
    int ci[] = {0, 1, 2, 3, 4, 0, 1, 2, 3};
    double v[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    calc_csc m;
    assert_int_equal(calc_csc_from_triplets(5, 5, 9, ri, ci, v, &m, NULL, NULL), TJ_OK);
    int comp[5], largest = 0;
    assert_int_equal(calc_csc_scc(&m, comp, &largest), 3);
    assert_int_equal(largest, 3);
    assert_int_equal(comp[0], comp[1]);
    assert_int_equal(comp[1], comp[2]);
    assert_int_not_equal(comp[3], comp[0]);
    assert_int_not_equal(comp[4], comp[0]);
    assert_int_not_equal(comp[4], comp[3]);
    calc_csc_release(&m);
}

/* calc_csc_scc_ws (the caller's workspace) gives what calc_csc_scc gives,
 * whatever the workspace held before. */
static void test_scc_workspace(void **state)
{
    (void)state;
    int n = 2000, nnz = 0;
    int *ri = malloc(sizeof(int) * (size_t)n * 4), *ci = malloc(sizeof(int) * (size_t)n * 4);
    double *v = malloc(sizeof(double) * (size_t)n * 4);
    assert_true(ri && ci && v);
    uint64_t st = 99;
    for (int j = 0; j < n; j++) {
        ri[nnz] = j, ci[nnz] = j, v[nnz++] = 1;
        for (int k = 0; k < 3; k++) { /* mostly downstream, a few edges back: loops */
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            int i = (int)((st >> 33) % (uint64_t)n);
            if (i < j || (st >> 20) % 16 == 0)
                ri[nnz] = i, ci[nnz] = j, v[nnz++] = -0.1;
        }
    }
    calc_csc m;
    assert_int_equal(calc_csc_from_triplets(n, n, nnz, ri, ci, v, &m, NULL, NULL), TJ_OK);
    int *c1 = malloc(sizeof(int) * (size_t)n), *c2 = malloc(sizeof(int) * (size_t)n);
    int *ws = malloc(sizeof(int) * (size_t)n * 5);
    assert_true(c1 && c2 && ws);
    for (int i = 0; i < n * 5; i++)
        ws[i] = i % 7 - 3; /* garbage */
    int l1 = 0, l2 = 0;
    int k1 = calc_csc_scc(&m, c1, &l1), k2 = calc_csc_scc_ws(&m, c2, &l2, ws);
    assert_int_equal(k1, k2);
    assert_int_equal(l1, l2);
    assert_true(l1 > 1 && k1 < n); /* the edges back made loops */
    assert_memory_equal(c1, c2, sizeof(int) * (size_t)n);
    calc_csc_release(&m);
    free(c1), free(c2), free(ws), free(ri), free(ci), free(v);
}

/* A chain of 200,000 nodes closed into one loop: recursion would overflow. */
static void test_scc_deep_chain(void **state)
{
    (void)state;
    int n = 200000;
    int *ri = malloc(sizeof(int) * (size_t)n), *ci = malloc(sizeof(int) * (size_t)n);
    double *v = malloc(sizeof(double) * (size_t)n);
    assert_non_null(ri);
    assert_non_null(ci);
    assert_non_null(v);
    for (int j = 0; j < n; j++) {
        ci[j] = j;
        ri[j] = (j + 1) % n;
        v[j] = -1;
    }
    calc_csc m;
    assert_int_equal(calc_csc_from_triplets(n, n, n, ri, ci, v, &m, NULL, NULL), TJ_OK);
    int largest = 0;
    assert_int_equal(calc_csc_scc(&m, NULL, &largest), 1);
    assert_int_equal(largest, n);
    calc_csc_release(&m);
    /* Open the loop: a pure chain has n singleton components. */
    assert_int_equal(calc_csc_from_triplets(n, n, n - 1, ri, ci, v, &m, NULL, NULL), TJ_OK);
    assert_int_equal(calc_csc_scc(&m, NULL, &largest), n);
    assert_int_equal(largest, 1);
    calc_csc_release(&m);
    free(ri);
    free(ci);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triplets_sum_duplicates_and_map),
        cmocka_unit_test(test_triplets_random_long_columns),
        cmocka_unit_test(test_triplets_reject_out_of_range),
        cmocka_unit_test(test_empty_matrix),
        cmocka_unit_test(test_matvec_and_transpose),
        cmocka_unit_test(test_scc_small),
        cmocka_unit_test(test_scc_workspace),
        cmocka_unit_test(test_scc_deep_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

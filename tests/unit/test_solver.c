/* Tests for calc/solver: KLU and BiCGSTAB/ILU(0) against hand-worked and
 * dense reference solutions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calc/gen.h"
#include "calc/solver.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static const calc_solver_kind kinds[] = {CALC_SOLVER_KLU, CALC_SOLVER_ITERATIVE, CALC_SOLVER_AUTO};

static void build(int n, int nnz, const int *ri, const int *ci, const double *v, calc_csc *m)
{
    tj_error err;
    assert_int_equal(calc_csc_from_triplets(n, n, nnz, ri, ci, v, m, NULL, &err), TJ_OK);
}

/* Process 1 consumes 0.5 units of process 0's product. */
static void test_two_process_chain(void **state)
{
    (void)state;
    int ri[] = {0, 0, 1};
    int ci[] = {0, 1, 1};
    double v[] = {1.0, -0.5, 1.0};
    calc_csc a;
    build(2, 3, ri, ci, v, &a);
    for (size_t k = 0; k < 3; k++) {
        calc_solver *s;
        tj_error err;
        assert_int_equal(calc_solver_new(&a, kinds[k], 1e-12, &s, NULL, &err), TJ_OK);
        double f[2] = {0, 1}, x[2] = {0, 0};
        assert_int_equal(calc_solver_solve(s, f, x, &err), TJ_OK);
        assert_near(x[0], 0.5, 1e-12);
        assert_near(x[1], 1.0, 1e-12);
        assert_true(calc_solver_last_residual(s) <= 1e-12);
        /* Transpose: upstream intensity with direct emission 2 on process 0
         * and 3 on process 1: h0 = 2, h1 = 3 + 0.5*2 = 4. */
        double e[2] = {2, 3}, h[2] = {0, 0};
        assert_int_equal(calc_solver_solve_transpose(s, e, h, &err), TJ_OK);
        assert_near(h[0], 2.0, 1e-12);
        assert_near(h[1], 4.0, 1e-12);
        assert_non_null(calc_solver_reason(s));
        assert_true(strlen(calc_solver_reason(s)) > 10);
        calc_solver_free(s);
    }
    calc_csc_release(&a);
}

/* Two processes feeding each other:
 *   s0 - 0.2 s1 = 1, -0.5 s0 + s1 = 0  =>  s0 = 1/0.9, s1 = 0.5/0.9. */
static void test_loop_by_hand(void **state)
{
    (void)state;
    int ri[] = {0, 1, 0, 1};
    int ci[] = {0, 0, 1, 1};
    double v[] = {1.0, -0.5, -0.2, 1.0};
    calc_csc a;
    build(2, 4, ri, ci, v, &a);
    for (size_t k = 0; k < 3; k++) {
        calc_solver *s;
        tj_error err;
        assert_int_equal(calc_solver_new(&a, kinds[k], 1e-12, &s, NULL, &err), TJ_OK);
        double f[2] = {1, 0}, x[2] = {0, 0};
        assert_int_equal(calc_solver_solve(s, f, x, &err), TJ_OK);
        assert_near(x[0], 1.0 / 0.9, 1e-12);
        assert_near(x[1], 0.5 / 0.9, 1e-12);
        calc_solver_free(s);
    }
    calc_csc_release(&a);
}

static void test_singular_names_columns(void **state)
{
    (void)state;
    /* Process 2 produces nothing (empty column); 0 and 1 are fine. */
    int ri[] = {0, 1, 2};
    int ci[] = {0, 1, 0};
    double v[] = {1.0, 1.0, -0.3};
    calc_csc a;
    build(3, 3, ri, ci, v, &a);
    for (size_t k = 0; k < 3; k++) {
        calc_solver *s = (calc_solver *)&a;
        calc_solver_diag d;
        tj_error err;
        assert_int_equal(calc_solver_new(&a, kinds[k], 1e-9, &s, &d, &err), TJ_ERR_NUMERIC);
        assert_null(s);
        assert_true(d.ncols >= 1);
        int found = 0;
        for (int i = 0; i < d.ncols; i++)
            found |= d.cols[i] == 2;
        assert_true(found);
        assert_non_null(strstr(err.message, "singular"));
    }
    calc_csc_release(&a);

    /* Numerically singular: two processes that are the same up to sign. */
    int ri2[] = {0, 1, 0, 1};
    int ci2[] = {0, 0, 1, 1};
    double v2[] = {1.0, -1.0, -1.0, 1.0};
    build(2, 4, ri2, ci2, v2, &a);
    calc_solver *s;
    calc_solver_diag d;
    tj_error err;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-9, &s, &d, &err), TJ_ERR_NUMERIC);
    assert_true(d.ncols >= 1);
    assert_true(d.cols[0] == 0 || d.cols[0] == 1);
    /* The iterative solver cannot detect it up front but must not pretend
     * to converge on an inconsistent right-hand side. */
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_ITERATIVE, 1e-9, &s, NULL, &err), TJ_OK);
    double f[2] = {1, 0}, x[2] = {0, 0};
    assert_int_equal(calc_solver_solve(s, f, x, &err), TJ_ERR_NUMERIC);
    calc_solver_free(s);
    calc_csc_release(&a);
}

static void test_ill_conditioned_reports_rcond(void **state)
{
    (void)state;
    int ri[] = {0, 1, 0, 1};
    int ci[] = {0, 0, 1, 1};
    double v[] = {1.0, 1.0, 1.0, 1.0 + 1e-15};
    calc_csc a;
    build(2, 4, ri, ci, v, &a);
    calc_solver *s;
    calc_solver_diag d;
    tj_error err;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-9, &s, &d, &err), TJ_ERR_NUMERIC);
    assert_true(d.rcond > 0.0 && d.rcond < 1e-14);
    assert_non_null(strstr(err.message, "ill-conditioned"));
    calc_csc_release(&a);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    int ri[] = {0};
    int ci[] = {0};
    double v[] = {1.0};
    calc_csc a;
    tj_error err;
    calc_solver *s;
    assert_int_equal(calc_csc_from_triplets(2, 1, 1, ri, ci, v, &a, NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-9, &s, NULL, &err), TJ_ERR_USAGE);
    calc_csc_release(&a);
    build(1, 1, ri, ci, v, &a);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 0.0, &s, NULL, &err), TJ_ERR_USAGE);
    assert_int_equal(calc_solver_new(&a, (calc_solver_kind)7, 1e-9, &s, NULL, &err), TJ_ERR_USAGE);
    a.val[0] = NAN;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-9, &s, NULL, &err), TJ_ERR_NUMERIC);
    calc_csc_release(&a);
}

/* ---- property tests against dense Gaussian elimination ---------------- */

static uint64_t rng_state;
static double urand(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/* Random LCA-like system: positive diagonal outputs, 0..6 inputs per
 * process, mostly upstream (lower index), some loops; input coefficients
 * of each column sum to less than its output. */
static int random_system(int n, int **ri, int **ci, double **v)
{
    int cap = n * 8, k = 0;
    *ri = malloc(sizeof(int) * (size_t)cap);
    *ci = malloc(sizeof(int) * (size_t)cap);
    *v = malloc(sizeof(double) * (size_t)cap);
    assert_non_null(*ri);
    assert_non_null(*ci);
    assert_non_null(*v);
    for (int j = 0; j < n; j++) {
        double out = 0.5 + 2.0 * urand();
        (*ri)[k] = j;
        (*ci)[k] = j;
        (*v)[k++] = out;
        int nin = (int)(urand() * 7);
        double budget = 0.9 * out;
        for (int t = 0; t < nin && n > 1; t++) {
            int i;
            if (j > 0 && urand() < 0.8)
                i = (int)(urand() * j);
            else
                i = (int)(urand() * n);
            if (i == j)
                continue;
            double c = budget / (nin + 1) * (0.2 + urand());
            (*ri)[k] = i;
            (*ci)[k] = j;
            (*v)[k++] = -c; /* duplicates allowed: they are summed */
        }
    }
    return k;
}

static void dense_from(const calc_csc *a, int trans, double *d)
{
    int n = a->ncols;
    memset(d, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int j = 0; j < n; j++)
        for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++) {
            int i = a->rowind[p];
            if (trans)
                d[(size_t)j * n + i] = a->val[p];
            else
                d[(size_t)i * n + j] = a->val[p];
        }
}

/* Solve the row-major dense d x = b by Gaussian elimination with partial
 * pivoting (d and b are destroyed; x receives the solution). */
static void dense_solve(int n, double *d, double *b, double *x)
{
    for (int k = 0; k < n; k++) {
        int piv = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(d[(size_t)i * n + k]) > fabs(d[(size_t)piv * n + k]))
                piv = i;
        if (piv != k) {
            for (int j = 0; j < n; j++) {
                double t = d[(size_t)k * n + j];
                d[(size_t)k * n + j] = d[(size_t)piv * n + j];
                d[(size_t)piv * n + j] = t;
            }
            double t = b[k];
            b[k] = b[piv];
            b[piv] = t;
        }
        assert_true(d[(size_t)k * n + k] != 0.0);
        for (int i = k + 1; i < n; i++) {
            double m = d[(size_t)i * n + k] / d[(size_t)k * n + k];
            if (m == 0.0)
                continue;
            for (int j = k; j < n; j++)
                d[(size_t)i * n + j] -= m * d[(size_t)k * n + j];
            b[i] -= m * b[k];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < n; j++)
            s -= d[(size_t)i * n + j] * x[j];
        x[i] = s / d[(size_t)i * n + i];
    }
}

static double rel_err(int n, const double *x, const double *ref)
{
    double num = 0, den = 0;
    for (int i = 0; i < n; i++) {
        num += (x[i] - ref[i]) * (x[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

static void check_against_dense(const calc_csc *a, calc_solver *s, int trans)
{
    int n = a->ncols;
    double *d = malloc(sizeof(double) * (size_t)n * (size_t)n);
    double *b = malloc(sizeof(double) * (size_t)n), *bb = malloc(sizeof(double) * (size_t)n);
    double *x = calloc((size_t)n, sizeof(double)), *ref = calloc((size_t)n, sizeof(double));
    assert_true(d && b && bb && x && ref);
    for (int i = 0; i < n; i++)
        b[i] = urand() < 0.3 ? urand() * 10 : 0.0;
    b[(int)(urand() * n)] = 1.0;
    memcpy(bb, b, sizeof(double) * (size_t)n);
    dense_from(a, trans, d);
    dense_solve(n, d, bb, ref);
    tj_error err;
    tj_status rc = trans ? calc_solver_solve_transpose(s, b, x, &err) : calc_solver_solve(s, b, x, &err);
    if (rc != TJ_OK)
        fail_msg("n=%d trans=%d %s: %s", n, trans, calc_solver_name(s), err.message);
    double e = rel_err(n, x, ref);
    if (!(e < 1e-7))
        fail_msg("n=%d trans=%d %s: relative error %g", n, trans, calc_solver_name(s), e);
    free(d);
    free(b);
    free(bb);
    free(x);
    free(ref);
}

static void test_property_random_systems(void **state)
{
    (void)state;
    static const int sizes[] = {1, 2, 5, 17, 60, 150, 400};
    rng_state = 0x9E3779B97F4A7C15ULL;
    for (int rep = 0; rep < 4; rep++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            int n = sizes[z], *ri, *ci;
            double *v;
            int nnz = random_system(n, &ri, &ci, &v);
            calc_csc a;
            build(n, nnz, ri, ci, v, &a);
            for (size_t k = 0; k < 3; k++) {
                calc_solver *s;
                tj_error err;
                if (calc_solver_new(&a, kinds[k], 1e-11, &s, NULL, &err) != TJ_OK)
                    fail_msg("n=%d: %s", n, err.message);
                check_against_dense(&a, s, 0);
                check_against_dense(&a, s, 1);
                calc_solver_free(s);
            }
            calc_csc_release(&a);
            free(ri);
            free(ci);
            free(v);
        }
}

static void test_klu_and_iterative_agree(void **state)
{
    (void)state;
    rng_state = 12345;
    int n = 2000, *ri, *ci;
    double *v;
    int nnz = random_system(n, &ri, &ci, &v);
    calc_csc a;
    build(n, nnz, ri, ci, v, &a);
    calc_solver *sk, *si;
    tj_error err;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-11, &sk, NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_ITERATIVE, 1e-11, &si, NULL, &err), TJ_OK);
    assert_string_equal(calc_solver_name(sk), "klu");
    assert_string_equal(calc_solver_name(si), "bicgstab-ilu0");
    assert_int_equal(calc_solver_kind_of(si), CALC_SOLVER_ITERATIVE);
    double *f = calloc((size_t)n, sizeof(double)), *xk = calloc((size_t)n, sizeof(double)),
           *xi = calloc((size_t)n, sizeof(double));
    assert_true(f && xk && xi);
    f[n - 1] = 1.0;
    f[n / 2] = 3.0;
    assert_int_equal(calc_solver_solve(sk, f, xk, &err), TJ_OK);
    assert_int_equal(calc_solver_solve(si, f, xi, &err), TJ_OK);
    assert_true(calc_solver_last_iterations(si) >= 1);
    assert_true(rel_err(n, xi, xk) < 1e-9);
    /* Warm start from the solution: converges at once. */
    assert_int_equal(calc_solver_solve(si, f, xi, &err), TJ_OK);
    assert_true(calc_solver_last_iterations(si) <= 1);
    assert_int_equal(calc_solver_solve_transpose(sk, f, xk, &err), TJ_OK);
    memset(xi, 0, sizeof(double) * (size_t)n);
    assert_int_equal(calc_solver_solve_transpose(si, f, xi, &err), TJ_OK);
    assert_true(rel_err(n, xi, xk) < 1e-9);
    calc_solver_free(sk);
    calc_solver_free(si);
    calc_csc_release(&a);
    free(f);
    free(xk);
    free(xi);
    free(ri);
    free(ci);
    free(v);
}

static void test_refactor_new_values(void **state)
{
    (void)state;
    rng_state = 777;
    int n = 120, *ri, *ci;
    double *v;
    int nnz = random_system(n, &ri, &ci, &v);
    int *map = malloc(sizeof(int) * (size_t)nnz);
    calc_csc a;
    tj_error err;
    assert_int_equal(calc_csc_from_triplets(n, n, nnz, ri, ci, v, &a, map, &err), TJ_OK);
    calc_solver *s[2];
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-11, &s[0], NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_ITERATIVE, 1e-11, &s[1], NULL, &err), TJ_OK);
    for (int draw = 0; draw < 5; draw++) {
        /* Perturb the triplets, re-assemble through the map. */
        memset(a.val, 0, sizeof(double) * (size_t)a.colptr[n]);
        for (int k = 0; k < nnz; k++)
            a.val[map[k]] += v[k] * exp(0.3 * (urand() - 0.5));
        for (int k = 0; k < 2; k++) {
            assert_int_equal(calc_solver_refactor(s[k], &err), TJ_OK);
            check_against_dense(&a, s[k], 0);
            check_against_dense(&a, s[k], 1);
        }
    }
    /* A change large enough to upset the first pivot order still solves. */
    for (int j = 0; j < n; j++)
        for (int p = a.colptr[j]; p < a.colptr[j + 1]; p++)
            if (a.rowind[p] == j)
                a.val[p] *= (j % 2) ? 1e-3 : 1e3;
    /* The result is either right or a clean TJ_ERR_NUMERIC, never wrong. */
    for (int k = 0; k < 2; k++) {
        tj_status rc = calc_solver_refactor(s[k], &err);
        if (rc != TJ_OK) {
            assert_int_equal(rc, TJ_ERR_NUMERIC);
            continue;
        }
        double *f = calloc((size_t)n, sizeof(double)), *x = calloc((size_t)n, sizeof(double));
        assert_true(f && x);
        f[n - 1] = 1.0;
        rc = calc_solver_solve(s[k], f, x, &err);
        if (rc == TJ_OK) {
            calc_csc_matvec(&a, x, f);
            f[n - 1] -= 1.0;
            double r = 0;
            for (int i = 0; i < n; i++)
                r += f[i] * f[i];
            assert_true(sqrt(r) <= 1e-11);
        } else {
            assert_int_equal(rc, TJ_ERR_NUMERIC);
        }
        free(f);
        free(x);
    }
    calc_solver_free(s[0]);
    calc_solver_free(s[1]);
    calc_csc_release(&a);
    free(map);
    free(ri);
    free(ci);
    free(v);
}

static void gen_csc(calc_gen_kind kind, int n, uint64_t seed, calc_gen_system *g, calc_csc *a)
{
    calc_gen_params p;
    tj_error err;
    calc_gen_params_default(&p);
    p.kind = kind;
    p.n = n;
    p.core = n * 15 / 100;
    p.basic = n / 4;
    p.seed = seed;
    assert_int_equal(calc_gen_generate(&p, g, &err), TJ_OK);
    assert_int_equal(calc_csc_from_triplets(n, n, g->ntech, g->tri, g->tci, g->tv, a, NULL, &err), TJ_OK);
}

/* The generator is deterministic, its loops gather in the core, and the
 * systems it makes are well posed: KLU and BiCGSTAB agree and every
 * activity is non-negative for a non-negative demand. */
static void test_generated_lca_system(void **state)
{
    (void)state;
    int n = 4000;
    calc_gen_system g, g2;
    calc_csc a, a2;
    gen_csc(CALC_GEN_LCA, n, 7, &g, &a);
    gen_csc(CALC_GEN_LCA, n, 7, &g2, &a2);
    assert_int_equal(g.ntech, g2.ntech);
    assert_memory_equal(g.tv, g2.tv, sizeof(double) * (size_t)g.ntech);
    assert_memory_equal(g.ev, g2.ev, sizeof(double) * (size_t)g.nelem);
    calc_gen_release(&g2);
    calc_csc_release(&a2);
    assert_true(g.ntech > n * 10 && g.ntech < n * 16);
    assert_true(g.nelem > n && g.m == 3);
    int largest = 0;
    int ncomp = calc_csc_scc(&a, NULL, &largest);
    assert_true(largest > n * 15 / 100 * 9 / 10 && largest <= n * 15 / 100);
    assert_int_equal(ncomp, n - largest + 1);

    calc_solver *sk, *si;
    tj_error err;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_KLU, 1e-10, &sk, NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_ITERATIVE, 1e-10, &si, NULL, &err), TJ_OK);
    double *f = calloc((size_t)n, sizeof(double)), *xk = calloc((size_t)n, sizeof(double)),
           *xi = calloc((size_t)n, sizeof(double));
    assert_true(f && xk && xi);
    f[n - 1] = 1.0;
    assert_int_equal(calc_solver_solve(sk, f, xk, &err), TJ_OK);
    assert_int_equal(calc_solver_solve(si, f, xi, &err), TJ_OK);
    assert_true(rel_err(n, xi, xk) < 1e-8);
    double xmax = 0;
    for (int i = 0; i < n; i++)
        xmax = fmax(xmax, fabs(xk[i]));
    for (int i = 0; i < n; i++)
        assert_true(xk[i] >= -1e-12 * xmax);
    calc_solver_free(sk);
    calc_solver_free(si);
    calc_csc_release(&a);
    calc_gen_release(&g);
    free(f);
    free(xk);
    free(xi);
}

static void test_auto_choice_and_reason(void **state)
{
    (void)state;
    calc_gen_system g;
    calc_csc a;
    calc_solver *s;
    tj_error err;
    /* Small coupled core: the direct solver. */
    gen_csc(CALC_GEN_LCA, 600, 3, &g, &a);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_AUTO, 1e-9, &s, NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_kind_of(s), CALC_SOLVER_KLU);
    assert_non_null(strstr(calc_solver_reason(s), "KLU: "));
    assert_non_null(strstr(calc_solver_reason(s), "fill"));
    calc_solver_free(s);
    calc_csc_release(&a);
    calc_gen_release(&g);
    /* Links spread evenly: one giant loop that LU would fill in. */
    gen_csc(CALC_GEN_RANDOM, 3000, 3, &g, &a);
    double fill = 0;
    assert_int_equal(calc_solver_klu_predict(&a, &fill, NULL, NULL, &err), TJ_OK);
    assert_true(fill > 40.0 * a.colptr[a.ncols]);
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_AUTO, 1e-9, &s, NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_kind_of(s), CALC_SOLVER_ITERATIVE);
    assert_non_null(strstr(calc_solver_reason(s), "BiCGSTAB"));
    double *f = calloc(3000, sizeof(double)), *x = calloc(3000, sizeof(double));
    assert_true(f && x);
    f[10] = 1.0;
    assert_int_equal(calc_solver_solve(s, f, x, &err), TJ_OK);
    assert_true(calc_solver_last_residual(s) <= 1e-9);
    calc_solver_free(s);
    calc_csc_release(&a);
    calc_gen_release(&g);
    free(f);
    free(x);
}

/* A large system that AUTO would hand to BiCGSTAB, but with a process that
 * produces nothing: it must still fail naming that process. */
static void test_auto_structurally_singular_names_column(void **state)
{
    (void)state;
    int n = 1500;
    calc_gen_system g;
    calc_csc a;
    gen_csc(CALC_GEN_RANDOM, n, 3, &g, &a);
    double fill = 0;
    assert_int_equal(calc_solver_klu_predict(&a, &fill, NULL, NULL, NULL), TJ_OK);
    assert_true(fill > 40.0 * (a.colptr[n] + n)); /* AUTO would pick BiCGSTAB */
    calc_csc_release(&a);
    int k = 0;
    for (int t = 0; t < g.ntech; t++)
        if (g.tci[t] != 17) {
            g.tri[k] = g.tri[t];
            g.tci[k] = g.tci[t];
            g.tv[k] = g.tv[t];
            k++;
        }
    tj_error err;
    assert_int_equal(calc_csc_from_triplets(n, n, k, g.tri, g.tci, g.tv, &a, NULL, &err), TJ_OK);
    calc_solver *s = NULL;
    calc_solver_diag d;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_AUTO, 1e-9, &s, &d, &err), TJ_ERR_NUMERIC);
    assert_null(s);
    int found = 0;
    for (int i = 0; i < d.ncols; i++)
        found |= d.cols[i] == 17;
    assert_true(found);
    calc_csc_release(&a);
    calc_gen_release(&g);
}

/* AUTO picks BiCGSTAB for a system it cannot solve (indefinite, no
 * dominant diagonal): it must fall back to KLU and say so. */
static void test_auto_falls_back_to_klu(void **state)
{
    (void)state;
    int n = 900;
    calc_gen_system g;
    calc_csc a;
    gen_csc(CALC_GEN_RANDOM, n, 5, &g, &a);
    rng_state = 99;
    for (int j = 0; j < n; j++)
        for (int p = a.colptr[j]; p < a.colptr[j + 1]; p++)
            a.val[p] = (a.rowind[p] == j ? 0.01 : 1.0) * (urand() - 0.5);
    calc_solver *s;
    tj_error err;
    assert_int_equal(calc_solver_new(&a, CALC_SOLVER_AUTO, 1e-9, &s, NULL, &err), TJ_OK);
    assert_int_equal(calc_solver_kind_of(s), CALC_SOLVER_ITERATIVE);
    double *f = calloc((size_t)n, sizeof(double)), *x = calloc((size_t)n, sizeof(double));
    assert_true(f && x);
    for (int i = 0; i < n; i++)
        f[i] = urand();
    if (calc_solver_solve(s, f, x, &err) != TJ_OK)
        fail_msg("%s", err.message);
    assert_int_equal(calc_solver_kind_of(s), CALC_SOLVER_KLU);
    assert_non_null(strstr(calc_solver_reason(s), "did not converge"));
    assert_true(calc_solver_last_residual(s) <= 1e-9);
    calc_solver_free(s);
    calc_csc_release(&a);
    calc_gen_release(&g);
    free(f);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_process_chain),
        cmocka_unit_test(test_loop_by_hand),
        cmocka_unit_test(test_singular_names_columns),
        cmocka_unit_test(test_ill_conditioned_reports_rcond),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_property_random_systems),
        cmocka_unit_test(test_klu_and_iterative_agree),
        cmocka_unit_test(test_refactor_new_values),
        cmocka_unit_test(test_generated_lca_system),
        cmocka_unit_test(test_auto_choice_and_reason),
        cmocka_unit_test(test_auto_structurally_singular_names_column),
        cmocka_unit_test(test_auto_falls_back_to_klu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

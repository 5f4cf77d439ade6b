/* Sparse linear solvers (KLU and GMRES with D-ILU, BiCGSTAB as GMRES's fallback); see calc/solver.h. */
#include "calc/solver.h"

#include "calc/arena.h"

#include <klu.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AUTO uses KLU unless its predicted fill is this many times nnz(A) ... */
#define CALC_AUTO_FILL_RATIO 40.0
/* ... or the predicted factors exceed this many bytes. */
#define CALC_AUTO_FILL_BYTES (768.0 * 1024 * 1024)
/* ... or factorising would cost more than this many Mflop (KLU runs at a
 * few Gflop/s here, so about 25-50 ms): then a few GMRES iterations are
 * cheaper, above all in Monte Carlo where each draw needs a refactor. */
#define CALC_AUTO_MFLOP 150.0
/* AUTO analyses a loop for KLU only up to this many non-zeros: beyond it,
 * KLU's symbolic analysis (AMD on the loop, which costs in proportion to the
 * fill it predicts: 16 ms of a 19 ms setup for the 3,000-process core of the
 * generated system) is dearer than a D-ILU setup and a trial solve, so the
 * loop starts with GMRES and is analysed only if that fails. */
#define CALC_AUTO_ANALYZE_NNZ 4096
/* AUTO gives GMRES this many iterations before it falls back to KLU. */
#define CALC_AUTO_ITER_MAX 400
/* Below this reciprocal condition number a system is reported ill-conditioned. */
#define CALC_RCOND_MIN 1e-14
/* Iterative refinement steps a KLU solve may take to meet the tolerance. */
#define CALC_REFINE_STEPS 2
/* Iteration cap (GMRES, BiCGSTAB) and BiCGSTAB's restarts after a breakdown. */
#define CALC_ITER_MAX 3000
#define CALC_ITER_RESTARTS 5

struct calc_solver {
    const calc_csc *a;
    /* Every array below (not KLU's objects) comes from this arena, shared
     * by a block solver with its loops' solvers and freed by its owner. */
    calc_arena *arena;
    int own_arena;
    calc_solver_kind kind;
    double tol;
    int n;
    double last_residual;
    int last_iterations;
    int last_passes; /* block solver: passes over A in the last solve (1 + refinements) */
    int setup_iterations; /* block solver: Krylov steps of the loop-gain proofs */
    char reason[512];

    /* KLU */
    klu_common common;
    klu_symbolic *sym;
    klu_numeric *num;
    int refactored; /* num came from klu_refactor (no fresh pivoting) */

    /* Iterative: A in CSR form (= the CSC of A^T), with tpos[p] = position in
     * the CSR arrays of A's CSC entry p, and the D-ILU preconditioner
     * M = (D + L) D^-1 (D + U) on it (L, U: A's strict lower and upper parts;
     * see dilu).  jac: D^-1 (or Jacobi's reciprocal diagonal),
     * ad: diag(A) - D (Eisenstat's product, see eis_step).  The pairs
     * (pl[t], pu[t]) are the CSR positions of A[i][k] and A[k][i], k < i,
     * both non-zero; those of row i are t in [prp[i], prp[i + 1]). */
    int *rp, *ci, *tpos, *diag, *mark, *prp, *pl, *pu;
    double *rv, *jac, *ad;
    int use_jacobi;
    int no_diag; /* some row has no diagonal entry: Jacobi, not D-ILU */
    int auto_mode; /* AUTO chose; may fall back from GMRES to KLU */
    /* A loop's solver inside the block solver: the block pass recomputes the
     * whole system's residual, so a converged GMRES or BiCGSTAB skips its
     * own final product (see gmres, bicgstab). */
    int in_block;

    /* Work vectors (n each). */
    double *w[9];
    /* GMRES (see gmres): the Krylov basis V ((m + 1) x n), the preconditioned
     * directions Z (m x n), interleaved (gz = gv + n, stride 2 n), and the
     * Hessenberg matrix, allocated at first use. */
    int gmres;
    double *gv, *gz, *gh;

    /* Block solver (AUTO, BLOCK_KLU, BLOCK_ITERATIVE); see block_new. */
    int block;
    calc_solver_kind core_kind; /* what the coupled blocks were asked to use */
    int ncomp, nblk, main_blk;
    int *order;   /* n: nodes in forward solve order (consumers first) */
    int *cstart;  /* ncomp + 1: component c spans order[cstart[c] .. cstart[c+1]) */
    int *cblk;    /* ncomp: index into blk, or -1 for a single process */
    int *compof;  /* n: component of each node */
    int *dpos;    /* n: position of A[j][j] in val, or -1 (single processes only) */
    int nsingle;
    int *sdpos;   /* nsingle: dpos of each single-process component (refactor's check) */
    int *snode;   /* nsingle: the process of each single-process component */
    /* n: 1 / A[j][j] for single processes (the passes multiply: a division's
     * latency sat on the pass's critical path, r[j] waiting for the columns
     * before it); refreshed by the refactor. */
    double *dinv;
    struct calc_block *blk;
    calc_solver_kind shown_kind; /* core kind when reason was written */
    char base_reason[200];
    calc_solver_diag last_diag;
};

/* A strongly connected block of two or more processes, solved on its own. */
typedef struct calc_block {
    int comp, size, nnz; /* nnz: entries within the block */
    calc_csc m;   /* the block's submatrix in local indices */
    int *src;     /* m.val[p] = a->val[src[p]] */
    calc_solver *sub;
    int zmat;     /* off-diagonals <= 0 and diagonal > 0 (a pure consumption loop) */
    double *rb, *xb;
    /* Iterative loops: the entries of the loop's columns in rows outside
     * it, as positions in A (column t's in xpos[xptr[t] .. xptr[t + 1])):
     * after the solve the pass takes the loop rows' residual from the
     * loop's CSR copy (a gather) and scatters only these (see block_pass). */
    int *xptr, *xpos;
    /* The right-hand sides of the last forward [0] and transposed [1] solve
     * (iterative loops only): a new one that points elsewhere starts from
     * zero rather than from the caller's guess (see warm_start). */
    double *rprev[2];
    int have_prev[2];
} calc_block;

int calc_solver_checks_loop_gain(const calc_solver *s)
{
    return s->block;
}

calc_solver_kind calc_solver_kind_of(const calc_solver *s)
{
    if (s->block)
        return s->nblk > 0 ? calc_solver_kind_of(s->blk[s->main_blk].sub) : CALC_SOLVER_KLU;
    return s->kind;
}

const calc_solver_diag *calc_solver_last_diag(const calc_solver *s)
{
    return &s->last_diag;
}

const char *calc_solver_name(const calc_solver *s)
{
    if (s->block)
        return s->nblk > 0 ? calc_solver_name(s->blk[s->main_blk].sub) : "triangular";
    if (s->kind == CALC_SOLVER_KLU)
        return "klu";
    if (s->gmres)
        return s->use_jacobi ? "gmres-jacobi" : "gmres-dilu";
    return s->use_jacobi ? "bicgstab-jacobi" : "bicgstab-dilu";
}

double calc_solver_last_residual(const calc_solver *s)
{
    return s->last_residual;
}
int calc_solver_last_iterations(const calc_solver *s)
{
    return s->last_iterations;
}
int calc_solver_setup_iterations(const calc_solver *s)
{
    return s->setup_iterations;
}

int calc_solver_last_passes(const calc_solver *s)
{
    return s->last_passes > 0 ? s->last_passes : 1;
}
const char *calc_solver_reason(const calc_solver *s)
{
    return s->reason;
}

void calc_solver_free(calc_solver *s)
{
    if (!s)
        return;
    for (int b = 0; b < s->nblk && s->blk; b++)
        calc_solver_free(s->blk[b].sub);
    if (s->num)
        klu_free_numeric(&s->num, &s->common);
    if (s->sym)
        klu_free_symbolic(&s->sym, &s->common);
    if (s->own_arena)
        calc_arena_free(s->arena);
    free(s);
}

/* Eight partial sums: one sum's additions form a chain of dependent
 * latencies (a norm over 20,000 entries of the block solver's vectors took
 * tens of microseconds, a tenth of a further demand), eight run side by
 * side (the compiler packs them in vector registers). */
static double norm2(int n, const double *x)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 += x[i] * x[i];
        s1 += x[i + 1] * x[i + 1];
        s2 += x[i + 2] * x[i + 2];
        s3 += x[i + 3] * x[i + 3];
        s4 += x[i + 4] * x[i + 4];
        s5 += x[i + 5] * x[i + 5];
        s6 += x[i + 6] * x[i + 6];
        s7 += x[i + 7] * x[i + 7];
    }
    for (; i < n; i++)
        s0 += x[i] * x[i];
    return sqrt(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
}

static double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

/* r = b - op(A) x; returns ||r||. */
static double residual(const calc_solver *s, int trans, const double *b, const double *x, double *r)
{
    if (trans)
        calc_csc_tmatvec(s->a, x, r);
    else
        calc_csc_matvec(s->a, x, r);
    for (int i = 0; i < s->n; i++)
        r[i] = b[i] - r[i];
    return norm2(s->n, r);
}

static void diag_add(calc_solver_diag *d, int col)
{
    if (!d || d->ncols >= (int)(sizeof d->cols / sizeof d->cols[0]))
        return;
    for (int i = 0; i < d->ncols; i++)
        if (d->cols[i] == col)
            return;
    d->cols[d->ncols++] = col;
}

/* Columns that are empty or have a zero (or absent) diagonal entry. */
static void diag_structural(const calc_csc *a, calc_solver_diag *d)
{
    for (int j = 0; j < a->ncols; j++) {
        double dj = 0.0;
        for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++)
            if (a->rowind[p] == j)
                dj = a->val[p];
        if (a->colptr[j] == a->colptr[j + 1] || dj == 0.0)
            diag_add(d, j);
    }
}

static tj_status validate(const calc_csc *a, tj_error *err)
{
    if (!a || a->nrows != a->ncols || a->nrows < 0)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "the technology matrix must be square");
    /* A branch-free scan on the exponent bits (all ones: infinity or NaN)
     * that the compiler vectorises; every Monte Carlo refactor runs it. */
    /* Only the high 32-bit word of each double matters: (h & 0x7ff00000) +
     * 0x00100000 sets bit 31 exactly when the exponent is all ones.  Plain
     * 32-bit AND, ADD and OR on a GCC/Clang vector type: SSE2 code on every
     * x86-64 (a 64-bit comparison would need SSE4.1). */
    const double *v = a->val;
    int nnz = a->colptr[a->ncols], p = 0;
    uint64_t bad = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Two 16-byte accumulators: SSE2's width, so they stay in registers (a
     * 32-byte vector type went through the stack on every step). */
    typedef uint32_t v4w __attribute__((vector_size(16)));
    const v4w mask = {0, 0x7ff00000u, 0, 0x7ff00000u};
    const v4w one = {0, 0x00100000u, 0, 0x00100000u};
    v4w acc0 = {0, 0, 0, 0}, acc1 = {0, 0, 0, 0};
    for (; p + 4 <= nnz; p += 4) {
        v4w w0, w1;
        memcpy(&w0, v + p, sizeof w0);
        memcpy(&w1, v + p + 2, sizeof w1);
        acc0 |= (w0 & mask) + one;
        acc1 |= (w1 & mask) + one;
    }
    acc0 |= acc1;
    bad = (acc0[1] | acc0[3]) & 0x80000000u;
#endif
    for (; p < nnz; p++)
        bad |= !isfinite(v[p]);
    if (bad)
        return tj_error_set(err, TJ_ERR_NUMERIC, NULL, "the technology matrix holds a non-finite value");
    return TJ_OK;
}

/* ---------------------------------------------------------------- KLU --- */

static tj_status klu_singular(calc_solver *s, calc_solver_diag *diag, tj_error *err)
{
    const calc_csc *a = s->a;
    if (diag) {
        if (s->common.singular_col >= 0 && s->common.singular_col < s->n)
            diag_add(diag, s->common.singular_col);
        if (s->num && s->sym) {
            const double *ud = s->num->Udiag;
            for (int k = 0; k < s->n; k++)
                if (ud[k] == 0.0)
                    diag_add(diag, s->sym->Q[k]);
        }
        diag_structural(a, diag);
    }
    int col = s->common.singular_col >= 0 && s->common.singular_col < s->n
                  ? s->common.singular_col
                  : (diag && diag->ncols ? diag->cols[0] : -1);
    return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                        "the technology matrix is singular (structural rank %d of %d); "
                        "column %d is implicated",
                        s->sym ? s->sym->structural_rank : -1, s->n, col);
}

/* Fresh factorisation with pivoting; checks singularity and conditioning. */
static tj_status klu_do_factor(calc_solver *s, calc_solver_diag *diag, tj_error *err)
{
    const calc_csc *a = s->a;
    if (s->num)
        klu_free_numeric(&s->num, &s->common);
    s->refactored = 0;
    s->num = klu_factor(a->colptr, a->rowind, a->val, s->sym, &s->common);
    if (s->common.status == KLU_OUT_OF_MEMORY)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory factorising the matrix");
    if (!s->num || s->common.status == KLU_SINGULAR)
        return klu_singular(s, diag, err);
    if (s->common.status != KLU_OK)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "klu_factor failed (status %d)", s->common.status);
    klu_rcond(s->sym, s->num, &s->common);
    double rc = s->common.rcond;
    if (rc < CALC_RCOND_MIN) {
        /* The crude estimate min|u_kk|/max|u_kk| is pessimistic for badly
         * scaled systems; ask for a proper 1-norm estimate before failing. */
        if (klu_condest(a->colptr, a->val, s->sym, s->num, &s->common) && s->common.condest > 0)
            rc = 1.0 / s->common.condest;
    }
    if (diag)
        diag->rcond = rc;
    if (!(rc >= CALC_RCOND_MIN)) {
        if (diag) {
            const double *ud = s->num->Udiag;
            double umax = 0.0;
            for (int k = 0; k < s->n; k++)
                if (fabs(ud[k]) > umax)
                    umax = fabs(ud[k]);
            for (int k = 0; k < s->n; k++)
                if (fabs(ud[k]) <= umax * 1e-14)
                    diag_add(diag, s->sym->Q[k]);
            diag_structural(a, diag);
        }
        return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                            "the technology matrix is ill-conditioned (reciprocal condition "
                            "estimate %.3g)",
                            rc);
    }
    return TJ_OK;
}

static tj_status klu_setup(calc_solver *s, calc_solver_diag *diag, tj_error *err)
{
    if (!s->sym) {
        s->sym = klu_analyze(s->n, s->a->colptr, s->a->rowind, &s->common);
        if (!s->sym)
            return tj_error_set(err, s->common.status == KLU_OUT_OF_MEMORY ? TJ_ERR_NOMEM : TJ_ERR_INTERNAL,
                                NULL, "klu_analyze failed (status %d)", s->common.status);
    }
    return klu_do_factor(s, diag, err);
}

static tj_status klu_solve_checked(calc_solver *s, int trans, const double *b, double *x, tj_error *err)
{
    int n = s->n;
    double *r = s->w[0];
    double nb = norm2(n, b);
    int attempt = 0;

again:
    memcpy(x, b, (size_t)n * sizeof *x);
    if (n == 0 || nb == 0.0) {
        memset(x, 0, (size_t)n * sizeof *x);
        s->last_residual = 0.0;
        s->last_iterations = 1;
        return TJ_OK;
    }
    int ok = trans ? klu_tsolve(s->sym, s->num, n, 1, x, &s->common)
                   : klu_solve(s->sym, s->num, n, 1, x, &s->common);
    if (!ok)
        return tj_error_set(err, TJ_ERR_INTERNAL, NULL, "klu solve failed (status %d)", s->common.status);
    double res = residual(s, trans, b, x, r) / nb;
    for (int step = 0; step < CALC_REFINE_STEPS && !(res <= s->tol); step++) {
        ok = trans ? klu_tsolve(s->sym, s->num, n, 1, r, &s->common)
                   : klu_solve(s->sym, s->num, n, 1, r, &s->common);
        if (!ok)
            break;
        for (int i = 0; i < n; i++)
            x[i] += r[i];
        res = residual(s, trans, b, x, r) / nb;
    }
    s->last_residual = res;
    s->last_iterations = 1;
    if (res <= s->tol)
        return TJ_OK;
    if (s->refactored && attempt == 0) {
        /* The pivots of the first factorisation may not suit the new
         * values: factorise afresh and try once more. */
        attempt = 1;
        tj_status rc = klu_do_factor(s, NULL, err);
        if (rc != TJ_OK)
            return rc;
        goto again;
    }
    return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                        "the solution misses the tolerance: relative residual %.3g > %.3g", res, s->tol);
}

static tj_status klu_refactor_checked(calc_solver *s, tj_error *err)
{
    const calc_csc *a = s->a;
    if (s->num && klu_refactor(a->colptr, a->rowind, a->val, s->sym, s->num, &s->common)) {
        klu_rcond(s->sym, s->num, &s->common);
        if (s->common.rcond >= CALC_RCOND_MIN) {
            s->refactored = 1;
            return TJ_OK;
        }
    }
    if (s->common.status == KLU_OUT_OF_MEMORY)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory refactorising the matrix");
    return klu_do_factor(s, NULL, err);
}

/* ---------------------------------------------------------- iterative --- */

static tj_status dilu_pairs(calc_solver *s, tj_error *err);

/* Build A's CSR (transpose of its CSC) once; values refreshed by it_values.
 *
 * Each row is laid out as its strict lower part, a slot for the diagonal
 * (diag[i]; 0 if A has no such entry) and its strict upper part, each part
 * padded with zero entries to a multiple of CALC_ROW_CHUNK.  The loops over
 * a row part then run a whole number of chunks without a remainder, and on
 * the generated loops most parts (78% on core50) are one chunk: the exit of
 * the row loop, mispredicted about once per row with the exact lengths
 * (callgrind's branch simulation: 1.15 per row and loop on core50), is
 * mostly predicted.  A padding entry of row i's lower part points at
 * column i - CALC_PAD_DIST (or 0) and one of its upper part at column
 * i + CALC_PAD_DIST (or n - 1), which the triangular solves have computed
 * well before row i (row 0 has no lower part, row n - 1 no upper part), so
 * a padding entry adds 0 times a finite number and leaves every sum as it
 * was; the transposed solves, which scatter, subtract its 0 from a
 * different entry for each row instead of chaining every row's store on
 * one entry (one shared column made them 15% slower). */
#define CALC_ROW_CHUNK 4
#define CALC_PAD_DIST 64
static int chunk_up(int k)
{
    return (k + CALC_ROW_CHUNK - 1) / CALC_ROW_CHUNK * CALC_ROW_CHUNK;
}

static tj_status it_pattern(calc_solver *s, tj_error *err)
{
    const calc_csc *a = s->a;
    int n = s->n, nnz = a->colptr[n];
    calc_arena *ar = s->arena;
    s->rp = calc_arena_alloc(ar, (size_t)n + 1, sizeof *s->rp);
    s->tpos = calc_arena_alloc(ar, (size_t)nnz + 1, sizeof *s->tpos);
    s->diag = calc_arena_alloc(ar, (size_t)n + 1, sizeof *s->diag);
    s->jac = calc_arena_alloc(ar, (size_t)n + 1, sizeof *s->jac);
    s->ad = calc_arena_alloc(ar, (size_t)n + 1, sizeof *s->ad);
    s->mark = calc_arena_alloc(ar, (size_t)n + 1, sizeof *s->mark);
    s->prp = calc_arena_alloc(ar, (size_t)n + 1, sizeof *s->prp);
    if (!s->rp || !s->tpos || !s->diag || !s->jac || !s->ad || !s->mark || !s->prp)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for the preconditioner");
    /* Per row: entries below the diagonal (in mark), above it (in prp), and
     * whether the diagonal is there (diag), borrowed as counters. */
    int *lo = s->mark, *up = s->prp, *has = s->diag;
    memset(lo, 0, (size_t)n * sizeof *lo);
    memset(up, 0, (size_t)n * sizeof *up);
    memset(has, 0, (size_t)n * sizeof *has);
    for (int j = 0; j < n; j++)
        for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++) {
            int i = a->rowind[p];
            if (j < i)
                lo[i]++;
            else if (j > i)
                up[i]++;
            else if (has[i]++) /* sparse.h: one entry per position */
                return tj_error_set(err, TJ_ERR_USAGE, NULL,
                                    "the technology matrix holds two entries at row and column %d", i);
        }
    s->no_diag = 0;
    s->rp[0] = 0;
    for (int i = 0; i < n; i++) {
        s->no_diag |= !has[i];
        long end = (long)s->rp[i] + chunk_up(lo[i]) + 1 + chunk_up(up[i]);
        if (end > INT_MAX - 1)
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "the matrix is too large for the preconditioner");
        s->rp[i + 1] = (int)end;
    }
    /* (has ends here: diag takes the slots) */
    int len = s->rp[n];
    s->ci = calc_arena_alloc(ar, (size_t)len + 1, sizeof *s->ci);
    s->rv = calc_arena_alloc(ar, (size_t)len + 1, sizeof *s->rv);
    if (!s->ci || !s->rv)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for the preconditioner");
    memset(s->rv, 0, (size_t)len * sizeof *s->rv);
    /* Cursors: lower part from rp[i], diagonal slot after the padded lower
     * part, upper part after it; columns come in ascending order. */
    for (int i = 0; i < n; i++) {
        s->diag[i] = s->rp[i] + chunk_up(lo[i]);
        lo[i] = s->rp[i];
        up[i] = s->diag[i] + 1;
        s->ci[s->diag[i]] = i;
    }
    for (int j = 0; j < n; j++)
        for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++) {
            int i = a->rowind[p], q = j < i ? lo[i]++ : j > i ? up[i]++ : s->diag[i];
            s->ci[q] = j;
            s->tpos[p] = q;
        }
    for (int i = 0; i < n; i++) { /* padding: -1 until dilu_pairs has run */
        for (int q = lo[i]; q < s->diag[i]; q++)
            s->ci[q] = -1;
        for (int q = up[i]; q < s->rp[i + 1]; q++)
            s->ci[q] = -1;
    }
    tj_status rc = dilu_pairs(s, err);
    for (int i = 0; i < n; i++) {
        int plo = i > CALC_PAD_DIST ? i - CALC_PAD_DIST : 0;
        int pup = i < n - 1 - CALC_PAD_DIST ? i + CALC_PAD_DIST : n - 1;
        for (int q = s->rp[i]; q < s->diag[i]; q++)
            s->ci[q] = s->ci[q] < 0 ? plo : s->ci[q];
        for (int q = s->diag[i] + 1; q < s->rp[i + 1]; q++)
            s->ci[q] = s->ci[q] < 0 ? pup : s->ci[q];
    }
    return rc;
}

/* D-ILU's diagonal on the current values: d_i = a_ii - sum over the pairs
 * k < i of a_ik a_ki / d_k, so that M = (D + L) D^-1 (D + U) has A's
 * diagonal and A's off-diagonal entries (ILU(0) keeps only A's pattern).
 * On the generated systems' loops GMRES takes as many steps with it as with
 * ILU(0) (7.5 against 7.4 on lca, 7.9 and 7.9 on core50, 9.4 against 9.2 on
 * ecoinvent, Monte Carlo means), and since its factors are A's own entries a
 * forward step reads L twice and U once instead of both twice (see
 * eis_step).  Returns 0 on a zero or non-finite pivot. */
static int dilu(calc_solver *s)
{
    int n = s->n;
    const int *dg = s->diag, *prp = s->prp, *pl = s->pl, *pu = s->pu;
    const double *rv = s->rv;
    double *jac = s->jac, *ad = s->ad;
    if (s->no_diag)
        return 0;
    for (int i = 0; i < n; i++) {
        double a = rv[dg[i]], d = a;
        for (int t = prp[i]; t < prp[i + 1]; t++)
            d -= rv[pl[t]] * rv[pu[t]] * jac[s->ci[pl[t]]];
        if (!(fabs(d) >= 1e-300) || !isfinite(d))
            return 0;
        jac[i] = 1.0 / d;
        ad[i] = a - d;
    }
    return 1;
}

/* The pairs of dilu from the CSR pattern and A's CSC (whose column i holds
 * row i of A^T): one pass with a mark per row. */
static tj_status dilu_pairs(calc_solver *s, tj_error *err)
{
    const calc_csc *a = s->a;
    int n = s->n, np = 0;
    int *mark = s->mark;
    for (int i = 0; i < n; i++)
        mark[i] = -1;
    for (int pass = 0; pass < 2; pass++) {
        np = 0;
        for (int i = 0; i < n; i++) {
            s->prp[i] = np;
            for (int p = a->colptr[i]; p < a->colptr[i + 1]; p++)
                if (a->rowind[p] < i)
                    mark[a->rowind[p]] = s->tpos[p]; /* A[k][i], k < i */
            for (int q = s->rp[i]; q < s->diag[i]; q++) {
                int k = s->ci[q];
                if (k >= 0 && mark[k] >= 0) { /* (k < 0: padding) */
                    if (pass) {
                        s->pl[np] = q;
                        s->pu[np] = mark[k];
                    }
                    np++;
                }
            }
            for (int p = a->colptr[i]; p < a->colptr[i + 1]; p++)
                if (a->rowind[p] < i)
                    mark[a->rowind[p]] = -1;
        }
        s->prp[n] = np;
        if (!pass) {
            s->pl = calc_arena_alloc(s->arena, (size_t)np + 1, sizeof *s->pl);
            s->pu = calc_arena_alloc(s->arena, (size_t)np + 1, sizeof *s->pu);
            if (!s->pl || !s->pu)
                return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for the preconditioner");
        }
    }
    return TJ_OK;
}

/* D-ILU of the current values (Jacobi if it meets a zero pivot). */
static void precond_refresh(calc_solver *s)
{
    int n = s->n;
    s->use_jacobi = !dilu(s);
    if (s->use_jacobi) /* else dilu left D^-1 in jac */
        for (int i = 0; i < n; i++) {
            double d = s->rv[s->diag[i]]; /* 0 where A has no entry */
            s->jac[i] = d != 0.0 ? 1.0 / d : 1.0;
        }
}

static tj_status it_values(calc_solver *s, tj_error *err)
{
    const calc_csc *a = s->a;
    int n = s->n, nnz = a->colptr[n];
    for (int p = 0; p < nnz; p++)
        s->rv[s->tpos[p]] = a->val[p];
    (void)err;
    /* New values (Monte Carlo): D-ILU's diagonal is recomputed (a few
     * operations per pair of entries; Eisenstat's product needs D to belong
     * to the current diagonal of A). */
    precond_refresh(s);
    return TJ_OK;
}

/* sum over q in [q, e) of rv[q] x[ci[q]]: one part of a row of the CSR copy
 * (e - q a multiple of CALC_ROW_CHUNK, see it_pattern), in four partial
 * sums: a quarter of the chain of dependent additions. */
static inline double row_dot(const double *rv, const int *ci, const double *x, int q, int e)
{
    double v0 = 0.0, v1 = 0.0, v2 = 0.0, v3 = 0.0;
    for (; q < e; q += CALC_ROW_CHUNK) {
        v0 += rv[q] * x[ci[q]];
        v1 += rv[q + 1] * x[ci[q + 1]];
        v2 += rv[q + 2] * x[ci[q + 2]];
        v3 += rv[q + 3] * x[ci[q + 3]];
    }
    return (v0 + v1) + (v2 + v3);
}

/* (D + L) y = r (y may be r): y_i = (r_i - sum_k<i a_ik y_k) / d_i. */
static void lsolve(const calc_solver *s, const double *r, double *y)
{
    const int *rp = s->rp, *ci = s->ci, *dg = s->diag;
    const double *rv = s->rv, *jac = s->jac;
    for (int i = 0; i < s->n; i++)
        y[i] = (r[i] - row_dot(rv, ci, y, rp[i], dg[i])) * jac[i];
}

/* (D + U) z = D u (z may be u): z_i = u_i - (sum_k>i a_ik z_k) / d_i. */
static void usolve(const calc_solver *s, const double *u, double *z)
{
    const int *rp = s->rp, *ci = s->ci, *dg = s->diag;
    const double *rv = s->rv, *jac = s->jac;
    for (int i = s->n - 1; i >= 0; i--)
        z[i] = u[i] - row_dot(rv, ci, z, dg[i] + 1, rp[i + 1]) * jac[i];
}

/* z = M^-1 r (trans: M^-T r) with D-ILU's M = (D + L) D^-1 (D + U), or
 * Jacobi. */
static void precond(const calc_solver *s, int trans, const double *r, double *z)
{
    int n = s->n;
    const int *rp = s->rp, *ci = s->ci, *dg = s->diag;
    const double *rv = s->rv, *jac = s->jac;
    if (s->use_jacobi) {
        for (int i = 0; i < n; i++)
            z[i] = jac[i] * r[i];
        return;
    }
    if (!trans) {
        lsolve(s, r, z);
        usolve(s, z, z);
        return;
    }
    /* M^T = (D + U^T) D^-1 (D + L^T): the rows of U and L are the columns
     * of U^T and L^T, so both solves scatter. */
    memcpy(z, r, (size_t)n * sizeof *z);
    for (int i = 0; i < n; i++) { /* (D + U^T) u = r */
        double v = z[i] * jac[i];
        z[i] = v;
        if (v != 0.0)
            for (int q = dg[i] + 1; q < rp[i + 1]; q += CALC_ROW_CHUNK) { /* whole chunks */
                z[ci[q]] -= rv[q] * v;
                z[ci[q + 1]] -= rv[q + 1] * v;
                z[ci[q + 2]] -= rv[q + 2] * v;
                z[ci[q + 3]] -= rv[q + 3] * v;
            }
    }
    for (int i = n - 1; i >= 0; i--) { /* (D + L^T) z = D u */
        double v = z[i];
        if (v != 0.0)
            for (int q = rp[i]; q < dg[i]; q += CALC_ROW_CHUNK) {
                z[ci[q]] -= rv[q] * v * jac[ci[q]];
                z[ci[q + 1]] -= rv[q + 1] * v * jac[ci[q + 1]];
                z[ci[q + 2]] -= rv[q + 2] * v * jac[ci[q + 2]];
                z[ci[q + 3]] -= rv[q + 3] * v * jac[ci[q + 3]];
            }
    }
}

/* One GMRES step's w = A M^-1 v with D-ILU's M (Eisenstat's trick, right
 * preconditioned): with u = (D + L)^-1 v and t = M^-1 v = (D + U)^-1 D u,
 * A = (D + L) + (D + U) + (diag(A) - 2 D) and D u = v - L u give
 *   A t = v + (diag(A) - D) t + L (t - u),
 * so the step reads L twice and U once where a preconditioner solve and a
 * product with A read L and U twice each (U holds about three quarters of
 * the generated loops' entries).  t is the step's direction in x. */
static void eis_step(const calc_solver *s, const double *v, double *t, double *w)
{
    const int *rp = s->rp, *ci = s->ci, *dg = s->diag;
    const double *rv = s->rv, *ad = s->ad;
    double *u = s->w[1];
    int n = s->n;
    lsolve(s, v, u);
    usolve(s, u, t);
    for (int i = 0; i < n; i++)
        u[i] = t[i] - u[i];
    for (int i = 0; i < n; i++)
        w[i] = v[i] + ad[i] * t[i] + row_dot(rv, ci, u, rp[i], dg[i]);
}

/* y = A x from the CSR copy (rv is refreshed by it_values): a gather per row,
 * with no clearing pass and no scattered stores. */
static void csr_mul(const calc_solver *s, const double *x, double *y)
{
    const int *rp = s->rp, *ci = s->ci, *dg = s->diag;
    const double *rv = s->rv;
    for (int i = 0; i < s->n; i++)
        y[i] = row_dot(rv, ci, x, rp[i], dg[i]) + rv[dg[i]] * x[i] + row_dot(rv, ci, x, dg[i] + 1, rp[i + 1]);
}

static void opmul(const calc_solver *s, int trans, const double *x, double *y)
{
    if (trans)
        calc_csc_tmatvec(s->a, x, y);
    else
        csr_mul(s, x, y);
}

/* r = b - op(A) x with the iterative solver's products; returns ||r||. */
static double it_residual(const calc_solver *s, int trans, const double *b, const double *x, double *r)
{
    opmul(s, trans, x, r);
    for (int i = 0; i < s->n; i++)
        r[i] = b[i] - r[i];
    return norm2(s->n, r);
}

/* Right-preconditioned BiCGSTAB, so r is the true residual of x. */
static tj_status bicgstab(calc_solver *s, int trans, const double *b, double *x, tj_error *err)
{
    int n = s->n;
    double *r = s->w[0], *r0 = s->w[1], *p = s->w[2], *v = s->w[3], *ph = s->w[4], *sv = s->w[5],
           *sh = s->w[6], *t = s->w[7];
    double nb = norm2(n, b);
    int it = 0;
    s->last_iterations = 0;
    if (n == 0 || nb == 0.0) {
        memset(x, 0, (size_t)n * sizeof *x);
        s->last_residual = 0.0;
        return TJ_OK;
    }
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            memset(x, 0, (size_t)n * sizeof *x);
            break;
        }
    double target = s->tol * nb * 0.5; /* margin for drift of the recursive residual */
    int zero = 1;
    for (int i = 0; i < n && zero; i++)
        zero = x[i] == 0.0;
    double rn;
    if (zero) { /* r = b - A 0: no product needed */
        memcpy(r, b, (size_t)n * sizeof *r);
        rn = nb;
    } else {
        rn = it_residual(s, trans, b, x, r);
    }
    int itmax = s->auto_mode ? CALC_AUTO_ITER_MAX : CALC_ITER_MAX;
    for (int restart = 0; restart <= CALC_ITER_RESTARTS && rn > target && it < itmax; restart++) {
        memcpy(r0, r, (size_t)n * sizeof *r0);
        memset(p, 0, (size_t)n * sizeof *p);
        memset(v, 0, (size_t)n * sizeof *v);
        double rho = 1.0, alpha = 1.0, omega = 1.0;
        while (it < itmax) {
            it++;
            double rho1 = dot(n, r0, r);
            if (rho1 == 0.0 || !isfinite(rho1))
                break;
            double beta = (rho1 / rho) * (alpha / omega);
            for (int i = 0; i < n; i++)
                p[i] = r[i] + beta * (p[i] - omega * v[i]);
            precond(s, trans, p, ph);
            opmul(s, trans, ph, v);
            double r0v = dot(n, r0, v);
            if (r0v == 0.0 || !isfinite(r0v))
                break;
            alpha = rho1 / r0v;
            for (int i = 0; i < n; i++)
                sv[i] = r[i] - alpha * v[i];
            double sn = norm2(n, sv);
            if (sn <= target) {
                for (int i = 0; i < n; i++)
                    x[i] += alpha * ph[i];
                rn = sn;
                break;
            }
            precond(s, trans, sv, sh);
            opmul(s, trans, sh, t);
            double tt = dot(n, t, t);
            if (tt == 0.0 || !isfinite(tt))
                break;
            omega = dot(n, t, sv) / tt;
            for (int i = 0; i < n; i++) {
                x[i] += alpha * ph[i] + omega * sh[i];
                r[i] = sv[i] - omega * t[i];
            }
            rn = norm2(n, r);
            rho = rho1;
            if (rn <= target || omega == 0.0 || !isfinite(rn))
                break;
        }
        /* Recompute the true residual (restart or final check).  Inside the
         * block solver a converged run trusts its recursive residual: the
         * block pass computes the true residual of the whole system anyway
         * and refines or refuses if it misses the tolerance. */
        if (s->in_block && rn <= target && isfinite(rn))
            break;
        rn = it_residual(s, trans, b, x, r);
        if (!isfinite(rn))
            break;
    }
    s->last_iterations = it;
    s->last_residual = rn / nb;
    if (s->last_residual <= s->tol)
        return TJ_OK;
    return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                        "BiCGSTAB did not converge: relative residual %.3g > %.3g after %d "
                        "iterations",
                        s->last_residual, s->tol, it);
}

/*
 * Right-preconditioned restarted GMRES(m) with D-ILU, in the flexible form
 * that keeps the preconditioned directions z_j = M^-1 v_j: each step costs
 * one preconditioner solve and one product with A, for forward solves in one
 * pass of Eisenstat's trick (see eis_step; BiCGSTAB's iteration costs two of
 * each and gains about two Krylov dimensions), and the update
 * x += Z y needs no further solve.  The basis is orthogonalised by modified
 * Gram-Schmidt and the least-squares problem is reduced by Givens
 * rotations, so |g[k]| is the residual of the current iterate (the true one
 * in exact arithmetic; it never increases).  Each restart recomputes the true
 * residual; inside the block solver a converged cycle trusts |g[k]| as
 * BiCGSTAB trusts its recursive residual (the block pass checks the whole
 * system).
 */
#define CALC_GMRES_M 30

/* A dot product with four partial sums (GMRES's orthogonalisation): four
 * independent additions per step instead of one chain, so it runs at the
 * speed of the loads and vectorises. */
static double dot4(int n, const double *x, const double *y)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++)
        s0 += x[i] * y[i];
    return (s0 + s1) + (s2 + s3);
}

/* w -= h v, then returns w . u with the updated w (u may be w), summed as
 * dot4 sums: modified Gram-Schmidt's update and its next product in one
 * sweep over w instead of two, with the same results. */
static double axpy_dot4(int n, double *w, double h, const double *v, const double *u)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        double w0 = w[i] - h * v[i], w1 = w[i + 1] - h * v[i + 1];
        double w2 = w[i + 2] - h * v[i + 2], w3 = w[i + 3] - h * v[i + 3];
        w[i] = w0, w[i + 1] = w1, w[i + 2] = w2, w[i + 3] = w3;
        s0 += w0 * u[i];
        s1 += w1 * u[i + 1];
        s2 += w2 * u[i + 2];
        s3 += w3 * u[i + 3];
    }
    for (; i < n; i++) {
        double wi = w[i] - h * v[i];
        w[i] = wi;
        s0 += wi * u[i];
    }
    return (s0 + s1) + (s2 + s3);
}

static tj_status gmres(calc_solver *s, int trans, const double *b, double *x, tj_error *err)
{
    int n = s->n;
    int m = n < CALC_GMRES_M ? n : CALC_GMRES_M;
    double *r = s->w[0];
    double nb = norm2(n, b);
    int it = 0;
    s->last_iterations = 0;
    if (n == 0 || nb == 0.0) {
        memset(x, 0, (size_t)n * sizeof *x);
        s->last_residual = 0.0;
        return TJ_OK;
    }
    if (!s->gv) {
        /* H ((m + 1) x m, column-major), then cs, sn, g (m + 1 each), y (m) */
        s->gh = calc_arena_alloc(s->arena, (size_t)(m + 1) * (size_t)m + 4 * (size_t)(m + 1), sizeof *s->gh);
        /* V and Z interleaved, v_0 z_0 v_1 z_1 ... v_m: a solve of k steps
         * touches the first 2k + 1 vectors only (fresh pages cost a fault) */
        s->gv = calc_arena_alloc(s->arena, (size_t)(2 * m + 1) * (size_t)n, sizeof *s->gv);
        s->gz = s->gv ? s->gv + n : NULL;
        if (!s->gv || !s->gh) {
            s->gv = s->gz = s->gh = NULL;
            return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for GMRES's basis");
        }
    }
    double *V = s->gv, *Z = s->gz, *H = s->gh;
    size_t n2 = 2 * (size_t)n; /* the stride of V's and Z's vectors */
    double *cs = H + (size_t)(m + 1) * (size_t)m, *sn = cs + m + 1, *g = sn + m + 1, *y = g + m + 1;
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            memset(x, 0, (size_t)n * sizeof *x);
            break;
        }
    /* The same margin as BiCGSTAB's, except inside the block solver: a loop's
     * tolerance is already half the whole system's share (loop_tol) and the
     * pass checks the whole residual, so a second halving only bought steps
     * (half a step less per solve on ecoinvent and in Monte Carlo on lca,
     * worst whole residual 4.9e-10 against 2.5e-10). */
    double target = s->tol * nb * (s->in_block ? 1.0 : 0.5);
    int zero = 1;
    for (int i = 0; i < n && zero; i++)
        zero = x[i] == 0.0;
    double rn;
    if (zero) { /* r = b - A 0: no product needed */
        memcpy(r, b, (size_t)n * sizeof *r);
        rn = nb;
    } else {
        rn = it_residual(s, trans, b, x, r);
    }
    int itmax = s->auto_mode ? CALC_AUTO_ITER_MAX : CALC_ITER_MAX;
    int eis = !trans && !s->use_jacobi; /* see eis_step */
    while (rn > target && isfinite(rn) && it < itmax) {
        double inv = 1.0 / rn;
        for (int i = 0; i < n; i++)
            V[i] = r[i] * inv;
        g[0] = rn;
        int k = 0;
        double est = rn;
        while (k < m && it < itmax) {
            it++;
            double *vk = V + (size_t)k * n2, *zk = Z + (size_t)k * n2, *w = V + (size_t)(k + 1) * n2;
            double *hk = H + (size_t)k * (m + 1);
            if (eis) {
                eis_step(s, vk, zk, w);
            } else {
                precond(s, trans, vk, zk);
                opmul(s, trans, zk, w);
            }
            double h = dot4(n, w, V), hn2 = 0.0;
            for (int i = 0; i <= k; i++) {
                const double *vi = V + (size_t)i * n2;
                hk[i] = h;
                if (i < k)
                    h = axpy_dot4(n, w, h, vi, vi + n2);
                else
                    hn2 = axpy_dot4(n, w, h, vi, w);
            }
            double hn = sqrt(hn2);
            hk[k + 1] = hn;
            for (int i = 0; i < k; i++) { /* earlier rotations */
                double a = hk[i], c = hk[i + 1];
                hk[i] = cs[i] * a + sn[i] * c;
                hk[i + 1] = -sn[i] * a + cs[i] * c;
            }
            double den = hypot(hk[k], hk[k + 1]);
            if (!(den > 0.0) || !isfinite(den))
                break; /* breakdown: keep the first k directions */
            cs[k] = hk[k] / den;
            sn[k] = hk[k + 1] / den;
            hk[k] = den;
            hk[k + 1] = 0.0;
            g[k + 1] = -sn[k] * g[k];
            g[k] = cs[k] * g[k];
            k++;
            est = fabs(g[k]);
            if (est <= target || !(hn > 0.0))
                break; /* converged, or the space is invariant (exact) */
            inv = 1.0 / hn;
            for (int t = 0; t < n; t++)
                w[t] *= inv;
        }
        if (k == 0)
            break;
        for (int i = k - 1; i >= 0; i--) { /* H y = g, upper triangular */
            double v = g[i];
            for (int j = i + 1; j < k; j++)
                v -= H[(size_t)j * (m + 1) + i] * y[j];
            y[i] = v / H[(size_t)i * (m + 1) + i];
        }
        for (int j = 0; j < k; j++) {
            const double *zj = Z + (size_t)j * n2;
            double yj = y[j];
            for (int t = 0; t < n; t++)
                x[t] += yj * zj[t];
        }
        if (s->in_block && est <= target && isfinite(est)) {
            rn = est;
            break;
        }
        double prev = rn;
        rn = it_residual(s, trans, b, x, r);
        if (!(rn < prev))
            break; /* no progress over a whole cycle: give up */
    }
    s->last_iterations = it;
    s->last_residual = rn / nb;
    if (s->last_residual <= s->tol)
        return TJ_OK;
    return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                        "GMRES did not converge: relative residual %.3g > %.3g after %d iterations",
                        s->last_residual, s->tol, it);
}

static tj_status krylov_once(calc_solver *s, int trans, const double *b, double *x, tj_error *err)
{
    return s->gmres ? gmres(s, trans, b, x, err) : bicgstab(s, trans, b, x, err);
}

/* GMRES (or BiCGSTAB, see below).  If GMRES fails outside AUTO (which falls back
 * to KLU instead), BiCGSTAB from where GMRES stopped, and BiCGSTAB from then
 * on if it converges: restarted GMRES can stagnate where BiCGSTAB does not. */
static tj_status krylov(calc_solver *s, int trans, const double *b, double *x, tj_error *err)
{
    tj_status rc = krylov_once(s, trans, b, x, err);
    int its = s->last_iterations;
    if (rc == TJ_ERR_NUMERIC && s->gmres && !s->auto_mode) {
        tj_error sub;
        if (bicgstab(s, trans, b, x, &sub) == TJ_OK) {
            s->gmres = 0;
            tj_error_clear(err);
            rc = TJ_OK;
        }
        s->last_iterations += its;
    }
    return rc;
}

/* -------------------------------------------------------------- block --- */

/*
 * The structure-exploiting solver.  The strongly connected components of A's
 * graph (edge j -> i for each off-diagonal A[i][j]: process j consumes
 * product i) give a block triangular form.  In forward order (consumers
 * before suppliers) a single process j is solved by one division once every
 * consumer of its product is known, and its column is then scattered into
 * the running right-hand side; a block of two or more processes (a loop) is
 * gathered, solved by its own KLU or GMRES solver, and scattered.  Every
 * column is scattered whole (diagonal and in-block entries included), so at
 * the end the running vector is exactly b - A x: the residual of the whole
 * system comes out of the same pass over A's non-zeros.  The transposed
 * system runs the components backwards and gathers instead.
 */

static tj_status flat_new(const calc_csc *a, calc_solver_kind kind, double tol, calc_arena *arena,
                          calc_solver **out, calc_solver_diag *diag, tj_error *err);
static size_t flat_bytes(size_t n, size_t nnz);

/* The block solver's reason: its largest block's choice and the structure. */
static void block_reason(calc_solver *s)
{
    if (s->nblk == 0) {
        snprintf(s->reason, sizeof s->reason,
                 "substitution: no process is in a loop, so one pass in topological order solves "
                 "the system; %s",
                 s->base_reason);
        return;
    }
    const calc_solver *m = s->blk[s->main_blk].sub;
    s->shown_kind = calc_solver_kind_of(m);
    snprintf(s->reason, sizeof s->reason, "%.*s; %s", (int)(sizeof s->reason - sizeof s->base_reason - 4),
             calc_solver_reason(m), s->base_reason);
}

static void diag_block(calc_solver *s, const calc_block *b, int start, const double *xb, calc_solver_diag *d)
{
    if (!d)
        return;
    /* Processes whose activity turned negative first, then the rest. */
    for (int t = 0; t < b->size && xb; t++)
        if (!(xb[t] >= 0))
            diag_add(d, s->order[start + t]);
    for (int t = 0; t < b->size; t++)
        diag_add(d, s->order[start + t]);
}

static tj_status loop_gain_error(calc_solver *s, int bi, const double *xb, double worst, calc_solver_diag *d,
                                 tj_error *err)
{
    calc_block *b = &s->blk[bi];
    int start = s->cstart[b->comp];
    memset(&s->last_diag, 0, sizeof s->last_diag);
    diag_block(s, b, start, xb, &s->last_diag);
    if (d)
        *d = s->last_diag;
    return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                        "a loop of %d processes (column %d and the others named) consumes at least as "
                        "much of its own products as it makes (loop gain of 1 or more): its activities "
                        "would be negative (%.3g), so the system has no meaningful solution",
                        b->size, s->last_diag.ncols ? s->last_diag.cols[0] : -1, worst);
}

/* Copy the block's values from A; note whether it is a pure consumption loop.
 * If rv is not NULL, each value also goes to rv[tpos[p]] (an iterative loop
 * solver's CSR copy: its refactor in the same pass, see block_refactor). */
static void block_values_to(const calc_solver *s, calc_block *b, double *rv, const int *tpos)
{
    const double *v = s->a->val;
    int z = 1;
    for (int j = 0; j < b->m.ncols; j++)
        for (int p = b->m.colptr[j]; p < b->m.colptr[j + 1]; p++) {
            double x = v[b->src[p]];
            b->m.val[p] = x;
            if (rv)
                rv[tpos[p]] = x;
            if (b->m.rowind[p] == j ? !(x > 0) : !(x <= 0))
                z = 0;
        }
    b->zmat = z;
}

static void block_values(const calc_solver *s, calc_block *b)
{
    block_values_to(s, b, NULL, NULL);
}

/* Whether y proves that the Z-matrix block D - N has a gain below 1: if
 * y > 0 and q = (D - N) y > 0 row by row, then D^-1 N y = y - D^-1 q < y,
 * and for the non-negative matrix D^-1 N that bounds its spectral radius
 * below 1 (Collatz-Wielandt: rho <= max_i (D^-1 N y)_i / y_i), however y
 * was found.  Each q_i must exceed what rounding can do to its sum: (k + 2)
 * units in the last place of sum_j |A_ij| y_j for k <= size terms, counted
 * twice over.  q and mag: scratch of size entries. */
static int gain_proved(const calc_block *b, const double *y, double *q, double *mag)
{
    int n = b->size;
    const int *cp = b->m.colptr, *ri = b->m.rowind;
    const double *v = b->m.val;
    memset(q, 0, (size_t)n * sizeof *q);
    memset(mag, 0, (size_t)n * sizeof *mag);
    int ok = 1;
    for (int j = 0; j < n; j++) {
        double yj = y[j];
        ok &= yj > 0 && isfinite(yj);
        for (int p = cp[j]; p < cp[j + 1]; p++) {
            q[ri[p]] += v[p] * yj;
            mag[ri[p]] += fabs(v[p]) * yj;
        }
    }
    double slack = ((double)n + 2.0) * 2.0 * 2.3e-16;
    for (int i = 0; i < n; i++)
        ok &= q[i] > slack * mag[i];
    return ok;
}

/* A pure consumption loop (a Z-matrix block A = D - N) can be solved with
 * non-negative activities for every non-negative demand only if its gain
 * D^-1 N has spectral radius below 1; then x = A^-1 |A| 1 = 1 + 2 A^-1 N 1
 * >= 1 in every entry (|A| 1 = A 1 + 2 N 1, and A^-1 = sum_k (D^-1 N)^k
 * D^-1 >= 0), and otherwise some entry is below 1/2 or the solve fails.
 * One solve tells which.
 *
 * The right-hand side |A| 1 (each row's absolute sum) is chosen for the
 * proof: gain_proved asks every row of A y to exceed its rounding bound,
 * which scales with the same row sums, so rows of small units (g against
 * t) are held to their own scale.  With D 1 instead (the previous choice),
 * rows of processes with small reference amounts got a right-hand side
 * 10^6 times smaller than the flows into them, and even a solve to 1e-7 did
 * not prove the gain on the generated `lca` system (5 GMRES steps, then the
 * full solve); with |A| 1 a solve to 1e-4 proves it on every generated
 * variant in 3 or 4 steps (docs/solvers.md, session 10).
 *
 * An iterative loop solver therefore first solves to a relative residual
 * of 1e-4 only and asks gain_proved whether that x proves the gain below 1,
 * then, from there, to 1e-6 (a small generated near-unit system needs it);
 * without the proof the solve goes on to the tolerance and the sign of x
 * decides, as for a direct loop solver. */
static tj_status block_check_gain(calc_solver *s, int bi, calc_solver_diag *d, tj_error *err)
{
    calc_block *b = &s->blk[bi];
    if (!b->zmat)
        return TJ_OK;
    memset(b->rb, 0, (size_t)b->size * sizeof *b->rb);
    for (int j = 0; j < b->size; j++) {
        for (int p = b->m.colptr[j]; p < b->m.colptr[j + 1]; p++)
            b->rb[b->m.rowind[p]] += fabs(b->m.val[p]);
        b->xb[j] = 1.0;
    }
    calc_solver *sub = b->sub;
    /* Each trial goes on from the last one's x. */
    static const double trial_tol[] = {1e-4, 1e-6};
    for (size_t k = 0; k < sizeof trial_tol / sizeof trial_tol[0]; k++) {
        if (sub->kind != CALC_SOLVER_ITERATIVE || !(sub->tol < trial_tol[k]))
            break;
        double tol = sub->tol;
        sub->tol = trial_tol[k];
        tj_error e2;
        tj_status r2 = calc_solver_solve(sub, b->rb, b->xb, &e2);
        sub->tol = tol;
        if (sub->kind != CALC_SOLVER_ITERATIVE) /* AUTO's GMRES handed the loop to KLU */
            break;
        s->setup_iterations += sub->last_iterations;
        if (r2 == TJ_OK && gain_proved(b, b->xb, sub->w[1], sub->w[2])) {
            memset(b->xb, 0, (size_t)b->size * sizeof *b->xb);
            return TJ_OK;
        }
        if (r2 != TJ_OK) { /* the full solve starts afresh */
            for (int j = 0; j < b->size; j++)
                b->xb[j] = 1.0;
            break;
        }
    }
    tj_status rc = calc_solver_solve(b->sub, b->rb, b->xb, err);
    if (b->sub->kind == CALC_SOLVER_ITERATIVE)
        s->setup_iterations += b->sub->last_iterations;
    if (rc != TJ_OK)
        return rc;
    double worst = INFINITY;
    for (int j = 0; j < b->size; j++)
        worst = fmin(worst, b->xb[j]);
    if (!(worst >= 0.5))
        return loop_gain_error(s, bi, b->xb, worst, d, err);
    memset(b->xb, 0, (size_t)b->size * sizeof *b->xb);
    return TJ_OK;
}

/* The reciprocals of the single processes' diagonals (see dinv). */
static void single_dinv(calc_solver *s)
{
    const double *v = s->a->val;
    for (int i = 0; i < s->nsingle; i++)
        s->dinv[s->snode[i]] = 1.0 / v[s->sdpos[i]];
}

/* Position of A[j][j] in val, or -1: a binary search in the column's sorted
 * rows (a scan if the column is not sorted after all). */
static int diag_find(const calc_csc *a, int j)
{
    const int *ri = a->rowind;
    int b0 = a->colptr[j], b1 = a->colptr[j + 1], len = b1 - b0;
    if (len <= 0)
        return -1;
    /* The last entry with row <= j, without branches on the data (cmov). */
    const int *b = ri + b0;
    while (len > 1) {
        int half = len / 2;
        b = b[half] <= j ? b + half : b;
        len -= half;
    }
    if (*b == j)
        return (int)(b - ri);
    for (int p = b0; p < b1; p++)
        if (ri[p] == j)
            return p;
    return -1;
}

static tj_status block_new(const calc_csc *a, calc_solver_kind core_kind, double tol, calc_solver **out,
                           calc_solver_diag *diag, tj_error *err)
{
    tj_status rc = TJ_ERR_NOMEM;
    int n = a->ncols, largest = 0;
    int *loc = NULL;
    calc_solver *s = calloc(1, sizeof *s);
    if (!s)
        return tj_error_set(err, rc, NULL, "out of memory");
    s->a = a;
    s->n = n;
    s->tol = tol;
    s->block = 1;
    s->kind = CALC_SOLVER_AUTO;
    s->core_kind = core_kind;
    /* One arena for the structure's arrays (at most n / 2 loops) and, in
     * the same mapping if they fit, the loops' arrays and solvers (reserved
     * below once their sizes are known): room for one loop of every
     * process, address space only (pages are touched as they are used). */
    size_t un = (size_t)n, unnz = (size_t)a->colptr[n];
    s->arena = calc_arena_new(4 * (un + 1) * sizeof(double) + 7 * (un + 2) * sizeof(int) +
                              (un / 2 + 2) * sizeof(calc_block) + 16 * 64 + (un + 1) * 40 + (unnz + 1) * 16 +
                              flat_bytes(un, unnz));
    s->own_arena = 1;
    if (!s->arena)
        goto nomem;
    calc_arena *ar = s->arena;
    /* w[0..2] in one block: before the solves, Tarjan's workspace (5 n
     * ints) and then loc (n ints); a solve overwrites them before reading. */
    double *wb = calc_arena_alloc(ar, 3 * (un + 1), sizeof *wb);
    s->compof = calc_arena_alloc(ar, un + 1, sizeof *s->compof);
    s->dpos = calc_arena_alloc(ar, un + 1, sizeof *s->dpos);
    s->order = calc_arena_alloc(ar, un + 1, sizeof *s->order);
    if (!wb || !s->compof || !s->dpos || !s->order)
        goto nomem;
    for (int i = 0; i < 3; i++)
        s->w[i] = wb + (size_t)i * (un + 1);
    int ncomp = calc_csc_scc_ws(a, s->compof, &largest, (int *)wb);
    loc = (int *)wb;
    s->ncomp = ncomp;
    s->cstart = calc_arena_alloc(ar, (size_t)ncomp + 2, sizeof *s->cstart);
    s->cblk = calc_arena_alloc(ar, (size_t)ncomp + 1, sizeof *s->cblk);
    if (!s->cstart || !s->cblk)
        goto nomem;
    /* Tarjan numbers a component after every component it reaches (its
     * suppliers): forward order is by descending component number. */
    for (int j = 0; j < n; j++)
        s->cstart[ncomp - 1 - s->compof[j] + 1]++;
    for (int c = 0; c < ncomp; c++)
        s->cstart[c + 1] += s->cstart[c];
    memcpy(loc, s->cstart, (size_t)ncomp * sizeof *loc); /* cursor */
    for (int j = 0; j < n; j++)
        s->order[loc[ncomp - 1 - s->compof[j]]++] = j;
    for (int j = 0; j < n; j++) /* compof in forward numbering from here on */
        s->compof[j] = ncomp - 1 - s->compof[j];
    int nblk = 0, incore = 0;
    for (int c = 0; c < ncomp; c++) {
        int size = s->cstart[c + 1] - s->cstart[c];
        s->cblk[c] = size > 1 ? nblk++ : -1;
        incore += size > 1 ? size : 0;
    }
    s->blk = calc_arena_alloc(ar, (size_t)nblk + 1, sizeof *s->blk);
    s->sdpos = calc_arena_alloc(ar, (size_t)ncomp - (size_t)nblk + 1, sizeof *s->sdpos);
    s->snode = calc_arena_alloc(ar, (size_t)ncomp - (size_t)nblk + 1, sizeof *s->snode);
    s->dinv = calc_arena_alloc(ar, un + 1, sizeof *s->dinv);
    if (!s->blk || !s->sdpos || !s->snode || !s->dinv)
        goto nomem;
    /* The single processes with their reciprocal diagonals; one with no
     * output is singular (a zero diagonal block). */
    calc_solver_diag sd;
    memset(&sd, 0, sizeof sd);
    for (int c = 0; c < ncomp; c++)
        if (s->cblk[c] < 0) {
            int j = s->order[s->cstart[c]], p = diag_find(a, j);
            s->dpos[j] = p;
            double dj = p >= 0 ? a->val[p] : 0.0;
            if (dj == 0.0) {
                diag_add(&sd, j);
                continue;
            }
            s->snode[s->nsingle] = j;
            s->sdpos[s->nsingle++] = p;
            s->dinv[j] = 1.0 / dj;
        }
    if (sd.ncols > 0) {
        if (diag)
            *diag = sd;
        rc = tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                          "the technology matrix is singular: column %d has no output of its own product "
                          "(zero diagonal) and is in no loop",
                          sd.cols[0]);
        goto fail;
    }
    s->nblk = nblk;
    /* The loops' sizes, then everything they will take from the arena
     * (their own arrays and their solvers') reserved in one chunk. */
    int core_nnz = 0;
    size_t need = 0;
    for (int c = 0; c < ncomp; c++) {
        int bi = s->cblk[c];
        if (bi < 0)
            continue;
        calc_block *b = &s->blk[bi];
        int start = s->cstart[c], size = s->cstart[c + 1] - start;
        b->comp = c;
        b->size = size;
        int cnt = 0;
        for (int t = 0; t < size; t++) {
            int j = s->order[start + t];
            for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++)
                cnt += s->compof[a->rowind[p]] == c;
        }
        b->nnz = cnt;
        core_nnz += cnt;
        size_t us = (size_t)size + 1, uc = (size_t)cnt + 1, ext = 1;
        for (int t = 0; t < size; t++) { /* the entries outside the loop (xpos) */
            int j = s->order[start + t];
            ext += (size_t)(a->colptr[j + 1] - a->colptr[j]);
        }
        ext -= (size_t)cnt;
        need += us * sizeof(int) + uc * (2 * sizeof(int) + sizeof(double)) + 4 * us * sizeof(double) + 10 * 64 +
                (us + ext) * sizeof(int) + flat_bytes((size_t)size, (size_t)cnt);
    }
    (void)calc_arena_reserve(ar, need); /* if refused, the arena grows as used */
    for (int c = 0; c < ncomp; c++) {
        int bi = s->cblk[c];
        if (bi < 0)
            continue;
        calc_block *b = &s->blk[bi];
        int start = s->cstart[c], size = b->size, cnt = b->nnz;
        /* Nodes of a component are in ascending order, so local row indices
         * stay sorted within each column. */
        for (int t = 0; t < size; t++)
            loc[s->order[start + t]] = t;
        b->m.nrows = b->m.ncols = size;
        b->m.colptr = calc_arena_alloc(ar, (size_t)size + 1, sizeof *b->m.colptr);
        b->m.rowind = calc_arena_alloc(ar, (size_t)cnt + 1, sizeof *b->m.rowind);
        b->m.val = calc_arena_alloc(ar, (size_t)cnt + 1, sizeof *b->m.val);
        b->src = calc_arena_alloc(ar, (size_t)cnt + 1, sizeof *b->src);
        b->rb = calc_arena_alloc(ar, (size_t)size + 1, sizeof *b->rb);
        b->xb = calc_arena_alloc(ar, (size_t)size + 1, sizeof *b->xb);
        if (!b->m.colptr || !b->m.rowind || !b->m.val || !b->src || !b->rb || !b->xb)
            goto nomem;
        cnt = 0;
        for (int t = 0; t < size; t++) {
            int j = s->order[start + t];
            b->m.colptr[t] = cnt;
            for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++)
                if (s->compof[a->rowind[p]] == c) {
                    b->m.rowind[cnt] = loc[a->rowind[p]];
                    b->src[cnt++] = p;
                }
        }
        b->m.colptr[size] = cnt;
        block_values(s, b);
        calc_solver_diag bd;
        memset(&bd, 0, sizeof bd);
        rc = flat_new(&b->m, core_kind, tol, s->arena, &b->sub, &bd, err);
        if (rc != TJ_OK) {
            if (diag) {
                for (int i = 0; i < bd.ncols; i++)
                    if (bd.cols[i] >= 0 && bd.cols[i] < size)
                        diag_add(diag, s->order[start + bd.cols[i]]);
                diag->rcond = bd.rcond;
            }
            tj_error_prefix(err, "loop of %d processes", size);
            goto fail;
        }
        b->sub->in_block = 1;
        if (b->sub->kind == CALC_SOLVER_ITERATIVE) {
            b->rprev[0] = calc_arena_alloc(ar, (size_t)size + 1, sizeof *b->rprev[0]);
            b->rprev[1] = calc_arena_alloc(ar, (size_t)size + 1, sizeof *b->rprev[1]);
            int next = 0;
            for (int t = 0; t < size; t++) {
                int j = s->order[start + t];
                next += a->colptr[j + 1] - a->colptr[j];
            }
            next -= cnt; /* cnt: the entries inside the loop */
            b->xptr = calc_arena_alloc(ar, (size_t)size + 1, sizeof *b->xptr);
            b->xpos = calc_arena_alloc(ar, (size_t)next + 1, sizeof *b->xpos);
            if (!b->rprev[0] || !b->rprev[1] || !b->xptr || !b->xpos)
                goto nomem;
            next = 0;
            for (int t = 0; t < size; t++) {
                int j = s->order[start + t];
                b->xptr[t] = next;
                for (int p = a->colptr[j]; p < a->colptr[j + 1]; p++)
                    if (s->compof[a->rowind[p]] != c)
                        b->xpos[next++] = p;
            }
            b->xptr[size] = next;
        }
        if (size > s->blk[s->main_blk].size)
            s->main_blk = bi;
        rc = block_check_gain(s, bi, diag, err);
        if (rc != TJ_OK)
            goto fail;
    }
    snprintf(s->base_reason, sizeof s->base_reason,
             "%d of %d processes are solved by substitution in topological order and %d in %d "
             "loop%s (largest %d processes, %d non-zeros in loops)",
             n - incore, n, incore, nblk, nblk == 1 ? "" : "s", nblk ? s->blk[s->main_blk].size : 0, core_nnz);
    block_reason(s);
    *out = s;
    return TJ_OK;
nomem:
    rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory analysing the matrix's loops");
fail:
    calc_solver_free(s);
    return rc;
}

/* The tolerance a loop's iterative solver gets for one solve.  The loop's
 * rows keep its residual to the end of the pass, so it is the loop's share of
 * the whole system's residual: aim at half the whole tolerance relative to
 * the pass's ||b|| rather than relative to the loop's own right-hand side
 * (which gathers the consumption of everything downstream and can be far
 * larger or smaller): a target relative to it missed the whole tolerance on
 * the generated systems and cost a refinement pass, a second pass over A,
 * on every further demand.  At most 1e-6 (tight enough for the loop-gain
 * sign check).  The share is not clamped from below at a fixed 1e-11 any
 * more: where the loop gathers far more than the demand (ecoinvent-sized
 * system, first demand: ||rb|| = 3,590 ||b||, share 1.4e-13) the clamp left
 * the whole residual to luck (9.9e-10 against 1e-9; past it, a refinement
 * pass doubled the solve).  The only floor left is CALC_LOOP_TOL_FLOOR,
 * about 50 rounding units, below which a relative residual is not
 * reachable; a share below it ends in a refinement pass, and the residual of
 * the whole system is checked in any case.  A direct (KLU) loop solver keeps
 * its own. */
#define CALC_LOOP_TOL_FLOOR 1e-14
static void loop_tol(const calc_solver *s, calc_block *bl, double nb, double nrb)
{
    if (bl->sub->kind != CALC_SOLVER_ITERATIVE)
        return;
    double t = nrb > 0 ? 0.5 * s->tol * nb / nrb : s->tol;
    bl->sub->tol = t < CALC_LOOP_TOL_FLOOR ? CALC_LOOP_TOL_FLOOR : (t > 1e-6 ? 1e-6 : t);
}

/* Whether a loop's iterative solver should start from the caller's guess:
 * only if its right-hand side points the same way as last time (cosine
 * 0.9 or more: Monte Carlo draws, refinement of the same demand); a
 * further demand for other products gathers a different right-hand side
 * in the loop, and a start from zero costs no product with A and fewer
 * iterations than a start from an unrelated solution.  Remembers rb. */
static int warm_start(calc_block *bl, int trans, const double *rb)
{
    double *prev = bl->rprev[trans];
    if (!prev)
        return 1; /* a direct loop solver ignores the guess */
    double d = 0, n1 = 0, n2 = 0;
    for (int t = 0; t < bl->size; t++) {
        d += rb[t] * prev[t];
        n1 += rb[t] * rb[t];
        n2 += prev[t] * prev[t];
    }
    int warm = bl->have_prev[trans] && d >= 0.9 * sqrt(n1) * sqrt(n2);
    memcpy(prev, rb, (size_t)bl->size * sizeof *prev);
    bl->have_prev[trans] = 1;
    return warm;
}

/* The forward pass over single processes order[k0 .. k1): the stretch
 * between two loops (no lookup of components per process). */
static void single_run(const calc_solver *s, int k0, int k1, double *x, double *r)
{
    const int *cp = s->a->colptr, *ri = s->a->rowind, *order = s->order;
    const double *v = s->a->val, *dinv = s->dinv;
    for (int k = k0; k < k1; k++) {
        int j = order[k];
        double xj = r[j] * dinv[j];
        x[j] = xj;
        if (xj != 0.0)
            for (int p = cp[j]; p < cp[j + 1]; p++)
                r[ri[p]] -= v[p] * xj;
    }
}

/* Forward pass: x = A^-1 b block by block, r = b - A x. */
static tj_status block_pass(calc_solver *s, const double *b, double *x, double *r, double nb, tj_error *err)
{
    const calc_csc *a = s->a;
    const int *cp = a->colptr, *ri = a->rowind, *order = s->order;
    const double *v = a->val;
    memcpy(r, b, (size_t)s->n * sizeof *r);
    int next = 0; /* loops are numbered in forward order */
    for (int bi = 0; bi < s->nblk; bi++) {
        calc_block *bl = &s->blk[bi];
        int k = s->cstart[bl->comp];
        single_run(s, next, k, x, r);
        next = k + bl->size;
        const int *nodes = order + k;
        double rmin = INFINITY, rr = 0;
        for (int t = 0; t < bl->size; t++) {
            double rt = r[nodes[t]];
            bl->rb[t] = rt;
            rr += rt * rt;
            rmin = rt < rmin ? rt : rmin; /* as fmin (NaN ignored), inline */
        }
        int warm = warm_start(bl, 0, bl->rb);
        for (int t = 0; t < bl->size; t++) {
            double xt = x[nodes[t]];
            bl->xb[t] = warm && isfinite(xt) ? xt : 0.0;
        }
        loop_tol(s, bl, nb, sqrt(rr));
        tj_status rc = calc_solver_solve(bl->sub, bl->rb, bl->xb, err);
        if (rc != TJ_OK) {
            memset(&s->last_diag, 0, sizeof s->last_diag);
            diag_block(s, bl, k, NULL, &s->last_diag);
            tj_error_prefix(err, "loop of %d processes", bl->size);
            return rc;
        }
        /* An iterative loop: its rows' residual rb - A_loop xb by a gather
         * over its CSR copy (four partial sums a row, no stores to r in
         * between), and only its columns' entries outside it scattered; one
         * read of the loop's entries either way, but the gather runs faster
         * than read-modify-write stores.  A KLU loop scatters whole columns. */
        double xmin = 0, xmax = 0, *ax = NULL;
        if (bl->xptr && bl->sub->kind == CALC_SOLVER_ITERATIVE) {
            ax = bl->sub->w[8];
            csr_mul(bl->sub, bl->xb, ax);
        }
        for (int t = 0; t < bl->size; t++) {
            int j = nodes[t];
            double xj = bl->xb[t];
            x[j] = xj;
            xmin = xj < xmin ? xj : xmin;
            xmax = fabs(xj) > xmax ? fabs(xj) : xmax;
            if (ax) {
                r[j] = bl->rb[t] - ax[t];
                if (xj != 0.0)
                    for (int e = bl->xptr[t]; e < bl->xptr[t + 1]; e++)
                        r[ri[bl->xpos[e]]] -= v[bl->xpos[e]] * xj;
            } else if (xj != 0.0) {
                for (int p = cp[j]; p < cp[j + 1]; p++)
                    r[ri[p]] -= v[p] * xj;
            }
        }
        /* A consumption loop fed a non-negative demand must give
         * non-negative activities (see block_check_gain). */
        if (bl->zmat && rmin >= 0 && xmin < -1e-6 * xmax)
            return loop_gain_error(s, bi, bl->xb, xmin, NULL, err);
    }
    single_run(s, next, s->n, x, r);
    return TJ_OK;
}

/* The transposed pass over single processes order[k1 - 1] down to
 * order[k0]. */
static void single_trun(const calc_solver *s, int k0, int k1, const double *b, double *x, double *r)
{
    const int *cp = s->a->colptr, *ri = s->a->rowind, *order = s->order, *dpos = s->dpos;
    const double *v = s->a->val, *dinv = s->dinv;
    for (int k = k1 - 1; k >= k0; k--) {
        int j = order[k];
        double a0 = b[j], a1 = 0.0, d = v[dpos[j]];
        x[j] = 0.0;
        int p = cp[j], e = cp[j + 1];
        for (; p + 2 <= e; p += 2) { /* two partial sums: half the chain */
            a0 -= v[p] * x[ri[p]];
            a1 -= v[p + 1] * x[ri[p + 1]];
        }
        if (p < e)
            a0 -= v[p] * x[ri[p]];
        double acc = a0 + a1, xj = acc * dinv[j];
        x[j] = xj;
        r[j] = acc - d * xj;
    }
}

/* Transposed pass: x = A^-T b, r = b - A^T x. */
static tj_status block_tpass(calc_solver *s, const double *b, double *x, double *r, double nb, tj_error *err)
{
    const calc_csc *a = s->a;
    const int *cp = a->colptr, *ri = a->rowind, *order = s->order, *compof = s->compof;
    const double *v = a->val;
    int end = s->n; /* singles after the loop below, up to end, come first */
    for (int bi = s->nblk - 1; bi >= 0; bi--) {
        calc_block *bl = &s->blk[bi];
        int c = bl->comp, k = s->cstart[c];
        single_trun(s, k + bl->size, end, b, x, r);
        end = k;
        const int *nodes = order + k;
        double rr = 0;
        if (bl->xptr) { /* the entries outside the loop, listed at setup */
            for (int t = 0; t < bl->size; t++) {
                double acc = b[nodes[t]];
                for (int e = bl->xptr[t]; e < bl->xptr[t + 1]; e++) {
                    int p = bl->xpos[e];
                    acc -= v[p] * x[ri[p]];
                }
                bl->rb[t] = acc;
                rr += acc * acc;
            }
        } else {
            for (int t = 0; t < bl->size; t++) {
                int j = nodes[t];
                double acc = b[j];
                for (int p = cp[j]; p < cp[j + 1]; p++)
                    if (compof[ri[p]] != c)
                        acc -= v[p] * x[ri[p]];
                bl->rb[t] = acc;
                rr += acc * acc;
            }
        }
        int warm = warm_start(bl, 1, bl->rb);
        for (int t = 0; t < bl->size; t++) {
            double xt = x[nodes[t]];
            bl->xb[t] = warm && isfinite(xt) ? xt : 0.0;
        }
        loop_tol(s, bl, nb, sqrt(rr));
        tj_status rc = calc_solver_solve_transpose(bl->sub, bl->rb, bl->xb, err);
        if (rc != TJ_OK) {
            memset(&s->last_diag, 0, sizeof s->last_diag);
            diag_block(s, bl, k, NULL, &s->last_diag);
            tj_error_prefix(err, "loop of %d processes", bl->size);
            return rc;
        }
        for (int t = 0; t < bl->size; t++)
            x[nodes[t]] = bl->xb[t];
        if (bl->xptr && bl->sub->kind == CALC_SOLVER_ITERATIVE) {
            /* rb - A_loop^T xb from the loop's own CSC (its values follow
             * every refactor): no test of each entry's component */
            double *ax = bl->sub->w[8];
            calc_csc_tmatvec(&bl->m, bl->xb, ax);
            for (int t = 0; t < bl->size; t++)
                r[nodes[t]] = bl->rb[t] - ax[t];
        } else {
            for (int t = 0; t < bl->size; t++) {
                int j = nodes[t];
                double acc = bl->rb[t];
                for (int p = cp[j]; p < cp[j + 1]; p++)
                    if (compof[ri[p]] == c)
                        acc -= v[p] * x[ri[p]];
                r[j] = acc;
            }
        }
    }
    single_trun(s, 0, end, b, x, r);
    return TJ_OK;
}

static tj_status block_solve(calc_solver *s, int trans, const double *b, double *x, tj_error *err)
{
    int n = s->n;
    double *r = s->w[0], *d = s->w[1], *r2 = s->w[2];
    double nb = norm2(n, b);
    s->last_iterations = 1;
    s->last_passes = 1;
    if (n == 0 || nb == 0.0) {
        memset(x, 0, (size_t)n * sizeof *x);
        s->last_residual = 0.0;
        return TJ_OK;
    }
    tj_status rc = trans ? block_tpass(s, b, x, r, nb, err) : block_pass(s, b, x, r, nb, err);
    if (rc != TJ_OK)
        return rc;
    double res = norm2(n, r) / nb;
    for (int step = 0; step < CALC_REFINE_STEPS && !(res <= s->tol) && isfinite(res); step++) {
        memset(d, 0, (size_t)n * sizeof *d);
        s->last_passes++;
        rc = trans ? block_tpass(s, r, d, r2, norm2(n, r), err) : block_pass(s, r, d, r2, norm2(n, r), err);
        if (rc != TJ_OK)
            return rc;
        for (int i = 0; i < n; i++)
            x[i] += d[i];
        double *t = r;
        r = r2;
        r2 = t;
        res = norm2(n, r) / nb;
    }
    s->last_residual = res;
    if (s->nblk > 0) {
        const calc_solver *m = s->blk[s->main_blk].sub;
        s->last_iterations = calc_solver_last_iterations(m);
        if (calc_solver_kind_of(m) != s->shown_kind)
            block_reason(s); /* AUTO's GMRES handed the loop over to KLU */
    }
    if (res <= s->tol)
        return TJ_OK;
    return tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                        "the solution misses the tolerance: relative residual %.3g > %.3g", res, s->tol);
}

static tj_status refactor_values(calc_solver *s, tj_error *err);

static tj_status block_refactor(calc_solver *s, tj_error *err)
{
    const double *v = s->a->val;
    int zero = 0;
    for (int i = 0; i < s->nsingle; i++) /* branch-free: vectorised */
        zero |= v[s->sdpos[i]] == 0.0;
    for (int c = 0; c < s->ncomp && zero; c++) {
        int j = s->order[s->cstart[c]];
        if (s->cblk[c] < 0 && v[s->dpos[j]] == 0.0) {
            memset(&s->last_diag, 0, sizeof s->last_diag);
            diag_add(&s->last_diag, j);
            return tj_error_set(err, TJ_ERR_NUMERIC, NULL, "column %d has a zero output of its own product", j);
        }
    }
    single_dinv(s);
    /* A's values are finite here (calc_solver_refactor checked them, or the
     * caller of calc_solver_refactor_finite drew them so), so the loops'
     * solvers take theirs without a second check; an iterative loop's CSR
     * copy is filled in the same pass as the loop's values. */
    for (int bi = 0; bi < s->nblk; bi++) {
        calc_block *b = &s->blk[bi];
        calc_solver *sub = b->sub;
        tj_status rc = TJ_OK;
        if (!sub->block && sub->kind == CALC_SOLVER_ITERATIVE) {
            block_values_to(s, b, sub->rv, sub->tpos);
            precond_refresh(sub);
        } else {
            block_values(s, b);
            rc = refactor_values(sub, err);
        }
        if (rc != TJ_OK) {
            memset(&s->last_diag, 0, sizeof s->last_diag);
            diag_block(s, b, s->cstart[b->comp], NULL, &s->last_diag);
            tj_error_prefix(err, "loop of %d processes", b->size);
            return rc;
        }
    }
    return TJ_OK;
}

/* ------------------------------------------------------------ public --- */

/* What a flat solver of n columns and nnz entries takes from its arena at
 * most (each block rounded up to 64 bytes): work vectors, the CSR copy and
 * D-ILU, GMRES's basis. */
static size_t flat_bytes(size_t n, size_t nnz)
{
    size_t m = n < CALC_GMRES_M ? n : CALC_GMRES_M;
    size_t b = 9 * ((n + 1) * sizeof(double) + 64);                              /* w */
    b += 4 * ((n + 1) * sizeof(int) + 64) + 2 * ((n + 1) * sizeof(double) + 64); /* rp, diag, mark, prp, jac, ad */
    size_t pad = nnz + (2 * (CALC_ROW_CHUNK - 1) + 1) * n;                        /* padded CSR (it_pattern) */
    b += 3 * ((nnz + 1) * sizeof(int) + 64);                                      /* tpos, pl, pu */
    b += (pad + 1) * sizeof(int) + (pad + 1) * sizeof(double) + 2 * 64;           /* ci, rv */
    b += ((2 * m + 1) * n + (m + 1) * m + 4 * (m + 1)) * sizeof(double) + 2 * 64; /* GMRES */
    return b;
}

static tj_status flat_new(const calc_csc *a, calc_solver_kind kind, double tol, calc_arena *arena,
                          calc_solver **out, calc_solver_diag *diag, tj_error *err)
{
    tj_status rc;
    calc_solver *s = NULL;

    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof *diag);
    s = calloc(1, sizeof *s);
    if (!s)
        return tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
    s->a = a;
    s->n = a->ncols;
    s->tol = tol;
    s->gmres = 1; /* BiCGSTAB only if GMRES fails (see krylov) */
    s->arena = arena;
    if (!arena) {
        s->arena = calc_arena_new(flat_bytes((size_t)s->n, (size_t)a->colptr[s->n]));
        s->own_arena = 1;
    }
    if (!s->arena) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < sizeof s->w / sizeof s->w[0]; i++) {
        s->w[i] = calc_arena_alloc(s->arena, (size_t)s->n + 1, sizeof *s->w[i]);
        if (!s->w[i]) {
            rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
    }
    klu_defaults(&s->common);
    s->common.btf = 1;
    s->common.ordering = 0; /* AMD on each diagonal block */
    s->common.scale = 2;    /* max row scaling */
    s->common.halt_if_singular = 0;

    double nnz = (double)a->colptr[s->n];
    if (kind == CALC_SOLVER_AUTO && nnz > CALC_AUTO_ANALYZE_NNZ) {
        kind = CALC_SOLVER_ITERATIVE;
        s->auto_mode = 1;
        snprintf(s->reason, sizeof s->reason,
                 "GMRES with D-ILU: the coupled block of %d processes has %.0f non-zeros, more "
                 "than the %d up to which KLU's symbolic analysis is cheaper than a preconditioned "
                 "trial solve (KLU takes over if GMRES does not converge within %d iterations)",
                 s->n, nnz, CALC_AUTO_ANALYZE_NNZ, CALC_AUTO_ITER_MAX);
    } else if (kind == CALC_SOLVER_AUTO) {
        s->sym = klu_analyze(s->n, a->colptr, a->rowind, &s->common);
        if (!s->sym) {
            rc = tj_error_set(err, TJ_ERR_INTERNAL, NULL, "klu_analyze failed (status %d)", s->common.status);
            goto out;
        }
        double fill = s->sym->lnz + s->sym->unz;
        double bytes = fill * (sizeof(double) + sizeof(int));
        double mflop = s->sym->est_flops / 1e6;
        double ratio = fill / (nnz > 0 ? nnz : 1);
        s->auto_mode = 1;
        if (s->sym->structural_rank >= 0 && s->sym->structural_rank < s->n) {
            /* Structurally singular: KLU names the columns. */
            kind = CALC_SOLVER_KLU;
            snprintf(s->reason, sizeof s->reason, "KLU: the matrix is structurally singular (rank %d of %d)",
                     s->sym->structural_rank, s->n);
        } else if (fill > CALC_AUTO_FILL_RATIO * (nnz + s->n) || bytes > CALC_AUTO_FILL_BYTES) {
            kind = CALC_SOLVER_ITERATIVE;
            snprintf(s->reason, sizeof s->reason,
                     "GMRES with D-ILU: LU factors of the largest coupled block (%d "
                     "processes) would hold about %.0f entries, %.0fx the %.0f of the matrix",
                     s->sym->maxblock, fill, ratio, nnz);
        } else if (mflop > CALC_AUTO_MFLOP) {
            kind = CALC_SOLVER_ITERATIVE;
            snprintf(s->reason, sizeof s->reason,
                     "GMRES with D-ILU: factorising the largest coupled block (%d "
                     "processes) would cost about %.0f Mflop (fill %.1fx nnz), more than a few "
                     "preconditioned iterations",
                     s->sym->maxblock, mflop, ratio);
        } else {
            kind = CALC_SOLVER_KLU;
            snprintf(s->reason, sizeof s->reason,
                     "KLU: the matrix splits into %d blocks (largest %d processes) and the "
                     "predicted LU fill of %.0f entries is %.1fx the %.0f of the matrix (%.0f "
                     "Mflop)",
                     s->sym->nblocks, s->sym->maxblock, fill, ratio, nnz, mflop);
        }
    } else if (kind == CALC_SOLVER_KLU) {
        snprintf(s->reason, sizeof s->reason, "KLU: direct sparse LU was requested");
    } else {
        snprintf(s->reason, sizeof s->reason,
                 "GMRES with D-ILU: the iterative solver was "
                 "requested");
    }
    s->kind = kind;

    if (kind == CALC_SOLVER_KLU) {
        rc = klu_setup(s, diag, err);
    } else {
        rc = it_pattern(s, err);
        if (rc == TJ_OK)
            rc = it_values(s, err);
        if (rc == TJ_OK && diag && s->use_jacobi) /* (only read then, below) */
            diag_structural(a, diag);
        if (rc == TJ_OK && diag && diag->ncols > 0 && s->use_jacobi) {
            /* Zero pivots with empty or zero-diagonal columns: almost surely
             * singular; name the columns rather than iterate to no end. */
            rc = tj_error_set(err, TJ_ERR_NUMERIC, NULL,
                              "the technology matrix looks singular: column %d has no "
                              "diagonal entry",
                              diag->cols[0]);
        } else if (diag) {
            diag->ncols = 0;
        }
    }
out:
    if (rc != TJ_OK) {
        calc_solver_free(s);
        return rc;
    }
    *out = s;
    return TJ_OK;
}

tj_status calc_solver_new(const calc_csc *a, calc_solver_kind kind, double tol, calc_solver **out,
                          calc_solver_diag *diag, tj_error *err)
{
    *out = NULL;
    if (diag)
        memset(diag, 0, sizeof *diag);
    tj_status rc = validate(a, err);
    if (rc != TJ_OK)
        return rc;
    if (!(tol > 0.0) || !(tol < 1.0))
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "solver tolerance %g is not in (0, 1)", tol);
    switch (kind) {
    case CALC_SOLVER_KLU:
    case CALC_SOLVER_ITERATIVE: return flat_new(a, kind, tol, NULL, out, diag, err);
    case CALC_SOLVER_AUTO: return block_new(a, CALC_SOLVER_AUTO, tol, out, diag, err);
    case CALC_SOLVER_BLOCK_KLU: return block_new(a, CALC_SOLVER_KLU, tol, out, diag, err);
    case CALC_SOLVER_BLOCK_ITERATIVE: return block_new(a, CALC_SOLVER_ITERATIVE, tol, out, diag, err);
    }
    return tj_error_set(err, TJ_ERR_USAGE, NULL, "unknown solver kind %d", (int)kind);
}

/* AUTO picked GMRES and it failed to converge: switch to KLU for good. */
static tj_status auto_fallback(calc_solver *s, tj_error *err)
{
    if (!s->auto_mode)
        return TJ_ERR_NUMERIC;
    s->auto_mode = 0;
    tj_error sub;
    tj_status rc = klu_setup(s, NULL, &sub);
    if (rc != TJ_OK)
        return rc; /* the caller keeps GMRES's error, which names the residual */
    s->kind = CALC_SOLVER_KLU;
    snprintf(s->reason, sizeof s->reason,
             "KLU: GMRES with D-ILU did not converge (%.3g "
             "after %d iterations), so the direct solver took over",
             s->last_residual, s->last_iterations);
    tj_error_clear(err);
    return TJ_OK;
}

tj_status calc_solver_solve(calc_solver *s, const double *b, double *x, tj_error *err)
{
    if (s->block)
        return block_solve(s, 0, b, x, err);
    if (s->kind == CALC_SOLVER_KLU)
        return klu_solve_checked(s, 0, b, x, err);
    tj_status rc = krylov(s, 0, b, x, err);
    if (rc == TJ_ERR_NUMERIC && auto_fallback(s, err) == TJ_OK)
        return klu_solve_checked(s, 0, b, x, err);
    return rc;
}

tj_status calc_solver_solve_transpose(calc_solver *s, const double *b, double *x, tj_error *err)
{
    if (s->block)
        return block_solve(s, 1, b, x, err);
    if (s->kind == CALC_SOLVER_KLU)
        return klu_solve_checked(s, 1, b, x, err);
    tj_status rc = krylov(s, 1, b, x, err);
    if (rc == TJ_ERR_NUMERIC && auto_fallback(s, err) == TJ_OK)
        return klu_solve_checked(s, 1, b, x, err);
    return rc;
}

static tj_status refactor_values(calc_solver *s, tj_error *err)
{
    if (s->block)
        return block_refactor(s, err);
    if (s->kind == CALC_SOLVER_KLU)
        return klu_refactor_checked(s, err);
    return it_values(s, err);
}

tj_status calc_solver_refactor(calc_solver *s, tj_error *err)
{
    tj_status rc = validate(s->a, err);
    if (rc != TJ_OK)
        return rc;
    return refactor_values(s, err);
}

tj_status calc_solver_refactor_finite(calc_solver *s, tj_error *err)
{
    if (!s->a || s->a->nrows != s->a->ncols)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "the technology matrix must be square");
    return refactor_values(s, err);
}

tj_status calc_solver_klu_predict(const calc_csc *a, double *fill, double *mflop, int *maxblock,
                                  tj_error *err)
{
    tj_status rc = validate(a, err);
    if (rc != TJ_OK)
        return rc;
    klu_common c;
    klu_defaults(&c);
    c.btf = 1;
    c.ordering = 0;
    klu_symbolic *sym = klu_analyze(a->ncols, a->colptr, a->rowind, &c);
    if (!sym)
        return tj_error_set(err, c.status == KLU_OUT_OF_MEMORY ? TJ_ERR_NOMEM : TJ_ERR_INTERNAL, NULL,
                            "klu_analyze failed (status %d)", c.status);
    if (fill)
        *fill = sym->lnz + sym->unz;
    if (mflop)
        *mflop = sym->est_flops / 1e6;
    if (maxblock)
        *maxblock = sym->maxblock;
    klu_free_symbolic(&sym, &c);
    return TJ_OK;
}

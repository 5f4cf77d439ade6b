/*
 * calc/solver: solve A x = b for a square sparse technology matrix.
 *
 * Two solvers behind one interface: a direct sparse LU (SuiteSparse KLU,
 * which permutes the matrix to block triangular form and factorises each
 * strongly connected block) and a preconditioned iterative solver (restarted
 * GMRES with a D-ILU preconditioner, warm-started from the previous
 * solution; BiCGSTAB if GMRES stagnates).
 * CALC_SOLVER_AUTO picks one per system (see calc_solver_new) and says which.
 * Every solve is checked by its relative residual ||A x - b|| / ||b|| against
 * the tolerance given at creation.
 *
 * The solver keeps a pointer to the matrix given at creation: the caller
 * keeps the matrix alive, and may change its values (never its pattern)
 * before calling calc_solver_refactor.
 */
#ifndef CALC_SOLVER_H
#define CALC_SOLVER_H

#include "calc/sparse.h"

typedef enum calc_solver_kind {
    CALC_SOLVER_AUTO = 0,
    CALC_SOLVER_KLU = 1,
    CALC_SOLVER_ITERATIVE = 2,
    /* The block solver with its loops forced to one solver (AUTO is the
     * block solver choosing per loop); KLU and ITERATIVE above work on the
     * whole matrix. */
    CALC_SOLVER_BLOCK_KLU = 3,
    CALC_SOLVER_BLOCK_ITERATIVE = 4,
} calc_solver_kind;

typedef struct calc_solver calc_solver;

/* Columns implicated when a system is singular or ill-conditioned, for the
 * caller to name the processes involved.  Optional out-parameter. */
typedef struct calc_solver_diag {
    int ncols;
    int cols[16];
    double rcond; /* reciprocal condition estimate, if computed (else 0) */
} calc_solver_diag;

/* Analyse and factorise a.  tol is the relative residual every solve must
 * meet (e.g. 1e-9).  Fails with TJ_ERR_NUMERIC (and fills diag) if a is
 * singular or too ill-conditioned to meet tol. */
tj_status calc_solver_new(const calc_csc *a, calc_solver_kind kind, double tol, calc_solver **out,
                          calc_solver_diag *diag, tj_error *err);

/* Solve a x = b.  For the iterative solver x on entry is the starting guess
 * (pass zeros or the previous solution); KLU ignores it. */
tj_status calc_solver_solve(calc_solver *s, const double *b, double *x, tj_error *err);

/* Solve a^T x = b (upstream intensities for contribution analysis). */
tj_status calc_solver_solve_transpose(calc_solver *s, const double *b, double *x, tj_error *err);

/* Re-factorise after the values (not the pattern) of the matrix changed,
 * reusing the symbolic analysis. */
tj_status calc_solver_refactor(calc_solver *s, tj_error *err);

/* The same without the scan of every value for infinities and NaNs, for a
 * caller that knows every value is finite (Monte Carlo checks its draws as
 * it makes them; the other values were checked at setup).  A non-finite
 * value passed here is not detected before the solve. */
tj_status calc_solver_refactor_finite(calc_solver *s, tj_error *err);

calc_solver_kind calc_solver_kind_of(const calc_solver *s);
/* 1 for the block solver (AUTO, BLOCK_*): every pure consumption loop
 * (a Z-matrix block) was checked at setup to have a gain below 1, so its
 * activities are non-negative for every non-negative demand. */
int calc_solver_checks_loop_gain(const calc_solver *s);
const char *calc_solver_name(const calc_solver *s); /* "klu", "gmres-dilu", "triangular", ... */
double calc_solver_last_residual(const calc_solver *s);
int calc_solver_last_iterations(const calc_solver *s); /* 1 for direct solves */
/* Block solver: passes over A in the last solve, 1 + refinement passes (a
 * pass whose loops missed their share of the tolerance costs another); 1
 * for the other solvers. */
int calc_solver_last_passes(const calc_solver *s);
/* Block solver: the Krylov steps its setup took to prove the iterative
 * loops' gains below 1 (see block_check_gain); 0 for the other solvers and
 * for loops solved by KLU. */
int calc_solver_setup_iterations(const calc_solver *s);
/* Columns implicated in the last failed solve or refactor (a loop whose
 * gain is 1 or more, a block that did not converge); ncols 0 if none. */
const calc_solver_diag *calc_solver_last_diag(const calc_solver *s);
/* Why AUTO chose this solver, one sentence (static or owned by s). */
const char *calc_solver_reason(const calc_solver *s);

void calc_solver_free(calc_solver *s);

/* KLU's symbolic prediction for a (BTF + AMD), without factorising:
 * entries of L + U, factorisation Mflop, size of the largest diagonal
 * block.  Any out-parameter may be NULL. */
tj_status calc_solver_klu_predict(const calc_csc *a, double *fill, double *mflop, int *maxblock,
                                  tj_error *err);

#endif

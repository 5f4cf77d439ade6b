/*
 * calc/sparse: compressed sparse column (CSC) matrices.
 *
 * A calc_csc owns its three arrays.  calc_csc_release frees them and leaves
 * the struct zeroed; the struct itself is the caller's.
 */
#ifndef CALC_SPARSE_H
#define CALC_SPARSE_H

#include "tanji/error.h"

typedef struct calc_csc {
    int nrows, ncols;
    int *colptr;  /* ncols + 1 */
    int *rowind;  /* colptr[ncols] entries, sorted within each column */
    double *val;  /* colptr[ncols] entries */
} calc_csc;

/* Build from nnz triplets (duplicates are summed).  If map is not NULL it
 * receives, for each triplet k, the index in val[] it was summed into, so that
 * values can later be re-assembled cheaply (Monte Carlo). */
tj_status calc_csc_from_triplets(int nrows, int ncols, int nnz, const int *ri, const int *ci,
                                 const double *v, calc_csc *out, int *map, tj_error *err);

/* y = M x (y has nrows entries) and y = M^T x (y has ncols entries). */
void calc_csc_matvec(const calc_csc *m, const double *x, double *y);
void calc_csc_tmatvec(const calc_csc *m, const double *x, double *y);

void calc_csc_release(calc_csc *m);

/* Strongly connected components of the square matrix's graph (edge j->i for
 * each off-diagonal entry A[i][j]).  Returns the number of components; if
 * comp is not NULL it receives each node's component id, and *largest the
 * size of the largest component.  Returns -1 if out of memory. */
int calc_csc_scc(const calc_csc *a, int *comp, int *largest);

/* The same with the caller's workspace of 5 * min(nrows, ncols) ints and a
 * comp array (not NULL); allocates nothing and cannot fail. */
int calc_csc_scc_ws(const calc_csc *a, int *comp, int *largest, int *ws);

#endif

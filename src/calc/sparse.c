/* Compressed sparse column matrices; see calc/sparse.h. */
#include "calc/sparse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void calc_csc_release(calc_csc *m)
{
    if (!m)
        return;
    free(m->colptr);
    free(m->rowind);
    free(m->val);
    memset(m, 0, sizeof *m);
}

tj_status calc_csc_from_triplets(int nrows, int ncols, int nnz, const int *ri, const int *ci, const double *v,
                                 calc_csc *out, int *map, tj_error *err)
{
    tj_status rc = TJ_OK;
    int *byrow = NULL, *bycol = NULL, *colcnt = NULL;

    memset(out, 0, sizeof *out);
    if (nrows < 0 || ncols < 0 || nnz < 0 || ncols == INT_MAX || nrows == INT_MAX)
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "bad matrix dimensions %d x %d with %d entries", nrows,
                            ncols, nnz);
    if (nnz > 0 && (!ri || !ci || !v))
        return tj_error_set(err, TJ_ERR_USAGE, NULL, "missing triplet arrays");
    for (int k = 0; k < nnz; k++) {
        if (ri[k] < 0 || ri[k] >= nrows || ci[k] < 0 || ci[k] >= ncols)
            return tj_error_set(err, TJ_ERR_INPUT, NULL,
                                "matrix entry %d at (%d, %d) lies outside the %d x %d matrix", k, ri[k],
                                ci[k], nrows, ncols);
    }

    colcnt = calloc((size_t)ncols + 1, sizeof *colcnt);
    bycol = malloc(((size_t)nnz + 1) * sizeof *bycol);
    out->colptr = calloc((size_t)ncols + 1, sizeof *out->colptr);
    if (!colcnt || !bycol || !out->colptr) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory building a %d x %d matrix", nrows, ncols);
        goto out;
    }

    /* Stable bucket sort by column (a sequential pass when the triplets come
     * column by column, as they usually do), then each column stably by row:
     * insertion sort for the short columns of LCA matrices, a merge sort
     * through byrow (borrowed as scratch) for long ones.  Equal rows keep
     * triplet order, so duplicates are summed in that order. */
    for (int k = 0; k < nnz; k++)
        colcnt[ci[k] + 1]++;
    for (int j = 0; j < ncols; j++)
        colcnt[j + 1] += colcnt[j];
    for (int k = 0; k < nnz; k++)
        bycol[colcnt[ci[k]]++] = k;
    /* colcnt[j] now is the end of column j; the start is colcnt[j-1]. */
    for (int j = 0, start = 0; j < ncols; j++) {
        int end = colcnt[j], len = end - start;
        int *c = bycol + start;
        if (len <= 32) {
            for (int t = 1; t < len; t++) {
                int k = c[t], r = ri[k], u = t;
                while (u > 0 && ri[c[u - 1]] > r) {
                    c[u] = c[u - 1];
                    u--;
                }
                c[u] = k;
            }
        } else {
            if (!byrow && !(byrow = malloc(((size_t)nnz + 1) * sizeof *byrow))) {
                rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory building a %d x %d matrix", nrows,
                                  ncols);
                goto out;
            }
            int *tmp = byrow;
            for (int w = 1; w < len; w *= 2) { /* bottom-up merge sort, stable */
                for (int lo = 0; lo < len; lo += 2 * w) {
                    int mid = lo + w < len ? lo + w : len, hi = lo + 2 * w < len ? lo + 2 * w : len;
                    int a = lo, b = mid, o = lo;
                    while (a < mid && b < hi)
                        tmp[o++] = ri[c[b]] < ri[c[a]] ? c[b++] : c[a++];
                    while (a < mid)
                        tmp[o++] = c[a++];
                    while (b < hi)
                        tmp[o++] = c[b++];
                }
                memcpy(c, tmp, (size_t)len * sizeof *c);
            }
        }
        start = end;
    }

    /* Count distinct entries. */
    int total = 0;
    for (int j = 0, start = 0; j < ncols; j++) {
        int end = colcnt[j];
        int last = -1;
        for (int t = start; t < end; t++) {
            int r = ri[bycol[t]];
            if (r != last) {
                total++;
                last = r;
            }
        }
        start = end;
    }
    out->rowind = malloc(((size_t)total + 1) * sizeof *out->rowind);
    out->val = malloc(((size_t)total + 1) * sizeof *out->val);
    if (!out->rowind || !out->val) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory for %d matrix entries", total);
        goto out;
    }
    int pos = 0;
    for (int j = 0, start = 0; j < ncols; j++) {
        int end = colcnt[j];
        int last = -1;
        out->colptr[j] = pos;
        for (int t = start; t < end; t++) {
            int k = bycol[t];
            if (ri[k] != last) {
                last = ri[k];
                out->rowind[pos] = last;
                out->val[pos] = 0.0;
                pos++;
            }
            out->val[pos - 1] += v[k];
            if (map)
                map[k] = pos - 1;
        }
        start = end;
    }
    out->colptr[ncols] = pos;
    out->nrows = nrows;
    out->ncols = ncols;

out:
    free(colcnt);
    free(byrow);
    free(bycol);
    if (rc != TJ_OK)
        calc_csc_release(out);
    return rc;
}

void calc_csc_matvec(const calc_csc *m, const double *x, double *y)
{
    memset(y, 0, (size_t)m->nrows * sizeof *y);
    for (int j = 0; j < m->ncols; j++) {
        double xj = x[j];
        if (xj == 0.0)
            continue;
        for (int p = m->colptr[j]; p < m->colptr[j + 1]; p++)
            y[m->rowind[p]] += m->val[p] * xj;
    }
}

/* Two partial sums per column: half the chain of dependent additions. */
void calc_csc_tmatvec(const calc_csc *m, const double *x, double *y)
{
    const int *cp = m->colptr, *ri = m->rowind;
    const double *v = m->val;
    for (int j = 0; j < m->ncols; j++) {
        double s0 = 0.0, s1 = 0.0;
        int p = cp[j], e = cp[j + 1];
        for (; p + 2 <= e; p += 2) {
            s0 += v[p] * x[ri[p]];
            s1 += v[p + 1] * x[ri[p + 1]];
        }
        if (p < e)
            s0 += v[p] * x[ri[p]];
        y[j] = s0 + s1;
    }
}

/* Iterative Tarjan: an explicit call stack of (node, next edge) replaces the
 * recursion, so deep chains (tens of thousands of processes) are safe. */
int calc_csc_scc_ws(const calc_csc *a, int *comp, int *largest, int *ws)
{
    int n = a->ncols < a->nrows ? a->ncols : a->nrows;
    int ncomp = 0, big = 0;

    if (largest)
        *largest = 0;
    if (n <= 0)
        return 0;
    int *index = ws, *low = ws + n, *stack = ws + 2 * (size_t)n, *cnode = ws + 3 * (size_t)n,
        *cedge = ws + 4 * (size_t)n;
    for (int i = 0; i < n; i++)
        index[i] = -1;
    /* A node whose component is complete gets index INT_MAX: `index[w] <
     * low[v]` then stands for "w is on the stack and older" without an
     * on-stack array, and the edge loop keeps its position and low[v] in
     * registers (the scan over every non-zero of A is most of the cost). */
    int counter = 0, sp = 0, square = a->nrows <= a->ncols;
    const int *colptr = a->colptr, *rowind = a->rowind;
    for (int root = 0; root < n; root++) {
        if (index[root] >= 0)
            continue;
        int csp = 0;
        cnode[csp] = root;
        cedge[csp] = colptr[root];
        csp++;
        index[root] = low[root] = counter++;
        stack[sp++] = root;
        while (csp > 0) {
            int v = cnode[csp - 1];
            int e = cedge[csp - 1], end = colptr[v + 1], lowv = low[v];
            int descend = -1;
            if (square) { /* no extra rows to skip: one test less per entry */
                while (e < end) {
                    int w = rowind[e++];
                    int iw = index[w];
                    if (iw < 0) {
                        descend = w;
                        break;
                    }
                    lowv = iw < lowv ? iw : lowv; /* w == v: iw = index[v] >= lowv */
                }
            } else {
                while (e < end) {
                    int w = rowind[e++];
                    if (w >= n) /* a rectangular matrix's extra rows */
                        continue;
                    int iw = index[w];
                    if (iw < 0) {
                        descend = w;
                        break;
                    }
                    lowv = iw < lowv ? iw : lowv;
                }
            }
            low[v] = lowv;
            cedge[csp - 1] = e;
            if (descend >= 0) {
                int w = descend;
                index[w] = low[w] = counter++;
                stack[sp++] = w;
                cnode[csp] = w;
                cedge[csp] = colptr[w];
                csp++;
                continue;
            }
            /* v is finished. */
            if (lowv == index[v]) {
                int size = 0, w;
                do {
                    w = stack[--sp];
                    index[w] = INT_MAX;
                    comp[w] = ncomp;
                    size++;
                } while (w != v);
                if (size > big)
                    big = size;
                ncomp++;
            }
            csp--;
            if (csp > 0) {
                int u = cnode[csp - 1];
                if (lowv < low[u])
                    low[u] = lowv;
            }
        }
    }
    if (largest)
        *largest = big;
    return ncomp;
}

int calc_csc_scc(const calc_csc *a, int *comp, int *largest)
{
    int n = a->ncols < a->nrows ? a->ncols : a->nrows;
    if (largest)
        *largest = 0;
    if (n <= 0)
        return 0;
    int *ws = malloc((size_t)n * 5 * sizeof *ws);
    int *mycomp = comp ? NULL : malloc((size_t)n * sizeof *mycomp);
    int ncomp = -1;
    if (ws && (comp || mycomp))
        ncomp = calc_csc_scc_ws(a, comp ? comp : mycomp, largest, ws);
    free(ws);
    free(mycomp);
    return ncomp;
}

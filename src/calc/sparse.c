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
    int *rowcnt = NULL, *byrow = NULL, *bycol = NULL, *colcnt = NULL;

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

    rowcnt = calloc((size_t)nrows + 1, sizeof *rowcnt);
    colcnt = calloc((size_t)ncols + 1, sizeof *colcnt);
    byrow = malloc(((size_t)nnz + 1) * sizeof *byrow);
    bycol = malloc(((size_t)nnz + 1) * sizeof *bycol);
    out->colptr = calloc((size_t)ncols + 1, sizeof *out->colptr);
    if (!rowcnt || !colcnt || !byrow || !bycol || !out->colptr) {
        rc = tj_error_set(err, TJ_ERR_NOMEM, NULL, "out of memory building a %d x %d matrix", nrows, ncols);
        goto out;
    }

    /* Stable bucket sort by row, then by column: within each column the
     * triplets end up ordered by row. */
    for (int k = 0; k < nnz; k++)
        rowcnt[ri[k] + 1]++;
    for (int i = 0; i < nrows; i++)
        rowcnt[i + 1] += rowcnt[i];
    for (int k = 0; k < nnz; k++)
        byrow[rowcnt[ri[k]]++] = k;
    for (int k = 0; k < nnz; k++)
        colcnt[ci[k] + 1]++;
    for (int j = 0; j < ncols; j++)
        colcnt[j + 1] += colcnt[j];
    for (int t = 0; t < nnz; t++) {
        int k = byrow[t];
        bycol[colcnt[ci[k]]++] = k;
    }
    /* colcnt[j] now is the end of column j; the start is colcnt[j-1]. */

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
    free(rowcnt);
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

void calc_csc_tmatvec(const calc_csc *m, const double *x, double *y)
{
    for (int j = 0; j < m->ncols; j++) {
        double s = 0.0;
        for (int p = m->colptr[j]; p < m->colptr[j + 1]; p++)
            s += m->val[p] * x[m->rowind[p]];
        y[j] = s;
    }
}

/* Iterative Tarjan: an explicit call stack of (node, next edge) replaces the
 * recursion, so deep chains (tens of thousands of processes) are safe. */
int calc_csc_scc(const calc_csc *a, int *comp, int *largest)
{
    int n = a->ncols < a->nrows ? a->ncols : a->nrows;
    int ncomp = 0, big = 0;
    int *index = NULL, *low = NULL, *stack = NULL, *cnode = NULL, *cedge = NULL, *mycomp = NULL;
    char *onstack = NULL;

    if (largest)
        *largest = 0;
    if (n <= 0)
        return 0;
    index = malloc((size_t)n * sizeof *index);
    low = malloc((size_t)n * sizeof *low);
    stack = malloc((size_t)n * sizeof *stack);
    cnode = malloc((size_t)n * sizeof *cnode);
    cedge = malloc((size_t)n * sizeof *cedge);
    onstack = calloc((size_t)n, 1);
    if (!comp)
        comp = mycomp = malloc((size_t)n * sizeof *mycomp);
    if (!index || !low || !stack || !cnode || !cedge || !onstack || !comp) {
        ncomp = -1;
        goto out;
    }
    for (int i = 0; i < n; i++)
        index[i] = -1;

    int counter = 0, sp = 0;
    for (int root = 0; root < n; root++) {
        if (index[root] >= 0)
            continue;
        int csp = 0;
        cnode[csp] = root;
        cedge[csp] = a->colptr[root];
        csp++;
        index[root] = low[root] = counter++;
        stack[sp++] = root;
        onstack[root] = 1;
        while (csp > 0) {
            int v = cnode[csp - 1];
            int end = a->colptr[v + 1];
            int descended = 0;
            while (cedge[csp - 1] < end) {
                int w = a->rowind[cedge[csp - 1]++];
                if (w == v || w >= n)
                    continue;
                if (index[w] < 0) {
                    index[w] = low[w] = counter++;
                    stack[sp++] = w;
                    onstack[w] = 1;
                    cnode[csp] = w;
                    cedge[csp] = a->colptr[w];
                    csp++;
                    descended = 1;
                    break;
                } else if (onstack[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
            }
            if (descended)
                continue;
            /* v is finished. */
            if (low[v] == index[v]) {
                int size = 0, w;
                do {
                    w = stack[--sp];
                    onstack[w] = 0;
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
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
    if (largest)
        *largest = big;
out:
    free(index);
    free(low);
    free(stack);
    free(cnode);
    free(cedge);
    free(onstack);
    free(mycomp);
    return ncomp;
}

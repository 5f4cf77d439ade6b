#!/usr/bin/python3
"""How many GMRES steps a loop takes when its D-ILU preconditioner is split
for two threads (issue 16, session 11; a measurement, not part of tanji).

Reads DIR/<variant>/A.mtx and rhs.txt as written by bench_solver --out DIR,
takes the largest loop (strongly connected component) and the loop's
right-hand side of the further demand (the loop part of A x for x = A^-1 f2),
and runs right-preconditioned GMRES(30) to a relative residual of 1e-9 with
D-ILU (as calc/solver.c) in these settings:

  - the loop in its own order (what tanji does today);
  - the order [P1 P2 S]: S the loop's processes of highest degree (the
    hubs: electricity, heat, transport), P1 and P2 the two halves of the
    rest; the same D-ILU;
  - the same order with the entries between P1 and P2 left out of the
    preconditioner (they stay in A): then P1 and P2 have independent
    triangular solves, which is what two threads would need;
  - and with a band of 80 processes around the split moved into S.

usage: bench/loop_split_steps.py VARIANT [DIR]   (default DIR /tmp/tanji-solver-bench)
Step counts are what it is for (seconds for lca, about a minute for core50).
"""
import os
import sys

import numpy as np
import scipy.io as sio
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scipy_baseline import Block  # noqa: E402  (the block-triangular SciPy solve)

if len(sys.argv) not in (2, 3):
    sys.exit("usage: bench/loop_split_steps.py VARIANT [DIR]")
var = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/tanji-solver-bench"
for f in ("A.mtx", "rhs.txt"):
    if not os.path.isfile(f"{out}/{var}/{f}"):
        sys.exit(f"loop_split_steps: {out}/{var}/{f} is missing (run bench_solver --variant {var} --out {out})")
A = sio.mmread(f"{out}/{var}/A.mtx").tocsc()
rhs = np.loadtxt(f"{out}/{var}/rhs.txt")
n = A.shape[0]
_, lab = connected_components(A.T.tocsr(), directed=True, connection="strong")
big = np.bincount(lab).argmax()
core = np.where(lab == big)[0]
x = Block(A, "MMD_AT_PLUS_A").solve(rhs[:, 1])  # whole-matrix SuperLU takes minutes
Ac = A[core][:, core].tocsr()
rb = Ac @ x[core]
m = len(core)

def dilu_prec(B):
    """D-ILU of B: d_i = b_ii - sum_k<i b_ik b_ki / d_k; M = (D + L) D^-1 (D + U)."""
    B = B.tocsr()
    B.sort_indices()
    L = sp.tril(B, -1).tocsr()
    U = sp.triu(B, 1).tocsr()
    pairs = L.multiply(U.T.tocsr()).tocsr()  # b_ik b_ki for k < i
    d = B.diagonal().copy()
    for i in range(m):
        lo, hi = pairs.indptr[i], pairs.indptr[i + 1]
        if hi > lo:
            d[i] -= np.sum(pairs.data[lo:hi] / d[pairs.indices[lo:hi]])
    # triangular factors by SuperLU in the natural order without pivoting:
    # no fill, and much faster than spsolve_triangular
    opts = dict(permc_spec="NATURAL", diag_pivot_thresh=0.0)
    fl = splu((sp.diags(d) + L).tocsc(), **opts)
    fu = splu((sp.diags(d) + U).tocsc(), **opts)

    def apply(v):
        return fu.solve(d * fl.solve(v))
    return apply


def gmres_right(Aop, b, Minv, tol=1e-9, restart=30, maxit=300):
    x = np.zeros_like(b); nb = np.linalg.norm(b); it = 0
    while it < maxit:
        r = b - Aop @ x; beta = np.linalg.norm(r)
        if beta <= tol * nb: return x, it
        V = [r / beta]; Z = []; H = np.zeros((restart + 1, restart))
        for j in range(restart):
            z = Minv(V[j]); Z.append(z); w = Aop @ z; it += 1
            for i in range(j + 1):
                H[i, j] = w @ V[i]; w = w - H[i, j] * V[i]
            H[j + 1, j] = np.linalg.norm(w); V.append(w / H[j + 1, j])
            e = np.zeros(j + 2); e[0] = beta
            y, *_ = np.linalg.lstsq(H[:j + 2, :j + 1], e, rcond=None)
            res = np.linalg.norm(e - H[:j + 2, :j + 1] @ y)
            if res <= tol * nb: break
        x = x + np.array(Z).T @ y
    return x, it

def run(order, drop_parts=None, label=""):
    P = Ac[order][:, order].tocsr()
    b = rb[order]
    B = P.copy()
    if drop_parts is not None:
        part = drop_parts  # part id per new index: 0, 1, 2 (2 = separator)
        C = B.tocoo()
        keep = ~(((part[C.row] == 0) & (part[C.col] == 1)) | ((part[C.row] == 1) & (part[C.col] == 0)))
        dropped = (~keep).sum()
        B = sp.csr_matrix((C.data[keep], (C.row[keep], C.col[keep])), shape=P.shape)
    else:
        dropped = 0
    Minv = dilu_prec(B)
    xs, it = gmres_right(P, b, Minv)
    srows = ""
    if drop_parts is not None:  # the rows of S hold the hubs' sales: a serial part unless shared out
        srows = f", {np.sum(drop_parts[P.tocoo().row] == 2) / P.nnz:.0%} of the entries in the rows of S"
    res = np.linalg.norm(b - P @ xs) / np.linalg.norm(b)
    print(f"{var} {label}: {it} steps, dropped {dropped} of {P.nnz} entries{srows}, residual {res:.2e}")

ident = np.arange(m)
run(ident, label="original order, full D-ILU")
deg = np.diff(Ac.indptr) + np.diff(Ac.tocsc().indptr)
for frac in (60, 30):
    k = max(1, m // frac)
    S = np.argsort(-deg, kind="stable")[:k]
    isS = np.zeros(m, bool); isS[S] = True
    rest = np.where(~isS)[0]
    h = len(rest) // 2
    order = np.concatenate([rest[:h], rest[h:], np.sort(S)])
    part = np.concatenate([np.zeros(h, int), np.ones(len(rest) - h, int), 2 * np.ones(k, int)])
    run(order, None, f"[P1 P2 S], S = top {k} by degree, full D-ILU")
    run(order, part, f"[P1 P2 S], S = top {k} by degree, P1-P2 couplings dropped")
    # band separator: also put the 80 rows around the split into S
    band = rest[max(0, h - 40):h + 40]
    isS2 = isS.copy(); isS2[band] = True
    rest2 = np.where(~isS2)[0]; h2 = np.searchsorted(rest2, rest[h])
    S2 = np.where(isS2)[0]
    order2 = np.concatenate([rest2[:h2], rest2[h2:], S2])
    part2 = np.concatenate([np.zeros(h2, int), np.ones(len(rest2) - h2, int), 2 * np.ones(len(S2), int)])
    run(order2, part2, f"[P1 P2 S], S = top {k} + band of 80, couplings dropped")

#!/usr/bin/python3
"""SciPy baseline for bench_solver: solves the very same systems.

bench_solver writes DIR/<variant>/A.mtx (Matrix Market) and rhs.txt (columns
f1 f2 c: the first demand, a further demand and the direct GWP intensities
for the transpose solve).  For each method this script runs a child process
(with a time and memory limit, since a poor ordering can fill in badly) and
reports medians of several runs:

  splu-COLAMD, splu-MMD_AT_PLUS_A, splu-MMD_ATA, splu-NATURAL  (SuperLU)
  spsolve                                                      (one call)
  bicgstab-spilu, gmres-spilu                                  (iterative)
  bicgstab-jacobi, gmres-jacobi      (iterative, diagonal preconditioner,
                                      warm-started in Monte Carlo)
  block-COLAMD, block-MMD_AT_PLUS_A, block-NATURAL  (the block structure:
      strongly connected components by scipy.sparse.csgraph, permuted to
      block triangular form, splu of each loop with that ordering, the
      triangular stretches between loops by splu without pivoting (no fill),
      substitution between them)

Lines starting with RESULT are parsed by bench/run_solver_bench.sh.

usage: scipy_baseline.py [--dir DIR] [--variant lca|random|all] [--runs R]
                         [--mc ITER] [--timeout S] [--method NAME]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

SIGMA = 0.1  # lognormal noise (log-space sd) on off-diagonal entries, as bench_solver
TOL = 1e-9
# spilu with its defaults (COLAMD, partial pivoting) finds these matrices
# "exactly singular" (it drops the entries of rows in small units); the
# natural order without pivoting works and was the fastest that did.
ILU_OPTS = dict(drop_tol=1e-4, permc_spec="NATURAL", diag_pivot_thresh=0.0)
METHODS = ["block-COLAMD", "block-MMD_AT_PLUS_A", "block-NATURAL", "gmres-jacobi",
           "bicgstab-jacobi", "bicgstab-spilu", "gmres-spilu", "splu-COLAMD", "splu-MMD_AT_PLUS_A",
           "splu-MMD_ATA", "splu-NATURAL", "spsolve"]
VARIANTS = ["lca", "core50", "nearunit", "ecoinvent"]


class Block:
    """A in block triangular form: loops factorised, the rest substituted."""

    def __init__(self, a, spec):
        import numpy as np
        from scipy.sparse.csgraph import connected_components
        n = a.shape[0]
        # edge j -> i for A[i][j]; labels put every supplier before its consumers
        _, lab = connected_components(a.T.tocsr(), directed=True, connection="strong")
        order = np.argsort(lab, kind="stable")
        idx = a.copy()
        idx.data = np.arange(1, a.nnz + 1, dtype=float)  # + 1: no explicit zero to drop
        pidx = idx[order][:, order].tocsc()
        pidx.sort_indices()
        self.pmap = pidx.data.astype(np.int64) - 1
        pidx.data = self.pmap.astype(float) + 1.0
        self.p = pidx.copy()
        self.order, self.spec, self.n = order, spec, n
        sl = lab[order]
        size = np.bincount(sl)
        # segments: each loop alone, runs of single processes together
        segs, lo = [], 0
        starts = np.concatenate(([0], np.cumsum(size)))
        c = 0
        while c < len(size):
            if size[c] > 1:
                segs.append((starts[c], starts[c + 1], True))
                c += 1
            else:
                d = c
                while d < len(size) and size[d] == 1:
                    d += 1
                segs.append((starts[c], starts[d], False))
                c = d
        self.segs = segs
        # index maps of each diagonal block and of the coupling above it
        self.dmap, self.cmap, self.dpat, self.cpat = [], [], [], []
        for lo, hi, _ in segs:
            dblk = pidx[lo:hi, lo:hi].tocsc()
            cblk = pidx[:lo, lo:hi].tocsc()
            self.dmap.append(dblk.data.astype(np.int64) - 1)  # positions in a.data
            self.cmap.append(cblk.data.astype(np.int64) - 1)
            self.dpat.append(dblk)
            self.cpat.append(cblk)
        self.factor(a)

    def factor(self, a):
        import scipy.sparse.linalg as sla
        pdata = a.data
        self.lu, self.c = [], []
        for k, (lo, hi, loop) in enumerate(self.segs):
            d = self.dpat[k].copy()
            d.data = pdata[self.dmap[k]]
            c = self.cpat[k].copy()
            c.data = pdata[self.cmap[k]]
            if loop:
                lu = sla.splu(d, permc_spec=self.spec)
            else:  # upper triangular: no pivoting, no fill
                lu = sla.splu(d, permc_spec="NATURAL", diag_pivot_thresh=0.0)
            self.lu.append(lu)
            self.c.append(c)

    def core_fill(self):
        return sum(lu.L.nnz + lu.U.nnz for lu, (_, _, loop) in zip(self.lu, self.segs) if loop)

    def solve(self, b):
        import numpy as np
        r = b[self.order].copy()
        x = np.empty(self.n)
        for k in range(len(self.segs) - 1, -1, -1):
            lo, hi, _ = self.segs[k]
            xs = self.lu[k].solve(r[lo:hi])
            x[lo:hi] = xs
            if lo > 0:
                r[:lo] -= self.c[k] @ xs
        out = np.empty(self.n)
        out[self.order] = x
        return out

    def tsolve(self, b):
        import numpy as np
        r = b[self.order]
        y = np.empty(self.n)
        for k, (lo, hi, _) in enumerate(self.segs):
            rhs = r[lo:hi] - (self.c[k].T @ y[:lo] if lo > 0 else 0.0)
            y[lo:hi] = self.lu[k].solve(rhs, trans="T")
        out = np.empty(self.n)
        out[self.order] = y
        return out


def load(d):
    import numpy as np
    import scipy.io
    a = scipy.io.mmread(os.path.join(d, "A.mtx")).tocsc()
    a.sort_indices()
    rhs = np.loadtxt(os.path.join(d, "rhs.txt"))
    return a, rhs[:, 0].copy(), rhs[:, 1].copy(), rhs[:, 2].copy()


def relres(op, x, b):
    import numpy as np
    return np.linalg.norm(op @ x - b) / np.linalg.norm(b)


def iterative(kind, a, b, x0, m):
    import scipy.sparse.linalg as sla
    fn = sla.bicgstab if kind == "bicgstab" else sla.gmres
    # tolerance keyword: rtol since SciPy 1.12, tol before
    try:
        x, info = fn(a, b, x0=x0, rtol=TOL * 0.5, atol=0.0, M=m, maxiter=3000)
    except TypeError:
        x, info = fn(a, b, x0=x0, tol=TOL * 0.5, atol=0.0, M=m, maxiter=3000)
    if info != 0:
        raise RuntimeError(f"{kind} did not converge (info {info})")
    return x


def child(args):
    import numpy as np
    import scipy.sparse.linalg as sla
    a, f1, f2, c = load(os.path.join(args.dir, args.variant))
    n = a.shape[0]
    at = a.T.tocsc()
    method = args.method
    off = np.repeat(np.arange(n), np.diff(a.indptr)) != a.indices  # off-diagonal entries
    base = a.data.copy()
    rng = np.random.default_rng(42)

    def out(metric, value):
        print(f"RESULT {args.variant} scipy-{method} {metric} {value:.6g}", flush=True)

    def check(op, x, b, what):
        r = relres(op, x, b)
        if not r <= 1e-8:  # tanji meets 1e-9; SciPy's recurrences are allowed some drift
            raise RuntimeError(f"{what}: relative residual {r:.3g}")
        return r

    setup, solve1, further, trans = [], [], [], []
    started = time.perf_counter()

    def runs():
        # repeat args.runs times, but stop after 60 s once one run is done
        for r in range(args.runs):
            if r > 0 and time.perf_counter() - started > 60.0:
                return
            yield r
    if method.startswith("splu-"):
        spec = method[5:]
        opts = dict(permc_spec=spec)
        for _ in runs():
            t0 = time.perf_counter()
            lu = sla.splu(a, **opts)
            setup.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            x = lu.solve(f1)
            solve1.append(time.perf_counter() - t0)
            check(a, x, f1, "solve")
            t0 = time.perf_counter()
            x = lu.solve(f2)
            further.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            y = lu.solve(c, trans="T")
            trans.append(time.perf_counter() - t0)
            check(at, y, c, "transpose solve")
        out("fill_lu", lu.L.nnz + lu.U.nnz)

        def mc_step(x):
            lu = sla.splu(a, **opts)  # SuperLU in SciPy cannot refactor: factorise again
            return lu.solve(f1)
    elif method == "spsolve":
        for _ in runs():
            t0 = time.perf_counter()
            x = sla.spsolve(a, f1)
            setup.append(0.0)
            solve1.append(time.perf_counter() - t0)
            check(a, x, f1, "solve")
            t0 = time.perf_counter()
            x = sla.spsolve(a, f2)
            further.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            y = sla.spsolve(at, c)
            trans.append(time.perf_counter() - t0)
            check(at, y, c, "transpose solve")

        def mc_step(x):
            return sla.spsolve(a, f1)
    elif method.startswith("block-"):
        spec = method[6:]
        for _ in runs():
            t0 = time.perf_counter()
            blk = Block(a, spec)
            setup.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            x = blk.solve(f1)
            solve1.append(time.perf_counter() - t0)
            check(a, x, f1, "solve")
            t0 = time.perf_counter()
            x = blk.solve(f2)
            further.append(time.perf_counter() - t0)
            check(a, x, f2, "further solve")
            t0 = time.perf_counter()
            y = blk.tsolve(c)
            trans.append(time.perf_counter() - t0)
            check(at, y, c, "transpose solve")
        out("core_fill_lu", blk.core_fill())

        def mc_step(x):
            blk.factor(a)  # no refactor in SciPy's SuperLU: factorise the loops again
            return blk.solve(f1)
    elif method.endswith("-jacobi"):
        kind = method.split("-")[0]
        import scipy.sparse as sp

        def jacobi():
            return sp.diags(1.0 / a.diagonal()).tocsr()
        for _ in runs():
            t0 = time.perf_counter()
            m = jacobi()
            setup.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            x = iterative(kind, a, f1, None, m)
            solve1.append(time.perf_counter() - t0)
            check(a, x, f1, "solve")
            t0 = time.perf_counter()
            x = iterative(kind, a, f2, None, m)
            further.append(time.perf_counter() - t0)
            check(a, x, f2, "further solve")
            t0 = time.perf_counter()
            y = iterative(kind, at, c, None, m)
            trans.append(time.perf_counter() - t0)
            check(at, y, c, "transpose solve")

        def mc_step(x):
            return iterative(kind, a, f1, x, jacobi())  # warm start, new diagonal
    else:
        kind = method.split("-")[0]
        for _ in runs():
            t0 = time.perf_counter()
            ilu = sla.spilu(a, **ILU_OPTS)
            m = sla.LinearOperator(a.shape, ilu.solve)
            setup.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            x = iterative(kind, a, f1, None, m)
            solve1.append(time.perf_counter() - t0)
            check(a, x, f1, "solve")
            t0 = time.perf_counter()
            x = iterative(kind, a, f2, None, m)
            further.append(time.perf_counter() - t0)
            mt = sla.LinearOperator(a.shape, lambda v: ilu.solve(v, trans="T"))
            t0 = time.perf_counter()
            y = iterative(kind, at, c, None, mt)
            trans.append(time.perf_counter() - t0)
            check(at, y, c, "transpose solve")

        def mc_step(x):
            ilu = sla.spilu(a, **ILU_OPTS)
            m = sla.LinearOperator(a.shape, ilu.solve)
            return iterative(kind, a, f1, x, m)  # warm start, as tanji does

    s, t1 = statistics.median(setup), statistics.median(solve1)
    out("setup_s", s)
    out("solve_s", t1)
    out("setup_plus_solve_s", s + t1)
    out("further_demand_s", statistics.median(further))
    out("transpose_solve_s", statistics.median(trans))

    # Monte Carlo: perturb, refactor, solve; at most args.mc draws or ~budget seconds.
    rates, done, x = [], 0, np.zeros(n)
    budget_end = time.perf_counter() + args.mc_budget
    batch = max(1, args.mc // 5)
    while done < args.mc and time.perf_counter() < budget_end:
        cnt = min(batch, args.mc - done)
        spent = 0.0
        noff = int(off.sum())
        for _ in range(cnt):
            t0 = time.perf_counter()  # the whole draw: sampling, factorisation, solve
            a.data[:] = base
            a.data[off] *= np.exp(SIGMA * rng.standard_normal(noff))
            x = mc_step(x)
            spent += time.perf_counter() - t0
            if time.perf_counter() > budget_end:
                cnt = _ + 1
                break
        rates.append(cnt / spent)
        done += cnt
    a.data[:] = base
    out("mc_iterations_per_s", statistics.median(rates))
    out("mc_draws_timed", done)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out("peak_rss_mib", rss)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dir", default="/tmp/tanji-solver-bench")
    p.add_argument("--variant", default="all")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--mc", type=int, default=1000)
    p.add_argument("--mc-budget", type=float, default=20.0,
                   help="seconds of Monte Carlo per method at most")
    p.add_argument("--timeout", type=float, default=180.0)
    p.add_argument("--mem-gib", type=float, default=3.0)
    p.add_argument("--method", default=None)
    p.add_argument("--methods", default=None, help="comma-separated subset of the methods")
    args = p.parse_args()
    if args.method:
        if args.variant == "all":
            sys.exit("--method needs --variant")
        limit = int(args.mem_gib * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        child(args)
        return
    import scipy
    print(f"SciPy {scipy.__version__} (SuperLU; UMFPACK is not used by spsolve here)")
    variants = VARIANTS if args.variant == "all" else args.variant.split(",")
    for v in variants:
        if not os.path.exists(os.path.join(args.dir, v, "A.mtx")):
            print(f"{v}: no matrix in {args.dir}; run bench_solver first")
            continue
        for m in (args.methods.split(",") if args.methods else METHODS):
            cmd = [sys.executable, __file__, "--dir", args.dir, "--variant", v, "--method", m,
                   "--runs", str(args.runs), "--mc", str(args.mc),
                   "--mc-budget", str(args.mc_budget), "--mem-gib", str(args.mem_gib)]
            t0 = time.perf_counter()
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                sys.stdout.write(r.stdout)
                if r.returncode != 0:
                    err = (r.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"RESULT {v} scipy-{m} failed 1")
                    print(f"{v} / {m}: failed: {err}")
            except subprocess.TimeoutExpired as e:
                part = e.output or b""
                sys.stdout.write(part.decode() if isinstance(part, bytes) else part)
                print(f"RESULT {v} scipy-{m} failed 1")
                print(f"{v} / {m}: gave up after {time.perf_counter() - t0:.0f} s")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Build and run the solver benchmark and its SciPy baseline on the same
# generated systems, then print every figure with the ratio tanji/SciPy.
#
#   bench/run_solver_bench.sh [--quick] [--n N] [--runs R] [--mc ITER]
#
# Environment: OUT, BUILD, VARIANT (one system, default all), METHODS (SciPy
# methods, comma-separated), MC_BUDGET (seconds of Monte Carlo per solver),
# TIMEOUT (seconds per SciPy method).  The table ends with the targets of
# issue 16 and the measured ratios.
#
# --quick: 1 run, 100 Monte Carlo draws (a smoke test, figures are rough).
# Output: the raw logs in $OUT (default /tmp/tanji-solver-bench) and a table.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
OUT=${OUT:-/tmp/tanji-solver-bench}
N=20000 RUNS=5 MC=1000 SCIPY_RUNS=3 TIMEOUT=${TIMEOUT:-90} MC_BUDGET=${MC_BUDGET:-30}
METHODS=${METHODS:-}
VARIANT=${VARIANT:-all} # one of lca, core50, nearunit, ecoinvent, random, or all
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) RUNS=1 MC=100 SCIPY_RUNS=1 ;;
    --n) N=$2; shift ;;
    --runs) RUNS=$2; SCIPY_RUNS=$2; shift ;;
    --mc) MC=$2; shift ;;
    *) echo "usage: $0 [--quick] [--n N] [--runs R] [--mc ITER]" >&2; exit 1 ;;
  esac
  shift
done

cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -j2 -C "$BUILD" bench_solver >/dev/null
mkdir -p "$OUT"

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (wall times on a loaded machine are"
echo "   noisy: compare the ratios of one run, and the CPU-time figures of Monte Carlo)"
echo "== tanji: $BUILD/bench/bench_solver --n $N --runs $RUNS --mc $MC --mc-budget $MC_BUDGET --out $OUT"
"$BUILD/bench/bench_solver" --n "$N" --runs "$RUNS" --mc "$MC" --mc-budget "$MC_BUDGET" --variant "$VARIANT" --out "$OUT" | tee "$OUT/tanji.log" \
  | grep -v '^RESULT'
echo "== SciPy: bench/scipy_baseline.py --runs $SCIPY_RUNS --mc $MC --mc-budget $MC_BUDGET --timeout $TIMEOUT"
/usr/bin/python3 "$SRC/bench/scipy_baseline.py" --dir "$OUT" --variant "$VARIANT" --runs "$SCIPY_RUNS" --mc "$MC" \
  --mc-budget "$MC_BUDGET" --timeout "$TIMEOUT" ${METHODS:+--methods "$METHODS"} | tee "$OUT/scipy.log" | grep -v '^RESULT' || true

/usr/bin/python3 - "$OUT/tanji.log" "$OUT/scipy.log" <<'EOF'
import sys
res = {}
for path in sys.argv[1:]:
    for line in open(path):
        p = line.split()
        if len(p) == 5 and p[0] == "RESULT":
            res.setdefault((p[1], p[2]), {})[p[3]] = p[4]

TIMES = ["setup_s", "solve_s", "setup_plus_solve_s", "further_demand_s", "transpose_solve_s"]
RATES = ["mc_whole_per_s"]
MEM = ["peak_rss_mib"]
TARGET = {"setup_plus_solve_s": ("<=", 0.5), "further_demand_s": ("<=", 0.020),
          "mc_iterations_per_s": (">=", 20.0), "peak_rss_mib": ("<=", 1024.0)}

for variant in ("lca", "core50", "nearunit", "ecoinvent", "random"):
    if (variant, "system") not in res:
        continue
    sysinfo = res[(variant, "system")]
    print(f"\n== {variant}: nnz(A) {sysinfo.get('nnz')}, core (largest loop) {sysinfo.get('largest_scc')}"
          f", {sysinfo.get('in_loops')} processes in loops with {sysinfo.get('core_nnz')} non-zeros, "
          f"largest core column sum {sysinfo.get('max_core_colsum')}, streaming read of A "
          f"{float(sysinfo.get('stream_read_s', 'nan')) * 1e3:.3f} ms")
    scipy = {k[1]: v for k, v in res.items() if k[0] == variant and k[1].startswith("scipy-")}
    failed = sorted(m for m, v in scipy.items() if "failed" in v)
    for solver in ("auto", "block-klu", "block-iterative", "klu", "iterative"):
        t = res.get((variant, solver))
        if t and "refused" in t:
            print(f"\n  tanji {solver}: refused (see the log for the reason)")
        if not t or "setup_s" not in t:
            continue
        print(f"\n  tanji {solver} ({t.get('chosen', '?')})")
        print(f"  {'figure':24} {'tanji':>12} {'best SciPy':>12} {'SciPy method':>20} "
              f"{'tanji/SciPy':>11}  target")
        for m in TIMES + RATES + MEM:
            if m not in t:
                continue
            tv = float(t[m])
            sm = "mc_iterations_per_s" if m == "mc_whole_per_s" else m  # SciPy's draws are timed whole
            cands = [(float(v[sm]), name) for name, v in scipy.items() if sm in v]
            if m == "setup_s":  # spsolve has no separate setup
                cands = [c for c in cands if c[1] != "scipy-spsolve"]
            best = (max if m in RATES else min)(cands) if cands else None
            ratio = f"{tv / best[0]:.3g}" if best and best[0] > 0 else "-"
            goal = ""
            if m == "further_demand_s":
                goal = f"{tv / float(sysinfo.get('stream_read_s', 'nan')):.1f}x stream read"
            if best:
                ahead = (tv >= best[0]) if m in RATES else (tv <= best[0])
                goal = (goal + ("; " if goal else "") + ("ahead" if ahead else "BEHIND SciPy"))
            bs = f"{best[0]:12.4g} {best[1][6:]:>20}" if best else f"{'-':>12} {'-':>20}"
            print(f"  {m:24} {tv:12.4g} {bs} {ratio:>11}  {goal}")
    t = res.get((variant, "lca-auto"))
    if t:
        print(f"\n  tanji complete footprint through calc/lca ({t.get('chosen', 'auto')}; "
              "no SciPy counterpart)")
        for m in ("context_new_s", "footprint_all_s", "context_plus_footprint_s", "footprint_further_s",
                  "lca_mc_iterations_per_s", "lca_mc_cpu_ms_per_draw", "lca_mc_main_ms_per_draw",
                  "lca_mc_sampler_ms_per_draw", "lca_mc_two_free_cores_per_s", "peak_rss_mib"):
            if m in t:
                print(f"  {m:24} {float(t[m]):12.4g}")
        if "mc_refused" in t:
            print("  engine Monte Carlo refused (see the log)")
        best = {}
        for key, sm, better in (("context_plus_footprint_s", "setup_plus_solve_s", min),
                                ("footprint_further_s", "further_demand_s", min),
                                ("lca_mc_iterations_per_s", "mc_iterations_per_s", max)):
            c = [(float(v[sm]), name) for name, v in scipy.items() if sm in v]
            if key in t and c:
                b = better(c)
                r = (b[0] / float(t[key])) if better is min else (float(t[key]) / b[0])
                print(f"  engine {key} vs best SciPy {b[1][6:]} ({b[0]:.4g}): {r:.3g}x faster")
    if failed:
        print(f"\n  SciPy methods that failed or gave up: {', '.join(f[6:] for f in failed)}")

    # The targets of issue 16, each with the measured ratio (AUTO, and the
    # engine for Monte Carlo), against the best SciPy method of this run.
    a, e = res.get((variant, "auto"), {}), res.get((variant, "lca-auto"), {})
    def best(metric, better):
        c = [(float(v[metric]), name[6:]) for name, v in scipy.items() if metric in v]
        return better(c) if c else None
    rows = []
    def target(name, ratio, goal, how):
        if ratio is None:
            rows.append(f"  {name:44} {'-':>8}   target {goal:>5} {how}: no figure")
        else:
            ok = ratio >= goal if how.startswith(">=") else ratio <= goal
            rows.append(f"  {name:44} {ratio:8.2f}   target {how} {goal:g}: {'met' if ok else 'NOT met'}")
    b = best("setup_plus_solve_s", min)
    target("setup + one solve: SciPy / tanji", b[0] / float(a["setup_plus_solve_s"])
           if b and "setup_plus_solve_s" in a else None, 5, ">=")
    b = best("further_demand_s", min)
    target("further demand: SciPy / tanji", b[0] / float(a["further_demand_s"])
           if b and "further_demand_s" in a else None, 10, ">=")
    if variant in ("lca", "ecoinvent"):
        target("further demand / streaming read of A", float(a["further_demand_s"]) /
               float(sysinfo["stream_read_s"]) if "further_demand_s" in a else None, 3, "<=")
    b = best("mc_iterations_per_s", max)
    target("Monte Carlo, engine whole: tanji / SciPy", float(e["lca_mc_iterations_per_s"]) / b[0]
           if b and "lca_mc_iterations_per_s" in e else None, 10, ">=")
    if variant == "lca":
        target("Monte Carlo, engine, draws/s (wall, shared)", float(e["lca_mc_iterations_per_s"])
               if "lca_mc_iterations_per_s" in e else None, 300, ">=")
        target("Monte Carlo, engine, draws/s on 2 free cores", float(e["lca_mc_two_free_cores_per_s"])
               if "lca_mc_two_free_cores_per_s" in e else None, 300, ">=")
    print(f"\n  targets ({variant}; ratios against the best SciPy method of this run):")
    print("\n".join(rows))
EOF

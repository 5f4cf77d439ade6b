#!/usr/bin/env bash
# `make bench`: every benchmark in a short form (a few minutes), each printing
# its figures and, where there is one, the baseline measured in the same run.
# Full runs (the figures in docs/) are:
#   bench/run_solver_bench.sh            engine vs SciPy, 20,000 processes (~25 min)
#   build/bench/bench_factors            1,000,000 factor versions, SQLite (add --pg for PostgreSQL)
#   bench/bench_reimport.sh [N] [DB]     an update import of N published factors
#   build/bench/bench_olca --runs 5      USLCI import and all products
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
echo "== engine on a generated 20,000-process system (bench_lca)"
"$build/bench/bench_lca" --runs 3 --mc 100
echo
echo "== USLCI: openLCA import and all products (bench_olca)"
"$build/bench/bench_olca" data/lci/uslci_olca1_5_0_json_ld.zip --runs 3 --mtx /tmp/tanji-solver-bench
echo "-- SciPy on the same USLCI matrix (baseline)"
/usr/bin/python3 bench/scipy_baseline.py --dir /tmp/tanji-solver-bench --variant uslci --runs 3 --mc 100 --timeout 60 |
  grep -E "setup_plus_solve_s|further_demand_s|transpose_solve_s"
echo
echo "== factor database, 100,000 versions on SQLite (bench_factors)"
"$build/bench/bench_factors" --n 100000
echo
echo "== an update import of 10,000 factors on SQLite (bench_reimport.sh)"
TANJI=$build/tanji bash bench/bench_reimport.sh 10000
echo
echo "== solvers against SciPy (run_solver_bench.sh --quick)"
bash bench/run_solver_bench.sh --quick

#!/usr/bin/env bash
# Build the libFuzzer drivers (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan,
# and run each for SECONDS on its checked-in corpus (tests/fuzz/corpus/NAME)
# plus a working corpus in build-fuzz/.  A crash, leak or sanitizer report
# fails the run and leaves the input in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
CC=clang cmake -S . -B build-fuzz -G Ninja -DTJ_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
ninja -C build-fuzz -j "$(nproc)" >build-fuzz/build.log 2>&1 || { tail -30 build-fuzz/build.log; echo "fuzz: the drivers did not build"; exit 1; }
for f in build-fuzz/tests/fuzz_*; do
  n=$(basename "$f"); n=${n#fuzz_}
  mkdir -p "build-fuzz/corpus-$n"
  echo "== fuzz $n (${seconds} s)"
  if ! "$f" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 -artifact_prefix=build-fuzz/ \
       "build-fuzz/corpus-$n" "tests/fuzz/corpus/$n" >"build-fuzz/fuzz-$n.log" 2>&1; then
    tail -40 "build-fuzz/fuzz-$n.log"
    echo "fuzz $n: FAILED (see build-fuzz/fuzz-$n.log)"
    exit 1
  fi
  grep -E "stat::number_of_executed_units" "build-fuzz/fuzz-$n.log" || true
done

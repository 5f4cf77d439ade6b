# tanji: the two commands a user needs are `make run` and `make test`.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build run examples test test-asan test-all bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

# The main job: the platform server on 127.0.0.1:8080 with a first administrator
# (scripts/run-server.sh).  `make examples` calculates the shipped example products,
# prints their footprints and writes their reports.
run: build
	@bash scripts/run-server.sh $(BUILD)/tanji

examples: build
	@bash scripts/run-examples.sh $(BUILD)/tanji

# Every test (unit, CLI, store on SQLite and, when TJ_PG_URL is set, PostgreSQL;
# the PostgreSQL variants show as skipped without it).  TJ_REQUIRE_ALL=1 makes a
# skipped test a failure (CI).
test: build
	bash scripts/ctest.sh $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	CC=clang cmake -S . -B $(ASAN_BUILD) -G Ninja -DTJ_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 bash scripts/ctest.sh $(ASAN_BUILD) -j $(JOBS)

# Everything CI runs: tests, sanitizer tests, both store backends (starts a
# throw-away PostgreSQL cluster on 127.0.0.1).
test-all:
	bash scripts/test-all.sh

# Every benchmark in a short form; see bench/run_all.sh for the full runs.
bench: build
	bash bench/run_all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

# Build the libFuzzer drivers (tests/fuzz/fuzz_*.c) with clang and run each for
# FUZZ_SECONDS on its checked-in corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

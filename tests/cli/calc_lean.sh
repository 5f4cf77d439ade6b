#!/bin/bash
# tanji-calc, the small program the launcher runs for `tanji calc --db`
# (src/launch/calc_main.c): it links none of tanji-core's heavy libraries, it
# writes byte for byte what tanji-core writes (CSV, JSON, text, errors and exit
# codes), and it hands everything else to tanji-core: other command lines, and
# PostgreSQL databases (the _pg variant; skipped, exit 77, without TJ_PG_URL).
set -euo pipefail
TANJI=$1
DIR=$(dirname "$TANJI")
CORE=$DIR/tanji-core
LEAN=$DIR/tanji-calc
FIX=$TJ_SOURCE_DIR/tests/data/olca
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
STEEL=00000000-0000-4000-8000-000000000300
[ -x "$LEAN" ] || fail "no tanji-calc next to $TANJI"

# the command line runs tanji-calc (not tanji-core) through the launcher
if command -v strace >/dev/null; then
    strace -f -e trace=execve -o "$T/trace" "$TANJI" calc --db "$T/none.db" --all --quiet >/dev/null 2>&1 || true
    grep -q 'execve("[^"]*/tanji-calc"' "$T/trace" || fail "the launcher did not run tanji-calc: $(cat "$T/trace")"
    grep -q 'execve("[^"]*/tanji-core"' "$T/trace" && fail "tanji-core ran for calc --db"
fi
# none of tanji-core's heavy libraries (readelf: the program's own NEEDED list)
if command -v readelf >/dev/null; then
    readelf -d "$LEAN" >"$T/dyn"
    grep -q NEEDED "$T/dyn" || fail "readelf lists no NEEDED libraries"
    for lib in libpq libcairo libpango libcurl libmicrohttpd libqrencode libgobject libexpat; do
        grep -q "\[$lib" "$T/dyn" && fail "tanji-calc needs $lib"
    done
fi

# run a command line through tanji-calc and through tanji-core; stdout,
# stderr and the exit code must be the same
same() {
    local what=$1
    shift
    set +e
    "$TANJI" "$@" >"$T/l.out" 2>"$T/l.err"
    local rl=$?
    TANJI_CORE=$CORE "$TANJI" "$@" >"$T/c.out" 2>"$T/c.err"
    local rc=$?
    set -e
    [ $rl = $rc ] || fail "$what: exit $rl, tanji-core $rc"
    # timings differ (JSON "seconds", the text's "Solver: ... N s", the summary
    # on stderr): compare the rest
    grep -v '"seconds": ' "$T/l.out" | sed -E '/^Solver:/s/[0-9.]+ s$/T s/' >"$T/l.o2" || true
    grep -v '"seconds": ' "$T/c.out" | sed -E '/^Solver:/s/[0-9.]+ s$/T s/' >"$T/c.o2" || true
    cmp -s "$T/l.o2" "$T/c.o2" || fail "$what: stdout differs: $(diff "$T/l.o2" "$T/c.o2" | head -5)"
    sed 's/load+build [0-9.]* s, calculate [0-9.]* s//' "$T/l.err" >"$T/l.e2"
    sed 's/load+build [0-9.]* s, calculate [0-9.]* s//' "$T/c.err" >"$T/c.e2"
    cmp -s "$T/l.e2" "$T/c.e2" || fail "$what: stderr differs: $(diff "$T/l.e2" "$T/c.e2" | head -5)"
    echo "$rl" >"$T/rc"
}

suite() {
    local DB=$1
    "$TANJI" migrate --db "$DB" >/dev/null
    "$TANJI" import olca "$FIX/v1" --db "$DB" --quiet >/dev/null
    same "all csv" calc --db "$DB" --all
    [ "$(wc -l <"$T/l.out")" -eq 7 ] || fail "all csv: 6 products expected, got $(cat "$T/l.out")"
    same "all json" calc --db "$DB" --all --format json --allocation none
    grep -q '"products"' "$T/l.out" || fail "all json: no products"
    same "one process text" calc --db "$DB" --process $STEEL
    same "one process json" calc --db="$DB" --process=$STEEL --format=json --amount 2 --gwp AR5
    grep -q '"total"' "$T/l.out" || fail "one process json: no total"
    same "mc" calc --db "$DB" --process $STEEL --mc 50 --seed 7 --format json
    same "unknown process" calc --db "$DB" --process 00000000-0000-4000-8000-00000000dead
    [ "$(cat "$T/rc")" = 2 ] || fail "unknown process: exit $(cat "$T/rc")"
    same "bad option" calc --db "$DB" --all --bogus
    [ "$(cat "$T/rc")" = 1 ] || fail "bad option: exit $(cat "$T/rc")"
    same "help" calc --db "$DB" --all --help
    # the table file (written to a temporary name and renamed)
    "$TANJI" calc --db "$DB" --all --quiet -o "$T/l.csv"
    TANJI_CORE=$CORE "$TANJI" calc --db "$DB" --all --quiet -o "$T/c.csv"
    cmp "$T/l.csv" "$T/c.csv" || fail "table file differs"
}

if [ "${TJ_TEST_PG:-}" != 1 ]; then
    suite "$T/f.db"
    same "missing database" calc --db "$T/missing/none.db" --all
    [ "$(cat "$T/rc")" != 0 ] || fail "missing database: exit 0"
    # exchange rows stored out of (process, idx) order (another writer than the
    # import) are loaded by the sorting path (store_olca_load): same results
    cp "$T/f.db" "$T/rev.db"
    python3 - "$T/rev.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript("""CREATE TEMP TABLE t AS SELECT * FROM olca_exchange ORDER BY rowid DESC;
DELETE FROM olca_exchange; INSERT INTO olca_exchange SELECT * FROM t;""")
c.commit()
n = c.execute("SELECT count(*) FROM (SELECT idx, lag(idx) OVER (PARTITION BY process ORDER BY rowid) p "
              "FROM olca_exchange) WHERE idx < p").fetchone()[0]
sys.exit(0 if n > 0 else 1)
PY
    "$TANJI" calc --db "$T/rev.db" --all --quiet -o "$T/rev.csv"
    cmp "$T/rev.csv" "$T/c.csv" || fail "exchanges stored out of order: another table"
    "$TANJI" calc --db "$T/rev.db" --process $STEEL --format json | grep -v '"seconds": ' >"$T/rev.json"
    "$TANJI" calc --db "$T/f.db" --process $STEEL --format json | grep -v '"seconds": ' >"$T/fwd.json"
    cmp "$T/rev.json" "$T/fwd.json" || fail "exchanges stored out of order: another result"
    # a FIFO (or a device such as /dev/null) as --output is written in place,
    # never replaced by the renamed temporary file
    mkfifo "$T/fifo"
    cat "$T/fifo" >"$T/fifo.out" &
    reader=$!
    "$TANJI" calc --db "$T/f.db" --all --quiet -o "$T/fifo" || true
    if [ ! -p "$T/fifo" ]; then
        kill -9 $reader 2>/dev/null || true # still waiting for a writer
        fail "the FIFO given as --output was replaced"
    fi
    wait $reader
    cmp "$T/fifo.out" "$T/c.csv" || fail "the table written to a FIFO differs"
    # other command lines given to tanji-calc itself go to tanji-core
    [ "$("$LEAN" --version)" = "$("$CORE" --version)" ] || fail "tanji-calc --version"
    "$LEAN" calc --help | grep -q "MODEL.json" || fail "tanji-calc calc --help (model calc) is tanji-core's"
elif [ -n "${TJ_PG_URL:-}" ]; then
    name=tjlean_$$
    psql "$TJ_PG_URL" -qAt -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null || fail "create pg db"
    suite "${TJ_PG_URL%/*}/$name"
    # tanji-calc itself, given a PostgreSQL database, hands the command to tanji-core
    "$LEAN" calc --db "${TJ_PG_URL%/*}/$name" --all --quiet -o "$T/p.csv"
    cmp "$T/p.csv" "$T/c.csv" || fail "tanji-calc on PostgreSQL"
    psql "$TJ_PG_URL" -qAt -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
else
    echo "calc_lean: PostgreSQL SKIPPED (TJ_PG_URL not set)"
    exit 77
fi
echo ok

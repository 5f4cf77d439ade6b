#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL 15 cluster for tests and benchmarks.
#
#   eval "$(scripts/pg-test-cluster.sh start)"   # sets TJ_PG_URL and TJ_PG_DIR
#   ... ctest, bench ...
#   scripts/pg-test-cluster.sh stop              # uses $TJ_PG_DIR (or give the dir)
#
# The cluster lives in a new temporary directory, listens on 127.0.0.1 on a
# free port (and a socket in its own directory), trusts local connections and
# is removed by `stop`.  initdb refuses to run as root, so as root the cluster
# runs as the `postgres` user.
set -euo pipefail

PGBIN=${PGBIN:-}
if [ -z "$PGBIN" ]; then
    for v in 15 16 17; do
        if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then PGBIN=/usr/lib/postgresql/$v/bin; break; fi
    done
fi
[ -n "$PGBIN" ] || { echo "pg-test-cluster: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 3; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cmd=${1:-}
case "$cmd" in
start)
    dir=$(mktemp -d /tmp/tanji-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 3; }
    port=$(free_port)
    # Server settings as for a database of a million factor versions (about
    # 1.3 GB): shared_buffers that hold it (PostgreSQL's default of 128 MB
    # is sized for small machines; 25% of RAM is the usual advice), and WAL
    # room for a bulk import without a checkpoint in the middle.  Shared
    # memory is touched only as it is used.  TJ_PG_SETTINGS overrides them.
    settings=${TJ_PG_SETTINGS:-"-c shared_buffers=2GB -c max_wal_size=8GB -c checkpoint_timeout=30min"}
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=50 $settings" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 3; }
    as_owner "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE tanji" >/dev/null
    url="postgresql://postgres@127.0.0.1:$port/tanji"
    echo "$url" >"$dir/url"
    echo "export TJ_PG_URL=$url"
    echo "export TJ_PG_DIR=$dir"
    ;;
stop)
    dir=${2:-${TJ_PG_DIR:-}}
    [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "pg-test-cluster: usage: $0 stop DIR (or set TJ_PG_DIR)" >&2; exit 1; }
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 1
    ;;
esac

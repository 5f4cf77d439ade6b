#!/usr/bin/env bash
# bench/http: tanji serve under wrk, with Debian's nginx serving the same JSON
# as a static file as the baseline of the same run.
#   bench/http/run.sh [BUILD_DIR] [SECONDS]
# Figures: requests/s and p99 latency of
#   1. GET /api/v1/public/footprints/ID (a published footprint, no account)
#   2. POST /api/v1/models (authenticated; each creation appends a ledger entry)
#   3. nginx: the same JSON as a static file
# on SQLite; with TJ_PG_URL set, 1 and 2 again on PostgreSQL with one node and
# with two nodes (one wrk per node at once, figures summed); with TJ_PG_REPLICA
# (a streaming hot standby of TJ_PG_URL) also GET on a node reading the replica
# (job_workers=0), alone and next to a node on the primary.
set -euo pipefail
build=${1:-build}
secs=${2:-10}
conns=${TANJI_BENCH_CONNS:-64}
tanji="$(cd "$build" && pwd)/tanji"
src="$(cd "$(dirname "$0")/../.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 77; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is missing (apt-get install nginx-light)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

start_server() { # db port [serve options] -> pid in $pid
  local db=$1 port=$2
  shift 2
  "$tanji" serve --db "$db" --listen "127.0.0.1:$port" --set rate=0 --set access_log="$dir/access-$port.log" \
    --set threads="${TANJI_BENCH_THREADS:-4}" "$@" 2>"$dir/serve-$port.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do grep -q listening "$dir/serve-$port.err" 2>/dev/null && return 0; sleep 0.1; done
  cat "$dir/serve-$port.err"; exit 1
}

api() { curl -sf "$@"; }

seed() { # db port -> sets TOKEN, FPID, writes $dir/fp.json and $dir/model.json
  local db=$1 port=$2 base="http://127.0.0.1:$2/api/v1"
  TANJI_BENCH_PW=bench-password-1 "$tanji" admin first-admin benchadmin --db "$db" --password-env TANJI_BENCH_PW >/dev/null
  local op; op=$(api -XPOST "$base/auth/login" -H 'content-type: application/json' \
    -d '{"name":"benchadmin","password":"bench-password-1"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
  local org="bench-$RANDOM$RANDOM" user="bencher-$RANDOM$RANDOM"
  api -XPOST "$base/organisations" -H "authorization: Bearer $op" -H 'content-type: application/json' \
    -d "{\"name\":\"$org\",\"kind\":\"enterprise\"}" >/dev/null
  api -XPOST "$base/users" -H "authorization: Bearer $op" -H 'content-type: application/json' \
    -d "{\"name\":\"$user\",\"org\":\"$org\",\"roles\":\"enterprise\",\"password\":\"bench-password-2\"}" >/dev/null
  TOKEN=$(api -XPOST "$base/auth/login" -H 'content-type: application/json' \
    -d "{\"name\":\"$user\",\"password\":\"bench-password-2\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
  python3 -c 'import json,sys;print(json.dumps({"model":json.load(open(sys.argv[1]))}))' "$src/examples/electrolytic-aluminium.json" > "$dir/model.json"
  local mid; mid=$(api -XPOST "$base/models" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d @"$dir/model.json" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
  local jid; jid=$(api -XPOST "$base/calculations" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"model_id\":\"$mid\",\"save\":true}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
  for _ in $(seq 200); do
    FPID=$(api "$base/calculations/$jid" -H "authorization: Bearer $TOKEN" | python3 -c 'import json,sys;j=json.load(sys.stdin);print(j["result"]["footprint_id"] if j["status"]=="done" else "")')
    [ -n "$FPID" ] && break; sleep 0.1
  done
  api -XPOST "$base/footprints/$FPID/publish" -H "authorization: Bearer $TOKEN" >/dev/null
  api "$base/public/footprints/$FPID" > "$dir/fp.json"
}

# wrk output -> "RPS P99_MS"
wrk_run() {
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" 2>&1 | tee -a "$dir/wrk.log" | python3 -c '
import re,sys
t=sys.stdin.read()
rps=float(re.search(r"Requests/sec:\s+([\d.]+)",t).group(1))
m=re.search(r"99%\s+([\d.]+)(us|ms|s)\b",t)
v=float(m.group(1))*{"us":0.001,"ms":1,"s":1000}[m.group(2)]
non2=re.search(r"Non-2xx or 3xx responses: (\d+)",t)
print(f"{rps:.0f} {v:.2f} {non2.group(1) if non2 else 0}")'
}

report() { # label rps p99 non2xx
  printf '%-58s %9s req/s   p99 %7s ms   errors %s\n' "$1" "$2" "$3" "$4"
}

echo "bench/http: wrk -t2 -c$conns -d${secs}s on $(nproc) cores; tanji threads ${TANJI_BENCH_THREADS:-4}"
# ---- SQLite -------------------------------------------------------------
db="$dir/bench.db"
"$tanji" migrate --db "$db" >/dev/null
start_server "$db" 18401
seed "$db" 18401
read -r g_rps g_p99 g_err < <(wrk_run "http://127.0.0.1:18401/api/v1/public/footprints/$FPID")
report "SQLite: GET public footprint ($(wc -c <"$dir/fp.json") bytes)" "$g_rps" "$g_p99" "$g_err"
read -r c_rps c_p99 c_err < <(TANJI_TOKEN=$TOKEN TANJI_MODEL_FILE=$dir/model.json wrk_run -s "$src/bench/http/create_model.lua" "http://127.0.0.1:18401/api/v1/models")
report "SQLite: POST model + ledger entry ($(wc -c <"$dir/model.json") bytes)" "$c_rps" "$c_p99" "$c_err"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start_server "$db" 18405 --set sqlite_sync=normal
read -r s_rps s_p99 s_err < <(TANJI_TOKEN=$TOKEN TANJI_MODEL_FILE=$dir/model.json wrk_run -s "$src/bench/http/create_model.lua" "http://127.0.0.1:18405/api/v1/models")
report "SQLite sqlite_sync=normal: POST model + ledger entry" "$s_rps" "$s_p99" "$s_err"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# ---- nginx baseline: the same JSON as a static file ---------------------
mkdir -p "$dir/www/api/v1/public/footprints" "$dir/nginx"
cp "$dir/fp.json" "$dir/www/api/v1/public/footprints/$FPID"
chmod -R a+rX "$dir/www"; chmod a+x "$dir"   # nginx workers run as nobody
cat > "$dir/nginx/nginx.conf" <<CONF
worker_processes ${TANJI_BENCH_THREADS:-4};
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $dir/nginx/access.log;
  default_type application/json;
  client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx;
  uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
  server { listen 127.0.0.1:18402; root $dir/www; }
}
CONF
"$NGINX" -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -g 'daemon off;' &
pids+=($!)
sleep 0.5
read -r n_rps n_p99 n_err < <(wrk_run "http://127.0.0.1:18402/api/v1/public/footprints/$FPID")
report "nginx 1.22 (Debian): the same JSON as a static file" "$n_rps" "$n_p99" "$n_err"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
python3 -c "print(f'tanji GET throughput = {100*$g_rps/$n_rps:.0f}% of nginx (targets: GET >= 15000 req/s with p99 < 10 ms; creation >= 1000/s)')"

# ---- PostgreSQL: one node, then two ------------------------------------
if [ -n "${TJ_PG_URL:-}" ]; then
  "$tanji" migrate --db "$TJ_PG_URL" >/dev/null
  start_server "$TJ_PG_URL" 18403
  seed "$TJ_PG_URL" 18403
  read -r r1 p1 e1 < <(wrk_run "http://127.0.0.1:18403/api/v1/public/footprints/$FPID")
  report "PostgreSQL, 1 node: GET public footprint" "$r1" "$p1" "$e1"
  read -r r2 p2 e2 < <(TANJI_TOKEN=$TOKEN TANJI_MODEL_FILE=$dir/model.json wrk_run -s "$src/bench/http/create_model.lua" "http://127.0.0.1:18403/api/v1/models")
  report "PostgreSQL, 1 node: POST model + ledger entry" "$r2" "$p2" "$e2"
  start_server "$TJ_PG_URL" 18404
  conns=$((conns / 2))
  wrk_run "http://127.0.0.1:18403/api/v1/public/footprints/$FPID" > "$dir/a" &
  wp=$!
  wrk_run "http://127.0.0.1:18404/api/v1/public/footprints/$FPID" > "$dir/b"
  wait "$wp"
  read -r a1 ap ae < "$dir/a"; read -r b1 bp be < "$dir/b"
  report "PostgreSQL, 2 nodes: GET public footprint (sum; p99 worst)" "$((a1 + b1))" "$(python3 -c "print(max($ap,$bp))")" "$((ae + be))"
  TANJI_TOKEN=$TOKEN TANJI_MODEL_FILE=$dir/model.json wrk_run -s "$src/bench/http/create_model.lua" "http://127.0.0.1:18403/api/v1/models" > "$dir/a" &
  wp=$!
  TANJI_TOKEN=$TOKEN TANJI_MODEL_FILE=$dir/model.json wrk_run -s "$src/bench/http/create_model.lua" "http://127.0.0.1:18404/api/v1/models" > "$dir/b"
  wait "$wp"
  read -r a1 ap ae < "$dir/a"; read -r b1 bp be < "$dir/b"
  report "PostgreSQL, 2 nodes: POST model + ledger entry (sum)" "$((a1 + b1))" "$(python3 -c "print(max($ap,$bp))")" "$((ae + be))"
  if [ -n "${TJ_PG_REPLICA:-}" ]; then
    # a read node on the replica: no jobs, no ledger key, GET routes only
    start_server "$TJ_PG_REPLICA" 18406 --set job_workers=0
    t0=$(date +%s.%N)
    for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:18406/api/v1/public/footprints/$FPID" && break; sleep 0.05; done
    echo "replica: the published footprint is readable there $(python3 -c "print(f'{$(date +%s.%N)-$t0:.2f}')") s after the read node started"
    read -r q1 qp qe < <(wrk_run "http://127.0.0.1:18406/api/v1/public/footprints/$FPID")
    report "PostgreSQL replica, 1 read node: GET public footprint" "$q1" "$qp" "$qe"
    wrk_run "http://127.0.0.1:18403/api/v1/public/footprints/$FPID" > "$dir/a" &
    wp=$!
    wrk_run "http://127.0.0.1:18406/api/v1/public/footprints/$FPID" > "$dir/b"
    wait "$wp"
    read -r a1 ap ae < "$dir/a"; read -r b1 bp be < "$dir/b"
    report "primary node + replica node: GET (sum; p99 worst)" "$((a1 + b1))" "$(python3 -c "print(max($ap,$bp))")" "$((ae + be))"
  fi
fi

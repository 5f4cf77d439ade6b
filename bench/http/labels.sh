#!/usr/bin/env bash
# bench/http/labels.sh: the institutions' public reads at scale, with Debian's
# nginx serving one label's JSON as a static file as the baseline of the run.
#   bench/http/labels.sh [BUILD_DIR] [SECONDS] [LABELS]
# 1. bench_label loads LABELS issued labels (default 1,000,000; benchmark data:
#    body "bench body", enterprises "企业NNN Enterprise NNN", footprint ids
#    "bench") into a fresh SQLite database and prints its service-level figures
#    (verification by number, registry searches, offset vs keyset pages);
# 2. tanji serve on that database under wrk:
#    GET /api/v1/public/labels/NUMBER   (random labels: the cache rarely hits)
#    GET /api/v1/public/registry?after=NUMBER            (keyset page anywhere)
#    GET /api/v1/public/registry?category=cement&after=NUMBER
#    after a warm-up of TANJI_BENCH_WARMUP seconds (default 20; its figure is
#    printed: a fresh process fills its caches),
#    then the label lookup open-loop at TANJI_BENCH_RATE requests/s (default
#    10,000) with bench/http/openload, latencies from the scheduled times;
# 3. nginx: one label's JSON as a static file.
# With TANJI_BENCH_DB=PATH an existing database of bench_label is reused;
# TANJI_BENCH_THREADS (default 4, as bench/http/run.sh) sets tanji's threads
# and nginx's workers, TANJI_BENCH_CONNS (default 64) wrk's connections.
set -euo pipefail
build=${1:-build}
secs=${2:-10}
labels=${3:-1000000}
conns=${TANJI_BENCH_CONNS:-64}
threads=${TANJI_BENCH_THREADS:-4} # tanji's worker threads and nginx's workers, as bench/http/run.sh
bdir="$(cd "$build" && pwd)"
src="$(cd "$(dirname "$0")/../.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is missing (apt-get install nginx-light)"; exit 77; }
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

db=${TANJI_BENCH_DB:-}
if [ -z "$db" ]; then
  db="$dir/labels.db"
  "$bdir/bench/bench_label" --labels "$labels" --db "$db" --keep
fi

wrk_run() { # -> "RPS P99_MS NON2XX"
  wrk -t2 -c"$conns" -d"${wsecs:-$secs}s" --latency "$@" 2>&1 | tee -a "$dir/wrk.log" | python3 -c '
import re,sys
t=sys.stdin.read()
rps=float(re.search(r"Requests/sec:\s+([\d.]+)",t).group(1))
m=re.search(r"99%\s+([\d.]+)(us|ms|s)\b",t)
v=float(m.group(1))*{"us":0.001,"ms":1,"s":1000}[m.group(2)]
non2=re.search(r"Non-2xx or 3xx responses: (\d+)",t)
print(f"{rps:.0f} {v:.2f} {non2.group(1) if non2 else 0}")'
}
report() { printf '%-62s %9s req/s   p99 %7s ms   errors %s\n' "$1" "$2" "$3" "$4"; }

# The server reads the file through the kernel's page cache (serve's default
# sqlite_mmap=0); a file left unread for a while may have been reclaimed
# (this project's reference machine runs DAMON reclaim on unmapped page
# cache), so it is read once first, as a running server's would be cached.
t0=$(date +%s.%N)
cat "$db" >/dev/null
echo "database file read into the page cache: $(stat -c %s "$db") bytes in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
"$bdir/tanji" serve --db "$db" --listen 127.0.0.1:18411 --set rate=0 --set access_log="$dir/access.log" \
  --set job_workers=0 --set threads="$threads" 2>"$dir/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$dir/serve.err" 2>/dev/null && break; sleep 0.1; done
grep listening "$dir/serve.err"
base=http://127.0.0.1:18411
num=CN-110000-2025-0000000
curl -sf "$base/api/v1/public/labels/$num" > "$dir/label.json"
echo "bench/http/labels.sh: $labels labels, wrk -t2 -c$conns -d${secs}s on $(nproc) cores; tanji threads $threads; load $(cut -d' ' -f1-3 /proc/loadavg)"
warm=${TANJI_BENCH_WARMUP:-20}
rate=${TANJI_BENCH_RATE:-10000}
[ -x "$bdir/bench/openload" ] || { echo "build bench/openload first (ninja -C $build openload)"; exit 1; }
if [ "$warm" != 0 ]; then
  read -r w_rps w_p99 w_err < <(TANJI_LABELS=$labels wsecs=$warm wrk_run -s "$src/bench/http/labels.lua" "$base")
  report "warm-up: label by number, first ${warm} s after start (cold maps)" "$w_rps" "$w_p99" "$w_err"
fi
read -r l_rps l_p99 l_err < <(TANJI_LABELS=$labels wrk_run -s "$src/bench/http/labels.lua" "$base")
report "GET public label by number, random of $labels ($(wc -c <"$dir/label.json") B)" "$l_rps" "$l_p99" "$l_err"
"$bdir/bench/openload" --port 18411 --rate "$rate" --seconds "$secs" --conns "$conns" --labels "$labels" | tee "$dir/open.txt" || true
read -r r_rps r_p99 r_err < <(TANJI_LABELS=$labels TANJI_REGISTRY=1 wrk_run -s "$src/bench/http/labels.lua" "$base")
report "GET registry page after a random label (keyset, 20 items)" "$r_rps" "$r_p99" "$r_err"
read -r c_rps c_p99 c_err < <(TANJI_LABELS=$labels TANJI_REGISTRY=1 TANJI_CATEGORY=cement wrk_run -s "$src/bench/http/labels.lua" "$base")
report "GET registry category=cement after a random label (keyset)" "$c_rps" "$c_p99" "$c_err"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

mkdir -p "$dir/www/api/v1/public/labels" "$dir/nginx"
cp "$dir/label.json" "$dir/www/api/v1/public/labels/$num"
chmod -R a+rX "$dir/www"; chmod a+x "$dir"
cat > "$dir/nginx/nginx.conf" <<CONF
worker_processes $threads;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $dir/nginx/access.log;
  default_type application/json;
  client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx;
  uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
  server { listen 127.0.0.1:18412; root $dir/www; }
}
CONF
"$NGINX" -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -g 'daemon off;' &
pids+=($!)
sleep 0.5
read -r n_rps n_p99 n_err < <(wrk_run "http://127.0.0.1:18412/api/v1/public/labels/$num")
report "nginx (Debian): one label's JSON as a static file" "$n_rps" "$n_p99" "$n_err"
python3 -c "print(f'tanji label lookup = {100*$l_rps/$n_rps:.0f}% of nginx at saturation (target: >= 10000 req/s, p99 < 10 ms; registry p95 < 50 ms)')"
sed -n 's/.*answered (\([0-9]*\)\/s).*p99 \([0-9.]*\) ms,.*/open loop at '"$rate"' req\/s scheduled: \1 req\/s answered, p99 \2 ms (target: >= 10000 req\/s with p99 < 10 ms)/p' "$dir/open.txt"

#!/usr/bin/env bash
# PACT list endpoint with N disclosed footprints (default 100000) on SQLite:
# latency of filtered pages over HTTPS (p50/p95/p99 per filter).
# usage: bench/pact_bench.sh [BUILD_DIR] [N] [REQUESTS]
set -euo pipefail
build=${1:-build}; n=${2:-100000}; reqs=${3:-300}
here=$(cd "$(dirname "$0")" && pwd)
tanji=$(cd "$build" && pwd)/tanji
dir=${PACT_BENCH_DIR:-$(mktemp -d)}; mkdir -p "$dir"; trap 'kill $pid 2>/dev/null || true; [ -n "${PACT_BENCH_DIR:-}" ] || rm -rf "$dir"' EXIT
cd "$dir"
db=$dir/pact.db
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
"$tanji" migrate --db "$db" >/dev/null
"$tanji" admin org add benchA --kind enterprise --db "$db" >/dev/null
"$tanji" admin org add benchB --kind enterprise --db "$db" >/dev/null
"$tanji" admin user add alice --org benchA --roles enterprise --db "$db" >/dev/null
secret_line=$("$tanji" admin client add benchclient --org benchB --roles enterprise --db "$db")
client_id=$(printf '%s\n' "$secret_line" | sed -n 's/^client_id: //p')
secret=$(printf '%s\n' "$secret_line" | sed -n 's/^client_secret: //p')
fp=$("$tanji" calc "$here/../examples/electrolytic-aluminium.json" --db "$db" --save --as alice --format json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["footprint_id"])')
"$tanji" pact attributes "$fp" --json '{"fossilCarbonContent":"0"}' --db "$db" --as alice
partner=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT id FROM organisation WHERE name='benchB'\").fetchone()[0])" "$db")
"$tanji" disclose publish "$fp" --scope partners --partners "$partner" --db "$db" --as alice >/dev/null
"$tanji" pact sync --db "$db"
python3 "$here/pact/fill.py" "$db" "$n" "$partner"
"$tanji" serve --db "$db" --listen 127.0.0.1:0 --pact-listen 127.0.0.1:0 --pact-tls-cert cert.pem --pact-tls-key key.pem \
  --set rate=0 --set access_log= --set threads=2 --set job_workers=0 2> serve.log &
pid=$!
for _ in $(seq 1 100); do grep -q 'PACT API listening' serve.log && break; sleep 0.1; done
base=$(grep -oE 'PACT API listening on https://[^ ]+' serve.log | sed 's/.* on //')
tok=$(curl -s --cacert cert.pem -u "$client_id:$secret" -d grant_type=client_credentials "$base/auth/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
echo "tanji PACT list, $n disclosed footprints, SQLite, 2 HTTP threads ($(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
node "$here/pact/measure.mjs" "$base" "$tok" cert.pem "$reqs"

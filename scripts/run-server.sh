#!/usr/bin/env bash
# make run: the platform on this machine.  Creates or migrates the embedded
# SQLite database (build/tanji.db), its ledger key, loads the shipped factors
# once, creates the first administrator (password printed once, or taken from
# $TANJI_ADMIN_PASSWORD), then runs `tanji serve` on 127.0.0.1:8080 until
# Ctrl-C.  Run again: the data is kept.  (`make examples` calculates the
# example products and writes their reports: scripts/run-examples.sh.)
set -euo pipefail
tanji=${1:-build/tanji}
cd "$(dirname "$0")/.."
export TANJI_DB=${TANJI_DB:-build/tanji.db}
listen=${TANJI_LISTEN:-127.0.0.1:8080}
admin=${TANJI_ADMIN:-admin}
"$tanji" migrate
key="$TANJI_DB.ledger-key"
"$tanji" admin init --key "$key" >/dev/null
if [ "$("$tanji" factor search --format json --limit 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" = 0 ]; then
  "$tanji" factor import --status published data/factors/*.csv
fi
if [ -n "${TANJI_ADMIN_PASSWORD:-}" ]; then
  "$tanji" admin first-admin "$admin" --password-env TANJI_ADMIN_PASSWORD
else
  "$tanji" admin first-admin "$admin"
fi
cat <<MSG

tanji is starting on http://$listen  (Ctrl-C stops it / 按 Ctrl-C 停止)
  web UI / 网页界面: open http://$listen/ in a browser / 用浏览器打开 http://$listen/
  log in / 登录:
    curl -s -X POST http://$listen/api/v1/auth/login -H 'content-type: application/json' \\
         -d '{"name":"$admin","password":"PASSWORD"}'
    then send  Authorization: Bearer TOKEN  /  之后在请求头中携带令牌
  API description / 接口文档: http://$listen/api/v1/openapi.json   health: http://$listen/healthz
  (the password was printed above the first time; reset it with
   $tanji admin user passwd $admin   / 首次运行时已打印密码，可用该命令重设)

MSG
exec "$tanji" serve --listen "$listen" --set ledger_key="$key" --set access_log="${TANJI_ACCESS_LOG:-build/access.log}"

#!/usr/bin/env bash
# Install the Debian packages tanji needs, only those that are missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libsuitesparse-dev libjansson-dev libsqlite3-dev libpq-dev postgresql
  libsodium-dev libmicrohttpd-dev libzip-dev libexpat1-dev libxlsxwriter-dev libcsv-dev libcmocka-dev
  libcairo2-dev libpango1.0-dev libqrencode-dev fonts-noto-cjk poppler-utils
  python3-scipy unzip nodejs wrk nginx-light
  chromium
  libcurl4-gnutls-dev
  nettle-dev
  libdeflate-dev
)
# npm: Debian's package, unless the nodejs installed brings its own
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# the web UI's browser libraries and test tools (package-lock.json): npm ci when node_modules is missing
npm_ci() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "tanji: npm ci (the web UI's libraries: package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}
cd "$(dirname "$0")/.."
if [ ${#missing[@]} -eq 0 ]; then
  npm_ci
  exit 0
fi
echo "tanji: installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "tanji: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_ci

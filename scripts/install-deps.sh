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
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
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

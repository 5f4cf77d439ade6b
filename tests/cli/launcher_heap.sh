#!/bin/bash
# The launcher's heap settings (src/launch/main.c): every command but `serve`
# gets glibc's huge-page heap tunables; a user's own glibc.malloc tunables are
# kept as they are, other tunables are kept and the heap ones added after them.
# $TANJI_CORE names the program the launcher runs: printenv shows what it got.
set -euo pipefail
TANJI=$1
fail() { echo "FAIL: $*"; exit 1; }
PE=$(command -v printenv) || fail "no printenv"
got=$(env -u GLIBC_TUNABLES TANJI_CORE=$PE "$TANJI" GLIBC_TUNABLES) || fail "no GLIBC_TUNABLES set"
case $got in *glibc.malloc.hugetlb=1*glibc.malloc.top_pad=*) ;; *) fail "default settings: $got" ;; esac
got=$(GLIBC_TUNABLES=glibc.malloc.arena_max=2 TANJI_CORE=$PE "$TANJI" GLIBC_TUNABLES)
[ "$got" = glibc.malloc.arena_max=2 ] || fail "the user's malloc tunable changed: $got"
got=$(GLIBC_TUNABLES=glibc.rtld.nns=4 TANJI_CORE=$PE "$TANJI" GLIBC_TUNABLES)
case $got in glibc.rtld.nns=4:glibc.malloc.hugetlb=1*) ;; *) fail "another tunable: $got" ;; esac
# serve keeps glibc's defaults (printenv of a variable named "serve" finds nothing: exit 1)
if env -u GLIBC_TUNABLES TANJI_CORE=$PE "$TANJI" serve GLIBC_TUNABLES; then fail "serve got heap settings"; fi
echo "launcher heap settings: ok"

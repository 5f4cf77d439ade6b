#!/bin/bash
# The archive reader's one-shot path (stated sizes and CRC from the central
# directory, libdeflate): a deflated entry whose data does not match its
# CRC-32, or that inflates to another size than its header says, refuses the
# import (exit 2, nothing written); a good deflated or stored archive imports.
set -euo pipefail
TANJI=$1
SRC=${TJ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PY" - "$SRC/tests/data/olca/v2" "$T" <<'PYEOF'
import os, struct, sys, zipfile, zlib
src, out = sys.argv[1], sys.argv[2]
entries = []
for root, _, files in os.walk(src):
    for fn in sorted(files):
        full = os.path.join(root, fn)
        entries.append((os.path.relpath(full, src), open(full, "rb").read()))
def write(name, method):
    p = os.path.join(out, name)
    with zipfile.ZipFile(p, "w", method) as z:
        for n, d in entries:
            z.writestr(n, d)
    return p
write("stored.zip", zipfile.ZIP_STORED)
good = write("deflated.zip", zipfile.ZIP_DEFLATED)
data = bytearray(open(good, "rb").read())

def central(data):
    """(offset of each central directory record, its fields)"""
    eocd = data.rfind(b"PK\x05\x06")
    n, size, off = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    recs, p = [], off
    for _ in range(n):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[p + 28:p + 34])
        local = struct.unpack("<I", data[p + 42:p + 46])[0]
        recs.append((p, local))
        p += 46 + name_len + extra_len + comment_len
    return recs

# 1. a deflated entry with other, valid deflate data of the same length: CRC mismatch
bad = bytearray(data)
p, local = central(bad)[-1]
name_len, extra_len = struct.unpack("<HH", bad[local + 26:local + 30])
start = local + 30 + name_len + extra_len
comp = struct.unpack("<I", bad[p + 20:p + 24])[0]
orig = zlib.decompress(bytes(bad[start:start + comp]), -15)
alt = None
for i in range(len(orig)):  # change one character so that it still deflates to the same length
    for c in b"0123456789abcdef":
        if orig[i] in b"0123456789abcdef" and c != orig[i]:
            cand = orig[:i] + bytes([c]) + orig[i + 1:]
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            d = co.compress(cand) + co.flush()
            if len(d) == comp:
                alt = d
                break
    if alt:
        break
assert alt, "no same-length variant found"
bad[start:start + comp] = alt
open(os.path.join(out, "crc.zip"), "wb").write(bytes(bad))

# 2. the header (central and local) states one byte more than the data inflates to
lie = bytearray(data)
p, local = central(lie)[-1]
size = struct.unpack("<I", lie[p + 24:p + 28])[0]
lie[p + 24:p + 28] = struct.pack("<I", size + 1)
lie[local + 22:local + 26] = struct.pack("<I", size + 1)
open(os.path.join(out, "size.zip"), "wb").write(bytes(lie))
PYEOF

for z in stored deflated; do
    "$TANJI" migrate --db "$T/$z.db" >/dev/null
    "$TANJI" import olca "$T/$z.zip" --db "$T/$z.db" --quiet >/dev/null || fail "$z archive: exit $?"
done
[ "$($PY "$(dirname "$0")/olca_dbsum.py" "$T/stored.db")" = "$($PY "$(dirname "$0")/olca_dbsum.py" "$T/deflated.db")" ] \
    || fail "stored and deflated archives imported different rows"

for z in crc size; do
    "$TANJI" migrate --db "$T/$z.db" >/dev/null
    set +e
    "$TANJI" import olca "$T/$z.zip" --db "$T/$z.db" --quiet >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    [ $rc -eq 2 ] || fail "$z: exit $rc, want 2 ($(cat "$T/err"))"
    case $z in
    crc) grep -q "CRC" "$T/err" || fail "crc: $(cat "$T/err")" ;;
    size) grep -q "header says" "$T/err" || fail "size: $(cat "$T/err")" ;;
    esac
    n=$($PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM olca_flow').fetchone()[0])" "$T/$z.db")
    [ "$n" = 0 ] || fail "$z: a refused import wrote $n flows"
done
echo PASS

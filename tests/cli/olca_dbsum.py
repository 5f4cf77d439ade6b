#!/usr/bin/env python3
"""Digest of every olca_* table of a tanji SQLite database (rows sorted, so
the order in which an import wrote them does not matter).  Used by
olca_uslci.sh to check that an import writes exactly the rows it wrote
before (the expected digest was taken with the earlier, jansson-based and
single-threaded import)."""
import hashlib
import sqlite3
import sys

con = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in con.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'olca\\_%' ESCAPE '\\' ORDER BY name")]
h = hashlib.sha256()
for t in tables:
    cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % t)]
    rows = con.execute("SELECT %s FROM %s" % (", ".join(cols), t)).fetchall()
    rows = sorted(repr(r) for r in rows)
    h.update(("%s %s %d\n" % (t, ",".join(cols), len(rows))).encode())
    for r in rows:
        h.update(r.encode() + b"\n")
    if "-v" in sys.argv:
        print(t, len(rows), file=sys.stderr)
print(h.hexdigest())

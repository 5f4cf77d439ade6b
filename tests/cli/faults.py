#!/usr/bin/env python3
"""Fault tests on one SQLite file:
  1. kill -9 of a factor import at random moments: the database stays whole
     (integrity_check) and the import is all-or-nothing;
  2. two importers and a searcher at once: each succeeds or fails with the
     clear busy error after a bounded wait, and nothing is lost;
  3. a full disk during an import (a small tmpfs when this runs as root and
     may mount, else a file-size limit, RLIMIT_FSIZE): the import fails with
     a clear error and the database is as it was.

With --direct the same on direct imports (store_direct_begin: a large import
written through a rollback journal instead of the WAL), the threshold lowered
to 1,000 rows (TANJI_IMPORT_DIRECT_ROWS) so that imports of 6,000 rows take
that path, and besides:
  - a killed import leaves a hot journal, rolled back by the next connection
    (the checks here open the file read-write, as tanji does), and the next
    tanji command puts the file back in WAL mode;
  - after a direct import the file is in WAL mode and `tanji ledger verify`
    finds no problems;
  - another connection holding the file open: the import goes through the
    WAL, says why on stderr, and succeeds.

usage: faults.py TANJI [--direct]
"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

TANJI = os.path.abspath(sys.argv[1])
DIRECT = "--direct" in sys.argv[2:]
TMP = tempfile.mkdtemp(prefix="tj-faults-direct-" if DIRECT else "tj-faults-")
ENV = dict(os.environ)
ENV.pop("TANJI_IMPORT_DIRECT_ROWS", None)
if DIRECT:
    ENV["TANJI_IMPORT_DIRECT_ROWS"] = "1000"
N = 6000 if DIRECT else 20000
failures = []
HEADER = ("id,name_zh,name_en,aliases,category,unit,value,gases,boundary,region,ref_year,source_doc,"
          "source_publisher,source_date,method,gwp_set,quality\n")


def factors(prefix, n):
    p = os.path.join(TMP, "%s.csv" % prefix)
    with open(p, "w") as f:
        f.write(HEADER)
        for i in range(n):
            f.write("%s-%d,材料%d,Fault material %d,,materials.metal,kg,%g,,cradle-to-gate,CN,2023,Fault test,"
                    "tanji tests,2024-01-01,test,AR6,example\n" % (prefix, i, i, i, 1 + i * 0.001))
    return p


def count(db, prefix):
    # read-only on the WAL path; read-write after direct imports, which rolls
    # back the hot journal a killed one leaves (as tanji's own open does)
    con = sqlite3.connect(db) if DIRECT else sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        n = con.execute("SELECT count(*) FROM factor_version WHERE id LIKE ?", (prefix + "-%",)).fetchone()[0]
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    return n, ok


def journal_mode(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()


def tanji(*args, env=ENV):
    return subprocess.run([TANJI] + list(args), capture_output=True, env=env)


def imp(csv, db, env=ENV):
    return tanji("factor", "import", csv, "--db", db, env=env)


def migrate(db):
    p = tanji("migrate", "--db", db)
    if p.returncode != 0:
        sys.exit("migrate %s: exit %d: %s" % (db, p.returncode, p.stderr[:300]))


# ---- 1. kill -9 -------------------------------------------------------------------
db = os.path.join(TMP, "kill.db")
migrate(db)
base = factors("base", 100)
if imp(base, db).returncode != 0:
    failures.append("base import failed")
big = factors("kill", N)
probe = os.path.join(TMP, "probe.db")
migrate(probe)
t0 = time.time()
p = imp(factors("probe", N), probe)
full = time.time() - t0
if p.returncode != 0 or (DIRECT and b"WAL" in p.stderr):
    failures.append("probe import: exit %d: %s" % (p.returncode, p.stderr[:300]))
if DIRECT:
    if journal_mode(probe) != "wal":
        failures.append("after a direct import the file is in %s mode, not WAL" % journal_mode(probe))
    v = tanji("ledger", "verify", "--db", probe)
    if v.returncode != 0 or b"no problems" not in v.stdout:
        failures.append("ledger verify after a direct import: exit %d: %s" % (v.returncode, v.stdout[-300:]))
rng = random.Random(int(os.environ.get("TJ_FAULT_SEED", "9")))
committed = 0
hot = 0
for k in range(8):
    p = subprocess.Popen([TANJI, "factor", "import", big, "--db", db], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=ENV)
    time.sleep(rng.uniform(0.0, full * 1.1))
    p.kill()
    p.wait()
    hot += os.path.exists(db + "-journal")
    n, ok = count(db, "kill")
    b, _ = count(db, "base")
    if ok != "ok":
        failures.append("kill -9 #%d: integrity_check says %s" % (k, ok))
    if b != 100:
        failures.append("kill -9 #%d: committed rows lost (%d of 100)" % (k, b))
    if n not in (committed, committed + N):
        failures.append("kill -9 #%d: %d rows of an import of %d (not all-or-nothing)" % (k, n, N))
    committed = n
if DIRECT:
    if committed == 0:  # and one to the end
        p = imp(big, db)
        n, ok = count(db, "kill")
        if p.returncode != 0 or n != N or ok != "ok":
            failures.append("import after the kills: exit %d, %d rows (expected %d), integrity %s" % (
                p.returncode, n, N, ok))
        committed = n
    s = tanji("factor", "search", "材料", "--db", db)
    if s.returncode != 0:
        failures.append("search after the kills: exit %d: %s" % (s.returncode, s.stderr[:200]))
    if journal_mode(db) != "wal":
        failures.append("after the kills and a search the file is in %s mode, not WAL" % journal_mode(db))
print("kill -9: 8 kills over %s import of %d rows (%.1f s); %d imports completed, %d hot journals left" % (
    "a direct" if DIRECT else "an", N, full, committed // N, hot))

# ---- 2. two importers and a searcher ------------------------------------------------
db2 = os.path.join(TMP, "conc.db")
migrate(db2)
a, b = factors("ima", N), factors("imb", N)
env = dict(ENV, TANJI_BUSY_TIMEOUT_MS="2000")
t0 = time.time()
procs = [subprocess.Popen([TANJI, "factor", "import", f, "--db", db2], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env) for f in (a, b)]
searches = []
while any(p.poll() is None for p in procs):
    searches.append(tanji("factor", "search", "材料", "--db", db2, env=env))
    time.sleep(0.05)
for p, prefix in zip(procs, ("ima", "imb")):
    out, err = p.communicate()
    n, ok = count(db2, prefix)
    err = err.decode("utf-8", "replace")
    if p.returncode == 0 and n != N:
        failures.append("concurrent import %s succeeded but %d of %d rows are there" % (prefix, n, N))
    elif p.returncode != 0 and ("busy" not in err or n != 0):
        failures.append("concurrent import %s: exit %d, %d rows, message: %s" % (prefix, p.returncode, n, err[:300]))
    if ok != "ok":
        failures.append("concurrent imports: integrity_check %s" % ok)
for s in searches:
    if s.returncode != 0 and b"busy" not in s.stderr:
        failures.append("search during imports: exit %d: %s" % (s.returncode, s.stderr[:200]))
print("concurrency: imports exited %s, %d searches (%d failed, all busy), %.1f s" % (
    [p.returncode for p in procs], len(searches), sum(1 for s in searches if s.returncode), time.time() - t0))

# ---- direct only: another connection holds the file: the WAL, and a note -----------------
if DIRECT:
    db4 = os.path.join(TMP, "held.db")
    migrate(db4)
    held = sqlite3.connect(db4)
    held.execute("SELECT count(*) FROM factor_version").fetchone()
    p = imp(factors("held", N), db4)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        failures.append("import beside an open connection: exit %d: %s" % (p.returncode, err[:300]))
    elif "through the WAL" not in err or "another connection" not in err:
        failures.append("import beside an open connection: no note on the WAL fallback: %r" % err[:300])
    if held.execute("SELECT count(*) FROM factor_version WHERE id LIKE 'held-%'").fetchone()[0] != N:
        failures.append("import beside an open connection: the open connection does not see the rows")
    held.close()
    print("held open: exit %d: %s" % (p.returncode, err.strip()[:160]))

# ---- 3. a full disk during an import ----------------------------------------------------
mnt = os.path.join(TMP, "small")
os.mkdir(mnt)
mounted = False
if os.geteuid() == 0:
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt], capture_output=True).returncode == 0
db3 = os.path.join(mnt if mounted else TMP, "full.db")
migrate(db3)
if imp(base, db3).returncode != 0:
    failures.append("base import before the full disk failed")
con = sqlite3.connect(db3)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.close()  # else the open file keeps the tmpfs busy at umount
before = count(db3, "base")
cmd = [TANJI, "factor", "import", factors("full", 20000), "--db", db3]
if mounted:
    p = subprocess.run(cmd, capture_output=True, env=ENV)
    how = "tmpfs of 3 MiB"
else:
    # a file-size limit of 4 MiB: the WAL (or the file) cannot grow past it
    p = subprocess.run(["bash", "-c", 'ulimit -f 4096; exec "$0" "$@"'] + cmd, capture_output=True, env=ENV)
    how = "RLIMIT_FSIZE of 4 MiB"
err = p.stderr.decode("utf-8", "replace")
if DIRECT and "through the WAL" in err:
    failures.append("full disk (%s): the import did not write directly: %s" % (how, err[:300]))
after = count(db3, "base")
nfull, ok = count(db3, "full")
if p.returncode == 0:
    failures.append("full disk (%s): the import succeeded (grow the data)" % how)
elif p.returncode >= 128 or p.returncode < 0:
    failures.append("full disk (%s): killed by a signal (%d)" % (how, p.returncode))
elif "disk full" not in err and "too large" not in err:
    failures.append("full disk (%s): unclear message: %s" % (how, err[:300]))
if after != before or nfull != 0 or ok != "ok":
    failures.append("full disk (%s): database changed: base %s -> %s, %d new rows, integrity %s" % (
        how, before, after, nfull, ok))
# and a search at zero free space still answers (or says disk full)
s = tanji("factor", "search", "材料", "--db", db3)
if s.returncode != 0 and b"disk full" not in s.stderr:
    failures.append("search at zero free space: exit %d: %s" % (s.returncode, s.stderr[:200]))
print("full disk (%s): exit %d: %s" % (how, p.returncode, err.strip()[:200]))
if mounted:
    subprocess.run(["umount", mnt])

subprocess.run(["rm", "-rf", TMP])
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)

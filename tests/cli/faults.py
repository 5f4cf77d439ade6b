#!/usr/bin/env python3
"""Fault tests on one SQLite file:
  1. kill -9 of a factor import at random moments: the database stays whole
     (integrity_check) and the import is all-or-nothing;
  2. two importers and a searcher at once: each succeeds or fails with the
     clear busy error after a bounded wait, and nothing is lost;
  3. a full disk during an import (a small tmpfs when this runs as root and
     may mount, else a file-size limit, RLIMIT_FSIZE): the import fails with
     a clear error and the database is as it was.

usage: faults.py TANJI
"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

TANJI = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="tj-faults-")
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
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        n = con.execute("SELECT count(*) FROM factor_version WHERE id LIKE ?", (prefix + "-%",)).fetchone()[0]
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    return n, ok


def migrate(db):
    subprocess.run([TANJI, "migrate", "--db", db], capture_output=True, check=True)


# ---- 1. kill -9 -------------------------------------------------------------------
N = 20000
db = os.path.join(TMP, "kill.db")
migrate(db)
base = factors("base", 100)
subprocess.run([TANJI, "factor", "import", base, "--db", db], capture_output=True, check=True)
big = factors("kill", N)
migrate(os.path.join(TMP, "probe.db"))
t0 = time.time()
subprocess.run([TANJI, "factor", "import", factors("probe", N), "--db", os.path.join(TMP, "probe.db")],
               capture_output=True, check=True)
full = time.time() - t0
rng = random.Random(int(os.environ.get("TJ_FAULT_SEED", "9")))
committed = 0
for k in range(8):
    p = subprocess.Popen([TANJI, "factor", "import", big, "--db", db], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.0, full * 1.1))
    p.kill()
    p.wait()
    n, ok = count(db, "kill")
    b, _ = count(db, "base")
    if ok != "ok":
        failures.append("kill -9 #%d: integrity_check says %s" % (k, ok))
    if b != 100:
        failures.append("kill -9 #%d: committed rows lost (%d of 100)" % (k, b))
    if n not in (committed, committed + N):
        failures.append("kill -9 #%d: %d rows of an import of %d (not all-or-nothing)" % (k, n, N))
    committed = n
print("kill -9: 8 kills over an import of %d rows (%.1f s); %d imports completed" % (N, full, committed // N))

# ---- 2. two importers and a searcher ------------------------------------------------
db2 = os.path.join(TMP, "conc.db")
migrate(db2)
a, b = factors("ima", N), factors("imb", N)
env = dict(os.environ, TANJI_BUSY_TIMEOUT_MS="2000")
t0 = time.time()
procs = [subprocess.Popen([TANJI, "factor", "import", f, "--db", db2], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env) for f in (a, b)]
searches = []
while any(p.poll() is None for p in procs):
    s = subprocess.run([TANJI, "factor", "search", "材料", "--db", db2], capture_output=True, env=env)
    searches.append(s)
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

# ---- 3. a full disk during an import ----------------------------------------------------
mnt = os.path.join(TMP, "small")
os.mkdir(mnt)
mounted = False
if os.geteuid() == 0:
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt], capture_output=True).returncode == 0
db3 = os.path.join(mnt if mounted else TMP, "full.db")
migrate(db3)
subprocess.run([TANJI, "factor", "import", base, "--db", db3], capture_output=True, check=True)
sqlite3.connect(db3).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
before = count(db3, "base")
cmd = [TANJI, "factor", "import", factors("full", N), "--db", db3]
if mounted:
    p = subprocess.run(cmd, capture_output=True)
    how = "tmpfs of 3 MiB"
else:
    # a file-size limit of 4 MiB: the WAL cannot grow past it
    p = subprocess.run(["bash", "-c", 'ulimit -f 4096; exec "$0" "$@"'] + cmd, capture_output=True)
    how = "RLIMIT_FSIZE of 4 MiB"
err = p.stderr.decode("utf-8", "replace")
after = count(db3, "base")
nfull, ok = count(db3, "full")
if p.returncode == 0:
    failures.append("full disk (%s): the import succeeded (grow the data)" % how)
elif p.returncode >= 128:
    failures.append("full disk (%s): killed by a signal (%d)" % (how, p.returncode))
elif "disk full" not in err and "too large" not in err:
    failures.append("full disk (%s): unclear message: %s" % (how, err[:300]))
if after != before or nfull != 0 or ok != "ok":
    failures.append("full disk (%s): database changed: base %s -> %s, %d new rows, integrity %s" % (how, before,
                                                                                                   after, nfull, ok))
# and a search at zero free space still answers (or says disk full)
s = subprocess.run([TANJI, "factor", "search", "材料", "--db", db3], capture_output=True)
if s.returncode != 0 and b"disk full" not in s.stderr:
    failures.append("search at zero free space: exit %d: %s" % (s.returncode, s.stderr[:200]))
print("full disk (%s): exit %d: %s" % (how, p.returncode, err.strip()[:200]))
if mounted:
    subprocess.run(["umount", mnt])

subprocess.run(["rm", "-rf", TMP])
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""Hostile-input suite: a few hundred generated cases across the commands that
read outside input (calc, model from-sheets/from-csv, factor import / search /
resolve, rule validate / check, report, import olca, --db targets).

Every case fails the test when tanji
  - crashes (exit >= 128, i.e. killed by a signal),
  - hangs (runs past the per-case timeout),
  - prints a sanitizer report (AddressSanitizer, LeakSanitizer, UBSan),
  - damages data: the checksum of the committed rows of a database changes
    when the input was refused,
and, for the classes whose answer is known, when it does not refuse (exit 1,
2 or 3 as stated) or when the message lacks what it must name.

usage: hostile.py TANJI   (TJ_SOURCE_DIR names the source tree)
"""
import hashlib
import json
import os
import random
import shutil
import sqlite3
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

TANJI = os.path.abspath(sys.argv[1])
SRC = os.environ.get("TJ_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMP = tempfile.mkdtemp(prefix="tj-hostile-")
TIMEOUT = float(os.environ.get("TJ_HOSTILE_TIMEOUT", "60"))
failures = []
ncases = 0
SAN = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def path(*p):
    return os.path.join(TMP, *p)


def write(name, data):
    p = path(name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return p


def db_digest(db):
    """SHA-256 over every row of every table (sorted), read without writing."""
    if not os.path.exists(db):
        return "absent"
    h = hashlib.sha256()
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                                "AND name NOT LIKE '%fts%' ORDER BY name"):
            h.update(t.encode())
            for row in sorted(repr(r) for r in con.execute('SELECT * FROM "%s"' % t)):
                h.update(row.encode())
    finally:
        con.close()
    return h.hexdigest()


def run(name, args, expect=None, want=None, stdin=None, env=None, db=None, timeout=None):
    """Run one case.  expect: None (any exit < 128) or a set of exit codes;
    want: text the error output must contain; db: a database whose committed
    data must not change when the command fails."""
    global ncases
    ncases += 1
    e = dict(os.environ)
    e.setdefault("TJ_RULES_DIR", os.path.join(SRC, "data", "rules"))
    if env:
        e.update(env)
    before = db_digest(db) if db else None
    t0 = time.time()
    try:
        p = subprocess.run([TANJI] + args, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=TMP,
                           timeout=timeout or TIMEOUT)
    except subprocess.TimeoutExpired:
        failures.append("%s: hang (over %.0f s): tanji %s" % (name, timeout or TIMEOUT, " ".join(args)[:200]))
        return None
    dt = time.time() - t0
    err = p.stderr.decode("utf-8", "replace")
    rc = p.returncode
    bad = None
    if rc < 0 or rc >= 128:
        bad = "crash (exit %d)" % rc
    elif any(s in err for s in SAN):
        bad = "sanitizer report: " + err[err.find("Sanitizer") - 20:][:300]
    elif expect is not None and rc not in expect:
        bad = "exit %d, expected %s; stderr: %s" % (rc, sorted(expect), err[:300])
    elif want and want not in err:
        bad = "message lacks %r: %s" % (want, err[:300])
    elif db and rc != 0 and db_digest(db) != before:
        bad = "database changed by a refused input"
    if bad:
        failures.append("%s: %s [tanji %s] (%.1f s)" % (name, bad, " ".join(args)[:160], dt))
    return p


# ---- fixtures ---------------------------------------------------------------

HEADER = ("id,name_zh,name_en,aliases,category,unit,value,gases,boundary,region,ref_year,source_doc,"
          "source_publisher,source_date,method,gwp_set,quality,valid_from,valid_to,dqr\n")


def factor_row(i, value="1.5", valid_from="2024-01-01", valid_to="2024-12-31", dqr='"{""TeR"": 2}"',
               name_zh=None):
    return ("hostile-%d,%s,Hostile %d,,materials.metal,kg,%s,,cradle-to-gate,CN,2023,Hostile test data,"
            "tanji tests,2024-01-01,test,AR6,example,%s,%s,%s\n" %
            (i, name_zh or ("材料%d" % i), i, value, valid_from, valid_to, dqr))


def fresh_db(name):
    """An empty migrated database (the target of an import): a copy of one
    migrated once."""
    tpl = path("template.db")
    if not os.path.exists(tpl):
        subprocess.run([TANJI, "migrate", "--db", tpl], capture_output=True, check=True)
        sqlite3.connect(tpl).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    db = path(name)
    os.makedirs(os.path.dirname(db), exist_ok=True)
    shutil.copyfile(tpl, db)
    return db


def make_db(name):
    db = path(name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    p = subprocess.run([TANJI, "migrate", "--db", db], capture_output=True)
    if p.returncode != 0:
        print("cannot migrate a test database:", p.stderr.decode()[:300])
        sys.exit(1)
    good = write(name + "-good.csv", HEADER + "".join(factor_row(i) for i in range(5)))
    p = subprocess.run([TANJI, "factor", "import", good, "--db", db], capture_output=True)
    if p.returncode != 0:
        print("cannot import the good rows:", p.stderr.decode()[:300])
        sys.exit(1)
    return db


DB = make_db("main.db")

# ---- 1. numbers ---------------------------------------------------------------

BAD_NUMBERS = ["0x1p4", "0X10", "inf", "-inf", "nan", "NaN", "1e999", "-1e400", "12\x003", "1.2.3", "--1", "+-1",
               "1e", "e5", ".", "-", "1,5", "12abc", "1,23,456", "12,34.5", "\u0661\u0662", "１２", "1_000", "0b101",
               "1e+", "infinity", "1d5", "$12", "12%", "1.5e3.2"]
for i, v in enumerate(BAD_NUMBERS):
    f = write("num%d.csv" % i, HEADER + factor_row(100 + i, value='"%s"' % v.replace('"', '""')))
    run("factor value %r" % v, ["factor", "import", f, "--db", DB], expect={2}, db=DB)
    # the same value as a JSON string field
    jf = write("num%d.json" % i, json.dumps([{"id": "hj-%d" % i, "name_zh": "材料", "unit": "kg", "value": v,
                                              "category": "materials.metal", "region": "CN",
                                              "source_doc": "x"}]))
    run("factor json value %r" % v, ["factor", "import", jf, "--input-format", "json", "--db", DB], expect={2},
        db=DB)
    # and as a bill-of-materials quantity
    bom = write("bom%d.csv" % i, "物料,数量,单位,因子\n钢材,\"%s\",t,\n" % v.replace('"', '""'))
    run("bom quantity %r" % v, ["model", "from-csv", "--product", "p", "--unit", "t", "--bom", bom], expect={2})
    # and as a command-line number
    if "\x00" not in v:  # an argument cannot hold a NUL
        run("--path-cutoff %r" % v, ["calc", os.path.join(SRC, "examples", "tea.json"), "--path-cutoff", v],
            expect={1, 2})

# ---- 2. dates, periods, data-quality scores -----------------------------------

BAD_DATES = ["2023-13-45", "2024-02-30", "2023-02-29", "2100-02-29", "2023-00-10", "2023-01-00", "2023-04-31",
             "20240101", "2024-1-1", "0000-01-01", "2024/01/01", "2024-01-01T00:00", "9999-99-99", "yesterday"]
for i, d in enumerate(BAD_DATES):
    f = write("date%d.csv" % i, HEADER + factor_row(200 + i, valid_from=d, valid_to=""))
    run("valid_from %r" % d, ["factor", "import", f, "--db", DB], expect={2}, want="valid_from", db=DB)
f = write("leap.csv", HEADER + factor_row(250, valid_from="2024-02-29", valid_to="2024-12-31"))
run("leap day accepted", ["factor", "import", f, "--db", path("leap.db")], expect=None)
for i, (a, b) in enumerate([("2024-06-01", "2024-05-31"), ("2025", "2024"), ("2024-02", "2024-01-31")]):
    f = write("period%d.csv" % i, HEADER + factor_row(260 + i, valid_from=a, valid_to=b))
    run("period %s..%s" % (a, b), ["factor", "import", f, "--db", DB], expect={2}, want="before", db=DB)
for i, q in enumerate(['{"TeR": 0}', '{"TeR": 6}', '{"GeR": -1}', '{"X": 1}', '{"TeR": "2"}', '{"TeR": 2, "TeR": 3}',
                       '{"P": 1e999}', '[1,2]', '{"TiR": null}']):
    f = write("dqr%d.csv" % i, HEADER + factor_row(300 + i, dqr='"%s"' % q.replace('"', '""')))
    run("dqr %s" % q, ["factor", "import", f, "--db", DB], expect={2}, db=DB)

# ---- 3. text: NUL, encodings ---------------------------------------------------

GOOD_ROWS = "".join(factor_row(400 + i, name_zh="钢铁材料%d" % i) for i in range(20))
enc_cases = {
    "nul in a cell": (HEADER + factor_row(390, value="12\x00 3")).encode(),
    "stray byte in UTF-8": (HEADER + GOOD_ROWS).encode().replace(b"Hostile 405", b"Hostile \xb5405"),
    "overlong slash": (HEADER + GOOD_ROWS).encode().replace(b"Hostile 401", b"Hostile \xc0\xaf401"),
    "surrogate": (HEADER + GOOD_ROWS).encode().replace(b"Hostile 402", b"Hostile \xed\xa0\x80402"),
    "above U+10FFFF": (HEADER + GOOD_ROWS).encode().replace(b"Hostile 403", b"Hostile \xf4\x90\x80\x80403"),
    "F5 lead": (HEADER + GOOD_ROWS).encode().replace(b"Hostile 404", b"Hostile \xf5\x80\x80\x80404"),
    "truncated at end": (HEADER + GOOD_ROWS).encode() + b"\xe4\xb8",
}
for name, data in enc_cases.items():
    f = write("enc-%s.csv" % name.replace(" ", "_"), data)
    r = run("text: " + name, ["factor", "import", f, "--db", DB], expect={2}, db=DB)
    if r is not None and name != "nul in a cell" and b":" not in r.stderr:
        failures.append("text: %s: no line:column in %r" % (name, r.stderr[:200]))
# the stray byte is reported at its line and column, not re-read as GB18030
r = run("stray byte line:col", ["factor", "import", path("enc-stray_byte_in_UTF-8.csv"), "--db", DB], expect={2},
        want=":7:")
# declared GB18030 is still read
gb = write("gb.csv", (HEADER + GOOD_ROWS).encode("gb18030"))
run("gb18030 declared by detection", ["factor", "import", gb, "--db", path("gb.db")], expect=None)

# ---- 4. duplicate and unknown keys ---------------------------------------------

dup_json = b'[{"id": "d1", "id": "d2", "name_zh": "x", "unit": "kg", "value": 1, "category": "c", "region": "CN"}]'
run("factor json duplicate key", ["factor", "import", write("dup.json", dup_json), "--input-format", "json", "--db",
                                  DB], expect={2}, db=DB)
tea = open(os.path.join(SRC, "examples", "tea.json"), "rb").read()
run("model duplicate key", ["calc", write("dupmodel.json", tea.replace(b'"tanji_model": 1,',
                                                                       b'"tanji_model": 1, "tanji_model": 1,'))],
    expect={2})
run("model unknown key", ["calc", write("unkmodel.json", tea.replace(b'"tanji_model": 1,',
                                                                     b'"tanji_model": 1, "tanji_modle": 1,'))],
    expect={2})
rule = open(os.path.join(SRC, "tests", "data", "rules", "test.cn.alu.json"), "rb").read()
run("rule duplicate key", ["rule", "validate", write("duprule/r.json", rule.replace(b"{", b'{"id": "x", ', 1))],
    expect={2})
run("rule unknown key", ["rule", "validate", write("unkrule/r.json", rule.replace(b"{", b'{"idd": "x", ', 1))],
    expect={2})
run("bom unknown column", ["model", "from-csv", "--product", "p", "--unit", "t", "--bom",
                           write("unkcol.csv", "物料,数量,单位,因子,颜色\n钢材,1,t,,红\n")], expect=None)

# ---- 5. sizes: long fields and names, many lines --------------------------------

big = "x" * (10 << 20)
t0 = time.time()
run("10 MB CSV field", ["factor", "import", write("bigfield.csv", HEADER + factor_row(500, name_zh=big)), "--db",
                        DB], expect={2}, db=DB, timeout=30)
run("10 MB BOM cell", ["model", "from-csv", "--product", "p", "--unit", "t", "--bom",
                       write("bigbom.csv", "物料,数量,单位,因子\n%s,1,t,\n" % big)], expect=None, timeout=30)
many = "物料,数量,单位,因子\n" + "".join("未知材料%d,1,t,\n" % i for i in range(100000))
run("100,000 unmatched BOM lines", ["model", "from-csv", "--product", "p", "--unit", "t", "--bom",
                                     write("many.csv", many), "-o", path("many.json")], expect=None, timeout=30)
m = json.loads(tea)
m["product"]["name"] = {"zh": "茶" * 2000000, "en": "t"}
run("2-million-character product name", ["calc", write("longname.json", json.dumps(m, ensure_ascii=False)), "-o",
                                          path("longname-fp.json"), "--format", "json"], expect=None, timeout=30)

# ---- 6. devices, pipes, links ---------------------------------------------------

small = {"TANJI_MAX_INPUT_BYTES": "1000000"}
for dev in ("/dev/zero", "/dev/urandom", "/dev/null"):
    if os.path.exists(dev):
        run("calc %s" % dev, ["calc", dev], expect={1, 2, 3})
        run("factor import %s" % dev, ["factor", "import", dev, "--db", DB], expect={1, 2, 3}, db=DB)
        run("report %s" % dev, ["report", dev], expect={1, 2, 3})
        run("check %s" % dev, ["check", dev], expect={1, 2, 3})
        run("bom %s" % dev, ["model", "from-csv", "--product", "p", "--unit", "t", "--bom", dev], expect={1, 2, 3})
        run("rule validate %s" % dev, ["rule", "validate", dev], expect={1, 2, 3})
# a stream that never ends, on standard input: capped
yes = subprocess.Popen(["yes", "1,2,3,4"], stdout=subprocess.PIPE)
run("endless stdin", ["calc", "-"], stdin=yes.stdout, expect={2}, want="limit", env=small, timeout=30)
yes.kill()
yes.wait()
# an openLCA folder with a link to a device and one leading outside
olca = path("olca-links")
shutil.copytree(os.path.join(SRC, "tests", "data", "olca", "v2"), olca)
os.symlink("/dev/zero", os.path.join(olca, "flows", "zero.json"))
run("olca folder: link to /dev/zero", ["import", "olca", olca, "--db", fresh_db("olca1.db"), "--quiet"], expect={2},
    timeout=30)
os.unlink(os.path.join(olca, "flows", "zero.json"))
os.symlink("/etc/passwd", os.path.join(olca, "flows", "outside.json"))
run("olca folder: link outside", ["import", "olca", olca, "--db", fresh_db("olca2.db"), "--quiet"], expect={2},
    want="outside")
os.unlink(os.path.join(olca, "flows", "outside.json"))
fifo = path("fifo.json")
os.mkfifo(fifo)
run("calc on a FIFO nobody writes", ["calc", fifo], expect=None, timeout=10)

# ---- 7. archives ------------------------------------------------------------------


def olca_zip(name, entries, method=zipfile.ZIP_DEFLATED):
    p = path(name)
    with zipfile.ZipFile(p, "w", method) as z:
        for n, d in entries:
            z.writestr(n, d)
    return p


v2 = os.path.join(SRC, "tests", "data", "olca", "v2")
good_entries = []
for root, _, files in os.walk(v2):
    for fn in sorted(files):
        full = os.path.join(root, fn)
        good_entries.append((os.path.relpath(full, v2), open(full, "rb").read()))
good_zip = olca_zip("good.zip", good_entries)
run("olca zip good", ["import", "olca", good_zip, "--db", fresh_db("zgood.db"), "--quiet"], expect={0})
# a bit flip inside a stored entry: CRC mismatch
crc_zip = olca_zip("crc.zip", good_entries, zipfile.ZIP_STORED)
data = bytearray(open(crc_zip, "rb").read())
idx = data.find(b'"@type"', 200)
data[idx + 2] ^= 0x01
open(crc_zip, "wb").write(bytes(data))
run("olca zip CRC mismatch", ["import", "olca", crc_zip, "--db", fresh_db("zcrc.db"), "--quiet"], expect={2},
    want="CRC")
# duplicate entries
dup_zip = path("dup.zip")
with zipfile.ZipFile(dup_zip, "w") as z:
    import warnings
    warnings.simplefilter("ignore")
    for n, d in good_entries:
        z.writestr(n, d)
    z.writestr(good_entries[0][0], good_entries[0][1])
run("olca zip duplicate entry", ["import", "olca", dup_zip, "--db", fresh_db("zdup.db"), "--quiet"], expect={2},
    want="twice")
# too many entries, too large in total, too high a ratio
many_zip = olca_zip("many.zip", good_entries + [("flows/pad%d.json" % i, b"{}") for i in range(3000)])
run("olca zip entry count", ["import", "olca", many_zip, "--db", fresh_db("zmany.db"), "--quiet"], expect={2},
    env={"TANJI_MAX_ARCHIVE_ENTRIES": "1000"}, want="entries")
bomb = olca_zip("bomb.zip", good_entries + [("processes/bomb.json", b" " * (200 << 20))])
run("olca zip ratio bomb", ["import", "olca", bomb, "--db", fresh_db("zbomb.db"), "--quiet"], expect={2}, want="bomb",
    timeout=60)
total = olca_zip("total.zip", good_entries + [("processes/t%d.json" % i, b"{" + b" " * (3 << 20) + b"}")
                                               for i in range(4)])
run("olca zip inflated total", ["import", "olca", total, "--db", fresh_db("ztotal.db"), "--quiet"], expect={2},
    env={"TANJI_MAX_INFLATED_BYTES": str(8 << 20), "TANJI_MAX_ZIP_RATIO": "100000"}, want="inflates")
run("olca zip truncated", ["import", "olca", write("trunc.zip", open(good_zip, "rb").read()[:-100]), "--db",
                           path("ztrunc.db"), "--quiet"], expect={2, 3})

# ---- 8. --db targets --------------------------------------------------------------

other = path("other.sqlite")
con = sqlite3.connect(other)
con.execute("CREATE TABLE t(x)")
con.execute("INSERT INTO t VALUES (1)")
con.commit()
con.close()
before = open(other, "rb").read()
good = path("main.db-good.csv")
for cmd in (["factor", "search", "steel"], ["factor", "import", good], ["calc", "--db", other, "--all"],
            ["migrate"], ["factor", "resolve", "steel"]):
    args = cmd + ([] if "--db" in cmd else ["--db", other])
    run("other application's database: %s" % cmd[0:2], args, expect={1, 2, 3})
    if open(other, "rb").read() != before or os.path.exists(other + "-wal"):
        failures.append("other application's database was written by %s" % cmd)
notdb = write("notdb.db", b"this is not a database\n" * 100)
nb = open(notdb, "rb").read()
for cmd in (["factor", "search", "x"], ["factor", "import", good], ["migrate"]):
    run("not a database: %s" % cmd[:2], cmd + ["--db", notdb], expect={1, 2, 3})
    if open(notdb, "rb").read() != nb:
        failures.append("a file that is not a database was written by %s" % cmd)
run("db is a folder", ["factor", "search", "x", "--db", TMP], expect={1, 2, 3})
run("db missing", ["factor", "search", "x", "--db", path("nope.db")], expect={2}, want="migrate")
if os.path.exists(path("nope.db")):
    failures.append("a missing database was created by a search")
run("db /dev/null", ["factor", "search", "x", "--db", "/dev/null"], expect={1, 2, 3})
unmig = path("unmigrated.db")
con = sqlite3.connect(unmig)
con.execute("PRAGMA application_id = %d" % 0x746A6462)
con.commit()
con.close()
run("unmigrated database", ["factor", "search", "x", "--db", unmig], expect={1, 2, 3})

# ---- 9. output to a full device ---------------------------------------------------

if os.path.exists("/dev/full"):
    model = os.path.join(SRC, "examples", "tea.json")
    outs = [["calc", model], ["calc", model, "--format", "json"], ["rule", "list"], ["factor", "search", "Hostile",
                                                                                      "--db", DB],
            ["check", os.path.join(SRC, "tests", "data", "models", "conforming.json"), "--rule", "test.cn.alu"],
            ["report", os.path.join(SRC, "tests", "data", "footprint_example.json")],
            ["model", "from-csv", "--product", "p", "--unit", "t", "--bom",
             os.path.join(SRC, "examples", "activity", "cement", "bom.csv")],
            ["factor", "export", "--db", DB], ["rule", "show", "test.cn.alu"]]
    for args in outs:
        with open("/dev/full", "wb") as full:
            p = subprocess.run([TANJI] + args, stdout=full, stderr=subprocess.PIPE, cwd=TMP,
                               env=dict(os.environ, TJ_RULES_DIR=os.path.join(SRC, "tests", "data", "rules")))
        ncases += 1
        if p.returncode != 3 and not (args[0] == "check" and p.returncode == 4):
            failures.append("/dev/full: tanji %s exited %d (expected 3): %s" % (" ".join(args[:3]), p.returncode,
                                                                                p.stderr.decode()[:200]))
    for args in (["calc", model, "-o", "/dev/full"], ["report", os.path.join(SRC, "tests", "data",
                                                                              "footprint_example.json"), "-o",
                                                     "/dev/full"]):
        run("-o /dev/full: %s" % args[0], args, expect={3})
    # a file-size limit while writing: no partial file is left
    outp = path("limited.json")
    p = subprocess.run(["bash", "-c", 'ulimit -f 1; exec "$0" "$@"', TANJI, "calc", model, "--format", "json",
                        "--mc", "200", "-o", outp], capture_output=True, cwd=TMP)
    ncases += 1
    if os.path.exists(outp) or any(f.startswith("limited.json.tmp") for f in os.listdir(TMP)):
        failures.append("file-size limit: a partial output was left behind")

# ---- 10. reports: script and bidi -------------------------------------------------

fp = json.load(open(os.path.join(SRC, "tests", "data", "footprint_example.json")))


def set_names(o, text):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("name", "product", "title") and isinstance(v, str):
                o[k] = text
            else:
                set_names(v, text)
    elif isinstance(o, list):
        for v in o:
            set_names(v, text)


for i, payload in enumerate(["<script>alert(1)</script>", "\u202eexe.txt", "a\u2066b\u2069c", "</style><img src=x "
                             "onerror=alert(1)>", "\u200fRTL\u061c"]):
    f2 = json.loads(json.dumps(fp))
    set_names(f2, payload)
    p = run("report payload %d" % i, ["report", write("fp%d.json" % i, json.dumps(f2)), "--lang", "en"], expect={0})
    if p is not None:
        html = p.stdout.decode("utf-8", "replace")
        for bad in ("<script>alert", "\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "<img src=x"):
            if bad in html:
                failures.append("report payload %d: %r reaches the HTML" % (i, bad))

# ---- 11. calculation: overflow ------------------------------------------------------

ov = json.loads(tea)
ov["factors"][0]["value"] = 1e300
for pr in ov["processes"]:
    for ex in pr["exchanges"]:
        if ex.get("factor") == ov["factors"][0]["id"]:
            ex["amount"] = 1e300
run("overflow 1e300 x 1e300", ["calc", write("overflow.json", json.dumps(ov))], expect={2}, want="overflow")

# ---- 12. mutations of valid inputs ---------------------------------------------------

rng = random.Random(int(os.environ.get("TJ_HOSTILE_SEED", "17")))


def mutate(data, n):
    b = bytearray(data)
    for _ in range(n):
        op = rng.randrange(5)
        if not b:
            b = bytearray(b"x")
        i = rng.randrange(len(b))
        if op == 0:
            b[i] = rng.randrange(256)
        elif op == 1:
            del b[i:i + rng.randrange(1, 16)]
        elif op == 2:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif op == 3:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randrange(1, 64)]
        else:
            b[i:i] = rng.choice([b"\x00", b"\xff", b"\xe2\x80\xae", b'"', b",", b"\n", b"{", b"[", b"1e308",
                                 b"-0", b"0x1p4", b"NaN", b"\\u0000"])
    return bytes(b)


factors_csv = open(os.path.join(SRC, "examples", "activity", "cement", "factors-example.csv"), "rb").read()
bom_csv = open(os.path.join(SRC, "examples", "activity", "cement", "bom.csv"), "rb").read()
fp_json = open(os.path.join(SRC, "tests", "data", "footprint_example.json"), "rb").read()
nmut = int(os.environ.get("TJ_HOSTILE_MUTATIONS", "40"))
for k in range(nmut):
    n = rng.randrange(1, 12)
    run("mutated model %d" % k, ["calc", write("mut/model%d.json" % k, mutate(tea, n))], expect=None)
    run("mutated factors %d" % k, ["factor", "import", write("mut/f%d.csv" % k, mutate(factors_csv, n)), "--db", DB],
        expect=None, db=DB)
    run("mutated bom %d" % k, ["model", "from-csv", "--product", "p", "--unit", "t", "--bom",
                               write("mut/bom%d.csv" % k, mutate(bom_csv, n))], expect=None)
    run("mutated rule %d" % k, ["rule", "validate", write("mut/rule%d/r.json" % k, mutate(rule, n))], expect=None)
    run("mutated footprint %d" % k, ["report", write("mut/fp%d.json" % k, mutate(fp_json, n))], expect=None)
    ent = list(good_entries)
    j = rng.randrange(len(ent))
    ent[j] = (ent[j][0], mutate(ent[j][1], n))
    run("mutated olca entity %d" % k, ["import", "olca", olca_zip("mut/o%d.zip" % k, ent), "--db",
                                       path("mut/o%d.db" % k), "--quiet"], expect=None)
    run("mutated olca zip bytes %d" % k, ["import", "olca", write("mut/z%d.zip" % k,
                                                                   mutate(open(good_zip, "rb").read(), n)),
                                          "--db", fresh_db("mut/z%d.db" % k), "--quiet"], expect=None)

# ---- search and resolve with hostile words -------------------------------------------

for k, w in enumerate(["%", "_", "'", "\"", "*", "\\", "钢" * 5000, "a" * 70000, "\u202e", "OR 1=1 --",
                       "NEAR(", "\x7f", "steel AND", "(", ")"]):
    run("search %d" % k, ["factor", "search", w, "--db", DB], expect=None, db=DB)
    run("resolve %d" % k, ["factor", "resolve", w, "--db", DB], expect=None, db=DB)

# the committed rows are still there, whole
con = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
n = con.execute("SELECT count(*) FROM factor_version WHERE id LIKE 'hostile-%'").fetchone()[0]
ok = con.execute("PRAGMA integrity_check").fetchone()[0]
con.close()
if n != 5 or ok != "ok":
    failures.append("main database: %d hostile rows (expected 5), integrity %s" % (n, ok))

shutil.rmtree(TMP, ignore_errors=True)
print("%d cases, %d failures" % (ncases, len(failures)))
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""Fill a tanji SQLite database with N disclosed PACT footprints for the
PACT list benchmark (bench/pact_bench.sh).

The database must hold one footprint that tanji itself projected on PACT
(tanji pact sync): each clone copies that footprint's row, its PACT
document and its keys with a new id, product id, classification (50),
company id (100), geography (31 province subdivisions), validity window
(one of 10 years) and status (1 in 10 Deprecated).  Half are public, half
disclosed to the partner organisation given.  Only the bench does this;
the service never writes these tables but through its projection."""
import json
import sqlite3
import sys
import uuid

db, n, partner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(db)
fp_cols = [r[1] for r in c.execute("PRAGMA table_info(footprint)")]
src = c.execute("SELECT " + ",".join(fp_cols) + " FROM footprint f WHERE id IN (SELECT footprint_id FROM pact_footprint) LIMIT 1").fetchone()
pf = c.execute("SELECT owner_org, created, doc FROM pact_footprint WHERE footprint_id = ?", (src[fp_cols.index("id")],)).fetchone()
doc0 = json.loads(pf[2])
geos = ["CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS", "CN-ZJ", "CN-AH", "CN-FJ",
        "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX", "CN-HI", "CN-CQ", "CN-SC", "CN-GZ", "CN-YN", "CN-XZ",
        "CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ"]
fps, pfs, keys, acc = [], [], [], []
for i in range(n):
    fid, pid = str(uuid.uuid4()), str(uuid.uuid4())
    row = list(src)
    row[fp_cols.index("id")] = fid
    row[fp_cols.index("replaces")] = None
    fps.append(row)
    g = geos[i % len(geos)]
    y = 2020 + (i % 10)
    vf, vt = f"{y}-01-01T00:00:00Z", f"{y + 3}-01-01T00:00:00Z"
    d = dict(doc0)
    d["id"] = pid
    d["productIds"] = [f"urn:pact:bench:product:{i}"]
    d["companyIds"] = [f"urn:pact:bench:company:{i % 100}"]
    d["productClassifications"] = [f"urn:pact:productclassification:un-cpc:{41500 + i % 50}"]
    d["validityPeriodStart"], d["validityPeriodEnd"] = vf, vt
    d["pcf"] = dict(d["pcf"])
    d["pcf"].pop("geographyCountry", None)
    d["pcf"]["geographyCountrySubdivision"] = g
    pfs.append((pid, fid, pf[0], "Deprecated" if i % 10 == 9 else "Active", pf[1], vf, vt, g.lower(), json.dumps(d, separators=(",", ":"), ensure_ascii=False)))
    keys += [(pid, "p", f"urn:pact:bench:product:{i}"), (pid, "c", f"urn:pact:bench:company:{i % 100}"),
             (pid, "k", f"urn:pact:productclassification:un-cpc:{41500 + i % 50}")]
    acc.append((pid, "*" if i % 2 else partner, "bench"))
c.executemany("INSERT INTO footprint (" + ",".join(fp_cols) + ") VALUES (" + ",".join("?" * len(fp_cols)) + ")", fps)
c.executemany("INSERT INTO pact_footprint (id, footprint_id, owner_org, status, created, valid_from, valid_to, geography, doc) VALUES (?,?,?,?,?,?,?,?,?)", pfs)
c.executemany("INSERT INTO pact_key (pf_id, kind, value) VALUES (?,?,?)", keys)
c.executemany("INSERT INTO pact_access (pf_id, reader, disclosure_id) VALUES (?,?,?)", acc)
c.commit()
c.execute("ANALYZE")
c.commit()
print(f"{n} PACT footprints added", file=sys.stderr)

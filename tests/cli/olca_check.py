#!/usr/bin/env python3
"""Independent check of `tanji calc --db X --all` on an openLCA JSON-LD zip.

Re-implements the documented semantics (docs/olca-import.md) from scratch in
Python -- reading the zip, converting units, linking, GWP mapping -- builds
the technology and intervention matrices with SciPy and solves them, then
compares every product's total and channels with tanji's CSV.

usage: olca_check.py ZIP GWP100_CSV TANJI_CSV [--gwp AR6|AR5]
Exit 0 when all products agree (relative 1e-6, absolute 1e-9), else 1.
"""
import csv
import json
import re
import sys
import zipfile

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def load(zpath):
    z = zipfile.ZipFile(zpath)
    ents = {}
    for n in z.namelist():
        m = re.match(r'(?:.*/)?([a-z_]+)/([^/]+)\.json$', n)
        if m:
            ents.setdefault(m.group(1), []).append(json.loads(z.read(n)))
    return ents


def main():
    zpath, gwp_csv, tanji_csv = sys.argv[1:4]
    gset = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == '--gwp' else 'AR6'
    e = load(zpath)
    cats = {c['@id']: c for c in e.get('categories', [])}

    def cpath(ref):
        if ref is None:
            return ''
        if isinstance(ref, str):
            return ref
        out, cid = [], ref.get('@id')
        while cid in cats:
            out.append(cats[cid]['name'].strip())
            cid = (cats[cid].get('category') or {}).get('@id')
        return '/'.join(reversed(out)) if out else ref.get('name', '')

    ugs = {g['@id']: g for g in e['unit_groups']}
    props = {p['@id']: p for p in e['flow_properties']}
    flows = {f['@id']: f for f in e['flows']}
    procs = sorted(e['processes'], key=lambda p: p['@id'])

    def ref_unit(ug):
        return next(u for u in ug['units'] if u.get('referenceUnit') or u.get('isRefUnit'))

    def fprops(f):
        return {x['flowProperty']['@id']: x for x in f['flowProperties']}

    def reffp(f):
        return next(x for x in f['flowProperties']
                    if x.get('referenceFlowProperty') or x.get('isRefFlowProperty'))

    def convert(x):
        f = flows[x['flow']['@id']]
        pid = x['flowProperty']['@id']
        fp = fprops(f)[pid]
        ug = ugs[props[pid]['unitGroup']['@id']]
        u = next(u for u in ug['units'] if u['@id'] == x['unit']['@id'])
        return (x['amount'] * u['conversionFactor'] / ref_unit(ug)['conversionFactor']
                * reffp(f)['conversionFactor'] / fp['conversionFactor'])

    def flow_ref_unit_name(f):
        return ref_unit(ugs[props[reffp(f)['flowProperty']['@id']]['unitGroup']['@id']])['name']

    # GWP table
    gas = {}
    with open(gwp_csv) as fh:
        rows = [r for r in fh if not r.startswith('#')]
    for r in csv.DictReader(rows):
        keys = [r['gas'].lower(), r['cas'], r['formula'].lower()] + \
            [a.strip().lower() for a in r['aliases'].split('|')]
        col = 'ar6' if gset == 'AR6' else 'ar5'
        for k in keys:
            gas[k] = (r['gas'], float(r[col]), float(r[col + '_biogenic']))

    def find(name):
        return gas.get(name.strip().lower())

    def characterise(f, is_input):
        """Returns (gwp per unit, channel) or None."""
        if f['flowType'] != 'ELEMENTARY_FLOW':
            return None
        name = f['name'].strip().lower()
        cat = cpath(f.get('category')).lower()
        comps = cat.split('/')
        air = 'air' in comps or 'emission to air' in cat or 'emissions to air' in cat
        resource = 'resource' in comps or 'resources' in comps or cat.startswith('resource')
        other = 'water' in comps or 'soil' in comps or 'emission to water' in cat \
            or 'emission to soil' in cat
        if not air and (other or resource):
            if not (resource and 'carbon dioxide' in name and
                    ('in air' in name or 'in air' in comps)):
                return None
        g = find(name)
        if not g:
            s = name
            while True:
                s2 = re.sub(r'\s*[\[(][^\[(]*[\])]\s*$', '', s)
                if s2 == s:
                    break
                s = s2
            g = find(s)
            if not g and ',' in s:
                head, tail = s.rsplit(',', 1)
                g = find(tail) or find(head)
        if not g and f.get('cas'):
            g = gas.get(f['cas'].strip().lstrip('0'))
        if not g:
            return None
        unit = flow_ref_unit_name(f)
        kg = {'kg': 1.0, 'g': 1e-3, 't': 1e3, 'mg': 1e-6, 'lb': 0.45359237}.get(unit)
        if kg is None:
            return None
        bio = any(w in name for w in ('biogenic', 'non-fossil', 'in air',
                                      'from soil or biomass', 'to soil or biomass'))
        luc = 'land transformation' in name or 'land use change' in name
        if g[0] == 'CO2' and (resource or is_input or 'in air' in name
                              or 'to soil or biomass' in name):
            return (g[1] * kg, 'biogenic_removal')
        if luc:
            return (g[1] * kg, 'dluc')
        if bio:
            return (g[2] * kg, 'biogenic')
        return (g[1] * kg, 'fossil')

    # columns: one per process (no allocation), its quantitative reference
    def provider_ex(x):
        t = flows[x['flow']['@id']]['flowType']
        av = x.get('avoidedProduct', x.get('isAvoidedProduct', False))
        inp = x.get('input', x.get('isInput', False))
        return not av and ((t == 'PRODUCT_FLOW' and not inp) or (t == 'WASTE_FLOW' and inp))

    cols, qflow = [], {}
    for p in procs:
        q = [x for x in p['exchanges']
             if x.get('quantitativeReference') or x.get('isQuantitativeReference')]
        if not q or not provider_ex(q[0]) or convert(q[0]) == 0:
            continue
        cols.append((p, q[0]))
        qflow.setdefault(q[0]['flow']['@id'], []).append(len(cols) - 1)
    idx = {p['@id']: i for i, (p, _) in enumerate(cols)}
    n = len(cols)
    A = sp.lil_matrix((n, n))
    ch_names = ['fossil', 'biogenic', 'biogenic_removal', 'dluc', 'aircraft']
    C = np.zeros((len(ch_names), n))  # CO2e per channel per unit activity
    char_cache = {}
    for j, (p, q) in enumerate(cols):
        A[j, j] += convert(q)
        for x in p['exchanges']:
            if x is q:
                continue
            f = flows[x['flow']['@id']]
            a = convert(x)
            if a == 0 or provider_ex(x):
                continue
            inp = x.get('input', x.get('isInput', False))
            if f['flowType'] == 'ELEMENTARY_FLOW':
                key = f['@id']
                if key not in char_cache:
                    char_cache[key] = characterise(f, inp)
                c = char_cache[key]
                if c:
                    C[ch_names.index(c[1]), j] += (-a if inp else a) * c[0]
                continue
            need = -a if x.get('avoidedProduct', x.get('isAvoidedProduct', False)) else a
            prov = None
            dp = (x.get('defaultProvider') or {}).get('@id')
            if dp in idx and cols[idx[dp]][1]['flow']['@id'] == f['@id']:
                prov = idx[dp]
            else:
                cands = qflow.get(f['@id'], [])
                if cands:
                    loc = (p.get('location') or {}).get('@id')
                    prov = min(cands, key=lambda c: (
                        0 if loc and (cols[c][0].get('location') or {}).get('@id') == loc else 1,
                        cols[c][0]['@id']))
            if prov is not None:
                A[prov, j] -= need
    lu = spla.splu(A.tocsc())
    # result for product j = C @ A^-1 e_j ; compute rows: C A^-1 = (A^-T C^T)^T
    W = lu.solve(C.T.copy(), trans='T').T  # channels x n
    expected = {cols[j][0]['@id']: W[:, j] for j in range(n)}

    bad = 0
    seen = 0
    with open(tanji_csv) as fh:
        for r in csv.DictReader(fh):
            pid = r['process_id']
            if pid not in expected:
                print('unexpected row', pid)
                bad += 1
                continue
            seen += 1
            w = expected[pid]
            got = [float(r[c + '_kg_co2e']) for c in ['fossil', 'biogenic_emissions', 'biogenic_removals', 'dluc', 'aircraft']]
            tot = float(r['total_kg_co2e'])
            for k, c in enumerate(ch_names):
                if abs(got[k] - w[k]) > 1e-9 + 1e-6 * abs(w[k]):
                    bad += 1
                    if bad < 10:
                        print(f'{pid} {r["process_name"]}: {c} tanji {got[k]!r} scipy {w[k]!r}')
            if abs(tot - w.sum()) > 1e-9 + 1e-6 * abs(w.sum()):
                bad += 1
                if bad < 10:
                    print(f'{pid}: total tanji {tot!r} scipy {w.sum()!r}')
    if seen != n:
        print(f'tanji has {seen} rows, scipy {n} products')
        bad += 1
    print(f'{n} products compared, {bad} mismatches')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()

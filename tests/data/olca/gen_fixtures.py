#!/usr/bin/env python3
"""Generate the hand-made openLCA JSON-LD fixtures in v1/ and v2/.

The same small database in olca-schema v1 and v2 field names.  Numbers are
chosen so that footprints can be worked out by hand (see test_olca.c).
EXAMPLE DATA: not real inventory data.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))


def U(n):
    return '00000000-0000-4000-8000-%012d' % n


UG_MASS, UG_ENERGY = U(1), U(2)
FP_MASS, FP_ENERGY = U(3), U(4)
KG, G, T, MJ, KWH = U(5), U(6), U(7), U(8), U(9)
LOC1, LOC2 = U(10), U(11)
CAT_AIR, CAT_AIR_U, CAT_RES, CAT_RES_AIR = U(12), U(13), U(14), U(15)
SRC, ACT = U(16), U(17)
# flows
F_STEEL, F_ELEC, F_COAL, F_ORPHAN, F_SLAG, F_CO = U(100), U(101), U(102), U(103), U(104), U(105)
F_CO2, F_CH4B, F_CH4F, F_CO2IN, F_HCFC, F_N2O = U(200), U(201), U(202), U(203), U(204), U(205)
# processes (coal A has the smaller UUID)
P_STEEL, P_ELEC, P_COAL_A, P_COAL_B, P_SLAG = U(300), U(301), U(302), U(303), U(304)

flows = [
    # id, name, type, property, category (path), cas
    (F_STEEL, 'Steel, example', 'PRODUCT_FLOW', FP_MASS, None, None),
    (F_ELEC, 'Electricity, example', 'PRODUCT_FLOW', FP_ENERGY, None, None),
    (F_COAL, 'Coal, example', 'PRODUCT_FLOW', FP_MASS, None, None),
    (F_ORPHAN, 'Orphan input, example', 'PRODUCT_FLOW', FP_MASS, None, None),
    (F_SLAG, 'Slag, example', 'WASTE_FLOW', FP_MASS, None, None),
    (F_CO, 'Co-product, example', 'PRODUCT_FLOW', FP_MASS, None, None),
    (F_CO2, 'Carbon dioxide, fossil', 'ELEMENTARY_FLOW', FP_MASS, 'air', None),
    (F_CH4B, 'Methane, biogenic ', 'ELEMENTARY_FLOW', FP_MASS, 'air', None),
    (F_CH4F, 'Methane, fossil', 'ELEMENTARY_FLOW', FP_MASS, 'air', None),
    (F_CO2IN, 'Carbon dioxide, in air', 'ELEMENTARY_FLOW', FP_MASS, 'res', None),
    (F_HCFC, 'Methane, chlorodifluoro-, HCFC-22', 'ELEMENTARY_FLOW', FP_MASS, 'air', None),
    (F_N2O, 'N2O emission', 'ELEMENTARY_FLOW', FP_MASS, 'air', '010024-97-2'),
]

# exchanges: (flow, input, amount, unit, qref, defaultProvider[, uncertainty])
processes = [
    (P_STEEL, 'Steel production, example', None, 'PHYSICAL_ALLOCATION', [
        (F_STEEL, False, 1000.0, G, True, None),           # 1 kg
        (F_ELEC, True, 2.0, KWH, False, None,              # 7.2 MJ
         {'distributionType': 'UNIFORM_DISTRIBUTION', 'minimum': 1.8, 'maximum': 2.2}),
        (F_COAL, True, 0.5, KG, False, P_COAL_B),          # default provider B
        (F_ORPHAN, True, 0.1, KG, False, None),            # cut-off
        (F_SLAG, False, 0.0002, T, False, None),           # 0.2 kg waste to treatment
        (F_CO2, False, 1.0, KG, False, None,
         {'distributionType': 'LOG_NORMAL_DISTRIBUTION', 'geomMean': 1.0, 'geomSd': 1.5}),
        (F_CO, False, 0.5, KG, False, None),               # co-product
    ], [
        ('PHYSICAL_ALLOCATION', F_STEEL, None, 0.8),
        ('PHYSICAL_ALLOCATION', F_CO, None, 0.2),
        ('CAUSAL_ALLOCATION', F_STEEL, F_CO2, 0.7),
        ('CAUSAL_ALLOCATION', F_CO, F_CO2, 0.3),
        ('CAUSAL_ALLOCATION', F_STEEL, F_ELEC, 1.0),
        ('CAUSAL_ALLOCATION', F_CO, F_ELEC, 0.0),
    ]),
    (P_ELEC, 'Electricity generation, example', LOC2, None, [
        (F_ELEC, False, 1.0, MJ, True, None),
        (F_CO2, False, 0.1, KG, False, None,               # geomSd 0: not used
         {'distributionType': 'LOG_NORMAL_DISTRIBUTION', 'geomMean': 0.1, 'geomSd': 0.0}),
        (F_CH4F, False, 1.0, G, False, None),              # 0.001 kg
        (F_COAL, True, 0.2, KG, False, None),              # B by location
    ], []),
    (P_COAL_A, 'Coal mining A, example', LOC1, None, [
        (F_COAL, False, 1.0, KG, True, None),
        (F_CH4F, False, 0.01, KG, False, None),
    ], []),
    (P_COAL_B, 'Coal mining B, example', LOC2, None, [
        (F_COAL, False, 2.0, KG, True, None),              # 2 kg per run
        (F_CH4F, False, 0.04, KG, False, None),            # 0.02 kg/kg
    ], []),
    (P_SLAG, 'Slag treatment, example', None, None, [
        (F_SLAG, True, 1.0, KG, True, None),               # waste treatment
        (F_COAL, True, 0.05, KG, False, None,              # A: smallest UUID
         {'distributionType': 'TRIANGLE_DISTRIBUTION', 'minimum': 0.06, 'mode': 0.05,
          'maximum': 0.04}),                               # bounds reversed: swapped
        (F_CH4B, False, 0.03, KG, False, None),
        (F_CO2IN, True, 0.2, KG, False, None),             # removal
        (F_N2O, False, 0.001, KG, False, None),            # mapped by CAS
        (F_HCFC, False, 0.001, KG, False, None),           # GHG-like, unmapped
    ], []),
]

UNITGROUPS = [
    (UG_MASS, 'Units of mass', FP_MASS, [(KG, 'kg', 1.0, True), (G, 'g', 0.001, False),
                                         (T, 't', 1000.0, False)]),
    (UG_ENERGY, 'Units of energy', FP_ENERGY, [(MJ, 'MJ', 1.0, True), (KWH, 'kWh', 3.6, False)]),
]
PROPS = [(FP_MASS, 'Mass', UG_MASS), (FP_ENERGY, 'Energy', UG_ENERGY)]
CATS = [(CAT_AIR, 'air', None), (CAT_AIR_U, 'unspecified', CAT_AIR), (CAT_RES, 'resource', None),
        (CAT_RES_AIR, 'in air', CAT_RES)]
CATPATH = {'air': (CAT_AIR_U, 'air/unspecified'), 'res': (CAT_RES_AIR, 'resource/in air')}


def ref(t, i, name=None):
    d = {'@type': t, '@id': i}
    if name:
        d['name'] = name
    return d


def write(root, kind, obj):
    os.makedirs(os.path.join(root, kind), exist_ok=True)
    with open(os.path.join(root, kind, obj['@id'] + '.json'), 'w') as f:
        json.dump(obj, f, indent=1)


def gen(v2):
    root = os.path.join(HERE, 'v2' if v2 else 'v1')
    shutil.rmtree(root, ignore_errors=True)
    refu = 'isRefUnit' if v2 else 'referenceUnit'
    reffp = 'isRefFlowProperty' if v2 else 'referenceFlowProperty'
    inp = 'isInput' if v2 else 'input'
    qr = 'isQuantitativeReference' if v2 else 'quantitativeReference'
    av = 'isAvoidedProduct' if v2 else 'avoidedProduct'
    for gid, name, fp, units in UNITGROUPS:
        write(root, 'unit_groups', {
            '@type': 'UnitGroup', '@id': gid, 'name': name,
            'defaultFlowProperty': ref('FlowProperty', fp),
            'units': [dict({'@type': 'Unit', '@id': u, 'name': n, 'conversionFactor': c},
                           **({refu: True} if r else {})) for u, n, c, r in units]})
    for pid, name, ug in PROPS:
        write(root, 'flow_properties', {'@type': 'FlowProperty', '@id': pid, 'name': name,
                                        'flowPropertyType': 'PHYSICAL_QUANTITY',
                                        'unitGroup': ref('UnitGroup', ug)})
    if not v2:
        for cid, name, parent in CATS:
            c = {'@type': 'Category', '@id': cid, 'name': name, 'modelType': 'FLOW'}
            if parent:
                c['category'] = ref('Category', parent)
            write(root, 'categories', c)
    for lid, name, code in [(LOC1, 'Location one', 'L1'), (LOC2, 'Location two', 'L2')]:
        write(root, 'locations', {'@type': 'Location', '@id': lid, 'name': name, 'code': code})
    write(root, 'sources', {'@type': 'Source', '@id': SRC, 'name': 'Example source',
                            'url': 'https://example.org'})
    write(root, 'actors', {'@type': 'Actor', '@id': ACT, 'name': 'Example actor'})
    names = {}
    for fid, name, ftype, fp, cat, cas in flows:
        names[fid] = name
        f = {'@type': 'Flow', '@id': fid, 'name': name, 'flowType': ftype,
             'flowProperties': [{'@type': 'FlowPropertyFactor', reffp: True,
                                 'flowProperty': ref('FlowProperty', fp), 'conversionFactor': 1.0}]}
        if cat:
            cid, path = CATPATH[cat]
            f['category'] = path if v2 else ref('Category', cid, path.split('/')[-1])
        if cas:
            f['cas'] = cas
        write(root, 'flows', f)
    unitname = {u: n for _, _, _, us in UNITGROUPS for u, n, _, _ in us}
    fprop = {fid: fp for fid, _, _, fp, _, _ in flows}
    for pid, name, loc, dam, exs, afs in processes:
        p = {'@type': 'Process', '@id': pid, 'name': name, 'processType': 'UNIT_PROCESS',
             'exchanges': []}
        if loc:
            p['location'] = ref('Location', loc)
        if dam:
            p['defaultAllocationMethod'] = dam
        for k, (fid, isin, amt, unit, q, prov, *unc) in enumerate(exs):
            x = {'@type': 'Exchange', inp: isin, av: False, 'amount': amt,
                 'flow': ref('Flow', fid, names[fid]), 'unit': ref('Unit', unit, unitname[unit]),
                 'flowProperty': ref('FlowProperty', fprop[fid])}
            if v2:
                x['internalId'] = k + 1
            if q:
                x[qr] = True
            if prov:
                x['defaultProvider'] = ref('Process', prov)
            if unc:
                x['uncertainty'] = dict({'@type': 'Uncertainty'}, **unc[0])
            p['exchanges'].append(x)
        if afs:
            p['allocationFactors'] = []
            for typ, prod, exflow, val in afs:
                a = {'@type': 'AllocationFactor', 'allocationType': typ,
                     'product': ref('Flow', prod), 'value': val}
                if exflow:
                    if v2:
                        k = next(i for i, e in enumerate(exs) if e[0] == exflow)
                        a['exchange'] = {'@type': 'ExchangeRef', 'internalId': k + 1}
                    else:
                        a['exchange'] = {'@type': 'Exchange', 'flow': ref('Flow', exflow)}
                p['allocationFactors'].append(a)
        write(root, 'processes', p)


gen(False)
gen(True)

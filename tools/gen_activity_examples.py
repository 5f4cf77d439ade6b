#!/usr/bin/env python3
"""Generate EXAMPLE enterprise activity sheets (CSV) for every national key
product under examples/activity/<category>/: bom.csv, energy.csv,
transport.csv, waste.csv and factors-example.csv.

Everything here is EXAMPLE data: the amounts are invented for demonstration
and every factor value is a placeholder (1.0) marked `example=true` with the
source "EXAMPLE placeholder value, not real data".  Build a model with
  tanji model from-csv --product NAME --unit UNIT --bom bom.csv ... --factors factors-example.csv
The lines follow the required inputs of the structural rule templates
(data/rules/tpl.cn.<category>.json), except direct process emissions
(PFC, calcination, venting...), which these four sheets do not carry.
"""
import csv
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
KEY = ["electricity", "coal", "natural_gas", "fuel_oil", "steel", "electrolytic_aluminium", "cement",
       "fertiliser", "hydrogen", "lime", "glass", "ethylene", "synthetic_ammonia", "calcium_carbide",
       "methanol", "lithium_battery", "new_energy_vehicle", "photovoltaic", "electronics"]
ENERGY = {"electricity", "natural_gas", "coal", "diesel", "steam", "fuel_gas", "water", "compression",
          "coke_oven_gas", "fuel_oil"}
DIRECT = {"pfc", "calcination", "venting_flaring", "methane_vented", "n2o", "co2_recovered"}
SRC = "EXAMPLE placeholder value, not real data"
# example amounts per declared unit, by unit (invented, for demonstration only)
AMOUNT = {"t": 0.5, "kg": 20, "kWh": 500, "m3": 100, "GJ": 2, "m2": 10, "piece": 1, "t*km": 50}


def main():
    out_root = os.path.join(ROOT, "examples", "activity")
    index = []
    for cat in KEY:
        rule = json.load(open(os.path.join(ROOT, "data", "rules", f"tpl.cn.{cat}.json"), encoding="utf-8"))
        d = os.path.join(out_root, cat)
        os.makedirs(d, exist_ok=True)
        factors = []
        bom, energy = [], []
        for i, inp in enumerate(rule["required_inputs"]):
            if inp["id"] in DIRECT or inp.get("stage") == "use":
                continue
            unit = inp.get("unit", "t")
            zh, en = inp["name"]["zh"], inp["name"]["en"]
            fid = f"example-{cat}-{inp['id']}"
            factors.append([fid, zh, en, "1.0", unit, SRC, "true"])
            # every other line names its factor id; the rest are matched by name
            ref = fid if i % 2 == 0 else ""
            row = [zh, AMOUNT.get(unit, 1), unit, ref]
            (energy if inp["id"] in ENERGY else bom).append(row)
        # transport and waste
        factors.append([f"example-{cat}-truck", "公路货运（柴油货车）", "road freight, diesel truck", "1.0", "t*km", SRC, "true"])
        factors.append([f"example-{cat}-rail", "铁路货运", "rail freight", "1.0", "t*km", SRC, "true"])
        factors.append([f"example-{cat}-landfill", "一般工业固废填埋", "landfill of general industrial solid waste", "1.0", "kg", SRC, "true"])
        with open(os.path.join(d, "bom.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["物料", "数量", "单位", "因子", "数据类型", "TeR", "GeR", "TiR", "P", "备注"])
            for r in bom:
                w.writerow(r + ["secondary", 3, 3, 2, 3, "示例数据 example"])
        with open(os.path.join(d, "energy.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["工序", "能源", "数量", "单位", "因子", "数据类型", "TeR", "GeR", "TiR", "P"])
            for r in energy:
                w.writerow(["生产 production", r[0], r[1], r[2], r[3], "primary", 1, 1, 1, 2])
        with open(os.path.join(d, "transport.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["运输方式", "起点", "终点", "货重", "距离", "方向", "因子", "TeR", "GeR", "TiR", "P"])
            w.writerow(["公路货运（柴油货车）", "供应商 supplier", "工厂 plant", 1.2, 150, "入厂", "", 2, 2, 2, 3])
            w.writerow(["rail freight", "工厂 plant", "客户 customer", 1, 800, "出厂", f"example-{cat}-rail", 2, 2, 2, 3])
        with open(os.path.join(d, "waste.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["废物", "数量", "单位", "处理方式"])
            w.writerow(["一般工业固废 general solid waste", 15, "kg", "一般工业固废填埋"])
        with open(os.path.join(d, "factors-example.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "name_zh", "name_en", "value", "unit", "source", "example"])
            w.writerows(factors)
        u = rule["unit"]
        index.append((cat, rule["product"]["name"]["zh"], rule["product"]["name"]["en"], u["unit"], u["amount"]))
    with open(os.path.join(out_root, "README.md"), "w", encoding="utf-8") as f:
        f.write("# Example enterprise activity sheets (示例企业台账) — EXAMPLE DATA\n\n"
                "One folder per product of the national key product list. **Everything here is example\n"
                "data**: amounts are invented and every factor value in `factors-example.csv` is a\n"
                "placeholder (1.0) marked `example=true`, source \"EXAMPLE placeholder value, not real data\".\n"
                "Generated by `tools/gen_activity_examples.py` from the rule templates in `data/rules/`.\n\n"
                "```sh\ncd examples/activity/electrolytic_aluminium\n"
                "tanji model from-csv --product 电解铝 --product-en 'electrolytic aluminium' --unit t \\\n"
                "    --bom bom.csv --energy energy.csv --transport transport.csv --waste waste.csv \\\n"
                "    --factors factors-example.csv -o model.json\n"
                "tanji check model.json --rule tpl.cn.electrolytic_aluminium\n```\n\n"
                "| folder | product | declared unit |\n|---|---|---|\n")
        for cat, zh, en, unit, amount in index:
            f.write(f"| `{cat}` | {zh} / {en} | {amount} {unit} |\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate the starter accounting-rule TEMPLATES in data/rules/.

These are structural templates (declared unit, boundary, stages, required
inputs, cut-offs, allocation, data requirements) for the products named in the
national key product list, the provincial plans and the first CNCA product
carbon label certification catalogue.  They are NOT official standards: no
issuing body has published them, and they carry no emission factors.  Real
rules replace them as they are issued.

Run: python3 tools/gen_rule_templates.py  (rewrites data/rules/tpl.*.json)
"""
import json
import os
import sys

NOTE = {
    "zh": "结构模板，非官方标准：仅供建立核算规则和测试使用，正式核算须以主管部门发布的产品碳足迹核算规则标准为准。不含任何排放因子。",
    "en": "Structural template, not an official standard: for drafting rules and testing only; "
          "real accounting must follow the product rule issued by the competent authority. "
          "Contains no emission factors.",
}

# Common input shorthands: (id, zh, en, stage, unit, match keywords)
ELEC = ("electricity", "电力", "electricity", "production", "kWh", ["electricity", "电力", "电"])
COAL = ("coal", "煤炭", "coal", "production", "t", ["coal", "煤"])
NG = ("natural_gas", "天然气", "natural gas", "production", "m3", ["natural gas", "天然气"])
DIESEL = ("diesel", "柴油", "diesel", "production", "t", ["diesel", "柴油"])
STEAM = ("steam", "蒸汽", "steam", "production", "GJ", ["steam", "蒸汽"])
WATER = ("water", "水", "water", "production", "m3", ["water", "水"])
TRANSPORT = ("transport", "原料运输", "transport of raw materials", "raw_materials", "t*km",
             ["transport", "运输"])
PACK = ("packaging", "包装材料", "packaging", "raw_materials", "kg", ["packaging", "包装"])
FERT = ("fertiliser", "化肥", "fertiliser", "raw_materials", "kg", ["fertiliser", "fertilizer", "化肥", "肥"])
PEST = ("pesticide", "农药", "pesticides", "raw_materials", "kg", ["pesticide", "农药"])


def inp(id_, zh, en, stage="raw_materials", unit="t", match=None):
    return (id_, zh, en, stage, unit, match or [en, zh])


G2G = ["raw_materials", "production"]
G2GR = ["raw_materials", "production", "distribution", "use", "end_of_life"]

# Each product: category, zh, en, codes (indicative HS headings), unit
# (kind, amount, unit, zh description, en description), boundary, stages,
# required inputs, allocation allowed, primary-data stages, dqr_max.
ALLOC_PHYS = ["subdivision", "system_expansion", "physical", "economic"]
ALLOC_NOECON = ["subdivision", "system_expansion", "physical"]

def P(cat, zh, en, hs, unit, inputs, boundary="cradle-to-gate", stages=None, alloc=None,
      primary=("production",), dqr=3.0, aliases=()):
    return dict(cat=cat, zh=zh, en=en, hs=hs, unit=unit, inputs=inputs, boundary=boundary,
                stages=stages or (G2G if boundary == "cradle-to-gate" else G2GR),
                alloc=alloc or ALLOC_PHYS, primary=list(primary), dqr=dqr, aliases=list(aliases))

T = ("declared", 1, "t", "1吨产品", "1 tonne of product")

NATIONAL = [
    P("electricity", "电力", "electricity", ["2716"], ("declared", 1, "MWh", "1兆瓦时供电量", "1 MWh of electricity supplied"),
      [COAL, NG, inp("fuel_oil", "燃油", "fuel oil", match=["fuel oil", "燃油"]), WATER,
       inp("limestone", "脱硫石灰石", "limestone for desulphurisation", match=["limestone", "石灰石"])],
      alloc=["subdivision", "system_expansion", "physical"], aliases=["电"]),
    P("coal", "煤炭", "coal", ["2701"], T,
      [ELEC, DIESEL, inp("explosives", "炸药", "explosives", match=["explosive", "炸药"]),
       inp("methane_vented", "煤矿瓦斯逸散", "coal mine methane", "production", "m3", ["coal mine methane", "瓦斯"])]),
    P("natural_gas", "天然气", "natural gas", ["2711"], ("declared", 1000, "m3", "1000立方米天然气", "1000 m3 of natural gas"),
      [ELEC, NG, DIESEL, inp("venting_flaring", "放空与火炬", "venting and flaring", "production", "m3", ["venting", "flaring", "放空", "火炬"])]),
    P("fuel_oil", "燃油", "fuel oil", ["2710"], T,
      [inp("crude_oil", "原油", "crude oil", match=["crude", "原油"]), ELEC, NG, STEAM, inp("hydrogen", "氢气", "hydrogen", "raw_materials", "kg", ["hydrogen", "氢"])]),
    P("steel", "钢铁", "steel", ["72"], ("declared", 1, "t", "1吨粗钢", "1 tonne of crude steel"),
      [inp("iron_ore", "铁矿石", "iron ore", match=["iron ore", "铁矿", "烧结矿", "球团"]),
       inp("coke", "焦炭", "coke", match=["coke", "焦炭"]), COAL,
       inp("scrap", "废钢", "steel scrap", match=["scrap", "废钢"]),
       inp("flux", "熔剂（石灰石/白云石）", "fluxes (limestone, dolomite)", match=["limestone", "dolomite", "lime", "石灰", "白云石"]),
       ELEC, NG]),
    P("electrolytic_aluminium", "电解铝", "electrolytic aluminium", ["7601"], ("declared", 1, "t", "1吨铝液或铝锭", "1 tonne of primary aluminium (liquid or ingot)"),
      [ELEC, inp("alumina", "氧化铝", "alumina", match=["alumina", "氧化铝"]),
       inp("carbon_anode", "预焙阳极（炭阳极）", "carbon anodes", match=["anode", "阳极"]),
       inp("aluminium_fluoride", "氟化铝", "aluminium fluoride", "raw_materials", "kg", ["aluminium fluoride", "aluminum fluoride", "氟化铝"]),
       inp("pfc", "全氟化碳（阳极效应）", "PFC (anode effect)", "production", "kg", ["CF4", "C2F6", "PFC", "全氟"])],
      alloc=ALLOC_NOECON, aliases=["aluminium", "aluminum", "铝"]),
    P("cement", "水泥", "cement", ["2523"], T,
      [inp("clinker", "熟料", "clinker", match=["clinker", "熟料"]),
       inp("limestone", "石灰石", "limestone", match=["limestone", "石灰石"]), COAL, ELEC,
       inp("gypsum", "石膏", "gypsum", match=["gypsum", "石膏"]),
       inp("calcination", "碳酸盐分解（过程排放）", "calcination (process emissions)", "production", "t", ["calcination", "分解"])]),
    P("fertiliser", "化肥", "fertiliser", ["3102", "3103", "3104", "3105"], T,
      [inp("ammonia", "合成氨", "ammonia", match=["ammonia", "氨"]), NG, COAL, ELEC, STEAM,
       inp("phosphate_rock", "磷矿石", "phosphate rock", match=["phosphate rock", "磷矿"]),
       inp("n2o", "氧化亚氮（硝酸生产）", "N2O (nitric acid production)", "production", "kg", ["N2O", "氧化亚氮"])],
      aliases=["fertilizer"]),
    P("hydrogen", "氢", "hydrogen", ["280410"], ("declared", 1, "kg", "1千克氢气", "1 kg of hydrogen"),
      [ELEC, NG, COAL, WATER, inp("compression", "压缩/液化", "compression or liquefaction", "production", "kWh", ["compression", "压缩"])],
      aliases=["氢气"]),
    P("lime", "石灰", "lime", ["2522"], T,
      [inp("limestone", "石灰石", "limestone", match=["limestone", "石灰石"]), COAL, NG, ELEC,
       inp("calcination", "碳酸盐分解（过程排放）", "calcination (process emissions)", "production", "t", ["calcination", "分解"])]),
    P("glass", "玻璃", "glass", ["7005"], T,
      [inp("silica_sand", "石英砂", "silica sand", match=["silica", "sand", "石英砂", "硅砂"]),
       inp("soda_ash", "纯碱", "soda ash", match=["soda ash", "纯碱"]),
       inp("dolomite", "白云石/石灰石", "dolomite and limestone", match=["dolomite", "limestone", "白云石", "石灰石"]),
       NG, ELEC, inp("cullet", "碎玻璃", "cullet", match=["cullet", "碎玻璃"])]),
    P("ethylene", "乙烯", "ethylene", ["290121"], T,
      [inp("naphtha", "石脑油/乙烷原料", "naphtha or ethane feedstock", match=["naphtha", "ethane", "石脑油", "乙烷"]),
       inp("fuel_gas", "燃料气", "fuel gas", "production", "GJ", ["fuel gas", "燃料气"]), STEAM, ELEC]),
    P("synthetic_ammonia", "合成氨", "synthetic ammonia", ["2814"], T,
      [NG, COAL, ELEC, STEAM, inp("co2_recovered", "回收利用的CO2（尿素等）", "CO2 recovered (e.g. for urea)", "production", "t", ["recovered", "回收"])],
      alloc=ALLOC_NOECON, aliases=["ammonia", "氨"]),
    P("calcium_carbide", "电石", "calcium carbide", ["284910"], T,
      [inp("lime", "石灰", "lime", match=["lime", "石灰"]), inp("coke", "焦炭/兰炭", "coke or semi-coke", match=["coke", "焦炭", "兰炭"]),
       ELEC, inp("electrode_paste", "电极糊", "electrode paste", "raw_materials", "kg", ["electrode", "电极"])]),
    P("methanol", "甲醇", "methanol", ["290511"], T,
      [COAL, NG, inp("coke_oven_gas", "焦炉煤气", "coke oven gas", "raw_materials", "m3", ["coke oven gas", "焦炉"]), ELEC, STEAM]),
    P("lithium_battery", "锂电池", "lithium battery", ["850760"], ("declared", 1, "kWh", "1千瓦时额定储能容量", "1 kWh of rated energy capacity"),
      [inp("cathode", "正极材料", "cathode active material", "raw_materials", "kg", ["cathode", "正极"]),
       inp("anode", "负极材料", "anode active material", "raw_materials", "kg", ["anode", "graphite", "负极", "石墨"]),
       inp("electrolyte", "电解液", "electrolyte", "raw_materials", "kg", ["electrolyte", "电解液"]),
       inp("separator", "隔膜", "separator", "raw_materials", "m2", ["separator", "隔膜"]),
       inp("copper_foil", "铜箔", "copper foil", "raw_materials", "kg", ["copper", "铜"]),
       inp("aluminium_foil", "铝箔/铝壳", "aluminium foil and casing", "raw_materials", "kg", ["aluminium", "aluminum", "铝"]),
       ELEC], dqr=2.0, aliases=["锂离子电池", "li-ion battery"]),
    P("new_energy_vehicle", "新能源汽车", "new energy vehicle", ["870380"], ("functional", 1, "km", "行驶1公里（全生命周期）", "1 km driven over the vehicle lifetime"),
      [inp("traction_battery", "动力电池", "traction battery", "raw_materials", "kWh", ["battery", "电池"]),
       inp("steel", "钢材", "steel", "raw_materials", "kg", ["steel", "钢"]),
       inp("aluminium", "铝材", "aluminium", "raw_materials", "kg", ["aluminium", "aluminum", "铝"]),
       inp("plastics", "塑料", "plastics", "raw_materials", "kg", ["plastic", "塑料"]),
       ELEC, inp("use_electricity", "使用阶段充电电量", "charging electricity in use", "use", "kWh", ["charging", "充电"])],
      boundary="cradle-to-grave", aliases=["NEV", "electric vehicle", "新能源车"]),
    P("photovoltaic", "光伏", "photovoltaic products", ["854143"], ("declared", 1, "kW", "1千瓦峰值功率组件", "1 kWp of module power"),
      [inp("polysilicon", "多晶硅", "polysilicon", "raw_materials", "kg", ["polysilicon", "多晶硅"]),
       inp("glass", "光伏玻璃", "solar glass", "raw_materials", "kg", ["glass", "玻璃"]),
       inp("aluminium_frame", "铝边框", "aluminium frame", "raw_materials", "kg", ["aluminium", "aluminum", "铝"]),
       inp("encapsulant", "封装胶膜(EVA/POE)", "encapsulant (EVA/POE)", "raw_materials", "kg", ["EVA", "POE", "encapsulant", "胶膜"]),
       inp("silver_paste", "银浆", "silver paste", "raw_materials", "kg", ["silver", "银"]), ELEC],
      dqr=2.0, aliases=["PV", "光伏产品"]),
    P("electronics", "电子电器", "electrical and electronic products", ["85"], ("declared", 1, "piece", "1台产品", "1 unit of product"),
      [inp("pcb", "印制电路板及元器件", "printed circuit boards and components", "raw_materials", "kg", ["PCB", "circuit", "电路板", "元器件"]),
       inp("steel", "钢材", "steel", "raw_materials", "kg", ["steel", "钢"]),
       inp("plastics", "塑料", "plastics", "raw_materials", "kg", ["plastic", "塑料"]), ELEC, PACK],
      boundary="cradle-to-grave", aliases=["电子电器产品"]),
]

CATALOGUE_ALSO = {"electrolytic_aluminium", "cement"}


def battery(sub, zh, en, dqr=2.0):
    return P("lithium_battery." + sub, zh, en, ["850760"], ("declared", 1, "kWh", "1千瓦时额定储能容量", "1 kWh of rated energy capacity"),
             NATIONAL[15]["inputs"], dqr=dqr)


def device(cat, zh, en, hs, extra):
    return P(cat, zh, en, hs, ("functional", 1, "piece", "1台产品（含使用阶段）", "1 unit of product including its use stage"),
             extra + [ELEC, PACK,
                      inp("use_electricity", "使用阶段耗电", "electricity in use", "use", "kWh", ["use", "使用"])],
             boundary="cradle-to-grave")


CATALOGUE = [
    battery("consumer", "消费类锂离子电池", "Li-ion batteries for consumer products"),
    battery("small_power", "小动力锂离子电池", "small power Li-ion batteries"),
    battery("large_power", "动力锂离子电池", "large power (traction) Li-ion batteries"),
    battery("storage", "储能锂离子电池", "energy storage Li-ion batteries"),
    P("photovoltaic.module", "光伏组件", "PV modules", ["854143"], ("declared", 1, "kW", "1千瓦峰值功率组件", "1 kWp of module power"),
      NATIONAL[17]["inputs"], dqr=2.0),
    P("steel.bf_bof", "长流程钢（高炉-转炉）", "BF-BOF steel", ["72"], ("declared", 1, "t", "1吨粗钢", "1 tonne of crude steel"),
      [inp("iron_ore", "铁矿石/烧结矿/球团", "iron ore, sinter, pellets", match=["iron ore", "sinter", "pellet", "铁矿", "烧结", "球团"]),
       inp("coke", "焦炭", "coke", match=["coke", "焦炭"]), inp("pci_coal", "喷吹煤", "PCI coal", match=["coal", "煤"]),
       inp("flux", "熔剂", "fluxes", match=["limestone", "dolomite", "lime", "石灰", "白云石"]), ELEC,
       inp("scrap", "废钢", "steel scrap", match=["scrap", "废钢"])], alloc=ALLOC_NOECON),
    P("steel.eaf", "短流程钢（电炉）", "EAF steel", ["72"], ("declared", 1, "t", "1吨粗钢", "1 tonne of crude steel"),
      [inp("scrap", "废钢", "steel scrap", match=["scrap", "废钢"]), ELEC,
       inp("graphite_electrode", "石墨电极", "graphite electrodes", "raw_materials", "kg", ["electrode", "电极"]),
       inp("dri_pig_iron", "铁水/生铁/DRI", "hot metal, pig iron or DRI", match=["pig iron", "DRI", "hot metal", "生铁", "铁水"]),
       inp("lime", "石灰", "lime", match=["lime", "石灰"]), NG]),
    P("ferroalloy", "铁合金", "ferroalloys", ["7202"], T,
      [inp("ore", "矿石（锰/铬/硅石等）", "ores (Mn, Cr, quartzite, ...)", match=["ore", "quartz", "矿"]),
       inp("reductant", "还原剂（焦炭/兰炭）", "reductants (coke, semi-coke)", match=["coke", "焦炭", "兰炭"]), ELEC,
       inp("electrode", "电极糊", "electrode paste", "raw_materials", "kg", ["electrode", "电极"])]),
    P("textiles", "纺织品", "textiles", ["50", "51", "52", "53", "54", "55", "60", "61", "62", "63"], ("declared", 1, "kg", "1千克纺织品", "1 kg of textile"),
      [inp("fibre", "纤维（棉/涤纶等）", "fibres (cotton, polyester, ...)", "raw_materials", "kg", ["fibre", "fiber", "cotton", "polyester", "纤维", "棉", "涤纶"]),
       inp("dyes_chemicals", "染料和助剂", "dyes and auxiliaries", "raw_materials", "kg", ["dye", "chemical", "染料", "助剂"]),
       STEAM, ELEC, WATER, PACK]),
    device("room_air_conditioner", "房间空气调节器", "room air conditioners", ["8415"],
           [inp("compressor", "压缩机", "compressor", "raw_materials", "piece", ["compressor", "压缩机"]),
            inp("copper", "铜管", "copper tube", "raw_materials", "kg", ["copper", "铜"]),
            inp("aluminium", "铝箔", "aluminium fin stock", "raw_materials", "kg", ["aluminium", "aluminum", "铝"]),
            inp("refrigerant", "制冷剂（含泄漏）", "refrigerant (incl. leakage)", "raw_materials", "kg", ["refrigerant", "R32", "R410A", "制冷剂"]),
            inp("steel", "钢板", "steel sheet", "raw_materials", "kg", ["steel", "钢"])]),
    device("desktop_pc", "台式微型计算机", "desktop computers", ["847141", "847149"],
           [inp("mainboard", "主板及元器件", "mainboard and components", "raw_materials", "kg", ["mainboard", "PCB", "主板", "元器件"]),
            inp("ic", "集成电路（CPU/内存）", "integrated circuits (CPU, memory)", "raw_materials", "piece", ["IC", "CPU", "memory", "芯片", "内存"]),
            inp("psu", "电源", "power supply", "raw_materials", "piece", ["power supply", "PSU", "电源"]),
            inp("chassis", "机箱（钢/塑料）", "chassis (steel, plastics)", "raw_materials", "kg", ["chassis", "机箱", "steel", "钢"])]),
    device("laptop", "便携式计算机", "laptop computers", ["847130"],
           [inp("mainboard", "主板及元器件", "mainboard and components", "raw_materials", "kg", ["mainboard", "PCB", "主板", "元器件"]),
            inp("display", "显示屏", "display panel", "raw_materials", "piece", ["display", "LCD", "OLED", "显示屏"]),
            inp("battery", "电池", "battery", "raw_materials", "kWh", ["battery", "电池"]),
            inp("housing", "外壳（铝/塑料）", "housing (aluminium, plastics)", "raw_materials", "kg", ["housing", "外壳"])]),
    device("small_power_motor", "小功率电动机", "small-power motors", ["8501"],
           [inp("electrical_steel", "电工钢", "electrical steel", "raw_materials", "kg", ["electrical steel", "silicon steel", "硅钢", "电工钢"]),
            inp("copper_winding", "铜绕组", "copper winding", "raw_materials", "kg", ["copper", "铜"]),
            inp("housing", "机壳（铸铁/铝）", "housing (cast iron, aluminium)", "raw_materials", "kg", ["housing", "机壳"])]),
    P("tyre", "轮胎", "tyres", ["4011"], ("declared", 1, "piece", "1条轮胎", "1 tyre"),
      [inp("natural_rubber", "天然橡胶", "natural rubber", "raw_materials", "kg", ["natural rubber", "天然橡胶"]),
       inp("synthetic_rubber", "合成橡胶", "synthetic rubber", "raw_materials", "kg", ["synthetic rubber", "SBR", "BR", "合成橡胶"]),
       inp("carbon_black", "炭黑", "carbon black", "raw_materials", "kg", ["carbon black", "炭黑"]),
       inp("steel_cord", "钢丝帘线", "steel cord", "raw_materials", "kg", ["steel cord", "bead wire", "钢丝"]),
       inp("textile_cord", "纤维帘线", "textile cord", "raw_materials", "kg", ["textile cord", "帘线"]), STEAM, ELEC],
      aliases=["tire"]),
    P("wood_panel", "人造板和木质地板", "wood-based panels and wood flooring", ["4410", "4411", "4412", "4418"], ("declared", 1, "m3", "1立方米板材", "1 m3 of panel"),
      [inp("wood", "木材/木片", "wood, chips", "raw_materials", "m3", ["wood", "木"]),
       inp("resin", "胶黏剂（脲醛/酚醛等）", "resins (UF, PF, ...)", "raw_materials", "kg", ["resin", "adhesive", "胶", "树脂"]),
       STEAM, ELEC, inp("biomass_fuel", "生物质燃料", "biomass fuel", "production", "t", ["biomass", "生物质"])],
      aliases=["wood flooring", "人造板", "木地板"]),
]

def agri(cat, zh, en, hs, unit, extra):
    return P(cat, zh, en, hs, unit, extra + [FERT, PEST, DIESEL, ELEC, PACK, TRANSPORT],
             stages=["raw_materials", "production", "distribution"], primary=("raw_materials", "production"))


def metal(cat, zh, en, hs, extra, unit=T):
    return P(cat, zh, en, hs, unit, extra + [ELEC], alloc=ALLOC_PHYS)


ORE = lambda m_zh, m_en: inp("concentrate", m_zh + "精矿", m_en + " concentrate", match=["concentrate", "精矿"])
KG = ("declared", 1, "kg", "1千克产品", "1 kg of product")

# (region code, region zh, region en, list of products)
LOCAL = [
    ("530000", "云南省", "Yunnan", [
        metal("copper", "铜", "copper", ["7403"], [ORE("铜", "copper"), COAL, NG, inp("sulphuric_acid_credit", "副产硫酸", "by-product sulphuric acid", "production", "t", ["sulphuric", "硫酸"])]),
        metal("lead", "铅", "lead", ["7801"], [ORE("铅", "lead"), COAL, inp("coke", "焦炭", "coke", match=["coke", "焦炭"])]),
        metal("zinc", "锌", "zinc", ["7901"], [ORE("锌", "zinc"), COAL, inp("sulphuric_acid_credit", "副产硫酸", "by-product sulphuric acid", "production", "t", ["sulphuric", "硫酸"])]),
        metal("industrial_silicon", "工业硅", "silicon", ["280469"], [inp("quartzite", "硅石", "quartzite", match=["quartz", "硅石"]),
            inp("reductant", "还原剂（木炭/石油焦/煤）", "reductants (charcoal, petroleum coke, coal)", match=["coke", "charcoal", "coal", "焦", "木炭", "煤"]),
            inp("electrode", "电极", "electrodes", "raw_materials", "kg", ["electrode", "电极"])], ),
        metal("tin", "锡", "tin", ["8001"], [ORE("锡", "tin"), COAL, NG]),
        metal("platinum", "铂", "platinum", ["711011"], [inp("pgm_concentrate", "铂族金属精矿/废料", "PGM concentrate or scrap", "raw_materials", "kg", ["concentrate", "scrap", "精矿", "废料"]), NG, inp("reagents", "化学试剂", "reagents", "raw_materials", "kg", ["reagent", "试剂"])], unit=KG),
        metal("palladium", "钯", "palladium", ["711021"], [inp("pgm_concentrate", "铂族金属精矿/废料", "PGM concentrate or scrap", "raw_materials", "kg", ["concentrate", "scrap", "精矿", "废料"]), NG, inp("reagents", "化学试剂", "reagents", "raw_materials", "kg", ["reagent", "试剂"])], unit=KG),
        metal("rhodium", "铑", "rhodium", ["711031"], [inp("pgm_concentrate", "铂族金属精矿/废料", "PGM concentrate or scrap", "raw_materials", "kg", ["concentrate", "scrap", "精矿", "废料"]), NG, inp("reagents", "化学试剂", "reagents", "raw_materials", "kg", ["reagent", "试剂"])], unit=KG),
        agri("coffee", "咖啡", "coffee", ["0901"], KG, [inp("green_coffee", "咖啡鲜果/生豆", "coffee cherries or green beans", "raw_materials", "kg", ["cherry", "green", "鲜果", "生豆"]), inp("roasting_fuel", "烘焙燃料", "roasting fuel", "production", "GJ", ["roast", "烘焙"])]),
        agri("tea", "茶叶", "tea", ["0902"], KG, [inp("fresh_leaf", "鲜叶", "fresh tea leaves", "raw_materials", "kg", ["fresh leaf", "鲜叶"]), inp("drying_fuel", "杀青/干燥燃料", "fixing and drying fuel", "production", "GJ", ["drying", "fuel", "干燥", "燃料"])]),
        agri("cut_flowers", "鲜切花", "cut flowers", ["0603"], ("declared", 1000, "piece", "1000枝鲜切花", "1000 stems of cut flowers"), [inp("greenhouse_energy", "温室能耗", "greenhouse energy", "raw_materials", "GJ", ["greenhouse", "温室"]), inp("cold_chain", "冷链", "cold chain", "distribution", "t*km", ["cold", "冷链"])]),
    ]),
    ("530100", "云南省昆明市", "Kunming, Yunnan", [
        P("electrolytic_aluminium", "电解铝", "electrolytic aluminium", ["7601"], ("declared", 1, "t", "1吨铝液或铝锭", "1 tonne of primary aluminium (liquid or ingot)"),
          NATIONAL[5]["inputs"], alloc=ALLOC_NOECON),
        P("ammonium_phosphate", "磷铵", "ammonium phosphates", ["310530", "310540"], T,
          [inp("phosphate_rock", "磷矿石", "phosphate rock", match=["phosphate rock", "磷矿"]),
           inp("sulphuric_acid", "硫酸", "sulphuric acid", match=["sulphuric", "sulfuric", "硫酸"]),
           inp("ammonia", "合成氨", "ammonia", match=["ammonia", "氨"]), ELEC, STEAM], aliases=["MAP", "DAP", "磷酸一铵", "磷酸二铵"]),
    ]),
    ("140000", "山西省", "Shanxi", [
        P("coal", "煤炭", "coal", ["2701"], T, NATIONAL[1]["inputs"]),
        P("coke", "焦炭", "coke", ["2704"], T,
          [inp("coking_coal", "炼焦煤", "coking coal", match=["coking coal", "炼焦煤", "煤"]), ELEC, STEAM,
           inp("coke_oven_gas", "焦炉煤气（副产）", "coke oven gas (co-product)", "production", "m3", ["coke oven gas", "焦炉煤气"])],
          alloc=ALLOC_PHYS, aliases=["焦化"]),
    ]),
    ("520000", "贵州省", "Guizhou", [
        P("steel", "钢铁", "steel", ["72"], ("declared", 1, "t", "1吨粗钢", "1 tonne of crude steel"), NATIONAL[4]["inputs"]),
        P("cement", "水泥", "cement", ["2523"], T, NATIONAL[6]["inputs"]),
        P("coal", "煤炭", "coal", ["2701"], T, NATIONAL[1]["inputs"]),
        P("coke", "焦炭", "coke", ["2704"], T,
          [inp("coking_coal", "炼焦煤", "coking coal", match=["coking coal", "炼焦煤", "煤"]), ELEC, STEAM,
           inp("coke_oven_gas", "焦炉煤气（副产）", "coke oven gas (co-product)", "production", "m3", ["coke oven gas", "焦炉煤气"])],
          aliases=["焦化"]),
        agri("tobacco", "烟草制品", "tobacco products", ["2402"], ("declared", 1, "case", "1箱卷烟（5万支）", "1 case of cigarettes (50,000 sticks)"),
             [inp("leaf_tobacco", "烟叶", "leaf tobacco", "raw_materials", "kg", ["leaf", "烟叶"]), inp("curing_fuel", "烤烟燃料", "curing fuel", "raw_materials", "GJ", ["curing", "烤"]), inp("paper", "卷烟纸及辅料", "cigarette paper and materials", "raw_materials", "kg", ["paper", "纸"])]),
        agri("liquor", "白酒", "Chinese liquor (baijiu)", ["2208"], ("declared", 1, "L", "1升成品酒", "1 litre of liquor"),
             [inp("sorghum", "高粱等粮食", "sorghum and grain", "raw_materials", "kg", ["sorghum", "grain", "高粱", "粮"]), inp("distilling_steam", "蒸馏蒸汽/燃料", "steam or fuel for distilling", "production", "GJ", ["steam", "distill", "蒸汽", "蒸馏"]), inp("glass_bottle", "玻璃瓶", "glass bottles", "raw_materials", "kg", ["bottle", "glass", "瓶"])]),
        agri("tea", "茶叶", "tea", ["0902"], KG, [inp("fresh_leaf", "鲜叶", "fresh tea leaves", "raw_materials", "kg", ["fresh leaf", "鲜叶"]), inp("drying_fuel", "杀青/干燥燃料", "fixing and drying fuel", "production", "GJ", ["drying", "fuel", "干燥", "燃料"])]),
    ]),
    ("460000", "海南省", "Hainan", [
        agri("tropical_agri", "热带农产品", "tropical agricultural products", ["08"], KG,
             [inp("cold_chain", "冷链运输", "cold-chain transport", "distribution", "t*km", ["cold", "冷链"])]),
    ]),
]

# ---- the real standards behind the templates ------------------------------
# From ../shared/reference/research-2026-12.md section 1 (read 2026-12) and the
# pages it cites.  Every source seen is a reprint, a news item or a
# standards-shop or document-sharing page, so every entry is "verified": false
# (UNVERIFIED).  Where no standard was found the entry says so: never a
# guessed number.  The 2nd (23) and 3rd (73) MIIT lists were not read item by
# item, so "none_known" means "not found in the sources seen".
SRC_LIST1 = "https://www.yxiu.cn/finance/ch/362856.html"
SRC_LIST2 = "https://npo11590u.npoall.com/news/itemid-154597.html"
SRC_LIST3 = "http://m.bulleintime.com/zhengcefagui/2026/0203116845.html"
SRC_TOTAL = "https://news.yrules.com/?p=4533"
SRC_CISA = "https://npo11144c.npoall.com/news/itemid-93165.html"
MIIT_LISTS = [SRC_LIST1, SRC_LIST2, SRC_LIST3]

CPCIF = {"zh": "中国石油和化学工业联合会", "en": "China Petroleum and Chemical Industry Federation (CPCIF)"}
CISA = {"zh": "中国钢铁工业协会", "en": "China Iron and Steel Association (CISA)"}


def title(product_zh, product_en):
    return {"zh": "温室气体 产品碳足迹量化方法与要求 " + product_zh,
            "en": "Greenhouse gases - Quantification methods and requirements for the carbon footprint of products - "
                  + product_en}


def listed(batch, product_zh, product_en, sources, number=None, std_title=None, issuer=None, note=None):
    """A group standard on MIIT's recommended list `batch`."""
    d = {}
    if number:
        d["number"] = number
    if std_title:
        d["title"] = std_title
    if issuer:
        d["issuer"] = issuer
    d["level"] = "group"
    d["list_batch"] = batch
    d["status"] = "listed"
    d["verified"] = False
    d["source"] = sources
    if note is None and not number:
        note = {"zh": f"第{batch}批推荐清单含{product_zh}产品的团体标准，但已查阅的资料未给出其编号和名称。",
                "en": f"The batch {batch} list includes a group standard for {product_en}; the sources seen do not give "
                      "its number or title."}
    if note:
        d["note"] = note
    return d


def none_known(product_zh, product_en, extra=None):
    note = {"zh": f"截至2026-12，在已查阅的资料（工业产品碳足迹核算规则团体标准推荐清单第一至三批的转载、"
                  f"国家标准信息）中未找到{product_zh}的产品碳足迹核算标准；第二、三批清单未逐项核对。",
            "en": f"As of 2026-12 no carbon footprint standard for {product_en} was found in the sources seen "
                  "(reprints of MIIT's three recommended lists of group standards, national standard records); "
                  "the 2nd and 3rd lists were not checked item by item."}
    if extra:
        note = {"zh": note["zh"] + extra["zh"], "en": note["en"] + " " + extra["en"]}
    return {"status": "none_known", "verified": False, "source": MIIT_LISTS + [SRC_TOTAL], "note": note}


T_CISA_469 = listed(1, "钢铁", "steel", [SRC_CISA, SRC_LIST1], number="T/CISA 469-2024",
                    std_title=title("高炉-转炉长流程钢铁产品", "BF-BOF (long-process) steel products"), issuer=CISA,
                    note={"zh": "该标准适用于高炉-转炉长流程；中国钢铁工业协会称其共有三项团体标准入选第一批清单，"
                                "其余两项的编号未见。",
                          "en": "It covers the blast furnace - basic oxygen furnace route; CISA reports three of its "
                                "group standards on the 1st list, the other two numbers were not seen."})
LI_ION = {"number": "T/CQAE 12002-2024", "level": "group", "status": "issued", "verified": False,
          "source": ["https://m.aqrzj.com/doc/369722.html",
                     "research-2026-12.md section 1: a third-party repository citing a PDF hosted on miit.gov.cn"],
          "note": {"zh": "覆盖消费类、小动力和储能锂离子电池；第一批推荐清单含锂离子电池标准，一个第三方代码库引用了"
                         "工信部网站上的该标准文本，但是否即为入选标准未核实；标准名称未见。",
                   "en": "Covers consumer, small-power and energy-storage Li-ion batteries; the 1st list includes a "
                         "Li-ion battery standard and a third-party repository cites a copy of this one on miit.gov.cn, "
                         "but that it is the listed one was not confirmed; its title was not seen."}}
PV = [{"number": "SJ/T 11926-2024", "level": "industry", "status": "issued", "verified": False,
       "source": "https://7chinapv.com/industry/4157.html",
       "note": {"zh": "电子行业标准（光伏组件产品碳足迹）；另有 IEC 63667-1（光伏产品种类规则第1部分：组件）立项中。",
                "en": "Electronics industry standard for the carbon footprint of PV modules; IEC 63667-1 (PV "
                      "product category rules, part 1: modules) is a new work item."}},
      {"number": "GB/T 46340-2025", "title": {"zh": "绿色产品评价 光伏组件及逆变器",
                                              "en": "Green product assessment - PV modules and inverters"},
       "level": "national", "status": "in_force", "issued": "2025-10-05", "effective": "2026-05-01",
       "verified": False, "source": "http://f.tikuw.cn/f/item?id=1848139617208956",
       "note": {"zh": "绿色产品评价标准，资料性附录 C 给出产品碳足迹报告示例。",
                "en": "A green-product assessment standard; its informative annex C gives an example footprint report."}}]

STANDARDS = {
    "electricity": none_known("电力", "electricity", {
        "zh": "生态环境部等发布的电力碳足迹因子不是产品核算规则。",
        "en": "The electricity footprint factors published by MEE, NBS and NEA are factors, not a product rule."}),
    "coal": none_known("煤炭", "coal"),
    "natural_gas": none_known("天然气", "natural gas"),
    "fuel_oil": none_known("燃油", "fuel oil"),
    "steel": T_CISA_469,
    "steel.bf_bof": T_CISA_469,
    "steel.eaf": none_known("电炉短流程钢", "EAF steel", {
        "zh": "长流程钢见 T/CISA 469-2024；中国钢铁工业协会另有两项标准入选第一批清单，编号未见。",
        "en": "For BF-BOF steel see T/CISA 469-2024; CISA has two more standards on the 1st list whose numbers "
              "were not seen."}),
    "electrolytic_aluminium": none_known("电解铝", "electrolytic aluminium"),
    "cement": listed(1, "水泥", "cement", [SRC_LIST1, SRC_LIST2], note={
        "zh": "第一批推荐清单含水泥产品的团体标准，已查阅的资料未给出其编号和名称；水泥国家标准正在制定。",
        "en": "The 1st list includes a group standard for cement; the sources seen do not give its number or title. "
              "A national standard for cement is in preparation."}),
    "fertiliser": none_known("化肥", "fertilisers", {
        "zh": "合成氨见 T/CPCIF 0468-2025。", "en": "For synthetic ammonia see T/CPCIF 0468-2025."}),
    "hydrogen": listed(3, "氢", "hydrogen", SRC_LIST3, number="T/CPCIF 0466-2025",
                       std_title=title("氢", "hydrogen"), issuer=CPCIF),
    "lime": listed(1, "石灰", "lime", [SRC_LIST1, SRC_LIST2], note={
        "zh": "第一批推荐清单含石灰产品的团体标准，已查阅的资料未给出其编号和名称；石灰国家标准正在制定。",
        "en": "The 1st list includes a group standard for lime; the sources seen do not give its number or title. "
              "A national standard for lime is in preparation."}),
    "glass": {"number": "T/CECRPA 010-2024", "title": title("平板玻璃", "flat glass"),
              "issuer": {"zh": "中国生态文明研究与促进会",
                         "en": "China Ecological Civilization Research and Promotion Association"},
              "level": "group", "status": "issued", "issued": "2024-12-11", "verified": False,
              "source": ["http://cornels-photography.com/paper/396934465.html", SRC_LIST1],
              "note": {"zh": "第一批推荐清单含平板玻璃标准，但未核实入选的是否即为本标准。",
                       "en": "The 1st list includes a flat glass standard; that it is this one was not confirmed."}},
    "ethylene": listed(1, "乙烯", "ethylene", SRC_LIST1),
    "synthetic_ammonia": listed(3, "合成氨", "synthetic ammonia", SRC_LIST3, number="T/CPCIF 0468-2025",
                                std_title=title("合成氨", "synthetic ammonia"), issuer=CPCIF),
    "calcium_carbide": none_known("电石", "calcium carbide"),
    "methanol": listed(3, "甲醇", "methanol", SRC_LIST3, number="T/CPCIF 0467-2025",
                       std_title=title("甲醇", "methanol"), issuer=CPCIF),
    "lithium_battery": LI_ION,
    "lithium_battery.consumer": LI_ION,
    "lithium_battery.small_power": LI_ION,
    "lithium_battery.storage": LI_ION,
    "lithium_battery.large_power": none_known("动力锂离子电池", "traction Li-ion batteries", {
        "zh": "工信部动力电池碳足迹申报（工信厅通装函〔2025〕551号）要求额定能量大于 2 kWh 的车用动力电池"
              "申报碳足迹（2027-01-01 起常态化），这是申报制度，不是核算标准（来源未核实："
              "https://www.yuhaojiang.com/redian/1441623.html）。",
        "en": "MIIT's traction battery footprint declaration (工信厅通装函〔2025〕551号; routine from 2027-01-01, "
              "packs above 2 kWh) is a declaration scheme, not an accounting standard "
              "(https://www.yuhaojiang.com/redian/1441623.html, UNVERIFIED)."}),
    "new_energy_vehicle": none_known("新能源汽车", "new energy vehicles"),
    "photovoltaic": PV,
    "photovoltaic.module": PV,
    "electronics": none_known("电子电器产品（总类）", "electrical and electronic products in general", {
        "zh": "第一批推荐清单含手机产品的团体标准。", "en": "The 1st list includes a group standard for mobile phones."}),
    "ferroalloy": listed(1, "铁合金", "ferroalloys", [SRC_LIST1, SRC_CISA]),
    "textiles": none_known("纺织品", "textiles"),
    "room_air_conditioner": none_known("房间空气调节器", "room air conditioners"),
    "desktop_pc": none_known("台式微型计算机", "desktop computers"),
    "laptop": none_known("便携式计算机", "laptop computers"),
    "small_power_motor": none_known("小功率电动机", "small-power motors"),
    "tyre": [listed(3, "轮胎", "tyres", SRC_LIST3, number="T/CPCIF 0391-2024", std_title=title("轮胎", "tyres"),
                    issuer=CPCIF),
             {"number": "T/CCIIA 0011-2025", "level": "group", "status": "in_force", "issued": "2025-12-01",
              "effective": "2026-03-01", "verified": False, "source": "https://www.yunbiaozhun.com/detail/1753836.html",
              "note": {"zh": "轮胎产品碳足迹团体标准，覆盖乘用车、载重、工程、农业、工业和摩托车轮胎。",
                       "en": "Group standard for tyre footprints: passenger car, truck, off-the-road, agricultural, "
                             "industrial and motorcycle tyres."}}],
    "wood_panel": none_known("人造板和木质地板", "wood-based panels and flooring"),
    "copper": listed(1, "阴极铜", "cathode copper", SRC_LIST1),
    "lead": none_known("铅", "lead"),
    "zinc": listed(1, "锌锭", "zinc ingots", SRC_LIST1),
    "industrial_silicon": listed(1, "工业硅", "industrial silicon", SRC_LIST1),
    "tin": none_known("锡", "tin"),
    "platinum": none_known("铂", "platinum"),
    "palladium": none_known("钯", "palladium"),
    "rhodium": none_known("铑", "rhodium"),
    "coffee": none_known("咖啡", "coffee"),
    "tea": none_known("茶叶", "tea"),
    "cut_flowers": none_known("鲜切花", "cut flowers"),
    "ammonium_phosphate": none_known("磷铵", "ammonium phosphates"),
    "coke": {"level": "group", "status": "issued", "issuer": CISA, "verified": False, "source": SRC_CISA,
             "note": {"zh": "中国钢铁工业协会称其已发布冶金焦炭产品碳足迹团体标准，编号未见，未见其入选推荐清单。",
                      "en": "CISA reports a group standard for metallurgical coke among its footprint standards; its "
                            "number was not seen, nor was it seen on a MIIT list."}},
    "tobacco": none_known("烟草制品", "tobacco products"),
    "liquor": none_known("白酒", "Chinese liquor"),
    "tropical_agri": none_known("热带农产品", "tropical agricultural products"),
}

REPORTING = ["total", "by_stage", "by_gas", "fossil", "biogenic_emissions", "biogenic_removals",
             "dluc", "aircraft", "dqr", "cutoffs", "allocation", "uncertainty", "factor_versions", "inputs_digest"]


def rule(prod, rid, level, region=None, region_zh=None, region_en=None, catalogues=()):
    kind, amount, unit, uzh, uen = prod["unit"]
    title_zh = f"{prod['zh']}碳足迹核算规则（结构模板）"
    title_en = f"Carbon footprint accounting rule for {prod['en']} (structural template)"
    if region:
        title_zh = f"{region_zh}{title_zh}"
        title_en = f"{region_en}: {title_en}"
    r = {
        "format": "tanji-rule/1",
        "id": rid,
        "version": "0.1.0",
        "template": True,
        "note": NOTE,
        "title": {"zh": title_zh, "en": title_en},
        "product": {
            "category": prod["cat"],
            "name": {"zh": prod["zh"], "en": prod["en"]},
            "aliases": prod["aliases"],
            "codes": [{"scheme": "HS", "code": c, "note": "indicative heading"} for c in prod["hs"]],
        },
        "issuer": {"zh": "碳迹项目（模板，非发布机构）", "en": "tanji project (template, not an issuing body)"},
        "level": level,
        "status": "draft",
        "supersedes": [],
        "basis": ["GB/T 24067-2024", "ISO 14067:2018", "GB/T 24044"],
        "unit": {"kind": kind, "amount": amount, "unit": unit, "description": {"zh": uzh, "en": uen}},
        "boundary": prod["boundary"],
        "required_stages": prod["stages"],
        "required_inputs": [
            {"id": i[0], "name": {"zh": i[1], "en": i[2]}, "stage": i[3], "unit": i[4], "match": i[5]}
            for i in prod["inputs"]],
        "cutoff": {"per_input": 0.01, "total": 0.05},
        "allocation": {"allowed": prod["alloc"]},
        "gwp": "AR6",
        "primary_data": {"stages": prod["primary"], "processes": []},
        "dqr_max": prod["dqr"],
        "reporting": REPORTING,
    }
    r["standard"] = STANDARDS[prod["cat"]]
    if catalogues:
        r["lists"] = list(catalogues)
    if region:
        r["region"] = region
    return r


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "rules")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.startswith("tpl.") and f.endswith(".json"):
            os.remove(os.path.join(out, f))
    rules = []
    for p in NATIONAL:
        lists = ["national-key-products"]
        if p["cat"] in CATALOGUE_ALSO:
            lists.append("cnca-label-catalogue-1")
        rules.append(rule(p, "tpl.cn." + p["cat"], "national", catalogues=lists))
    for p in CATALOGUE:
        rules.append(rule(p, "tpl.cn." + p["cat"], "national", catalogues=["cnca-label-catalogue-1"]))
    for code, rzh, ren, prods in LOCAL:
        for p in prods:
            rules.append(rule(p, f"tpl.{code}.{p['cat']}", "local", code, rzh, ren,
                              catalogues=["provincial-specialties"]))
    ids = set()
    for r in rules:
        assert r["id"] not in ids, r["id"]
        ids.add(r["id"])
        with open(os.path.join(out, r["id"] + ".json"), "w", encoding="utf-8") as f:
            json.dump(r, f, ensure_ascii=False, indent=2)
            f.write("\n")
    print(f"wrote {len(rules)} rule templates to {os.path.normpath(out)}", file=sys.stderr)


if __name__ == "__main__":
    main()

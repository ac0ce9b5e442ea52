"""One-off: generate rule-pack skeletons from ../shared/domain/directory-2021.yaml (not shipped)."""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
voc = yaml.safe_load(open(ROOT / "rules/vocabulary.yaml"))
SA = voc["sensitive_areas"]
CAT = {"一": [], "二": [], "三": []}
for k, v in SA.items():
    CAT[v["category"]].append(k)
NAMES = {
    "国家公园": ["national_park"],
    "自然保护区": ["nature_reserve"],
    "风景名胜区": ["scenic_area"],
    "世界文化和自然遗产地": ["world_heritage_site"],
    "海洋特别保护区": ["marine_special_protected_area"],
    "饮用水水源保护区": ["drinking_water_source_protection_area"],
    "生态保护红线": ["ecological_red_line"],
    "永久基本农田": ["permanent_basic_farmland"],
    "基本农田保护区": ["permanent_basic_farmland"],
    "基本草原": ["basic_grassland"],
    "森林公园": ["forest_park"],
    "地质公园": ["geological_park"],
    "海洋公园": ["marine_park"],
    "自然公园": ["forest_park", "geological_park", "marine_park", "other_natural_park"],
    "重要湿地": ["important_wetland"],
    "天然林": ["natural_forest"],
    "重点保护野生动物栖息地": ["key_wildlife_habitat"],
    "重点保护野生植物生长繁殖地": ["key_wild_plant_site"],
    "产卵场": ["aquatic_spawning_ground"],
    "索饵场": ["aquatic_feeding_ground"],
    "越冬场": ["aquatic_wintering_ground"],
    "洄游通道": ["aquatic_migration_route"],
    "天然渔场": ["natural_fishing_ground"],
    "水土流失重点预防区": ["soil_erosion_key_area"],
    "沙化土地封禁保护区": ["desertified_land_closure_area"],
    "封闭及半封闭海域": ["closed_sea_area"],
    "居住": ["residential_area"],
    "医疗卫生": ["medical_area"],
    "文化教育": ["education_area"],
    "科研": ["research_area"],
    "行政办公": ["administrative_area"],
    "文物保护单位": ["cultural_relic_protection_unit"],
}


def scope_kinds(text):
    kinds = []
    for part in [p for p in text.split("；") if p]:
        m = re.match(r"第三条（([一二三])）中的(.*)", part)
        assert m, part
        cat, rest = m.groups()
        if rest.startswith("全部区域"):
            found = list(CAT[cat])
        else:
            found = []
            for name, ks in NAMES.items():
                if name in rest and all(SA[k]["category"] == cat for k in ks):
                    found += ks
        for k in found:
            if k not in kinds:
                kinds.append(k)
    return kinds


def split_top(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
        if ch == "；" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [c.strip() for c in out if c.strip()]


def codes_of(item):
    return re.findall(r"(?<![0-9])([0-9]{2,4})(?![0-9])", item)


d = yaml.safe_load(open(ROOT.parent / "shared/domain/directory-2021.yaml"))
if len(sys.argv) > 1:
    d["items"] = [i for i in d["items"] if i["no"] in map(int, sys.argv[1:])]
out = ROOT / "rules/directory-2021/items"
for it in d["items"]:
    n = it["no"]
    iid = f"item_{n:03d}"
    doc = {
        "id": iid,
        "item": n,
        "group": it["group"],
        "text": it["item"],
        "industrial_building_only": "*" in it["item"],
        "match": {"industry_codes": codes_of(it["item"]), "project_types": []},
        "sensitive_area_scope": {"text": it["sensitive_area_scope"], "kinds": scope_kinds(it["sensitive_area_scope"])},
        "columns": {},
    }
    for col in ("report_book", "report_form", "registration"):
        t = it[col]
        if t.strip() == "/":
            doc["columns"][col] = None
            continue
        doc["columns"][col] = {
            "text": t,
            "clauses": [{"id": f"{iid}.{col}.{k}", "text": c, "when": "TODO"} for k, c in enumerate(split_top(t), 1)],
        }
    p = out / f"{iid}.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000))
print("wrote", len(d["items"]))

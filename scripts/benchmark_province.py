"""Province-scale benchmark: screenings against thousands of control units, each with its own
access-list clause, with the entry index (decide/routing.py) and with every entry evaluated,
measured in the same run; the ratio, the extrapolation to a province's re-screening, and the
peak memory.

    .venv/bin/python scripts/benchmark_province.py [--units 5000] [--projects 2000] [--workers 2]
    .venv/bin/python scripts/benchmark_province.py --batch-rows 100000   # and `envscreen batch` end to end

It writes a synthetic province (a grid of square control units tiling one county-sized region,
an admin boundary, and a local pack with one clause per unit) to a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening import Screener, load_rules, project_from_data  # noqa: E402
from screening.decide.routing import EntryIndex  # noqa: E402

ON = dt.date(2025, 9, 1)
CODES = ("2614", "2110", "2319", "2661", "3360", "3411", "3484", "3982", "4620", "5265", "8411", "3130")
WEST, SOUTH, CELL = 119.0, 29.0, 0.01  # about 1 km by 1.1 km cells


def write_province(root: Path, units: int) -> tuple[Path, Path]:
    """A zones folder and a rules folder for `units` square control units in a near-square grid."""
    side = math.ceil(math.sqrt(units))
    zones, rules = root / "zones", root / "rules" / "province" / "lists"
    zones.mkdir(parents=True)
    rules.mkdir(parents=True)
    cells = []
    for k in range(units):
        i, j = k % side, k // side
        x, y = WEST + i * CELL, SOUTH + j * CELL
        ring = [[x, y], [x + CELL, y], [x + CELL, y + CELL], [x, y + CELL], [x, y]]
        cells.append(
            {
                "type": "Feature",
                "properties": {"code": f"ZH3309{k:07d}", "name": f"单元{k}", "unit_class": "一般管控单元"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    rows = math.ceil(units / side)
    # The admin boundary is the grid's bounding box: the last row may be part-filled, so a site
    # there is outside every unit (and the screening says so) - like a real county's edge.
    east, north = WEST + side * CELL, SOUTH + rows * CELL
    admin = {
        "type": "Feature",
        "properties": {"code": "330998", "name": "合成县"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[WEST, SOUTH], [east, SOUTH], [east, north], [WEST, north], [WEST, SOUTH]]],
        },
    }
    for name, feats in (("units", cells), ("admin", [admin])):
        (zones / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    common = {"crs": "EPSG:4326", "coverage": "region", "source": "synthetic benchmark data", "version": "1"}
    manifest = {
        "region": {
            "id": "synthetic-province",
            "name_zh": "合成区域（基准测试）",
            "name_en": "synthetic region (benchmark)",
            "illustrative": True,
            "jurisdiction": "330998",
            "version": "1",
            "work_crs": "EPSG:4545",
        },
        "layers": [
            {
                "id": "admin_boundary",
                "file": "admin.geojson",
                "kind": "admin_boundary",
                **common,
                "attributes": {"code": "code", "name": "name"},
            },
            {
                "id": "control_units",
                "file": "units.geojson",
                "kind": "control_unit",
                **common,
                "attributes": {"code": "code", "name": "name", "unit_class": "unit_class"},
                "values": {"unit_class": {"一般管控单元": "general"}},
            },
        ],
    }
    (zones / "layers.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    entries = [
        {
            "id": f"unit.{k}.1",
            "clause": f"ZH3309{k:07d} 空间布局约束第1条",
            "dimension": "space_layout",
            "effect": "required" if k % 2 else "prohibited",
            "applies": {"zone": {"kind": "control_unit", "code": f"ZH3309{k:07d}"}},
            "text": "单元内新建项目须符合单元准入要求。",
            "text_en": "New projects in the unit must meet its access requirements.",
            "when": {"quantity": "industrial_wastewater_discharge_m3_per_day", "gt": 100 + k % 50},
        }
        for k in range(units)
    ]
    pack = {
        "id": "province",
        "kind": "local",
        "title": "合成区域生态环境准入清单",
        "short": "合成",
        "jurisdiction": "330998",
        "version": "1",
        "effective_from": dt.date(2025, 1, 1),
        "illustrative": True,
        "citation_prefix": "《合成区域生态环境分区管控方案》",
    }
    (rules.parent / "pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), "utf-8")
    lst = {"id": "units", "title": "单元准入清单", "document": "《合成》附表", "entries": entries}
    (rules / "units.yaml").write_text(yaml.safe_dump(lst, allow_unicode=True), "utf-8")
    return zones, root / "rules"


def projects(screener: Screener, n: int, units: int) -> list[Any]:
    """The projects of `project_rows` as validated Projects."""
    q = "industrial_wastewater_discharge_m3_per_day"
    return [
        project_from_data(
            {
                "name": r["name"],
                "construction": r["construction"],
                # varied codes and a continuous quantity, so that few projects of a chunk send
                # identical facts (the engines send each distinct message once)
                "industry_codes": [r["industry_codes"]],
                "quantities": {q: r[f"quantities.{q}"]},
                "application_date": r["application_date"],
                "location": {"crs": r["crs"], "point": [r["lon"], r["lat"]]},
            },
            screener.vocabulary,
        )
        for r in project_rows(n, units)
    ]


def project_rows(n: int, units: int, seed: int = 5) -> list[dict[str, Any]]:
    """The projects of `projects`, as rows of a batch table (docs/batch.md)."""
    rng = random.Random(seed)
    side = math.ceil(math.sqrt(units))
    rows = math.ceil(units / side)
    return [
        {
            "id": f"r{k}",
            "name": f"项目{k}",
            "construction": "new",
            "industry_codes": rng.choice(CODES),
            "quantities.industrial_wastewater_discharge_m3_per_day": round(rng.uniform(0, 300), 1),
            "application_date": ON.isoformat(),
            "crs": "wgs84",
            "lon": round(WEST + rng.random() * side * CELL, 6),
            "lat": round(SOUTH + rng.random() * (rows - 1) * CELL, 6),
        }
        for k in range(n)
    ]


def batch_end_to_end(root: Path, zones: Path, rules: Path, n: int, units: int, workers: int) -> dict[str, Any]:
    """`envscreen batch` over a CSV of n rows, as a user runs it: wall time, and the peak of the
    summed RSS of the whole process tree (main process and workers), sampled every 0.1 s."""
    import csv
    import subprocess

    import psutil

    table = root / "projects.csv"
    rows = project_rows(n, units)
    with table.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    cmd = [str(ROOT / ".venv/bin/envscreen"), "batch", str(table), "--out", str(root / "out.parquet")]
    cmd += ["--rules", str(rules), "--zones", str(zones), "--workers", str(workers), "--quiet"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    top = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [top, *top.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(
            f"envscreen batch failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
        )
    return {
        "batch_rows": n,
        "batch_workers": workers,
        "batch_wall_s": round(wall, 1),
        "batch_peak_tree_rss_mib": round(peak / 2**20),
    }


def rate(screener: Screener, batch: list[Any], chunk: int = 200) -> tuple[float, list[Any]]:
    t = time.perf_counter()
    decisions = []
    for i in range(0, len(batch), chunk):
        decisions += screener.screen_many(batch[i : i + chunk], on=ON)
    return len(batch) / (time.perf_counter() - t), decisions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2, help="processes assumed for the extrapolation")
    ap.add_argument("--target", type=int, default=100_000, help="projects to extrapolate to")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--batch-rows", type=int, default=0, help="also run `envscreen batch` on this many rows")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        zones, rules = write_province(Path(tmp), args.units)
        screener = Screener(load_rules(rules), zones=zones)
        load_s = time.perf_counter() - t
        batch = projects(screener, args.projects, args.units)
        rate(screener, batch[:50])  # warm up: caches, the first durable-rules sessions
        indexed, with_index = rate(screener, batch)
        routes = screener.routes
        # The baseline: the same screener with every entry evaluated (buffer -1 routes nothing).
        screener.routes = {k: EntryIndex(v.entries, -1.0) for k, v in routes.items()}
        scanned, full_scan = rate(screener, batch)
        screener.routes = routes
        end_to_end = (
            batch_end_to_end(Path(tmp), zones, rules, args.batch_rows, args.units, args.workers)
            if args.batch_rows
            else {}
        )
    same = [(a.tier, a.admissibility) for a in with_index] == [(b.tier, b.admissibility) for b in full_scan]
    same = same and all(
        [r.rule_id for r in a.admissibility.reasons] == [r.rule_id for r in b.admissibility.reasons]
        for a, b in zip(with_index, full_scan, strict=True)
        if a.admissibility and b.admissibility
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "units_with_own_clause": args.units,
        "projects": args.projects,
        "load_s": round(load_s, 1),
        "indexed_per_s": round(indexed, 1),
        "full_scan_per_s": round(scanned, 1),
        "ratio_indexed_to_full_scan": round(indexed / scanned, 2),
        "same_answers": same,
        f"extrapolated_s_for_{args.target}_on_{args.workers}_processes": round(
            load_s + args.target / (indexed * args.workers), 1
        ),
        "full_scan_extrapolated_s": round(load_s + args.target / (scanned * args.workers), 1),
        "peak_rss_mib_one_process": round(peak_mib),
        **end_to_end,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for k, v in figures.items():
            print(f"{k:>45}: {v}")
    if not same:
        sys.exit("the indexed and the full-scan answers differ")


if __name__ == "__main__":
    main()

"""Benchmark envscreen against raw durable-rules, measured in the same run.

Reports: in-process screenings per second over a mixed corpus of generated projects, the
same projects with a site on the bundled sample region (zoning, local lists), the raw
durable-rules event throughput (post + delete_state on a trivial ruleset) and the ratios,
and the cold wall time of one `envscreen check` process.

    .venv/bin/python scripts/benchmark.py [--projects 2000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ON = __import__("datetime").date(2025, 9, 1)  # the sample county's packs are in force
sys.path.insert(0, str(ROOT))

from screening.packs.conditions import Cmp, leaves  # noqa: E402
from screening.project.model import Project, project_from_data  # noqa: E402
from screening.screener import Screener  # noqa: E402


def corpus(screener: Screener, n: int, seed: int = 7) -> list[Project]:
    """Mixed projects: every item in turn, quantities around its thresholds, some unlisted."""
    rng = random.Random(seed)
    rules = screener.rules
    vocab = rules.vocabulary
    items = list(rules.directory.items)
    out = []
    for k in range(n):
        if k % 10 == 9:  # an unlisted industry (article 5)
            data: dict[str, Any] = {"industry_codes": [rng.choice(["5211", "6110", "7241", "8810"])]}
        else:
            item = items[k % len(items)]
            data = (
                {"industry_codes": [rng.choice(item.industry_codes)]}
                if item.industry_codes
                else {"project_types": [rng.choice(item.project_types)]}
            )
            qs: dict[str, float] = {}
            for col in item.columns:
                for c in col.clauses:
                    for leaf in leaves(c.full):
                        if isinstance(leaf, Cmp) and leaf.section == "quantities":
                            qs[leaf.term or ""] = max(0.0, leaf.value + rng.choice([-1.0, 0.0, 1.0]))
            data["quantities"] = qs
        for section in ("processes", "features"):
            terms = sorted(vocab.terms(section))
            data[section] = rng.sample(terms, k=min(len(terms), rng.choice([0, 0, 1, 2])))
        data["sensitive_areas"] = rng.choice([[], [], ["nature_reserve"], ["residential_area"]])
        data["industrial_building"] = rng.random() < 0.8
        out.append(
            project_from_data({"name": f"p{k}", "construction": rng.choice(["new", "expansion"]), **data}, vocab)
        )
    return out


def with_sites(screener: Screener, projects: list[Project], seed: int = 11) -> list[Project]:
    """The same projects, each with a random point inside the sample region (WGS84)."""
    import dataclasses

    from shapely.geometry import Point

    from screening.project.site import Site

    rng = random.Random(seed)
    zones = screener.zones
    region = zones.to_wgs84(zones.coverage["admin_boundary"])
    minx, miny, maxx, maxy = region.bounds
    out = []
    for p in projects:
        while True:
            pt = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if region.contains(pt):
                break
        out.append(dataclasses.replace(p, site=Site(geometry=pt, kind="point", crs="wgs84", warnings=())))
    return out


def screenings_per_second(screener: Screener, projects: list[Project], seconds: float) -> tuple[float, dict[str, int]]:
    tiers: dict[str, int] = {}
    for p in projects:  # warm-up, and the tier mix of the corpus
        d = screener.screen(p, on=ON)
        key = d.tier or d.status
        tiers[key] = tiers.get(key, 0) + 1
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for p in projects:
            screener.screen(p, on=ON)
        n += len(projects)
    return n / (time.perf_counter() - t0), tiers


def raw_durable_events_per_second(seconds: float) -> float:
    from screening.engine import durable as eng

    name = f"bench_raw_{time.monotonic_ns()}"
    host = eng._get_host()
    host.register_rulesets(
        {
            name: {
                "big": {"all": [{"m": {"$gt": {"area": 100}}}], "run": lambda c: None},
                "small": {"all": [{"m": {"$lte": {"area": 100}}}], "run": lambda c: None},
            }
        }
    )
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for k in range(1000):
            sid = str(k)
            host.post(name, {"sid": sid, "area": k % 200})
            host.delete_state(name, sid)
        n += 1000
    return n / (time.perf_counter() - t0)


def cold_check_seconds(example: Path, runs: int = 5) -> float:
    exe = Path(sys.executable).parent / "envscreen"
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(exe), "check", str(example)], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()

    t0 = time.perf_counter()
    screener = Screener()
    compile_s = time.perf_counter() - t0
    projects = corpus(screener, args.projects)
    raw = raw_durable_events_per_second(args.seconds)
    rate, tiers = screenings_per_second(screener, projects, args.seconds)
    t0 = time.perf_counter()
    zones = screener.zones
    zones_s = time.perf_counter() - t0
    sited = with_sites(screener, projects)
    sited_rate, _ = screenings_per_second(screener, sited, args.seconds)
    example = sorted((ROOT / "examples").glob("*.yaml"))[0]
    cold = cold_check_seconds(example)
    figures = {
        "projects_in_corpus": len(projects),
        "tier_mix": tiers,
        "rulesets": len(screener.engine.rulesets),
        "rules": sum(len(r.rules) + 1 for r in screener.engine.rulesets),
        "compile_seconds": round(compile_s, 3),
        "screenings_per_second": round(rate),
        "raw_durable_events_per_second": round(raw),
        "ratio_screenings_to_raw_events": round(rate / raw, 3),
        "zone_features": len(zones.features),
        "zone_load_seconds": round(zones_s, 3),
        "sited_screenings_per_second": round(sited_rate),
        "ratio_sited_to_unsited": round(sited_rate / rate, 3),
        "cold_check_seconds": round(cold, 3),
        "cold_check_example": str(example.relative_to(ROOT)),
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    print(f"corpus: {len(projects)} generated projects, tier mix {tiers}")
    print(f"rules: {figures['rules']} in {figures['rulesets']} durable-rules rulesets, compiled in {compile_s:.2f} s")
    print(f"in-process screening: {rate:,.0f} screenings/s (one core)")
    print(f"raw durable-rules:    {raw:,.0f} events/s (post + delete_state, trivial 2-rule ruleset)")
    print(f"ratio screening/raw:  {rate / raw:.3f}")
    print(f"zones: {len(zones.features)} features loaded and indexed in {zones_s:.2f} s")
    print(f"sited screening:      {sited_rate:,.0f} screenings/s (locate + directory + local lists; one core)")
    print(f"ratio sited/unsited:  {sited_rate / rate:.3f}")
    print(f"cold `envscreen check {example.name}`: {cold:.3f} s (median of 5)")


if __name__ == "__main__":
    main()

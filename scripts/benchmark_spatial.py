"""Benchmark locate_many against a plain geopandas sjoin and a loop without a spatial index.

    python scripts/benchmark_spatial.py [--sites 10000] [--polygons 5000] [--buffer 0] [--seed 1]

Generates, in one run, a zone set in a projected CRS (a Voronoi tessellation of control units,
overlapping round zones, one admin boundary) and a batch of sites (mostly points, some lines
and plots), then times:

  locate_many  the whole batch, reprojection of the sites from WGS84 included;
  sjoin        geopandas.sjoin(sites, zones, predicate="intersects") on sites already in the
               work CRS: the lower bound of any index-based join (it computes no relation);
  loop         shapely.intersects for every site/zone pair, no index, on a subsample of sites,
               extrapolated linearly to the batch (said so in the output).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.project.site import Site  # noqa: E402
from screening.zones.locate import locate_many, locate_table  # noqa: E402

WORK_CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E, as the sample county
CENTRE = (120.15, 29.4)
SIDE_M = 60_000.0  # a county-sized square


@dataclass(eq=False)
class BenchZones:
    """The parts of zonelayers.ZoneSet that locate reads."""

    features: gpd.GeoDataFrame
    coverage: dict[str, Any]
    layers: dict[str, Any]
    region: Any
    transformer: Transformer

    def to_work(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda xy: np.column_stack(self.transformer.transform(xy[:, 0], xy[:, 1])))


def make_zones(n_polygons: int, rng: np.random.Generator) -> BenchZones:
    x0, y0 = Transformer.from_crs("EPSG:4326", WORK_CRS, always_xy=True).transform(*CENTRE)
    region = box(x0 - SIDE_M / 2, y0 - SIDE_M / 2, x0 + SIDE_M / 2, y0 + SIDE_M / 2)
    n_cells = int(n_polygons * 0.8)
    n_round = n_polygons - n_cells
    seeds = shapely.multipoints(
        rng.uniform((region.bounds[0], region.bounds[1]), (region.bounds[2], region.bounds[3]), (n_cells, 2))
    )
    cells = [c.intersection(region) for c in shapely.voronoi_polygons(seeds, extend_to=region).geoms]
    centres = rng.uniform((region.bounds[0], region.bounds[1]), (region.bounds[2], region.bounds[3]), (n_round, 2))
    rounds = shapely.buffer(shapely.points(centres), rng.uniform(200, 1500, n_round), quad_segs=16)
    round_layers = rng.choice(["red_line", "water", "parks"], n_round)
    kinds = {"boundary": "admin_boundary", "units": "control_unit", "red_line": "ecological_red_line",
             "water": "sensitive_area", "parks": "park"}  # fmt: skip
    rows: list[dict[str, Any]] = [{"layer": "boundary", "kind": "admin_boundary", "code": "330999", "geometry": region}]
    rows += [
        {"layer": "units", "kind": "control_unit", "code": f"U{i:05d}", "unit_class": "general", "geometry": g}
        for i, g in enumerate(cells)
    ]
    rows += [
        {"layer": lid, "kind": kinds[lid], "code": f"Z{i:05d}", "geometry": g}
        for i, (lid, g) in enumerate(zip(round_layers, rounds, strict=True))
    ]
    columns = ("layer", "kind", "code", "name", "unit_class", "sensitive_area", "protection_class", "park_type")
    frame = gpd.GeoDataFrame(
        {c: [r.get(c, r["code"] if c == "name" else None) for r in rows] for c in columns},
        geometry=[r["geometry"] for r in rows],
        crs=WORK_CRS,
    )
    _ = frame.sindex
    coverage = {lid: region for lid in kinds}
    layers = {lid: SimpleNamespace(id=lid, kind=kind) for lid, kind in kinds.items()}
    zones_region = SimpleNamespace(work_crs=WORK_CRS, jurisdiction="330999")
    return BenchZones(
        frame, coverage, layers, zones_region, Transformer.from_crs("EPSG:4326", WORK_CRS, always_xy=True)
    )


def make_sites(
    n: int, zones: BenchZones, rng: np.random.Generator, points: float = 0.8
) -> tuple[list[Site], gpd.GeoDataFrame]:
    """`points` of them points, the rest half lines (roads, 2-5 vertices over ~1 km), half plots
    (50-300 m squares)."""
    xmin, ymin, xmax, ymax = zones.coverage["boundary"].bounds
    kinds = rng.choice(["point", "line", "polygon"], n, p=[points, (1 - points) / 2, (1 - points) / 2])
    xy = rng.uniform((xmin + 2000, ymin + 2000), (xmax - 2000, ymax - 2000), (n, 2))
    geoms: list[Any] = []
    for kind, (x, y) in zip(kinds, xy, strict=True):
        if kind == "point":
            geoms.append(shapely.Point(x, y))
        elif kind == "line":
            steps = rng.normal(0, 300, (int(rng.integers(1, 5)), 2))
            geoms.append(shapely.LineString(np.vstack([(x, y), (x, y) + np.cumsum(steps, axis=0)])))
        else:
            half = rng.uniform(25, 150)
            geoms.append(box(x - half, y - half, x + half, y + half))
    work = gpd.GeoDataFrame({"kind": kinds}, geometry=geoms, crs=WORK_CRS)
    wgs = work.to_crs("EPSG:4326")
    sites = [Site(g, str(k), "wgs84") for g, k in zip(wgs.geometry, kinds, strict=True)]
    # sjoin gets the same sites as locate_many sees them after reprojection.
    work = gpd.GeoDataFrame(
        {"kind": kinds}, geometry=zones.to_work(np.asarray(wgs.geometry.values, dtype=object)), crs=WORK_CRS
    )
    return sites, work


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--polygons", type=int, default=5_000)
    ap.add_argument("--buffer", type=float, default=0.0, help="buffer_m for locate_many (sjoin has none)")
    ap.add_argument("--points", type=float, default=0.8, help="share of the sites that are points")
    ap.add_argument("--loop-sample", type=int, default=200, help="sites timed in the no-index loop")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    zones = make_zones(args.polygons, rng)
    sites, work = make_sites(args.sites, zones, rng, args.points)
    setup = time.perf_counter() - t0
    features = zones.features

    locate_many(sites[:10], zones, args.buffer)  # warm the per-zone-set index (prepared geometries)
    t_locate, locations = best_of(lambda: locate_many(sites, zones, args.buffer), args.repeat)
    t_table, table = best_of(lambda: locate_table(sites, zones, args.buffer), args.repeat)
    t_sjoin, joined = best_of(lambda: gpd.sjoin(work, features, predicate="intersects"), args.repeat)

    sample = min(args.loop_sample, len(sites))
    plain = list(shapely.from_wkb(shapely.to_wkb(features.geometry.values)))  # unprepared copies, no index

    def loop() -> int:
        count = 0
        for s in work.geometry.values[:sample]:
            for z in plain:
                count += s.intersects(z)
        return count

    t_sub, _ = best_of(loop, 1)
    t_loop = t_sub * len(sites) / sample

    n_hits = sum(len(loc.hits) for loc in locations)
    if int((table["relation"] != "nearby").sum()) != n_hits:
        print("MISMATCH: locate_table and locate_many differ", file=sys.stderr)
        return 1
    if args.buffer == 0 and n_hits != len(joined):
        print(f"MISMATCH: locate_many found {n_hits} hits, sjoin {len(joined)} pairs", file=sys.stderr)
        return 1
    counts = dict(zip(*np.unique(work["kind"], return_counts=True), strict=True))
    units = int((features["layer"] == "units").sum())
    print(f"zones: {len(features):,} polygons ({units:,} Voronoi units, rest overlapping); "
          f"sites: {len(sites):,} ({', '.join(f'{v:,} {k}s' for k, v in sorted(counts.items()))}); "
          f"hits: {n_hits:,}; buffer_m {args.buffer:g}; generated in {setup:.1f} s")  # fmt: skip
    print(f"{'method':<14}{'seconds':>10}{'sites/s':>12}")
    for name, t in (("locate_table", t_table), ("locate_many", t_locate), ("sjoin", t_sjoin), ("loop", t_loop)):
        print(f"{name:<14}{t:>10.3f}{len(sites) / t:>12,.0f}")
    print(f"loop: {sample} of {len(sites):,} sites timed ({t_sub:.2f} s) and extrapolated")
    print(f"locate_table / sjoin = {t_table / t_sjoin:.2f}   (target <= 1.5; the same pairs as a table, plus relation,")
    print("                              inside/boundary and overlap shares, which sjoin does not compute)")
    print(f"locate_many / sjoin  = {t_locate / t_sjoin:.2f}   (the same, plus a Location and ZoneHits per site)")
    print(f"loop / locate_many  = {t_loop / t_locate:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Generate the bundled sample region: a FICTIONAL county for demos and tests, not official data.

    .venv/bin/python scripts/make_sample_region.py          # rewrites zones/

Writes zones/layers.yaml, zones/README.md and zones/sample-county/*.geojson plus
reference-points.yaml. Deterministic: a fixed seed and fixed recipes, so the same shapely/GEOS
and pyproj versions give the same bytes. The shapes are drawn in the work CRS (metres), then
converted to CGCS2000 lon/lat on a 1e-6 degree grid; the control units are rebuilt from one
noded set of edges on that grid so that they tile the county exactly after rounding.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

SEED = 20250630
VERSION = "2025.1"
DATE = "2025-06-30"
JURISDICTION = "330999"
WORK_CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E: metres, as Zhejiang schemes compute areas
FILE_CRS = "EPSG:4490"  # CGCS2000 lon/lat, the datum of official Chinese zoning data
CENTRE_LONLAT = (119.9, 29.3)
GRID = 1e-6  # degrees (about 0.1 m): coordinates are written with 6 decimals
NOTICE = "虚构示例数据，仅供演示和测试，非官方数据 / fictional illustrative data for demos and tests, not official"

ROOT = Path(__file__).resolve().parent.parent / "zones"
REGION_DIR = ROOT / "sample-county"

_TO_LONLAT = Transformer.from_crs(WORK_CRS, FILE_CRS, always_xy=True)
_TO_WORK = Transformer.from_crs(FILE_CRS, WORK_CRS, always_xy=True)
CX, CY = _TO_WORK.transform(*CENTRE_LONLAT)


def km(x: float, y: float) -> tuple[float, float]:
    """Work-CRS position of a point given in km east/north of the county centre."""
    return CX + x * 1000.0, CY + y * 1000.0


# ----------------------------------------------------------------------- shape recipes


def blob(
    rng: np.random.Generator,
    x: float,
    y: float,
    rx: float,
    ry: float,
    *,
    rot: float = 0.0,
    rough: float = 0.12,
    n: int = 96,
) -> Polygon:
    """An irregular closed shape around (x, y) km with semi-axes rx, ry km: a few random harmonics."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 9):
        r += rough / k**0.7 * rng.normal() * np.cos(k * t + rng.uniform(0, 2 * math.pi))
    noise = rng.normal(size=n)
    kernel = np.hanning(9) / np.hanning(9).sum()  # smoothed, so edges wander instead of zig-zagging
    r += rough * 0.35 * np.convolve(np.concatenate([noise[-4:], noise, noise[:4]]), kernel, mode="valid")
    r = np.clip(r, 0.35, None)
    px, py = rx * 1000 * r * np.cos(t), ry * 1000 * r * np.sin(t)
    c, s = math.cos(rot), math.sin(rot)
    ox, oy = km(x, y)
    return shapely.make_valid(Polygon(np.column_stack([ox + c * px - s * py, oy + s * px + c * py])))


def meander(rng: np.random.Generator, points_km: list[tuple[float, float]], amp: float, depth: int = 6) -> LineString:
    """A wandering line through the given km positions (midpoint displacement, ends fixed)."""
    pts = [np.array(km(*p)) for p in points_km]
    for level in range(depth):
        out = [pts[0]]
        for a, b in zip(pts, pts[1:], strict=False):
            d = b - a
            normal = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9)
            out.append((a + b) / 2 + normal * rng.normal() * amp * np.hypot(*d) / 2 ** (level * 0.3 + 1))
            out.append(b)
        pts = out
    return LineString(pts)


def wiggle_edges(rng: np.random.Generator, edges: Iterable[LineString], amp: float) -> list[LineString]:
    """Give straight Voronoi edges a natural wiggle; the ends stay put so cells still meet."""
    out = []
    for e in edges:
        coords = np.asarray(e.coords)
        for a, b in zip(coords, coords[1:], strict=False):
            length = float(np.hypot(*(b - a)))
            n = max(2, int(length // 250))
            t = np.linspace(0, 1, n + 1)[:, None]
            pts = a + (b - a) * t
            normal = np.array([-(b - a)[1], (b - a)[0]]) / (length + 1e-9)
            bump = np.sin(np.pi * t[:, 0]) * np.cumsum(rng.normal(0, amp, n + 1))
            bump -= np.linspace(bump[0], bump[-1], n + 1)
            out.append(LineString(pts + normal * bump[:, None]))
    return out


def noisy_cells(rng: np.random.Generator, area: BaseGeometry, seeds: np.ndarray, amp: float) -> list[Polygon]:
    """Voronoi cells of `seeds` with wiggled edges, tiling `area` (faces of one noded linework)."""
    edges = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=area.buffer(5000), only_edges=True)
    lines = wiggle_edges(rng, shapely.get_parts(shapely.line_merge(edges)), amp)
    noded = shapely.union_all([*lines, area.boundary])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))) if f.area > 1]
    return [f for f in faces if area.contains(f.representative_point())]


def random_points_in(rng: np.random.Generator, area: BaseGeometry, n: int, min_gap: float = 0.0) -> np.ndarray:
    """`n` uniform random points inside `area` (rejection sampling), at least `min_gap` m apart."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    prepared = area
    pts: list[tuple[float, float]] = []
    tries = 0
    while len(pts) < n and tries < n * 200:
        tries += 1
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not prepared.contains(Point(x, y)):
            continue
        if min_gap and pts and min(math.hypot(x - a, y - b) for a, b in pts) < min_gap:
            continue
        pts.append((x, y))
    return np.array(pts)


def polys(g: BaseGeometry) -> list[Polygon]:
    return [p for p in shapely.get_parts(g) if isinstance(p, Polygon) and not p.is_empty]


def largest(g: BaseGeometry) -> Polygon:
    return max(polys(g), key=lambda p: p.area)


def clean(g: BaseGeometry, min_area: float = 1.0) -> BaseGeometry:
    """Polygonal part of a valid geometry (overlays leave lines, points and crumbs behind)."""
    parts = [p for p in polys(shapely.make_valid(g)) if p.area > min_area]
    return shapely.union_all(parts) if parts else Polygon()


# ----------------------------------------------------------------------- the county


TOWNS = [  # name, pinyin, (x, y) km from the centre, rx, ry, rotation; the first is the county seat
    ("城关镇", "chengguan", (1.5, -0.5), 2.3, 1.6, 0.3),
    ("青溪镇", "qingxi", (-13.0, 3.5), 1.0, 0.7, -0.4),
    ("石桥镇", "shiqiao", (-4.0, -8.5), 1.1, 0.8, 0.8),
    ("白沙镇", "baisha", (9.5, 7.5), 1.0, 0.75, 0.2),
    ("枫林乡", "fenglin", (-15.0, -5.0), 0.7, 0.5, 1.1),
    ("梅坞乡", "meiwu", (15.5, 2.5), 0.75, 0.55, -0.6),
]


@dataclass
class Feature:
    props: dict[str, Any]
    geom: BaseGeometry  # work CRS until written


@dataclass
class Layer:
    id: str
    file: str
    kind: str
    title_zh: str
    attributes: dict[str, str]
    features: list[Feature] = field(default_factory=list)
    values: dict[str, dict[str, str]] | None = None
    sensitive_area: str | None = None
    source: str = ""


def build(rng: np.random.Generator) -> dict[str, Any]:
    """Draw every shape in the work CRS; return the named pieces."""
    # County outline: an ellipse 40 x 35 km with random harmonics, then a finer roughness.
    county = blob(rng, 0, 0, 20.0, 17.5, rot=0.12, rough=0.09, n=640)
    county = shapely.simplify(county, 15)

    # Rivers: the main river 青溪 leaves the reservoir in the north-west and runs east past the
    # county seat and the chemical park; a tributary joins from the south.
    reservoir = blob(rng, -9.5, 9.0, 1.7, 0.75, rot=-0.35, rough=0.25, n=120)
    river = meander(
        rng,
        [(-8.6, 8.4), (-6.5, 5.0), (-3.0, 2.6), (1.0, 2.0), (6.0, 0.5), (10.5, -3.0), (15.0, -4.0), (22.5, -5.0)],
        amp=0.18,
    )
    inflow = meander(rng, [(-11.5, 13.5), (-10.5, 10.6), (-9.8, 9.5)], amp=0.2)
    tributary = meander(rng, [(-6.0, -16.5), (-4.5, -9.5), (-2.5, -3.0), (-1.2, 2.2)], amp=0.15)
    river_water = clean(shapely.union_all([river.buffer(45), tributary.buffer(25), inflow.buffer(15)]) & county)

    # Drinking-water source 1: 青龙水库 (reservoir). First-class: the water and 200 m of land;
    # second-class: 2,000 m around it and 300 m along the inflow, outside the first-class zone;
    # quasi: the upstream catchment.
    ws1_first = clean(reservoir.buffer(200) & county)
    ws1_second = clean((reservoir.buffer(2000) | inflow.buffer(300)) & county - ws1_first)
    catchment = blob(rng, -10.5, 12.8, 3.2, 1.8, rot=0.1, rough=0.2)
    ws1_quasi = clean(catchment & county - ws1_first.buffer(0) - ws1_second)
    # Drinking-water source 2: a river intake upstream of the county seat. First-class: 1,000 m
    # upstream and 100 m downstream of the intake, the water and 50 m of land; second-class:
    # 3,000 m further upstream, 300 m either side.
    intake_at = river.project(Point(km(-2.6, 2.5)))
    ws2_first = clean(substring(river, intake_at - 1000, intake_at + 100).buffer(95) & county)
    ws2_second = clean(substring(river, intake_at - 4000, intake_at + 300).buffer(300) & county - ws2_first)
    water_sources = shapely.union_all([ws1_first, ws1_second, ws1_quasi, ws2_first, ws2_second])

    # Towns and parks. The economic development zone lies east of the county seat; the chemical
    # park downstream in the east, away from both water sources.
    towns = [
        (n, p, clean(blob(rng, *xy, rx, ry, rot=rot, rough=0.14) - water_sources.buffer(150)))
        for n, p, xy, rx, ry, rot in TOWNS
    ]
    seat = towns[0][2]
    dev_zone = clean(blob(rng, 5.9, -2.6, 2.0, 1.45, rot=-0.2, rough=0.12) - seat.buffer(0) - river_water.buffer(20))
    dev_zone = largest(dev_zone)
    cy_dev = dev_zone.centroid.y
    reform = largest(clean(dev_zone & box(*dev_zone.bounds[:1], cy_dev - 700, *dev_zone.bounds[2:])))
    chem_park = largest(clean(blob(rng, 12.8, -6.6, 1.5, 1.05, rot=0.4, rough=0.12) - river_water.buffer(150)))
    built = shapely.union_all([t for *_, t in towns] + [dev_zone, chem_park])

    # Ecological red line: the mountains (south-west, south, north-east, west), clear of towns
    # and water sources; the nature reserve lies inside the south-western block.
    keep_clear = shapely.union_all([built.buffer(300), water_sources.buffer(50)])
    red_blocks = [
        ("南部山区", clean(blob(rng, -10.5, -11.5, 6.5, 3.8, rot=0.25, rough=0.2, n=160) & county - keep_clear)),
        ("南岭", clean(blob(rng, 5.5, -13.0, 4.0, 2.2, rot=-0.1, rough=0.2) & county - keep_clear)),
        ("东北山地", clean(blob(rng, 12.0, 12.0, 3.6, 2.3, rot=0.5, rough=0.2) & county - keep_clear)),
        ("西部山地", clean(blob(rng, -18.0, 3.0, 2.3, 3.2, rot=0.0, rough=0.2) & county - keep_clear)),
    ]
    red_blocks = [(n, g) for n, g in red_blocks if g.area > 1e6]
    red_all = shapely.union_all([g for _, g in red_blocks])
    reserve = largest(clean(blob(rng, -11.0, -12.3, 3.0, 1.8, rot=0.2, rough=0.18) & red_all.buffer(-150)))

    # Important wetland: the river flood plain downstream of the chemical park.
    far_along = river.project(Point(km(16.0, -4.0)))
    wetland = clean(
        substring(river, far_along, far_along + 6000).buffer(450) & county - chem_park.buffer(400) - red_all
    )
    wetland = largest(wetland)

    return {
        "county": county,
        "river": river,
        "river_water": river_water,
        "reservoir": reservoir,
        "ws1": (ws1_first, ws1_second, ws1_quasi),
        "ws2": (ws2_first, ws2_second),
        "towns": towns,
        "dev_zone": dev_zone,
        "reform": reform,
        "reform_cut_y": cy_dev - 700,
        "chem_park": chem_park,
        "red_blocks": red_blocks,
        "reserve": reserve,
        "wetland": wetland,
        "built": built,
    }


# ----------------------------------------------------------------------- control units


@dataclass
class UnitDraft:
    unit_class: str  # priority | key | general
    label: str  # what the unit is named after
    subtype: str
    geom: BaseGeometry


def draft_units(rng: np.random.Generator, w: dict[str, Any]) -> list[UnitDraft]:
    """Priority units: water sources, red line and wetland, cut by a coarse noisy tessellation;
    key units: each town and park whole; general units: the rest, cut by a fine tessellation."""
    county = w["county"]
    ws1 = shapely.union_all(w["ws1"])
    ws2 = shapely.union_all(w["ws2"])
    groups: list[tuple[str, str, BaseGeometry]] = [
        ("青龙水库饮用水水源", "饮用水水源保护区", ws1),
        ("青溪饮用水水源", "饮用水水源保护区", ws2 - ws1),
    ]
    taken = ws1 | ws2
    for name, g in w["red_blocks"]:
        groups.append((f"{name}生态保护红线", "生态保护红线", clean(g - taken)))
        taken = taken | g
    groups.append(("青溪下游重要湿地", "重要湿地", clean(w["wetland"] - taken)))
    taken = taken | w["wetland"]

    drafts: list[UnitDraft] = []
    coarse = noisy_cells(rng, county, random_points_in(rng, county, 22, min_gap=5000), amp=60)
    for label, subtype, g in groups:
        for cell in coarse:
            for part in polys(clean(g & cell)):
                drafts.append(UnitDraft("priority", label, subtype, part))
    for name, _, town in w["towns"]:
        drafts.append(UnitDraft("key", name, "城镇生活", clean(town - taken)))
    drafts.append(UnitDraft("key", "经济开发区", "产业集聚", clean(w["dev_zone"] - taken)))
    drafts.append(UnitDraft("key", "化工园区", "产业集聚", clean(w["chem_park"] - taken)))
    rest = clean(county - taken - w["built"])
    fine = noisy_cells(rng, county, random_points_in(rng, county, 150, min_gap=1400), amp=40)
    for cell in fine:
        for part in polys(clean(rest & cell)):
            drafts.append(UnitDraft("general", "", "", part))
    return merge_small(drafts)


def merge_small(drafts: list[UnitDraft]) -> list[UnitDraft]:
    """Fold pieces too small to be a unit into the same-class neighbour they share most edge with
    (any neighbour when none has their class), smallest first."""
    minimum = {"priority": 250_000.0, "key": 0.0, "general": 600_000.0}
    while True:
        small = [d for d in drafts if d.geom.area < minimum[d.unit_class]]
        if not small:
            return drafts
        d = min(small, key=lambda u: u.geom.area)
        shared = [(o, o.geom.boundary.intersection(d.geom.boundary).length) for o in drafts if o is not d]
        shared = [(o, s) for o, s in shared if s > 0]
        if not shared:
            drafts.remove(d)
            continue
        same = [(o, s) for o, s in shared if o.unit_class == d.unit_class]
        target = max(same or shared, key=lambda t: t[1])[0]
        if target.unit_class == "key" and d.unit_class != "key":
            # never grow a town or park: give the piece to the largest non-key neighbour instead
            others = [(o, s) for o, s in shared if o.unit_class != "key"]
            if others:
                target = max(others, key=lambda t: t[1])[0]
        target.geom = clean(target.geom | d.geom)
        drafts.remove(d)


# ----------------------------------------------------------------------- to lon/lat, on the grid


def to_lonlat(g: BaseGeometry) -> BaseGeometry:
    return shapely.transform(g, lambda xy: np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1])))


def to_work(g: BaseGeometry) -> BaseGeometry:
    return shapely.transform(g, lambda xy: np.column_stack(_TO_WORK.transform(xy[:, 0], xy[:, 1])))


def on_grid(g: BaseGeometry) -> BaseGeometry:
    """Lon/lat geometry snapped to the 1e-6 degree grid, valid and polygonal."""
    return clean(shapely.set_precision(to_lonlat(g), GRID), min_area=1e-10)


def tile_on_grid(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """Rebuild a tiling in lon/lat on the grid from one noded set of edges, so that neighbours
    share every vertex of their common boundary (no slivers after rounding)."""
    lonlat = [shapely.make_valid(to_lonlat(g)) for g in geoms]
    edges = shapely.union_all([g.boundary for g in lonlat], grid_size=GRID)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(edges))))
    tree = shapely.STRtree(lonlat)
    owner_faces: list[list[BaseGeometry]] = [[] for _ in lonlat]
    for f in faces:
        cands = tree.query(f)
        if len(cands) == 0:
            continue
        best = max(cands, key=lambda i: lonlat[i].intersection(f).area)
        owner_faces[best].append(f)
    return [shapely.union_all(fs, grid_size=GRID) for fs in owner_faces]


# ----------------------------------------------------------------------- output


def rounded(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), 6) for c in coords]
    return [rounded(c) for c in coords]


def write_geojson(layer: Layer, path: Path) -> int:
    """One feature per line, 6 decimals, with the CRS named (GeoJSON alone would mean WGS84)."""
    head = {
        "type": "FeatureCollection",
        "name": layer.id,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
    }
    lines = []
    for f in layer.features:
        geo = shapely.geometry.mapping(f.geom)
        geom = {"type": geo["type"], "coordinates": rounded(geo["coordinates"])}
        lines.append(
            json.dumps(
                {"type": "Feature", "properties": f.props, "geometry": geom}, ensure_ascii=False, separators=(",", ":")
            )
        )
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    text += ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def main() -> None:
    rng = np.random.default_rng(SEED)
    w = build(rng)
    drafts = draft_units(rng, w)
    tiles = tile_on_grid([d.geom for d in drafts])
    for d, t in zip(drafts, tiles, strict=True):
        d.geom = t  # now lon/lat on the grid
    county_ll = shapely.union_all(tiles, grid_size=GRID)
    layers = make_layers(w, drafts, county_ll)
    REGION_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    for layer in layers:
        total += write_geojson(layer, REGION_DIR / Path(layer.file).name)
    (ROOT / "layers.yaml").write_text(manifest(layers), encoding="utf-8")
    (ROOT / "README.md").write_text(readme(layers), encoding="utf-8")
    points = reference_points(layers, w)
    (REGION_DIR / "reference-points.yaml").write_text(points, encoding="utf-8")
    counts = ", ".join(f"{la.id} {len(la.features)}" for la in layers)
    print(f"wrote {len(layers)} layers ({counts}); {total / 1e6:.2f} MB of GeoJSON")


# ----------------------------------------------------------------------- layers


def north_part(park: BaseGeometry, lat: float) -> Polygon:
    """The park's vertices north of `lat`, closed by a chord: built from the park's own vertices
    so that the reform area lies exactly inside it after rounding."""
    ring = np.asarray(largest(park).exterior.coords)[:-1]
    north = ring[:, 1] >= lat
    start = int(np.flatnonzero(north & ~np.roll(north, 1))[0])  # first northern vertex after a southern one
    ring, north = np.roll(ring, -start, axis=0), np.roll(north, -start)
    run = ring[: int(np.argmin(north))]  # the unbroken run of northern vertices
    part = Polygon(run)
    assert part.is_valid and part.difference(park).area < 1e-14, "the chord leaves the park"
    return part


def town_of(geom_ll: BaseGeometry, towns_ll: list[tuple[str, BaseGeometry]]) -> str:
    """Name of the nearest town: general units and farmland are named after their township."""
    c = geom_ll.representative_point()
    return min(towns_ll, key=lambda t: t[1].distance(c))[0]


def make_layers(w: dict[str, Any], drafts: list[UnitDraft], county_ll: BaseGeometry) -> list[Layer]:
    rng = np.random.default_rng(SEED + 1)
    src = f"示例县生态环境局（虚构），由 scripts/make_sample_region.py 生成；{NOTICE}"
    L = {
        "admin": Layer(
            "admin_boundary",
            "sample-county/admin_boundary.geojson",
            "admin_boundary",
            "县级行政区划",
            {"code": "XZQDM", "name": "XZQMC"},
        ),
        "units": Layer(
            "control_units",
            "sample-county/control_units.geojson",
            "control_unit",
            "环境管控单元",
            {"code": "ZHGKDYBM", "name": "ZHGKDYMC", "unit_class": "ZHGKDYFL"},
            values={"unit_class": {"优先保护单元": "priority", "重点管控单元": "key", "一般管控单元": "general"}},
        ),
        "red": Layer(
            "ecological_red_line",
            "sample-county/ecological_red_line.geojson",
            "ecological_red_line",
            "生态保护红线",
            {"code": "HXBM", "name": "HXMC"},
        ),
        "water": Layer(
            "drinking_water_sources",
            "sample-county/drinking_water_sources.geojson",
            "sensitive_area",
            "饮用水水源保护区",
            {"code": "BHQBM", "name": "BHQMC", "protection_class": "BHQJB"},
            values={"protection_class": {"一级保护区": "first", "二级保护区": "second", "准保护区": "quasi"}},
            sensitive_area="drinking_water_source_protection_area",
        ),
        "reserve": Layer(
            "nature_reserves",
            "sample-county/nature_reserves.geojson",
            "sensitive_area",
            "自然保护区",
            {"code": "code", "name": "name"},
            sensitive_area="nature_reserve",
        ),
        "wetland": Layer(
            "important_wetlands",
            "sample-county/important_wetlands.geojson",
            "sensitive_area",
            "重要湿地",
            {"code": "code", "name": "name"},
            sensitive_area="important_wetland",
        ),
        "farm": Layer(
            "basic_farmland",
            "sample-county/basic_farmland.geojson",
            "sensitive_area",
            "永久基本农田",
            {"code": "TBBH", "name": "name"},
            sensitive_area="permanent_basic_farmland",
        ),
        "res": Layer(
            "residential_areas",
            "sample-county/residential_areas.geojson",
            "sensitive_area",
            "居住区",
            {"code": "code", "name": "name"},
            sensitive_area="residential_area",
        ),
        "edu": Layer(
            "schools",
            "sample-county/schools.geojson",
            "sensitive_area",
            "学校",
            {"code": "code", "name": "name"},
            sensitive_area="education_area",
        ),
        "relic": Layer(
            "cultural_relics",
            "sample-county/cultural_relics.geojson",
            "sensitive_area",
            "文物保护单位",
            {"code": "code", "name": "name"},
            sensitive_area="cultural_relic_protection_unit",
        ),
        "urban": Layer(
            "urban_built_up_areas",
            "sample-county/urban_built_up_areas.geojson",
            "urban_built_up_area",
            "城镇建成区",
            {"code": "code", "name": "name"},
        ),
        "parks": Layer(
            "parks",
            "sample-county/parks.geojson",
            "park",
            "产业园区",
            {"code": "YQBM", "name": "YQMC", "park_type": "YQLX"},
            values={"park_type": {"化工园区": "chemical", "综合园区": "comprehensive"}},
        ),
        "reform": Layer(
            "reform_areas",
            "sample-county/reform_areas.geojson",
            "reform_area",
            "“区域环评+环境标准”改革区域",
            {"code": "code", "name": "name"},
        ),
    }
    for la in L.values():
        la.source = f"{la.title_zh}：{src}"

    L["admin"].features.append(Feature({"XZQDM": JURISDICTION, "XZQMC": "示例县（虚构）"}, county_ll))

    # Control units: code ZH + county code + class digit + serial, numbered north to south.
    towns_ll = [(n, on_grid(g)) for n, _, g in w["towns"]]
    digit = {"priority": "1", "key": "2", "general": "3"}
    class_zh = {"priority": "优先保护单元", "key": "重点管控单元", "general": "一般管控单元"}
    by_class: dict[str, list[UnitDraft]] = {c: [] for c in digit}
    for d in drafts:
        by_class[d.unit_class].append(d)
    units_ll: dict[str, UnitDraft] = {}
    for cls, ds in by_class.items():
        ds.sort(key=lambda d: (-round(d.geom.representative_point().y, 2), d.geom.representative_point().x))
        seen: dict[str, int] = {}
        for i, d in enumerate(ds, 1):
            code = f"ZH{JURISDICTION}{digit[cls]}{i:04d}"
            if cls == "general":
                label = town_of(d.geom, towns_ll)
                name_core = f"{label}一般管控单元"
            elif cls == "key":
                name_core = f"{d.label}{d.subtype}重点管控单元"
            else:
                name_core = f"{d.label}优先保护单元"
            seen[name_core] = seen.get(name_core, 0) + 1
            units_ll[code] = d
            d.label = name_core
        counts = dict(seen)
        seen = {}
        for i, d in enumerate(ds, 1):
            code = f"ZH{JURISDICTION}{digit[cls]}{i:04d}"
            seen[d.label] = seen.get(d.label, 0) + 1
            suffix = f"{seen[d.label]:02d}" if counts[d.label] > 1 else ""
            L["units"].features.append(
                Feature(
                    {
                        "ZHGKDYBM": code,
                        "ZHGKDYMC": f"示例县{d.label}{suffix}",
                        "ZHGKDYFL": class_zh[cls],
                        "ZHGKDYLX": d.subtype or None,
                        "XZQDM": JURISDICTION,
                    },
                    d.geom,
                )
            )

    for i, (name, g) in enumerate(w["red_blocks"], 1):
        L["red"].features.append(
            Feature({"HXBM": f"HX{JURISDICTION}{i:03d}", "HXMC": f"示例县{name}生态保护红线"}, on_grid(g))
        )
    ws_names = [
        ("SY01", "青龙水库饮用水水源", w["ws1"], ["一级保护区", "二级保护区", "准保护区"]),
        ("SY02", "青溪城关饮用水水源", w["ws2"], ["一级保护区", "二级保护区"]),
    ]
    for sid, name, zones, classes in ws_names:
        for g, cls in zip(zones, classes, strict=True):
            tag = {"一级保护区": "1", "二级保护区": "2", "准保护区": "Z"}[cls]
            L["water"].features.append(
                Feature({"BHQBM": f"{sid}-{JURISDICTION}-{tag}", "BHQMC": f"{name}{cls}", "BHQJB": cls}, on_grid(g))
            )
    L["reserve"].features.append(
        Feature({"code": f"ZR{JURISDICTION}01", "name": "示例县南山县级自然保护区"}, on_grid(w["reserve"]))
    )
    L["wetland"].features.append(
        Feature({"code": f"SD{JURISDICTION}01", "name": "青溪下游重要湿地"}, on_grid(w["wetland"]))
    )

    # Towns: built-up areas are the key units themselves, so the two layers agree exactly.
    key_units = {d.label: d.geom for d in by_class["key"]}
    for i, (name, _, _) in enumerate(w["towns"], 1):
        geom = key_units[f"{name}城镇生活重点管控单元"]
        L["urban"].features.append(Feature({"code": f"JCQ{JURISDICTION}{i:02d}", "name": f"{name}建成区"}, geom))
    dev_ll = key_units["经济开发区产业集聚重点管控单元"]
    chem_ll = key_units["化工园区产业集聚重点管控单元"]
    L["parks"].features.append(Feature({"YQBM": "P330999-01", "YQMC": "示例县化工园区", "YQLX": "化工园区"}, chem_ll))
    L["parks"].features.append(Feature({"YQBM": "P330999-02", "YQMC": "示例县经济开发区", "YQLX": "综合园区"}, dev_ll))
    reform_ll = north_part(dev_ll, to_lonlat(Point(w["reform"].centroid.x, w["reform_cut_y"])).y)
    L["reform"].features.append(
        Feature({"code": f"GG{JURISDICTION}01", "name": "示例县经济开发区“区域环评+环境标准”改革区域"}, reform_ll)
    )

    # Residential quarters and schools inside the towns.
    n_res = n_edu = 0
    for name, _, town in w["towns"]:
        inner = town.buffer(-40)
        n_cells = max(6, int(town.area / 350_000))
        seeds = random_points_in(rng, inner, n_cells, min_gap=200)
        cells = noisy_cells(rng, inner, seeds, amp=8) if len(seeds) >= 3 else [inner]
        order = rng.permutation(len(cells))
        schools = 0
        for k in order:
            shrunk = clean(cells[k].buffer(-12))  # streets between quarters
            if shrunk.area < 30_000:
                continue
            cell = largest(shrunk)
            if cell.area < 30_000:
                continue
            roll = rng.uniform()
            if schools < max(1, len(cells) // 6) and roll < 0.35:
                c = cell.representative_point()
                site = clean(cell & box(c.x - 140, c.y - 100, c.x + 140, c.y + 100))
                if site.area > 15_000:
                    schools += 1
                    n_edu += 1
                    kind = "中学" if schools == 1 else "小学"
                    L["edu"].features.append(
                        Feature(
                            {
                                "code": f"XX{JURISDICTION}{n_edu:03d}",
                                "name": f"{name}{kind}" + (f"（{schools}）" if schools > 2 else ""),
                            },
                            on_grid(largest(site)),
                        )
                    )
                    continue
            if roll < 0.75:
                n_res += 1
                L["res"].features.append(
                    Feature(
                        {"code": f"JZQ{JURISDICTION}{n_res:03d}", "name": f"{name}居住区{n_res:03d}"}, on_grid(cell)
                    )
                )

    # Permanent basic farmland: parcels on the plains, away from towns, parks, water and red line.
    sources_all = shapely.union_all([*w["ws1"], *w["ws2"]])
    red_all = shapely.union_all([g for _, g in w["red_blocks"]])
    upland = shapely.union_all([blob(rng, -1.0, 12.5, 3.5, 2.5, rough=0.1), blob(rng, 17.0, -11.0, 3.0, 2.5)])
    plains = clean(
        w["county"].buffer(-150)
        - red_all.buffer(80)
        - sources_all.buffer(60)
        - w["built"].buffer(150)
        - w["river_water"].buffer(40)
        - w["wetland"].buffer(60)
        - upland
    )
    seeds = random_points_in(rng, plains, 700, min_gap=500)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=plains))
    parcels: list[BaseGeometry] = []
    for k in rng.permutation(len(cells)):
        if rng.uniform() > 0.4:
            continue
        cell = cells[k].buffer(-35, join_style="mitre")
        parcel = clean(cell & plains)
        if parcel.is_empty:
            continue
        parcel = largest(parcel)
        if 40_000 < parcel.area < 1_500_000:
            parcels.append(shapely.simplify(parcel, 5))
    parcels.sort(key=lambda g: (-round(g.centroid.y, -2), g.centroid.x))
    for i, g in enumerate(parcels, 1):
        g_ll = on_grid(g)
        L["farm"].features.append(
            Feature(
                {"TBBH": f"JBNT{JURISDICTION}{i:04d}", "name": f"{town_of(g_ll, towns_ll)}永久基本农田{i:04d}"}, g_ll
            )
        )

    # Cultural relic protection units: small sites, some in towns, some in the countryside.
    relics = [
        ("文庙", (1.2, -0.2), 0.07),
        ("古廊桥", (-6.8, 4.9), 0.05),
        ("石桥镇古民居群", (-4.3, -8.2), 0.11),
        ("白沙窑址", (8.0, 9.2), 0.09),
        ("枫林古塔", (-14.3, -6.6), 0.04),
        ("梅坞祠堂", (15.2, 2.9), 0.05),
        ("南岭摩崖石刻", (3.0, -10.5), 0.06),
    ]
    for i, (name, xy, r) in enumerate(relics, 1):
        g = blob(rng, *xy, r, r * 0.8, rough=0.15, n=24)
        L["relic"].features.append(Feature({"code": f"WB{JURISDICTION}{i:02d}", "name": f"{name}（虚构）"}, on_grid(g)))
    return list(L.values())


# ----------------------------------------------------------------------- manifest and README


def manifest(layers: list[Layer]) -> str:
    out = [
        "# ILLUSTRATIVE, NOT OFFICIAL. The fictional Sample County (示例县, admin code 330999): every",
        "# layer below is invented by scripts/make_sample_region.py for demos and tests. It is not the",
        "# zoning of any real place. Replace this directory with your own layers (docs/zones.md).",
        "region:",
        "  id: sample-county",
        "  name_zh: 示例县（虚构区域，仅供演示，非官方数据）",
        "  name_en: Sample County (fictional, illustrative, not official data)",
        "  illustrative: true",
        f'  jurisdiction: "{JURISDICTION}"',
        f'  version: "{VERSION}"',
        f"  date: {DATE}",
        f'  work_crs: "{WORK_CRS}"',
        "layers:",
    ]
    for la in layers:
        attrs = ", ".join(f"{k}: {v}" for k, v in la.attributes.items())
        out += [
            f"  - id: {la.id}  # {la.title_zh}: {len(la.features)}",
            f"    file: {la.file}",
            f"    kind: {la.kind}",
            f'    crs: "{FILE_CRS}"',
            f"    attributes: {{{attrs}}}",
        ]
        if la.values:
            for attr, mapping in la.values.items():
                pairs = ", ".join(f"{k}: {v}" for k, v in mapping.items())
                out.append(f"    values: {{{attr}: {{{pairs}}}}}")
        if la.sensitive_area:
            out.append(f"    sensitive_area: {la.sensitive_area}")
        out += [
            "    coverage: region",
            f'    source: "{la.source}"',
            f'    version: "{VERSION}"',
            f"    date: {DATE}",
        ]
    return "\n".join(out) + "\n"


def readme(layers: list[Layer]) -> str:
    rows = "\n".join(f"| `{la.id}` | {la.kind} | {la.title_zh} | {len(la.features)} |" for la in layers)
    return f"""# zones/: zone layers

> **Illustrative, fictional, not official.** 示例县 (Sample County, admin code `{JURISDICTION}`)
> does not exist. Its layers are invented by `scripts/make_sample_region.py` (fixed seed) around
> a made-up location in Zhejiang so that envscreen can be demonstrated and tested end to end.
> They are not the zoning of any real place: never use them for a real screening.

Data only; no Python here. `layers.yaml` is the manifest (format: [docs/zones.md](../docs/zones.md));
`sample-county/` holds one GeoJSON file per layer in CGCS2000 lon/lat (EPSG:4490, named in each
file's `crs` member), coordinates rounded to 6 decimals (about 0.1 m). The loader converts
everything to the work CRS EPSG:4549 (CGCS2000 3-degree Gauss-Kruger, CM 120E, metres).

GeoJSON rather than one GeoPackage: plain text that reviews and diffs in git, byte-for-byte
reproducible (a GeoPackage is a SQLite file whose bytes change on every write), readable without
GDAL, and one file per manifest layer. The whole region is well under 3 MB.

| layer id | kind | content | features |
|---|---|---|---|
{rows}

Control units tile the county without gaps or overlaps: codes `ZH{JURISDICTION}` + class digit
(1 priority, 2 key, 3 general) + 4-digit serial, numbered north to south. Key units are the
towns (城镇生活) and the two parks (产业集聚); priority units cover the water-source zones, the
ecological red line and the wetland. The second-class water-source zone surrounds the first-class
zone without containing it (as in published schemes), so a point is in one class, not both.

`sample-county/reference-points.yaml` names points with known answers (the control units
and every feature each point lies in) for examples and golden tests.

Regenerate: `.venv/bin/python scripts/make_sample_region.py`.
"""


# ----------------------------------------------------------------------- reference points


def reference_points(layers: list[Layer], w: dict[str, Any]) -> str:
    """Points with known answers, computed on the written (rounded) data in the work CRS."""
    feats: list[tuple[str, str, BaseGeometry, dict[str, Any]]] = []
    code_key = {la.id: la.attributes["code"] for la in layers}
    for la in layers:
        for f in la.features:
            feats.append((la.id, str(f.props[code_key[la.id]]), to_work(f.geom), f.props))
    tree = shapely.STRtree([g for _, _, g, _ in feats])
    by_layer = {la.id: la for la in layers}
    units = by_layer["control_units"]

    def hits(pt_ll: Point) -> dict[str, list[str]]:
        p = to_work(pt_ll)
        out: dict[str, list[str]] = {}
        for i in tree.query(p, predicate="intersects"):
            lid, code, _, _ = feats[i]
            out.setdefault(lid, []).append(code)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def inside(layer_id: str, pred: Callable[[dict[str, Any]], bool], depth: float = 150.0) -> Point:
        """A grid point well inside the first matching feature (at least `depth` m from its edge)."""
        la = by_layer[layer_id]
        f = next(f for f in la.features if pred(f.props))
        g = to_work(f.geom)
        core = g.buffer(-depth)
        if core.is_empty:
            core = g.buffer(-depth / 4)
        return snap(to_lonlat(shapely.point_on_surface(largest(core))))

    def snap(p: BaseGeometry) -> Point:
        return Point(round(p.x, 6), round(p.y, 6))

    def unit_of(pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return next(f.props for f in units.features if pred(f.props))

    sensitive_kinds = {"ecological_red_line", "sensitive_area", "park", "urban_built_up_area", "reform_area"}
    everything = shapely.union_all([g for lid, _, g, _ in feats if by_layer[lid].kind in sensitive_kinds])

    pts: list[dict[str, Any]] = []

    def add(pid: str, zh: str, en: str, p: Point, **extra: Any) -> None:
        h = hits(p)
        pts.append(
            {
                "id": pid,
                "description_zh": zh,
                "description_en": en,
                "point": [p.x, p.y],
                "units": h.get("control_units", []),
                "hits": h,
                **extra,
            }
        )

    add(
        "chemical_park",
        "化工园区内",
        "inside the chemical park (P330999-01)",
        inside("parks", lambda p: p["YQBM"] == "P330999-01", 300),
    )
    add(
        "reform_area",
        "经济开发区内，“区域环评+环境标准”改革区域内",
        "inside the development zone and its reform area",
        inside("reform_areas", lambda p: True, 300),
    )
    dev = to_work(next(f.geom for f in by_layer["parks"].features if f.props["YQBM"] == "P330999-02"))
    ref = to_work(by_layer["reform_areas"].features[0].geom)
    add(
        "park_outside_reform_area",
        "经济开发区内，但不在改革区域内",
        "inside the development zone, outside the reform area",
        snap(to_lonlat(shapely.point_on_surface(largest(clean((dev - ref.buffer(50)).buffer(-60)))))),
    )
    add(
        "water_source_first",
        "青龙水库饮用水水源一级保护区内",
        "inside the first-class zone of the reservoir water source",
        snap(to_lonlat(w["reservoir"].representative_point())),
    )
    add(
        "water_source_second",
        "青龙水库饮用水水源二级保护区内",
        "inside the second-class zone of the reservoir water source",
        inside("drinking_water_sources", lambda p: p["BHQBM"] == "SY01-330999-2", 400),
    )
    add(
        "water_source_quasi",
        "青龙水库饮用水水源准保护区内",
        "inside the quasi-protection zone of the reservoir",
        inside("drinking_water_sources", lambda p: p["BHQBM"] == "SY01-330999-Z", 300),
    )
    add(
        "river_intake_first",
        "青溪城关饮用水水源一级保护区内（河道）",
        "inside the first-class zone of the river intake",
        inside("drinking_water_sources", lambda p: p["BHQBM"] == "SY02-330999-1", 40),
    )
    reserve = to_work(by_layer["nature_reserves"].features[0].geom)
    red_ne = to_work(next(f.geom for f in by_layer["ecological_red_line"].features if "东北" in f.props["HXMC"]))
    add(
        "red_line",
        "东北山地生态保护红线内（自然保护区外）",
        "inside the ecological red line (north-east), no reserve",
        snap(to_lonlat(shapely.point_on_surface(largest(red_ne.buffer(-500))))),
    )
    add(
        "nature_reserve",
        "自然保护区内（同时在生态保护红线内）",
        "inside the nature reserve (and the red line)",
        snap(to_lonlat(shapely.point_on_surface(reserve.buffer(-300)))),
    )
    add(
        "important_wetland",
        "重要湿地内",
        "inside the important wetland",
        inside("important_wetlands", lambda p: True, 150),
    )
    add(
        "county_seat_residential",
        "城关镇居住区内",
        "inside a residential area of the county seat",
        inside("residential_areas", lambda p: p["name"].startswith("城关镇"), 40),
    )
    add(
        "school",
        "学校内",
        "inside a school (education area)",
        inside("schools", lambda p: p["name"].startswith("城关镇"), 30),
    )
    add(
        "basic_farmland",
        "永久基本农田图斑内",
        "inside a permanent basic farmland parcel",
        inside("basic_farmland", lambda p: p["TBBH"].endswith("0010"), 40),
    )
    add(
        "cultural_relic",
        "文物保护单位内",
        "inside a protected cultural relic site",
        inside("cultural_relics", lambda p: p["name"].startswith("文庙"), 10),
    )

    # A general unit as far as possible from every zone that any rule names.
    county = to_work(by_layer["admin_boundary"].features[0].geom)
    minx, miny, maxx, maxy = county.bounds
    xs, ys = np.meshgrid(np.arange(minx, maxx, 400.0), np.arange(miny, maxy, 400.0))
    grid = shapely.points(xs.ravel(), ys.ravel())
    grid = grid[shapely.contains(county.buffer(-1500), grid)]
    best = grid[int(np.argmax(shapely.distance(everything, grid)))]
    remote = snap(to_lonlat(best))
    add(
        "general_remote",
        "一般管控单元，远离所有敏感区、园区和城镇",
        "a general unit far from every zone",
        remote,
        nearest_zone_m=round(everything.distance(to_work(remote)), 1),
    )

    # A vertex shared by exactly two general units (not a corner where three meet): on both.
    gen = [(f.props["ZHGKDYBM"], f.geom) for f in units.features if f.props["ZHGKDYFL"] == "一般管控单元"]
    shared_pt = None
    for (ca, ga), (cb, gb) in ((a, b) for i, a in enumerate(gen) for b in gen[i + 1 :]):
        if not ga.touches(gb):
            continue
        common = set(map(tuple, shapely.get_coordinates(ga))) & set(map(tuple, shapely.get_coordinates(gb)))
        for c in sorted(common):
            cand = Point(c)
            h = hits(cand).get("control_units", [])
            if h == sorted([ca, cb]) and everything.distance(to_work(cand)) > 300:
                shared_pt = cand
                break
        if shared_pt:
            break
    assert shared_pt is not None
    add(
        "unit_boundary",
        "两个一般管控单元的共同边界上（共享顶点）",
        "exactly on the shared boundary of two general units (a vertex of both): in both",
        shared_pt,
    )

    # 300 m outside a residential area at the edge of the county seat, in no zone itself.
    res = [to_work(f.geom) for f in by_layer["residential_areas"].features]
    res_all = shapely.union_all(res)
    seat = to_work(by_layer["urban_built_up_areas"].features[0].geom)
    target = None
    for ang in np.linspace(0, 2 * math.pi, 360, endpoint=False):
        c = seat.centroid
        lo, hi = 0.0, 8000.0  # distance to the nearest quarter grows along the ray once past them
        for _ in range(40):
            mid = (lo + hi) / 2
            if res_all.distance(Point(c.x + mid * math.cos(ang), c.y + mid * math.sin(ang))) >= 300.0:
                hi = mid
            else:
                lo = mid
        p = Point(c.x + hi * math.cos(ang), c.y + hi * math.sin(ang))
        cand = snap(to_lonlat(p))
        d = res_all.distance(to_work(cand))
        h = hits(cand)
        if abs(d - 300) < 1.5 and set(h) == {"admin_boundary", "control_units"}:
            target = cand
            break
    assert target is not None
    near = min(by_layer["residential_areas"].features, key=lambda f: to_work(f.geom).distance(to_work(target)))
    add(
        "near_residential_300m",
        "城关镇居住区外约300米，不在任何敏感区内",
        "about 300 m outside a residential area, in no sensitive area",
        target,
        nearest={
            "layer": "residential_areas",
            "code": near.props["code"],
            "distance_m": round(to_work(near.geom).distance(to_work(target)), 1),
        },
    )
    add(
        "town_centre",
        "城关镇建成区（城镇生活重点管控单元）内",
        "inside the county seat's built-up area (key unit)",
        inside("urban_built_up_areas", lambda p: p["name"].startswith("城关镇"), 100),
    )
    east = Point(county.bounds[2] + 3000, (county.bounds[1] + county.bounds[3]) / 2)
    add("outside_county", "县界以外（图层未覆盖）", "outside the county: no layer covers it", snap(to_lonlat(east)))

    head = [
        "# ILLUSTRATIVE, NOT OFFICIAL: reference points on the fictional Sample County (示例县).",
        "# Generated by scripts/make_sample_region.py from the layers beside this file. For examples",
        "# and golden tests. `point` is [longitude, latitude] in WGS84 / CGCS2000 (they agree to",
        "# centimetres). `units`: the control units the point is in (two on a shared boundary);",
        "# `hits`: every feature of every layer the point intersects, by layer id (the complete list).",
        "# `nearest.distance_m` / `nearest_zone_m`: metres in the work CRS; expect +-1 m.",
        "region: sample-county",
        "crs: wgs84",
        "points:",
    ]
    body = []
    for p in pts:
        body.append(f"  - id: {p['id']}")
        body.append(f"    description_zh: {p['description_zh']}")
        body.append(f'    description_en: "{p["description_en"]}"')
        body.append(f"    point: [{p['point'][0]:.6f}, {p['point'][1]:.6f}]")
        body.append(f"    units: [{', '.join(p['units'])}]")
        body.append("    hits:")
        for lid, codes in p["hits"].items():
            body.append(f"      {lid}: [{', '.join(codes)}]")
        if not p["hits"]:
            body[-1] = "    hits: {}"
        if "nearest" in p:
            n = p["nearest"]
            body.append(f"    nearest: {{layer: {n['layer']}, code: {n['code']}, distance_m: {n['distance_m']}}}")
        if "nearest_zone_m" in p:
            body.append(f"    nearest_zone_m: {p['nearest_zone_m']}")
    return "\n".join(head + body) + "\n"


if __name__ == "__main__":
    main()

"""locate: which zones a site is in, on the boundary of, or near, in metres in the work CRS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from screening.project.site import Site
from screening.zones.locate import Location, ZoneHit, locate, locate_many

WORK_CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E: metres, as the sample county uses
TO_WORK = Transformer.from_crs("EPSG:4326", WORK_CRS, always_xy=True)
TO_WGS84 = Transformer.from_crs(WORK_CRS, "EPSG:4326", always_xy=True)
COLUMNS = ("layer", "kind", "code", "name", "unit_class", "sensitive_area", "protection_class", "park_type")


@dataclass(eq=False)
class FakeZones:
    """A hand-built zone set with what locate reads of zonelayers.ZoneSet."""

    features: gpd.GeoDataFrame
    coverage: dict[str, BaseGeometry]
    layers: dict[str, Any]
    region: Any
    identity: bool = False  # work coordinates are the sites' own: exact arithmetic in property tests
    warnings: tuple[str, ...] = field(default=())

    def to_work(self, geom: Any) -> Any:
        if self.identity:
            return geom
        return shapely.transform(geom, lambda xy: np.column_stack(TO_WORK.transform(xy[:, 0], xy[:, 1])))

    def to_wgs84(self, geom: Any) -> Any:
        if self.identity:
            return geom
        return shapely.transform(geom, lambda xy: np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1])))


def make_zones(
    rows: Sequence[Mapping[str, Any]],
    kinds: Mapping[str, str],
    coverage: Mapping[str, BaseGeometry] | None = None,
    *,
    identity: bool = False,
) -> FakeZones:
    """Zones from rows {layer, code, geometry (work CRS), ...}; a layer covers the union of its
    features unless `coverage` says otherwise."""
    data = {c: [r.get(c, kinds[r["layer"]] if c == "kind" else None) for r in rows] for c in COLUMNS}
    frame = gpd.GeoDataFrame(data, geometry=[r["geometry"] for r in rows], crs=None if identity else WORK_CRS)
    cov = {lid: shapely.union_all([r["geometry"] for r in rows if r["layer"] == lid]) for lid in kinds}
    cov.update(coverage or {})
    layers = {lid: SimpleNamespace(id=lid, kind=kind, name_zh=lid, name_en=lid) for lid, kind in kinds.items()}
    region = SimpleNamespace(work_crs=WORK_CRS, jurisdiction="330999", name_zh="测试县", name_en="Test county")
    return FakeZones(frame, cov, layers, region, identity)


def work_xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_WORK.transform(lon, lat)
    return float(x), float(y)


def wgs84(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1])))


def point_site(lon: float, lat: float) -> Site:
    return Site(Point(lon, lat), "point", "wgs84")


# The county: two control units side by side split at x = X0 (a line through the test site),
# a red line 300 m east of the site, and a boundary layer over both units.
LON, LAT = 120.15, 29.4
X0, Y0 = work_xy(LON, LAT)
WEST = box(X0 - 2000, Y0 - 2000, X0, Y0 + 2000)
EAST = box(X0, Y0 - 2000, X0 + 2000, Y0 + 2000)
RED = box(X0 + 300, Y0 - 100, X0 + 500, Y0 + 100)
ROWS = [
    {"layer": "boundary", "code": "330999", "name": "示例县", "geometry": WEST.union(EAST)},
    {"layer": "units", "code": "U2", "name": "东单元", "unit_class": "key", "geometry": EAST},
    {"layer": "units", "code": "U1", "name": "西单元", "unit_class": "priority", "geometry": WEST},
    {"layer": "red", "code": "R1", "name": "红线", "geometry": RED},
]
KINDS = {"boundary": "admin_boundary", "units": "control_unit", "red": "ecological_red_line"}


@pytest.fixture(scope="module")
def zones() -> FakeZones:
    return make_zones(ROWS, KINDS)


def test_a_site_moved_across_a_unit_boundary_changes_unit(zones: FakeZones) -> None:
    west = locate(Site(wgs84(Point(X0 - 50, Y0)), "point"), zones)
    east = locate(Site(wgs84(Point(X0 + 50, Y0)), "point"), zones)
    assert [h.code for h in west.hits_of("control_unit")] == ["U1"]
    assert [h.code for h in east.hits_of("control_unit")] == ["U2"]
    assert west.hits_of("control_unit")[0].unit_class == "priority"
    assert east.hits_of("control_unit")[0].unit_class == "key"
    assert west.hits_of("control_unit")[0].relation == "inside"
    assert west.hits_of("control_unit")[0].overlap_share is None  # a point has no share


def test_a_point_on_the_shared_boundary_is_in_both_units(zones: FakeZones) -> None:
    loc = locate(point_site(LON, LAT), zones)
    units = loc.hits_of("control_unit")
    assert [(h.code, h.relation) for h in units] == [("U1", "boundary"), ("U2", "boundary")]
    assert all(h.distance_m == 0.0 for h in units)
    assert loc.jurisdictions == ("330999",)
    assert [h.relation for h in loc.hits_of("admin_boundary")] == ["inside"]


@pytest.mark.parametrize(("buffer_m", "near"), [(500, True), (200, False), (0, False)])
def test_buffer_finds_a_zone_300_m_away_only_when_it_reaches(zones: FakeZones, buffer_m: float, near: bool) -> None:
    loc = locate(point_site(LON, LAT), zones, buffer_m=buffer_m)
    assert loc.buffer_m == buffer_m
    assert not loc.hits_of("ecological_red_line")
    red = [h for h in loc.nearby if h.code == "R1"]
    assert bool(red) is near
    if near:
        assert red[0].relation == "nearby"
        assert red[0].distance_m == pytest.approx(300.0, abs=1e-6)  # metres, not degrees


def test_overlap_shares_of_a_polygon_straddling_two_units_sum_to_1(zones: FakeZones) -> None:
    plot = box(X0 - 150, Y0 - 50, X0 + 50, Y0 + 50)  # 3/4 west, 1/4 east
    loc = locate(Site(wgs84(plot), "polygon"), zones)
    units = {h.code: h for h in loc.hits_of("control_unit")}
    assert {c: h.relation for c, h in units.items()} == {"U1": "overlaps", "U2": "overlaps"}
    assert units["U1"].overlap_share == pytest.approx(0.75, abs=1e-3)
    assert sum(h.overlap_share or 0 for h in units.values()) == pytest.approx(1.0, abs=1e-9)
    assert loc.hits_of("admin_boundary")[0].overlap_share == pytest.approx(1.0)
    assert loc.hits_of("admin_boundary")[0].relation == "inside"


def test_line_share_is_by_length(zones: FakeZones) -> None:
    road = LineString([(X0 - 100, Y0 + 10), (X0 + 300, Y0 + 10)])  # 100 m west, 300 m east
    loc = locate(Site(wgs84(road), "line"), zones)
    shares = {h.code: h.overlap_share for h in loc.hits_of("control_unit")}
    assert shares == {"U1": pytest.approx(0.25, abs=1e-3), "U2": pytest.approx(0.75, abs=1e-3)}
    assert sum(shares.values()) == pytest.approx(1.0)


def test_line_and_polygon_touching_a_zone_are_on_its_boundary() -> None:
    # Exact coordinates (no reprojection): the touching is exact, not within rounding.
    zones = make_zones(
        [{"layer": "red", "code": "R1", "geometry": box(0, 0, 10, 10)}], {"red": "ecological_red_line"}, identity=True
    )
    cases = {
        "line": (LineString([(-5, 5), (0, 5)]), "boundary", 0.0),
        "polygon": (box(-5, 0, 0, 10), "boundary", 0.0),
        "inner": (box(1, 1, 2, 2), "inside", 1.0),
        "along": (LineString([(0, 2), (0, 8)]), "boundary", 1.0),  # runs along the edge: all of it on it
        "partly along": (LineString([(0, 2), (0, 8), (-6, 8)]), "overlaps", 0.5),
        "half": (box(-5, 0, 5, 10), "overlaps", 0.5),
    }
    for label, (geom, relation, share) in cases.items():
        kind = "line" if geom.geom_type == "LineString" else "polygon"
        (hit,) = locate(Site(geom, kind), zones).hits
        assert (label, hit.relation, hit.overlap_share) == (label, relation, share)


def test_outside_coverage_is_not_covered_not_no_hit(zones: FakeZones) -> None:
    far = locate(Site(wgs84(Point(X0 + 5000, Y0)), "point"), zones, buffer_m=500)
    assert far.hits == () and far.jurisdictions == ()
    assert far.covered == {"boundary": False, "units": False, "red": False}
    inside = locate(Site(wgs84(Point(X0 - 50, Y0)), "point"), zones)
    assert inside.covered == {"boundary": True, "units": True, "red": False}


def test_a_site_partly_outside_a_layer_is_not_covered(zones: FakeZones) -> None:
    plot = box(X0 + 1900, Y0, X0 + 2100, Y0 + 100)  # half over the county line
    loc = locate(Site(wgs84(plot), "polygon"), zones)
    assert loc.covered["units"] is False
    assert [(h.code, h.relation) for h in loc.hits_of("control_unit")] == [("U2", "overlaps")]


def test_hits_are_in_layer_order_then_code(zones: FakeZones) -> None:
    loc = locate(Site(wgs84(box(X0 - 10, Y0 - 10, X0 + 400, Y0 + 10)), "polygon"), zones)
    assert [(h.layer, h.code) for h in loc.hits] == [
        ("boundary", "330999"),
        ("units", "U1"),
        ("units", "U2"),
        ("red", "R1"),
    ]


def test_locate_many_matches_locate_and_keeps_order(zones: FakeZones) -> None:
    sites = [
        point_site(LON, LAT),
        Site(wgs84(Point(X0 + 5000, Y0)), "point"),
        Site(wgs84(box(X0 - 150, Y0 - 50, X0 + 50, Y0 + 50)), "polygon"),
        Site(wgs84(Point(X0 - 50, Y0)), "point"),
    ]
    many = locate_many(sites, zones, 500)
    assert many == [locate(s, zones, 500) for s in sites]
    assert [m.site for m in many] == sites
    assert locate_many([], zones, 500) == []


def test_bad_buffer_is_refused(zones: FakeZones) -> None:
    with pytest.raises(ValueError, match="buffer_m"):
        locate(point_site(LON, LAT), zones, buffer_m=-1)
    with pytest.raises(ValueError, match="buffer_m"):
        locate(point_site(LON, LAT), zones, buffer_m=float("nan"))


def test_hit_and_location_shapes() -> None:
    hit = ZoneHit("units", "control_unit", "U1", "西", "inside", 0.0, None, "priority")
    loc = Location(point_site(LON, LAT), (hit,), (), {"units": True}, (), 0.0)
    assert loc.hits_of("control_unit") == (hit,) and loc.hits_of("park") == ()
    with pytest.raises(AttributeError):
        hit.code = "U2"  # type: ignore[misc]


def test_missing_attribute_values_are_none() -> None:
    rows = [
        {
            "layer": "parks",
            "code": "P1",
            "name": "园区",
            "park_type": float("nan"),
            "geometry": Polygon([(0, 0), (1, 0), (0, 1)]),
        }
    ]
    zones = make_zones(rows, {"parks": "park"}, identity=True)
    (hit,) = locate(Site(Point(0.2, 0.2), "point"), zones).hits
    assert hit.park_type is None and hit.unit_class is None

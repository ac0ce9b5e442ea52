"""The site: `location` becomes a WGS84 geometry, or a typed error naming the field and a fix."""

from __future__ import annotations

import math

import prcoords
import pytest
import shapely
from shapely.geometry import Point

from screening import ProjectError, load_rules, parse_project
from screening.packs.vocabulary import Vocabulary
from screening.project import site as site_module
from screening.project.site import MAX_VERTICES, Site, parse_site

from .conftest import MINI_RULES

BASE = "name: x\nconstruction: new\nindustry_codes: ['1512']\n"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_rules(MINI_RULES, bundled=False).vocabulary


def _error(value: object) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        parse_site(value)
    return info.value


def _metres(a: Point, b: Point) -> float:
    return prcoords.Coords(a.y, a.x).distance(prcoords.Coords(b.y, b.x))


def test_point_in_a_project_file(vocab: Vocabulary) -> None:
    p = parse_project(BASE + "location:\n  crs: wgs84\n  point: [120.15, 29.4]\n  address: 某县某镇\n", vocab)
    assert p.site == Site(Point(120.15, 29.4), "point", "wgs84", (), "某县某镇")
    assert p.location == {"crs": "wgs84", "point": [120.15, 29.4], "address": "某县某镇"}  # kept as given


def test_no_location_or_address_only_gives_no_site(vocab: Vocabulary) -> None:
    assert parse_project(BASE, vocab).site is None
    assert parse_project(BASE + "location: {address: 某村}\n", vocab).site is None


def test_errors_in_a_project_file_carry_file_line_field_and_hint(vocab: Vocabulary) -> None:
    text = BASE + "location:\n  crs: wgs84\n  line:\n    - [120.1, 29.4]\n    - [29.41, 120.11]\n"
    with pytest.raises(ProjectError) as info:
        parse_project(text, vocab, source="p.yaml")
    e = info.value
    assert (e.code, e.file, e.line, e.field) == ("site_swapped_coordinates", "p.yaml", 8, "location.line.1")
    assert e.hint == "positions are [longitude, latitude]: write [120.11, 29.41]"


def test_gcj02_round_trip_within_a_metre() -> None:
    # A known pair: the WGS84 point of 西湖 and its GCJ-02 shift of about 500 m.
    wgs = Point(120.1500, 29.4000)
    gcj = prcoords.wgs_gcj(prcoords.Coords(wgs.y, wgs.x))
    assert 300 < _metres(wgs, Point(gcj.lon, gcj.lat)) < 800  # the shift is real
    site = parse_site({"crs": "gcj02", "point": [gcj.lon, gcj.lat]})
    assert site is not None and site.crs == "gcj02"
    assert _metres(site.geometry, wgs) < 1.0
    line = parse_site({"crs": "GCJ-02", "line": [[gcj.lon, gcj.lat], [gcj.lon + 0.01, gcj.lat]]})
    assert line is not None and _metres(Point(line.geometry.coords[0]), wgs) < 1.0


@pytest.mark.parametrize("crs", ["cgcs2000", "EPSG:4490", "wgs84", "EPSG:4326", "4326"])
def test_cgcs2000_and_wgs84_are_taken_as_given(crs: str) -> None:
    site = parse_site({"crs": crs, "point": [120.15, 29.4]})
    assert site is not None and site.geometry.equals(Point(120.15, 29.4))
    assert site.crs in ("cgcs2000", "wgs84")


def test_line_polygon_and_geojson() -> None:
    line = parse_site({"crs": "wgs84", "line": [[120.1, 29.4], [120.2, 29.4], [120.2, 29.5]]})
    assert line is not None and line.kind == "line" and line.geometry.length == pytest.approx(0.2)
    poly = parse_site({"crs": "wgs84", "polygon": [[120.1, 29.4], [120.2, 29.4], [120.2, 29.5]]})
    assert poly is not None and poly.kind == "polygon" and poly.geometry.area == pytest.approx(0.005)
    geo = {"type": "MultiPolygon", "coordinates": [[[[120.1, 29.4], [120.2, 29.4], [120.2, 29.5], [120.1, 29.4]]]]}
    assert parse_site({"crs": "wgs84", "geometry": geo}).kind == "polygon"  # type: ignore[union-attr]
    ml = {"type": "MultiLineString", "coordinates": [[[120.1, 29.4], [120.2, 29.4]], [[120.3, 29.4], [120.3, 29.5]]]}
    assert parse_site({"crs": "wgs84", "geometry": ml}).kind == "line"  # type: ignore[union-attr]
    pt = parse_site({"crs": "wgs84", "geometry": {"type": "Point", "coordinates": [120.1, 29.4]}})
    assert pt is not None and pt.kind == "point"


BAD = [
    # (location, code, field, hint contains)
    ({"crs": "wgs84", "point": [2.35, 48.85]}, "site_outside_china", "location.point", "[longitude, latitude]"),
    ({"crs": "wgs84", "point": [500000, 3250000]}, "site_outside_china", "location.point", "metres"),
    ({"crs": "wgs84", "point": [29.4, 120.15]}, "site_swapped_coordinates", "location.point", "write [120.15, 29.4]"),
    ({"point": [120.15, 29.4]}, "site_missing_crs", "location.crs", "gcj02"),
    ({"crs": "bd11", "point": [120.15, 29.4]}, "site_bad_crs", "location.crs", "bd09 (百度)"),
    ({"crs": "utm", "point": [120.15, 29.4]}, "site_bad_crs", "location.crs", "cgcs2000"),
    ({"crs": "wgs84"}, "site_bad_geometry", "location", "point: [120.15, 29.4]"),
    (
        {"crs": "wgs84", "point": [120.15, 29.4], "line": [[120, 29], [121, 29]]},
        "site_bad_geometry",
        "location.line",
        "polygon",
    ),
    ({"crs": "wgs84", "point": []}, "site_bad_geometry", "location.point", "longitude first"),
    ({"crs": "wgs84", "point": "120.15, 29.4"}, "site_bad_geometry", "location.point", "[120.15, 29.4]"),
    ({"crs": "wgs84", "point": [120.15, "29.4"]}, "site_bad_geometry", "location.point.1", None),
    ({"crs": "wgs84", "point": [120.15, True]}, "site_bad_geometry", "location.point.1", None),
    ({"crs": "wgs84", "point": [120.15, math.nan]}, "site_bad_geometry", "location.point.1", None),
    ({"crs": "wgs84", "point": [math.inf, 29.4]}, "site_bad_geometry", "location.point.0", None),
    ({"crs": "wgs84", "point": [10**400, 29.4]}, "site_bad_geometry", "location.point.0", None),
    ({"crs": "wgs84", "line": []}, "site_bad_geometry", "location.line", "positions"),
    ({"crs": "wgs84", "line": [[120.1, 29.4], [120.1, 29.4]]}, "site_bad_geometry", "location.line", "point"),
    (
        {"crs": "wgs84", "polygon": [[120.1, 29.4], [120.2, 29.4], [120.1, 29.4]]},
        "site_bad_geometry",
        "location.polygon",
        "corner",
    ),
    (
        {"crs": "wgs84", "polygon": [[120.1, 29.4], [120.2, 29.4], [120.3, 29.4]]},
        "site_bad_geometry",
        "location.polygon",
        None,
    ),
    (
        {"crs": "wgs84", "polygon": [[120.0, 29.0], [120.01, 29.01], [120.01, 29.0], [120.0, 29.01]]},
        "site_invalid_geometry",
        "location.polygon",
        "without crossing",
    ),
    (
        {"crs": "wgs84", "geometry": {"type": "MultiPoint", "coordinates": [[120, 29]]}},
        "site_bad_geometry",
        "location.geometry.type",
        "Point",
    ),
    (
        {"crs": "wgs84", "geometry": {"type": "Point", "coordinates": []}},
        "site_bad_geometry",
        "location.geometry.coordinates",
        None,
    ),
    ({"crs": "wgs84", "geometry": [120, 29]}, "site_bad_geometry", "location.geometry", None),
    (
        {"crs": "wgs84", "lon": 120.15, "lat": 29.4},
        "project_unknown_field",
        "location.lon",
        "point: [longitude, latitude]",
    ),
    ({"crs": "wgs84", "pont": [120.15, 29.4]}, "project_unknown_field", "location.pont", "did you mean 'point'?"),
    ({"crs": "wgs84", "point": [120.15, 29.4], "address": 5}, "project_wrong_type", "location.address", None),
    ([120.15, 29.4], "project_wrong_type", "location", "point"),
]


@pytest.mark.parametrize(("location", "code", "field", "hint"), BAD)
def test_bad_locations_are_typed_errors(location: object, code: str, field: str, hint: str | None) -> None:
    e = _error(location)
    assert (e.code, e.field) == (code, field), str(e)
    if hint is not None:
        assert e.hint is not None and hint in e.hint, e.hint


def test_too_many_vertices() -> None:
    ring = [[120.0 + 0.001 * math.cos(i / 2000), 29.0 + 0.001 * math.sin(i / 2000)] for i in range(MAX_VERTICES + 1)]
    e = _error({"crs": "wgs84", "polygon": ring})
    assert (e.code, e.field) == ("site_too_many_vertices", "location.polygon")
    assert "simplify" in (e.hint or "")
    assert parse_site({"crs": "wgs84", "line": ring[:MAX_VERTICES]}) is not None  # the limit itself is accepted
    parts = {"type": "MultiLineString", "coordinates": [ring[:6000], ring[:6000]]}
    assert _error({"crs": "wgs84", "geometry": parts}).code == "site_too_many_vertices"


def test_a_small_self_intersection_is_repaired_with_a_warning() -> None:
    # A square whose last corner is placed just past the first edge: a sliver of 0.01 % crosses.
    ring = [[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.1], [120.001, 28.999]]
    site = parse_site({"crs": "wgs84", "polygon": ring})
    assert site is not None and site.geometry.is_valid
    assert len(site.warnings) == 1 and "repaired" in site.warnings[0] and "0.01%" in site.warnings[0]
    assert site.geometry.area == pytest.approx(0.01, rel=0.01)


def test_closed_ring_and_holes() -> None:
    closed = parse_site({"crs": "wgs84", "polygon": [[120.1, 29.4], [120.2, 29.4], [120.2, 29.5], [120.1, 29.4]]})
    assert closed is not None and len(closed.geometry.exterior.coords) == 4
    outer = [[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.1]]
    hole = [[120.02, 29.02], [120.03, 29.02], [120.03, 29.03]]
    site = parse_site({"crs": "wgs84", "geometry": {"type": "Polygon", "coordinates": [outer, hole]}})
    assert site is not None and site.geometry.area == pytest.approx(0.01 - 0.00005)


def _star(n: int, r_deg: float, spike: float = 0.9) -> list[list[float]]:
    return [
        [
            119.96 + r_deg * (1 - spike * (i % 2)) * math.cos(2 * math.pi * i / n),
            29.28 + r_deg * (1 - spike * (i % 2)) * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]


def test_an_outline_too_complex_to_locate_in_time_is_refused() -> None:
    # 2,000 spikes across the county: its overlap shares took seconds per thousand vertices.
    with pytest.raises(ProjectError) as info:
        parse_site({"crs": "wgs84", "polygon": _star(2000, 0.15)})
    assert info.value.code == "site_too_complex"
    assert "1,000" in info.value.message and info.value.hint


def test_a_dense_outline_is_simplified_within_a_metre_with_a_warning() -> None:
    circle = [
        [119.96 + 0.005 * math.cos(2 * math.pi * i / 5000), 29.28 + 0.005 * math.sin(2 * math.pi * i / 5000)]
        for i in range(5000)
    ]
    site = parse_site({"crs": "wgs84", "polygon": circle})
    assert site is not None
    assert site_module._vertices(site.geometry) <= site_module.LOCATE_VERTICES
    assert any("simplified within 1 m" in w for w in site.warnings)
    original = shapely.Polygon(circle)
    # No point of the simplified outline is more than the tolerance from the original (in degrees of latitude).
    assert shapely.hausdorff_distance(site.geometry, original) <= 1.0 / 111_320.0 * 1.01

"""Projected CGCS2000 Gauss-Krüger and BD-09 sites: converted to WGS84 within a centimetre, and a
wrong zone or swapped axes is a typed error that says which zone or order would fit."""

from __future__ import annotations

import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point

from screening import ProjectError, load_rules, parse_project
from screening.project.coordinates import CoordinateProblem, epsg_code, from_wgs84, resolve_crs
from screening.project.site import parse_site

from .conftest import MINI_RULES

GEOD = Geod(ellps="GRS80")
# The plot of examples/site-hospital-in-reform-area.yaml, corner 1, in zone 40 with the zone number.
E, N = from_wgs84(3, 40, 119.9588, 29.2798)


def _metres(a: Point, lon: float, lat: float) -> float:
    return float(GEOD.inv(a.x, a.y, lon, lat)[2])


def _error(value: object) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        parse_site(value)
    return info.value


# Longitudes and latitudes inside the China box where a 3-degree zone exists (75°E-135°E).
lons = st.floats(min_value=73.6, max_value=135.0, allow_nan=False)
lats = st.floats(min_value=3.5, max_value=53.5, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(lon=lons, lat=lats, prefixed=st.booleans(), offset=st.sampled_from([-1, 0, 1]))
def test_gauss_kruger_round_trip_within_a_centimetre(lon: float, lat: float, prefixed: bool, offset: int) -> None:
    zone = min(max(round(lon / 3) + offset, 25), 45)
    if abs(lon - 3 * zone) > 1.9:  # a neighbouring zone as far as surveys run on into it
        zone = min(max(round(lon / 3), 25), 45)
    easting, northing = from_wgs84(3, zone, lon, lat, prefixed=prefixed)
    for location in (
        {"crs": f"EPSG:{epsg_code(3, zone, prefixed)}", "point": [easting, northing]},
        {
            "crs": "cgcs2000-gk3",
            ("zone" if prefixed else "central_meridian"): zone if prefixed else 3 * zone,
            "point": [easting, northing],
        },
    ):
        site = parse_site(location)
        assert site is not None and site.crs == f"EPSG:{epsg_code(3, zone, prefixed)}"
        assert _metres(site.geometry, lon, lat) < 0.01


@settings(max_examples=50, deadline=None)
@given(lon=st.floats(min_value=118.6, max_value=121.4), lat=lats)
def test_the_zone_number_of_the_easting_is_enough(lon: float, lat: float) -> None:
    easting, northing = from_wgs84(3, 40, lon, lat)
    site = parse_site(
        {
            "crs": "cgcs2000-gk3",
            "polygon": [[easting, northing], [easting + 50, northing], [easting + 50, northing + 50]],
        }
    )
    assert site is not None and site.crs == "EPSG:4528"
    assert _metres(Point(site.geometry.exterior.coords[0]), lon, lat) < 0.01


def test_six_degree_zones_are_read_too() -> None:
    e, n = from_wgs84(6, 20, 119.9588, 29.2798)
    site = parse_site({"crs": "cgcs2000-gk6", "point": [e, n]})
    assert site is not None and site.crs == "EPSG:4498" and _metres(site.geometry, 119.9588, 29.2798) < 0.01


def test_the_crs_names() -> None:
    assert resolve_crs("EPSG:4513").central_meridian == 75  # type: ignore[union-attr]
    assert resolve_crs("4554").central_meridian == 135  # type: ignore[union-attr]
    assert resolve_crs("epsg:4528", zone=40).name == "EPSG:4528"  # type: ignore[union-attr]
    assert resolve_crs("cgcs2000-gk3", meridian=120).name == "EPSG:4528"  # type: ignore[union-attr]
    assert resolve_crs("Baidu") == "bd09" and resolve_crs("BD-09") == "bd09"
    assert resolve_crs("EPSG：4528").name == "EPSG:4528"  # type: ignore[union-attr]  # a Chinese colon
    # Names as QGIS and ArcGIS print them.
    assert resolve_crs("CGCS2000 / 3-degree Gauss-Kruger zone 40").name == "EPSG:4528"  # type: ignore[union-attr]
    assert resolve_crs("CGCS2000_3_Degree_GK_CM_120E").name == "EPSG:4549"  # type: ignore[union-attr]
    assert resolve_crs("WGS 84") == "wgs84"
    for not_taken in ("WGS 84 / UTM zone 50N", "+proj=longlat +datum=WGS84", "https://example.org/crs", "foo"):
        with pytest.raises(CoordinateProblem) as info:
            resolve_crs(not_taken)
        assert info.value.code == "site_bad_crs"


GK_BAD = [
    # The easting's zone number says 40; the location says 39: which zone would fit is named.
    ({"crs": "cgcs2000-gk3", "zone": 39, "point": [E, N]}, "site_wrong_zone", "location.point", "fit zone 40"),
    ({"crs": "EPSG:4527", "point": [E, N]}, "site_wrong_zone", "location.point", "fit zone 40"),
    # A prefixed easting under a crs without the prefix, and the reverse.
    ({"crs": "EPSG:4549", "point": [E, N]}, "site_wrong_zone", "location.point", "EPSG:4528"),
    ({"crs": "EPSG:4528", "point": [E - 40e6, N]}, "site_wrong_zone", "location.point", "EPSG:4549"),
    # No zone anywhere.
    ({"crs": "cgcs2000-gk3", "point": [E - 40e6, N]}, "site_missing_zone", "location.point", "central_meridian"),
    # Surveyors' X, Y order (northing first).
    ({"crs": "EPSG:4528", "point": [N, E]}, "site_swapped_coordinates", "location.point", f"write [{E:.3f}"[:14]),
    ({"crs": "EPSG:4549", "point": [N, E - 40e6]}, "site_swapped_coordinates", "location.point", None),
    # An easting far from the central meridian (a digit too many).
    ({"crs": "EPSG:4549", "point": [900_000, N]}, "site_wrong_zone", "location.point", "500,000 m"),
    # Zone and meridian mixed up, or not a zone at all.
    ({"crs": "cgcs2000-gk3", "zone": 120, "point": [E, N]}, "site_bad_zone", "location.zone", "central_meridian: 120"),
    (
        {"crs": "cgcs2000-gk3", "central_meridian": 40, "point": [E, N]},
        "site_bad_zone",
        "location.central_meridian",
        "zone: 40",
    ),
    (
        {"crs": "cgcs2000-gk3", "central_meridian": 119, "point": [E, N]},
        "site_bad_zone",
        "location.central_meridian",
        "steps of 3",
    ),
    (
        {"crs": "cgcs2000-gk3", "zone": 40, "central_meridian": 117, "point": [E, N]},
        "site_bad_zone",
        "location.central_meridian",
        None,
    ),
    ({"crs": "EPSG:4528", "zone": 41, "point": [E, N]}, "site_bad_zone", "location.zone", "EPSG:4529"),
    ({"crs": "wgs84", "zone": 40, "point": [120.1, 29.4]}, "site_bad_zone", "location.zone", None),
    # A 6-degree zone number under a 3-degree crs.
    ({"crs": "cgcs2000-gk3", "point": [20_500_000, N]}, "site_wrong_zone", "location.point", "EPSG:4498"),
    ({"crs": "EPSG:3857", "point": [E, N]}, "site_bad_crs", "location.crs", "4491-4554"),
    ({"crs": "cgcs2000 gk", "point": [E, N]}, "site_bad_crs", "location.crs", "cgcs2000-gk3"),
    # Metres under a geographic crs: the hint names the projected crs.
    ({"crs": "cgcs2000", "point": [E, N]}, "site_outside_china", "location.point", "EPSG:4528"),
    # A northing outside China.
    ({"crs": "EPSG:4528", "point": [E, 100_000.0]}, "site_outside_china", "location.point", None),
]


@pytest.mark.parametrize(("location", "code", "field", "hint"), GK_BAD)
def test_wrong_zones_and_swapped_axes_are_typed_errors(
    location: object, code: str, field: str, hint: str | None
) -> None:
    e = _error(location)
    assert (e.code, e.field) == (code, field), str(e)
    if hint is not None:
        assert e.hint is not None and hint in e.hint, e.hint


def test_positions_of_two_zones_in_one_site_are_refused() -> None:
    e41, n41 = from_wgs84(3, 41, 123.0, 29.3)
    e = _error({"crs": "cgcs2000-gk3", "line": [[E, N], [e41, n41]]})
    assert (e.code, e.field) == ("site_wrong_zone", "location.line.1") and "zone 41" in e.message


def test_gauss_kruger_errors_in_a_project_file_name_the_line() -> None:
    vocab = load_rules(MINI_RULES, bundled=False).vocabulary
    text = (
        "name: x\nconstruction: new\nindustry_codes: ['1512']\nlocation:\n  crs: EPSG:4528\n  polygon:\n"
        f"    - [{E}, {N}]\n    - [{E + 100}, {N}]\n    - [{N + 100}, {E + 100}]\n"
    )
    with pytest.raises(ProjectError) as info:
        parse_project(text, vocab, source="p.yaml")
    assert (info.value.code, info.value.line, info.value.field) == ("site_swapped_coordinates", 9, "location.polygon.2")


def test_bd09_is_converted_to_wgs84() -> None:
    wgs = Point(119.9588, 29.2798)
    bd = prcoords.wgs_bd(prcoords.Coords(wgs.y, wgs.x))
    assert _metres(Point(bd.lon, bd.lat), wgs.x, wgs.y) > 500  # Baidu's shift is real
    site = parse_site(
        {"crs": "bd09", "polygon": [[bd.lon, bd.lat], [bd.lon + 0.002, bd.lat], [bd.lon, bd.lat + 0.002]]}
    )
    assert site is not None and site.crs == "bd09"
    assert _metres(Point(site.geometry.exterior.coords[0]), wgs.x, wgs.y) < 0.05

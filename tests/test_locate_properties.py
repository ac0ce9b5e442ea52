"""Properties of locate on generated tilings, in exact coordinates (the zone set's work CRS is
the sites' own here, so a point on a grid line is exactly on it)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point, box

from screening.project.site import Site
from screening.zones.locate import locate, locate_many

from .test_locate import FakeZones, make_zones

# Coordinates on a 1/8 grid with small integers: sums and translations stay exact in floats.
coord = st.integers(min_value=-80, max_value=80).map(lambda i: i / 8)
size = st.integers(min_value=1, max_value=4)


# Buffers no site can be exactly at: site coordinates are multiples of 1/160 and zone edges
# integers or a circle of radius 0.75 around an integer point, so every distance is k/160,
# sqrt(p^2 + q^2)/160 or that minus 0.75; none equals (2m + 1)/320. A buffer equal to a
# reachable distance (0.3, 1.0) made the test flaky: after a translation the computed distance
# can land one ulp on the other side of it.
BUFFER_NEAR = 97 / 320  # about 0.3
BUFFER_FAR = 321 / 320  # about 1.0


def grid(nx: int, ny: int, dx: float = 0.0, dy: float = 0.0, extra: bool = True) -> FakeZones:
    """An nx x ny tiling of unit squares ("units") plus an overlapping round zone ("red")."""
    rows = [
        {"layer": "units", "code": f"U{i}-{j}", "geometry": box(i + dx, j + dy, i + 1 + dx, j + 1 + dy)}
        for i in range(nx)
        for j in range(ny)
    ]
    if extra:
        rows.append({"layer": "red", "code": "R", "geometry": Point(1 + dx, 1 + dy).buffer(0.75)})
    return make_zones(rows, {"units": "control_unit", "red": "ecological_red_line"}, identity=True)


@st.composite
def sites(draw: st.DrawFn) -> Site:
    x, y = draw(coord), draw(coord)
    kind = draw(st.sampled_from(["point", "line", "polygon"]))
    if kind == "point":
        return Site(Point(x / 10 + 1, y / 10 + 1), "point")
    w, h = draw(size) / 4, draw(size) / 4
    x, y = x / 20 + 1, y / 20 + 1
    if kind == "line":
        return Site(box(x, y, x + w, y + h).exterior, "line")
    return Site(box(x, y, x + w, y + h), "polygon")


def _same(a: object, b: object) -> bool:
    """Whether two Locations agree: the same zones with the same relations, and distances and
    shares equal within 1e-9 (a translation may move a float by an ulp, so neither rounding nor
    exact equality is stable)."""

    def rows(loc: Any) -> list[tuple[tuple[Any, ...], tuple[float, ...]]]:
        hits = [
            ((h.layer, h.code, h.relation), (h.distance_m, -1.0 if h.overlap_share is None else h.overlap_share))
            for h in loc.hits
        ]
        # Nearby zones come nearest first; equal distances may swap once moved.
        near = sorted(((h.layer, h.code, "nearby"), (h.distance_m,)) for h in loc.nearby)
        return hits + near

    ra, rb = rows(a), rows(b)
    return (
        [k for k, _ in ra] == [k for k, _ in rb]
        and all(
            math.isclose(u, v, abs_tol=1e-9)
            for (_, xs), (_, ys) in zip(ra, rb, strict=True)
            for u, v in zip(xs, ys, strict=True)
        )
        and a.covered == b.covered  # type: ignore[attr-defined]
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    site=sites(),
    dx=st.integers(-1000, 1000),
    dy=st.integers(-1000, 1000),
    buffer=st.sampled_from([0.0, BUFFER_NEAR, BUFFER_FAR]),
)
def test_translating_site_and_zones_together_changes_nothing(site: Site, dx: int, dy: int, buffer: float) -> None:
    here = locate(site, grid(3, 3), buffer)
    moved = Site(affinity.translate(site.geometry, dx, dy), site.kind)
    there = locate(moved, grid(3, 3, dx, dy), buffer)
    assert _same(there, here), (there, here)


@settings(max_examples=200, deadline=None)
@given(x=st.integers(0, 24), y=st.integers(0, 24))
def test_a_point_is_in_exactly_one_unit_unless_on_a_boundary(x: int, y: int) -> None:
    zones = grid(3, 3, extra=False)
    px, py = x / 8, y / 8  # inside the 3 x 3 tiling, often on a grid line
    units = locate(Site(Point(px, py), "point"), zones).hits_of("control_unit")
    on_x, on_y = px == int(px), py == int(py)
    if not on_x and not on_y:
        assert [h.relation for h in units] == ["inside"]
        assert units[0].code == f"U{int(px)}-{int(py)}"
    else:
        assert len(units) >= 2 - (px in (0, 3) or py in (0, 3)) and all(h.relation == "boundary" for h in units)
        expect = {(i, j) for i in range(3) for j in range(3) if i <= px <= i + 1 and j <= py <= j + 1}
        assert {h.code for h in units} == {f"U{i}-{j}" for i, j in expect}


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(sites(), min_size=0, max_size=12), buffer=st.sampled_from([0.0, 0.5]))
def test_locate_many_is_locate_for_each(batch: list[Site], buffer: float) -> None:
    zones = grid(3, 3)
    assert locate_many(batch, zones, buffer) == [locate(s, zones, buffer) for s in batch]


@settings(max_examples=100, deadline=None)
@given(site=sites())
def test_shares_over_a_tiling_sum_to_one_for_a_covered_plot(site: Site) -> None:
    # Plots only: a stretch of road along a shared edge is on the edge of both units, and counts in both.
    loc = locate(site, grid(3, 3, extra=False))
    if site.kind != "polygon" or not loc.covered["units"]:
        return
    assert abs(sum(h.overlap_share or 0.0 for h in loc.hits_of("control_unit")) - 1.0) < 1e-9

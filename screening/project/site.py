"""Stage 1b, the site: read a project's `location` into a shapely geometry in WGS84 lon/lat.

Format and error codes: docs/zones.md. Every error is a ProjectError naming the field
(`location.point`, `location.polygon.3`) so the user can find and fix the coordinate.

>>> parse_site({"crs": "wgs84", "point": [120.15, 29.4]}).geometry.wkt
'POINT (120.15 29.4)'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import ProjectError, did_you_mean

MAX_VERTICES = 10_000
# What locate reads: overlap shares cost an overlay per zone the site crosses, and an overlay
# grows faster than its vertex count (measured on the sample county, the worst outline we
# found, 1,000 vertices across 370 zones: 2.4 s; 2,000: 8.8 s; 10,000: minutes), so a
# larger outline is first simplified within SIMPLIFY_TOLERANCE_M, then refused if still larger.
LOCATE_VERTICES = 1_000
SIMPLIFY_TOLERANCE_M = 1.0
_METRES_PER_DEGREE = 111_320.0  # of latitude; a degree of longitude is shorter, so the tolerance holds
# A generous box around China (73-136°E, 3-54°N): it only catches coordinates that cannot be
# Chinese at all (swapped, projected metres, the wrong hemisphere), not borders.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
# A repair by make_valid that moves the area by less than this share is accepted with a warning.
REPAIR_TOLERANCE = 0.01

# Declared name -> the canonical name kept in Site.crs.
_CRS_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "cgcs2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "4490": "cgcs2000",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
}
_CRS_HINT = "crs is one of: wgs84 (GPS), cgcs2000 (天地图, official maps), gcj02 (高德/腾讯 and most Chinese web maps)"
_GEOMETRY_KEYS = ("point", "line", "polygon", "geometry")
_KEYS = ("crs", *_GEOMETRY_KEYS, "address")
_GEOJSON_KINDS = {
    "Point": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}

Path = tuple[Any, ...]
Fail = Callable[[Path, str, str, str | None], ProjectError]


@dataclass(frozen=True)
class Site:
    """Where the project is: `geometry` in WGS84 lon/lat, `kind` point | line | polygon, `crs`
    as declared (canonical name), `warnings` the user should see (e.g. a repaired outline)."""

    geometry: BaseGeometry
    kind: str
    crs: str = "wgs84"
    warnings: tuple[str, ...] = ()
    address: str | None = None


def _default_fail(path: Path, code: str, message: str, hint: str | None = None) -> ProjectError:
    return ProjectError(code, message, field=".".join(str(p) for p in path) or None, hint=hint)


def parse_site(value: Any, fail: Fail | None = None, path: Path = ("location",)) -> Site | None:
    """Validate a `location` mapping; return its Site, or None when it gives no geometry
    (an address alone). `fail(path, code, message, hint)` builds the error to raise, so the
    caller can add the file and line (project.py passes its own)."""
    return _Parser(fail or _default_fail, path).site(value)


class _Parser:
    def __init__(self, fail: Fail, root: Path) -> None:
        self.fail = fail
        self.root = root
        self.vertices = 0

    def error(self, rel: Path, code: str, message: str, hint: str | None = None) -> ProjectError:
        return self.fail((*self.root, *rel), code, message, hint)

    # ------------------------------------------------------------------ the mapping

    def site(self, value: Any) -> Site | None:
        if not isinstance(value, Mapping):
            raise self.error(
                (), "project_wrong_type", "'location' must be a mapping", "e.g. {crs: wgs84, point: [120.15, 29.4]}"
            )
        for key in value:
            if key not in _KEYS:
                if key in ("lon", "lng", "lat", "x", "y", "longitude", "latitude"):
                    hint = "write the site as point: [longitude, latitude] with crs: wgs84 | cgcs2000 | gcj02"
                else:
                    hint = did_you_mean(str(key), _KEYS) or f"location fields are: {', '.join(_KEYS)}"
                raise self.error((key,), "project_unknown_field", f"unknown location field '{key}'", hint)
        address = self.address(value.get("address"))
        given = [k for k in _GEOMETRY_KEYS if value.get(k) is not None]
        if len(given) > 1:
            raise self.error(
                (given[1],),
                "site_bad_geometry",
                f"give only one of point, line, polygon, geometry (found {', '.join(given)})",
                "a project with several parts: give a polygon or a GeoJSON Multi* geometry",
            )
        if not given:
            if value.get("crs") is not None:
                raise self.error(
                    (),
                    "site_bad_geometry",
                    "the location has a crs but no point, line, polygon or geometry",
                    "add e.g. point: [120.15, 29.4] ([longitude, latitude])",
                )
            return None
        crs = self.crs(value.get("crs"))
        key = given[0]
        raw = value[key]
        if key == "point":
            geom = Point(self.position(raw, (key,)))
        elif key == "line":
            geom = LineString(self.line(raw, (key,)))
        elif key == "polygon":
            geom = Polygon(self.ring(raw, (key,)))
        else:
            geom = self.geojson(raw, (key,))
        kind = _GEOJSON_KINDS[geom.geom_type]
        if crs == "gcj02":
            geom = _gcj02_to_wgs84(geom)
        warnings: tuple[str, ...] = ()
        if kind == "polygon" and not geom.is_valid:
            geom, warning = self.repair(geom, (key,))
            warnings = (warning,)
        if _vertices(geom) > LOCATE_VERTICES:
            geom, warning = self.simplify(geom, (key,))
            warnings = (*warnings, warning)
        return Site(geometry=geom, kind=kind, crs=crs, warnings=warnings, address=address)

    def address(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(("address",), "project_wrong_type", "'address' must be text")
        if len(value) > 500:
            raise self.error(("address",), "project_value_too_long", "'address' is longer than 500 characters")
        return value.strip() or None

    def crs(self, value: Any) -> str:
        if value is None:
            raise self.error(
                ("crs",),
                "site_missing_crs",
                "the location needs a crs: which map the coordinates come from",
                _CRS_HINT,
            )
        name = _CRS_ALIASES.get(str(value).strip().lower()) if isinstance(value, (str, int)) else None
        if name is None:
            hint = _CRS_HINT
            if str(value).strip().lower() in ("bd09", "bd-09", "baidu"):
                hint = "Baidu BD-09 coordinates are not accepted: pick the site on a GCJ-02 map (高德/腾讯) instead"
            raise self.error(("crs",), "site_bad_crs", f"unknown crs '{value}'", hint)
        return name

    # ------------------------------------------------------------------ coordinates

    def position(self, value: Any, rel: Path) -> tuple[float, float]:
        """One [longitude, latitude] pair, checked to be finite and inside China."""
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
            raise self.error(
                rel,
                "site_bad_geometry",
                f"a position must be [longitude, latitude], not {_short(value)}",
                "e.g. [120.15, 29.4]: two numbers in degrees, longitude first",
            )
        self.vertices += 1
        if self.vertices > MAX_VERTICES:
            raise self.error(
                (rel[0],),
                "site_too_many_vertices",
                f"the site has more than {MAX_VERTICES:,} vertices",
                "simplify the outline (a few metres of tolerance is enough for screening)",
            )
        xy: list[float] = []
        for i, c in enumerate(value):
            if isinstance(c, bool) or not isinstance(c, (int, float)):
                raise self.error(
                    (*rel, i), "site_bad_geometry", f"a coordinate must be a number in degrees, not {_short(c)}"
                )
            try:
                x = float(c)
            except OverflowError:
                x = math.inf
            if not math.isfinite(x):
                raise self.error((*rel, i), "site_bad_geometry", f"a coordinate must be a finite number, not {c}")
            xy.append(x)
        lon, lat = xy
        if not _in_china(lon, lat):
            if _in_china(lat, lon):
                raise self.error(
                    rel,
                    "site_swapped_coordinates",
                    f"[{_num(lon)}, {_num(lat)}] looks like [latitude, longitude]",
                    f"positions are [longitude, latitude]: write [{_num(lat)}, {_num(lon)}]",
                )
            hint = "positions are [longitude, latitude] in degrees, e.g. [120.15, 29.4]"
            if abs(lon) > 180 or abs(lat) > 90:
                hint += "; projected coordinates in metres are not accepted"
            raise self.error(
                rel,
                "site_outside_china",
                f"[{_num(lon)}, {_num(lat)}] is outside China (73-136°E, 3-54°N)",
                hint,
            )
        return lon, lat

    def positions(self, value: Any, rel: Path, what: str) -> list[tuple[float, float]]:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise self.error(rel, "site_bad_geometry", f"a {what} must be a list of [longitude, latitude] positions")
        if not value:
            raise self.error(
                rel, "site_bad_geometry", f"the {what} is empty", "give its [longitude, latitude] positions"
            )
        if len(value) + self.vertices > MAX_VERTICES:  # refuse before reading 10,000 positions one by one
            raise self.error(
                (rel[0],),
                "site_too_many_vertices",
                f"the site has more than {MAX_VERTICES:,} vertices",
                "simplify the outline (a few metres of tolerance is enough for screening)",
            )
        return [self.position(p, (*rel, i)) for i, p in enumerate(value)]

    def line(self, value: Any, rel: Path) -> list[tuple[float, float]]:
        pts = self.positions(value, rel, "line")
        if len(set(pts)) < 2:
            raise self.error(
                rel,
                "site_bad_geometry",
                "a line needs at least 2 different positions",
                "a single place is a point: use point: [longitude, latitude]",
            )
        return pts

    def ring(self, value: Any, rel: Path) -> list[tuple[float, float]]:
        pts = self.positions(value, rel, "polygon")
        if pts[0] == pts[-1] and len(pts) > 1:
            pts = pts[:-1]  # closed by the user; closed again by shapely
        if len(set(pts)) < 3:
            raise self.error(
                rel,
                "site_bad_geometry",
                "a polygon needs at least 3 different corners",
                "give the outline of the plot corner by corner; a single place is a point",
            )
        if shapely.convex_hull(shapely.multipoints(pts)).area == 0:
            raise self.error(rel, "site_bad_geometry", "the polygon has no area: its corners lie on one line")
        return pts

    def geojson(self, value: Any, rel: Path) -> BaseGeometry:
        if not isinstance(value, Mapping):
            raise self.error(
                rel, "site_bad_geometry", "'geometry' must be a GeoJSON mapping {type: ..., coordinates: ...}"
            )
        kind = value.get("type")
        if kind not in _GEOJSON_KINDS:
            close = did_you_mean(str(kind), _GEOJSON_KINDS) if kind != "MultiPoint" else None
            hint = f"{close + ' ' if close else ''}type is one of: {', '.join(_GEOJSON_KINDS)}"
            raise self.error((*rel, "type"), "site_bad_geometry", f"unsupported geometry type '{kind}'", hint)
        extra = [k for k in value if k not in ("type", "coordinates")]
        if extra:
            raise self.error((*rel, extra[0]), "project_unknown_field", f"unknown geometry field '{extra[0]}'")
        coords = value.get("coordinates")
        at = (*rel, "coordinates")
        if coords is None or (isinstance(coords, Sequence) and not coords):
            raise self.error(at, "site_bad_geometry", f"the {kind} has no coordinates")
        if kind == "Point":
            return Point(self.position(coords, at))
        if kind == "LineString":
            return LineString(self.line(coords, at))
        if kind == "Polygon":
            return self.polygon(coords, at)
        parts = self.parts(coords, at, kind)
        if kind == "MultiLineString":
            return MultiLineString([self.line(p, (*at, i)) for i, p in enumerate(parts)])
        return MultiPolygon([self.polygon(p, (*at, i)) for i, p in enumerate(parts)])

    def parts(self, value: Any, rel: Path, what: str) -> Sequence[Any]:
        if not isinstance(value, Sequence) or isinstance(value, str) or not value:
            raise self.error(rel, "site_bad_geometry", f"a {what} needs a non-empty list of parts")
        return value

    def polygon(self, value: Any, rel: Path) -> Polygon:
        rings = self.parts(value, rel, "polygon")
        shell = self.ring(rings[0], (*rel, 0))
        holes = [self.ring(r, (*rel, i)) for i, r in enumerate(rings[1:], start=1)]
        return Polygon(shell, holes)

    # ------------------------------------------------------------------ repair

    def simplify(self, geom: BaseGeometry, rel: Path) -> tuple[BaseGeometry, str]:
        """Simplify an outline of more than LOCATE_VERTICES vertices within SIMPLIFY_TOLERANCE_M
        (topology kept: a ring never crosses itself); refuse it when that is not enough."""
        before = _vertices(geom)
        simple = shapely.simplify(geom, SIMPLIFY_TOLERANCE_M / _METRES_PER_DEGREE, preserve_topology=True)
        after = _vertices(simple)
        if after > LOCATE_VERTICES or simple.is_empty or not simple.is_valid:
            raise self.error(
                rel,
                "site_too_complex",
                f"the site has {before:,} vertices, {after:,} after simplifying within {SIMPLIFY_TOLERANCE_M:g} m; "
                f"screening reads at most {LOCATE_VERTICES:,}",
                "simplify the outline to a few metres (a few metres of tolerance is enough for screening)",
            )
        return simple, (
            f"the site's outline had {before:,} vertices and was simplified within {SIMPLIFY_TOLERANCE_M:g} m "
            f"to {after:,}: zones within {SIMPLIFY_TOLERANCE_M:g} m of the outline may be reported differently"
        )

    def repair(self, geom: BaseGeometry, rel: Path) -> tuple[BaseGeometry, str]:
        """make_valid the outline; keep it only when the area moved by less than 1 %: a bow-tie
        or a mis-ordered corner changes the plot, and guessing it would mislead the screening."""
        fixed = shapely.make_valid(geom)
        # make_valid may leave stray lines or points beside the polygons: only the area counts.
        polys = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else Polygon()
        # The signed area of the rings as written: what the user drew, loops cancelling.
        declared = abs(_ring_area(geom))
        change = abs(fixed.area - declared) / declared if declared > 0 else math.inf
        reason = shapely.is_valid_reason(geom)
        if fixed.is_empty or change >= REPAIR_TOLERANCE:
            raise self.error(
                rel,
                "site_invalid_geometry",
                f"the polygon's outline crosses itself ({reason})",
                "list the corners in order around the plot (clockwise or anticlockwise) without crossing",
            )
        return fixed, (
            f"the polygon's outline crossed itself ({reason}); it was repaired, "
            f"changing the area by {change:.2%}: check the outline"
        )


def _vertices(geom: BaseGeometry) -> int:
    """Vertices as the user counts them: a ring's closing point repeats its first."""
    parts = shapely.get_parts(geom)
    rings = sum(1 + shapely.get_num_interior_rings(p) for p in parts if p.geom_type == "Polygon")
    return int(shapely.get_num_coordinates(geom)) - rings


def _ring_area(geom: BaseGeometry) -> float:
    """Shoelace area of the exterior rings less the holes, as written (no repair)."""
    polys = getattr(geom, "geoms", [geom])
    total = 0.0
    for p in polys:
        total += abs(_shoelace(p.exterior.coords)) - sum(abs(_shoelace(h.coords)) for h in p.interiors)
    return total


def _shoelace(coords: Any) -> float:
    pts = list(coords)
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False))


def _gcj02_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """GCJ-02 -> WGS84 by prcoords' iterative inverse (about 1e-7°, a centimetre).

    prcoords-typed, named in the contract, requires Python >= 3.14 and cannot be installed
    here (3.11/3.12): prcoords, its untyped original by the same author, does the same."""
    import prcoords

    def convert(coords: Any) -> Any:
        out = [prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon)) for lon, lat in coords]
        return np.asarray([(c.lon, c.lat) for c in out], dtype=float).reshape(-1, 2)

    return shapely.transform(geom, convert)


def _in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

"""Stage 1b, the site: read a project's `location` into a shapely geometry in WGS84 lon/lat.

Format and error codes: docs/zones.md. Every error is a ProjectError naming the field
(`location.point`, `location.polygon.3`) so the user can find and fix the coordinate; an error
in a 界址点 table or a site file names that file and line.

Coordinates are geographic (wgs84, cgcs2000, gcj02, bd09: [longitude, latitude]) or projected
CGCS2000 Gauss-Krüger ([easting, northing] in metres; coordinates.py); the site is a point,
line, polygon, GeoJSON geometry, 界址点 table (boundary_table.py) or file (site_files.py).

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
from .boundary_table import TablePoint, TableProblem, parse_table
from .coordinates import (
    CRS_HINT,
    GEOGRAPHIC_ALIASES,
    CoordinateProblem,
    GaussKruger,
    bd09_to_wgs84,
    looks_swapped,
    read_zone,
    resolve_crs,
    to_wgs84,
)
from .site_files import MAX_FILE_BYTES, SiteFileProblem, SiteSource, read_site_file

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

_GEOMETRY_KEYS = ("point", "line", "polygon", "geometry", "table", "file")
_KEYS = ("crs", "zone", "central_meridian", *_GEOMETRY_KEYS, "layer", "address")
_GEOJSON_KINDS = {
    "Point": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}

Path = tuple[Any, ...]
Fail = Callable[[Path, str, str, str | None], ProjectError]
# `file:` as written -> (the file's name for messages, its bytes); raises SiteFileProblem.
FileReader = Callable[[str], tuple[str, bytes]]


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


def parse_site(
    value: Any, fail: Fail | None = None, path: Path = ("location",), *, files: FileReader | None = None
) -> Site | None:
    """Validate a `location` mapping; return its Site, or None when it gives no geometry
    (an address alone). `fail(path, code, message, hint)` builds the error to raise, so the
    caller can add the file and line (project.py passes its own). `files` reads `file:`
    (directory_files for a project file); without it `file:` is refused (an API body)."""
    return _Parser(fail or _default_fail, path, files).site(value)


def site_from_file(
    name: str,
    data: bytes,
    *,
    crs: Any = None,
    zone: Any = None,
    central_meridian: Any = None,
    layer: str | None = None,
) -> Site:
    """Return the Site of a file's bytes (an upload): DXF, KML/KMZ, zipped Shapefile, GeoJSON or a
    界址点 table (.txt/.csv), by `name`'s extension. Errors name the fields crs, zone, file.

    >>> rows = ["J1 3300000 40493120", "J2 3300000 40493220", "J3 3300100 40493220"]
    >>> site_from_file("a.txt", chr(10).join(rows).encode(), crs="cgcs2000-gk3").crs
    'EPSG:4528'
    """
    value = {"file": name, "crs": crs, "zone": zone, "central_meridian": central_meridian, "layer": layer}
    site = parse_site({k: v for k, v in value.items() if v is not None}, path=(), files=lambda _: (name, data))
    assert site is not None  # a file always gives a geometry or an error
    return site


def directory_files(base: Any) -> FileReader:
    """Read `file:` relative to `base` (the project file's folder): a relative path that stays
    inside it, at most MAX_FILE_BYTES. `file:` in a project is someone else's input too."""
    import pathlib

    root = pathlib.Path(base).resolve()

    def read(name: str) -> tuple[str, bytes]:
        if "://" in name or pathlib.PurePath(name).is_absolute() or pathlib.PureWindowsPath(name).is_absolute():
            raise SiteFileProblem(
                "site_file_bad_path",
                f"'{name}' is not a path relative to the project file",
                "put the site file beside the project file (or below it) and give its relative path; "
                "or use envscreen check --site FILE",
            )
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            raise SiteFileProblem(
                "site_file_bad_path",
                f"'{name}' leads outside the project file's folder",
                "put the site file beside the project file, or use envscreen check --site FILE",
            )
        shown = str(pathlib.Path(base) / name)
        if not path.is_file():
            raise SiteFileProblem("site_file_missing", f"no file '{shown}'", None)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SiteFileProblem(
                "site_file_too_large",
                f"'{shown}' is {path.stat().st_size:,} bytes; site files are read up to {MAX_FILE_BYTES:,}",
                "export only the red line (the site outline), not the whole drawing or map",
            )
        return shown, path.read_bytes()

    return read


class _Parser:
    def __init__(self, fail: Fail, root: Path, files: FileReader | None = None) -> None:
        self.fail = fail
        self.root = root
        self.files = files
        self.vertices = 0
        self.crs_name = "wgs84"
        self.gk: GaussKruger | None = None
        self.table_mode = False  # positions come from a 界址点 table: hints speak of columns

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
                f"give only one of {', '.join(_GEOMETRY_KEYS)} (found {', '.join(given)})",
                "a project with several parts: give a polygon or a GeoJSON Multi* geometry",
            )
        layer = value.get("layer")
        if layer is not None and given != ["file"]:
            raise self.error(
                ("layer",), "site_file_layer", "'layer' chooses a layer of a DXF or zipped Shapefile given as file:"
            )
        if layer is not None and not isinstance(layer, str):
            raise self.error(("layer",), "project_wrong_type", "'layer' must be text: a DXF layer or shapefile name")
        if not given:
            if value.get("crs") is not None:
                raise self.error(
                    (),
                    "site_bad_geometry",
                    "the location has a crs but no point, line, polygon, geometry, table or file",
                    "add e.g. point: [120.15, 29.4] ([longitude, latitude])",
                )
            return None
        key = given[0]
        raw = value[key]
        warnings: tuple[str, ...] = ()
        if key == "file":
            geom, warnings = self.file(raw, value, layer)
        else:
            self.set_crs(value.get("crs"), value.get("zone"), value.get("central_meridian"))
            if key == "point":
                geom = Point(self.position(raw, (key,)))
            elif key == "line":
                geom = LineString(self.line(raw, (key,)))
            elif key == "polygon":
                geom = Polygon(self.ring(raw, (key,)))
            elif key == "table":
                if not isinstance(raw, str):
                    raise self.error(
                        (key,), "project_wrong_type", "'table' must be text: a 界址点 table, one point per line"
                    )
                geom = self.table(raw, (key,), None)
            else:
                geom = self.geojson(raw, (key,))
        kind = _GEOJSON_KINDS[geom.geom_type]
        if self.crs_name == "gcj02":
            geom = _gcj02_to_wgs84(geom)
        elif self.crs_name == "bd09":
            geom = shapely.transform(geom, bd09_to_wgs84)
        if kind == "polygon" and not geom.is_valid:
            geom, warning = self.repair(geom, (key,))
            warnings = (*warnings, warning)
        if _vertices(geom) > LOCATE_VERTICES:
            geom, warning = self.simplify(geom, (key,))
            warnings = (*warnings, warning)
        crs = self.gk.name if self.gk is not None else self.crs_name
        return Site(geometry=geom, kind=kind, crs=crs, warnings=warnings, address=address)

    def set_crs(self, crs: Any, zone: Any, meridian: Any) -> None:
        try:
            resolved = resolve_crs(crs, zone, meridian)
        except CoordinateProblem as p:
            raise self.error((p.key,) if p.key else (), p.code, p.message, p.hint) from None
        if isinstance(resolved, GaussKruger):
            self.gk, self.crs_name = resolved, resolved.name
        else:
            self.gk, self.crs_name = None, resolved

    # ------------------------------------------------------------------ tables and files

    def table(self, text: str, rel: Path, shown: str | None) -> BaseGeometry:
        """The site of a 界址点 table given as text (`table:`)."""
        try:
            rings = parse_table(text, geographic=self.gk is None)
        except TableProblem as p:
            raise self._at_table_line((*self.root, *rel), shown, p.line, p.code, p.message, p.hint) from None
        return self.table_rings(rings, rel, shown)

    def table_rings(self, rings: list[list[TablePoint]], rel: Path, shown: str | None) -> BaseGeometry:
        """The site of a 界址点 table: one ring a polygon; several rings their symmetric
        difference (a ring inside another is a hole, rings apart are parts); one point a point.
        Errors name the table's line and point (in the file `shown`, or in `table:`)."""
        outer = self.fail
        here = (*self.root, *rel)

        def fail(path: Path, code: str, message: str, hint: str | None = None) -> ProjectError:
            tail = path[len(here) :]
            line = None
            if tail and isinstance(tail[0], int) and tail[0] < len(rings):
                ring = rings[tail[0]]
                if len(tail) > 1 and isinstance(tail[1], int) and tail[1] < len(ring):
                    point = ring[tail[1]]
                    where = f"point {point.label}" if point.label else "a point"
                else:
                    point = ring[0]
                    where = f"the ring from point {point.label}" if point.label else "a ring"
                line = point.line
                message = f"{where} (table line {line}): {message}"
            self.fail = outer
            try:
                return self._at_table_line(here, shown, line, code, message, hint)
            finally:
                self.fail = fail

        self.fail, self.table_mode = fail, True
        try:
            if len(rings) == 1 and len(rings[0]) == 1:
                return Point(self.position([rings[0][0].east, rings[0][0].north], (*rel, 0, 0)))
            polygons = []
            for i, ring in enumerate(rings):
                poly = Polygon(self.ring([[p.east, p.north] for p in ring], (*rel, i)))
                if not poly.is_valid:
                    poly, _ = self.repair(poly, (*rel, i))
                polygons.append(poly)
        finally:
            self.fail, self.table_mode = outer, False
        geom: BaseGeometry = polygons[0]
        for poly in polygons[1:]:
            geom = shapely.symmetric_difference(geom, poly)
        return geom

    def _at_table_line(
        self, here: Path, shown: str | None, line: int | None, code: str, message: str, hint: str | None
    ) -> ProjectError:
        field = ".".join(str(p) for p in here) or None
        if shown is not None:  # a table file: its own name and line
            return ProjectError(code, message, file=shown, line=line, field=field, hint=hint)
        if line is not None and "table line" not in message:
            message = f"table line {line}: {message}"
        error = self.fail(here, code, message, hint)
        if error.line is not None and line is not None:
            error.line += line  # `table: |` starts on the line after its key
        return error

    def file(self, name: Any, value: Mapping[str, Any], layer: str | None) -> tuple[BaseGeometry, tuple[str, ...]]:
        rel: Path = ("file",)
        if not isinstance(name, str) or not name.strip():
            raise self.error(rel, "project_wrong_type", "'file' must be the path of a site file")
        if self.files is None:
            raise self.error(
                rel,
                "site_file_not_allowed",
                "a location sent to the API cannot name a file",
                "upload the file to POST /v1/sites/parse and send the geometry it returns",
            )
        try:
            shown, data = self.files(name)
        except SiteFileProblem as p:
            raise self.error(rel, p.code, p.message, p.hint) from None
        declared = value.get("crs")
        geographic = declared is not None and str(declared).strip().lower() in GEOGRAPHIC_ALIASES
        try:
            source = read_site_file(shown, data, layer=layer, geographic=geographic)
        except SiteFileProblem as p:
            field = ".".join(str(x) for x in (*self.root, *rel))
            raise ProjectError(p.code, p.message, file=shown, line=p.line, field=field, hint=p.hint) from None
        self.file_crs(source, shown, value)
        if source.table is not None:
            return self.table_rings(source.table, rel, shown), source.warnings
        assert source.geometry is not None
        outer = self.fail
        here = (*self.root, *rel)

        def fail(path: Path, code: str, message: str, hint: str | None = None) -> ProjectError:
            tail = ".".join(str(p) for p in path[len(here) :])
            message = f"at {tail}: {message}" if tail else message
            return ProjectError(code, message, file=shown, field=".".join(map(str, path)), hint=hint)

        self.fail = fail
        try:
            geom = self.geojson(shapely.geometry.mapping(source.geometry), rel)
        finally:
            self.fail = outer
        return geom, source.warnings

    def file_crs(self, source: SiteSource, shown: str, value: Mapping[str, Any]) -> None:
        """The crs of a file's coordinates: the file's own (a .prj, KML, GeoJSON) or the declared
        one; both when they agree. A file labelled WGS84 may hold GCJ-02 or BD-09 (exports of
        Chinese web maps are), so a declared gcj02/bd09 is taken over a geographic label."""
        declared, zone, meridian = value.get("crs"), value.get("zone"), value.get("central_meridian")
        if source.crs is None:
            if declared is None:
                raise self.error(
                    ("crs",),
                    "site_missing_crs",
                    f"{shown} does not say which coordinates it holds: the location needs a crs",
                    "a CAD drawing is usually in CGCS2000 Gauss-Krüger metres: e.g. crs: EPSG:4528 (zone number "
                    "before the easting) or crs: cgcs2000-gk3 with central_meridian: 120. " + CRS_HINT,
                )
            self.set_crs(declared, zone, meridian)
            return
        if declared is None:
            self.set_crs(source.crs, zone, meridian)
            return
        self.set_crs(declared, zone, meridian)
        mine_gk, mine = self.gk, self.crs_name
        self.set_crs(source.crs, None, None)
        theirs_gk, theirs = self.gk, self.crs_name
        if mine_gk is None and theirs_gk is None:
            self.gk, self.crs_name = None, mine  # both lon/lat: the declaration says which map
            return
        if (
            mine_gk is not None
            and theirs_gk is not None
            and mine_gk.width == theirs_gk.width
            and mine_gk.zone in (None, theirs_gk.zone)
        ):
            return  # the file's crs, which also says whether eastings carry the zone number
        raise self.error(
            ("crs",),
            "site_crs_conflict",
            f"{shown} says its coordinates are {theirs} ({source.crs_from}), but the location says crs {declared}",
            "drop crs: to use the file's, or correct the file",
        )

    def address(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(("address",), "project_wrong_type", "'address' must be text")
        if len(value) > 500:
            raise self.error(("address",), "project_value_too_long", "'address' is longer than 500 characters")
        return value.strip() or None

    # ------------------------------------------------------------------ coordinates

    def position(self, value: Any, rel: Path) -> tuple[float, float]:
        """One [longitude, latitude] pair (or [easting, northing] of a projected crs), checked to
        be finite and inside China; returned as WGS84 (or GCJ-02/BD-09) lon/lat."""
        order = "[easting, northing]" if self.gk is not None else "[longitude, latitude]"
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
            raise self.error(
                rel,
                "site_bad_geometry",
                f"a position must be {order}, not {_short(value)}",
                "e.g. [40493120.5, 3300000.0]: two numbers in metres, easting first"
                if self.gk is not None
                else "e.g. [120.15, 29.4]: two numbers in degrees, longitude first",
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
        unit = "metres" if self.gk is not None else "degrees"
        for i, c in enumerate(value):
            if isinstance(c, bool) or not isinstance(c, (int, float)):
                raise self.error(
                    (*rel, i), "site_bad_geometry", f"a coordinate must be a number in {unit}, not {_short(c)}"
                )
            try:
                x = float(c)
            except OverflowError:
                x = math.inf
            if not math.isfinite(x):
                raise self.error((*rel, i), "site_bad_geometry", f"a coordinate must be a finite number, not {c}")
            xy.append(x)
        if self.gk is not None:
            return self.projected(xy[0], xy[1], rel)
        lon, lat = xy
        if not _in_china(lon, lat):
            if _in_china(lat, lon):
                if self.table_mode:
                    message = f"longitude {_num(lon)}, latitude {_num(lat)}: the columns look swapped"
                    hint = "name the columns in a header line, e.g. 点号,经度,纬度 (longitude 73-136, latitude 3-54)"
                else:
                    message = f"[{_num(lon)}, {_num(lat)}] looks like [latitude, longitude]"
                    hint = f"positions are [longitude, latitude]: write [{_num(lat)}, {_num(lon)}]"
                raise self.error(rel, "site_swapped_coordinates", message, hint)
            hint = "positions are [longitude, latitude] in degrees, e.g. [120.15, 29.4]"
            if abs(lon) > 180 or abs(lat) > 90:
                hint = (
                    "these look like projected metres: give the projected crs, e.g. crs: EPSG:4528 "
                    "or crs: cgcs2000-gk3 with zone: (CGCS2000 Gauss-Krüger)"
                )
            raise self.error(
                rel,
                "site_outside_china",
                f"[{_num(lon)}, {_num(lat)}] is outside China (73-136°E, 3-54°N)",
                hint,
            )
        return lon, lat

    def projected(self, easting: float, northing: float, rel: Path) -> tuple[float, float]:
        """WGS84 lon/lat of a Gauss-Krüger position. The first easting with a zone number fixes
        the zone for the rest; a position that fails but reads well swapped is reported as swapped."""
        assert self.gk is not None
        try:
            lon, lat = to_wgs84(self.gk, easting, northing)
        except CoordinateProblem as p:
            fix = looks_swapped(self.gk, easting, northing)
            if fix is None:
                raise self.error(rel, p.code, p.message, p.hint) from None
            if self.table_mode:
                message = f"X={_num(northing)}, Y={_num(easting)}: X and Y look swapped"
                hint = (
                    "in a 界址点 table X is the northing (北) and Y the easting (东, with the zone number in front "
                    "when it has 8 digits): swap the columns, or name them in a header line (点号,Y,X)"
                )
            else:
                message = f"[{_num(easting)}, {_num(northing)}] looks like [northing, easting]"
                hint = f"projected positions are [easting, northing] (surveyors' Y, X): {fix}"
            raise self.error(rel, "site_swapped_coordinates", message, hint) from None
        if self.gk.zone is None or self.gk.prefixed is None:
            self.gk = read_zone(self.gk, easting, northing)
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
    if abs(x) < 1e6:
        return f"{x:g}"
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

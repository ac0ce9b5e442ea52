"""Read a site from a file as users hold one: DXF red lines from CAD, KML/KMZ, a zipped Shapefile,
GeoJSON, or a 界址点 table (.txt, .csv).

`read_site_file(name, data)` works on bytes already in memory (an upload, or a file the CLI read
within MAX_FILE_BYTES); nothing from the file ever names a path on disk: a zip's members are read
into memory with their declared sizes checked first (a zip bomb is refused before inflating),
and a shapefile's parts are written under fixed names into a private temporary folder.
Geometry comes back in the file's own coordinates (x east, y north; or lon, lat), with the crs
the file states when it states one; site.py converts and checks every position.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from ..errors import did_you_mean
from .boundary_table import TablePoint, TableProblem, parse_table

MAX_FILE_BYTES = 10 * 1024 * 1024  # a CAD drawing with its red line; a red line alone is a few kB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # all members of a .zip or .kmz together, as declared and as read
MAX_ZIP_MEMBERS = 200
MAX_ZIP_RATIO = 200  # a member inflating more than this is refused (real shapefiles stay below 20)
MAX_FEATURES = 10_000

FORMATS = {
    ".dxf": "dxf",
    ".kml": "kml",
    ".kmz": "kmz",
    ".zip": "shapefile",
    ".geojson": "geojson",
    ".json": "geojson",
    ".txt": "table",
    ".csv": "table",
}
FORMAT_HINT = (
    "site files: .dxf (CAD red line), .kml/.kmz, .zip (a Shapefile: .shp .shx .dbf .prj), .geojson, "
    ".txt/.csv (a 界址点 table)"
)


class SiteFileProblem(Exception):
    """Raised for a site file that cannot be read; `line` where known (tables, GeoJSON)."""

    def __init__(self, code: str, message: str, hint: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.line = line


@dataclass(frozen=True)
class SiteSource:
    """What a site file holds: `geometry` in the file's coordinates, or the `table` rings; `crs`
    as the file states it (`wgs84`, `cgcs2000`, `EPSG:4528`), None when it does not; `crs_from`
    says where the crs came from (for messages); `warnings` for the user."""

    format: str
    geometry: BaseGeometry | None = None
    table: list[list[TablePoint]] | None = None
    crs: str | None = None
    crs_from: str | None = None
    warnings: tuple[str, ...] = ()


def site_format(name: str) -> str:
    """Return the format of a site file by its extension, or raise SiteFileProblem."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        hint = FORMAT_HINT
        if suffix in (".shp", ".shx", ".dbf", ".prj"):
            hint = "zip the shapefile's .shp, .shx, .dbf and .prj together and give the .zip"
        elif suffix == ".dwg":
            hint = "save the drawing as DXF in CAD (另存为 DXF) and give the .dxf"
        raise SiteFileProblem("site_file_format", f"'{name}' is not a site file envscreen reads", hint)
    return fmt


def read_site_file(name: str, data: bytes, *, layer: str | None = None, geographic: bool = False) -> SiteSource:
    """Return the site a file holds. `layer`: the DXF layer, or the shapefile (by name) in a zip
    of several. `geographic`: the declared crs is lon/lat (how a table without header is read)."""
    if len(data) > MAX_FILE_BYTES:
        raise SiteFileProblem(
            "site_file_too_large",
            f"'{name}' is {len(data):,} bytes; site files are read up to {MAX_FILE_BYTES:,}",
            "export only the red line (the site outline), not the whole drawing or map",
        )
    fmt = site_format(name)
    if layer is not None and fmt not in ("dxf", "shapefile"):
        raise SiteFileProblem("site_file_layer", f"'layer' is for DXF and zipped Shapefiles, not {fmt}", None)
    if fmt == "dxf":
        return _read_dxf(data, layer)
    if fmt == "kml":
        return _read_kml(data)
    if fmt == "kmz":
        members = _unzip(data, name, lambda n: n.lower().endswith(".kml"))
        kml = [n for n in members if n.lower().endswith(".kml")]
        if not kml:
            raise SiteFileProblem("site_file_unreadable", f"'{name}' holds no .kml document", None)
        first = sorted(kml, key=lambda n: (PurePosixPath(n).name.lower() != "doc.kml", n))[0]
        return _read_kml(members[first])
    if fmt == "shapefile":
        return _read_shapefile(data, name, layer)
    if fmt == "geojson":
        return _read_geojson(data)
    try:
        rings = parse_table(_text(data), geographic=geographic)
    except TableProblem as p:
        raise SiteFileProblem(p.code, p.message, p.hint, p.line) from None
    return SiteSource("table", table=rings)


def _text(data: bytes) -> str:
    """Tables are UTF-8, or GB18030 (GBK) as Chinese Windows programs write them."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SiteFileProblem("input_not_utf8", "the table is neither UTF-8 nor GBK text", "save it as UTF-8")


# ---------------------------------------------------------------------- zip (.kmz, zipped Shapefile)


def _unzip(data: bytes, name: str, wanted: Any) -> dict[str, bytes]:
    """Read the `wanted` members of a zip into memory. Sizes are checked from the directory
    before inflating anything, and again while reading (a member may lie about its size)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise SiteFileProblem("site_file_unreadable", f"'{name}' is not a zip archive", None) from None
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SiteFileProblem(
            "site_file_too_large", f"'{name}' holds {len(infos):,} files; at most {MAX_ZIP_MEMBERS}", None
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise SiteFileProblem(
            "site_file_too_large",
            f"'{name}' unpacks to {total:,} bytes; at most {MAX_UNZIPPED_BYTES:,}",
            "zip only the site outline",
        )
    out: dict[str, bytes] = {}
    read = 0
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise SiteFileProblem(
                "site_file_too_large",
                f"'{info.filename}' in '{name}' inflates {info.file_size / info.compress_size:,.0f} times",
                "this does not look like a site file (a zip bomb?)",
            )
        if not wanted(info.filename):
            continue
        try:
            with archive.open(info) as member:
                content = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise SiteFileProblem("site_file_unreadable", f"'{info.filename}' in '{name}': {exc}", None) from None
        if len(content) > info.file_size:
            raise SiteFileProblem(
                "site_file_too_large", f"'{info.filename}' in '{name}' is larger than its zip entry says", None
            )
        read += len(content)
        if read > MAX_UNZIPPED_BYTES:
            raise SiteFileProblem("site_file_too_large", f"'{name}' unpacks to more than it declares", None)
        out[info.filename] = content
    return out


# ---------------------------------------------------------------------- Shapefile


def _read_shapefile(data: bytes, name: str, layer: str | None) -> SiteSource:
    parts = (".shp", ".shx", ".dbf", ".prj", ".cpg")
    members = _unzip(data, name, lambda n: PurePosixPath(n).suffix.lower() in parts)
    stems: dict[str, dict[str, bytes]] = {}
    for member, content in members.items():
        p = PurePosixPath(member)
        if p.name.startswith(("._", ".")):  # macOS resource forks in zips made on a Mac
            continue
        stems.setdefault(str(p.with_suffix("")), {})[p.suffix.lower()] = content
    shapes = {stem: files for stem, files in stems.items() if ".shp" in files}
    if not shapes:
        raise SiteFileProblem(
            "site_file_unreadable", f"'{name}' holds no .shp file", "zip the .shp, .shx, .dbf and .prj together"
        )
    names = {PurePosixPath(stem).name: stem for stem in shapes}
    if layer is not None:
        if layer not in names:
            hint = did_you_mean(layer, names) or f"the shapefiles are: {', '.join(sorted(names))}"
            raise SiteFileProblem("site_file_layer", f"'{name}' has no shapefile '{layer}'", hint)
        stem = names[layer]
    elif len(shapes) > 1:
        raise SiteFileProblem(
            "site_file_layer",
            f"'{name}' holds {len(shapes)} shapefiles: {', '.join(sorted(names))}",
            "choose one with layer: NAME",
        )
    else:
        stem = next(iter(shapes))
    files = shapes[stem]
    missing = [s for s in (".shx", ".dbf") if s not in files]
    if missing:
        raise SiteFileProblem(
            "site_file_unreadable",
            f"'{name}': the shapefile lacks its {' and '.join(missing)}",
            "zip all parts of the shapefile (.shp .shx .dbf .prj)",
        )
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="envscreen-site-") as tmp:
        for suffix, content in files.items():
            # Fixed names: nothing the archive says reaches a path.
            (Path(tmp) / f"site{suffix}").write_bytes(content)
        try:
            meta = pyogrio.read_info(Path(tmp) / "site.shp")
            if int(meta.get("features") or 0) > MAX_FEATURES:
                raise SiteFileProblem(
                    "site_file_too_large", f"'{name}' has {meta['features']:,} features; at most {MAX_FEATURES:,}", None
                )
            frame = pyogrio.read_dataframe(Path(tmp) / "site.shp")
        except SiteFileProblem:
            raise
        except Exception as exc:  # GDAL's errors: the file is damaged
            raise SiteFileProblem("site_file_unreadable", f"'{name}': {exc}", None) from None
    geoms = [g for g in frame.geometry if g is not None and not g.is_empty]
    crs, source, geometry = None, None, None
    warnings: tuple[str, ...] = ()
    if frame.crs is not None:
        crs, geometry = _crs_name(frame.crs, geoms)
        source = "its .prj"
        if geometry is not None:
            warnings = (
                f"the shapefile's crs ({frame.crs.name}) was converted to CGCS2000 with pyproj; on another datum "
                "(Xi'an 80, Beijing 54) without published parameters the site may be off by up to about 100 m",
            )
    return SiteSource(
        "shapefile", geometry=geometry or _combine(geoms, name), crs=crs, crs_from=source, warnings=warnings
    )


def _crs_name(crs: Any, geoms: list[BaseGeometry]) -> tuple[str, BaseGeometry | None]:
    """The name site.py knows for a file's crs; a crs it does not know is converted to CGCS2000
    lon/lat here, returning the converted geometry too."""
    from pyproj import CRS, Transformer

    code = crs.to_epsg(min_confidence=70)
    if code in (4326, 4490):
        return ("wgs84" if code == 4326 else "cgcs2000"), None
    if code is not None and 4491 <= code <= 4554:
        return f"EPSG:{code}", None
    try:
        transformer = Transformer.from_crs(CRS(crs), 4490, always_xy=True)
        converted = [shapely.transform(g, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1]))) for g in geoms]
    except Exception as exc:
        raise SiteFileProblem("site_file_crs", f"the file's crs cannot be converted: {exc}", None) from None
    return "cgcs2000", _combine(converted, "the file")


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


# ---------------------------------------------------------------------- GeoJSON


def _read_geojson(data: bytes) -> SiteSource:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SiteFileProblem("input_not_utf8", "the GeoJSON file is not UTF-8", "save it as UTF-8") from None
    except json.JSONDecodeError as exc:
        message = f"the GeoJSON is malformed: {exc.msg}"
        raise SiteFileProblem("site_file_unreadable", message, None, exc.lineno) from None
    if not isinstance(doc, dict):
        raise SiteFileProblem("site_file_unreadable", "a GeoJSON file holds an object", None)
    crs, source = None, None
    named = doc.get("crs")
    if isinstance(named, dict):  # the 2008 GeoJSON `crs` member, still written by QGIS and ArcGIS
        text = str((named.get("properties") or {}).get("name", ""))
        m = re.search(r"EPSG:{1,2}(\d+)$", text) or re.search(r"CRS84$", text)
        if m is None:
            raise SiteFileProblem("site_file_crs", f"the GeoJSON names a crs envscreen does not know: '{text}'", None)
        code = m.group(1) if m.groups() else "4326"
        crs, source = ("wgs84" if code == "4326" else "cgcs2000" if code == "4490" else f"EPSG:{code}"), "its crs"
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise SiteFileProblem("site_file_unreadable", "the FeatureCollection has no features list", None)
        raw = [f.get("geometry") if isinstance(f, dict) else None for f in features[: MAX_FEATURES + 1]]
    elif kind == "Feature":
        raw = [doc.get("geometry")]
    else:
        raw = [doc]
    if len(raw) > MAX_FEATURES:
        raise SiteFileProblem("site_file_too_large", f"the GeoJSON has more than {MAX_FEATURES:,} features", None)
    geoms: list[BaseGeometry] = []
    for g in raw:
        if g is None:
            continue
        try:
            geoms.append(shape(g))
        except Exception as exc:
            raise SiteFileProblem("site_file_unreadable", f"a GeoJSON geometry is malformed: {exc}", None) from None
    if crs is None:
        crs, source = "wgs84", "GeoJSON (RFC 7946: always WGS84)"
    return SiteSource("geojson", geometry=_combine(geoms, "the GeoJSON"), crs=crs, crs_from=source)


# ---------------------------------------------------------------------- KML


def _read_kml(data: bytes) -> SiteSource:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        # Entities are how XML bombs and external reads work; KML never needs them.
        raise SiteFileProblem("site_file_unreadable", "the KML declares a DOCTYPE or entities", None)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SiteFileProblem("site_file_unreadable", f"the KML is malformed: {exc}", None, exc.position[0]) from None
    geoms: list[BaseGeometry] = []
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "Polygon":
            outer = [_kml_coords(c) for c in _find(el, "outerBoundaryIs")]
            inner = [_kml_coords(c) for c in _find(el, "innerBoundaryIs")]
            if outer:
                geoms.append(Polygon(outer[0], inner))
        elif tag in ("LineString", "Point"):
            coords = [_kml_coords(c) for c in el if c.tag.rsplit("}", 1)[-1] == "coordinates"]
            if coords:
                geoms.append(LineString(coords[0]) if tag == "LineString" else Point(coords[0][0]))
        if len(geoms) > MAX_FEATURES:
            raise SiteFileProblem("site_file_too_large", f"the KML has more than {MAX_FEATURES:,} shapes", None)
    return SiteSource("kml", geometry=_combine(geoms, "the KML"), crs="wgs84", crs_from="KML (always WGS84)")


def _find(polygon: ElementTree.Element, boundary: str) -> list[ElementTree.Element]:
    out = []
    for b in polygon:
        if b.tag.rsplit("}", 1)[-1] == boundary:
            out += [c for c in b.iter() if c.tag.rsplit("}", 1)[-1] == "coordinates"]
    return out


def _kml_coords(el: ElementTree.Element) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for tup in (el.text or "").split():
        parts = tup.split(",")
        try:
            out.append((float(parts[0]), float(parts[1])))
        except (ValueError, IndexError):
            raise SiteFileProblem(
                "site_file_unreadable", f"'{tup[:40]}' is not a KML position lon,lat[,alt]", None
            ) from None
    if not out:
        raise SiteFileProblem("site_file_unreadable", "a KML shape has no coordinates", None)
    return out


# ---------------------------------------------------------------------- DXF


_DXF_KEEP = (b"LWPOLYLINE", b"POLYLINE")


def _dxf_closed_polylines(data: bytes, layer: str | None) -> tuple[bytes, dict[str, int], dict[str, int]] | None:
    """Return an ASCII DXF cut down to its header and its closed polylines (on `layer` when
    given), and the counts of open and of closed polylines per layer; None for a binary DXF.
    ezdxf reads about 1 MB/s (measured: 8 MB in 5-13 s), and a drawing is mostly contours,
    text and open lines that cannot be a red line: only the closed polylines are worth its time."""
    if data.startswith(b"AutoCAD Binary DXF"):
        return None
    lines = data.splitlines()
    out: list[bytes] = []
    open_lines: dict[str, int] = {}
    closed_lines: dict[str, int] = {}
    section: bytes | None = None
    entity: list[tuple[bytes, bytes]] = []  # the polyline being read, with its vertices

    def flush() -> None:
        if not entity:
            return
        flags = next((int(v or b"0") for c, v in entity[1:] if c == b"70"), 0) if entity[0][1] == b"LWPOLYLINE" else 0
        if entity[0][1] == b"POLYLINE":
            head = next((i for i, (c, v) in enumerate(entity[1:], 1) if c == b"0"), len(entity))
            flags = next((int(v or b"0") for c, v in entity[1:head] if c == b"70"), 0)
        xs = [v for c, v in entity if c == b"10"]
        ys = [v for c, v in entity if c == b"20"]
        if entity[0][1] == b"POLYLINE":  # the header's own 10/20 is a dummy point
            xs, ys = xs[1:], ys[1:]
        ends_meet = len(xs) > 2 and len(ys) == len(xs) and _same(xs[0], xs[-1]) and _same(ys[0], ys[-1])
        name = _decode_name(next((v for c, v in entity if c == b"8"), b"0"))
        counts = closed_lines if flags & 1 or ends_meet else open_lines
        counts[name] = counts.get(name, 0) + 1
        if counts is closed_lines and layer in (None, name):
            for code, value in entity:
                out.extend((code, value))
        entity.clear()

    for i in range(0, len(lines) - 1, 2):
        code, value = lines[i].strip(), lines[i + 1].rstrip(b"\r")
        if code == b"0":
            kind = value.strip()
            in_polyline = bool(entity) and entity[0][1] == b"POLYLINE" and kind in (b"VERTEX", b"SEQEND")
            if not in_polyline:
                flush()
            if kind == b"SECTION":
                section = b""
                continue
            if kind == b"ENDSEC":
                if section in (b"HEADER", b"ENTITIES"):
                    out.extend((b"0", b"ENDSEC"))
                section = None
                continue
            if kind == b"EOF":
                break
            if section == b"ENTITIES" and (kind in _DXF_KEEP or in_polyline):
                entity.append((code, kind))
                continue
        elif code == b"2" and section == b"":
            section = value.strip()
            if section in (b"HEADER", b"ENTITIES"):
                out.extend((b"0", b"SECTION", b"2", section))
            continue
        if section == b"HEADER":
            out.extend((code, value))
        elif entity:
            entity.append((code, value))
    flush()
    if b"ENTITIES" not in out:
        raise SiteFileProblem(
            "site_file_unreadable", "this is not a DXF drawing (it has no ENTITIES section)", "save it in CAD as DXF"
        )
    out.extend((b"0", b"EOF"))
    return b"\n".join(out) + b"\n", open_lines, closed_lines


MAX_DXF_OUTLINES = 2_000  # closed polylines united into a site; a drawing of buildings has more


def _check_outline_count(closed: dict[str, int], layer: str | None) -> None:
    """Refuse to unite thousands of closed polylines (every building of a drawing): the red line
    is on one layer, which the user can name."""
    count = closed.get(layer, 0) if layer is not None else sum(closed.values())
    if count <= MAX_DXF_OUTLINES:
        return
    listed = ", ".join(f"{k} ({v})" for k, v in sorted(closed.items(), key=lambda kv: -kv[1])[:10])
    where = f"on layer '{layer}'" if layer is not None else f"on layers {listed}"
    raise SiteFileProblem(
        "site_file_layer",
        f"the DXF has {count:,} closed polylines {where}; a site is united from at most {MAX_DXF_OUTLINES:,}",
        "choose the red line's layer with layer: NAME (or delete the rest in CAD)",
    )


def _same(a: bytes, b: bytes) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _decode_name(raw: bytes) -> str:
    """A layer name as ezdxf would read it: UTF-8 (R2007 and later), GBK (older drawings made
    in China), with `\\U+7EA2` escapes (how some writers put non-ASCII into ASCII DXF)."""
    for encoding in ("utf-8", "gb18030", "latin-1"):
        try:
            text = raw.strip().decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return re.sub(r"\\U\+([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _read_dxf(data: bytes, layer: str | None) -> SiteSource:
    from ezdxf import recover
    from ezdxf.lldxf.const import DXFError
    from ezdxf.path import make_path

    open_lines: dict[str, int] = {}
    closed_counts: dict[str, int] | None = None  # by layer, from the cut (all layers, `layer` or not)
    cut = _dxf_closed_polylines(data, layer)
    if cut is not None:
        data, open_lines, closed_counts = cut
        _check_outline_count(closed_counts, layer)
    try:
        doc, _auditor = recover.read(io.BytesIO(data))
    except (DXFError, OSError, UnicodeError, ValueError, IndexError, KeyError, TypeError) as exc:
        # ezdxf's reader fails on damaged files with whatever its parsing meets (found by the
        # property test of tests/test_site_files.py): every one of them is a damaged file.
        message = f"the DXF cannot be read: {exc}"
        raise SiteFileProblem("site_file_unreadable", message, "save it again as DXF") from None
    rings: dict[str, list[list[tuple[float, float]]]] = {}
    for entity in doc.modelspace().query("LWPOLYLINE POLYLINE"):
        e: Any = entity  # LWPolyline or Polyline: ezdxf types the query's entities as DXFEntity
        if e.dxftype() == "POLYLINE" and not (e.is_2d_polyline or e.is_3d_polyline):
            continue  # meshes and polyface surfaces are not outlines
        name = str(e.dxf.layer)
        try:
            # Arcs (bulges) flattened to within 1 cm: the site is screened to the metre.
            pts = [(float(v.x), float(v.y)) for v in make_path(e).flattening(0.01)]
        except Exception:
            continue
        is_closed = bool(e.closed if e.dxftype() == "LWPOLYLINE" else e.is_closed)
        if not (is_closed or (len(pts) > 2 and pts[0] == pts[-1])) or len(pts) < 3:
            open_lines[name] = open_lines.get(name, 0) + 1
            continue
        rings.setdefault(name, []).append(pts)
        if sum(len(r) for r in rings.values()) > MAX_FEATURES * 10:
            raise SiteFileProblem("site_file_too_large", "the DXF has too many polyline vertices", None)
    if layer is not None:
        if layer not in rings:
            counts = closed_counts if closed_counts is not None else {k: len(v) for k, v in rings.items()}
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(counts.items())) or "none"
            hint = did_you_mean(layer, counts) or f"layers with closed polylines: {listed}"
            raise SiteFileProblem("site_file_layer", f"the DXF has no closed polyline on layer '{layer}'", hint)
        rings = {layer: rings[layer]}
    if not rings:
        hint = "draw the red line as a closed polyline (PLINE, then C to close; or PEDIT → Close)"
        if open_lines:
            hint = f"{sum(open_lines.values())} polylines are open (layers {', '.join(sorted(open_lines))}): " + hint
        raise SiteFileProblem("site_file_no_outline", "the DXF has no closed polyline", hint)
    warnings: tuple[str, ...] = ()
    if len(rings) > 1:
        warnings = (
            f"the DXF has closed polylines on {len(rings)} layers ({', '.join(sorted(rings))}); the site is their "
            "union: choose the red-line layer with layer: NAME",
        )
    polys = [Polygon(r) for rs in rings.values() for r in rs]
    polys = [shapely.make_valid(p) if not p.is_valid else p for p in polys]
    # The union: a red line and the buildings drawn inside it make the red line.
    geometry = shapely.union_all(polys)
    return SiteSource("dxf", geometry=_polygonal(geometry), warnings=warnings)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _combine(geoms: list[BaseGeometry], what: str) -> BaseGeometry:
    """One site geometry from a file's shapes: polygons united; else lines; else one point."""
    parts = [p for g in geoms for p in shapely.get_parts(g) if not p.is_empty]
    polys = [p for p in parts if p.geom_type == "Polygon"]
    lines = [p for p in parts if p.geom_type == "LineString"]
    points = [p for p in parts if p.geom_type == "Point"]
    if polys:
        return polys[0] if len(polys) == 1 else MultiPolygon(polys)
    if lines:
        return lines[0] if len(lines) == 1 else MultiLineString(lines)
    if len(points) == 1:
        return points[0]
    if points:
        raise SiteFileProblem(
            "site_file_no_outline",
            f"{what} holds {len(points)} separate points and no outline",
            "a 界址点 list is a polygon: draw it as one, or give the points as a table (.txt)",
        )
    raise SiteFileProblem("site_file_no_outline", f"{what} holds no polygon, line or point", None)

"""Zone layers: read the manifest (`layers.yaml`) and every layer it names into one indexed frame.

The manifest format is in docs/zones.md. `load_zones()` validates the manifest strictly, reads
each layer with `read_layer(spec, root)`, maps its columns to the normalised attributes,
checks the geometries and converts them to the region's projected work CRS.

Sources. A directory (or its `layers.yaml`) is read here: layers are files read with pyogrio.
Other sources plug in without touching this module's logic: `register_source(scheme, opener)`
makes `load_zones("scheme://...")` take its manifest from `opener(url)`, and
`register_reader(kind, reader)` reads the layers whose `source_kind` is `kind` (a layer with a
`table` and no `file` has source_kind "table"). A PostGIS module registers both on import;
`load_zones("postgresql://...")` imports `screening.zones.postgis` when it exists.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, ZoneError, did_you_mean
from ..packs.vocabulary import Vocabulary
from ..sources.yaml_doc import YamlDoc, read_yaml_file

MANIFEST_NAME = "layers.yaml"
# Layers arrive in geographic lon/lat (WGS84 or CGCS2000, which agree to centimetres) or, as
# published zoning data usually does, in a projected CGCS2000 Gauss-Kruger CRS: EPSG 4513-4533
# (3-degree zones 25-45, zone number in the easting) and 4534-4554 (3-degree, CM 75E-135E).
GEOGRAPHIC_EPSG = (4326, 4490)
GAUSS_KRUGER_EPSG = tuple(range(4513, 4555))
INPUT_EPSG = (*GEOGRAPHIC_EPSG, *GAUSS_KRUGER_EPSG)
UNIT_CLASSES = ("priority", "key", "general")
PROTECTION_CLASSES = ("first", "second", "quasi")
COVERAGES = ("region", "features")
# Far above any real zoning polygon (a county boundary has tens of thousands): more is a
# broken or unsimplified export that would make every lookup slow.
MAX_FEATURE_VERTICES = 250_000
# A make_valid repair that moves a feature's area by less than this share is accepted with a warning.
REPAIR_TOLERANCE = 0.01
LAYER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")

# kind -> (attributes every layer of the kind maps, optional ones)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "admin_boundary": (("code", "name"), ()),
    "control_unit": (("code", "name", "unit_class"), ()),
    "ecological_red_line": (("code", "name"), ()),
    "sensitive_area": (("code", "name", "sensitive_area"), ("protection_class",)),
    "park": (("code", "name"), ("park_type",)),
    "reform_area": (("code", "name"), ()),
    "urban_built_up_area": (("code", "name"), ()),
}
ATTRIBUTES = ("code", "name", "unit_class", "sensitive_area", "protection_class", "park_type")
COLUMNS = ("layer", "kind", *ATTRIBUTES)
_MAPPED = ("unit_class", "sensitive_area", "protection_class", "park_type")  # attributes `values:` may map

_REGION_KEYS = ("id", "name_zh", "name_en", "illustrative", "jurisdiction", "version", "date", "work_crs")
_REGION_REQUIRED = ("id", "name_zh", "name_en", "jurisdiction", "version", "work_crs")
_LAYER_KEYS = (
    "id",
    "file",
    "table",
    "kind",
    "crs",
    "attributes",
    "values",
    "sensitive_area",
    "coverage",
    "none_in_jurisdiction",
    "source",
    "version",
    "date",
)
_LAYER_REQUIRED = ("id", "kind", "crs", "attributes", "source", "version")


@dataclass(frozen=True)
class Region:
    id: str
    name_zh: str
    name_en: str
    illustrative: bool
    jurisdiction: str
    version: str
    date: dt.date | None
    work_crs: str


@dataclass(frozen=True)
class LayerInfo:
    id: str
    kind: str
    source: str
    crs: str
    coverage: str
    version: str
    date: dt.date | None
    count: int
    origin: str  # the file as the manifest names it, or the table
    none_in_jurisdiction: bool = False  # an empty layer that says "this jurisdiction has none"
    sensitive_area: str | None = None  # the kind a sensitive_area layer fixes in the manifest


@dataclass(frozen=True, eq=False)
class LayerSpec:
    """One validated `layers:` entry, with where it stands in the manifest for error messages."""

    id: str
    kind: str
    crs: str
    attributes: dict[str, str]
    values: dict[str, dict[str, str]]
    sensitive_area: str | None
    coverage: str
    source: str
    version: str
    date: dt.date | None
    file: str | None
    table: str | None
    manifest: str
    index: int
    doc: YamlDoc = field(repr=False)
    none_in_jurisdiction: bool = False

    @property
    def source_kind(self) -> str:
        return "file" if self.file is not None else "table"

    @property
    def origin(self) -> str:
        return self.file if self.file is not None else str(self.table)

    def line(self, *path: Any) -> int | None:
        return self.doc.line_of(("layers", self.index, *path))

    def field_name(self, *path: Any) -> str:
        return ".".join([f"layers[{self.index}]", *map(str, path)])

    def error(self, code: str, message: str, *path: Any, hint: str | None = None, line_of: Any = None) -> ZoneError:
        """A ZoneError at `path` of this layer's manifest entry (`line_of`: another path for the
        line number, e.g. the entry itself when the field is missing)."""
        return ZoneError(
            code,
            message,
            file=self.manifest,
            line=self.line(*(path if line_of is None else line_of)),
            field=self.field_name(*path),
            hint=hint,
        )


class LayerReader(Protocol):
    """Read one layer as it is stored: raw columns, geometry in the layer's own CRS."""

    def __call__(self, spec: LayerSpec, root: str) -> gpd.GeoDataFrame: ...


ManifestOpener = Callable[[str], YamlDoc]  # a source URL -> its manifest document


@dataclass(eq=False)
class ZoneSet:
    """Every zone layer of a region in one frame, in the region's work CRS, spatially indexed."""

    region: Region
    layers: dict[str, LayerInfo]
    features: gpd.GeoDataFrame
    coverage: dict[str, BaseGeometry]
    root: str
    warnings: tuple[str, ...] = ()
    _to_work: Transformer = field(init=False, repr=False)
    _to_wgs84: Transformer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._build()

    def _build(self) -> None:
        # Built once so that forked workers share the transformers and the STRtree copy-on-write.
        self._to_work = Transformer.from_crs("EPSG:4326", self.region.work_crs, always_xy=True)
        self._to_wgs84 = Transformer.from_crs(self.region.work_crs, "EPSG:4326", always_xy=True)
        # GEOS builds the tree on its first query: build it now, before threads share it.
        self.features.sindex.query(shapely.box(0, 0, 0, 0))

    def __getstate__(self) -> dict[str, Any]:
        # Transformers and the spatial index do not pickle; they are rebuilt on arrival.
        return {k: v for k, v in self.__dict__.items() if k not in ("_to_work", "_to_wgs84")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build()

    def versions(self) -> dict[str, str]:
        """Layer id -> layer version."""
        return {lid: info.version for lid, info in self.layers.items()}

    def to_work(self, geom_wgs84: BaseGeometry) -> BaseGeometry:
        """WGS84 lon/lat -> the work CRS (metres)."""
        return _transform(self._to_work, geom_wgs84)

    def to_wgs84(self, geom_work: BaseGeometry) -> BaseGeometry:
        """The work CRS -> WGS84 lon/lat."""
        return _transform(self._to_wgs84, geom_work)

    def layer_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """One layer's features (index: their rows in `features`)."""
        if layer_id not in self.layers:
            raise KeyError(f"no zone layer '{layer_id}'; layers: {', '.join(self.layers)}")
        return self.features[self.features["layer"] == layer_id]


def _transform(transformer: Transformer, geom: BaseGeometry) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


# ----------------------------------------------------------------------- sources and readers


_SOURCES: dict[str, ManifestOpener] = {}
_READERS: dict[str, LayerReader] = {}
# Schemes whose module registers itself when imported (a PostGIS source stores the manifest too).
_SOURCE_MODULES = {"postgresql": "screening.zones.postgis", "postgres": "screening.zones.postgis"}


def register_source(scheme: str, opener: ManifestOpener) -> None:
    """Make `load_zones("scheme://...")` read its manifest with `opener`."""
    _SOURCES[scheme] = opener


def register_reader(source_kind: str, reader: LayerReader) -> None:
    """Read layers whose `LayerSpec.source_kind` is `source_kind` with `reader`."""
    _READERS[source_kind] = reader


def read_layer(spec: LayerSpec, root: str) -> gpd.GeoDataFrame:
    """Read one layer as stored, with the reader for its source kind."""
    reader = _READERS.get(spec.source_kind)
    if reader is None:
        raise spec.error(
            "zone_manifest_no_reader",
            f"layer '{spec.id}' names a {spec.source_kind} but this source cannot read one",
            hint="a zones directory gives each layer a `file:` relative to the directory",
        )
    return reader(spec, root)


def read_file_layer(spec: LayerSpec, root: str) -> gpd.GeoDataFrame:
    """A layer stored in a file below the zones directory: GeoJSON, GeoPackage (with `table`)
    or Shapefile, nothing else (see `check_layer_file`)."""
    assert spec.file is not None
    path = check_layer_file(spec, Path(root))
    if FORMATS[path.suffix.lower()] == "GPKG" and not spec.table:
        raise spec.error(
            "zone_manifest_missing_table",
            f"layer '{spec.id}' reads a GeoPackage but names no table",
            "table",
            hint=f"add `table:` (one of: {', '.join(name for name, _ in pyogrio.list_layers(path))})",
            line_of=(),
        )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(path, layer=spec.table)
    except Exception as exc:  # GDAL reports every format problem as its own exception type
        raise ZoneError(
            "zone_layer_unreadable",
            f"cannot read layer '{spec.id}': {exc}",
            file=str(path),
            hint="check that the file is a vector format GDAL reads (GeoJSON, GeoPackage, Shapefile)",
        ) from None
    frame.attrs["read_warnings"] = [f"{spec.file}: {w.message}" for w in caught]
    return frame


register_reader("file", read_file_layer)

# Extension -> the one GDAL driver a layer file may be read with. GDAL picks its driver by the
# content, not the name, and many of its drivers read other files or URLs (a VRT names any
# file or http:// source), so each file is checked to be what its extension says before GDAL
# opens it.
FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")  # big-endian at byte 68 of the SQLite header
_SHP_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian
_SHP_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
# GDAL reads these prefixes as virtual file systems or remote sources, never as a plain file.
_REMOTE = re.compile(r"^(/vsi|[A-Za-z][A-Za-z0-9+.-]*:)", re.IGNORECASE)


def check_layer_file(spec: LayerSpec, root: Path) -> Path:
    """Return the resolved path of a layer's file after checking that it lies below the zones
    directory (symbolic links resolved), has an allowed extension and content of that format."""
    assert spec.file is not None
    base = root.resolve()
    if _REMOTE.match(spec.file) or "://" in spec.file:
        raise spec.error(
            "zone_manifest_bad_path",
            f"the file '{spec.file}' is a URL or GDAL virtual path, not a file of the zones directory",
            "file",
            hint="give a path relative to the directory of layers.yaml; layers are never fetched",
        )
    path = (base / spec.file).resolve()
    if Path(spec.file).is_absolute() or not path.is_relative_to(base):
        raise spec.error(
            "zone_manifest_bad_path",
            f"the file '{spec.file}' is outside the zones directory",
            "file",
            hint="give a path relative to the directory of layers.yaml, without '..' or links leading out of it",
        )
    if not path.is_file():
        near = (
            sorted(str(p.relative_to(base)) for p in path.parent.glob("*") if p.is_file())
            if path.parent.is_dir()
            else []
        )
        raise spec.error(
            "zone_layer_missing_file",
            f"the file of layer '{spec.id}' does not exist: {spec.file}",
            "file",
            hint=did_you_mean(spec.file, near) or "paths are relative to the directory of layers.yaml",
        )
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise spec.error(
            "zone_layer_unsupported_format",
            f"layer '{spec.id}' is a '{path.suffix or 'no extension'}' file; zone layers are GeoJSON, "
            "GeoPackage or Shapefile",
            "file",
            hint="convert the layer (e.g. ogr2ogr -f GPKG zones.gpkg input) and name the .geojson, .gpkg or .shp file",
        )
    with path.open("rb") as f:
        head = f.read(100)
    problem = _format_problem(driver, head)
    if driver == "ESRI Shapefile" and problem is None:
        for suffix in _SHP_SIDECARS:
            for sidecar in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
                if sidecar.exists() and not sidecar.resolve().is_relative_to(base):
                    problem = f"its {sidecar.name} leads outside the zones directory"
    if problem is not None:
        raise spec.error(
            "zone_layer_wrong_format",
            f"the file of layer '{spec.id}' is not a {driver} file: {problem}",
            "file",
            hint=f"a {path.suffix} layer must be a {driver} file; VRT and other GDAL formats are not read",
        )
    return path


def _format_problem(driver: str, head: bytes) -> str | None:
    """Why `head` (a file's first bytes) is not a file of `driver`, or None when it is."""
    if driver == "GeoJSON":
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        return None if text.startswith(b"{") else f"it starts with {text[:20]!r}, not a JSON object"
    if driver == "GPKG":
        if not head.startswith(_SQLITE_MAGIC):
            return "it is not an SQLite database"
        return None if head[68:72] in _GPKG_APPLICATION_IDS else "it is an SQLite database but not a GeoPackage"
    return None if head.startswith(_SHP_MAGIC) else "it does not start with the Shapefile file code"


# ----------------------------------------------------------------------- loading


def default_zones_dir() -> Path:
    """Return the bundled zones: inside the installed package, or `zones/` of a checkout."""
    packaged = Path(str(resources.files("screening"))) / "zones"
    if (packaged / MANIFEST_NAME).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "zones"


def load_zones(source: Path | str | None = None, *, vocabulary: Vocabulary) -> ZoneSet:
    """Load the zone layers of `source`: a zones directory, its layers.yaml, a registered URL
    (e.g. postgresql://...), or None for the bundled sample region. Sensitive-area terms are
    checked against `vocabulary`: the one of the rules in use, the user's own terms included."""
    if isinstance(source, str) and "://" in source:
        doc, root = _open_url(source), source
    else:
        doc, root = _open_dir(Path(source) if source is not None else default_zones_dir())
    return _Loader(doc, root, vocabulary).load()


def _open_url(url: str) -> YamlDoc:
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    module = _SOURCE_MODULES.get(scheme)
    if scheme not in _SOURCES and module and importlib.util.find_spec(module) is not None:
        importlib.import_module(module)
    opener = _SOURCES.get(scheme)
    if opener is None:
        raise ZoneError(
            "zone_source_unsupported",
            f"no zone source is available for '{scheme}://' URLs",
            file=url.split("@")[-1],  # never echo a password
            hint="give a zones directory (with layers.yaml) instead",
        )
    return opener(url)


def _open_dir(path: Path) -> tuple[YamlDoc, str]:
    manifest = path if path.suffix in (".yaml", ".yml") else path / MANIFEST_NAME
    if not manifest.is_file():
        raise ZoneError(
            "zone_manifest_missing",
            "no zone manifest here",
            file=str(manifest),
            hint=f"a zones directory holds {MANIFEST_NAME} (format: docs/zones.md)",
        )
    try:
        doc = read_yaml_file(manifest)
    except InputError as exc:
        raise ZoneError(
            f"zone_manifest_{exc.code}", exc.message, file=exc.file, line=exc.line, field=exc.field, hint=exc.hint
        ) from None
    return doc, str(manifest.parent)


class _Loader:
    def __init__(self, doc: YamlDoc, root: str, vocabulary: Vocabulary) -> None:
        self.doc = doc
        self.root = root
        self.file = doc.source
        self.vocab_terms = vocabulary.terms("sensitive_areas")
        self.warnings: list[str] = []

    # -- errors

    def fail(self, code: str, message: str, path: tuple[Any, ...], hint: str | None = None) -> ZoneError:
        fld = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")
        return ZoneError(code, message, file=self.file, line=self.doc.line_of(path), field=fld or None, hint=hint)

    def check_keys(
        self,
        data: Mapping[str, Any],
        allowed: tuple[str, ...],
        required: tuple[str, ...],
        path: tuple[Any, ...],
        what: str,
    ) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    "zone_manifest_unknown_key",
                    f"unknown key '{key}' in {what}",
                    (*path, key),
                    did_you_mean(str(key), allowed) or f"allowed keys: {', '.join(allowed)}",
                )
        for key in required:
            if data.get(key) in (None, ""):
                raise self.fail("zone_manifest_missing_key", f"{what} needs '{key}'", path, f"add `{key}:`")

    def text(self, data: Mapping[str, Any], key: str, path: tuple[Any, ...]) -> str:
        value = data[key]
        if not isinstance(value, str):
            raise self.fail(
                "zone_manifest_bad_value",
                f"'{key}' must be text, not {type(value).__name__} ({value!r})",
                (*path, key),
                f'quote it: {key}: "{value}"',
            )
        return value

    def date(self, data: Mapping[str, Any], path: tuple[Any, ...]) -> dt.date | None:
        value = data.get("date")
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(
                "zone_manifest_bad_value", f"'{value}' is not a date", (*path, "date"), "write it as YYYY-MM-DD"
            ) from None

    def crs(self, value: Any, path: tuple[Any, ...]) -> CRS:
        try:
            return CRS.from_user_input(value)
        except CRSError:
            raise self.fail(
                "zone_manifest_bad_crs",
                f"'{value}' is not a coordinate reference system",
                path,
                'write it as "EPSG:<code>", e.g. "EPSG:4490"',
            ) from None

    # -- manifest

    def load(self) -> ZoneSet:
        data = self.doc.data
        if not isinstance(data, dict):
            raise self.fail("zone_manifest_malformed", "the manifest must be a mapping", (), "see docs/zones.md")
        self.check_keys(data, ("region", "layers"), ("region", "layers"), (), "the manifest")
        region = self.region(data["region"])
        if not isinstance(data["layers"], list) or not data["layers"]:
            raise self.fail(
                "zone_manifest_malformed",
                "'layers' must be a non-empty list",
                ("layers",),
                "list the layers as `- id: ...`",
            )
        specs: list[LayerSpec] = []
        seen: set[str] = set()
        for i, entry in enumerate(data["layers"]):
            spec = self.layer_spec(entry, i)
            if spec.id in seen:
                raise self.fail(
                    "zone_manifest_duplicate_layer",
                    f"the layer id '{spec.id}' appears twice",
                    ("layers", i, "id"),
                    "give every layer its own id",
                )
            seen.add(spec.id)
            specs.append(spec)
        work = CRS.from_user_input(region.work_crs)
        frames = [self.normalise(spec, read_layer(spec, self.root), work) for spec in specs]
        self.check_unit_codes(specs, frames)
        features = pd.concat(frames, ignore_index=True) if frames else None
        features = gpd.GeoDataFrame(features, geometry="geometry", crs=work)
        features = features[[*COLUMNS, "geometry"]].reset_index(drop=True)
        coverage = self.coverage(specs, features)
        layers = {
            s.id: LayerInfo(
                s.id,
                s.kind,
                s.source,
                s.crs,
                s.coverage,
                s.version,
                s.date,
                len(f),
                s.origin,
                s.none_in_jurisdiction,
                s.sensitive_area,
            )
            for s, f in zip(specs, frames, strict=True)
        }
        return ZoneSet(region, layers, features, coverage, self.root, tuple(self.warnings))

    def region(self, data: Any) -> Region:
        path = ("region",)
        if not isinstance(data, dict):
            raise self.fail("zone_manifest_malformed", "'region' must be a mapping", path, "see docs/zones.md")
        self.check_keys(data, _REGION_KEYS, _REGION_REQUIRED, path, "region")
        work_crs = self.text(data, "work_crs", path)
        crs = self.crs(work_crs, (*path, "work_crs"))
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if not crs.is_projected or unit not in ("metre", "meter"):
            raise self.fail(
                "zone_manifest_bad_crs",
                f"work_crs {work_crs} is not a projected CRS in metres: distances and areas need one",
                (*path, "work_crs"),
                'use the Gauss-Kruger zone of the region, e.g. "EPSG:4549" (CGCS2000, CM 120E)',
            )
        illustrative = data.get("illustrative", False)
        if not isinstance(illustrative, bool):
            raise self.fail(
                "zone_manifest_bad_value",
                "'illustrative' must be true or false",
                (*path, "illustrative"),
                "true for invented or demo data, false for an authority's layers",
            )
        return Region(
            id=self.text(data, "id", path),
            name_zh=self.text(data, "name_zh", path),
            name_en=self.text(data, "name_en", path),
            illustrative=illustrative,
            jurisdiction=self.text(data, "jurisdiction", path),
            version=self.text(data, "version", path),
            date=self.date(data, path),
            work_crs=work_crs,
        )

    def layer_spec(self, entry: Any, i: int) -> LayerSpec:
        path = ("layers", i)
        if not isinstance(entry, dict):
            raise self.fail("zone_manifest_malformed", "each layer must be a mapping", path, "see docs/zones.md")
        self.check_keys(entry, _LAYER_KEYS, _LAYER_REQUIRED, path, f"layer {i + 1}")
        lid = self.text(entry, "id", path)
        if not LAYER_ID.match(lid):
            raise self.fail(
                "zone_manifest_bad_value",
                f"the layer id '{lid}' is not a plain name",
                (*path, "id"),
                "use letters, digits, '_' and '-' (it appears in URLs)",
            )
        kind = self.text(entry, "kind", path)
        if kind not in KINDS:
            raise self.fail(
                "zone_manifest_unknown_kind",
                f"unknown layer kind '{kind}'",
                (*path, "kind"),
                did_you_mean(kind, KINDS) or f"kinds: {', '.join(KINDS)}",
            )
        if entry.get("file") is None and entry.get("table") is None:
            raise self.fail(
                "zone_manifest_missing_key",
                f"layer '{lid}' needs 'file'",
                path,
                "add `file:` with the layer's path relative to the zones directory",
            )
        crs_text = self.text(entry, "crs", path)
        if self.crs(crs_text, (*path, "crs")).to_epsg() not in INPUT_EPSG:
            raise self.fail(
                "zone_manifest_bad_crs",
                f"layer crs {crs_text} is not geographic lon/lat WGS84 or CGCS2000, nor a CGCS2000 Gauss-Kruger CRS",
                (*path, "crs"),
                'store layers as "EPSG:4490" (CGCS2000), "EPSG:4326" (WGS84) or a CGCS2000 Gauss-Kruger CRS '
                '(EPSG:4513-4554, e.g. "EPSG:4549"); reproject other projected data first',
            )
        coverage = entry.get("coverage", "region")
        if coverage not in COVERAGES:
            raise self.fail(
                "zone_manifest_bad_value",
                f"unknown coverage '{coverage}'",
                (*path, "coverage"),
                f"coverage is one of: {', '.join(COVERAGES)}",
            )
        none_here = entry.get("none_in_jurisdiction", False)
        if not isinstance(none_here, bool):
            raise self.fail(
                "zone_manifest_bad_value",
                f"none_in_jurisdiction must be true or false, not '{none_here}'",
                (*path, "none_in_jurisdiction"),
                "write `none_in_jurisdiction: true` on an empty layer of a kind the jurisdiction has none of",
            )
        if none_here and coverage != "region":
            raise self.fail(
                "zone_manifest_conflict",
                "a layer that says the jurisdiction has none must cover the region",
                (*path, "coverage"),
                "drop `coverage: features`: an empty layer covers nothing by its features",
            )
        attributes = self.attributes(entry, kind, path)
        fixed = entry.get("sensitive_area")
        if fixed is not None:
            if kind != "sensitive_area":
                raise self.fail(
                    "zone_manifest_unknown_key",
                    f"'sensitive_area' does not apply to a {kind} layer",
                    (*path, "sensitive_area"),
                    "only sensitive_area layers name one",
                )
            if "sensitive_area" in attributes:
                raise self.fail(
                    "zone_manifest_conflict",
                    "the layer both fixes sensitive_area and maps it to a column",
                    (*path, "sensitive_area"),
                    "keep one of the two",
                )
            self.check_term("sensitive_area", fixed, (*path, "sensitive_area"))
        return LayerSpec(
            id=lid,
            kind=kind,
            crs=crs_text,
            attributes=attributes,
            values=self.values(entry, attributes, path),
            sensitive_area=fixed,
            coverage=coverage,
            source=self.text(entry, "source", path),
            version=self.text(entry, "version", path),
            date=self.date(entry, path),
            file=self.text(entry, "file", path) if entry.get("file") is not None else None,
            table=self.text(entry, "table", path) if entry.get("table") is not None else None,
            manifest=self.file,
            index=i,
            doc=self.doc,
            none_in_jurisdiction=none_here,
        )

    def attributes(self, entry: dict[str, Any], kind: str, path: tuple[Any, ...]) -> dict[str, str]:
        attrs = entry["attributes"]
        where = (*path, "attributes")
        if not isinstance(attrs, dict):
            raise self.fail(
                "zone_manifest_malformed",
                "'attributes' must map attributes to columns",
                where,
                "e.g. attributes: {code: UNIT_CODE, name: UNIT_NAME}",
            )
        required, optional = KINDS[kind]
        allowed = required + optional
        for attr, column in attrs.items():
            if attr not in allowed:
                raise self.fail(
                    "zone_manifest_unknown_key",
                    f"a {kind} layer has no attribute '{attr}'",
                    (*where, attr),
                    did_you_mean(str(attr), allowed) or f"attributes of {kind}: {', '.join(allowed)}",
                )
            if not isinstance(column, str) or not column:
                raise self.fail(
                    "zone_manifest_bad_value",
                    f"attribute '{attr}' must name a column",
                    (*where, attr),
                    f"e.g. {attr}: {attr.upper()} (the column in the layer's file)",
                )
        for attr in required:
            if attr not in attrs and not (attr == "sensitive_area" and "sensitive_area" in entry):
                hint = f"add `{attr}: <column>` under attributes"
                if attr == "sensitive_area":
                    hint = "add `sensitive_area: <vocabulary term>` to the layer, or " + hint
                raise self.fail(
                    "zone_manifest_missing_key", f"a {kind} layer needs the attribute '{attr}'", where, hint
                )
        return dict(attrs)

    def values(
        self, entry: dict[str, Any], attributes: dict[str, str], path: tuple[Any, ...]
    ) -> dict[str, dict[str, str]]:
        raw = entry.get("values") or {}
        where = (*path, "values")
        if not isinstance(raw, dict):
            raise self.fail(
                "zone_manifest_malformed",
                "'values' must map attributes to {raw value: term}",
                where,
                'e.g. values: {unit_class: {"1": priority, "2": key, "3": general}}',
            )
        out: dict[str, dict[str, str]] = {}
        for attr, mapping in raw.items():
            if attr not in _MAPPED or attr not in attributes:
                raise self.fail(
                    "zone_manifest_unknown_key",
                    f"'values' maps '{attr}', which the layer does not read",
                    (*where, attr),
                    did_you_mean(str(attr), [a for a in attributes if a in _MAPPED])
                    or f"values map one of the layer's attributes: {', '.join(a for a in attributes if a in _MAPPED)}",
                )
            if not isinstance(mapping, dict):
                raise self.fail(
                    "zone_manifest_malformed",
                    f"values of '{attr}' must be a mapping",
                    (*where, attr),
                    "map each raw value in the file to a term: {raw: term, ...}",
                )
            for key, term in mapping.items():
                self.check_term(attr, term, (*where, attr, key))
            out[attr] = {str(k): str(v) for k, v in mapping.items()}
        return out

    def term_error(self, attr: str, value: Any) -> tuple[str, str] | None:
        """(message, hint) when `value` is not a valid term for `attr`, else None."""
        choices: tuple[str, ...] | list[str]
        if attr == "unit_class":
            choices = UNIT_CLASSES
        elif attr == "protection_class":
            choices = PROTECTION_CLASSES
        elif attr == "sensitive_area":
            choices = list(self.vocab_terms)
        else:  # park_type: free words, e.g. chemical
            if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                return None
            return f"park_type '{value}' is not a plain lower-case word", "e.g. chemical; map raw values under values:"
        if value in choices:
            return None
        where = "the vocabulary" if attr == "sensitive_area" else f"{attr}s"
        return (
            f"'{value}' is not one of {where} ({attr})",
            did_you_mean(str(value), choices) or f"one of: {', '.join(choices)}; map raw values under `values:`",
        )

    def check_term(self, attr: str, value: Any, path: tuple[Any, ...]) -> None:
        problem = self.term_error(attr, value)
        if problem:
            raise self.fail("zone_manifest_unknown_term", problem[0], path, problem[1])

    # -- layer content

    def normalise(self, spec: LayerSpec, raw: gpd.GeoDataFrame, work: CRS) -> gpd.GeoDataFrame:
        """The layer's features with the normalised columns, checked, in the work CRS."""
        self.warnings.extend(raw.attrs.pop("read_warnings", []))
        origin = str(Path(self.root) / spec.file) if spec.file is not None else spec.origin
        self.check_crs(spec, raw)
        if len(raw) == 0 and not spec.none_in_jurisdiction:
            raise ZoneError(
                "zone_layer_empty",
                f"layer '{spec.id}' has no features",
                file=origin,
                hint="remove the layer from the manifest or fill it; if the jurisdiction has none of this kind, "
                "say so with `none_in_jurisdiction: true`",
            )
        if len(raw) > 0 and spec.none_in_jurisdiction:
            raise spec.error(
                "zone_layer_not_empty",
                f"layer '{spec.id}' says the jurisdiction has none (none_in_jurisdiction: true) "
                f"but {spec.origin} has {len(raw)} features",
                "none_in_jurisdiction",
                hint="remove `none_in_jurisdiction: true`, or empty the file",
            )
        out: dict[str, Any] = {"layer": spec.id, "kind": spec.kind}
        for attr in ATTRIBUTES:
            column = spec.attributes.get(attr)
            if column is None or (len(raw) == 0 and column not in raw.columns):  # an empty file may have no columns
                fill = spec.sensitive_area if attr == "sensitive_area" else None
                out[attr] = [fill] * len(raw)
                continue
            if column not in raw.columns:
                columns = [str(c) for c in raw.columns if c != raw.geometry.name]
                raise spec.error(
                    "zone_layer_missing_column",
                    f"layer '{spec.id}' maps {attr} to the column '{column}', which {spec.origin} does not have",
                    "attributes",
                    attr,
                    hint=did_you_mean(column, columns) or f"its columns: {', '.join(columns)}",
                )
            out[attr] = [self.value(spec, attr, v, i, origin) for i, v in enumerate(raw[column])]
        geoms = self.geometries(spec, raw, work, origin)
        frame = gpd.GeoDataFrame(pd.DataFrame(out, dtype=object), geometry=geoms, crs=work)
        return frame

    def check_crs(self, spec: LayerSpec, raw: gpd.GeoDataFrame) -> None:
        declared = CRS.from_user_input(spec.crs)
        if raw.crs is None:
            raw.set_crs(declared, inplace=True)  # the file has none (a shapefile without .prj): trust the manifest
            return
        if raw.crs.to_epsg() != declared.to_epsg():
            own = f"EPSG:{raw.crs.to_epsg()}" if raw.crs.to_epsg() else raw.crs.name
            raise spec.error(
                "zone_layer_crs_mismatch",
                f"layer '{spec.id}' declares crs {spec.crs} but {spec.origin} is in {own}",
                "crs",
                hint=f'declare crs: "{own}" if the file is right, or fix the file'
                + (" (a GeoJSON without a crs member is WGS84, EPSG:4326)" if own == "EPSG:4326" else ""),
            )

    def value(self, spec: LayerSpec, attr: str, raw: Any, i: int, origin: str) -> str | None:
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            value = None
        elif isinstance(raw, float) and raw.is_integer():
            value = str(int(raw))  # codes read back as numbers from some formats
        else:
            value = str(raw).strip() or None
        if attr in ("code", "name"):
            if value is None and attr == "code" and spec.kind == "control_unit":
                raise ZoneError(
                    "zone_layer_missing_code",
                    f"feature #{i} of layer '{spec.id}' has no unit code",
                    file=origin,
                    field=spec.attributes[attr],
                    hint="every control unit needs its ZH code",
                )
            return value
        if value is None:
            if attr in ("protection_class", "park_type"):
                return None
            raise ZoneError(
                "zone_layer_bad_value",
                f"feature #{i} of layer '{spec.id}' has no {attr}",
                file=origin,
                field=spec.attributes[attr],
                hint=f"give every feature a {attr}",
            )
        mapped = spec.values.get(attr, {}).get(value, value)
        problem = self.term_error(attr, mapped)
        if problem:
            raise ZoneError(
                "zone_layer_bad_value",
                f"feature #{i} of layer '{spec.id}': {problem[0]}",
                file=origin,
                field=spec.attributes[attr],
                hint=problem[1],
            )
        return mapped

    def geometries(self, spec: LayerSpec, raw: gpd.GeoDataFrame, work: CRS, origin: str) -> gpd.GeoSeries:
        def bad(code: str, i: int, message: str, hint: str) -> ZoneError:
            return ZoneError(
                code, f"feature #{i} of layer '{spec.id}' {message}", file=origin, field="geometry", hint=hint
            )

        geoms = raw.geometry.values
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if missing.any():
            raise bad(
                "zone_layer_empty_geometry",
                int(np.argmax(missing)),
                "has no geometry",
                "delete the feature or draw its outline",
            )
        types = shapely.get_type_id(geoms)
        wrong = ~np.isin(types, (3, 6))  # Polygon, MultiPolygon
        if wrong.any():
            i = int(np.argmax(wrong))
            raise bad(
                "zone_layer_geometry_type",
                i,
                f"is a {geoms[i].geom_type}, not a polygon",
                "zone layers are areas: buffer lines and points into polygons first",
            )
        counts = shapely.get_num_coordinates(geoms)
        if (counts > MAX_FEATURE_VERTICES).any():
            i = int(np.argmax(counts > MAX_FEATURE_VERTICES))
            raise bad(
                "zone_layer_too_many_vertices",
                i,
                f"has {int(counts[i]):,} vertices (at most {MAX_FEATURE_VERTICES:,})",
                "simplify the layer (e.g. to 1 m) before loading it",
            )
        projected = shapely.force_2d(raw.geometry.to_crs(work).values)  # heights play no part in zoning
        valid = shapely.is_valid(projected)
        for k in np.flatnonzero(~valid):
            projected[k] = self.repair(spec, int(k), projected[k], bad)
        return gpd.GeoSeries(projected, crs=work)

    def repair(
        self, spec: LayerSpec, i: int, geom: BaseGeometry, bad: Callable[[str, int, str, str], ZoneError]
    ) -> BaseGeometry:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else shapely.Polygon()
        before = geom.area  # GEOS's area of the rings as written: loops that cross cancel out
        change = abs(fixed.area - before) / before if before > 0 else math.inf
        if fixed.is_empty or change > REPAIR_TOLERANCE:
            raise bad(
                "zone_layer_invalid_geometry",
                i,
                f"is not a valid polygon ({reason}) and repairing it would change its area by {change:.1%}",
                "fix the outline (rings must not cross themselves or each other)",
            )
        self.warnings.append(
            f"{spec.origin}: feature #{i} of layer '{spec.id}' was not valid ({reason}); repaired, area changed by "
            f"{change:.2%}"
        )
        return fixed

    def check_unit_codes(self, specs: list[LayerSpec], frames: list[gpd.GeoDataFrame]) -> None:
        seen: dict[str, tuple[str, int]] = {}
        for spec, frame in zip(specs, frames, strict=True):
            if spec.kind != "control_unit":
                continue
            origin = str(Path(self.root) / spec.file) if spec.file is not None else spec.origin
            for i, code in enumerate(frame["code"]):
                if code in seen:
                    first_layer, first_i = seen[code]
                    raise ZoneError(
                        "zone_layer_duplicate_code",
                        f"feature #{i} of layer '{spec.id}' has the unit code {code}, "
                        f"already used by feature #{first_i} of layer '{first_layer}'",
                        file=origin,
                        field=spec.attributes["code"],
                        hint="every control unit has its own code; merge the two features or correct one code",
                    )
                seen[code] = (spec.id, i)

    def coverage(self, specs: list[LayerSpec], features: gpd.GeoDataFrame) -> dict[str, BaseGeometry]:
        out: dict[str, BaseGeometry] = {}
        admin = features.geometry.values[(features["kind"] == "admin_boundary").to_numpy()]
        region = shapely.union_all(admin) if len(admin) else None
        for spec in specs:
            if spec.coverage == "features":
                out[spec.id] = shapely.union_all(features.geometry.values[(features["layer"] == spec.id).to_numpy()])
            elif region is None:
                raise spec.error(
                    "zone_manifest_no_region",
                    f"layer '{spec.id}' covers the region, but no admin_boundary layer draws it",
                    "coverage",
                    hint="add an admin_boundary layer, or give the layer `coverage: features`",
                )
            else:
                out[spec.id] = region
        return out

"""Stage 2, locate: which zones a site lies in, touches or is near (docs/zones.md).

All measures are in metres in the zone set's projected work CRS, never degrees. One spatial
index query serves a whole batch (`locate_many`): re-screening every project of a province is
one vectorised pass, not a loop of point-in-polygon tests.

>>> loc = locate(site, zones, buffer_m=500)            # doctest: +SKIP
>>> [(h.layer, h.code, h.relation) for h in loc.hits]  # doctest: +SKIP
[('boundary', '330999', 'inside'), ('control_units', 'ZH33099920001', 'inside')]
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..project.site import Site

# The attribute columns every normalised zone layer carries, in ZoneHit's order.
ATTRIBUTES = ("unit_class", "sensitive_area", "protection_class", "park_type")


class Zones(Protocol):
    """What locate reads of a zonelayers.ZoneSet (any object with these will do, e.g. in tests)."""

    features: Any  # GeoDataFrame: layer, kind, code, name, *ATTRIBUTES, geometry (work CRS)
    coverage: Mapping[str, BaseGeometry]
    layers: Mapping[str, Any]

    def to_work(self, geom_wgs84: Any) -> Any: ...


@dataclass(frozen=True)
class ZoneHit:
    """One zone in relation to the site. `relation`: inside | overlaps | boundary | nearby;
    `overlap_share`: the share of the site's length (line) or area (polygon) inside the zone,
    None for a point; `distance_m` 0 for a zone the site touches. `boundary`: the site meets
    the zone only on its edge (a point on it, a plot sharing an edge, a road along it)."""

    layer: str
    kind: str
    code: str
    name: str
    relation: str
    distance_m: float
    overlap_share: float | None
    unit_class: str | None = None
    sensitive_area: str | None = None
    protection_class: str | None = None
    park_type: str | None = None


@dataclass(frozen=True)
class Location:
    """Where a site stands on the zone layers. `covered[layer]` False means the layer does not
    cover the whole site: the answer there is "not covered", never "no hit"."""

    site: Site
    hits: tuple[ZoneHit, ...]
    nearby: tuple[ZoneHit, ...]
    covered: dict[str, bool]
    jurisdictions: tuple[str, ...]
    buffer_m: float

    def hits_of(self, kind: str) -> tuple[ZoneHit, ...]:
        """The hits on layers of `kind`, e.g. `loc.hits_of("control_unit")`."""
        return tuple(h for h in self.hits if h.kind == kind)


def locate(site: Site, zones: Zones, buffer_m: float = 0.0) -> Location:
    """Locate one site: the zones it intersects and those within `buffer_m` metres."""
    return locate_many([site], zones, buffer_m)[0]


def locate_many(sites: Iterable[Site], zones: Zones, buffer_m: float = 0.0) -> list[Location]:
    """Locate many sites with one spatial index query; same result as `[locate(s) for s in sites]`."""
    if not (isinstance(buffer_m, (int, float)) and math.isfinite(buffer_m) and buffer_m >= 0):
        raise ValueError(f"buffer_m must be a finite number of metres >= 0, not {buffer_m!r}")
    buffer_m = float(buffer_m)
    sites = list(sites)
    if not sites:
        return []
    index = _index(zones)
    work = np.asarray(zones.to_work(np.array([s.geometry for s in sites], dtype=object)), dtype=object)
    with index.prepared() as (geometry, coverage):
        pairs = _relate(work, geometry, zones.features.sindex, buffer_m)
        # Each site's coverage row; the few distinct rows are built once and copied.
        covered_rows = np.column_stack(
            [shapely.covers(cov, work) if cov is not None else np.zeros(len(work), dtype=bool) for cov in coverage]
            or [np.zeros(len(work), dtype=bool)]
        )

    hit = pairs.relation != _NONE
    h_si, h_zi = pairs.si[hit], pairs.zi[hit]
    # One deterministic order: by site, then layer order, code, name.
    order = np.lexsort((index.rank[h_zi], h_si))
    h_si, h_zi = h_si[order], h_zi[order]
    relation = _RELATIONS[pairs.relation[hit][order]].tolist()
    hits = _hits(index, h_zi, relation, None, pairs.share[hit][order])

    n_si, n_zi, distance = pairs.si[~hit], pairs.zi[~hit], pairs.distance[~hit]
    # Nearest first; distances equal to the millimetre go in layer and code order.
    order = np.lexsort((index.rank[n_zi], np.floor(distance * 1000), n_si))
    n_si, n_zi, distance = n_si[order], n_zi[order], distance[order]
    nearby = _hits(index, n_zi, None, distance, np.full(len(n_si), np.nan))

    row_keys = np.packbits(covered_rows, axis=1).tobytes()
    width = (covered_rows.shape[1] + 7) // 8
    templates: dict[bytes, dict[str, bool]] = {}

    jurisdictions: dict[int, set[str]] = {}
    for i, h in zip(h_si.tolist(), hits, strict=True):
        if h.kind == "admin_boundary":
            jurisdictions.setdefault(i, set()).add(h.code)

    out: list[Location] = []
    h_at = np.searchsorted(h_si, np.arange(len(sites) + 1)).tolist()
    n_at = np.searchsorted(n_si, np.arange(len(sites) + 1)).tolist()
    layer_ids = index.layer_ids
    for i, site in enumerate(sites):
        key = row_keys[i * width : (i + 1) * width]
        template = templates.get(key)
        if template is None:
            template = templates[key] = dict(zip(layer_ids, covered_rows[i].tolist(), strict=True))
        codes = jurisdictions.get(i)
        out.append(
            Location(
                site,
                tuple(hits[h_at[i] : h_at[i + 1]]),
                tuple(nearby[n_at[i] : n_at[i + 1]]),
                template.copy(),
                tuple(sorted(codes)) if codes else (),
                buffer_m,
            )
        )
    return out


def locate_table(sites: Iterable[Site], zones: Zones, buffer_m: float = 0.0) -> Any:
    """The same pairs as `locate_many`, as one table (a pandas DataFrame: site, layer, kind,
    code, relation, distance_m, overlap_share), for batches too large to hold a Location per
    site: a province's projects on Dask, an impact diff over a corpus. Hits first, each site's
    rows in `locate_many`'s order within its group."""
    import pandas as pd

    if not (isinstance(buffer_m, (int, float)) and math.isfinite(buffer_m) and buffer_m >= 0):
        raise ValueError(f"buffer_m must be a finite number of metres >= 0, not {buffer_m!r}")
    sites = list(sites)
    index = _index(zones)
    work = np.asarray(zones.to_work(np.array([s.geometry for s in sites], dtype=object)), dtype=object)
    with index.prepared() as (geometry, _):
        pairs = _relate(work, geometry, zones.features.sindex, float(buffer_m))
    order = np.lexsort((index.rank[pairs.zi], pairs.relation == _NONE, pairs.si))
    zi = pairs.zi[order]
    relation = np.where(pairs.relation[order] == _NONE, _NEARBY, pairs.relation[order])
    columns = index.columns()
    return pd.DataFrame(
        {
            "site": pairs.si[order],
            "layer": columns["layer"][zi],
            "kind": columns["kind"][zi],
            "code": columns["code"][zi],
            "relation": _RELATIONS[relation],
            "distance_m": pairs.distance[order],
            "overlap_share": pairs.share[order],
        }
    )


# Relation codes while vectorised; _RELATIONS[code] is the name.
_NONE, _INSIDE, _OVERLAPS, _BOUNDARY, _NEARBY = range(5)
_RELATIONS = np.array(["", "inside", "overlaps", "boundary", "nearby"], dtype=object)


@dataclass(frozen=True)
class _Pairs:
    si: np.ndarray  # site index
    zi: np.ndarray  # zone (feature) index
    relation: np.ndarray  # _NONE for a zone within the buffer that the site does not touch
    share: np.ndarray  # overlap share, NaN for points
    distance: np.ndarray  # 0 for a hit


def _relate(work: np.ndarray, zones: np.ndarray, tree: Any, buffer_m: float) -> _Pairs:
    """Every site/zone pair within `buffer_m`, with its relation, share and distance.

    The index is asked for bounding-box candidates only and the predicates are evaluated here
    with the zone geometries `zones` prepared (first argument): a prepared polygon answers a
    point-in-polygon test from its own index, where the index's own predicate pass would walk
    every edge of the polygon for every point. This is what keeps a batch close to a bare sjoin."""
    if buffer_m > 0:
        b = shapely.bounds(work)
        si, zi = tree.query(shapely.box(b[:, 0] - buffer_m, b[:, 1] - buffer_m, b[:, 2] + buffer_m, b[:, 3] + buffer_m))
    else:
        si, zi = tree.query(work)
    zg, sg = zones[zi], work[si]
    n = len(si)
    relation = np.full(n, _NONE, dtype=np.int8)
    share = np.full(n, np.nan)
    is_point = shapely.get_type_id(sg) == 0

    p = np.flatnonzero(is_point)
    inside = shapely.contains(zg[p], sg[p])
    relation[p[inside]] = _INSIDE
    q = p[~inside]
    # A point that is not in a zone's interior but intersects it lies on its boundary.
    relation[q[shapely.intersects(zg[q], sg[q])]] = _BOUNDARY

    o = np.flatnonzero(~is_point)
    o = o[shapely.intersects(zg[o], sg[o])]
    inside = shapely.contains(zg[o], sg[o])
    relation[o[inside]] = _INSIDE
    share[o[inside]] = 1.0
    r = o[~inside]
    # A line or polygon whose intersection has no length or area only touches the zone (their
    # boundaries meet); otherwise it overlaps. One overlay gives both the relation and the share.
    # A line covered by the zone but not in it runs along its edge: boundary, with its share.
    share[r] = _share(zg[r], sg[r])
    relation[r] = np.where((share[r] > 0) & (share[r] < 1), _OVERLAPS, _BOUNDARY)

    distance = np.zeros(n)
    if buffer_m > 0:
        m = np.flatnonzero(relation == _NONE)
        m = m[shapely.dwithin(zg[m], sg[m], buffer_m)]
        distance[m] = shapely.distance(zg[m], sg[m])
        keep = relation != _NONE
        keep[m] = True
    else:
        keep = relation != _NONE
    return _Pairs(si[keep], zi[keep], relation[keep], share[keep], distance[keep])


def _share(zones: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Share of each site's length (lines) or area (polygons) inside its zone."""
    part = shapely.intersection(zones, sites)
    dim = shapely.get_dimensions(sites)
    measure = np.where(dim == 1, shapely.length(part), shapely.area(part))
    whole = np.where(dim == 1, shapely.length(sites), shapely.area(sites))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(whole > 0, measure / whole, 0.0)
    return np.clip(share, 0.0, 1.0)


def _hits(
    index: _Index,
    zi: np.ndarray,
    relations: list[Any] | None,
    distance: np.ndarray | None,
    share: np.ndarray,
) -> list[ZoneHit]:
    """ZoneHits for the pairs; the hits of points on the same zone are one shared object
    (they are equal and frozen), which saves most of the object building of a large batch."""
    attrs = index.attrs
    shares = [None if math.isnan(s) else s for s in share.tolist()]
    dists = [0.0] * len(zi) if distance is None else distance.tolist()
    rels = ["nearby"] * len(zi) if relations is None else relations
    cache: dict[tuple[int, str], ZoneHit] = {}
    out: list[ZoneHit] = []
    for z, rel, d, s in zip(zi.tolist(), rels, dists, shares, strict=True):
        if s is None and d == 0.0:
            key = (z, rel)
            h = cache.get(key)
            if h is None:
                layer, kind, code, name, *extra = attrs[z]
                h = cache[key] = ZoneHit(layer, kind, code, name, rel, 0.0, None, *extra)
            out.append(h)
        else:
            layer, kind, code, name, *extra = attrs[z]
            out.append(ZoneHit(layer, kind, code, name, rel, d, s, *extra))
    return out


@dataclass(frozen=True, eq=False)
class _Index:
    """What locate needs of a zone set, computed once per zone set."""

    geometry: np.ndarray  # the features' geometries, as in the zone set (never prepared)
    rank: np.ndarray  # each feature's place in the deterministic order
    attrs: list[tuple[Any, ...]]  # (layer, kind, code, name, *ATTRIBUTES) per feature
    layer_ids: tuple[str, ...]
    coverage: tuple[BaseGeometry | None, ...]
    _free: list[tuple[np.ndarray, tuple[BaseGeometry | None, ...]]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def columns(self) -> dict[str, np.ndarray]:
        """layer, kind and code of every feature as arrays, for the columnar result."""
        return {
            name: np.array([a[k] for a in self.attrs], dtype=object) for k, name in enumerate(("layer", "kind", "code"))
        }

    @contextmanager
    def prepared(self) -> Iterator[tuple[np.ndarray, tuple[BaseGeometry | None, ...]]]:
        """Yield prepared copies of the features and coverages that no other thread uses meanwhile.

        A GEOS prepared geometry builds its indexes lazily and keeps scratch state while it
        answers a predicate, so one shared between threads corrupts the heap (GEOS issue 825).
        Each concurrent locate therefore checks out its own copy; copies are kept for reuse, so
        their number is the peak number of threads locating at once, not the number of calls."""
        with self._lock:
            copy = self._free.pop() if self._free else None
        if copy is None:
            copy = _prepared_copy(self.geometry, self.coverage)
        try:
            yield copy
        finally:
            with self._lock:
                self._free.append(copy)


def _prepared_copy(
    geometry: np.ndarray, coverage: tuple[BaseGeometry | None, ...]
) -> tuple[np.ndarray, tuple[BaseGeometry | None, ...]]:
    """New geometry objects (the same coordinates, through WKB) prepared for one thread's use."""
    copies = shapely.from_wkb(shapely.to_wkb(geometry)) if len(geometry) else np.array([], dtype=object)
    copies = np.asarray(copies, dtype=object)
    shapely.prepare(copies)
    cov = tuple(None if c is None else shapely.from_wkb(shapely.to_wkb(c)) for c in coverage)
    shapely.prepare(np.array([c for c in cov if c is not None], dtype=object))
    return copies, cov


_INDEXES: weakref.WeakKeyDictionary[Any, _Index] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def _index(zones: Zones) -> _Index:
    with _INDEXES_LOCK:  # built once per zone set, even when threads ask for it at the same time
        try:
            found = _INDEXES.get(zones)
        except TypeError:  # not weakly referenceable: build each time
            found = None
        if found is not None:
            return found
        index = _build_index(zones)
        try:
            _INDEXES[zones] = index
        except TypeError:
            pass
        return index


def _build_index(zones: Zones) -> _Index:
    frame = zones.features
    # GEOS builds an STRtree on its first query; do it here, before threads share the tree.
    frame.sindex.query(shapely.box(0, 0, 0, 0))
    geometry = np.asarray(frame.geometry.values, dtype=object)
    layer_ids = tuple(zones.layers)
    layer_pos = {lid: i for i, lid in enumerate(layer_ids)}
    columns = [_column(frame, c) for c in ("layer", "kind", "code", "name", *ATTRIBUTES)]
    attrs = list(zip(*columns, strict=True)) if len(frame) else []
    keys = [(layer_pos.get(a[0], len(layer_pos)), a[0] or "", a[2] or "", a[3] or "") for a in attrs]
    rank = np.empty(len(attrs), dtype=np.int64)
    rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    coverage = tuple(zones.coverage.get(lid) for lid in layer_ids)
    index = _Index(geometry, rank, attrs, layer_ids, coverage)
    index._free.append(_prepared_copy(geometry, coverage))  # the first caller finds one ready
    return index


def _column(frame: Any, name: str) -> Sequence[str | None]:
    """A text column as Python values, missing ones (None, NaN) as None."""
    if name not in frame.columns:
        return [None] * len(frame)
    return [v if isinstance(v, str) else (None if v is None or v != v else str(v)) for v in frame[name].tolist()]

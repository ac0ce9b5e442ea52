"""Stage 3, derive facts: turn a Project into the flat, three-valued facts rules read.

A fact that the project does not determine is absent (unknown), never a default."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..packs.conditions import (
    CONSTRUCTION_KEY,
    INDUSTRIAL_BUILDING_KEY,
    PREFIX,
    UNKNOWN_HIGH,
    UNKNOWN_LOW,
    hi,
    is_numeric,
    lo,
    wire_number,
    zone_selector,
)
from ..project.model import Project

_ABSENT: Any = object()
_UNCACHED: Any = object()


class Facts(Mapping[str, Any]):
    """Facts computed on demand from a project: `facts["q_beds"]`, `facts["c_336"]`, ..."""

    __slots__ = ("project", "_cache", "_type_codes", "_type_quantities", "location", "_layers")

    def __init__(
        self,
        project: Project,
        type_codes: Mapping[str, tuple[str, ...]] | None = None,
        location: Any = None,
        layers: Mapping[str, LayerKinds] | None = None,
        type_quantities: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """`type_codes`: for a project type, the industry codes whose projects may be of that type;
        `type_quantities`: the quantities whose presence makes a project possibly of that type (a
        boiler capacity: heat supply works). `location` (locate.Location) and `layers` (layer id
        -> what it maps) give the zone facts."""
        self.project = project
        self._cache: dict[str, Any] = {}
        self._type_codes = type_codes or {}
        self._type_quantities = type_quantities or {}
        self.location = location
        self._layers = layers or {}

    @property
    def layer_kinds(self) -> Mapping[str, LayerKinds]:
        """What each zone layer in use can tell (layer id -> kind and sensitive-area kinds)."""
        return self._layers

    def source(self, key: str) -> str | None:
        """Where a known membership fact comes from: `answer` (the answers field), `listed`,
        `process_list` (a term not in the complete process list), `declared_list` (a sensitive
        area not in the declared list), `map`, `rule` (a project type no code relates to),
        or None when the fact is unknown or not a membership fact."""
        v = self.get(key, _ABSENT)
        if v is _ABSENT:
            return None
        p = self.project
        prefix, _, name = key.partition("_")
        section = next((s for s, pre in PREFIX.items() if pre == prefix + "_"), None)
        if key == INDUSTRIAL_BUILDING_KEY:
            return "answer" if "industrial_building" in p.answered else "listed"
        if section is None or section in ("quantities", "zones"):
            return None
        if f"{section}.{name}" in p.answers:
            return "answer"
        if v is True:
            return (
                "map"
                if section == "sensitive_areas" and not (p.sensitive_areas and name in p.sensitive_areas)
                else "listed"
            )
        return {
            "processes": "process_list",
            "project_types": "rule",
            "industry_codes": "industry_codes",
        }.get(section, "map" if self.mapped_sensitive_area(name) is False else "declared_list")

    def __getitem__(self, key: str) -> Any:
        v = self.get(key, _ABSENT)
        if v is _ABSENT:
            raise KeyError(key)
        return v

    def get(self, key: str, default: Any = None) -> Any:
        # the rules' hot path: no exception for an unknown fact, which is the common case
        v = self._cache.get(key, _UNCACHED)
        if v is _UNCACHED:  # an unknown fact is cached too (as _ABSENT)
            try:
                v = self._derive(key)
            except KeyError:
                return default  # not a fact of this project's kind: not cached, as before
            self._cache[key] = v
        return default if v is _ABSENT else v

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _ABSENT) is not _ABSENT

    def __iter__(self) -> Iterator[str]:  # only the facts already asked for
        return (k for k, v in self._cache.items() if v is not _ABSENT)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def message(self, keys: tuple[str, ...]) -> dict[str, Any]:
        """Return `keys` as one flat durable-rules message: each fact as its lowest and highest
        possible value (conditions.to_durable), the construction kind as itself."""
        out: dict[str, Any] = {}
        for k in keys:
            v = self.get(k, _ABSENT)
            if k == CONSTRUCTION_KEY:
                out[k] = v
            elif v is _ABSENT:
                out[lo(k)], out[hi(k)] = (UNKNOWN_LOW, UNKNOWN_HIGH) if is_numeric(k) else (0, 1)
            else:
                out[lo(k)] = out[hi(k)] = wire_number(v) if is_numeric(k) else int(v)
        return out

    def wire(self, key: str) -> tuple[float, float]:
        """A fact as the list engine reads it: its lowest and highest possible value. Flags are
        0/1, `k_construction:new` is the flag "the construction kind is new"."""
        if key.startswith(CONSTRUCTION_KEY + ":"):  # one kind, or several: "k_construction:expansion|new"
            v = float(self.project.construction in key.partition(":")[2].split("|"))
            return v, v
        v = self.get(key, _ABSENT)
        if v is _ABSENT:
            return (UNKNOWN_LOW, UNKNOWN_HIGH) if is_numeric(key) else (0.0, 1.0)
        x = wire_number(v) if is_numeric(key) else float(v)
        return x, x

    def _derive(self, key: str) -> Any:
        p = self.project
        if key == CONSTRUCTION_KEY:
            return p.construction
        if key == INDUSTRIAL_BUILDING_KEY:
            return _ABSENT if p.industrial_building is None else p.industrial_building
        prefix, _, name = key.partition("_")
        prefix += "_"
        if prefix == PREFIX["quantities"]:
            return p.quantities.get(name, _ABSENT)
        if prefix == PREFIX["processes"]:
            if p.processes is not None and name in p.processes:
                return True
            # The process list is complete by definition (docs/project-format.md): an omitted
            # process is false, and every decision lists that as an assumption it rests on.
            return p.answers.get(f"processes.{name}", _ABSENT if p.processes is None else False)
        if prefix == PREFIX["features"]:
            # Nobody can enumerate every feature: one not listed is unknown unless answered false.
            return True if p.features is not None and name in p.features else p.answers.get(f"features.{name}", _ABSENT)
        if prefix == PREFIX["project_types"]:
            if name in p.project_types:
                return True
            if f"project_types.{name}" in p.answers:
                return p.answers[f"project_types.{name}"]
            # A filling station given only as code 5265 may be item 119's type: unknown, so asked;
            # so is heat supply for a project that gives a boiler capacity (item 91's own boilers).
            related = self._type_codes.get(name, ())
            if any(code_within(p.industry_codes, c) is not False for c in related):
                return _ABSENT
            if any(p.quantities.get(q, 0) > 0 for q in self._type_quantities.get(name, ())):
                return _ABSENT
            return False
        if prefix == PREFIX["sensitive_areas"]:
            declared = p.answers.get(f"sensitive_areas.{name}", _ABSENT)
            if declared is _ABSENT:
                declared = _ABSENT if p.sensitive_areas is None else name in p.sensitive_areas
            elif p.sensitive_areas is not None and name in p.sensitive_areas:
                declared = True
            mapped = self.mapped_sensitive_area(name)
            if mapped is _ABSENT:
                return declared
            return True if declared is True else mapped  # a declared involvement is never dropped
        if prefix == PREFIX["zones"]:
            return self.zone(key[len(PREFIX["zones"]) :])
        if prefix == PREFIX["industry_codes"]:
            if "|" in name:  # within any of several codes (list engine, listrules._code_set)
                found = [code_within(p.industry_codes, c) for c in name.split("|")]
                return True if True in found else (_ABSENT if any(f is _ABSENT for f in found) else False)
            found = code_within(p.industry_codes, name)
            return p.answers.get(f"industry_codes.{name}", _ABSENT) if found is _ABSENT else found
        raise KeyError(key)

    def mapped_sensitive_area(self, kind: str) -> Any:
        """What the map says about sensitive-area `kind`: True (the site touches one), False (a
        layer of that kind covers the site and none is touched) or absent (no layer covers it)."""
        if self.location is None:
            return _ABSENT
        layers = [lid for lid, lk in self._layers.items() if kind in lk.sensitive_areas]
        if not layers:
            return _ABSENT
        if any(h.layer in layers and (h.sensitive_area == kind or h.kind == kind) for h in self.location.hits):
            return True
        return False if any(self.location.covered.get(lid) for lid in layers) else _ABSENT

    def zone(self, term: str) -> Any:
        """Whether the site lies in (or within `within_m` of) a zone matching the selector `term`."""
        if self.location is None:
            return _ABSENT
        matches, within, layers = self._zone_query(term)
        if matches:
            return True
        if within > self.location.buffer_m:
            return _ABSENT  # the site was not searched that far
        return False if any(self.location.covered.get(lid) for lid in layers) else _ABSENT

    def zone_matches(self, term: str) -> list[Any]:
        """The zone hits (locate.ZoneHit) that satisfy the selector `term`: the evidence of a zone fact."""
        return self._zone_query(term)[0] if self.location is not None else []

    def _zone_query(self, term: str) -> tuple[list[Any], float, list[str]]:
        """The hits matching `term`, its search distance, and the layers that could hold such a zone."""
        sel = zone_selector(term)
        within = sel.pop("within_m", 0.0)
        layers = self._zone_layers(sel)
        near = [h for h in self.location.nearby if h.distance_m <= within] if within else []
        matches = [
            h
            for h in (*self.location.hits, *near)
            if h.layer in layers and all(getattr(h, f) == v for f, v in sel.items() if f != "kind")
        ]
        return matches, within, layers

    def _zone_layers(self, sel: Mapping[str, Any]) -> list[str]:
        layers = [lid for lid, lk in self._layers.items() if lk.kind == sel["kind"]]
        if sel.get("sensitive_area"):
            layers = [lid for lid in layers if sel["sensitive_area"] in self._layers[lid].sensitive_areas]
        return layers


class LayerKinds:
    """What one zone layer can tell: its kind, and the sensitive-area kinds its features map."""

    __slots__ = ("kind", "sensitive_areas")

    def __init__(self, kind: str, sensitive_areas: frozenset[str]) -> None:
        self.kind = kind
        self.sensitive_areas = sensitive_areas


def code_within(project_codes: tuple[str, ...], code: str) -> Any:
    """Whether a project with `project_codes` lies within industry `code`: True, False, or
    absent (unknown) when a project code is broader than `code` (project '26' vs item '264').

    >>> code_within(("2641",), "264"), code_within(("2641",), "265")
    (True, False)
    """
    unknown = False
    for c in project_codes:
        if c.startswith(code):
            return True
        if code.startswith(c):
            unknown = True
    return _ABSENT if unknown else False


def is_absent(value: Any) -> bool:
    return value is _ABSENT

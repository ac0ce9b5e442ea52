"""Stage 3, derive facts: turn a Project into the flat, three-valued facts rules read.

A fact that the project does not determine is absent (unknown), never a default."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .conditions import (
    CONSTRUCTION_KEY,
    INDUSTRIAL_BUILDING_KEY,
    PREFIX,
    UNKNOWN_HIGH,
    UNKNOWN_LOW,
    hi,
    is_numeric,
    lo,
    wire_number,
)
from .project import Project

_ABSENT: Any = object()


class Facts(Mapping[str, Any]):
    """Facts computed on demand from a project: `facts["q_beds"]`, `facts["c_336"]`, ..."""

    __slots__ = ("project", "_cache", "_type_codes")

    def __init__(self, project: Project, type_codes: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """`type_codes`: for a project type, the industry codes whose projects may be of that type."""
        self.project = project
        self._cache: dict[str, Any] = {}
        self._type_codes = type_codes or {}

    def __getitem__(self, key: str) -> Any:
        v = self._cache.get(key, _ABSENT)
        if v is _ABSENT:
            v = self._cache[key] = self._derive(key)
        if v is _ABSENT:
            raise KeyError(key)
        return v

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

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
            return _ABSENT if p.processes is None else name in p.processes
        if prefix == PREFIX["features"]:
            return _ABSENT if p.features is None else name in p.features
        if prefix == PREFIX["project_types"]:
            if name in p.project_types:
                return True
            # A filling station given only as code 5265 may be item 119's type: unknown, so asked.
            related = self._type_codes.get(name, ())
            if any(code_within(p.industry_codes, c) is not False for c in related):
                return _ABSENT
            return False
        if prefix == PREFIX["sensitive_areas"]:
            return _ABSENT if p.sensitive_areas is None else name in p.sensitive_areas
        if prefix == PREFIX["industry_codes"]:
            return code_within(p.industry_codes, name)
        raise KeyError(key)


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

"""Read-only views of what the service has loaded: rule packs, vocabulary, zone layers.

Built from the loaded objects (never from a path a request names) and cached per process."""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cached_property
from typing import Any

from screening.decide.tier import citation  # the one citation format a Finding also carries
from screening.packs.ruleset import RuleSet


class Catalog:
    def __init__(self, rules: RuleSet, zones: Any = None) -> None:
        self.rules = rules
        self.zones = zones
        self._packs: dict[str, dict[str, Any]] = {}
        self._layer_frames: dict[str, Any] = {}

    # -- rule packs ---------------------------------------------------------------------------

    def rule_packs(self) -> list[dict[str, Any]]:
        out = [_summary(p, "directory", len(p.items), illustrative=False) for p in self.rules.packs]
        out += [_summary(p, "local", len(p.entries), illustrative=p.illustrative) for p in self.rules.local_packs]
        return out

    def rule_pack(self, pack_id: str) -> dict[str, Any] | None:
        if pack_id in self._packs:
            return self._packs[pack_id]
        detail: dict[str, Any] | None = None
        for p in self.rules.packs:
            if p.id == pack_id:
                detail = _summary(p, "directory", len(p.items), illustrative=False)
                detail["tiers"] = {t: dataclasses.asdict(info) for t, info in p.tiers.items()}
                detail["items"] = [
                    {
                        "number": item.number,
                        "id": item.id,
                        "group": item.group,
                        "text": item.text,
                        "industry_codes": list(item.industry_codes),
                        "project_types": list(item.project_types),
                        "industrial_building_only": item.industrial_building_only,
                        "columns": [
                            {
                                "tier": col.tier,
                                "text": col.text,
                                "clauses": [
                                    {"id": c.id, "text": c.text, "citation": citation(p, item, c.column, c.text)}
                                    for c in col.clauses
                                ],
                            }
                            for col in item.columns
                        ],
                    }
                    for item in p.items
                ]
        for lp in self.rules.local_packs:
            if lp.id == pack_id:
                detail = _summary(lp, "local", len(lp.entries), illustrative=lp.illustrative)
                detail["lists"] = [
                    {
                        "id": lst.id,
                        "title": lst.title,
                        "document": lst.document,
                        "entries": [
                            {
                                "id": e.id,
                                "dimension": e.dimension,
                                "effect": e.effect,
                                "tiers": list(e.tiers),
                                "text": e.text,
                                "text_en": e.text_en,
                                "citation": e.citation,
                            }
                            for e in lst.entries
                        ],
                    }
                    for lst in lp.lists
                ]
        if detail is not None:
            self._packs[pack_id] = detail
        return detail

    # -- vocabulary ---------------------------------------------------------------------------

    @cached_property
    def vocabulary_json(self) -> str:
        vocab = self.rules.vocabulary
        doc = {
            "sections": {
                section: {
                    tid: {k: v for k, v in dataclasses.asdict(term).items() if k != "id" and v not in (None, ())}
                    for tid, term in terms.items()
                }
                for section, terms in vocab.sections.items()
            }
        }
        return json.dumps(doc, ensure_ascii=False, default=str)

    # -- zones --------------------------------------------------------------------------------

    def zone_layers(self) -> dict[str, Any]:
        zones = self.zones
        if zones is None:
            return {"region": None, "layers": []}
        region = getattr(zones, "region", None)
        out = []
        for lid, info in zones.layers.items():
            frame = self._wgs84(lid)
            bounds = [float(v) for v in frame.total_bounds] if len(frame) else None
            out.append(
                {
                    "id": lid,
                    "kind": str(getattr(info, "kind", "")),
                    "version": _str(getattr(info, "version", None)),
                    "date": _str(getattr(info, "date", None)),
                    "source": _str(getattr(info, "source", None)),
                    "feature_count": int(len(frame)),
                    "bbox": bounds if bounds and all(math.isfinite(v) for v in bounds) else None,
                }
            )
        return {"region": _plain(region), "layers": out}

    def has_layer(self, layer: str) -> bool:
        return self.zones is not None and layer in self.zones.layers

    def zone_features(self, layer: str, bbox: tuple[float, float, float, float] | None, limit: int) -> str:
        """GeoJSON text of a layer's features (WGS84) intersecting `bbox`, at most `limit` of them."""
        frame = self._wgs84(layer)
        if bbox is not None:
            from shapely.geometry import box

            idx = frame.sindex.query(box(*bbox), predicate="intersects")
            frame = frame.iloc[sorted(idx)]
        if len(frame) > limit:
            frame = frame.iloc[:limit]
        return str(frame.to_json(na="null", show_bbox=False, drop_id=True, ensure_ascii=False))

    def _wgs84(self, layer: str) -> Any:
        """The layer in WGS84 with its public columns, reprojected once per process."""
        if layer not in self._layer_frames:
            zones = self.zones
            frame = zones.layer_frame(layer) if hasattr(zones, "layer_frame") else None
            if frame is None:
                frame = zones.features[zones.features["layer"] == layer]
            keep = [c for c in PUBLIC_COLUMNS if c in frame.columns]
            frame = frame[[*keep, frame.geometry.name]]
            frame = frame.to_crs(4326)
            self._layer_frames[layer] = frame
        return self._layer_frames[layer]


PUBLIC_COLUMNS = (
    "layer",
    "kind",
    "code",
    "name",
    "unit_class",
    "sensitive_area",
    "protection_class",
    "park_type",
)


def _summary(p: Any, kind: str, size: int, *, illustrative: bool) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": kind,
        "title": p.title,
        "version": p.version,
        "jurisdiction": p.jurisdiction,
        "effective_from": p.effective_from.isoformat(),
        "effective_to": p.effective_to.isoformat() if p.effective_to else None,
        "illustrative": illustrative,
        "size": size,
    }


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _plain(obj: Any) -> Any:
    """A dataclass or mapping as JSON-safe plain data (dates as ISO text)."""
    if obj is None:
        return None
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return json.loads(json.dumps(obj, ensure_ascii=False, default=str))
    return str(obj)

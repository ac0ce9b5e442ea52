"""GET /v1/zones/layers and /v1/zones/{layer}: the zone layers in use, as GeoJSON in WGS84."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from ..deps import CatalogDep, SettingsDep
from ..problems import Problem, ProblemError
from ..schemas import FeatureCollection, ZoneLayersPublic

router = APIRouter(prefix="/v1/zones", tags=["zones"])

LayerId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$", examples=["control_units"])]
BBox = Annotated[
    str | None,
    Query(
        description="minlon,minlat,maxlon,maxlat (WGS84): only features intersecting this box",
        examples=["120.0,29.0,121.0,30.0"],
        max_length=200,
    ),
]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "content": {"application/problem+json": {}}},
    422: {"model": Problem, "content": {"application/problem+json": {}}},
}


@router.get("/layers", response_model=ZoneLayersPublic)
async def read_zone_layers(catalog: CatalogDep) -> ZoneLayersPublic:
    """List the zone layers: id, kind, version, date, source, feature count and WGS84 extent."""
    return ZoneLayersPublic.model_validate(catalog.zone_layers())


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    ok = len(values) == 4 and all(math.isfinite(v) for v in values)
    if ok:
        minlon, minlat, maxlon, maxlat = values
        ok = -180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90
    if not ok:
        raise ProblemError(
            422,
            "invalid-request",
            "The request is not valid",
            "bbox: expected minlon,minlat,maxlon,maxlat in WGS84 degrees, min before max",
            [
                {
                    "code": "request_bad_bbox",
                    "field": "bbox",
                    "line": None,
                    "message": f"'{raw[:60]}' is not minlon,minlat,maxlon,maxlat",
                    "hint": "e.g. bbox=120.0,29.0,121.0,30.0",
                }
            ],
        )
    return values  # type: ignore[return-value]


@router.get(
    "/{layer}",
    response_model=FeatureCollection,
    responses={200: {"content": {"application/geo+json": {}}}, **PROBLEMS},
)
def read_zone_layer(layer: LayerId, catalog: CatalogDep, settings: SettingsDep, bbox: BBox = None) -> Response:
    """Return a layer's features as a GeoJSON FeatureCollection (WGS84), optionally only those in `bbox`.

    Properties: layer, kind, code, name, unit_class, sensitive_area, protection_class, park_type."""
    box = parse_bbox(bbox)
    if not catalog.has_layer(layer):
        raise ProblemError(404, "not-found", "Not found", f"no zone layer '{layer}'")
    body = catalog.zone_features(layer, box, settings.bbox_feature_limit)
    return Response(body, media_type="application/geo+json")

"""POST /v1/sites/parse: a site file (DXF, KML/KMZ, zipped Shapefile, GeoJSON, 界址点 table) or a
pasted 界址点 table -> the site as a GeoJSON Feature in WGS84, for a project's `location`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from screening.project.site import site_from_file

from ..problems import Problem, ProblemError
from ..schemas import SitePublic
from ..settings import Settings
from .screenings import in_worker

router = APIRouter(prefix="/v1/sites", tags=["sites"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the multipart/form-data body is malformed", "model": Problem},
    413: {"description": "the file is larger than the limit", "model": Problem},
    422: {
        "description": "the file or table cannot be read: `errors` names the line, field and a fix",
        "model": Problem,
    },
    503: {"description": "reading took longer than the per-request timeout", "model": Problem},
}


def _vertices(geometry: Any) -> int:
    """Vertices as the user counts them: a ring's closing point repeats its first."""
    parts = shapely.get_parts(geometry)
    rings = sum(1 + shapely.get_num_interior_rings(p) for p in parts if p.geom_type == "Polygon")
    return int(shapely.get_num_coordinates(geometry)) - int(rings)


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "body-too-large",
        "Request body too large",
        f"the site file is larger than {limit} bytes",
        [
            {
                "code": "site_file_too_large",
                "field": "file",
                "line": None,
                "message": f"at most {limit} bytes",
                "hint": "export only the red line (the site outline), not the whole drawing or map",
            }
        ],
    )


@router.post(
    "/parse", response_model=SitePublic, responses={200: {"content": {"application/geo+json": {}}}, **PROBLEMS}
)
async def parse_site_file(
    request: Request,
    file: Annotated[
        UploadFile | None,
        File(description=".dxf (CAD red line), .kml, .kmz, .zip (Shapefile with .prj), .geojson, .txt/.csv (界址点)"),
    ] = None,
    table: Annotated[
        str | None, Form(description="a pasted 界址点 table, one point per line (点号,X,Y or 点号,经度,纬度)")
    ] = None,
    crs: Annotated[
        str | None,
        Form(
            description="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:4513-4554 | cgcs2000-gk3; required when the file "
            "does not say it (DXF, tables)",
            examples=["EPSG:4528"],
        ),
    ] = None,
    zone: Annotated[int | None, Form(description="Gauss-Krüger zone number (3-degree: 25-45)")] = None,
    central_meridian: Annotated[float | None, Form(description="Gauss-Krüger central meridian, °E")] = None,
    layer: Annotated[str | None, Form(description="the DXF layer, or the shapefile in a zip of several")] = None,
) -> Response:
    """Read a site from an uploaded file or a pasted table (multipart/form-data) and return it as a
    GeoJSON Feature in WGS84 with `kind`, `crs` (as read), `warnings` and `vertices`."""
    settings: Settings = request.app.state.settings
    if (file is None) == (table is None):
        raise ProblemError(
            422,
            "invalid-request",
            "The request is not valid",
            "send exactly one of the form fields file and table",
            [
                {
                    "code": "request_site_source",
                    "field": "file",
                    "line": None,
                    "message": "one of file (an upload) or table (text) is required",
                    "hint": "e.g. curl -F file=@site.dxf -F crs=EPSG:4528 .../v1/sites/parse",
                }
            ],
        )
    if file is not None:
        name = file.filename or "upload"
        data = await file.read(settings.max_site_file_bytes + 1)
    else:
        assert table is not None
        name, data = "table.txt", table.encode("utf-8")
    if len(data) > settings.max_site_file_bytes:
        raise _too_large(settings.max_site_file_bytes)
    options = {"crs": crs, "zone": zone, "central_meridian": central_meridian, "layer": layer}

    def work(_: Any) -> str:
        site = site_from_file(name, data, **options)  # type: ignore[arg-type]
        feature = {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(site.geometry),
            "properties": {
                "kind": site.kind,
                "crs": site.crs,
                "warnings": list(site.warnings),
                "vertices": _vertices(site.geometry),
            },
        }
        return json.dumps(feature, ensure_ascii=False)

    return Response(await in_worker(request, work), media_type="application/geo+json")

"""POST /v1/report: the pre-screening opinion (预审意见) of a project as PDF or Word (nothing stored)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from screening.report.document import FORMATS, content_disposition

from ..deps import ServiceDep
from ..service import check_media_type, decode
from .screenings import CREATE_BODY, PROBLEMS, in_worker

router = APIRouter(prefix="/v1/report", tags=["report"])

_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the opinion as a file download (`Content-Disposition: attachment`, the project's name)",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in FORMATS.values()},
        "headers": {
            "Content-Disposition": {"description": "attachment with the file name", "schema": {"type": "string"}}
        },
    }
}


@router.post("", response_class=Response, responses={**_DOCUMENT, **PROBLEMS}, openapi_extra=CREATE_BODY)
async def create_report(
    request: Request,
    service: ServiceDep,
    fmt: Annotated[Literal["pdf", "docx"], Query(alias="format", description="pdf, or docx for Word")] = "pdf",
) -> Response:
    """Screen a project (same bodies as POST /v1/screenings) and return its pre-screening opinion
    as a PDF (CJK font embedded) or a Word document: project, tier and procedure, admissibility,
    the 三线一单 conformity table, sensitive areas, site map, rules with citations, open points,
    versions and the disclaimer."""
    media = check_media_type(request.headers.get("content-type"))
    body = await request.body()
    content, name = await in_worker(request, lambda _: service.report(decode(body), media, fmt))
    return Response(
        content,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": content_disposition(name, fmt)},
    )

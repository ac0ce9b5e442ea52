"""POST /v1/questions: what to ask next for a project (nothing is stored)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..deps import ServiceDep
from ..schemas import QuestionsPublic
from ..service import check_media_type, decode
from .screenings import CREATE_BODY, PROBLEMS, in_worker

router = APIRouter(prefix="/v1/questions", tags=["questions"])


@router.post("", response_model=QuestionsPublic, responses=PROBLEMS, openapi_extra=CREATE_BODY)
async def create_questions(request: Request, service: ServiceDep) -> Response:
    """The questions whose answers decide the tier of a project (same bodies as POST /v1/screenings),
    the assumptions its current result rests on, and given facts that nothing reads."""
    media = check_media_type(request.headers.get("content-type"))
    body = await request.body()
    content = await in_worker(request, lambda _: service.questions(decode(body), media))
    return Response(content, media_type="application/json")

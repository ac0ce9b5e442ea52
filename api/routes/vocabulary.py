"""GET /v1/vocabulary: every term a project may use, with its meaning and unit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ..deps import CatalogDep

router = APIRouter(prefix="/v1", tags=["vocabulary"])

EXAMPLE: dict[str, Any] = {
    "sections": {"processes": {"electroplating": {"zh": "电镀", "en": "electroplating", "category": "surface"}}}
}


@router.get(
    "/vocabulary",
    responses={
        200: {
            "description": "terms by section (processes, features, quantities, sensitive_areas, ...)",
            "content": {"application/json": {"schema": {"type": "object"}, "example": EXAMPLE}},
        }
    },
)
async def read_vocabulary(catalog: CatalogDep) -> Response:
    """Return the vocabulary: `{"sections": {section: {term: {zh, en, unit, max, ...}}}}`."""
    return Response(catalog.vocabulary_json, media_type="application/json")

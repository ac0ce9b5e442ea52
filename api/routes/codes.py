"""GET /v1/codes?q=: find a GB/T 4754-2017 industry code by words, with its directory items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import CatalogDep
from ..schemas import CodesPublic

router = APIRouter(prefix="/v1", tags=["industry codes"])


@router.get("/codes", response_model=CodesPublic)
async def read_codes(
    catalog: CatalogDep,
    q: Annotated[
        str, Query(min_length=1, max_length=100, examples=["家具"], description="words (all must match) or a code")
    ],
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> CodesPublic:
    """Codes whose Chinese name holds every word of `q` (exact > prefix > substring), or a code and its children."""
    matches = catalog.rules.find_codes(q, limit)
    return CodesPublic.model_validate({"query": q, "codes": [m.to_dict() for m in matches]})

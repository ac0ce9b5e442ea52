"""GET /v1/rule-packs and /v1/rule-packs/{id}: versions, effective dates, rules with citations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from ..deps import CatalogDep
from ..problems import Problem, ProblemError
from ..schemas import RulePackPublic, RulePacksPublic

router = APIRouter(prefix="/v1/rule-packs", tags=["rule packs"])

PackId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$", examples=["directory-2021"])]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "content": {"application/problem+json": {}}}}


@router.get("", response_model=RulePacksPublic)
async def read_rule_packs(catalog: CatalogDep) -> RulePacksPublic:
    """List the loaded rule packs: the national directory and the local packs."""
    return RulePacksPublic.model_validate({"rule_packs": catalog.rule_packs()})


@router.get("/{pack_id}", response_model=RulePackPublic, responses=NOT_FOUND)
async def read_rule_pack(pack_id: PackId, catalog: CatalogDep) -> RulePackPublic:
    """One rule pack with every item, column and clause (directory) or list entry (local), each cited."""
    detail = catalog.rule_pack(pack_id)
    if detail is None:
        raise ProblemError(404, "not-found", "Not found", f"no rule pack with id '{pack_id}'")
    return RulePackPublic.model_validate(detail)

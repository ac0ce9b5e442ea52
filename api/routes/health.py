"""GET /healthz: is the worker up, with its rules, zones and database."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from ..deps import CatalogDep, ServiceDep
from ..problems import Problem, ProblemError
from ..schemas import Health
from ..service import ENVSCREEN_VERSION

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Problem, "content": {"application/problem+json": {}}}},
)
async def read_health(service: ServiceDep, catalog: CatalogDep) -> Health:
    """Answer 200 when rules are loaded and the database answers; 503 otherwise."""
    try:
        await run_in_threadpool(service.records.ping)
    except Exception as exc:
        raise ProblemError(503, "unavailable", "Service unavailable", "the database does not answer") from exc
    return Health(
        status="ok",
        version=ENVSCREEN_VERSION,
        rule_packs=len(service.rule_pack_versions),
        zone_layers=len(service.zone_layer_versions),
        database=service.records.engine.dialect.name,
    )

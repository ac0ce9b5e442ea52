"""POST /v1/screenings, POST /v1/screenings/batch, GET /v1/screenings/{id}."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from screening.sources.json_doc import first_problem, load_marked

from ..deps import ServiceDep, SettingsDep
from ..problems import Problem, ProblemError
from ..schemas import PROJECT_EXAMPLE, PROJECT_YAML_EXAMPLE, BatchCreate, BatchPublic, ProjectCreate, ScreeningPublic
from ..service import JSON_TYPES, Service, StoreGate, check_media_type, decode
from ..settings import Settings

router = APIRouter(prefix="/v1/screenings", tags=["screenings"])

T = TypeVar("T")
ScreeningId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", examples=["3f2b6c0e9d8a4b7c8e1f2a3b4c5d6e7f"])]


def _problem(status: int, description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": {"application/problem+json": {}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    413: _problem(413, "the body is larger than the limit (1 MiB by default)"),
    415: _problem(415, "the body is neither JSON nor YAML"),
    422: _problem(422, "the project is not valid: `errors` names the field, line and a fix"),
    503: _problem(503, "the screening took longer than the per-request timeout"),
}

_project_schema = ProjectCreate.model_json_schema(ref_template="#/components/schemas/{model}")
_project_schema.pop("$defs", None)
CREATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the project: a JSON object, or the text of a project YAML file",
        "content": {
            "application/json": {
                "schema": _project_schema,
                "examples": {"furniture": {"summary": "a furniture factory", "value": PROJECT_EXAMPLE}},
            },
            "application/yaml": {
                "schema": {"type": "string"},
                "examples": {"furniture": {"summary": "the same project as YAML", "value": PROJECT_YAML_EXAMPLE}},
            },
            "text/yaml": {"schema": {"type": "string"}},
        },
    }
}


async def in_worker(request: Request, fn: Callable[[StoreGate], T]) -> T:
    """Run `fn(gate)` in one of the app's few screening threads, giving up after the
    per-request timeout with a 503.

    The thread is abandoned, not killed (Python threads cannot be): it finishes its screening
    in the background, but `gate` keeps it from storing anything once the client has had its
    503, so a retry never makes a duplicate. A thread that had begun storing when the time ran
    out is waited for, and its answer stands."""
    settings: Settings = request.app.state.settings
    gate = StoreGate()

    def run() -> T:
        try:
            value = fn(gate)
        except BaseException as exc:
            gate.finish(error=exc)
            raise
        gate.finish(value)
        return value

    try:
        with anyio.fail_after(settings.request_timeout_s):
            return await anyio.to_thread.run_sync(run, abandon_on_cancel=True, limiter=request.app.state.limiter)
    except TimeoutError:
        if not gate.expire():
            result: T = await anyio.to_thread.run_sync(gate.wait)
            return result
        raise ProblemError(
            503,
            "timeout",
            "Screening timed out",
            f"the request took longer than {settings.request_timeout_s:g} s; nothing was stored",
            headers={"Retry-After": "1"},
        ) from None


@router.post(
    "",
    status_code=201,
    response_model=ScreeningPublic,
    responses={201: {"headers": {"Location": {"description": "the record", "schema": {"type": "string"}}}}, **PROBLEMS},
    openapi_extra=CREATE_BODY,
)
async def create_screening(request: Request, service: ServiceDep) -> Response:
    """Screen one project (JSON or YAML) and store the record; answer 201 with its `Location`."""
    media = check_media_type(request.headers.get("content-type"))
    body = await request.body()

    def work(gate: StoreGate) -> tuple[str, str]:
        record = service.create(decode(body), media, gate=gate)
        return record.id, service.public_json(record)

    record_id, content = await in_worker(request, work)
    return Response(
        content,
        status_code=201,
        media_type="application/json",
        headers={"Location": f"/v1/screenings/{record_id}"},
    )


_batch_schema = BatchCreate.model_json_schema(ref_template="#/components/schemas/{model}")
BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _batch_schema, "example": _batch_schema.get("examples", [{}])[0]}},
    }
}


@router.post(
    "/batch",
    response_model=BatchPublic,
    responses={
        413: PROBLEMS[413],
        415: PROBLEMS[415],
        422: _problem(422, "the batch itself is malformed or over the limit; a bad project is a result, not this"),
        503: PROBLEMS[503],
    },
    openapi_extra=BATCH_BODY,
)
async def create_screenings(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Screen many projects: each result is a decision (stored, with its id) or a problem, never all-or-nothing."""
    check_media_type(request.headers.get("content-type"), JSON_TYPES)
    body = await request.body()
    # Parsed here, not by pydantic's JSON reader, which keeps the last of two equal keys: the
    # batch's own fields are checked now, each project's when it is screened (its own result).
    data = load_marked(decode(body), source="<request>")
    problem = first_problem(data, source="<request>", depth=2)
    if problem is not None:
        raise problem
    try:
        batch = BatchCreate.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    items = data["projects"]  # as parsed, with their problems marked (validation made plain copies)
    if len(batch.projects) > settings.batch_limit:
        raise ProblemError(
            422,
            "batch-too-large",
            "Too many projects",
            f"projects: {len(batch.projects)} projects; at most {settings.batch_limit} per batch",
            [
                {
                    "code": "request_batch_too_large",
                    "field": "projects",
                    "line": None,
                    "message": f"at most {settings.batch_limit} projects per batch",
                    "hint": "split the batch",
                }
            ],
        )
    results = await in_worker(request, lambda gate: service.create_many(items, request.url.path, gate))
    return Response(json.dumps({"results": results}, ensure_ascii=False), media_type="application/json")


@router.get("/{screening_id}", response_model=ScreeningPublic, responses={404: _problem(404, "no such record")})
async def read_screening(
    request: Request,
    screening_id: ScreeningId,
    service: ServiceDep,
    rerun: Annotated[bool, Query(description="screen the stored input again with today's rules and zones")] = False,
) -> Any:
    """Return a stored screening; with `rerun=true`, also today's decision and whether it agrees."""
    return await in_worker(request, lambda _: _read(service, screening_id, rerun))


def _read(service: Service, screening_id: str, rerun: bool) -> dict[str, Any]:
    return service.read(screening_id, rerun=rerun)

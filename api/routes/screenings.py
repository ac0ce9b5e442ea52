"""POST /v1/screenings, POST /v1/screenings/batch, GET /v1/screenings (filtered, paged), GET
/v1/screenings/export (CSV, Excel), GET /v1/screenings/{id}."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from screening.sources.json_doc import first_problem, load_marked

from ..deps import ServiceDep, SettingsDep
from ..problems import Problem, ProblemError, localized, request_lang
from ..records import Filters, ScreeningRecord
from ..schemas import (
    PROJECT_EXAMPLE,
    PROJECT_YAML_EXAMPLE,
    BatchCreate,
    BatchPublic,
    ImpactReport,
    ProjectCreate,
    ScreeningPage,
    ScreeningPublic,
)
from ..service import JSON_TYPES, Service, StoreGate, check_media_type, decode
from ..settings import Settings

router = APIRouter(prefix="/v1/screenings", tags=["screenings"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@")

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
    lang = request_lang(request)  # a project's problem in the asker's language, like any problem
    for r in results:
        if "error" in r:
            r["error"] = localized(r["error"], lang, service.screener.vocabulary)
    return Response(json.dumps({"results": results}, ensure_ascii=False), media_type="application/json")


Admissibility = Literal["admissible", "conditional", "prohibited", "needs_manual_review", "not_assessed"]
PROJECT_CODE = r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$"
EXPORT_COLUMNS = (
    "id",
    "created_at",
    "project_name",
    "project_id",
    "project_code",
    "status",
    "tier",
    "national_tier",
    "admissibility",
    "pack_versions",
    "envscreen_version",
)


def _filters(
    service: ServiceDep,
    created_from: Annotated[dt.date | None, Query(description="from this UTC day (included)")] = None,
    created_to: Annotated[dt.date | None, Query(description="to this UTC day (included)")] = None,
    tier: Annotated[str | None, Query(description="final tier, e.g. report_form", max_length=64)] = None,
    admissibility: Annotated[Admissibility | None, Query()] = None,
    pack_version: Annotated[
        str | None,
        Query(description="records decided with this pack: id@version, or a version alone", max_length=200),
    ] = None,
    project_code: Annotated[
        str | None,
        Query(description="the national 项目代码", pattern=PROJECT_CODE, examples=["2020-330999-26-03-012345"]),
    ] = None,
) -> Filters:
    tiers = {t for p in service.screener.rules.packs for t in p.tiers}
    if tier is not None and tier not in tiers:
        close = difflib.get_close_matches(tier, sorted(tiers), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(sorted(tiers))}"
        _bad_filter("tier", f"unknown tier '{tier}'", hint)
    if created_from and created_to and created_from > created_to:
        _bad_filter("created_from", "created_from is after created_to", "swap the two dates")
    return Filters(created_from, created_to, tier, admissibility, pack_version, project_code)


def _bad_filter(field: str, message: str, hint: str) -> None:
    raise ProblemError(
        422,
        "invalid-request",
        "The request is not valid",
        f"{field}: {message}",
        [{"code": "request_bad_filter", "field": field, "line": None, "message": message, "hint": hint}],
    )


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get("", response_model=ScreeningPage, responses={422: _problem(422, "a filter is not valid")})
async def list_screenings(
    request: Request,
    service: ServiceDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=500, description="records per page")] = 50,
    offset: Annotated[int, Query(ge=0, description="records to skip (newest first)")] = 0,
) -> Any:
    """List stored screenings, newest first, filtered by date, tier, admissibility, pack version or
    项目代码; `total` counts every record that passes, `next` is the next page."""
    total, records = await anyio.to_thread.run_sync(lambda: service.records.search(filters, limit=limit, offset=offset))
    more = offset + len(records) < total
    next_url = request.url.include_query_params(offset=offset + limit) if more else None
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": [_summary(r) for r in records],
        "next": f"{next_url.path}?{next_url.query}" if next_url is not None else None,
    }


@router.get(
    "/export",
    responses={
        200: {
            "description": "every record that passes the filters, as CSV (UTF-8 with BOM) or an Excel workbook",
            "content": {"text/csv": {}, XLSX: {}},
        },
        422: _problem(422, "a filter is not valid"),
    },
    response_class=Response,
)
async def export_screenings(
    service: ServiceDep,
    filters: FiltersDep,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")] = "csv",
) -> Response:
    """Export the stored screenings that pass the same filters as the list: one row each."""
    name = f"screenings.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "xlsx":
        body = await anyio.to_thread.run_sync(lambda: _xlsx(service.records.each(filters)))
        return Response(body, media_type=XLSX, headers=headers)
    return StreamingResponse(_csv(service.records.each(filters)), media_type="text/csv; charset=utf-8", headers=headers)


def _summary(r: ScreeningRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "created_at": r.created_at,
        "project_name": r.project_name,
        "project_id": r.project_id,
        "project_code": r.project_code,
        "status": r.status,
        "tier": r.tier,
        "national_tier": r.national_tier,
        "admissibility": r.admissibility,
        "pack_versions": (r.pack_versions or "").split(),
        "envscreen_version": r.envscreen_version,
    }


def _export_row(r: ScreeningRecord) -> list[Any]:
    row = _summary(r)
    row["created_at"] = r.created_at.isoformat().replace("+00:00", "Z")
    row["pack_versions"] = "; ".join(row["pack_versions"])
    return [row[c] for c in EXPORT_COLUMNS]


def _csv(records: Iterator[ScreeningRecord]) -> Iterator[str]:
    """CSV text, a chunk of rows at a time (StreamingResponse runs this in a thread)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM: Excel then reads the file as UTF-8, not GBK
    writer.writerow(EXPORT_COLUMNS)
    for i, r in enumerate(records, 1):
        # a project name is user input: text that a spreadsheet would run as a formula is quoted
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in FORMULA_START else v for v in _export_row(r)])
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx(records: Iterator[ScreeningRecord]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("screenings")
    sheet.append(list(EXPORT_COLUMNS))
    for r in records:
        cells: list[Any] = []
        for v in _export_row(r):
            if isinstance(v, str) and v.startswith("="):  # openpyxl would write it as a formula
                cell = WriteOnlyCell(sheet, v)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(v)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/impact", response_model=ImpactReport, responses={422: _problem(422, "a filter is not valid")})
async def screenings_impact(
    request: Request,
    service: ServiceDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=500, description="records screened again per page")] = 100,
    offset: Annotated[int, Query(ge=0, description="records to skip (newest first)")] = 0,
) -> Any:
    """Impact of today's rules and zones on past advice: screen a page of the stored screenings
    that pass the filters again and list each one whose tier, national tier, status,
    admissibility or procedure changes, old -> new, with the rules that hold now and not then
    (or then and not now), and a summary of the moves. Nothing is stored."""
    report = await in_worker(request, lambda _: service.impact(filters, limit=limit, offset=offset))
    more = offset + report["checked"] < report["total"]
    report["next"] = str(request.url.include_query_params(offset=offset + limit)) if more else None
    return report


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

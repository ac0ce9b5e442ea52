"""The FastAPI application: `create_app(settings)`; `envscreen serve` runs it under uvicorn.

Rules and zones are loaded once per worker process at start-up (lifespan) and held in
`app.state`; a request only parses, screens and stores. durable-rules is not thread-safe:
`Screener` serialises engine calls with one process-wide lock, so the service scales with
uvicorn worker processes, not threads."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from screening import Screener

from . import problems
from .catalog import Catalog
from .problems import ProblemError
from .records import Records, make_engine
from .routes import codes, health, questions, report, rule_packs, screenings, sites, vocabulary, zones
from .service import ENVSCREEN_VERSION, Service
from .settings import Settings

log = logging.getLogger("envscreen.api")
STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """\
EIA access screening (环评准入预审) over HTTP: the tier under the 2021 classification
directory and the local packs, admissibility of the site on the zone layers, with the rules
that fired, their citations and evidence. Every screening is stored and can be re-run.

Errors are `application/problem+json` (RFC 9457) with `errors: [{code, field, line, message, hint}]`.

> envscreen gives screening advice. The competent environmental authority's decision prevails.
"""


class BodyTooLarge(ProblemError):
    """Raised while reading a request body that grows past the limit (no or a false Content-Length)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "body-too-large",
            "Request body too large",
            f"the body is larger than {limit} bytes",
            [
                {
                    "code": "input_too_large",
                    "field": None,
                    "line": None,
                    "message": f"at most {limit} bytes",
                    "hint": "send a smaller project, or a batch in parts",
                }
            ],
        )


class BodyLimit:
    """Refuse bodies over `limit` bytes before they are buffered: by Content-Length at once,
    and by counting as the body streams in (a chunked body has no Content-Length)."""

    def __init__(self, app: ASGIApp, limit: int, paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.paths = paths or {}  # a path with a limit of its own (site file uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope.get("path", ""), self.limit)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            path = scope.get("path")
            await problems.problem_response(BodyTooLarge(limit), path)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


def _zones_arg(settings: Settings) -> Any:
    """What `Screener(zones=...)` gets: a directory or postgresql:// URL, None (bundled) or False (none)."""
    if settings.zones is not None and settings.zones.lower() in ("none", "off", "false"):
        return False
    return settings.zones


def build_service(settings: Settings, screener: Screener | None = None) -> Service:
    """Load rules, zones and the database: everything a worker needs before its first request."""
    if screener is None:
        # THE place where zones reach the screener (docs/zones.md): a ZoneSet is built from
        # settings.zones (directory, postgresql:// URL, bundled default) and indexed once here.
        screener = Screener(settings.rules_dir, zones=_zones_arg(settings), bundled_rules=settings.bundled_rules)
    try:
        zone_set = screener.zones  # loads the bundled layers now rather than on the first site
    except ImportError:
        # screening.zones.layers not present in this checkout yet: serve without zone layers.
        log.warning("zone layers unavailable: screening.zones.layers cannot be imported")
        zone_set = None
    records = Records(make_engine(settings.database_url))
    records.create_tables()
    return Service(screener=screener, records=records, zones=zone_set)


def create_app(settings: Settings | None = None, *, screener: Screener | None = None) -> FastAPI:
    """Return the app. `screener`: an already compiled Screener to share (tests); else one is built at start-up."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = build_service(settings, screener)
        catalog = Catalog(service.screener.rules, service.zones)
        catalog.zone_layers()  # reproject and index every layer now, not under the first requests
        # Move the loaded rules, vocabulary and zones out of the collector's reach: otherwise every
        # full collection walks that large, never-freed heap in the middle of some request
        # (measured: it is most of the p99 latency under load).
        gc.collect()
        gc.freeze()
        app.state.settings = settings
        # Few threads per process for screening work. The GIL and the engine lock let one thread
        # compute at a time anyway; with anyio's default 40, queued requests thrash the GIL and
        # p99 latency doubled under load (measured). Two: one computes while one waits on the database.
        app.state.limiter = anyio.CapacityLimiter(settings.screening_threads)
        app.state.service = service
        app.state.catalog = catalog
        try:
            yield
        finally:
            service.records.dispose()

    app = FastAPI(
        title="envscreen",
        version=ENVSCREEN_VERSION,
        summary="Rule engine for Chinese EIA access screening",
        description=DESCRIPTION,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        lifespan=lifespan,
    )
    problems.install(app)
    for module in (screenings, questions, report, rule_packs, zones, vocabulary, codes, health, sites):
        app.include_router(module.router)
    # Site files upload to their own path with their own (larger) limit; the multipart framing
    # adds a little to the file itself.
    site_limit = max(settings.max_body_bytes, settings.max_site_file_bytes + 64 * 1024)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, paths={"/v1/sites/parse": site_limit})
    _document_problems(app)
    # Last, so that it never shadows /v1 or /healthz: the web page (api/static/, its own developer).
    if STATIC_DIR.is_dir():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="static")
    return app


def _document_problems(app: FastAPI) -> None:
    """Make the spec say what the server does: every 4xx/5xx answer is application/problem+json
    (FastAPI documents its validation errors as application/json HTTPValidationError)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
        for path_item in spec.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                if "422" in responses or any(p.get("in") in ("path", "query") for p in operation.get("parameters", [])):
                    responses.setdefault("422", {"description": "the request is not valid"})
                for status, response in responses.items():
                    if status[0] in "45":
                        response["content"] = {"application/problem+json": problem}
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2)


def app_from_env() -> FastAPI:
    """The app for `envscreen serve`: each uvicorn worker process calls this with the settings in its environment."""
    return create_app(Settings.from_env())

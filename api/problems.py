"""Errors as RFC 9457 problem details (`application/problem+json`), never a traceback.

Every error response has `type`, `title`, `status`, `detail`, `instance` and `errors`, a list
of `{code, field, line, message, hint}` in the form `screening.EnvscreenError.to_dict()` gives."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from screening import EngineError, EnvscreenError
from screening.i18n import negotiate, normalize, tr, translate

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://envscreen.org/problems/"  # a stable identifier, not fetched by anyone
log = logging.getLogger("envscreen.api")


class ErrorItem(BaseModel):
    """One thing wrong with the request, located as precisely as the input allows."""

    code: str = Field(examples=["project_unknown_processes"])
    field: str | None = Field(default=None, examples=["processes"])
    line: int | None = Field(default=None, examples=[5])
    message: str = Field(examples=["unknown process 'electroplatng'"])
    hint: str | None = Field(default=None, examples=["did you mean 'electroplating'?"])


class Problem(BaseModel):
    """RFC 9457 problem details with envscreen's located errors."""

    type: str = Field(examples=[TYPE_BASE + "invalid-project"])
    title: str = Field(examples=["The project is not valid"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["processes: unknown process 'electroplatng'"])
    instance: str | None = Field(default=None, examples=["/v1/screenings"])
    errors: list[ErrorItem] = Field(default_factory=list)


class ProblemError(Exception):
    """Raised by handlers for any error response: carried to the client as problem+json."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        return {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "errors": self.errors,
        }


def error_item(exc: EnvscreenError) -> dict[str, Any]:
    d = exc.to_dict()
    return {k: d.get(k) for k in ("code", "field", "line", "message", "hint")}


def from_envscreen(exc: EnvscreenError) -> ProblemError:
    """A ProjectError or InputError is the client's mistake (422); anything else is ours (500)."""
    if isinstance(exc, EngineError) or exc.exit_code != 2:
        return ProblemError(500, "internal", "Internal error", "the screening engine failed; please report it")
    every = exc.every()  # every bad field, so all are fixed in one go; the first line's first
    where = f"{every[0].field}: " if every[0].field else ""
    errors = [error_item(e) for e in every]
    return ProblemError(422, "invalid-project", "The project is not valid", f"{where}{every[0].message}", errors)


def request_lang(request: Request) -> str:
    """The language of a response's texts: `?lang=zh|en`, else Accept-Language, else English."""
    asked = request.query_params.get("lang")
    if asked:
        return normalize(asked)
    return negotiate(request.headers.get("accept-language"))


def localized(body: dict[str, Any], lang: str, vocabulary: Any = None) -> dict[str, Any]:
    """A problem body (`ProblemError.to_dict`) with title, detail and every error's message and
    hint in `lang`; codes, fields and lines stay as they are."""
    if lang == "en":
        return body
    errors = [
        {
            **e,
            "message": translate(e.get("message"), lang, vocabulary),
            "hint": translate(e.get("hint"), lang, vocabulary),
        }
        for e in body.get("errors") or []
    ]
    detail = body.get("detail") or ""
    first = (body.get("errors") or [{}])[0]
    where = f"{first.get('field')}: " if first.get("field") else ""
    if where and detail.startswith(where):  # `field: message`, as from_envscreen writes it
        detail = where + (translate(detail[len(where) :], lang, vocabulary) or "")
    else:
        detail = translate(detail, lang, vocabulary) or ""
    return {**body, "title": tr(body.get("title") or "", lang), "detail": detail, "errors": errors}


def problem_response(problem: ProblemError, instance: str | None, lang: str = "en", vocabulary: Any = None) -> Response:
    body = json.dumps(localized(problem.to_dict(instance), lang, vocabulary), ensure_ascii=False).encode()
    headers = {**problem.headers, "Content-Language": "zh-CN" if lang == "zh" else "en", "Vary": "Accept-Language"}
    return Response(body, status_code=problem.status, media_type=MEDIA_TYPE, headers=headers)


def _respond(request: Request, problem: ProblemError) -> Response:
    service = getattr(request.app.state, "service", None)
    vocabulary = getattr(getattr(service, "screener", None), "vocabulary", None)
    return problem_response(problem, request.url.path, request_lang(request), vocabulary)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header")]
        out.append(
            {
                "code": f"request_{e.get('type', 'invalid')}".replace(".", "_"),
                "field": ".".join(loc) or None,
                "line": None,
                "message": str(e.get("msg", "invalid value")),
                "hint": None,
            }
        )
    return out


_TITLES = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return _respond(request, exc)

    @app.exception_handler(EnvscreenError)
    async def _envscreen(request: Request, exc: EnvscreenError) -> Response:
        return _respond(request, from_envscreen(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        where = f"{first['field']}: " if first["field"] else ""
        problem = ProblemError(422, "invalid-request", "The request is not valid", f"{where}{first['message']}", errors)
        return _respond(request, problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        slug, title = _TITLES.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        problem = ProblemError(exc.status_code, slug, title, detail, headers=dict(exc.headers or {}))
        return _respond(request, problem)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        # Logged with its traceback for the operator; the client sees only that it failed.
        log.exception("internal error on %s %s", request.method, request.url.path)
        problem = ProblemError(500, "internal", "Internal error", "the server failed to answer; please report it")
        return _respond(request, problem)

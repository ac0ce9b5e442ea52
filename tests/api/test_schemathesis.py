"""A bounded fuzz run with schemathesis against the app's own OpenAPI document, over real HTTP:
no 5xx, and every response's status, content type, headers and body conform to the spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import Settings, create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="session")
def fuzz_http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c


# The document is built from the routes alone (no start-up needed); a test below checks that
# the live server serves the same one.
SPEC: dict[str, Any] = create_app(Settings()).openapi()
schema = schemathesis.openapi.from_dict(SPEC)


def test_live_server_serves_this_spec(fuzz_http: httpx.Client) -> None:
    assert fuzz_http.get("/openapi.json").json() == SPEC


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi(case: schemathesis.Case, fuzz_http: httpx.Client) -> None:
    kwargs = case.as_transport_kwargs(base_url=str(fuzz_http.base_url).rstrip("/"))
    request = fuzz_http.build_request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        json=kwargs["json"] if "json" in kwargs else None,
        content=kwargs.get("data") if isinstance(kwargs.get("data"), str | bytes) else None,
        cookies=kwargs.get("cookies"),
    )
    response = fuzz_http.send(request)
    case.validate_response(response, checks=CHECKS)

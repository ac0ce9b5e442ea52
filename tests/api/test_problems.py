"""Errors are application/problem+json naming the field; limits: body size, media type, timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api import Settings
from screening import Screener

from .conftest import LiveServer

PROBLEM = "application/problem+json"


def post(client: httpx.Client, body: str | bytes, content_type: str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return client.post("/v1/screenings", content=content, headers={"content-type": content_type})


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "errors"}
    assert body["status"] == status
    assert "Traceback" not in r.text
    return body  # type: ignore[no-any-return]


def test_bad_yaml_project_names_field_and_line(client: httpx.Client) -> None:
    text = "name: 电镀厂\nconstruction: new\nindustry_codes: ['3360']\nindustrial_building: true\n"
    text += "processes: [electroplatng]\n"
    body = assert_problem(post(client, text, "text/yaml"), 422)
    err = body["errors"][0]
    assert err["field"].startswith("processes")
    assert err["line"] == 5
    assert "electroplating" in (err["hint"] or "")
    assert body["instance"] == "/v1/screenings"
    assert body["detail"].startswith("processes")


def test_bad_json_project_names_the_field(client: httpx.Client) -> None:
    project = {"name": "x", "construction": "new", "industry_codes": ["2110"], "colour": 1}
    body = assert_problem(client.post("/v1/screenings", json=project), 422)
    assert body["errors"][0]["code"] == "project_unknown_field"
    assert body["errors"][0]["field"] == "colour"


def test_json_syntax_error_gives_the_line(client: httpx.Client) -> None:
    body = assert_problem(post(client, b'{"name": "x",\n "construction": }', "application/json"), 422)
    assert body["errors"][0]["code"] == "json_syntax"
    assert body["errors"][0]["line"] == 2


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['true']\n",
        "a: &x [1]\nb: *x\n",
        "name: x\nconstruction: !!binary aGVsbG8=\n",
    ],
)
def test_unsafe_yaml_is_refused(client: httpx.Client, text: str) -> None:
    assert_problem(post(client, text, "application/yaml"), 422)


def test_deeply_nested_json_is_refused_not_crashed(client: httpx.Client) -> None:
    assert_problem(post(client, b"[" * 100_000 + b"]" * 100_000, "application/json"), 422)


def test_body_not_utf8(client: httpx.Client) -> None:
    body = assert_problem(post(client, b"name: \xff\xfe", "text/yaml"), 422)
    assert body["errors"][0]["code"] == "input_not_utf8"


def test_body_over_the_limit_is_413_by_content_length(client: httpx.Client) -> None:
    assert_problem(post(client, b"#" * (1024 * 1024 + 1), "text/yaml"), 413)


def test_body_just_under_the_limit_is_read(client: httpx.Client) -> None:
    # A YAML comment of almost 1 MiB: read, then refused by the project validator (no name).
    r = post(client, b"#" * (1024 * 1024 - 10), "text/yaml")
    assert r.status_code == 422, r.text


def test_body_over_the_limit_is_413_when_chunked(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"#" * 65536 + b"\n"

    r = client.post("/v1/screenings", content=chunks(), headers={"content-type": "text/yaml"})
    assert "content-length" not in r.request.headers
    assert_problem(r, 413)


def test_unsupported_media_type_is_415(client: httpx.Client) -> None:
    body = assert_problem(post(client, b"name=x", "text/plain"), 415)
    assert body["errors"][0]["field"] == "Content-Type"


def test_missing_media_type_is_415(client: httpx.Client) -> None:
    assert_problem(post(client, b"{}", ""), 415)


def test_unknown_path_is_404_problem(client: httpx.Client) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_wrong_method_is_405_problem(client: httpx.Client) -> None:
    assert_problem(client.delete("/v1/rule-packs"), 405)


@pytest.fixture()
def impatient(api_screener: Screener, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('timeout') / 'r.db'}"
    server = LiveServer(Settings(database_url=url, request_timeout_s=1e-9), api_screener).start()
    yield server
    server.stop()


def test_screening_past_the_timeout_is_503(impatient: LiveServer) -> None:
    import math

    # A screening that takes tens of milliseconds (a 3,000-vertex site located on the zones):
    # the worker thread gives up the GIL every few milliseconds, so the timeout is seen before
    # it stores. A bare project screens in about as long as one GIL slice and can win the race
    # (it then stores and answers 201, as designed).
    n = 3000
    ring = [
        [120.0 + 0.02 * math.cos(2 * math.pi * i / n), 29.3 + 0.02 * math.sin(2 * math.pi * i / n)] for i in range(n)
    ]
    project = {
        "name": "x",
        "construction": "new",
        "industry_codes": ["2110"],
        "location": {"crs": "wgs84", "polygon": ring},
    }
    with httpx.Client(base_url=impatient.url, timeout=60) as c:
        r = c.post("/v1/screenings", json=project)
    body = assert_problem(r, 503)
    assert r.headers["retry-after"] == "1"
    assert "timeout" in body["type"]


def test_too_many_vertices_is_the_site_parsers_422(client: httpx.Client) -> None:
    import math

    n = 10_050  # over the site parser's 10,000-vertex limit, under the 1 MiB body limit
    ring = [
        [round(120.0 + 0.01 * math.cos(2 * math.pi * i / n), 6), round(29.3 + 0.01 * math.sin(2 * math.pi * i / n), 6)]
        for i in range(n)
    ]
    project = {"name": "x", "construction": "new", "project_types": ["hospital"], "location": {"crs": "wgs84"}}
    project["location"]["polygon"] = ring  # type: ignore[index]
    body = assert_problem(client.post("/v1/screenings", json=project), 422)
    assert body["errors"][0]["code"] == "site_too_many_vertices"
    assert body["errors"][0]["field"].startswith("location")


def test_site_outside_china_names_the_location(client: httpx.Client) -> None:
    project = {
        "name": "x",
        "construction": "new",
        "project_types": ["hospital"],
        "location": {"crs": "wgs84", "point": [2.35, 48.85]},
    }
    body = assert_problem(client.post("/v1/screenings", json=project), 422)
    assert body["errors"][0]["code"] == "site_outside_china"
    assert body["errors"][0]["field"].startswith("location")

"""A screening past the request time limit: 503, and nothing stored, ever (a retry makes no duplicate)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import httpx
import pytest

from api import Settings
from api.records import Records, make_engine
from screening import Screener, project_from_data

from .conftest import LiveServer, _serve


def _star(n: int, r_deg: float) -> list[list[float]]:
    """Spikes across the sample county: the slowest outline to locate within the vertex limit."""
    return [
        [
            119.96 + r_deg * (1 - 0.9 * (i % 2)) * math.cos(2 * math.pi * i / n),
            29.28 + r_deg * (1 - 0.9 * (i % 2)) * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]


SLOW = {
    "name": "slow",
    "construction": "new",
    "industry_codes": ["2110"],
    "industrial_building": True,
    "processes": [],
    "location": {"crs": "wgs84", "polygon": _star(1000, 0.15)},
}


@pytest.fixture(scope="module")
def hasty(api_screener: Screener, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """A server whose time limit is far shorter than the slow project's screening."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hasty') / 'records.db'}"
    for server in _serve(Settings(database_url=url, request_timeout_s=0.05), api_screener):
        yield server, url


def _count(url: str) -> int:
    records = Records(make_engine(url))
    try:
        return records.count()
    finally:
        records.dispose()


@pytest.mark.parametrize("path", ["/v1/screenings", "/v1/screenings/batch"])
def test_a_timed_out_screening_is_never_stored(
    hasty: tuple[LiveServer, str], api_screener: Screener, path: str
) -> None:
    server, url = hasty
    started = time.perf_counter()
    api_screener.screen(project_from_data(SLOW, api_screener.vocabulary))
    took = time.perf_counter() - started
    assert took > 0.5, "the project must be slower than the server's time limit"
    body = {"projects": [SLOW]} if path.endswith("batch") else SLOW
    before = _count(url)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for _ in range(2):  # the retry too
            r = client.post(path, json=body)
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "1"
            assert "nothing was stored" in r.json()["detail"]
    # The abandoned screenings finish in the background; none of them may store its record.
    time.sleep(3 * took + 1)
    assert _count(url) == before

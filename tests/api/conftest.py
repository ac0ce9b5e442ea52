"""A real HTTP server on a free loopback port for the API tests (and the browser tests).

`live_server` is the app with an SQLite record store and the web page; `db_server` is the
same app once per database (SQLite always; PostgreSQL when ENVSCREEN_TEST_POSTGRES_URL is
set, which scripts/test.sh does; in CI a missing PostgreSQL fails instead of skipping)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api import Settings, create_app
from screening import Screener


class LiveServer:
    """uvicorn serving `create_app(settings)` in a thread; `url` is its base URL."""

    def __init__(self, settings: Settings, screener: Screener) -> None:
        self.settings = settings
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(settings, screener=screener), log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start (see the log above)")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def postgres_url() -> str:
    url = os.environ.get("ENVSCREEN_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "CI runs the PostgreSQL tests: ENVSCREEN_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)"
            )
        pytest.skip("no PostgreSQL: run scripts/test.sh, or set ENVSCREEN_TEST_POSTGRES_URL")
    return url


def database_url(kind: str, tmp: Path) -> str:
    return f"sqlite:///{tmp / 'records.db'}" if kind == "sqlite" else postgres_url()


@pytest.fixture(scope="session")
def api_screener(screener: Screener) -> Screener:
    """The bundled rules and zones, compiled once and shared by every test server."""
    return screener


def _serve(settings: Settings, screener: Screener) -> Iterator[LiveServer]:
    server = LiveServer(settings, screener).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live(api_screener: Screener, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(database_url=database_url("sqlite", tmp_path_factory.mktemp("live")), batch_limit=5)
    yield from _serve(settings, api_screener)


@pytest.fixture(scope="session")
def live_server(live: LiveServer) -> str:
    """The base URL (http://127.0.0.1:PORT) of the app, with the web page at `/`."""
    return live.url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_server(
    request: pytest.FixtureRequest, api_screener: Screener, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app once per records database."""
    url = database_url(request.param, tmp_path_factory.mktemp(request.param))
    yield from _serve(Settings(database_url=url), api_screener)


@pytest.fixture(scope="session")
def client(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def db_client(db_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=db_server.url, timeout=30) as c:
        yield c

"""`envscreen serve` bounds a request head: its size (431) and the time it takes to arrive (408).

A real `envscreen serve` process on a loopback port, spoken to with raw sockets: uvicorn alone
answered a 40 KB head with 200 and kept a half-sent request line open for ever."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

TIMEOUT_S = 2.0  # ENVSCREEN_HEADER_TIMEOUT_S for the server under test (default 10)
LIMIT = 16 * 1024  # the default ENVSCREEN_MAX_HEADER_BYTES
ENVSCREEN = Path(sys.executable).with_name("envscreen")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    port = _free_port()
    db = tmp_path_factory.mktemp("serve") / "records.db"
    env = dict(os.environ, ENVSCREEN_HEADER_TIMEOUT_S=str(TIMEOUT_S))
    env.pop("ENVSCREEN_MAX_HEADER_BYTES", None)
    cmd = [str(ENVSCREEN), "serve", "--port", str(port), "--zones", "none", "--database-url", f"sqlite:///{db}"]
    proc = subprocess.Popen([*cmd, "--log-level", "warning"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("envscreen serve did not start")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _read_until_closed(sock: socket.socket, limit_s: float = 3 * TIMEOUT_S + 2) -> tuple[bytes, float]:
    """Everything the server sends until it closes; and the seconds that took."""
    start = time.monotonic()
    sock.settimeout(limit_s)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {limit_s} s")
    return out, time.monotonic() - start


def _read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body), leaving the connection open."""
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(v for k, _, v in (h.partition(b": ") for h in head.split(b"\r\n")) if k == b"content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close while a large head is still being sent


def _head(extra: bytes = b"", method: bytes = b"GET", path: bytes = b"/healthz") -> bytes:
    return method + b" " + path + b" HTTP/1.1\r\nHost: localhost\r\n" + extra + b"\r\n"


@pytest.mark.parametrize("pieces", [1, 8])
def test_a_head_over_the_limit_is_431_and_closed(server: tuple[str, int], pieces: int) -> None:
    head = _head(b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000) for i in range(40)))
    with socket.create_connection(server) as sock:
        step = len(head) // pieces + 1
        for i in range(0, len(head), step):
            _send(sock, head[i : i + step])
        answer, _ = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    assert b"connection: close" in answer


def test_a_head_just_under_the_limit_with_a_large_body_is_served(server: tuple[str, int]) -> None:
    # One send: the head and a 200 KB body arrive together; only the head counts.
    body = b'{"name": "x", "construction": "new", "project_types": ["hospital"], "description": "' + b"d" * 200_000
    body += b'"}'
    extra = b"X-Filler: " + b"a" * (LIMIT - 200) + b"\r\nContent-Type: application/json\r\n"
    extra += b"Content-Length: %d\r\nConnection: close\r\n" % len(body)
    with socket.create_connection(server) as sock:
        _send(sock, _head(extra, b"POST", b"/v1/screenings") + body)
        answer, _ = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 422 "), answer[:80]  # the app's answer: description too long
    assert b"project_value_too_long" in answer


def test_a_second_request_on_a_kept_connection_is_bounded_too(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        _send(sock, _head())
        assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
        _send(sock, _head(b"X-Big: " + b"a" * (2 * LIMIT) + b"\r\n"))
        answer, _ = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]


@pytest.mark.parametrize("sent", [b"", b"GET /heal", b"GET /healthz HTTP/1.1\r\nHost: loc"])
def test_a_stalled_head_is_disconnected_within_the_timeout(server: tuple[str, int], sent: bytes) -> None:
    with socket.create_connection(server) as sock:
        _send(sock, sent)
        answer, elapsed = _read_until_closed(sock)
    assert TIMEOUT_S - 0.5 <= elapsed <= TIMEOUT_S + 1.5, elapsed
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:80]


def test_a_stall_after_a_kept_request_is_disconnected_within_the_timeout(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        _send(sock, _head())
        assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
        _send(sock, b"GET /healthz HT")
        answer, elapsed = _read_until_closed(sock)
    assert elapsed <= TIMEOUT_S + 1.5, elapsed
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]


def test_a_head_sent_slowly_but_within_the_timeout_is_served(server: tuple[str, int]) -> None:
    head = _head(b"Connection: close\r\n")
    with socket.create_connection(server) as sock:
        for i in range(0, len(head), len(head) // 4 + 1):
            _send(sock, head[i : i + len(head) // 4 + 1])
            time.sleep(TIMEOUT_S / 8)
        answer, _ = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:80]

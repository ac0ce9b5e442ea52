"""uvicorn's httptools protocol with the two bounds uvicorn lacks: request-head size and read time.

uvicorn (0.55) arms its only timer, `timeout_keep_alive`, after a response: a client that connects
and sends half a request line, or one header byte a minute, holds its connection forever. Its h11
protocol caps the head at `h11_max_incomplete_event_size`, but the httptools one it picks by
default buffers headers without limit. `envscreen serve` runs this class instead
(`http="api.protocol:BoundedHttpToolsProtocol"`); the limits come from `Settings`
(ENVSCREEN_MAX_HEADER_BYTES, ENVSCREEN_HEADER_TIMEOUT_S), read in each worker process.

The request body is not covered here: the app's BodyLimit and per-request timeout bound it.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .settings import Settings


@functools.cache
def _limits() -> tuple[int, float]:
    settings = Settings.from_env()
    return settings.max_header_bytes, settings.header_timeout_s


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Answer 431 to a request head over the size limit, 408 to one not complete within the timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head_bytes, self.head_timeout_s = _limits()
        self.head_timer: asyncio.TimerHandle | None = None
        # Counting runs from the connection, or the end of the previous request, to the first
        # blank line; it happens before the parser sees the bytes, so a head in one chunk counts too.
        self.counting = True
        self.head_bytes = 0
        self.tail = b""  # the last bytes seen, for a blank line split across chunks

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a client that connects and sends nothing is timed out too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.counting:
            window = self.tail + data
            end = window.find(b"\r\n\r\n")
            if end == -1:
                size, self.tail = self.head_bytes + len(data), window[-3:]
            else:
                size, self.counting = self.head_bytes + end + 4 - len(self.tail), False
            if size > self.max_head_bytes:
                self._refuse(431, f"request head over {self.max_head_bytes} bytes")
                return
            self.head_bytes = size
        super().data_received(data)

    # Parser callbacks. The timer runs from a request's first byte to its headers' end (between
    # requests uvicorn's keep-alive timer runs); counting restarts when a request has been read.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.counting, self.head_bytes, self.tail = True, 0, b""

    def _arm(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _disarm(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.transport.is_closing():
            self._refuse(408, f"request head not received within {self.head_timeout_s:g} s")

    def _refuse(self, status: int, message: str) -> None:
        self._disarm()
        self.logger.warning("%s from %s", message, self.client)
        body = message.encode("ascii")
        head = STATUS_LINE[status] + b"".join(
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        )
        head += b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        self.transport.write(head + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.transport.close()

"""The Dask worker plugin that builds a worker's Screener once (imported only with --scheduler)."""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from .run import install


class ScreenerPlugin(WorkerPlugin):  # type: ignore[misc]
    """Sent once to every worker of the cluster (and to each that joins later); `setup` builds
    the worker process's Screener for the token, unless it already has one from an earlier run."""

    def __init__(self, token: str, data: bytes) -> None:
        self.token = token
        self.data = data

    def setup(self, worker: Any) -> None:
        install(self.token, self.data)

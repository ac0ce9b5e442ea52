"""Run the HTTP API with uvicorn: the one entry point `envscreen serve` calls."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from .settings import Settings


def serve(
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    rules_dir: str | None,
    bundled_rules: bool,
    zones: str | None,
    database_url: str | None,
) -> None:
    """Start uvicorn; options given override the ENVSCREEN_* environment."""
    import uvicorn

    settings = Settings.from_env()
    overrides: dict[str, Any] = {"rules_dir": rules_dir, "zones": zones, "database_url": database_url}
    overrides["bundled_rules"] = False if not bundled_rules else None
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    # Worker processes build their app from the environment: settings travel that way.
    os.environ.update(settings.to_env())
    uvicorn.run(
        "api.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=log_level in ("debug", "trace", "info"),
        # uvicorn bounds neither the size nor the read time of a request head: this protocol does.
        http="api.protocol:BoundedHttpToolsProtocol",
        timeout_keep_alive=5,  # an idle keep-alive connection is closed after this many seconds
    )

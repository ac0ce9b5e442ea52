"""Service settings, read from environment variables (so uvicorn worker processes see them)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///envscreen.db"


@dataclass(frozen=True)
class Settings:
    """Everything `create_app` needs; `from_env` is the one place the environment is read.

    `zones`: a zones directory or a postgresql:// URL; None for the bundled sample region;
    "none" for no zone layers at all.
    """

    rules_dir: str | None = None  # packs added on top of the bundled nationwide ones
    bundled_rules: bool = True  # False: rules_dir alone (ENVSCREEN_BUNDLED_RULES=0)
    zones: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = 1024 * 1024
    # POST /v1/sites/parse: an uploaded site file (a CAD drawing with its red line) may be larger.
    max_site_file_bytes: int = 10 * 1024 * 1024
    request_timeout_s: float = 10.0
    batch_limit: int = 100
    screening_threads: int = 2
    bbox_feature_limit: int = 5000
    # `envscreen serve` (api/protocol.py): the request line and headers must fit in this many bytes
    # and arrive within this many seconds of the connection, or of a keep-alive request's first byte.
    max_header_bytes: int = 16 * 1024
    header_timeout_s: float = 10.0

    ENV = {
        "rules_dir": "ENVSCREEN_RULES",
        "bundled_rules": "ENVSCREEN_BUNDLED_RULES",
        "zones": "ENVSCREEN_ZONES",
        "max_body_bytes": "ENVSCREEN_MAX_BODY_BYTES",
        "max_site_file_bytes": "ENVSCREEN_MAX_SITE_FILE_BYTES",
        "request_timeout_s": "ENVSCREEN_REQUEST_TIMEOUT_S",
        "batch_limit": "ENVSCREEN_BATCH_LIMIT",
        "screening_threads": "ENVSCREEN_SCREENING_THREADS",
        "max_header_bytes": "ENVSCREEN_MAX_HEADER_BYTES",
        "header_timeout_s": "ENVSCREEN_HEADER_TIMEOUT_S",
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ENVSCREEN_* variables; the database from ENVSCREEN_DATABASE_URL, else DATABASE_URL."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        for name, var in cls.ENV.items():
            raw = env.get(var)
            if raw:
                kind = types[name]
                if kind == "bool":
                    values[name] = raw.strip().lower() not in ("0", "false", "no", "off")
                else:
                    values[name] = int(raw) if kind == "int" else float(raw) if kind == "float" else raw
        url = env.get("ENVSCREEN_DATABASE_URL") or env.get("DATABASE_URL")
        if url:
            values["database_url"] = url
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The variables that make `from_env` return these settings (for worker processes)."""
        out = {var: str(getattr(self, name)) for name, var in self.ENV.items() if getattr(self, name) is not None}
        out["ENVSCREEN_DATABASE_URL"] = self.database_url
        return out

"""Stored screening records: SQLAlchemy 2 models and a small repository.

SQLite (a file, no set-up) by default; PostgreSQL through a `postgresql+psycopg://` URL.
Tables are created at start-up with `metadata.create_all`; there are no migrations yet,
so a change to these columns needs a new table or a hand-written ALTER until Alembic is added.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import JSON, DateTime, Engine, String, Table, Text, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class ScreeningRecord(Base):
    """One piece of screening advice as it was given: the input, the decision and what produced it."""

    __tablename__ = "envscreen_screenings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    input_text: Mapped[str] = mapped_column(Text)
    input_media_type: Mapped[str] = mapped_column(String(64))
    project_name: Mapped[str] = mapped_column(String(500))
    # The decision is kept as the exact JSON text that was returned, so a record reproduces
    # the response byte for byte and is serialised once per request, not twice.
    decision_json: Mapped[str] = mapped_column(Text)
    rule_pack_versions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    zone_layer_versions: Mapped[dict[str, str]] = mapped_column(JSON)
    envscreen_version: Mapped[str] = mapped_column(String(64))


def new_id() -> str:
    """A random 32-hex-digit id (uuid4): unguessable, so ids are not an enumeration of advice given."""
    return uuid.uuid4().hex


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL (readers never block the writer) and a busy timeout,
    because several uvicorn worker processes write to the same file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # A plain postgresql:// URL would pick psycopg2, which is not installed: use psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        if parsed.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode loses at most the last transactions on power loss, never corrupts.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


@dataclass
class Records:
    """The repository: the only code that touches the records tables."""

    engine: Engine

    def create_tables(self) -> None:
        """Create missing tables. Worker processes start together and race here on a fresh
        database (check, then CREATE): the loser's CREATE fails, and its second look finds the table."""
        for attempt in range(3):
            try:
                Base.metadata.create_all(self.engine)
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == 2:
                    raise
                time.sleep(0.1 * (attempt + 1))

    def add(self, record: ScreeningRecord) -> None:
        self.add_many([record])

    def add_many(self, records: list[ScreeningRecord]) -> None:
        """Insert with one Core statement: a third of the cost of an ORM flush, measured under load."""
        if not records:
            return
        table = cast(Table, ScreeningRecord.__table__)
        rows = [{c.name: getattr(r, c.key) for c in table.columns} for r in records]  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            conn.execute(insert(table), rows)

    def get(self, record_id: str) -> ScreeningRecord | None:
        with Session(self.engine, expire_on_commit=False) as session:
            record = session.get(ScreeningRecord, record_id)
            if record is not None and record.created_at.tzinfo is None:
                # SQLite stores no time zone; every record is written in UTC.
                record.created_at = record.created_at.replace(tzinfo=dt.UTC)
            return record

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def count(self) -> int:
        from sqlalchemy import func

        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(ScreeningRecord)) or 0)

    def dispose(self) -> None:
        self.engine.dispose()

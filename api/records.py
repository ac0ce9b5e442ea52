"""Stored screening records: SQLAlchemy 2 models and a small repository.

SQLite (a file, no set-up) by default; PostgreSQL through a `postgresql+psycopg://` URL.
Tables are created at start-up with `metadata.create_all`; there are no migrations yet,
so a change to these columns needs a new table or a hand-written ALTER until Alembic is added.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Select,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
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
    # Copied out of the decision for GET /v1/screenings filters (added after the first release:
    # `Records.create_tables` adds them to an older table and fills them from decision_json).
    project_code: Mapped[str | None] = mapped_column(String(32), index=True, default=None)  # the national 项目代码
    project_id: Mapped[str | None] = mapped_column(String(500), default=None)
    status: Mapped[str | None] = mapped_column(String(32), default=None)
    tier: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    national_tier: Mapped[str | None] = mapped_column(String(32), default=None)
    admissibility: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    # " id@version id@version ": the directory edition and the local packs that decided it, space-
    # delimited on both ends so a LIKE '% id@version %' (or '%@version %') matches whole tokens.
    pack_versions: Mapped[str | None] = mapped_column(Text, default=None)


# The filter columns an older table lacks, with their SQL types (both dialects).
_ADDED = {
    "project_code": "VARCHAR(32)",
    "project_id": "VARCHAR(500)",
    "status": "VARCHAR(32)",
    "tier": "VARCHAR(32)",
    "national_tier": "VARCHAR(32)",
    "admissibility": "VARCHAR(32)",
    "pack_versions": "TEXT",
}


def index_fields(decision: dict[str, Any], project_code: str | None) -> dict[str, Any]:
    """The filter columns of a record, from its decision in the JSON form."""
    packs = [decision.get("rule_pack") or {}, *(decision.get("rule_packs") or [])]
    tokens = [f"{p['id']}@{p['version']}" for p in packs if p.get("id")]
    admissibility = decision.get("admissibility") or {}
    return {
        "project_code": project_code,
        "project_id": (decision.get("project_id") or None) and str(decision["project_id"])[:500],
        "status": decision.get("status"),
        "tier": decision.get("tier"),
        "national_tier": decision.get("national_tier"),
        "admissibility": admissibility.get("status"),
        "pack_versions": f" {' '.join(tokens)} " if tokens else " ",
    }


@dataclass(frozen=True)
class Filters:
    """GET /v1/screenings filters; None: not filtered. Dates are UTC days, both ends included."""

    created_from: dt.date | None = None
    created_to: dt.date | None = None
    tier: str | None = None
    admissibility: str | None = None
    pack_version: str | None = None  # "id@version", or a version alone
    project_code: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        r = ScreeningRecord
        if self.created_from is not None:
            query = query.where(r.created_at >= _utc_day(self.created_from))
        if self.created_to is not None:
            query = query.where(r.created_at < _utc_day(self.created_to + dt.timedelta(days=1)))
        if self.tier is not None:
            query = query.where(r.tier == self.tier)
        if self.admissibility is not None:
            query = query.where(r.admissibility == self.admissibility)
        if self.project_code is not None:
            query = query.where(r.project_code == self.project_code)
        if self.pack_version is not None:
            token = self.pack_version if "@" in self.pack_version else "@" + self.pack_version
            pattern = _like_escape(token) + " %"
            pattern = ("% " if "@" in self.pack_version else "%") + pattern
            query = query.where(r.pack_versions.like(pattern, escape="\\"))
        return query


def _utc_day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
                self._add_filter_columns()
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == 2:
                    raise
                time.sleep(0.1 * (attempt + 1))

    def _add_filter_columns(self) -> None:
        """A table made before the filter columns gets them (ALTER TABLE, no migration tool yet),
        and its records get their values from the stored decisions."""
        table = ScreeningRecord.__tablename__
        have = {c["name"] for c in inspect(self.engine).get_columns(table)}
        missing = [name for name in _ADDED if name not in have]
        if not missing:
            return
        with self.engine.begin() as conn:
            for name in missing:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {_ADDED[name]}"))
        self.backfill()

    def backfill(self, batch: int = 500) -> int:
        """Fill the filter columns of records stored before they existed (status is NULL)."""
        import json

        done = 0
        while True:
            with self.engine.begin() as conn:
                found = conn.execute(
                    select(ScreeningRecord.id, ScreeningRecord.decision_json)
                    .where(ScreeningRecord.status.is_(None))
                    .limit(batch)
                ).all()
                for record_id, decision_json in found:
                    fields = index_fields(json.loads(decision_json), None)
                    del fields["project_code"]  # not in the decision: the stored input keeps it
                    fields["status"] = fields["status"] or "unknown"  # never picked up again
                    conn.execute(update(ScreeningRecord).where(ScreeningRecord.id == record_id).values(**fields))
            done += len(found)
            if len(found) < batch:
                return done

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
            return _utc(record) if record is not None else None

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def count(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(ScreeningRecord)) or 0)

    def search(self, filters: Filters, *, limit: int, offset: int) -> tuple[int, list[ScreeningRecord]]:
        """The records that pass `filters`, newest first: how many in all, and one page of them."""
        with Session(self.engine, expire_on_commit=False) as session:
            total = session.scalar(filters.apply(select(func.count()).select_from(ScreeningRecord)))
            page = session.scalars(_ordered(filters).limit(limit).offset(offset)).all()
        return int(total or 0), [_utc(r) for r in page]

    def each(self, filters: Filters, chunk: int = 1000) -> Iterator[ScreeningRecord]:
        """Every record that passes `filters`, newest first, read `chunk` at a time (exports)."""
        offset = 0
        while True:
            with Session(self.engine, expire_on_commit=False) as session:
                page = session.scalars(_ordered(filters).limit(chunk).offset(offset)).all()
            yield from (_utc(r) for r in page)
            if len(page) < chunk:
                return
            offset += chunk

    def dispose(self) -> None:
        self.engine.dispose()


def _ordered(filters: Filters) -> Select[Any]:
    # id breaks ties between records of the same instant, so pages never overlap or skip.
    return filters.apply(select(ScreeningRecord)).order_by(ScreeningRecord.created_at.desc(), ScreeningRecord.id.desc())


def _utc(record: ScreeningRecord) -> ScreeningRecord:
    if record.created_at.tzinfo is None:
        # SQLite stores no time zone; every record is written in UTC.
        record.created_at = record.created_at.replace(tzinfo=dt.UTC)
    return record

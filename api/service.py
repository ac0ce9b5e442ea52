"""What the routes do, without HTTP: parse a submitted project, screen it, store the record.

Everything here is synchronous and runs in a worker thread: `Screener.screen` serialises
its durable-rules calls with one process-wide lock (durable-rules is not thread-safe), so
threads only overlap on parsing, serialising and the database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from screening import EnvscreenError, InputError, Project, Screener, parse_project, project_from_data
from screening.batch.impact import FIELDS, compare, outcome_of_decision, value_changes
from screening.report.render import decision_to_dict
from screening.sources.json_doc import first_problem, parse_json

from .problems import ProblemError
from .records import Records, ScreeningRecord, index_fields, new_id

log = logging.getLogger("envscreen.api")

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml")
# Fields of a decision that are expected to differ on a rerun and do not count as disagreement.
RERUN_IGNORED = frozenset({"screened_on"})

try:
    ENVSCREEN_VERSION = package_version("envscreen")
except PackageNotFoundError:  # running from a checkout that was never installed
    ENVSCREEN_VERSION = "0+unknown"


def media_type_of(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`; `application/ld+json` counts as JSON."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    if base.endswith("+json"):
        return "application/json"
    if base.endswith("+yaml"):
        return "application/yaml"
    return base


def check_media_type(content_type: str | None, allowed: tuple[str, ...] = JSON_TYPES + YAML_TYPES) -> str:
    """Return the media type when it is one of `allowed`; raise a 415 problem otherwise."""
    media = media_type_of(content_type)
    if media in allowed:
        return media
    shown = media or "none"
    wanted = " or ".join(sorted({"application/json" if a in JSON_TYPES else "application/yaml" for a in allowed}))
    raise ProblemError(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        f"this body is sent as {wanted}, not '{shown}'",
        [
            {
                "code": "request_unsupported_media_type",
                "field": "Content-Type",
                "line": None,
                "message": f"unsupported media type '{shown}'",
                "hint": f"set Content-Type: {wanted}",
            }
        ],
    )


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "input_not_utf8", f"the body is not UTF-8 (byte {exc.start})", hint="send UTF-8 text"
        ) from None


class TimedOut(Exception):
    """Raised in a worker thread that would store after its request was answered with a timeout."""


class StoreGate:
    """Decides once, for one request, between storing its records and answering it with a timeout.

    A Python thread cannot be stopped, so a screening that outlives its request keeps running;
    the worker passes this gate before it stores and the request asks it when its time is up:
    whichever comes first wins. A request that timed out has stored nothing (a retry makes no
    duplicate); a worker that had begun storing is waited for and its answer returned."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "open"  # open -> storing | expired
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    @contextlib.contextmanager
    def storing(self) -> Iterator[None]:
        """Enter before storing; raises TimedOut when the request has already timed out."""
        with self._lock:
            if self._state == "expired":
                raise TimedOut
            self._state = "storing"
        yield

    def expire(self) -> bool:
        """Called when the request's time is up: True when nothing was or will be stored."""
        with self._lock:
            if self._state == "open":
                self._state = "expired"
            return self._state == "expired"

    def finish(self, value: Any = None, error: BaseException | None = None) -> None:
        self._value, self._error = value, error
        self._done.set()

    def wait(self) -> Any:
        """The worker's result (or its exception raised here), once it has finished."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


def _storing(gate: StoreGate | None) -> contextlib.AbstractContextManager[None]:
    return gate.storing() if gate is not None else contextlib.nullcontext()


@dataclass
class Service:
    """Loaded once at start-up (lifespan) and shared by every request of a worker process."""

    screener: Screener
    records: Records
    zones: Any = None  # a screening.zones.layers.ZoneSet, or None when no layers are loaded
    rule_pack_versions: list[dict[str, Any]] = field(default_factory=list)
    zone_layer_versions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rules = self.screener.rules
        packs = [
            {"id": p.id, "version": p.version, "kind": "directory", "jurisdiction": p.jurisdiction} for p in rules.packs
        ]
        packs += [
            {"id": p.id, "version": p.version, "kind": "local", "jurisdiction": p.jurisdiction}
            for p in rules.local_packs
        ]
        self.rule_pack_versions = packs
        if self.zones is not None:
            self.zone_layer_versions = dict(self.zones.versions())
        self._versions_json = json.dumps(self.versions(), ensure_ascii=False)

    def versions(self) -> dict[str, Any]:
        return {"rule_packs": self.rule_pack_versions, "zone_layers": self.zone_layer_versions}

    # -- parse ------------------------------------------------------------------------------

    def parse(self, text: str, media_type: str, source: str = "<request>") -> Project:
        """Validate a project given as JSON or YAML text; raise EnvscreenError naming the field."""
        vocab = self.screener.vocabulary
        if media_type in YAML_TYPES:
            return parse_project(text, vocab, source=source)  # safe YAML: no tags, no aliases, size limit
        # Strict: a duplicate key, an over-long number or a lone surrogate is refused with its field.
        return project_from_data(parse_json(text, source=source), vocab, source=source)

    # -- screen and record --------------------------------------------------------------------

    def screen(self, project: Project, on: dt.date) -> str:
        """Return the decision as its JSON text (serialised once: stored and returned as is)."""
        return self._screen(project, on)[1]

    def _screen(self, project: Project, on: dt.date) -> tuple[dict[str, Any], str]:
        decision = decision_to_dict(self.screener.screen(project, on=on), self.screener.vocabulary)
        return decision, json.dumps(decision, ensure_ascii=False, default=str)

    def questions(self, text: str, media_type: str) -> str:
        """The questions for a project (nothing stored), as JSON text."""
        from screening.report.render import questions_to_dict

        decision = self.screener.screen(self.parse(text, media_type), on=dt.datetime.now(dt.UTC).date())
        return json.dumps(questions_to_dict(decision, self.screener.vocabulary), ensure_ascii=False, default=str)

    def report(self, text: str, media_type: str, fmt: str) -> tuple[bytes, str]:
        """The pre-screening opinion of a project (nothing stored): the document's bytes and the
        project's name. The site map is drawn as `check --map` draws it."""
        from screening.report.document import render_report, site_map_png

        project = self.parse(text, media_type)
        decision = self.screener.screen(project, on=dt.datetime.now(dt.UTC).date())
        png = site_map_png(project, self.screener.zones, self.screener.buffer_m)
        document = render_report(decision, self.screener.vocabulary, fmt, project=project, site_map=png)
        return document, project.name

    def create(
        self, text: str, media_type: str, *, store: bool = True, gate: StoreGate | None = None
    ) -> ScreeningRecord:
        now = dt.datetime.now(dt.UTC)
        project = self.parse(text, media_type)
        decision, decision_json = self._screen(project, now.date())
        record = ScreeningRecord(
            id=new_id(),
            created_at=now,
            input_text=text,
            input_media_type=media_type,
            project_name=project.name[:500],
            decision_json=decision_json,
            rule_pack_versions=self.rule_pack_versions,
            zone_layer_versions=self.zone_layer_versions,
            envscreen_version=ENVSCREEN_VERSION,
            **index_fields(decision, project.project_code),
        )
        if store:
            with _storing(gate):
                self.records.add(record)
        return record

    def create_many(self, items: list[Any], instance: str, gate: StoreGate | None = None) -> list[dict[str, Any]]:
        """Screen each item on its own: a bad item gets a problem, the others are still screened and stored.

        `items` as `json_source.load_marked` gives them: an item's duplicate key, over-long number
        or lone surrogate is that item's problem."""
        from .problems import from_envscreen

        results: list[dict[str, Any]] = []
        records: list[ScreeningRecord] = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                text, media = item, "application/yaml"
            else:
                text, media = "", "application/json"
            try:
                problem = first_problem(item, source="<request>")
                if problem is not None:
                    raise problem
                text = text or json.dumps(item, ensure_ascii=False)
                record = self.create(text, media, store=False)
            except EnvscreenError as exc:
                failed = from_envscreen(exc)
                results.append({"index": i, "error": failed.to_dict(f"{instance}#/projects/{i}")})
                continue
            records.append(record)
            results.append({"index": i, "id": record.id, "decision": json.loads(record.decision_json)})
        with _storing(gate):
            self.records.add_many(records)  # one transaction for the batch's records
        return results

    def public_json(self, record: ScreeningRecord) -> str:
        """The response to a create: built around the stored decision text, which is not parsed again."""
        head = json.dumps({"id": record.id, "created_at": _iso(record.created_at)})[:-1]
        return f'{head}, "decision": {record.decision_json}, "versions": {self._versions_json}}}'

    def read(self, record_id: str, *, rerun: bool) -> dict[str, Any]:
        record = self.records.get(record_id)
        if record is None:
            raise ProblemError(404, "not-found", "Not found", f"no screening with id '{record_id}'")
        stored = json.loads(record.decision_json)
        out: dict[str, Any] = {
            "id": record.id,
            "created_at": _iso(record.created_at),
            "decision": stored,
            "versions": {"rule_packs": record.rule_pack_versions, "zone_layers": record.zone_layer_versions},
            "project_name": record.project_name,
            "input": {"media_type": record.input_media_type, "text": record.input_text},
            "envscreen_version": record.envscreen_version,
        }
        if rerun:
            project = self.parse(record.input_text, record.input_media_type)
            again = json.loads(self.screen(project, dt.date.today()))
            differences = diff(stored, again)
            changes = [c for c in value_changes(stored, again) if c["field"].split(".")[0] not in RERUN_IGNORED]
            out["rerun"] = {
                "decision": again,
                "agrees": not differences,
                "differences": differences,
                "changes": changes,
                "versions": self.versions(),
            }
        return out

    def impact(self, filters: Any, *, limit: int, offset: int) -> dict[str, Any]:
        """Screen a page of stored records again with today's rules and zones: the records whose
        outcome moves (old -> new, with the rules that cause it), those that no longer screen."""
        total, records = self.records.search(filters, limit=limit, offset=offset)
        changed, failed, unchanged = [], [], 0
        moves: dict[tuple[str, str, str], int] = {}
        for record in records:
            try:
                project = self.parse(record.input_text, record.input_media_type)
                again = json.loads(self.screen(project, dt.date.today()))
            except EnvscreenError as exc:
                failed.append({"id": record.id, "code": exc.code, "message": exc.message})
                continue
            c = compare(outcome_of_decision(json.loads(record.decision_json)), outcome_of_decision(again))
            if not c.changed:
                unchanged += 1
                continue
            for f in c.fields:
                key = (f.field, json.dumps(f.old), json.dumps(f.new))
                moves[key] = moves.get(key, 0) + 1
            changed.append(
                {
                    "id": record.id,
                    "created_at": _iso(record.created_at),
                    "project_name": record.project_name,
                    "changes": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
                    "rules_added": list(c.rules_added),
                    "rules_removed": list(c.rules_removed),
                }
            )
        order = {f: i for i, f in enumerate(FIELDS)}
        summary = [
            {"field": f, "old": json.loads(a), "new": json.loads(b), "projects": n}
            for (f, a, b), n in sorted(moves.items(), key=lambda kv: (order[kv[0][0]], -kv[1]))
        ]
        return {
            "total": total,
            "checked": len(records),
            "changed": changed,
            "unchanged": unchanged,
            "failed": failed,
            "summary": summary,
            "versions": self.versions(),
        }


def diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "", depth: int = 2) -> list[str]:
    """Names of the fields that differ, one level into nested objects (`admissibility.status`)."""
    out: list[str] = []
    for key in sorted(set(old) | set(new)):
        if not prefix and key in RERUN_IGNORED:
            continue
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        name = f"{prefix}{key}"
        if depth > 1 and isinstance(a, dict) and isinstance(b, dict):
            out += diff(a, b, f"{name}.", depth - 1) or [name]
        else:
            out.append(name)
    return out


def _iso(t: dt.datetime) -> str:
    """UTC as `...Z`, the form pydantic gives the same datetime, so POST and GET print it alike."""
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

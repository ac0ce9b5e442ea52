"""Run a batch: screen its tasks in a process pool (all cores by default) or on a Dask cluster.

The Screener (compiled durable-rules rulesets and the zone index) is built once per worker
process and kept there, keyed by a token (a hash of the pickled rules and zones): never per
task. Each build registers new durable-rules rulesets, which durable-rules never frees (about
24 MB each time: ../shared/engine/DURABLE-RULES.md, hazard 6), so a rebuild per task would
grow a worker without bound. A worker screens one chunk at a time (hazard 3: one screening
at a time per process), and a Dask worker with several threads takes a lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import platform
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from ..errors import EngineError, EnvscreenError, InputError
from ..packs.ruleset import RuleSet, load_rules
from ..project.model import Project, project_from_data, project_from_doc
from ..screener import Screener
from ..sources.yaml_doc import parse_yaml
from .inputs import Task, column_of
from .output import complete, decision_row, error_row

CHUNK = 128  # projects per task: few enough for a smooth bar; enough for the engines to share sessions

# Per worker process: the Screener of each token, and how many times one was built here.
_SCREENERS: dict[str, Screener] = {}
_BUILDS: dict[str, int] = {}
_FAILED: dict[str, Exception] = {}
_INSTALL_LOCK = threading.Lock()
_SCREEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class ScreenerSpec:
    """What a worker needs to build its Screener: loaded rules and zone layers (no engine:
    durable-rules state cannot travel between processes)."""

    rules: RuleSet
    zones: Any  # a ZoneSet, or False for none

    def build(self) -> Screener:
        return Screener(self.rules, zones=self.zones)

    def pickled(self) -> tuple[str, bytes]:
        """The spec as bytes, pickled once for every worker, and its token."""
        data = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        return hashlib.sha256(data).hexdigest()[:24], data


def load_spec(rules: Any = None, zones: Any = None, *, bundled_rules: bool = True) -> ScreenerSpec:
    """Load rules and zones once in the parent: every worker gets them as data, not paths, so
    a Dask worker on another machine needs neither the files nor the database."""
    from ..zones.layers import load_zones

    ruleset = load_rules(rules, bundled=bundled_rules)
    layers = False if zones is False else load_zones(zones, vocabulary=ruleset.vocabulary)
    return ScreenerSpec(ruleset, layers)


def install(token: str, data: bytes) -> None:
    """Build this process's Screener for `token` unless it has one (the pool initializer and the
    Dask worker plugin call this once per worker)."""
    with _INSTALL_LOCK:
        if token in _SCREENERS:
            return
        try:
            spec: ScreenerSpec = pickle.loads(data)
            _SCREENERS[token] = spec.build()
        except Exception as exc:
            # Kept, not raised: an initializer that raises breaks the pool, which would read as
            # every project killing its worker. The first chunk raises it instead: the run stops.
            _FAILED[token] = exc
        _BUILDS[token] = _BUILDS.get(token, 0) + 1


@dataclass
class ChunkResult:
    rows: list[dict[str, Any]]
    worker: str  # host:pid of the process that screened the chunk
    builds: int  # how many Screeners for this token that process has built (1 when shipped once)


def screen_chunk(token: str, tasks: list[Task], on: dt.date) -> ChunkResult:
    """Screen a chunk of tasks with this process's Screener; every task gives exactly one row."""
    screener = _SCREENERS.get(token)
    if token in _FAILED:
        raise _FAILED[token]
    if screener is None:
        raise RuntimeError(f"no Screener installed for {token} in process {os.getpid()}: the worker was not set up")
    with _SCREEN_LOCK:
        rows = screen_tasks(screener, tasks, on)
    return ChunkResult(rows, f"{platform.node()}:{os.getpid()}", _BUILDS[token])


def screen_tasks(screener: Screener, tasks: list[Task], on: dt.date) -> list[dict[str, Any]]:
    """Parse and screen each task: one row each, a decision or the task's typed error."""
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    parsed: list[tuple[int, Project]] = []
    for i, t in enumerate(tasks):
        try:
            parsed.append((i, _parse(screener, t)))
        except EnvscreenError as exc:
            rows[i] = _error(t, exc)
        except Exception as exc:  # a bug, not the user's input: kept as that project's row
            rows[i] = _error(t, _internal(exc))
    try:
        # One spatial query for the chunk's sites; a failure is attributed project by project below.
        decisions = screener.screen_many([p for _, p in parsed], on=on)
    except Exception:
        decisions = None
    for k, (i, project) in enumerate(parsed):
        try:
            d = decisions[k] if decisions is not None else screener.screen(project, on=on)
            rows[i] = complete(decision_row(_base(tasks[i]), project, d))
        except EnvscreenError as exc:
            rows[i] = _error(tasks[i], exc)
        except Exception as exc:
            rows[i] = _error(tasks[i], _internal(exc))
    return [r for r in rows if r is not None]


def _parse(screener: Screener, t: Task) -> Project:
    if t.error is not None:
        raise t.error
    if t.text is not None:
        return project_from_doc(parse_yaml(t.text, source=t.source), screener.vocabulary)
    try:
        return project_from_data(t.data, screener.vocabulary, source=t.source)
    except EnvscreenError as exc:
        exc.line = t.row  # a table row has no lines: the row is the location
        raise


def _base(t: Task) -> dict[str, Any]:
    return {"index": t.index, "source": t.source, "row": t.row}


def _error(t: Task, exc: EnvscreenError) -> dict[str, Any]:
    column = column_of(exc.field, t.columns) if t.row is not None else None
    if t.row is not None:
        exc.line = t.row
    row = error_row(_base(t), exc, column)
    if t.data is not None:
        for key in ("id", "project_code", "name"):
            value = t.data.get(key)
            row[key] = value if isinstance(value, str) else None
    return complete(row)


def _internal(exc: BaseException) -> EnvscreenError:
    return EngineError(
        "batch_internal_error",
        f"{type(exc).__name__}: {exc}",
        hint="this is a bug in envscreen, not in the project: please report it with the project",
    )


def task_error_rows(tasks: Iterable[Task]) -> list[dict[str, Any]]:
    return [_error(t, t.error) for t in tasks if t.error is not None]


# ------------------------------------------------------------------------------- runners


@dataclass
class BatchRun:
    """The rows in input order, and which worker processes screened them (with their build counts)."""

    rows: list[dict[str, Any]]
    workers: dict[str, int] = field(default_factory=dict)  # host:pid -> Screeners built there


Progress = Callable[[int], None]


def run_batch(
    tasks: list[Task],
    spec: ScreenerSpec,
    *,
    on: dt.date,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
) -> BatchRun:
    """Screen every task; return one row per task, in input order, whatever fails.

    `workers`: processes of the local pool (default: every core). `scheduler`: `dask://HOST:PORT`
    (or `tcp://...`) runs the chunks on that Dask cluster instead."""
    advance = progress or (lambda n: None)
    ready = [t for t in tasks if t.error is None]
    rows = task_error_rows(tasks)  # rows that failed while being read are done already
    advance(len(rows))
    token, data = spec.pickled()
    if scheduler:
        screened, seen = _run_dask(scheduler, token, data, ready, chunk_size, on, advance)
    else:
        n = workers or os.cpu_count() or 1
        screened, seen = _run_pool(n, token, data, _chunks(ready, chunk_size, n), on, advance)
    rows += screened
    rows.sort(key=lambda r: r["index"])
    return BatchRun(rows, seen)


def _chunks(tasks: list[Task], size: int, workers: int) -> list[list[Task]]:
    """Chunks of at most `size`, and at least four per worker when the batch is small, so every
    worker has a share."""
    size = max(1, min(size, -(-len(tasks) // (4 * workers))))
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def _run_pool(
    n: int, token: str, data: bytes, chunks: list[list[Task]], on: dt.date, advance: Progress
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A local process pool whose initializer builds each worker's Screener once.

    Spawned, not forked: a worker starts clean of the parent's threads and never inherits
    durable-rules state. A worker that dies (durable-rules can abort the process, hazard 1)
    breaks the pool and every chunk in flight with it: those projects are screened again in a
    new pool one at a time, so that a death names its project, which is kept as an error row."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    queue: deque[list[Task]] = deque(chunks)
    suspects: deque[Task] = deque()  # projects of chunks lost with a broken pool

    def take(result: ChunkResult) -> None:
        rows.extend(result.rows)
        seen[result.worker] = result.builds
        advance(len(result.rows))

    n = max(1, min(n, len(chunks))) if chunks else 1
    while queue or suspects:
        with ProcessPoolExecutor(n, mp_context=ctx, initializer=install, initargs=(token, data)) as pool:
            lost = _drain(pool, queue, 2 * n, token, on, take)
            if lost:
                suspects.extend(t for chunk in lost for t in chunk)
                continue  # a new pool
            while suspects:
                task = suspects.popleft()
                try:
                    take(pool.submit(screen_chunk, token, [task], on).result())
                except BrokenProcessPool:
                    rows.append(_error(task, _died()))
                    advance(1)
                    break  # a new pool for the rest
    return rows, seen


def _drain(
    pool: ProcessPoolExecutor,
    queue: deque[list[Task]],
    window: int,
    token: str,
    on: dt.date,
    take: Callable[[ChunkResult], None],
) -> list[list[Task]]:
    """Run the queue's chunks, at most `window` in flight (memory stays flat); stop when the pool
    breaks and return the chunks lost with it."""
    running: dict[Future[ChunkResult], list[Task]] = {}
    while queue or running:
        while queue and len(running) < window:
            chunk = queue.popleft()
            running[pool.submit(screen_chunk, token, chunk, on)] = chunk
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        broken = False
        for fut in done:
            chunk = running.pop(fut)
            try:
                take(fut.result())
            except BrokenProcessPool:
                broken = True
                running[fut] = chunk
        if broken:
            lost = []
            for fut, chunk in running.items():
                try:
                    take(fut.result())  # finished before the pool broke
                except BrokenProcessPool:
                    lost.append(chunk)
            return lost
    return []


def _died() -> EnvscreenError:
    return EngineError(
        "batch_worker_died",
        "the worker process died screening this project alone; it was not screened",
        hint="screen it alone with `envscreen check` to see the failure, and report it",
    )


def _run_dask(
    address: str, token: str, data: bytes, tasks: list[Task], size: int, on: dt.date, advance: Progress
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The same chunks on a Dask cluster. A worker plugin carries the spec to each worker
    (and to any that joins later) and builds its Screener once; tasks only name the token."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(
            "batch_no_dask",
            "--scheduler needs Dask distributed, which is not installed",
            hint="pip install 'envscreen[dask]'",
        ) from None
    from .dask_plugin import ScreenerPlugin

    url = "tcp://" + address.split("://", 1)[1] if address.startswith("dask://") else address
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    try:
        client = Client(url, timeout="30s")
    except OSError as exc:
        raise InputError(
            "batch_scheduler_unreachable",
            f"cannot reach the Dask scheduler: {exc}",
            file=address,
            hint="give the scheduler's address as dask://HOST:8786",
        ) from None
    with client:
        chunks = _chunks(tasks, size, max(1, len(client.scheduler_info()["workers"])))
        name = f"envscreen-{token}"
        client.register_plugin(ScreenerPlugin(token, data), name=name)
        futures = client.map(screen_chunk, [token] * len(chunks), chunks, [on] * len(chunks), pure=False)
        index = {f.key: c for f, c in zip(futures, chunks, strict=True)}
        for fut, result in as_completed(futures, with_results=True, raise_errors=False):
            if fut.status == "error":
                failed = index[fut.key]
                rows += [_error(t, _internal(fut.exception())) for t in failed]
                advance(len(failed))
                continue
            rows += result.rows
            seen[result.worker] = result.builds
            advance(len(result.rows))
        client.unregister_worker_plugin(name)  # the Screeners stay cached in the workers, by token
    return rows, seen

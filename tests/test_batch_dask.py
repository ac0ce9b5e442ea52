"""envscreen batch --scheduler on a real Dask cluster (LocalCluster: 2 worker processes)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from screening import Screener
from screening.batch.inputs import read_tasks
from screening.batch.run import load_spec, run_batch, screen_tasks

from .conftest import ROOT

distributed = pytest.importorskip("distributed")

ON = dt.date(2026, 11, 23)


def _builds() -> dict[str, Any]:
    """Run in each worker: its pid and the Screeners it has built, by token."""
    import os

    from screening.batch import run

    return {"pid": os.getpid(), "builds": dict(run._BUILDS)}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None, silence_logs=40
    ) as c:
        yield c


def test_dask_cluster_builds_the_screener_once_per_worker(cluster: Any, tmp_path: Path, screener: Screener) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    for i in range(2):
        for f in sorted((ROOT / "examples").glob("*.yaml")):
            shutil.copy(f, folder / f"{i}-{f.name}")
    (folder / "zz-broken.yaml").write_text("name: [\n", encoding="utf-8")
    tasks = list(read_tasks(folder))
    spec = load_spec()
    address = "dask://" + cluster.scheduler_address.split("://", 1)[1]
    first = run_batch(tasks, spec, on=ON, scheduler=address, chunk_size=2)
    second = run_batch(tasks, spec, on=ON, scheduler=cluster.scheduler_address, chunk_size=2)  # the same cluster again

    assert len(first.rows) == len(tasks) and [r["index"] for r in first.rows] == list(range(len(tasks)))
    assert first.rows == second.rows == screen_tasks(screener, tasks, ON)
    assert first.rows[-1]["error_code"] == "yaml_syntax"
    with distributed.Client(cluster) as client:
        per_worker = client.run(_builds)
    assert len(per_worker) == 2
    token = spec.pickled()[0]
    # one Screener per worker process for the whole of both runs: shipped once, not per task
    assert all(w["builds"] == {token: 1} for w in per_worker.values()), per_worker
    pids = {str(w["pid"]) for w in per_worker.values()}
    assert {w.rsplit(":", 1)[1] for w in [*first.workers, *second.workers]} <= pids
    assert set(first.workers.values()) == {1}


def test_cli_batch_on_the_cluster(cluster: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from screening.cli import app

    folder = tmp_path / "projects"
    folder.mkdir()
    for name in ("hospital-300-beds.yaml", "furniture-solvent-coating.yaml"):
        shutil.copy(ROOT / "examples" / name, folder / name)
    out = tmp_path / "r.parquet"
    address = "dask://" + cluster.scheduler_address.split("://", 1)[1]
    result = CliRunner().invoke(
        app, ["batch", str(folder), "-o", str(out), "--scheduler", address, "-q", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).to_pylist()
    assert [r["tier"] for r in rows] == ["report_book", "report_form"]
    assert "2 projects: 2 screened, 0 failed" in result.output

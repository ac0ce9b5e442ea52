"""The benchmark scripts run (tiny sizes, nothing timed): a benchmark that no longer runs
measures nothing, and a script broken by a stricter input check went unnoticed once."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT


def _run(*args: str) -> str:
    r = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_province_benchmark_runs_and_the_index_agrees_with_the_full_scan() -> None:
    out = json.loads(
        _run("scripts/benchmark_province.py", "--units", "60", "--projects", "40", "--batch-rows", "50", "--json")
    )
    assert out["same_answers"] is True
    assert out["units_with_own_clause"] == 60 and out["indexed_per_s"] > 0 and out["full_scan_per_s"] > 0
    assert out["batch_rows"] == 50 and out["batch_wall_s"] > 0 and out["batch_peak_tree_rss_mib"] > 100


def test_screening_benchmark_runs() -> None:
    out = json.loads(_run("scripts/benchmark.py", "--projects", "30", "--seconds", "0.2", "--json"))
    assert out


def test_batch_benchmark_runs_and_the_pool_agrees_with_one_process() -> None:
    # the script asserts the pool's rows equal in-process screening before it prints
    out = json.loads(_run("scripts/benchmark_batch.py", "--projects", "40", "--workers", "2"))
    assert out["projects"] == 40 and out["pool_2_builds"] in ([1], [1, 1])


def test_load_test_runs_open_and_closed_loop() -> None:
    # a real server (2 workers) for a second each way; every request must be answered 201
    for extra in ([], ["--rate", "40"]):
        out = json.loads(_run("scripts/loadtest.py", "-c", "4", "-t", "1", "--json", *extra))
        assert out["statuses"] == {"201": out["requests"]} and out["requests"] > 0
        assert out["p99_ms"] >= out["p50_ms"] > 0

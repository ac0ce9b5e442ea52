"""Screener.screen and locate from many threads at once: no crash, the serial answers.

GEOS prepared geometries are not thread-safe (they build their indexes lazily and keep
scratch state while answering), and shapely runs GEOS without the GIL: sharing one between
threads corrupted the heap. The check runs in a subprocess so that a crash is seen as a
signal exit code instead of taking pytest down with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import datetime, json, math, pickle, sys
    from concurrent.futures import ThreadPoolExecutor

    from screening import Screener, load_rules, project_from_data
    from screening.zones.layers import load_zones
    from screening.zones.locate import locate_many
    from screening.report.render import decision_to_dict

    THREADS, ROUNDS, COPIES = 12, 2, 3


    def star(cx, cy, r, n):
        # Spikes across many zones: every share is an overlay on a large outline.
        return [
            [round(cx + r * (1 - 0.6 * (i % 2)) * math.cos(2 * math.pi * i / n), 7),
             round(cy + r * (1 - 0.6 * (i % 2)) * math.sin(2 * math.pi * i / n), 7)]
            for i in range(n)
        ]


    CENTRES = [(119.96, 29.28), (120.03, 29.24), (119.886, 29.41), (119.92, 29.33)]
    zones = load_zones(vocabulary=load_rules().vocabulary)
    screener = Screener(zones=zones)
    projects = [
        project_from_data(
            {"name": f"p{j}", "construction": "new", "industry_codes": ["2110"], "industrial_building": True,
             "processes": [], "location": {"crs": "wgs84", "polygon": star(cx, cy, 0.02 + 0.005 * j, 600)}},
            screener.vocabulary,
        )
        for j, (cx, cy) in enumerate(CENTRES)
    ]
    sites = [p.site for p in projects]


    def answer(i):
        d = decision_to_dict(screener.screen(projects[i], on=datetime.date(2025, 9, 1)), screener.vocabulary)
        return json.dumps(d, sort_keys=True, default=str)


    def located(z, i):
        return repr(locate_many([sites[i]], z, 500.0))


    wrong = 0
    # Fresh zone sets: their geometries are prepared while the threads already run.
    for _ in range(COPIES):
        z = pickle.loads(pickle.dumps(zones))
        jobs = [k % len(sites) for k in range(THREADS * ROUNDS)]
        with ThreadPoolExecutor(THREADS) as pool:
            got = list(pool.map(lambda i: (i, located(z, i)), jobs))
        serial = [located(z, i) for i in range(len(sites))]
        wrong += sum(a != serial[i] for i, a in got)
    serial = [answer(i) for i in range(len(projects))]
    jobs = [k % len(projects) for k in range(THREADS * ROUNDS)]
    with ThreadPoolExecutor(THREADS) as pool:
        got = list(pool.map(lambda i: (i, answer(i)), jobs))
    wrong += sum(a != serial[i] for i, a in got)
    print("wrong", wrong)
    sys.exit(3 if wrong else 0)
    """
)


@pytest.mark.slow
def test_many_threads_screen_large_polygons_like_one() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    # A negative return code is the signal that ended the process (-11: segmentation fault).
    assert run.returncode == 0, f"exit code {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"

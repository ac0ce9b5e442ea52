"""Benchmark `envscreen batch`: the process pool at N workers against 1 worker, in the same run.

Writes a CSV of generated projects (examples as table rows, half of them sited on the sample
region), then screens it with run_batch at 1 worker (the baseline) and at N, and prints the
wall times, projects/s and the speed-up ratio, and in-process screening (no pool) for the cost
of the pool itself. Ratios, not absolute times, are the claim: they hold on a loaded machine.

    .venv/bin/python scripts/benchmark_batch.py [--projects 4000] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.batch.inputs import read_tasks  # noqa: E402
from screening.batch.run import load_spec, run_batch, screen_tasks  # noqa: E402

ON = dt.date(2025, 9, 1)
ROWS = [
    {"name": "医院", "construction": "new", "project_types": "hospital", "quantities.beds": "300"},
    {"name": "家具厂", "construction": "new", "industry_codes": "2110", "industrial_building": "true",
     "processes": "[]", "quantities.solvent_coating_t_per_year": "12"},
    {"name": "车间", "construction": "new", "industry_codes": "3484", "industrial_building": "true", "processes": "[]",
     "features": "discharges_pollutants", "answers": "features.national_security_or_major_public_interest: false"},
]  # fmt: skip
SITE_BOX = (119.70, 29.30, 119.95, 29.45)  # inside the bundled sample county


def make_csv(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    header = sorted({k for r in ROWS for k in r} | {"id", "crs", "lon", "lat"})
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        for i in range(n):
            row = {**rng.choice(ROWS), "id": f"p{i}"}
            if i % 2:
                row |= {"crs": "wgs84", "lon": f"{rng.uniform(SITE_BOX[0], SITE_BOX[2]):.6f}",
                        "lat": f"{rng.uniform(SITE_BOX[1], SITE_BOX[3]):.6f}"}  # fmt: skip
            w.writerow(row)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "projects.csv"
        make_csv(table, args.projects)
        tasks = list(read_tasks(table))
    spec = load_spec()
    out: dict[str, object] = {"projects": len(tasks), "cores": os.cpu_count()}

    t = time.perf_counter()
    screener = spec.build()
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    rows = screen_tasks(screener, tasks, ON)
    out["in_process_s"] = round(time.perf_counter() - t, 2)
    out["screener_build_s"] = round(build_s, 2)
    for n in sorted({1, args.workers}):
        t = time.perf_counter()
        run = run_batch(tasks, spec, on=ON, workers=n)
        wall = time.perf_counter() - t
        assert run.rows == rows, "the pool must give the in-process answers"
        out[f"pool_{n}_s"] = round(wall, 2)
        out[f"pool_{n}_per_s"] = round(len(tasks) / wall, 1)
        out[f"pool_{n}_builds"] = sorted(run.workers.values())
    out["speedup_vs_1_worker"] = round(out["pool_1_s"] / out[f"pool_{args.workers}_s"], 2)  # type: ignore[operator]
    out["pool_1_vs_in_process"] = round(out["pool_1_s"] / out["in_process_s"], 2)  # type: ignore[operator]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

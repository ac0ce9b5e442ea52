"""Benchmark: what the pre-screening opinion (预审意见) costs next to the screening it renders.

    python scripts/benchmark_report.py [-n 10] [PROJECT.yaml]

Prints the mean time of a screening, of the site map, of the PDF and of the Word document for
one sited example, and each as a ratio to the screening measured in the same run."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from screening import Screener, load_project
from screening.report import document

ROOT = Path(__file__).resolve().parent.parent


def mean_s(fn: Callable[[], Any], n: int) -> float:
    fn()  # warm: fonts registered, caches filled
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(ROOT / "examples" / "site-workshop-near-homes.yaml"))
    parser.add_argument("-n", type=int, default=10)
    args = parser.parse_args()
    screener = Screener()
    project = load_project(args.project, screener.vocabulary)
    decision = screener.screen(project)
    png = document.site_map_png(project, screener.zones, screener.buffer_m)
    vocab = screener.vocabulary
    times = {
        "screening": mean_s(lambda: screener.screen(project), args.n),
        "site map (PNG)": mean_s(lambda: document.site_map_png(project, screener.zones, screener.buffer_m), args.n),
        "PDF": mean_s(lambda: document.render_report(decision, vocab, "pdf", project=project, site_map=png), args.n),
        "Word": mean_s(lambda: document.render_report(decision, vocab, "docx", project=project, site_map=png), args.n),
    }
    base = times["screening"]
    for name, t in times.items():
        print(f"{name:16s} {t * 1000:8.1f} ms  {t / base:6.1f}x the screening")


if __name__ == "__main__":
    main()

"""Time reading a large CAD drawing as a site (DXF): envscreen's reader against ezdxf reading the
whole file, in the same run. Two drawings of about 8 MB: a survey of open lines and text with one
closed red line, and a worst case where every polyline is closed (buildings).

    .venv/bin/python scripts/benchmark_site_files.py
"""

from __future__ import annotations

import io
import random
import time

import ezdxf
from ezdxf import recover

from screening.project.coordinates import from_wgs84
from screening.project.site import site_from_file


def drawing(closed_share: float, n: int = 30_000) -> bytes:
    random.seed(1)
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    e0, n0 = from_wgs84(3, 40, 119.9588, 29.2798)
    for i in range(n):
        x, y = e0 + random.uniform(-2000, 2000), n0 + random.uniform(-2000, 2000)
        closed = random.random() < closed_share
        pts = [(x, y), (x + 10, y), (x + 10, y + 8), (x, y + 8)] if closed else [(x, y), (x + 10, y + 3), (x + 20, y)]
        msp.add_lwpolyline(pts, close=closed, dxfattribs={"layer": "建筑" if closed else "地形"})
        if i % 3 == 0:
            msp.add_text("高程 12.3", dxfattribs={"layer": "注记", "insert": (x, y)})
    red = [(e0, n0), (e0 + 194, n0, 0.3), (e0 + 194, n0 + 166), (e0, n0 + 166)]
    msp.add_lwpolyline(red, format="xyb", close=True, dxfattribs={"layer": "红线"})
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    for label, share in (("survey: open lines and text, one red line", 0.0), ("every polyline closed", 1.0)):
        data = drawing(share)
        full = timed(lambda data=data: recover.read(io.BytesIO(data)))
        ours = timed(lambda data=data: site_from_file("big.dxf", data, crs="EPSG:4528", layer="红线"))
        print(
            f"{label}: {len(data) / 1e6:.1f} MB; ezdxf whole file {full:.2f} s; envscreen site {ours:.2f} s "
            f"({full / ours:.1f}x)"
        )


if __name__ == "__main__":
    main()

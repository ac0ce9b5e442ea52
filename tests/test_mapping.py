"""The site map: a PNG of the expected size with the zones, the site and a legend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from screening.project.site import Site
from screening.report import site_map as mapping
from screening.report.site_map import render_map
from screening.zones.locate import locate

from .test_locate import KINDS, LAT, LON, ROWS, X0, Y0, FakeZones, make_zones, point_site, wgs84


@pytest.fixture(scope="module")
def zones() -> FakeZones:
    return make_zones(ROWS, KINDS)


def _pixels(path: Path) -> np.ndarray:
    from matplotlib.image import imread

    return imread(path)


def test_png_is_written_with_the_expected_size_and_is_not_blank(zones: FakeZones, tmp_path: Path) -> None:
    loc = locate(point_site(LON, LAT), zones, buffer_m=500)
    out = render_map(loc, zones, tmp_path / "map.png", title="某家具公司年产2万套实木家具新建项目")
    assert out == tmp_path / "map.png" and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = _pixels(out)
    assert img.shape[:2] == (800, 1000)
    rgb = img[..., :3].reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 20  # zones, site, legend: many colours
    assert (rgb.min(axis=1) < 0.1).mean() > 0.0005  # dark pixels: the site and the text


def test_polygon_and_line_sites_and_english_fallback(
    zones: FakeZones, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mapping, "cjk_font", lambda: None)  # as on a machine without the CJK font
    plot = locate(Site(wgs84(box(X0 - 150, Y0 - 50, X0 + 50, Y0 + 50)), "polygon"), zones)
    out = render_map(plot, zones, tmp_path / "plot.png", title="某项目", size_px=(600, 400))
    assert _pixels(out).shape[:2] == (400, 600)
    road = locate(Site(wgs84(box(X0 - 150, Y0 - 50, X0 + 50, Y0 + 50).exterior), "line"), zones)
    assert render_map(road, zones, tmp_path / "road.png", hits_highlight=False).stat().st_size > 5000


def test_the_cjk_font_is_used_when_installed() -> None:
    from matplotlib import font_manager

    installed = any(f.name == mapping.CJK_FONT for f in font_manager.fontManager.ttflist)
    assert (mapping.cjk_font() == mapping.CJK_FONT) is installed

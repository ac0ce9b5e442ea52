"""The web page's site import (api/static/site-import.js) in headless Chromium: a CAD red line or a
pasted 界址点 table becomes the site, the map zooms to it, a screening uses it; errors show
the line and a hint. Fixtures (browser, page) are those of test_web.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from ..conftest import ROOT
from .test_web import base_url, browser, page  # noqa: F401  (fixtures)

SITES = ROOT / "tests" / "fixtures" / "sites"
HOSPITAL = ROOT / "examples" / "site-hospital-in-reform-area.yaml"
PLOT = [(119.9588, 29.2798), (119.9608, 29.2798), (119.9608, 29.2813), (119.9588, 29.2813)]


def _hospital_without_site() -> str:
    data = yaml.safe_load(HOSPITAL.read_text(encoding="utf-8"))
    data.pop("location")
    data["application_date"] = str(data["application_date"])
    return json.dumps(data, ensure_ascii=False)


def test_a_dxf_red_line_becomes_the_site_and_is_screened(page: Any) -> None:  # noqa: F811
    page.get_by_text("导入场址：CAD 红线、KML、Shapefile、界址点坐标表").click()
    page.get_by_label("场址文件（.dxf .kml .kmz .zip .geojson .txt .csv）").set_input_files(
        str(SITES / "hospital-site.dxf")
    )
    page.get_by_label("坐标系（文件未注明时必填）").fill("EPSG:4528")
    page.get_by_label("DXF 图层或 Shapefile 名（可选）").fill("红线")
    page.get_by_role("button", name="读取场址").click()
    page.wait_for_selector("body[data-site-imported='polygon']")
    assert page.locator("#si-status").inner_text() == "已读入面（EPSG:4528，5 个顶点），地图已缩放到场址"
    assert page.locator("#site-summary").inner_text() == "面：4 个顶点"
    assert page.locator("input[name='draw-mode'][value='polygon']").is_checked()
    zoom = page.evaluate("() => window.envscreenMap.getZoom()")
    assert zoom >= 15  # zoomed to a plot of 200 m
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill(_hospital_without_site())
    with page.expect_request(lambda r: r.url.endswith("/v1/screenings")) as sent:
        page.get_by_role("button", name="预审", exact=True).click()
    location = json.loads(sent.value.post_data)["location"]
    assert location["crs"] == "wgs84"
    got = [c for p in location["polygon"] for c in p]
    assert got == pytest.approx([c for p in PLOT for c in p], abs=1e-6)
    page.wait_for_selector("#result:not([hidden]) #tier-label")
    assert page.locator("#tier-label").inner_text() == "环境影响登记表"  # the reform area, as the example


def test_a_pasted_table_with_swapped_columns_shows_line_and_hint(page: Any) -> None:  # noqa: F811
    page.get_by_text("导入场址：CAD 红线、KML、Shapefile、界址点坐标表").click()
    rows = (SITES / "hospital-site-jzd.txt").read_bytes().decode("gb18030").splitlines()[3:]
    swapped = [rows[0], *[",".join([r.split(",")[0], r.split(",")[2], r.split(",")[1]]) for r in rows[1:]]]
    page.get_by_label("或粘贴界址点坐标表（点号, X, Y 或 点号, 经度, 纬度）").fill("\n".join(swapped))
    page.get_by_label("坐标系（文件未注明时必填）").fill("cgcs2000-gk3")
    page.get_by_role("button", name="读取场址").click()
    errors = page.locator("#si-errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "无法读取场址" in text and "第 2 行" in text and "point J1" in text and "X is the northing" in text
    assert page.locator("#site-summary").inner_text() == "未选择场址：不做选址准入判断"
    # Fixed: the same table in the surveyors' order is read, two plots as one site of two parts.
    second = [
        ",".join([f"K{i}", r.split(",")[1], str(float(r.split(",")[2]) + 1000)]) for i, r in enumerate(rows[1:], 1)
    ]
    page.get_by_label("或粘贴界址点坐标表（点号, X, Y 或 点号, 经度, 纬度）").fill("\n".join([*rows, "", *second]))
    page.get_by_role("button", name="读取场址").click()
    page.wait_for_selector("body[data-site-imported='polygon']")
    assert errors.is_hidden()
    assert page.locator("#site-summary").inner_text().startswith("导入的场址（MultiPolygon")
    # In English the import block follows the switch.
    page.get_by_role("button", name="Switch to English").click()
    assert page.get_by_role("button", name="Read the site").is_visible()

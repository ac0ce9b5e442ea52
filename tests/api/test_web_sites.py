"""The web page's site import (api/static/site-import.js) in headless Chromium: a CAD red line or a
pasted 界址点 table becomes the site, the map zooms to it, a screening uses it; errors show
the line and a hint.

test_web.py's session browser holds Playwright's sync API (and its event loop) on the main
thread for the whole session, and a second one cannot start beside it: these tests run their
own browser in a thread of their own, whatever order the modules run in."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from ..conftest import ROOT
from .test_web import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _unavailable

SITES = ROOT / "tests" / "fixtures" / "sites"
HOSPITAL = ROOT / "examples" / "site-hospital-in-reform-area.yaml"
PLOT = [(119.9588, 29.2798), (119.9608, 29.2798), (119.9608, 29.2813), (119.9588, 29.2813)]


@pytest.fixture()
def in_browser(request: pytest.FixtureRequest) -> Iterator[Callable[[Callable[[Any], None]], None]]:
    """Run `check(page)` on a fresh page at `/` in a browser started in a new thread."""
    import importlib.util
    import os

    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        _unavailable("playwright or /usr/bin/chromium is missing (scripts/apt-packages.txt)")
    external = os.environ.get("ENVSCREEN_WEB_URL")
    base = external.rstrip("/") if external else str(request.getfixturevalue("live_server"))

    def run(check: Callable[[Any], None]) -> None:
        failure: list[BaseException] = []

        def body() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                    try:
                        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                        context.set_default_timeout(TIMEOUT_MS)
                        page = context.new_page()
                        js_errors: list[str] = []
                        page.on("pageerror", lambda exc: js_errors.append(str(exc)))
                        page.goto(f"{base}/")
                        page.wait_for_selector("body[data-ready='1']")
                        check(page)
                        assert not js_errors, f"JavaScript errors on the page: {js_errors}"
                    finally:
                        browser.close()
            except BaseException as exc:  # re-raised on the test's own thread
                failure.append(exc)

        thread = threading.Thread(target=body, name="site-import-browser")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    yield run


def _hospital_without_site() -> str:
    data = yaml.safe_load(HOSPITAL.read_text(encoding="utf-8"))
    data.pop("location")
    data["application_date"] = str(data["application_date"])
    return json.dumps(data, ensure_ascii=False)


def test_a_dxf_red_line_becomes_the_site_and_is_screened(in_browser: Callable[[Callable[[Any], None]], None]) -> None:
    in_browser(_dxf_red_line)


def _dxf_red_line(page: Any) -> None:
    page.get_by_text("导入场址：CAD 红线、KML、Shapefile、界址点坐标表").click()
    page.get_by_label("场址文件（.dxf .kml .kmz .zip .geojson .txt .csv）").set_input_files(
        str(SITES / "hospital-site.dxf")
    )
    page.get_by_label("坐标系（文件未注明时必填）").fill("EPSG:4528")
    page.get_by_label("DXF 图层或 Shapefile 名（可选）").fill("红线")
    page.get_by_role("button", name="读取场址").click()
    page.wait_for_selector("body[data-site-imported='polygon']")
    assert page.locator("#si-status").inner_text() == "已读入面（EPSG:4528，4 个顶点），地图已缩放到场址"
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


def test_a_pasted_table_with_swapped_columns_shows_line_and_hint(
    in_browser: Callable[[Callable[[Any], None]], None],
) -> None:
    in_browser(_pasted_table)


def _pasted_table(page: Any) -> None:
    page.get_by_text("导入场址：CAD 红线、KML、Shapefile、界址点坐标表").click()
    rows = (SITES / "hospital-site-jzd.txt").read_bytes().decode("gb18030").splitlines()[3:]
    swapped = [rows[0], *[",".join([r.split(",")[0], r.split(",")[2], r.split(",")[1]]) for r in rows[1:]]]
    page.get_by_label("或粘贴界址点坐标表（点号, X, Y 或 点号, 经度, 纬度）").fill("\n".join(swapped))
    page.get_by_label("坐标系（文件未注明时必填）").fill("cgcs2000-gk3")
    page.get_by_role("button", name="读取场址").click()
    errors = page.locator("#si-errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "无法读取场址" in text and "第 2 行" in text and "point J1" in text and "X 是北坐标" in text  # page language
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

"""End-to-end tests of the web page (api/static/) in headless Chromium driven by Playwright.

The browser is the distribution's chromium (/usr/bin/chromium); Playwright never downloads
one. Without it these tests skip, except in CI (CI set), where they fail and say why.
The page is served by the real app through the `live_server` fixture (tests/api/conftest.py);
ENVSCREEN_WEB_URL points them at another running server instead (for developing the page).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUT = Path(__file__).resolve().parents[2] / "out"
TIMEOUT_MS = 20_000

HOSPITAL_NAME = "某县人民医院新院区建设项目"  # examples/hospital-300-beds.yaml
BROKEN_YAML = "name: 某项目\nconstruction: neww\nindustry_codes: ['8411']\n"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI runs the browser tests, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the Python package 'playwright' is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: bash scripts/setup.sh --test installs it (scripts/apt-packages-test.txt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def base_url(request: pytest.FixtureRequest) -> str:
    external = os.environ.get("ENVSCREEN_WEB_URL")
    if external:
        return external.rstrip("/")
    return str(request.getfixturevalue("live_server"))


@pytest.fixture(scope="session")
def zone_layers(base_url: str) -> list[dict[str, Any]]:
    """What the app says it serves: the page must show exactly these."""
    body = httpx.get(f"{base_url}/v1/zones/layers", timeout=30).json()
    return body if isinstance(body, list) else body["layers"]


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh page (own storage, so the language starts as Chinese) at `/`, ready to use.

    Uncaught JavaScript errors fail the test that caused them."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    js_errors: list[str] = []
    pg.on("pageerror", lambda exc: js_errors.append(str(exc)))
    pg.goto(f"{base_url}/")
    pg.wait_for_selector("body[data-ready='1']")
    try:
        yield pg
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"


def wait_for_zones(page: Any, zone_layers: list[dict[str, Any]]) -> None:
    if zone_layers:
        page.wait_for_selector("body[data-zones-loaded]")


def click_site(page: Any, lon: float, lat: float) -> None:
    """Zoom in on (lon, lat) and click it, as a user would: a real mouse click on the pixel."""
    page.locator("#map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([lon, lat]) => {
            const map = window.envscreenMap;
            map.setView([lat, lon], Math.max(map.getZoom(), 12), {animate: false});
            const p = map.latLngToContainerPoint([lat, lon]);
            return [p.x, p.y];
        }""",
        [lon, lat],
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def site_inside_a_zone(base_url: str, zone_layers: list[dict[str, Any]]) -> tuple[float, float, dict[str, Any] | None]:
    """A point inside a control unit (else any polygon feature); the layers' centre when there is none."""
    from shapely.geometry import shape

    ordered = sorted(zone_layers, key=lambda layer: layer["kind"] != "control_unit")
    for layer in ordered:
        if layer["kind"] == "admin_boundary":
            continue
        bbox = ",".join(str(v) for v in layer["bbox"])
        fc = httpx.get(f"{base_url}/v1/zones/{layer['id']}", params={"bbox": bbox}, timeout=30).json()
        for feature in fc["features"]:
            geometry = shape(feature["geometry"])
            if geometry.geom_type in ("Polygon", "MultiPolygon") and geometry.area > 0:
                point = geometry.representative_point()
                return point.x, point.y, feature["properties"]
    return 120.15, 29.45, None


def fill_hospital_form(page: Any) -> None:
    """examples/hospital-300-beds.yaml, typed into the form."""
    page.get_by_label("项目名称").fill(HOSPITAL_NAME)
    page.get_by_label("建设性质").select_option("new")
    page.get_by_label("国民经济行业代码（GB/T 4754-2017）").fill("8411")
    types = page.get_by_label("项目类别", exact=True)
    types.fill("hospital")
    types.press("Enter")
    page.get_by_role("button", name="添加一项用量").click()
    page.locator(".quantity-row select").select_option("beds")
    page.locator(".quantity-row input").fill("300")


def submit_and_read(page: Any) -> dict[str, Any]:
    """Submit; return the 201 body the page received (the page's text is checked against it)."""
    with page.expect_response(lambda r: r.url.endswith("/v1/screenings") and r.request.method == "POST") as info:
        page.get_by_role("button", name="预审", exact=True).click()
    response = info.value
    assert response.status == 201, response.text()
    page.wait_for_selector("#result:not([hidden]) #tier-label")
    return response.json()


# ------------------------------------------------------------------------------------------


def test_page_loads_in_chinese_with_the_layers_on_the_map(page: Any, zone_layers: list[dict[str, Any]]) -> None:
    assert "环评准入预审" in page.title()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "envscreen 环评准入预审"
    # Every control has a label (the quantity row added here too), so screen readers can name it.
    page.get_by_role("button", name="添加一项用量").click()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((el) => el.type !== 'hidden' && !el.labels?.length && !el.getAttribute('aria-label'))
            .map((el) => el.id || el.name || el.outerHTML)"""
    )
    assert unlabelled == []
    # No tile server: the only images the map may hold are Leaflet's own control icons.
    assert page.locator("#map img.leaflet-tile").count() == 0
    assert page.locator("#map .leaflet-control-scale-line").count() == 1
    # The vocabulary reached the form.
    assert page.locator("#f-construction option[value='new']").inner_text().startswith("新建")
    # One switch per layer the API serves, each drawn on the map.
    boxes = page.locator("#layer-list input[type='checkbox']")
    assert boxes.count() == len(zone_layers)
    if not zone_layers:
        assert "未提供区划图层" in page.locator("#layer-list").inner_text()
        return
    wait_for_zones(page, zone_layers)
    paths = page.locator("#map .leaflet-overlay-pane path")
    drawn = paths.count()
    assert drawn >= 1
    # Turning a layer off removes its shapes.
    boxes.first.uncheck()
    page.wait_for_function("n => document.querySelectorAll('#map .leaflet-overlay-pane path').length < n", arg=drawn)


def test_hospital_form_site_on_the_map_and_result(page: Any, base_url: str, zone_layers: list[dict[str, Any]]) -> None:
    wait_for_zones(page, zone_layers)
    fill_hospital_form(page)
    assert page.locator(".chips code").all_inner_texts() == ["hospital"]
    lon, lat, feature = site_inside_a_zone(base_url, zone_layers)
    click_site(page, lon, lat)
    assert page.locator("#site-summary").inner_text().startswith("点：")

    with page.expect_request(lambda r: r.url.endswith("/v1/screenings")) as sent:
        record = submit_and_read(page)
    body = json.loads(sent.value.post_data)
    assert body["name"] == HOSPITAL_NAME
    assert body["industry_codes"] == ["8411"] and body["project_types"] == ["hospital"]
    assert body["quantities"] == {"beds": 300}
    site = body["location"]
    assert site["crs"] == "wgs84"
    assert site["point"] == pytest.approx([lon, lat], abs=0.001)  # a pixel is ~0.0003 degrees at zoom 12

    decision = record["decision"]
    # The directory gives a report form for 300 beds (item 108); a local instrument may change the final tier.
    assert decision["national_tier"] == "report_form"
    tier_labels = {
        "exempt": "不纳入环评管理（豁免）",
        "registration": "环境影响登记表",
        "report_form": "环境影响报告表",
        "report_book": "环境影响报告书",
    }
    assert page.locator("#tier-label").inner_text() == tier_labels[decision["tier"]]
    assert page.locator("#national-tier-label").inner_text() == "环境影响报告表"
    assert page.locator("#decision-status").inner_text() == "已确定"
    result = page.locator("#result").inner_text()
    assert "item_108.report_form.1" in result
    assert "第108项" in result  # the citation
    assert "住院床位" in result and "300" in result  # the evidence, with the vocabulary's label
    assert "哪些变化会改变结果" in result
    assert page.locator("#admissibility-status").count() == 1

    if zone_layers:
        page.wait_for_selector("body[data-highlighted]")  # hit zones outlined before the screenshot
    OUT.mkdir(exist_ok=True)
    shot = OUT / "web-hospital.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    if not zone_layers:
        pytest.skip("the app serves no zone layers yet: the site hits cannot be checked")
    hits = decision["location"]["hits"]
    assert feature is not None
    assert {(h["layer"], h["code"]) for h in hits} >= {(feature["layer"], feature["code"])}
    table = page.locator("#result table.zones").first
    rows = table.locator("tbody tr")
    listed = {(row.get_attribute("data-layer"), row.get_attribute("data-code")) for row in rows.all()}
    assert listed == {(h["layer"], h["code"]) for h in hits}
    assert feature["name"] in table.inner_text()
    # Hit zones (other than the region's own boundary) are outlined on the map.
    assert int(page.locator("body").get_attribute("data-highlighted")) >= 1


def test_english_switch(page: Any, zone_layers: list[dict[str, Any]]) -> None:
    wait_for_zones(page, zone_layers)
    fill_hospital_form(page)
    record = submit_and_read(page)
    assert page.locator("#national-tier-label").inner_text() == "环境影响报告表"
    page.get_by_role("button", name="Switch to English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title() == "envscreen EIA access screening"
    assert page.locator("#national-tier-label").inner_text() == "Report form"
    if record["decision"]["tier"] == "report_form":
        assert page.locator("#tier-label").inner_text() == "Report form"
    assert page.locator("#decision-status").inner_text() == "determined"
    assert page.get_by_label("Project name").input_value() == HOSPITAL_NAME  # the form keeps its values
    # The decision's own bilingual texts follow the switch (procedure next steps, notes).
    assert "Prepare an EIA report form" in page.locator("#result").inner_text()
    # And back.
    page.get_by_role("button", name="切换到中文").click()
    assert page.locator("#national-tier-label").inner_text() == "环境影响报告表"


def test_broken_yaml_shows_the_error_naming_the_field(page: Any) -> None:
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill(BROKEN_YAML)
    with page.expect_response(lambda r: r.url.endswith("/v1/screenings")) as info:
        page.get_by_role("button", name="预审", exact=True).click()
    assert info.value.status == 422
    assert info.value.headers["content-type"].startswith("application/problem+json")
    alert = page.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert "无法预审" in text
    assert "字段 construction" in text
    assert "第 2 行" in text
    assert "neww" in text
    assert "提示：是否应为 'new'（新建）？" in text  # the hint in the page's language
    assert page.get_by_label("项目 YAML").get_attribute("aria-invalid") == "true"
    assert page.locator("#result").is_hidden()

    # A fixed project clears the error; a site entered meanwhile is appended to the YAML as its location.
    page.get_by_label("项目 YAML").fill(BROKEN_YAML.replace("neww", "new"))
    coord = page.get_by_label("或输入经纬度（WGS84，经度, 纬度）")
    coord.fill("120.15, 29.40")
    coord.press("Enter")
    with page.expect_request(lambda r: r.url.endswith("/v1/screenings")) as sent:
        page.get_by_role("button", name="预审", exact=True).click()
    assert sent.value.headers["content-type"] == "application/yaml"
    assert sent.value.post_data.endswith('\nlocation: {"crs":"wgs84","point":[120.15,29.4]}\n')
    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("#errors").is_hidden()


def test_error_box_lists_every_error_in_the_page_language(page: Any) -> None:
    """Three bad fields: the box lists all three, in Chinese; after the switch, in English."""
    several = "name: 某项目\nconstruction: neww\nindustry_codes: ['8411']\nprocesses: [电渡]\ncolour: red\n"
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill(several)
    with page.expect_request(lambda r: r.url.endswith("/v1/screenings")) as sent:
        page.get_by_role("button", name="预审", exact=True).click()
    assert sent.value.headers["accept-language"] == "zh-CN"
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "无法预审：项目无效" in alert.inner_text()
    items = page.locator("#errors li").all_inner_texts()
    assert len(items) == 3, items
    assert "第 2 行" in items[0] and "是否应为 'new'（新建）？" in items[0]  # in line order
    assert "第 4 行" in items[1] and "未知的工艺：'电渡'" in items[1] and "'electroplating'（电镀）" in items[1]
    assert "第 5 行" in items[2] and "未知的字段：'colour'" in items[2]

    page.get_by_role("button", name="Switch to English").click()
    with page.expect_response(lambda r: r.url.endswith("/v1/screenings")) as info:
        page.get_by_role("button", name="Screen", exact=True).click()
    assert info.value.status == 422
    assert info.value.request.headers["accept-language"] == "en"
    page.wait_for_function("document.querySelector('#errors h3').textContent.includes('Could not screen')")
    items = page.locator("#errors li").all_inner_texts()
    assert len(items) == 3
    assert "unknown process '电渡'" in items[1] and "did you mean 'electroplating'?" in items[1]


def test_form_error_marks_the_quantity(page: Any) -> None:
    """An error from a form submission is shown by its field: a quantity over its maximum."""
    page.get_by_label("项目名称").fill("x")
    page.get_by_label("国民经济行业代码（GB/T 4754-2017）").fill("8411")
    page.get_by_role("button", name="添加一项用量").click()
    page.locator(".quantity-row select").select_option("beds")
    page.locator(".quantity-row input").fill("1e12")
    page.get_by_role("button", name="预审", exact=True).click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "quantities.beds" in alert.inner_text()
    assert page.locator(".quantity-row input").get_attribute("aria-invalid") == "true"


def test_site_by_keyboard(page: Any) -> None:
    """Without a mouse: type a coordinate, draw a polygon from typed vertices, undo one."""
    coord = page.get_by_label("或输入经纬度（WGS84，经度, 纬度）")
    coord.fill("120.15, 29.40")
    coord.press("Enter")
    assert page.locator("#site-summary").inner_text() == "点：120.15000, 29.40000"
    page.get_by_label("面", exact=True).check()
    for lonlat in ("120.16, 29.40", "120.16, 29.41"):
        coord.fill(lonlat)
        coord.press("Enter")
    assert page.locator("#site-summary").inner_text() == "面：3 个顶点"
    page.get_by_role("button", name="撤销").click()
    assert "面：2 个顶点" in page.locator("#site-summary").inner_text()
    coord.fill("abc")
    coord.press("Enter")
    assert coord.get_attribute("aria-invalid") == "true"
    page.get_by_role("button", name="清除").click()
    assert page.locator("#site-summary").inner_text().startswith("未选择场址")


def _fulfil_with(page: Any, decision: dict[str, Any]) -> None:
    """Answer the next screening with `decision` instead of the app's, to render shapes the app may not produce yet."""
    record = {"id": "0" * 32, "created_at": "2026-01-01T00:00:00Z", "decision": decision, "versions": {}}
    page.route(
        "**/v1/screenings",
        lambda route: route.fulfill(status=201, content_type="application/json", body=json.dumps(record)),
    )


def test_a_decision_without_the_optional_parts_renders(page: Any) -> None:
    """No national_tier, admissibility, location or procedure: the page shows what there is."""
    _fulfil_with(
        page,
        {
            "schema": "envscreen/decision/v1",
            "project": "最小决定",
            "status": "needs_more_information",
            "tier": None,
            "tier_range": ["registration", "report_book"],
            "missing": [{"fact": "quantities.beds", "items": [108], "clauses": ["item_108.report_book.1"]}],
        },
    )
    page.get_by_label("项目名称").fill("最小决定")
    page.get_by_role("button", name="预审", exact=True).click()
    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("#tier-label").inner_text() == "尚不能确定"
    assert page.locator("#national-tier-label").count() == 0
    assert page.locator("#admissibility-status").count() == 0
    text = page.locator("#result").inner_text()
    assert "可能的类别：环境影响登记表 至 环境影响报告书" in text
    assert "住院床位" in page.locator("#missing").inner_text()
    assert "null" not in text and "undefined" not in text


def test_admissibility_reasons_and_hits_render(page: Any) -> None:
    """The decision shape the lead developer announced: prohibited, with the zone on each reason and the hits."""
    zone = {"layer": "red_line", "kind": "ecological_red_line", "code": "HX-1", "name": "某生态保护红线"}
    _fulfil_with(
        page,
        {
            "schema": "envscreen/decision/v2",
            "project": "红线内项目",
            "status": "determined",
            "tier": "registration",
            "national_tier": "report_form",
            "admissibility": {
                "status": "prohibited",
                "message_zh": "选址不符合准入要求。",
                "message_en": "The site is not admissible.",
                "reasons": [
                    {
                        "rule_id": "zoning.red_line.1",
                        "effect": "prohibited",
                        "dimension": "space_layout",
                        "text": "生态保护红线内禁止开发性、生产性建设活动",
                        "text_en": "No development or production in the ecological red line",
                        "citation": "《某指导意见》第二条",
                        "zone": zone,
                    }
                ],
            },
            "location": {
                "hits": [{**zone, "relation": "inside", "distance_m": 0.0}],
                "nearby": [{**zone, "code": "HX-2", "name": "另一红线", "relation": "nearby", "distance_m": 120.4}],
                "buffer_m": 500.0,
            },
        },
    )
    page.get_by_label("项目名称").fill("红线内项目")
    page.get_by_role("button", name="预审", exact=True).click()
    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("#tier-label").inner_text() == "环境影响登记表"
    assert page.locator("#national-tier-label").inner_text() == "环境影响报告表"
    assert page.locator("#admissibility-status").inner_text() == "禁止准入"
    reasons = page.locator(".reasons").inner_text()
    assert "生态保护红线内禁止开发性、生产性建设活动" in reasons
    assert "《某指导意见》第二条" in reasons and "HX-1" in reasons
    hits, nearby = page.locator("table.zones").all()
    assert hits.locator("tbody tr").count() == 1
    assert hits.locator("tr[data-layer='red_line'][data-code='HX-1']").count() == 1
    assert "生态保护红线" in hits.inner_text()
    assert "120" in nearby.inner_text() and "附近" in nearby.inner_text()
    page.get_by_role("button", name="Switch to English").click()
    assert page.locator("#admissibility-status").inner_text() == "prohibited"
    assert "No development or production in the ecological red line" in page.locator(".reasons").inner_text()
    assert "The site is not admissible." in page.locator("#result").inner_text()


# ------------------------------------------------------------------------------------------
# Guided questions (issue 8): the page asks what the decision needs, one round at a time.

PIG_FARM = "某牧业公司生猪养殖场新建项目"
FURNITURE_YAML = (
    "name: 某家具公司实木家具新建项目\nconstruction: new\nindustry_codes: ['2110']\n"
    "industrial_building: true\nprocesses: []\nquantities: {solvent_coating_t_per_year: 5}\n"
)


def fill_pig_farm_form(page: Any) -> None:
    """A pig farm given only its industry code: the directory's item 3 needs answers."""
    page.get_by_label("项目名称").fill(PIG_FARM)
    page.get_by_label("建设性质").select_option("new")
    page.get_by_label("国民经济行业代码（GB/T 4754-2017）").fill("0313")


def continue_and_read(page: Any, button: str = "继续预审") -> tuple[dict[str, Any], dict[str, Any]]:
    """Press the questions' continue button; return (the JSON sent, the 201 body received)."""
    with page.expect_response(lambda r: r.url.endswith("/v1/screenings") and r.request.method == "POST") as info:
        page.get_by_role("button", name=button).click()
    response = info.value
    assert response.status == 201, response.text()
    page.wait_for_selector("#result:not([hidden]) #tier-label")
    return json.loads(response.request.post_data), response.json()


def test_questions_lead_a_pig_farm_to_its_tier(page: Any, tmp_path: Path) -> None:
    fill_pig_farm_form(page)
    record = submit_and_read(page)
    decision = record["decision"]
    assert decision["status"] == "needs_more_information"
    assert decision["questions"][0]["id"] == "features.livestock_scale_farm"
    questions = page.locator("#questions fieldset.question")
    assert questions.first.get_attribute("data-question") == "features.livestock_scale_farm"
    assert questions.count() == len(decision["questions"])
    assert "规模化畜禽养殖" in questions.first.locator("legend").inner_text()
    assert "第 3 项 → 环境影响报告书" in questions.first.inner_text()  # what the answer can move
    # Focus moves to the questions: the next thing to do.
    assert page.evaluate("document.activeElement.id") == "questions-heading"
    screenshots(page, tmp_path, "questions")

    questions.first.get_by_label("是", exact=True).check()
    sent, record = continue_and_read(page)
    assert sent["answers"] == {"features.livestock_scale_farm": True}
    assert record["decision"]["status"] == "needs_more_information"
    ids = [q.get_attribute("data-question") for q in page.locator("#questions fieldset.question").all()]
    assert "features.livestock_scale_farm" not in ids  # answered: not asked again
    head = page.locator('#questions fieldset[data-question="quantities.livestock_pig_eq_output_head_per_year"]')
    head.locator("input[type=number]").fill("6000")
    sent, record = continue_and_read(page)
    assert sent["answers"] == {
        "features.livestock_scale_farm": True,
        "quantities.livestock_pig_eq_output_head_per_year": 6000,
    }
    assert record["decision"]["tier"] == "report_book"
    assert page.locator("#tier-label").inner_text() == "环境影响报告书"
    assert page.locator("#q-kept").inner_text() == "已记录的回答：2 项（随项目一并提交）"

    # Clearing the answers screens the bare project again.
    with page.expect_response(lambda r: r.url.endswith("/v1/screenings")) as info:
        page.get_by_role("button", name="清除回答").click()
    assert "answers" not in json.loads(info.value.request.post_data)
    page.wait_for_selector('#questions fieldset[data-question="features.livestock_scale_farm"]')


def test_questions_in_english_and_a_none_choice(page: Any) -> None:
    fill_pig_farm_form(page)
    submit_and_read(page)
    page.get_by_role("button", name="Switch to English").click()
    first = page.locator("#questions fieldset.question").first
    assert first.locator("legend").inner_text().startswith("Does this apply to the project: scale livestock")
    areas = page.locator('#questions fieldset[data-question="sensitive_areas"]')
    areas.get_by_label("None of these").check()
    first.get_by_label("No", exact=True).check()
    sent, record = continue_and_read(page, "Continue screening")
    assert sent["answers"]["features.livestock_scale_farm"] is False
    assert sent["answers"]["sensitive_areas.residential_area"] is False
    # Not a scale farm: item 3 lists no column for it, so it is outside EIA management (article 5).
    assert record["decision"]["tier"] == "exempt", record["decision"]["questions"]


def test_assumptions_and_yaml_answers(page: Any, tmp_path: Path) -> None:
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill(FURNITURE_YAML)
    record = submit_and_read(page)
    assumptions = record["decision"]["assumptions"]
    assert assumptions and all(a["text_zh"] and a["text_en"] for a in assumptions)
    shown = page.locator("#assumptions li")
    assert shown.count() == len(assumptions)
    assert "完整工艺清单（processes）未列出「电镀」" in page.locator("#assumptions").inner_text()
    screenshots(page, tmp_path, "assumptions")


def screenshots(page: Any, tmp_path: Path, name: str) -> None:
    """The page at desktop and phone widths (kept in out/ with ENVSCREEN_KEEP_SCREENSHOTS=1, to look at)."""
    for width, height, kind in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        # Nothing wider than the screen (a fieldset's min-content width once widened the phone page).
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        path = tmp_path / f"{name}-{kind}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        if os.environ.get("ENVSCREEN_KEEP_SCREENSHOTS"):
            OUT.mkdir(exist_ok=True)
            (OUT / path.name).write_bytes(path.read_bytes())
    page.set_viewport_size({"width": 1280, "height": 900})


def test_answers_in_yaml_mode_are_appended_to_the_yaml(page: Any) -> None:
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill("name: 某养殖场\nconstruction: new\nindustry_codes: ['0313']\n")
    submit_and_read(page)
    page.locator("#questions fieldset.question").first.get_by_label("否", exact=True).check()
    with page.expect_request(lambda r: r.url.endswith("/v1/screenings")) as sent:
        page.get_by_role("button", name="继续预审").click()
    assert sent.value.headers["content-type"] == "application/yaml"
    assert sent.value.post_data.endswith('\nanswers: {"features.livestock_scale_farm":false}\n')
    page.wait_for_selector("#result:not([hidden]) #tier-label")
    # YAML with answers of its own is never edited by the page: the user is told to add them there.
    page.get_by_label("项目 YAML").fill(
        "name: 某养殖场\nconstruction: new\nindustry_codes: ['0313']\nanswers: {features.livestock_no_output: false}\n"
    )
    page.get_by_role("button", name="预审", exact=True).click()
    assert "已有 answers 字段" in page.get_by_role("alert").inner_text()


def test_pasted_json_gets_the_site_and_answers_as_json(page: Any) -> None:
    """Appending YAML lines to pasted JSON would break it: the page merges and sends JSON."""
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill('{"name": "某养殖场", "construction": "new", "industry_codes": ["0313"]}')
    coord = page.get_by_label("或输入经纬度（WGS84，经度, 纬度）")
    coord.fill("120.15, 29.40")
    coord.press("Enter")
    submit_and_read(page)
    page.locator("#questions fieldset.question").first.get_by_label("否", exact=True).check()
    with page.expect_request(lambda r: r.url.endswith("/v1/screenings")) as sent:
        page.get_by_role("button", name="继续预审").click()
    assert sent.value.headers["content-type"] == "application/json"
    body = json.loads(sent.value.post_data)
    assert body["location"] == {"crs": "wgs84", "point": [120.15, 29.4]}
    assert body["answers"] == {"features.livestock_scale_farm": False}
    page.wait_for_selector("#result:not([hidden]) #tier-label")


# ------------------------------------------------------------------------------------------
# The pre-screening opinion download (issue 11): 下载预审意见 (PDF/Word) under a result.


def test_download_buttons_give_the_opinion_of_the_screened_project(page: Any, tmp_path: Path) -> None:
    fill_hospital_form(page)
    click_site(page, 119.885894, 29.411419)
    submit_and_read(page)
    group = page.get_by_role("group", name="下载预审意见 (PDF/Word)")
    assert group.is_visible()

    with page.expect_request(lambda r: "/v1/report" in r.url) as sent, page.expect_download() as info:
        group.get_by_role("button", name="PDF").click()
    assert sent.value.url.endswith("/v1/report?format=pdf")
    assert json.loads(sent.value.post_data)["name"] == HOSPITAL_NAME  # the body that was screened
    download = info.value
    assert download.suggested_filename == f"预审意见-{HOSPITAL_NAME}.pdf"
    pdf = tmp_path / "opinion.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert b"/Type /Page" in pdf.read_bytes()

    with page.expect_download() as info:
        group.get_by_role("button", name="Word").click()
    assert info.value.suggested_filename.endswith(".docx")
    assert page.locator("#errors").is_hidden()


# ------------------------------------------------------------------------------------------
# After 预审: focus, scroll, the site on the map; map keyboard use; colours; print (issue 11.4).

SITED_YAML = (Path(__file__).resolve().parents[2] / "examples" / "site-hospital-in-reform-area.yaml").read_text(
    encoding="utf-8"
)
SITED_PLOT_CENTRE = (119.9598, 29.28055)  # the polygon in that file


def submit_pasted(page: Any, text: str) -> dict[str, Any]:
    page.get_by_label("粘贴或上传 YAML").check()
    page.get_by_label("项目 YAML").fill(text)
    return submit_and_read(page)


def in_viewport(page: Any, selector: str) -> bool:
    """The element is shown and its top edge is on screen (not above, not below the fold)."""
    return bool(
        page.evaluate(
            """s => { const r = document.querySelector(s).getBoundingClientRect();
                     return r.height > 0 && r.top >= 0 && r.top < innerHeight; }""",
            selector,
        )
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_after_submit_the_result_has_focus_and_the_map_shows_the_yaml_site(
    page: Any, zone_layers: list[dict[str, Any]], tmp_path: Path, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    wait_for_zones(page, zone_layers)
    record = submit_pasted(page, SITED_YAML)
    assert record["decision"]["location"]["site"]["geometry"]["type"] == "Polygon"
    # Focus moved to the result (a screen reader reads it next; Tab continues from there), on screen.
    assert page.evaluate("document.activeElement.id") == "result-heading"
    assert in_viewport(page, "#result-heading")
    # The map zoomed to the site, and the site from the YAML (nothing was drawn) is drawn.
    page.wait_for_selector("body[data-site-shown]")
    zoom, contains = page.evaluate(
        """([lon, lat]) => [window.envscreenMap.getZoom(), window.envscreenMap.getBounds().contains([lat, lon])]""",
        list(SITED_PLOT_CENTRE),
    )
    assert contains and zoom >= 14, zoom  # the county fits at about zoom 10
    assert page.locator("#map path[aria-label='预审的场址（来自项目）']").count() == 1
    page.screenshot(path=str(tmp_path / "after-submit-viewport.png"))  # what the user sees now
    screenshots(page, tmp_path, f"after-submit-{width}")


def test_a_drawn_site_is_not_drawn_twice_and_questions_get_focus(page: Any) -> None:
    coord = page.get_by_label("或输入经纬度（WGS84，经度, 纬度）")
    coord.fill("119.885894, 29.411419")
    coord.press("Enter")
    submit_pasted(page, "name: 某养殖场\nconstruction: new\nindustry_codes: ['0313']\n")
    page.wait_for_selector("body[data-site-shown]")
    assert page.locator("#map path[aria-label='预审的场址（来自项目）']").count() == 0
    # A result with questions puts focus on them: answering is the next step.
    assert page.evaluate("document.activeElement.id") == "questions-heading"
    assert in_viewport(page, "#questions-heading")
    # A language switch re-renders the result without taking focus away from the switch.
    page.get_by_role("button", name="Switch to English").click()
    assert page.evaluate("document.activeElement.id") == "lang-switch"


def tab_presses_to_leave(page: Any, container: str, limit: int = 600) -> int:
    """Focus `container`, then press Tab until focus is outside it; return the presses needed."""
    page.focus(container)
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if not page.evaluate("s => document.querySelector(s).contains(document.activeElement)", container):
            return presses
    return limit


def test_zone_shapes_are_not_tab_stops_and_the_map_keeps_its_keys(page: Any, zone_layers: list[dict[str, Any]]) -> None:
    if not zone_layers:
        pytest.skip("the app serves no zone layers")
    wait_for_zones(page, zone_layers)
    shapes = page.locator("#map .leaflet-overlay-pane path").count()
    assert shapes > 100  # the whole county is in view: every shape would be a tab stop
    # From the map: zoom in, zoom out, the Leaflet attribution link, then out (was 488 presses).
    presses = tab_presses_to_leave(page, "#map")
    assert presses <= 4, presses
    # The map itself is still a tab stop, with Leaflet's keys: arrows pan, minus zooms out.
    page.focus("#map")
    before = page.evaluate("[window.envscreenMap.getCenter().lng, window.envscreenMap.getZoom()]")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("lng => window.envscreenMap.getCenter().lng > lng", arg=before[0])
    page.keyboard.press("Minus")
    page.wait_for_function("z => window.envscreenMap.getZoom() < z", arg=before[1])


def test_one_colour_per_sensitive_area_kind_with_a_legend(page: Any, zone_layers: list[dict[str, Any]]) -> None:
    kinds = [k for layer in zone_layers for k in layer.get("sensitive_areas", [])]
    if not kinds:
        pytest.skip("the app serves no sensitive-area layer")
    wait_for_zones(page, zone_layers)
    legend = page.locator("#legend-sensitive .legend-item")
    assert legend.all_inner_texts()[: len(set(kinds))] == legend.all_inner_texts()
    shown = {
        item.get_attribute("data-kind"): item.locator(".swatch").evaluate("e => getComputedStyle(e).backgroundColor")
        for item in legend.all()
    }
    assert set(shown) == set(kinds)
    assert len(set(shown.values())) == len(shown)  # no two kinds share a colour
    if "drinking_water_source_protection_area" in shown:
        assert "饮用水水源保护区" in page.locator("#legend-sensitive").inner_text()  # the vocabulary's name
    # The shapes on the map carry their kind's legend colour, one colour per kind.
    drawn = page.evaluate(
        """() => { const out = {}; window.envscreenMap.eachLayer((l) => {
              const k = l.feature?.properties?.sensitive_area; if (!k || !l.options?.color) return;
              (out[k] ||= new Set()).add(l.options.color); });
            return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]])); }"""
    )
    assert drawn, "no sensitive-area shape in view"

    def rgb(hex_colour: str) -> str:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgb({r}, {g}, {b})"

    for kind, colours in drawn.items():
        assert len(colours) == 1 and rgb(colours[0]) == shown[kind], (kind, colours, shown[kind])


def test_print_gives_the_result_not_the_form(page: Any, tmp_path: Path) -> None:
    page.emulate_media(media="print")
    assert page.locator("#project-form").is_visible()  # nothing screened yet: the page prints as it is
    page.emulate_media(media="screen")
    record = submit_pasted(page, SITED_YAML)
    page.emulate_media(media="print")
    assert page.locator("#result-body").is_visible()
    for hidden in ("#project-form", "#map", ".report-download", "#lang-switch"):
        assert page.locator(hidden).is_hidden(), hidden
    # On paper (Chromium's own PDF printing): the tier and the findings, no form labels.
    pdf = tmp_path / "printed.pdf"
    page.pdf(path=str(pdf), format="A4")
    import subprocess

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=False).stdout
    if not text:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "预审结果" in text and record["decision"]["findings"][0]["rule_id"] in text.replace("\n", "")
    assert "项目名称" not in text and "绘制场址" not in text and "下载预审意见" not in text


# ------------------------------------------------------------------------------------------
# /docs offline (issue 11.5): Swagger UI from the app's own files.


def test_docs_render_offline(browser: Any, base_url: str) -> None:
    """Every request to a host other than the server's is refused and recorded: none may be made."""
    from urllib.parse import urlsplit

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    own = urlsplit(base_url).netloc
    elsewhere: list[str] = []

    def only_own_host(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_own_host)
    try:
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(f"{base_url}/docs")
        # Swagger UI rendered the spec: the title, and an operation of ours.
        pg.wait_for_selector(".swagger-ui .info .title")
        assert "envscreen" in pg.locator(".swagger-ui .info .title").inner_text()
        pg.wait_for_selector("#operations-screenings-create_screening_v1_screenings_post, .opblock")
        assert "/v1/screenings" in pg.locator(".swagger-ui").inner_text()
        assert not pg.locator(".swagger-ui .errors-wrapper").is_visible()
        assert elsewhere == [] and errors == [], (elsewhere, errors)
    finally:
        context.close()

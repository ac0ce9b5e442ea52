"""The web page's opinion download (下载预审意见): in headless Chromium, a screened project's
PDF and Word buttons give the files POST /v1/report makes for the same body."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# The browser fixtures of the page's own tests (same server, same Chromium).
from .test_web import (  # noqa: F401
    HOSPITAL_NAME,
    base_url,
    browser,
    click_site,
    fill_hospital_form,
    page,
    submit_and_read,
)


def test_download_buttons_give_the_opinion_of_the_screened_project(page: Any, tmp_path: Path) -> None:  # noqa: F811
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
    assert re.search(rb"/Type\s*/Page\b", pdf.read_bytes())

    with page.expect_download() as info:
        group.get_by_role("button", name="Word").click()
    assert info.value.suggested_filename.endswith(".docx")
    assert page.locator("#errors").is_hidden()

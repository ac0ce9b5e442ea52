"""POST /v1/report against the real server: status first, then headers, then the document."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote

import docx
import httpx
import pypdf

ROOT = Path(__file__).resolve().parents[2]
WORKSHOP = (ROOT / "examples" / "site-workshop-near-homes.yaml").read_text(encoding="utf-8")
WORKSHOP_NAME = "某机械公司通用设备组装车间新建项目"


def _filename(disposition: str) -> str:
    star = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert star, disposition
    return unquote(star.group(1))


def test_pdf_of_a_yaml_project(client: httpx.Client) -> None:
    r = client.post("/v1/report?format=pdf", content=WORKSHOP.encode(), headers={"content-type": "application/yaml"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert _filename(r.headers["content-disposition"]) == f"预审意见-{WORKSHOP_NAME}.pdf"
    assert r.content[:5] == b"%PDF-"
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert WORKSHOP_NAME in text and "有条件准入" in text and "环境影响报告表" in text


def test_docx_of_a_json_project_is_the_default_form_otherwise(client: httpx.Client) -> None:
    project = {"name": "某家具厂", "construction": "new", "industry_codes": ["2110"], "industrial_building": True}
    r = client.post("/v1/report", params={"format": "docx"}, json=project)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert _filename(r.headers["content-disposition"]) == "预审意见-某家具厂.docx"
    document = docx.Document(io.BytesIO(r.content))
    overview = document.tables[0]
    assert [c.text for c in overview.rows[1].cells] == ["项目名称", "某家具厂"]
    assert any("未提供项目位置" in p.text for p in document.paragraphs)
    r = client.post("/v1/report", json=project)  # no format: PDF
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"


def test_unknown_format_and_bad_project_are_problems(client: httpx.Client) -> None:
    r = client.post("/v1/report?format=odt", content=WORKSHOP.encode(), headers={"content-type": "application/yaml"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "format"
    r = client.post("/v1/report?format=pdf", json={"name": "x", "construction": "neww", "industry_codes": ["2110"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "project_unknown_construction"
    r = client.post("/v1/report", content=b"name: x", headers={"content-type": "text/plain"})
    assert r.status_code == 415

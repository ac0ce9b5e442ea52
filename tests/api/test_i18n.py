"""Problem bodies in the asker's language: Accept-Language or ?lang= chooses Chinese or English
for the title, the detail and every error's message and hint; codes, fields and lines stay."""

from __future__ import annotations

import httpx
import pytest

from .test_problems import assert_problem

# Three bad fields: every one is reported, not only the first.
BAD = (
    "name: 电镀厂\nconstruction: 新見\nindustry_codes: ['3360']\nindustrial_building: true\n"
    "processes: [electroplatng]\ncolour: red\n"
)


def _post(client: httpx.Client, headers: dict[str, str] | None = None, params: dict[str, str] | None = None) -> dict:
    r = client.post(
        "/v1/screenings",
        content=BAD.encode(),
        headers={"content-type": "application/yaml", **(headers or {})},
        params=params,
    )
    return assert_problem(r, 422) | {"_headers": dict(r.headers)}


def test_accept_language_zh_gives_chinese_title_detail_and_every_error(client: httpx.Client) -> None:
    body = _post(client, {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert body["_headers"]["content-language"] == "zh-CN"
    assert body["title"] == "项目无效"
    assert body["detail"] == "construction: 未知的建设性质（construction）：'新見'"  # the first line's
    assert [(e["code"], e["field"], e["line"], e["message"], e["hint"]) for e in body["errors"]] == [
        (
            "project_unknown_construction",
            "construction",
            2,
            "未知的建设性质（construction）：'新見'",
            "是否应为 'new'（新建）？",
        ),
        (
            "project_unknown_processes",
            "processes.0",
            5,
            "未知的工艺：'electroplatng'",
            "是否应为 'electroplating'（电镀）？",
        ),
        ("project_unknown_field", "colour", 6, "未知的字段：'colour'", body["errors"][2]["hint"]),
    ]
    assert body["errors"][2]["hint"].startswith("字段有：name, ")


def test_lang_parameter_wins_over_the_header(client: httpx.Client) -> None:
    body = _post(client, {"Accept-Language": "en"}, {"lang": "zh"})
    assert body["title"] == "项目无效"
    body = _post(client, {"Accept-Language": "zh-CN"}, {"lang": "en"})
    assert body["title"] == "The project is not valid"


@pytest.mark.parametrize("header", [None, "en-US,en;q=0.9", "fr"])
def test_english_by_default(client: httpx.Client, header: str | None) -> None:
    body = _post(client, {"Accept-Language": header} if header else None)
    assert body["_headers"]["content-language"] == "en"
    assert body["title"] == "The project is not valid"
    assert body["errors"][1]["message"] == "unknown process 'electroplatng'"
    assert body["errors"][1]["hint"] == "did you mean 'electroplating'?"


def test_a_problem_from_http_is_translated_too(client: httpx.Client) -> None:
    missing = "0" * 32
    r = client.get(f"/v1/screenings/{missing}", headers={"Accept-Language": "zh"})
    body = assert_problem(r, 404)
    assert body["title"] == "未找到"
    assert body["detail"] == f"没有编号为 '{missing}' 的预审记录"


def test_a_batch_item_problem_is_in_the_asked_language(client: httpx.Client) -> None:
    project = {"name": "x", "construction": "new", "industry_codes": ["2110"], "colour": 1}
    r = client.post("/v1/screenings/batch", json={"projects": [project]}, headers={"Accept-Language": "zh"})
    assert r.status_code == 200, r.text
    error = r.json()["results"][0]["error"]
    assert error["title"] == "项目无效"
    assert error["errors"][0]["message"] == "未知的字段：'colour'"

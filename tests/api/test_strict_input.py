"""Input that Python's readers take silently or crash on: duplicate keys, over-long numbers, lone
surrogates. Each is a 422 naming the field (a single project) or that project's own result (a batch);
none is a 500, and none reaches the records database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .test_problems import assert_problem, post
from .test_screenings import HOSPITAL

JSON = "application/json"
BIG = "1" * 5000
REST = '"construction": "new", "project_types": ["hospital"]'
HOSPITAL_JSON = '"name": "医院", ' + REST


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ('{"name": "a", "name": "b", ' + REST + "}", "json_duplicate_key", "name"),
        ("{" + HOSPITAL_JSON + ', "quantities": {"beds": 10, "beds": 500}}', "json_duplicate_key", "quantities.beds"),
        ("{" + HOSPITAL_JSON + f', "quantities": {{"beds": {BIG}}}}}', "input_number_too_large", "quantities.beds"),
        ("{" + HOSPITAL_JSON + f', "quantities": {{"beds": -{BIG}}}}}', "input_number_too_large", "quantities.beds"),
        ('{"name": "x\\ud800", "construction": "new", "project_types": ["hospital"]}', "input_bad_unicode", "name"),
        ("{" + HOSPITAL_JSON + ', "processes": ["\\udc00"]}', "input_bad_unicode", "processes.0"),
        ("{" + HOSPITAL_JSON + ', "quantities": {"\\ud800": 1}}', "input_bad_unicode", "quantities.\\ud800"),
    ],
)
def test_json_project_is_refused_with_the_field(client: httpx.Client, body: str, code: str, field: str) -> None:
    problem = assert_problem(post(client, body, JSON), 422)
    assert problem["errors"][0]["code"] == code
    assert problem["errors"][0]["field"] == field
    assert len(problem["detail"]) < 400  # 5,000 digits are not echoed


def test_a_surrogate_pair_is_one_character_and_accepted(client: httpx.Client) -> None:
    r = post(client, '{"name": "\\ud83c\\udfe5 医院", "construction": "new", "project_types": ["hospital"]}', JSON)
    assert r.status_code == 201, r.text
    assert r.json()["decision"]["project"] == "🏥 医院"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('name: "x\\ud800"\nconstruction: new\nproject_types: [hospital]\n', "input_bad_unicode"),
        ("name: x\nconstruction: new\nproject_types: [hospital]\nquantities: {beds: " + BIG + "}\n", None),
        ("name: x\nconstruction: new\nproject_types: [hospital]\nquantities: {beds: 0300}\n", "yaml_ambiguous_number"),
    ],
)
def test_yaml_project_is_refused_with_the_line(client: httpx.Client, text: str, code: str | None) -> None:
    problem = assert_problem(post(client, text, "application/yaml"), 422)
    assert problem["errors"][0]["code"] == (code or "input_number_too_large")
    assert problem["errors"][0]["line"] in (1, 4)


def _batch(client: httpx.Client, body: str) -> httpx.Response:
    return client.post("/v1/screenings/batch", content=body.encode(), headers={"content-type": JSON})


def test_batch_gives_each_bad_project_its_own_problem(db_client: httpx.Client) -> None:
    good = '{"name": "好医院", "construction": "new", "project_types": ["hospital"], "quantities": {"beds": 300}}'
    items = [
        good,
        '{"name": "a", "name": "b", "construction": "new", "project_types": ["hospital"]}',
        "{" + HOSPITAL_JSON + f', "quantities": {{"beds": {BIG}}}}}',
        '{"name": "\\ud800", "construction": "new", "project_types": ["hospital"]}',
        '"name: \\"\\\\ud800\\"\\nconstruction: new\\nproject_types: [hospital]\\n"',  # YAML text: its escape
        '"name: \\ud800\\nconstruction: new\\nproject_types: [hospital]\\n"',  # YAML text holding a surrogate
    ]
    r = _batch(db_client, '{"projects": [' + ", ".join(items) + "]}")
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    codes = [x["error"]["errors"][0]["code"] if "error" in x else None for x in results]
    assert codes == [
        None,
        "json_duplicate_key",
        "input_number_too_large",
        "input_bad_unicode",
        "input_bad_unicode",
        "input_bad_unicode",
    ]
    assert [x["error"]["errors"][0]["field"] for x in results[1:4]] == ["name", "quantities.beds", "name"]
    # The good one is stored and reads back, on SQLite and PostgreSQL alike.
    got = db_client.get(f"/v1/screenings/{results[0]['id']}")
    assert got.status_code == 200
    assert got.json()["project_name"] == "好医院"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"projects": [], "projects": [{"name": "x"}]}', "json_duplicate_key"),
        ('{"projects": [], "\\ud800": 1}', "input_bad_unicode"),
        ('{"projects": ' + BIG + "}", "input_number_too_large"),
    ],
)
def test_batch_itself_malformed_is_one_422(client: httpx.Client, body: str, code: str) -> None:
    problem = assert_problem(_batch(client, body), 422)
    assert problem["errors"][0]["code"] == code


def test_single_projects_are_stored_only_when_clean(db_client: httpx.Client) -> None:
    # The record's input text is what was sent, and it is valid UTF-8 whichever database stores it.
    body: dict[str, Any] = dict(HOSPITAL, name="\U0001f3e5 escaped as a pair")
    r = db_client.post("/v1/screenings", json=body)  # httpx escapes non-ASCII: \ud83c\udfe5
    assert r.status_code == 201, r.text
    got = db_client.get(r.headers["location"]).json()
    assert got["project_name"] == "\U0001f3e5 escaped as a pair"
    assert_problem(post(db_client, '{"name": "\\ud800", "construction": "new", "project_types": ["x"]}', JSON), 422)

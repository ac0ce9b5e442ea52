"""POST /v1/questions against the real server: status first, then the body."""

from __future__ import annotations

import httpx


def test_questions_for_a_pig_farm_from_yaml(client: httpx.Client) -> None:
    body = "name: 猪场\nconstruction: new\nindustry_codes: ['0313']\n"
    r = client.post("/v1/questions", content=body.encode(), headers={"content-type": "application/yaml"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["schema"] == "envscreen/questions/v1"
    assert doc["status"] == "needs_more_information"
    first = doc["questions"][0]
    assert (first["id"], first["kind"]) == ("features.livestock_scale_farm", "bool")
    assert {"item": 3, "tier": "report_book"}.items() <= first["moves"][0].items()
    heads = next(q for q in doc["questions"] if q["id"] == "quantities.livestock_pig_eq_output_head_per_year")
    assert heads["unit"] == "head/a" and heads["moves"][0]["threshold"] == 5000


def test_answers_in_json_settle_the_tier(client: httpx.Client) -> None:
    project = {
        "name": "猪场",
        "construction": "new",
        "industry_codes": ["0313"],
        "answers": {"features.livestock_scale_farm": True, "quantities.livestock_pig_eq_output_head_per_year": 6000},
    }
    r = client.post("/v1/questions", json=project)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["tier"], r.json()["questions"]) == ("determined", "report_book", [])
    r = client.post("/v1/screenings", json=project)
    assert r.status_code == 201, r.text
    assert r.json()["decision"]["tier"] == "report_book"


def test_a_bad_answer_is_a_422_naming_the_field(client: httpx.Client) -> None:
    project = {"name": "x", "construction": "new", "industry_codes": ["0313"], "answers": {"features.nope": True}}
    r = client.post("/v1/questions", json=project)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["code"] == "project_unknown_answer"

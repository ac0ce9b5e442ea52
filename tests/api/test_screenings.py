"""POST /v1/screenings (JSON, YAML), GET with rerun, batch: status first, then the body."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from api.records import Records, ScreeningRecord, make_engine

from .conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
FURNITURE_YAML = (ROOT / "examples" / "furniture-solvent-coating.yaml").read_text(encoding="utf-8")
HOSPITAL = {
    "name": "某县人民医院新院区建设项目",
    "construction": "new",
    "project_types": ["hospital"],
    "quantities": {"beds": 300},
}
YAML_HEADERS = {"content-type": "application/yaml"}


def test_create_screening_from_yaml_returns_201_with_location_and_decision(client: httpx.Client) -> None:
    r = client.post("/v1/screenings", content=FURNITURE_YAML.encode(), headers=YAML_HEADERS)
    assert r.status_code == 201, r.text
    body = r.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"])
    assert r.headers["location"] == f"/v1/screenings/{body['id']}"
    assert body["decision"]["schema"] == "envscreen/decision/v2"
    assert body["decision"]["tier"] == "report_book"
    assert body["decision"]["project"] == "某家具公司年产2万套实木家具新建项目"
    assert {"id": "directory-2021", "version": "2021.0"}.items() <= body["versions"]["rule_packs"][0].items()
    assert isinstance(body["versions"]["zone_layers"], dict)
    assert body["created_at"].endswith("Z")  # UTC


@pytest.mark.parametrize("content_type", ["text/yaml", "application/x-yaml", "application/yaml; charset=utf-8"])
def test_create_screening_accepts_every_yaml_media_type(client: httpx.Client, content_type: str) -> None:
    r = client.post("/v1/screenings", content=FURNITURE_YAML.encode(), headers={"content-type": content_type})
    assert r.status_code == 201, r.text
    assert r.json()["decision"]["tier"] == "report_book"


def test_create_screening_from_json(client: httpx.Client) -> None:
    r = client.post("/v1/screenings", json=HOSPITAL)
    assert r.status_code == 201, r.text
    decision = r.json()["decision"]
    assert decision["project"] == HOSPITAL["name"]
    assert decision["tier"] == "report_form"
    assert decision["findings"], "the tier must come with the clause that decided it"
    assert all("《建设项目环境影响评价分类管理名录（2021年版）》" in f["citation"] for f in decision["findings"])


def test_json_and_yaml_of_the_same_project_agree(client: httpx.Client) -> None:
    as_yaml = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in HOSPITAL.items())
    a = client.post("/v1/screenings", json=HOSPITAL).json()["decision"]
    b = client.post("/v1/screenings", content=as_yaml.encode(), headers=YAML_HEADERS).json()["decision"]
    assert a == b


def test_read_screening_returns_the_stored_record(db_client: httpx.Client) -> None:
    created = db_client.post("/v1/screenings", content=FURNITURE_YAML.encode(), headers=YAML_HEADERS)
    assert created.status_code == 201, created.text
    r = db_client.get(created.headers["location"])
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["id"] == created.json()["id"]
    assert record["decision"] == created.json()["decision"]
    assert record["versions"] == created.json()["versions"]
    assert record["created_at"] == created.json()["created_at"]
    assert record["input"] == {"media_type": "application/yaml", "text": FURNITURE_YAML}
    assert record["project_name"] == "某家具公司年产2万套实木家具新建项目"
    assert record["envscreen_version"]
    assert "rerun" not in record or record["rerun"] is None


def test_rerun_agrees_when_nothing_changed(db_client: httpx.Client) -> None:
    created = db_client.post("/v1/screenings", json=HOSPITAL).json()
    r = db_client.get(f"/v1/screenings/{created['id']}", params={"rerun": "true"})
    assert r.status_code == 200, r.text
    rerun = r.json()["rerun"]
    assert rerun["agrees"] is True
    assert rerun["differences"] == []
    assert rerun["decision"]["tier"] == created["decision"]["tier"]


def test_rerun_names_the_fields_that_differ(db_server: LiveServer, db_client: httpx.Client) -> None:
    created = db_client.post("/v1/screenings", json=HOSPITAL).json()
    # Pretend the advice was given under older rules that said report_book.
    stored = dict(created["decision"], tier="report_book", national_tier="report_book")
    records = Records(make_engine(db_server.settings.database_url))
    try:
        with records.engine.begin() as conn:
            conn.execute(
                update(ScreeningRecord)
                .where(ScreeningRecord.id == created["id"])
                .values(decision_json=json.dumps(stored, ensure_ascii=False))
            )
    finally:
        records.dispose()
    r = db_client.get(f"/v1/screenings/{created['id']}?rerun=true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"]["tier"] == "report_book"
    assert body["rerun"]["agrees"] is False
    assert body["rerun"]["differences"] == ["national_tier", "tier"]
    assert body["rerun"]["decision"]["tier"] == "report_form"


def test_unknown_screening_is_404_problem(db_client: httpx.Client) -> None:
    r = db_client.get("/v1/screenings/" + "0" * 32)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404
    assert "0" * 32 in r.json()["detail"]


@pytest.mark.parametrize("bad_id", ["abc", "../../etc/passwd", "0" * 31 + "G", "%2e%2e%2fenvscreen.db"])
def test_malformed_screening_id_is_refused_before_any_lookup(client: httpx.Client, bad_id: str) -> None:
    r = client.get(f"/v1/screenings/{bad_id}")
    assert r.status_code in (404, 422)
    assert r.headers["content-type"] == "application/problem+json"


def test_batch_gives_a_result_or_an_error_per_project(client: httpx.Client) -> None:
    projects = [HOSPITAL, {"name": "坏项目", "construction": "neww", "industry_codes": ["2110"]}, FURNITURE_YAML]
    r = client.post("/v1/screenings/batch", json={"projects": projects})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == [0, 1, 2]
    assert results[0]["decision"]["tier"] == "report_form"
    assert "error" not in results[0]
    assert results[1]["error"]["status"] == 422
    assert results[1]["error"]["errors"][0]["field"] == "construction"
    assert results[1]["error"]["instance"] == "/v1/screenings/batch#/projects/1"
    assert "decision" not in results[1] and "id" not in results[1]
    assert results[2]["decision"]["tier"] == "report_book"
    # The good ones are stored: their ids can be read back.
    for good in (results[0], results[2]):
        got = client.get(f"/v1/screenings/{good['id']}")
        assert got.status_code == 200
        assert got.json()["decision"] == good["decision"]


def test_batch_over_the_limit_is_refused(client: httpx.Client) -> None:
    r = client.post("/v1/screenings/batch", json={"projects": [HOSPITAL] * 6})  # the live server allows 5
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "projects"


def test_batch_must_be_json(client: httpx.Client) -> None:
    r = client.post("/v1/screenings/batch", content=b"projects: []", headers=YAML_HEADERS)
    assert r.status_code == 415
    assert r.headers["content-type"] == "application/problem+json"


def test_batch_without_projects_names_the_field(client: httpx.Client) -> None:
    r = client.post("/v1/screenings/batch", json={"project": []})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "projects"

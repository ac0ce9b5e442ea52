"""API responses against the published JSON Schemas: the decision in /v1/screenings (created,
read back, rerun) and the body of /v1/questions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from screening import schemas

from ..test_output_schema import assert_valid

ROOT = Path(__file__).resolve().parents[2]
YAML_HEADERS = {"content-type": "application/yaml"}
SITED = ["site-workshop-near-homes", "site-road-through-red-line", "furniture-solvent-coating"]


@pytest.mark.parametrize("example", SITED)
def test_screening_decision_is_valid(client: httpx.Client, example: str) -> None:
    body = (ROOT / "examples" / f"{example}.yaml").read_bytes()
    r = client.post("/v1/screenings", content=body, headers=YAML_HEADERS)
    assert r.status_code == 201, r.text
    created = r.json()
    assert_valid(schemas.DECISION, created["decision"])
    r = client.get(f"/v1/screenings/{created['id']}")
    assert r.status_code == 200, r.text
    assert_valid(schemas.DECISION, r.json()["decision"])
    r = client.get(f"/v1/screenings/{created['id']}", params={"rerun": "true"})
    assert r.status_code == 200, r.text
    assert_valid(schemas.DECISION, r.json()["rerun"]["decision"])


@pytest.mark.parametrize("example", SITED)
def test_questions_body_is_valid(client: httpx.Client, example: str) -> None:
    body = (ROOT / "examples" / f"{example}.yaml").read_bytes()
    r = client.post("/v1/questions", content=body, headers=YAML_HEADERS)
    assert r.status_code == 200, r.text
    assert_valid(schemas.QUESTIONS, r.json())

"""Rule packs, vocabulary, health and the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest


def test_list_rule_packs(client: httpx.Client) -> None:
    r = client.get("/v1/rule-packs")
    assert r.status_code == 200
    packs = {p["id"]: p for p in r.json()["rule_packs"]}
    directory = packs["directory-2021"]
    assert directory["kind"] == "directory"
    assert directory["version"] == "2021.0"
    assert directory["effective_from"] == "2021-01-01"
    assert directory["size"] == 173
    assert any(p["kind"] == "local" for p in packs.values())


def test_read_directory_pack_has_every_clause_with_its_citation(client: httpx.Client) -> None:
    r = client.get("/v1/rule-packs/directory-2021")
    assert r.status_code == 200
    pack = r.json()
    assert len(pack["items"]) == 173
    item36 = next(i for i in pack["items"] if i["number"] == 36)
    clauses = [c for col in item36["columns"] for c in col["clauses"]]
    assert clauses
    assert all(c["citation"].startswith("《建设项目环境影响评价分类管理名录（2021年版）》 第36项") for c in clauses)
    assert pack["tiers"]["report_book"]["time_limit_days"] == 60


def test_read_local_pack_has_entries_with_citations(client: httpx.Client) -> None:
    listing = client.get("/v1/rule-packs").json()["rule_packs"]
    local = next(p for p in listing if p["kind"] == "local")
    r = client.get(f"/v1/rule-packs/{local['id']}")
    assert r.status_code == 200
    entries = [e for lst in r.json()["lists"] for e in lst["entries"]]
    assert len(entries) == local["size"]
    assert all(e["citation"] for e in entries)


@pytest.mark.parametrize("pack_id", ["no-such-pack", "directory-2020"])
def test_unknown_rule_pack_is_404(client: httpx.Client, pack_id: str) -> None:
    r = client.get(f"/v1/rule-packs/{pack_id}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_vocabulary(client: httpx.Client) -> None:
    r = client.get("/v1/vocabulary")
    assert r.status_code == 200
    sections = r.json()["sections"]
    assert sections["processes"]["electroplating"]["zh"] == "电镀"
    assert sections["quantities"]["beds"]["unit"]


def test_health(client: httpx.Client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["rule_packs"] >= 2
    assert body["database"] == "sqlite"


def test_openapi_documents_every_endpoint_with_examples(client: httpx.Client) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = spec["paths"]
    for path in (
        "/v1/screenings",
        "/v1/screenings/batch",
        "/v1/screenings/{screening_id}",
        "/v1/rule-packs",
        "/v1/rule-packs/{pack_id}",
        "/v1/zones/layers",
        "/v1/zones/{layer}",
        "/v1/vocabulary",
        "/healthz",
    ):
        assert path in paths, path
    body = paths["/v1/screenings"]["post"]["requestBody"]["content"]
    assert body["application/json"]["examples"]["furniture"]["value"]["name"]
    assert body["application/yaml"]["examples"]["furniture"]["value"].startswith("name:")
    responses = paths["/v1/screenings"]["post"]["responses"]
    assert {"201", "413", "415", "422"} <= set(responses)
    assert "application/problem+json" in responses["422"]["content"]


def test_static_mount_does_not_shadow_the_api(client: httpx.Client) -> None:
    assert client.get("/healthz").headers["content-type"] == "application/json"
    assert client.get("/v1/rule-packs").status_code == 200


def test_root_serves_the_web_page(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower()

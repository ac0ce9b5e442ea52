"""GET /v1/screenings (filters, pages) and /v1/screenings/export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import httpx
from openpyxl import load_workbook
from sqlalchemy import text

from api.records import Filters, Records, ScreeningRecord, make_engine

from .conftest import LiveServer

HOSPITAL = {"name": "医院", "construction": "new", "project_types": ["hospital"], "quantities": {"beds": 300}}
SITED = {
    "name": "=车间",  # looks like a formula: exports must keep it text
    "construction": "new",
    "industry_codes": ["3484"],
    "industrial_building": True,
    "processes": [],
    "features": ["discharges_pollutants"],
    "answers": {"features.national_security_or_major_public_interest": False},
    "application_date": "2025-09-01",
    "location": {"crs": "cgcs2000", "point": [119.829359, 29.381355]},
}


def _code() -> str:
    """A fresh 项目代码, so each run's records are found apart from earlier ones in the database."""
    return f"2026-330999-84-01-{uuid.uuid4().int % 1_000_000:06d}"


def test_list_filters_pages_and_exports(db_client: httpx.Client) -> None:
    code = _code()
    ids = []
    for i in range(3):
        r = db_client.post("/v1/screenings", json={**HOSPITAL, "id": f"h{i}", "project_code": code})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = db_client.post("/v1/screenings", json={**SITED, "project_code": code})
    assert r.status_code == 201, r.text
    sited = r.json()

    r = db_client.get("/v1/screenings", params={"project_code": code, "limit": 2})
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 0, 2)
    assert page["items"][0]["id"] == sited["id"]  # newest first
    assert page["next"] is not None
    second = db_client.get(page["next"]).json()
    assert second["next"] is None and len(second["items"]) == 2
    got = [i["id"] for i in page["items"] + second["items"]]
    assert sorted(got) == sorted([*ids, sited["id"]])  # every record once, none twice

    item = page["items"][0]
    decision = sited["decision"]
    assert item["project_code"] == code
    assert (item["tier"], item["national_tier"], item["admissibility"]) == (
        decision["tier"],
        decision["national_tier"],
        "prohibited",
    )
    assert f"{decision['rule_pack']['id']}@{decision['rule_pack']['version']}" in item["pack_versions"]

    def total(**params: object) -> int:
        r = db_client.get("/v1/screenings", params={"project_code": code, **params})
        assert r.status_code == 200, r.text
        return int(r.json()["total"])

    assert total(admissibility="prohibited") == 1
    assert total(tier="report_form") == sum(1 for _ in ids)  # the hospitals
    local = next(p for p in decision["rule_packs"])
    assert total(pack_version=f"{local['id']}@{local['version']}") == 1  # only the sited project has local packs
    assert total(pack_version=decision["rule_pack"]["version"]) == 4
    assert total(pack_version="no-such-pack@1") == 0
    today = dt.datetime.now(dt.UTC).date()
    assert total(created_from=str(today - dt.timedelta(days=1)), created_to=str(today + dt.timedelta(days=1))) == 4
    assert total(created_to=str(today - dt.timedelta(days=1))) == 0

    r = db_client.get("/v1/screenings/export", params={"project_code": code, "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and {row["id"] for row in rows} == set(got)
    assert next(row for row in rows if row["id"] == sited["id"])["project_name"] == "'=车间"

    r = db_client.get("/v1/screenings/export", params={"project_code": code, "format": "xlsx", "tier": "report_form"})
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    header, *values = list(sheet.iter_rows(values_only=True))
    assert header[0] == "id" and len(values) == 3


def test_bad_filters_are_problems(client: httpx.Client) -> None:
    r = client.get("/v1/screenings", params={"tier": "report_from"})
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert (err["code"], err["field"], err["hint"]) == ("request_bad_filter", "tier", "did you mean 'report_form'?")
    r = client.get("/v1/screenings", params={"project_code": "2026-33"})
    assert r.status_code == 422
    r = client.get("/v1/screenings/export", params={"format": "pdf"})
    assert r.status_code == 422
    r = client.get("/v1/screenings", params={"created_from": "2026-02-01", "created_to": "2026-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "request_bad_filter"


def test_a_bad_project_code_is_refused_with_the_fixed_form(client: httpx.Client) -> None:
    r = client.post("/v1/screenings", json={**HOSPITAL, "project_code": "2026 330999 84 01 000123"})
    assert r.status_code == 422, r.text


def test_an_older_table_gets_the_filter_columns_and_values(db_server: LiveServer) -> None:
    records = Records(make_engine(db_server.settings.database_url))
    try:
        # a record as the first release stored it: the filter columns empty
        with records.engine.begin() as conn:
            conn.execute(text("UPDATE envscreen_screenings SET status = NULL, tier = NULL, pack_versions = NULL"))
        assert records.backfill() >= 1
        with records.engine.connect() as conn:
            empty = conn.execute(text("SELECT count(*) FROM envscreen_screenings WHERE status IS NULL")).scalar()
            assert empty == 0
        total, page = records.search(Filters(), limit=1, offset=0)
        assert total >= 1 and isinstance(page[0], ScreeningRecord) and page[0].pack_versions
    finally:
        records.dispose()

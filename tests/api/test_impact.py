"""Impact of a rule change over the stored records (GET /v1/screenings/impact) and a re-run of one
record with old -> new values: records stored by a server with the old rules, read back by one
with the new rules over the same database, over real HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from api import Settings
from screening import Screener, load_rules

from ..conftest import ROOT
from .conftest import LiveServer

REFORM = Path("sample-county/lists/reform_area.yaml")


def _rules(root: Path, lower_report_form: bool) -> Path:
    shutil.copytree(ROOT / "rules" / "sample-county", root / "sample-county")
    if not lower_report_form:
        f = root / REFORM
        f.write_text(f.read_text("utf-8").replace("tiers: [report_book, report_form]", "tiers: [report_book]"), "utf-8")
    return root


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("impact")
    settings = Settings(database_url=f"sqlite:///{tmp / 'records.db'}")
    old = LiveServer(settings, Screener(load_rules(_rules(tmp / "old", True)))).start()
    new = LiveServer(settings, Screener(load_rules(_rules(tmp / "new", False)))).start()
    try:
        yield old.url, new.url
    finally:
        old.stop()
        new.stop()


def test_impact_lists_the_moved_record_and_a_rerun_shows_values(servers: tuple[str, str]) -> None:
    old_url, new_url = servers
    hospital = yaml.safe_load((ROOT / "examples" / "site-hospital-in-reform-area.yaml").read_text("utf-8"))
    hospital["application_date"] = str(hospital["application_date"])
    unchanged = {"name": "医院", "construction": "new", "project_types": ["hospital"], "quantities": {"beds": 300}}
    with httpx.Client(base_url=old_url, timeout=60) as c:
        moved = c.post("/v1/screenings", json=hospital)
        assert moved.status_code == 201, moved.text
        assert moved.json()["decision"]["tier"] == "registration"
        assert c.post("/v1/screenings", json=unchanged).status_code == 201
    with httpx.Client(base_url=new_url, timeout=60) as c:
        r = c.get("/v1/screenings/impact", params={"limit": 500})
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["total"], report["checked"], report["unchanged"], report["failed"]) == (2, 2, 1, [])
        assert report["next"] is None
        [changed] = report["changed"]
        assert changed["id"] == moved.json()["id"]
        assert {(x["field"], x["old"], x["new"]) for x in changed["changes"]} == {
            ("tier", "registration", "report_form"),
            ("procedure", "online_filing", "approval"),
        }
        assert changed["rules_removed"] == ["reform.downgrade.1"] and changed["rules_added"] == []
        assert {(s["field"], s["old"], s["new"], s["projects"]) for s in report["summary"]} == {
            ("tier", "registration", "report_form", 1),
            ("procedure", "online_filing", "approval", 1),
        }
        # one page at a time: the next page follows the same filters
        first = c.get("/v1/screenings/impact", params={"limit": 1}).json()
        assert first["checked"] == 1 and first["next"] is not None
        assert c.get(first["next"]).json()["checked"] == 1

        rerun = c.get(f"/v1/screenings/{changed['id']}", params={"rerun": "true"}).json()["rerun"]
        assert rerun["agrees"] is False
        values = {x["field"]: (x["old"], x["new"]) for x in rerun["changes"]}
        assert values["tier"] == ("registration", "report_form")
        assert values["local.final_tier"] == ("registration", "report_form")
        assert "screened_on" not in values


def test_impact_refuses_a_bad_filter(servers: tuple[str, str]) -> None:
    with httpx.Client(base_url=servers[1], timeout=30) as c:
        r = c.get("/v1/screenings/impact", params={"tier": "report_from"})
        assert r.status_code == 422
        assert "did you mean 'report_form'?" in r.text

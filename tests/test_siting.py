"""Whole screenings on the bundled sample region: moving a site across a unit boundary, into a
buffer or out of the layers' coverage changes the answer as it should."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.project.model import project_from_data
from screening.screener import Screener

from .conftest import QUIET_QUANTITIES, ROOT

POINTS = {
    p["id"]: p["point"]
    for p in yaml.safe_load((ROOT / "zones/sample-county/reference-points.yaml").read_text(encoding="utf-8"))["points"]
}
ON = dt.date(2025, 9, 1)


def _screen(screener: Screener, site: dict[str, Any] | None, **fields: Any):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"name": "p", "construction": "new", "processes": [], "features": [], **fields}
    data["quantities"] = {**QUIET_QUANTITIES, **fields.get("quantities", {})}
    if site is not None:
        data["location"] = site
    return screener.screen(project_from_data(data, screener.vocabulary), on=ON)


def point(name: str) -> dict[str, Any]:
    return {"crs": "wgs84", "point": POINTS[name]}


def test_chemical_plant_moved_into_the_chemical_park_is_no_longer_prohibited(screener: Screener) -> None:
    fields = {"industry_codes": ["2661"], "processes": ["chemical_reaction"], "industrial_building": True}
    outside = _screen(screener, point("general_remote"), **fields)
    inside = _screen(screener, point("chemical_park"), **fields)
    assert outside.admissibility.status == "prohibited"
    assert {"region.space.1", "class.general.1"} <= {r.rule_id for r in outside.admissibility.reasons}
    assert inside.admissibility.status == "conditional"
    assert "region.space.1" not in {r.rule_id for r in inside.admissibility.reasons}
    assert outside.tier == inside.tier == "report_book"


def test_point_on_a_shared_unit_boundary_is_in_both_units(screener: Screener) -> None:
    d = _screen(screener, point("unit_boundary"), industry_codes=["8411"], project_types=["hospital"])
    units = sorted(h["code"] for h in d.location["hits"] if h["kind"] == "control_unit")
    assert units == ["ZH33099930001", "ZH33099930003"]
    assert {h["relation"] for h in d.location["hits"] if h["kind"] == "control_unit"} == {"boundary"}


def test_buffer_condition_follows_the_distance(screener: Screener) -> None:
    fields = {"industry_codes": ["3411"], "features": ["discharges_pollutants"], "industrial_building": True}
    near = _screen(screener, point("near_residential_300m"), **fields)
    far = _screen(screener, point("general_remote"), **fields)
    assert "class.general.2" in {r.rule_id for r in near.admissibility.reasons}
    zone = next(r for r in near.admissibility.reasons if r.rule_id == "class.general.2").zones
    assert any(z.kind == "sensitive_area" and 250 < z.distance_m < 350 for z in zone)
    assert "class.general.2" not in {r.rule_id for r in far.admissibility.reasons}


def test_unit_class_across_a_boundary_changes_the_answer(screener: Screener) -> None:
    fields = {"industry_codes": ["3411"], "industrial_building": True}
    priority = _screen(screener, point("important_wetland"), **fields)
    general = _screen(screener, point("general_remote"), **fields)
    assert priority.admissibility.status == "prohibited"
    assert "class.priority.1" in {r.rule_id for r in priority.admissibility.reasons}
    assert general.admissibility.status != "prohibited"


def test_site_outside_every_layer_is_not_covered(screener: Screener) -> None:
    d = _screen(screener, point("outside_county"), industry_codes=["8411"], project_types=["hospital"])
    assert d.admissibility.status == "needs_manual_review"
    assert "覆盖范围" in d.admissibility.message_zh
    assert d.location["jurisdictions"] == []
    assert d.rule_packs == (
        {"id": "zoning-national", "version": "2025.1", "jurisdiction": "CN", "effective_from": "2019-11-01"},
    )


def test_without_a_site_admissibility_is_not_assessed(screener: Screener) -> None:
    d = _screen(screener, None, industry_codes=["8411"], project_types=["hospital"], quantities={"beds": 300})
    assert d.admissibility.status == "not_assessed"
    assert d.tier == d.national_tier == "report_form"
    assert d.location is None


def test_application_date_picks_the_packs_in_force(screener: Screener) -> None:
    fields = {"industry_codes": ["8411"], "project_types": ["hospital"], "quantities": {"beds": 300}}
    before = _screen(screener, point("reform_area"), application_date="2025-06-30", **fields)
    after = _screen(screener, point("reform_area"), application_date="2025-07-01", **fields)
    assert [p["id"] for p in before.rule_packs] == ["zoning-national"]
    assert before.tier == "report_form"  # the county's reform-area downgrade is not yet in force
    # ... nor its access lists: the national pack alone never makes a site admissible
    assert before.admissibility.status == "needs_manual_review"
    assert [(g.jurisdiction, g.reason, g.date) for g in before.admissibility.jurisdiction_gaps] == [
        ("330999", "not_yet_in_force", "2025-07-01")
    ]
    assert after.admissibility.jurisdiction_gaps == ()
    assert after.tier == "registration" and after.national_tier == "report_form"


def test_map_derived_sensitive_area_raises_the_directory_tier(screener: Screener) -> None:
    """Item 161: a 330 kV line that crosses a residential area is 涉及环境敏感区 → report book."""
    town = POINTS["county_seat_residential"]
    line = {"crs": "wgs84", "line": [[town[0] - 0.01, town[1]], [town[0] + 0.01, town[1]]]}
    away = {
        "crs": "wgs84",
        "line": [[p[0] - 0.002, p[1]] for p in (POINTS["general_remote"],)]
        + [[POINTS["general_remote"][0] + 0.002, POINTS["general_remote"][1]]],
    }
    fields = {
        "project_types": ["power_transmission_substation"],
        "quantities": {"voltage_kv": 330},
        "sensitive_areas": [],
    }
    crossing = _screen(screener, line, **fields)
    clear = _screen(screener, away, **fields)
    assert crossing.national_tier == "report_book"
    assert crossing.sensitive_area_sources["residential_area"] == "map"
    assert clear.national_tier == "report_form"


def test_declared_sensitive_area_is_kept_where_the_map_shows_none(screener: Screener) -> None:
    fields = {
        "project_types": ["power_transmission_substation"],
        "quantities": {"voltage_kv": 330},
        "sensitive_areas": ["residential_area"],
    }
    d = _screen(screener, point("general_remote"), **fields)
    assert d.national_tier == "report_book"
    assert d.sensitive_area_sources["residential_area"] == "declared (map shows none)"


def test_gcj02_site_lands_where_its_wgs84_twin_does(screener: Screener) -> None:
    fields = {"industry_codes": ["8411"], "project_types": ["hospital"]}
    wgs = _screen(screener, point("chemical_park"), **fields)
    gcj = _screen(screener, {"crs": "gcj02", "point": [120.036552, 29.237782]}, **fields)
    codes = lambda d: sorted(h["code"] for h in d.location["hits"])  # noqa: E731
    assert codes(wgs) == codes(gcj)


def test_check_writes_a_map(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from screening.cli import app

    out = tmp_path / "site.png"
    example = ROOT / "examples" / "site-hospital-in-reform-area.yaml"
    result = CliRunner().invoke(app, ["check", str(example), "--map", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("name", ["site-hospital-in-reform-area", "site-road-through-red-line"])
def test_json_carries_site_and_versions(screener: Screener, name: str) -> None:
    from screening.project.model import load_project
    from screening.report.render import decision_to_dict

    d = decision_to_dict(
        screener.screen(load_project(ROOT / "examples" / f"{name}.yaml", screener.vocabulary)), screener.vocabulary
    )
    assert d["location"]["site"]["geometry"]["type"] in ("Polygon", "LineString")
    assert d["zone_layers"]["control_units"] == "2025.1"
    assert d["screened_on"] == "2025-09-01"


def test_screener_pickles_for_workers(screener: Screener) -> None:
    """A batch on Dask or a process pool ships the loaded rules and zone index once per worker."""
    import pickle

    _ = screener.zones  # loaded, so the index travels instead of being read again
    clone = pickle.loads(pickle.dumps(screener))
    fields = {"industry_codes": ["2661"], "processes": ["chemical_reaction"], "industrial_building": True}
    a, b = _screen(screener, point("general_remote"), **fields), _screen(clone, point("general_remote"), **fields)
    assert (a.tier, a.admissibility.status) == (b.tier, b.admissibility.status) == ("report_book", "prohibited")
    assert clone.zones is not None and len(clone.zones.features) == len(screener.zones.features)


def test_screen_many_equals_screen_one_by_one(screener: Screener) -> None:
    from screening.report.render import decision_to_dict

    names = ["general_remote", "chemical_park", "reform_area", "unit_boundary", "outside_county"]
    data = [
        {
            "name": n,
            "construction": "new",
            "industry_codes": ["2661"],
            "processes": ["chemical_reaction"],
            "location": point(n),
        }
        for n in names
    ]
    data.append({"name": "no site", "construction": "new", "project_types": ["hospital"], "quantities": {"beds": 30}})
    projects = [project_from_data(d, screener.vocabulary) for d in data]
    batch = screener.screen_many(projects, on=ON)
    v = screener.vocabulary
    assert [decision_to_dict(d, v) for d in batch] == [decision_to_dict(screener.screen(p, on=ON), v) for p in projects]


def test_a_chunk_of_every_example_screens_as_each_alone(screener: Screener) -> None:
    # screen_many runs the engines once for the whole chunk: examples of every kind (codes,
    # quantities, sites, no site), each twice and in reverse, must each get its own decision.
    from screening.project.model import load_project
    from screening.report.render import decision_to_dict

    v = screener.vocabulary
    projects = [load_project(f, v) for f in sorted((ROOT / "examples").glob("*.yaml"))]
    projects += projects[::-1]
    batch = screener.screen_many(projects, on=ON)
    assert len({d.tier for d in batch}) >= 3
    assert [decision_to_dict(d, v) for d in batch] == [decision_to_dict(screener.screen(p, on=ON), v) for p in projects]


def test_locate_table_has_the_pairs_of_locate_many(screener: Screener) -> None:
    from screening.project.site import parse_site
    from screening.zones.locate import locate_many, locate_table

    names = ["general_remote", "unit_boundary", "near_residential_300m", "reform_area", "outside_county"]
    sites = [parse_site(point(n)) for n in names]
    sites.append(parse_site({"crs": "wgs84", "line": [[119.99, 29.38], [120.027696, 29.409791]]}))
    zones = screener.zones
    many = locate_many(sites, zones, 500)
    table = locate_table(sites, zones, 500)
    want = [
        (i, h.layer, h.code, h.relation, round(h.distance_m, 3))
        for i, loc in enumerate(many)
        for h in (*loc.hits, *loc.nearby)
    ]
    got = [(int(r.site), r.layer, r.code, r.relation, round(float(r.distance_m), 3)) for r in table.itertuples()]
    assert sorted(got) == sorted(want)
    assert len(got) > len(names)

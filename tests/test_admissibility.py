"""Admissibility and the final tier from list results: prohibited beats conditional, a
possible prohibition asks for review, a possible exclusion never lets a tier drop."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.decide.admissibility import adjust_tier, assess, candidates, packs_in_force
from screening.engine.local_lists import ListEngine
from screening.facts.derive import Facts
from screening.packs.ruleset import load_rules
from screening.project.model import project_from_data

from .conftest import QUIET_QUANTITIES
from .test_listrules import HITS, LAYERS, Loc

RULES = load_rules()
ENTRIES = [e for p in RULES.local_packs for e in p.entries]
COVERED = dict.fromkeys(LAYERS, True)
BOUNDARY, PRIORITY, KEY, GENERAL, RED_LINE, WATER_1, WATER_2, HOMES, CHEM_PARK, PARK, REFORM = HITS


@pytest.fixture(scope="module")
def engine() -> ListEngine:
    return ListEngine(ENTRIES)


def _run(engine: ListEngine, data: dict[str, object], loc: Loc, national: str | None = "report_form"):  # type: ignore[no-untyped-def]
    project = project_from_data({"name": "p", "construction": "new", **data}, RULES.vocabulary)
    facts = Facts(project, location=loc, layers=LAYERS)
    packs = packs_in_force(RULES.local_packs, loc.jurisdictions, dt.date(2025, 8, 1))
    entries = candidates([e for p in packs for e in p.entries], facts)
    results = engine.evaluate(facts, entries)
    adm = assess(results, entries, facts, RULES.units, has_site=True, covered=True, packs=packs)
    tier = adjust_tier(national, results, entries, facts, RULES.units, RULES.directory, packs)
    return adm, tier


# The features local entries read, answered no (a feature not listed is unknown: issue 8).
_NO_EXCEPTIONS = {
    "features.national_major_strategic_project": False,
    "features.national_security_or_major_public_interest": False,
    "features.livestock_scale_farm": False,
    "features.discharges_pollutants": False,
}


def test_undeclared_features_leave_the_commitment_open(engine: ListEngine) -> None:
    data = {"industry_codes": ["3411"], "processes": [], "features": []}
    _, tier = _run(engine, data, Loc((BOUNDARY, KEY), covered=COVERED), national="report_form")
    assert tier.procedure == "approval"  # commit.excl.3 may apply: never granted on an omission


def test_packs_in_force_follow_jurisdiction_and_date() -> None:
    ids = lambda ps: {p.id for p in ps}  # noqa: E731
    assert ids(packs_in_force(RULES.local_packs, ("330999",), dt.date(2025, 8, 1))) == {
        "zoning-national",
        "sample-county",
    }
    assert ids(packs_in_force(RULES.local_packs, ("330999",), dt.date(2025, 6, 30))) == {"zoning-national"}
    assert ids(packs_in_force(RULES.local_packs, ("110101",), dt.date(2025, 8, 1))) == {"zoning-national"}


def test_red_line_prohibits_and_names_the_zone(engine: ListEngine) -> None:
    # a feature not listed is asked (issue 8): the strategic-project exception is answered no
    data = {"industry_codes": ["3360"], "answers": {"features.national_major_strategic_project": False}}
    adm, _ = _run(engine, data, Loc((BOUNDARY, KEY, RED_LINE), covered=COVERED))
    assert adm.status == "prohibited"
    top = adm.reasons[0]
    assert top.rule_id == "national.red_line.1" and top.certain
    assert "三条控制线" in top.citation
    assert [z.kind for z in top.zones] == ["ecological_red_line"]


def test_strategic_project_in_red_line_is_conditional(engine: ListEngine) -> None:
    data = {
        "industry_codes": ["4813"],
        "features": ["national_major_strategic_project"],
        "processes": [],
        "quantities": {"coal_oil_boiler_t_per_hour": 0},
    }
    adm, _ = _run(engine, data, Loc((BOUNDARY, KEY, RED_LINE), covered=COVERED))
    assert adm.status == "conditional"
    assert {r.rule_id for r in adm.reasons if r.certain} == {"national.red_line.2"}


def test_undeclared_features_make_a_water_source_prohibition_a_review(engine: ListEngine) -> None:
    adm, _ = _run(engine, {"industry_codes": ["3360"]}, Loc((BOUNDARY, KEY, WATER_2), covered=COVERED))
    assert adm.status == "needs_manual_review"
    assert "national.water_source.2" in {r.rule_id for r in adm.reasons if not r.certain}
    assert any(m.fact == "features" and "discharges_pollutants" in m.terms for m in adm.missing)


def test_plain_site_is_admissible(engine: ListEngine) -> None:
    data = {"industry_codes": ["8421"], "processes": [], "answers": _NO_EXCEPTIONS, "quantities": QUIET_QUANTITIES}
    adm, tier = _run(engine, data, Loc((BOUNDARY, KEY), covered=COVERED), national="registration")
    assert adm.status == "admissible", adm.reasons
    assert tier.final_tier == "registration" and tier.procedure == "online_filing"


def test_reform_area_drops_one_tier_unless_on_its_negative_list(engine: ListEngine) -> None:
    loc = Loc((BOUNDARY, KEY, PARK, REFORM), covered=COVERED)
    _, tier = _run(engine, {"industry_codes": ["3360"], "processes": []}, loc, national="report_book")
    assert (tier.national_tier, tier.final_tier) == ("report_book", "report_form")
    assert tier.procedure == "approval" and (tier.time_limit_days, tier.day_kind) == (7, "working")
    _, plated = _run(engine, {"industry_codes": ["3360"], "processes": ["electroplating"]}, loc, national="report_book")
    assert plated.final_tier == "report_book"
    assert {"reform.downgrade.1", "reform.neg.2"} <= {f.rule_id for f in plated.instruments}


def test_possible_exclusion_keeps_the_national_tier(engine: ListEngine) -> None:
    # processes not declared: electroplating (negative list) may apply, so no downgrade
    loc = Loc((BOUNDARY, KEY, PARK, REFORM), covered=COVERED)
    _, tier = _run(engine, {"industry_codes": ["3360"]}, loc, national="report_form")
    assert tier.final_tier == "report_form"
    assert any(f.rule_id == "reform.neg.2" and not f.certain for f in tier.instruments)


def test_reform_area_exempts_primary_care_from_filing(engine: ListEngine) -> None:
    loc = Loc((BOUNDARY, KEY, PARK, REFORM), covered=COVERED)
    _, tier = _run(engine, {"industry_codes": ["8421"], "processes": []}, loc, national="registration")
    assert tier.final_tier == "exempt" and tier.procedure == "none"


def test_commitment_for_equipment_makers_unless_excluded(engine: ListEngine) -> None:
    loc = Loc((BOUNDARY, KEY), covered=COVERED)
    data = {"industry_codes": ["3411"], "processes": [], "answers": _NO_EXCEPTIONS}
    _, tier = _run(engine, data, loc, national="report_form")
    assert tier.procedure == "notification_commitment" and tier.time_limit_days == 3
    _, near_homes = _run(engine, data, Loc((BOUNDARY, KEY, HOMES), covered=COVERED), national="report_form")
    assert near_homes.procedure == "approval"
    assert "commit.excl.1" in {f.rule_id for f in near_homes.instruments}


def test_site_change_names_the_reform_area(engine: ListEngine) -> None:
    _, tier = _run(
        engine,
        {"industry_codes": ["3360"], "processes": []},
        Loc((BOUNDARY, KEY, PARK), covered=COVERED),
        national="report_book",
    )
    assert tier.final_tier == "report_book"
    assert any(c.rule_id == "reform.downgrade.1" and c.op == "inside" for c in tier.changes)

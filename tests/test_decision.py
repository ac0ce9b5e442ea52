"""Decision rules on the small fixture pack: articles 4 and 5, notes 2, 4 and 6, unknown facts."""

from __future__ import annotations

from typing import Any

import pytest

from screening.decide.outcome import Decision
from screening.project.model import project_from_data
from screening.screener import Screener


def screen(s: Screener, **fields: Any) -> Decision:
    return s.screen(project_from_data({"name": "t", "construction": "new", **fields}, s.vocabulary))


LIQUOR = {"industry_codes": ["1512"], "industrial_building": True}


@pytest.mark.parametrize(
    ("kl", "tier"), [(999.9, "report_form"), (1000, "report_book"), (0, "report_form"), (50_000, "report_book")]
)
def test_threshold_boundary(mini_screener: Screener, kl: float, tier: str) -> None:
    d = screen(mini_screener, **LIQUOR, processes=["fermentation"], quantities={"liquor_capacity_kl_per_year": kl})
    assert (d.status, d.tier) == ("determined", tier)


def test_evidence_names_fact_value_and_threshold(mini_screener: Screener) -> None:
    d = screen(mini_screener, **LIQUOR, processes=["fermentation"], quantities={"liquor_capacity_kl_per_year": 1200})
    (f,) = d.findings
    assert f.rule_id == "item_025.report_book.1" and f.item == 25 and f.tier == "report_book"
    assert "第25项" in f.citation and f.clause_text in f.citation
    ev = {(e.fact, e.op): e for e in f.evidence}
    assert ev[("quantities.liquor_capacity_kl_per_year", "gte")].value == 1200
    assert ev[("quantities.liquor_capacity_kl_per_year", "gte")].threshold == 1000
    assert ("processes", "contains") in ev
    assert d.procedure is not None and d.procedure.time_limit_days == 60 and d.procedure.procedure == "approval"
    assert any(n.code == "note2_new_scale" for n in d.notes)


def test_missing_quantity_is_unknown_not_zero(mini_screener: Screener) -> None:
    d = screen(mini_screener, **LIQUOR, processes=["fermentation"])
    assert d.status == "needs_more_information" and d.tier is None
    assert d.tier_range == ("report_form", "report_book")
    assert [m.fact for m in d.missing] == ["quantities.liquor_capacity_kl_per_year"]
    assert d.procedure is None


def test_undeclared_processes_are_unknown(mini_screener: Screener) -> None:
    d = screen(mini_screener, **LIQUOR)
    assert d.status == "needs_more_information"
    assert "processes" in {m.fact for m in d.missing}


def test_missing_fact_that_cannot_raise_the_tier_is_not_asked(mini_screener: Screener) -> None:
    # Electroplating already makes item 36 report_book; the coating quantity cannot change that.
    d = screen(mini_screener, industry_codes=["2110"], industrial_building=True, processes=["electroplating"])
    assert (d.status, d.tier, d.missing) == ("determined", "report_book", ())


def test_note6_anodizing_counts_as_electroplating(mini_screener: Screener) -> None:
    d = screen(mini_screener, industry_codes=["2110"], industrial_building=True, processes=["anodizing"])
    assert d.tier == "report_book"
    assert [f.rule_id for f in d.findings] == ["item_036.report_book.1"]
    assert any(n.code == "note6_electroplating" for n in d.notes)


def test_note4_outside_an_industrial_building_is_exempt(mini_screener: Screener) -> None:
    d = screen(mini_screener, industry_codes=["2110"], industrial_building=False, processes=["electroplating"])
    assert (d.status, d.tier) == ("determined", "exempt")
    note = next(n for n in d.notes if n.code == "note4_industrial_building")
    assert note.items == (36,) and "36" in note.zh
    assert any(c.fact == "industrial_building" and c.tier == "report_book" for c in d.changes)


def test_industrial_building_unknown_for_a_starred_item(mini_screener: Screener) -> None:
    d = screen(mini_screener, industry_codes=["2110"], processes=[])
    assert d.status == "needs_more_information"
    assert "industrial_building" in {m.fact for m in d.missing}


def test_article4_several_items_take_the_highest(mini_screener: Screener) -> None:
    d = screen(
        mini_screener,
        industry_codes=["1512", "2110"],
        industrial_building=True,
        processes=["electroplating"],
        quantities={"liquor_capacity_kl_per_year": 10},
    )
    assert d.tier == "report_book"
    assert {o.item: o.tier for o in d.items} == {25: "report_form", 36: "report_book"}
    assert any(n.code == "article4_highest" for n in d.notes)


def test_article5_unlisted_is_exempt(mini_screener: Screener) -> None:
    d = screen(mini_screener, industry_codes=["5211"])
    assert (d.status, d.tier, d.items, d.findings) == ("determined", "exempt", (), ())
    assert [n.code for n in d.notes] == ["article5_unlisted"]
    assert d.procedure is not None and d.procedure.procedure == "none"


def test_broad_code_is_ambiguous_not_exempt(mini_screener: Screener) -> None:
    d = screen(
        mini_screener,
        industry_codes=["15"],
        industrial_building=True,
        processes=["fermentation"],
        quantities={"liquor_capacity_kl_per_year": 5000},
    )
    assert d.status == "needs_more_information" and d.tier_range == ("exempt", "report_book")
    assert "industry_codes" in {m.fact for m in d.missing}


def test_hospital_boundaries_and_construction(mini_screener: Screener) -> None:
    def tier(beds: float, construction: str = "new") -> str | None:
        return mini_screener.screen(
            project_from_data(
                {
                    "name": "h",
                    "construction": construction,
                    "project_types": ["hospital"],
                    "quantities": {"beds": beds},
                },
                mini_screener.vocabulary,
            )
        ).tier

    assert [tier(19), tier(20), tier(499), tier(500)] == ["registration", "report_form", "report_form", "report_book"]
    assert tier(600, "renovation") == "report_form"  # 新建、扩建 only


def test_what_would_change_names_the_threshold(mini_screener: Screener) -> None:
    d = screen(mini_screener, project_types=["hospital"], quantities={"beds": 120})
    assert d.tier == "report_form"
    change = next(c for c in d.changes if c.tier == "report_book")
    assert (change.fact, change.op, change.threshold, change.item) == ("quantities.beds", "gte", 500, 108)


def test_manual_check_only_uncertainty(mini_screener: Screener) -> None:
    # beds 30: report_form certain; the manual clause sits in a lower column, so it does not matter.
    d = screen(mini_screener, project_types=["hospital"], quantities={"beds": 30})
    assert d.status == "determined" and d.manual_checks == ()


def test_manual_check_that_could_raise_the_tier(mini_screener: Screener) -> None:
    d = screen(mini_screener, industry_codes=["3071"], industrial_building=True)
    assert (d.status, d.tier, d.tier_range) == ("needs_manual_check", None, ("report_form", "report_book"))
    (mc,) = d.manual_checks
    assert mc.rule_id == "item_059.report_book.1" and "高污染燃料" in mc.check
    assert d.missing == ()


def test_what_would_lower_the_tier(mini_screener: Screener) -> None:
    d = screen(mini_screener, project_types=["hospital"], quantities={"beds": 120})
    lower = next(c for c in d.changes if c.tier == "registration")
    assert (lower.fact, lower.op, lower.threshold) == ("quantities.beds", "lt", 20)
    d = screen(mini_screener, **LIQUOR, processes=["fermentation"], quantities={"liquor_capacity_kl_per_year": 1200})
    assert [(c.tier, c.op, c.threshold) for c in d.changes] == [("report_form", "lt", 1000)]

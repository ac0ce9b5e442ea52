"""Every rule's own cases (rules/*/items/item_NNN.cases.yaml), collected one test per case."""

from __future__ import annotations

import pytest

from screening.packs.cases import load_cases, run_case, run_suite
from screening.packs.ruleset import COLUMNS, load_rules
from screening.screener import Screener

_RULES = load_rules()
_CASES = [c for pack in _RULES.packs for item in pack.items for c in load_cases(item)]


@pytest.mark.parametrize("case", _CASES, ids=[f"item{c.item}:{c.name}" for c in _CASES])
def test_case(screener: Screener, case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(screener, case)
    assert result.ok, f"{case.file}:{case.line}: {result.message}"


def test_all_173_items_are_encoded() -> None:
    numbers = sorted(i.number for i in _RULES.directory.items)
    assert numbers == list(range(1, 174))


def test_every_column_is_reached_by_a_case(screener: Screener) -> None:
    report = run_suite(screener)
    assert report.items_without_cases == ()
    assert report.uncovered == ()


def test_every_clause_cites_its_verbatim_text() -> None:
    for item in _RULES.directory.items:
        assert item.text and item.group
        for col in item.columns:
            assert col.tier in COLUMNS and col.text
            for clause in col.clauses:
                assert clause.text and clause.id.startswith(f"{item.id}.{col.tier}.")
                # a clause is a part of its column's verbatim text
                assert clause.text.replace("以上均不含", "")[:4] in col.text, clause.id

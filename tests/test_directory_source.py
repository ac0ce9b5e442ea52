"""The pack quotes the directory verbatim: every item, column and clause text against the
source table in ../shared/domain/directory-2021.yaml (skipped where that is not present)."""

from __future__ import annotations

import pytest
import yaml

from screening.packs.conditions import INDUSTRIAL_BUILDING_KEY, leaves
from screening.packs.ruleset import COLUMNS, load_rules

from .conftest import ROOT

SOURCE = ROOT.parent / "shared" / "domain" / "directory-2021.yaml"
pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="shared/ reference data not beside the checkout")


def test_texts_are_verbatim() -> None:
    source = {row["no"]: row for row in yaml.safe_load(SOURCE.read_text(encoding="utf-8"))["items"]}
    pack = load_rules().directory
    assert sorted(source) == sorted(i.number for i in pack.items)
    for item in pack.items:
        row = source[item.number]
        assert (item.text, item.group) == (row["item"], row["group"]), item.id
        starred = "*" in row["item"]
        # An item whose codes are only partly starred (item 83: 403*) gates those codes in match.when.
        gated = any(getattr(leaf, "key", "") == INDUSTRIAL_BUILDING_KEY for leaf in leaves(item.match))
        assert (item.industrial_building_only or gated) == starred, item.id
        assert item.scope_text == row["sensitive_area_scope"], item.id
        for tier in COLUMNS:
            col = item.column(tier)
            if row[tier].strip() == "/":
                assert col is None, (item.id, tier)
                continue
            assert col is not None and col.text == row[tier], (item.id, tier)
            for clause in col.clauses:
                assert clause.text.replace("以上均不含", "") in col.text.replace("以上均不含", "") or (
                    clause.text in col.text
                ), clause.id

"""Property tests (hypothesis): rule and decision invariants over generated projects."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from screening.decide.explain import item_range
from screening.packs.conditions import Cmp, leaves
from screening.packs.ruleset import TIER_RANK, Item, RuleSet
from screening.project.model import Project, project_from_data
from screening.screener import Screener

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(params=["mini", "bundled"], scope="module")
def any_screener(request: pytest.FixtureRequest) -> Screener:
    return request.getfixturevalue("mini_screener" if request.param == "mini" else "screener")


def _thresholds(rules: RuleSet) -> dict[str, list[float]]:
    out: dict[str, set[float]] = {}
    for item in rules.directory.items:
        for col in item.columns:
            for c in col.clauses:
                for leaf in leaves(c.full):
                    if isinstance(leaf, Cmp) and leaf.section == "quantities":
                        out.setdefault(leaf.term or "", set()).update(
                            {leaf.value, max(leaf.value - 1, 0), leaf.value + 1}
                        )
    return {k: sorted(v) for k, v in out.items()}


@st.composite
def projects(
    draw: st.DrawFn, rules: RuleSet, items: list[Item] | None = None, complete: bool = False, n_items: int | None = None
) -> dict[str, Any]:
    """A project near the rules: codes of listed items, quantities on and around thresholds.
    `complete` declares every fact the chosen items read, so the outcome is decided."""
    vocab = rules.vocabulary
    items = items or list(rules.directory.items)
    if n_items:
        items = [i for i in items if i.industry_codes]
        chosen = draw(
            st.lists(st.sampled_from(items), min_size=n_items, max_size=n_items, unique_by=lambda i: i.number)
        )
    else:
        chosen = draw(st.lists(st.sampled_from(items), min_size=1, max_size=2))
    codes, types = [], []
    for item in chosen:
        if item.industry_codes and (n_items or not item.project_types or draw(st.booleans())):
            code = draw(st.sampled_from(item.industry_codes))
            # The item's code or a real code below it (GB/T 4754-2017 refuses codes that do not exist).
            below = (
                sorted(c for c in vocab.industry_codes.by_code if c.startswith(code)) if vocab.industry_codes else []
            )
            codes.append(draw(st.sampled_from(below or [code])))
        else:
            types.append(draw(st.sampled_from(item.project_types)))
    thresholds = _thresholds(rules)
    qnames = sorted(thresholds)
    if complete:
        qnames = sorted(
            {
                leaf.term or ""
                for i in chosen
                for col in i.columns
                for c in col.clauses
                for leaf in leaves(c.full)
                if isinstance(leaf, Cmp) and leaf.section == "quantities"
            }
        )
        picked = qnames
    else:
        picked = draw(st.lists(st.sampled_from(qnames), unique=True, max_size=4)) if qnames else []
    quantities = {q: draw(st.sampled_from(thresholds[q] + [0.0])) for q in picked}

    def maybe_list(section: str) -> list[str] | None:
        terms = sorted(vocab.terms(section))
        if not terms or (not complete and draw(st.integers(0, 4)) == 0):
            return None  # not declared: unknown
        return draw(st.lists(st.sampled_from(terms), unique=True, max_size=3))

    data: dict[str, Any] = {
        "name": "generated",
        "construction": draw(st.sampled_from(sorted(vocab.terms("construction_kinds")))),
    }
    if codes:
        data["industry_codes"] = sorted(set(codes))
    if types:
        data["project_types"] = sorted(set(types))
    for key in ("processes", "features", "sensitive_areas"):
        v = maybe_list(key)
        if v is not None:
            data[key] = v
    ib = draw(st.sampled_from([True, False] if complete else [True, False, None]))
    if ib is not None:
        data["industrial_building"] = ib
    if quantities:
        data["quantities"] = quantities
    return data


def _project(screener: Screener, data: dict[str, Any]) -> Project:
    return project_from_data(data, screener.vocabulary)


@given(data=st.data())
@SETTINGS
def test_durable_rules_agree_with_the_reference_evaluator(any_screener: Screener, data: st.DataObject) -> None:
    p = _project(any_screener, data.draw(projects(any_screener.rules)))
    d = any_screener.screen(p)
    facts = any_screener.engine.facts(p)
    items = {i.number: i for i in any_screener.rules.directory.items}
    ranges = {
        n: r
        for n in any_screener.engine.candidates(p.industry_codes, p.project_types, p.quantities)
        if (r := item_range(items[n], facts)) is not None
    }
    assert {o.item for o in d.items} == set(ranges)
    for o in d.items:
        lo, hi = ranges[o.item]
        assert o.possible[0] == lo and o.possible[-1] == hi, (o, ranges[o.item])
    if d.status == "determined":
        assert d.tier == max(
            (r[0] for n, r in ranges.items() if any(o.item == n and o.matched for o in d.items)),
            key=TIER_RANK.__getitem__,
            default="exempt",
        )


@given(data=st.data())
@SETTINGS
def test_multi_item_tier_is_the_highest_single_tier(any_screener: Screener, data: st.DataObject) -> None:
    base = data.draw(projects(any_screener.rules, complete=True, n_items=2))
    codes = base["industry_codes"]
    assume(len(codes) == 2)
    both = any_screener.screen(_project(any_screener, base))
    singles = [any_screener.screen(_project(any_screener, {**base, "industry_codes": [c]})) for c in codes]
    assume(both.status == "determined" and all(s.status == "determined" for s in singles))
    assert both.tier == max((s.tier for s in singles), key=lambda t: TIER_RANK[t or "exempt"])


@given(data=st.data())
@SETTINGS
def test_an_unlisted_industry_is_exempt(any_screener: Screener, data: st.DataObject) -> None:
    division = data.draw(st.sampled_from(sorted(any_screener.vocabulary.terms("industry_divisions"))))
    known = any_screener.vocabulary.industry_codes
    below = sorted(c for c in known.by_code if c.startswith(division)) if known else [division]
    code = data.draw(st.sampled_from(below))
    assume(not any_screener.engine.candidates((code,), ()))
    d = any_screener.screen(_project(any_screener, {"name": "x", "construction": "new", "industry_codes": [code]}))
    assert (d.status, d.tier, d.items) == ("determined", "exempt", ())
    assert any(n.code == "article5_unlisted" for n in d.notes)


def _monotone_quantities(item: Item) -> set[str]:
    """Quantities whose lower bounds (≥, >) sit only in columns above every upper bound (<, ≤)."""
    ranks: dict[str, dict[str, list[int]]] = {}
    for col in item.columns:
        for c in col.clauses:
            for leaf in leaves(c.condition):
                if isinstance(leaf, Cmp) and leaf.section == "quantities":
                    side = "up" if leaf.op in ("gte", "gt") else "down"
                    ranks.setdefault(leaf.term or "", {"up": [], "down": []})[side].append(TIER_RANK[col.tier])
    bad_in_match = {leaf.term for leaf in leaves(item.match) if isinstance(leaf, Cmp) and leaf.section == "quantities"}
    return {
        q
        for q, r in ranks.items()
        if q not in bad_in_match and (not r["down"] or not r["up"] or min(r["up"]) > max(r["down"]))
    }


@given(data=st.data())
@SETTINGS
def test_more_new_capacity_never_lowers_the_tier(any_screener: Screener, data: st.DataObject) -> None:
    rules = any_screener.rules
    candidates = [(i, q) for i in rules.directory.items for q in sorted(_monotone_quantities(i))]
    assume(candidates)
    item, q = data.draw(st.sampled_from(candidates))
    base = data.draw(projects(rules, [item], complete=True))
    qmax = rules.vocabulary.terms("quantities")[q].max or 1e6
    low = data.draw(st.sampled_from(_thresholds(rules)[q] + [0.0]))
    high = min(low + data.draw(st.sampled_from([0.5, 1.0, 10.0, 1000.0, 1e5])), qmax)
    a = any_screener.screen(_project(any_screener, {**base, "quantities": {**base.get("quantities", {}), q: low}}))
    b = any_screener.screen(_project(any_screener, {**base, "quantities": {**base.get("quantities", {}), q: high}}))
    assume(a.status == "determined" and b.status == "determined")
    assert TIER_RANK[b.tier or "exempt"] >= TIER_RANK[a.tier or "exempt"], (item.id, q, low, high, a.tier, b.tier)

"""Condition trees: normal form, three-valued evaluation, compilation to durable-rules."""

from __future__ import annotations

import pytest

from screening.packs.conditions import All, AnyOf, Cmp, Manual, Not, evaluate, nnf, to_durable

BEDS_500 = Cmp("q_beds", "gte", 500.0, "quantities", "beds")
EP = Cmp("p_electroplating", "eq", True, "processes", "electroplating")


@pytest.mark.parametrize(
    ("node", "facts", "want"),
    [
        (BEDS_500, {"q_beds": 499}, False),
        (BEDS_500, {"q_beds": 500}, True),
        (BEDS_500, {}, None),
        (AnyOf((BEDS_500, EP)), {"p_electroplating": True}, True),  # true OR unknown = true
        (All((BEDS_500, EP)), {"p_electroplating": False}, False),  # false AND unknown = false
        (All((BEDS_500, EP)), {"p_electroplating": True}, None),
        (Manual("check the catalogue"), {"q_beds": 1}, None),
    ],
)
def test_kleene_evaluation(node, facts, want) -> None:  # type: ignore[no-untyped-def]
    assert evaluate(nnf(node), facts) is want


def test_not_is_pushed_to_the_leaves() -> None:
    n = nnf(Not(All((BEDS_500, Not(EP)))))
    assert n == AnyOf((Cmp("q_beds", "lt", 500.0, "quantities", "beds"), EP))


def test_negated_threshold_keeps_unknown_unknown() -> None:
    # "其他（住院床位20张以下的除外）" with beds not given must stay unknown, not true.
    assert evaluate(nnf(Not(Cmp("q_beds", "lt", 20.0, "quantities", "beds"))), {}) is None


def test_durable_certain_and_possible_forms() -> None:
    # certainly >= 500: even the lowest possible value is; possibly: the highest one is
    assert to_durable(BEDS_500, possible=False) == {"$gte": {"q_beds__lo": 500.0}}
    assert to_durable(BEDS_500, possible=True) == {"$gte": {"q_beds__hi": 500.0}}
    lt20 = Cmp("q_beds", "lt", 20.0, "quantities", "beds")
    assert to_durable(lt20, possible=False) == {"$lt": {"q_beds__hi": 20.0}}
    assert to_durable(EP, possible=False) == {"p_electroplating__lo": 1}
    assert to_durable(nnf(Not(EP)), possible=True) == {"p_electroplating__lo": 0}


def test_constants_fold_and_nesting_flattens() -> None:
    assert to_durable(All((True, BEDS_500)), possible=False) == {"$gte": {"q_beds__lo": 500.0}}
    assert to_durable(AnyOf((Manual("x" * 10), BEDS_500)), possible=True) is True
    assert to_durable(AnyOf((Manual("x" * 10), BEDS_500)), possible=False) == {"$gte": {"q_beds__lo": 500.0}}
    assert to_durable(All((Manual("x" * 10), BEDS_500)), possible=False) is False
    assert to_durable(AnyOf((AnyOf((EP, BEDS_500)), EP)), possible=False) == {
        "$or": [{"p_electroplating__lo": 1}, {"$gte": {"q_beds__lo": 500.0}}, {"p_electroplating__lo": 1}]
    }


def test_too_many_compound_branches_is_refused() -> None:
    branch = All((EP, BEDS_500))
    with pytest.raises(ValueError, match="compound branches"):
        to_durable(AnyOf(tuple(branch for _ in range(13))), possible=False)

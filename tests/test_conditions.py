"""Condition trees: normal form, three-valued evaluation, compilation to durable-rules."""

from __future__ import annotations

import pytest

from screening.conditions import All, AnyOf, Cmp, Manual, Not, evaluate, nnf, to_durable

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
    assert to_durable(BEDS_500, possible=False) == {"$gte": {"q_beds": 500.0}}
    assert to_durable(BEDS_500, possible=True) == {"$or": [{"$nex": {"q_beds": 1}}, {"$gte": {"q_beds": 500.0}}]}
    assert to_durable(EP, possible=False) == {"p_electroplating": True}


def test_constants_fold() -> None:
    assert to_durable(All((True, BEDS_500)), possible=False) == {"$gte": {"q_beds": 500.0}}
    assert to_durable(AnyOf((Manual("x" * 10), BEDS_500)), possible=True) is True
    assert to_durable(AnyOf((Manual("x" * 10), BEDS_500)), possible=False) == {"$gte": {"q_beds": 500.0}}
    assert to_durable(All((Manual("x" * 10), BEDS_500)), possible=False) is False

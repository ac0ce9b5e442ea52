"""Reading condition trees against facts for people: the evidence of a tree that holds, the
user-facing name of a fact, and the pure-Python range of tiers an item allows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..facts.derive import Facts
from ..packs.conditions import CONSTRUCTION_KEY, INDUSTRIAL_BUILDING_KEY, All, AnyOf, Cmp, Node, Override, evaluate
from ..packs.ruleset import Item
from .outcome import Evidence


def item_range(item: Item, facts: Mapping[str, Any], override: Override | None = None) -> tuple[str, str] | None:
    """Pure-Python outcome of one item: (lowest, highest) tier the facts allow, or None when
    the project certainly is not in the item. Cross-checks the durable-rules path in tests."""
    m = evaluate(item.match, facts, override)
    if m is False:
        return None
    floor = ceiling = "exempt"
    for col in item.columns:  # top-down
        results = [evaluate(c.full, facts, override) for c in col.clauses]
        if ceiling == "exempt" and any(r is not False for r in results):
            ceiling = col.tier
        if m and any(r is True for r in results):
            floor = col.tier
            break
    return floor, ceiling


def explain(node: Node, facts: Mapping[str, Any], units: Mapping[str, str | None]) -> list[Evidence]:
    """Evidence for a tree that holds: every leaf of an `all`, the first true branch of an `any`."""
    if isinstance(node, Cmp):
        if node.section == "industry_codes" and node.value is True and isinstance(facts, Facts):
            code = next((c for c in facts.project.industry_codes if c.startswith(node.term or "")), None)
            return [Evidence("industry_codes", code, "within", node.term)]
        return [evidence_of(node, facts.get(node.key), units)]
    if isinstance(node, All):
        return [e for c in node.children for e in explain(c, facts, units)]
    if isinstance(node, AnyOf):
        for c in node.children:
            if evaluate(c, facts) is True:
                return explain(c, facts, units)
    return []


def fact_name(leaf: Cmp) -> str:
    """The user-facing name of a leaf's fact: `quantities.beds`, `processes`, `industry_codes`."""
    if leaf.key == CONSTRUCTION_KEY:
        return "construction"
    if leaf.key == INDUSTRIAL_BUILDING_KEY:
        return "industrial_building"
    if leaf.section == "quantities":
        return f"quantities.{leaf.term}"
    return leaf.section


def evidence_of(leaf: Cmp, value: Any, units: Mapping[str, str | None]) -> Evidence:
    if leaf.section in ("quantities", "construction") or leaf.key == INDUSTRIAL_BUILDING_KEY:
        return Evidence(fact_name(leaf), value, leaf.op, leaf.value, units.get(leaf.term or ""))
    # A membership flag: "processes contains electroplating" (or "does not", op neq / value False)
    holds = (leaf.op == "eq") == bool(leaf.value)
    return Evidence(fact_name(leaf), leaf.term, "contains" if holds else "lacks", leaf.term)

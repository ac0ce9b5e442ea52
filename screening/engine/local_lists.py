"""Stage 4b, evaluate list rules: local access lists, negative lists and catalogs.

Lists are long (a province has thousands of unit clauses), and durable-rules hangs at 530
rules in a ruleset (hazard 2), so list entries are not compiled to one rule each. Instead
each entry becomes data: its condition in disjunctive normal form, and each distinct literal
(`q_beds gte 500`) one fact carrying the project's lowest and highest possible value of that
fact. A fixed set of twelve generic rules (four comparisons x holds / may hold / fails)
compares them in one session; Python then combines the literal results of each conjunction.

>>> engine = ListEngine(local_packs)                    # doctest: +SKIP
>>> engine.evaluate(facts, entries)["rw.space.1"]       # doctest: +SKIP
True
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError, RuleError
from ..facts.derive import Facts
from ..packs.conditions import CONSTRUCTION_KEY, NEGATE, PREFIX, All, AnyOf, Cmp, Manual, Node
from ..packs.local import Entry
from .durable import CAP, matched, record, register, run_session

MAX_CONJUNCTIONS = 64  # per entry: a condition whose normal form is larger should be split into entries
_GUARD_KEY = "x_list"
_INSTANCES = itertools.count(1)
_OPS = ("gte", "gt", "lt", "lte")


@dataclass(frozen=True)
class Literal:
    """One comparison of a conjunction, as the join rules read it: fact `key` `op` `value`."""

    key: str
    op: str
    value: float


@dataclass(frozen=True)
class CompiledEntry:
    entry: Entry
    conjunctions: tuple[tuple[Literal, ...], ...]  # empty tuple of conjunctions: never holds
    # For each conjunction, the industry-code literals it requires; None when some conjunction
    # requires none (the entry cannot be routed by code and always travels).
    code_keys: tuple[tuple[str, ...], ...] | None = None

    def may_concern(self, facts: Facts) -> bool:
        """Code routing, as for directory items: False when every alternative requires an
        industry code the project certainly lies outside, so its literals need not travel."""
        if self.code_keys is None:
            return True
        return any(all(facts.wire(k)[1] >= 1 for k in keys) for keys in self.code_keys)


def dnf(node: Node) -> list[tuple[Node, ...]]:
    """The conjunctions of an NNF tree (each a tuple of leaves); [()] is true, [] false."""
    if node is True:
        return [()]
    if node is False:
        return []
    if isinstance(node, (Cmp, Manual)):
        return [(node,)]
    if isinstance(node, AnyOf):
        codes = _code_set(node)
        if codes is not None:
            return [(codes,)]
        return [c for child in node.children for c in dnf(child)]
    assert isinstance(node, All)
    out: list[tuple[Node, ...]] = [()]
    for child in node.children:
        out = [a + b for a in out for b in dnf(child)]
        if len(out) > MAX_CONJUNCTIONS * 4:
            break
    return out


def _code_set(node: AnyOf) -> Cmp | None:
    """`any` of industry codes as one fact, "the project lies within one of these codes" (a
    list of 35 manufacturing divisions stays one literal instead of 35 alternatives); `any` of
    construction kinds likewise."""
    kids = node.children
    if len(kids) < 2 or not all(isinstance(c, Cmp) and c.op == "eq" for c in kids):
        return None
    if all(isinstance(c, Cmp) and c.key == CONSTRUCTION_KEY for c in kids):  # 新建、扩建: one flag
        kinds = "|".join(sorted(str(c.value) for c in kids if isinstance(c, Cmp)))
        return Cmp(f"{CONSTRUCTION_KEY}:{kinds}", "eq", True, "construction", kinds)
    if not all(isinstance(c, Cmp) and c.section == "industry_codes" and c.value is True for c in kids):
        return None
    term = "|".join(sorted(str(c.term) for c in kids if isinstance(c, Cmp)))
    return Cmp(PREFIX["industry_codes"] + term, "eq", True, "industry_codes", term)


def literal(leaf: Node) -> Literal:
    """Every leaf as a numeric comparison on the fact's lo/hi pair: a flag holds as `>= 1`,
    fails as `<= 0`; the construction kind becomes one flag per kind."""
    if isinstance(leaf, Manual):
        return Literal("m_" + leaf.text, "gte", 1.0)  # a manual check is a flag nobody sets: unknown
    assert isinstance(leaf, Cmp)
    if leaf.key.startswith(CONSTRUCTION_KEY + ":"):  # a set of kinds (_code_set)
        return Literal(leaf.key, "gte", 1.0)
    if leaf.key == CONSTRUCTION_KEY:
        return Literal(
            f"{CONSTRUCTION_KEY}:{leaf.value}", "gte" if leaf.op == "eq" else "lte", 1.0 if leaf.op == "eq" else 0.0
        )
    if leaf.section == "quantities":
        return Literal(leaf.key, leaf.op, float(leaf.value))
    holds = (leaf.op == "eq") == bool(leaf.value)
    return Literal(leaf.key, "gte" if holds else "lte", 1.0 if holds else 0.0)


def compile_entry(entry: Entry) -> CompiledEntry:
    conj = dnf(entry.condition)
    if len(conj) > MAX_CONJUNCTIONS:
        raise RuleError(
            "rule_too_complex",
            f"entry '{entry.id}' expands to more than {MAX_CONJUNCTIONS} alternatives",
            file=entry.source,
            line=entry.line,
            hint="split it into several entries",
        )
    conjunctions = tuple(tuple(literal(leaf) for leaf in c) for c in conj)
    code_keys = tuple(
        tuple(lit.key for lit in c if lit.key.startswith(PREFIX["industry_codes"]) and lit.op == "gte")
        for c in conjunctions
    )
    return CompiledEntry(entry, conjunctions, None if not code_keys or not all(code_keys) else code_keys)


class ListEngine:
    """The generic rules, registered once per process, and the compiled entries.

    Safe to call from several threads: sessions run under the engine's process-wide lock."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.compiled = {e.key: compile_entry(e) for e in entries}
        self.ruleset = f"lists#{next(_INSTANCES)}"
        register({self.ruleset: _definition()})

    def evaluate(self, facts: Facts, entries: Sequence[Entry]) -> dict[str, bool | None]:
        """Three-valued result of each entry: True holds, None may hold (facts unknown), False not."""
        return self.evaluate_many([(facts, entries)])[0]

    def evaluate_many(self, screenings: Sequence[tuple[Facts, Sequence[Entry]]]) -> list[dict[str, bool | None]]:
        """`evaluate` for many screenings in one run of the rules (a batch's chunk; run_session
        splits it into sessions of at most SESSION_FACTS facts).

        A literal's outcome depends only on its comparison and its fact's range, so each
        distinct (op, value, lo, hi) travels once, however many literals and screenings share
        it: codes and construction kinds are flags (three ranges), so a chunk of projects sends
        few more comparisons than one project."""
        comparisons: dict[tuple[str, float, float, float], int] = {}
        plans: list[tuple[list[Entry], dict[Literal, int]]] = []
        for facts, entries in screenings:
            routed = [e for e in entries if self.compiled[e.key].may_concern(facts)]
            wire: dict[str, tuple[float, float]] = {}
            of_literal: dict[Literal, int] = {}
            for e in routed:
                for conj in self.compiled[e.key].conjunctions:
                    for lit in conj:
                        if lit in of_literal:
                            continue
                        if lit.key not in wire:
                            wire[lit.key] = facts.wire(lit.key)
                        lo_v, hi_v = wire[lit.key]
                        of_literal[lit] = comparisons.setdefault((lit.op, lit.value, lo_v, hi_v), len(comparisons))
            plans.append((routed, of_literal))
        outcome: dict[int, str] = {}
        if comparisons:
            messages = [
                {_GUARD_KEY: 1, "lit": i, "op": op, "v": v, "lo": lo_v, "hi": hi_v}
                for (op, v, lo_v, hi_v), i in comparisons.items()
            ]
            recorded = run_session(self.ruleset, messages)
            outcome = {i: mode for mode, i in recorded}
            # the three outcomes per comparison must be exhaustive and exclusive
            if len(recorded) != len(messages) or len(outcome) != len(messages):
                raise EngineError("engine_list_outcomes", f"{len(recorded)} outcomes for {len(messages)} comparisons")
        out: list[dict[str, bool | None]] = []
        for (_, entries), (routed, of_literal) in zip(screenings, plans, strict=True):
            results: dict[str, bool | None] = dict.fromkeys((e.id for e in entries), False)
            for e in routed:
                result: bool | None = False
                for conj in self.compiled[e.key].conjunctions:
                    modes = [outcome[of_literal[lit]] for lit in conj]
                    if all(m == "T" for m in modes):
                        result = True
                        break
                    if all(m != "F" for m in modes):
                        result = None
                results[e.id] = result
            out.append(results)
        return out


def _definition() -> dict[str, Any]:
    """Twelve rules, three per comparison, exactly one of which matches any literal: certainly
    holds (the pessimistic end of the fact's range passes), may hold (only the optimistic end
    passes), fails (neither). Exactly one match per fact answers hazard 1 (an unmatched fact
    corrupts the heap) without a catch-all rule, which would double the actions per session."""
    guard = {_GUARD_KEY: 1}
    d: dict[str, Any] = {}
    for op in _OPS:
        lower_bound = op in ("gte", "gt")
        pessimistic, optimistic = ("lo", "hi") if lower_bound else ("hi", "lo")
        passes = {"$" + op: {pessimistic: {"$m": "v"}}}
        may_pass = {"$" + op: {optimistic: {"$m": "v"}}}
        fails_pessimistic = {"$" + NEGATE[op]: {pessimistic: {"$m": "v"}}}
        fails_optimistic = {"$" + NEGATE[op]: {optimistic: {"$m": "v"}}}
        d[f"{op}#T"] = {"all": [{"m": {"$and": [guard, {"op": op}, passes]}}], "run": _recorder("T"), "cap": CAP}
        d[f"{op}#P"] = {
            "all": [{"m": {"$and": [guard, {"op": op}, may_pass, fails_pessimistic]}}],
            "run": _recorder("P"),
            "cap": CAP,
        }
        d[f"{op}#F"] = {
            "all": [{"m": {"$and": [guard, {"op": op}, fails_optimistic]}}],
            "run": _recorder("F"),
            "cap": CAP,
        }
    return d


def _recorder(mode: str) -> Any:
    def run(c: Any) -> None:
        for m in matched(c):
            record((mode, m.lit))

    return run

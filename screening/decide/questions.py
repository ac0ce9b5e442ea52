"""Stage 5b, ask: the questions whose answers can still move a project's tier, the
assumptions a decision rests on, and the facts given that no candidate item reads.

Derived from the candidate items' condition trees and the project's facts, never typed in:
a question exists because a clause reads a fact the project has not answered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..packs.conditions import CONSTRUCTION_KEY, INDUSTRIAL_BUILDING_KEY, PREFIX, Cmp, Node, leaves
from ..packs.ruleset import TIER_RANK
from ..packs.vocabulary import Vocabulary
from .outcome import Assumption, FactWarning, Move, Question

if TYPE_CHECKING:
    from ..facts.derive import Facts
    from ..packs.ruleset import Clause, Item, RulePack

MEMBERSHIP = ("processes", "features", "project_types", "sensitive_areas", "industry_codes")


def question_id(leaf: Cmp) -> str | None:
    """The question (and `answers` key) that settles a leaf; None for facts a user cannot answer."""
    if leaf.key == INDUSTRIAL_BUILDING_KEY:
        return "industrial_building"
    if leaf.key == CONSTRUCTION_KEY or leaf.section == "zones" or not leaf.term:
        return None
    if leaf.section == "sensitive_areas":
        return "sensitive_areas"
    return f"{leaf.section}.{leaf.term}"


def build_questions(
    relevant: Iterable[tuple[Item, Clause | None]],
    facts: Facts,
    vocab: Vocabulary,
    ceiling_of: Mapping[int, str],
) -> tuple[tuple[Question, ...], list[tuple[Item, Clause | None, Cmp]]]:
    """The questions for the uncertain (item, clause) pairs that could lift the tier, and the
    leaves behind them. A leaf counts only if forcing it true or false changes its clause
    (a quantity beside a code the project is not in is not asked). `ceiling_of`: the highest
    tier an item can still reach (for an uncertain match)."""
    found: dict[str, dict[str, Any]] = {}
    used: list[tuple[Item, Clause | None, Cmp]] = []
    for item, clause in relevant:
        node: Node = clause.full if clause else item.match
        rid = clause.id if clause else f"{item.id}.match"
        tier = clause.column if clause else ceiling_of[item.number]
        live = live_leaves(node, facts)
        open_ids = {question_id(x) for x in live}
        for leaf in live:
            used.append((item, clause, leaf))
            qid = question_id(leaf)
            if qid is None:
                continue
            q = found.setdefault(qid, {"leaf": leaf, "items": set(), "moves": {}, "choices": set(), "closest": 99})
            q["closest"] = min(q["closest"], len(open_ids))
            q["items"].add(item.number)
            if leaf.section == "sensitive_areas" and leaf.term:
                q["choices"].add(leaf.term)
            if leaf.section == "quantities":
                move = Move(item.number, tier, rid, leaf.op, leaf.value)
            else:
                move = Move(item.number, tier, rid, "eq", (leaf.op == "eq") == bool(leaf.value))
            q["moves"][(move.item, move.tier, move.rule_id, move.op, str(move.threshold))] = move
    asked = [(_question(qid, q, vocab), q["closest"]) for qid, q in found.items()]
    return tuple(question for question, _ in sorted(asked, key=lambda qc: _order(*qc))), used


def live_leaves(node: Node, facts: Mapping[str, Any]) -> list[Cmp]:
    """The unknown leaves of `node` that can still decide it: not under an `all` with a false
    part, nor under an `any` with a true part (a quantity beside a code the project is not in
    is not asked)."""
    from ..packs.conditions import All, AnyOf, evaluate

    # One pass, bottom up: each node's value and the leaves that stay live under it (evaluating
    # each child and then walking into it re-evaluated every subtree once per level).
    def walk(n: Node) -> tuple[bool | None, list[Cmp]]:
        if isinstance(n, (All, AnyOf)):
            settled = isinstance(n, AnyOf)  # a true part settles an any, a false part an all
            value: bool | None = not settled
            live: list[Cmp] = []
            for c in n.children:
                v, below = walk(c)
                if v is settled:
                    return settled, []
                if v is None:
                    value = None
                live += below
            return value, live
        v = evaluate(n, facts)
        return v, [n] if isinstance(n, Cmp) and n.key not in facts else []

    return list(dict.fromkeys(walk(node)[1]))


def _unique_leaves(node: Node) -> list[Cmp]:
    seen: dict[Cmp, None] = {}
    for leaf in leaves(node):
        if isinstance(leaf, Cmp):
            seen.setdefault(leaf, None)
    return list(seen)


def _order(q: Question, closest: int) -> tuple[Any, ...]:
    """Most decisive first: the question most clauses read (a scale-farm question gates every
    column), then the one closest to settling a clause (fewest other open questions beside it),
    the highest tier it can reach, yes/no before numbers before lists."""
    top = max((TIER_RANK[m.tier] for m in q.moves), default=0)
    return (-len({m.rule_id for m in q.moves}), closest, -top, ("bool", "number", "choice").index(q.kind), q.id)


_ASK = {
    "zh": {
        "processes": "项目是否包含此工艺：{t}？",
        "features": "项目是否属于：{t}？",
        "project_types": "项目是否为：{t}？",
        "industry_codes": "项目的国民经济行业是否属于 GB/T 4754 代码 {code}（{t}）？",
        "industrial_building": "是否在工业建筑中生产（名录说明4）？",
        "sensitive_areas": "项目是否涉及以下环境敏感区（可多选；均不涉及选“无”）？",
        "quantities": "{t}是多少（{unit}）？",
    },
    "en": {
        "processes": "Does the project include this process: {t}?",
        "features": "Does this apply to the project: {t}?",
        "project_types": "Is the project: {t}?",
        "industry_codes": "Is the project's industry within GB/T 4754 code {code} ({t})?",
        "industrial_building": "Is production in an industrial building (directory note 4)?",
        "sensitive_areas": "Does the project involve any of these sensitive areas (several may apply, or none)?",
        "quantities": "What is the {t} ({unit})?",
    },
}


def _question(qid: str, q: dict[str, Any], vocab: Vocabulary) -> Question:
    leaf: Cmp = q["leaf"]
    section = "industrial_building" if leaf.key == INDUSTRIAL_BUILDING_KEY else leaf.section
    term = vocab.terms(section).get(leaf.term or "")
    label = {"zh": term.zh, "en": term.en} if term else {"zh": leaf.term or "", "en": leaf.term or ""}
    if section == "industry_codes":
        label = _code_label(leaf.term or "", vocab)
    text = {
        lang: _ASK[lang][section].format(t=label[lang], code=leaf.term, unit=term.unit if term else "")
        for lang in ("zh", "en")
    }
    kind = "number" if section == "quantities" else ("choice" if section == "sensitive_areas" else "bool")
    fact = f"quantities.{leaf.term}" if section == "quantities" else section
    moves = tuple(sorted(q["moves"].values(), key=lambda m: (-TIER_RANK[m.tier], m.item, m.rule_id)))
    return Question(
        id=qid,
        fact=fact,
        kind=kind,
        zh=text["zh"],
        en=text["en"],
        unit=term.unit if term and section == "quantities" else None,
        max=term.max if term and section == "quantities" else None,
        choices=tuple(sorted(q["choices"])),
        items=tuple(sorted(q["items"])),
        moves=moves,
    )


def _code_label(code: str, vocab: Vocabulary) -> dict[str, str]:
    """A GB/T 4754 code's own name (268: 日用化学产品制造), not its division's (化学原料和化学制品
    制造业); the division's name only when the table lacks the code. The table is in Chinese."""
    own = vocab.industry_codes.get(code) if vocab.industry_codes is not None else None
    division = vocab.terms("industry_divisions").get(code[:2])
    if own is not None:
        return {"zh": own.name_zh, "en": own.name_zh}
    return {"zh": division.zh, "en": division.en} if division else {"zh": code, "en": code}


_UNSET: Any = object()


def assumptions(items: Iterable[Item], facts: Facts, floor: str) -> tuple[Assumption, ...]:
    """The yes/no facts known false without being listed, whose being true would change a
    clause of a candidate item at or above the floor (or the item's match)."""
    from ..packs.conditions import evaluate
    from .explain import item_range

    found: dict[tuple[str, bool, str], tuple[set[int], set[str], set[str]]] = {}
    for item in items:
        outcome: Any = _UNSET  # the item's tiers, computed only when a leaf gets this far
        flipped_range: dict[Any, Any] = {}  # a leaf read by several clauses is flipped once
        nodes: list[tuple[Node, str]] = [(item.match, "match")]
        nodes += [
            (c.full, col.tier) for col in item.columns if TIER_RANK[col.tier] >= TIER_RANK[floor] for c in col.clauses
        ]
        for node, where in nodes:
            now = None
            for leaf in _unique_leaves(node):
                if leaf.section not in MEMBERSHIP and leaf.key != INDUSTRIAL_BUILDING_KEY:
                    continue
                value = facts.get(leaf.key)
                source = facts.source(leaf.key)
                if value is not False or source in (None, "listed", "industry_codes"):
                    continue
                if now is None:
                    now = evaluate(node, facts)
                flipped = {leaf: (leaf.op == "eq") == bool(leaf.value)}
                if evaluate(node, facts, flipped) == now:
                    continue
                # The outcome rests on it only if its being true would change the item's tiers
                # (an electroplating clause does not matter once solvent coating made it 报告书).
                if outcome is _UNSET:
                    outcome = item_range(item, facts)
                if leaf not in flipped_range:
                    flipped_range[leaf] = item_range(item, facts, flipped)
                if flipped_range[leaf] == outcome:
                    continue
                qid = question_id(leaf)
                if qid is None:
                    continue
                its, tiers, terms = found.setdefault((qid, False, source), (set(), set(), set()))
                its.add(item.number)
                tiers.add(where)
                terms.add(leaf.term or qid)
    return tuple(
        Assumption(qid, value, source, tuple(sorted(its)), tuple(sorted(tiers, key=_tier_key)), tuple(sorted(terms)))
        for (qid, value, source), (its, tiers, terms) in sorted(found.items())
    )


def _tier_key(t: str) -> int:
    return -TIER_RANK.get(t, 9)


def unread_facts(
    project: Any,
    candidates: Iterable[Item],
    pack: RulePack,
    also_read: frozenset[str],
    vocab: Vocabulary,
) -> tuple[FactWarning, ...]:
    """Quantities, features and processes the project gave that no candidate item reads
    (nor any local list entry, `also_read`), with the items of `pack` that would read them."""
    # also_read holds every list entry's facts (thousands in a province): read, not copied
    by_items = frozenset().union(*(item.fact_keys for item in candidates))

    def is_read(key: str) -> bool:
        return key in by_items or key in also_read

    readers = pack.fact_readers
    given = [PREFIX["quantities"] + q for q in project.quantities]
    given += [PREFIX["features"] + f for f in sorted(project.features or ())]
    for p in project.declared_processes:
        implied = vocab.expand_implied("processes", [p])
        if not any(is_read(PREFIX["processes"] + t) for t in implied):
            given.append(PREFIX["processes"] + p)
    out = []
    for key in given:
        if is_read(key):
            continue
        section = next(s for s, pre in PREFIX.items() if key.startswith(pre))
        term = key[len(PREFIX[section]) :]
        if section == "features" and f"features.{term}" in project.answers:
            continue  # answered to a question: not something the user volunteered
        its = readers.get(key, frozenset())
        out.append(
            FactWarning(
                "fact_not_read",
                f"{section}.{term}",
                tuple(sorted(its)),
                tuple(sorted({t for n in its for t in pack.by_number[n].project_types})),
            )
        )
    return tuple(out)

"""Stage 5, decide tier: combine the fired rules into a Decision with its reasons.

Article 4 (several items: the highest tier), article 5 (not listed: exempt) and the
three-valued reading (a fact not given is unknown, never assumed) are applied here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..facts.derive import Facts
from ..packs.conditions import INDUSTRIAL_BUILDING_KEY, NEGATE, Cmp, Manual, evaluate, leaves
from ..packs.ruleset import TIER_RANK, Clause, Item, RulePack, RuleSet
from ..project.model import Project
from .explain import evidence_of, explain, fact_name, item_range
from .missing import missing_facts
from .outcome import Change, Finding, ItemOutcome, ManualCheck, National, Note
from .questions import assumptions, build_questions, unread_facts

# ---------------------------------------------------------------- the decision


def decide(
    project: Project,
    facts: Facts,
    fired: frozenset[str],
    candidates: set[int],
    rules: RuleSet,
    pack: RulePack | None = None,
) -> National:
    """Combine fired rule names into the national outcome (article 4: highest tier; article 5: exempt);
    `pack`: the directory edition that fired (default: the newest)."""
    pack = pack or rules.directory
    items, units = pack.by_number, rules.units
    outcomes: list[ItemOutcome] = []
    findings: list[Finding] = []
    uncertain: list[tuple[Item, Clause | None]] = []
    notes: list[Note] = []
    floor = ceiling = "exempt"
    for n in sorted(candidates):
        item = items[n]
        m_true, m_possible = f"{item.id}.match#T" in fired, f"{item.id}.match#P" in fired
        if not m_possible:
            if (
                item.industrial_building_only
                and project.industrial_building is False
                and evaluate(item.match, facts, {Cmp(INDUSTRIAL_BUILDING_KEY, "eq", True, "industrial_building"): True})
            ):
                notes.append(Note("note4_industrial_building", (n,)))
            continue
        item_floor, item_ceiling, decisive = "exempt", "exempt", None
        reachable: set[str] = set()
        for col in item.columns:
            col_true = [c for c in col.clauses if f"{c.id}#T" in fired]
            col_possible = [c for c in col.clauses if f"{c.id}#P" in fired]
            if col_possible:
                reachable.add(col.tier)
                if item_ceiling == "exempt":
                    item_ceiling = col.tier
            if col_true:
                item_floor, decisive = col.tier, col_true
                break
            uncertain += [(item, c) for c in col_possible]
        if not m_true:
            uncertain.append((item, None))
        if not m_true or decisive is None:
            reachable.add("exempt")
        possible = tuple(sorted(reachable, key=TIER_RANK.__getitem__))
        outcomes.append(
            ItemOutcome(
                item=n,
                text=item.text,
                group=item.group,
                matched=m_true,
                tier=item_floor if item_floor == item_ceiling and m_true else None,
                possible=possible,
                evidence=tuple(explain(item.match, facts, units)) if m_true else (),
            )
        )
        if m_true:
            floor = max(floor, item_floor, key=TIER_RANK.__getitem__)
            for c in decisive or ():
                column = item.column(c.column)
                findings.append(
                    Finding(
                        rule_id=c.id,
                        item=n,
                        item_text=item.text,
                        tier=c.column,
                        clause_text=c.text,
                        column_text=column.text if column else c.text,
                        citation=citation(pack, item, c.column, c.text),
                        evidence=tuple(explain(c.condition, facts, units)),
                    )
                )
        ceiling = max(ceiling, item_ceiling, key=TIER_RANK.__getitem__)

    # Only what could lift the outcome above the certain floor is worth asking for.
    relevant = [
        (i, c) for i, c in uncertain if TIER_RANK[c.column if c else _ceiling_of(outcomes, i.number)] > TIER_RANK[floor]
    ]
    ceilings = {o.item: o.possible[-1] for o in outcomes}
    questions, used = build_questions(relevant, facts, rules.vocabulary, ceilings)
    # the leaves behind the questions, so every missing fact is also asked for
    missing = missing_facts(
        (item.number, clause.id if clause else f"{item.id}.match", leaf) for item, clause, leaf in used
    )
    manual = _manual_checks(relevant)
    status = "determined" if floor == ceiling else ("needs_more_information" if missing else "needs_manual_check")
    tier = floor if status == "determined" else None
    if sum(1 for o in outcomes if o.matched) > 1:
        notes.append(Note("article4_highest"))
    if not outcomes:
        notes.append(Note("article5_unlisted"))
    elif status == "determined" and tier == "exempt":
        notes.append(Note("article5_no_column"))
    if any(e.fact.startswith("quantities.") for f in findings for e in f.evidence):
        notes.append(Note("note2_new_scale"))
    process_terms = rules.vocabulary.terms("processes")
    for declared in project.declared_processes:  # e.g. anodizing counts as electroplating (说明6)
        if (term := process_terms.get(declared)) and term.pack_note:
            notes.append(Note(term.pack_note))
    if project.touches_main_works is False and project.construction in ("expansion", "renovation"):
        notes.append(Note("article4_renovation_content"))
    return National(
        project=project.name,
        project_id=project.id,
        status=status,
        tier=tier,
        tier_range=(floor, ceiling),
        procedure=pack.tiers[tier] if tier else None,
        items=tuple(outcomes),
        findings=tuple(findings),
        missing=missing,
        manual_checks=manual,
        changes=_changes([items[n] for n in sorted(candidates)], facts, floor, units)
        + (_lowering(findings, [items[n] for n in sorted(candidates)], facts, floor, units) if tier else ()),
        notes=tuple(_note_text(pack, n) for n in _merge_notes(notes)),
        fired_rules=tuple(sorted(fired)),
        rule_pack={"id": pack.id, "version": pack.version, "title": pack.title},
        questions=questions,
        assumptions=assumptions([items[n] for n in sorted(candidates)], facts, floor),
        warnings=unread_facts(
            project, [items[n] for n in sorted(candidates)], pack, rules.list_fact_keys, rules.vocabulary
        ),
    )


def _merge_notes(notes: list[Note]) -> list[Note]:
    merged: dict[str, tuple[int, ...]] = {}
    for n in notes:
        merged[n.code] = merged.get(n.code, ()) + n.items
    return [Note(code, items) for code, items in merged.items()]


def _note_text(pack: RulePack, note: Note) -> Note:
    text = pack.notes.get(note.code, {})
    items = "、".join(str(i) for i in note.items)
    return Note(
        note.code,
        note.items,
        text.get("zh", note.code).replace("{items}", items),
        text.get("en", note.code).replace("{items}", items),
    )


def _ceiling_of(outcomes: list[ItemOutcome], n: int) -> str:
    o = next(o for o in outcomes if o.item == n)
    return o.possible[-1]


def citation(pack: RulePack, item: Item, column: str, text: str) -> str:
    """Return the citation of one clause of a directory item, as findings and the rule-pack catalog print it."""
    return f"{pack.citation_prefix} 第{item.number}项「{item.text}」{pack.tiers[column].zh}栏：{text}"


def _manual_checks(relevant: list[tuple[Item, Clause | None]]) -> tuple[ManualCheck, ...]:
    """The checks no fact can settle (`manual:` leaves) in the clauses that could still lift the tier."""
    manual: dict[tuple[str, str], ManualCheck] = {}
    for item, clause in relevant:
        if clause is None:
            continue
        for leaf in leaves(clause.full):
            if isinstance(leaf, Manual):
                manual[(clause.id, leaf.text)] = ManualCheck(item.number, clause.id, clause.text, leaf.text)
    return tuple(manual.values())


def _changes(items: list[Item], facts: Facts, floor: str, units: Mapping[str, str | None]) -> tuple[Change, ...]:
    """Single-fact changes that would lift an item above the current floor. Entries of one
    list fact that would each do it (any of several sensitive areas) are merged into one."""
    out: dict[tuple[int, str, str, str, str], Change] = {}
    for item in items:
        for col in item.columns:
            if TIER_RANK[col.tier] <= TIER_RANK[floor]:
                break
            for clause in col.clauses:
                if evaluate(clause.full, facts) is not False:
                    continue
                for leaf in leaves(clause.full):
                    if not isinstance(leaf, Cmp) or evaluate(leaf, facts) is not False:
                        continue
                    if evaluate(clause.full, facts, {leaf: True}) is not True:
                        continue
                    ev = evidence_of(leaf, None, units)
                    listed = ev.op in ("contains", "lacks")
                    key = (item.number, col.tier, ev.fact, ev.op, "" if listed else str(ev.threshold))
                    if key in out and listed:
                        seen = out[key]
                        if ev.threshold not in seen.threshold:
                            out[key] = dataclasses.replace(seen, threshold=seen.threshold + (ev.threshold,))
                        continue
                    threshold = (ev.threshold,) if listed else ev.threshold
                    out.setdefault(
                        key, Change(item.number, col.tier, ev.fact, ev.op, threshold, ev.unit, clause.id, clause.text)
                    )
    return tuple(sorted(out.values(), key=lambda c: (-TIER_RANK[c.tier], c.item)))[:8]


def _lowering(
    findings: list[Finding], items: list[Item], facts: Facts, tier: str, units: Mapping[str, str | None]
) -> tuple[Change, ...]:
    """Quantities whose other side of the threshold would lower a determined tier, e.g.
    "solvent coating < 10 t/a would make this report_form" (every other fact unchanged)."""
    out: list[Change] = []
    seen: set[tuple[str, float]] = set()
    for f in findings:
        if f.tier != tier:
            continue
        item = next(i for i in items if i.number == f.item)
        clause = next(c for col in item.columns for c in col.clauses if c.id == f.rule_id)
        for leaf in leaves(clause.condition):
            if not isinstance(leaf, Cmp) or leaf.section != "quantities" or (leaf.key, leaf.value) in seen:
                continue
            seen.add((leaf.key, leaf.value))
            # the nearest value on the other side of this threshold
            other = {
                "gte": leaf.value * (1 - 1e-9) - 1e-9,
                "gt": leaf.value,
                "lt": leaf.value,
                "lte": leaf.value * (1 + 1e-9) + 1e-9,
            }[leaf.op]
            moved = _Overlay(facts, leaf.key, max(other, 0.0))
            ranges = {i.number: r for i in items if (r := item_range(i, moved))}
            if not ranges or any(lo != hi for lo, hi in ranges.values()):
                continue
            matched = [
                r[0] for n, r in ranges.items() if evaluate(next(i for i in items if i.number == n).match, moved)
            ]
            new = max(matched, key=TIER_RANK.__getitem__, default="exempt")
            if TIER_RANK[new] < TIER_RANK[tier]:
                out.append(
                    Change(
                        f.item,
                        new,
                        fact_name(leaf),
                        NEGATE[leaf.op],
                        leaf.value,
                        units.get(leaf.term or ""),
                        clause.id,
                        clause.text,
                    )
                )
    return tuple(out[:4])


class _Overlay(Mapping[str, Any]):
    """Facts with one value replaced: for "what if this quantity were just below the line"."""

    def __init__(self, base: Facts, key: str, value: Any) -> None:
        self.base, self.key, self.value = base, key, value

    def __getitem__(self, key: str) -> Any:
        return self.value if key == self.key else self.base[key]

    def __iter__(self) -> Any:
        return iter(self.base)

    def __len__(self) -> int:
        return len(self.base)

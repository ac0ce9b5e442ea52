"""The one builder of "what is missing": the unknown facts behind a decision, grouped by fact,
with the directory items and the rules (clauses or list entries) that read each one."""

from __future__ import annotations

from collections.abc import Iterable

from ..packs.conditions import Cmp
from .explain import fact_name
from .outcome import Missing

# Facts that are lists of terms: a Missing names which terms are in question
# (`processes`: electroplating); a zone condition names the zone it asks about.
_TERM_SECTIONS = frozenset({"processes", "features", "sensitive_areas", "industry_codes", "project_types", "zones"})


def missing_facts(uses: Iterable[tuple[int | None, str, Cmp]]) -> tuple[Missing, ...]:
    """Group `(item number or None, rule id, leaf)` uses of unknown facts by the fact they read.

    >>> leaf = Cmp("q_beds", "gte", 500.0, "quantities", "beds")
    >>> missing_facts([(49, "i49.report.1", leaf), (None, "county.space.1", leaf)])
    (Missing(fact='quantities.beds', items=(49,), clauses=('county.space.1', 'i49.report.1'), terms=()),)
    """
    by_fact: dict[str, tuple[set[int], set[str], set[str]]] = {}
    for item, rule_id, leaf in uses:
        name = "location" if leaf.section == "zones" else fact_name(leaf)
        items, rules, terms = by_fact.setdefault(name, (set(), set(), set()))
        if item is not None:
            items.add(item)
        rules.add(rule_id)
        if leaf.term and leaf.section in _TERM_SECTIONS:
            terms.add(leaf.term)
    return tuple(
        Missing(f, tuple(sorted(i)), tuple(sorted(r)), tuple(sorted(t))) for f, (i, r, t) in sorted(by_fact.items())
    )

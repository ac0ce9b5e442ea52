"""Which list entries can apply at a site, without reading every entry: an index of the entries
by the zone they name.

A province's scheme gives each of its thousands of control units its own clauses
(`applies: {zone: {kind: control_unit, code: ZH...}}`). Evaluating every entry's `applies` for
every screening costs about 10 µs an entry, most of a screening's time at that scale. An entry
whose `applies` requires a zone with a given code is certainly out when the site touches no zone
with that code and the layers of that kind cover the site; only the entries of the codes the
site touches are evaluated. The answer is exactly the full scan's (a hypothesis property test
checks that): the index only skips entries whose `applies` is certainly false.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ..facts.derive import Facts
from ..packs.conditions import PREFIX, All, Cmp, Node, evaluate, zone_selector
from ..packs.local import INSTRUMENT_EFFECTS, Entry

_ZONE = PREFIX["zones"]


class EntryIndex:
    """The entries of some local packs, routed by the zone code their `applies` requires.

    Built once when the rules load (it is plain data: it pickles and is shared by workers)."""

    def __init__(self, entries: Sequence[Entry], buffer_m: float) -> None:
        self.entries = tuple(entries)
        self._free: list[int] = []  # positions of entries naming no zone code: always evaluated
        self._by_code: dict[str, list[int]] = defaultdict(list)  # zone code -> positions
        self._by_kind: dict[str, list[int]] = defaultdict(list)  # zone kind -> positions routed by code
        for i, e in enumerate(self.entries):
            key = _required_code(e.applies, buffer_m)
            if key is None:
                self._free.append(i)
            else:
                self._by_kind[key[0]].append(i)
                self._by_code[key[1]].append(i)
        self._position = {e.key: i for i, e in enumerate(self.entries)}
        self._instruments = [i for i, e in enumerate(self.entries) if e.effect in INSTRUMENT_EFFECTS]

    def candidates(self, facts: Facts) -> list[Entry]:
        """The entries whose `applies` may hold at the site, in their loaded order (the same list
        as evaluating every entry's `applies`)."""
        location = facts.location
        if location is None or not self._by_code:
            return _scan(self.entries, range(len(self.entries)), facts)
        keep = set(self._free)
        for h in (*location.hits, *location.nearby):  # a superset: evaluation decides
            keep.update(self._by_code.get(h.code, ()) if h.code is not None else ())
        # A kind whose layers do not cover the site leaves its zone facts unknown, not false:
        # its entries are evaluated, as the full scan would.
        for kind, positions in self._by_kind.items():
            if not _covered(facts, kind):
                keep.update(positions)
        return _scan(self.entries, sorted(keep), facts)

    def site_change_entries(self, candidates: Sequence[Entry]) -> list[Entry]:
        """The entries a change of site could concern, in loaded order: the candidates (a
        prohibition to leave) and every instrument (an exemption, downgrade or commitment zone
        to enter, and their exclusions) - the same advice as reading every entry."""
        positions = {self._position[e.key] for e in candidates} | set(self._instruments)
        return [self.entries[i] for i in sorted(positions)]


def _scan(entries: Sequence[Entry], positions: Any, facts: Facts) -> list[Entry]:
    return [entries[i] for i in positions if evaluate(entries[i].applies, facts) is not False]


def _required_code(applies: Node, buffer_m: float) -> tuple[str, str] | None:
    """(kind, code) when `applies` holds only at a zone of that code: a conjunction with a leaf
    `zone {kind, code, ...}` searched no further than the buffer. Not with `sensitive_area`,
    which narrows the layers whose coverage makes "no such zone" certain."""
    for leaf in _conjuncts(applies):
        if not (isinstance(leaf, Cmp) and leaf.key.startswith(_ZONE) and leaf.op == "eq" and leaf.value is True):
            continue
        sel = zone_selector(leaf.key[len(_ZONE) :])
        within = sel.pop("within_m", 0.0)
        if {"kind", "code"} <= set(sel) and "sensitive_area" not in sel and within <= buffer_m:
            return str(sel["kind"]), str(sel["code"])
    return None


def _conjuncts(node: Node) -> list[Node]:
    """The parts that must all hold: a list's `applies` and an entry's come as nested `all`s."""
    return [c for child in node.children for c in _conjuncts(child)] if isinstance(node, All) else [node]


def _covered(facts: Facts, kind: str) -> bool:
    """Whether a layer of `kind` covers the site (then "no zone of that code" is certain)."""
    location = facts.location
    return location is not None and any(
        location.covered.get(lid) for lid, lk in facts.layer_kinds.items() if lk.kind == kind
    )

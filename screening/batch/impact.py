"""Impact of a rule change: the same projects screened with the old and the new rules (or a stored
decision against today's), and every project whose outcome moves, old -> new, with the rules
that hold under one set and not the other.

Both sides are reduced to an Outcome first, from a batch row or from a decision's JSON
(docs/output.md), so a folder of projects and the stored records compare the same way.

>>> old = outcome_of_decision({"tier": "report_form", "fired_rules": ["i49.report.1#T"]})
>>> new = outcome_of_decision({"tier": "full_report", "fired_rules": ["i49.full.1#T", "i49.full.1#P"]})
>>> c = compare(old, new)
>>> [(f.field, f.old, f.new) for f in c.fields], c.rules_added, c.rules_removed
([('tier', 'report_form', 'full_report')], ('i49.full.1',), ('i49.report.1',))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The fields a user acts on, in the order a change is reported.
FIELDS = ("status", "error_code", "tier", "national_tier", "decision_status", "admissibility", "procedure")
_SEP = "; "  # how a batch row joins rule ids (screening/batch/output.py)
COLUMNS = (
    *("index", "source", "row", "id", "name", "changed"),
    *(f"{side}_{f}" for f in FIELDS for side in ("old", "new")),
    *("rules_added", "rules_removed"),
)


@dataclass(frozen=True)
class Outcome:
    """What one screening of one project came to: `status` ok | error, the outcome fields, and
    the rules that certainly hold (directory clauses, list entries found at the site)."""

    values: Mapping[str, Any]
    rules: frozenset[str]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Impact:
    """How one project's outcome moves, and the rules behind the move."""

    fields: tuple[FieldChange, ...]
    rules_added: tuple[str, ...]  # hold under the new rules, not the old
    rules_removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.fields)


def _holding(rule_ids: Iterable[str]) -> set[str]:
    """Directory rule names carry #T (certainly holds) or #P (may hold): keep the certain ones."""
    return {r.removesuffix("#T") for r in rule_ids if r and not r.endswith("#P")}


def outcome_of_row(row: Mapping[str, Any]) -> Outcome:
    """The Outcome of a batch result row (screening/batch/output.py)."""
    if row.get("status") == "error":
        return Outcome({"status": "error", "error_code": row.get("error_code")}, frozenset())
    values = {"status": "ok", **{f: row.get(f) for f in FIELDS if f not in ("status", "error_code")}}
    rules = _holding(str(row.get("fired_rules") or "").split(_SEP))
    # `?` marks a list entry that may hold: only certain ones count, as for the directory
    for column in ("admissibility_rules", "instrument_rules"):
        rules |= {r for r in str(row.get(column) or "").split(_SEP) if r and not r.endswith("?")}
    return Outcome(values, frozenset(rules))


def outcome_of_decision(decision: Mapping[str, Any]) -> Outcome:
    """The Outcome of a decision in its JSON form (a stored record, or a fresh screening)."""
    adm = decision.get("admissibility") or {}
    procedure = decision.get("procedure") or {}
    values = {
        "status": "ok",
        "error_code": None,
        "tier": decision.get("tier"),
        "national_tier": decision.get("national_tier"),
        "decision_status": decision.get("status"),
        "admissibility": adm.get("status"),
        "procedure": procedure.get("procedure"),
    }
    rules = _holding(decision.get("fired_rules") or ())
    for group in (
        adm.get("reasons") or (),
        adm.get("notices") or (),
        (decision.get("local") or {}).get("instruments") or (),
    ):
        rules |= {str(f["rule_id"]) for f in group if f.get("rule_id") and f.get("certain", True)}
    return Outcome(values, frozenset(rules))


def compare(old: Outcome, new: Outcome) -> Impact:
    """The changed fields (old -> new) and the rules that hold on one side only."""
    fields = tuple(FieldChange(f, a, b) for f in FIELDS if (a := old.values.get(f)) != (b := new.values.get(f)))
    return Impact(fields, tuple(sorted(new.rules - old.rules)), tuple(sorted(old.rules - new.rules)))


def impact_rows(old_rows: Sequence[Mapping[str, Any]], new_rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per project whose outcome changes between two batch runs of the same tasks
    (matched by their input index): which project, old_/new_ of every field, the rules."""
    new_by_index = {r["index"]: r for r in new_rows}
    out = []
    for old in old_rows:
        new = new_by_index[old["index"]]
        before, after = outcome_of_row(old), outcome_of_row(new)
        c = compare(before, after)
        if not c.changed:
            continue
        row: dict[str, Any] = {k: old.get(k) or new.get(k) for k in ("index", "source", "row", "id", "name")}
        row["changed"] = ", ".join(f.field for f in c.fields)
        for f in FIELDS:
            row[f"old_{f}"], row[f"new_{f}"] = before.values.get(f), after.values.get(f)
        row["rules_added"] = _SEP.join(c.rules_added)
        row["rules_removed"] = _SEP.join(c.rules_removed)
        out.append(row)
    return out


def transitions(rows: Iterable[Mapping[str, Any]], field: str) -> Counter[tuple[Any, Any]]:
    """How many changed projects moved from each old value of `field` to each new one."""
    return Counter((r[f"old_{field}"], r[f"new_{field}"]) for r in rows if r[f"old_{field}"] != r[f"new_{field}"])


def value_changes(old: Any, new: Any, prefix: str = "", depth: int = 3) -> list[dict[str, Any]]:
    """Every differing field of two JSON documents with both values, `depth` levels into objects
    (`admissibility.status`: conditional -> prohibited); lists are compared whole.

    >>> value_changes({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 5, "d": 3}})
    [{'field': 'b.c', 'old': 2, 'new': 5}]
    """
    out: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        name = f"{prefix}{key}"
        if depth > 1 and isinstance(a, dict) and isinstance(b, dict):
            out += value_changes(a, b, f"{name}.", depth - 1)
        else:
            out.append({"field": name, "old": a, "new": b})
    return out

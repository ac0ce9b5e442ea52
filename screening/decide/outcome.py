"""What stage 5 decides, as plain frozen data: the Decision and its parts.

Rendering (report/) only reads these; nothing here computes. One module, so the tier, the
admissibility and the questions can refer to each other's results without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..packs.ruleset import TierInfo
from ..zones.locate import ZoneHit


@dataclass(frozen=True)
class Evidence:
    """One fact that made a condition hold: `quantities.beds = 520 ≥ 500`."""

    fact: str
    value: Any
    op: str
    threshold: Any
    unit: str | None = None


@dataclass(frozen=True)
class Finding:
    """A clause that holds for the project, with its citation and evidence."""

    rule_id: str
    item: int
    item_text: str
    tier: str
    clause_text: str
    column_text: str
    citation: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class ItemOutcome:
    item: int
    text: str
    group: str
    matched: bool  # False: the project may belong to the item, facts missing
    tier: str | None  # None when the facts do not decide it
    possible: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Missing:
    """A fact the project did not give that could change the tier."""

    fact: str
    items: tuple[int, ...]
    clauses: tuple[str, ...]
    terms: tuple[str, ...] = ()  # for list facts: which entries are in question


@dataclass(frozen=True)
class ManualCheck:
    item: int
    rule_id: str
    clause_text: str
    check: str


@dataclass(frozen=True)
class Change:
    """What would change the outcome: `fact op threshold` would make item `item` reach `tier`.
    For list facts (op contains/lacks) `threshold` is a tuple of entries, any one of which would."""

    item: int
    tier: str
    fact: str
    op: str
    threshold: Any
    unit: str | None
    rule_id: str
    clause_text: str


@dataclass(frozen=True)
class Note:
    """An article or note of the directory that shaped the outcome (`note4`, items (25,))."""

    code: str
    items: tuple[int, ...] = ()
    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class EntryFinding:
    """A list entry that holds (`certain`) or may hold at the site, with its citation and evidence."""

    rule_id: str
    pack: str
    list_id: str
    dimension: str
    effect: str
    certain: bool
    text: str
    text_en: str
    citation: str
    evidence: tuple[Evidence, ...]
    zones: tuple[ZoneHit, ...]  # the zones that make its zone conditions hold


@dataclass(frozen=True)
class SiteChange:
    """A change of site or facts that would change a local outcome: `inside` zone X would apply `effect`."""

    rule_id: str
    effect: str
    op: str  # inside | outside
    zones: tuple[str, ...]  # zone selectors, e.g. "kind=reform_area"
    text: str
    text_en: str = ""


@dataclass(frozen=True)
class JurisdictionGap:
    """An admin code of the site that no local (non-nationwide) pack in force covers, and why:
    `no_pack` (none loaded), `not_yet_in_force` (`pack` takes effect on `date`) or `expired`
    (`pack` ceased to apply after `date`)."""

    jurisdiction: str
    reason: str
    pack: str | None = None
    version: str | None = None
    date: str | None = None  # ISO


@dataclass(frozen=True)
class Admissibility:
    status: str  # one of ADMISSIBILITY
    reasons: tuple[EntryFinding, ...]  # prohibitions and conditions that hold or may hold
    notices: tuple[EntryFinding, ...]  # e.g. total-emission quota
    missing: tuple[Missing, ...]
    message_zh: str
    message_en: str
    jurisdiction_gaps: tuple[JurisdictionGap, ...] = ()  # admin codes of the site with no local pack in force


@dataclass(frozen=True)
class LocalTier:
    """The tier after local instruments, beside the national one, with the procedure to follow."""

    national_tier: str | None
    final_tier: str | None
    procedure: str | None  # approval | notification_commitment | online_filing | none
    time_limit_days: int | None
    day_kind: str  # calendar | working
    basis: str
    instruments: tuple[EntryFinding, ...]  # exemption / downgrade / commitment entries that acted or may act
    changes: tuple[SiteChange, ...]
    next_steps_zh: str = ""  # when the local procedure replaces the directory's next steps
    next_steps_en: str = ""


@dataclass(frozen=True)
class Move:
    """An answer that can move item `item` to `tier` (through clause `rule_id`): for a number,
    `op threshold` (`gte 5000`); for a yes/no question, the answer that does (True or False)."""

    item: int
    tier: str
    rule_id: str
    op: str
    threshold: Any


@dataclass(frozen=True)
class Question:
    """One question whose answer can still move the tier.

    `id` is also the key of the project's `answers` field (`features.livestock_scale_farm`,
    `quantities.beds`, `industrial_building`); `sensitive_areas` asks for several kinds at once
    (kind `choice`: the kinds involved, or none) and is answered per kind
    (`sensitive_areas.nature_reserve: false`). `fact` is the Missing fact it belongs to."""

    id: str
    fact: str
    kind: str  # bool | number | choice
    zh: str
    en: str
    unit: str | None
    max: float | None
    choices: tuple[str, ...]
    items: tuple[int, ...]
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class Assumption:
    """A yes/no fact the decision takes as false without the user having said so in that
    question, or having said so: `source` is answer | process_list | declared_list | map | rule."""

    id: str  # the question: `features.livestock_scale_farm`, or `sensitive_areas` for several kinds
    value: bool
    source: str
    items: tuple[int, ...]
    tiers: tuple[str, ...]  # the columns (or "match": the item itself) that do not apply because of it
    terms: tuple[str, ...] = ()  # the terms taken as false: `livestock_scale_farm`, or the kinds


@dataclass(frozen=True)
class FactWarning:
    """A fact the project gave that no candidate item reads (so it changed nothing), with the
    items that would read it and the project types that lead to them."""

    code: str  # fact_not_read
    fact: str
    items: tuple[int, ...]
    project_types: tuple[str, ...]


@dataclass(frozen=True)
class National:
    """The directory's answer alone (article 4, article 5, the notes), before zoning and local
    instruments; the screener extends it with them into the one Decision."""

    project: str
    project_id: str | None
    status: str  # determined | needs_more_information | needs_manual_check
    tier: str | None
    tier_range: tuple[str, str]
    procedure: TierInfo | None
    items: tuple[ItemOutcome, ...]
    findings: tuple[Finding, ...]
    missing: tuple[Missing, ...]
    manual_checks: tuple[ManualCheck, ...]
    changes: tuple[Change, ...]
    notes: tuple[Note, ...]
    fired_rules: tuple[str, ...]
    rule_pack: dict[str, str] = field(default_factory=dict)
    # What to ask next (questions.py), what the tier rests on, and facts given that nothing read.
    questions: tuple[Question, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[FactWarning, ...] = ()


@dataclass(frozen=True)
class Decision(National):
    """The screening result: the national outcome with zoning and local instruments applied
    (`tier` is then the final tier). Rendering only reads it; it never re-derives anything."""

    national_tier: str | None = None
    admissibility: Admissibility | None = None
    local: LocalTier | None = None
    location: dict[str, Any] | None = None
    sensitive_area_sources: dict[str, str] = field(default_factory=dict)  # kind -> map | declared | map+declared
    rule_packs: tuple[dict[str, Any], ...] = ()
    zone_layers: dict[str, str] = field(default_factory=dict)  # layer id -> version
    screened_on: str | None = None  # the date that picked the packs in force (ISO)

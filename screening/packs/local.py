"""Load local rule packs (`kind: local`): access lists, negative lists and catalogs as data.

A local pack is scoped to a jurisdiction and dated; its lists hold entries, each a clause of
a document with its condition in the same grammar as the directory's clauses plus `zone`
leaves (docs/rule-packs.md, "Local packs")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RuleError, did_you_mean
from ..sources.yaml_doc import RULE_FILE_MAX_BYTES, YamlDoc, read_yaml_file
from .conditions import All, ConditionParser, Node, nnf
from .vocabulary import Vocabulary

# What an entry does when it holds.
ADMISSIBILITY_EFFECTS = ("prohibited", "restricted", "required", "notice")
INSTRUMENT_EFFECTS = ("exempt", "downgrade", "downgrade_excluded", "commitment", "commitment_excluded")
EFFECTS = ADMISSIBILITY_EFFECTS + INSTRUMENT_EFFECTS
DIMENSIONS = (
    "space_layout",  # 空间布局约束
    "emission_control",  # 污染物排放管控
    "risk_prevention",  # 环境风险防控
    "resource_efficiency",  # 资源开发效率要求
    "negative_list",  # 园区 / 改革区域负面清单
    "exemption_catalog",  # 豁免环评手续名录
    "commitment",  # 告知承诺制审批
    "reform_area",  # 区域环评+环境标准
    "quota",  # 总量控制
)
_PACK_KEYS = {
    "id",
    "kind",
    "title",
    "short",
    "issuer",
    "version",
    "jurisdiction",
    "effective_from",
    "effective_to",
    "illustrative",
    "citation_prefix",
    "procedures",
    "notes",
}
_LIST_KEYS = {"id", "title", "document", "applies", "entries"}
_ENTRY_KEYS = {"id", "clause", "dimension", "effect", "tiers", "text", "text_en", "applies", "when"}
_PROC_KEYS = {
    "approval_days",
    "commitment_days",
    "day_kind",
    "basis",
    "approval_steps_zh",
    "approval_steps_en",
    "commitment_steps_zh",
    "commitment_steps_en",
}
_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


@dataclass(frozen=True)
class Entry:
    """One clause of a list: when `condition` holds for the project at its site, `effect` applies."""

    id: str
    list_id: str
    pack_id: str
    dimension: str
    effect: str
    tiers: tuple[str, ...]  # national tiers an instrument acts on; () for admissibility effects
    text: str
    text_en: str
    citation: str
    applies: Node  # where the entry applies (zone leaves); normal form
    when: Node  # what of the project it reads; normal form
    condition: Node  # applies AND when; normal form
    source: str
    line: int | None
    pack_version: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """Unique across loaded packs: versions of one pack share entry ids, never their conditions."""
        return (self.pack_id, self.pack_version, self.id)


@dataclass(frozen=True)
class EntryList:
    id: str
    title: str
    document: str
    entries: tuple[Entry, ...]
    source: str


@dataclass(frozen=True)
class LocalProcedure:
    """A local time limit for one national tier (e.g. 15 working days for a report in a reform province)."""

    tier: str
    approval_days: int | None
    commitment_days: int | None
    day_kind: str  # calendar | working
    basis: str
    approval_steps_zh: str = ""  # next steps under the local approval time limit
    approval_steps_en: str = ""
    commitment_steps_zh: str = ""  # what the applicant does under notification-commitment
    commitment_steps_en: str = ""


@dataclass(frozen=True)
class LocalPack:
    id: str
    title: str
    short: str
    version: str
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None
    illustrative: bool
    citation_prefix: str
    procedures: dict[str, LocalProcedure]
    lists: tuple[EntryList, ...]
    source: str

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for lst in self.lists for e in lst.entries)

    def in_force(self, on: dt.date | None) -> bool:
        """Whether the pack applies on `on` (None: no date given, every loaded pack applies)."""
        if on is None:
            return True
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def covers(self, jurisdictions: tuple[str, ...]) -> bool:
        """A county pack (330999) covers a site in county 330999; a province pack (33) every county in it."""
        return any(j.startswith(self.jurisdiction) for j in jurisdictions)


def pack_kind(pack_dir: Path) -> str:
    """`directory` (the national classification directory) or `local`."""
    doc = read_yaml_file(pack_dir / "pack.yaml", max_bytes=RULE_FILE_MAX_BYTES)
    kind = doc.data.get("kind", "directory") if isinstance(doc.data, dict) else "directory"
    if kind not in ("directory", "local"):
        raise RuleError(
            "rule_bad_pack_kind",
            f"unknown pack kind '{kind}'",
            file=doc.source,
            line=doc.line_of(("kind",)),
            hint="kind: directory (default) or kind: local",
        )
    return str(kind)


def load_local_pack(pack_dir: Path, vocab: Vocabulary, tier_names: tuple[str, ...]) -> LocalPack:
    doc = read_yaml_file(pack_dir / "pack.yaml", max_bytes=RULE_FILE_MAX_BYTES)
    d = doc.mapping(RuleError, "rule_bad_list", (), doc.data)
    doc.only_keys(RuleError, "rule_unknown_field", (), d, _PACK_KEYS)
    pid = _text(doc, d, "id")
    procedures: dict[str, LocalProcedure] = {}
    for tier, p in (doc.mapping(RuleError, "rule_bad_list", ("procedures",), d.get("procedures") or {})).items():
        if tier not in tier_names:
            raise doc.error(
                RuleError,
                "rule_bad_list",
                ("procedures", tier),
                f"unknown tier '{tier}'",
                did_you_mean(str(tier), tier_names),
            )
        p = doc.mapping(RuleError, "rule_bad_list", ("procedures", tier), p)
        doc.only_keys(RuleError, "rule_unknown_field", ("procedures", tier), p, _PROC_KEYS)
        procedures[tier] = LocalProcedure(
            tier=tier,
            approval_days=p.get("approval_days"),
            commitment_days=p.get("commitment_days"),
            day_kind=str(p.get("day_kind", "calendar")),
            basis=str(p.get("basis", "")),
            approval_steps_zh=str(p.get("approval_steps_zh", "")),
            approval_steps_en=str(p.get("approval_steps_en", "")),
            commitment_steps_zh=str(p.get("commitment_steps_zh", "")),
            commitment_steps_en=str(p.get("commitment_steps_en", "")),
        )
    effective_from = d.get("effective_from")
    effective_to = d.get("effective_to")
    for key, v in (("effective_from", effective_from), ("effective_to", effective_to)):
        if v is not None and not isinstance(v, dt.date):
            raise doc.error(RuleError, "rule_bad_list", (key,), f"'{key}' must be a date like 2025-07-01")
    if effective_from is None:
        raise doc.error(RuleError, "rule_bad_list", ("effective_from",), "a local pack needs 'effective_from'")
    prefix = str(d.get("citation_prefix") or d.get("title") or pid)
    lists = []
    seen: set[str] = set()
    for f in sorted((pack_dir / "lists").glob("*.yaml")):
        if f.name.endswith(".cases.yaml"):
            continue
        lst = _load_list(f, vocab, pid, str(_text(doc, d, "version")), prefix, tier_names)
        for e in lst.entries:
            if e.id in seen:
                raise RuleError("rule_duplicate_entry", f"entry '{e.id}' is defined twice", file=e.source, line=e.line)
            seen.add(e.id)
        lists.append(lst)
    if not lists:
        raise RuleError(
            "rules_no_list", "a local pack needs at least one list in lists/*.yaml", file=str(pack_dir / "lists")
        )
    return LocalPack(
        id=pid,
        title=_text(doc, d, "title"),
        short=str(d.get("short") or pid),
        version=str(_text(doc, d, "version")),
        jurisdiction=str(_text(doc, d, "jurisdiction")),
        effective_from=effective_from,
        effective_to=effective_to,
        illustrative=bool(d.get("illustrative", False)),
        citation_prefix=prefix,
        procedures=procedures,
        lists=tuple(lists),
        source=str(pack_dir),
    )


def _load_list(
    path: Path, vocab: Vocabulary, pack_id: str, version: str, prefix: str, tier_names: tuple[str, ...]
) -> EntryList:
    doc = read_yaml_file(path, max_bytes=RULE_FILE_MAX_BYTES)
    d = doc.mapping(RuleError, "rule_bad_list", (), doc.data)
    doc.only_keys(RuleError, "rule_unknown_field", (), d, _LIST_KEYS)
    list_id = _text(doc, d, "id")
    if list_id != path.stem:
        raise doc.error(
            RuleError, "rule_bad_list", ("id",), f"id '{list_id}' differs from the file name", f"use id: {path.stem}"
        )
    parser = ConditionParser(vocab, str(path), doc.line_of, allow_zones=True)
    list_applies: Node = parser.parse(d["applies"], ("applies",), ()) if "applies" in d else True
    document = str(d.get("document") or "")
    raw = d.get("entries")
    if not isinstance(raw, list) or not raw:
        raise doc.error(RuleError, "rule_bad_list", ("entries",), "a list needs a non-empty 'entries:' list")
    entries = []
    for i, e in enumerate(raw):
        at = ("entries", i)
        e = doc.mapping(RuleError, "rule_bad_list", at, e)
        doc.only_keys(RuleError, "rule_unknown_field", at, e, _ENTRY_KEYS)
        eid = _text(doc, e, "id", at)
        if not _ID.match(eid):
            raise doc.error(
                RuleError,
                "rule_bad_list",
                at + ("id",),
                f"entry id '{eid}' must be lower-case letters, digits, '.', '_', '-'",
            )
        effect = e.get("effect")
        if effect not in EFFECTS:
            raise doc.error(
                RuleError,
                "rule_bad_list",
                at + ("effect",),
                f"unknown effect '{effect}'",
                did_you_mean(str(effect), EFFECTS) or str(EFFECTS),
            )
        dimension = e.get("dimension")
        if dimension not in DIMENSIONS:
            raise doc.error(
                RuleError,
                "rule_bad_list",
                at + ("dimension",),
                f"unknown dimension '{dimension}'",
                did_you_mean(str(dimension), DIMENSIONS) or ", ".join(DIMENSIONS),
            )
        tiers = tuple(e.get("tiers") or ())
        for k, t in enumerate(tiers):
            if t not in tier_names:
                raise doc.error(
                    RuleError,
                    "rule_bad_list",
                    at + ("tiers", k),
                    f"unknown tier '{t}'",
                    did_you_mean(str(t), tier_names),
                )
        if effect in INSTRUMENT_EFFECTS and effect not in ("downgrade_excluded", "commitment_excluded") and not tiers:
            raise doc.error(
                RuleError,
                "rule_bad_list",
                at + ("tiers",),
                f"a '{effect}' entry needs 'tiers': the national tiers it acts on",
            )
        if "when" not in e:
            raise doc.error(
                RuleError,
                "rule_bad_list",
                at,
                "an entry needs 'when' (write 'when: true' for every project where it applies)",
            )
        applies = All((list_applies, parser.parse(e["applies"], at + ("applies",), ()) if "applies" in e else True))
        when = parser.parse(e["when"], at + ("when",), ())
        clause = str(e.get("clause") or "")
        entries.append(
            Entry(
                id=eid,
                list_id=list_id,
                pack_id=pack_id,
                dimension=str(dimension),
                effect=str(effect),
                tiers=tiers,
                text=_text(doc, e, "text", at),
                text_en=str(e.get("text_en") or ""),
                citation=f"{document or prefix} {clause}".strip() + f"：{e['text']}",
                applies=nnf(applies),
                when=nnf(when),
                condition=nnf(All((applies, when))),
                source=str(path),
                line=doc.line_of(at),
                pack_version=version,
            )
        )
    return EntryList(
        id=list_id, title=_text(doc, d, "title"), document=document, entries=tuple(entries), source=str(path)
    )


def _text(doc: YamlDoc, d: dict[str, Any], key: str, at: tuple[Any, ...] = ()) -> str:
    v = d.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        raise RuleError("rule_missing_field", f"missing field '{key}'", file=doc.source, line=doc.line_of(at))
    return str(v)

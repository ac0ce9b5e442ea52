"""Load and validate rule packs (`rules/<pack>/pack.yaml` + `items/*.yaml`) into a typed model."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from .conditions import INDUSTRIAL_BUILDING_KEY, PREFIX, All, AnyOf, Cmp, ConditionParser, Node, nnf
from .errors import RuleError
from .listpack import LocalPack, load_local_pack, pack_kind
from .vocabulary import Vocabulary, load_vocabulary
from .yaml_source import YamlDoc, read_yaml_file

TIERS = ("exempt", "registration", "report_form", "report_book")
COLUMNS = ("report_book", "report_form", "registration")  # tried top-down
TIER_RANK = {t: i for i, t in enumerate(TIERS)}
_ITEM_FILE = re.compile(r"^item_\d{3}\.yaml$")


@dataclass(frozen=True)
class Clause:
    """One alternative of a column: fires when the item matches and `condition` holds."""

    id: str
    item: int
    column: str
    text: str
    condition: Node  # the clause alone, normal form
    full: Node  # item match AND clause, normal form


@dataclass(frozen=True)
class Column:
    tier: str
    text: str
    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class Item:
    id: str
    number: int
    group: str
    text: str
    industrial_building_only: bool
    industry_codes: tuple[str, ...]
    project_types: tuple[str, ...]
    related_codes: tuple[str, ...]  # codes whose projects may be of project_types: asked, never assumed
    related_quantities: tuple[str, ...]  # quantities whose presence makes the item a candidate (asked too)
    match: Node  # normal form
    scope_text: str
    scope_kinds: tuple[str, ...]
    columns: tuple[Column, ...]
    source: str

    def column(self, tier: str) -> Column | None:
        return next((c for c in self.columns if c.tier == tier), None)


@dataclass(frozen=True)
class TierInfo:
    tier: str
    zh: str
    en: str
    procedure: str
    time_limit_days: int | None
    basis: str
    next_steps_zh: str
    next_steps_en: str


@dataclass(frozen=True)
class RulePack:
    id: str
    title: str
    short: str
    version: str
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None
    citation_prefix: str
    tiers: dict[str, TierInfo]
    items: tuple[Item, ...]
    source: str
    notes: dict[str, dict[str, str]]

    def item(self, number: int) -> Item:
        return self._by_number[number]

    @property
    def _by_number(self) -> dict[int, Item]:
        return {i.number: i for i in self.items}


@dataclass(frozen=True)
class RuleSet:
    """Everything loaded from one rules directory: the vocabulary and the packs."""

    vocabulary: Vocabulary
    packs: tuple[RulePack, ...]  # the national directory
    root: Path
    local_packs: tuple[LocalPack, ...] = ()  # access lists, negative lists, catalogs (kind: local)

    @property
    def directory(self) -> RulePack:
        return self.packs[0]

    @cached_property
    def items(self) -> dict[int, Item]:
        """Every item of every pack by number."""
        return {i.number: i for p in self.packs for i in p.items}

    @cached_property
    def units(self) -> dict[str, str | None]:
        return {k: t.unit for k, t in self.vocabulary.terms("quantities").items()}


def default_rules_dir() -> Path:
    """Return the bundled rules: inside the installed package, or `rules/` of a checkout."""
    packaged = Path(str(resources.files("screening"))) / "rules"
    if (packaged / "vocabulary.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def load_rules(rules_dir: Path | str | None = None, items: set[int] | None = None) -> RuleSet:
    """Load the vocabulary and every pack below `rules_dir` (default: the bundled rules);
    `items` keeps only those item numbers (to test part of a pack)."""
    root = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    if not root.is_dir():
        raise RuleError("rules_dir_missing", "the rules directory does not exist", file=str(root))
    vocab = load_vocabulary(root)
    dirs = sorted(p.parent for p in root.glob("*/pack.yaml"))
    packs = tuple(load_pack(d, vocab, items) for d in dirs if pack_kind(d) == "directory")
    local = tuple(load_local_pack(d, vocab, TIERS) for d in dirs if pack_kind(d) == "local")
    if not packs:
        raise RuleError(
            "rules_no_pack", "no rule pack (a folder with pack.yaml) in the rules directory", file=str(root)
        )
    return RuleSet(vocabulary=vocab, packs=packs, root=root, local_packs=local)


def load_pack(pack_dir: Path, vocab: Vocabulary, only: set[int] | None = None) -> RulePack:
    doc = read_yaml_file(pack_dir / "pack.yaml")
    d = _mapping(doc, ())
    tiers = {}
    for tier in TIERS:
        t = _field(doc, d, ("tiers", tier))
        tiers[tier] = TierInfo(
            tier=tier,
            zh=t["zh"],
            en=t["en"],
            procedure=t["procedure"],
            time_limit_days=t.get("time_limit_days"),
            basis=t["basis"],
            next_steps_zh=t["next_steps_zh"],
            next_steps_en=t["next_steps_en"],
        )
    items = []
    numbers: set[int] = set()
    for f in sorted((pack_dir / "items").glob("*.yaml")):
        if not _ITEM_FILE.match(f.name) or (only is not None and int(f.stem[5:]) not in only):
            continue
        item = load_item(f, vocab)
        if item.number in numbers:
            raise RuleError("rule_duplicate_item", f"item {item.number} is defined twice", file=str(f))
        numbers.add(item.number)
        items.append(item)
    return RulePack(
        id=str(_field(doc, d, ("id",))),
        title=str(_field(doc, d, ("title",))),
        short=str(_field(doc, d, ("short",))),
        version=str(_field(doc, d, ("version",))),
        jurisdiction=str(_field(doc, d, ("jurisdiction",))),
        effective_from=_field(doc, d, ("effective_from",)),
        effective_to=d.get("effective_to"),
        citation_prefix=str(_field(doc, d, ("citation_prefix",))),
        tiers=tiers,
        items=tuple(items),
        source=str(pack_dir),
        notes=dict(d.get("notes") or {}),
    )


def load_item(path: Path, vocab: Vocabulary) -> Item:
    doc = read_yaml_file(path)
    d = _mapping(doc, ())
    item_id = str(_field(doc, d, ("id",)))
    if item_id != path.stem:
        raise RuleError(
            "rule_id_mismatch",
            f"id '{item_id}' differs from the file name",
            file=str(path),
            line=doc.line_of(("id",)),
            hint=f"use id: {path.stem}",
        )
    number = int(_field(doc, d, ("item",)))
    scope = _mapping(doc, ("sensitive_area_scope",), d.get("sensitive_area_scope") or {"text": "", "kinds": []})
    parser = ConditionParser(vocab, str(path), doc.line_of)
    scope_kinds = tuple(
        parser.term(k, "sensitive_areas", ("sensitive_area_scope", "kinds", i))
        for i, k in enumerate(scope.get("kinds") or [])
    )
    match = _mapping(doc, ("match",), _field(doc, d, ("match",)))
    codes = tuple(str(c) for c in match.get("industry_codes") or [])
    for i, c in enumerate(codes):
        if not c.isdigit() or not 2 <= len(c) <= 4:
            raise RuleError(
                "rule_bad_code",
                f"'{c}' is not a 2-4 digit GB/T 4754 code",
                file=str(path),
                line=doc.line_of(("match", "industry_codes", i)),
                hint="quote codes: '0411'",
            )
    types = tuple(
        parser.term(t, "project_types", ("match", "project_types", i))
        for i, t in enumerate(match.get("project_types") or [])
    )
    related = tuple(str(c) for c in match.get("related_codes") or [])
    if related and not types:
        raise RuleError(
            "rule_bad_match",
            "match.related_codes only makes sense beside match.project_types",
            file=str(path),
            line=doc.line_of(("match", "related_codes")),
        )
    related_q = tuple(
        parser.term(q, "quantities", ("match", "related_quantities", i))
        for i, q in enumerate(match.get("related_quantities") or [])
    )
    if related_q and not types:
        raise RuleError(
            "rule_bad_match",
            "match.related_quantities only makes sense beside match.project_types",
            file=str(path),
            line=doc.line_of(("match", "related_quantities")),
        )
    if not codes and not types:
        raise RuleError(
            "rule_no_match",
            "an item needs match.industry_codes or match.project_types",
            file=str(path),
            line=doc.line_of(("match",)),
        )
    belongs: list[Node] = [Cmp(PREFIX["industry_codes"] + c, "eq", True, "industry_codes", c) for c in codes]
    belongs += [Cmp(PREFIX["project_types"] + t, "eq", True, "project_types", t) for t in types]
    parts: list[Node] = [AnyOf(tuple(belongs))]
    if "when" in match:
        parts.append(parser.parse(match["when"], ("match", "when"), scope_kinds))
    starred = bool(d.get("industrial_building_only", False))
    if starred:  # 名录2021 说明4: "*" items count only when produced in an industrial building
        parts.append(Cmp(INDUSTRIAL_BUILDING_KEY, "eq", True, "industrial_building"))
    match_node = nnf(All(tuple(parts)))
    columns = []
    cols = _mapping(doc, ("columns",), _field(doc, d, ("columns",)))
    for tier in COLUMNS:
        col = cols.get(tier)
        if col is None:
            continue
        clauses = []
        for k, c in enumerate(col.get("clauses") or []):
            path_c = ("columns", tier, "clauses", k)
            cond = nnf(parser.parse(c.get("when"), path_c + ("when",), scope_kinds))
            clauses.append(
                Clause(
                    id=str(c["id"]),
                    item=number,
                    column=tier,
                    text=str(c["text"]),
                    condition=cond,
                    full=All((match_node, cond)),
                )
            )
        if not clauses:
            raise RuleError(
                "rule_empty_column",
                f"column {tier} has no clauses",
                file=str(path),
                line=doc.line_of(("columns", tier)),
                hint="write null for a '/' column",
            )
        columns.append(Column(tier=tier, text=str(col.get("text", "")), clauses=tuple(clauses)))
    return Item(
        id=item_id,
        number=number,
        group=str(d.get("group", "")),
        text=str(d.get("text", "")),
        industrial_building_only=starred,
        industry_codes=codes,
        related_codes=related,
        related_quantities=related_q,
        project_types=types,
        match=match_node,
        scope_text=str(scope.get("text") or ""),
        scope_kinds=scope_kinds,
        columns=tuple(columns),
        source=str(path),
    )


def _mapping(doc: YamlDoc, path: tuple[Any, ...], value: Any = None) -> dict[str, Any]:
    v = doc.data if value is None and not path else value
    if not isinstance(v, dict):
        raise RuleError(
            "rule_malformed",
            "expected a mapping",
            file=doc.source,
            line=doc.line_of(path),
            field=".".join(map(str, path)) or None,
        )
    return v


def _field(doc: YamlDoc, d: dict[str, Any], path: tuple[str, ...]) -> Any:
    v: Any = d
    for p in path:
        if not isinstance(v, dict) or p not in v:
            raise RuleError(
                "rule_missing_field", f"missing field '{'.'.join(path)}'", file=doc.source, line=doc.line_of(path[:-1])
            )
        v = v[p]
    return v

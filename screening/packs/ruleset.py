"""Load and validate rule packs (`rules/<pack>/pack.yaml` + `items/*.yaml`) into a typed model."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError, RuleError
from ..sources.yaml_doc import RULE_FILE_MAX_BYTES, YamlDoc, read_yaml_file
from .conditions import INDUSTRIAL_BUILDING_KEY, PREFIX, All, AnyOf, Cmp, ConditionParser, Node, leaves, nnf
from .industry_codes import CodeMatch, IndustryCodes
from .local import LocalPack, load_local_pack, pack_kind
from .vocabulary import Vocabulary, load_vocabulary

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

    @cached_property
    def fact_keys(self) -> frozenset[str]:
        """The facts the item's match and clauses read (computed once: every screening asks)."""
        nodes = [self.match, *(c.full for col in self.columns for c in col.clauses)]
        return frozenset(leaf.key for n in nodes for leaf in leaves(n) if isinstance(leaf, Cmp))


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
        return self.by_number[number]

    @cached_property
    def by_number(self) -> dict[int, Item]:
        return {i.number: i for i in self.items}

    @cached_property
    def fact_readers(self) -> dict[str, frozenset[int]]:
        """Which items read each fact (fact key -> item numbers)."""
        readers: dict[str, set[int]] = {}
        for item in self.items:
            for k in item.fact_keys:
                readers.setdefault(k, set()).add(item.number)
        return {k: frozenset(v) for k, v in readers.items()}

    def in_force(self, on: dt.date | None) -> bool:
        """Whether this edition applies on `on` (None: no date given, every edition does)."""
        if on is None:
            return True
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class RuleSet:
    """Everything loaded from the rules directories: the vocabulary and the packs."""

    vocabulary: Vocabulary
    packs: tuple[RulePack, ...]  # editions of the national directory, oldest first; never merged
    root: Path
    local_packs: tuple[LocalPack, ...] = ()  # access lists, negative lists, catalogs (kind: local)
    roots: tuple[Path, ...] = ()  # every directory packs were read from (bundled first)

    @cached_property
    def list_fact_keys(self) -> frozenset[str]:
        """The facts local list entries read: a quantity only a list reads is not 'unread'."""
        return frozenset(
            leaf.key
            for p in self.local_packs
            for e in p.entries
            for leaf in leaves(e.condition)
            if isinstance(leaf, Cmp)
        )

    @property
    def directory(self) -> RulePack:
        """The newest edition, for listings; a screening picks its own with `directory_on`."""
        return self.packs[-1]

    def directory_on(self, on: dt.date | None) -> RulePack:
        """The edition of the national directory in force on `on`. No edition in force, or no
        date while several editions are loaded, is an input error: never a silent fallback."""
        if on is None:
            if len(self.packs) == 1:
                return self.packs[0]
            raise InputError(
                "input_date_required",
                f"several editions of the national directory are loaded ({_editions(self.packs)}): "
                "the screening needs a date",
                field="application_date",
                hint="give the project an application_date, or a screening date (--date, on=)",
            )
        found = [p for p in self.packs if p.in_force(on)]
        if not found:
            raise InputError(
                "input_no_directory_in_force",
                f"no edition of the national directory is in force on {on} (loaded: {_editions(self.packs)})",
                field="application_date",
                hint="check the application date, or add the edition in force then to the rules",
            )
        return found[0]  # versions never overlap (checked at load)

    @cached_property
    def items(self) -> dict[int, Item]:
        """The items of the newest edition by number (a screening reads its own edition's)."""
        return self.directory.by_number

    @cached_property
    def _item_codes(self) -> tuple[tuple[int, str], ...]:
        return tuple((i.number, c) for i in self.directory.items for c in (*i.industry_codes, *i.related_codes))

    def items_for_code(self, code: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Return (items `code` lies within, items that cover only part of it) for a GB/T 4754 code."""
        within = {n for n, c in self._item_codes if code.startswith(c)}
        below = {n for n, c in self._item_codes if c.startswith(code) and c != code} - within
        codes = self.vocabulary.industry_codes
        if codes is not None:
            # Division 21 lies wholly within item 36 when every one of its groups does.
            within |= {n for n in below if self._covers(n, code, codes)}
        return tuple(sorted(within)), tuple(sorted(below - within))

    def _covers(self, number: int, code: str, codes: IndustryCodes) -> bool:
        if any(code.startswith(c) for n, c in self._item_codes if n == number):
            return True
        kids = codes.children(code)
        return bool(kids) and all(self._covers(number, k.code, codes) for k in kids)

    def find_codes(self, query: str, limit: int = 20) -> tuple[CodeMatch, ...]:
        """Return GB/T 4754-2017 codes matching `query` (words or a code), each with its directory items."""
        codes = self.vocabulary.industry_codes
        if codes is None:
            return ()
        out = []
        for hit in codes.search(query, limit):
            entry = hit.code
            within, below = self.items_for_code(entry.code) if entry.code.isdigit() else ((), ())
            out.append(
                CodeMatch(
                    code=entry.code,
                    name_zh=entry.name_zh,
                    level=entry.level,
                    path=tuple(
                        (e.code, e.name_zh) for e in codes.path(entry.code) if e is entry or not codes.is_echo(e)
                    ),
                    items=within,
                    items_below=below,
                )
            )
        return tuple(out)

    @cached_property
    def units(self) -> dict[str, str | None]:
        return {k: t.unit for k, t in self.vocabulary.terms("quantities").items()}


def default_rules_dir() -> Path:
    """Return the bundled rules: inside the installed package, or `rules/` of a checkout."""
    packaged = Path(str(resources.files("screening"))) / "rules"
    if (packaged / "vocabulary.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def load_rules(rules_dir: Path | str | None = None, items: set[int] | None = None, *, bundled: bool = True) -> RuleSet:
    """Load the vocabulary and the packs (default: the bundled rules); `items` keeps only those
    item numbers (to test part of a pack).

    With `rules_dir`, its packs come on top of the bundled nationwide ones (vocabulary,
    directory editions, packs with jurisdiction CN); the bundled packs of one jurisdiction (the
    illustrative sample county) are left out. `bundled=False` loads `rules_dir` alone. A pack
    in `rules_dir` with the id and version of a bundled one replaces it; another version of it
    is one more version (overlapping validity is refused)."""
    base = default_rules_dir()
    user = Path(rules_dir) if rules_dir is not None else None
    if user is not None and not user.is_dir():
        raise RuleError("rules_dir_missing", "the rules directory does not exist", file=str(user))
    if user is None and not bundled:
        raise RuleError("rules_nothing_to_load", "no rules directory given and the bundled rules left out")
    if user is not None and user.resolve() == base.resolve():
        user, bundled = None, True
    if user is None:
        roots, vocab = [base], load_vocabulary(base)
    elif bundled:
        roots, vocab = [base, user], load_vocabulary(base)
        vocab = extend_vocabulary(vocab, user)
    else:
        roots, vocab = [user], load_vocabulary(user)
    directories: dict[tuple[str, str], RulePack] = {}
    local: dict[tuple[str, str], LocalPack] = {}
    for root in roots:
        overlay = user is not None and root == user
        seen: dict[tuple[str, str], str] = {}
        for d in sorted(p.parent for p in root.glob("*/pack.yaml")):
            pack: RulePack | LocalPack
            if pack_kind(d) == "directory":
                pack = load_pack(d, vocab, items)
            else:
                pack = load_local_pack(d, vocab, TIERS)
                if user is not None and not overlay and pack.jurisdiction != "CN":
                    continue  # a bundled pack of one jurisdiction: the user's rules speak for theirs
            key = (pack.id, pack.version)
            if key in seen:
                raise RuleError(
                    "rules_duplicate_version",
                    f"pack '{pack.id}' version {pack.version} is defined twice ({seen[key]} and {d})",
                    file=str(d / "pack.yaml"),
                    field="version",
                    hint="give each version its own version string and dates, or remove the copy",
                )
            seen[key] = str(d)
            # a user's copy of a bundled version replaces it
            if isinstance(pack, RulePack):
                directories[key] = pack
            else:
                local[key] = pack
    if not directories:
        raise RuleError(
            "rules_no_pack",
            "no national directory pack (a folder with pack.yaml) in the rules directory",
            file=str(user or base),
            hint="leave the bundled rules in (drop --no-bundled-rules), or add a directory pack",
        )
    packs = tuple(sorted(directories.values(), key=lambda p: p.effective_from))
    _check_versions(
        [("the national directory", p.id, p.version, p.effective_from, p.effective_to, p.source) for p in packs]
    )
    local_packs = tuple(sorted(local.values(), key=lambda p: (p.id, p.effective_from)))
    groups: dict[str, list[LocalPack]] = {}
    for lp in local_packs:
        groups.setdefault(lp.id, []).append(lp)
    for pid, group in groups.items():
        _check_versions([(f"pack '{pid}'", p.id, p.version, p.effective_from, p.effective_to, p.source) for p in group])
    return RuleSet(vocabulary=vocab, packs=packs, root=user or base, local_packs=local_packs, roots=tuple(roots))


def extend_vocabulary(base: Vocabulary, rules_dir: Path) -> Vocabulary:
    """`base` plus the terms of `rules_dir`'s vocabulary files, if it has any; a term defined in
    both must be defined the same (a changed meaning of a bundled term is refused)."""
    if not (rules_dir / "vocabulary.yaml").is_file() and not (rules_dir / "vocabulary.d").is_dir():
        return base
    return load_vocabulary(rules_dir, base=base)


_Version = tuple[str, str, str, dt.date, "dt.date | None", str]


def _check_versions(versions: list[_Version]) -> None:
    """Refuse versions of one pack whose validity intervals overlap: which one applies on a date
    must never depend on the order folders are read in."""
    for what, _, version, start, end, src in versions:
        if end is not None and end < start:
            raise RuleError(
                "rule_bad_date",
                f"{what} version {version}: effective_to {end} is before effective_from {start}",
                file=str(Path(src) / "pack.yaml"),
                field="effective_to",
            )
    ordered = sorted(versions, key=lambda v: v[3])
    for a, b in zip(ordered, ordered[1:], strict=False):
        what, _, version_a, from_a, to_a, src_a = a
        _, _, version_b, from_b, to_b, src_b = b
        if to_a is None or to_a >= from_b:
            raise RuleError(
                "rules_overlapping_versions",
                f"{what}: version {version_a} ({src_a}, {from_a} to {to_a or 'open'}) overlaps version "
                f"{version_b} ({src_b}, {from_b} to {to_b or 'open'})",
                file=str(Path(src_b) / "pack.yaml"),
                field="effective_from",
                hint=f"give version {version_a} an effective_to before {from_b} (in {src_a}/pack.yaml)",
            )


def _editions(packs: tuple[RulePack, ...]) -> str:
    return ", ".join(f"{p.id} {p.version} from {p.effective_from}" for p in packs)


def load_pack(pack_dir: Path, vocab: Vocabulary, only: set[int] | None = None) -> RulePack:
    doc = read_yaml_file(pack_dir / "pack.yaml", max_bytes=RULE_FILE_MAX_BYTES)
    d = doc.mapping(RuleError, "rule_malformed", (), doc.data)
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
        effective_from=_date(doc, d, "effective_from", required=True),
        effective_to=_date(doc, d, "effective_to"),
        citation_prefix=str(_field(doc, d, ("citation_prefix",))),
        tiers=tiers,
        items=tuple(items),
        source=str(pack_dir),
        notes=dict(d.get("notes") or {}),
    )


def load_item(path: Path, vocab: Vocabulary) -> Item:
    doc = read_yaml_file(path, max_bytes=RULE_FILE_MAX_BYTES)
    d = doc.mapping(RuleError, "rule_malformed", (), doc.data)
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
    scope = doc.mapping(
        RuleError,
        "rule_malformed",
        ("sensitive_area_scope",),
        d.get("sensitive_area_scope") or {"text": "", "kinds": []},
    )
    parser = ConditionParser(vocab, str(path), doc.line_of)
    scope_kinds = tuple(
        parser.term(k, "sensitive_areas", ("sensitive_area_scope", "kinds", i))
        for i, k in enumerate(scope.get("kinds") or [])
    )
    match = doc.mapping(RuleError, "rule_malformed", ("match",), _field(doc, d, ("match",)))
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
        parser.known_code(c, ("match", "industry_codes", i))
    types = tuple(
        parser.term(t, "project_types", ("match", "project_types", i))
        for i, t in enumerate(match.get("project_types") or [])
    )
    related = tuple(str(c) for c in match.get("related_codes") or [])
    for i, c in enumerate(related):
        parser.known_code(c, ("match", "related_codes", i))
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
    cols = doc.mapping(RuleError, "rule_malformed", ("columns",), _field(doc, d, ("columns",)))
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


def _field(doc: YamlDoc, d: dict[str, Any], path: tuple[str, ...]) -> Any:
    v: Any = d
    for p in path:
        if not isinstance(v, dict) or p not in v:
            raise RuleError(
                "rule_missing_field", f"missing field '{'.'.join(path)}'", file=doc.source, line=doc.line_of(path[:-1])
            )
        v = v[p]
    return v


def _date(doc: YamlDoc, d: dict[str, Any], key: str, *, required: bool = False) -> Any:
    v = d.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, dt.date) or isinstance(v, dt.datetime):
        raise RuleError(
            "rule_bad_date",
            f"'{key}' must be a date like 2021-01-01",
            file=doc.source,
            line=doc.line_of((key,)),
            field=key,
        )
    return v

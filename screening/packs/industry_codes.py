"""The GB/T 4754-2017 industry code list, read from `rules/industry-codes/`: lookup, suggestions, search."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RuleError
from ..sources.yaml_doc import RULE_FILE_MAX_BYTES, read_yaml_file

CODES_DIR = "industry-codes"
LEVELS = {1: "section", 2: "division", 3: "group", 4: "class"}  # 门类, 大类, 中类, 小类
_CODE = re.compile(r"^(?:[A-T]|[0-9]{2,4})$")


@dataclass(frozen=True)
class IndustryCode:
    """One entry of the classification: a section letter or a 2-4 digit code."""

    code: str
    name_zh: str
    parent: str | None

    @property
    def level(self) -> str:
        return LEVELS[len(self.code)]


@dataclass(frozen=True)
class SearchHit:
    code: IndustryCode
    rank: int  # 0 code, 1 exact name, 2 name prefix, 3 substring, 4 near an unknown code


@dataclass(frozen=True)
class IndustryCodes:
    """Every code of the standard by code; `children` and `search` read it, nothing writes it."""

    by_code: dict[str, IndustryCode]
    standard: str
    source: str
    _children: dict[str | None, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def get(self, code: str) -> IndustryCode | None:
        return self.by_code.get(code)

    def children(self, code: str | None) -> tuple[IndustryCode, ...]:
        """Return the direct children of `code` (None: the sections)."""
        return tuple(self.by_code[c] for c in self._children.get(code, ()))

    def path(self, code: str) -> tuple[IndustryCode, ...]:
        """Return the chain from the section down to `code`."""
        out: list[IndustryCode] = []
        entry = self.by_code.get(code)
        while entry is not None:
            out.append(entry)
            entry = self.by_code.get(entry.parent) if entry.parent else None
        return tuple(reversed(out))

    def suggest(self, code: str, n: int = 5) -> tuple[IndustryCode, ...]:
        """Return codes near an unknown `code`: same length, under its longest existing prefix first.

        >>> [c.code for c in codes.suggest("3699")][:1]   # doctest: +SKIP
        ['3670']
        """
        if not code.isdigit():
            return ()
        parent = next((code[:k] for k in range(len(code) - 1, 1, -1) if code[:k] in self.by_code), None)
        same_length = [c for c in self.by_code if c.isdigit() and len(c) == len(code)]
        family = [c for c in same_length if parent and c.startswith(parent)]
        close = difflib.get_close_matches(code, same_length, n=n, cutoff=0.5)
        ordered: list[str] = []
        # Nearest by number inside the family first: 3699 -> 3670 before 3611.
        for c in sorted(family, key=lambda c: abs(int(c) - int(code)))[:n] + close:
            if c not in ordered:
                ordered.append(c)
        return tuple(self.by_code[c] for c in ordered[:n])

    def search(self, query: str, limit: int = 20) -> tuple[SearchHit, ...]:
        """Return codes whose name contains every word of `query` (or a code and its subtree).

        Ranking: a code given as such, then exact name, name prefix, substring; then by code.
        A query that is a code (or a code prefix like ``21``) lists that code and its children.
        """
        words = [w for w in re.split(r"[\s,，、;；]+", query.strip()) if w]
        if not words:
            return ()
        if len(words) == 1 and (_CODE.match(words[0].upper())):
            root = words[0].upper()
            if root in self.by_code:
                subtree = [self.by_code[root], *self.children(root)]
                return tuple(SearchHit(c, 0) for c in subtree[:limit])
            if root.isdigit():  # an unknown code such as 3699: the codes nearest to it
                return tuple(SearchHit(c, 4) for c in self.suggest(root, limit))
        hits: list[SearchHit] = []
        for entry in self.by_code.values():
            name = entry.name_zh
            if self.is_echo(entry):
                continue
            if not all(w in name for w in words):
                continue
            first = words[0]
            rank = 1 if name == first and len(words) == 1 else 2 if name.startswith(first) else 3
            hits.append(SearchHit(entry, rank))
        # Finer codes last within a rank: a user looking for 家具 wants 21 before 2110 only at equal rank.
        hits.sort(key=lambda h: (h.rank, len(h.code.code), h.code.code))
        return tuple(hits[:limit])

    def is_echo(self, entry: IndustryCode) -> bool:
        """A group that only repeats its single class (019 / 0190 其他农业): listed once, as the class."""
        kids = self._children.get(entry.code, ())
        return len(entry.code) == 3 and len(kids) == 1 and self.by_code[kids[0]].name_zh == entry.name_zh


@dataclass(frozen=True)
class CodeMatch:
    """A search result as shown to a user: the code, where it sits, and the directory items it falls into."""

    code: str
    name_zh: str
    level: str
    path: tuple[tuple[str, str], ...]  # (code, name) from the section down
    items: tuple[int, ...]  # directory items the whole code lies within
    items_below: tuple[int, ...]  # items that cover only some codes below it (give a finer code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "level": self.level,
            "path": [{"code": c, "name_zh": n} for c, n in self.path],
            "items": list(self.items),
            "items_below": list(self.items_below),
        }


def load_industry_codes(rules_dir: Path, fallback: Path | None = None) -> IndustryCodes | None:
    """Load `rules_dir/industry-codes/*.yaml`; else `fallback`'s; else None (codes checked by division only)."""
    for root in (rules_dir, fallback):
        if root is None:
            continue
        files = sorted((root / CODES_DIR).glob("*.yaml"))
        if files:
            return _load_file(files[0])
    return None


def _load_file(path: Path) -> IndustryCodes:
    doc = read_yaml_file(path, max_bytes=RULE_FILE_MAX_BYTES)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise RuleError("codes_malformed", "an industry code list needs 'codes: [...]'", file=str(path))
    by_code: dict[str, IndustryCode] = {}
    for i, row in enumerate(data["codes"]):
        line = doc.line_of(("codes", i))
        if not isinstance(row, dict) or not isinstance(row.get("code"), str) or not row.get("name_zh"):
            raise RuleError("codes_malformed", "each code needs code (quoted) and name_zh", file=str(path), line=line)
        code = row["code"]
        parent = row.get("parent")
        if not _CODE.match(code):
            raise RuleError(
                "codes_malformed", f"'{code}' is not a section letter or 2-4 digits", file=str(path), line=line
            )
        if code in by_code:
            raise RuleError("codes_duplicate", f"code '{code}' is listed twice", file=str(path), line=line)
        # Codes nest by prefix (a section has no parent; a division's parent is its section).
        expected_prefix = None if len(code) <= 2 else code[:-1]
        if (
            (len(code) == 1 and parent is not None)
            or (len(code) > 1 and parent not in by_code)
            or (expected_prefix is not None and parent != expected_prefix)
        ):
            raise RuleError(
                "codes_bad_parent",
                f"code '{code}' has parent '{parent}': parents come first and a code extends its parent",
                file=str(path),
                line=line,
            )
        by_code[code] = IndustryCode(code=code, name_zh=str(row["name_zh"]), parent=parent)
    children: dict[str | None, list[str]] = {}
    for entry in by_code.values():
        children.setdefault(entry.parent, []).append(entry.code)
    return IndustryCodes(
        by_code=by_code,
        standard=str(data.get("standard", "")),
        source=str(path),
        _children={k: tuple(v) for k, v in children.items()},
    )

"""The closed vocabulary a project may use, read from `rules/vocabulary.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RuleError
from ..sources.yaml_doc import RULE_FILE_MAX_BYTES, YamlDoc, read_yaml_file
from .industry_codes import IndustryCodes, load_industry_codes

_TERM_KEYS = {"zh", "en", "unit", "max", "category", "implies", "note", "pack_note"}
SECTIONS = (
    "construction_kinds",
    "sensitive_areas",
    "processes",
    "quantities",
    "project_types",
    "features",
    "industry_divisions",
)


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: an id with its Chinese and English meaning."""

    id: str
    zh: str
    en: str
    unit: str | None = None
    max: float | None = None
    category: str | None = None
    implies: tuple[str, ...] = ()
    note: str | None = None
    pack_note: str | None = None  # a pack note to show when a project declares this term


@dataclass(frozen=True)
class Vocabulary:
    """Every term by section: `vocab.sections["processes"]["electroplating"]`."""

    sections: dict[str, dict[str, Term]]
    sources: tuple[str, ...]
    industry_codes: IndustryCodes | None = None  # GB/T 4754-2017, from rules/industry-codes/

    def terms(self, section: str) -> dict[str, Term]:
        return self.sections.get(section, {})

    def expand_implied(self, section: str, ids: list[str]) -> set[str]:
        """Return `ids` plus every term they imply (名录2021 说明6: anodizing -> electroplating)."""
        out: set[str] = set()
        todo = list(ids)
        terms = self.terms(section)
        while todo:
            t = todo.pop()
            if t in out:
                continue
            out.add(t)
            if t in terms:
                todo.extend(terms[t].implies)
        return out


def load_vocabulary(rules_dir: Path, base: Vocabulary | None = None) -> Vocabulary:
    """Load `vocabulary.yaml` (and any `vocabulary.d/*.yaml` extensions) from `rules_dir`; with
    `base`, on top of it (vocabulary.yaml may then be absent), a term of `base` defined again
    only if defined the same."""
    main = rules_dir / "vocabulary.yaml"
    if not main.is_file() and base is None:
        raise RuleError(
            "vocabulary_missing",
            "no vocabulary.yaml in the rules directory",
            file=str(rules_dir),
            hint="point --rules at a directory that holds vocabulary.yaml and the rule packs",
        )
    files = [*([main] if main.is_file() else []), *sorted((rules_dir / "vocabulary.d").glob("*.yaml"))]
    sections: dict[str, dict[str, Term]] = {s: {} for s in SECTIONS}
    for f in files:
        _merge(read_yaml_file(f, max_bytes=RULE_FILE_MAX_BYTES), sections, base)
    if base is not None:
        for section, terms in base.sections.items():
            sections[section] = {**terms, **sections.get(section, {})}
    for section, terms in sections.items():
        for term in terms.values():
            for implied in term.implies:
                if implied not in terms:
                    raise RuleError(
                        "vocabulary_bad_implies",
                        f"'{term.id}' implies unknown {section} term '{implied}'",
                        file=str(main),
                    )
    from .ruleset import default_rules_dir  # here: rulepack imports this module

    # A rules directory of one's own may omit the code list: the standard is the same everywhere.
    codes = load_industry_codes(rules_dir, fallback=None) or (
        base.industry_codes if base is not None and base.industry_codes is not None else None
    )
    if codes is None:
        codes = load_industry_codes(default_rules_dir())
    sources = (*(base.sources if base is not None else ()), *(str(f) for f in files))
    return Vocabulary(sections=sections, sources=sources, industry_codes=codes)


def _merge(doc: YamlDoc, sections: dict[str, dict[str, Term]], base: Vocabulary | None = None) -> None:
    data = doc.data or {}
    if not isinstance(data, dict):
        raise RuleError("vocabulary_malformed", "a vocabulary file must be a mapping of sections", file=doc.source)
    for section, terms in data.items():
        if section == "version":
            continue
        if section not in SECTIONS:
            raise RuleError(
                "vocabulary_unknown_section",
                f"unknown section '{section}'",
                file=doc.source,
                line=doc.line_of((section,)),
                hint=f"sections are: {', '.join(SECTIONS)}",
            )
        for term_id, spec in (terms or {}).items():
            line = doc.line_of((section, term_id))
            if term_id in sections[section]:
                raise RuleError(
                    "vocabulary_duplicate", f"{section} term '{term_id}' is defined twice", file=doc.source, line=line
                )
            term = _term(str(term_id), spec, section, doc.source, line)
            known = base.terms(section).get(str(term_id)) if base is not None else None
            if known is not None and known != term:
                raise RuleError(
                    "vocabulary_conflict",
                    f"{section} term '{term_id}' is defined differently in the bundled vocabulary",
                    file=doc.source,
                    line=line,
                    hint="remove it here (the bundled meaning applies), give it a new id, "
                    "or leave the bundled rules out (--no-bundled-rules)",
                )
            sections[section][str(term_id)] = term


def _term(term_id: str, spec: Any, section: str, source: str, line: int | None) -> Term:
    if isinstance(spec, str):  # industry_divisions: {"13": 农副食品加工业}
        return Term(id=term_id, zh=spec, en=spec)
    if not isinstance(spec, dict) or "zh" not in spec:
        raise RuleError(
            "vocabulary_malformed", f"{section} term '{term_id}' needs at least 'zh' and 'en'", file=source, line=line
        )
    unknown = set(spec) - _TERM_KEYS
    if unknown:
        # `{en: tidal, wave power}` parses as en "tidal" plus a stray key "wave power": refuse it.
        raise RuleError(
            "vocabulary_malformed",
            f"{section} term '{term_id}' has unknown keys {sorted(map(str, unknown))}",
            file=source,
            line=line,
            hint='quote text that contains a comma or colon: en: "a, b"',
        )
    if section == "quantities" and ("unit" not in spec or "max" not in spec):
        raise RuleError("vocabulary_malformed", f"quantity '{term_id}' needs 'unit' and 'max'", file=source, line=line)
    if section == "quantities" and not 0 < float(spec["max"]) <= 1e12:  # the engine's numeric range
        raise RuleError(
            "vocabulary_malformed", f"quantity '{term_id}': max must be in (0, 1e12]", file=source, line=line
        )
    return Term(
        id=term_id,
        zh=str(spec["zh"]),
        en=str(spec.get("en", spec["zh"])),
        unit=spec.get("unit"),
        max=float(spec["max"]) if "max" in spec else None,
        category=spec.get("category"),
        implies=tuple(spec.get("implies", ())),
        note=spec.get("note"),
        pack_note=spec.get("pack_note"),
    )

"""The vocabulary: one data file, complete terms, and a generated reference kept in sync."""

from __future__ import annotations

from screening.packs.ruleset import load_rules
from screening.packs.vocabulary_doc import render_vocabulary

from .conftest import ROOT


def test_vocabulary_is_one_file() -> None:
    rules = load_rules()
    assert [p.rsplit("/", 1)[-1] for p in rules.vocabulary.sources] == ["vocabulary.yaml"]


def test_every_term_has_both_languages_and_quantities_a_unit() -> None:
    vocab = load_rules().vocabulary
    for section, terms in vocab.sections.items():
        for t in terms.values():
            assert t.zh and t.en, (section, t.id)
            if section == "quantities":
                assert t.unit and t.max and t.max > 0, t.id


def test_every_term_is_used_or_is_core() -> None:
    """A term no rule reads would be a trap: the user sets it and nothing changes."""
    from screening.packs.conditions import Cmp, leaves

    rules = load_rules()
    used: set[tuple[str, str]] = set()
    for item in rules.directory.items:
        nodes = [item.match] + [c.condition for col in item.columns for c in col.clauses]
        for node in nodes:
            used |= {(leaf.section, leaf.term or "") for leaf in leaves(node) if isinstance(leaf, Cmp)}
        used |= {("sensitive_areas", k) for k in item.scope_kinds}
    for pack in rules.local_packs:
        for e in pack.entries:
            used |= {(leaf.section, leaf.term or "") for leaf in leaves(e.condition) if isinstance(leaf, Cmp)}
    implied = {i for t in rules.vocabulary.terms("processes").values() for i in t.implies}
    for section in ("processes", "features", "quantities", "project_types"):
        for term in rules.vocabulary.terms(section):
            implies_used = any((section, i) in used for i in rules.vocabulary.terms(section)[term].implies)
            assert (section, term) in used or implies_used or term in implied, f"{section}.{term} is read by no rule"


def test_generated_reference_is_up_to_date() -> None:
    doc = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    assert doc == render_vocabulary(load_rules().vocabulary, "markdown"), (
        "docs/vocabulary.md is stale: run `envscreen vocabulary > docs/vocabulary.md`"
    )

"""Rule packs are data: malformed or unsafe rule files are refused with a location and a hint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from screening.errors import EnvscreenError, InputError, RuleError
from screening.packs.ruleset import load_rules
from screening.screener import Screener

from .conftest import MINI_RULES


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(MINI_RULES, dst)
    return dst


def _edit(rules: Path, old: str, new: str, item: str = "item_036") -> None:
    p = rules / "mini" / "items" / f"{item}.yaml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new), encoding="utf-8")


def test_fixture_pack_loads() -> None:
    rules = load_rules(MINI_RULES, bundled=False)
    assert [i.number for i in rules.directory.items] == [25, 36, 59, 108]
    assert rules.directory.item(36).industrial_building_only


@pytest.mark.parametrize(
    ("old", "new", "code", "hint"),
    [
        (
            "{process: electroplating}",
            "{process: electroplatng}",
            "rule_unknown_term",
            "did you mean 'electroplating'?",
        ),
        ("{process: electroplating}", "{proces: electroplating}", "rule_bad_condition", "see docs/rule-packs.md"),
        ("{process: electroplating}", "TODO", "rule_bad_condition", None),
        ("gte: 10}", "gte: 1.0e-9}", "rule_bad_condition", "unit"),
        ("gte: 10}", "gte: ten}", "rule_bad_condition", None),
        (
            "{process: electroplating}",
            "{process: electroplating, quantity: beds, gte: 1}",
            "rule_bad_condition",
            "wrap",
        ),
        ("id: item_036\n", "id: item_37\n", "rule_id_mismatch", "use id: item_036"),
        ('industry_codes: ["211"]', 'industry_codes: ["21a"]', "rule_bad_code", None),
    ],
)
def test_bad_rule_file(rules_copy: Path, old: str, new: str, code: str, hint: str | None) -> None:
    _edit(rules_copy, old, new)
    with pytest.raises(RuleError) as err:
        load_rules(rules_copy, bundled=False)
    e = err.value
    assert e.code == code, str(e)
    assert e.file and e.file.endswith("item_036.yaml") and e.line
    if hint:
        assert hint in (e.hint or ""), str(e)
    assert e.exit_code == 2


def test_rule_file_cannot_execute_code(rules_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    _edit(rules_copy, "{process: electroplating}", f"!!python/object/apply:os.system ['touch {marker}']")
    with pytest.raises(InputError) as err:
        load_rules(rules_copy, bundled=False)
    assert err.value.code == "yaml_tag"
    assert not marker.exists()


def test_too_complex_clause_is_refused_at_compile(rules_copy: Path) -> None:
    branch = "{all: [{process: electroplating}, {quantity: solvent_coating_t_per_year, gte: 1}]}"
    _edit(rules_copy, "{process: electroplating}", "{any: [" + ", ".join([branch] * 13) + "]}")
    with pytest.raises(EnvscreenError) as err:
        Screener(rules_copy, bundled_rules=False)
    assert err.value.code == "rule_too_complex" and "split" in (err.value.hint or "")


def test_unknown_vocabulary_section(rules_copy: Path) -> None:
    p = rules_copy / "vocabulary.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "\nprocesess: {}\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(rules_copy, bundled=False)
    assert err.value.code == "vocabulary_unknown_section" and err.value.line


def test_missing_rules_dir(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path / "nope")
    assert err.value.code == "rules_dir_missing"


def test_subset_of_items_loads(rules_copy: Path) -> None:
    assert [i.number for i in load_rules(rules_copy, {108}, bundled=False).directory.items] == [108]


def test_vocabulary_term_with_a_stray_key_is_refused(rules_copy: Path) -> None:
    # An unquoted comma in flow style silently cuts a label and invents a key: refuse it.
    p = rules_copy / "vocabulary.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(
        text.replace(
            "fermentation: {zh: 发酵, en: fermentation}", "fermentation: {zh: 发酵, en: fermentation, brewing}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as err:
        load_rules(rules_copy, bundled=False)
    assert err.value.code == "vocabulary_malformed" and "quote" in (err.value.hint or "")

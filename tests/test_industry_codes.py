"""The GB/T 4754-2017 code list (rules/industry-codes/): completeness, validation of projects and
rule packs against it, and search (`envscreen codes`)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from screening.cli import app
from screening.errors import ProjectError, RuleError
from screening.packs.ruleset import RuleSet, load_rules
from screening.project.model import parse_project

from .conftest import ROOT

SOURCE = ROOT.parent / "shared" / "domain" / "directory-2021.yaml"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def _project(code: str, rules: RuleSet) -> tuple[str, ...]:
    return parse_project(f'name: x\nconstruction: new\nindustry_codes: ["{code}"]\n', rules.vocabulary).industry_codes


def test_the_list_has_every_level_of_the_2017_table(rules: RuleSet) -> None:
    codes = rules.vocabulary.industry_codes
    assert codes is not None
    levels = Counter(c.level for c in codes.by_code.values())
    # The totals GB/T 4754-2017 states for its 2017 text (amendment No. 1 adds one class: see the file header).
    assert levels == {"section": 20, "division": 97, "group": 473, "class": 1381}
    # 2017-only classes: the 2011 edition has none of them.
    for code, name in [("3874", "智能照明器具制造"), ("6513", "应用软件开发"), ("3612", "新能源车整车制造")]:
        assert codes.by_code[code].name_zh == name
    assert [c.code for c in codes.path("2110")] == ["C", "21", "211", "2110"]


def test_every_code_a_directory_item_matches_is_in_the_list(rules: RuleSet) -> None:
    codes = rules.vocabulary.industry_codes
    assert codes is not None
    cited = {c for item in rules.items.values() for c in (*item.industry_codes, *item.related_codes)}
    assert len(cited) > 200
    assert not [c for c in cited if c not in codes]


@pytest.mark.skipif(not SOURCE.exists(), reason="shared/ reference data not beside the checkout")
def test_every_code_the_directory_text_cites_is_in_the_list(rules: RuleSet) -> None:
    codes = rules.vocabulary.industry_codes
    assert codes is not None
    items = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))["items"]
    # A code ends a Chinese name in the item text ("木材加工201；木质制品制造203*") and in the group;
    # a number followed by a unit (建筑面积5000平方米) is a threshold, not a code.
    code = re.compile(r"[\u4e00-\u9fff）](\d{2,4})(?=[；;*＊、\s]|$)")
    cited = {m.group(1) for it in items for m in code.finditer(it["item"] + "；" + it["group"])}
    assert len(cited) > 200
    assert sorted(c for c in cited if c not in codes) == []


@pytest.mark.parametrize("code", ["3699", "369", "99", "0100"])
def test_a_code_that_does_not_exist_is_refused_with_suggestions(code: str, rules: RuleSet) -> None:
    with pytest.raises(ProjectError) as e:
        _project(code, rules)
    assert e.value.code == "project_unknown_code"
    assert e.value.field == "industry_codes.0" and e.value.line == 3
    assert "did you mean" in (e.value.hint or "") and "envscreen codes" in (e.value.hint or "")


def test_3699_is_pointed_at_its_neighbours_in_division_36(rules: RuleSet) -> None:
    with pytest.raises(ProjectError) as e:
        _project("3699", rules)
    assert "'3670' 汽车零部件及配件制造" in (e.value.hint or "")


@pytest.mark.parametrize("code", ["2110", "211", "21", "0190", "019", "9700"])
def test_existing_codes_of_every_level_are_accepted(code: str, rules: RuleSet) -> None:
    assert _project(code, rules) == (code,)


@pytest.mark.parametrize(("code", "hint"), [("C3360", "'3360'"), ("C", "too broad")])
def test_a_section_letter_gets_its_own_hint(code: str, hint: str, rules: RuleSet) -> None:
    with pytest.raises(ProjectError) as e:
        _project(code, rules)
    assert e.value.code == "project_bad_code" and hint in (e.value.hint or "")


def test_the_quote_your_codes_hint_is_kept(rules: RuleSet) -> None:
    with pytest.raises(ProjectError) as e:
        parse_project("name: x\nconstruction: new\nindustry_codes: [3360]\n", rules.vocabulary)
    assert e.value.code == "project_code_not_quoted"


def _copy_rules(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", dst)
    return dst


def test_a_rule_pack_citing_a_code_that_does_not_exist_is_a_rule_error(tmp_path: Path) -> None:
    root = _copy_rules(tmp_path)
    f = root / "directory-2021" / "items" / "item_071.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("- '367'", "- '369'"), encoding="utf-8")
    with pytest.raises(RuleError) as e:
        load_rules(root, items={71})
    assert e.value.code == "rule_unknown_code" and e.value.file == str(f) and e.value.line


def test_a_condition_citing_a_code_that_does_not_exist_is_a_rule_error(tmp_path: Path) -> None:
    root = _copy_rules(tmp_path)
    f = root / "directory-2021" / "items" / "item_071.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("{industry_code: '361'}", "{industry_code: '3619'}"), "utf-8")
    with pytest.raises(RuleError) as e:
        load_rules(root, items={71})
    assert e.value.code == "rule_unknown_code"


def test_a_rules_directory_without_the_list_uses_the_bundled_one(tmp_path: Path) -> None:
    root = _copy_rules(tmp_path)
    shutil.rmtree(root / "industry-codes")
    codes = load_rules(root, items={36}).vocabulary.industry_codes
    assert codes is not None and "2110" in codes


def test_search_ranks_exact_then_prefix_then_substring_and_ands_words(rules: RuleSet) -> None:
    found = [m.code for m in rules.find_codes("家具", 50)]
    assert found[0] == "21"  # 家具制造业: a prefix match, coarsest first
    assert found.index("5283") < found.index("2110")  # 家具零售 (prefix) before 木质家具制造 (substring)
    assert [m.code for m in rules.find_codes("木质 家具")] == ["2110"]
    assert [m.code for m in rules.find_codes("汽车零部件及配件制造")][0] == "3670"  # exact first


def test_search_by_code_lists_children_and_the_items_they_fall_into(rules: RuleSet) -> None:
    found = rules.find_codes("21")
    assert [m.code for m in found] == ["21", "211", "212", "213", "214", "219"]
    assert found[0].items == (36,)  # every group of division 21 lies within item 36
    metal = rules.find_codes("33")[0]
    assert metal.items == () and {66, 67, 68} <= set(metal.items_below)


def test_envscreen_codes_prints_codes_and_items() -> None:
    result = CliRunner().invoke(app, ["codes", "木质", "家具"])
    assert result.exit_code == 0
    assert "2110" in result.output and "名录第36项" in result.output
    result = CliRunner().invoke(app, ["codes", "家具", "--format", "json", "--limit", "3"])
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert [c["code"] for c in data["codes"]] == ["21", "5283", "8193"] and data["codes"][0]["items"] == [36]


def test_envscreen_codes_exits_1_when_nothing_matches() -> None:
    assert CliRunner().invoke(app, ["codes", "宇宙飞船"]).exit_code == 1

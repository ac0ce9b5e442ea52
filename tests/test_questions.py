"""Questions from the rules, no silent omission (issue 8): what a project must still answer,
what its result rests on, and facts given that nothing reads."""

from __future__ import annotations

import itertools
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from screening.cli import app
from screening.decide.questions import question_id
from screening.errors import ProjectError
from screening.packs.conditions import Cmp, Node, evaluate, leaves
from screening.packs.ruleset import TIER_RANK, Item
from screening.project.answers import update_answers_text
from screening.project.model import project_from_data
from screening.screener import Screener

from .conftest import ROOT

ENVSCREEN = Path(sys.executable).parent / "envscreen"
if not ENVSCREEN.exists():
    ENVSCREEN = ROOT / ".venv" / "bin" / "envscreen"


def _project(screener: Screener, **fields: Any) -> Any:
    return project_from_data({"name": "t", "construction": "new", **fields}, screener.vocabulary)


def _ids(screener: Screener, **fields: Any) -> list[str]:
    return [q.id for q in screener.screen(_project(screener, **fields)).questions]


# ---------------------------------------------------------------- the three reported projects


def test_pig_farm_given_only_its_code_is_asked_the_scale_farm_question_and_the_head_counts(
    screener: Screener,
) -> None:
    ids = _ids(screener, industry_codes=["0313"])
    assert ids[0] == "features.livestock_scale_farm"  # it gates every column: asked first
    assert "quantities.livestock_pig_eq_output_head_per_year" in ids
    assert "quantities.livestock_pig_eq_stock_head" in ids


@pytest.mark.parametrize(
    ("fields", "floor"),
    [
        (
            {"industry_codes": ["0313"], "features": [], "quantities": {"livestock_pig_eq_output_head_per_year": 6000}},
            "report_book",
        ),
        (
            {
                "industry_codes": ["4416"],
                "quantities": {"installed_power_capacity_kw": 20000, "grid_connection_voltage_kv": 35},
                "sensitive_areas": [],
            },
            "report_form",
        ),
        (
            {
                "industry_codes": ["2110"],
                "industrial_building": True,
                "processes": ["cutting_assembly_only"],
                "quantities": {
                    "gas_boiler_t_per_hour": 2,
                    "solvent_coating_t_per_year": 0,
                    "low_voc_coating_t_per_year": 3,
                },
            },
            "report_form",
        ),
    ],
    ids=["pig-farm-features-empty", "ground-pv-unsaid", "factory-own-gas-boiler"],
)
def test_reported_projects_are_never_determined_below_their_tier(
    screener: Screener, fields: dict[str, Any], floor: str
) -> None:
    d = screener.screen(_project(screener, **fields))
    assert d.status == "needs_more_information"
    assert TIER_RANK[d.tier_range[1]] >= TIER_RANK[floor]


def test_a_boiler_quantity_routes_to_item_91_and_asks_its_project_type(screener: Screener) -> None:
    d = screener.screen(
        _project(
            screener, industry_codes=["3411"], quantities={"gas_boiler_t_per_hour": 2, "coal_oil_boiler_t_per_hour": 0}
        )
    )
    assert 91 in {o.item for o in d.items}
    assert d.questions[0].id == "project_types.heat_supply_works"
    assert not d.warnings


def test_the_answers_settle_the_pig_farm(screener: Screener) -> None:
    d = screener.screen(
        _project(
            screener,
            industry_codes=["0313"],
            answers={"features.livestock_scale_farm": True, "quantities.livestock_pig_eq_output_head_per_year": 6000},
        )
    )
    assert (d.status, d.tier) == ("determined", "report_book")
    assert not d.questions


# ---------------------------------------------------------------- assumptions and warnings


def test_an_answered_no_is_an_assumption_the_decision_names(screener: Screener) -> None:
    d = screener.screen(_project(screener, industry_codes=["0313"], answers={"features.livestock_scale_farm": False}))
    assert (d.status, d.tier) == ("determined", "exempt")
    a = next(a for a in d.assumptions if a.id == "features.livestock_scale_farm")
    assert (a.value, a.source, a.items) == (False, "answer", (3,))
    assert "registration" in a.tiers


def test_an_omitted_process_is_false_and_listed_as_resting_on_the_process_list(screener: Screener) -> None:
    d = screener.screen(_project(screener, industry_codes=["3360"], processes=[], features=[], sensitive_areas=[]))
    assert any(a.source == "process_list" and a.id.startswith("processes.") for a in d.assumptions)


def test_a_quantity_no_candidate_reads_is_a_warning_with_a_suggestion(screener: Screener) -> None:
    d = screener.screen(_project(screener, industry_codes=["0313"], quantities={"beds": 120}))
    w = next(w for w in d.warnings if w.fact == "quantities.beds")
    assert w.code == "fact_not_read" and w.items and "hospital" in w.project_types


# ---------------------------------------------------------------- the answers field


@pytest.mark.parametrize(
    ("answers", "extra", "code"),
    [
        ({"features.livestock_scale_farmm": True}, {}, "project_unknown_answer"),
        ({"featurs.livestock_scale_farm": True}, {}, "project_unknown_answer"),
        ({"features.livestock_scale_farm": "yes"}, {}, "project_wrong_type"),
        (
            {"features.livestock_scale_farm": False},
            {"features": ["livestock_scale_farm"]},
            "project_answer_contradicts",
        ),
        ({"quantities.beds": 10}, {"quantities": {"beds": 20}}, "project_answer_contradicts"),
        ({"quantities.beds": -1}, {}, "project_bad_quantity"),
        ({"industrial_building": False}, {"industrial_building": True}, "project_answer_contradicts"),
    ],
)
def test_bad_answers_are_typed_errors(
    screener: Screener, answers: dict[str, Any], extra: dict[str, Any], code: str
) -> None:
    with pytest.raises(ProjectError) as e:
        _project(screener, industry_codes=["0313"], answers=answers, **extra)
    assert e.value.code == code
    assert e.value.field and e.value.field.startswith("answers")


def test_an_unknown_answer_id_suggests_the_right_one(screener: Screener) -> None:
    with pytest.raises(ProjectError) as e:
        _project(screener, industry_codes=["0313"], answers={"features.livestock_scale_farmm": True})
    assert "features.livestock_scale_farm" in (e.value.hint or "")


def test_update_answers_keeps_comments_and_replaces_the_block() -> None:
    text = "# mine\nname: x  # keep\nanswers:\n  features.a: true\n# tail\nconstruction: new\n"
    out = update_answers_text(text, {"features.a": False, "quantities.b": 6000.0})
    assert "# mine\nname: x  # keep\n" in out and "construction: new" in out
    assert yaml.safe_load(out)["answers"] == {"features.a": False, "quantities.b": 6000}
    appended = update_answers_text("name: x", {"features.a": True})
    assert yaml.safe_load(appended) == {"name": "x", "answers": {"features.a": True}}


# ---------------------------------------------------------------- every fact of every item is asked


def _could_matter(node: Node, leaf: Cmp, facts: Any) -> bool:
    """Independent of questions.py: some assignment of the other unknown leaves makes `leaf`
    decide `node` (all of them when few, else a sample)."""
    unknown = [
        x for x in dict.fromkeys(lf for lf in leaves(node) if isinstance(lf, Cmp)) if x.key not in facts and x != leaf
    ]
    combos: Any = (
        itertools.product((False, True), repeat=len(unknown))
        if len(unknown) <= 10
        else ([(i >> k) & 1 == 1 for k in range(len(unknown))] for i in range(0, 2**10))
    )
    for values in combos:
        fixed = dict(zip(unknown, values, strict=True))
        if evaluate(node, facts, {**fixed, leaf: True}) != evaluate(node, facts, {**fixed, leaf: False}):
            return True
    return False


def _minimal(item: Item) -> dict[str, Any]:
    if item.industry_codes:
        return {"industry_codes": list(item.industry_codes[:1])}
    return {"project_types": list(item.project_types[:1])}


def _all_items() -> list[int]:
    from screening.packs.ruleset import load_rules

    return sorted(load_rules().items)


@pytest.mark.parametrize("number", _all_items())
def test_every_fact_an_item_reads_is_among_its_questions(screener: Screener, number: int) -> None:
    """For a minimal project of each item: every unknown fact read by the match or by a clause
    of a column above the certain floor, and able to decide that clause, is asked."""
    item = screener.rules.items[number]
    project = _project(screener, **_minimal(item))
    d = screener.screen(project)
    facts = screener.engine.facts(project)
    asked = {q.id for q in d.questions}
    floor = d.tier_range[0]
    nodes: list[Node] = [item.match] + [
        c.full for col in item.columns if TIER_RANK[col.tier] > TIER_RANK[floor] for c in col.clauses
    ]
    if d.status == "determined":
        return
    expected = set()
    for node in nodes:
        for leaf in dict.fromkeys(lf for lf in leaves(node) if isinstance(lf, Cmp)):
            if leaf.key in facts or question_id(leaf) is None:
                continue
            if _could_matter(node, leaf, facts):
                expected.add(question_id(leaf))
    assert expected <= asked, f"item {number}: not asked {sorted(expected - asked)}"
    assert {m.fact for m in d.missing} >= {q.fact for q in d.questions}  # one builder: they agree


# ---------------------------------------------------------------- CLI


def test_questions_command_text_and_json(tmp_path: Path) -> None:
    f = tmp_path / "pig.yaml"
    f.write_text("name: 猪场\nconstruction: new\nindustry_codes: ['0313']\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["questions", str(f)])
    assert r.exit_code == 0, r.output
    assert "[features.livestock_scale_farm]" in r.output and "≥ 5000" in r.output
    r = runner.invoke(app, ["questions", str(f), "--format", "json", "--lang", "en"])
    doc = yaml.safe_load(r.output)
    assert doc["schema"] == "envscreen/questions/v1"
    assert doc["questions"][0]["id"] == "features.livestock_scale_farm"
    assert doc["questions"][0]["kind"] == "bool"


def test_check_ask_in_process_asks_until_determined_and_writes_back(tmp_path: Path) -> None:
    f = tmp_path / "pig.yaml"
    f.write_text("# my farm\nname: 猪场  # keep me\nconstruction: new\nindustry_codes: ['0313']\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["check", str(f), "--ask"], input="y\nabc\n6000\n")
    assert r.exit_code == 0, r.output
    assert "环境影响报告书 (report_book)" in r.output
    text = f.read_text(encoding="utf-8")
    assert "# my farm\nname: 猪场  # keep me\n" in text
    assert yaml.safe_load(text)["answers"] == {
        "features.livestock_scale_farm": True,
        "quantities.livestock_pig_eq_output_head_per_year": 6000,
    }


def test_check_ask_as_a_real_process_on_a_pty(tmp_path: Path) -> None:
    f = tmp_path / "pig.yaml"
    f.write_text("name: pig\nconstruction: new\nindustry_codes: ['0313']\n", encoding="utf-8")
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [str(ENVSCREEN), "check", str(f), "--ask", "--lang", "en"],
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    os.write(main, b"n\n")
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=120) == 0, out.decode(errors="replace")
    os.close(main)
    assert b"exempt (outside EIA management) (exempt)" in out
    assert yaml.safe_load(f.read_text())["answers"] == {"features.livestock_scale_farm": False}


def _live_by_definition(node: Any, facts: Any) -> set[Any]:
    """The definition live_leaves computes in one pass: an unknown leaf with no settled part on
    the way to it (no false part of an `all`, no true part of an `any` around it)."""
    from screening.packs.conditions import All, AnyOf, evaluate

    if isinstance(node, Cmp):
        return {node} if node.key not in facts else set()
    if not isinstance(node, (All, AnyOf)):
        return set()
    settled = isinstance(node, AnyOf)
    if any(evaluate(c, facts) is settled for c in node.children):
        return set()
    return set().union(*(_live_by_definition(c, facts) for c in node.children))


_TREE_LEAVES = [Cmp(f"q_x{i}", "gte", 10.0, "quantities", f"x{i}") for i in range(4)]


def _trees() -> Any:
    from screening.packs.conditions import All, AnyOf

    leaf = st.sampled_from([*_TREE_LEAVES, True, False])
    return st.recursive(
        leaf,
        lambda kids: (
            st.builds(All, st.tuples(kids, kids) | st.tuples(kids, kids, kids))
            | st.builds(AnyOf, st.tuples(kids, kids) | st.tuples(kids, kids, kids))
        ),
        max_leaves=12,
    )


@settings(max_examples=300, deadline=None)
@given(tree=_trees(), known=st.dictionaries(st.sampled_from([lf.key for lf in _TREE_LEAVES]), st.sampled_from([0, 20])))
def test_live_leaves_is_the_definition(tree: Any, known: dict[str, int]) -> None:
    from screening.decide.questions import live_leaves

    got = live_leaves(tree, known)
    assert set(got) == _live_by_definition(tree, known)
    assert len(got) == len(set(got))


def test_a_code_question_names_the_code_itself() -> None:
    # 268 is 日用化学产品制造; its division 26 is 化学原料和化学制品制造业: the question names the code
    screener = Screener(zones=False)
    d = screener.screen(
        project_from_data({"name": "x", "construction": "new", "industry_codes": ["26"]}, screener.vocabulary)
    )
    asked = {q.id: q for q in d.questions}
    assert "268（日用化学产品制造）" in asked["industry_codes.268"].zh
    assert "日用化学产品制造" in asked["industry_codes.268"].en
    assert all(
        "（化学原料和化学制品制造业）" not in q.zh for k, q in asked.items() if len(k) > len("industry_codes.26")
    )

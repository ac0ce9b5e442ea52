"""Impact of a rule change (`envscreen rules diff`, screening/batch/impact.py): every project
whose outcome moves is listed with old -> new values and the rules behind the move; none that
does not move is."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from screening import InputError
from screening.batch import impact
from screening.cli import app

from .conftest import ROOT

RUNNER = CliRunner()
REFORM = Path("sample-county/lists/reform_area.yaml")


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample county's pack as it is (old), and with the reform area no longer lowering a
    report form (new): only the hospital in the reform area should move."""
    root = tmp_path_factory.mktemp("packs")
    old, new = root / "old", root / "new"
    for d in (old, new):
        shutil.copytree(ROOT / "rules" / "sample-county", d / "sample-county")
    text = (new / REFORM).read_text(encoding="utf-8")
    assert "tiers: [report_book, report_form]" in text
    (new / REFORM).write_text(text.replace("tiers: [report_book, report_form]", "tiers: [report_book]"), "utf-8")
    return old, new


def test_diff_lists_the_moved_project_with_the_rule_and_writes_it(packs: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = packs
    out = tmp_path / "impact.csv"
    args = ["rules", "diff", str(ROOT / "examples"), "--old", str(old), "--new", str(new), "-j", "2", "-q"]
    r = RUNNER.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    n = len(list((ROOT / "examples").glob("*.yaml")))
    assert f"{n} projects screened with both rule sets: 1 change" in r.output
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    row = rows[0]
    assert row["source"].endswith("site-hospital-in-reform-area.yaml")
    assert (row["old_tier"], row["new_tier"]) == ("registration", "report_form")
    assert (row["old_procedure"], row["new_procedure"]) == ("online_filing", "approval")
    assert row["old_national_tier"] == row["new_national_tier"] == "report_form"
    assert row["rules_removed"] == "reform.downgrade.1" and row["rules_added"] == ""
    assert row["changed"] == "tier, procedure"
    # --fail-on-change turns a change into exit 1 (a park committee's CI gate)
    assert RUNNER.invoke(app, [*args, "--fail-on-change"]).exit_code == 1


def test_the_same_rules_change_nothing(packs: tuple[Path, Path]) -> None:
    old, _ = packs
    args = ["rules", "diff", str(ROOT / "examples"), "--old", str(old), "--new", str(old), "-j", "1", "-q"]
    r = RUNNER.invoke(app, [*args, "--fail-on-change"])
    assert r.exit_code == 0, r.output
    assert ": 0 change" in r.output


def test_a_wrong_output_suffix_is_refused_before_screening(packs: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = packs
    args = ["rules", "diff", str(ROOT / "examples"), "--old", str(old), "--new", str(new)]
    r = RUNNER.invoke(app, [*args, "-o", str(tmp_path / "x.txt")])
    assert isinstance(r.exception, InputError) and r.exception.code == "batch_unknown_output"
    assert "screened" not in r.output  # refused before any work


def _row(tier: str | None, rules: str = "", status: str = "ok") -> dict[str, object]:
    return {"index": 0, "status": status, "tier": tier, "fired_rules": rules, "error_code": None}


def test_a_project_that_no_longer_screens_is_a_change() -> None:
    old = impact.outcome_of_row(_row("report_form", "i49.report.1#T"))
    new = impact.outcome_of_row({"index": 0, "status": "error", "error_code": "project_unknown_code"})
    c = impact.compare(old, new)
    assert [(f.field, f.old, f.new) for f in c.fields][:2] == [
        ("status", "ok", "error"),
        ("error_code", None, "project_unknown_code"),
    ]
    assert c.rules_removed == ("i49.report.1",)


def test_possible_rules_are_not_counted_as_holding() -> None:
    o = impact.outcome_of_row({**_row("report_form", "a.1#T; b.2#P"), "admissibility_rules": "x.1; y.2?"})
    assert o.rules == {"a.1", "x.1"}


TIERS = st.sampled_from([None, "exempt", "registration", "report_form", "report_book"])
RULES = st.lists(st.sampled_from(["a.1#T", "b.2#T", "c.3#P"]), unique=True).map("; ".join)


@given(TIERS, RULES, TIERS, RULES)
def test_compare_is_antisymmetric_and_a_row_equals_itself(t1: str, r1: str, t2: str, r2: str) -> None:
    a, b = impact.outcome_of_row(_row(t1, r1)), impact.outcome_of_row(_row(t2, r2))
    ab, ba = impact.compare(a, b), impact.compare(b, a)
    assert not impact.compare(a, a).changed
    assert [(f.field, f.old, f.new) for f in ab.fields] == [(f.field, f.new, f.old) for f in ba.fields]
    assert (ab.rules_added, ab.rules_removed) == (ba.rules_removed, ba.rules_added)
    assert ab.changed == (t1 != t2)  # rules alone moving is shown, but is not a change of outcome

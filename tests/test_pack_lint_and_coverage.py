"""A committee's own pack on its own layers (issue 10.1, 10.2): `envscreen rules test --rules
DIR --zones DIR` with coverage and a threshold, and `envscreen rules lint`. The fixtures are a
fictional county (tests/fixtures/packtest, written by its make_fixture.py): `good/` tests and
lints clean, `broken/` carries every lint finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screening.cli import app
from screening.packs.lint import lint

FIX = Path(__file__).parent / "fixtures" / "packtest"
GOOD_RULES, GOOD_ZONES = FIX / "good" / "rules", FIX / "good" / "zones"
BROKEN_RULES, BROKEN_ZONES = FIX / "broken" / "rules", FIX / "broken" / "zones"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


# ------------------------------------------------------------------ rules test


def test_cases_run_on_the_packs_own_layers(runner: CliRunner) -> None:
    code, out = run(runner, "rules", "test", "--rules", str(GOOD_RULES), "--zones", str(GOOD_ZONES), "-f", "json")
    report = json.loads(out)
    assert [c["ok"] for c in report["cases"]] == [True] * 4, report["cases"]
    assert report["passed"] == 4 and report["failed"] == 0
    # only the --rules packs' cases: none of the bundled directory's or sample county's
    assert {c["where"] for c in report["cases"]} == {"test-county/units"}
    # two entries are never shown not firing: without a threshold the run fails on them
    assert report["uncovered"] == [
        "entry unit.east.1 (test-county/units) not firing",
        "entry park.neg.1 (test-county/units) not firing",
    ]
    assert code == 1 and report["ok"] is False


def test_coverage_per_entry(runner: CliRunner) -> None:
    code, out = run(runner, "rules", "test", "--rules", str(GOOD_RULES), "--zones", str(GOOD_ZONES), "-f", "json")
    cov = json.loads(out)["coverage"]
    rows = {(r["id"], r["fires"], r["not_fires"]) for r in cov["rows"]}
    assert rows == {("unit.west.1", True, True), ("unit.east.1", True, False), ("park.neg.1", True, False)}
    assert cov["percent"] == cov["entries_percent"] == 66.67  # 4 of 6 (entry, fires / not fires) pairs
    assert cov["clauses_percent"] == 100.0  # no directory clause of the pack's own
    line = next(r["line"] for r in cov["rows"] if r["id"] == "park.neg.1")
    assert line == 19 and all(r["file"].endswith("units.yaml") for r in cov["rows"])


def test_coverage_table_and_threshold(runner: CliRunner) -> None:
    args = ("rules", "test", "--rules", str(GOOD_RULES), "--zones", str(GOOD_ZONES))
    code, out = run(runner, *args, "--coverage", "--threshold", "60")
    assert code == 0, out
    assert "unit.east.1" in out and "entry coverage: 66.7% of 3 entries" in out
    lines = [ln.split() for ln in out.splitlines()]
    assert ["entry", "test-county/units", "unit.east.1", "yes", "NO"] in lines
    code, out = run(runner, *args, "--threshold", "70")
    assert code == 1
    assert "coverage 66.7% is below the threshold 70%" in out


def test_a_case_outside_the_layers_is_reported_not_passed(runner: CliRunner) -> None:
    # the bundled sample county's layers do not hold the fictional test county
    code, out = run(runner, "rules", "test", "--rules", str(GOOD_RULES), "-f", "json")
    cases = json.loads(out)["cases"]
    assert code == 1 and len(cases) == 4
    not_fires = next(c for c in cases if c["name"] == "西部单元新建机械 → 不适用")
    assert not not_fires["ok"] and "outside the coverage of every zone layer" in not_fires["message"]
    assert all(not c["ok"] for c in cases)


def test_a_case_in_another_jurisdiction_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    # the good pack's cases on layers that cover the site under another admin code
    zones = tmp_path / "zones"
    zones.mkdir()
    for f in GOOD_ZONES.iterdir():
        text = f.read_text(encoding="utf-8")
        (zones / f.name).write_text(text.replace('"440999"', '"440998"') if f.name == "admin.geojson" else text)
    code, out = run(runner, "rules", "test", "--rules", str(GOOD_RULES), "--zones", str(zones), "-f", "json")
    cases = json.loads(out)["cases"]
    assert code == 1
    assert all("outside the jurisdiction 440999 of test-county" in c["message"] for c in cases), cases


def test_clause_coverage_of_directory_items(runner: CliRunner) -> None:
    code, out = run(runner, "rules", "test", "--items", "1", "-f", "json")
    report = json.loads(out)
    rows = report["coverage"]["rows"]
    assert code == 0
    assert {(r["kind"], r["id"], r["fires"], r["not_fires"]) for r in rows} == {
        ("clause", "item_001.report_form.1", True, True),
        ("clause", "item_001.registration.1", True, True),
    }


# ------------------------------------------------------------------ rules lint

REL = str(BROKEN_RULES) + "/"

EXPECTED = {
    # (finding code, file relative to the fixture, line)
    ("unquoted_code", "rules/broken-v1/lists/broken.cases.yaml", 4),  # industry_codes: [0313]
    ("unknown_zone_code", "rules/broken-v1/lists/broken.yaml", 10),  # control unit ZH44099910009
    ("unknown_zone_code", "rules/broken-v1/lists/broken.yaml", 17),  # park 440999P09
    ("unquoted_code", "rules/broken-v1/lists/broken.yaml", 25),  # industry_code: 2641 (warning)
    ("never_fires", "rules/broken-v1/lists/broken.yaml", 26),  # 26 and not 26
    ("never_fires", "rules/broken-v1/lists/broken.yaml", 36),  # > 10 and < 5
    ("always_fires", "rules/broken-v1/lists/broken.yaml", 46),  # 26 or not 26, anywhere
    ("unknown_zone_kind", "rules/broken-v1/lists/broken.yaml", 60),  # reform_area: no such layer
    ("unknown_jurisdiction", "rules/broken-v1/pack.yaml", 6),
    ("unknown_jurisdiction", "rules/broken-v2/pack.yaml", 6),
    ("overlapping_versions", "rules/broken-v2/pack.yaml", 8),
    ("work_crs_outside_zone", "zones/layers.yaml", 9),
    ("tiling_gap", "zones/layers.yaml", 18),  # a gap, and a part outside the county
    ("tiling_overlap", "zones/layers.yaml", 18),
}


def rel(path: str) -> str:
    return str(Path(path).resolve().relative_to((FIX / "broken").resolve()))


def test_every_lint_finding_with_file_and_line() -> None:
    findings = lint(BROKEN_RULES, BROKEN_ZONES)
    got = {(f.code, rel(f.file), f.line) for f in findings}
    assert got == EXPECTED, sorted(got ^ EXPECTED)
    assert all(f.hint and f.severity in ("error", "warning") for f in findings)
    by = {(f.code, rel(f.file), f.line): f for f in findings}
    assert by[("unquoted_code", "rules/broken-v1/lists/broken.cases.yaml", 4)].severity == "error"
    assert by[("unquoted_code", "rules/broken-v1/lists/broken.yaml", 25)].severity == "warning"
    assert "ZH44099910001" in by[("unknown_zone_code", "rules/broken-v1/lists/broken.yaml", 10)].hint
    assert "EPSG:4547" in by[("work_crs_outside_zone", "zones/layers.yaml", 9)].hint
    gaps = [f for f in findings if f.code == "tiling_gap"]
    assert any("outside" in f.message for f in gaps) and any("in no control unit" in f.message for f in gaps)
    overlap = next(f for f in findings if f.code == "tiling_overlap")
    assert "ZH44099910001" in overlap.message and "m²" in overlap.message


def test_tiling_tolerance_in_square_metres() -> None:
    # the broken units' gap and overlap are about 218,000 m² each: a larger tolerance accepts them
    findings = lint(BROKEN_RULES, BROKEN_ZONES, tolerance_m2=300_000)
    assert not [f for f in findings if f.code.startswith("tiling_")]


def test_lint_exit_codes_and_json(runner: CliRunner) -> None:
    code, out = run(runner, "rules", "lint", "--rules", str(BROKEN_RULES), "--zones", str(BROKEN_ZONES), "-f", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["errors"] >= 10
    assert {"code", "severity", "message", "file", "line", "hint"} <= set(report["findings"][0])
    code, out = run(runner, "rules", "lint", "--rules", str(GOOD_RULES), "--zones", str(GOOD_ZONES))
    assert code == 0, out
    assert "0 errors, 0 warnings" in out


def test_warnings_alone_pass_unless_strict(runner: CliRunner, tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(GOOD_RULES, rules)
    units = rules / "test-county" / "lists" / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace('industry_code: "26"', "industry_code: 26"))
    args = ("rules", "lint", "--rules", str(rules), "--zones", str(GOOD_ZONES))
    code, out = run(runner, *args)
    assert code == 0 and "0 errors, 1 warnings" in out, out
    code, out = run(runner, *args, "--strict")
    assert code == 1


def test_bundled_packs_lint_clean(runner: CliRunner) -> None:
    code, out = run(runner, "rules", "lint", "--rules", str(Path(__file__).parents[1] / "rules"))
    assert code == 0, out
    assert "0 errors, 0 warnings" in out


def test_the_good_fixture_lints_clean_despite_rounding_slivers() -> None:
    # its projected units, rounded to the millimetre, leave about 2 m² of slivers: under the tolerance
    assert lint(GOOD_RULES, GOOD_ZONES) == []
    slivers = lint(GOOD_RULES, GOOD_ZONES, tolerance_m2=0.5)
    assert {f.code for f in slivers} <= {"tiling_gap", "tiling_overlap"} and slivers

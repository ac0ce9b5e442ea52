"""The `envscreen` command: output formats in-process, exit codes as a real process.

Only the mini fixture rule set (tests/fixtures/mini_rules) is used here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from screening.cli import app

from .conftest import LIQUOR_PROJECT, MINI_RULES, ROOT

ENVSCREEN = Path(sys.executable).parent / "envscreen"
if not ENVSCREEN.exists():  # not run from the project virtualenv
    ENVSCREEN = ROOT / ".venv" / "bin" / "envscreen"

LIQUOR = LIQUOR_PROJECT


def _hospital(beds: int, construction: str = "renovation") -> str:
    return f"name: 医院{beds}\nconstruction: {construction}\nproject_types: [hospital]\nquantities: {{beds: {beds}}}\n"


def _liquor(capacity: float, industrial_building: bool = True) -> str:
    return LIQUOR.replace("1000}", f"{capacity}}}").replace(
        "industrial_building: true", f"industrial_building: {str(industrial_building).lower()}"
    )


# Good projects and what the mini rules make of them: (text, tier, rule ids of the findings).
EXPECTED: dict[str, tuple[str, str, list[str]]] = {
    "liquor_1000": (LIQUOR, "report_book", ["item_025.report_book.1"]),
    "liquor_999": (_liquor(999), "report_form", ["item_025.report_form.1"]),
    "liquor_not_industrial": (_liquor(1000, industrial_building=False), "exempt", []),
    "hospital_19": (_hospital(19), "registration", ["item_108.registration.1"]),
    "hospital_20": (_hospital(20), "report_form", ["item_108.report_form.1"]),
    "hospital_500_new": (_hospital(500, "new"), "report_book", ["item_108.report_book.1"]),
    "retail_5211": ("name: 超市\nconstruction: new\nindustry_codes: ['5211']\n", "exempt", []),
}

BAD_UNQUOTED = "name: x\nconstruction: new\nindustry_codes: [1512]\n"  # code on line 3
BAD_PROCESS = "name: y\nconstruction: new\nindustry_codes: ['1512']\nprocesses:\n  - electroplatng\n"  # line 5


def _write(directory: Path, name: str, text: str) -> Path:
    p = directory / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- in-process


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _check(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, ["check", *args, "--rules", str(MINI_RULES), "--no-bundled-rules"])


def test_text_output_is_chinese_by_default(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "liquor.yaml", LIQUOR)
    r = _check(runner, str(f))
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "项目: 酒厂" in out
    assert "结论: 环境影响报告书 (report_book)" in out
    assert "[item_025.report_book.1]" in out
    assert "第25项" in out
    assert "证据: 工艺 包含 发酵; 酒年生产能力 = 1000 kL/a ≥ 1000 kL/a" in out
    assert "60 日" in out
    assert "Result:" not in out
    assert r.stderr == ""


def test_text_output_in_english(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "liquor.yaml", LIQUOR)
    r = _check(runner, str(f), "--lang", "en")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "Project: 酒厂" in out
    assert "Result: full report (报告书) (report_book)" in out
    assert "[item_025.report_book.1]" in out
    assert "item 25" in out
    assert "evidence: processes includes fermentation; liquor capacity = 1000 kL/a ≥ 1000 kL/a" in out
    assert "60 days" in out
    assert "结论" not in out


def test_text_output_for_an_exempt_project_in_english(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "retail.yaml", EXPECTED["retail_5211"][0])
    r = _check(runner, str(f), "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "Result: exempt (outside EIA management) (exempt)" in r.stdout
    assert "the directory does not list this project's industry or type" in r.stdout


def test_json_output(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "liquor.yaml", LIQUOR)
    r = _check(runner, str(f), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["schema"] == "envscreen/decision/v2"
    assert doc["project"] == "酒厂"
    assert doc["status"] == "determined"
    assert doc["tier"] == "report_book"
    assert doc["tier_range"] == ["report_book", "report_book"]
    assert doc["procedure"]["time_limit_days"] == 60
    assert [i["item"] for i in doc["items"]] == [25]
    assert [x["rule_id"] for x in doc["findings"]] == ["item_025.report_book.1"]
    finding = doc["findings"][0]
    assert finding["item"] == 25
    assert finding["tier"] == "report_book"
    assert finding["clause_text"] == "有发酵工艺的（年生产能力1000千升以下的除外）"
    evidence = {e["fact"]: e for e in finding["evidence"]}
    assert set(evidence) == {"processes", "quantities.liquor_capacity_kl_per_year"}
    assert evidence["processes"]["value"] == "fermentation"
    assert evidence["processes"]["op"] == "contains"
    cap = evidence["quantities.liquor_capacity_kl_per_year"]
    assert (cap["value"], cap["op"], cap["threshold"], cap["unit"]) == (1000, "gte", 1000, "kL/a")
    assert doc["missing"] == []


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_expected_tiers(runner: CliRunner, tmp_path: Path, case: str) -> None:
    text, tier, rule_ids = EXPECTED[case]
    f = _write(tmp_path, f"{case}.yaml", text)
    r = _check(runner, str(f), "-f", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["status"] == "determined"
    assert doc["tier"] == tier
    assert [x["rule_id"] for x in doc["findings"]] == rule_ids
    for finding in doc["findings"]:
        assert finding["evidence"], f"{finding['rule_id']} fired without evidence"


def test_not_in_an_industrial_building_cites_note_4(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "p.yaml", _liquor(1000, industrial_building=False))
    doc = json.loads(_check(runner, str(f), "-f", "json").stdout)
    assert doc["tier"] == "exempt"
    assert any("说明4" in n["zh"] for n in doc["notes"])


def test_markdown_output(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "liquor.yaml", LIQUOR)
    r = _check(runner, str(f), "--format", "markdown")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "# 项目: 酒厂"
    assert lines[1] == "**结论: 环境影响报告书 (report_book)**"
    assert "## 触发的规则（条款与证据）" in lines
    assert any(line.startswith("- [item_025.report_book.1] ") for line in lines)
    assert "## 下一步" in lines


def test_markdown_output_in_english(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "h.yaml", _hospital(19))
    r = _check(runner, str(f), "-f", "markdown", "--lang", "en")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "# Project: 医院19"
    assert lines[1] == "**Result: registration form (登记表) (registration)**"
    assert any(line.startswith("- [item_108.registration.1] ") for line in lines)


def test_bad_project_in_process(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "bad.yaml", BAD_PROCESS)
    r = _check(runner, str(f))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert f"{f}:5: project_unknown_processes" in r.stderr
    assert "是否应为 'electroplating'（电镀）？" in r.stderr  # in Chinese, check's default language


def test_bad_project_as_json_is_an_error_document(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "bad.yaml", BAD_UNQUOTED)
    r = _check(runner, str(f), "-f", "json")
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    assert doc["schema"] == "envscreen/error/v1"
    assert doc["file"] == str(f)
    assert doc["error"]["code"] == "project_code_not_quoted"
    assert (doc["error"]["line"], doc["error"]["field"]) == (3, "industry_codes.0")


def test_unknown_format_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path, "liquor.yaml", LIQUOR)
    r = _check(runner, str(f), "--format", "pdf")
    assert r.exit_code == 2
    assert "pdf" in r.output


def _fixture_vocabulary() -> dict[str, Any]:
    with open(MINI_RULES / "vocabulary.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


def test_vocabulary_lists_every_process(runner: CliRunner) -> None:
    r = runner.invoke(app, ["vocabulary", "--rules", str(MINI_RULES), "--no-bundled-rules"])
    assert r.exit_code == 0, r.output
    vocab = _fixture_vocabulary()
    processes = vocab["processes"]
    assert len(processes) == 4
    for term, spec in processes.items():
        assert f"| `{term}` | {spec['zh']} | {spec['en']} |" in r.stdout
    assert "implies electroplating" in r.stdout
    for term in vocab["quantities"]:
        assert f"`{term}`" in r.stdout
    for term in vocab["construction_kinds"]:
        assert f"`{term}`" in r.stdout


def test_vocabulary_as_text(runner: CliRunner) -> None:
    r = runner.invoke(app, ["vocabulary", "--format", "text", "--rules", str(MINI_RULES), "--no-bundled-rules"])
    assert r.exit_code == 0, r.output
    assert "`" not in r.stdout
    for term in _fixture_vocabulary()["processes"]:
        assert f"| {term} |" in r.stdout


# --------------------------------------------------------------------------- a real process


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ENVSCREEN_DEBUG"}
    return subprocess.run(
        [str(ENVSCREEN), *args, "--rules", str(MINI_RULES), "--no-bundled-rules"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_console_script_is_installed() -> None:
    assert ENVSCREEN.is_file(), f"{ENVSCREEN} is missing: is the package installed in the virtualenv?"


def test_exit_0_for_a_good_project(tmp_path: Path) -> None:
    f = _write(tmp_path, "liquor.yaml", LIQUOR)
    r = _run("check", str(f))
    assert r.returncode == 0, r.stderr
    assert "环境影响报告书 (report_book)" in r.stdout
    assert "[item_025.report_book.1]" in r.stdout
    assert r.stderr == ""


def test_exit_2_for_a_bad_project(tmp_path: Path) -> None:
    f = _write(tmp_path, "bad.yaml", BAD_UNQUOTED)
    r = _run("check", str(f))
    assert "Traceback" not in r.stderr
    assert f"{f}:3:" in r.stderr
    assert "project_code_not_quoted" in r.stderr
    assert "代码请加引号" in r.stderr  # write codes in quotes, in Chinese
    assert r.stdout == ""
    assert r.returncode == 2


def test_exit_2_for_an_unknown_term_with_a_hint(tmp_path: Path) -> None:
    f = _write(tmp_path, "bad.yaml", BAD_PROCESS)
    r = _run("check", str(f), "--lang", "en")
    assert "Traceback" not in r.stderr
    assert f"{f}:5: project_unknown_processes" in r.stderr
    assert "did you mean 'electroplating'?" in r.stderr
    assert r.returncode == 2


def test_exit_2_for_malformed_yaml(tmp_path: Path) -> None:
    f = _write(tmp_path, "broken.yaml", "name: x\nconstruction: new\n  industry_codes: ['1512']\n")
    r = _run("check", str(f))
    assert "Traceback" not in r.stderr
    assert f"{f}:3: yaml_syntax" in r.stderr
    assert r.returncode == 2


def test_exit_2_for_an_alias_bomb_and_fast(tmp_path: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    f = _write(tmp_path, "bomb.yaml", "\n".join(levels) + "\n")
    start = time.perf_counter()
    r = _run("check", str(f), timeout=30)
    assert time.perf_counter() - start < 10
    assert "Traceback" not in r.stderr
    assert f"{f}:2: yaml_alias" in r.stderr
    assert r.returncode == 2


def test_exit_2_for_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    r = _run("check", str(missing))
    assert "Traceback" not in r.stderr
    assert str(missing) in r.stderr
    assert "input_unreadable" in r.stderr
    assert r.stdout == ""
    assert r.returncode == 2


def test_exit_2_for_a_directory_without_projects(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("not a project", encoding="utf-8")
    r = _run("check", str(tmp_path))
    assert "Traceback" not in r.stderr
    assert "input_no_projects" in r.stderr
    assert r.returncode == 2


@pytest.fixture()
def batch_dir(tmp_path: Path) -> dict[str, Any]:
    d = tmp_path / "projects"
    (d / "sub").mkdir(parents=True)
    good = {
        d / "a_liquor.yaml": ("酒厂", "report_book"),
        d / "sub" / "b_hospital.yml": ("医院19", "registration"),
        d / "c_retail.json": ("超市", "exempt"),
    }
    _write(d, "a_liquor.yaml", LIQUOR)
    _write(d / "sub", "b_hospital.yml", _hospital(19))
    _write(d, "c_retail.json", json.dumps({"name": "超市", "construction": "new", "industry_codes": ["5211"]}))
    bad = {
        d / "d_unquoted.yaml": ("project_code_not_quoted", 3),
        d / "e_process.yaml": ("project_unknown_processes", 5),
    }
    _write(d, "d_unquoted.yaml", BAD_UNQUOTED)
    _write(d, "e_process.yaml", BAD_PROCESS)
    _write(d, "notes.txt", "ignored: not *.yaml, *.yml or *.json\n")
    return {"dir": d, "good": good, "bad": bad}


def test_batch_screens_the_good_and_reports_the_bad(batch_dir: dict[str, Any]) -> None:
    r = _run("check", str(batch_dir["dir"]))
    assert "Traceback" not in r.stderr
    for path, (name, tier) in batch_dir["good"].items():
        assert f"==> {path}\n项目: {name}\n" in r.stdout
        block = r.stdout.split(f"==> {path}\n", 1)[1].split("==> ", 1)[0]
        assert f"({tier})" in block
    for path, (code, line) in batch_dir["bad"].items():
        assert f"{path}:{line}: {code}" in r.stderr
        assert str(path) not in r.stdout
    assert "notes.txt" not in r.stdout + r.stderr
    assert "3 个已预审，2 个失败" in r.stderr
    assert r.returncode == 2


def test_batch_as_json_lists_every_file(batch_dir: dict[str, Any]) -> None:
    r = _run("check", str(batch_dir["dir"]), "--format", "json")
    assert "Traceback" not in r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "envscreen/batch/v1"
    by_file = {Path(x["file"]): x for x in doc["results"]}
    assert len(doc["results"]) == 5
    assert set(by_file) == set(batch_dir["good"]) | set(batch_dir["bad"])
    for path, (name, tier) in batch_dir["good"].items():
        result = by_file[path]
        assert "error" not in result
        assert result["decision"]["schema"] == "envscreen/decision/v2"
        assert result["decision"]["project"] == name
        assert result["decision"]["tier"] == tier
    for path, (code, line) in batch_dir["bad"].items():
        result = by_file[path]
        assert "decision" not in result
        assert (result["error"]["code"], result["error"]["line"]) == (code, line)
        assert result["error"]["file"] == str(path)
        assert result["error"]["hint"]
    assert r.returncode == 2


def test_batch_of_good_projects_exits_0(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", LIQUOR)
    _write(tmp_path, "b.yaml", _hospital(500, "new"))
    r = _run("check", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "envscreen/batch/v1"
    assert [x["decision"]["tier"] for x in doc["results"]] == ["report_book", "report_book"]


def test_vocabulary_command_as_a_process() -> None:
    r = _run("vocabulary")
    assert r.returncode == 0, r.stderr
    for term in _fixture_vocabulary()["processes"]:
        assert f"`{term}`" in r.stdout

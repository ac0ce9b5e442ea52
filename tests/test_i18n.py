"""Chinese everywhere in Chinese mode: the message catalog covers every message the code writes,
translations keep their placeholders, and the CLI, batch summary and project validation speak
Chinese (and accept Chinese labels as values)."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from screening import ProjectError, Screener, parse_project
from screening.batch.output import render_summary
from screening.i18n import catalog, error_text, negotiate, normalize, tr, translate

from .conftest import ROOT

EXTRACT = runpy.run_path(str(ROOT / "scripts" / "extract_messages.py"))
TEMPLATES: dict[str, set[str]] = EXTRACT["templates"]()
# Templates written in the code with no Chinese yet, one per line: the gap is explicit, and a
# new message without a translation (not listed here) fails.
KNOWN_GAPS = ROOT / "tests" / "fixtures" / "i18n-known-gaps.txt"
ENVSCREEN = Path(sys.executable).parent / "envscreen"
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def _names(template: str) -> set[str]:
    return {m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1) is not None}


def test_the_extractor_finds_the_messages_of_raise_sites_and_helpers() -> None:
    # The scan can fail: messages of error classes, of helpers (doc.error, self.fail), hints
    # passed positionally, hints built in a variable, did_you_mean's return, tr() texts.
    assert {
        "unknown {what} '{key}'",  # YamlDoc.only_keys: message through a helper
        "{what}s are: {join_names}",  # its hint, passed positionally
        "did you mean '{close_0}'?",  # did_you_mean's return value
        "the field '{key}' is required",
        "The project is not valid",  # ProblemError title
        "{ok} screened, {failed} failed",  # tr()
        "field",  # noun()
    } <= set(TEMPLATES)
    assert len(TEMPLATES) > 400


def test_every_message_has_a_chinese_translation() -> None:
    gaps = set(KNOWN_GAPS.read_text(encoding="utf-8").splitlines()) - {""} if KNOWN_GAPS.exists() else set()
    missing = sorted(t for t in TEMPLATES if t not in catalog("zh") and t not in gaps)
    assert missing == [], (
        "run python scripts/extract_messages.py, then translate these in screening/locale/zh_CN/LC_MESSAGES/"
        "messages.po (or list them as known gaps: python scripts/extract_messages.py --gaps)"
    )
    assert sorted(g for g in gaps if g in catalog("zh")) == [], "translated now: remove from the known gaps"


def test_translations_keep_the_placeholders() -> None:
    wrong = {msgid: msgstr for msgid, msgstr in catalog("zh").items() if _names(msgid) != _names(msgstr)}
    assert wrong == {}


def test_the_catalog_template_is_up_to_date() -> None:
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "extract_messages.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_translation_is_left_from_a_removed_message() -> None:
    assert set(catalog("zh")) - set(TEMPLATES) == set()


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("unknown field 'nmae'", "未知的字段：'nmae'"),
        ("the field 'construction' is required", "字段 'construction' 为必填项"),
        ("did you mean 'electroplating'?", "是否应为 'electroplating'（电镀）？"),  # a term with its label
        ("one of: new, expansion", "可选值：new（新建）、expansion（扩建）"),  # a list of terms
        ("unknown construction 'nwe'", "未知的建设性质（construction）：'nwe'"),
        # a message inside a message (`feature #{i} of layer '{spec_id}' {message}`)
        ("feature #3 of layer 'parks' is a Point, not a polygon", "图层 'parks' 的第 3 个要素是 Point，不是多边形"),
        # a hint of parts: each translated
        ("construction kind (required); one of: new", "建设性质（必填）；可选值：new（新建）"),
        ("'' is not a GB/T 4754-2017 code", "'' 不是 GB/T 4754-2017 代码"),  # an empty value
        # a message located by a prefix (`{clause.id}: {exc}`)
        (
            "item_036.report_book.1: an 'any' with 13 compound branches (durable-rules accepts at most 12)",
            "item_036.report_book.1：'any' 含有 13 个复合分支（durable-rules 最多接受 12 个）",
        ),
        ("'priorty' is not one of unit_classs (unit_class)", "'priorty' 不是 unit_classs 中的取值（unit_class）"),
        ("'x' is not one of the vocabulary (sensitive_area)", "'x' 不是 词汇表 中的取值（sensitive_area）"),
    ],
)
def test_translate(screener: Screener, english: str, chinese: str) -> None:
    assert translate(english, "zh", screener.vocabulary) == chinese
    assert translate(english, "en", screener.vocabulary) == english


def test_text_with_no_template_is_shown_as_it_is() -> None:
    assert translate("a message from a library 42", "zh") == "a message from a library 42"
    assert translate(None, "zh") is None


def test_language_negotiation() -> None:
    assert negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert negotiate("en-US,en;q=0.9,zh;q=0.5") == "en"
    assert negotiate("fr, zh;q=0.3") == "zh"
    assert negotiate(None) == "en" and negotiate("fr") == "en"
    assert normalize("zh_Hans") == "zh" and normalize("EN") == "en" and normalize("de") == "en"


def test_error_text_in_chinese(screener: Screener) -> None:
    with pytest.raises(ProjectError) as info:
        parse_project("name: x\nconstruction: neww\nindustry_codes: ['3360']\n", screener.vocabulary, source="p.yaml")
    text = error_text(info.value, "zh", screener.vocabulary)
    assert text == (
        "p.yaml:2: project_unknown_construction: 未知的建设性质（construction）：'neww'（字段 'construction'）"
        "；提示：是否应为 'new'（新建）？"
    )
    assert error_text(info.value, "en") == str(info.value)


# -- Chinese labels as values -----------------------------------------------------------------


def test_chinese_labels_are_accepted_as_terms(screener: Screener) -> None:
    text = (
        "name: x\nconstruction: 新建\nindustry_codes: ['3360']\nprocesses: [电镀, 阳极氧化]\n"
        "sensitive_areas: [自然保护区]\n"
    )
    project = parse_project(text, screener.vocabulary)
    assert project.construction == "new"
    assert project.processes == {"electroplating", "anodizing"}
    assert project.sensitive_areas == {"nature_reserve"}


def test_a_label_without_its_parenthesis_names_its_term(screener: Screener) -> None:
    # 改建（含技术改造） is the label; people write 改建
    project = parse_project("name: x\nconstruction: 改建\nindustry_codes: ['3360']\n", screener.vocabulary)
    assert project.construction == "renovation"


@pytest.mark.parametrize(
    ("line", "code", "hint"),
    [
        ("processes: [电渡]", "project_unknown_processes", "did you mean 'electroplating'?"),
        ("construction: 新见", "project_unknown_construction", "did you mean 'new'?"),
        ("processes: [electroplatng]", "project_unknown_processes", "did you mean 'electroplating'?"),
    ],
)
def test_a_near_chinese_label_gets_did_you_mean_the_term(screener: Screener, line: str, code: str, hint: str) -> None:
    text = f"name: x\nconstruction: new\nindustry_codes: ['3360']\n{line}\n"
    if line.startswith("construction"):
        text = text.replace("construction: new\n", "")
    with pytest.raises(ProjectError) as info:
        parse_project(text, screener.vocabulary)
    assert (info.value.code, info.value.hint) == (code, hint)


def test_every_bad_field_is_reported_not_only_the_first(screener: Screener) -> None:
    text = "name: x\nconstruction: 新見\nindustry_codes: ['3360']\nprocesses: [电渡]\nnmae: y\n"
    with pytest.raises(ProjectError) as info:
        parse_project(text, screener.vocabulary)
    found = [(e.code, e.line) for e in (info.value, *info.value.also)]
    assert found == [
        ("project_unknown_field", 5),
        ("project_unknown_construction", 2),
        ("project_unknown_processes", 4),
    ]


def test_a_missing_required_field_is_not_invented_by_the_second_pass(screener: Screener) -> None:
    # industry_codes is bad, not missing: leaving it out must not add "give industry_codes or project_types"
    with pytest.raises(ProjectError) as info:
        parse_project("name: x\nconstruction: new\nindustry_codes: ['33x']\n", screener.vocabulary)
    assert info.value.code == "project_bad_code" and info.value.also == ()


# -- the CLI ------------------------------------------------------------------------------------


def _envscreen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ENVSCREEN_DEBUG", "ENVSCREEN_LANG")}
    return subprocess.run([str(ENVSCREEN), *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def test_check_prints_every_error_in_chinese_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: x\nconstruction: new\nindustry_codes: ['3360']\nprocesses: [electroplatng]\ncolour: red\n",
        encoding="utf-8",
    )
    r = _envscreen("check", "bad.yaml", "--lang", "zh", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert lines == [  # in line order, whatever order validation found them in
        "错误: bad.yaml:4: project_unknown_processes: 未知的工艺：'electroplatng'（字段 'processes.0'）"
        "；提示：是否应为 'electroplating'（电镀）？",
        "错误: bad.yaml:5: project_unknown_field: 未知的字段：'colour'（字段 'colour'）"
        "；提示：字段有：name, id, project_code, description, construction, industry_codes, project_types, "
        "processes, features, industrial_building, quantities, sensitive_areas, touches_main_works, "
        "application_date, answers, location",
    ]
    en = _envscreen("check", "bad.yaml", "--lang", "en", cwd=tmp_path)
    assert en.stderr.splitlines()[0] == (
        "error: bad.yaml:4: project_unknown_processes: unknown process 'electroplatng' (field 'processes.0')"
        "; did you mean 'electroplating'?"
    )


def test_an_error_that_ends_the_command_is_in_its_language(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("name: x\n", encoding="utf-8")
    r = _envscreen("check", "p.yaml", "--date", "2026-13-45", cwd=tmp_path)  # zh: check's default
    assert r.returncode == 2
    assert r.stderr.strip() == "错误: input_bad_date: '2026-13-45' 不是日期；提示：请写成 2026-11-23"
    r = _envscreen("check", "p.yaml", "--date", "2026-13-45", "--lang", "en", cwd=tmp_path)
    assert r.stderr.strip() == "error: input_bad_date: '2026-13-45' is not a date; write it as 2026-11-23"


def _summary(lang: str) -> str:
    result: dict[str, Any] = {
        "total": 3,
        "screened": 2,
        "failed": 1,
        "by_tier": {"report_book": 1, "registration": 1},
        "by_admissibility": {"not_assessed": 2},
        "failures": [
            {
                "source": "c.yaml",
                "row": None,
                "error_code": "project_unknown_field",
                "error_message": "unknown field 'industry_code'",
                "error_field": "industry_code",
                "error_column": None,
            }
        ],
    }
    console = Console(record=True, width=200)
    render_summary(result, console, out="out.csv", workers=2, lang=lang)
    return console.export_text()


def test_batch_summary_in_chinese() -> None:
    text = _summary("zh")
    assert "共 3 个项目：2 个已预审，1 个失败（2 个工作进程）-> out.csv" in text
    assert "按环评类别统计" in text and "环境影响报告书" in text and "环境影响登记表" in text
    assert "按选址准入统计" in text and "未评估" in text
    assert "失败" in text and "未知的字段：'industry_code'" in text
    assert "project_unknown_field" in text  # codes stay as they are: they are searched for
    english = _summary("en")
    assert "3 projects: 2 screened, 1 failed (2 worker processes did the work) -> out.csv" in english
    assert "unknown field 'industry_code'" in english


def test_tr_falls_back_to_english_for_an_unknown_text() -> None:
    assert tr("not in the catalog {x}", "zh", x=1) == "not in the catalog 1"

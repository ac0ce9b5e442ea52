"""envscreen batch: folders and tables in, one row per project out, real worker processes."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from screening import InputError, Screener, load_project
from screening.batch.inputs import read_tasks
from screening.batch.output import COLUMNS, complete, write_results
from screening.batch.run import ScreenerSpec, load_spec, run_batch, screen_tasks
from screening.cli import app

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
ON = dt.date(2026, 11, 23)
HEADER = [
    "id",
    "name",
    "construction",
    "industry_codes",
    "project_types",
    "processes",
    "features",
    "industrial_building",
    "quantities.beds",
    "quantities.solvent_coating_t_per_year",
    "answers",
    "crs",
    "lon",
    "lat",
    "wkt",
    "application_date",
    "project_code",
]
# Row 1 is the hospital example, row 2 the furniture example, as table rows; then broken rows.
ROWS: list[dict[str, Any]] = [
    {"id": "h1", "name": "某县人民医院新院区建设项目", "construction": "new", "industry_codes": "8411",
     "project_types": "hospital", "quantities.beds": "300", "project_code": "2025-330999-84-01-000123"},
    {"id": "f1", "name": "家具厂", "construction": "new", "industry_codes": "2110", "industrial_building": "true",
     "processes": "[]", "quantities.solvent_coating_t_per_year": "12"},
    {"id": "bad-number", "name": "医院", "construction": "new", "project_types": "hospital",
     "quantities.beds": "three hundred"},
    {"id": "bad-code", "name": "工厂", "construction": "new", "industry_codes": "2110; 9999"},
    {"id": "site", "name": "车间", "construction": "new", "industry_codes": "3484", "industrial_building": "yes",
     "processes": "[]", "features": "discharges_pollutants",
     "answers": "features.national_security_or_major_public_interest: false",
     "crs": "cgcs2000", "lon": "119.829359", "lat": "29.381355", "application_date": "2025-09-01"},
    {"id": "wkt", "name": "车间", "construction": "new", "industry_codes": "3484", "crs": "wgs84",
     "wkt": "POINT (119.829 29.381", "application_date": "2025-09-01"},
    {"id": "bad-project-code", "name": "医院", "construction": "new", "project_types": "hospital",
     "project_code": "20253309998401000123"},
]  # fmt: skip


@pytest.fixture(scope="module")
def spec() -> ScreenerSpec:
    """The bundled rules and sample zones, loaded once (no engine: each worker compiles its own)."""
    return load_spec()


def _write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)
    return path


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rows}


def _tier(screener: Screener, example: str) -> str | None:
    return screener.screen(load_project(EXAMPLES / example, screener.vocabulary), on=ON).tier


def test_folder_with_a_broken_file_screens_every_good_one_and_reports_the_broken(
    tmp_path: Path, screener: Screener
) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    good = ["hospital-300-beds.yaml", "furniture-solvent-coating.yaml", "site-factory-in-water-source.yaml"]
    for name in good:
        shutil.copy(EXAMPLES / name, folder / name)
    (folder / "b-broken.yaml").write_text('name: x\nconstruction: new\nindustry_codes: ["3360"\n', encoding="utf-8")
    (folder / "c-unknown.yaml").write_text("name: x\nconstruction: new\nindustry_code: ['3360']\n", encoding="utf-8")
    out = tmp_path / "results.parquet"
    args = ["batch", str(folder), "--out", str(out), "--workers", "2", "--date", str(ON), "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output  # some projects were refused
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 5 and [r["index"] for r in rows] == list(range(5))
    by_file = {Path(r["source"]).name: r for r in rows}
    for name in good:
        assert by_file[name]["status"] == "ok"
        assert by_file[name]["tier"] == _tier(screener, name), name
    assert by_file["site-factory-in-water-source.yaml"]["admissibility"] == "prohibited"
    broken = by_file["b-broken.yaml"]
    assert (broken["status"], broken["error_code"], broken["error_line"]) == ("error", "yaml_syntax", 4)
    unknown = by_file["c-unknown.yaml"]
    assert (unknown["error_code"], unknown["error_field"], unknown["error_line"]) == (
        "project_unknown_field",
        "industry_code",
        3,
    )
    assert "did you mean 'industry_codes'" in unknown["error_hint"]
    assert "5 projects: 3 screened, 2 failed" in result.output
    assert "yaml_syntax" in result.output and "project_unknown_field" in result.output  # the failures listed


def test_csv_rows_are_screened_like_the_yaml_files_and_bad_cells_name_row_and_column(
    tmp_path: Path, screener: Screener
) -> None:
    table = _write_csv(tmp_path / "projects.csv", ROWS)
    out = tmp_path / "results.csv"
    result = CliRunner().invoke(app, ["batch", str(table), "-o", str(out), "-j", "2", "--date", str(ON), "-q"])
    assert result.exit_code == 2, result.output
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(COLUMNS)
    got = _by_id(rows)
    assert len(rows) == len(ROWS)
    assert got["h1"]["tier"] == _tier(screener, "hospital-300-beds.yaml") == "report_form"
    assert got["h1"]["project_code"] == "2025-330999-84-01-000123"
    assert got["f1"]["tier"] == _tier(screener, "furniture-solvent-coating.yaml") == "report_book"
    assert got["site"]["admissibility"] == _by_id_screen(screener, "site-factory-in-water-source.yaml")
    assert got["site"]["row"] == "5"
    bad = got["bad-number"]
    assert (bad["status"], bad["error_code"], bad["error_column"], bad["error_line"]) == (
        "error",
        "project_wrong_type",
        "quantities.beds",
        "3",
    )
    assert got["bad-code"]["error_code"] == "project_unknown_code"
    assert got["bad-code"]["error_column"] == "industry_codes"
    assert got["bad-code"]["error_field"] == "industry_codes.1"
    assert (got["wkt"]["error_code"], got["wkt"]["error_column"]) == ("site_bad_geometry", "wkt")
    code = got["bad-project-code"]
    assert (code["error_code"], code["error_column"]) == ("project_bad_project_code", "project_code")
    assert "2025-330999-84-01-000123" in code["error_hint"]


def _by_id_screen(screener: Screener, example: str) -> str | None:
    d = screener.screen(load_project(EXAMPLES / example, screener.vocabulary), on=ON)
    return d.admissibility.status if d.admissibility else None


def test_excel_input_with_typed_cells_and_xlsx_output(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "name", "construction", "industry_codes", "industrial_building", "quantities.beds",
                  "project_types", "application_date"])  # fmt: skip
    sheet.append(["x1", "家具厂", "new", 2110, True, None, None, dt.datetime(2025, 9, 1)])
    sheet.append(["x2", "医院", "new", None, None, 300, "hospital", None])
    sheet.append([None] * 8)  # an empty line is no project
    sheet.append(["x3", "农场", "new", 411, None, None, None, None])  # 0411 typed as a number
    sheet.append([12, "医院", "new", None, None, 20, "hospital", None])  # an id typed as a number
    table = tmp_path / "projects.xlsx"
    book.save(table)
    out = tmp_path / "results.xlsx"
    result = CliRunner().invoke(app, ["batch", str(table), "-o", str(out), "-j", "1", "--date", str(ON), "-q"])
    assert result.exit_code == 2, result.output
    sheet = load_workbook(out).active
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    rows = _by_id([dict(zip(header, v, strict=True)) for v in values])
    assert len(rows) == 4
    assert rows["x1"]["status"] == "ok" and rows["x1"]["screened_on"] == "2025-09-01"
    assert rows["x2"]["tier"] == "report_form"
    assert (rows["x3"]["error_code"], rows["x3"]["error_column"], rows["x3"]["error_line"]) == (
        "project_code_not_quoted",
        "industry_codes",
        4,
    )
    assert rows["12"]["status"] == "ok"


def test_xlsx_output_writes_formula_like_text_as_text(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    write_results([complete({"index": 0, "name": '=HYPERLINK("http://x")', "status": "ok"})], out)
    cell = load_workbook(out).active.cell(row=2, column=COLUMNS.index("name") + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_parquet_input_with_list_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": ["p1", "p2"],
            "name": ["医院", "医院"],
            "construction": ["new", "new"],
            "project_types": [["hospital"], ["hospital"]],
            "quantities.beds": [300.0, None],
            "answers": ["{quantities.beds: 600}", None],
        }
    )
    src = tmp_path / "projects.parquet"
    pq.write_table(table, src)
    tasks = list(read_tasks(src))
    assert tasks[1].data == {"id": "p2", "name": "医院", "construction": "new", "project_types": ["hospital"]}
    out = tmp_path / "results.parquet"
    result = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "-j", "1", "--date", str(ON), "-q"])
    assert result.exit_code == 2, result.output
    rows = _by_id(pq.read_table(out).to_pylist())
    # p1's answer contradicts its beds column: the validator's own error, with the row and column
    assert (rows["p1"]["error_code"], rows["p1"]["error_column"], rows["p1"]["error_line"]) == (
        "project_answer_contradicts",
        "answers",
        1,
    )
    assert rows["p2"]["status"] == "ok" and rows["p2"]["decision_status"] == "needs_more_information"
    assert "quantities.beds" in rows["p2"]["missing"]


def test_a_misspelt_column_refuses_the_table_before_screening(tmp_path: Path) -> None:
    table = _write_csv(tmp_path / "t.csv", [{"name": "x", "constrution": "new"}], ["name", "constrution"])
    with pytest.raises(InputError) as info:
        list(read_tasks(table))
    assert (info.value.code, info.value.field) == ("batch_unknown_column", "constrution")
    assert info.value.hint == "did you mean 'construction'?"
    result = CliRunner().invoke(app, ["batch", str(table), "-o", str(tmp_path / "r.txt")])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError) and result.exception.code == "batch_unknown_output"


def test_process_pool_of_two_builds_the_screener_once_per_worker(
    tmp_path: Path, spec: ScreenerSpec, screener: Screener
) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    examples = sorted(EXAMPLES.glob("*.yaml"))
    for i in range(3):  # 3 copies of every example: enough chunks for both workers
        for f in examples:
            shutil.copy(f, folder / f"{i}-{f.name}")
    tasks = list(read_tasks(folder))
    run = run_batch(tasks, spec, on=ON, workers=2, chunk_size=2)
    assert len(run.rows) == len(tasks) and [r["index"] for r in run.rows] == list(range(len(tasks)))
    assert 1 <= len(run.workers) <= 2
    assert set(run.workers.values()) == {1}, run.workers  # one Screener per worker process, not per task
    assert all(not w.endswith(f":{os.getpid()}") for w in run.workers)  # screened in the workers
    # the same rows as screening in this process
    assert run.rows == screen_tasks(screener, tasks, ON)


class _DyingScreener(Screener):
    """A Screener whose process dies (as a durable-rules abort would) on the project named KILL."""

    def _plan(self, project: Any, location: Any, on: Any) -> Any:
        if project.name == "KILL":
            os._exit(134)
        return super()._plan(project, location, on)


class _DyingSpec(ScreenerSpec):
    def build(self) -> Screener:
        return _DyingScreener(self.rules, zones=self.zones)


def test_a_worker_that_dies_loses_no_project(tmp_path: Path, spec: ScreenerSpec) -> None:
    rows = [{"id": f"r{i}", "name": "KILL" if i == 5 else "医院", "construction": "new",
             "project_types": "hospital", "quantities.beds": "300"} for i in range(12)]  # fmt: skip
    tasks = list(read_tasks(_write_csv(tmp_path / "t.csv", rows)))
    run = run_batch(tasks, _DyingSpec(spec.rules, spec.zones), on=ON, workers=2, chunk_size=4)
    got = _by_id(run.rows)
    assert len(run.rows) == 12
    assert got["r5"]["status"] == "error" and got["r5"]["error_code"] == "batch_worker_died"
    # the others of its chunk were retried one by one in a new pool, and screened
    assert all(got[f"r{i}"]["tier"] == "report_form" for i in range(12) if i != 5)


class _BrokenSpec(ScreenerSpec):
    def build(self) -> Screener:
        raise InputError("input_unreadable", "cannot build", file="rules/")


def test_a_screener_that_cannot_be_built_stops_the_run_with_its_error(tmp_path: Path, spec: ScreenerSpec) -> None:
    tasks = list(read_tasks(_write_csv(tmp_path / "t.csv", ROWS[:2])))
    with pytest.raises(InputError, match="cannot build"):
        run_batch(tasks, _BrokenSpec(spec.rules, spec.zones), on=ON, workers=2)

"""Read a batch's projects: a folder of project files, or a CSV, Excel or Parquet table whose
rows map to the same project document the YAML loader validates.

The flat column layout (docs/batch.md):

    id, name, description, project_code, construction, application_date,
    industry_codes, project_types, processes, features, sensitive_areas   lists: "a; b", "[]" = none
    industrial_building, touches_main_works                               true/false, yes/no, 是/否
    quantities.<name>                                                     one number column per quantity
    answers  ({features.x: false, quantities.beds: 120})  and/or  answers.<question id> columns
    crs, lon, lat  |  crs, wkt  (a WKT point, line or polygon), address   the site

A blank cell is a field not given. Each row becomes a Task holding the document; a cell that
cannot be read (a word in a number column, broken WKT) is that row's typed error, with its row
and column, like every error the validator raises later for the row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EnvscreenError, InputError, ProjectError, did_you_mean
from ..sources.yaml_doc import parse_yaml, read_text_file

PROJECT_SUFFIXES = (".yaml", ".yml", ".json")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet", ".pq")

TEXT_COLUMNS = ("id", "name", "description", "project_code", "construction", "application_date")
LIST_COLUMNS = ("industry_codes", "project_types", "processes", "features", "sensitive_areas")
BOOL_COLUMNS = ("industrial_building", "touches_main_works")
SITE_COLUMNS = ("crs", "lon", "lat", "wkt", "address")
COLUMNS = (*TEXT_COLUMNS, *LIST_COLUMNS, *BOOL_COLUMNS, "answers", *SITE_COLUMNS)
PREFIXED = ("quantities.", "answers.")
# List cells: "a; b", "a,b", "a、b" or "[a, b]"; quotes around an item are dropped.
_SPLIT = re.compile(r"[;,；，、|\s]+")
_TRUE = {"true", "yes", "y", "1", "是", "t"}
_FALSE = {"false", "no", "n", "0", "否", "f"}
# A class code is 4 digits; a shorter number may have lost a leading zero ('0411' -> 411).
_CODE_DIGITS = 4


@dataclass(frozen=True)
class Task:
    """One project to screen. `text`: a project file's text (parsed in the worker, with its
    lines); `data`: a table row's document. `error`: the row could not even be mapped."""

    index: int  # the position in the input: results come back in this order
    source: str  # the file the project came from
    row: int | None = None  # the row in a table (1 = the first row under the header)
    text: str | None = None
    data: dict[str, Any] | None = None
    columns: tuple[str, ...] = ()  # the row's non-blank columns, to name the one an error is in
    error: EnvscreenError | None = None


def read_tasks(path: Path | str) -> Iterator[Task]:
    """Yield the batch's projects in input order: every file of a folder (recursively, sorted),
    or every row of a table. Raise InputError when the input as a whole cannot be read."""
    p = Path(path)
    if p.is_dir():
        yield from _folder(p)
    elif not p.exists():
        raise InputError("input_unreadable", "no such file or folder", file=str(p))
    elif p.suffix.lower() in PROJECT_SUFFIXES:
        yield from _files([p])
    elif p.suffix.lower() == ".csv":
        yield from _rows(p, _csv_rows(p))
    elif p.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _rows(p, _excel_rows(p))
    elif p.suffix.lower() in (".parquet", ".pq"):
        yield from _rows(p, _parquet_rows(p))
    else:
        raise InputError(
            "batch_unknown_input",
            f"cannot read '{p.suffix}' files as projects",
            file=str(p),
            hint=f"give a folder of project files, or a table: {', '.join(TABLE_SUFFIXES)}",
        )


def _folder(root: Path) -> Iterator[Task]:
    files = sorted(f for f in root.rglob("*") if f.suffix.lower() in PROJECT_SUFFIXES and f.is_file())
    if not files:
        raise InputError("input_no_projects", "no project files (*.yaml, *.yml, *.json) found", file=str(root))
    yield from _files(files)


def _files(files: list[Path]) -> Iterator[Task]:
    for i, f in enumerate(files):
        try:
            yield Task(i, str(f), text=read_text_file(f))
        except EnvscreenError as exc:  # unreadable, too large, not UTF-8: that file's result
            yield Task(i, str(f), error=exc)


# ---------------------------------------------------------------------------------- tables


def _rows(path: Path, rows: Iterator[tuple[list[str], list[Any]]]) -> Iterator[Task]:
    """Map each (header, cells) row to a Task; the header is checked once, on the first row."""
    source = str(path)
    checked: list[str] | None = None
    for i, (header, cells) in enumerate(rows):
        if header is not checked:
            check_header(header, source)
            checked = header
        values = {h: c for h, c in zip(header, cells, strict=False) if h and not _blank(c)}
        if not values:
            continue  # an empty line of a spreadsheet is no project
        try:
            yield Task(i, source, row=i + 1, data=row_document(values, source, i + 1), columns=tuple(values))
        except EnvscreenError as exc:
            ident: dict[str, Any] = {
                k: _text(values[k]) for k in ("id", "project_code", "name") if k in values
            }  # names the row
            yield Task(i, source, row=i + 1, data=ident, error=exc, columns=tuple(values))


def check_header(header: list[str], source: str) -> None:
    """Refuse a table with an unknown or repeated column before screening any row: a misspelt
    column would otherwise be a wrong answer for every row, not an error."""
    seen: set[str] = set()
    for h in header:
        if not h:
            continue
        if h in seen:
            raise InputError("batch_duplicate_column", f"the column '{h}' appears twice", file=source, field=h)
        seen.add(h)
        if h in COLUMNS or (h.startswith(PREFIXED) and h.split(".", 1)[1]):
            continue
        hint = did_you_mean(h, COLUMNS)
        if h in ("longitude", "lng", "x", "latitude", "y", "geometry", "geom"):
            hint = "the site columns are crs with lon and lat, or crs with wkt"
        elif h in ("date", "applied_on"):
            hint = "did you mean 'application_date'?"
        raise InputError(
            "batch_unknown_column",
            f"unknown column '{h}'",
            file=source,
            field=h,
            hint=hint or f"columns are {', '.join(COLUMNS)}, quantities.<name> and answers.<question id>",
        )
    if "name" not in seen:
        raise InputError(
            "batch_unknown_column",
            "the table has no 'name' column",
            file=source,
            hint="the first row names the columns: name, construction, industry_codes, ...",
        )


def _csv_rows(path: Path) -> Iterator[tuple[list[str], list[Any]]]:
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as f:  # -sig: Excel writes a BOM in UTF-8 CSV
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            for cells in reader:
                yield header, cells
    except UnicodeDecodeError as exc:
        raise InputError(
            "input_not_utf8",
            f"the CSV is not UTF-8 text (byte {exc.start})",
            file=str(path),
            hint="save it as 'CSV UTF-8' (Excel: Save As > CSV UTF-8)",
        ) from None
    except (OSError, csv.Error) as exc:
        raise InputError("input_unreadable", f"cannot read the CSV: {exc}", file=str(path)) from None


def _excel_rows(path: Path) -> Iterator[tuple[list[str], list[Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)  # data_only: a formula's value
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError("input_unreadable", f"cannot read the workbook: {exc}", file=str(path)) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for cells in rows:
            yield header, list(cells)
    finally:
        book.close()


def _parquet_rows(path: Path) -> Iterator[tuple[list[str], list[Any]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        f = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError("input_unreadable", f"cannot read the Parquet file: {exc}", file=str(path)) from None
    header = list(f.schema_arrow.names)
    for batch in f.iter_batches(batch_size=4096):  # a province's table need not fit in memory twice
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for cells in zip(*columns, strict=True):
            yield header, list(cells)


# ---------------------------------------------------------------------------------- one row


def row_document(values: Mapping[str, Any], source: str, row: int) -> dict[str, Any]:
    """The project document of one table row (non-blank cells by column), as a YAML file
    would give it; raise ProjectError (row, column) for a cell that cannot be read.

    >>> row_document({"name": "x", "construction": "new", "industry_codes": "2110; 3360",
    ...               "quantities.beds": "120", "crs": "wgs84", "lon": 120.1, "lat": "29.4"}, "t.csv", 1)
    ... # doctest: +NORMALIZE_WHITESPACE
    {'name': 'x', 'construction': 'new', 'industry_codes': ['2110', '3360'], 'quantities': {'beds': 120},
     'location': {'crs': 'wgs84', 'point': [120.1, 29.4]}}
    """

    def fail(column: str, code: str, message: str, hint: str | None = None) -> ProjectError:
        return ProjectError(code, message, file=source, line=row, field=column, hint=hint)

    doc: dict[str, Any] = {}
    location: dict[str, Any] = {}
    for column, cell in values.items():
        if column in TEXT_COLUMNS:
            doc[column] = _text(cell)
        elif column in LIST_COLUMNS:
            doc[column] = _list(column, cell, fail)
        elif column in BOOL_COLUMNS:
            doc[column] = _bool(column, cell, fail)
        elif column.startswith("quantities."):
            doc.setdefault("quantities", {})[column.split(".", 1)[1]] = _number(column, cell, fail)
        elif column == "answers":
            doc["answers"] = {**_answers(cell, source, row, fail), **doc.get("answers", {})}
        elif column.startswith("answers."):
            qid = column.split(".", 1)[1]
            value = _bool_or_number(column, cell, fail)
            doc.setdefault("answers", {})[qid] = value
        elif column in ("crs", "address"):
            location[column] = _text(cell)
        elif column == "wkt":
            location["geometry"] = _wkt(cell, fail)
    if "lon" in values or "lat" in values:
        if "lon" not in values or "lat" not in values:
            missing = "lat" if "lon" in values else "lon"
            raise fail(missing, "site_bad_geometry", f"'{missing}' is blank but the other coordinate is given")
        location["point"] = [_number("lon", values["lon"], fail), _number("lat", values["lat"], fail)]
    if location:
        doc["location"] = location
    return doc


def column_of(field: str | None, columns: tuple[str, ...]) -> str | None:
    """The table column an error's project field came from: 'industry_codes.1' ->
    'industry_codes', 'location.point' -> 'lon,lat', 'answers.features.x' -> 'answers.features.x'
    when that column exists, else 'answers'."""
    if not field:
        return None
    if field in columns:
        return field
    head, _, rest = field.partition(".")
    if head == "location":
        part = rest.split(".", 1)[0]
        return {"point": "lon,lat", "geometry": "wkt", "crs": "crs", "address": "address"}.get(
            part, "wkt" if "wkt" in columns else "lon,lat"
        )
    if head in ("quantities", "answers"):
        for c in columns:
            if field.startswith(c + ".") or field == c:
                return c
        return head if head in columns else f"{head}.{rest.split('.', 1)[0]}" if rest else head
    return head


def _blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and not cell.strip()


def _text(cell: Any) -> Any:
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # an id typed as 12 in a spreadsheet comes back as 12.0
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return str(cell)
    return cell  # a date, a boolean: the validator says what it expected


def _list(column: str, cell: Any, fail: Any) -> list[Any]:
    if isinstance(cell, (list, tuple)):  # a Parquet list column
        return [_list_item(column, v, fail) for v in cell if not _blank(v)]
    if isinstance(cell, str):
        text = cell.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return [w.strip("'\"") for w in _SPLIT.split(text) if w.strip("'\"")]
    return [_list_item(column, cell, fail)]


def _list_item(column: str, cell: Any, fail: Any) -> Any:
    if column == "industry_codes" and isinstance(cell, (int, float)) and not isinstance(cell, bool):
        digits = str(int(cell)) if float(cell).is_integer() else str(cell)
        if len(digits) == _CODE_DIGITS and digits.isdigit():
            return digits
        raise fail(
            column,
            "project_code_not_quoted",
            f"the industry code {cell} is a number: a leading zero may have been lost ('0411' -> 411)",
            hint="format the column as text (Excel: Format Cells > Text) and type the code again",
        )
    return cell.strip() if isinstance(cell, str) else cell


def _bool(column: str, cell: Any, fail: Any) -> Any:
    if isinstance(cell, bool):
        return cell
    word = str(cell).strip().lower()
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise fail(column, "project_wrong_type", f"'{column}' must be true or false, not '{cell}'", "write true or false")


def _number(column: str, cell: Any, fail: Any) -> Any:
    if isinstance(cell, bool):
        return cell  # the validator refuses it with its field
    if isinstance(cell, (int, float)):
        return int(cell) if isinstance(cell, float) and cell.is_integer() else cell
    text = str(cell).strip().replace("_", "").replace(",", "")
    try:
        x = float(text)
    except ValueError:
        raise fail(
            column, "project_wrong_type", f"'{column}' must be a number, not '{cell}'", "a plain decimal, e.g. 120"
        ) from None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _bool_or_number(column: str, cell: Any, fail: Any) -> Any:
    if isinstance(cell, (bool, int, float)):
        return _number(column, cell, fail) if not isinstance(cell, bool) else cell
    word = str(cell).strip().lower()
    if word in _TRUE - {"1"}:
        return True
    if word in _FALSE - {"0"}:
        return False
    return _number(column, cell, fail)


def _answers(cell: Any, source: str, row: int, fail: Any) -> dict[str, Any]:
    if isinstance(cell, Mapping):
        return dict(cell)
    text = str(cell).strip()
    if not text.startswith("{"):
        text = "{" + text + "}"
    try:
        data = parse_yaml(text, source=source).data  # the safe loader: no tags, no aliases
    except InputError as exc:  # its own code (yaml_syntax, ...), placed at the row and column
        exc.file, exc.line, exc.field = source, row, "answers"
        exc.hint = exc.hint or "write {question id: answer, ...}"
        raise
    if not isinstance(data, dict):
        raise fail("answers", "project_wrong_type", "'answers' must be {question id: answer, ...}")
    return {str(k): v for k, v in data.items()}


def _wkt(cell: Any, fail: Any) -> dict[str, Any]:
    import shapely
    from shapely.geometry import mapping

    try:
        geom = shapely.from_wkt(str(cell).strip())
    except shapely.errors.ShapelyError as exc:
        raise fail("wkt", "site_bad_geometry", f"not valid WKT: {exc}", "e.g. POINT (120.15 29.4)") from None
    if geom is None or geom.is_empty:
        raise fail("wkt", "site_bad_geometry", "the WKT geometry is empty", "e.g. POINT (120.15 29.4)")
    if geom.has_z:
        geom = shapely.force_2d(geom)
    return _lists(mapping(geom))


def _lists(x: Any) -> Any:
    """GeoJSON from shapely has tuples; the project format has lists (as a YAML file gives)."""
    if isinstance(x, (list, tuple)):
        return [_lists(v) for v in x]
    if isinstance(x, dict):
        return {k: _lists(v) for k, v in x.items()}
    return x

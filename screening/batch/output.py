"""A batch's results: one flat row per project (a decision or an error), written as Parquet,
CSV or Excel, and the summary counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..decide.outcome import Decision
from ..errors import EnvscreenError, InputError

# The output columns, in order (docs/batch.md). Lists are joined with "; " so every format
# holds the same flat table.
COLUMNS = (
    "index",  # position in the input (0-based): the output is in input order
    "source",  # the file the project came from
    "row",  # the row of a table (1 = the first under the header); blank for a project file
    "id",
    "project_code",
    "name",
    "status",  # ok | error
    "decision_status",  # determined | needs_more_information | needs_manual_check
    "tier",  # the final tier (local packs applied)
    "national_tier",  # the tier under the national directory alone
    "tier_range",  # "lowest..highest" while facts are missing
    "admissibility",
    "procedure",
    "procedure_zh",
    "fired_rules",  # directory clauses that hold
    "admissibility_rules",  # local and national list entries that decided admissibility ("?": may hold)
    "instrument_rules",  # exemption / downgrade / commitment entries that acted on the tier ("?": may act)
    "missing",  # facts whose absence leaves the tier or admissibility open
    "rule_packs",  # id@version of the directory edition and the local packs in force
    "screened_on",
    "error_code",
    "error_message",
    "error_field",  # the project field (quantities.beds)
    "error_column",  # the table column it came from
    "error_line",  # the line of a project file, or the table row
    "error_hint",
)
INT_COLUMNS = ("index", "row", "error_line")
_SEP = "; "
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".xlsx": "xlsx"}


def output_format(path: Path | str) -> str:
    """Return the format of an output path by its suffix; raise InputError before any work."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            "batch_unknown_output",
            f"cannot write '{suffix or path}' results",
            file=str(path),
            hint="name the output results.parquet, results.csv or results.xlsx",
        )
    return FORMATS[suffix]


def decision_row(base: dict[str, Any], project: Any, d: Decision) -> dict[str, Any]:
    """The row of a screened project."""
    adm = d.admissibility
    missing = [m.fact for m in d.missing]
    if adm is not None:
        missing += [m.fact for m in getattr(adm, "missing", ()) if m.fact not in missing]
    packs = [f"{d.rule_pack.get('id')}@{d.rule_pack.get('version')}"] if d.rule_pack else []
    packs += [f"{p['id']}@{p['version']}" for p in d.rule_packs]
    return {
        **base,
        "id": project.id,
        "project_code": project.project_code,
        "name": project.name,
        "status": "ok",
        "decision_status": d.status,
        "tier": d.tier,
        "national_tier": d.national_tier,
        "tier_range": "..".join(d.tier_range),
        "admissibility": adm.status if adm is not None else None,
        "procedure": d.procedure.procedure if d.procedure else None,
        "procedure_zh": d.procedure.zh if d.procedure else None,
        "fired_rules": _SEP.join(d.fired_rules),
        "admissibility_rules": _SEP.join(r.rule_id + ("" if r.certain else "?") for r in adm.reasons)
        if adm is not None
        else "",
        "instrument_rules": _SEP.join(r.rule_id + ("" if r.certain else "?") for r in d.local.instruments)
        if d.local is not None
        else "",
        "missing": _SEP.join(missing),
        "rule_packs": _SEP.join(packs),
        "screened_on": d.screened_on,
    }


def error_row(base: dict[str, Any], exc: EnvscreenError, column: str | None = None) -> dict[str, Any]:
    """The row of a project that could not be screened: its typed error, nothing else guessed."""
    return {
        **base,
        "status": "error",
        "error_code": exc.code,
        "error_message": exc.message,
        "error_field": exc.field,
        "error_column": column,
        "error_line": exc.line,
        "error_hint": exc.hint,
    }


def complete(row: dict[str, Any]) -> dict[str, Any]:
    """Every column present, in order (None where a row has nothing)."""
    return {c: row.get(c) for c in COLUMNS}


def write_results(rows: list[dict[str, Any]], path: Path | str, columns: Sequence[str] = COLUMNS) -> None:
    """Write the rows (already complete and in order) to `path` as its suffix says: the batch's
    results, or other tables of rows (`columns`, e.g. an impact diff's)."""
    fmt = output_format(path)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        _parquet(rows, p, columns)
    elif fmt == "csv":
        _csv(rows, p, columns)
    else:
        _xlsx(rows, p, columns)


def _parquet(rows: list[dict[str, Any]], path: Path, columns: Sequence[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # An explicit schema: a column that is null in every row still has its type.
    schema = pa.schema([(c, pa.int64() if c in INT_COLUMNS else pa.string()) for c in columns])
    table = {c: [_cell(r.get(c), c) for r in rows] for c in columns}
    pq.write_table(pa.table(table, schema=schema), path)


def _csv(rows: list[dict[str, Any]], path: Path, columns: Sequence[str]) -> None:
    import csv

    # utf-8-sig: Excel opens a CSV with a BOM as UTF-8 (without one it guesses GBK and garbles 中文).
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else r.get(c) for c in columns])


def _xlsx(rows: list[dict[str, Any]], path: Path, columns: Sequence[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)  # streams rows: a province's results do not sit in cells twice
    sheet = book.create_sheet("results")
    sheet.append(list(columns))

    def cell(value: Any) -> Any:
        # openpyxl writes a string starting with "=" as a formula: a project name must stay text.
        if isinstance(value, str) and value.startswith("="):
            c = WriteOnlyCell(sheet, value)
            c.data_type = "s"
            return c
        return value

    for r in rows:
        sheet.append([cell(r.get(c)) for c in columns])
    book.save(path)


def _cell(value: Any, column: str) -> Any:
    if value is None:
        return None
    return int(value) if column in INT_COLUMNS else str(value)


def summary(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Counts by tier and by admissibility over the screened rows, and the failures."""
    from ..error_codes import CODES

    rows = list(rows)
    ok = [r for r in rows if r["status"] == "ok"]
    # Exit code as `check` gives it: 2 when projects were refused, 1 when envscreen itself failed.
    classes = {CODES[r["error_code"]].error if r["error_code"] in CODES else "" for r in rows if r["status"] != "ok"}
    internal = bool(classes - {"InputError", "ProjectError"})
    return {
        "exit_code": 1 if internal else 2 if len(ok) < len(rows) else 0,
        "total": len(rows),
        "screened": len(ok),
        "failed": len(rows) - len(ok),
        "by_tier": dict(Counter(r["tier"] or "undetermined" for r in ok).most_common()),
        "by_admissibility": dict(Counter(r["admissibility"] or "not_assessed" for r in ok).most_common()),
        "failures": [
            {k: r[k] for k in ("index", "source", "row", "error_code", "error_message", "error_field", "error_column")}
            for r in rows
            if r["status"] == "error"
        ],
    }


MAX_LISTED = 100  # failures printed; all of them are rows of the output


def render_summary(result: dict[str, Any], console: Any, *, out: str, workers: int, lang: str = "en") -> None:
    """Print the summary on the console in `lang`: counts by tier and admissibility, then the failures."""
    from rich.table import Table

    from ..i18n import tr, translate
    from ..report.render import admissibility_label, tier_label

    console.print(
        tr(
            "{total} projects: {screened} screened, {failed} failed ({workers} worker processes did the work) -> {out}",
            lang,
            total=result["total"],
            screened=result["screened"],
            failed=result["failed"],
            workers=workers,
            out=out,
        )
    )
    labels = {
        "by_tier": lambda t: tier_label(t, lang) if t != "undetermined" else tr("undetermined", lang),
        "by_admissibility": lambda a: admissibility_label(a, lang),
    }
    for title, key in ((tr("tier", lang), "by_tier"), (tr("admissibility", lang), "by_admissibility")):
        if result[key]:
            table = Table(title=tr("by {title}", lang, title=title), title_justify="left")
            table.add_column(title)
            table.add_column(tr("projects", lang), justify="right")
            for name, n in result[key].items():
                table.add_row(labels[key](name), str(n))
            console.print(table)
    failures = result["failures"]
    if failures:
        table = Table(title=tr("failures", lang), title_justify="left")
        table.add_column(tr("where", lang), overflow="fold")
        table.add_column(tr("code", lang), no_wrap=True)  # codes are searched for: never broken
        table.add_column(tr("message", lang))
        table.add_column(tr("column / field", lang), overflow="fold")
        for f in failures[:MAX_LISTED]:
            where = f"{f['source']}:{f['row']}" if f["row"] is not None else f["source"]
            message = translate(f["error_message"], lang) or ""
            table.add_row(where, f["error_code"], message, f["error_column"] or f["error_field"] or "")
        console.print(table)
        if len(failures) > MAX_LISTED:
            more = len(failures) - MAX_LISTED
            console.print(tr("... and {more} more: the rows with status=error in {out}", lang, more=more, out=out))

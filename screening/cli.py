"""The `envscreen` command: a thin adapter over load -> screen -> report."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import EnvscreenError, InputError, RuleError
from .i18n import DEFAULT_LANG, error_text, normalize, tr
from .project.model import load_project
from .report.render import decision_to_dict, render_json, render_markdown, render_text
from .screener import Screener

app = typer.Typer(add_completion=False, no_args_is_help=True, help="envscreen: EIA access screening (环评准入预审).")
COMPLETE_VAR = "_ENVSCREEN_COMPLETE"  # click's name for `envscreen`; the completion scripts set it
rules_app = typer.Typer(no_args_is_help=True, help="Test and inspect rule packs.")
app.add_typer(rules_app, name="rules")


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="a directory of rule packs added on top of the bundled nationwide ones (docs/rule-packs.md)",
    ),
]
NoBundledOpt = Annotated[
    bool,
    typer.Option(
        "--no-bundled-rules",
        help="leave the bundled rules out: --rules DIR must then hold vocabulary.yaml and a directory pack",
    ),
]
ZonesOpt = Annotated[
    str | None,
    typer.Option(
        "--zones",
        help="zones directory with layers.yaml, or a postgresql:// URL (default: the bundled sample region)",
    ),
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("envscreen")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"envscreen {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="print the version and exit"),
    ] = False,
) -> None:
    """envscreen: EIA access screening (环评准入预审)."""


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


@app.command()
def completion(shell: Annotated[Shell, typer.Argument(help="the shell to complete in")]) -> None:
    """Print the tab-completion script for a shell: commands, options, choices and file names.

    bash: `eval "$(envscreen completion bash)"` in ~/.bashrc; zsh: the same in ~/.zshrc;
    fish: `envscreen completion fish > ~/.config/fish/completions/envscreen.fish`."""
    from typer.completion import get_completion_script

    typer.echo(get_completion_script(prog_name="envscreen", complete_var=COMPLETE_VAR, shell=shell.value))


def _screener(rules: Path | None, zones: str | None = None, no_bundled: bool = False) -> Screener:
    return Screener(rules, zones=zones, bundled_rules=not no_bundled)


def _date(value: str | None) -> dt.date:
    """The screening date: the one given, else today (the CLI is where the clock is read)."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("input_bad_date", f"'{value}' is not a date", hint="write it as 2026-11-23") from None


def _project_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml", ".json") and f.is_file())
        else:
            out.append(p)
    return out


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="project YAML files or directories of them")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="output format")] = Format.text,
    lang: Annotated[Lang, typer.Option("--lang", help="language of text and Markdown output")] = Lang.zh,
    rules: RulesOpt = None,
    no_bundled_rules: NoBundledOpt = False,
    zones: ZonesOpt = None,
    map_path: Annotated[
        Path | None,
        typer.Option(
            "--map", help="write a PNG map of the site and the zones it hits (one project: a file; several: a folder)"
        ),
    ] = None,
    report_path: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="write the pre-screening opinion (预审意见) as out.pdf or out.docx; several projects: "
            "a folder (PDFs) or a pattern like 'reports/*.docx' (* is the project file's name)",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="screening date when a project gives no application_date (default: today)"),
    ] = None,
    ask: Annotated[
        bool,
        typer.Option(
            "--ask", help="ask the questions that decide the tier one at a time, then write the answers into the file"
        ),
    ] = False,
    site: Annotated[
        Path | None,
        typer.Option(
            "--site",
            help="the site from a file, in place of the project's location: .dxf (CAD red line), .kml/.kmz, "
            ".zip (Shapefile), .geojson, .txt/.csv (界址点 table)",
        ),
    ] = None,
    site_crs: Annotated[
        str | None,
        typer.Option(
            "--site-crs",
            help="the crs of --site when the file does not say it (DXF, tables): e.g. EPSG:4528, cgcs2000-gk3, gcj02",
        ),
    ] = None,
    site_layer: Annotated[
        str | None, typer.Option("--site-layer", help="the DXF layer (or shapefile in a zip) of the site's outline")
    ] = None,
) -> None:
    """Screen projects: the EIA tier under the 2021 directory and the local packs, admissibility
    of the site on the zone layers, with reasons and next steps."""
    on = _date(date)
    screener = _screener(rules, zones, no_bundled_rules)
    files = _project_files(paths)
    if ask:
        if len(files) != 1:
            raise InputError(
                "input_ask_one_file", "--ask needs exactly one project file", file=", ".join(map(str, paths))
            )
        _ask(screener, files[0], on, lang)
    if not files:
        raise InputError(
            "input_no_projects", "no project files (*.yaml, *.yml, *.json) found", file=", ".join(map(str, paths))
        )
    batch = len(files) > 1 or any(p.is_dir() for p in paths)
    if report_path is not None:
        _report_target(report_path, files[0], batch)  # a wrong extension fails before any screening
    site_file = None
    if site is not None:
        given = {"file": str(site), "crs": site_crs, "layer": site_layer}
        site_file = {k: v for k, v in given.items() if v is not None}
    results: list[dict[str, Any]] = []
    worst = 0
    for f in files:
        try:
            project = load_project(f, screener.vocabulary, site_file=site_file)
            decision = screener.screen(project, on=on)
            if map_path is not None:
                _write_map(screener, project, f, map_path, batch)
            if report_path is not None:
                _write_report(screener, project, decision, _report_target(report_path, f, batch))
        except EnvscreenError as exc:
            worst = max(worst, exc.exit_code)
            results.append({"file": str(f), "error": exc.to_dict()})
            if fmt is not Format.json:
                for e in exc.every():
                    text = error_text(e, lang.value, screener.vocabulary)
                    typer.echo(f"{tr('error', lang.value)}: {text}", err=True)
            continue
        results.append({"file": str(f), "decision": decision_to_dict(decision, screener.vocabulary)})
        if fmt is Format.text:
            if batch:
                typer.echo(f"==> {f}")
            typer.echo(render_text(decision, screener.vocabulary, lang.value))
        elif fmt is Format.markdown:
            typer.echo(render_markdown(decision, screener.vocabulary, lang.value))
        elif not batch:
            typer.echo(render_json(decision, screener.vocabulary))
    if fmt is Format.json and (batch or worst):
        doc: Any = (
            {"schema": "envscreen/batch/v1", "results": results}
            if batch
            else {"schema": "envscreen/error/v1", **results[0]}
        )
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
    if batch and fmt is not Format.json:
        failed = sum(1 for r in results if "error" in r)
        typer.echo(tr("{ok} screened, {failed} failed", lang.value, ok=len(results) - failed, failed=failed), err=True)
    raise typer.Exit(worst)


def _ask(screener: Screener, file: Path, on: dt.date, lang: Lang) -> None:
    """Ask the most decisive open question, re-screen, repeat until the tier is determined or
    the user quits (q); then write the answers into the file."""
    from .project.answers import write_answers
    from .project.model import project_from_doc
    from .report.render import question_lines
    from .sources.yaml_doc import YamlDoc, read_yaml_file

    zh = lang is Lang.zh
    doc = read_yaml_file(file)
    answers: dict[str, Any] = {}
    skipped: set[str] = set()
    while True:
        data = dict(doc.data) if isinstance(doc.data, dict) else doc.data
        if answers and isinstance(data, dict):
            data["answers"] = {**(data.get("answers") or {}), **answers}
        project = project_from_doc(YamlDoc(data, doc.source, doc.lines), screener.vocabulary, base_dir=file.parent)
        decision = screener.screen(project, on=on)
        open_qs = [q for q in decision.questions if q.id not in skipped]
        if decision.status == "determined" or not open_qs:
            break
        q = open_qs[0]
        first, then = question_lines(q, screener.vocabulary, lang.value)
        typer.echo(f"\n{first}\n  {then}")
        try:
            got = _prompt(q, zh, screener.vocabulary, lang.value)
        except (typer.Abort, EOFError):  # end of input: keep what was answered
            got = None
        if got is None:
            break
        if isinstance(got, str):  # "skip"
            skipped.add(q.id)
            continue
        answers.update(got)
    if answers:
        write_answers(file, answers)
        typer.echo(("\n已写入回答：" if zh else "\nanswers written to ") + str(file), err=True)
    typer.echo("")


def _prompt(q: Any, zh: bool, vocab: Any, lang: str) -> dict[str, Any] | str | None:
    """One answer: {question id: value}; "skip" to leave it open; None to quit."""
    from .report.render import _term_label

    hint = " (y/n, s=跳过, q=结束)" if zh else " (y/n, s=skip, q=quit)"
    while True:
        if q.kind == "choice":
            for i, c in enumerate(q.choices, 1):
                typer.echo(f"  {i}. {_term_label('sensitive_areas', c, vocab, lang)}")
            raw = typer.prompt(
                ("编号，逗号分隔；0=均不涉及" if zh else "numbers, comma-separated; 0 = none") + " (s, q)"
            ).strip()
        elif q.kind == "number":
            raw = typer.prompt(f"{q.unit or ''} (s, q)").strip()
        else:
            raw = typer.prompt(hint).strip().lower()
        if raw == "q":
            return None
        if raw == "s":
            return "skip"
        if q.kind == "bool" and raw in ("y", "yes", "是", "n", "no", "否"):
            return {q.id: raw in ("y", "yes", "是")}
        if q.kind == "number":
            try:
                x = float(raw)
            except ValueError:
                x = -1.0
            if 0 <= x <= (q.max or float("inf")):
                return {q.id: int(x) if x.is_integer() else x}
            typer.echo(
                ("请输入 0 到 {m:g} 之间的数（{u}）" if zh else "enter a number from 0 to {m:g} ({u})").format(
                    m=q.max or 0, u=q.unit or ""
                )
            )
            continue
        if q.kind == "choice":
            try:
                picked = {int(p) for p in raw.replace("，", ",").split(",") if p.strip()}
            except ValueError:
                picked = {-1}
            if picked and all(0 <= p <= len(q.choices) for p in picked) and not (0 in picked and len(picked) > 1):
                return {f"sensitive_areas.{c}": i in picked for i, c in enumerate(q.choices, 1)}
        typer.echo("请重新输入" if zh else "please answer again")


@app.command()
def questions(
    path: Annotated[Path, typer.Argument(help="a project YAML file")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json")] = Format.text,
    lang: Annotated[Lang, typer.Option("--lang", help="language of text output")] = Lang.zh,
    rules: RulesOpt = None,
    zones: ZonesOpt = None,
    date: Annotated[str | None, typer.Option("--date", help="screening date (default: today)")] = None,
) -> None:
    """List the questions whose answers decide the project's tier (most decisive first), the
    assumptions the current result rests on, and given facts that nothing reads."""
    from .report.render import questions_to_dict, render_questions

    screener = _screener(rules, zones)
    decision = screener.screen(load_project(path, screener.vocabulary), on=_date(date))
    if fmt is Format.json:
        typer.echo(
            json.dumps(questions_to_dict(decision, screener.vocabulary), ensure_ascii=False, indent=2, default=str)
        )
    else:
        typer.echo(render_questions(decision, screener.vocabulary, lang.value), nl=False)


def _write_map(screener: Screener, project: Any, file: Path, map_path: Path, batch: bool) -> None:
    if project.site is None:
        raise InputError(
            "input_no_site",
            "--map needs a project with a location",
            file=str(file),
            hint="add location: to the project",
        )
    from .report.site_map import render_map
    from .zones.locate import locate

    zones = screener.zones
    if zones is None:
        raise InputError("input_no_zones", "--map needs zone layers", hint="give --zones DIR")
    out = map_path / f"{file.stem}.png" if batch else map_path
    out.parent.mkdir(parents=True, exist_ok=True)
    render_map(locate(project.site, zones, screener.buffer_m), zones, out, title=project.name)


def _report_target(report_path: Path, file: Path, batch: bool) -> Path:
    """The report file of one project: the path itself, or in a batch `folder/<stem>.pdf` or
    the pattern with `*` replaced by the project file's name."""
    from .report.document import report_format

    if batch:
        if "*" in report_path.name:
            target = report_path.with_name(report_path.name.replace("*", file.stem))
        else:
            target = report_path / f"{file.stem}.pdf"
    else:
        target = report_path
    report_format(target)
    return target


def _write_report(screener: Screener, project: Any, decision: Any, target: Path) -> None:
    from .report.document import site_map_png, write_report

    png = site_map_png(project, screener.zones, screener.buffer_m)
    write_report(decision, screener.vocabulary, target, project=project, site_map=png)


@app.command()
def vocabulary(
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.markdown,
    rules: RulesOpt = None,
    no_bundled_rules: NoBundledOpt = False,
) -> None:
    """List every term a project file may use, with its meaning and unit."""
    from .packs.ruleset import load_rules
    from .packs.vocabulary_doc import render_vocabulary

    vocab = load_rules(rules, bundled=not no_bundled_rules).vocabulary
    typer.echo(render_vocabulary(vocab, fmt.value), nl=False)


@app.command()
def codes(
    query: Annotated[list[str], typer.Argument(help="words of the Chinese name (all must match), or a code")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json")] = Format.text,
    limit: Annotated[int, typer.Option(min=1, max=500, help="at most this many codes")] = 20,
    rules: RulesOpt = None,
) -> None:
    """Find a GB/T 4754-2017 industry code by words (家具, 汽车 零部件) or list a code's children (21).

    Each code is shown with the directory items it falls into. Exit 1 when nothing matches."""
    from .packs.ruleset import load_rules

    matches = load_rules(rules).find_codes(" ".join(query), limit)
    if fmt is Format.json:
        typer.echo(json.dumps({"query": " ".join(query), "codes": [m.to_dict() for m in matches]}, ensure_ascii=False))
    else:
        for m in matches:
            where = " > ".join(name for _, name in m.path[:-1])
            items = f"  名录第{'、'.join(map(str, m.items))}项" if m.items else ""
            below = f"  (部分细分类属名录第{'、'.join(map(str, m.items_below))}项)" if m.items_below else ""
            typer.echo(f"{m.code:<5} {m.name_zh}{items}{below}" + (f"  [{where}]" if where else ""))
        if not matches:
            typer.echo(f"no GB/T 4754-2017 code matches '{' '.join(query)}'", err=True)
    raise typer.Exit(0 if matches else 1)


def _item_set(spec: str | None) -> set[int] | None:
    if not spec:
        return None
    out: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            out |= set(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            raise InputError("input_bad_items", f"'{part}' is not an item number or range like 1-35") from None
    return out


@rules_app.command("test")
def rules_test(
    items: Annotated[str | None, typer.Option(help="item numbers, e.g. 1-35,40")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list passing cases too")] = False,
    rules: RulesOpt = None,
    no_bundled_rules: NoBundledOpt = False,
    zones: ZonesOpt = None,
    coverage: Annotated[
        bool, typer.Option("--coverage", help="print which entries and clauses cases show firing and not firing")
    ] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0,
            max=100,
            help="fail when coverage is below PCT percent (then uncovered entries alone do not fail the run)",
        ),
    ] = None,
    include_bundled: Annotated[
        bool, typer.Option("--include-bundled", help="with --rules: also run the bundled packs' cases")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json (for CI)")] = Format.text,
) -> None:
    """Run the test cases beside each rule on the zone layers given (--zones; default: the bundled
    sample county); fail on a wrong answer, a list case whose site the layers do not locate, or an
    uncovered column or entry. With --threshold PCT, coverage below PCT fails instead."""
    from .packs.cases import run_suite
    from .packs.ruleset import load_rules

    selected = _item_set(items)
    screener = Screener(load_rules(rules, selected, bundled=not no_bundled_rules), zones=zones)
    only = rules if rules is not None and not include_bundled else None
    report = run_suite(screener, selected, only)
    pct = report.coverage_percent()
    if threshold is None:
        ok = report.ok
        below = False
    else:
        below = pct + 1e-9 < threshold
        ok = report.cases_ok and not below
    passed = sum(1 for r in report.results if r.ok)
    if fmt is Format.json:
        out = {
            "ok": ok,
            "passed": passed,
            "failed": len(report.results) - passed,
            "cases": [
                {
                    "where": f"item {r.item}" if isinstance(r.item, int) else r.item,
                    "name": r.name,
                    "ok": r.ok,
                    "message": r.message,
                    "file": r.file,
                    "line": r.line,
                }
                for r in report.results
            ],
            "uncovered": list(report.uncovered),
            "items_without_cases": list(report.items_without_cases),
            "coverage": {
                "percent": round(pct, 2),
                "entries_percent": round(report.coverage_percent("entry"), 2),
                "clauses_percent": round(report.coverage_percent("clause"), 2),
                "threshold": threshold,
                "rows": [c.to_dict() for c in report.coverage],
            },
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        raise typer.Exit(0 if ok else 1)
    for r in report.results:
        if verbose or not r.ok:
            where = f"item {r.item}" if isinstance(r.item, int) else r.item
            typer.echo(f"{'ok  ' if r.ok else 'FAIL'} {r.file}:{r.line}: {where}: {r.name}: {r.message}")
    if threshold is None:
        for u in report.uncovered:
            typer.echo(f"FAIL {u}: no passing case shows it")
        for n in report.items_without_cases:
            typer.echo(f"FAIL item {n}: no cases file")
    if coverage or threshold is not None:
        _coverage_table(report)
    failed = len(report.results) - passed
    if threshold is None:
        failed += len(report.uncovered) + len(report.items_without_cases)
    typer.echo(f"{passed} passed, {failed} failed")
    if below:
        typer.echo(f"FAIL coverage {pct:.1f}% is below the threshold {threshold:g}%", err=True)
    raise typer.Exit(0 if ok else 1)


def _coverage_table(report: Any) -> None:
    """One row per entry or clause: whether passing cases show it firing and not firing."""
    rows = [(c.kind, c.where, c.id, "yes" if c.fires else "NO", "yes" if c.quiet else "NO") for c in report.coverage]
    head = ("kind", "where", "id", "fires", "not fires")
    widths = [max(len(str(r[k])) for r in [head, *rows]) for k in range(len(head))]
    for r in [head, *rows]:
        typer.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    for kind in ("entry", "clause"):
        n = sum(1 for c in report.coverage if c.kind == kind)
        if n:
            plural = "entries" if kind == "entry" else "clauses"
            typer.echo(f"{kind} coverage: {report.coverage_percent(kind):.1f}% of {n} {plural} x (fires, not fires)")
    typer.echo(f"coverage: {report.coverage_percent():.1f}%")


@rules_app.command("lint")
def rules_lint(
    rules: Annotated[Path, typer.Option("--rules", help="the directory of local rule packs to check")],
    zones: ZonesOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="warnings fail the run too")] = False,
    tolerance_m2: Annotated[
        float, typer.Option("--tolerance-m2", min=0, help="control-unit gaps and overlaps up to this area are slivers")
    ] = 10.0,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json (for CI)")] = Format.text,
) -> None:
    """Check local rule packs against the zone layers they are meant for: zone codes no layer
    has, jurisdictions no admin boundary has, unquoted codes, control units that do not tile the
    jurisdiction, a work CRS of another zone, entries that never or always fire, overlapping
    versions. Exit 0 clean, 1 on errors (on warnings too with --strict)."""
    from .packs.lint import lint

    if not rules.is_dir():
        raise RuleError("rules_dir_missing", "the rules directory does not exist", file=str(rules))
    findings = lint(rules, zones, tolerance_m2=tolerance_m2)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if fmt is Format.json:
        typer.echo(
            json.dumps(
                {"ok": not failed, "errors": errors, "warnings": warnings, "findings": [f.to_dict() for f in findings]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for f in findings:
            typer.echo(str(f))
        typer.echo(f"{errors} errors, {warnings} warnings")
    raise typer.Exit(1 if failed else 0)


@rules_app.command("stats")
def rules_stats(rules: RulesOpt = None, no_bundled_rules: NoBundledOpt = False) -> None:
    """Count items, clauses, clauses with a manual check, and compiled rulesets."""
    from .packs.conditions import Manual, leaves

    screener = _screener(rules, None, no_bundled_rules)
    for pack in screener.rules.packs:
        clauses = [c for i in pack.items for col in i.columns for c in col.clauses]
        manual = [c for c in clauses if any(isinstance(leaf, Manual) for leaf in leaves(c.condition))]
        typer.echo(
            f"{pack.id} {pack.version} (from {pack.effective_from}): {len(pack.items)} items, {len(clauses)} clauses, "
            f"{len(clauses) - len(manual)} fully encoded, {len(manual)} with a manual check"
        )
        for c in manual:
            typer.echo(f"  manual: {c.id}: {c.text}")
    for engine in screener.engines.values():
        sizes = [len(rs.rules) + 1 for rs in engine.rulesets]
        typer.echo(f"{engine.pack.id} {engine.pack.version}: rulesets: {len(sizes)}, rules per ruleset: {sizes}")
    for local in screener.rules.local_packs:
        by_effect: dict[str, int] = {}
        for e in local.entries:
            by_effect[e.effect] = by_effect.get(e.effect, 0) + 1
        effects = ", ".join(f"{k} {v}" for k, v in sorted(by_effect.items()))
        typer.echo(
            f"{local.id} {local.version} ({local.jurisdiction}, from {local.effective_from}): "
            f"{len(local.lists)} lists, {len(local.entries)} entries ({effects})"
        )
    literals = {lit for ce in screener.lists.compiled.values() for c in ce.conjunctions for lit in c}
    typer.echo(f"list engine: 1 ruleset of 12 generic rules; {len(literals)} distinct literals in all entries")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on (default: loopback only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="worker processes (durable-rules is not thread-safe: scale with processes)")
    ] = 1,
    rules: RulesOpt = None,
    no_bundled_rules: NoBundledOpt = False,
    zones: ZonesOpt = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="records database (default: $ENVSCREEN_DATABASE_URL, $DATABASE_URL, else sqlite:///envscreen.db)",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level; below info the access log is off")] = "info",
) -> None:
    """Serve the HTTP API and the web page with uvicorn (docs: /docs, spec: /openapi.json)."""
    from api.serve import serve as run_server  # the adapter's one entry point, not its internals

    run_server(
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        rules_dir=str(rules) if rules else None,
        bundled_rules=not no_bundled_rules,
        zones=zones,
        database_url=database_url,
    )


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(help="a folder of project files, or a CSV, Excel or Parquet table")],
    out: Annotated[Path, typer.Option("--out", "-o", help="results.parquet, results.csv or results.xlsx")],
    rules: RulesOpt = None,
    no_bundled_rules: NoBundledOpt = False,
    zones: ZonesOpt = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", min=1, help="worker processes (default: every core)")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="run on a Dask cluster: dask://HOST:PORT (default: a local process pool)"),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="screening date when a project gives no application_date (default: today)"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="language of the summary and its error messages")] = Lang.zh,
) -> None:
    """Screen many projects on every core (or a Dask cluster): one result row per project, failures
    kept with their error (docs/batch.md). Exit 0 when all were screened, 2 when some were refused."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .batch.inputs import read_tasks
    from .batch.output import output_format, render_summary, summary, write_results
    from .batch.run import load_spec, run_batch

    output_format(out)  # a wrong suffix is refused before any work
    on = _date(date)
    tasks = list(read_tasks(source))
    console = Console(stderr=True)
    spec = load_spec(rules, zones, bundled_rules=not no_bundled_rules)
    columns = (TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=quiet) as bar:
        job = bar.add_task("screening", total=len(tasks))
        run = run_batch(
            tasks, spec, on=on, workers=workers, scheduler=scheduler, progress=lambda n: bar.advance(job, n)
        )
    write_results(run.rows, out)
    result = summary(run.rows)
    render_summary(result, console, out=str(out), workers=len(run.workers), lang=lang.value)
    raise typer.Exit(result["exit_code"])


@rules_app.command("diff")
def rules_diff(
    projects: Annotated[Path, typer.Argument(help="a folder of project files, or a CSV, Excel or Parquet table")],
    old: Annotated[Path, typer.Option("--old", help="the rules directory before the change")],
    new: Annotated[Path, typer.Option("--new", help="the rules directory after the change")],
    no_bundled_rules: NoBundledOpt = False,
    zones: ZonesOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the changed projects to diff.csv|.xlsx|.parquet")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", min=1, help="worker processes (default: every core)")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="screening date when a project gives no application_date (default: today)"),
    ] = None,
    fail_on_change: Annotated[bool, typer.Option(help="exit 1 when any project's outcome changes (for CI)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Impact of a rule change: screen PROJECTS with the --old and the --new rules (each added to the
    bundled national packs unless --no-bundled-rules) and list every project whose tier,
    admissibility or procedure changes, old -> new, with the rules that cause it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .batch import impact
    from .batch.inputs import read_tasks
    from .batch.output import output_format, write_results
    from .batch.run import load_spec, run_batch

    if out is not None:
        output_format(out)  # a wrong suffix is refused before any work
    on = _date(date)
    tasks = list(read_tasks(projects))
    console = Console(stderr=True)
    runs = []
    for label, rules in (("old", old), ("new", new)):
        spec = load_spec(rules, zones, bundled_rules=not no_bundled_rules)
        with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=console, disable=quiet) as bar:
            job = bar.add_task(label, total=len(tasks))
            step = functools.partial(bar.advance, job)
            runs.append(run_batch(tasks, spec, on=on, workers=workers, progress=step))
    rows = impact.impact_rows(runs[0].rows, runs[1].rows)
    _print_impact(rows, len(tasks))
    if out is not None:
        write_results(rows, out, impact.COLUMNS)
        typer.echo(f"{len(rows)} changed projects written to {out}")
    raise typer.Exit(1 if fail_on_change and rows else 0)


def _print_impact(rows: list[dict[str, Any]], total: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from .batch import impact

    console = Console()
    console.print(f"{total} projects screened with both rule sets: {len(rows)} change, {total - len(rows)} do not")
    if not rows:
        return
    table = Table(title="changed projects", title_justify="left")
    for col in ("project", "change (old -> new)", "rules now holding", "rules no longer holding"):
        table.add_column(col, overflow="fold")
    for r in rows:
        moves = "\n".join(
            f"{f}: {r[f'old_{f}']} -> {r[f'new_{f}']}" for f in impact.FIELDS if r[f"old_{f}"] != r[f"new_{f}"]
        )
        where = r["id"] or r["name"] or (f"{r['source']}:{r['row']}" if r["row"] is not None else r["source"])
        table.add_row(str(where), moves, r["rules_added"].replace("; ", "\n"), r["rules_removed"].replace("; ", "\n"))
    console.print(table)
    summary = Table(title="summary: projects per change", title_justify="left")
    for col in ("field", "old", "new", "projects"):
        summary.add_column(col, justify="right" if col == "projects" else "left")
    for field in impact.FIELDS:
        for (a, b), n in sorted(impact.transitions(rows, field).items(), key=lambda kv: -kv[1]):
            summary.add_row(field, str(a), str(b), str(n))
    console.print(summary)


zones_app = typer.Typer(no_args_is_help=True, help="Zone layers: copy them into PostGIS.")
app.add_typer(zones_app, name="zones")


@zones_app.command("import")
def zones_import(
    zones_dir: Annotated[Path, typer.Argument(help="zones directory with layers.yaml")],
    url: Annotated[str, typer.Argument(help="postgresql:// URL of a database with the postgis extension")],
    rules: RulesOpt = None,
    no_bundled_rules: NoBundledOpt = False,
) -> None:
    """Write every layer of a zones directory, and its manifest, into PostGIS tables;
    then `--zones postgresql://...` reads them from there."""
    from .packs.ruleset import load_rules
    from .zones.postgis import import_zones

    # the layers are checked against the vocabulary of the rules they will be screened with
    counts = import_zones(zones_dir, url, load_rules(rules, bundled=not no_bundled_rules).vocabulary)
    for layer, n in counts.items():
        typer.echo(f"{layer}: {n} features")
    typer.echo(f"{len(counts)} layers imported")


LANG_COMMANDS = {"check", "questions", "batch"}  # the verbs with --lang, Chinese unless told


def _lang_of(argv: list[str]) -> str:
    """The language of an error that ended a command: its --lang, else $ENVSCREEN_LANG, else
    Chinese for the verbs that speak it (check, questions, batch), English for the tools."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return normalize(argv[i + 1])
        if a.startswith("--lang="):
            return normalize(a.split("=", 1)[1])
    if os.environ.get("ENVSCREEN_LANG"):
        return normalize(os.environ["ENVSCREEN_LANG"])
    verb = next((a for a in argv if not a.startswith("-")), "")
    return DEFAULT_LANG if verb in LANG_COMMANDS else "en"


def main() -> None:
    """Console entry point: user mistakes exit 2 with a message, failures exit 1, never a traceback."""
    from typer.completion import completion_init

    completion_init()  # typer's completion protocol, which the scripts of `envscreen completion` speak
    try:
        # standalone_mode=False returns (not raises) the exit code of a command's typer.Exit
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except EnvscreenError as exc:
        lang = _lang_of(sys.argv[1:])
        typer.echo(f"{tr('error', lang)}: {error_text(exc, lang)}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument, bad value
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("ENVSCREEN_DEBUG"):
            raise
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc} (set ENVSCREEN_DEBUG=1 for details; please report it)",
            err=True,
        )
        sys.exit(1)

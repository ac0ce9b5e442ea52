"""Run the test cases that sit beside each rule: `items/item_NNN.cases.yaml` for the
directory, `lists/<list>.cases.yaml` for local packs (with a site, screened on the zones)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EnvscreenError, RuleError
from ..project.model import project_from_doc
from ..screener import Screener
from ..sources.yaml_doc import RULE_FILE_MAX_BYTES, YamlDoc, read_yaml_file
from .local import EntryList, LocalPack
from .ruleset import Item

_EXPECT_KEYS = {"tier", "status", "missing", "items"}
_LIST_EXPECT_KEYS = {"admissibility", "tier", "national_tier", "procedure", "fires", "may_fire", "not_fires", "status"}


@dataclass(frozen=True)
class CaseResult:
    item: int | str  # a directory item number, or "pack/list" for a local list
    name: str
    ok: bool
    message: str
    file: str
    line: int | None


@dataclass(frozen=True)
class Case:
    item: int
    name: str
    project: YamlDoc
    expect: dict[str, Any]
    file: str
    line: int | None


def cases_path(item: Item) -> Path:
    return Path(item.source).with_suffix(".cases.yaml")


def _read_cases(path: Path, expect_keys: set[str]) -> list[tuple[dict[str, Any], YamlDoc, int | None]]:
    """Each case of a cases file: the raw case, its project as a YamlDoc keeping the file's line
    numbers (with `name` and `construction: new` by default), and the case's line."""
    if not path.is_file():
        return []
    doc = read_yaml_file(path, max_bytes=RULE_FILE_MAX_BYTES)
    raw = (doc.data or {}).get("cases") if isinstance(doc.data, dict) else None
    if not isinstance(raw, list):
        raise RuleError("cases_malformed", "a cases file needs a top-level 'cases:' list", file=str(path))
    out = []
    for i, c in enumerate(raw):
        prefix = ("cases", i, "project")
        if not isinstance(c, dict) or not isinstance(c.get("project"), dict) or not isinstance(c.get("expect"), dict):
            raise RuleError(
                "cases_malformed",
                "each case needs name, project and expect",
                file=str(path),
                line=doc.line_of(("cases", i)),
            )
        bad = set(c["expect"]) - expect_keys
        if bad:
            raise RuleError(
                "cases_malformed",
                f"unknown expect keys {sorted(bad)}",
                file=str(path),
                line=doc.line_of(("cases", i, "expect")),
                hint=f"use {sorted(expect_keys)}",
            )
        data = {"name": str(c.get("name", f"case {i + 1}")), "construction": "new", **c["project"]}
        lines = {p[len(prefix) :]: ln for p, ln in doc.lines.items() if p[: len(prefix)] == prefix}
        out.append((c, YamlDoc(data=data, source=str(path), lines=lines), doc.line_of(("cases", i))))
    return out


def load_cases(item: Item) -> list[Case]:
    """Read an item's cases."""
    path = cases_path(item)
    return [
        Case(item.number, str(project.data["name"]), project, c["expect"], str(path), line)
        for c, project, line in _read_cases(path, _EXPECT_KEYS)
    ]


@dataclass(frozen=True)
class ListCase:
    where: str  # "pack/list"
    name: str
    project: YamlDoc
    on: dt.date | None
    expect: dict[str, Any]
    file: str
    line: int | None


def load_list_cases(pack: LocalPack, lst: EntryList, not_before: dt.date | None = None) -> list[ListCase]:
    """Read a list's cases; the screening date defaults to the pack's first day in force, or
    `not_before` (the first day a directory edition is in force) when that is later."""
    path = Path(lst.source).with_suffix(".cases.yaml")
    first = max(pack.effective_from, not_before) if not_before else pack.effective_from
    out = []
    for c, project, line in _read_cases(path, _LIST_EXPECT_KEYS):
        # YAML 1.1 reads a bare `on:` key as the boolean true
        raw: dict[Any, Any] = c
        on = raw.get("on", raw.get(True, first))
        out.append(
            ListCase(
                where=f"{pack.id}/{lst.id}",
                name=str(project.data["name"]),
                project=project,
                on=on if isinstance(on, dt.date) else None,
                expect=c["expect"],
                file=str(path),
                line=line,
            )
        )
    return out


def run_list_case(
    screener: Screener, case: ListCase, pack: LocalPack | None = None
) -> tuple[CaseResult, set[str], set[str]]:
    """Screen a list case; return its result, the entries it reaches (fired, or expected to
    may-fire) and the entries it shows not firing. With `pack`, a case dated outside that
    version's validity fails (it would test another version)."""

    def result(ok: bool, message: str) -> CaseResult:
        return CaseResult(case.where, case.name, ok, message, case.file, case.line)

    if pack is not None and not pack.in_force(case.on):
        return result(False, f"'on: {case.on}' is outside the validity of {pack.id} {pack.version}"), set(), set()
    try:
        d = screener.screen(project_from_doc(case.project, screener.vocabulary), on=case.on)
    except EnvscreenError as exc:
        return result(False, f"error: {exc}"), set(), set()
    where = _located(d, case, pack)
    if where:
        return result(False, where), set(), set()
    adm, local = d.admissibility, d.local
    found = [*(adm.reasons + adm.notices if adm else ()), *(local.instruments if local else ())]
    certain = {f.rule_id for f in found if f.certain}
    possible = {f.rule_id for f in found if not f.certain}
    e = case.expect
    problems = []
    checks = {
        "admissibility": adm.status if adm else None,
        "tier": d.tier,
        "national_tier": d.national_tier,
        "procedure": local.procedure if local else None,
        "status": d.status,
    }
    for key, got in checks.items():
        if key in e and e[key] != got:
            problems.append(f"{key} {got}, expected {e[key]}")
    for rid in e.get("fires", []):
        if rid not in certain:
            problems.append(f"'{rid}' did not fire (fired: {sorted(certain)}; may fire: {sorted(possible)})")
    for rid in e.get("may_fire", []):
        if rid not in possible:
            problems.append(f"'{rid}' is not among the entries that may fire {sorted(possible)}")
    for rid in e.get("not_fires", []):
        if rid in certain or rid in possible:
            problems.append(f"'{rid}' fired")
    # an entry with a manual check can only ever "may fire": that is its coverage
    reached = certain | {rid for rid in possible if rid in e.get("may_fire", [])}
    if problems:
        return result(False, "; ".join(problems)), set(), set()
    return result(True, "ok"), reached, set(e.get("not_fires", []))


def _located(d: Any, case: ListCase, pack: LocalPack | None) -> str | None:
    """Why a list case tests nothing on the layers in use, or None. A list entry is only
    screened on a located site in its pack's jurisdiction: without one, "does not fire" would
    pass without touching a layer, and "fires" fail for the wrong reason."""
    if d.location is None:
        return "the case has no site (location): list entries are only screened on a located site"
    if not any(d.location["covered"].values()):
        return (
            "the site lies outside the coverage of every zone layer: it was not located on these layers "
            "(give the pack's own layers with --zones DIR, or fix the case's point)"
        )
    if pack is not None and pack.jurisdiction != "CN" and not pack.covers(tuple(d.location["jurisdictions"])):
        return (
            f"the site lies in {d.location['jurisdictions'] or 'no admin boundary'}, outside the jurisdiction "
            f"{pack.jurisdiction} of {pack.id}: its entries were not screened "
            "(give the pack's own layers with --zones DIR)"
        )
    return None


def run_case(screener: Screener, case: Case, on: dt.date | None = None) -> CaseResult:
    """Screen an item case; `on` picks the directory edition the case belongs to."""
    return run_case_clauses(screener, case, on)[0]


def run_case_clauses(
    screener: Screener, case: Case, on: dt.date | None = None, item: Item | None = None
) -> tuple[CaseResult, set[str], set[str]]:
    """Screen an item case; also return the clauses of `item` that fire in it, and those shown
    not firing (the project matches the item, the clause is decided and does not hold)."""

    def result(ok: bool, message: str) -> CaseResult:
        return CaseResult(case.item, case.name, ok, message, case.file, case.line)

    try:
        project = project_from_doc(case.project, screener.vocabulary)
        d = screener.screen(project, on=on)
    except EnvscreenError as exc:
        return result(False, f"error: {exc}"), set(), set()
    e = case.expect
    problems = []
    if "tier" in e and d.tier != e["tier"]:
        problems.append(
            f"tier {d.tier} (status {d.status}, range {d.tier_range[0]}..{d.tier_range[1]}), expected {e['tier']}"
        )
    want_status = e.get("status", "determined" if "tier" in e else None)
    if want_status and d.status != want_status:
        problems.append(f"status {d.status}, expected {want_status}")
    named = {m.fact for m in d.missing}
    for fact in e.get("missing", []):
        if fact not in named:
            problems.append(f"'{fact}' not among the missing facts {sorted(named)}")
    matched = {o.item for o in d.items if o.matched}
    for n in e.get("items", []):
        if n not in matched:
            problems.append(f"item {n} not matched (matched: {sorted(matched)})")
    if e.get("tier") not in (None, "exempt") and "items" not in e and case.item not in matched:
        problems.append(f"the case does not match its own item {case.item} (matched: {sorted(matched)})")
    if problems or item is None:
        return result(not problems, "; ".join(problems) or "ok"), set(), set()
    fired = {f.rule_id for f in d.findings if f.item == item.number}
    undecided = {c for m in d.missing for c in m.clauses}
    quiet: set[str] = set()
    if item.number in matched:
        quiet = {c.id for col in item.columns for c in col.clauses if c.id not in fired and c.id not in undecided}
    return result(True, "ok"), fired, quiet


def _versions(screener: Screener, pack: LocalPack) -> int:
    return sum(1 for p in screener.rules.local_packs if p.id == pack.id)


@dataclass(frozen=True)
class CoverageRow:
    """One list entry or directory clause, and whether passing cases show it firing and not firing."""

    kind: str  # "entry" | "clause"
    where: str  # "pack/list" or "directory-2021 item 25"
    id: str
    file: str
    line: int | None
    fires: bool
    quiet: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "where": self.where,
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "fires": self.fires,
            "not_fires": self.quiet,
        }


@dataclass(frozen=True)
class SuiteReport:
    results: tuple[CaseResult, ...]
    uncovered: tuple[str, ...]  # "item 25 report_book" columns that no case reaches
    items_without_cases: tuple[int, ...]
    coverage: tuple[CoverageRow, ...] = ()

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.uncovered and not self.items_without_cases

    @property
    def cases_ok(self) -> bool:
        """Every case passes (coverage aside: for a run judged by a coverage threshold)."""
        return all(r.ok for r in self.results)

    def coverage_percent(self, kind: str | None = None) -> float:
        """The share of (entry or clause, fires / does not fire) pairs that passing cases show,
        in percent; 100 when there is nothing to cover."""
        rows = [r for r in self.coverage if kind is None or r.kind == kind]
        if not rows:
            return 100.0
        return 100.0 * sum(int(r.fires) + int(r.quiet) for r in rows) / (2 * len(rows))


def _under(source: str, root: Path | None) -> bool:
    if root is None:
        return True
    try:
        Path(source).resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def run_suite(screener: Screener, items: set[int] | None = None, only: Path | None = None) -> SuiteReport:
    """Run every case of the selected items; also report columns no case reaches. With `only`
    (a rules directory), only the cases of the packs loaded from it: a committee's run tests its
    own packs on its own layers, not the bundled ones' cases on layers they were not written for."""
    results: list[CaseResult] = []
    uncovered: list[str] = []
    without: list[int] = []
    coverage: list[CoverageRow] = []
    for pack in screener.rules.packs:  # each edition's cases run against that edition
        if not _under(pack.source, only):
            continue
        for item in pack.items:
            if items is not None and item.number not in items:
                continue
            cases = load_cases(item)
            if not cases:
                without.append(item.number)
                continue
            reached: set[str] = set()
            clauses_fired: set[str] = set()
            clauses_quiet: set[str] = set()
            for case in cases:
                r, on, off = run_case_clauses(screener, case, pack.effective_from, item)
                results.append(r)
                clauses_fired |= on
                clauses_quiet |= off
                if r.ok and case.expect.get("tier"):
                    reached.add(case.expect["tier"])
            uncovered += [f"item {item.number} {c.tier}" for c in item.columns if c.tier not in reached]
            coverage += [
                CoverageRow(
                    "clause",
                    f"{pack.id} {pack.version} item {item.number}",
                    c.id,
                    item.source,
                    None,
                    c.id in clauses_fired,
                    c.id in clauses_quiet,
                )
                for col in item.columns
                for c in col.clauses
            ]
    if items is None:
        quiet_ids: set[tuple[str, str, str]] = set()  # (pack, version, entry): versions share ids
        entries: list[tuple[Any, str]] = []
        fired_ids: set[tuple[str, str, str]] = set()
        for local in screener.rules.local_packs:
            if not _under(local.source, only):
                continue
            for lst in local.lists:
                fired: set[str] = set()
                quiet: set[tuple[str, str, str]] = set()
                for lc in load_list_cases(local, lst, screener.rules.packs[0].effective_from):
                    r, reached, shown_quiet = run_list_case(screener, lc, local)
                    results.append(r)
                    fired |= reached
                    # the entries a case shows quiet are those of the versions in force on its date
                    in_force = [p for p in screener.rules.local_packs if p.in_force(lc.on)]
                    quiet |= {(p.id, p.version, i) for p in in_force for i in shown_quiet}
                where = (
                    f"{local.id} {local.version}/{lst.id}" if _versions(screener, local) > 1 else f"{local.id}/{lst.id}"
                )
                uncovered += [f"entry {e.id} ({where}) firing" for e in lst.entries if e.id not in fired]
                fired_ids |= {e.key for e in lst.entries if e.id in fired}
                quiet_ids.update(quiet)
                entries += [(e, where) for e in lst.entries]
        # A case of another list may show an entry not firing (a pack's lists share sites).
        uncovered += [f"entry {e.key[2]} ({where}) not firing" for e, where in entries if e.key not in quiet_ids]
        coverage += [
            CoverageRow("entry", where, e.id, e.source, e.line, e.key in fired_ids, e.key in quiet_ids)
            for e, where in entries
        ]
    return SuiteReport(tuple(results), tuple(uncovered), tuple(without), tuple(coverage))

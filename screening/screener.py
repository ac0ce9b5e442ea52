"""The whole pipeline for one project: locate on zones -> derive facts -> evaluate rules ->
decide tier and admissibility.

No I/O in `screen`: a Screener is built once (rules compiled, engine registered, zone index
loaded) and screens any number of projects; it is safe to share between threads (see Screener)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path
from typing import Any

from .decide.admissibility import adjust_tier, assess, describe_location, jurisdiction_gaps, packs_in_force
from .decide.outcome import Decision, National
from .decide.routing import EntryIndex
from .decide.tier import decide
from .engine.durable import Engine
from .engine.local_lists import ListEngine
from .errors import RuleError
from .facts.derive import Facts, LayerKinds
from .packs.conditions import PREFIX, Cmp, leaves, zone_selector
from .packs.local import Entry, LocalPack
from .packs.ruleset import RulePack, RuleSet, load_rules
from .project.model import Project

NEARBY_M = 500.0  # zones this close are listed as "nearby" even when no rule asks that far


class Screener:
    """Compiled rules and zone index, ready to screen projects.

    `zones`: a ZoneSet, a zones directory or PostGIS URL, None for the bundled sample region
    (loaded on first use), or False for none (sites are then "not covered").
    `rules`: a RuleSet, or a directory whose packs come on top of the bundled nationwide ones
    (`bundled_rules=False`: that directory alone); None for the bundled rules.

    Threads: `screen` and `screen_many` may be called from any number of threads at once. The
    durable-rules stage runs under one process-wide lock (it is not thread-safe); the spatial
    stage runs in parallel, each concurrent call on its own prepared copy of the zone
    geometries (GEOS prepared geometries are not thread-safe), so memory grows by one copy of
    the zones per thread locating at the same moment. Scale with processes for throughput.

    >>> screener = Screener()                       # doctest: +SKIP
    >>> screener.screen(project).tier               # doctest: +SKIP
    'report_form'
    """

    def __init__(
        self, rules: RuleSet | Path | str | None = None, zones: Any = None, *, bundled_rules: bool = True
    ) -> None:
        self.rules = rules if isinstance(rules, RuleSet) else load_rules(rules, bundled=bundled_rules)
        # One engine per edition of the directory, all compiled now: a screening only picks one.
        self.engines = {(p.id, p.version): Engine(self.rules, p) for p in self.rules.packs}
        self.engine = self.engines[(self.rules.directory.id, self.rules.directory.version)]
        entries = [e for p in self.rules.local_packs for e in p.entries]
        self.lists = ListEngine(entries)
        needed = [
            zone_selector(leaf.term).get("within_m", 0.0)
            for e in entries
            for leaf in leaves(e.condition)
            if isinstance(leaf, Cmp) and leaf.key.startswith(PREFIX["zones"]) and leaf.term
        ]
        self.buffer_m = max([NEARBY_M, *needed])
        # Each pack's entries routed by the zone codes they name: a screening evaluates only
        # those of the zones it touches (decide/routing.py), not a province's thousands.
        self.routes = {(p.id, p.version): EntryIndex(p.entries, self.buffer_m) for p in self.rules.local_packs}
        self._zones_arg = zones
        self._zones: Any = None
        self._layer_kinds: dict[str, LayerKinds] = {}
        self._zone_versions: dict[str, str] = {}
        self._zones_lock = threading.Lock()
        if zones is not None and zones is not False:
            self._load_zones()

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle the loaded rules and zone index, not the engine: durable-rules state lives in
        its process, so a worker (Dask, a process pool) re-registers the rulesets on arrival."""
        zones = self._zones if self._zones is not None else self._zones_arg
        return (Screener, (self.rules, zones))

    @property
    def vocabulary(self):  # type: ignore[no-untyped-def]
        return self.rules.vocabulary

    @property
    def zones(self) -> Any:
        """The ZoneSet in use (loaded on first use when it is the bundled one), or None."""
        if self._zones is None and self._zones_arg is None:
            self._load_zones()
        return self._zones

    def _load_zones(self) -> None:
        from .zones.layers import ZoneSet, load_zones

        with self._zones_lock:
            if self._zones is not None:
                return
            arg = self._zones_arg
            # the zones are checked against the vocabulary in use (the user's terms included)
            zones = arg if isinstance(arg, ZoneSet) else load_zones(arg, vocabulary=self.vocabulary)
            kinds: dict[str, LayerKinds] = {}
            for lid, info in zones.layers.items():
                frame = zones.features[zones.features["layer"] == lid]
                sa = {str(v) for v in frame["sensitive_area"].dropna().unique()}
                if info.sensitive_area:  # an empty layer (none in the jurisdiction) still says what it maps
                    sa.add(info.sensitive_area)
                if info.kind == "ecological_red_line":
                    sa.add("ecological_red_line")
                kinds[lid] = LayerKinds(info.kind, frozenset(sa))
            self._layer_kinds = kinds
            self._zone_versions = dict(zones.versions())
            self._zones = zones

    def screen(self, project: Project, *, on: dt.date | None = None) -> Decision:
        """Return the Decision for one validated project. `on`: the date that picks the local
        packs in force when the project gives no application_date (the core never reads the clock)."""
        return self.screen_many([project], on=on)[0]

    def screen_many(self, projects: list[Project], *, on: dt.date | None = None) -> list[Decision]:
        """Screen many projects, locating all their sites with one spatial-index query (the
        path for re-screening a province's projects in batch). Same answers as `screen`."""
        located: dict[int, Any] = {}
        sited = [(i, p.site) for i, p in enumerate(projects) if p.site is not None]
        zones = self.zones if sited and self._zones_arg is not False else None
        if sited and zones is not None:
            from .zones.locate import locate_many

            located = dict(
                zip((i for i, _ in sited), locate_many([s for _, s in sited], zones, self.buffer_m), strict=True)
            )
        # Three passes, so that durable-rules runs one session per ruleset for the whole list
        # rather than two per project: facts and candidates, then the engines, then decisions.
        plans = [self._plan(p, located.get(i), on) for i, p in enumerate(projects)]
        for engine in {id(pl.engine): pl.engine for pl in plans}.values():
            mine = [pl for pl in plans if pl.engine is engine and pl.items]
            for pl, fired in zip(mine, engine.fire_many([(pl.facts, pl.items) for pl in mine]), strict=True):
                pl.fired = fired
        listed = [pl for pl in plans if pl.entries]
        answers = self.lists.evaluate_many([(pl.facts, pl.entries) for pl in listed])
        for pl, results in zip(listed, answers, strict=True):
            pl.results = results
        return [self._decide(pl) for pl in plans]

    def _plan(self, project: Project, location: Any, on: dt.date | None) -> _Plan:
        when = project.application_date or on
        directory = self.rules.directory_on(when)
        engine = self.engines[(directory.id, directory.version)]
        facts = Facts(project, engine.type_codes, location, self._layer_kinds, type_quantities=engine.type_quantities)
        items = engine.candidates(project.industry_codes, project.project_types, project.quantities)
        jurisdictions = tuple(location.jurisdictions) if location is not None else ()
        packs = packs_in_force(self.rules.local_packs, jurisdictions, when) if location is not None else []
        indexes = [self.routes[(p.id, p.version)] for p in packs]
        routed = [(index, index.candidates(facts)) for index in indexes]
        entries = [e for _, found in routed for e in found]
        _refuse_shared_ids(entries)
        return _Plan(
            project,
            location,
            when,
            directory,
            engine,
            facts,
            items,
            jurisdictions,
            packs,
            entries,
            [e for index, found in routed for e in index.site_change_entries(found)],
        )

    def _decide(self, plan: _Plan) -> Decision:
        national = decide(plan.project, plan.facts, plan.fired, plan.items, self.rules, plan.directory)
        return self._apply_local(national, plan)

    def _apply_local(self, national: National, plan: _Plan) -> Decision:
        project, facts, location, when, directory = plan.project, plan.facts, plan.location, plan.when, plan.directory
        jurisdictions, packs, entries = plan.jurisdictions, plan.packs, plan.entries
        gaps = jurisdiction_gaps(self.rules.local_packs, jurisdictions, when)
        results = _partial_instruments(plan.results, entries, packs, jurisdictions)
        units = self.rules.units
        # Covered: the whole site lies within the admin boundaries (a part outside has no known
        # jurisdiction, so no known local rules).
        admin = [lid for lid, lk in self._layer_kinds.items() if lk.kind == "admin_boundary"]
        covered = (
            location is not None and bool(jurisdictions) and any(location.covered.get(lid, False) for lid in admin)
        )
        admissibility = assess(
            results,
            entries,
            facts,
            units,
            has_site=project.site is not None,
            covered=covered,
            packs=packs,
            gaps=gaps,
        )
        local = adjust_tier(national.tier, results, entries, facts, units, directory, packs, plan.site_entries)
        final = local.final_tier
        sources = _sensitive_area_sources(project, facts, self.vocabulary) if location is not None else {}
        return Decision(
            # built once: the national fields as they are, the final tier and its procedure local
            **{f.name: getattr(national, f.name) for f in dataclasses.fields(National) if f.name not in _FINAL},
            tier=final,
            procedure=directory.tiers[final] if final else None,
            national_tier=national.tier,
            admissibility=admissibility,
            local=local,
            location=describe_location(location) if location is not None else None,
            sensitive_area_sources=sources,
            rule_packs=tuple(
                {
                    "id": p.id,
                    "version": p.version,
                    "jurisdiction": p.jurisdiction,
                    "effective_from": str(p.effective_from),
                }
                for p in packs
            ),
            zone_layers=dict(self._zone_versions) if location is not None else {},
            screened_on=when.isoformat() if when else None,
        )


_FINAL = frozenset({"tier", "procedure"})


@dataclasses.dataclass
class _Plan:
    """One screening between its passes: what the engines need, then what they answered."""

    project: Project
    location: Any
    when: dt.date | None
    directory: RulePack
    engine: Engine
    facts: Facts
    items: set[int]
    jurisdictions: tuple[str, ...]
    packs: list[LocalPack]
    entries: list[Entry]
    site_entries: list[Entry]
    fired: frozenset[str] = frozenset()
    results: dict[str, bool | None] = dataclasses.field(default_factory=dict)


def _refuse_shared_ids(entries: list[Entry]) -> None:
    """Outcomes are reported by entry id: two packs in force at one site (a border between two
    counties) must not both use an id, or one entry's outcome would hide the other's."""
    seen: dict[str, Entry] = {}
    for e in entries:
        other = seen.setdefault(e.id, e)
        if other is not e and other.pack_id != e.pack_id:
            raise RuleError(
                "rules_entry_id_clash",
                f"entry '{e.id}' is used by packs '{other.pack_id}' and '{e.pack_id}', both in force at this site",
                file=e.source,
                line=e.line,
                hint="prefix entry ids with the pack's name, e.g. county330998.region.space.1",
            )


def _partial_instruments(
    results: dict[str, bool | None], entries: list[Entry], packs: list[LocalPack], jurisdictions: tuple[str, ...]
) -> dict[str, bool | None]:
    """A tier-lowering instrument (exemption, downgrade, commitment) of a pack that covers only
    part of the site's jurisdictions (a site across two counties) may act, never certainly acts:
    the other county's rules were not written with it."""
    partial = {p.id for p in packs if p.jurisdiction != "CN" and not all(p.covers((j,)) for j in jurisdictions)}
    if not partial:
        return results
    lowering = {e.id for e in entries if e.pack_id in partial and e.effect in ("exempt", "downgrade", "commitment")}
    return {i: (None if i in lowering and r is True else r) for i, r in results.items()}


def _sensitive_area_sources(project: Project, facts: Facts, vocab: Any) -> dict[str, str]:
    """For each sensitive-area kind the site involves: whether the map, the declaration or both said so."""
    out: dict[str, str] = {}
    for kind in vocab.terms("sensitive_areas"):
        mapped = facts.mapped_sensitive_area(kind)
        declared = project.sensitive_areas is not None and kind in project.sensitive_areas
        if mapped is True and declared:
            out[kind] = "map+declared"
        elif mapped is True:
            out[kind] = "map"
        elif declared:
            out[kind] = "declared" if mapped is not False else "declared (map shows none)"
    return out

"""Stage 5b, decide admissibility and the final tier: apply the local packs' entries.

The directory gives the national tier (decision.py). Here the list entries that hold at the
site decide whether the site is admissible at all (prohibited / conditional / admissible, or
needs manual review when facts or zone coverage are missing), and the local instruments
(exemption catalog, reform-area downgrade, notification-commitment approval, local time
limits) turn the national tier into the final one. A possible (unknown) entry never lowers a
tier: it is reported with the facts that would decide it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InputError
from ..facts.derive import Facts
from ..packs.conditions import PREFIX, Cmp, evaluate, leaves
from ..packs.local import Entry, LocalPack
from ..packs.ruleset import TIER_RANK, TIERS, RulePack
from ..zones.locate import ZoneHit
from .explain import explain
from .missing import missing_facts
from .outcome import Admissibility, EntryFinding, JurisdictionGap, LocalTier, Missing, SiteChange

ADMISSIBILITY = ("admissible", "conditional", "prohibited", "needs_manual_review", "not_assessed")


def packs_in_force(packs: Sequence[LocalPack], jurisdictions: tuple[str, ...], on: dt.date | None) -> list[LocalPack]:
    """The local packs for the site's jurisdictions in force on `on`: at most one version of each
    pack (versions never overlap, checked at load). Without a date a pack with several versions
    cannot be chosen: an input error, never a guess."""
    chosen: dict[str, LocalPack] = {}
    for p in packs:
        if not p.in_force(on) or not (p.jurisdiction == "CN" or p.covers(jurisdictions)):
            continue
        if p.id in chosen:
            raise InputError(
                "input_date_required",
                f"pack '{p.id}' has several versions ({chosen[p.id].version}, {p.version}): the screening needs a date",
                field="application_date",
                hint="give the project an application_date, or a screening date (--date, on=)",
            )
        chosen[p.id] = p
    return sorted(chosen.values(), key=lambda p: (len(p.jurisdiction), p.id))


def jurisdiction_gaps(
    packs: Sequence[LocalPack], jurisdictions: tuple[str, ...], on: dt.date | None
) -> tuple[JurisdictionGap, ...]:
    """The site's admin codes that no local pack in force on `on` covers, each with why. The
    nationwide packs (jurisdiction CN) carry national law only, never a county's access lists,
    so they never cover a county: a site in a county without its own pack cannot be admissible."""
    gaps = []
    for code in jurisdictions:
        own = [p for p in packs if p.jurisdiction != "CN" and p.covers((code,))]
        if any(p.in_force(on) for p in own):
            continue
        if on is not None and (later := [p for p in own if on < p.effective_from]):
            p = min(later, key=lambda p: p.effective_from)
            gaps.append(JurisdictionGap(code, "not_yet_in_force", p.id, p.version, p.effective_from.isoformat()))
        elif own:
            p = max(own, key=lambda p: p.effective_to or dt.date.max)
            gaps.append(JurisdictionGap(code, "expired", p.id, p.version, str(p.effective_to)))
        else:
            gaps.append(JurisdictionGap(code, "no_pack"))
    return tuple(gaps)


def candidates(entries: Sequence[Entry], facts: Facts) -> list[Entry]:
    """Entries whose `applies` part may hold at the site: cheap routing, like the directory's."""
    return [e for e in entries if evaluate(e.applies, facts) is not False]


def assess(
    results: Mapping[str, bool | None],
    entries: Sequence[Entry],
    facts: Facts,
    units: Mapping[str, str | None],
    *,
    has_site: bool,
    covered: bool,
    packs: Sequence[LocalPack],
    gaps: Sequence[JurisdictionGap] = (),
) -> Admissibility:
    """Admissibility from the entries that hold: prohibited > needs review > conditional > admissible.
    A site not wholly covered by the zone layers, or with an admin code that no local pack in
    force covers (`gaps`), is at best needs_manual_review: a missing pack never makes it better."""
    if not has_site:
        return Admissibility(
            "not_assessed",
            (),
            (),
            (),
            "未提供项目位置（location），未做选址准入（三线一单、园区负面清单）判断。",
            "No site (location) given: siting admissibility (zoning, park negative lists) was not assessed.",
        )
    by_id = {e.id: e for e in entries}
    found = [_finding(by_id[i], r is True, facts, units) for i, r in results.items() if r is not False]
    reasons = [f for f in found if f.effect in ("prohibited", "restricted", "required")]
    notices = tuple(f for f in found if f.effect == "notice")
    uncertain = [by_id[f.rule_id] for f in reasons if not f.certain]
    missing = _missing(uncertain, facts)
    if any(f.effect == "prohibited" and f.certain for f in reasons):
        status = "prohibited"
    elif not covered or not packs or gaps or any(f.effect == "prohibited" for f in reasons):
        status = "needs_manual_review"
    elif reasons:
        status = "conditional"
    else:
        status = "admissible"
    zh, en = _message(status, covered, bool(packs), gaps)
    reasons.sort(key=lambda f: (not f.certain, ("prohibited", "restricted", "required").index(f.effect), f.rule_id))
    return Admissibility(status, tuple(reasons), notices, missing, zh, en, tuple(gaps))


def adjust_tier(
    national: str | None,
    results: Mapping[str, bool | None],
    entries: Sequence[Entry],
    facts: Facts,
    units: Mapping[str, str | None],
    directory: RulePack,
    packs: Sequence[LocalPack],
    site_entries: Sequence[Entry] | None = None,
) -> LocalTier:
    """The final tier and procedure: exemption catalog, then the reform-area downgrade, then
    notification-commitment eligibility, then local time limits. `site_entries`: the entries
    whose zones could be advice to move the site (default: every entry of `packs`; the screener
    gives the candidates and the instruments, routing.EntryIndex.site_change_entries)."""
    by_id = {e.id: e for e in entries}
    acted: list[EntryFinding] = []
    final = national

    def holding(effect: str, tier: str | None) -> tuple[list[Entry], list[Entry]]:
        sure = [by_id[i] for i, r in results.items() if r is True and by_id[i].effect == effect]
        maybe = [by_id[i] for i, r in results.items() if r is None and by_id[i].effect == effect]
        if tier is not None and effect in ("exempt", "downgrade", "commitment"):
            sure = [e for e in sure if tier in e.tiers]
            maybe = [e for e in maybe if tier in e.tiers]
        return sure, maybe

    def note(es: list[Entry], certain: bool) -> None:
        acted.extend(_finding(e, certain, facts, units) for e in es)

    if final is not None:
        sure, maybe = holding("exempt", final)
        note(sure, True)
        note(maybe, False)
        if sure:
            final = "exempt"

    def applies(effect: str, tier: str) -> bool:
        """Whether an instrument certainly applies: it holds and no exclusion holds or may hold;
        every entry involved is noted, so the reader sees why it did or did not."""
        sure, maybe = holding(effect, tier)
        excluded, excluded_maybe = holding(effect + "_excluded", None)
        if sure or maybe:
            note(sure, True)
            note(maybe, False)
            note(excluded, True)
            note(excluded_maybe, False)
        return bool(sure) and not excluded and not excluded_maybe

    if final in ("report_book", "report_form", "registration") and applies("downgrade", final):
        final = TIERS[TIER_RANK[final] - 1]
    procedure = directory.tiers[final].procedure if final else None
    tier_info = directory.tiers[final] if final else None
    days = tier_info.time_limit_days if tier_info else None
    day_kind, basis = "calendar", tier_info.basis if tier_info else ""
    local = next((p.procedures[final] for p in reversed(packs) if final and final in p.procedures), None)
    steps = ("", "")
    if local and procedure == "approval" and local.approval_days is not None:
        days, day_kind, basis = local.approval_days, local.day_kind, local.basis
        steps = (local.approval_steps_zh, local.approval_steps_en)
    if final in ("report_book", "report_form") and applies("commitment", final):
        procedure = "notification_commitment"
        if local and local.commitment_days is not None:
            days, day_kind, basis = local.commitment_days, local.day_kind, local.basis
        if local:
            steps = (local.commitment_steps_zh, local.commitment_steps_en)
    return LocalTier(
        national_tier=national,
        final_tier=final,
        procedure=procedure,
        time_limit_days=days,
        day_kind=day_kind,
        basis=basis,
        instruments=tuple(_dedupe(acted)),
        changes=site_changes(
            results, [e for p in packs for e in p.entries] if site_entries is None else site_entries, facts
        ),
        next_steps_zh=steps[0],
        next_steps_en=steps[1],
    )


def _all_entries(packs: Sequence[LocalPack]) -> list[Entry]:
    return [e for p in packs for e in p.entries]


def site_changes(results: Mapping[str, bool | None], entries: Sequence[Entry], facts: Facts) -> tuple[SiteChange, ...]:
    """Moves of the site that alone would help the project: leaving the zone of a prohibition or
    condition that holds, or entering the zone of an exemption, downgrade or commitment whose
    project part holds and whose exclusions certainly do not."""
    helpful_inside = ("exempt", "downgrade", "commitment")
    excluded = {
        "downgrade": [e for e in entries if e.effect == "downgrade_excluded"],
        "commitment": [e for e in entries if e.effect == "commitment_excluded"],
    }
    out: dict[tuple[str, str, str], SiteChange] = {}
    for e in entries:
        r = results.get(e.id, False)  # an entry not evaluated had an `applies` part that fails here
        if e.effect in ("prohibited", "restricted") and r is True:
            op = "outside"
        elif e.effect in helpful_inside and r is False and evaluate(e.when, facts) is True:
            if any(evaluate(x.when, facts) is not False for x in excluded.get(e.effect, [])):
                continue
            op = "inside"
        else:
            continue
        for leaf in leaves(e.applies):
            if not isinstance(leaf, Cmp) or not leaf.key.startswith(PREFIX["zones"]) or leaf.op != "eq":
                continue
            if leaf.term and "admin_boundary" in leaf.term:
                continue  # leaving the county is no advice
            if evaluate(e.condition, facts, {leaf: op == "inside"}) is (op == "inside"):
                key = (e.id, op, leaf.term or "")
                out.setdefault(key, SiteChange(e.id, e.effect, op, (leaf.term or "",), e.text, e.text_en))
    for e in entries:  # zones named in a prohibition's own condition (red line, water source)
        if e.effect != "prohibited" or results.get(e.id) is not True:
            continue
        for leaf in leaves(e.when):
            if isinstance(leaf, Cmp) and leaf.key.startswith(PREFIX["zones"]) and evaluate(leaf, facts) is True:
                if evaluate(e.condition, facts, {leaf: False}) is False:
                    inside_now = (leaf.op == "eq") == bool(leaf.value)
                    key = (e.id, "outside" if inside_now else "inside", leaf.term or "")
                    out.setdefault(key, SiteChange(e.id, e.effect, key[1], (leaf.term or "",), e.text, e.text_en))
    return tuple(list(out.values())[:8])


def _finding(e: Entry, certain: bool, facts: Facts, units: Mapping[str, str | None]) -> EntryFinding:
    evidence = tuple(explain(e.condition, facts, units)) if certain else ()
    zones: list[ZoneHit] = []
    for leaf in leaves(e.condition):
        if isinstance(leaf, Cmp) and leaf.key.startswith(PREFIX["zones"]) and leaf.term:
            zones += [h for h in facts.zone_matches(leaf.term) if h not in zones]
    return EntryFinding(
        rule_id=e.id,
        pack=e.pack_id,
        list_id=e.list_id,
        dimension=e.dimension,
        effect=e.effect,
        certain=certain,
        text=e.text,
        text_en=e.text_en,
        citation=e.citation,
        evidence=evidence,
        zones=tuple(zones),
    )


def _missing(uncertain: Sequence[Entry], facts: Facts) -> tuple[Missing, ...]:
    return missing_facts(
        (None, e.id, leaf)
        for e in uncertain
        for leaf in leaves(e.condition)
        if isinstance(leaf, Cmp) and leaf.key not in facts and facts.get(leaf.key) is None
    )


def _dedupe(findings: list[EntryFinding]) -> list[EntryFinding]:
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.rule_id not in seen:
            seen.add(f.rule_id)
            out.append(f)
    return out


def _gap_text(g: JurisdictionGap) -> tuple[str, str]:
    if g.reason == "not_yet_in_force":
        return (
            f"辖区 {g.jurisdiction} 的地方规则包 {g.pack} {g.version} 自 {g.date} 起施行，申请日尚未生效",
            f"the local pack {g.pack} {g.version} of {g.jurisdiction} only takes effect on {g.date}",
        )
    if g.reason == "expired":
        return (
            f"辖区 {g.jurisdiction} 的地方规则包 {g.pack} {g.version} 已于 {g.date} 失效",
            f"the local pack {g.pack} {g.version} of {g.jurisdiction} expired on {g.date}",
        )
    return (f"辖区 {g.jurisdiction} 没有已加载的地方准入规则包", f"no local pack is loaded for {g.jurisdiction}")


def _message(status: str, covered: bool, has_packs: bool, gaps: Sequence[JurisdictionGap] = ()) -> tuple[str, str]:
    if not covered:
        return (
            "项目位置不在已加载分区图层的覆盖范围内，无法判断选址准入，需人工核实。",
            "The site lies outside the coverage of the loaded zone layers: siting needs a manual review.",
        )
    if gaps:
        zh = "；".join(_gap_text(g)[0] for g in gaps)
        en = "; ".join(_gap_text(g)[1] for g in gaps)
        if status == "prohibited":
            return (
                f"选址不符合准入要求：存在禁止类情形（另：{zh}，地方准入要求未核）。",
                f"The site is not admissible: a prohibition applies (and {en}: local access lists not checked).",
            )
        return (
            f"{zh}，地方准入要求（三线一单、园区负面清单等）无法判断，选址准入需人工核实。",
            f"No local pack in force covers the site: {en}. Local access lists could not be checked: "
            "siting needs a manual review.",
        )
    if not has_packs:
        return (
            "项目所在辖区没有已加载且有效的地方准入规则包，选址准入需人工核实。",
            "No local rule pack in force covers the site's jurisdiction: siting needs a manual review.",
        )
    return {
        "prohibited": ("选址不符合准入要求：存在禁止类情形。", "The site is not admissible: a prohibition applies."),
        "needs_manual_review": (
            "可能存在禁止类情形，所需信息不足，需补充信息或人工核实。",
            "A prohibition may apply; the facts given do not decide it. Supply them or have it reviewed.",
        ),
        "conditional": (
            "选址可准入，但须满足所列管控要求。",
            "The site is admissible on the conditions listed.",
        ),
        "admissible": (
            "未发现禁止或限制类情形，选址可准入。",
            "No prohibition or restriction applies: the site is admissible.",
        ),
    }[status]


def describe_location(location: Any) -> dict[str, Any]:
    """A plain summary of a Location for the decision (rendering reads only this)."""
    from shapely.geometry import mapping

    from screening.schemas import rounded

    def hit(h: Any) -> dict[str, Any]:
        return {
            "layer": h.layer,
            "kind": h.kind,
            "code": h.code,
            "name": h.name,
            "relation": h.relation,
            "distance_m": rounded("distance_m", h.distance_m),
            "overlap_share": rounded("overlap_share", h.overlap_share),
            "unit_class": h.unit_class,
            "sensitive_area": h.sensitive_area,
            "protection_class": h.protection_class,
            "park_type": h.park_type,
        }

    site = location.site
    return {
        "site": {
            "kind": site.kind,
            "crs": site.crs,
            "geometry": mapping(site.geometry),
            "warnings": list(site.warnings),
        },
        "hits": [hit(h) for h in location.hits],
        "nearby": [hit(h) for h in location.nearby],
        "covered": dict(location.covered),
        "jurisdictions": list(location.jurisdictions),
        "buffer_m": rounded("buffer_m", location.buffer_m),
    }

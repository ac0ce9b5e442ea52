"""`envscreen rules lint`: find what makes a rule pack silently wrong on the zone layers it is
meant for, before a case or a screening does. Every finding names a file and line, a severity
and a hint; loading stops at the first error, lint goes on and reports them all.

Findings (docs/rule-packs.md, "Linting a pack"):
  load_error            the pack (or the layers) does not load: the loader's own error
  unquoted_code         a code written as a plain YAML number (`0313` is octal to YAML 1.1)
  unknown_zone_code     an entry names a unit / park / area code no layer of that kind has
  unknown_zone_kind     an entry names a zone kind no layer has (undecided at every site)
  unknown_jurisdiction  the pack's jurisdiction matches no admin code of the layers
  never_fires           an entry's conditions contradict each other
  always_fires          an entry without conditions: every project in the jurisdiction
  overlapping_versions  two versions of a pack in force on the same day
  work_crs_outside_zone the layers lie outside the area of use of the work CRS
  tiling_gap            part of the jurisdiction lies in no control unit
  tiling_overlap        two control units overlap
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
import yaml
from pyproj import CRS

from ..errors import EnvscreenError
from ..sources.yaml_doc import RULE_FILE_MAX_BYTES, read_yaml_file
from ..zones.layers import MANIFEST_NAME, ZoneSet
from .conditions import All, AnyOf, Cmp, Manual, Node, leaves, nnf, zone_selector
from .local import LocalPack, load_local_pack, pack_kind

ERROR, WARNING = "error", "warning"
# Keys whose values are codes: identifiers made of digits that must stay text.
CODE_KEYS = ("code", "industry_code", "industry_codes", "jurisdiction")
# A DNF larger than this is not expanded (the check is skipped, never guessed).
MAX_CONJUNCTS = 512
# Gap and overlap areas at or below this many m² are digitising noise, not a finding: a 2 km
# shared edge whose vertices are rounded to the millimetre (a projected layer) leaves about 2 m².
# `envscreen rules lint --tolerance-m2` has the same default.
DEFAULT_TOLERANCE_M2 = 10.0


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning
    file: str
    line: int | None
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        at = f"{self.file}:{self.line}" if self.line else self.file
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{at}: {self.severity}: {self.code}: {self.message}{hint}"


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def ok(self, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


def _from_error(exc: EnvscreenError, fallback: str) -> Finding:
    return Finding("load_error", ERROR, exc.file or fallback, exc.line, f"{exc.code}: {exc.message}", exc.hint or "")


# ---------------------------------------------------------------- raw YAML


def unquoted_codes(path: Path) -> list[Finding]:
    """Codes written as plain YAML numbers, found in the raw YAML (the parsed value has lost
    how it was written: `0313` is already 203, or refused by the reader)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return []  # the loader reports unreadable YAML
    out: list[Finding] = []

    def scalar(node: yaml.ScalarNode, key: str) -> None:
        if node.style is not None or not re.fullmatch(r"[0-9][0-9_]*", node.value):
            return
        line = node.start_mark.line + 1
        text = node.value
        if text.startswith("0") and len(text) > 1:
            out.append(
                Finding(
                    "unquoted_code",
                    ERROR,
                    str(path),
                    line,
                    f"{key}: {text} is a plain YAML number: YAML 1.1 reads a leading 0 as octal, so the code "
                    f"is lost (the loader refuses it, or it never matches)",
                    f'quote it: {key}: "{text}"',
                )
            )
        else:
            out.append(
                Finding(
                    "unquoted_code",
                    WARNING,
                    str(path),
                    line,
                    f"{key}: {text} is a plain YAML number, not text: it only works while it has no leading 0",
                    f'quote it: {key}: "{text}"',
                )
            )

    def walk(node: yaml.Node, key: str | None) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(v, k.value if isinstance(k, yaml.ScalarNode) else None)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                walk(v, key)
        elif isinstance(node, yaml.ScalarNode) and key in CODE_KEYS:
            scalar(node, key)

    if root is not None:
        walk(root, None)
    return out


# ---------------------------------------------------------------- conditions


def _dnf(node: Node) -> list[list[Cmp | Manual]] | None:
    """The conjuncts of `node` (in negation normal form); None when there are too many."""
    if node is True:
        return [[]]
    if node is False:
        return []
    if isinstance(node, (Cmp, Manual)):
        return [[node]]
    if isinstance(node, AnyOf):
        out: list[list[Cmp | Manual]] = []
        for c in node.children:
            sub = _dnf(c)
            if sub is None:
                return None
            out += sub
            if len(out) > MAX_CONJUNCTS:
                return None
        return out
    if isinstance(node, All):
        acc: list[list[Cmp | Manual]] = [[]]
        for c in node.children:
            sub = _dnf(c)
            if sub is None or len(acc) * len(sub) > MAX_CONJUNCTS:
                return None
            acc = [a + b for a in acc for b in sub]
        return acc
    return None  # Not: absent from the normal form


def _contradiction(conj: list[Cmp | Manual]) -> str | None:
    """Why no project can meet every leaf of `conj`, or None."""
    by_key: dict[str, list[Cmp]] = {}
    for leaf in conj:
        if isinstance(leaf, Cmp):
            by_key.setdefault(leaf.key, []).append(leaf)
    units: set[str] = set()
    for leaf in conj:
        # control units tile the jurisdiction: a site lies in one unit, never in two
        if isinstance(leaf, Cmp) and leaf.section == "zones" and leaf.op == "eq" and leaf.value is True:
            sel = zone_selector(str(leaf.term))
            if sel.get("kind") == "control_unit" and "code" in sel and "within_m" not in sel:
                units.add(str(sel["code"]))
    if len(units) > 1:
        return f"the site would lie in control units {', '.join(sorted(units))} at once"
    for key, cmps in by_key.items():
        name = cmps[0].term or key
        eqs = {repr(c.value) for c in cmps if c.op == "eq"}
        if len(eqs) > 1:
            return f"{name} must equal {' and '.join(sorted(eqs))} at once"
        for c in cmps:
            if c.op == "eq" and any(o.op == "neq" and o.value == c.value for o in cmps):
                if c.value is True:
                    return f"{c.section} {name} must hold and not hold"
                return f"{name} must be and not be {c.value!r}"
        nums = [c for c in cmps if c.op in ("gte", "gt", "lt", "lte") and isinstance(c.value, (int, float))]
        for a, b in itertools.product(nums, nums):
            if a.op in ("gte", "gt") and b.op in ("lt", "lte"):
                if a.value > b.value or (a.value == b.value and (a.op == "gt" or b.op == "lt")):
                    return f"{name} {a.op} {a.value:g} and {b.op} {b.value:g} cannot both hold"
    return None


def _never(condition: Node) -> str | None:
    if condition is False:
        return "its condition is false"
    conjuncts = _dnf(condition)
    if conjuncts is None:
        return None
    reasons = [_contradiction(c) for c in conjuncts]
    if conjuncts and all(reasons):
        return "; ".join(dict.fromkeys(r for r in reasons if r))
    return None


def _condition_findings(pack: LocalPack) -> list[Finding]:
    out: list[Finding] = []
    for e in pack.entries:
        why = _never(e.condition)
        if why:
            out.append(
                Finding(
                    "never_fires",
                    ERROR,
                    e.source,
                    e.line,
                    f"entry '{e.id}' can never fire: {why}",
                    "check the 'all:' lists of applies and when (one of the values is likely a typo)",
                )
            )
        elif e.condition is True or _never(nnf(e.condition, negate=True)):
            what = "has no conditions" if e.condition is True else "has conditions that always hold"
            out.append(
                Finding(
                    "always_fires",
                    WARNING,
                    e.source,
                    e.line,
                    f"entry '{e.id}' {what}: it fires ({e.effect}) for every project anywhere in {pack.jurisdiction}",
                    "give it 'applies: {zone: ...}' or a 'when:' condition, unless it truly binds every project",
                )
            )
    return out


def _version_findings(packs: list[LocalPack]) -> list[Finding]:
    out: list[Finding] = []
    groups: dict[str, list[LocalPack]] = {}
    for p in packs:
        groups.setdefault(p.id, []).append(p)
    for pid, group in groups.items():
        ordered = sorted(group, key=lambda p: p.effective_from)
        for a, b in itertools.combinations(ordered, 2):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                doc = read_yaml_file(Path(b.source) / "pack.yaml", max_bytes=RULE_FILE_MAX_BYTES)
                out.append(
                    Finding(
                        "overlapping_versions",
                        ERROR,
                        str(Path(b.source) / "pack.yaml"),
                        doc.line_of(("effective_from",)),
                        f"pack '{pid}': version {a.version} ({a.effective_from} to {a.effective_to or 'open'}) "
                        f"overlaps version {b.version} (from {b.effective_from}): which applies on a day in both "
                        "would depend on folder order",
                        f"give version {a.version} an effective_to before {b.effective_from} "
                        f"(in {Path(a.source) / 'pack.yaml'})",
                    )
                )
    return out


# ---------------------------------------------------------------- packs against layers


def _zone_code_findings(pack: LocalPack, zones: ZoneSet) -> list[Finding]:
    out: list[Finding] = []
    feats = zones.features
    codes: dict[str, set[str]] = {
        str(kind): {str(c) for c in group["code"] if c is not None} for kind, group in feats.groupby("kind")
    }
    kinds = {info.kind for info in zones.layers.values()}
    for e in pack.entries:
        named = {str(leaf.term) for leaf in leaves(e.condition) if isinstance(leaf, Cmp) and leaf.section == "zones"}
        for term in sorted(named):
            sel = zone_selector(term)
            if str(sel["kind"]) not in codes and str(sel["kind"]) not in kinds:
                out.append(
                    Finding(
                        "unknown_zone_kind",
                        WARNING,
                        e.source,
                        _line_of_value(e.source, e.line, str(sel["kind"])),
                        f"entry '{e.id}' names zones of kind {sel['kind']}, but no layer has that kind: "
                        "the entry is left undecided (may fire) at every site",
                        f"add a {sel['kind']} layer to the zones (an empty one with none_in_jurisdiction: true "
                        "if the jurisdiction has none)",
                    )
                )
                continue
            if "code" not in sel:
                continue
            kind, code = str(sel["kind"]), str(sel["code"])
            have = codes.get(kind, set())
            if code in have:
                continue
            elsewhere = sorted(k for k, cs in codes.items() if code in cs)
            hint = (
                f"the layers have {code} as a {elsewhere[0]}, not a {kind}"
                if elsewhere
                else (
                    f"did you mean {', '.join(_near(code, have))}?"
                    if _near(code, have)
                    else f"no layer of kind {kind}"
                    if not have
                    else f"{len(have)} {kind} codes in the layers, e.g. {', '.join(sorted(have)[:3])}"
                )
            )
            out.append(
                Finding(
                    "unknown_zone_code",
                    ERROR,
                    e.source,
                    _line_of_value(e.source, e.line, code),
                    f"entry '{e.id}' names {kind} {code}, which no zone layer has: it can never fire",
                    hint,
                )
            )
    return out


def _near(code: str, have: set[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(code, sorted(have), n=2, cutoff=0.8)


def _line_of_value(path: str, start: int | None, value: str) -> int | None:
    """The first line at or after the entry's line that names `value` (the code's own line)."""
    if start is None:
        return None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return start
    for i in range(start - 1, len(lines)):
        if i > start - 1 and lines[i].lstrip().startswith("- id:"):
            break
        if re.search(rf"\b{re.escape(value)}\b", lines[i]):
            return i + 1
    return start


def _admin_codes(zones: ZoneSet) -> set[str]:
    feats = zones.features
    return {str(c) for c in feats.loc[feats["kind"] == "admin_boundary", "code"] if c is not None}


def _jurisdiction_findings(pack: LocalPack, zones: ZoneSet) -> list[Finding]:
    if pack.jurisdiction == "CN":
        return []
    admin = _admin_codes(zones)
    if any(a.startswith(pack.jurisdiction) for a in admin):
        return []
    doc = read_yaml_file(Path(pack.source) / "pack.yaml", max_bytes=RULE_FILE_MAX_BYTES)
    return [
        Finding(
            "unknown_jurisdiction",
            ERROR,
            str(Path(pack.source) / "pack.yaml"),
            doc.line_of(("jurisdiction",)),
            f"pack '{pack.id}' is for jurisdiction {pack.jurisdiction}, but no admin boundary of the layers has "
            f"that code ({', '.join(sorted(admin)) or 'no admin_boundary layer'}): its entries are never screened",
            "use the 6-digit admin code of the county (or the 2/4-digit prefix of a province/city) the layers draw",
        )
    ]


def _manifest(zones: ZoneSet) -> tuple[str, Any]:
    path = Path(zones.root) / MANIFEST_NAME if "://" not in zones.root else Path(zones.root)
    try:
        return str(path), read_yaml_file(path)
    except (EnvscreenError, OSError):
        return str(path), None


def _layer_line(doc: Any, layer_id: str) -> int | None:
    if doc is None or not isinstance(doc.data, dict):
        return None
    for i, spec in enumerate(doc.data.get("layers") or []):
        if isinstance(spec, dict) and spec.get("id") == layer_id:
            return doc.line_of(("layers", i))
    return None


def _work_crs_findings(zones: ZoneSet) -> list[Finding]:
    crs = CRS.from_user_input(zones.region.work_crs)
    area = crs.area_of_use
    if area is None or zones.features.empty:
        return []
    lon0, lat0, lon1, lat1 = zones.to_wgs84(shapely.box(*zones.features.total_bounds)).bounds
    # Gauss-Kruger zones are drawn edge to edge: a layer up to a few km over the edge is normal
    slack = 0.1
    if (
        lon0 >= area.west - slack
        and lon1 <= area.east + slack
        and lat0 >= area.south - slack
        and lat1 <= area.north + slack
    ):
        return []
    path, doc = _manifest(zones)
    line = doc.line_of(("region", "work_crs")) if doc is not None else None
    mid = (lon0 + lon1) / 2
    cm = round(mid / 3) * 3
    gk = 4534 + (cm - 75) // 3 if 75 <= cm <= 135 else None  # 3-degree GK CM zones: EPSG 4534 (75E) .. 4554 (135E)
    return [
        Finding(
            "work_crs_outside_zone",
            ERROR,
            path,
            line,
            f"work_crs {zones.region.work_crs} ({crs.name}) is meant for {area.west:g}..{area.east:g}E, "
            f"{area.south:g}..{area.north:g}N; the layers lie at {lon0:.3f}..{lon1:.3f}E, {lat0:.3f}..{lat1:.3f}N: "
            "distances and areas would be distorted",
            f'use the zone of the layers, e.g. work_crs: "EPSG:{gk}" (CGCS2000 3-degree GK CM {cm}E)'
            if gk
            else "use a projected CRS whose area of use holds the layers",
        )
    ]


def _tiling_findings(zones: ZoneSet, tolerance_m2: float) -> list[Finding]:
    """Control units should tile the jurisdiction: a site in no unit gets no unit's rules, a site
    in two gets both. Areas in m² in the work CRS."""
    feats = zones.features
    units = feats[feats["kind"] == "control_unit"]
    admin = feats[feats["kind"] == "admin_boundary"]
    if units.empty or admin.empty:
        return []
    path, doc = _manifest(zones)
    layer = str(units["layer"].iloc[0])
    line = _layer_line(doc, layer)
    out: list[Finding] = []
    jurisdiction = shapely.union_all(admin.geometry.values)
    tiled = shapely.union_all(units.geometry.values)
    gap = shapely.difference(jurisdiction, tiled)
    if gap.area > tolerance_m2:
        parts = sorted(shapely.get_parts(gap), key=lambda g: -g.area)
        where = zones.to_wgs84(parts[0].representative_point())
        out.append(
            Finding(
                "tiling_gap",
                ERROR,
                path,
                line,
                f"{gap.area:,.0f} m² of the jurisdiction lie in no control unit of layer '{layer}' "
                f"({len(parts)} pieces; the largest, {parts[0].area:,.0f} m², near {where.x:.5f}E {where.y:.5f}N)",
                "extend the neighbouring units to close the gap (units must tile the jurisdiction)",
            )
        )
    spill = shapely.difference(tiled, jurisdiction)
    if spill.area > tolerance_m2:
        where = zones.to_wgs84(spill.representative_point())
        out.append(
            Finding(
                "tiling_gap",
                WARNING,
                path,
                line,
                f"{spill.area:,.0f} m² of control units of layer '{layer}' lie outside the admin boundary "
                f"(near {where.x:.5f}E {where.y:.5f}N)",
                "clip the units to the jurisdiction, or check that both layers are the same edition",
            )
        )
    geoms = units.geometry.values
    codes = [str(c) for c in units["code"]]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        area = shapely.intersection(geoms[i], geoms[j]).area
        if area > tolerance_m2:
            where = zones.to_wgs84(shapely.intersection(geoms[i], geoms[j]).representative_point())
            out.append(
                Finding(
                    "tiling_overlap",
                    ERROR,
                    path,
                    line,
                    f"control units {codes[i]} and {codes[j]} of layer '{layer}' overlap by {area:,.0f} m² "
                    f"(near {where.x:.5f}E {where.y:.5f}N): a site there gets the rules of both",
                    "move the shared edge so that each place lies in one unit",
                )
            )
    return out


# ---------------------------------------------------------------- the run


def pack_dirs(rules_dir: Path) -> list[Path]:
    return sorted(p.parent for p in rules_dir.glob("*/pack.yaml"))


def lint(
    rules_dir: Path | str,
    zones: Path | str | None = None,
    *,
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
) -> list[Finding]:
    """Lint the local packs of `rules_dir` against the zone layers `zones` (a directory or
    manifest URL; None: the bundled sample region) and the layers themselves."""
    from ..zones.layers import load_zones
    from .ruleset import TIERS, default_rules_dir, extend_vocabulary
    from .vocabulary import load_vocabulary

    rules_dir = Path(rules_dir)
    findings: list[Finding] = []
    try:
        base = default_rules_dir()
        vocab = load_vocabulary(base)
        if rules_dir.resolve() != base.resolve():
            vocab = extend_vocabulary(vocab, rules_dir)
    except EnvscreenError as exc:
        return [_from_error(exc, str(rules_dir))]
    zone_set: ZoneSet | None
    try:
        zone_set = load_zones(zones, vocabulary=vocab)
    except EnvscreenError as exc:
        findings.append(_from_error(exc, str(zones)))
        zone_set = None
    loaded: list[LocalPack] = []
    for d in pack_dirs(rules_dir):
        for f in sorted(d.rglob("*.yaml")):
            findings += unquoted_codes(f)
        try:
            if pack_kind(d) != "local":
                continue  # the directory's editions: checked at load and by `rules test`
            pack = load_local_pack(d, vocab, TIERS)
        except EnvscreenError as exc:
            findings.append(_from_error(exc, str(d / "pack.yaml")))
            continue
        loaded.append(pack)
        findings += _condition_findings(pack)
        if zone_set is not None:
            findings += _jurisdiction_findings(pack, zone_set)
            findings += _zone_code_findings(pack, zone_set)
    findings += _version_findings(loaded)
    if zone_set is not None:
        findings += _work_crs_findings(zone_set)
        findings += _tiling_findings(zone_set, tolerance_m2)
    # one finding per place and kind (a raw-YAML finding may repeat the loader's refusal)
    unique = list(dict.fromkeys(findings))
    unique.sort(key=lambda f: (f.file, f.line or 0, f.code))
    return unique

"""Report stage, the document: a Decision as a pre-screening opinion (预审意见) in PDF or Word.

The opinion is written in Chinese, for the file of an agency or a park committee. It reads
only the Decision (and, for the project's own declared codes and types, the Project); it
never evaluates a rule. One neutral outline (`outline`) is built first and both writers
(reportlab for PDF, python-docx for DOCX) lay out the same blocks, so the two forms always
say the same thing.

>>> write_report(decision, vocab, "opinion.pdf", project=project, site_map=png)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import io
import os
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..decide.outcome import Decision
from ..errors import InputError, SetupError, did_you_mean
from ..packs.vocabulary import Vocabulary
from ..project.model import Project
from .render import (
    _L,
    _ZONE_WORDS,
    _term_label,
    _zone_text,
    assumption_text,
    evidence_text,
    fact_label,
    question_lines,
    tier_label,
    warning_text,
    zone_label,
)

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The font the PDF embeds (its glyphs subset into the file): Debian's fonts-wqy-microhei, the
# CJK font scripts/apt-packages.txt installs. Word documents name fonts instead of embedding
# them: Word on Chinese Windows has SimSun; LibreOffice maps it to an installed CJK font.
CJK_FONT_FAMILY = "WenQuanYi Micro Hei"
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
_KNOWN_FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
DOCX_EAST_ASIAN_FONT = "SimSun"

# 三线一单 access lists: the four dimensions every control unit's list has (生态环境分区管控),
# in the order the official tables use; other dimensions (park negative lists) follow if hit.
CORE_DIMENSIONS = ("space_layout", "emission_control", "risk_prevention", "resource_efficiency")
_DIMENSION_ZH = {
    "space_layout": "空间布局约束",
    "emission_control": "污染物排放管控",
    "risk_prevention": "环境风险防控",
    "resource_efficiency": "资源开发效率要求",
    "negative_list": "园区、改革区域负面清单",
    "exemption_catalog": "豁免环评手续名录",
    "commitment": "告知承诺制审批",
    "reform_area": "区域环评+环境标准改革",
    "quota": "总量控制",
}
_EFFECT_ZH = {
    "prohibited": "禁止",
    "restricted": "限制",
    "required": "管控要求",
    "notice": "提示",
    "exempt": "豁免环评手续",
    "downgrade": "类别降一级",
    "downgrade_excluded": "不适用降级",
    "commitment": "告知承诺制审批",
    "commitment_excluded": "不适用告知承诺制",
}
_STATUS_ZH = {
    "determined": "已确定",
    "needs_more_information": "需要补充信息，暂不能确定",
    "needs_manual_check": "需人工核实，暂不能确定",
}
_SITE_KIND_ZH = {"point": "点位", "line": "线路", "polygon": "地块"}
CONFORMS, NOT_CONFORMS, TO_CHECK = "符合", "不符合", "需核实"
DISCLAIMER = (
    "本意见由开源规则引擎 envscreen 依据所列规则包和图层自动生成，仅为环评准入预审参考意见，"
    "不是行政许可或审批决定；项目的环评类别、审批程序和选址准入以有审批权的生态环境主管部门的意见为准。"
    "envscreen 随附的示例分区图层和 sample-county 规则包描述的是虚构的“示例县”，仅供演示："
    "依据它们得出的内容（见“规则包与图层版本”）不具有任何实际效力。"
)
TITLE = "建设项目环评准入预审意见"


# ---------------------------------------------------------------- the outline


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # shares of the text width, summing to 1
    group_rows: tuple[int, ...] = ()  # rows that are a group title spanning the table


@dataclass(frozen=True)
class Picture:
    png: bytes
    caption: str


Block = Heading | Para | Bullets | Table | Picture


@dataclass(frozen=True)
class Outline:
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    footer: str = field(default="envscreen 预审参考意见 · 以生态环境主管部门意见为准")


def outline(
    d: Decision, vocab: Vocabulary, *, project: Project | None = None, site_map: bytes | None = None
) -> Outline:
    """Return the opinion's blocks, in order, built from the decision alone (the project only
    adds what was declared: codes, types, construction kind)."""
    L = _L["zh"]
    blocks: list[Block] = []
    blocks += _project_blocks(d, vocab, project)
    blocks += _result_blocks(d)
    blocks += _zoning_blocks(d, vocab)
    blocks += _sensitive_blocks(d, vocab)
    blocks.append(Heading("五、项目位置图"))
    if site_map:
        blocks.append(Picture(site_map, "图 1 项目位置与所涉分区（图层为所列版本）"))
    elif d.location:
        blocks.append(Para("未附位置图（未加载可绘制的分区图层）。"))
    else:
        blocks.append(Para("项目未提供位置（location），无位置图。"))
    blocks += _rule_blocks(d, vocab)
    blocks += _open_blocks(d, vocab)
    blocks += _version_blocks(d)
    blocks.append(Heading("九、声明"))
    blocks.append(Para(DISCLAIMER))
    date = d.screened_on or "—"
    subtitle = f"{L['project']}：{d.project}　　预审日期：{date}"
    return Outline(TITLE, subtitle, tuple(blocks))


def _codes(d: Decision, project: Project | None) -> list[str]:
    if project is not None:
        return list(project.industry_codes)
    # Without the project: the codes the directory items read (their evidence), in order.
    seen: list[str] = []
    for o in d.items:
        for e in o.evidence:
            if e.fact == "industry_codes" and str(e.value) not in seen:
                seen.append(str(e.value))
    return seen


def _site_text(d: Decision) -> str:
    if not d.location:
        return "未提供"
    site = d.location["site"]
    geometry = site["geometry"]
    kind = _SITE_KIND_ZH.get(site["kind"], site["kind"])
    coords = _positions(geometry)
    if site["kind"] == "point" and coords:
        where = f"{coords[0][0]:.6f}, {coords[0][1]:.6f}"
    else:
        lon = sum(c[0] for c in coords) / max(len(coords), 1)
        lat = sum(c[1] for c in coords) / max(len(coords), 1)
        where = f"{len(coords)} 个顶点，顶点平均位置 {lon:.6f}, {lat:.6f}"
    crs = str(site.get("crs", "")).upper()
    given = f"；申报坐标系 {crs}" if crs and crs != "WGS84" else ""
    places = "、".join(d.location.get("jurisdictions") or []) or "—"
    return f"{kind}（WGS84 经度, 纬度）：{where}{given}；行政区划代码：{places}"


def _positions(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """Every position of a GeoJSON geometry, flattened."""
    out: list[tuple[float, float]] = []

    def walk(c: Any) -> None:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            out.append((float(c[0]), float(c[1])))
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)

    walk(geometry.get("coordinates", []))
    return out


def _project_blocks(d: Decision, vocab: Vocabulary, project: Project | None) -> list[Block]:
    rows = [("项目名称", d.project), ("项目编号", d.project_id or (project.id if project else None) or "—")]
    codes = _codes(d, project)
    rows.append(("国民经济行业代码（GB/T 4754-2017）", "、".join(codes) or "—"))
    if project is not None:
        types = "、".join(_term_label("project_types", t, vocab, "zh") for t in project.project_types)
        rows.append(("项目类型", types or "—"))
        rows.append(("建设性质", _term_label("construction_kinds", project.construction, vocab, "zh")))
    rows.append(("项目位置", _site_text(d)))
    items = "；".join(f"第{o.item}项 {o.text}" + ("" if o.matched else "（可能属于，信息不足）") for o in d.items)
    rows.append(("对应的名录项目", items or _L["zh"]["none_listed"]))
    return [Heading("一、项目概况"), Table(("事项", "内容"), tuple(rows), (0.26, 0.74))]


def _procedure_rows(d: Decision) -> list[tuple[str, str]]:
    L = _L["zh"]
    local, p = d.local, d.procedure
    if local and local.procedure and local.final_tier:
        if local.time_limit_days:
            kind = L["day_" + local.day_kind]
            limit = (
                f"{local.time_limit_days} 个{kind}" if local.day_kind != "calendar" else f"{local.time_limit_days} 日"
            )
            limit += "（自受理之日起）"
        else:
            limit = L["no_limit"]
        return [("审批程序", L["proc_" + local.procedure]), ("审批时限", limit), ("程序依据", local.basis or "—")]
    if p:
        limit = L["limit"].format(d=p.time_limit_days) if p.time_limit_days else L["no_limit"]
        return [("审批程序", L["proc_" + p.procedure]), ("审批时限", limit), ("程序依据", p.basis or "—")]
    return [("审批程序", "类别未确定，程序待定")]


def _result_blocks(d: Decision) -> list[Block]:
    L = _L["zh"]
    lo, hi = d.tier_range
    final = tier_label(d.tier, "zh") if d.tier else f"未确定（可能为 {tier_label(lo, 'zh')} 至 {tier_label(hi, 'zh')}）"
    national = d.national_tier if d.local else d.tier
    rows = [
        ("预审结论状态", _STATUS_ZH.get(d.status, d.status)),
        ("建议环评类别（经地方政策调整后）", final),
        ("国家名录类别", tier_label(national, "zh") if national else "未确定"),
    ]
    rows += _procedure_rows(d)
    a = d.admissibility
    if a:
        rows.append(("选址准入", f"{L['adm_' + a.status]}：{a.message_zh}"))
    else:
        rows.append(("选址准入", L["adm_not_assessed"]))
    blocks: list[Block] = [Heading("二、预审结论"), Table(("事项", "意见"), tuple(rows), (0.3, 0.7))]
    steps: list[str] = []
    if a and a.status == "prohibited":
        steps.append(L["steps_prohibited"])
    local_steps = d.local.next_steps_zh if d.local else ""
    if local_steps or d.procedure:
        steps.append(local_steps or (d.procedure.next_steps_zh if d.procedure else ""))
    if steps:
        blocks += [Para("下一步：", strong=True), Bullets(tuple(s for s in steps if s))]
    return blocks


def _conformity(f: Any) -> str:
    if not f.certain:
        return TO_CHECK
    if f.effect == "prohibited":
        return NOT_CONFORMS
    return f"{CONFORMS}（须落实该要求）"


def _situation(f: Any, d: Decision, vocab: Vocabulary) -> str:
    if not f.certain:
        wanted = [m for m in (d.admissibility.missing if d.admissibility else ()) if f.rule_id in m.clauses]
        need = "、".join(fact_label(m.fact, vocab, "zh") for m in wanted) or "相关事实"
        return f"可能适用：尚缺{need}，无法判断"
    ev = [evidence_text(e, vocab, "zh") for e in f.evidence if e.fact != "zones"]
    ev += [_zone_text(z, "zh") for z in f.zones if z.kind != "admin_boundary"]
    return "；".join(ev) or "适用"


def _unit_codes(f: Any) -> set[str]:
    return {z.code for z in f.zones if z.kind == "control_unit"}


def _scope(f: Any) -> str:
    """Where an entry holds: `unit` (it names control units), `zone` (it names other zones: a red
    line, a water source, a park) or `county` (the region itself, or no zone: a county-wide list)."""
    kinds = {z.kind for z in f.zones} - {"admin_boundary"}
    return "unit" if "control_unit" in kinds else "zone" if kinds else "county"


def _zoning_blocks(d: Decision, vocab: Vocabulary) -> list[Block]:
    """The 三线一单 conformity table: for each control unit the site lies in, each dimension of
    the access lists with the entries that hold there (a county-wide entry holds in every unit);
    then the entries of the other zones the site touches (red line, water source, park)."""
    head: list[Block] = [Heading("三、“三线一单”符合性分析")]
    a = d.admissibility
    if a is None or a.status == "not_assessed" or not d.location:
        return head + [Para(a.message_zh if a else "未提供项目位置，未做选址准入分析。")]
    findings = [*a.reasons, *a.notices]
    covered = d.location.get("covered") or {}
    checked = not a.jurisdiction_gaps and all(covered.values())
    units = [z for z in d.location["hits"] if z["kind"] == "control_unit"]
    groups: list[tuple[str, str | None]] = [
        (
            f"环境管控单元：{z['name']}（{z['code']}，"
            f"{_ZONE_WORDS['zh'].get(z.get('unit_class') or '', '')}单元；{_L['zh']['rel_' + z['relation']]}）",
            z["code"],
        )
        for z in units
    ] or [("选址未落在已加载图层的环境管控单元内（以下为适用于选址的总体要求）", None)]
    rows: list[tuple[str, ...]] = []
    group_rows: list[int] = []

    def row(f: Any) -> tuple[str, ...]:
        label = _DIMENSION_ZH.get(f.dimension, f.dimension)
        kind = _EFFECT_ZH.get(f.effect, f.effect)
        return (label, f"【{kind}】{f.citation}", _situation(f, d, vocab), _conformity(f))

    for title, code in groups:
        group_rows.append(len(rows))
        rows.append((title,) * 4)  # a title row: spans the table (the Word writer merges its cells)
        here = [
            f
            for f in findings
            if _scope(f) == "county" or (_scope(f) == "unit" and (code is None or code in _unit_codes(f)))
        ]
        dims = list(CORE_DIMENSIONS) + sorted({f.dimension for f in here} - set(CORE_DIMENSIONS))
        for dim in dims:
            label = _DIMENSION_ZH.get(dim, dim)
            of_dim = [f for f in here if f.dimension == dim]
            rows += [row(f) for f in of_dim]
            if not of_dim:
                if checked:
                    rows.append((label, "未触发本维度的禁止、限制或管控类条款", "—", CONFORMS))
                else:
                    rows.append((label, "地方准入清单未能核对", a.message_zh, TO_CHECK))
    elsewhere = [f for f in findings if _scope(f) == "zone"]
    if elsewhere:
        names: list[str] = []
        for f in elsewhere:
            names += [f"{z.name}（{z.code}）" for z in f.zones if z.kind != "admin_boundary"]
        group_rows.append(len(rows))
        rows.append((f"选址涉及的其他管控分区：{'、'.join(dict.fromkeys(names))}",) * 4)
        rows += [row(f) for f in elsewhere]
    table = Table(
        ("管控维度", "管控要求（条款及依据）", "项目情况", "符合性"),
        tuple(rows),
        (0.15, 0.45, 0.28, 0.12),
        tuple(group_rows),
    )
    summary = Para(f"分析结论：{_L['zh']['adm_' + a.status]}。{a.message_zh}", strong=True)
    return head + [table, summary]


def _zone_kind(z: dict[str, Any], vocab: Vocabulary) -> str:
    if z.get("sensitive_area"):
        return _term_label("sensitive_areas", z["sensitive_area"], vocab, "zh")
    words = _ZONE_WORDS["zh"]
    base = words.get(z["kind"], z["kind"])
    extra = "".join(words.get(str(z[k]), "") for k in ("unit_class", "park_type", "protection_class") if z.get(k))
    return f"{base}（{extra}）" if extra else base


def _sensitive_blocks(d: Decision, vocab: Vocabulary) -> list[Block]:
    head: list[Block] = [Heading("四、环境敏感区及周边分区")]
    if not d.location:
        return head + [Para("项目未提供位置，未做空间分析。")]
    L = _L["zh"]
    zones = [z for z in [*d.location["hits"], *d.location["nearby"]] if z["kind"] != "admin_boundary"]
    rows = tuple(
        (
            z["name"],
            _zone_kind(z, vocab),
            z["code"],
            L["rel_" + z["relation"]] if "rel_" + z["relation"] in L else z["relation"],
            "0" if z["relation"] != "nearby" else f"{z['distance_m']:g}",
        )
        for z in zones
    )
    blocks: list[Block] = list(head)
    buffer = d.location.get("buffer_m")
    blocks.append(Para(f"选址及其周边 {buffer:g} 米范围内的分区（距离为至选址边界的最近距离，米）："))
    if rows:
        blocks.append(Table(("名称", "类型", "编号", "关系", "距离（米）"), rows, (0.3, 0.24, 0.22, 0.12, 0.12)))
    else:
        blocks.append(Para("范围内未发现已加载图层中的分区。"))
    if d.sensitive_area_sources:
        src = "；".join(
            f"{_term_label('sensitive_areas', k, vocab, 'zh')}：{L['src_' + v]}"
            for k, v in d.sensitive_area_sources.items()
        )
        blocks.append(Para(f"{L['sources']}：{src}"))
    return blocks


def _rule_blocks(d: Decision, vocab: Vocabulary) -> list[Block]:
    rows: list[tuple[str, ...]] = []
    for f in d.findings:
        shown = "；".join(evidence_text(e, vocab, "zh") for e in f.evidence) or "—"
        rows.append((f.rule_id, f"{tier_label(f.tier, 'zh')}", f.citation, shown))
    entries = [
        *(d.admissibility.reasons if d.admissibility else ()),
        *(d.admissibility.notices if d.admissibility else ()),
        *(d.local.instruments if d.local else ()),
    ]
    for x in entries:
        certainty = _L["zh"]["certain"] if x.certain else _L["zh"]["possible"]
        ev = [evidence_text(e, vocab, "zh") for e in x.evidence if e.fact != "zones"]
        ev += [_zone_text(z, "zh") for z in x.zones]
        rows.append(
            (x.rule_id, f"{_EFFECT_ZH.get(x.effect, x.effect)}（{certainty}）", x.citation, "；".join(ev) or "—")
        )
    blocks: list[Block] = [Heading("六、触发的规则及依据")]
    if rows:
        blocks.append(Table(("规则", "结果", "条款及依据", "证据"), tuple(rows), (0.16, 0.14, 0.42, 0.28)))
    else:
        blocks.append(Para("没有规则触发（名录未列出本项目的行业或类型）。"))
    if d.notes:
        blocks.append(Para("适用说明：", strong=True))
        blocks.append(Bullets(tuple(n.zh for n in d.notes)))
    return blocks


def _open_blocks(d: Decision, vocab: Vocabulary) -> list[Block]:
    L = _L["zh"]
    blocks: list[Block] = [Heading("七、尚需补充或核实的事项")]

    def part(title: str, items: Iterable[str]) -> None:
        items = tuple(items)
        if items:
            blocks.extend([Para(title, strong=True), Bullets(items)])

    part(
        "需要补充的信息（环评类别）：",
        (
            f"{fact_label(m.fact, vocab, 'zh', ask=True)} — {L['affects'].format(items='、'.join(map(str, m.items)))}"
            for m in d.missing
        ),
    )
    if d.admissibility:
        part(
            "需要补充的信息（选址准入）：",
            (f"{fact_label(m.fact, vocab, 'zh', ask=True)} — {'、'.join(m.clauses)}" for m in d.admissibility.missing),
        )
    part("需要回答的问题：", ("；".join(question_lines(q, vocab, "zh")) for q in d.questions))
    part(
        "需人工核实：",
        (f"{L['item'].format(n=mc.item)}「{mc.clause_text}」：{mc.check}" for mc in d.manual_checks),
    )
    part("结论所依据的假定：", (assumption_text(a, vocab, "zh") for a in d.assumptions))
    part("提醒：", (warning_text(w, vocab, "zh") for w in d.warnings))
    changes = [
        f"{evidence_text(c, vocab, 'zh')} {L['would_make'].format(item=c.item, tier=tier_label(c.tier, 'zh'))}"
        for c in d.changes
    ]
    for sc in d.local.changes if d.local else ():
        zones = "、".join(zone_label(z, vocab, "zh") for z in sc.zones)
        changes.append(f"{L['move_' + sc.op].format(zone=zones)} → [{sc.rule_id}] {sc.text}")
    part("可能改变结论的情形：", changes)
    if len(blocks) == 1:
        blocks.append(Para("无。"))
    return blocks


def _version_blocks(d: Decision) -> list[Block]:
    rows: list[tuple[str, ...]] = []
    rp = d.rule_pack
    if rp:
        rows.append(("国家名录规则包", rp.get("id", "—"), rp.get("version", "—"), rp.get("title", "")))
    for p in d.rule_packs:
        note = f"辖区 {p.get('jurisdiction')}，自 {p.get('effective_from')} 施行"
        rows.append(("地方规则包", str(p.get("id")), str(p.get("version")), note))
    for layer, version in d.zone_layers.items():
        rows.append(("分区图层", layer, version, ""))
    return [
        Heading("八、规则包与图层版本"),
        Table(("类型", "标识", "版本", "说明"), tuple(rows), (0.18, 0.3, 0.14, 0.38)),
        Para(f"预审日期（确定所适用规则包版本的日期）：{d.screened_on or '—'}"),
    ]


# ---------------------------------------------------------------- formats and paths


def report_format(path: Path | str) -> str:
    """Return `pdf` or `docx` from a report path's extension; raise InputError otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    close = did_you_mean(suffix, FORMATS) if suffix else None
    guess = next((f for f in FORMATS if close and f"'{f}'" in close), None)
    raise InputError(
        "input_report_format",
        f"a report is written as .pdf or .docx, not '{Path(path).suffix or 'no extension'}'",
        file=str(path),
        field="--report",
        hint=f"did you mean '{Path(path).with_suffix('.' + guess)}'?" if guess else "name the file out.pdf or out.docx",
    )


def render_report(
    d: Decision,
    vocab: Vocabulary,
    fmt: str,
    *,
    project: Project | None = None,
    site_map: bytes | None = None,
) -> bytes:
    """Return the opinion as the bytes of a PDF (`fmt` "pdf") or Word document ("docx")."""
    if fmt not in FORMATS:
        raise InputError(
            "input_report_format",
            f"report format '{fmt}' is not pdf or docx",
            field="format",
            hint=did_you_mean(fmt, FORMATS) or "use pdf or docx",
        )
    doc = outline(d, vocab, project=project, site_map=site_map)
    if fmt == "docx":
        return _docx(doc)
    with _PDF_LOCK:
        return _pdf(doc)


def write_report(
    d: Decision,
    vocab: Vocabulary,
    path: Path | str,
    *,
    project: Project | None = None,
    site_map: bytes | None = None,
) -> Path:
    """Write the opinion to `path` (its extension gives the format) and return the path."""
    out = Path(path)
    data = render_report(d, vocab, report_format(out), project=project, site_map=site_map)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(
            "input_report_unwritable",
            f"cannot write the report to '{out}': {exc.strerror or exc}",
            file=str(out),
            field="--report",
            hint="choose a path in a folder you can write to",
        ) from None
    return out


def site_map_png(project: Project, zones: Any, buffer_m: float) -> bytes | None:
    """The PNG map of the project's site over the zone layers (as `check --map` draws it), or
    None without a site or layers. Drawing is not deciding: the zones are only looked up."""
    if project.site is None or zones is None:
        return None
    import tempfile

    from ..zones.locate import locate
    from .site_map import render_map

    with tempfile.TemporaryDirectory(prefix="envscreen-map-") as tmp:
        out = render_map(locate(project.site, zones, buffer_m), zones, Path(tmp) / "site.png", title=project.name)
        return out.read_bytes()


@functools.cache
def cjk_font_file() -> Path:
    """The CJK font file the PDF embeds; raise SetupError naming the Debian package if missing."""
    candidates: list[str] = []
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", CJK_FONT_FAMILY], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        if found and "wqy" in os.path.basename(found).lower():  # fc-match falls back to any font
            candidates.append(found)
    except (OSError, subprocess.SubprocessError):
        pass  # no fontconfig: the known path below
    candidates += _KNOWN_FONT_PATHS
    for c in candidates:
        if Path(c).is_file():
            return Path(c)
    raise SetupError(
        "report_no_cjk_font",
        f"the CJK font '{CJK_FONT_FAMILY}' the PDF report embeds is not installed",
        hint=f"install the Debian package {CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE}), "
        "or write the report as .docx",
    )


# ---------------------------------------------------------------- PDF (reportlab)

_PDF_FONT = "envscreen-cjk"
# reportlab keeps state in module globals and in the registered font object that every document
# shares (its subsets); it does not promise thread safety, and the API renders in worker threads.
# One PDF at a time per process (about 0.13 s each, measured by scripts/benchmark_report.py).
_PDF_LOCK = threading.Lock()


@functools.cache
def _register_font() -> str:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = cjk_font_file()
    # A .ttc holds several faces: the first is the proportional Micro Hei. reportlab embeds
    # only the glyphs used (a subset), so the file stays small.
    pdfmetrics.registerFont(TTFont(_PDF_FONT, str(path), subfontIndex=0))
    # The face has no bold: <b> maps to the same face (drawn with a stroke, below), never to a
    # standard Type 1 font, which has no Chinese glyphs and is not embedded.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(_PDF_FONT, bold, italic, _PDF_FONT)
    return _PDF_FONT


def _pdf(doc: Outline) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as RLTable

    font = _register_font()
    # wordWrap CJK: Chinese text has no spaces, so lines may break between any two characters.
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=12)
    head_cell = ParagraphStyle("head_cell", parent=cell, textColor=colors.white)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    subtitle = ParagraphStyle("subtitle", parent=base, fontSize=10, alignment=1, textColor=colors.HexColor("#444444"))
    heading = ParagraphStyle(
        "heading", parent=base, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4, keepWithNext=True
    )
    strong = ParagraphStyle("strong", parent=base, spaceBefore=4, keepWithNext=True)
    caption = ParagraphStyle("caption", parent=cell, alignment=1)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    width = A4[0] - 36 * mm
    story: list[Any] = [p(doc.title, title), p(doc.subtitle, subtitle), Spacer(1, 6 * mm)]
    for b in doc.blocks:
        if isinstance(b, Heading):
            story.append(p(b.text, heading))
        elif isinstance(b, Para):
            story.append(p(b.text, strong if b.strong else base))
        elif isinstance(b, Bullets):
            story.append(
                ListFlowable(
                    [ListItem(p(i, base), leftIndent=12) for i in b.items],
                    bulletType="bullet",
                    bulletFontName=font,
                    start="•",
                    leftIndent=12,
                )
            )
        elif isinstance(b, Table):
            data = [[p(h, head_cell) for h in b.header]]
            data += [[p(c, cell) for c in r] for r in b.rows]
            t = RLTable(data, colWidths=[w * width for w in b.widths], repeatRows=1)
            style = [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#35556f")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
            for g in b.group_rows:
                style += [("SPAN", (0, g + 1), (-1, g + 1)), ("BACKGROUND", (0, g + 1), (-1, g + 1), "#e4ecf2")]
            for i, r in enumerate(b.rows, 1):
                verdict = r[-1]
                if verdict.startswith(NOT_CONFORMS):
                    style.append(("BACKGROUND", (-1, i), (-1, i), colors.HexColor("#f6d0c8")))
                elif verdict == TO_CHECK:
                    style.append(("BACKGROUND", (-1, i), (-1, i), colors.HexColor("#fbeec2")))
            t.setStyle(TableStyle(style))
            story += [t, Spacer(1, 2 * mm)]
        elif isinstance(b, Picture):
            img = Image(io.BytesIO(b.png))
            scale = min(width / img.imageWidth, 120 * mm / img.imageHeight)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            # With its heading: a heading alone at the foot of a page, the map on the next, reads badly.
            head = [story.pop()] if story and getattr(story[-1], "style", None) is heading else []
            story.append(KeepTogether([*head, img, p(b.caption, caption)]))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(18 * mm, 10 * mm, doc.footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    template = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{doc.title}：{doc.subtitle}",
        author="envscreen",
        subject=TITLE,
        # Reproducible bytes for one decision: no creation time or random document id.
        invariant=True,
        # The canvas starts in our font, so no unembedded standard font (Helvetica) is declared.
        initialFontName=font,
    )
    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


# ---------------------------------------------------------------- DOCX (python-docx)


def _docx(doc: Outline) -> bytes:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.8)
    width = section.page_width - section.left_margin - section.right_margin

    def east_asian(style_or_run: Any, size: float | None = None) -> None:
        # Word picks the East Asian font from rFonts/@w:eastAsia, which python-docx does not set.
        font = style_or_run.font
        if size:
            font.size = Pt(size)
        rpr = style_or_run.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), DOCX_EAST_ASIAN_FONT)
        # A theme font, where the template's style names one, would win over the named font.
        fonts.attrib.pop(qn("w:eastAsiaTheme"), None)

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet"):
        east_asian(document.styles[name])
    east_asian(document.styles["Normal"], 10.5)

    t = document.add_paragraph(style="Title")
    t.alignment = WD_ALIGN_PARAGRAPH.CENTER
    t.add_run(doc.title)
    sub = document.add_paragraph(doc.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for b in doc.blocks:
        if isinstance(b, Heading):
            document.add_heading(b.text, level=1)
        elif isinstance(b, Para):
            para = document.add_paragraph()
            para.add_run(b.text).bold = b.strong
        elif isinstance(b, Bullets):
            for item in b.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(b, Table):
            table = document.add_table(rows=1 + len(b.rows), cols=len(b.header))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for i, h in enumerate(b.header):
                c = table.rows[0].cells[i]
                c.text = ""
                run = c.paragraphs[0].add_run(h)
                run.bold = True
            # The header row repeats on every page the table spans.
            trpr = table.rows[0]._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            trpr.append(repeat)
            for r, row in enumerate(b.rows, 1):
                cells = table.rows[r].cells
                if r - 1 in b.group_rows:
                    merged = cells[0].merge(cells[-1])
                    merged.text = ""
                    merged.paragraphs[0].add_run(row[0]).bold = True
                    continue
                for i, text in enumerate(row):
                    cells[i].text = text
                    if i == len(row) - 1 and text.startswith(NOT_CONFORMS):
                        for run in cells[i].paragraphs[0].runs:
                            run.font.color.rgb = RGBColor(0xB0, 0x20, 0x10)
                            run.bold = True
            for row in table.rows:
                for i, c in enumerate(row.cells):
                    c.width = int(width * b.widths[i])
                    for para in c.paragraphs:
                        for run in para.runs:
                            run.font.size = Pt(9)
        elif isinstance(b, Picture):
            document.add_picture(io.BytesIO(b.png), width=width)
            cap = document.add_paragraph(b.caption)
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.text = doc.footer
    props = document.core_properties
    props.title, props.author, props.subject = f"{doc.title}：{doc.subtitle}", "envscreen", TITLE
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def content_disposition(project_name: str, fmt: str) -> str:
    """An attachment header whose file name is the project's (RFC 6266: an ASCII fallback and
    the UTF-8 name in filename*)."""
    from urllib.parse import quote

    stem = "".join(ch for ch in project_name if ch not in '\\/:*?"<>|\r\n\t').strip()[:80] or "envscreen"
    name = f"预审意见-{stem}.{fmt}"
    return f"attachment; filename=\"envscreen-report.{fmt}\"; filename*=UTF-8''{quote(name)}"

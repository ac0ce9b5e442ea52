"""Stage 6, report: render a Decision as text (zh/en), Markdown or JSON. Reads only."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .. import schemas
from ..decide.outcome import Assumption, Change, Decision, Evidence, FactWarning, Question
from ..packs.vocabulary import Vocabulary

JSON_SCHEMA = "envscreen/decision/v2"

_L = {
    "zh": {
        "project": "项目",
        "result": "结论",
        "tier": "环评类别",
        "status_needs_more_information": "需要补充信息，暂不能确定",
        "status_needs_manual_check": "需人工核实，暂不能确定",
        "range": "可能的类别",
        "procedure": "程序",
        "limit": "法定审批时限：{d} 日（自受理之日起）",
        "no_limit": "无审批时限",
        "basis": "依据",
        "items": "对应的名录项目",
        "item": "第{n}项",
        "possible_item": "（可能属于，信息不足）",
        "findings": "触发的规则（条款与证据）",
        "evidence": "证据",
        "missing": "需要补充的信息",
        "questions": "需要回答的问题（按顺序；envscreen check --ask 逐一询问）",
        "assumptions": "结论所依据的假定",
        "warnings": "提醒",
        "affects": "影响第{items}项",
        "asked": "涉及",
        "manual": "需人工核实",
        "changes": "什么会改变结论",
        "notes": "适用说明",
        "next": "下一步",
        "would_make": "将使第{item}项成为「{tier}」",
        "none_listed": "名录未列出本项目的行业或类型",
        "contains": "包含",
        "within": "属于",
        "any_of": "之一",
        "not": "不",
        "lacks": "不包含",
        "proc_approval": "审批",
        "proc_online_filing": "网上备案（无需审批）",
        "proc_none": "无需环评手续",
        "proc_notification_commitment": "告知承诺制审批",
        "national": "国家名录类别",
        "final_note": "经地方政策调整后的类别",
        "admissibility": "选址准入",
        "adm_admissible": "可准入",
        "adm_conditional": "有条件准入",
        "adm_prohibited": "禁止准入",
        "adm_needs_manual_review": "需人工核实",
        "adm_not_assessed": "未评估",
        "certain": "适用",
        "possible": "可能适用",
        "instruments": "地方政策工具（豁免、降级、告知承诺、时限）",
        "notices": "提示",
        "site": "项目位置",
        "hits": "所在或相交的分区",
        "nearby": "周边分区",
        "zone": "分区",
        "distance": "距离 {d:g} 米",
        "share": "占比 {p:.0%}",
        "sources": "环境敏感区判定来源",
        "src_map": "图层",
        "src_declared": "申报",
        "src_map+declared": "图层与申报一致",
        "src_declared (map shows none)": "申报（图层未显示，按申报从严）",
        "site_changes": "选址变化的影响",
        "steps_prohibited": "选址存在禁止类情形：请另行选址或调整建设内容后重新预审；以下程序仅在选址可行时适用。",
        "move_inside": "选址位于{zone}内",
        "move_outside": "选址移出{zone}",
        "limit_local": "审批时限：{d} 个{k}",
        "day_working": "工作日",
        "day_calendar": "日",
        "rel_inside": "位于其内",
        "rel_overlaps": "部分重叠",
        "rel_boundary": "位于边界上",
        "rel_nearby": "周边",
    },
    "en": {
        "project": "Project",
        "result": "Result",
        "tier": "EIA tier",
        "status_needs_more_information": "needs more information; not decided",
        "status_needs_manual_check": "needs a manual check; not decided",
        "range": "possible tiers",
        "procedure": "Procedure",
        "limit": "statutory decision time: {d} days from acceptance",
        "no_limit": "no approval time limit",
        "basis": "basis",
        "items": "Directory items",
        "item": "item {n}",
        "possible_item": " (possible; facts missing)",
        "findings": "Rules that fired (clause and evidence)",
        "evidence": "evidence",
        "missing": "Missing information",
        "questions": "Questions to answer (in order; envscreen check --ask asks them one by one)",
        "assumptions": "Assumptions the result rests on",
        "warnings": "Warnings",
        "affects": "affects item(s) {items}",
        "asked": "in question",
        "manual": "Needs a manual check",
        "changes": "What would change the result",
        "notes": "Notes",
        "next": "Next steps",
        "would_make": 'would make item {item} "{tier}"',
        "none_listed": "the directory does not list this project's industry or type",
        "contains": "includes",
        "within": "lies within",
        "any_of": "(any one)",
        "not": "no ",
        "lacks": "does not include",
        "proc_approval": "approval",
        "proc_online_filing": "online filing (no approval)",
        "proc_none": "no EIA procedure",
        "proc_notification_commitment": "notification-commitment approval",
        "national": "national directory tier",
        "final_note": "tier after local instruments",
        "admissibility": "Siting admissibility",
        "adm_admissible": "admissible",
        "adm_conditional": "admissible with conditions",
        "adm_prohibited": "prohibited",
        "adm_needs_manual_review": "needs manual review",
        "adm_not_assessed": "not assessed",
        "certain": "applies",
        "possible": "may apply",
        "instruments": "Local instruments (exemption, downgrade, notification-commitment, time limits)",
        "notices": "Notices",
        "site": "Site",
        "hits": "Zones the site lies in or touches",
        "nearby": "Zones nearby",
        "zone": "zone",
        "distance": "{d:g} m away",
        "share": "{p:.0%} of the site",
        "sources": "Sensitive areas: where the answer came from",
        "src_map": "zone layers",
        "src_declared": "declared",
        "src_map+declared": "layers and declaration agree",
        "src_declared (map shows none)": "declared (layers show none; the declaration is kept)",
        "site_changes": "How the site changes the outcome",
        "steps_prohibited": "A prohibition applies at this site: choose another site or change the project and "
        "screen again; the procedure below applies only once the site is admissible.",
        "move_inside": "a site inside {zone}",
        "move_outside": "a site outside {zone}",
        "limit_local": "decision time: {d} {k}",
        "day_working": "working days",
        "day_calendar": "days",
        "rel_inside": "inside",
        "rel_overlaps": "partly inside",
        "rel_boundary": "on its boundary",
        "rel_nearby": "nearby",
    },
}
_SYM = {"gte": "≥", "gt": ">", "lt": "<", "lte": "≤", "eq": "=", "neq": "≠"}
_TIER = {
    "zh": {
        "exempt": "不纳入环评管理",
        "registration": "环境影响登记表",
        "report_form": "环境影响报告表",
        "report_book": "环境影响报告书",
    },
    "en": {
        "exempt": "exempt (outside EIA management)",
        "registration": "registration form (登记表)",
        "report_form": "report form (报告表)",
        "report_book": "full report (报告书)",
    },
}


def tier_label(tier: str, lang: str) -> str:
    return _TIER[lang][tier]


def admissibility_label(status: str, lang: str) -> str:
    return _L[lang].get("adm_" + status, status)


_SHORT = {
    "zh": {
        "processes": "工艺",
        "features": "项目特征",
        "sensitive_areas": "环境敏感区",
        "industrial_building": "在工业建筑中生产",
        "industry_codes": "行业代码",
        "construction": "建设性质",
        "project_types": "项目类型",
    },
    "en": {
        "processes": "processes",
        "features": "features",
        "sensitive_areas": "sensitive areas",
        "industrial_building": "production in an industrial building",
        "industry_codes": "industry code",
        "construction": "construction kind",
        "project_types": "project type",
    },
}
_ASK = {
    "zh": {
        "processes": "工艺清单（processes，完整列出；没有写 []）",
        "features": "项目特征（features 列出成立的；不成立的在 answers 中答 false，见 envscreen questions）",
        "sensitive_areas": "涉及的环境敏感区（sensitive_areas；不涉及写 []）",
        "industrial_building": "是否在工业建筑中生产（industrial_building: true/false）",
        "industry_codes": "更具体的国民经济行业代码（industry_codes，3 或 4 位）",
        "construction": "建设性质（construction）",
        "project_types": "项目类型（project_types）",
    },
    "en": {
        "processes": "the complete list of processes (processes; [] for none)",
        "features": "features (list those that hold in features; answer false in answers, see envscreen questions)",
        "sensitive_areas": "the sensitive areas involved (sensitive_areas; [] for none)",
        "industrial_building": "whether production is in an industrial building (industrial_building: true/false)",
        "industry_codes": "a more specific industry code (industry_codes, 3 or 4 digits)",
        "construction": "the construction kind (construction)",
        "project_types": "project types (project_types)",
    },
}


def fact_label(fact: str, vocab: Vocabulary, lang: str, ask: bool = False) -> str:
    """`quantities.beds` -> 床位; `processes` -> 工艺 (or, with ask=True, how to supply it)."""
    section, _, term = fact.partition(".")
    if term:
        t = vocab.terms(section).get(term)
        label = (t.zh if lang == "zh" else t.en) if t else term
        return f"{label}（{term}，{t.unit if t else ''}）" if ask else label
    return (_ASK if ask else _SHORT)[lang].get(fact, fact)


def _term_label(section: str, term: Any, vocab: Vocabulary, lang: str) -> str:
    t = vocab.terms(section).get(str(term))
    if t is None:
        return str(term)
    return t.zh if lang == "zh" else t.en


def evidence_text(e: Evidence | Change, vocab: Vocabulary, lang: str) -> str:
    """`年用溶剂型涂料 = 12 t/a ≥ 10 t/a` or `工艺 包含 电镀`."""
    L = _L[lang]
    label = fact_label(e.fact, vocab, lang)
    if e.op == "within" and isinstance(e, Evidence):
        return f"{label} {e.value} {L['within']} {e.threshold}"
    if e.op in ("contains", "lacks"):
        terms = e.threshold if isinstance(e.threshold, tuple) else (e.threshold,)
        joined = ("、" if lang == "zh" else ", ").join(_term_label(e.fact, t, vocab, lang) for t in terms)
        if len(terms) > 1:
            joined = f"{joined} {L['any_of']}"
        return f"{label} {L[e.op]} {joined}"
    value = getattr(e, "value", None)
    unit = f" {e.unit}" if e.unit else ""
    if e.fact == "construction":
        threshold, unit = _term_label("construction_kinds", e.threshold, vocab, lang), ""
        if e.op == "eq" and value == e.threshold:  # "建设性质 = 新建", not "= 新建 = 新建"
            return f"{label} = {threshold}"
        value = _term_label("construction_kinds", value, vocab, lang) if value is not None else None
    elif e.fact == "industrial_building":
        return label if e.threshold else f"{L['not']}{label}"
    else:
        threshold = _num(e.threshold)
    shown = f" = {_num(value)}{unit}" if value is not None else ""
    return f"{label}{shown} {_SYM.get(e.op, e.op)} {threshold}{unit}"


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def render_text(d: Decision, vocab: Vocabulary, lang: str = "zh") -> str:
    return "\n".join(_lines(d, vocab, lang, markdown=False)) + "\n"


def render_markdown(d: Decision, vocab: Vocabulary, lang: str = "zh") -> str:
    return "\n".join(_lines(d, vocab, lang, markdown=True)) + "\n"


def _lines(d: Decision, vocab: Vocabulary, lang: str, markdown: bool) -> list[str]:
    L = _L[lang]
    h = (lambda s: f"\n## {s}") if markdown else (lambda s: f"\n{s}:")
    b = "- " if markdown else "  - "
    out = [f"# {L['project']}: {d.project}" if markdown else f"{L['project']}: {d.project}"]
    if d.tier:
        out.append(
            f"{'**' if markdown else ''}{L['result']}: {tier_label(d.tier, lang)} ({d.tier}){'**' if markdown else ''}"
        )
    else:
        lo, hi = d.tier_range
        out.append(
            f"{L['result']}: {L['status_' + d.status]} — {L['range']}: {tier_label(lo, lang)} … {tier_label(hi, lang)}"
        )
    local = d.local
    if local and local.national_tier and local.national_tier != d.tier:
        final = tier_label(d.tier, lang) if d.tier else "—"
        out.append(f"{L['national']}: {tier_label(local.national_tier, lang)}; {L['final_note']}: {final}")
    if local and local.procedure and local.final_tier:
        if local.procedure == "approval" and local.time_limit_days and local.day_kind != "calendar":
            limit = L["limit_local"].format(d=local.time_limit_days, k=L["day_" + local.day_kind])
        elif local.procedure == "notification_commitment" and local.time_limit_days:
            limit = L["limit_local"].format(d=local.time_limit_days, k=L["day_" + local.day_kind])
        elif local.time_limit_days:
            limit = L["limit"].format(d=local.time_limit_days)
        else:
            limit = L["no_limit"]
        out.append(f"{L['procedure']}: {L['proc_' + local.procedure]}; {limit} ({L['basis']}: {local.basis})")
    elif d.procedure:
        p = d.procedure
        limit = L["limit"].format(d=p.time_limit_days) if p.time_limit_days else L["no_limit"]
        out.append(f"{L['procedure']}: {L['proc_' + p.procedure]}; {limit} ({L['basis']}: {p.basis})")
    if d.admissibility:
        a = d.admissibility
        out.append(f"{L['admissibility']}: {L['adm_' + a.status]} — {a.message_zh if lang == 'zh' else a.message_en}")
    out += _site_lines(d, vocab, lang, h, b, markdown)
    out.append(h(L["items"]))
    if not d.items:
        out.append(b + L["none_listed"])
    for o in d.items:
        tier = tier_label(o.tier, lang) if o.tier else " / ".join(tier_label(t, lang) for t in o.possible)
        out.append(f"{b}{L['item'].format(n=o.item)} {o.text} → {tier}{'' if o.matched else L['possible_item']}")
    if d.findings:
        out.append(h(L["findings"]))
        for f in d.findings:
            out.append(f"{b}[{f.rule_id}] {f.citation}")
            if f.evidence:
                ev = "; ".join(evidence_text(e, vocab, lang) for e in f.evidence)
                out.append(f"{'  ' if markdown else '      '}{L['evidence']}: {ev}")
    if d.missing:
        out.append(h(L["missing"]))
        for m in d.missing:
            asked = (
                f" ({L['asked']}: {', '.join(_term_label(m.fact, t, vocab, lang) for t in m.terms)})" if m.terms else ""
            )
            affects = L["affects"].format(items=", ".join(map(str, m.items)))
            out.append(f"{b}{fact_label(m.fact, vocab, lang, ask=True)}{asked} — {affects}")
    if d.questions:
        out.append(h(L["questions"]))
        for q in d.questions:
            first, then = question_lines(q, vocab, lang)
            out += [f"{b}{first}", f"{'  ' if markdown else '      '}{then}"]
    if d.assumptions:
        out.append(h(L["assumptions"]))
        out += [f"{b}{assumption_text(a, vocab, lang)}" for a in d.assumptions]
    if d.warnings:
        out.append(h(L["warnings"]))
        out += [f"{b}{warning_text(w, vocab, lang)}" for w in d.warnings]
    if d.manual_checks:
        out.append(h(L["manual"]))
        for mc in d.manual_checks:
            out.append(f"{b}{L['item'].format(n=mc.item)} 「{mc.clause_text}」: {mc.check}")
    if d.changes:
        out.append(h(L["changes"]))
        for c in d.changes:
            would = L["would_make"].format(item=c.item, tier=tier_label(c.tier, lang))
            out.append(f"{b}{evidence_text(c, vocab, lang)} {would}")
    if d.notes:
        out.append(h(L["notes"]))
        out += [f"{b}{n.zh if lang == 'zh' else n.en}" for n in d.notes]
    out += _local_lines(d, vocab, lang, h, b, markdown)
    if d.procedure:
        out.append(h(L["next"]))
        if d.admissibility and d.admissibility.status == "prohibited":
            out.append(b + L["steps_prohibited"])
        local_steps = (d.local.next_steps_zh if lang == "zh" else d.local.next_steps_en) if d.local else ""
        out.append(b + (local_steps or (d.procedure.next_steps_zh if lang == "zh" else d.procedure.next_steps_en)))
    return out


_ZONE_WORDS = {
    "zh": {
        "admin_boundary": "行政区",
        "control_unit": "环境管控单元",
        "ecological_red_line": "生态保护红线",
        "sensitive_area": "环境敏感区",
        "park": "园区",
        "reform_area": "“区域环评+环境标准”改革区域",
        "urban_built_up_area": "城镇建成区",
        "priority": "优先保护",
        "key": "重点管控",
        "general": "一般管控",
        "first": "一级保护区",
        "second": "二级保护区",
        "quasi": "准保护区",
        "chemical": "化工",
        "within": "周边{d:g}米",
    },
    "en": {
        "admin_boundary": "the region",
        "control_unit": "control unit",
        "ecological_red_line": "the ecological red line",
        "sensitive_area": "a sensitive area",
        "park": "park",
        "reform_area": "the reform area",
        "urban_built_up_area": "the built-up area",
        "priority": "priority-protection",
        "key": "key-control",
        "general": "general-control",
        "first": "first-class zone",
        "second": "second-class zone",
        "quasi": "quasi-protection zone",
        "chemical": "chemical",
        "within": "within {d:g} m",
    },
}


def zone_label(term: str, vocab: Vocabulary, lang: str) -> str:
    """A zone selector in words: `kind=control_unit;unit_class=general` -> 一般管控环境管控单元."""
    from ..packs.conditions import zone_selector

    sel = zone_selector(term)
    w = _ZONE_WORDS[lang]
    kind = sel["kind"]
    if kind == "sensitive_area" and sel.get("sensitive_area"):
        base = _term_label("sensitive_areas", sel["sensitive_area"], vocab, lang)
    else:
        base = w.get(kind, kind)
    parts = [w.get(str(sel[k]), str(sel[k])) for k in ("unit_class", "park_type") if k in sel]
    text = ("".join(parts) + base) if lang == "zh" else " ".join([*parts, base])
    if "protection_class" in sel:
        pc = w.get(str(sel["protection_class"]), str(sel["protection_class"]))
        text = f"{text}{pc}" if lang == "zh" else f"{text} ({pc})"
    if "code" in sel:
        text = f"{text} {sel['code']}"
    if "within_m" in sel:
        text = (
            f"{text}（{w['within'].format(d=sel['within_m'])}）"
            if lang == "zh"
            else f"{text} ({w['within'].format(d=sel['within_m'])})"
        )
    return text


def _zone_text(z: Any, lang: str) -> str:
    L = _L[lang]
    extra = [L["rel_" + z.relation]] if z.relation in ("inside", "overlaps", "boundary", "nearby") else []
    if z.distance_m:
        extra.append(L["distance"].format(d=round(z.distance_m)))
    if z.overlap_share is not None and z.relation == "overlaps":
        extra.append(L["share"].format(p=z.overlap_share))
    return (
        f"{z.name}（{z.code}，{z.layer}；{'，'.join(extra)}）"
        if lang == "zh"
        else f"{z.name} ({z.code}, {z.layer}; {', '.join(extra)})"
    )


def _finding_lines(f: Any, vocab: Vocabulary, lang: str, b: str, markdown: bool) -> list[str]:
    L = _L[lang]
    text = f.text if lang == "zh" or not f.text_en else f.text_en
    out = [f"{b}[{f.rule_id}] {L['certain'] if f.certain else L['possible']}: {text}"]
    pad = "  " if markdown else "      "
    out.append(f"{pad}{f.citation}")
    ev = [evidence_text(e, vocab, lang) for e in f.evidence if e.fact != "zones"]
    ev += [_zone_text(z, lang) for z in f.zones]
    if ev:
        out.append(f"{pad}{L['evidence']}: {'; '.join(ev)}")
    return out


def _site_lines(d: Decision, vocab: Vocabulary, lang: str, h: Any, b: str, markdown: bool) -> list[str]:
    L = _L[lang]
    out: list[str] = []
    a = d.admissibility
    if a and a.reasons:
        for f in a.reasons:
            out += _finding_lines(f, vocab, lang, b, markdown)
    if d.location:
        out.append(h(L["site"]))
        for z in d.location["hits"]:
            out.append(f"{b}{_zone_text(_Z(z), lang)}")
        if d.location["nearby"]:
            near = "; ".join(_zone_text(_Z(z), lang) for z in d.location["nearby"][:8])
            out.append(f"{b}{L['nearby']}: {near}")
    if d.sensitive_area_sources:
        src = ", ".join(
            f"{_term_label('sensitive_areas', k, vocab, lang)}: {L['src_' + v]}"
            for k, v in d.sensitive_area_sources.items()
        )
        out.append(f"{b}{L['sources']}: {src}")
    return out


def _local_lines(d: Decision, vocab: Vocabulary, lang: str, h: Any, b: str, markdown: bool) -> list[str]:
    L = _L[lang]
    out: list[str] = []
    if d.admissibility and d.admissibility.missing:
        out.append(h(L["missing"] + f" ({L['admissibility']})"))
        for m in d.admissibility.missing:
            asked = f" ({', '.join(_term_label(m.fact, t, vocab, lang) for t in m.terms)})" if m.terms else ""
            out.append(f"{b}{fact_label(m.fact, vocab, lang, ask=True)}{asked} — {', '.join(m.clauses)}")
    if d.admissibility and d.admissibility.notices:
        out.append(h(L["notices"]))
        for f in d.admissibility.notices:
            out += _finding_lines(f, vocab, lang, b, markdown)
    if d.local and d.local.instruments:
        out.append(h(L["instruments"]))
        for f in d.local.instruments:
            out += _finding_lines(f, vocab, lang, b, markdown)
    if d.local and d.local.changes:
        out.append(h(L["site_changes"]))
        for c in d.local.changes:
            zones = ", ".join(zone_label(z, vocab, lang) for z in c.zones)
            text = c.text_en if lang == "en" and c.text_en else c.text
            out.append(f"{b}{L['move_' + c.op].format(zone=zones)} → [{c.rule_id}] {text}")
    return out


_Q = {
    "zh": {
        "yes": "是",
        "no": "否",
        "moves": "第{item}项 → {tier}",
        "answer": "{v}时",
        "src_answer": "已回答“否”",
        "src_process_list": "完整工艺清单（processes）未列出",
        "src_declared_list": "声明的敏感区（sensitive_areas）未列出",
        "src_map": "地图图层覆盖选址且未显示",
        "src_rule": "项目的行业代码与之无关",
        "assume": "{src}「{t}」（{id} = false）：第{items}项{where}按此判定，若不属实结论可能改变",
        "match": "",
        "cols": "的{cols}栏",
        "unread": "给出的「{t}」（{fact}）未被本项目可能属于的任何名录项目读取，不影响结论",
        "suggest": "；读取它的是第{items}项{types}，请确认项目类型或行业代码",
        "types": "（项目类型 {types}）",
        "choices": "可选：{c}；或“无”",
        "range": "范围 0–{m:.12g} {unit}",
    },
    "en": {
        "yes": "yes",
        "no": "no",
        "moves": "item {item} → {tier}",
        "answer": "if {v}",
        "src_answer": "you answered no to",
        "src_process_list": "the complete process list (processes) omits",
        "src_declared_list": "the declared sensitive areas (sensitive_areas) omit",
        "src_map": "the map layers cover the site and show no",
        "src_rule": "no industry code of the project relates to",
        "assume": '{src} "{t}" ({id} = false): item {items}{where} is decided on this; '
        "if it is not so, the result may change",
        "match": "",
        "cols": ", column(s) {cols},",
        "unread": 'The given "{t}" ({fact}) is read by no directory item this project may belong to: '
        "it changes nothing",
        "suggest": "; item(s) {items} read it{types}: check the project type or industry code",
        "types": " (project type {types})",
        "choices": "choices: {c}; or none",
        "range": "range 0–{m:.12g} {unit}",
    },
}


def _id_label(qid: str, vocab: Vocabulary, lang: str) -> str:
    section, _, term = qid.partition(".")
    if not term:
        return fact_label(qid, vocab, lang)
    if section == "industry_codes":
        return term
    return _term_label(section, term, vocab, lang)


def question_lines(q: Question, vocab: Vocabulary, lang: str) -> list[str]:
    """A question in words, with what its answers can move: `项目是否属于：规模化畜禽养殖？ [features.
    livestock_scale_farm] 是时：第3项 → 环境影响报告书`."""
    Q = _Q[lang]
    text = q.zh if lang == "zh" else q.en
    moves: dict[str, list[str]] = {}
    for m in q.moves:
        if q.kind == "number":
            cond = f"{_SYM[m.op]} {_num(m.threshold)} {q.unit or ''}".strip()
        else:
            cond = Q["answer"].format(v=Q["yes"] if m.threshold else Q["no"])
        to = Q["moves"].format(item=m.item, tier=tier_label(m.tier, lang))
        if to not in moves.setdefault(cond, []):
            moves[cond].append(to)
    extra = ""
    if q.kind == "choice":
        extra = " " + Q["choices"].format(
            c=", ".join(_term_label("sensitive_areas", c, vocab, lang) for c in q.choices)
        )
    elif q.kind == "number" and q.max is not None:
        extra = " " + Q["range"].format(m=q.max, unit=q.unit or "")
    sep = "、" if lang == "zh" else ", "
    return [f"{text} [{q.id}]{extra}", "; ".join(f"{c}: {sep.join(t)}" for c, t in moves.items())]


def assumption_text(a: Assumption, vocab: Vocabulary, lang: str) -> str:
    Q = _Q[lang]
    cols = [t for t in a.tiers if t != "match"]
    where = (
        Q["cols"].format(cols=("、" if lang == "zh" else ", ").join(tier_label(t, lang) for t in cols)) if cols else ""
    )
    section = a.id.partition(".")[0]
    sep = "、" if lang == "zh" else ", "
    text = Q["assume"].format(
        src=Q["src_" + a.source],
        t=sep.join(_id_label(f"{section}.{t}", vocab, lang) for t in a.terms)
        if a.terms
        else _id_label(a.id, vocab, lang),
        id=a.id,
        items=("、" if lang == "zh" else ", ").join(map(str, a.items)),
        where=where,
    )
    return text[:1].upper() + text[1:]


def warning_text(w: FactWarning, vocab: Vocabulary, lang: str) -> str:
    Q = _Q[lang]
    out = Q["unread"].format(t=_id_label(w.fact, vocab, lang), fact=w.fact)
    if w.items:
        types = Q["types"].format(types=", ".join(w.project_types)) if w.project_types else ""
        out += Q["suggest"].format(items=", ".join(map(str, w.items[:6])), types=types)
    return out


def render_questions(d: Decision, vocab: Vocabulary, lang: str = "zh") -> str:
    """The questions of a decision as text (`envscreen questions`)."""
    L = _L[lang]
    lo, hi = d.tier_range
    head = f"{L['project']}: {d.project}\n{L['result']}: " + (
        f"{tier_label(d.tier, lang)} ({d.tier})"
        if d.tier
        else f"{L['status_' + d.status]} — {L['range']}: {tier_label(lo, lang)} … {tier_label(hi, lang)}"
    )
    lines = [head]
    if d.questions:
        lines.append(f"\n{L['questions']}:")
        for i, q in enumerate(d.questions, 1):
            first, then = question_lines(q, vocab, lang)
            lines += [f"  {i}. {first}", f"     {then}"]
    if d.assumptions:
        lines.append(f"\n{L['assumptions']}:")
        lines += [f"  - {assumption_text(a, vocab, lang)}" for a in d.assumptions]
    if d.warnings:
        lines.append(f"\n{L['warnings']}:")
        lines += [f"  - {warning_text(w, vocab, lang)}" for w in d.warnings]
    return "\n".join(lines) + "\n"


def questions_to_dict(d: Decision, vocab: Vocabulary) -> dict[str, Any]:
    """The JSON form of `envscreen questions` and POST /v1/questions (docs/output.md)."""
    data = {
        "schema": "envscreen/questions/v1",
        "project": d.project,
        "status": d.status,
        "tier": d.tier,
        "tier_range": list(d.tier_range),
        "questions": _plain(d.questions),
        "assumptions": _plain(d.assumptions),
        "warnings": _plain(d.warnings),
    }
    _add_texts(data, d, vocab)
    return data


class _Z:
    """A zone dict from Decision.location read like a ZoneRef."""

    def __init__(self, z: dict[str, Any]) -> None:
        self.__dict__.update(z)


def decision_to_dict(d: Decision, vocab: Vocabulary) -> dict[str, Any]:
    """The stable JSON form (docs/output.md): plain data, schema-tagged. Each assumption and
    warning also carries the sentence the text report prints (text_zh, text_en), so a client
    (the web page) shows the same words without re-deriving them."""
    data = {"schema": JSON_SCHEMA, **_plain(d)}
    _add_texts(data, d, vocab)
    # The schema's properties give the keys and their order: a new Decision field stays out of
    # the public JSON until the schema (and its version) says so (tests/test_output_schema.py).
    return {key: data[key] for key in schemas.top_level_keys(schemas.DECISION)}


def _add_texts(data: dict[str, Any], d: Decision, vocab: Vocabulary) -> None:
    for out, a in zip(data["assumptions"], d.assumptions, strict=True):
        out["text_zh"], out["text_en"] = assumption_text(a, vocab, "zh"), assumption_text(a, vocab, "en")
    for out, w in zip(data["warnings"], d.warnings, strict=True):
        out["text_zh"], out["text_en"] = warning_text(w, vocab, "zh"), warning_text(w, vocab, "en")


_SCALARS = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}  # per dataclass type; None: not a dataclass


def _plain(x: Any) -> Any:
    """Dataclasses to dicts, tuples to lists: `dataclasses.asdict` without its deep copies
    (it took most of the time of serving a decision)."""
    if isinstance(x, _SCALARS):
        return x
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    names = _FIELD_NAMES.get(type(x), ())
    if names == ():
        names = _FIELD_NAMES[type(x)] = (
            tuple(f.name for f in dataclasses.fields(x)) if dataclasses.is_dataclass(x) else None
        )
    if names is None:
        return x
    out = {name: _plain(getattr(x, name)) for name in names}
    for name in names:
        if name in schemas.ROUNDING:
            out[name] = schemas.rounded(name, out[name])
    return out


def render_json(d: Decision, vocab: Vocabulary) -> str:
    return json.dumps(decision_to_dict(d, vocab), ensure_ascii=False, indent=2, default=str)

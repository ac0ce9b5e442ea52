"""Stage 6, report: render a Decision as text (zh/en), Markdown or JSON. Reads only."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .decision import Change, Decision, Evidence
from .vocabulary import Vocabulary

JSON_SCHEMA = "envscreen/decision/v1"

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
        "features": "项目特征清单（features，完整列出；没有写 []）",
        "sensitive_areas": "涉及的环境敏感区（sensitive_areas；不涉及写 []）",
        "industrial_building": "是否在工业建筑中生产（industrial_building: true/false）",
        "industry_codes": "更具体的国民经济行业代码（industry_codes，3 或 4 位）",
        "construction": "建设性质（construction）",
        "project_types": "项目类型（project_types）",
    },
    "en": {
        "processes": "the complete list of processes (processes; [] for none)",
        "features": "the complete list of features (features; [] for none)",
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
    if d.procedure:
        p = d.procedure
        limit = L["limit"].format(d=p.time_limit_days) if p.time_limit_days else L["no_limit"]
        out.append(f"{L['procedure']}: {L['proc_' + p.procedure]}; {limit} ({L['basis']}: {p.basis})")
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
    if d.procedure:
        out.append(h(L["next"]))
        out.append(b + (d.procedure.next_steps_zh if lang == "zh" else d.procedure.next_steps_en))
    return out


def decision_to_dict(d: Decision) -> dict[str, Any]:
    """The stable JSON form (docs/output.md): plain data, schema-tagged."""
    data = dataclasses.asdict(d)
    data["tier_range"] = list(d.tier_range)
    return {"schema": JSON_SCHEMA, **data}


def render_json(d: Decision) -> str:
    return json.dumps(decision_to_dict(d), ensure_ascii=False, indent=2, default=str)

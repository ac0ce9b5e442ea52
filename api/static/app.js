// envscreen web page: a project form (or pasted / uploaded YAML), a Leaflet map of the zone
// layers on which the site is clicked or drawn, and the screening result.
//
// Plain ES module, no build step. Leaflet is loaded before this module as a classic script
// (vendor/leaflet/leaflet.js) and is reached through window.L. Every user-visible string
// is in I18N below; the decision's own texts come in zh/en from the API where it has both.

const L = window.L;

// ---------------------------------------------------------------------------------------
// Strings. Chinese is the default; English by the switch, ?lang=en, or the saved choice.
// ---------------------------------------------------------------------------------------
const I18N = {
  zh: {
    app_title: "envscreen 环评准入预审",
    colon: "：",
    page_title: "envscreen 环评准入预审",
    tagline: "按《建设项目环境影响评价分类管理名录（2021年版）》和地方准入清单给出预审意见",
    disclaimer: "本结果为预审参考意见，以有审批权的生态环境主管部门意见为准。",
    report_download: "下载预审意见 (PDF/Word)",
    report_busy: "正在生成…",
    skip_to_form: "跳到项目表单",
    switch_to: "English",
    switch_label: "Switch to English",
    input_heading: "项目",
    mode_legend: "输入方式",
    mode_form: "填写表单",
    mode_yaml: "粘贴或上传 YAML",
    f_name: "项目名称",
    f_construction: "建设性质",
    f_industry: "国民经济行业代码（GB/T 4754-2017）",
    f_industry_hint: "4 位小类代码最好；多个代码用逗号分隔",
    f_industrial: "在工业建筑中生产（名录说明4）",
    unknown: "未声明",
    yes: "是",
    no: "否",
    f_quantities: "规模与用量（新增量）",
    add_quantity: "添加一项用量",
    quantity_term: "第 {n} 项用量",
    quantity_value: "第 {n} 项数值",
    remove: "删除",
    remove_item: "删除 {item}",
    f_date: "申请日期",
    f_yaml: "项目 YAML",
    f_yaml_hint: "格式见 docs/project-format.md。在地图上画出的场址会作为 location 附加（YAML 中已有 location 时不附加）。",
    f_file: "上传 YAML 文件",
    f_site: "场址（在地图上点击或绘制）",
    site_none: "未选择场址：不做选址准入判断",
    site_point: "点：{c}",
    site_line: "线：{n} 个顶点",
    site_polygon: "面：{n} 个顶点",
    site_too_few: "（线至少 2 个顶点，面至少 3 个，否则不提交场址）",
    site_imported: "导入的场址（{type}，多个部分或含内环）",
    submit: "预审",
    busy: "正在预审…",
    map_heading: "地图",
    map_label: "区划图层地图；点击地图添加场址顶点",
    draw_label: "绘制场址",
    draw_point: "点",
    draw_line: "线",
    draw_polygon: "面",
    draw_undo: "撤销",
    draw_clear: "清除",
    draw_centre: "在地图中心加点",
    coord_label: "或输入经纬度（WGS84，经度, 纬度）",
    coord_add: "加点",
    coord_bad: "请输入“经度, 纬度”，例如 120.15, 29.40",
    layers_legend: "图层",
    layers_loading: "正在加载图层…",
    layers_none: "服务未提供区划图层。",
    layers_failed: "图层加载失败：{msg}",
    layer_count: "{n} 个要素",
    region_illustrative: "（示例数据，非官方）",
    result_heading: "预审结果",
    footer: "envscreen · 开源规则引擎 · 地图：Leaflet（BSD-2-Clause），仅显示本服务的区划图层",
    terms_project_types: "项目类别",
    terms_processes: "工艺",
    terms_features: "其他特征",
    terms_sensitive_areas: "涉及的环境敏感区",
    terms_add: "添加",
    terms_added: "已添加的{what}",
    terms_input: "输入代码或名称后添加",
    terms_complete: "列表完整（空表示“无”）",
    terms_unknown: "“{v}”不在词表中",
    err_heading: "无法预审：{title}",
    err_field: "字段 {field}",
    err_line: "第 {line} 行",
    err_hint: "提示：{hint}",
    err_network: "无法连接服务：{msg}",
    err_http: "服务返回 HTTP {status}",
    err_yaml_empty: "请粘贴或上传项目 YAML",
    err_name: "请填写项目名称",
    tier_final: "环评类别",
    tier_national: "全国名录类别",
    tier_none: "尚不能确定",
    tier_range: "可能的类别：{a} 至 {b}",
    status: "判定状态",
    admissibility: "选址准入",
    reasons: "依据",
    notices: "提示",
    procedure: "审批程序",
    time_limit: "办理时限：{n} {kind}",
    time_limit_none: "无法定办理时限",
    day_calendar: "日",
    day_working: "个工作日",
    basis: "法律依据：{b}",
    findings: "触发的规则",
    evidence: "证据",
    citation: "出处",
    missing: "缺少的信息",
    questions: "需要回答的问题",
    questions_intro: "回答下列问题后点击“继续预审”；只问能改变结论的问题，按影响大小排序。",
    q_yes: "是",
    q_no: "否",
    q_none: "均不涉及（无）",
    q_unanswered: "暂不回答",
    q_moves: "可能影响：{what}",
    q_range: "范围 0–{max} {unit}",
    q_continue: "继续预审",
    q_answers_kept: "已记录的回答：{n} 项（随项目一并提交）",
    q_clear: "清除回答",
    q_yaml_has_answers: "粘贴的 YAML 已有 answers 字段：请把回答写入其中后再预审。",
    assumptions: "结论所依据的假定",
    warnings_given: "提示：给出但未被读取的信息",
    missing_for: "影响：{what}",
    manual_checks: "需人工核查",
    changes: "哪些变化会改变结果",
    change_to: "→ {tier}",
    notes: "说明",
    zones_hit: "场址涉及的区划",
    zones_nearby: "场址附近（{m} 米内）的区划",
    zones_none: "场址不在任何图层的要素内。",
    zone_show: "在地图上显示",
    zone_cols: ["图层", "类型", "代码", "名称", "关系", "距离（米）"],
    record: "记录编号 {id} · {time}",
    record_link: "查看存档 JSON",
    fired_raw: "规则引擎触发记录",
    item: "第 {n} 项",
    warnings: "场址提示",
    tiers: {
      exempt: "不纳入环评管理（豁免）",
      registration: "环境影响登记表",
      report_form: "环境影响报告表",
      report_book: "环境影响报告书",
    },
    statuses: {
      determined: "已确定",
      needs_more_information: "需补充信息",
      needs_manual_check: "需人工核查",
    },
    admissibility_statuses: {
      admissible: "准入",
      conditional: "有条件准入",
      prohibited: "禁止准入",
      needs_manual_review: "需人工复核",
      not_assessed: "未评估（未提供场址）",
    },
    procedures: {
      approval: "审批",
      online_filing: "网上备案",
      notification_commitment: "告知承诺制审批",
      none: "无需环评手续",
    },
    effects: {
      prohibited: "禁止",
      conditional: "有条件",
      required: "须满足",
      restricted: "限制",
      notice: "提示",
      exemption: "豁免",
      downgrade: "降级",
      commitment: "告知承诺",
      commitment_excluded: "不适用告知承诺",
      downgrade_excluded: "不适用降级",
    },
    dimensions: {
      space_layout: "空间布局约束",
      emission_control: "污染物排放管控",
      risk_prevention: "环境风险防控",
      resource_efficiency: "资源利用效率",
      quota: "总量控制",
    },
    may_apply: "可能适用（取决于缺少的信息）",
    missing_terms: "例如：{terms}",
    site_change_inside: "若场址位于{zones}内",
    site_change_outside: "若场址不在{zones}内",
    relations: { inside: "位于内部", overlaps: "部分重叠", boundary: "在边界上", nearby: "附近" },
    kinds: {
      admin_boundary: "行政区",
      control_unit: "环境管控单元",
      ecological_red_line: "生态保护红线",
      sensitive_area: "环境敏感区",
      park: "产业园区",
      reform_area: "环评改革试点区域",
      urban_built_up_area: "城镇建成区",
    },
    unit_classes: { priority: "优先保护单元", key: "重点管控单元", general: "一般管控单元" },
    ops: {
      gte: "≥", gt: ">", lt: "<", lte: "≤", eq: "=", neq: "≠",
      within: "属于", contains: "包含", lacks: "不含", inside: "位于", outside: "不在",
    },
    legend_units: "管控单元",
    legend_sensitive: "环境敏感区",
    screened_site: "预审的场址（来自项目）",
  },
  en: {
    app_title: "envscreen EIA access screening",
    colon: ": ",
    page_title: "envscreen EIA access screening",
    tagline: "Screening advice under the 2021 EIA classification directory and the local access lists",
    disclaimer: "This is screening advice. The competent environmental authority's decision prevails.",
    report_download: "Download the pre-screening opinion (PDF/Word, in Chinese)",
    report_busy: "Generating…",
    skip_to_form: "Skip to the project form",
    switch_to: "中文",
    switch_label: "切换到中文",
    input_heading: "Project",
    mode_legend: "Input",
    mode_form: "Fill in the form",
    mode_yaml: "Paste or upload YAML",
    f_name: "Project name",
    f_construction: "Kind of construction",
    f_industry: "Industry codes (GB/T 4754-2017)",
    f_industry_hint: "4-digit class codes are best; separate several codes with commas",
    f_industrial: "Production in an industrial building (note 4)",
    unknown: "not declared",
    yes: "yes",
    no: "no",
    f_quantities: "Scale and quantities (newly added)",
    add_quantity: "Add a quantity",
    quantity_term: "Quantity {n}",
    quantity_value: "Value {n}",
    remove: "Remove",
    remove_item: "Remove {item}",
    f_date: "Application date",
    f_yaml: "Project YAML",
    f_yaml_hint: "Format: docs/project-format.md. A site drawn on the map is appended as location (not when the YAML already has one).",
    f_file: "Upload a YAML file",
    f_site: "Site (click or draw on the map)",
    site_none: "No site chosen: siting admissibility is not assessed",
    site_point: "point: {c}",
    site_line: "line: {n} vertices",
    site_polygon: "polygon: {n} vertices",
    site_too_few: " (a line needs 2 vertices, a polygon 3; otherwise no site is sent)",
    site_imported: "imported site ({type}: several parts or holes)",
    submit: "Screen",
    busy: "Screening…",
    map_heading: "Map",
    map_label: "Map of the zone layers; click to add a site vertex",
    draw_label: "Draw the site",
    draw_point: "Point",
    draw_line: "Line",
    draw_polygon: "Polygon",
    draw_undo: "Undo",
    draw_clear: "Clear",
    draw_centre: "Add vertex at map centre",
    coord_label: "Or type a coordinate (WGS84, lon, lat)",
    coord_add: "Add",
    coord_bad: "Type \"longitude, latitude\", e.g. 120.15, 29.40",
    layers_legend: "Layers",
    layers_loading: "Loading layers…",
    layers_none: "The service has no zone layers.",
    layers_failed: "Could not load layers: {msg}",
    layer_count: "{n} features",
    region_illustrative: " (illustrative data, not official)",
    result_heading: "Screening result",
    footer: "envscreen · open-source rule engine · map: Leaflet (BSD-2-Clause), showing only this service's zone layers",
    terms_project_types: "Project types",
    terms_processes: "Processes",
    terms_features: "Other features",
    terms_sensitive_areas: "Sensitive areas involved",
    terms_add: "Add",
    terms_added: "{what} added",
    terms_input: "type a term or its name, then add",
    terms_complete: "the list is complete (empty means \"none\")",
    terms_unknown: "\"{v}\" is not in the vocabulary",
    err_heading: "Could not screen: {title}",
    err_field: "field {field}",
    err_line: "line {line}",
    err_hint: "hint: {hint}",
    err_network: "Cannot reach the service: {msg}",
    err_http: "The service answered HTTP {status}",
    err_yaml_empty: "Paste or upload a project YAML",
    err_name: "Give the project a name",
    tier_final: "EIA category",
    tier_national: "National directory",
    tier_none: "not yet determined",
    tier_range: "possible: {a} to {b}",
    status: "Status",
    admissibility: "Siting admissibility",
    reasons: "Reasons",
    notices: "Notices",
    procedure: "Procedure",
    time_limit: "Time limit: {n} {kind}",
    time_limit_none: "no statutory time limit",
    day_calendar: "days",
    day_working: "working days",
    basis: "Legal basis: {b}",
    findings: "Rules that fired",
    evidence: "Evidence",
    citation: "Source",
    missing: "Missing facts",
    questions: "Questions to answer",
    questions_intro: "Answer these and press Continue; only questions that can change the result are asked, most decisive first.",
    q_yes: "Yes",
    q_no: "No",
    q_none: "None of these",
    q_unanswered: "Not now",
    q_moves: "can change: {what}",
    q_range: "range 0–{max} {unit}",
    q_continue: "Continue screening",
    q_answers_kept: "Answers recorded: {n} (sent with the project)",
    q_clear: "Clear answers",
    q_yaml_has_answers: "The pasted YAML already has an answers field: add your answers there and screen again.",
    assumptions: "Assumptions the result rests on",
    warnings_given: "Given facts that nothing reads",
    missing_for: "affects: {what}",
    manual_checks: "Manual checks",
    changes: "What would change the result",
    change_to: "→ {tier}",
    notes: "Notes",
    zones_hit: "Zones the site hits",
    zones_nearby: "Zones near the site (within {m} m)",
    zones_none: "The site is inside no feature of any layer.",
    zone_show: "Show on map",
    zone_cols: ["Layer", "Kind", "Code", "Name", "Relation", "Distance (m)"],
    record: "Record {id} · {time}",
    record_link: "stored record (JSON)",
    fired_raw: "Raw rule-engine firings",
    item: "item {n}",
    warnings: "Site warnings",
    tiers: {
      exempt: "Exempt (outside EIA management)",
      registration: "Registration form",
      report_form: "Report form",
      report_book: "Report book (full EIA report)",
    },
    statuses: {
      determined: "determined",
      needs_more_information: "needs more information",
      needs_manual_check: "needs a manual check",
    },
    admissibility_statuses: {
      admissible: "admissible",
      conditional: "conditional",
      prohibited: "prohibited",
      needs_manual_review: "needs manual review",
      not_assessed: "not assessed (no site given)",
    },
    procedures: {
      approval: "Approval",
      online_filing: "Online filing",
      notification_commitment: "Approval by notification and commitment",
      none: "No EIA procedure",
    },
    effects: {
      prohibited: "prohibited",
      conditional: "conditional",
      required: "required",
      restricted: "restricted",
      notice: "notice",
      exemption: "exemption",
      downgrade: "downgrade",
      commitment: "commitment",
      commitment_excluded: "no notification-commitment",
      downgrade_excluded: "no downgrade",
    },
    dimensions: {
      space_layout: "spatial layout",
      emission_control: "emission control",
      risk_prevention: "risk prevention",
      resource_efficiency: "resource efficiency",
      quota: "total quantity",
    },
    may_apply: "may apply (depends on missing facts)",
    missing_terms: "e.g. {terms}",
    site_change_inside: "if the site were inside {zones}",
    site_change_outside: "if the site were outside {zones}",
    relations: { inside: "inside", overlaps: "overlaps", boundary: "on the boundary", nearby: "nearby" },
    kinds: {
      admin_boundary: "administrative area",
      control_unit: "environmental control unit",
      ecological_red_line: "ecological red line",
      sensitive_area: "sensitive area",
      park: "industrial park",
      reform_area: "EIA reform area",
      urban_built_up_area: "urban built-up area",
    },
    unit_classes: { priority: "priority protection unit", key: "key control unit", general: "general control unit" },
    ops: {
      gte: "≥", gt: ">", lt: "<", lte: "≤", eq: "=", neq: "≠",
      within: "within", contains: "includes", lacks: "lacks", inside: "inside", outside: "outside",
    },
    legend_units: "Control units",
    legend_sensitive: "Sensitive areas",
    screened_site: "the site screened (from the project)",
  },
};

const TERM_SECTIONS = ["project_types", "processes", "features", "sensitive_areas"];

// Colours per zone kind (control units by class). Chosen to stay distinguishable when
// layers overlap: fills are light, outlines carry the colour.
const KIND_STYLE = {
  admin_boundary: { color: "#333333", weight: 2, fill: false, dashArray: "6 4" },
  control_unit: { color: "#4f6d8f", weight: 1, fillOpacity: 0.18 },
  ecological_red_line: { color: "#d62728", weight: 2, fillOpacity: 0.25 },
  sensitive_area: { color: "#1f77b4", weight: 2, fillOpacity: 0.3 },
  park: { color: "#7b3fa0", weight: 2, fillOpacity: 0.2 },
  reform_area: { color: "#8a8a00", weight: 2, fillOpacity: 0.08, dashArray: "8 4" },
  urban_built_up_area: { color: "#8c564b", weight: 1, fillOpacity: 0.15 },
};
const UNIT_CLASS_COLOUR = { priority: "#2e8b57", key: "#e6550d", general: "#6b8ed6" };
const FALLBACK_STYLE = { color: "#555555", weight: 1, fillOpacity: 0.15 };
const HIGHLIGHT_STYLE = { color: "#ffb000", weight: 4, opacity: 1, fillColor: "#ffd54f", fillOpacity: 0.2 };
// One colour per sensitive-area kind (drinking-water source, nature reserve, farmland...), given
// out in the order the kinds first appear in the served layers, so a legend can name each one.
// Okabe-Ito and Tol colours, told apart by colour-blind readers and unlike the kind and unit
// colours above; past the palette they repeat with a dashed outline, so no two kinds look alike.
const SENSITIVE_PALETTE = ["#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#882255", "#332288", "#f0e442"];
// The site as the server read it (pasted YAML, any CRS), when it was not drawn on the map.
const SCREENED_SITE_STYLE = { color: "#000000", weight: 3, dashArray: "6 3", fillColor: "#ffffff", fillOpacity: 0.3 };

// ---------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------
const state = {
  lang: initialLang(),
  vocab: null, // {section: {term: {zh, en, unit, ...}}}
  layers: [], // [{id, kind, version, bbox, count, ...}]
  region: null,
  layersLoaded: false,
  layersError: null,
  zoneGroups: new Map(), // layer id -> L.GeoJSON
  visible: new Set(),
  site: { mode: "point", vertices: [], geometry: null }, // vertices as [lat, lng] (Leaflet order); geometry: an imported multi-part site (GeoJSON)
  terms: Object.fromEntries(TERM_SECTIONS.map((s) => [s, []])),
  result: null, // last 201 body
  answers: {}, // question id -> answer, sent as the project's `answers` (docs/project-format.md)
  problem: null, // last problem+json (or a local one)
  sensitiveColours: new Map(), // sensitive-area kind -> {color, dashArray}, see SENSITIVE_PALETTE
  lastRequest: null, // {body, headers} of the screening shown: the opinion download sends it again
};

let map;
let siteLayer;
let highlightLayer;
let screenedSiteLayer;

const $ = (sel, root = document) => root.querySelector(sel);

function initialLang() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (fromUrl === "en" || fromUrl === "zh") return fromUrl;
  try {
    const saved = localStorage.getItem("envscreen.lang");
    if (saved === "en" || saved === "zh") return saved;
  } catch {
    // storage may be disabled; the default is fine
  }
  return "zh";
}

/** Look a key up in the current language; {name} placeholders are filled from vars. */
function t(key, vars = {}) {
  const value = I18N[state.lang][key] ?? I18N.zh[key] ?? key;
  if (typeof value !== "string") return value;
  return value.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? `{${k}}`));
}

/** A label from one of the nested dictionaries (tiers, statuses...), falling back to the raw code. */
function label(group, code) {
  if (code === null || code === undefined) return "";
  return (I18N[state.lang][group] || {})[code] ?? String(code);
}

/** The zh or en text of an object that carries both (`zh`/`en`, `message_zh`/`message_en`, ...). */
function bilingual(obj, base = "") {
  if (!obj) return "";
  const zhKey = base ? `${base}_zh` : "zh";
  const enKey = base ? `${base}_en` : "en";
  if (state.lang === "en") return obj[enKey] || obj[zhKey] || "";
  return obj[zhKey] || obj[enKey] || "";
}

/** A vocabulary term's label in the current language, e.g. processes/electroplating -> 电镀. */
function termLabel(section, term) {
  const entry = state.vocab?.[section]?.[term];
  if (!entry) return term;
  return (state.lang === "en" ? entry.en : entry.zh) || term;
}

/** Small DOM builder: h("p", {class: "x"}, "text", child). Strings become text nodes (never HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---------------------------------------------------------------------------------------
// Static texts and language switch
// ---------------------------------------------------------------------------------------
function applyStaticTexts() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = t("page_title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const sw = $("#lang-switch");
  sw.textContent = t("switch_to");
  sw.setAttribute("aria-label", t("switch_label"));
  sw.lang = state.lang === "zh" ? "en" : "zh-CN";
  $("#map").setAttribute("aria-label", t("map_label"));
}

function setLang(lang) {
  state.lang = lang;
  try {
    localStorage.setItem("envscreen.lang", lang);
  } catch {
    // not saved; the switch still works for this page
  }
  applyStaticTexts();
  fillVocabularyControls();
  renderLayerList();
  renderSiteSummary();
  if (state.result) renderResult(state.result);
  if (state.problem) renderProblem(state.problem);
}

// ---------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------
/** The page language as an Accept-Language header: the API's problem texts follow it. */
function langHeader() {
  return { "Accept-Language": state.lang === "en" ? "en" : "zh-CN" };
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function loadVocabulary() {
  const body = await getJSON("/v1/vocabulary");
  state.vocab = body.sections || body;
  fillVocabularyControls();
}

// ---------------------------------------------------------------------------------------
// Form: construction select, term pickers, quantities
// ---------------------------------------------------------------------------------------
function fillVocabularyControls() {
  if (!state.vocab) return;
  const sel = $("#f-construction");
  const current = sel.value || "new";
  sel.replaceChildren(
    ...Object.keys(state.vocab.construction_kinds || {}).map((k) =>
      h("option", { value: k }, `${termLabel("construction_kinds", k)} (${k})`),
    ),
  );
  sel.value = current;
  for (const container of document.querySelectorAll(".terms")) renderTermPicker(container);
  for (const row of document.querySelectorAll(".quantity-row")) fillQuantitySelect($("select", row));
}

function renderTermPicker(container) {
  const section = container.dataset.section;
  const id = `t-${section}`;
  const completeBox = container.querySelector(`#${id}-complete`);
  const wasComplete = completeBox ? completeBox.checked : false;
  const typed = container.querySelector(`#${id}`)?.value || "";
  const terms = state.vocab?.[section] || {};
  const datalist = h(
    "datalist",
    { id: `${id}-list` },
    Object.keys(terms).map((k) => h("option", { value: k }, termLabel(section, k))),
  );
  const input = h("input", {
    id,
    type: "text",
    list: `${id}-list`,
    autocomplete: "off",
    placeholder: t("terms_input"),
    "data-field": section,
  });
  input.value = typed;
  const add = () => addTerm(section, input);
  input.addEventListener("keydown", (ev) => {
    // Enter adds the term instead of submitting the whole form.
    if (ev.key === "Enter") {
      ev.preventDefault();
      add();
    }
  });
  const chips = h(
    "ul",
    { class: "chips", "aria-label": t("terms_added", { what: t(`terms_${section}`) }) },
    state.terms[section].map((term) =>
      h(
        "li",
        {},
        h("span", {}, `${termLabel(section, term)} `, h("code", {}, term)),
        h(
          "button",
          {
            type: "button",
            class: "chip-remove",
            "aria-label": t("remove_item", { item: termLabel(section, term) }),
            onclick: () => {
              state.terms[section] = state.terms[section].filter((x) => x !== term);
              renderTermPicker(container);
            },
          },
          "×",
        ),
      ),
    ),
  );
  const parts = [
    h("label", { for: id }, t(`terms_${section}`)),
    h("div", { class: "term-entry" }, input, h("button", { type: "button", class: "secondary", onclick: add }, t("terms_add"))),
    datalist,
    h("small", { class: "term-error", id: `${id}-error`, "aria-live": "polite" }),
    chips,
  ];
  if (container.dataset.complete) {
    const box = h("input", { type: "checkbox", id: `${id}-complete` });
    box.checked = wasComplete;
    parts.push(h("label", { class: "inline", for: `${id}-complete` }, box, " ", t("terms_complete")));
  }
  container.replaceChildren(h("div", { class: "field" }, ...parts));
}

/** Accept a term's key or its exact zh / en name; anything else is refused with a message. */
function addTerm(section, input) {
  const raw = input.value.trim();
  const error = $(`#t-${section}-error`);
  if (!raw) return;
  const terms = state.vocab?.[section] || {};
  let key = Object.hasOwn(terms, raw) ? raw : null;
  if (!key) {
    key = Object.keys(terms).find((k) => terms[k].zh === raw || (terms[k].en || "").toLowerCase() === raw.toLowerCase()) || null;
  }
  if (!key) {
    error.textContent = t("terms_unknown", { v: raw });
    input.setAttribute("aria-invalid", "true");
    return;
  }
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  if (!state.terms[section].includes(key)) state.terms[section].push(key);
  input.value = ""; // renderTermPicker keeps what is typed; an added term is done
  renderTermPicker(input.closest(".terms"));
  $(`#t-${section}`).focus();
}

let quantityRowCount = 0;

function fillQuantitySelect(select) {
  const current = select.value;
  const terms = state.vocab?.quantities || {};
  select.replaceChildren(
    ...Object.keys(terms).map((k) =>
      h("option", { value: k }, `${termLabel("quantities", k)}${terms[k].unit ? ` (${terms[k].unit})` : ""} — ${k}`),
    ),
  );
  if (current) select.value = current;
}

function addQuantityRow(term = "", value = "") {
  quantityRowCount += 1;
  const n = quantityRowCount;
  const select = h("select", { id: `q-term-${n}`, class: "q-term" });
  fillQuantitySelect(select);
  if (term) select.value = term;
  const number = h("input", { id: `q-value-${n}`, class: "q-value", type: "number", min: "0", step: "any", inputmode: "decimal" });
  number.value = value;
  const row = h(
    "div",
    { class: "quantity-row" },
    h("label", { for: `q-term-${n}`, class: "visually-hidden", "data-n": n }, t("quantity_term", { n })),
    select,
    h("label", { for: `q-value-${n}`, class: "visually-hidden" }, t("quantity_value", { n })),
    number,
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-label": t("remove_item", { item: t("quantity_term", { n }) }),
        onclick: () => row.remove(),
      },
      "×",
    ),
  );
  $("#quantity-rows").append(row);
  select.focus();
  return row;
}

/** The project object from the form, in the shape of docs/project-format.md. */
function projectFromForm() {
  const project = { name: $("#f-name").value.trim(), construction: $("#f-construction").value };
  const codes = $("#f-industry")
    .value.split(/[,，;；\s]+/)
    .map((c) => c.trim())
    .filter(Boolean);
  if (codes.length) project.industry_codes = codes;
  const industrial = $("#f-industrial").value;
  if (industrial) project.industrial_building = industrial === "true";
  for (const section of TERM_SECTIONS) {
    const list = state.terms[section];
    const complete = $(`#t-${section}-complete`)?.checked;
    // An omitted list means "not declared"; [] means "none" (docs/project-format.md).
    if (list.length || complete) project[section] = [...list];
  }
  const quantities = {};
  for (const row of document.querySelectorAll(".quantity-row")) {
    const value = $(".q-value", row).value;
    if (value !== "") quantities[$(".q-term", row).value] = Number(value);
  }
  if (Object.keys(quantities).length) project.quantities = quantities;
  const date = $("#f-date").value;
  if (date) project.application_date = date;
  const site = siteLocation();
  if (site) project.location = site;
  if (Object.keys(state.answers).length) project.answers = { ...state.answers };
  return project;
}

// ---------------------------------------------------------------------------------------
// Map, zone layers and layer switcher
// ---------------------------------------------------------------------------------------
function initMap() {
  // No tile layer on purpose: the page needs no tile server. The background is plain CSS.
  map = L.map("map", { zoomSnap: 0.25, zoomControl: true, attributionControl: true, keyboard: true, doubleClickZoom: false });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  L.control.scale({ metric: true, imperial: false }).addTo(map);
  map.setView([30.0, 120.0], 5);
  highlightLayer = L.featureGroup().addTo(map);
  screenedSiteLayer = L.featureGroup().addTo(map);
  siteLayer = L.featureGroup().addTo(map);
  map.on("click", (ev) => addVertex(ev.latlng));
  map.on("moveend", scheduleZoneLoad);
  // Expose for the browser tests (they convert coordinates to pixels to click a site).
  window.envscreenMap = map;
}

function zoneStyle(feature) {
  const p = feature.properties || {};
  const base = { ...(KIND_STYLE[p.kind] || FALLBACK_STYLE) };
  if (p.kind === "control_unit" && UNIT_CLASS_COLOUR[p.unit_class]) base.color = UNIT_CLASS_COLOUR[p.unit_class];
  if (p.kind === "sensitive_area" && state.sensitiveColours.has(p.sensitive_area)) Object.assign(base, state.sensitiveColours.get(p.sensitive_area));
  base.fillColor = base.color;
  return base;
}

function layerColour(layer) {
  if (layer.kind === "control_unit") return UNIT_CLASS_COLOUR.general;
  const kinds = layer.sensitive_areas || [];
  if (kinds.length === 1 && state.sensitiveColours.has(kinds[0])) return state.sensitiveColours.get(kinds[0]).color;
  return (KIND_STYLE[layer.kind] || FALLBACK_STYLE).color;
}

function featureTooltip(feature) {
  const p = feature.properties || {};
  const kind = p.kind === "control_unit" && p.unit_class ? label("unit_classes", p.unit_class) : label("kinds", p.kind);
  // An element, not a string: Leaflet would insert a string as HTML, and names come from layer files.
  return h("span", {}, `${p.name || ""} · ${p.code || ""} · ${kind}`);
}

async function loadLayers() {
  try {
    const body = await getJSON("/v1/zones/layers");
    // The contract says a list; the app wraps it as {region, layers}. Accept both.
    state.layers = Array.isArray(body) ? body : body.layers || [];
    state.region = Array.isArray(body) ? null : body.region || null;
  } catch (err) {
    state.layersError = err.message;
    renderLayerList();
    return;
  } finally {
    state.layersLoaded = true;
  }
  state.sensitiveColours = sensitiveColours(state.layers);
  for (const layer of state.layers) {
    const group = L.geoJSON(null, {
      style: zoneStyle,
      // Points in a zone layer (rare) as small circles: no marker images needed.
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 5 }),
      onEachFeature: (feature, lyr) => {
        lyr.bindTooltip(() => featureTooltip(feature), { sticky: true });
        lyr.on("add", () => keepOutOfTabOrder(lyr));
      },
    });
    state.zoneGroups.set(layer.id, group);
    state.visible.add(layer.id);
    group.addTo(map);
  }
  // Keep the admin boundary and the site above the filled layers.
  renderLayerList();
  const bounds = layersBounds();
  if (bounds) map.fitBounds(bounds, { padding: [10, 10] });
  else scheduleZoneLoad();
}

function layersBounds() {
  let bounds = null;
  for (const layer of state.layers) {
    const b = layer.bbox;
    if (!Array.isArray(b) || b.length !== 4) continue;
    const lb = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    bounds = bounds ? bounds.extend(lb) : lb;
  }
  return bounds;
}

function renderLayerList() {
  const list = $("#layer-list");
  if (state.layersError) {
    list.replaceChildren(h("p", { class: "muted" }, t("layers_failed", { msg: state.layersError })));
    return;
  }
  if (!state.layers.length) {
    list.replaceChildren(h("p", { class: "muted" }, t(state.layersLoaded ? "layers_none" : "layers_loading")));
    return;
  }
  const items = state.layers.map((layer) => {
    const box = h("input", { type: "checkbox", id: `layer-${layer.id}`, "data-layer": layer.id });
    box.checked = state.visible.has(layer.id);
    box.addEventListener("change", () => toggleLayer(layer.id, box.checked));
    const count = layer.feature_count ?? layer.count;
    const meta = [label("kinds", layer.kind), layer.version, count != null ? t("layer_count", { n: count }) : null]
      .filter(Boolean)
      .join(" · ");
    return h(
      "li",
      {},
      h(
        "label",
        { for: `layer-${layer.id}`, class: "inline" },
        box,
        h("span", { class: "swatch", style: `--swatch: ${layerColour(layer)}`, "aria-hidden": "true" }),
        h("span", { class: "layer-name" }, layer.id),
        h("small", { class: "muted" }, ` ${meta}`),
      ),
    );
  });
  const parts = [];
  if (state.region) {
    const name = state.lang === "en" ? state.region.name_en || state.region.name_zh : state.region.name_zh || state.region.name_en;
    parts.push(h("p", { class: "region" }, name || state.region.id || ""));
  }
  parts.push(h("ul", { class: "layer-items" }, items));
  parts.push(
    h(
      "p",
      { class: "legend muted", id: "legend-units" },
      h("span", { class: "legend-title" }, t("legend_units")),
      Object.entries(UNIT_CLASS_COLOUR).map(([cls, colour]) =>
        h("span", { class: "legend-item" }, h("span", { class: "swatch", style: `--swatch: ${colour}`, "aria-hidden": "true" }), label("unit_classes", cls)),
      ),
    ),
  );
  parts.push(sensitiveLegend());
  list.replaceChildren(...parts.filter(Boolean));
}

function toggleLayer(id, on) {
  const group = state.zoneGroups.get(id);
  if (!group) return;
  if (on) {
    state.visible.add(id);
    group.addTo(map);
    scheduleZoneLoad();
  } else {
    state.visible.delete(id);
    map.removeLayer(group);
  }
  siteLayer.bringToFront();
}

let zoneTimer = null;
let zoneGeneration = 0;

function scheduleZoneLoad() {
  // Debounced: a pan or zoom fires several moveends; only the last view is fetched.
  clearTimeout(zoneTimer);
  zoneTimer = setTimeout(loadVisibleZones, 150);
}

function viewBbox() {
  const b = map.getBounds().pad(0.25);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(6))
    .join(",");
}

async function loadVisibleZones() {
  if (!state.layers.length) return;
  const generation = ++zoneGeneration;
  const bbox = viewBbox();
  await Promise.all(
    state.layers
      .filter((layer) => state.visible.has(layer.id))
      .map(async (layer) => {
        try {
          const fc = await getJSON(`/v1/zones/${encodeURIComponent(layer.id)}?bbox=${bbox}`);
          if (generation !== zoneGeneration) return; // a newer view has been requested
          const group = state.zoneGroups.get(layer.id);
          group.clearLayers();
          group.addData(fc);
          if (layer.kind === "admin_boundary") group.bringToFront();
        } catch (err) {
          console.warn("zone layer", layer.id, err);
        }
      }),
  );
  if (generation !== zoneGeneration) return;
  document.body.dataset.zonesLoaded = String(generation);
  highlightLayer.bringToFront();
  siteLayer.bringToFront();
}

// ---------------------------------------------------------------------------------------
// Site drawing: click to add vertices; point / line / polygon; undo; clear.
// ---------------------------------------------------------------------------------------
function addVertex(latlng) {
  state.site.geometry = null; // drawing replaces an imported multi-part site
  const v = [Number(latlng.lat.toFixed(7)), Number(latlng.lng.toFixed(7))];
  if (state.site.mode === "point") state.site.vertices = [v];
  else state.site.vertices.push(v);
  renderSite();
}

function setDrawMode(mode) {
  state.site.geometry = null;
  state.site.mode = mode;
  // A point keeps only the last vertex; a line or polygon keeps what was clicked so far.
  if (mode === "point" && state.site.vertices.length > 1) state.site.vertices = state.site.vertices.slice(-1);
  renderSite();
}

/** A site read by site-import.js (WGS84 GeoJSON): a point, a line or a polygon without holes
 * becomes vertices to edit; a site of several parts or with holes is kept as its geometry. */
function setImportedSite(geometry) {
  const simple = { Point: "point", LineString: "line", Polygon: "polygon" }[geometry?.type];
  const toLatLng = ([lng, lat]) => [lat, lng];
  state.site.geometry = null;
  if (simple === "point") state.site.vertices = [toLatLng(geometry.coordinates)];
  else if (simple === "line") state.site.vertices = geometry.coordinates.map(toLatLng);
  else if (simple === "polygon" && geometry.coordinates.length === 1) state.site.vertices = geometry.coordinates[0].slice(0, -1).map(toLatLng);
  else {
    state.site.geometry = geometry;
    state.site.vertices = [];
  }
  const mode = simple || (geometry.type.includes("Line") ? "line" : "polygon");
  state.site.mode = mode;
  const radio = document.querySelector(`input[name="draw-mode"][value="${mode}"]`);
  if (radio) radio.checked = true;
  renderSite();
}

function renderSite() {
  siteLayer.clearLayers();
  const { mode, vertices } = state.site;
  const style = { color: "#000000", weight: 3, fillColor: "#ffffff", fillOpacity: 0.25 };
  if (state.site.geometry) L.geoJSON(state.site.geometry, { style, interactive: false }).addTo(siteLayer);
  if (mode === "line" && vertices.length >= 2) L.polyline(vertices, style).addTo(siteLayer);
  if (mode === "polygon" && vertices.length >= 3) L.polygon(vertices, style).addTo(siteLayer);
  if (mode === "polygon" && vertices.length === 2) L.polyline(vertices, { ...style, dashArray: "4 4" }).addTo(siteLayer);
  for (const v of vertices) {
    L.circleMarker(v, {
      radius: mode === "point" ? 8 : 5,
      color: "#000000",
      weight: 2,
      fillColor: "#ffffff",
      fillOpacity: 1,
      interactive: false,
    }).addTo(siteLayer);
  }
  siteLayer.bringToFront();
  renderSiteSummary();
}

/** The site as docs/zones.md `location` (WGS84 [lon, lat]), or null when there is none or too few vertices. */
function siteLocation() {
  if (state.site.geometry) return { crs: "wgs84", geometry: state.site.geometry };
  const { mode, vertices } = state.site;
  const lonlat = vertices.map(([lat, lng]) => [lng, lat]);
  if (mode === "point" && lonlat.length === 1) return { crs: "wgs84", point: lonlat[0] };
  if (mode === "line" && lonlat.length >= 2) return { crs: "wgs84", line: lonlat };
  if (mode === "polygon" && lonlat.length >= 3) return { crs: "wgs84", polygon: lonlat };
  return null;
}

function renderSiteSummary() {
  const out = $("#site-summary");
  const { mode, vertices } = state.site;
  if (state.site.geometry) {
    out.textContent = t("site_imported", { type: state.site.geometry.type });
    return;
  }
  if (!vertices.length) {
    out.textContent = t("site_none");
    return;
  }
  let text;
  if (mode === "point") text = t("site_point", { c: `${vertices[0][1].toFixed(5)}, ${vertices[0][0].toFixed(5)}` });
  else text = t(`site_${mode}`, { n: vertices.length });
  if (!siteLocation()) text += t("site_too_few");
  out.textContent = text;
}

function addTypedCoordinate() {
  const input = $("#coord-input");
  const parts = input.value.split(/[,，\s]+/).filter(Boolean).map(Number);
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x)) || Math.abs(parts[1]) > 90 || Math.abs(parts[0]) > 180) {
    input.setAttribute("aria-invalid", "true");
    input.title = t("coord_bad");
    $("#site-summary").textContent = t("coord_bad");
    return;
  }
  input.removeAttribute("aria-invalid");
  input.title = "";
  const latlng = L.latLng(parts[1], parts[0]);
  addVertex(latlng);
  if (!map.getBounds().contains(latlng)) map.panTo(latlng);
}

// ---------------------------------------------------------------------------------------
// Submit
// ---------------------------------------------------------------------------------------
function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

/** Append the drawn site to pasted YAML as a flow mapping, unless the YAML has its own location. */
function yamlWithSite(text) {
  const site = siteLocation();
  if (!site || /^location\s*:/m.test(text)) return text;
  return `${text.replace(/\s*$/, "")}\nlocation: ${JSON.stringify(site)}\n`;
}

/** The pasted text as a JSON object when it is one (else null: it is YAML, or broken JSON the server names). */
function pastedJson(text) {
  if (!text.trim().startsWith("{")) return null;
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null; // a YAML flow mapping, or JSON with an error: the server's message names it
  }
}

/** Append the answers given on the page to pasted YAML as a flow mapping (JSON is valid YAML). */
function yamlWithAnswers(text) {
  if (!Object.keys(state.answers).length) return text;
  if (/^answers\s*:/m.test(text)) return null; // the user's own answers: we do not edit their YAML
  return `${text.replace(/\s*$/, "")}\nanswers: ${JSON.stringify(state.answers)}\n`;
}

async function submit(ev) {
  ev?.preventDefault();
  clearProblem();
  let request;
  const drawn = siteLocation();
  let drawnSent = Boolean(drawn); // false when the project's own location wins over the drawn one
  if (mode() === "yaml") {
    const text = $("#f-yaml").value;
    if (!text.trim()) {
      renderProblem(localProblem(t("err_yaml_empty"), "yaml"));
      return;
    }
    const json = pastedJson(text);
    if (json) {
      // Pasted JSON: appending YAML lines to it would break it, so merge and send JSON.
      const site = siteLocation();
      if (site && !("location" in json)) json.location = site;
      else drawnSent = false;
      if (Object.keys(state.answers).length) json.answers = { ...state.answers, ...(json.answers || {}) };
      request = { body: JSON.stringify(json), headers: { "Content-Type": "application/json" } };
    } else {
      const body = yamlWithAnswers(yamlWithSite(text));
      if (body === null) {
        renderProblem(localProblem(t("q_yaml_has_answers"), "yaml"));
        return;
      }
      request = { body, headers: { "Content-Type": "application/yaml" } };
      if (/^location\s*:/m.test(text)) drawnSent = false;
    }
  } else {
    const project = projectFromForm();
    if (!project.name) {
      renderProblem(localProblem(t("err_name"), "name"));
      return;
    }
    request = { body: JSON.stringify(project), headers: { "Content-Type": "application/json" } };
  }
  request.drawnSite = drawnSent;
  const button = $("#submit");
  button.disabled = true;
  $("#busy").textContent = t("busy");
  try {
    const response = await fetch("/v1/screenings", {
      method: "POST",
      headers: { Accept: "application/json, application/problem+json", ...langHeader(), ...request.headers },
      body: request.body,
    });
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : null;
    if (!response.ok) {
      renderProblem(body && typeof body === "object" ? body : { title: t("err_http", { status: response.status }), status: response.status });
      return;
    }
    state.result = body;
    state.lastRequest = request;
    renderResult(body);
    revealResult(body.decision);
    showScreenedSite(body.decision, request.drawnSite);
    highlightHits(body.decision);
  } catch (err) {
    renderProblem({ title: t("err_network", { msg: err.message }) });
  } finally {
    button.disabled = false;
    $("#busy").textContent = "";
  }
}

function localProblem(message, field) {
  return { title: message, errors: [{ field, message }], local: true };
}

// ---------------------------------------------------------------------------------------
// Errors (problem+json: title, detail, errors[] with field, line, message, hint)
// ---------------------------------------------------------------------------------------
function clearProblem() {
  state.problem = null;
  const box = $("#errors");
  box.hidden = true;
  box.replaceChildren();
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute("aria-invalid");
}

/** The form control an error's field refers to, so it can be marked invalid. */
function controlForField(field) {
  if (mode() === "yaml") return $("#f-yaml");
  if (!field) return null;
  const head = field.split(/[.[]/)[0];
  const direct = { name: "#f-name", construction: "#f-construction", industry_codes: "#f-industry", industrial_building: "#f-industrial", application_date: "#f-date", location: "#map" };
  if (direct[head]) return $(direct[head]);
  if (TERM_SECTIONS.includes(head)) return $(`#t-${head}`);
  if (head === "quantities") {
    const term = field.split(".")[1];
    for (const row of document.querySelectorAll(".quantity-row")) if ($(".q-term", row).value === term) return $(".q-value", row);
    return $("#add-quantity");
  }
  return null;
}

function renderProblem(problem) {
  state.problem = problem;
  const box = $("#errors");
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const items = errors.map((e) => {
    const where = [e.field ? t("err_field", { field: e.field }) : null, e.line ? t("err_line", { line: e.line }) : null].filter(Boolean).join(" · ");
    const control = controlForField(e.field);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-errormessage", "errors");
    }
    return h(
      "li",
      {},
      where ? h("strong", { class: "err-field" }, `${where}${t("colon")}`) : null,
      h("span", { class: "err-message" }, e.message || ""),
      e.hint ? h("div", { class: "err-hint" }, t("err_hint", { hint: e.hint })) : null,
    );
  });
  const parts = [
    h("h3", {}, problem.local ? problem.title : t("err_heading", { title: problem.title || t("err_http", { status: problem.status }) })),
    problem.detail ? h("p", { class: "err-detail" }, problem.detail) : null,
    items.length ? h("ul", {}, items) : null,
  ].filter(Boolean);
  box.replaceChildren(...parts);
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------
// Result
// ---------------------------------------------------------------------------------------
function section(title, ...content) {
  const body = content.flat().filter(Boolean);
  if (!body.length) return null;
  return h("section", { class: "result-section" }, h("h3", {}, title), ...body);
}

function factLabel(fact) {
  if (!fact) return "";
  const [head, term] = fact.split(".");
  if (term && state.vocab?.[head]?.[term]) return `${termLabel(head, term)} (${fact})`;
  if (!term && TERM_SECTIONS.includes(head)) return `${t(`terms_${head}`)} (${fact})`;
  return fact;
}

function formatValue(v) {
  if (Array.isArray(v)) return v.join(", ");
  if (v === null || v === undefined) return "";
  return String(v);
}

function formatEvidence(e) {
  const op = label("ops", e.op);
  return [factLabel(e.fact), formatValue(e.value), op, formatValue(e.threshold), e.unit || ""].filter((x) => x !== "").join(" ");
}

/** "kind=sensitive_area;sensitive_area=nature_reserve" (a zone selector in local.changes) in words. */
function zoneSelector(selector) {
  const parts = String(selector)
    .split(";")
    .map((pair) => pair.split("="));
  const words = parts.map(([key, value]) => {
    if (key === "kind") return label("kinds", value);
    if (key === "unit_class") return label("unit_classes", value);
    if (key === "sensitive_area") return termLabel("sensitive_areas", value);
    return `${key}=${value}`;
  });
  // The most specific part reads best on its own ("nature reserve" rather than "sensitive area · nature reserve").
  return words.length > 1 ? words.slice(1).join(" · ") : words[0] || "";
}

function tierBadge(tier, kind) {
  return h(
    "div",
    { class: `tier ${kind}`, "data-tier": tier || "none" },
    h("span", { class: "tier-caption" }, t(kind === "final" ? "tier_final" : "tier_national")),
    h("span", { class: "tier-label", id: kind === "final" ? "tier-label" : "national-tier-label" }, tier ? label("tiers", tier) : t("tier_none")),
  );
}

function zoneTable(rows, withShow) {
  const cols = t("zone_cols");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "zones" },
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)), withShow ? h("td", {}) : null)),
      h(
        "tbody",
        {},
        rows.map((z) =>
          h(
            "tr",
            { "data-layer": z.layer, "data-code": z.code },
            // data-label: on narrow screens each row is shown as a small card with these captions.
            h("td", { "data-label": cols[0] }, z.layer || ""),
            h("td", { "data-label": cols[1] }, z.kind === "control_unit" && z.unit_class ? label("unit_classes", z.unit_class) : label("kinds", z.kind)),
            h("td", { "data-label": cols[2] }, h("code", {}, z.code || "")),
            h("td", { "data-label": cols[3] }, z.name || ""),
            h("td", { "data-label": cols[4] }, label("relations", z.relation)),
            h("td", { class: "num", "data-label": cols[5] }, z.distance_m != null ? Math.round(z.distance_m) : ""),
            withShow ? h("td", {}, h("button", { type: "button", class: "secondary small", onclick: () => zoomToZone(z) }, t("zone_show"))) : null,
          ),
        ),
      ),
    ),
  );
}

function reasonItem(r) {
  const zones = r.zones || (r.zone ? [r.zone] : []);
  const text = state.lang === "en" ? r.text_en || r.text : r.text || r.text_en;
  return h(
    "li",
    { class: `reason effect-${r.effect || "none"}` },
    h(
      "div",
      {},
      r.effect ? h("span", { class: `pill effect-${r.effect}` }, label("effects", r.effect)) : null,
      r.dimension ? h("span", { class: "pill dimension" }, label("dimensions", r.dimension)) : null,
      r.certain === false ? h("span", { class: "pill may-apply" }, t("may_apply")) : null,
      " ",
      text || r.rule_id,
    ),
    r.citation ? h("div", { class: "citation" }, `${t("citation")}${t("colon")}${r.citation}`) : null,
    zones.length ? h("div", { class: "reason-zones" }, zones.map((z) => `${z.name || ""} (${z.layer || ""} ${z.code || ""})`).join("；")) : null,
    (r.evidence || []).length ? h("ul", { class: "evidence" }, r.evidence.map((e) => h("li", {}, formatEvidence(e)))) : null,
    h("div", { class: "rule-id" }, h("code", {}, r.rule_id || "")),
  );
}

// ---------------------------------------------------------------------------------------
// Guided questions (the decision's `questions`, most decisive first; docs/output.md)
// ---------------------------------------------------------------------------------------
/** "第3项 → 环境影响报告书" for each distinct (item, tier) a question can move. */
function questionMoves(q) {
  const seen = new Set();
  const out = [];
  for (const m of q.moves || []) {
    const key = `${m.item}/${m.tier}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(`${t("item", { n: m.item })} → ${label("tiers", m.tier)}`);
  }
  return out.join("；");
}

function questionControl(q, index) {
  const name = `q${index}`;
  const current = state.answers[q.id];
  const inputs = [];
  if (q.kind === "bool") {
    for (const [value, text] of [["true", t("q_yes")], ["false", t("q_no")], ["", t("q_unanswered")]]) {
      const checked = value === "" ? current === undefined : String(current) === value;
      inputs.push(h("label", { class: "q-option" }, h("input", { type: "radio", name, value, checked }), text));
    }
  } else if (q.kind === "number") {
    const id = `${name}-value`;
    inputs.push(
      h(
        "label",
        { class: "q-option", for: id },
        h("input", { type: "number", id, min: 0, max: q.max ?? undefined, step: "any", value: current ?? "", inputmode: "decimal" }),
        q.unit ? ` ${q.unit}` : "",
      ),
      q.max !== null && q.max !== undefined ? h("small", { class: "muted" }, t("q_range", { max: q.max, unit: q.unit || "" })) : null,
    );
  } else {
    for (const c of q.choices || []) {
      const checked = state.answers[`${q.fact}.${c}`] === true;
      inputs.push(h("label", { class: "q-option" }, h("input", { type: "checkbox", name, value: c, checked }), termLabel(q.fact, c)));
    }
    const none = (q.choices || []).length > 0 && (q.choices || []).every((c) => state.answers[`${q.fact}.${c}`] === false);
    inputs.push(h("label", { class: "q-option" }, h("input", { type: "checkbox", name, value: "", "data-none": "1", checked: none }), t("q_none")));
  }
  return h(
    "fieldset",
    { class: "question", "data-question": q.id, "data-kind": q.kind, "data-fact": q.fact || "" },
    h("legend", {}, bilingual(q), " ", h("code", { class: "muted" }, q.id)),
    h("div", { class: "q-inputs" }, ...inputs),
    questionMoves(q) ? h("small", { class: "muted q-moves" }, t("q_moves", { what: questionMoves(q) })) : null,
  );
}

/** Read the questions panel into state.answers (an answer left blank is removed, never guessed). */
function collectAnswers() {
  for (const fs of document.querySelectorAll("#questions fieldset.question")) {
    const id = fs.dataset.question;
    if (fs.dataset.kind === "bool") {
      const v = $("input[type=radio]:checked", fs)?.value;
      if (v === "true" || v === "false") state.answers[id] = v === "true";
      else delete state.answers[id];
    } else if (fs.dataset.kind === "number") {
      const raw = $("input[type=number]", fs).value;
      if (raw !== "" && Number.isFinite(Number(raw))) state.answers[id] = Number(raw);
      else delete state.answers[id];
    } else {
      const boxes = [...fs.querySelectorAll("input[type=checkbox]:not([data-none])")];
      const none = $("input[data-none]", fs).checked;
      const any = boxes.some((b) => b.checked);
      for (const b of boxes) {
        const key = `${fs.dataset.fact}.${b.value}`;
        if (none || any) state.answers[key] = !none && b.checked;
        else delete state.answers[key];
      }
    }
  }
}

function questionsSection(d) {
  const qs = d.questions || [];
  const kept = Object.keys(state.answers).length;
  if (!qs.length && !kept) return null;
  return h(
    "section",
    { class: "result-section", id: "questions", "aria-labelledby": "questions-heading" },
    h("h3", { id: "questions-heading", tabindex: "-1" }, t("questions")),
    qs.length ? h("p", { class: "muted" }, t("questions_intro")) : null,
    ...qs.map(questionControl),
    h(
      "div",
      { class: "q-actions" },
      qs.length ? h("button", { type: "button", id: "q-continue", onclick: () => { collectAnswers(); submit(); } }, t("q_continue")) : null,
      kept
        ? h("button", { type: "button", class: "secondary", id: "q-clear", onclick: () => { state.answers = {}; submit(); } }, t("q_clear"))
        : null,
      kept ? h("small", { class: "muted", id: "q-kept" }, t("q_answers_kept", { n: kept })) : null,
    ),
  );
}

function renderResult(record) {
  const d = record.decision || {};
  const adm = d.admissibility;
  const local = d.local;
  const loc = d.location;

  // Tier: the final one, and the national directory's beside it when the decision has it.
  const tiers = h("div", { class: "tiers" }, tierBadge(d.tier, "final"), d.national_tier !== undefined && d.national_tier !== null ? tierBadge(d.national_tier, "national") : null);
  const statusLine = h(
    "p",
    { class: "status" },
    `${t("status")}${t("colon")}`,
    h("strong", { id: "decision-status", "data-status": d.status }, label("statuses", d.status)),
    !d.tier && Array.isArray(d.tier_range) ? ` · ${t("tier_range", { a: label("tiers", d.tier_range[0]), b: label("tiers", d.tier_range[1]) })}` : null,
  );

  // Admissibility: absent in older decisions, so only when present.
  let admSection = null;
  if (adm) {
    admSection = section(
      t("admissibility"),
      h("p", {}, h("span", { class: `pill adm-${adm.status}`, id: "admissibility-status", "data-status": adm.status }, label("admissibility_statuses", adm.status)), " ", bilingual(adm, "message")),
      (adm.reasons || []).length ? h("h4", {}, t("reasons")) : null,
      (adm.reasons || []).length ? h("ul", { class: "reasons" }, adm.reasons.map(reasonItem)) : null,
      (adm.notices || []).length ? h("h4", {}, t("notices")) : null,
      (adm.notices || []).length ? h("ul", { class: "reasons" }, adm.notices.map(reasonItem)) : null,
    );
  }

  // Procedure: the local outcome when present (it includes local instruments), else the national one.
  const proc = d.procedure;
  const procKind = local?.procedure || proc?.procedure;
  const days = local ? local.time_limit_days : proc?.time_limit_days;
  const dayKind = local?.day_kind === "working" ? t("day_working") : t("day_calendar");
  const basis = local?.basis || proc?.basis;
  const procSection =
    procKind || proc
      ? section(
          t("procedure"),
          h("p", {}, h("strong", { id: "procedure" }, label("procedures", procKind)), " · ", days ? t("time_limit", { n: days, kind: dayKind }) : t("time_limit_none")),
          // The local procedure's own next steps (notification-commitment, local limits) win.
          local && bilingual(local, "next_steps") ? h("p", {}, bilingual(local, "next_steps"))
            : proc ? h("p", {}, bilingual(proc, "next_steps")) : null,
          basis ? h("p", { class: "citation" }, t("basis", { b: basis })) : null,
          (local?.instruments || []).length ? h("ul", { class: "reasons" }, local.instruments.map(reasonItem)) : null,
        )
      : null;

  const findings = section(
    t("findings"),
    (d.findings || []).length
      ? h(
          "ol",
          { class: "findings" },
          d.findings.map((f) =>
            h(
              "li",
              { "data-rule": f.rule_id },
              h("div", {}, h("span", { class: "pill" }, label("tiers", f.tier)), " ", t("item", { n: f.item }), t("colon"), f.clause_text || ""),
              h("div", { class: "citation" }, `${t("citation")}${t("colon")}${f.citation || ""}`),
              (f.evidence || []).length
                ? h("div", {}, `${t("evidence")}${t("colon")}`, h("ul", { class: "evidence" }, f.evidence.map((e) => h("li", {}, formatEvidence(e)))))
                : null,
              h("div", { class: "rule-id" }, h("code", {}, f.rule_id)),
            ),
          ),
        )
      : null,
  );

  const missingAll = [...(d.missing || []), ...(adm?.missing || [])];
  const missing = section(
    t("missing"),
    missingAll.length
      ? h(
          "ul",
          { id: "missing" },
          missingAll.map((m) =>
            h(
              "li",
              {},
              h("strong", {}, factLabel(m.fact)),
              (m.terms || []).length ? ` ${t("missing_terms", { terms: m.terms.map((term) => termLabel(m.fact, term)).join("、") })}` : null,
              " ",
              h("small", { class: "muted" }, t("missing_for", { what: [...(m.items || []).map((n) => t("item", { n })), ...(m.clauses || [])].join(", ") })),
            ),
          ),
        )
      : null,
  );

  const manual = section(
    t("manual_checks"),
    (d.manual_checks || []).length
      ? h("ul", {}, d.manual_checks.map((m) => h("li", {}, t("item", { n: m.item }), t("colon"), m.clause_text || "", m.check ? ` — ${m.check}` : "")))
      : null,
  );

  const changeItems = [
    ...(d.changes || []).map((c) =>
      h("li", {}, `${factLabel(c.fact)} ${label("ops", c.op)} ${formatValue(c.threshold)} ${c.unit || ""} `, h("strong", {}, t("change_to", { tier: label("tiers", c.tier) })), h("small", { class: "muted" }, ` ${t("item", { n: c.item })}${t("colon")}${c.clause_text || ""}`)),
    ),
    ...(local?.changes || []).map((c) =>
      h(
        "li",
        {},
        t(c.op === "outside" ? "site_change_outside" : "site_change_inside", { zones: (c.zones || []).map(zoneSelector).join(" / ") }),
        " → ",
        h("strong", {}, label("effects", c.effect)),
        c.text ? h("small", { class: "muted" }, ` ${c.text}`) : null,
      ),
    ),
  ];
  const changes = section(t("changes"), changeItems.length ? h("ul", { id: "changes" }, changeItems) : null);

  let zonesSection = null;
  if (loc) {
    const hits = loc.hits || [];
    const nearby = loc.nearby || [];
    zonesSection = section(
      t("zones_hit"),
      hits.length ? zoneTable(hits, true) : h("p", {}, t("zones_none")),
      nearby.length ? h("h4", {}, t("zones_nearby", { m: loc.buffer_m ?? "" })) : null,
      nearby.length ? zoneTable(nearby, false) : null,
      (loc.site?.warnings || []).length ? h("p", { class: "warning" }, `${t("warnings")}${t("colon")}${loc.site.warnings.join("; ")}`) : null,
    );
  }

  const notes = section(t("notes"), (d.notes || []).length ? h("ul", {}, d.notes.map((n) => h("li", {}, bilingual(n)))) : null);
  const assumptions = section(
    t("assumptions"),
    (d.assumptions || []).length ? h("ul", { id: "assumptions" }, d.assumptions.map((a) => h("li", { "data-id": a.id }, bilingual(a, "text") || a.id))) : null,
  );
  const givenWarnings = section(
    t("warnings_given"),
    (d.warnings || []).length ? h("ul", { id: "given-warnings" }, d.warnings.map((w) => h("li", { class: "warning" }, bilingual(w, "text") || w.fact))) : null,
  );
  const questions = questionsSection(d);

  const recordLine = record.id
    ? h("p", { class: "record muted" }, t("record", { id: record.id, time: record.created_at || "" }), " · ", h("a", { href: `/v1/screenings/${encodeURIComponent(record.id)}` }, t("record_link")))
    : null;

  // replaceChildren would print "null" for absent sections: drop them first.
  const parts = [
    h("p", { class: "project-name" }, d.project || ""),
    tiers,
    statusLine,
    questions,
    admSection,
    procSection,
    zonesSection,
    findings,
    missing,
    manual,
    assumptions,
    changes,
    givenWarnings,
    notes,
    (d.fired_rules || []).length ? h("details", {}, h("summary", {}, t("fired_raw")), h("code", { class: "raw" }, d.fired_rules.join(" "))) : null,
    recordLine,
  ].filter(Boolean);
  $("#result-body").replaceChildren(...parts);
  const panel = $("#result");
  panel.hidden = false;
  panel.dataset.recordId = record.id || "";
}

// ---------------------------------------------------------------------------------------
// After a screening: focus and scroll to the result, the site on the map (issue 11.4)
// ---------------------------------------------------------------------------------------
/** Move keyboard focus (and so the screen reader and the view) to the result: its questions
 * when it asks some (the user's next step), else its heading. */
function revealResult(decision) {
  const target = (decision?.questions || []).length ? $("#questions-heading") : $("#result-heading");
  if (!target) return;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "start" });
}

/** Zoom the map to the site the server screened; draw it when it came from the project (pasted
 * YAML or JSON, in any CRS: the decision carries it in WGS84) rather than from the map. */
function showScreenedSite(decision, drawnSite) {
  screenedSiteLayer.clearLayers();
  const geometry = decision?.location?.site?.geometry;
  if (!geometry) return;
  const shape = L.geoJSON(geometry, {
    style: () => SCREENED_SITE_STYLE,
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { ...SCREENED_SITE_STYLE, radius: 9 }),
    interactive: false,
  });
  if (!drawnSite) {
    shape.addTo(screenedSiteLayer);
    shape.eachLayer((l) => l.getElement?.()?.setAttribute("aria-label", t("screened_site")));
  }
  const bounds = shape.getBounds();
  if (!bounds.isValid()) return;
  // Not closer than a street view for a point; a large site is fitted whole.
  map.fitBounds(bounds.pad(0.5), { maxZoom: 15, animate: false });
  screenedSiteLayer.bringToFront();
  siteLayer.bringToFront();
  document.body.dataset.siteShown = String(Number(document.body.dataset.siteShown || 0) + 1);
}

// ---------------------------------------------------------------------------------------
// Map keyboard use and sensitive-area colours (issue 11.4)
// ---------------------------------------------------------------------------------------
/** Take a zone shape out of the Tab order. Leaflet listens for focus on shapes with a tooltip,
 * and Chromium makes an SVG element with focus listeners a tab stop: hundreds of shapes stood
 * between the map and the result. The map itself stays a tab stop (arrow keys pan, +/- zoom). */
function keepOutOfTabOrder(lyr) {
  const el = lyr.getElement?.();
  if (el) el.setAttribute("tabindex", "-1");
}

/** Sensitive-area kind -> style, in the order the kinds first appear in `layers`. */
function sensitiveColours(layers) {
  const kinds = [];
  for (const layer of layers) for (const kind of layer.sensitive_areas || []) if (!kinds.includes(kind)) kinds.push(kind);
  return new Map(
    kinds.map((kind, i) => {
      const style = { color: SENSITIVE_PALETTE[i % SENSITIVE_PALETTE.length] };
      if (i >= SENSITIVE_PALETTE.length) style.dashArray = "5 3";
      return [kind, style];
    }),
  );
}

/** The legend of sensitive-area colours, each named by the vocabulary, or null when there are none. */
function sensitiveLegend() {
  if (!state.sensitiveColours.size) return null;
  return h(
    "p",
    { class: "legend muted", id: "legend-sensitive" },
    h("span", { class: "legend-title" }, t("legend_sensitive")),
    [...state.sensitiveColours].map(([kind, style]) =>
      h(
        "span",
        { class: "legend-item", "data-kind": kind },
        h("span", { class: `swatch${style.dashArray ? " dashed" : ""}`, style: `--swatch: ${style.color}`, "aria-hidden": "true" }),
        termLabel("sensitive_areas", kind),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------
// The pre-screening opinion (预审意见) as a file: POST /v1/report with the body screened
// ---------------------------------------------------------------------------------------
async function downloadReport(format) {
  if (!state.lastRequest) return;
  const buttons = document.querySelectorAll(".report-download button");
  for (const b of buttons) b.disabled = true;
  $("#report-busy").textContent = t("report_busy");
  try {
    const response = await fetch(`/v1/report?format=${format}`, {
      method: "POST",
      headers: { Accept: "application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, application/problem+json", ...langHeader(), ...state.lastRequest.headers },
      body: state.lastRequest.body,
    });
    if (!response.ok) {
      const type = response.headers.get("content-type") || "";
      renderProblem(type.includes("json") ? await response.json() : { title: t("err_http", { status: response.status }), status: response.status });
      return;
    }
    // The file name the server gives (filename*, UTF-8), else a plain one.
    const disposition = response.headers.get("content-disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    const name = star ? decodeURIComponent(star[1]) : `envscreen-report.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: name, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    renderProblem({ title: t("err_network", { msg: err.message }) });
  } finally {
    for (const b of buttons) b.disabled = false;
    $("#report-busy").textContent = "";
  }
}

// ---------------------------------------------------------------------------------------
// Hit zones on the map
// ---------------------------------------------------------------------------------------
const highlighted = new Map(); // "layer/code" -> L.Layer

async function highlightHits(decision) {
  highlightLayer.clearLayers();
  highlighted.clear();
  const hits = decision?.location?.hits || [];
  if (!hits.length) return;
  const byLayer = new Map();
  for (const hit of hits) {
    // The region's own boundary contains every site: highlighting it would hide the rest.
    if (hit.kind === "admin_boundary") continue;
    if (!byLayer.has(hit.layer)) byLayer.set(hit.layer, new Set());
    byLayer.get(hit.layer).add(hit.code);
  }
  // Fetch around the site rather than reuse what is drawn: the hit may lie outside the view.
  const siteBounds = siteLayer.getLayers().length ? siteLayer.getBounds().pad(0.01) : map.getBounds();
  const bbox = [siteBounds.getWest(), siteBounds.getSouth(), siteBounds.getEast(), siteBounds.getNorth()].map((v) => v.toFixed(6)).join(",");
  await Promise.all(
    [...byLayer].map(async ([layer, codes]) => {
      try {
        const fc = await getJSON(`/v1/zones/${encodeURIComponent(layer)}?bbox=${bbox}`);
        const features = (fc.features || []).filter((f) => codes.has(f.properties?.code));
        for (const f of features) {
          const lyr = L.geoJSON(f, { style: () => HIGHLIGHT_STYLE, interactive: false });
          lyr.addTo(highlightLayer);
          highlighted.set(`${layer}/${f.properties.code}`, lyr);
        }
      } catch (err) {
        console.warn("highlight", layer, err);
      }
    }),
  );
  siteLayer.bringToFront();
  document.body.dataset.highlighted = String(highlighted.size);
}

function zoomToZone(z) {
  let lyr = highlighted.get(`${z.layer}/${z.code}`);
  if (!lyr) {
    // Not highlighted (the region boundary): look for it among the shapes already drawn.
    state.zoneGroups.get(z.layer)?.eachLayer((l) => {
      if (l.feature?.properties?.code === z.code) lyr = l;
    });
  }
  if (lyr?.getBounds) map.fitBounds(lyr.getBounds(), { padding: [20, 20], maxZoom: 15 });
  $("#map").focus();
}

// ---------------------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------------------
function switchMode() {
  const yaml = mode() === "yaml";
  $("#form-fields").hidden = yaml;
  $("#yaml-fields").hidden = !yaml;
}

function wire() {
  $("#lang-switch").addEventListener("click", () => setLang(state.lang === "zh" ? "en" : "zh"));
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", switchMode);
  for (const radio of document.querySelectorAll('input[name="draw-mode"]')) radio.addEventListener("change", () => setDrawMode(radio.value));
  // A site read from a file or table by site-import.js.
  document.addEventListener("envscreen:site", (ev) => setImportedSite(ev.detail));
  $("#draw-undo").addEventListener("click", () => {
    state.site.geometry = null;
    state.site.vertices.pop();
    renderSite();
  });
  $("#draw-clear").addEventListener("click", () => {
    state.site.geometry = null;
    state.site.vertices = [];
    renderSite();
  });
  $("#draw-centre").addEventListener("click", () => addVertex(map.getCenter()));
  $("#coord-add").addEventListener("click", addTypedCoordinate);
  $("#coord-input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      addTypedCoordinate();
    }
  });
  $("#add-quantity").addEventListener("click", () => addQuantityRow());
  $("#f-file").addEventListener("change", async (ev) => {
    const file = ev.target.files?.[0];
    if (file) $("#f-yaml").value = await file.text();
  });
  $("#project-form").addEventListener("submit", submit);
  for (const b of document.querySelectorAll(".report-download button")) b.addEventListener("click", () => downloadReport(b.dataset.format));
}

async function main() {
  applyStaticTexts();
  wire();
  initMap();
  renderSite();
  switchMode();
  const results = await Promise.allSettled([loadVocabulary(), loadLayers()]);
  for (const r of results) if (r.status === "rejected") renderProblem({ title: t("err_network", { msg: r.reason?.message || r.reason }) });
  renderLayerList();
  // Marks the page as ready for the browser tests (vocabulary and layer list are in).
  document.body.dataset.ready = "1";
}

main();

// Site import: a site file (CAD red line .dxf, .kml/.kmz, zipped Shapefile, GeoJSON, 界址点 table)
// or a pasted 界址点 coordinate table is sent to POST /v1/sites/parse; the WGS84 GeoJSON it
// returns becomes the site (app.js listens for the "envscreen:site" event) and the map zooms to it.
// Self-contained: its own markup (the #site-import block of index.html), texts and error box.

const TEXT = {
  zh: {
    si_title: "导入场址：CAD 红线、KML、Shapefile、界址点坐标表",
    si_file: "场址文件（.dxf .kml .kmz .zip .geojson .txt .csv）",
    si_table: "或粘贴界址点坐标表（点号, X, Y 或 点号, 经度, 纬度）",
    si_crs: "坐标系（文件未注明时必填）",
    si_crs_hint: "DXF 和坐标表一般为 CGCS2000 3度带（米）：填 cgcs2000-gk3 或 EPSG:4528 等；Y 坐标前两位为带号时可不填带号",
    si_zone: "带号或中央子午线（如 40 或 120）",
    si_layer: "DXF 图层或 Shapefile 名（可选）",
    si_read: "读取场址",
    si_reading: "正在读取…",
    si_none: "请选择文件或粘贴坐标表",
    si_both: "文件和坐标表只能给一个",
    si_done: "已读入{kind}（{crs}，{n} 个顶点），地图已缩放到场址",
    si_kind_point: "点",
    si_kind_line: "线",
    si_kind_polygon: "面",
    si_err: "无法读取场址",
    si_line: "第 {line} 行",
    si_hint: "建议：{hint}",
    si_network: "网络错误：{msg}",
    crs_file: "文件自带（KML、GeoJSON、带 .prj 的 Shapefile）",
    crs_gk3: "CGCS2000 3度带高斯-克吕格（米）",
    crs_wgs84: "WGS84 经纬度（GPS）",
    crs_cgcs2000: "CGCS2000 经纬度（天地图）",
    crs_gcj02: "GCJ-02（高德、腾讯）",
    crs_bd09: "BD-09（百度）",
  },
  en: {
    si_title: "Import the site: CAD red line, KML, Shapefile, boundary-point table",
    si_file: "Site file (.dxf .kml .kmz .zip .geojson .txt .csv)",
    si_table: "or paste a boundary-point table (point, X, Y or point, longitude, latitude)",
    si_crs: "Coordinate system (required when the file does not say it)",
    si_crs_hint: "DXF files and tables are usually CGCS2000 3-degree Gauss-Krüger metres: cgcs2000-gk3 or e.g. EPSG:4528; the zone may be left out when the Y coordinate starts with it",
    si_zone: "Zone or central meridian (e.g. 40 or 120)",
    si_layer: "DXF layer or shapefile name (optional)",
    si_read: "Read the site",
    si_reading: "Reading…",
    si_none: "Choose a file or paste a table",
    si_both: "Give a file or a table, not both",
    si_done: "Read a {kind} ({crs}, {n} vertices); the map shows it",
    si_kind_point: "point",
    si_kind_line: "line",
    si_kind_polygon: "polygon",
    si_err: "The site cannot be read",
    si_line: "line {line}",
    si_hint: "Hint: {hint}",
    si_network: "Network error: {msg}",
    crs_file: "as the file says (KML, GeoJSON, Shapefile with .prj)",
    crs_gk3: "CGCS2000 3-degree Gauss-Krüger (metres)",
    crs_wgs84: "WGS84 lon/lat (GPS)",
    crs_cgcs2000: "CGCS2000 lon/lat (Tianditu)",
    crs_gcj02: "GCJ-02 (Amap, Tencent)",
    crs_bd09: "BD-09 (Baidu)",
  },
};
const CRS_CHOICES = [
  ["", "crs_file"],
  ["cgcs2000-gk3", "crs_gk3"],
  ["wgs84", "crs_wgs84"],
  ["cgcs2000", "crs_cgcs2000"],
  ["gcj02", "crs_gcj02"],
  ["bd09", "crs_bd09"],
];

const $ = (sel) => document.querySelector(sel);
const lang = () => (document.documentElement.lang.startsWith("en") ? "en" : "zh");
const t = (key, vars = {}) => (TEXT[lang()][key] || key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));

function applyTexts() {
  for (const el of document.querySelectorAll("[data-si]")) el.textContent = t(el.dataset.si);
  const list = $("#si-crs-list");
  list.replaceChildren(
    ...CRS_CHOICES.filter(([v]) => v).map(([value, key]) => Object.assign(document.createElement("option"), { value, label: t(key) })),
  );
  $("#si-crs").placeholder = t("crs_file");
}

function showErrors(problem) {
  const box = $("#si-errors");
  const items = (problem.errors || []).map((e) => {
    const li = document.createElement("li");
    const where = [e.field, e.line ? t("si_line", { line: e.line }) : null].filter(Boolean).join(" · ");
    li.append(Object.assign(document.createElement("span"), { className: "err-message", textContent: (where ? `${where}: ` : "") + (e.message || "") }));
    if (e.hint) li.append(Object.assign(document.createElement("div"), { className: "err-hint", textContent: t("si_hint", { hint: e.hint }) }));
    return li;
  });
  const head = Object.assign(document.createElement("h3"), { textContent: t("si_err") });
  const list = document.createElement("ul");
  list.append(...items);
  box.replaceChildren(head, ...(items.length ? [list] : [Object.assign(document.createElement("p"), { textContent: problem.detail || problem.title || "" })]));
  box.hidden = false;
}

async function readSite() {
  const status = $("#si-status");
  const box = $("#si-errors");
  box.hidden = true;
  const file = $("#si-file").files?.[0];
  const table = $("#si-table").value.trim();
  if (!file && !table) {
    status.textContent = t("si_none");
    return;
  }
  if (file && table) {
    status.textContent = t("si_both");
    return;
  }
  const form = new FormData();
  if (file) form.append("file", file, file.name);
  else form.append("table", table);
  const crs = $("#si-crs").value.trim();
  if (crs) form.append("crs", crs);
  const zone = $("#si-zone").value.trim();
  // A 3-degree zone number is 25-45; a central meridian 75-135: one box serves both.
  if (zone) form.append(Number(zone) > 60 ? "central_meridian" : "zone", zone);
  const layer = $("#si-layer").value.trim();
  if (layer) form.append("layer", layer);
  status.textContent = t("si_reading");
  let response;
  try {
    // The problem texts come back in the page's language.
    const headers = { "Accept-Language": lang() === "en" ? "en" : "zh-CN" };
    response = await fetch("/v1/sites/parse", { method: "POST", body: form, headers });
  } catch (err) {
    status.textContent = t("si_network", { msg: err.message || err });
    return;
  }
  const body = await response.json().catch(() => ({ title: `HTTP ${response.status}` }));
  if (!response.ok) {
    status.textContent = "";
    showErrors(body);
    return;
  }
  document.dispatchEvent(new CustomEvent("envscreen:site", { detail: body.geometry }));
  const map = window.envscreenMap;
  if (map && window.L) {
    const bounds = window.L.geoJSON(body.geometry).getBounds();
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.5), { animate: false, maxZoom: 17 });
  }
  const p = body.properties;
  status.textContent = t("si_done", { kind: t(`si_kind_${p.kind}`), crs: p.crs, n: p.vertices });
  document.body.dataset.siteImported = p.kind;
}

function init() {
  applyTexts();
  // app.js sets <html lang> on its language switch: follow it.
  new MutationObserver(applyTexts).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  $("#si-read").addEventListener("click", readSite);
}

init();

"""Report stage, the map: a PNG of the zone layers around a site, the zones it hits highlighted.

Drawn with matplotlib's Agg canvas directly (no pyplot state, safe in threads). Chinese labels
need a CJK font: "WenQuanYi Micro Hei" (Debian fonts-wqy-microhei) when installed, else the
map falls back to English labels and zone codes, so no glyph is ever missing.

>>> render_map(locate(site, zones, 500), zones, "site.png", title="某项目")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from ..zones.locate import Location

CJK_FONT = "WenQuanYi Micro Hei"
WIDTH_PX, HEIGHT_PX, DPI = 1000, 800, 100
# Colours per layer kind (fill), colour-blind-safe where it matters (red line vs units).
_COLOURS = {
    "admin_boundary": "#bbbbbb",
    "control_unit": "#88ccee",
    "ecological_red_line": "#cc3311",
    "sensitive_area": "#ee7733",
    "park": "#44aa99",
    "reform_area": "#aa4499",
    "urban_built_up_area": "#999933",
}
_LABELS = {
    "zh": {"site": "项目位置", "buffer": "搜索范围 {m:g} 米", "hit": "项目涉及的分区", "title": "项目位置与分区"},
    "en": {
        "site": "site",
        "buffer": "search radius {m:g} m",
        "hit": "zones the site touches",
        "title": "Site and zones",
    },
}


@functools.cache
def cjk_font() -> str | None:
    """The CJK font's family name when matplotlib can use it, else None (English labels)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return CJK_FONT if CJK_FONT in names else None


def render_map(
    location: Location,
    zones: Any,
    path: Path | str,
    hits_highlight: bool = True,
    title: str | None = None,
    *,
    margin_m: float | None = None,
    size_px: tuple[int, int] = (WIDTH_PX, HEIGHT_PX),
) -> Path:
    """Write a PNG of the zones around `location.site` to `path` and return the path.

    The window is the site's extent plus `margin_m` (default: the search buffer, at least
    500 m); zones are clipped to it. `hits_highlight` outlines the zones the site hits."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    font = cjk_font()
    lang = "zh" if font else "en"
    labels = _LABELS[lang]
    site = zones.to_work(location.site.geometry)
    margin = margin_m if margin_m is not None else max(location.buffer_m, 500.0)
    xmin, ymin, xmax, ymax = site.bounds
    span = max(xmax - xmin, ymax - ymin)
    margin = max(margin, 0.15 * span)
    window = box(xmin - margin, ymin - margin, xmax + margin, ymax + margin)

    rc: dict[str, Any] = {
        "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "axes.unicode_minus": False,
    }
    import matplotlib

    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = Figure(figsize=(size_px[0] / DPI, size_px[1] / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.02, 0.02, 0.70, 0.90))
        ax.set_aspect("equal")
        ax.set_xlim(window.bounds[0], window.bounds[2])
        ax.set_ylim(window.bounds[1], window.bounds[3])
        ax.set_xticks([])
        ax.set_yticks([])

        hit_keys = {(h.layer, h.code) for h in location.hits} if hits_highlight else set()
        frame = zones.features
        rows = zones.features.sindex.query(window)
        legend: list[Any] = []
        for order, (lid, info) in enumerate(zones.layers.items()):
            layer_rows = [int(i) for i in rows if frame["layer"].iat[int(i)] == lid]
            if not layer_rows:
                continue
            kind = getattr(info, "kind", "")
            colour = _COLOURS.get(kind, "#dddddd")
            for i in sorted(layer_rows):
                geom = shapely.clip_by_rect(frame.geometry.iat[i], *window.bounds)
                if geom.is_empty:
                    continue
                hit = (lid, frame["code"].iat[i]) in hit_keys
                # Fills stack in layer order (a red line stays visible over a unit); the outlines
                # of the zones hit go on top of every fill.
                _draw_polygon(ax, geom, facecolor=colour, alpha=0.45, edgecolor=colour, linewidth=0.8, zorder=2 + order)
                if hit:
                    _draw_polygon(ax, geom, facecolor="none", edgecolor="#000000", linewidth=2.2, zorder=80)
                    _label_zone(ax, geom, _zone_label(frame, i, lang), zorder=90)
            legend.append(Patch(facecolor=colour, alpha=0.5, edgecolor=colour, label=_layer_name(lid, info, lang)))

        if location.buffer_m > 0:
            ring = site.buffer(location.buffer_m)
            _draw_polygon(ax, ring, facecolor="none", edgecolor="#555555", linestyle="--", linewidth=1, zorder=95)
            legend.append(
                Patch(
                    facecolor="none",
                    edgecolor="#555555",
                    linestyle="--",
                    label=labels["buffer"].format(m=location.buffer_m),
                )
            )
        _draw_site(ax, site)
        legend.append(Patch(facecolor="#000000", edgecolor="#ffff00", label=labels["site"]))
        if hits_highlight and location.hits:
            legend.append(Patch(facecolor="#ffffff", edgecolor="#000000", linewidth=2.2, label=labels["hit"]))
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        _scale_bar(ax, window)
        heading = title if title and (font or title.isascii()) else labels["title"]
        fig.suptitle(heading, fontsize=13, x=0.02, ha="left")
        out = Path(path)
        fig.savefig(out, format="png", dpi=DPI)
    return out


def _zone_label(frame: Any, i: int, lang: str) -> str:
    code, name = frame["code"].iat[i], frame["name"].iat[i]
    if lang == "zh" and isinstance(name, str) and name:
        return name
    if isinstance(name, str) and name.isascii() and name:
        return name
    return str(code)


_KIND_NAMES = {
    "admin_boundary": ("行政区", "admin boundary"),
    "control_unit": ("环境管控单元", "control units"),
    "ecological_red_line": ("生态保护红线", "ecological red line"),
    "sensitive_area": ("环境敏感区", "sensitive areas"),
    "park": ("产业园区", "parks"),
    "reform_area": ("改革试点区域", "reform areas"),
    "urban_built_up_area": ("城镇建成区", "urban built-up area"),
}


def _layer_name(lid: str, info: Any, lang: str) -> str:
    """The legend entry: the layer kind's name and the layer id, e.g. "生态保护红线 (red_line)"."""
    names = _KIND_NAMES.get(getattr(info, "kind", ""))
    if names is None:
        return lid
    return f"{names[0] if lang == 'zh' else names[1]} ({lid})"


def _polygons(geom: BaseGeometry) -> Iterable[BaseGeometry]:
    if geom.geom_type == "Polygon":
        yield geom
    elif hasattr(geom, "geoms"):
        for g in geom.geoms:
            yield from _polygons(g)


def _draw_polygon(ax: Any, geom: BaseGeometry, **style: Any) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    for poly in _polygons(geom):
        rings = [np.asarray(poly.exterior.coords), *(np.asarray(r.coords) for r in poly.interiors)]
        verts = np.concatenate(rings)
        codes = np.concatenate(
            [[MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY] for r in rings]
        )
        ax.add_patch(PathPatch(MplPath(verts, codes), **style))


def _draw_site(ax: Any, site: BaseGeometry) -> None:
    kind = site.geom_type
    if kind == "Point":
        ax.plot([site.x], [site.y], marker="*", markersize=20, color="#000000", markeredgecolor="#ffff00", zorder=100)
    elif kind in ("LineString", "MultiLineString"):
        for line in getattr(site, "geoms", [site]):
            x, y = np.asarray(line.coords).T
            ax.plot(x, y, color="#ffff00", linewidth=6, zorder=99)
            ax.plot(x, y, color="#000000", linewidth=2.5, zorder=100)
    else:
        _draw_polygon(ax, site, facecolor="#000000", alpha=0.35, edgecolor="#000000", linewidth=2.5, zorder=100)


def _label_zone(ax: Any, geom: BaseGeometry, text: str, zorder: int) -> None:
    spot = geom.representative_point()
    ax.annotate(
        text, (spot.x, spot.y), fontsize=9, ha="center", va="center", zorder=zorder,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "#ffffff", "alpha": 0.8, "linewidth": 0},
    )  # fmt: skip


def _scale_bar(ax: Any, window: BaseGeometry) -> None:
    """A round-length scale bar in the lower left: the map is in metres."""
    xmin, ymin, xmax, ymax = window.bounds
    target = (xmax - xmin) / 5
    length = max(v for v in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000) if v <= max(target, 10))
    x0, y0 = xmin + (xmax - xmin) * 0.04, ymin + (ymax - ymin) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color="#000000", linewidth=3, zorder=110)
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ax.text(x0 + length / 2, y0 + (ymax - ymin) * 0.015, text, ha="center", va="bottom", fontsize=9, zorder=110)

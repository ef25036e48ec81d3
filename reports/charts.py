"""Server-side SVG for the report (no JavaScript, no map tiles): the 12-month trend line and the hot-spot map
(with the county's or station's outline and the stations' jurisdictions under its points).

Bar charts are ``incidents.charts.bar_chart_svg``; the line chart follows its look and its rules: every text
passes through ``escape`` before the SVG is marked safe, so a school named ``<script>`` stays text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.charts import AXIS_COLOR, BAR_COLOR, FONT, GRID_COLOR, _chart_id, _nice_max, _num, _value_text

HOT_COLOR = "#c0392b"
SCHOOL_COLOR = "#98a2b3"
LAND_COLOR = "#eef2f6"
OUTLINE_COLOR = "#344054"
STATION_LINE_COLOR = "#7a8699"
STATION_LABEL_COLOR = "#667085"


def _svg(cid: str, title: str, desc: str, width: int, height: int, parts: list[str]) -> SafeString:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{cid}-title {cid}-desc">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
        + "".join(parts)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped


def line_chart_svg(
    *, chart_id: str, title: str, points: Sequence[tuple[str, float]], width: int = 640, height: int = 200
) -> SafeString:
    """A line over ``points`` (label, value) in order, each point marked and labelled with its value."""
    cid = _chart_id(chart_id)
    axis_max = _nice_max(max((v for _label, v in points), default=0))
    pad_left, pad_right, pad_top, pad_bottom = 34, 22, 16, 22
    plot_w, plot_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    base_y = pad_top + plot_h
    parts: list[str] = []
    for fraction in (0.0, 0.5, 1.0):
        y = base_y - plot_h * fraction
        parts.append(
            f'<line x1="{pad_left}" y1="{_num(y)}" x2="{width - pad_right}" y2="{_num(y)}" stroke="{GRID_COLOR}"/>'
            f'<text x="{pad_left - 4}" y="{_num(y + 4)}" text-anchor="end" fill="{AXIS_COLOR}" {FONT}>'
            f"{escape(_value_text(axis_max * fraction))}</text>"
        )
    step = plot_w / max(len(points) - 1, 1)
    xy = [(pad_left + i * step, base_y - plot_h * value / axis_max) for i, (_label, value) in enumerate(points)]
    if len(xy) > 1:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in xy)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BAR_COLOR}" stroke-width="2"/>')
    for (x, y), (label, value) in zip(xy, points, strict=True):
        parts.append(
            f"<g><title>{escape(label)}: {escape(_value_text(value))}</title>"
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{BAR_COLOR}"/>'
            f'<text x="{_num(x)}" y="{_num(y - 6)}" text-anchor="middle" {FONT}>{escape(_value_text(value))}</text>'
            f'<text x="{_num(x)}" y="{height - 6}" text-anchor="middle" fill="{AXIS_COLOR}" {FONT}>'
            f"{escape(label[-5:])}</text></g>"
        )
    desc = ", ".join(f"{label}: {_value_text(value)}" for label, value in points)
    return _svg(cid, title, desc, width, height, parts)


def _ring_path(ring: Sequence[Sequence[float]], project) -> str:
    points = [project(lat, lon) for lon, lat in ring]
    return "M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in points) + " Z"


def hotspot_map_svg(
    *,
    chart_id: str,
    title: str,
    schools: Sequence[dict],
    incidents: Sequence[dict],
    areas: dict | None = None,
    width: int = 640,
    height: int = 420,
) -> SafeString:
    """The scope's schools drawn from their WGS-84 coordinates (equirectangular, longitude scaled by the cosine
    of the mean latitude so distances look right), each sized by its incidents of the month, with the incidents'
    own points. The five busiest schools are named. No tiles: under the points lie the scope's outline and, for
    the county, each station's jurisdiction with its name (``areas``, from ``reports.figures.area_figures``:
    rings of [lon, lat]); snapshots issued before the outlines were stored have none and show the points only."""
    cid = _chart_id(chart_id)
    areas = areas or {}
    outline = areas.get("outline") or []
    station_areas = areas.get("stations") or []
    placed = [s for s in schools if s.get("lat") is not None and s.get("lon") is not None]
    points = [p for p in incidents if p.get("lat") is not None and p.get("lon") is not None]
    every = [(s["lat"], s["lon"]) for s in placed] + [(p["lat"], p["lon"]) for p in points]
    every += [(lat, lon) for ring in outline for lon, lat in ring]
    parts: list[str] = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f8fafc" stroke="{GRID_COLOR}"/>']
    if not every:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" {FONT}>—</text>')
        return _svg(cid, title, title, width, height, parts)
    lats, lons = [a for a, _b in every], [b for _a, b in every]
    kx = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * kx, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    pad = 24
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return off_x + (lon - min(lons)) * kx * scale, height - off_y - (lat - min(lats)) * scale

    if outline:
        d = " ".join(_ring_path(ring, project) for ring in outline)
        parts.append(
            f'<path class="map-outline" d="{d}" fill="{LAND_COLOR}" fill-rule="evenodd" stroke="{OUTLINE_COLOR}" '
            f'stroke-width="1.6" stroke-linejoin="round"/>'
        )
    for area in station_areas:
        d = " ".join(_ring_path(ring, project) for ring in area.get("rings") or [])
        if d:
            parts.append(
                f'<g class="map-station"><title>{escape(area["name"])}</title><path d="{d}" fill="none" '
                f'stroke="{STATION_LINE_COLOR}" stroke-width="0.8" stroke-dasharray="4 3"/></g>'
            )
    for area in station_areas:
        if area.get("label_at"):
            x, y = project(area["label_at"][1], area["label_at"][0])
            parts.append(
                f'<text class="map-station-name" x="{_num(x)}" y="{_num(y)}" text-anchor="middle" '
                f'fill="{STATION_LABEL_COLOR}" font-family="system-ui, sans-serif" font-size="9">'
                f"{escape(area['name'])}</text>"
            )
    for s in sorted(placed, key=lambda s: s["count"]):
        x, y = project(s["lat"], s["lon"])
        if s["count"]:
            r = 4 + 3 * math.sqrt(s["count"])
            parts.append(
                f"<g><title>{escape(s['name'])}: {s['count']}</title>"
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{HOT_COLOR}" fill-opacity="0.35" '
                f'stroke="{HOT_COLOR}"/></g>'
            )
        else:
            parts.append(
                f"<g><title>{escape(s['name'])}</title>"
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="{SCHOOL_COLOR}"/></g>'
            )
    for p in points:
        x, y = project(p["lat"], p["lon"])
        parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="1.8" fill="{HOT_COLOR}"/>')
    for s in sorted((s for s in placed if s["count"]), key=lambda s: -s["count"])[:5]:
        x, y = project(s["lat"], s["lon"])
        name = s["name"] if len(s["name"]) <= 16 else s["name"][:15] + "…"
        parts.append(f'<text x="{_num(x + 8)}" y="{_num(y - 6)}" {FONT}>{escape(name)} ({s["count"]})</text>')
    desc = ", ".join(f"{s['name']}: {s['count']}" for s in sorted(placed, key=lambda s: -s["count"]) if s["count"])
    return _svg(cid, title, desc or title, width, height, parts)

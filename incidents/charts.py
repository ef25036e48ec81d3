"""Small server-side SVG charts (no JavaScript): bar charts with an accessible title and description.

Every piece of text that goes into the SVG passes through ``escape``; numbers are formatted here. The
result is marked safe only after that, so a school named ``<script>`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOR = "#1456b8"
AXIS_COLOR = "#667085"
GRID_COLOR = "#d9dee7"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _num(value: float) -> str:
    """Numbers in SVG attributes: at most 2 decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _value_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _chart_id(chart_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"


def bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[tuple[str, float]],
    description: str = "",
    horizontal: bool = False,
    width: int = 480,
    bar_px: int = 20,
    height: int = 200,
    label_every: int = 1,
) -> SafeString:
    """An inline SVG bar chart.

    ``bars`` are (label, value) pairs drawn in order. Vertical charts (columns) suit short labels such as
    hours (``label_every`` thins the axis labels); horizontal charts suit long names (one row of ``bar_px``
    per bar, the height follows). Each bar carries a ``<title>`` with its label and value, so screen readers
    and tooltips give the exact figure; the whole chart has ``role="img"`` with a title and description.
    """
    cid = _chart_id(chart_id)
    top = max((value for _label, value in bars), default=0)
    axis_max = _nice_max(top)
    desc = description or ", ".join(f"{label}: {_value_text(value)}" for label, value in bars)
    parts: list[str] = []
    if horizontal:
        label_w, pad_right, pad_top = 170, 40, 8
        height = pad_top * 2 + max(len(bars), 1) * bar_px
        plot_w = width - label_w - pad_right
        for i, (label, value) in enumerate(bars):
            y = pad_top + i * bar_px
            w = plot_w * value / axis_max
            shown = label if len(label) <= 20 else label[:19] + "…"
            parts.append(
                f"<g><title>{escape(label)}: {escape(_value_text(value))}</title>"
                f'<text x="{label_w - 6}" y="{_num(y + bar_px * 0.68)}" text-anchor="end" {FONT}>{escape(shown)}</text>'
                f'<rect x="{label_w}" y="{_num(y + 2)}" width="{_num(w)}" height="{_num(bar_px - 4)}" '
                f'fill="{BAR_COLOR}"/>'
                f'<text x="{_num(label_w + w + 4)}" y="{_num(y + bar_px * 0.68)}" {FONT}>'
                f"{escape(_value_text(value))}</text></g>"
            )
        parts.insert(
            0,
            f'<line x1="{label_w}" y1="{pad_top}" x2="{label_w}" y2="{height - pad_top}" stroke="{AXIS_COLOR}"/>',
        )
    else:
        pad_left, pad_right, pad_top, pad_bottom = 34, 8, 10, 22
        plot_w = width - pad_left - pad_right
        plot_h = height - pad_top - pad_bottom
        base_y = pad_top + plot_h
        for fraction in (0.0, 0.5, 1.0):
            y = base_y - plot_h * fraction
            parts.append(
                f'<line x1="{pad_left}" y1="{_num(y)}" x2="{width - pad_right}" y2="{_num(y)}" '
                f'stroke="{GRID_COLOR}"/><text x="{pad_left - 4}" y="{_num(y + 4)}" text-anchor="end" '
                f'fill="{AXIS_COLOR}" {FONT}>{escape(_value_text(axis_max * fraction))}</text>'
            )
        slot = plot_w / max(len(bars), 1)
        for i, (label, value) in enumerate(bars):
            h = plot_h * value / axis_max
            x = pad_left + i * slot
            text = ""
            if i % max(label_every, 1) == 0:
                text = (
                    f'<text x="{_num(x + slot / 2)}" y="{height - 6}" text-anchor="middle" {FONT}>'
                    f"{escape(label)}</text>"
                )
            parts.append(
                f"<g><title>{escape(label)}: {escape(_value_text(value))}</title>"
                f'<rect x="{_num(x + slot * 0.12)}" y="{_num(base_y - h)}" width="{_num(slot * 0.76)}" '
                f'height="{_num(h)}" fill="{BAR_COLOR}"/>{text}</g>'
            )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{cid}-title {cid}-desc">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
        + "".join(parts)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped

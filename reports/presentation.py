"""A snapshot made readable: labels in the current language, charts, countermeasures as safe HTML.

The same context feeds the preview page, the PDF and the XLSX, so the three always show the same figures.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from incidents.analysis.figures import weekday_labels
from incidents.charts import bar_chart_svg
from incidents.models import IncidentCategory, IncidentStatus, Severity
from reports.charts import hotspot_map_svg, line_chart_svg
from reports.models import LOWER_IS_BETTER, Metric

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.、)])\s+")
_HEADING = re.compile(r"^#{1,3}\s+")


def countermeasures_html(text: str) -> SafeString:
    """Markdown-lite: blank lines part paragraphs, ``# `` starts a heading, ``- ``/``1. `` lines make a list.

    Every piece of the text is escaped; only the tags written here are markup, so ``<script>`` stays text.
    """
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and _HEADING.match(lines[0]):
            blocks.append(f"<h3>{escape(_HEADING.sub('', lines[0]))}</h3>")
        elif all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{escape(_BULLET.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - every text above is escaped


def _labelled(rows: list[dict], labels: dict[str, str]) -> list[dict]:
    return [{**row, "label": labels.get(row["key"], row["key"])} for row in rows]


def metric_label(metric: str) -> str:
    try:
        return str(Metric(metric).label)
    except ValueError:
        return metric


def scorecard_rows(card: dict) -> list[dict]:
    return [
        {
            **row,
            "label": metric_label(row["metric"]),
            "lower_is_better": row["metric"] in LOWER_IS_BETTER,
        }
        for row in card["metrics"]
    ]


def report_context(snapshot: dict, *, countermeasures: str) -> dict:
    """Everything the report templates and the XLSX need, from the stored snapshot alone."""
    inc = snapshot["incidents"]
    category = {k: str(v) for k, v in IncidentCategory.choices}
    severity = {k: str(v) for k, v in Severity.choices}
    status = {k: str(v) for k, v in IncidentStatus.choices}
    severity_all = {**severity, "all": _("All")}
    weekdays = weekday_labels()
    incidents = {
        **inc,
        "by_category": _labelled(inc["by_category"], category),
        "by_severity": _labelled(inc["by_severity"], severity),
        "by_status": _labelled(inc["by_status"], status),
        "by_weekday": [{**row, "label": weekdays[int(row["key"])]} for row in inc["by_weekday"]],
        "times": list(
            zip(_labelled(inc["ack_times"], severity_all), _labelled(inc["resolve_times"], severity_all), strict=True)
        ),
        "ack_all": next((r for r in inc["ack_times"] if r["key"] == "all"), {}),
        "resolve_all": next((r for r in inc["resolve_times"] if r["key"] == "all"), {}),
    }
    month = snapshot["month"]
    top_schools = inc["by_school"][:10]
    charts = {
        "trend": line_chart_svg(
            chart_id="chart-trend",
            title=_("Incidents per month, the last 12 months to %(month)s") % {"month": month},
            points=[(row["month"], row["count"]) for row in snapshot["trend"]],
        ),
        "category": bar_chart_svg(
            chart_id="chart-category",
            title=_("Incidents by category, %(month)s") % {"month": month},
            bars=[(row["label"], row["count"]) for row in incidents["by_category"]],
            horizontal=True,
            width=640,
        ),
        "hour": bar_chart_svg(
            chart_id="chart-hour",
            title=_("Incidents by hour of day (local time), %(month)s") % {"month": month},
            bars=[(row["label"], row["count"]) for row in inc["by_hour"]],
            label_every=3,
            width=640,
        ),
        "school": bar_chart_svg(
            chart_id="chart-school",
            title=_("Schools with the most incidents, %(month)s") % {"month": month},
            bars=[(row["label"], row["count"]) for row in top_schools],
            horizontal=True,
            width=640,
        ),
        "map": hotspot_map_svg(
            chart_id="chart-map",
            title=_("Hot spots, %(month)s") % {"month": month},
            schools=snapshot["hotspots"]["schools"],
            incidents=snapshot["hotspots"]["incidents"],
            areas=snapshot["hotspots"].get("areas"),  # absent from snapshots issued before schema 2
        ),
    }
    duty = snapshot["duty"]["total"]
    charts["duty"] = bar_chart_svg(
        chart_id="chart-duty",
        title=_("护学岗 slots and check-ins, %(month)s") % {"month": month},
        bars=[
            (_("Planned"), duty["required"]),
            (_("Covered"), duty["covered"]),
            (_("Checked in"), duty["checked_in"]),
            (_("Late"), duty["late"]),
            (_("Missed"), duty["missing"]),
        ],
        width=640,
    )
    cards = [{**card, "rows": scorecard_rows(card)} for card in snapshot["scorecards"]]
    return {
        "snap": snapshot,
        "month": month,
        "station": snapshot["station"],
        "incidents": incidents,
        "top_schools": top_schools,
        "charts": charts,
        "scorecards": cards,
        "countermeasures": countermeasures,
        "countermeasures_html": countermeasures_html(countermeasures),
    }

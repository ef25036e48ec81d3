"""The monthly analysis page and its XLSX export (``?type=xlsx``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Station
from common.exports import Export, export_view
from common.permissions import capability_required
from common.roles import Capability
from common.xlsx import XlsxBook
from incidents.analysis import figures as analysis_figures
from incidents.analysis import params as analysis_params
from incidents.analysis import selectors as analysis_selectors
from incidents.charts import bar_chart_svg


def _type_param(value: str | None) -> str:
    if value in (None, "", "html", "xlsx"):
        return value or "html"
    raise analysis_params.AnalysisParamError(
        _("The parameter “type” must be “xlsx” (or left out for the page), not “%(value)s”.") % {"value": value[:40]},
        details=[{"parameter": "type", "value": value[:40]}],
    )


def charts_for(report: analysis_figures.MonthAnalysis) -> dict:
    """The page's SVG charts: category, hour of day (24 bars), weekday, stations."""
    month = report.month_label
    return {
        "category": bar_chart_svg(
            chart_id="chart-category",
            title=_("Incidents by category, %(month)s") % {"month": month},
            bars=[(row.label, row.count) for row in report.by_category],
            horizontal=True,
        ),
        "hour": bar_chart_svg(
            chart_id="chart-hour",
            title=_("Incidents by hour of day (local time), %(month)s") % {"month": month},
            bars=[(row.label, row.count) for row in report.by_hour],
            label_every=3,
        ),
        "weekday": bar_chart_svg(
            chart_id="chart-weekday",
            title=_("Incidents by weekday, %(month)s") % {"month": month},
            bars=[(row.label, row.count) for row in report.by_weekday],
            width=320,
        ),
        "station": bar_chart_svg(
            chart_id="chart-station",
            title=_("Incidents by station, %(month)s") % {"month": month},
            bars=[(row.label, row.count) for row in report.by_station],
            horizontal=True,
        ),
    }


def _month_links(month: dt.date) -> dict:
    return {
        "previous": f"{analysis_params.previous_month(month):%Y-%m}",
        "next": f"{analysis_params.next_month(month):%Y-%m}",
    }


@export_view
@capability_required(Capability.ANALYZE_INCIDENTS)
def analysis_month(request: HttpRequest) -> HttpResponse:
    """The month's analysis for the county or one station; every analyst sees the whole county."""
    ctx: dict = {
        "stations": Station.objects.order_by("name"),
        "month_value": request.GET.get("month", ""),
        "station_value": request.GET.get("station", ""),
    }
    try:
        kind = _type_param(request.GET.get("type"))
        month = analysis_params.parse_month(request.GET.get("month"))
        station = analysis_params.parse_station(request.GET.get("station"))
    except analysis_params.AnalysisParamError as exc:
        ctx["error"] = exc.message
        return render(request, "incidents/analysis/month.html", ctx, status=400)
    if kind == "xlsx":
        suffix = f"-{station.code}" if station else ""
        return Export(
            kind="incident_analysis",
            fmt="xlsx",
            build=lambda token: analysis_xlsx(
                analysis_selectors.month_analysis(month=month, station=station), token=token
            ),
            filename=f"incident-analysis-{month:%Y-%m}{suffix}.xlsx",
            params={"month": f"{month:%Y-%m}", "station": station.pk if station else None},
        )
    report = analysis_selectors.month_analysis(month=month, station=station)
    query = request.GET.copy()
    query["type"] = "xlsx"
    query["month"] = report.month_label
    ctx.update(
        {
            "report": report,
            "station": station,
            "month_value": report.month_label,
            "charts": charts_for(report),
            "time_rows": list(zip(report.ack_times, report.resolve_times, strict=True)),
            "links": _month_links(month),
            "xlsx_query": query.urlencode(),
            "labels": analysis_selectors.choice_labels(),
            "center": settings.MAP_CENTER,
            "map_labels": {
                "incidents": _("Incidents"),
                "schools": _("Schools by count"),
                "reported": _("incidents"),
                "where": {"point": _("map point"), "gate": _("gate"), "school": _("school")},
                "none": _("No incidents with a place this month."),
                "loaded": _("incidents on the map"),
                "failed": _("The map data could not be loaded."),
            },
        }
    )
    return render(request, "incidents/analysis/month.html", ctx)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: local wall-clock time."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def analysis_xlsx(report: analysis_figures.MonthAnalysis, token=None) -> bytes:
    """One sheet per breakdown, the times, satisfaction, and the month's incidents; rows counted on ``token``."""
    book = XlsxBook(token)
    summary = book.sheet(_("Summary"), widths=(36,))
    sat = report.satisfaction
    rect = report.rectifications
    summary.append([_("Month"), report.month_label], bold_first=True)
    summary.append([_("Station"), report.station_name or _("whole county")], bold_first=True)
    for label, value in (
        (_("Incidents"), report.total),
        (_("Previous month"), report.previous_total),
        (_("Change"), report.total_delta),
        (_("Escalated"), report.escalated),
        (_("Escalated to the station head"), report.escalated_to_head),
        (_("Escalated to the patrol brigade"), report.escalated_to_brigade),
        (_("Acknowledged late or not yet (overdue)"), report.ack_overdue),
        (_("Resolved late or not yet (overdue)"), report.resolve_overdue),
        (_("Overdue (either)"), report.overdue),
        (_("Follow-ups done"), sat.done),
        (_("Satisfied"), sat.satisfied),
        (_("Basically satisfied"), sat.basically),
        (_("Unsatisfied"), sat.unsatisfied),
        (_("Satisfaction rate %"), sat.rate_pct),
        (_("Rectification items created"), rect.created),
        (_("... still open"), rect.open),
        (_("... cleared"), rect.cleared),
        (_("Open rectification items (all months)"), rect.open_total),
    ):
        summary.append([label, value], bold_first=True)

    def sheet(title: str, header: list[str], rows: Iterable[list], **options) -> None:
        page = book.sheet(title, header, **options)
        for row in rows:
            page.append(row)

    sheet(
        _("Categories"),
        [_("Category"), _("Incidents"), _("Previous month"), _("Change")],
        ([r.label, r.count, r.previous, r.delta] for r in report.by_category),
    )
    sheet(_("Severity"), [_("Severity"), _("Incidents")], ([r.label, r.count] for r in report.by_severity))
    sheet(_("Status"), [_("Status"), _("Incidents")], ([r.label, r.count] for r in report.by_status))
    sheet(_("Schools"), [_("School"), _("Incidents")], ([r.label, r.count] for r in report.by_school))
    sheet(_("Stations"), [_("Station"), _("Incidents")], ([r.label, r.count] for r in report.by_station))
    sheet(_("Hours"), [_("Hour of day"), _("Incidents")], ([int(r.key), r.count] for r in report.by_hour))
    sheet(_("Weekdays"), [_("Weekday"), _("Incidents")], ([r.label, r.count] for r in report.by_weekday))
    time_header = [_("Measure"), _("Severity"), _("Measured"), _("Still open"), _("Median (min)"), _("P90 (min)")]
    sheet(
        _("Times"),
        time_header,
        (
            [measure, r.label, r.measured, r.open, r.median_min, r.p90_min]
            for measure, rows in ((_("Acknowledgement"), report.ack_times), (_("Resolution"), report.resolve_times))
            for r in rows
        ),
    )
    labels = analysis_selectors.choice_labels()
    stamp = "yyyy-mm-dd hh:mm"
    sheet(
        _("Incidents"),
        [
            _("Reference"),
            _("Time of the incident"),
            _("Reported at"),
            _("Acknowledged at"),
            _("Resolved at"),
            _("Closed at"),
            _("School"),
            _("Station"),
            _("Category"),
            _("Severity"),
            _("Status"),
            _("Acknowledgement (min)"),
            _("Resolution (min)"),
            _("Satisfaction"),
        ],
        (
            [
                f.reference,
                _local(f.occurred_at),
                _local(f.created_at),
                _local(f.acknowledged_at),
                _local(f.resolved_at),
                _local(f.closed_at),
                f.school_name,
                f.station_name,
                labels["category"].get(f.category, f.category),
                labels["severity"].get(f.severity, f.severity),
                labels["status"].get(f.status, f.status),
                None if f.ack_minutes is None else round(f.ack_minutes, 1),
                None if f.resolve_minutes is None else round(f.resolve_minutes, 1),
                labels["satisfaction"].get(f.satisfaction, ""),
            ]
            for f in report.incidents
        ),
        widths=(14, 18, 18, 18, 18, 18),
        formats=dict.fromkeys(range(1, 6), stamp),
    )
    return book.content()

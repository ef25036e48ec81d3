"""The report as HTML (preview), PDF (WeasyPrint, A4 portrait) and XLSX (one sheet per section).

All three are built from one stored snapshot (the draft's or an issued version's) through
``reports.presentation.report_context``, so they agree with each other and with what was issued.
"""

from __future__ import annotations

import functools
import importlib.util

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from common.exports import Export
from common.xlsx import XlsxBook
from reports.models import Report, ReportVersion
from reports.presentation import report_context

TEMPLATE = "reports/document.html"
PDF_CONTENT_TYPE = "application/pdf"


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or its system libraries) is not installed on this server."""


def document_context(report: Report, version: ReportVersion | None, *, for_pdf: bool) -> dict:
    source = version if version is not None else report
    ctx = report_context(source.snapshot, countermeasures=source.countermeasures)
    ctx.update({"report": report, "version": version, "for_pdf": for_pdf})
    return ctx


def report_html(report: Report, version: ReportVersion | None, *, for_pdf: bool = False, request=None) -> str:
    return render_to_string(TEMPLATE, document_context(report, version, for_pdf=for_pdf), request=request)


def report_pdf(report: Report, version: ReportVersion | None) -> bytes:
    """The PDF: the same document with the report stylesheet given to WeasyPrint directly (no web server)."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: pango or cairo missing
        raise PdfUnavailable(str(exc)) from exc
    css_path = finders.find("reports/report.css")
    html = report_html(report, version, for_pdf=True)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=css_path)])


def report_xlsx(report: Report, version: ReportVersion | None, token=None) -> bytes:
    """One sheet per section, the figures as the report shows them."""
    source = version if version is not None else report
    ctx = report_context(source.snapshot, countermeasures=source.countermeasures)
    snap, inc = ctx["snap"], ctx["incidents"]
    book = XlsxBook(token)

    about = book.sheet(_("Report"), widths=(28, 40))
    about.note([_("Monthly school safety analysis"), snap["month"]])
    about.note([_("Scope"), snap["station"]["name"] if snap["station"] else _("whole county")])
    about.note([_("Version"), f"v{version.number}" if version else _("draft")])
    if version is not None:
        about.note([_("Issued by"), version.issued_by.get_username()])
        about.note([_("Issued at"), version.issued_at.isoformat()])
    about.note([_("Figures computed at"), snap["computed_at"]])

    ws = book.sheet(_("Incidents"), [_("Category"), _("Incidents"), _("Previous month"), _("Change")], widths=(28,))
    for row in inc["by_category"]:
        ws.append([row["label"], row["count"], row["previous"], row["delta"]])
    ws.append([_("Total"), inc["total"], inc["previous_total"], inc["total_delta"]], bold_first=True)

    ws = book.sheet(_("Trend"), [_("Month"), _("Incidents")])
    for row in snap["trend"]:
        ws.append([row["month"], row["count"]])

    ws = book.sheet(_("By hour"), [_("Hour"), _("Incidents")])
    for row in inc["by_hour"]:
        ws.append([row["label"], row["count"]])

    ws = book.sheet(_("By school"), [_("School"), _("Incidents")], widths=(32,))
    for row in inc["by_school"]:
        ws.append([row["label"], row["count"]])

    ws = book.sheet(
        _("Response times"),
        [_("Severity"), _("Acknowledged"), "P50 (min)", "P90 (min)", _("Resolved"), "P50 (min)", "P90 (min)"],
        widths=(16,),
    )
    for ack, res in inc["times"]:
        ws.append(
            [ack["label"], ack["measured"], ack["median_min"], ack["p90_min"], res["measured"], res["median_min"],
             res["p90_min"]]
        )  # fmt: skip

    ws = book.sheet(_("Hot spots"), [_("School"), _("Latitude"), _("Longitude"), _("Incidents")], widths=(32,))
    for s in sorted(snap["hotspots"]["schools"], key=lambda s: (-s["count"], s["name"])):
        ws.append([s["name"], s["lat"], s["lon"], s["count"]])

    ws = book.sheet(
        _("Liaison coverage"),
        [_("Station"), _("Schools"), _("Covered"), _("No liaison"), _("Needs reassignment"), _("Coverage %")],
        widths=(24,),
    )
    for row in [*snap["liaison"]["stations"], {**snap["liaison"]["total"], "station": {"name": _("Total")}}]:
        ws.append(
            [(row["station"] or {}).get("name", _("Outside every jurisdiction")), row["schools"], row["covered"],
             row["uncovered"], row["needs_reassignment"], row["coverage_pct"]]
        )  # fmt: skip

    ws = book.sheet(
        _("Gate duty"),
        [_("Station"), _("Planned"), _("Covered"), _("Checked in"), _("Late"), _("Missed"), _("Check-in %")],
        widths=(24,),
    )
    for row in [*snap["duty"]["stations"], {**snap["duty"]["total"], "label": _("Total")}]:
        ws.append([row["label"], row["required"], row["covered"], row["checked_in"], row["late"], row["missing"],
                   row["checkin_pct"]])  # fmt: skip

    drills = snap["drills"]
    ws = book.sheet(
        _("Drills and plans"),
        [_("Station"), _("Schools"), _("Done"), _("Due"), _("Overdue"), _("Done %")],
        widths=(24,),
    )
    if drills["total"]:
        for row in [*drills["stations"], {**drills["total"], "station": {"name": _("Total")}}]:
            ws.append([row["station"]["name"], row["schools"], row["done"], row["due"], row["overdue"],
                       row["done_pct"]])  # fmt: skip
    plans = drills["plans"]
    ws.note([])
    ws.note([_("Plans on file"), plans["plans"]])
    ws.note([_("Required plans missing"), plans["missing"]])
    ws.note([_("Reviews overdue"), plans["review_overdue"]])

    sat, rect = inc["satisfaction"], inc["rectifications"]
    ws = book.sheet(_("Follow-ups"), [_("Figure"), _("Value")], widths=(36,))
    for label, value in (
        (_("Follow-ups done"), sat["done"]),
        (_("Satisfied"), sat["satisfied"]),
        (_("Basically satisfied"), sat["basically"]),
        (_("Unsatisfied"), sat["unsatisfied"]),
        (_("Satisfaction rate"), sat["rate_pct"]),
        (_("Rectifications raised this month"), rect["created"]),
        (_("Rectifications cleared"), rect["cleared"]),
        (_("Rectifications open in all months"), rect["open_total"]),
    ):
        ws.append([label, value])

    ws = book.sheet(_("Drones and publicity"), [_("Figure"), _("Value")], widths=(36,))
    for label, value in (
        (_("Flights"), snap["drones"]["flights"]),
        (_("Completed"), snap["drones"]["completed"]),
        (_("Minutes flown"), snap["drones"]["flight_min"]),
        (_("People reached this month"), snap["publicity"]["flown"]),
        (_("Reached this year"), snap["publicity"]["year_flown"]),
        (_("Year target"), snap["publicity"]["year_target"]),
    ):
        ws.append([label, value])

    ws = book.sheet(
        _("Scorecards"), [_("Station"), _("Metric"), _("Figure"), _("Target"), _("Result")], widths=(24, 36)
    )
    for card in ctx["scorecards"]:
        for row in card["rows"]:
            result = {True: _("met"), False: _("missed"), None: _("no target")}[row["met"]]
            ws.append([card["station"]["name"], row["label"], row["value"], row["target"], result])

    ws = book.sheet(_("Countermeasures"), widths=(120,))
    for paragraph in (ctx["countermeasures"] or "").split("\n"):
        ws.note([paragraph])
    return book.content()


@functools.cache
def pdf_available() -> bool:
    """Whether WeasyPrint and its system libraries (pango) load here; asked once per process."""
    if importlib.util.find_spec("weasyprint") is None:
        return False
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return False
    return True


def export_filename(report: Report, version: ReportVersion | None, ext: str) -> str:
    scope = report.station.code if report.station_id else "county"
    label = f"v{version.number}" if version else "draft"
    return f"monthly-report-{report.month:%Y-%m}-{scope}-{label}.{ext}"


def report_export(report: Report, version: ReportVersion | None, fmt: str) -> Export:
    """The download of the draft (``version`` None) or an issued version as ``fmt`` ("pdf" or "xlsx"), for
    ``common.exports.export_view`` to build and audit; the pages and the API both return it."""
    params = {"report": report.pk, "version": version.number if version else "draft"}
    if fmt == "pdf":
        return Export(
            kind="monthly_report",
            fmt="pdf",
            build=lambda token: report_pdf(report, version),
            filename=export_filename(report, version, "pdf"),
            content_type=PDF_CONTENT_TYPE,
            params=params,
            obj=report,
        )
    return Export(
        kind="monthly_report",
        fmt="xlsx",
        build=lambda token: report_xlsx(report, version, token=token),
        filename=export_filename(report, version, "xlsx"),
        params=params,
        obj=report,
    )

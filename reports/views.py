"""Pages: the list (and a new draft), one report (refresh, countermeasures, issue, versions), its preview
(print CSS, no menu), PDF and XLSX downloads, and the units' targets.

``?version=N`` names an issued version; without it an author sees the draft and a reader the latest issued
version. Downloads run through ``common.exports`` (limited, cancelled with their client, audited).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.models import Station
from common.errors import DomainError
from common.exports import export_view
from common.permissions import capability_required
from reports import services
from reports.access import READ_CAPABILITY, may_author_reports, may_edit_targets
from reports.forms import CountermeasuresForm, ReportCreateForm, TargetForm
from reports.models import Metric, Report, ReportVersion, Target
from reports.rendering import pdf_available, report_export, report_html
from reports.selectors import VersionParamError, report_for, reports_visible, version_shown


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _require_author(request: HttpRequest) -> None:
    if not may_author_reports(request.user):
        raise PermissionDenied


def _version_of(request: HttpRequest, report: Report) -> ReportVersion | None:
    return version_shown(request.user, report, request.GET.get("version"))


def _bad_parameter(request: HttpRequest, report: Report, exc: DomainError) -> HttpResponse:
    return render(request, "reports/error.html", {"report": report, "error": exc.message}, status=400)


@capability_required(READ_CAPABILITY)
def report_list(request: HttpRequest) -> HttpResponse:
    reports = list(reports_visible(request.user)[:200])
    ctx = {
        "reports": reports,
        "may_author": may_author_reports(request.user),
        "form": ReportCreateForm(),
    }
    return render(request, "reports/list.html", ctx)


@require_POST
@capability_required(READ_CAPABILITY)
def report_create(request: HttpRequest) -> HttpResponse:
    _require_author(request)
    form = ReportCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("No draft was created: %(errors)s") % {"errors": _form_errors(form)})
        return redirect("reports:report-list")
    try:
        report = services.report_draft_create(
            actor=request.user, month=form.cleaned_data["month"], station=form.cleaned_data["station"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:report-list")
    messages.success(request, _("Draft created with the figures as of now."))
    return redirect("reports:report-detail", pk=report.pk)


@capability_required(READ_CAPABILITY)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk)
    author = may_author_reports(request.user)
    ctx = {
        "report": report,
        "versions": list(report.versions.all()),
        "may_author": author,
        "form": CountermeasuresForm(initial={"text": report.countermeasures}) if author else None,
    }
    return render(request, "reports/detail.html", ctx)


def _author_action(request: HttpRequest, pk: int, act) -> HttpResponse:
    """An author's POST on a report: ``act(report)`` runs the service and returns the success message (or
    ``None`` with the error already shown); a refused service shows its reason. Back to the report's page."""
    _require_author(request)
    report = report_for(request.user, pk)
    try:
        done = act(report)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if done:
            messages.success(request, done)
    return redirect("reports:report-detail", pk=report.pk)


@require_POST
@capability_required(READ_CAPABILITY)
def report_refresh_view(request: HttpRequest, pk: int) -> HttpResponse:
    def act(report: Report) -> str:
        services.report_refresh(actor=request.user, report=report)
        return _("The draft's figures were computed again.")

    return _author_action(request, pk, act)


@require_POST
@capability_required(READ_CAPABILITY)
def report_countermeasures(request: HttpRequest, pk: int) -> HttpResponse:
    def act(report: Report) -> str | None:
        form = CountermeasuresForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, _("The countermeasures were not saved: %(errors)s") % {"errors": _form_errors(form)}
            )
            return None
        services.report_countermeasures_save(actor=request.user, report=report, text=form.cleaned_data["text"])
        return _("Countermeasures saved.")

    return _author_action(request, pk, act)


@require_POST
@capability_required(READ_CAPABILITY)
def report_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    def act(report: Report) -> str:
        version = services.report_issue(actor=request.user, report=report)
        return _("Issued as version %(number)d.") % {"number": version.number}

    return _author_action(request, pk, act)


@capability_required(READ_CAPABILITY)
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk)
    try:
        version = _version_of(request, report)
    except VersionParamError as exc:
        return _bad_parameter(request, report, exc)
    return HttpResponse(report_html(report, version, request=request))


@export_view
@capability_required(READ_CAPABILITY)
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk)
    try:
        version = _version_of(request, report)
    except VersionParamError as exc:
        return _bad_parameter(request, report, exc)
    if not pdf_available():
        error = _("PDF output is not available on this server (WeasyPrint is not installed); download the XLSX.")
        return render(request, "reports/error.html", {"report": report, "error": error}, status=503)
    return report_export(report, version, "pdf")


@export_view
@capability_required(READ_CAPABILITY)
def report_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk)
    try:
        version = _version_of(request, report)
    except VersionParamError as exc:
        return _bad_parameter(request, report, exc)
    return report_export(report, version, "xlsx")


@capability_required(READ_CAPABILITY)
def target_list(request: HttpRequest) -> HttpResponse:
    if not may_edit_targets(request.user):
        raise PermissionDenied
    status = 200
    form = TargetForm()
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.target_set(
                    actor=request.user, metric=data["metric"], station=data["station"], value=data["value"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Target saved."))
                return redirect("reports:target-list")
        status = 400
    targets = list(Target.objects.select_related("station"))
    county = {t.metric: t.value for t in targets if t.station_id is None}
    rows = [
        {
            "metric": metric,
            "county": county.get(metric.value),
            "overrides": [t for t in targets if t.metric == metric.value and t.station_id is not None],
        }
        for metric in Metric
    ]
    ctx = {"form": form, "rows": rows, "stations": Station.objects.order_by("name")}
    return render(request, "reports/targets.html", ctx, status=status)

"""Reporting pages: the phone-friendly form, the confirmation, "my school's reports", photos."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from campus.models import School
from campus.selectors import staff_school_id
from common.errors import DomainError, NotAllowed
from common.permissions import capability_required
from common.roles import Capability, Role, roles_of
from incidents.filters import ReportFilterSet
from incidents.followup import follow_up_channel
from incidents.models import FollowUp, IncidentStatus, Severity
from incidents.photos import photo_response, photo_uploads_from_files, visible_photo
from incidents.report.forms import ReportForm
from incidents.report.services import (
    IdempotencyKeyReused,
    incident_report,
    incidents_reported_by_mine,
    incidents_visible,
    reporter_defaults,
    reporting_schools,
)
from incidents.report.timeline import report_timeline


def _fixed_school(user) -> School | None:
    """School staff report for their own school; administrators choose (None)."""
    if Role.BUREAU_ADMIN in roles_of(user):
        return None
    school_id = staff_school_id(user)
    if school_id is None:
        raise PermissionDenied(_("Your account is not linked to a school, so you cannot report incidents."))
    return School.objects.select_related("responsible_station").get(pk=school_id)


def _add_service_errors(form: ReportForm, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in errors.items():
        if field in form.fields:
            form.add_error(field, messages)
        elif field in ("school",) or field is None:
            form.add_error(None, messages)
        else:
            form.add_error(None, [f"{field}: {m}" for m in messages])


def _school_context(school: School | None) -> dict:
    if school is None:
        return {"school_lat": settings.MAP_CENTER[0], "school_lon": settings.MAP_CENTER[1]}
    return {"school_lat": school.lat, "school_lon": school.lon}


@never_cache
@capability_required(Capability.REPORT_INCIDENTS)
def report_new(request):
    fixed = _fixed_school(request.user)
    schools = reporting_schools(request.user).order_by("code")
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, schools=schools, fixed_school=fixed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident, _created = incident_report(
                    reporter=request.user,
                    school=form.chosen_school(),
                    category=data["category"],
                    severity=data["severity"],
                    occurred_at=data["occurred_at"],
                    description=data["description"],
                    idempotency_key=data["idempotency_key"],
                    gate=data["gate"],
                    lat=data["lat"],
                    lon=data["lon"],
                    location_note=data["location_note"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    photos=photo_uploads_from_files(data["photos"]),
                )
            except IdempotencyKeyReused as exc:
                # The page was sent before with other content (back button, edited): a new key makes
                # the next press a new report, on purpose.
                form.add_error(None, exc.message)
                form.add_error(None, _("Press “Send report” again to send this as a new report."))
                form.data = form.data.copy()
                form.data["idempotency_key"] = uuid.uuid4().hex
            except DomainError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                return redirect("incidents:report-done", pk=incident.pk)
        form.narrow_gates()
    else:
        initial = reporter_defaults(request.user)
        if fixed is None and request.GET.get("school", "").isdigit():
            initial["school"] = int(request.GET["school"])
        form = ReportForm(initial=initial, schools=schools, fixed_school=fixed)
    chosen = fixed
    if chosen is None:
        school_id = form.data.get("school") if form.is_bound else form.initial.get("school")
        chosen = schools.filter(pk=school_id).first() if str(school_id or "").isdigit() else None
    severity = form.data.get("severity") if form.is_bound else None
    return render(
        request,
        "incidents/report/new.html",
        {
            "form": form,
            "fixed_school": fixed,
            "urgent": severity == Severity.URGENT,
            "photos_max": settings.INCIDENT_PHOTOS_MAX,
            "photo_max_mb": settings.INCIDENT_PHOTO_MAX_BYTES // (1024 * 1024),
            **_school_context(chosen),
        },
    )


def _visible_report(user, pk: int):
    incident = incidents_visible(user).prefetch_related("photos").filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def _may_follow_up(user, incident, follow_up: FollowUp | None) -> bool:
    """The 回访 is open to this user now: resolved, still pending, and theirs to record."""
    if follow_up is None or follow_up.status != FollowUp.Status.PENDING:
        return False
    if incident.status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        return False
    try:
        return bool(follow_up_channel(user, incident))
    except NotAllowed:
        return False


@capability_required(Capability.REPORT_INCIDENTS)
def report_done(request, pk: int):
    """The reporter's page of one report: what was sent, who answers, how it was handled, the 回访."""
    incident = _visible_report(request.user, pk)
    follow_up = FollowUp.objects.filter(incident=incident).first()
    return render(
        request,
        "incidents/report/done.html",
        {
            "incident": incident,
            "urgent": incident.severity == Severity.URGENT,
            "photos": incident.photos.all(),
            "follow_up": follow_up,
            "can_follow_up": _may_follow_up(request.user, incident, follow_up),
            "timeline": report_timeline(incident, follow_up=follow_up),
        },
    )


@capability_required(Capability.REPORT_INCIDENTS)
def report_mine(request):
    reports = ReportFilterSet(request.GET, incidents_reported_by_mine(request.user), only=("status",))
    qs = reports.qs.order_by("-created_at", "-id")
    status = reports.values["status"]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/report/mine.html",
        {"page": page, "status": status, "statuses": IncidentStatus.choices},
    )


@capability_required(Capability.VIEW_INCIDENTS)
def report_photo(request, pk: int):
    return photo_response(visible_photo(request.user, pk))

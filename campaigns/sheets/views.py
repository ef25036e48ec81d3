"""Day sheet and flight application pages (``sheet-...``, ``application-...``).

- ``sheet_day``: one pilot's sorties of a day (the user's own by default) or everyone's, printable, with
  a map of the launch points, the XLSX download and "fly this sortie" for the pilot; the calendar link.
- ``sheet_calendar``: the pilot's private ICS feed, opened by its token (no login).
- ``application_list``: a day's flight applications (tomorrow's by default), their XLSX for filing, and the
  workflow's actions (submit all or one, record approved with its reference, record refused with a reason).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import FlightApplication, Sortie
from campaigns.sheets import exports, ics, params, selectors, services
from campaigns.sheets.models import PilotCalendarToken
from common.errors import DomainError, NotAllowed
from common.exports import Export, export_view
from common.permissions import capability_required
from common.roles import Capability, can
from drones.models import Pilot


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _calendar_url(request: HttpRequest, pilot: Pilot | None) -> str | None:
    """The pilot's feed URL, shown to the pilot and to planners only (it is a secret)."""
    if pilot is None or not (pilot.user_id == request.user.pk or can(request.user, Capability.PLAN_CAMPAIGNS)):
        return None
    token = services.pilot_calendar_token(pilot)
    return request.build_absolute_uri(reverse("campaigns:sheet-calendar", kwargs={"token": token.token}))


@export_view
@require_GET
@capability_required(Capability.VIEW_CAMPAIGNS)
def sheet_day(request: HttpRequest) -> HttpResponse:
    """``?day=YYYY-MM-DD`` (today), ``?pilot=ID|all`` (the user's own), ``?export=xlsx``."""
    try:
        day = params.parse_day(request.GET.get("day"), default=params.today())
        pilot = params.parse_pilot(request.GET.get("pilot"), user=request.user)
    except params.BadParameter as exc:
        return _bad_request(exc.message)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except Pilot.DoesNotExist:
        raise Http404(_("No such pilot.")) from None
    sorties = selectors.day_sorties(day, pilot=pilot)
    title = _("Day sheet of %(pilot)s") % {"pilot": pilot} if pilot is not None else _("Day sheet of all pilots")
    fmt = request.GET.get("export", "")
    if fmt and fmt != "xlsx":
        return _bad_request(_("The parameter “export” must be “xlsx”."))
    if fmt:
        return Export(
            kind="campaign_day_sheet",
            fmt="xlsx",
            build=lambda token: exports.sheet_xlsx(day=day, title=title, sorties=sorties, token=token),
            filename=f"sheet-{day.isoformat()}-{pilot.pk if pilot else 'all'}.xlsx",
            params={"day": day.isoformat(), "pilot": pilot.pk if pilot else "all"},
        )
    rows = selectors.sheet_rows(sorties)
    own = selectors.pilot_of_user(request.user)
    return render(
        request,
        "campaigns/sheets/day.html",
        {
            "day": day,
            "pilot": pilot,
            "title": title,
            "rows": rows,
            "pilots": selectors.pilots_for_sheets(),
            "own_pilot": own,
            "is_today": day == params.today(),
            "can_fly": can(request.user, Capability.COMMAND_DRONES),
            "calendar_url": _calendar_url(request, pilot),
            "map_points": selectors.sheet_map_points(rows),
            "center": settings.MAP_CENTER,
            "map_labels": {"launch": _("Launch point"), "take_off": _("take-off"), "cancelled": _("cancelled")},
            "prev_day": day.fromordinal(day.toordinal() - 1),
            "next_day": day.fromordinal(day.toordinal() + 1),
        },
    )


@require_POST
@capability_required(Capability.VIEW_CAMPAIGNS, Capability.COMMAND_DRONES)
def sheet_fly(request: HttpRequest, pk: int) -> HttpResponse:
    """Fly this sortie: open (or reopen) its flight and go to the flight page; refused with the reason."""
    sortie = get_object_or_404(Sortie.objects.select_related("occurrence"), pk=pk)
    back = _back(request, reverse("campaigns:sheet-day") + f"?day={sortie.occurrence.date.isoformat()}")
    try:
        flight = services.sortie_fly(sortie=sortie, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("Flight %(flight)s of the sortie is open: run the preflight.") % {"flight": flight.pk})
    return redirect("drones:flight_detail", pk=flight.pk)


@require_POST
@capability_required(Capability.VIEW_CAMPAIGNS)
def sheet_calendar_renew(request: HttpRequest, pk: int) -> HttpResponse:
    pilot = get_object_or_404(Pilot, pk=pk)
    try:
        services.pilot_calendar_token_renew(pilot=pilot, actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("A new calendar link was made; the old one no longer works."))
    return redirect(_back(request, reverse("campaigns:sheet-day") + f"?pilot={pilot.pk}"))


@require_GET
def sheet_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The pilot's private ICS feed: no login, the token is the key (sorties of the last 30 days on)."""
    link = PilotCalendarToken.objects.select_related("pilot__user").filter(token=token).first() if token else None
    if link is None:
        raise Http404
    sorties = selectors.pilot_sorties_for_calendar(link.pilot)
    body = ics.pilot_calendar_ics(pilot=link.pilot, sorties=sorties, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sorties.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- flight applications ---------------------------------------------------------------------------


@export_view
@require_GET
@capability_required(Capability.VIEW_CAMPAIGNS)
def application_list(request: HttpRequest) -> HttpResponse:
    """``?day=YYYY-MM-DD`` (tomorrow), ``?export=xlsx`` for filing. A planner opening or exporting the list
    makes the missing rows (drafts)."""
    try:
        day = params.parse_day(request.GET.get("day"), default=params.tomorrow())
    except params.BadParameter as exc:
        return _bad_request(exc.message)
    fmt = request.GET.get("export", "")
    if fmt and fmt != "xlsx":
        return _bad_request(_("The parameter “export” must be “xlsx”."))
    can_plan = can(request.user, Capability.PLAN_CAMPAIGNS)
    if can_plan:
        services.applications_ensure(day=day, actor=request.user)
    rows = selectors.application_rows(day)
    if fmt:
        return Export(
            kind="campaign_flight_applications",
            fmt="xlsx",
            build=lambda token: exports.applications_xlsx(day=day, rows=rows, token=token),
            filename=f"flight-applications-{day.isoformat()}.xlsx",
            params={"day": day.isoformat()},
        )
    counts = selectors.application_counts(rows)
    return render(
        request,
        "campaigns/sheets/applications.html",
        {
            "day": day,
            "due": selectors.application_due(day),
            "overdue": selectors.application_due(day) < params.today() and counts[FlightApplication.Status.DRAFT],
            "rows": rows,
            "counts": [(value, label, counts[value]) for value, label in FlightApplication.Status.choices],
            "can_plan": can_plan,
            "prev_day": day.fromordinal(day.toordinal() - 1),
            "next_day": day.fromordinal(day.toordinal() + 1),
        },
    )


def _application_back(request: HttpRequest, application: FlightApplication | None = None, day=None) -> str:
    day = day or application.sortie.occurrence.date
    return _back(request, reverse("campaigns:application-list") + f"?day={day.isoformat()}")


def _act(request: HttpRequest, action, success: str) -> None:
    try:
        action()
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if success:
            messages.success(request, success)


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def application_submit_day(request: HttpRequest) -> HttpResponse:
    try:
        day = params.parse_day(request.POST.get("day"), default=params.tomorrow())
    except params.BadParameter as exc:
        return _bad_request(exc.message)
    done: dict = {}
    _act(request, lambda: done.update(n=services.applications_submit_day(day=day, actor=request.user)), "")
    if "n" in done:
        messages.success(
            request, _("%(n)d applications of %(day)s marked submitted.") % {"n": done["n"], "day": day.isoformat()}
        )
    return redirect(_application_back(request, day=day))


def _application(pk: int) -> FlightApplication:
    return get_object_or_404(FlightApplication.objects.select_related("sortie__occurrence"), pk=pk)


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    _act(
        request,
        lambda: services.application_submit(application=application, actor=request.user),
        _("The application is marked submitted."),
    )
    return redirect(_application_back(request, application))


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    _act(
        request,
        lambda: services.application_approve(
            application=application, actor=request.user, reference=request.POST.get("reference", "")
        ),
        _("The approval is recorded."),
    )
    return redirect(_application_back(request, application))


@require_POST
@capability_required(Capability.PLAN_CAMPAIGNS)
def application_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    _act(
        request,
        lambda: services.application_refuse(
            application=application, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("The refusal is recorded."),
    )
    return redirect(_application_back(request, application))

"""Pages of the duty day: my duties today (phone), the live board, coverage statistics."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.models import Station, Term
from campus.scope import scope_of
from common.errors import DomainError
from common.exports import Export, export_view
from common.forms import form_errors
from common.permissions import capability_required
from common.roles import Capability
from patrol.duty import selectors, services, stats
from patrol.duty.forms import GuardPatrolForm, PositionForm
from patrol.duty.params import parse_day, stats_params
from patrol.models import DutyShift


def staff_only(user) -> bool:
    """No police role: the registry scope (``campus.scope``) is at most the user's own school."""
    return not scope_of(user).registry_county


# --- my duties today ---------------------------------------------------------------------------


@capability_required(Capability.STAND_DUTY)
def duty_today(request):
    now = timezone.now()
    day = parse_day(request.GET.get("date"), timezone.localdate(now))
    duties = list(selectors.my_assignments_on(user=request.user, date=day))
    for a in duties:
        a.current = getattr(a, "checkin", None)
        a.status = selectors.person_status(shift=a.shift, checkin=a.current, now=now)
        a.status_label = selectors.Status.labels[a.status]
        opens = a.shift.start - dt.timedelta(minutes=selectors.CHECKIN_OPENS_MIN)
        a.can_check_in = a.current is None and opens <= now < a.shift.end
        a.opens_at = opens
        a.can_check_out = a.current is not None and a.current.checked_out_at is None
    patrol_shifts = list(selectors.patrol_shifts_for(user=request.user, date=day).prefetch_related("patrols__staff"))
    for shift in patrol_shifts:
        shift.form = GuardPatrolForm(shift=shift)
        shift.recorded = [selectors.patrol_dict(p) for p in shift.patrols.all()]
    return render(
        request,
        "patrol/duty/today.html",
        {
            "day": day,
            "is_today": day == timezone.localdate(now),
            "duties": duties,
            "position_form": PositionForm(),
            "patrol_shifts": patrol_shifts,
        },
    )


def _own_or_visible_assignment(user, pk: int):
    assignment = selectors.assignments_visible(user).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


def _today_url(assignment) -> str:
    return f"{reverse('patrol:duty-today')}?date={assignment.shift.date.isoformat()}"


@require_POST
@capability_required(Capability.STAND_DUTY)
def duty_check_in(request, pk: int):
    assignment = _own_or_visible_assignment(request.user, pk)
    form = PositionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check-in refused: %(errors)s") % {"errors": form_errors(form)})
        return redirect(_today_url(assignment))
    data = form.cleaned_data
    try:
        checkin = services.duty_check_in(
            assignment=assignment,
            actor=request.user,
            lat=data["lat"],
            lon=data["lon"],
            accuracy_m=data["accuracy_m"],
            reason=data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        text = _("Checked in at %(time)s.") % {"time": timezone.localtime(checkin.checked_in_at).strftime("%H:%M")}
        if checkin.late:
            text += " " + _("Marked late.")
        messages.success(request, text)
    return redirect(_today_url(assignment))


@require_POST
@capability_required(Capability.STAND_DUTY)
def duty_check_out(request, pk: int):
    assignment = _own_or_visible_assignment(request.user, pk)
    form = PositionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check-out refused: %(errors)s") % {"errors": form_errors(form)})
        return redirect(_today_url(assignment))
    data = form.cleaned_data
    try:
        checkin = services.duty_check_out(
            assignment=assignment, actor=request.user, lat=data["lat"], lon=data["lon"], reason=data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        text = _("Checked out at %(time)s.") % {"time": timezone.localtime(checkin.checked_out_at).strftime("%H:%M")}
        if checkin.early:
            text += " " + _("Left before the window ended.")
        messages.success(request, text)
    return redirect(_today_url(assignment))


@require_POST
@capability_required(Capability.STAND_DUTY)
def duty_patrol_record(request, pk: int):
    visible = selectors.shifts_visible(request.user).filter(pk=pk)
    own = DutyShift.objects.filter(pk=pk, assignments__staff__user=request.user)
    shift = get_object_or_404(DutyShift.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=own.values("pk"))))
    form = GuardPatrolForm(request.POST, shift=shift)
    back = f"{reverse('patrol:duty-today')}?date={shift.date.isoformat()}"
    if not form.is_valid():
        messages.error(request, _("Patrol not recorded: %(errors)s") % {"errors": form_errors(form)})
        return redirect(back)
    try:
        patrol = services.guard_patrol_record(shift=shift, actor=request.user, **form.service_kwargs())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        missing = selectors.patrol_dict(patrol)["missing_equipment"]
        text = _("Patrol recorded for %(shift)s.") % {"shift": shift}
        if missing:
            text += " " + _("Not carried: %(items)s.") % {"items": ", ".join(missing)}
        messages.success(request, text)
    return redirect(back)


# --- the board ----------------------------------------------------------------------------------


def _board_station(request, stations: list[tuple[int, str, int]]) -> int | None:
    """The station the board page shows: the one asked for, else the user's own, else the first (by name)
    with posts on the day. Never the whole county: at twice the sample county that is 844 posts (280 KB)."""
    known = [pk for pk, _name, _posts in stations]
    value = request.GET.get("station", "")
    if value.isdigit() and int(value) in known:
        return int(value)
    own = selectors.board_station_default(request.user)
    if own in known:
        return own
    busy = [pk for pk, _name, posts in stations if posts]
    return (busy or known or [None])[0]


@capability_required(Capability.VIEW_DUTY)
def duty_board(request):
    """One station's posts of the day (school staff: their school's), live, with the county's counts."""
    now = timezone.now()
    day = parse_day(request.GET.get("date"), timezone.localdate(now))
    school_only = staff_only(request.user)
    stations = [] if school_only else selectors.board_stations(user=request.user, date=day)
    station_id = None if school_only else _board_station(request, stations)
    board = selectors.board_for(user=request.user, date=day, station_id=station_id, now=now)
    status_labels = {k: str(v) for k, v in selectors.Status.labels.items()}
    counts = board.counts
    return render(
        request,
        "patrol/duty/board.html",
        {
            "board": board,
            "counts": counts,
            # (status, label, posts, people or None): the cards duty_board.js redraws live
            "count_cards": [
                (s, status_labels[s], counts["posts"][s], counts["people"].get(s)) for s in selectors.Status.order
            ],
            "rows": [(row, status_labels[row["status"]]) for row in board.rows],
            "day": day,
            "now": now,
            "station_id": station_id,
            "station": next((s for s in stations if s[0] == station_id), None),
            "stations": stations,
            "county": None if school_only else selectors.day_counts(user=request.user, date=day, now=now),
            "county_posts": sum(posts for _pk, _name, posts in stations),
            "no_station": selectors.NO_STATION,
            "school_only": school_only,
            "status_labels": status_labels,
            "status_order": selectors.Status.order,
        },
    )


# --- statistics ---------------------------------------------------------------------------------


@export_view
@capability_required(Capability.VIEW_DUTY)
def duty_stats(request):
    params = stats_params(request, request.GET)
    if params["end"] < params["start"]:
        messages.error(
            request,
            _("The range ends on %(end)s, before it starts on %(start)s.")
            % {"end": params["end"], "start": params["start"]},
        )
        params["end"] = params["start"]
    if request.GET.get("type") == "xlsx":
        user, term = request.user, params["term"]
        return Export(
            kind="duty_stats",
            fmt="xlsx",
            build=lambda token: stats.stats_xlsx(stats.duty_stats(user=user, token=token, **params), token=token),
            filename=f"duty-stats-{params['start']:%Y%m%d}-{params['end']:%Y%m%d}.xlsx",
            params={**params, "term": term.pk if term else None},
        )
    report = stats.duty_stats(user=request.user, **params)
    query = request.GET.copy()
    query["type"] = "xlsx"
    return render(
        request,
        "patrol/duty/stats.html",
        {
            "report": report,
            "terms": Term.objects.all(),
            "stations": [] if staff_only(request.user) else Station.objects.only("pk", "name"),
            "xlsx_query": query.urlencode(),
            "term_value": request.GET.get("term", ""),
        },
    )

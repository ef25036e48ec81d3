"""Roster pages: overview, week grid, shift editing, personal duties, swaps, printing, exports, ICS."""

from __future__ import annotations

import datetime as dt
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campus.calendar.days import fixed_holidays, unknown_years
from campus.models import School, Station, Term
from common.dates import monday_of
from common.exports import Export, export_view
from common.forms import form_errors, run_service
from common.permissions import capability_required
from common.roles import Capability, can
from patrol.models import DutyAssignment, DutyShift, DutyStaff, SwapRequest
from patrol.roster import counts, exports, ics, picker, selectors, services, week
from patrol.roster.forms import (
    AssignmentAddForm,
    AssignmentRemoveForm,
    AssignmentReplaceForm,
    ReasonForm,
    SwapRequestForm,
)

# A refusal of the person (not of the input) is a 403 page here.
_run = partial(run_service, refusal_is_403=True)


def generate_url(term: Term) -> str:
    """The generate page of the other part of the roster, if it is installed."""
    try:
        return reverse("patrol:generate-term", kwargs={"term_id": term.pk})
    except NoReverseMatch:
        return f"/patrol/terms/{term.pk}/generate/"


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _week_param(value: str | None, term: Term) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        day = None
    if day is None:
        return selectors.default_week(term)
    return monday_of(day)


def _scoped_filters(request) -> tuple[int | None, int | None]:
    """(school_id, station_id) from the query; school staff are held to their school (another one: 404)."""
    school_id = _int(request.GET.get("school"))
    station_id = _int(request.GET.get("station"))
    scope = selectors.school_scope(request.user)
    if scope is not False:
        if scope is None or (school_id and school_id != scope):
            raise Http404
        return scope, None
    return school_id, station_id


def _filter_choices(request) -> dict:
    scope = selectors.school_scope(request.user)
    if scope is not False:
        return {"schools": week.school_choices(school_id=scope or 0), "stations": []}
    return {"schools": week.school_choices(), "stations": week.station_choices()}


# --- overview ------------------------------------------------------------------------------------


def roster_calendar_warnings(term: Term) -> list[str]:
    """The term's unknown holiday years, loudly: publishing over their fixed-date holidays is blocked."""
    warnings = []
    for year in unknown_years(range(term.start_date.year, term.end_date.year + 1)):
        days = [d for d in fixed_holidays(year) if term.start_date <= d <= term.end_date]
        warnings.append(
            _(
                "The holiday calendar of %(year)d is not known: add overrides. Publishing is blocked over its "
                "fixed-date holidays (%(days)s) until the year's holiday schedule is entered."
            )
            % {"year": year, "days": ", ".join(d.isoformat() for d in days or fixed_holidays(year))}
        )
    return warnings


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_home(request):
    terms = []
    for term in Term.objects.select_related("roster").order_by("-start_date"):
        roster = getattr(term, "roster", None)
        coverage = counts.roster_coverage(term, user=request.user)
        terms.append(
            {
                "term": term,
                "roster": roster,
                "coverage": coverage,
                "state": counts.publish_state(roster, coverage),
                "calendar_warnings": roster_calendar_warnings(term),
                "generate_url": generate_url(term),
            }
        )
    return render(
        request,
        "patrol/roster/home.html",
        {
            "terms": terms,
            "can_manage": can(request.user, Capability.MANAGE_DUTY),
            "me": selectors.staff_of_user(request.user),
        },
    )


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_term(request, term_id: int):
    term = get_object_or_404(Term, pk=term_id)
    roster = selectors.roster_of(term)
    coverage = counts.roster_coverage(term, user=request.user)
    can_manage = can(request.user, Capability.MANAGE_DUTY)
    return render(
        request,
        "patrol/roster/term.html",
        {
            "term": term,
            "roster": roster,
            "coverage": coverage,
            "state": counts.publish_state(roster, coverage),
            "calendar_warnings": roster_calendar_warnings(term),
            "removed_since_publish": selectors.removals_since_publish(roster),
            "weeks": selectors.term_weeks(term),
            "current_week": selectors.default_week(term),
            "can_manage": can_manage,
            "generate_url": generate_url(term),
            "pending_swaps": selectors.swap_requests_pending().filter(assignment__shift__term=term).count()
            if can_manage
            else None,
            **_filter_choices(request),
        },
    )


def _day_param(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _page_query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _week_page(request, term: Term) -> dict:
    """One page of the week view: one school or one station (the user's own or the first one by
    default), one week or one day (``?day=``), with the links to move on by day, week and station."""
    school_id, station_id = _scoped_filters(request)
    scope = selectors.school_scope(request.user)
    stations = week.station_choices() if scope is False else []
    schools = week.school_choices(school_id=scope if scope is not False else None)
    if school_id:
        # The school's page; the station picker shows the school's station.
        station_id = next((s[2] for s in schools if s[0] == school_id), None)
    elif not station_id:
        station_id = week.default_station(request.user, stations)
        if station_id is None and schools:
            school_id = schools[0][0]
    day = _day_param(request.GET.get("day"))
    monday = monday_of(day) if day else _week_param(request.GET.get("week"), term)
    first, last = (day, day) if day else (monday, monday + dt.timedelta(days=6))
    parts: list[list[tuple[int, str]]] = []
    part = 0
    if school_id or not station_id:
        grid = week.roster_grid(user=request.user, term=term, first=first, last=last, school_id=school_id)
    else:
        parts = week.station_parts(
            user=request.user, term=term, first=first, last=last, station_id=station_id, max_shifts=week.PAGE_SHIFTS
        )
        part = min(max((_int(request.GET.get("part")) or 1) - 1, 0), max(len(parts) - 1, 0))
        ids = [pk for pk, _name in parts[part]] if parts else []
        grid = week.roster_grid(user=request.user, term=term, first=first, last=last, school_ids=ids)
    place = {"school": school_id, "station": None if school_id else station_id}
    step_place = {**place, "part": part + 1 if part else None}
    step = dt.timedelta(days=1 if day else 7)
    key = "day" if day else "week"
    previous_station, next_station = week.neighbours(stations, station_id) if not school_id else (None, None)
    today = timezone.localdate()
    return {
        "term": term,
        "grid": grid,
        "day": day,
        "school": next((s for s in schools if s[0] == school_id), None),
        "station": next((s for s in stations if s[0] == station_id), None),
        "schools": schools,
        "stations": stations,
        "filters": {"school": school_id or "", "station": station_id or ""},
        "previous_url": _page_query(**{key: (first - step).isoformat()}, **step_place),
        "next_url": _page_query(**{key: (first + step).isoformat()}, **step_place),
        "week_url": _page_query(week=monday.isoformat(), **place),
        "days": [
            (d, _page_query(day=d.isoformat(), **place)) for d in (monday + dt.timedelta(days=n) for n in range(7))
        ],
        "today_url": _page_query(day=today.isoformat(), **place),
        "station_links": [
            (s[1], _page_query(**{key: first.isoformat()}, station=s[0])) if s else None
            for s in (previous_station, next_station)
        ],
        "sheet_query": _page_query(week=monday.isoformat(), **place),
        "parts": [
            (
                n + 1,
                n == part,
                ", ".join(name for _pk, name in schools_),
                _page_query(**{key: first.isoformat()}, **place, part=n + 1),
            )
            for n, schools_ in enumerate(parts)
        ]
        if len(parts) > 1
        else [],
        "can_manage": can(request.user, Capability.MANAGE_DUTY),
    }


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_week(request, term_id: int):
    term = get_object_or_404(Term, pk=term_id)
    return render(request, "patrol/roster/week.html", _week_page(request, term))


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_sheet(request, term_id: int):
    """The printable weekly sheet for one school or one station (the user's own, or the first one)."""
    term = get_object_or_404(Term, pk=term_id)
    school_id, station_id = _scoped_filters(request)
    if not school_id and not station_id:
        station_id = week.default_station(request.user, week.station_choices())
    monday = _week_param(request.GET.get("week"), term)
    grid = week.roster_grid(
        user=request.user,
        term=term,
        first=monday,
        last=monday + dt.timedelta(days=6),
        school_id=school_id,
        station_id=station_id,
        with_phone=True,
    )
    title = _("All schools")
    if school_id:
        title = get_object_or_404(School.objects.only("name"), pk=school_id).name
    elif station_id:
        title = get_object_or_404(Station.objects.only("name"), pk=station_id).name
    return render(
        request,
        "patrol/roster/sheet.html",
        {"term": term, "grid": grid, "title": title, "sunday": monday + dt.timedelta(days=6)},
    )


@export_view
@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_export(request, term_id: int):
    """The term's roster as XLSX, built off the request thread, cancelled with its client, audited."""
    term = get_object_or_404(Term, pk=term_id)
    kind = request.GET.get("type", "xlsx")
    if kind != "xlsx":
        return HttpResponseBadRequest(_("Unknown export type %(type)s; use type=xlsx.") % {"type": kind})
    school_id, station_id = _scoped_filters(request)
    shifts = selectors.shifts_visible(request.user)
    if school_id:
        shifts = shifts.filter(post__gate__school_id=school_id)
    if station_id:
        shifts = shifts.filter(post__gate__school__responsible_station_id=station_id)
    counted_from = counts.roster_counted_from(term)
    return Export(
        kind="roster",
        fmt="xlsx",
        build=lambda token: exports.roster_xlsx(term=term, shifts=shifts, token=token, counted_from=counted_from),
        filename=f"roster-{term.school_year}-term{term.pk}.xlsx",
        params={"term": term.pk, "school": school_id, "station": station_id},
        obj=term,
    )


# --- shift editing -------------------------------------------------------------------------------


def _shift_for(user, shift_id: int) -> DutyShift:
    shift = selectors.shifts_visible(user).filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    return shift


def _assignment_for(user, pk: int) -> DutyAssignment:
    assignment = selectors.assignments_visible(user).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_shift(request, shift_id: int):
    shift = _shift_for(request.user, shift_id)
    assignments = list(shift.assignments.select_related("staff").order_by("role", "staff__name"))
    ctx = {
        "shift": shift,
        "assignments": assignments,
        "missing": selectors.missing_labels(selectors.missing_roles(shift.requirements, assignments)),
        "requirements": selectors.missing_labels({r: int(n) for r, n in (shift.requirements or {}).items()}),
        "can_manage": can(request.user, Capability.MANAGE_DUTY),
    }
    if ctx["can_manage"]:
        # Each candidate's availability that day (leave, on duty at that time, too far, limits) and load.
        missing = selectors.missing_roles(shift.requirements, assignments)
        ctx["candidates"] = picker.shift_candidates(
            shift=shift, exclude_staff_ids={a.staff_id for a in assignments}, missing=missing
        )
        ctx["roles"] = [(role, label) for role, label in DutyAssignment._meta.get_field("role").choices]
        ctx["first_missing_role"] = next(iter(missing), "")
    return render(request, "patrol/roster/shift.html", ctx)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def roster_assignment_add(request, shift_id: int):
    shift = _shift_for(request.user, shift_id)
    back = _back(request, reverse("patrol:roster-shift", kwargs={"shift_id": shift.pk}))
    form = AssignmentAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    staff, role = form.cleaned_data["staff"], form.cleaned_data["role"]
    _run(
        request,
        lambda: services.assignment_add(shift=shift, staff=staff, role=role, actor=request.user),
        _("%(name)s added to %(shift)s.") % {"name": staff.name, "shift": shift},
    )
    return redirect(back)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def roster_assignment_remove(request, pk: int):
    assignment = _assignment_for(request.user, pk)
    back = _back(request, reverse("patrol:roster-shift", kwargs={"shift_id": assignment.shift_id}))
    form = AssignmentRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    _run(
        request,
        lambda: services.assignment_remove(
            assignment=assignment, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("%(name)s removed from the shift.") % {"name": assignment.staff.name},
    )
    return redirect(back)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def roster_assignment_replace(request, pk: int):
    assignment = _assignment_for(request.user, pk)
    back = _back(request, reverse("patrol:roster-shift", kwargs={"shift_id": assignment.shift_id}))
    form = AssignmentReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    staff = form.cleaned_data["staff"]
    _run(
        request,
        lambda: services.assignment_replace(
            assignment=assignment, staff=staff, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("%(name)s now has this duty.") % {"name": staff.name},
    )
    return redirect(back)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def roster_publish(request, term_id: int):
    term = get_object_or_404(Term, pk=term_id)
    _run(
        request,
        lambda: services.roster_publish(term=term, actor=request.user),
        _("The roster of %(term)s is published.") % {"term": term},
    )
    return redirect("patrol:roster-term", term_id=term.pk)


# --- people ---------------------------------------------------------------------------------------


PERSON_PAGE_DUTIES = 20
PERSON_DAYS_BACK_MAX = 366


def _person_context(request, staff: DutyStaff, *, mine: bool) -> dict:
    """One page of a person's duties from ``since`` (today, or ``days_back`` days ago, at most a year):
    a fixed number of queries whatever the page holds (the swap candidates of the page in one)."""
    days_back = min(_int(request.GET.get("days_back")) or 0, PERSON_DAYS_BACK_MAX)
    since = timezone.localdate() - dt.timedelta(days=days_back)
    duties = (
        selectors.assignments_visible(request.user)
        .filter(staff=staff, shift__date__gte=since)
        .order_by("shift__start", "pk")
    )
    page = Paginator(duties, PERSON_PAGE_DUTIES).get_page(request.GET.get("page"))
    assignments = list(page.object_list)
    ctx: dict = {
        "person": staff,
        "assignments": assignments,
        "page": page,
        "page_query": urlencode({"days_back": days_back}) if days_back else "",
        "mine": mine,
        "since": since,
        "days_back": days_back,
    }
    if mine or can(request.user, Capability.MANAGE_DUTY):
        ctx["calendar_url"] = request.build_absolute_uri(
            reverse("patrol:roster-calendar", kwargs={"token": staff.calendar_token})
        )
    if mine:
        now = timezone.now()
        upcoming = [a for a in assignments if a.shift.start > now]
        candidates = selectors.swap_candidates_for(upcoming)
        for a in assignments:
            a.swap_candidates = candidates.get(a.pk)
        ctx["swaps_for_me"] = list(selectors.swap_requests_for_me(request.user))
        ctx["my_requests"] = list(
            selectors.swap_requests_visible(request.user).filter(
                assignment__staff=staff, status=SwapRequest.Status.PENDING
            )
        )
    return ctx


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_mine(request):
    staff = selectors.staff_of_user(request.user)
    if staff is None:
        return render(request, "patrol/roster/person.html", {"person": None, "mine": True})
    return render(request, "patrol/roster/person.html", _person_context(request, staff, mine=True))


@require_GET
@capability_required(Capability.VIEW_DUTY)
def roster_person(request, staff_id: int):
    staff = selectors.staff_visible(request.user).filter(pk=staff_id).first()
    if staff is None:
        raise Http404
    mine = staff.user_id == request.user.pk
    return render(request, "patrol/roster/person.html", _person_context(request, staff, mine=mine))


@require_POST
@capability_required(Capability.STAND_DUTY)
def roster_calendar_token(request, staff_id: int):
    staff = get_object_or_404(DutyStaff, pk=staff_id)
    _run(
        request,
        lambda: services.calendar_token_regenerate(staff=staff, actor=request.user),
        _("A new calendar link was made; the old one no longer works."),
    )
    return redirect(_back(request, reverse("patrol:roster-person", kwargs={"staff_id": staff.pk})))


def roster_calendar(request, token: str):
    """The private ICS feed: no login, the token is the key. Published duties only."""
    staff = DutyStaff.objects.filter(calendar_token=token).first()
    if staff is None or not token:
        raise Http404
    since = timezone.localdate() - dt.timedelta(days=90)
    assignments = (
        DutyAssignment.objects.filter(staff=staff, published=True, shift__date__gte=since)
        .select_related("shift__post__gate__school", "shift__term__roster")
        .order_by("shift__start")
    )
    body = ics.calendar_ics(staff=staff, assignments=assignments, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="duties.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- swaps ---------------------------------------------------------------------------------------


@require_GET
@capability_required(Capability.STAND_DUTY)
def roster_swaps(request):
    visible = selectors.swap_requests_visible(request.user)
    ctx = {
        "for_me": selectors.swap_requests_for_me(request.user),
        "mine": visible.filter(requested_by=request.user),
        "can_manage": can(request.user, Capability.MANAGE_DUTY),
        "me": selectors.staff_of_user(request.user),
    }
    if ctx["can_manage"]:
        ctx["pending"] = visible.filter(status=SwapRequest.Status.PENDING)
    ctx["recent"] = visible.exclude(status=SwapRequest.Status.PENDING)[:50]
    return render(request, "patrol/roster/swaps.html", ctx)


@require_POST
@capability_required(Capability.STAND_DUTY)
def roster_swap_create(request, pk: int):
    assignment = _assignment_for(request.user, pk)
    back = _back(request, reverse("patrol:roster-mine"))
    form = SwapRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    to_staff = form.cleaned_data["to_staff"]
    _run(
        request,
        lambda: services.swap_request_create(
            assignment=assignment,
            to_staff=to_staff,
            in_return=form.cleaned_data["in_return"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
        _("%(name)s has been asked to take your duty.") % {"name": to_staff.name},
    )
    return redirect(back)


def _swap_for(user, pk: int) -> SwapRequest:
    swap = selectors.swap_requests_visible(user).filter(pk=pk).first()
    if swap is None:
        raise Http404
    return swap


@require_POST
@capability_required(Capability.STAND_DUTY)
def roster_swap_accept(request, pk: int):
    swap = _swap_for(request.user, pk)
    _run(request, lambda: services.swap_request_accept(swap=swap, actor=request.user), _("Swap accepted."))
    return redirect(_back(request, reverse("patrol:roster-swaps")))


@require_POST
@capability_required(Capability.STAND_DUTY)
def roster_swap_reject(request, pk: int):
    swap = _swap_for(request.user, pk)
    reason = ReasonForm(request.POST).data.get("reason", "")
    _run(
        request,
        lambda: services.swap_request_reject(swap=swap, actor=request.user, reason=reason),
        _("Swap rejected."),
    )
    return redirect(_back(request, reverse("patrol:roster-swaps")))


@require_POST
@capability_required(Capability.STAND_DUTY)
def roster_swap_cancel(request, pk: int):
    swap = _swap_for(request.user, pk)
    _run(request, lambda: services.swap_request_cancel(swap=swap, actor=request.user), _("Swap request cancelled."))
    return redirect(_back(request, reverse("patrol:roster-swaps")))

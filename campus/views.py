"""Registry pages: schools, stations, officers, and liaison assignment actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus import selectors, services
from campus.changes import change_notes_show
from campus.forms import EndForm, LiaisonAssignForm, PairingForm, TransferForm
from campus.models import LiaisonAssignment, Officer, School, Station
from campus.scope import scope_of
from common.forms import run_service
from common.permissions import capability_required
from common.roles import Capability, can
from common.sections import school_sections_for


def overview_my_school(user) -> dict | None:
    """The overview page's "My school" card (registered in ``CampusConfig.ready()``): a school safety
    staff member's school and its liaison officer; ``None`` (no card) for everyone else.

    The counts, and an officer's own schools, are the overview's sections (``campus.dashboard``).
    """
    school_id = scope_of(user).school_id
    if not school_id:
        return None
    school = selectors.schools_with_current(School.objects.filter(pk=school_id)).first()
    return {"school": school} if school is not None else None


def _school_for(user, pk: int) -> School:
    school = selectors.school_list_visible(user).filter(pk=pk).first()
    if school is None:
        raise Http404
    return school


COVERAGE_FILTERS = {
    "covered": Q(liaison_assignments__ended_at__isnull=True),
    "uncovered": ~Q(pk__in=LiaisonAssignment.objects.filter(ended_at__isnull=True).values("school_id")),
}


@capability_required(Capability.VIEW_REGISTRY)
def school_list(request):
    qs = selectors.school_list_visible(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    station = request.GET.get("station", "")
    if station.isdigit():
        qs = qs.filter(responsible_station_id=int(station))
    level = request.GET.get("level", "")
    if level in School.Level.values:
        qs = qs.filter(level=level)
    area = request.GET.get("area", "")
    if area in School.Area.values:
        qs = qs.filter(area=area)
    coverage = request.GET.get("coverage", "")
    if coverage in COVERAGE_FILTERS:
        qs = qs.filter(COVERAGE_FILTERS[coverage]).distinct()
    qs = selectors.schools_with_current(qs.order_by("code"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for school in page:
        liaison = school.current_liaison[0] if school.current_liaison else None
        school.liaison = liaison
        school.problem = selectors.liaison_problem(liaison) if liaison else "uncovered"
    return render(
        request,
        "campus/school_list.html",
        {
            "page": page,
            "stations": Station.objects.all(),
            "levels": School.Level.choices,
            "areas": School.Area.choices,
            "filters": {"q": q, "station": station, "level": level, "area": area, "coverage": coverage},
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def school_detail(request, pk: int):
    school = _school_for(request.user, pk)
    school = (
        selectors.schools_with_current(School.objects.filter(pk=school.pk))
        .select_related("responsible_station", "zone")
        .get()
    )
    liaison = school.current_liaison[0] if school.current_liaison else None
    ctx = {
        "school": school,
        "liaison": liaison,
        "liaison_problem": selectors.liaison_problem(liaison) if liaison else None,
        "status": selectors.liaison_problem(liaison) if liaison else "uncovered",
        "pairing": school.current_pairing[0] if school.current_pairing else None,
        "gates": school.gates.all(),
        "contacts": school.safety_contacts.all(),
        "can_assign": can(request.user, Capability.ASSIGN_LIAISON),
        "can_override": can(request.user, Capability.OVERRIDE_JURISDICTION),
        "school_sections": school_sections_for(user=request.user, school=school),  # other apps' parts
    }
    if can(request.user, Capability.VIEW_COVERAGE):
        ctx["liaison_history"] = school.liaison_assignments.select_related("officer", "assigned_by", "ended_by")
        ctx["pairing_history"] = school.department_pairings.select_related("department", "assigned_by", "ended_by")
    if ctx["can_assign"]:
        ctx["candidates"] = selectors.liaison_candidates(school=school)
        ctx["department_candidates"] = selectors.department_candidates(school=school)
        ctx["assign_form"] = LiaisonAssignForm()
        ctx["end_form"] = EndForm()
        ctx["pairing_form"] = PairingForm()
    return render(request, "campus/school_detail.html", ctx)


@require_POST
@capability_required(Capability.ASSIGN_LIAISON)
def school_liaison_assign(request, pk: int):
    school = _school_for(request.user, pk)
    form = LiaisonAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active police officer."))
        return redirect("campus:school_detail", pk=pk)
    officer = form.cleaned_data["officer"]
    run_service(
        request,
        lambda: services.liaison_assign(
            school=school,
            officer=officer,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            override_reason=form.cleaned_data["override_reason"],
        ),
        _("%(officer)s is now the liaison officer of %(school)s.") % {"officer": officer, "school": school},
    )
    return redirect("campus:school_detail", pk=pk)


@require_POST
@capability_required(Capability.ASSIGN_LIAISON)
def school_liaison_end(request, pk: int):
    school = _school_for(request.user, pk)
    form = EndForm(request.POST)
    reason = form.data.get("reason", "")
    run_service(
        request,
        lambda: services.liaison_end(school=school, actor=request.user, reason=reason),
        _("The liaison assignment has ended."),
    )
    return redirect("campus:school_detail", pk=pk)


@require_POST
@capability_required(Capability.ASSIGN_LIAISON)
def school_pairing_assign(request, pk: int):
    school = _school_for(request.user, pk)
    form = PairingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a department."))
        return redirect("campus:school_detail", pk=pk)
    department = form.cleaned_data["department"]
    run_service(
        request,
        lambda: services.department_pair(
            school=school, department=department, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("%(department)s is now paired with %(school)s.") % {"department": department, "school": school},
    )
    return redirect("campus:school_detail", pk=pk)


@require_POST
@capability_required(Capability.ASSIGN_LIAISON)
def school_pairing_end(request, pk: int):
    school = _school_for(request.user, pk)
    reason = request.POST.get("reason", "")
    run_service(
        request,
        lambda: services.department_unpair(school=school, actor=request.user, reason=reason),
        _("The department pairing has ended."),
    )
    return redirect("campus:school_detail", pk=pk)


@capability_required(Capability.VIEW_COVERAGE)
def station_list(request):
    stations = Station.objects.annotate(
        school_count=Count("schools", filter=Q(schools__active=True), distinct=True),
        officer_count=Count("officers", filter=Q(officers__active=True), distinct=True),
    )
    report = selectors.coverage_report()
    rows = {row.station.id: row for row in report.stations if row.station is not None}
    for station in stations:
        station.coverage = rows.get(station.id)
    return render(request, "campus/station_list.html", {"stations": stations, "county": report.county})


@capability_required(Capability.VIEW_COVERAGE)
def station_detail(request, pk: int):
    station = get_object_or_404(Station, pk=pk)
    officers = station.officers.annotate(
        load=Count("liaison_assignments", filter=Q(liaison_assignments__ended_at__isnull=True))
    ).order_by("-active", "badge_no")
    schools = selectors.schools_with_current(station.schools.order_by("code"))
    for school in schools:
        liaison = school.current_liaison[0] if school.current_liaison else None
        school.liaison = liaison
        school.problem = selectors.liaison_problem(liaison) if liaison else "uncovered"
    return render(
        request,
        "campus/station_detail.html",
        {
            "station": station,
            "officers": officers,
            "schools": schools,
            "zones": station.zones.all(),
            "limit": station.liaison_limit,
        },
    )


@capability_required(Capability.VIEW_COVERAGE)
def officer_list(request):
    qs = Officer.objects.select_related("station", "department").annotate(
        load=Count("liaison_assignments", filter=Q(liaison_assignments__ended_at__isnull=True))
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(badge_no__icontains=q))
    station = request.GET.get("station", "")
    if station.isdigit():
        qs = qs.filter(station_id=int(station))
    active = request.GET.get("active", "1")
    if active in ("0", "1"):
        qs = qs.filter(active=active == "1")
    page = Paginator(qs.order_by("station__code", "badge_no"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campus/officer_list.html",
        {"page": page, "stations": Station.objects.all(), "filters": {"q": q, "station": station, "active": active}},
    )


@capability_required(Capability.VIEW_COVERAGE)
def officer_detail(request, pk: int):
    officer = get_object_or_404(Officer.objects.select_related("station", "department"), pk=pk)
    assignments = officer.liaison_assignments.select_related("school", "assigned_by", "ended_by")
    active = [a for a in assignments if a.ended_at is None]
    for a in active:
        a.problem = selectors.liaison_problem(a)
    return render(
        request,
        "campus/officer_detail.html",
        {
            "officer": officer,
            "active_assignments": active,
            "history": [a for a in assignments if a.ended_at is not None],
            "can_edit": can(request.user, Capability.EDIT_REGISTRY),
            "transfer_form": TransferForm(),
            "limit": (officer.station.liaison_limit if officer.station else selectors.default_liaison_limit()),
        },
    )


@require_POST
@capability_required(Capability.EDIT_REGISTRY)
def officer_deactivate(request, pk: int):
    officer = get_object_or_404(Officer, pk=pk)
    run_service(
        request,
        lambda: services.officer_deactivate(officer=officer, actor=request.user, reason=request.POST.get("reason", "")),
        _("%(officer)s is now inactive; their schools are listed for reassignment.") % {"officer": officer},
    )
    change_notes_show(request, officer)  # e.g. the published duties that now need cover (campus.changes)
    return redirect("campus:officer_detail", pk=pk)


@require_POST
@capability_required(Capability.EDIT_REGISTRY)
def officer_activate(request, pk: int):
    officer = get_object_or_404(Officer, pk=pk)
    run_service(
        request,
        lambda: services.officer_activate(officer=officer, actor=request.user, reason=request.POST.get("reason", "")),
        _("%(officer)s is active again.") % {"officer": officer},
    )
    return redirect("campus:officer_detail", pk=pk)


@require_POST
@capability_required(Capability.EDIT_REGISTRY)
def officer_transfer(request, pk: int):
    officer = get_object_or_404(Officer, pk=pk)
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new station and give a reason."))
        return redirect("campus:officer_detail", pk=pk)
    station = form.cleaned_data["station"]
    run_service(
        request,
        lambda: services.officer_transfer(
            officer=officer, station=station, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("%(officer)s now belongs to %(station)s.") % {"officer": officer, "station": station},
    )
    change_notes_show(request, officer)
    return redirect("campus:officer_detail", pk=pk)

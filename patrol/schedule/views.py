"""Pages of the 护学岗 set-up: terms and the school calendar, bells and windows, posts, staff and leave.

Reading needs VIEW_DUTY (school safety staff see their own school only), writing MANAGE_DUTY. Write
views parse a form, call one service, and redirect with a message naming what was wrong.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campus.calendar.days import DAY_KIND_LABELS, DayKind, DayStatus, term_calendar
from campus.changes import with_change_notes
from campus.models import CalendarOverride, School, Station, Term
from common.errors import DomainError
from common.forms import form_errors, run_service
from common.permissions import capability_required
from common.roles import Capability, can
from patrol.models import BellSchedule, DutyRole, DutyStaff, Leave, Post, WindowKind, WindowRule
from patrol.schedule import selectors, services
from patrol.schedule.forms import (
    WEEKDAY_CHOICES,
    ClosureForm,
    LeaveForm,
    OverrideForm,
    PostForm,
    StaffForm,
    TermForm,
    WindowRuleForm,
)
from patrol.schedule.shifts import duty_shifts_build

BELL_ROWS = 6  # rows offered in a bell schedule form (filled rows plus blanks)


def _school_for(user, pk: int) -> School:
    school = selectors.schools_visible(user).filter(pk=pk).first()
    if school is None:
        raise Http404
    return school


# --- home, terms, calendar ---------------------------------------------------------------------


@capability_required(Capability.VIEW_DUTY)
def home(request):
    terms = list(selectors.term_list())
    warnings: list[str] = []
    for term in terms:
        for warning in term_calendar(term=term).warnings:
            if warning not in warnings:
                warnings.append(warning)
    manage = can(request.user, Capability.MANAGE_DUTY)
    return render(
        request,
        "patrol/schedule/home.html",
        {
            "terms": terms,
            "overrides": selectors.override_list(),
            "closures": selectors.closure_list_visible(request.user).order_by("-start_date")[:100],
            "rules": services.window_rules_effective(),
            "warnings": warnings,
            "can_manage": manage,
            "term_form": TermForm() if manage else None,
            "override_form": OverrideForm() if manage else None,
            "closure_form": ClosureForm() if manage else None,
            "rule_form": WindowRuleForm() if manage else None,
        },
    )


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def term_create(request):
    form = TermForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("patrol:schedule-home")
    run_service(
        request,
        lambda: services.term_create(actor=request.user, **form.cleaned_data),
        _("The term %(name)s was added.") % {"name": form.cleaned_data["name"]},
    )
    return redirect("patrol:schedule-home")


def month_grid(days: list[DayStatus]) -> list[dict]:
    """Months of ``days`` as week rows of seven cells (Monday first); cells outside the range are None."""
    by_date = {d.date: d for d in days}
    months = []
    if not days:
        return months
    year, month = days[0].date.year, days[0].date.month
    last = days[-1].date
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([by_date.get(day) if day.month == month else None for day in week])
        months.append({"first": dt.date(year, month, 1), "weeks": weeks})
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return months


@capability_required(Capability.VIEW_DUTY)
def term_detail(request, pk: int):
    term = get_object_or_404(Term, pk=pk)
    schools = selectors.schools_visible(request.user).filter(active=True).order_by("code")
    school = None
    school_param = request.GET.get("school", "")
    if school_param.isdigit():
        school = schools.filter(pk=int(school_param)).first()
        if school is None:
            raise Http404
    report = term_calendar(term=term, school=school)
    counts = {kind: 0 for kind in DayKind}
    for day in report.days:
        counts[day.kind] += 1
    manage = can(request.user, Capability.MANAGE_DUTY)
    return render(
        request,
        "patrol/schedule/term.html",
        {
            "term": term,
            "school": school,
            "schools": schools,
            "months": month_grid(report.days),
            "warnings": report.warnings,
            "duty_days": len(report.duty_days()),
            "counts": [(DAY_KIND_LABELS[k], k.value, n) for k, n in counts.items()],
            "shift_count": term.shifts.count(),
            "can_manage": manage,
            "term_form": TermForm(
                initial={
                    "school_year": term.school_year,
                    "name": term.name,
                    "start_date": term.start_date.isoformat(),
                    "end_date": term.end_date.isoformat(),
                }
            )
            if manage
            else None,
        },
    )


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def term_update(request, pk: int):
    term = get_object_or_404(Term, pk=pk)
    form = TermForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("patrol:schedule-term", pk=pk)
    run_service(
        request,
        lambda: services.term_update(term=term, actor=request.user, **form.cleaned_data),
        _("The term was saved."),
    )
    return redirect("patrol:schedule-term", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def term_build(request, pk: int):
    term = get_object_or_404(Term, pk=pk)
    try:
        report = duty_shifts_build(term=term, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("patrol:schedule-term", pk=pk)
    messages.success(request, report.line())
    for warning in report.warnings:
        messages.warning(request, warning)
    if report.schools_without_bells:
        messages.warning(
            request,
            _("Schools with posts but no bell schedule: %(schools)s.")
            % {"schools": ", ".join(report.schools_without_bells[:20])},
        )
    for conflict in report.conflicts[:20]:
        messages.error(request, conflict["message"])
    return redirect("patrol:schedule-term", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def override_create(request):
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("patrol:schedule-home")
    run_service(
        request,
        lambda: services.calendar_override_create(actor=request.user, **form.cleaned_data),
        _("The calendar override was added."),
    )
    return redirect("patrol:schedule-home")


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def override_delete(request, pk: int):
    override = get_object_or_404(CalendarOverride, pk=pk)
    run_service(
        request,
        lambda: services.calendar_override_delete(override=override, actor=request.user),
        _("The calendar override of %(date)s was deleted.") % {"date": override.date.isoformat()},
    )
    return redirect("patrol:schedule-home")


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def closure_create(request):
    form = ClosureForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("patrol:schedule-home")
    run_service(
        request,
        with_change_notes(request, lambda: services.school_closure_create(actor=request.user, **form.cleaned_data)),
        _("The closure of %(school)s was added.") % {"school": form.cleaned_data["school"]},
    )
    return redirect("patrol:schedule-home")


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def window_rule_save(request):
    form = WindowRuleForm(request.POST)
    school = None
    if request.POST.get("school", "").isdigit():
        school = get_object_or_404(School, pk=int(request.POST["school"]))
    back = redirect("patrol:schedule-school", pk=school.pk) if school else redirect("patrol:schedule-home")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    run_service(
        request,
        lambda: services.window_rule_save(actor=request.user, school=school, **form.cleaned_data),
        _("The duty window rule was saved."),
    )
    return back


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def window_rule_delete(request, pk: int):
    rule = get_object_or_404(WindowRule, pk=pk)
    run_service(
        request,
        lambda: services.window_rule_delete(rule=rule, actor=request.user),
        _("The school's own rule was removed; the county default applies."),
    )
    if rule.school_id:
        return redirect("patrol:schedule-school", pk=rule.school_id)
    return redirect("patrol:schedule-home")


# --- schools: gates, posts, bells ----------------------------------------------------------------


@capability_required(Capability.VIEW_DUTY)
def school_list(request):
    qs = selectors.schools_visible(request.user).filter(active=True).order_by("code")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ids = [s.pk for s in page]
    posts: dict[int, int] = {}
    for post in Post.objects.filter(gate__school_id__in=ids, active=True).values_list("gate__school_id", flat=True):
        posts[post] = posts.get(post, 0) + 1
    bells: dict[int, int] = {}
    for school_id in BellSchedule.objects.filter(school_id__in=ids).values_list("school_id", flat=True):
        bells[school_id] = bells.get(school_id, 0) + 1
    for school in page:
        school.post_count = posts.get(school.pk, 0)
        school.bell_count = bells.get(school.pk, 0)
    return render(request, "patrol/schedule/school_list.html", {"page": page, "q": q})


def _bell_rows(schedule: BellSchedule | None) -> list[dict]:
    rows = []
    if schedule is not None:
        rows = [
            {"kind": b.kind, "time": b.time.strftime("%H:%M"), "grades": b.grades}
            for b in schedule.bells.all().order_by("time")
        ]
    target = max(BELL_ROWS, len(rows) + 2)
    while len(rows) < target:
        rows.append({"kind": "", "time": "", "grades": ""})
    return rows


@capability_required(Capability.VIEW_DUTY)
def school_detail(request, pk: int):
    school = _school_for(request.user, pk)
    schedules = list(BellSchedule.objects.filter(school=school).prefetch_related("bells"))
    for schedule in schedules:
        schedule.rows = _bell_rows(schedule)
    gates = list(selectors.gates_with_posts(school))
    manage = can(request.user, Capability.MANAGE_DUTY)
    for gate in gates:
        gate.default_requirements = services.post_default_requirements(gate)
        if manage:
            for post in gate.posts.all():
                post.form = PostForm(
                    school=school,
                    initial={
                        "gate": gate.pk,
                        "name": post.name,
                        **{role: post.requirements.get(role, 0) for role in DutyRole.values},
                        "window_kinds": post.window_kinds,
                        "checkin_radius_m": post.checkin_radius_m,
                        "active": post.active,
                    },
                    prefix=f"post{post.pk}",
                )
    return render(
        request,
        "patrol/schedule/school.html",
        {
            "school": school,
            "gates": gates,
            "schedules": schedules,
            "new_rows": _bell_rows(None),
            "weekday_choices": WEEKDAY_CHOICES,
            "kind_choices": WindowKind.choices,
            "rules": services.window_rules_effective(school),
            "can_manage": manage,
            "new_post_form": PostForm(school=school, prefix="new") if manage else None,
            "rule_form": WindowRuleForm() if manage else None,
        },
    )


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def bells_save(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    schedule = None
    if request.POST.get("schedule", "").isdigit():
        schedule = get_object_or_404(BellSchedule, pk=int(request.POST["schedule"]), school=school)
    kinds, times, grades = (request.POST.getlist(k) for k in ("kind", "time", "grades"))
    bells = []
    for index, kind in enumerate(kinds):
        time = times[index] if index < len(times) else ""
        grade = grades[index] if index < len(grades) else ""
        if kind or time.strip():
            bells.append({"kind": kind, "time": time, "grades": grade})
    run_service(
        request,
        with_change_notes(
            request,
            lambda: services.bell_schedule_save(
                school=school,
                name=request.POST.get("name", ""),
                weekdays=request.POST.getlist("weekdays"),
                bells=bells,
                actor=request.user,
                schedule=schedule,
            ),
        ),
        _("The bell schedule was saved."),
    )
    return redirect("patrol:schedule-school", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def bells_delete(request, pk: int):
    schedule = get_object_or_404(BellSchedule, pk=pk)
    run_service(
        request,
        lambda: services.bell_schedule_delete(schedule=schedule, actor=request.user),
        _("The bell schedule %(name)s was deleted.") % {"name": schedule.name},
    )
    return redirect("patrol:schedule-school", pk=schedule.school_id)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def post_save(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    post = None
    prefix = "new"
    if request.POST.get("post", "").isdigit():
        post = get_object_or_404(Post, pk=int(request.POST["post"]), gate__school=school)
        prefix = f"post{post.pk}"
    form = PostForm(request.POST, school=school, prefix=prefix)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("patrol:schedule-school", pk=pk)
    data = form.cleaned_data
    requirements = form.requirements()
    if post is None:
        action = lambda: services.post_create(  # noqa: E731
            gate=data["gate"],
            name=data["name"],
            actor=request.user,
            # All zero: take the default staffing of the gate.
            requirements=requirements or None,
            window_kinds=data["window_kinds"],
            checkin_radius_m=data["checkin_radius_m"],
            active=data["active"],
        )
    else:
        action = lambda: services.post_update(  # noqa: E731
            post=post,
            actor=request.user,
            gate=data["gate"],
            name=data["name"],
            requirements=requirements,
            window_kinds=data["window_kinds"],
            checkin_radius_m=data["checkin_radius_m"],
            active=data["active"],
        )
    run_service(request, with_change_notes(request, action), _("The post %(name)s was saved.") % {"name": data["name"]})
    return redirect("patrol:schedule-school", pk=pk)


# --- staff and leave ---------------------------------------------------------------------------


@capability_required(Capability.VIEW_DUTY)
def staff_list(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("role", "station", "school", "q")}
    qs = selectors.staff_filtered(request.user, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "patrol/schedule/staff_list.html",
        {
            "page": page,
            "filters": filters,
            "roles": DutyRole.choices,
            "stations": Station.objects.all() if selectors.sees_all(request.user) else Station.objects.none(),
            "schools": selectors.schools_visible(request.user).filter(active=True).order_by("code"),
            "can_manage": can(request.user, Capability.MANAGE_DUTY),
        },
    )


def _staff_fields(form: StaffForm) -> dict:
    return {key: form.cleaned_data[key] for key in form.Meta.fields}


@capability_required(Capability.MANAGE_DUTY)
def staff_create(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            try:
                staff = services.duty_staff_create(actor=request.user, **_staff_fields(form))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": staff.name})
                return redirect("patrol:schedule-staff-detail", pk=staff.pk)
    return render(request, "patrol/schedule/staff_form.html", {"form": form, "staff": None})


@capability_required(Capability.VIEW_DUTY)
def staff_detail(request, pk: int):
    staff = selectors.staff_visible(request.user).filter(pk=pk).first()
    if staff is None:
        raise Http404
    manage = can(request.user, Capability.MANAGE_DUTY)
    form = StaffForm(instance=staff) if manage else None
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        form = StaffForm(request.POST, instance=DutyStaff.objects.get(pk=pk))
        if not form.is_valid():
            messages.error(request, form_errors(form))
        elif run_service(
            request,
            with_change_notes(
                request, lambda: services.duty_staff_update(staff=staff, actor=request.user, **_staff_fields(form))
            ),
            _("%(name)s was saved.") % {"name": form.cleaned_data["name"]},
        ):
            return redirect("patrol:schedule-staff-detail", pk=pk)
    return render(
        request,
        "patrol/schedule/staff_detail.html",
        {
            "staff": staff,
            "form": form,
            "leaves": staff.leaves.order_by("-start"),
            "leave_form": LeaveForm() if manage else None,
            "can_manage": manage,
        },
    )


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def leave_create(request, pk: int):
    staff = get_object_or_404(DutyStaff, pk=pk)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("patrol:schedule-staff-detail", pk=pk)
    run_service(
        request,
        with_change_notes(request, lambda: services.leave_create(staff=staff, actor=request.user, **form.cleaned_data)),
        _("The leave was added."),
    )
    return redirect("patrol:schedule-staff-detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_DUTY)
def leave_delete(request, pk: int):
    leave = get_object_or_404(Leave, pk=pk)
    run_service(request, lambda: services.leave_delete(leave=leave, actor=request.user), _("The leave was deleted."))
    return redirect("patrol:schedule-staff-detail", pk=leave.staff_id)

"""Reads for the roster: scoped assignments and shifts, week grids, coverage counts, swap requests.

School safety staff see only their own school's shifts; police roles see every school's (the registry scope,
``campus.scope``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from campus.models import Term
from campus.scope import scope_of
from common.dates import monday_of
from common.models import AuditLogEntry
from common.roles import Capability, can
from patrol.models import DutyAssignment, DutyRole, DutyShift, DutyStaff, Leave, Roster, SwapRequest, WindowKind
from patrol.roster.conflicts import Absence, ShiftInfo, StaffInfo

WINDOW_ORDER = {kind: index for index, kind in enumerate(WindowKind.values)}
REMOVE_ACTION = "patrol.assignment.remove"


def school_scope(user) -> int | None | bool:
    """The one school a school-staff user is limited to; ``False`` when the user is not limited (police
    roles: the registry scope is the county).

    A user without a school and without a police role (school staff without a school) gets ``None``: they
    see nothing.
    """
    scope = scope_of(user)
    if scope.registry_county:
        return False
    return scope.school_id


def roster_report_for(user, report: dict) -> dict:
    """The part of a roster's solver report ``user`` may see: school safety staff only their own school's
    uncovered posts and no released duties; police roles (the registry scope is the county) all of it."""
    scope = scope_of(user)
    if not report:
        return report
    # The pieces' fingerprints are the re-planner's (``patrol.roster.incremental``), no one's to read.
    visible = {key: value for key, value in report.items() if key != "state"}
    if scope.registry_county:
        return visible
    school_id = scope.school_id
    # Their own school's places; who of the police is on leave or at a limit is not theirs to read.
    visible["uncovered"] = [
        {**u, "params": {k: v for k, v in (u.get("params") or {}).items() if k != "people"}}
        for u in report.get("uncovered", [])
        if u.get("school_id") == school_id
    ]
    visible["released"] = []
    return visible


def staff_of_user(user) -> DutyStaff | None:
    if not user.is_authenticated:
        return None
    return DutyStaff.objects.filter(user=user).select_related("school", "station").first()


def shifts_visible(user) -> QuerySet[DutyShift]:
    qs = DutyShift.objects.select_related("post", "post__gate", "post__gate__school", "term")
    return scope_of(user).filter_schools(qs, school="post__gate__school")


def assignments_visible(user) -> QuerySet[DutyAssignment]:
    qs = DutyAssignment.objects.select_related(
        "staff", "shift", "shift__post", "shift__post__gate", "shift__post__gate__school", "shift__term"
    )
    return scope_of(user).filter_schools(qs, school="shift__post__gate__school")


def staff_visible(user) -> QuerySet[DutyStaff]:
    """People whose duties the user may look at: everyone, or for school staff their school's people."""
    qs = DutyStaff.objects.select_related("school", "station", "user")
    scope = scope_of(user)
    if scope.registry_county:
        return qs
    own = Q(user=user) if user.is_authenticated else Q(pk__in=[])
    return qs.filter(own | Q(school_id__in=sorted(scope.school_ids)))


def assignment_list(
    *,
    user,
    term: Term,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    school_id: int | None = None,
    station_id: int | None = None,
    staff_id: int | None = None,
) -> QuerySet[DutyAssignment]:
    qs = assignments_visible(user).filter(shift__term=term)
    if date_from:
        qs = qs.filter(shift__date__gte=date_from)
    if date_to:
        qs = qs.filter(shift__date__lte=date_to)
    if school_id:
        qs = qs.filter(shift__post__gate__school_id=school_id)
    if station_id:
        qs = qs.filter(shift__post__gate__school__responsible_station_id=station_id)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    return qs.order_by("shift__start", "shift__post_id", "role", "staff__name")


def roster_of(term: Term) -> Roster | None:
    """The term's roster for its page: status, version, publishing (the solver's report, hundreds of KB
    with its pieces' fingerprints, is not read)."""
    return Roster.objects.filter(term=term).select_related("published_by").defer("report").first()


# --- conflict inputs ---------------------------------------------------------------------------


def shift_info(shift: DutyShift) -> ShiftInfo:
    gate = shift.post.gate
    school = gate.school
    return ShiftInfo(
        shift_id=shift.pk,
        date=shift.date,
        start=shift.start,
        end=shift.end,
        lat=gate.lat,
        lon=gate.lon,
        school_id=school.pk,
        school_name=school.name,
        gate_name=gate.name,
        post_name=shift.post.name,
        responsible_station_id=school.responsible_station_id,
        requirements=dict(shift.requirements or {}),
    )


def staff_info(staff: DutyStaff) -> StaffInfo:
    return StaffInfo(
        staff_id=staff.pk,
        name=staff.name,
        role=staff.role,
        school_id=staff.school_id,
        station_id=staff.station_id,
        max_per_day=staff.max_per_day,
        max_per_week=staff.max_per_week,
        active=staff.active,
    )


def staff_shifts_around(
    *, staff: DutyStaff, day: dt.date, exclude_assignment_ids: tuple[int, ...] = ()
) -> list[ShiftInfo]:
    """The person's shifts in the ISO week of ``day`` and a day either side (enough for every check)."""
    monday = monday_of(day)
    qs = (
        DutyAssignment.objects.filter(
            staff=staff,
            shift__date__gte=min(monday, day - dt.timedelta(days=1)),
            shift__date__lte=max(monday + dt.timedelta(days=6), day + dt.timedelta(days=1)),
        )
        .exclude(pk__in=exclude_assignment_ids)
        .select_related("shift", "shift__post", "shift__post__gate", "shift__post__gate__school")
    )
    return [shift_info(a.shift) for a in qs]


def staff_absences(*, staff: DutyStaff, start: dt.datetime, end: dt.datetime) -> list[Absence]:
    return [
        Absence(kind=leave.kind, start=leave.start, end=leave.end, reason=leave.reason)
        for leave in Leave.objects.filter(staff=staff, start__lt=end, end__gt=start)
    ]


# --- coverage and the week grid ----------------------------------------------------------------


def role_label(role: str) -> str:
    return str(DutyRole(role).label) if role in DutyRole.values else role


def missing_labels(missing: dict[str, int]) -> dict[str, int]:
    return {role_label(role): count for role, count in missing.items()}


def missing_roles(requirements: dict, assignments: list[DutyAssignment]) -> dict[str, int]:
    """Per role, how many more people the shift needs; a police officer beyond the police places fills
    an auxiliary one (``role_can_fill``). In role order: PostgreSQL's jsonb stores keys its own way."""
    needs = {role: int(count or 0) for role, count in (requirements or {}).items()}
    filled: dict[str, int] = defaultdict(int)
    for a in assignments:
        filled[a.role] += 1
    return missing_from_counts(needs, filled)


def missing_from_counts(needs: dict[str, int], filled: dict[str, int]) -> dict[str, int]:
    """``missing_roles`` from counts: ``needs`` and ``filled`` map a role to a number of people."""
    filled = defaultdict(int, filled)
    short = {role: needs[role] - filled[role] for role in DutyRole.values if needs.get(role, 0) > filled[role]}
    spare_police = filled[DutyRole.POLICE] - needs.get(DutyRole.POLICE, 0)
    if short.get(DutyRole.AUXILIARY) and spare_police > 0:
        short[DutyRole.AUXILIARY] -= min(spare_police, short[DutyRole.AUXILIARY])
        if not short[DutyRole.AUXILIARY]:
            del short[DutyRole.AUXILIARY]
    return short


@dataclass
class Coverage:
    shifts: int = 0
    slots: int = 0
    filled: int = 0
    assignments: int = 0
    unpublished: int = 0

    @property
    def uncovered(self) -> int:
        return self.slots - self.filled


def term_coverage(term: Term, *, user=None) -> Coverage:
    """Slots needed and filled over the term (scoped to the user's school when given), counted by the
    database in two queries: per shift and role, the people assigned up to the places of that role."""
    from patrol.duty.staffing import term_places  # the SQL staffing counts; it imports only the models

    shifts = (shifts_visible(user) if user is not None else DutyShift.objects.all()).filter(term=term)
    assignments = (assignments_visible(user) if user is not None else DutyAssignment.objects.all()).filter(
        shift__term=term
    )
    return Coverage(**term_places(shifts, assignments))


# Generations write one audit entry with how many published duties they took away (``removed_published``).
GENERATE_ACTIONS = ("patrol.roster.generate", "patrol.roster.generate_greedy")


def removals_since_publish(roster: Roster | None) -> int:
    """Assignments removed after the last publish (they are not in the published roster's people's view yet):
    by hand (one audit entry each) and the published ones a generation or re-plan released or replaced."""
    if roster is None or roster.published_at is None:
        return 0
    by_hand = AuditLogEntry.objects.filter(
        action=REMOVE_ACTION, before__term=roster.term_id, at__gt=roster.published_at
    ).count()
    generated = AuditLogEntry.objects.filter(
        action__in=GENERATE_ACTIONS, object_id=str(roster.pk), at__gt=roster.published_at
    ).values_list("after", flat=True)
    return by_hand + sum(int((after or {}).get("removed_published") or 0) for after in generated)


def term_weeks(term: Term) -> list[dt.date]:
    """Mondays of the weeks the term spans."""
    monday = monday_of(term.start_date)
    weeks = []
    while monday <= term.end_date:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def default_week(term: Term) -> dt.date:
    """The Monday the week view opens on: the week containing today inside the term (even on a weekend
    or a day without shifts), else the week of the term's first shift."""
    today = timezone.localdate()
    if term.start_date <= today <= term.end_date:
        return monday_of(today)
    day = term.start_date
    first = DutyShift.objects.filter(term=term, date__gte=day).order_by("date").values_list("date", flat=True).first()
    return monday_of(first or day)


# --- swap requests -----------------------------------------------------------------------------


def swap_requests_visible(user) -> QuerySet[SwapRequest]:
    """Managers see every request; others the requests they made or that are addressed to them."""
    qs = SwapRequest.objects.select_related(
        "assignment__shift__post__gate__school",
        "assignment__staff",
        "to_staff",
        "in_return__shift__post__gate__school",
        "in_return__staff",
        "requested_by",
    )
    if can(user, Capability.MANAGE_DUTY):
        return qs
    staff = staff_of_user(user)
    mine = Q(requested_by=user)
    if staff is not None:
        mine |= Q(to_staff=staff) | Q(assignment__staff=staff)
    return qs.filter(mine)


def swap_requests_for_me(user) -> QuerySet[SwapRequest]:
    staff = staff_of_user(user)
    if staff is None:
        return SwapRequest.objects.none()
    return swap_requests_visible(user).filter(to_staff=staff, status=SwapRequest.Status.PENDING)


def swap_requests_pending() -> QuerySet[SwapRequest]:
    return SwapRequest.objects.filter(status=SwapRequest.Status.PENDING)


def swap_candidates(assignment: DutyAssignment) -> QuerySet[DutyStaff]:
    """People who could be asked to take this duty (qualified by role and place; conflicts checked later)."""
    school = assignment.shift.post.gate.school
    roles = [r for r, slots in (("police", {"police", "auxiliary"}),) if assignment.role in slots]
    roles.append(assignment.role)
    qs = DutyStaff.objects.filter(active=True, role__in=set(roles)).exclude(pk=assignment.staff_id)
    if assignment.role in ("guard", "volunteer"):
        return qs.filter(school=school)
    return qs.filter(station_id=school.responsible_station_id)


def swap_candidates_for(assignments: list[DutyAssignment]) -> dict[int, list[DutyStaff]]:
    """``swap_candidates`` of many assignments in one query: assignment id -> the people, by name.

    For a page of duties (the assignments need ``shift__post__gate__school`` loaded): the same rule as
    ``swap_candidates`` (a police place may go to police, an auxiliary one to either; school people
    stay at their school, officers at the school's responsible station), applied in memory.
    """
    school_ids = {a.shift.post.gate.school_id for a in assignments if a.role in ("guard", "volunteer")}
    station_ids = {
        a.shift.post.gate.school.responsible_station_id for a in assignments if a.role not in ("guard", "volunteer")
    }
    if not assignments:
        return {}
    people = list(
        DutyStaff.objects.filter(active=True)
        .filter(
            Q(role__in=("guard", "volunteer"), school_id__in=school_ids)
            | Q(role__in=("police", "auxiliary"), station_id__in={s for s in station_ids if s is not None})
        )
        .only("pk", "name", "role", "school_id", "station_id")
        .order_by("name", "pk")
    )
    result: dict[int, list[DutyStaff]] = {}
    for a in assignments:
        roles = {a.role, "police"} if a.role in ("police", "auxiliary") else {a.role}
        if a.role in ("guard", "volunteer"):
            school_id = a.shift.post.gate.school_id
            place = [p for p in people if p.school_id == school_id]
        else:
            station_id = a.shift.post.gate.school.responsible_station_id
            place = [p for p in people if station_id is not None and p.station_id == station_id]
        result[a.pk] = [p for p in place if p.role in roles and p.pk != a.staff_id]
    return result

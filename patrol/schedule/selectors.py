"""Reads for the 护学岗 set-up, scoped by role: school safety staff see only their own school."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from campus.models import CalendarOverride, Gate, School, SchoolClosure, Term
from campus.scope import scope_of
from campus.selectors import school_list_visible
from common.roles import Capability, can
from patrol.models import BellSchedule, BellTime, DutyRole, DutyStaff, Leave, Post


def sees_all(user) -> bool:
    """VIEW_DUTY with a police role: the registry scope (``campus.scope``) is the county."""
    return can(user, Capability.VIEW_DUTY) and scope_of(user).registry_county


def term_list() -> QuerySet[Term]:
    return Term.objects.annotate(shift_count=Count("shifts")).order_by("-start_date")


def override_list() -> QuerySet[CalendarOverride]:
    return CalendarOverride.objects.order_by("date")


def schools_visible(user) -> QuerySet[School]:
    return school_list_visible(user)


def closure_list_visible(user) -> QuerySet[SchoolClosure]:
    return SchoolClosure.objects.filter(school__in=schools_visible(user)).select_related("school")


def bell_schedules_visible(user) -> QuerySet[BellSchedule]:
    return (
        BellSchedule.objects.filter(school__in=schools_visible(user))
        .select_related("school")
        .prefetch_related(Prefetch("bells", queryset=BellTime.objects.order_by("time")))
    )


def posts_visible(user) -> QuerySet[Post]:
    return Post.objects.filter(gate__school__in=schools_visible(user)).select_related("gate", "gate__school")


def gates_with_posts(school: School) -> QuerySet[Gate]:
    return school.gates.prefetch_related(Prefetch("posts", queryset=Post.objects.order_by("id")))


def staff_visible(user) -> QuerySet[DutyStaff]:
    """Police roles see every person; school safety staff see the guards and volunteers of their school."""
    qs = DutyStaff.objects.select_related("station", "school", "officer", "user")
    if not can(user, Capability.VIEW_DUTY):
        return qs.none()
    return scope_of(user).filter_schools(qs, school="school")


def staff_filtered(user, *, role: str = "", station: str = "", school: str = "", q: str = "") -> QuerySet[DutyStaff]:
    qs = staff_visible(user)
    if role in DutyRole.values:
        qs = qs.filter(role=role)
    if str(station).isdigit():
        qs = qs.filter(station_id=int(station))
    if str(school).isdigit():
        qs = qs.filter(school_id=int(school))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q))
    return qs.order_by("role", "name")


def leave_visible(user) -> QuerySet[Leave]:
    return Leave.objects.filter(staff__in=staff_visible(user)).select_related("staff")

"""The shift picker's candidates: who could stand a shift, whether they are free that day, and their load.

For the form where a scheduler puts a person on a duty by hand (``roster_shift``). Each candidate gets
the same checks the save runs (``conflicts.assignment_conflicts``: leave and other duties, already on
duty at that time, too far to get there, daily and weekly limits), and their duties this week and this
term. Sorted for choosing: free people first, then those who fill a missing role, then the least loaded.
A fixed number of queries whatever the number of candidates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from common.dates import monday_of
from patrol.models import DutyAssignment, DutyShift, DutyStaff, Leave, role_can_fill
from patrol.roster.conflicts import Absence, ConflictItem, Limits, ShiftInfo, assignment_conflicts
from patrol.roster.selectors import shift_info, staff_info

# Most telling first: when several hold, the candidate's status is the first of these found.
STATUS_ORDER = (
    "on_leave",
    "other_duty",
    "double_booked",
    "travel",
    "max_per_day",
    "max_per_week",
    "inactive",
)


def status_label(status: str) -> str:
    return {
        "available": _("available"),
        "on_leave": _("on leave"),
        "other_duty": _("on another duty"),
        "double_booked": _("already on duty at that time"),
        "travel": _("too far to get there in time"),
        "max_per_day": _("daily limit reached"),
        "max_per_week": _("weekly limit reached"),
        "inactive": _("not active"),
    }.get(status, _("cannot take this place"))


@dataclass
class Candidate:
    staff: DutyStaff
    role: str  # the slot role they would fill here
    problems: list[ConflictItem] = field(default_factory=list)
    week_load: int = 0
    term_load: int = 0
    fills_missing: bool = False

    @property
    def status(self) -> str:
        if not self.problems:
            return "available"
        codes = {p.code for p in self.problems}
        return next((code for code in STATUS_ORDER if code in codes), self.problems[0].code)

    @property
    def available(self) -> bool:
        return not self.problems

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def detail(self) -> str:
        return " ".join(p.message for p in self.problems)

    @property
    def option_label(self) -> str:
        """One line for a ``<select>``: name, role, availability, load."""
        return _("%(name)s (%(role)s) · %(status)s · %(week)d this week, %(term)d this term") % {
            "name": self.staff.name,
            "role": self.staff.get_role_display(),
            "status": self.status_label,
            "week": self.week_load,
            "term": self.term_load,
        }


def _slot_role(staff: DutyStaff, missing: dict[str, int]) -> tuple[str, bool]:
    """The role ``staff`` would take here: a missing one they can fill (their own first), else their own."""
    if missing.get(staff.role):
        return staff.role, True
    for role in missing:
        if role_can_fill(staff.role, role):
            return role, True
    return staff.role, False


def shift_candidates(*, shift: DutyShift, exclude_staff_ids: set[int], missing: dict[str, int]) -> list[Candidate]:
    """The active people of the shift's school and of its responsible station, not already on it, each
    with their availability for ``shift`` and their load. ``missing``: role -> places still open."""
    school = shift.post.gate.school
    people = list(
        (
            DutyStaff.objects.filter(active=True, school=school)
            | DutyStaff.objects.filter(active=True, station_id=school.responsible_station_id)
        )
        .exclude(pk__in=exclude_staff_ids)
        .select_related("school", "station")
        .order_by("role", "name")
    )
    if not people:
        return []
    ids = [p.pk for p in people]
    monday = monday_of(shift.date)
    first = min(monday, shift.date - dt.timedelta(days=1))
    last = max(monday + dt.timedelta(days=6), shift.date + dt.timedelta(days=1))
    around: dict[int, list[ShiftInfo]] = defaultdict(list)
    week_load: dict[int, int] = defaultdict(int)
    for a in DutyAssignment.objects.filter(
        staff_id__in=ids, shift__date__gte=first, shift__date__lte=last
    ).select_related("shift__post__gate__school"):
        around[a.staff_id].append(shift_info(a.shift))
        if monday_of(a.shift.date) == monday:
            week_load[a.staff_id] += 1
    absences: dict[int, list[Absence]] = defaultdict(list)
    for leave in Leave.objects.filter(staff_id__in=ids, start__lt=shift.end, end__gt=shift.start):
        absences[leave.staff_id].append(Absence(kind=leave.kind, start=leave.start, end=leave.end, reason=leave.reason))
    term_load = dict(
        DutyAssignment.objects.filter(staff_id__in=ids, shift__term_id=shift.term_id)
        .order_by()
        .values_list("staff_id")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "n")
    )
    info = shift_info(shift)
    limits = Limits.from_settings()
    candidates = []
    for person in people:
        role, fills = _slot_role(person, missing)
        problems = assignment_conflicts(
            staff=staff_info(person),
            role=role,
            shift=info,
            existing=around.get(person.pk, []),
            absences=absences.get(person.pk, []),
            limits=limits,
        )
        candidates.append(
            Candidate(
                staff=person,
                role=role,
                problems=problems,
                week_load=week_load.get(person.pk, 0),
                term_load=term_load.get(person.pk, 0),
                fills_missing=fills,
            )
        )
    candidates.sort(key=lambda c: (not c.available, not c.fills_missing, c.week_load, c.term_load, c.staff.name))
    return candidates

"""Conflict checks for putting one person on one duty shift.

Pure functions over small value objects, so that manual edits, swaps and anything else that needs
the same rules (a solver's post-check, an import) can share them without touching the database.
Times are aware datetimes; positions are WGS-84 degrees; distances in metres.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from patrol.models import DutyRole, role_can_fill, travel_s

SCHOOL_ROLES = frozenset({"guard", "volunteer"})


@dataclass(frozen=True)
class ShiftInfo:
    """What the checks need to know about a shift: when, where, and whose school it is."""

    shift_id: int | None
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    lat: float
    lon: float
    school_id: int
    school_name: str
    gate_name: str
    post_name: str
    responsible_station_id: int | None = None
    requirements: dict = field(default_factory=dict)

    def describe(self) -> str:
        """``School, Gate (Post) 2026-09-07 07:20–08:00`` in local time."""
        start = timezone.localtime(self.start)
        end = timezone.localtime(self.end)
        return f"{self.school_name}, {self.gate_name} ({self.post_name}) {self.date:%Y-%m-%d} {start:%H:%M}–{end:%H:%M}"


@dataclass(frozen=True)
class StaffInfo:
    staff_id: int | None
    name: str
    role: str
    school_id: int | None = None
    station_id: int | None = None
    max_per_day: int | None = None
    max_per_week: int | None = None
    active: bool = True


@dataclass(frozen=True)
class Absence:
    """Leave or another duty, ``kind`` as in ``Leave.Kind``."""

    kind: str
    start: dt.datetime
    end: dt.datetime
    reason: str = ""


@dataclass(frozen=True)
class Limits:
    speed_kmh: float
    min_rest_min: float
    max_per_day: int
    max_per_week: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            speed_kmh=settings.PATROL_TRAVEL_SPEED_KMH,
            min_rest_min=settings.PATROL_MIN_REST_MIN,
            max_per_day=settings.PATROL_MAX_DUTIES_PER_DAY,
            max_per_week=settings.PATROL_MAX_DUTIES_PER_WEEK,
        )


@dataclass(frozen=True)
class ConflictItem:
    """One reason the person cannot take the shift; ``other`` is the clashing shift, if any."""

    code: str
    message: str
    other: ShiftInfo | None = None
    hard: bool = True

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "other_shift": self.other.shift_id if self.other else None,
        }


def travel_min(a: ShiftInfo, b: ShiftInfo, *, speed_kmh: float) -> float:
    """Minutes to go in a straight line from gate ``a`` to gate ``b`` (the solver's rule, ``travel_s``)."""
    return travel_s(a.lat, a.lon, b.lat, b.lon, speed_kmh=speed_kmh) / 60.0


def _role_label(role: str) -> str:
    return str(DutyRole(role).label) if role in DutyRole.values else role


def _week(day: dt.date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def check_qualification(*, staff: StaffInfo, role: str, shift: ShiftInfo) -> list[ConflictItem]:
    """Role, school and station rules; ``role`` is the slot's role."""
    found: list[ConflictItem] = []
    if not staff.active:
        found.append(ConflictItem("inactive", _("%(name)s is not active.") % {"name": staff.name}))
    if not role_can_fill(staff.role, role):
        found.append(
            ConflictItem(
                "not_qualified",
                _("%(name)s (%(staff_role)s) may not fill a %(role)s slot.")
                % {"name": staff.name, "staff_role": _role_label(staff.role), "role": _role_label(role)},
            )
        )
    if shift.requirements and not shift.requirements.get(role):
        found.append(
            ConflictItem(
                "role_not_needed",
                _("%(shift)s needs no %(role)s.") % {"shift": shift.describe(), "role": _role_label(role)},
            )
        )
    if staff.role in SCHOOL_ROLES:
        if staff.school_id != shift.school_id:
            found.append(
                ConflictItem(
                    "other_school",
                    _("%(name)s serves another school, not %(school)s.")
                    % {"name": staff.name, "school": shift.school_name},
                )
            )
    elif staff.station_id is None or staff.station_id != shift.responsible_station_id:
        found.append(
            ConflictItem(
                "other_station",
                _("%(name)s's station is not responsible for %(school)s.")
                % {"name": staff.name, "school": shift.school_name},
            )
        )
    return found


def check_pair(*, staff: StaffInfo, shift: ShiftInfo, other: ShiftInfo, limits: Limits) -> ConflictItem | None:
    """Whether one person can stand both ``shift`` and ``other``: double booking, or travel plus rest.

    The gap is compared in whole seconds (``travel_s`` rounds up), the solver's arithmetic, so the
    edit forms, the solver and the roster validator agree on a gap of exactly travel plus rest.
    """
    if other.start < shift.end and shift.start < other.end:
        return ConflictItem(
            "double_booked",
            _("%(name)s is already on duty at %(other)s.") % {"name": staff.name, "other": other.describe()},
            other,
        )
    first, second = (other, shift) if other.end <= shift.start else (shift, other)
    gap_s = (second.start - first.end).total_seconds()
    needed_s = travel_s(first.lat, first.lon, second.lat, second.lon, speed_kmh=limits.speed_kmh) + round(
        limits.min_rest_min * 60
    )
    if gap_s < needed_s:
        return ConflictItem(
            "travel",
            _(
                "%(name)s cannot get between %(other)s and this shift in time: %(gap)d min between them, "
                "%(needed)d min needed for travel and rest."
            )
            % {"name": staff.name, "other": other.describe(), "gap": gap_s / 60.0, "needed": round(needed_s / 60.0)},
            other,
        )
    return None


def check_absences(*, staff: StaffInfo, shift: ShiftInfo, absences: Iterable[Absence]) -> list[ConflictItem]:
    """Leave or another duty overlapping ``shift``, one item per absence."""
    found: list[ConflictItem] = []
    for absence in absences:
        if absence.start < shift.end and shift.start < absence.end:
            start = timezone.localtime(absence.start)
            end = timezone.localtime(absence.end)
            label = _("on leave") if absence.kind == "leave" else _("on another duty")
            found.append(
                ConflictItem(
                    "on_leave" if absence.kind == "leave" else "other_duty",
                    _("%(name)s is %(what)s from %(start)s to %(end)s.")
                    % {
                        "name": staff.name,
                        "what": label,
                        "start": f"{start:%Y-%m-%d %H:%M}",
                        "end": f"{end:%Y-%m-%d %H:%M}",
                    },
                )
            )
    return found


def check_max_per_day(*, staff: StaffInfo, date: dt.date, before: int, limits: Limits) -> ConflictItem | None:
    """One more duty on ``date`` when the person already has ``before`` that day."""
    per_day = staff.max_per_day if staff.max_per_day is not None else limits.max_per_day
    if before + 1 > per_day:
        return ConflictItem(
            "max_per_day",
            _("%(name)s already has %(count)d duties on %(date)s (maximum %(max)d).")
            % {"name": staff.name, "count": before, "date": f"{date:%Y-%m-%d}", "max": per_day},
        )
    return None


def check_max_per_week(*, staff: StaffInfo, date: dt.date, before: int, limits: Limits) -> ConflictItem | None:
    """One more duty in the ISO week of ``date`` when the person already has ``before`` that week."""
    per_week = staff.max_per_week if staff.max_per_week is not None else limits.max_per_week
    if before + 1 > per_week:
        return ConflictItem(
            "max_per_week",
            _("%(name)s already has %(count)d duties in the week of %(date)s (maximum %(max)d).")
            % {"name": staff.name, "count": before, "date": f"{date:%Y-%m-%d}", "max": per_week},
        )
    return None


def check_time(
    *,
    staff: StaffInfo,
    shift: ShiftInfo,
    existing: Iterable[ShiftInfo],
    absences: Iterable[Absence] = (),
    limits: Limits,
) -> list[ConflictItem]:
    """Double booking, travel and rest, leave and other duties, and the daily and weekly maximum.

    ``existing``: the person's other shifts; one on ``shift`` itself counts as double booking.
    """
    others = sorted(existing, key=lambda s: s.start)
    found = [
        item
        for other in others
        if (item := check_pair(staff=staff, shift=shift, other=other, limits=limits)) is not None
    ]
    found += check_absences(staff=staff, shift=shift, absences=absences)
    same_day = sum(1 for s in others if s.date == shift.date)
    week = _week(shift.date)
    same_week = sum(1 for s in others if _week(s.date) == week)
    for item in (
        check_max_per_day(staff=staff, date=shift.date, before=same_day, limits=limits),
        check_max_per_week(staff=staff, date=shift.date, before=same_week, limits=limits),
    ):
        if item is not None:
            found.append(item)
    return found


def assignment_conflicts(
    *,
    staff: StaffInfo,
    role: str,
    shift: ShiftInfo,
    existing: Sequence[ShiftInfo],
    absences: Sequence[Absence] = (),
    limits: Limits | None = None,
) -> list[ConflictItem]:
    """Every reason ``staff`` cannot fill a ``role`` slot on ``shift``; empty when they can."""
    limits = limits or Limits.from_settings()
    return [
        *check_qualification(staff=staff, role=role, shift=shift),
        *check_time(staff=staff, shift=shift, existing=existing, absences=absences, limits=limits),
    ]

"""The roster problem as plain data: shifts, staff, leave and existing assignments of one term.

``problem_load`` reads the database once; the solver and the greedy baseline work on these
dataclasses only, so they run without Django (and in worker threads). Times are integer seconds
since the epoch (UTC), so overlap, travel and rest are integer arithmetic; positions are WGS-84.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from campus.models import LiaisonAssignment, Term
from common.dates import monday_of
from patrol.models import DutyAssignment, DutyRole, DutyShift, DutyStaff, Leave, role_can_fill, travel_s
from patrol.roster.conflicts import (
    Absence,
    Limits,
    ShiftInfo,
    StaffInfo,
    check_absences,
    check_max_per_day,
    check_max_per_week,
    check_pair,
    check_qualification,
)

POLICE = DutyRole.POLICE.value
AUXILIARY = DutyRole.AUXILIARY.value
GUARD = DutyRole.GUARD.value
VOLUNTEER = DutyRole.VOLUNTEER.value
ROLES = (POLICE, AUXILIARY, GUARD, VOLUNTEER)
STATION_ROLES = (POLICE, AUXILIARY)
SCHOOL_ROLES = (GUARD, VOLUNTEER)


@dataclass(frozen=True)
class Shift:
    id: int
    post_id: int
    post_name: str
    gate_name: str
    school_id: int
    school_name: str
    station_id: int | None  # the school's responsible station
    lat: float  # the gate, WGS-84
    lon: float
    date: dt.date
    kind: str
    start_s: int  # epoch seconds
    end_s: int
    window: str  # "07:20–08:00", local time, for people
    requirements: dict[str, int]

    @cached_property
    def week(self) -> dt.date:
        """Monday of the shift's week (asked hundreds of thousands of times by a term's solve)."""
        return monday_of(self.date)


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    role: str
    station_id: int | None
    school_id: int | None
    max_per_day: int
    max_per_week: int


@dataclass(frozen=True)
class Existing:
    """An assignment already in the database."""

    id: int
    shift_id: int
    staff_id: int
    role: str
    pinned: bool
    published: bool


@dataclass
class Problem:
    term_id: int
    from_date: dt.date
    shifts: list[Shift]  # shifts on or after from_date, the ones to plan
    staff: list[Staff]  # active staff
    leaves: dict[int, list[tuple[int, int]]]  # staff id -> [(start_s, end_s)]
    existing: list[Existing]  # assignments on planned shifts
    prior_load: dict[int, int]  # staff id -> duties before from_date in this term
    prior_week_load: dict[tuple[int, dt.date], int]  # (staff, week) -> duties before from_date in that week
    prior_day_load: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    # (post id, date, kind) -> {staff ids}, for the shifts before from_date (continuity into the plan)
    prior_posts: dict[tuple[int, dt.date, str], set[int]] = field(default_factory=dict)
    liaison: dict[int, int] = field(default_factory=dict)  # school id -> liaison's DutyStaff id
    speed_kmh: float = 30.0
    min_rest_s: int = 600
    # Re-planning some pieces only (``patrol.roster.incremental``): the duties of the pieces left out,
    # per week and person (carried into the fairness load week by week), and per person those on the
    # days of the planned weeks (checked against for overlap, travel and the limits). Empty otherwise.
    outside_load: dict[dt.date, dict[int, int]] = field(default_factory=dict)
    context: dict[int, list[Shift]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.staff_by_id: dict[int, Staff] = {s.id: s for s in self.staff}
        self.shift_by_id: dict[int, Shift] = {s.id: s for s in self.shifts}
        self._by_station: dict[tuple[int | None, str], list[Staff]] = defaultdict(list)
        self._by_school: dict[tuple[int | None, str], list[Staff]] = defaultdict(list)
        for person in self.staff:
            if person.role in STATION_ROLES and person.station_id is not None:
                self._by_station[(person.station_id, person.role)].append(person)
            elif person.role in SCHOOL_ROLES and person.school_id is not None:
                self._by_school[(person.school_id, person.role)].append(person)

    def candidates(self, shift: Shift, role: str) -> list[Staff]:
        """Everyone qualified for a ``role`` slot on ``shift`` (role and place; leave not considered)."""
        if role in SCHOOL_ROLES:
            return self._by_school.get((shift.school_id, role), [])
        found = list(self._by_station.get((shift.station_id, role), []))
        if role == AUXILIARY:
            found += self._by_station.get((shift.station_id, POLICE), [])
        return found

    def travel_s(self, a: Shift, b: Shift) -> int:
        return travel_s(a.lat, a.lon, b.lat, b.lon, speed_kmh=self.speed_kmh)

    def conflict(self, a: Shift, b: Shift) -> str | None:
        """Why one person cannot stand both shifts: ``"overlap"``, ``"travel"`` or None."""
        if a.start_s > b.start_s:
            a, b = b, a
        if b.start_s < a.end_s:
            return "overlap"
        if b.start_s - a.end_s < self.travel_s(a, b) + self.min_rest_s:
            return "travel"
        return None

    def on_leave(self, staff_id: int, shift: Shift) -> bool:
        spans = self.leaves.get(staff_id)
        return bool(spans) and any(start < shift.end_s and shift.start_s < end for start, end in spans)

    def context_blocked(self, staff_id: int, shift: Shift) -> bool:
        """Whether a duty of ``staff_id`` outside the planned pieces rules ``shift`` out (same shift,
        overlap, travel)."""
        return any(
            other.id == shift.id or self.conflict(other, shift)
            for other in self.context.get(staff_id, ())
            if other.date == shift.date
        )

    def qualified(self, staff: Staff, shift: Shift, role: str) -> bool:
        """Role and place: guards and volunteers at their own school, police at their station's schools."""
        if not role_can_fill(staff.role, role):
            return False
        if role in SCHOOL_ROLES:
            return staff.school_id is not None and staff.school_id == shift.school_id
        return staff.station_id is not None and staff.station_id == shift.station_id


def _epoch_s(value: dt.datetime) -> int:
    return int(value.timestamp())


# Ids a query filters on at once (SQLite's limit on parameters is 999 in older builds).
IDS_PER_QUERY = 900


def _in_chunks(queryset, field_name: str, ids: list[int] | None):
    """``queryset`` (all of it when ``ids`` is None) or its rows whose ``field_name`` is in ``ids``."""
    if ids is None:
        yield from queryset
        return
    for n in range(0, len(ids), IDS_PER_QUERY):
        yield from queryset.filter(**{f"{field_name}__in": ids[n : n + IDS_PER_QUERY]})


def problem_load(*, term: Term, from_date: dt.date, shift_ids: list[int] | None = None) -> Problem:
    """Everything the solver needs about ``term`` from ``from_date`` on, in four queries or so.

    ``shift_ids``: only these shifts (and the assignments on them), for re-planning some pieces."""
    tz = timezone.get_current_timezone()
    shifts: list[Shift] = []
    # Plain rows, not model instances: no school or station geometry is read, and a shift's staffing
    # (JSON) is decoded once per distinct text, not once per shift.
    query = (
        DutyShift.objects.filter(term=term, date__gte=from_date)
        .annotate(needs=Cast("requirements", TextField()))
        .order_by("start", "post_id", "id")
        .values_list(
            "id",
            "post_id",
            "post__name",
            "post__gate__name",
            "post__gate__school_id",
            "post__gate__school__name",
            "post__gate__school__responsible_station_id",
            "post__gate__lat",
            "post__gate__lon",
            "date",
            "kind",
            "start",
            "end",
            "needs",
        )
    )
    rows = list(_in_chunks(query, "id", shift_ids))
    if shift_ids is not None:
        rows.sort(key=lambda row: (row[11], row[1], row[0]))
    needs_of: dict[str | None, dict[str, int]] = {}
    windows: dict[tuple[dt.datetime, dt.datetime], str] = {}
    for (id_, post_id, post_name, gate_name, school_id, school_name, station_id, lat, lon, date, kind, start,
         end, needs) in rows:  # fmt: skip
        requirements = needs_of.get(needs)
        if requirements is None:
            requirements = needs_of[needs] = {
                str(role): int(count)
                for role, count in (json.loads(needs) if needs else {}).items()
                if role in ROLES and int(count) > 0
            }
        window = windows.get((start, end))
        if window is None:
            window = windows[(start, end)] = f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"
        shifts.append(
            Shift(
                id=id_,
                post_id=post_id,
                post_name=post_name,
                gate_name=gate_name,
                school_id=school_id,
                school_name=school_name,
                station_id=station_id,
                lat=lat,
                lon=lon,
                date=date,
                kind=kind,
                start_s=_epoch_s(start),
                end_s=_epoch_s(end),
                window=window,
                requirements=requirements,
            )
        )

    day_default = settings.PATROL_MAX_DUTIES_PER_DAY
    week_default = settings.PATROL_MAX_DUTIES_PER_WEEK
    staff = [
        Staff(
            id=s.id,
            name=s.name,
            role=s.role,
            station_id=s.station_id,
            school_id=s.school_id,
            max_per_day=s.max_per_day if s.max_per_day is not None else day_default,
            max_per_week=s.max_per_week if s.max_per_week is not None else week_default,
        )
        for s in DutyStaff.objects.filter(active=True)
        .order_by("id")
        .only("id", "name", "role", "station_id", "school_id", "max_per_day", "max_per_week")
    ]

    leaves: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if shifts:
        first = min(s.start_s for s in shifts)
        last = max(s.end_s for s in shifts)
        window = Leave.objects.filter(
            end__gt=dt.datetime.fromtimestamp(first, tz=dt.UTC), start__lt=dt.datetime.fromtimestamp(last, tz=dt.UTC)
        )
        for leave in window.values_list("staff_id", "start", "end"):
            leaves[leave[0]].append((_epoch_s(leave[1]), _epoch_s(leave[2])))

    existing = sorted(
        (
            Existing(id=a[0], shift_id=a[1], staff_id=a[2], role=a[3], pinned=a[4], published=a[5])
            for a in _in_chunks(
                DutyAssignment.objects.filter(shift__term=term, shift__date__gte=from_date)
                .order_by("id")
                .values_list("id", "shift_id", "staff_id", "role", "pinned", "published"),
                "shift_id",
                shift_ids,
            )
        ),
        key=lambda e: e.id,
    )

    prior_load: dict[int, int] = defaultdict(int)
    prior_week_load: dict[tuple[int, dt.date], int] = defaultdict(int)
    prior_day_load: dict[tuple[int, dt.date], int] = defaultdict(int)
    prior_posts: dict[tuple[int, dt.date, str], set[int]] = defaultdict(set)
    continuity_from = from_date - dt.timedelta(days=7)
    for staff_id, date, post_id, kind in DutyAssignment.objects.filter(
        shift__term=term, shift__date__lt=from_date
    ).values_list("staff_id", "shift__date", "shift__post_id", "shift__kind"):
        prior_load[staff_id] += 1
        prior_week_load[(staff_id, monday_of(date))] += 1
        prior_day_load[(staff_id, date)] += 1
        if date >= continuity_from:
            prior_posts[(post_id, date, kind)].add(staff_id)

    return Problem(
        term_id=term.id,
        from_date=from_date,
        shifts=shifts,
        staff=staff,
        leaves=dict(leaves),
        existing=existing,
        prior_load=dict(prior_load),
        prior_week_load=dict(prior_week_load),
        prior_day_load=dict(prior_day_load),
        prior_posts=dict(prior_posts),
        liaison=liaison_load(),
        speed_kmh=float(settings.PATROL_TRAVEL_SPEED_KMH),
        min_rest_s=int(settings.PATROL_MIN_REST_MIN) * 60,
    )


def liaison_load() -> dict[int, int]:
    """School id -> the DutyStaff id of its liaison officer (一校一警), for those on the duty staff."""
    staff_by_officer = dict(
        DutyStaff.objects.filter(active=True, officer__isnull=False).values_list("officer_id", "id")
    )
    return {
        school_id: staff_by_officer[officer_id]
        for school_id, officer_id in LiaisonAssignment.objects.filter(ended_at__isnull=True).values_list(
            "school_id", "officer_id"
        )
        if officer_id in staff_by_officer
    }


def _shift_info(shift: Shift, instant: Callable[[int], dt.datetime]) -> ShiftInfo:
    return ShiftInfo(
        shift_id=shift.id,
        date=shift.date,
        start=instant(shift.start_s),
        end=instant(shift.end_s),
        lat=shift.lat,
        lon=shift.lon,
        school_id=shift.school_id,
        school_name=shift.school_name,
        gate_name=shift.gate_name,
        post_name=shift.post_name,
        responsible_station_id=shift.station_id,
        requirements=shift.requirements,
    )


def _staff_info(person: Staff) -> StaffInfo:
    return StaffInfo(
        staff_id=person.id,
        name=person.name,
        role=person.role,
        school_id=person.school_id,
        station_id=person.station_id,
        max_per_day=person.max_per_day,
        max_per_week=person.max_per_week,
    )


# Codes of ``check_qualification`` the validator reports as one "not qualified" line. "role_not_needed"
# is left to the slot count below, which names the number required; any other code is reported with
# the check's own message, so a rule added there reaches the validator without an edit here.
_NOT_QUALIFIED = frozenset({"not_qualified", "other_school", "other_station"})
_COUNTED_BY_SLOT = frozenset({"role_not_needed"})
# ``check_pair``'s codes in the validator's words.
_PAIR_REASONS = {"double_booked": "overlap", "travel": "travel"}


def roster_violations(problem: Problem, chosen: list[tuple[int, int, str]], *, limit: int = 20) -> list[str]:
    """Every hard constraint ``chosen`` breaks, checked from scratch (the last guard before writing).

    Checks, independently of how the solution was made: known shift and active person, the role is
    required and not over-filled, nobody twice on one shift, qualification (role, own school or own
    station), leave, overlap and travel plus rest between a person's duties, and the daily and weekly
    maxima counting the duties before ``problem.from_date``. Returns up to ``limit`` messages.

    The per-person rules are the ones the edit forms use (``patrol.roster.conflicts``), applied to the
    problem's data; only the roster-wide rules (slot counts, the same person twice) live here.
    """
    found: list[str] = []
    limits = Limits(
        speed_kmh=problem.speed_kmh,
        min_rest_min=problem.min_rest_s / 60.0,
        max_per_day=settings.PATROL_MAX_DUTIES_PER_DAY,
        max_per_week=settings.PATROL_MAX_DUTIES_PER_WEEK,
    )
    shift_infos: dict[int, ShiftInfo] = {}
    staff_infos: dict[int, StaffInfo] = {}
    absences: dict[int, list[Absence]] = {}

    instants: dict[int, dt.datetime] = {}

    def instant(epoch_s: int) -> dt.datetime:
        # A term's shifts start and end at a few hundred distinct instants.
        found = instants.get(epoch_s)
        if found is None:
            found = instants[epoch_s] = dt.datetime.fromtimestamp(epoch_s, tz=dt.UTC)
        return found

    def shift_info(shift: Shift) -> ShiftInfo:
        info = shift_infos.get(shift.id)
        if info is None:
            info = shift_infos[shift.id] = _shift_info(shift, instant)
        return info

    def staff_info(person: Staff) -> StaffInfo:
        if person.id not in staff_infos:
            staff_infos[person.id] = _staff_info(person)
            absences[person.id] = [
                Absence("leave", dt.datetime.fromtimestamp(start, tz=dt.UTC), dt.datetime.fromtimestamp(end, tz=dt.UTC))
                for start, end in problem.leaves.get(person.id, ())
            ]
        return staff_infos[person.id]

    def bad(text: str) -> bool:
        found.append(text)
        return len(found) >= limit

    per_slot: dict[tuple[int, str], int] = defaultdict(int)
    seen: set[tuple[int, int]] = set()
    duties: dict[int, list[Shift]] = defaultdict(list)
    for shift_id, staff_id, role in chosen:
        shift = problem.shift_by_id.get(shift_id)
        person = problem.staff_by_id.get(staff_id)
        where = f"shift {shift_id} staff {staff_id} role {role}"
        if shift is None or person is None:
            if bad(f"{where}: unknown shift or inactive person"):
                return found
            continue
        if (shift_id, staff_id) in seen and bad(f"{where}: the person is on this shift twice"):
            return found
        seen.add((shift_id, staff_id))
        per_slot[(shift_id, role)] += 1
        if per_slot[(shift_id, role)] > shift.requirements.get(role, 0) and bad(
            f"{where}: more people than the {shift.requirements.get(role, 0)} required"
        ):
            return found
        info, staff = shift_info(shift), staff_info(person)
        items = check_qualification(staff=staff, role=role, shift=info)
        if any(item.code in _NOT_QUALIFIED for item in items) and bad(f"{where}: not qualified (role or place)"):
            return found
        for item in items:
            if item.code not in _NOT_QUALIFIED | _COUNTED_BY_SLOT and bad(f"{where}: {item.message}"):
                return found
        if check_absences(staff=staff, shift=info, absences=absences[person.id]) and bad(f"{where}: on leave"):
            return found
        duties[staff_id].append(shift)

    for staff_id, shifts in duties.items():
        person = problem.staff_by_id[staff_id]
        staff = staff_info(person)
        # The person's duties outside the planned pieces (re-planning some only) on the same days count
        # too: a pair of two of those is not this roster's to check.
        outside = [s for s in problem.context.get(staff_id, ()) if s.id not in problem.shift_by_id]
        ordered = sorted(
            [(s, False) for s in shifts] + [(s, True) for s in outside], key=lambda p: (p[0].start_s, p[0].id)
        )
        for (a, a_outside), (b, b_outside) in zip(ordered, ordered[1:], strict=False):
            if a.id == b.id or (a_outside and b_outside):
                continue  # the same shift twice is reported above as the same person twice on one shift
            item = check_pair(staff=staff, shift=shift_info(b), other=shift_info(a), limits=limits)
            if item is not None:
                why = _PAIR_REASONS.get(item.code, item.code)
                if bad(f"staff {staff_id}: shifts {a.id} and {b.id} conflict ({why})"):
                    return found
        days: dict[dt.date, int] = defaultdict(int)
        weeks: dict[dt.date, int] = defaultdict(int)
        for shift in shifts:
            days[shift.date] += 1
            weeks[shift.week] += 1
        for shift in outside:
            if shift.week in weeks:
                weeks[shift.week] += 1
                if shift.date in days:
                    days[shift.date] += 1
        for day, count in days.items():
            total = count + problem.prior_day_load.get((staff_id, day), 0)
            over = check_max_per_day(staff=staff, date=day, before=total - 1, limits=limits)
            if over is not None and bad(f"staff {staff_id}: {total} duties on {day} > {person.max_per_day}"):
                return found
        for week, count in weeks.items():
            total = count + problem.prior_week_load.get((staff_id, week), 0)
            over = check_max_per_week(staff=staff, date=week, before=total - 1, limits=limits)
            if over is not None and bad(
                f"staff {staff_id}: {total} duties in the week of {week} > {person.max_per_week}"
            ):
                return found
    return found

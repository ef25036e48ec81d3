"""Reads for the day of duty: who may see which shifts, one's own duties, and today's board.

Statuses are computed against an explicit ``now`` so the board, its JSON snapshot and the tests
agree; the board page re-evaluates the time-based ones (late, missing) in the browser.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import Station
from campus.scope import scope_of
from common.roles import Capability, Role, can, roles_of
from patrol.duty.staffing import places_count
from patrol.models import CheckIn, DutyAssignment, DutyBreak, DutyRole, DutyShift, DutyStaff, GuardPatrol, WindowKind
from patrol.roster.selectors import missing_roles

CHECKIN_OPENS_MIN = 60  # check-in opens this many minutes before the window starts


class Equipment:
    """Defensive equipment a school guard carries on the pre-dismissal patrol."""

    FORK = "steel_fork"
    BATON = "rubber_baton"
    VEST = "stab_vest"
    HELMET = "helmet"
    SHIELD = "shield"

    choices = [
        (FORK, _("Steel restraining fork (钢叉)")),
        (BATON, _("Rubber baton (橡胶警棍)")),
        (VEST, _("Stab-proof vest")),
        (HELMET, _("Helmet")),
        (SHIELD, _("Shield")),
    ]
    values = [value for value, _label in choices]
    labels = dict(choices)


EQUIPMENT = Equipment.choices  # (value, translated label) for forms and exports


class Status:
    """Status of one person on a shift, and of a whole post (shift)."""

    UPCOMING = "upcoming"
    ON_DUTY = "on_duty"
    LATE = "late"
    MISSING = "missing"
    CHECKED_OUT = "checked_out"
    UNCOVERED = "uncovered"

    labels = {
        UPCOMING: _("Upcoming"),
        ON_DUTY: _("On duty"),
        LATE: _("Late"),
        MISSING: _("Missing"),
        CHECKED_OUT: _("Checked out"),
        UNCOVERED: _("Uncovered"),
    }
    order = [UNCOVERED, MISSING, LATE, ON_DUTY, UPCOMING, CHECKED_OUT]


def grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PATROL_LATE_GRACE_MIN)


# --- scope ---------------------------------------------------------------------------------------


def shifts_visible(user) -> QuerySet[DutyShift]:
    """Shifts the user may see (VIEW_DUTY, the registry scope of ``campus.scope``): all for police roles,
    their own school's for school safety staff."""
    qs = DutyShift.objects.select_related(
        "post", "post__gate", "post__gate__school", "post__gate__school__responsible_station"
    )
    if not can(user, Capability.VIEW_DUTY):
        return qs.none()
    return scope_of(user).filter_schools(qs, school="post__gate__school")


def assignments_visible(user) -> QuerySet[DutyAssignment]:
    """Assignments on the shifts the user may see, or their own assignments."""
    own = DutyAssignment.objects.filter(staff__user=user) if user.is_authenticated else DutyAssignment.objects.none()
    visible = DutyAssignment.objects.filter(shift__in=shifts_visible(user).values("pk"))
    return (visible | own).distinct().select_related("shift", "shift__post__gate__school", "staff")


UNREAD: Any = object()  # "not read yet": ``staff`` arguments that may legitimately be None


def board_station_default(user, *, staff: DutyStaff | None = UNREAD) -> int | None:
    """A station officer's board starts at their own station (their officer record's, else their duty
    staff record's); others (the county scope, school staff) see their whole scope.

    ``staff``: the user's duty staff record (``staff_of``) when the caller has read it already."""
    scope = scope_of(user)
    if scope.county or not scope.registry_county:
        return None
    # A station officer's (active) officer record is read by the scope already, with its station if any.
    if scope.station_ids:
        return min(scope.station_ids)
    officer = None if Role.STATION_OFFICER in roles_of(user) else getattr(user, "officer", None)
    if officer is not None and officer.station_id:
        return officer.station_id
    if staff is UNREAD:
        staff = staff_of(user)
    return staff.station_id if staff else None


def staff_of(user) -> DutyStaff | None:
    if not user.is_authenticated:
        return None
    return DutyStaff.objects.filter(user=user).select_related("school", "station").first()


def my_assignments_on(*, user, date: dt.date) -> QuerySet[DutyAssignment]:
    """The user's own duties on a day, with their check-in (one query; ``checkin`` raises an
    ``AttributeError`` when there is none), in time order."""
    return (
        DutyAssignment.objects.filter(staff__user=user, shift__date=date)
        .select_related("shift", "shift__post", "shift__post__gate", "shift__post__gate__school", "staff", "checkin")
        .defer("shift__post__gate__school__campus")  # the outline is never shown with one's duties
        .order_by("shift__start", "shift_id")
    )


def patrol_shifts_for(*, user, date: dt.date) -> QuerySet[DutyShift]:
    """Dismissal shifts whose pre-dismissal patrol this user may record on a day.

    A guard on the shift, or a school safety staff member of the shift's school.
    """
    qs = DutyShift.objects.filter(date=date, kind=WindowKind.DISMISSAL)
    if not user.is_authenticated:
        return qs.none()
    # The guard's own shifts as a subquery of ids: no DISTINCT over whole rows (staffing, school outline).
    mine = Q(pk__in=qs.filter(assignments__staff__user=user, assignments__staff__role=DutyRole.GUARD).values("pk"))
    school_id = scope_of(user).school_id
    return (
        qs.filter(mine | Q(post__gate__school_id=school_id) if school_id else mine)
        .select_related("post", "post__gate__school")
        .defer("post__gate__school__campus")
        .order_by("start", "post_id")
    )


def patrol_due(shift: DutyShift, *, assignments: list[DutyAssignment] | None = None) -> bool:
    """Whether the school guards must patrol before this shift: a dismissal post staffed by guards.

    ``assignments``: the shift's, when already read (else its ``assignments``, prefetched or queried)."""
    if shift.kind != WindowKind.DISMISSAL:
        return False
    if int((shift.requirements or {}).get(DutyRole.GUARD, 0) or 0) > 0:
        return True
    return any(a.role == DutyRole.GUARD for a in (shift.assignments.all() if assignments is None else assignments))


# --- statuses ------------------------------------------------------------------------------------


def person_status(*, shift: DutyShift, checkin: CheckIn | None, now: dt.datetime) -> str:
    if checkin is not None:
        if checkin.checked_out_at is not None:
            return Status.CHECKED_OUT
        return Status.LATE if checkin.late else Status.ON_DUTY
    if now > shift.start + grace():
        return Status.MISSING
    return Status.UPCOMING


uncovered_roles = missing_roles  # the board and the statistics count gaps as the roster does


def shift_status(*, uncovered: bool, people: list[str]) -> str:
    if uncovered:
        return Status.UNCOVERED
    if not people:
        return Status.UPCOMING
    for status in (Status.MISSING, Status.LATE):
        if status in people:
            return status
    if all(p == Status.CHECKED_OUT for p in people):
        return Status.CHECKED_OUT
    if any(p in (Status.ON_DUTY, Status.CHECKED_OUT) for p in people):
        return Status.ON_DUTY
    return Status.UPCOMING


# --- the board -----------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


NO_STATION = 0  # the board's station filter for the schools no station is responsible for


def day_shifts(*, user, date: dt.date, station_id: int | None = None) -> QuerySet[DutyShift]:
    """The shifts of the board of ``date`` (the user's scope, one station's schools when given, the schools
    without a station for ``NO_STATION``), unordered."""
    qs = shifts_visible(user).filter(date=date)
    if station_id == NO_STATION:
        qs = qs.filter(post__gate__school__responsible_station__isnull=True)
    elif station_id is not None:
        qs = qs.filter(post__gate__school__responsible_station_id=station_id)
    return qs


def board_stations(*, user, date: dt.date) -> list[tuple[int, str, int]]:
    """The board's station picker: every station as (id, name, posts on ``date`` in the user's scope), by
    name, and last ``NO_STATION`` when some of the day's posts are at schools without a station.

    Two queries: the stations' names, and the day's posts counted per station (no outlines read)."""
    field = "post__gate__school__responsible_station_id"
    posts = dict(
        day_shifts(user=user, date=date).order_by().values(field).annotate(n=Count("pk")).values_list(field, "n")
    )
    stations = [
        (pk, name, posts.get(pk, 0)) for pk, name in Station.objects.order_by("name", "id").values_list("pk", "name")
    ]
    if posts.get(None):
        stations.append((NO_STATION, str(_("Schools without a station")), posts[None]))
    return stations


# The board shows a school's and a station's name, never their outlines: not read, not decoded.
UNSHOWN_GEOMETRY = ("post__gate__school__campus", "post__gate__school__responsible_station__jurisdiction")


def board_shifts(*, user, date: dt.date, station_id: int | None = None) -> QuerySet[DutyShift]:
    """The board's shifts in its order, without their people (``board_for`` reads those in one query each)."""
    qs = day_shifts(user=user, date=date, station_id=station_id).defer(*UNSHOWN_GEOMETRY)
    return qs.order_by("start", "post__gate__school__code", "post_id")


def patrol_dict(patrol: GuardPatrol) -> dict[str, Any]:
    carried = list(patrol.equipment or [])
    return {
        "id": patrol.id,
        "staff": patrol.staff.name,
        "started_at": _iso(patrol.started_at),
        "ended_at": _iso(patrol.ended_at),
        "area_cleared": patrol.area_cleared,
        "equipment": [str(Equipment.labels.get(item, item)) for item in carried],
        "missing_equipment": [str(label) for value, label in Equipment.choices if value not in carried],
        "notes": patrol.notes,
    }


def shift_row(
    shift: DutyShift,
    *,
    now: dt.datetime,
    assignments: list[DutyAssignment] | None = None,
    patrols: list[GuardPatrol] | None = None,
) -> dict[str, Any]:
    """One post in one window as the board shows it (JSON-safe).

    ``assignments`` (with ``staff`` and ``checkin``, in role and name order) and ``patrols`` (with ``staff``,
    oldest first): the shift's, or None to read them from its prefetched ``assignments`` and ``patrols``.
    """
    school = shift.post.gate.school
    station = school.responsible_station
    assignments = list(shift.assignments.all()) if assignments is None else assignments
    people = []
    for a in assignments:
        checkin = getattr(a, "checkin", None)  # reverse one-to-one: None when absent
        status = person_status(shift=shift, checkin=checkin, now=now)
        people.append(
            {
                "assignment": a.id,
                "staff": a.staff_id,
                "name": a.staff.name,
                "phone": a.staff.phone,
                "role": a.role,
                "role_label": str(DutyRole(a.role).label),
                "checked_in_at": _iso(checkin.checked_in_at) if checkin else None,
                "checked_out_at": _iso(checkin.checked_out_at) if checkin else None,
                "late": bool(checkin and checkin.late),
                "early": bool(checkin and checkin.early),
                "distance_m": round(checkin.in_distance_m) if checkin and checkin.in_distance_m is not None else None,
                "reason": checkin.in_reason if checkin else "",
                "status": status,
            }
        )
    short = uncovered_roles(shift.requirements, assignments)
    patrols = list(shift.patrols.all()) if patrols is None else patrols
    return {
        "id": shift.id,
        "date": shift.date.isoformat(),
        "kind": shift.kind,
        "kind_label": str(WindowKind(shift.kind).label),
        "start": _iso(shift.start),
        "end": _iso(shift.end),
        "late_after": _iso(shift.start + grace()),
        "post": {"id": shift.post_id, "name": shift.post.name},
        "gate": {"id": shift.post.gate_id, "name": shift.post.gate.name},
        "school": {"id": school.id, "name": school.name},
        "station": {"id": station.id, "name": station.name} if station else None,
        "requirements": shift.requirements,
        "uncovered_roles": short,
        "uncovered": bool(short),
        "patrol_due": patrol_due(shift, assignments=assignments),
        "patrol": patrol_dict(patrols[-1]) if patrols else None,
        "people": people,
        "status": shift_status(uncovered=bool(short), people=[p["status"] for p in people]),
    }


@dataclass
class Board:
    date: dt.date
    now: dt.datetime
    station_id: int | None
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, Any]:
        posts = {s: 0 for s in Status.order}
        persons = {s: 0 for s in Status.order if s != Status.UNCOVERED}
        patrols_due = patrols_recorded = 0
        for row in self.rows:
            posts[row["status"]] += 1
            for p in row["people"]:
                persons[p["status"]] += 1
            if row["patrol_due"]:
                patrols_due += 1
                patrols_recorded += row["patrol"] is not None
        return {
            "posts": posts,
            "people": persons,
            "total_posts": len(self.rows),
            "patrols_due": patrols_due,
            "patrols_recorded": patrols_recorded,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "now": _iso(self.now),
            "station": self.station_id,
            "grace_min": settings.PATROL_LATE_GRACE_MIN,
            "counts": self.counts,
            "shifts": self.rows,
        }


def board_for(*, user, date: dt.date, station_id: int | None = None, now: dt.datetime | None = None) -> Board:
    now = now or timezone.now()
    board = Board(date=date, now=now, station_id=station_id)
    shifts = board_shifts(user=user, date=date, station_id=station_id)
    # One query each for the day's people and patrols, grouped here: a prefetch would build a queryset
    # per shift to hold them, which cost more than the rest of the board.
    of_day = shifts.values("pk")
    people: dict[int, list[DutyAssignment]] = defaultdict(list)
    for a in (
        DutyAssignment.objects.filter(shift__in=of_day)
        .select_related("staff", "checkin")
        .order_by("role", "staff__name")
    ):
        people[a.shift_id].append(a)
    patrols: dict[int, list[GuardPatrol]] = defaultdict(list)
    for p in GuardPatrol.objects.filter(shift__in=of_day).select_related("staff").order_by("started_at"):
        patrols[p.shift_id].append(p)
    board.rows = [shift_row(s, now=now, assignments=people[s.pk], patrols=patrols[s.pk]) for s in shifts]
    return board


def shift_row_by_id(shift_id: int, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """One board row, unscoped (for publishing to channel groups, which are scoped themselves)."""
    shift = (
        DutyShift.objects.filter(pk=shift_id)
        .select_related("post", "post__gate", "post__gate__school", "post__gate__school__responsible_station")
        .defer(*UNSHOWN_GEOMETRY)
        .prefetch_related(
            Prefetch("assignments", queryset=DutyAssignment.objects.select_related("staff", "checkin")),
            Prefetch("patrols", queryset=GuardPatrol.objects.select_related("staff").order_by("started_at")),
        )
        .first()
    )
    return shift_row(shift, now=now or timezone.now()) if shift else None


# --- counts without the board ----------------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    """What the board of a day counts: places and gaps (the roster's rule), people and their check-ins."""

    places: int
    uncovered: int
    people: int
    checked_in: int
    late: int
    missing: int
    broken: int = 0  # published duties of the day that a later change broke, not covered again (DutyBreak)


def day_counts(*, user, date: dt.date, station_id: int | None = None, now: dt.datetime) -> DayCounts:
    """The counts of ``board_for(...)`` (same scope, same rules, same ``now``) in two aggregate queries.

    Missing: assigned, not checked in, and the window started more than the grace ago (``person_status``).
    """
    shifts = day_shifts(user=user, date=date, station_id=station_id)
    places, uncovered = places_count(shifts)
    open_break = DutyBreak.objects.filter(assignment=OuterRef("pk"), cleared_at__isnull=True)
    people = (
        DutyAssignment.objects.filter(shift__in=shifts.select_related(None).values("pk"))
        .annotate(is_broken=Exists(open_break))
        .aggregate(
            people=Count("pk"),
            checked_in=Count("pk", filter=Q(checkin__isnull=False)),
            late=Count("pk", filter=Q(checkin__late=True)),
            missing=Count("pk", filter=Q(checkin__isnull=True, shift__start__lt=now - grace())),
            broken=Count("pk", filter=Q(is_broken=True)),
        )
    )
    return DayCounts(places=places, uncovered=uncovered, **people)

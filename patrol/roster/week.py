"""The roster grid of one page: one school or one station, one week or one day.

Read as plain rows (``values_list``): the week page must not build model instances for every shift,
person and school, nor decode the schools' campus outlines and the stations' jurisdictions it never
shows. A shift's staffing (a JSON object) comes as text and is decoded once per distinct value: a
county has a handful of staffing patterns and thousands of shifts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from campus.models import School, Station, Term
from campus.scope import scope_of
from patrol.models import DutyAssignment, DutyBreak, DutyRole, DutyShift, WindowKind
from patrol.roster.selectors import WINDOW_ORDER, missing_from_counts, missing_labels

# About 50 KB of page and 0.1 s of server time on the 2-core reference machine (README, Benchmarks).
PAGE_SHIFTS = 200
ROLE_LABELS = dict(DutyRole.choices)
SOURCE_LABELS = dict(DutyAssignment.Source.choices)
BREAK_LABELS = dict(DutyBreak.Reason.choices)


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # label
    source: str  # label, empty for a generated duty
    published: bool
    phone: str
    broken: str = ""  # why a published duty needs cover (``DutyBreak``), as a label


@dataclass
class ShiftCell:
    id: int
    window: str  # "07:20–08:00", local time
    url: str  # the shift's page
    people: list[Person] = field(default_factory=list)
    missing: dict[str, int] = field(default_factory=dict)  # role label -> places still open


@dataclass(frozen=True)
class Cell:
    shifts: list[ShiftCell]  # usually one

    @property
    def uncovered(self) -> bool:
        return any(s.missing for s in self.shifts)


@dataclass
class Row:
    school: str
    gate: str
    post: str
    cells: list[Cell]  # one per column


@dataclass
class Grid:
    """Rows = posts (school, gate, post), columns = days x windows that have shifts in the range."""

    monday: dt.date
    first: dt.date
    last: dt.date
    columns: list[tuple[dt.date, str, str]]  # (date, window kind, window label)
    rows: list[Row]
    shifts: int = 0
    uncovered: int = 0


class _Requirements(dict):
    """JSON text -> {role: count}, decoded once per distinct text."""

    def __missing__(self, text: str | None) -> dict[str, int]:
        value = {str(r): int(n or 0) for r, n in (json.loads(text) if text else {}).items()}
        self[text] = value
        return value


def _shifts(user, term: Term, first: dt.date, last: dt.date, *, school_id=None, station_id=None):
    shifts = scope_of(user).filter_schools(
        DutyShift.objects.filter(term=term, date__gte=first, date__lte=last), school="post__gate__school"
    )
    if school_id:
        shifts = shifts.filter(post__gate__school_id=school_id)
    if station_id:
        shifts = shifts.filter(post__gate__school__responsible_station_id=station_id)
    return shifts


def station_parts(
    *, user, term: Term, first: dt.date, last: dt.date, station_id: int, max_shifts: int
) -> list[list[tuple[int, str]]]:
    """The station's schools with shifts from ``first`` to ``last``, by name, cut into parts of at most
    ``max_shifts`` shifts (a school is never cut; one larger than that is a part of its own): what one
    page shows, whatever the station's size. One query."""
    counts = (
        _shifts(user, term, first, last, station_id=station_id)
        .values_list("post__gate__school_id", "post__gate__school__name")
        .annotate(n=Count("id"))
        .order_by("post__gate__school__name", "post__gate__school_id")
    )
    parts: list[list[tuple[int, str]]] = []
    size = max_shifts
    for school_id, name, n in counts:
        if size + n > max_shifts:
            parts.append([])
            size = 0
        parts[-1].append((school_id, name))
        size += n
    return parts


def roster_grid(
    *,
    user,
    term: Term,
    first: dt.date,
    last: dt.date,
    school_id: int | None = None,
    station_id: int | None = None,
    school_ids: list[int] | None = None,
    with_phone: bool = False,
) -> Grid:
    """The grid of ``term``'s shifts from ``first`` to ``last`` (inclusive) the user may see, of one school,
    one station's schools or the schools ``school_ids`` (none of them: every school, for the printable
    sheet). Two queries."""
    shifts = _shifts(user, term, first, last, school_id=school_id, station_id=station_id)
    if school_ids is not None:
        shifts = shifts.filter(post__gate__school_id__in=school_ids)
    rows = shifts.annotate(needs=Cast("requirements", TextField())).values_list(
        "id",
        "post_id",
        "date",
        "kind",
        "start",
        "end",
        "needs",
        "post__name",
        "post__gate__name",
        "post__gate__is_main",
        "post__gate__school_id",
        "post__gate__school__name",
    )
    people: dict[int, list[Person]] = defaultdict(list)
    filled: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    assignment_fields = ["shift_id", "staff__name", "role", "source", "published", "broken"]
    if with_phone:
        assignment_fields.append("staff__phone")
    # Why a published duty needs cover (an open ``DutyBreak``), in the same query.
    open_break = DutyBreak.objects.filter(assignment=OuterRef("pk"), cleared_at__isnull=True).values("reason")[:1]
    assignments = (
        DutyAssignment.objects.filter(shift__in=shifts.values("id"))
        .annotate(broken=Subquery(open_break))
        .order_by("role", "staff__name")
        .values_list(*assignment_fields)
    )
    for shift_id, name, role, source, published, broken, *phone in assignments:
        filled[shift_id][role] += 1
        source_label = "" if source == DutyAssignment.Source.SOLVER else str(SOURCE_LABELS.get(source, source))
        people[shift_id].append(
            Person(
                name,
                str(ROLE_LABELS.get(role, role)),
                source_label,
                published,
                phone[0] if phone else "",
                str(BREAK_LABELS.get(broken, broken)) if broken else "",
            )
        )

    requirements = _Requirements()
    shift_url = reverse("patrol:roster-shift", kwargs={"shift_id": 0}).replace("/0/", "/%d/")
    columns: set[tuple[dt.date, str]] = set()
    posts: dict[int, tuple] = {}
    by_cell: dict[tuple[int, dt.date, str], list[ShiftCell]] = defaultdict(list)
    uncovered = count = 0
    for shift_id, post_id, date, kind, start, end, needs, post, gate, is_main, school_id_, school in rows.order_by(
        "start", "post_id"
    ):
        count += 1
        columns.add((date, kind))
        posts.setdefault(post_id, (school, school_id_, not is_main, gate, post, post_id))
        missing = missing_from_counts(requirements[needs], filled[shift_id])
        uncovered += sum(missing.values())
        window = f"{timezone.localtime(start):%H:%M}–{timezone.localtime(end):%H:%M}"
        by_cell[(post_id, date, kind)].append(
            ShiftCell(shift_id, window, shift_url % shift_id, people.get(shift_id, []), missing_labels(missing))
        )
    ordered_columns = sorted(columns, key=lambda c: (c[0], WINDOW_ORDER.get(c[1], 99)))
    grid_rows = [
        Row(school, gate, post, [Cell(by_cell.get((post_id, d, k), [])) for d, k in ordered_columns])
        for school, _school_id, _side, gate, post, post_id in sorted(posts.values())
    ]
    labels = dict(WindowKind.choices)
    return Grid(
        monday=first - dt.timedelta(days=first.weekday()),
        first=first,
        last=last,
        columns=[(d, k, str(labels.get(k, k))) for d, k in ordered_columns],
        rows=grid_rows,
        shifts=count,
        uncovered=uncovered,
    )


# --- what the pager offers -----------------------------------------------------------------------


def station_choices() -> list[tuple[int, str]]:
    """Every station as (id, name), by name: no jurisdiction polygons."""
    return list(Station.objects.order_by("name", "id").values_list("id", "name"))


def school_choices(*, school_id: int | None = None) -> list[tuple[int, str, int | None]]:
    """Active schools as (id, name, responsible station id), by name (one school for school staff)."""
    qs = School.objects.filter(active=True)
    if school_id is not None:
        qs = qs.filter(pk=school_id)
    return list(qs.order_by("name", "id").values_list("id", "name", "responsible_station_id"))


def default_station(user, stations: list[tuple[int, str]]) -> int | None:
    """The station a page opens on: the user's own (a station officer's), else the first by name."""
    own = sorted(scope_of(user).station_ids)
    known = {pk for pk, _name in stations}
    for pk in own:
        if pk in known:
            return pk
    return stations[0][0] if stations else None


def neighbours(items: list, current) -> tuple:
    """The items before and after ``current`` in ``items`` (None at either end or when absent)."""
    keys = [item[0] for item in items]
    if current not in keys:
        return None, None
    n = keys.index(current)
    return (items[n - 1] if n > 0 else None), (items[n + 1] if n + 1 < len(items) else None)

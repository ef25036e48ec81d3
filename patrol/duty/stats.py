"""Coverage statistics of the duty days: per school, per station, per week, and totals.

For a date range (default: the current week, Monday to Sunday) and optionally one term:
required slots (the shifts' staffing), assigned people, slots covered by assignments, check-ins on
time and late, missing people (no check-in by the window's start plus the grace), and the school
guards' pre-dismissal patrols recorded against those due. Only windows that have begun count as
missing or due, so a week in progress is not full of "missing" people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Term
from common.dates import monday_of
from common.xlsx import XlsxBook
from patrol.duty.selectors import grace, shifts_visible
from patrol.duty.staffing import shifts_with_staffing, staffing_places
from patrol.models import DutyRole, GuardPatrol, WindowKind

COUNT_FIELDS = (
    "shifts",
    "required",
    "assigned",
    "covered",
    "checked_in",
    "on_time",
    "late",
    "missing",
    "patrols_due",
    "patrols_recorded",
)


@dataclass
class StatRow:
    key: str
    label: str
    shifts: int = 0
    required: int = 0
    assigned: int = 0
    covered: int = 0
    checked_in: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    patrols_due: int = 0
    patrols_recorded: int = 0

    @property
    def coverage_pct(self) -> float | None:
        """Share of required slots filled by assignments."""
        return round(100.0 * self.covered / self.required, 1) if self.required else None

    @property
    def checkin_pct(self) -> float | None:
        """Share of people due so far who checked in."""
        due = self.checked_in + self.missing
        return round(100.0 * self.checked_in / due, 1) if due else None

    def add(self, other: StatRow) -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        data = {"key": self.key, "label": self.label}
        data.update({name: getattr(self, name) for name in COUNT_FIELDS})
        data["coverage_pct"] = self.coverage_pct
        data["checkin_pct"] = self.checkin_pct
        return data


@dataclass
class StatsReport:
    start: dt.date
    end: dt.date
    term: Term | None
    station_id: int | None
    schools: list[StatRow] = field(default_factory=list)
    stations: list[StatRow] = field(default_factory=list)
    weeks: list[StatRow] = field(default_factory=list)
    total: StatRow = field(default_factory=lambda: StatRow("total", ""))

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "term": {"id": self.term.id, "name": str(self.term)} if self.term else None,
            "station": self.station_id,
            "total": self.total.as_dict(),
            "schools": [r.as_dict() for r in self.schools],
            "stations": [r.as_dict() for r in self.stations],
            "weeks": [r.as_dict() for r in self.weeks],
        }


def current_week(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = monday_of(today)
    return monday, monday + dt.timedelta(days=6)


def term_default(today: dt.date) -> Term | None:
    return Term.objects.filter(start_date__lte=today, end_date__gte=today).first()


def _week_label(monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    sunday = monday + dt.timedelta(days=6)
    return f"{year}-W{week:02d} ({monday:%m-%d}–{sunday:%m-%d})"


def _shift_rows(qs, *, now: dt.datetime):
    """One dict per shift of ``qs``: where and when, and its counts, all counted by the database.

    Missing: no check-in once the window's start plus the grace has passed (``person_status``); a guard
    patrol is due on a dismissal window staffed by guards (``patrol_due``) once it has begun, or once
    recorded.
    """
    places, uncovered = staffing_places()
    school = "post__gate__school"
    return shifts_with_staffing(
        qs.values(
            "id",
            "date",
            "start",
            "kind",
            f"{school}_id",
            f"{school}__name",
            f"{school}__responsible_station_id",
            f"{school}__responsible_station__name",
        )  # fmt: skip
    ).annotate(
        places_n=places,
        uncovered_n=uncovered,
        assigned_n=Count("assignments"),
        checked_in_n=Count("assignments__checkin"),
        late_n=Count("assignments__checkin", filter=Q(assignments__checkin__late=True)),
        missing_n=Count("assignments", filter=Q(assignments__checkin__isnull=True, start__lt=now - grace())),
        recorded=Exists(GuardPatrol.objects.filter(shift_id=OuterRef("pk"))),
    )


def shift_counts(row: dict, *, now: dt.datetime) -> StatRow:
    """The counts of one row of ``_shift_rows``."""
    counts = StatRow("", "", shifts=1)
    counts.required = row["places_n"]
    counts.covered = row["places_n"] - row["uncovered_n"]
    counts.assigned = row["assigned_n"]
    counts.checked_in = row["checked_in_n"]
    counts.late = row["late_n"]
    counts.on_time = row["checked_in_n"] - row["late_n"]
    counts.missing = row["missing_n"]
    guards = row[f"needed_{DutyRole.GUARD}"] > 0 or row[f"filled_{DutyRole.GUARD}"] > 0
    if row["kind"] == WindowKind.DISMISSAL and guards and (row["recorded"] or now >= row["start"]):
        counts.patrols_due = 1
        counts.patrols_recorded = int(row["recorded"])
    return counts


def duty_stats(
    *,
    user,
    start: dt.date,
    end: dt.date,
    term: Term | None = None,
    station_id: int | None = None,
    now: dt.datetime | None = None,
    token=None,
) -> StatsReport:
    """Coverage statistics over the shifts the user may see from ``start`` to ``end`` (inclusive).

    One query counts every shift (``_shift_rows``); Python only adds the rows up per school, station
    and week. ``token``: an export's ``ExportToken`` (``common.exports``), checked between batches of shifts.
    """
    now = now or timezone.now()
    report = StatsReport(start=start, end=end, term=term, station_id=station_id)
    report.total = StatRow("total", _("Total"))
    qs = shifts_visible(user).filter(date__gte=start, date__lte=end)
    if term is not None:
        qs = qs.filter(term=term)
    if station_id is not None:
        qs = qs.filter(post__gate__school__responsible_station_id=station_id)
    rows = _shift_rows(qs, now=now)
    schools: dict[int, StatRow] = {}
    stations: dict[int | None, StatRow] = {}
    weeks: dict[dt.date, StatRow] = {}
    for row in rows if token is None else token.checked(rows):
        counts = shift_counts(row, now=now)
        school_id = row["post__gate__school_id"]
        sid = row["post__gate__school__responsible_station_id"]
        monday = monday_of(row["date"])
        if school_id not in schools:
            schools[school_id] = StatRow(str(school_id), row["post__gate__school__name"])
        if sid not in stations:
            label = row["post__gate__school__responsible_station__name"] if sid else _("No responsible station")
            stations[sid] = StatRow(str(sid or ""), label)
        if monday not in weeks:
            weeks[monday] = StatRow(monday.isoformat(), _week_label(monday))
        for total in (schools[school_id], stations[sid], weeks[monday], report.total):
            total.add(counts)
    report.schools = sorted(schools.values(), key=lambda r: r.label)
    report.stations = sorted(stations.values(), key=lambda r: r.label)
    report.weeks = [weeks[k] for k in sorted(weeks)]
    return report


def stats_xlsx(report: StatsReport, token=None) -> bytes:
    """The report as a workbook: one sheet per grouping, totals last in each; rows counted on ``token``."""
    headers = [
        _("Shifts"),
        _("Required slots"),
        _("Assigned"),
        _("Covered slots"),
        _("Checked in"),
        _("On time"),
        _("Late"),
        _("Missing"),
        _("Guard patrols due"),
        _("Guard patrols recorded"),
        _("Coverage %"),
        _("Check-in %"),
    ]
    book = XlsxBook(token)
    for title, first, rows in (
        (_("By school"), _("School"), report.schools),
        (_("By station"), _("Station"), report.stations),
        (_("By week"), _("Week"), report.weeks),
    ):
        ws = book.sheet(title, [first, *headers], widths=(32,))
        for row in [*rows, report.total]:
            ws.append([row.label, *[getattr(row, name) for name in COUNT_FIELDS], row.coverage_pct, row.checkin_pct])
    info = book.sheet(_("About"))
    info.note([_("From"), report.start.isoformat()])
    info.note([_("To"), report.end.isoformat()])
    info.note([_("Term"), str(report.term) if report.term else _("all terms")])
    return book.content()

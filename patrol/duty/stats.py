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

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Term
from common.dates import monday_of
from common.xlsx import XlsxBook
from patrol.duty.selectors import grace, patrol_due, shifts_visible, uncovered_roles
from patrol.models import DutyAssignment

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


def shift_counts(shift, *, now: dt.datetime) -> StatRow:
    """The counts of one shift (needs ``assignments`` with ``checkin`` and ``patrols`` prefetched)."""
    row = StatRow("", "", shifts=1)
    assignments = list(shift.assignments.all())
    row.required = sum(int(v or 0) for v in (shift.requirements or {}).values())
    row.assigned = len(assignments)
    row.covered = row.required - sum(uncovered_roles(shift.requirements, assignments).values())
    begun = now > shift.start + grace()
    for a in assignments:
        checkin = getattr(a, "checkin", None)
        if checkin is not None:
            row.checked_in += 1
            row.late += checkin.late
            row.on_time += not checkin.late
        elif begun:
            row.missing += 1
    if patrol_due(shift):
        recorded = bool(shift.patrols.all())
        if recorded or now >= shift.start:
            row.patrols_due += 1
            row.patrols_recorded += recorded
    return row


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

    ``token``: an export's ``ExportToken`` (``common.exports``), checked between batches of shifts.
    """
    now = now or timezone.now()
    report = StatsReport(start=start, end=end, term=term, station_id=station_id)
    report.total = StatRow("total", _("Total"))
    qs = shifts_visible(user).filter(date__gte=start, date__lte=end)
    if term is not None:
        qs = qs.filter(term=term)
    if station_id is not None:
        qs = qs.filter(post__gate__school__responsible_station_id=station_id)
    qs = qs.prefetch_related(
        Prefetch("assignments", queryset=DutyAssignment.objects.select_related("checkin")), "patrols"
    ).order_by("date", "start")
    schools: dict[int, StatRow] = {}
    stations: dict[int | None, StatRow] = {}
    weeks: dict[dt.date, StatRow] = {}
    for shift in qs if token is None else token.checked(qs):
        counts = shift_counts(shift, now=now)
        school = shift.post.gate.school
        station = school.responsible_station
        monday = monday_of(shift.date)
        if school.id not in schools:
            schools[school.id] = StatRow(str(school.id), school.name)
        sid = station.id if station else None
        if sid not in stations:
            stations[sid] = StatRow(str(sid or ""), station.name if station else _("No responsible station"))
        if monday not in weeks:
            weeks[monday] = StatRow(monday.isoformat(), _week_label(monday))
        for row in (schools[school.id], stations[sid], weeks[monday], report.total):
            row.add(counts)
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

"""Compliance: for each school, the drills its rules require in a term against the drills it held.

Periods. A term rule is measured over the term; a monthly rule over each calendar month of the term (a stub
of fewer than 15 days at either end of the term is merged into the neighbouring month, so 22–28 February is
part of March); a yearly rule over the school year (all terms of the term's ``school_year``).

Counting. Rules of the same type and period that apply to a school add up (``required``); ``police_needed``
of them must have police taking part. A held drill (status ``done``, dated in the period) counts; a drill
without officers counts only towards the part that does not need police, so "police required but missing"
is not done.

Status of each (type, period) item, with ``today``:
- ``met``: enough drills held;
- ``overdue``: the period ended unmet;
- ``due_soon``: unmet and the period ends within ``DRILL_REMINDER_DAYS``;
- ``due``: unmet, more time left;
- ``upcoming``: the period has not started (not counted in totals).

A school counts from when it entered the registry (``drills.selectors.school_registered_on``): a
period that ended before, or that leaves the school fewer than ``MIN_MONTH_DAYS`` days from that date
to its end, requires nothing of it, so a school imported in November is not overdue for September.
Schools whose registration the records do not tell count from the start of the term.

Corrective actions are overdue when still open after their due date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from campus.models import School, Station, Term
from drills.models import CorrectiveAction, Drill, DrillRule, DrillType
from drills.rules import rules_active, rules_for_school
from drills.selectors import school_registered_on

MIN_MONTH_DAYS = 15


class Status:
    MET = "met"
    DUE = "due"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"


STATUS_LABELS = {
    Status.MET: _("Done"),
    Status.DUE: _("Due"),
    Status.DUE_SOON: _("Due soon"),
    Status.OVERDUE: _("Overdue"),
    Status.UPCOMING: _("Not started"),
}


@dataclass(frozen=True)
class Period:
    kind: str  # DrillRule.Period value
    start: dt.date
    end: dt.date
    key: str  # stable, for reminder keys: "term:3", "month:2026-09", "year:2026-2027"

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_periods(term: Term) -> list[Period]:
    """Calendar months of the term, clipped to it; stubs under ``MIN_MONTH_DAYS`` days join their neighbour."""
    spans: list[list[dt.date]] = []
    day = term.start_date
    while day <= term.end_date:
        end = min(_month_end(day), term.end_date)
        spans.append([day, end])
        day = end + dt.timedelta(days=1)
    if len(spans) > 1 and (spans[0][1] - spans[0][0]).days + 1 < MIN_MONTH_DAYS:
        spans[1][0] = spans[0][0]
        spans.pop(0)
    if len(spans) > 1 and (spans[-1][1] - spans[-1][0]).days + 1 < MIN_MONTH_DAYS:
        spans[-2][1] = spans[-1][1]
        spans.pop()
    return [Period(DrillRule.Period.MONTH, s, e, f"month:{e:%Y-%m}") for s, e in spans]


def year_period(term: Term) -> Period:
    terms = Term.objects.filter(school_year=term.school_year)
    start = min([t.start_date for t in terms] + [term.start_date])
    end = max([t.end_date for t in terms] + [term.end_date])
    return Period(DrillRule.Period.YEAR, start, end, f"year:{term.school_year}")


def term_periods(term: Term) -> dict[str, list[Period]]:
    """The periods of each kind a term is measured over."""
    return {
        DrillRule.Period.TERM: [Period(DrillRule.Period.TERM, term.start_date, term.end_date, f"term:{term.pk}")],
        DrillRule.Period.MONTH: month_periods(term),
        DrillRule.Period.YEAR: [year_period(term)],
    }


@dataclass(frozen=True)
class HeldDrill:
    drill_type_id: int
    date: dt.date
    with_police: bool


@dataclass
class Item:
    """One drill type over one period for one school."""

    drill_type: DrillType
    period: Period
    required: int
    police_needed: int
    held: int = 0
    held_with_police: int = 0
    rules: list[DrillRule] = field(default_factory=list)
    status: str = Status.DUE

    @property
    def done(self) -> int:
        """Held drills that count: police-needed slots only by drills with police."""
        police = min(self.held_with_police, self.police_needed)
        other = min(self.held - police, self.required - self.police_needed)
        return min(self.required, police + max(other, 0))

    @property
    def missing(self) -> int:
        return max(self.required - self.done, 0)

    @property
    def police_missing(self) -> bool:
        return self.held >= self.required and self.done < self.required

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def sources(self) -> str:
        return "; ".join(r.source for r in self.rules if r.source)


@dataclass
class Totals:
    done: int = 0
    due: int = 0
    overdue: int = 0
    required_drills: int = 0
    done_drills: int = 0
    actions_overdue: int = 0
    schools: int = 0

    def add(self, other: Totals) -> None:
        for name in ("done", "due", "overdue", "required_drills", "done_drills", "actions_overdue", "schools"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def items(self) -> int:
        return self.done + self.due + self.overdue

    @property
    def done_pct(self) -> float | None:
        return round(100.0 * self.done / self.items, 1) if self.items else None

    @property
    def due_pct(self) -> float | None:
        return round(100.0 * self.due / self.items, 1) if self.items else None

    @property
    def overdue_pct(self) -> float | None:
        return round(100.0 * self.overdue / self.items, 1) if self.items else None

    def as_dict(self) -> dict:
        return {
            "done": self.done,
            "due": self.due,
            "overdue": self.overdue,
            "done_pct": self.done_pct,
            "due_pct": self.due_pct,
            "overdue_pct": self.overdue_pct,
            "required_drills": self.required_drills,
            "done_drills": self.done_drills,
            "actions_overdue": self.actions_overdue,
            "schools": self.schools,
        }


@dataclass
class SchoolCompliance:
    school: School
    term: Term
    items: list[Item]
    actions_overdue: int
    totals: Totals
    registered_on: dt.date | None = None  # counted from this date (None: from the start of the term)

    def as_dict(self) -> dict:
        return {
            "school": {"id": self.school.pk, "code": self.school.code, "name": self.school.name},
            "term": {"id": self.term.pk, "name": str(self.term)},
            "registered_on": self.registered_on.isoformat() if self.registered_on else None,
            "totals": self.totals.as_dict(),
            "items": [
                {
                    "drill_type": {"id": i.drill_type.pk, "code": i.drill_type.code, "name": i.drill_type.name},
                    "period": i.period.kind,
                    "start": i.period.start.isoformat(),
                    "end": i.period.end.isoformat(),
                    "required": i.required,
                    "police_needed": i.police_needed,
                    "held": i.held,
                    "held_with_police": i.held_with_police,
                    "done": i.done,
                    "status": i.status,
                    "police_missing": i.police_missing,
                }
                for i in self.items
            ],
        }


def item_status(item: Item, today: dt.date) -> str:
    if item.period.start > today:
        return Status.MET if item.done >= item.required else Status.UPCOMING
    if item.done >= item.required:
        return Status.MET
    if item.period.end < today:
        return Status.OVERDUE
    if (item.period.end - today).days <= settings.DRILL_REMINDER_DAYS:
        return Status.DUE_SOON
    return Status.DUE


def held_drills(*, school_ids: list[int] | None, start: dt.date, end: dt.date) -> dict[int, list[HeldDrill]]:
    """Held drills per school between two dates (inclusive), with whether officers took part."""
    qs = Drill.objects.filter(status=Drill.Status.DONE, date__range=(start, end))
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    rows = qs.annotate(n_officers=Count("officers")).values_list("school_id", "drill_type_id", "date", "n_officers")
    result: dict[int, list[HeldDrill]] = defaultdict(list)
    for school_id, type_id, day, n_officers in rows:
        result[school_id].append(HeldDrill(type_id, day, n_officers > 0))
    return result


def overdue_actions_count(*, school_ids: list[int] | None, today: dt.date) -> dict[int, int]:
    qs = CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN, due_date__lt=today)
    if school_ids is not None:
        qs = qs.filter(drill__school_id__in=school_ids)
    return dict(qs.values_list("drill__school_id").annotate(n=Count("id")).values_list("drill__school_id", "n"))


def _totals(items: list[Item], actions_overdue: int) -> Totals:
    totals = Totals(actions_overdue=actions_overdue, schools=1)
    for item in items:
        if item.status == Status.UPCOMING:
            continue
        totals.required_drills += item.required
        totals.done_drills += item.done
        if item.status == Status.MET:
            totals.done += 1
        elif item.status == Status.OVERDUE:
            totals.overdue += 1
        else:
            totals.due += 1
    return totals


def period_required(period: Period, registered_on: dt.date | None) -> bool:
    """Whether a school registered on ``registered_on`` owes the period's drills (see the module docstring)."""
    if registered_on is None or registered_on <= period.start:
        return True
    return (period.end - registered_on).days + 1 >= MIN_MONTH_DAYS


def compliance_items(
    *,
    school: School,
    periods: dict[str, list[Period]],
    rules: list[DrillRule],
    held: list[HeldDrill],
    today: dt.date,
    registered_on: dt.date | None = None,
) -> list[Item]:
    """One item per (drill type, period) the school's rules require, from ``registered_on`` if given."""
    grouped: dict[tuple[int, str], list[DrillRule]] = defaultdict(list)
    for rule in rules_for_school(school, rules=rules):
        grouped[(rule.drill_type_id, rule.period)].append(rule)
    items: list[Item] = []
    for (_type_id, kind), group in sorted(grouped.items(), key=lambda kv: (kv[1][0].drill_type.name, kv[0][1])):
        for period in periods[kind]:
            if not period_required(period, registered_on):
                continue
            item = Item(
                drill_type=group[0].drill_type,
                period=period,
                required=sum(r.count for r in group),
                police_needed=sum(r.count for r in group if r.police_required),
                rules=group,
            )
            for drill in held:
                if drill.drill_type_id == item.drill_type.pk and period.start <= drill.date <= period.end:
                    item.held += 1
                    item.held_with_police += drill.with_police
            item.status = item_status(item, today)
            items.append(item)
    return items


def school_compliance(*, school: School, term: Term, today: dt.date) -> SchoolCompliance:
    """The school's compliance items for ``term`` as of ``today`` (see the module docstring)."""
    periods = term_periods(term)
    year = periods[DrillRule.Period.YEAR][0]
    held = held_drills(school_ids=[school.pk], start=year.start, end=year.end).get(school.pk, [])
    registered_on = school_registered_on(schools=[school]).get(school.pk)
    items = compliance_items(
        school=school, periods=periods, rules=rules_active(), held=held, today=today, registered_on=registered_on
    )
    actions = overdue_actions_count(school_ids=[school.pk], today=today).get(school.pk, 0)
    return SchoolCompliance(school, term, items, actions, _totals(items, actions), registered_on)


@dataclass
class StationRow:
    station: Station | None
    schools: list[SchoolCompliance]
    totals: Totals


@dataclass
class Board:
    term: Term
    today: dt.date
    stations: list[StationRow]
    county: Totals

    @property
    def schools(self) -> list[SchoolCompliance]:
        return [s for row in self.stations for s in row.schools]

    def as_dict(self, *, with_items: bool = False) -> dict:
        def school(s: SchoolCompliance) -> dict:
            data = s.as_dict()
            if not with_items:
                data.pop("items")
            station = s.school.responsible_station
            data["station"] = {"id": station.pk, "name": station.name} if station else None
            return data

        return {
            "term": {"id": self.term.pk, "name": str(self.term)},
            "today": self.today.isoformat(),
            "county": self.county.as_dict(),
            "stations": [
                {
                    "station": {"id": r.station.pk, "name": r.station.name} if r.station else None,
                    "totals": r.totals.as_dict(),
                    "schools": [school(s) for s in r.schools],
                }
                for r in self.stations
            ],
        }


def compliance_board(*, term: Term, today: dt.date, schools) -> Board:
    """Compliance of every school in ``schools`` (a QuerySet), grouped by responsible station, with totals.

    Four queries whatever the number of schools: rules, held drills, overdue actions, registration dates.
    """
    school_list = list(schools.select_related("responsible_station").order_by("responsible_station__name", "code"))
    ids = [s.pk for s in school_list]
    periods = term_periods(term)
    year = periods[DrillRule.Period.YEAR][0]
    rules = rules_active()
    held = held_drills(school_ids=ids, start=year.start, end=year.end)
    actions = overdue_actions_count(school_ids=ids, today=today)
    registered = school_registered_on(schools=school_list)
    rows: dict[int | None, StationRow] = {}
    county = Totals()
    for school in school_list:
        registered_on = registered.get(school.pk)
        items = compliance_items(
            school=school,
            periods=periods,
            rules=rules,
            held=held.get(school.pk, []),
            today=today,
            registered_on=registered_on,
        )
        result = SchoolCompliance(school, term, items, actions.get(school.pk, 0), Totals(), registered_on)
        result.totals = _totals(items, result.actions_overdue)
        key = school.responsible_station_id
        if key not in rows:
            rows[key] = StationRow(school.responsible_station, [], Totals())
        rows[key].schools.append(result)
        rows[key].totals.add(result.totals)
        county.add(result.totals)
    return Board(term, today, list(rows.values()), county)

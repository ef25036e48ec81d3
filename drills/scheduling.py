"""Proposing drill dates on school days, spread over the period, around the liaison officer's gate duties."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from campus.calendar.days import DayKind, term_calendar
from campus.models import School, Term
from drills.compliance import term_periods
from drills.models import Drill, DrillType
from drills.rules import rules_for_school
from drills.selectors import liaison_officer
from patrol.models import DutyAssignment

# Drills are held in the school day, between the morning arrival and the afternoon dismissal peaks.
DRILL_WINDOW = (dt.time(9, 0), dt.time(16, 0))

# Ranks of a day for a police drill: lower is better.
NO_DUTY, DUTY_OUTSIDE_WINDOW, DUTY_IN_WINDOW = 0, 1, 2


def _liaison_duty_ranks(*, officer, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """For each day with duties of the officer, ``DUTY_OUTSIDE_WINDOW`` or ``DUTY_IN_WINDOW`` (09:00–16:00)."""
    ranks: dict[dt.date, int] = {}
    if officer is None:
        return ranks
    duties = DutyAssignment.objects.filter(staff__officer=officer, shift__date__range=(start, end)).values_list(
        "shift__date", "shift__start", "shift__end"
    )
    tz = timezone.get_current_timezone()
    for day, shift_start, shift_end in duties:
        window_start = dt.datetime.combine(day, DRILL_WINDOW[0], tzinfo=tz)
        window_end = dt.datetime.combine(day, DRILL_WINDOW[1], tzinfo=tz)
        overlaps = shift_start < window_end and shift_end > window_start
        ranks[day] = max(ranks.get(day, NO_DUTY), DUTY_IN_WINDOW if overlaps else DUTY_OUTSIDE_WINDOW)
    return ranks


def drill_candidate_days(*, school: School, term: Term, today: dt.date) -> list[dt.date]:
    """Ordinary school days of the term after ``today``: no holidays, weekends, closures or exam days."""
    report = term_calendar(term=term, school=school)
    return [
        d.date
        for d in report.days
        if d.kind in (DayKind.SCHOOL_DAY, DayKind.MAKEUP_WORKDAY) and d.is_school_day and d.date > today
    ]


def _spread(days: list[dt.date], count: int, rank: dict[dt.date, int]) -> list[dt.date]:
    """Pick ``count`` days: one per equal slice of ``days``, the best-ranked one nearest the slice's middle."""
    if count <= 0 or not days:
        return []
    count = min(count, len(days))
    chosen: list[dt.date] = []
    size = len(days) / count
    for index in range(count):
        part = days[round(index * size) : round((index + 1) * size)] or days[-1:]
        middle = len(part) // 2
        best = min(range(len(part)), key=lambda i: (rank.get(part[i], NO_DUTY), abs(i - middle)))
        if part[best] not in chosen:
            chosen.append(part[best])
    return chosen


def drill_propose_dates(
    *, school: School, drill_type: DrillType, term: Term, count: int | None = None, today: dt.date | None = None
) -> list[dt.date]:
    """Dates for the drills of ``drill_type`` the school still has to hold in ``term``, spread out.

    Candidates are the term's ordinary school days for this school after ``today`` (the issue-5 calendar: no
    weekends, holidays, closures or exam days; make-up workdays count), minus days on which the school already
    has a drill (planned or held, any type).

    How many: ``count`` when given (spread over the whole remaining term); otherwise what the school's rules
    still ask for: per period (each month for a monthly rule, the term, the school year) the required number
    minus the drills held or planned in it, proposed inside that period.

    Police: when any rule for this type needs police, the school's liaison officer should be free. Days are
    ranked: no gate duty at all first, then duties only outside 09:00–16:00; a day with a duty overlapping
    09:00–16:00 is proposed only when a slice of the period has no other school day.
    """
    today = today or timezone.localdate()
    candidates = drill_candidate_days(school=school, term=term, today=today)
    busy = set(
        Drill.objects.filter(school=school)
        .exclude(status=Drill.Status.CANCELLED)
        .filter(planned_date__range=(term.start_date, term.end_date))
        .values_list("planned_date", flat=True)
    ) | set(
        Drill.objects.filter(school=school, date__range=(term.start_date, term.end_date)).values_list("date", flat=True)
    )
    candidates = [d for d in candidates if d not in busy]
    rules = [r for r in rules_for_school(school) if r.drill_type_id == drill_type.pk]
    police = drill_type.pk is not None and any(r.police_required for r in rules)
    rank: dict[dt.date, int] = {}
    if police and candidates:
        rank = _liaison_duty_ranks(officer=liaison_officer(school), start=candidates[0], end=candidates[-1])
        # A day whose duty overlaps the drill window is kept only as the last resort (see ``_spread``).
    if count is not None:
        return sorted(_spread(candidates, count, rank))
    periods = term_periods(term)
    needed: dict[tuple[dt.date, dt.date], int] = defaultdict(int)
    for rule in rules:
        for period in periods[rule.period]:
            needed[(period.start, period.end)] += rule.count
    proposals: list[dt.date] = []
    for (start, end), required in sorted(needed.items()):
        have = (
            Drill.objects.filter(school=school, drill_type=drill_type)
            .exclude(status=Drill.Status.CANCELLED)
            .filter(date__range=(start, end))
            .count()
            + Drill.objects.filter(
                school=school, drill_type=drill_type, status=Drill.Status.PLANNED, planned_date__range=(start, end)
            ).count()
        )
        inside = [d for d in candidates if start <= d <= end and d not in proposals]
        proposals += _spread(inside, required - have, rank)
    return sorted(proposals)

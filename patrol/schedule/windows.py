"""Duty windows: bell times widened by the window rules (minutes before and after the bell).

A school's rule for a window kind wins over the county default (``WindowRule`` with no school); when
neither exists (a fresh database before the data migration) ``DEFAULT_OFFSETS`` applies. Times are local
(``settings.TIME_ZONE``); windows are aware datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from campus.models import School
from patrol.models import BellSchedule, BellTime, WindowKind, WindowRule

# (minutes before, minutes after) the bell. The issue: arrival 30/10, dismissal 20/15 (school guards
# patrol and clear the gate area 20 minutes before dismissal); noon windows shorter.
DEFAULT_OFFSETS: dict[str, tuple[int, int]] = {
    WindowKind.ARRIVAL: (30, 10),
    WindowKind.NOON_DISMISSAL: (10, 15),
    WindowKind.NOON_ARRIVAL: (20, 10),
    WindowKind.DISMISSAL: (20, 15),
}

# The order bells of a day must follow.
KIND_ORDER = [WindowKind.ARRIVAL, WindowKind.NOON_DISMISSAL, WindowKind.NOON_ARRIVAL, WindowKind.DISMISSAL]


@dataclass(frozen=True)
class Window:
    kind: str
    start: dt.datetime
    end: dt.datetime

    def as_tuple(self) -> tuple[str, dt.datetime, dt.datetime]:
        return (self.kind, self.start, self.end)


def county_offsets() -> dict[str, tuple[int, int]]:
    offsets = dict(DEFAULT_OFFSETS)
    for rule in WindowRule.objects.filter(school__isnull=True):
        offsets[rule.kind] = (rule.before_min, rule.after_min)
    return offsets


def school_offsets(school: School, county: dict[str, tuple[int, int]] | None = None) -> dict[str, tuple[int, int]]:
    """Offsets per window kind for ``school``: its own rules over the county defaults."""
    offsets = dict(county if county is not None else county_offsets())
    for rule in WindowRule.objects.filter(school=school):
        offsets[rule.kind] = (rule.before_min, rule.after_min)
    return offsets


def offsets_by_school(schools: Iterable[School]) -> dict[int, dict[str, tuple[int, int]]]:
    """Offsets of many schools in two queries."""
    county = county_offsets()
    result = {s.pk: dict(county) for s in schools}
    for rule in WindowRule.objects.filter(school_id__in=list(result)):
        result[rule.school_id][rule.kind] = (rule.before_min, rule.after_min)
    return result


def window_minutes(bell: dt.time, offsets: tuple[int, int]) -> tuple[int, int]:
    """The window as minutes since midnight (start, end); may fall outside 0..1440 (crosses midnight)."""
    minutes = bell.hour * 60 + bell.minute
    return minutes - offsets[0], minutes + offsets[1]


def crosses_midnight(bell: dt.time, offsets: tuple[int, int]) -> bool:
    start, end = window_minutes(bell, offsets)
    return start < 0 or end >= 24 * 60


def windows_for_bells(*, bells: Iterable[BellTime], offsets: dict[str, tuple[int, int]], day: dt.date) -> list[Window]:
    """Windows of ``day`` for these bells; overlapping windows of the same kind (staggered dismissal) merge."""
    spans: list[tuple[int, int, str]] = []
    for bell in bells:
        start, end = window_minutes(bell.time, offsets[bell.kind])
        spans.append((start, end, bell.kind))
    spans.sort(key=lambda s: (KIND_ORDER.index(s[2]), s[0]))
    merged: list[list] = []
    for start, end, kind in spans:
        last = merged[-1] if merged else None
        if last is not None and last[2] == kind and start <= last[1]:
            last[1] = max(last[1], end)
        else:
            merged.append([start, end, kind])
    # Aware-datetime arithmetic with a ZoneInfo is wall-clock arithmetic: midnight + 07:20 is 07:20 local.
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
    windows = [
        Window(kind, midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end))
        for start, end, kind in merged
    ]
    windows.sort(key=lambda w: w.start)
    return windows


def schedule_for_weekday(schedules: Iterable[BellSchedule], weekday: int) -> BellSchedule | None:
    for schedule in schedules:
        if weekday in (schedule.weekdays or []):
            return schedule
    return None


def duty_windows(*, school: School, day: dt.date) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The school's duty windows on ``day`` as ``(kind, start, end)``, from the weekday's bell schedule.

    Call it for school days (``campus.calendar.days.school_days``). A weekday without a bell schedule
    has no windows, except a make-up weekend day (调休), which follows the Monday schedule.
    """
    schedules = BellSchedule.objects.filter(school=school).prefetch_related("bells")
    schedule = schedule_for_weekday(schedules, day.weekday())
    if schedule is None and day.weekday() >= 5:
        from campus.calendar.days import day_status

        if day_status(day=day, school=school).is_school_day:
            schedule = schedule_for_weekday(schedules, 0)  # a make-up weekend day (调休) follows the Monday bells
    if schedule is None:
        return []
    windows = windows_for_bells(bells=schedule.bells.all(), offsets=school_offsets(school), day=day)
    return [w.as_tuple() for w in windows]

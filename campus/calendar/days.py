"""The school calendar: which days of a term are school days, and why.

Sources, strongest first: a school's closures (``SchoolClosure``), county overrides (``CalendarOverride``),
the State Council calendar shipped in the ``chinesecalendar`` package (including weekend make-up workdays,
调休), and for a year the package does not know, plain Monday to Friday less the fixed-date holidays
(``FIXED_HOLIDAYS``: 元旦 1 January, 劳动节 1 May, 国庆 1-3 October, whatever the year's notice moves around
them). That fallback is reported (``CalendarReport.unknown_years``) so the pages and the API can ask for the
year's schedule, until it is entered (``HolidayYear``, ``campus.calendar.year_schedule``): a single override
does not make a year known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import chinese_calendar
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campus.calendar.models import HolidayYear
from campus.models import CalendarOverride, School, SchoolClosure, Term


class DayKind(StrEnum):
    SCHOOL_DAY = "school_day"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"
    CLOSURE = "closure"
    EXAM = "exam"


class DaySource(StrEnum):
    PACKAGE = "package"  # State Council calendar (chinesecalendar)
    OVERRIDE = "override"  # a county CalendarOverride
    WEEKDAYS = "weekdays"  # fallback: Monday to Friday, the year is unknown
    FIXED = "fixed"  # fallback: a fixed-date holiday of an unknown year (FIXED_HOLIDAYS)
    CLOSURE = "closure"  # a SchoolClosure of the school


DAY_KIND_LABELS = {
    DayKind.SCHOOL_DAY: gettext_lazy("School day"),
    DayKind.WEEKEND: gettext_lazy("Weekend"),
    DayKind.HOLIDAY: gettext_lazy("Holiday"),
    DayKind.MAKEUP_WORKDAY: gettext_lazy("Make-up school day"),
    DayKind.CLOSURE: gettext_lazy("Closure"),
    DayKind.EXAM: gettext_lazy("Exam day"),
}

DAY_SOURCE_LABELS = {
    DaySource.PACKAGE: gettext_lazy("State Council calendar"),
    DaySource.OVERRIDE: gettext_lazy("County override"),
    DaySource.WEEKDAYS: gettext_lazy("Monday to Friday (year not known)"),
    DaySource.FIXED: gettext_lazy("Fixed-date holiday (year not known)"),
    DaySource.CLOSURE: gettext_lazy("School closure"),
}


@dataclass(frozen=True)
class DayStatus:
    """One day: its kind, where that came from, and whether the school has gate duty that day."""

    date: dt.date
    kind: DayKind
    source: DaySource
    is_school_day: bool  # pupils come to school (exam days included)
    has_duty: bool  # gate duty windows apply
    note: str = ""

    @property
    def kind_label(self) -> str:
        return str(DAY_KIND_LABELS[self.kind])

    @property
    def source_label(self) -> str:
        return str(DAY_SOURCE_LABELS[self.source])

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "kind": self.kind.value,
            "kind_label": self.kind_label,
            "source": self.source.value,
            "source_label": self.source_label,
            "is_school_day": self.is_school_day,
            "has_duty": self.has_duty,
            "note": self.note,
        }


@dataclass
class CalendarReport:
    days: list[DayStatus]
    unknown_years: list[int] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [unknown_year_warning(year) for year in self.unknown_years]

    def duty_days(self) -> list[dt.date]:
        return [d.date for d in self.days if d.has_duty]


def unknown_year_warning(year: int) -> str:
    return _("The holiday calendar of %(year)d is not known: add overrides.") % {"year": year}


# The holidays every State Council notice keeps on the same dates: (month, day) -> name. The Spring
# Festival, Qingming, Dragon Boat and Mid-Autumn follow the lunar calendar or the solar terms, and the
# notice moves the days around all of them (调休), so only these are certain before it is published.
FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): gettext_lazy("New Year's Day (元旦)"),
    (5, 1): gettext_lazy("Labour Day (劳动节)"),
    (10, 1): gettext_lazy("National Day (国庆)"),
    (10, 2): gettext_lazy("National Day (国庆)"),
    (10, 3): gettext_lazy("National Day (国庆)"),
}


def fixed_holidays(year: int) -> list[dt.date]:
    """The days of ``year`` that are holidays whatever its State Council notice says (``FIXED_HOLIDAYS``)."""
    return [dt.date(year, month, day) for month, day in FIXED_HOLIDAYS]


def fixed_holiday_name(day: dt.date) -> str:
    name = FIXED_HOLIDAYS.get((day.month, day.day))
    return str(name) if name else ""


def years_entered(years: Iterable[int]) -> set[int]:
    """Of ``years``, those whose holiday schedule has been entered (``HolidayYear``)."""
    return set(HolidayYear.objects.filter(year__in=list(years)).values_list("year", flat=True))


def unknown_years(years: Iterable[int]) -> list[int]:
    """Of ``years``, those neither the package knows nor anyone has entered the schedule of, in order."""
    years = sorted(set(years))
    entered = years_entered(y for y in years if not package_knows_year(y))
    return [y for y in years if not package_knows_year(y) and y not in entered]


@cache
def package_knows_year(year: int) -> bool:
    """Whether ``chinesecalendar`` carries the State Council calendar of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def base_is_workday(day: dt.date) -> tuple[bool, DaySource]:
    """Whether ``day`` is a workday before county overrides: the package, or Monday to Friday less the
    fixed-date holidays (``FIXED_HOLIDAYS``)."""
    if package_knows_year(day.year):
        return bool(chinese_calendar.is_workday(day)), DaySource.PACKAGE
    if (day.month, day.day) in FIXED_HOLIDAYS:
        return False, DaySource.FIXED
    return day.weekday() < 5, DaySource.WEEKDAYS


def _dates(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _county_status(day: dt.date, override: CalendarOverride | None) -> DayStatus:
    weekend = day.weekday() >= 5
    if override is not None:
        if override.kind == CalendarOverride.Kind.WORKDAY:
            kind = DayKind.MAKEUP_WORKDAY if weekend else DayKind.SCHOOL_DAY
            return DayStatus(day, kind, DaySource.OVERRIDE, True, True, override.note)
        return DayStatus(day, DayKind.HOLIDAY, DaySource.OVERRIDE, False, False, override.note)
    workday, source = base_is_workday(day)
    if workday:
        kind = DayKind.MAKEUP_WORKDAY if weekend else DayKind.SCHOOL_DAY
        return DayStatus(day, kind, source, True, True)
    name = _named(day) if source == DaySource.PACKAGE else fixed_holiday_name(day) if source == DaySource.FIXED else ""
    if weekend and not name:
        return DayStatus(day, DayKind.WEEKEND, source, False, False)
    return DayStatus(day, DayKind.HOLIDAY, source, False, False, name)


# ``chinesecalendar`` names its holidays in English: (English name) -> the name in the reader's language.
PACKAGE_HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": gettext_lazy("New Year's Day (元旦)"),
    "Spring Festival": gettext_lazy("Spring Festival (春节)"),
    "Tomb-sweeping Day": gettext_lazy("Tomb-sweeping Day (清明)"),
    "Labour Day": gettext_lazy("Labour Day (劳动节)"),
    "Dragon Boat Festival": gettext_lazy("Dragon Boat Festival (端午)"),
    "National Day": gettext_lazy("National Day (国庆)"),
    "Mid-autumn Festival": gettext_lazy("Mid-Autumn Festival (中秋)"),
    "Anti-Fascist 70th Day": gettext_lazy("Victory Day, 70th anniversary (抗战胜利70周年纪念日)"),
}


def _named(day: dt.date) -> str:
    """The State Council holiday's name for a day of a known year, in the active language, or ''."""
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if not (on_holiday and name):
        return ""
    return str(PACKAGE_HOLIDAY_NAMES.get(str(name), name))


def calendar_days(
    *, start: dt.date, end: dt.date, school: School | None = None, closures: list[SchoolClosure] | None = None
) -> CalendarReport:
    """Every day from ``start`` to ``end`` (inclusive) with its status, for the county or for one school.

    ``closures`` may be passed in (already filtered to the school) to save a query per school.
    """
    overrides = {o.date: o for o in CalendarOverride.objects.filter(date__range=(start, end))}
    if school is not None and closures is None:
        closures = list(SchoolClosure.objects.filter(school=school, start_date__lte=end, end_date__gte=start))
    closures = closures or []
    unknown = unknown_years(range(start.year, end.year + 1))
    county = [_county_status(day, overrides.get(day)) for day in _dates(start, end)]
    days = apply_closures(county, closures)
    return CalendarReport(days=days, unknown_years=unknown)


def apply_closures(days: list[DayStatus], closures: Iterable[SchoolClosure]) -> list[DayStatus]:
    """A school's days from the county's: closures and exam days replace school days they cover."""
    closures = list(closures)
    if not closures:
        return list(days)
    result = []
    for status in days:
        for closure in closures:
            if closure.start_date <= status.date <= closure.end_date and status.is_school_day:
                kind = DayKind.EXAM if closure.kind == SchoolClosure.Kind.EXAM else DayKind.CLOSURE
                status = DayStatus(
                    status.date, kind, DaySource.CLOSURE, kind == DayKind.EXAM, not closure.no_duty, closure.reason
                )
                if closure.no_duty:
                    break
        result.append(status)
    return result


def term_calendar(*, term: Term, school: School | None = None) -> CalendarReport:
    return calendar_days(start=term.start_date, end=term.end_date, school=school)


def school_days(*, term: Term, school: School | None = None) -> list[dt.date]:
    """The days of ``term`` with gate duty: county school days minus the school's no-duty closures."""
    return term_calendar(term=term, school=school).duty_days()


def day_status(*, day: dt.date, school: School | None = None) -> DayStatus:
    return calendar_days(start=day, end=day, school=school).days[0]


def uncertain_holidays(*, start: dt.date, end: dt.date) -> list[DayStatus]:
    """The fixed-date holidays from ``start`` to ``end`` of years not known yet (``unknown_years``), unless a
    county override makes the day a school day: the days publishing is held back over."""
    years = unknown_years(range(start.year, end.year + 1))
    days = [d for year in years for d in fixed_holidays(year) if start <= d <= end]
    workdays = set(
        CalendarOverride.objects.filter(date__in=days, kind=CalendarOverride.Kind.WORKDAY).values_list(
            "date", flat=True
        )
    )
    return [
        DayStatus(d, DayKind.HOLIDAY, DaySource.FIXED, False, False, fixed_holiday_name(d))
        for d in days
        if d not in workdays
    ]

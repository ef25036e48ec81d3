"""Entering a whole year's State Council holiday notice at once: holiday ranges and make-up school days.

For a year the ``chinesecalendar`` package does not know yet. The scheduler pastes the notice as lines
(or uploads them as CSV), one range per line::

    2027-01-01..2027-01-03 holiday 元旦
    2027-02-07 workday

``year_schedule_parse`` reads them and reports every bad row with its row number and field;
``year_schedule_enter`` writes the year's overrides (one per day of each range) and marks the year as
entered (``HolidayYear``), which silences the unknown-year warning and lifts the publishing guard. All or
nothing, audited; a refused attempt is audited too (outside the rolled-back transaction).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from campus.calendar.days import FIXED_HOLIDAYS, fixed_holiday_name, package_knows_year
from campus.calendar.models import HolidayYear
from campus.models import CalendarOverride
from common.audit import audit_record
from common.errors import DomainError, NotAllowed
from common.roles import Capability, can

MAX_RANGE_DAYS = 31
MAX_ROWS = 200
MAX_UPLOAD_BYTES = 64 * 1024
# The notice's words as well as ours: 放假/休 a day off, 上班/班 a make-up school day.
KIND_WORDS = {
    "holiday": CalendarOverride.Kind.HOLIDAY,
    "假": CalendarOverride.Kind.HOLIDAY,
    "休": CalendarOverride.Kind.HOLIDAY,
    "放假": CalendarOverride.Kind.HOLIDAY,
    "workday": CalendarOverride.Kind.WORKDAY,
    "班": CalendarOverride.Kind.WORKDAY,
    "上班": CalendarOverride.Kind.WORKDAY,
    "调休上班": CalendarOverride.Kind.WORKDAY,
}
_RANGE_SPLIT = re.compile(r"\s*(?:\.\.|~|～|至|—)\s*")


class YearScheduleInvalid(DomainError):
    """The schedule has bad rows; ``details`` lists each as {row, field, message}."""

    code = "year_schedule_invalid"


@dataclass(frozen=True)
class ScheduleRow:
    row: int  # 1-based line (or CSV row) number, as the user sees it
    first: dt.date
    last: dt.date
    kind: str  # CalendarOverride.Kind
    note: str

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _problem(row: int, field: str, message: str) -> dict:
    return {"row": row, "field": field, "message": message}


def _date(text: str, *, row: int, field: str, problems: list[dict]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems.append(
            _problem(row, field, _("%(value)s is not a date (use YYYY-MM-DD).") % {"value": text.strip() or "—"})
        )
        return None


def _row(cells: list[str], *, row: int, year: int, problems: list[dict]) -> ScheduleRow | None:
    """One row from its cells: dates (``a..b`` or ``a``), kind, note."""
    cells = [c.strip() for c in cells]
    if len(cells) < 2 or not cells[0] or not cells[1]:
        problems.append(_problem(row, "dates", _("Write the dates, then holiday or workday.")))
        return None
    before = len(problems)
    parts = _RANGE_SPLIT.split(cells[0])
    if len(parts) > 2:
        problems.append(_problem(row, "dates", _("%(value)s: give one date or one range.") % {"value": cells[0]}))
        return None
    first = _date(parts[0], row=row, field="dates", problems=problems)
    last = _date(parts[-1], row=row, field="dates", problems=problems) if len(parts) == 2 else first
    kind = KIND_WORDS.get(cells[1].lower())
    if kind is None:
        problems.append(_problem(row, "kind", _("%(value)s: write holiday or workday.") % {"value": cells[1]}))
    if first and last:
        if last < first:
            problems.append(
                _problem(
                    row,
                    "dates",
                    _("The range ends on %(last)s, before it starts on %(first)s.")
                    % {"first": first.isoformat(), "last": last.isoformat()},
                )  # fmt: skip
            )
        elif (last - first).days >= MAX_RANGE_DAYS:
            problems.append(
                _problem(row, "dates", _("The range is longer than %(days)d days.") % {"days": MAX_RANGE_DAYS})
            )
        for day in (first, last):
            if day.year != year:
                problems.append(
                    _problem(row, "dates", _("%(date)s is not in %(year)d.") % {"date": day.isoformat(), "year": year})
                )
                break
    note = " ".join(cells[2:]).strip()
    if len(note) > 200:
        problems.append(_problem(row, "note", _("The note is longer than 200 characters.")))
    if len(problems) > before:
        return None
    return ScheduleRow(row=row, first=first, last=last, kind=kind, note=note)


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """Numbered rows of cells from pasted text: ``dates kind note...`` split on blanks, tabs or commas."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "," in line or "\t" in line:
            cells = next(csv.reader([line], delimiter="\t" if "\t" in line else ","))
        else:
            # A range may be written with blanks around its separator: "2027-01-01 .. 2027-01-03".
            line = _RANGE_SPLIT.sub("..", line)
            cells = line.split(None, 2)
        rows.append((number, cells))
    return rows


def csv_text(data: bytes) -> str:
    """An uploaded CSV's text: UTF-8 (with or without BOM) or GBK, as Chinese office software saves it."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise YearScheduleInvalid(
            _("The file is larger than %(kb)d KB.") % {"kb": MAX_UPLOAD_BYTES // 1024},
            details=[_problem(0, "file", _("The file is too large."))],
        )
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise YearScheduleInvalid(
        _("The file is neither UTF-8 nor GBK text."), details=[_problem(0, "file", _("Unreadable file."))]
    )


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """Numbered rows of a CSV with columns dates (or first and last day), kind, note; a header is skipped."""
    rows = []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("dates", "date", "first", "start", "日期", "开始"):
            continue
        # first,last,kind,note: the second column is a date, not a kind
        if len(cells) >= 3 and re.match(r"^\d{4}-\d{2}-\d{2}$", cells[1]) and cells[1].lower() not in KIND_WORDS:
            cells = [f"{cells[0]}..{cells[1]}", *cells[2:]]
        rows.append((number, cells))
    return rows


def year_schedule_parse(*, year: int, text: str = "", csv_data: bytes | None = None) -> list[ScheduleRow]:
    """The rows of a year's schedule, checked; raise ``YearScheduleInvalid`` listing every bad row."""
    problems: list[dict] = []
    if not 2000 <= year <= 2100:
        raise YearScheduleInvalid(
            _("Year %(year)s is out of range.") % {"year": year}, details=[_problem(0, "year", _("Out of range."))]
        )
    raw = _csv_rows(csv_text(csv_data)) if csv_data else _lines(text or "")
    if not raw:
        raise YearScheduleInvalid(
            _("The schedule is empty: write one range per line."),
            details=[_problem(0, "schedule", _("No rows."))],
        )
    if len(raw) > MAX_ROWS:
        raise YearScheduleInvalid(
            _("The schedule has more than %(max)d rows.") % {"max": MAX_ROWS},
            details=[_problem(0, "schedule", _("Too many rows."))],
        )
    rows = [r for number, cells in raw if (r := _row(cells, row=number, year=year, problems=problems))]
    seen: dict[dt.date, int] = {}
    for r in rows:
        for day in r.days():
            if day in seen:
                problems.append(
                    _problem(
                        r.row,
                        "dates",
                        _("%(date)s is already in row %(other)d.") % {"date": day.isoformat(), "other": seen[day]},
                    )  # fmt: skip
                )
                break
            seen[day] = r.row
    for r in rows:
        if r.kind == CalendarOverride.Kind.WORKDAY:
            weekdays = [d for d in r.days() if d.weekday() < 5]
            if weekdays:
                problems.append(
                    _problem(
                        r.row,
                        "kind",
                        _("%(date)s is a weekday: a make-up school day is a Saturday or Sunday.")
                        % {"date": weekdays[0].isoformat()},
                    )  # fmt: skip
                )
    if not problems:
        holidays = {d for r in rows if r.kind == CalendarOverride.Kind.HOLIDAY for d in r.days()}
        for month, day in FIXED_HOLIDAYS:
            date = dt.date(year, month, day)
            if date not in holidays:
                problems.append(
                    _problem(
                        0,
                        "schedule",
                        _("%(date)s (%(name)s) is missing: every notice makes it a holiday.")
                        % {"date": date.isoformat(), "name": fixed_holiday_name(date)},
                    )  # fmt: skip
                )
    if problems:
        problems.sort(key=lambda p: p["row"])
        raise YearScheduleInvalid(
            _("The schedule of %(year)d has %(count)d problems; nothing was saved.")
            % {"year": year, "count": len(problems)},
            details=problems,
        )
    return rows


def check_year_schedule_enter(*, year: int, actor, replace: bool) -> None:
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("Only the patrol brigade may change the school calendar."))
    if package_knows_year(year):
        raise YearScheduleInvalid(
            _("The State Council calendar of %(year)d is already known; add single overrides for local changes.")
            % {"year": year},
            details=[_problem(0, "year", _("Already known."))],
        )
    if not replace and HolidayYear.objects.filter(year=year).exists():
        raise YearScheduleInvalid(
            _("The schedule of %(year)d was entered already; tick 'replace' to enter it again.") % {"year": year},
            details=[_problem(0, "replace", _("Already entered."))],
        )


def year_schedule_enter(
    *, year: int, actor, text: str = "", csv_data: bytes | None = None, replace: bool = False
) -> HolidayYear:
    """Enter ``year``'s holiday notice: every day of each holiday range and each make-up school day
    becomes an override, and the year is marked entered. ``replace``: the year's overrides go first.

    Without ``replace``, a day that has an override already is a row error. Atomic; audited whatever the
    outcome (a refusal is recorded after the rollback)."""
    try:
        check_year_schedule_enter(year=year, actor=actor, replace=replace)
        rows = year_schedule_parse(year=year, text=text, csv_data=csv_data)
        return _year_schedule_write(year=year, actor=actor, rows=rows, replace=replace)
    except DomainError as exc:
        audit_record(
            actor=actor,
            action="calendar.year_schedule.refused",
            object_type="campus.holidayyear",
            object_id=year,
            object_repr=str(year),
            after={"code": exc.code, "problems": exc.details[:50], "replace": replace},
            reason=exc.message[:200],
        )
        raise


@transaction.atomic
def _year_schedule_write(*, year: int, actor, rows: list[ScheduleRow], replace: bool) -> HolidayYear:
    existing = CalendarOverride.objects.select_for_update().filter(date__year=year)
    before = [{"date": o.date.isoformat(), "kind": o.kind, "note": o.note} for o in existing]
    if replace:
        existing.delete()
    else:
        taken = {o["date"] for o in before}
        problems = [
            _problem(
                r.row,
                "dates",
                _("%(date)s has an override already; tick 'replace' to replace the year's.")
                % {"date": day.isoformat()},
            )  # fmt: skip
            for r in rows
            for day in r.days()
            if day.isoformat() in taken
        ]
        if problems:
            raise YearScheduleInvalid(
                _("The schedule of %(year)d has %(count)d problems; nothing was saved.")
                % {"year": year, "count": len(problems)},
                details=problems,
            )
    overrides = [CalendarOverride(date=day, kind=r.kind, note=r.note) for r in rows for day in r.days()]
    for override in overrides:
        override.full_clean(validate_unique=False)
    CalendarOverride.objects.bulk_create(overrides)
    holidays = sum(1 for o in overrides if o.kind == CalendarOverride.Kind.HOLIDAY)
    entered, _created = HolidayYear.objects.update_or_create(
        year=year,
        defaults={
            "entered_by": actor if getattr(actor, "pk", None) else None,
            "holidays": holidays,
            "workdays": len(overrides) - holidays,
        },
    )
    audit_record(
        actor=actor,
        action="calendar.year_schedule",
        obj=entered,
        before={"overrides": before},
        after={
            "replace": replace,
            "rows": [
                {"row": r.row, "first": r.first.isoformat(), "last": r.last.isoformat(), "kind": r.kind, "note": r.note}
                for r in rows
            ],
            "holidays": holidays,
            "workdays": len(overrides) - holidays,
        },
    )
    return entered

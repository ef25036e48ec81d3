"""A year the State Council calendar package does not know: fixed-date holidays, loud warnings, the
publishing guard, and entering the year's holiday notice in one form (text or CSV), all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from campus.calendar.days import (
    DayKind,
    DaySource,
    day_status,
    fixed_holidays,
    package_knows_year,
    uncertain_holidays,
    unknown_years,
)
from campus.calendar.models import HolidayYear
from campus.calendar.year_schedule import YearScheduleInvalid, year_schedule_enter, year_schedule_parse
from campus.models import CalendarOverride
from common.errors import DomainError, NotAllowed
from common.models import AuditLogEntry
from patrol.models import DutyAssignment, Roster
from patrol.roster.services import roster_publish
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, TermFactory, local

pytestmark = pytest.mark.django_db

NOTICE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知 (sample)
2027-01-01..2027-01-03 holiday 元旦
2027-01-31 workday 春节调休
2027-02-06..2027-02-12 holiday 春节
2027-05-01 .. 2027-05-05 holiday 劳动节
2027-10-01..2027-10-07 holiday 国庆节
2027-10-09 workday 国庆调休
"""


@pytest.fixture
def en_client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _problems(exc: YearScheduleInvalid) -> list[tuple[int, str]]:
    return [(p["row"], p["field"]) for p in exc.details]


def test_2027_is_unknown_to_the_package_and_its_fixed_holidays_are_holidays():
    assert not package_knows_year(2027) and package_knows_year(2026)
    assert unknown_years([2026, 2027]) == [2027]
    new_year = day_status(day=dt.date(2027, 1, 1))  # a Friday
    assert (new_year.kind, new_year.source, new_year.has_duty) == (DayKind.HOLIDAY, DaySource.FIXED, False)
    assert new_year.note == "New Year's Day (元旦)"
    assert [
        d.date for d in uncertain_holidays(start=dt.date(2026, 12, 1), end=dt.date(2027, 12, 31))
    ] == fixed_holidays(2027)
    # Other days of the unknown year stay Monday to Friday.
    assert day_status(day=dt.date(2027, 1, 4)).source == DaySource.WEEKDAYS


def test_a_single_override_does_not_make_a_year_known(scheduler):
    CalendarOverride.objects.create(date=dt.date(2027, 3, 3), kind=CalendarOverride.Kind.HOLIDAY)
    assert unknown_years([2027]) == [2027]


def test_entering_the_notice_writes_every_day_marks_the_year_and_audits(scheduler):
    entered = year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027)
    assert (entered.holidays, entered.workdays, entered.entered_by) == (3 + 7 + 5 + 7, 2, scheduler)
    assert CalendarOverride.objects.count() == 24
    assert CalendarOverride.objects.get(date=dt.date(2027, 1, 31)).kind == CalendarOverride.Kind.WORKDAY
    assert CalendarOverride.objects.get(date=dt.date(2027, 5, 3)).note == "劳动节"
    assert unknown_years([2027]) == []
    assert uncertain_holidays(start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31)) == []
    assert day_status(day=dt.date(2027, 1, 31)).kind == DayKind.MAKEUP_WORKDAY
    assert day_status(day=dt.date(2027, 2, 8)).kind == DayKind.HOLIDAY
    entry = AuditLogEntry.objects.get(action="calendar.year_schedule")
    assert entry.after["holidays"] == 22 and len(entry.after["rows"]) == 6


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        ("2027-01-01..2027-01-03 holiday\n2027-13-01 holiday", [(2, "dates")], "2027-13-01 is not a date"),
        ("2027-01-01..2027-01-03 holiday\n2027-02-07 rest", [(2, "kind")], "rest: write holiday or workday"),
        ("2027-01-03..2027-01-01 holiday", [(1, "dates")], "ends on 2027-01-01, before it starts"),
        ("2026-12-31..2027-01-03 holiday", [(1, "dates")], "2026-12-31 is not in 2027"),
        ("2027-01-01..2027-03-01 holiday", [(1, "dates")], "longer than 31 days"),
        ("2027-01-01..2027-01-03 holiday\n2027-01-02 workday", [(2, "dates")], "2027-01-02 is already in row 1"),
        ("2027-01-01..2027-01-03 holiday\n2027-02-08 workday", [(2, "kind")], "2027-02-08 is a weekday"),
        ("2027-01-01", [(1, "dates")], "Write the dates, then holiday or workday"),
        ("2027-01-01..2027-01-02..2027-01-03 holiday", [(1, "dates")], "give one date or one range"),
    ],
)
def test_bad_rows_are_named_by_row_and_field_and_nothing_is_written(scheduler, text, expected, message):
    full = text + "\n2027-05-01 holiday\n2027-10-01..2027-10-03 holiday" if "05-01" not in text else text
    with pytest.raises(YearScheduleInvalid) as caught:
        year_schedule_enter(year=2027, actor=scheduler, text=full)
    assert [p for p in _problems(caught.value) if p[0]] == expected
    assert message in " ".join(p["message"] for p in caught.value.details)
    assert "nothing was saved" in caught.value.message
    assert not CalendarOverride.objects.exists() and not HolidayYear.objects.exists()
    refused = AuditLogEntry.objects.get(action="calendar.year_schedule.refused")
    assert refused.after["code"] == "year_schedule_invalid" and refused.after["problems"]


def test_a_notice_without_the_fixed_holidays_is_refused():
    with pytest.raises(YearScheduleInvalid) as caught:
        year_schedule_parse(year=2027, text="2027-01-01..2027-01-03 holiday 元旦\n2027-02-07 workday")
    messages = [p["message"] for p in caught.value.details]
    assert _problems(caught.value) == [(0, "schedule")] * 4
    assert "2027-05-01 (Labour Day (劳动节)) is missing: every notice makes it a holiday." in messages


def test_empty_schedule_known_year_and_second_entry_are_refused(scheduler):
    with pytest.raises(YearScheduleInvalid, match="The schedule is empty"):
        year_schedule_enter(year=2027, actor=scheduler, text="  \n# only a comment\n")
    with pytest.raises(YearScheduleInvalid, match="calendar of 2026 is already known"):
        year_schedule_enter(year=2026, actor=scheduler, text=NOTICE_2027.replace("2027", "2026"))
    year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027)
    with pytest.raises(YearScheduleInvalid, match="tick 'replace'"):
        year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027)
    assert CalendarOverride.objects.count() == 24


def test_existing_overrides_are_row_errors_unless_replaced(scheduler):
    CalendarOverride.objects.create(date=dt.date(2027, 10, 2), kind=CalendarOverride.Kind.HOLIDAY, note="old")
    with pytest.raises(YearScheduleInvalid) as caught:
        year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027)
    assert _problems(caught.value) == [(6, "dates")]
    assert CalendarOverride.objects.count() == 1 and not HolidayYear.objects.exists()
    year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027, replace=True)
    assert CalendarOverride.objects.get(date=dt.date(2027, 10, 2)).note == "国庆节"
    entry = AuditLogEntry.objects.get(action="calendar.year_schedule")
    assert entry.before["overrides"] == [{"date": "2027-10-02", "kind": "holiday", "note": "old"}]


def test_csv_upload_in_gbk_with_first_and_last_columns(scheduler):
    body = (
        "日期,结束,类型,说明\n"
        "2027-01-01,2027-01-03,休,元旦\n"
        "2027-05-01,2027-05-05,holiday,劳动节\n"
        "2027-10-01..2027-10-07,假,国庆节\n"
        "2027-10-09,班,调休\n"
    ).encode("gbk")
    entered = year_schedule_enter(year=2027, actor=scheduler, csv_data=body)
    assert (entered.holidays, entered.workdays) == (15, 1)
    assert CalendarOverride.objects.get(date=dt.date(2027, 10, 9)).note == "调休"


def test_unreadable_csv_is_refused(scheduler):
    with pytest.raises(YearScheduleInvalid, match="neither UTF-8 nor GBK"):
        year_schedule_enter(year=2027, actor=scheduler, csv_data=b"\xff\xfe\xfa\xfb" * 10)
    assert not CalendarOverride.objects.exists()


def test_only_schedulers_may_enter_a_year(leader):
    with pytest.raises(NotAllowed):
        year_schedule_enter(year=2027, actor=leader, text=NOTICE_2027)
    assert not CalendarOverride.objects.exists()
    assert AuditLogEntry.objects.filter(action="calendar.year_schedule.refused").count() == 1


# --- the publishing guard ---------------------------------------------------------------------------


@pytest.fixture
def new_year_duty(db):
    """A term over New Year 2027 with a duty on 1 January (built before anyone knew better)."""
    term = TermFactory(start_date=dt.date(2026, 12, 1), end_date=dt.date(2027, 1, 22))
    day = dt.date(2027, 1, 1)
    shift = DutyShiftFactory(term=term, date=day, start=local(day, 7, 20), end=local(day, 8, 0))
    DutyAssignmentFactory(shift=shift)
    ordinary = dt.date(2027, 1, 4)
    DutyAssignmentFactory(
        shift=DutyShiftFactory(term=term, date=ordinary, start=local(ordinary, 7, 20), end=local(ordinary, 8, 0))
    )
    return term


def test_publishing_duties_on_an_unknown_years_fixed_holiday_is_blocked(scheduler, new_year_duty):
    with pytest.raises(DomainError) as caught:
        roster_publish(term=new_year_duty, actor=scheduler)
    assert caught.value.code == "unknown_year_holidays"
    assert "1 duties fall on holidays of a year whose holiday calendar is not known yet" in caught.value.message
    assert "2027-01-01 New Year's Day (元旦)" in caught.value.message
    assert not DutyAssignment.objects.filter(published=True).exists()
    assert not Roster.objects.filter(term=new_year_duty, status=Roster.Status.PUBLISHED).exists()


def test_publishing_goes_ahead_once_the_year_is_entered(scheduler, new_year_duty):
    year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027)
    roster = roster_publish(term=new_year_duty, actor=scheduler)
    assert roster.status == Roster.Status.PUBLISHED


def test_a_workday_override_lifts_the_guard_for_that_day(scheduler, new_year_duty):
    CalendarOverride.objects.create(date=dt.date(2027, 1, 1), kind=CalendarOverride.Kind.WORKDAY, note="county")
    assert roster_publish(term=new_year_duty, actor=scheduler).status == Roster.Status.PUBLISHED


def test_the_publish_page_shows_the_refusal(en_client, scheduler, new_year_duty):
    en_client.force_login(scheduler)
    response = en_client.post(reverse("patrol:roster-publish", args=[new_year_duty.pk]), follow=True)
    assert "fall on holidays of a year whose holiday calendar is not known yet" in response.content.decode()
    assert not DutyAssignment.objects.filter(published=True).exists()


# --- pages -------------------------------------------------------------------------------------------


def test_roster_pages_warn_loudly_until_the_year_is_entered(en_client, scheduler, new_year_duty):
    en_client.force_login(scheduler)
    for url in (reverse("patrol:roster-home"), reverse("patrol:roster-term", args=[new_year_duty.pk])):
        body = en_client.get(url).content.decode()
        assert 'class="error calendar-unknown-year" role="alert"' in body
        assert "The holiday calendar of 2027 is not known: add overrides. Publishing is blocked" in body
        assert "(2027-01-01)" in body  # the fixed-date holidays within the term
        assert reverse("campus:calendar_year_schedule") in body
    year_schedule_enter(year=2027, actor=scheduler, text=NOTICE_2027)
    assert "calendar-unknown-year" not in en_client.get(reverse("patrol:roster-home")).content.decode()


def test_year_form_page_enters_the_notice(en_client, scheduler):
    en_client.force_login(scheduler)
    url = reverse("campus:calendar_year_schedule")
    page = en_client.get(url).content.decode()
    assert "The holiday calendar of 2027 is not known" in page
    response = en_client.post(url, {"year": "2027", "schedule": NOTICE_2027}, follow=True)
    assert "The holiday schedule of 2027 is entered: 22 holidays, 2 make-up school days." in response.content.decode()
    assert HolidayYear.objects.filter(year=2027).exists()


def test_year_form_page_lists_row_errors(en_client, scheduler):
    en_client.force_login(scheduler)
    url = reverse("campus:calendar_year_schedule")
    bad = NOTICE_2027.replace("2027-01-31 workday", "2027-01-31 sometimes")
    body = en_client.post(url, {"year": "2027", "schedule": bad}).content.decode()
    assert 'id="schedule-problems"' in body and "sometimes: write holiday or workday." in body
    assert '<td class="num">3</td><td>kind</td>' in body
    assert not CalendarOverride.objects.exists()


def test_year_form_page_takes_a_csv_file(en_client, scheduler):
    en_client.force_login(scheduler)
    upload = SimpleUploadedFile(
        "2027.csv",
        b"2027-01-01..2027-01-03,holiday,New Year\n2027-05-01,holiday\n2027-10-01..2027-10-03,holiday\n",
        content_type="text/csv",
    )
    response = en_client.post(reverse("campus:calendar_year_schedule"), {"year": "2027", "file": upload}, follow=True)
    assert "The holiday schedule of 2027 is entered: 7 holidays, 0 make-up school days." in response.content.decode()


def test_year_form_needs_text_or_file_and_a_year(en_client, scheduler):
    en_client.force_login(scheduler)
    url = reverse("campus:calendar_year_schedule")
    body = en_client.post(url, {"year": "2027", "schedule": " "}).content.decode()
    assert "Write the schedule or choose a CSV file." in body
    body = en_client.post(url, {"year": "twenty", "schedule": NOTICE_2027}).content.decode()
    assert "Enter a whole number." in body
    assert not CalendarOverride.objects.exists()


def test_year_form_is_for_schedulers_only(en_client, leader):
    en_client.force_login(leader)
    assert en_client.get(reverse("campus:calendar_year_schedule")).status_code == 403
    assert en_client.post(reverse("campus:calendar_year_schedule"), {"year": "2027"}).status_code == 403

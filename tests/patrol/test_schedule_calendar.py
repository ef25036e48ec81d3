"""The school calendar: State Council days, county overrides, school closures, unknown years; terms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campus.calendar.days import DayKind, DaySource, day_status, school_days, term_calendar
from campus.models import CalendarOverride, SchoolClosure, Term
from common.errors import Conflict
from common.models import AuditLogEntry
from common.roles import Role
from patrol.schedule import services
from patrol.schedule.services.checks import ScheduleError
from tests.factories import SchoolFactory, make_user
from tests.patrol.factories import TermFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduler():
    return make_user(Role.BRIGADE_SCHEDULER)


def test_state_council_holidays_and_makeup_days():
    assert day_status(day=dt.date(2026, 10, 1)).kind == DayKind.HOLIDAY
    assert day_status(day=dt.date(2026, 10, 1)).note == "National Day (国庆)"  # in the reader's language
    makeup = day_status(day=dt.date(2026, 10, 10))  # a Saturday made a workday (调休)
    assert (makeup.kind, makeup.source, makeup.has_duty) == (DayKind.MAKEUP_WORKDAY, DaySource.PACKAGE, True)
    assert day_status(day=dt.date(2026, 9, 5)).kind == DayKind.WEEKEND
    term = TermFactory(start_date=dt.date(2026, 9, 28), end_date=dt.date(2026, 10, 11))
    days = school_days(term=term)
    assert dt.date(2026, 10, 5) not in days and dt.date(2026, 10, 10) in days and dt.date(2026, 9, 28) in days


def test_unknown_year_falls_back_to_weekdays_and_warns():
    term = TermFactory(start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 14))
    report = term_calendar(term=term)
    assert report.unknown_years == [2027]
    assert report.warnings == ["The holiday calendar of 2027 is not known: add overrides."]
    assert len(report.duty_days()) == 10
    assert {d.source for d in report.days} == {DaySource.WEEKDAYS}


def test_overrides_win_but_do_not_silence_the_warning(scheduler):
    services.calendar_override_create(date="2027-03-03", kind="holiday", note="local", actor=scheduler)
    services.calendar_override_create(date=dt.date(2027, 3, 6), kind="workday", actor=scheduler)
    term = TermFactory(start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 7))
    report = term_calendar(term=term)
    # Two overrides are not the year's holiday notice: the year stays unknown until its schedule is
    # entered (campus.calendar.year_schedule, tests/campus/test_calendar_unknown_year.py).
    assert report.unknown_years == [2027]
    days = report.duty_days()
    assert dt.date(2027, 3, 3) not in days and dt.date(2027, 3, 6) in days
    assert report.days[5].kind == DayKind.MAKEUP_WORKDAY and report.days[5].source == DaySource.OVERRIDE


def test_override_that_changes_nothing_is_refused(scheduler):
    with pytest.raises(ScheduleError, match="2026-09-07 is already a school day"):
        services.calendar_override_create(date="2026-09-07", kind="workday", actor=scheduler)
    with pytest.raises(ScheduleError, match="2026-10-01 is already a day without school"):
        services.calendar_override_create(date="2026-10-01", kind="holiday", actor=scheduler)
    assert not CalendarOverride.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="calendar_override").exists()


def test_override_for_a_date_that_does_not_exist_is_refused(scheduler):
    with pytest.raises(ScheduleError, match=r"Date: 2026-02-30 is not a real date \(use YYYY-MM-DD\)"):
        services.calendar_override_create(date="2026-02-30", kind="holiday", actor=scheduler)
    assert not CalendarOverride.objects.exists()


def test_override_twice_on_one_date_is_a_conflict(scheduler):
    services.calendar_override_create(date="2026-09-12", kind="workday", actor=scheduler)
    with pytest.raises(Conflict, match="2026-09-12 already has an override"):
        services.calendar_override_create(date="2026-09-12", kind="workday", actor=scheduler)
    assert CalendarOverride.objects.count() == 1


def test_api_refuses_an_impossible_date(client, scheduler):
    client.force_login(scheduler)
    response = client.post(
        reverse("patrol_api:schedule-override-list"),
        {"date": "2026-02-30", "kind": "holiday"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    detail = "Date: 2026-02-30 is not a real date (use YYYY-MM-DD)."
    assert response.json() == {"code": "date_invalid", "detail": detail}
    assert not CalendarOverride.objects.exists()


def test_page_form_refuses_an_impossible_date(client, scheduler):
    client.force_login(scheduler)
    response = client.post(
        reverse("patrol:schedule-override-create"),
        {"date": "2026-02-30", "kind": "holiday"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "2026-02-30 is not a real date" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_closure_removes_days_for_one_school_only(scheduler):
    school, other = SchoolFactory(), SchoolFactory()
    term = TermFactory(start_date=dt.date(2026, 9, 7), end_date=dt.date(2026, 9, 11))
    services.school_closure_create(
        school=school, start_date="2026-09-08", end_date="2026-09-09", reason="flood", actor=scheduler
    )
    services.school_closure_create(
        school=school, kind="exam", start_date="2026-09-10", end_date="2026-09-10", no_duty=False, actor=scheduler
    )
    assert school_days(term=term, school=school) == [dt.date(2026, 9, 7), dt.date(2026, 9, 10), dt.date(2026, 9, 11)]
    assert len(school_days(term=term, school=other)) == 5
    kinds = [d.kind for d in term_calendar(term=term, school=school).days]
    assert kinds == [DayKind.SCHOOL_DAY, DayKind.CLOSURE, DayKind.CLOSURE, DayKind.EXAM, DayKind.SCHOOL_DAY]


def test_closure_ending_before_it_starts_is_refused(scheduler):
    with pytest.raises(ScheduleError, match="The closure ends on 2026-09-01, before it starts on 2026-09-08."):
        services.school_closure_create(
            school=SchoolFactory(), start_date="2026-09-08", end_date="2026-09-01", actor=scheduler
        )
    assert not SchoolClosure.objects.exists()


def test_term_that_ends_before_it_starts_is_refused(scheduler):
    with pytest.raises(ScheduleError, match="The term ends on 2026-08-01, before it starts on 2026-09-01."):
        services.term_create(
            school_year="2026-2027", name="Autumn", start_date="2026-09-01", end_date="2026-08-01", actor=scheduler
        )
    assert not Term.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="term").exists()


def test_overlapping_terms_of_a_school_year_are_refused(scheduler):
    services.term_create(
        school_year="2026-2027", name="Autumn", start_date="2026-09-01", end_date="2027-01-22", actor=scheduler
    )
    with pytest.raises(ScheduleError, match=r"overlaps 2026-2027 Autumn \(2026-09-01 to 2027-01-22\)"):
        services.term_create(
            school_year="2026-2027", name="Spring", start_date="2027-01-10", end_date="2027-07-02", actor=scheduler
        )
    assert Term.objects.count() == 1


def test_term_update_keeps_the_rules(scheduler):
    term = services.term_create(
        school_year="2026-2027", name="Autumn", start_date="2026-09-01", end_date="2027-01-22", actor=scheduler
    )
    with pytest.raises(ScheduleError, match="before it starts"):
        services.term_update(term=term, end_date="2026-08-30", actor=scheduler)
    term.refresh_from_db()
    assert term.end_date == dt.date(2027, 1, 22)


def test_calendar_api_and_page_show_the_unknown_year(client, scheduler):
    term = TermFactory(start_date=dt.date(2026, 12, 28), end_date=dt.date(2027, 1, 8))
    client.force_login(scheduler)
    url = reverse("patrol_api:schedule-term-calendar", kwargs={"pk": term.pk})
    data = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["warnings"] == ["The holiday calendar of 2027 is not known: add overrides."]
    assert data["days"][0] == {
        "date": "2026-12-28",
        "kind": "school_day",
        "kind_label": "School day",
        "source": "package",
        "source_label": "State Council calendar",
        "is_school_day": True,
        "has_duty": True,
        "note": "",
    }
    page = client.get(reverse("patrol:schedule-term", kwargs={"pk": term.pk}), HTTP_ACCEPT_LANGUAGE="en")
    assert "The holiday calendar of 2027 is not known: add overrides." in page.content.decode()


def test_others_may_not_write(client):
    officer = make_user(Role.STATION_OFFICER)
    with pytest.raises(Exception, match="You may not change the duty schedule."):
        services.calendar_override_create(date="2026-09-12", kind="workday", actor=officer)

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campus.models import School
from drills.compliance import Status, compliance_board, month_periods, school_compliance
from drills.models import Drill, DrillRule
from tests.drills.factories import CorrectiveActionFactory, DrillFactory

pytestmark = pytest.mark.django_db


def _item(result, code):
    return next(i for i in result.items if i.drill_type.code == code)


def test_month_stubs_join_their_neighbour(term):
    term.start_date, term.end_date = dt.date(2026, 2, 22), dt.date(2026, 7, 3)
    periods = month_periods(term)
    assert periods[0].start == dt.date(2026, 2, 22) and periods[0].end == dt.date(2026, 3, 31)
    assert periods[-1].start == dt.date(2026, 6, 1) and periods[-1].end == dt.date(2026, 7, 3)


def test_done_due_and_overdue(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    DrillRule.objects.create(drill_type=fire, period="month", count=1, levels=["primary"])
    school = setup["school"]
    DrillFactory(school=school, drill_type=fire, date=dt.date(2025, 9, 10))
    result = school_compliance(school=school, term=term, today=dt.date(2025, 11, 20))
    statuses = {(i.period.kind, i.period.start.month): i.status for i in result.items}
    assert statuses[("term", 9)] == Status.MET
    assert statuses[("month", 9)] == Status.MET
    assert statuses[("month", 10)] == Status.OVERDUE
    assert statuses[("month", 11)] == Status.DUE_SOON  # ends in 10 days, within DRILL_REMINDER_DAYS
    assert statuses[("month", 12)] == Status.UPCOMING
    assert result.totals.done == 2 and result.totals.overdue == 1 and result.totals.due == 1


def test_due_with_time_left(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    result = school_compliance(school=setup["school"], term=term, today=dt.date(2025, 10, 1))
    assert _item(result, "fire").status == Status.DUE


def test_police_required_but_missing_is_not_done(setup, term, violence, only_rules):
    DrillRule.objects.create(drill_type=violence, period="term", count=1, police_required=True)
    school = setup["school"]
    drill = DrillFactory(school=school, drill_type=violence, date=dt.date(2025, 10, 15))
    result = school_compliance(school=school, term=term, today=dt.date(2026, 1, 20))
    item = _item(result, "campus_violence")
    assert item.held == 1 and item.done == 0 and item.police_missing
    assert item.status == Status.OVERDUE
    drill.officers.add(setup["officer"])
    result = school_compliance(school=school, term=term, today=dt.date(2026, 1, 20))
    assert _item(result, "campus_violence").status == Status.MET


def test_planned_and_cancelled_drills_do_not_count(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    DrillFactory(school=setup["school"], drill_type=fire, status=Drill.Status.PLANNED, date=None,
                 planned_date=dt.date(2025, 10, 15))  # fmt: skip
    result = school_compliance(school=setup["school"], term=term, today=dt.date(2026, 1, 20))
    assert _item(result, "fire").status == Status.OVERDUE


def test_board_totals_by_station_and_county(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    DrillFactory(school=setup["school"], drill_type=fire, date=dt.date(2025, 10, 15))
    CorrectiveActionFactory(drill__school=setup["other"], due_date=dt.date(2025, 12, 1))
    board = compliance_board(term=term, today=dt.date(2026, 1, 20), schools=School.objects.all())
    assert board.county.done == 1 and board.county.overdue == 1
    assert board.county.done_pct == 50.0
    assert board.county.actions_overdue == 1
    assert sum(row.totals.schools for row in board.stations) == 2


def test_board_page_filters_and_links(client, setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    client.force_login(setup["admin"])
    response = client.get(reverse("drills:drill-board"), {"term": term.pk, "level": "kindergarten"})
    assert response.status_code == 200
    assert "Alpha school" not in response.content.decode()
    response = client.get(reverse("drills:drill-board"), {"term": term.pk})
    body = response.content.decode()
    assert "Alpha school" in body
    assert reverse("drills:drill-school", args=[setup["school"].pk]) in body


def test_staff_board_shows_only_own_school(client, setup, term):
    client.force_login(setup["staff"])
    body = client.get(reverse("drills:drill-board"), {"term": term.pk}).content.decode()
    assert "Alpha school" in body and "Beta school" not in body


def test_compliance_api_per_school_station_county(client, setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    client.force_login(setup["admin"])
    url = reverse("drills_api:drill-compliance")
    data = client.get(url, {"term": term.pk, "school": setup["school"].pk}).json()
    assert data["items"][0]["drill_type"]["code"] == "fire"
    county = client.get(url, {"term": term.pk}).json()
    assert county["county"]["schools"] == 2
    station = client.get(url, {"term": term.pk, "station": setup["school"].responsible_station_id or 0})
    assert station.status_code in (200, 404)

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campus.models import SchoolClosure
from drills.models import Drill, DrillRule
from drills.scheduling import drill_propose_dates
from patrol.models import DutyAssignment, DutyShift, DutyStaff, Post
from tests.factories import GateFactory

pytestmark = pytest.mark.django_db
BEFORE = dt.date(2025, 8, 31)


def _is_school_day(day: dt.date) -> bool:
    import chinese_calendar

    return chinese_calendar.is_workday(day)


def test_proposals_are_school_days_spread_over_the_term(setup, term, fire):
    dates = drill_propose_dates(school=setup["school"], drill_type=fire, term=term, count=4, today=BEFORE)
    assert len(dates) == 4
    assert all(_is_school_day(d) and term.start_date <= d <= term.end_date for d in dates)
    assert not any(dt.date(2025, 10, 1) <= d <= dt.date(2025, 10, 8) for d in dates)
    gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
    assert min(gaps) >= 20


def test_proposals_avoid_closures_exams_and_other_drills(setup, term, fire):
    school = setup["school"]
    SchoolClosure.objects.create(school=school, kind="exam", start_date=dt.date(2025, 9, 1),
                                 end_date=dt.date(2025, 12, 31), no_duty=False)  # fmt: skip
    Drill.objects.create(school=school, drill_type=fire, planned_date=dt.date(2026, 1, 5))
    dates = drill_propose_dates(school=school, drill_type=fire, term=term, count=3, today=BEFORE)
    assert dates and all(d.year == 2026 for d in dates)
    assert dt.date(2026, 1, 5) not in dates


def test_rules_decide_how_many(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="month", count=1)
    dates = drill_propose_dates(school=setup["school"], drill_type=fire, term=term, today=BEFORE)
    assert sorted({(d.year, d.month) for d in dates}) == [(2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1)]


def test_police_drills_avoid_the_liaisons_gate_duty(setup, term, violence, only_rules):
    DrillRule.objects.create(drill_type=violence, period="term", count=1, police_required=True)
    school = setup["school"]
    free = drill_propose_dates(school=school, drill_type=violence, term=term, count=1, today=BEFORE)[0]
    post = Post.objects.create(gate=GateFactory(school=school), name="P")
    staff = DutyStaff.objects.create(role="police", name="L", officer=setup["officer"])
    tz = timezone.get_current_timezone()
    shift = DutyShift.objects.create(
        term=term, post=post, date=free, kind="noon_dismissal",
        start=dt.datetime.combine(free, dt.time(11, 30), tzinfo=tz),
        end=dt.datetime.combine(free, dt.time(12, 10), tzinfo=tz),
    )  # fmt: skip
    DutyAssignment.objects.create(shift=shift, staff=staff, role="police")
    again = drill_propose_dates(school=school, drill_type=violence, term=term, count=1, today=BEFORE)[0]
    assert again != free


def test_duty_does_not_matter_without_police(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    school = setup["school"]
    free = drill_propose_dates(school=school, drill_type=fire, term=term, count=1, today=BEFORE)[0]
    post = Post.objects.create(gate=GateFactory(school=school), name="P")
    staff = DutyStaff.objects.create(role="police", name="L", officer=setup["officer"])
    tz = timezone.get_current_timezone()
    shift = DutyShift.objects.create(
        term=term, post=post, date=free, kind="noon_dismissal",
        start=dt.datetime.combine(free, dt.time(11, 30), tzinfo=tz),
        end=dt.datetime.combine(free, dt.time(12, 10), tzinfo=tz),
    )  # fmt: skip
    DutyAssignment.objects.create(shift=shift, staff=staff, role="police")
    assert drill_propose_dates(school=school, drill_type=fire, term=term, count=1, today=BEFORE)[0] == free


def test_proposals_api(client, setup, term, fire):
    client.force_login(setup["staff"])
    from django.urls import reverse

    url = reverse("drills_api:drill-proposals")
    response = client.get(url, {"school": setup["school"].pk, "drill_type": fire.pk, "term": term.pk, "count": 2})
    assert response.status_code == 200
    other = client.get(url, {"school": setup["other"].pk, "drill_type": fire.pk, "term": term.pk})
    assert other.status_code == 404

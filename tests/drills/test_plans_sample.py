"""Sample plans and activities: realistic, marked as sample, loaded once (idempotent)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campus.models import LiaisonAssignment, School
from campus.sample.names import SAMPLE_MARK
from common.roles import SYSTEM
from drills.models import Activity, EmergencyPlan, EmergencyPlanVersion
from drills.plans import services as plans
from drills.plans.sample import ACTIVITY_COUNT, load_plans_sample


def counts() -> tuple[int, int, int]:
    return EmergencyPlan.objects.count(), EmergencyPlanVersion.objects.count(), Activity.objects.count()


def test_needs_the_sample_county(db):
    with pytest.raises(CommandError, match="load_sample_county"):
        call_command("load_sample_plans", stdout=io.StringIO())
    assert counts() == (0, 0, 0)


def test_sample_plans_and_activities_are_realistic_marked_and_loaded_once(db):
    call_command("load_sample_county", verbosity=0, stdout=io.StringIO())
    today = timezone.localdate()
    out = io.StringIO()
    call_command("load_sample_plans", stdout=out)
    assert "Sample plans and activities loaded" in out.getvalue()
    first = counts()
    schools = School.objects.filter(is_sample=True, active=True).count()
    with_plans = EmergencyPlan.objects.values("school").distinct().count()
    assert 0.6 * schools < with_plans < schools
    versions = Counter(
        EmergencyPlan.objects.get(pk=pk).versions.count()
        for pk in EmergencyPlan.objects.values_list("pk", flat=True)[:50]
    )
    assert set(versions) <= {1, 2, 3} and len(versions) > 1
    assert all(p.is_sample and SAMPLE_MARK in p.title for p in EmergencyPlan.objects.all())
    for v in EmergencyPlanVersion.objects.all():
        assert SAMPLE_MARK in v.text and SAMPLE_MARK in v.change_note
        assert v.approved_on <= today and v.review_due > v.approved_on and v.effective_date >= v.approved_on
    board = plans.plan_board(user=SYSTEM, today=today)
    assert board.overdue and board.missing

    assert first[2] == ACTIVITY_COUNT
    liaisons = dict(LiaisonAssignment.objects.filter(ended_at__isnull=True).values_list("school_id", "officer_id"))
    for a in Activity.objects.prefetch_related("officers").select_related("school"):
        assert a.is_sample and SAMPLE_MARK in a.title and SAMPLE_MARK in a.notes
        assert a.date <= today and a.date.weekday() < 5
        assert [o.pk for o in a.officers.all()] == [liaisons[a.school_id]]
        assert a.station_id == a.school.responsible_station_id
        assert a.audience > 0 or a.kind == Activity.Kind.LIAISON_VISIT
    assert len(Counter(a.kind for a in Activity.objects.all())) == len(Activity.Kind.values)

    again = io.StringIO()
    call_command("load_sample_plans", stdout=again)
    assert "already loaded" in again.getvalue()
    assert counts() == first
    assert load_plans_sample().created == 0


def test_activities_span_the_school_year(db):
    call_command("load_sample_county", verbosity=0, stdout=io.StringIO())
    today = dt.date(2027, 3, 10)
    load_plans_sample(today=today)
    dates = sorted(Activity.objects.values_list("date", flat=True))
    assert dates[0] >= dt.date(2026, 9, 1) and dates[-1] <= today
    assert (dates[-1] - dates[0]).days > 120

"""The sample 护学岗 data on top of the sample county: complete, valid and idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from campus.models import Gate, Officer, School, Term
from patrol.models import BellSchedule, DutyRole, DutyShift, DutyStaff, Post
from patrol.sample import load_sample_patrol
from patrol.schedule.windows import duty_windows

pytestmark = pytest.mark.django_db


def test_load_sample_patrol_is_complete_and_idempotent():
    call_command("load_sample_county", verbosity=0)
    translation.activate("en")  # the command leaves the site language active
    summary = load_sample_patrol()
    schools = School.objects.filter(is_sample=True, active=True)
    assert set(Term.objects.filter(is_sample=True).values_list("name", flat=True)) == {"秋季学期", "春季学期"}
    assert BellSchedule.objects.filter(school__in=schools).count() == schools.count()
    assert not Gate.objects.filter(school__in=schools, posts=None).exists()
    assert Post.objects.filter(gate__school__in=schools, is_sample=True).exists()
    officers = Officer.objects.filter(is_sample=True, active=True, station__isnull=False).count()
    assert DutyStaff.objects.filter(officer__isnull=False).count() == officers
    for school in schools:
        assert DutyStaff.objects.filter(school=school, role=DutyRole.GUARD).count() >= 2
    assert summary.shifts.created == DutyShift.objects.count() > 0
    assert summary.shifts.warnings == ["The holiday calendar of 2027 is not known: add overrides."]
    big = schools.filter(level="primary", pupils__gte=1200).first()
    kinds = [w[0] for w in duty_windows(school=big, day=DutyShift.objects.first().date)]
    assert kinds == ["arrival", "noon_dismissal", "noon_arrival", "dismissal", "dismissal"]

    again = load_sample_patrol()
    assert (again.terms_created, again.bell_schedules, again.posts, again.staff) == (0, 0, 0, {})
    assert (again.shifts.created, again.shifts.unchanged) == (0, summary.shifts.created)

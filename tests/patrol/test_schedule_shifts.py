"""Posts and their default staffing, duty staff and leave, and building a term's shifts."""

from __future__ import annotations

import datetime as dt

import pytest

from campus.models import School
from common.roles import Role
from patrol.models import DutyShift, DutyStaff, Leave, Post
from patrol.schedule import services
from patrol.schedule.services.checks import ScheduleError
from patrol.schedule.services.posts import post_default_requirements
from patrol.schedule.shifts import duty_shifts_build
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import DutyAssignmentFactory, DutyStaffFactory, TermFactory, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduler():
    return make_user(Role.BRIGADE_SCHEDULER)


@pytest.mark.parametrize(
    ("level", "pupils", "main", "expected"),
    [
        ("primary", 1500, True, {"police": 1, "auxiliary": 1, "guard": 2, "volunteer": 2}),
        ("nine_year", 1200, True, {"police": 1, "auxiliary": 1, "guard": 2, "volunteer": 2}),
        ("primary", 600, True, {"police": 1, "auxiliary": 1, "guard": 1}),
        ("senior", 3000, True, {"auxiliary": 1, "guard": 1}),
        ("primary", 1500, False, {"guard": 1}),
        ("kindergarten", 300, True, {"guard": 1, "volunteer": 1}),
    ],
)
def test_default_requirements(level, pupils, main, expected):
    gate = GateFactory(school=SchoolFactory(level=level, pupils=pupils), is_main=main)
    assert post_default_requirements(gate) == expected


def test_post_create_uses_defaults_and_checks_staffing(scheduler):
    gate = GateFactory(school=SchoolFactory(level=School.Level.KINDERGARTEN), is_main=True)
    post = services.post_create(gate=gate, name="Main", actor=scheduler)
    assert post.requirements == {"guard": 1, "volunteer": 1}
    with pytest.raises(ScheduleError, match="Staffing: pilot is not a role"):
        services.post_create(gate=gate, name="X", requirements={"pilot": 1}, actor=scheduler)
    with pytest.raises(ScheduleError, match="Staffing: a post needs at least one person."):
        services.post_update(post=post, requirements={"guard": 0}, actor=scheduler)
    assert Post.objects.count() == 1 and Post.objects.get().requirements == {"guard": 1, "volunteer": 1}


def test_staff_roles_need_the_right_unit(scheduler):
    station, school = StationFactory(), SchoolFactory()
    with pytest.raises(ScheduleError, match="G: guards and volunteers serve their own school; choose it."):
        services.duty_staff_create(role="guard", name="G", station=station, actor=scheduler)
    with pytest.raises(ScheduleError, match="P: police and auxiliary officers belong to a station; choose it."):
        services.duty_staff_create(role="police", name="P", school=school, actor=scheduler)
    assert not DutyStaff.objects.exists()
    guard = services.duty_staff_create(role="guard", name="G", school=school, actor=scheduler)
    assert guard.school == school


def test_leave_must_end_after_it_starts(scheduler):
    staff = DutyStaffFactory()
    day = dt.date(2026, 9, 7)
    with pytest.raises(ScheduleError, match="ends at 2026-09-07 08:00, not after it starts at 2026-09-07 09:00"):
        services.leave_create(staff=staff, start=local(day, 9), end=local(day, 8), actor=scheduler)
    assert not Leave.objects.exists()
    leave = services.leave_create(staff=staff, start=local(day, 8), end=local(day, 18), actor=scheduler)
    services.leave_delete(leave=leave, actor=scheduler)
    assert not Leave.objects.exists()


@pytest.fixture
def small_school(scheduler):
    school = SchoolFactory(level="primary", pupils=600)
    main = GateFactory(school=school, is_main=True, name="North")
    side = GateFactory(school=school, is_main=False, name="South")
    services.post_create(gate=main, name="North post", actor=scheduler)
    services.post_create(gate=side, name="South post", window_kinds=["dismissal"], actor=scheduler)
    bells = [{"kind": "arrival", "time": "07:50"}, {"kind": "dismissal", "time": "16:30"}]
    services.bell_schedule_save(school=school, name="Mon-Fri", weekdays=[0, 1, 2, 3, 4], bells=bells, actor=scheduler)
    return school


def test_build_creates_one_shift_per_post_day_and_window(small_school, scheduler):
    # 9-28..9-30 are school days, 10-01..10-07 the National Day holiday, 10-08 and 10-09 school days again.
    term = TermFactory(start_date=dt.date(2026, 9, 28), end_date=dt.date(2026, 10, 9))
    report = duty_shifts_build(term=term, actor=scheduler)
    days = 3 + 2
    assert report.created == days * 3  # north: arrival + dismissal, south: dismissal
    shift = DutyShift.objects.get(post__name="North post", date=dt.date(2026, 9, 28), kind="arrival")
    assert (shift.start, shift.end) == (local(dt.date(2026, 9, 28), 7, 20), local(dt.date(2026, 9, 28), 8, 0))
    assert shift.requirements == {"police": 1, "auxiliary": 1, "guard": 1}
    again = duty_shifts_build(term=term, actor=scheduler)
    assert (again.created, again.unchanged, again.deleted, again.updated) == (0, days * 3, 0, 0)


def test_build_keeps_assigned_shifts_and_reports_them(small_school, scheduler):
    term = TermFactory(start_date=dt.date(2026, 9, 28), end_date=dt.date(2026, 9, 30))
    duty_shifts_build(term=term, actor=scheduler)
    kept = DutyShift.objects.get(post__name="North post", date=dt.date(2026, 9, 29), kind="arrival")
    DutyAssignmentFactory(shift=kept)
    services.school_closure_create(school=small_school, start_date="2026-09-29", end_date="2026-09-29",
                                   actor=scheduler)  # fmt: skip
    report = duty_shifts_build(term=term, actor=scheduler)
    assert report.deleted == 2
    assert [c["shift"] for c in report.conflicts] == [kept.pk]
    assert "is no longer a duty window but has 1 assignments" in report.conflicts[0]["message"]
    assert DutyShift.objects.filter(date=dt.date(2026, 9, 29)).count() == 1


def test_build_updates_changed_staffing(small_school, scheduler):
    term = TermFactory(start_date=dt.date(2026, 9, 28), end_date=dt.date(2026, 9, 28))
    duty_shifts_build(term=term, actor=scheduler)
    post = Post.objects.get(name="South post")
    services.post_update(post=post, requirements={"guard": 2}, actor=scheduler)
    report = duty_shifts_build(term=term, actor=scheduler)
    assert (report.updated, report.unchanged) == (1, 2)
    assert DutyShift.objects.get(post=post).requirements == {"guard": 2}


def test_makeup_saturday_follows_the_monday_bells(small_school, scheduler):
    term = TermFactory(start_date=dt.date(2026, 10, 10), end_date=dt.date(2026, 10, 11))  # Sat (调休), Sun
    assert duty_shifts_build(term=term, actor=scheduler).created == 3
    assert set(DutyShift.objects.values_list("date", flat=True)) == {dt.date(2026, 10, 10)}

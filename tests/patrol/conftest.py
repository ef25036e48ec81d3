"""The patrol tests' client, and the county of the 护学岗 dashboard tests."""

from __future__ import annotations

import datetime as dt

import pytest

from common.roles import Role
from patrol.duty.services import duty_check_in
from patrol.models import DutyRole
from tests.county import build_county
from tests.factories import GateFactory, make_user
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_duty_helpers import DAY, GATE_LAT, GATE_LON, Day, build_day

WEDNESDAY = DAY + dt.timedelta(days=2)
FAR_LAT = GATE_LAT + 1.0


@pytest.fixture
def client(english_client):
    """These tests read English page text (see ``english_client`` in tests/conftest.py)."""
    return english_client


@pytest.fixture
def county(db) -> Day:
    """Monday 2026-09-07, 07:20-08:00 windows, grace 5 minutes.

    Station A, school A: post 1 (1 police), the officer checked in late at 07:30; post 2 (1 guard), the
    guard (a school safety staff user) checked in on time at 07:10.
    Station B, school B: post 3 (1 police + 1 auxiliary), one police assigned, not checked in.
    Wednesday: post 1 again with nobody assigned.
    The day of ``build_day`` with ``guard_user``, ``school_b`` and ``shift_b`` added.
    """
    day = build_day()
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 30))

    guard_user = make_user(Role.SCHOOL_STAFF, school=day.school, username="guard_a")
    guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=day.school, user=guard_user, name="Guard Li")
    guard_post = PostFactory(gate=day.gate, requirements={"guard": 1})
    guard_shift = DutyShiftFactory(
        term=day.term, post=guard_post, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0)
    )
    guard_duty = DutyAssignmentFactory(shift=guard_shift, staff=guard, role=DutyRole.GUARD)
    duty_check_in(assignment=guard_duty, actor=guard_user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10))

    far = build_county(
        stations={"station_b": {"lat": FAR_LAT, "lon": GATE_LON, "half_deg": 0.1}},
        schools={"school_b": {"lat": FAR_LAT, "lon": GATE_LON}},
    )
    station_b, school_b = far["station_b"], far["school_b"]
    assert school_b.responsible_station_id == station_b.id
    post_b = PostFactory(
        gate=GateFactory(school=school_b, lat=FAR_LAT, lon=GATE_LON), requirements={"police": 1, "auxiliary": 1}
    )
    shift_b = DutyShiftFactory(term=day.term, post=post_b, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0))
    DutyAssignmentFactory(shift=shift_b, staff=DutyStaffFactory(station=station_b, name="Officer Zhao"))

    DutyShiftFactory(
        term=day.term, post=day.post, date=WEDNESDAY, start=local(WEDNESDAY, 7, 20), end=local(WEDNESDAY, 8, 0)
    )
    day.guard_user = guard_user
    day.school_b = school_b
    day.shift_b = shift_b
    return day

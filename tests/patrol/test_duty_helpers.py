"""Shared builders for the duty-day tests (no tests here). Times are explicit: 2026-09-07, Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campus.models import Gate, School, Station, Term
from common.roles import Role
from patrol.models import DutyAssignment, DutyRole, DutyShift, DutyStaff, Post, WindowKind
from tests.factories import GateFactory, SchoolFactory, StationFactory, make_user, square
from tests.patrol.factories import (
    DutyAssignmentFactory,
    DutyShiftFactory,
    DutyStaffFactory,
    PostFactory,
    TermFactory,
    local,
)

DAY = dt.date(2026, 9, 7)  # a Monday
GATE_LAT, GATE_LON = 36.18, 118.17


def north_of_gate(metres: float) -> tuple[float, float]:
    """A point ``metres`` due north of the gate (1 degree of latitude is about 111,195 m)."""
    return GATE_LAT + metres / 111195.0, GATE_LON


@dataclass
class Day:
    station: Station
    school: School
    other_school: School
    gate: Gate
    post: Post
    term: Term
    shift: DutyShift
    staff: DutyStaff
    assignment: DutyAssignment
    user: object


def build_day(*, username: str = "duty_officer") -> Day:
    """One station with school (gate at GATE_LAT/LON) and another school; an officer user on the 07:20-08:00 post."""
    station = StationFactory(lat=GATE_LAT, lon=GATE_LON, jurisdiction=square(GATE_LAT, GATE_LON, 0.1))
    school = SchoolFactory(lat=GATE_LAT, lon=GATE_LON)
    other_school = SchoolFactory(lat=GATE_LAT + 0.01, lon=GATE_LON)
    assert school.responsible_station_id == station.id
    gate = GateFactory(school=school, lat=GATE_LAT, lon=GATE_LON, name="Main gate")
    post = PostFactory(gate=gate, requirements={"police": 1}, checkin_radius_m=150)
    term = TermFactory()
    shift = DutyShiftFactory(term=term, post=post, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0))
    user = make_user(Role.STATION_OFFICER, username=username)
    staff = DutyStaffFactory(role=DutyRole.POLICE, station=station, user=user, name="Officer Wang")
    assignment = DutyAssignmentFactory(shift=shift, staff=staff, role=DutyRole.POLICE)
    return Day(station, school, other_school, gate, post, term, shift, staff, assignment, user)


def dismissal_shift(day: Day, *, guard_user=None, school: School | None = None) -> tuple[DutyShift, DutyStaff]:
    """A 16:10-16:45 dismissal shift needing one guard, with a guard assigned."""
    school = school or day.school
    gate = day.gate if school == day.school else GateFactory(school=school, lat=school.lat, lon=school.lon)
    post = PostFactory(gate=gate, requirements={"guard": 1})
    shift = DutyShiftFactory(
        term=day.term, post=post, date=DAY, kind=WindowKind.DISMISSAL, start=local(DAY, 16, 10), end=local(DAY, 16, 45)
    )
    guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school, user=guard_user, name="Guard Li")
    DutyAssignmentFactory(shift=shift, staff=guard, role=DutyRole.GUARD)
    return shift, guard

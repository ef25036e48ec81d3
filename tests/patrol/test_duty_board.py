"""Today's board: statuses per person and post at an explicit time, scoping, snapshot API."""

from __future__ import annotations

import pytest

from common.roles import Role
from patrol.duty.selectors import board_for, uncovered_roles
from patrol.duty.services import duty_check_in, duty_check_out
from patrol.models import DutyRole
from tests.factories import GateFactory, make_user
from tests.patrol.factories import DutyAssignmentFactory, DutyShiftFactory, DutyStaffFactory, PostFactory, local
from tests.patrol.test_duty_helpers import DAY, GATE_LAT, GATE_LON, build_day, dismissal_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def _row(board, shift):
    return next(r for r in board.rows if r["id"] == shift.id)


def _viewer():
    return make_user(Role.BRIGADE_SCHEDULER, username="viewer")


def test_person_upcoming_before_grace_then_missing(day, settings):
    settings.PATROL_LATE_GRACE_MIN = 5
    viewer = _viewer()
    row = _row(board_for(user=viewer, date=DAY, now=local(DAY, 7, 25)), day.shift)
    assert row["people"][0]["status"] == "upcoming" and row["status"] == "upcoming"
    board = board_for(user=viewer, date=DAY, now=local(DAY, 7, 26))
    row = _row(board, day.shift)
    assert row["people"][0]["status"] == "missing" and row["status"] == "missing"
    assert board.counts["posts"]["missing"] == 1 and board.counts["people"]["missing"] == 1
    assert row["late_after"].startswith("2026-09-07T07:25")


def test_on_duty_late_and_checked_out(day):
    viewer = _viewer()
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 30))
    row = _row(board_for(user=viewer, date=DAY, now=local(DAY, 7, 31)), day.shift)
    assert row["people"][0]["status"] == "late" and row["status"] == "late"
    assert row["people"][0]["distance_m"] == 0
    duty_check_out(assignment=day.assignment, actor=day.user, at=local(DAY, 8, 0))
    row = _row(board_for(user=viewer, date=DAY, now=local(DAY, 8, 1)), day.shift)
    assert row["people"][0]["status"] == "checked_out" and row["status"] == "checked_out"


def test_on_time_check_in_shows_on_duty(day):
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10))
    row = _row(board_for(user=_viewer(), date=DAY, now=local(DAY, 7, 40)), day.shift)
    assert row["people"][0]["status"] == "on_duty" and row["status"] == "on_duty"


def test_uncovered_when_requirements_are_not_met(day):
    post = PostFactory(gate=day.gate, requirements={"police": 1, "auxiliary": 1, "guard": 2})
    shift = DutyShiftFactory(term=day.term, post=post, date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0))
    DutyAssignmentFactory(shift=shift, staff=DutyStaffFactory(station=day.station), role=DutyRole.POLICE)
    row = _row(board_for(user=_viewer(), date=DAY, now=local(DAY, 7, 0)), shift)
    assert row["status"] == "uncovered" and row["uncovered_roles"] == {"auxiliary": 1, "guard": 2}


def test_spare_police_fill_auxiliary_slots():
    class A:
        def __init__(self, role):
            self.role = role

    assert uncovered_roles({"police": 1, "auxiliary": 1}, [A("police"), A("police")]) == {}
    assert uncovered_roles({"auxiliary": 1}, [A("auxiliary")]) == {}
    assert uncovered_roles({"police": 1}, [A("auxiliary")]) == {"police": 1}


def test_patrol_due_on_dismissal_shift_and_missing_equipment_listed(day):
    from patrol.duty.services import guard_patrol_record

    staff_user = make_user(Role.SCHOOL_STAFF, school=day.school, username="staff_a")
    shift, guard = dismissal_shift(day)
    row = _row(board_for(user=_viewer(), date=DAY, now=local(DAY, 16, 0)), shift)
    assert row["patrol_due"] and row["patrol"] is None
    guard_patrol_record(
        shift=shift, actor=staff_user, started_at=local(DAY, 15, 50), equipment=["steel_fork", "rubber_baton"],
        area_cleared=True,
    )  # fmt: skip
    board = board_for(user=_viewer(), date=DAY, now=local(DAY, 16, 0))
    row = _row(board, shift)
    assert row["patrol"]["staff"] == "Guard Li" and row["patrol"]["area_cleared"]
    assert row["patrol"]["missing_equipment"] == ["Stab-proof vest", "Helmet", "Shield"]
    assert board.counts["patrols_due"] == 1 and board.counts["patrols_recorded"] == 1
    assert not _row(board, day.shift)["patrol_due"]


def test_school_staff_see_only_their_school_and_station_filter(day):
    gate_b = GateFactory(school=day.other_school, lat=GATE_LAT + 0.01, lon=GATE_LON)
    other_shift = DutyShiftFactory(
        term=day.term, post=PostFactory(gate=gate_b), date=DAY, start=local(DAY, 7, 20), end=local(DAY, 8, 0)
    )
    staff_user = make_user(Role.SCHOOL_STAFF, school=day.other_school, username="staff_b")
    ids = [r["id"] for r in board_for(user=staff_user, date=DAY, now=local(DAY, 7, 0)).rows]
    assert ids == [other_shift.id]
    viewer = _viewer()
    assert len(board_for(user=viewer, date=DAY, now=local(DAY, 7, 0)).rows) == 2
    assert board_for(user=viewer, date=DAY, station_id=day.station.id + 999, now=local(DAY, 7, 0)).rows == []
    pilot = make_user(Role.DRONE_OPERATOR, username="pilot")
    assert board_for(user=pilot, date=DAY, now=local(DAY, 7, 0)).rows == []


def test_snapshot_api_and_page(client, day):
    staff_user = make_user(Role.SCHOOL_STAFF, school=day.other_school, username="staff_b")
    client.force_login(staff_user)
    data = client.get(f"/api/patrol/board/?date={DAY.isoformat()}").json()
    assert data["date"] == "2026-09-07" and data["shifts"] == []
    client.force_login(day.user)  # a station officer: defaults to their station
    data = client.get(f"/api/patrol/board/?date={DAY.isoformat()}").json()
    assert data["station"] == day.station.id  # their DutyStaff station
    assert [s["id"] for s in data["shifts"]] == [day.shift.id]
    person = data["shifts"][0]["people"][0]
    assert person["name"] == "Officer Wang" and person["role"] == "police"
    response = client.get(f"/patrol/duty/board/?date={DAY.isoformat()}&station=", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200 and "duty_board.js" in text and "Main gate" in text


def test_station_officer_board_defaults_to_their_station(client, day):
    from tests.factories import OfficerFactory

    officer = OfficerFactory(station=day.station)
    user = make_user(Role.STATION_OFFICER, officer=officer, username="liaison")
    client.force_login(user)
    data = client.get(f"/api/patrol/board/?date={DAY.isoformat()}").json()
    assert data["station"] == day.station.id
    assert client.get(f"/api/patrol/board/?date={DAY.isoformat()}&station=").json()["station"] is None

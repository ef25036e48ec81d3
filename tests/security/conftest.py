"""The county the scope tests read, and the rows each module adds to it."""

from __future__ import annotations

import pytest

from common.roles import Role
from tests.county import County, build_county
from tests.drills.factories import ActivityFactory, CorrectiveActionFactory, DrillFactory, EmergencyPlanFactory
from tests.factories import CENTER_LAT, CENTER_LON, GateFactory
from tests.incidents.factories import IncidentFactory
from tests.patrol.factories import DutyShiftFactory, DutyStaffFactory, PostFactory, TermFactory

NORTH_LAT, SOUTH_LAT = CENTER_LAT + 0.2, CENTER_LAT - 0.2


@pytest.fixture
def county(db) -> County:
    """Stations North and South; school A is North's, B and C South's; North's officer is the liaison
    officer (一校一警) of C, across the station boundary.

    Users: ``officer`` (that officer, ``north_officer``), ``staff_a`` (safety staff of A), ``pilot`` (a drone
    operator) and ``bureau`` (a brigade scheduler).
    """
    county = build_county(
        stations={
            "north": {"name": "North", "lat": NORTH_LAT, "lon": CENTER_LON},
            "south": {"name": "South", "lat": SOUTH_LAT, "lon": CENTER_LON},
        },
        schools={
            "A": {"name": "School A", "lat": NORTH_LAT, "lon": CENTER_LON},
            "B": {"name": "School B", "lat": SOUTH_LAT, "lon": CENTER_LON},
            "C": {"name": "School C", "lat": SOUTH_LAT, "lon": CENTER_LON + 0.01},
        },
        officers={"officer": {"station": "north"}},
        liaisons={"C": "officer"},
        users={
            "officer": {"role": Role.STATION_OFFICER, "officer": "officer", "username": "north_officer"},
            "staff_a": {"role": Role.SCHOOL_STAFF, "school": "A"},
            "pilot": {"role": Role.DRONE_OPERATOR},
            "bureau": {"role": Role.BRIGADE_SCHEDULER},
        },
    )
    assert county["A"].responsible_station == county["north"]
    assert county["B"].responsible_station == county["C"].responsible_station == county["south"]
    return county


@pytest.fixture
def rows(county) -> dict[str, dict[str, object]]:
    """For each school (by key): one row of every scoped kind, under the kind's name."""
    term = TermFactory()
    rows: dict[str, dict[str, object]] = {}
    for key, school in county.schools.items():
        gate = GateFactory(school=school, lat=school.lat, lon=school.lon)
        drill = DrillFactory(school=school)
        rows[key] = {
            "school": school,
            "incident": IncidentFactory(school=school),
            "drill": drill,
            "action": CorrectiveActionFactory(drill=drill),
            "plan": EmergencyPlanFactory(school=school),
            "activity": ActivityFactory(school=school),
            "shift": DutyShiftFactory(term=term, post=PostFactory(gate=gate)),
            "guard": DutyStaffFactory(role="guard", school=school, station=None),
        }
    return rows


@pytest.fixture
def incidents(county) -> dict[str, object]:
    """Reports at A (``north``), B (``south``) and C (``liaised``), with the reporters' phones of the first two,
    and one at B routed to North's duty desk (``routed``: a school moved zones since)."""
    return {
        "north": IncidentFactory(school=county["A"], reporter_phone="13900000001"),
        "south": IncidentFactory(school=county["B"], reporter_phone="13900000002"),
        "liaised": IncidentFactory(school=county["C"]),
        "routed": IncidentFactory(school=county["B"], station=county["north"]),
    }
